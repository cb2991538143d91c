"""The project by id answered before the routing (app.fastpath) answers byte for byte what the
routed endpoint answers, for every kind of caller; whatever it does not answer itself (a refusal,
an error, another shape of request) the routed endpoint answers, and audits, exactly as before.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import fastpath
from app.main import create_app
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.project import Stage
from app.models.user import ApiToken
from app.routers.api import projects as projects_api
from app.scopes import TokenRole
from app.services import workdays
from app.services.security import sha256_hex
from tests import conftest
from tests.factories import bearer, make_token, make_unit
from tests.projects.factories import make_anomaly, make_project

_VOLATILE = {"x-request-id", "date"}


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What the fast path answered itself (not left to the routed endpoint): a project's id, or
    "list" for the list."""
    done: list[Any] = []
    answer = fastpath._answer

    def counted(app: Any, request: Any, raw: str, work: Any) -> bytes | None:
        body = answer(app, request, raw, work)
        if body is not None:
            done.append(work.args[0] if work.func is fastpath._project else "list")
        return body

    monkeypatch.setattr(fastpath, "_answer", counted)
    return done


def _denials(db: Session) -> list[dict[str, Any]]:
    db.expire_all()
    rows = db.execute(select(AuditEntry).where(AuditEntry.action == "permission_denied").order_by(AuditEntry.seq))
    return [{"changes": e.changes, "actor": e.actor_label} for e in rows.scalars()]


def _both_ways(app: FastAPI, client: TestClient, db: Session, path: str, headers: dict[str, str]) -> Any:
    """The answer with the fast path and without it (status, headers but the request id, body),
    checked equal, and the audit entries each wrote, checked equal."""
    answers, written = [], []
    for on in (True, False):
        app.state.fast_paths = on
        before = len(_denials(db))
        response = client.get(path, headers=headers)
        answers.append(
            (
                response.status_code,
                sorted((k, v) for k, v in response.headers.items() if k not in _VOLATILE),
                response.content,
            )
        )
        written.append(_denials(db)[before:])
    app.state.fast_paths = True
    assert answers[0] == answers[1], path
    assert written[0] == written[1], path
    return answers[0][0], answers[0][2], written[0]


def test_the_fast_path_answers_as_the_routed_endpoint(db, app, client, answered):
    own, other, third = make_unit(db), make_unit(db), make_unit(db)
    plain = make_project(db, own, contract_investment=Decimal("12000.50"))
    make_anomaly(db, plain)
    secret = make_project(db, own, responsible=other, is_confidential=True, code_name="白鹭", lead_id=None)
    overdue = workdays.today() - timedelta(days=3)  # signed, not started past its date: a warning
    late = make_project(db, own, stage=Stage.signed, is_confidential=True, code_name="蓝鲸", start_by=overdue)
    tokens = {
        "coordinator": make_token(db, role=TokenRole.coordinator),
        "owner": make_token(db, own),
        "introducer's partner": make_token(db, other),  # responsible unit of the confidential one
        "another unit": make_token(db, third),
        "read only": make_token(db, read_only=True),
        "reader": make_token(db),
        "revoked": make_token(db, own, revoked_at=utcnow() - timedelta(days=1)),
        "no read scope": make_token(db, own, scopes=("projects",)),
    }
    db.commit()
    ids = (plain.id, secret.id, late.id, 2_000_000_000)
    seen: dict[tuple[str, int], tuple[int, Any]] = {}
    for who, token in tokens.items():
        for project_id in ids:
            status, body, _ = _both_ways(app, client, db, f"/api/v1/projects/{project_id}", bearer(token))
            seen[who, project_id] = status, body
    codes = {key: status for key, (status, _) in seen.items()}
    assert codes["coordinator", plain.id] == codes["owner", secret.id] == codes["reader", late.id] == 200
    assert codes["another unit", plain.id] == 404  # another unit's project: as if missing, audited
    assert codes["owner", 2_000_000_000] == 404
    assert codes["revoked", plain.id] == 401
    assert codes["no read scope", plain.id] == 403
    names = {who: seen[who, secret.id][1] for who in ("coordinator", "owner", "introducer's partner", "reader")}
    assert b"\xe3\x80\x90\xe4\xbf\x9d\xe5\xaf\x86\xe3\x80\x91" not in names["owner"]  # 【保密】: sees the name
    assert "【保密】白鹭".encode() in names["reader"]
    assert "【保密】白鹭".encode() not in names["introducer's partner"]
    assert b'"anomalies":[{' in seen["owner", plain.id][1]
    assert b'"not_started"' in seen["owner", late.id][1]
    # every 200 answered by the fast path itself (once for each of its two requests, the second turned off)
    ok = [project_id for (who, project_id), (status, _) in seen.items() if status == 200]
    assert sorted(answered) == sorted(ok)
    # the refusals audited once each, as by the routed endpoint
    denied = _denials(db)
    assert {d["changes"]["code"] for d in denied} == {"not_found", "scope_missing"}


