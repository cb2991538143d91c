"""Warnings are computed when read: worked dates for each, and the list filter finds exactly the flagged projects."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models.project import Project, ProjectStatus, Stage
from app.models.setting import AppSetting
from app.models.user import Role
from app.principal import SYSTEM
from app.schemas.projects import ProgressCreate
from app.services import projects, workdays
from app.services.projects import ProjectFilter
from tests.conftest import login
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects.factories import make_project

T = date(2025, 6, 30)  # "today" for the worked examples


def ago(days: int) -> date:
    return T - timedelta(days=days)


@pytest.fixture
def unit(db):
    return make_unit(db)


def build(db, unit) -> dict[str, Project]:
    """Pairs of projects on either side of each warning's line. Unless a case is about it, a project
    reported progress yesterday and has no contract dates, so that it raises only its own warning."""

    def p(key: str, stage: Stage, **values) -> tuple[str, Project]:
        values.setdefault("last_progress_on", ago(1))
        return key, make_project(db, unit, stage=stage, reached=values.pop("reached", ago(100)), name=key, **values)

    made = dict(
        [
            # signed, not started after the contract's start-by date
            p("ns_yes", Stage.signed, start_by=ago(1)),
            p("ns_today", Stage.signed, start_by=T),
            p("ns_started", Stage.started, start_by=ago(50)),
            p("ns_paused", Stage.signed, start_by=ago(10), status=ProjectStatus.paused),
            p("ns_unsigned", Stage.intent, start_by=ago(10)),
            # no progress for more than 60 days while building
            p("st_yes", Stage.started, last_progress_on=ago(61)),
            p("st_60", Stage.started, last_progress_on=ago(60)),
            p("st_never", Stage.landed, reached=ago(61), last_progress_on=None),
            p("st_recent_stage", Stage.landed, reached=ago(60), last_progress_on=None),
            p("st_producing", Stage.production, last_progress_on=ago(300)),
            p("st_paused", Stage.started, last_progress_on=ago(100), status=ProjectStatus.paused),
            # land granted, not started: after a year, or after the start-by date
            p("li_year", Stage.landed, land_granted_on=ago(366)),
            p("li_365", Stage.landed, land_granted_on=ago(365)),
            p("li_late", Stage.landed, land_granted_on=ago(10), start_by=ago(1)),
            p("li_started", Stage.started, land_granted_on=ago(400)),
            p("li_terminated", Stage.landed, land_granted_on=ago(400), status=ProjectStatus.terminated),
            # completed below the promised intensity (10 亩 × 100 万元/亩 = 1000 万元)
            p(
                "bi_yes",
                Stage.completed,
                land_area_mu=Decimal(10),
                intensity_commitment=Decimal(100),
                investment_completed=Decimal("999.99"),
            ),
            p(
                "bi_met",
                Stage.completed,
                land_area_mu=Decimal(10),
                intensity_commitment=Decimal(100),
                investment_completed=Decimal(1000),
            ),
            p(
                "bi_building",
                Stage.started,
                land_area_mu=Decimal(10),
                intensity_commitment=Decimal(100),
                investment_completed=Decimal(10),
            ),
            # money before the contract, money above the contract
            p("fb_yes", Stage.signed, reached=ago(10), first_funds_on=ago(11)),
            p("fb_same_day", Stage.signed, reached=ago(10), first_funds_on=ago(10)),
            p("fb_unsigned", Stage.intent, first_funds_on=ago(5)),
            p("fo_yes", Stage.signed, contract_investment=Decimal(1000), funds_confirmed=Decimal("1000.01")),
            p("fo_equal", Stage.signed, contract_investment=Decimal(1000), funds_confirmed=Decimal(1000)),
            p("fo_no_contract", Stage.intent, funds_confirmed=Decimal(50)),
        ]
    )
    for key in ("ns_yes", "ns_today", "ns_started", "ns_paused", "fb_yes", "fb_same_day", "fo_yes", "fo_equal"):
        made[key].signed_on = made[key].signed_on or ago(100)
    made["ns_started"].started_on = ago(40)
    db.flush()
    return made


EXPECTED = {
    "not_started": {"ns_yes", "li_late"},
    "stalled": {"st_yes", "st_never"},
    "land_idle": {"li_year", "li_late"},
    "below_intensity": {"bi_yes"},
    "funds_before_signing": {"fb_yes", "fb_unsigned"},
    "funds_over_contract": {"fo_yes"},
    "completed_fell": {"cf_yes"},
}


def add_completed_fall(db, unit) -> None:
    """The completed-investment figure falls between two progress reports (entered through the service)."""
    for key, amounts in (("cf_yes", ("800", "600")), ("cf_no", ("600", "800"))):
        project = make_project(db, unit, stage=Stage.started, name=key, last_progress_on=ago(1))
        for amount in amounts:
            projects.add_progress(db, SYSTEM, project.id, ProgressCreate(investment_completed=Decimal(amount)))
    db.flush()


def listed(db, unit, flag: str, today: date = T) -> set[str]:
    rows, total = projects.list_projects(db, SYSTEM, ProjectFilter(unit_id=unit.id, flag=flag), today=today, limit=200)
    assert total == len(rows)
    return {r["name"] for r in rows}


def test_each_warning_is_raised_exactly_on_its_worked_dates(db, unit):
    made = build(db, unit)
    add_completed_fall(db, unit)
    t = projects.thresholds(db, T)
    everything = db.query(Project).filter(Project.responsible_unit_id == unit.id).all()
    assert len(everything) == len(made) + 2

    for flag, expected in EXPECTED.items():
        raised_in_python = {p.name for p in everything if flag in projects.flags(p, t)}
        assert raised_in_python == expected, flag
        assert listed(db, unit, flag) == expected, flag  # the SQL filter agrees with the rows' own flags


def test_days_in_stage_are_counted_from_the_stage_date(db, unit):
    build(db, unit)
    rows, _ = projects.list_projects(db, SYSTEM, ProjectFilter(unit_id=unit.id, sort="stage_age"), today=T, limit=200)
    by_name = {r["name"]: r for r in rows}
    assert by_name["st_yes"]["days_in_stage"] == 100
    assert by_name["fb_yes"]["days_in_stage"] == 10
    assert rows[0]["days_in_stage"] == max(r["days_in_stage"] for r in rows)  # "longest in stage" first


def test_the_thresholds_are_the_coordinators_settings(db, unit):
    build(db, unit)
    db.add_all([AppSetting(key="stalled_days", value="30"), AppSetting(key="land_idle_days", value="400")])
    db.flush()

    assert listed(db, unit, "stalled") == {"st_yes", "st_60", "st_never", "st_recent_stage"}
    assert listed(db, unit, "land_idle") == {"li_late"}


def test_warnings_move_with_the_day_they_are_read(db, unit):
    build(db, unit)
    assert "ns_today" not in listed(db, unit, "not_started", T)
    assert "ns_today" in listed(db, unit, "not_started", T + timedelta(days=1))
    assert "st_60" in listed(db, unit, "stalled", T + timedelta(days=1))


# --- on the pages -----------------------------------------------------------------------------------


def test_the_board_and_the_lists_show_the_warnings_and_filter_by_them(client, db, unit, signed_in):
    today = workdays.today()
    late = make_project(
        db,
        unit,
        stage=Stage.signed,
        name="迟迟未开工的项目",
        start_by=today - timedelta(days=3),
        reached=today - timedelta(days=20),
    )
    fine = make_project(
        db,
        unit,
        stage=Stage.signed,
        name="按期推进的项目",
        start_by=today + timedelta(days=30),
        reached=today - timedelta(days=20),
    )
    elsewhere = make_project(
        db, make_unit(db), stage=Stage.signed, name="别的单位未开工项目", start_by=today - timedelta(days=3)
    )
    clerk = make_user(db, unit)
    db.commit()
    login(client, clerk.username, PASSWORD)

    board = client.get("/").text
    warnings = board.split('id="flag-h"')[1].split("</section>")[0]
    assert "迟迟未开工的项目" in warnings and "签约未开工（已过约定开工日期）" in warnings
    assert "按期推进的项目" not in warnings

    filtered = client.get("/projects?flag=not_started")
    assert filtered.status_code == 200
    assert f'id="project-{late.id}"' in filtered.text
    assert f'id="project-{fine.id}"' not in filtered.text and f'id="project-{elsewhere.id}"' not in filtered.text
    assert "共 1 个项目" in filtered.text
    assert "在本阶段 20 天" in client.get(f"/projects/{late.id}").text
    assert client.get("/projects?flag=no_such_flag").status_code == 422

    bureau = signed_in(make_user(db, role=Role.coordinator))
    overview = bureau.get("/").text
    assert (
        'href="/projects?flag=not_started">签约未开工（已过约定开工日期）</a> <span class="badge warn">2</span>'
        in overview
    )
    everywhere = bureau.get("/projects?flag=not_started").text
    assert f'id="project-{late.id}"' in everywhere and f'id="project-{elsewhere.id}"' in everywhere
