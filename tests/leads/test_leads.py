"""Leads as the units and the bureau use them: entering one, the duplicate warning, settling
credit for the same investor reported twice, judging, the monthly quota, the first-report
registry for large projects, the Excel export and retried API calls."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.models.investor import Investor
from app.models.lead import (
    Channel,
    DisputeStatus,
    DuplicatePair,
    DuplicateStatus,
    Lead,
    LeadCredit,
    LeadStatus,
    RegistryClaim,
    RegistryEntry,
    RegistryStatus,
)
from app.models.user import Role
from app.principal import Principal
from app.services import leads, workdays
from tests.conftest import csrf_from
from tests.factories import bearer, make_token
from tests.leads.conftest import count_leads, lead_form, text_of
from tests.leads.factories import credit_code, lead_json, make_investor, make_lead, phone, set_setting

YESTERDAY = workdays.today() - timedelta(days=1)


def fresh(db, model, ident):
    db.expire_all()
    row = db.get(model, ident)
    assert row is not None
    return row


def pair_of(db, later_id: int) -> DuplicatePair:
    db.expire_all()
    return db.execute(select(DuplicatePair).where(DuplicatePair.lead_id == later_id)).scalar_one()


def credits_of(db, lead_id: int) -> dict[int, Decimal]:
    db.expire_all()
    rows = db.execute(select(LeadCredit.unit_id, LeadCredit.share).where(LeadCredit.lead_id == lead_id)).all()
    return {r[0]: Decimal(r[1]) for r in rows}


# --- entering a lead ---------------------------------------------------------------------------


def test_unit_staff_enter_a_lead_on_the_page_and_land_on_its_detail(db, signed_in, county):
    client = signed_in(county.staff_a)
    code = credit_code()
    form = lead_form(
        client,
        investor_name="江西赣锋锂电新材料有限公司",
        investor_credit_code=code.lower(),
        investor_investor_type="listed",
        investor_origin_province="江西",
        investor_origin_city="新余",
        channel="business",
        intended_investment="25000.5",
        project_name="锂电池正极材料项目",
        industry="新能源材料",
        content="已落户企业介绍其上游供应商来县考察。",
        contact_name="周总",
        contact_phone="139 0731 2222",
        lead_date=YESTERDAY.isoformat(),
        introducer_name="县乡贤联谊会",
    )

    response = client.post("/leads/new", data=form)

    assert response.status_code == 303, text_of(response.text)[:500]
    lead = db.execute(select(Lead)).scalar_one()
    assert response.headers["location"] == f"/leads/{lead.id}?created=1"
    assert lead.unit_id == county.town_a.id
    assert lead.brought_by_id == county.staff_a.id
    assert lead.brought_by_name == county.staff_a.display_name  # 不填则为本人
    assert lead.channel is Channel.business
    assert lead.intended_investment == Decimal("25000.50")
    assert lead.status is LeadStatus.pending
    investor = db.get(Investor, lead.investor_id)
    assert investor.name == "江西赣锋锂电新材料有限公司"
    assert investor.credit_code == code

    page = client.get(response.headers["location"])
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "线索已报送，等待招商局认定" in shown
    assert "江西赣锋锂电新材料有限公司" in shown
    assert "以商招商" in shown
    assert "25,000.50 万元" in shown
    assert "待认定" in shown
    assert county.town_a.name in shown
    assert "县乡贤联谊会" in shown


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_form_says_what_is_missing_in_chinese(db, signed_in, county, htmx):
    client = signed_in(county.staff_a)
    form = lead_form(client, investor_name="", channel="", lead_date="", intended_investment="-5")

    response = client.post("/leads/new", data=form, headers={"HX-Request": "true"} if htmx else {})

    assert response.status_code == 422
    assert ("<html" in response.text) is not htmx  # htmx swaps the form only
    expected = {
        "investor_name": "此项必填",
        "channel": "此项必填",
        "lead_date": "此项必填",
        "intended_investment": "不能小于 0",
    }
    for field, message in expected.items():
        assert f'<div class="field-error" id="e-{field}">{message}</div>' in response.text, field
    assert count_leads(db) == 0


def test_a_lead_without_any_investor_says_to_pick_or_type_one(db, client, county):
    secret = make_token(db, county.town_a)
    db.commit()
    body = lead_json()
    body.pop("investor")

    response = client.post("/api/v1/leads", json=body, headers=bearer(secret))

    assert response.status_code == 422
    assert "请选择已有客商或填写新客商信息" in response.json()["message"]


def test_a_date_in_the_future_is_refused(db, signed_in, county):
    client = signed_in(county.staff_a)
    form = lead_form(
        client, investor_name="未来科技有限公司", lead_date=(workdays.today() + timedelta(days=2)).isoformat()
    )

    response = client.post("/leads/new", data=form)

    assert response.status_code == 422
    assert "日期不能晚于今天" in text_of(response.text)
    assert count_leads(db) == 0


def test_typing_part_of_a_name_suggests_the_catalogue_and_picking_one_reuses_it(db, signed_in, county):
    known = make_investor(db, "苏州纳维光电科技有限公司", origin_city="苏州")
    make_investor(db, "东莞科瑞塑胶制品有限公司")
    client = signed_in(county.staff_a)

    lookup = client.get("/leads/new/lookup", params={"investor_name": "纳维光电"}, headers={"HX-Request": "true"})
    assert lookup.status_code == 200
    assert "苏州纳维光电科技有限公司" in lookup.text
    assert "东莞科瑞塑胶" not in lookup.text
    assert f"/leads/new/investor?id={known.id}" in lookup.text

    picked = client.get(f"/leads/new/investor?id={known.id}", headers={"HX-Request": "true"})
    assert f'name="investor_id" value="{known.id}"' in picked.text
    assert "更换客商" in picked.text

    form = lead_form(client, investor_id=str(known.id), channel="online", lead_date=YESTERDAY.isoformat())
    response = client.post("/leads/new", data=form)
    assert response.status_code == 303, text_of(response.text)[:500]
    lead = db.execute(select(Lead)).scalar_one()
    assert lead.investor_id == known.id
    db.expire_all()
    assert len(db.execute(select(Investor)).scalars().all()) == 2  # nothing new in the catalogue


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_half_typed_name_is_asked_about_not_made_a_new_investor(db, signed_in, county, htmx):
    known = make_investor(db, "苏州纳维光电科技有限公司")
    client = signed_in(county.staff_a)
    headers = {"HX-Request": "true"} if htmx else {}

    # the lookup offers the catalogue's record and, since the typed name is not one, the box for a new one
    lookup = client.get("/leads/new/lookup", params={"investor_name": "纳维光电"}, headers={"HX-Request": "true"})
    assert "苏州纳维光电科技有限公司" in lookup.text and "新建客商：纳维光电" in text_of(lookup.text)
    exact = client.get("/leads/new/lookup", params={"investor_name": "苏州纳维光电科技有限公司"})
    assert "新建客商" not in text_of(exact.text)

    form = lead_form(client, investor_name="纳维光电", channel="", lead_date=YESTERDAY.isoformat())
    del form["investor_new"]
    asked = client.post("/leads/new", data=form, headers=headers)

    assert asked.status_code == 422
    page = text_of(asked.text)
    assert "客商库中没有名为“纳维光电”的客商：请从下列匹配中选择一个，或确认新建客商" in page
    assert f'name="investor_id" value="{known.id}"' in asked.text  # the record to choose
    assert "新建客商：纳维光电" in page
    assert 'id="e-channel"' in asked.text  # asked together with the other fields' problems
    assert count_leads(db) == 0
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Investor)).scalar_one() == 1

    # choosing the record saves the lead against it; nothing is added to the catalogue
    chosen = client.post("/leads/new", data=form | {"channel": "online", "investor_id": str(known.id)}, headers=headers)
    assert chosen.status_code in (200, 303), text_of(chosen.text)[:300]
    assert db.execute(select(Lead.investor_id)).scalar_one() == known.id
    assert db.execute(select(func.count()).select_from(Investor)).scalar_one() == 1


def test_a_new_investor_with_a_credit_code_is_not_asked_about(db, signed_in, county):
    client = signed_in(county.staff_a)
    form = lead_form(
        client,
        investor_name="宁波某某电器有限公司",
        investor_credit_code=credit_code(),
        lead_date=YESTERDAY.isoformat(),
    )
    del form["investor_new"]
    response = client.post("/leads/new", data=form)
    assert response.status_code == 303, text_of(response.text)[:500]
    assert db.execute(select(Investor.name)).scalar_one() == "宁波某某电器有限公司"


def test_a_new_name_that_is_a_variant_of_a_catalogue_entry_reuses_the_entry(db, signed_in, county):
    known = make_investor(db, "深圳市腾讯计算机系统有限公司")
    client = signed_in(county.staff_a)
    form = lead_form(client, investor_name="腾讯计算机系统（深圳）有限公司", lead_date=YESTERDAY.isoformat())

    response = client.post("/leads/new", data=form)

    assert response.status_code == 303, text_of(response.text)[:500]
    assert db.execute(select(Lead.investor_id)).scalar_one() == known.id


def test_a_unit_token_enters_a_lead_over_the_api(db, client, county):
    secret = make_token(db, county.town_b)
    db.commit()
    body = lead_json(intended_investment="12000.25", channel="event")

    response = client.post("/api/v1/leads", json=body, headers=bearer(secret))

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["unit_id"] == county.town_b.id
    assert created["status"] == "pending"
    assert created["channel"] == "event"
    assert Decimal(created["intended_investment"]) == Decimal("12000.25")
    again = client.get(f"/api/v1/leads/{created['id']}", headers=bearer(secret))
    assert again.status_code == 200
    assert again.json() == created
    listed = client.get("/api/v1/leads", headers=bearer(secret)).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert listed["items"][0]["investor_name"] == body["investor"]["name"]
    assert listed["items"][0]["unit_name"] == county.town_b.name


def test_unit_staff_change_a_pending_lead_but_not_a_judged_one(db, client, county):
    secret = make_token(db, county.town_a)
    lead = make_lead(db, county.town_a, contact_phone="13900000001")
    db.commit()
    body = {**lead_json(), "version": lead.version, "intended_investment": "8000", "contact_phone": "13900000002"}
    body.pop("investor")

    changed = client.patch(f"/api/v1/leads/{lead.id}", json=body, headers=bearer(secret))
    assert changed.status_code == 200, changed.text
    assert Decimal(changed.json()["intended_investment"]) == Decimal(8000)
    assert fresh(db, Lead, lead.id).contact_phone_key == "13900000002"

    stale = client.patch(f"/api/v1/leads/{lead.id}", json=body, headers=bearer(secret))
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"

    judged = fresh(db, Lead, lead.id)
    judged.status = LeadStatus.valid
    db.commit()
    body["version"] = fresh(db, Lead, lead.id).version
    refused = client.patch(f"/api/v1/leads/{lead.id}", json=body, headers=bearer(secret))
    assert refused.status_code == 422
    assert "线索已认定，不能再修改" in refused.text


# --- the duplicate warning ---------------------------------------------------------------------

# (how the same investor shows up again, the reason named in the warning)
DUPLICATE_CASES = {
    "credit_code": ("统一社会信用代码相同",),
    "name_variant": ("名称相同（规范化后）",),
    "phone": ("联系电话相同",),
}


def earlier_and_body(db, county, how: str):
    """Town B reported an investor 20 days ago; the body is town A's report of the same one."""
    code = credit_code()
    investor = make_investor(db, "深圳市腾讯计算机系统有限公司", credit_code=code, contact_phone="0755-86013388")
    earlier = make_lead(
        db, county.town_b, investor, lead_date=workdays.today() - timedelta(days=20), contact_phone="13907311234"
    )
    if how == "credit_code":  # a different name, as the licence was read out over the phone
        investor_fields = {"name": "腾讯深圳公司", "credit_code": code}
        contact = phone()
    elif how == "name_variant":  # another legal form and the place in brackets; another code
        investor_fields = {"name": "腾讯计算机系统（深圳）股份有限公司", "credit_code": credit_code()}
        contact = phone()
    else:  # an unrelated name typed, but the same contact person's mobile
        investor_fields = {"name": "鹏城数字科技有限公司"}
        contact = "+86 139-0731-1234"
    return earlier, lead_json(investor=investor_fields, contact_phone=contact)


