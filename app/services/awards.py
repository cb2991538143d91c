"""Incentive awards: rules computed from confirmed figures, split by credit, through verification,
public notice and approval within the year's budget, to payment and, on breach, clawback.

Money is Decimal yuan. Each award is rounded half-up to the fen; when an amount is split among
several credited parties, each part is first rounded down to the fen and the fens left over go one
by one to the parts with the largest remainders (ties: in the order the credit lists them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.award import (
    AgreementState,
    Award,
    AwardBudget,
    AwardObjection,
    AwardStatus,
    Clawback,
    IncentiveAgreement,
    IncentivePolicy,
    IntroducerRegistration,
    PolicyKind,
    PolicyVersion,
    ProjectCredit,
    RecipientType,
)
from app.models.base import utcnow
from app.models.lead import LeadCredit
from app.models.project import Category, Project, Stage
from app.models.unit import Unit
from app.models.user import Role
from app.principal import Principal
from app.services import audit
from app.services.common import check_version

FEN = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
NOTICE_DAYS = 7


def yuan(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


# --- splitting -------------------------------------------------------------------------------


def split(total: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` yuan by percent shares (summing to ≤ 100): floor to the fen, largest remainders get the rest."""
    total = yuan(total)
    share_sum = sum(shares, Decimal(0))
    if not shares or share_sum <= 0:
        return []
    target = yuan(total * share_sum / 100)
    exact = [total * s / 100 for s in shares]
    parts = [e.quantize(FEN, rounding=ROUND_DOWN) for e in exact]
    leftover = int(((target - sum(parts, Decimal(0))) / FEN).to_integral_value())
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: max(0, leftover)]:
        parts[i] += FEN
    return parts


# --- policies --------------------------------------------------------------------------------


