"""The audit trail: every change to an audited table, appended in the same transaction.

Entries are hash-chained: each entry's hash covers its own fields and the hash before it, and
`seq` runs 1, 2, 3 … without gaps, so an edited, deleted or reordered entry breaks the chain
at that point. The latest digest (`seq:hash`) can be kept outside the database; verifying
against it later proves the chain still extends what was seen then.

Appending takes the chain's lock (PostgreSQL: an advisory lock, held until the transaction
ends; SQLite: the write lock writers hold anyway). So that concurrent writers queue on it only
for a moment, an entry is made when its change is flushed (who, when, before and after, why)
but joins the chain just before the transaction commits, in the same transaction: the lock,
the chain's head, the INSERT, then the COMMIT. Until then it is kept with the session. A
rolled-back savepoint or transaction drops the entries of what it undid; a query of the trail
in the same transaction, and a transaction that collects many entries (an import), append what
they have at once.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, partial
from typing import Any

from psycopg import sql as pg_sql
from sqlalchemy import Connection, TextClause, delete, event, func, insert, inspect, select, text
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

from app.db import queue_for_commit, within_transaction
from app.models.audit import AuditAnchor, AuditEntry
from app.models.base import Base, utcnow
from app.principal import Principal

GENESIS_HASH = "0" * 64
MIN_RETENTION_DAYS = 185
_PG_AUDIT_LOCK = 7_262_001
WRITE_PAGE = 500
"""Entries per INSERT; a transaction that has collected this many appends them without waiting
for its commit (so an import of ten thousand rows never keeps them all in memory)."""

# built once: every write uses them
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_LAST_ENTRY = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_LAST_ANCHOR = select(AuditAnchor.seq, AuditAnchor.hash).order_by(AuditAnchor.id.desc()).limit(1)
_INSERT = insert(AuditEntry)
_TRAIL = AuditEntry.__tablename__


def _json_value(value: Any) -> Any:
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:  # the usual cases first
        return value
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def entry_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_HASHED_COLUMNS = (
    "seq",
    "at",
    "actor_user_id",
    "actor_token_id",
    "actor_label",
    "unit_id",
    "request_id",
    "client_addr",
    "action",
    "entity",
    "entity_id",
    "changes",
    "reason",
    "prev_hash",
)


def _hashed_fields(entry: dict[str, Any]) -> dict[str, Any]:
    at = entry["at"]
    return {
        "seq": entry["seq"],
        "at": at.isoformat() if isinstance(at, datetime) else at,
        "actor_user_id": entry["actor_user_id"],
        "actor_token_id": entry["actor_token_id"],
        "actor_label": entry["actor_label"],
        "unit_id": entry["unit_id"],
        "request_id": entry["request_id"],
        "client_addr": entry["client_addr"],
        "action": entry["action"],
        "entity": entry["entity"],
        "entity_id": entry["entity_id"],
        "changes": entry["changes"],
        "reason": entry["reason"],
        "prev_hash": entry["prev_hash"],
    }


def _principal_of(session: Session) -> Principal | None:
    return session.info.get("principal")


_Row = tuple[str, str, str, dict[str, Any], str]  # action, entity, entity id, changes (JSON-ready), reason


def append(
    session: Session,
    action: str,
    *,
    entity: str = "",
    entity_id: Any = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    principal: Principal | None = None,
) -> None:
    """Append one entry (used for events that are not row changes: sign-ins, denials, exports)."""
    _collect(session, [(action, entity, str(entity_id), _json_value(changes or {}), reason)], principal)


# --- entries waiting for the commit ----------------------------------------------------------


class _Pending:
    """A session's entries not yet in the chain, each with the savepoint it was made in (None: none).

    `written` keeps the entries appended before the commit from inside a savepoint: if that
    savepoint is rolled back, the ones made outside it are appended again."""

    __slots__ = ("committing", "entries", "written")

    def __init__(self) -> None:
        self.entries: list[tuple[SessionTransaction | None, dict[str, Any]]] = []
        self.written: list[tuple[SessionTransaction, SessionTransaction | None, dict[str, Any]]] = []
        self.committing = False


_PENDING = "audit_pending"


def _pending(session: Session) -> _Pending:
    state: _Pending | None = session.info.get(_PENDING)
    if state is None:
        state = session.info[_PENDING] = _Pending()
    return state


def _collect(session: Session, rows: Iterable[_Row], principal: Principal | None = None) -> None:
    """Make the entries: who and when now, their place in the chain when they are appended."""
    principal = principal or _principal_of(session)
    state = _pending(session)
    savepoint = session.get_nested_transaction()
    actor: dict[str, Any] = {
        "at": utcnow(),
        "actor_user_id": principal.user_id if principal else None,
        "actor_token_id": principal.token_id if principal else None,
        # cut to the column widths: a long label must not make the change itself fail
        "actor_label": (principal.label if principal else "system")[:100],
        "unit_id": principal.unit_id if principal else None,
        "request_id": (principal.request_id if principal else "")[:64],
        "client_addr": (principal.client_addr if principal else "")[:64],
    }
    entries = state.entries
    for action, entity, entity_id, changes, reason_text in rows:
        entry = actor.copy()
        entry["action"] = action[:40]
        entry["entity"] = entity[:40]
        entry["entity_id"] = entity_id[:40]
        entry["changes"] = changes
        entry["reason"] = reason_text or ""
        entries.append((savepoint, entry))
        if len(entries) >= WRITE_PAGE:
            _write_pending(session, state)
            entries = state.entries
    if state.committing:
        _write_pending(session, state, with_commit=True)


def _write_pending(session: Session, state: _Pending | None = None, *, with_commit: bool = False) -> None:
    """Append the waiting entries to the chain; `with_commit`: the transaction is being committed,
    so that on PostgreSQL a few entries may go to the server with its COMMIT (app.db.send_with_commit)."""
    state = state or session.info.get(_PENDING)
    if state is None or not state.entries:
        return
    pending, state.entries = state.entries, []
    _write(session, [entry for _, entry in pending], with_commit=with_commit)
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        state.written.extend((savepoint, made_in, entry) for made_in, entry in pending)


def _write(session: Session, entries: list[dict[str, Any]], *, with_commit: bool = False) -> None:
    """Put the entries at the head of the chain, under the chain's lock."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if len(entries) <= ONE_GO_ENTRIES:
            statements = _in_one_go(connection, entries)
            if not (with_commit and queue_for_commit(session, connection, statements)):
                _send(connection, statements)
            return
        connection.execute(_LOCK, {"k": _PG_AUDIT_LOCK})
    last = connection.execute(_LAST_ENTRY).first()
    if last is None:
        anchor = connection.execute(_LAST_ANCHOR).first()
        seq, prev_hash = (anchor.seq, anchor.hash) if anchor else (0, GENESIS_HASH)
    else:
        seq, prev_hash = last.seq, last.hash
    for start in range(0, len(entries), WRITE_PAGE):
        page = entries[start : start + WRITE_PAGE]
        for entry in page:
            seq += 1
            entry.pop("hash", None)  # (appended again after a rolled-back savepoint)
            entry["seq"] = seq
            entry["prev_hash"] = prev_hash
            at = entry["at"]
            entry["at"] = at.isoformat()  # the entry now holds exactly the hashed fields
            entry["hash"] = prev_hash = entry_hash(entry)
            entry["at"] = at
        connection.execute(_INSERT, page)


