"""The gate before 正式签约: pre-review (项目预审) by the departments the coordinator names, and the signing
approval by level (签约审批).

Pre-review. The coordinator names, per project category, the departments (units of kind department, or a park's
managing unit) that pre-review its projects (`set_departments`). Each gives its opinion (`record_opinion`): pass,
or veto with a reason from the negative list and a note; the date is the server's today. A department's staff
give their own unit's opinion; the coordinator may record it on a department's behalf. The project's
`prereview` column is derived (`recompute`): rejected when any department vetoed (`prereview_reason` from the
first veto), passed when every named department passed, else pending (also when its category has no department
named: nobody has passed it). A vetoed project goes ahead only with a recorded override (`record_override`):
一事一议 by whom (name and title), when (not after today), the meeting or document that decided it, and why;
the coordinator only.

Signing approval by level. The coordinator's rules (settings `signing.*`): the investment-intensity floor
(万元/亩), the plot-ratio floor, a tolerance (%) below the floors within which the leadership group may approve,
and whether a project asking for land-price or tax concessions is 一事一议. `required_level` computes the level
from the project's figures (pure; worked by hand in tests/projects/test_prereview_gate.py):

- a figure at or above its floor: within policy (县委县政府主要领导同意);
- below its floor by at most the tolerance (figure >= floor × (1 − tolerance/100)): 领导小组;
- further below: 一事一议;
- a figure not given for a project that uses land (land_area_mu > 0): 领导小组 (it cannot be shown within
  policy); not given and no land: not judged on that count;
- concessions asked (land price or tax) with the rule on: 一事一议.
The highest level any count reaches is the project's. The signing approval (`record_approval`: level, who
approved, when, the meeting or document, recorded by) must be at least that level.

The gate (`problems`): reaching 正式签约 or any later stage needs the pre-review passed (or an override) and
a signing approval at the required level, on every path: projects.change_stage (the stage form and API, a
progress update that moves the stage), projects.create at a later stage and projects.create_many (the ledger
import). Creation at a later stage records what its payload carries (`creation_problems`, `record_creation`):
the pre-review passed (a pass from every named department, dated today, noted as entered at creation) and the
approval as a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.prereview import (
    OpinionVerdict,
    PrereviewDepartment,
    PrereviewOpinion,
    PrereviewOverride,
    ProjectConcession,
    SigningApproval,
)
from app.models.project import (
    CATEGORY_LABELS,
    ApprovalLevel,
    Category,
    NegativeReason,
    PrereviewResult,
    Project,
    Stage,
)
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import app_settings, workdays

INTENSITY_KEY = "signing.intensity_floor"
PLOT_RATIO_KEY = "signing.plot_ratio_floor"
TOLERANCE_KEY = "signing.tolerance_pct"
CONCESSION_KEY = "signing.concessions_case_by_case"

app_settings.DEFAULTS.update({INTENSITY_KEY: "300", PLOT_RATIO_KEY: "1.0", TOLERANCE_KEY: "20", CONCESSION_KEY: "1"})
app_settings.LABELS.update(
    {
        INTENSITY_KEY: "签约审批：投资强度标准（万元/亩），达到即属政策范围内（0 不判断）",
        PLOT_RATIO_KEY: "签约审批：容积率标准，达到即属政策范围内（0 不判断）",
        TOLERANCE_KEY: "签约审批：低于标准多少（%）以内由领导小组研究，超出则一事一议",
        CONCESSION_KEY: "签约审批：申请地价或税收优惠的项目一事一议（1 是，0 否）",
    }
)

LEVEL_ORDER = [ApprovalLevel.within_policy, ApprovalLevel.leadership_group, ApprovalLevel.case_by_case]
LEVEL_SHORT = {
    ApprovalLevel.within_policy: "县委县政府主要领导同意",
    ApprovalLevel.leadership_group: "领导小组研究",
    ApprovalLevel.case_by_case: "一事一议",
}
DEPARTMENT_KINDS = (UnitKind.department, UnitKind.zone, UnitKind.zone_bureau)
CREATION_NOTE = "新建时登记：预审已通过"


def rank(level: ApprovalLevel) -> int:
    return LEVEL_ORDER.index(level)


# --- the level -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningRules:
    intensity_floor: Decimal
    plot_ratio_floor: Decimal
    tolerance_pct: Decimal
    concessions_case_by_case: bool


@dataclass(frozen=True)
class Figures:
    intensity: Decimal | None
    plot_ratio: Decimal | None
    land_area_mu: Decimal | None
    concessions: bool = False


def signing_rules(db: Session) -> SigningRules:
    values = app_settings.get_many(db, [INTENSITY_KEY, PLOT_RATIO_KEY, TOLERANCE_KEY, CONCESSION_KEY])
    return SigningRules(
        intensity_floor=Decimal(values[INTENSITY_KEY]),
        plot_ratio_floor=Decimal(values[PLOT_RATIO_KEY]),
        tolerance_pct=min(Decimal(values[TOLERANCE_KEY]), Decimal(100)),
        concessions_case_by_case=Decimal(values[CONCESSION_KEY]) > 0,
    )


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def required_level(rules: SigningRules, figures: Figures) -> tuple[ApprovalLevel, list[str]]:
    """The level a project's signing needs, and why (each count that lifts it above within policy)."""
    level = ApprovalLevel.within_policy
    reasons: list[str] = []
    uses_land = (figures.land_area_mu or 0) > 0
    counts = (
        ("承诺投资强度", figures.intensity, rules.intensity_floor, " 万元/亩"),
        ("容积率", figures.plot_ratio, rules.plot_ratio_floor, ""),
    )
    for name, value, floor, unit in counts:
        if floor <= 0:
            continue
        if value is None:
            if uses_land:
                level = max(level, ApprovalLevel.leadership_group, key=rank)
                reasons.append(f"用地项目未填{name}，不能认定在政策范围内，须领导小组研究")
            continue
        if value >= floor:
            continue
        lowest = floor * (Decimal(100) - rules.tolerance_pct) / Decimal(100)
        shown = f"{name} {_num(value)}{unit}低于标准 {_num(floor)}{unit}"
        if value >= lowest:
            level = max(level, ApprovalLevel.leadership_group, key=rank)
            reasons.append(f"{shown}，在 {_num(rules.tolerance_pct)}% 以内，须领导小组研究")
        else:
            level = ApprovalLevel.case_by_case
            reasons.append(f"{shown}超过 {_num(rules.tolerance_pct)}%，须一事一议")
    if figures.concessions and rules.concessions_case_by_case:
        level = ApprovalLevel.case_by_case
        reasons.append("申请地价或税收优惠，须一事一议")
    if not reasons:
        reasons.append("各项指标在政策范围内，报县委县政府主要领导同意后可直接签约")
    return level, reasons


