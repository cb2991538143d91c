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

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import end_request, request_session
from app.deps import bearer_secret, database_slots, new_session, token_principal
from app.errors import LoginRequired
from app.routers.api.projects import project_json

PROJECT_BY_ID = re.compile(r"/api/v1/projects/([1-9][0-9]{0,9})")
"""The path the fast path answers (the id as FastAPI's int parses it, without a sign or leading zero)."""
MAX_ID = 2_147_483_647  # app.routers.api.projects.IdPath's bound


class FastPaths:
    """ASGI middleware: add it first (innermost), so that it runs after the others."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("query_string"):
            match = PROJECT_BY_ID.fullmatch(get_route_path(scope))
            owner = scope.get("app")
            if match is not None and owner is not None and getattr(owner.state, "fast_paths", True):
                project_id = int(match[1])
                if project_id <= MAX_ID:
                    body = await _project_by_id(owner, scope, project_id)
                    if body is not None:
                        await Response(body, media_type="application/json")(scope, receive, send)
                        return
        await self.app(scope, receive, send)


async def _project_by_id(app: Any, scope: Scope, project_id: int) -> bytes | None:
    """The project's JSON, or None to leave the request to the routed endpoint."""
    request = Request(scope)
    try:
        raw = bearer_secret(request)
    except LoginRequired:
        return None
    state = scope.setdefault("state", {})
    before = dict(state)
    async with database_slots(app):
        body = await run_in_threadpool(_answer, app, request, raw, project_id)
    if body is None:  # as the routed endpoint will find it: no principal bound yet
        state.clear()
        state.update(before)
    return body


def _answer(app: Any, request: Request, raw: str, project_id: int) -> bytes | None:
    """In the worker thread: what get_db, the token's check and the endpoint do, or None."""
    session = new_session(app, reads_only=True)
    token = request_session.set(session)
    try:
        try:
            principal = token_principal(request, session, raw)
            body = project_json(session, principal, project_id)
        except Exception:  # refused or failed: the routed endpoint answers it, audit and all
            session.rollback()
            session.info.clear()  # (the token's stamp, if any, is the routed request's to make)
            return None
        end_request(session)
        return body
    finally:
        request_session.reset(token)
        session.close()
