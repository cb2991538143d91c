"""Factories for target companies: valid credit codes, list workbooks (openpyxl) and rows built through the models."""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from app.models.target_company import TargetCompany, TargetList, TargetListKind, TargetStatus
from app.models.unit import Unit
from app.services import credit_code
from app.services.names import name_key

_n = itertools.count(1)
HEADERS = ("企业名称", "统一社会信用代码", "行业", "总部城市", "规模", "产业链环节")


def valid_code(n: int) -> str:
    """A credit code with a correct check character, different for each n."""
    first17 = f"91440300{n:09d}"
    return first17 + credit_code.check_character(first17)


def workbook(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_list(db: Session, **overrides: Any) -> TargetList:
    values: dict[str, Any] = {"name": f"测试名单{next(_n)}", "kind": TargetListKind.little_giant}
    values.update(overrides)
    row = TargetList(**values)
    db.add(row)
    db.flush()
    return row


def make_target(db: Session, target_list: TargetList, unit: Unit | None = None, **overrides: Any) -> TargetCompany:
    n = next(_n)
    values: dict[str, Any] = {
        "list_id": target_list.id,
        "name": f"测试目标科技股份有限公司{n}",
        "credit_code": valid_code(900_000 + n),
        "industry": "新能源",
        "hq_city": "深圳",
        "assigned_unit_id": unit.id if unit else None,
        "status": TargetStatus.new,
    }
    values.update(overrides)
    values.setdefault("name_key", name_key(values["name"]))
    row = TargetCompany(**values)
    db.add(row)
    db.flush()
    return row


def target_ids(db: Session, unit: Unit) -> dict[str, int]:
    """A list and a target assigned to `unit` (the sweeps' path parameters)."""
    target = make_target(db, make_list(db), unit)
    return {"target_id": target.id}
