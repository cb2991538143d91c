"""The route form chooses units by typing, not from a select and a checkbox of every unit: the ids the
unit fields' lists give, the names typed without JavaScript (looked up by the server, or explained with
the units they could mean), and the same people as before may route."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.ticket import Ticket, TicketStatus, TicketUnit
from app.schemas.tickets import TicketCreate
from app.services import tickets
from tests.conftest import csrf_from
from tests.tickets.conftest import County, actions, as_principal, category, text_of


def reported(db: Session, county: County) -> Ticket:
    ticket = tickets.report(
        db,
        as_principal(county.clerk),
        TicketCreate(
            project_id=county.project.id,
            category_id=category(db, "utilities").id,
            title="厂区电杆需迁移",
            description="厂区门口一根 10kV 电杆挡住进场道路。",
        ),
    )
    db.commit()
    return ticket


def route_form(page: str, ticket: Ticket, **fields: Any) -> dict[str, Any]:
    return {"csrf_token": csrf_from(page), "version": str(ticket.version), "due_days": "", "note": "", **fields}


def shared_with(db: Session, ticket: Ticket) -> tuple[int | None, set[int]]:
    db.expire_all()
    rows = db.execute(select(TicketUnit.unit_id, TicketUnit.is_lead).where(TicketUnit.ticket_id == ticket.id)).all()
    return next((u for u, lead in rows if lead), None), {u for u, lead in rows if not lead}


def field_box(page: str, field_id: str) -> str:
    match = re.search(rf'<div class="unit-search[^"]*" id="{field_id}-box".*?\n</div>', page, re.S)
    assert match, f"no unit field {field_id}"
    return match.group(0)


def helpers_field(page: str) -> str:
    match = re.search(r'<fieldset class="unit-chips" id="f-helpers-set">.*?</fieldset>', page, re.S)
    assert match, "no helper units field"
    return match.group(0)


def test_the_page_offers_no_list_of_every_unit(db: Session, county: County, signed_in) -> None:
    ticket = reported(db, county)
    page = signed_in(county.coordinator).get(f"/tickets/{ticket.id}")
    assert page.status_code == 200
    assert county.other.name not in page.text  # no unit is listed before it is typed
    assert "<option" not in page.text.split('action="/tickets/', 1)[1].split("</form>", 1)[0]
    handling = field_box(page.text, "f-handling")
    assert '<label for="f-handling">牵头办理单位 <span aria-hidden="true">*</span></label>' in handling
    assert 'role="combobox"' in handling and 'aria-required="true"' in handling
    assert 'name="handling_unit_id" value=""' in handling and 'name="handling_unit_name"' in handling
    assert '"text": "handling_unit_name"' in handling  # the suggestions read the field's own text
    assert "<legend>协办单位" in page.text and '<label for="f-helpers">添加协办单位</label>' in page.text
    assert 'name="helper_unit_ids" value=' not in page.text  # none chosen yet
    assert len(page.content) < 20_000


def test_the_ids_the_lists_give_route_as_before(db: Session, county: County, signed_in) -> None:
    ticket = reported(db, county)
    coordinator = signed_in(county.coordinator)
    form = route_form(
        coordinator.get(f"/tickets/{ticket.id}").text,
        ticket,
        handling_unit_id=str(county.handler.id),
        handling_unit_name=county.handler.name,
        helper_unit_ids=[str(county.helper.id), str(county.other.id)],
        helper_unit_name="",
    )
    response = coordinator.post(f"/tickets/{ticket.id}/route", data=form)
    assert response.status_code == 303, response.text[:500]
    assert shared_with(db, ticket) == (county.handler.id, {county.helper.id, county.other.id})


def test_a_form_of_ids_alone_still_routes(db: Session, county: County, signed_in) -> None:
    ticket = reported(db, county)
    coordinator = signed_in(county.coordinator)
    form = route_form(coordinator.get(f"/tickets/{ticket.id}").text, ticket, handling_unit_id=str(county.handler.id))
    assert coordinator.post(f"/tickets/{ticket.id}/route", data=form).status_code == 303
    assert shared_with(db, ticket) == (county.handler.id, set())


def test_names_typed_without_javascript_are_looked_up(db: Session, county: County, signed_in) -> None:
    ticket = reported(db, county)
    coordinator = signed_in(county.coordinator)
    form = route_form(
        coordinator.get(f"/tickets/{ticket.id}").text,
        ticket,
        handling_unit_id="",
        handling_unit_name=f"  {county.handler.name} ",
        helper_unit_name=f"{county.helper.name}、{county.other.name}，{county.helper.name}",
    )
    response = coordinator.post(f"/tickets/{ticket.id}/route", data=form)
    assert response.status_code == 303, response.text[:500]
    assert shared_with(db, ticket) == (county.handler.id, {county.helper.id, county.other.id})
    assert actions(db, ticket.id) == ["report", "route"]


def test_a_name_that_names_no_unit_or_several_is_explained_and_a_candidate_taken(
    db: Session, county: County, signed_in
) -> None:
    ticket = reported(db, county)
    coordinator = signed_in(county.coordinator)
    suffix = county.handler.name[-6:]  # every unit of the county has it
    form = route_form(
        coordinator.get(f"/tickets/{ticket.id}").text,
        ticket,
        handling_unit_id="",
        handling_unit_name=suffix,
        helper_unit_ids=[str(county.helper.id)],
        helper_unit_name=f"不存在的单位{suffix}、{county.other.name}",
    )
    response = coordinator.post(f"/tickets/{ticket.id}/route", data=form)
    assert response.status_code == 422
    assert actions(db, ticket.id) == ["report"]
    page = response.text
    handling = field_box(page, "f-handling")
    assert f"个单位的名称含“{suffix}”，请选择其中一个" in handling
    assert 'aria-invalid="true"' in handling and f'value="{suffix}"' in handling
    for unit in (county.handler, county.helper, county.other, county.town):
        assert re.search(
            rf'<input type="radio" id="[^"]+" name="handling_unit_choice" value="{unit.id}"> <span>{unit.name} ', page
        )
    helpers = helpers_field(page)
    assert f"没有名称含“不存在的单位{suffix}”的单位" in text_of(helpers)
    assert f'value="不存在的单位{suffix}"' in helpers  # only the name that named none is left to correct
    for unit in (county.helper, county.other):  # the chosen one and the one named, ticked
        assert f'name="helper_unit_ids" value="{unit.id}" checked> {unit.name}' in page

    form = route_form(
        page,
        ticket,
        handling_unit_id="",
        handling_unit_name=suffix,
        handling_unit_choice=str(county.handler.id),
        helper_unit_ids=[str(county.helper.id), str(county.other.id)],
        helper_unit_name="",
    )
    response = coordinator.post(f"/tickets/{ticket.id}/route", data=form)
    assert response.status_code == 303, response.text[:500]
    assert shared_with(db, ticket) == (county.handler.id, {county.helper.id, county.other.id})


def test_no_handling_unit_is_asked_for(db: Session, county: County, signed_in) -> None:
    ticket = reported(db, county)
    coordinator = signed_in(county.coordinator)
    form = route_form(
        coordinator.get(f"/tickets/{ticket.id}").text,
        ticket,
        handling_unit_id="",
        handling_unit_name="",
        helper_unit_name="",
    )
    response = coordinator.post(f"/tickets/{ticket.id}/route", data=form)
    assert response.status_code == 422
    assert "请选择牵头办理单位" in field_box(response.text, "f-handling")
    assert ticket.status is TicketStatus.reported and actions(db, ticket.id) == ["report"]


def test_only_those_who_route_may_route_by_name(db: Session, county: County, signed_in) -> None:
    ticket = reported(db, county)
    names = {"handling_unit_id": "", "handling_unit_name": county.handler.name}
    clerk = signed_in(county.clerk)  # sees the ticket (its unit reported it) but does not route
    response = clerk.post(f"/tickets/{ticket.id}/route", data=route_form(clerk.get("/tickets").text, ticket, **names))
    assert response.status_code == 403 and "只有招商局或项目的挂钩领导可以交办" in response.text
    outsider = signed_in(county.other_staff)
    response = outsider.post(
        f"/tickets/{ticket.id}/route", data=route_form(outsider.get("/tickets").text, ticket, **names)
    )
    assert response.status_code == 404
    other_leader = signed_in(county.other_leader)  # reads every unit, but not this project's leader
    response = other_leader.post(
        f"/tickets/{ticket.id}/route", data=route_form(other_leader.get("/tickets/overview").text, ticket, **names)
    )
    assert response.status_code == 403
    assert actions(db, ticket.id) == ["report"]
    leader = signed_in(county.leader)  # the project's linked leader
    page = leader.get(f"/tickets/{ticket.id}").text
    assert 'id="f-handling"' in page
    assert leader.post(f"/tickets/{ticket.id}/route", data=route_form(page, ticket, **names)).status_code == 303
    assert shared_with(db, ticket) == (county.handler.id, set())
