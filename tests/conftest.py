"""Test fixtures: every data-layer test runs on SQLite and on PostgreSQL.

Each backend's database is created and migrated once per session (per xdist worker) with
Alembic, never with create_all. Each test runs inside a transaction that is rolled back; the
app's request sessions join it through savepoints, so a request's commit behaves as in
production while nothing leaks into the next test.

Under CI=true PostgreSQL and Chromium are mandatory: a missing one fails, never skips.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.services import system

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pg_available() -> str | None:
    """None if PostgreSQL answers, else why not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"


def require_postgres() -> None:
    why = pg_available()
    if why:
        if CI:
            pytest.fail(f"{why} (mandatory under CI)")
        pytest.skip(why)


def create_pg_database(prefix: str = "zs_test") -> tuple[str, Any]:
    """A fresh PostgreSQL database; returns its URL and a function that drops it."""
    require_postgres()
    name = f"{prefix}_{_worker()}_{secrets.token_hex(4)}".lower()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def create_sqlite_database(tmp: Path) -> str:
    return f"sqlite:///{tmp / f'test-{secrets.token_hex(4)}.db'}"


def make_database(backend: str, tmp: Path) -> tuple[str, Any]:
    if backend == "postgresql":
        return create_pg_database()
    return create_sqlite_database(tmp), lambda: None


def test_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "test",
        "database_url": url,
        "secret_key": "test-secret-key-with-enough-length-0123456789",
        "mfa_required_for_privileged": False,
        "throttle_per_address": 1000,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def session_tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="zs-tests-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def _databases(session_tmp: Path) -> Iterator[dict[str, tuple[str, Engine]]]:
    created: dict[str, tuple[str, Engine]] = {}
    drops: list[Any] = []

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> tuple[str, Engine]:
            url, drop = make_database(key, session_tmp)
            system.migrate(url)
            drops.append(drop)
            engine = make_engine(url)
            self[key] = (url, engine)
            return self[key]

    lazy = Lazy()
    yield lazy
    for _url, engine in lazy.values():
        engine.dispose()
    for drop in drops:
        drop()
    del created


@pytest.fixture
def database(backend: str, _databases: dict[str, tuple[str, Engine]]) -> tuple[str, Engine]:
    """(url, engine) of the migrated database for this test's backend."""
    return _databases[backend]


@pytest.fixture
def connection(database: tuple[str, Engine]) -> Iterator[Connection]:
    _url, engine = database
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> Any:
    return make_session_factory(connection, join_transaction_mode="create_savepoint")  # type: ignore[arg-type]


@pytest.fixture
def db(session_factory: Any) -> Iterator[Session]:
    """A session inside the test's transaction, for factories and assertions."""
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def settings(database: tuple[str, Engine]) -> Settings:
    return test_settings(database[0])


@pytest.fixture
def app(settings: Settings, database: tuple[str, Engine], session_factory: Any) -> FastAPI:
    return create_app(settings, engine=database[1], session_factory=session_factory)


@pytest.fixture
def client(app: FastAPI, db: Session) -> Iterator[TestClient]:
    db.commit()  # make factory data visible to the app's sessions (savepoint release)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


# --- helpers ---------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> Any:
    """Sign in through the login form, as a browser would; returns the POST response."""
    page = client.get("/login")
    token = csrf_from(page.text)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password, "next": "/"})


def page_csrf(client: TestClient, path: str = "/account") -> str:
    """The CSRF token of the signed-in session (read from a page, as a browser would)."""
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return csrf_from(response.text)


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """Real argon2id, with small cost parameters: sign-in tests stay fast and still verify real hashes."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from app.services import security

    original = security._hasher
    security._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    security._DUMMY_HASH = security._hasher.hash("timing-equaliser-not-a-password")
    try:
        yield
    finally:
        security._hasher = original
