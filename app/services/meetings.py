"""Meetings (会议) and their decisions (决定事项): 调度会, 现场办公会, 过堂, 观摩, 述职.

Who may do what:
- the supervisor's office (督查室) and the coordinating bureau (the office of app.services.tasks
  `is_office`) schedule a meeting, change it (who attended, what was discussed, its minutes), record it as
  held, and record its decisions; each decision is assigned as a supervised task (督办事项) through
  `tasks.assign`, with `source_kind` meeting and `source_id` the decision's id, and the owner unit is told;
- leaders and readers of everything read every meeting; a unit's staff read the meetings that discussed the
  unit or gave it a decision (any other is answered 404), and of those only: the unit's own materials, the
  decisions it owns, and the projects it may read (projects.can_read);
- a confidential project's name, and its investor's, are shown as `projects.view` decides, also inside the
  free text (title, minutes, decisions): the one rule of what a reader sees of a project.

The materials (汇报材料) each unit discussed had to bring are generated from its figures (`unit_materials`):
its targets against the time-sequenced curve (performance.standings), funds confirmed this year (metrics),
its projects by stage, its open and overdue supervised tasks and its overdue tickets. While the meeting is
scheduled they are read live; recording it as held (`hold`) freezes them into the meeting as of its day, so
later changes to the figures do not rewrite what the meeting saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Integer, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.investor import Investor
from app.models.meeting import (
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    MeetingKind,
    MeetingProject,
    MeetingStatus,
    MeetingUnit,
)
from app.models.project import STAGE_LABELS, STAGE_ORDER, Project, ProjectStatus, Stage
from app.models.task import SupervisedTask, TaskSourceKind, TaskStatus
from app.models.ticket import Ticket
from app.models.ticket import TicketStatus as _TicketStatus
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.meetings import DecisionCreate, MeetingCreate, MeetingEdit, MeetingHold, MeetingUpdate
from app.schemas.tasks import TaskCreate
from app.services import events, metrics, performance, projects, tasks, workdays
from app.services.common import check_version

NOT_FOUND = "找不到该会议"
OFFICE_ONLY = "会议由督查室或招商局安排和记录"
MATERIAL_PROJECTS = 30
"""At most this many of a unit's projects are listed in its materials (the largest by contract investment)."""

TICKET_CLOCK = (_TicketStatus.routed, _TicketStatus.in_progress)
READER = events.NOBODY
"""Whom a decision's task text is written for: it names no confidential project (its code name instead), as
the supervisor's office and the owner unit both read the task."""


# --- access ----------------------------------------------------------------------------------


def is_office(principal: Principal) -> bool:
    return tasks.is_office(principal)


def ensure_office(principal: Principal) -> None:
    tasks.ensure_office(principal, OFFICE_ONLY)


def _concerns_unit(unit_id: int | None, meeting_id: Any = Meeting.id) -> Any:
    """The meeting discussed the unit, or gave it a decision."""
    return or_(
        exists().where(MeetingUnit.meeting_id == meeting_id, MeetingUnit.unit_id == unit_id),
        exists().where(MeetingDecision.meeting_id == meeting_id, MeetingDecision.owner_unit_id == unit_id),
    )


def can_read(db: Session, principal: Principal, meeting_id: int) -> bool:
    if principal.reads_everything:
        return True
    if principal.unit_id is None:
        return False
    return bool(db.execute(select(_concerns_unit(principal.unit_id, meeting_id))).scalar_one())


def get(db: Session, principal: Principal, meeting_id: int, *, lock: bool = False) -> Meeting:
    meeting = db.get(Meeting, meeting_id, with_for_update=lock or None)
    if meeting is None:
        raise NotFound(NOT_FOUND)
    if not can_read(db, principal, meeting.id):
        raise policy.DeniedNotFound(NOT_FOUND)
    return meeting


# --- what a reader sees of the projects discussed ------------------------------------------------


