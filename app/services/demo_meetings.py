"""Demo meetings and interviews: a monthly dispatch meeting held with its decisions assigned as supervised tasks, an
on-site office meeting at the high-tech park, a bi-monthly review (过堂) still to come, and an interview of a
lagging unit with its promise; made through the services, as the supervisor's office would."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.meeting import Meeting, MeetingKind
from app.models.project import Project, ProjectStatus
from app.models.unit import Unit
from app.models.user import User
from app.principal import Principal
from app.schemas.interviews import InterviewCreate, PromiseCreate
from app.schemas.meetings import DecisionCreate, MeetingCreate, MeetingHold
from app.services import interviews, meetings, workdays


def _principal(user: User) -> Principal:
    return Principal(role=user.role, unit_id=user.unit_id, label=user.display_name, user_id=user.id)


def _largest(db: Session, unit: Unit) -> list[int]:
    row = db.execute(
        select(Project.id)
        .where(Project.responsible_unit_id == unit.id, Project.status == ProjectStatus.active)
        .order_by(Project.contract_investment.desc(), Project.id)
        .limit(1)
    ).first()
    return [row[0]] if row else []


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(Meeting.id).limit(1)).first():
        return False
    today = today or workdays.today()
    units = {u.short_name: u for u in db.execute(select(Unit)).scalars()}
    users = {u.username: u for u in db.execute(select(User)).scalars()}
    office = users.get("dcs_zhao")
    if office is None:
        return False
    who = _principal(office)
    staff = {u.unit_id: u for u in users.values() if u.role.value == "unit_staff"}
    leaders = [users[name].id for name in ("leader_wang", "dcs_zhao", "zsj_admin") if name in users]

    # the monthly dispatch meeting, held twelve days ago, with three decisions
    towns = [units[n] for n in ("城关镇", "青石镇", "河口镇") if n in units]
    held_on = today - timedelta(days=12)
    dispatch = meetings.create(
        db,
        who,
        MeetingCreate(
            kind=MeetingKind.dispatch,
            title=f"{held_on.year} 年 {held_on.month} 月招商引资工作调度会",
            held_on=held_on,
            place="县政府三楼会议室",
            chair="县长 王建国",
            attendee_user_ids=leaders,
            attendee_names="县发改局局长 孙海涛、县自然资源局副局长 钱立新、各乡镇分管负责同志",
            unit_ids=[u.id for u in towns],
            project_ids=[pid for u in towns for pid in _largest(db, u)],
            summary="听取城关镇、青石镇、河口镇招商引资目标完成情况汇报，逐一研究重点项目推进中的用地、"
            "用电和融资问题，明确责任单位和办结时限。",
        ),
    )
    meetings.hold(db, who, dispatch.id, MeetingHold(version=dispatch.version), today=held_on)
    decisions = [
        ("城关镇", "城关镇牵头，会同县自然资源局完成重点项目二期用地两户补偿协议签订，确保场地平整如期开工。", 10),
        ("青石镇", "青石镇本月至少外出招商一次，赴长三角对接两家意向企业，报送有效线索不少于 2 条。", 15),
        ("县自然资源局", "县自然资源局加快重点项目用地组卷报批，每周向调度办报告进度。", 20),
    ]
    for name, content, days in decisions:
        unit = units.get(name)
        if unit is None:
            continue
        clerk = staff.get(unit.id)
        meetings.add_decision(
            db,
            who,
            dispatch.id,
            DecisionCreate(
                content=content, owner_unit_id=unit.id, owner_user_id=clerk.id if clerk else None, due_days=days
            ),
            today=held_on,
        )

    # an on-site office meeting at the high-tech park, eight days ago
    park = units.get("高新园招商局")
    if park is not None:
        day = today - timedelta(days=8)
        onsite = meetings.create(
            db,
            who,
            MeetingCreate(
                kind=MeetingKind.onsite,
                title="高新园重点项目现场办公会",
                held_on=day,
                place="青山高新技术产业园项目现场",
                chair="常务副县长 周立群",
                attendee_user_ids=leaders,
                attendee_names="县交通局、县住建局、县供电公司负责同志",
                unit_ids=[park.id],
                project_ids=_largest(db, park),
                summary="现场查看在建项目，协调厂区道路硬化、污水管网接通和临时用电问题。",
            ),
        )
        meetings.hold(db, who, onsite.id, MeetingHold(version=onsite.version), today=day)
        traffic = units.get("县交通局")
        if traffic is not None:
            meetings.add_decision(
                db,
                who,
                onsite.id,
                DecisionCreate(
                    content="县交通局负责厂区门口道路硬化，月底前完成。", owner_unit_id=traffic.id, due_days=15
                ),
                today=day,
            )

    # the bi-monthly review (过堂) of the towns and subdistricts, in five days: its materials are read live
    reviewed = [
        units[n] for n in ("城关镇", "青石镇", "河口镇", "桃源镇", "白云乡", "东城街道", "西城街道") if n in units
    ]
    meetings.create(
        db,
        who,
        MeetingCreate(
            kind=MeetingKind.review,
            title=f"{today.year} 年第 {(today.month + 1) // 2} 次招商引资双月过堂会",
            held_on=today + timedelta(days=5),
            place="县委常委会议室",
            chair="县委书记",
            unit_ids=[u.id for u in reviewed],
        ),
    )

    # an interview of a lagging unit (the first proposed, else 白云乡), three days ago, with its promise
    proposed = interviews.proposals(db, who, today)
    target = units.get("白云乡")
    if proposed:
        target = db.get(Unit, proposed[0].unit_id)
    if target is not None:
        clerk = staff.get(target.id)
        day = today - timedelta(days=3)
        interviews.record(
            db,
            who,
            InterviewCreate(
                unit_id=target.id,
                held_on=day,
                place="县委督查室会议室",
                interviewer="县委常委、常务副县长 王建国；县委督查室主任 赵文静",
                interviewer_user_id=users["leader_wang"].id if "leader_wang" in users else None,
                interviewee=f"{target.short_name}主要负责人",
                findings="主要负责人对招商工作重视不够，专职招商人员长期借调，已掌握的线索没有专人跟进，"
                "三个月来无新项目推进、无资金到位。",
                promises=[
                    PromiseCreate(
                        content="一个月内由主要负责人带队外出招商一次，报送有效线索不少于 2 条。",
                        owner_user_id=clerk.id if clerk else None,
                        due_days=20,
                    )
                ],
            ),
            today=day,
        )
    return True
