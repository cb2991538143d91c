"""The coordinator's targets, campaigns, reports' cadence and bulletins over the API, through the services
the pages call. Each operation: done by a coordinator token with its scope (the effect a user sees, and
the audit trail naming the token); refused to a coordinator token without the scope (403 scope_missing)
and to a unit's token (403), changing nothing; invalid input a 422 naming the field in Chinese; a stale
campaign version a 409; a retry with the same Idempotency-Key done once. The bulletin's workbook opens
in openpyxl with its figures. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.performance import Bulletin, Campaign, ReportCadence, Target
from app.models.ticket import OutboxEvent
from app.models.unit import Unit, UnitKind
from app.scopes import SCOPES, TokenRole
from app.services import bulletins, performance, workdays
from tests.core.test_api_admin_operations import entries, refused_field, token_id
from tests.core.test_refusal_rollback import changed, snapshot
from tests.factories import bearer, make_token, make_unit
from tests.performance.test_performance import coordinator, funds, project

YEAR = workdays.today().year


@dataclass
class Bureau:
    department: Unit  # a county department of tier 1
    town: Unit
    campaign: Campaign
    coordinator: dict[str, str]  # headers: a coordinator token with read, targets and reports
    coordinator_id: int
    no_scope: dict[str, str]  # a coordinator token with read and tickets only
    staff: dict[str, str]  # the town's staff token, with its every scope (reports among them)


@pytest.fixture
def bureau(db: Session, client: TestClient) -> Bureau:
    department = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db)
    start = date(YEAR, 3, 1)
    campaign = performance.create_campaign(
        db, coordinator(), "春季攻坚竞赛", start, start + timedelta(days=99), performance.HUNDRED_DAY_RULES
    )
    secret = make_token(db, department, role=TokenRole.coordinator, scopes=("read", "targets", "reports"))
    no_scope = make_token(db, department, role=TokenRole.coordinator, scopes=("read", "tickets"))
    staff = make_token(db, town)
    db.commit()
    return Bureau(
        department=department,
        town=town,
        campaign=campaign,
        coordinator=bearer(secret),
        coordinator_id=token_id(db, secret),
        no_scope=bearer(no_scope),
        staff=bearer(staff),
    )


RULES: list[dict[str, Any]] = [
    {
        "name": "一档",
        "tiers": [1],
        "targets": [
            {
                "column": "签约",
                "alternatives": [
                    {"measure": "count", "on": "signed", "min_wan": "1000", "threshold": "2"},
                    {"measure": "sum", "on": "signed", "min_wan": "1000", "threshold": "5000"},
                ],
            },
            {"column": "资金到位", "alternatives": [{"measure": "funds", "threshold": "800.5"}]},
        ],
    },
    {"name": "乡镇", "kinds": ["town"], "targets": [{"column": "新开工", "alternatives": [], "note": "按年度另定"}]},
]


# --- refusals, for every operation alike ------------------------------------------------------

# (scope the operation needs, method, path, body) from the fixture's rows: a body the coordinator could send
Operation = Callable[[Bureau], tuple[str, str, str, dict[str, Any]]]
OPERATIONS: dict[str, Operation] = {
    "set target": lambda b: (
        "targets",
        "PUT",
        "/api/v1/targets",
        {"year": YEAR, "metric": "funds_domestic", "amount": "5000", "tier": 1},
    ),
    "set curve": lambda b: ("targets", "PUT", f"/api/v1/targets/{YEAR}/curve", {"shares": [{"month": 1, "share": 5}]}),
    "create campaign": lambda b: (
        "targets",
        "POST",
        "/api/v1/campaigns",
        {"name": "秋季竞赛", "starts_on": f"{YEAR}-09-01", "ends_on": f"{YEAR}-11-30", "rules": RULES},
    ),
    "update campaign": lambda b: (
        "targets",
        "PATCH",
        f"/api/v1/campaigns/{b.campaign.id}",
        {"version": b.campaign.version, "name": "春季攻坚竞赛（延长）"},
    ),
    "set cadence": lambda b: ("reports", "PUT", "/api/v1/reports/cadences/monthly", {"due_days": 7}),
    "publish bulletin": lambda b: (
        "reports",
        "POST",
        "/api/v1/bulletins/monthly/{}/{}/publish".format(*bulletins.last_ended("monthly")),
        {"confirm_early": True},
    ),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_refused_without_the_scope_and_to_a_units_token(
    db: Session, client: TestClient, bureau: Bureau, operation: str
) -> None:
    scope, method, path, body = OPERATIONS[operation](bureau)
    before = snapshot(db)

    missing = client.request(method, path, json=body, headers=bureau.no_scope | {"Idempotency-Key": "k-1"})
    assert missing.status_code == 403, missing.text
    assert missing.json()["code"] == "scope_missing" and SCOPES[scope] in missing.json()["message"]

    # a unit's staff token: without the targets scope (its role may not hold it), or holding the
    # reports scope (to submit its own reports) but not the coordinator's role
    staff = client.request(method, path, json=body, headers=bureau.staff | {"Idempotency-Key": "k-2"})
    assert staff.status_code == 403, staff.text
    assert staff.json()["code"] == ("scope_missing" if scope == "targets" else "forbidden")

    assert changed(before, snapshot(db)) == []  # nothing written but the denials in the audit trail


# --- targets ----------------------------------------------------------------------------------


def standing(client: TestClient, bureau: Bureau, unit_id: int, metric: str) -> dict[str, Any]:
    rows = client.get(f"/api/v1/targets?year={YEAR}&unit_id={unit_id}", headers=bureau.coordinator).json()
    return next(r for r in rows if r["metric"] == metric)


def test_the_coordinator_sets_targets_by_tier_kind_and_unit(db: Session, client: TestClient, bureau: Bureau) -> None:
    body = {"year": YEAR, "metric": "funds_domestic", "amount": "52000", "tier": 1}
    headers = bureau.coordinator | {"Idempotency-Key": "target-tier-0001"}
    first = client.put("/api/v1/targets", json=body, headers=headers)
    assert first.status_code == 200, first.text
    set_ = first.json()
    assert (set_["year"], set_["metric"], Decimal(set_["amount"]), set_["tier"], set_["unit_id"]) == (
        YEAR,
        "funds_domestic",
        52000,
        1,
        None,
    )
    again = client.put("/api/v1/targets", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == set_
    [entry] = entries(db, "target", set_["id"], "create")
    assert entry.actor_token_id == bureau.coordinator_id

    # the department of tier 1 now stands against it
    assert Decimal(standing(client, bureau, bureau.department.id, "funds_domestic")["target"]) == 52000

    # set again for the same scope: the amount replaced, the change audited before and after
    changed_ = client.put("/api/v1/targets", json=body | {"amount": "60000.50"}, headers=bureau.coordinator)
    assert changed_.status_code == 200 and changed_.json()["id"] == set_["id"]
    [update] = entries(db, "target", set_["id"], "update")
    assert update.actor_token_id == bureau.coordinator_id
    assert [Decimal(v) for v in update.changes["amount"]] == [Decimal(52000), Decimal("60000.50")]

    # a unit's own target beats its kind's
    by_kind = {"year": YEAR, "metric": "projects_introduced", "amount": "6", "unit_kind": "town"}
    assert client.put("/api/v1/targets", json=by_kind, headers=bureau.coordinator).status_code == 200
    assert Decimal(standing(client, bureau, bureau.town.id, "projects_introduced")["target"]) == 6
    by_unit = {"year": YEAR, "metric": "projects_introduced", "amount": "9", "unit_id": bureau.town.id}
    assert client.put("/api/v1/targets", json=by_unit, headers=bureau.coordinator).status_code == 200
    assert Decimal(standing(client, bureau, bureau.town.id, "projects_introduced")["target"]) == 9
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Target)).scalar_one() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tier": None}, "__all__"),  # no scope
        ({"unit_kind": "town"}, "__all__"),  # two scopes
        ({"metric": "happiness"}, "metric"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "100000000000000"}, "amount"),
        ({"year": 1999}, "year"),
        ({"tier": 5}, "tier"),
        ({"tier": None, "unit_kind": "planet"}, "unit_kind"),
        ({"tier": None, "unit_id": 2_000_000_000}, "unit_id"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_an_invalid_target_is_refused_beside_its_field(
    db: Session, client: TestClient, bureau: Bureau, change: dict[str, Any], field: str
) -> None:
    body = {"year": YEAR, "metric": "funds_domestic", "amount": "5000", "tier": 1} | change
    before = snapshot(db)
    message = refused_field(client.put("/api/v1/targets", json=body, headers=bureau.coordinator), field)
    if field == "__all__":
        assert "三选一" in message
    assert changed(before, snapshot(db)) == []


def test_the_coordinator_sets_the_monthly_curve(db: Session, client: TestClient, bureau: Bureau) -> None:
    path = f"/api/v1/targets/{YEAR}/curve"
    linear = client.get(path, headers=bureau.coordinator).json()
    assert [Decimal(s["share"]) for s in linear["shares"]][:3] == [Decimal("8.33"), Decimal("16.67"), Decimal(25)]

    body = {"shares": [{"month": 1, "share": "5"}, {"month": 2, "share": "12.5"}]}
    headers = bureau.coordinator | {"Idempotency-Key": "curve-0001"}
    first = client.put(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = client.put(path, json=body, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    shares = {s["month"]: Decimal(s["share"]) for s in client.get(path, headers=bureau.coordinator).json()["shares"]}
    assert (shares[1], shares[2], shares[3]) == (Decimal(5), Decimal("12.5"), Decimal(25))  # March still linear
    assert performance.expected_share(db, YEAR, 2) == Decimal("12.5")  # the figure the targets page judges by
    db.expire_all()
    made = [e for e in _all_entries(db, "expected_share") if e.action == "create"]
    assert len(made) == 2 and {e.actor_token_id for e in made} == {bureau.coordinator_id}

    before = snapshot(db)
    refused_field(
        client.put(path, json={"shares": [{"month": 1, "share": 101}]}, headers=bureau.coordinator), "shares.0.share"
    )
    refused_field(
        client.put(path, json={"shares": [{"month": 13, "share": 1}]}, headers=bureau.coordinator), "shares.0.month"
    )
    twice = {"shares": [{"month": 1, "share": 1}, {"month": 1, "share": 2}]}
    assert "同一月份" in refused_field(client.put(path, json=twice, headers=bureau.coordinator), "shares")
    refused_field(client.put(path, json={"shares": []}, headers=bureau.coordinator), "shares")
    refused_field(client.put("/api/v1/targets/1999/curve", json=body, headers=bureau.coordinator), "year")
    assert changed(before, snapshot(db)) == []


def _all_entries(db: Session, entity: str) -> list[Any]:
    from app.models.audit import AuditEntry

    return list(db.execute(select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.seq)).scalars())


# --- campaigns --------------------------------------------------------------------------------


def test_the_coordinator_creates_a_campaign_once_per_idempotency_key(
    db: Session, client: TestClient, bureau: Bureau
) -> None:
    signed = date(YEAR, 9, 10)
    for _ in range(2):  # two signings of 1,200 (万元) by the tier-1 department: the count alternative met
        project(db, bureau.department.id, contract=1200, signed=signed)
    db.commit()
    body = {"name": "秋季招商竞赛", "starts_on": f"{YEAR}-09-01", "ends_on": f"{YEAR}-11-30", "rules": RULES}
    headers = bureau.coordinator | {"Idempotency-Key": "campaign-create-0001"}

    first = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert first.status_code == 201, first.text
    created = first.json()
    assert (created["name"], created["starts_on"], created["version"]) == ("秋季招商竞赛", f"{YEAR}-09-01", 1)
    again = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == created
    db.expire_all()
    assert db.execute(select(func.count()).where(Campaign.name == "秋季招商竞赛")).scalar_one() == 1
    [entry] = entries(db, "campaign", created["id"], "create")
    assert entry.actor_token_id == bureau.coordinator_id

    # the rules as the page's JSON would have them, judged as the campaign's page judges them
    stored = db.get(Campaign, created["id"])
    assert stored is not None
    assert stored.rules[0]["targets"][0]["alternatives"][0] == {
        "measure": "count",
        "on": "signed",
        "min_wan": 1000,
        "threshold": 2,
    }
    assert stored.rules[0]["targets"][1]["alternatives"][0] == {"measure": "funds", "threshold": "800.5"}
    board = client.get(f"/api/v1/campaigns/{created['id']}", headers=bureau.coordinator).json()
    [row] = [
        r for g in board["groups"] if g["name"] == "一档" for r in g["rows"] if r["unit_id"] == bureau.department.id
    ]
    signing = next(t for t in row["targets"] if t["column"] == "签约")
    assert signing["met"] is True
    assert signing["alternatives"][0]["text"] == "2 个 ≥ 1000 万元的项目签约"
    assert Decimal(signing["alternatives"][0]["value"]) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "甲"}, "name"),
        ({"starts_on": "1999-12-31"}, "starts_on"),
        ({"ends_on": f"{YEAR}-08-01"}, "ends_on"),  # before it starts
        ({"rules": []}, "rules"),
        ({"rules": [{"name": "空组", "targets": [{"column": "签约"}]}]}, "rules.0"),  # no members
        (
            {
                "rules": [
                    {
                        "name": "一档",
                        "tiers": [1],
                        "targets": [{"column": "签约", "alternatives": [{"measure": "count", "threshold": 1}]}],
                    }
                ]
            },
            "rules.0.targets.0.alternatives.0",  # count needs `on`
        ),
        (
            {"rules": [{"name": "一档", "tiers": [9], "targets": [{"column": "签约"}]}]},
            "rules.0",
        ),
        (
            {"rules": [{"name": "一档", "kinds": ["planet"], "targets": [{"column": "签约"}]}]},
            "rules.0.kinds.0",
        ),
    ],
)
def test_an_invalid_campaign_is_refused_beside_its_field(
    db: Session, client: TestClient, bureau: Bureau, change: dict[str, Any], field: str
) -> None:
    body = {"name": "秋季招商竞赛", "starts_on": f"{YEAR}-09-01", "ends_on": f"{YEAR}-11-30", "rules": RULES} | change
    before = snapshot(db)
    refused_field(client.post("/api/v1/campaigns", json=body, headers=bureau.coordinator), field)
    assert changed(before, snapshot(db)) == []


def test_the_coordinator_changes_a_campaign_and_a_stale_version_is_a_conflict(
    db: Session, client: TestClient, bureau: Bureau
) -> None:
    campaign = bureau.campaign
    path = f"/api/v1/campaigns/{campaign.id}"
    version, starts_on, ends_on = campaign.version, campaign.starts_on, campaign.ends_on
    longer = ends_on + timedelta(days=20)

    moved = client.patch(path, json={"version": version, "ends_on": longer.isoformat()}, headers=bureau.coordinator)
    assert moved.status_code == 200, moved.text
    shown = moved.json()
    assert (shown["name"], shown["starts_on"], shown["ends_on"], shown["version"]) == (
        "春季攻坚竞赛",
        starts_on.isoformat(),
        longer.isoformat(),
        version + 1,
    )
    assert shown["rules"] == performance.HUNDRED_DAY_RULES  # untouched
    [entry] = entries(db, "campaign", campaign.id, "update")
    assert entry.actor_token_id == bureau.coordinator_id
    assert entry.changes["ends_on"] == [ends_on.isoformat(), longer.isoformat()]
    listed = client.get("/api/v1/campaigns", headers=bureau.coordinator).json()
    assert next(c for c in listed if c["id"] == campaign.id)["ends_on"] == longer.isoformat()

    before = snapshot(db)
    stale = client.patch(path, json={"version": version, "name": "另一个名称"}, headers=bureau.coordinator)
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert stale.json()["details"]["current_version"] == version + 1
    # made to end before it starts: the campaign as it would stand is checked as a whole
    early = (starts_on - timedelta(days=1)).isoformat()
    refused_field(
        client.patch(path, json={"version": version + 1, "ends_on": early}, headers=bureau.coordinator), "ends_on"
    )
    refused_field(client.patch(path, json={"version": version + 1, "rules": []}, headers=bureau.coordinator), "rules")
    refused_field(client.patch(path, json={"name": "无版本"}, headers=bureau.coordinator), "version")
    gone = client.patch(
        "/api/v1/campaigns/2000000000", json={"version": 1, "name": "不存在"}, headers=bureau.coordinator
    )
    assert gone.status_code == 404
    assert changed(before, snapshot(db)) == []

    # the rules replaced, retried with the same key: done once
    headers = bureau.coordinator | {"Idempotency-Key": "campaign-patch-0001"}
    body = {"version": version + 1, "name": "春季攻坚竞赛（调整）", "rules": RULES}
    first = client.patch(path, json=body, headers=headers)
    assert first.status_code == 200 and first.json()["rules"][1]["name"] == "乡镇"
    again = client.patch(path, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert len(entries(db, "campaign", campaign.id, "update")) == 2


# --- reports' cadence -------------------------------------------------------------------------


def test_the_coordinator_sets_a_reports_cadence(db: Session, client: TestClient, bureau: Bureau) -> None:
    headers = bureau.coordinator | {"Idempotency-Key": "cadence-0001"}
    first = client.put("/api/v1/reports/cadences/monthly", json={"due_days": 7}, headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["cadence"], first.json()["due_days"], first.json()["is_active"]) == ("monthly", 7, True)
    again = client.put("/api/v1/reports/cadences/monthly", json={"due_days": 7}, headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    db.expire_all()
    row = db.execute(select(ReportCadence).where(ReportCadence.cadence == "monthly")).scalar_one()
    [entry] = entries(db, "report_cadence", row.id, "create")
    assert entry.actor_token_id == bureau.coordinator_id

    # the units' reports are now due seven days after the month
    month = date(YEAR, 1, 1) if workdays.today().month > 1 else date(YEAR - 1, 1, 1)
    status = client.get(f"/api/v1/reports?cadence=monthly&period_start={month}", headers=bureau.coordinator).json()
    assert status and {r["due_on"] for r in status} == {(month.replace(day=31) + timedelta(days=7)).isoformat()}

    stopped = client.put(
        "/api/v1/reports/cadences/monthly", json={"due_days": 10, "is_active": False}, headers=bureau.coordinator
    )
    assert stopped.status_code == 200
    listed = client.get("/api/v1/reports/cadences", headers=bureau.coordinator).json()
    assert listed == [{"cadence": "monthly", "due_days": 10, "is_active": False, "working_days": False, "version": 2}]
    [update] = entries(db, "report_cadence", row.id, "update")
    assert update.changes["due_days"] == [7, 10] and update.actor_token_id == bureau.coordinator_id

    before = snapshot(db)
    refused_field(
        client.put("/api/v1/reports/cadences/monthly", json={"due_days": 61}, headers=bureau.coordinator), "due_days"
    )
    refused_field(
        client.put("/api/v1/reports/cadences/yearly", json={"due_days": 5}, headers=bureau.coordinator), "cadence"
    )
    refused_field(client.put("/api/v1/reports/cadences/monthly", json={}, headers=bureau.coordinator), "due_days")
    assert changed(before, snapshot(db)) == []


# --- bulletins --------------------------------------------------------------------------------


def test_the_coordinator_publishes_a_bulletin_once_and_exports_it(
    db: Session, client: TestClient, bureau: Bureau
) -> None:
    year, number = bulletins.last_ended("monthly")
    start, _end = bulletins.period_of("monthly", year, number)
    p = project(db, bureau.town.id, contract=3000, signed=start)
    funds(db, p.id, "1234.5", start + timedelta(days=1))
    db.commit()
    path = f"/api/v1/bulletins/monthly/{year}/{number}"
    headers = bureau.coordinator | {"Idempotency-Key": "publish-0001"}

    first = client.post(f"{path}/publish", json={}, headers=headers)
    assert first.status_code == 201, first.text
    published = first.json()
    assert (published["kind"], published["year"], published["number"]) == ("monthly", year, number)
    again = client.post(f"{path}/publish", json={}, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == published
    db.expire_all()
    row = db.execute(select(Bulletin)).scalar_one()
    assert row.digest == published["digest"] == bulletins.digest(row.content)
    [entry] = entries(db, "bulletin", row.id, "create")
    assert entry.actor_token_id == bureau.coordinator_id
    [event] = db.execute(select(OutboxEvent).where(OutboxEvent.event_type == "bulletin.published")).scalars()
    assert event.payload["title"] == row.title  # as when the page publishes it
    shown = client.get(path, headers=bureau.coordinator).json()
    assert shown["published"] is True and shown["digest"] == row.digest

    # published once only
    before = snapshot(db)
    assert "已于" in refused_field(client.post(f"{path}/publish", json={}, headers=bureau.coordinator), "__all__")
    # the current month has not ended: refused unless confirmed, saying how many days are left
    today = workdays.today()
    current = f"/api/v1/bulletins/monthly/{today.year}/{today.month}/publish"
    early = refused_field(client.post(current, json={}, headers=bureau.coordinator), "confirm_early")
    assert "尚余" in early
    refused_field(client.post(current, json={"confirm_early": "maybe"}, headers=bureau.coordinator), "confirm_early")
    refused_field(
        client.post(f"/api/v1/bulletins/monthly/{today.year + 2}/1/publish", json={}, headers=bureau.coordinator),
        "year",
    )
    assert changed(before, snapshot(db)) == []
    confirmed = client.post(current, json={"confirm_early": True}, headers=bureau.coordinator)
    assert confirmed.status_code == 201, confirmed.text

    # the workbook, as frozen: the period's domestic funds a number in its cell, the digest in the footer
    xlsx = client.get(f"{path}/export.xlsx", headers=bureau.coordinator)
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = load_workbook(io.BytesIO(xlsx.content))["总体情况"]
    values = {r[0].value: r[1].value for r in sheet.iter_rows(min_row=2) if r[0].value}
    funds_row = next(label for label in values if str(label).startswith("内资到位资金"))
    assert Decimal(str(values[funds_row])) == Decimal("1234.5")
    assert any(row.digest in str(c.value) for r in sheet.iter_rows() for c in r if c.value)
    exported = [e for e in _all_entries(db, "bulletin") if e.action == "export"]
    assert exported[-1].changes["format"] == "xlsx" and exported[-1].actor_token_id == bureau.coordinator_id

    # a unit's token reads no bulletin
    assert client.get(f"{path}/export.xlsx", headers=bureau.staff).status_code == 403
