"""The public API is a few curated names; a new export must be added here on purpose.

Every subpackage is imported first: importing ``circularity.x`` binds the attribute ``x`` of the
package to the subpackage, which once shadowed the function ``circularity.simulate``. Each export
must then still be exactly the object its defining module names (never a module).
"""

import importlib
import pkgutil
from types import ModuleType

import circularity

EXPECTED = {
    "CircularityError",
    "Ledger",
    "__version__",
    "check_claims",
    "find_circulation",
    "load",
    "open_store",
    "project",
    "read_ledger",
    "simulate",
    "stress_test",
}


def _import_every_subpackage() -> list[str]:
    names = [info.name for info in pkgutil.iter_modules(circularity.__path__, "circularity.") if info.ispkg]
    for name in names:
        importlib.import_module(name)
    return names


def test_exports_are_curated() -> None:
    assert set(circularity.__all__) == EXPECTED


def test_every_export_is_the_object_its_module_names() -> None:
    subpackages = _import_every_subpackage()
    assert "circularity.montecarlo" in subpackages
    for name, module in circularity._LAZY.items():
        got = getattr(circularity, name)
        assert not isinstance(got, ModuleType), f"circularity.{name} is a module, not the export"
        assert got is getattr(importlib.import_module(module), name), name
    assert circularity.CircularityError is importlib.import_module("circularity.errors").CircularityError


def test_simulate_is_the_function_after_importing_montecarlo() -> None:
    import circularity.montecarlo

    assert circularity.simulate is circularity.montecarlo.simulate
    assert callable(circularity.simulate) and circularity.simulate.__name__ == "simulate"
