"""Demo approvals after signing (审批事项, issue 22): the catalogue's departments (发改局 for 立项/备案 and 能评,
自然资源局 for 用地预审 and 规划, 住建局 for 消防 and 施工许可; 环评 and 安评 left for the bureau to name), the
approvals of the projects at 正式签约 or 落户注册, and on the first of them a granted 立项/备案, 环评 and 安评
running in parallel (环评 with a 容缺 document), and an overdue 能评."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.approval import ApprovalDeferredDocument, ApprovalKind, ApprovalStatus, ProjectApproval
from app.models.project import Project, ProjectStatus, Stage
from app.models.unit import Unit
from app.services import approvals, workdays

DEPARTMENTS = {
    "filing": "县发改局",
    "energy": "县发改局",
    "land_prereview": "县自然资源局",
    "planning": "县自然资源局",
    "fire": "县住建局",
    "construction": "县住建局",
}


def load(db: Session) -> bool:
    if db.execute(select(ProjectApproval.id).limit(1)).first() is not None:
        return False
    units = {
        u.short_name: u.id
        for u in db.execute(select(Unit).where(Unit.short_name.in_(set(DEPARTMENTS.values())))).scalars()
    }
    for kind in db.execute(select(ApprovalKind)).scalars():
        if kind.department_unit_id is None and DEPARTMENTS.get(kind.code) in units:
            kind.department_unit_id = units[DEPARTMENTS[kind.code]]
    db.flush()
    signed = db.execute(
        select(Project)
        .where(Project.stage.in_([Stage.signed, Stage.landed]), Project.status == ProjectStatus.active)
        .order_by(Project.id)
    ).scalars().all()  # fmt: skip
    if not signed:
        return False
    approvals.generate_many(db, signed)
    first = signed[0]
    rows = {
        code: row
        for code, row in db.execute(
            select(ApprovalKind.code, ProjectApproval)
            .join(ProjectApproval, ProjectApproval.kind_id == ApprovalKind.id)
            .where(ProjectApproval.project_id == first.id)
        ).tuples()
    }
    today = workdays.today()
    calendar = workdays.load_calendar(db)

    def submitted(row: ProjectApproval, days_ago: int) -> None:
        row.status = ApprovalStatus.submitted
        row.submitted_on = today - timedelta(days=days_ago)
        row.due_on = workdays.add_working_days(row.submitted_on, row.time_limit_days, calendar)

    if "filing" in rows:
        submitted(rows["filing"], 50)
        rows["filing"].status = ApprovalStatus.granted
        rows["filing"].granted_on = today - timedelta(days=47)
        rows["filing"].document_no = "青发改备〔2026〕36号"
        for code in ("land_prereview", "eia", "safety", "energy"):
            if code in rows:
                rows[code].status = ApprovalStatus.ready
    for code, days_ago in (("eia", 10), ("safety", 8), ("energy", 45)):
        if code in rows:
            submitted(rows[code], days_ago)
    if "eia" in rows:
        db.flush()
        db.add(ApprovalDeferredDocument(approval_id=rows["eia"].id, name="环境影响评价公众参与说明",
                                        deadline=today + timedelta(days=10)))  # fmt: skip
    db.flush()
    return True
