"""Fixtures for meetings and interviews: a county with the bureau, the supervisor's office, a leader, two towns
(one with a confidential project) and their staff; the 2026 calendar.

Every test using `db` runs on SQLite and on PostgreSQL inside a rolled-back transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.models.performance import Target
from app.models.project import Project, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from tests.factories import make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.tickets.factories import load_calendar_2026

SECRET_NAME = "绝密储能电池项目K9"
SECRET_INVESTOR = "绝密新能源集团M3"


@dataclass
class County:
    bureau: Unit
    office: Unit  # 县委督查室
    town: Unit  # discussed, owns decisions
    other: Unit  # another town
    coordinator: User
    supervisor: User
    leader: User
    clerk: User  # the town's staff
    head: User  # the town's head
    other_staff: User
    project: Project  # the town's, plain
    secret: Project  # the town's, confidential


@pytest.fixture
def county(db: Session) -> County:
    n = uuid.uuid4().hex[:6]
    bureau = make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    office = make_unit(db, name=f"县委督查室{n}", kind=UnitKind.department, tier=1)
    town = make_unit(db, name=f"城关镇{n}", short_name="城关镇", head_name="城关镇镇长 赵明")
    other = make_unit(db, name=f"青石镇{n}", short_name="青石镇")
    head = make_user(db, town, display_name="赵明")
    town.head_user_id = head.id
    project = make_project(
        db, town, stage=Stage.signed, name="年产 5 万吨新型建材项目", contract_investment=Decimal(12000)
    )
    secret = make_project(
        db, town, stage=Stage.started, name=SECRET_NAME, code_name="一号工程", is_confidential=True,
        investor=make_investor(db, name=SECRET_INVESTOR), contract_investment=Decimal(50000),
    )  # fmt: skip
    county = County(
        bureau=bureau,
        office=office,
        town=town,
        other=other,
        coordinator=make_user(db, bureau, Role.coordinator, display_name="陈统筹"),
        supervisor=make_user(db, office, Role.supervisor, display_name="吴督查"),
        leader=make_user(db, bureau, Role.leader, display_name="王县长"),
        clerk=make_user(db, town, display_name="李春燕"),
        head=head,
        other_staff=make_user(db, other, display_name="张国栋"),
        project=project,
        secret=secret,
    )
    load_calendar_2026(db)
    db.commit()
    return county


def as_principal(user: User) -> Principal:
    return Principal(
        role=user.role, unit_id=user.unit_id, label=f"{user.display_name}({user.username})", user_id=user.id
    )


def set_target(db: Session, unit: Unit, year: int, metric: str = "funds_domestic", amount: int = 1000) -> None:
    db.add(Target(year=year, metric=metric, unit_id=unit.id, amount=Decimal(amount)))
    db.flush()


def first_of_year(day: date) -> date:
    return date(day.year, 1, 1)


from tests.tickets.conftest import signed_in, text_of  # noqa: E402, F401  (the same signed-in clients)
