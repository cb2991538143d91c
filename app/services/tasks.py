"""Supervised tasks (督办事项): assigned to a unit with a deadline in working days, worked through progress
notes with evidence, reported done, and closed (销号) or sent back only by the supervisor's office.

Who may do what:
- the supervisor's office (督查室, role supervisor) and the coordinating bureau (coordinator) assign tasks,
  from a meeting's decision, an interview's promise, a spot-check finding, a ticket, a leader's instruction
  (批示) or directly, and review what a unit reports done: close it, or return it (with a new deadline);
- the owner unit's staff report progress (with photos or PDFs as evidence) and report it done (报请销号);
- the office may add notes too; leaders and readers read; another unit sees nothing of it (404);
- the office alone reassigns a task in hand to another unit or person (改派), moves its deadline to a number of
  working days from today (调整期限), or cancels it (撤销), each with its reason, in the timeline and the audit
  trail; a deadline already missed when it is moved or the task cancelled is kept (`missed_due_on`) and
  still counts against the owner unit in `overdue_counts`.

The deadline runs while the unit has the work in hand (open, in progress, returned); an overdue task goes
up by itself like a ticket (`escalate_overdue`, run by the worker): first to the owner unit's head, then,
after `task_escalate_days` more working days, to the supervisor's office. `overdue_counts` gives the
assessment each unit's overdue tasks of a period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.compliance import ComplianceCase
from app.models.interview import InterviewPromise
from app.models.meeting import MeetingDecision
from app.models.performance import SpotFinding
from app.models.task import (
    CLOCK_STATUSES,
    NOTE_ACTIONS,
    SupervisedTask,
    TaskFile,
    TaskNote,
    TaskSourceKind,
    TaskStatus,
)
from app.models.ticket import Ticket
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.tasks import (
    SOURCE_ID_NEEDED,
    SOURCE_REF_NEEDED,
    TaskCancel,
    TaskCreate,
    TaskNoteIn,
    TaskReassign,
    TaskReschedule,
    TaskReview,
)
from app.services import app_settings, events, notify, workdays
from app.services.common import check_version
from app.services.files import StoredFile

app_settings.DEFAULTS.update({"task_escalate_days": "3"})
app_settings.LABELS.update({"task_escalate_days": "督办事项逾期提请责任单位负责人后，再过多少个工作日升级到督查室"})

OFFICE_ROLES = (Role.coordinator, Role.supervisor)
NOT_FOUND = "找不到该督办事项"
LINKED_SOURCES = (
    TaskSourceKind.ticket,
    TaskSourceKind.spot_check,
    TaskSourceKind.meeting,
    TaskSourceKind.interview,
    TaskSourceKind.compliance,
)
"""The sources the platform keeps as records: `source_id` names one (a meeting's decision, an interview's promise:
app.services.meetings and app.services.interviews assign their task; one task each)."""
ONE_TASK_SOURCES = {TaskSourceKind.meeting: MeetingDecision, TaskSourceKind.interview: InterviewPromise}

# event types (app/services/events.py): task.<one of these>
EVENT_NAMES = {
    "assign": "assigned",
    "progress": "progressed",
    "submit": "submitted",
    "close": "closed",
    "return": "returned",
    "overdue": "overdue",
    "escalate": "escalated",
    "reassign": "reassigned",
    "reschedule": "rescheduled",
    "cancel": "cancelled",
}


# --- access ----------------------------------------------------------------------------------


def is_office(principal: Principal) -> bool:
    """The supervisor's office or the coordinating bureau, able to write: assigns and reviews tasks."""
    return principal.can_write and principal.role in OFFICE_ROLES


def ensure_office(principal: Principal, message: str = "督办事项由督查室或招商局交办") -> None:
    if not is_office(principal):
        raise policy.DeniedForbidden(message)


def is_owner(principal: Principal, task: SupervisedTask) -> bool:
    """The owner unit's staff, able to write."""
    return principal.can_write and principal.role is Role.unit_staff and principal.unit_id == task.owner_unit_id


