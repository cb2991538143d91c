"""Meetings and interviews over the API, through the same services as the pages: a coordinator token with the
"reports" scope schedules, changes (with the version read; a stale one is a 409), records held and records
decisions; a unit's token reads the meetings that concern its unit and is refused every write; interviews are
listed, proposed, recorded with promises, and read. The documented examples have the answers' keys. SQLite and
PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.meeting import MeetingDecision
from app.models.task import SupervisedTask, TaskSourceKind
from app.scopes import SCOPES, TokenRole
from app.services import workdays
from tests.core.test_openapi_rules import DOC, _answer_example, _differences
from tests.factories import bearer, make_token
from tests.meetings.conftest import SECRET_NAME, County, set_target

TODAY = workdays.today()


@dataclass
class Tokens:
    bureau: dict[str, str]
    no_scope: dict[str, str]
    town: dict[str, str]
    other: dict[str, str]


@pytest.fixture
def tokens(db: Session, county: County) -> Tokens:
    made = Tokens(
        bureau=bearer(make_token(db, county.bureau, role=TokenRole.coordinator, scopes=["read", "reports"])),
        no_scope=bearer(
            make_token(db, county.bureau, role=TokenRole.coordinator, scopes=[s for s in SCOPES if s != "reports"])
        ),
        town=bearer(make_token(db, county.town)),
        other=bearer(make_token(db, county.other)),
    )
    db.commit()
    return made


def meeting_body(county: County, **values) -> dict:
    return {
        "kind": "dispatch",
        "title": "2026 年 12 月招商引资调度会",
        "held_on": (TODAY - timedelta(days=1)).isoformat(),
        "place": "县政府三楼会议室",
        "chair": "县长 王县长",
        "attendee_user_ids": [county.leader.id],
        "attendee_names": "县发改局局长 孙海涛",
        "unit_ids": [county.town.id],
        "project_ids": [county.project.id, county.secret.id],
        "summary": "听取城关镇汇报。",
    } | values


def keys_match(method: str, path: str, answer: object) -> list[str]:
    example = _answer_example(DOC["paths"][path][method.lower()])
    return _differences(example, answer)


def test_a_meeting_over_the_api(client: TestClient, db: Session, county: County, tokens: Tokens) -> None:
    assert client.post("/api/v1/meetings", json=meeting_body(county), headers=tokens.no_scope).status_code == 403
    assert client.post("/api/v1/meetings", json=meeting_body(county), headers=tokens.town).status_code == 403
    key = {"Idempotency-Key": "meeting-create-1"}
    created = client.post("/api/v1/meetings", json=meeting_body(county), headers=tokens.bureau | key)
    assert created.status_code == 201, created.text
    again = client.post("/api/v1/meetings", json=meeting_body(county), headers=tokens.bureau | key)
    assert again.json()["id"] == created.json()["id"]
    meeting = created.json()
    assert meeting["status"] == "scheduled" and meeting["materials"][0]["frozen"] is False
    assert [u["id"] for u in meeting["units"]] == [county.town.id] and meeting["attendees"][0]["name"] == "王县长"
    assert SECRET_NAME in [p["name"] for p in meeting["projects"]]  # the bureau's token sees every project
    assert not keys_match("POST", "/api/v1/meetings", meeting)
    mid = meeting["id"]

    stale = client.patch(f"/api/v1/meetings/{mid}", json={"version": 99, "place": "别处"}, headers=tokens.bureau)
    assert stale.status_code == 409
    changed = client.patch(
        f"/api/v1/meetings/{mid}",
        json={"version": meeting["version"], "attendee_names": "县发改局局长 孙海涛、县自然资源局 钱立新"},
        headers=tokens.bureau,
    )
    assert changed.status_code == 200 and changed.json()["version"] == meeting["version"] + 1
    assert changed.json()["place"] == "县政府三楼会议室"  # a field not sent is kept
    bad = client.patch(f"/api/v1/meetings/{mid}", json={"version": 2, "title": None}, headers=tokens.bureau)
    assert bad.status_code == 422 and bad.json()["field"] == "title"

    early = client.post(
        f"/api/v1/meetings/{mid}/decisions",
        json={"content": "城关镇限期完成补偿协议", "owner_unit_id": county.town.id, "due_days": 10},
        headers=tokens.bureau,
    )
    assert early.status_code == 422
    version = changed.json()["version"]
    held = client.post(f"/api/v1/meetings/{mid}/hold", json={"version": version}, headers=tokens.bureau)
    assert held.status_code == 200 and held.json()["status"] == "held" and held.json()["materials"][0]["frozen"]
    decision = client.post(
        f"/api/v1/meetings/{mid}/decisions",
        json={"content": "城关镇限期完成补偿协议", "owner_unit_id": county.town.id, "owner_user_id": county.clerk.id,
              "due_days": 10},
        headers=tokens.bureau,
    )  # fmt: skip
    assert decision.status_code == 201, decision.text
    assert decision.json()["task_status"] == "open" and decision.json()["number"] == 1
    assert not keys_match("POST", "/api/v1/meetings/{meeting_id}/decisions", decision.json())
    task = db.get(SupervisedTask, decision.json()["task_id"])
    assert task is not None and task.source_kind is TaskSourceKind.meeting
    assert task.source_id == decision.json()["id"]
    writes = db.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entity.in_(["meeting", "meeting_decision"]))
    ).scalar_one()
    assert writes >= 4  # created, changed, held, decided: each audited

    one = client.get(f"/api/v1/meetings/{mid}", headers=tokens.bureau).json()
    assert not keys_match("GET", "/api/v1/meetings/{meeting_id}", one)
    assert one["decisions"][0]["task_id"] == task.id and one["decision_count"] == 1
    listed = client.get("/api/v1/meetings?kind=dispatch", headers=tokens.bureau).json()
    assert [m["id"] for m in listed["items"]] == [mid] and not keys_match("GET", "/api/v1/meetings", listed)
    assert client.get("/api/v1/meetings?kind=onsite", headers=tokens.bureau).json()["total"] == 0
    assert client.get(f"/api/v1/meetings?year={TODAY.year - 3}", headers=tokens.bureau).json()["total"] == 0

    # the town's token: its meeting, its materials (its confidential project by name), no writes
    town = client.get(f"/api/v1/meetings/{mid}", headers=tokens.town).json()
    assert SECRET_NAME in [p["name"] for p in town["materials"][0]["projects"]]
    assert client.post(f"/api/v1/meetings/{mid}/hold", json={"version": 1}, headers=tokens.town).status_code == 403
    assert client.get(f"/api/v1/meetings/{mid}", headers=tokens.other).status_code == 404
    assert client.get("/api/v1/meetings", headers=tokens.other).json()["total"] == 0


def test_interviews_over_the_api(client: TestClient, db: Session, county: County, tokens: Tokens) -> None:
    set_target(db, county.town, TODAY.year if TODAY.month > 1 else TODAY.year - 1, "funds_domestic", 1000)
    db.commit()
    proposals = client.get("/api/v1/interviews/proposals", headers=tokens.bureau)
    assert proposals.status_code == 200
    town_proposal = next(p for p in proposals.json() if p["unit"]["id"] == county.town.id)
    assert "idle" in [r["code"] for r in town_proposal["reasons"]]
    assert not keys_match("GET", "/api/v1/interviews/proposals", proposals.json())
    assert [p["unit"]["id"] for p in client.get("/api/v1/interviews/proposals", headers=tokens.town).json()] == [
        county.town.id
    ]

    body = {
        "unit_id": county.town.id,
        "held_on": TODAY.isoformat(),
        "interviewer": "常务副县长 王县长",
        "interviewer_user_id": county.leader.id,
        "findings": "招商专干长期外出，线索跟进断档。",
        "promises": [{"content": "一个月内外出招商一次", "owner_user_id": county.clerk.id, "due_days": 20}],
    }
    assert client.post("/api/v1/interviews", json=body, headers=tokens.town).status_code == 403
    future = client.post(
        "/api/v1/interviews", json=body | {"held_on": (TODAY + timedelta(days=2)).isoformat()}, headers=tokens.bureau
    )
    assert future.status_code == 422 and future.json()["field"] == "held_on"
    created = client.post("/api/v1/interviews", json=body, headers=tokens.bureau)
    assert created.status_code == 201, created.text
    interview = created.json()
    assert interview["interviewee"] == "城关镇镇长 赵明" and interview["promise_count"] == 1
    assert interview["promises"][0]["outcome"] == "in_hand" and interview["promises"][0]["task_id"]
    assert not keys_match("POST", "/api/v1/interviews", interview)
    iid = interview["id"]
    promise = client.post(
        f"/api/v1/interviews/{iid}/promises", json={"content": "补齐干部招商台账", "due_days": 5}, headers=tokens.bureau
    )
    assert promise.status_code == 201 and promise.json()["number"] == 2
    assert not keys_match("POST", "/api/v1/interviews/{interview_id}/promises", promise.json())
    one = client.get(f"/api/v1/interviews/{iid}", headers=tokens.town).json()
    assert [p["number"] for p in one["promises"]] == [1, 2]
    assert not keys_match("GET", "/api/v1/interviews/{interview_id}", one)
    listed = client.get(f"/api/v1/interviews?year={TODAY.year}", headers=tokens.bureau).json()
    assert listed["total"] == 1 and not keys_match("GET", "/api/v1/interviews", listed)
    assert client.get(f"/api/v1/interviews/{iid}", headers=tokens.other).status_code == 404
    assert client.get("/api/v1/interviews", headers=tokens.other).json()["total"] == 0
    assert db.execute(select(func.count()).select_from(MeetingDecision)).scalar_one() == 0
