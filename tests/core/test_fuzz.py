"""Property-based fuzzing of every /api/v1 operation against the app's own OpenAPI document.

Schemathesis generates valid and invalid requests (paths, query strings, JSON bodies) from the
schema; each is sent in-process (ASGI, no network) to the real application on a real database
(both backends), with a unit-scoped token or a read-all token. No request may make the server
fail (5xx: `not_a_server_error`), and every answer must be one the document declares, with the
declared content type and in the declared shape: the document is fixed when they disagree,
never the checks.

Bounded for CI: FUZZ_EXAMPLES examples per operation and backend (default 15, about half a
minute per backend), derandomized so that every run sends the same requests (FUZZ_SEED changes
the sequence). A deeper run, e.g. before a release:

    FUZZ_EXAMPLES=500 CI=true python -m pytest -n 0 -q tests/core/test_fuzz.py

The operations are read from the application's OpenAPI document when the tests are collected, so
a new API operation is fuzzed without touching this file. (Schemathesis' own pytest loader,
`schemathesis.pytest.from_fixture`, does not run under pytest 9, hence the explicit hypothesis
loop.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.main import create_app
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from tests.conftest import test_settings as settings_for
from tests.factories import make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_lead, make_project
from tests.tickets.factories import make_category, make_ticket

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
"""Per operation and backend; FUZZ_EXAMPLES=500 for a deeper run."""

SEED = int(os.environ.get("FUZZ_SEED", "15"))

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_for("sqlite:///:memory:")))
"""The app's own OpenAPI document, loaded once from an app that never touches a database; each
test sends its requests to its own app (on its own backend) with `case.call(app=...)`."""

OPERATIONS = sorted(
    (operation.method.upper(), operation.path)
    for result in SCHEMA.get_all_operations()
    for operation in [result.ok()]
    if operation.path.startswith("/api/v1/")
)


def test_every_api_operation_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 55
    assert ("PATCH", "/api/v1/units/{unit_id}/contact") in OPERATIONS
    assert ("POST", "/api/v1/tickets/requests") in OPERATIONS
    assert ("POST", "/api/v1/reports") in OPERATIONS
    assert ("POST", "/api/v1/tickets/requests/{request_id}/route") in OPERATIONS
    assert ("POST", "/api/v1/users/{user_id}/password") in OPERATIONS


@dataclass
class Fixture:
    tokens: dict[str, str]
    """A token scoped to one unit (reads and writes its records) and a read-all token."""
    known: dict[str, Any]
    """Values that name existing records of the unit token's own unit, put in place of generated
    path parameters and body fields now and then, so that generated requests reach the code
    behind the lookups (validation, version checks, writing)."""
    statuses: dict[str, set[int]] = field(default_factory=dict)


@pytest.fixture
def api(db: Session) -> Fixture:
    unit = make_unit(db, head_name="张镇长", phone="0931-1111111")
    other = make_unit(db, kind=UnitKind.department, tier=2)
    colleague = make_user(db, unit)
    make_user(db, unit, role=Role.leader)
    make_user(db, other)
    investor = make_investor(db)
    lead = make_lead(db, unit, investor)
    project = make_project(db, unit, investor=investor)
    category = make_category(db)
    ticket = make_ticket(db, unit, category, project_id=project.id)
    tokens = {
        "unit": make_token(db, unit),
        "read_all": make_token(db, None, read_only=True),
        "coordinator": make_token(db, other, role=TokenRole.coordinator),  # every scope: the bureau's operations
    }
    db.commit()
    known = {
        "unit_id": unit.id,
        "user_id": colleague.id,
        "project_id": project.id,
        "investor_id": investor.id,
        "lead_id": lead.id,
        "request_id": ticket.id,
        "service_code": category.code,
    }
    return Fixture(tokens, known)


def current_version(client: TestClient, path: str, token: str) -> int | None:
    """The version of the record a path edits: read from the path itself or the nearest parent."""
    parts = path.rstrip("/").split("/")
    while len(parts) > 3:
        response = client.get("/".join(parts), headers={"Authorization": f"Bearer {token}"})
        body = response.json() if response.status_code == 200 else None
        if isinstance(body, list) and len(body) == 1:  # Open311 answers one request as a list
            body = body[0]
        if isinstance(body, dict) and isinstance(body.get("version"), int):
            return int(body["version"])
        parts.pop()
    return None


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_operation_never_fails_on_generated_input(
    app: FastAPI, client: TestClient, api: Fixture, method: str, path: str
) -> None:
    operation = SCHEMA[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    known = {name: value for name, value in api.known.items() if f"{{{name}}}" in path}
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    statuses: set[int] = set()

    @seed(SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests on every run: CI is stable; FUZZ_SEED varies them
        database=None,  # no example database on disk: every run starts fresh and leaves nothing behind
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(strategies),
        token=st.sampled_from(sorted(api.tokens)),
        real_values=st.booleans(),
        fresh_version=st.booleans(),
    )
    def send(case: Any, token: str, real_values: bool, fresh_version: bool) -> None:
        secret = api.tokens[token]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}
        if real_values and isinstance(case.body, dict):
            # a real service code, project, investor: past the lookups, into the rules behind them
            case.body.update({k: v for k, v in api.known.items() if k in case.body})
        if fresh_version and isinstance(case.body, dict) and "version" in case.body:
            # as a real client does: the version just read, so the edit gets past the version check
            case.body["version"] = current_version(client, case.formatted_path, secret) or case.body["version"]
        response = case.call(app=app)
        statuses.add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    send()
    # the tokens got the requests past authentication: something other than 401 was answered
    assert statuses - {401}, statuses
