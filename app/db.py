"""Engine and sessions. One transaction per request: committed when the request succeeds, rolled
back when it fails or is refused (any answer with status >= 400, see `end_request`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from app.config import Settings

log = logging.getLogger("app.db")

BUSY_TIMEOUT_MS = 30_000
AFTER_COMMIT = "after_commit"
REFUSED = "refused"


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
    cache_long_statements()
    return create_engine(url, pool_recycle=3600, **kwargs)


def cache_long_statements(length: int = 16384, parameters: int = 128) -> None:
    """Let psycopg keep its conversion of statements up to `length` bytes and `parameters` parameters.

    psycopg turns a statement's `%(name)s` placeholders into PostgreSQL's `$n` by a regular
    expression on every execution, and caches the result (128 statements, by their text) only for
    statements under 4,096 bytes and 50 parameters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH and
    _PARAMS: a guard against keeping ever-different bulk INSERTs of megabytes). The unit's board's two
    statements are 10 KB with 55 parameters (most of them constants: stages, statuses, setting keys)
    and 11 KB with 18, the same text on every request: converting them cost 0.7-1.4 ms each, per
    request. With these bounds the cache holds a few MB at the worst."""
    try:
        from psycopg import _queries
    except ImportError:  # pragma: no cover - SQLite only
        return
    if getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", length) < length:
        _queries.MAX_CACHED_STATEMENT_LENGTH = length
    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", parameters) < parameters:
        _queries.MAX_CACHED_STATEMENT_PARAMS = parameters


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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if not options.get("sqlite_immediate", False):
            connection.exec_driver_sql("BEGIN")
            return
        wait = options.get("sqlite_busy_ms")  # a shorter wait for the write lock, for bookkeeping
        if wait is None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait)}")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def make_session_factory(engine: Engine, **kwargs: Any) -> sessionmaker[Session]:
    import app.services.audit  # noqa: F401  (registers the audit listener on every Session)

    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, **kwargs)


def reading_bind(factory: Any) -> Engine | None:
    """The engine for sessions that only read without a transaction (app.routing.reads_only):
    the session factory's own engine in autocommit mode, sharing its pool; None where reads keep
    their transaction (SQLite, and a factory bound to a connection, as in the tests' rolled-back
    transactions)."""
    kw = getattr(factory, "kw", None)
    bind = kw.get("bind") if isinstance(kw, dict) else None
    if not isinstance(bind, Engine) or is_sqlite(bind):
        return None
    return bind.execution_options(isolation_level="AUTOCOMMIT")


def begin_write(session: Session, *, busy_ms: int | None = None) -> None:
    """Open the session's transaction as a writer (BEGIN IMMEDIATE on SQLite; no-op elsewhere).

    `busy_ms` waits that long at most for SQLite's write lock (instead of 30 s)."""
    bind = session.get_bind()
    if is_sqlite(bind.engine) and not session.in_transaction():
        options: dict[str, Any] = {"sqlite_immediate": True}
        if busy_ms is not None:
            options["sqlite_busy_ms"] = busy_ms
        session.connection(execution_options=options)


# --- the request's session -------------------------------------------------------------------

request_session: ContextVar[Session | None] = ContextVar("request_session", default=None)
"""The session of the request being handled (set by app.deps.get_db), so that a synchronous
endpoint's worker thread can commit it before it returns (see app.routing)."""


def after_commit(session: Session, work: Callable[[Session], None]) -> None:
    """Run `work` in a short transaction of its own once the request has committed.

    For bookkeeping that must never hold a lock for the rest of a request nor turn SQLite's read
    transaction into a write (a session's last-seen time, a token's last use). Best effort: if the
    database is busy it is skipped, and the next request does it."""
    session.info.setdefault(AFTER_COMMIT, []).append(work)


def commit_request(session: Session) -> None:
    """Commit the request's transaction, then run its after-commit bookkeeping."""
    send_with_commit(session)
    _run_bookkeeping(session)


# --- what the commit still writes, sent with the COMMIT (PostgreSQL) ---------------------------

_SENDING = "send_with_commit"
_QUEUED = "sent_with_commit"


def send_with_commit(session: Session) -> None:
    """Commit the session's transaction. On PostgreSQL, the statements the commit itself still
    writes and queues with `queue_for_commit` (the audit's entries: app.services.audit) go to the
    server in one simple query with the COMMIT: one round trip instead of two, and the audit
    chain's lock, taken by the first of them, is held only while the server runs them and commits,
    never while this process waits for the answer and its turn to send the COMMIT.

    Nothing else changes: the statements run in the transaction, in the order queued, before its
    COMMIT; if one fails, the rest and the COMMIT do not run and the transaction is rolled back
    (the error is raised from the commit, as a failed COMMIT's would be). Where the commit is not
    the transaction's end on the server (SQLite, a savepoint, a session joined to a transaction
    its caller began, as in the tests' rolled-back transactions) nothing is queued and the
    statements are sent as before, each at once."""
    session.info[_SENDING] = True
    try:
        session.commit()
    finally:
        session.info.pop(_SENDING, None)


