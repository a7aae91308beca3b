"""Market value per dollar of announced backlog, computed from the market-reaction records.

When a company announces a contract that fills its order book, its market value moves. Dividing the
dollar move by the contract's amount gives how many dollars of market value the market paid per
dollar of announced backlog. This module computes that ratio for every reaction the records allow,
says why it cannot for the others, and summarises the ratios by year. It is the one rule for the
figure: the CLI (``circularity reactions``), the claims and the compiled web's ``backlog_multiple``
(which the projection and the stress test use) all read it from here.

Only ledger table frames go in (pandas, no I/O), so :mod:`circularity.compile` can use it too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ANNOUNCEMENT_DAYS",
    "BACKLOG_KINDS",
    "BACKLOG_RULE",
    "REACTION_COLUMNS",
    "backlog_multiple",
    "backlog_reactions",
    "backlog_ratio_by_year",
]

#: A reaction counts as the market's answer to an announcement when it comes this many days after it, at most.
ANNOUNCEMENT_DAYS = 7

#: Deal kinds that put contracted revenue in the payee's order book (its backlog).
BACKLOG_KINDS: tuple[str, ...] = ("compute", "hardware", "lease", "backstop")

BACKLOG_RULE = (
    "market value per dollar of announced backlog = dollar move / deal amount, for a reaction of the "
    f"deal's payee within {ANNOUNCEMENT_DAYS} days after the deal was announced, on a deal of kind "
    f"{', '.join(BACKLOG_KINDS)} (a contract that fills the payee's order book). The dollar move is the "
    "stated market-value change, else the stated percentage times the stated value before; the deal "
    "amount is its headline figure, else the midpoint of its low-high range. Reactions without a dollar "
    "move or a deal amount get no ratio and say why; nothing is filled with zero."
)

#: Columns of :func:`backlog_reactions`, in order.
REACTION_COLUMNS: tuple[str, ...] = (
    "date",
    "entity",
    "entity_kind",
    "deal",
    "deal_kind",
    "role",
    "days_after_announcement",
    "pct_change",
    "dollar_move_usd_bn",
    "dollar_basis",
    "deal_amount_usd_bn",
    "amount_basis",
    "ratio",
    "announcement",
    "backlog",
    "confidence",
    "event",
    "reason",
)


def _amount(deals: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each deal's amount and its basis: headline, else midpoint of the range, else a bound."""
    mid = pd.to_numeric(deals["amount_usd_bn"], errors="coerce")
    lo = pd.to_numeric(deals["amount_low_usd_bn"], errors="coerce")
    hi = pd.to_numeric(deals["amount_high_usd_bn"], errors="coerce")
    both = lo.notna() & hi.notna()
    amount = mid.where(mid.notna(), ((lo + hi) / 2).where(both, hi.where(hi.notna(), lo)))
    basis = np.select(
        [mid.notna(), both, hi.notna() | lo.notna()],
        ["amount", "midpoint of low-high", "one bound of the range"],
        default="no amount",
    )
    return amount, pd.Series(basis, index=deals.index)


