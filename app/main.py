"""create_app(): middleware, routers, error handlers, static files."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from sqlalchemy import Engine, event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Match
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import policy
from app.config import BASE_DIR, Settings, get_settings
from app.db import is_sqlite, make_engine, make_session_factory, session_scope
from app.deps import PAGE_CHECK_PENDING, Redirect, authenticate_api, database_slots, page_principal_now
from app.errors import Conflict, DomainError, Invalid, LoginRequired
from app.fastpath import FastPaths
from app.middleware import (
    BodyLimitMiddleware,
    ErrorPageMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from app.openapi_doc import keep_example_nulls
from app.routing import index_routes
from app.schemas.common import translate_errors
from app.schemas.errors import METHODS
from app.services import audit
from app.services.idempotency import IdempotentReplay
from app.templating import is_htmx, templates

log = logging.getLogger("app")

API_DESCRIPTION = """
招商引资工作平台的 JSON 接口，供省级平台、统计系统、政务服务中心等其他政府系统调用。

* 认证：`Authorization: Bearer <令牌>`。令牌由招商局在“系统令牌”页面签发，只显示一次；
  令牌或限定于一个单位（可读写该单位的记录），或为只读。
* 错误：JSON `{"code": "...", "message": "中文说明", "field": "出错字段"}`，`code` 稳定可编程判断。
* 并发：可编辑记录带 `version`；提交时带上读到的版本号，过期则返回 409。
* 幂等：POST 可带 `Idempotency-Key` 头；同一键同一内容的重试返回第一次的响应，不重复创建；
  同一键不同内容返回 422。键至少保留 24 小时。
* 分页：`limit`（上限见各接口）与 `offset`，响应含 `total`。
* 事件推送：招商局在“推送”页面添加 Webhook 订阅，单位与招商局可添加钉钉、企业微信群机器人；
  每种事件的数据结构见本文档的 webhooks 部分及 `GET /api/v1/event-types`。
"""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _viewer(request: Request) -> Any:
    """The signed-in user for the page header, still readable after the request's rollback.

    A failed request's transaction is rolled back before its error page is rendered, which
    expires every loaded object: the user is read again in a short session of its own.
    """
    user = getattr(request.state, "user", None)
    if user is None:
        return None
    state = sa_inspect(user)
    if not state.expired_attributes and not state.detached:
        return user
    fields = ("id", "username", "display_name", "role", "unit_id", "totp_enabled", "password_changed_at")
    if all(name in state.dict for name in fields):
        return SimpleNamespace(**{name: state.dict[name] for name in fields})
    from app.models.user import User

    try:
        with request.app.state.session_factory() as session:
            fresh = session.get(User, state.identity[0]) if state.identity else None
            if fresh is not None:
                return SimpleNamespace(**{name: getattr(fresh, name) for name in fields})
    except Exception:  # the header is not worth a second failure
        log.warning("could not reload the user for an error page", exc_info=True)
    return SimpleNamespace(display_name="", username="", role=None)


def _page_error(request: Request, status: int, message: str) -> Response:
    """An error page (or an htmx toast). Call it from a thread: it may read the database."""
    headers = {"Vary": "HX-Request", "Cache-Control": "no-store"}
    if is_htmx(request):
        headers.update({"HX-Retarget": "#toast", "HX-Reswap": "innerHTML"})
        return templates.TemplateResponse(
            request, "components/toast.html", {"message": message, "kind": "error"}, status_code=status, headers=headers
        )
    return templates.TemplateResponse(
        request,
        "errors/error.html",
        {
            "settings": lambda: request.app.state.settings,
            "status": status,
            "message": message,
            "principal": getattr(request.state, "principal", None),
            "current_user": _viewer(request),
            "csrf_token": getattr(request.state, "csrf_token", ""),
        },
        status_code=status,
        headers=headers,
    )


def _redirect(request: Request, url: str) -> Response:
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _record_denial(request: Request, exc: DomainError) -> None:
    principal = getattr(request.state, "principal", None)
    factory = request.app.state.session_factory
    for session in session_scope(factory):
        audit.append(
            session,
            "permission_denied",
            entity="request",
            entity_id=request.method,
            changes={"path": request.url.path[:200], "code": exc.code},
            principal=principal,
        )


def _refused_caller(request: Request) -> DomainError | None:
    """Why an API request that was turned away before its token was checked (a body that is not
    JSON, a form that cannot be parsed, a parameter out of range where the token is checked in
    the endpoint's thread: app.deps.api_principal) may not be answered, if it may not: no valid
    token (401), or a token without the scope the request needs (403, audited as it would have
    been). Call it from a thread.

    Authentication comes first: an anonymous caller learns nothing about what its request would
    have been answered, only that it must authenticate. Nothing is written (no token touch)."""
    if getattr(request.state, "principal", None) is not None:
        return None
    with request.app.state.session_factory() as session:
        try:
            authenticate_api(request, session)
        except (LoginRequired, policy.DeniedForbidden) as exc:
            return exc
        finally:
            session.rollback()
    return None


def _refused_reader(request: Request) -> Exception | None:
    """Why a page read that was turned away before its endpoint ran (a parameter out of range), where
    the sign-in is checked in the endpoint's thread (app.deps.page_principal), may not be answered, if
    it may not: no live session (to the sign-in page), a second factor or password change owed. So the
    sign-in comes first, as when it was checked before the parameters. Call it from a thread."""
    if not getattr(request.state, PAGE_CHECK_PENDING, False) or getattr(request.state, "principal", None) is not None:
        return None
    with request.app.state.session_factory() as session:
        try:
            page_principal_now(request, session, request.app.state.settings, None)
        except (DomainError, Redirect) as exc:
            return exc
        finally:
            session.rollback()
    return None


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (Starlette names only the first route's)."""
    allowed = []
    for method in METHODS:
        scope = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
            "headers": [],
            "query_string": b"",
        }
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    from app.routers import open311

    if open311.handles(request):
        return open311.error_response(request, 500, ["服务器内部错误，已记录"])
    if _is_api(request):
        return JSONResponse({"code": "internal_error", "message": "服务器内部错误，已记录"}, status_code=500)
    return await run_in_threadpool(_page_error, request, 500, "服务器内部错误，已记录，请稍后重试")


