"""Units: the tree of responsible units, managed by the coordinator."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Duplicate, Invalid, NotFound
from app.models.unit import UNIT_KIND_LABELS, Unit
from app.models.user import User
from app.principal import Principal
from app.schemas.units import UnitContactUpdate, UnitCreate, UnitPatch, UnitUpdate
from app.services.common import apply_changes, check_version, merge_sent


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


def update(db: Session, principal: Principal, unit_id: int, data: UnitUpdate | UnitPatch) -> Unit:
    """The coordinator edits a unit: the page sends every field, the API those it changes."""
    policy.ensure_coordinator(principal)
    unit = get(db, unit_id)
    check_version(db, unit, data.version)
    data = merge_sent(UnitUpdate, unit, data)
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


# --- finding a unit by name (the lists' unit filter) -------------------------------------------

SUGGESTION_LIMIT = 20
"""At most this many units are offered for a typed name: more means the person should type more."""


@dataclass(frozen=True)
class UnitChoice:
    """A unit as the unit field offers it: its name, and what tells two similar names apart."""

    id: int
    name: str
    short_name: str
    kind_label: str
    parent_name: str
    is_active: bool


@dataclass(frozen=True)
class UnitPick:
    """What a list's unit filter asks for: the unit to filter by (None: every unit), the text its field
    shows, and when a typed name named no unit or several, a message and the units it could mean."""

    unit_id: int | None = None
    text: str = ""
    error: str = ""
    choices: tuple[UnitChoice, ...] = ()
    more: bool = False


_parent = aliased(Unit)
_CHOICE_COLUMNS = (Unit.id, Unit.name, Unit.short_name, Unit.kind, _parent.name, Unit.is_active)
# built once: the suggestions run on every few keystrokes. `pattern` is a LIKE pattern escaped with "/".
_SEARCH = (
    select(*_CHOICE_COLUMNS)
    .outerjoin(_parent, _parent.id == Unit.parent_id)
    .where(
        Unit.is_active.is_(True),
        or_(Unit.name.ilike(bindparam("pattern"), escape="/"), Unit.short_name.ilike(bindparam("pattern"), escape="/")),
    )
    .order_by(  # the unit named exactly so first, then names that start so, then the tree's order
        case(
            (Unit.name == bindparam("text"), 0),
            (Unit.short_name == bindparam("text"), 1),
            (Unit.name.ilike(bindparam("prefix"), escape="/"), 2),
            (Unit.short_name.ilike(bindparam("prefix"), escape="/"), 2),
            else_=3,
        ),
        Unit.sort_order,
        Unit.id,
    )
    .limit(SUGGESTION_LIMIT + 1)
)
_CHOICE_BY_ID = (
    select(*_CHOICE_COLUMNS).outerjoin(_parent, _parent.id == Unit.parent_id).where(Unit.id == bindparam("unit_id"))
)


def _ensure_reads_all_units(principal: Principal) -> None:
    if not principal.reads_everything:
        raise policy.DeniedForbidden("只有可查看全部单位的角色才能按单位查找")


def _choice(row: Any) -> UnitChoice:
    unit_id, name, short_name, kind, parent_name, is_active = row
    return UnitChoice(unit_id, name, short_name, UNIT_KIND_LABELS[kind], parent_name or "", is_active)


def _like_escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def normalise_name(text: str) -> str:
    """A typed unit name as it is searched: inner runs of spaces as one, at most 100 characters."""
    return " ".join(text.split())[:100]


def search(db: Session, principal: Principal, text: str) -> tuple[list[UnitChoice], bool]:
    """Active units whose name or short name contains `text` (any case), the exact name first, then names
    that start with it, then in the tree's order; at most SUGGESTION_LIMIT of them, and whether there are
    more. Only for those who read every unit's records."""
    _ensure_reads_all_units(principal)
    text = normalise_name(text)
    if not text:
        return [], False
    escaped = _like_escape(text)
    rows = db.connection().execute(_SEARCH, {"pattern": f"%{escaped}%", "prefix": f"{escaped}%", "text": text}).all()
    return [_choice(r) for r in rows[:SUGGESTION_LIMIT]], len(rows) > SUGGESTION_LIMIT


