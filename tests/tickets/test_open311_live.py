"""A published Open311 client against the real service: the `georeport` package from PyPI (the [test]
extra) talks to /open311/v2 over HTTP, on a uvicorn server on a free local port with a database of its
own, migrated with Alembic: once on SQLite and once on PostgreSQL (tests/browser_fixtures.LiveServer).

The client reads services, service definitions and requests in JSON and XML; it does not post (its
README says so), so requests are posted as the spec has it, form-encoded with `requests`, the library
it is built on. It sends api_key only when posting, so for its reads the key travels the way any HTTP
client can send it without code: in the URL's user information, sent as HTTP Basic,
`http://api_key:<api_key>@host/open311/v2`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import xmltodict
from georeport import GeoReport
from sqlalchemy import func, select

from app.db import make_engine, make_session_factory, session_scope
from app.main import create_app
from app.models.project import Stage
from app.models.ticket import Ticket, TicketCategory
from app.models.unit import UnitKind
from app.principal import SYSTEM
from app.schemas.tickets import TicketRoute
from app.services import system, tickets, workdays
from tests.browser_fixtures import LiveServer
from tests.conftest import BACKENDS, make_database
from tests.conftest import test_settings as settings_for
from tests.factories import make_token, make_unit
from tests.projects.factories import make_project

JURISDICTION = "000000"


@dataclass
class Live:
    server: LiveServer
    town_key: str  # the town's token: reports, reads what it reported
    handler_key: str  # the department a ticket is routed to
    project_id: int
    handler_id: int
    handler_name: str

    @property
    def root(self) -> str:
        return f"{self.server.url}/open311/v2"

    def client(self, key: str | None = None, fmt: str = "json", jurisdiction: str | None = JURISDICTION) -> Any:
        """The published client, with `key` as the password in its root URL (sent as HTTP Basic)."""
        root = self.root if key is None else self.root.replace("http://", f"http://api_key:{key}@", 1)
        return GeoReport(root, jurisdiction=jurisdiction, output_format=fmt)

    def post(self, fmt: str = "json", headers: dict[str, str] | None = None, **fields: str) -> requests.Response:
        """POST requests.{fmt} as the spec has it: form-encoded, api_key among the fields."""
        body = {
            "api_key": self.town_key,
            "jurisdiction_id": JURISDICTION,
            "service_code": "utilities",
            "lat": "30.5123456",
            "long": "114.3012345",
            "address_string": "城关镇工业园纬二路 8 号",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13800000000",
            "description": "厂区门口的 10 千伏线路需要迁移，影响二期厂房施工。",
            "attribute[project_id]": str(self.project_id),
            "attribute[priority]": "urgent",
            **fields,
        }
        return requests.post(f"{self.root}/requests.{fmt}", data=body, headers=headers, timeout=10)

    def count(self) -> int:
        engine = make_engine(self.server.database_url)
        try:
            with engine.connect() as connection:
                return int(connection.execute(select(func.count()).select_from(Ticket)).scalar_one())
        finally:
            engine.dispose()

    def route(self, ticket_id: int) -> None:
        """The coordinator routes the ticket to the department, as on the ticket's page."""
        engine = make_engine(self.server.database_url)
        try:
            for db in session_scope(make_session_factory(engine)):
                db.info["principal"] = SYSTEM
                ticket = db.get(Ticket, ticket_id)
                assert ticket is not None
                route = TicketRoute(version=ticket.version, handling_unit_id=self.handler_id)
                tickets.route(db, SYSTEM, ticket_id, route, today=workdays.today())
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def live(request: pytest.FixtureRequest, session_tmp: Path) -> Iterator[Live]:
    url, drop = make_database(str(request.param), session_tmp)
    system.migrate(url)
    engine = make_engine(url)
    for db in session_scope(make_session_factory(engine)):
        db.info["principal"] = SYSTEM
        n = uuid.uuid4().hex[:4]
        town = make_unit(db, name=f"城关镇人民政府{n}", short_name="城关镇")
        handler = make_unit(db, name=f"县供电公司{n}", short_name="供电公司", kind=UnitKind.department)
        project = make_project(db, town, stage=Stage.landed, name=f"年产 5 万吨新材料项目{n}")
        town_key, handler_key = make_token(db, town), make_token(db, handler)
        ids = (project.id, handler.id, handler.name)
    engine.dispose()
    app = create_app(settings_for(url))
    server = LiveServer(app, url)
    server.start()
    try:
        yield Live(server, town_key, handler_key, *ids)
    finally:
        server.stop()
        app.state.engine.dispose()
        drop()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_published_client_reads_the_services_and_their_definitions(live: Live, fmt: str) -> None:
    client = live.client(live.town_key, fmt)
    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert {"land", "utilities", "permits", "disputes", "incentives", "other"} <= set(by_code)
    assert by_code["utilities"]["service_name"] == "供水供电、杆线搬迁"
    assert by_code["utilities"]["metadata"] in (True, "true") and by_code["utilities"]["type"] == "realtime"

    definition = client.get_service_definition("utilities")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert definition["service_code"] == "utilities"
    assert [a["code"] for a in attributes] == ["project_id", "investor_id", "title", "priority", "proposed_handling"]
    priority = attributes[3]
    values = priority["values"] if fmt == "json" else priority["values"]["value"]
    assert [(v["key"], v["name"]) for v in values] == [("normal", "一般"), ("urgent", "紧急"), ("critical", "特急")]


