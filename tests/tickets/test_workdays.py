"""Deadlines in working days: weekends, public holidays and make-up working days (调休), lights, pause.

The calendar is the State Council's 2026 schedule: National Day 10-01..10-07 off with Sunday 09-20
and Saturday 10-10 worked; Spring Festival 02-15..02-23 off with Saturdays 02-14 and 02-28 worked.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.models.ticket import Ticket, TicketStatus
from app.models.user import User
from app.schemas.tickets import TicketAction, TicketCreate, TicketRoute
from app.services import tickets, workdays
from tests.conftest import page_csrf
from tests.tickets.conftest import County, as_principal, category

CAL = {day: is_workday for day, (is_workday, _name) in workdays.DEMO_2026.items()}
D = date.fromisoformat


# --- arithmetic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due", "why"),
    [
        ("2026-03-06", 3, "2026-03-11", "Friday + 3: Saturday and Sunday are skipped (Mon 9, Tue 10, Wed 11)"),
        ("2026-03-06", 1, "2026-03-09", "Friday + 1 is the Monday"),
        ("2026-09-29", 3, "2026-10-09", "Tue + 3: Wed 09-30, then the holiday 10-01..07, Thu 10-08, Fri 10-09"),
        ("2026-09-29", 4, "2026-10-10", "the 4th working day is Saturday 10-10, a make-up working day"),
        ("2026-09-29", 5, "2026-10-12", "then Sunday 10-11 is off again: Monday 10-12"),
        ("2026-02-13", 1, "2026-02-14", "Friday + 1 is Saturday 02-14, worked before the Spring Festival"),
        ("2026-02-13", 2, "2026-02-24", "02-15..02-23 are the Spring Festival: Tuesday 02-24"),
        ("2026-09-18", 1, "2026-09-20", "Sunday 09-20 is a make-up working day: Friday + 1 lands on it"),
        ("2026-03-06", 0, "2026-03-06", "zero days is the start itself"),
    ],
)
def test_due_date_counts_working_days_only(start: str, days: int, due: str, why: str) -> None:
    assert workdays.add_working_days(D(start), days, CAL) == D(due), why


def test_without_the_calendar_the_holiday_would_count_and_the_make_up_saturday_not() -> None:
    # the same start as above with an empty calendar: the answer differs, so the calendar is what decides
    assert workdays.add_working_days(D("2026-09-29"), 3, {}) == D("2026-10-02")
    assert workdays.add_working_days(D("2026-09-29"), 4, CAL) != workdays.add_working_days(D("2026-09-29"), 4, {})


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        workdays.add_working_days(D("2026-03-06"), -1, CAL)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2026-09-30", "2026-10-12", 4),  # Thu 10-08, Fri 10-09, Sat 10-10 (make-up), Mon 10-12
        ("2026-10-12", "2026-09-30", -4),  # the other way round: negative
        ("2026-10-09", "2026-10-09", 0),
        ("2026-10-02", "2026-10-07", 0),  # inside the holiday
        # Sat 02-14 (make-up), the Spring Festival, Tue 02-24 .. Fri 02-27, Sat 02-28 (make-up)
        ("2026-02-13", "2026-02-28", 6),
    ],
)
def test_working_days_between(start: str, end: str, count: int) -> None:
    assert workdays.working_days_between(D(start), D(end), CAL) == count


def test_between_and_add_agree() -> None:
    start = D("2026-09-25")
    for days in range(0, 25):
        due = workdays.add_working_days(start, days, CAL)
        assert workdays.working_days_between(start, due, CAL) == days


# --- lights ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "due", "colour"),
    [
        ("2026-10-09", "2026-10-13", "green"),  # 3 working days left (Sat 10-10, Mon 10-12, Tue 10-13)
        ("2026-10-09", "2026-10-12", "yellow"),  # exactly 2 left: the make-up Saturday counts
        ("2026-10-09", "2026-10-09", "yellow"),  # due today: still on time
        ("2026-10-09", "2026-10-08", "red"),  # past the deadline
        ("2026-09-30", "2026-10-09", "yellow"),  # across the holiday: only 10-08 and 10-09 are working days
        ("2026-09-30", "2026-10-10", "green"),
    ],
)
def test_lights(today: str, due: str, colour: str) -> None:
    assert workdays.light(D(today), D(due), CAL) == colour


def test_a_paused_ticket_or_one_without_deadline_is_grey() -> None:
    assert workdays.light(D("2026-10-09"), D("2026-10-08"), CAL, paused=True) == "grey"
    assert workdays.light(D("2026-10-09"), None, CAL) == "grey"


def test_the_due_soon_setting_moves_the_yellow_threshold(db: Session, county: County) -> None:
    from app.services import app_settings

    ticket = _routed(db, county, today=D("2026-10-09"), days=3)  # due Tue 10-13
    assert tickets.light_of(db, ticket, D("2026-10-09")) == "green"
    app_settings.put(db, as_principal(county.coordinator), "due_soon_days", "3")
    assert tickets.light_of(db, ticket, D("2026-10-09")) == "yellow"


# --- the calendar the coordinator keeps ------------------------------------------------------


def _routed(db: Session, county: County, *, today: date, days: int | None = None, code: str = "permits") -> Ticket:
    clerk, coordinator = as_principal(county.clerk), as_principal(county.coordinator)
    ticket = tickets.report(
        db,
        clerk,
        TicketCreate(
            project_id=county.project.id,
            category_id=category(db, code).id,
            title="证照办理慢",
            description="施工许可证迟迟未办。",
        ),
    )
    return tickets.route(
        db,
        coordinator,
        ticket.id,
        TicketRoute(version=ticket.version, handling_unit_id=county.handler.id, due_days=days),
        today=today,
    )


def test_a_holiday_the_coordinator_adds_moves_the_deadline(db: Session, county: County, signed_in) -> None:
    coordinator = signed_in(county.coordinator)
    token = page_csrf(coordinator, "/admin/calendar?year=2026")
    # a local holiday on Tuesday 2026-03-10 (not in the State Council's schedule)
    response = coordinator.post(
        "/admin/calendar", data={"csrf_token": token, "day": "2026-03-10", "is_workday": "0", "name": "县庆"}
    )
    assert response.status_code == 303
    assert "2026-03-10" in coordinator.get("/admin/calendar?year=2026").text
    db.expire_all()
    ticket = _routed(db, county, today=D("2026-03-06"), days=3)
    assert ticket.due_on == D("2026-03-12")  # Mon 9, (Tue 10 off), Wed 11, Thu 12


def test_a_make_up_saturday_the_coordinator_adds_is_worked(db: Session, county: County, signed_in) -> None:
    coordinator = signed_in(county.coordinator)
    token = page_csrf(coordinator, "/admin/calendar?year=2026")
    response = coordinator.post(
        "/admin/calendar", data={"csrf_token": token, "day": "2026-03-07", "is_workday": "1", "name": "调休上班"}
    )
    assert response.status_code == 303
    db.expire_all()
    ticket = _routed(db, county, today=D("2026-03-06"), days=1)
    assert ticket.due_on == D("2026-03-07")


def test_the_coordinator_changes_a_category_default(db: Session, county: County, signed_in) -> None:
    permits = category(db, "permits")
    coordinator = signed_in(county.coordinator)
    token = page_csrf(coordinator, "/admin/calendar")
    response = coordinator.post(
        f"/admin/ticket-categories/{permits.id}",
        data={"csrf_token": token, "version": str(permits.version), "default_days": "2"},
    )
    assert response.status_code == 303
    db.expire_all()
    ticket = _routed(db, county, today=D("2026-09-29"))
    assert ticket.due_on == D("2026-10-08")  # Wed 09-30, Thu 10-08


# --- pause stops the clock -------------------------------------------------------------------


def _act(db: Session, user: User, ticket: Ticket, action: str, today: date, note: str = "说明") -> Ticket:
    db.refresh(ticket)
    return tickets.act(
        db,
        as_principal(user),
        ticket.id,
        TicketAction(version=ticket.version, action=action, note=note),
        today=today,
    )


def test_pause_stops_the_clock_and_resume_extends_the_deadline(db: Session, county: County) -> None:
    ticket = _routed(db, county, today=D("2026-03-02"), days=5)
    assert ticket.due_on == D("2026-03-09")
    _act(db, county.handler_staff, ticket, "accept", D("2026-03-02"))
    _act(db, county.handler_staff, ticket, "pause", D("2026-03-04"), note="等待企业补交消防设计图纸")
    assert ticket.status is TicketStatus.paused
    assert ticket.pause_reason == "等待企业补交消防设计图纸"

    # while paused the deadline passes, but nothing is overdue and nothing escalates
    assert tickets.light_of(db, ticket, D("2026-03-10")) == "grey"
    assert tickets.escalate_overdue(db, today=D("2026-03-10")) == 0
    _rows, total = tickets.list_tickets(
        db, as_principal(county.handler_staff), tickets.TicketFilter(box="overdue"), today=D("2026-03-10")
    )
    assert total == 0

    # resumed on Tuesday 03-10: the clock stood for Thu 5, Fri 6, Mon 9, Tue 10 = 4 working days
    _act(db, county.handler_staff, ticket, "resume", D("2026-03-10"), note="")
    assert ticket.status is TicketStatus.in_progress
    assert ticket.due_on == D("2026-03-13")  # 03-09 + 4 working days: Tue 10, Wed 11, Thu 12, Fri 13
    assert ticket.pause_reason == ""
    assert tickets.light_of(db, ticket, D("2026-03-10")) == "green"  # three days left


def test_a_pause_over_the_national_day_counts_only_working_days(db: Session, county: County) -> None:
    ticket = _routed(db, county, today=D("2026-09-28"), days=2)  # due Wed 09-30
    _act(db, county.handler_staff, ticket, "accept", D("2026-09-28"))
    _act(db, county.handler_staff, ticket, "pause", D("2026-09-29"), note="企业国庆停工")
    _act(db, county.handler_staff, ticket, "resume", D("2026-10-09"), note="")
    # stood still 09-30, 10-08, 10-09: three working days; 09-30 + 3 = 10-08, 10-09, 10-10 (make-up Saturday)
    assert ticket.due_on == D("2026-10-10")


def test_a_ticket_paused_before_acceptance_waits_for_acceptance_again(db: Session, county: County) -> None:
    ticket = _routed(db, county, today=D("2026-03-02"), days=5)
    _act(db, county.handler_staff, ticket, "pause", D("2026-03-03"), note="等待企业确认诉求")
    _act(db, county.handler_staff, ticket, "resume", D("2026-03-04"), note="")
    assert ticket.status is TicketStatus.routed
    assert ticket.due_on == D("2026-03-10")


def test_the_paused_ticket_page_says_why(db: Session, county: County, signed_in) -> None:
    ticket = _routed(db, county, today=workdays.today(), days=5)
    _act(db, county.handler_staff, ticket, "accept", workdays.today())
    _act(db, county.handler_staff, ticket, "pause", workdays.today(), note="等待企业补交消防设计图纸")
    db.commit()
    page = signed_in(county.clerk).get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert "暂停计时（等待企业补交消防设计图纸）" in page.text
    assert 'class="lamp light-grey"' in page.text


def test_a_category_default_of_zero_days_is_refused(db: Session, county: County, signed_in) -> None:
    permits = category(db, "permits")
    coordinator = signed_in(county.coordinator)
    token = page_csrf(coordinator, "/admin/calendar")
    response = coordinator.post(
        f"/admin/ticket-categories/{permits.id}",
        data={"csrf_token": token, "version": str(permits.version), "default_days": "0"},
    )
    assert response.status_code == 422
    db.expire_all()
    assert category(db, "permits").default_days == 5
