"""Message catalogs: which languages exist, how a requested one resolves, and its messages.

The English text is the message id (gettext's convention), so English needs no catalog and a
message missing from a catalog shows in English, never as a key or a blank.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from circularity.errors import UnknownNameError

__all__ = ["LANGS", "Language", "messages", "resolve", "translations"]

#: Supported languages (BCP 47 tags as ``?lang=`` and ``--lang`` take them) → catalog folder.
LANGS: dict[str, str] = {"en": "en", "zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant"}
#: What each language calls itself (the language switch shows these).
NATIVE_NAMES: dict[str, str] = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}
LOCALES = Path(__file__).parent / "locales"
DOMAIN = "circularity"


@dataclass(frozen=True, slots=True)
class Language:
    """A resolved language: ``tag`` is what is shown; ``requested`` what was asked for;
    ``fallback`` is true when the request was unknown and English is shown instead."""

    tag: str
    requested: str | None
    fallback: bool

    @property
    def notice(self) -> str | None:
        """The visible notice for an unknown language (in English: that is what is shown)."""
        if not self.fallback:
            return None
        known = ", ".join(LANGS)
        return f"Language '{self.requested}' is not available (choose {known}); showing English."


def resolve(requested: str | None) -> Language:
    """The language to show for a request: a known tag (case-insensitive, ``_`` or ``-``),
    ``zh-CN``/``zh-SG`` as Simplified, ``zh-TW``/``zh-HK``/``zh-MO`` as Traditional; anything
    else falls back to English with a notice."""
    if requested is None or not requested.strip():
        return Language("en", requested, False)
    key = requested.strip().replace("_", "-").lower()
    aliases = {
        "en": "en", "en-us": "en", "en-gb": "en",
        "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans-cn": "zh-Hans",
        "zh-hant": "zh-Hant", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant",
        "zh-hant-tw": "zh-Hant", "zh-hant-hk": "zh-Hant",
    }  # fmt: skip
    tag = aliases.get(key)
    return Language(tag, requested, False) if tag else Language("en", requested, True)


def _po_path(tag: str) -> Path:
    return LOCALES / LANGS[tag] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def messages(tag: str) -> dict[str, str]:
    """Message id → translation for a language (empty for English); untranslated and fuzzy
    entries are left out, so they show in English and the completeness test catches them."""
    if tag not in LANGS:
        raise UnknownNameError(f"unknown language '{tag}'; known: {', '.join(LANGS)}")
    path = _po_path(tag)
    if tag == "en" or not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=LANGS[tag])
    out: dict[str, str] = {}
    for m in catalog:
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy:
            out[m.id] = m.string
    return out


@cache
def translations(tag: str) -> Translations:
    """A gettext ``Translations`` for Jinja's i18n extension, compiled in memory from the .po."""
    path = _po_path(tag) if tag in LANGS else None
    if tag == "en" or path is None or not path.exists():
        return Translations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=LANGS[tag])
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)
