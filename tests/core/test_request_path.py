"""The API's request path does no work it needs not: one worker-thread hop for a synchronous read
(the token is checked in the endpoint's thread), no BEGIN/COMMIT for the hottest reads on
PostgreSQL, the bearer scheme declared in the OpenAPI document without a dependency of its own;
and still the same answers in the same order: 401 before 403 before 422, a refused read audited.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update

from app.db import make_engine, make_session_factory, reading_bind
from app.main import create_app
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.investor import InvestorType
from app.models.project import Stage
from app.models.user import ApiToken, Role, UserSession
from app.schemas.common import Page
from app.schemas.projects import ProjectRead
from app.scopes import TokenRole
from app.services import audit, projects, system, workdays
from app.services.security import sha256_hex
from tests import conftest
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.leads.factories import make_lead
from tests.projects.factories import make_anomaly, make_investor, make_project
from tests.tickets.factories import make_category, make_ticket


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call that a request hands to a worker thread."""
    calls: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return calls


def test_a_read_takes_one_thread_hop(db, client, hops):
    unit = make_unit(db)
    project = make_project(db, unit)
    secret = make_token(db, unit)
    db.commit()
    for path in (f"/api/v1/projects/{project.id}", "/api/v1/projects?limit=50&stage=negotiating"):
        client.get(path, headers=bearer(secret))  # the token's first use is stamped: in the same thread
        hops.clear()
        answer = client.get(path, headers=bearer(secret))
        assert answer.status_code == 200, answer.text
        assert len(hops) == 1, (path, hops)


def test_a_page_read_takes_one_thread_hop(db, client, hops):
    """The unit's board and the coordinator's list: the sign-in is checked in the page's own thread."""
    unit = make_unit(db)
    make_project(db, unit)
    staff = make_user(db, unit)
    coordinator = make_user(db, make_unit(db), Role.coordinator)
    db.commit()
    for user, path in ((staff, "/"), (coordinator, "/"), (coordinator, "/projects?stage=negotiating&q=项目")):
        client.cookies.clear()
        assert login(client, user.username, PASSWORD).status_code == 303
        client.get(path)  # (the session's first use may be stamped: in the same thread)
        hops.clear()
        answer = client.get(path)
        assert answer.status_code == 200, answer.text[:300]
        assert len(hops) == 1, (path, hops)


def test_a_page_read_signs_in_before_its_parameters_are_judged(db, client):
    """Whatever is wrong with a page read's parameters, one not signed in is sent to sign in first, one
    owing a password change to change it; one signed in is told what is wrong (422), menu and all."""
    unit = make_unit(db)
    staff = make_user(db, unit)
    owing = make_user(db, unit, must_change_password=True)
    db.commit()
    invalid = "/projects?offset=-1"
    refused = client.get(invalid, follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, "/login?next=/projects%3Foffset%3D-1")
    assert login(client, owing.username, PASSWORD).status_code == 303
    refused = client.get(invalid, follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, "/account/password")
    client.cookies.clear()
    assert login(client, staff.username, PASSWORD).status_code == 303
    answered = client.get(invalid, follow_redirects=False)
    assert answered.status_code == 422
    assert staff.display_name in answered.text


def test_a_write_with_an_idempotency_key_takes_one_thread_hop(db, client, hops):
    """The token's check and the key's claim are done in the endpoint's thread (SQLite's writer
    lock is taken in one more, before them): the write still done once, audited, replayed on a
    retry, and refused in the same order as before."""
    unit = make_unit(db)
    project = make_project(db, unit)
    secret = make_token(db, unit)
    no_scope = make_token(db, unit, scopes=("read",))
    db.commit()
    path = f"/api/v1/projects/{project.id}/progress"
    body = {"investment_completed": "1200", "built": "主体施工", "reported_on": workdays.today().isoformat()}
    headers = {**bearer(secret), "Idempotency-Key": "progress-1"}
    client.get(f"/api/v1/projects/{project.id}", headers=bearer(secret))  # the token's first use stamped
    hops.clear()
    first = client.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert len(hops) == (2 if db.bind.dialect.name == "sqlite" else 1), hops
    again = client.post(path, json=body, headers=headers)
    assert (again.status_code, again.content, again.headers["idempotent-replayed"]) == (201, first.content, "true")
    assert client.post(path, json={**body, "built": "封顶"}, headers=headers).status_code == 422  # key reused
    db.expire_all()
    assert [u["id"] for u in client.get(path, headers=bearer(secret)).json()] == [first.json()["id"]]
    entry = db.execute(select(AuditEntry).where(AuditEntry.entity == "progress_update")).scalar_one()
    assert entry.actor_label.startswith("令牌:")
    invalid = {**body, "investment_completed": "-1"}
    assert client.post(path, json=invalid, headers={"Idempotency-Key": "k2"}).status_code == 401
    refused = client.post(path, json=invalid, headers={**bearer(no_scope), "Idempotency-Key": "k2"})
    assert (refused.status_code, refused.json()["code"]) == (403, "scope_missing")
    answered = client.post(path, json=invalid, headers={**headers, "Idempotency-Key": "k2"})
    assert (answered.status_code, answered.json()["field"]) == (422, "investment_completed")


