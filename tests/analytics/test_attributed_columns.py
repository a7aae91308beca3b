"""The per-ledger fast paths behind ``circularity metrics`` equal the plain pandas ones."""

from __future__ import annotations

import gc
import pickle
import weakref
from datetime import date

import numpy as np
import pandas as pd
import pytest

import circularity
from circularity.analytics.attribution import attribute_deals, attributed_columns, select_deals
from circularity.analytics.vendor_financing import latest_annual, latest_annual_of


@pytest.fixture(scope="module", params=[date(2025, 6, 30), None])
def ledger(request):
    return circularity.load("ai", as_of=request.param)


@pytest.mark.parametrize("window", [None, (2025, 2030), (2026, 2026)])
@pytest.mark.parametrize("statuses", [("announced", "signed", "binding", "non_binding"), ("signed",)])
def test_attributed_columns_are_those_of_attribute_deals(ledger, window, statuses):
    frame = attribute_deals(select_deals(ledger.deals, include_statuses=statuses), window)
    a = attributed_columns(ledger, window, statuses)
    for name in ("id", "kind", "payer", "payee"):
        assert getattr(a, name).tolist() == frame[name].tolist()
    for name in ("amount_used", "start_year", "attributed"):
        np.testing.assert_array_equal(getattr(a, name), frame[name].to_numpy())
        assert not getattr(a, name).flags.writeable


def test_attribution_is_derived_once_per_ledger_and_kept_on_it():
    ledger = circularity.load("ai", as_of=date(2026, 3, 31))
    first = attributed_columns(ledger, (2025, 2030))
    assert attributed_columns(ledger, (2025, 2030)) is first
    assert attributed_columns(ledger, None) is not first
    other = circularity.load("ai", as_of=date(2026, 3, 31))
    assert attributed_columns(other, (2025, 2030)) is not first
    copy = pickle.loads(pickle.dumps(ledger))  # the model processes get a pickled ledger
    again = attributed_columns(copy, (2025, 2030))
    assert again is not first
    np.testing.assert_array_equal(again.attributed, first.attributed)


def test_a_derived_value_goes_with_its_ledger():
    class Derived:
        pass

    ledger = circularity.load("ai", as_of=date(2026, 3, 31))
    value = ledger.derived(("test", 1), Derived)
    assert ledger.derived(("test", 1), Derived) is value
    alive = weakref.ref(value)
    del ledger, value
    gc.collect()
    assert alive() is None  # no module-level table keeps it


def reference_latest_annual(financials, entity, metric):
    """The pandas formulation the index replaces."""
    rows = financials[
        (financials["entity"] == entity)
        & (financials["metric"] == metric)
        & (financials["period_type"] == "FY")
    ]
    if rows.empty:
        return None
    row = rows.sort_values("period_end").iloc[-1]
    return float(row["value"]), str(row["period"])


def test_latest_annual_index_matches_the_pandas_formulation(ledger):
    fin = ledger.financials
    for entity in sorted(set(fin["entity"])) + ["nobody"]:
        for metric in sorted(set(fin["metric"])):
            expected = reference_latest_annual(fin, entity, metric)
            assert latest_annual(fin, entity, metric) == expected
            assert latest_annual_of(ledger, entity, metric) == expected


def test_latest_annual_breaks_ties_and_places_missing_ends_as_sort_values_does():
    fin = pd.DataFrame(
        {
            "entity": ["a", "a", "a", "a", "b"],
            "metric": ["revenue"] * 5,
            "period_type": ["FY", "FY", "FY", "Q", "FY"],
            "period_end": ["2025-12-31", "2025-12-31", "2024-12-31", "2026-03-31", None],
            "period": ["FY25", "FY25b", "FY24", "Q1", "FY?"],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    ).astype({c: "str" for c in ("entity", "metric", "period_type", "period_end", "period")})
    fin.loc[5] = ["b", "revenue", "FY", "2025-06-30", "FY25", 6.0]
    for entity in ("a", "b"):
        assert latest_annual(fin, entity, "revenue") == reference_latest_annual(fin, entity, "revenue")
