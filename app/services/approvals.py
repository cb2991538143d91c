"""Approvals after signing (审批事项): the coordinator's catalogue, the approvals generated when a project is
signed, the actions on one approval, what is overdue, and escalation.

The rules:

- The catalogue (`ApprovalKind`) is the coordinator's: name, department (a unit of kind department), legal
  time limit in working days, the project categories it applies to (none: all), the kinds that must be
  granted first (no kind its own prerequisite, no circle), active, and whether it is the construction permit.
- Generation: when a project passes 正式签约 (the stage form and API, creation at a later stage, the ledger
  import of rows at 正式签约 or 落户注册, or the coordinator's button for a project signed before) it gets one
  approval per active kind of its category, never two of a kind. An approval is `waiting` while one of its
  kind's prerequisites is among the project's approvals and not cleared (granted, or marked not needed),
  else `ready`. The department and the time limit are copied (a later change of the catalogue does not move
  a running clock).
- Actions (each with the version read; stale → 409): submit (受理: a `ready` one, on the server's today;
  due `time_limit_days` working days later by the calendar of holidays and make-up workdays); a deferred
  document (容缺) added to a submitted or granted approval, with its own deadline (not before today), and
  marked received; grant (a submitted one, with its document number, on today); refuse (a submitted one,
  with the reason); not needed (a waiting or ready one, with the reason). Granting or marking not needed
  turns the project's waiting approvals whose prerequisites are all cleared to ready. Kinds with no
  prerequisite between them run in parallel (并联): several may be submitted at once.
- Who acts: `may_act` (the coordinator, the project's writers, the staff of the approval's department).
  Who reads: whoever reads the project, and the department's staff its approvals.
- Overdue: a submitted approval past `due_on`; a deferred document past its deadline and not received.
  The coordinator escalates an overdue approval to a ticket (证照审批, routed to the department) or to a
  supervised task for the department; the approval keeps `ticket_id` / `task_id`.
- 开工 may cite the construction permit: the document number of the project's granted approval whose kind
  is the construction permit (`construction_permit_no`), accepted by app.services.stage_gate as 开工's
  evidence.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.db import assign_ids
from app.errors import Invalid, NotFound
from app.models.approval import (
    ApprovalDeferredDocument,
    ApprovalKind,
    ApprovalKindPrerequisite,
    ApprovalStatus,
    ProjectApproval,
)
from app.models.base import utcnow
from app.models.project import Project, ProjectStatus, Stage
from app.models.ticket import TicketCategory
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.schemas.approvals import (
    ApprovalGrant,
    ApprovalReason,
    ApprovalSubmit,
    DeferredCreate,
    DeferredReceive,
    EscalateTask,
    EscalateTicket,
    KindSave,
    KindUpdate,
)
from app.services import agency, audit, projects, workdays
from app.services.common import check_version

CLEARED = (ApprovalStatus.granted, ApprovalStatus.not_needed)
IMPORT_STAGES = (Stage.signed, Stage.landed)  # the ledger import generates for rows at these stages only


# --- the catalogue --------------------------------------------------------------------------------


@dataclass
class KindView:
    kind: ApprovalKind
    department_name: str
    prerequisite_ids: list[int]

    @property
    def categories(self) -> list[str]:
        return _categories(self.kind.categories)


def _categories(text: str) -> list[str]:
    return [c for c in (text or "").split(",") if c]


def _pairs(db: Session) -> list[tuple[int, int]]:
    """Every (kind, prerequisite) pair: a small table, read whole."""
    stmt = select(ApprovalKindPrerequisite.kind_id, ApprovalKindPrerequisite.prerequisite_id)
    return [(k, p) for k, p in db.execute(stmt.order_by(ApprovalKindPrerequisite.id))]


def kinds(db: Session, *, active_only: bool = False) -> list[KindView]:
    """The catalogue in order, each kind with its department's name and prerequisites (two statements)."""
    stmt = select(ApprovalKind, Unit.name).outerjoin(Unit, Unit.id == ApprovalKind.department_unit_id)
    if active_only:
        stmt = stmt.where(ApprovalKind.is_active.is_(True))
    rows = db.execute(stmt.order_by(ApprovalKind.position, ApprovalKind.id)).all()
    prerequisites: dict[int, list[int]] = {}
    for k, p in _pairs(db):
        prerequisites.setdefault(k, []).append(p)
    return [KindView(kind, name or "", prerequisites.get(kind.id, [])) for kind, name in rows]


