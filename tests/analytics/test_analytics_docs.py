"""The analytics package: its docstring examples run, and it exports what it means to."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

import circularity.analytics as analytics

MODULES = [
    "attribution",
    "circulation",
    "cycles",
    "edgelist",
    "flowgraph",
    "null_model",
    "ratios",
    "vendor_financing",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"circularity.analytics.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_exports_are_deliberate():
    public = {
        name
        for name in dir(analytics)
        if not name.startswith("_") and not inspect.ismodule(getattr(analytics, name))
    }
    assert sorted(analytics.__all__) == sorted(public)
