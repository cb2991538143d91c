"""Interviews (约谈) of lagging units' heads: who is proposed, the interviews recorded, their promises.

Proposals (`proposals`), by rule, for every active unit with a target in the year judged (but the units of the
bureau, the supervisor's office and the leaders, who run the assessment):
- idle (长时间无进展): no new lead (not judged invalid), no project of the unit reaching a stage (created, or
  moved forward) and no funds entered or confirmed for its projects (not refused) for `interview_idle_months`
  months (a setting, 3 by default) up to today;
- below_yellow (低于黄牌线): on a metric with a target, a yellow or red card as the targets page and the
  yellow-line watcher judge it (performance.standings, as of the last month end: event_watch.judged_day);
- red_card (红牌): no result at all on any of its targets for the year (as of the same day), the documents'
  red card, distinct from one metric's warning (a unit with a red card is not listed under the yellow line too).

The supervisor's office (督查室) or the coordinating bureau records an interview a leader or the office held
(leaders' accounts read and do not write: the leader is named as the interviewer): who interviewed, the
unit's head interviewed, when, what was found, the reasons it was proposed (computed when recorded), and the
promises, each assigned as a supervised task (督办事项) with `source_kind` interview and `source_id` the
promise's id. The interviewed unit reads its own interviews; leaders and readers of everything read all.

For the year's assessment (issue 19, item 8): `interview_counts(db, year)` gives each unit's interviews that
year and the outcome of their promises (kept on time, late, still in hand).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.interview import Interview, InterviewPromise
from app.models.investor import Investor
from app.models.lead import Lead, LeadStatus
from app.models.project import FundsArrival, FundsStatus, Project, StageEvent
from app.models.task import CLOCK_STATUSES, SupervisedTask, TaskSourceKind, TaskStatus
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.interviews import InterviewCreate, PromiseCreate
from app.schemas.tasks import TaskCreate
from app.services import (
    app_settings,
    event_watch,
    events,
    meetings,
    metrics,
    months,
    performance,
    projects,
    tasks,
    workdays,
)

app_settings.DEFAULTS.update({"interview_idle_months": "3"})
app_settings.LABELS.update(
    {"interview_idle_months": "连续多少个月无进展（无新线索、无项目推进、无资金到位）的单位建议约谈"}
)

NOT_FOUND = "找不到该约谈记录"
OFFICE_ONLY = "约谈由督查室或招商局记录"
INTERVIEWERS = (Role.leader, Role.supervisor, Role.coordinator)
REASONS = {"idle": "长时间无进展", "below_yellow": "低于黄牌线", "red_card": "红牌（全年无实绩）"}
OUTCOMES = {"kept": "按期办结", "late": "逾期", "in_hand": "正在办理", "cancelled": "已撤销"}


def ensure_office(principal: Principal) -> None:
    tasks.ensure_office(principal, OFFICE_ONLY)


def get(db: Session, principal: Principal, interview_id: int, *, lock: bool = False) -> Interview:
    interview = db.get(Interview, interview_id, with_for_update=lock or None)
    if interview is None:
        raise NotFound(NOT_FOUND)
    policy.ensure_read(principal, interview.unit_id, NOT_FOUND)
    return interview


def _as_is(text: str) -> str:
    return text


def redactors(db: Session, principal: Principal, unit_ids: Sequence[int]) -> dict[int, Callable[[str], str]]:
    """{unit_id: redact} for the units with a confidential project this reader may not see: an interview's free
    text with those projects' names and investors taken out (projects.view). One statement."""
    if projects.sees_every_identity(principal) or not unit_ids:
        return {}
    ids = list(unit_ids)
    rows = db.execute(
        select(Project.name, Project.code_name, Project.is_confidential, Project.responsible_unit_id,
               Project.introducing_unit_id, Investor.name.label("investor_name"))
        .join(Investor, Investor.id == Project.investor_id)
        .where(Project.is_confidential.is_(True),
               or_(Project.responsible_unit_id.in_(ids), Project.introducing_unit_id.in_(ids)))
    ).all()  # fmt: skip
    found: dict[int, list[projects.ProjectView]] = {}
    for row in rows:
        view = projects.view(principal, row, row.investor_name)
        if not view.visible:
            for unit_id in {row.responsible_unit_id, row.introducing_unit_id} & set(ids):
                found.setdefault(unit_id, []).append(view)

    def chained(views: list[projects.ProjectView]) -> Callable[[str], str]:
        def redact(text: str) -> str:
            for view in views:
                text = view.redact(text)
            return text

        return redact

    return {unit_id: chained(views) for unit_id, views in found.items()}


