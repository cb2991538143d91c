"""Demo supervised tasks (督办事项): from a dispatch meeting, a leader's instruction, a ticket and a spot-check,
in every state, one overdue and escalated, one whose missed deadline the office moved, one reassigned to
another town, one cancelled; made through the service, as the office and the towns would."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.task import SupervisedTask, TaskSourceKind
from app.models.ticket import Ticket
from app.models.unit import Unit
from app.models.user import User
from app.principal import Principal
from app.schemas.tasks import TaskCancel, TaskCreate, TaskNoteIn, TaskReassign, TaskReschedule, TaskReview
from app.services import tasks, workdays

# (title, content, source kind, source ref, unit short name, working days, days ago assigned, steps)
TASKS = [
    (
        "协调解决储能电池项目二期用地两户补偿问题",
        "月度调度会议定：城关镇牵头，会同县自然资源局完成两户补偿协议签订，确保场地平整如期开工。",
        "meeting",
        "招商引资月度调度会第 3 项",
        "城关镇",
        10,
        30,
        ["progress"],  # overdue: escalates
    ),
    (
        "限期补报签约项目合同及佐证材料",
        "县长批示：对上季度签约项目逐一核实，缺少合同文本的限期补报。",
        "instruction",
        "县长批示〔2026〕12 号",
        "青石镇",
        5,
        4,
        ["progress", "submit"],  # awaiting review
    ),
    (
        "园区道路硬化和污水管网接通",
        "现场办公会议定：县交通局负责厂区门口道路硬化，月底前完成。",
        "meeting",
        "高新园现场办公会第 1 项",
        "县交通局",
        15,
        12,
        ["progress", "submit", "return"],  # returned
    ),
    (
        "落实外出招商计划，本月至少外出招商一次",
        "过堂会上河口镇承诺本月完成一次外出招商并报送线索。",
        "meeting",
        "双月过堂会",
        "河口镇",
        20,
        25,
        ["progress", "submit", "close"],  # closed
    ),
    (
        "整改到位资金登记与银行回单不符",
        "督查抽查发现到位资金登记金额与银行回单不一致，请核实更正并说明原因。",
        "manual",
        "",
        "桃源镇",
        8,
        1,
        [],  # just assigned
    ),
    (
        "督促企业补齐环评手续",
        "分管县长批示：督促企业补齐环评手续，确保项目按期开工。",
        "instruction",
        "分管县长批示〔2026〕18 号",
        "河口镇",
        5,
        20,
        ["progress", "reschedule"],  # went overdue; the office moved the deadline (the overdue is kept)
    ),
    (
        "清理闲置标准化厂房租赁合同",
        "月度调度会议定：清理闲置标准化厂房的租赁合同，腾出厂房用于新落地项目。",
        "meeting",
        "招商引资月度调度会第 5 项",
        "桃源镇",
        10,
        3,
        ["reassign:青石镇"],  # given to another town
    ),
    (
        "协调外资企业用电增容",
        "现场办公会议定：协调供电部门为外资企业办理用电增容。",
        "meeting",
        "经开区现场办公会第 2 项",
        "青石镇",
        10,
        6,
        ["cancel"],  # the investor withdrew
    ),
]


def _principal(user: User) -> Principal:
    return Principal(role=user.role, unit_id=user.unit_id, label=user.display_name, user_id=user.id)


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(SupervisedTask.id).limit(1)).first():
        return False
    today = today or workdays.today()
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    users = {u.username: u for u in db.execute(select(User)).scalars()}
    office = users.get("dcs_zhao")
    if office is None:
        return False
    staff = {u.unit_id: u for u in users.values() if u.role.value == "unit_staff"}
    for title, content, kind, ref, unit_name, days, ago, steps in TASKS:
        unit = units[unit_name]
        clerk = staff.get(unit.id)
        day = today - timedelta(days=ago)
        data = TaskCreate(
            title=title,
            content=content,
            source_kind=TaskSourceKind(kind),
            source_ref=ref,
            owner_unit_id=unit.id,
            owner_user_id=clerk.id if clerk else None,
            due_days=days,
        )
        task = tasks.assign(db, _principal(office), data, today=day)
        for step in steps:
            if step in ("progress", "submit") and clerk is not None:
                text = "已召开专题会，明确责任人和时间表。" if step == "progress" else "已按要求办结，佐证材料已上传。"
                tasks.add_note(
                    db, _principal(clerk), task.id, TaskNoteIn(version=task.version, action=step, note=text), today=day
                )
            elif step == "return":
                note = "道路已硬化，污水管网尚未接通，请继续办理。"
                tasks.review(
                    db, _principal(office), task.id, TaskReview(version=task.version, decision="return", note=note)
                )
            elif step == "close":
                tasks.review(
                    db, _principal(office), task.id, TaskReview(version=task.version, decision="close", note="同意销号")
                )
            elif step == "reschedule":
                data_r = TaskReschedule(version=task.version, due_days=10, reason="企业环评报告需重新送审，延期办理。")
                tasks.reschedule(db, _principal(office), task.id, data_r, today=today)
            elif step.startswith("reassign:") and step[9:] in units:
                target = units[step[9:]]
                other = staff.get(target.id)
                moved = TaskReassign(
                    version=task.version,
                    owner_unit_id=target.id,
                    owner_user_id=other.id if other else None,
                    reason="厂房产权属青石镇，经调度会研究改由青石镇牵头办理。",
                )
                tasks.reassign(db, _principal(office), task.id, moved)
            elif step == "cancel":
                tasks.cancel(
                    db, _principal(office), task.id, TaskCancel(version=task.version, reason="企业已撤回增资计划。")
                )
    ticket = db.execute(select(Ticket).where(Ticket.handling_unit_id.is_not(None)).limit(1)).scalar_one_or_none()
    if ticket is not None and ticket.handling_unit_id is not None:
        values = tasks.prefill(db, _principal(office), TaskSourceKind.ticket, ticket.id)
        tasks.assign(
            db,
            _principal(office),
            TaskCreate(
                title=values["title"],
                content=values["content"],
                source_kind=TaskSourceKind.ticket,
                source_id=ticket.id,
                source_ref=values["source_ref"],
                owner_unit_id=int(values["owner_unit_id"]),
                due_days=5,
            ),
            today=today - timedelta(days=3),
        )
    tasks.escalate_overdue(db, today)
    return True