def redactors(db: Session, principal: Principal, meeting_ids: Sequence[int]) -> dict[int, Callable[[str], str]]:
    """{meeting_id: redact} for the meetings that discussed a confidential project this reader may not see:
    free text with the project's name and its investor's taken out (projects.view). One statement."""
    if projects.sees_every_identity(principal) or not meeting_ids:
        return {}
    rows = db.execute(
        select(
            MeetingProject.meeting_id,
            Project.name,
            Project.code_name,
            Project.is_confidential,
            Project.responsible_unit_id,
            Project.introducing_unit_id,
            Investor.name.label("investor_name"),
        )
        .join(Project, Project.id == MeetingProject.project_id)
        .join(Investor, Investor.id == Project.investor_id)
        .where(MeetingProject.meeting_id.in_(list(meeting_ids)), Project.is_confidential.is_(True))
    ).all()
    views: dict[int, list[projects.ProjectView]] = {}
    for row in rows:
        view = projects.view(principal, row, row.investor_name)
        if not view.visible:
            views.setdefault(row.meeting_id, []).append(view)

    def chained(found: list[projects.ProjectView]) -> Callable[[str], str]:
        def redact(text: str) -> str:
            for view in found:
                text = view.redact(text)
            return text

        return redact

    return {meeting_id: chained(found) for meeting_id, found in views.items()}


def _as_is(text: str) -> str:
    return text


# --- checks ----------------------------------------------------------------------------------


def _check_ids(db: Session, column: Any, ids: Sequence[int], field: str, message: str, *where: Any) -> None:
    if not ids:
        return
    found = set(db.execute(select(column).where(column.in_(list(ids)), *where)).scalars())
    if found != set(ids):
        raise Invalid({field: message})


def _check_links(db: Session, data: MeetingCreate | MeetingEdit | MeetingUpdate) -> None:
    if data.unit_ids is not None:
        _check_ids(db, Unit.id, data.unit_ids, "unit_ids", "研究的单位不存在或已停用", Unit.is_active.is_(True))
    if data.attendee_user_ids is not None:
        _check_ids(
            db, User.id, data.attendee_user_ids, "attendee_user_ids", "参会人员的账号不存在或已停用",
            User.is_active.is_(True),
        )  # fmt: skip
    if data.project_ids is not None:
        _check_ids(db, Project.id, data.project_ids, "project_ids", "研究的项目不存在")


def _check_owner(db: Session, unit_id: int, user_id: int | None) -> Unit:
    """The owner of a decision or a promise, as `tasks.assign` will judge it (checked before anything is
    written, with the same messages)."""
    unit = db.get(Unit, unit_id)
    if unit is None or not unit.is_active:
        raise Invalid({"owner_unit_id": "单位不存在或已停用"})
    if user_id is not None:
        person = db.get(User, user_id)
        if person is None or not person.is_active or person.unit_id != unit.id or person.role is not Role.unit_staff:
            raise Invalid({"owner_user_id": "责任人须为责任单位在岗的工作人员"})
    return unit


def _set_links(db: Session, meeting: Meeting, model: Any, column: str, ids: Sequence[int]) -> list[int]:
    """The meeting's rows of `model` become `ids` (kept in order); returns the ids added."""
    attribute = getattr(model, column)
    current = set(db.execute(select(attribute).where(model.meeting_id == meeting.id)).scalars())
    gone = current - set(ids)
    if gone:
        db.execute(delete(model).where(model.meeting_id == meeting.id, attribute.in_(gone)))
    added = [i for i in ids if i not in current]
    db.add_all([model(meeting_id=meeting.id, **{column: i}) for i in added])
    return added


def _links(db: Session, meeting: Meeting, data: MeetingCreate | MeetingEdit | MeetingUpdate) -> None:
    if data.attendee_user_ids is not None:
        _set_links(db, meeting, MeetingAttendee, "user_id", data.attendee_user_ids)
    if data.project_ids is not None:
        _set_links(db, meeting, MeetingProject, "project_id", data.project_ids)
    if data.unit_ids is not None:
        added = _set_links(db, meeting, MeetingUnit, "unit_id", data.unit_ids)
        db.flush()
        if added and meeting.status is MeetingStatus.held and meeting.materials_as_of is not None:
            _freeze(db, meeting, added)  # a unit added to a held meeting: its materials as of the meeting's day
    db.flush()


# --- the path --------------------------------------------------------------------------------

SIMPLE_FIELDS = ("kind", "title", "held_on", "place", "chair", "attendee_names", "summary")


def create(db: Session, principal: Principal, data: MeetingCreate) -> Meeting:
    """Schedule a meeting (or enter one already held, then record it as held)."""
    ensure_office(principal)
    _check_links(db, data)
    meeting = Meeting(
        **{name: getattr(data, name) for name in SIMPLE_FIELDS},
        status=MeetingStatus.scheduled,
        created_by_id=principal.user_id,
    )
    db.add(meeting)
    db.flush()
    _links(db, meeting, data)
    return meeting


