"""Demo tickets in every state, some overdue and escalated, with the 2026 holiday calendar."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.project import Project
from app.models.ticket import CalendarDay, Ticket, TicketCategory, TicketEvent, TicketStatus, TicketUnit, Verdict
from app.models.unit import Unit
from app.models.user import Role, User
from app.services import tickets, workdays

PROBLEMS = [
    (
        "utilities",
        "厂区 10kV 线路迁改未完成",
        "设备计划下月进场，厂区内一条 10kV 线路需迁改，供电公司尚未排期。",
        "县工信局",
    ),
    ("land", "二期用地征收有两户未签协议", "二期 18 亩用地中两户对补偿标准有异议，影响场地平整。", "县自然资源局"),
    ("permits", "施工许可证办理卡在消防审查", "消防设计审查意见已整改，复审未安排。", "县住建局"),
    ("disputes", "周边村民阻工要求承揽土方", "施工队进场后有村民阻拦，要求承揽土方运输。", "城关镇"),
    ("hiring", "投产前需招普工 120 人", "计划两个月后投产，需要普工 120 人、技术工 20 人。", "县人社局"),
    ("financing", "流动资金贷款授信未落实", "企业申请 3000 万元流动资金贷款，银行授信审批慢。", "县财政局"),
    ("facilities", "园区道路和污水管网未接通", "厂区门口道路未硬化，污水管网未接入园区主管网。", "县交通局"),
    ("incentives", "约定的设备补贴未兑现", "合同约定设备投资补贴 200 万元，申报材料已交三个月。", "县财政局"),
    ("utilities", "天然气接入报装", "生产线需要天然气，报装后燃气公司未踏勘。", "县住建局"),
    ("permits", "环评批复等待时间较长", "环评报告书已受理，等待审批。", "县发改局"),
]
TZ = ZoneInfo("Asia/Shanghai")


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(Ticket.id).limit(1)).first():
        return False
    today = today or workdays.today()
    now = datetime.now(TZ)
    rng = random.Random(7)
    tickets.ensure_categories(db)
    if not db.execute(select(CalendarDay.day).limit(1)).first():
        for day, (is_workday, name) in workdays.DEMO_2026.items():
            db.add(CalendarDay(day=day, is_workday=is_workday, name=name))
    db.flush()
    calendar = workdays.load_calendar(db)
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    staff = {u.unit_id: u for u in db.execute(select(User).where(User.role == Role.unit_staff)).scalars()}
    for unit in units.values():  # each unit's head receives its escalations (in the demo: its clerk)
        if unit.id in staff and unit.head_user_id is None:
            unit.head_user_id = staff[unit.id].id
    categories = {c.code: c for c in db.execute(select(TicketCategory)).scalars()}
    landed = db.execute(select(Project).where(Project.landed_on.is_not(None)).order_by(Project.id)).scalars().all()
    plan = [
        TicketStatus.reported,
        TicketStatus.routed,
        TicketStatus.in_progress,
        TicketStatus.in_progress,
        TicketStatus.paused,
        TicketStatus.resolved,
        TicketStatus.closed,
        TicketStatus.closed,
        TicketStatus.closed,
        TicketStatus.in_progress,
        TicketStatus.routed,
        TicketStatus.closed,
    ]
    for index, project in enumerate(landed[: len(plan) * 2]):
        status = plan[index % len(plan)]
        code, title, description, handler_short = PROBLEMS[index % len(PROBLEMS)]
        category = categories[code]
        reporter = project.responsible_unit_id
        handler = units.get(handler_short) or next(iter(units.values()))
        reported_on = today - timedelta(days=rng.randint(3, 50))
        at = datetime.combine(reported_on, time(9, 30), tzinfo=TZ)
        clerk = staff.get(reporter)
        ticket = Ticket(
            project_id=project.id,
            investor_id=project.investor_id,
            category_id=category.id,
            title=title,
            description=description,
            proposed_handling="请牵头单位协调，限期解决。",
            reporter_unit_id=reporter,
            reported_by_id=clerk.id if clerk else None,
            reporter_label=clerk.display_name if clerk else "",
            status=TicketStatus.reported,
            created_at=at,
            updated_at=at,
        )
        db.add(ticket)
        db.flush()
        events = [
            TicketEvent(
                ticket_id=ticket.id,
                action="report",
                at=at,
                actor_label=ticket.reporter_label,
                actor_unit_id=reporter,
                note="请牵头单位协调，限期解决。",
            )
        ]
        if status is not TicketStatus.reported:
            routed_on = reported_on + timedelta(days=1)
            ticket.handling_unit_id = handler.id
            ticket.routed_on = routed_on
            overdue = index % 4 == 1
            days = category.default_days if not overdue else 2
            ticket.due_on = workdays.add_working_days(routed_on, days, calendar)
            ticket.status = TicketStatus.routed
            db.add(TicketUnit(ticket_id=ticket.id, unit_id=handler.id, is_lead=True))
            events.append(
                TicketEvent(
                    ticket_id=ticket.id,
                    action="route",
                    actor_label="陈志远(zsj_admin)",
                    at=at + timedelta(days=1),
                    data={"due_on": ticket.due_on.isoformat()},
                    note="请牵头单位限期办结，结果报招商局。",
                )
            )
            if status is not TicketStatus.routed:
                ticket.status = TicketStatus.in_progress
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id,
                        action="accept",
                        actor_label=handler.name,
                        actor_unit_id=handler.id,
                        at=at + timedelta(days=2),
                    )
                )
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id,
                        action="comment",
                        actor_label=handler.name,
                        actor_unit_id=handler.id,
                        at=at + timedelta(days=3),
                        note="已到现场对接，正在协调相关单位。",
                    )
                )
            if status is TicketStatus.paused:
                ticket.status = TicketStatus.paused
                ticket.paused_on = min(today, reported_on + timedelta(days=4))
                ticket.pause_reason = "等待企业补充提交设计图纸"
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id,
                        action="pause",
                        actor_label=handler.name,
                        actor_unit_id=handler.id,
                        at=datetime.combine(ticket.paused_on, time(10, 0), tzinfo=TZ),
                        note="等待企业补充提交设计图纸",
                    )
                )
            if status in (TicketStatus.resolved, TicketStatus.closed):
                ticket.status = TicketStatus.resolved
                ticket.resolution = "已协调完成，企业确认问题解决。"
                ticket.resolved_at = min(at + timedelta(days=rng.randint(3, 15)), now - timedelta(hours=2))
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id,
                        action="resolve",
                        actor_label=handler.name,
                        actor_unit_id=handler.id,
                        at=ticket.resolved_at,
                        note=ticket.resolution,
                    )
                )
            if status is TicketStatus.closed:
                ticket.status = TicketStatus.closed
                ticket.verdict = [Verdict.satisfied, Verdict.satisfied, Verdict.basically, Verdict.unsatisfied][
                    index % 4
                ]
                ticket.verdict_remark = (
                    "企业负责人电话回访" if ticket.verdict is not Verdict.unsatisfied else "企业认为办理偏慢"
                )
                ticket.closed_at = min((ticket.resolved_at or at) + timedelta(days=1), now - timedelta(hours=1))
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id,
                        action="close",
                        actor_label=ticket.reporter_label,
                        actor_unit_id=reporter,
                        at=ticket.closed_at,
                        note=ticket.verdict_remark,
                        data={"verdict": ticket.verdict.value},
                    )
                )
        db.add_all(events)
    db.flush()
    # overdue ones escalate exactly as the worker would have: a week ago to the handling unit's head,
    # and those still overdue since then on to the linked leader today
    earlier = today - timedelta(days=7)
    tickets.escalate_overdue(db, earlier)
    db.flush()
    for event in db.execute(select(TicketEvent).where(TicketEvent.action == "escalate_head")).scalars():
        event.at = datetime.combine(earlier, time(8, 30), tzinfo=TZ)
    tickets.escalate_overdue(db, today)
    db.flush()
    return True
