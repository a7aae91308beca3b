"""The dashboard's messages and entity names in a language (``?lang=en|zh-Hans|zh-Hant``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from circularity.i18n import entity_names, messages, resolve
from circularity.i18n.catalog import LANGS, NATIVE_NAMES

router = APIRouter(prefix="/api", tags=["meta"])


class Messages(BaseModel):
    """A language's catalog: English message id → translation, and entity id → name."""

    lang: str = Field(description="The language shown (English when the request was unknown)")
    requested: str | None
    fallback: bool = Field(description="True when the requested language is unknown")
    notice: str | None = Field(description="The visible notice shown for an unknown language")
    languages: dict[str, str] = Field(description="Every language: tag → its own name")
    messages: dict[str, str]
    entities: dict[str, str]


@router.get("/i18n", response_model=Messages, summary="Dashboard messages and entity names in a language")
async def i18n(
    lang: Annotated[str | None, Query(max_length=35, description="en, zh-Hans or zh-Hant")] = None,
) -> Messages:
    got = resolve(lang)
    return Messages(
        lang=got.tag,
        requested=lang,
        fallback=got.fallback,
        notice=got.notice,
        languages={t: NATIVE_NAMES[t] for t in LANGS},
        messages=messages(got.tag),
        entities=entity_names(got.tag),
    )
