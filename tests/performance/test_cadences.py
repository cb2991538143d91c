"""Every cadence of periodic report (issue 19, item 7): weekly reports and half-year summaries beside the
ten-day, monthly and quarterly ones, their periods at the turn of the year, deadlines in working days by
the calendar, which units report which cadence (by kind, by unit; nothing set: every unit as before),
the due and late events for those units only, and each unit's late and missing reports of a year for the
assessment. SQLite and PostgreSQL for everything that reads the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.performance import ReportCadence, UnitReport
from app.models.ticket import OutboxEvent
from app.models.unit import UnitKind
from app.models.user import Role
from app.principal import Principal
from app.scopes import TokenRole
from app.services import event_watch, reports, workdays
from tests.conftest import login, page_csrf
from tests.core.test_api_admin_operations import refused_field
from tests.core.test_refusal_rollback import changed, snapshot
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.performance.test_performance import coordinator

CALENDAR_2026 = {day: on for day, (on, _name) in workdays.DEMO_2026.items()}


def staff(unit_id: int) -> Principal:
    return Principal(role=Role.unit_staff, unit_id=unit_id, label="单位", user_id=None)


def schedule(db: Session, cadence: str, due_days: int, *, working_days: bool = False, made: date) -> ReportCadence:
    row = ReportCadence(cadence=cadence, due_days=due_days, working_days=working_days, is_active=True)
    row.created_at = datetime(made.year, made.month, made.day, tzinfo=UTC)
    db.add(row)
    db.flush()
    return row


def sent(db: Session, unit_id: int, cadence: str, start: date, end: date, at: datetime) -> None:
    db.add(
        UnitReport(
            unit_id=unit_id,
            cadence=cadence,
            period_start=start,
            period_end=end,
            due_on=end,
            figures={},
            submitted_at=at,
        )
    )
    db.flush()


# --- periods at the turn of the year (no database) ----------------------------------------------


def test_weeks_run_monday_to_sunday_and_belong_to_their_iso_year():
    weeks = reports.periods("weekly", 2026, date(2027, 12, 31))
    assert reports.weeks_in(2026) == 53 and reports.weeks_in(2025) == 52 and len(weeks) == 53
    assert weeks[0] == (date(2025, 12, 29), date(2026, 1, 4))  # week 1 begins in the old year
    assert weeks[-1] == (date(2026, 12, 28), date(2027, 1, 3))  # week 53 spans New Year
    assert all(a.weekday() == 0 and (b - a).days == 6 for a, b in weeks)
    assert reports.periods("weekly", 2027, date(2027, 12, 31))[0] == (date(2027, 1, 4), date(2027, 1, 10))
    assert len(reports.periods("weekly", 2025, date(2025, 12, 31))) == 52
    # the weeks of 2026 ended by 31 December: week 53 ends in January, so not yet
    assert reports.periods("weekly", 2026, date(2026, 12, 31))[-1] == (date(2026, 12, 21), date(2026, 12, 27))

    assert reports.period_of("weekly", date(2025, 12, 29)) == (date(2025, 12, 29), date(2026, 1, 4))
    assert reports.year_of("weekly", date(2025, 12, 29)) == 2026
    assert reports.year_of("weekly", date(2026, 12, 28)) == 2026
    assert reports.period_of("weekly", date(2026, 12, 29)) is None  # a Tuesday begins no week
    assert reports.period_name("weekly", date(2026, 12, 28), date(2027, 1, 3)) == "2026年第53周（12月28日至1月3日）"
    assert reports.period_name("weekly", date(2025, 12, 29), date(2026, 1, 4)) == "2026年第1周（12月29日至1月4日）"


def test_half_years_end_on_30_june_and_31_december():
    assert reports.periods("halfyearly", 2026, date(2026, 12, 31)) == [
        (date(2026, 1, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 12, 31)),
    ]
    assert reports.periods("halfyearly", 2026, date(2026, 12, 30)) == [(date(2026, 1, 1), date(2026, 6, 30))]
    assert reports.period_of("halfyearly", date(2026, 7, 1)) == (date(2026, 7, 1), date(2026, 12, 31))
    assert reports.period_of("halfyearly", date(2026, 4, 1)) is None
    assert reports.period_name("halfyearly", date(2026, 7, 1), date(2026, 12, 31)) == "2026年下半年"
    assert reports.period_name("ten_day", date(2026, 2, 21), date(2026, 2, 28)) == "2026年2月下旬"
    assert reports.period_name("quarterly", date(2026, 10, 1), date(2026, 12, 31)) == "2026年四季度"


def test_the_periods_offered_cross_the_turn_of_the_year():
    early = date(2027, 1, 2)  # a Saturday of week 53 of 2026
    weeks = reports.recent_periods("weekly", early)
    assert weeks[-1] == (date(2026, 12, 28), date(2027, 1, 3)) and weeks[-2] == (date(2026, 12, 21), date(2026, 12, 27))
    halves = reports.recent_periods("halfyearly", date(2027, 1, 5))
    assert halves[-2:] == [(date(2026, 7, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 6, 30))]
    assert reports.recent_periods("monthly", date(2027, 1, 5))[-2][0] == date(2026, 12, 1)


def test_a_deadline_in_working_days_skips_weekends_and_holidays():
    weekly = ReportCadence(cadence="weekly", due_days=1, working_days=True)
    # the week of 28 September – 4 October 2026 ends in the National Day holiday (1–7 October)
    assert reports.due_on(weekly, date(2026, 10, 4), CALENDAR_2026) == date(2026, 10, 8)
    assert reports.due_on(weekly, date(2026, 12, 6), CALENDAR_2026) == date(2026, 12, 7)  # an ordinary Monday
    assert reports.due_on(weekly, date(2027, 1, 3), CALENDAR_2026) == date(2027, 1, 4)  # week 53's
    half = ReportCadence(cadence="halfyearly", due_days=10, working_days=True)
    assert reports.due_on(half, date(2026, 12, 31), CALENDAR_2026) == date(2027, 1, 14)
    monthly = ReportCadence(cadence="monthly", due_days=5, working_days=False)
    assert reports.due_on(monthly, date(2026, 11, 30), CALENDAR_2026) == date(2026, 12, 5)  # a Saturday, as before


# --- the schedule and its deadline -------------------------------------------------------------


def test_a_new_weekly_schedule_counts_working_days_and_a_unit_sends_week_53(db: Session, client: TestClient):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db)
    token = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "reports"))
    town_token = make_token(db, town)
    db.commit()
    made = client.put("/api/v1/reports/cadences/weekly", json={"due_days": 1}, headers=bearer(token))
    assert made.status_code == 200, made.text
    assert made.json() | {"version": 0} == {
        "cadence": "weekly",
        "due_days": 1,
        "is_active": True,
        "working_days": True,
        "version": 0,
    }
    half = client.put("/api/v1/reports/cadences/halfyearly", json={"due_days": 10}, headers=bearer(token)).json()
    assert half["working_days"] is True
    monthly = client.put("/api/v1/reports/cadences/monthly", json={"due_days": 5}, headers=bearer(token)).json()
    assert monthly["working_days"] is False  # the old cadences keep calendar days
    changed_mind = client.put(
        "/api/v1/reports/cadences/weekly", json={"due_days": 2, "working_days": False}, headers=bearer(token)
    ).json()
    assert (changed_mind["due_days"], changed_mind["working_days"]) == (2, False)
    kept = client.put("/api/v1/reports/cadences/weekly", json={"due_days": 1}, headers=bearer(token)).json()
    assert kept["working_days"] is False  # not named: as it was
    client.put("/api/v1/reports/cadences/weekly", json={"due_days": 1, "working_days": True}, headers=bearer(token))

    week_53 = client.post(
        "/api/v1/reports",
        json={"cadence": "weekly", "period_start": "2026-12-28", "narrative": "本周走访客商 2 批"},
        headers=bearer(town_token),
    )
    assert week_53.status_code == 201, week_53.text
    assert week_53.json()["due_on"] == "2027-01-04"  # the first working day after Sunday 3 January
    not_monday = client.post(
        "/api/v1/reports",
        json={"cadence": "weekly", "period_start": "2026-12-29", "narrative": "本周"},
        headers=bearer(town_token),
    )
    assert "期初" in refused_field(not_monday, "period_start")
    first_half = client.post(
        "/api/v1/reports",
        json={"cadence": "halfyearly", "period_start": "2026-01-01", "narrative": "上半年小结"},
        headers=bearer(town_token),
    )
    assert first_half.status_code == 201
    status = client.get("/api/v1/reports?cadence=weekly&period_start=2026-12-28", headers=bearer(token)).json()
    assert [(r["unit_id"], r["due_on"]) for r in status if r["unit_id"] == town.id] == [(town.id, "2027-01-04")]


def test_the_reports_page_offers_every_cadence_and_the_weeks_by_name(db: Session, client: TestClient):
    town = make_unit(db)
    clerk = make_user(db, town)
    schedule(db, "weekly", 1, working_days=True, made=date(2026, 1, 1))
    schedule(db, "monthly", 5, made=date(2026, 1, 1))
    db.commit()
    login(client, clerk.username, PASSWORD)
    page = client.get("/reports?cadence=weekly")
    assert page.status_code == 200
    assert "周报" in page.text and "月报" in page.text and "半年小结" not in page.text  # not scheduled
    today = workdays.today()
    monday = today - timedelta(days=today.weekday())
    assert reports.period_name("weekly", monday, monday + timedelta(days=6)) in page.text  # this week offered
    csrf = page_csrf(client, "/reports?cadence=weekly")
    last = monday - timedelta(days=7)
    done = client.post(
        "/reports",
        data={"csrf_token": csrf, "cadence": "weekly", "start": last.isoformat(), "narrative": "上周接待客商一批"},
    )
    assert done.status_code == 303
    shown = client.get(f"/reports?cadence=weekly&start={last}")
    assert "按时报送" in shown.text or "迟报" in shown.text


# --- which units report which cadence -------------------------------------------------------------


def test_nothing_set_every_unit_reports_as_before(db: Session):
    units = [make_unit(db), make_unit(db, kind=UnitKind.department, tier=1), make_unit(db, kind=UnitKind.zone_bureau)]
    make_unit(db, kind=UnitKind.jurisdiction)
    schedule(db, "weekly", 1, working_days=True, made=date(2026, 1, 1))
    listed = [r["unit"].id for r in reports.report_status(db, "weekly", date(2026, 11, 30), date(2026, 12, 7))]
    assert listed == [u.id for u in units]


def test_the_coordinator_sets_weekly_reports_for_towns_only_with_one_department_as_well(
    db: Session, client: TestClient
):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db)
    department = make_unit(db, kind=UnitKind.department, tier=2)
    other_department = make_unit(db, kind=UnitKind.department, tier=3)
    token = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "reports"))
    department_token = make_token(db, department)
    schedule(db, "weekly", 1, working_days=True, made=date(2026, 1, 1))
    db.commit()
    headers = bearer(token) | {"Idempotency-Key": "kinds-0001"}
    body = {"cadences": {"weekly": {"department": False, "zone_bureau": False}}}
    answer = client.put("/api/v1/reports/applicability/kinds", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["kinds"]["weekly"]["department"] is False
    assert answer.json()["kinds"]["weekly"]["town"] is True and answer.json()["kinds"]["monthly"]["department"]
    replay = client.put("/api/v1/reports/applicability/kinds", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"

    week = date(2026, 11, 30)
    listed = {r["unit"].id for r in reports.report_status(db, "weekly", week, date(2026, 12, 7))}
    assert town.id in listed and department.id not in listed and bureau.id not in listed

    refused = client.post(
        "/api/v1/reports",
        json={"cadence": "weekly", "period_start": week.isoformat(), "narrative": "本周"},
        headers=bearer(department_token),
    )
    assert refused_field(refused, "cadence") == "本单位无需报送该类报告"

    one = client.put(
        f"/api/v1/reports/applicability/weekly/units/{department.id}", json={"applies": True}, headers=bearer(token)
    )
    assert one.status_code == 200, one.text
    assert one.json() == {
        "cadence": "weekly",
        "unit_id": department.id,
        "unit": department.name,
        "applies": True,
        "version": 1,
    }
    listed = {r["unit"].id for r in reports.report_status(db, "weekly", week, date(2026, 12, 7))}
    assert department.id in listed and other_department.id not in listed
    assert reports.cadences_of_unit(db, department.id) == ["weekly"]
    accepted = client.post(
        "/api/v1/reports",
        json={"cadence": "weekly", "period_start": week.isoformat(), "narrative": "本周拜访企业 3 家"},
        headers=bearer(department_token),
    )
    assert accepted.status_code == 201

    overview = client.get("/api/v1/reports/applicability", headers=bearer(token)).json()
    assert [(u["cadence"], u["unit_id"], u["applies"]) for u in overview["units"]] == [("weekly", department.id, True)]
    back = client.put(
        f"/api/v1/reports/applicability/weekly/units/{department.id}", json={"applies": None}, headers=bearer(token)
    )
    assert back.json()["applies"] is None and back.json()["version"] == 0
    assert department.id not in {r["unit"].id for r in reports.report_status(db, "weekly", week, date(2026, 12, 7))}
    rule_ids = [e.entity_id for e in entries_of(db, "report_applicability")]
    assert rule_ids, "every rule set and removed is in the audit trail"

    jurisdiction = make_unit(db, kind=UnitKind.jurisdiction)
    db.commit()
    before = snapshot(db)
    planet = client.put(
        "/api/v1/reports/applicability/kinds", json={"cadences": {"weekly": {"planet": True}}}, headers=bearer(token)
    )
    assert planet.status_code == 422 and planet.json()["field"].startswith("cadences.weekly.planet")
    refused_field(
        client.put(f"/api/v1/reports/applicability/weekly/units/{jurisdiction.id}", json={"applies": True},
                   headers=bearer(token)),
        "unit_id",
    )  # fmt: skip
    no = client.put(
        f"/api/v1/reports/applicability/weekly/units/{town.id}",
        json={"applies": False},
        headers=bearer(department_token),
    )
    assert no.status_code == 403
    assert changed(before, snapshot(db)) == []


def entries_of(db: Session, entity: str) -> list:
    from app.models.audit import AuditEntry

    db.expire_all()
    return list(db.execute(select(AuditEntry).where(AuditEntry.entity == entity)).scalars())


def test_the_applicability_page_saves_the_kinds_table_and_a_units_own_rule(db: Session, client: TestClient):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    boss = make_user(db, bureau, role=Role.coordinator)
    department = make_unit(db, kind=UnitKind.department, tier=2)
    town = make_unit(db)
    clerk = make_user(db, town)
    db.commit()
    login(client, boss.username, PASSWORD)
    page = client.get("/reports/applicability")
    assert page.status_code == 200 and "按单位类别" in page.text
    csrf = page_csrf(client, "/reports/applicability")
    every_kind = [k.value for k in reports.REPORTING_KINDS]
    form: dict[str, str | list[str]] = {"csrf_token": csrf}
    for cadence in reports.CADENCE_LABELS:
        form[cadence] = [k for k in every_kind if not (cadence == "weekly" and k == "department")]
    saved = client.post("/reports/applicability/kinds", data=form)
    assert saved.status_code == 303
    assert reports.applicability(db, coordinator()).kinds["weekly"]["department"] is False
    assert reports.applicability(db, coordinator()).kinds["halfyearly"]["department"] is True

    bad = client.post(
        "/reports/applicability/units", data={"csrf_token": csrf, "cadence": "weekly", "unit_id": "", "applies": "1"}
    )
    assert bad.status_code == 422 and "请选择单位" in bad.text
    own = client.post(
        "/reports/applicability/units",
        data={"csrf_token": csrf, "cadence": "weekly", "unit_id": str(department.id), "applies": "1"},
    )
    assert own.status_code == 303
    shown = client.get("/reports/applicability").text
    assert department.name in shown and "报送" in shown
    again = client.post(
        "/reports/applicability/units",
        data={"csrf_token": csrf, "cadence": "weekly", "unit_id": str(department.id), "applies": ""},
    )
    assert (
        again.status_code == 303
        and department.name
        not in client.get("/reports/applicability").text.split("单独设定的单位")[1].split("<form")[0]
    )

    client.post("/logout", data={"csrf_token": csrf})
    login(client, clerk.username, PASSWORD)
    assert client.get("/reports/applicability").status_code == 403


# --- due and late events, for the units a cadence applies to ---------------------------------------


def test_a_weekly_report_comes_due_on_the_next_working_day_for_the_towns_only(db: Session):
    town = make_unit(db)
    department = make_unit(db, kind=UnitKind.department, tier=2)
    schedule(db, "weekly", 1, working_days=True, made=date(2026, 1, 1))
    reports.set_kind_rules(db, coordinator(), {"weekly": {"department": False}})
    db.add_all(_calendar_rows())
    db.flush()
    # Sunday 4 October ends the week in the National Day holiday: due on Thursday 8 October (and the week
    # before, due Monday 28 September, is late)
    assert event_watch.watch_reports(db, date(2026, 10, 5)) == 2
    due = _payloads(db, "report.due")
    assert [(p["unit"]["id"], p["period_start"], p["due_on"]) for p in due] == [(town.id, "2026-09-28", "2026-10-08")]
    assert event_watch.watch_reports(db, date(2026, 10, 8)) == 0  # the deadline day itself: still due, once
    assert event_watch.watch_reports(db, date(2026, 10, 9)) == 1  # the day after: late, once
    late = _payloads(db, "report.late")
    assert sorted((p["unit"]["id"], p["period_start"], p["late"]) for p in late) == [
        (town.id, "2026-09-21", True),
        (town.id, "2026-09-28", True),
    ]
    assert department.id not in {p["unit"]["id"] for p in due + late}


def _calendar_rows() -> list:
    from app.models.ticket import CalendarDay

    return [CalendarDay(day=d, is_workday=on, name=name) for d, (on, name) in workdays.DEMO_2026.items()]


def _payloads(db: Session, event_type: str) -> list[dict]:
    rows = db.execute(select(OutboxEvent).where(OutboxEvent.event_type == event_type)).scalars().all()
    return [r.payload for r in rows]


# --- late and missing reports of a year, for the assessment ----------------------------------------


def test_late_and_missing_reports_are_counted_per_unit_per_year(db: Session, client: TestClient):
    town = make_unit(db)
    exempt = make_unit(db, kind=UnitKind.department, tier=2)
    newcomer = make_unit(db)
    town.created_at = exempt.created_at = datetime(2025, 6, 1, tzinfo=UTC)
    newcomer.created_at = datetime(2026, 3, 10, tzinfo=UTC)  # created in March: January and February not its
    schedule(db, "monthly", 5, made=date(2026, 1, 1))
    weekly = schedule(db, "weekly", 1, working_days=True, made=date(2026, 12, 14))  # made in December
    reports.set_unit_rule(db, coordinator(), "monthly", exempt.id, False)
    reports.set_unit_rule(db, coordinator(), "weekly", exempt.id, False)
    at = datetime(2026, 2, 4, 8, tzinfo=UTC)
    sent(db, town.id, "monthly", date(2026, 1, 1), date(2026, 1, 31), at)  # on time
    # February's is due 5 March; sent at 00:30 on 6 March in the county (16:30 UTC on the 5th): late
    sent(db, town.id, "monthly", date(2026, 2, 1), date(2026, 2, 28), datetime(2026, 3, 5, 16, 30, tzinfo=UTC))
    assert weekly.working_days

    counts = reports.late_report_counts(db, 2026, today=date(2026, 4, 20))
    assert set(counts) == {town.id, newcomer.id}  # the exempt unit owes nothing
    assert (counts[town.id].late, counts[town.id].missing, counts[town.id].total) == (1, 1, 2)
    assert [(i.period_start, i.state) for i in counts[town.id].items] == [
        (date(2026, 2, 1), "late"),
        (date(2026, 3, 1), "missing"),  # due 5 April, passed; April's not yet due
    ]
    assert [(i.period_start, i.state) for i in counts[newcomer.id].items] == [(date(2026, 3, 1), "missing")]
    assert reports.late_report_counts(db, 2026, [town.id], date(2026, 4, 20)).keys() == {town.id}

    # at the year's end: the weekly schedule made on 14 December counts from that week on, and week 53
    # (28 December – 3 January) is 2026's, counted once its deadline (4 January 2027) has passed
    year_end = reports.late_report_counts(db, 2026, [town.id], date(2027, 1, 5))
    weeks = [i.period_start for i in year_end[town.id].items if i.cadence == "weekly"]
    assert weeks == [date(2026, 12, 14), date(2026, 12, 21), date(2026, 12, 28)]
    assert not reports.late_report_counts(db, 2027, [town.id], date(2027, 1, 5))  # nothing of 2027 due yet

    town_token = make_token(db, town)
    reader = make_token(db, None, read_only=True)
    db.commit()
    listed = client.get("/api/v1/reports/late?year=2026", headers=bearer(reader)).json()
    assert {r["unit_id"] for r in listed} == {town.id, newcomer.id}
    own = client.get("/api/v1/reports/late?year=2026", headers=bearer(town_token)).json()
    assert [r["unit_id"] for r in own] == [town.id] and own[0]["unit"] == town.name


def test_a_report_refused_on_a_stopped_cadence_and_by_the_coordinators_own_rules(db: Session):
    town = make_unit(db)
    with pytest.raises(Invalid) as no_schedule:
        reports.submit_report(db, staff(town.id), "weekly", date(2026, 11, 30), "本周", "", date(2026, 12, 7))
    assert no_schedule.value.errors == {"cadence": "招商局未安排该类报告"}
    schedule(db, "weekly", 1, working_days=True, made=date(2026, 1, 1))
    with pytest.raises(Invalid) as unknown:
        reports.set_kind_rules(db, coordinator(), {"yearly": {"town": True}})
    assert unknown.value.errors == {"cadence": "未知的报告类型"}
    with pytest.raises(Invalid) as unknown_kind:
        reports.set_kind_rules(db, coordinator(), {"weekly": {"planet": False}})
    assert "未知的单位类别" in unknown_kind.value.errors["weekly"]
    reports.set_kind_rules(db, coordinator(), {"weekly": {"town": False}})
    with pytest.raises(Invalid) as exempt:
        reports.submit_report(db, staff(town.id), "weekly", date(2026, 11, 30), "本周", "", date(2026, 12, 7))
    assert exempt.value.errors == {"cadence": "本单位无需报送该类报告"}


def test_the_trail_names_every_cadence_as_the_pages_do():
    from app.models import labels

    assert labels.CADENCE_NAMES == reports.CADENCE_LABELS
