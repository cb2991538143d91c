"""The demo county's projects: converted from its leads, every stage, funds, progress with site photos."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models.base import utcnow
from app.models.lead import Lead, LeadStatus
from app.models.project import (
    STAGE_ORDER,
    Attachment,
    Category,
    ChainRole,
    FundsArrival,
    FundsSource,
    FundsStatus,
    LostReason,
    ProgressUpdate,
    Project,
    ProjectStatus,
    Sector,
    Stage,
    StageEvent,
    size_band_for,
)
from app.models.unit import Unit
from app.models.user import Role, User
from app.services import files, workdays

LOST_REASONS = [
    "双方条件未谈拢",
    "企业投资计划调整",
    "被其他地区以更优条件引走",
    "不符合产业政策或环保要求",
    "企业资金链问题",
]
BUILT = [
    "完成场地平整和三通一平",
    "围墙和临时设施完工",
    "厂房基础施工",
    "主体结构施工至二层",
    "厂房主体封顶",
    "设备进场安装",
    "生产线调试",
    "试生产",
]
CHAINS = [
    ("新材料", Category.industrial),
    ("绿色食品", Category.agriculture),
    ("文旅康养", Category.culture_tourism),
    ("电子信息", Category.industrial),
    ("清洁能源", Category.clean_energy),
]


def _site_photo(rng: random.Random, day: date, n: int) -> bytes:
    """A stand-in for a site photo: sky, ground, a building shell and the date (drawn, no font files)."""
    image = Image.new("RGB", (1200, 900), (135 + n % 60, 180, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 560, 1200, 900], fill=(150 + rng.randint(0, 40), 120, 80))
    height = 120 + (n * 37) % 260
    draw.rectangle([250, 560 - height, 950, 560], fill=(200, 200, 205), outline=(90, 90, 90), width=6)
    for x in range(290, 930, 80):
        draw.rectangle([x, 580 - height, x + 40, 600 - height + 60], fill=(70, 110, 150))
    draw.rectangle([40, 40, 420, 110], fill=(0, 0, 0))
    draw.text((60, 60), day.isoformat(), fill=(255, 255, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _voucher(arrival: FundsArrival) -> bytes:
    """A stand-in for the photo of a bank receipt (ASCII only: no font files)."""
    image = Image.new("RGB", (900, 420), (252, 250, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 880, 400], outline=(150, 30, 30), width=4)
    lines = [
        "BANK RECEIPT / YINHANG HUIDAN",
        f"No. {arrival.voucher_no}",
        f"Date {arrival.arrived_on.isoformat()}",
        f"Amount {arrival.amount} x 10000 CNY",
    ]
    for n, line in enumerate(lines):
        draw.text((60, 60 + 70 * n), line, fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=75)
    return out.getvalue()


def _attach_voucher(db: Session, arrival: FundsArrival, user_id: int | None) -> None:
    """Every demo entry carries its voucher, as the default rule requires of a real one."""
    settings = get_settings()
    stored = files.save_upload(
        settings.files_dir,
        _voucher(arrival),
        field="voucher",
        max_bytes=settings.max_file_bytes,
        max_side=settings.photo_max_side,
        keep_position=False,
    )
    db.add(
        Attachment(
            project_id=arrival.project_id,
            owner_type="funds_arrival",
            owner_id=arrival.id,
            kind=stored.kind,
            original_name=f"{arrival.voucher_no}.jpg",
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            width=stored.width,
            height=stored.height,
            uploaded_by_id=user_id,
            uploaded_at=utcnow(),
        )
    )


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(Project.id).limit(1)).first():
        return False
    rng = random.Random(4242)
    today = today or workdays.today()
    settings = get_settings()
    for name in LOST_REASONS:
        db.add(LostReason(name=name))
    db.flush()
    lost = db.execute(select(LostReason)).scalars().all()
    leaders = db.execute(select(User).where(User.role == Role.leader)).scalars().all()
    zones = db.execute(select(Unit).where(Unit.kind.in_(["zone", "zone_bureau"]))).scalars().all()
    staff = {u.unit_id: u for u in db.execute(select(User).where(User.role == Role.unit_staff)).scalars()}
    valid = (
        db.execute(
            select(Lead)
            .where(Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None))
            .order_by(Lead.lead_date, Lead.id)
        )
        .scalars()
        .all()
    )
    chosen = [lead for lead in valid if rng.random() < 0.5][:90]
    photo_count = 0
    for index, lead in enumerate(chosen):
        age = (today - lead.lead_date).days
        stage_index = min(len(STAGE_ORDER) - 1, max(1, int(age / 40) + rng.randint(-1, 2)))
        stage = STAGE_ORDER[stage_index]
        chain, category = CHAINS[index % len(CHAINS)]
        planned = Decimal(max(500, int(lead.intended_investment) or 1000))
        contract = planned * Decimal(rng.choice([0.8, 1, 1, 1.2])) if stage.order >= Stage.signed.order else Decimal(0)
        contract = contract.quantize(Decimal(1))
        user = staff.get(lead.unit_id)
        start = lead.lead_date + timedelta(days=rng.randint(5, 20))
        dates: dict[Stage, date] = {}
        cursor = start
        for s in STAGE_ORDER[1 : stage.order + 1]:
            cursor = min(today, cursor + timedelta(days=rng.randint(15, 45)))
            dates[s] = cursor
        project = Project(
            name=lead.project_name or f"{lead.industry}项目",
            investor_id=lead.investor_id,
            lead_id=lead.id,
            content=lead.content,
            stage=stage,
            status=ProjectStatus.active,
            stage_since=dates.get(stage, start),
            planned_investment=planned,
            contract_investment=contract,
            sector=Sector.secondary
            if category is Category.industrial
            else (Sector.primary if category is Category.agriculture else Sector.tertiary),
            category=category,
            industry=lead.industry,
            industry_chain=chain,
            chain_role=rng.choice(list(ChainRole)),
            introducing_unit_id=lead.unit_id,
            responsible_unit_id=lead.unit_id,
            introducer_name=lead.introducer_name,
            linked_leader_id=leaders[index % len(leaders)].id if leaders else None,
            service_officer=user.display_name if user else "",
            zone_unit_id=zones[index % len(zones)].id if zones else None,
            site=f"{['东区', '西区', '南区', '北区'][index % 4]}{index + 1}号地块",
        )
        for s, d in dates.items():
            setattr(project, f"{s.value}_on", d)
        project.negotiating_on = start
        if stage.order >= Stage.signed.order:
            project.land_area_mu = Decimal(rng.choice([20, 35, 50, 80, 120]))
            project.intensity_commitment = (contract / project.land_area_mu * Decimal("1.1")).quantize(Decimal("0.01"))
            signed = dates[Stage.signed]
            project.start_by = signed + timedelta(days=rng.choice([60, 90, 120]))
            project.production_by = project.start_by + timedelta(days=365)
            project.land_granted_on = (
                min(today, signed + timedelta(days=30)) if stage.order >= Stage.landed.order else None
            )
            project.annual_output = contract * 2
            project.annual_tax = (contract / 20).quantize(Decimal(1))
            project.jobs = rng.randint(30, 400)
        project.size_band = size_band_for(contract or planned)
        if index % 17 == 5:
            project.status = ProjectStatus.paused
        if index % 23 == 7 and stage.order < Stage.landed.order:
            project.status = ProjectStatus.terminated
            project.lost_reason_id = lost[index % len(lost)].id
        if index % 19 == 3:
            project.is_confidential = True
            project.code_name = f"青山{index:02d}号"
        db.add(project)
        db.flush()
        db.add(
            StageEvent(
                project_id=project.id,
                action="create",
                to_stage=Stage.negotiating,
                happened_on=start,
                recorded_by_id=user.id if user else None,
                recorded_at=utcnow(),
            )
        )
        previous = Stage.negotiating
        for s, d in dates.items():
            db.add(
                StageEvent(
                    project_id=project.id,
                    action="forward",
                    from_stage=previous,
                    to_stage=s,
                    happened_on=d,
                    permit_no=f"430{rng.randint(100000, 999999)}" if s is Stage.started else "",
                    recorded_by_id=user.id if user else None,
                    recorded_at=utcnow(),
                )
            )
            previous = s
        if stage.order >= Stage.signed.order:
            total = pending = Decimal(0)
            first_confirmed: date | None = None
            for n in range(rng.randint(1, 4)):
                amount = (contract * Decimal(rng.choice([0.1, 0.15, 0.2, 0.25]))).quantize(Decimal(1))
                on = min(today, dates[Stage.signed] + timedelta(days=20 + 40 * n))
                status = FundsStatus.confirmed if (today - on).days > 25 else FundsStatus.pending
                source = FundsSource.out_of_province if rng.random() < 0.6 else FundsSource.in_province
                arrival = FundsArrival(
                    project_id=project.id,
                    arrived_on=on,
                    amount=amount,
                    source=source,
                    voucher_no=f"HD{rng.randint(10**7, 10**8 - 1)}",
                    status=status,
                    reviewed_at=utcnow() if status is FundsStatus.confirmed else None,
                    entered_by_id=user.id if user else None,
                )
                db.add(arrival)
                db.flush()
                _attach_voucher(db, arrival, user.id if user else None)
                if status is FundsStatus.confirmed:
                    total += amount
                    first_confirmed = min(first_confirmed or on, on)
                else:
                    pending += amount
            # the same figures services.projects keeps current: confirmed, pending, first confirmed arrival
            project.funds_confirmed = total
            project.funds_pending = pending
            project.first_funds_on = first_confirmed
        if stage.order >= Stage.started.order:
            completed = Decimal(0)
            day = dates[Stage.started]
            step = 0
            while day <= today and step < 8:
                completed += (contract / 8).quantize(Decimal(1))
                update = ProgressUpdate(
                    project_id=project.id,
                    reported_on=day,
                    investment_completed=completed,
                    built=BUILT[step],
                    entered_by_id=user.id if user else None,
                )
                db.add(update)
                db.flush()
                if photo_count < 60 and step % 2 == 0:
                    stored = files.save_upload(
                        settings.files_dir,
                        _site_photo(rng, day, photo_count),
                        field="photo",
                        max_bytes=settings.max_file_bytes,
                        max_side=settings.photo_max_side,
                        keep_position=False,
                        allow_documents=False,
                    )
                    db.add(
                        Attachment(
                            project_id=project.id,
                            owner_type="progress_update",
                            owner_id=update.id,
                            kind=stored.kind,
                            original_name=f"site-{day}.jpg",
                            content_type=stored.content_type,
                            size=stored.size,
                            sha256=stored.sha256,
                            storage_key=stored.storage_key,
                            width=stored.width,
                            height=stored.height,
                            uploaded_by_id=user.id if user else None,
                            uploaded_at=utcnow(),
                        )
                    )
                    photo_count += 1
                project.last_progress_on = day
                day += timedelta(days=rng.choice([25, 30, 35, 80]))
                step += 1
            project.investment_completed = completed
    # a few deliberate warnings: signed long ago and not started; funds before signing
    flagged = db.execute(select(Project).where(Project.stage == Stage.signed)).scalars().all()[:3]
    for project in flagged:
        project.start_by = today - timedelta(days=45)
    db.flush()
    return True