def register_error_handlers(app: FastAPI) -> None:
    from app.routers import open311  # Open311 GeoReport v2 answers its errors in the spec's shape

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        if getattr(exc, "audit_denial", False) or exc.code == "csrf_failed":
            async with database_slots(request.app):  # it writes: never beside the slots (see get_db)
                await run_in_threadpool(_record_denial, request, exc)
        if open311.handles(request):
            return open311.domain_error_response(request, exc)
        if isinstance(exc, LoginRequired):
            if _is_api(request):
                return JSONResponse(exc.to_dict(), status_code=401, headers={"WWW-Authenticate": "Bearer"})
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return _redirect(request, f"/login?next={quote(target)}")
        if _is_api(request):
            return JSONResponse(exc.to_dict(), status_code=exc.status_code)
        return await run_in_threadpool(_page_error, request, exc.status_code, exc.message)

    async def redirect(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Redirect)
        return _redirect(request, exc.url)

    async def replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplay)
        return exc.response()

    async def refused_caller(request: Request) -> Response | None:
        if getattr(request.state, "principal", None) is not None:
            return None
        if not _is_api(request):
            if not getattr(request.state, PAGE_CHECK_PENDING, False):
                return None
            async with database_slots(request.app):
                refusal = await run_in_threadpool(_refused_reader, request)
            if isinstance(refusal, Redirect):
                return await redirect(request, refusal)
            return await domain_error(request, refusal) if isinstance(refusal, DomainError) else None
        async with database_slots(request.app):
            refusal = await run_in_threadpool(_refused_caller, request)
        return await domain_error(request, refusal) if refusal is not None else None

    async def invalid_input(request: Request, raw_errors: Any) -> Response:
        if open311.handles(request):
            return open311.invalid_response(request, raw_errors)
        errors = translate_errors(
            # a body that is not JSON: the error's location is a character offset, not a field
            [{**e, "loc": ("body",)} if e.get("type") == "json_invalid" else e for e in raw_errors]
        )
        first = next(iter(errors.items()), ("__all__", "格式不正确"))
        body = {
            "code": "validation_error",
            "message": f"{first[0]}：{first[1]}",
            "field": first[0],
            "details": [{"field": k, "message": v} for k, v in errors.items()],
        }
        if _is_api(request):
            return JSONResponse(body, status_code=422)
        return await run_in_threadpool(_page_error, request, 422, f"{first[0]}：{first[1]}")

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return await refused_caller(request) or await invalid_input(request, exc.errors())

    async def model_error(request: Request, exc: Exception) -> Response:
        """A model a handler or service builds from the request's values (not FastAPI's own
        parsing) refused them: the client's input, answered like any other validation error."""
        assert isinstance(exc, ValidationError)
        log.info("input refused by %s: %s", exc.title, exc.errors(include_url=False, include_input=False))
        return await invalid_input(request, exc.errors(include_url=False))

    async def stale(request: Request, exc: Exception) -> Response:
        return await domain_error(request, Conflict())

    async def integrity(request: Request, exc: Exception) -> Response:
        log.info("integrity error: %s", exc)
        return await domain_error(request, Conflict("与其他同时提交的内容冲突，请刷新后重试", code="conflict"))

    async def out_of_range(request: Request, exc: Exception) -> Response:
        """A number or value the database cannot hold (e.g. an id beyond 64 bits): the client's error."""
        return await domain_error(request, Invalid({"__all__": "请求中的数值超出范围"}))

    async def statement(request: Request, exc: Exception) -> Response:
        """A value the driver could not even send (a moment before year 1 once in UTC): the client's error."""
        assert isinstance(exc, StatementError)
        if isinstance(exc.orig, (OverflowError, ValueError)):
            return await out_of_range(request, exc)
        raise exc

    async def operational(request: Request, exc: Exception) -> Response:
        log.warning("database busy: %s", exc)
        error = DomainError("系统繁忙，请稍后重试", code="busy")
        error.status_code = 503
        return await domain_error(request, error)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        messages = {404: "找不到该页面", 405: "不支持该请求方法", 413: "提交的内容过大", 400: "请求有误"}
        message = messages.get(exc.status_code, "请求有误")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request)) or headers.get("Allow", "")
        if open311.handles(request):
            headers.pop("WWW-Authenticate", None)
            return open311.http_error_response(request, exc.status_code, message, headers)
        if _is_api(request):
            if exc.status_code == 400 and (refused := await refused_caller(request)) is not None:
                return refused  # a body that cannot be parsed: authentication still comes first
            code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
            return JSONResponse({"code": code, "message": message}, status_code=exc.status_code, headers=headers)
        response = await run_in_threadpool(_page_error, request, exc.status_code, message)
        response.headers.update(headers)
        return response

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(Redirect, redirect)
    app.add_exception_handler(IdempotentReplay, replay)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ValidationError, model_error)
    app.add_exception_handler(StaleDataError, stale)
    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(DataError, out_of_range)
    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(StatementError, statement)  # after DataError etc.: the most specific handler wins
    app.add_exception_handler(OperationalError, operational)
    app.add_exception_handler(PoolTimeout, operational)  # every pooled connection busy for 30 s
    app.add_exception_handler(StarletteHTTPException, http_error)
    # unexpected exceptions: ErrorPageMiddleware (see create_app), inside the header middleware


