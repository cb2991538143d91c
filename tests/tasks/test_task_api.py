"""Supervised tasks over the API, through the same service as the pages: a coordinator token with the
"reports" scope assigns and reviews under its own name in the audit trail; one without the scope is refused
before any service runs; a unit's token reports progress with evidence and reports its own task done, but may
not assign or review, nor see another unit's task; invalid input is a 422 naming the field in Chinese; a stale
version a 409; a creation retried with the same Idempotency-Key is made once. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.task import SupervisedTask, TaskStatus
from app.models.user import ApiToken
from app.scopes import SCOPES, TokenRole
from app.services import workdays
from app.services.security import sha256_hex
from tests.factories import bearer, make_token
from tests.tasks.conftest import County
from tests.tasks.factories import make_task
from tests.tickets.factories import jpeg_bytes


@dataclass
class Tokens:
    bureau: dict[str, str]  # a coordinator token with read and reports
    no_scope: dict[str, str]  # a coordinator token with every scope but reports
    town: dict[str, str]  # the town's staff token (reports among its scopes)
    other: dict[str, str]  # another town's token


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


def body(county: County, **values) -> dict:
    return {
        "title": "协调解决储能项目二期用地两户补偿问题",
        "content": "调度会议定：城关镇牵头，限期完成两户补偿协议签订。",
        "source_kind": "meeting",
        "source_ref": "2026 年 12 月招商引资调度会第 3 项",
        "owner_unit_id": county.town.id,
        "owner_user_id": county.clerk.id,
        "due_days": 10,
    } | values


def count(db: Session) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(SupervisedTask)).scalar_one()


def test_the_bureau_assigns_once_under_its_own_name(
    db: Session, county: County, client: TestClient, tokens: Tokens
) -> None:
    key = {"Idempotency-Key": "task-create-0001"}
    first = client.post("/api/v1/tasks", json=body(county), headers=tokens.bureau | key)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/tasks", json=body(county), headers=tokens.bureau | key)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert count(db) == 1
    read = first.json()
    assert read["status"] == "open" and read["owner_unit_name"] == county.town.name
    assert read["owner_user_name"] == "李春燕" and read["source_label"] == "会议决定"
    assert [n["action"] for n in read["notes"]] == ["assign"]
    name = db.execute(
        select(ApiToken.name).where(ApiToken.token_hash == sha256_hex(tokens.bureau["Authorization"][7:]))
    ).scalar_one()
    entry = db.execute(
        select(AuditEntry).where(AuditEntry.entity == "supervised_task", AuditEntry.entity_id == str(read["id"]))
    ).scalar_one()
    assert name in entry.actor_label


def test_refused_callers_change_nothing(db: Session, county: County, client: TestClient, tokens: Tokens) -> None:
    no_scope = client.post("/api/v1/tasks", json=body(county), headers=tokens.no_scope)
    assert no_scope.status_code == 403 and no_scope.json()["code"] == "scope_missing"
    assert "报告与通报" in no_scope.text
    unit = client.post("/api/v1/tasks", json=body(county), headers=tokens.town)
    assert unit.status_code == 403
    assert count(db) == 0
    task = make_task(db, county.town, status=TaskStatus.submitted, done_on=workdays.today())
    db.commit()
    review = client.post(
        f"/api/v1/tasks/{task.id}/review", json={"version": task.version, "decision": "close"}, headers=tokens.town
    )
    assert review.status_code == 403
    assert client.get(f"/api/v1/tasks/{task.id}", headers=tokens.other).status_code == 404
    note = client.post(
        f"/api/v1/tasks/{task.id}/notes",
        data={"version": task.version, "action": "progress", "note": "越权"},
        headers=tokens.other,
    )
    assert note.status_code == 404
    db.expire_all()
    assert db.get(SupervisedTask, task.id).status is TaskStatus.submitted  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"source_ref": ""}, "source_ref", "请注明会议及议定事项"),
        ({"due_days": 0}, "due_days", "不能小于 1"),
        ({"title": "x"}, "title", "至少 2 个字符"),
        ({"source_kind": "rumour"}, "source_kind", "请选择有效的选项"),
        ({"owner_unit_id": 2_000_000_000}, "owner_unit_id", "单位不存在或已停用"),
        ({"status": "closed"}, "status", "不允许提交此字段"),
    ],
)
def test_invalid_input_names_the_field(
    db: Session, county: County, client: TestClient, tokens: Tokens, values: dict, field: str, message: str
) -> None:
    response = client.post("/api/v1/tasks", json=body(county, **values), headers=tokens.bureau)
    assert response.status_code == 422, response.text
    assert field in response.text and message in response.text
    assert count(db) == 0


def test_the_town_reports_with_evidence_and_the_bureau_reviews(
    db: Session, county: County, client: TestClient, tokens: Tokens
) -> None:
    created = client.post("/api/v1/tasks", json=body(county), headers=tokens.bureau).json()
    task_id, version = created["id"], created["version"]
    sent = client.post(
        f"/api/v1/tasks/{task_id}/notes",
        data={"version": version, "action": "progress", "note": "已与两户完成第二轮协商"},
        files=[("files", ("协商现场.jpg", jpeg_bytes(), "image/jpeg"))],
        headers=tokens.town,
    )
    assert sent.status_code == 200, sent.text
    read = sent.json()
    assert read["status"] == "in_progress"
    photo = read["notes"][-1]["files"][0]
    assert photo["kind"] == "photo" and photo["original_name"] == "协商现场.jpg"
    assert client.get(photo["link"], headers=tokens.town).headers["content-type"] == "image/jpeg"
    assert client.get(photo["link"], headers=tokens.other).status_code == 404

    stale = client.post(
        f"/api/v1/tasks/{task_id}/notes",
        data={"version": version, "action": "submit", "note": "已签订"},
        headers=tokens.town,
    )
    assert stale.status_code == 409
    bad = client.post(
        f"/api/v1/tasks/{task_id}/notes",
        data={"version": read["version"], "action": "finish", "note": "已签订"},
        headers=tokens.town,
    )
    assert bad.status_code == 422 and "action" in bad.text
    done = client.post(
        f"/api/v1/tasks/{task_id}/notes",
        data={"version": read["version"], "action": "submit", "note": "两户补偿协议已签订"},
        headers=tokens.town,
    ).json()
    assert done["status"] == "submitted" and done["light"] == "grey"

    no_reason = client.post(
        f"/api/v1/tasks/{task_id}/review",
        json={"version": done["version"], "decision": "return"},
        headers=tokens.bureau,
    )
    assert no_reason.status_code == 422 and "退回须说明理由" in no_reason.text
    closed = client.post(
        f"/api/v1/tasks/{task_id}/review",
        json={"version": done["version"], "decision": "close", "note": "同意销号"},
        headers=tokens.bureau | {"Idempotency-Key": "task-close-0001"},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [n["action"] for n in closed.json()["notes"]] == ["assign", "progress", "submit", "close"]


def test_the_list_is_the_units_own_and_filters(db: Session, county: County, client: TestClient, tokens: Tokens) -> None:
    late = make_task(db, county.town, due_on=date(2020, 1, 10), title="逾期事项")
    make_task(db, county.town, title="未到期事项")
    make_task(db, county.other, title="青石镇事项")
    db.commit()
    mine = client.get("/api/v1/tasks", headers=tokens.town).json()
    assert {t["title"] for t in mine["items"]} == {"逾期事项", "未到期事项"} and mine["total"] == 2
    overdue = client.get("/api/v1/tasks?overdue=true", headers=tokens.bureau).json()
    assert [t["id"] for t in overdue["items"]] == [late.id] and overdue["items"][0]["overdue"] is True
    others = client.get(f"/api/v1/tasks?unit_id={county.other.id}", headers=tokens.bureau).json()
    assert [t["title"] for t in others["items"]] == ["青石镇事项"]
    paged = client.get("/api/v1/tasks?limit=1&offset=1", headers=tokens.bureau).json()
    assert paged["total"] == 3 and len(paged["items"]) == 1
