"""The public API is a few curated names; a new export must be added here on purpose."""

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


def test_exports_are_curated() -> None:
    assert set(circularity.__all__) == EXPECTED


def test_every_export_resolves() -> None:
    for name in circularity.__all__:
        assert getattr(circularity, name) is not None, name
