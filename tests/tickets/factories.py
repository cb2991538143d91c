"""Factories for the ticket tests: the 2026 calendar, categories and tickets (real rows, no mocks)."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, time
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from app.models.ticket import (
    CalendarDay,
    Priority,
    Ticket,
    TicketCategory,
    TicketStatus,
    TicketUnit,
    Verdict,
)
from app.models.unit import Unit
from app.services import workdays

_counter = itertools.count(1)


def load_calendar_2026(db: Session) -> None:
    """The State Council's 2026 holidays and make-up working days, as the coordinator keeps them."""
    for day, (is_workday, name) in workdays.DEMO_2026.items():
        db.merge(CalendarDay(day=day, is_workday=is_workday, name=name))
    db.flush()


def make_category(db: Session, name: str | None = None, default_days: int = 10, **overrides: Any) -> TicketCategory:
    n = next(_counter)
    category = TicketCategory(code=f"t{n}", name=name or f"测试类别{n}", default_days=default_days, **overrides)
    db.add(category)
    db.flush()
    return category


def utc(day: date, hour: int = 2) -> datetime:
    """A stored (UTC) moment on `day`; 02:00 UTC is 10:00 in the county."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def make_ticket(
    db: Session,
    reporter: Unit,
    category: TicketCategory,
    *,
    status: TicketStatus = TicketStatus.reported,
    handler: Unit | None = None,
    routed_on: date | None = None,
    due_on: date | None = None,
    resolved_at: datetime | None = None,
    verdict: Verdict | None = None,
    project_id: int | None = None,
    investor_id: int | None = None,
    **overrides: Any,
) -> Ticket:
    """A ticket already in `status` (for figures and lists; the path itself is tested through the service)."""
    n = next(_counter)
    values: dict[str, Any] = {
        "title": f"测试问题{n}",
        "description": "现场反映的问题。",
        "category_id": category.id,
        "priority": Priority.normal,
        "reporter_unit_id": reporter.id,
        "project_id": project_id,
        "investor_id": investor_id,
        "status": status,
        "handling_unit_id": handler.id if handler else None,
        "routed_on": routed_on,
        "due_on": due_on,
        "resolved_at": resolved_at,
        "verdict": verdict,
        "closed_at": resolved_at if verdict else None,
    }
    values.update(overrides)
    ticket = Ticket(**values)
    db.add(ticket)
    db.flush()
    if handler is not None:
        db.add(TicketUnit(ticket_id=ticket.id, unit_id=handler.id, is_lead=True))
        db.flush()
    return ticket


def jpeg_bytes(size: tuple[int, int] = (640, 480), color: tuple[int, int, int] = (90, 140, 60)) -> bytes:
    """A small site photo."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 80):
        image.paste((200, 60, 30), (x, 0, x + 20, size[1]))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
