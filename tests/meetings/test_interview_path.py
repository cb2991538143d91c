"""Interviews through the service: units proposed by rule (no progress for N months, under the yellow line, a red
card), the office recording an interview a leader held, its promises each assigned as a supervised task the unit
hears of, and the counts and outcomes per unit the year's assessment reads (`interview_counts`). SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.models.lead import LeadStatus
from app.models.project import FundsStatus
from app.models.setting import AppSetting
from app.models.task import SupervisedTask, TaskSourceKind, TaskStatus
from app.models.ticket import OutboxEvent
from app.policy import DeniedForbidden
from app.schemas.interviews import InterviewCreate, PromiseCreate
from app.services import interviews
from tests.leads.factories import make_lead
from tests.meetings.conftest import SECRET_NAME, County, as_principal, set_target
from tests.projects.factories import make_funds
from tests.tasks.conftest import inbox

# a day in the middle of a month, so that the yellow line is judged as of the month end before it
TODAY = date(2026, 9, 15)
AS_OF = date(2026, 8, 31)


def codes(found: dict, unit_id: int) -> list[str]:
    return sorted(r.code for r in found.get(unit_id, []))


def test_units_are_proposed_by_rule(db: Session, county: County) -> None:
    for unit in (county.town, county.other):
        set_target(db, unit, 2026, "funds_domestic", 1000)
    # the town: funds confirmed in March (a result this year, far below the curve), nothing for months since
    make_funds(db, county.project, 100, arrived_on=date(2026, 3, 10), status=FundsStatus.confirmed)
    db.commit()
    found = interviews.reasons_by_unit(db, TODAY)
    assert codes(found, county.town.id) == ["below_yellow", "idle"]
    assert codes(found, county.other.id) == ["idle", "red_card"]  # nothing at all this year: the red card
    idle = next(r for r in found[county.town.id] if r.code == "idle")
    assert "2026-06-15 以来" in idle.detail and "3 个月" in idle.detail
    below = next(r for r in found[county.town.id] if r.code == "below_yellow")
    assert "截至 2026-08-31" in below.detail and "黄牌线 70" in below.detail

    # a new lead last week: the town is no longer idle; the setting moves the window
    make_lead(db, county.town, lead_date=TODAY - timedelta(days=7), status=LeadStatus.pending)
    db.commit()
    assert "idle" not in codes(interviews.reasons_by_unit(db, TODAY), county.town.id)
    db.add(AppSetting(key="interview_idle_months", value="7"))
    db.commit()
    idle = next(r for r in interviews.reasons_by_unit(db, TODAY)[county.other.id] if r.code == "idle")
    assert "2026-02-15 以来" in idle.detail and "7 个月" in idle.detail
    # a unit without any target this year is proposed for nothing
    assert county.bureau.id not in interviews.reasons_by_unit(db, TODAY)

    # the list: most reasons first; a unit's staff see only their own unit's proposal
    office = as_principal(county.supervisor)
    listed = interviews.proposals(db, office, TODAY)
    assert [p.unit_id for p in listed][:1] == [county.other.id]
    own = interviews.proposals(db, as_principal(county.clerk), TODAY)
    assert [p.unit_id for p in own] == [county.town.id]


def record(
    db: Session, county: County, held_on: date, promises: list[PromiseCreate] | None = None, today: date | None = None,
    **values,
):  # fmt: skip
    data = {
        "unit_id": county.town.id,
        "held_on": held_on,
        "interviewer": "常务副县长 王县长",
        "interviewer_user_id": county.leader.id,
        "findings": f"招商专干长期外出，{SECRET_NAME}跟进断档。",
        "promises": promises or [],
    } | values
    return interviews.record(db, as_principal(county.supervisor), InterviewCreate(**data), today=today or held_on)


def test_an_interview_and_its_promises_become_supervised_tasks(db: Session, county: County) -> None:
    set_target(db, county.town, 2026, "funds_domestic", 1000)
    db.commit()
    held_on = TODAY
    interview = record(
        db, county, held_on,
        [PromiseCreate(content="一个月内外出招商一次，报送有效线索 2 条", owner_user_id=county.clerk.id, due_days=20)],
    )  # fmt: skip
    db.commit()
    assert interview.interviewee == "城关镇镇长 赵明" and interview.interviewee_user_id == county.head.id
    assert [r["code"] for r in interview.reasons] == ["red_card", "idle"]
    assert "无新增线索" in interview.reason_note
    more = PromiseCreate(content="补齐项目台账", due_days=5)
    promise = interviews.add_promise(db, as_principal(county.coordinator), interview.id, more, today=held_on)
    db.commit()
    rows = interviews.promises(db, as_principal(county.clerk), interview, today=held_on)
    assert [r.promise.number for r in rows] == [1, 2] and promise.number == 2
    task = db.get(SupervisedTask, rows[0].promise.task_id)
    assert task is not None and task.source_kind is TaskSourceKind.interview and task.source_id == rows[0].promise.id
    assert task.owner_unit_id == county.town.id and task.owner_user_id == county.clerk.id
    assert "约谈" in task.source_ref and "第 1 项承诺" in task.source_ref
    assert any("督办" in t for t in inbox(db, county.clerk))
    assert db.execute(select(OutboxEvent.id).where(OutboxEvent.event_type == "interview.recorded")).all()
    # the town reads its own interview (its confidential project by name); another town does not see it
    assert SECRET_NAME in interviews.row_of(db, as_principal(county.clerk), interview).redact(interview.findings)
    hidden = interviews.row_of(db, as_principal(county.supervisor), interview).redact(interview.findings)
    assert SECRET_NAME not in hidden and "一号工程" in hidden
    with pytest.raises(NotFound):
        interviews.get(db, as_principal(county.other_staff), interview.id)
    rows_, total = interviews.list_interviews(db, as_principal(county.other_staff), interviews.InterviewFilter())
    assert (rows_, total) == ([], 0)


def test_recording_is_the_offices_and_checks_what_it_is_told(db: Session, county: County) -> None:
    for user in (county.leader, county.clerk):
        with pytest.raises(DeniedForbidden):
            interviews.record(
                db, as_principal(user),
                InterviewCreate(unit_id=county.town.id, held_on=TODAY, interviewer="县长", findings="无进展"),
                today=TODAY,
            )  # fmt: skip
    cases = [
        ({"held_on": TODAY + timedelta(days=1), "today": TODAY}, "held_on"),
        ({"interviewer_user_id": county.clerk.id}, "interviewer_user_id"),  # a unit's staff interviews nobody
        ({"unit_id": county.other.id}, "interviewee"),  # no head registered
        ({"promises": [PromiseCreate(content="承诺", owner_user_id=county.other_staff.id, due_days=5)]},
         "promises.0.owner_user_id"),
    ]  # fmt: skip
    for values, field in cases:
        with pytest.raises(Invalid) as refused:
            record(db, county, **({"held_on": TODAY} | values))
        assert field in refused.value.errors, (values, refused.value.errors)
    db.rollback()


def test_interview_counts_give_each_units_interviews_and_their_promises_outcomes(db: Session, county: County) -> None:
    first = record(
        db, county, date(2026, 3, 2),
        [PromiseCreate(content="按期办结的承诺", due_days=5), PromiseCreate(content="逾期的承诺", due_days=5)],
    )  # fmt: skip
    record(db, county, date(2026, 8, 3), [PromiseCreate(content="正在办理的承诺", due_days=30)])
    record(db, county, date(2025, 12, 1))  # another year
    db.commit()
    rows = interviews.promises(db, as_principal(county.supervisor), first)
    kept, late = (db.get(SupervisedTask, p.promise.task_id) for p in rows)
    kept.done_on, kept.status = kept.due_on, TaskStatus.closed
    late.status = TaskStatus.in_progress
    db.commit()
    counts = interviews.interview_counts(db, 2026, today=date(2026, 8, 10))
    assert counts == {county.town.id: interviews.InterviewTally(interviews=2, promises=3, kept=1, late=1, in_hand=1)}
    assert interviews.interview_counts(db, 2025, today=date(2026, 8, 10))[county.town.id].interviews == 1
    assert interviews.interview_counts(db, 2024) == {}


def test_a_promise_whose_task_the_office_withdrew_is_neither_kept_nor_owed(db: Session, county: County) -> None:
    first = record(
        db, county, date(2026, 3, 2),
        [PromiseCreate(content="撤销的承诺", due_days=5), PromiseCreate(content="按期办结的承诺", due_days=5)],
    )  # fmt: skip
    db.commit()
    rows = interviews.promises(db, as_principal(county.supervisor), first)
    withdrawn, kept = (db.get(SupervisedTask, p.promise.task_id) for p in rows)
    withdrawn.status = TaskStatus.cancelled
    kept.done_on, kept.status = kept.due_on, TaskStatus.closed
    db.commit()
    assert interviews.outcome(withdrawn, date(2026, 8, 10)) == "cancelled"
    assert interviews.OUTCOMES["cancelled"] == "已撤销"
    counts = interviews.interview_counts(db, 2026, today=date(2026, 8, 10))
    assert counts == {county.town.id: interviews.InterviewTally(interviews=1, promises=1, kept=1, late=0, in_hand=0)}
