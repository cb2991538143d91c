"""The coordinator's work on tickets over the API, as on the ticket page: routing to a handling unit with
helpers and a deadline in working days, and every action the page offers the coordinator (comment, pause,
resume; and as the reporting unit, close or reopen), with a coordinator token. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.ticket import Ticket, TicketStatus, TicketUnit
from app.models.user import ApiToken
from app.scopes import TokenRole
from app.services import workdays
from app.services.security import sha256_hex
from tests.core.test_refusal_rollback import changed, snapshot
from tests.factories import bearer, make_token, make_unit
from tests.tickets.conftest import County, actions, inbox
from tests.tickets.test_ticket_access import reported, routed


def coordinator_token(db: Session, county: County, *scopes: str) -> tuple[dict[str, str], int]:
    secret = make_token(db, county.bureau, role=TokenRole.coordinator, scopes=("read", *scopes))
    db.flush()
    token_id = db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()
    return bearer(secret), token_id


def route_url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/requests/{ticket.id}/route"


def refused_field(response: Any, field: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    messages = {d["field"]: d["message"] for d in body["details"]}
    assert field in messages, body
    return str(messages[field])


def test_a_coordinator_token_routes_a_ticket_with_helpers_and_a_deadline(
    db: Session, county: County, client: TestClient
) -> None:
    ticket = reported(db, county)
    headers, token_id = coordinator_token(db, county, "tickets")
    db.commit()
    body = {
        "version": ticket.version,
        "handling_unit_id": county.handler.id,
        "helper_unit_ids": [county.helper.id],
        "due_days": 5,
        "note": "请县工信局牵头，住建局配合",
    }
    keyed = headers | {"Idempotency-Key": "route-0001"}

    first = client.post(route_url(ticket), json=body, headers=keyed)
    assert first.status_code == 200, first.text
    shown = first.json()
    due = workdays.add_working_days(workdays.today(), 5, workdays.load_calendar(db))
    assert shown["detailed_status"] == "routed" and shown["status"] == "open"
    assert shown["agency_responsible"] == county.handler.name and shown["handling_unit_id"] == county.handler.id
    assert shown["expected_datetime"].startswith(f"{due.isoformat()}T18:00")
    assert shown["status_notes"] == "请县工信局牵头，住建局配合"
    assert shown["version"] == ticket.version + 1

    again = client.post(route_url(ticket), json=body, headers=keyed)  # a retry: done once
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == shown
    assert actions(db, ticket.id) == ["report", "route"]

    db.expire_all()
    stored = db.get(Ticket, ticket.id)
    assert stored is not None and stored.due_on == due and stored.handling_unit_id == county.handler.id
    shares = db.execute(select(TicketUnit.unit_id, TicketUnit.is_lead).where(TicketUnit.ticket_id == ticket.id)).all()
    assert sorted(shares) == sorted([(county.handler.id, True), (county.helper.id, False)])
    entry = db.execute(
        select(AuditEntry).where(
            AuditEntry.entity == "ticket", AuditEntry.entity_id == str(ticket.id), AuditEntry.action == "update"
        )
    ).scalar_one()
    assert entry.actor_token_id == token_id
    assert entry.changes["status"] == ["reported", "routed"]
    # the handling and helping units are told, and now see it
    assert any("交办" in title for title in inbox(db, county.handler_staff))
    helper = bearer(make_token(db, county.helper))
    db.commit()
    assert client.get(f"/api/v1/tickets/requests/{ticket.id}", headers=helper).status_code == 200


def test_routing_is_refused_without_the_scope_to_the_units_and_changes_nothing(
    db: Session, county: County, client: TestClient
) -> None:
    ticket = reported(db, county)
    no_scope, _ = coordinator_token(db, county, "admin", "projects")
    reporter = bearer(make_token(db, county.town))  # its own ticket, but only the bureau routes
    outsider = bearer(make_token(db, county.other))
    db.commit()
    body = {"version": ticket.version, "handling_unit_id": county.handler.id}
    before = snapshot(db)

    missing = client.post(route_url(ticket), json=body, headers=no_scope)
    assert missing.status_code == 403 and missing.json()["code"] == "scope_missing"
    assert "服务问题" in missing.json()["message"]
    refused = client.post(route_url(ticket), json=body, headers=reporter)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "交办" in refused.json()["message"]
    assert client.post(route_url(ticket), json=body, headers=outsider).status_code == 404

    assert changed(before, snapshot(db)) == []
    assert actions(db, ticket.id) == ["report"]


def test_invalid_routing_is_refused_beside_its_field_and_a_stale_version_is_a_conflict(
    db: Session, county: County, client: TestClient
) -> None:
    ticket = reported(db, county)
    headers, _ = coordinator_token(db, county, "tickets")
    closed_unit = make_unit(db, is_active=False)
    db.commit()
    v = ticket.version
    before = snapshot(db)

    for body, field in (
        ({"version": v}, "handling_unit_id"),
        ({"version": v, "handling_unit_id": 2_000_000_000}, "handling_unit_id"),
        ({"version": v, "handling_unit_id": closed_unit.id}, "handling_unit_id"),
        ({"version": v, "handling_unit_id": county.handler.id, "helper_unit_ids": [2_000_000_000]}, "helper_unit_ids"),
        ({"version": v, "handling_unit_id": county.handler.id, "due_days": 0}, "due_days"),
        ({"version": v, "handling_unit_id": county.handler.id, "due_days": 400}, "due_days"),
        (
            {"version": v, "handling_unit_id": county.handler.id, "helper_unit_ids": list(range(1, 13))},
            "helper_unit_ids",
        ),
        ({"handling_unit_id": county.handler.id}, "version"),
    ):
        message = refused_field(client.post(route_url(ticket), json=body, headers=headers), field)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message

    stale = client.post(
        route_url(ticket), json={"version": v + 5, "handling_unit_id": county.handler.id}, headers=headers
    )
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert changed(before, snapshot(db)) == []

    # once routed it is not routed again (the handling unit sends it back first)
    done = client.post(route_url(ticket), json={"version": v, "handling_unit_id": county.handler.id}, headers=headers)
    assert done.status_code == 200
    again = client.post(
        route_url(ticket), json={"version": v + 1, "handling_unit_id": county.helper.id}, headers=headers
    )
    assert "已交办" in refused_field(again, "__all__")


def act(client: TestClient, ticket: Ticket, headers: dict[str, str], version: int, action: str, **more: Any) -> Any:
    return client.post(
        f"/api/v1/tickets/requests/{ticket.id}/actions",
        json={"version": version, "action": action, **more},
        headers=headers,
    )


def test_the_coordinators_actions_on_a_routed_ticket(db: Session, county: County, client: TestClient) -> None:
    """What the ticket page offers the coordinator once a ticket is routed: record progress, pause the
    clock, resume it; accepting and resolving are the handling unit's."""
    ticket = routed(db, county)
    headers, token_id = coordinator_token(db, county, "tickets")
    db.commit()
    version = client.get(f"/api/v1/tickets/requests/{ticket.id}", headers=headers).json()[0]["version"]

    commented = act(client, ticket, headers, version, "comment", note="已约企业和两户周五现场协调")
    assert commented.status_code == 200, commented.text
    assert commented.json()["status_notes"] == "已约企业和两户周五现场协调"
    version = commented.json()["version"]

    for action in ("accept", "resolve"):
        refused = act(client, ticket, headers, version, action, note="招商局代办")
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

    keyed = headers | {"Idempotency-Key": "pause-0001"}
    paused = client.post(
        f"/api/v1/tickets/requests/{ticket.id}/actions",
        json={"version": version, "action": "pause", "note": "等待县政府常务会研究补偿标准"},
        headers=keyed,
    )
    assert paused.status_code == 200 and paused.json()["detailed_status"] == "paused"
    assert paused.json()["light"] == "grey"
    replay = client.post(
        f"/api/v1/tickets/requests/{ticket.id}/actions",
        json={"version": version, "action": "pause", "note": "等待县政府常务会研究补偿标准"},
        headers=keyed,
    )
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    refused_field(act(client, ticket, headers, paused.json()["version"], "pause"), "note")  # a reason is needed

    resumed = act(client, ticket, headers, paused.json()["version"], "resume")
    assert resumed.status_code == 200 and resumed.json()["detailed_status"] == "routed"
    stale = act(client, ticket, headers, version, "comment", note="旧版本")
    assert stale.status_code == 409
    assert actions(db, ticket.id) == ["report", "route", "comment", "pause", "resume"]
    by_token = db.execute(
        select(AuditEntry.entity, AuditEntry.action).where(
            AuditEntry.actor_token_id == token_id, AuditEntry.action != "permission_denied"
        )
    ).all()
    assert sorted(set(by_token)) == [("ticket", "update")]
    assert len(by_token) == 2  # the pause and the resume (a comment is an event on the timeline)

    no_scope, _ = coordinator_token(db, county, "admin")
    db.commit()
    missing = act(client, ticket, no_scope, resumed.json()["version"], "comment", note="无权限")
    assert missing.status_code == 403 and missing.json()["code"] == "scope_missing"


