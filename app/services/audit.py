"""The audit trail: every change to an audited table, appended in the same transaction.

Entries are hash-chained: each entry's hash covers its own fields and the hash before it, and
`seq` runs 1, 2, 3 … without gaps, so an edited, deleted or reordered entry breaks the chain
at that point. The latest digest (`seq:hash`) can be kept outside the database; verifying
against it later proves the chain still extends what was seen then.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from app.models.audit import AuditAnchor, AuditEntry
from app.models.base import utcnow
from app.principal import Principal

GENESIS_HASH = "0" * 64
MIN_RETENTION_DAYS = 185
_PG_AUDIT_LOCK = 7_262_001


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
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
    _append_many(session, [(action, entity, str(entity_id), changes or {}, reason)], principal)


def _append_many(
    session: Session, rows: list[tuple[str, str, str, dict[str, Any], str]], principal: Principal | None = None
) -> None:
    if not rows:
        return
    principal = principal or _principal_of(session)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last = connection.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    if last is None:
        anchor = connection.execute(
            select(AuditAnchor.seq, AuditAnchor.hash).order_by(AuditAnchor.id.desc()).limit(1)
        ).first()
        seq, prev_hash = (anchor.seq, anchor.hash) if anchor else (0, GENESIS_HASH)
    else:
        seq, prev_hash = last.seq, last.hash
    now = utcnow()
    values = []
    for action, entity, entity_id, changes, reason in rows:
        seq += 1
        entry: dict[str, Any] = {
            "seq": seq,
            "at": now,
            "actor_user_id": principal.user_id if principal else None,
            "actor_token_id": principal.token_id if principal else None,
            # cut to the column widths: a long label must not make the change itself fail
            "actor_label": (principal.label if principal else "system")[:100],
            "unit_id": principal.unit_id if principal else None,
            "request_id": (principal.request_id if principal else "")[:64],
            "client_addr": (principal.client_addr if principal else "")[:64],
            "action": action[:40],
            "entity": entity[:40],
            "entity_id": entity_id[:40],
            "changes": _json_value(changes),
            "reason": reason or "",
            "prev_hash": prev_hash,
        }
        entry["hash"] = prev_hash = entry_hash(_hashed_fields(entry))
        values.append(entry)
    connection.execute(insert(AuditEntry), values)


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


def _column_changes(obj: Any, mode: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    mapper = state.mapper
    excluded: frozenset[str] = getattr(type(obj), "__audit_exclude__", frozenset())
    changes: dict[str, list[Any]] = {}
    for attr in mapper.column_attrs:
        key = attr.key
        if key in excluded or key in ("created_at", "updated_at"):
            continue
        if mode == "create":
            value = state.dict.get(key)
            if value is not None:
                changes[key] = [None, _json_value(value)]
        elif mode == "delete":
            changes[key] = [_json_value(state.dict.get(key)), None]
        else:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            changes[key] = [_json_value(before), _json_value(after)]
    for key in excluded:
        if mode == "update" and state.attrs[key].history.has_changes():
            changes[key] = ["***", "***"]
    return changes


def _entity_name(obj: Any) -> str:
    return str(obj.__tablename__)


def _entity_id(obj: Any) -> str:
    # during after_flush a new object has its primary key but not yet its identity key
    state = inspect(obj)
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    return "/".join(str(v) for v in identity if v is not None)


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _flush_context: Any) -> None:
    if session.info.get("audit_disabled"):
        return
    reason_text = session.info.get("audit_reason") or ""
    rows: list[tuple[str, str, str, dict[str, Any], str]] = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            rows.append(("create", _entity_name(obj), _entity_id(obj), _column_changes(obj, "create"), reason_text))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            changes = _column_changes(obj, "update")
            if hasattr(obj, "version") and "version" not in changes:
                changes["version"] = [obj.version - 1, obj.version]
            if set(changes) - {"version"}:
                rows.append(("update", _entity_name(obj), _entity_id(obj), changes, reason_text))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append(("delete", _entity_name(obj), _entity_id(obj), _column_changes(obj, "delete"), reason_text))
    _append_many(session, rows)


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
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    cutoff = utcnow() - timedelta(days=retention_days)
    last_old = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.at < cutoff).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
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