def current_version(db: Session, policy_id: int, on: date | None = None) -> PolicyVersion:
    on = on or date.today()
    version = db.execute(
        select(PolicyVersion)
        .where(
            PolicyVersion.policy_id == policy_id,
            PolicyVersion.effective_from <= on,
            (PolicyVersion.effective_to.is_(None)) | (PolicyVersion.effective_to >= on),
        )
        .order_by(PolicyVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    if version is None:
        raise Invalid({"policy_id": "该政策在此日期没有有效版本"})
    return version


def list_policies(db: Session) -> list[tuple[IncentivePolicy, PolicyVersion | None]]:
    result = []
    for p in db.execute(select(IncentivePolicy).order_by(IncentivePolicy.id)).scalars():
        latest = db.execute(
            select(PolicyVersion).where(PolicyVersion.policy_id == p.id).order_by(PolicyVersion.number.desc()).limit(1)
        ).scalar_one_or_none()
        result.append((p, latest))
    return result


def add_version(
    db: Session,
    principal: Principal,
    policy_id: int,
    *,
    effective_from: date,
    params: dict[str, Any],
    recipients: Sequence[str],
    exclusions: Sequence[str] = (),
    claim_window_days: int | None = None,
) -> PolicyVersion:
    """A new version; the one before ends the day before. Awards computed earlier keep their version."""
    policy.ensure_coordinator(principal)
    pol = db.get(IncentivePolicy, policy_id)
    if pol is None:
        raise NotFound("找不到该政策")
    validate_params(pol.kind, params)
    bad = [r for r in recipients if r not in RecipientType.__members__]
    if bad or not recipients:
        raise Invalid({"recipients": "请选择可获奖对象"})
    previous = db.execute(
        select(PolicyVersion).where(PolicyVersion.policy_id == policy_id).order_by(PolicyVersion.number.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is not None:
        if effective_from <= previous.effective_from:
            raise Invalid({"effective_from": "新版本的生效日期须晚于上一版本"})
        previous.effective_to = effective_from - timedelta(days=1)
    version = PolicyVersion(
        policy_id=policy_id,
        number=(previous.number + 1) if previous else 1,
        effective_from=effective_from,
        params=params,
        recipients=",".join(recipients),
        exclusions=",".join(exclusions),
        claim_window_days=claim_window_days,
        created_at=utcnow(),
    )
    db.add(version)
    db.flush()
    return version


def validate_params(kind: PolicyKind, params: dict[str, Any]) -> None:
    def number(key: str, *, required: bool = True) -> None:
        if key not in params:
            if required:
                raise Invalid({key: "缺少参数"})
            return
        try:
            if Decimal(str(params[key])) < 0:
                raise ValueError
        except (ArithmeticError, ValueError):
            raise Invalid({key: "参数须为非负数"}) from None

    if kind is PolicyKind.per_funds:
        number("yuan_per_10k")
    elif kind is PolicyKind.per_mille:
        bands = params.get("bands")
        if not isinstance(bands, list) or not bands:
            raise Invalid({"bands": "请设置分档千分比"})
    elif kind in (PolicyKind.milestone, PolicyKind.long_term, PolicyKind.honour):
        number("amount")
    number("cap_per_project", required=False)
    number("cap_per_recipient", required=False)


# --- credit ----------------------------------------------------------------------------------


def credits(db: Session, project: Project) -> list[ProjectCredit]:
    """The project's credit; when none was set, it follows the lead's settled credit (or 100% to the unit)."""
    rows = list(
        db.execute(
            select(ProjectCredit).where(ProjectCredit.project_id == project.id).order_by(ProjectCredit.id)
        ).scalars()
    )
    if rows:
        return rows
    shares: list[tuple[int, Decimal]] = []
    if project.lead_id is not None:
        shares = [
            (r.unit_id, r.share)
            for r in db.execute(
                select(LeadCredit).where(LeadCredit.lead_id == project.lead_id).order_by(LeadCredit.id)
            ).scalars()
        ]
    if not shares:
        shares = [(project.introducing_unit_id, Decimal(100))]
    result = []
    for unit_id, share in shares:
        unit = db.get(Unit, unit_id)
        result.append(
            ProjectCredit(
                project_id=project.id,
                party=RecipientType.unit,
                unit_id=unit_id,
                name=unit.name if unit else "",
                share=share,
            )
        )
    return result


@dataclass
class CreditInput:
    party: RecipientType
    name: str
    share: Decimal
    unit_id: int | None = None
    user_id: int | None = None
    introducer_id: int | None = None
    is_duty_official: bool = False
    is_investor_controller: bool = False


def set_credits(
    db: Session, principal: Principal, project_id: int, parts: Sequence[CreditInput]
) -> list[ProjectCredit]:
    policy.ensure_coordinator(principal)
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound("找不到该项目")
    if not parts:
        raise Invalid({"shares": "请至少指定一方"})
    if sum((p.share for p in parts), Decimal(0)) != Decimal(100):
        raise Invalid({"shares": "各方份额合计须为 100%"})
    for p in parts:
        if p.share <= 0:
            raise Invalid({"shares": "份额须大于 0"})
        if p.party is RecipientType.introducer:
            reg = db.get(IntroducerRegistration, p.introducer_id) if p.introducer_id else None
            if reg is None or reg.project_id != project_id or not reg.is_first:
                raise Invalid({"shares": "引荐人须是该项目首个备案的引荐人"})
    for row in db.execute(select(ProjectCredit).where(ProjectCredit.project_id == project_id)).scalars():
        db.delete(row)
    db.flush()
    rows = [
        ProjectCredit(
            project_id=project_id,
            party=p.party,
            name=p.name,
            share=p.share,
            unit_id=p.unit_id,
            user_id=p.user_id,
            introducer_id=p.introducer_id,
            is_duty_official=p.is_duty_official,
            is_investor_controller=p.is_investor_controller,
        )
        for p in parts
    ]
    db.add_all(rows)
    db.flush()
    return rows


# --- introducer registration -----------------------------------------------------------------


def register_introducer(
    db: Session,
    principal: Principal,
    project_id: int,
    *,
    kind: str,
    name: str,
    phone: str,
    registered_on: date,
    investor_confirmed: bool,
    confirmation: str,
) -> IntroducerRegistration:
    from app.models.award import IntroducerKind
    from app.services import projects

    project = projects.get_for_write(db, principal, project_id)
    errors = {}
    if not name.strip():
        errors["name"] = "请填写引荐人"
    if not investor_confirmed or not confirmation.strip():
        errors["investor_confirmation"] = "备案须有客商的确认（确认人、方式）"
    if project.signed_on is not None and registered_on >= project.signed_on:
        errors["registered_on"] = f"项目已于 {project.signed_on} 签约，签约后不能再备案引荐人"
    if registered_on > date.today():
        errors["registered_on"] = "日期不能晚于今天"
    try:
        kind_value = IntroducerKind(kind)
    except ValueError:
        errors["kind"] = "请选择引荐人类型"
        kind_value = IntroducerKind.person
    if errors:
        raise Invalid(errors)
    first = db.execute(
        select(IntroducerRegistration.id).where(
            IntroducerRegistration.project_id == project_id, IntroducerRegistration.is_first.is_(True)
        )
    ).first()
    reg = IntroducerRegistration(
        project_id=project_id,
        kind=kind_value,
        name=name.strip()[:100],
        phone=phone[:30],
        registered_on=registered_on,
        investor_confirmed=True,
        investor_confirmation=confirmation[:2000],
        is_first=first is None,
        registered_by_id=principal.user_id,
    )
    db.add(reg)
    db.flush()
    return reg


def introducers(db: Session, project_id: int) -> Sequence[IntroducerRegistration]:
    return (
        db.execute(
            select(IntroducerRegistration)
            .where(IntroducerRegistration.project_id == project_id)
            .order_by(IntroducerRegistration.registered_on, IntroducerRegistration.id)
        )
        .scalars()
        .all()
    )


# --- computing -------------------------------------------------------------------------------


@dataclass
class Computation:
    amount: Decimal  # for the whole project, before the split, after the project cap
    text: str
    basis: dict[str, Any]
    trigger: date | None = None


def _d(params: dict[str, Any], key: str, default: str = "0") -> Decimal:
    return Decimal(str(params.get(key, default)))


def compute(
    project: Project | None,
    version: PolicyVersion,
    kind: PolicyKind,
    *,
    year: int | None = None,
    special_amount: Decimal | None = None,
) -> Computation:
    """The whole award under one policy version, from confirmed figures, with its calculation in words."""
    p = version.params
    cap = _d(p, "cap_per_project") if "cap_per_project" in p else None
    if kind is PolicyKind.per_funds:
        assert project is not None
        funds = project.funds_confirmed
        per = _d(p, "yuan_per_10k")
        raw = funds / 10 * per
        text = f"已确认到位资金 {fmt(funds)} 万元 ÷ 10 万元 × {fmt(per)} 元 = {fmt(yuan(raw))} 元"
        basis: dict[str, Any] = {"funds_confirmed_wan": str(funds), "yuan_per_10k": str(per)}
        trigger = project.first_funds_on
    elif kind is PolicyKind.per_mille:
        assert project is not None
        if project.completed_on is None:
            raise Invalid({"policy_id": "按固定资产投资奖励须在项目竣工、投资核定后申报"})
        base = project.investment_completed
        bands = sorted(p["bands"], key=lambda b: Decimal(str(b["from_wan"])))
        chosen = None
        for band in bands:
            if base >= Decimal(str(band["from_wan"])):
                chosen = band
        if chosen is None:
            raise Invalid({"policy_id": f"固定资产投资 {fmt(base)} 万元未达到最低档 {bands[0]['from_wan']} 万元"})
        permille = Decimal(str(chosen["permille"]))
        raw = base * TEN_THOUSAND * permille / 1000
        text = (
            f"竣工核定固定资产投资 {fmt(base)} 万元（{chosen['from_wan']} 万元以上档）× {permille}‰ "
            f"= {fmt(yuan(raw))} 元"
        )
        basis = {"investment_completed_wan": str(base), "permille": str(permille), "band_from_wan": chosen["from_wan"]}
        trigger = project.completed_on
    elif kind is PolicyKind.milestone:
        assert project is not None
        floor = _d(p, "min_wan")
        stage = Stage(p.get("stage", "started"))
        amount_base = project.contract_investment
        reached = getattr(project, f"{stage.value}_on")
        if amount_base < floor or reached is None:
            raise Invalid(
                {
                    "policy_id": f"须合同投资 ≥ {fmt(floor)} 万元且已{stage.label}（当前合同投资 "
                    f"{fmt(amount_base)} 万元，{'已' if reached else '未'}{stage.label}）"
                }
            )
        raw = _d(p, "amount")
        text = (
            f"合同投资 {fmt(amount_base)} 万元 ≥ {fmt(floor)} 万元，且于 {reached} {stage.label}："
            f"一次性奖励 {fmt(raw)} 元"
        )
        basis = {"contract_investment_wan": str(amount_base), "stage": stage.value, "reached_on": reached.isoformat()}
        trigger = reached
    elif kind is PolicyKind.long_term:
        assert project is not None and year is not None
        floor = _d(p, "min_wan")
        reasons = []
        if project.production_on is None or project.production_on > date(year, 12, 31):
            reasons.append(f"{year} 年底前未投产")
        if p.get("category") and project.category is not Category(p["category"]):
            reasons.append(f"不是{Category(p['category']).label}项目")
        if project.contract_investment < floor:
            reasons.append(f"一次性投资不足 {fmt(floor)} 万元")
        if p.get("in_zone") and project.zone_unit_id is None:
            reasons.append("不在园区内")
        years = int(p.get("years", 3))
        if project.production_on is not None and year > project.production_on.year + years - 1:
            reasons.append(f"长效奖励只奖励投产后 {years} 年")
        if reasons:
            raise Invalid({"policy_id": "不符合长效奖励条件：" + "；".join(reasons)})
        raw = _d(p, "amount")
        text = (
            f"{year} 年持续生产（{project.production_on} 投产，合同投资 {fmt(project.contract_investment)} 万元）："
            f"年度奖励 {fmt(raw)} 元"
        )
        basis = {"year": year, "production_on": project.production_on.isoformat() if project.production_on else None}
        trigger = date(year, 12, 31)
    elif kind is PolicyKind.honour:
        raw = _d(p, "amount")
        text = f"授予“{p.get('title', '荣誉')}”称号，奖励 {fmt(raw)} 元"
        basis = {"title": p.get("title", "")}
        trigger = None
    else:
        if special_amount is None or special_amount <= 0:
            raise Invalid({"amount": "一事一议须填写研究确定的金额"})
        raw = special_amount
        text = f"一事一议研究确定：{fmt(raw)} 元"
        basis = {}
        trigger = None
    amount = yuan(raw)
    if cap is not None and amount > cap:
        text += f"；超过单个项目上限 {fmt(cap)} 元，按上限计"
        amount = yuan(cap)
    return Computation(amount, text, basis, trigger)


# --- proposing -------------------------------------------------------------------------------


def _recipient_total(db: Session, policy_id: int, party: ProjectCredit) -> Decimal:
    """What this recipient already has under the same policy (all versions), except rejected awards."""
    stmt = (
        select(func.coalesce(func.sum(Award.amount), 0))
        .join(PolicyVersion, PolicyVersion.id == Award.policy_version_id)
        .where(
            PolicyVersion.policy_id == policy_id,
            Award.status != AwardStatus.rejected,
            Award.recipient_type == party.party,
            Award.recipient_name == party.name,
        )
    )
    return Decimal(db.execute(stmt).scalar_one())


def propose(
    db: Session,
    principal: Principal,
    *,
    policy_id: int,
    project_id: int | None = None,
    year: int | None = None,
    special_amount: Decimal | None = None,
    decision_ref: str = "",
    honour_recipient: CreditInput | None = None,
    today: date | None = None,
) -> list[Award]:
    """Compute and propose the awards of one policy for one project (one per credited, eligible party)."""
    today = today or date.today()
    pol = db.get(IncentivePolicy, policy_id)
    if pol is None or not pol.is_active:
        raise Invalid({"policy_id": "请选择有效的政策"})
    version = current_version(db, policy_id, today)
    project = None
    if pol.kind in (PolicyKind.honour,):
        if honour_recipient is None:
            raise Invalid({"recipient": "请填写获奖单位或个人"})
        if not principal.is_coordinator:
            raise policy.DeniedForbidden("荣誉奖励由招商局评定")
    else:
        from app.services import projects

        if project_id is None:
            raise Invalid({"project_id": "请选择项目"})
        project = projects.get_for_write(db, principal, project_id)
    if pol.kind is PolicyKind.special and not decision_ref.strip():
        raise Invalid({"decision_ref": "一事一议须填写会议纪要或批复文号"})
    if pol.kind is PolicyKind.long_term:
        year = year or today.year - 1
    comp = compute(project, version, pol.kind, year=year, special_amount=special_amount)
    if version.claim_window_days is not None and comp.trigger is not None:
        deadline = comp.trigger + timedelta(days=version.claim_window_days)
        if today > deadline:
            raise Invalid({"policy_id": f"已超过申报期限（应于 {deadline} 前申报）"})
    allowed = {RecipientType(r) for r in version.recipients.split(",") if r}
    excluded = {e for e in version.exclusions.split(",") if e}
    if pol.kind is PolicyKind.honour:
        assert honour_recipient is not None
        parties = [
            ProjectCredit(
                party=honour_recipient.party,
                name=honour_recipient.name,
                share=Decimal(100),
                unit_id=honour_recipient.unit_id,
                user_id=honour_recipient.user_id,
            )
        ]
    else:
        assert project is not None
        parties = credits(db, project)
    eligible: list[ProjectCredit] = []
    skipped: list[str] = []
    for party in parties:
        if party.party not in allowed:
            skipped.append(f"{party.name}（{party.party.label}不在本政策奖励范围）")
        elif "duty_official" in excluded and party.is_duty_official:
            skipped.append(f"{party.name}（负有该项目招商职责的公职人员，不予奖励）")
        elif "investor_controller" in excluded and party.is_investor_controller:
            skipped.append(f"{party.name}（投资方实际控制人，不予奖励）")
        else:
            eligible.append(party)
    if not eligible:
        raise Invalid({"policy_id": "没有符合本政策的获奖对象：" + "；".join(skipped)})
    parts = split(comp.amount, [p.share for p in eligible])
    budget_year = today.year
    applicant_unit = principal.unit_id or (project.responsible_unit_id if project else None)
    if applicant_unit is None:
        raise Invalid({"__all__": "请以单位身份申报"})
    awards = []
    for party, part in zip(eligible, parts, strict=True):
        duplicate = (
            select(Award.id)
            .join(PolicyVersion, PolicyVersion.id == Award.policy_version_id)
            .where(
                PolicyVersion.policy_id == policy_id,
                Award.status != AwardStatus.rejected,
                Award.recipient_type == party.party,
                Award.recipient_name == party.name,
            )
        )
        if project is not None:
            duplicate = duplicate.where(Award.project_id == project.id)
        if pol.kind is PolicyKind.long_term:
            duplicate = duplicate.where(Award.period_year == year)
        if pol.kind is not PolicyKind.honour and db.execute(duplicate.limit(1)).first():
            raise Invalid({"policy_id": f"{party.name} 已按本政策申报过该项目的奖励"})
        text = comp.text
        if len(eligible) > 1 or party.share != 100:
            text += f"；按功劳份额 {party.share}% 计 {fmt(part)} 元"
        amount = part
        if "cap_per_recipient" in version.params:
            cap = _d(version.params, "cap_per_recipient")
            room = max(Decimal(0), cap - _recipient_total(db, policy_id, party))
            if amount > room:
                text += f"；本政策每个获奖对象上限 {fmt(cap)} 元，已获 {fmt(cap - room)} 元，本次按 {fmt(room)} 元计"
                amount = yuan(room)
        if skipped:
            text += "；未计：" + "；".join(skipped)
        award = Award(
            policy_version_id=version.id,
            project_id=project.id if project else None,
            applicant_unit_id=applicant_unit,
            recipient_type=party.party,
            recipient_name=party.name,
            recipient_unit_id=party.unit_id,
            recipient_user_id=party.user_id,
            credit_id=party.id,
            share=party.share,
            period_year=year if pol.kind is PolicyKind.long_term else None,
            budget_year=budget_year,
            basis=comp.basis,
            calculation=text,
            amount=amount,
            decision_ref=decision_ref.strip(),
        )
        db.add(award)
        awards.append(award)
    db.flush()
    return awards


# --- the path --------------------------------------------------------------------------------


def get(db: Session, principal: Principal, award_id: int) -> Award:
    award = db.get(Award, award_id)
    if award is None:
        raise NotFound("找不到该奖励")
    if not (principal.reads_everything or principal.unit_id in (award.applicant_unit_id, award.recipient_unit_id)):
        raise policy.DeniedNotFound()
    return award


def _step(
    db: Session,
    principal: Principal,
    award_id: int,
    version: int,
    allowed: Sequence[AwardStatus],
    *,
    who: str = "coordinator",
) -> Award:
    if who == "verifier":
        if principal.read_only or principal.role not in (Role.coordinator, Role.supervisor):
            raise policy.DeniedForbidden("由督查室或招商局核查")
    else:
        policy.ensure_coordinator(principal)
    award = get(db, principal, award_id)
    check_version(db, award, version)
    if award.status not in allowed:
        raise Invalid({"status": f"奖励当前为“{award.status.label}”，不能执行此步骤"})
    return award


def verify(db: Session, principal: Principal, award_id: int, version: int, note: str) -> Award:
    award = _step(db, principal, award_id, version, [AwardStatus.proposed], who="verifier")
    if not note.strip():
        raise Invalid({"note": "请记录核查情况（核对的凭证、到位资金、开工等）"})
    with audit.reason(db, note):
        award.status = AwardStatus.verified
        award.verified_note = note
    return award


def start_notice(
    db: Session, principal: Principal, award_id: int, version: int, start: date | None = None, days: int = NOTICE_DAYS
) -> Award:
    award = _step(db, principal, award_id, version, [AwardStatus.verified])
    start = start or date.today()
    award.status = AwardStatus.notice
    award.notice_from = start
    award.notice_to = start + timedelta(days=max(1, days) - 1)
    db.flush()
    return award


def object_to(
    db: Session, principal: Principal, award_id: int, raised_by: str, content: str, today: date | None = None
) -> AwardObjection:
    """Record an objection received during the public notice (by phone, letter, in person)."""
    policy.ensure_coordinator(principal)
    award = get(db, principal, award_id)
    today = today or date.today()
    if award.status is not AwardStatus.notice or (award.notice_to and today > award.notice_to):
        raise Invalid({"content": "只能在公示期内登记异议"})
    if not raised_by.strip() or not content.strip():
        raise Invalid({"content": "请填写异议人和异议内容"})
    objection = AwardObjection(award_id=award.id, raised_on=today, raised_by=raised_by[:100], content=content)
    db.add(objection)
    db.flush()
    return objection


def answer(
    db: Session, principal: Principal, objection_id: int, version: int, text: str, upheld: bool
) -> AwardObjection:
    policy.ensure_coordinator(principal)
    objection = db.get(AwardObjection, objection_id)
    if objection is None:
        raise NotFound("找不到该异议")
    check_version(db, objection, version)
    if not text.strip():
        raise Invalid({"answer": "请填写答复"})
    award = get(db, principal, objection.award_id)
    with audit.reason(db, text):
        objection.answer = text
        objection.answered_on = date.today()
        objection.upheld = upheld
        if upheld and award.status not in (AwardStatus.paid, AwardStatus.rejected):
            award.status = AwardStatus.rejected
            award.rejected_reason = f"公示异议成立：{text}"
    db.flush()
    return objection


@dataclass
class BudgetFigures:
    year: int
    total: Decimal
    committed: Decimal
    paid: Decimal
    clawed_back: Decimal
    available: Decimal


def budget(db: Session, year: int) -> BudgetFigures:
    row = db.get(AwardBudget, year)
    total = row.total if row else Decimal(0)

    def summed(status: AwardStatus) -> Decimal:
        return Decimal(
            db.execute(
                select(func.coalesce(func.sum(Award.amount), 0)).where(
                    Award.status == status, Award.budget_year == year
                )
            ).scalar_one()
        )

    committed, paid = summed(AwardStatus.approved), summed(AwardStatus.paid)
    clawed = Decimal(
        db.execute(
            select(func.coalesce(func.sum(Clawback.amount), 0))
            .join(Award, Award.id == Clawback.award_id)
            .where(Award.budget_year == year, Clawback.recovered.is_(True))
        ).scalar_one()
    )
    return BudgetFigures(
        year, yuan(total), yuan(committed), yuan(paid), yuan(clawed), yuan(total - committed - paid + clawed)
    )


def set_budget(db: Session, principal: Principal, year: int, total: Decimal, note: str = "") -> AwardBudget:
    policy.ensure_coordinator(principal)
    if total < 0:
        raise Invalid({"total": "预算不能为负"})
    row = db.get(AwardBudget, year)
    if row is None:
        row = AwardBudget(year=year, total=yuan(total), note=note)
        db.add(row)
    else:
        row.total, row.note = yuan(total), note
    db.flush()
    return row


def approve(db: Session, principal: Principal, award_id: int, version: int, today: date | None = None) -> Award:
    award = _step(db, principal, award_id, version, [AwardStatus.notice])
    today = today or date.today()
    if award.notice_to is None or today <= award.notice_to:
        raise Invalid({"status": f"公示期至 {award.notice_to} 止，期满后才能审批"})
    open_objections = db.execute(
        select(func.count())
        .select_from(AwardObjection)
        .where(AwardObjection.award_id == award.id, AwardObjection.answered_on.is_(None))
    ).scalar_one()
    if open_objections:
        raise Invalid({"status": f"还有 {open_objections} 条公示异议未答复"})
    figures = budget(db, award.budget_year)
    if award.amount > figures.available:
        raise Invalid(
            {
                "status": f"{award.budget_year} 年奖励专项资金不足：可用 {fmt(figures.available)} 元"
                f"（预算 {fmt(figures.total)}，已承诺 {fmt(figures.committed)}，已兑现 {fmt(figures.paid)}，"
                f"追回 {fmt(figures.clawed_back)}），本笔 {fmt(award.amount)} 元，不能审批"
            }
        )
    award.status = AwardStatus.approved
    award.approved_on = today
    db.flush()
    return award


def pay(db: Session, principal: Principal, award_id: int, version: int, paid_on: date, voucher_no: str) -> Award:
    award = _step(db, principal, award_id, version, [AwardStatus.approved])
    if not voucher_no.strip():
        raise Invalid({"voucher_no": "请填写付款凭证号"})
    if paid_on > date.today():
        raise Invalid({"paid_on": "日期不能晚于今天"})
    award.status = AwardStatus.paid
    award.paid_on = paid_on
    award.voucher_no = voucher_no.strip()[:60]
    db.flush()
    return award


def reject(db: Session, principal: Principal, award_id: int, version: int, reason: str) -> Award:
    award = _step(
        db,
        principal,
        award_id,
        version,
        [AwardStatus.proposed, AwardStatus.verified, AwardStatus.notice, AwardStatus.approved],
        who="verifier",
    )
    if not reason.strip():
        raise Invalid({"reason": "请说明理由"})
    with audit.reason(db, reason):
        award.status = AwardStatus.rejected
        award.rejected_reason = reason
    return award


def claw_back(
    db: Session, principal: Principal, award_id: int, amount: Decimal, reason: str, decided_on: date | None = None
) -> Clawback:
    policy.ensure_coordinator(principal)
    award = get(db, principal, award_id)
    if award.status is not AwardStatus.paid:
        raise Invalid({"amount": "只能追回已兑现的奖励"})
    already = Decimal(
        db.execute(
            select(func.coalesce(func.sum(Clawback.amount), 0)).where(Clawback.award_id == award.id)
        ).scalar_one()
    )
    amount = yuan(amount)
    if amount <= 0 or amount + already > award.amount:
        raise Invalid(
            {"amount": f"追回金额须大于 0 且合计不超过已兑现的 {fmt(award.amount)} 元（已追 {fmt(already)} 元）"}
        )
    if not reason.strip():
        raise Invalid({"reason": "请说明违约事由"})
    row = Clawback(award_id=award.id, amount=amount, reason=reason, decided_on=decided_on or date.today())
    with audit.reason(db, reason):
        db.add(row)
        db.flush()
    if award.project_id is not None:
        agreement = db.execute(
            select(IncentiveAgreement).where(IncentiveAgreement.project_id == award.project_id)
        ).scalar_one_or_none()
        if agreement is not None and agreement.state is AgreementState.default:
            agreement.state = AgreementState.collection
    db.flush()
    return row


def mark_recovered(db: Session, principal: Principal, clawback_id: int, version: int, recovered_on: date) -> Clawback:
    policy.ensure_coordinator(principal)
    row = db.get(Clawback, clawback_id)
    if row is None:
        raise NotFound("找不到该追回记录")
    check_version(db, row, version)
    row.recovered = True
    row.recovered_on = recovered_on
    db.flush()
    return row


# --- incentive agreements --------------------------------------------------------------------

TRANSITIONS = {
    AgreementState.performance: {AgreementState.maintenance, AgreementState.default},
    AgreementState.maintenance: {AgreementState.closed, AgreementState.default},
    AgreementState.default: {AgreementState.collection, AgreementState.performance},
    AgreementState.collection: {AgreementState.closed},
    AgreementState.closed: set(),
}


def agreement(db: Session, project: Project) -> IncentiveAgreement | None:
    """The project's agreement, created at signing and moved on by the contract milestones."""
    row = db.execute(select(IncentiveAgreement).where(IncentiveAgreement.project_id == project.id)).scalar_one_or_none()
    if row is None and project.signed_on is not None:
        row = IncentiveAgreement(project_id=project.id, signed_on=project.signed_on)
        db.add(row)
        db.flush()
    if row is not None and row.state is AgreementState.performance and project.production_on is not None:
        row.state = AgreementState.maintenance  # milestone: in production → the maintenance period starts
        db.flush()
    if (
        row is not None
        and row.state is AgreementState.maintenance
        and project.production_on is not None
        and date.today() >= project.production_on.replace(year=project.production_on.year + row.maintenance_years)
    ):
        row.state = AgreementState.closed
        db.flush()
    return row


def move_agreement(
    db: Session, principal: Principal, project_id: int, to: AgreementState, reason: str
) -> IncentiveAgreement:
    policy.ensure_coordinator(principal)
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound("找不到该项目")
    row = agreement(db, project)
    if row is None:
        raise Invalid({"state": "项目未签约，没有奖励协议"})
    if to not in TRANSITIONS[row.state]:
        raise Invalid({"state": f"协议当前为“{row.state.label}”，不能转为“{to.label}”"})
    if not reason.strip():
        raise Invalid({"reason": "请说明依据（合同履约节点、违约事实等）"})
    with audit.reason(db, reason):
        row.state = to
        row.note = reason
    return row


# --- lists -----------------------------------------------------------------------------------


def list_awards(
    db: Session,
    principal: Principal,
    *,
    status: AwardStatus | None = None,
    year: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    stmt = (
        select(Award, PolicyVersion, IncentivePolicy)
        .join(PolicyVersion, PolicyVersion.id == Award.policy_version_id)
        .join(IncentivePolicy, IncentivePolicy.id == PolicyVersion.policy_id)
    )
    if not principal.reads_everything:
        stmt = stmt.where(
            (Award.applicant_unit_id == principal.unit_id) | (Award.recipient_unit_id == principal.unit_id)
        )
    if status is not None:
        stmt = stmt.where(Award.status == status)
    if year is not None:
        stmt = stmt.where(Award.budget_year == year)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(Award.id.desc()).limit(limit).offset(offset)).all()
    return [{"award": a, "version": v, "policy": p} for a, v, p in rows], total


def objections(db: Session, award_id: int) -> Sequence[AwardObjection]:
    return (
        db.execute(select(AwardObjection).where(AwardObjection.award_id == award_id).order_by(AwardObjection.id))
        .scalars()
        .all()
    )


def clawbacks(db: Session, award_id: int) -> Sequence[Clawback]:
    return db.execute(select(Clawback).where(Clawback.award_id == award_id).order_by(Clawback.id)).scalars().all()
