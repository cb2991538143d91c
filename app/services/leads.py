"""Leads: entry with duplicate warning, the coordinator's judgement, credit settlement and the quota."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Label,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import DomainError, Invalid, NotFound
from app.models.base import utcnow
from app.models.investor import Investor
from app.models.lead import Channel, DuplicatePair, DuplicateStatus, Lead, LeadCredit, LeadStatus
from app.models.project import Project
from app.models.setting import AppSetting
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.common import translate_errors
from app.schemas.leads import CreditShare, InvestorCreate, LeadCreate, LeadJudge, LeadUpdate, SettleDuplicate
from app.services import app_settings, audit, events, investors, projects, registry, workdays
from app.services.common import apply_changes, check_version
from app.services.names import name_key, phone_key

REASON_LABELS = {
    "investor": "同一客商",
    "credit_code": "统一社会信用代码相同",
    "name": "名称相同（规范化后）",
    "phone": "联系电话相同",
}


class DuplicateSuspected(DomainError):
    status_code = 409
    code = "duplicate_suspected"
    message = "疑似与其他单位已报的线索重复，请确认后再提交"


HELD_ELSEWHERE = "其他单位"


@dataclass
class Match:
    """An earlier lead that looks like the same investor. `hidden`: it is the lead of a confidential
    project whose identity the asking principal does not see; `to_dict` (what is shown: the form's
    warning, the API's check and 409) then says only that another unit holds a matching lead, and when."""

    lead_id: int
    unit_id: int
    unit_name: str
    lead_date: date
    investor_name: str
    reasons: list[str] = field(default_factory=list)
    hidden: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead_id": None if self.hidden else self.lead_id,
            "unit_id": None if self.hidden else self.unit_id,
            "unit_name": HELD_ELSEWHERE if self.hidden else self.unit_name,
            "lead_date": self.lead_date.isoformat(),
            "investor_name": projects.HIDDEN if self.hidden else self.investor_name,
            "reasons": self.reasons,
            "reason_text": "、".join(REASON_LABELS[r] for r in self.reasons),
            "hidden": self.hidden,
        }


# --- reading ---------------------------------------------------------------------------------


LEAD_NOT_FOUND = "找不到该线索"


def get(db: Session, principal: Principal, lead_id: int) -> Lead:
    lead = db.get(Lead, lead_id)
    if lead is None:
        raise NotFound(LEAD_NOT_FOUND)
    policy.ensure_read(principal, lead.unit_id, LEAD_NOT_FOUND)  # the same answer: existence is not disclosed
    projects.ensure_lead_visible(db, principal, lead.id, LEAD_NOT_FOUND)  # a confidential project's lead
    return lead


@dataclass
class LeadFilter:
    unit_id: int | None = None
    channel: Channel | None = None
    status: LeadStatus | None = None
    industry: str = ""
    month: str = ""  # YYYY-MM
    q: str = ""  # part of the investor's or project's name
    duplicates_only: bool = False
    updated_since: datetime | None = None  # changed at or after this moment (API sync)


def month_range(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(p) for p in month.split("-", 1))
        start = date(year, mon, 1)
    except ValueError:
        raise Invalid({"month": "月份格式应为 YYYY-MM"}) from None
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def _filtered(principal: Principal, f: LeadFilter) -> Select[Lead, str, str]:
    stmt = (
        select(Lead, Investor.name, Unit.name)
        .join(Investor, Investor.id == Lead.investor_id)
        .join(Unit, Unit.id == Lead.unit_id)
    )
    scope = policy.unit_filter(principal)
    if scope is not None:
        stmt = stmt.where(Lead.unit_id == scope)
    stmt = stmt.where(projects.lead_visible(principal))
    if f.unit_id:
        stmt = stmt.where(Lead.unit_id == f.unit_id)
    if f.channel:
        stmt = stmt.where(Lead.channel == f.channel)
    if f.status:
        stmt = stmt.where(Lead.status == f.status)
    if f.industry:
        stmt = stmt.where(Lead.industry.contains(f.industry, autoescape=True))
    if f.month:
        start, end = month_range(f.month)
        stmt = stmt.where(Lead.lead_date >= start, Lead.lead_date < end)
    if f.q:
        stmt = stmt.where(
            or_(
                Investor.name.contains(f.q, autoescape=True),
                Investor.name_key.contains(name_key(f.q) or f.q, autoescape=True),
                Lead.project_name.contains(f.q, autoescape=True),
            )
        )
    if f.updated_since is not None:
        stmt = stmt.where(Lead.updated_at >= f.updated_since)
    if f.duplicates_only:
        stmt = stmt.where(
            or_(
                Lead.duplicate_of_id.is_not(None),
                exists().where(DuplicatePair.lead_id == Lead.id),
                exists().where(DuplicatePair.earlier_lead_id == Lead.id),
            )
        )
    return stmt