# --- proposals -------------------------------------------------------------------------------


@dataclass
class Reason:
    code: str
    detail: str

    @property
    def label(self) -> str:
        return REASONS[self.code]

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "detail": self.detail}


@dataclass
class Proposal:
    unit_id: int
    unit_name: str
    reasons: list[Reason]
    last_interview_on: date | None
    interviews_this_year: int


def _progressed(db: Session, unit_ids: Sequence[int], since: date) -> set[int]:
    """The units among `unit_ids` with a new lead, a project reaching a stage or funds arriving since `since`.
    Three statements."""
    ids = list(unit_ids)
    found = set(
        db.execute(
            select(Lead.unit_id)
            .where(Lead.unit_id.in_(ids), Lead.lead_date >= since, Lead.status != LeadStatus.invalid)
            .distinct()
        ).scalars()
    )
    moved = db.execute(
        select(Project.responsible_unit_id, Project.introducing_unit_id)
        .join(StageEvent, StageEvent.project_id == Project.id)
        .where(
            StageEvent.action.in_(("create", "forward")),
            StageEvent.happened_on >= since,
            or_(Project.responsible_unit_id.in_(ids), Project.introducing_unit_id.in_(ids)),
        )
        .distinct()
    ).all()
    for responsible, introducing in moved:
        found |= {responsible, introducing}
    found |= set(
        db.execute(
            select(Project.responsible_unit_id)
            .join(FundsArrival, FundsArrival.project_id == Project.id)
            .where(
                Project.responsible_unit_id.in_(ids),
                FundsArrival.arrived_on >= since,
                FundsArrival.amount > 0,
                FundsArrival.status != FundsStatus.rejected,
            )
            .distinct()
        ).scalars()
    )
    return found & set(ids)


def _fmt(value: Decimal | None) -> str:
    return performance.shown(Decimal(value or 0))


def reasons_by_unit(db: Session, today: date, unit_ids: Sequence[int] | None = None) -> dict[int, list[Reason]]:
    """{unit_id: reasons} of the units proposed for an interview as of `today` (only among `unit_ids` when
    given). A fixed number of statements: the targets, the assessors' units, two per metric with a target, and
    three."""
    as_of = event_watch.judged_day(today)
    year = as_of.year
    targets = performance.targets_for_year(db, year, unit_ids)
    assessors = set(
        db.execute(select(User.unit_id).where(User.is_active.is_(True), User.role.in_(INTERVIEWERS))).scalars()
    )  # the bureau, the supervisor's office, the leaders' office: they run the assessment, they are not proposed
    candidates = sorted({u for (_m, u) in targets} - assessors)
    if not candidates:
        return {}
    reasons: dict[int, list[Reason]] = {}
    idle_months = int(app_settings.get_decimal(db, "interview_idle_months"))
    since = months.add_months(today, -idle_months)
    for unit_id in sorted(set(candidates) - _progressed(db, candidates, since)):
        detail = f"{since} 以来无新增线索、无项目推进阶段、无资金到位（{idle_months} 个月）"
        reasons.setdefault(unit_id, []).append(Reason("idle", detail))
    yellow = app_settings.get_decimal(db, "yellow_card_percent")
    by_unit: dict[int, list[performance.Standing]] = {}
    for (_code, unit_id), st in sorted(performance.standings(db, year, as_of, unit_ids=candidates).items()):
        if st.target:
            by_unit.setdefault(unit_id, []).append(st)
    for unit_id, standing in by_unit.items():
        if all(st.actual == 0 for st in standing):  # the red card says it all: no yellow line listed besides
            detail = f"截至 {as_of}，{year} 年各项目标均无实绩"
            reasons.setdefault(unit_id, []).append(Reason("red_card", detail))
            continue
        below = [st for st in standing if st.card in ("yellow", "red")]
        if below:
            parts = [
                f"{metrics.METRICS[st.metric].label if st.metric in metrics.METRICS else st.metric}"
                f"完成时序进度的 {_fmt(st.share_of_expected)}%"
                for st in below
            ]
            detail = f"截至 {as_of}，{'；'.join(parts)}（黄牌线 {_fmt(yellow)}%）"
            reasons.setdefault(unit_id, []).append(Reason("below_yellow", detail))
    return reasons


_ORDER = {"red_card": 0, "below_yellow": 1, "idle": 2}


