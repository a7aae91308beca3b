"""The examples in docs/contagion.md and in the public docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import circularity.contagion as contagion

DOC = Path(__file__).resolve().parents[2] / "docs" / "contagion.md"


def test_docs_examples_run():
    result = doctest.testfile(str(DOC), module_relative=False, verbose=False)
    assert result.attempted >= 3
    assert result.failed == 0


@pytest.mark.parametrize("module", ["clearing", "eisenberg_noe", "rogers_veraart", "cascade", "debtrank"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"circularity.contagion.{module}"))
    assert result.attempted >= 1
    assert result.failed == 0


def test_docs_list_every_public_function():
    text = DOC.read_text()
    for name in contagion.__all__:
        if name[0].islower():
            assert f"`{name}" in text, f"{name} is not documented in docs/contagion.md"
