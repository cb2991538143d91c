"""Settings the coordinator keeps on a page, with per-unit overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Conflict, Invalid
from app.models.setting import AppSetting
from app.models.unit import Unit
from app.principal import Principal
from app.services.common import check_version

DEFAULTS: dict[str, str] = {
    "lead_monthly_quota": "1",  # valid leads each unit owes per month
    "large_project_threshold": "100000",  # 万元: 10亿 and above go to the first-report registry
}
MAX_VALUE = Decimal("1e12")

LABELS = {
    "lead_monthly_quota": "每个单位每月应报有效线索数",
    "large_project_threshold": "首报首谈登记的项目规模下限（万元）",
}


def _unit_key(key: str, unit_id: int) -> str:
    return f"{key}.unit.{unit_id}"


def get(db: Session, key: str, unit_id: int | None = None) -> str:
    keys = [key] if unit_id is None else [_unit_key(key, unit_id), key]
    rows = {k: v for k, v in db.execute(_BY_KEYS, {"keys": keys})}
    for candidate in keys:
        if candidate in rows:
            return rows[candidate]
    return DEFAULTS[key]


_BY_KEYS = select(AppSetting.key, AppSetting.value).where(AppSetting.key.in_(bindparam("keys", expanding=True)))


def get_many(db: Session, keys: list[str]) -> dict[str, str]:
    """Several settings (no per-unit overrides) in one query."""
    rows = {k: v for k, v in db.execute(_BY_KEYS, {"keys": keys})}
    return {key: rows.get(key, DEFAULTS[key]) for key in keys}


def value_of(key: str) -> ColumnElement[str]:
    """A setting (its default when unset) as a column, to read it within another query."""
    stored = select(AppSetting.value).where(AppSetting.key == key).scalar_subquery()
    return func.coalesce(stored, DEFAULTS[key])


def get_decimal(db: Session, key: str, unit_id: int | None = None) -> Decimal:
    return Decimal(get(db, key, unit_id))


def unit_overrides(db: Session, key: str) -> dict[int, str]:
    prefix = f"{key}.unit."
    rows = db.execute(select(AppSetting).where(AppSetting.key.startswith(prefix))).scalars()
    return {int(r.key.removeprefix(prefix)): r.value for r in rows}


def put(
    db: Session,
    principal: Principal,
    key: str,
    value: str,
    unit_id: int | None = None,
    *,
    version: int | None = None,
) -> None:
    """Set a setting (or a unit's override of it). `version`, when given, is the stored row's as the
    caller read it (0: not stored yet, its default in effect); another's change since is a 409."""
    policy.ensure_coordinator(principal)
    if key not in DEFAULTS:
        raise Invalid({"key": "未知的设置项"})
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise Invalid({key: "请输入数字"}) from None
    if not number.is_finite() or number < 0 or number > MAX_VALUE:
        raise Invalid({key: "数值超出范围"})
    if unit_id is not None and db.get(Unit, unit_id) is None:
        raise Invalid({"unit_id": "找不到该单位"})
    full_key = key if unit_id is None else _unit_key(key, unit_id)
    row = db.get(AppSetting, full_key)
    if version is not None and (row.version if row is not None else 0) != version:
        if row is None:
            raise Conflict(details={"current_version": 0, "your_version": version, "changes": []})
        check_version(db, row, version)
    if row is None:
        db.add(AppSetting(key=full_key, value=str(number)))
    elif row.value != str(number):
        row.value = str(number)
    db.flush()


@dataclass(frozen=True)
class Change:
    """One setting to set: its key, the value, the unit whose override it is (None: the county's own
    value), and the version read (None: unchecked, as the page's form sends none)."""

    key: str
    value: str
    unit_id: int | None = None
    version: int | None = None


def save(db: Session, principal: Principal, changes: Sequence[Change]) -> None:
    """Several settings at once (the settings page's form, the API's PATCH): all or none."""
    policy.ensure_coordinator(principal)  # also when nothing is to change
    for change in changes:
        put(db, principal, change.key, change.value, change.unit_id, version=change.version)


@dataclass(frozen=True)
class Stored:
    key: str
    value: str
    version: int  # 0: not stored, the default in effect


def overview(db: Session) -> tuple[list[Stored], dict[str, list[tuple[int, Stored]]]]:
    """Every setting as it stands, and the units' overrides by setting: (unit id, stored)."""
    rows = {r.key: r for r in db.execute(select(AppSetting)).scalars()}
    values = [
        Stored(key, rows[key].value if key in rows else default, rows[key].version if key in rows else 0)
        for key, default in DEFAULTS.items()
    ]
    overrides: dict[str, list[tuple[int, Stored]]] = {}
    for full_key, row in sorted(rows.items()):
        key, marker, unit = full_key.partition(".unit.")
        if marker and key in DEFAULTS and unit.isdigit():
            overrides.setdefault(key, []).append((int(unit), Stored(key, row.value, row.version)))
    return values, overrides