def proposals(db: Session, principal: Principal, today: date | None = None) -> list[Proposal]:
    """The units proposed for an interview (a unit's staff: their own unit, if it is), the most reasons first,
    a red card before the yellow line before idleness, then in the units' order; each with its last interview
    and how many it had this year. A fixed number of statements."""
    today = today or workdays.today()
    scope = None if principal.reads_everything else [principal.unit_id or 0]
    found = reasons_by_unit(db, today, scope)
    if not found:
        return []
    units = {
        u.id: u for u in db.execute(select(Unit).where(Unit.id.in_(list(found)), Unit.is_active.is_(True))).scalars()
    }
    last = {
        unit_id: (latest, int(this_year or 0))
        for unit_id, latest, this_year in db.execute(
            select(
                Interview.unit_id,
                func.max(Interview.held_on),
                func.sum(and_(Interview.held_on >= date(today.year, 1, 1)).cast(Integer)),
            )
            .where(Interview.unit_id.in_(list(found)))
            .group_by(Interview.unit_id)
        ).all()
    }
    result = [
        Proposal(
            unit_id,
            units[unit_id].name,
            sorted(reasons, key=lambda r: _ORDER[r.code]),
            last.get(unit_id, (None, 0))[0],
            last.get(unit_id, (None, 0))[1],
        )
        for unit_id, reasons in found.items()
        if unit_id in units
    ]
    result.sort(key=lambda p: (-len(p.reasons), _ORDER[p.reasons[0].code], units[p.unit_id].sort_order, p.unit_id))
    return result


# --- recording -------------------------------------------------------------------------------


def record(db: Session, principal: Principal, data: InterviewCreate, today: date | None = None) -> Interview:
    """Record an interview held (today or before), with its promises, each assigned as a supervised task; the
    reasons the unit was proposed are computed and kept with it."""
    ensure_office(principal)
    today = today or workdays.today()
    if data.held_on > today:
        raise Invalid({"held_on": "约谈日期不能晚于今天"})
    unit = db.get(Unit, data.unit_id)
    if unit is None or not unit.is_active:
        raise Invalid({"unit_id": "单位不存在或已停用"})
    if data.interviewer_user_id is not None:
        person = db.get(User, data.interviewer_user_id)
        if person is None or not person.is_active or person.role not in INTERVIEWERS:
            raise Invalid({"interviewer_user_id": "约谈人账号须为在岗的县级领导、督查室或招商局人员"})
    interviewee = data.interviewee
    if not interviewee:
        head = db.get(User, unit.head_user_id) if unit.head_user_id else None
        interviewee = unit.head_name or (head.display_name if head else "")
    if not interviewee:
        raise Invalid({"interviewee": "请填写被约谈人（该单位未登记负责人）"})
    for index, promise in enumerate(data.promises):
        try:
            meetings._check_owner(db, unit.id, promise.owner_user_id)
        except Invalid as exc:
            raise Invalid({f"promises.{index}.{k}": v for k, v in exc.errors.items()}) from None
    reasons = reasons_by_unit(db, today, [unit.id]).get(unit.id, [])
    interview = Interview(
        unit_id=unit.id,
        held_on=data.held_on,
        place=data.place,
        interviewer=data.interviewer,
        interviewer_user_id=data.interviewer_user_id,
        interviewee=interviewee[:100],
        interviewee_user_id=unit.head_user_id,
        reasons=[r.as_json() for r in sorted(reasons, key=lambda r: _ORDER[r.code])],
        reason_note=data.reason_note or "；".join(r.detail for r in reasons),
        findings=data.findings,
        recorded_by_id=principal.user_id,
    )
    db.add(interview)
    db.flush()
    for promise in data.promises:
        _promise(db, principal, interview, unit, promise, today)
    events.interview_recorded(db, interview, [r.label for r in reasons], len(data.promises))
    return interview


def add_promise(
    db: Session, principal: Principal, interview_id: int, data: PromiseCreate, today: date | None = None
) -> InterviewPromise:
    """A promise of a recorded interview (after it was recorded), assigned as a supervised task."""
    ensure_office(principal)
    interview = get(db, principal, interview_id, lock=True)  # one at a time: its number is the next
    unit = db.get(Unit, interview.unit_id)
    if unit is None or not unit.is_active:
        raise Invalid({"__all__": "被约谈的单位已停用"})
    meetings._check_owner(db, unit.id, data.owner_user_id)
    return _promise(db, principal, interview, unit, data, today)