def get_kind(db: Session, kind_id: int) -> KindView:
    for view in kinds(db):
        if view.kind.id == kind_id:
            return view
    raise NotFound("找不到该审批事项")


def departments(db: Session) -> list[tuple[int, str]]:
    """The departments (units of kind department, in use) a kind may name."""
    stmt = select(Unit.id, Unit.name).where(Unit.kind == UnitKind.department, Unit.is_active.is_(True))
    return [(i, n) for i, n in db.execute(stmt.order_by(Unit.name, Unit.id))]


def _check_kind(db: Session, data: KindSave, kind_id: int | None) -> None:
    errors: dict[str, str] = {}
    same_name = select(ApprovalKind.id).where(ApprovalKind.name == data.name)
    if kind_id is not None:
        same_name = same_name.where(ApprovalKind.id != kind_id)
    if db.execute(same_name.limit(1)).first() is not None:
        errors["name"] = "已有同名的审批事项"
    if data.department_unit_id is not None:
        unit = db.get(Unit, data.department_unit_id)
        if unit is None or not unit.is_active or unit.kind is not UnitKind.department:
            errors["department_unit_id"] = "请选择在用的部门"
    wanted = set(data.prerequisite_ids)
    if kind_id is not None and kind_id in wanted:
        errors["prerequisite_ids"] = "事项不能以自己为前置"
    elif wanted:
        known = set(db.execute(select(ApprovalKind.id).where(ApprovalKind.id.in_(wanted))).scalars())
        if known != wanted:
            errors["prerequisite_ids"] = "前置事项不存在"
        elif kind_id is not None and _makes_circle(db, kind_id, wanted):
            errors["prerequisite_ids"] = "前置关系不能成环（所选前置事项本身须在本事项之后办理）"
    if errors:
        raise Invalid(errors)


def _makes_circle(db: Session, kind_id: int, wanted: set[int]) -> bool:
    """Whether `kind_id` is reachable from one of `wanted` through the prerequisites (a circle)."""
    graph: dict[int, set[int]] = {}
    for k, p in _pairs(db):
        if k != kind_id:
            graph.setdefault(k, set()).add(p)
    seen: set[int] = set()
    todo = list(wanted)
    while todo:
        current = todo.pop()
        if current == kind_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo.extend(graph.get(current, ()))
    return False


def _set_prerequisites(db: Session, kind_id: int, wanted: Iterable[int]) -> None:
    wanted = set(wanted)
    rows = db.execute(select(ApprovalKindPrerequisite).where(ApprovalKindPrerequisite.kind_id == kind_id)).scalars()
    have = set()
    for row in rows:
        if row.prerequisite_id in wanted:
            have.add(row.prerequisite_id)
        else:
            db.delete(row)
    db.add_all(ApprovalKindPrerequisite(kind_id=kind_id, prerequisite_id=p) for p in sorted(wanted - have))


def _kind_values(data: KindSave) -> dict[str, Any]:
    return {
        "name": data.name,
        "department_unit_id": data.department_unit_id,
        "time_limit_days": data.time_limit_days,
        "categories": ",".join(dict.fromkeys(c.value for c in data.categories)),
        "position": data.position,
        "is_active": data.is_active,
        "is_construction_permit": data.is_construction_permit,
        "note": data.note,
    }


def _ensure_keeper(principal: Principal) -> None:
    policy.ensure_coordinator(principal)
    if not principal.can_write:
        raise policy.DeniedForbidden("只读身份不能修改审批事项目录")


def create_kind(db: Session, principal: Principal, data: KindSave) -> ApprovalKind:
    _ensure_keeper(principal)
    _check_kind(db, data, None)
    kind = ApprovalKind(code=f"k_{uuid.uuid4().hex[:12]}", **_kind_values(data))
    db.add(kind)
    db.flush()
    _set_prerequisites(db, kind.id, data.prerequisite_ids)
    db.flush()
    return kind


def update_kind(db: Session, principal: Principal, kind_id: int, data: KindUpdate) -> ApprovalKind:
    _ensure_keeper(principal)
    kind = db.get(ApprovalKind, kind_id)
    if kind is None:
        raise NotFound("找不到该审批事项")
    check_version(db, kind, data.version)
    _check_kind(db, data, kind_id)
    for key, value in _kind_values(data).items():
        if getattr(kind, key) != value:
            setattr(kind, key, value)
    before = {p for k, p in _pairs(db) if k == kind_id}
    _set_prerequisites(db, kind_id, data.prerequisite_ids)
    if before != set(data.prerequisite_ids):
        kind.updated_at = utcnow()  # the kind's version moves on with its prerequisites
    db.flush()
    return kind


