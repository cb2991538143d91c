"""The demo county shows meetings and interviews: a dispatch meeting held with its materials frozen and its
decisions assigned as tasks, an on-site office meeting, a review still to come (materials read live), and an
interview with a promise tracked as a task; the proposals are the units the rule finds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.interview import Interview, InterviewPromise
from app.models.meeting import Meeting, MeetingDecision, MeetingKind, MeetingStatus, MeetingUnit
from app.models.task import SupervisedTask, TaskSourceKind
from app.models.user import Role
from app.principal import Principal
from app.services import demo, interviews


def test_the_demo_has_meetings_and_an_interview(db: Session) -> None:
    demo.load(db)
    kinds = {m.kind: m for m in db.execute(select(Meeting)).scalars()}
    assert set(kinds) == {MeetingKind.dispatch, MeetingKind.onsite, MeetingKind.review}
    assert kinds[MeetingKind.dispatch].status is MeetingStatus.held
    assert kinds[MeetingKind.review].status is MeetingStatus.scheduled
    frozen = db.execute(select(MeetingUnit).where(MeetingUnit.meeting_id == kinds[MeetingKind.dispatch].id)).scalars()
    assert all(row.materials and row.materials["targets"] for row in frozen)
    for decision in db.execute(select(MeetingDecision)).scalars():
        task = db.get(SupervisedTask, decision.task_id)
        assert task is not None and task.source_kind is TaskSourceKind.meeting and task.source_id == decision.id
    interview = db.execute(select(Interview)).scalar_one()
    promise = db.execute(select(InterviewPromise)).scalar_one()
    assert promise.interview_id == interview.id and promise.task_id and interview.reasons
    office = Principal(role=Role.supervisor, unit_id=None, label="督查室")
    proposed = [p.unit_name for p in interviews.proposals(db, office)]
    assert proposed and "青山县投资促进局（招商局）" not in proposed and "青山县委县政府督查室" not in proposed
