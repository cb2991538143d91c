"""The kinds of problem a ticket may be, each with the default deadline in working days that the
coordinator sets (the list itself is seeded by app.services.tickets.ensure_categories)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import NotFound
from app.models.ticket import TicketCategory
from app.principal import Principal
from app.schemas.tickets import CategoryUpdate
from app.services.common import check_version


def list_all(db: Session) -> Sequence[TicketCategory]:
    """Every category, those no longer offered too, in the order they were added."""
    return db.execute(select(TicketCategory).order_by(TicketCategory.id)).scalars().all()


def update(db: Session, principal: Principal, category_id: int, data: CategoryUpdate) -> TicketCategory:
    """The coordinator sets a category's default deadline (working days); tickets routed from then on
    use it, those already routed keep theirs."""
    policy.ensure_coordinator(principal)
    category = db.get(TicketCategory, category_id)
    if category is None:
        raise NotFound("找不到该问题类别")
    check_version(db, category, data.version)
    category.default_days = data.default_days
    db.flush()
    return category
