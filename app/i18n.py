"""Languages of the interface: gettext catalogues read with Babel.

The source language is Simplified Chinese: every msgid is the Chinese text, so Chinese needs no catalogue
(gettext answers the msgid) and each other language has `app/translations/<lang>/LC_MESSAGES/messages.po`.
The .po files are compiled in memory the first time a language is asked for (no build step at install, no
.mo in the repository).

Templates call `_("…")` (Jinja's i18n extension). The staff pages get the identity (Chinese); the public
pages (/invest/{lang}/…) pass the language's callables in their context (`callables(lang)`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.config import BASE_DIR

TRANSLATIONS_DIR = BASE_DIR / "app" / "translations"
SOURCE_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}


@cache
def translations(lang: str) -> NullTranslations:
    """The language's catalogue, compiled in memory from its .po file (Chinese: the identity)."""
    if lang == SOURCE_LANGUAGE:
        return NullTranslations()
    path = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def callables(lang: str) -> dict[str, Callable[..., str]]:
    """`gettext` and `ngettext` for a template's context, in the style of Jinja's newstyle gettext: keyword
    arguments fill `%(name)s` placeholders."""
    t = translations(lang)

    def gettext(message: str, **variables: Any) -> str:
        text = t.gettext(message)
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        text = t.ngettext(singular, plural, n)
        return text % {"num": n, **variables}

    return {"gettext": gettext, "ngettext": ngettext}
