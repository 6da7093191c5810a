"""Infrastructure as code: the Pulumi programs in ``stacks/``, parameterised from octoup.toml,
previewed offline under Pulumi's mocks, exported, or applied with the Automation API."""
