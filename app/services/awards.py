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
from app.errors import Conflict, Duplicate, Invalid, NotFound
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
from app.models.lead import Lead, LeadCredit
from app.models.project import Category, Project, ProjectStatus, Stage
from app.models.unit import Unit
from app.models.user import Role
from app.principal import Principal
from app.schemas.agreements import ConditionIn
from app.services import audit, events, projects, workdays
from app.services.common import check_version

FEN = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
BAND_HINT = '每一档须写明 from_wan（万元）和 permille（千分比），如 {"from_wan": "5000", "permille": "1.5"}'
NOTICE_DAYS = 7  # the public notice runs at least this many days, the first day included
EXCLUSIONS = {
    "duty_official": "负有该项目招商职责的公职人员",
    "investor_controller": "投资方实际控制人",
}


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
    on = on or workdays.today()
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
    expected_version: int | None = None,
) -> PolicyVersion:
    """A new version; the one before ends the day before. Awards computed earlier keep their version.
    `expected_version`: the policy's version as the caller read it (the API); a stale one answers 409."""
    policy.ensure_coordinator(principal)
    pol = db.get(IncentivePolicy, policy_id)
    if pol is None:
        raise NotFound("找不到该政策")
    if expected_version is not None:
        check_version(db, pol, expected_version)
    validate_params(pol.kind, params)
    bad = [r for r in recipients if r not in RecipientType.__members__]
    if bad or not recipients:
        raise Invalid({"recipients": "请选择可获奖对象"})
    if any(e not in EXCLUSIONS for e in exclusions):
        raise Invalid({"exclusions": "未知的排除情形"})
    if claim_window_days is not None and claim_window_days < 1:
        raise Invalid({"claim_window_days": "申报期限须为正整数（天）"})
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
    if previous is not None:
        pol.updated_at = utcnow()  # the policy's version moves on with each new rule version
    db.flush()
    return version


def create_policy(
    db: Session,
    principal: Principal,
    *,
    name: str,
    kind: PolicyKind,
    document_no: str = "",
    effective_from: date | None = None,
    params: dict[str, Any],
    recipients: Sequence[str],
    exclusions: Sequence[str] = (),
    claim_window_days: int | None = None,
) -> tuple[IncentivePolicy, PolicyVersion]:
    """A new policy with its first version (a name already used is refused: add a version to it)."""
    policy.ensure_coordinator(principal)
    name = name.strip()
    if not 2 <= len(name) <= 100:
        raise Invalid({"name": "请填写政策名称"})
    if db.execute(select(IncentivePolicy.id).where(IncentivePolicy.name == name)).first() is not None:
        raise Duplicate(f"已有名为“{name}”的政策：请为它增加新版本", field="name")
    pol = IncentivePolicy(name=name, kind=kind, document_no=document_no.strip()[:100])
    db.add(pol)
    db.flush()
    version = add_version(
        db,
        principal,
        pol.id,
        effective_from=effective_from or workdays.today(),
        params=params,
        recipients=recipients,
        exclusions=exclusions,
        claim_window_days=claim_window_days,
    )
    return pol, version


