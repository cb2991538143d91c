"""The coordinator's decisions on leads and funds over the API, as on the pages: confirming or rejecting
funds arrived (the vouchers checked, as the page's 已核对凭证) and the queue of those waiting, a lead's
validity, a suspected duplicate (dismissed, or merged with the credit in shares), a registry dispute, and
the natives a unit keeps. A coordinator token with the area's scope does them under its own name in the
audit trail; one without the scope is refused before any service runs; a unit's token may not (its
role: a unit never confirms its own funds); invalid input is a 422 naming the field in Chinese; a stale
version a 409; a confirmation retried with the same Idempotency-Key is made once. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.investor import Native
from app.models.lead import (
    DisputeStatus,
    DuplicatePair,
    DuplicateStatus,
    Lead,
    LeadStatus,
    RegistryClaim,
    RegistryEntry,
    RegistryStatus,
)
from app.models.project import FundsArrival, FundsStatus, Project, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, Role
from app.scopes import TokenRole, area_of
from app.services import leads, workdays
from app.services.security import sha256_hex
from tests.awards.factories import entered_funds
from tests.factories import bearer, make_token, make_unit, make_user
from tests.leads.factories import make_investor, make_lead
from tests.projects.factories import make_project
from tests.projects.helpers import fresh, post_form

D = Decimal
TODAY = workdays.today()


@dataclass
class World:
    town_a: Unit
    town_b: Unit
    coordinator: str
    """A coordinator token with read, leads and funds_review."""
    no_scope: str
    """A coordinator token with neither leads nor funds_review."""
    staff_a: str
    """Town A's token, with every scope a unit may hold."""


@pytest.fixture
def world(db: Session) -> World:
    bureau = make_unit(db, name="县招商局", kind=UnitKind.department, tier=1)
    town_a = make_unit(db, name="城关镇人民政府", short_name="城关镇")
    town_b = make_unit(db, name="青石镇人民政府", short_name="青石镇")
    world = World(
        town_a=town_a,
        town_b=town_b,
        coordinator=make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "leads", "funds_review")),
        no_scope=make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "projects", "awards")),
        staff_a=make_token(db, town_a),
    )
    db.commit()
    return world


def token_id(db: Session, secret: str) -> int:
    return db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()


def by_token(db: Session, secret: str, entity: str, action: str = "update") -> list[AuditEntry]:
    db.expire_all()
    query = select(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.action == action, AuditEntry.actor_token_id == token_id(db, secret)
    )
    return list(db.execute(query.order_by(AuditEntry.seq)).scalars())


def refused_alike(client: TestClient, world: World, path: str, body: dict[str, Any], staff: str | None = None) -> None:
    """Without the scope: scope_missing before any service; a unit's token: its role may not."""
    missing = client.post(path, json=body, headers=bearer(world.no_scope))
    assert missing.status_code == 403 and missing.json()["code"] == "scope_missing", missing.text
    refused = client.post(path, json=body, headers=bearer(staff or world.staff_a))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text


def field_of(response: Any) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error" and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    return str(body.get("field") or body["details"][0]["field"])


def test_each_new_write_belongs_to_its_area():
    assert area_of("POST", "/api/v1/projects/3/funds/9/review") == "funds_review"
    for path in (
        "/api/v1/leads/3/judge",
        "/api/v1/duplicates/3/decision",
        "/api/v1/registry/claims/3/decision",
        "/api/v1/natives",
    ):
        assert area_of("POST", path) == "leads", path


# --- funds arrived -----------------------------------------------------------------------------


