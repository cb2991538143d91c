"""Factories for investors, leads and projects (real rows, built through the models), and test files."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, TiffImagePlugin
from sqlalchemy.orm import Session

from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.lead import Channel, Lead, LeadStatus
from app.models.project import (
    STAGE_ORDER,
    AnomalyKind,
    FundsArrival,
    FundsSource,
    FundsStatus,
    LostReason,
    Project,
    ProjectAnomaly,
    ProjectStatus,
    Stage,
    size_band_for,
)
from app.models.unit import Unit
from app.services import workdays
from app.services.names import name_key

_counter = itertools.count(1)


def make_investor(db: Session, **overrides: Any) -> Investor:
    n = next(_counter)
    values: dict[str, Any] = {
        "kind": InvestorKind.company,
        "name": f"测试投资有限公司{n}",
        "investor_type": InvestorType.private,
        "origin_province": "广东省",
        "origin_city": "深圳市",
    }
    values.update(overrides)
    values.setdefault("name_key", name_key(values["name"]))
    investor = Investor(**values)
    db.add(investor)
    db.flush()
    return investor


def make_lead(db: Session, unit: Unit, investor: Investor | None = None, **overrides: Any) -> Lead:
    n = next(_counter)
    investor = investor or make_investor(db)
    values: dict[str, Any] = {
        "unit_id": unit.id,
        "channel": Channel.business,
        "investor_id": investor.id,
        "project_name": f"测试线索项目{n}",
        "industry": "新材料",
        "intended_investment": Decimal(800),
        "lead_date": workdays.today() - timedelta(days=200),
        "introducer_name": "王引荐",
        "status": LeadStatus.valid,
    }
    values.update(overrides)
    lead = Lead(**values)
    db.add(lead)
    db.flush()
    return lead


def make_project(
    db: Session,
    unit: Unit,
    *,
    stage: Stage = Stage.negotiating,
    reached: date | None = None,
    investor: Investor | None = None,
    responsible: Unit | None = None,
    **overrides: Any,
) -> Project:
    """A project of `unit` at `stage`, every stage up to it reached on `reached` (default 30 days ago)."""
    n = next(_counter)
    investor = investor or make_investor(db)
    reached = reached or workdays.today() - timedelta(days=30)
    values: dict[str, Any] = {
        "name": f"测试项目{n}",
        "investor_id": investor.id,
        "stage": stage,
        "status": ProjectStatus.active,
        "stage_since": reached,
        "introducing_unit_id": unit.id,
        "responsible_unit_id": (responsible or unit).id,
        "planned_investment": Decimal(800),
        "contract_investment": Decimal(0),
    }
    for s in STAGE_ORDER[1 : stage.order + 1]:
        values[f"{s.value}_on"] = reached
    values.update(overrides)
    project = Project(**values)
    project.size_band = size_band_for(project.contract_investment or project.planned_investment)
    db.add(project)
    db.flush()
    return project


def make_lost_reason(db: Session, name: str | None = None, **overrides: Any) -> LostReason:
    reason = LostReason(name=name or f"测试流失原因{next(_counter)}", **overrides)
    db.add(reason)
    db.flush()
    return reason


def make_funds(db: Session, project: Project, amount: Decimal | int = 100, **overrides: Any) -> FundsArrival:
    values: dict[str, Any] = {
        "project_id": project.id,
        "arrived_on": workdays.today() - timedelta(days=5),
        "amount": Decimal(amount),
        "source": FundsSource.out_of_province,
        "status": FundsStatus.pending,
        "voucher_no": f"HD{next(_counter):08d}",
    }
    values.update(overrides)
    row = FundsArrival(**values)
    db.add(row)
    db.flush()
    return row


def make_anomaly(db: Session, project: Project, kind: AnomalyKind = AnomalyKind.stages_one_day) -> ProjectAnomaly:
    """An open anomaly flag on the project, as a move on its stage line would raise it."""
    row = ProjectAnomaly(
        project_id=project.id, kind=kind, detail="同一天内连续推进 3 个阶段", raised_on=workdays.today()
    )
    db.add(row)
    db.flush()
    return row


# --- files -----------------------------------------------------------------------------------


def _rational(value: float) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(round(value * 10000), 10000)


def jpeg_with_exif(
    size: tuple[int, int] = (2400, 1800),
    *,
    lat: float = 28.228,
    lon: float = 112.938,
    model: str = "TestCam X100",
    taken: str = "2026:03:05 09:30:00",
    color: tuple[int, int, int] = (120, 160, 200),
) -> bytes:
    """A camera-like JPEG: EXIF with a camera model, the time taken and a GPS position."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 200):  # some detail, so it is not a flat colour
        image.paste((x % 255, 80, 40), (x, 0, x + 60, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "TestMaker"  # Make
    exif[0x0110] = model  # Model
    exif[0x0132] = taken  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (_rational(int(lat)), _rational(int((lat % 1) * 60)), _rational(((lat * 60) % 1) * 60))
    gps[3] = "E"
    gps[4] = (_rational(int(lon)), _rational(int((lon % 1) * 60)), _rational(((lon * 60) % 1) * 60))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
