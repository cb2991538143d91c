"""The lead list's unit filter: a field that finds units by name, sent as the unit's id; a name typed
without JavaScript is taken when it names one unit, and explained when it names several or none."""

from __future__ import annotations

import re
from html import unescape

from tests.leads.conftest import text_of
from tests.projects.factories import make_lead


def _field(page: str) -> str:
    match = re.search(r'<div class="unit-search[^"]*" id="f-unit-box".*?\n</div>', page, re.S)
    assert match, "no unit field on the page"
    return match.group(0)


def _value(field: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*?value="([^"]*)"', field, re.S)
    assert match, name
    return unescape(match.group(1))


def test_the_list_offers_a_unit_field_instead_of_every_unit(db, signed_in, county):
    client = signed_in(county.coordinator)

    page = client.get("/leads", params={"unit_id": county.town_b.id})

    assert page.status_code == 200
    assert "<option" not in _field(page.text) and f'<option value="{county.town_a.id}"' not in page.text
    field = _field(page.text)
    assert _value(field, "unit_id") == str(county.town_b.id)
    assert _value(field, "unit_name") == county.town_b.name


def test_a_name_typed_without_javascript_filters_by_that_unit(db, signed_in, county):
    make_lead(db, county.town_a, project_name="城关的线索")
    make_lead(db, county.town_b, project_name="青石的线索")
    client = signed_in(county.coordinator)

    # the form as sent without JavaScript: every field, the unit as typed (its short name here)
    listed = client.get("/leads", params={"unit_id": "", "unit_name": "青石镇", "channel": "", "status": "", "q": ""})

    assert listed.status_code == 200
    assert "共 1 条" in text_of(listed.text) and "青石的线索" in listed.text
    assert _value(_field(listed.text), "unit_id") == str(county.town_b.id)
    assert f"/leads.xlsx?unit_id={county.town_b.id}&amp;channel=" in listed.text  # the export holds the same rows


def test_a_name_of_several_units_is_explained_and_the_units_offered(db, signed_in, county):
    make_lead(db, county.town_a)
    make_lead(db, county.town_b)
    client = signed_in(county.coordinator)

    listed = client.get("/leads", params={"unit_name": "镇"})

    field = _field(listed.text)
    assert "有 3 个单位的名称含“镇”，请选择其中一个" in text_of(field)
    for town in (county.town_a, county.town_b, county.town_c):
        assert f'<a href="/leads?unit_id={town.id}">{town.name}</a>' in field
    assert "共 2 条（未按单位筛选）" in text_of(listed.text)
    nothing = client.get("/leads", params={"unit_name": "不存在的乡"})
    assert "没有名称含“不存在的乡”的单位，请检查后重新输入" in text_of(_field(nothing.text))


def test_with_htmx_a_typed_name_returns_the_field_out_of_band(db, signed_in, county):
    make_lead(db, county.town_c, project_name="河口的线索")
    client = signed_in(county.coordinator)

    fragment = client.get("/leads", params={"unit_name": "河口镇"}, headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    assert fragment.headers["HX-Push-Url"] == f"/leads?unit_id={county.town_c.id}"
    assert 'hx-swap-oob="true"' in _field(fragment.text)
    assert "河口的线索" in fragment.text and "共 1 条" in text_of(fragment.text)
    by_id = client.get("/leads", params={"unit_id": county.town_c.id}, headers={"HX-Request": "true"})
    assert 'id="f-unit' not in by_id.text and "HX-Push-Url" not in by_id.headers


def test_unit_staff_have_no_unit_field_and_cannot_search_units(db, signed_in, county):
    client = signed_in(county.staff_a)

    page = client.get("/leads", params={"unit_name": "青石镇"})

    assert page.status_code == 200 and 'id="f-unit-box"' not in page.text
    assert client.get("/units/search", params={"unit_name": "镇"}).status_code == 403
    assert signed_in(county.leader).get("/units/search", params={"unit_name": "镇"}).status_code == 200
