"""IndexedRouter: routers skip requests they cannot serve, and every route is still reached."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match

from app import routing
from app.routing import IndexedRouter


def _page_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Page routes (mounted without a prefix), walking included routers; the API and Open311 (both in
    the OpenAPI document, requested below) left out."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router") and not route.original_router.prefix.startswith(("/api", "/open311")):
            yield from _page_routes(route.original_router.routes)


def _concrete(path: str) -> str:
    # a format is a resource's extension (Open311: discovery.json); any other parameter is an id
    return re.sub(r"\{[^}]+\}", "1", path.replace("{fmt}", "json"))


def test_fastapi_still_exposes_the_hook_the_shortcut_needs():
    # without it IndexedRouter silently falls back to plain matching: correct, but slow again
    assert routing._included_router_of is not None


def test_every_api_operation_is_reached_not_404(client):
    """Unauthenticated calls to every operation answer 401 (or 422 for a bad id): never 404/405."""
    seen = 0
    for path, operations in client.app.openapi()["paths"].items():
        for method in operations:
            response = client.request(method.upper(), _concrete(path))
            assert response.status_code not in (404, 405), (method, path, response.text[:200])
            seen += 1
    assert seen > 50


def test_every_page_is_reached_not_404(client):
    seen = 0
    for route in _page_routes(client.app.router.routes):
        if route.path.startswith("/api/") or "GET" not in route.methods:
            continue
        if route.path.startswith("/invest/"):  # public pages (no sign-in): an unpublished id is 404 there
            continue  # (tests/publish crawls them)
        response = client.get(_concrete(route.path), follow_redirects=False)
        assert response.status_code not in (404, 405), route.path  # signed out: the sign-in redirect
        seen += 1
    assert seen > 40


def test_unknown_paths_are_404_in_each_format(client):
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "找不到该页面" in page.text


def test_a_router_turns_away_paths_outside_its_first_segments():
    router = IndexedRouter(prefix="/projects")

    @router.get("")
    def listing() -> dict[str, str]:
        return {}

    @router.get("/{project_id}")
    def one(project_id: int) -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    node = app.router.routes[-1]
    scope_base = {"type": "http", "method": "GET", "root_path": "", "query_string": b"", "headers": []}

    def match(path: str) -> Match:
        scope = {**scope_base, "path": path}
        return node.matches(scope)[0]

    tried: list[str] = []
    original = APIRoute.matches

    def counting(self: APIRoute, scope: Any) -> Any:
        tried.append(scope["path"])
        return original(self, scope)

    APIRoute.matches = counting  # type: ignore[method-assign]
    try:
        assert match("/api/v1/projects") == Match.FULL
        assert match("/api/v1/projects/7") == Match.FULL
        assert tried  # the routes were tried for a path the router serves
        tried.clear()
        assert match("/api/v1/tickets/7") == Match.NONE
        assert match("/projects/7") == Match.NONE  # outside the mount prefix
        assert tried == []  # turned away without trying a single route
    finally:
        APIRoute.matches = original  # type: ignore[method-assign]
    assert router._segments() == frozenset({"projects"})


def test_a_parameter_as_first_segment_disables_the_shortcut():
    router = IndexedRouter()

    @router.get("/{anything}")
    def catch_all(anything: str) -> dict[str, str]:
        return {}

    assert router._segments() is None
    app = FastAPI()
    app.include_router(router)
    scope = {"type": "http", "method": "GET", "root_path": "", "query_string": b"", "headers": [], "path": "/x"}
    assert app.router.routes[-1].matches(scope)[0] == Match.FULL


def _resolve(app: FastAPI, method: str, path: str) -> tuple[Any, ...]:
    """Where the routing sends a request: the match, the route finally chosen (through every
    included router's node), its path format and parameters."""
    from fastapi.routing import _IncludedRouter

    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"", "headers": []}
    chosen: tuple[Any, Any] | None = None
    for route in app.router.routes:
        match, child = route.matches(scope)
        if match is Match.FULL:
            chosen = (match, route)
            break
        if match is Match.PARTIAL and chosen is None:
            chosen = (match, route)
    if chosen is None:
        return (Match.NONE,)
    match, route = chosen
    context = None
    while isinstance(route, _IncludedRouter):
        match, child, route, context = route._match(scope)
    found = getattr(context, "path_format", None) or getattr(route, "path_format", None)
    return match, id(route), found, tuple(sorted(child.get("path_params", {}).items()))


def test_the_route_index_resolves_every_route_as_fastapi_does(app: FastAPI):
    """For a sample path of every route (and variants: another value, a trailing slash, one segment
    more or less), every method, the indexed walk (app.routing.index_routes, installed by create_app)
    chooses the same route, match and parameters as FastAPI's own walk."""
    from fastapi.routing import _IncludedRouter

    formats: set[str] = set()

    def collect(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, _IncludedRouter):
                collect(list(route.effective_route_contexts()))
            else:
                formats.add(getattr(route, "path_format", None) or getattr(route, "path", "") or "/")

    collect(app.router.routes)
    assert len(formats) > 300
    paths = {"/", "", "/api", "/api/v1", "/api/v1/", "/static/app.css", "/static", "/nothing/here", "/api/v1/x/y/z"}
    for fmt in formats:
        for value in ("1", "x", "2147483648"):
            concrete = re.sub(r"\{[^}]+\}", value, fmt)
            paths |= {concrete, concrete + "/", concrete.rsplit("/", 1)[0] or "/", concrete + "/extra"}
    assert routing.ROUTE_INDEX
    methods = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
    indexed = {(m, p): _resolve(app, m, p) for p in paths for m in methods}
    routing.ROUTE_INDEX = False
    try:
        walked = {(m, p): _resolve(app, m, p) for p in paths for m in methods}
    finally:
        routing.ROUTE_INDEX = True
    assert [key for key in walked if walked[key] != indexed[key]] == []
    assert sum(1 for r in walked.values() if r[0] is Match.FULL) > 500


def test_the_route_index_tries_only_the_routes_that_could_match(app: FastAPI):
    """A request for the project by id tries none of the other routers' routes (FastAPI's own walk
    tried them all, twice)."""
    tried: list[str] = []
    original = APIRoute.matches

    def counting(self: APIRoute, scope: Any) -> Any:
        tried.append(self.path)
        return original(self, scope)

    APIRoute.matches = counting  # type: ignore[method-assign]
    try:
        assert _resolve(app, "GET", "/api/v1/projects/7")[0] is Match.FULL
    finally:
        APIRoute.matches = original  # type: ignore[method-assign]
    assert tried and all(path.startswith("/projects") for path in tried), tried
