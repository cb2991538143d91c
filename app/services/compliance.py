"""Broken contracts and their consequences (履约核查、违约处置): a compliance case on a project.

The path:
- 立案 (`open_case`): the coordinator opens a case on a project citing one or more of its commitments that
  stand missed (未达标, `agreements.judge` on the day) — any other status is refused — with the assessment:
  who evaluated (people as text and/or platform users), when, the findings and evidence files (attachments
  owned by `compliance_case`). A commitment already cited by a case not yet closed cannot open another.
- 处置决定 (`add_measure`): the coordinator decides measures one at a time, each with its deadline and the
  unit that carries it out (the project's responsible unit unless another, such as a department, is named):
  督促履约 (reminder), 限期整改 (cure: the deadline to cure), 追回奖励 (recover: the award is clawed back through
  the awards' own `awards.claw_back`, the clawback named on the measure), 违约金 (damages, 万元, with the
  receipts recorded as they arrive), 收回土地 (take_land: the plot the project took is released back to
  available through `land.release`, the case as the reason) and 解除协议 (terminate). Each measure becomes a
  supervised task (`tasks.assign`) whose source is the case, due on the last working day on or before the
  measure's deadline; the case is then 处置中.
- 结案: cured within the cure deadline (`cure`) closes the case as 按期整改到位; once every measure's task is
  closed (销号) the coordinator closes it as 处置完毕; or closes it at any time with a reason (决定结案). Closing
  cancels the measures' tasks still in hand, with the case as the reason.

Who: the coordinator (able to write) opens, decides and closes; whoever reads the project reads its cases
(its own units, those who read everything). A confidential project's name is shown through the projects'
one rule (`projects.view`) in every page, list, task and event. Every write carries the case's version
(stale: 409) except a receipt of damages, which is guarded by `Idempotency-Key` and bounded by the damages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.agreement import CommitmentStatus
from app.models.award import Award, AwardStatus, Clawback
from app.models.base import utcnow
from app.models.compliance import (
    CaseCommitment,
    CaseOutcome,
    CaseStatus,
    ComplianceCase,
    ComplianceMeasure,
    ComplianceReceipt,
    MeasureKind,
)
from app.models.investor import Investor
from app.models.land import LandPlot
from app.models.project import Attachment, Project
from app.models.task import SupervisedTask, TaskSourceKind, TaskStatus
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.compliance import CaseOpen, CloseIn, CureIn, MeasureCreate, ReceiptCreate
from app.schemas.land import Release
from app.schemas.tasks import TaskCancel, TaskCreate
from app.services import agreements, audit, awards, events, land, projects, tasks, workdays
from app.services.common import check_version
from app.services.files import StoredFile

OWNER_TYPE = "compliance_case"  # attachments' owner_type of a case's evidence
NOT_FOUND = "找不到该违约处置案件"
READER = Principal(role=Role.unit_staff, unit_id=None, label="", read_only=True)
"""Who a task's or an event's text is written for: sees no confidential project's identity."""
MAX_DUE_DAYS = 365
IN_HAND = (TaskStatus.open, TaskStatus.in_progress, TaskStatus.submitted, TaskStatus.returned)


# --- who may do what ---------------------------------------------------------------------------


def can_manage(principal: Principal) -> bool:
    return principal.is_coordinator and principal.can_write


def _ensure_manager(principal: Principal) -> None:
    if not can_manage(principal):
        raise policy.DeniedForbidden("违约处置由招商局立案、决定和结案")


def get(db: Session, principal: Principal, case_id: int, *, lock: bool = False) -> ComplianceCase:
    case = db.get(ComplianceCase, case_id, with_for_update=lock or None)
    if case is None:
        raise NotFound(NOT_FOUND)
    project = db.get(Project, case.project_id)
    if project is None or not projects.can_read(principal, project):
        raise policy.DeniedNotFound(NOT_FOUND)
    return case