def list_leads(
    db: Session, principal: Principal, f: LeadFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[tuple[Lead, str, str]], int]:
    stmt = _filtered(principal, f)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(Lead.lead_date.desc(), Lead.id.desc()).limit(limit).offset(offset)).all()
    return [(r[0], r[1], r[2]) for r in rows], total


def iter_for_export(
    db: Session, principal: Principal, f: LeadFilter, cap: int = 100_000
) -> list[tuple[Lead, str, str]]:
    rows = db.execute(_filtered(principal, f).order_by(Lead.lead_date.desc(), Lead.id.desc()).limit(cap)).all()
    return [(r[0], r[1], r[2]) for r in rows]


# --- duplicates ------------------------------------------------------------------------------


def find_matches(
    db: Session,
    principal: Principal,
    *,
    investor: Investor | None,
    name: str,
    code: str | None,
    phones: Sequence[str],
    exclude_lead_id: int | None = None,
) -> list[Match]:
    """Earlier leads, in any unit, that look like the same investor.

    Decision (issue 15): a match that is the lead of a confidential project whose identity `principal`
    does not see (`projects.lead_visible`: another unit, the supervisor, a read-only token) is still
    returned, so that the one typing is warned that another unit already holds a matching lead (the
    first-report credit rules still apply and no duplicate is created unknowingly), but it is marked
    `hidden`: what is shown of it (`Match.to_dict`) names neither the project, its investor, its unit,
    its contact nor the lead's id, only "其他单位", the lead's date and what matched (what was typed).
    The coordinator (and the leaders, the project's own units) see every match as it is. The pair
    recorded when the lead is saved anyway links the real leads, for the coordinator to settle."""
    key = name_key(name) if name else ""
    phone_keys = sorted({phone_key(p) for p in phones if len(phone_key(p)) >= 7})
    conditions = []
    if investor is not None:
        conditions.append(Lead.investor_id == investor.id)
    if code:
        conditions.append(Investor.credit_code == code)
    if key:
        conditions.append(Investor.name_key == key)
    if phone_keys:
        conditions.append(Lead.contact_phone_key.in_(phone_keys))
        conditions.append(Investor.phone_key.in_(phone_keys))
    if not conditions:
        return []
    stmt = (
        select(Lead, Investor, Unit.name, projects.lead_visible(principal))
        .join(Investor, Investor.id == Lead.investor_id)
        .join(Unit, Unit.id == Lead.unit_id)
        .where(or_(*conditions))
        .where(Lead.duplicate_of_id.is_(None))
        .order_by(Lead.lead_date, Lead.id)
        .limit(20)
    )
    if exclude_lead_id is not None:
        stmt = stmt.where(Lead.id != exclude_lead_id)
    matches = []
    for lead, inv, unit_name, visible in db.execute(stmt).all():
        reasons = []
        if investor is not None and lead.investor_id == investor.id:
            reasons.append("investor")
        if code and inv.credit_code == code:
            reasons.append("credit_code")
        if key and inv.name_key == key and "investor" not in reasons:
            reasons.append("name")
        if phone_keys and (lead.contact_phone_key in phone_keys or inv.phone_key in phone_keys):
            reasons.append("phone")
        matches.append(Match(lead.id, lead.unit_id, unit_name, lead.lead_date, inv.name, reasons, not visible))
    return matches


def check_duplicates(db: Session, principal: Principal, data: LeadCreate) -> list[Match]:
    """What the form warns about before saving."""
    investor = investors.get(db, data.investor_id) if data.investor_id else None
    if investor is None and data.investor is not None:
        investor = investors.find_existing(db, data.investor)
    name = investor.name if investor else (data.investor.name if data.investor else "")
    code = investor.credit_code if investor else (data.investor.credit_code if data.investor else None)
    phones = [data.contact_phone]
    if data.investor is not None:
        phones.append(data.investor.contact_phone)
    return find_matches(db, principal, investor=investor, name=name, code=code, phones=phones)