def _promise(
    db: Session, principal: Principal, interview: Interview, unit: Unit, data: PromiseCreate, today: date | None
) -> InterviewPromise:
    number = (
        int(
            db.execute(
                select(func.coalesce(func.max(InterviewPromise.number), 0)).where(
                    InterviewPromise.interview_id == interview.id
                )
            ).scalar_one()
        )
        + 1
    )
    promise = InterviewPromise(
        interview_id=interview.id,
        number=number,
        content=data.content,
        owner_unit_id=unit.id,
        owner_user_id=data.owner_user_id,
        due_days=data.due_days,
        created_by_id=principal.user_id,
    )
    db.add(promise)
    db.flush()
    redact = redactors(db, meetings.READER, [unit.id]).get(unit.id, _as_is)
    reference = f"{interview.held_on} 约谈{unit.short_name or unit.name}第 {number} 项承诺"
    task = tasks.assign(
        db,
        principal,
        TaskCreate(
            title=f"约谈承诺：{meetings._first_line(redact(data.content), 60)}",
            content=f"{redact(data.content)}\n\n（{reference}）",
            source_kind=TaskSourceKind.interview,
            source_id=promise.id,
            source_ref=reference[:200],
            owner_unit_id=unit.id,
            owner_user_id=data.owner_user_id,
            due_days=data.due_days,
        ),
        today=today,
    )
    promise.task_id = task.id
    db.flush()
    return promise


# --- reading ---------------------------------------------------------------------------------


def outcome(task: SupervisedTask | None, today: date) -> str:
    """A promise's outcome by its task: kept (closed, reported done by the deadline), late (reported done
    after it, or still in hand past it), cancelled (the office withdrew its task: no longer owed, and not
    counted among the unit's promises), in_hand (otherwise)."""
    if task is None:
        return "in_hand"
    if task.status is TaskStatus.cancelled:
        return "cancelled"
    if task.done_on is not None and task.done_on > task.due_on:
        return "late"
    if task.status is TaskStatus.closed:
        return "kept"
    if task.status in CLOCK_STATUSES and task.due_on < today:
        return "late"
    return "in_hand"


@dataclass
class InterviewFilter:
    year: int | None = None
    unit_id: int | None = None


@dataclass
class InterviewRow:
    interview: Interview
    unit_name: str
    promise_count: int
    interviewer_name: str | None
    recorded_by: str
    redact: Callable[[str], str] = _as_is


def _conditions(principal: Principal, f: InterviewFilter) -> list[Any]:
    where: list[Any] = []
    if not principal.reads_everything:
        where.append(Interview.unit_id == (principal.unit_id or 0))
    elif f.unit_id is not None:
        where.append(Interview.unit_id == f.unit_id)
    if f.year is not None:
        where.append(and_(Interview.held_on >= date(f.year, 1, 1), Interview.held_on <= date(f.year, 12, 31)))
    return where