def _for_write(db: Session, principal: Principal, case_id: int, version: int) -> ComplianceCase:
    _ensure_manager(principal)
    case = get(db, principal, case_id, lock=True)
    check_version(db, case, version)
    if case.status is CaseStatus.closed:
        raise Invalid({"__all__": f"案件已于 {case.closed_on} 结案（{_outcome_label(case)}），不能再办理"})
    return case


def identity_of(db: Session, principal: Principal, project: Project) -> projects.ProjectView:
    """The projects' one masking rule, told the investor's and the introducer's names to take out of text."""
    investor = db.get(Investor, project.investor_id) if project.investor_id is not None else None
    return projects.view(principal, project, investor.name if investor else None, project.introducer_name)


def _outcome_label(case: ComplianceCase) -> str:
    return case.outcome.label if case.outcome is not None else ""


def _touch(case: ComplianceCase) -> None:
    """A change below the case (a measure, a receipt) is a change of the case: its version moves on."""
    case.updated_at = utcnow()


# --- opening -----------------------------------------------------------------------------------


def missed_commitments(db: Session, principal: Principal, project: Project) -> list[agreements.CommitmentView]:
    """The project's commitments that stand missed today (the ones a case may cite)."""
    v = agreements.view(db, principal, project)
    return [c for c in v.commitments if c.judgement.status is CommitmentStatus.missed]


def _open_cases_citing(db: Session, commitment_ids: Sequence[int]) -> dict[int, int]:
    rows = db.execute(
        select(CaseCommitment.commitment_id, ComplianceCase.id)
        .join(ComplianceCase, ComplianceCase.id == CaseCommitment.case_id)
        .where(CaseCommitment.commitment_id.in_(list(commitment_ids)), ComplianceCase.status != CaseStatus.closed)
    ).all()
    return {r[0]: r[1] for r in rows}


def _check_assessors(db: Session, data: CaseOpen) -> None:
    if not data.assessors.strip() and not data.assessor_user_ids:
        raise Invalid({"assessors": "请填写核查人员，或选择参加核查的平台用户"})
    if data.assessor_user_ids:
        found = set(
            db.execute(select(User.id).where(User.id.in_(data.assessor_user_ids), User.is_active.is_(True))).scalars()
        )
        if found != set(data.assessor_user_ids):
            raise Invalid({"assessor_user_ids": "核查人员须为在岗的平台用户"})


def open_case(
    db: Session,
    principal: Principal,
    data: CaseOpen,
    files: Sequence[StoredFile] = (),
    original_names: Sequence[str] = (),
) -> ComplianceCase:
    """立案 on missed commitments of a project, with the assessment. Anything not missed is refused."""
    _ensure_manager(principal)
    try:
        project = projects.get(db, principal, data.project_id, lock=True)
    except NotFound:
        raise Invalid({"project_id": "找不到该项目"}) from None
    judged = {c.commitment.id: c for c in agreements.view(db, principal, project).commitments}
    for cid in data.commitment_ids:
        cited = judged.get(cid)
        if cited is None:
            raise Invalid({"commitment_ids": "请选择该项目投资协议中的承诺事项"})
        status = cited.judgement.status
        if status is not CommitmentStatus.missed:
            raise Invalid({"commitment_ids": f"只能就未达标的承诺事项立案：“{cited.promise}”当前为“{status.label}”"})
    taken = _open_cases_citing(db, data.commitment_ids)
    if taken:
        cid, case_id = next(iter(taken.items()))
        raise Invalid(
            {"commitment_ids": f"“{judged[cid].promise}”已有未结案的违约处置案件 #{case_id}，请在该案件中处置"}
        )
    _check_assessors(db, data)
    uploaded = projects.claim_attachments(db, project, data.attachment_ids, "attachment_ids")
    case = ComplianceCase(
        project_id=project.id,
        unit_id=project.responsible_unit_id,
        status=CaseStatus.open,
        opened_on=workdays.today(),
        opened_by_id=principal.user_id,
        assessed_on=data.assessed_on,
        assessors=data.assessors,
        assessor_user_ids=list(data.assessor_user_ids),
        findings=data.findings,
    )
    db.add(case)
    db.flush()
    db.add_all(
        CaseCommitment(case_id=case.id, commitment_id=cid, status_when_opened=judged[cid].judgement.basis[:200])
        for cid in data.commitment_ids
    )
    db.flush()
    if files:
        projects.attach(db, principal, project, OWNER_TYPE, case.id, files, original_names)
    for a in uploaded:
        a.owner_type, a.owner_id = OWNER_TYPE, case.id
    db.flush()
    events.compliance(db, case, "opened")
    return case


