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
