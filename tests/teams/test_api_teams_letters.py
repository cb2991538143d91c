"""Industry teams and responsibility letters over the API, through the services the pages call: a coordinator
token with the targets scope edits a team, assigns projects and issues letters (audited, naming the token;
a stale version 409; a retry with the same Idempotency-Key done once); a unit's token reads only its own
letters and reports its head's acknowledgement with the text's hash (reports scope). SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.letter import ResponsibilityLetter
from app.models.unit import UnitKind
from app.scopes import TokenRole
from app.services import performance, workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.people.factories import coordinator
from tests.projects.factories import make_project
from tests.teams.factories import make_team

YEAR = workdays.today().year


def test_a_team_over_the_api(client: TestClient, db: Session) -> None:
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    industry = make_unit(db, name="县工业和信息化局", kind=UnitKind.department, tier=1)
    town = make_unit(db, name="青石镇人民政府")
    team = make_team(db, name="新材料产业招商组", members=(industry,), lead=industry)
    project = make_project(db, town, contract_investment=Decimal(5000), name="高性能纤维项目")
    boss = bearer(make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "targets")))
    staff = bearer(make_token(db, town))
    db.commit()

    ranking = client.get("/api/v1/teams", headers=staff)
    assert ranking.status_code == 200 and ranking.json()["items"][0]["name"] == "新材料产业招商组"
    read = client.get(f"/api/v1/teams/{team.id}", headers=boss).json()
    assert read["members"] == [{"unit_id": industry.id, "name": "县工业和信息化局", "is_lead": True}]
    body = {
        "version": read["version"],
        "leader_name": "刘国华",
        "leader_title": "副县长",
        "industry": "新材料",
        "member_unit_ids": [industry.id, town.id],
        "lead_unit_id": town.id,
    }
    key = {"Idempotency-Key": "team-edit-1"}
    first = client.put(f"/api/v1/teams/{team.id}", json=body, headers=boss | key)
    assert first.status_code == 200, first.text
    assert first.json()["leader"]["name"] == "刘国华" and first.json()["leader"]["has_account"] is False
    again = client.put(f"/api/v1/teams/{team.id}", json=body, headers=boss | key)
    assert again.status_code == 200 and again.json() == first.json()  # replayed, not done twice
    stale = client.put(f"/api/v1/teams/{team.id}", json=body, headers=boss)
    assert stale.status_code == 409
    refused = client.put(f"/api/v1/teams/{team.id}", json=body | {"version": first.json()["version"]}, headers=staff)
    assert refused.status_code == 403

    assigned = client.put(f"/api/v1/teams/{team.id}/projects/{project.id}", json={"version": 0}, headers=boss)
    assert assigned.json() == {"project_id": project.id, "team_id": team.id, "assigned": True, "version": 1}
    assert (
        client.put(f"/api/v1/teams/{team.id}/projects/{project.id}", json={"version": 0}, headers=boss).status_code
        == 409
    )
    listed = client.get(f"/api/v1/teams/{team.id}/projects", headers=staff).json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "高性能纤维项目"  # the town's own project
    ledger = client.get(f"/api/v1/teams/{team.id}/ledger?year={YEAR}", headers=staff).json()
    assert len(ledger["months"]) == 12 and {m["name"] for m in ledger["members"]} >= {"青石镇人民政府"}
    removed = client.delete(f"/api/v1/teams/{team.id}/projects/{project.id}", headers=boss)
    assert removed.json() == {"project_id": project.id, "team_id": None, "assigned": False, "version": 0}
    labels = {
        e.actor_label for e in db.execute(select(AuditEntry).where(AuditEntry.entity == "team_project")).scalars()
    }
    assert labels and all(label.startswith("令牌:") for label in labels)


def test_letters_over_the_api(client: TestClient, db: Session) -> None:
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db, name="城关镇人民政府")
    head = make_user(db, town, display_name="李春燕")
    town.head_user_id = head.id
    other = make_unit(db, name="青石镇人民政府")
    for unit in (town, other):
        performance.set_target(
            db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(5000), unit_id=unit.id
        )
    boss = bearer(make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "targets")))
    town_token = bearer(make_token(db, town))
    other_token = bearer(make_token(db, other))
    db.commit()

    no_rules = client.post("/api/v1/letters", json={"unit_id": town.id, "year": YEAR}, headers=boss)
    assert no_rules.status_code == 422 and no_rules.json()["field"] == "year"
    rules = client.post(
        "/api/v1/letter-rules", json={"year": YEAR, "text": "一、考核内容：……", "base_revision": 0}, headers=boss
    )
    assert rules.status_code == 201 and rules.json()["revision"] == 1
    assert (
        client.post(
            "/api/v1/letter-rules", json={"year": YEAR, "text": "旧稿", "base_revision": 0}, headers=boss
        ).status_code
        == 409
    )
    key = {"Idempotency-Key": "issue-all-1"}
    issued = client.post("/api/v1/letters/issue-all", json={"year": YEAR}, headers=boss | key)
    assert issued.status_code == 200 and len(issued.json()["issued"]) >= 2
    assert client.post("/api/v1/letters/issue-all", json={"year": YEAR}, headers=boss | key).json() == issued.json()
    count = db.execute(
        select(func.count()).select_from(ResponsibilityLetter).where(ResponsibilityLetter.year == YEAR)
    ).scalar_one()
    assert count == len(issued.json()["issued"])

    mine = client.get(f"/api/v1/letters?year={YEAR}", headers=town_token).json()
    assert [row["unit_id"] for row in mine["items"]] == [town.id] and mine["items"][0]["state"] == "issued"
    letter = mine["items"][0]["letter"]
    assert letter["targets"] == [
        {"metric": "funds_domestic", "label": "内资到位资金（已确认）", "unit": "万元", "amount": "5000.00"}
    ]
    assert client.get(f"/api/v1/letters/{letter['id']}", headers=other_token).status_code == 404
    body = {"version": letter["version"], "text_hash": letter["text_hash"]}
    assert client.post(f"/api/v1/letters/{letter['id']}/acknowledge", json=body, headers=boss).status_code == 403
    assert client.post(f"/api/v1/letters/{letter['id']}/acknowledge", json=body, headers=other_token).status_code == 404
    wrong = client.post(
        f"/api/v1/letters/{letter['id']}/acknowledge", json=body | {"text_hash": "a" * 64}, headers=town_token
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "text_hash"
    signed = client.post(f"/api/v1/letters/{letter['id']}/acknowledge", json=body, headers=town_token)
    assert signed.status_code == 200, signed.text
    answer = signed.json()
    assert answer["status"] == "acknowledged" and answer["acknowledged_token_id"] is not None
    assert answer["acknowledged_by_id"] is None and answer["acknowledged_by_name"] == "李春燕"

    reissue = client.post("/api/v1/letters", json={"unit_id": town.id, "year": YEAR}, headers=boss)
    assert reissue.status_code == 422 and reissue.json()["field"] == "reason"
    newer = client.post("/api/v1/letters", json={"unit_id": town.id, "year": YEAR, "reason": "目标调整"}, headers=boss)
    assert newer.status_code == 201 and newer.json()["revision"] == 2 and newer.json()["supersedes_id"] == letter["id"]
    row = client.get(f"/api/v1/letters?year={YEAR}&state=issued", headers=boss).json()
    town_row = next(r for r in row["items"] if r["unit_id"] == town.id)
    assert town_row["binding_letter_id"] == letter["id"] and town_row["letter"]["revision"] == 2