def get(db: Session, principal: Principal, task_id: int) -> SupervisedTask:
    task = db.get(SupervisedTask, task_id)
    if task is None:
        raise NotFound(NOT_FOUND)
    policy.ensure_read(principal, task.owner_unit_id, NOT_FOUND)
    return task


# --- who hears of it ---------------------------------------------------------------------------


def _unit_staff(db: Session, unit_id: int) -> list[int]:
    return list(
        db.execute(
            select(User.id).where(User.unit_id == unit_id, User.is_active.is_(True), User.role == Role.unit_staff)
        ).scalars()
    )


def _office(db: Session, task: SupervisedTask) -> list[int]:
    """The supervisor's office, the coordinators and whoever assigned the task."""
    ids = list(db.execute(select(User.id).where(User.role.in_(OFFICE_ROLES), User.is_active.is_(True))).scalars())
    return [*ids, task.assigned_by_id] if task.assigned_by_id else ids


def _announce(db: Session, task: SupervisedTask, action: str, users: Sequence[int | None], title: str) -> None:
    notify.to_users(db, users, title, body=task.title, link=f"/tasks/{task.id}")
    events.task(db, task, EVENT_NAMES[action])


def _note(db: Session, principal: Principal, task: SupervisedTask, action: str, note: str = "") -> TaskNote:
    row = TaskNote(
        task_id=task.id,
        action=action,
        actor_label=principal.label,
        actor_user_id=principal.user_id,
        actor_unit_id=principal.unit_id,
        note=note,
    )
    db.add(row)
    db.flush()
    return row


def _attach(
    db: Session, principal: Principal, note: TaskNote, files: Sequence[StoredFile], names: Sequence[str] = ()
) -> list[TaskFile]:
    padded = list(names) + [""] * (len(files) - len(names))
    rows = [
        TaskFile(
            task_id=note.task_id,
            note_id=note.id,
            kind=stored.kind,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            width=stored.width,
            height=stored.height,
            taken_at=stored.taken_at,
            original_name=name[:200],
            uploaded_by_id=principal.user_id,
        )
        for stored, name in zip(files, padded, strict=False)
    ]
    db.add_all(rows)
    db.flush()
    return rows


# --- the path --------------------------------------------------------------------------------


def _check_source(db: Session, data: TaskCreate) -> None:
    kind = data.source_kind
    if kind in SOURCE_ID_NEEDED and data.source_id is None:
        raise Invalid({"source_id": SOURCE_ID_NEEDED[kind]})
    if kind in SOURCE_REF_NEEDED and not data.source_ref:
        raise Invalid({"source_ref": SOURCE_REF_NEEDED[kind]})
    if data.source_id is None:
        return
    if kind is TaskSourceKind.ticket and db.get(Ticket, data.source_id) is None:
        raise Invalid({"source_id": "找不到该跟踪服务问题"})
    if kind is TaskSourceKind.spot_check and db.get(SpotFinding, data.source_id) is None:
        raise Invalid({"source_id": "找不到该抽查发现"})
    if kind is TaskSourceKind.compliance and db.get(ComplianceCase, data.source_id) is None:
        raise Invalid({"source_id": "找不到该违约处置案件"})
    if kind in ONE_TASK_SOURCES:
        if db.get(ONE_TASK_SOURCES[kind], data.source_id) is None:
            raise Invalid({"source_id": f"找不到该{kind.label}事项"})
        taken = select(SupervisedTask.id).where(
            SupervisedTask.source_kind == kind, SupervisedTask.source_id == data.source_id
        )
        if db.execute(taken.limit(1)).first() is not None:
            raise Invalid({"source_id": f"该{kind.label}事项已交办督办事项"})
    if kind not in LINKED_SOURCES:
        raise Invalid({"source_id": f"“{kind.label}”请在来源说明中注明，不填来源记录编号"})


