"""首报首谈: a unit registers a large project on the evidence of its own lead only; another unit's
lead is answered as if it did not exist, on the page and over the API, and nothing is registered."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.lead import RegistryClaim, RegistryEntry
from tests.conftest import csrf_from
from tests.factories import bearer, make_token
from tests.leads.conftest import text_of
from tests.leads.factories import make_investor, make_lead

NOT_FOUND = "找不到该线索"


def registry_rows(db: Session) -> tuple[int, int]:
    db.expire_all()
    return (
        db.execute(select(func.count()).select_from(RegistryEntry)).scalar_one(),
        db.execute(select(func.count()).select_from(RegistryClaim)).scalar_one(),
    )


def test_the_api_refuses_another_units_lead_as_if_it_did_not_exist(db, client, county):
    investor = make_investor(db, "远景能源科技有限公司")
    theirs = make_lead(db, county.town_b, investor, intended_investment=Decimal(5000))
    mine = make_lead(db, county.town_a, investor, intended_investment=Decimal(5000))
    other_investor = make_lead(db, county.town_a, make_investor(db, "别的客商有限公司"))
    token = make_token(db, county.town_a)
    db.commit()
    body = {"investor_id": investor.id, "project_name": "储能电池基地", "intended_investment": "150000"}

    answers = []
    for lead_id in (theirs.id, theirs.id + 100_000):  # another unit's lead, and one that does not exist
        refused = client.post("/api/v1/registry", json={**body, "lead_id": lead_id}, headers=bearer(token))
        assert refused.status_code == 422, refused.text
        answer = refused.json()
        assert answer["code"] == "validation_error" and answer["field"] == "lead_id"
        assert NOT_FOUND in answer["details"][0]["message"]
        answers.append(answer)
    assert answers[0] == answers[1]  # the same answer whether the lead exists or not: nothing leaks
    wrong = client.post("/api/v1/registry", json={**body, "lead_id": other_investor.id}, headers=bearer(token))
    assert wrong.status_code == 422 and wrong.json()["field"] == "lead_id"
    assert registry_rows(db) == (0, 0)

    accepted = client.post("/api/v1/registry", json={**body, "lead_id": mine.id}, headers=bearer(token))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["entry"]["lead_id"] == mine.id


def test_the_page_shows_the_refusal_next_to_the_lead_field_and_keeps_what_was_typed(db, signed_in, county):
    investor = make_investor(db, "远景能源科技有限公司")
    theirs = make_lead(db, county.town_b, investor, intended_investment=Decimal(5000))
    clerk = signed_in(county.staff_a)
    form = {
        "csrf_token": csrf_from(clerk.get("/registry").text),
        "investor_id": str(investor.id),
        "project_name": "储能电池基地",
        "intended_investment": "150000",
        "lead_id": str(theirs.id),
    }

    for headers in ({}, {"HX-Request": "true"}):
        refused = clerk.post("/registry", data=form, headers=headers)
        assert refused.status_code == 422, refused.text[:500]
        assert 'id="e-lead_id"' in refused.text and NOT_FOUND in text_of(refused.text)
        assert 'value="储能电池基地"' in refused.text  # what was typed is kept
    assert registry_rows(db) == (0, 0)


def test_the_form_picks_the_investor_by_name_and_offers_only_the_units_own_leads(db, signed_in, county):
    investor = make_investor(db, "远景能源科技有限公司")
    theirs = make_lead(db, county.town_b, investor, project_name="他镇的储能项目")
    mine = make_lead(db, county.town_a, investor, project_name="本镇的储能项目")
    clerk = signed_in(county.staff_a)

    page = clerk.get("/registry")
    assert 'name="investor_name"' in page.text and "客商编号" not in text_of(page.text)
    assert "线索编号" not in text_of(page.text)
    lookup = clerk.get("/registry/lookup", params={"investor_name": "远景能源"}, headers={"HX-Request": "true"})
    assert f"/registry/investor?id={investor.id}" in lookup.text

    picked = clerk.get(f"/registry/investor?id={investor.id}", headers={"HX-Request": "true"})
    assert f'name="investor_id" value="{investor.id}"' in picked.text
    assert f'<option value="{mine.id}"' in picked.text and "本镇的储能项目" in picked.text
    assert f'<option value="{theirs.id}"' not in picked.text and "他镇的储能项目" not in picked.text

    # a half-typed name is asked about; nothing is registered or added to the catalogue
    form = {
        "csrf_token": csrf_from(page.text),
        "investor_name": "远景",
        "project_name": "储能电池基地",
        "intended_investment": "150000",
    }
    asked = clerk.post("/registry", data=form)
    assert asked.status_code == 422
    assert "请从下列匹配中选择一个" in text_of(asked.text)
    assert f'name="investor_id" value="{investor.id}"' in asked.text
    assert registry_rows(db) == (0, 0)

    # the exact name is the record itself
    saved = clerk.post("/registry", data=form | {"investor_name": "远景能源科技有限公司", "lead_id": str(mine.id)})
    assert saved.status_code == 303, text_of(saved.text)[:400]
    db.expire_all()
    entry = db.execute(select(RegistryEntry)).scalar_one()
    assert (entry.investor_id, entry.lead_id) == (investor.id, mine.id)


def test_a_lead_above_the_threshold_not_yet_registered_opens_the_form_started_from_it(db, signed_in, county):
    investor = make_investor(db, "远景能源科技有限公司")
    lead = make_lead(
        db, county.town_a, investor, project_name="储能电池基地", intended_investment=Decimal(150000)
    )  # made directly, so nothing was registered on its entry
    clerk = signed_in(county.staff_a)

    detail = clerk.get(f"/leads/{lead.id}")
    assert f'href="/registry?lead_id={lead.id}#register"' in detail.text
    form = clerk.get(f"/registry?lead_id={lead.id}")
    assert '<details class="card no-print" id="register" open>' in form.text
    assert f'name="investor_id" value="{investor.id}"' in form.text
    assert f'<option value="{lead.id}" selected' in form.text
    assert 'value="储能电池基地"' in form.text and 'value="150000' in form.text

    other = signed_in(county.staff_b)
    assert f"/registry?lead_id={lead.id}" not in other.get(f"/leads/{lead.id}").text
    assert other.get(f"/registry?lead_id={lead.id}").status_code == 404
