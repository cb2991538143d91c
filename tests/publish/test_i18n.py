"""The interface's languages (app/i18n.py): every string the public templates put through gettext has its
English translation in the catalogue; the catalogue compiles in memory with its plural rule; the staff pages
get the same `_()` with Chinese as the identity."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n
from app.config import BASE_DIR

PUBLIC_TEMPLATES = BASE_DIR / "app" / "templates" / "public"
JINJA = {"**.html": {"extensions": "jinja2.ext.i18n"}}


def _msgids() -> set[str | tuple[str, ...]]:
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PUBLIC_TEMPLATES), method_map=[("**.html", "jinja2")], options_map=JINJA
        )
    }


def test_every_msgid_of_the_public_templates_has_an_english_translation():
    found = _msgids()
    assert len(found) > 30  # the extraction does read the templates
    with (i18n.TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="en")
    missing = []
    for msgid in found:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        strings = message.string if message is not None else ""
        translated = all(strings) if isinstance(strings, tuple) else bool(strings)
        if message is None or not translated or message.fuzzy:
            missing.append(key)
    assert missing == [], f"msgids of app/templates/public without an English translation: {missing}"


def test_the_catalogue_compiles_in_memory_with_its_plurals():
    en = i18n.callables("en")
    assert en["gettext"]("招商项目") == "Projects"
    assert en["ngettext"]("共 %(num)s 个项目", "共 %(num)s 个项目", 1) == "1 project"
    assert en["ngettext"]("共 %(num)s 个项目", "共 %(num)s 个项目", 3) == "3 projects"
    zh = i18n.callables("zh")
    assert zh["gettext"]("招商项目") == "招商项目"


def test_the_staff_templates_use_the_same_gettext_with_chinese_as_the_identity():
    from app.templating import env

    assert env.from_string('{{ _("首页") }} {{ _("%(n)s 项待处理", n=3) }}').render() == "首页 3 项待处理"