# --- the decision: measures ----------------------------------------------------------------------

KIND_FIELDS: dict[MeasureKind, tuple[str, ...]] = {
    MeasureKind.recover: ("award_id", "amount"),
    MeasureKind.damages: ("damages",),
    MeasureKind.take_land: ("plot_id",),
}
FIELD_NAMES = {"award_id": "奖励", "amount": "追回金额", "plot_id": "地块", "damages": "违约金"}


def _check_fields(data: MeasureCreate) -> None:
    errors: dict[str, str] = {}
    wanted = KIND_FIELDS.get(data.kind, ())
    for name in ("award_id", "amount", "plot_id", "damages"):
        value = getattr(data, name)
        if name in wanted and value is None:
            errors[name] = {
                "award_id": "请选择要追回的奖励",
                "amount": "请填写追回金额（元）",
                "plot_id": "请选择要收回的地块",
                "damages": "请填写违约金（万元）",
            }[name]
        elif name not in wanted and value is not None:
            errors[name] = f"“{data.kind.label}”不填{FIELD_NAMES[name]}"
    if errors:
        raise Invalid(errors)


def _due_days(db: Session, today: date, due_on: date) -> int:
    if due_on <= today:
        raise Invalid({"due_on": "期限须晚于今天"})
    days = workdays.working_days_between(today, due_on, workdays.load_calendar(db))
    if days < 1:
        raise Invalid({"due_on": "期限之前没有工作日，请延后期限"})
    if days > MAX_DUE_DAYS:
        raise Invalid({"due_on": f"期限不能超过 {MAX_DUE_DAYS} 个工作日"})
    return days


def _renamed(exc: Invalid, names: dict[str, str]) -> Invalid:
    return Invalid({names.get(k, k): v for k, v in exc.errors.items()})


def add_measure(
    db: Session, principal: Principal, case_id: int, data: MeasureCreate, today: date | None = None
) -> ComplianceMeasure:
    """One measure of the decision, its effect (clawback, plot released) and its supervised task."""
    case = _for_write(db, principal, case_id, data.version)
    today = today or workdays.today()
    _check_fields(data)
    due_days = _due_days(db, today, data.due_on)
    project = db.get(Project, case.project_id)
    assert project is not None
    owner = db.get(Unit, data.owner_unit_id or project.responsible_unit_id)
    if owner is None or not owner.is_active:
        raise Invalid({"owner_unit_id": "承办单位不存在或已停用"})
    identity = identity_of(db, READER, project)
    name = identity.name
    reason = f"违约处置案件 #{case.id}（{name}）：{data.kind.label}"
    measure = ComplianceMeasure(
        case_id=case.id,
        kind=data.kind,
        content=data.content,
        due_on=data.due_on,
        owner_unit_id=owner.id,
        damages=data.damages,
        decided_by_id=principal.user_id,
    )
    if data.kind is MeasureKind.recover:
        assert data.award_id is not None and data.amount is not None
        award = db.get(Award, data.award_id)
        if award is None or award.project_id != project.id:
            raise Invalid({"award_id": "请选择该项目的奖励"})
        if award.status is not AwardStatus.paid:
            raise Invalid({"award_id": f"该奖励当前为“{award.status.label}”，只能追回已兑现的奖励"})
        try:
            clawback = awards.claw_back(db, principal, award.id, data.amount, reason)
        except Invalid as exc:
            raise _renamed(exc, {"status": "award_id", "note": "content", "decided_on": "due_on"}) from None
        measure.award_id, measure.clawback_id = award.id, clawback.id
    if data.kind is MeasureKind.take_land:
        assert data.plot_id is not None
        plot = db.get(LandPlot, data.plot_id)
        if plot is None or plot.project_id != project.id:
            raise Invalid({"plot_id": "请选择该项目取得的地块"})
        try:
            land.release(db, principal, "plots", plot.id, Release(version=plot.version, reason=reason[:500]))
        except Invalid as exc:
            raise _renamed(exc, {"reason": "plot_id"}) from None
        measure.plot_id = plot.id
    db.add(measure)
    db.flush()
    text = identity.redact(data.content) if data.content else ""
    task = tasks.assign(
        db,
        principal,
        TaskCreate(
            title=f"违约处置：{data.kind.label}（{name}）"[:200],
            content=(f"{text}\n\n" if text else "")
            + f"{reason}，限 {data.due_on} 前办结。详见违约处置案件 #{case.id}。",
            source_kind=TaskSourceKind.compliance,
            source_id=case.id,
            source_ref=f"违约处置案件 #{case.id}：{data.kind.label}",
            owner_unit_id=owner.id,
            due_days=due_days,
        ),
        today=today,
    )
    measure.task_id = task.id
    case.status = CaseStatus.executing
    case.decided_on = case.decided_on or today
    _touch(case)
    db.flush()
    events.compliance(db, case, "decided", measure)
    return measure


