"""Contract → entity aggregation: what the quarter loop needs from the contracts, built once per run.

Every per-entity total of contract money (dues by payer and category, receipts by payee, backlog)
is one sparse product of a ``(k·n, m)`` selection matrix with an ``(m, S)`` contract array.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity._typing import Array
from circularity.compile import Web, principal_outstanding
from circularity.contagion.clearing import ClearingPattern, prepare_clearing
from circularity.ledger.vocabulary import POOL_KINDS
from circularity.projection.scenario import Scenario
from circularity.projection.succession import twin_source

__all__ = ["CATEGORY_OF", "Aggregation", "build_aggregation", "categories", "sum_matrix"]


#: contract kind → category: how a payment shows in the payer's and the payee's books
#: (0 operating, 1 hardware, 2 equity, 3 lending, 4 repayment, 5 interest)
CATEGORY_OF = {
    "compute": 0,
    "lease": 0,
    "backstop": 0,
    "hardware": 1,
    "equity": 2,
    "loan": 3,
    "bond": 3,
    "repayment": 4,
    "interest": 5,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Aggregation:
    """What does not depend on the scenarios' state: computed once per run."""

    by_payer: Any  # (5n, m) sparse: all dues, operating, hardware, repayment, interest
    by_payee: Any  # (4n, m) sparse: all receipts, op + hw, op + hw + interest, lending
    backlog_of: Any  # (n, m) sparse: operating + hardware contracts by payee
    suffix_next: Array  # (T, m) remaining after t
    sched_T: Array  # (T, m)
    cum_T: Array  # (T, m)
    mkt_eq: Array  # (m,) equity paid in by outside investors (moves with equity appetite)
    mkt_cr: Array  # (m,) loans and bonds from outside lenders (move with credit appetite)
    mv_cols: Array  # entities whose market value includes stakes in others
    mv_mix_T: Array  # value of those stakes per unit of the issuers' own value
    debt_web0: Array  # (n,) principal owed inside the web at the start
    alpha: float  # Rogers–Veraart recovery on outside assets (1: Eisenberg–Noe)
    beta: float  # Rogers–Veraart recovery on web receipts
    eq_by: Any = None  # (2n, m) sparse: equity contracts by payer (stakes bought), by payee (raised)
    eq_due: Array | None = None  # (T,) bool: some equity contract is scheduled in the quarter
    lent0: Array | None = None  # (n,) principal lent inside the web at the start (the lenders' side)
    category: Array  # (m,) each contract's category (CATEGORY_OF)
    secured_k: Array | None = None  # (m,) bool: claims secured on the payer's collateral (resolution.secured)
    coll_fixed: Array | None = (
        None  # (n, 1) bool: a borrower's collateral is every fixed asset, not its chips
    )
    successor: Array | None = None  # (n,) index of the entity that assumes its contracts (−1: none)
    succ_price: Array | None = None  # (n,) share of the contract price the successor assumes them at
    #: ``by_payer[:n]`` and ``by_payee[:n]`` (all dues by payer, all receipts by payee), sliced
    #: once here rather than every quarter (a sparse slice costs as much as the product)
    payer_all: Any = None
    payee_all: Any = None
    #: the contracts' pattern prepared for clearing (symbolic LU, dues by payer): once per run, not
    #: every quarter that some scenario clears
    clearing: ClearingPattern | None = None
    twins: tuple[Array, Array, Array] | None = (
        None  # successors' dormant twins: rows, originals, whom they replace
    )
    assumed_k: Array | None = None  # (m,) bool: a contract a successor assumes (it has a twin)
    twin_k: Array | None = None  # (m,) bool: a successor's twin


def sum_matrix(ent: Array, selections: Sequence[Array], n: int) -> Any:
    """Sparse ``(k·n, m)`` matrix: row ``j·n + i`` sums the contracts of entity ``i`` in selection ``j``.

    Applied to an ``(m, S)`` contract array it gives every (selection, entity) total for all
    scenarios in one sparse × dense product (contiguous rows of length S, no BLAS threads).
    """
    rows = np.concatenate([j * n + ent[sel] for j, sel in enumerate(selections)]).astype(np.int64)
    cols = np.concatenate([np.flatnonzero(sel) for sel in selections]).astype(np.int64)
    m = ent.shape[0]
    return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(len(selections) * n, m))


def categories(web: Web) -> Array:
    """``(m,)`` each contract's category (:data:`CATEGORY_OF`; an unlisted kind is operating)."""
    return np.array([CATEGORY_OF.get(k, 0) for k in web.kind], dtype=np.int64)