def _refuse_unsafe_production(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    if not settings.is_production:
        return
    problems = settings.production_problems()
    from app.models.user import User

    try:
        for session in session_scope(app.state.session_factory, write=False):
            if session.execute(select(User.id).where(User.is_demo.is_(True)).limit(1)).first():
                problems.append("the database holds demo accounts")
    except SQLAlchemyError as exc:
        name = type(exc).__name__
        problems.append(f"cannot check the database for demo accounts ({name}; is it migrated? python -m app migrate)")
    if problems:
        raise RuntimeError("refusing to start in production: " + "; ".join(problems))


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, session_factory: Any = None
) -> FastAPI:
    settings = settings or get_settings()
    if settings.is_production and settings.production_problems():
        raise RuntimeError("refusing to start in production: " + "; ".join(settings.production_problems()))
    if engine is None:
        engine = make_engine(settings.effective_database_url)
        keep_statements_prepared(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # a thread for each request holding a database slot, and some for the rest (/healthz,
        # static files, error pages), so that a slot's holder is never kept waiting long
        slots = app.state.settings.database_slots + app.state.settings.long_request_slots
        to_thread.current_default_thread_limiter().total_tokens = slots + 8
        _refuse_unsafe_production(app)
        yield

    app = FastAPI(
        title="招商引资工作平台 API",
        version="1.0",
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    keep_example_nulls(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory or make_session_factory(engine)

    register_error_handlers(app)

    from app.routers import health, open311
    from app.routers.api import api_router
    from app.routers.pages import page_router
    from app.services import events

    app.include_router(health.router)
    app.include_router(api_router)
    events.register_webhooks(app)  # the OpenAPI document's `webhooks`: one per event type
    app.include_router(open311.router)
    app.include_router(page_router)
    # the browser libraries compressed on the way (ECharts: 1.1 MB, 0.37 MB gzipped), for a phone on a slow
    # network; the pages themselves are not (their CPU is the service's throughput: bench/FINDINGS.md)
    static = GZipMiddleware(StaticFiles(directory=str(BASE_DIR / "app" / "static")), minimum_size=2048)
    app.mount("/static", static, name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse((BASE_DIR / "app" / "static" / "docs.html").read_text(encoding="utf-8"))

    index_routes(app.router)  # each included router's routes by their paths' beginnings (app.routing)

    # the last added runs first: request id → security headers → body cap → 500 page → the app,
    # so every answer (a 413, a 500 page) carries the id and the headers
    app.add_middleware(FastPaths)  # innermost: the project by id before the routing (app.fastpath)
    app.add_middleware(ErrorPageMiddleware, handler=unexpected)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_body_bytes
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts=settings.cookie_secure,
        extra_script_src=_script_origin(settings.htmx_url),
        extra_img_src=_tile_origin(settings.map_tile_url),
    )
    app.add_middleware(RequestContextMiddleware)
    # outermost: the client address every part of the app reads (request.client, app.deps.client_addr)
    # takes X-Forwarded-For from a trusted proxy only; `serve` leaves this to the app (no second pass)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    return app


PREPARE_THRESHOLD = 2
PREPARED_MAX = 1000


def keep_statements_prepared(engine: Engine) -> None:
    """PostgreSQL: each connection prepares a statement on its second use (psycopg's default: the
    fifth) and keeps up to 1,000 prepared (default 100, fewer than the application's distinct
    statements: under mixed traffic the hottest ones were evicted and prepared again, a
    DEALLOCATE and a Parse each time). Statements the server parses and plans once per connection."""
    if is_sqlite(engine):
        return

    @event.listens_for(engine, "connect")
    def _prepared(dbapi_connection: Any, _record: Any) -> None:
        if hasattr(dbapi_connection, "prepared_max"):  # psycopg 3
            dbapi_connection.prepare_threshold = PREPARE_THRESHOLD
            dbapi_connection.prepared_max = PREPARED_MAX


def _script_origin(url: str) -> str:
    """The origin a configured htmx URL is loaded from, when it is not this site (a CDN)."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def _tile_origin(url: str) -> str:
    """The origin a configured map tile service's images come from; a host with a subdomain placeholder
    (t{s}.example.cn) as a wildcard (*.example.cn)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc
    if "{" in host:
        host = "*." + host.split(".", 1)[1] if "." in host else ""
    return f"{parts.scheme}://{host}" if host else ""


class _LazyApp:
    """`app.main:app` builds the application on first use, so importing this module is cheap.

    If building it fails (production refusing unsafe settings) during the server's startup,
    the failure is reported as a failed startup, so the server exits instead of carrying on.
    """

    _app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            try:
                self._app = create_app()
            except Exception as exc:
                if scope["type"] != "lifespan":
                    raise
                log.error("application startup failed: %s", exc)
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
        await self._app(scope, receive, send)


app = _LazyApp()