def concession_of(db: Session, project_id: int) -> ProjectConcession | None:
    return db.execute(select(ProjectConcession).where(ProjectConcession.project_id == project_id)).scalar_one_or_none()


def level_for(db: Session, project: Project) -> tuple[ApprovalLevel, list[str]]:
    concession = concession_of(db, project.id)
    asks = concession is not None and (concession.land_price or concession.tax)
    figures = Figures(project.intensity_commitment, project.plot_ratio, project.land_area_mu, asks)
    return required_level(signing_rules(db), figures)


# --- the departments -------------------------------------------------------------------------------


def department_ids(db: Session, category: Category) -> list[int]:
    stmt = select(PrereviewDepartment.unit_id).where(PrereviewDepartment.category == category)
    return sorted(db.execute(stmt).scalars())


def departments_by_category(db: Session) -> dict[Category, list[int]]:
    found: dict[Category, list[int]] = {c: [] for c in Category}
    for category, unit_id in db.execute(select(PrereviewDepartment.category, PrereviewDepartment.unit_id)):
        found[category].append(unit_id)
    return {c: sorted(ids) for c, ids in found.items()}


def department_options(db: Session) -> list[tuple[int, str]]:
    stmt = (
        select(Unit.id, Unit.name)
        .where(Unit.kind.in_(DEPARTMENT_KINDS), Unit.is_active.is_(True))
        .order_by(Unit.kind, Unit.name, Unit.id)
    )
    return [(uid, name) for uid, name in db.execute(stmt)]


