"""The investor catalogue (客商库) and natives working elsewhere (在外乡贤)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Duplicate, Invalid, NotFound
from app.models.investor import Investor, Native
from app.principal import Principal
from app.schemas.leads import InvestorCreate, InvestorFields, InvestorUpdate
from app.services import projects
from app.services.common import apply_changes, check_version
from app.services.names import name_key, phone_key


def get(db: Session, investor_id: int) -> Investor:
    investor = db.get(Investor, investor_id)
    if investor is None:
        raise NotFound("找不到该客商")
    return investor


def get_shown(db: Session, principal: Principal, investor_id: int) -> Investor:
    """A catalogue record as the principal may open it: one known only as the investor of a confidential
    project whose identity the principal does not see is answered as missing."""
    investor = get(db, investor_id)
    projects.ensure_investor_visible(db, principal, investor.id)
    return investor


def search(
    db: Session,
    principal: Principal,
    q: str,
    *,
    limit: int = 20,
    offset: int = 0,
    updated_since: datetime | None = None,
) -> tuple[Sequence[Investor], int]:
    """Investors whose name contains q (as typed, or normalised), or whose code or phone is q (none known
    only as the investor of a confidential project whose identity the principal does not see);
    `updated_since`: only those changed at or after that moment."""
    stmt = select(Investor).where(projects.investor_visible(principal))
    if updated_since is not None:
        stmt = stmt.where(Investor.updated_at >= updated_since)
    q = q.strip()
    if q:
        key = name_key(q)
        conditions = [Investor.name.contains(q, autoescape=True)]
        if key:
            conditions.append(Investor.name_key.contains(key, autoescape=True))
        if len(q) == 18:
            conditions.append(Investor.credit_code == q.upper())
        digits = phone_key(q)
        if len(digits) >= 7:
            conditions.append(Investor.phone_key == digits)
        stmt = stmt.where(or_(*conditions))
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(Investor.name).limit(limit).offset(offset)).scalars().all()
    return rows, total


def find_existing(db: Session, data: InvestorFields) -> Investor | None:
    """The catalogue's record for this investor: same credit code, else the same normalised name."""
    if data.credit_code:
        found = db.execute(select(Investor).where(Investor.credit_code == data.credit_code)).scalar_one_or_none()
        if found is not None:
            return found
    key = name_key(data.name)
    candidates = db.execute(select(Investor).where(Investor.name_key == key).order_by(Investor.id)).scalars().all()
    for candidate in candidates:
        if not (data.credit_code and candidate.credit_code and candidate.credit_code != data.credit_code):
            return candidate
    return None


class NotChosen(Invalid):
    """A typed investor name that names no single record, sent without a suggestion chosen and without
    asking for a new one: the page asks which it is (`choices`, the records whose name contains it)."""

    def __init__(self, field: str, name: str, choices: Sequence[Investor]) -> None:
        if choices:
            message = f"客商库中没有名为“{name}”的客商：请从下列匹配中选择一个，或确认新建客商"
        else:
            message = f"客商库中没有“{name}”：请核对名称，或确认新建客商"
        super().__init__({field: message})
        self.name = name
        self.choices = choices


def resolve_typed(
    db: Session, principal: Principal, name: str, *, create_new: bool, field: str = "investor_name"
) -> Investor:
    """The investor a form names by typing, when no suggestion was chosen: the visible record with exactly
    this (normalised) name, else a new record if the user confirmed creating one, else NotChosen (nothing
    is created silently from a half-typed name)."""
    name = " ".join(name.split())
    if len(name) < 2:
        raise Invalid({field: "请输入客商名称（至少 2 个字），并从提示中选择"})
    key = name_key(name)
    exact = (
        db.execute(
            select(Investor)
            .where(Investor.name_key == key, projects.investor_visible(principal))
            .order_by(Investor.id)
            .limit(2)
        )
        .scalars()
        .all()
    )
    if len(exact) == 1:
        return exact[0]
    if create_new:
        try:
            data = InvestorCreate(name=name)
        except ValidationError:
            raise Invalid({field: "客商名称须为 2 至 200 个字"}) from None
        return create(db, principal, data)
    raise NotChosen(field, name, list(exact) or search(db, principal, name, limit=8)[0])


def ensure_chosen(
    db: Session, principal: Principal, data: InvestorFields, *, create_new: bool, field: str = "investor_name"
) -> None:
    """A new investor typed on a form (the lead form) is taken as it is only when it is one: the catalogue
    holds it already (same code or name), it carries a credit code (its identity), or the user confirmed
    the new record. A half-typed name raises NotChosen with the records whose name contains it."""
    if create_new or data.credit_code or find_existing(db, data) is not None:
        return
    name = " ".join(data.name.split())
    raise NotChosen(field, name, search(db, principal, name, limit=8)[0])


def _values(data: InvestorFields) -> dict[str, object]:
    values = data.model_dump(exclude={"version"})
    values["name_key"] = name_key(data.name)
    values["phone_key"] = phone_key(data.contact_phone)
    return values


def create(db: Session, principal: Principal, data: InvestorCreate) -> Investor:
    if not principal.can_write:
        raise policy.DeniedForbidden()
    if data.credit_code and db.execute(select(Investor.id).where(Investor.credit_code == data.credit_code)).first():
        raise Duplicate("客商库中已有该统一社会信用代码的企业", field="credit_code")
    investor = Investor(**_values(data), created_by_unit_id=principal.unit_id)
    db.add(investor)
    db.flush()
    return investor


def update(db: Session, principal: Principal, investor_id: int, data: InvestorUpdate) -> Investor:
    investor = get(db, investor_id)
    # the catalogue is read by every unit, so a record one may not change is answered 403, not 404
    if not policy.can_write_unit_owned(principal, investor.created_by_unit_id):
        raise policy.DeniedForbidden("只有建立该客商的单位或招商局可以修改")
    check_version(db, investor, data.version)
    if data.credit_code:
        clash = db.execute(select(Investor.id).where(Investor.credit_code == data.credit_code)).scalar_one_or_none()
        if clash is not None and clash != investor.id:
            raise Duplicate("客商库中已有该统一社会信用代码的企业", field="credit_code")
    apply_changes(investor, _values(data))
    db.flush()
    return investor


def list_natives(
    db: Session, principal: Principal, q: str = "", limit: int = 50, offset: int = 0
) -> tuple[Sequence[Native], int]:
    stmt = select(Native)
    scope = policy.unit_filter(principal)
    if scope is not None:
        stmt = stmt.where(Native.unit_id == scope)
    if q:
        stmt = stmt.where(
            or_(
                Native.name.contains(q, autoescape=True),
                Native.employer.contains(q, autoescape=True),
                Native.hometown.contains(q, autoescape=True),
            )
        )
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    return db.execute(stmt.order_by(Native.id.desc()).limit(limit).offset(offset)).scalars().all(), total
