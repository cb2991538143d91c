"""Pure ASGI middleware: request ids, the body cap and security headers."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# a client's own X-Request-ID is kept only if it is a short token of safe characters (a UUID, a
# 32-digit hex id fit); anything else is dropped, never cut or cleaned into something else
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,40}")


def request_ids(incoming: str) -> tuple[str, str]:
    """(the id the audit records, the id the response echoes) for a request.

    The server always makes its own id; a sane client id is kept beside it: the audit records
    "server/client" (at most 16 + 1 + 40 characters, in the entry's existing request_id field, so
    the hash chain and its columns stay as they are), and the response echoes the client's id
    (or the server's, when the client sent none)."""
    server = secrets.token_hex(8)
    client = incoming if _CLIENT_REQUEST_ID.fullmatch(incoming) else ""
    return (f"{server}/{client}" if client else server), (client or server)


class RequestContextMiddleware:
    """Gives every request an id of the server's own (and keeps a sane X-Request-ID beside it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        recorded, echoed = request_ids(incoming)
        scope.setdefault("state", {})["request_id"] = recorded

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", echoed.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Caps request bodies before anything parses them: 413 for a declared or an endless excess.

    A body that runs over the cap while it is being read (chunked, or with no length given) is
    answered 413 at that moment, whatever the application then makes of the interrupted read
    (FastAPI turns it into a 400): its own answer is discarded. The interrupted handler fails,
    so its transaction is rolled back and nothing is written.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.max_upload_bytes if content_type.startswith("multipart/form-data") else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _reject(scope, send, limit)
                return
        received = 0
        response_started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, response_started, rejected
            if rejected:
                raise _BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    rejected = True
                    if not response_started:
                        response_started = True
                        await _reject(scope, send, limit)
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return  # the 413 has been sent; the application's own answer is dropped
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception as exc:  # multipart parsers wrap receive errors; unwrap ours
            if not (rejected and _caused_by_limit(exc)):
                raise


class _BodyTooLarge(Exception):
    pass


ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


class ErrorPageMiddleware:
    """Answers an unexpected exception with the application's own 500 page or JSON.

    It sits inside the other middleware, so the 500 answer carries the security headers and
    the request id like every other response. The exception is raised on afterwards, for the
    server's log (and for tests).
    """

    def __init__(self, app: ASGIApp, handler: ErrorHandler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not response_started and not _caused_by_limit(exc):
                try:
                    response = await self.handler(Request(scope), exc)
                except Exception:  # the error page itself failed: a plain answer still carries the headers
                    response = PlainTextResponse("Internal Server Error", status_code=500)
                await response(scope, receive, send)
            raise


def _caused_by_limit(exc: BaseException) -> bool:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, _BodyTooLarge):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    if isinstance(exc, BaseExceptionGroup):
        return any(_caused_by_limit(e) for e in exc.exceptions)
    return False


async def _reject(scope: Scope, send: Send, limit: int) -> None:
    mb = limit / 1_048_576
    message = f"提交的内容过大（上限 {mb:.0f} MB）"
    path: str = scope.get("path", "")
    if path.startswith("/api/"):
        body = json.dumps({"code": "payload_too_large", "message": message}, ensure_ascii=False).encode()
        content_type = b"application/json"
    else:
        body = f"<!doctype html><meta charset=utf-8><title>413</title><p>{message}</p>".encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool, extra_script_src: str = "", extra_img_src: str = "") -> None:
        self.app = app
        self.hsts = hsts
        csp = CSP
        if extra_script_src:
            csp = csp.replace("script-src 'self'", f"script-src 'self' {extra_script_src}")
        if extra_img_src:  # a configured map tile service (settings MAP_TILE_URL)
            csp = csp.replace("img-src 'self'", f"img-src 'self' {extra_img_src}")
        self.headers: list[tuple[bytes, bytes]] = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {k.lower() for k, _ in message.get("headers", [])}
                headers: list[Any] = list(message.get("headers", []))
                headers.extend(h for h in self.headers if h[0] not in existing)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
