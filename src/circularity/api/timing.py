"""Run-time limits: a model call answers within its deadline or the request gets a 504."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from circularity.api.errors import ApiError
from circularity.errors import CircularityError

__all__ = ["MODEL_POOL", "SLOW_POOL", "Deadline", "DeadlineExceeded", "too_slow"]

# Model calls run here, off the event loop, so the request can stop waiting at the deadline.
# Two threads: model code is CPU-bound under the GIL, and more threads would only starve the
# event loop that answers cache hits; identical requests share one run (see respond.py). A call past its deadline
# finishes in the background (Python threads cannot be killed); simulations check the clock
# between chunks and stop themselves (see Deadline).
MODEL_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="circularity-model")
# Slow analytics (ratios and vendor financing, null models, claims: a second or more when cold)
# get their own thread, so they never hold up the interactive stress and projection levers.
SLOW_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="circularity-slow")


class DeadlineExceeded(CircularityError):
    """Raised inside a cooperative run when its time is up."""


class Deadline:
    """A clock a long run checks between chunks: it stops before a chunk would overrun."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.monotonic()
        self._last = self.start
        self._longest = 0.0
        self.lock = threading.Lock()

    def check(self, *_: object) -> None:
        now = time.monotonic()
        self._longest = max(self._longest, now - self._last)
        self._last = now
        if now - self.start + self._longest > self.seconds:
            raise DeadlineExceeded

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start


def too_slow(seconds: float) -> ApiError:
    """The 504 a request gets when its run is past the limit (the run itself goes on)."""
    return ApiError(
        504,
        f"the run did not finish within the limit of {seconds:g} s; run it from the command line instead",
        detail={"limit_seconds": seconds},
    )