@pytest.mark.parametrize("how", list(DUPLICATE_CASES))
def test_api_warns_of_the_same_investor_in_another_unit_and_saves_only_when_acknowledged(db, client, county, how):
    earlier, body = earlier_and_body(db, county, how)
    secret = make_token(db, county.town_a)
    db.commit()

    warned = client.post("/api/v1/leads", json=body, headers=bearer(secret))

    assert warned.status_code == 409, warned.text
    payload = warned.json()
    assert payload["code"] == "duplicate_suspected"
    assert payload["message"] == "疑似与其他单位已报的线索重复，请确认后再提交"
    [match] = payload["details"]
    assert match["unit_name"] == county.town_b.name
    assert match["lead_date"] == earlier.lead_date.isoformat()
    assert match["lead_id"] == earlier.id
    for reason in DUPLICATE_CASES[how]:
        assert reason in match["reason_text"]
    assert count_leads(db, unit_id=county.town_a.id) == 0  # nothing saved

    saved = client.post("/api/v1/leads", json={**body, "acknowledge_duplicates": True}, headers=bearer(secret))

    assert saved.status_code == 201, saved.text
    later_id = saved.json()["id"]
    pair = pair_of(db, later_id)
    assert pair.earlier_lead_id == earlier.id
    assert pair.status is DuplicateStatus.open
    assert count_leads(db, unit_id=county.town_a.id) == 1


HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("how", list(DUPLICATE_CASES))
def test_page_warns_with_the_other_unit_and_date_and_an_acknowledge_box(db, signed_in, county, how, htmx):
    """Without JavaScript the whole page comes back; with htmx only the form is swapped in."""
    earlier, body = earlier_and_body(db, county, how)
    client = signed_in(county.staff_a)
    headers = HTMX if htmx else {}
    inv = body["investor"]
    values = {
        "investor_name": inv["name"],
        "investor_credit_code": inv.get("credit_code", ""),
        "contact_phone": body["contact_phone"],
        "lead_date": YESTERDAY.isoformat(),
    }

    warned = client.post("/leads/new", data=lead_form(client, **values), headers=headers)

    assert warned.status_code == 409
    assert ("<html" in warned.text) is not htmx
    shown = text_of(warned.text)
    assert "疑似重复" in shown
    assert f"{county.town_b.name} · {earlier.lead_date.isoformat()}" in shown
    for reason in DUPLICATE_CASES[how]:
        assert reason in shown
    assert "我已核实，仍要提交" in shown
    assert 'name="acknowledge_duplicates"' in warned.text
    assert f'value="{inv["name"]}"' in warned.text  # what was typed is kept
    assert count_leads(db, unit_id=county.town_a.id) == 0

    saved = client.post("/leads/new", data=lead_form(client, **values, acknowledge_duplicates="on"), headers=headers)

    assert count_leads(db, unit_id=county.town_a.id) == 1
    lead_id = db.execute(select(Lead.id).where(Lead.unit_id == county.town_a.id)).scalar_one()
    if htmx:
        assert saved.status_code == 200 and saved.headers["hx-redirect"] == f"/leads/{lead_id}?created=1"
    else:
        assert saved.status_code == 303 and saved.headers["location"] == f"/leads/{lead_id}?created=1"


def test_the_warning_shows_while_typing_before_anything_is_submitted(db, signed_in, county):
    earlier = make_lead(
        db, county.town_b, make_investor(db, "深圳市腾讯计算机系统有限公司"), lead_date=date(2026, 3, 2)
    )
    client = signed_in(county.staff_a)

    lookup = client.get(
        "/leads/new/lookup", params={"investor_name": "腾讯计算机系统股份有限公司"}, headers={"HX-Request": "true"}
    )

    shown = text_of(lookup.text)
    assert f"{county.town_b.name}（{earlier.lead_date.isoformat()}" in shown
    assert "提交时须确认" in shown


def test_a_different_investor_is_saved_without_a_warning(db, client, county):
    make_lead(db, county.town_b, make_investor(db, "长沙银行股份有限公司"), contact_phone="13907319999")
    secret = make_token(db, county.town_a)
    db.commit()

    response = client.post(
        "/api/v1/leads", json=lead_json(investor={"name": "湖南银行股份有限公司"}), headers=bearer(secret)
    )

    assert response.status_code == 201, response.text
    db.expire_all()
    assert db.execute(select(DuplicatePair)).first() is None


def test_check_duplicates_answers_before_submitting(db, client, county):
    earlier, body = earlier_and_body(db, county, "credit_code")
    secret = make_token(db, county.town_a)
    db.commit()

    response = client.post("/api/v1/leads/check-duplicates", json=body, headers=bearer(secret))

    assert response.status_code == 200
    assert [(m["unit_name"], m["lead_date"]) for m in response.json()] == [
        (county.town_b.name, earlier.lead_date.isoformat())
    ]
    assert count_leads(db) == 1


# --- settling a suspected pair -----------------------------------------------------------------


