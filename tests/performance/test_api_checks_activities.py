"""Spot-checks, a unit's activities, the settings and the holiday calendar over the API, through the services
the pages call. Each operation: done (the effect, and the audit trail naming the token); refused to a
coordinator token without the scope (403 scope_missing) and to a unit's token where its role may not (403),
changing nothing; a unit's token records its own unit's activities and never another's; invalid input a 422
naming the field in Chinese; a stale version a 409; a retry with the same Idempotency-Key done once.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.performance import EventProject, PromotionEvent, Reception, SpotCheck, SpotFinding, TradeEntry, Trip
from app.models.project import Project, Stage
from app.models.setting import AppSetting
from app.models.ticket import CalendarDay
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, Role
from app.principal import Principal
from app.scopes import TokenRole
from app.services import spot_checks, workdays
from app.services.security import sha256_hex
from tests.core.test_refusal_rollback import changed, snapshot
from tests.factories import bearer, make_token, make_unit
from tests.projects.factories import make_project

TODAY = workdays.today()
SIGNED = TODAY - timedelta(days=20)
PERIOD = {"period_start": (TODAY - timedelta(days=60)).isoformat(), "period_end": TODAY.isoformat()}
HOLIDAY = date(TODAY.year, 10, 1)


@dataclass
class Desk:
    bureau: Unit
    town: Unit
    other: Unit
    ours: Project  # the town's, signed within the period
    theirs: Project  # the other town's
    check_id: int  # a spot-check drawn beforehand, every item in it
    coordinator: dict[str, str]  # read, reports, admin, projects
    coordinator_id: int
    no_scope: dict[str, str]  # a coordinator token with read and tickets only
    staff: dict[str, str]  # the town's staff: every scope its role may hold (admin and reports included)
    staff_id: int
    other_staff: dict[str, str]
    reader: dict[str, str]


def token_id(db: Session, secret: str) -> int:
    return db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()


@pytest.fixture
def desk(db: Session, client: TestClient) -> Desk:
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town, other = make_unit(db), make_unit(db)
    ours = make_project(db, town, stage=Stage.signed, reached=SIGNED, name="锂电池隔膜生产线")
    make_project(db, town, stage=Stage.signed, reached=SIGNED)
    theirs = make_project(db, other, stage=Stage.signed, reached=SIGNED)
    checker = Principal(role=Role.supervisor, unit_id=None, label="督查室")
    check = spot_checks.draw(db, checker, TODAY - timedelta(days=60), TODAY, Decimal(100), seed=11)
    db.add(CalendarDay(day=date(TODAY.year, 5, 1), is_workday=False, name="劳动节"))
    coordinator = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "reports", "admin", "projects"))
    no_scope = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "tickets"))
    staff = make_token(db, town)
    other_staff = make_token(db, other)
    reader = make_token(db, None, read_only=True)
    db.commit()
    return Desk(
        bureau=bureau,
        town=town,
        other=other,
        ours=ours,
        theirs=theirs,
        check_id=check.id,
        coordinator=bearer(coordinator),
        coordinator_id=token_id(db, coordinator),
        no_scope=bearer(no_scope),
        staff=bearer(staff),
        staff_id=token_id(db, staff),
        other_staff=bearer(other_staff),
        reader=bearer(reader),
    )


def entries(db: Session, entity: str, entity_id: Any = None, action: str | None = None) -> list[AuditEntry]:
    db.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.execute(stmt.order_by(AuditEntry.seq)).scalars())


def refused_field(response: Any, field: str) -> str:
    """A structured 422 naming `field`; returns its Chinese message."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    messages = {d["field"]: d["message"] for d in body["details"]}
    assert field in messages, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in messages[field]), messages[field]
    return str(messages[field])


def count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def sampled(db: Session, desk: Desk) -> dict[str, Any]:
    check = db.get(SpotCheck, desk.check_id)
    assert check is not None
    return next(i for i in check.items if i["kind"] == "project_signed" and i["id"] == desk.ours.id)


# --- refusals: the bureau's operations -----------------------------------------------------------