# --- writing ---------------------------------------------------------------------------------


def ensure_can_report(principal: Principal) -> None:
    """Only the coordinator and unit staff (people or unit tokens) report leads; leaders, the
    supervision office and read-only tokens are refused before anything else is looked at."""
    if not principal.can_write or principal.role.value not in ("unit_staff", "coordinator"):
        raise policy.DeniedForbidden("您的角色不能报送线索")


def _target_unit(principal: Principal, requested: int | None) -> int:
    if requested is not None and principal.is_coordinator:
        return requested
    if requested is not None and requested != principal.unit_id:
        raise policy.DeniedForbidden("只能报送本单位的线索")
    if principal.unit_id is None:
        raise Invalid({"unit_id": "请选择线索所属单位"})
    return principal.unit_id


def create(db: Session, principal: Principal, data: LeadCreate, *, brought_by_id: int | None = None) -> Lead:
    ensure_can_report(principal)
    unit_id = _target_unit(principal, data.unit_id)
    policy.ensure_write(principal, unit_id)
    if db.get(Unit, unit_id) is None:
        raise Invalid({"unit_id": "单位不存在"})
    matches = check_duplicates(db, principal, data)
    if matches and not data.acknowledge_duplicates:
        raise DuplicateSuspected(details=[m.to_dict() for m in matches])
    if data.investor_id is not None:
        investor = investors.get(db, data.investor_id)
    else:
        assert data.investor is not None
        investor = investors.find_existing(db, data.investor) or investors.create(
            db, principal, InvestorCreate(**data.investor.model_dump())
        )
    values = data.model_dump(exclude={"investor_id", "investor", "unit_id", "acknowledge_duplicates"})
    lead = Lead(
        **values,
        unit_id=unit_id,
        investor_id=investor.id,
        contact_phone_key=phone_key(data.contact_phone),
        brought_by_id=brought_by_id,
        status=LeadStatus.pending,
    )
    if not lead.brought_by_name:
        lead.brought_by_name = principal.label.split("(")[0][:50]
    db.add(lead)
    db.flush()
    for match in matches:
        db.add(DuplicatePair(lead_id=lead.id, earlier_lead_id=match.lead_id, reasons=",".join(match.reasons)))
    threshold = app_settings.get_decimal(db, "large_project_threshold")
    if lead.intended_investment >= threshold:
        registry.register_or_claim(
            db,
            principal,
            investor_id=investor.id,
            unit_id=unit_id,
            project_name=lead.project_name or f"{investor.name}投资项目",
            amount=lead.intended_investment,
            lead_id=lead.id,
            statement=lead.content[:500],
        )
    db.flush()
    events.lead_created(db, lead, matches)
    return lead


def update(db: Session, principal: Principal, lead_id: int, data: LeadUpdate) -> Lead:
    lead = get(db, principal, lead_id)
    policy.ensure_write(principal, lead.unit_id)
    check_version(db, lead, data.version)
    if lead.status is not LeadStatus.pending and not principal.is_coordinator:
        raise Invalid({"__all__": "线索已认定，不能再修改；如需更正请联系招商局"})
    values = data.model_dump(exclude={"version"})
    values["contact_phone_key"] = phone_key(data.contact_phone)
    apply_changes(lead, values)
    db.flush()
    return lead


def judge(db: Session, principal: Principal, lead_id: int, data: LeadJudge) -> Lead:
    policy.ensure_coordinator(principal)
    lead = get(db, principal, lead_id)
    check_version(db, lead, data.version)
    with audit.reason(db, data.reason):
        lead.status = data.status
        lead.status_reason = data.reason
        lead.judged_by_id = principal.user_id
        lead.judged_at = utcnow()
        db.flush()
    events.lead_judged(db, lead)
    return lead


def _canonical(db: Session, lead: Lead) -> Lead:
    seen = {lead.id}
    while lead.duplicate_of_id is not None:
        parent = db.get(Lead, lead.duplicate_of_id)
        if parent is None or parent.id in seen:
            break
        seen.add(parent.id)
        lead = parent
    return lead


def get_pair(db: Session, principal: Principal, pair_id: int) -> DuplicatePair:
    if not principal.reads_everything:
        raise policy.DeniedNotFound()
    pair = db.get(DuplicatePair, pair_id)
    if pair is None:
        raise NotFound("找不到该疑似重复记录")
    return pair