def _owner(db: Session, unit_id: int, user_id: int | None) -> Unit:
    """The owner unit (in use) and, when named, its person (a staff member of it in post)."""
    unit = db.get(Unit, unit_id)
    if unit is None or not unit.is_active:
        raise Invalid({"owner_unit_id": "单位不存在或已停用"})
    if user_id is not None:
        person = db.get(User, user_id)
        if person is None or not person.is_active or person.unit_id != unit.id or person.role is not Role.unit_staff:
            raise Invalid({"owner_user_id": "责任人须为责任单位在岗的工作人员"})
    return unit


def assign(db: Session, principal: Principal, data: TaskCreate, today: date | None = None) -> SupervisedTask:
    """交办: a new task for a unit (and a person of it), due `due_days` working days after today."""
    ensure_office(principal)
    _check_source(db, data)
    unit = _owner(db, data.owner_unit_id, data.owner_user_id)
    today = today or workdays.today()
    due_on = workdays.add_working_days(today, data.due_days, workdays.load_calendar(db))
    task = SupervisedTask(
        **data.model_dump(),
        assigned_by_id=principal.user_id,
        assigned_on=today,
        due_on=due_on,
        status=TaskStatus.open,
    )
    db.add(task)
    db.flush()
    _note(db, principal, task, "assign", f"限 {due_on} 前办结（{data.due_days} 个工作日）")
    users = [data.owner_user_id] if data.owner_user_id else _unit_staff(db, unit.id)
    _announce(db, task, "assign", users, f"督办：限 {due_on} 前办结：{task.title[:40]}")
    return task


def add_note(
    db: Session,
    principal: Principal,
    task_id: int,
    data: TaskNoteIn,
    files: Sequence[StoredFile] = (),
    names: Sequence[str] = (),
    today: date | None = None,
) -> SupervisedTask:
    """A progress note (the owner unit, or the office), or the owner unit's report that the task is done
    (报请销号), each with its evidence files."""
    task = get(db, principal, task_id)
    owner, office = is_owner(principal, task), is_office(principal)
    status = task.status
    if data.action == "progress":
        if not (owner or office):
            raise policy.DeniedForbidden("只有责任单位或督查室可以报告进展")
        if status in (TaskStatus.closed, TaskStatus.cancelled) or (owner and status not in CLOCK_STATUSES):
            raise Invalid({"action": f"督办事项当前为“{status.label}”，不能报告进展"})
    else:
        if not owner:
            raise policy.DeniedForbidden("只有责任单位可以报请销号")
        if status not in CLOCK_STATUSES:
            raise Invalid({"action": f"督办事项当前为“{status.label}”，不能报请销号"})
    check_version(db, task, data.version)
    if len(files) > 10:
        raise Invalid({"files": "一次最多上传 10 个文件"})
    users: Sequence[int | None] = []
    if data.action == "submit":
        task.status = TaskStatus.submitted
        task.done_on = today or workdays.today()
        users = _office(db, task)
        title = f"报请销号待审核：{task.title[:40]}"
    else:
        if owner and status in (TaskStatus.open, TaskStatus.returned):
            task.status = TaskStatus.in_progress
        if not owner:  # the office's note: the owner unit hears of it
            users = [task.owner_user_id] if task.owner_user_id else _unit_staff(db, task.owner_unit_id)
        title = f"督办事项有新进展：{task.title[:40]}"
    note = _note(db, principal, task, data.action, data.note)
    _attach(db, principal, note, files, names)
    _announce(db, task, data.action, users, title)
    db.flush()
    return task