LIST_ANSWERED = (
    "",
    "limit=50",
    "stage=signed&limit=50",
    "category=industrial&limit=50&sort=contract",
    "size_band=from_1000&limit=50",
    "sort=name&limit=2",
    "limit=1&offset=1",
    "q=测试",
    "q=白鹭",
    "q=a_b%25",
    "flag=not_started",
    "anomaly=true",
    "anomaly=yes&sort=stage_age",
    "investor_type=private",
    "industry=制造&industry_chain=",
    "date_field=signed_on&date_from=2020-01-01&date_to=2099-12-31",
    "updated_since=2020-01-01T00:00:00",
    "updated_since=2020-01-01T00:00:00%2B08:00",
    "status=active&unknown=1",
    "unit_id={own}",
    "unit_id={other}&limit=3",
)
LIST_LEFT = (  # refused, or given in a way the fast path leaves alone
    "limit=0",
    "limit=201",
    "offset=-1",
    "stage=nope",
    "flag=bogus",
    "sort=bogus",
    "date_field=bogus",
    "q=%00",
    "unknown=%01",
    "anomaly=maybe",
    "date_from=2026-02-30",
    "updated_since=0001-01-01T00:00:00",
    "limit=1&limit=2",
)


def test_the_list_answers_as_the_routed_endpoint(db, app, client, answered):
    """The list of projects for many filter shapes, as every kind of caller: the same bytes with
    the fast path and without; what FastAPI or the service refuses left to the routed endpoint."""
    own, other, third = make_unit(db), make_unit(db), make_unit(db)
    made = [make_project(db, own, contract_investment=Decimal(1500), industry="智能制造") for _ in range(3)]
    make_anomaly(db, made[0])
    make_project(db, own, responsible=other, is_confidential=True, code_name="白鹭")
    overdue = workdays.today() - timedelta(days=3)
    make_project(db, other, stage=Stage.signed, is_confidential=True, code_name="蓝鲸", start_by=overdue)
    make_project(db, third, name="a_b%c")
    tokens = {
        "coordinator": make_token(db, role=TokenRole.coordinator),
        "owner": make_token(db, own),
        "another unit": make_token(db, third),
        "reader": make_token(db),
        "read only": make_token(db, read_only=True),
        "revoked": make_token(db, own, revoked_at=utcnow() - timedelta(days=1)),
        "no read scope": make_token(db, own, scopes=("projects",)),
    }
    db.commit()
    taken = [q.format(own=own.id, other=other.id) for q in LIST_ANSWERED]
    statuses: dict[tuple[str, str], int] = {}
    bodies: set[bytes] = set()
    for query in (*taken, *LIST_LEFT):
        for who, token in tokens.items():
            status, body, _ = _both_ways(app, client, db, f"/api/v1/projects?{query}".rstrip("?"), bearer(token))
            statuses[query, who] = status
            bodies.add(body)
        status, _, _ = _both_ways(app, client, db, f"/api/v1/projects?{query}", {})
        assert status == 401, query
    assert {statuses[q, "owner"] for q in LIST_LEFT} == {422, 200}  # (a parameter given twice: the last one)
    assert {statuses[q, w] for q in taken for w in ("coordinator", "owner", "another unit", "reader", "read only")} == {
        200
    }
    assert {statuses[q, "revoked"] for q in (*taken, *LIST_LEFT)} == {401}
    assert {statuses[q, "no read scope"] for q in (*taken, *LIST_LEFT)} == {403}
    assert answered == ["list"] * (5 * len(taken))  # every list answered 200 by the fast path itself
    assert len(bodies) > 40  # (the filters, the callers, their masking do differ)