def settle_input(form: Mapping[str, Any]) -> SettleDuplicate:
    """The queue page's decision form as the API's SettleDuplicate: `mode` is "dismiss" (not the same
    investor), "unit:<id>" (all credit to one unit) or "split" (the shares in `share_<unit id>` fields)."""
    mode = str(form.get("mode") or "")
    shares = []
    try:
        if mode.startswith("unit:"):
            shares = [CreditShare(unit_id=int(mode.removeprefix("unit:")), share=Decimal(100))]
        elif mode == "split":
            for key, value in form.items():
                if key.startswith("share_") and isinstance(value, str) and value.strip():
                    shares.append(CreditShare(unit_id=int(key.removeprefix("share_")), share=Decimal(value)))
        return SettleDuplicate(
            version=int(str(form.get("version") or 0)),
            decision=str(form.get("decision") or ""),
            dismiss=mode == "dismiss",
            shares=shares,
        )
    except ValidationError as exc:
        raise Invalid(translate_errors(exc.errors())) from None
    except (ValueError, ArithmeticError):
        raise Invalid({"shares": "份额须为 0–100 的数字"}) from None


def settle(db: Session, principal: Principal, pair_id: int, data: SettleDuplicate) -> DuplicatePair:
    """Settle a suspected pair: not the same (dismiss), or merged with credit to one unit or in shares."""
    policy.ensure_coordinator(principal)
    pair = get_pair(db, principal, pair_id)
    check_version(db, pair, data.version)
    if pair.status is not DuplicateStatus.open:
        raise Invalid({"__all__": "该疑似重复已处理"})
    later = db.get(Lead, pair.lead_id)
    earlier = db.get(Lead, pair.earlier_lead_id)
    assert later is not None and earlier is not None
    with audit.reason(db, data.decision):
        pair.decision = data.decision
        pair.settled_by_id = principal.user_id
        pair.settled_at = utcnow()
        if data.dismiss:
            pair.status = DuplicateStatus.dismissed
            return pair
        canonical = _canonical(db, earlier)
        allowed = {later.unit_id, earlier.unit_id, canonical.unit_id}
        shares = data.shares or []
        if not shares:
            raise Invalid({"shares": "请指定功劳归属：一个单位，或合计 100% 的份额"})
        units = [s.unit_id for s in shares]
        if len(set(units)) != len(units):
            raise Invalid({"shares": "同一单位只能出现一次"})
        if not set(units) <= allowed:
            raise Invalid({"shares": "功劳只能分给报送这条线索的单位"})
        if sum((s.share for s in shares), Decimal(0)) != Decimal(100):
            raise Invalid({"shares": "各单位份额合计须为 100%"})
        pair.status = DuplicateStatus.settled
        later.duplicate_of_id = canonical.id
        for row in db.execute(select(LeadCredit).where(LeadCredit.lead_id == canonical.id)).scalars():
            db.delete(row)
        db.flush()
        if not (len(shares) == 1 and shares[0].unit_id == canonical.unit_id):
            for s in shares:
                db.add(LeadCredit(lead_id=canonical.id, unit_id=s.unit_id, share=s.share))
        # a later lead merged away no longer needs its own pairs with others settled separately
    db.flush()
    return pair


def _hidden_project(principal: Principal, lead: Any, column: str) -> Any:
    """A column of a confidential project of `lead` whose identity the principal does not see (NULL: none),
    as a scalar subquery of the list's own statement."""
    hidden = aliased(Project)
    return (
        select(getattr(hidden, column))
        .where(hidden.lead_id == lead.id, ~projects.identity_visible(principal, hidden))
        .order_by(hidden.id)
        .limit(1)
        .scalar_subquery()
    )