def queue_for_commit(session: Session, connection: Connection, statements: str) -> bool:
    """Queue `statements` (SQL text, values inlined as literals, no parameters) to be sent with the
    COMMIT that `send_with_commit` is making of this session's transaction on `connection`. False
    when there is no such COMMIT to come: the caller then sends them itself, at once."""
    if not session.info.get(_SENDING) or connection.dialect.name != "postgresql":
        return False
    if session.in_nested_transaction() or connection.in_nested_transaction() or not connection.in_transaction():
        return False
    if not isinstance(session.get_bind(), Engine):  # joined to a transaction the caller commits or not
        return False
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return False
    connection.info.setdefault(_QUEUED, []).append(statements)
    return True


@event.listens_for(Engine, "commit")
def _commit_with_queued(connection: Connection) -> None:
    """The COMMIT with what was queued before it, in one simple query; psycopg then finds the
    transaction ended and sends no COMMIT of its own."""
    queued = connection.info.pop(_QUEUED, None)
    if queued:
        connection.exec_driver_sql(";\n".join([*queued, "COMMIT"]), execution_options={"no_parameters": True}).close()


@event.listens_for(Engine, "rollback")
def _drop_queued(connection: Connection) -> None:
    connection.info.pop(_QUEUED, None)


def _run_bookkeeping(session: Session) -> None:
    for work in session.info.pop(AFTER_COMMIT, []):
        try:
            begin_write(session, busy_ms=200)
            work(session)
            session.commit()
        except OperationalError as exc:
            session.rollback()
            log.info("bookkeeping skipped, database busy: %s", exc)


def mark_refused(session: Session, status_code: int) -> None:
    """Record the status of the request's answer: one >= 400 means the request was refused."""
    if status_code >= 400:
        session.info[REFUSED] = True


def end_request(session: Session) -> None:
    """End the request's transaction: the one rule for every route, pages and API alike.

    A request whose answer was refused (status >= 400, whether raised as an error or returned as a
    page showing a form again with its errors) changes nothing: whatever it flushed is rolled back.
    Otherwise it is committed. The after-commit bookkeeping (a session's last use) runs either way.
    What a refusal must leave behind (a failed sign-in, a lockout) is committed beforehand with
    `commit_refusal_record`; a permission denial is audited in a session of its own (app.main).
    """
    if session.info.pop(REFUSED, False):
        session.rollback()
        _run_bookkeeping(session)
    else:
        commit_request(session)


def commit_refusal_record(session: Session) -> None:
    """Commit now what the request wrote so far: the record of a refusal that must outlive the
    refusal's rollback (failed sign-ins, lockouts, their audit entries, the address throttle).

    For a request that has written nothing else before (a sign-in attempt): what follows runs in
    a new transaction, rolled back with the refusal."""
    session.commit()


def within_transaction(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    """Whether `transaction` is `outer` or nested inside it (a savepoint of it): what a rollback of
    `outer` undoes."""
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def has_pending_work(session: Session) -> bool:
    """Whether ending this session still needs the database (else closing it does no I/O)."""
    return bool(
        session.in_transaction() or session.new or session.dirty or session.deleted or session.info.get(AFTER_COMMIT)
    )


def session_scope(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    session = factory()
    try:
        if write:
            begin_write(session)
        yield session
        commit_request(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def assign_ids(session: Session, rows: Sequence[Any]) -> None:
    """New rows of one table, not yet flushed, given their ids from the table's sequence first, in
    their order (PostgreSQL, one query; elsewhere nothing), and the Python defaults of the columns
    that also have a server default (created_at, updated_at, version). The ORM then needs nothing
    back from the INSERT and writes them by executemany, which psycopg sends as one pipeline with
    its statement converted once, instead of multi-row INSERT … RETURNING statements whose thousand
    placeholders psycopg parses anew for each page (more than half of a ten-thousand-row import's
    INSERT time). The ids are those the INSERTs would have drawn from the same sequence, in the
    same order; the defaults the values the INSERT would have given (the rows' time taken once)."""
    if len(rows) < 2 or session.get_bind().dialect.name != "postgresql":
        return
    table = type(rows[0]).__table__
    with session.no_autoflush:  # rows already added stay unwritten until they have their ids
        drawn = session.execute(_DRAW_IDS, {"table": table.name, "n": len(rows)}).scalars().all()
    defaults = _insert_defaults(table)
    for row, new_id in zip(rows, sorted(drawn), strict=True):
        row.id = new_id
        for key, value in defaults:
            if getattr(row, key) is None:
                setattr(row, key, value)


def _insert_defaults(table: Any) -> list[tuple[str, Any]]:
    """(attribute, value) of the columns with both a server default and a Python one."""
    found = []
    for column in table.columns:
        default = column.default
        if column.primary_key or column.server_default is None or default is None:
            continue
        if default.is_scalar:
            found.append((column.key, default.arg))
        elif default.is_callable:
            found.append((column.key, default.arg(None)))  # (SQLAlchemy's wrapper: the context is unused)
    return found


_DRAW_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")


def engine_from_settings(settings: Settings) -> Engine:
    return make_engine(settings.effective_database_url)
