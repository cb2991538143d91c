"""What each role sees first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.unit import Unit
from app.models.user import ApiToken, User
from app.principal import Principal
from app.services import units


def overview(db: Session, principal: Principal) -> dict[str, Any]:
    context: dict[str, Any] = {"role": principal.role.value}
    if principal.unit_id is not None:
        context["unit"] = units.get(db, principal.unit_id)
    if principal.reads_everything:
        context["unit_count"] = db.execute(
            select(func.count()).select_from(Unit).where(Unit.is_active.is_(True))
        ).scalar_one()
        context["user_count"] = db.execute(
            select(func.count()).select_from(User).where(User.is_active.is_(True))
        ).scalar_one()
        context["token_count"] = db.execute(
            select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))
        ).scalar_one()
    else:
        context["colleagues"] = (
            db.execute(
                select(User).where(User.unit_id == principal.unit_id, User.is_active.is_(True)).order_by(User.id)
            )
            .scalars()
            .all()
        )
    return context
