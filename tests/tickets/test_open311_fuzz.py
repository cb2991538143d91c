"""Schemathesis against every Open311 operation of the OpenAPI document, as tests/core/test_fuzz.py does
for /api/v1: generated valid and invalid requests (paths, formats, query strings, form bodies), with a
unit token (writes) or a read-all token, on SQLite and PostgreSQL. No answer may be a server error, and
every answer must be one the document declares for the operation, with its content type and shape
(JSON checked against its schema; XML is described beside it, and parsed in test_open311.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy.orm import Session

from app.models.project import Stage
from tests.core.test_fuzz import CHECKS, MAX_EXAMPLES, SCHEMA, SEED
from tests.factories import make_token, make_unit
from tests.projects.factories import make_project
from tests.tickets.factories import make_category, make_ticket

OPERATIONS = sorted(
    (operation.method.upper(), operation.path)
    for result in SCHEMA.get_all_operations()
    for operation in [result.ok()]
    if operation.path.startswith("/open311/")
)


def test_every_open311_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) == 7
    assert ("POST", "/open311/v2/requests.{fmt}") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_open311_operation_never_fails_on_generated_input(
    app: FastAPI, client: TestClient, db: Session, method: str, path: str
) -> None:
    unit = make_unit(db)
    project = make_project(db, unit, stage=Stage.landed)
    category = make_category(db)
    ticket = make_ticket(db, unit, category, project_id=project.id)
    tokens = [make_token(db, unit), make_token(db, None, read_only=True)]
    db.commit()
    known = {"service_request_id": str(ticket.id), "service_code": category.code, "fmt": "json"}
    operation = SCHEMA[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    real = {name: value for name, value in known.items() if f"{{{name}}}" in path}
    strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
    statuses: set[int] = set()

    @seed(SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), token=st.sampled_from(tokens), real_values=st.booleans())
    def send(case: Any, token: str, real_values: bool) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        if real_values and isinstance(case.body, dict):
            # a real service code and project: past the lookups, into the ticket's rules behind them
            case.body.update({"service_code": category.code, "attribute[project_id]": str(project.id)})
        response = case.call(app=app)
        statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    send()
    assert statuses - {403}, statuses  # the tokens got the requests past authentication