# --- generation -------------------------------------------------------------------------------------


def _applies(kind: ApprovalKind, category: Any) -> bool:
    wanted = _categories(kind.categories)
    return not wanted or (category.value if hasattr(category, "value") else str(category)) in wanted


def _status(kind_id: int, kinds_of_project: dict[int, ApprovalStatus], pairs: dict[int, list[int]]) -> ApprovalStatus:
    blocking = [p for p in pairs.get(kind_id, []) if p in kinds_of_project and kinds_of_project[p] not in CLEARED]
    return ApprovalStatus.waiting if blocking else ApprovalStatus.ready


def generate_many(db: Session, project_list: Sequence[Project]) -> list[ProjectApproval]:
    """The approvals of several projects from the active catalogue, in a fixed number of statements (the
    catalogue, its prerequisites, the projects' existing approvals, one insert): never one of a kind twice."""
    if not project_list:
        return []
    catalogue = db.execute(
        select(ApprovalKind).where(ApprovalKind.is_active.is_(True)).order_by(ApprovalKind.position, ApprovalKind.id)
    ).scalars().all()  # fmt: skip
    if not catalogue:
        return []
    pairs: dict[int, list[int]] = {}
    for k, p in _pairs(db):
        pairs.setdefault(k, []).append(p)
    ids = [p.id for p in project_list]
    existing: dict[int, dict[int, ApprovalStatus]] = {}
    for chunk in range(0, len(ids), 1000):
        stmt = select(ProjectApproval.project_id, ProjectApproval.kind_id, ProjectApproval.status).where(
            ProjectApproval.project_id.in_(ids[chunk : chunk + 1000])
        )
        for project_id, kind_id, status in db.execute(stmt):
            existing.setdefault(project_id, {})[kind_id] = status
    created: list[ProjectApproval] = []
    for project in project_list:
        have = existing.get(project.id, {})
        new_kinds = [c for c in catalogue if _applies(c, project.category) and c.id not in have]
        if not new_kinds:
            continue
        statuses = dict(have)
        statuses.update({c.id: ApprovalStatus.ready for c in new_kinds})  # not cleared: holds its dependents
        for kind in new_kinds:
            created.append(
                ProjectApproval(
                    project_id=project.id,
                    kind_id=kind.id,
                    department_unit_id=kind.department_unit_id,
                    time_limit_days=kind.time_limit_days,
                    status=_status(kind.id, statuses, pairs),
                )
            )
    assign_ids(db, created)  # (PostgreSQL: one executemany, see there)
    db.add_all(created)
    db.flush()
    return created


def generate(db: Session, project: Project) -> list[ProjectApproval]:
    return generate_many(db, [project])


def on_stages_passed(db: Session, project: Project, passed: Sequence[Stage], when: date) -> None:
    """Called on every path a project moves forward by (the stage form and API, creation at a later stage):
    when 正式签约 is among the stages passed, the project's approvals are generated."""
    if Stage.signed not in passed:
        return
    generate(db, project)


def generate_for(db: Session, principal: Principal, project_id: int) -> list[ProjectApproval]:
    """The coordinator's action for a project signed before the catalogue existed (or a kind added since)."""
    _ensure_keeper(principal)
    project = projects.get(db, principal, project_id)
    if project.stage.order < Stage.signed.order:
        raise Invalid({"__all__": "项目尚未正式签约，签约时自动生成审批事项"})
    if project.status is ProjectStatus.terminated:
        raise Invalid({"__all__": "项目已终止"})
    return generate(db, project)


# --- who may act ------------------------------------------------------------------------------------


def may_act(db: Session, principal: Principal, approval: ProjectApproval, project: Project) -> bool:
    """Who records the steps of one approval: the coordinator, the project's own unit staff (its writers),
    the staff of the approval's department, and the project's 代办员 (who carries it for the investor)."""
    if not principal.can_write:
        return False
    if principal.is_coordinator or projects.can_write(principal, project):
        return True
    if (
        principal.role is Role.unit_staff
        and approval.department_unit_id is not None
        and principal.unit_id == approval.department_unit_id
    ):
        return True
    return agency.is_agent(db, principal, project.id)


