"""Units: the tree of responsible units, managed by the coordinator."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Duplicate, Invalid, NotFound
from app.models.unit import Unit
from app.models.user import User
from app.principal import Principal
from app.schemas.units import UnitContactUpdate, UnitCreate, UnitUpdate
from app.services.common import apply_changes, check_version


def get(db: Session, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None:
        raise NotFound("找不到该单位")
    return unit


def list_units(
    db: Session, *, include_inactive: bool = False, kind: str | None = None, limit: int | None = None, offset: int = 0
) -> tuple[Sequence[Unit], int]:
    stmt = select(Unit)
    if not include_inactive:
        stmt = stmt.where(Unit.is_active.is_(True))
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    stmt = stmt.order_by(Unit.sort_order, Unit.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return db.execute(stmt).scalars().all(), total


def tree(units: Sequence[Unit]) -> list[tuple[Unit, int]]:
    """Units in tree order with their depth, for indented lists and pickers."""
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    result: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            result.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return result


def _check_parent(db: Session, unit_id: int | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parent = db.get(Unit, parent_id)
    if parent is None:
        raise Invalid({"parent_id": "上级单位不存在"})
    seen = set()
    while parent is not None and parent.id not in seen:
        if unit_id is not None and parent.id == unit_id:
            raise Invalid({"parent_id": "不能把单位放到它自己或其下级之下"})
        seen.add(parent.id)
        parent = db.get(Unit, parent.parent_id) if parent.parent_id else None


def _check_name(db: Session, name: str, unit_id: int | None) -> None:
    clash = db.execute(select(Unit.id).where(Unit.name == name)).scalar_one_or_none()
    if clash is not None and clash != unit_id:
        raise Duplicate("已有同名单位", field="name")


def create(db: Session, principal: Principal, data: UnitCreate) -> Unit:
    policy.ensure_coordinator(principal)
    _check_name(db, data.name, None)
    _check_parent(db, None, data.parent_id)
    unit = Unit(**data.model_dump())
    db.add(unit)
    db.flush()
    return unit


def update(db: Session, principal: Principal, unit_id: int, data: UnitUpdate) -> Unit:
    policy.ensure_coordinator(principal)
    unit = get(db, unit_id)
    check_version(db, unit, data.version)
    _check_name(db, data.name, unit.id)
    _check_parent(db, unit.id, data.parent_id)
    if not data.is_active and unit.is_active:
        members = db.execute(
            select(func.count()).select_from(User).where(User.unit_id == unit.id, User.is_active.is_(True))
        ).scalar_one()
        if members:
            raise Invalid({"is_active": f"该单位还有 {members} 个在用账号，请先调整"})
    apply_changes(unit, data.model_dump())
    db.flush()
    return unit


def update_contact(db: Session, principal: Principal, unit_id: int, data: UnitContactUpdate) -> Unit:
    """A unit's own staff may keep its head, phone and address current."""
    unit = get(db, unit_id)
    policy.ensure_change_unit(principal, unit.id)
    check_version(db, unit, data.version)
    apply_changes(unit, data.model_dump(exclude_none=True))
    db.flush()
    return unit