@pytest.fixture
def reported_twice(db, client, county):
    """Town B reported an investor first; town A later, acknowledging the warning. Both valid, this month."""
    investor = make_investor(db, "浙江绿源食品集团有限公司", credit_code=credit_code())
    earlier = make_lead(db, county.town_b, investor, lead_date=workdays.today().replace(day=1), status=LeadStatus.valid)
    secret = make_token(db, county.town_a)
    db.commit()
    body = lead_json(investor_id=investor.id, lead_date=workdays.today().isoformat(), acknowledge_duplicates=True)
    response = client.post("/api/v1/leads", json=body, headers=bearer(secret))
    assert response.status_code == 201, response.text
    later = fresh(db, Lead, response.json()["id"])
    later.status = LeadStatus.valid
    db.commit()
    return earlier, fresh(db, Lead, later.id), pair_of(db, later.id)


def settle_form(client, pair, mode: str, decision: str = "同一客商，经核实先报单位首次接触", **shares: str):
    csrf = csrf_from(client.get("/leads/duplicates/queue").text)
    return {"csrf_token": csrf, "version": str(pair.version), "mode": mode, "decision": decision, **shares}


def test_the_bureau_sees_every_suspected_pair_with_both_units(db, signed_in, county, reported_twice):
    earlier, later, _pair = reported_twice
    client = signed_in(county.coordinator)

    page = client.get("/leads/duplicates/queue")

    assert page.status_code == 200
    shown = text_of(page.text)
    assert "共 1 对" in shown
    assert f"{county.town_b.name} · {earlier.lead_date.isoformat()}" in shown
    assert f"{county.town_a.name} · {later.lead_date.isoformat()}" in shown
    assert "同一客商" in shown


def test_credit_to_one_unit_merges_the_later_lead_which_then_counts_for_nobody(db, signed_in, county, reported_twice):
    earlier, later, pair = reported_twice
    client = signed_in(county.coordinator)

    response = client.post(f"/leads/duplicates/{pair.id}", data=settle_form(client, pair, f"unit:{county.town_b.id}"))

    assert response.status_code == 303, text_of(response.text)[:500]
    assert fresh(db, DuplicatePair, pair.id).status is DuplicateStatus.settled
    assert fresh(db, Lead, later.id).duplicate_of_id == earlier.id
    assert leads.credits(db, fresh(db, Lead, earlier.id)) == [(county.town_b.id, Decimal(100))]
    assert leads.credits(db, fresh(db, Lead, later.id)) == []
    detail = text_of(client.get(f"/leads/{later.id}").text)
    assert f"并入 #{earlier.id}" in detail and "不计（已并入）" in detail
    settled = text_of(client.get("/leads/duplicates/queue?status=settled").text)
    assert "同一客商，经核实先报单位首次接触" in settled


def test_credit_to_the_later_unit_moves_the_whole_credit(db, signed_in, county, reported_twice):
    earlier, later, pair = reported_twice
    client = signed_in(county.coordinator)

    response = client.post(f"/leads/duplicates/{pair.id}", data=settle_form(client, pair, f"unit:{county.town_a.id}"))

    assert response.status_code == 303, text_of(response.text)[:500]
    assert credits_of(db, earlier.id) == {county.town_a.id: Decimal(100)}
    assert fresh(db, Lead, later.id).duplicate_of_id == earlier.id


@pytest.mark.parametrize(("share_b", "share_a"), [("50", "50"), ("70", "30"), ("33.5", "66.5")])
def test_credit_in_shares_summing_to_100(db, signed_in, county, reported_twice, share_b, share_a):
    earlier, later, pair = reported_twice
    client = signed_in(county.coordinator)
    shares = {f"share_{county.town_b.id}": share_b, f"share_{county.town_a.id}": share_a}

    response = client.post(f"/leads/duplicates/{pair.id}", data=settle_form(client, pair, "split", **shares))

    assert response.status_code == 303, text_of(response.text)[:500]
    assert credits_of(db, earlier.id) == {county.town_b.id: Decimal(share_b), county.town_a.id: Decimal(share_a)}
    assert fresh(db, Lead, later.id).duplicate_of_id == earlier.id
    detail = text_of(client.get(f"/leads/{earlier.id}").text)
    assert f"{county.town_b.name} {Decimal(share_b):,.0f}%" in detail


@pytest.mark.parametrize(("share_b", "share_a"), [("60", "30"), ("70", "40"), ("100", "")])
def test_shares_not_summing_to_100_are_refused(db, signed_in, county, reported_twice, share_b, share_a):
    earlier, later, pair = reported_twice
    client = signed_in(county.coordinator)
    shares = {f"share_{county.town_b.id}": share_b, f"share_{county.town_a.id}": share_a}

    response = client.post(f"/leads/duplicates/{pair.id}", data=settle_form(client, pair, "split", **shares))

    if share_a == "":  # one unit at 100% is allowed: the same as crediting that unit
        assert response.status_code == 303
        return
    assert response.status_code == 422
    assert "各单位份额合计须为 100%" in text_of(response.text)
    # what the coordinator chose and typed is still there to correct
    assert f'name="share_{county.town_b.id}" value="{share_b}"' in response.text
    assert 'value="split" checked' in response.text
    assert "同一客商，经核实先报单位首次接触</textarea>" in response.text
    assert fresh(db, DuplicatePair, pair.id).status is DuplicateStatus.open
    assert fresh(db, Lead, later.id).duplicate_of_id is None
    assert credits_of(db, earlier.id) == {}


