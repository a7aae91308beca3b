"""Successors: contracts a named entity assumes when another is resolved (``resolution.successors``).

A scenario may name, for an entity ``i``, a successor ``j`` and a price ``p`` in ``[0, 1]``. Every
operating or hardware contract of ``i`` (compute, lease, backstop, hardware; as payer or as payee)
then has a *twin* in the web: the same deal and schedule × ``p``, with ``j`` in ``i``'s place. A
twin is dormant (honoured share 0) until ``i`` is resolved; in that quarter the original is
terminated and the twin takes over the share of the original still honoured (step 5,
:func:`~circularity.projection.steps.resolution.resolution`): ``j`` pays (buyer's contracts) or is
paid (seller's contracts) ``p`` of each remaining payment, through the same clearing as every
contract. The counterparty of an assumed contract ``i`` paid claims the price cut, ``(1 − p)``
of the remaining payments, on ``i``'s estate (instead of re-letting the capacity at a haircut).
The successor also carries ``i``'s business: ``i``'s outside revenue and operating costs as a
going concern become ``j``'s (:func:`~circularity.projection.steps.resolution.wound_down`).
Debt, interest and equity contracts are not assumed: they are settled in the resolution. Only
the contracts of the ledger are assumed (a successor's successor takes over none of its twins).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from circularity._typing import Array
from circularity.compile import Web
from circularity.projection.scenario import Scenario

__all__ = ["ASSUMABLE", "assume_contracts", "twin_source"]

#: contract kinds a successor assumes (operating and hardware); debt and equity are settled
ASSUMABLE = ("compute", "lease", "backstop", "hardware")


def assume_contracts(web: Web, scenario: Scenario) -> Web:
    """``web`` with a dormant twin of every assumable contract of an entity that has a successor.

    ``web.assumes`` marks each twin with the index of the contract it assumes (−1 for the
    ledger's own contracts). Unchanged when the scenario names no successor in this web.
    """
    succ = scenario.resolution.successors
    ids = {e: i for i, e in enumerate(web.entities)}
    pairs = {ids[e]: (ids[s.successor], s.price) for e, s in succ.items() if e in ids and s.successor in ids}
    if not pairs or web.m == 0:
        return web
    twins: list[tuple[int, int, int, float, str]] = []  # (original, payer, payee, price, note)
    for k in range(web.m):
        if web.kind[k] not in ASSUMABLE:
            continue
        a, b = int(web.payer[k]), int(web.payee[k])
        if a in pairs and b in pairs:
            continue  # both parties have successors: not modelled (the contract terminates)
        gone = a if a in pairs else b if b in pairs else -1
        if gone < 0:
            continue
        j, p = pairs[gone]
        if j in (a, b):
            continue  # the successor would owe itself: the contract ends
        twins.append((k, j if gone == a else a, b if gone == a else j, p, _note(web, k, gone, j, p)))
    rows = [x[0] for x in twins]
    payer = [x[1] for x in twins]
    payee = [x[2] for x in twins]
    price = [x[3] for x in twins]
    why = [x[4] for x in twins]
    if not rows:
        return web
    idx = np.array(rows, dtype=np.int64)
    p_arr = np.array(price)[:, None]
    notes = list(web.notes) + why
    gw = None if web.gigawatts is None else np.concatenate([web.gigawatts, web.gigawatts[idx]])
    prev = web.assumes if web.assumes is not None else np.full(web.m, -1, dtype=np.int64)
    return dataclasses.replace(
        web,
        payer=np.concatenate([web.payer, np.array(payer, dtype=web.payer.dtype)]),
        payee=np.concatenate([web.payee, np.array(payee, dtype=web.payee.dtype)]),
        kind=(*web.kind, *(web.kind[k] for k in rows)),
        deal_id=(*web.deal_id, *(web.deal_id[k] for k in rows)),
        schedule=np.concatenate([web.schedule, web.schedule[idx] * p_arr]),
        gw_linked=np.concatenate([web.gw_linked, web.gw_linked[idx]]),
        principal=np.concatenate([web.principal, np.zeros(idx.size)]),
        gigawatts=gw,
        notes=tuple(notes) if len(web.notes) == web.m else web.notes,
        assumes=np.concatenate([prev, idx]),
        relet_outside=None
        if web.relet_outside is None
        else np.concatenate([web.relet_outside, np.zeros((idx.size, web.T))]),
    )


def _note(web: Web, k: int, gone: int, succ: int, price: float) -> str:
    base = web.notes[k] if k < len(web.notes) else ""
    return f"{base}; assumed by {web.entities[succ]} at {price:.0%} of the price once {web.entities[gone]} is resolved"


def twin_source(web: Web) -> tuple[Array, Array, Array] | None:
    """``(twins, originals, resolved)``: each twin's row, the contract it assumes and the entity
    whose resolution wakes it (the party it replaces); None when the web has no twins."""
    if web.assumes is None:
        return None
    tw = np.flatnonzero(web.assumes >= 0)
    if tw.size == 0:
        return None
    orig = web.assumes[tw]
    src = np.where(web.payer[tw] != web.payer[orig], web.payer[orig], web.payee[orig])
    return tw, orig, src