def test_a_ticket_the_bureau_reported_is_closed_or_reopened_by_its_token(
    db: Session, county: County, client: TestClient
) -> None:
    """The coordinator's own ticket, reported, routed, resolved, reopened and closed with the investor's
    verdict, all over the API (close and reopen are the reporting unit's: here, the bureau)."""
    headers, _ = coordinator_token(db, county, "tickets")
    handler = bearer(make_token(db, county.handler))
    db.commit()
    created = client.post(
        "/api/v1/tickets/requests",
        json={
            "service_code": "utilities",
            "description": "厂区外 10kV 线路迁改未完成",
            "project_id": county.project.id,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    ticket = db.get(Ticket, int(created.json()[0]["service_request_id"]))
    assert ticket is not None and ticket.reporter_unit_id == county.bureau.id

    shown = client.post(
        route_url(ticket), json={"version": ticket.version, "handling_unit_id": county.handler.id}, headers=headers
    ).json()
    shown = act(client, ticket, handler, shown["version"], "accept").json()
    shown = act(client, ticket, handler, shown["version"], "resolve", note="线路已迁改").json()
    reopened = act(client, ticket, headers, shown["version"], "reopen", note="企业反映仍有一处未迁")
    assert reopened.status_code == 200 and reopened.json()["detailed_status"] == "in_progress"
    shown = act(client, ticket, handler, reopened.json()["version"], "resolve", note="全部迁改完毕").json()
    refused_field(act(client, ticket, headers, shown["version"], "close"), "verdict")
    closed = act(client, ticket, headers, shown["version"], "close", verdict="satisfied", note="企业满意")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    db.expire_all()
    assert db.get(Ticket, ticket.id).status is TicketStatus.closed  # type: ignore[union-attr]


@pytest.mark.parametrize("scopes", [("read",), ("read", "admin")])
def test_a_token_without_tickets_reads_but_does_not_route(
    db: Session, county: County, client: TestClient, scopes: tuple[str, ...]
) -> None:
    ticket = reported(db, county)
    headers = bearer(make_token(db, county.bureau, role=TokenRole.coordinator, scopes=scopes))
    db.commit()
    assert client.get(f"/api/v1/tickets/requests/{ticket.id}", headers=headers).status_code == 200
    answer = client.post(
        route_url(ticket), json={"version": ticket.version, "handling_unit_id": county.handler.id}, headers=headers
    )
    assert answer.status_code == 403 and answer.json()["code"] == "scope_missing"