def overview(db: Session) -> list[dict[str, Any]]:
    """Every category with its named departments (the settings page and the API's list)."""
    names = dict(db.execute(select(Unit.id, Unit.name)).tuples().all())
    named = departments_by_category(db)
    return [
        {
            "category": c,
            "label": CATEGORY_LABELS[c],
            "departments": [{"unit_id": uid, "name": names.get(uid, "")} for uid in named[c]],
        }
        for c in Category
    ]


def set_departments(db: Session, principal: Principal, category: Category, unit_ids: Sequence[int]) -> list[int]:
    """The coordinator names the departments of a category (replacing the earlier list)."""
    policy.ensure_coordinator(principal)
    wanted = sorted(set(unit_ids))
    if wanted:
        found = {u.id: u for u in db.execute(select(Unit).where(Unit.id.in_(wanted))).scalars()}
        for uid in wanted:
            unit = found.get(uid)
            if unit is None:
                raise Invalid({"unit_ids": f"找不到单位 #{uid}"})
            if unit.kind not in DEPARTMENT_KINDS:
                raise Invalid({"unit_ids": f"“{unit.name}”不是部门或园区，不能作为预审部门"})
            if not unit.is_active:
                raise Invalid({"unit_ids": f"“{unit.name}”已停用"})
    current = department_ids(db, category)
    if current == wanted:
        return wanted
    gone = set(current) - set(wanted)
    if gone:
        db.execute(
            delete(PrereviewDepartment).where(
                PrereviewDepartment.category == category, PrereviewDepartment.unit_id.in_(gone)
            )
        )
    db.add_all(PrereviewDepartment(category=category, unit_id=uid) for uid in wanted if uid not in current)
    db.flush()
    # projects of the category still before signing that have opinions: their result may change
    stmt = (
        select(Project)
        .where(
            Project.category == category,
            Project.signed_on.is_(None),
            Project.id.in_(select(PrereviewOpinion.project_id)),
        )
        .order_by(Project.id)
    )
    for project in db.execute(stmt).scalars():
        recompute(db, project)
    db.flush()
    return wanted


# --- opinions and the derived result ---------------------------------------------------------------


def opinions_of(db: Session, project_id: int) -> list[PrereviewOpinion]:
    stmt = select(PrereviewOpinion).where(PrereviewOpinion.project_id == project_id).order_by(PrereviewOpinion.id)
    return list(db.execute(stmt).scalars())


def derive(named: Iterable[int], opinions: Iterable[PrereviewOpinion]) -> tuple[PrereviewResult, NegativeReason | None]:
    rows = list(opinions)
    vetoes = [o for o in rows if o.verdict is OpinionVerdict.vetoed]
    if vetoes:
        return PrereviewResult.rejected, vetoes[0].reason
    passed = {o.unit_id for o in rows if o.verdict is OpinionVerdict.passed}
    wanted = set(named)
    if wanted and wanted <= passed:
        return PrereviewResult.passed, None
    return PrereviewResult.pending, None


def recompute(db: Session, project: Project) -> None:
    result, reason = derive(department_ids(db, project.category), opinions_of(db, project.id))
    if project.prereview is not result:
        project.prereview = result
    if project.prereview_reason is not reason:
        project.prereview_reason = reason


def _project(db: Session, project_id: int) -> Project:
    project = db.get(Project, project_id)
    if project is None:
        raise NotFound("找不到该项目")
    return project


def get_for_review(db: Session, principal: Principal, project_id: int) -> Project:
    """The project, for those who read it and for the staff of a department that pre-reviews its category."""
    from app.services import projects

    project = _project(db, project_id)
    if projects.can_read(principal, project):
        return project
    if principal.unit_id is not None and principal.unit_id in department_ids(db, project.category):
        return project
    raise policy.DeniedNotFound()


def _before_signing(project: Project, field: str) -> None:
    if project.signed_on is not None or project.stage.order >= Stage.signed.order:
        raise Invalid({field: "项目已签约，预审和签约审批已经结束"})


