"""Factories for meetings and interviews (real rows, no mocks): a held meeting with its frozen materials and a
decision followed by its task; an interview with a promise followed by its task."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.interview import Interview, InterviewPromise
from app.models.meeting import Meeting, MeetingDecision, MeetingKind, MeetingProject, MeetingStatus, MeetingUnit
from app.models.project import Project
from app.models.task import TaskSourceKind
from app.models.unit import Unit
from app.services import meetings, workdays
from tests.tasks.factories import make_task

_counter = itertools.count(1)


def make_meeting(
    db: Session,
    unit: Unit,
    *,
    projects: Sequence[Project] = (),
    held: bool = True,
    decision: bool = True,
    **overrides: Any,
) -> Meeting:
    """A meeting discussing `unit` (and `projects`), held yesterday with the unit's materials frozen, with one
    decision for the unit and its task."""
    n = next(_counter)
    day = workdays.today() - timedelta(days=1)
    values: dict[str, Any] = {
        "kind": MeetingKind.dispatch,
        "title": f"测试调度会{n}",
        "held_on": day,
        "place": "县政府三楼会议室",
        "chair": "县长",
        "summary": "听取汇报。",
        "status": MeetingStatus.held if held else MeetingStatus.scheduled,
        "recorded_at": utcnow() if held else None,
        "materials_as_of": day if held else None,
    }
    values.update(overrides)
    meeting = Meeting(**values)
    db.add(meeting)
    db.flush()
    materials = meetings.unit_materials(db, [unit.id], day)[unit.id] if held else None
    db.add(MeetingUnit(meeting_id=meeting.id, unit_id=unit.id, materials=materials))
    db.add_all([MeetingProject(meeting_id=meeting.id, project_id=p.id) for p in projects])
    db.flush()
    if decision and held:
        row = MeetingDecision(meeting_id=meeting.id, number=1, content="限期完成补偿协议签订", owner_unit_id=unit.id,
                              due_days=10)  # fmt: skip
        db.add(row)
        db.flush()
        task = make_task(db, unit, source_kind=TaskSourceKind.meeting, source_id=row.id,
                         source_ref=f"{meeting.title}第 1 项")  # fmt: skip
        row.task_id = task.id
        db.flush()
    return meeting


def make_interview(db: Session, unit: Unit, *, promise: bool = True, **overrides: Any) -> Interview:
    values: dict[str, Any] = {
        "unit_id": unit.id,
        "held_on": workdays.today() - timedelta(days=2),
        "interviewer": "常务副县长",
        "interviewee": "镇长",
        "reasons": [{"code": "idle", "label": "长时间无进展", "detail": "三个月无进展"}],
        "findings": "线索跟进断档。",
    }
    values.update(overrides)
    interview = Interview(**values)
    db.add(interview)
    db.flush()
    if promise:
        row = InterviewPromise(interview_id=interview.id, number=1, content="一个月内外出招商一次",
                               owner_unit_id=unit.id, due_days=20)  # fmt: skip
        db.add(row)
        db.flush()
        task = make_task(db, unit, source_kind=TaskSourceKind.interview, source_id=row.id, source_ref="约谈承诺第 1 项")
        row.task_id = task.id
        db.flush()
    return interview