# PostgreSQL, a request's few entries at its commit: the lock and the INSERTs go in one round
# trip (one simple query of several statements: each INSERT reads the chain's head after the
# lock is granted, and the server computes the hash), so that the lock is held for that and the
# COMMIT only, never while this process waits for its turn to run Python. When the request's
# commit is made by app.db.send_with_commit, that query also carries the COMMIT itself: the lock
# is then released in the same round trip that took it. The values are sent as literals quoted
# by psycopg. More entries go the other way (each INSERT here is planned anew).
ONE_GO_ENTRIES = 3
_PG_HEAD = (
    "SELECT seq, hash FROM ("
    "(SELECT seq, hash, 1 AS p FROM audit_entry ORDER BY seq DESC LIMIT 1)"
    " UNION ALL (SELECT seq, hash, 2 FROM audit_anchor ORDER BY id DESC LIMIT 1)"
    f" UNION ALL SELECT 0, '{GENESIS_HASH}', 3"
    ") AS head ORDER BY p LIMIT 1"
)
_PG_APPEND = pg_sql.SQL(
    "INSERT INTO audit_entry (seq, at, actor_user_id, actor_token_id, actor_label, unit_id, request_id, client_addr,"
    " action, entity, entity_id, changes, reason, prev_hash, hash)"
    " SELECT h.seq + 1, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}::json, {}, h.hash,"
    " encode(sha256(convert_to({} || h.hash || {} || (h.seq + 1)::text || {}, 'UTF8')), 'hex')"
    f" FROM ({_PG_HEAD}) AS h"
)
_PG_LOCK_NOW = f"SELECT pg_advisory_xact_lock({_PG_AUDIT_LOCK})"
_canonical = partial(json.dumps, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_parts(entry: dict[str, Any]) -> tuple[str, str, str]:
    """The entry's canonical JSON (see entry_hash) around its prev_hash and its seq:
    canonical = before + prev_hash + between + str(seq) + after."""
    fields = {key: entry[key] for key in _HASHED_COLUMNS if key < "prev_hash"}  # sorted: these come first
    fields["at"] = entry["at"].isoformat()
    before = _canonical(fields)[:-1] + ',"prev_hash":"'
    between = f'","reason":{_canonical(entry["reason"])},"request_id":{_canonical(entry["request_id"])},"seq":'
    after = f',"unit_id":{_canonical(entry["unit_id"])}}}'
    return before, between, after


def _write_in_one_go(connection: Connection, entries: list[dict[str, Any]]) -> None:
    _send(connection, _in_one_go(connection, entries))


def _send(connection: Connection, statements: str) -> None:
    connection.exec_driver_sql(statements, execution_options={"no_parameters": True}).close()


def _in_one_go(connection: Connection, entries: list[dict[str, Any]]) -> str:
    """The chain's lock and the entries' INSERTs, as one simple query's text."""
    driver = connection.connection.driver_connection
    statements = [_PG_LOCK_NOW]
    for entry in entries:
        values = (
            entry["at"],
            entry["actor_user_id"],
            entry["actor_token_id"],
            entry["actor_label"],
            entry["unit_id"],
            entry["request_id"],
            entry["client_addr"],
            entry["action"],
            entry["entity"],
            entry["entity_id"],
            json.dumps(entry["changes"]),
            entry["reason"],
            *canonical_parts(entry),
        )
        statements.append(_PG_APPEND.format(*map(pg_sql.Literal, values)).as_string(driver))
    return ";\n".join(statements)


@event.listens_for(Session, "before_commit")
def _append_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # releasing a savepoint: its entries wait for the transaction's commit
    state = _pending(session)
    state.committing = True  # what the commit itself still flushes is appended at once
    session.flush()
    _write_pending(session, state, with_commit=True)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    state: _Pending | None = session.info.get(_PENDING)
    if state is None:
        return
    undone = previous_transaction  # the savepoint or transaction the database rolled back
    while undone.parent is not None and not undone.nested:
        undone = undone.parent
    if undone.parent is None:
        session.info.pop(_PENDING, None)
        return
    again = [(made_in, entry) for where, made_in, entry in state.written if within_transaction(where, undone)]
    state.written = [item for item in state.written if not within_transaction(item[0], undone)]
    state.entries = [item for item in again + state.entries if not within_transaction(item[0], undone)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _append_before_reading(execute_state: ORMExecuteState) -> None:
    """A query of the trail sees the entries of this transaction's changes, as it always did."""
    state: _Pending | None = execute_state.session.info.get(_PENDING)
    if state is not None and state.entries and _reads_trail(execute_state.statement):
        _write_pending(execute_state.session, state)


def _reads_trail(statement: Any) -> bool:
    if isinstance(statement, TextClause):
        return _TRAIL in statement.text
    return any(getattr(table, "name", None) == _TRAIL for table in find_tables(statement, include_crud=True))


@contextmanager
def reason(session: Session, text_: str) -> Iterator[None]:
    """Attach a reason to every audited change flushed inside the block."""
    previous = session.info.get("audit_reason")
    session.info["audit_reason"] = text_
    try:
        session.flush()  # changes made before the block keep their own reason
        yield
        session.flush()
    finally:
        session.info["audit_reason"] = previous


# --- what changed ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Audited:
    """An audited class: what its entries record (computed once per class)."""

    entity: str
    columns: tuple[str, ...]  # the recorded columns, in the table's order
    excluded: frozenset[str]  # secrets (info=SECRET): recorded only as changed (***), never their values
    primary_key: tuple[str, ...]
    versioned: bool


_AUDITED: dict[type, _Audited | None] = {}


def _audited(cls: Any) -> _Audited | None:
    try:
        return _AUDITED[cls]
    except KeyError:
        pass
    found = None
    if getattr(cls, "__audited__", False):
        mapper: Mapper[Any] = inspect(cls)
        excluded = _secret_keys(mapper)
        columns = tuple(
            attr.key
            for attr in mapper.column_attrs
            if attr.key not in excluded and attr.key not in ("created_at", "updated_at")
        )
        primary_key = tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
        found = _Audited(str(cls.__tablename__), columns, excluded, primary_key, hasattr(cls, "version"))
    _AUDITED[cls] = found
    return found


def _secret_keys(mapper: Mapper[Any]) -> frozenset[str]:
    return frozenset(
        attr.key for attr in mapper.column_attrs if any(column.info.get("secret") for column in attr.columns)
    )


SECRET_MASK = "***"


@cache
def secret_fields() -> dict[str, frozenset[str]]:
    """Entity (table name) -> its fields marked `info=SECRET` (app.models.base.SECRET): the one list
    of what the trail never records, and what reading it masks in entries written before."""

    found: dict[str, frozenset[str]] = {}
    for mapper in Base.registry.mappers:
        keys = _secret_keys(mapper)
        table = getattr(mapper.class_, "__tablename__", None)
        if keys and table:
            found[str(table)] = keys | found.get(str(table), frozenset())
    return found


def masked_changes(entity: str, changes: Any) -> Any:
    """An entry's changes as they may be shown: the values of secret fields replaced by ***."""
    secret = secret_fields().get(entity)
    if not secret or not isinstance(changes, dict) or not secret & changes.keys():
        return changes
    shown = dict(changes)
    for key in secret & changes.keys():
        value = changes[key]
        if isinstance(value, list):
            shown[key] = [None if v is None else SECRET_MASK for v in value]
        elif value is not None:
            shown[key] = SECRET_MASK
    return shown


def _column_changes(obj: Any, mode: str, audited: _Audited | None = None) -> dict[str, list[Any]]:
    audited = audited or _audited(type(obj))
    assert audited is not None
    state = inspect(obj)
    values = state.dict
    changes: dict[str, list[Any]] = {}
    if mode == "create":  # (thousands at once in an import: one comprehension)
        get = values.get
        return {key: [None, _json_value(value)] for key in audited.columns if (value := get(key)) is not None}
    elif mode == "delete":
        for key in audited.columns:
            changes[key] = [_json_value(values.get(key)), None]
    else:
        committed = state.committed_state  # only attributes with an original value kept can have changed
        for key in audited.columns:
            if key not in committed:
                continue
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            changes[key] = [_json_value(before), _json_value(after)]
        for key in audited.excluded:
            if key in committed and state.attrs[key].history.has_changes():
                changes[key] = [SECRET_MASK, SECRET_MASK]
    return changes


def _entity_id(obj: Any, audited: _Audited | None = None) -> str:
    # during after_flush a new object has its primary key but not yet its identity key
    state = inspect(obj)
    identity = state.identity
    if identity is None:
        audited = audited or _audited(type(obj))
        values = state.dict
        if audited is not None and all(values.get(key) is not None for key in audited.primary_key):
            identity = tuple(values[key] for key in audited.primary_key)
        else:
            identity = state.mapper.primary_key_from_instance(obj)
    return "/".join(str(v) for v in identity if v is not None)


def _flushed_rows(session: Session) -> Iterator[_Row]:
    reason_text = session.info.get("audit_reason") or ""
    for obj in session.new:
        audited = _audited(type(obj))
        if audited is not None:
            changes = _column_changes(obj, "create", audited)
            yield "create", audited.entity, _entity_id(obj, audited), changes, reason_text
    for obj in session.dirty:
        audited = _audited(type(obj))
        if audited is not None:
            changes = _column_changes(obj, "update", audited)
            if audited.versioned and "version" not in changes:
                changes["version"] = [obj.version - 1, obj.version]
            if set(changes) - {"version"}:
                yield "update", audited.entity, _entity_id(obj, audited), changes, reason_text
    for obj in session.deleted:
        audited = _audited(type(obj))
        if audited is not None:
            changes = _column_changes(obj, "delete", audited)
            yield "delete", audited.entity, _entity_id(obj, audited), changes, reason_text


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _flush_context: Any) -> None:
    if session.info.get("audit_disabled"):
        return
    _collect(session, _flushed_rows(session))


# --- reading and verifying ------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str = ""

    @property
    def digest(self) -> str:
        return f"{self.head_seq}:{self.head_hash}"


def verify_chain(session: Session, since_digest: str | None = None) -> VerifyResult:
    """Walk the chain from its start (or the pruning anchor) and report the first broken entry."""
    # read the stored rows themselves (Core rows, not ORM objects): an entry already loaded in
    # this session's identity map must not hide what is in the table now
    anchor = session.execute(select(AuditAnchor.seq, AuditAnchor.hash).order_by(AuditAnchor.id.desc()).limit(1)).first()
    expected_seq, prev_hash = (anchor.seq + 1, anchor.hash) if anchor else (1, GENESIS_HASH)
    since_seq: int | None = None
    since_hash = ""
    if since_digest:
        try:
            since_part, since_hash = since_digest.strip().split(":", 1)
            since_seq = int(since_part)
        except ValueError:
            return VerifyResult(False, 0, 0, "", None, "摘要格式应为 序号:哈希")
    checked = 0
    since_seen = since_seq is None
    if since_seq is not None and anchor is not None and since_seq <= anchor.seq:
        # the digest's entry was pruned: the anchor is all that is left to compare against
        if since_seq == anchor.seq and anchor.hash != since_hash:
            return VerifyResult(False, 0, anchor.seq, anchor.hash, anchor.seq, "与先前导出的摘要不一致")
        since_seen = True
    table = AuditEntry.__table__
    rows = session.execute(select(table).order_by(table.c.seq).execution_options(yield_per=2000))
    for entry in rows:
        fields = {c: getattr(entry, c) for c in _HASHED_COLUMNS}
        if entry.seq != expected_seq:
            problem = "缺少条目（被删除）或顺序被改动" if entry.seq > expected_seq else "序号重复或顺序被改动"
            return VerifyResult(False, checked, expected_seq - 1, prev_hash, expected_seq, problem)
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, checked, expected_seq - 1, prev_hash, entry.seq, "与前一条的哈希不衔接")
        if entry_hash(_hashed_fields(fields)) != entry.hash:
            return VerifyResult(False, checked, expected_seq - 1, prev_hash, entry.seq, "条目内容被改动")
        if since_seq is not None and entry.seq == since_seq:
            if entry.hash != since_hash:
                return VerifyResult(False, checked, entry.seq, entry.hash, entry.seq, "与先前导出的摘要不一致")
            since_seen = True
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    if not since_seen:
        return VerifyResult(False, checked, expected_seq - 1, prev_hash, since_seq, "先前导出的摘要所指条目已不存在")
    return VerifyResult(True, checked, expected_seq - 1, prev_hash)