def list_pairs(
    db: Session,
    principal: Principal,
    status: DuplicateStatus | None = DuplicateStatus.open,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The suspected pairs. A pair one of whose leads is a confidential project's lead that the principal
    does not see (the supervisor, a read-only token: `projects.lead_visible`) names neither that side's
    investor, project nor contact: both sides' investor show "（保密）" (the pair says they are the same
    investor), the hidden side shows the project's code name and no link, and the coordinator's decision
    text is redacted. The coordinator, who settles duplicates, and the leaders see every pair as it is."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden("仅招商局、领导和督查室可查看疑似重复")
    later, earlier = aliased(Lead), aliased(Lead)
    later_inv, earlier_inv = aliased(Investor), aliased(Investor)
    later_unit, earlier_unit = aliased(Unit), aliased(Unit)
    masking = not projects.sees_every_identity(principal)
    hidden_columns = (
        [
            _hidden_project(principal, later, "code_name").label("later_code"),
            _hidden_project(principal, later, "name").label("later_project"),
            _hidden_project(principal, earlier, "code_name").label("earlier_code"),
            _hidden_project(principal, earlier, "name").label("earlier_project"),
        ]
        if masking
        else []
    )
    stmt = (
        select(
            DuplicatePair,
            later,
            earlier,
            later_inv.name,
            earlier_inv.name,
            later_unit.name,
            earlier_unit.name,
            *hidden_columns,
        )
        .join(later, later.id == DuplicatePair.lead_id)
        .join(earlier, earlier.id == DuplicatePair.earlier_lead_id)
        .join(later_inv, later_inv.id == later.investor_id)
        .join(earlier_inv, earlier_inv.id == earlier.investor_id)
        .join(later_unit, later_unit.id == later.unit_id)
        .join(earlier_unit, earlier_unit.id == earlier.unit_id)
    )
    if status is not None:
        stmt = stmt.where(DuplicatePair.status == status)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(DuplicatePair.id.desc()).limit(limit).offset(offset)).all()
    result = []
    for r in rows:
        pair, later_lead, earlier_lead = r[0], r[1], r[2]
        row = {
            "pair": pair,
            "later": later_lead,
            "earlier": earlier_lead,
            "later_investor": r[3],
            "earlier_investor": r[4],
            "later_unit": r[5],
            "earlier_unit": r[6],
            "later_hidden": None,
            "earlier_hidden": None,
            "decision": pair.decision,
            "reason_text": "、".join(REASON_LABELS.get(x, x) for x in pair.reasons.split(",") if x),
        }
        if masking and (r.later_code is not None or r.earlier_code is not None):
            secrets = [r.later_project, r.earlier_project]
            for side, lead, code in (("later", later_lead, r.later_code), ("earlier", earlier_lead, r.earlier_code)):
                if code is not None:
                    secrets += [lead.project_name, lead.introducer_name, lead.contact_name, row[f"{side}_investor"]]
                    row[f"{side}_hidden"] = projects.masked_name(SimpleNamespace(code_name=code))
            secrets += [r[3], r[4]]
            shown = projects.ProjectView(False, projects.HIDDEN, "", (projects.HIDDEN, *(s for s in secrets if s)))
            row["later_investor"] = row["earlier_investor"] = projects.HIDDEN
            row["decision"] = shown.redact(pair.decision)
        result.append(row)
    return result, total


def credits(db: Session, lead: Lead) -> list[tuple[int, Decimal]]:
    """Who is credited with a lead, in percent. A merged duplicate credits nobody."""
    if lead.duplicate_of_id is not None:
        return []
    rows = db.execute(select(LeadCredit.unit_id, LeadCredit.share).where(LeadCredit.lead_id == lead.id)).all()
    return [(r[0], r[1]) for r in rows] or [(lead.unit_id, Decimal(100))]


# --- the monthly quota -----------------------------------------------------------------------