def _measure(db: Session, case: ComplianceCase, measure_id: int) -> ComplianceMeasure:
    row = db.get(ComplianceMeasure, measure_id)
    if row is None or row.case_id != case.id:
        raise NotFound("找不到该处置措施")
    return row


def add_receipt(
    db: Session, principal: Principal, case_id: int, measure_id: int, data: ReceiptCreate
) -> ComplianceReceipt:
    """违约金到账: bounded by the damages decided."""
    _ensure_manager(principal)
    case = get(db, principal, case_id, lock=True)
    measure = _measure(db, case, measure_id)
    if measure.kind is not MeasureKind.damages or measure.damages is None:
        raise Invalid({"amount": "只有违约金措施登记到账"})
    received = _received(db, [measure.id]).get(measure.id, Decimal(0))
    if received + data.amount > measure.damages:
        raise Invalid({"amount": f"累计到账不能超过违约金 {measure.damages:,.2f} 万元（已到账 {received:,.2f} 万元）"})
    row = ComplianceReceipt(measure_id=measure.id, **data.model_dump(), entered_by_id=principal.user_id)
    db.add(row)
    _touch(case)
    db.flush()
    return row


def _received(db: Session, measure_ids: Sequence[int]) -> dict[int, Decimal]:
    if not measure_ids:
        return {}
    rows = db.execute(
        select(ComplianceReceipt.measure_id, func.sum(ComplianceReceipt.amount))
        .where(ComplianceReceipt.measure_id.in_(list(measure_ids)))
        .group_by(ComplianceReceipt.measure_id)
    ).all()
    return {r[0]: Decimal(r[1]) for r in rows}


# --- closing -----------------------------------------------------------------------------------


def _close(db: Session, principal: Principal, case: ComplianceCase, outcome: CaseOutcome, reason: str) -> None:
    today = workdays.today()
    why = f"违约处置案件 #{case.id} 结案（{outcome.label}）" + (f"：{reason}" if reason else "")
    for measure in _measures(db, case.id):
        task = db.get(SupervisedTask, measure.task_id) if measure.task_id is not None else None
        if task is not None and task.status in IN_HAND:
            tasks.cancel(db, principal, task.id, TaskCancel(version=task.version, reason=why[:2000]), today=today)
    with audit.reason(db, why[:500]):
        case.status = CaseStatus.closed
        case.outcome = outcome
        case.close_reason = reason
        case.closed_on = today
        case.closed_by_id = principal.user_id
        db.flush()
    events.compliance(db, case, "closed")


