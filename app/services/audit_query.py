"""Browsing and verifying the audit trail (coordinators and supervisors only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.models.audit import AuditEntry
from app.principal import Principal
from app.services import audit
from app.templating import LOCAL_TZ

PAGE_SIZE = 50
ACTION_LABELS = {
    "create": "创建",
    "update": "修改",
    "delete": "删除",
    "login_success": "登录成功",
    "login_password_ok": "密码通过（待验证码）",
    "login_failure": "登录失败",
    "logout": "退出",
    "permission_denied": "越权被拒",
    "audit_prune": "清理过期审计记录",
}


@dataclass
class AuditFilter:
    actor: str = ""
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def search(
    db: Session, principal: Principal, f: AuditFilter, *, before_seq: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[AuditEntry], bool]:
    """Newest first, paged by seq (keyset), so deep pages stay fast."""
    policy.ensure_audit_reader(principal)
    stmt = select(AuditEntry)
    if f.actor:
        stmt = stmt.where(AuditEntry.actor_label.contains(f.actor, autoescape=True))
    if f.entity:
        stmt = stmt.where(AuditEntry.entity == f.entity)
    if f.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == f.entity_id)
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.date_from:
        stmt = stmt.where(AuditEntry.at >= _local_midnight(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEntry.at < _local_midnight(f.date_to + timedelta(days=1)))
    if before_seq:
        stmt = stmt.where(AuditEntry.seq < before_seq)
    rows = list(db.execute(stmt.order_by(AuditEntry.seq.desc()).limit(limit + 1)).scalars())
    return rows[:limit], len(rows) > limit


def verify(db: Session, principal: Principal, digest: str | None) -> Any:
    policy.ensure_audit_reader(principal)
    return audit.verify_chain(db, digest)
