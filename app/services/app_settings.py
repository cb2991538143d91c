"""Settings the coordinator keeps on a page, with per-unit overrides."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid
from app.models.setting import AppSetting
from app.principal import Principal

DEFAULTS: dict[str, str] = {
    "lead_monthly_quota": "1",  # valid leads each unit owes per month
    "large_project_threshold": "100000",  # 万元: 10亿 and above go to the first-report registry
}
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


def put(db: Session, principal: Principal, key: str, value: str, unit_id: int | None = None) -> None:
    policy.ensure_coordinator(principal)
    if key not in DEFAULTS:
        raise Invalid({"key": "未知的设置项"})
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise Invalid({key: "请输入数字"}) from None
    if number < 0 or number > Decimal("1e12"):
        raise Invalid({key: "数值超出范围"})
    full_key = key if unit_id is None else _unit_key(key, unit_id)
    row = db.get(AppSetting, full_key)
    if row is None:
        db.add(AppSetting(key=full_key, value=str(number)))
    elif row.value != str(number):
        row.value = str(number)
    db.flush()
