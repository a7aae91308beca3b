"""What every user file passes before it is parsed: a regular file, bounded, UTF-8, strict YAML/JSON.

One place for the rules every reader (ledger, scenario, network, edge list) shares, so that none
of them can hang, exhaust memory or silently accept a malformed file:

- only regular files are read: a FIFO, device, socket or directory in place of a file is refused
  before it is opened (reading ``/dev/zero`` or a FIFO would never end);
- a file is at most :data:`MAX_INPUT_BYTES`; a UTF-8 byte-order mark (Excel writes one) is dropped;
- text is refused where it holds NUL or another C0/C1 control character (tab, newline and carriage
  return excepted) or a bidirectional override (which makes text display as other text);
- YAML and JSON nest at most :data:`MAX_DEPTH` levels, YAML aliases expand to at most
  :data:`MAX_NODES` nodes (a "billion laughs" file is refused), and a repeated key is refused
  instead of the last one silently winning; JSON ``NaN`` and ``Infinity`` are refused.

Every refusal is an :class:`~circularity.errors.InputError` whose message starts with
``file:line:`` where a line is known; readers re-raise it as their own error type.
"""

from __future__ import annotations

import json
import math
import stat
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from circularity.errors import InputError

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_NODES",
    "check_text",
    "control_character",
    "load_json",
    "load_yaml",
    "read_text",
    "regular_file",
]

#: Largest file any reader accepts (the whole bundled AI dataset is well under 1 MB).
MAX_INPUT_BYTES = 20 * 1024 * 1024
#: Deepest nesting of YAML or JSON accepted (the deepest real file nests 5 levels).
MAX_DEPTH = 64
#: Most YAML nodes a document may expand to through aliases.
MAX_NODES = 1_000_000

_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_ALLOWED_C0 = {"\t", "\n", "\r"}


def control_character(text: str, *, newlines: bool = True) -> str | None:
    """Describe the first forbidden character of ``text``, or ``None`` when it is clean.

    Forbidden: NUL and the other C0 and C1 controls (tab, newline and carriage return are allowed
    when ``newlines``), DEL, and the bidirectional embedding, override and isolate characters.
    """
    for i, ch in enumerate(text):
        code = ord(ch)
        bad = (code < 0x20 and (not newlines or ch not in _ALLOWED_C0)) or 0x7F <= code <= 0x9F or ch in _BIDI
        if bad:
            name = unicodedata.name(ch, "control character")
            return f"character U+{code:04X} ({name}) at position {i + 1} is not allowed in text"
    return None


def check_text(doc: Any, where: str) -> None:
    """Refuse a control character or bidirectional override in any key or text of a parsed document.

    :func:`read_text` checks the raw file, but YAML double-quoted and JSON strings can spell the
    same characters as escapes (``"\\x07"``, ``"\\u202e"``); this checks what the escapes became.
    Raises :class:`InputError` naming ``where`` and the key path (``nodes[2].id``).
    """
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            bad = control_character(node)
            if bad is not None:
                raise InputError(f"{where}: {path or 'value'}: {bad}")
        elif isinstance(node, dict):
            for key, value in node.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    bad = control_character(key, newlines=False)
                    if bad is not None:
                        raise InputError(f"{where}: key {key!r}: {bad}")
                stack.append((name, value))
        elif isinstance(node, list | tuple):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(node))


def regular_file(path: Path) -> int:
    """Size of ``path`` in bytes; :class:`InputError` unless it is a regular file within the bound."""
    try:
        st = path.stat()  # follows symlinks: a link to /dev/zero is judged as /dev/zero
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a FIFO"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a file"
        )
        raise InputError(f"{path}: is {kind}, not a regular file; give a file")
    if st.st_size > MAX_INPUT_BYTES:
        raise InputError(f"{path}: file is {st.st_size:,} bytes; at most {MAX_INPUT_BYTES:,} bytes allowed")
    return st.st_size