def prune(session: Session, retention_days: int) -> int:
    """Remove entries older than the retention period, keeping the chain verifiable via an anchor.

    The pruning itself is recorded in the chain (what was removed, up to which entry).
    """
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"审计记录至少保留 {MIN_RETENTION_DAYS} 天")
    session.flush()
    _write_pending(session)  # this transaction's own entries first
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"k": _PG_AUDIT_LOCK})
    cutoff = utcnow() - timedelta(days=retention_days)
    # an entry's time is when its change was made, its place when its transaction committed: stop
    # before the first entry inside the retention period, even if an older one follows it
    first_kept = session.execute(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= cutoff)).scalar()
    old = select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.at < cutoff)
    if first_kept is not None:
        old = old.where(AuditEntry.seq < first_kept)
    last_old = session.execute(old.order_by(AuditEntry.seq.desc()).limit(1)).first()
    if last_old is None:
        return 0
    count = session.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.seq <= last_old.seq)
    ).scalar_one()
    session.add(AuditAnchor(seq=last_old.seq, hash=last_old.hash))
    session.flush()  # the anchor must be visible to the append below if every entry goes
    session.execute(delete(AuditEntry).where(AuditEntry.seq <= last_old.seq))
    append(
        session,
        "audit_prune",
        entity="audit_entry",
        changes={"through_seq": last_old.seq, "removed": int(count), "retention_days": retention_days},
    )
    return int(count)


def history(session: Session, entity: str, entity_id: Any, limit: int = 200) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def changes_since_version(session: Session, entity: str, entity_id: Any, version: int) -> list[AuditEntry]:
    """The updates that moved a record past `version`: what the other person changed."""
    return [
        e
        for e in reversed(history(session, entity, entity_id, limit=50))
        if e.action == "update"
        and isinstance(e.changes.get("version"), list)
        and (e.changes["version"][1] or 0) > version
    ]
