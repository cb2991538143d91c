"""The home page in few statements shows exactly what it showed when each of its parts was asked
separately: the unit's board (what falls due, counts, quota, target warnings) and the coordinator's
overview, each checked against a reference computed the plain way from the same rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session

from app.models.lead import DuplicatePair, DuplicateStatus, LeadCredit, LeadStatus
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, ProjectStatus, Stage
from app.models.setting import AppSetting
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import app_settings, home, leads, metrics, performance, projects, registry, workdays
from tests.conftest import login
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects import factories
from tests.projects.factories import make_funds, make_lead, make_project

YEAR = workdays.today().year
TODAY = date(YEAR, 6, 15)


def staff(unit: Unit) -> Principal:
    return Principal(role=Role.unit_staff, unit_id=unit.id, label="测试单位", user_id=None)


def coordinator() -> Principal:
    return Principal(role=Role.coordinator, unit_id=None, label="测试招商局", user_id=None)


@contextmanager
def counting(connection: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    """A unit with projects in every situation the board tells apart, leads in several months, funds,
    targets; and another unit beside it."""
    unit = make_unit(db, kind=UnitKind.department, tier=2)
    other = make_unit(db, kind=UnitKind.town)
    june = date(YEAR, 6, 1)
    before = date(YEAR - 1, 12, 1)  # every stage reached last year: nothing introduced this year

    def make_project(db: Session, unit: Unit, **values: Any) -> Project:
        return factories.make_project(db, unit, **{"reached": before, **values})

    p = {
        # building projects: a progress update owed unless one was made this month
        "no_update": make_project(db, unit, stage=Stage.started, name="看板项目C"),
        "updated": make_project(db, unit, stage=Stage.signed, name="看板项目D", last_progress_on=date(YEAR, 6, 2)),
        "updated_in_may": make_project(
            db, unit, stage=Stage.landed, name="看板项目A", last_progress_on=date(YEAR, 5, 31)
        ),
        "negotiating": make_project(db, unit, stage=Stage.negotiating, name="看板项目E"),
        # contract dates falling due this month (and not)
        "start_due": make_project(
            db, unit, stage=Stage.signed, name="看板项目F", start_by=date(YEAR, 6, 20), last_progress_on=june
        ),
        "start_and_progress": make_project(db, unit, stage=Stage.signed, name="看板项目B", start_by=date(YEAR, 6, 30)),
        "start_next_month": make_project(
            db, unit, stage=Stage.signed, name="看板项目G", start_by=date(YEAR, 7, 1), last_progress_on=june
        ),
        "start_overdue": make_project(
            db, unit, stage=Stage.signed, name="看板项目H", start_by=date(YEAR, 5, 31), last_progress_on=june
        ),
        "production_due": make_project(
            db, unit, stage=Stage.started, name="看板项目I", production_by=june, last_progress_on=date(YEAR, 6, 3)
        ),
        "produced": make_project(db, unit, stage=Stage.production, name="看板项目J", production_by=june),
        # not active, or not the unit's responsibility
        "paused": make_project(
            db, unit, stage=Stage.started, name="看板项目K", status=ProjectStatus.paused, start_by=date(YEAR, 6, 9)
        ),
        "terminated": make_project(db, unit, stage=Stage.signed, name="看板项目L", status=ProjectStatus.terminated),
        "served_by_other": make_project(db, unit, stage=Stage.started, name="看板项目M", responsible=other),
        "introduced_by_other": make_project(db, other, stage=Stage.intent, name="看板项目N", responsible=unit),
        "others": make_project(db, other, stage=Stage.started, name="看板项目O"),
    }
    make_funds(db, p["no_update"], 100, status=FundsStatus.pending)
    make_funds(db, p["introduced_by_other"], 50, status=FundsStatus.pending)
    make_funds(db, p["no_update"], 70, status=FundsStatus.confirmed, arrived_on=date(YEAR, 3, 1))
    make_funds(db, p["served_by_other"], 30, status=FundsStatus.pending)  # the other unit's to wait for
    make_funds(db, p["others"], 30, status=FundsStatus.pending)
    # leads: two in January, one in March, a shared one in April (30%), one on the first of May; one
    # not valid, one merged
    for day in (date(YEAR, 1, 3), date(YEAR, 1, 20), date(YEAR, 3, 9), date(YEAR, 5, 1), date(YEAR, 6, 2)):
        make_lead(db, unit, lead_date=day)
    shared = make_lead(db, other, lead_date=date(YEAR, 4, 4))
    db.add_all(
        [
            LeadCredit(lead_id=shared.id, unit_id=unit.id, share=Decimal(30)),
            LeadCredit(lead_id=shared.id, unit_id=other.id, share=Decimal(70)),
        ]
    )
    make_lead(db, unit, lead_date=date(YEAR, 5, 5), status=LeadStatus.invalid)
    original = make_lead(db, other, lead_date=date(YEAR, 5, 6))
    make_lead(db, unit, lead_date=date(YEAR, 5, 7), duplicate_of_id=original.id)
    make_lead(db, unit, lead_date=date(YEAR - 1, 12, 31))
    db.add(AppSetting(key=f"lead_monthly_quota.unit.{unit.id}", value="2"))
    # targets: none of the projects introduced this year (a red card), funds behind the pace
    c = coordinator()
    performance.set_target(db, c, year=YEAR, metric="projects_introduced", amount=Decimal(3), tier=2)
    performance.set_target(db, c, year=YEAR, metric="funds_domestic", amount=Decimal(1000), tier=2)
    performance.set_target(db, c, year=YEAR, metric="funds_domestic", amount=Decimal(90), unit_kind="town")
    db.flush()
    return {"unit": unit, "other": other, "projects": p}


def expected_board(db: Session, unit: Unit, today: date) -> dict[str, Any]:
    """The board's content, the plain way: the unit's projects loaded and tested one by one, the
    standings of every metric, the quota from the credited leads."""
    first = today.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    mine = db.execute(select(Project).order_by(Project.name, Project.id)).scalars().all()
    responsible = [p for p in mine if p.responsible_unit_id == unit.id and p.status is ProjectStatus.active]
    due = {
        "progress": [
            p.id
            for p in responsible
            if p.stage in projects.BUILDING_STAGES and (p.last_progress_on is None or p.last_progress_on < first)
        ],
        "start": [p.id for p in responsible if not p.started_on and p.start_by and first <= p.start_by < next_month],
        "production": [
            p.id
            for p in responsible
            if not p.production_on and p.production_by and first <= p.production_by < next_month
        ],
    }
    involved = [p for p in mine if unit.id in (p.responsible_unit_id, p.introducing_unit_id)]
    stage_counts: dict[str, int] = {}
    for p in involved:
        if p.status is not ProjectStatus.terminated:
            stage_counts[p.stage.value] = stage_counts.get(p.stage.value, 0) + 1
    pending = db.execute(
        select(func.count())
        .select_from(FundsArrival)
        .join(Project, Project.id == FundsArrival.project_id)
        .where(FundsArrival.status == FundsStatus.pending, Project.responsible_unit_id == unit.id)
    ).scalar_one()
    quota = int(app_settings.get_decimal(db, "lead_monthly_quota", unit.id))
    counts = [0] * 12
    for _unit, lead_date, _share in leads.credited_valid_leads(db, today.year, unit.id):
        counts[lead_date.month - 1] += 1
    standing = performance.standings(db, today.year, today, unit_ids=[unit.id])
    warnings = [
        {
            "label": metrics.METRICS[s.metric].label,
            "share": performance.shown(s.share_of_expected),
            "card": s.card,
            "heading_below": s.heading_below,
        }
        for _key, s in sorted(standing.items())
        if s.card or s.heading_below
    ]
    return {
        "due": due,
        "stage_counts": stage_counts,
        "pending_funds": pending,
        "active_total": sum(1 for p in involved if p.status is ProjectStatus.active),
        "quota": leads.standing_of(today, quota, counts),
        "pace_warnings": warnings,
    }


def shown_board(context: dict[str, Any]) -> dict[str, Any]:
    return {
        "due": {kind: [p.id for p in rows] for kind, rows in context["due"].items()},
        "stage_counts": context["stage_counts"],
        "pending_funds": context["pending_funds"],
        "active_total": context["active_total"],
        "quota": context["quota"],
        "pace_warnings": context["pace_warnings"],
    }


def test_the_board_shows_what_its_parts_asked_one_by_one_show(db, connection, world):
    unit = world["unit"]
    with counting(connection) as statements:
        context = home.overview(db, staff(unit), TODAY)
    assert len(statements) <= 4  # the unit and all its counts, what falls due, the two project lists
    assert shown_board(context) == expected_board(db, unit, TODAY)

    # worked: what falls due, by name
    assert [r.name for r in context["due"]["progress"]] == ["看板项目A", "看板项目B", "看板项目C"]
    assert [(r.name, r.start_by) for r in context["due"]["start"]] == [
        ("看板项目B", date(YEAR, 6, 30)),
        ("看板项目F", date(YEAR, 6, 20)),
    ]
    assert [(r.name, r.production_by) for r in context["due"]["production"]] == [("看板项目I", date(YEAR, 6, 1))]
    assert context["pending_funds"] == 2
    assert context["stage_counts"] == {"negotiating": 1, "intent": 1, "signed": 5, "landed": 1, "started": 4,
                                       "production": 1}  # fmt: skip
    assert context["active_total"] == 12
    # the quota of 2: January met, February to May missed (March 1, April the shared lead, May 1)
    assert [m["count"] for m in context["quota"]["months"]] == [2, 0, 1, 1, 1, 1]
    assert context["quota"]["missed"] == [2, 3, 4, 5]
    assert not context["quota"]["this_month"]["met"]
    assert [(w["label"], w["card"]) for w in context["pace_warnings"]] == [
        ("内资到位资金（已确认）", ""),
        ("引进项目", "red"),
    ]
    assert context["pace_warnings"][0]["heading_below"]
    assert context["unit"].name == unit.name
    # the lists come from the project lists' own functions
    active, total = projects.list_projects(
        db,
        staff(unit),
        projects.ProjectFilter(unit_id=unit.id, status=ProjectStatus.active, sort="updated"),
        limit=8,
        today=TODAY,
    )
    assert [r["project"].id for r in context["active"]] == [r["project"].id for r in active]
    assert total == context["active_total"]
    t = projects.thresholds(db, TODAY)
    assert [r["project"].id for r in context["flagged"]] == [
        r["project"].id for r in projects.flagged(db, staff(unit), unit.id, t)
    ]


def due_of(p: Project, first: date, next_month: date) -> dict[str, bool]:
    return {
        "progress": p.stage in projects.BUILDING_STAGES and (p.last_progress_on is None or p.last_progress_on < first),
        "start": not p.started_on and p.start_by is not None and first <= p.start_by < next_month,
        "production": not p.production_on and p.production_by is not None and first <= p.production_by < next_month,
    }


def test_the_board_page_is_the_page_the_project_lists_own_functions_give(client, db, world, monkeypatch):
    """The board reads its two lists (without the names it does not show) by statements of its own;
    the page is the same, byte for byte, as when they came from projects.list_projects and
    projects.flagged: confidential projects of its own named alike, more than a list holds, every warning."""
    unit, other = world["unit"], world["other"]
    long_ago = workdays.today() - timedelta(days=400)
    for n in range(12):  # stalled, some confidential, some only introduced by the unit
        make_project(
            db,
            other if n % 3 == 0 else unit,
            stage=Stage.started,
            name=f"停滞项目{n}",
            reached=long_ago - timedelta(days=n),
            responsible=unit,
            is_confidential=n % 2 == 0,
            code_name=f"代号{n}",
            land_granted_on=long_ago,
            contract_investment=Decimal(1000 + n),
        )
    clerk = make_user(db, unit)
    db.commit()
    assert login(client, clerk.username, PASSWORD).status_code == 303

    def generic(db: Session, principal: Principal, unit_id: int, t: projects.Thresholds) -> Any:
        first = t.today.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        due = [  # what falls due this month, a statement of its own (the three conditions in Python)
            p
            for p in db.execute(
                select(Project)
                .where(Project.responsible_unit_id == unit_id, Project.status == ProjectStatus.active)
                .order_by(Project.name, Project.id)
            ).scalars()
            if any(due_of(p, first, next_month).values())
        ]
        for p in due:
            for kind, owed in due_of(p, first, next_month).items():
                setattr(p, f"{kind}_due", owed)
        active, _ = projects.list_projects(
            db,
            principal,
            projects.ProjectFilter(unit_id=unit_id, status=ProjectStatus.active, sort="updated"),
            limit=8,
            t=t,
            with_total=False,
        )
        return due, active, projects.flagged(db, principal, unit_id, t, limit=10)

    def page() -> str:
        answer = client.get("/")
        assert answer.status_code == 200
        return re.sub(r'(csrf_token" value=")[^"]+|("X-CSRF-Token": ")[^"]+', r"\1\2-", answer.text)

    board = page()
    assert "停滞项目0" in board and board.count('class="badge warn"') > 10  # its own confidential ones by name
    monkeypatch.setattr(home, "_lists", generic)
    assert page() == board


@pytest.mark.parametrize("day", [date(YEAR, 1, 1), date(YEAR, 2, 28), date(YEAR, 6, 30), date(YEAR, 12, 31)])
def test_the_board_on_other_days(db, world, day):
    for unit in (world["unit"], world["other"]):
        assert shown_board(home.overview(db, staff(unit), day)) == expected_board(db, unit, day)


def test_a_unit_without_targets_leads_or_projects_and_an_inactive_unit(db, world):
    quiet = make_unit(db, kind=UnitKind.zone)
    context = home.overview(db, staff(quiet), TODAY)
    assert shown_board(context) == expected_board(db, quiet, TODAY)
    assert context["pace_warnings"] == [] and context["stage_counts"] == {} and context["active_total"] == 0
    assert context["quota"]["missed"] == [1, 2, 3, 4, 5]  # the default quota of 1
    gone = make_unit(db, kind=UnitKind.department, tier=2, is_active=False)
    assert home.overview(db, staff(gone), TODAY)["pace_warnings"] == []  # targets apply to active units only


def expected_overview(db: Session, today: date) -> dict[str, Any]:
    """The overview the plain way: a statement per count, the quota table from the credited leads."""
    t = projects.thresholds(db, today)
    year_start = today.replace(month=1, day=1)

    def count(stmt: Any) -> Any:
        return db.execute(stmt).scalar_one()

    per_unit: dict[int, dict[int, int]] = {}
    for unit_id, lead_date, _share in leads.credited_valid_leads(db, today.year):
        months = per_unit.setdefault(unit_id, {})
        months[lead_date.month] = months.get(lead_date.month, 0) + 1
    default_quota = int(app_settings.get_decimal(db, "lead_monthly_quota"))
    overrides = {k: int(Decimal(v)) for k, v in app_settings.unit_overrides(db, "lead_monthly_quota").items()}
    quota_table = []
    for unit in db.execute(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id)).scalars():
        quota = overrides.get(unit.id, default_quota)
        counts = per_unit.get(unit.id, {})
        missed = [m for m in range(1, today.month) if counts.get(m, 0) < quota]
        if quota > 0 and missed:
            quota_table.append((unit.id, unit.name, unit.short_name, missed))
    return {
        "stage_counts": {
            stage.value: n
            for stage, n in db.execute(
                select(Project.stage, func.count())
                .where(Project.status != ProjectStatus.terminated)
                .group_by(Project.stage)
            ).all()
        },
        "flag_counts": projects.flag_counts(db, None, t),
        "funds_year": count(
            select(func.coalesce(func.sum(FundsArrival.amount), 0)).where(
                FundsArrival.status == FundsStatus.confirmed,
                FundsArrival.source != FundsSource.foreign,
                FundsArrival.arrived_on >= year_start,
            )
        ),
        "pending_funds": count(
            select(func.count()).select_from(FundsArrival).where(FundsArrival.status == FundsStatus.pending)
        ),
        "open_pairs": count(
            select(func.count()).select_from(DuplicatePair).where(DuplicatePair.status == DuplicateStatus.open)
        ),
        "open_disputes": registry.open_disputes(db, coordinator()),
        "signed_year": count(select(func.count()).select_from(Project).where(Project.signed_on >= year_start)),
        "started_year": count(select(func.count()).select_from(Project).where(Project.started_on >= year_start)),
        "unit_count": count(select(func.count()).select_from(Unit).where(Unit.is_active.is_(True))),
        "user_count": count(select(func.count()).select_from(User).where(User.is_active.is_(True))),
        "quota_table": quota_table[:12],
    }


def shown_overview(context: dict[str, Any]) -> dict[str, Any]:
    keys = ("stage_counts", "flag_counts", "funds_year", "pending_funds", "open_pairs", "open_disputes",
            "signed_year", "started_year", "unit_count", "user_count")  # fmt: skip
    shown = {key: context[key] for key in keys}
    shown["quota_table"] = [
        (r["unit"].id, r["unit"].name, r["unit"].short_name, r["missed"]) for r in context["quota_table"]
    ]
    return shown


@pytest.mark.parametrize("day", [TODAY, date(YEAR, 1, 1), date(YEAR, 12, 31)])
def test_the_overview_shows_what_a_statement_per_count_shows(db, connection, world, day):
    make_user(db, world["unit"])
    with counting(connection) as statements:
        context = home.overview(db, coordinator(), day)
    assert len(statements) <= 3  # the thresholds, every count, the quota table
    assert shown_overview(context) == expected_overview(db, day)
    if day == TODAY:
        assert context["pending_funds"] == 4
        assert context["flag_counts"]["not_started"] >= 1  # the project overdue to start
        assert context["funds_year"] == Decimal(70)
        assert world["unit"].id in [r["unit"].id for r in context["quota_table"]]


def test_the_quota_table_lists_every_active_unit_with_a_quota(db, world):
    unit, other = world["unit"], world["other"]
    db.add(AppSetting(key=f"lead_monthly_quota.unit.{other.id}", value="0"))  # no quota: not listed
    db.flush()
    rows = {r["unit"].id: r for r in leads.quota_table(db, coordinator(), TODAY)}
    assert other.id not in rows
    assert (rows[unit.id]["quota"], rows[unit.id]["this_month"], rows[unit.id]["year_total"]) == (2, 1, 6)
    assert rows[unit.id]["missed"] == [2, 3, 4, 5]
    standing = leads.quota_standing(db, coordinator(), unit.id, TODAY)
    assert standing == expected_board(db, unit, TODAY)["quota"]


def test_the_pages_show_the_board_and_the_overview(client, db, signed_in):
    today = workdays.today()
    unit = make_unit(db, kind=UnitKind.town)
    late = make_project(
        db, unit, stage=Stage.started, name="还没登记本月进度的项目", reached=today - timedelta(days=40)
    )
    make_project(db, unit, stage=Stage.signed, name="本月到期开工的项目", start_by=today, last_progress_on=today)
    make_funds(db, late, 100, status=FundsStatus.pending)
    clerk = make_user(db, unit)
    db.commit()
    login(client, clerk.username, PASSWORD)
    board = client.get("/").text
    due = board.split('id="due-h"')[1].split("</section>")[0]
    assert f'<a href="/projects/{late.id}">还没登记本月进度的项目</a>' in due
    assert f"约定 {today} 开工：本月到期开工的项目" in due
    assert "有 1 笔到位资金等待招商局确认。" in due
    assert "本月还需报送有效线索 1 条" in due
    stages = board.split('id="stage-h"')[1].split("</section>")[0]
    for stage, count in ((Stage.started, 1), (Stage.signed, 1), (Stage.landed, 0)):
        assert f'stage={stage.value}"><span>{stage.label}</span><strong>{count}<small> 个</small></strong>' in stages
    assert "推进中的项目（2）" in board

    overview = signed_in(make_user(db, role=Role.coordinator)).get("/").text
    assert '<div class="value">1<span class="unit">笔</span></div><div class="label">待确认到位资金</div>' in overview
    assert "线索任务未完成的单位" in overview or today.month == 1


def test_the_quota_table_counts_every_units_credited_leads_month_by_month(db, world):
    """Each unit's counts are the leads credited to it, as `credited_valid_leads` gives them: a lead whose
    credit is shared counts for each unit credited (once, however many shares), not for its own unit
    unless credited too; merged, invalid and last year's leads not at all."""
    unit, other = world["unit"], world["other"]
    third = make_unit(db, kind=UnitKind.town)
    away = make_lead(db, unit, lead_date=date(YEAR, 2, 27))  # the unit's lead, credited to two others
    db.add_all(
        [
            LeadCredit(lead_id=away.id, unit_id=other.id, share=Decimal(60)),
            LeadCredit(lead_id=away.id, unit_id=third.id, share=Decimal(40)),
        ]
    )
    december = make_lead(db, third, lead_date=date(YEAR, 12, 31))  # the year's last day, credited to itself
    db.add(LeadCredit(lead_id=december.id, unit_id=third.id, share=Decimal(100)))
    make_lead(db, third, lead_date=date(YEAR + 1, 1, 1))  # next year's
    db.flush()

    expected: dict[int, list[int]] = {}
    for unit_id, lead_date, _share in leads.credited_valid_leads(db, YEAR):
        expected.setdefault(unit_id, [0] * 12)[lead_date.month - 1] += 1
    rows = {r["unit"].id: r for r in leads.quota_table(db, coordinator(), date(YEAR, 12, 31))}
    for unit_id, counts in expected.items():
        assert rows[unit_id]["year_total"] == sum(counts), unit_id
        assert rows[unit_id]["this_month"] == counts[11], unit_id
        assert rows[unit_id]["missed"] == [m for m in range(1, 12) if counts[m - 1] < rows[unit_id]["quota"]]
    assert expected[unit.id] == [2, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]  # February's went to the other two
    assert expected[third.id][1] == 1 and expected[third.id][11] == 1
    assert {u for u, r in rows.items() if r["year_total"]} == set(expected)
