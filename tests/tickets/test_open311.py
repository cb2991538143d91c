"""Open311 GeoReport v2 at /open311/v2, in process, on SQLite and PostgreSQL: our answers compared with
the spec's own examples (tests/tickets/open311_spec.py) in JSON and XML, the spec's errors, and the
tickets' rules (who reports and reads what, confidential projects, idempotent retries, the audit).
A published client drives it over the network in test_open311_live.py."""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.project import Stage
from app.models.ticket import Ticket, TicketStatus
from app.schemas.tickets import TicketCreate, TicketRoute
from app.services import tickets, workdays
from tests.factories import make_token
from tests.projects.factories import make_project
from tests.tickets import open311_spec as spec
from tests.tickets.conftest import County, as_principal, category

V2 = "/open311/v2"
JURISDICTION = "000000"  # app.config.Settings.open311_jurisdiction_id by default
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def xml_of(response: Response) -> ET.Element:
    """The answer as XML: declared UTF-8, well-formed (parsed), text/xml."""
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.headers["content-type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
    return ET.fromstring(response.content)


def json_of(response: Response) -> Any:
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def errors_of(response: Response, status: int) -> list[str]:
    """The spec's error array (JSON or XML) of an answer with `status`: each error's description."""
    assert response.status_code == status, (response.status_code, response.text)
    if response.headers["content-type"].startswith("text/xml"):
        root = xml_of(response)
        assert spec.outline(root) == spec.outline(ET.fromstring(spec.ERRORS_XML))
        errors = [{"code": int(e.findtext("code") or 0), "description": e.findtext("description")} for e in root]
    else:
        errors = json_of(response)
        assert spec.same_fields(errors[0], spec.ERRORS_JSON[0]) == []
    assert errors and all(e["code"] == status and e["description"] for e in errors), errors
    return [str(e["description"]) for e in errors]


def count_tickets(db: Session) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(Ticket)).scalar_one())


def post(client: TestClient, fmt: str, body: dict[str, str] | str, **headers: str) -> Response:
    content = body if isinstance(body, str) else "&".join(f"{k}={v}" for k, v in _encoded(body))
    return client.post(f"{V2}/requests.{fmt}", content=content.encode(), headers={**FORM, **headers})


def _encoded(body: dict[str, str]) -> list[tuple[str, str]]:
    from urllib.parse import quote_plus

    return [(quote_plus(k, safe="[]"), quote_plus(v)) for k, v in body.items()]


def report(db: Session, county: County, code: str = "land", **values: Any) -> Ticket:
    data = {
        "project_id": county.project.id,
        "category_id": category(db, code).id,
        "title": "二期用地征收有两户未签协议",
        "description": "二期 18 亩用地中两户对补偿标准有异议。",
        **values,
    }
    return tickets.report(db, as_principal(county.clerk), TicketCreate(**data))


def route(db: Session, county: County, ticket: Ticket) -> Ticket:
    return tickets.route(
        db,
        as_principal(county.coordinator),
        ticket.id,
        TicketRoute(version=ticket.version, handling_unit_id=county.handler.id),
        today=workdays.today(),
    )


# --- the spec's examples -------------------------------------------------------------------------


def test_services_are_the_categories_in_the_spec_examples_shape(db: Session, county: County, client: TestClient):
    key = {"api_key": make_token(db, county.town)}
    db.commit()

    services = json_of(client.get(f"{V2}/services.json", params=key))
    assert all(spec.same_fields(s, spec.SERVICES_JSON[0], s["service_code"]) == [] for s in services)
    land = next(s for s in services if s["service_code"] == "land")
    assert land["service_name"] == "征地拆迁" and land["metadata"] is True and land["type"] == "realtime"
    assert "15 个工作日" in land["description"] and land["group"] == "跟踪服务"
    assert {"land", "utilities", "permits", "incentives", "other"} <= {s["service_code"] for s in services}

    root = xml_of(client.get(f"{V2}/services.xml", params=key))
    assert spec.outline(root) == spec.outline(ET.fromstring(spec.SERVICES_XML))
    assert [s.findtext("service_code") for s in root] == [s["service_code"] for s in services]
    assert {s.findtext("metadata") for s in root} == {"true"}


