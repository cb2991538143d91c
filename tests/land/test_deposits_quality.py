"""Deposits and earnest money: the ledger's totals, refunds bounded by what is held, the coordinator's
confirmation, Idempotency-Key, and the proof that they are never investment (funds figures and rankings are
unchanged by them). A project's quality: edited, audited, versioned, and used as list filters on the page
and the API. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.deposit import DepositAction, DepositKind, DepositStatus
from app.models.project import Project, Stage
from app.models.quality import LeadingIndustry
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import deposits, metrics, performance, workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.land.factories import make_deposit
from tests.projects.factories import make_funds, make_project, pdf_bytes
from tests.projects.helpers import fresh, post_form


@pytest.fixture
def world(db):
    town = make_unit(db, name="押金测试镇")
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    project = make_project(db, town, stage=Stage.signed, contract_investment=Decimal(8000))
    make_funds(db, project, 1200, status="confirmed")
    db.commit()
    return {
        "town": town,
        "project": project,
        "staff": make_token(db, town),
        "coordinator": make_token(db, bureau, role=TokenRole.coordinator),
    }


def _upload(client, project_id: int, token: str) -> int:
    answer = client.post(f"/api/v1/projects/{project_id}/attachments", headers=bearer(token),
                         files={"files": ("收据.pdf", pdf_bytes(), "application/pdf")})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()[0]["id"]


def test_the_ledger_totals_each_kind_and_refunds_cannot_exceed_what_is_held(client, db, world):
    pid, staff, coordinator = world["project"].id, bearer(world["staff"]), bearer(world["coordinator"])
    body = {"kind": "land_earnest", "action": "received", "amount": "30", "happened_on": workdays.today().isoformat()}
    no_evidence = client.post(f"/api/v1/projects/{pid}/deposits", json=body, headers=staff)
    assert no_evidence.status_code == 422 and no_evidence.json()["field"] == "files"
    key = {"Idempotency-Key": "dep-0001"}
    first = client.post(f"/api/v1/projects/{pid}/deposits", headers=staff | key,
                        json=body | {"attachment_ids": [_upload(client, pid, world["staff"])]})  # fmt: skip
    assert first.status_code == 201, first.text
    replay = client.post(f"/api/v1/projects/{pid}/deposits", headers=staff | key,
                         json=body | {"attachment_ids": first.json()["voucher_ids"]})  # fmt: skip
    assert replay.json()["id"] == first.json()["id"]  # the same answer, no second entry
    # nothing is held until confirmed: a refund is refused
    refund = body | {"action": "refunded", "amount": "10", "attachment_ids": [_upload(client, pid, world["staff"])]}
    assert client.post(f"/api/v1/projects/{pid}/deposits", json=refund, headers=staff).json()["field"] == "amount"
    # the coordinator confirms with the vouchers checked; unit staff cannot
    review = {"version": 1, "decision": "confirm", "note": "已核对"}
    assert (
        client.post(
            f"/api/v1/projects/{pid}/deposits/{first.json()['id']}/review", json=review, headers=staff
        ).status_code
        == 403
    )
    unchecked = client.post(
        f"/api/v1/projects/{pid}/deposits/{first.json()['id']}/review", json=review, headers=coordinator
    )
    assert unchecked.status_code == 422 and unchecked.json()["field"] == "vouchers_checked"
    confirmed = client.post(f"/api/v1/projects/{pid}/deposits/{first.json()['id']}/review",
                            json=review | {"vouchers_checked": True}, headers=coordinator)  # fmt: skip
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert client.post(f"/api/v1/projects/{pid}/deposits", json=refund, headers=staff).status_code == 201
    too_much = refund | {
        "amount": "25",
        "attachment_ids": [_upload(client, pid, world["staff"])],
    }  # 20 held less 10 pending
    assert client.post(f"/api/v1/projects/{pid}/deposits", json=too_much, headers=staff).json()["field"] == "amount"
    make_deposit(db, pid, 500, kind=DepositKind.deposit)
    make_deposit(db, pid, 100, kind=DepositKind.deposit, action=DepositAction.forfeited)
    make_deposit(db, pid, 7, kind=DepositKind.performance_bond, status=DepositStatus.pending)
    make_deposit(db, pid, 9, kind=DepositKind.performance_bond, status=DepositStatus.rejected)
    db.commit()
    book = client.get(f"/api/v1/projects/{pid}/deposits", headers=staff).json()
    totals = {t["kind"]: {k: Decimal(str(v)) for k, v in t.items() if k != "kind"} for t in book["totals"]}
    assert totals["land_earnest"] == {"received": 30, "refunded": 0, "forfeited": 0, "held": 30, "pending": 10}
    assert totals["deposit"] == {"received": 500, "refunded": 0, "forfeited": 100, "held": 400, "pending": 0}
    assert totals["performance_bond"] == {"received": 0, "refunded": 0, "forfeited": 0, "held": 0, "pending": 7}
    assert len(book["items"]) == 6


def test_deposits_are_never_investment_funds_totals_and_rankings_do_not_change(client, db, world):
    project = world["project"]
    rival = make_unit(db, name="押金对照镇")
    make_funds(db, make_project(db, rival, stage=Stage.signed), 1000, status="confirmed")
    db.commit()
    year = workdays.today().year
    start, end = date(year, 1, 1), workdays.today()
    codes = ("funds_domestic", "funds_out_of_province", "contract_investment", "projects_introduced")

    def figures() -> tuple:
        db.expire_all()
        shown = fresh(db, Project, project.id)
        per_metric = tuple(tuple(sorted(metrics.compute(db, code, start, end).items())) for code in codes)
        ranked = performance.rank_units(db, None, year, end)
        order = tuple(
            (r["unit"].id if hasattr(r.get("unit"), "id") else r.get("unit_id"), r.get("score")) for r in ranked
        )
        api = client.get(f"/api/v1/projects/{project.id}", headers=bearer(world["staff"])).json()
        return (shown.funds_confirmed, shown.funds_pending, per_metric, order, api["funds_confirmed"])

    before = figures()
    for kind in DepositKind:
        make_deposit(db, project.id, 5000, kind=kind)  # far more than the rival's funds: would change the ranking
        make_deposit(db, project.id, 100, kind=kind, action=DepositAction.refunded)
        make_deposit(db, project.id, 300, kind=kind, status=DepositStatus.pending)
    db.commit()
    assert deposits.totals_of(deposits.ledger(db, _coordinator(db), project.id).rows)[0].held == 4900
    assert figures() == before


def _coordinator(db):
    from app.principal import Principal

    return Principal(role=Role.coordinator, unit_id=None, label="测试")


def test_quality_is_edited_audited_versioned_and_filters_the_project_list(client, db, world, signed_in):
    pid, staff = world["project"].id, bearer(world["staff"])
    other = make_project(db, world["town"], stage=Stage.signed)
    db.add(LeadingIndustry(name="新材料"))
    db.commit()
    blank = client.get(f"/api/v1/projects/{pid}/quality", headers=staff).json()
    assert blank["version"] == 0 and blank["high_tech"] is False
    body = {"version": 0, "high_tech": True, "env_class": "b", "energy_class": "low", "leading_industry": "新材料"}
    saved = client.put(f"/api/v1/projects/{pid}/quality", json=body, headers=staff)
    assert saved.status_code == 200 and saved.json()["version"] == 1, saved.text
    assert client.put(f"/api/v1/projects/{pid}/quality", json=body, headers=staff).status_code == 409
    unknown = client.put(f"/api/v1/projects/{pid}/quality", json=body | {"version": 1, "leading_industry": "造船"},
                         headers=staff)  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["field"] == "leading_industry"
    changes = db.execute(select(AuditEntry.changes).where(AuditEntry.entity == "project_quality")).scalars().all()
    assert any("high_tech" in (c or {}) for c in changes)

    def ids(query: str) -> set[int]:
        answer = client.get(f"/api/v1/projects?unit_id={world['town'].id}&{query}", headers=staff)
        assert answer.status_code == 200, answer.text
        return {p["id"] for p in answer.json()["items"]}

    assert ids("tech=high_tech") == {pid}
    assert ids("tech=specialised") == set()
    assert ids("leading=1") == {pid} and ids("leading=0") == {other.id}
    assert ids("env_class=b&energy_class=low") == {pid}
    assert ids("") == {pid, other.id}
    assert client.get("/api/v1/projects?tech=rocket", headers=staff).status_code == 422
    page_user = signed_in(make_user(db, world["town"]))
    page = page_user.get("/projects?tech=high_tech")
    assert (
        page.status_code == 200
        and f'href="/projects/{pid}"' in page.text
        and f'href="/projects/{other.id}"' not in page.text
    )
    assert page_user.get("/projects?leading=maybe").status_code == 422
    edited = post_form(
        page_user, f"/projects/{other.id}/quality", {"version": 0, "specialised": "on", "leading_industry": ""}
    )
    assert edited.status_code == 303
    assert ids("tech=specialised") == {other.id}
