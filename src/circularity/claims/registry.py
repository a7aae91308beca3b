"""The claims registry: published claims and the published models' inputs, read from YAML.

Two files (bundled in ``circularity/claims/data/``, or your own):

``claims.yaml``
    ``claims:`` a list; each claim has ``id``, ``text``, ``source`` (publisher, title, url, date),
    ``formula`` (a call of a registered computation, see :mod:`circularity.claims.formulas`),
    ``claimed`` (the published figure), ``unit``, ``tolerance`` (``abs`` or ``rel``), optionally
    ``compare`` (``equal``, ``at_least``, ``at_most``) and ``note``.
``published_assumptions.yaml``
    ``sources:`` keyed source records and ``models:`` keyed by model (``cahn_2024``), each with
    ``values:`` (``value``, ``unit``, ``source`` key, ``confidence``, ``note``). A formula reads
    one as ``$cahn_2024.gpu_runrate``. These are the models' stated inputs, never their results.

Every problem is reported at once, located as ``file:line: claim-id.field: message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from circularity.claims.expression import (
    Call,
    FormulaError,
    assumption_keys,
    claim_refs,
    parse_formula,
    render,
)
from circularity.claims.formulas import COMPUTATIONS, Assumption, PublishedSource
from circularity.errors import ClaimsError, Problem, UnknownNameError

__all__ = [
    "CLAIM_UNITS",
    "Claim",
    "ClaimsError",
    "Registry",
    "load_registry",
    "read_registry",
]

CLAIM_UNITS = ("USD_bn", "USD_bn_per_year", "USD_per_month", "ratio", "multiple", "year", "GW")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


_PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$|^\d{4}-H[12]$|^\d{4}(-\d{4})?$"
Url = Annotated[str, Field(pattern=r"^https?://\S+$")]


class SourceSpec(_Model):
    """Where a claim or an input was published."""

    publisher: str = Field(min_length=1)
    title: str = ""
    url: Url | None = None
    date: str = Field(pattern=_PARTIAL_DATE)

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, int) else v


class Tolerance(_Model):
    """How far the computed figure may be from the claimed one: absolute or relative."""

    abs: float | None = Field(default=None, ge=0)
    rel: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> Tolerance:
        if (self.abs is None) == (self.rel is None):
            raise ValueError(
                "give exactly one of 'abs' (same unit as the claim) or 'rel' (a fraction, 0.05 = 5%)"
            )
        return self

    def allowed(self, claimed: float) -> float:
        return self.abs if self.abs is not None else abs(claimed) * (self.rel or 0.0)

    def __str__(self) -> str:
        return f"±{self.abs:g}" if self.abs is not None else f"±{(self.rel or 0) * 100:g}%"


class ClaimSpec(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=64)
    text: str = Field(min_length=1)
    source: SourceSpec
    formula: str = Field(min_length=1)
    claimed: float
    unit: Literal["USD_bn", "USD_bn_per_year", "USD_per_month", "ratio", "multiple", "year", "GW"]
    tolerance: Tolerance
    compare: Literal["equal", "at_least", "at_most"] = "equal"
    note: str = ""
    #: a second computation of the claimed figure from the model's own paths (shown beside it)
    model_formula: str | None = None
    model_note: str = ""


class _ClaimsFile(_Model):
    claims: list[ClaimSpec] = Field(min_length=1)


class ValueSpec(_Model):
    value: float | dict[int, float]
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)
    confidence: Literal[
        "confirmed",
        "single_source",
        "estimate",
        "disputed",
        "primary",
        "secondary_consistent",
        "secondary_single",
        "derived",
    ]
    note: str = ""


class ModelSpec(_Model):
    title: str = Field(min_length=1)
    values: dict[str, ValueSpec] = Field(min_length=1)


class _AssumptionsFile(_Model):
    sources: dict[str, SourceSpec] = Field(min_length=1)
    models: dict[str, ModelSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One validated claim with its parsed formula."""

    id: str
    text: str
    source: SourceSpec
    formula: Call
    claimed: float
    unit: str
    tolerance: Tolerance
    compare: str = "equal"
    note: str = ""
    model_formula: Call | None = None
    model_note: str = ""

    @property
    def formula_text(self) -> str:
        return render(self.formula)

    @property
    def source_text(self) -> str:
        s = self.source
        return f"{s.publisher} ({s.date})" + (f" {s.url}" if s.url else "")


@dataclass(frozen=True, slots=True, kw_only=True)
class Registry:
    """The claims and the published assumptions their formulas read."""

    claims: tuple[Claim, ...]
    assumptions: Mapping[str, Assumption]

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise UnknownNameError(f"unknown claim '{claim_id}'")

    def without_assumption(self, key: str) -> Registry:
        """The same registry with one published input removed (to see what depends on it)."""
        return Registry(
            claims=self.claims, assumptions={k: v for k, v in self.assumptions.items() if k != key}
        )


# -- locating problems --------------------------------------------------------------------------


