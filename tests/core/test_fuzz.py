"""Property-based fuzzing of every /api/v1 operation against the app's own OpenAPI document.

Schemathesis generates valid and invalid requests (paths, query strings, JSON bodies) from the
schema; each is sent, with a valid unit-scoped bearer token so that it gets past authentication,
to the real application on a real database (both backends). No request may make the server fail
(5xx), and every answer must be one the document declares, in the declared shape.

The operations are read from the application's OpenAPI document when the tests are collected, so
a new API operation is fuzzed without touching this file. (Schemathesis' own pytest loader,
`schemathesis.pytest.from_fixture`, does not run under pytest 9, hence the explicit hypothesis
loop.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.main import create_app
from app.models.unit import UnitKind
from app.models.user import Role
from tests.conftest import test_settings as settings_for
from tests.factories import make_token, make_unit, make_user

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
"""Per operation and backend: bounded, about a second of CPU per operation; FUZZ_EXAMPLES=500 for a
deeper run."""


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
    assert len(OPERATIONS) >= 6
    assert ("PATCH", "/api/v1/units/{unit_id}/contact") in OPERATIONS
    assert ("GET", "/api/v1/users/{user_id}") in OPERATIONS


@dataclass
class Fixture:
    token: str
    known_ids: dict[str, int]
    """Path parameters that name existing records of the token's own unit, so that some generated
    requests reach the code behind the lookup (validation, version check, writing)."""


@pytest.fixture
def api(db: Session) -> Fixture:
    unit = make_unit(db, head_name="张镇长", phone="0931-1111111")
    other = make_unit(db, kind=UnitKind.department, tier=2)
    colleague = make_user(db, unit)
    make_user(db, unit, role=Role.leader)
    make_user(db, other)
    secret = make_token(db, unit)
    db.commit()
    return Fixture(secret, {"unit_id": unit.id, "user_id": colleague.id})


def current_version(client: TestClient, path: str, token: str) -> int | None:
    """The version of the record a path edits: read from the path itself or the nearest parent."""
    parts = path.rstrip("/").split("/")
    while len(parts) > 3:
        response = client.get("/".join(parts), headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 200 and isinstance(response.json(), dict) and "version" in response.json():
            return int(response.json()["version"])
        parts.pop()
    return None


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_operation_never_fails_on_generated_input(
    app: FastAPI, client: TestClient, api: Fixture, method: str, path: str
) -> None:
    operation = SCHEMA[path][method]
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    known = {name: value for name, value in api.known_ids.items() if f"{{{name}}}" in path}
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    statuses: set[int] = set()

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,  # no example database on disk: every run starts fresh and leaves nothing behind
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), fresh_version=st.booleans())
    def send(case: Any, fresh_version: bool) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api.token}"}
        if fresh_version and isinstance(case.body, dict) and "version" in case.body:
            # as a real client does: the version just read, so the edit gets past the version check
            case.body["version"] = current_version(client, case.formatted_path, api.token) or case.body["version"]
        response = case.call(app=app)
        statuses.add(response.status_code)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}: "
            f"{response.status_code} {response.text[:500]}"
        )
        case.validate_response(
            response, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
        )

    send()
    # the token got the requests past authentication: something other than 401 was answered
    assert statuses - {401}, statuses
