"""首报首谈: the first-report registry for large projects.

The first unit to register a large investor's project holds it; a later claim by another unit
is a dispute that the coordinator decides, with reasons. Registrations and decisions are kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.investor import Investor
from app.models.lead import DisputeStatus, Lead, RegistryClaim, RegistryEntry, RegistryStatus
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.leads import DecideClaim, RegisterProject
from app.services import audit, projects
from app.services.common import check_version


def _active_entry(db: Session, investor_id: int) -> RegistryEntry | None:
    return db.execute(
        select(RegistryEntry)
        .where(
            RegistryEntry.investor_id == investor_id,
            RegistryEntry.status.in_([RegistryStatus.held, RegistryStatus.disputed]),
        )
        .order_by(RegistryEntry.registered_at)
        .limit(1)
    ).scalar_one_or_none()


def register_or_claim(
    db: Session,
    principal: Principal,
    *,
    investor_id: int,
    unit_id: int,
    project_name: str,
    amount: Decimal,
    lead_id: int | None,
    statement: str = "",
) -> RegistryEntry | RegistryClaim:
    """Register the project for the unit, or, if another unit holds it, record the unit's claim."""
    entry = _active_entry(db, investor_id)
    now = utcnow()
    if entry is None:
        entry = RegistryEntry(
            investor_id=investor_id,
            lead_id=lead_id,
            project_name=project_name[:200],
            intended_investment=amount,
            holder_unit_id=unit_id,
            registered_by_id=principal.user_id,
            registered_at=now,
            status=RegistryStatus.held,
        )
        db.add(entry)
        db.flush()
        return entry
    if entry.holder_unit_id == unit_id:
        return entry
    existing = db.execute(
        select(RegistryClaim).where(
            RegistryClaim.entry_id == entry.id,
            RegistryClaim.claimant_unit_id == unit_id,
            RegistryClaim.status == DisputeStatus.open,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    claim = RegistryClaim(
        entry_id=entry.id,
        claimant_unit_id=unit_id,
        lead_id=lead_id,
        claimed_by_id=principal.user_id,
        claimed_at=now,
        statement=statement[:2000],
    )
    db.add(claim)
    entry.status = RegistryStatus.disputed
    db.flush()
    return claim


def can_register_from(db: Session, principal: Principal, lead: Lead) -> bool:
    """Whether the lead's page offers 登记大项目: the principal may register for the lead's unit, the
    intended investment reaches the threshold, and nothing rests on this lead yet."""
    from app.services import app_settings

    if not principal.can_write or principal.role.value not in ("unit_staff", "coordinator"):
        return False
    if not policy.can_write_unit_owned(principal, lead.unit_id) or lead.intended_investment is None:
        return False
    if lead.intended_investment < app_settings.get_decimal(db, "large_project_threshold"):
        return False
    rests = (
        select(RegistryEntry.id)
        .where(RegistryEntry.lead_id == lead.id)
        .union_all(select(RegistryClaim.id).where(RegistryClaim.lead_id == lead.id))
    )
    return db.execute(rests.limit(1)).first() is None


def lead_options(db: Session, principal: Principal, investor_id: int) -> list[tuple[int, str]]:
    """The leads about this investor a registration may rest on, to choose by date and name: the unit's
    own (the coordinator sees every unit's, each labelled with its unit)."""
    stmt = (
        select(Lead.id, Lead.lead_date, Lead.project_name, Unit.name)
        .join(Unit, Unit.id == Lead.unit_id)
        .where(Lead.investor_id == investor_id)
        .order_by(Lead.lead_date.desc(), Lead.id.desc())
        .limit(50)
    )
    if not principal.is_coordinator:
        stmt = stmt.where(Lead.unit_id == principal.unit_id)
    options = []
    for lead_id, day, name, unit in db.execute(stmt):
        label = f"{day.isoformat()} {name or '（未填意向项目）'}"
        options.append((lead_id, f"{label} · {unit}" if principal.is_coordinator else label))
    return options


def register(db: Session, principal: Principal, data: RegisterProject) -> RegistryEntry | RegistryClaim:
    if not principal.can_write or principal.role.value not in ("unit_staff", "coordinator"):
        raise policy.DeniedForbidden("您的角色不能登记项目")
    if data.unit_id and not principal.is_coordinator and data.unit_id != principal.unit_id:
        raise policy.DeniedForbidden("只能为本单位登记")
    unit_id = data.unit_id if (data.unit_id and principal.is_coordinator) else principal.unit_id
    if unit_id is None:
        raise Invalid({"unit_id": "请选择登记单位"})
    policy.ensure_write(principal, unit_id)
    if db.get(Investor, data.investor_id) is None:
        raise Invalid({"investor_id": "客商不存在"})
    if data.lead_id is not None:
        # the evidence of a first report is the registering unit's own lead about this investor:
        # another unit's lead is answered as if it did not exist (its existence is not revealed)
        lead = db.get(Lead, data.lead_id)
        if lead is None or lead.unit_id != unit_id:
            raise Invalid({"lead_id": "找不到该线索：只能以本单位登记的线索为依据"})
        if lead.investor_id != data.investor_id:
            raise Invalid({"lead_id": "该线索的客商不是所登记的客商"})
    return register_or_claim(
        db,
        principal,
        investor_id=data.investor_id,
        unit_id=unit_id,
        project_name=data.project_name,
        amount=data.intended_investment,
        lead_id=data.lead_id,
        statement=data.statement,
    )


def decide(db: Session, principal: Principal, claim_id: int, data: DecideClaim) -> RegistryClaim:
    policy.ensure_coordinator(principal)
    claim = db.get(RegistryClaim, claim_id)
    if claim is None:
        raise NotFound("找不到该争议")
    check_version(db, claim, data.version)
    if claim.status is not DisputeStatus.open:
        raise Invalid({"__all__": "该争议已裁定"})
    entry = db.get(RegistryEntry, claim.entry_id)
    assert entry is not None
    if data.winner_unit_id not in (entry.holder_unit_id, claim.claimant_unit_id):
        raise Invalid({"winner_unit_id": "只能裁定给首报单位或提出争议的单位"})
    with audit.reason(db, data.reason):
        claim.status = DisputeStatus.decided
        claim.winner_unit_id = data.winner_unit_id
        claim.decision_reason = data.reason
        claim.decided_by_id = principal.user_id
        claim.decided_at = utcnow()
        if data.winner_unit_id != entry.holder_unit_id:
            entry.holder_unit_id = data.winner_unit_id
        db.flush()
        still_open = db.execute(
            select(func.count())
            .select_from(RegistryClaim)
            .where(RegistryClaim.entry_id == entry.id, RegistryClaim.status == DisputeStatus.open)
        ).scalar_one()
        entry.status = RegistryStatus.disputed if still_open else RegistryStatus.held
    db.flush()
    return claim


def listing(
    db: Session, principal: Principal, *, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Who registered what and when, with each entry's claims. Every unit may read the registry."""
    holder = aliased(Unit)
    stmt = (
        # the entry of a confidential project's lead names neither the project nor its investor to those
        # who see only the project's code name (projects.lead_visible)
        select(RegistryEntry, Investor.name, holder.name, projects.lead_visible(principal, RegistryEntry.lead_id))
        .join(Investor, Investor.id == RegistryEntry.investor_id)
        .join(holder, holder.id == RegistryEntry.holder_unit_id)
    )
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(RegistryEntry.registered_at.desc()).limit(limit).offset(offset)).all()
    entry_ids = [r[0].id for r in rows]
    claimant = aliased(Unit)
    claims: dict[int, list[dict[str, Any]]] = {}
    if entry_ids:
        for claim, unit_name in db.execute(
            select(RegistryClaim, claimant.name)
            .join(claimant, claimant.id == RegistryClaim.claimant_unit_id)
            .where(RegistryClaim.entry_id.in_(entry_ids))
            .order_by(RegistryClaim.claimed_at)
        ).all():
            claims.setdefault(claim.entry_id, []).append({"claim": claim, "unit_name": unit_name})
    return [
        {
            "entry": r[0],
            "project_name": r[0].project_name if r[3] else projects.HIDDEN,
            "investor_name": r[1] if r[3] else projects.HIDDEN,
            "holder_name": r[2],
            "claims": claims.get(r[0].id, []),
        }
        for r in rows
    ], total


def open_disputes(db: Session, principal: Principal) -> int:
    return int(
        db.execute(
            select(func.count()).select_from(RegistryClaim).where(RegistryClaim.status == DisputeStatus.open)
        ).scalar_one()
    )