def review(
    db: Session, principal: Principal, task_id: int, data: TaskReview, today: date | None = None
) -> SupervisedTask:
    """The office's review of a task reported done: close it (销号), or return it to be done again, with a
    new deadline in working days from today when one is given."""
    task = get(db, principal, task_id)
    ensure_office(principal, "督办事项由督查室或招商局审核销号")
    if task.status is not TaskStatus.submitted:
        raise Invalid({"decision": f"督办事项当前为“{task.status.label}”，不能审核"})
    check_version(db, task, data.version)
    task.review_note = data.note
    task.reviewed_by_id = principal.user_id
    if data.decision == "close":
        task.status = TaskStatus.closed
        task.closed_at = utcnow()
        title = f"督办事项已销号：{task.title[:40]}"
        text = data.note
    else:
        task.status = TaskStatus.returned
        if task.done_on is not None and task.done_on > task.due_on:  # reported done late: the overdue is kept
            task.missed_due_on = task.missed_due_on or task.due_on
        task.done_on = None
        task.returned_count += 1
        text = data.note
        if data.due_days is not None:
            today = today or workdays.today()
            task.due_days = data.due_days
            task.due_on = workdays.add_working_days(today, data.due_days, workdays.load_calendar(db))
            task.escalation_level = 0
            task.escalated_on = None
            text = f"{data.note}\n重新限 {task.due_on} 前办结（{data.due_days} 个工作日）"
        title = f"督办事项退回重办：{task.title[:40]}"
    _note(db, principal, task, data.decision, text)
    users = [task.owner_user_id] if task.owner_user_id else _unit_staff(db, task.owner_unit_id)
    _announce(db, task, data.decision, users, title)
    db.flush()
    return task


def _owners(db: Session, task: SupervisedTask) -> list[int]:
    """Who hears of a change to a task: its person, else its unit's staff."""
    return [task.owner_user_id] if task.owner_user_id else _unit_staff(db, task.owner_unit_id)


def _in_hand(task: SupervisedTask, field: str, what: str) -> None:
    if task.status not in CLOCK_STATUSES:
        raise Invalid({field: f"督办事项当前为“{task.status.label}”，不能{what}"})


def _keep_missed(task: SupervisedTask, today: date) -> bool:
    """A deadline passed with the work in the unit's hands is kept before the office moves it or cancels the
    task (the first one missed): it still counts against the unit. Whether it had passed."""
    missed = task.status in CLOCK_STATUSES and task.due_on < today
    if missed:
        task.missed_due_on = task.missed_due_on or task.due_on
        task.overdue_since = task.overdue_since or today
    return missed


def reassign(
    db: Session, principal: Principal, task_id: int, data: TaskReassign, today: date | None = None
) -> SupervisedTask:
    """改派: the office gives a task still in hand to another unit, or to another person of its unit, with the
    reason. The deadline stays; the new owner starts it afresh (待办理) and hears of it, and so does the person
    who owned it; the escalation starts again with the new unit's head."""
    task = get(db, principal, task_id)
    ensure_office(principal, "督办事项由督查室或招商局改派")
    _in_hand(task, "owner_unit_id", "改派")
    check_version(db, task, data.version)
    unit = _owner(db, data.owner_unit_id, data.owner_user_id)
    if unit.id == task.owner_unit_id and data.owner_user_id == task.owner_user_id:
        raise Invalid({"owner_unit_id": "责任单位和责任人与现在相同，无需改派"})
    before = row_of(db, task)
    previous_person = task.owner_user_id
    task.owner_unit_id, task.owner_user_id = unit.id, data.owner_user_id
    task.status = TaskStatus.open
    task.escalation_level, task.escalated_on = 0, None
    db.flush()
    after = row_of(db, task)
    was = before.unit_name + (f"（{before.person}）" if before.person else "")
    now = after.unit_name + (f"（{after.person}）" if after.person else "")
    _note(db, principal, task, "reassign", f"由 {was} 改派至 {now}。理由：{data.reason}")
    _announce(db, task, "reassign", _owners(db, task), f"督办事项改派给你：{task.title[:40]}")
    if previous_person and previous_person != task.owner_user_id:
        notify.to_users(db, [previous_person], f"督办事项已改派他人：{task.title[:40]}", body=data.reason[:200])
    db.flush()
    return task


