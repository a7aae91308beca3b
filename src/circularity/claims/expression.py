"""Claim formulas as text: ``ratio(financial(alibaba, capex, 2025-06-30), ...)`` parsed and evaluated.

A formula is one call of a registered computation (:mod:`circularity.claims.formulas`) whose
arguments are numbers, words (``alibaba``), quoted strings (``'Q1 FY2026'``), ``$model.key`` (a
published assumption, short for ``assumption('model.key')``) or further calls. Python's own parser
reads the text; only calls of registered names, literals and bare words are accepted, so a formula
can never run arbitrary code. ISO dates (``2025-06-30``) and hyphenated words (claim ids such as
``cahn-600b-question``, presets such as ``hsbc-2025``) are read as text.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from circularity.errors import FormulaError

__all__ = [
    "Call",
    "FormulaError",
    "Literal",
    "Node",
    "assumption_keys",
    "claim_refs",
    "parse_formula",
    "render",
]

_QUOTED = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
# $model.key | an ISO date | a hyphenated word (claim ids, presets): all become quoted text
_WORDS = re.compile(
    r"\$(?P<key>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+)"
    r"|(?<![\w.])(?P<word>\d{4}-\d{2}-\d{2}|[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+)(?![\w(])"
)


def _quote_words(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group("key"):
            return f"assumption({m.group('key')!r})"
        return repr(m.group("word"))

    parts = _QUOTED.split(text)
    return "".join(p if i % 2 else _WORDS.sub(sub, p) for i, p in enumerate(parts))


@dataclass(frozen=True, slots=True)
class Literal:
    """A number or a word in a formula."""

    value: str | float


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a registered computation."""

    name: str
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()


Node = Call | Literal


def _literal(node: ast.expr) -> Literal | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)):
        if isinstance(node.value, bool):
            return None
        return Literal(node.value if isinstance(node.value, str) else float(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal(node.operand)
        if inner is not None and isinstance(inner.value, float):
            return Literal(-inner.value)
    if isinstance(node, ast.Name):
        return Literal(node.id)
    return None


def _convert(node: ast.expr, known: Mapping[str, Callable[..., Any]]) -> Node:
    lit = _literal(node)
    if lit is not None:
        return lit
    if not isinstance(node, ast.Call):
        raise FormulaError(
            f"'{ast.unparse(node)}' is not allowed; use numbers, words, 'quoted text', $model.key or calls"
        )
    if not isinstance(node.func, ast.Name):
        raise FormulaError(f"'{ast.unparse(node.func)}' is not a computation name")
    name = node.func.id
    if name not in known:
        raise FormulaError(f"unknown computation '{name}'; registered: {', '.join(sorted(known))}")
    args = tuple(_convert(a, known) for a in node.args)
    kwargs = []
    for kw in node.keywords:
        if kw.arg is None:
            raise FormulaError("'**' is not allowed in a formula")
        kwargs.append((kw.arg, _convert(kw.value, known)))
    sig = inspect.signature(known[name])
    try:
        sig.bind(None, *args, **dict(kwargs))
    except TypeError as exc:
        params = ", ".join(str(p) for p in list(sig.parameters.values())[1:])
        raise FormulaError(f"{name}(): {exc}; its parameters are ({params})") from None
    return Call(name, args, tuple(kwargs))


def parse_formula(text: str, known: Mapping[str, Callable[..., Any]]) -> Call:
    """Parse ``text`` into a :class:`Call`; raise :class:`FormulaError` saying what is wrong."""
    if not text or not text.strip():
        raise FormulaError("empty formula; write a call such as ratio(a, b)")
    source = _quote_words(text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"cannot parse the formula ({exc.msg} at column {exc.offset})") from None
    node = _convert(tree.body, known)
    if not isinstance(node, Call):
        raise FormulaError("a formula must be a call such as ratio(a, b), not a bare value")
    return node


def render(node: Node) -> str:
    """The canonical text of a formula (assumptions as ``$model.key``)."""
    if isinstance(node, Literal):
        if isinstance(node.value, float):
            return f"{node.value:g}"
        return node.value if re.fullmatch(r"[A-Za-z0-9_\-.]+", node.value) else repr(node.value)
    if node.name == "assumption" and len(node.args) == 1 and isinstance(node.args[0], Literal):
        return f"${node.args[0].value}"
    parts = [render(a) for a in node.args] + [f"{k}={render(v)}" for k, v in node.kwargs]
    return f"{node.name}({', '.join(parts)})"


def _walk(node: Node) -> list[Call]:
    if isinstance(node, Literal):
        return []
    found = [node]
    for a in node.args:
        found += _walk(a)
    for _, v in node.kwargs:
        found += _walk(v)
    return found


def _first_text(call: Call) -> str | None:
    if call.args and isinstance(call.args[0], Literal) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def assumption_keys(node: Node) -> list[str]:
    """Keys of the published assumptions a formula reads."""
    return [
        k
        for c in _walk(node)
        if c.name in ("assumption", "series_sum", "first_year_above")
        if (k := _first_text(c)) is not None
    ]


def claim_refs(node: Node) -> list[str]:
    """Ids of the other claims a formula reads through ``claim(id)``."""
    return [k for c in _walk(node) if c.name == "claim" if (k := _first_text(c)) is not None]