def may_read(db: Session, principal: Principal, approval: ProjectApproval, project: Project) -> bool:
    if projects.can_read(principal, project):
        return True
    if approval.department_unit_id is not None and principal.unit_id == approval.department_unit_id:
        return True
    return agency.is_agent(db, principal, project.id)


def _get(db: Session, principal: Principal, approval_id: int) -> tuple[ProjectApproval, Project]:
    approval = db.get(ProjectApproval, approval_id)
    if approval is None:
        raise NotFound("找不到该审批事项")
    project = db.get(Project, approval.project_id)
    assert project is not None
    if not may_read(db, principal, approval, project):
        raise policy.DeniedNotFound("找不到该审批事项")
    return approval, project


def _for_act(db: Session, principal: Principal, approval_id: int, version: int) -> tuple[ProjectApproval, Project]:
    approval, project = _get(db, principal, approval_id)
    if not may_act(db, principal, approval, project):
        raise policy.DeniedForbidden("只有招商局、项目责任单位和承办部门可以办理该审批事项")
    check_version(db, approval, version)
    return approval, project


def _kind_name(db: Session, approval: ProjectApproval) -> str:
    kind = db.get(ApprovalKind, approval.kind_id)
    return kind.name if kind else ""


# --- the actions ------------------------------------------------------------------------------------


def _blockers(db: Session, approval: ProjectApproval) -> list[str]:
    """The names of the project's approvals this one waits for (prerequisites not cleared)."""
    prerequisite_ids = [p for k, p in _pairs(db) if k == approval.kind_id]
    if not prerequisite_ids:
        return []
    stmt = (
        select(ApprovalKind.name)
        .join(ProjectApproval, ProjectApproval.kind_id == ApprovalKind.id)
        .where(
            ProjectApproval.project_id == approval.project_id,
            ProjectApproval.kind_id.in_(prerequisite_ids),
            ProjectApproval.status.not_in(CLEARED),
        )
        .order_by(ApprovalKind.position, ApprovalKind.id)
    )
    return list(db.execute(stmt).scalars())


def submit(db: Session, principal: Principal, approval_id: int, data: ApprovalSubmit) -> ProjectApproval:
    """受理 on the server's today; due after the legal limit in working days (holidays and make-up days)."""
    approval, _ = _for_act(db, principal, approval_id, data.version)
    if approval.status is ApprovalStatus.waiting:
        names = "、".join(_blockers(db, approval)) or "前置事项"
        raise Invalid({"__all__": f"须先办结前置审批事项：{names}"})
    if approval.status is not ApprovalStatus.ready:
        raise Invalid({"__all__": f"该事项{approval.status.label}，不能再受理"})
    today = workdays.today()
    approval.status = ApprovalStatus.submitted
    approval.submitted_on = today
    approval.due_on = workdays.add_working_days(today, approval.time_limit_days, workdays.load_calendar(db))
    approval.is_online = data.is_online
    if data.note:
        approval.note = data.note
    db.flush()
    return approval


def add_deferred(db: Session, principal: Principal, approval_id: int, data: DeferredCreate) -> ApprovalDeferredDocument:
    """容缺受理: a document the department accepted for later, due by its own deadline."""
    approval, _ = _for_act(db, principal, approval_id, data.version)
    if approval.status not in (ApprovalStatus.submitted, ApprovalStatus.granted):
        raise Invalid({"__all__": "容缺材料在受理时或受理后登记"})
    if data.deadline < workdays.today():
        raise Invalid({"deadline": "补正期限不能早于今天"})
    row = ApprovalDeferredDocument(
        approval_id=approval.id, name=data.name, deadline=data.deadline, recorded_by_id=principal.user_id
    )
    db.add(row)
    db.flush()
    return row


def receive_deferred(
    db: Session, principal: Principal, approval_id: int, document_id: int, data: DeferredReceive
) -> ApprovalDeferredDocument:
    approval, _ = _get(db, principal, approval_id)
    row = db.get(ApprovalDeferredDocument, document_id)
    if row is None or row.approval_id != approval.id:
        raise NotFound("找不到该容缺材料")
    project = db.get(Project, approval.project_id)
    assert project is not None
    if not may_act(db, principal, approval, project):
        raise policy.DeniedForbidden("只有招商局、项目责任单位和承办部门可以办理该审批事项")
    check_version(db, row, data.version)
    if row.received_on is not None:
        raise Invalid({"__all__": f"该材料已于 {row.received_on} 补齐"})
    row.received_on = workdays.today()
    db.flush()
    return row


