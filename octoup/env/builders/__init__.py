"""Builders turn an :class:`~octoup.env.spec.EnvSpec` into an environment prefix."""
