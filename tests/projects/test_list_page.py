"""The coordinator's project list: its unit filter is a field that finds units by part of their name (no
select of every unit), works without JavaScript, and its links keep the unit the list is filtered by."""

from __future__ import annotations

import re
import uuid
from html import unescape

from sqlalchemy.orm import Session

from app.models.user import Role
from tests.factories import make_unit, make_user
from tests.projects.factories import make_project


def _field(page: str) -> str:
    match = re.search(r'<div class="unit-search[^"]*" id="f-unit-box".*?\n</div>', page, re.S)
    assert match, "no unit field on the page"
    return match.group(0)


def _value(field: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*?value="([^"]*)"', field, re.S)
    assert match, name
    return unescape(match.group(1))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_unit_field_names_the_chosen_unit_and_lists_no_units(db: Session, signed_in) -> None:
    n = uuid.uuid4().hex[:6]
    parent = make_unit(db, name=f"甲县{n}")
    child = make_unit(db, name=f"甲县商务局{n}<新>", parent_id=parent.id)
    browser = signed_in(make_user(db, role=Role.coordinator))

    page = browser.get("/projects")
    assert page.status_code == 200
    assert f'<option value="{child.id}"' not in page.text and f"甲县{n}" not in page.text
    field = _field(page.text)
    assert (
        'role="combobox"' in field
        and 'aria-controls="f-unit-list"' in field
        and '<label for="f-unit">单位</label>' in field
    )
    assert _value(field, "unit_id") == "" and _value(field, "unit_name") == ""

    chosen = _field(browser.get(f"/projects?unit_id={child.id}").text)
    assert _value(chosen, "unit_id") == str(child.id)
    assert _value(chosen, "unit_name") == f"甲县商务局{n}<新>"
    assert "&lt;新&gt;" in chosen  # escaped

    missing = _field(browser.get("/projects?unit_id=2000000000").text)
    assert "找不到该单位" in missing


def test_suggestions_are_the_units_whose_name_contains_the_text(db: Session, signed_in) -> None:
    n = uuid.uuid4().hex[:6]
    county = make_unit(db, name=f"乙县{n}")
    commerce = make_unit(db, name=f"乙县商务局{n}", short_name=f"商务{n}", parent_id=county.id)
    zone = make_unit(db, name=f"乙县经济开发区{n}", short_name=f"经开区{n}", parent_id=county.id)
    make_unit(db, name=f"乙县旧商务办{n}", is_active=False)
    make_unit(db, name=f"乙县百分之百{n}%")
    browser = signed_in(make_user(db, role=Role.coordinator))

    found = browser.get("/units/search", params={"unit_name": f"商务局{n}", "field": "f-unit"})
    assert found.status_code == 200
    assert f'id="f-unit-opt-{commerce.id}"' in found.text and 'role="option"' in found.text
    assert f"乙县<mark>商务局{n}</mark>" in found.text  # the typed part is marked
    assert f"乙县{n}" in _text(found.text)  # the parent tells similar names apart
    assert "找到 1 个单位" in found.text  # announced to screen readers (the field's status, out of band)

    by_short_name = browser.get("/units/search", params={"unit_name": f"经开区{n}"})
    assert f'data-id="{zone.id}"' in by_short_name.text
    assert "旧商务办" not in browser.get("/units/search", params={"unit_name": f"商务办{n}"}).text  # inactive
    assert "没有名称含" in browser.get("/units/search", params={"unit_name": f"商务办{n}"}).text
    wildcard = browser.get("/units/search", params={"unit_name": f"{n}%"})
    assert wildcard.text.count('role="option"') == 1  # % is a character, not a wildcard
    assert browser.get("/units/search", params={"unit_name": "  "}).text.count('role="option"') == 0


def test_at_most_twenty_suggestions_the_exact_name_first(db: Session, signed_in) -> None:
    n = uuid.uuid4().hex[:6]
    for i in range(25):
        make_unit(db, name=f"丙县第{i}镇{n}", sort_order=i)
    exact = make_unit(db, name=f"镇{n}", sort_order=99)
    browser = signed_in(make_user(db, role=Role.coordinator))

    many = browser.get("/units/search", params={"unit_name": f"镇{n}"}).text
    assert many.count('role="option"') == 20
    assert "只列出前 20 个" in many and "找到 20 个以上单位" in many
    assert many.index(f'data-id="{exact.id}"') < many.index('data-name="丙县第0镇')


def test_only_those_who_see_every_unit_may_search_units(db: Session, signed_in) -> None:
    unit = make_unit(db)
    staff = signed_in(make_user(db, unit))
    leader = signed_in(make_user(db, unit, role=Role.leader))

    assert staff.get("/units/search", params={"unit_name": "单位"}).status_code == 403
    assert leader.get("/units/search", params={"unit_name": "单位"}).status_code == 200
    own_list = staff.get("/projects?unit_name=单位")
    assert own_list.status_code == 200 and 'id="f-unit-box"' not in own_list.text