Operation = Callable[[Desk], tuple[str, str, dict[str, Any] | None, str]]
OPERATIONS: dict[str, Operation] = {
    "draw a spot-check": lambda d: ("POST", "/api/v1/spot-checks", PERIOD | {"seed": 5}, "报告与通报"),
    "record a finding": lambda d: (
        "POST",
        f"/api/v1/spot-checks/{d.check_id}/findings",
        {"kind": "project_signed", "item_id": d.ours.id, "confirmed": True},
        "报告与通报",
    ),
    "change settings": lambda d: (
        "PATCH",
        "/api/v1/settings",
        {"settings": {"lead_monthly_quota": {"value": "3", "version": 0}}},
        "系统管理",
    ),
    "set a holiday": lambda d: (
        "PUT",
        f"/api/v1/calendar/{HOLIDAY}",
        {"is_workday": False, "name": "国庆节"},
        "系统管理",
    ),
    "remove a holiday": lambda d: ("DELETE", f"/api/v1/calendar/{date(TODAY.year, 5, 1)}", None, "系统管理"),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_refused_without_the_scope_and_to_a_units_token(
    db: Session, client: TestClient, desk: Desk, operation: str
) -> None:
    method, path, body, scope_name = OPERATIONS[operation](desk)
    before = snapshot(db)

    missing = client.request(method, path, json=body, headers=desk.no_scope | {"Idempotency-Key": "k-1"})
    assert missing.status_code == 403, missing.text
    assert missing.json()["code"] == "scope_missing" and scope_name in missing.json()["message"]

    # the town's staff token holds the scope (reports, admin) but its role may not do this
    staff = client.request(method, path, json=body, headers=desk.staff | {"Idempotency-Key": "k-2"})
    assert staff.status_code == 403, staff.text
    assert staff.json()["code"] == "forbidden"

    assert changed(before, snapshot(db)) == []  # nothing written but the denials in the audit trail


@pytest.mark.parametrize("path", ["/api/v1/spot-checks", "/api/v1/settings", f"/api/v1/calendar?year={TODAY.year}"])
def test_a_units_token_reads_no_bureau_desk(client: TestClient, desk: Desk, path: str) -> None:
    assert client.get(path, headers=desk.staff).status_code == 403
    assert client.get(path, headers=desk.coordinator).status_code == 200


# --- spot-checks ---------------------------------------------------------------------------------


def test_the_coordinator_draws_a_spot_check_once_per_idempotency_key(db: Session, client: TestClient, desk: Desk):
    body = PERIOD | {"fraction": "50", "seed": 424242}
    headers = desk.coordinator | {"Idempotency-Key": "spot-draw-0001"}
    checks_before = count(db, SpotCheck)

    first = client.post("/api/v1/spot-checks", json=body, headers=headers)
    assert first.status_code == 201, first.text
    drawn = first.json()
    assert drawn["population"] == 3 and drawn["sampled"] == 2 == len(drawn["items"])  # ceil(50% of 3)
    assert Decimal(drawn["fraction"]) == 50 and drawn["seed"] == 424242 and drawn["findings"] == []
    assert {i["kind"] for i in drawn["items"]} == {"project_signed"}
    again = client.post("/api/v1/spot-checks", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == drawn
    assert count(db, SpotCheck) == checks_before + 1
    [entry] = entries(db, "spot_check", drawn["id"], "create")
    assert entry.actor_token_id == desk.coordinator_id

    # the same seed over the same records draws the same sample
    repeat = client.post("/api/v1/spot-checks", json=body, headers=desk.coordinator)
    assert repeat.status_code == 201 and repeat.json()["items"] == drawn["items"]

    listed = client.get("/api/v1/spot-checks", params={"limit": 2}, headers=desk.reader)
    assert listed.status_code == 200
    assert listed.json()["total"] == checks_before + 2
    assert [c["id"] for c in listed.json()["items"]] == [repeat.json()["id"], drawn["id"]]
    shown = client.get(f"/api/v1/spot-checks/{drawn['id']}", headers=desk.reader)
    assert shown.status_code == 200 and shown.json()["items"] == drawn["items"]
    assert client.get("/api/v1/spot-checks/2000000000", headers=desk.reader).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period_end": (TODAY - timedelta(days=90)).isoformat()}, "period_end"),  # before the start
        ({"period_start": "1999-12-31"}, "period_start"),
        ({"fraction": "0"}, "fraction"),
        ({"fraction": "100.5"}, "fraction"),
        ({"seed": 0}, "seed"),
        ({"sample": "all"}, "sample"),
    ],
)
def test_an_invalid_draw_is_refused_beside_its_field(
    db: Session, client: TestClient, desk: Desk, change: dict[str, Any], field: str
) -> None:
    before = snapshot(db)
    refused_field(client.post("/api/v1/spot-checks", json=PERIOD | change, headers=desk.coordinator), field)
    assert changed(before, snapshot(db)) == []


