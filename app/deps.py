"""Request dependencies: the database session, who is acting, CSRF and idempotency."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator
from typing import Annotated, Any

from anyio import CancelScope, Semaphore
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from app import policy, scopes
from app.config import Settings
from app.db import begin_write, end_request, has_pending_work, is_sqlite, reading_bind, request_session
from app.errors import Forbidden, LoginRequired
from app.models.user import Role, User, UserSession
from app.principal import Principal
from app.routing import defer, deferrable, in_endpoint_thread, is_long_running, is_reads_only
from app.scopes import TokenRole
from app.services import auth, idempotency
from app.services.auth import mfa_required, password_expired
from app.services.common import release_memory

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "zs_csrf"


class Redirect(Exception):
    """Send the browser elsewhere (303, or HX-Redirect for htmx)."""

    def __init__(self, url: str) -> None:
        self.url = url


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def database_slots(app: Any, *, long_running: bool = False) -> Semaphore:
    """The process's database slots (see get_db), made in the running event loop on first use."""
    loop = asyncio.get_running_loop()
    made: tuple[Any, Semaphore, Semaphore] | None = getattr(app.state, "database_slots", None)
    if made is None or made[0] is not loop:  # a test client runs each app in an event loop of its own
        settings: Settings = app.state.settings
        made = (
            loop,
            Semaphore(settings.database_slots, fast_acquire=True),
            Semaphore(settings.long_request_slots, fast_acquire=True),
        )
        app.state.database_slots = made
    return made[2] if long_running else made[1]


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            end_request(session)  # (rolled back instead if the answer refused the request)
        else:
            session.rollback()
    finally:
        session.close()


_NOT_YET: Any = object()


