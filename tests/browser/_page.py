"""A Playwright page with its console errors collected, and screenshots to test-artifacts/.

On a machine shared by parallel test runs a model request can pass the server's run limit
(``MAX_RUN_SECONDS``, 30 s) and be answered 504 "the run did not finish"; the run goes on in the
background and its answer is cached, so the same request made again is answered. :func:`answered`
does an action again after such a 504, within a time limit; :attr:`PageWatch.faults` is
every console or page error except those 504 answers, so a test still fails on any other error,
and on a panel that never answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"

#: How Chromium logs a 504 answer to the console.
_CONSOLE_504 = "status of 504"


class PageWatch:
    """A page with its console errors, page errors and 504 answers collected."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.timeouts: list[str] = []  # URLs the server answered 504 (run past its limit)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("response", lambda r: self.timeouts.append(r.url) if r.status == 504 else None)
        self.inflight: set[Any] = set()  # requests not yet answered
        page.on("request", lambda r: self.inflight.add(r))  # Playwright wants Python functions
        page.on("requestfinished", lambda r: self.inflight.discard(r))
        page.on("requestfailed", lambda r: self.inflight.discard(r))

    @property
    def faults(self) -> list[str]:
        """The errors, less the console lines of the server's 504 answers (a busy machine)."""
        return [e for e in self.errors if _CONSOLE_504 not in e]

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def answered(
    w: PageWatch, act: Callable[[], object], done: str | tuple[str, ...], *, limit_s: float = 480.0
) -> None:
    """Do ``act`` (a page load, a click) until ``done`` is in the page: a selector, or selectors
    that must all be there.

    ``act`` is done again only when the server answered 504 meanwhile (its run limit passed on a
    busy machine; the run goes on, shared by the repeated request, and is cached) and the page
    waits for no other answer (a 504 of a panel ``done`` does not need is then let be). The test
    fails when ``done`` is not shown within ``limit_s`` seconds in all: a request that hangs, or
    fails, or passes its limit however often it is asked.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def holds() -> bool:
        for selector in (done,) if isinstance(done, str) else done:  # no eval: the page's CSP
            try:
                w.page.wait_for_selector(selector, state="attached", timeout=1_000)
            except PlaywrightTimeout:
                return False
        return True

    deadline = time.monotonic() + limit_s
    while True:
        seen = len(w.timeouts)
        act()
        while not holds():
            if time.monotonic() > deadline:
                raise AssertionError(f"{done!r} not shown within {limit_s:g} s; 504s: {w.timeouts}")
            if len(w.timeouts) > seen and not w.inflight:  # answered 504, and waits for nothing more
                print(f"504 (run limit) on {w.timeouts[seen:]}: again")
                break
        else:
            return