def _lines(text: str, list_key: str | None) -> dict[tuple[Any, ...], int]:
    """1-based line of every mapping key/sequence item path in a YAML document."""
    out: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        out[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                out[(*path, key)] = k.start_mark.line + 1
                walk(v, (*path, key))
                out[(*path, key)] = k.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return out


def _line_of(lines: Mapping[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _read_yaml(path: Path, problems: list[Problem]) -> tuple[Any, str]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, None, "-", f"cannot read the file: {exc}"))
        return None, ""
    try:
        return yaml.safe_load(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(name, mark.line + 1 if mark else None, "-", f"not valid YAML: {exc}"))
        return None, text


def _pydantic_problems(
    exc: ValidationError, file: str, lines: Mapping[tuple[Any, ...], int], ids: Mapping[int, str], top: str
) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if len(loc) >= 2 and loc[0] == top and isinstance(loc[1], int):
            who = ids.get(loc[1], f"{top}[{loc[1]}]")
            fieldname = ".".join(str(p) for p in loc[2:]) or "-"
            out.append(Problem(file, _line_of(lines, loc), f"{who}.{fieldname}", err["msg"]))
        else:
            out.append(Problem(file, _line_of(lines, loc), ".".join(str(p) for p in loc) or "-", err["msg"]))
    return out


def _assumptions(path: Path, problems: list[Problem]) -> dict[str, Assumption]:
    raw, text = _read_yaml(path, problems)
    if raw is None:
        if text:
            return {}
        problems.append(Problem(str(path), None, "-", "file is empty; expected 'sources:' and 'models:'"))
        return {}
    lines = _lines(text, None)
    try:
        spec = _AssumptionsFile.model_validate(raw)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, str(path), lines, {}, "models")
        return {}
    out: dict[str, Assumption] = {}
    for mkey, model in spec.models.items():
        for vkey, v in model.values.items():
            key = f"{mkey}.{vkey}"
            src = spec.sources.get(v.source)
            if src is None:
                problems.append(
                    Problem(
                        str(path),
                        _line_of(lines, ("models", mkey, "values", vkey, "source")),
                        f"{key}.source",
                        f"unknown source '{v.source}'; define it under 'sources:'",
                    )
                )
                continue
            out[key] = Assumption(
                key=key,
                value=v.value,
                unit=v.unit,
                confidence=v.confidence,
                note=v.note,
                source=PublishedSource(
                    key=v.source, publisher=src.publisher, title=src.title, url=src.url, date=src.date
                ),
            )
    return out


def _claims(path: Path, assumptions: Mapping[str, Assumption], problems: list[Problem]) -> tuple[Claim, ...]:
    raw, text = _read_yaml(path, problems)
    file = str(path)
    if raw is None:
        if not text:
            problems.append(Problem(file, None, "-", "file is empty; expected 'claims:'"))
        return ()
    lines = _lines(text, "claims")
    items = raw.get("claims") if isinstance(raw, dict) else None
    ids = {i: str(c["id"]) for i, c in enumerate(items or []) if isinstance(c, dict) and "id" in c}
    try:
        spec = _ClaimsFile.model_validate(raw)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, file, lines, ids, "claims")
        return ()
    claims: list[Claim] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(spec.claims):
        where = _line_of(lines, ("claims", i, "formula"))
        if c.id in seen:
            problems.append(
                Problem(
                    file,
                    _line_of(lines, ("claims", i, "id")),
                    f"{c.id}.id",
                    f"duplicate id (first at claims[{seen[c.id]}])",
                )
            )
            continue
        seen[c.id] = i
        try:
            call = parse_formula(c.formula, COMPUTATIONS)
        except FormulaError as exc:
            problems.append(Problem(file, where, f"{c.id}.formula", str(exc)))
            continue
        model_call = None
        if c.model_formula is not None:
            try:
                model_call = parse_formula(c.model_formula, COMPUTATIONS)
            except FormulaError as exc:
                problems.append(Problem(file, where, f"{c.id}.model_formula", str(exc)))
                continue
        for key in assumption_keys(call):
            if key not in assumptions:
                near = [k for k in assumptions if k.split(".")[0] == key.split(".")[0]]
                hint = f"; that model has: {', '.join(sorted(near))}" if near else ""
                problems.append(Problem(file, where, f"{c.id}.formula", f"unknown assumption '${key}'{hint}"))
        claims.append(
            Claim(
                id=c.id,
                text=c.text,
                source=c.source,
                formula=call,
                claimed=c.claimed,
                unit=c.unit,
                tolerance=c.tolerance,
                compare=c.compare,
                note=c.note,
                model_formula=model_call,
                model_note=c.model_note,
            )
        )
    known = {c.id for c in claims}
    graph = {c.id: claim_refs(c.formula) for c in claims}
    for cl in claims:
        for ref in graph[cl.id]:
            if ref not in known:
                problems.append(
                    Problem(
                        file,
                        _line_of(lines, ("claims", seen[cl.id], "formula")),
                        f"{cl.id}.formula",
                        f"claim('{ref}') names no claim in the registry",
                    )
                )
    cycle = _find_cycle(graph)
    if cycle:
        first = cycle[0]
        problems.append(
            Problem(
                file,
                _line_of(lines, ("claims", seen[first], "formula")),
                f"{first}.formula",
                "claims refer to each other in a loop: " + " -> ".join(cycle),
            )
        )
    return tuple(claims)


def _find_cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, []):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m in graph and state.get(m) is None and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in graph:
        if state.get(n) is None and (found := visit(n)):
            return found
    return None


def read_registry(claims_path: str | Path, assumptions_path: str | Path) -> Registry:
    """Read and validate a claims file and a published-assumptions file.

    Raises
    ------
    ClaimsError
        listing every problem as ``file:line: claim-id.field: message``.
    """
    problems: list[Problem] = []
    assumptions = _assumptions(Path(assumptions_path), problems)
    claims = _claims(Path(claims_path), assumptions, problems)
    if problems:
        raise ClaimsError(problems)
    return Registry(claims=claims, assumptions=assumptions)


def _bundled_path(name: str) -> Path:
    return Path(str(resources.files("circularity.claims") / "data" / name))


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    """The bundled registry (``claims.yaml`` + ``published_assumptions.yaml``)."""
    return read_registry(_bundled_path("claims.yaml"), _bundled_path("published_assumptions.yaml"))
