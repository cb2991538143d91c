"""The queue page asks two statements (what it needs first, then the page with the box counts) and
shows what the plain rules give: the same tickets, lights, working days left and counts as one
`list_tickets` per box, for the handling unit, a unit sharing a ticket, the reporting unit and the
coordinator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models.ticket import Priority, Ticket, TicketStatus, TicketUnit
from app.services import tickets
from tests.tickets.conftest import County, as_principal, category
from tests.tickets.factories import make_ticket

D = date.fromisoformat
# a Tuesday before National Day: two working days ahead is Thursday 10-08 (10-01..10-07 are off)
TODAY = D("2026-09-29")
BOXES = ["new", "in_progress", "due_soon", "overdue", "reported_by_me", "open", "closed"]


@pytest.fixture
def spread(db: Session, county: County) -> dict[str, Ticket]:
    town, handler, utilities = county.town, county.handler, category(db, "utilities")

    def ticket(status: TicketStatus, due: str | None = None, **values: Any) -> Ticket:
        return make_ticket(
            db,
            town,
            utilities,
            status=status,
            handler=handler if due else None,
            routed_on=D("2026-09-01") if due else None,
            due_on=D(due) if due else None,
            **values,
        )

    made = {
        "reported": ticket(TicketStatus.reported),
        "routed": ticket(TicketStatus.routed, "2026-10-08"),  # yellow: two working days left
        "working": ticket(TicketStatus.in_progress, "2026-10-12"),  # green: 09-30, 10-08, 10-09, Sat 10-10, 10-12
        "late": ticket(TicketStatus.in_progress, "2026-09-20", escalation_level=1, priority=Priority.urgent),
        "paused": ticket(TicketStatus.paused, "2026-09-25"),  # the clock stands: grey, never overdue
        "resolved": ticket(TicketStatus.resolved, "2026-09-25"),
        "closed": ticket(TicketStatus.closed, "2026-09-10"),
    }
    db.add(TicketUnit(ticket_id=made["working"].id, unit_id=county.helper.id))
    db.flush()
    return made


def shown(page: tickets.QueuePage) -> list[tuple[int, str, int | None]]:
    return [(r.id, r.light, r.remaining) for r in page.rows]


def test_the_handling_unit_sees_lights_deadlines_and_counts(
    db: Session, county: County, spread: dict[str, Ticket]
) -> None:
    handler = as_principal(county.handler_staff)
    page = tickets.queue_page(db, handler, "in_progress", today=TODAY)
    assert shown(page) == [
        (spread["late"].id, "red", -6),  # past Sunday 09-20 (make-up) by 09-21..09-24, 09-28, 09-29 (09-25 is off)
        (spread["paused"].id, "grey", None),
        (spread["working"].id, "green", 5),
    ]
    assert page.total == 3
    assert page.counts == {"new": 1, "in_progress": 3, "due_soon": 1, "overdue": 1}
    assert page.soon_days == 2
    late = page.rows[0]
    assert (late.title, late.status, late.escalation_level, late.priority) == (
        spread["late"].title,
        TicketStatus.in_progress,
        1,
        Priority.urgent,
    )
    assert (late.category, late.reporter, late.handler) == ("供水供电、杆线搬迁", county.town.name, county.handler.name)

    assert shown(tickets.queue_page(db, handler, "due_soon", today=TODAY)) == [(spread["routed"].id, "yellow", 2)]
    assert shown(tickets.queue_page(db, handler, "overdue", today=TODAY)) == [(spread["late"].id, "red", -6)]


def test_a_unit_sharing_a_ticket_sees_it_and_an_empty_box_still_has_its_counts(
    db: Session, county: County, spread: dict[str, Ticket]
) -> None:
    helper = as_principal(county.helper_staff)
    page = tickets.queue_page(db, helper, "in_progress", today=TODAY)
    assert shown(page) == [(spread["working"].id, "green", 5)]
    assert page.rows[0].handler == county.handler.name
    empty = tickets.queue_page(db, helper, "overdue", today=TODAY)
    assert (empty.rows, empty.total) == ([], 0)
    assert empty.counts == {"new": 0, "in_progress": 1, "due_soon": 0, "overdue": 0}
    past_the_end = tickets.queue_page(db, helper, "in_progress", offset=50, today=TODAY)
    assert (past_the_end.rows, past_the_end.total) == ([], 1)
    assert tickets.queue_page(db, as_principal(county.other_staff), "open", today=TODAY).rows == []


@pytest.mark.parametrize("who", ["handler_staff", "helper_staff", "clerk", "coordinator", "leader"])
def test_every_box_gives_what_list_tickets_gives(
    db: Session, county: County, spread: dict[str, Ticket], who: str
) -> None:
    principal = as_principal(getattr(county, who))
    for box in BOXES:
        page = tickets.queue_page(db, principal, box, limit=5, today=TODAY)
        rows, total = tickets.list_tickets(db, principal, tickets.TicketFilter(box=box), limit=5, today=TODAY)
        assert shown(page) == [(r["ticket"].id, r["light"], r["remaining"]) for r in rows], box
        assert [(r.category, r.reporter, r.handler) for r in page.rows] == [
            (r["category"], r["reporter"], r["handler"]) for r in rows
        ], box
        assert page.total == total, box
        assert page.counts == {
            name: tickets.list_tickets(db, principal, tickets.TicketFilter(box=name), limit=1, today=TODAY)[1]
            for name in tickets.COUNTED_BOXES
        }, box


@contextmanager
def statements(db: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_two_statements_however_many_tickets(db: Session, county: County, spread: dict[str, Ticket]) -> None:
    handler = as_principal(county.handler_staff)
    with statements(db) as few:
        tickets.queue_page(db, handler, "in_progress", today=TODAY)
    utilities = category(db, "utilities")
    for _ in range(60):
        make_ticket(
            db,
            county.town,
            utilities,
            status=TicketStatus.in_progress,
            handler=county.handler,
            routed_on=D("2026-09-01"),
            due_on=D("2026-10-30"),
        )
    with statements(db) as many:
        page = tickets.queue_page(db, handler, "in_progress", today=TODAY)
    assert len(few) == len(many) == 2
    assert (len(page.rows), page.total, page.counts["in_progress"]) == (50, 63, 63)