@pytest.mark.parametrize("mode", ["unit", "split"])
def test_a_unit_outside_the_pair_gets_no_credit(db, signed_in, county, reported_twice, mode):
    earlier, _later, pair = reported_twice
    client = signed_in(county.coordinator)
    if mode == "unit":
        form = settle_form(client, pair, f"unit:{county.town_c.id}")
    else:
        form = settle_form(
            client, pair, "split", **{f"share_{county.town_b.id}": "50", f"share_{county.town_c.id}": "50"}
        )

    response = client.post(f"/leads/duplicates/{pair.id}", data=form)

    assert response.status_code == 422
    assert "功劳只能分给报送这条线索的单位" in text_of(response.text)
    assert fresh(db, DuplicatePair, pair.id).status is DuplicateStatus.open
    assert credits_of(db, earlier.id) == {}


def test_a_decision_needs_a_reason(db, signed_in, county, reported_twice):
    _earlier, later, pair = reported_twice
    client = signed_in(county.coordinator)

    response = client.post(
        f"/leads/duplicates/{pair.id}", data=settle_form(client, pair, f"unit:{county.town_b.id}", decision="")
    )

    assert response.status_code == 422
    assert fresh(db, Lead, later.id).duplicate_of_id is None


def test_not_the_same_investor_keeps_both_leads_counting(db, signed_in, county, reported_twice):
    _earlier, later, pair = reported_twice
    client = signed_in(county.coordinator)

    response = client.post(
        f"/leads/duplicates/{pair.id}",
        data=settle_form(client, pair, "dismiss", decision="集团下属不同子公司，各自计数"),
    )

    assert response.status_code == 303
    assert fresh(db, DuplicatePair, pair.id).status is DuplicateStatus.dismissed
    assert fresh(db, Lead, later.id).duplicate_of_id is None
    assert leads.credits(db, fresh(db, Lead, later.id)) == [(county.town_a.id, Decimal(100))]


def test_a_settled_pair_cannot_be_settled_again(db, signed_in, county, reported_twice):
    earlier, _later, pair = reported_twice
    client = signed_in(county.coordinator)
    first = client.post(f"/leads/duplicates/{pair.id}", data=settle_form(client, pair, f"unit:{county.town_b.id}"))
    assert first.status_code == 303
    settled = fresh(db, DuplicatePair, pair.id)

    again = client.post(f"/leads/duplicates/{pair.id}", data=settle_form(client, settled, f"unit:{county.town_a.id}"))

    assert again.status_code == 422
    assert credits_of(db, earlier.id) == {}  # still the earlier unit's alone


def quota_of(client, secret, unit_id):
    response = client.get(f"/api/v1/units/{unit_id}/lead-quota", headers=bearer(secret))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_same_investor_counts_once_towards_the_quota(db, client, signed_in, county, reported_twice):
    _earlier, _later, pair = reported_twice
    reader = make_token(db, None, read_only=True)
    db.commit()
    # before settling, each unit has its own valid lead this month
    assert quota_of(client, reader, county.town_a.id)["this_month"]["count"] == 1
    assert quota_of(client, reader, county.town_b.id)["this_month"]["count"] == 1

    coordinator = signed_in(county.coordinator)
    settled = coordinator.post(
        f"/leads/duplicates/{pair.id}", data=settle_form(coordinator, pair, f"unit:{county.town_b.id}")
    )
    assert settled.status_code == 303

    assert quota_of(client, reader, county.town_a.id)["this_month"]["count"] == 0  # the merged lead counts for nobody
    assert quota_of(client, reader, county.town_b.id)["this_month"]["count"] == 1
    credited = leads.credited_valid_leads(db, workdays.today().year)
    assert sorted((u, s) for u, _d, s in credited) == [(county.town_b.id, Decimal(100))]


def test_shared_credit_counts_the_lead_for_both_units_once(db, client, signed_in, county, reported_twice):
    _earlier, _later, pair = reported_twice
    reader = make_token(db, None, read_only=True)
    coordinator = signed_in(county.coordinator)
    shares = {f"share_{county.town_b.id}": "70", f"share_{county.town_a.id}": "30"}
    assert (
        coordinator.post(
            f"/leads/duplicates/{pair.id}", data=settle_form(coordinator, pair, "split", **shares)
        ).status_code
        == 303
    )

    credited = leads.credited_valid_leads(db, workdays.today().year)
    assert sorted((u, s) for u, _d, s in credited) == sorted(
        [(county.town_b.id, Decimal(70)), (county.town_a.id, Decimal(30))]
    )
    assert sum(s for _u, _d, s in credited) == Decimal(100)  # one lead, not two
    assert quota_of(client, reader, county.town_a.id)["this_month"]["count"] == 1
    assert quota_of(client, reader, county.town_b.id)["this_month"]["count"] == 1


# --- the coordinator's judgement ---------------------------------------------------------------


def judge_form(client, lead, status: str, reason: str = ""):
    csrf = csrf_from(client.get(f"/leads/{lead.id}").text)
    return {"csrf_token": csrf, "version": str(lead.version), "status": status, "reason": reason}


def test_the_bureau_marks_a_lead_valid(db, signed_in, county):
    lead = make_lead(db, county.town_a)
    client = signed_in(county.coordinator)

    response = client.post(f"/leads/{lead.id}/judge", data=judge_form(client, lead, "valid", "客商有明确投资意向"))

    assert response.status_code == 303, text_of(response.text)[:400]
    judged = fresh(db, Lead, lead.id)
    assert judged.status is LeadStatus.valid
    assert judged.judged_by_id == county.coordinator.id
    assert judged.judged_at is not None
    shown = text_of(client.get(f"/leads/{lead.id}").text)
    assert "有效" in shown and "客商有明确投资意向" in shown