def cure(db: Session, principal: Principal, case_id: int, measure_id: int, data: CureIn) -> ComplianceCase:
    """整改到位 within the cure deadline: the case is closed as cured. After the deadline it is refused."""
    case = _for_write(db, principal, case_id, data.version)
    measure = _measure(db, case, measure_id)
    if measure.kind is not MeasureKind.cure:
        raise Invalid({"cured_on": "只有限期整改措施可以登记整改到位"})
    if data.cured_on > measure.due_on:
        raise Invalid(
            {"cured_on": f"整改期限为 {measure.due_on}，逾期整改不按期整改结案；可决定其他处置措施，或说明理由决定结案"}
        )
    if data.cured_on < case.opened_on:
        raise Invalid({"cured_on": f"整改到位日期不能早于立案日期 {case.opened_on}"})
    measure.cured_on = data.cured_on
    db.flush()
    _close(db, principal, case, CaseOutcome.cured, data.note)
    return case


def close(db: Session, principal: Principal, case_id: int, data: CloseIn) -> ComplianceCase:
    """处置完毕 once every measure's task is closed; or 决定结案 with a reason at any time."""
    case = _for_write(db, principal, case_id, data.version)
    if data.outcome == "executed":
        measures = _measures(db, case.id)
        if not measures:
            raise Invalid({"outcome": "尚未决定处置措施；如不再处置，请选择“决定结案”并说明理由"})
        states = _task_states(db, [m.task_id for m in measures if m.task_id is not None])
        pending = [m.kind.label for m in measures if not _done(m, states)]
        if pending:
            raise Invalid({"outcome": f"尚有措施未办结（督办事项未销号）：{'、'.join(pending)}；可说明理由决定结案"})
        _close(db, principal, case, CaseOutcome.executed, data.reason)
    else:
        _close(db, principal, case, CaseOutcome.other, data.reason)
    return case


def _measures(db: Session, case_id: int) -> list[ComplianceMeasure]:
    return list(
        db.execute(
            select(ComplianceMeasure).where(ComplianceMeasure.case_id == case_id).order_by(ComplianceMeasure.id)
        ).scalars()
    )


def _task_states(db: Session, task_ids: Sequence[int]) -> dict[int, SupervisedTask]:
    if not task_ids:
        return {}
    return {t.id: t for t in db.execute(select(SupervisedTask).where(SupervisedTask.id.in_(list(task_ids)))).scalars()}


def _done(measure: ComplianceMeasure, states: dict[int, SupervisedTask]) -> bool:
    """A measure is done when its task is closed (销号), or a cure measure when it was cured."""
    if measure.cured_on is not None:
        return True
    task = states.get(measure.task_id) if measure.task_id is not None else None
    return task is not None and task.status is TaskStatus.closed


# --- reading -----------------------------------------------------------------------------------


@dataclass
class MeasureView:
    measure: ComplianceMeasure
    unit_name: str
    task: SupervisedTask | None
    clawback: Clawback | None
    plot: LandPlot | None
    receipts: list[ComplianceReceipt]
    done: bool

    @property
    def received(self) -> Decimal:
        return sum((r.amount for r in self.receipts), Decimal(0))


@dataclass
class CitedView:
    link: CaseCommitment
    promise: str
    status_now: str


@dataclass
class CaseView:
    case: ComplianceCase
    project: Project
    name: str
    identity: projects.ProjectView
    unit_name: str
    commitments: list[CitedView]
    measures: list[MeasureView]
    evidence: list[Attachment]
    assessor_names: list[str]
    can_manage: bool
    awards: list[Award] = field(default_factory=list)  # the project's paid awards (for a clawback)
    plots: list[LandPlot] = field(default_factory=list)  # the plots the project holds (to take back)

    @property
    def findings(self) -> str:
        return self.identity.redact(self.case.findings)

    @property
    def close_reason(self) -> str:
        return self.identity.redact(self.case.close_reason)

    def text(self, value: str) -> str:
        return self.identity.redact(value)

    @property
    def all_done(self) -> bool:
        return bool(self.measures) and all(m.done for m in self.measures)