def update(
    db: Session, principal: Principal, meeting_id: int, data: MeetingUpdate | MeetingEdit, today: date | None = None
) -> Meeting:
    """Change a meeting: the fields given (a page's form gives them all; the API's PATCH those it sends);
    a list given replaces the list. Who attended and the minutes are kept this way after it is held; a
    unit added then has its materials frozen as of the meeting's day. A title or minutes sent back unchanged as
    this reader was shown them (a confidential project by its code name) keep the stored text."""
    ensure_office(principal)
    meeting = get(db, principal, meeting_id)
    check_version(db, meeting, data.version)
    # a page's form sends every field (a list with nothing ticked is absent from it: emptied); a PATCH what it sets
    given = (set(MeetingEdit.model_fields) if isinstance(data, MeetingEdit) else data.model_fields_set) - {"version"}
    redact = redactors(db, principal, [meeting.id]).get(meeting.id)
    if redact is not None:  # the office member who sees a confidential project by its code name sent it back as shown
        given -= {name for name in ("title", "summary") if getattr(data, name) == redact(getattr(meeting, name))}
    for name in SIMPLE_FIELDS:
        if name in given and getattr(data, name) is None:
            raise Invalid({name: "此项不能为空"})
    today = today or workdays.today()
    if "held_on" in given and meeting.status is MeetingStatus.held and data.held_on and data.held_on > today:
        raise Invalid({"held_on": "已召开的会议，日期不能晚于今天"})
    _check_links(db, data)
    for name in SIMPLE_FIELDS:
        if name in given:
            setattr(meeting, name, getattr(data, name))
    meeting.updated_at = utcnow()  # the version moves on also when only the lists change
    db.flush()
    _links(db, meeting, data)
    return meeting


def hold(db: Session, principal: Principal, meeting_id: int, data: MeetingHold, today: date | None = None) -> Meeting:
    """Record the meeting as held: each unit's materials are frozen into it as of the meeting's day."""
    ensure_office(principal)
    meeting = get(db, principal, meeting_id, lock=True)
    if meeting.status is MeetingStatus.held:
        raise Invalid({"__all__": "会议已记录为召开"})
    check_version(db, meeting, data.version)
    today = today or workdays.today()
    if meeting.held_on > today:
        raise Invalid({"__all__": f"会议日期 {meeting.held_on} 在今天之后，召开后再记录"})
    meeting.status = MeetingStatus.held
    meeting.recorded_at = utcnow()
    meeting.materials_as_of = meeting.held_on
    unit_ids = list(db.execute(select(MeetingUnit.unit_id).where(MeetingUnit.meeting_id == meeting.id)).scalars())
    _freeze(db, meeting, unit_ids)
    db.flush()
    return meeting


def _freeze(db: Session, meeting: Meeting, unit_ids: Sequence[int]) -> None:
    if not unit_ids or meeting.materials_as_of is None:
        return
    snapshot = unit_materials(db, unit_ids, meeting.materials_as_of)
    for row in db.execute(
        select(MeetingUnit).where(MeetingUnit.meeting_id == meeting.id, MeetingUnit.unit_id.in_(list(unit_ids)))
    ).scalars():
        row.materials = snapshot[row.unit_id]
    db.flush()


def _first_line(text: str, limit: int) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= limit else line[: limit - 1] + "…"