def list_interviews(
    db: Session, principal: Principal, f: InterviewFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[InterviewRow], int]:
    """One page of the interviews this reader may see, newest first, and how many match. Fixed statements."""
    where = _conditions(principal, f)
    promises = (
        select(func.count()).where(InterviewPromise.interview_id == Interview.id).correlate(Interview).scalar_subquery()
    )
    interviewer, recorder = User.__table__.alias("interviewer"), User.__table__.alias("recorder")
    rows = db.execute(
        select(Interview, Unit.name, promises, interviewer.c.display_name, recorder.c.display_name)
        .join(Unit, Unit.id == Interview.unit_id)
        .outerjoin(interviewer, interviewer.c.id == Interview.interviewer_user_id)
        .outerjoin(recorder, recorder.c.id == Interview.recorded_by_id)
        .where(*where)
        .order_by(Interview.held_on.desc(), Interview.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = int(db.execute(select(func.count()).select_from(Interview).where(*where)).scalar_one())
    redact = redactors(db, principal, sorted({r[0].unit_id for r in rows}))
    return [
        InterviewRow(i, name, int(n or 0), who, by or "", redact.get(i.unit_id, _as_is)) for i, name, n, who, by in rows
    ], total


def row_of(db: Session, principal: Principal, interview: Interview) -> InterviewRow:
    unit = db.get(Unit, interview.unit_id)
    count = db.execute(select(func.count()).where(InterviewPromise.interview_id == interview.id)).scalar_one()
    who = db.get(User, interview.interviewer_user_id) if interview.interviewer_user_id else None
    by = db.get(User, interview.recorded_by_id) if interview.recorded_by_id else None
    redact = redactors(db, principal, [interview.unit_id]).get(interview.unit_id, _as_is)
    return InterviewRow(
        interview, unit.name if unit else "", int(count), who.display_name if who else None,
        by.display_name if by else "", redact,
    )  # fmt: skip


@dataclass
class PromiseRow:
    promise: InterviewPromise
    unit_name: str
    person: str | None
    task: SupervisedTask | None
    light: str
    outcome: str
    content: str


def promises(db: Session, principal: Principal, interview: Interview, today: date | None = None) -> list[PromiseRow]:
    """The interview's promises with their tasks (one statement, and the deadlines' calendar)."""
    clock = tasks.deadlines(db, today)
    redact = redactors(db, principal, [interview.unit_id]).get(interview.unit_id, _as_is)
    rows = db.execute(
        select(InterviewPromise, Unit.name, User.display_name, SupervisedTask)
        .join(Unit, Unit.id == InterviewPromise.owner_unit_id)
        .outerjoin(User, User.id == InterviewPromise.owner_user_id)
        .outerjoin(SupervisedTask, SupervisedTask.id == InterviewPromise.task_id)
        .where(InterviewPromise.interview_id == interview.id)
        .order_by(InterviewPromise.number)
    ).all()
    return [
        PromiseRow(
            p, unit_name, person, task, clock.of(task)[0] if task is not None else "",
            outcome(task, clock.today), redact(p.content),
        )
        for p, unit_name, person, task in rows
    ]  # fmt: skip


def promise_interview(db: Session, principal: Principal, promise_id: int) -> tuple[int, int]:
    """(interview id, promise number) of a promise the reader may see: a task's way back to its interview."""
    promise = db.get(InterviewPromise, promise_id)
    if promise is None:
        raise NotFound("找不到该承诺事项")
    interview = get(db, principal, promise.interview_id)
    return interview.id, promise.number


def interviewer_choices(db: Session) -> list[tuple[int, str]]:
    rows = db.execute(
        select(User.id, User.display_name, User.role)
        .where(User.is_active.is_(True), User.role.in_(INTERVIEWERS))
        .order_by(User.role, User.display_name)
    ).all()
    return [(r.id, f"{r.display_name}（{r.role.label}）") for r in rows]


def unit_staff_choices(db: Session, unit_id: int) -> list[tuple[int, str]]:
    rows = db.execute(
        select(User.id, User.display_name)
        .where(User.unit_id == unit_id, User.is_active.is_(True), User.role == Role.unit_staff)
        .order_by(User.display_name)
    ).all()
    return [(r.id, r.display_name) for r in rows]


# --- for the assessment ------------------------------------------------------------------------


@dataclass(frozen=True)
class InterviewTally:
    """A unit's interviews in a year and what became of their promises (as of `today`)."""

    interviews: int
    promises: int
    kept: int  # reported done by the deadline and closed (销号)
    late: int  # reported done after the deadline, or still in hand past it
    in_hand: int  # not yet due, or reported done in time and awaiting review


def interview_counts(db: Session, year: int, today: date | None = None) -> dict[int, InterviewTally]:
    """{unit_id: InterviewTally} of the units interviewed in `year` (held_on within it): how many interviews,
    how many promises they made, and the promises' outcomes by their supervised tasks (`outcome`), as of
    `today`. Units never interviewed that year are left out. What the year's assessment (issue 19, item 8)
    deducts points for and shows as each point's source. Two statements."""
    today = today or workdays.today()
    start, end = date(year, 1, 1), date(year, 12, 31)
    counts = dict(
        db.execute(
            select(Interview.unit_id, func.count())
            .where(Interview.held_on >= start, Interview.held_on <= end)
            .group_by(Interview.unit_id)
        )
        .tuples()
        .all()
    )
    tallies: dict[int, dict[str, int]] = {int(u): {"promises": 0, "kept": 0, "late": 0, "in_hand": 0} for u in counts}
    for unit_id, task in db.execute(
        select(Interview.unit_id, SupervisedTask)
        .join(InterviewPromise, InterviewPromise.interview_id == Interview.id)
        .outerjoin(SupervisedTask, SupervisedTask.id == InterviewPromise.task_id)
        .where(Interview.held_on >= start, Interview.held_on <= end)
    ).all():
        result = outcome(task, today)
        if result == "cancelled":  # withdrawn by the office: neither kept nor broken
            continue
        tally = tallies[int(unit_id)]
        tally["promises"] += 1
        tally[result] += 1
    return {unit_id: InterviewTally(int(counts[unit_id]), **t) for unit_id, t in tallies.items()}
