"""Investment agreements (投资协议) and their commitments: entering them, and how each stands today.

Who: the project's writers (its responsible unit, the coordinator) enter and edit the agreement and its
commitments; whoever reads the project reads them. Every change is audited; edits carry the version read.

How a commitment stands (达标 met / 滞后 behind / 未达标 missed / 暂无结果 no result) is computed on
reading, never stored, since dates pass without any write:

- A milestone (开工, 竣工, 投产, 达产) is met when the project reached that stage on or before the due
  date; behind while the due date has not passed (the due date itself included) and it is not reached;
  missed once the due date has passed unreached, or reached late.
- A figure with a due date is met when the figure is reached by its date: while the date has not passed,
  by the latest figures; once it has, by the figures of periods ending on or before it. Not reached:
  behind while the date has not passed, missed after.
- A figure without a due date is compared with the latest confirmed year: met when reached, missed when
  below, no result while no confirmed year (or no figure to compute) exists.
- Reached means at least the figure (exactly at the figure is met), or at most for energy per unit of
  output and "other" conditions set to 不高于. A figure of zero is met by any result, zero included.

Figures: output, tax, jobs come from the confirmed results of a year (its annual result, or else its four
confirmed quarters: output, tax and energy summed, jobs and land from the fourth quarter); energy per unit
of output is that year's energy over its output (none when the output is zero); investment is the
investment completed (cumulative, from the progress updates: by a date, the last update on or before it);
intensity is investment over land (the latest confirmed year's land used, else the project's land area;
none when zero); plot ratio is the project's floor area over its land (1 亩 = 2000/3 m²); an "other"
condition is judged by the actual figure (or completion date) the coordinator records.

The project's flag: 达产 when it reached the 达产 stage, or the latest confirmed year's output reaches an
output commitment; 未达产 when not 达产 and a 达产 milestone is missed, or it is in production and an output
commitment is missed; none otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid, NotFound
from app.models.agreement import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    InvestmentAgreement,
    OtherDirection,
    ProjectResult,
    ResultStatus,
)
from app.models.project import Attachment, ProgressUpdate, Project
from app.principal import Principal
from app.schemas.agreements import (
    AgreementSave,
    CommitmentCreate,
    CommitmentFields,
    CommitmentUpdate,
    ConditionIn,
    ConditionRead,
)
from app.schemas.common import translate_errors
from app.services import projects, workdays
from app.services.common import apply_changes, check_version
from app.services.files import StoredFile

MU_M2 = Decimal(2000) / Decimal(3)  # one 亩 in square metres
MILESTONE_DATES = {
    CommitmentKind.start: "started_on",
    CommitmentKind.completion: "completed_on",
    CommitmentKind.production: "production_on",
    CommitmentKind.full_capacity: "full_capacity_on",
}
FLAG_LABELS = {"full_capacity": "达产", "below_capacity": "未达产", None: "尚无判断"}
DOCUMENT_OWNER = "agreement"
M = TypeVar("M", bound=BaseModel)


# --- the figures a project has reached ---------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    """A year's confirmed figures (its annual result, or its four confirmed quarters)."""

    year: int
    output: Decimal | None = None
    tax: Decimal | None = None
    jobs: int | None = None
    energy_tce: Decimal | None = None
    land_used_mu: Decimal | None = None

    @property
    def ends_on(self) -> date:
        return date(self.year, 12, 31)


def _sum(values: Sequence[Any]) -> Any:
    present = [v for v in values if v is not None]
    return sum(present[1:], present[0]) if present else None


def year_figures(results: Sequence[Any]) -> dict[int, YearFigures]:
    """Confirmed results (rows with year, quarter, the figures and status) by year: an annual result
    stands for its year; a year without one counts when all four of its quarters are confirmed."""
    annual: dict[int, Any] = {}
    quarters: dict[int, dict[int, Any]] = {}
    for r in results:
        if r.status is not ResultStatus.confirmed:
            continue
        if r.quarter is None:
            annual[r.year] = r
        else:
            quarters.setdefault(r.year, {})[r.quarter] = r
    found: dict[int, YearFigures] = {}
    for year, r in annual.items():
        found[year] = YearFigures(year, r.output, r.tax, r.jobs, r.energy_tce, r.land_used_mu)
    for year, qs in quarters.items():
        if year in found or set(qs) != {1, 2, 3, 4}:
            continue
        rows = [qs[q] for q in (1, 2, 3, 4)]
        found[year] = YearFigures(
            year,
            _sum([r.output for r in rows]),
            _sum([r.tax for r in rows]),
            qs[4].jobs,
            _sum([r.energy_tce for r in rows]),
            qs[4].land_used_mu,
        )
    return found


