"""The coordinator's administration over the API, through the services the pages call: units, people
(with their passwords), lost reasons and ticket categories. Each operation: done by a coordinator token
with the admin scope (the effect, and the audit trail naming the token); refused to a coordinator token
without the scope (403 scope_missing) and to a unit's token whose role may not (403), changing nothing;
invalid input a 422 naming the field in Chinese; a stale version a 409; a retry with the same
Idempotency-Key done once. Passwords never come back, nor enter the trail. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.models.project import LostReason
from app.models.ticket import TicketCategory
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, Role, User
from app.scopes import TokenRole
from app.services import audit, idempotency
from app.services.security import sha256_hex, verify_password
from tests.core.test_refusal_rollback import changed, snapshot
from tests.factories import bearer, make_token, make_unit, make_user
from tests.tickets.factories import make_category

NEW_PASSWORD = "Api#Reset-2026-qz"
INITIAL_PASSWORD = "Init#Start-2026-kw"


@dataclass
class Admin:
    bureau: Unit
    town: Unit
    clerk: User  # a person of the town, to edit
    category: TicketCategory
    coordinator: dict[str, str]  # headers: a coordinator token with read and admin
    coordinator_id: int
    no_scope: dict[str, str]  # a coordinator token with read and tickets only
    staff: dict[str, str]  # the town's staff token, admin scope included (its own unit's contact)


def token_id(db: Session, secret: str) -> int:
    return db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()


@pytest.fixture
def admin(db: Session, client: TestClient) -> Admin:
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db)
    clerk = make_user(db, town)
    category = make_category(db, default_days=10)
    secret = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "admin"))
    no_scope = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "tickets"))
    staff = make_token(db, town, scopes=("read", "leads", "projects", "tickets", "admin"))
    db.commit()
    return Admin(
        bureau=bureau,
        town=town,
        clerk=clerk,
        category=category,
        coordinator=bearer(secret),
        coordinator_id=token_id(db, secret),
        no_scope=bearer(no_scope),
        staff=bearer(staff),
    )


def entries(db: Session, entity: str, entity_id: int, action: str | None = None) -> list[AuditEntry]:
    db.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.execute(stmt.order_by(AuditEntry.seq)).scalars())


def by_token(found: list[AuditEntry], admin: Admin) -> list[AuditEntry]:
    """The entries the coordinator's token wrote (the fixture's own changes are the system's)."""
    return [e for e in found if e.actor_token_id == admin.coordinator_id]


def trail_text(db: Session) -> str:
    db.expire_all()
    rows = db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    return "\n".join(json.dumps(e.changes, ensure_ascii=False) + e.reason for e in rows)