def read_text(path: Path, *, what: str = "text") -> str:
    """The UTF-8 text of a regular file (BOM dropped), with no control characters.

    Raises
    ------
    InputError
        Not a regular file, too large, not UTF-8 (with the line), or holding a control
        character or bidirectional override (with line and column).
    """
    regular_file(path)
    with path.open("rb") as fh:
        raw = fh.read(MAX_INPUT_BYTES + 1)
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"{path}: file grew past {MAX_INPUT_BYTES:,} bytes while read")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{path}: file is UTF-16; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8 {what}"
        ) from None
    bad = control_character(text)
    if bad is not None:
        pos = next(
            i
            for i, ch in enumerate(text)
            if (ord(ch) < 0x20 and ch not in _ALLOWED_C0) or 0x7F <= ord(ch) <= 0x9F or ch in _BIDI
        )
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise InputError(f"{path}:{line}: column {col}: {bad.split(' at position')[0]} is not allowed")
    return text


# -- YAML -------------------------------------------------------------------------------------
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Loader):  # type: ignore[misc,valid-type]
    """Safe loading that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if first is not None:
                raise InputError(
                    f"line {key_node.start_mark.line + 1}: key {key!r} is given twice "
                    f"(first on line {first}); give each key once"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _yaml_depth(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise InputError(f"line {line}: nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _yaml_size(node: yaml.Node) -> int:
    """Nodes the document expands to (aliases counted each time), stopping past the bound."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        if id(n) in sizes:
            continue
        kids: list[yaml.Node] = []
        if isinstance(n, yaml.MappingNode):
            kids = [k for pair in n.value for k in pair]
        elif isinstance(n, yaml.SequenceNode):
            kids = list(n.value)
        if done:
            total = 1 + sum(sizes.get(id(k), 0) for k in kids)
            sizes[id(n)] = min(total, MAX_NODES + 1)
        else:
            stack.append((n, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(node)]


def load_yaml(text: str, where: str) -> Any:
    """Parse YAML strictly; :class:`InputError` naming ``where`` and the line on any problem."""
    try:
        _yaml_depth(text)
        loader = _StrictLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None
            if _yaml_size(root) > MAX_NODES:
                raise InputError(
                    f"aliases expand to more than {MAX_NODES:,} nodes (a 'billion laughs' file?)"
                )
            return loader.construct_document(root)
        finally:
            loader.dispose()
    except InputError as exc:
        text_of = str(exc)
        if text_of.startswith("line "):  # "line N: what" -> "where:N: what"
            text_of = text_of[len("line ") :].replace(": ", ": ", 1)
            raise InputError(f"{where}:{text_of}") from None
        raise InputError(f"{where}: {text_of}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}:" if mark is not None else ""
        raise InputError(f"{where}:{line} broken YAML: {getattr(exc, 'problem', None) or exc}") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # a value YAML's resolver cannot build: 30 February, a 5,000-digit integer, a list as a key
        raise InputError(f"{where}: a value cannot be read: {exc}") from None


# -- JSON -------------------------------------------------------------------------------------
def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InputError(f"key {key!r} is given twice in one object; give each key once")
        out[key] = value
    return out


def _no_constant(name: str) -> float:
    raise InputError(f"{name} is not a number JSON allows; give a finite number")


def _json_depth(doc: Any) -> None:
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def load_json(text: str, where: str) -> Any:
    """Parse JSON strictly (repeated keys, NaN/Infinity and deep nesting refused)."""
    try:
        doc = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
        _json_depth(doc)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{where}: nested deeper than {MAX_DEPTH} levels") from None
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    except ValueError as exc:  # a number past Python's digit limit
        raise InputError(f"{where}: a value cannot be read: {exc}") from None
    for value in _floats(doc):
        if not math.isfinite(value):
            raise InputError(f"{where}: {value!r} is not a finite number")
    return doc


def _floats(doc: Any) -> list[float]:
    out: list[float] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, float):
            out.append(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out