def test_marking_a_lead_invalid_needs_a_reason(db, signed_in, county):
    lead = make_lead(db, county.town_a)
    client = signed_in(county.coordinator)

    refused = client.post(f"/leads/{lead.id}/judge", data=judge_form(client, lead, "invalid", ""))

    assert refused.status_code == 422
    assert "认定无效须说明理由" in text_of(refused.text)
    assert fresh(db, Lead, lead.id).status is LeadStatus.pending
    # the choice is kept: typing the reason and saving again marks it invalid, never valid
    assert '<option value="invalid" selected>无效</option>' in refused.text
    assert '<option value="valid" selected>' not in refused.text

    done = client.post(
        f"/leads/{lead.id}/judge", data=judge_form(client, lead, "invalid", "联系人无法联系，信息无法核实")
    )

    assert done.status_code == 303
    judged = fresh(db, Lead, lead.id)
    assert judged.status is LeadStatus.invalid
    assert judged.status_reason == "联系人无法联系，信息无法核实"
    # the unit sees the verdict and the reason on its lead
    own = text_of(signed_in(county.staff_a).get(f"/leads/{lead.id}").text)
    assert "无效" in own and "联系人无法联系，信息无法核实" in own


def test_a_stale_judgement_is_refused(db, signed_in, county):
    lead = make_lead(db, county.town_a)
    client = signed_in(county.coordinator)
    form = judge_form(client, lead, "valid")
    assert client.post(f"/leads/{lead.id}/judge", data=form).status_code == 303

    again = client.post(f"/leads/{lead.id}/judge", data={**form, "status": "invalid", "reason": "重复"})

    assert again.status_code == 409
    assert fresh(db, Lead, lead.id).status is LeadStatus.valid


# --- the monthly quota -------------------------------------------------------------------------


def test_missed_months_are_the_closed_months_without_a_valid_lead(db, county):
    """With quota 1 on 15 June: valid leads in January, February and April; March's only lead was
    judged invalid, May's is still pending, so March and May are missed; June is still open."""
    year = workdays.today().year
    a = county.town_a
    make_lead(db, a, lead_date=date(year, 1, 10), status=LeadStatus.valid)
    make_lead(db, a, lead_date=date(year, 2, 28), status=LeadStatus.valid)
    make_lead(db, a, lead_date=date(year, 3, 3), status=LeadStatus.invalid)
    make_lead(db, a, lead_date=date(year, 4, 1), status=LeadStatus.valid)
    make_lead(db, a, lead_date=date(year, 4, 30), status=LeadStatus.valid)
    make_lead(db, a, lead_date=date(year, 5, 20), status=LeadStatus.pending)
    make_lead(db, a, lead_date=date(year - 1, 5, 20), status=LeadStatus.valid)  # last year does not count
    make_lead(db, county.town_b, lead_date=date(year, 5, 20), status=LeadStatus.valid)  # another unit's
    principal = Principal(role=Role.unit_staff, unit_id=a.id, label="test", user_id=county.staff_a.id)

    standing = leads.quota_standing(db, principal, a.id, today=date(year, 6, 15))

    assert standing["quota"] == 1
    assert [m["count"] for m in standing["months"]] == [1, 1, 0, 2, 0, 0]
    assert standing["missed"] == [3, 5]
    assert standing["this_month"] == {"month": 6, "count": 0, "quota": 1, "met": False, "closed": False}


def test_a_unit_sees_its_missed_months_on_the_lead_list(db, client, signed_in, county):
    today = workdays.today()
    closed = list(range(1, today.month))
    for month in closed[::2]:  # valid leads in every other closed month
        make_lead(db, county.town_a, lead_date=date(today.year, month, 5), status=LeadStatus.valid)
    make_lead(db, county.town_a, lead_date=today, status=LeadStatus.valid)
    expected_missed = closed[1::2]
    secret = make_token(db, county.town_a)
    db.commit()

    standing = quota_of(client, secret, county.town_a.id)
    assert standing["missed"] == expected_missed
    assert standing["this_month"]["count"] == 1 and standing["this_month"]["met"] is True

    shown = text_of(signed_in(county.staff_a).get("/leads").text)
    assert f"{today.year} 年有效线索任务（每月 1 条）" in shown
    if expected_missed:
        assert "未完成的月份：" + "、".join(f"{m} 月" for m in expected_missed) in shown
    else:
        assert "此前各月均已完成" in shown


def test_a_per_unit_override_changes_that_units_quota_only(db, client, signed_in, county):
    today = workdays.today()
    for unit in (county.town_a, county.town_b):
        make_lead(db, unit, lead_date=today, status=LeadStatus.valid)
    reader = make_token(db, None, read_only=True)
    coordinator = signed_in(county.coordinator)
    csrf = csrf_from(coordinator.get("/admin/settings").text)

    saved = coordinator.post(
        "/admin/settings",
        data={"csrf_token": csrf, "override_unit_id": str(county.town_a.id), "override_quota": "2"},
    )

    assert saved.status_code == 303, text_of(saved.text)[:400]
    a = quota_of(client, reader, county.town_a.id)
    b = quota_of(client, reader, county.town_b.id)
    assert a["quota"] == 2 and a["this_month"]["met"] is False
    assert b["quota"] == 1 and b["this_month"]["met"] is True
    assert f"{county.town_a.name}：每月 2 条" in text_of(coordinator.get("/admin/settings").text)
    assert "每月 2 条" in text_of(signed_in(county.staff_a).get("/leads").text)


def test_the_default_quota_is_a_setting(db, client, signed_in, county):
    make_lead(db, county.town_a, lead_date=workdays.today(), status=LeadStatus.valid)
    reader = make_token(db, None, read_only=True)
    coordinator = signed_in(county.coordinator)
    csrf = csrf_from(coordinator.get("/admin/settings").text)

    assert coordinator.post("/admin/settings", data={"csrf_token": csrf, "lead_monthly_quota": "3"}).status_code == 303
    assert quota_of(client, reader, county.town_a.id)["quota"] == 3

    refused = coordinator.post("/admin/settings", data={"csrf_token": csrf, "lead_monthly_quota": "-1"})
    assert refused.status_code == 422
    assert "数值超出范围" in text_of(refused.text)
    assert quota_of(client, reader, county.town_a.id)["quota"] == 3


