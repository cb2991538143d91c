"""Fixtures for the supervised tasks: a county with the supervisor's office, two towns and their staff.

Every test using `db` runs on SQLite and on PostgreSQL inside a rolled-back transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.task import TaskNote
from app.models.ticket import Notification
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from tests.factories import make_unit, make_user
from tests.tickets.factories import load_calendar_2026


@dataclass
class County:
    bureau: Unit
    office: Unit  # 县委督查室
    town: Unit  # owns the tasks
    other: Unit  # has nothing to do with them
    coordinator: User
    supervisor: User
    leader: User
    clerk: User  # staff of the town, named as the person responsible
    colleague: User  # another of the town's staff
    head: User  # the town's head: the first escalation
    other_staff: User


@pytest.fixture
def county(db: Session) -> County:
    n = uuid.uuid4().hex[:6]
    bureau = make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    office = make_unit(db, name=f"县委督查室{n}", kind=UnitKind.department, tier=1)
    town = make_unit(db, name=f"城关镇{n}", short_name="城关镇")
    other = make_unit(db, name=f"青石镇{n}", short_name="青石镇")
    head = make_user(db, town, display_name="赵镇长")
    town.head_user_id = head.id
    county = County(
        bureau=bureau,
        office=office,
        town=town,
        other=other,
        coordinator=make_user(db, bureau, Role.coordinator, display_name="陈统筹"),
        supervisor=make_user(db, office, Role.supervisor, display_name="吴督查"),
        leader=make_user(db, bureau, Role.leader, display_name="王县长"),
        clerk=make_user(db, town, display_name="李春燕"),
        colleague=make_user(db, town, display_name="刘建军"),
        head=head,
        other_staff=make_user(db, other, display_name="张国栋"),
    )
    load_calendar_2026(db)
    db.commit()
    return county


def as_principal(user: User) -> Principal:
    return Principal(
        role=user.role, unit_id=user.unit_id, label=f"{user.display_name}({user.username})", user_id=user.id
    )


def inbox(db: Session, user: User) -> list[str]:
    db.expire_all()
    return list(
        db.execute(
            select(Notification.title).where(Notification.user_id == user.id).order_by(Notification.id)
        ).scalars()
    )


def actions(db: Session, task_id: int) -> list[str]:
    db.expire_all()
    return list(db.execute(select(TaskNote.action).where(TaskNote.task_id == task_id).order_by(TaskNote.id)).scalars())


from tests.tickets.conftest import signed_in, text_of  # noqa: E402, F401  (the same signed-in clients)
