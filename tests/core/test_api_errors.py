"""The API answers every bad request with a structured 4xx, never a 500: bodies a handler turns
into its own models, dates out of any range, report periods, anonymous callers, wrong methods."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.performance import ReportCadence, UnitReport
from app.models.ticket import Ticket
from app.schemas.errors import METHODS
from tests.factories import bearer, make_token, make_unit
from tests.projects.factories import make_project
from tests.tickets.factories import make_category


def tickets_count(db: Session) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(Ticket)).scalar_one())


def assert_validation(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == "validation_error"
    assert body["field"] == field, body
    assert body["message"]
    assert any(d["field"] == field for d in body["details"]), body
    return body


def good_request(reporter: dict[str, Any]) -> dict[str, Any]:
    description = "企业用电报装迟迟未办"
    return {"service_code": reporter["code"], "description": description, "project_id": reporter["project_id"]}


@pytest.fixture
def reporter(db: Session) -> dict[str, Any]:
    unit = make_unit(db)
    project = make_project(db, unit)
    category = make_category(db)
    secret = make_token(db, unit)
    db.commit()
    return {"headers": bearer(secret), "project_id": project.id, "code": category.code}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "短"}, "title"),  # the handler's own model allows it, the ticket's requires 2 characters
        ({"title": "标题\x00"}, "title"),  # NUL: PostgreSQL cannot even store it
        ({"description": "问题\x07说明"}, "description"),  # a control character
        ({"description": "   \t  "}, "description"),  # whitespace only: stripped to nothing
        ({"project_id": None}, "__all__"),  # neither a project nor an investor
    ],
)
def test_a_new_service_request_the_ticket_refuses_is_a_422_with_the_field(
    client: TestClient, db: Session, reporter: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    body = good_request(reporter)
    body.update(change)
    before = tickets_count(db)
    response = client.post("/api/v1/tickets/requests", json=body, headers=reporter["headers"])
    assert_validation(response, field)
    assert tickets_count(db) == before


def test_a_good_service_request_is_still_created(client: TestClient, db: Session, reporter: dict[str, Any]) -> None:
    body = good_request(reporter)
    response = client.post("/api/v1/tickets/requests", json=body, headers=reporter["headers"])
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("end_date", "0001-01-01T00:00:38+17:34"),
        ("start_date", "0001-01-01T00:00:00+01:00"),
        ("end_date", "9999-12-31T23:59:59-10:00"),
        ("start_date", "0001-01-01T00:00:00"),  # naive: read as county time, still before year 1 in UTC
    ],
)
def test_a_moment_outside_any_calendar_is_a_422_with_the_field(
    client: TestClient, reporter: dict[str, Any], name: str, value: str
) -> None:
    response = client.get("/api/v1/tickets/requests", params={name: value}, headers=reporter["headers"])
    assert_validation(response, name)


@pytest.fixture
def report_unit(db: Session) -> dict[str, str]:
    unit = make_unit(db)
    db.add(ReportCadence(cadence="monthly", due_days=5))
    secret = make_token(db, unit)
    db.commit()
    return bearer(secret)


@pytest.mark.parametrize("period_start", [0, "1970-01-01", "1999-12-01", "2999-01-01", "9999-12-01"])
def test_a_report_period_outside_the_platforms_years_is_refused(
    client: TestClient, db: Session, report_unit: dict[str, str], period_start: Any
) -> None:
    body = {"cadence": "monthly", "period_start": period_start, "narrative": "本月洽谈项目三个"}
    response = client.post("/api/v1/reports", json=body, headers=report_unit)
    assert_validation(response, "period_start")
    db.expire_all()
    assert db.execute(select(func.count()).select_from(UnitReport)).scalar_one() == 0
    response = client.get(
        "/api/v1/reports", params={"cadence": "monthly", "period_start": str(period_start)}, headers=report_unit
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({}, b"{not json"),
        ({"Authorization": "Bearer zs_not_a_real_token_at_all_000000"}, b"{not json"),
        ({}, b"\xff\xfe\x00"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, b'{"service_code": 1'),
    ],
)
def test_an_anonymous_caller_is_refused_before_its_body_is_looked_at(
    client: TestClient, headers: dict[str, str], content: bytes
) -> None:
    response = client.post(
        "/api/v1/tickets/requests", content=content, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_body_that_is_not_json_is_a_422_for_an_authenticated_caller(
    client: TestClient, reporter: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/tickets/requests",
        content=b"{not json",
        headers={**reporter["headers"], "Content-Type": "application/json"},
    )
    assert_validation(response, "__all__")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/tickets/requests", {"GET", "POST"}),
        ("PUT", "/api/v1/reports", {"GET", "POST"}),
        ("DELETE", "/api/v1/units/1/contact", {"PATCH"}),
    ],
)
def test_a_wrong_method_lists_every_method_the_path_allows(
    client: TestClient, reporter: dict[str, Any], method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path, headers=reporter["headers"])
    assert response.status_code == 405, response.text
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
    assert response.json()["code"] == "method_not_allowed"


def test_every_api_path_answers_a_wrong_method_with_every_method_it_allows(
    app: FastAPI, client: TestClient, reporter: dict[str, Any]
) -> None:
    """`Allow` names exactly the methods that are not answered 405 at that URL: at least the ones
    the document lists for the path, and those of another path the URL also matches (the
    `check-duplicates` of /leads/check-duplicates is also a {lead_id})."""
    checked = 0
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        documented = {method.upper() for method in operations}
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(set(METHODS) - documented - {"HEAD", "OPTIONS"}):
            response = client.request(method, concrete, headers=reporter["headers"])
            if response.status_code != 405:
                continue  # another route at this URL answers it
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert documented <= allowed, (method, path, allowed)
            for other in allowed - documented:
                assert client.request(other, concrete, headers=reporter["headers"]).status_code != 405
            checked += 1
    assert checked > 100


def test_the_document_declares_every_error_an_operation_can_answer(app: FastAPI) -> None:
    """A client (and the schemathesis gate) reads from /openapi.json what it may be answered."""
    document = app.openapi()
    operations = [
        (method, path, operation)
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in methods.items()
    ]
    assert len(operations) >= 55
    for method, path, operation in operations:
        for status in ("400", "401", "403", "404", "409", "413", "422", "503"):
            content = operation["responses"].get(status, {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            assert schema.get("$ref", "").endswith("ErrorBody"), (method, path, status)  # or a richer one
