"""Factories for investors, leads and settings: real rows built through the models (no mocks)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.lead import Channel, Lead, LeadStatus
from app.models.setting import AppSetting
from app.models.unit import Unit
from app.services import workdays
from app.services.credit_code import CHARSET, check_character
from app.services.names import name_key, phone_key

_counter = itertools.count(1)

# real codes of real companies (published on their licences), each with a correct check character
REAL_CODES = (
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 华为技术有限公司
    "914403001922038216",  # 中国平安保险（集团）股份有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
    "91350100M000100Y43",  # 宁德时代新能源科技股份有限公司
)


def credit_code(n: int | None = None) -> str:
    """A valid unified social credit code no real company holds (body from a counter)."""
    n = next(_counter) if n is None else n
    body = f"9143{n % 10000:04d}"  # registration authority, type, 6-digit region
    tail = ""
    value = n * 7919 + 12345
    for _ in range(9):
        tail += CHARSET[value % len(CHARSET)]
        value //= len(CHARSET)
    first17 = body + tail
    return first17 + check_character(first17)


def phone(n: int | None = None) -> str:
    n = next(_counter) if n is None else n
    return f"139{n % 100_000_000:08d}"


def make_investor(db: Session, name: str | None = None, **overrides: Any) -> Investor:
    n = next(_counter)
    values: dict[str, Any] = {
        "kind": InvestorKind.company,
        "name": name or f"测试投资{n}号实业有限公司",
        "credit_code": None,
        "investor_type": InvestorType.private,
        "origin_province": "广东",
        "origin_city": "深圳",
        "industry": "新材料",
        "contact_name": "王总",
        "contact_phone": "",
    }
    values.update(overrides)
    values["name_key"] = name_key(values["name"])
    values["phone_key"] = phone_key(values["contact_phone"])
    investor = Investor(**values)
    db.add(investor)
    db.flush()
    return investor


def make_lead(
    db: Session,
    unit: Unit,
    investor: Investor | None = None,
    *,
    lead_date: date | None = None,
    status: LeadStatus = LeadStatus.pending,
    **overrides: Any,
) -> Lead:
    investor = investor or make_investor(db)
    values: dict[str, Any] = {
        "unit_id": unit.id,
        "investor_id": investor.id,
        "channel": Channel.door_knocking,
        "project_name": f"{investor.name}投资项目",
        "industry": investor.industry,
        "intended_investment": Decimal(1000),
        "content": "上门拜访，企业有意考察。",
        "contact_name": investor.contact_name,
        "contact_phone": "",
        "lead_date": lead_date or workdays.today() - timedelta(days=1),
        "status": status,
        "brought_by_name": "测试干部",
    }
    if status is not LeadStatus.pending:
        values["status_reason"] = "经核实" if status is LeadStatus.valid else "无投资意向"
    values.update(overrides)
    values["contact_phone_key"] = phone_key(values["contact_phone"])
    lead = Lead(**values)
    db.add(lead)
    db.flush()
    return lead


def set_setting(db: Session, key: str, value: str | int, unit: Unit | None = None) -> None:
    full_key = key if unit is None else f"{key}.unit.{unit.id}"
    row = db.get(AppSetting, full_key)
    if row is None:
        db.add(AppSetting(key=full_key, value=str(value)))
    else:
        row.value = str(value)
    db.flush()


def lead_json(**overrides: Any) -> dict[str, Any]:
    """A body for POST /api/v1/leads with a new investor."""
    body: dict[str, Any] = {
        "channel": "door_knocking",
        "project_name": "新材料生产基地",
        "industry": "新材料",
        "intended_investment": "5000",
        "content": "企业负责人来县考察园区。",
        "contact_name": "周总",
        "contact_phone": phone(),
        "lead_date": (workdays.today() - timedelta(days=1)).isoformat(),
    }
    if "investor" not in overrides and "investor_id" not in overrides:
        body["investor"] = {"name": f"测试客商{next(_counter)}号科技有限公司", "origin_province": "江苏"}
    body.update(overrides)
    return body