def refused_field(response: Any, field: str) -> str:
    """A structured 422 naming `field`; returns its Chinese message."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    messages = {d["field"]: d["message"] for d in body["details"]}
    assert field in messages, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in messages[field]), messages[field]
    return str(messages[field])


# --- refusals, for every operation alike ------------------------------------------------------

# (method, path, body) of each write, from the fixture's rows: a body the coordinator could send
Operation = Callable[[Admin], tuple[str, str, dict[str, Any]]]
OPERATIONS: dict[str, Operation] = {
    "create unit": lambda a: ("POST", "/api/v1/units", {"name": "新设经开区管委会", "kind": "zone"}),
    "update unit": lambda a: ("PATCH", f"/api/v1/units/{a.town.id}", {"version": a.town.version, "head_name": "王某"}),
    "create user": lambda a: (
        "POST",
        "/api/v1/users",
        {
            "username": "api_new_user",
            "display_name": "新同事",
            "unit_id": a.town.id,
            "role": "unit_staff",
            "initial_password": INITIAL_PASSWORD,
        },
    ),
    "update user": lambda a: (
        "PATCH",
        f"/api/v1/users/{a.clerk.id}",
        {"version": a.clerk.version, "display_name": "改名"},
    ),
    "reset password": lambda a: ("POST", f"/api/v1/users/{a.clerk.id}/password", {"new_password": NEW_PASSWORD}),
    "unlock": lambda a: ("POST", f"/api/v1/users/{a.clerk.id}/unlock", {}),
    "add lost reason": lambda a: ("POST", "/api/v1/lost-reasons", {"name": "企业资金链断裂"}),
    "category days": lambda a: (
        "PATCH",
        f"/api/v1/ticket-categories/{a.category.id}",
        {"version": a.category.version, "default_days": 3},
    ),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_refused_without_the_admin_scope_and_to_a_units_token(
    db: Session, client: TestClient, admin: Admin, operation: str
) -> None:
    method, path, body = OPERATIONS[operation](admin)
    before = snapshot(db)

    missing = client.request(method, path, json=body, headers=admin.no_scope | {"Idempotency-Key": "k-1"})
    assert missing.status_code == 403, missing.text
    assert missing.json()["code"] == "scope_missing" and "系统管理" in missing.json()["message"]

    # a unit's staff token may hold the admin scope (for its own unit's contact) but its role may not do this
    staff = client.request(method, path, json=body, headers=admin.staff | {"Idempotency-Key": "k-2"})
    assert staff.status_code == 403, staff.text
    assert staff.json()["code"] == "forbidden"

    assert changed(before, snapshot(db)) == []  # nothing written but the denials in the audit trail
    assert NEW_PASSWORD not in staff.text + missing.text and INITIAL_PASSWORD not in staff.text + missing.text


# --- units ------------------------------------------------------------------------------------


def test_the_coordinator_creates_a_unit_once_per_idempotency_key(db: Session, client: TestClient, admin: Admin):
    body = {"name": "县经济开发区管委会", "short_name": "经开区", "kind": "zone", "parent_id": admin.bureau.id}
    headers = admin.coordinator | {"Idempotency-Key": "unit-create-0001"}

    first = client.post("/api/v1/units", json=body, headers=headers)
    assert first.status_code == 201, first.text
    created = first.json()
    assert (created["name"], created["kind"], created["parent_id"], created["tier"]) == (
        "县经济开发区管委会",
        "zone",
        admin.bureau.id,
        None,
    )
    again = client.post("/api/v1/units", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == created
    db.expire_all()
    assert db.execute(select(func.count()).where(Unit.name == "县经济开发区管委会")).scalar_one() == 1

    [entry] = entries(db, "unit", created["id"], "create")
    assert entry.actor_token_id == admin.coordinator_id

    # the same name again (no key): refused beside the field
    clash = client.post("/api/v1/units", json=body, headers=admin.coordinator)
    assert clash.status_code == 409 and clash.json()["field"] == "name" and "同名" in clash.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "县文旅局", "kind": "department"}, "__all__"),  # a department needs its tier
        ({"name": "甲", "kind": "town"}, "name"),
        ({"name": "某某镇", "kind": "planet"}, "kind"),
        ({"name": "某某镇", "kind": "town", "parent_id": 2_000_000_000}, "parent_id"),
        ({"name": "某某镇", "kind": "town", "owner": "me"}, "owner"),
    ],
)
def test_an_invalid_unit_is_refused_beside_its_field(
    db: Session, client: TestClient, admin: Admin, body: dict[str, Any], field: str
) -> None:
    before = snapshot(db)
    message = refused_field(client.post("/api/v1/units", json=body, headers=admin.coordinator), field)
    if field == "__all__":
        assert "考核档次" in message
    assert changed(before, snapshot(db)) == []


def test_the_coordinator_changes_only_the_fields_sent_and_a_stale_version_is_a_conflict(
    db: Session, client: TestClient, admin: Admin
) -> None:
    town = admin.town
    path = f"/api/v1/units/{town.id}"
    version, name = town.version, town.name

    changed_unit = client.patch(
        path, json={"version": version, "head_name": "刘镇长", "sort_order": 7}, headers=admin.coordinator
    )
    assert changed_unit.status_code == 200, changed_unit.text
    shown = changed_unit.json()
    assert (shown["head_name"], shown["sort_order"], shown["name"], shown["kind"]) == ("刘镇长", 7, name, "town")
    assert shown["version"] == version + 1
    [entry] = entries(db, "unit", town.id, "update")
    assert entry.actor_token_id == admin.coordinator_id
    assert entry.changes["head_name"] == ["", "刘镇长"]

    before = snapshot(db)
    stale = client.patch(path, json={"version": version, "head_name": "另一人"}, headers=admin.coordinator)
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert stale.json()["details"]["current_version"] == version + 1
    # made a department without its tier: the unit as it would stand is checked as a whole
    message = refused_field(
        client.patch(path, json={"version": version + 1, "kind": "department"}, headers=admin.coordinator), "__all__"
    )
    assert "考核档次" in message
    refused_field(client.patch(path, json={"version": version + 1, "name": None}, headers=admin.coordinator), "name")
    # its own parent: refused
    refused_field(
        client.patch(path, json={"version": version + 1, "parent_id": town.id}, headers=admin.coordinator),
        "parent_id",
    )
    assert changed(before, snapshot(db)) == []

    # retried with the same key: the first answer again, not a conflict
    headers = admin.coordinator | {"Idempotency-Key": "unit-patch-0001"}
    body = {"version": version + 1, "kind": "department", "tier": 3}
    first = client.patch(path, json=body, headers=headers)
    assert first.status_code == 200 and first.json()["tier"] == 3
    again = client.patch(path, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert len(entries(db, "unit", town.id, "update")) == 2


def test_a_unit_with_people_cannot_be_disabled_over_the_api(db: Session, client: TestClient, admin: Admin) -> None:
    message = refused_field(
        client.patch(
            f"/api/v1/units/{admin.town.id}",
            json={"version": admin.town.version, "is_active": False},
            headers=admin.coordinator,
        ),
        "is_active",
    )
    assert "在用账号" in message


# --- people -----------------------------------------------------------------------------------


def test_the_coordinator_creates_a_person_and_the_password_never_comes_back(
    db: Session, client: TestClient, admin: Admin
) -> None:
    body = {
        "username": "zhang.wei",
        "display_name": "张伟",
        "unit_id": admin.town.id,
        "role": "unit_staff",
        "phone": "13900000000",
        "initial_password": INITIAL_PASSWORD,
    }
    headers = admin.coordinator | {"Idempotency-Key": "user-create-0001"}
    first = client.post("/api/v1/users", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert INITIAL_PASSWORD not in first.text and "password" not in first.text
    again = client.post("/api/v1/users", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()

    db.expire_all()
    user = db.execute(select(User).where(User.username == "zhang.wei")).scalar_one()
    assert (user.display_name, user.unit_id, user.role, user.must_change_password) == (
        "张伟",
        admin.town.id,
        Role.unit_staff,
        True,
    )
    assert verify_password(INITIAL_PASSWORD, user.password_hash)
    [entry] = entries(db, "user_account", user.id, "create")
    assert entry.actor_token_id == admin.coordinator_id
    assert INITIAL_PASSWORD not in trail_text(db) and user.password_hash not in trail_text(db)

    # the key's record keeps no plain digest of the request (which would let a guess be checked)
    plain = idempotency.request_fingerprint("POST", "/api/v1/users", "application/json", json.dumps(body).encode())
    stored = db.execute(select(IdempotencyRecord.request_hash)).scalars().all()
    assert stored and plain not in stored

    # the same login name again, a weak password, an unknown unit: refused beside the field
    clash = client.post("/api/v1/users", json=body, headers=admin.coordinator)
    assert clash.status_code == 409 and clash.json()["field"] == "username"
    weak = client.post(
        "/api/v1/users", json=body | {"username": "li.na", "initial_password": "abc"}, headers=admin.coordinator
    )
    assert "密码至少" in refused_field(weak, "initial_password") and "abc" not in weak.json()["message"]
    refused_field(
        client.post(
            "/api/v1/users", json=body | {"username": "li.na", "unit_id": 2_000_000_000}, headers=admin.coordinator
        ),
        "unit_id",
    )
    refused_field(
        client.post("/api/v1/users", json=body | {"username": "李 娜"}, headers=admin.coordinator), "username"
    )


def test_the_coordinator_edits_a_person_and_a_stale_version_is_a_conflict(
    db: Session, client: TestClient, admin: Admin
) -> None:
    clerk = admin.clerk
    path = f"/api/v1/users/{clerk.id}"
    version = clerk.version
    moved = client.patch(
        path, json={"version": version, "display_name": "李春燕", "unit_id": admin.bureau.id}, headers=admin.coordinator
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["display_name"], moved.json()["unit_id"], moved.json()["role"]) == (
        "李春燕",
        admin.bureau.id,
        "unit_staff",
    )
    [entry] = entries(db, "user_account", clerk.id, "update")
    assert entry.actor_token_id == admin.coordinator_id

    before = snapshot(db)
    stale = client.patch(path, json={"version": version, "phone": "123"}, headers=admin.coordinator)
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    refused_field(client.patch(path, json={"version": version + 1, "role": "king"}, headers=admin.coordinator), "role")
    refused_field(
        client.patch(path, json={"version": version + 1, "unit_id": 2_000_000_000}, headers=admin.coordinator),
        "unit_id",
    )
    refused_field(
        client.patch(path, json={"version": version + 1, "username": "renamed"}, headers=admin.coordinator),
        "username",  # the login name is not edited
    )
    assert changed(before, snapshot(db)) == []

    headers = admin.coordinator | {"Idempotency-Key": "user-patch-0001"}
    body = {"version": version + 1, "is_active": False}
    assert client.patch(path, json=body, headers=headers).json()["is_active"] is False
    again = client.patch(path, json=body, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert len(entries(db, "user_account", clerk.id, "update")) == 2


def test_the_coordinator_resets_a_password_without_it_ever_being_answered_or_audited(
    db: Session, client: TestClient, admin: Admin
) -> None:
    clerk = admin.clerk
    clerk.failed_login_count, clerk.locked_until = 5, utcnow() + timedelta(minutes=30)
    db.commit()
    path = f"/api/v1/users/{clerk.id}/password"
    headers = admin.coordinator | {"Idempotency-Key": "password-0001"}

    first = client.post(path, json={"new_password": NEW_PASSWORD}, headers=headers)
    assert first.status_code == 200, first.text
    assert NEW_PASSWORD not in first.text and "password" not in first.text
    again = client.post(path, json={"new_password": NEW_PASSWORD}, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert NEW_PASSWORD not in again.text

    db.expire_all()
    user = db.get(User, clerk.id)
    assert user is not None
    assert verify_password(NEW_PASSWORD, user.password_hash)
    assert user.must_change_password and user.locked_until is None and user.failed_login_count == 0
    [entry] = by_token(entries(db, "user_account", clerk.id, "update"), admin)  # done once
    assert entry.changes["password_hash"] == ["***", "***"]
    text = trail_text(db)
    assert NEW_PASSWORD not in text and user.password_hash not in text
    assert audit.verify_chain(db).ok

    # the key with another password: refused, and the message names no password
    other = client.post(path, json={"new_password": NEW_PASSWORD + "x"}, headers=headers)
    assert other.status_code == 422 and NEW_PASSWORD not in other.text
    # a password the policy refuses, and one with the login name in it
    weak = client.post(path, json={"new_password": "short"}, headers=admin.coordinator)
    assert "密码至少" in refused_field(weak, "new_password") and "short" not in weak.text
    named = client.post(path, json={"new_password": f"{user.username}#Aa-2026"}, headers=admin.coordinator)
    assert "用户名" in refused_field(named, "new_password")
    refused_field(client.post(path, json={}, headers=admin.coordinator), "new_password")
    missing = client.post(
        "/api/v1/users/2000000000/password", json={"new_password": NEW_PASSWORD}, headers=admin.coordinator
    )
    assert missing.status_code == 404


def test_the_coordinator_unlocks_a_person(db: Session, client: TestClient, admin: Admin) -> None:
    clerk = admin.clerk
    clerk.failed_login_count, clerk.locked_until = 5, utcnow() + timedelta(minutes=30)
    db.commit()
    headers = admin.coordinator | {"Idempotency-Key": "unlock-0001"}
    first = client.post(f"/api/v1/users/{clerk.id}/unlock", headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["id"] == clerk.id
    again = client.post(f"/api/v1/users/{clerk.id}/unlock", headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    db.expire_all()
    user = db.get(User, clerk.id)
    assert user is not None and user.locked_until is None and user.failed_login_count == 0
    [entry] = by_token(entries(db, "user_account", clerk.id, "update"), admin)
    assert entry.changes["failed_login_count"] == [5, 0]
    refused_field(client.post("/api/v1/users/0/unlock", headers=admin.coordinator), "user_id")
    assert client.post("/api/v1/users/2000000000/unlock", headers=admin.coordinator).status_code == 404


# --- lost reasons -----------------------------------------------------------------------------


def test_the_coordinator_adds_a_lost_reason_once_per_key(db: Session, client: TestClient, admin: Admin) -> None:
    headers = admin.coordinator | {"Idempotency-Key": "lost-0001"}
    first = client.post("/api/v1/lost-reasons", json={"name": "  企业资金链断裂  "}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["name"] == "企业资金链断裂" and first.json()["is_active"] is True
    again = client.post("/api/v1/lost-reasons", json={"name": "  企业资金链断裂  "}, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    db.expire_all()
    assert db.execute(select(func.count()).where(LostReason.name == "企业资金链断裂")).scalar_one() == 1
    [entry] = entries(db, "lost_reason", first.json()["id"], "create")
    assert entry.actor_token_id == admin.coordinator_id

    listed = client.get("/api/v1/lost-reasons", headers=admin.staff)  # anyone who reads may list them
    assert listed.status_code == 200 and "企业资金链断裂" in [r["name"] for r in listed.json()]

    before = snapshot(db)
    assert "已有" in refused_field(
        client.post("/api/v1/lost-reasons", json={"name": "企业资金链断裂"}, headers=admin.coordinator), "name"
    )
    refused_field(client.post("/api/v1/lost-reasons", json={"name": "断"}, headers=admin.coordinator), "name")
    refused_field(client.post("/api/v1/lost-reasons", json={}, headers=admin.coordinator), "name")
    assert changed(before, snapshot(db)) == []


# --- ticket categories ------------------------------------------------------------------------


def test_the_coordinator_sets_a_categorys_default_days(db: Session, client: TestClient, admin: Admin) -> None:
    category = admin.category
    listed = client.get("/api/v1/ticket-categories", headers=admin.staff)
    assert listed.status_code == 200
    shown = {c["id"]: c for c in listed.json()}[category.id]
    assert (shown["code"], shown["default_days"], shown["version"]) == (category.code, 10, category.version)

    path = f"/api/v1/ticket-categories/{category.id}"
    headers = admin.coordinator | {"Idempotency-Key": "category-0001"}
    body = {"version": shown["version"], "default_days": 3}
    first = client.patch(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["default_days"] == 3 and first.json()["version"] == shown["version"] + 1
    again = client.patch(path, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    [entry] = entries(db, "ticket_category", category.id, "update")
    assert entry.actor_token_id == admin.coordinator_id and entry.changes["default_days"] == [10, 3]
    # the services list (Open311) says so too
    services = client.get("/api/v1/tickets/services", headers=admin.staff).json()
    assert {s["service_code"]: s["default_working_days"] for s in services}[category.code] == 3

    before = snapshot(db)
    stale = client.patch(path, json=body | {"default_days": 4}, headers=admin.coordinator)
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    for days in (0, 366, "十"):
        refused_field(
            client.patch(path, json={"version": shown["version"] + 1, "default_days": days}, headers=admin.coordinator),
            "default_days",
        )
    refused_field(client.patch(path, json={"default_days": 5}, headers=admin.coordinator), "version")
    gone = client.patch(
        "/api/v1/ticket-categories/2000000000", json={"version": 1, "default_days": 5}, headers=admin.coordinator
    )
    assert gone.status_code == 404
    assert changed(before, snapshot(db)) == []
