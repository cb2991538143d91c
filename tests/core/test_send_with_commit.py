"""The request's commit with its audit entries in one round trip (PostgreSQL), on committed data.

app.db.send_with_commit sends the audit chain's lock, the entries' INSERTs and the COMMIT as one
simple query on PostgreSQL (SQLite keeps its usual path). These tests run the app on a database
of its own, its sessions bound to the engine as in production (the tests' usual rolled-back
transaction never commits, so it never takes that path), and check that nothing else changed:
the audit entries and the chain, the Idempotency-Key's replay (the same answer, nothing doubled),
the 409 on a stale version, and that a refused request or a failed send leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

from app import db as app_db
from app.db import make_engine, make_session_factory, send_with_commit
from app.main import create_app
from app.models.audit import AuditEntry
from app.models.idempotency import IdempotencyRecord
from app.models.project import ProgressUpdate, Project, ProjectStatus, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import audit, system
from tests.conftest import create_pg_database, create_sqlite_database
from tests.conftest import test_settings as settings_for
from tests.factories import bearer, make_token, make_unit
from tests.projects.factories import make_project

BODY = {"investment_completed": "1200", "built": "主体施工", "reported_on": "2026-11-20"}


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    if request.param == "postgresql":
        url, drop = create_pg_database("zs_commit")
    else:
        url, drop = create_sqlite_database(tmp_path), lambda: None
    engine = make_engine(url)
    try:
        system.migrate(url)
        with make_session_factory(engine)() as db:
            unit = make_unit(db)
            secret = make_token(db, unit)
            projects = [make_project(db, unit, stage=Stage.started) for _ in range(3)]
            db.commit()
            facts = {"secret": secret, "projects": [p.id for p in projects], "unit_id": unit.id}
        app = create_app(settings_for(url), engine=engine)
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            yield {"client": client, "engine": engine, "backend": request.param, **facts}
    finally:
        engine.dispose()
        drop()


class Statements:
    """The statements the engine sends, as text, while the block runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.seen = engine, []

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self.seen

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement)


def _counts(engine: Engine) -> dict[str, int]:
    with make_session_factory(engine)() as db:
        return {
            "progress": db.execute(select(func.count()).select_from(ProgressUpdate)).scalar_one(),
            "entries": db.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            "keys": db.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one(),
        }