def test_the_bureau_confirms_funds_once_with_the_vouchers_checked(db, client, world):
    project = make_project(db, world.town_a, stage=Stage.signed)
    row = entered_funds(db, project, "1200", TODAY - timedelta(days=3))
    # the unit's own token, even given the scope its role may not hold, never confirms its own funds
    own = make_token(db, world.town_a, role=TokenRole.unit_staff, scopes=("read", "projects", "funds_review"))
    db.commit()
    path = f"/api/v1/projects/{project.id}/funds/{row.id}/review"
    body = {"version": row.version, "decision": "confirm", "vouchers_checked": True, "note": "已核对银行回单"}

    refused_alike(client, world, path, body, staff=own)
    assert client.post(path, json=body, headers=bearer(world.staff_a)).json()["code"] == "scope_missing"
    unchecked = client.post(path, json=body | {"vouchers_checked": False}, headers=bearer(world.coordinator))
    assert field_of(unchecked) == "vouchers_checked"
    assert field_of(client.post(path, json=body | {"decision": "ok"}, headers=bearer(world.coordinator))) == "decision"
    reject = {"version": row.version, "decision": "reject", "note": ""}
    assert field_of(client.post(path, json=reject, headers=bearer(world.coordinator))) == "note"
    assert client.post(path, json=body | {"version": 9}, headers=bearer(world.coordinator)).status_code == 409
    elsewhere = make_project(db, world.town_b, stage=Stage.signed)
    db.commit()
    wrong = f"/api/v1/projects/{elsewhere.id}/funds/{row.id}/review"
    assert client.post(wrong, json=body, headers=bearer(world.coordinator)).status_code == 404
    assert fresh(db, FundsArrival, row.id).status is FundsStatus.pending

    key = {"Idempotency-Key": "confirm-funds-1200"}
    confirmed = client.post(path, json=body, headers=bearer(world.coordinator) | key)
    again = client.post(path, json=body, headers=bearer(world.coordinator) | key)

    assert confirmed.status_code == 200, confirmed.text
    assert again.status_code == 200 and again.json() == confirmed.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (confirmed.json()["status"], confirmed.json()["review_note"]) == ("confirmed", "已核对银行回单")
    assert fresh(db, Project, project.id).funds_confirmed == D(1200)  # counted once
    [entry] = by_token(db, world.coordinator, "funds_arrival")
    assert entry.changes["status"] == ["pending", "confirmed"]
    later = client.post(path, json=body | {"version": confirmed.json()["version"]}, headers=bearer(world.coordinator))
    assert field_of(later) == "decision"  # already decided


def test_the_page_confirms_only_with_the_vouchers_checked_too(db, signed_in, world):
    """The page's 已核对凭证 box is sent, and the same service refuses a confirmation without it."""
    project = make_project(db, world.town_a, stage=Stage.signed)
    row = entered_funds(db, project, "500", TODAY - timedelta(days=1))
    coordinator = make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator)
    bureau = signed_in(coordinator)
    body = {"version": row.version, "decision": "confirm"}

    unchecked = post_form(bureau, f"/funds/{row.id}/review", body)
    assert unchecked.status_code == 422 and "已核对凭证" in unchecked.text
    assert fresh(db, FundsArrival, row.id).status is FundsStatus.pending
    checked = post_form(bureau, f"/funds/{row.id}/review", body | {"vouchers_checked": "true"})
    assert checked.status_code == 303, checked.text[:300]
    assert fresh(db, FundsArrival, row.id).status is FundsStatus.confirmed


def test_the_bureau_rejects_funds_with_a_reason(db, client, world):
    project = make_project(db, world.town_a, stage=Stage.signed)
    row = entered_funds(db, project, "300", TODAY - timedelta(days=1))
    db.commit()
    body = {"version": row.version, "decision": "reject", "note": "回单金额与登记不符"}

    rejected = client.post(
        f"/api/v1/projects/{project.id}/funds/{row.id}/review", json=body, headers=bearer(world.coordinator)
    )

    assert rejected.status_code == 200, rejected.text
    assert fresh(db, FundsArrival, row.id).status is FundsStatus.rejected
    assert fresh(db, Project, project.id).funds_pending == D(0)


