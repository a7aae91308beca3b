"""The point-in-time gate: nothing published after the cutoff, and no outcome, reaches a run."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from circularity.backtest.model_input import model_view
from circularity.backtest.period import load_period
from circularity.backtest.predictions import Predictions, predict
from circularity.errors import BacktestError
from circularity.ledger import Deal, Entity, Financial, Ledger, Outcome, Source, dataset_path, read_ledger
from circularity.ledger.dates import period_bounds

CUT, HOR = date(2000, 12, 31), date(2002, 12, 31)


@pytest.fixture(scope="module")
def full() -> Ledger:
    return read_ledger(dataset_path("telecom"))


def _published(ledger: Ledger) -> dict[str, date]:
    return {s.id: period_bounds(s.published)[1] for s in ledger.records["sources"] if isinstance(s, Source)}


def _run(ledger: Ledger, cutoff: date = CUT) -> Predictions:
    return predict(ledger, dataset="telecom", cutoff=cutoff, horizon=HOR, n=64, seed=3)


def _same(a: Predictions, b: Predictions) -> None:
    assert a.entities == b.entities and a.names == b.names
    np.testing.assert_array_equal(a.p_default, b.p_default)
    np.testing.assert_array_equal(a.median_default_q, b.median_default_q)
    assert {e: s.values for e, s in a.states.items()} == {e: s.values for e, s in b.states.items()}
    assert a.runway == b.runway and a.leverage == b.leverage
    for v in a.vendor_losses:
        np.testing.assert_array_equal(a.vendor_losses[v], b.vendor_losses[v])
    np.testing.assert_array_equal(a.market_value_lost, b.market_value_lost)


@pytest.mark.parametrize("cutoff", [date(2000, 6, 30), CUT])
def test_the_model_view_holds_only_what_was_public_at_the_cutoff(full: Ledger, cutoff: date) -> None:
    view = model_view(full, cutoff)
    pub = _published(full)
    deals = [d for d in view.records["deals"] if isinstance(d, Deal)]
    fins = [f for f in view.records["financials"] if isinstance(f, Financial)]
    assert deals and fins
    assert all(d.announced <= cutoff for d in deals)
    assert all(min(pub[s] for s in f.sources) <= cutoff for f in fins)
    assert view.records["outcomes"] == ()
    known = {d.payer for d in deals} | {d.payee for d in deals} | {f.entity for f in fins}
    assert {e.id for e in view.records["entities"] if isinstance(e, Entity)} == known
    # something was held back: the gate is not vacuous
    assert len(deals) < len(full.records["deals"]) and len(fins) < len(full.records["financials"])


def test_records_published_after_the_cutoff_do_not_change_the_predictions(full: Ledger) -> None:
    pub = _published(full)
    later = {sid for sid, d in pub.items() if d > CUT}
    deals = []
    for d in full.records["deals"]:
        assert isinstance(d, Deal)
        if d.announced > CUT and d.amount_usd_bn is not None:
            d = d.model_copy(update={"amount_usd_bn": d.amount_usd_bn * 10 + 1})
        deals.append(d)
    fins = []
    for f in full.records["financials"]:
        assert isinstance(f, Financial)
        if min(pub[s] for s in f.sources) > CUT and f.value is not None:
            f = f.model_copy(update={"value": f.value * 10 + 1})
        fins.append(f)
    sid = next(iter(later))
    ghost = Entity(id="ghost-carrier", name="Ghost", kind="carrier", sources=[sid])
    deals.append(
        Deal(
            id="TX",
            kind="loan",
            payer="lucent",
            payee="ghost-carrier",
            amount_usd_bn=50.0,
            announced=date(2001, 3, 1),
            status="binding",
            sources=[sid],
            confidence="confirmed",
        )
    )
    changed = dict(full.records)
    changed.update(
        deals=tuple(deals),
        financials=tuple(fins),
        entities=(*full.records["entities"], ghost),
        outcomes=(),
    )
    assert any(getattr(d, "announced", CUT) > CUT for d in deals)
    _same(_run(full), _run(Ledger(records=changed, meta=full.meta)))


def test_withholding_outcomes_leaves_predictions_unchanged(full: Ledger) -> None:
    withheld = dict(full.records)
    withheld["outcomes"] = ()
    assert any(isinstance(o, Outcome) for o in full.records["outcomes"])
    _same(_run(full), _run(Ledger(records=withheld, meta=full.meta)))


def test_every_filled_value_is_labelled_with_its_rule(full: Ledger) -> None:
    p = _run(full)
    for st in p.states.values():
        assert 0.0 <= st.data_share <= 1.0
        for f, basis in st.basis.items():
            assert basis.startswith(("data:", "filled:", "unknown:")), (st.entity, f, basis)
        assert st.data_share == pytest.approx(1 - len(st.filled) / 6)
    winstar = p.states["winstar"]
    assert winstar.basis["cash"].startswith("data") and winstar.basis["capex_ratio"].startswith("filled")


def test_cutoff_and_horizon_are_checked_in_one_line(full: Ledger) -> None:
    with pytest.raises(BacktestError, match="is not before the horizon"):
        predict(full, dataset="telecom", cutoff=HOR, horizon=CUT, n=8)
    with pytest.raises(BacktestError, match="before the dataset's first record"):
        predict(full, dataset="telecom", cutoff=date(1990, 1, 1), horizon=HOR, n=8)


def test_a_period_fact_known_after_the_cutoff_is_refused(full: Ledger) -> None:
    with pytest.raises(BacktestError, match="after the cutoff"):
        predict(full, dataset="telecom", cutoff=date(2000, 6, 30), horizon=HOR, n=8, period="telecom-2001")


def test_period_values_follow_their_stated_rules_from_dated_facts() -> None:
    late = load_period("telecom-2001")
    f = late.facts
    ratio = f["nasdaq_close"]["value"] / f["nasdaq_record_close"]["value"]
    assert late.scenario["globals"]["equity_appetite"]["value"] == pytest.approx(ratio, abs=1e-4)
    assert late.latest_fact() <= late.cutoff
    mid = load_period("telecom-2000h2")
    assert mid.scenario["globals"]["equity_appetite"]["value"] == pytest.approx(
        1 - mid.facts["nasdaq_drawdown"]["value"]
    )
    assert mid.latest_fact() <= mid.cutoff
    for p in (late, mid):
        assert p.scenario["globals"]["rate_floor"]["value"] == p.facts["fed_funds_target"]["value"]
        assert p.recovery_rate == p.facts["recovery_rate"]["value"]