# --- the first-report registry -----------------------------------------------------------------


def test_first_unit_holds_a_large_project_and_a_later_claim_is_decided_by_the_bureau(db, client, signed_in, county):
    investor = make_investor(db, "中建材新能源科技有限公司", credit_code=credit_code())
    token_b = make_token(db, county.town_b)
    token_a = make_token(db, county.town_a)
    db.commit()

    first = client.post(
        "/api/v1/leads",
        json=lead_json(investor_id=investor.id, intended_investment="150000", project_name="光伏组件生产基地"),
        headers=bearer(token_b),
    )
    assert first.status_code == 201, first.text
    registry = client.get("/api/v1/registry", headers=bearer(token_a)).json()
    [entry] = registry["items"]
    assert entry["holder_unit_id"] == county.town_b.id
    assert entry["holder_name"] == county.town_b.name
    assert entry["status"] == "held"
    assert entry["claims"] == []

    second = client.post(
        "/api/v1/leads",
        json=lead_json(
            investor_id=investor.id,
            intended_investment="120000",
            content="3 月在上海总部首次拜访并提交投资建议书。",
            acknowledge_duplicates=True,
        ),
        headers=bearer(token_a),
    )
    assert second.status_code == 201, second.text
    [entry] = client.get("/api/v1/registry", headers=bearer(token_a)).json()["items"]
    assert entry["holder_unit_id"] == county.town_b.id  # the first unit still holds it
    assert entry["status"] == "disputed"
    [claim] = entry["claims"]
    assert claim["claimant_unit_id"] == county.town_a.id
    assert claim["claimant_name"] == county.town_a.name
    assert claim["status"] == "open"

    coordinator = signed_in(county.coordinator)
    page = coordinator.get("/registry")
    assert "有争议" in text_of(page.text)
    assert "3 月在上海总部首次拜访并提交投资建议书" in text_of(page.text)
    claim_row = db.get(RegistryClaim, claim["id"])
    form = {
        "csrf_token": csrf_from(page.text),
        "version": str(claim_row.version),
        "winner_unit_id": str(county.town_a.id),
    }

    no_reason = coordinator.post(f"/registry/claims/{claim['id']}", data={**form, "reason": ""})
    assert no_reason.status_code == 422
    assert f'<option value="{county.town_a.id}" selected>改归：{county.town_a.name}</option>' in no_reason.text
    assert fresh(db, RegistryEntry, entry["id"]).holder_unit_id == county.town_b.id

    decided = coordinator.post(
        f"/registry/claims/{claim['id']}", data={**form, "reason": "驻点分队首谈在先，有拜访记录为证"}
    )

    assert decided.status_code == 303, text_of(decided.text)[:400]
    held = fresh(db, RegistryEntry, entry["id"])
    assert held.holder_unit_id == county.town_a.id
    assert held.status is RegistryStatus.held
    settled = fresh(db, RegistryClaim, claim["id"])
    assert settled.status is DisputeStatus.decided
    assert settled.winner_unit_id == county.town_a.id
    assert settled.decision_reason == "驻点分队首谈在先，有拜访记录为证"
    assert settled.decided_by_id == county.coordinator.id
    shown = text_of(coordinator.get("/registry").text)
    assert f"首报单位： {county.town_a.name}" in shown or f"首报单位：{county.town_a.name}" in shown
    assert f"已裁定：归 {county.town_a.name}。理由：驻点分队首谈在先，有拜访记录为证" in shown


def test_the_bureau_may_keep_the_first_unit(db, client, signed_in, county):
    investor = make_investor(db, "温州正泰电气股份有限公司")
    for unit in (county.town_b, county.town_a):
        make_lead(db, unit, investor)
    first = make_lead(db, county.town_b, investor, intended_investment=Decimal(200000))
    entry = RegistryEntry(
        investor_id=investor.id,
        lead_id=first.id,
        project_name="正泰智能电气产业园",
        intended_investment=Decimal(200000),
        holder_unit_id=county.town_b.id,
        registered_at=first.created_at,
        status=RegistryStatus.disputed,
    )
    db.add(entry)
    db.flush()
    claim = RegistryClaim(entry_id=entry.id, claimant_unit_id=county.town_a.id, claimed_at=first.created_at)
    db.add(claim)
    coordinator = signed_in(county.coordinator)
    csrf = csrf_from(coordinator.get("/registry").text)

    response = coordinator.post(
        f"/registry/claims/{claim.id}",
        data={"csrf_token": csrf, "version": "1", "winner_unit_id": str(county.town_b.id), "reason": "首报属实"},
    )

    assert response.status_code == 303
    assert fresh(db, RegistryEntry, entry.id).holder_unit_id == county.town_b.id
    assert fresh(db, RegistryEntry, entry.id).status is RegistryStatus.held
    assert "维持首报单位" in text_of(coordinator.get("/registry").text)


def test_a_third_unit_cannot_be_given_the_project(db, signed_in, county):
    investor = make_investor(db, "中国能建湖南电力工程有限公司")
    lead = make_lead(db, county.town_b, investor)
    entry = RegistryEntry(
        investor_id=investor.id,
        lead_id=lead.id,
        project_name="储能电站",
        intended_investment=Decimal(100000),
        holder_unit_id=county.town_b.id,
        registered_at=lead.created_at,
        status=RegistryStatus.disputed,
    )
    db.add(entry)
    db.flush()
    claim = RegistryClaim(entry_id=entry.id, claimant_unit_id=county.town_a.id, claimed_at=lead.created_at)
    db.add(claim)
    coordinator = signed_in(county.coordinator)
    csrf = csrf_from(coordinator.get("/registry").text)

    response = coordinator.post(
        f"/registry/claims/{claim.id}",
        data={"csrf_token": csrf, "version": "1", "winner_unit_id": str(county.town_c.id), "reason": "另行安排"},
    )

    assert response.status_code == 422
    assert "只能裁定给首报单位或提出争议的单位" in text_of(response.text)
    assert fresh(db, RegistryEntry, entry.id).holder_unit_id == county.town_b.id


