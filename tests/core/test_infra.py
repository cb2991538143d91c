"""What every response carries, what a request may weigh, and whether the service is ready."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.config import BASE_DIR, DEFAULT_SECRET, Settings
from app.db import make_engine
from app.main import create_app
from app.models.unit import Unit
from app.models.user import Role
from app.services import system
from tests.conftest import create_sqlite_database, login, make_database, page_csrf
from tests.conftest import test_settings as settings_for
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user

SMALL = 20_000
SMALL_UPLOAD = 80_000


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers.get("content-security-policy")
    assert csp, f"{response.request.url} has no CSP"
    directives = csp_directives(csp)
    assert "'unsafe-inline'" not in directives.get("script-src", directives.get("default-src", []))
    assert "'unsafe-eval'" not in directives.get("script-src", [])
    assert directives["script-src"][0] == "'self'"
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    assert response.headers.get("x-request-id")


# --- headers ---------------------------------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(client, db):
    unit = make_unit(db)
    user = make_user(db, role=Role.coordinator)
    secret = make_token(db, unit)
    db.commit()
    anonymous = [
        client.get("/login"),
        client.get("/"),  # redirect to sign in
        client.get("/healthz"),
        client.get("/readyz"),
        client.get("/static/app.css"),
        client.get("/no-such-page"),
        client.get("/api/v1/units"),  # 401
        client.get("/api/v1/units", headers=bearer(secret)),
        client.post("/login", content=b"x" * 2_000_000, headers={"content-type": "application/x-www-form-urlencoded"}),
    ]
    assert [r.status_code for r in anonymous] == [200, 303, 200, 200, 200, 404, 401, 200, 413]
    login(client, user.username, PASSWORD)
    signed_in = [client.get("/"), client.get("/admin/units"), client.get("/audit")]
    assert [r.status_code for r in signed_in] == [200, 200, 200]
    for response in anonymous + signed_in:
        assert_security_headers(response)


def test_a_crash_is_answered_with_the_error_page_and_the_headers(settings, database, session_factory):
    app = create_app(settings, engine=database[1], session_factory=session_factory)
    boom = APIRouter()

    @boom.get("/boom")
    def _boom() -> None:
        raise RuntimeError("kaboom")

    @boom.get("/api/v1/boom")
    def _api_boom() -> None:
        raise RuntimeError("kaboom")

    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/boom", headers={"X-Request-ID": "crash-request-1"})
        api = client.get("/api/v1/boom")
    assert page.status_code == 500
    assert "服务器内部错误" in page.text and "kaboom" not in page.text
    assert page.headers["x-request-id"] == "crash-request-1"
    assert_security_headers(page)
    assert api.status_code == 500 and api.json()["code"] == "internal_error"
    assert_security_headers(api)


def test_request_id_is_echoed_or_made_up(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123.DEF_456"})
    assert given.headers["x-request-id"] == "abc-123.DEF_456"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["x-request-id"])
    assert client.get("/healthz").headers["x-request-id"] != made.headers["x-request-id"]
    for bad in ("x", "has spaces in it", "a" * 65, "<script>alert(1)</script>"):
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert answered != bad and re.fullmatch(r"[0-9a-f]{16}", answered)


def test_htmx_from_a_cdn_is_allowed_by_the_csp_and_nothing_else_is(settings, database, session_factory):
    custom = settings.model_copy(update={"htmx_url": "https://cdn.example.org/htmx/2.0.11/htmx.min.js"})
    app = create_app(custom, engine=database[1], session_factory=session_factory)
    with TestClient(app) as client:
        directives = csp_directives(client.get("/login").headers["content-security-policy"])
    assert directives["script-src"] == ["'self'", "https://cdn.example.org"]


def test_threads_outnumber_the_database_slots(settings, database, session_factory):
    """Every request holding a database slot can have a thread, with some to spare for the rest."""
    assert (Settings().database_slots, Settings().long_request_slots) == (2, 2)
    custom = settings.model_copy(update={"database_slots": 3, "long_request_slots": 1})
    app = create_app(custom, engine=database[1], session_factory=session_factory)
    with TestClient(app) as client:
        tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
        assert client.get("/healthz").status_code == 200
    assert tokens == 3 + 1 + 8


# --- the body cap --------------------------------------------------------------------------------


def test_default_limits():
    defaults = Settings()
    assert defaults.max_body_bytes == 1_048_576
    assert defaults.max_upload_body_bytes > defaults.max_body_bytes


@pytest.fixture
def small_app(settings: Settings, database, session_factory) -> FastAPI:
    capped = settings.model_copy(update={"max_body_bytes": SMALL, "max_upload_body_bytes": SMALL_UPLOAD})
    return create_app(capped, engine=database[1], session_factory=session_factory)


@pytest.fixture
def small_client(small_app: FastAPI, db) -> Iterator[TestClient]:
    db.commit()
    with TestClient(small_app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def chunks(total: int, size: int = 4096, prefix: bytes = b"") -> Iterator[bytes]:
    yield prefix
    sent = len(prefix)
    while sent < total:
        yield b"a" * size
        sent += size


def test_declared_length_over_the_limit_is_refused_before_reading(small_client):
    response = small_client.post(
        "/login",
        content=b"a=1",
        headers={"content-type": "application/x-www-form-urlencoded", "content-length": str(SMALL + 1)},
    )
    assert response.status_code == 413
    assert "过大" in response.text
    api = small_client.post(
        "/api/v1/units", content=b"{}", headers={"content-type": "application/json", "content-length": str(SMALL + 1)}
    )
    assert api.status_code == 413 and api.json()["code"] == "payload_too_large"


def test_a_streamed_form_over_the_limit_is_refused_and_nothing_is_written(small_client, db):
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    login(small_client, coordinator.username, PASSWORD)
    csrf = page_csrf(small_client, "/admin/units/new")
    prefix = f"csrf_token={csrf}&name=%E8%BF%87%E5%A4%A7%E7%9A%84%E5%8D%95%E4%BD%8D&kind=town&address=".encode()
    request = small_client.build_request(
        "POST",
        "/admin/units/new",
        content=chunks(SMALL * 3, prefix=prefix),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert "content-length" not in request.headers
    response = small_client.send(request)
    assert response.status_code == 413
    assert_security_headers(response)
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Unit).where(Unit.name == "过大的单位")).scalar_one() == 0

    # the same form, small enough, goes through: the cap is what stopped it
    small = small_client.post("/admin/units/new", data={"csrf_token": csrf, "name": "过大的单位", "kind": "town"})
    assert small.status_code == 303, small.text[:300]


def test_a_streamed_json_body_over_the_limit_gets_413_not_400(small_client, db):
    unit = make_unit(db, phone="0731-1")
    secret = make_token(db, unit)
    db.commit()
    request = small_client.build_request(
        "PATCH",
        f"/api/v1/units/{unit.id}/contact",
        content=chunks(SMALL * 2, prefix=b'{"version": 1, "phone": "0731-2", "address": "'),
        headers={"content-type": "application/json", **bearer(secret)},
    )
    assert "content-length" not in request.headers
    response = small_client.send(request)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    db.expire_all()
    assert db.get(Unit, unit.id).phone == "0731-1"


def test_multipart_bodies_get_the_larger_upload_limit(small_client):
    size = SMALL * 2  # over the form limit, under the upload limit
    files = {"photo": ("photo.jpg", b"\xff" * size, "image/jpeg")}
    upload = small_client.post("/login", data={"username": "x"}, files=files)
    assert upload.status_code != 413  # refused for other reasons (no CSRF token), not for its size
    form = {"content-type": "application/x-www-form-urlencoded"}
    plain = small_client.post("/login", content=b"a" * size, headers=form)
    assert plain.status_code == 413

    too_big = {"photo": ("photo.jpg", b"\xff" * (SMALL_UPLOAD + 1), "image/jpeg")}
    assert small_client.post("/login", data={"username": "x"}, files=too_big).status_code == 413

    request = small_client.build_request(
        "POST",
        "/login",
        content=chunks(SMALL_UPLOAD * 2, prefix=b"--xyz\r\n"),
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert small_client.send(request).status_code == 413


# --- health --------------------------------------------------------------------------------------


def test_healthz_and_readyz_at_head(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["revision"] == system.head_revision()


def test_readyz_is_503_while_migrations_are_pending(backend: str, tmp_path: Path):
    url, drop = make_database(backend, tmp_path)
    engine = make_engine(url)
    try:
        app = create_app(settings_for(url), engine=engine)
        with TestClient(app) as client:
            empty = client.get("/readyz")
            assert empty.status_code == 503
            assert empty.json()["status"] == "migrations_pending"
            assert client.get("/healthz").status_code == 200  # alive, just not ready

            system.migrate(url)
            assert client.get("/readyz").status_code == 200
            system.downgrade(url, "base")
            back = client.get("/readyz")
            assert back.status_code == 503 and back.json()["revision"] is None
    finally:
        engine.dispose()
        drop()


def test_readyz_is_503_when_the_database_is_unreachable():
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2"
    app = create_app(settings_for(url))
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


# --- SQLite settings ------------------------------------------------------------------------------


def test_sqlite_connections_use_wal_full_sync_and_foreign_keys(tmp_path: Path):
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    app = create_app(settings_for(url))
    engine = app.state.engine
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() >= 5000
        # foreign keys are really enforced
        with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO unit (name, short_name, kind, head_name, phone, address, sort_order, is_active, "
                    "version, parent_id) VALUES ('孤儿', '', 'town', '', '', '', 0, 1, 1, 99999)"
                )
            )
    finally:
        engine.dispose()


# --- production refuses unsafe settings -----------------------------------------------------------

GOOD_SECRET = "a-production-secret-of-sufficient-length-0123456789"


def production(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "app_env": "production",
        "secret_key": GOOD_SECRET,
        "mfa_required_for_privileged": True,
    }
    values.update(overrides)
    return settings_for(url, **values)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"secret_key": DEFAULT_SECRET}, "SECRET_KEY"),
        ({"secret_key": "short-secret"}, "SECRET_KEY"),
        ({"mfa_required_for_privileged": False}, "MFA"),
    ],
)
def test_production_refuses_unsafe_settings(database, overrides, problem):
    with pytest.raises(RuntimeError, match=problem):
        create_app(production(database[0], **overrides), engine=database[1])


def test_production_turns_mfa_on_unless_told_otherwise():
    assert Settings(app_env="production", secret_key=GOOD_SECRET).mfa_required_for_privileged
    assert Settings(app_env="production", secret_key=GOOD_SECRET).production_problems() == []


def test_production_refuses_to_start_while_demo_accounts_exist(database, session_factory, db):
    make_user(db, is_demo=True)
    db.commit()
    app = create_app(production(database[0]), engine=database[1], session_factory=session_factory)
    with pytest.raises(RuntimeError, match="demo"), TestClient(app):
        pass


def test_production_with_safe_settings_starts(database, session_factory, db):
    make_user(db)
    db.commit()
    app = create_app(production(database[0]), engine=database[1], session_factory=session_factory)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200


def _run(args: list[str], url: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(BASE_DIR), **env}
    return subprocess.run(args, cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=60)


def test_the_server_exits_instead_of_serving_with_unsafe_production_settings(tmp_path: Path):
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    unsafe = {"APP_ENV": "production", "SECRET_KEY": DEFAULT_SECRET}

    served = _run([sys.executable, "-m", "app", "serve", "--port", "0"], url, **unsafe)
    assert served.returncode != 0
    assert "SECRET_KEY" in served.stderr

    # started directly by uvicorn as well: a failed startup, not a server answering 500s
    uvicorn = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", "0"]
    direct = _run(uvicorn, url, **unsafe)
    assert direct.returncode != 0
    assert "SECRET_KEY" in direct.stderr

    demo = _run([sys.executable, "-m", "app", "demo-data"], url, APP_ENV="production", SECRET_KEY=GOOD_SECRET)
    assert demo.returncode == 2 and "生产模式" in demo.stderr


def test_production_refuses_to_start_on_a_database_it_cannot_check(tmp_path: Path):
    url = create_sqlite_database(tmp_path)  # never migrated
    engine = make_engine(url)
    try:
        app = create_app(production(url), engine=engine)
        with pytest.raises(RuntimeError, match="migrate"), TestClient(app):
            pass
    finally:
        engine.dispose()


def test_every_pooled_connection_busy_is_503_not_500(backend: str, tmp_path: Path):
    """A request that cannot get a connection in time is told to retry (503), like a busy database."""
    url, drop = make_database(backend, tmp_path)
    system.migrate(url)
    engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        from app.db import make_session_factory

        with make_session_factory(engine)() as setup:
            secret = make_token(setup, unit=None, read_only=True)
            setup.commit()
        app = create_app(settings_for(url), engine=engine)
        with TestClient(app) as client:
            assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 200
            held = engine.connect()  # the only connection
            try:
                busy = client.get("/api/v1/units", headers=bearer(secret))
            finally:
                held.close()
            assert busy.status_code == 503
            assert busy.json()["code"] == "busy"
            assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 200
    finally:
        engine.dispose()
        drop()