def backlog_reactions(reactions: pd.DataFrame, deals: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """One row per market reaction: its dollar move, its deal's amount and their ratio.

    Parameters
    ----------
    reactions, deals, entities : DataFrame
        The ledger's ``market_reactions``, ``deals`` and ``entities`` tables (their export columns),
        e.g. ``ledger.market_reactions``. Deals are taken as the ledger knows them (revisions applied).

    Returns
    -------
    DataFrame
        Columns :data:`REACTION_COLUMNS`, sorted by date: the entity and its kind; the deal, its kind
        and the entity's role in it (``payee``, ``payer`` or ``other``); days from the deal's
        announcement to the move; the dollar move and how it was obtained; the deal amount and its
        basis; ``ratio`` (dollar move per dollar of deal amount, NaN where either is unknown);
        ``announcement`` (within :data:`ANNOUNCEMENT_DAYS` after the deal) and ``backlog`` (an
        announcement of a backlog-kind deal by its payee, i.e. the rows that measure how the market
        prices announced backlog); ``reason`` says why a row has no ratio or is not a backlog row.

    Notes
    -----
    {rule}

    Examples
    --------
    >>> import circularity
    >>> ledger = circularity.load("ai", as_of="2026-07-03")
    >>> t = backlog_reactions(ledger.market_reactions, ledger.deals, ledger.entities)
    >>> row = t[(t.entity == "oracle") & (t.backlog)].iloc[0]
    >>> str(row.date), row.deal, round(row.ratio, 2)
    ('2025-09-10', 'D10', 0.81)
    """
    r = reactions.reset_index(drop=True)
    d = deals.set_index("id")
    amount, basis = _amount(d)
    kinds = entities.set_index("id")["kind"] if len(entities) else pd.Series(dtype=object)
    deal = r["deal"].where(r["deal"].notna(), None)
    has_deal = deal.isin(d.index)
    date = pd.to_datetime(r["date"])
    announced = pd.to_datetime(deal.map(d["announced"]))
    days = (date - announced).dt.days
    payer, payee = deal.map(d["payer"]), deal.map(d["payee"])
    role = np.select([r["entity"].eq(payee), r["entity"].eq(payer)], ["payee", "payer"], default="other")
    pct = pd.to_numeric(r["pct_change"], errors="coerce")
    stated = pd.to_numeric(r["market_cap_change_usd_bn"], errors="coerce")
    before = pd.to_numeric(r["market_cap_before_usd_bn"], errors="coerce")
    derived = pct / 100.0 * before
    move = stated.where(stated.notna(), derived)
    move_basis = np.select(
        [stated.notna(), derived.notna()], ["stated", "pct x value before"], default="unknown"
    )
    deal_amount = deal.map(amount)
    ratio = move / deal_amount.where(deal_amount > 0)
    announcement = has_deal & days.between(0, ANNOUNCEMENT_DAYS)
    deal_kind = deal.map(d["kind"])
    backlog = announcement & deal_kind.isin(BACKLOG_KINDS) & (role == "payee")
    reason = np.select(
        [
            ~has_deal,
            move.isna(),
            deal_amount.isna(),
            ~announcement,
            ~deal_kind.isin(BACKLOG_KINDS),
            role != "payee",
        ],
        [
            "no deal named",
            "no dollar move: no stated change, or a percentage without a stated value before",
            "the deal has no dollar amount",
            "not within the announcement window: a later event or a drawdown",
            "the deal is not backlog (equity, debt or warrant)",
            "the entity is not the deal's payee (its backlog is someone else's)",
        ],
        default="",
    )
    out = pd.DataFrame(
        {
            "date": date.dt.date,
            "entity": r["entity"],
            "entity_kind": r["entity"].map(kinds),
            "deal": deal,
            "deal_kind": deal_kind,
            "role": np.where(has_deal, role, np.array(None, dtype=object)),
            "days_after_announcement": days.astype("Int64"),
            "pct_change": pct,
            "dollar_move_usd_bn": move,
            "dollar_basis": move_basis,
            "deal_amount_usd_bn": deal_amount.astype(float),
            "amount_basis": deal.map(basis),
            "ratio": ratio.astype(float),
            "announcement": announcement.astype(bool),
            "backlog": (backlog & ratio.notna()).astype(bool),
            "confidence": r["confidence"],
            "event": r["event"] if "event" in r else "",
            "reason": reason,
        },
        columns=list(REACTION_COLUMNS),
    )
    return out.sort_values(["date", "entity"], kind="stable").reset_index(drop=True)


if backlog_reactions.__doc__:
    backlog_reactions.__doc__ = backlog_reactions.__doc__.replace("{rule}", BACKLOG_RULE)


def backlog_ratio_by_year(table: pd.DataFrame) -> pd.DataFrame:
    """Median, mean, range and count of the backlog ratios by calendar year of the announcement.

    ``table`` is the output of :func:`backlog_reactions`; only its ``backlog`` rows count.
    """
    rows = table[table["backlog"]].copy()
    rows["year"] = pd.to_datetime(rows["date"]).dt.year
    out = rows.groupby("year")["ratio"].agg(["median", "mean", "min", "max", "count"])
    return out.reset_index()


def backlog_multiple(table: pd.DataFrame) -> tuple[float, tuple[float, ...]]:
    """Median backlog ratio over every backlog announcement, with the ratios (NaN and () if none)."""
    ratios = tuple(float(x) for x in table.loc[table["backlog"], "ratio"])
    return (float(np.median(ratios)) if ratios else float("nan")), ratios