def choice(db: Session, principal: Principal, unit_id: int) -> UnitChoice | None:
    """One unit as the unit field shows it (inactive ones too: an old link may name one), or None."""
    _ensure_reads_all_units(principal)
    row = db.connection().execute(_CHOICE_BY_ID, {"unit_id": unit_id}).first()
    return _choice(row) if row is not None else None


def pick(
    db: Session, principal: Principal, unit_id: int | None, text: str | None, *, describe: bool = True
) -> UnitPick:
    """The unit a list's filter asks for.

    `unit_id` is the field's chosen unit (or a link's); `text` is what its text box held when the form was sent
    (None when no form sent it: a link, the next page). The text decides when it no longer names the chosen
    unit, as when it was edited without JavaScript: empty means every unit; a unit's exact name or short name,
    or part of the name of exactly one unit, names that unit; otherwise the field says what went wrong and
    offers the units the text could mean. `describe=False` skips looking up the chosen unit's name when
    nothing will show it."""
    _ensure_reads_all_units(principal)
    if text is None:
        if unit_id is None or not describe:
            return UnitPick(unit_id)
        chosen = choice(db, principal, unit_id)
        if chosen is None:
            return UnitPick(unit_id, error="找不到该单位，请重新选择")  # filters by it still: nothing matches
        return UnitPick(unit_id, chosen.name)
    text = normalise_name(text)
    if not text:
        return UnitPick()
    if unit_id is not None:
        chosen = choice(db, principal, unit_id)
        if chosen is not None and text in (chosen.name, chosen.short_name):
            return UnitPick(unit_id, chosen.name)
    choices, more = search(db, principal, text)
    named = [c for c in choices if c.name == text] or [c for c in choices if c.short_name == text]
    if len(named) == 1:
        return UnitPick(named[0].id, named[0].name)
    if len(choices) == 1 and not more:
        return UnitPick(choices[0].id, choices[0].name)
    if not choices:
        return UnitPick(None, text, error=f"没有名称含“{text}”的单位，请检查后重新输入")
    count = f"{SUGGESTION_LIMIT} 个以上" if more else f"{len(choices)} 个"
    return UnitPick(
        None, text, error=f"有 {count}单位的名称含“{text}”，请选择其中一个", choices=tuple(choices), more=more
    )


# --- choosing several units by name (a ticket's helper units) --------------------------------

NAME_SEPARATORS = re.compile(r"[、,，;；\n]+")
"""Between the names typed into a field that takes several units (without JavaScript, one at a time is
not needed: 河口镇、青石镇)."""

_CHOICES_BY_ID = (
    select(*_CHOICE_COLUMNS)
    .outerjoin(_parent, _parent.id == Unit.parent_id)
    .where(Unit.id.in_(bindparam("unit_ids", expanding=True)))
)


@dataclass(frozen=True)
class UnitPicks:
    """What the names typed into a field of several units ask for: the units they named, one each, and
    for the names that named no unit or several, those names (as typed) with a message and the units
    each could mean."""

    unit_ids: tuple[int, ...] = ()
    text: str = ""
    problems: tuple[UnitPick, ...] = ()


def choices(db: Session, principal: Principal, unit_ids: Sequence[int]) -> list[UnitChoice]:
    """Units as the unit field shows them, in the order of `unit_ids` (each once; unknown ids left out)."""
    _ensure_reads_all_units(principal)
    wanted = list(dict.fromkeys(unit_ids))
    if not wanted:
        return []
    found = {c.id: c for c in map(_choice, db.connection().execute(_CHOICES_BY_ID, {"unit_ids": wanted}))}
    return [found[i] for i in wanted if i in found]


def pick_many(db: Session, principal: Principal, text: str | None) -> UnitPicks:
    """The units named by `text`: names separated by NAME_SEPARATORS, each taken as `pick` takes a
    typed name (a unit's exact name or short name, or part of the name of exactly one unit)."""
    _ensure_reads_all_units(principal)
    names = [n for n in (normalise_name(part) for part in NAME_SEPARATORS.split(text or "")) if n]
    found: list[int] = []
    left: list[str] = []
    problems: list[UnitPick] = []
    for name in dict.fromkeys(names):
        named = pick(db, principal, None, name)
        if named.unit_id is not None:
            found.append(named.unit_id)
        else:
            left.append(name)
            problems.append(named)
    return UnitPicks(tuple(dict.fromkeys(found)), "、".join(left), tuple(problems))