def credited_valid_leads(db: Session, year: int, unit_id: int | None = None) -> list[tuple[int, date, Decimal]]:
    """(unit, date, share%) of each valid, unmerged lead of the year, by credited unit: counted once."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    base = and_(
        Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None), Lead.lead_date >= start, Lead.lead_date < end
    )
    own = select(Lead.unit_id, Lead.lead_date).where(base, ~exists().where(LeadCredit.lead_id == Lead.id))
    shared = (
        select(LeadCredit.unit_id, Lead.lead_date, LeadCredit.share)
        .join(Lead, Lead.id == LeadCredit.lead_id)
        .where(base)
    )
    if unit_id is not None:
        own = own.where(Lead.unit_id == unit_id)
        shared = shared.where(LeadCredit.unit_id == unit_id)
    result = [(r[0], r[1], Decimal(100)) for r in db.execute(own).all()]
    result += [(r[0], r[1], r[2]) for r in db.execute(shared).all()]
    return result


# The quota counts a lead for each unit credited with it (as `credited_valid_leads`) in the month of
# its date: one filtered count per month over the year's leads, asked of the database. The months are
# bound parameters ([month_1, month_2) is January, [month_12, month_13) December): see `month_starts`.
QUOTA_KEY = "lead_monthly_quota"
_MONTH_STARTS = [bindparam(f"month_{m}", type_=Date) for m in range(1, 14)]


def month_starts(year: int) -> dict[str, date]:
    """The values of the month parameters for a year."""
    return {f"month_{m}": date(year, m, 1) for m in range(1, 13)} | {"month_13": date(year + 1, 1, 1)}


def _credited(unit_id: Any = None) -> Subquery:
    """(unit_id, lead_date) of each valid, unmerged lead of the year by credited unit: one row per unit
    credited (only `unit_id`'s when given)."""
    base = and_(
        Lead.status == LeadStatus.valid,
        Lead.duplicate_of_id.is_(None),
        Lead.lead_date >= _MONTH_STARTS[0],
        Lead.lead_date < _MONTH_STARTS[12],
    )
    own = select(Lead.unit_id.label("unit_id"), Lead.lead_date.label("lead_date")).where(
        base, ~exists().where(LeadCredit.lead_id == Lead.id)
    )
    shared = select(LeadCredit.unit_id, Lead.lead_date).join(Lead, Lead.id == LeadCredit.lead_id).where(base)
    if unit_id is not None:
        own = own.where(Lead.unit_id == unit_id)
        shared = shared.where(LeadCredit.unit_id == unit_id)
    return union_all(own, shared).subquery("credited")


def _month_counts(credited: Subquery) -> list[Label[int]]:
    return [
        func.count()
        .filter(and_(credited.c.lead_date >= _MONTH_STARTS[m], credited.c.lead_date < _MONTH_STARTS[m + 1]))
        .label(f"leads_month_{m + 1}")
        for m in range(12)
    ]


def monthly_lead_counts(unit_id: Any, name: str) -> Subquery:
    """One row: the leads credited to one unit (a value or a bound parameter) in each month of the
    year, as columns leads_month_1 … leads_month_12."""
    return select(*_month_counts(_credited(unit_id))).subquery(name)


def _months_of(row: Any) -> list[int]:
    """The counts of January … December from a row holding the columns of `monthly_lead_counts`."""
    return [row._mapping[f"leads_month_{m}"] or 0 for m in range(1, 13)]


def quota_key(unit_id: int) -> str:
    """The key of a unit's own quota (a per-unit override, see AppSetting)."""
    return f"{QUOTA_KEY}.unit.{unit_id}"


def quota_value(unit_key: Any) -> ColumnElement[str]:
    """The unit's quota as a column (`app_settings.get` in SQL): its override under `unit_key` (a
    bound parameter), else the setting, else the default."""
    own = select(AppSetting.value).where(AppSetting.key == unit_key).scalar_subquery()
    return func.coalesce(own, app_settings.value_of(QUOTA_KEY))


def standing_of(today: date, quota: int, counts: Sequence[int]) -> dict[str, Any]:
    """`quota_standing` from the quota and the counts of January … December."""
    months = [
        {"month": m, "count": counts[m - 1], "quota": quota, "met": counts[m - 1] >= quota, "closed": m < today.month}
        for m in range(1, today.month + 1)
    ]
    return {
        "year": today.year,
        "quota": quota,
        "months": months,
        "missed": [m["month"] for m in months if m["closed"] and not m["met"]],
        "this_month": months[-1],
    }


_STANDING_UNIT = bindparam("unit_id", type_=Integer)
_COUNTS_OF_UNIT = monthly_lead_counts(_STANDING_UNIT, "unit_leads")
_STANDING = (  # built once: the unit (to know it exists), its quota and its counts
    select(Unit.id, quota_value(bindparam("quota_key")).label("quota"), _COUNTS_OF_UNIT)
    .select_from(Unit)
    .join(_COUNTS_OF_UNIT, true())
    .where(Unit.id == _STANDING_UNIT)
)


def quota_standing(db: Session, principal: Principal, unit_id: int, today: date | None = None) -> dict[str, Any]:
    """Valid leads credited to the unit each month this year against its quota; the months it missed.

    A month counts a lead for the unit if the unit holds any share of its credit (the quota asks
    each unit to bring leads; shares matter for rankings and money, not for this obligation).
    """
    policy.ensure_read(principal, unit_id)
    today = today or workdays.today()
    params = {"unit_id": unit_id, "quota_key": quota_key(unit_id), **month_starts(today.year)}
    row = db.execute(_STANDING, params).first()
    if row is None:
        raise NotFound()
    return standing_of(today, int(Decimal(row.quota)), _months_of(row))


def _valid_between(start: Any, end: Any) -> ColumnElement[bool]:
    """The leads a quota counts (valid, not merged into another) dated in [start, end)."""
    return and_(
        Lead.status == LeadStatus.valid, Lead.duplicate_of_id.is_(None), Lead.lead_date >= start, Lead.lead_date < end
    )


# Every unit's leads credited each month (the counts of `_credited`, for all units at once), read from
# ix_lead_status_date_unit alone: each month's valid leads counted by their own unit over that month's
# range of the index (twelve small groupings: cheaper than testing twelve month filters on every lead);
# then the leads whose credit is shared (as `_credited` counts them, by the units credited, not their
# own: one less for their unit, once per lead, one more for each unit credited), found from the credits.
# The counts are the sums by unit and month.
_MONTH_OF = case(*((Lead.lead_date < _MONTH_STARTS[m], m) for m in range(1, 12)), else_=12)  # within the year
_SHARED_LEADS = select(LeadCredit.lead_id).distinct().subquery("shared_leads")
_MOVES = union_all(
    *(
        select(
            Lead.unit_id.label("unit_id"),
            literal_column(str(m + 1), Integer).label("month"),
            func.count().label("leads"),
        )
        .where(_valid_between(_MONTH_STARTS[m], _MONTH_STARTS[m + 1]))
        .group_by(Lead.unit_id)
        for m in range(12)
    ),
    select(Lead.unit_id, _MONTH_OF, literal_column("-1", Integer))
    .join(_SHARED_LEADS, _SHARED_LEADS.c.lead_id == Lead.id)
    .where(_valid_between(_MONTH_STARTS[0], _MONTH_STARTS[12])),
    select(LeadCredit.unit_id, _MONTH_OF, literal_column("1", Integer))
    .join(Lead, Lead.id == LeadCredit.lead_id)
    .where(_valid_between(_MONTH_STARTS[0], _MONTH_STARTS[12])),
).subquery("moves")
_COUNTS_BY_UNIT = (
    select(
        _MOVES.c.unit_id,
        cast(func.sum(_MOVES.c.leads), Integer).label("year_total"),
        *(
            cast(func.sum(_MOVES.c.leads).filter(_MOVES.c.month == literal_column(str(m), Integer)), Integer).label(
                f"leads_month_{m}"
            )
            for m in range(1, 13)
        ),
    )
    .group_by(_MOVES.c.unit_id)
    .subquery("unit_leads")
)
_OVERRIDE = aliased(AppSetting, name="unit_quota")
_QUOTA_TABLE = (  # built once: each active unit with its quota and its counts
    select(
        Unit.id,
        Unit.name,
        Unit.short_name,
        func.coalesce(_OVERRIDE.value, app_settings.value_of(QUOTA_KEY)).label("quota"),
        _COUNTS_BY_UNIT.c.year_total,
        *(_COUNTS_BY_UNIT.c[f"leads_month_{m}"] for m in range(1, 13)),
    )
    .outerjoin(_COUNTS_BY_UNIT, _COUNTS_BY_UNIT.c.unit_id == Unit.id)
    .outerjoin(_OVERRIDE, _OVERRIDE.key == literal(f"{QUOTA_KEY}.unit.", String) + cast(Unit.id, String))
    .where(Unit.is_active.is_(True))
    .order_by(Unit.sort_order, Unit.id)
)


def quota_table(db: Session, principal: Principal, today: date | None = None) -> list[dict[str, Any]]:
    """Every active unit's standing this year (coordinator's view), in one statement: the units with
    their quotas and their counts by month. "unit" is a row of the unit's id, name and short_name."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden()
    today = today or workdays.today()
    table = []
    for row in db.execute(_QUOTA_TABLE, month_starts(today.year)).all():
        quota = int(Decimal(row.quota))
        if quota <= 0:
            continue
        counts = _months_of(row)
        table.append(
            {
                "unit": row,
                "quota": quota,
                "this_month": counts[today.month - 1],
                "year_total": row.year_total or 0,
                "missed": [m for m in range(1, today.month) if counts[m - 1] < quota],
            }
        )
    return table