def reschedule(
    db: Session, principal: Principal, task_id: int, data: TaskReschedule, today: date | None = None
) -> SupervisedTask:
    """调整期限: the office sets a new deadline, `due_days` working days from today, with the reason. An
    overdue task keeps the deadline it missed (`missed_due_on`); the escalation starts again."""
    task = get(db, principal, task_id)
    ensure_office(principal, "督办事项的期限由督查室或招商局调整")
    _in_hand(task, "due_days", "调整期限")
    check_version(db, task, data.version)
    today = today or workdays.today()
    old = task.due_on
    overdue = _keep_missed(task, today)
    task.due_days = data.due_days
    task.due_on = workdays.add_working_days(today, data.due_days, workdays.load_calendar(db))
    task.escalation_level, task.escalated_on = 0, None
    kept = f"原期限 {old} 已逾期，逾期记录保留。" if overdue else ""
    text = f"期限由 {old} 调整为 {task.due_on}（自 {today} 起 {data.due_days} 个工作日）。{kept}理由：{data.reason}"
    _note(db, principal, task, "reschedule", text)
    _announce(db, task, "reschedule", _owners(db, task), f"督办事项期限调整为 {task.due_on}：{task.title[:40]}")
    db.flush()
    return task


def cancel(
    db: Session, principal: Principal, task_id: int, data: TaskCancel, today: date | None = None
) -> SupervisedTask:
    """撤销: the office withdraws a task not yet closed, with the reason; a deadline it had already missed is
    kept and still counts against the owner unit."""
    task = get(db, principal, task_id)
    ensure_office(principal, "督办事项只能由督查室或招商局撤销")
    if task.status in (TaskStatus.closed, TaskStatus.cancelled):
        raise Invalid({"reason": f"督办事项当前为“{task.status.label}”，不能撤销"})
    check_version(db, task, data.version)
    overdue = _keep_missed(task, today or workdays.today())
    task.status = TaskStatus.cancelled
    kept = f"撤销时已逾期（原期限 {task.due_on}），逾期记录保留。" if overdue else ""
    _note(db, principal, task, "cancel", f"{kept}理由：{data.reason}")
    _announce(db, task, "cancel", _owners(db, task), f"督办事项已撤销：{task.title[:40]}")
    db.flush()
    return task


SYSTEM = Principal(role=Role.coordinator, unit_id=None, label="系统（自动升级）")


def escalate_overdue(db: Session, today: date | None = None) -> int:
    """Overdue tasks go up by themselves: first to the owner unit's head (and the person who owns it),
    `task_escalate_days` working days later to the supervisor's office. Returns how many went up."""
    today = today or workdays.today()
    calendar = workdays.load_calendar(db)
    office_after = int(app_settings.get_decimal(db, "task_escalate_days"))
    stmt = (
        select(SupervisedTask)
        .where(
            SupervisedTask.status.in_(CLOCK_STATUSES),
            SupervisedTask.due_on < today,
            SupervisedTask.escalation_level < 2,
        )
        .order_by(SupervisedTask.id)
    )
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # several workers: each task goes up once
    count = 0
    for task in db.execute(stmt).scalars().all():
        if task.escalation_level == 0:
            unit = db.get(Unit, task.owner_unit_id)
            head = unit.head_user_id if unit else None
            users = [head, task.owner_user_id] if head else _unit_staff(db, task.owner_unit_id)
            task.escalation_level, task.escalated_on = 1, today
            task.overdue_since = task.overdue_since or today
            _note(db, SYSTEM, task, "overdue", f"已逾期（限 {task.due_on}），提请责任单位负责人督办")
            _announce(db, task, "overdue", [*users, task.owner_user_id], f"督办事项逾期：{task.title[:40]}")
        elif task.escalated_on and workdays.working_days_between(task.escalated_on, today, calendar) >= office_after:
            task.escalation_level, task.escalated_on = 2, today
            _note(db, SYSTEM, task, "escalate", "逾期仍未办结，已升级到督查室")
            _announce(db, task, "escalate", _office(db, task), f"督办事项逾期升级：{task.title[:40]}")
        else:
            continue
        count += 1
    db.flush()
    return count


# --- reading ---------------------------------------------------------------------------------


@dataclass
class TaskFilter:
    status: TaskStatus | None = None
    overdue: bool = False  # still with the unit and past its deadline
    unit_id: int | None = None
    source_kind: TaskSourceKind | None = None
    source_id: int | None = None
    updated_since: datetime | None = None


@dataclass
class TaskRow:
    task: SupervisedTask
    unit_name: str
    person: str | None
    light: str
    remaining: int | None

    @property
    def overdue(self) -> bool:
        return self.light == "red"


