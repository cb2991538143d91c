"""Sections, people, target splits and the persons credited with a record, over the API, through the services
the pages call. Each operation: done by a coordinator token with its scope (the effect a user sees, and the
audit trail naming the token); refused to a coordinator token without the scope (403 scope_missing) and to a
unit's token where a unit's token may not (403), changing nothing; invalid input a 422 naming the field in
Chinese; a stale version a 409; a retry with the same Idempotency-Key done once. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.lead import LeadStatus
from app.models.people import Cadre, CadreCredit, Section, TargetSplit
from app.models.unit import Unit, UnitKind
from app.models.user import User
from app.scopes import TokenRole
from app.services import cadre_credits, performance, workdays
from tests.core.test_api_admin_operations import refused_field, token_id
from tests.core.test_refusal_rollback import changed, snapshot
from tests.factories import bearer, make_token, make_unit, make_user
from tests.people.factories import coordinator, make_cadre, make_section
from tests.projects.factories import make_lead, make_project

YEAR = workdays.today().year


@dataclass
class World:
    town: Unit
    clerk: User
    section: Section
    cadre: Cadre  # the clerk's
    coordinator: dict[str, str]  # read, admin, targets, leads, projects
    coordinator_id: int
    no_scope: dict[str, str]  # read and tickets
    staff: dict[str, str]  # the town's token, every scope its role may hold


@pytest.fixture
def world(db: Session, client: TestClient) -> World:
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db, name="城关镇人民政府")
    clerk = make_user(db, town, display_name="陈晓燕")
    section = make_section(db, town, name="招商办")
    cadre = make_cadre(db, town, user=clerk)
    performance.set_target(
        db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(20000), unit_id=town.id
    )
    secret = make_token(
        db, bureau, role=TokenRole.coordinator, scopes=("read", "admin", "targets", "leads", "projects")
    )
    no_scope = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "tickets"))
    staff = make_token(db, town)
    db.commit()
    return World(town, clerk, section, cadre, bearer(secret), token_id(db, secret), bearer(no_scope), bearer(staff))


def audited(db: Session, entity: str, world: World) -> list[AuditEntry]:
    db.expire_all()
    return list(
        db.execute(
            select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.actor_token_id == world.coordinator_id)
        ).scalars()
    )


def test_sections_and_people_are_kept_over_the_api(db: Session, client: TestClient, world: World) -> None:
    key = {"Idempotency-Key": "sec-1"}
    body = {"name": "经发办", "kind": "office", "sort_order": 20}
    first = client.post(f"/api/v1/units/{world.town.id}/sections", json=body, headers=world.coordinator | key)
    again = client.post(f"/api/v1/units/{world.town.id}/sections", json=body, headers=world.coordinator | key)
    assert first.status_code == 201 and again.json() == first.json()
    assert db.execute(select(func.count()).select_from(Section).where(Section.unit_id == world.town.id)).scalar() == 2
    assert audited(db, "section", world)
    listed = client.get(f"/api/v1/units/{world.town.id}/sections", headers=world.staff).json()
    assert [s["name"] for s in listed] == ["招商办", "经发办"]  # the unit's token reads its unit's sections
    same = client.post(f"/api/v1/units/{world.town.id}/sections", json=body, headers=world.coordinator)
    assert "同名" in refused_field(same, "name")

    section_id = first.json()["id"]
    stale = client.put(
        f"/api/v1/sections/{section_id}",
        json={"version": 9, "name": "经济发展办", "kind": "office"},
        headers=world.coordinator,
    )
    assert stale.status_code == 409
    renamed = client.put(
        f"/api/v1/sections/{section_id}",
        json={"version": 1, "name": "经济发展办", "kind": "office"},
        headers=world.coordinator,
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "经济发展办"

    leader = client.post(
        f"/api/v1/units/{world.town.id}/people",
        json={"name": "刘志强", "title": "副县长"},
        headers=world.coordinator | {"Idempotency-Key": "cadre-1"},
    )
    assert leader.status_code == 201 and leader.json()["user_id"] is None
    assert audited(db, "cadre", world)
    moved = client.put(
        f"/api/v1/people/{world.cadre.id}",
        json={"version": world.cadre.version, "name": "陈晓燕", "title": "招商专干", "section_id": section_id},
        headers=world.coordinator,
    )
    assert moved.status_code == 200 and moved.json()["section_id"] == section_id
    stale = client.put(
        f"/api/v1/people/{world.cadre.id}", json={"version": 1, "name": "陈晓燕"}, headers=world.coordinator
    )
    assert stale.status_code == 409
    foreign = make_section(db, make_unit(db))
    db.commit()
    wrong = client.put(
        f"/api/v1/people/{world.cadre.id}",
        json={"version": 2, "name": "陈晓燕", "section_id": foreign.id},
        headers=world.coordinator,
    )
    assert "本单位" in refused_field(wrong, "section_id")

    page = client.get(f"/api/v1/units/{world.town.id}/people", params={"year": YEAR}, headers=world.staff).json()
    assert page["total"] == 2 and {r["cadre"]["name"] for r in page["items"]} == {"陈晓燕", "刘志强"}
    assert client.get("/api/v1/people", headers=world.staff).status_code == 403  # everyone: the bureau's
    assert client.get("/api/v1/people", params={"q": "刘"}, headers=world.coordinator).json()["total"] >= 1


def test_target_splits_over_the_api(db: Session, client: TestClient, world: World) -> None:
    body = {"year": YEAR, "metric": "funds_domestic", "section_id": world.section.id, "amount": "12000"}
    done = client.put("/api/v1/targets/splits", json=body, headers=world.coordinator | {"Idempotency-Key": "split-1"})
    assert done.status_code == 200 and Decimal(done.json()["amount"]) == 12000
    assert audited(db, "target_split", world)
    over = client.put("/api/v1/targets/splits", json=body | {"amount": "20000.01"}, headers=world.coordinator)
    assert "不能超过单位目标" in refused_field(over, "amount")
    both = client.put("/api/v1/targets/splits", json=body | {"cadre_id": world.cadre.id}, headers=world.coordinator)
    assert both.status_code == 422
    other = client.put("/api/v1/targets/splits", json=body | {"metric": "trips"}, headers=world.coordinator)
    refused_field(other, "metric")
    mine = client.put(
        "/api/v1/targets/splits",
        headers=world.coordinator,
        json={"year": YEAR, "metric": "funds_domestic", "cadre_id": world.cadre.id, "amount": "5000"},
    )
    assert mine.status_code == 200
    splits = client.get("/api/v1/targets/splits", params={"unit_id": world.town.id, "year": YEAR}, headers=world.staff)
    assert [(s["section_id"], s["cadre_id"]) for s in splits.json()] == [
        (world.section.id, None),
        (None, world.cadre.id),
    ]
    removed = client.put("/api/v1/targets/splits", json=body | {"amount": "0"}, headers=world.coordinator)
    assert removed.status_code == 200 and removed.json()["id"] is None
    assert db.execute(select(TargetSplit).where(TargetSplit.section_id == world.section.id)).first() is None
    ledger = client.get(f"/api/v1/people/{world.cadre.id}/ledger", params={"year": YEAR}, headers=world.staff).json()
    assert ledger["targets"] == {"funds_domestic": "5000.00"} and len(ledger["months"]) == 12


def test_the_people_who_worked_a_lead_or_a_project(db: Session, client: TestClient, world: World) -> None:
    lead = make_lead(db, world.town, brought_by_id=world.clerk.id, lead_date=date(YEAR, 2, 1), status=LeadStatus.valid)
    project = make_project(db, world.town)
    partner = make_cadre(db, world.town, name="刘志强")
    stranger = make_cadre(db, make_unit(db))
    db.commit()
    shown = client.get(f"/api/v1/leads/{lead.id}/people", headers=world.staff).json()
    assert shown == [
        {"cadre_id": world.cadre.id, "name": "陈晓燕", "unit_id": world.town.id, "share": "100.00", "is_default": True}
    ]
    shares = {"people": [{"cadre_id": world.cadre.id, "share": "60"}, {"cadre_id": partner.id, "share": "40"}]}
    done = client.put(f"/api/v1/leads/{lead.id}/people", json=shares, headers=world.staff | {"Idempotency-Key": "lp-1"})
    assert done.status_code == 200 and [p["share"] for p in done.json()] == ["60.00", "40.00"]
    assert db.execute(select(func.count()).select_from(CadreCredit).where(CadreCredit.lead_id == lead.id)).scalar() == 2
    bad = client.put(
        f"/api/v1/leads/{lead.id}/people",
        json={"people": [{"cadre_id": partner.id, "share": "50"}]},
        headers=world.staff,
    )
    assert refused_field(bad, "people") == "各人份额合计须为 100%"
    outsider = client.put(
        f"/api/v1/projects/{project.id}/people",
        json={"people": [{"cadre_id": stranger.id, "share": "100"}]},
        headers=world.staff,
    )
    assert "不是本单位人员" in refused_field(outsider, "people")
    by_bureau = client.put(
        f"/api/v1/projects/{project.id}/people",
        json={"people": [{"cadre_id": stranger.id, "share": "100"}]},
        headers=world.coordinator,
    )
    assert by_bureau.status_code == 200
    assert audited(db, "cadre_credit", world)
    figures = cadre_credits.year_figures(db, Cadre.id.in_([world.cadre.id, partner.id]), YEAR)
    assert figures[world.cadre.id]["valid_leads"] == Decimal("0.6")


@pytest.mark.parametrize(
    "operation",
    [
        ("POST", "/api/v1/units/{town}/sections", {"name": "新股室", "kind": "office"}),
        ("PUT", "/api/v1/sections/{section}", {"version": 1, "name": "改名", "kind": "office"}),
        ("POST", "/api/v1/units/{town}/people", {"name": "刘志强"}),
        ("PUT", "/api/v1/people/{cadre}", {"version": 1, "name": "改名"}),
        (
            "PUT",
            "/api/v1/targets/splits",
            {"year": YEAR, "metric": "funds_domestic", "section_id": "{section}", "amount": "100"},
        ),
    ],
    ids=lambda op: f"{op[0]} {op[1]}",
)
def test_refused_without_the_scope_and_to_a_units_token(
    db: Session, client: TestClient, world: World, operation: tuple[str, str, dict[str, object]]
) -> None:
    method, path, body = operation
    ids = {"town": world.town.id, "section": world.section.id, "cadre": world.cadre.id}
    path = path.format(**ids)
    body = {k: int(str(v).format(**ids)) if v == "{section}" else v for k, v in body.items()}
    before = snapshot(db)
    lacking = client.request(method, path, json=body, headers=world.no_scope)
    assert lacking.status_code == 403 and lacking.json()["code"] == "scope_missing"
    unit = client.request(method, path, json=body, headers=world.staff)
    assert unit.status_code == 403, unit.text
    assert not changed(before, snapshot(db))