def test_the_coordinator_records_a_finding_and_corrects_it_with_its_version(
    db: Session, client: TestClient, desk: Desk
) -> None:
    item = sampled(db, desk)
    path = f"/api/v1/spot-checks/{desk.check_id}/findings"
    body = {
        "kind": "project_signed",
        "item_id": item["id"],
        "confirmed": False,
        "discrepancy": "120.00",
        "note": "签约合同金额与登记不一致，多报 120 万元",
    }
    headers = desk.coordinator | {"Idempotency-Key": "finding-0001"}
    first = client.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    found = first.json()
    assert (found["confirmed"], Decimal(found["discrepancy"]), found["unit_id"]) == (False, 120, desk.town.id)
    again = client.post(path, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == found
    db.expire_all()
    row = db.execute(select(SpotFinding).where(SpotFinding.check_id == desk.check_id)).scalar_one()
    assert row.note.startswith("签约合同金额") and row.unit_id == desk.town.id
    [entry] = entries(db, "spot_finding", row.id, "create")
    assert entry.actor_token_id == desk.coordinator_id

    shown = client.get(f"/api/v1/spot-checks/{desk.check_id}", headers=desk.coordinator).json()
    assert [f["id"] for f in shown["findings"]] == [found["id"]]

    # corrected: with the version read; a stale version changes nothing
    corrected = client.post(
        path,
        json={"kind": "project_signed", "item_id": item["id"], "confirmed": True, "version": found["version"]},
        headers=desk.coordinator,
    )
    assert corrected.status_code == 200 and corrected.json()["confirmed"] is True
    assert corrected.json()["version"] == found["version"] + 1
    [update] = entries(db, "spot_finding", row.id, "update")
    assert update.actor_token_id == desk.coordinator_id and update.changes["confirmed"] == [False, True]
    before = snapshot(db)
    stale = client.post(path, json=body | {"version": found["version"]}, headers=desk.coordinator)
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert changed(before, snapshot(db)) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"confirmed": False, "note": ""}, "note"),  # a discrepancy must say what was wrong
        ({"item_id": 2_000_000_000}, "item_id"),  # not in the sample
        ({"kind": "funds_confirmed"}, "kind"),
        ({"note": "长" * 2001}, "note"),
        ({"discrepancy": "1.234"}, "discrepancy"),
    ],
)
def test_an_invalid_finding_is_refused_beside_its_field(
    db: Session, client: TestClient, desk: Desk, change: dict[str, Any], field: str
) -> None:
    body = {"kind": "project_signed", "item_id": sampled(db, desk)["id"], "confirmed": True} | change
    before = snapshot(db)
    refused_field(
        client.post(f"/api/v1/spot-checks/{desk.check_id}/findings", json=body, headers=desk.coordinator), field
    )
    assert changed(before, snapshot(db)) == []


# --- activities ----------------------------------------------------------------------------------

TRIP = {
    "started_on": (TODAY - timedelta(days=10)).isoformat(),
    "ended_on": (TODAY - timedelta(days=7)).isoformat(),
    "destination": "广东省深圳市",
    "people": "张局长、李科长",
    "companies_visited": "深圳某新能源科技有限公司",
    "leads_obtained": 3,
}
RECEPTION = {"received_on": (TODAY - timedelta(days=3)).isoformat(), "visitors": "浙江某智能装备考察团", "persons": 6}
THIS_MONTH = TODAY.strftime("%Y-%m")


