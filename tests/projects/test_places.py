"""Everyone finds their place: a unit's own standing in the ranking, the coordinator's tickets to route
on the home page and the menu's counts, the funds queue with its count, total, filters, pages and a
confirm step a stray tap cannot trigger."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal

from app.models.project import FundsArrival, FundsSource, FundsStatus, Stage
from app.models.ticket import Notification, TicketStatus
from app.models.unit import UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import home, performance, workdays
from tests.core.test_query_counts import counting
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_project
from tests.tickets.factories import make_category, make_ticket

TODAY = workdays.today()


# --- (a) one's own unit in the ranking -------------------------------------------------------


def _funded(db, unit, amount: int) -> None:
    project = make_project(db, unit, stage=Stage.signed, contract_investment=Decimal(amount * 2))
    db.add(
        FundsArrival(
            project_id=project.id,
            arrived_on=TODAY,
            amount=Decimal(amount),
            source=FundsSource.in_province,
            status=FundsStatus.confirmed,
        )
    )
    db.flush()


def test_unit_staff_reach_the_ranking_from_the_menu_and_see_their_unit_with_the_gap_above(db, signed_in):
    first, second = make_unit(db, kind=UnitKind.town), make_unit(db, kind=UnitKind.town)
    _funded(db, first, 9000)
    _funded(db, second, 3000)
    staff = make_user(db, second)
    client = signed_in(staff)

    home_page = client.get("/")
    assert 'href="/rankings"' in home_page.text  # the menu offers it

    rows = performance.rank_units(db, None, TODAY.year, TODAY)
    mine = next(r for r in rows if r["unit"].id == second.id)
    above = rows[mine["rank"] - 2]
    gap = above["score"] - mine["score"]
    assert mine["rank"] > 1 and mine["gap_to_above"] == gap

    page = client.get("/rankings")
    assert page.status_code == 200
    row = re.search(r'<tr id="rank-\d+" class="own" aria-current="true">(.*?)</tr>', page.text, re.S)
    assert row, "the unit's own row is not marked"
    assert second.short_name in row.group(1) and "本单位" in row.group(1)
    assert f"{gap:.2f} 分" in row.group(1)
    standing = re.search(r'id="own-standing">(.*?)</p>', page.text, re.S)
    assert standing
    assert f"第 {mine['rank']} 名" in standing.group(1)
    assert f"少 {gap:.2f} 分" in standing.group(1)
    assert (above["unit"].short_name or above["unit"].name) in standing.group(1)

    # only one row is one's own; the coordinator has none
    assert page.text.count('aria-current="true"') == 1
    bureau = signed_in(make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator))
    assert 'class="own"' not in bureau.get("/rankings").text


def test_the_ranking_api_gives_the_gap_to_the_unit_above(db, client):
    first, second = make_unit(db, kind=UnitKind.town), make_unit(db, kind=UnitKind.town)
    _funded(db, first, 9000)
    _funded(db, second, 3000)
    token = make_token(db, read_only=True)
    db.commit()
    units = client.get(f"/api/v1/rankings?year={TODAY.year}", headers=bearer(token)).json()["units"]
    assert units[0]["gap_to_above"] is None
    for above, row in itertools.pairwise(units):
        assert Decimal(row["gap_to_above"]) == Decimal(above["score"]) - Decimal(row["score"])


# --- (c) the coordinator's tickets to route, the menu's counts --------------------------------


def test_the_coordinator_home_has_a_card_of_tickets_to_route_and_the_menu_counts(db, signed_in, connection):
    reporter = make_unit(db)
    category = make_category(db)
    make_ticket(db, reporter, category)
    make_ticket(db, reporter, category)
    make_ticket(
        db,
        reporter,
        category,
        status=TicketStatus.routed,
        handler=make_unit(db),
    )
    bureau = make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator)
    for n in range(3):
        db.add(Notification(user_id=bureau.id, title=f"通知{n}", read_at=None))
    db.flush()
    client = signed_in(bureau)

    page = client.get("/")
    card = re.search(
        r'<a class="tile[^"]*" id="tickets-to-route" href="([^"]+)">'
        r'<div class="value">(\d+)<span class="unit">件</span></div>',
        page.text,
    )
    assert card, page.text[:2000]
    assert card.group(1) == "/tickets?box=new" and int(card.group(2)) == 2
    queue = client.get(card.group(1))
    assert queue.status_code == 200 and queue.text.count('class="ticket light-') == 2

    assert re.search(r'href="/notifications"[^>]*>消息 <span class="count"[^>]*>3</span>', page.text)
    tickets_link = r'服务问题 <span class="count"[^>]*>2</span><span id="menu-n-tickets" hidden>2 件待交办</span>'
    assert re.search(tickets_link, page.text)

    principal = Principal(role=Role.coordinator, unit_id=None, label="x", user_id=bureau.id)
    with counting(connection) as statements:
        counts = home.menu_counts(db, principal)
    assert counts == {"unread": 3, "tickets_to_route": 2}
    assert len(statements) == 1

    # a unit's staff: their own unread count, no routing count
    staff = make_user(db, reporter)
    db.add(Notification(user_id=staff.id, title="给单位", read_at=None))
    db.flush()
    mine = signed_in(staff).get("/")
    assert 'id="tickets-to-route"' not in mine.text
    assert re.search(r'href="/notifications"[^>]*>消息 <span class="count"[^>]*>1</span>', mine.text)
    assert "服务问题 <span" not in mine.text


# --- (d) the funds queue ---------------------------------------------------------------------


def _pending(db, unit, amount: str, arrived_on: date, source=FundsSource.in_province) -> FundsArrival:
    project = make_project(db, unit, stage=Stage.signed, contract_investment=Decimal(100000))
    row = FundsArrival(
        project_id=project.id, arrived_on=arrived_on, amount=Decimal(amount), source=source, status=FundsStatus.pending
    )
    db.add(row)
    db.flush()
    return row


def test_the_funds_queue_counts_totals_filters_and_pages(db, signed_in):
    town, other = (
        make_unit(db, name="青山镇人民政府", short_name="青山镇"),
        make_unit(db, name="绿水乡", short_name="绿水乡"),
    )
    for i in range(55):
        _pending(db, town, "10.5", TODAY - timedelta(days=i))
    _pending(db, other, "200", TODAY - timedelta(days=3))
    _pending(db, other, "7", TODAY - timedelta(days=90), source=FundsSource.foreign)
    bureau = signed_in(make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator))

    every = bureau.get("/funds/pending")
    assert every.status_code == 200
    summary = re.search(r'id="funds-summary">(.*?)</p>', every.text, re.S).group(1)
    assert "共 57 笔" in summary and "777.50 万元" in summary and "7.00 万美元" in summary
    assert every.text.count('<tr id="funds-') == 50
    assert re.search(r'href="/funds/pending\?offset=50">下一页', every.text)
    second = bureau.get("/funds/pending?offset=50")
    assert second.text.count('<tr id="funds-') == 7

    by_unit = bureau.get(f"/funds/pending?unit_id={other.id}")
    summary = re.search(r'id="funds-summary">(.*?)</p>', by_unit.text, re.S).group(1)
    assert "共 2 笔" in summary and "200.00 万元" in summary
    assert 'id="fq-unit"' in by_unit.text and "绿水乡" in by_unit.text

    typed = bureau.get("/funds/pending?unit_name=青山")  # a typed name, as without JavaScript
    assert "共 55 笔" in typed.text

    dated = bureau.get(f"/funds/pending?start={(TODAY - timedelta(days=9)).isoformat()}&end={TODAY.isoformat()}")
    summary = re.search(r'id="funds-summary">(.*?)</p>', dated.text, re.S).group(1)
    assert "共 11 笔" in summary and "305.00 万元" in summary  # ten days of 青山镇 and 绿水乡's 200
    nxt = bureau.get(f"/funds/pending?unit_id={town.id}&start={(TODAY - timedelta(days=54)).isoformat()}")
    assert f"unit_id={town.id}&amp;start=" in nxt.text and "offset=50" in nxt.text  # the pages keep the filters

    assert bureau.get("/funds/pending?start=2026-13-40").status_code == 422
    staff = signed_in(make_user(db, town))
    assert staff.get("/funds/pending").status_code == 403


def test_confirming_funds_needs_a_deliberate_second_step(db, signed_in):
    row = _pending(db, make_unit(db), "123.4", TODAY)
    bureau = signed_in(make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator))
    page = bureau.get("/funds/pending").text
    form = re.search(rf'action="/funds/{row.id}/review">(.*?)</form>', page, re.S).group(1)
    box = re.search(
        r'<input type="checkbox" id="(rv-\d+)" name="vouchers_checked" value="true" data-enables="(rc-\d+)">', form
    )
    assert box, form
    assert "已核对凭证，金额 123.40 万元" in form
    button = re.search(
        rf'<button class="btn" id="{box.group(2)}" name="decision" value="confirm"[^>]*data-needs-check', form
    )
    assert button and "确认 123.40 万元" in form
    # the checkbox is sent: the review service refuses a confirmation without it (as the API's vouchers_checked)