def test_the_list_answers_what_its_models_would(db, client):
    """The list's rows go to JSON without pydantic models (their values are already of their fields'
    types): the answer is byte for byte what Page[ProjectRead] of the same projects serialises to,
    confidential identities masked, warnings, anomalies counted; whatever the filter's shape, its
    statement built once and reused with other values."""
    unit, other = make_unit(db), make_unit(db)
    listed = make_investor(db, name='博康"汽配\\制造/有限公司', investor_type=InvestorType.listed)
    ago = workdays.today() - timedelta(days=400)
    made = [
        make_project(db, unit, stage=Stage.started, reached=ago, contract_investment=Decimal("12345.67")),
        make_project(
            db,
            unit,
            stage=Stage.signed,
            is_confidential=True,
            code_name="蓝鲸",
            name="绝密芯片产业园",
            investor=listed,
            start_by=workdays.today() - timedelta(days=10),
        ),
        make_project(db, other, stage=Stage.signed, is_confidential=True, code_name="白鹭", investor=listed),
        make_project(
            db,
            other,
            stage=Stage.completed,
            completed_fell=True,
            intensity_commitment=Decimal(300),
            land_area_mu=Decimal("10.5"),
            industry="新_材%料",
            planned_investment=Decimal("0.5"),
            funds_confirmed=Decimal(2500),
        ),
    ]
    make_anomaly(db, made[0])
    tokens = [make_token(db, unit), make_token(db, role=TokenRole.coordinator), make_token(db)]
    db.commit()
    queries = [
        "limit=50",
        "limit=2",
        "limit=2&offset=1&sort=name",
        "stage=signed",
        "stage=started&limit=50",
        "flag=not_started",
        "flag=stalled",
        "industry=_材%25",
        "q=博康",
        "q=康汽配",
        "q=蓝鲸",
        "investor_type=listed&sort=contract",
        f"unit_id={other.id}&anomaly=true",
        f"unit_id={unit.id}&anomaly=true",
        "date_field=stage_since&date_from=2000-01-01&date_to=2100-12-31",
    ]
    for secret in tokens:
        for query in queries:
            answer = client.get(f"/api/v1/projects?{query}", headers=bearer(secret))
            assert answer.status_code == 200, (query, answer.text)
            page = answer.json()
            models = []
            for item in page["items"]:
                one = client.get(f"/api/v1/projects/{item['id']}", headers=bearer(secret)).json()
                models.append(ProjectRead.model_validate({**one, "anomalies": []}))  # a list leaves them out
            expected = Page[ProjectRead](items=models, total=page["total"], limit=page["limit"], offset=page["offset"])
            assert answer.content == expected.model_dump_json().encode(), (query, answer.text)
    reader = client.get("/api/v1/projects?sort=name", headers=bearer(tokens[2])).json()["items"]
    masked = sorted((p["name"], p["investor_id"], p["lead_id"], p["flags"]) for p in reader if p["is_confidential"])
    assert masked == [("【保密】白鹭", None, None, []), ("【保密】蓝鲸", None, None, ["not_started"])]
    assert [p["open_anomalies"] for p in reader if p["id"] == made[0].id] == [1]
    assert client.get("/api/v1/projects?q=白鹭", headers=bearer(tokens[0])).json()["items"] == []  # another unit's
    built = projects._api_statements.cache_info().misses
    for query in queries:  # the same shapes with other values: no statement built
        client.get(f"/api/v1/projects?{query}&limit=3", headers=bearer(tokens[1]))
    assert projects._api_statements.cache_info().misses == built


def test_refusals_come_in_the_same_order(db, client):
    """Whatever else is wrong with a request, a missing or unknown token is answered 401 first, and
    a token without the scope 403 (audited) before a parameter's 422."""
    unit = make_unit(db)
    project = make_project(db, unit)
    reader = make_token(db, unit)
    no_read = make_token(db, unit, scopes=("projects",))
    db.commit()
    invalid = ("/api/v1/projects/0", "/api/v1/projects?limit=0", "/api/v1/projects?q=%00", "/api/v1/projects/x")
    for path in invalid:
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=bearer("zs_unknown_token_0123456789")).status_code == 401, path
        refused = client.get(path, headers=bearer(no_read))
        assert (refused.status_code, refused.json()["code"]) == (403, "scope_missing"), path
        answered = client.get(path, headers=bearer(reader))
        assert (answered.status_code, answered.json()["code"]) == (422, "validation_error"), path
    denials = (
        db.execute(select(AuditEntry).where(AuditEntry.action == "permission_denied").order_by(AuditEntry.seq))
        .scalars()
        .all()
    )
    assert [d.changes for d in denials] == [{"path": path.split("?")[0], "code": "scope_missing"} for path in invalid]
    assert [d.actor_label for d in denials] == [denials[0].actor_label] * len(invalid)
    assert denials[0].actor_label.startswith("令牌:")
    assert client.get(f"/api/v1/projects/{project.id}", headers=bearer(no_read)).status_code == 403


