"""The Examples in the simulate docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "circularity.montecarlo",
    "circularity.montecarlo.distributions",
    "circularity.montecarlo.sampling",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
