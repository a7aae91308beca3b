"""Playwright driving Debian's Chromium (``/usr/bin/chromium``) against a real server.

Never ``playwright install``: the system browser is installed by ``make browser``.
Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from _serve import LiveServer, shared_server  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _page import PageWatch  # noqa: E402

from circularity.report.pdf import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one set of launch flags)


@pytest.fixture(scope="session")
def live_server() -> LiveServer:
    return shared_server()


@pytest.fixture(scope="module")  # closed after each module: report tests start their own
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[PageWatch]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield PageWatch(page)
    context.close()
