"""Accounting identities a projection must keep every quarter; a break raises AccountingError.

For every scenario ``s``, entity ``i`` and quarter ``t``:

* cash: ``Δcash = outside_in − outside_out + received − paid + financing_in − financing_out
  + resolution_in − resolution_out``;
* web: payments made inside the web equal payments received inside the web (per scenario);
* capital: ``K_t = K_0 + Σ purchases − Σ depreciation − Σ transferred in resolution`` and ``K_t ≥ 0``;
* balance sheet: ``assets = liabilities + book equity``, with book equity accumulated from the
  opening balance sheet by earnings, raises, distributions, revaluations and named adjustments
  (:mod:`circularity.projection.balance`).

Tolerance: ``1e-9 × max(1, scale)`` USD bn, where scale is the largest flow involved.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from circularity._typing import Array
from circularity.errors import AccountingError, OptionError

__all__ = ["check_balance", "check_quarter", "check_result"]


_RTOL = 1e-9


def _fail(identity: str, web: Any, t: int, resid: Array) -> None:
    flat = int(np.argmax(np.abs(resid)))
    s, i = np.unravel_index(flat, resid.shape) if resid.ndim == 2 else (0, flat)
    raise AccountingError(
        identity, web.entities[int(i)], web.quarters[t], float(resid[s, i] if resid.ndim == 2 else resid[i])
    )


def check_quarter(
    web: Any,
    t: int,
    *,
    cash_before: Array,
    cash_after: Array,
    outside_in: Array,
    outside_out: Array,
    received: Array,
    paid: Array,
    fin_in: Array,
    fin_out: Array,
    capital: Array,
    res_in: Array | None = None,
    res_out: Array | None = None,
    capital0: Array,
    cum_capex: Array,
    cum_dep: Array,
    cum_transferred: Array | None = None,
) -> None:
    """Check the three identities for quarter ``t``; raise :class:`AccountingError` on a break.

    Each test first compares the residual with a smaller bound (``1 + |cash before|``, resp.
    ``1 + |K0|``) that every full scale exceeds; only where that cheap test fails is the full
    scale built, so the outcome is that of the full test and the usual case costs a few passes.
    """
    resid = cash_after - cash_before
    resid -= outside_in
    resid += outside_out
    resid -= received
    resid += paid
    resid -= fin_in
    resid += fin_out
    if res_in is not None and res_out is not None:
        resid -= res_in
        resid += res_out
    err = np.abs(resid)
    if not (err <= _RTOL * (np.abs(cash_before) + 1.0)).all():
        # scale: every term in absolute value (payments and financing are never negative)
        scale = np.abs(cash_before) + 1.0
        scale += np.abs(outside_in)
        scale += np.abs(outside_out)
        scale += received
        scale += paid
        scale += fin_in
        scale += fin_out
        if res_in is not None and res_out is not None:
            scale += res_in
            scale += res_out
        if not (err <= _RTOL * scale).all():
            _fail("cash: change = outside in - out + received - paid + financing in - out", web, t, resid)
    paid_tot = paid.sum(axis=-1)
    web_resid = paid_tot - received.sum(axis=-1)
    if not np.all(np.abs(web_resid) <= _RTOL * (1.0 + paid_tot) * paid.shape[-1]):
        s = int(np.argmax(np.abs(web_resid)))
        i = int(np.argmax(np.abs(paid[s] - received[s])))
        raise AccountingError(
            "web: payments made = payments received", web.entities[i], web.quarters[t], float(web_resid[s])
        )
    kres = capital - capital0
    kres -= cum_capex
    kres += cum_dep
    if cum_transferred is not None:  # fixed assets handed to creditors in resolution
        kres += cum_transferred
    kerr = np.abs(kres)
    k0 = np.abs(capital0) + 1.0
    if not (kerr <= _RTOL * 10 * k0).all():
        kscale = k0 + cum_capex
        if not np.all(kerr <= _RTOL * kscale * 10):
            _fail("capital: stock = initial + purchases - depreciation", web, t, kres)
    if not (capital >= 0.0).all():
        kscale = 1.0 + np.abs(capital0) + cum_capex
        if (capital < -_RTOL * kscale * 10).any():
            _fail(
                "capital: stock >= 0 (depreciation never exceeds purchases)", web, t, np.minimum(capital, 0.0)
            )


def check_balance(web: Any, t: int, assets: Array, liabilities: Array, equity: Array) -> None:
    """Balance-sheet identity of quarter ``t`` (arrays ``(n, S)``): ``A − L − E = 0`` within
    ``1e-9 × (1 + |A| + |L| + |E|)``; raise :class:`AccountingError` naming the entity."""
    resid = assets - liabilities
    resid -= equity
    err = np.abs(resid)
    scale = np.abs(assets) + 1.0
    scale += np.abs(liabilities)
    scale += np.abs(equity)
    scale *= _RTOL
    if not (err <= scale).all():  # NaN (a broken stock) fails too
        bad = ~(err <= scale)
        flat = int(np.argmax(np.where(bad, np.nan_to_num(err, nan=np.inf), -1.0)))
        i, s = np.unravel_index(flat, resid.shape)
        raise AccountingError(
            "balance sheet: assets = liabilities + book equity",
            web.entities[int(i)],
            web.quarters[t],
            float(resid[i, s]),
        )


def check_result(result: Any) -> None:
    """Re-check a finished :class:`ProjectionResult` from its recorded columns (all kept)."""
    d = result.data
    need = (
        "cash",
        "outside_cash_in",
        "outside_cash_out",
        "payments_received",
        "payments_made",
        "financing_in",
        "financing_out",
    )
    missing = [c for c in need if c not in d]
    if missing:
        raise OptionError(f"check_result needs the columns {missing}; run with record=None")
    T = d["cash"].shape[0]
    for t in range(1, T):
        flows = (
            d["outside_cash_in"][t]
            - d["outside_cash_out"][t]
            + d["payments_received"][t]
            - d["payments_made"][t]
            + d["financing_in"][t]
            - d["financing_out"][t]
        )
        if "resolution_in" in d and "resolution_out" in d:
            flows = flows + d["resolution_in"][t] - d["resolution_out"][t]
        # NaN cash: an outside capital pool's placeholder (not recorded as a figure; the engine
        # checked it every quarter)
        known = np.isfinite(d["cash"][t]) & np.isfinite(d["cash"][t - 1])
        resid = np.where(known, d["cash"][t] - d["cash"][t - 1] - flows, 0.0)
        scale = 1.0 + np.abs(np.where(known, d["cash"][t - 1], 0.0)) + np.abs(flows)
        if not np.all(np.abs(resid) <= 1e-8 * scale):
            _fail("cash: change = outside in - out + received - paid + financing in - out", result, t, resid)
        if all(c in d for c in ("assets", "liabilities", "book_equity")):
            a, li, e = d["assets"][t], d["liabilities"][t], d["book_equity"][t]
            kept = np.isfinite(a)  # NaN: the balance sheet was not kept
            res_b = np.where(kept, a - li - e, 0.0)
            if not np.all(
                np.abs(res_b)
                <= 1e-8 * (1.0 + np.abs(np.where(kept, a, 0.0)) + np.abs(np.where(kept, li, 0.0)))
            ):
                _fail("balance sheet: assets = liabilities + book equity", result, t, res_b)
        web_resid = d["payments_made"][t].sum(axis=-1) - d["payments_received"][t].sum(axis=-1)
        if not np.all(np.abs(web_resid) <= 1e-8 * (1.0 + d["payments_made"][t].sum(axis=-1))):
            raise AccountingError(
                "web: payments made = payments received",
                "*",
                result.quarters[t],
                float(np.max(np.abs(web_resid))),
            )
