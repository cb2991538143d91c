"""Fixtures for the ticket tests: a small county with a landed project, and signed-in clients.

Every test using `db` runs on SQLite and on PostgreSQL inside a rolled-back transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.project import Project, Stage
from app.models.ticket import Notification, TicketCategory, TicketEvent
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from tests.conftest import login
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects.factories import make_project
from tests.tickets.factories import load_calendar_2026


@dataclass
class County:
    bureau: Unit
    town: Unit  # the project's responsible unit: reports and closes
    handler: Unit  # the unit that can solve it (a department with a head)
    helper: Unit  # shares the ticket
    other: Unit  # has nothing to do with it
    coordinator: User
    clerk: User  # staff of the town
    handler_staff: User
    head: User  # the handling unit's head: first escalation
    helper_staff: User
    other_staff: User
    leader: User  # the project's linked leader: second escalation
    other_leader: User
    project: Project


@pytest.fixture
def county(db: Session) -> County:
    n = uuid.uuid4().hex[:6]
    bureau = make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    town = make_unit(db, name=f"城关镇{n}", short_name="城关镇")
    handler = make_unit(db, name=f"县工信局{n}", short_name="县工信局", kind=UnitKind.department)
    helper = make_unit(db, name=f"县住建局{n}", short_name="县住建局", kind=UnitKind.department)
    other = make_unit(db, name=f"青石镇{n}", short_name="青石镇")
    head = make_user(db, handler, display_name="周局长")
    handler.head_user_id = head.id
    leader = make_user(db, bureau, Role.leader, display_name="王县长")
    county = County(
        bureau=bureau,
        town=town,
        handler=handler,
        helper=helper,
        other=other,
        coordinator=make_user(db, bureau, Role.coordinator, display_name="陈统筹"),
        clerk=make_user(db, town, display_name="李春燕"),
        handler_staff=make_user(db, handler, display_name="钱丽华"),
        head=head,
        helper_staff=make_user(db, helper, display_name="孙建设"),
        other_staff=make_user(db, other, display_name="张国栋"),
        leader=leader,
        other_leader=make_user(db, bureau, Role.leader, display_name="周副县长"),
        project=make_project(
            db, town, stage=Stage.landed, name=f"年产 5 万吨新材料项目{n}", linked_leader_id=leader.id
        ),
    )
    load_calendar_2026(db)
    db.commit()
    return county


def as_principal(user: User) -> Principal:
    return Principal(
        role=user.role, unit_id=user.unit_id, label=f"{user.display_name}({user.username})", user_id=user.id
    )


def category(db: Session, code: str) -> TicketCategory:
    """One of the categories every installation starts with (seeded by the migration)."""
    return db.execute(select(TicketCategory).where(TicketCategory.code == code)).scalar_one()


def actions(db: Session, ticket_id: int) -> list[str]:
    db.expire_all()
    return list(
        db.execute(
            select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        ).scalars()
    )


def inbox(db: Session, user: User) -> list[str]:
    """Titles of the user's in-app notifications, oldest first."""
    db.expire_all()
    return list(
        db.execute(
            select(Notification.title).where(Notification.user_id == user.id).order_by(Notification.id)
        ).scalars()
    )


@pytest.fixture
def signed_in(app: FastAPI, db: Session) -> Iterator[Callable[[User], TestClient]]:
    """signed_in(user) → a TestClient of its own (its own cookies) signed in as that user."""
    with ExitStack() as stack:

        def open_client(user: User) -> TestClient:
            db.commit()
            client = stack.enter_context(TestClient(app, base_url="http://testserver", follow_redirects=False))
            response = login(client, user.username, PASSWORD)
            assert response.status_code == 303, response.text[:300]
            assert not response.headers["location"].startswith("/login")
            return client

        yield open_client


def text_of(html: str) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