def _post(facts: dict[str, Any], project_id: int, key: str | None = None, body: dict[str, Any] = BODY) -> Any:
    headers = {**bearer(facts["secret"]), "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return facts["client"].post(f"/api/v1/projects/{project_id}/progress", content=json.dumps(body), headers=headers)


def test_a_progress_post_sends_its_audit_entries_with_the_commit_and_is_audited(committed: dict[str, Any]) -> None:
    engine, project_id = committed["engine"], committed["projects"][0]
    before = _counts(engine)
    with Statements(engine) as sent:
        answer = _post(committed, project_id, key="once-1")
    assert answer.status_code == 201, answer.text

    with_commit = [s for s in sent if s.rstrip().endswith("COMMIT")]
    if committed["backend"] == "postgresql":
        (one,) = with_commit  # the lock, the entries and the COMMIT: one simple query
        assert one.startswith("SELECT pg_advisory_xact_lock(")
        assert one.count("INSERT INTO audit_entry") == 2  # the update's creation, the project's figures
        assert not any("INSERT INTO audit_entry" in s for s in sent if s is not one)
    else:
        assert with_commit == []
    after = _counts(engine)
    assert after["progress"] == before["progress"] + 1
    assert after["entries"] == before["entries"] + 2
    assert after["keys"] == before["keys"] + 1
    with make_session_factory(engine)() as db:
        update_id = answer.json()["id"]
        (created,) = audit.history(db, "progress_update", update_id)
        assert created.action == "create" and created.changes["investment_completed"] == [None, "1200"]
        assert created.actor_token_id is not None and created.unit_id == committed["unit_id"]
        (changed, *_older) = audit.history(db, "project", project_id)
        assert changed.action == "update" and changed.changes["investment_completed"][1] == "1200"
        assert audit.verify_chain(db).ok


def test_a_retry_with_the_same_key_answers_the_same_and_doubles_nothing(committed: dict[str, Any]) -> None:
    engine, project_id = committed["engine"], committed["projects"][1]
    first = _post(committed, project_id, key="retry-1")
    assert first.status_code == 201, first.text
    counted = _counts(engine)

    again = _post(committed, project_id, key="retry-1")

    assert again.status_code == 201 and again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _counts(engine) == counted
    other = _post(committed, project_id, key="retry-1", body={**BODY, "investment_completed": "1300"})
    assert other.status_code == 422  # the key used for another request: refused, nothing written
    assert _counts(engine) == counted
    with make_session_factory(engine)() as db:
        assert audit.verify_chain(db).ok


def test_a_stale_version_is_refused_with_409_and_changes_nothing(committed: dict[str, Any]) -> None:
    engine, client, project_id = committed["engine"], committed["client"], committed["projects"][2]
    headers = bearer(committed["secret"])
    version = client.get(f"/api/v1/projects/{project_id}", headers=headers).json()["version"]
    done = client.patch(f"/api/v1/projects/{project_id}", json={"version": version, "site": "东区1号"}, headers=headers)
    assert done.status_code == 200, done.text
    counted = _counts(engine)

    stale = client.patch(f"/api/v1/projects/{project_id}", json={"version": version, "site": "西区"}, headers=headers)

    assert stale.status_code == 409
    assert _counts(engine) == counted
    with make_session_factory(engine)() as db:
        assert db.get(Project, project_id).site == "东区1号"  # type: ignore[union-attr]
        assert audit.verify_chain(db).ok


def test_a_refused_progress_post_leaves_no_update_no_entry_and_no_key(committed: dict[str, Any]) -> None:
    engine, project_id = committed["engine"], committed["projects"][0]
    with make_session_factory(engine)() as db:
        project = db.get(Project, project_id)
        assert project is not None
        project.status = ProjectStatus.terminated
        db.commit()
    counted = _counts(engine)

    refused = _post(committed, project_id, key="refused-1")

    assert refused.status_code == 422, refused.text
    assert _counts(engine) == counted
    with make_session_factory(engine)() as db:
        project = db.get(Project, project_id)
        assert project is not None and project.investment_completed != 1200


def test_a_failed_send_with_the_commit_commits_nothing(committed: dict[str, Any], monkeypatch: Any) -> None:
    """A statement sent with the COMMIT fails: the COMMIT is not run, the transaction is rolled back, the
    session can go on. (PostgreSQL: the failing statement is queued with the audit's; SQLite: sent at once.)"""
    engine = committed["engine"]
    built = audit._in_one_go
    monkeypatch.setattr(audit, "_in_one_go", lambda connection, entries: built(connection, entries) + ";\nSELECT 1/0")
    if committed["backend"] == "sqlite":
        monkeypatch.setattr(audit, "_write", _failing_write(audit._write))
    counted = _counts(engine)
    factory = make_session_factory(engine)
    with factory() as db:
        db.info["principal"] = Principal(role=Role.coordinator, unit_id=None, label="test")
        app_db.begin_write(db)
        db.add(Unit(name="送出失败的单位", kind=UnitKind.town))
        with pytest.raises(Exception, match=r"(?i)division by zero|failed on purpose"):
            send_with_commit(db)
        db.rollback()
        assert db.execute(select(func.count()).select_from(Unit).where(Unit.name == "送出失败的单位")).scalar_one() == 0
        db.add(Unit(name="随后的单位", kind=UnitKind.town))  # the session goes on, with the audit as usual
        monkeypatch.undo()
        send_with_commit(db)
    after = _counts(engine)
    assert after["entries"] == counted["entries"] + 1
    with factory() as db:
        names = set(db.execute(select(Unit.name)).scalars())
        assert "随后的单位" in names and "送出失败的单位" not in names
        assert audit.verify_chain(db).ok


def _failing_write(write: Any) -> Any:
    def failing(session: Any, entries: Any, **kwargs: Any) -> None:
        write(session, entries, **kwargs)
        raise RuntimeError("failed on purpose")

    return failing


def test_nothing_is_queued_outside_send_with_commit(committed: dict[str, Any]) -> None:
    """A plain commit (a session's own, a script's) sends the entries as before, then its COMMIT."""
    engine = committed["engine"]
    with make_session_factory(engine)() as db, Statements(engine) as sent:
        db.info["principal"] = Principal(role=Role.coordinator, unit_id=None, label="test")
        app_db.begin_write(db)
        db.add(Unit(name="普通提交的单位", kind=UnitKind.town))
        db.commit()
    assert not any(s.rstrip().endswith("COMMIT") for s in sent)
    with make_session_factory(engine)() as db:
        unit_id = db.execute(select(Unit.id).where(Unit.name == "普通提交的单位")).scalar_one()
        assert len(audit.history(db, "unit", unit_id)) == 1
        assert audit.verify_chain(db).ok