def test_a_typed_name_filters_by_the_unit_it_names_without_javascript(db: Session, signed_in) -> None:
    n = uuid.uuid4().hex[:6]
    a = make_unit(db, name=f"丁县城关镇{n}", short_name=f"城关{n}")
    b = make_unit(db, name=f"丁县青石镇{n}")
    make_project(db, a, name=f"城关项目{n}")
    make_project(db, b, name=f"青石项目{n}")
    browser = signed_in(make_user(db, role=Role.coordinator))

    # the whole form as a browser without JavaScript sends it: the id (blank) and the text typed
    page = browser.get("/projects", params={"q": n, "unit_id": "", "unit_name": f"青石镇{n}", "stage": ""})
    assert page.status_code == 200
    assert f"青石项目{n}" in page.text and f"城关项目{n}" not in page.text
    field = _field(page.text)
    assert _value(field, "unit_id") == str(b.id) and _value(field, "unit_name") == f"丁县青石镇{n}"
    # the next page and the export go by the unit's id
    assert f"/projects.xlsx?unit_id={b.id}&amp;q={n}" in page.text

    by_short_name = browser.get("/projects", params={"q": n, "unit_name": f"城关{n}"})
    assert f"城关项目{n}" in by_short_name.text and f"青石项目{n}" not in by_short_name.text

    # the text was edited after a unit was chosen: the text wins; emptied: every unit
    edited = browser.get("/projects", params={"q": n, "unit_id": a.id, "unit_name": f"丁县青石镇{n}"})
    assert f"青石项目{n}" in edited.text and f"城关项目{n}" not in edited.text
    kept = browser.get("/projects", params={"q": n, "unit_id": a.id, "unit_name": f"丁县城关镇{n}"})
    assert f"城关项目{n}" in kept.text and f"青石项目{n}" not in kept.text
    cleared = browser.get("/projects", params={"q": n, "unit_id": a.id, "unit_name": ""})
    assert f"城关项目{n}" in cleared.text and f"青石项目{n}" in cleared.text


def test_a_name_of_several_units_or_none_is_explained_in_chinese(db: Session, signed_in) -> None:
    n = uuid.uuid4().hex[:6]
    a = make_unit(db, name=f"戊县城关镇{n}")
    b = make_unit(db, name=f"戊县青石镇{n}")
    make_project(db, a, name=f"城关项目{n}")
    browser = signed_in(make_user(db, role=Role.coordinator))

    several = browser.get("/projects", params={"q": n, "unit_id": "", "unit_name": f"镇{n}", "stage": ""})
    assert several.status_code == 200
    field = _field(several.text)
    assert f"有 2 个单位的名称含“镇{n}”，请选择其中一个" in _text(field)
    assert 'role="alert"' in field and 'aria-invalid="true"' in field
    assert f'href="/projects?q={n}&amp;stage=&amp;unit_id={a.id}"' in field  # links that work without JavaScript
    assert f'href="/projects?q={n}&amp;stage=&amp;unit_id={b.id}"' in field
    assert "（未按单位筛选）" in several.text and f"城关项目{n}" in several.text

    none = _field(browser.get("/projects", params={"unit_name": f"己县{n}"}).text)
    assert f"没有名称含“己县{n}”的单位" in _text(none)


def test_filtering_with_htmx_sends_only_the_results(db: Session, signed_in) -> None:
    coordinator = make_user(db, role=Role.coordinator)
    browser = signed_in(coordinator)
    fragment = browser.get("/projects?stage=signed", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'id="results"' in fragment.text and 'id="f-unit' not in fragment.text
    assert "HX-Push-Url" not in fragment.headers
    assert 'id="f-unit"' in browser.get("/projects?stage=signed").text


def test_a_name_typed_and_sent_with_htmx_comes_back_as_the_unit_it_names(db: Session, signed_in) -> None:
    n = uuid.uuid4().hex[:6]
    unit = make_unit(db, name=f"庚县河口镇{n}")
    make_project(db, unit, name=f"河口项目{n}")
    browser = signed_in(make_user(db, role=Role.coordinator))

    fragment = browser.get(
        "/projects", params={"stage": "negotiating", "unit_name": f"河口镇{n}"}, headers={"HX-Request": "true"}
    )

    assert fragment.status_code == 200
    assert f"河口项目{n}" in fragment.text
    assert fragment.headers["HX-Push-Url"] == f"/projects?unit_id={unit.id}&stage=negotiating"
    field = _field(fragment.text)
    assert 'hx-swap-oob="true"' in field  # the field learns the unit, out of band
    assert _value(field, "unit_id") == str(unit.id) and _value(field, "unit_name") == f"庚县河口镇{n}"
    assert fragment.text.count('id="results"') == 1