def save_policy(
    db: Session,
    principal: Principal,
    *,
    name: str,
    kind: PolicyKind,
    document_no: str = "",
    effective_from: date | None = None,
    params: dict[str, Any],
    recipients: Sequence[str],
    exclusions: Sequence[str] = (),
    claim_window_days: int | None = None,
) -> PolicyVersion:
    """The policies page's one form: a new policy, or a new version of the policy of that name (whose
    rule type cannot change)."""
    policy.ensure_coordinator(principal)
    name = name.strip()
    if not 2 <= len(name) <= 100:
        raise Invalid({"name": "请填写政策名称"})
    existing = db.execute(select(IncentivePolicy).where(IncentivePolicy.name == name)).scalar_one_or_none()
    if existing is None:
        return create_policy(
            db,
            principal,
            name=name,
            kind=kind,
            document_no=document_no,
            effective_from=effective_from,
            params=params,
            recipients=recipients,
            exclusions=exclusions,
            claim_window_days=claim_window_days,
        )[1]
    if existing.kind is not kind:
        raise Invalid({"kind": f"同名政策“{name}”的规则类型是“{existing.kind.label}”，新版本不能改变类型"})
    return add_version(
        db,
        principal,
        existing.id,
        effective_from=effective_from or workdays.today(),
        params=params,
        recipients=recipients,
        exclusions=exclusions,
        claim_window_days=claim_window_days,
    )


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
        for band in bands:
            try:
                if not isinstance(band, dict) or Decimal(str(band["from_wan"])) < 0:
                    raise ValueError
                if not 0 < Decimal(str(band["permille"])) <= 1000:
                    raise ValueError
            except (ArithmeticError, ValueError, KeyError):
                raise Invalid({"bands": BAND_HINT}) from None
    elif kind in (PolicyKind.milestone, PolicyKind.long_term, PolicyKind.honour):
        number("amount")
    if kind in (PolicyKind.milestone, PolicyKind.long_term):
        number("min_wan", required=False)
    stage = params.get("stage", "started")
    if kind is PolicyKind.milestone and (not isinstance(stage, str) or stage not in Stage.__members__):
        raise Invalid({"stage": "阶段须为 signed、landed、started、completed、production 等"})
    if kind is PolicyKind.long_term:
        category = params.get("category")
        if category and (not isinstance(category, str) or category not in Category.__members__):
            raise Invalid({"category": "未知的项目类别"})
        years = params.get("years", 3)
        if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 20:
            raise Invalid({"years": "长效奖励年数须为 1–20 的整数"})
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
    if not shares and project.lead_id is not None:
        lead_unit = db.execute(select(Lead.unit_id).where(Lead.id == project.lead_id)).scalar_one_or_none()
        if lead_unit is not None:
            shares = [(lead_unit, Decimal(100))]  # no settled split: the lead's own unit holds 100%
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
    db: Session, principal: Principal, project_id: int, parts: Sequence[CreditInput], version: int | None = None
) -> list[ProjectCredit]:
    """Replace the project's credit split. The split is part of the project: `version` is the project's as
    the caller read it (a stale one is a 409), and the project's version moves on with the new split."""
    policy.ensure_coordinator(principal)
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound("找不到该项目")
    if version is not None:
        check_version(db, project, version)
    if not parts:
        raise Invalid({"shares": "请至少指定一方"})
    if sum((p.share for p in parts), Decimal(0)) != Decimal(100):
        raise Invalid({"shares": "各方份额合计须为 100%"})
    names: dict[int, str] = {}
    for p in parts:
        if p.share <= 0:
            raise Invalid({"shares": "份额须大于 0"})
        if p.share != p.share.quantize(FEN):
            raise Invalid({"shares": "份额最多保留两位小数"})
        if not p.name.strip():
            raise Invalid({"shares": "请填写每一方的名称"})
        if p.party is RecipientType.unit and (p.unit_id is None or db.get(Unit, p.unit_id) is None):
            raise Invalid({"shares": f"{p.name}：类型为单位时请选择单位"})
        if p.party is RecipientType.introducer:
            reg = db.get(IntroducerRegistration, p.introducer_id) if p.introducer_id else None
            if reg is None or reg.project_id != project_id or not reg.is_first:
                raise Invalid({"shares": f"{p.name}：只有该项目首个备案（经客商确认）的引荐人才能计功劳"})
            names[id(p)] = reg.name  # the registered name, as the investor confirmed it
        elif p.introducer_id is not None:
            raise Invalid({"shares": f"{p.name}：只有类型为引荐人的一方才能关联引荐人备案"})
    for row in db.execute(select(ProjectCredit).where(ProjectCredit.project_id == project_id)).scalars():
        db.delete(row)
    db.flush()
    rows = [
        ProjectCredit(
            project_id=project_id,
            party=p.party,
            name=names.get(id(p), p.name.strip())[:100],
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
    project.updated_at = utcnow()  # an UPDATE of the project: its version moves on with its credit
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
    investor_confirmed: bool,
    confirmation: str,
    registered_on: date | None = None,
    backdate_reason: str = "",
    today: date | None = None,
) -> IntroducerRegistration:
    """Register an introducer on the server's date (the county's today). Eligibility reads this date
    (only a registration before signing counts), so a client may not choose it: only the coordinator
    may record an earlier date (补登), with a reason that the audit entry carries. Anyone else
    sending a date other than today is refused, rather than silently recorded with another date."""
    from app.models.award import IntroducerKind

    project = projects.get_for_write(db, principal, project_id)
    today = today or workdays.today()
    errors = {}
    if not name.strip():
        errors["name"] = "请填写引荐人"
    if not investor_confirmed or not confirmation.strip():
        errors["investor_confirmation"] = "备案须有客商的确认（确认人、方式）"
    day = registered_on or today
    reason = backdate_reason.strip()
    if day > today:
        errors["registered_on"] = "备案日期不能晚于今天"
    elif day < today and not principal.is_coordinator:
        errors["registered_on"] = f"备案日期为系统当天日期（{today}），不能自选；补登须由招商局办理并写明理由"
    elif day < today and len(reason) < 2:
        errors["backdate_reason"] = "补登早于今天的备案，须写明理由（如原始备案材料的日期和出处）"
    if "registered_on" not in errors and project.signed_on is not None and day >= project.signed_on:
        errors["registered_on"] = f"项目已于 {project.signed_on} 签约，签约后不能再备案引荐人"
    try:
        kind_value = IntroducerKind(kind)
    except ValueError:
        errors["kind"] = "请选择引荐人类型"
        kind_value = IntroducerKind.person
    if errors:
        raise Invalid(errors)
    # two registrations at once: the second waits, and finds the first one there
    db.execute(select(Project.id).where(Project.id == project.id).with_for_update()).all()
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
        registered_on=day,
        investor_confirmed=True,
        investor_confirmation=confirmation[:2000],
        is_first=first is None,
        registered_by_id=principal.user_id,
    )
    if day < today:  # the audit entry of the registration carries the coordinator's reason
        with audit.reason(db, f"补登引荐人备案，日期 {day}（录入于 {today}）：{reason}"[:2000]):
            db.add(reg)
    else:
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
        if funds <= 0:
            raise Invalid({"policy_id": "该项目尚无已确认的到位资金（待确认的不计）"})
        per = _d(p, "yuan_per_10k")
        raw = funds / 10 * per
        text = f"已确认到位资金 {fmt(funds)} 万元 ÷ 10 万元 × {fmt(per)} 元 = {fmt(yuan(raw))} 元"
        if project.funds_pending > 0:
            text += f"（另有待确认的 {fmt(project.funds_pending)} 万元未计）"
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


