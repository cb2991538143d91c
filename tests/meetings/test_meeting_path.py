"""Meetings through the service: the office schedules one, records it held (each unit's materials frozen as of the
meeting's day, so later figures do not rewrite them), and records decisions, each assigned as a supervised task
the owner unit hears of and whose source is the decision; only the office writes; a unit reads only the
meetings that concern it and of them only its own; a confidential project is named as projects.view decides.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid, NotFound
from app.models.meeting import MeetingStatus
from app.models.project import FundsStatus
from app.models.task import SupervisedTask, TaskSourceKind
from app.models.ticket import OutboxEvent
from app.policy import DeniedForbidden
from app.schemas.meetings import DecisionCreate, MeetingCreate, MeetingHold, MeetingUpdate
from app.schemas.tasks import TaskCreate
from app.services import meetings, tasks, workdays
from tests.meetings.conftest import SECRET_INVESTOR, SECRET_NAME, County, as_principal, set_target
from tests.projects.factories import make_funds
from tests.tasks.conftest import inbox
from tests.tasks.factories import make_task

TODAY = workdays.today()
YESTERDAY = TODAY - timedelta(days=1)


def schedule(db: Session, county: County, **values) -> int:
    data = {
        "kind": "dispatch",
        "title": "招商引资月度调度会",
        "held_on": YESTERDAY,
        "place": "县政府三楼会议室",
        "chair": "县长 王县长",
        "unit_ids": [county.town.id],
        "project_ids": [county.project.id, county.secret.id],
        "attendee_user_ids": [county.leader.id, county.head.id],
        "attendee_names": "县发改局局长 孙海涛",
        "summary": f"研究{SECRET_NAME}二期用地问题。",
    } | values
    meeting = meetings.create(db, as_principal(county.supervisor), MeetingCreate(**data))
    db.commit()
    return meeting.id


def test_materials_are_read_live_then_frozen_when_the_meeting_is_held(db: Session, county: County) -> None:
    set_target(db, county.town, YESTERDAY.year, "funds_domestic", 1000)
    make_funds(db, county.project, 300, arrived_on=YESTERDAY, status=FundsStatus.confirmed)
    make_task(db, county.town, due_on=YESTERDAY - timedelta(days=3), assigned_on=YESTERDAY - timedelta(days=20))
    db.commit()
    office = as_principal(county.supervisor)
    meeting_id = schedule(db, county)
    meeting = meetings.get(db, office, meeting_id)
    live = meetings.materials(db, office, meeting)[0]
    assert not live.frozen and live.data["funds_domestic"] == "300.00"
    assert [t["metric"] for t in live.data["targets"]] == ["funds_domestic"]
    assert live.data["overdue_tasks"] == 1 and live.data["open_tasks"] == 1
    assert {s["label"]: s["count"] for s in live.data["stages"]} == {"正式签约": 1, "开工": 1}

    meetings.hold(db, office, meeting_id, MeetingHold(version=meeting.version))
    db.commit()
    assert meeting.status is MeetingStatus.held and meeting.materials_as_of == YESTERDAY

    make_funds(db, county.project, 500, arrived_on=YESTERDAY, status=FundsStatus.confirmed)  # entered afterwards
    db.commit()
    frozen = meetings.materials(db, office, meetings.get(db, office, meeting_id))[0]
    assert frozen.frozen and frozen.data["funds_domestic"] == "300.00"  # what the meeting saw
    assert meetings.unit_materials(db, [county.town.id], YESTERDAY)[county.town.id]["funds_domestic"] == "800.00"


def test_a_decision_becomes_a_supervised_task_the_owner_hears_of(db: Session, county: County) -> None:
    office = as_principal(county.supervisor)
    meeting_id = schedule(db, county)
    meeting = meetings.get(db, office, meeting_id)
    with pytest.raises(Invalid, match="记录为已召开"):
        meetings.add_decision(
            db, office, meeting_id, DecisionCreate(content="先记决定", owner_unit_id=county.town.id, due_days=5)
        )
    meetings.hold(db, office, meeting_id, MeetingHold(version=meeting.version))
    content = f"由城关镇牵头解决{SECRET_NAME}二期用地两户补偿问题"
    data = DecisionCreate(content=content, owner_unit_id=county.town.id, owner_user_id=county.clerk.id, due_days=10)
    decision = meetings.add_decision(db, office, meeting_id, data)
    data = DecisionCreate(content="青石镇本月外出招商一次", owner_unit_id=county.other.id, due_days=20)
    second = meetings.add_decision(db, office, meeting_id, data)
    db.commit()
    assert (decision.number, second.number) == (1, 2)
    task = db.get(SupervisedTask, decision.task_id)
    assert task is not None and task.source_kind is TaskSourceKind.meeting and task.source_id == decision.id
    assert task.owner_unit_id == county.town.id and task.owner_user_id == county.clerk.id and task.due_days == 10
    assert task.source_ref.endswith("第 1 项") and "招商引资月度调度会" in task.source_ref
    assert SECRET_NAME not in task.title + task.content and "一号工程" in task.content  # the task names no secret
    assert any("督办" in t for t in inbox(db, county.clerk))
    assert not inbox(db, county.other_staff) or all("外出招商" in t for t in inbox(db, county.other_staff))
    events = db.execute(select(OutboxEvent.event_type).where(OutboxEvent.event_type == "meeting.decided")).all()
    assert len(events) == 2

    rows = meetings.decisions(db, office, meetings.get(db, office, meeting_id))
    assert [(r.decision.number, r.task.id if r.task else None) for r in rows] == [(1, task.id), (2, second.task_id)]
    # one task per decision: the task service refuses another for the same decision, and an unknown one
    data = TaskCreate(
        title="重复交办", content="同一决定事项", source_kind=TaskSourceKind.meeting, source_id=decision.id,
        source_ref="调度会第 1 项", owner_unit_id=county.town.id, due_days=5,
    )  # fmt: skip
    with pytest.raises(Invalid) as refused:
        tasks.assign(db, office, data)
    assert "已交办" in refused.value.errors["source_id"]
    with pytest.raises(Invalid) as refused:
        tasks.assign(db, office, data.model_copy(update={"source_id": 2_000_000_000}))
    assert refused.value.errors["source_id"] == "找不到该会议决定事项"
    db.rollback()


def test_only_the_office_schedules_and_records(db: Session, county: County) -> None:
    meeting_id = schedule(db, county)
    for user in (county.leader, county.clerk, county.head):
        with pytest.raises(DeniedForbidden):
            meetings.create(db, as_principal(user), MeetingCreate(kind="dispatch", title="调度会", held_on=TODAY))
        with pytest.raises(DeniedForbidden):
            meetings.hold(db, as_principal(user), meeting_id, MeetingHold(version=1))
    coordinator = as_principal(county.coordinator)
    meeting = meetings.get(db, coordinator, meeting_id)
    meetings.update(db, coordinator, meeting_id, MeetingUpdate(version=meeting.version, place="县委小会议室"))
    db.commit()
    with pytest.raises(Conflict):  # the version read before the change
        meetings.update(db, coordinator, meeting_id, MeetingUpdate(version=meeting.version - 1, place="别处"))
    db.rollback()


def test_holding_a_meeting_not_yet_held_is_refused(db: Session, county: County) -> None:
    office = as_principal(county.supervisor)
    meeting_id = schedule(db, county, held_on=TODAY + timedelta(days=3))
    with pytest.raises(Invalid, match="在今天之后"):
        meetings.hold(db, office, meeting_id, MeetingHold(version=1))
    with pytest.raises(Invalid) as refused:
        data = MeetingCreate(kind="onsite", title="现场办公会", held_on=TODAY, unit_ids=[2_000_000])
        meetings.create(db, office, data)
    assert refused.value.errors == {"unit_ids": "研究的单位不存在或已停用"}
    db.rollback()


def test_a_unit_reads_only_the_meetings_that_concern_it_and_only_its_own(db: Session, county: County) -> None:
    office = as_principal(county.supervisor)
    meeting_id = schedule(db, county)
    other_meeting = schedule(db, county, unit_ids=[county.other.id], project_ids=[], summary="")
    meeting = meetings.get(db, office, meeting_id)
    meetings.hold(db, office, meeting_id, MeetingHold(version=meeting.version))
    for content, unit in (("城关镇的事", county.town), ("青石镇的事", county.other)):
        meetings.add_decision(
            db, office, meeting_id, DecisionCreate(content=content, owner_unit_id=unit.id, due_days=5)
        )
    db.commit()

    town = as_principal(county.clerk)
    other = as_principal(county.other_staff)
    rows, total = meetings.list_meetings(db, town, meetings.MeetingFilter())
    assert [r.meeting.id for r in rows] == [meeting_id] and total == 1
    with pytest.raises(NotFound):
        meetings.get(db, town, other_meeting)
    # the other town owns a decision of the first meeting: it reads it, but only its decision and no materials
    rows, _ = meetings.list_meetings(db, other, meetings.MeetingFilter())
    assert {r.meeting.id for r in rows} == {meeting_id, other_meeting}
    seen = meetings.get(db, other, meeting_id)
    assert [r.content for r in meetings.decisions(db, other, seen)] == ["青石镇的事"]
    assert meetings.materials(db, other, seen) == []
    lists = meetings.row_of(db, other, seen).lists
    assert lists.projects == [] and lists.hidden_projects == 2
    # the town reads its own materials, and its confidential project by name
    mine = meetings.row_of(db, town, meetings.get(db, town, meeting_id))
    assert (county.secret.id, SECRET_NAME) in mine.lists.projects
    assert SECRET_NAME in mine.summary
    names = [p["name"] for p in meetings.materials(db, town, meetings.get(db, town, meeting_id))[0].projects]
    assert SECRET_NAME in names


def test_the_supervisor_sees_the_confidential_project_by_its_code_name(db: Session, county: County) -> None:
    office = as_principal(county.supervisor)
    meeting_id = schedule(db, county, title=f"{SECRET_NAME}现场办公会", kind="onsite")
    meeting = meetings.get(db, office, meeting_id)
    meetings.hold(db, office, meeting_id, MeetingHold(version=meeting.version))
    db.commit()
    row = meetings.row_of(db, office, meeting)
    shown = " ".join([row.title, row.summary, *(n for _i, n in row.lists.projects)])
    shown += " ".join(p["name"] for m in meetings.materials(db, office, meeting) for p in m.projects)
    assert SECRET_NAME not in shown and SECRET_INVESTOR not in shown and "【保密】一号工程" in shown
    coordinator = meetings.row_of(db, as_principal(county.coordinator), meeting)
    assert SECRET_NAME in coordinator.title


def test_a_unit_added_to_a_held_meeting_has_its_materials_frozen_too(db: Session, county: County) -> None:
    office = as_principal(county.supervisor)
    meeting_id = schedule(db, county)
    meeting = meetings.get(db, office, meeting_id)
    meetings.hold(db, office, meeting_id, MeetingHold(version=meeting.version))
    db.commit()
    meetings.update(
        db, office, meeting_id, MeetingUpdate(version=meeting.version, unit_ids=[county.town.id, county.other.id])
    )
    db.commit()
    assert all(m.frozen for m in meetings.materials(db, office, meeting))
    assert {m.unit_id for m in meetings.materials(db, office, meeting)} == {county.town.id, county.other.id}
    assert Decimal(meetings.materials(db, office, meeting)[0].data["funds_domestic"]) == 0


def test_minutes_sent_back_as_the_supervisor_saw_them_keep_the_confidential_name(db: Session, county: County) -> None:
    office = as_principal(county.supervisor)
    meeting_id = schedule(db, county)
    meeting = meetings.get(db, office, meeting_id)
    shown = meetings.row_of(db, office, meeting)
    assert SECRET_NAME not in shown.summary
    meetings.update(db, office, meeting_id, MeetingUpdate(version=meeting.version, summary=shown.summary, place="二楼"))
    db.commit()
    assert SECRET_NAME in meeting.summary and meeting.place == "二楼"


def test_a_withdrawn_task_is_not_in_the_units_materials(db: Session, county: County) -> None:
    from app.models.task import TaskStatus

    make_task(db, county.town, due_on=YESTERDAY - timedelta(days=3), assigned_on=YESTERDAY - timedelta(days=20))
    make_task(
        db, county.town, status=TaskStatus.cancelled,
        due_on=YESTERDAY - timedelta(days=3), assigned_on=YESTERDAY - timedelta(days=20),
    )  # fmt: skip
    db.commit()
    data = meetings.unit_materials(db, [county.town.id], YESTERDAY)[county.town.id]
    assert data["open_tasks"] == 1 and data["overdue_tasks"] == 1
