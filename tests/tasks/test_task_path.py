"""The path of a supervised task (督办事项): assigned by the supervisor's office with a deadline in working days,
progress and evidence from the owner unit, reported done, returned or closed by the office; who may do what;
overdue tasks escalating like tickets, with their events; the overdue count the assessment reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models.audit import AuditEntry
from app.models.performance import SpotCheck, SpotFinding
from app.models.task import SupervisedTask, TaskFile, TaskSourceKind, TaskStatus
from app.models.ticket import OutboxEvent
from app.schemas.tasks import TaskCreate, TaskNoteIn, TaskReview
from app.services import app_settings, tasks, worker
from app.services.files import prepare_upload, referenced_keys
from tests.factories import make_user
from tests.tasks.conftest import County, actions, as_principal, inbox
from tests.tasks.factories import make_task
from tests.tickets.factories import jpeg_bytes, make_category, make_ticket

D = date.fromisoformat


def assign(db: Session, county: County, *, today: str = "2026-09-28", days: int = 3, **values) -> SupervisedTask:
    data = {
        "title": "协调解决储能项目二期用地两户补偿问题",
        "content": "9 月调度会议定：城关镇牵头，限期完成两户补偿协议签订。",
        "source_kind": "meeting",
        "source_ref": "2026 年 9 月招商引资调度会第 3 项",
        "owner_unit_id": county.town.id,
        "owner_user_id": county.clerk.id,
        "due_days": days,
    } | values
    return tasks.assign(db, as_principal(county.supervisor), TaskCreate(**data), today=D(today))


def note(db: Session, user, task: SupervisedTask, action: str = "progress", text: str = "已协商两轮", **kw):
    return tasks.add_note(
        db, as_principal(user), task.id, TaskNoteIn(version=task.version, action=action, note=text), **kw
    )


def review(
    db: Session, user, task: SupervisedTask, decision: str, text: str = "", today: date | None = None, **kw
) -> SupervisedTask:
    data = TaskReview(version=task.version, decision=decision, note=text, **kw)
    return tasks.review(db, as_principal(user), task.id, data, today=today)


def outbox(db: Session) -> list[str]:
    return list(db.execute(select(OutboxEvent.event_type).order_by(OutboxEvent.id)).scalars())


def test_assigning_counts_the_deadline_in_working_days_and_tells_the_person(db: Session, county: County) -> None:
    task = assign(db, county)
    # Tue 09-29, Wed 09-30, then the National Day holiday (10-01..10-07), Thu 10-08
    assert task.due_on == D("2026-10-08") and task.assigned_on == D("2026-09-28")
    assert task.status is TaskStatus.open and task.assigned_by_id == county.supervisor.id
    assert inbox(db, county.clerk) == [f"督办：限 2026-10-08 前办结：{task.title}"]
    assert inbox(db, county.colleague) == []  # a person is named: only they are told
    assert outbox(db) == ["task.assigned"]
    assert actions(db, task.id) == ["assign"]
    entry = db.execute(
        select(AuditEntry).where(AuditEntry.entity == "supervised_task", AuditEntry.entity_id == str(task.id))
    ).scalar_one()
    assert entry.action == "create" and entry.changes["owner_unit_id"][1] == county.town.id


def test_without_a_person_the_units_staff_are_told(db: Session, county: County) -> None:
    task = assign(db, county, owner_user_id=None)
    assert inbox(db, county.clerk) == inbox(db, county.colleague) == [f"督办：限 2026-10-08 前办结：{task.title}"]


def test_the_whole_path_return_and_close(db: Session, county: County) -> None:
    task = assign(db, county)
    photo = prepare_upload(jpeg_bytes(), field="files", max_bytes=10_000_000, max_side=1600, keep_position=False)
    note(db, county.clerk, task, text="已与两户完成第二轮协商", files=[photo], names=["协商现场.jpg"])
    assert task.status is TaskStatus.in_progress
    note(db, county.clerk, task, "submit", "协议已签订", today=D("2026-10-08"))
    assert task.status is TaskStatus.submitted and task.done_on == D("2026-10-08")
    assert f"报请销号待审核：{task.title}" in inbox(db, county.supervisor)
    assert f"报请销号待审核：{task.title}" in inbox(db, county.coordinator)

    review(db, county.supervisor, task, "return", "缺少补偿款支付凭证", due_days=2, today=D("2026-10-09"))
    assert task.status is TaskStatus.returned and task.done_on is None and task.returned_count == 1
    assert task.due_on == D("2026-10-12")  # Sat 10-10 is a make-up working day, then Mon 10-12
    assert task.review_note == "缺少补偿款支付凭证"
    assert inbox(db, county.clerk)[-1] == f"督办事项退回重办：{task.title}"

    note(db, county.colleague, task, "submit", "已补充支付凭证", today=D("2026-10-12"))
    review(db, county.supervisor, task, "close", "同意销号")
    assert task.status is TaskStatus.closed and task.closed_at is not None
    assert task.reviewed_by_id == county.supervisor.id
    assert actions(db, task.id) == ["assign", "progress", "submit", "return", "submit", "close"]
    assert outbox(db) == [
        "task.assigned", "task.progressed", "task.submitted", "task.returned", "task.submitted", "task.closed"
    ]  # fmt: skip
    files = db.execute(select(TaskFile).where(TaskFile.task_id == task.id)).scalars().all()
    assert [(f.kind, f.original_name) for f in files] == [("photo", "协商现场.jpg")]
    assert files[0].storage_key in referenced_keys(db)  # housekeeping keeps the evidence
    timeline = tasks.timeline(db, task)
    assert [len(f) for _n, f in timeline] == [0, 1, 0, 0, 0, 0]
    with pytest.raises(Invalid) as refused:  # closed: nothing more
        note(db, county.clerk, task)
    assert "已销号" in refused.value.errors["action"]


@pytest.mark.parametrize("who", ["clerk", "leader", "other_staff"])
def test_only_the_office_assigns(db: Session, county: County, who: str) -> None:
    with pytest.raises(Forbidden):
        tasks.assign(
            db,
            as_principal(getattr(county, who)),
            TaskCreate(title="测试督办", content="内容", owner_unit_id=county.town.id, due_days=5),
        )


def test_the_coordinator_assigns_too(db: Session, county: County) -> None:
    data = TaskCreate(title="报送签约项目佐证材料", content="限期补报", owner_unit_id=county.town.id, due_days=5)
    task = tasks.assign(db, as_principal(county.coordinator), data, today=D("2026-06-01"))
    assert task.due_on == D("2026-06-08") and task.source_kind is TaskSourceKind.manual


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"source_kind": "ticket", "source_ref": ""}, "source_id"),
        ({"source_kind": "ticket", "source_id": 2_000_000_000}, "source_id"),
        ({"source_kind": "spot_check", "source_id": 2_000_000_000}, "source_id"),
        ({"source_kind": "instruction", "source_ref": ""}, "source_ref"),
        ({"source_kind": "meeting", "source_ref": ""}, "source_ref"),
        ({"source_kind": "manual", "source_id": 5}, "source_id"),
        ({"owner_unit_id": 2_000_000_000}, "owner_unit_id"),
        ({"owner_user_id": "other_staff"}, "owner_user_id"),
        ({"owner_user_id": "supervisor"}, "owner_user_id"),
    ],
)
def test_invalid_assignments_name_their_field(db: Session, county: County, values: dict, field: str) -> None:
    if isinstance(values.get("owner_user_id"), str):
        values = values | {"owner_user_id": getattr(county, values["owner_user_id"]).id}
    before = db.execute(select(SupervisedTask.id)).all()
    with pytest.raises(Invalid) as refused:
        assign(db, county, **values)
    assert refused.value.errors.get(field)
    assert db.execute(select(SupervisedTask.id)).all() == before


def test_an_inactive_unit_is_refused(db: Session, county: County) -> None:
    county.other.is_active = False
    db.flush()
    with pytest.raises(Invalid) as refused:
        assign(db, county, owner_unit_id=county.other.id, owner_user_id=None)
    assert refused.value.errors == {"owner_unit_id": "单位不存在或已停用"}


def test_who_may_see_and_act(db: Session, county: County) -> None:
    task = assign(db, county)
    with pytest.raises(NotFound):  # another unit: as if it did not exist
        tasks.get(db, as_principal(county.other_staff), task.id)
    with pytest.raises(NotFound):
        note(db, county.other_staff, task)
    assert tasks.get(db, as_principal(county.leader), task.id) is task  # leaders read
    with pytest.raises(Forbidden):
        note(db, county.leader, task)
    with pytest.raises(Forbidden):  # the owner unit does not close its own task
        review(db, county.clerk, task, "close")
    with pytest.raises(Forbidden):  # only the owner unit reports it done
        note(db, county.supervisor, task, "submit", "已办结")
    note(db, county.supervisor, task, text="督查室已现场查看")  # the office's note: the unit hears of it
    assert task.status is TaskStatus.open
    assert inbox(db, county.clerk)[-1] == f"督办事项有新进展：{task.title}"
    with pytest.raises(Invalid) as refused:  # nothing reported done yet
        review(db, county.supervisor, task, "close")
    assert "待办理" in refused.value.errors["decision"]


def test_a_stale_version_is_refused(db: Session, county: County) -> None:
    task = assign(db, county)
    stale = task.version
    note(db, county.clerk, task)
    with pytest.raises(Conflict):
        tasks.add_note(
            db, as_principal(county.colleague), task.id, TaskNoteIn(version=stale, action="progress", note="x")
        )


def test_returning_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="退回须说明理由"):
        TaskReview(version=1, decision="return", note=" ")


# --- overdue ---------------------------------------------------------------------------------


def test_an_overdue_task_escalates_to_the_unit_head_then_to_the_office(db: Session, county: County) -> None:
    task = assign(db, county)  # due 2026-10-08
    note(db, county.clerk, task)
    assert tasks.escalate_overdue(db, today=D("2026-10-08")) == 0  # due today: not yet overdue
    assert tasks.escalate_overdue(db, today=D("2026-10-09")) == 1
    db.refresh(task)
    assert task.escalation_level == 1 and task.overdue_since == D("2026-10-09")
    assert inbox(db, county.head)[-1] == f"督办事项逾期：{task.title}"
    assert inbox(db, county.clerk)[-1] == f"督办事项逾期：{task.title}"
    assert tasks.escalate_overdue(db, today=D("2026-10-09")) == 0  # once only
    before = len(inbox(db, county.supervisor))
    # task_escalate_days (3) working days later: Sat 10-10 (make-up), Mon 10-12, Tue 10-13
    assert tasks.escalate_overdue(db, today=D("2026-10-12")) == 0
    assert tasks.escalate_overdue(db, today=D("2026-10-13")) == 1
    db.refresh(task)
    assert task.escalation_level == 2 and task.overdue_since == D("2026-10-09")
    assert inbox(db, county.supervisor)[before:] == [f"督办事项逾期升级：{task.title}"]
    assert tasks.escalate_overdue(db, today=D("2026-10-30")) == 0  # nothing higher
    assert actions(db, task.id)[-2:] == ["overdue", "escalate"]
    assert outbox(db)[-2:] == ["task.overdue", "task.escalated"]
    rows, total = tasks.list_tasks(
        db, as_principal(county.clerk), tasks.TaskFilter(overdue=True), today=D("2026-10-13")
    )
    assert total == 1 and rows[0].light == "red" and rows[0].remaining == -4


def test_the_office_step_follows_the_setting(db: Session, county: County) -> None:
    app_settings.put(db, as_principal(county.coordinator), "task_escalate_days", "1")
    task = assign(db, county)
    tasks.escalate_overdue(db, today=D("2026-10-09"))
    assert tasks.escalate_overdue(db, today=D("2026-10-10")) == 1  # the make-up Saturday is a working day
    assert task.escalation_level == 2


def test_a_task_reported_done_does_not_escalate(db: Session, county: County) -> None:
    task = assign(db, county)
    note(db, county.clerk, task, "submit", "已办结", today=D("2026-10-08"))
    assert tasks.escalate_overdue(db, today=D("2026-10-20")) == 0
    assert tasks.list_tasks(db, as_principal(county.clerk), tasks.TaskFilter(overdue=True))[1] == 0


def test_the_worker_commits_the_escalation_of_tasks(db: Session, county: County, session_factory) -> None:
    task = assign(db, county, today="2020-03-02", days=1)  # due 2020-03-03: long overdue
    db.commit()
    assert worker.escalate(session_factory) == 1
    db.expire_all()
    assert db.get(SupervisedTask, task.id).escalation_level == 1  # type: ignore[union-attr]


def test_overdue_counts_per_unit_for_the_assessment(db: Session, county: County) -> None:
    town, other = county.town, county.other
    make_task(db, town, due_on=D("2026-03-10"))  # open, past due: counts
    make_task(db, town, due_on=D("2026-04-10"), status=TaskStatus.closed, done_on=D("2026-04-13"))  # done late
    make_task(db, town, due_on=D("2026-05-10"), status=TaskStatus.closed, done_on=D("2026-05-08"))  # in time
    make_task(db, town, due_on=D("2026-05-11"), status=TaskStatus.submitted, done_on=D("2026-05-11"))  # on the day
    make_task(db, town, due_on=D("2026-06-10"), status=TaskStatus.returned)  # returned, past due: counts
    make_task(db, town, due_on=D("2026-12-20"))  # not yet due
    make_task(db, town, due_on=D("2025-12-10"))  # another year
    make_task(db, other, due_on=D("2026-02-10"), status=TaskStatus.in_progress)
    counts = tasks.overdue_counts(db, D("2026-01-01"), D("2026-12-31"), today=D("2026-12-01"))
    assert counts == {town.id: 3, other.id: 1}
    assert tasks.overdue_counts(db, D("2026-01-01"), D("2026-12-31"), [other.id], today=D("2026-12-01")) == {
        other.id: 1
    }


# --- a task from another record ------------------------------------------------------------------


def test_prefilled_from_a_ticket_and_from_a_spot_check_finding(db: Session, county: County) -> None:
    ticket = make_ticket(db, county.other, make_category(db), handler=county.town, title="厂区道路未硬化")
    values = tasks.prefill(db, as_principal(county.supervisor), TaskSourceKind.ticket, ticket.id)
    assert values["title"] == "督促办理：厂区道路未硬化" and values["owner_unit_id"] == str(county.town.id)
    assert values["source_id"] == str(ticket.id) and values["source_kind"] == "ticket"
    task = assign(db, county, source_kind="ticket", source_id=ticket.id, source_ref=values["source_ref"])
    assert task.source_id == ticket.id

    check = SpotCheck(
        period_start=D("2026-01-01"), period_end=D("2026-03-31"), seed=1, fraction=Decimal(30), population=1,
        items=[{"kind": "funds_arrival", "id": 9, "unit_id": county.town.id}],
    )  # fmt: skip
    db.add(check)
    db.flush()
    finding = SpotFinding(
        check_id=check.id, kind="funds_arrival", item_id=9, unit_id=county.town.id, confirmed=False,
        discrepancy=Decimal(120), note="银行回单金额与登记不符",
    )  # fmt: skip
    db.add(finding)
    db.flush()
    values = tasks.prefill(db, as_principal(county.coordinator), TaskSourceKind.spot_check, finding.id)
    assert values["content"] == "银行回单金额与登记不符" and values["owner_unit_id"] == str(county.town.id)
    with pytest.raises(Forbidden):
        tasks.prefill(db, as_principal(county.clerk), TaskSourceKind.ticket, ticket.id)


def test_a_colleague_of_another_unit_cannot_be_named(db: Session, county: County) -> None:
    stranger = make_user(db, county.other)
    with pytest.raises(Invalid) as refused:
        assign(db, county, owner_user_id=stranger.id)
    assert refused.value.errors == {"owner_user_id": "责任人须为责任单位在岗的工作人员"}