def add_decision(
    db: Session, principal: Principal, meeting_id: int, data: DecisionCreate, today: date | None = None
) -> MeetingDecision:
    """Record a decision of a held meeting, and assign the supervised task that follows it (the owner unit,
    or its person, is told by the task service)."""
    ensure_office(principal)
    meeting = get(db, principal, meeting_id, lock=True)  # one decision at a time: its number is the next
    if meeting.status is not MeetingStatus.held:
        raise Invalid({"__all__": "请先将会议记录为已召开（冻结各单位汇报材料），再记录决定事项"})
    unit = _check_owner(db, data.owner_unit_id, data.owner_user_id)
    number = (
        int(
            db.execute(
                select(func.coalesce(func.max(MeetingDecision.number), 0)).where(
                    MeetingDecision.meeting_id == meeting.id
                )
            ).scalar_one()
        )
        + 1
    )
    decision = MeetingDecision(
        meeting_id=meeting.id,
        number=number,
        content=data.content,
        owner_unit_id=unit.id,
        owner_user_id=data.owner_user_id,
        due_days=data.due_days,
        created_by_id=principal.user_id,
    )
    db.add(decision)
    db.flush()
    redact = redactors(db, READER, [meeting.id]).get(meeting.id, _as_is)
    reference = f"{meeting.held_on} {redact(meeting.title)}第 {number} 项"
    task = tasks.assign(
        db,
        principal,
        TaskCreate(
            title=f"{meeting.kind.label}决定：{_first_line(redact(data.content), 60)}",
            content=f"{redact(data.content)}\n\n（{reference}）",
            source_kind=TaskSourceKind.meeting,
            source_id=decision.id,
            source_ref=reference[:200],
            owner_unit_id=unit.id,
            owner_user_id=data.owner_user_id,
            due_days=data.due_days,
        ),
        today=today,
    )
    decision.task_id = task.id
    db.flush()
    events.meeting_decided(db, meeting, decision, task, redact)
    return decision


# --- the materials ---------------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.01")))


def unit_materials(db: Session, unit_ids: Sequence[int], as_of: date) -> dict[int, dict[str, Any]]:
    """{unit_id: materials} as of a day, each JSON-ready (amounts and shares as text): what the frozen
    snapshot holds. A fixed number of statements whatever the number of units (two per metric with a
    target, and six)."""
    ids = list(dict.fromkeys(unit_ids))
    year, start = as_of.year, date(as_of.year, 1, 1)
    result: dict[int, dict[str, Any]] = {
        uid: {
            "as_of": as_of.isoformat(),
            "year": year,
            "targets": [],
            "funds_domestic": "0.00",
            "funds_out_of_province": "0.00",
            "foreign_capital": "0.00",
            "stages": [],
            "paused": 0,
            "projects": [],
            "open_tasks": 0,
            "overdue_tasks": 0,
            "overdue_tickets": 0,
        }
        for uid in ids
    }
    if not ids:
        return result
    for (code, unit_id), st in sorted(performance.standings(db, year, as_of, unit_ids=ids).items()):
        if st.target is None or unit_id not in result:
            continue
        metric = metrics.METRICS.get(code)
        result[unit_id]["targets"].append(
            {
                "metric": code,
                "label": metric.label if metric else code,
                "measure": metric.unit if metric else "",
                "actual": str(st.actual),
                "target": str(st.target),
                "share_of_target": performance.shown(st.share_of_target),
                "expected_share": performance.shown(st.expected),
                "share_of_expected": performance.shown(st.share_of_expected),
                "card": st.card,
                "heading_below": st.heading_below,
            }
        )
    for code in ("funds_domestic", "funds_out_of_province", "foreign_capital"):
        for unit_id, value in metrics.compute(db, code, start, as_of, ids).items():
            if unit_id in result:
                result[unit_id][code] = _money(value)
    counts: dict[int, dict[Stage, int]] = {}
    for unit_id, stage, status, n in db.execute(
        select(Project.responsible_unit_id, Project.stage, Project.status, func.count())
        .where(Project.responsible_unit_id.in_(ids), Project.status != ProjectStatus.terminated)
        .group_by(Project.responsible_unit_id, Project.stage, Project.status)
    ).all():
        if status is ProjectStatus.paused:
            result[unit_id]["paused"] += int(n)
        else:
            counts.setdefault(unit_id, {})[stage] = counts.get(unit_id, {}).get(stage, 0) + int(n)
    for unit_id, by_stage in counts.items():
        result[unit_id]["stages"] = [
            {"stage": s.value, "label": STAGE_LABELS[s], "count": by_stage[s]} for s in STAGE_ORDER if s in by_stage
        ]
    ranked = (
        select(
            Project.id,
            Project.name,
            Project.code_name,
            Project.is_confidential,
            Project.responsible_unit_id,
            Project.introducing_unit_id,
            Project.stage,
            Project.status,
            Project.contract_investment,
            Project.funds_confirmed,
            func.row_number()
            .over(
                partition_by=Project.responsible_unit_id,
                order_by=(Project.contract_investment.desc(), Project.id.desc()),
            )
            .label("place"),
        )
        .where(Project.responsible_unit_id.in_(ids), Project.status != ProjectStatus.terminated)
        .subquery()
    )
    for row in db.execute(
        select(ranked).where(ranked.c.place <= MATERIAL_PROJECTS).order_by(ranked.c.responsible_unit_id, ranked.c.place)
    ).all():
        stage = Stage(row.stage)
        status = ProjectStatus(row.status)
        result[row.responsible_unit_id]["projects"].append(
            {
                "id": row.id,
                "name": row.name,
                "code_name": row.code_name,
                "is_confidential": bool(row.is_confidential),
                "introducing_unit_id": row.introducing_unit_id,
                "stage": stage.value,
                "stage_label": STAGE_LABELS[stage],
                "status_label": status.label,
                "contract_investment": _money(row.contract_investment),
                "funds_confirmed": _money(row.funds_confirmed),
            }
        )
    t = SupervisedTask
    in_hand = and_(
        t.assigned_on <= as_of,
        or_(t.done_on.is_(None), t.done_on > as_of),
        t.status.not_in((TaskStatus.closed, TaskStatus.cancelled)),  # a withdrawn task is owed no more
    )
    for unit_id, open_count, overdue in db.execute(
        select(t.owner_unit_id, func.count(), func.sum(and_(t.due_on < as_of).cast(Integer)))
        .where(t.owner_unit_id.in_(ids), in_hand)
        .group_by(t.owner_unit_id)
    ).all():
        result[unit_id]["open_tasks"] = int(open_count)
        result[unit_id]["overdue_tasks"] = int(overdue or 0)
    for handler, n in db.execute(
        select(Ticket.handling_unit_id, func.count())
        .where(Ticket.handling_unit_id.in_(ids), Ticket.status.in_(TICKET_CLOCK), Ticket.due_on < as_of)
        .group_by(Ticket.handling_unit_id)
    ).all():
        if handler is not None:
            result[handler]["overdue_tickets"] = int(n)
    return result