def _awarded(db: Session, policy_id: int) -> Any:
    """Awards under the same policy (any of its versions) that still count: all but the rejected."""
    return (
        select(func.coalesce(func.sum(Award.amount), 0))
        .join(PolicyVersion, PolicyVersion.id == Award.policy_version_id)
        .where(PolicyVersion.policy_id == policy_id, Award.status != AwardStatus.rejected)
    )


def _recipient_total(db: Session, policy_id: int, party: ProjectCredit) -> Decimal:
    """What this recipient already has under the same policy (all versions, all projects), except rejected awards."""
    stmt = _awarded(db, policy_id).where(Award.recipient_type == party.party, Award.recipient_name == party.name)
    return Decimal(db.execute(stmt).scalar_one())


def _project_total(db: Session, policy_id: int, project_id: int) -> Decimal:
    """What the project's parties already have under the same policy (e.g. earlier years of a long-term reward)."""
    return Decimal(db.execute(_awarded(db, policy_id).where(Award.project_id == project_id)).scalar_one())


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
    """Compute and propose the awards of one policy for one project (one per credited, eligible party).

    Caps: `cap_per_project` bounds what all the project's awards under the policy add up to (so a
    second award, e.g. the next year of a long-term reward, gets only the room left); `cap_per_recipient`
    bounds what one recipient gets under the policy over all projects. A recipient already at the cap
    is left out, with the reason written into the calculation.
    """
    today = today or workdays.today()
    pol = db.get(IncentivePolicy, policy_id)
    if pol is None or not pol.is_active:
        raise Invalid({"policy_id": "请选择有效的政策"})
    version = current_version(db, policy_id, today)
    project = None
    if pol.kind is PolicyKind.honour:
        if honour_recipient is None or not honour_recipient.name.strip():
            raise Invalid({"recipient_name": "请填写获奖单位或个人"})
        if not principal.is_coordinator:
            raise policy.DeniedForbidden("荣誉奖励由招商局评定")
    else:
        from app.services import projects

        if project_id is None:
            raise Invalid({"project_id": "请选择项目"})
        project = projects.get_for_write(db, principal, project_id)
        # one proposal at a time per project: the duplicate and cap checks below read what is already there
        db.execute(select(Project.id).where(Project.id == project.id).with_for_update()).all()
        contract = agreement(db, project, today=today)
        if contract is not None and contract.state in (AgreementState.default, AgreementState.collection):
            raise Invalid({"policy_id": f"项目奖励协议处于“{contract.state.label}”状态，违约项目不享受奖励，不能申报"})
    if pol.kind is PolicyKind.special and not decision_ref.strip():
        raise Invalid({"decision_ref": "一事一议须填写会议纪要或批复文号"})
    if pol.kind is PolicyKind.long_term:
        year = year or today.year - 1
        if year >= today.year:
            raise Invalid({"year": f"长效奖励按已结束的年度申报，{year} 年尚未结束"})
        assert project is not None
        if project.status is ProjectStatus.terminated:
            raise Invalid({"policy_id": "项目已终止/退出，不再享受长效奖励"})
    comp = compute(project, version, pol.kind, year=year, special_amount=special_amount)
    if version.claim_window_days is not None and comp.trigger is not None:
        deadline = comp.trigger + timedelta(days=version.claim_window_days)
        if today > deadline:
            raise Invalid(
                {
                    "policy_id": f"已超过申报期限：本政策须在 {comp.trigger} 起 {version.claim_window_days} 天内"
                    f"（{deadline} 前）申报"
                }
            )
    if comp.amount <= 0:
        raise Invalid({"policy_id": f"按已确认的数据计算奖励为 0 元，不能申报（{comp.text}）"})
    total = comp.amount
    text_total = comp.text
    if project is not None and "cap_per_project" in version.params:
        cap = yuan(_d(version.params, "cap_per_project"))
        already = _project_total(db, policy_id, project.id)
        room = max(Decimal(0), cap - already)
        if total > room:
            text_total += (
                f"；本政策单个项目上限 {fmt(cap)} 元，该项目已获 {fmt(already)} 元，本次按余额 {fmt(room)} 元计"
            )
            total = yuan(room)
        if total <= 0 < already:
            raise Invalid({"policy_id": f"该项目按本政策已获 {fmt(already)} 元，已达单个项目上限 {fmt(cap)} 元"})
    allowed = {RecipientType(r) for r in version.recipients.split(",") if r}
    excluded = {e for e in version.exclusions.split(",") if e}
    if pol.kind is PolicyKind.honour:
        assert honour_recipient is not None
        parties = [
            ProjectCredit(
                party=honour_recipient.party,
                name=honour_recipient.name.strip()[:100],
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
            skipped.append(f"{party.name}（{EXCLUSIONS['duty_official']}，不予奖励）")
        elif "investor_controller" in excluded and party.is_investor_controller:
            skipped.append(f"{party.name}（{EXCLUSIONS['investor_controller']}，不予奖励）")
        else:
            eligible.append(party)
    if not eligible:
        raise Invalid({"policy_id": "没有符合本政策的获奖对象：" + "；".join(skipped)})
    for party in eligible:
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
            what = f"{year} 年度的" if pol.kind is PolicyKind.long_term else ""
            raise Invalid({"policy_id": f"{party.name} 已按本政策申报过该项目{what}奖励"})
    # the split: each eligible party's share of the whole; excluded parties' shares are not paid to anyone
    parts = split(total, [p.share for p in eligible])
    planned: list[tuple[ProjectCredit, Decimal, str]] = []
    for party, part in zip(eligible, parts, strict=True):
        if part <= 0:
            skipped.append(f"{party.name}（按份额计不足 1 分）")
            continue
        text = text_total
        if len(parties) > 1 or party.share != 100:
            text += f"；按功劳份额 {party.share}% 计 {fmt(part)} 元"
        amount = part
        if "cap_per_recipient" in version.params:
            cap = yuan(_d(version.params, "cap_per_recipient"))
            already = _recipient_total(db, policy_id, party)
            room = max(Decimal(0), cap - already)
            if room <= 0:
                skipped.append(f"{party.name}（按本政策已获 {fmt(already)} 元，已达每个获奖对象上限 {fmt(cap)} 元）")
                continue
            if amount > room:
                text += f"；本政策每个获奖对象上限 {fmt(cap)} 元，已获 {fmt(already)} 元，本次按余额 {fmt(room)} 元计"
                amount = yuan(room)
        planned.append((party, amount, text))
    if not planned:
        raise Invalid({"policy_id": "没有符合本政策的获奖对象：" + "；".join(skipped)})
    applicant_unit = principal.unit_id or (project.responsible_unit_id if project else None)
    if applicant_unit is None:
        raise Invalid({"__all__": "请以单位身份申报"})
    awards = []
    for party, amount, text in planned:
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
            budget_year=today.year,  # provisional: the approval charges the award to the year it is approved in
            basis=comp.basis,
            calculation=text,
            amount=amount,
            decision_ref=decision_ref.strip()[:100],
        )
        awards.append(award)
    db.add_all(awards)
    db.flush()
    for award in awards:
        events.award_step(db, award, "proposed")
    return awards


# --- the path --------------------------------------------------------------------------------


def get(db: Session, principal: Principal, award_id: int) -> Award:
    award = db.get(Award, award_id)
    if award is None:
        raise NotFound("找不到该奖励")
    if not can_read(db, principal, award):
        raise policy.DeniedNotFound()
    return award


def can_read(db: Session, principal: Principal, award: Award) -> bool:
    """The bureau, leaders and supervisors; the unit that applied, the unit rewarded, and the project's own units."""
    if principal.reads_everything:
        return True
    if principal.unit_id is None:
        return False
    if principal.unit_id in (award.applicant_unit_id, award.recipient_unit_id):
        return True
    project = db.get(Project, award.project_id) if award.project_id is not None else None
    return project is not None and principal.unit_id in (project.responsible_unit_id, project.introducing_unit_id)


def set_condition(db: Session, principal: Principal, award_id: int, data: ConditionIn) -> Award:
    """The bureau ties the award to a commitment of its project's agreement (以承诺为条件), or unties it: a
    missed commitment then points the compliance case at the award to recover."""
    from app.services import agreements

    policy.ensure_coordinator(principal)
    award = get(db, principal, award_id)
    project = db.get(Project, award.project_id) if award.project_id is not None else None
    if project is None:
        raise Invalid({"commitment_id": "荣誉奖励不对应项目，无承诺事项可关联"})
    agreements.set_condition(db, award, project, data)
    return award


def condition_of(db: Session, principal: Principal, award: Award) -> Any:
    """The commitment the award is conditional on, as it stands today (an agreements.CommitmentView), or None."""
    from app.services import agreements

    if award.commitment_id is None or award.project_id is None:
        return None
    project = db.get(Project, award.project_id)
    assert project is not None
    return agreements.commitments_of(db, principal, project).get(award.commitment_id)


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


BASIS_LABELS = {
    "funds_confirmed_wan": "已确认到位资金（万元）",
    "investment_completed_wan": "竣工核定固定资产投资（万元）",
    "permille": "千分比",
    "contract_investment_wan": "合同投资（万元）",
    "reached_on": "达到阶段的日期",
    "production_on": "投产日期",
}


def _same(before: Any, after: Any) -> bool:
    try:
        return Decimal(str(before)) == Decimal(str(after))
    except ArithmeticError:
        return str(before) == str(after)


def figures_now(db: Session, award: Award) -> list[str]:
    """How the confirmed figures the award was computed from differ now (empty: unchanged).

    A figure corrected after the proposal (funds reversed, a stage taken back) must not be paid on."""
    if award.project_id is None:
        return []
    version = db.get(PolicyVersion, award.policy_version_id)
    project = db.get(Project, award.project_id)
    assert version is not None and project is not None
    pol = db.get(IncentivePolicy, version.policy_id)
    assert pol is not None
    if pol.kind in (PolicyKind.special, PolicyKind.honour):
        return []
    try:
        now = compute(project, version, pol.kind, year=award.period_year)
    except Invalid as exc:
        return ["；".join(exc.errors.values())]
    return [
        f"{BASIS_LABELS.get(key, key)}由 {before} 变为 {now.basis.get(key)}"
        for key, before in award.basis.items()
        if key in BASIS_LABELS and not _same(before, now.basis.get(key))
    ]


def verify(db: Session, principal: Principal, award_id: int, version: int, note: str) -> Award:
    """The verifier checks the evidence; the figures the award was computed from must still stand."""
    award = _step(db, principal, award_id, version, [AwardStatus.proposed], who="verifier")
    if not note.strip():
        raise Invalid({"note": "请记录核查情况（核对的凭证、到位资金、开工等）"})
    changed = figures_now(db, award)
    if changed:
        raise Invalid({"status": "申报后计算依据已变化：" + "；".join(changed) + "。请不予通过，按现在的数据重新申报"})
    with audit.reason(db, note):
        award.status = AwardStatus.verified
        award.verified_note = note
        db.flush()
    events.award_step(db, award, "verified", note)
    return award


def start_notice(
    db: Session,
    principal: Principal,
    award_id: int,
    version: int,
    start: date | None = None,
    days: int = NOTICE_DAYS,
    today: date | None = None,
) -> Award:
    """Publish the award for `days` days (at least 7) from `start`, which cannot be back-dated."""
    award = _step(db, principal, award_id, version, [AwardStatus.verified])
    today = today or workdays.today()
    start = start or today
    if start < today:
        raise Invalid({"notice_from": f"公示开始日期不能早于今天（{today}）"})
    if days < NOTICE_DAYS:
        raise Invalid({"days": f"公示期不少于 {NOTICE_DAYS} 天"})
    if days > 60:
        raise Invalid({"days": "公示期不超过 60 天"})
    award.status = AwardStatus.notice
    award.notice_from = start
    award.notice_to = start + timedelta(days=days - 1)
    db.flush()
    events.award_step(db, award, "notice_started", f"公示期 {award.notice_from} 至 {award.notice_to}")
    return award


def _added(**values: Any) -> dict[str, list[Any]]:
    """An event on the award's own trail, in the trail's [before, after] shape."""
    return {key: [None, value] for key, value in values.items()}


def object_to(
    db: Session,
    principal: Principal,
    award_id: int,
    raised_by: str,
    content: str,
    today: date | None = None,
    version: int | None = None,
) -> AwardObjection:
    """Record an objection received during the public notice (by phone, letter, in person)."""
    policy.ensure_coordinator(principal)
    award = get(db, principal, award_id)
    if version is not None:
        check_version(db, award, version)
    today = today or workdays.today()
    if award.status is not AwardStatus.notice or (award.notice_to and today > award.notice_to):
        raise Invalid({"content": "只能在公示期内登记异议"})
    if not raised_by.strip() or not content.strip():
        raise Invalid({"content": "请填写异议人和异议内容"})
    objection = AwardObjection(award_id=award.id, raised_on=today, raised_by=raised_by[:100], content=content)
    db.add(objection)
    db.flush()
    audit.append(
        db,
        "award_objection",
        entity="award",
        entity_id=award.id,
        changes=_added(objection_id=objection.id, raised_by=objection.raised_by, raised_on=today.isoformat()),
        reason=content,
    )
    events.award_step(db, award, "objection_raised", content)
    return objection


def answer(
    db: Session,
    principal: Principal,
    objection_id: int,
    version: int,
    text: str,
    upheld: bool,
    today: date | None = None,
) -> AwardObjection:
    """Answer an objection; an upheld one rejects the award."""
    policy.ensure_coordinator(principal)
    objection = db.get(AwardObjection, objection_id)
    if objection is None:
        raise NotFound("找不到该异议")
    check_version(db, objection, version)
    if objection.answered_on is not None:
        raise Invalid({"note": f"该异议已于 {objection.answered_on} 答复"})
    if not text.strip():
        raise Invalid({"note": "请填写答复"})
    award = get(db, principal, objection.award_id)
    with audit.reason(db, text):
        objection.answer = text
        objection.answered_on = today or workdays.today()
        objection.upheld = upheld
        if upheld and award.status not in (AwardStatus.paid, AwardStatus.rejected):
            award.status = AwardStatus.rejected
            award.rejected_reason = f"公示异议成立：{text}"
        db.flush()
        audit.append(
            db,
            "award_objection_answer",
            entity="award",
            entity_id=award.id,
            changes=_added(objection_id=objection.id, upheld=upheld),
            reason=text,
        )
    if award.status is AwardStatus.rejected and upheld:
        events.award_step(db, award, "rejected", award.rejected_reason)
    return objection


@dataclass
class BudgetFigures:
    year: int
    total: Decimal
    committed: Decimal
    paid: Decimal
    clawed_back: Decimal
    available: Decimal
    note: str = ""
    version: int = 0
    """The stored budget's version (0: the year has none yet)."""


def budget(db: Session, year: int) -> BudgetFigures:
    """The year's fund: available = total − committed (approved, not paid) − paid + recovered clawbacks."""
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
    clawed = Decimal(  # money recovered goes back to the fund of the year it came back in
        db.execute(
            select(func.coalesce(func.sum(Clawback.amount), 0)).where(
                Clawback.recovered.is_(True),
                Clawback.recovered_on >= date(year, 1, 1),
                Clawback.recovered_on <= date(year, 12, 31),
            )
        ).scalar_one()
    )
    return BudgetFigures(
        year,
        yuan(total),
        yuan(committed),
        yuan(paid),
        yuan(clawed),
        yuan(total - committed - paid + clawed),
        row.note if row else "",
        row.version if row else 0,
    )


def set_budget(
    db: Session, principal: Principal, year: int, total: Decimal, note: str = "", version: int | None = None
) -> AwardBudget:
    """Set the year's fund. `version`: the budget's as the caller read it (0: the year had none); a stale
    one answers 409."""
    policy.ensure_coordinator(principal)
    if version is not None:
        current = db.get(AwardBudget, year)
        if current is not None:
            check_version(db, current, version)
        elif version != 0:
            raise Conflict(details={"current_version": 0, "your_version": version, "changes": []})
    if total < 0:
        raise Invalid({"total": "预算不能为负"})
    figures = budget(db, year)
    spent = figures.committed + figures.paid - figures.clawed_back
    if yuan(total) < spent:
        raise Invalid(
            {
                "total": f"预算不能少于已承诺和已兑现（扣除追回）的合计 {fmt(spent)} 元"
                f"（已承诺 {fmt(figures.committed)}，已兑现 {fmt(figures.paid)}，追回 {fmt(figures.clawed_back)}）"
            }
        )
    row = db.get(AwardBudget, year)
    if row is None:
        row = AwardBudget(year=year, total=yuan(total), note=note)
        db.add(row)
    else:
        row.total, row.note = yuan(total), note
    db.flush()
    return row


def approve(db: Session, principal: Principal, award_id: int, version: int, today: date | None = None) -> Award:
    """Approve after the notice ended with every objection answered, within what the year's fund has left.

    The award is charged to the fund of the year it is approved in."""
    award = _step(db, principal, award_id, version, [AwardStatus.notice])
    today = today or workdays.today()
    if award.notice_to is None or today <= award.notice_to:
        raise Invalid({"status": f"公示期至 {award.notice_to} 止，期满后才能审批"})
    # approvals against the same fund wait for each other (no-op on SQLite, where writers are serialised)
    db.execute(select(AwardBudget.year).where(AwardBudget.year == today.year).with_for_update()).all()
    open_objections = db.execute(
        select(func.count())
        .select_from(AwardObjection)
        .where(AwardObjection.award_id == award.id, AwardObjection.answered_on.is_(None))
    ).scalar_one()
    if open_objections:
        raise Invalid({"status": f"还有 {open_objections} 条公示异议未答复"})
    figures = budget(db, today.year)
    if award.amount > figures.available:
        raise Invalid(
            {
                "status": f"{today.year} 年奖励专项资金不足：可用 {fmt(figures.available)} 元"
                f"（预算 {fmt(figures.total)}，已承诺 {fmt(figures.committed)}，已兑现 {fmt(figures.paid)}，"
                f"追回 {fmt(figures.clawed_back)}），本笔 {fmt(award.amount)} 元，不能审批"
            }
        )
    award.status = AwardStatus.approved
    award.approved_on = today
    award.budget_year = today.year
    db.flush()
    events.award_step(db, award, "approved", f"{today} 审批，列入 {today.year} 年奖励专项资金")
    return award


def pay(db: Session, principal: Principal, award_id: int, version: int, paid_on: date, voucher_no: str) -> Award:
    award = _step(db, principal, award_id, version, [AwardStatus.approved])
    if not voucher_no.strip():
        raise Invalid({"voucher_no": "请填写付款凭证号"})
    if paid_on > workdays.today():
        raise Invalid({"paid_on": "日期不能晚于今天"})
    if award.approved_on is not None and paid_on < award.approved_on:
        raise Invalid({"paid_on": f"兑现日期不能早于审批日期 {award.approved_on}"})
    award.status = AwardStatus.paid
    award.paid_on = paid_on
    award.voucher_no = voucher_no.strip()[:60]
    db.flush()
    events.award_step(db, award, "paid", f"{paid_on} 兑现")
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
        db.flush()
    events.award_step(db, award, "rejected", reason)
    return award


def claw_back(
    db: Session,
    principal: Principal,
    award_id: int,
    amount: Decimal,
    reason: str,
    decided_on: date | None = None,
    version: int | None = None,
) -> Clawback:
    policy.ensure_coordinator(principal)
    award = get(db, principal, award_id)
    if version is not None:
        check_version(db, award, version)
    if award.status is not AwardStatus.paid:
        raise Invalid({"status": "只能追回已兑现的奖励"})
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
        raise Invalid({"note": "请说明违约事由"})
    decided_on = decided_on or workdays.today()
    if decided_on > workdays.today():
        raise Invalid({"decided_on": "日期不能晚于今天"})
    row = Clawback(award_id=award.id, amount=amount, reason=reason, decided_on=decided_on)
    with audit.reason(db, reason):
        db.add(row)
        db.flush()
        audit.append(
            db,
            "award_clawback",
            entity="award",
            entity_id=award.id,
            changes=_added(clawback_id=row.id, amount=str(amount), decided_on=decided_on.isoformat()),
            reason=reason,
        )
        project = db.get(Project, award.project_id) if award.project_id is not None else None
        contract = agreement(db, project) if project is not None else None
        if contract is not None and contract.state is AgreementState.default:
            contract.state = AgreementState.collection  # the breach is now being collected
            contract.note = reason[:2000]
    db.flush()
    events.award_step(db, award, "clawed_back", reason, amount=amount)
    return row


def mark_recovered(
    db: Session,
    principal: Principal,
    clawback_id: int,
    version: int,
    recovered_on: date,
    award_id: int | None = None,
) -> Clawback:
    """The money came back: it returns to the fund of the year it was recovered in."""
    policy.ensure_coordinator(principal)
    row = db.get(Clawback, clawback_id)
    if row is None or (award_id is not None and row.award_id != award_id):
        raise NotFound("找不到该追回记录")
    check_version(db, row, version)
    if row.recovered:
        raise Invalid({"recovered_on": f"已于 {row.recovered_on} 登记追回"})
    if recovered_on > workdays.today():
        raise Invalid({"recovered_on": "日期不能晚于今天"})
    if recovered_on < row.decided_on:
        raise Invalid({"recovered_on": f"追回日期不能早于决定追回的日期 {row.decided_on}"})
    row.recovered = True
    row.recovered_on = recovered_on
    db.flush()
    audit.append(
        db,
        "award_clawback_recovered",
        entity="award",
        entity_id=row.award_id,
        changes=_added(clawback_id=row.id, amount=str(row.amount), recovered_on=recovered_on.isoformat()),
    )
    return row


# --- one step of an award, as the award's page and the API name it --------------------------------

STEPS = ("verify", "notice", "approve", "pay", "reject", "object", "answer", "clawback", "recovered")


@dataclass
class StepInput:
    """One step on an award. `version`: the award's (the objection's for `answer`, the clawback's for
    `recovered`); `note`: the step's text (核查情况, the reason for rejecting, the objection, the answer,
    the breach clawed back for); dates left out are today."""

    step: str
    version: int
    note: str = ""
    notice_from: date | None = None
    days: int = NOTICE_DAYS
    paid_on: date | None = None
    voucher_no: str = ""
    raised_by: str = ""
    objection_id: int | None = None
    upheld: bool = False
    amount: Decimal | None = None
    clawback_id: int | None = None
    recovered_on: date | None = None


def take_step(db: Session, principal: Principal, award_id: int, s: StepInput) -> Award:
    """Verify, publish (公示), approve, pay, reject, record or answer an objection, claw back or mark a
    clawback recovered; the award as it is afterwards."""
    today = workdays.today()
    if s.step == "verify":
        verify(db, principal, award_id, s.version, s.note)
    elif s.step == "notice":
        start_notice(db, principal, award_id, s.version, s.notice_from or today, s.days)
    elif s.step == "approve":
        approve(db, principal, award_id, s.version)
    elif s.step == "pay":
        pay(db, principal, award_id, s.version, s.paid_on or today, s.voucher_no)
    elif s.step == "reject":
        reject(db, principal, award_id, s.version, s.note)
    elif s.step == "object":
        object_to(db, principal, award_id, s.raised_by, s.note, version=s.version)
    elif s.step == "answer":
        policy.ensure_coordinator(principal)
        if s.objection_id is None or s.objection_id not in {o.id for o in objections(db, award_id)}:
            raise Invalid({"objection_id": "找不到该异议"})
        answer(db, principal, s.objection_id, s.version, s.note, s.upheld)
    elif s.step == "clawback":
        if s.amount is None:
            raise Invalid({"amount": "请填写金额"})
        claw_back(db, principal, award_id, s.amount, s.note, version=s.version)
    elif s.step == "recovered":
        if s.clawback_id is None:
            raise Invalid({"clawback_id": "请选择追回记录"})
        mark_recovered(db, principal, s.clawback_id, s.version, s.recovered_on or today, award_id=award_id)
    else:
        raise Invalid({"step": "未知的操作"})
    db.flush()
    return get(db, principal, award_id)


# --- incentive agreements --------------------------------------------------------------------

TRANSITIONS = {
    AgreementState.performance: {AgreementState.maintenance, AgreementState.default},
    AgreementState.maintenance: {AgreementState.closed, AgreementState.default},
    AgreementState.default: {AgreementState.collection, AgreementState.performance},
    AgreementState.collection: {AgreementState.closed},
    AgreementState.closed: set(),
}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def milestone_state(project: Project, state: AgreementState, years: int, today: date) -> AgreementState:
    """Where the contract milestones move an agreement: production starts the maintenance period,
    which closes the agreement when it has run its years. Default and collection only move by decision."""
    if state is AgreementState.performance and project.production_on is not None:
        state = AgreementState.maintenance
    if (
        state is AgreementState.maintenance
        and project.production_on is not None
        and today >= _add_years(project.production_on, years)
    ):
        state = AgreementState.closed
    return state


@dataclass
class AgreementView:
    """What the project page shows: the agreement as the milestones have moved it (nothing is written)."""

    state: AgreementState
    signed_on: date
    note: str
    maintenance_years: int


def agreement_view(db: Session, project: Project, today: date | None = None) -> AgreementView | None:
    today = today or workdays.today()
    row = db.execute(select(IncentiveAgreement).where(IncentiveAgreement.project_id == project.id)).scalar_one_or_none()
    if row is None:
        if project.signed_on is None:
            return None
        years = 5
        return AgreementView(
            milestone_state(project, AgreementState.performance, years, today), project.signed_on, "", years
        )
    return AgreementView(
        milestone_state(project, row.state, row.maintenance_years, today),
        row.signed_on,
        row.note,
        row.maintenance_years,
    )


def agreement_of(db: Session, principal: Principal, project_id: int) -> tuple[Project, AgreementView, int]:
    """A project the principal may read, its agreement as the milestones have moved it, and the stored
    agreement's version (0: not yet written, the signing date stands for it)."""
    project = projects.get(db, principal, project_id)
    shown = agreement_view(db, project)
    if shown is None:
        raise NotFound("项目未签约，没有奖励协议")
    stored = db.execute(
        select(IncentiveAgreement.version).where(IncentiveAgreement.project_id == project.id)
    ).scalar_one_or_none()
    return project, shown, stored or 0


def agreement(db: Session, project: Project, today: date | None = None) -> IncentiveAgreement | None:
    """The project's agreement, created at signing and moved on by the contract milestones (written, audited).

    Called on the write paths (proposing, moving the agreement, clawing back); pages read `agreement_view`."""
    today = today or workdays.today()
    row = db.execute(select(IncentiveAgreement).where(IncentiveAgreement.project_id == project.id)).scalar_one_or_none()
    if row is None and project.signed_on is not None:
        row = IncentiveAgreement(project_id=project.id, signed_on=project.signed_on)
        db.add(row)
        db.flush()
    if row is not None:
        moved = milestone_state(project, row.state, row.maintenance_years, today)
        if moved is not row.state:
            with audit.reason(db, f"合同履约节点：{project.production_on} 投产"):
                row.state = moved
    return row


def move_agreement(
    db: Session,
    principal: Principal,
    project_id: int,
    to: AgreementState,
    reason: str,
    version: int | None = None,
) -> IncentiveAgreement:
    """A decision on the agreement (breach found, cured, collection finished), with its grounds.
    `version`: the agreement's as the caller read it (0: not yet written); a stale one answers 409."""
    policy.ensure_coordinator(principal)
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound("找不到该项目")
    if version is not None:
        stored = db.execute(
            select(IncentiveAgreement).where(IncentiveAgreement.project_id == project.id)
        ).scalar_one_or_none()
        if stored is not None:
            check_version(db, stored, version)
        elif version != 0:
            raise Conflict(details={"current_version": 0, "your_version": version, "changes": []})
    row = agreement(db, project)
    if row is None:
        raise Invalid({"state": "项目未签约，没有奖励协议"})
    if to not in TRANSITIONS[row.state]:
        raise Invalid({"state": f"协议当前为“{row.state.label}”，不能转为“{to.label}”"})
    if to is AgreementState.maintenance and project.production_on is None:
        raise Invalid({"state": "项目尚未投产，不能进入维护期"})
    if not reason.strip():
        raise Invalid({"reason": "请说明依据（合同履约节点、违约事实等）"})
    with audit.reason(db, reason):
        row.state = to
        row.note = reason[:2000]
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
        own_projects = select(Project.id).where(
            (Project.responsible_unit_id == principal.unit_id) | (Project.introducing_unit_id == principal.unit_id)
        )
        stmt = stmt.where(
            (Award.applicant_unit_id == principal.unit_id)
            | (Award.recipient_unit_id == principal.unit_id)
            | Award.project_id.in_(own_projects)
        )
    if status is not None:
        stmt = stmt.where(Award.status == status)
    if year is not None:
        stmt = stmt.where(Award.budget_year == year)
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(Award.id.desc()).limit(limit).offset(offset)).all()
    return _with_recipients(db, principal, rows), total