def test_a_units_staff_record_their_units_trip_once_per_idempotency_key(db: Session, client: TestClient, desk: Desk):
    headers = desk.staff | {"Idempotency-Key": "trip-0001"}
    first = client.post("/api/v1/activities/trip", json=TRIP, headers=headers)
    assert first.status_code == 201, first.text
    recorded = first.json()
    assert recorded["kind"] == "trip"
    assert (recorded["record"]["unit_id"], recorded["record"]["destination"], recorded["record"]["leads_obtained"]) == (
        desk.town.id,
        "广东省深圳市",
        3,
    )
    again = client.post("/api/v1/activities/trip", json=TRIP, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == recorded
    assert count(db, Trip) == 1
    [entry] = entries(db, "trip", recorded["record"]["id"], "create")
    assert entry.actor_token_id == desk.staff_id

    reception = client.post("/api/v1/activities/reception", json=RECEPTION, headers=desk.staff)
    assert reception.status_code == 201 and reception.json()["record"]["persons"] == 6

    # the town's staff see the town's; the other town's see none of it; the coordinator every unit's
    ours = client.get("/api/v1/activities", headers=desk.staff).json()
    assert [t["id"] for t in ours["trips"]] == [recorded["record"]["id"]] and len(ours["receptions"]) == 1
    theirs = client.get("/api/v1/activities", headers=desk.other_staff).json()
    assert theirs["trips"] == [] and theirs["receptions"] == []
    refused = client.get("/api/v1/activities", params={"unit_id": desk.town.id}, headers=desk.other_staff)
    assert refused.status_code == 403
    everyone = client.get("/api/v1/activities", params={"unit_id": desk.town.id}, headers=desk.reader).json()
    assert [t["id"] for t in everyone["trips"]] == [recorded["record"]["id"]]


def test_an_event_links_only_the_units_own_projects(db: Session, client: TestClient, desk: Desk) -> None:
    body = {
        "held_on": (TODAY - timedelta(days=1)).isoformat(),
        "name": "新能源产业招商推介会",
        "place": "县会展中心",
        "project_ids": [desk.ours.id],
    }
    before = snapshot(db)
    message = refused_field(
        client.post("/api/v1/activities/event", json=body | {"project_ids": [desk.theirs.id]}, headers=desk.staff),
        "project_ids",
    )
    assert "本单位" in message
    assert changed(before, snapshot(db)) == []  # nor the event without its projects

    saved = client.post("/api/v1/activities/event", json=body, headers=desk.staff | {"Idempotency-Key": "ev-1"})
    assert saved.status_code == 201, saved.text
    assert saved.json()["record"]["project_ids"] == [desk.ours.id]
    db.expire_all()
    event = db.execute(select(PromotionEvent)).scalar_one()
    assert event.unit_id == desk.town.id
    assert db.execute(select(EventProject.project_id)).scalars().all() == [desk.ours.id]
    assert [e.actor_token_id for e in entries(db, "promotion_event", event.id)] == [desk.staff_id]
    listed = client.get("/api/v1/activities", headers=desk.staff).json()
    assert listed["events"][0]["project_ids"] == [desk.ours.id]


def test_a_months_trade_is_set_and_corrected_with_its_version(db: Session, client: TestClient, desk: Desk) -> None:
    first = client.post(
        "/api/v1/activities/trade", json={"month": THIS_MONTH, "amount_usd": "486.50", "version": 0}, headers=desk.staff
    )
    assert first.status_code == 200, first.text
    record = first.json()["record"]
    assert (record["month"], Decimal(record["amount_usd"]), record["unit_id"]) == (
        THIS_MONTH,
        Decimal("486.5"),
        desk.town.id,
    )

    corrected = client.post(
        "/api/v1/activities/trade",
        json={"month": THIS_MONTH, "amount_usd": "492", "version": record["version"]},
        headers=desk.staff,
    )
    assert corrected.status_code == 200 and Decimal(corrected.json()["record"]["amount_usd"]) == 492
    db.expire_all()
    entry = db.execute(select(TradeEntry)).scalar_one()
    [update] = entries(db, "trade_entry", entry.id, "update")
    assert update.actor_token_id == desk.staff_id
    assert [Decimal(v) for v in update.changes["amount_usd"]] == [Decimal("486.5"), Decimal(492)]

    before = snapshot(db)
    for version in (record["version"], 0):  # read before the correction; read before the month was filled
        stale = client.post(
            "/api/v1/activities/trade",
            json={"month": THIS_MONTH, "amount_usd": "1", "version": version},
            headers=desk.staff,
        )
        assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert changed(before, snapshot(db)) == []


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("trip", TRIP | {"ended_on": (TODAY - timedelta(days=20)).isoformat()}, "ended_on"),  # before it started
        ("trip", TRIP | {"started_on": (TODAY + timedelta(days=1)).isoformat()}, "started_on"),  # not yet
        ("trip", TRIP | {"started_on": "1999-06-01"}, "started_on"),
        ("trip", TRIP | {"destination": ""}, "destination"),
        ("trip", TRIP | {"leads_obtained": 1001}, "leads_obtained"),
        ("reception", RECEPTION | {"persons": 0}, "persons"),
        ("reception", RECEPTION | {"visitors": "客" * 201}, "visitors"),
        (
            "event",
            {"held_on": TODAY.isoformat(), "name": "推介会", "place": "县城", "project_ids": [0]},
            "project_ids.0",
        ),
        ("event", {"held_on": TODAY.isoformat(), "place": "县城"}, "name"),
        ("trade", {"month": "2026-13", "amount_usd": "1"}, "month"),
        ("trade", {"month": f"{TODAY.year + 1}-01", "amount_usd": "1"}, "month"),  # a month yet to come
        ("trade", {"month": THIS_MONTH, "amount_usd": "-1"}, "amount_usd"),
        ("trip", {"month": THIS_MONTH, "amount_usd": "1"}, "month"),  # another kind's body
    ],
)
def test_an_invalid_activity_is_refused_beside_its_field(
    db: Session, client: TestClient, desk: Desk, kind: str, body: dict[str, Any], field: str
) -> None:
    before = snapshot(db)
    refused_field(client.post(f"/api/v1/activities/{kind}", json=body, headers=desk.staff), field)
    assert changed(before, snapshot(db)) == []


