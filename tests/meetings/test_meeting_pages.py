"""The meeting and interview pages at work: the office schedules a dispatch meeting, records it held and records a
decision that becomes a task, whose page leads back to the meeting; the town reads its materials (printable) and
its decision, another town gets nothing; an interview is recorded from a proposal with a promise, and another
promise added; refusals keep what was typed, with and without htmx. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.interview import Interview, InterviewPromise
from app.models.meeting import Meeting, MeetingAttendee, MeetingDecision, MeetingStatus
from app.models.task import SupervisedTask
from app.services import workdays
from tests.conftest import csrf_from
from tests.meetings.conftest import SECRET_NAME, County, set_target, text_of

HX = {"HX-Request": "true"}
TODAY = workdays.today()


def hidden_of(page: str) -> dict[str, str]:
    key = page.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": csrf_from(page), "idempotency_key": key}


def test_a_dispatch_meeting_from_schedule_to_a_decisions_task(db: Session, county: County, signed_in) -> None:
    office = signed_in(county.supervisor)
    page = office.get("/meetings/new")
    assert page.status_code == 200 and "安排会议" in page.text
    form = hidden_of(page.text) | {
        "kind": "dispatch",
        "title": "12 月招商引资调度会",
        "held_on": (TODAY - timedelta(days=1)).isoformat(),
        "place": "县政府三楼会议室",
        "chair": "县长 王县长",
        "unit_ids": [str(county.town.id), str(county.other.id)],
        "attendee_user_ids": [str(county.leader.id)],
        "attendee_names": "县发改局局长 孙海涛",
        "summary": "听取两镇汇报。",
    }
    created = office.post("/meetings/new", data=form)
    assert created.status_code == 303
    meeting = db.execute(select(Meeting).order_by(Meeting.id.desc()).limit(1)).scalar_one()
    assert created.headers["location"] == f"/meetings/{meeting.id}?created=1"
    assert office.post("/meetings/new", data=form).headers["location"] == created.headers["location"]  # once

    shown = text_of(office.get(f"/meetings/{meeting.id}").text)
    assert "待召开" in shown and "会议已召开，冻结汇报材料" in shown and "王县长" in shown and "孙海涛" in shown
    # the edit form lists the towns' projects to tick
    edit = office.get(f"/meetings/{meeting.id}/edit").text
    assert "年产 5 万吨新型建材项目" in edit and "【保密】一号工程" in edit and SECRET_NAME not in edit
    hold = {"csrf_token": csrf_from(edit), "version": str(meeting.version)}
    held = office.post(f"/meetings/{meeting.id}/hold", data=hold)
    assert held.status_code == 303
    db.expire_all()
    assert db.get(Meeting, meeting.id).status is MeetingStatus.held  # type: ignore[union-attr]

    page = office.get(f"/meetings/{meeting.id}").text
    decided = office.post(
        f"/meetings/{meeting.id}/decisions",
        data={
            "csrf_token": csrf_from(page),
            "content": "城关镇牵头完成新型建材项目二期用地两户补偿协议签订",
            "owner_unit_id": str(county.town.id),
            "owner_user_id": str(county.clerk.id),
            "due_days": "10",
        },
        headers=HX,
    )
    assert decided.status_code == 200 and decided.headers["HX-Redirect"].startswith(f"/meetings/{meeting.id}?decided=1")
    decision = db.execute(select(MeetingDecision).where(MeetingDecision.meeting_id == meeting.id)).scalar_one()
    shown = text_of(office.get(f"/meetings/{meeting.id}").text)
    assert "第 1 项" in shown and f"督办事项 #{decision.task_id}" in shown and "待办理" in shown

    # the town: the task, its way back to the meeting, its own materials (printable), not the other town's
    town = signed_in(county.clerk)
    assert "城关镇牵头完成新型建材项目" in town.get("/tasks").text
    task_page = town.get(f"/tasks/{decision.task_id}").text
    assert f"/meetings/decisions/{decision.id}" in task_page and "会议决定" in task_page
    back = town.get(f"/meetings/decisions/{decision.id}")
    assert back.status_code == 303 and back.headers["location"] == f"/meetings/{meeting.id}#decision-1"
    mine = text_of(town.get(f"/meetings/{meeting.id}").text)
    assert "汇报材料（本单位）" in mine and "记录决定事项" not in mine and "会议已召开" not in mine
    printable = town.get(f"/meetings/{meeting.id}/units/{county.town.id}/materials")
    assert printable.status_code == 200 and "汇报材料" in printable.text and SECRET_NAME in printable.text
    assert town.get(f"/meetings/{meeting.id}/units/{county.other.id}/materials").status_code == 404
    assert "12 月招商引资调度会" in town.get("/meetings").text
    # another town was discussed too, but owns no decision: it reads the meeting, not the town's decision
    other = signed_in(county.other_staff)
    assert "城关镇牵头" not in other.get(f"/meetings/{meeting.id}").text
    assert other.get(f"/meetings/decisions/{decision.id}").status_code == 404
    # the supervisor's office reads the confidential project by its code name on the printable page
    assert SECRET_NAME not in office.get(f"/meetings/{meeting.id}/units/{county.town.id}/materials").text


@pytest.mark.parametrize("htmx", [False, True])
def test_a_refused_decision_keeps_what_was_typed(db: Session, county: County, signed_in, htmx: bool) -> None:
    office = signed_in(county.coordinator)
    meeting = Meeting(kind="onsite", title="高新园现场办公会", held_on=TODAY, status=MeetingStatus.held)
    db.add(meeting)
    db.commit()
    page = office.get(f"/meetings/{meeting.id}").text
    sent = office.post(
        f"/meetings/{meeting.id}/decisions",
        data={"csrf_token": csrf_from(page), "content": "县交通局负责厂区道路硬化",
              "owner_unit_id": str(county.town.id), "owner_user_id": str(county.other_staff.id), "due_days": "15"},
        headers=HX if htmx else {},
    )  # fmt: skip
    assert sent.status_code == 422
    assert "责任人须为责任单位在岗的工作人员" in sent.text and "县交通局负责厂区道路硬化" in sent.text
    assert db.execute(select(SupervisedTask.id)).all() == [] and db.execute(select(MeetingDecision.id)).all() == []
    bad = office.post("/meetings/new", data=hidden_of(office.get("/meetings/new").text) | {
        "kind": "dispatch", "title": "调", "held_on": TODAY.isoformat(), "place": "三楼会议室"})  # fmt: skip
    assert bad.status_code == 422 and "至少 2 个字符" in bad.text and 'value="三楼会议室"' in bad.text


def test_units_and_leaders_do_not_schedule(county: County, signed_in) -> None:
    for user in (county.clerk, county.leader):
        client = signed_in(user)
        assert client.get("/meetings/new").status_code == 403
        assert client.get("/interviews/new").status_code == 403
        assert "安排会议" not in client.get("/meetings").text


def test_an_interview_from_a_proposal_with_its_promises(db: Session, county: County, signed_in) -> None:
    set_target(db, county.town, TODAY.year if TODAY.month > 1 else TODAY.year - 1, "funds_domestic", 1000)
    db.commit()
    office = signed_in(county.supervisor)
    listed = text_of(office.get("/interviews").text)
    assert "建议约谈的单位" in listed and "城关镇" in listed and "长时间无进展" in listed
    page = office.get(f"/interviews/new?unit_id={county.town.id}").text
    assert 'value="城关镇镇长 赵明"' in page and "无新增线索" in page
    form = hidden_of(page) | {
        "unit_id": str(county.town.id),
        "held_on": TODAY.isoformat(),
        "interviewer": "常务副县长 王县长",
        "interviewer_user_id": str(county.leader.id),
        "interviewee": "城关镇镇长 赵明",
        "findings": "招商专干长期外出，线索跟进断档。",
        "promise_content": "一个月内外出招商一次",
        "promise_owner_user_id": str(county.clerk.id),
        "promise_due_days": "20",
    }
    refused = office.post("/interviews/new", data=form | {"promise_due_days": "0"})
    assert refused.status_code == 422 and "不能小于 1" in refused.text and "一个月内外出招商一次" in refused.text
    created = office.post("/interviews/new", data=form)
    assert created.status_code == 303
    interview = db.execute(select(Interview).order_by(Interview.id.desc()).limit(1)).scalar_one()
    page = office.get(f"/interviews/{interview.id}").text
    assert "一个月内外出招商一次" in text_of(page) and "长时间无进展" in page
    added = office.post(
        f"/interviews/{interview.id}/promises",
        data={"csrf_token": csrf_from(page), "content": "补齐干部招商台账", "due_days": "5"},
    )
    assert added.status_code == 303 and added.headers["location"].endswith("#promise-2")
    promises = db.execute(select(InterviewPromise).where(InterviewPromise.interview_id == interview.id)).scalars().all()
    assert len(promises) == 2 and all(p.task_id for p in promises)

    town = signed_in(county.clerk)
    task_page = town.get(f"/tasks/{promises[0].task_id}").text
    assert f"/interviews/promises/{promises[0].id}" in task_page and "约谈承诺" in task_page
    back = town.get(f"/interviews/promises/{promises[0].id}")
    assert back.headers["location"] == f"/interviews/{interview.id}#promise-1"
    assert "城关镇" in town.get("/interviews").text
    assert signed_in(county.other_staff).get(f"/interviews/{interview.id}").status_code == 404


def test_the_edit_form_empties_a_list_with_nothing_ticked(db: Session, county: County, signed_in) -> None:
    office = signed_in(county.coordinator)
    meeting = Meeting(kind="review", title="双月过堂会", held_on=TODAY + timedelta(days=3), place="常委会议室")
    db.add(meeting)
    db.commit()
    db.add(MeetingAttendee(meeting_id=meeting.id, user_id=county.leader.id))
    db.commit()
    page = office.get(f"/meetings/{meeting.id}/edit").text
    assert f'value="{county.leader.id}" checked' in page
    sent = office.post(
        f"/meetings/{meeting.id}/edit",
        data={"csrf_token": csrf_from(page), "version": str(meeting.version), "kind": "review", "title": "双月过堂会",
              "held_on": meeting.held_on.isoformat(), "place": "常委会议室"},
    )  # fmt: skip
    assert sent.status_code == 303
    assert db.execute(select(MeetingAttendee.id).where(MeetingAttendee.meeting_id == meeting.id)).all() == []