def _release_dependents(db: Session, project_id: int) -> list[ProjectApproval]:
    """The project's waiting approvals whose prerequisites (among its approvals) are all cleared → ready."""
    rows = db.execute(select(ProjectApproval).where(ProjectApproval.project_id == project_id)).scalars().all()
    statuses = {r.kind_id: r.status for r in rows}
    pairs: dict[int, list[int]] = {}
    for k, p in _pairs(db):
        pairs.setdefault(k, []).append(p)
    released = []
    for row in rows:
        if row.status is ApprovalStatus.waiting and _status(row.kind_id, statuses, pairs) is ApprovalStatus.ready:
            row.status = ApprovalStatus.ready
            released.append(row)
    db.flush()
    return released


def grant(db: Session, principal: Principal, approval_id: int, data: ApprovalGrant) -> ProjectApproval:
    """办结 today with the document number; the dependents whose prerequisites are all cleared become ready."""
    approval, _ = _for_act(db, principal, approval_id, data.version)
    if approval.status is not ApprovalStatus.submitted:
        raise Invalid({"__all__": "只有已受理的事项可以办结"})
    approval.status = ApprovalStatus.granted
    approval.granted_on = workdays.today()
    approval.document_no = data.document_no
    db.flush()
    _release_dependents(db, approval.project_id)
    return approval


def refuse(db: Session, principal: Principal, approval_id: int, data: ApprovalReason) -> ProjectApproval:
    """未通过: a submitted approval refused by its department (its dependents keep waiting)."""
    approval, _ = _for_act(db, principal, approval_id, data.version)
    if approval.status is not ApprovalStatus.submitted:
        raise Invalid({"__all__": "只有已受理的事项可以登记未通过"})
    with audit.reason(db, data.reason):
        approval.status = ApprovalStatus.refused
        approval.refused_reason = data.reason
        db.flush()
    return approval


def not_needed(db: Session, principal: Principal, approval_id: int, data: ApprovalReason) -> ProjectApproval:
    """无需办理 (e.g. 能评 below the threshold): cleared like a grant for its dependents."""
    approval, _ = _for_act(db, principal, approval_id, data.version)
    if approval.status not in (ApprovalStatus.waiting, ApprovalStatus.ready):
        raise Invalid({"__all__": "只有尚未受理的事项可以标为无需办理"})
    with audit.reason(db, data.reason):
        approval.status = ApprovalStatus.not_needed
        approval.note = data.reason
        db.flush()
    _release_dependents(db, approval.project_id)
    return approval


# --- overdue and escalation ------------------------------------------------------------------------


def is_overdue(approval: ProjectApproval, today: date | None = None) -> bool:
    today = today or workdays.today()
    return approval.status is ApprovalStatus.submitted and approval.due_on is not None and approval.due_on < today


def deferred_overdue(row: ApprovalDeferredDocument, today: date | None = None) -> bool:
    return row.received_on is None and row.deadline < (today or workdays.today())


def _ensure_escalation(
    db: Session, principal: Principal, approval_id: int, version: int
) -> tuple[ProjectApproval, Project]:
    _ensure_keeper(principal)
    approval, project = _get(db, principal, approval_id)
    check_version(db, approval, version)
    if not is_overdue(approval):
        raise Invalid({"__all__": "只有超过法定时限仍未办结的事项可以转办"})
    if approval.ticket_id is not None or approval.task_id is not None:
        raise Invalid({"__all__": "该事项已转为问题工单或督办任务"})
    if approval.department_unit_id is None:
        raise Invalid({"__all__": "该事项没有承办部门：请先在审批事项目录中指定"})
    return approval, project


def _overdue_text(db: Session, approval: ProjectApproval) -> tuple[str, str]:
    name = _kind_name(db, approval)
    title = f"审批事项超期：{name}"
    content = (
        f"{name}于 {approval.submitted_on} 受理，法定时限 {approval.time_limit_days} 个工作日，"
        f"应于 {approval.due_on} 办结，至今未办结。"
    )
    return title, content


