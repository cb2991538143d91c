"""Engine and sessions. One transaction per request: commit on success, roll back on error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            from pathlib import Path

            Path(database).parent.mkdir(parents=True, exist_ok=True)
        if database and database != ":memory:":  # an in-memory database has a single-connection pool
            kwargs.setdefault("pool_size", 10)
            kwargs.setdefault("max_overflow", 30)  # as many as the thread pool's 40 threads: no pool timeouts
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # No pre-ping: it costs a round trip on every checkout. A connection the server dropped fails
    # its request once (503, "busy") and SQLAlchemy then replaces every pooled connection.
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, pool_recycle=3600, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, synchronous=FULL, foreign keys on; writers take the lock at BEGIN.

    pysqlite's own transaction handling is switched off so that SQLAlchemy emits BEGIN itself
    (the documented recipe): a session that will write asks for BEGIN IMMEDIATE, so two writers
    queue on busy_timeout instead of failing when one upgrades its read lock.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine, **kwargs: Any) -> sessionmaker[Session]:
    import app.services.audit  # noqa: F401  (registers the audit listener on every Session)

    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, **kwargs)


def begin_write(session: Session) -> None:
    """Open the session's transaction as a writer (BEGIN IMMEDIATE on SQLite; no-op elsewhere)."""
    bind = session.get_bind()
    if is_sqlite(bind.engine) and not session.in_transaction():
        session.connection(execution_options={"sqlite_immediate": True})


def session_scope(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    session = factory()
    try:
        if write:
            begin_write(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def engine_from_settings(settings: Settings) -> Engine:
    return make_engine(settings.effective_database_url)