def test_a_service_definition_in_the_spec_examples_shape(db: Session, county: County, client: TestClient):
    key = {"api_key": make_token(db, county.town)}
    db.commit()

    definition = json_of(client.get(f"{V2}/services/land.json", params=key))
    assert spec.same_fields(definition, spec.DEFINITION_JSON) == []
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["project_id", "investor_id", "title", "priority", "proposed_handling"]
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4, 5]
    priority = attributes["priority"]
    assert spec.same_fields(priority, spec.DEFINITION_JSON["attributes"][0]) == []
    assert priority["values"] == [
        {"key": "normal", "name": "一般"},
        {"key": "urgent", "name": "紧急"},
        {"key": "critical", "name": "特急"},
    ]

    root = xml_of(client.get(f"{V2}/services/land.xml", params=key))
    example = ET.fromstring(spec.DEFINITION_XML)
    assert [child.tag for child in root] == [child.tag for child in example] == ["service_code", "attributes"]
    ours = next(a for a in root.iter("attribute") if a.findtext("code") == "priority")
    assert spec.outline(ours) == spec.outline(example.find("attributes/attribute"))  # type: ignore[arg-type]
    assert [v.findtext("name") for v in ours.iter("value")] == ["一般", "紧急", "特急"]

    assert "service_code" in errors_of(client.get(f"{V2}/services/nope.json", params=key), 404)[0]
    assert "service_code" in errors_of(client.get(f"{V2}/services/nope.xml", params=key), 404)[0]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_spec_example_post_step_by_step(db: Session, county: County, client: TestClient, fmt: str):
    """The spec's example request, as sent: refused for its api_key, its jurisdiction, its service code
    and its attributes in turn, each with the spec's status; then with ours it reports a ticket that
    reads back field by field as the spec's example request does."""
    secret = make_token(db, county.town)
    db.commit()
    before = count_tickets(db)

    body = spec.POST_BODY
    assert "api_key" in errors_of(post(client, fmt, body), 403)[0]  # xyz is no token of ours
    body = body.replace("api_key=xyz", f"api_key={secret}")
    assert "jurisdiction_id" in errors_of(post(client, fmt, body), 404)[0]
    body = body.replace("jurisdiction_id=city.gov", f"jurisdiction_id={JURISDICTION}")
    assert "service_code" in errors_of(post(client, fmt, body), 404)[0]
    body = body.replace("service_code=001", "service_code=land")
    refused = errors_of(post(client, fmt, body), 400)
    assert [text.split("：")[0] for text in refused] == ["attribute[WHISDORN]", "attribute[WHISPAWN]"]
    body = body.replace("attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001", "")
    assert "attribute[project_id]" in errors_of(post(client, fmt, body), 400)[0]  # a ticket names its project
    assert count_tickets(db) == before

    body += f"attribute[project_id]={county.project.id}"
    created = post(client, fmt, body)
    assert created.status_code == 201, created.text
    if fmt == "json":
        [answer] = json_of(created)
        assert spec.same_fields(answer, spec.CREATED_JSON[0]) == []
        request_id = answer["service_request_id"]
        assert answer["account_id"] is None and "等待招商局交办" in answer["service_notice"]
    else:
        root = xml_of(created)
        assert spec.outline(root) == spec.outline(ET.fromstring(spec.CREATED_XML))
        request_id = root.findtext("request/service_request_id")
    assert count_tickets(db) == before + 1
    ticket = db.get(Ticket, int(str(request_id)))
    assert ticket is not None and ticket.reporter_unit_id == county.town.id
    sent = dict(parse_qsl(spec.POST_BODY))
    assert (ticket.reporter_label, ticket.reporter_contact) == ("john smith", "电话 111111111；邮箱 smit333@sfgov.edu")
    assert (ticket.address, ticket.media_url, ticket.description) == (
        sent["address_string"],
        sent["media_url"],
        sent["description"],
    )

    # read back: the spec's GET request example, field by field and element by element
    key = {"api_key": secret}
    [shown] = json_of(client.get(f"{V2}/requests/{request_id}.json", params=key))
    assert spec.same_fields(shown, spec.REQUESTS_JSON[0]) == []
    assert shown["status"] == "open" and shown["status_notes"] == "待交办" and shown["service_code"] == "land"
    assert (shown["lat"], shown["long"]) == (37.765241, -122.421204)  # kept to 6 places
    assert (shown["address"], shown["media_url"]) == (sent["address_string"], sent["media_url"])
    assert shown["description"] == sent["description"] and shown["agency_responsible"] is None
    assert shown["expected_datetime"] is None  # not yet routed: no deadline
    for moment in (shown["requested_datetime"], shown["updated_datetime"]):
        assert spec.W3C_MOMENT.fullmatch(moment) and moment.endswith("+08:00"), moment
    root = xml_of(client.get(f"{V2}/requests/{request_id}.xml", params=key))
    assert spec.outline(root) == spec.outline(ET.fromstring(spec.REQUESTS_XML))
    fields = {element.tag: element.text for element in root.find("request")}  # type: ignore[union-attr]
    assert fields["lat"] == "37.765241" and fields["zipcode"] is None and fields["status"] == "open"

    # the same rules and the same audit as any ticket: recorded as reported by the token
    db.expire_all()
    audit = db.execute(
        select(AuditEntry).where(AuditEntry.entity == "ticket", AuditEntry.entity_id == str(request_id))
    ).scalar_one()
    assert audit.action == "create" and audit.actor_label.startswith("令牌:") and audit.actor_token_id is not None
    # and the JSON API shows where it is too
    api = client.get(f"/api/v1/tickets/requests/{request_id}", headers={"Authorization": f"Bearer {secret}"})
    assert api.json()[0]["lat"] == 37.765241 and api.json()[0]["address"] == "1234 5th street"