def escalate_ticket(db: Session, principal: Principal, approval_id: int, data: EscalateTicket) -> ProjectApproval:
    """An overdue approval becomes a ticket of category 证照审批, routed to its department."""
    from app.schemas.tickets import TicketCreate, TicketRoute
    from app.services import tickets

    approval, project = _ensure_escalation(db, principal, approval_id, data.version)
    tickets.ensure_categories(db)
    category = db.execute(select(TicketCategory).where(TicketCategory.code == "permits")).scalar_one()
    title, content = _overdue_text(db, approval)
    ticket = tickets.report(
        db,
        principal,
        TicketCreate(
            project_id=project.id, category_id=category.id, title=title, description=content,
            proposed_handling=data.note,
        ),
    )  # fmt: skip
    tickets.route(
        db, principal, ticket.id,
        TicketRoute(version=ticket.version, handling_unit_id=approval.department_unit_id or 0, note=data.note),
    )  # fmt: skip
    approval.ticket_id = ticket.id
    db.flush()
    return approval


def escalate_task(db: Session, principal: Principal, approval_id: int, data: EscalateTask) -> ProjectApproval:
    """An overdue approval becomes a supervised task of its department."""
    from app.models.task import TaskSourceKind
    from app.schemas.tasks import TaskCreate
    from app.services import tasks

    approval, _ = _ensure_escalation(db, principal, approval_id, data.version)
    title, content = _overdue_text(db, approval)
    task = tasks.assign(
        db,
        principal,
        TaskCreate(
            title=title,
            content=content + (data.note and f"\n{data.note}"),
            source_kind=TaskSourceKind.manual,
            source_ref=f"审批事项 #{approval.id}",
            owner_unit_id=approval.department_unit_id or 0,
            due_days=data.due_days,
        ),
    )
    approval.task_id = task.id
    db.flush()
    return approval


OVERDUE_MARK = "approval_overdue."


def warn_overdue(db: Session, today: date | None = None) -> int:
    """The worker's round: each approval newly overdue is announced once (an in-app notification to the
    coordinators, the department's staff and the project's responsible unit's staff, naming the kind and the
    day it was due, never the project: a department may not see a confidential project's name). Returns how
    many approvals were announced."""
    from app.models.ticket import EventMark
    from app.models.user import User
    from app.services import notify

    today = today or workdays.today()
    marked = set(db.execute(select(EventMark.key).where(EventMark.key.startswith(OVERDUE_MARK))).scalars())
    stmt = (
        select(ProjectApproval.id, ProjectApproval.department_unit_id, ProjectApproval.due_on, ApprovalKind.name,
               Project.responsible_unit_id)
        .join(ApprovalKind, ApprovalKind.id == ProjectApproval.kind_id)
        .join(Project, Project.id == ProjectApproval.project_id)
        .where(ProjectApproval.status == ApprovalStatus.submitted, ProjectApproval.due_on < today)
        .order_by(ProjectApproval.id)
    )  # fmt: skip
    fresh = [r for r in db.execute(stmt) if f"{OVERDUE_MARK}{r[0]}" not in marked]
    if not fresh:
        return 0
    units = {u for r in fresh for u in (r[1], r[4]) if u}
    staff: dict[int, list[int]] = {}
    coordinators: list[int] = []
    people = select(User.id, User.unit_id, User.role).where(
        User.is_active.is_(True), or_(User.role == Role.coordinator, and_(User.role == Role.unit_staff,
                                                                          User.unit_id.in_(units)))
    )  # fmt: skip
    for user_id, unit_id, role in db.execute(people):
        if role is Role.coordinator:
            coordinators.append(user_id)
        else:
            staff.setdefault(unit_id, []).append(user_id)
    for approval_id, department, due_on, kind_name, unit in fresh:
        users = [*coordinators, *staff.get(department or 0, []), *staff.get(unit, [])]
        notify.to_users(db, users, f"审批事项超期：{kind_name}", body=f"应于 {due_on} 办结，至今未办结",
                        link=f"/approvals/{approval_id}")  # fmt: skip
        db.add(EventMark(key=f"{OVERDUE_MARK}{approval_id}", active=True))
    db.flush()
    return len(fresh)


# --- what is read back ------------------------------------------------------------------------------


@dataclass
class Row:
    approval: ProjectApproval
    kind_name: str
    position: int
    department_name: str
    project_name: str
    prerequisite_ids: list[int] = field(default_factory=list)
    step: int = 1
    deferred: list[ApprovalDeferredDocument] = field(default_factory=list)
    overdue: bool = False
    can_act: bool = False
    blockers: list[str] = field(default_factory=list)

    @property
    def deferred_overdue(self) -> list[ApprovalDeferredDocument]:
        return [d for d in self.deferred if deferred_overdue(d)]