def test_the_pending_funds_queue_filters_by_unit_and_dates_and_pages(db, client, world):
    a = make_project(db, world.town_a, stage=Stage.signed, name="城关镇新材料项目")
    secret = make_project(
        db, world.town_b, stage=Stage.signed, name="绝密新能源项目", is_confidential=True, code_name="Q-1"
    )
    old = entered_funds(db, a, "100", TODAY - timedelta(days=30))
    recent = entered_funds(db, a, "200", TODAY - timedelta(days=2))
    hidden = entered_funds(db, secret, "300", TODAY - timedelta(days=5))
    reader = make_token(db, None, read_only=True)
    db.commit()
    path = "/api/v1/funds/pending"

    everything = client.get(path, headers=bearer(world.coordinator)).json()
    assert [i["id"] for i in everything["items"]] == [old.id, hidden.id, recent.id]  # oldest arrival first
    assert (everything["total"], everything["total_wan"]) == (3, "600.00")
    assert everything["items"][1]["project_name"] == "绝密新能源项目"  # the bureau sees it
    assert everything["items"][0]["unit_name"] == world.town_a.name

    only_a = client.get(path, params={"unit_id": world.town_a.id}, headers=bearer(world.coordinator)).json()
    assert [i["id"] for i in only_a["items"]] == [old.id, recent.id]
    window = {"date_from": (TODAY - timedelta(days=7)).isoformat(), "date_to": TODAY.isoformat()}
    assert [i["id"] for i in client.get(path, params=window, headers=bearer(world.coordinator)).json()["items"]] == [
        hidden.id,
        recent.id,
    ]
    paged = client.get(path, params={"limit": 1, "offset": 1}, headers=bearer(world.coordinator)).json()
    assert ([i["id"] for i in paged["items"]], paged["total"]) == ([hidden.id], 3)
    backwards = {"date_from": TODAY.isoformat(), "date_to": (TODAY - timedelta(days=7)).isoformat()}
    assert field_of(client.get(path, params=backwards, headers=bearer(world.coordinator))) == "date_to"

    masked = client.get(path, headers=bearer(reader))
    assert masked.status_code == 200 and "绝密新能源项目" not in masked.text and "Q-1" in masked.text
    assert client.get(path, headers=bearer(world.staff_a)).status_code == 403  # the county's queue


# --- a lead's validity -------------------------------------------------------------------------


def test_the_bureau_judges_a_lead_over_the_api(db, client, world):
    lead = make_lead(db, world.town_a)
    db.commit()
    path = f"/api/v1/leads/{lead.id}/judge"
    body = {"version": lead.version, "status": "invalid", "reason": "客商已明确无投资意向"}

    refused_alike(client, world, path, body)
    assert field_of(client.post(path, json=body | {"reason": ""}, headers=bearer(world.coordinator))) == "reason"
    assert field_of(client.post(path, json=body | {"status": "pending"}, headers=bearer(world.coordinator))) == "status"
    assert client.post(path, json=body | {"version": 5}, headers=bearer(world.coordinator)).status_code == 409

    judged = client.post(path, json=body, headers=bearer(world.coordinator), params={})

    assert judged.status_code == 200, judged.text
    assert (judged.json()["status"], judged.json()["status_reason"]) == ("invalid", "客商已明确无投资意向")
    assert fresh(db, Lead, lead.id).status is LeadStatus.invalid
    [entry] = by_token(db, world.coordinator, "lead")
    assert entry.changes["status"] == ["pending", "invalid"] and entry.reason == "客商已明确无投资意向"
    assert client.post(path, json=body, headers=bearer(world.coordinator)).status_code == 409  # moved on


# --- suspected duplicates ----------------------------------------------------------------------


def reported_twice(db: Session, world: World) -> tuple[Lead, Lead, DuplicatePair]:
    investor = make_investor(db)
    earlier = make_lead(db, world.town_b, investor, lead_date=TODAY - timedelta(days=10))
    later = make_lead(db, world.town_a, investor, lead_date=TODAY - timedelta(days=2))
    pair = DuplicatePair(lead_id=later.id, earlier_lead_id=earlier.id, reasons="investor")
    db.add(pair)
    db.commit()
    return earlier, later, pair


