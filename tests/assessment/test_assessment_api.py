"""The assessment over the API and the pages: the bureau sets the scheme (422 in Chinese on weights that do
not add up, 409 on a stale version), records an assessor's paper scores and a bonus once per Idempotency-Key;
a unit sees only its own result before publication, and another unit's is not found."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.assessment import AssessmentAdjustment
from app.schemas.assessment import SchemeIn
from app.scopes import TokenRole
from app.services import workdays
from tests.assessment.conftest import County, text_of
from tests.conftest import csrf_from
from tests.factories import bearer, make_token

YEAR = workdays.today().year
SCHEME = {k: v for k, v in SchemeIn.model_json_schema()["examples"][0].items() if k != "version"}


@pytest.fixture
def bureau(db: Session, county: County) -> dict[str, str]:
    headers = bearer(make_token(db, county.bureau, role=TokenRole.coordinator, scopes=["read", "targets"]))
    db.commit()
    return headers


def test_the_bureau_sets_the_scheme_scores_and_bonuses(
    db: Session, county: County, client: TestClient, bureau: dict[str, str]
) -> None:
    wrong = client.put(f"/api/v1/assessment/{YEAR}/scheme", json=SCHEME | {"qualitative_weight": "40"}, headers=bureau)
    assert wrong.status_code == 422 and "100" in wrong.json()["message"]
    made = client.put(f"/api/v1/assessment/{YEAR}/scheme", json=SCHEME, headers=bureau)
    assert made.status_code == 200, made.text
    version = made.json()["version"]
    stale = client.put(f"/api/v1/assessment/{YEAR}/scheme", json=SCHEME | {"version": version + 3}, headers=bureau)
    assert stale.status_code == 409

    scores = {
        "assessor_id": county.leader.id,
        "scores": [{"item": "service", "score": "88", "reason": "企业诉求办结及时"}],
    }
    sent = client.post(f"/api/v1/assessment/{YEAR}/units/{county.town.id}/scores", json=scores, headers=bureau)
    assert sent.status_code == 200, sent.text
    assert sent.json()[0]["assessor_name"] == "王县长" and sent.json()[0]["score"] == "88.00"

    key = bureau | {"Idempotency-Key": "assessment-bonus-0001"}
    bonus = {"kind": "bonus", "points": "2", "reason": "引进 500 强企业项目", "basis": "领导小组〔2026〕8 号"}
    for _ in range(2):
        answer = client.post(f"/api/v1/assessment/{YEAR}/units/{county.town.id}/adjustments", json=bonus, headers=key)
        assert answer.status_code == 201, answer.text
    db.expire_all()
    assert db.execute(select(func.count()).select_from(AssessmentAdjustment)).scalar_one() == 1

    result = client.get(f"/api/v1/assessment/{YEAR}/units/{county.town.id}", headers=bureau).json()
    assert result["bonus"] == "2.00"
    assert any(ln["section"] == "qualitative" and ln["figure"] == "1 位评分人平均 88.00 分" for ln in result["lines"])


def test_a_unit_sees_its_own_result_only_until_publication(
    db: Session, county: County, client: TestClient, signed_in
) -> None:
    town = bearer(make_token(db, county.town))
    db.commit()
    listed = client.get(f"/api/v1/assessment/{YEAR}", headers=town).json()
    assert [r["unit_id"] for r in listed["results"]] == [county.town.id]
    assert client.get(f"/api/v1/assessment/{YEAR}/units/{county.other.id}", headers=town).status_code == 404

    page = signed_in(county.clerk)
    own = page.get(f"/assessment/{YEAR}/units/{county.town.id}")
    assert own.status_code == 200 and "定量" in text_of(own.text)
    assert "保存评分" not in own.text and 'id="adjustment-form"' not in own.text  # neither assessor nor bureau
    assert page.get(f"/assessment/{YEAR}/units/{county.other.id}").status_code == 404
    board = page.get("/assessment")
    assert county.town.name in board.text and county.other.name not in board.text


def test_an_assessor_scores_on_the_page_and_a_bad_score_keeps_what_was_typed(
    db: Session, county: County, signed_in
) -> None:
    leader = signed_in(county.leader)
    page = leader.get(f"/assessment/{YEAR}/units/{county.town.id}")
    assert "保存评分" in page.text
    form = {"csrf_token": csrf_from(page.text), "score_service": "101", "reason_service": "服务企业主动上门"}
    for headers in ({}, {"HX-Request": "true"}):
        refused = leader.post(f"/assessment/{YEAR}/units/{county.town.id}/scores", data=form, headers=headers)
        assert refused.status_code == 422
        assert "服务企业主动上门" in refused.text and 'id="e-score_service"' in refused.text
    form["score_service"] = "91"
    saved = leader.post(f"/assessment/{YEAR}/units/{county.town.id}/scores", data=form)
    assert saved.status_code == 303
    shown = leader.get(f"/assessment/{YEAR}/units/{county.town.id}")
    assert "王县长" in shown.text and "91.00 分：服务企业主动上门" in text_of(shown.text)