@dataclass
class Materials:
    """One unit's materials as a reader sees them (projects by the names this reader may see)."""

    unit_id: int
    unit_name: str
    frozen: bool
    data: dict[str, Any]
    projects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def as_of(self) -> date:
        return date.fromisoformat(self.data["as_of"])


def materials(
    db: Session, principal: Principal, meeting: Meeting, unit_id: int | None = None, today: date | None = None
) -> list[Materials]:
    """The materials of the units discussed that this reader may see (a unit's staff: their own), frozen
    when the meeting was held, else as of today (or the meeting's day, if it is past)."""
    rows = db.execute(
        select(MeetingUnit.unit_id, MeetingUnit.materials, Unit.name)
        .join(Unit, Unit.id == MeetingUnit.unit_id)
        .where(MeetingUnit.meeting_id == meeting.id)
        .order_by(Unit.sort_order, Unit.id)
    ).all()
    if not principal.reads_everything:
        rows = [r for r in rows if r.unit_id == principal.unit_id]
    if unit_id is not None:
        rows = [r for r in rows if r.unit_id == unit_id]
    live_ids = [r.unit_id for r in rows if r.materials is None]
    today = today or workdays.today()
    live = unit_materials(db, live_ids, min(meeting.held_on, today)) if live_ids else {}
    result = []
    for r in rows:
        data = r.materials if r.materials is not None else live[r.unit_id]
        result.append(Materials(r.unit_id, r.name, r.materials is not None, data))
    listed = {p["id"] for m in result for p in m.data.get("projects", [])}
    secret_now = set()
    if listed and not projects.sees_every_identity(principal):  # made confidential since: hidden as well
        secret_now = set(
            db.execute(select(Project.id).where(Project.id.in_(listed), Project.is_confidential.is_(True))).scalars()
        )
    for m in result:
        for p in m.data.get("projects", []):
            shape = SimpleNamespace(
                name=p["name"],
                code_name=p["code_name"],
                is_confidential=p["is_confidential"] or p["id"] in secret_now,
                responsible_unit_id=m.unit_id,
                introducing_unit_id=p["introducing_unit_id"],
            )
            m.projects.append({**p, "name": projects.view(principal, shape).name})
    return result


# --- reading ---------------------------------------------------------------------------------


@dataclass
class MeetingFilter:
    kind: MeetingKind | None = None
    year: int | None = None
    unit_id: int | None = None  # discussed
    updated_since: datetime | None = None