def test_the_bureau_merges_a_duplicate_and_splits_the_credit(db, client, world):
    earlier, later, pair = reported_twice(db, world)
    queue = client.get("/api/v1/duplicates", headers=bearer(world.coordinator)).json()
    assert [(p["id"], p["version"]) for p in queue["items"]] == [(pair.id, pair.version)]
    path = f"/api/v1/duplicates/{pair.id}/decision"
    body = {
        "version": pair.version,
        "decision": "同一客商，两镇先后接触，功劳按六四分",
        "shares": [{"unit_id": world.town_b.id, "share": "60"}, {"unit_id": world.town_a.id, "share": 40}],
    }

    refused_alike(client, world, path, body)
    short = body | {"shares": [{"unit_id": world.town_b.id, "share": "60"}, {"unit_id": world.town_a.id, "share": 30}]}
    assert field_of(client.post(path, json=short, headers=bearer(world.coordinator))) == "shares"
    stranger = body | {"shares": [{"unit_id": world.town_b.id, "share": 60}, {"unit_id": 999999, "share": 40}]}
    assert field_of(client.post(path, json=stranger, headers=bearer(world.coordinator))) == "shares"
    none = body | {"shares": []}
    assert field_of(client.post(path, json=none, headers=bearer(world.coordinator))) == "shares"
    negative = body | {"shares": [{"unit_id": world.town_b.id, "share": -5}]}
    assert field_of(client.post(path, json=negative, headers=bearer(world.coordinator))) == "shares.0.share"
    assert client.post(path, json=body | {"version": 4}, headers=bearer(world.coordinator)).status_code == 409

    settled = client.post(path, json=body, headers=bearer(world.coordinator))

    assert settled.status_code == 200, settled.text
    assert (settled.json()["status"], settled.json()["decision"]) == ("settled", body["decision"])
    assert fresh(db, Lead, later.id).duplicate_of_id == earlier.id
    assert sorted(leads.credits(db, fresh(db, Lead, earlier.id))) == sorted(
        [(world.town_b.id, D(60)), (world.town_a.id, D(40))]
    )
    [entry] = by_token(db, world.coordinator, "duplicate_pair")
    assert entry.changes["status"] == ["open", "settled"]
    assert client.get("/api/v1/duplicates", headers=bearer(world.coordinator)).json()["total"] == 0


def test_the_bureau_dismisses_a_suspected_duplicate(db, client, world):
    _earlier, later, pair = reported_twice(db, world)
    body = {"version": pair.version, "decision": "名称相近，实为两家企业", "dismiss": True}

    dismissed = client.post(f"/api/v1/duplicates/{pair.id}/decision", json=body, headers=bearer(world.coordinator))

    assert dismissed.status_code == 200, dismissed.text
    assert fresh(db, DuplicatePair, pair.id).status is DuplicateStatus.dismissed
    assert fresh(db, Lead, later.id).duplicate_of_id is None


def test_the_page_and_the_api_read_a_decision_alike():
    """The queue page's form (mode, share_<unit id>) is read by the service into the API's body."""
    assert leads.settle_input({"version": "3", "mode": "unit:7", "decision": "先报单位"}).shares[0].share == D(100)
    split = leads.settle_input({"version": "3", "mode": "split", "decision": "两家", "share_7": "55", "share_9": "45"})
    assert [(s.unit_id, s.share) for s in split.shares] == [(7, D(55)), (9, D(45))]
    assert leads.settle_input({"version": "3", "mode": "dismiss", "decision": "不同"}).dismiss is True
    with pytest.raises(Invalid) as refused:
        leads.settle_input({"version": "3", "mode": "split", "decision": "两家", "share_7": "abc"})
    assert refused.value.errors == {"shares": "份额须为 0–100 的数字"}


