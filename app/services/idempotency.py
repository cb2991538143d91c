"""Idempotency-Key for POSTs: a retry returns the first response and creates nothing.

The key's record is inserted in the same transaction as the change it guards, so either both
are committed or neither is. A concurrent duplicate waits on the unique index until the first
request's transaction ends; if that committed, the duplicate answers with the stored response,
otherwise it proceeds as the first. A request that ends without storing a response (a form
shown again with errors) leaves no record, so the key may be used again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from sqlalchemy import bindparam, delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction
from starlette.responses import Response

from app.errors import DomainError, Invalid
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord

MAX_KEY_LENGTH = 200
MIN_TTL_HOURS = 24
# response headers worth replaying (htmx reads its own; a browser follows Location)
REPLAYED_HEADERS = ("location", "hx-redirect", "hx-location", "hx-refresh", "hx-trigger", "hx-retarget", "hx-reswap")


class IdempotentReplay(Exception):
    """Raised to answer a repeated request with the stored response.

    The stored response is copied out at once: the request's transaction is rolled back before
    the answer is built, which would expire the record.
    """

    def __init__(self, record: IdempotencyRecord) -> None:
        self.status_code = record.status_code
        self.content_type = record.content_type
        self.headers = dict(record.headers or {})
        self.body = bytes(record.body or b"")

    def response(self) -> Response:
        return Response(
            self.body,
            status_code=self.status_code,
            media_type=self.content_type or None,
            headers={**self.headers, "Idempotent-Replayed": "true"},
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


_CLAIMS = "idempotency_claims"


@dataclass
class _Claim:
    """A key this session's transaction inserted, and whether the response was stored with it."""

    record_id: int
    transaction: SessionTransaction | None
    finished: bool = False


class Guard:
    """Handed to a POST handler; `finish(response)` stores what the first request answered."""

    def __init__(self, db: Session, claim: _Claim | None) -> None:
        self.db = db
        self.claim = claim

    def finish(self, response: Response) -> Response:
        claim = self.claim
        if claim is not None and response.status_code < 500:
            self.db.flush()  # the request's changes first, as before the key's record
            self.db.connection().execute(
                _STORE,
                {
                    "record_id": claim.record_id,
                    "status_code": response.status_code,
                    "content_type": response.headers.get("content-type", "")[:100],
                    "headers": {n: response.headers[n] for n in REPLAYED_HEADERS if n in response.headers},
                    "body": bytes(response.body),
                },
            )
            claim.finished = True
        return response


# one statement claims the key: a concurrent request holding it makes this wait for its transaction
_CLAIM = {
    "postgresql": pg_insert(IdempotencyRecord)
    .on_conflict_do_nothing(index_elements=["principal", "key"])
    .returning(IdempotencyRecord.id),
    "sqlite": sqlite_insert(IdempotencyRecord)
    .on_conflict_do_nothing(index_elements=["principal", "key"])
    .returning(IdempotencyRecord.id),
}
_STORE = (
    update(IdempotencyRecord)
    .where(IdempotencyRecord.id == bindparam("record_id"))
    .values(
        status_code=bindparam("status_code"),
        content_type=bindparam("content_type"),
        headers=bindparam("headers"),
        body=bindparam("body"),
    )
)
_FORGET = delete(IdempotencyRecord).where(IdempotencyRecord.id == bindparam("record_id"))


def _find(db: Session, principal_key: str, key: str) -> IdempotencyRecord | None:
    return db.execute(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.principal == principal_key, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _answer_existing(existing: IdempotencyRecord, fingerprint: str) -> NoReturn:
    if existing.request_hash != fingerprint:
        raise Invalid(
            {"Idempotency-Key": "该 Idempotency-Key 已用于内容不同的请求"},
            "该 Idempotency-Key 已用于内容不同的请求",
        )
    if existing.status_code == 0:
        raise KeyInFlight()
    raise IdempotentReplay(existing)


def begin(db: Session, principal_key: str, key: str | None, fingerprint: str) -> Guard:
    if not key:
        return Guard(db, None)
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid({"Idempotency-Key": f"Idempotency-Key 不能超过 {MAX_KEY_LENGTH} 个可打印字符"})
    connection = db.connection()
    # a concurrent request with the same key holds the unique index entry: this waits for its
    # transaction, and inserts nothing if it committed (nor if the key was used before)
    record_id = connection.execute(
        _CLAIM[connection.dialect.name],
        {"principal": principal_key, "key": key, "request_hash": fingerprint, "status_code": 0, "headers": {}},
    ).scalar_one_or_none()
    if record_id is None:
        existing = _find(db, principal_key, key)
        if existing is None:
            raise KeyInFlight()
        _answer_existing(existing, fingerprint)
    claim = _Claim(record_id, db.get_transaction())
    db.info.setdefault(_CLAIMS, []).append(claim)
    return Guard(db, claim)


@event.listens_for(Session, "before_commit")
def _forget_unfinished(session: Session) -> None:
    """A request that stored no response leaves no record, so its key may be used again."""
    claims: list[_Claim] | None = session.info.get(_CLAIMS)
    if not claims or session.in_nested_transaction():
        return  # a savepoint inside the request: only the request's own commit decides
    del session.info[_CLAIMS]
    transaction = session.get_transaction()
    for claim in claims:
        if not claim.finished and claim.transaction is transaction:  # (not if rolled back meanwhile)
            session.connection().execute(_FORGET, {"record_id": claim.record_id})


def purge(db: Session, ttl_hours: int) -> int:
    """Forget keys older than `ttl_hours` (never fewer than 24: clients may retry for a day)."""
    if ttl_hours < MIN_TTL_HOURS:
        raise ValueError(f"Idempotency-Key 至少保留 {MIN_TTL_HOURS} 小时")
    result = db.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - timedelta(hours=ttl_hours))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
