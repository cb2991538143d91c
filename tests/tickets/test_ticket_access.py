"""Who sees and changes which ticket, on the pages and over the Open311-shaped API."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.ticket import Ticket, TicketStatus
from app.models.user import Role
from app.schemas.tickets import TicketCreate, TicketRoute
from app.services import tickets, workdays
from tests.conftest import csrf_from
from tests.factories import bearer, make_token, make_user
from tests.projects.factories import make_investor, make_lead
from tests.tickets.conftest import County, actions, as_principal, category
from tests.tickets.factories import jpeg_bytes


def reported(db: Session, county: County, title: str = "二期用地征收有两户未签协议") -> Ticket:
    return tickets.report(
        db,
        as_principal(county.clerk),
        TicketCreate(
            project_id=county.project.id,
            category_id=category(db, "land").id,
            title=title,
            description="二期 18 亩用地中两户对补偿标准有异议。",
        ),
    )


def routed(db: Session, county: County, title: str = "二期用地征收有两户未签协议") -> Ticket:
    ticket = reported(db, county, title)
    return tickets.route(
        db,
        as_principal(county.coordinator),
        ticket.id,
        TicketRoute(version=ticket.version, handling_unit_id=county.handler.id),
        today=workdays.today(),
    )


def count_tickets(db: Session) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(Ticket)).scalar_one())


# --- pages -----------------------------------------------------------------------------------


def test_another_units_ticket_is_not_found(db: Session, county: County, signed_in) -> None:
    ticket = routed(db, county)
    db.commit()
    own = signed_in(county.clerk)
    form = {"csrf_token": csrf_from(own.get(f"/tickets/{ticket.id}").text), "version": str(ticket.version)}
    outsider = signed_in(county.other_staff)
    token = csrf_from(outsider.get("/tickets").text)
    assert outsider.get(f"/tickets/{ticket.id}").status_code == 404
    assert outsider.get(f"/tickets/{ticket.id + 1000}").status_code == 404  # the same answer as a missing one
    assert f"/tickets/{ticket.id}" not in outsider.get("/tickets?box=open").text
    response = outsider.post(
        f"/tickets/{ticket.id}/act", data={**form, "csrf_token": token, "action": "comment", "note": "路过看看"}
    )
    assert response.status_code == 404
    response = outsider.post(
        f"/tickets/{ticket.id}/route", data={**form, "csrf_token": token, "handling_unit_id": str(county.other.id)}
    )
    assert response.status_code == 404
    assert actions(db, ticket.id) == ["report", "route"]


def test_the_handling_unit_sees_the_reporters_photos_it_could_not_see_on_the_project(
    db: Session, county: County, signed_in
) -> None:
    clerk = signed_in(county.clerk)
    new = clerk.get("/tickets/new")
    response = clerk.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_from(new.text),
            "idempotency_key": uuid.uuid4().hex,
            "project_id": str(county.project.id),
            "category_id": str(category(db, "utilities").id),
            "title": "杆线迁改",
            "description": "厂区门口电杆需迁移。",
            "priority": "normal",
        },
        files=[("photos", ("site.jpg", jpeg_bytes(), "image/jpeg"))],
    )
    assert response.status_code == 303, response.text[:500]
    ticket_id = int(response.headers["location"].split("/tickets/")[1].split("?")[0])
    page = clerk.get(f"/tickets/{ticket_id}").text
    photo = page.split('<img src="', 1)[1].split('"', 1)[0]
    assert photo.startswith(f"/tickets/{ticket_id}/photos/")
    assert clerk.get(photo).headers["content-type"] == "image/jpeg"

    outsider = signed_in(county.other_staff)
    assert outsider.get(photo).status_code == 404  # not before it is routed to them

    db.expire_all()
    ticket = db.get(Ticket, ticket_id)
    assert ticket is not None
    tickets.route(
        db,
        as_principal(county.coordinator),
        ticket_id,
        TicketRoute(version=ticket.version, handling_unit_id=county.handler.id),
        today=workdays.today(),
    )
    db.commit()
    handler = signed_in(county.handler_staff)
    assert handler.get(f"/projects/{county.project.id}").status_code == 404  # the project is not theirs
    assert photo in handler.get(f"/tickets/{ticket_id}").text
    shown = handler.get(photo)
    assert shown.status_code == 200 and shown.content[:2] == b"\xff\xd8"
    assert outsider.get(photo).status_code == 404


def test_a_pdf_is_not_a_photo(db: Session, county: County, signed_in) -> None:
    clerk = signed_in(county.clerk)
    before = count_tickets(db)
    response = clerk.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_from(clerk.get("/tickets/new").text),
            "idempotency_key": uuid.uuid4().hex,
            "project_id": str(county.project.id),
            "category_id": str(category(db, "utilities").id),
            "title": "杆线迁改",
            "description": "厂区门口电杆需迁移。",
            "priority": "normal",
        },
        files=[("photos", ("scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))],
    )
    assert response.status_code == 422
    assert "只接受照片" in response.text
    assert count_tickets(db) == before


def test_a_ticket_for_an_investor_not_yet_landed(db: Session, county: County, signed_in) -> None:
    investor = make_investor(db, name="深圳某电子科技有限公司")
    make_lead(db, county.town, investor)
    db.commit()
    clerk = signed_in(county.clerk)
    new = clerk.get("/tickets/new")
    assert "深圳某电子科技有限公司" in new.text  # offered among the town's investors without a project
    response = clerk.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_from(new.text),
            "idempotency_key": uuid.uuid4().hex,
            "project_id": "",
            "investor_id": str(investor.id),
            "category_id": str(category(db, "permits").id),
            "title": "选址需要规划条件",
            "description": "客商考察后询问地块规划条件。",
            "priority": "normal",
        },
        files=[("photos", ("site.jpg", jpeg_bytes(), "image/jpeg"))],
    )
    assert response.status_code == 303, response.text[:500]
    page = clerk.get(response.headers["location"]).text
    assert "深圳某电子科技有限公司（尚未落地）" in page
    assert "/photos/" in page  # the photo is kept although there is no project to file it under


def test_a_report_without_project_or_investor_is_refused(db: Session, county: County, signed_in) -> None:
    clerk = signed_in(county.clerk)
    response = clerk.post(
        "/tickets/new",
        data={
            "csrf_token": csrf_from(clerk.get("/tickets/new").text),
            "idempotency_key": uuid.uuid4().hex,
            "project_id": "",
            "category_id": str(category(db, "permits").id),
            "title": "没有项目",
            "description": "没有项目也没有客商。",
            "priority": "normal",
        },
    )
    assert response.status_code == 422
    assert "请选择项目，或尚未落地的客商" in response.text


# --- the API: who may do what ----------------------------------------------------------------


def test_the_api_hides_another_units_ticket(db: Session, county: County, client: TestClient) -> None:
    ticket = routed(db, county)
    outsider = bearer(make_token(db, county.other))
    db.commit()
    assert client.get(f"/api/v1/tickets/requests/{ticket.id}", headers=outsider).status_code == 404
    assert client.get("/api/v1/tickets/requests", headers=outsider).json() == []
    response = client.post(
        f"/api/v1/tickets/requests/{ticket.id}/actions",
        headers=outsider,
        json={"version": ticket.version, "action": "comment", "note": "看看"},
    )
    assert response.status_code == 404
    assert actions(db, ticket.id) == ["report", "route"]


def test_a_read_only_token_reads_but_cannot_write(db: Session, county: County, client: TestClient) -> None:
    ticket = routed(db, county)
    unit_reader = bearer(make_token(db, county.handler, read_only=True))
    county_reader = bearer(make_token(db, None, read_only=True))
    db.commit()
    before = count_tickets(db)
    for headers in (unit_reader, county_reader):
        assert client.get(f"/api/v1/tickets/requests/{ticket.id}", headers=headers).status_code == 200
        response = client.post(
            "/api/v1/tickets/requests",
            headers=headers,
            json={"service_code": "permits", "description": "只读令牌不能报告", "project_id": county.project.id},
        )
        assert response.status_code == 403, response.text
        response = client.post(
            f"/api/v1/tickets/requests/{ticket.id}/actions",
            headers=headers,
            json={"version": ticket.version, "action": "accept"},
        )
        assert response.status_code == 403, response.text
    assert count_tickets(db) == before
    assert actions(db, ticket.id) == ["report", "route"]


# --- the API: Open311 ------------------------------------------------------------------------


def test_services_list_the_categories_with_their_default_days(db: Session, county: County, client: TestClient) -> None:
    headers = bearer(make_token(db, county.town))
    land = category(db, "land")
    land.default_days = 12
    db.commit()
    services = {s["service_code"]: s for s in client.get("/api/v1/tickets/services", headers=headers).json()}
    assert services["land"]["service_name"] == "征地拆迁"
    assert services["land"]["default_working_days"] == 12
    assert services["permits"]["default_working_days"] == 5


def test_post_a_request_with_an_idempotency_key(db: Session, county: County, client: TestClient) -> None:
    headers = {**bearer(make_token(db, county.town)), "Idempotency-Key": uuid.uuid4().hex}
    db.commit()
    before = count_tickets(db)
    body = {
        "service_code": "utilities",
        "description": "12345 热线：企业反映停电频繁，影响生产。",
        "project_id": county.project.id,
        "reporter_label": "12345 政务服务便民热线",
        "priority": "urgent",
    }
    first = client.post("/api/v1/tickets/requests", headers=headers, json=body)
    assert first.status_code == 201, first.text
    [created] = first.json()
    assert created["service_request_id"].isdigit()
    assert "10 个工作日" in created["service_notice"]
    again = client.post("/api/v1/tickets/requests", headers=headers, json=body)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert count_tickets(db) == before + 1
    ticket = db.get(Ticket, int(created["service_request_id"]))
    assert ticket is not None
    assert ticket.reporter_label == "12345 政务服务便民热线" and ticket.reporter_unit_id == county.town.id
    # the same key for a different request is refused
    different = client.post("/api/v1/tickets/requests", headers=headers, json={**body, "description": "另一件事情"})
    assert different.status_code == 422
    assert count_tickets(db) == before + 1


def test_post_a_request_for_an_unknown_category_or_someone_elses_project(
    db: Session, county: County, client: TestClient
) -> None:
    headers = bearer(make_token(db, county.other))
    db.commit()
    response = client.post(
        "/api/v1/tickets/requests",
        headers=headers,
        json={"service_code": "nope", "description": "未知类别", "project_id": county.project.id},
    )
    assert response.status_code == 422 and "service_code" in response.text
    response = client.post(
        "/api/v1/tickets/requests",
        headers=headers,
        json={"service_code": "land", "description": "别人的项目", "project_id": county.project.id},
    )
    assert response.status_code == 422 and "project_id" in response.text


def test_get_requests_filtered_by_status_and_id(db: Session, county: County, client: TestClient) -> None:
    first = routed(db, county, "第一件")
    second = routed(db, county, "第二件")
    third = routed(db, county, "第三件")
    third.status = TicketStatus.closed
    headers = bearer(make_token(db, county.town))
    db.commit()
    open_ids = {
        r["service_request_id"] for r in client.get("/api/v1/tickets/requests?status=open", headers=headers).json()
    }
    assert open_ids == {str(first.id), str(second.id)}
    closed = client.get("/api/v1/tickets/requests?status=closed", headers=headers).json()
    assert [r["service_request_id"] for r in closed] == [str(third.id)] and closed[0]["status"] == "closed"
    # a wanted id is found whatever the page size (the filter is applied before paging)
    for wanted in (first, second, third):
        found = client.get(f"/api/v1/tickets/requests?service_request_id={wanted.id}&limit=1", headers=headers)
        assert [r["service_request_id"] for r in found.json()] == [str(wanted.id)]
    both = client.get(f"/api/v1/tickets/requests?service_request_id={first.id},{third.id}", headers=headers).json()
    assert {r["service_request_id"] for r in both} == {str(first.id), str(third.id)}


def test_get_one_request(db: Session, county: County, client: TestClient) -> None:
    ticket = routed(db, county)
    headers = bearer(make_token(db, county.handler))
    db.commit()
    response = client.get(f"/api/v1/tickets/requests/{ticket.id}", headers=headers)
    assert response.status_code == 200
    [one] = response.json()
    assert one["service_request_id"] == str(ticket.id)
    assert one["status"] == "open" and one["detailed_status"] == "routed"
    assert one["service_code"] == "land" and one["agency_responsible"] == county.handler.name
    assert one["expected_datetime"].startswith(ticket.due_on.isoformat())  # type: ignore[union-attr]
    assert one["expected_datetime"].endswith("+08:00")
    assert one["light"] == "green"  # 15 working days left
    assert client.get(f"/api/v1/tickets/requests/{ticket.id + 999}", headers=headers).status_code == 404


def test_the_actions_endpoint(db: Session, county: County, client: TestClient) -> None:
    ticket = routed(db, county)
    handler = bearer(make_token(db, county.handler))
    reporter = bearer(make_token(db, county.town))
    db.commit()
    url = f"/api/v1/tickets/requests/{ticket.id}/actions"
    version = ticket.version
    response = client.post(url, headers=handler, json={"version": version, "action": "accept"})
    assert response.status_code == 200, response.text
    assert response.json()["detailed_status"] == "in_progress"
    # a stale version is a conflict, not a silent overwrite
    stale = client.post(url, headers=handler, json={"version": version, "action": "resolve", "note": "已办结"})
    assert stale.status_code == 409
    version += 1
    response = client.post(url, headers=handler, json={"version": version, "action": "resolve", "note": "两户已签协议"})
    assert response.status_code == 200 and response.json()["detailed_status"] == "resolved"
    assert response.json()["status_notes"] == "两户已签协议"
    version += 1
    missing = client.post(url, headers=reporter, json={"version": version, "action": "close"})
    assert missing.status_code == 422  # no verdict
    response = client.post(
        url, headers=reporter, json={"version": version, "action": "close", "verdict": "satisfied", "note": "企业满意"}
    )
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert actions(db, ticket.id) == ["report", "route", "accept", "resolve", "close"]


@pytest.mark.parametrize("action", ["accept", "resolve"])
def test_the_reporting_unit_cannot_do_the_handlers_work_over_the_api(
    db: Session, county: County, client: TestClient, action: str
) -> None:
    ticket = routed(db, county)
    reporter = bearer(make_token(db, county.town))
    db.commit()
    response = client.post(
        f"/api/v1/tickets/requests/{ticket.id}/actions",
        headers=reporter,
        json={"version": ticket.version, "action": action, "note": "自己办结"},
    )
    assert response.status_code == 403


def test_only_units_and_the_coordinator_get_the_report_form(db: Session, county: County, signed_in) -> None:
    supervisor = make_user(db, county.bureau, Role.supervisor)
    assert signed_in(supervisor).get("/tickets/new").status_code == 403
    assert signed_in(county.leader).get("/tickets/new").status_code == 403
    assert signed_in(county.clerk).get("/tickets/new").status_code == 200
