"""The office's three operations on a supervised task: reassign it to another unit or person (改派), move its
deadline to a number of working days from today (调整期限), cancel it (撤销). Each needs a reason, is in the
timeline and the audit trail, tells the owner, is the office's alone, and keeps a deadline already missed so
that it still counts in the assessment. Through the service, the task page's forms and the API, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models.audit import AuditEntry
from app.models.task import SupervisedTask, TaskNote, TaskStatus
from app.models.ticket import OutboxEvent
from app.schemas.tasks import TaskCancel, TaskNoteIn, TaskReassign, TaskReschedule
from app.scopes import TokenRole
from app.services import tasks, workdays
from tests.conftest import csrf_from
from tests.factories import bearer, make_token, make_user
from tests.tasks.conftest import County, actions, as_principal, inbox
from tests.tasks.factories import make_task
from tests.tasks.test_task_path import D, assign, note

HX = {"HX-Request": "true"}


def outbox(db: Session) -> list[str]:
    return list(db.execute(select(OutboxEvent.event_type).order_by(OutboxEvent.id)).scalars())


def last_note(db: Session, task: SupervisedTask) -> str:
    db.expire_all()
    return db.execute(
        select(TaskNote.note).where(TaskNote.task_id == task.id).order_by(TaskNote.id.desc()).limit(1)
    ).scalar_one()


# --- 改派 -----------------------------------------------------------------------------------------


def test_reassigning_gives_the_task_to_the_new_unit_and_tells_both(db: Session, county: County) -> None:
    task = assign(db, county)  # the town's, its clerk's, due 2026-10-08
    note(db, county.clerk, task)  # in progress
    newcomer = make_user(db, county.other, display_name="孙新责")
    data = TaskReassign(
        version=task.version, owner_unit_id=county.other.id, owner_user_id=newcomer.id, reason="改由青石镇牵头办理"
    )
    tasks.reassign(db, as_principal(county.supervisor), task.id, data)
    db.refresh(task)
    assert (task.owner_unit_id, task.owner_user_id) == (county.other.id, newcomer.id)
    assert task.status is TaskStatus.open and task.due_on == D("2026-10-08")  # the deadline stays
    assert actions(db, task.id)[-1] == "reassign"
    text = last_note(db, task)
    assert "改派至" in text and "孙新责" in text and "理由：改由青石镇牵头办理" in text
    assert inbox(db, newcomer)[-1] == f"督办事项改派给你：{task.title}"
    assert inbox(db, county.clerk)[-1] == f"督办事项已改派他人：{task.title}"
    assert outbox(db)[-1] == "task.reassigned"
    changed = db.execute(
        select(AuditEntry.changes).where(
            AuditEntry.entity == "supervised_task", AuditEntry.entity_id == str(task.id), AuditEntry.action == "update"
        )
    ).scalars()
    assert any("owner_unit_id" in c for c in changed)
    with pytest.raises(NotFound):  # the town no longer sees it
        tasks.get(db, as_principal(county.clerk), task.id)
    assert tasks.get(db, as_principal(newcomer), task.id).id == task.id


def test_reassigning_is_the_offices_and_needs_a_change_and_a_reason(db: Session, county: County) -> None:
    task = assign(db, county)
    same = TaskReassign(
        version=task.version, owner_unit_id=county.town.id, owner_user_id=county.clerk.id, reason="无需改"
    )
    with pytest.raises(Invalid) as refused:
        tasks.reassign(db, as_principal(county.supervisor), task.id, same)
    assert "与现在相同" in refused.value.errors["owner_unit_id"]
    other = TaskReassign(version=task.version, owner_unit_id=county.other.id, reason="改由青石镇牵头")
    for user in (county.clerk, county.head, county.leader):
        with pytest.raises(Forbidden):
            tasks.reassign(db, as_principal(user), task.id, other)
    wrong_person = TaskReassign(
        version=task.version, owner_unit_id=county.other.id, owner_user_id=county.clerk.id, reason="改派"
    )
    with pytest.raises(Invalid) as refused:
        tasks.reassign(db, as_principal(county.coordinator), task.id, wrong_person)
    assert refused.value.errors == {"owner_user_id": "责任人须为责任单位在岗的工作人员"}
    with pytest.raises(ValueError, match=r"reason"):
        TaskReassign(version=task.version, owner_unit_id=county.other.id, reason="")
    stale = TaskReassign(version=task.version + 5, owner_unit_id=county.other.id, reason="改由青石镇牵头")
    with pytest.raises(Conflict):
        tasks.reassign(db, as_principal(county.supervisor), task.id, stale)
    done = make_task(db, county.town, status=TaskStatus.closed)
    with pytest.raises(Invalid) as refused:
        tasks.reassign(db, as_principal(county.supervisor), done.id, other.model_copy(update={"version": 1}))
    assert "不能改派" in refused.value.errors["owner_unit_id"]


# --- 调整期限 --------------------------------------------------------------------------------------


def test_moving_an_overdue_deadline_keeps_the_overdue_on_record(db: Session, county: County) -> None:
    task = assign(db, county)  # due 2026-10-08 (Thursday)
    assert tasks.overdue_counts(db, D("2026-10-01"), D("2026-10-31"), today=D("2026-10-12")) == {county.town.id: 1}
    data = TaskReschedule(version=task.version, due_days=5, reason="两户补偿须经常务会研究")
    tasks.reschedule(db, as_principal(county.supervisor), task.id, data, today=D("2026-10-12"))
    db.refresh(task)
    # five working days from Monday 10-12: Tue 13, Wed 14, Thu 15, Fri 16, Mon 19
    assert task.due_on == D("2026-10-19") and task.due_days == 5
    assert task.missed_due_on == D("2026-10-08") and task.overdue_since == D("2026-10-12")
    assert task.escalation_level == 0
    text = last_note(db, task)
    assert "期限由 2026-10-08 调整为 2026-10-19" in text and "逾期记录保留" in text and "理由：两户补偿" in text
    assert inbox(db, county.clerk)[-1] == f"督办事项期限调整为 2026-10-19：{task.title}"
    assert outbox(db)[-1] == "task.rescheduled"
    # the missed deadline still counts for October, though the new one is not yet passed
    assert tasks.overdue_counts(db, D("2026-10-01"), D("2026-10-31"), today=D("2026-10-13")) == {county.town.id: 1}
    _rows, total = tasks.list_tasks(
        db, as_principal(county.clerk), tasks.TaskFilter(overdue=True), today=D("2026-10-13")
    )
    assert total == 0  # no longer overdue on the list
    # moving it again keeps the first deadline missed
    again = TaskReschedule(version=task.version, due_days=2, reason="再延两日")
    tasks.reschedule(db, as_principal(county.coordinator), task.id, again, today=D("2026-10-21"))
    assert task.missed_due_on == D("2026-10-08")


def test_moving_a_deadline_in_time_leaves_no_overdue(db: Session, county: County) -> None:
    task = assign(db, county)
    data = TaskReschedule(version=task.version, due_days=10, reason="任务量增加")
    tasks.reschedule(db, as_principal(county.supervisor), task.id, data, today=D("2026-09-30"))
    assert task.missed_due_on is None and "逾期" not in last_note(db, task)
    assert tasks.overdue_counts(db, D("2026-09-01"), D("2026-12-31"), today=D("2026-10-20")) == {}
    with pytest.raises(Forbidden):
        tasks.reschedule(db, as_principal(county.clerk), task.id, data.model_copy(update={"version": task.version}))
    with pytest.raises(ValueError):
        TaskReschedule(version=task.version, due_days=0, reason="无期限")


# --- 撤销 -----------------------------------------------------------------------------------------


def test_cancelling_is_the_offices_and_stops_the_task(db: Session, county: County) -> None:
    task = assign(db, county)
    for user in (county.clerk, county.head, county.leader, county.other_staff):
        with pytest.raises((Forbidden, NotFound)):
            tasks.cancel(db, as_principal(user), task.id, TaskCancel(version=task.version, reason="不再办理"))
    data = TaskCancel(version=task.version, reason="企业撤资")
    tasks.cancel(db, as_principal(county.supervisor), task.id, data, today=D("2026-09-30"))
    db.refresh(task)
    assert task.status is TaskStatus.cancelled and task.missed_due_on is None
    assert actions(db, task.id)[-1] == "cancel" and last_note(db, task) == "理由：企业撤资"
    assert inbox(db, county.clerk)[-1] == f"督办事项已撤销：{task.title}"
    assert outbox(db)[-1] == "task.cancelled"
    assert tasks.escalate_overdue(db, today=D("2026-12-01")) == 0  # a cancelled task never goes up
    assert tasks.overdue_counts(db, D("2026-01-01"), D("2026-12-31"), today=D("2026-12-01")) == {}
    with pytest.raises(Invalid):  # nothing more to report on it
        tasks.add_note(
            db, as_principal(county.clerk), task.id, TaskNoteIn(version=task.version, action="progress", note="继续")
        )
    with pytest.raises(Invalid) as refused:  # nor to cancel twice
        tasks.cancel(db, as_principal(county.supervisor), task.id, TaskCancel(version=task.version, reason="再撤"))
    assert refused.value.errors == {"reason": "督办事项当前为“已撤销”，不能撤销"}
    rows, total = tasks.list_tasks(db, as_principal(county.clerk), tasks.TaskFilter(status=TaskStatus.cancelled))
    assert total == 1 and rows[0].light == "grey"


def test_cancelling_an_overdue_task_keeps_its_overdue(db: Session, county: County) -> None:
    task = assign(db, county)  # due 2026-10-08
    data = TaskCancel(version=task.version, reason="已由上级统筹解决")
    tasks.cancel(db, as_principal(county.coordinator), task.id, data, today=D("2026-10-15"))
    assert task.missed_due_on == D("2026-10-08") and "撤销时已逾期" in last_note(db, task)
    assert tasks.overdue_counts(db, D("2026-10-01"), D("2026-10-31"), today=D("2026-11-02")) == {county.town.id: 1}


def test_a_late_report_sent_back_keeps_its_overdue(db: Session, county: County) -> None:
    task = assign(db, county)  # due 2026-10-08
    note(db, county.clerk, task, "submit", "已办结", today=D("2026-10-12"))  # late
    from tests.tasks.test_task_path import review

    review(db, county.supervisor, task, "return", "缺少凭证", today=D("2026-10-13"), due_days=3)
    assert task.missed_due_on == D("2026-10-08")
    assert tasks.overdue_counts(db, D("2026-10-01"), D("2026-10-31"), today=D("2026-10-14")) == {county.town.id: 1}


# --- the task page's forms -------------------------------------------------------------------------


def _office_task(db: Session, county: County) -> SupervisedTask:
    task = make_task(db, county.town, owner_user_id=county.clerk.id, due_on=date(2100, 1, 4))
    db.commit()
    return task


@pytest.mark.parametrize("htmx", [False, True])
def test_the_forms_refuse_without_a_reason_and_keep_what_was_typed(
    db: Session, county: County, signed_in, htmx: bool
) -> None:
    task = _office_task(db, county)
    office = signed_in(county.supervisor)
    page = office.get(f"/tasks/{task.id}")
    assert page.status_code == 200
    for form in ("reassign-form", "reschedule-form", "cancel-form"):
        assert f'id="{form}"' in page.text
    token = csrf_from(page.text)
    headers = HX if htmx else {}
    refused = office.post(
        f"/tasks/{task.id}/reschedule",
        data={"csrf_token": token, "version": str(task.version), "due_days": "7", "reason": ""},
        headers=headers,
    )
    assert refused.status_code == 422
    assert 'id="e-reason"' in refused.text and "至少" in refused.text
    assert 'value="7"' in refused.text  # what was typed is kept
    wrong = office.post(
        f"/tasks/{task.id}/reassign",
        data={"csrf_token": token, "version": str(task.version), "owner_unit_id": "", "reason": "改派青石镇"},
        headers=headers,
    )
    assert wrong.status_code == 422 and 'id="e-owner_unit_id"' in wrong.text and "改派青石镇" in wrong.text
    db.expire_all()
    assert db.get(SupervisedTask, task.id).status is TaskStatus.open  # type: ignore[union-attr]


def test_the_office_reschedules_reassigns_and_cancels_on_the_page(db: Session, county: County, signed_in) -> None:
    task = _office_task(db, county)
    office = signed_in(county.coordinator)
    token = csrf_from(office.get(f"/tasks/{task.id}").text)
    moved = office.post(
        f"/tasks/{task.id}/reschedule",
        data={"csrf_token": token, "version": str(task.version), "due_days": "3", "reason": "按调度会意见"},
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"/tasks/{task.id}"
    db.expire_all()
    task = db.get(SupervisedTask, task.id)  # type: ignore[assignment]
    calendar = workdays.load_calendar(db)
    assert task.due_on == workdays.add_working_days(workdays.today(), 3, calendar)
    colleague = county.colleague
    handed = office.post(
        f"/tasks/{task.id}/reassign",
        data={
            "csrf_token": token,
            "version": str(task.version),
            "owner_unit_id": str(county.town.id),
            "owner_user_id": str(colleague.id),
            "reason": "换由刘建军负责",
        },
    )
    assert handed.status_code == 303
    db.expire_all()
    task = db.get(SupervisedTask, task.id)  # type: ignore[assignment]
    assert task.owner_user_id == colleague.id
    cancelled = office.post(
        f"/tasks/{task.id}/cancel", data={"csrf_token": token, "version": str(task.version), "reason": "企业撤资"}
    )
    assert cancelled.status_code == 303
    shown = office.get(f"/tasks/{task.id}")
    assert "已撤销" in shown.text and "企业撤资" in shown.text and 'id="reassign-form"' not in shown.text


def test_the_owner_unit_cannot_use_the_offices_forms(db: Session, county: County, signed_in) -> None:
    task = _office_task(db, county)
    clerk = signed_in(county.clerk)
    page = clerk.get(f"/tasks/{task.id}")
    assert 'id="cancel-form"' not in page.text
    token = csrf_from(page.text)
    for action, extra in (
        ("reassign", {"owner_unit_id": str(county.other.id)}),
        ("reschedule", {"due_days": "30"}),
        ("cancel", {}),
    ):
        response = clerk.post(
            f"/tasks/{task.id}/{action}",
            data={"csrf_token": token, "version": str(task.version), "reason": "自己改"} | extra,
        )
        assert response.status_code == 403, action
    db.expire_all()
    assert db.get(SupervisedTask, task.id).status is TaskStatus.open  # type: ignore[union-attr]


# --- the API --------------------------------------------------------------------------------------


def test_the_api_operations_follow_the_same_rules(db: Session, county: County, client: TestClient) -> None:
    bureau = bearer(make_token(db, county.bureau, role=TokenRole.coordinator, scopes=["read", "reports"]))
    town = bearer(make_token(db, county.town))
    task = _office_task(db, county)
    base = f"/api/v1/tasks/{task.id}"
    assert client.post(f"{base}/cancel", json={"version": 1, "reason": "不办了"}, headers=town).status_code == 403
    missing = client.post(f"{base}/reschedule", json={"version": 1, "due_days": 5}, headers=bureau)
    assert missing.status_code == 422 and "reason" in missing.text
    stale = client.post(f"{base}/reschedule", json={"version": 9, "due_days": 5, "reason": "延期"}, headers=bureau)
    assert stale.status_code == 409
    moved = client.post(
        f"{base}/reschedule",
        json={"version": 1, "due_days": 5, "reason": "延期"},
        headers=bureau | {"Idempotency-Key": "resched-0001"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["notes"][-1]["action"] == "reschedule" and moved.json()["due_days"] == 5
    handed = client.post(
        f"{base}/reassign",
        json={"version": moved.json()["version"], "owner_unit_id": county.other.id, "reason": "改由青石镇办理"},
        headers=bureau,
    )
    assert handed.status_code == 200 and handed.json()["owner_unit_id"] == county.other.id
    assert client.get(base, headers=town).status_code == 404  # no longer the town's
    cancelled = client.post(
        f"{base}/cancel", json={"version": handed.json()["version"], "reason": "企业撤资"}, headers=bureau
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["status_label"] == "已撤销" and cancelled.json()["light"] == "grey"