@dataclass
class Lists:
    """A meeting's people, units and projects as a reader sees them."""

    attendees: list[tuple[int, str]] = field(default_factory=list)
    units: list[tuple[int, str]] = field(default_factory=list)
    projects: list[tuple[int, str]] = field(default_factory=list)  # the projects this reader may read
    hidden_projects: int = 0  # discussed projects of other units, not listed for a unit's staff


def _lists(db: Session, principal: Principal, meeting_ids: Sequence[int]) -> dict[int, Lists]:
    """{meeting_id: Lists}: three statements whatever the number of meetings."""
    found = {meeting_id: Lists() for meeting_id in meeting_ids}
    if not meeting_ids:
        return found
    ids = list(meeting_ids)
    for meeting_id, user_id, name in db.execute(
        select(MeetingAttendee.meeting_id, User.id, User.display_name)
        .join(User, User.id == MeetingAttendee.user_id)
        .where(MeetingAttendee.meeting_id.in_(ids))
        .order_by(MeetingAttendee.id)
    ).all():
        found[meeting_id].attendees.append((user_id, name))
    for meeting_id, unit_id, name in db.execute(
        select(MeetingUnit.meeting_id, Unit.id, Unit.name)
        .join(Unit, Unit.id == MeetingUnit.unit_id)
        .where(MeetingUnit.meeting_id.in_(ids))
        .order_by(Unit.sort_order, Unit.id)
    ).all():
        found[meeting_id].units.append((unit_id, name))
    for row in db.execute(
        select(
            MeetingProject.meeting_id,
            Project.id,
            Project.name,
            Project.code_name,
            Project.is_confidential,
            Project.responsible_unit_id,
            Project.introducing_unit_id,
        )
        .join(Project, Project.id == MeetingProject.project_id)
        .where(MeetingProject.meeting_id.in_(ids))
        .order_by(MeetingProject.id)
    ).all():
        lists = found[row.meeting_id]
        if principal.reads_everything or principal.unit_id in (row.responsible_unit_id, row.introducing_unit_id):
            lists.projects.append((row.id, projects.view(principal, row).name))
        else:
            lists.hidden_projects += 1
    return found


@dataclass
class MeetingRow:
    meeting: Meeting
    lists: Lists
    decision_count: int
    redact: Callable[[str], str] = _as_is

    @property
    def title(self) -> str:
        return self.redact(self.meeting.title)

    @property
    def summary(self) -> str:
        return self.redact(self.meeting.summary)


def _conditions(principal: Principal, f: MeetingFilter) -> list[Any]:
    where: list[Any] = []
    if not principal.reads_everything:
        where.append(_concerns_unit(principal.unit_id))
    if f.unit_id is not None:
        where.append(exists().where(MeetingUnit.meeting_id == Meeting.id, MeetingUnit.unit_id == f.unit_id))
    if f.kind is not None:
        where.append(Meeting.kind == f.kind)
    if f.year is not None:
        where.append(and_(Meeting.held_on >= date(f.year, 1, 1), Meeting.held_on <= date(f.year, 12, 31)))
    if f.updated_since is not None:
        where.append(Meeting.updated_at >= f.updated_since)
    return where


def _decision_count(principal: Principal) -> Any:
    count = select(func.count()).where(MeetingDecision.meeting_id == Meeting.id).correlate(Meeting)
    if not principal.reads_everything:
        count = count.where(MeetingDecision.owner_unit_id == principal.unit_id)
    return count.scalar_subquery()


