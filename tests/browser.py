"""Headless Chromium (Debian's ``chromium``, driven by playwright) for checking HTML pages.

``open_page`` loads a page, records console errors and every request that leaves the file, and
writes a screenshot; tests assert on the returned :class:`LoadedPage`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@dataclass
class LoadedPage:
    page: object  # playwright.sync_api.Page, still open for further checks
    screenshot: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    remote_requests: list[str] = field(default_factory=list)
    load_seconds: float = 0.0

    def assert_clean(self) -> None:
        """No console or script errors, nothing fetched from outside the file, a non-blank shot."""
        assert not self.console_errors, self.console_errors
        assert not self.page_errors, self.page_errors
        assert not self.remote_requests, self.remote_requests
        assert not blank(self.screenshot), f"{self.screenshot} is blank"


def blank(png: Path) -> bool:
    """True when every pixel of the screenshot has the same colour."""
    from PIL import Image

    with Image.open(png) as image:
        extrema = image.convert("RGB").getextrema()
    return all(low == high for low, high in extrema)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """A headless Chromium for one test module. Not per session: playwright's sync API keeps an
    event loop running in the thread while it is open, which breaks ``asyncio.run`` in other tests
    of the same worker (and a second playwright in the same thread)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed: scripts/test installs it with apt-get")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def open_page(browser, url_or_path: str | Path, screenshot: Path, *,
              size: tuple[int, int] = (1280, 900), full_page: bool = True) -> LoadedPage:
    """Load ``url_or_path`` in a new page and screenshot it to ``screenshot``."""
    import time

    url = url_or_path if isinstance(url_or_path, str) and "://" in url_or_path \
        else Path(url_or_path).resolve().as_uri()
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    loaded = LoadedPage(page=page, screenshot=screenshot)
    page.on("console", lambda m: loaded.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: loaded.page_errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:", "about:"))
            else loaded.remote_requests.append(r.url))
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    loaded.load_seconds = time.perf_counter() - started
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=full_page)
    return loaded


def keep_screenshot(shot: Path, name: str) -> None:
    """Copy a screenshot into docs/screenshots when OCTOUP_SCREENSHOTS=1 (for the docs)."""
    if os.environ.get("OCTOUP_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / name)