@dataclass
class Deadlines:
    """What a deadline's light needs, read once per page: the day, the calendar, the due-soon window."""

    today: date
    calendar: dict[date, bool]
    soon: int

    def of(self, task: SupervisedTask) -> tuple[str, int | None]:
        """The task's light and its working days left (negative: overdue); grey when the clock stops."""
        from app.services.tickets import working_days_between

        if task.status not in CLOCK_STATUSES:
            return "grey", None
        remaining = working_days_between(self.today, task.due_on, self.calendar)
        if self.today > task.due_on:
            return "red", remaining
        return ("yellow" if remaining <= self.soon else "green"), remaining


def deadlines(db: Session, today: date | None = None) -> Deadlines:
    from app.services.tickets import due_soon_days

    return Deadlines(today or workdays.today(), workdays.load_calendar(db), due_soon_days(db))


_ORDER = (SupervisedTask.due_on.asc(), SupervisedTask.id.desc())


def _conditions(principal: Principal, f: TaskFilter, today: date) -> list[Any]:
    where: list[Any] = []
    if not principal.reads_everything:  # a unit sees its own; a unit's filter is its own anyway
        where.append(SupervisedTask.owner_unit_id == principal.unit_id if principal.unit_id else false())
    elif f.unit_id:
        where.append(SupervisedTask.owner_unit_id == f.unit_id)
    if f.status is not None:
        where.append(SupervisedTask.status == f.status)
    if f.overdue:
        where.append(and_(SupervisedTask.status.in_(CLOCK_STATUSES), SupervisedTask.due_on < today))
    if f.source_kind is not None:
        where.append(SupervisedTask.source_kind == f.source_kind)
    if f.source_id is not None:
        where.append(SupervisedTask.source_id == f.source_id)
    if f.updated_since is not None:
        where.append(SupervisedTask.updated_at >= f.updated_since)
    return where


def list_tasks(
    db: Session,
    principal: Principal,
    f: TaskFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
) -> tuple[list[TaskRow], int]:
    """One page of the tasks the principal may see, by the filter, the nearest deadline first; and how many
    match. A fixed number of statements, whatever the page holds."""
    clock = deadlines(db, today)
    where = _conditions(principal, f, clock.today)
    rows = db.execute(
        select(SupervisedTask, Unit.name, User.display_name)
        .join(Unit, Unit.id == SupervisedTask.owner_unit_id)
        .outerjoin(User, User.id == SupervisedTask.owner_user_id)
        .where(*where)
        .order_by(*_ORDER)
        .limit(limit)
        .offset(offset)
    ).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = db.execute(select(func.count()).select_from(SupervisedTask).where(*where)).scalar_one()
    result = []
    for task, unit_name, person in rows:
        light, remaining = clock.of(task)
        result.append(TaskRow(task, unit_name, person, light, remaining))
    return result, int(total)


def row_of(db: Session, task: SupervisedTask, clock: Deadlines | None = None) -> TaskRow:
    """One task as a list shows it (its unit and person by name, its light)."""
    clock = clock or deadlines(db)
    unit = db.get(Unit, task.owner_unit_id)
    person = db.get(User, task.owner_user_id) if task.owner_user_id else None
    light, remaining = clock.of(task)
    return TaskRow(task, unit.name if unit else "", person.display_name if person else None, light, remaining)


def timeline(db: Session, task: SupervisedTask) -> list[tuple[TaskNote, list[TaskFile]]]:
    """The task's notes in order, each with its evidence files (two statements)."""
    notes = db.execute(select(TaskNote).where(TaskNote.task_id == task.id).order_by(TaskNote.id)).scalars().all()
    files: dict[int, list[TaskFile]] = {}
    for row in db.execute(select(TaskFile).where(TaskFile.task_id == task.id).order_by(TaskFile.id)).scalars():
        files.setdefault(row.note_id, []).append(row)
    return [(n, files.get(n.id, [])) for n in notes]


