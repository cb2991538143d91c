"""The API's hottest read answered before FastAPI's routing: GET /api/v1/projects/{id} with a bearer token.

The routed endpoint (app.routers.api.projects.get_project) costs, beside its own work, the walk
over the application's routes, FastAPI's dependency solving (the token, the session, the router's
query check) and their bookkeeping: together about as much as the answer itself. `FastPaths` sits
inside the other middleware (request id, security headers, body cap, 500 page: they apply to its
answers as to any other) and answers that one request itself, in one worker-thread hop, with what
the routed endpoint does: the same database slot (app.deps.database_slots), the same session
without a transaction on PostgreSQL (app.deps.new_session, `reads_only`), the same token check
(app.deps.token_principal: hash, expiry, revocation, scope, the token's last use stamped after the
answer), the same rules and JSON (app.routers.api.projects.project_json: the unit rule, the
confidential masking, the warnings, the open anomalies) and the same end of the request
(app.db.end_request).

It answers only what it answers exactly: a GET of that path, an id in the route's range written
without a sign or leading zeros, no query string, an `Authorization: Bearer …` header, and a
successful answer (200). Everything else — another method or path shape, a missing or malformed
token, a token refused, a project missing or another unit's, any error — goes to the routed
endpoint unchanged, which answers it (and audits a refused read) as it always did; the fast path's
own attempt wrote nothing (its session is rolled back, its bookkeeping dropped) and leaves the
request's state as it found it. `app.state.fast_paths = False` turns it off (the tests compare the
two answers byte for byte: tests/core/test_fastpath.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError, create_model
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import end_request, request_session
from app.deps import bearer_secret, database_slots, new_session, token_principal
from app.errors import LoginRequired
from app.principal import Principal
from app.routers.api import projects as projects_api
from app.schemas.common import CONTROL_CHARACTERS

PROJECT_BY_ID = re.compile(r"/api/v1/projects/([1-9][0-9]{0,9})")
"""The path the fast path answers (the id as FastAPI's int parses it, without a sign or leading zero)."""
MAX_ID = 2_147_483_647  # app.routers.api.projects.IdPath's bound
PROJECTS = "/api/v1/projects"

Work = Callable[[Session, Principal], bytes]


class FastPaths:
    """ASGI middleware: add it first (innermost), so that it runs after the others."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            owner = scope.get("app")
            work = _work(scope) if owner is not None and getattr(owner.state, "fast_paths", True) else None
            if work is not None:
                body = await _answer_in_thread(owner, scope, work)
                if body is not None:
                    await Response(body, media_type="application/json")(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _work(scope: Scope) -> Work | None:
    """What answers this request, if the fast path takes it."""
    path = get_route_path(scope)
    if path == PROJECTS:
        values = list_values(scope.get("query_string", b""))
        return None if values is None else functools.partial(_list, values)
    match = PROJECT_BY_ID.fullmatch(path)
    if match is None or scope.get("query_string"):
        return None
    project_id = int(match[1])
    return functools.partial(_project, project_id) if project_id <= MAX_ID else None


def _project(project_id: int, db: Session, principal: Principal) -> bytes:
    return projects_api.project_json(db, principal, project_id)


def _list(values: dict[str, Any], db: Session, principal: Principal) -> bytes:
    return projects_api.list_json(db, principal, **values)


@functools.cache
def _list_parameters() -> tuple[type[BaseModel], frozenset[str]] | None:
    """The list's query parameters as one model, made from the routed endpoint's own (their types,
    bounds, patterns and defaults), and their names; None if they cannot be (an alias)."""
    route = next(
        r
        for r in projects_api.router.routes
        if isinstance(r, APIRoute) and r.path == "/projects" and "GET" in (r.methods or ())
    )
    fields = route.dependant.query_params
    if any(field.alias != field.name for field in fields):
        return None
    model = create_model(  # type: ignore[call-overload]
        "ProjectListQuery", **{field.name: (field.field_info.annotation, field.field_info) for field in fields}
    )
    return model, frozenset(field.name for field in fields)


def list_values(query_string: bytes) -> dict[str, Any] | None:
    """The list's parameters' values as FastAPI would pass them to the endpoint, or None where the
    routed endpoint must answer: a value FastAPI refuses (422), a parameter given twice, a control
    character (app.routers.api.plain_query)."""
    made = _list_parameters()
    if made is None:
        return None
    model, names = made
    given: dict[str, str] = {}
    for name, value in QueryParams(query_string).multi_items():
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            return None
        if name in names:
            if name in given:
                return None
            given[name] = value
    try:
        parsed = model.model_validate(given)
    except ValidationError:
        return None
    return {name: getattr(parsed, name) for name in names}


async def _answer_in_thread(app: Any, scope: Scope, work: Work) -> bytes | None:
    """The answer, or None to leave the request to the routed endpoint."""
    request = Request(scope)
    try:
        raw = bearer_secret(request)
    except LoginRequired:
        return None
    state = scope.setdefault("state", {})
    before = dict(state)
    async with database_slots(app):
        body = await run_in_threadpool(_answer, app, request, raw, work)
    if body is None:  # as the routed endpoint will find it: no principal bound yet
        state.clear()
        state.update(before)
    return body


def _answer(app: Any, request: Request, raw: str, work: Work) -> bytes | None:
    """In the worker thread: what get_db, the token's check and the endpoint do, or None."""
    session = new_session(app, reads_only=True)
    token = request_session.set(session)
    try:
        try:
            principal = token_principal(request, session, raw)
            body = work(session, principal)
        except Exception:  # refused or failed: the routed endpoint answers it, audit and all
            session.rollback()
            session.info.clear()  # (the token's stamp, if any, is the routed request's to make)
            return None
        end_request(session)
        return body
    finally:
        request_session.reset(token)
        session.close()