def test_activities_need_the_projects_scope_and_a_writers_token(db: Session, client: TestClient, desk: Desk) -> None:
    before = snapshot(db)
    missing = client.post("/api/v1/activities/trip", json=TRIP, headers=desk.no_scope)
    assert missing.status_code == 403 and missing.json()["code"] == "scope_missing"
    assert "项目与进度" in missing.json()["message"]
    assert client.post("/api/v1/activities/trip", json=TRIP, headers=desk.reader).status_code == 403
    assert client.post("/api/v1/activities/meeting", json=TRIP, headers=desk.staff).status_code == 422
    assert changed(before, snapshot(db)) == []
    assert count(db, Reception) == 0


# --- settings ------------------------------------------------------------------------------------


def test_the_coordinator_changes_settings_with_their_versions(db: Session, client: TestClient, desk: Desk) -> None:
    shown = client.get("/api/v1/settings", headers=desk.coordinator).json()
    quota = shown["settings"]["lead_monthly_quota"]
    assert (quota["value"], quota["default"], quota["version"]) == ("1", "1", 0) and quota["label"]
    assert "spot_check_percent" in shown["settings"] and shown["unit_quotas"] == []

    first = client.patch(
        "/api/v1/settings",
        json={
            "settings": {"lead_monthly_quota": {"value": "2", "version": 0}},
            "unit_quotas": [{"unit_id": desk.other.id, "value": "0", "version": 0}],
        },
        headers=desk.coordinator,
    )
    assert first.status_code == 200, first.text
    now = first.json()
    assert (now["settings"]["lead_monthly_quota"]["value"], now["settings"]["lead_monthly_quota"]["version"]) == (
        "2",
        1,
    )
    assert now["unit_quotas"] == [{"unit_id": desk.other.id, "value": "0", "version": 1}]
    [created] = entries(db, "app_setting", "lead_monthly_quota", "create")
    assert created.actor_token_id == desk.coordinator_id and created.changes["value"] == [None, "2"]

    second = client.patch(
        "/api/v1/settings",
        json={"settings": {"lead_monthly_quota": {"value": "3", "version": 1}}},
        headers=desk.coordinator,
    )
    assert second.status_code == 200 and second.json()["settings"]["lead_monthly_quota"]["version"] == 2
    [updated] = entries(db, "app_setting", "lead_monthly_quota", "update")
    assert updated.actor_token_id == desk.coordinator_id and updated.changes["value"] == ["2", "3"]  # before, after

    before = snapshot(db)
    for version in (1, 0):
        stale = client.patch(
            "/api/v1/settings",
            json={"settings": {"lead_monthly_quota": {"value": "5", "version": version}}},
            headers=desk.coordinator,
        )
        assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    # all or none: a stale setting refuses the fresh one sent with it
    mixed = client.patch(
        "/api/v1/settings",
        json={
            "settings": {
                "large_project_threshold": {"value": "50000", "version": 0},
                "lead_monthly_quota": {"value": "5", "version": 1},
            }
        },
        headers=desk.coordinator,
    )
    assert mixed.status_code == 409
    assert changed(before, snapshot(db)) == []
    db.expire_all()
    assert db.get(AppSetting, "large_project_threshold") is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": {"lead_monthly_quota": {"value": "-1", "version": 0}}}, "settings.lead_monthly_quota.value"),
        ({"settings": {"lead_monthly_quota": {"value": "abc", "version": 0}}}, "settings.lead_monthly_quota.value"),
        ({"settings": {"lead_monthly_quota": {"value": "1"}}}, "settings.lead_monthly_quota.version"),
        ({"settings": {"password_rotation_days": {"value": "1", "version": 0}}}, "key"),
        ({"unit_quotas": [{"unit_id": 2_000_000_000, "value": "1", "version": 0}]}, "unit_id"),
        ({"theme": "dark"}, "theme"),
    ],
)
def test_invalid_settings_are_refused_beside_their_field(
    db: Session, client: TestClient, desk: Desk, body: dict[str, Any], field: str
) -> None:
    before = snapshot(db)
    refused_field(client.patch("/api/v1/settings", json=body, headers=desk.coordinator), field)
    assert changed(before, snapshot(db)) == []


