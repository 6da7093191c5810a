from tests.browser import chromium  # noqa: F401  (session fixture for the dashboard tests)
