"""Check published claims against the ledger and the published models: holds, does not hold, or
not computable (with the reason)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from circularity.claims.expression import Call, Literal, Node
from circularity.claims.formulas import COMPUTATIONS, ClaimContext, Figure, Input, NotComputable
from circularity.claims.registry import Claim, Registry, load_registry
from circularity.errors import UnknownNameError
from circularity.ledger import Ledger

__all__ = ["VERDICTS", "ClaimResult", "ClaimsResult", "check_claims", "evaluate"]

VERDICTS = ("holds", "does not hold", "not computable")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimResult:
    """One claim's verdict, with the computed figure and the inputs behind it."""

    id: str
    claim: str
    source: str
    formula: str
    computed: float | None
    claimed: float
    unit: str
    tolerance: str
    verdict: str
    reason: str
    inputs: tuple[Input, ...] = ()
    model: float | None = None  # the second computation, from the model's own paths (or None)
    model_reason: str = ""  # what the model figure is, or why it is not computable

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the CLI: id, claim, source, computed, claimed, unit, verdict, reason,
        model (the second computation from the model's paths, null where the claim has none)."""
        return {
            "id": self.id,
            "claim": self.claim,
            "source": self.source,
            "computed": self.computed,
            "claimed": self.claimed,
            "unit": self.unit,
            "verdict": self.verdict,
            "reason": self.reason,
            "model": self.model,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimsResult:
    """Every checked claim, as of the ledger's date."""

    as_of: date | None
    results: tuple[ClaimResult, ...]

    def counts(self) -> dict[str, int]:
        """Number of claims per verdict."""
        return {v: sum(r.verdict == v for r in self.results) for v in VERDICTS}

    def result(self, claim_id: str) -> ClaimResult:
        for r in self.results:
            if r.id == claim_id:
                return r
        raise UnknownNameError(f"unknown claim '{claim_id}'")

    def to_frame(self) -> pd.DataFrame:
        """One row per claim: id, claim, source, formula, computed, claimed, unit, tolerance,
        verdict, reason, inputs (``name = value unit`` joined by ``; ``)."""
        rows = [
            {
                **r.to_dict(),
                "formula": r.formula,
                "tolerance": r.tolerance,
                "inputs": "; ".join(f"{i.name} = {i.value:g} {i.unit}" for i in r.inputs),
            }
            for r in self.results
        ]
        cols = [
            "id",
            "claim",
            "source",
            "formula",
            "computed",
            "claimed",
            "unit",
            "tolerance",
            "verdict",
            "reason",
            "inputs",
            "model",
        ]
        return pd.DataFrame(rows, columns=cols)


def evaluate(node: Node, ctx: ClaimContext) -> Any:
    """Value of a formula node: literals as they are, calls through their computation."""
    if isinstance(node, Literal):
        return node.value
    args = [evaluate(a, ctx) for a in node.args]
    kwargs = {k: evaluate(v, ctx) for k, v in node.kwargs}
    return COMPUTATIONS[node.name](ctx, *args, **kwargs)


def _fmt(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _verdict(c: Claim, fig: Figure) -> tuple[str, str]:
    allowed = c.tolerance.allowed(c.claimed)
    diff = fig.value - c.claimed
    rel = f" ({diff / abs(c.claimed):+.1%})" if c.claimed else ""
    if c.compare == "at_least":
        ok = fig.value >= c.claimed - allowed
        test = f"{_fmt(fig.value)} {'is' if ok else 'is not'} at least {_fmt(c.claimed)}"
    elif c.compare == "at_most":
        ok = fig.value <= c.claimed + allowed
        test = f"{_fmt(fig.value)} {'is' if ok else 'is not'} at most {_fmt(c.claimed)}"
    else:
        ok = abs(diff) <= allowed * (1 + 1e-12) + 1e-12
        test = "exact" if diff == 0 else f"off by {diff:+.4g}{rel}; tolerance {c.tolerance}"
    parts = [test]
    parts += list(fig.notes)
    if c.note:
        parts.append(c.note)
    return ("holds" if ok else "does not hold"), "; ".join(p for p in parts if p)


def check_claims(
    ledger: Ledger, ids: Iterable[str] | None = None, *, registry: Registry | None = None
) -> ClaimsResult:
    """Compute every claim's figure from ``ledger`` (as of its date) and the published
    assumptions, and say whether the claim holds.

    Parameters
    ----------
    ledger
        The web as known on a date (``circularity.load("ai", as_of=...)``); claims whose truth
        depends on the date (live deals, latest figures) use that date.
    ids
        Claim ids to check (default: all). Claims they read through ``claim(id)`` are computed too.
    registry
        Claims and published assumptions (default: the bundled registry).

    Returns
    -------
    ClaimsResult
        One :class:`ClaimResult` per claim with ``verdict`` in ``holds``, ``does not hold``,
        ``not computable`` and the reason.

    Raises
    ------
    KeyError
        An id in ``ids`` is not in the registry.

    Examples
    --------
    >>> import circularity
    >>> result = circularity.check_claims(circularity.load("ai"), ids=["cahn-600b-question"])
    >>> result.result("cahn-600b-question").verdict
    'holds'
    """
    reg = registry or load_registry()
    wanted = [reg.claim(i).id for i in ids] if ids is not None else [c.id for c in reg.claims]
    memo: dict[str, Figure | NotComputable] = {}

    def value_of(cid: str) -> Figure:
        if cid not in memo:
            try:
                memo[cid] = _compute(reg.claim(cid).formula, ctx)
            except NotComputable as exc:
                memo[cid] = exc
        got = memo[cid]
        if isinstance(got, NotComputable):
            raise NotComputable(f"depends on claim '{cid}', which is not computable: {got}")
        return got

    ctx = ClaimContext(ledger=ledger, assumptions=reg.assumptions, claim_value=value_of)
    model_memo: dict[str, Figure | NotComputable] = {}  # one projection run for claims that share it
    results = []
    for cid in wanted:
        c = reg.claim(cid)
        try:
            fig = value_of(cid)
        except NotComputable:
            own = memo[cid]
            results.append(_result(c, None, "not computable", str(own), ()))
            continue
        verdict, reason = _verdict(c, fig)
        model, model_reason = _model_figure(c, ctx, model_memo)
        results.append(_with_model(_result(c, fig.value, verdict, reason, fig.inputs), model, model_reason))
    return ClaimsResult(as_of=ledger.as_of, results=tuple(results))


def _model_figure(
    c: Claim, ctx: ClaimContext, memo: dict[str, Figure | NotComputable]
) -> tuple[float | None, str]:
    """The claim's second computation from the model (None and the reason where there is none)."""
    if c.model_formula is None:
        return None, ""
    from circularity.claims.expression import render

    key = render(c.model_formula)
    if key not in memo:
        try:
            memo[key] = _compute(c.model_formula, ctx)
        except NotComputable as exc:
            memo[key] = exc
    got = memo[key]
    if isinstance(got, NotComputable):
        return None, f"model: not computable: {got}"
    return got.value, "; ".join(p for p in (f"model: {key}", *got.notes, c.model_note) if p)


def _with_model(r: ClaimResult, model: float | None, reason: str) -> ClaimResult:
    from dataclasses import replace

    return replace(r, model=model, model_reason=reason)


def _compute(formula: Call, ctx: ClaimContext) -> Figure:
    got = evaluate(formula, ctx)
    if not isinstance(got, Figure):
        raise NotComputable(f"the formula gives '{got}', not a figure")
    return got


def _result(
    c: Claim, computed: float | None, verdict: str, reason: str, inputs: tuple[Input, ...]
) -> ClaimResult:
    return ClaimResult(
        id=c.id,
        claim=c.text,
        source=c.source_text,
        formula=c.formula_text,
        computed=computed,
        claimed=c.claimed,
        unit=c.unit,
        tolerance=str(c.tolerance),
        verdict=verdict,
        reason=reason,
        inputs=inputs,
    )
