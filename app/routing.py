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
from starlette.routing import Route as StarletteRoute
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
            if ROUTE_INDEX and "_match" in getattr(node, "__dict__", ()):  # its node's index does better
                return super().matches(scope)
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


# --- the route walk, indexed ------------------------------------------------------------------
#
# FastAPI 0.16x matches a request at each included router's node by trying every candidate of the
# node in turn (its routes, the nodes of the routers included in it), once to find the route and
# once more to hand the request on, and asks every time whether any router of the subtree changed
# (a walk of the subtree). `index_routes(app.router)` gives each node an index of its candidates
# by the literal beginning of their paths: a static path by the path itself, a parametrised one by
# the segments before its first parameter, an included router by what all its routes share. A
# request is tried only against the candidates whose key is one of its path's segment prefixes
# ("", "/api", "/api/v1", "/api/v1/projects", "/api/v1/projects/7"), in their original order, by
# FastAPI's own matching: a candidate left out could not have matched. Candidates that are not
# plain routes (mounts, websockets, hosts) are always tried. The node's index is rebuilt when its
# router's routes change.

_original_match: Any = getattr(getattr(fastapi_routing, "_IncludedRouter", None), "_match", None)
ROUTE_INDEX = True
"""Whether nodes use their index (the tests compare the resolution with and without it)."""


class _Candidates:
    """What FastAPI's `_IncludedRouter._match` reads of its node: the candidates to try."""

    __slots__ = ("_chosen",)

    def __init__(self, chosen: list[Any]) -> None:
        self._chosen = chosen

    def effective_candidates(self) -> list[Any]:
        return self._chosen


class _RouteIndex:
    __slots__ = ("always", "by_key", "candidates", "version")

    def __init__(self, version: tuple[int, int, int], candidates: list[Any]) -> None:
        self.version, self.candidates = version, candidates
        self.by_key: dict[str, list[int]] = {}
        self.always: list[int] = []
        for i, keys in enumerate(_candidate_keys(c) for c in candidates):
            if keys is None:
                self.always.append(i)
                continue
            for key in keys:
                self.by_key.setdefault(key, []).append(i)


def _literal_key(path: str) -> str:
    """A route's key: its path if static, else its segments before the first parameter."""
    head, brace, _ = path.partition("{")
    if not brace:
        return path
    return head[: head.rfind("/")] if "/" in head else ""


def _plain(route: Any) -> bool:
    """A route matched by its path's pattern alone (not a mount, a websocket, a host)."""
    return isinstance(route, APIRoute) or type(route) is StarletteRoute


def _router_keys(router: Any, prefix: str) -> frozenset[str] | None:
    """The keys of every route a router mounted under `prefix` holds (FastAPI's effective paths:
    the include prefixes, then the route's path), None if one is not a plain route. Read from the
    routers themselves: an included router's own candidates are built only when it is first asked."""
    keys: set[str] = set()
    for route in router.routes:
        if isinstance(route, fastapi_routing._IncludedRouter):
            below = _router_keys(route.original_router, prefix + route.include_context.prefix)
            if below is None:
                return None
            keys |= below
        elif _plain(route) and isinstance(route.path, str) and (prefix + route.path).startswith("/"):
            keys.add(_literal_key(prefix + route.path))
        else:
            return None
    return frozenset(keys)


def _candidate_keys(candidate: Any) -> frozenset[str] | None:
    """The keys of a node's candidate: one for a route, its routes' for an included router."""
    if isinstance(candidate, fastapi_routing._IncludedRouter):
        _install(candidate)
        return _router_keys(candidate.original_router, candidate.include_context.prefix)
    original = getattr(candidate, "original_route", None)
    if isinstance(original, APIRoute):
        path = candidate.path
        return frozenset({_literal_key(path)}) if isinstance(path, str) and path.startswith("/") else None
    route = getattr(candidate, "starlette_route", None)
    if type(route) is StarletteRoute and isinstance(route.path, str) and route.path.startswith("/"):
        return frozenset({_literal_key(route.path)})
    return None


def _index_of(node: Any) -> _RouteIndex:
    """The node's index, built when it is first asked (as FastAPI builds its candidates) and again
    whenever its router's routes change."""
    router = node.original_router
    routes = router.routes
    version = (id(routes), len(routes), getattr(router, "_routes_version", 0))
    index: _RouteIndex | None = node.__dict__.get("_route_index")
    if index is None or index.version != version:
        index = _RouteIndex(version, list(node.effective_candidates()))
        node.__dict__["_route_index"] = index
    return index


def _install(node: Any) -> None:
    if "_match" not in node.__dict__:
        node.__dict__["_match"] = functools.partial(_indexed_match, node)


def _segment_prefixes(path: str) -> list[str]:
    prefixes = [""]
    cut = path.find("/", 1)
    while cut != -1:
        prefixes.append(path[:cut])
        cut = path.find("/", cut + 1)
    prefixes.append(path)
    return prefixes


def _indexed_match(node: Any, scope: Scope) -> Any:
    if not ROUTE_INDEX or scope["type"] != "http":
        return _original_match(node, scope)
    index = _index_of(node)
    by_key = index.by_key
    picked = list(index.always)
    for prefix in _segment_prefixes(get_route_path(scope)):
        found = by_key.get(prefix)
        if found is not None:
            picked += found
    if not picked:
        return Match.NONE, {}, None, None  # (what FastAPI's own walk answers when nothing matches)
    candidates = index.candidates
    return _original_match(_Candidates([candidates[i] for i in sorted(set(picked))]), scope)


def index_routes(router: APIRouter) -> None:
    """Give every included router's node under `router` its index (call once all routes are added)."""
    if _original_match is None:  # FastAPI without the nodes: its own matching, unchanged
        return
    for route in router.routes:
        if isinstance(route, fastapi_routing._IncludedRouter):
            _install(route)
