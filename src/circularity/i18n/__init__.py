"""The dashboard and the report in English, Simplified and Traditional Chinese.

Messages live in gettext catalogs (``locales/<locale>/LC_MESSAGES/circularity.po``), read with
Babel at run time (no compile step, so a fresh clone works); entity names in their usual Chinese
forms come from the dataset's reviewed table (``data/ai/entity_names_zh.yaml``); money is written
in the Chinese convention (億/萬億美元, 亿/万亿美元).
"""

from circularity.i18n.catalog import LANGS, Language, messages, resolve, translations
from circularity.i18n.money import money
from circularity.i18n.names import entity_names, short_name

__all__ = [
    "LANGS",
    "Language",
    "entity_names",
    "messages",
    "money",
    "resolve",
    "short_name",
    "translations",
]