def list_meetings(
    db: Session, principal: Principal, f: MeetingFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[MeetingRow], int]:
    """One page of the meetings this reader may see, newest first, and how many match. A fixed number of
    statements whatever the page holds."""
    where = _conditions(principal, f)
    rows = db.execute(
        select(Meeting, _decision_count(principal))
        .where(*where)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = int(db.execute(select(func.count()).select_from(Meeting).where(*where)).scalar_one())
    ids = [m.id for m, _n in rows]
    lists = _lists(db, principal, ids)
    redact = redactors(db, principal, ids)
    return [MeetingRow(m, lists[m.id], int(n or 0), redact.get(m.id, _as_is)) for m, n in rows], total


def row_of(db: Session, principal: Principal, meeting: Meeting) -> MeetingRow:
    count = db.execute(
        select(_decision_count(principal)).select_from(Meeting).where(Meeting.id == meeting.id)
    ).scalar_one()
    redact = redactors(db, principal, [meeting.id]).get(meeting.id, _as_is)
    return MeetingRow(meeting, _lists(db, principal, [meeting.id])[meeting.id], int(count or 0), redact)


@dataclass
class DecisionRow:
    decision: MeetingDecision
    unit_name: str
    person: str | None
    task: SupervisedTask | None
    light: str
    content: str


def decisions(db: Session, principal: Principal, meeting: Meeting, today: date | None = None) -> list[DecisionRow]:
    """The meeting's decisions this reader may see (a unit's staff: those it owns), each with its task."""
    redact = redactors(db, principal, [meeting.id]).get(meeting.id, _as_is)
    stmt = (
        select(MeetingDecision, Unit.name, User.display_name, SupervisedTask)
        .join(Unit, Unit.id == MeetingDecision.owner_unit_id)
        .outerjoin(User, User.id == MeetingDecision.owner_user_id)
        .outerjoin(SupervisedTask, SupervisedTask.id == MeetingDecision.task_id)
        .where(MeetingDecision.meeting_id == meeting.id)
        .order_by(MeetingDecision.number)
    )
    if not principal.reads_everything:
        stmt = stmt.where(MeetingDecision.owner_unit_id == principal.unit_id)
    clock = tasks.deadlines(db, today)
    result = []
    for decision, unit_name, person, task in db.execute(stmt).all():
        light = clock.of(task)[0] if task is not None else ""
        result.append(DecisionRow(decision, unit_name, person, task, light, redact(decision.content)))
    return result


def decision_meeting(db: Session, principal: Principal, decision_id: int) -> tuple[int, int]:
    """(meeting id, decision number) of a decision the reader may see: a task's way back to its meeting."""
    decision = db.get(MeetingDecision, decision_id)
    if decision is None:
        raise NotFound("找不到该决定事项")
    meeting = get(db, principal, decision.meeting_id)
    if not principal.reads_everything and decision.owner_unit_id != principal.unit_id:
        raise policy.DeniedNotFound("找不到该决定事项")
    return meeting.id, decision.number


# --- choices for the forms -------------------------------------------------------------------


def attendee_choices(db: Session) -> list[tuple[int, str]]:
    """Who may be named attending: the leaders, the office and the bureau, then the units' heads."""
    headed = aliased(Unit)
    rows = db.execute(
        select(User.id, User.display_name, User.role, Unit.short_name, Unit.name)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            User.is_active.is_(True),
            or_(User.role != Role.unit_staff, exists().where(headed.head_user_id == User.id)),
        )
        .order_by(User.role, Unit.sort_order, User.display_name)
    ).all()
    return [(r.id, f"{r.display_name}（{r.short_name or r.name}）") for r in rows]


def project_choices(
    db: Session, principal: Principal, unit_ids: Sequence[int], chosen: Sequence[int] = ()
) -> list[tuple[int, str, str]]:
    """The active and paused projects of the units discussed, and those already `chosen`, to tick those
    discussed: (id, name as this reader sees it, unit's short name), the largest first."""
    if not unit_ids and not chosen:
        return []
    rows = db.execute(
        select(Project, Unit.short_name)
        .join(Unit, Unit.id == Project.responsible_unit_id)
        .where(
            or_(
                and_(Project.responsible_unit_id.in_(list(unit_ids)), Project.status != ProjectStatus.terminated),
                Project.id.in_(list(chosen)),
            )
        )
        .order_by(Unit.sort_order, Unit.id, Project.contract_investment.desc(), Project.id.desc())
        .limit(500)
    ).all()
    return [(p.id, projects.view(principal, p).name, short) for p, short in rows]


def linked_ids(db: Session, meeting: Meeting) -> dict[str, list[int]]:
    """The meeting's lists as ids (the edit form's ticked boxes)."""
    return {
        "attendee_user_ids": list(
            db.execute(select(MeetingAttendee.user_id).where(MeetingAttendee.meeting_id == meeting.id)).scalars()
        ),
        "unit_ids": list(db.execute(select(MeetingUnit.unit_id).where(MeetingUnit.meeting_id == meeting.id)).scalars()),
        "project_ids": list(
            db.execute(select(MeetingProject.project_id).where(MeetingProject.meeting_id == meeting.id)).scalars()
        ),
    }
