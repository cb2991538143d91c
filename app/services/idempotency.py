"""Idempotency-Key for POSTs: a retry returns the first response and creates nothing.

The key's record is inserted in the same transaction as the change it guards, so either both
are committed or neither is; a concurrent duplicate waits on the unique index and is then told
to retry (409), when it gets the stored response.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.errors import DomainError, Invalid
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord

MAX_KEY_LENGTH = 200


class IdempotentReplay(Exception):
    """Raised to answer a repeated request with the stored response."""

    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record

    def response(self) -> Response:
        headers = {"Idempotent-Replayed": "true"}
        if self.record.location:
            headers["Location"] = self.record.location
        return Response(
            self.record.body,
            status_code=self.record.status_code,
            media_type=self.record.content_type or None,
            headers=headers,
        )


class KeyInFlight(DomainError):
    status_code = 409
    code = "idempotency_in_flight"
    message = "相同 Idempotency-Key 的请求正在处理，请稍后重试"


def request_fingerprint(
    method: str, path: str, content_type: str, body: bytes, form_items: list[tuple[str, Any]] | None = None
) -> str:
    """A digest of what was asked: parsed JSON or form fields, so encoding details do not matter."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    if form_items is not None:
        for name, value in sorted(form_items, key=lambda item: item[0]):
            if name in ("csrf_token", "idempotency_key"):
                continue
            digest.update(name.encode() + b"=")
            digest.update(value if isinstance(value, bytes) else str(value).encode())
            digest.update(b"\n")
    elif "json" in content_type:
        try:
            digest.update(json.dumps(json.loads(body or b"null"), sort_keys=True).encode())
        except ValueError:
            digest.update(body)
    else:
        digest.update(body)
    return digest.hexdigest()


class Guard:
    """Handed to a POST handler; `finish(response)` stores what the first request answered."""

    def __init__(self, db: Session, record: IdempotencyRecord | None) -> None:
        self.db = db
        self.record = record

    def finish(self, response: Response) -> Response:
        if self.record is not None and response.status_code < 500:
            self.record.status_code = response.status_code
            self.record.content_type = response.headers.get("content-type", "")
            self.record.location = response.headers.get("location", "") or response.headers.get("hx-redirect", "")
            self.record.body = bytes(response.body)
            self.db.flush()
        return response


def begin(db: Session, principal_key: str, key: str | None, fingerprint: str) -> Guard:
    if not key:
        return Guard(db, None)
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid({"Idempotency-Key": f"Idempotency-Key 不能超过 {MAX_KEY_LENGTH} 个可打印字符"})
    existing = db.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.principal == principal_key, IdempotencyRecord.key == key)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.request_hash != fingerprint:
            raise Invalid(
                {"Idempotency-Key": "该 Idempotency-Key 已用于内容不同的请求"},
                "该 Idempotency-Key 已用于内容不同的请求",
            )
        if existing.status_code == 0:
            raise KeyInFlight()
        raise IdempotentReplay(existing)
    record = IdempotencyRecord(principal=principal_key, key=key, request_hash=fingerprint, status_code=0)
    db.add(record)
    db.flush()
    return Guard(db, record)


def purge(db: Session, ttl_hours: int) -> int:
    result = db.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - timedelta(hours=ttl_hours))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
