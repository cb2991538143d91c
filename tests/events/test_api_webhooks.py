"""Webhook subscriptions over the API (/api/v1/webhooks), through the service the /admin/webhooks page calls.

The coordinator's token with the admin scope lists, adds, enables and disables subscriptions and chooses
their event types: the effect, and the audit trail naming the token. The signing secret comes back once,
in the creation's answer (a retry with the same Idempotency-Key answers the same, creating nothing) and
never again, nor enters the trail; another system verifies the deliveries with it. A coordinator token
without the scope (403 scope_missing), a unit's token (the page is the coordinator's alone) and a reader
are refused, changing nothing; a bad address or event type is a 422 naming the field in Chinese; a stale
version a 409. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.ticket import WebhookDelivery, WebhookSubscription
from app.scopes import TokenRole
from app.services import events, worker
from tests.core.test_api_admin_operations import entries, refused_field, token_id, trail_text
from tests.core.test_refusal_rollback import changed, snapshot
from tests.events.conftest import World, deliveries
from tests.events.test_robots import move
from tests.factories import bearer, make_token
from tests.tickets.test_webhooks import Receiver

CHOSEN_SECRET = "prov-platform-hook-Kq83mZp1xT"


@dataclass
class Tokens:
    coordinator: dict[str, str]  # the bureau's coordinator token with read and admin
    coordinator_id: int
    no_scope: dict[str, str]  # a coordinator token with every scope but admin
    staff: dict[str, str]  # town A's staff token, admin scope included
    reader: dict[str, str]


@pytest.fixture
def tokens(db: Session, world: World) -> Tokens:
    secret = make_token(db, world.bureau, role=TokenRole.coordinator, scopes=("read", "admin"))
    no_scope = make_token(
        db,
        world.bureau,
        role=TokenRole.coordinator,
        scopes=("read", "leads", "projects", "funds_review", "tickets", "awards", "targets", "reports"),
    )
    staff = make_token(db, world.a, scopes=("read", "leads", "projects", "tickets", "admin"))
    reader = make_token(db, None, read_only=True)
    db.commit()
    return Tokens(bearer(secret), token_id(db, secret), bearer(no_scope), bearer(staff), bearer(reader))


def add(client: TestClient, tokens: Tokens, **body: Any) -> dict[str, Any]:
    body = {"name": "省招商引资项目管理平台", "url": "https://zsyz.example.gov.cn/hooks", **body}
    response = client.post("/api/v1/webhooks", json=body, headers=tokens.coordinator)
    assert response.status_code == 201, response.text
    return dict(response.json())


def rows(db: Session) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(WebhookSubscription)).scalar_one())


# --- adding: the secret once ------------------------------------------------------------------


def test_the_coordinator_adds_a_subscription_once_per_key_and_sees_its_secret_only_then(
    db: Session, client: TestClient, world: World, tokens: Tokens
) -> None:
    body = {
        "name": "省招商引资项目管理平台",
        "url": "https://zsyz.example.gov.cn/api/hooks/county-321",
        "event_types": ["project.stage_reached", "funds.confirmed", "lead.*"],
    }
    headers = tokens.coordinator | {"Idempotency-Key": "webhook-create-0001"}

    first = client.post("/api/v1/webhooks", json=body, headers=headers)
    assert first.status_code == 201, first.text
    created = first.json()
    assert (created["name"], created["url"], created["unit_id"], created["is_active"], created["version"]) == (
        body["name"],
        body["url"],
        None,
        True,
        1,
    )
    assert created["event_types"] == body["event_types"]
    assert created["event_labels"] == "项目到达新阶段、到位资金已确认、线索（全部）"
    secret = created["secret"]
    assert len(secret) >= 32  # made by the platform, since none was sent

    again = client.post("/api/v1/webhooks", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == created  # the creation's own answer: nothing created twice
    assert rows(db) == 1

    # never again: not in the list, not in a change's answer
    listed = client.get("/api/v1/webhooks", headers=tokens.coordinator)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [created["id"]] and "secret" not in listed.json()[0]
    off = client.patch(f"/api/v1/webhooks/{created['id']}", json={"version": 1}, headers=tokens.coordinator)
    assert off.status_code == 200 and "secret" not in off.json()
    assert secret not in listed.text + off.text

    # the trail names the token and holds no secret
    [entry] = entries(db, "webhook_subscription", created["id"], "create")
    assert entry.actor_token_id == tokens.coordinator_id
    assert entry.changes["url"] == [None, body["url"]] and entry.changes.get("secret") in (None, [None, "***"])
    assert secret not in trail_text(db)


def test_a_chosen_secret_and_a_unit_scope_are_kept(db: Session, client: TestClient, world: World, tokens: Tokens):
    created = add(client, tokens, secret=CHOSEN_SECRET, unit_id=world.a.id, event_types=["ticket.*"])
    assert created["secret"] == CHOSEN_SECRET and created["unit_id"] == world.a.id
    assert created["event_labels"] == "跟踪服务问题（全部）"
    db.expire_all()
    sub = db.get(WebhookSubscription, created["id"])
    assert sub is not None and (sub.secret, sub.unit_id, sub.event_types) == (CHOSEN_SECRET, world.a.id, "ticket.*")
    assert CHOSEN_SECRET not in trail_text(db)


def test_the_receiver_verifies_deliveries_with_the_secret_it_was_shown(
    db: Session, client: TestClient, world: World, tokens: Tokens, session_factory: Any
) -> None:
    with Receiver(secret="") as receiver:
        created = add(client, tokens, url=receiver.url, event_types=["project.stage_reached"])
        receiver.secret = created["secret"]  # what the other system keeps from the one answer that shows it
        move(db, world, world.project.id)
        assert worker.deliver_batch(session_factory, "worker-a", 10, base_url="https://zs.example.gov.cn") == 1
    [call] = receiver.calls
    assert call["event"] == "project.stage_reached" and call["valid"]
    [delivery] = deliveries(db, subscription_id=created["id"])
    assert delivery.status.value == "delivered"


# --- changing: enable, disable, event types ---------------------------------------------------


def test_the_coordinator_disables_and_rechooses_with_the_version(
    db: Session, client: TestClient, world: World, tokens: Tokens
) -> None:
    sub = add(client, tokens, event_types=["*"])
    url = f"/api/v1/webhooks/{sub['id']}"

    off = client.patch(url, json={"version": 1, "is_active": False}, headers=tokens.coordinator)
    assert off.status_code == 200, off.text
    assert (off.json()["is_active"], off.json()["version"]) == (False, 2)
    [entry] = entries(db, "webhook_subscription", sub["id"], "update")
    assert entry.actor_token_id == tokens.coordinator_id and entry.changes["is_active"] == [True, False]

    move(db, world, world.project.id)  # a disabled subscription is told of nothing
    assert deliveries(db, subscription_id=sub["id"]) == []

    stale = client.patch(url, json={"version": 1, "is_active": True}, headers=tokens.coordinator)
    assert stale.status_code == 409 and stale.json()["details"]["current_version"] == 2

    on = client.patch(
        url,
        json={"version": 2, "is_active": True, "event_types": ["funds.*", "ticket.closed"]},
        headers=tokens.coordinator,
    )
    assert on.status_code == 200, on.text
    assert (on.json()["is_active"], on.json()["event_types"], on.json()["version"]) == (
        True,
        ["funds.*", "ticket.closed"],
        3,
    )
    assert on.json()["event_labels"] == "到位资金（全部）、问题已评价关闭"
    move(db, world, world.secret.id)  # not a type it asked for
    assert deliveries(db, subscription_id=sub["id"]) == []
    later = entries(db, "webhook_subscription", sub["id"], "update")[-1]
    assert later.actor_token_id == tokens.coordinator_id
    assert later.changes["event_types"] == ["*", "funds.*,ticket.closed"]

    missing = client.patch("/api/v1/webhooks/2000000000", json={"version": 1}, headers=tokens.coordinator)
    assert missing.status_code == 404 and missing.json()["message"] == "找不到该订阅"


# --- refusals ---------------------------------------------------------------------------------


def operations(db: Session, client: TestClient, tokens: Tokens) -> dict[str, tuple[str, str, dict[str, Any]]]:
    sub = add(client, tokens)
    return {
        "add": ("POST", "/api/v1/webhooks", {"name": "县统计局系统", "url": "https://tj.example.gov.cn/in"}),
        "disable": ("PATCH", f"/api/v1/webhooks/{sub['id']}", {"version": 1, "is_active": False}),
        "rechoose": ("PATCH", f"/api/v1/webhooks/{sub['id']}", {"version": 1, "event_types": ["lead.created"]}),
    }


@pytest.mark.parametrize("operation", ["add", "disable", "rechoose"])
def test_refused_without_the_scope_to_a_unit_and_to_a_reader(
    db: Session, client: TestClient, world: World, tokens: Tokens, operation: str
) -> None:
    method, path, body = operations(db, client, tokens)[operation]
    before = snapshot(db)

    missing = client.request(method, path, json=body, headers=tokens.no_scope | {"Idempotency-Key": "k-1"})
    assert missing.status_code == 403, missing.text
    assert missing.json()["code"] == "scope_missing" and "系统管理" in missing.json()["message"]

    # a unit's staff token may hold the admin scope, but subscriptions are the coordinator's alone (as on the page)
    staff = client.request(method, path, json=body, headers=tokens.staff | {"Idempotency-Key": "k-2"})
    assert staff.status_code == 403, staff.text
    assert staff.json()["code"] == "forbidden"

    reader = client.request(method, path, json=body, headers=tokens.reader)
    assert reader.status_code == 403, reader.text

    assert changed(before, snapshot(db)) == []


def test_only_the_coordinator_lists_subscriptions(db: Session, client: TestClient, tokens: Tokens) -> None:
    sub = add(client, tokens, secret=CHOSEN_SECRET)
    for headers in (tokens.staff, tokens.reader):
        refused = client.get("/api/v1/webhooks", headers=headers)
        assert refused.status_code == 403 and sub["url"] not in refused.text
    assert client.get("/api/v1/webhooks", headers=tokens.no_scope).status_code == 200  # a read needs only "read"


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"url": "ftp://files.example.gov.cn/in"}, "url", "格式"),
        ({"url": "zsyz.example.gov.cn/hooks"}, "url", "格式"),
        ({"url": "https://" + "a" * 493 + ".cn"}, "url", "500"),
        ({"url": "https://exa mple.gov.cn/in"}, "url", "格式"),
        ({"event_types": ["lead.nothing"]}, "event_types", "未知的事件类型：lead.nothing"),
        ({"event_types": ["robot.test"]}, "event_types", "未知的事件类型"),
        ({"event_types": ["nothing.*"]}, "event_types", "未知的事件类型"),
        ({"event_types": []}, "event_types", "至少"),
        ({"event_types": list(events.EVENT_TYPES)}, "event_types", "选择的事件过多"),
        ({"secret": "short"}, "secret", "16"),
        ({"name": "甲"}, "name", "至少 2 个字符"),
        ({"unit_id": 2_000_000_000}, "unit_id", "单位不存在"),
        ({"owner": "me"}, "owner", "不允许"),
    ],
)
def test_invalid_input_is_a_422_naming_the_field_in_chinese(
    db: Session, client: TestClient, tokens: Tokens, body: dict[str, Any], field: str, says: str
) -> None:
    before = snapshot(db)
    full = {"name": "省招商引资项目管理平台", "url": "https://zsyz.example.gov.cn/hooks", **body}
    response = client.post("/api/v1/webhooks", json=full, headers=tokens.coordinator | {"Idempotency-Key": "bad-1"})
    assert says in refused_field(response, field)
    assert changed(before, snapshot(db)) == []


def test_a_change_to_unknown_event_types_is_refused(db: Session, client: TestClient, tokens: Tokens) -> None:
    sub = add(client, tokens)
    before = snapshot(db)
    response = client.patch(
        f"/api/v1/webhooks/{sub['id']}",
        json={"version": 1, "event_types": ["lead.*", "lead.nope"]},
        headers=tokens.coordinator,
    )
    assert "lead.nope" in refused_field(response, "event_types")
    assert changed(before, snapshot(db)) == []
    db.expire_all()
    assert db.execute(select(func.count()).select_from(WebhookDelivery)).scalar_one() == 0
