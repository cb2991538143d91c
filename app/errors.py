"""Domain errors carry their HTTP status, a stable code and a Chinese message.

Services raise these; one set of handlers (app.main) renders them as JSON for the API and as
pages or inline messages for the browser.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, field: str | None = None, details: Any = None
    ) -> None:
        self.message = message or self.message
        if code:
            self.code = code
        self.field = field
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "找不到该记录，或您无权查看"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    message = "您没有权限执行此操作"


class LoginRequired(DomainError):
    status_code = 401
    code = "unauthenticated"
    message = "请先登录"


class Conflict(DomainError):
    """Stale version: someone else changed the record since the user loaded it."""

    status_code = 409
    code = "version_conflict"
    message = "该记录已被他人修改，请查看最新内容后重试"


class Duplicate(DomainError):
    status_code = 409
    code = "duplicate"
    message = "已存在相同的记录"


class Invalid(DomainError):
    """Input that fails a business rule; `errors` maps field names to Chinese messages."""

    status_code = 422
    code = "validation_error"
    message = "提交的内容有误，请检查标红的字段"

    def __init__(self, errors: dict[str, str] | str, message: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {"__all__": errors}
        if message is None and "__all__" in errors:
            message = errors["__all__"]
        self.errors = errors
        field = next(iter(errors)) if len(errors) == 1 and "__all__" not in errors else None
        super().__init__(message, field=field, details=[{"field": k, "message": v} for k, v in errors.items()])


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"
    message = "尝试过于频繁，请稍后再试"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"
    message = "提交的内容过大"