def record_opinion(db: Session, principal: Principal, project_id: int, data: Any) -> PrereviewOpinion:
    """A department's opinion (given again, it replaces the earlier one), dated by the server's today."""
    project = get_for_review(db, principal, project_id)
    if not principal.can_write or principal.role not in (Role.unit_staff, Role.coordinator):
        raise policy.DeniedForbidden("只有预审部门和招商局可以登记预审意见")
    if data.verdict is OpinionVerdict.vetoed:
        errors = {}
        if data.reason is None:
            errors["reason"] = "否决须选择负面清单中的理由"
        if len(data.note.strip()) < 2:
            errors["note"] = "否决须写明意见说明（至少 2 个字）"
        if errors:
            raise Invalid(errors)
    unit_id = data.unit_id or (None if principal.is_coordinator else principal.unit_id)
    if unit_id is None:
        raise Invalid({"unit_id": "请选择预审部门"})
    if not principal.is_coordinator and unit_id != principal.unit_id:
        raise policy.DeniedForbidden("只能登记本单位的预审意见")
    named = department_ids(db, project.category)
    if unit_id not in named:
        raise Invalid({"unit_id": f"该单位不是“{project.category.label}”类项目的预审部门"})
    _before_signing(project, "verdict")
    row = db.execute(
        select(PrereviewOpinion).where(PrereviewOpinion.project_id == project.id, PrereviewOpinion.unit_id == unit_id)
    ).scalar_one_or_none()
    if row is None:
        row = PrereviewOpinion(project_id=project.id, unit_id=unit_id)
        db.add(row)
    row.verdict = data.verdict
    row.reason = data.reason if data.verdict is OpinionVerdict.vetoed else None
    row.note = data.note.strip()
    row.given_on = workdays.today()
    row.recorded_by_id = principal.user_id
    db.flush()
    recompute(db, project)
    db.flush()
    return row


def override_of(db: Session, project_id: int) -> PrereviewOverride | None:
    return db.execute(select(PrereviewOverride).where(PrereviewOverride.project_id == project_id)).scalar_one_or_none()


def record_override(db: Session, principal: Principal, project_id: int, data: Any) -> PrereviewOverride:
    """一事一议: a vetoed project let go ahead by the level that may decide it. The coordinator records it."""
    from app.services import projects

    policy.ensure_coordinator(principal)
    project = projects.get(db, principal, project_id)
    if project.prereview is not PrereviewResult.rejected:
        raise Invalid({"reason": "只有预审否决的项目才需要登记放行决定"})
    _before_signing(project, "reason")
    row = override_of(db, project.id)
    if row is None:
        row = PrereviewOverride(project_id=project.id)
        db.add(row)
    row.decided_by = data.decided_by.strip()
    row.decided_title = data.decided_title.strip()
    row.decided_on = data.decided_on
    row.document = data.document.strip()
    row.reason = data.reason.strip()
    row.recorded_by_id = principal.user_id
    db.flush()
    return row


def set_concession(db: Session, principal: Principal, project_id: int, data: Any) -> ProjectConcession:
    from app.services import projects

    project = projects.get_for_write(db, principal, project_id)
    _before_signing(project, "land_price")
    row = concession_of(db, project.id)
    if row is None:
        row = ProjectConcession(project_id=project.id)
        db.add(row)
    row.land_price, row.tax, row.note = data.land_price, data.tax, data.note.strip()
    db.flush()
    return row


def approval_of(db: Session, project_id: int) -> SigningApproval | None:
    return db.execute(select(SigningApproval).where(SigningApproval.project_id == project_id)).scalar_one_or_none()


def _level_problem(level: ApprovalLevel | None, required: ApprovalLevel) -> str:
    if level is None:
        return f"请选择审批层级：本项目须报{LEVEL_SHORT[required]}"
    if rank(level) < rank(required):
        return f"审批层级不足：本项目须报{LEVEL_SHORT[required]}，不能以“{LEVEL_SHORT[level]}”签约"
    return ""