def _with_recipients(db: Session, principal: Principal, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Listed awards with their recipient and project as `principal` may see them (a confidential project
    by its code name); their projects read in one statement."""
    ids = {a.project_id for a, _v, _p in rows if a.project_id is not None}
    found = {p.id: p for p in db.execute(select(Project).where(Project.id.in_(ids))).scalars()} if ids else {}
    return [
        {
            "award": a,
            "version": v,
            "policy": p,
            "recipient": recipient_shown(db, principal, a, found.get(a.project_id)),
            "project": projects.display_name(principal, found[a.project_id]) if a.project_id in found else "",
        }
        for a, v, p in rows
    ]


def recipient_shown(db: Session, principal: Principal, award: Award, project: Project | None = None) -> str:
    """The award's recipient as the principal may see it: an introducer or the enterprise rewarded for a
    confidential project is "（保密）" to those who see only the project's code name."""
    if award.project_id is None or award.recipient_type not in (RecipientType.introducer, RecipientType.enterprise):
        return award.recipient_name
    project = project or db.get(Project, award.project_id)
    return (
        award.recipient_name if project is None else str(projects.view(principal, project).reveal(award.recipient_name))
    )


def in_notice(db: Session, principal: Principal, today: date | None = None) -> list[dict[str, Any]]:
    """The public notice: every award whose notice period includes today (it is public: no unit filter;
    a confidential project's introducer or enterprise shown as `principal` may see them)."""
    today = today or workdays.today()
    rows = db.execute(
        select(Award, PolicyVersion, IncentivePolicy)
        .join(PolicyVersion, PolicyVersion.id == Award.policy_version_id)
        .join(IncentivePolicy, IncentivePolicy.id == PolicyVersion.policy_id)
        .where(Award.status == AwardStatus.notice, Award.notice_from <= today, Award.notice_to >= today)
        .order_by(Award.notice_from, Award.id)
        .limit(1000)
    ).all()
    return _with_recipients(db, principal, rows)


def objections(db: Session, award_id: int) -> Sequence[AwardObjection]:
    return (
        db.execute(select(AwardObjection).where(AwardObjection.award_id == award_id).order_by(AwardObjection.id))
        .scalars()
        .all()
    )


def clawbacks(db: Session, award_id: int) -> Sequence[Clawback]:
    return db.execute(select(Clawback).where(Clawback.award_id == award_id).order_by(Clawback.id)).scalars().all()
