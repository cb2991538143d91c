"""Factories for sections and cadres (real rows, through the models), and the principals who act on them."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from app.models.people import Cadre, Section, SectionKind
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.services import people

_counter = itertools.count(1)


def make_section(db: Session, unit: Unit, **overrides: Any) -> Section:
    values: dict[str, Any] = {"unit_id": unit.id, "name": f"测试股{next(_counter)}", "kind": SectionKind.office}
    values.update(overrides)
    section = Section(**values)
    db.add(section)
    db.flush()
    return section


def make_cadre(db: Session, unit: Unit, *, user: User | None = None, **overrides: Any) -> Cadre:
    """A cadre of `unit`: the account's (kept as the services keep it) or a named person without one."""
    if user is not None:
        cadre = people.cadre_of_user(db, user)
        for key, value in overrides.items():
            setattr(cadre, key, value)
        db.flush()
        return cadre
    values: dict[str, Any] = {"unit_id": unit.id, "name": f"干部{next(_counter)}", "title": "科员"}
    values.update(overrides)
    cadre = Cadre(**values)
    db.add(cadre)
    db.flush()
    return cadre


def as_user(user: User) -> Principal:
    return Principal(role=user.role, unit_id=user.unit_id, label=user.display_name, user_id=user.id)


def coordinator() -> Principal:
    return Principal(role=Role.coordinator, unit_id=None, label="测试招商局")