# --- the calendar --------------------------------------------------------------------------------


def test_the_coordinator_keeps_the_holiday_calendar(db: Session, client: TestClient, desk: Desk) -> None:
    path = f"/api/v1/calendar/{HOLIDAY}"
    put = client.put(path, json={"is_workday": False, "name": "国庆节"}, headers=desk.coordinator)
    assert put.status_code == 200, put.text
    assert put.json() == {"day": HOLIDAY.isoformat(), "is_workday": False, "name": "国庆节"}
    shown = client.get("/api/v1/calendar", params={"year": TODAY.year}, headers=desk.coordinator).json()
    assert [(d["day"], d["name"]) for d in shown] == [
        (date(TODAY.year, 5, 1).isoformat(), "劳动节"),
        (HOLIDAY.isoformat(), "国庆节"),
    ]
    [created] = entries(db, "calendar_day", action="create")[-1:]
    assert created.actor_token_id == desk.coordinator_id and created.changes["name"] == [None, "国庆节"]

    again = client.put(path, json={"is_workday": True, "name": "国庆调休上班"}, headers=desk.coordinator)
    assert again.status_code == 200 and again.json()["is_workday"] is True
    [updated] = entries(db, "calendar_day", action="update")
    assert updated.actor_token_id == desk.coordinator_id and updated.changes["is_workday"] == [False, True]

    assert client.delete(path, headers=desk.coordinator).status_code == 204
    db.expire_all()
    assert db.get(CalendarDay, HOLIDAY) is None
    [deleted] = entries(db, "calendar_day", action="delete")
    assert deleted.actor_token_id == desk.coordinator_id
    gone = client.delete(path, headers=desk.coordinator)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "/api/v1/calendar/1999-10-01", {"is_workday": False}, "day"),
        ("PUT", "/api/v1/calendar/2026-02-30", {"is_workday": False}, "day"),
        ("PUT", f"/api/v1/calendar/{HOLIDAY}", {"is_workday": False, "name": "节" * 41}, "name"),
        ("PUT", f"/api/v1/calendar/{HOLIDAY}", {"name": "国庆节"}, "is_workday"),
        ("GET", "/api/v1/calendar?year=1999", None, "year"),
    ],
)
def test_an_invalid_calendar_day_is_refused_beside_its_field(
    db: Session, client: TestClient, desk: Desk, method: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    before = snapshot(db)
    refused_field(client.request(method, path, json=body, headers=desk.coordinator), field)
    assert changed(before, snapshot(db)) == []
