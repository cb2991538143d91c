"""Unified social credit codes (统一社会信用代码) are checked as GB 32100-2015 says, with the
reason told in Chinese on the field, so a mistyped code never reaches the catalogue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models.investor import Investor
from app.services import credit_code, workdays
from tests.factories import bearer, make_token
from tests.leads.conftest import count_leads, lead_form, text_of
from tests.leads.factories import REAL_CODES, lead_json

YESTERDAY = workdays.today() - timedelta(days=1)

# --- the check itself --------------------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_companies_codes_are_valid(code):
    assert credit_code.problem(code) is None
    assert credit_code.is_valid(code)


@pytest.mark.parametrize("code", REAL_CODES)
def test_changing_the_check_character_makes_a_real_code_invalid(code):
    for other in credit_code.CHARSET:
        if other == code[-1]:
            continue
        assert credit_code.problem(code[:-1] + other) == "统一社会信用代码校验位不正确，请核对"


@pytest.mark.parametrize("code", REAL_CODES)
def test_swapping_two_body_characters_is_caught(code):
    body = code[:17]
    # two neighbouring different characters in the free part of the code (after the region code)
    i = next(i for i in range(8, 16) if body[i] != body[i + 1])
    swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :] + code[17]
    assert not credit_code.is_valid(swapped)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("91330100716105852f", "91330100716105852F"),  # lower case
        ("9144030071526726xg", "9144030071526726XG"),
        (" 91110108551385082Q ", "91110108551385082Q"),  # spaces around
        ("9135 0100 M000 100Y 43", "91350100M000100Y43"),  # grouped as printed on a licence
        ("９１３３０１００７１６１０５８５２Ｆ", "91330100716105852F"),  # full-width input method
    ],
)
def test_case_spaces_and_full_width_are_accepted_after_normalising(typed, stored):
    assert credit_code.problem(typed) is None
    assert credit_code.normalise(typed) == stored


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9133010071610585", "统一社会信用代码应为 18 位"),
        ("91330100716105852", "统一社会信用代码应为 18 位"),  # 17: the check character forgotten
        ("91330100716105852FF", "统一社会信用代码应为 18 位"),
        ("91330100716105852A", "校验位不正确"),
        ("9133010071610585IF", "不允许的字符：I"),
        ("9133010071610585OF", "不允许的字符：O"),
        ("9133010071610585ZF", "不允许的字符：Z"),
        ("9133010071610585SF", "不允许的字符：S"),
        ("9133010071610585VF", "不允许的字符：V"),
        ("91330100-16105852F", "不允许的字符：-"),
        ("91AB0100716105852F", "行政区划码"),  # positions 3–8 must be digits
    ],
)
def test_invalid_codes_are_refused_with_the_reason(code, message):
    problem = credit_code.problem(code)
    assert problem is not None and message in problem


# --- refused on the API and on the page --------------------------------------------------------


def test_api_refuses_a_lead_whose_new_investor_has_a_wrong_check_character(db, client, county):
    secret = make_token(db, county.town_a)
    db.commit()
    body = lead_json(investor={"name": "杭州某某科技有限公司", "credit_code": "91330100716105852A"})

    response = client.post("/api/v1/leads", json=body, headers=bearer(secret))

    assert response.status_code == 422
    errors = {d["field"]: d["message"] for d in response.json()["details"]}
    assert errors["investor.credit_code"] == "统一社会信用代码校验位不正确，请核对"
    assert count_leads(db) == 0
    assert db.execute(select(Investor).where(Investor.name == "杭州某某科技有限公司")).first() is None


def test_api_refuses_an_investor_with_letters_the_code_never_uses(db, client, county):
    secret = make_token(db, county.town_a)
    db.commit()

    response = client.post(
        "/api/v1/investors",
        json={"name": "某某新材料有限公司", "credit_code": "9133010071610585OF"},
        headers=bearer(secret),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "credit_code"
    assert "不使用 I、O、Z、S、V" in response.json()["details"][0]["message"]


def test_api_stores_a_lowercase_code_in_capitals(db, client, county):
    secret = make_token(db, county.town_a)
    db.commit()

    response = client.post(
        "/api/v1/investors",
        json={"name": "华为技术有限公司", "credit_code": "9144030071526726xg"},
        headers=bearer(secret),
    )

    assert response.status_code == 201, response.text
    assert response.json()["credit_code"] == "9144030071526726XG"
    # the same company typed again with the code in capitals is recognised, not created twice
    again = client.post(
        "/api/v1/investors",
        json={"name": "华为技术有限公司", "credit_code": "9144030071526726XG"},
        headers=bearer(secret),
    )
    assert again.status_code == 409
    assert again.json()["field"] == "credit_code"


def test_page_shows_the_reason_on_the_credit_code_field_and_keeps_what_was_typed(db, signed_in, county):
    client = signed_in(county.staff_a)
    form = lead_form(
        client,
        investor_name="宁波某某电器有限公司",
        investor_credit_code="91330100716105852",  # 17 characters
        lead_date=YESTERDAY.isoformat(),
        contact_name="周总",
    )

    response = client.post("/leads/new", data=form)

    assert response.status_code == 422
    html = response.text
    assert 'id="e-investor_credit_code"' in html
    assert "统一社会信用代码应为 18 位" in text_of(html)
    assert 'id="f-investor_credit_code" name="investor_credit_code" type="text" value="91330100716105852"' in html
    assert 'aria-invalid="true"' in html.split('id="f-investor_credit_code"')[1].split(">")[0]
    # the folded "new investor" section is opened so the person sees the message
    assert '<details class="more" open>' in html
    assert 'value="宁波某某电器有限公司"' in html
    assert count_leads(db) == 0