def record_approval(db: Session, principal: Principal, project_id: int, data: Any) -> SigningApproval:
    """The signing approval (by the project's writers): at least the level the rules require."""
    from app.services import projects

    project = projects.get_for_write(db, principal, project_id)
    _before_signing(project, "level")
    required, _ = level_for(db, project)
    problem = _level_problem(data.level, required)
    if problem:
        raise Invalid({"level": problem})
    row = approval_of(db, project.id)
    if row is None:
        row = SigningApproval(project_id=project.id)
        db.add(row)
    row.level = data.level
    row.required_level = required
    row.approved_by = data.approved_by.strip()
    row.approved_on = data.approved_on
    row.document_no = data.document_no.strip()
    row.recorded_by_id = principal.user_id
    if project.approval_level is not data.level:
        project.approval_level = data.level
    db.flush()
    return row


# --- the gate --------------------------------------------------------------------------------------


def prereview_problem(project: Project, override: PrereviewOverride | None) -> str:
    if project.prereview is PrereviewResult.passed:
        return ""
    if project.prereview is PrereviewResult.rejected:
        if override is not None:
            return ""
        reason = project.prereview_reason.label if project.prereview_reason else "部门否决"
        return f"预审否决（{reason}）：环评安评不过关的项目不能签约；确需推进的，须经一事一议登记放行决定"
    return "项目预审未通过：须各预审部门均同意后方可签约"


def problems(db: Session, project: Project, stages: Iterable[Stage]) -> dict[str, str]:
    """What stops a move that reaches the given stages (empty when it may go): only a move reaching 正式签约."""
    if Stage.signed not in stages:
        return {}
    errors: dict[str, str] = {}
    problem = prereview_problem(project, override_of(db, project.id))
    if problem:
        errors["prereview"] = problem
    required, reasons = level_for(db, project)
    approval = approval_of(db, project.id)
    if approval is None:
        errors["approval_level"] = f"须先登记签约审批：本项目须报{LEVEL_SHORT[required]}（{'；'.join(reasons)}）"
    elif rank(approval.level) < rank(required):
        errors["approval_level"] = (
            f"签约审批层级不足：已登记“{LEVEL_SHORT[approval.level]}”，本项目须报{LEVEL_SHORT[required]}"
            f"（{'；'.join(reasons)}）"
        )
    return errors


def check(db: Session, project: Project, stages: Iterable[Stage]) -> None:
    errors = problems(db, project, stages)
    if errors:
        raise Invalid(errors)


# --- creation at a later stage ---------------------------------------------------------------------


def creation_problems(
    rules: SigningRules, named: Mapping[Category, Sequence[int]], data: Any, stages: Sequence[Stage]
) -> dict[str, str]:
    """What a new project's payload lacks for the gate (ProjectCreate: prereview, approval_level, approved_by,
    approved_on, approval_document_no, asks_concessions), keyed by its fields."""
    errors: dict[str, str] = {}
    if Stage.signed not in stages:
        if data.prereview is not PrereviewResult.pending:
            errors["prereview"] = "签约前的预审意见由各预审部门在项目页“项目预审”中登记，新建时不填"
        if data.approval_level is not None:
            errors["approval_level"] = "签约前的签约审批在项目页“项目预审与签约审批”中登记，新建时不填"
        return errors
    if data.prereview is not PrereviewResult.passed:
        errors["prereview"] = "新建在正式签约及以后的项目须预审通过（各预审部门均同意）"
    elif not named.get(data.category):
        errors["prereview"] = f"“{data.category.label}”类项目尚未指定预审部门，请招商局先在设置中指定"
    figures = Figures(data.intensity_commitment, data.plot_ratio, data.land_area_mu, bool(data.asks_concessions))
    required, reasons = required_level(rules, figures)
    problem = _level_problem(data.approval_level, required)
    if problem:
        errors["approval_level"] = f"{problem}（{'；'.join(reasons)}）" if data.approval_level else problem
    if len((data.approved_by or "").strip()) < 2:
        errors["approved_by"] = "请填写签约审批人（领导姓名或领导小组）"
    if data.approved_on is None:
        errors["approved_on"] = "请填写签约审批日期"
    if len((data.approval_document_no or "").strip()) < 2:
        errors["approval_document_no"] = "请填写审批的会议纪要或文件编号"
    return errors


