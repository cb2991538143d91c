"""Routers: synchronous endpoints commit in their own thread; a router turns away, with one set
lookup, a request none of its routes can serve.

TransactionalRoute: a synchronous endpoint runs in a worker thread, and the request's session
(app.deps.get_db) used to be committed afterwards in another one. Committing in the endpoint's
own thread, before it returns, saves that hop, and a transaction's locks (the audit chain's,
a row's) are never held while the request queues for a thread. It is also where the one rule
"a refused request changes nothing" is applied to what endpoints return: an answer with status
>= 400 (a form shown again with its errors, a JSON error) rolls the transaction back
(app.db.end_request); an asynchronous endpoint's answer marks the session, and get_db ends it.

A synchronous dependency costs a thread hop of its own. A dependency marked `in_endpoint_thread`
(app.deps.api_principal: the token check; app.deps.api_guard: the Idempotency-Key's claim, after
the token's check) is left to a synchronous endpoint's thread instead, just before the endpoint
runs, when nothing but the endpoint (the route's own dependency list, another such dependency)
asks for it: the dependency hands over an `InEndpointThread` in its value's place and
files it with the request's session; the endpoint's wrapper does that work first and passes
its result. One hop per request instead of two.

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
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, get_route_path
from starlette.types import Scope

from app.db import end_request, mark_refused, request_session

F = TypeVar("F", bound=Callable[..., Any])

# FastAPI's own record of which included-router node is being matched (private in 0.16x): it
# gives the prefix this router is mounted under. Without it the shortcut is simply not taken.
_included_router_of = getattr(fastapi_routing, "_get_scope_included_router", None)
# and of the route being built where it is included (its dependencies with its routers'); without
# it, no dependency's work is left to the endpoint's thread
_effective_context: Any = getattr(fastapi_routing, "_effective_route_context_var", None)


def long_running(endpoint: F) -> F:
    """Mark an endpoint that may hold the database for seconds (an import, an export, a bulletin
    over all units): it waits for one of the process's long-request slots instead of the
    ordinary ones (app.deps.get_db), so that it never keeps short requests waiting.

    Put it under the route decorator: `@router.get(...)` then `@long_running`."""
    endpoint.long_running = True  # type: ignore[attr-defined]
    return endpoint


def is_long_running(endpoint: Any) -> bool:
    return bool(getattr(endpoint, "long_running", False))


def reads_only(endpoint: F) -> F:
    """Mark an endpoint that only reads: on PostgreSQL its session runs without a transaction
    (autocommit: no BEGIN and COMMIT round trips), which buys a read nothing there, each statement
    reading a snapshot of its own as it would inside a READ COMMITTED transaction. SQLite keeps
    its transaction (app.db.reading_bind). Whatever the request still writes is one statement
    (a token's last use, stamped after the answer: app.db.after_commit); a refused read is audited
    in a session of its own (app.main).

    Put it under the route decorator: `@router.get(...)` then `@reads_only`."""
    endpoint.reads_only = True  # type: ignore[attr-defined]
    return endpoint


def is_reads_only(endpoint: Any) -> bool:
    return bool(getattr(endpoint, "reads_only", False))


def in_endpoint_thread(dependency: F) -> F:
    """Mark a dependency that may leave its (blocking) work to a synchronous endpoint's worker
    thread: it asks `deferrable(request)` and, if so, returns `defer(session, work)`."""
    dependency.in_endpoint_thread = True  # type: ignore[attr-defined]
    return dependency


class InEndpointThread:
    """A dependency's value to be computed in the endpoint's worker thread (see `defer`)."""

    __slots__ = ("_done", "_value", "_work")

    def __init__(self, work: Callable[[], Any]) -> None:
        self._work, self._done, self._value = work, False, None

    def resolve(self) -> Any:
        if not self._done:
            self._value, self._done = self._work(), True
        return self._value


DEFERRED = "in_endpoint_thread"
_RESOLVES = "app.resolves_in_endpoint_thread"


def deferrable(request: Any) -> bool:
    """Whether the matched route's endpoint does its `in_endpoint_thread` dependencies' work itself."""
    return bool(request.scope.get(_RESOLVES, False))


def defer(session: Any, work: Callable[[], Any]) -> Any:
    """`work` to be done in the endpoint's thread before it runs, filed with the request's session
    (the wrapper does all that is filed, whether or not the endpoint takes the value)."""
    pending = InEndpointThread(work)
    session.info.setdefault(DEFERRED, []).append(pending)
    return pending


def _resolve_deferred(session: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    for pending in session.info.pop(DEFERRED, ()):
        pending.resolve()
    return {k: v.resolve() if isinstance(v, InEndpointThread) else v for k, v in kwargs.items()}


def _only_the_endpoint_asks(dependant: Any) -> bool:
    """Whether every dependency marked `in_endpoint_thread` is asked for by the endpoint, the route's
    dependency list or another such dependency only (not by one that runs before the endpoint, which
    would need its value first). Such dependencies asking for one another do their work in the
    endpoint's thread in the order FastAPI solves them: what a dependency asks for first."""

    def deferred(node: Any) -> bool:
        return bool(getattr(node.call, "in_endpoint_thread", False))

    def asks_below(node: Any) -> bool:
        return any(deferred(sub) or asks_below(sub) for sub in node.dependencies)

    def needs_a_deferred_value(node: Any) -> bool:
        if deferred(node):
            return any(needs_a_deferred_value(sub) for sub in node.dependencies)
        return asks_below(node)

    return not any(needs_a_deferred_value(sub) for sub in dependant.dependencies)


def _answer_status(result: Any, default: int | None) -> int:
    if isinstance(result, Response):
        return result.status_code
    return default or 200


def _committing(endpoint: Callable[..., Any], default_status: int | None) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    def run(*args: Any, **kwargs: Any) -> Any:
        session = request_session.get()
        if session is not None and session.info.get(DEFERRED):
            kwargs = _resolve_deferred(session, kwargs)
        result = endpoint(*args, **kwargs)
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
        self._committing = False
        if inspect.iscoroutinefunction(endpoint):
            endpoint = _marking(endpoint, default_status)
        elif inspect.isfunction(endpoint) and not (
            inspect.isgeneratorfunction(endpoint) or inspect.isasyncgenfunction(endpoint)
        ):
            endpoint = _committing(endpoint, default_status)
            self._committing = True
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler; for a synchronous endpoint that alone asks for its `in_endpoint_thread`
        dependencies (judged on the dependencies in effect where the route is included, its
        routers' too), one that tells those dependencies to leave their work to it."""
        handler = super().get_route_handler()
        if not self._committing or _effective_context is None:
            return handler
        context = _effective_context.get()
        dependant = context.dependant if context is not None and context.original_route is self else self.dependant
        if dependant is None or not _only_the_endpoint_asks(dependant):
            return handler

        async def resolving_in_endpoint_thread(request: Request) -> Response:
            request.scope[_RESOLVES] = True
            return await handler(request)

        return resolving_in_endpoint_thread


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