@dataclass
class Facts:
    """What the commitments are judged by: the project's stage dates, investment, land and floor area,
    its progress (investment completed by date) and its confirmed years."""

    stage_dates: dict[CommitmentKind, date | None]
    investment_completed: Decimal = Decimal(0)
    progress: list[tuple[date, Decimal]] = field(default_factory=list)  # (reported_on, cumulative investment)
    land_area_mu: Decimal | None = None
    floor_area_m2: Decimal | None = None
    years: dict[int, YearFigures] = field(default_factory=dict)
    in_production: bool = False
    at_full_capacity: bool = False

    def latest_year(self, by: date | None = None) -> YearFigures | None:
        eligible = [y for y in self.years.values() if by is None or y.ends_on <= by]
        return max(eligible, key=lambda y: y.year) if eligible else None

    def investment(self, by: date | None = None) -> Decimal | None:
        if by is None:
            return self.investment_completed
        before = [(d, v) for d, v in self.progress if d <= by]
        return max(before)[1] if before else None

    def land(self, by: date | None = None) -> Decimal | None:
        year = self.latest_year(by)
        if year is not None and year.land_used_mu is not None:
            return year.land_used_mu
        return self.land_area_mu


def _ratio(top: Decimal | None, bottom: Decimal | None) -> Decimal | None:
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def actual_figure(kind: CommitmentKind, facts: Facts, by: date | None = None) -> tuple[Decimal | None, str]:
    """The figure reached for a figure commitment (by a date, or now) and where it comes from (Chinese)."""
    if kind is CommitmentKind.investment:
        value = facts.investment(by)
        return value, "累计完成投资" + (f"（{by} 前最后一次进度）" if by else "")
    if kind is CommitmentKind.intensity:
        investment, land = facts.investment(by), facts.land(by)
        return _ratio(investment, land), f"完成投资 ÷ 用地 {land if land is not None else '—'} 亩"
    if kind is CommitmentKind.plot_ratio:
        land = facts.land(by)
        area = land * MU_M2 if land is not None else None
        return _ratio(facts.floor_area_m2, area), "建筑面积 ÷ 用地面积"
    year = facts.latest_year(by)
    if year is None:
        return None, "尚无已确认的年度结果" + (f"（{by} 前）" if by else "")
    where = f"{year.year} 年已确认"
    if kind is CommitmentKind.output:
        return year.output, where + "产值"
    if kind is CommitmentKind.tax:
        return year.tax, where + "税收"
    if kind is CommitmentKind.jobs:
        return (Decimal(year.jobs) if year.jobs is not None else None), where + "就业人数"
    if kind is CommitmentKind.energy:
        return _ratio(year.energy_tce, year.output), where + "能耗 ÷ 产值"
    raise ValueError(kind)


@dataclass(frozen=True)
class Judgement:
    status: CommitmentStatus
    reached: str | None  # the figure (or date) judged by
    basis: str


def _reaches(value: Decimal | None, figure: Decimal, at_most: bool) -> bool:
    if value is None:
        return False
    return value <= figure if at_most else value >= figure