def new_session(app: Any, *, reads_only: bool) -> Session:
    """The request's session; for an endpoint that only reads, without a transaction where that
    saves round trips (app.routing.reads_only, app.db.reading_bind)."""
    factory = app.state.session_factory
    if reads_only:
        bind = getattr(app.state, "reading_bind", _NOT_YET)
        if bind is _NOT_YET:
            bind = app.state.reading_bind = reading_bind(factory)
        if bind is not None:
            session: Session = factory(bind=bind)
            return session
    made: Session = factory()
    return made


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on error
    and whenever the endpoint's answer has a status >= 400 (app.db.end_request; the route,
    app.routing.TransactionalRoute, tells the session the answer's status).

    A request waits for one of the process's database slots (settings `database_slots`, and
    `long_request_slots` for endpoints marked `long_running`) before it opens its session, and
    keeps it to the end: a request that holds a connection, or a lock, never
    waits for a worker thread behind requests that wait for that connection or lock (with one
    shared thread pool they did: every thread blocked on a lock whose holder queued for a
    thread to commit in, until the pool's 30 s timeout).

    Asynchronous, so that opening the session costs no thread hop (it does no I/O until first
    used). A synchronous endpoint commits in its own worker thread before it returns
    (app.routing.TransactionalRoute); what is left here (after an error, or an asynchronous
    endpoint) runs in the thread pool, shielded so that a cancelled request still ends its
    transaction. An endpoint marked `reads_only` reads without a transaction on PostgreSQL.
    """
    endpoint = request.scope.get("endpoint")
    async with database_slots(request.app, long_running=is_long_running(endpoint)):
        session: Session = new_session(request.app, reads_only=is_reads_only(endpoint))
        token = request_session.set(session)
        try:
            if request.method not in SAFE_METHODS and is_sqlite(session.get_bind().engine):
                await run_in_threadpool(begin_write, session)
            yield session
        except BaseException:
            with CancelScope(shield=True):
                await run_in_threadpool(_end, session, commit=False)
            raise
        finally:
            request_session.reset(token)
        if has_pending_work(session):
            with CancelScope(shield=True):
                await run_in_threadpool(_end, session, commit=True)
        else:
            session.close()  # committed by the endpoint: nothing left that needs the database
    if is_long_running(endpoint):
        await run_in_threadpool(release_memory)


DbSession = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def client_addr(request: Request) -> str:
    return request.client.host if request.client else ""


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def principal_for_user(request: Request, user: User, *, second_factor: bool = False) -> Principal:
    """A signed-in person; `second_factor`: the session passed the authenticator code (TOTP)."""
    return Principal(
        role=user.role,
        unit_id=user.unit_id,
        label=f"{user.display_name}({user.username})",
        user_id=user.id,
        request_id=request_id(request),
        client_addr=client_addr(request),
        extra={"second_factor": "totp"} if second_factor else {},
    )


def _bind(request: Request, db: Session, principal: Principal) -> Principal:
    request.state.principal = principal
    db.info["principal"] = principal
    return principal


# --- pages -----------------------------------------------------------------------------------


def _session_user(request: Request, db: Session, settings: Settings) -> tuple[UserSession, User] | None:
    found = auth.load_session(db, request.cookies.get(settings.session_cookie_name), settings)
    if found is not None:
        request.state.user_session, request.state.user = found
        request.state.csrf_token = found[0].csrf_token
    return found


def check_csrf(request: Request, expected: str, submitted: str | None) -> None:
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get("x-csrf-token") or submitted or ""
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("页面已过期或来源不明，请刷新页面后重试", code="csrf_failed")


async def _form_csrf(request: Request) -> str | None:
    if request.method in SAFE_METHODS or request.headers.get("x-csrf-token"):
        return None
    content_type = request.headers.get("content-type", "")
    if "form" not in content_type:
        return None
    form = await request.form()
    value = form.get("csrf_token")
    return value if isinstance(value, str) else None


FormCsrf = Annotated[str | None, Depends(_form_csrf)]


def _signed_in(request: Request, db: Session, settings: Settings, csrf: str | None) -> User:
    """A signed-in user whose second factor is done (password change may still be pending), looked up
    once per request: the page's principal and its user are the same lookup."""
    known: User | None = getattr(request.state, "signed_in", None)
    if known is not None:
        return known
    found = _session_user(request, db, settings)
    if found is None:
        raise LoginRequired()
    session, user = found
    if not session.mfa_passed:
        raise Redirect("/login/2fa")
    check_csrf(request, session.csrf_token, csrf)
    _bind(request, db, principal_for_user(request, user, second_factor=user.totp_enabled and session.mfa_passed))
    request.state.signed_in = user
    return user


def _fully_signed_in(user: User, settings: Settings) -> User:
    if user.must_change_password or password_expired(user, settings):
        raise Redirect("/account/password")
    if mfa_required(user, settings) and not user.totp_enabled:
        raise Redirect("/account/2fa")
    return user


def page_user_any_state(request: Request, db: DbSession, settings: SettingsDep, csrf: FormCsrf) -> User:
    """A signed-in user whose second factor is done; password change may still be pending."""
    return _signed_in(request, db, settings, csrf)


async def page_user(
    request: Request, user: Annotated[User, Depends(page_user_any_state)], settings: SettingsDep
) -> User:
    """A fully signed-in user: second factor passed, password current."""
    return _fully_signed_in(user, settings)


def page_principal_now(request: Request, db: Session, settings: Settings, csrf: str | None) -> Principal:
    """Who acts on a page: a fully signed-in user (see `page_user`), as a principal."""
    _fully_signed_in(_signed_in(request, db, settings, csrf), settings)
    principal: Principal = request.state.principal
    return principal


PAGE_CHECK_PENDING = "page_check_pending"


@in_endpoint_thread
async def page_principal(request: Request, db: DbSession, settings: SettingsDep, csrf: FormCsrf) -> Principal:
    """`page_principal_now`, in the endpoint's worker thread where the route allows (a read whose
    endpoint alone asks for the principal: app.routing.in_endpoint_thread), else in a thread of its
    own: one thread hop for a page read instead of two. A read refused by FastAPI's validation before
    the endpoint ran is signed in by the error handler (app.main), so that its redirect to the
    sign-in page still comes first."""
    if request.method in SAFE_METHODS and deferrable(request):
        setattr(request.state, PAGE_CHECK_PENDING, True)
        deferred: Principal = defer(db, functools.partial(page_principal_now, request, db, settings, csrf))
        return deferred
    return await run_in_threadpool(page_principal_now, request, db, settings, csrf)


PageUser = Annotated[User, Depends(page_user)]
PagePrincipal = Annotated[Principal, Depends(page_principal)]


def pending_session(request: Request, db: DbSession, settings: SettingsDep, csrf: FormCsrf) -> tuple[UserSession, User]:
    """A session that has passed the password step and may still owe the second factor."""
    found = _session_user(request, db, settings)
    if found is None:
        raise LoginRequired()
    check_csrf(request, found[0].csrf_token, csrf)
    _bind(request, db, principal_for_user(request, found[1]))
    return found


PendingSession = Annotated[tuple[UserSession, User], Depends(pending_session)]


async def anonymous_csrf(request: Request, csrf: FormCsrf) -> str:
    """Double-submit token for forms shown before sign-in (the login form)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if len(cookie) < 20 or len(cookie) > 100:  # never one we issued: treat as absent
        cookie = ""
    if request.method not in SAFE_METHODS:
        check_csrf(request, cookie, csrf)
        request.state.csrf_token = cookie  # a form shown again (e.g. after a wrong password) stays usable
        return cookie
    token = cookie or secrets.token_urlsafe(24)
    request.state.csrf_token = token
    request.state.set_csrf_cookie = token != cookie
    return token


AnonymousCsrf = Annotated[str, Depends(anonymous_csrf)]


# --- API -------------------------------------------------------------------------------------


def bearer_secret(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise LoginRequired("缺少或无效的访问令牌（Authorization: Bearer …）")
    return raw.strip()


def authenticate_api(request: Request, db: Session) -> Principal:
    """Who acts with the request's bearer token: 401 without a live one, 403 without the scope."""
    return token_principal(request, db, bearer_secret(request))


class _ApiPrincipal(HTTPBearer):
    """The API's authentication, and the bearer scheme it declares in the OpenAPI document (the
    docs' Authorize button) without a dependency of its own: 401 in the API's own JSON error
    format (app.main), before any validation error of the request's parameters (422).

    A missing or malformed header is refused at once. The token itself is looked up in the
    endpoint's worker thread when the route allows (app.routing.in_endpoint_thread: a
    synchronous endpoint that alone asks for the principal), else in a thread of its own. A
    request refused by FastAPI's validation before that is authenticated by the error handler
    (app.main), so that its 401 or 403 still comes first."""

    in_endpoint_thread = True

    async def __call__(self, request: Request, db: DbSession) -> Principal:  # type: ignore[override]
        raw = bearer_secret(request)
        if deferrable(request):
            deferred: Principal = defer(db, functools.partial(token_principal, request, db, raw))
            return deferred
        return await run_in_threadpool(token_principal, request, db, raw)


api_principal = _ApiPrincipal(
    auto_error=False,
    scheme_name="bearerAuth",
    description="招商局在“系统令牌”页面签发的令牌：`Authorization: Bearer <令牌>`",
)


def token_principal(
    request: Request, db: Session, raw: str, refusal: str = "访问令牌无效、已过期或已被吊销"
) -> Principal:
    """Who acts with a token's secret (a bearer token, an Open311 api_key); `refusal` if it is no live token."""
    token = auth.authenticate_token(db, raw, client_addr(request))
    if token is None:
        raise LoginRequired(refusal)
    granted = scopes.parse(token.scopes)
    principal = Principal(
        role=_TOKEN_ROLES[token.role],
        unit_id=token.unit_id,
        label=f"令牌:{token.name}",
        token_id=token.id,
        read_only=token.read_only,
        request_id=request_id(request),
        client_addr=client_addr(request),
        scopes=granted,
    )
    _bind(request, db, principal)
    needed = scopes.area_of(request.method, request.url.path)
    if needed not in granted:
        what = scopes.SCOPES.get(needed or "", "此项操作")
        raise policy.DeniedForbidden(f"令牌没有“{what}”的权限（scope: {needed or '无'}）", code="scope_missing")
    return principal


_TOKEN_ROLES = {
    TokenRole.unit_staff.value: Role.unit_staff,
    TokenRole.coordinator.value: Role.coordinator,
    TokenRole.reader.value: Role.leader,
}
"""A token's role as the principal's: a reader reads everything as a leader does."""


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


# --- idempotency -----------------------------------------------------------------------------


async def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get("idempotency_key")
        key = value if isinstance(value, str) and value else None
    return key


IdemKey = Annotated[str | None, Depends(_idempotency_key)]


async def _fingerprint(request: Request, key: IdemKey) -> str:
    if key is None:
        return ""
    content_type = request.headers.get("content-type", "")
    form_items: list[tuple[str, Any]] | None = None
    body = b""
    if "form" in content_type:
        form = await request.form()
        form_items = []
        for name, value in form.multi_items():
            if isinstance(value, str):
                form_items.append((name, value))
            else:
                data = await value.read()
                await value.seek(0)
                form_items.append((name, data))
    else:
        body = await request.body()
    return idempotency.request_fingerprint(request.method, request.url.path, content_type, body, form_items)


Fingerprint = Annotated[str, Depends(_fingerprint)]


def _guard(request: Request, db: DbSession, key: IdemKey, fingerprint: Fingerprint) -> idempotency.Guard:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        return idempotency.Guard(db, None)
    return idempotency.begin(db, principal.key, key, fingerprint)


@in_endpoint_thread
async def api_guard(
    principal: ApiPrincipal, request: Request, db: DbSession, key: IdemKey, fingerprint: Fingerprint
) -> idempotency.Guard:
    """The Idempotency-Key's guard of an API write. Its claim (a statement, which may wait for a
    concurrent request with the same key) is made in the endpoint's worker thread when the route
    allows (app.routing.in_endpoint_thread), after the token's check there: one thread hop for the
    request instead of three. Else in a thread of its own, once the token is checked."""
    if deferrable(request):
        guard: idempotency.Guard = defer(db, functools.partial(_guard, request, db, key, fingerprint))
        return guard
    return await run_in_threadpool(_guard, request, db, key, fingerprint)


def page_guard(
    principal: PagePrincipal, request: Request, db: DbSession, key: IdemKey, fingerprint: Fingerprint
) -> idempotency.Guard:
    return _guard(request, db, key, fingerprint)


ApiIdempotency = Annotated[idempotency.Guard, Depends(api_guard)]


async def _keyed_fingerprint(fingerprint: Fingerprint, settings: SettingsDep) -> str:
    """The fingerprint of a request whose body holds a password, keyed with the server's secret: the
    request hash kept with an Idempotency-Key cannot be tested against guessed passwords."""
    if not fingerprint:
        return ""
    return hmac.new(settings.secret_key.encode(), fingerprint.encode(), hashlib.sha256).hexdigest()


def api_secret_guard(
    principal: ApiPrincipal,
    request: Request,
    db: DbSession,
    key: IdemKey,
    fingerprint: Annotated[str, Depends(_keyed_fingerprint)],
) -> idempotency.Guard:
    return _guard(request, db, key, fingerprint)


ApiSecretIdempotency = Annotated[idempotency.Guard, Depends(api_secret_guard)]
"""ApiIdempotency for a body that holds a password (a new person, a password reset)."""
PageIdempotency = Annotated[idempotency.Guard, Depends(page_guard)]


async def _request_form(request: Request) -> FormData:
    return await request.form()


RequestForm = Annotated[FormData, Depends(_request_form)]
"""The parsed form, so that handlers can stay synchronous (the database session is synchronous)."""