def test_the_bearer_scheme_is_declared_for_every_api_operation(app: FastAPI):
    document = app.openapi()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "招商局在“系统令牌”页面签发的令牌：`Authorization: Bearer <令牌>`",
    }
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in methods.items()
    ]
    assert len(operations) > 50
    assert [(p, m) for p, m, o in operations if o.get("security") != [{"bearerAuth": []}]] == []


@pytest.fixture(scope="module")
def committed_pg() -> Iterator[tuple[str, Engine]]:
    """A PostgreSQL database of its own, for an app bound to its engine (as in production): the
    shared fixtures' app runs inside a test's transaction, where no read can go without one."""
    url, drop = conftest.create_pg_database("zs_path")
    system.migrate(url)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    drop()


@pytest.mark.postgres_only
def test_reads_on_postgresql_run_without_a_transaction(committed_pg):
    """The project by id and the list, the leads' list and one lead, the tickets' list and one
    ticket send no BEGIN/COMMIT (autocommit), answer as before (the lean reference's test compares
    the projects' byte for byte), and still stamp the token's use, audit a refused read and change
    nothing else; a read not marked, and a write, still run in a transaction."""
    url, engine = committed_pg
    with make_session_factory(engine)() as db:
        unit, other = make_unit(db), make_unit(db)
        project = make_project(db, unit)
        hidden = make_project(db, other)
        lead = make_lead(db, unit)
        ticket = make_ticket(db, unit, make_category(db))
        secret = make_token(db, unit)
        db.commit()
        project_id, hidden_id, lead_id, ticket_id = project.id, hidden.id, lead.id, ticket.id

    statements: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    app = create_app(conftest.test_settings(url), engine=engine)
    try:
        with TestClient(app, base_url="http://testserver") as client:
            marked = {
                f"/api/v1/projects/{project_id}": project_id,
                "/api/v1/projects?limit=50": project_id,
                "/api/v1/leads": lead_id,
                f"/api/v1/leads/{lead_id}": lead_id,
                "/api/v1/tickets/requests": str(ticket_id),
                f"/api/v1/tickets/requests/{ticket_id}": str(ticket_id),
            }
            for path, found in marked.items():
                statements.clear()
                answer = client.get(path, headers=bearer(secret))
                assert answer.status_code == 200, answer.text
                body = answer.json()
                rows = body if isinstance(body, list) else body.get("items", [body])
                assert [r.get("id", r.get("service_request_id")) for r in rows] == [found], path
                assert statements and all(autocommit for _verb, autocommit in statements), (path, statements)
            assert client.get(f"/api/v1/projects/{hidden_id}", headers=bearer(secret)).status_code == 404
            statements.clear()
            assert client.get(f"/api/v1/projects/{project_id}/funds", headers=bearer(secret)).status_code == 200
            assert statements and not any(autocommit for _verb, autocommit in statements)  # not marked
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    with make_session_factory(engine)() as db:
        token = db.execute(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()
        assert token.last_used_at is not None
        denial = db.execute(select(AuditEntry).where(AuditEntry.action == "permission_denied")).scalar_one()
        assert denial.changes == {"path": f"/api/v1/projects/{hidden_id}", "code": "not_found"}
        assert audit.verify_chain(db).ok


@pytest.mark.postgres_only
def test_page_reads_on_postgresql_run_without_a_transaction(committed_pg):
    """The unit's board and the coordinator's list send no BEGIN/COMMIT, and the session's last use is
    still stamped (the one thing a page read writes, after its answer)."""
    url, engine = committed_pg
    with make_session_factory(engine)() as db:
        unit = make_unit(db)
        make_project(db, unit)
        staff = make_user(db, unit)
        db.commit()
        username = staff.username

    statements: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    app = create_app(conftest.test_settings(url), engine=engine)
    try:
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            assert login(client, username, PASSWORD).status_code == 303
            with make_session_factory(engine)() as db:  # as if last used two minutes ago
                db.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=2)))
                db.commit()
            for path in ("/", "/projects?stage=negotiating"):
                statements.clear()
                answer = client.get(path)
                assert answer.status_code == 200, answer.text[:300]
                assert statements and all(autocommit for _verb, autocommit in statements), statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    with make_session_factory(engine)() as db:
        stamped = db.execute(select(UserSession.last_seen_at)).scalar_one()
        assert utcnow() - stamped < timedelta(minutes=1)


def test_sqlite_reads_keep_their_transaction(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    assert reading_bind(make_session_factory(engine)) is None
    engine.dispose()