def get_file(db: Session, principal: Principal, task_id: int, file_id: int) -> TaskFile:
    """An evidence file, under its task's rule (another unit's task: 404)."""
    task = get(db, principal, task_id)
    row = db.get(TaskFile, file_id)
    if row is None or row.task_id != task.id:
        raise NotFound("找不到该文件")
    return row


def action_label(action: str) -> str:
    return NOTE_ACTIONS.get(action, action)


def people(db: Session) -> list[tuple[int, str]]:
    """Who may be named responsible: every active unit's staff, as "name (unit)", by unit."""
    rows = db.execute(
        select(User.id, User.display_name, Unit.short_name, Unit.name)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.is_active.is_(True), User.role == Role.unit_staff, Unit.is_active.is_(True))
        .order_by(Unit.name, User.display_name)
    ).all()
    return [(r.id, f"{r.display_name}（{r.short_name or r.name}）") for r in rows]


# --- a task from another record ------------------------------------------------------------------


def prefill(
    db: Session, principal: Principal, source_kind: TaskSourceKind | None, source_id: int | None
) -> dict[str, str]:
    """The new-task form filled in from its source: a ticket (its title, description and handling unit, as
    that unit may see them) or a spot-check finding (what was found, the unit that reported the item)."""
    ensure_office(principal)
    values: dict[str, str] = {"source_kind": (source_kind or TaskSourceKind.manual).value, "due_days": "10"}
    if source_id is None or source_kind not in (TaskSourceKind.ticket, TaskSourceKind.spot_check):
        return values
    values["source_id"] = str(source_id)
    if source_kind is TaskSourceKind.ticket:
        from app.services import tickets

        ticket = tickets.get(db, principal, source_id)
        owner = ticket.handling_unit_id or ticket.reporter_unit_id
        reader = Principal(role=Role.unit_staff, unit_id=owner, label="", read_only=True)
        redact = tickets.redactor(db, reader, ticket)
        values |= {
            "title": redact(f"督促办理：{ticket.title}")[:200],
            "content": redact(ticket.description)[:4000],
            "owner_unit_id": str(owner),
            "source_ref": f"跟踪服务问题 #{ticket.id}",
        }
    else:
        from app.services.spot_checks import ITEM_KINDS

        finding = db.get(SpotFinding, source_id)
        if finding is None:
            raise NotFound("找不到该抽查发现")
        kind = ITEM_KINDS.get(finding.kind, finding.kind)
        values |= {
            "title": f"整改抽查发现的{kind}不符问题（#{finding.item_id}）",
            "content": finding.note,
            "owner_unit_id": str(finding.unit_id or ""),
            "source_ref": f"督查抽查 #{finding.check_id}：{kind} #{finding.item_id}",
        }
    return values


# --- for the assessment ------------------------------------------------------------------------


def overdue_counts(
    db: Session, start: date, end: date, unit_ids: Sequence[int] | None = None, today: date | None = None
) -> dict[int, int]:
    """{unit_id: n} of each unit's tasks whose deadline fell within [start, end] and passed before the unit
    reported them done: reported done after the deadline, or not yet reported done (open, in progress,
    returned) with the deadline before today; or whose deadline, missed within [start, end], the office
    later moved or cancelled the task over (`missed_due_on`). A task counts once. A task cancelled before
    its deadline does not count. What the year's assessment deducts points for (issue 19, item 8); units
    without one are left out. One statement."""
    today = today or workdays.today()
    t = SupervisedTask
    missed_earlier = and_(t.missed_due_on.is_not(None), t.missed_due_on >= start, t.missed_due_on <= end)
    missed_now = and_(
        t.status != TaskStatus.cancelled,
        t.due_on >= start,
        t.due_on <= end,
        t.due_on < today,
        or_(t.done_on.is_(None), t.done_on > t.due_on),
    )
    stmt = select(t.owner_unit_id, func.count()).where(or_(missed_earlier, missed_now)).group_by(t.owner_unit_id)
    if unit_ids is not None:
        stmt = stmt.where(t.owner_unit_id.in_(list(unit_ids)))
    return {int(unit_id): int(n) for unit_id, n in db.execute(stmt).all()}
