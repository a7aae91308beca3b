"""Collect every message the dashboard and the report show, and update the catalogs.

``python -m circularity.i18n.extract`` reads the dashboard (``t("...")`` and ``N_("...")`` in
the static JavaScript, ``data-i18n`` text and ``data-i18n-*`` attributes in ``index.html``) and
the report template (``{% trans %}`` and ``_("...")``), then rewrites each language's ``.po``:
new messages are added untranslated, translations of known ones are kept, obsolete ones dropped.
The tests fail while any message lacks a translation.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_javascript, extract_python
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from circularity.i18n.catalog import DOMAIN, LANGS, LOCALES

__all__ = ["dashboard_messages", "main", "report_messages"]

STATIC = Path(__file__).parents[1] / "api" / "static"
TEMPLATES = Path(__file__).parents[1] / "report" / "templates"
JS_FILES = ("i18n.js", "web.js", "export.js", "app.js", "panels.js")
REPORT_PY = ("build.py", "captions.py")


class _Html(HTMLParser):
    """``data-i18n`` elements' text (whitespace collapsed) and ``data-i18n-<attr>`` values."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k.startswith("data-i18n-") and v:
                self.found.append(v)
        if any(k == "data-i18n" for k, _ in attrs):
            self._open.append((tag, []))

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, parts = self._open.pop()
            self.found.append(re.sub(r"\s+", " ", "".join(parts)).strip())


# Babel's keyword specs: None means "the first argument is the message id".
_KEYWORDS_JS: dict[str, None] = {"t": None, "N_": None}
_KEYWORDS_PY: dict[str, None] = {"_": None, "N_": None}


def dashboard_messages() -> list[str]:
    """Every message id of the dashboard, in first-seen order."""
    out: dict[str, None] = {}
    parser = _Html()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    out.update(dict.fromkeys(m for m in parser.found if m))
    for name in JS_FILES:
        data = (STATIC / name).read_bytes()
        for _, _, msg, _ in extract_javascript(io.BytesIO(data), _KEYWORDS_JS, [], {}):
            first = msg[0] if isinstance(msg, tuple) else msg  # t("...", {vars}) gives a tuple
            if isinstance(first, str) and first:
                out[first] = None
    return list(out)


def report_messages() -> list[str]:
    """Every message id of the report (its template, and ``_("...")`` in the modules that build it)."""
    out: dict[str, None] = {}
    for name in REPORT_PY:
        with (TEMPLATES.parent / name).open("rb") as fh:
            for _, _, msg, _ in extract_python(fh, _KEYWORDS_PY, [], {}):
                first = msg[0] if isinstance(msg, tuple) else msg
                if isinstance(first, str) and first:
                    out[first] = None
    for path in sorted(TEMPLATES.glob("*.j2")):
        with path.open("rb") as fh:
            for _line, _func, jinja_msg, _notes in babel_extract(
                fh, ["_", "gettext"], [], {"trimmed": "true"}
            ):
                jinja_first = jinja_msg[0] if isinstance(jinja_msg, tuple) else jinja_msg
                if isinstance(jinja_first, str) and jinja_first:
                    out[jinja_first] = None
    return list(out)


def _po(tag: str) -> Path:
    return LOCALES / LANGS[tag] / "LC_MESSAGES" / f"{DOMAIN}.po"


def _existing(tag: str) -> dict[str, str]:
    path = _po(tag)
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=LANGS[tag])
    return {m.id: m.string for m in cat if isinstance(m.id, str) and m.id and isinstance(m.string, str)}


def _messages() -> Iterator[str]:
    seen: set[str] = set()
    for m in [*dashboard_messages(), *report_messages()]:
        if m not in seen:
            seen.add(m)
            yield m


def main() -> None:
    """Rewrite the Chinese catalogs with every message, keeping known translations."""
    ids = list(_messages())
    for tag in LANGS:
        if tag == "en":
            continue
        known = _existing(tag)
        cat = Catalog(locale=LANGS[tag], domain=DOMAIN, project="circularity", fuzzy=False)
        for m in ids:
            cat.add(m, known.get(m, ""))
        path = _po(tag)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, cat, width=100, omit_header=False, sort_output=False)
        missing = sum(1 for m in ids if not known.get(m))
        print(f"{path}: {len(ids)} messages, {missing} untranslated")


if __name__ == "__main__":
    main()