def record_creation(
    db: Session,
    principal: Principal,
    created: Sequence[tuple[Project, Any]],
    rules: SigningRules,
    named: Mapping[Category, Sequence[int]],
) -> None:
    """The rows a project created at 正式签约 or later carries: a pass from every named department, the
    concession request, the signing approval."""
    today = workdays.today()
    rows: list[Any] = []
    for project, data in created:
        asks = bool(data.asks_concessions)
        if asks:
            note = "新建时登记：申请地价或税收优惠"
            rows.append(ProjectConcession(project_id=project.id, land_price=True, tax=False, note=note))
        if Stage.signed.order > project.stage.order:
            continue
        for unit_id in named.get(project.category, ()):
            rows.append(
                PrereviewOpinion(
                    project_id=project.id,
                    unit_id=unit_id,
                    verdict=OpinionVerdict.passed,
                    note=CREATION_NOTE,
                    given_on=today,
                    recorded_by_id=principal.user_id,
                )
            )
        required, _ = required_level(
            rules, Figures(project.intensity_commitment, project.plot_ratio, project.land_area_mu, asks)
        )
        rows.append(
            SigningApproval(
                project_id=project.id,
                level=data.approval_level,
                required_level=required,
                approved_by=data.approved_by.strip(),
                approved_on=data.approved_on,
                document_no=data.approval_document_no.strip(),
                recorded_by_id=principal.user_id,
            )
        )
        project.prereview = PrereviewResult.passed
        project.prereview_reason = None
    db.add_all(rows)
    db.flush()


# --- what the pages and the API show ---------------------------------------------------------------


def _opinion_dict(row: PrereviewOpinion | None) -> dict[str, Any]:
    if row is None:
        return {"verdict": None, "verdict_label": "待提出意见", "reason": None, "reason_label": "", "note": "",
                "given_on": None}  # fmt: skip
    return {
        "verdict": row.verdict.value,
        "verdict_label": row.verdict.label,
        "reason": row.reason.value if row.reason else None,
        "reason_label": row.reason.label if row.reason else "",
        "note": row.note,
        "given_on": row.given_on,
    }


def gate_view(db: Session, principal: Principal, project: Project) -> dict[str, Any]:
    """The section 项目预审 (and the API's answer): each department's opinion, the override, the level and why,
    the approval, and whether the project may be signed."""
    named = department_ids(db, project.category)
    opinions = {o.unit_id: o for o in opinions_of(db, project.id)}
    unit_ids = sorted(set(named) | set(opinions))
    names = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all()) if unit_ids else {}
    departments = [
        {"unit_id": uid, "name": names.get(uid, ""), **_opinion_dict(opinions.get(uid)), "named": uid in named}
        for uid in unit_ids
    ]
    override = override_of(db, project.id)
    required, reasons = level_for(db, project)
    concession = concession_of(db, project.id)
    approval = approval_of(db, project.id)
    signed = project.signed_on is not None or project.stage.order >= Stage.signed.order
    found = {} if signed else problems(db, project, [Stage.signed])
    return {
        "project_id": project.id,
        "category": project.category,
        "prereview": project.prereview.value,
        "prereview_label": project.prereview.label,
        "prereview_reason": project.prereview_reason.value if project.prereview_reason else None,
        "departments": departments,
        "override": None
        if override is None
        else {
            "decided_by": override.decided_by,
            "decided_title": override.decided_title,
            "decided_on": override.decided_on,
            "document": override.document,
            "reason": override.reason,
        },
        "required_level": required,
        "required_level_label": LEVEL_SHORT[required],
        "level_reasons": reasons,
        "concession": {
            "land_price": bool(concession and concession.land_price),
            "tax": bool(concession and concession.tax),
            "note": concession.note if concession else "",
        },
        "approval": None
        if approval is None
        else {
            "level": approval.level.value,
            "level_label": LEVEL_SHORT[approval.level],
            "required_level": approval.required_level.value,
            "approved_by": approval.approved_by,
            "approved_on": approval.approved_on,
            "document_no": approval.document_no,
        },
        "may_sign": not signed and not found,
        "problems": found,
    }


def today() -> date:
    return workdays.today()
