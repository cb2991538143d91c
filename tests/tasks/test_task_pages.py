"""The task pages at work: the office assigns (also from a ticket), the town reports progress with a photo
from a phone and reports it done, the office returns and closes it; refusals keep what was typed, with and
without htmx; a unit sees only its own tasks."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.task import SupervisedTask, TaskFile, TaskStatus
from tests.conftest import csrf_from
from tests.tasks.conftest import County, text_of
from tests.tasks.factories import make_task
from tests.tickets.factories import jpeg_bytes, make_category, make_ticket

HX = {"HX-Request": "true"}


def form(county: County, **values: str) -> dict[str, str]:
    return {
        "title": "限期补报签约项目佐证材料",
        "content": "督查抽查发现两个签约项目缺少合同，请于 5 个工作日内补报。",
        "source_kind": "instruction",
        "source_ref": "县长批示〔2026〕12 号",
        "owner_unit_id": str(county.town.id),
        "owner_user_id": str(county.clerk.id),
        "due_days": "5",
    } | values


def new_form(client) -> dict[str, str]:
    page = client.get("/tasks/new")
    assert page.status_code == 200
    key = page.text.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": csrf_from(page.text), "idempotency_key": key}


def test_the_whole_path_through_the_pages(db: Session, county: County, signed_in) -> None:
    office = signed_in(county.supervisor)
    hidden = new_form(office)
    created = office.post("/tasks/new", data=hidden | form(county))
    assert created.status_code == 303
    task = db.execute(select(SupervisedTask).order_by(SupervisedTask.id.desc()).limit(1)).scalar_one()
    assert created.headers["location"] == f"/tasks/{task.id}?created=1"
    again = office.post("/tasks/new", data=hidden | form(county))  # the same form sent twice: one task
    assert again.headers["location"] == created.headers["location"]
    assert db.execute(select(SupervisedTask.id).where(SupervisedTask.title == task.title)).all() == [(task.id,)]

    town = signed_in(county.clerk)
    listed = town.get("/tasks")
    assert task.title in listed.text and "督办" in listed.text
    page = town.get(f"/tasks/{task.id}")
    assert "办结，报请销号" in page.text and "审核销号" not in page.text
    csrf = csrf_from(page.text)
    sent = town.post(
        f"/tasks/{task.id}/notes",
        data={"csrf_token": csrf, "version": str(task.version), "action": "progress", "note": "已联系两个项目业主"},
        files=[("files", ("现场.jpg", jpeg_bytes(), "image/jpeg"))],
        headers=HX,
    )
    assert sent.status_code == 200 and sent.headers["HX-Redirect"] == f"/tasks/{task.id}"
    db.expire_all()
    photo = db.execute(select(TaskFile).where(TaskFile.task_id == task.id)).scalar_one()
    shown = town.get(f"/tasks/{task.id}/files/{photo.id}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert signed_in(county.other_staff).get(f"/tasks/{task.id}/files/{photo.id}").status_code == 404
    done = town.post(
        f"/tasks/{task.id}/notes",
        data={
            "csrf_token": csrf,
            "version": str(db.get(SupervisedTask, task.id).version),
            "action": "submit",
            "note": "两个项目合同已补报",
        },
    )
    assert done.status_code == 303

    review_page = office.get(f"/tasks/{task.id}")
    assert "审核销号" in review_page.text
    db.expire_all()
    version = str(db.get(SupervisedTask, task.id).version)
    csrf = csrf_from(review_page.text)
    refused = office.post(
        f"/tasks/{task.id}/review", data={"csrf_token": csrf, "version": version, "decision": "return", "due_days": "3"}
    )
    assert refused.status_code == 422 and "退回须说明理由" in refused.text
    assert 'value="3"' in refused.text  # what was typed is kept
    closed = office.post(
        f"/tasks/{task.id}/review",
        data={"csrf_token": csrf, "version": version, "decision": "close", "note": "材料齐全，同意销号"},
    )
    assert closed.status_code == 303
    db.expire_all()
    assert db.get(SupervisedTask, task.id).status is TaskStatus.closed  # type: ignore[union-attr]
    text = text_of(town.get(f"/tasks/{task.id}").text)
    assert "已销号" in text and "审核通过，销号" in text and "材料齐全，同意销号" in text


@pytest.mark.parametrize("htmx", [False, True])
def test_an_invalid_new_task_is_shown_again_with_chinese_messages(
    db: Session, county: County, signed_in, htmx: bool
) -> None:
    office = signed_in(county.coordinator)
    hidden = new_form(office)
    before = db.execute(select(SupervisedTask.id)).all()
    sent = office.post(
        "/tasks/new",
        data=hidden | form(county, source_kind="meeting", source_ref="", due_days="0", title="补报佐证材料"),
        headers=HX if htmx else {},
    )
    assert sent.status_code == 422
    assert "不能小于 1" in sent.text  # due_days
    assert 'value="补报佐证材料"' in sent.text  # kept
    assert ("<html" in sent.text) is not htmx  # htmx: the form alone
    fixed = office.post("/tasks/new", data=hidden | form(county, source_kind="meeting", source_ref=""))
    assert fixed.status_code == 422 and "请注明会议及议定事项" in fixed.text
    db.expire_all()
    assert db.execute(select(SupervisedTask.id)).all() == before


def test_a_unit_sees_only_its_own_tasks_and_may_not_assign(db: Session, county: County, signed_in) -> None:
    mine = make_task(db, county.town, title="城关镇的督办事项")
    theirs = make_task(db, county.other, title="青石镇的督办事项")
    db.commit()
    town = signed_in(county.clerk)
    listed = town.get(f"/tasks?unit_id={county.other.id}")  # another unit's filter: still its own
    assert mine.title in listed.text and theirs.title not in listed.text
    assert town.get(f"/tasks/{theirs.id}").status_code == 404
    assert town.get("/tasks/new").status_code == 403
    assert "交办督办事项" not in listed.text
    leader = signed_in(county.leader)
    assert theirs.title in leader.get("/tasks").text
    assert leader.get("/tasks/new").status_code == 403


def test_filters_overdue_status_unit_and_source(db: Session, county: County, signed_in) -> None:
    late = make_task(db, county.town, title="逾期未办的事项", due_on=date(2020, 1, 10))
    done = make_task(db, county.town, title="已销号的事项", status=TaskStatus.closed, source_kind="manual")
    other = make_task(db, county.other, title="青石镇的事项")
    db.commit()
    office = signed_in(county.supervisor)
    overdue = office.get("/tasks?overdue=1", headers=HX)
    assert late.title in overdue.text and done.title not in overdue.text and "<html" not in overdue.text
    closed = office.get("/tasks?status=closed").text
    assert done.title in closed and late.title not in closed
    by_unit = office.get(f"/tasks?unit_id={county.other.id}").text
    assert other.title in by_unit and late.title not in by_unit
    manual = office.get("/tasks?source_kind=manual").text
    assert done.title in manual and other.title not in manual
    assert office.get("/tasks?status=nonsense").status_code == 422


def test_a_task_from_a_ticket_in_one_action(db: Session, county: County, signed_in) -> None:
    ticket = make_ticket(db, county.other, make_category(db), handler=county.town, title="厂区道路未硬化")
    db.commit()
    office = signed_in(county.coordinator)
    assert f"/tasks/new?source_kind=ticket&amp;source_id={ticket.id}" in office.get(f"/tickets/{ticket.id}").text
    page = office.get(f"/tasks/new?source_kind=ticket&source_id={ticket.id}")
    assert 'value="督促办理：厂区道路未硬化"' in page.text
    assert f'<option value="{county.town.id}" selected' in page.text


def test_a_stale_note_is_refused_with_what_was_typed(db: Session, county: County, signed_in) -> None:
    task = make_task(db, county.town)
    db.commit()
    town = signed_in(county.clerk)
    csrf = csrf_from(town.get(f"/tasks/{task.id}").text)
    first = {"csrf_token": csrf, "version": str(task.version), "action": "progress", "note": "第一次"}
    assert town.post(f"/tasks/{task.id}/notes", data=first).status_code == 303
    stale = town.post(f"/tasks/{task.id}/notes", data=first | {"note": "第二次的说明"})
    assert stale.status_code == 409 and "第二次的说明" in stale.text
