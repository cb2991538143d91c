"""Many requests at once, on committed data, on SQLite and PostgreSQL: none waits for ever.

With 32 connections the service used to deadlock: every worker thread blocked on the row of a
session whose last use was being written, while the request holding that row's lock queued for
a thread to commit in. Requests now take one of the process's database slots before they open a
session, commit in their own thread, and write a session's or a token's last use after the
request, once. These tests send more concurrent requests than there are threads and slots, with
the last use old enough to be written, and expect every answer within a bound far below the
connection pool's 30 s timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.db import make_engine, make_session_factory
from app.main import create_app
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.project import ProgressUpdate, Stage
from app.models.user import ApiToken, UserSession
from app.services import audit, system
from tests.conftest import create_pg_database, create_sqlite_database, login
from tests.conftest import test_settings as settings_for
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import make_project

CONCURRENT = 24  # more than the thread pool (slots + 8 = 12) and the database slots (2 + 2)
BOUND_SECONDS = 20  # a deadlock ends only at the pool's 30 s timeout, with a 503


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A migrated database of its own (not the test transaction: the requests must really run at once)."""
    if request.param == "postgresql":
        url, drop = create_pg_database("zs_load")
    else:
        url, drop = create_sqlite_database(tmp_path), lambda: None
    engine = make_engine(url)
    try:
        system.migrate(url)
        with make_session_factory(engine)() as db:
            unit = make_unit(db)
            user = make_user(db, unit=unit)
            secret = make_token(db, unit)
            projects = [make_project(db, unit, stage=Stage.started) for _ in range(6)]
            db.commit()
            facts = {"username": user.username, "secret": secret, "projects": [p.id for p in projects]}
        app = create_app(settings_for(url), engine=engine)
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            yield {"client": client, "engine": engine, **facts}
    finally:
        engine.dispose()
        drop()


def _all_at_once(calls: list[Any]) -> list[Any]:
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=len(calls))
    try:
        futures = [pool.submit(call) for call in calls]
        return [future.result(timeout=max(0.1, started + BOUND_SECONDS - time.monotonic())) for future in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a stuck request fails the test instead of hanging it


def _age(engine: Any, statement: Any) -> None:
    with engine.begin() as conn:
        conn.execute(statement)


def test_many_pages_of_one_session_whose_last_use_is_due_all_answer(committed: dict[str, Any]) -> None:
    client, engine = committed["client"], committed["engine"]
    assert login(client, committed["username"], PASSWORD).status_code == 303
    two_minutes_ago = utcnow() - timedelta(minutes=2)
    _age(engine, update(UserSession).values(last_seen_at=two_minutes_ago))

    answers = _all_at_once([lambda: client.get("/") for _ in range(CONCURRENT)])

    assert [a.status_code for a in answers] == [200] * CONCURRENT
    with engine.connect() as conn:
        last_seen = conn.execute(select(UserSession.last_seen_at)).scalar_one()
    assert last_seen > two_minutes_ago + timedelta(seconds=60)  # the idle clock was restarted


def test_many_api_calls_with_one_token_whose_last_use_is_due_all_answer(committed: dict[str, Any]) -> None:
    client, engine = committed["client"], committed["engine"]
    _age(engine, update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
    headers = bearer(committed["secret"])
    paths = [f"/api/v1/projects/{pid}" for pid in committed["projects"]]

    answers = _all_at_once([lambda p=p: client.get(p, headers=headers) for p in paths * (CONCURRENT // len(paths))])

    assert [a.status_code for a in answers] == [200] * CONCURRENT
    with engine.connect() as conn:
        used = conn.execute(select(ApiToken.last_used_at)).scalar_one()
    assert utcnow() - used < timedelta(seconds=60)


def test_many_progress_updates_at_once_are_all_recorded_and_audited(committed: dict[str, Any]) -> None:
    """Writers queue for the audit chain's lock; each commits before it gives up its thread."""
    client, engine = committed["client"], committed["engine"]
    headers = bearer(committed["secret"])
    body = json.dumps({"investment_completed": "100", "built": "主体施工", "reported_on": str(utcnow().date())})

    def post(i: int, project_id: int) -> Any:
        key = {"Idempotency-Key": f"load-{i}", "Content-Type": "application/json"}
        return client.post(f"/api/v1/projects/{project_id}/progress", content=body, headers={**headers, **key})

    projects = committed["projects"]
    answers = _all_at_once([lambda i=i: post(i, projects[i % len(projects)]) for i in range(CONCURRENT)])

    assert [a.status_code for a in answers] == [201] * CONCURRENT, [a.text for a in answers if a.status_code != 201]
    with make_session_factory(engine)() as db:
        assert db.execute(select(func.count()).select_from(ProgressUpdate)).scalar_one() == CONCURRENT
        logged = db.execute(select(func.count()).where(AuditEntry.entity == "progress_update")).scalar_one()
        assert logged == CONCURRENT
        assert audit.verify_chain(db).ok