def _steps(kind_ids: Iterable[int], pairs: dict[int, list[int]]) -> dict[int, int]:
    """Each kind's step among the project's kinds: 1 + the longest chain of prerequisites before it."""
    present = set(kind_ids)
    memo: dict[int, int] = {}

    def step(kind_id: int, trail: frozenset[int]) -> int:
        if kind_id in memo:
            return memo[kind_id]
        before = [p for p in pairs.get(kind_id, []) if p in present and p not in trail]
        value = 1 + max((step(p, trail | {kind_id}) for p in before), default=0)
        memo[kind_id] = value
        return value

    return {k: step(k, frozenset()) for k in present}


def _deferred_of(db: Session, approval_ids: Sequence[int]) -> dict[int, list[ApprovalDeferredDocument]]:
    found: dict[int, list[ApprovalDeferredDocument]] = {}
    if not approval_ids:
        return found
    stmt = select(ApprovalDeferredDocument).where(ApprovalDeferredDocument.approval_id.in_(approval_ids))
    for row in db.execute(stmt.order_by(ApprovalDeferredDocument.id)).scalars():
        found.setdefault(row.approval_id, []).append(row)
    return found


_PROJECT_COLUMNS = (
    Project.name,
    Project.code_name,
    Project.is_confidential,
    Project.responsible_unit_id,
    Project.introducing_unit_id,
)


def _rows(db: Session, principal: Principal, result: Sequence[Any], project_kinds: dict[int, list[int]]) -> list[Row]:
    """Rows from (approval, kind name, position, department name, project columns…) tuples; `project_kinds`:
    every kind each of these projects has (for the steps and prerequisites)."""
    pairs: dict[int, list[int]] = {}
    for k, p in _pairs(db):
        pairs.setdefault(k, []).append(p)
    steps = {pid: _steps(kinds_of, pairs) for pid, kinds_of in project_kinds.items()}
    deferred = _deferred_of(db, [r[0].id for r in result])
    today = workdays.today()
    rows = []
    for approval, kind_name, position, department, *_ in result:
        project_row = _ProjectRow(*_)
        present = set(project_kinds.get(approval.project_id, []))
        rows.append(
            Row(
                approval=approval,
                kind_name=kind_name,
                position=position,
                department_name=department or "",
                project_name=projects.display_name(principal, project_row),
                prerequisite_ids=[p for p in pairs.get(approval.kind_id, []) if p in present],
                step=steps.get(approval.project_id, {}).get(approval.kind_id, 1),
                deferred=deferred.get(approval.id, []),
                overdue=is_overdue(approval, today),
            )
        )
    return rows


@dataclass(frozen=True)
class _ProjectRow:
    name: str
    code_name: str
    is_confidential: bool
    responsible_unit_id: int
    introducing_unit_id: int


def _select() -> Any:
    return (
        select(ProjectApproval, ApprovalKind.name, ApprovalKind.position, Unit.name, *_PROJECT_COLUMNS)
        .join(ApprovalKind, ApprovalKind.id == ProjectApproval.kind_id)
        .join(Project, Project.id == ProjectApproval.project_id)
        .outerjoin(Unit, Unit.id == ProjectApproval.department_unit_id)
    )


@dataclass
class Section:
    rows: list[Row]
    steps: list[tuple[int, list[Row]]]
    can_generate: bool
    permit_no: str


def project_section(db: Session, principal: Principal, project: Project) -> Section:
    """A project's approvals as a timeline: by step (the kinds of one step run in parallel), in the
    catalogue's order (the caller has checked the principal reads the project)."""
    result = db.execute(
        _select().where(ProjectApproval.project_id == project.id).order_by(ApprovalKind.position, ApprovalKind.id)
    ).all()
    rows = _rows(db, principal, result, {project.id: [r[0].kind_id for r in result]})
    names = {r.approval.kind_id: r.kind_name for r in rows}
    statuses = {r.approval.kind_id: r.approval.status for r in rows}
    for row in rows:
        row.can_act = may_act(db, principal, row.approval, project)
        row.blockers = [names[p] for p in row.prerequisite_ids if statuses.get(p) not in CLEARED]
    steps: dict[int, list[Row]] = {}
    for row in rows:
        steps.setdefault(row.step, []).append(row)
    permit = construction_permit_no(db, project.id)
    return Section(
        rows=rows,
        steps=sorted(steps.items()),
        can_generate=principal.is_coordinator
        and principal.can_write
        and project.stage.order >= Stage.signed.order
        and project.status is not ProjectStatus.terminated,
        permit_no=permit,
    )


