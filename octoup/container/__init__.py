"""Container images from the detected environment: a rendered Dockerfile, a filtered build
context, an optional offline wheelhouse, and a build through the docker SDK."""
