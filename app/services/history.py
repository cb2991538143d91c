"""The change history of a record in words: what the audit trail recorded, as a clerk reads it.

Every page's 修改记录 and the audit page go through `described`: each field by its Chinese label
(app.models.labels), choices by their labels, 是/否, amounts with their decimals and thousands
separators, times in local time, a reference by the name of what it points to (a unit's name, a
person's name, a project's name as this reader may see it: a confidential one's code name), a JSON
value (an award's basis) as labelled lines. Internal columns (keys, hashes, versions, timestamps,
plumbing ids, credentials) are left out. The names referred to by a page's entries are
looked up with one statement per referenced table.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Protocol

from sqlalchemy import JSON, Boolean, Column, Date, Enum, Numeric, select
from sqlalchemy.orm import Session

from app.models import labels
from app.models.award import IncentivePolicy, PolicyVersion
from app.models.base import Base, UTCDateTime
from app.models.investor import Investor
from app.models.lead import Lead
from app.models.performance import Campaign, PromotionEvent
from app.models.project import LostReason, Project, Stage
from app.models.ticket import TicketCategory
from app.models.unit import Unit
from app.models.user import User
from app.principal import Principal
from app.services import audit, projects
from app.templating import local_dt, wan

EMPTY = "（空）"
ROW_ACTIONS = frozenset({"create", "update", "delete"})
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
    "export": "导出",
    "import": "导入",
    "award_objection": "提出异议",
    "award_objection_answer": "答复异议",
    "award_clawback": "决定追回",
    "award_clawback_recovered": "已追回",
}


class _Recorded(Protocol):
    action: str
    entity: str
    changes: dict[str, Any]


@dataclass
class Change:
    field: str  # the column as recorded (the audit page shows it to the coordinator on demand)
    label: str
    before: list[str]  # lines; empty: nothing before (a new record, an event)
    after: list[str]


@dataclass
class Entry:
    seq: int
    at: datetime
    action: str
    action_label: str
    actor_label: str
    reason: str
    changes: list[Change] = field(default_factory=list)


@cache
def _columns(table: str) -> dict[str, Column[Any]]:
    found = Base.metadata.tables.get(table)
    return {} if found is None else {c.key: c for c in found.columns}


def _secret(table: str, key: str) -> bool:
    column = _columns(table).get(key)
    return column is not None and bool(column.info.get("secret"))


def shown_fields(table: str) -> list[str]:
    """The columns of `table` a record's history shows (every one of them needs a label; a credential
    is shown only on the audit page, as changed)."""
    return [key for key in _columns(table) if not labels.is_internal(table, key) and not _secret(table, key)]


def _reference(table: str, key: str) -> str | None:
    column = _columns(table).get(key)
    if column is None:
        return None
    return next((fk.column.table.name for fk in column.foreign_keys), None)


def _pairs(value: Any) -> list[Any]:
    """The before and after of a recorded change (an event's value: after only)."""
    if isinstance(value, list) and len(value) == 2:
        return value
    return [None, value]


# --- names of what a reference points to: one statement per table ---------------------------


def _names(db: Session, principal: Principal, wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for table, ids in wanted.items():
        if not ids:
            continue
        if table == "project":
            rows = db.execute(
                select(
                    Project.id,
                    Project.name,
                    Project.code_name,
                    Project.is_confidential,
                    Project.responsible_unit_id,
                    Project.introducing_unit_id,
                ).where(Project.id.in_(ids))
            )
            found.update({(table, r.id): projects.view(principal, r).name for r in rows})
        elif table == "investor":
            visible = projects.investor_visible(principal).label("visible")
            rows = db.execute(select(Investor.id, Investor.name, visible).where(Investor.id.in_(ids)))
            found.update({(table, r.id): r.name if r.visible else projects.HIDDEN for r in rows})
        elif table == "lead":
            visible = projects.lead_visible(principal).label("visible")
            rows = db.execute(select(Lead.id, Lead.project_name, visible).where(Lead.id.in_(ids)))
            found.update({(table, r.id): r.project_name if r.visible else projects.HIDDEN for r in rows})
        elif table == "policy_version":
            rows = db.execute(
                select(PolicyVersion.id, PolicyVersion.number, IncentivePolicy.name)
                .join(IncentivePolicy, IncentivePolicy.id == PolicyVersion.policy_id)
                .where(PolicyVersion.id.in_(ids))
            )
            found.update({(table, r.id): f"{r.name}（第 {r.number} 版）" for r in rows})
        elif table in _NAMED:
            model, name = _NAMED[table]
            rows = db.execute(select(model.id, name).where(model.id.in_(ids)))
            found.update({(table, r[0]): r[1] for r in rows})
    return found


_NAMED: dict[str, tuple[Any, Any]] = {
    "unit": (Unit, Unit.name),
    "user_account": (User, User.display_name),
    "lost_reason": (LostReason, LostReason.name),
    "ticket_category": (TicketCategory, TicketCategory.name),
    "incentive_policy": (IncentivePolicy, IncentivePolicy.name),
    "campaign": (Campaign, Campaign.name),
    "promotion_event": (PromotionEvent, PromotionEvent.name),
}


# --- values in words --------------------------------------------------------------------------


def _number(value: Any, places: int | None) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if places is None:
        places = max(0, -amount.normalize().as_tuple().exponent)  # type: ignore[operator]
    return wan(amount, places)


def _when(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return local_dt(value) if value.tzinfo is not None else value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _key_value(key: str, value: Any) -> str:
    """A value inside a JSON column or an event, by its key's kind."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if key.endswith(("_wan", "_usd", "amount")):  # an amount: two decimals, as the pages show them
        return _number(value, 2)
    if key.endswith("_10k") or isinstance(value, int | float | Decimal):
        return _number(value, None)
    if key == "stage" and value in Stage._value2member_map_:
        return Stage(value).label
    if isinstance(value, dict):
        return "；".join(f"{labels.KEYS.get(str(k), str(k))}：{_key_value(str(k), v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_key_value(key, v) for v in value)
    return str(value)


def _lines(table: str, key: str, value: Any, names: dict[tuple[str, int], str], event: bool) -> list[str]:
    if value is None or value == "":
        return []
    column = None if event else _columns(table).get(key)
    choices = labels.VALUES.get(f"{table}.{key}")
    if choices is not None and value in choices:
        return [choices[value]]
    if isinstance(value, bool):
        return ["是" if value else "否"]
    if column is None:
        return [_key_value(key, value)]
    kind = column.type
    target = _reference(table, key)
    if target is not None and isinstance(value, int):
        return [names.get((target, value), f"编号 {value}")]
    if isinstance(kind, Enum) and kind.enum_class is not None:
        try:
            member: enum.Enum = kind.enum_class(value)
        except ValueError:
            return [str(value)]
        return [str(getattr(member, "label", member.value))]
    if isinstance(kind, Boolean):
        return ["是" if value else "否"]
    if isinstance(kind, UTCDateTime):
        return [_when(value)]
    if isinstance(kind, Date):
        return [str(value)[:10]]
    if isinstance(kind, Numeric):
        return [_number(value, kind.scale)]
    if isinstance(kind, JSON):
        if isinstance(value, dict):
            return [f"{labels.KEYS.get(str(k), str(k))}：{_key_value(str(k), v)}" for k, v in value.items()]
        if isinstance(value, list):
            return [_key_value(key, v) for v in value]
    return [str(value)]


def _field_label(table: str, key: str) -> str:
    return labels.label(table, key) or labels.KEYS.get(key) or key


def _shown_keys(e: _Recorded, hidden: frozenset[str], secrets: bool) -> list[str]:
    columns = _columns(e.entity)
    keys = []
    for key in e.changes or {}:
        if key in hidden or labels.is_internal(e.entity, key) or (_secret(e.entity, key) and not secrets):
            continue
        if key not in columns and key.endswith("_id"):  # an event's id of its row: plumbing
            continue
        keys.append(key)
    return keys


def described(
    db: Session,
    principal: Principal,
    rows: Sequence[Any],
    *,
    hidden: Iterable[str] = (),
    keep_empty: bool = True,
    redact: Callable[[str], str] | None = None,
    secrets: bool = False,
) -> list[Entry]:
    """The entries in words. `hidden`: fields this reader may not see here (a confidential award's
    recipient); `keep_empty`: keep an update whose every shown field is internal (the audit page);
    `redact`: what free text this reader may see (a confidential project's names taken out);
    `secrets`: show that a credential changed (its value masked by the caller: the audit page)."""
    hide = frozenset(hidden)
    wanted: dict[str, set[int]] = {}
    for e in rows:
        for key in _shown_keys(e, hide, secrets):
            target = _reference(e.entity, key) if e.action in ROW_ACTIONS else None
            if target is None:
                continue
            for v in _pairs(e.changes[key]):
                if isinstance(v, int) and not isinstance(v, bool):
                    wanted.setdefault(target, set()).add(v)
    names = _names(db, principal, wanted)
    result = []
    for e in rows:
        changes: list[Change] = []
        for key in _shown_keys(e, hide, secrets):
            before, after = _pairs(e.changes[key])
            event = e.action not in ROW_ACTIONS  # an event's keys are its own, not the record's columns
            shown_before = _lines(e.entity, key, before, names, event)
            shown_after = _lines(e.entity, key, after, names, event)
            if e.action == "create":
                shown_before = []
            if shown_before == shown_after or (e.action == "create" and not shown_after):
                continue
            if not shown_after:
                shown_after = [EMPTY]
            if redact is not None:
                shown_before, shown_after = [redact(x) for x in shown_before], [redact(x) for x in shown_after]
            label = labels.KEYS.get(key, key) if event else _field_label(e.entity, key)
            changes.append(Change(key, label, shown_before, shown_after))
        if not changes and e.action == "update" and not keep_empty:
            continue
        result.append(
            Entry(
                seq=e.seq,
                at=e.at,
                action=e.action,
                action_label=ACTION_LABELS.get(e.action, e.action),
                actor_label=e.actor_label,
                reason=redact(e.reason) if redact is not None else e.reason,
                changes=changes,
            )
        )
    return result


def of(
    db: Session,
    principal: Principal,
    entity: str,
    entity_id: Any,
    *,
    hidden: Iterable[str] = (),
    redact: Callable[[str], str] | None = None,
    limit: int = 200,
) -> list[Entry]:
    """One record's history, newest first, as `principal` may read it."""
    rows = audit.history(db, entity, entity_id, limit=limit)
    return described(db, principal, rows, hidden=hidden, keep_empty=False, redact=redact)