def build_aggregation(web: Web, scenario: Scenario) -> Aggregation:
    """The contract → entity matrices and schedule views of ``web`` (pure)."""
    n, m = web.n, web.m
    dc = scenario.globals.default_costs
    alpha, beta_rv = (dc.alpha.value, dc.beta.value) if dc is not None else (1.0, 1.0)
    payer, payee = web.payer, web.payee
    kinds_arr = np.array(web.kind, dtype=object)
    cat = categories(web)
    # payer rows: all dues, operating, hardware, repayment, interest; payee rows: all receipts,
    # operating + hardware, operating + hardware + interest (revenue), lending
    pay_sel = (np.ones(m, bool), cat == 0, cat == 1, cat == 4, cat == 5)
    rec_sel = (np.ones(m, bool), cat <= 1, (cat <= 1) | (cat == 5), cat == 3)
    suffix = np.cumsum(web.schedule[:, ::-1], axis=1)[:, ::-1]  # remaining from t (incl.)
    outside_payer = np.isin(np.array(web.entity_kinds, dtype=object)[payer], POOL_KINDS)
    minv_t = np.linalg.inv(np.eye(n) - web.holdings).T if n else np.zeros((0, 0))
    mv_cols = np.flatnonzero(np.abs(minv_t - np.eye(n)).sum(axis=0) > 0)
    debt_web0, lent0 = principal_outstanding(web)
    eq = cat == 2
    secured_k, coll_fixed = _seniority(web, scenario)
    successor, succ_price = _successors(web, scenario)
    by_payer, by_payee = sum_matrix(payer, pay_sel, n), sum_matrix(payee, rec_sel, n)
    twins = twin_source(web)
    assumed_k = twin_k = None
    if twins is not None:
        assumed_k = np.zeros(m, dtype=bool)
        assumed_k[twins[1]] = True
        twin_k = np.zeros(m, dtype=bool)
        twin_k[twins[0]] = True
    return Aggregation(
        twins=twins,
        assumed_k=assumed_k,
        twin_k=twin_k,
        secured_k=secured_k,
        coll_fixed=coll_fixed,
        successor=successor,
        succ_price=succ_price,
        by_payer=by_payer,
        by_payee=by_payee,
        payer_all=by_payer[:n],
        payee_all=by_payee[:n],
        clearing=prepare_clearing(web.payer, web.payee, n) if m else None,
        backlog_of=sum_matrix(payee, (cat <= 1,), n),
        suffix_next=np.concatenate([suffix[:, 1:], np.zeros((m, 1))], axis=1).T.copy(),
        sched_T=web.schedule.T.copy(),
        cum_T=np.cumsum(web.schedule, axis=1).T.copy(),
        mkt_eq=outside_payer & (kinds_arr == "equity"),
        mkt_cr=outside_payer & np.isin(kinds_arr, ("loan", "bond")),
        mv_cols=mv_cols,
        mv_mix_T=np.ascontiguousarray((minv_t - np.eye(n))[:, mv_cols].T),
        debt_web0=debt_web0,
        alpha=alpha,
        beta=beta_rv,
        eq_by=sp.vstack([sum_matrix(payer, (eq,), n), sum_matrix(payee, (eq,), n)]).tocsr(),
        eq_due=(web.schedule[eq] != 0).any(axis=0) if m else np.zeros(web.T, dtype=bool),
        lent0=lent0,
        category=cat,
    )


def _seniority(web: Web, scenario: Scenario) -> tuple[Array | None, Array | None]:
    """Contracts whose claims are secured (every contract of a named secured deal that its
    borrower pays: interest and repayment), and which borrowers pledge every fixed asset."""
    sec = scenario.resolution.secured
    if not sec:
        return None, None
    ids = {e: i for i, e in enumerate(web.entities)}
    mask = np.zeros(web.m, dtype=bool)
    fixed = np.zeros((web.n, 1), dtype=bool)
    for e, sd in sec.items():
        i = ids.get(e)
        if i is None:
            continue
        fixed[i] = sd.collateral == "fixed_assets"
        deals = set(sd.deals)
        for k in range(web.m):
            if web.payer[k] == i and web.deal_id[k] in deals:
                mask[k] = True
    return mask, fixed


def _successors(web: Web, scenario: Scenario) -> tuple[Array | None, Array | None]:
    """Each entity's named successor (index, −1 none) and the share of the price it assumes at."""
    succ = scenario.resolution.successors
    ids = {e: i for i, e in enumerate(web.entities)}
    pairs = [(ids[e], ids[s.successor], s.price) for e, s in succ.items() if e in ids and s.successor in ids]
    if not pairs:
        return None, None
    who = np.full(web.n, -1, dtype=np.int64)
    price = np.zeros(web.n)
    for i, j, p in pairs:
        who[i], price[i] = j, p
    return who, price
