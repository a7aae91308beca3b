"""Marks the slow tests, so that ``make test-fast`` (``-m "not slow"``) runs the rest in under a minute.

Slow means: it drives a browser, starts a live server or a Dask cluster, or starts a fresh Python
process (a CLI run as a subprocess, an import killed mid-way). A test is found slow when it, a
fixture it requests, or a function of its module that it calls does one of those things, so a new
test of that kind is marked without anyone remembering to. ``make test`` still runs everything.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cache
from types import ModuleType

import pytest

#: Source text that starts something slow.
_SLOW_CALLS = ("LiveServer(", "shared_server(", "subprocess.", "LocalCluster(", "workers=", "sync_playwright")
#: Fixtures that hand a test a live server or a browser.
_SLOW_FIXTURES = frozenset({"live_server", "client", "browser", "watched"})
#: Slow for their own work, measured (``--durations`` on the 2 shared cores, load average ~12):
#: node id → seconds.
_MEASURED = {
    "tests/fuzz/test_fuzz_sample.py::test_a_seeded_sample_is_clean_or_benign": 20.6,
    "tests/test_doctests.py::test_docstring_examples_run[circularity.analytics.attribution]": 71.0,
    "tests/test_doctests.py::test_docstring_examples_run[circularity.backtest]": 24.9,
}


def _source(obj: object) -> str:
    try:
        return textwrap.dedent(inspect.getsource(obj))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def _is_slow_source(text: str) -> bool:
    return any(token in text for token in _SLOW_CALLS)


@cache
def _functions(module: ModuleType) -> tuple[dict[str, str], dict[str, set[str]], frozenset[str]]:
    """The module parsed once: qualified name → source (decorators included) of every function,
    top-level function → its parameters, and the top-level function names.

    One parse and one split per module: ``inspect.getsource`` per test and ``ast.get_source_segment``
    (which splits the whole file on every call) cost seconds of every collection."""
    text = _source(module)
    lines = text.splitlines(keepends=True)
    body: dict[str, str] = {}
    params: dict[str, set[str]] = {}
    top: set[str] = set()

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        for n in nodes:
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([n.lineno, *(d.lineno for d in n.decorator_list)])
                body[prefix + n.name] = "".join(lines[first - 1 : n.end_lineno])
                if not prefix:
                    top.add(n.name)
                    params[n.name] = {a.arg for a in n.args.args}
            elif isinstance(n, ast.ClassDef):
                visit(n.body, f"{prefix}{n.name}.")

    visit(ast.parse(text).body, "")
    return body, params, frozenset(top)


@cache
def _slow_names(module: ModuleType) -> frozenset[str]:
    """Functions and fixtures of ``module`` that start something slow, directly or through another."""
    source, params, top = _functions(module)
    body = {name: source[name] for name in top}
    slow = {name for name, src in body.items() if _is_slow_source(src)}
    while more := {
        name
        for name in body
        if name not in slow and any(f"{s}(" in body[name] or s in params[name] for s in slow)
    }:
        slow |= more  # a helper that calls a slow helper, or a fixture built on a slow fixture
    return frozenset(slow)


def _function_source(item: pytest.Function) -> str:
    fn = item.function
    if getattr(fn, "__module__", None) == item.module.__name__:
        text = _functions(item.module)[0].get(fn.__qualname__)
        if text is not None:
            return text
    return _source(fn)


def _is_slow(item: pytest.Function) -> bool:
    if item.get_closest_marker("browser") is not None or "/browser/" in item.nodeid:
        return True
    if _SLOW_FIXTURES & set(item.fixturenames) or {item.nodeid, item.nodeid.split("[")[0]} & set(_MEASURED):
        return True
    text = _function_source(item)
    if _is_slow_source(text):
        return True
    slow = _slow_names(item.module)
    return any(f"{name}(" in text for name in slow) or bool(slow & set(item.fixturenames))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and item.get_closest_marker("slow") is None and _is_slow(item):
            item.add_marker(pytest.mark.slow)
