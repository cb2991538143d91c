"""The API's request path does no work it needs not: one worker-thread hop for a synchronous read
(the token is checked in the endpoint's thread), no BEGIN/COMMIT for the hottest reads on
PostgreSQL, the bearer scheme declared in the OpenAPI document without a dependency of its own;
and still the same answers in the same order: 401 before 403 before 422, a refused read audited.
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.models.audit import AuditEntry
from tests.factories import bearer, make_token, make_unit
from tests.projects.factories import make_project


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call that a request hands to a worker thread."""
    calls: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return calls


def test_a_read_takes_one_thread_hop(db, client, hops):
    unit = make_unit(db)
    project = make_project(db, unit)
    secret = make_token(db, unit)
    db.commit()
    for path in (f"/api/v1/projects/{project.id}", "/api/v1/projects?limit=50&stage=negotiating"):
        client.get(path, headers=bearer(secret))  # the token's first use is stamped: in the same thread
        hops.clear()
        answer = client.get(path, headers=bearer(secret))
        assert answer.status_code == 200, answer.text
        assert len(hops) == 1, (path, hops)


def test_refusals_come_in_the_same_order(db, client):
    """Whatever else is wrong with a request, a missing or unknown token is answered 401 first, and
    a token without the scope 403 (audited) before a parameter's 422."""
    unit = make_unit(db)
    project = make_project(db, unit)
    reader = make_token(db, unit)
    no_read = make_token(db, unit, scopes=("projects",))
    db.commit()
    invalid = ("/api/v1/projects/0", "/api/v1/projects?limit=0", "/api/v1/projects?q=%00", "/api/v1/projects/x")
    for path in invalid:
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=bearer("zs_unknown_token_0123456789")).status_code == 401, path
        refused = client.get(path, headers=bearer(no_read))
        assert (refused.status_code, refused.json()["code"]) == (403, "scope_missing"), path
        answered = client.get(path, headers=bearer(reader))
        assert (answered.status_code, answered.json()["code"]) == (422, "validation_error"), path
    denials = db.execute(select(AuditEntry).where(AuditEntry.action == "permission_denied")).scalars().all()
    assert [d.changes for d in denials] == [{"path": path.split("?")[0], "code": "scope_missing"} for path in invalid]
    assert [d.actor_label for d in denials] == [denials[0].actor_label] * len(invalid)
    assert denials[0].actor_label.startswith("令牌:")
    assert client.get(f"/api/v1/projects/{project.id}", headers=bearer(no_read)).status_code == 403


def test_the_bearer_scheme_is_declared_for_every_api_operation(app: FastAPI):
    document = app.openapi()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "招商局在“系统令牌”页面签发的令牌：`Authorization: Bearer <令牌>`",
    }
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in methods.items()
    ]
    assert len(operations) > 50
    assert [(p, m) for p, m, o in operations if o.get("security") != [{"bearerAuth": []}]] == []