def case_view(db: Session, principal: Principal, case_id: int) -> CaseView:
    case = get(db, principal, case_id)
    project = db.get(Project, case.project_id)
    assert project is not None
    identity = identity_of(db, principal, project)
    judged = {c.commitment.id: c for c in agreements.view(db, principal, project).commitments}
    cited = [
        CitedView(
            link,
            judged[link.commitment_id].promise if link.commitment_id in judged else f"承诺事项 #{link.commitment_id}",
            judged[link.commitment_id].judgement.status.label if link.commitment_id in judged else "",
        )
        for link in db.execute(
            select(CaseCommitment).where(CaseCommitment.case_id == case.id).order_by(CaseCommitment.id)
        ).scalars()
    ]
    measures = _measures(db, case.id)
    states = _task_states(db, [m.task_id for m in measures if m.task_id is not None])
    clawbacks = {
        c.id: c
        for c in db.execute(
            select(Clawback).where(Clawback.id.in_([m.clawback_id for m in measures if m.clawback_id]))
        ).scalars()
    }
    plots = {
        p.id: p
        for p in db.execute(
            select(LandPlot).where(LandPlot.id.in_([m.plot_id for m in measures if m.plot_id]))
        ).scalars()
    }
    receipts: dict[int, list[ComplianceReceipt]] = {}
    for r in db.execute(
        select(ComplianceReceipt)
        .where(ComplianceReceipt.measure_id.in_([m.id for m in measures]))
        .order_by(ComplianceReceipt.received_on, ComplianceReceipt.id)
    ).scalars():
        receipts.setdefault(r.measure_id, []).append(r)
    unit_names = dict(
        db.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_({case.unit_id, *(m.owner_unit_id for m in measures)}))
        ).all()
    )
    views = [
        MeasureView(
            m,
            unit_names.get(m.owner_unit_id, ""),
            states.get(m.task_id) if m.task_id else None,
            clawbacks.get(m.clawback_id) if m.clawback_id else None,
            plots.get(m.plot_id) if m.plot_id else None,
            receipts.get(m.id, []),
            _done(m, states),
        )
        for m in measures
    ]
    names = (
        list(
            db.execute(
                select(User.display_name).where(User.id.in_(case.assessor_user_ids)).order_by(User.display_name)
            ).scalars()
        )
        if case.assessor_user_ids
        else []
    )
    manage = can_manage(principal) and case.status is not CaseStatus.closed
    view = CaseView(
        case=case,
        project=project,
        name=identity.name,
        identity=identity,
        unit_name=unit_names.get(case.unit_id, ""),
        commitments=cited,
        measures=views,
        evidence=projects.evidence_of(db, OWNER_TYPE, [case.id]).get(case.id, []),
        assessor_names=names,
        can_manage=manage,
    )
    if manage:
        view.awards = list(
            db.execute(
                select(Award).where(Award.project_id == project.id, Award.status == AwardStatus.paid).order_by(Award.id)
            ).scalars()
        )
        view.plots = list(
            db.execute(
                select(LandPlot)
                .where(LandPlot.project_id == project.id, LandPlot.status.in_(land.PLOT_TAKEN))
                .order_by(LandPlot.code)
            ).scalars()
        )
    return view


@dataclass
class Row:
    case: ComplianceCase
    project_id: int
    project_name: str
    unit_name: str
    measures: int


STATUS_CHOICES = [(s.value, s.label) for s in CaseStatus]


