"""Routers: synchronous endpoints commit in their own thread; a router turns away, with one set
lookup, a request none of its routes can serve.

TransactionalRoute: a synchronous endpoint runs in a worker thread, and the request's session
(app.deps.get_db) used to be committed afterwards in another one. Committing in the endpoint's
own thread, before it returns, saves that hop, and a transaction's locks (the audit chain's,
a row's) are never held while the request queues for a thread. It is also where the one rule
"a refused request changes nothing" is applied to what endpoints return: an answer with status
>= 400 (a form shown again with its errors, a JSON error) rolls the transaction back
(app.db.end_request); an asynchronous endpoint's answer marks the session, and get_db ends it.

IndexedRouter:

FastAPI 0.16x keeps an included router as one node and matches a request against it by trying
each of its routes in turn, and again when it hands the request on: a request for a route in
the last router tried every route of every router before it (≈ 5 µs a route, ~0.6 ms for
an API request here, more than the whole of /healthz). Each router here knows the first path
segments its routes can match; a request whose first segment (after the router's mount prefix)
is not among them is answered "no match" at once, and FastAPI goes on to the next router.
Routes whose first segment is a parameter disable the shortcut for their router, so matching
is never changed, only skipped where it could not succeed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import Match, get_route_path
from starlette.types import Scope

from app.db import end_request, mark_refused, request_session

F = TypeVar("F", bound=Callable[..., Any])

# FastAPI's own record of which included-router node is being matched (private in 0.16x): it
# gives the prefix this router is mounted under. Without it the shortcut is simply not taken.
_included_router_of = getattr(fastapi_routing, "_get_scope_included_router", None)


def long_running(endpoint: F) -> F:
    """Mark an endpoint that may hold the database for seconds (an import, an export, a bulletin
    over all units): it waits for one of the process's long-request slots instead of the
    ordinary ones (app.deps.get_db), so that it never keeps short requests waiting.

    Put it under the route decorator: `@router.get(...)` then `@long_running`."""
    endpoint.long_running = True  # type: ignore[attr-defined]
    return endpoint


def is_long_running(endpoint: Any) -> bool:
    return bool(getattr(endpoint, "long_running", False))


def _answer_status(result: Any, default: int | None) -> int:
    if isinstance(result, Response):
        return result.status_code
    return default or 200


def _committing(endpoint: Callable[..., Any], default_status: int | None) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        session = request_session.get()
        if session is not None:
            mark_refused(session, _answer_status(result, default_status))
            end_request(session)
        return result

    return run


def _marking(endpoint: Callable[..., Any], default_status: int | None) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        result = await endpoint(*args, **kwargs)
        session = request_session.get()
        if session is not None:
            mark_refused(session, _answer_status(result, default_status))
        return result

    return run


class TransactionalRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        default_status = kwargs.get("status_code")
        if inspect.iscoroutinefunction(endpoint):
            endpoint = _marking(endpoint, default_status)
        elif inspect.isfunction(endpoint) and not (
            inspect.isgeneratorfunction(endpoint) or inspect.isasyncgenfunction(endpoint)
        ):
            endpoint = _committing(endpoint, default_status)
        super().__init__(path, endpoint, **kwargs)


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


class IndexedRouter(APIRouter):
    """Use instead of APIRouter for routers that are included in another router or the app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", TransactionalRoute)
        super().__init__(*args, **kwargs)

    _segment_index: tuple[int, frozenset[str] | None] | None = None

    def _segments(self) -> frozenset[str] | None:
        """The first path segments of this router's routes; None when any could be anything."""
        routes = self.routes
        cached = self._segment_index
        if cached is not None and cached[0] == len(routes):
            return cached[1]
        segments: set[str] | None = set()
        for route in routes:
            path = getattr(route, "path", None)
            segment = _first_segment(path) if isinstance(path, str) else "{"
            if "{" in segment:
                segments = None
                break
            assert segments is not None
            segments.add(segment)
        index = frozenset(segments) if segments is not None else None
        self._segment_index = (len(routes), index)
        return index

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if _included_router_of is not None and scope["type"] == "http":
            node: Any = _included_router_of(scope)
            context = getattr(node, "include_context", None)
            prefix = getattr(context, "prefix", None)
            if getattr(node, "original_router", None) is self and isinstance(prefix, str):
                path = get_route_path(scope)
                if not path.startswith(prefix + self.prefix):  # every route of a router is under its prefix
                    return Match.NONE, {}
                segments = self._segments()
                if segments is not None and _first_segment(path[len(prefix) :]) not in segments:
                    return Match.NONE, {}
        return super().matches(scope)