def test_what_the_fast_path_leaves_to_the_routed_endpoint(db, app, client, answered):
    """A missing token comes before a bad id (401 before 422), an unknown id is 404, a query string,
    another method or a malformed id go the routed way, all answered as before."""
    unit = make_unit(db)
    project = make_project(db, unit)
    token = make_token(db, unit)
    db.commit()
    cases: list[tuple[str, dict[str, str], int]] = [
        (f"/api/v1/projects/{project.id}", {}, 401),
        ("/api/v1/projects/0", {}, 401),
        ("/api/v1/projects/x", {}, 401),
        (f"/api/v1/projects/{project.id}", {"Authorization": "Basic abc"}, 401),
        (f"/api/v1/projects/{project.id}", {"Authorization": "Bearer "}, 401),
        ("/api/v1/projects/0", bearer(token), 422),
        ("/api/v1/projects/2147483648", bearer(token), 422),
        ("/api/v1/projects/00" + str(project.id), bearer(token), 200),
        (f"/api/v1/projects/{project.id}?q=%00", bearer(token), 422),
        (f"/api/v1/projects/{project.id}?anything=1", bearer(token), 200),
        (f"/api/v1/projects/{project.id}/", bearer(token), 307),
        ("/api/v1/projects/999999", bearer(token), 404),
        (f"/api/v1/projects/{project.id}", bearer(token.upper()), 401),
    ]
    for path, headers, status in cases:
        assert _both_ways(app, client, db, path, headers)[0] == status, path
    assert answered == []  # none of them the fast path's
    for on in (True, False):
        app.state.fast_paths = on
        head = client.head(f"/api/v1/projects/{project.id}", headers=bearer(token))
        assert head.status_code == 405
    app.state.fast_paths = True
    assert answered == []


def test_the_fast_path_is_the_routed_endpoints_path(app: FastAPI):
    """The path it answers resolves, through the routing, to the endpoint whose rules it calls."""
    from starlette.routing import Match

    scope = {"type": "http", "method": "GET", "path": "/api/v1/projects/123", "root_path": "", "headers": []}
    scope["query_string"] = b""
    for route in app.router.routes:
        match, child = route.matches(scope)
        if match is Match.FULL:
            break
    assert match is Match.FULL
    assert child.get("endpoint") is None or child["endpoint"].__wrapped__ is projects_api.get_project.__wrapped__
    assert fastpath.PROJECT_BY_ID.fullmatch("/api/v1/projects/123")


@pytest.fixture(scope="module")
def committed_pg() -> Iterator[tuple[str, Any]]:
    url, drop = conftest.create_pg_database("zs_fastpath")
    from app.db import make_engine
    from app.services import system

    system.migrate(url)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    drop()


@pytest.mark.postgres_only
def test_the_fast_path_reads_without_a_transaction_and_stamps_the_token(committed_pg, answered):
    """As the routed endpoint on PostgreSQL (app.routing.reads_only): its statements outside a
    transaction, the token's last use stamped after the answer; a refused read audited once."""
    from sqlalchemy import event

    from app.db import make_session_factory

    url, engine = committed_pg
    with make_session_factory(engine)() as db:
        unit, other = make_unit(db), make_unit(db)
        project, hidden = make_project(db, unit), make_project(db, other)
        secret = make_token(db, unit)
        db.commit()
        project_id, hidden_id = project.id, hidden.id
    statements: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    app = create_app(conftest.test_settings(url), engine=engine)
    try:
        with TestClient(app, base_url="http://testserver") as client:
            answer = client.get(f"/api/v1/projects/{project_id}", headers=bearer(secret))
            assert answer.status_code == 200 and answer.json()["id"] == project_id
            assert answered == [project_id]
            assert statements and all(autocommit for _verb, autocommit in statements), statements
            assert client.get(f"/api/v1/projects/{hidden_id}", headers=bearer(secret)).status_code == 404
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with make_session_factory(engine)() as db:
        token = db.execute(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()
        assert token.last_used_at is not None
        count = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "permission_denied")
        assert db.execute(count).scalar_one() == 1
