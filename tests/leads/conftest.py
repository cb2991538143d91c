"""Fixtures for the lead tests: a small county (the bureau and three towns) and signed-in clients.

Every test using these runs on SQLite and on PostgreSQL (the `db` fixture of tests/conftest.py).
The browser test reuses the live demo server and Chromium fixtures of tests/browser/conftest.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.lead import Lead
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_unit, make_user


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Lets the browser fixture mark a failed test's screenshot (as tests/browser does)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@dataclass
class County:
    bureau: Unit
    town_a: Unit
    town_b: Unit
    town_c: Unit
    coordinator: User
    staff_a: User
    staff_b: User
    staff_c: User
    leader: User


@pytest.fixture
def county(db: Session) -> County:
    n = uuid.uuid4().hex[:6]
    bureau = make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    town_a = make_unit(db, name=f"城关镇{n}", short_name="城关镇")
    town_b = make_unit(db, name=f"青石镇{n}", short_name="青石镇")
    town_c = make_unit(db, name=f"河口镇{n}", short_name="河口镇")
    county = County(
        bureau=bureau,
        town_a=town_a,
        town_b=town_b,
        town_c=town_c,
        coordinator=make_user(db, bureau, Role.coordinator, display_name="陈统筹"),
        staff_a=make_user(db, town_a, display_name="李春燕"),
        staff_b=make_user(db, town_b, display_name="张国栋"),
        staff_c=make_user(db, town_c, display_name="彭志勇"),
        leader=make_user(db, bureau, Role.leader, display_name="王县长"),
    )
    db.commit()
    return county


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


def lead_form(client: TestClient, **values: str) -> dict[str, str]:
    """The entry form as a browser sends it: its CSRF token and a fresh idempotency key; a typed investor not
    in the catalogue is confirmed as new (新建客商) unless the test says otherwise."""
    entry = client.get("/leads/new")
    assert entry.status_code == 200, entry.text[:300]
    form = {
        "csrf_token": csrf_from(entry.text),
        "idempotency_key": uuid.uuid4().hex,
        "investor_name": "",
        "investor_new": "on",
        "investor_kind": "company",
        "investor_investor_type": "private",
        "investor_credit_code": "",
        "investor_origin_province": "",
        "investor_origin_city": "",
        "investor_origin_country": "中国",
        "channel": "door_knocking",
        "intended_investment": "",
        "project_name": "",
        "industry": "",
        "content": "",
        "contact_name": "",
        "contact_phone": "",
        "lead_date": "",
        "introducer_name": "",
        "introducer_phone": "",
        "brought_by_name": "",
    }
    form.update(values)
    return form


def count_leads(db: Session, **where: Any) -> int:
    db.expire_all()
    stmt = select(func.count()).select_from(Lead)
    for key, value in where.items():
        stmt = stmt.where(getattr(Lead, key) == value)
    return int(db.execute(stmt).scalar_one())


def text_of(html: str) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