# --- registry disputes -------------------------------------------------------------------------


def disputed(db: Session, world: World) -> tuple[RegistryEntry, RegistryClaim]:
    investor = make_investor(db)
    entry = RegistryEntry(
        investor_id=investor.id,
        project_name="百亿级锂电池产业园",
        intended_investment=D(1000000),
        holder_unit_id=world.town_b.id,
        registered_at=utcnow(),
        status=RegistryStatus.disputed,
    )
    db.add(entry)
    db.flush()
    claim = RegistryClaim(
        entry_id=entry.id, claimant_unit_id=world.town_a.id, claimed_at=utcnow(), statement="我镇三月首次洽谈"
    )
    db.add(claim)
    db.commit()
    return entry, claim


def test_the_bureau_decides_a_registry_dispute_over_the_api(db, client, world):
    entry, claim = disputed(db, world)
    path = f"/api/v1/registry/claims/{claim.id}/decision"
    body = {"version": claim.version, "winner_unit_id": world.town_a.id, "reason": "洽谈纪要证明城关镇先接触"}

    refused_alike(client, world, path, body)
    other = body | {"winner_unit_id": make_unit(db).id}
    db.commit()
    assert field_of(client.post(path, json=other, headers=bearer(world.coordinator))) == "winner_unit_id"
    assert field_of(client.post(path, json=body | {"reason": "x"}, headers=bearer(world.coordinator))) == "reason"
    assert client.post(path, json=body | {"version": 8}, headers=bearer(world.coordinator)).status_code == 409

    decided = client.post(path, json=body, headers=bearer(world.coordinator))

    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["winner_unit_id"]) == ("decided", world.town_a.id)
    assert fresh(db, RegistryClaim, claim.id).status is DisputeStatus.decided
    held = fresh(db, RegistryEntry, entry.id)
    assert (held.holder_unit_id, held.status) == (world.town_a.id, RegistryStatus.held)
    [entry_change] = by_token(db, world.coordinator, "registry_claim")
    assert entry_change.changes["status"] == ["open", "decided"]


# --- natives -----------------------------------------------------------------------------------


def test_a_unit_keeps_its_natives_over_the_api(db, client, world):
    body = {"name": "刘建国", "hometown": "城关镇东关村", "employer": "深圳某科技公司", "working_city": "深圳"}
    no_leads = make_token(db, world.town_a, scopes=("read", "projects"))
    db.commit()
    missing = client.post("/api/v1/natives", json=body, headers=bearer(no_leads))
    assert missing.status_code == 403 and missing.json()["code"] == "scope_missing"
    bureau = client.post("/api/v1/natives", json=body, headers=bearer(world.coordinator))
    assert bureau.status_code == 403 and bureau.json()["code"] == "forbidden"  # a unit's own contacts
    assert field_of(client.post("/api/v1/natives", json=body | {"hometown": ""}, headers=bearer(world.staff_a))) == (
        "hometown"
    )

    key = {"Idempotency-Key": "native-liu"}
    created = client.post("/api/v1/natives", json=body, headers=bearer(world.staff_a) | key)
    again = client.post("/api/v1/natives", json=body, headers=bearer(world.staff_a) | key)

    assert created.status_code == 201, created.text
    assert again.status_code == 201 and again.json() == created.json()
    assert created.json()["unit_id"] == world.town_a.id
    assert db.execute(select(Native)).scalars().all().__len__() == 1
    assert by_token(db, world.staff_a, "native", "create")

    listed = client.get("/api/v1/natives", params={"q": "刘建"}, headers=bearer(world.staff_a)).json()
    assert [n["name"] for n in listed["items"]] == ["刘建国"]
    other_town = make_token(db, world.town_b)
    db.commit()
    assert client.get("/api/v1/natives", headers=bearer(other_town)).json()["total"] == 0
    assert client.get("/api/v1/natives", headers=bearer(world.coordinator)).json()["total"] == 1