def test_discovery_lists_the_endpoint_and_needs_no_key(client: TestClient):
    document = json_of(client.get("/open311/discovery.json"))
    assert spec.same_fields(document, spec.DISCOVERY_JSON) == []
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and endpoint["type"] == "test"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "都需要 api_key" in document["key_service"] and "GET requests" in document["key_service"]
    assert spec.W3C_MOMENT.fullmatch(document["changeset"])

    root = xml_of(client.get("/open311/discovery.xml"))
    assert spec.outline(root) == spec.outline(ET.fromstring(spec.DISCOVERY_XML))
    assert [f.text for f in root.iter("format")] == endpoint["formats"]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_method_needs_an_api_key(db: Session, county: County, client: TestClient, fmt: str):
    ticket = report(db, county)
    db.commit()
    reads = [
        f"services.{fmt}",
        f"services/land.{fmt}",
        f"requests.{fmt}",
        f"requests/{ticket.id}.{fmt}",
        f"tokens/1.{fmt}",
    ]
    for path in reads:
        assert "缺少 api_key" in errors_of(client.get(f"{V2}/{path}"), 403)[0], path
        assert "api_key 无效" in errors_of(client.get(f"{V2}/{path}", params={"api_key": "zs_nope"}), 403)[0]
    body = {"service_code": "land", "lat": "30.1", "long": "114.2", "description": "没有令牌"}
    assert "缺少 api_key" in errors_of(post(client, fmt, body), 403)[0]
    assert count_tickets(db) == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_input_is_answered_with_the_specs_statuses(db: Session, county: County, client: TestClient, fmt: str):
    secret = make_token(db, county.town)
    db.commit()
    key = {"api_key": secret}
    base = {"api_key": secret, "service_code": "land", "description": "供电线路需要迁移。"}
    base["attribute[project_id]"] = str(county.project.id)

    def refused(status: int, **changes: str) -> str:
        body = {k: v for k, v in {**base, **changes}.items() if v is not None}
        return " ".join(errors_of(post(client, fmt, body), status))

    assert "请提供问题地点" in refused(400)  # no lat/long, address_string nor address_id
    assert "lat：纬度应为 -90 到 90" in refused(400, lat="91", long="114")
    assert "lat：" in refused(400, lat="北纬三十度", long="114")
    assert "long：经度应为 -180 到 180" in refused(400, lat="30", long="-180.5")
    assert "long：lat 与 long 须同时提供" in refused(400, lat="30")
    assert "service_code：未提供" in refused(400, service_code="", address_string="城关镇工业园")
    assert "service_code 不存在" in refused(404, service_code="nope", address_string="城关镇工业园")
    assert "jurisdiction_id 不存在" in refused(404, jurisdiction_id="sfgov.org", address_string="城关镇")
    assert "attribute[priority]" in refused(400, address_string="城关镇", **{"attribute[priority]": "high"})
    assert "media_url" in refused(400, address_string="城关镇", media_url="javascript:alert(1)")
    assert "email" in refused(400, address_string="城关镇", email="not-an-address")
    assert count_tickets(db) == 0

    get = client.get
    assert (
        "jurisdiction_id 不存在"
        in errors_of(get(f"{V2}/services.{fmt}", params={**key, "jurisdiction_id": "x"}), 404)[0]
    )
    assert errors_of(get(f"{V2}/requests/2000000000.{fmt}", params=key), 404)
    assert errors_of(get(f"{V2}/requests/abc.{fmt}", params=key), 404)
    assert "token 不存在" in errors_of(get(f"{V2}/tokens/12345.{fmt}", params=key), 404)[0]
    assert errors_of(get(f"{V2}/nothing.{fmt}", params=key), 404)
    assert "status" in errors_of(get(f"{V2}/requests.{fmt}", params={**key, "status": "pending"}), 400)[0]
    assert "start_date" in errors_of(get(f"{V2}/requests.{fmt}", params={**key, "start_date": "yesterday"}), 400)[0]
    span = {**key, "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    assert "90 天" in errors_of(get(f"{V2}/requests.{fmt}", params=span), 400)[0]
    assert errors_of(client.delete(f"{V2}/requests.{fmt}", params=key), 405)
    # a format that does not exist is a resource that does not exist
    assert errors_of(get(f"{V2}/services.csv", params=key), 404)


def test_a_read_only_token_or_another_units_project_is_refused_and_nothing_is_written(
    db: Session, county: County, client: TestClient
):
    reader = make_token(db, None, read_only=True)
    outsider = make_token(db, county.other)
    db.commit()
    body = {"service_code": "land", "address_string": "城关镇工业园", "description": "别人的项目"}
    body["attribute[project_id]"] = str(county.project.id)
    assert "scope: tickets" in errors_of(post(client, "json", {**body, "api_key": reader}), 403)[0]
    refusal = errors_of(post(client, "xml", {**body, "api_key": outsider}), 400)[0]
    assert refusal == "attribute[project_id]：只能为本单位负责的项目报告问题"
    assert count_tickets(db) == 0


# --- reading -------------------------------------------------------------------------------------


def test_requests_are_listed_as_the_tickets_rules_allow(db: Session, county: County, client: TestClient):
    waiting = report(db, county, "permits")
    worked = route(db, county, report(db, county, "land"))
    closed = report(db, county, "land")
    closed.status = TicketStatus.closed
    others = tickets.report(
        db,
        as_principal(county.other_staff),
        TicketCreate(
            project_id=make_project(db, county.other, stage=Stage.landed).id,
            category_id=category(db, "land").id,
            title="青石镇的问题",
            description="别的乡镇报告的问题。",
        ),
    )
    town, handler = make_token(db, county.town), make_token(db, county.handler)
    db.commit()

    def ids(secret: str, **params: str) -> set[str]:
        found = json_of(client.get(f"{V2}/requests.json", params={"api_key": secret, **params}))
        return {r["service_request_id"] for r in found}

    mine = {str(waiting.id), str(worked.id), str(closed.id)}
    assert ids(town) == mine  # never another unit's
    assert ids(town, status="open") == {str(waiting.id), str(worked.id)}
    assert ids(town, status="closed") == {str(closed.id)}
    assert ids(town, status="open,closed") == mine
    assert ids(town, service_code="permits") == {str(waiting.id)}
    assert ids(town, service_code="permits,land,nope") == mine
    found = json_of(client.get(f"{V2}/requests.json?service_code=permits&service_code=land&api_key={town}"))
    assert {r["service_request_id"] for r in found} == mine  # "can be declared multiple times"
    assert ids(town, service_code="nope") == set()
    # service_request_id overrides every other argument; another unit's is not found
    wanted = f"{waiting.id},{closed.id},{others.id}"
    assert ids(town, service_request_id=wanted, status="open", service_code="utilities") == {
        str(waiting.id),
        str(closed.id),
    }
    assert ids(handler) == {str(worked.id)}  # the handling unit sees what it was given
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert ids(town, start_date=hour_ago) == mine
    assert ids(town, end_date=hour_ago) == set()  # the 90 days up to an hour ago

    [shown] = json_of(client.get(f"{V2}/requests/{worked.id}.json", params={"api_key": handler}))
    assert shown["agency_responsible"] == county.handler.name and shown["status_notes"].startswith("已交办待受理")
    assert worked.due_on is not None
    assert shown["expected_datetime"] == f"{worked.due_on.isoformat()}T18:00:00+08:00"
    assert f"限 {worked.due_on.isoformat()} 前办结" in shown["service_notice"]
    assert errors_of(client.get(f"{V2}/requests/{others.id}.xml", params={"api_key": town}), 404)

    root = xml_of(client.get(f"{V2}/requests.xml", params={"api_key": town, "status": "open"}))
    assert spec.outline(root) == spec.outline(ET.fromstring(spec.REQUESTS_XML))
    assert {r.findtext("service_request_id") for r in root} == {str(waiting.id), str(worked.id)}


def test_a_confidential_projects_name_is_not_revealed_to_a_token_that_may_not_see_it(
    db: Session, county: County, client: TestClient
):
    name = f"绝密新能源电池项目{uuid.uuid4().hex[:4]}"
    secret_project = make_project(
        db, county.town, stage=Stage.landed, name=name, code_name="代号甲一", is_confidential=True
    )
    ticket = route(
        db,
        county,
        report(
            db,
            county,
            project_id=secret_project.id,
            title=f"{name}用电增容",
            description=f"{name}需要增容 2000 千伏安。",
            address=f"{name}厂区北门",
        ),
    )
    own, handler = make_token(db, county.town), make_token(db, county.handler)
    db.commit()
    urls = [f"{V2}/requests/{ticket.id}.json", f"{V2}/requests/{ticket.id}.xml", f"{V2}/requests.json"]
    for url in urls:
        seen = client.get(url, params={"api_key": handler})
        assert seen.status_code == 200 and str(ticket.id) in seen.text
        assert name not in seen.text and "【保密】代号甲一" in seen.text, seen.text
        assert name in client.get(url, params={"api_key": own}).text


def test_a_retried_post_with_an_idempotency_key_reports_once(db: Session, county: County, client: TestClient):
    secret = make_token(db, county.town)
    db.commit()
    body = {
        "api_key": secret,
        "service_code": "utilities",
        "address_string": "城关镇纬二路",
        "description": "杆线迁移。",
    }
    body["attribute[project_id]"] = str(county.project.id)
    retry = {"Idempotency-Key": uuid.uuid4().hex}
    first = post(client, "xml", body, **retry)
    again = post(client, "xml", body, **retry)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.headers.get("idempotent-replayed") == "true"
    assert count_tickets(db) == 1
    other = post(client, "xml", {**body, "description": "另一件事情。"}, **retry)
    assert "Idempotency-Key" in errors_of(other, 400)[0]
    assert count_tickets(db) == 1


def test_the_api_key_may_come_as_a_bearer_token_or_http_basic_but_never_from_a_session(
    db: Session, county: County, client: TestClient, signed_in
):
    secret = make_token(db, county.town)
    db.commit()
    basic_user = base64.b64encode(f"{secret}:".encode()).decode()
    basic_password = base64.b64encode(f"api_key:{secret}".encode()).decode()
    for header in (f"Bearer {secret}", f"Basic {basic_user}", f"Basic {basic_password}"):
        assert client.get(f"{V2}/services.json", headers={"Authorization": header}).status_code == 200, header
    assert errors_of(client.get(f"{V2}/services.json", headers={"Authorization": "Basic !!"}), 403)
    clerk = signed_in(county.clerk)  # a person's session cookie carries no authority here
    assert errors_of(clerk.get(f"{V2}/services.xml"), 403)


def test_xml_stays_well_formed_with_markup_in_the_text(db: Session, county: County, client: TestClient):
    secret = make_token(db, county.town)
    db.commit()
    text = '厂区 <b>"东门"</b> & 西门 ]]> 都被堵住\n第二行'
    body = {"api_key": secret, "service_code": "disputes", "address_string": "A&B <路>", "description": text}
    body["attribute[project_id]"] = str(county.project.id)
    body["attribute[title]"] = "阻工"
    created = xml_of(post(client, "xml", body))
    request_id = created.findtext("request/service_request_id")
    root = xml_of(client.get(f"{V2}/requests/{request_id}.xml", params={"api_key": secret}))
    assert root.findtext("request/description") == f"阻工\n{text}"  # the title first, as it is not the text's start
    assert root.findtext("request/address") == "A&B <路>"


def test_the_ticket_page_shows_where_and_who_to_call(db: Session, county: County, client: TestClient, signed_in):
    secret = make_token(db, county.town)
    db.commit()
    body = {
        "api_key": secret,
        "service_code": "land",
        "lat": "30.512345",
        "long": "114.301234",
        "address_string": "城关镇纬二路 8 号",
        "description": "围墙被推倒。",
        "media_url": "https://example.org/photo/1.jpg",
        "last_name": "王",
        "first_name": "小明",
        "phone": "138 0000 0000",
    }
    body["attribute[project_id]"] = str(county.project.id)
    [created] = json_of(post(client, "json", body))
    page = signed_in(county.clerk).get(f"/tickets/{created['service_request_id']}").text
    assert "王小明" in page and "电话 138 0000 0000" in page and "城关镇纬二路 8 号" in page
    assert "纬度 30.512345，经度 114.301234（WGS84）" in page
    assert 'href="https://example.org/photo/1.jpg" rel="noopener noreferrer nofollow"' in page


# --- the document --------------------------------------------------------------------------------


def test_every_open311_route_is_in_the_openapi_document_in_both_formats(app: FastAPI):
    document = app.openapi()
    routes = [
        (method.lower(), path)
        for path, operations in document["paths"].items()
        if path.startswith("/open311/")
        for method in operations
    ]
    assert sorted(routes) == [
        ("get", "/open311/discovery.{fmt}"),
        ("get", "/open311/v2/requests.{fmt}"),
        ("get", "/open311/v2/requests/{service_request_id}.{fmt}"),
        ("get", "/open311/v2/services.{fmt}"),
        ("get", "/open311/v2/services/{service_code}.{fmt}"),
        ("get", "/open311/v2/tokens/{token}.{fmt}"),
        ("post", "/open311/v2/requests.{fmt}"),
    ]
    served = {
        (method.lower(), path)
        for path, route in _open311_routes(app)
        for method in route.methods - {"HEAD"}
        if route.include_in_schema
    }
    assert served == set(routes)  # none left out of the document
    schemes = document["components"]["securitySchemes"]
    assert {"open311ApiKey", "open311Basic", "bearerAuth"} <= set(schemes)
    for method, path in routes:
        operation = document["paths"][path][method]
        success = "201" if method == "post" else "200"
        for status in (success, "400", "403", "404"):
            assert set(operation["responses"][status]["content"]) == {"application/json", "text/xml"}, (path, status)
        fmt = next(p for p in operation["parameters"] if p["name"] == "fmt")
        assert fmt["schema"]["enum"] == ["json", "xml"]
        if path != "/open311/discovery.{fmt}":
            assert {"open311ApiKey": []} in operation["security"], path
    body = document["paths"]["/open311/v2/requests.{fmt}"]["post"]["requestBody"]["content"]
    form = body["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert {"api_key", "service_code", "lat", "long", "address_string", "attribute[project_id]"} <= set(form)


def _open311_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    from tests.core.test_route_matrix import walk

    return [(path, route) for _method, path, route in walk(app.router.routes) if path.startswith("/open311/")]