def _shown(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01')):,}"


def judge(c: Any, facts: Facts, today: date) -> Judgement:
    """How commitment `c` (a Commitment, or any object with kind, figure, due_on, direction, actual,
    actual_on) stands on `today`. The rules are in the module's docstring."""
    kind: CommitmentKind = c.kind
    due: date | None = c.due_on
    if kind.is_milestone:
        assert due is not None
        reached_on = facts.stage_dates.get(kind)
        if reached_on is not None and reached_on <= due:
            return Judgement(CommitmentStatus.met, str(reached_on), f"{reached_on} {kind.label}，约定 {due} 前")
        if today <= due:
            return Judgement(CommitmentStatus.behind, None, f"尚未{kind.label}，约定 {due} 前")
        if reached_on is not None:
            return Judgement(CommitmentStatus.missed, str(reached_on), f"{reached_on} 才{kind.label}，约定 {due} 前")
        return Judgement(CommitmentStatus.missed, None, f"约定 {due} 前{kind.label}，已逾期未{kind.label}")
    at_most = kind.at_most or (kind is CommitmentKind.other and c.direction is OtherDirection.at_most)
    word = "不高于" if at_most else "不低于"
    if kind is CommitmentKind.other:
        if c.figure is None:  # a condition fulfilled on a date
            assert due is not None
            done = c.actual_on
            if done is not None and done <= due:
                return Judgement(CommitmentStatus.met, str(done), f"{done} 完成，约定 {due} 前")
            if today <= due:
                return Judgement(CommitmentStatus.behind, None, f"尚未完成，约定 {due} 前")
            return Judgement(CommitmentStatus.missed, str(done) if done else None, f"约定 {due} 前完成，已逾期")
        counted = (
            c.actual if (due is None or today <= due or (c.actual_on is not None and c.actual_on <= due)) else None
        )
        value, source = counted, "记录的实际完成数"
    else:
        value, source = actual_figure(kind, facts, due if (due is not None and today > due) else None)
    figure = Decimal(c.figure)
    promised = f"承诺{word} {_shown(figure)}"
    if value is None:
        if due is None:
            return Judgement(CommitmentStatus.no_result, None, f"{source}；{promised}")
        status = CommitmentStatus.behind if today <= due else CommitmentStatus.missed
        return Judgement(status, None, f"{source}；{promised}，约定 {due} 前")
    text = f"{source} {_shown(value)}，{promised}" + (f"，约定 {due} 前" if due else "")
    if _reaches(value, figure, at_most):
        return Judgement(CommitmentStatus.met, _shown(value), text)
    if due is None:
        return Judgement(CommitmentStatus.missed, _shown(value), text)
    return Judgement(CommitmentStatus.behind if today <= due else CommitmentStatus.missed, _shown(value), text)


def capacity_flag(commitments: Sequence[Any], judgements: Sequence[Judgement], facts: Facts) -> str | None:
    """达产 (full_capacity), 未达产 (below_capacity) or None: the rule is in the module's docstring."""
    if facts.at_full_capacity:
        return "full_capacity"
    latest = facts.latest_year()
    outputs = [c for c in commitments if c.kind is CommitmentKind.output and c.figure is not None]
    if latest is not None and latest.output is not None and any(latest.output >= c.figure for c in outputs):
        return "full_capacity"
    for c, j in zip(commitments, judgements, strict=True):
        if j.status is not CommitmentStatus.missed:
            continue
        if c.kind is CommitmentKind.full_capacity:
            return "below_capacity"
        if c.kind is CommitmentKind.output and facts.in_production:
            return "below_capacity"
    return None


def facts_of(db: Session, project: Project) -> Facts:
    """The project's facts: two statements (its progress, its results)."""
    progress = db.execute(
        select(ProgressUpdate.reported_on, ProgressUpdate.investment_completed).where(
            ProgressUpdate.project_id == project.id
        )
    ).all()
    results = (
        db.execute(
            select(ProjectResult).where(
                ProjectResult.project_id == project.id, ProjectResult.status == ResultStatus.confirmed
            )
        )
        .scalars()
        .all()
    )
    return Facts(
        stage_dates={k: getattr(project, column) for k, column in MILESTONE_DATES.items()},
        investment_completed=project.investment_completed,
        progress=[(d, Decimal(v)) for d, v in progress],
        land_area_mu=project.land_area_mu,
        floor_area_m2=project.floor_area_m2,
        years=year_figures(results),
        in_production=project.production_on is not None,
        at_full_capacity=project.full_capacity_on is not None,
    )


# --- reading an agreement ----------------------------------------------------------------------


@dataclass
class CommitmentView:
    commitment: Commitment
    judgement: Judgement
    identity: projects.ProjectView

    @property
    def note(self) -> str:
        return str(self.identity.reveal(self.commitment.note))

    @property
    def name(self) -> str:
        c = self.commitment
        return c.name if c.kind is CommitmentKind.other else c.kind.label

    @property
    def unit(self) -> str:
        c = self.commitment
        return c.unit if c.kind is CommitmentKind.other else c.kind.unit

    @property
    def promise(self) -> str:
        """The commitment in words: 年产值不低于 50,000.00 万元（2028-12-31 前）."""
        c = self.commitment
        if c.kind.is_milestone:
            return f"{c.due_on} 前{c.kind.label}"
        text = self.name
        if c.figure is not None:
            at_most = c.kind.at_most or (c.kind is CommitmentKind.other and c.direction is OtherDirection.at_most)
            unit = f" {self.unit}" if self.unit else ""
            text += f"{'不高于' if at_most else '不低于'} {_shown(Decimal(c.figure))}{unit}"
        if c.due_on is not None:
            text += f"（{c.due_on} 前）"
        return text


@dataclass
class AgreementView:
    project: Project
    identity: projects.ProjectView  # the parties and notes name the investor: shown through `reveal`
    agreement: InvestmentAgreement | None
    documents: list[Attachment]
    commitments: list[CommitmentView]
    flag: str | None

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def parties(self) -> str:
        return str(self.identity.reveal(self.agreement.parties)) if self.agreement else ""

    @property
    def note(self) -> str:
        return str(self.identity.reveal(self.agreement.note)) if self.agreement else ""

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS[self.flag]

    def counts(self) -> dict[str, int]:
        found = {s.value: 0 for s in CommitmentStatus}
        for v in self.commitments:
            found[v.judgement.status.value] += 1
        return found


def view(db: Session, principal: Principal, project: Project, today: date | None = None) -> AgreementView:
    """The project's agreement, its commitments as they stand `today`, and the project's flag (four
    statements however many commitments and results it has)."""
    today = today or workdays.today()
    agreement = db.execute(
        select(InvestmentAgreement).where(InvestmentAgreement.project_id == project.id)
    ).scalar_one_or_none()
    rows: list[Commitment] = []
    documents: list[Attachment] = []
    if agreement is not None:
        rows = list(
            db.execute(select(Commitment).where(Commitment.agreement_id == agreement.id).order_by(Commitment.id))
            .scalars()
            .all()
        )
        documents = projects.evidence_of(db, DOCUMENT_OWNER, [agreement.id]).get(agreement.id, [])
    facts = facts_of(db, project) if rows else Facts(stage_dates={})
    judged = [judge(c, facts, today) for c in rows]
    identity = projects.view(principal, project)
    return AgreementView(
        project=project,
        identity=identity,
        agreement=agreement,
        documents=documents,
        commitments=[CommitmentView(c, j, identity) for c, j in zip(rows, judged, strict=True)],
        flag=capacity_flag(rows, judged, facts)
        if rows
        else ("full_capacity" if project.full_capacity_on is not None else None),
    )


def get_view(db: Session, principal: Principal, project_id: int) -> AgreementView:
    return view(db, principal, projects.get(db, principal, project_id))


# --- writing -----------------------------------------------------------------------------------


def merged_fields(model: type[M], row: Any, data: BaseModel) -> M:
    """An edit sending some fields (the version aside) over the row's current values, checked whole as `model`."""
    current = {name: getattr(row, name) for name in model.model_fields}
    sent = data.model_dump(exclude_unset=True, exclude={"version"})
    try:
        return model.model_validate({**current, **sent})
    except ValidationError as exc:
        raise Invalid(translate_errors(exc.errors())) from None


def _agreement_of(db: Session, project_id: int) -> InvestmentAgreement | None:
    return db.execute(
        select(InvestmentAgreement).where(InvestmentAgreement.project_id == project_id)
    ).scalar_one_or_none()


def save(
    db: Session,
    principal: Principal,
    project_id: int,
    data: AgreementSave,
    files: Sequence[StoredFile] = (),
    original_names: Sequence[str] = (),
) -> InvestmentAgreement:
    """Enter the project's agreement (version 0) or change it (the version read; stale answers 409)."""
    project = projects.get_for_write(db, principal, project_id)
    uploaded = projects.claim_attachments(db, project, data.attachment_ids, "attachment_ids")
    row = _agreement_of(db, project.id)
    values = data.model_dump(exclude={"version", "attachment_ids"})
    if row is None:
        if data.version != 0:
            raise Conflict(details={"current_version": 0, "your_version": data.version, "changes": []})
        row = InvestmentAgreement(project_id=project.id, entered_by_id=principal.user_id, **values)
        db.add(row)
    else:
        check_version(db, row, data.version)
        apply_changes(row, values)
    db.flush()
    if files:
        projects.attach(db, principal, project, DOCUMENT_OWNER, row.id, files, original_names)
    for a in uploaded:
        a.owner_type, a.owner_id = DOCUMENT_OWNER, row.id
    db.flush()
    return row


def _check(data: CommitmentFields) -> None:
    """The rules of a commitment's kind, each told beside its field."""
    kind = data.kind
    errors: dict[str, str] = {}
    if kind.is_milestone:
        if data.due_on is None:
            errors["due_on"] = f"请填写约定{kind.label}的日期"
        if data.figure is not None:
            errors["figure"] = f"{kind.label}只约定日期，不填数值"
    elif kind is CommitmentKind.other:
        if not data.name.strip():
            errors["name"] = "请填写约定的名称"
        if data.figure is None and data.due_on is None:
            errors["figure"] = "请填写约定的数值，或约定日期"
    elif data.figure is None:
        errors["figure"] = f"请填写承诺的{kind.label}" + (f"（{kind.unit}）" if kind.unit else "")
    elif kind is CommitmentKind.jobs and data.figure != data.figure.to_integral_value():
        errors["figure"] = "就业人数须为整数"
    if kind is not CommitmentKind.other:
        if data.actual is not None:
            errors["actual"] = "只有其他约定填写实际完成数；其余按项目进度和已确认的结果自动判断"
        elif data.actual_on is not None:
            errors["actual_on"] = "只有其他约定填写完成日期；其余按项目进度和已确认的结果自动判断"
    if data.actual_on is not None and data.actual_on > workdays.today():
        errors["actual_on"] = "完成日期不能晚于今天"
    if errors:
        raise Invalid(errors)


def _normalised(data: CommitmentFields) -> dict[str, Any]:
    values = data.model_dump()
    if data.kind is not CommitmentKind.other:  # name, unit and direction are the kind's
        values.update(name="", unit="", direction=OtherDirection.at_least)
    return values


def add_commitment(db: Session, principal: Principal, project_id: int, data: CommitmentCreate) -> Commitment:
    project = projects.get_for_write(db, principal, project_id)
    agreement = _agreement_of(db, project.id)
    if agreement is None:
        raise Invalid({"kind": "请先录入投资协议（签订日期、协议各方），再添加承诺事项"})
    _check(data)
    row = Commitment(agreement_id=agreement.id, project_id=project.id, **_normalised(data))
    db.add(row)
    db.flush()
    return row


def get_commitment(db: Session, principal: Principal, project_id: int, commitment_id: int) -> Commitment:
    projects.get(db, principal, project_id)
    row = db.get(Commitment, commitment_id)
    if row is None or row.project_id != project_id:
        raise NotFound("找不到该承诺事项")
    return row


def update_commitment(
    db: Session, principal: Principal, project_id: int, commitment_id: int, data: CommitmentUpdate
) -> Commitment:
    projects.get_for_write(db, principal, project_id)
    row = get_commitment(db, principal, project_id, commitment_id)
    check_version(db, row, data.version)
    merged = merged_fields(CommitmentFields, row, data)
    _check(merged)
    apply_changes(row, _normalised(merged))
    db.flush()
    return row


# --- conditions: an award or a plot's land price conditional on a commitment (以承诺为条件) ---------


def commitments_of(db: Session, principal: Principal, project: Project) -> dict[int, CommitmentView]:
    """The project's commitments by id as they stand today: a condition's choices, and how one stands."""
    return {v.commitment.id: v for v in view(db, principal, project).commitments}


def condition_options(db: Session, principal: Principal, project: Project) -> list[tuple[int, str]]:
    judged = commitments_of(db, principal, project)
    return [(i, f"{v.promise}（{v.judgement.status.label}）") for i, v in judged.items()]


def condition_read(view_of: CommitmentView | None) -> ConditionRead | None:
    if view_of is None:
        return None
    j = view_of.judgement
    return ConditionRead(
        commitment_id=view_of.commitment.id,
        promise=view_of.promise,
        status=j.status,
        status_label=j.status.label,
        basis=j.basis,
    )


def set_condition(db: Session, row: Any, project: Project, data: ConditionIn) -> None:
    """Ties `row` (an award, a plot: whatever has `commitment_id` and a version) to a commitment of `project`'s
    agreement, or unties it. The caller has checked who may; the change is audited as the row's own."""
    check_version(db, row, data.version)
    if data.commitment_id is not None:
        found = db.get(Commitment, data.commitment_id)
        if found is None or found.project_id != project.id:
            raise Invalid({"commitment_id": "请选择该项目投资协议中的承诺事项"})
    row.commitment_id = data.commitment_id
    db.flush()