def test_projects_below_the_threshold_are_not_registered_and_the_threshold_is_a_setting(db, client, county):
    secret = make_token(db, county.town_a)
    db.commit()

    below = client.post("/api/v1/leads", json=lead_json(intended_investment="99999.99"), headers=bearer(secret))
    assert below.status_code == 201
    assert client.get("/api/v1/registry", headers=bearer(secret)).json()["total"] == 0

    set_setting(db, "large_project_threshold", "50000")
    db.commit()
    above = client.post("/api/v1/leads", json=lead_json(intended_investment="50000"), headers=bearer(secret))
    assert above.status_code == 201
    registry = client.get("/api/v1/registry", headers=bearer(secret)).json()
    assert registry["total"] == 1
    assert registry["items"][0]["lead_id"] == above.json()["id"]


# --- export ------------------------------------------------------------------------------------


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "日期", "单位", "客商")
    return rows[1:]


@pytest.fixture
def some_leads(db, county):
    today = workdays.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=3)
    made = [
        make_lead(db, county.town_a, channel=Channel.door_knocking, lead_date=today, status=LeadStatus.valid),
        make_lead(db, county.town_a, channel=Channel.door_knocking, lead_date=last_month),
        make_lead(db, county.town_a, channel=Channel.online, lead_date=today, industry="生物医药"),
        make_lead(db, county.town_b, channel=Channel.door_knocking, lead_date=today, status=LeadStatus.invalid),
        make_lead(db, county.town_b, channel=Channel.event, lead_date=last_month, industry="生物医药"),
    ]
    db.commit()
    return made, today.strftime("%Y-%m")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, 5),
        ({"channel": "door_knocking"}, 3),
        ({"channel": "door_knocking", "unit_id": "A"}, 2),
        ({"status": "valid"}, 1),
        ({"status": "invalid", "channel": "door_knocking"}, 1),
        ({"industry": "生物"}, 2),
        ({"month": "this"}, 3),
        ({"unit_id": "B", "month": "this"}, 1),
        # the filter form sends every field, blanks included (全部)
        ({"unit_id": "", "channel": "", "status": "", "industry": "", "month": "", "q": ""}, 5),
    ],
)
def test_export_holds_the_same_rows_as_the_filtered_list(db, signed_in, county, some_leads, query, expected):
    made, this_month = some_leads
    units = {"A": str(county.town_a.id), "B": str(county.town_b.id)}
    params = {k: units.get(v, v) if k == "unit_id" else (this_month if v == "this" else v) for k, v in query.items()}
    client = signed_in(county.coordinator)

    listed = client.get("/leads", params=params)
    rows = workbook_rows(client.get("/leads.xlsx", params=params))

    assert listed.status_code == 200
    assert f"共 {expected} 条" in text_of(listed.text)
    assert len(rows) == expected
    made_ids = {lead.id for lead in made}
    assert {row[0] for row in rows} <= made_ids


def test_export_cells_are_typed_for_excel(db, signed_in, county):
    lead = make_lead(db, county.town_a, intended_investment=Decimal("12345.67"), lead_date=date(2026, 5, 4))
    client = signed_in(county.coordinator)

    [row] = workbook_rows(client.get("/leads.xlsx"))

    assert row[0] == lead.id
    assert row[1].date() == date(2026, 5, 4)
    assert row[2] == county.town_a.name
    assert row[4] == "敲门招商"
    assert row[7] == pytest.approx(12345.67)
    assert row[12] == "待认定"


def test_unit_staff_export_only_their_own_units_leads(db, signed_in, county, some_leads):
    client = signed_in(county.staff_b)

    everything = workbook_rows(client.get("/leads.xlsx"))
    asked_for_a = workbook_rows(client.get("/leads.xlsx", params={"unit_id": county.town_a.id}))

    assert len(everything) == 2
    assert {row[2] for row in everything} == {county.town_b.name}
    assert asked_for_a == []


# --- retries over the API ----------------------------------------------------------------------


def test_a_retried_post_with_the_same_idempotency_key_creates_one_lead(db, client, county):
    secret = make_token(db, county.town_a)
    db.commit()
    body = lead_json()
    headers = {**bearer(secret), "Idempotency-Key": f"lead-{uuid.uuid4().hex}"}

    first = client.post("/api/v1/leads", json=body, headers=headers)
    again = client.post("/api/v1/leads", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert count_leads(db) == 1
    db.expire_all()
    assert db.execute(select(DuplicatePair)).first() is None  # the retry did not warn about itself

    other_body = client.post("/api/v1/leads", json={**body, "content": "另一条"}, headers=headers)
    assert other_body.status_code == 422
    assert count_leads(db) == 1

    new_key = client.post(
        "/api/v1/leads", json=body, headers={**bearer(secret), "Idempotency-Key": f"lead-{uuid.uuid4().hex}"}
    )
    assert new_key.status_code == 409  # a genuinely new submission of the same lead is a suspected duplicate
    assert new_key.json()["code"] == "duplicate_suspected"


def test_filtering_with_htmx_swaps_in_the_results_only(db, signed_in, county, some_leads):
    client = signed_in(county.coordinator)

    fragment = client.get("/leads", params={"channel": "door_knocking"}, headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.count('id="results"') == 1  # replaces the old results, never nests inside them
    assert "共 3 条" in text_of(fragment.text)
    assert "/leads.xlsx?channel=door_knocking" in fragment.text  # the export carries the same filters
