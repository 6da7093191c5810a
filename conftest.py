"""Shared pytest set-up for core and provider tests: real services as session fixtures."""

pytest_plugins = ["tests.services"]
