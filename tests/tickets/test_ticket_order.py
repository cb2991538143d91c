"""Tickets are listed nearest deadline first, those without one last, the newest first among equals; and
an index gives that order (ix_ticket_due_order, ix_ticket_status_due for one status), so a page of a
box or of the API's list is read alone instead of sorted out of every ticket."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from app.models.ticket import Ticket, TicketStatus
from app.services import tickets
from tests.tickets.conftest import County, as_principal, category
from tests.tickets.factories import make_ticket

TODAY = date(2026, 9, 29)


def spread(db: Session, county: County) -> list[Ticket]:
    utilities = category(db, "utilities")
    made = []
    for status, due in [
        (TicketStatus.reported, None),
        (TicketStatus.routed, "2026-10-08"),
        (TicketStatus.in_progress, "2026-09-20"),
        (TicketStatus.routed, "2026-10-08"),  # the same day: the newer first
        (TicketStatus.reported, None),
        (TicketStatus.closed, "2026-09-01"),
        (TicketStatus.in_progress, "2026-10-30"),
        (TicketStatus.paused, "2026-09-20"),
    ]:
        made.append(
            make_ticket(
                db,
                county.town,
                utilities,
                status=status,
                handler=county.handler if due else None,
                routed_on=date(2026, 9, 1) if due else None,
                due_on=date.fromisoformat(due) if due else None,
            )
        )
    return made


def expected_order(rows: list[Ticket]) -> list[int]:
    far = date.max
    return [t.id for t in sorted(rows, key=lambda t: (t.due_on or far, t.due_on is None, -t.id))]


def test_nearest_deadline_first_none_last_newest_first_among_equals(db: Session, county: County) -> None:
    made = spread(db, county)
    coordinator = as_principal(county.coordinator)
    rows, total = tickets.list_tickets(db, coordinator, tickets.TicketFilter(), limit=50, today=TODAY)
    assert total == len(made)
    assert [r["ticket"].id for r in rows] == expected_order(made)
    open_ = [t for t in made if t.status is not TicketStatus.closed]
    page = tickets.queue_page(db, coordinator, "open", limit=50, today=TODAY)
    assert [r.id for r in page.rows] == expected_order(open_)
    page = tickets.queue_page(db, coordinator, "open", limit=3, offset=3, today=TODAY)
    assert [r.id for r in page.rows] == expected_order(open_)[3:6]
    new = tickets.queue_page(db, coordinator, "new", limit=50, today=TODAY)
    assert [r.id for r in new.rows] == expected_order([t for t in made if t.status is TicketStatus.reported])


def plan(db: Session, statement: Select[Any]) -> str:
    """How the database would run the statement (its literal form)."""
    compiled = statement.compile(bind=db.get_bind(), compile_kwargs={"literal_binds": True})
    if db.get_bind().dialect.name == "postgresql":
        # a test's few rows would be read whole and sorted anyway: ask whether an index can give the order
        switches = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
        for switch in switches:
            db.execute(text(f"SET LOCAL {switch} = off"))
        try:
            return "\n".join(db.execute(text(f"EXPLAIN {compiled}")).scalars())
        finally:
            for switch in switches:
                db.execute(text(f"SET LOCAL {switch} = on"))
    return "\n".join(str(row[-1]) for row in db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


def test_an_index_gives_the_order_so_a_page_is_read_alone(db: Session, county: County) -> None:
    spread(db, county)
    every = select(Ticket.id).order_by(*tickets._ORDER).limit(50)
    one_status = select(Ticket.id).where(Ticket.status == TicketStatus.reported).order_by(*tickets._ORDER).limit(50)
    for statement, index in ((every, "ix_ticket_due_order"), (one_status, "ix_ticket_status_due")):
        shown = plan(db, statement)
        assert index in shown, shown
        assert "Sort" not in shown and "TEMP B-TREE" not in shown, shown
