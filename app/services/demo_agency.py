"""Demo 代办 window (issue 22): the 青山县政务服务中心代办窗口 with its 代办员 (李代办, username daiban_li),
assigned to a few signed demo projects whose approvals stand at every step: granted on time and late, in hand
with days left, one overdue, one with a 容缺 document past its deadline, and the hand-overs of their papers
with the departments, so that the queue (/agency), the departments' view (/agency/department: 徐明亮 of 县自然资源局, or
孙海涛 of 县发改局) and the service report (/reports/approval-service) show something."""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.approval import (
    ApprovalDeferredDocument,
    ApprovalHandover,
    ApprovalKind,
    ApprovalStatus,
    HandoverDirection,
    ProjectAgent,
    ProjectApproval,
)
from app.models.base import utcnow
from app.models.project import Project, ProjectStatus, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.services import workdays

WINDOW = ("青山县政务服务中心代办窗口", "代办窗口")
AGENT = ("daiban_li", "李代办")
DEPARTMENT_STAFF = ("zrj_xu", "徐明亮", "县自然资源局")  # a department's staff, to see its approvals as they do
# the department of each kind in the demo county (the catalogue leaves them to the coordinator)
DEPARTMENTS = {
    "filing": "县发改局",
    "energy": "县发改局",
    "land_prereview": "县自然资源局",
    "planning": "县自然资源局",
    "construction": "县住建局",
    "fire": "县住建局",
    "eia": "县发改局",
    "safety": "县工信局",
}
G, S, W = ApprovalStatus.granted, ApprovalStatus.submitted, ApprovalStatus.waiting
# per project: (kind, status, submitted this many working days ago, granted after this many working days)
PLANS: list[list[tuple[str, ApprovalStatus, int, int | None]]] = [
    [("filing", G, 40, 4), ("land_prereview", G, 38, 25), ("planning", S, 30, None), ("eia", S, 6, None),
     ("construction", W, 0, None)],
    [("filing", G, 25, 3), ("planning", G, 22, 12), ("energy", S, 8, None), ("construction", W, 0, None)],
    [("filing", G, 18, 5), ("eia", G, 15, 9), ("safety", S, 4, None)],
]  # fmt: skip


def _user(db: Session, unit_id: int, username: str, display_name: str) -> User:
    from app.services.demo import DEMO_PASSWORD
    from app.services.security import hash_password

    user = User(
        username=username,
        display_name=display_name,
        unit_id=unit_id,
        role=Role.unit_staff,
        password_hash=hash_password(DEMO_PASSWORD),
        must_change_password=False,
        is_demo=True,
        phone=f"139{zlib.crc32(username.encode()) % 10**8:08d}",
    )
    db.add(user)
    db.flush()
    from app.services import people

    people.cadre_of_user(db, user)  # every demo account is a cadre of its unit (demo_people)
    return user


def _back(today: date, days: int, calendar: workdays.Calendar) -> date:
    """The working day `days` working days before today."""
    day = today
    while days > 0:
        day -= timedelta(days=1)
        if workdays.is_workday(day, calendar):
            days -= 1
    return day


def load(db: Session) -> bool:
    if db.execute(select(User.id).where(User.username == AGENT[0])).first() is not None:
        return False
    county = db.execute(select(Unit).where(Unit.kind == UnitKind.jurisdiction).order_by(Unit.id)).scalars().first()
    coordinator = db.execute(select(User).where(User.role == Role.coordinator).order_by(User.id)).scalars().first()
    projects = list(
        db.execute(
            select(Project)
            .where(
                Project.stage.in_((Stage.signed, Stage.landed, Stage.started)),
                Project.status != ProjectStatus.terminated,
                Project.is_confidential.is_(False),
            )
            .order_by(Project.id)
            .limit(len(PLANS))
        ).scalars()
    )
    if county is None or not projects:
        return False
    window = Unit(name=WINDOW[0], short_name=WINDOW[1], kind=UnitKind.department, tier=3, parent_id=county.id,
                  phone="0731-86000000", address="青山县政务服务中心一楼")  # fmt: skip
    db.add(window)
    db.flush()
    agent = _user(db, window.id, *AGENT)
    units = {u.short_name: u.id for u in db.execute(select(Unit)).scalars()}
    if DEPARTMENT_STAFF[2] in units:
        _user(db, units[DEPARTMENT_STAFF[2]], *DEPARTMENT_STAFF[:2])
    kinds = {k.code: k for k in db.execute(select(ApprovalKind)).scalars()}
    calendar = workdays.load_calendar(db)
    today = workdays.today()
    for project, plan in zip(projects, PLANS, strict=False):
        db.add(ProjectAgent(project_id=project.id, user_id=agent.id, assigned_on=_back(today, 45, calendar),
                            assigned_by_id=coordinator.id if coordinator else None))  # fmt: skip
        existing = {
            a.kind_id: a
            for a in db.execute(select(ProjectApproval).where(ProjectApproval.project_id == project.id)).scalars()
        }
        for code, status, ago, took in plan:
            kind = kinds.get(code)
            if kind is None:
                continue
            row = existing.get(kind.id) or ProjectApproval(project_id=project.id, kind_id=kind.id)
            row.department_unit_id = units.get(DEPARTMENTS[code])
            row.time_limit_days = kind.time_limit_days
            row.status = status
            if status is W:
                row.submitted_on = row.due_on = row.granted_on = None
            else:
                row.submitted_on = _back(today, ago, calendar)
                row.due_on = workdays.add_working_days(row.submitted_on, kind.time_limit_days, calendar)
                if status is S and code == "planning":  # the overdue one: its limit already past
                    row.due_on = _back(today, 3, calendar)
                row.granted_on = (
                    workdays.add_working_days(row.submitted_on, took, calendar) if took is not None else None
                )
                row.document_no = f"青{code[:2].upper()}〔{today.year}〕{project.id % 100:02d}号" if took else ""
            db.add(row)
            db.flush()
            if status is W:
                continue
            handovers = [(HandoverDirection.to_department, row.submitted_on, "申请表、项目备案证明、委托代办书")]
            if row.granted_on is not None:
                handovers.append((HandoverDirection.from_department, row.granted_on, "批复文件原件"))
            for direction, on, documents in handovers:
                db.add(
                    ApprovalHandover(
                        approval_id=row.id,
                        direction=direction,
                        department_unit_id=row.department_unit_id,
                        happened_on=on,
                        documents=documents,
                        recorded_by_id=agent.id,
                        recorded_at=utcnow(),
                    )
                )
            if code == "eia" and status is S:  # 容缺受理: a document accepted for later, now past its deadline
                deadline = _back(today, 1, calendar)
                db.add(ApprovalDeferredDocument(approval_id=row.id, name="排污许可证明（容缺后补）", deadline=deadline,
                                                recorded_by_id=agent.id))  # fmt: skip
    db.flush()
    return True
