"""A refused request changes nothing: any answer with status >= 400 rolls the request back.

Two refusals that used to leave rows behind (a form shown again with its errors after the
service had flushed), and a sweep over every route that writes (POST/PATCH/PUT/DELETE,
enumerated from the application, so a new route is covered by default), each sent an input it
must refuse, comparing every table (row counts and a checksum of the rows) and the audit trail
before and after. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Base
from app.models.lead import DuplicatePair, DuplicateStatus, LeadCredit
from app.models.performance import PromotionEvent
from app.services import workdays
from tests.conftest import csrf_from
from tests.core.conftest import World, signed_in
from tests.factories import bearer

# columns that record use, not change: written after the request whatever its answer
USE_COLUMNS = {("user_session", "last_seen_at"), ("api_token", "last_used_at"), ("api_token", "last_used_addr")}


def snapshot(db: Session) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows (permission-denial audit entries left out:
    a refusal is allowed to record that it refused)."""
    db.expire_all()
    state: dict[str, tuple[int, str]] = {}
    connection = db.connection()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in USE_COLUMNS]
        stmt = select(*columns)
        if table.name == "audit_entry":
            stmt = stmt.where(table.c.action != "permission_denied")
        rows = sorted(repr(tuple(row)) for row in connection.execute(stmt))
        state[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return state


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


@pytest.fixture
def staff_a_client(app: FastAPI, db: Session, world: World) -> Iterator[TestClient]:
    yield from signed_in(app, db, world.staff_a)


@pytest.fixture
def coordinator_client(app: FastAPI, db: Session, world: World) -> Iterator[TestClient]:
    yield from signed_in(app, db, world.coordinator)


# --- the two refusals that used to leave their writes behind ----------------------------------


def test_event_naming_another_units_project_is_refused_and_not_saved(db, world, staff_a_client):
    csrf = csrf_from(staff_a_client.get("/activities").text)
    before = snapshot(db)

    response = staff_a_client.post(
        "/activities/event",
        data={
            "csrf_token": csrf,
            "held_on": (workdays.today() - timedelta(days=1)).isoformat(),
            "name": "新能源产业推介会",
            "place": "县会展中心",
            "project_ids": str(world.ids["project_id"]),
        },
    )

    assert response.status_code == 422
    assert "只能关联本单位的项目" in response.text
    db.expire_all()
    assert db.execute(select(PromotionEvent).where(PromotionEvent.name == "新能源产业推介会")).first() is None
    assert changed(before, snapshot(db)) == []


def test_refused_90_percent_split_of_a_duplicate_leaves_the_pair_untouched(db, world, coordinator_client):
    pair = db.get(DuplicatePair, world.ids["pair_id"])
    assert pair is not None
    version, lead_unit = pair.version, world.staff_b.unit_id
    csrf = csrf_from(coordinator_client.get("/leads/duplicates/queue").text)
    before = snapshot(db)

    response = coordinator_client.post(
        f"/leads/duplicates/{pair.id}",
        data={
            "csrf_token": csrf,
            "version": str(version),
            "mode": "split",
            "decision": "经核实为同一客商，按九成计功劳",
            f"share_{lead_unit}": "90",
        },
    )

    assert response.status_code == 422
    assert "各单位份额合计须为 100%" in response.text
    db.expire_all()
    pair = db.get(DuplicatePair, world.ids["pair_id"])
    assert pair is not None
    assert (pair.status, pair.decision, pair.settled_at, pair.version) == (DuplicateStatus.open, "", None, version)
    assert db.execute(select(LeadCredit)).first() is None
    assert changed(before, snapshot(db)) == []


# --- every route that writes ------------------------------------------------------------------

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, full path) of every route of the application that may write."""

    def walk(routes: Any, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield prefix + route.path, route
            elif hasattr(route, "original_router"):  # an included router (FastAPI 0.16x keeps it as a node)
                yield from walk(route.original_router.routes, route.include_context.prefix)
            elif hasattr(route, "routes") and isinstance(getattr(route, "routes", None), list):
                yield from walk(route.routes, prefix + getattr(route, "path", ""))

    found = {
        (method, path) for path, route in walk(app.routes) for method in route.methods or () if method in WRITE_METHODS
    }
    return sorted(found, key=lambda item: (item[1], item[0]))


# Routes that cannot be given an input they must refuse, and why. Every other route is sent one.
NOT_REFUSABLE = {
    ("POST", "/logout"): "signing out is always allowed (it ends the session, its purpose)",
    ("POST", "/notifications/read"): "marks the user's own notifications read; there is nothing to refuse",
    ("POST", "/login/2fa"): "a signed-in session has passed the second factor: it is sent on, not refused",
    ("POST", "/account/2fa"): "without a second factor to enroll the user is sent on, not refused",
    ("POST", "/leads/check-duplicates"): "a query sent by POST (the entry form's live check); it writes nothing",
    ("POST", "/api/v1/leads/check-duplicates"): "a query sent by POST (the entry form's live check); it writes nothing",
}

# What the generic request sends (as town A's staff, or town A's token for the API), with the path's
# ids naming town B's rows: another unit's object, with a body whose values are invalid.
INVALID_FORM = {
    "version": "0",
    "name": "",
    "amount": "-1",
    "date": "not-a-date",
    "state": "no-such-state",
    "action": "no-such-action",
}
INVALID_JSON = {"version": 0, "name": "", "amount": "-1", "stage": "no-such-stage", "title": ""}


def fill(path: str, ids: dict[str, int], kind: str = "event") -> str:
    out = path
    for name, value in ids.items():
        out = out.replace("{" + name + "}", str(value))
    return out.replace("{kind}", kind)


def test_every_write_route_refuses_and_leaves_no_trace(app, db, world, staff_a_client):
    csrf = csrf_from(staff_a_client.get("/account").text)
    routes = write_routes(app)
    assert len(routes) > 60, routes  # the walk found the application's routes
    unknown_params = [path for _m, path in routes if "{" in fill(path, world.ids)]
    assert unknown_params == [], "give these path parameters another unit's row in `world`"
    failures: list[str] = []
    for method, path in routes:
        if (method, path) in NOT_REFUSABLE:
            continue
        url = fill(path, world.ids)
        before = snapshot(db)
        if path.startswith("/api/"):
            response = staff_a_client.request(method, url, json=INVALID_JSON, headers=bearer(world.token_a))
        else:
            response = staff_a_client.request(method, url, data={"csrf_token": csrf, **INVALID_FORM})
        after = snapshot(db)
        if response.status_code < 400:
            failures.append(f"{method} {path}: not refused ({response.status_code})")
        elif response.status_code >= 500:
            failures.append(f"{method} {path}: server error {response.status_code}")
        if changed(before, after):
            failures.append(f"{method} {path}: {response.status_code} changed {changed(before, after)}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize(
    ("method", "path", "make_body"),
    [
        # refusals that get past the first checks: the right unit, a stale version or an invalid value
        ("POST", "/projects/{project_id}/edit", "stale_version"),
        ("POST", "/projects/{project_id}/funds", "invalid_amount"),
        ("POST", "/projects/{project_id}/progress", "invalid_date"),
        ("POST", "/activities/trade", "future_month"),
        ("POST", "/leads/duplicates/{pair_id}", "stale_version"),
    ],
)
def test_deeper_refusals_of_the_rows_own_unit_leave_no_trace(db, world, app, method, path, make_body):
    """The owner's staff (or the coordinator for a pair) send a value the rules refuse."""
    user = world.coordinator if "duplicates" in path else world.staff_b
    client_iter = signed_in(app, db, user)
    client = next(client_iter)
    try:
        csrf = csrf_from(client.get("/account").text)
        bodies = {
            "stale_version": {"version": "0", "name": "改过的名称", "decision": "过期版本的决定", "mode": "dismiss"},
            "invalid_amount": {"amount": "-5", "arrived_on": workdays.today().isoformat(), "source": "x"},
            "invalid_date": {"reported_on": "2999-01-01", "note": "进展", "progress_date": "2999-01-01"},
            "future_month": {"month": (workdays.today() + timedelta(days=70)).strftime("%Y-%m"), "amount_usd": "10"},
        }
        before = snapshot(db)
        response = client.request(
            method, fill(path, world.ids, kind="trade"), data={"csrf_token": csrf, **bodies[make_body]}
        )
        assert 400 <= response.status_code < 500, response.text[:300]
        assert changed(before, snapshot(db)) == []
    finally:
        client_iter.close()
