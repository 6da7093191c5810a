"""Environments: detect what a project declares, build it atomically, and report drift.

``detect`` finds the env files (one ordered list of detectors), ``up`` builds the winner with a
builder (uv, rattler, conda, pipenv), ``drift`` compares declared, locked and installed packages,
and ``capture`` writes the live env back in the project's own format.
"""
