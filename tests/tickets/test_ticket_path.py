"""The path of a ticket: report → route → accept → work → resolve → close with the investor's verdict,
with reopening, sending back, helpers, who may do what, escalation of overdue tickets and the overview."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Forbidden, Invalid, NotFound
from app.models.ticket import Ticket, TicketStatus, TicketUnit, Verdict
from app.models.user import Role, User
from app.schemas.tickets import TicketAction, TicketCreate, TicketRoute
from app.services import app_settings, tickets, workdays, worker
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.tickets.conftest import County, actions, as_principal, category, inbox, text_of
from tests.tickets.factories import make_category, make_ticket, utc

D = date.fromisoformat


def report(db: Session, county: County, code: str = "utilities", title: str = "厂区 10kV 线路迁改未完成") -> Ticket:
    return tickets.report(
        db,
        as_principal(county.clerk),
        TicketCreate(
            project_id=county.project.id,
            category_id=category(db, code).id,
            title=title,
            description="设备计划下月进场，厂区内一条 10kV 线路需迁改，供电公司尚未排期。",
            proposed_handling="请县工信局协调供电公司限期迁改。",
        ),
    )


def route(
    db: Session,
    county: County,
    ticket: Ticket,
    today: date,
    days: int | None = None,
    helpers: list[int] | None = None,
    by: User | None = None,
) -> Ticket:
    db.refresh(ticket)
    return tickets.route(
        db,
        as_principal(by or county.coordinator),
        ticket.id,
        TicketRoute(
            version=ticket.version, handling_unit_id=county.handler.id, due_days=days, helper_unit_ids=helpers or []
        ),
        today=today,
    )


def act(
    db: Session,
    user: User,
    ticket: Ticket,
    action: str,
    today: date | None = None,
    note: str = "说明",
    verdict: Verdict | None = None,
) -> Ticket:
    db.refresh(ticket)
    return tickets.act(
        db,
        as_principal(user),
        ticket.id,
        TicketAction(version=ticket.version, action=action, note=note, verdict=verdict),
        today=today,
    )


# --- routing and deadlines (worked dates) ----------------------------------------------------


def test_routing_takes_the_category_default_in_working_days(db: Session, county: County) -> None:
    ticket = report(db, county, "utilities")  # 供水供电、杆线搬迁: 10 working days
    assert ticket.status is TicketStatus.reported and ticket.due_on is None
    route(db, county, ticket, today=D("2026-09-29"))
    # Wed 09-30 (1), holiday 10-01..07, Thu 10-08 (2), Fri 10-09 (3), Sat 10-10 make-up (4),
    # Mon 10-12 .. Fri 10-16 (5..9), Mon 10-19 (10)
    assert ticket.due_on == D("2026-10-19")
    assert ticket.status is TicketStatus.routed
    assert ticket.routed_on == D("2026-09-29")


def test_routing_with_an_explicit_number_of_days(db: Session, county: County) -> None:
    ticket = report(db, county, "utilities")
    route(db, county, ticket, today=D("2026-09-29"), days=3)
    assert ticket.due_on == D("2026-10-09")  # 09-30, 10-08, 10-09


def test_routing_notifies_the_handling_and_helping_units(db: Session, county: County) -> None:
    ticket = report(db, county)
    assert inbox(db, county.coordinator) == ["新的跟踪服务问题待交办"]
    assert inbox(db, county.leader) == ["新的跟踪服务问题待交办"]  # the project's linked leader
    route(db, county, ticket, today=D("2026-09-29"), days=3, helpers=[county.helper.id])
    assert inbox(db, county.handler_staff) == ["交办：限 2026-10-09 前办结"]
    assert inbox(db, county.helper_staff) == ["交办：限 2026-10-09 前办结"]
    assert inbox(db, county.other_staff) == []


# --- the whole path through the pages --------------------------------------------------------


def _form(client: TestClient, ticket_id: int) -> dict[str, str]:
    page = client.get(f"/tickets/{ticket_id}")
    assert page.status_code == 200, page.text[:300]
    version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": csrf_from(page.text), "version": version}


def _act(client: TestClient, ticket_id: int, action: str, note: str = "", **more: str) -> Any:
    return client.post(
        f"/tickets/{ticket_id}/act", data={**_form(client, ticket_id), "action": action, "note": note, **more}
    )


def test_the_whole_path_through_the_pages(db: Session, county: County, signed_in) -> None:
    clerk, coordinator, handler = (signed_in(u) for u in (county.clerk, county.coordinator, county.handler_staff))
    utilities = category(db, "utilities")

    # the town reports from its phone
    new = clerk.get(f"/tickets/new?project_id={county.project.id}")
    assert new.status_code == 200
    response = clerk.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_from(new.text),
            "idempotency_key": uuid.uuid4().hex,
            "project_id": str(county.project.id),
            "category_id": str(utilities.id),
            "title": "厂区 10kV 线路迁改未完成",
            "description": "供电公司尚未排期，影响设备进场。",
            "proposed_handling": "请县工信局协调",
            "priority": "urgent",
        },
    )
    assert response.status_code == 303
    ticket_id = int(response.headers["location"].split("/tickets/")[1].split("?")[0])
    assert "问题已提交" in clerk.get(response.headers["location"]).text

    # the coordinator routes it with the category's default
    page = coordinator.get(f"/tickets/{ticket_id}")
    assert 'value="10"' in page.text  # the default is offered
    response = coordinator.post(
        f"/tickets/{ticket_id}/route",
        data={
            **_form(coordinator, ticket_id),
            "handling_unit_id": str(county.handler.id),
            "due_days": "10",
            "note": "请限期办结",
        },
    )
    assert response.status_code == 303
    due = workdays.add_working_days(workdays.today(), 10, workdays.load_calendar(db))
    assert f"限 {due}" in text_of(coordinator.get(f"/tickets/{ticket_id}").text)

    # the handling unit finds it in its queue of new tickets, accepts, works it and resolves it
    queue = handler.get("/tickets?box=new")
    assert f'href="/tickets/{ticket_id}"' in queue.text
    assert _act(handler, ticket_id, "accept").status_code == 303
    assert f'href="/tickets/{ticket_id}"' in handler.get("/tickets?box=in_progress").text
    assert f'href="/tickets/{ticket_id}"' not in handler.get("/tickets?box=new").text
    assert _act(handler, ticket_id, "comment", "已与供电公司现场踏勘").status_code == 303
    assert _act(handler, ticket_id, "resolve", "线路已迁改完毕，企业确认").status_code == 303
    assert inbox(db, county.clerk)[-1] == "问题“厂区 10kV 线路迁改未完成”：办结"

    # the town records the investor's verdict and closes it
    assert _act(clerk, ticket_id, "close", "企业负责人电话回访", verdict="basically").status_code == 303
    db.expire_all()
    ticket = db.get(Ticket, ticket_id)
    assert ticket is not None
    assert ticket.status is TicketStatus.closed
    assert ticket.verdict is Verdict.basically and ticket.verdict_remark == "企业负责人电话回访"
    assert ticket.resolution == "线路已迁改完毕，企业确认"
    assert actions(db, ticket_id) == ["report", "route", "accept", "comment", "resolve", "close"]
    text = text_of(clerk.get(f"/tickets/{ticket_id}").text)
    for seen in (
        "报告问题",
        "交办",
        "受理",
        "已与供电公司现场踏勘",
        "办结",
        "评价并关闭 · 基本满意",
        "客商评价 基本满意：企业负责人电话回访",
    ):
        assert seen in text, seen


def test_opening_the_ticket_reads_its_notifications(db: Session, county: County, signed_in) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=workdays.today())
    other = report(db, county, title="另一件问题")
    route(db, county, other, today=workdays.today())
    db.commit()
    handler = signed_in(county.handler_staff)
    assert text_of(handler.get("/notifications").text).count("· 未读") == 2  # the list's marks, not the menu's count
    handler.get(f"/tickets/{ticket.id}")
    page = handler.get("/notifications").text
    assert text_of(page).count("· 未读") == 1  # the other ticket's notification is still unread


def test_closing_needs_a_verdict(db: Session, county: County, signed_in) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=workdays.today())
    act(db, county.handler_staff, ticket, "resolve", note="已解决")
    db.commit()
    clerk = signed_in(county.clerk)
    response = _act(clerk, ticket.id, "close", "无评价")
    assert response.status_code == 422
    assert "关闭须记录客商评价" in response.text
    db.expire_all()
    assert db.get(Ticket, ticket.id).status is TicketStatus.resolved  # type: ignore[union-attr]


def test_reopen_puts_it_back_in_progress_with_a_new_deadline(db: Session, county: County) -> None:
    ticket = report(db, county, "permits")  # 5 working days
    route(db, county, ticket, today=D("2026-09-21"))
    act(db, county.handler_staff, ticket, "accept", D("2026-09-21"))
    act(db, county.handler_staff, ticket, "resolve", D("2026-09-24"), note="许可证已办结")
    assert ticket.status is TicketStatus.resolved
    act(db, county.clerk, ticket, "reopen", D("2026-09-30"), note="企业反映许可证信息有误")
    assert ticket.status is TicketStatus.in_progress
    # from Wed 09-30: Thu 10-08, Fri 10-09, Sat 10-10 (make-up), Mon 10-12, Tue 10-13
    assert ticket.due_on == D("2026-10-13")
    assert ticket.reopened_count == 1 and ticket.resolved_at is None
    assert inbox(db, county.handler_staff)[-1].endswith("重新办理")
    assert actions(db, ticket.id)[-1] == "reopen"


def test_return_for_rerouting_clears_the_handling_unit(db: Session, county: County, signed_in) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=workdays.today(), helpers=[county.helper.id])
    db.commit()
    handler = signed_in(county.handler_staff)
    response = _act(handler, ticket.id, "return", "不属于本局职责，建议交县供电公司协调")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/tickets?")  # not to a page it may no longer open
    assert "已退回" in handler.get(response.headers["location"]).text
    db.expire_all()
    ticket = db.get(Ticket, ticket.id)  # type: ignore[assignment]
    assert ticket.status is TicketStatus.reported
    assert ticket.handling_unit_id is None and ticket.due_on is None
    assert db.execute(select(TicketUnit).where(TicketUnit.ticket_id == ticket.id)).first() is None
    assert handler.get(f"/tickets/{ticket.id}").status_code == 404
    assert inbox(db, county.coordinator)[-1].endswith("退回重新交办")
    # the coordinator sees the reason and routes it again
    page = signed_in(county.coordinator).get(f"/tickets/{ticket.id}")
    assert "不属于本局职责" in page.text and "交办</h2>" in page.text
    route(db, county, ticket, today=workdays.today())
    assert ticket.status is TicketStatus.routed


def test_a_missing_reason_for_returning_is_refused(db: Session, county: County, signed_in) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=workdays.today())
    db.commit()
    response = _act(signed_in(county.handler_staff), ticket.id, "return", "")
    assert response.status_code == 422 and "请说明退回理由" in response.text


# --- who may do what -------------------------------------------------------------------------


def test_helpers_comment_but_do_not_resolve(db: Session, county: County, signed_in) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=workdays.today(), helpers=[county.helper.id])
    act(db, county.handler_staff, ticket, "accept")
    db.commit()
    helper = signed_in(county.helper_staff)
    assert f'href="/tickets/{ticket.id}"' in helper.get("/tickets?box=in_progress").text
    assert _act(helper, ticket.id, "comment", "住建局已安排图审").status_code == 303
    assert _act(helper, ticket.id, "resolve", "我们办完了").status_code == 403
    db.expire_all()
    assert db.get(Ticket, ticket.id).status is TicketStatus.in_progress  # type: ignore[union-attr]
    assert actions(db, ticket.id) == ["report", "route", "accept", "comment"]
    page = helper.get(f"/tickets/{ticket.id}").text
    assert f"{county.helper.name}（协办）" in text_of(page)
    assert 'value="resolve"' not in page  # no button it may not use


def test_only_the_reporter_closes(db: Session, county: County) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=workdays.today())
    act(db, county.handler_staff, ticket, "resolve", note="已解决")
    for user in (county.handler_staff, county.coordinator):
        with pytest.raises(Forbidden):
            act(db, user, ticket, "close", verdict=Verdict.satisfied)
    with pytest.raises(Forbidden):
        act(db, county.handler_staff, ticket, "reopen", note="再办一次")
    act(db, county.clerk, ticket, "close", verdict=Verdict.satisfied)
    assert ticket.status is TicketStatus.closed


def test_the_handling_unit_cannot_act_before_it_is_routed_and_no_one_can_close_an_open_ticket(
    db: Session, county: County
) -> None:
    ticket = report(db, county)
    with pytest.raises(NotFound):  # not theirs (yet): as if it did not exist
        act(db, county.handler_staff, ticket, "accept")
    route(db, county, ticket, today=workdays.today())
    with pytest.raises(Invalid):
        act(db, county.clerk, ticket, "close", verdict=Verdict.satisfied)  # not resolved yet


@pytest.mark.parametrize("who", ["clerk", "other_leader"])
def test_only_the_coordinator_or_the_linked_leader_routes(db: Session, county: County, signed_in, who: str) -> None:
    ticket = report(db, county)
    db.commit()
    client = signed_in(getattr(county, who))  # the reporter, and a leader not linked to the project
    form = {"handling_unit_id": str(county.handler.id), "due_days": "5", "note": ""}
    page = client.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200 and "交办</h2>" not in page.text  # no routing form for them
    token = csrf_from(page.text)
    response = client.post(
        f"/tickets/{ticket.id}/route", data={"csrf_token": token, "version": str(ticket.version), **form}
    )
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Ticket, ticket.id).status is TicketStatus.reported  # type: ignore[union-attr]


def test_the_linked_leader_routes_from_the_page(db: Session, county: County, signed_in) -> None:
    ticket = report(db, county)
    db.commit()
    leader = signed_in(county.leader)
    page = leader.get(f"/tickets/{ticket.id}")
    assert "交办</h2>" in page.text
    response = leader.post(
        f"/tickets/{ticket.id}/route",
        data={
            **_form(leader, ticket.id),
            "handling_unit_id": str(county.handler.id),
            "due_days": "5",
            "note": "请抓紧",
        },
    )
    assert response.status_code == 303
    db.expire_all()
    ticket = db.get(Ticket, ticket.id)  # type: ignore[assignment]
    assert ticket.status is TicketStatus.routed and ticket.handling_unit_id == county.handler.id
    # a leader who is not linked to the project sees it but gets no routing form
    other = signed_in(county.other_leader).get(f"/tickets/{ticket.id}")
    assert other.status_code == 200 and "交办</h2>" not in other.text


# --- escalation ------------------------------------------------------------------------------


def test_an_overdue_ticket_escalates_to_the_unit_head_then_to_the_linked_leader(db: Session, county: County) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=D("2026-09-28"), days=3)
    assert ticket.due_on == D("2026-10-08")  # Tue 09-29, Wed 09-30, (holiday), Thu 10-08
    act(db, county.handler_staff, ticket, "accept", D("2026-09-28"))
    head_before, leader_before = len(inbox(db, county.head)), len(inbox(db, county.leader))

    assert tickets.escalate_overdue(db, today=D("2026-10-08")) == 0  # due today: not overdue yet
    assert tickets.escalate_overdue(db, today=D("2026-10-09")) == 1  # the day after: to the unit's head
    db.refresh(ticket)
    assert ticket.escalation_level == 1 and ticket.escalated_on == D("2026-10-09")
    assert inbox(db, county.head)[head_before:] == [f"逾期督办：{ticket.title}"]
    assert len(inbox(db, county.leader)) == leader_before
    assert tickets.escalate_overdue(db, today=D("2026-10-09")) == 0  # once only

    # escalate_to_leader_days (3) working days later: Sat 10-10 (make-up), Mon 10-12, Tue 10-13
    assert tickets.escalate_overdue(db, today=D("2026-10-12")) == 0
    assert tickets.escalate_overdue(db, today=D("2026-10-13")) == 1
    db.refresh(ticket)
    assert ticket.escalation_level == 2 and ticket.escalated_on == D("2026-10-13")
    assert inbox(db, county.leader)[leader_before:] == [f"逾期升级：{ticket.title}"]
    assert tickets.escalate_overdue(db, today=D("2026-10-30")) == 0  # nothing higher

    assert actions(db, ticket.id)[-2:] == ["escalate_head", "escalate_leader"]
    rows, _ = tickets.list_tickets(
        db, as_principal(county.handler_staff), tickets.TicketFilter(box="overdue"), today=D("2026-10-13")
    )
    assert [r["ticket"].id for r in rows] == [ticket.id] and rows[0]["light"] == "red"
    assert rows[0]["remaining"] == -4  # past 10-08 by 10-09, 10-10 (make-up), 10-12, 10-13


def test_the_leader_step_follows_the_setting(db: Session, county: County) -> None:
    app_settings.put(db, as_principal(county.coordinator), "escalate_to_leader_days", "1")
    ticket = report(db, county)
    route(db, county, ticket, today=D("2026-09-28"), days=3)  # due 10-08
    assert tickets.escalate_overdue(db, today=D("2026-10-09")) == 1
    assert tickets.escalate_overdue(db, today=D("2026-10-10")) == 1  # the make-up Saturday is a working day
    db.refresh(ticket)
    assert ticket.escalation_level == 2


def test_the_escalations_show_on_the_ticket_page(db: Session, county: County, signed_in) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=D("2026-09-28"), days=3)
    tickets.escalate_overdue(db, today=D("2026-10-09"))
    tickets.escalate_overdue(db, today=D("2026-10-13"))
    db.commit()
    text = text_of(signed_in(county.handler_staff).get(f"/tickets/{ticket.id}").text)
    assert "逾期：升级到办理单位负责人" in text and "逾期：升级到挂钩领导" in text
    assert "系统（自动升级）" in text
    queue = text_of(signed_in(county.handler_staff).get("/tickets?box=overdue").text)
    assert "已升级到挂钩领导" in queue


def test_without_a_head_the_unit_staff_are_told_and_without_a_leader_the_coordinators(
    db: Session, county: County
) -> None:
    county.handler.head_user_id = None
    county.project.linked_leader_id = None
    db.flush()
    ticket = report(db, county)
    route(db, county, ticket, today=D("2026-09-28"), days=3)
    tickets.escalate_overdue(db, today=D("2026-10-09"))
    assert inbox(db, county.handler_staff)[-1].startswith("逾期督办")
    assert inbox(db, county.head)[-1].startswith("逾期督办")  # the head is also staff of the unit here
    tickets.escalate_overdue(db, today=D("2026-10-13"))
    assert inbox(db, county.coordinator)[-1].startswith("逾期升级")


def test_the_worker_commits_its_escalations(db: Session, county: County, session_factory) -> None:
    ticket = report(db, county)
    route(db, county, ticket, today=D("2020-03-02"), days=1)  # due 2020-03-03: long overdue
    db.commit()
    assert worker.escalate(session_factory) == 1
    db.expire_all()
    assert db.get(Ticket, ticket.id).escalation_level == 1  # type: ignore[union-attr]


# --- the coordinator's overview --------------------------------------------------------------


def test_overview_figures(db: Session, county: County, signed_in) -> None:
    permits = make_category(db, name="测试证照")
    land = make_category(db, name="测试征地")
    # ten resolved tickets, routed on 03-02, resolved after 1, 2, 3, 4, 5, 6, 7, 8, 9 and 20 days
    spans = [
        (permits, 1),
        (permits, 2),
        (permits, 3),
        (land, 4),
        (land, 5),
        (land, 6),
        (land, 7),
        (land, 8),
        (land, 9),
        (land, 20),
    ]
    verdicts = [
        Verdict.satisfied,
        Verdict.satisfied,
        Verdict.basically,
        Verdict.unsatisfied,
        Verdict.satisfied,
        Verdict.basically,
        None,
        None,
        None,
        None,
    ]
    for (cat, days), verdict in zip(spans, verdicts, strict=True):
        resolved = date.fromordinal(D("2026-03-02").toordinal() + days)
        make_ticket(
            db,
            county.town,
            cat,
            status=TicketStatus.closed if verdict else TicketStatus.resolved,
            handler=county.handler,
            routed_on=D("2026-03-02"),
            due_on=D("2026-03-13"),
            resolved_at=utc(resolved),
            verdict=verdict,
        )
    # open ones: two of the handler's (one overdue on 2026-03-20), one of the helper unit's
    make_ticket(
        db,
        county.town,
        permits,
        status=TicketStatus.in_progress,
        handler=county.handler,
        routed_on=D("2026-03-02"),
        due_on=D("2026-03-19"),
    )
    make_ticket(
        db,
        county.town,
        permits,
        status=TicketStatus.routed,
        handler=county.handler,
        routed_on=D("2026-03-16"),
        due_on=D("2026-03-27"),
    )
    make_ticket(
        db,
        county.town,
        land,
        status=TicketStatus.paused,
        handler=county.helper,
        routed_on=D("2026-03-02"),
        due_on=D("2026-03-06"),
    )  # paused: not overdue

    o = tickets.overview(db, as_principal(county.coordinator), today=D("2026-03-20"))
    # 1+2+...+9+20 = 65 over 10 → 6.5; nearest rank p90: ceil(0.9 × 10) = 9th value = 9
    assert o["overall"]["count"] == 10
    assert o["overall"]["mean"] == Decimal("6.5")
    assert o["overall"]["p90"] == 9
    # per category: permits [1, 2, 3] → mean 2.0, p90 = 3rd = 3; land [4..9, 20] → 59/7 = 8.43 → 8.4, p90 = 7th = 20
    assert o["by_category"]["测试证照"]["mean"] == Decimal("2.0") and o["by_category"]["测试证照"]["p90"] == 3
    assert o["by_category"]["测试征地"]["mean"] == Decimal("8.4") and o["by_category"]["测试征地"]["p90"] == 20
    # satisfaction: 3 satisfied + 2 basically out of 6 verdicts = 83.3 %
    assert o["verdict_total"] == 6
    assert o["satisfaction"] == {"满意": 3, "基本满意": 2, "不满意": 1}
    assert o["satisfaction_rate"] == Decimal("83.3")
    # per category: permits 3 of 3 = 100 %; land: unsatisfied, satisfied, basically → 2 of 3 = 66.7 %
    assert o["by_category"]["测试证照"]["satisfaction_rate"] == Decimal("100.0")
    assert o["by_category"]["测试征地"]["satisfaction_rate"] == Decimal("66.7")
    assert list(o["by_month"]) == ["2026-03"]
    by_unit = {r["unit"]: (r["open"], r["overdue"]) for r in o["by_unit"]}
    assert by_unit == {county.handler.name: (2, 1), county.helper.name: (1, 0)}

    page = signed_in(county.coordinator).get("/tickets/overview")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "83.3%" in text and "6.5" in text


def test_overview_months_are_the_countys_months(db: Session, county: County) -> None:
    cat = make_category(db, name="跨月")
    # resolved at 2026-03-31 20:00 UTC = 2026-04-01 04:00 in the county: an April resolution, 1 day after routing
    from datetime import UTC, datetime

    make_ticket(
        db,
        county.town,
        cat,
        status=TicketStatus.resolved,
        handler=county.handler,
        routed_on=D("2026-03-31"),
        resolved_at=datetime(2026, 3, 31, 20, 0, tzinfo=UTC),
    )
    o = tickets.overview(db, as_principal(county.coordinator), today=D("2026-04-02"))
    assert list(o["by_month"]) == ["2026-04"]
    assert o["overall"]["mean"] == Decimal("1.0")


def test_unit_staff_do_not_see_the_overview(db: Session, county: County, signed_in) -> None:
    assert signed_in(county.clerk).get("/tickets/overview").status_code == 403
    assert signed_in(county.leader).get("/tickets/overview").status_code == 200


def test_a_read_only_user_role_cannot_act(db: Session, county: County) -> None:
    supervisor = make_user(db, county.bureau, Role.supervisor)
    ticket = report(db, county)
    with pytest.raises(Forbidden):
        act(db, supervisor, ticket, "comment", note="督查意见")
