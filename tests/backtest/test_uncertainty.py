"""What a backtest draws about each firm: growth around the common draw, filled values from peers, recovery."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from circularity.backtest.predictions import RunSetup, predict, setup_run
from circularity.backtest.starting_state import FIELDS, POOL_KINDS
from circularity.backtest.uncertainty import firm_draws, load_firm_uncertainty, recovery_draws
from circularity.ledger import Ledger, dataset_path, read_ledger

CUT, HOR = date(2000, 12, 31), date(2002, 12, 31)
N = 400


@pytest.fixture(scope="module")
def full() -> Ledger:
    return read_ledger(dataset_path("telecom"))


@pytest.fixture(scope="module")
def setup(full: Ledger) -> RunSetup:
    return setup_run(full, dataset="telecom", cutoff=CUT, horizon=HOR)


def _ops(s: RunSetup) -> list[str]:
    return [e for e, k in zip(s.web.entities, s.web.entity_kinds, strict=True) if k not in POOL_KINDS]


def _draws(s: RunSetup, seed: int = 5, common: float = 0.1) -> dict[str, np.ndarray]:
    return firm_draws(s.states, _ops(s), np.full(N, common), n=N, seed=seed, settings=load_firm_uncertainty())


def test_every_setting_has_a_source_and_states_it_is_an_assumption_or_a_rule() -> None:
    u = load_firm_uncertainty()
    assert set(u.sources) == {"firm_growth_sd", "filled_values", "recovery_concentration"}
    for key, text in u.sources.items():
        assert text.startswith(("assumption:", "rule:")), key
    assert u.firm_growth_sd > 0 and u.recovery_concentration > 0


def test_data_is_held_and_filled_values_are_drawn_from_their_peers(setup: RunSetup) -> None:
    ov = _draws(setup)
    drawn_fields = 0
    for e in _ops(setup):
        st = setup.states[e]
        for f in FIELDS:
            key = "revenue_scale" if f == "revenue_annual" else f
            if st.basis.get(f, "").startswith("data") or f not in st.peers:
                assert f"entities.{e}.{key}" not in ov, (e, f)  # data, or a rule without peers: held
                continue
            drawn_fields += 1
            pool = np.array(sorted({v for _, v in st.peers[f]}))
            x = ov[f"entities.{e}.{key}"]
            rev = st.values["revenue_annual"] * ov.get(f"entities.{e}.revenue_scale", np.ones(N))
            ratio = {
                "revenue_annual": rev,
                "opex_ratio": x,
                "capex_ratio": x,
            }.get(f, x / rev)
            if f == "opex_ratio":
                pool = np.maximum(pool, 0.0)
            # every draw is one peer's value, and every peer is drawn
            nearest = np.abs(ratio[:, None] - pool[None, :]).min(axis=1)
            np.testing.assert_allclose(nearest, 0.0, atol=1e-9 * max(1.0, float(np.abs(pool).max())))
            assert len(np.unique(np.round(ratio, 12))) == len(np.unique(np.round(pool, 12))), (e, f)
    assert drawn_fields >= 20  # the telecom web at end-2000 has many filled values


def test_one_peer_fills_all_of_an_entitys_fields_where_it_reports_them(setup: RunSetup) -> None:
    ov = _draws(setup)
    checked = 0
    for e in _ops(setup):
        st = setup.states[e]
        if not {"cash", "debt"} <= set(st.peers) or "revenue_annual" in st.peers:
            continue
        cash, debt = dict(st.peers["cash"]), dict(st.peers["debt"])
        union = {p for pool in st.peers.values() for p, _ in pool}
        both = {(round(cash[p], 12), round(debt[p], 12)) for p in cash.keys() & debt.keys()}
        rev = st.values["revenue_annual"]
        got = [
            (round(c / rev, 12), round(d / rev, 12))
            for c, d in zip(ov[f"entities.{e}.cash"], ov[f"entities.{e}.debt"], strict=True)
        ]
        # a twin that reports both gives its own pair: at least that share of draws (less noise)
        share = sum(g in both for g in got) / N
        assert share >= len(cash.keys() & debt.keys()) / len(union) - 0.08, (e, share)
        checked += 1
    assert checked >= 1


def test_firm_growth_is_the_common_draw_plus_a_firm_error_of_the_stated_spread(setup: RunSetup) -> None:
    ov = _draws(setup, common=0.07)
    errs = np.stack([ov[f"entities.{e}.revenue_growth"] - 0.07 for e in _ops(setup)])
    sd = load_firm_uncertainty().firm_growth_sd
    assert abs(errs.mean()) < 4 * sd / np.sqrt(errs.size)
    assert errs.std() == pytest.approx(sd, rel=0.05)
    # independent across firms: no pair of firms moves together beyond sampling noise
    c = np.asarray(np.corrcoef(errs), dtype=float)
    assert np.abs(c[np.triu_indices_from(c, 1)]).max() < 0.3


def test_draws_are_reproducible_and_move_with_the_seed(setup: RunSetup) -> None:
    a, b, c = _draws(setup, seed=5), _draws(setup, seed=5), _draws(setup, seed=6)
    assert a.keys() == b.keys() == c.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert any(not np.array_equal(a[k], c[k]) for k in a)


def test_recovery_is_drawn_around_its_mean_and_held_at_the_ends() -> None:
    u = load_firm_uncertainty()
    r = recovery_draws(0.42, n=20000, seed=7, settings=u)
    assert r.mean() == pytest.approx(0.42, abs=0.01)
    assert 0.0 <= r.min() and r.max() <= 1.0 and r.std() > 0.15
    for edge in (0.0, 1.0):
        np.testing.assert_array_equal(recovery_draws(edge, n=10, seed=7, settings=u), np.full(10, edge))


def test_default_probabilities_and_vendor_losses_are_not_all_certain(full: Ledger) -> None:
    """The degenerate run (issue 15, first sitting): every P(default) 0 or 1, every vendor loss a point."""
    p = predict(full, dataset="telecom", cutoff=CUT, horizon=HOR, n=128, seed=3)
    filled = [i for i, e in enumerate(p.entities) if p.states[e].peers]
    between = [i for i in filled if 0.0 < p.p_default[i] < 1.0]
    assert len(between) >= len(filled) // 2, [p.entities[i] for i in filled if i not in between]
    assert np.ptp(p.vendor_losses["lucent"]) > 0.0
    assert any("revenue_growth" in x for x in p.parameters) and any("peer" in x for x in p.parameters)


def test_a_higher_mean_recovery_lowers_every_draw() -> None:
    u = load_firm_uncertainty()
    lo, hi = (recovery_draws(m, n=500, seed=7, settings=u) for m in (0.42, 0.81))
    assert (hi > lo).all()