def one(db: Session, principal: Principal, approval_id: int) -> Row:
    approval, project = _get(db, principal, approval_id)
    result = db.execute(_select().where(ProjectApproval.id == approval.id)).all()
    kinds_of = list(
        db.execute(select(ProjectApproval.kind_id).where(ProjectApproval.project_id == project.id)).scalars()
    )
    row = _rows(db, principal, result, {project.id: kinds_of})[0]
    row.can_act = may_act(db, principal, approval, project)
    return row


@dataclass(frozen=True)
class ApprovalFilter:
    overdue: bool = False
    department_unit_id: int | None = None
    kind_id: int | None = None
    status: ApprovalStatus | None = None
    project_id: int | None = None


def _overdue_condition(today: date) -> Any:
    late_document = exists().where(
        ApprovalDeferredDocument.approval_id == ProjectApproval.id,
        ApprovalDeferredDocument.received_on.is_(None),
        ApprovalDeferredDocument.deadline < today,
    )
    return or_(and_(ProjectApproval.status == ApprovalStatus.submitted, ProjectApproval.due_on < today), late_document)


def _visible(principal: Principal) -> list[Any]:
    if principal.reads_everything:
        return []
    if principal.unit_id is None:
        return [false()]
    unit = principal.unit_id
    return [
        or_(
            Project.responsible_unit_id == unit,
            Project.introducing_unit_id == unit,
            ProjectApproval.department_unit_id == unit,
        )
    ]


def list_page(
    db: Session, principal: Principal, f: ApprovalFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[Row], int]:
    """The approvals the principal reads (its projects', its department's), filtered and paged; overdue
    first by due date. A fixed number of statements whatever the page holds."""
    today = workdays.today()
    conditions = _visible(principal)
    if f.overdue:
        conditions.append(_overdue_condition(today))
    if f.department_unit_id is not None:
        conditions.append(ProjectApproval.department_unit_id == f.department_unit_id)
    if f.kind_id is not None:
        conditions.append(ProjectApproval.kind_id == f.kind_id)
    if f.status is not None:
        conditions.append(ProjectApproval.status == f.status)
    if f.project_id is not None:
        conditions.append(ProjectApproval.project_id == f.project_id)
    count = select(func.count()).select_from(ProjectApproval).join(Project, Project.id == ProjectApproval.project_id)
    total = db.execute(count.where(*conditions)).scalar_one()
    stmt = (
        _select()
        .where(*conditions)
        .order_by(ProjectApproval.due_on.is_(None), ProjectApproval.due_on, ProjectApproval.id)
        .limit(limit)
        .offset(offset)
    )
    result = db.execute(stmt).all()
    project_ids = {r[0].project_id for r in result}
    project_kinds: dict[int, list[int]] = {}
    if project_ids:
        kinds_stmt = select(ProjectApproval.project_id, ProjectApproval.kind_id).where(
            ProjectApproval.project_id.in_(project_ids)
        )
        for pid, kid in db.execute(kinds_stmt):
            project_kinds.setdefault(pid, []).append(kid)
    return _rows(db, principal, result, project_kinds), total


def kind_options(db: Session) -> list[tuple[int, str]]:
    return [
        (k.id, k.name)
        for k in db.execute(select(ApprovalKind).order_by(ApprovalKind.position, ApprovalKind.id)).scalars()
    ]


# --- 开工 cites the construction permit ------------------------------------------------------------


def construction_permit_no(db: Session, project_id: int) -> str:
    """The document number of the project's granted construction permit ("" when none)."""
    stmt = (
        select(ProjectApproval.document_no)
        .join(ApprovalKind, ApprovalKind.id == ProjectApproval.kind_id)
        .where(
            ProjectApproval.project_id == project_id,
            ProjectApproval.status == ApprovalStatus.granted,
            ApprovalKind.is_construction_permit.is_(True),
        )
        .order_by(ProjectApproval.granted_on.desc(), ProjectApproval.id.desc())
        .limit(1)
    )
    return db.execute(stmt).scalar_one_or_none() or ""
