"""督查抽查: a reproducible random sample of a period's reported items, and what checking each found.

The supervisor's office (or the coordinating bureau) draws and records; whoever reads everything may
read. A false figure found here costs the unit points in the ranking (app.services.performance)."""

from __future__ import annotations

import math
import random
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.performance import SpotCheck, SpotFinding
from app.models.project import FundsArrival, FundsStatus, Project
from app.principal import Principal
from app.services import app_settings
from app.services.common import check_version

app_settings.DEFAULTS.update({"spot_check_percent": "30"})
app_settings.LABELS.update({"spot_check_percent": "督查抽查比例（%）"})

HUNDRED = Decimal(100)

ITEM_KINDS = {"funds_arrival": "到位资金", "project_signed": "签约项目", "project_started": "开工项目"}
"""The kinds of reported item a sample draws from."""


def _ensure_checker(principal: Principal, message: str) -> None:
    if principal.read_only or principal.role.value not in ("supervisor", "coordinator"):
        raise policy.DeniedForbidden(message)


def _ensure_reader(principal: Principal) -> None:
    if not principal.reads_everything:
        raise policy.DeniedForbidden()


def population(db: Session, start: date, end: date) -> list[dict[str, Any]]:
    """The reported items of a period: confirmed funds arrivals, projects signed and projects started."""
    items = [
        {"kind": "funds_arrival", "id": r[0], "unit_id": r[1]}
        for r in db.execute(
            select(FundsArrival.id, Project.responsible_unit_id)
            .join(Project, Project.id == FundsArrival.project_id)
            .where(
                FundsArrival.status == FundsStatus.confirmed,
                FundsArrival.arrived_on >= start,
                FundsArrival.arrived_on <= end,
            )
        ).all()
    ]
    items += [
        {"kind": "project_signed", "id": r[0], "unit_id": r[1]}
        for r in db.execute(
            select(Project.id, Project.introducing_unit_id).where(Project.signed_on >= start, Project.signed_on <= end)
        ).all()
    ]
    items += [
        {"kind": "project_started", "id": r[0], "unit_id": r[1]}
        for r in db.execute(
            select(Project.id, Project.responsible_unit_id).where(
                Project.started_on >= start, Project.started_on <= end
            )
        ).all()
    ]
    return sorted(items, key=lambda i: (i["kind"], i["id"]))


def draw_sample(items: list[dict[str, Any]], fraction: Decimal, seed: int) -> list[dict[str, Any]]:
    """The same seed over the same population always draws the same sample."""
    k = min(len(items), math.ceil(len(items) * fraction / HUNDRED))
    return sorted(random.Random(seed).sample(items, k), key=lambda i: (i["kind"], i["id"]))


def draw(
    db: Session, principal: Principal, start: date, end: date, fraction: Decimal | None = None, seed: int | None = None
) -> SpotCheck:
    """Draw a sample of the period's items; without a fraction, the setting's (督查抽查比例)."""
    _ensure_checker(principal, "抽查由督查室组织")
    if end < start:
        raise Invalid({"period_end": "截止日期不能早于开始日期"})
    fraction = fraction if fraction is not None else app_settings.get_decimal(db, "spot_check_percent")
    if not (0 < fraction <= 100):
        raise Invalid({"fraction": "抽查比例须在 0–100 之间"})
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31 - 1)
    items = population(db, start, end)
    sample = draw_sample(items, fraction, seed)
    check = SpotCheck(
        period_start=start,
        period_end=end,
        seed=seed,
        fraction=fraction,
        population=len(items),
        items=sample,
        drawn_by_id=principal.user_id,
    )
    db.add(check)
    db.flush()
    return check


def list_checks(
    db: Session, principal: Principal, *, limit: int | None = None, offset: int = 0
) -> tuple[list[SpotCheck], int]:
    """The spot-checks drawn, the latest first, and how many there are."""
    _ensure_reader(principal)
    stmt = select(SpotCheck).order_by(SpotCheck.id.desc()).offset(offset)
    rows = list(db.execute(stmt if limit is None else stmt.limit(limit)).scalars())
    total = len(rows) if limit is None and not offset else db.execute(select(func.count(SpotCheck.id))).scalar_one()
    return rows, int(total)


def get(db: Session, principal: Principal, check_id: int) -> tuple[SpotCheck, dict[tuple[str, int], SpotFinding]]:
    """A spot-check and its findings so far, by (kind, item id)."""
    _ensure_reader(principal)
    check = db.get(SpotCheck, check_id)
    if check is None:
        raise NotFound("找不到该抽查")
    findings = {
        (f.kind, f.item_id): f
        for f in db.execute(
            select(SpotFinding).where(SpotFinding.check_id == check_id).order_by(SpotFinding.id)
        ).scalars()
    }
    return check, findings


def record_finding(
    db: Session,
    principal: Principal,
    check_id: int,
    kind: str,
    item_id: int,
    confirmed: bool,
    discrepancy: Decimal | None,
    note: str,
    *,
    version: int | None = None,
) -> SpotFinding:
    """What checking one sampled item found (属实, or 不符 with the difference and why). Recorded again,
    it replaces the earlier finding; `version`, when given, must be the earlier finding's (else 409)."""
    _ensure_checker(principal, "抽查结果由督查室记录")
    check = db.get(SpotCheck, check_id)
    if check is None:
        raise NotFound("找不到该抽查")
    item = next((i for i in check.items if i["kind"] == kind and i["id"] == item_id), None)
    if item is None:
        raise Invalid({"item_id": "该条目不在本次抽样中"})
    if not confirmed and not note.strip():
        raise Invalid({"note": "发现不符须说明情况"})
    row = db.execute(
        select(SpotFinding).where(
            SpotFinding.check_id == check_id, SpotFinding.kind == kind, SpotFinding.item_id == item_id
        )
    ).scalar_one_or_none()
    if row is None:
        row = SpotFinding(
            check_id=check_id,
            kind=kind,
            item_id=item_id,
            unit_id=item.get("unit_id"),
            confirmed=confirmed,
            discrepancy=discrepancy,
            note=note,
        )
        db.add(row)
    else:
        if version is not None:
            check_version(db, row, version)
        row.confirmed, row.discrepancy, row.note = confirmed, discrepancy, note
    db.flush()
    return row