def test_a_request_posted_form_encoded_is_followed_with_the_published_client(live: Live) -> None:
    before = live.count()
    created = live.post("xml", headers={"Idempotency-Key": uuid.uuid4().hex})
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "text/xml; charset=utf-8"
    answer = xmltodict.parse(created.content)["service_requests"]["request"]
    request_id = answer["service_request_id"]
    assert "等待招商局交办" in answer["service_notice"] and answer["account_id"] is None
    assert live.count() == before + 1

    for fmt in ("json", "xml"):
        client = live.client(live.town_key, fmt)
        shown = client.get_service_request(request_id)
        assert shown["service_request_id"] == request_id and shown["status"] == "open"
        assert shown["service_code"] == "utilities" and shown["service_name"] == "供水供电、杆线搬迁"
        assert shown["address"] == "城关镇工业园纬二路 8 号" and shown["agency_responsible"] is None
        assert str(shown["lat"]) == "30.512346" and str(shown["long"]) == "114.301235"  # to 6 places
        assert shown["requested_datetime"].endswith("+08:00")
        listed = client.get_service_requests(status="open", service_code="utilities,land")
        listed = [listed] if isinstance(listed, dict) else listed  # xmltodict: one element is no list
        assert request_id in {r["service_request_id"] for r in listed}
        since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        by_id = client.get_service_requests(service_request_id=request_id, start_date=since)
        by_id = [by_id] if isinstance(by_id, dict) else by_id
        assert [r["service_request_id"] for r in by_id] == [request_id]

    # the handling department is not told of it until it is routed to them, then reads it with its own key
    handler = live.client(live.handler_key)
    with pytest.raises(requests.HTTPError) as refused:
        handler.get_service_request(request_id)
    assert refused.value.response.status_code == 404
    live.route(int(request_id))
    shown = handler.get_service_request(request_id)
    assert shown["agency_responsible"] == live.handler_name
    assert shown["expected_datetime"].endswith("T18:00:00+08:00") and shown["status_notes"] == "已交办待受理"
    assert shown["status"] == "open"


def test_a_retried_post_reports_once(live: Live) -> None:
    retry = {"Idempotency-Key": uuid.uuid4().hex}
    before = live.count()
    first = live.post("json", headers=retry, description="围墙被推倒，施工暂停。")
    again = live.post("json", headers=retry, description="围墙被推倒，施工暂停。")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert live.count() == before + 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_published_client_meets_the_specs_errors(live: Live, fmt: str) -> None:
    def refusal(call: Any) -> tuple[int, list[dict[str, Any]]]:
        with pytest.raises(requests.HTTPError) as raised:
            call()
        response = raised.value.response
        if fmt == "xml":
            parsed = xmltodict.parse(response.content)["errors"]["error"]
            errors = [parsed] if isinstance(parsed, dict) else parsed
            return response.status_code, [{"code": int(e["code"]), "description": e["description"]} for e in errors]
        return response.status_code, response.json()

    status, errors = refusal(live.client(None, fmt).get_service_list)  # no api_key: ticket data is not public
    assert status == 403 and errors[0]["code"] == 403 and "api_key" in errors[0]["description"]
    status, errors = refusal(live.client("zs_not_a_key", fmt).get_service_requests)
    assert status == 403 and "api_key 无效" in errors[0]["description"]
    status, errors = refusal(live.client(live.town_key, fmt, jurisdiction="sfgov.org").get_service_list)
    assert status == 404 and "jurisdiction_id" in errors[0]["description"]
    status, errors = refusal(lambda: live.client(live.town_key, fmt).get_service_definition("nope"))
    assert status == 404 and "service_code" in errors[0]["description"]
    status, errors = refusal(lambda: live.client(live.town_key, fmt).get_service_request("2000000000"))
    assert status == 404 and errors[0]["code"] == 404

    before = live.count()
    refused = live.post(fmt, lat="95")
    assert refused.status_code == 400
    assert "lat" in (
        refused.text if fmt == "json" else xmltodict.parse(refused.content)["errors"]["error"]["description"]
    )
    assert live.post(fmt, api_key="").status_code == 403
    assert live.count() == before


def test_the_categories_come_from_the_migration(live: Live) -> None:
    """The services a client lists are the categories every installation starts with (no demo data here)."""
    engine = make_engine(live.server.database_url)
    try:
        with engine.connect() as connection:
            codes = set(connection.execute(select(TicketCategory.code)).scalars())
    finally:
        engine.dispose()
    listed = {s["service_code"] for s in live.client(live.town_key).get_service_list()}
    assert listed == codes