def _conditions(
    principal: Principal, *, unit_id: int | None, status: str, project_id: int | None, year: int | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    scope = policy.unit_filter(principal)
    if scope is not None:
        where.append((Project.responsible_unit_id == scope) | (Project.introducing_unit_id == scope))
    if unit_id:
        where.append(ComplianceCase.unit_id == unit_id)
    if status:
        if status == "active":
            where.append(ComplianceCase.status != CaseStatus.closed)
        else:
            try:
                where.append(ComplianceCase.status == CaseStatus(status))
            except ValueError:
                raise Invalid({"status": "请选择有效的状态"}) from None
    if project_id:
        where.append(ComplianceCase.project_id == project_id)
    if year:
        where.append(ComplianceCase.opened_on.between(date(year, 1, 1), date(year, 12, 31)))
    return where


def list_cases(
    db: Session,
    principal: Principal,
    *,
    unit_id: int | None = None,
    status: str = "",
    project_id: int | None = None,
    year: int | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Row], int]:
    """A page of the cases the principal may read (their projects' names masked by the projects' rule),
    newest first, and their count. Three statements however many rows."""
    where = _conditions(principal, unit_id=unit_id, status=status, project_id=project_id, year=year)
    counted = (
        select(func.count(ComplianceMeasure.id))
        .where(ComplianceMeasure.case_id == ComplianceCase.id)
        .correlate(ComplianceCase)
        .scalar_subquery()
    )
    rows = db.execute(
        select(ComplianceCase, Project, Unit.name, counted)
        .join(Project, Project.id == ComplianceCase.project_id)
        .join(Unit, Unit.id == ComplianceCase.unit_id)
        .where(*where)
        .order_by(ComplianceCase.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total = db.execute(
        select(func.count())
        .select_from(ComplianceCase)
        .join(Project, Project.id == ComplianceCase.project_id)
        .where(*where)
    ).scalar_one()
    return [Row(c, p.id, projects.display_name(principal, p), u, int(n)) for c, p, u, n in rows], int(total)


def project_section(db: Session, principal: Principal, project_id: int) -> tuple[Project, list[Row], list[Any]]:
    """A project's cases (open first) and, for the coordinator, its missed commitments not yet in an open case."""
    project = projects.get(db, principal, project_id)
    rows, _total = list_cases(db, principal, project_id=project.id, limit=50)
    rows.sort(key=lambda r: (r.case.status is CaseStatus.closed, -r.case.id))
    missed: list[Any] = []
    if can_manage(principal):
        candidates = missed_commitments(db, principal, project)
        taken = _open_cases_citing(db, [c.commitment.id for c in candidates])
        missed = [c for c in candidates if c.commitment.id not in taken]
    return project, rows, missed


def open_form(
    db: Session, principal: Principal, project_id: int
) -> tuple[Project, str, list[Any], list[tuple[int, str]]]:
    """What the opening form offers: the project, its shown name, its missed commitments, the assessors."""
    _ensure_manager(principal)
    project = projects.get(db, principal, project_id)
    people = [
        (u.id, f"{u.display_name}（{u.role.label}）")
        for u in db.execute(
            select(User)
            .where(User.is_active.is_(True), User.role.in_((Role.coordinator, Role.supervisor)))
            .order_by(User.role, User.display_name, User.id)
        ).scalars()
    ]
    candidates = missed_commitments(db, principal, project)
    taken = _open_cases_citing(db, [c.commitment.id for c in candidates])
    free = [c for c in candidates if c.commitment.id not in taken]
    return project, projects.display_name(principal, project), free, people


def unit_options(db: Session) -> list[tuple[int, str]]:
    return land.unit_options(db)


# --- the year's assessment --------------------------------------------------------------------


@dataclass(frozen=True)
class CaseTally:
    opened: int
    closed: int


def case_counts(db: Session, year: int, unit_ids: Sequence[int] | None = None) -> dict[int, CaseTally]:
    """Cases opened in the year against each unit's projects (the unit the case was opened against), and how
    many of them are closed. One statement."""
    where = [ComplianceCase.opened_on.between(date(year, 1, 1), date(year, 12, 31))]
    if unit_ids is not None:
        where.append(ComplianceCase.unit_id.in_(list(unit_ids)))
    rows = db.execute(
        select(
            ComplianceCase.unit_id,
            func.count(),
            func.count().filter(ComplianceCase.status == CaseStatus.closed),
        )
        .where(*where)
        .group_by(ComplianceCase.unit_id)
    ).all()
    return {r[0]: CaseTally(int(r[1]), int(r[2])) for r in rows}
