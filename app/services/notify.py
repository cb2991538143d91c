"""Notifications: in-app messages, the outbox, and signed webhooks with retries (delivered by the worker)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.ticket import (
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from app.principal import Principal

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 6 * 3600
LEASE_SECONDS = 120


def to_users(db: Session, user_ids: Iterable[int | None], title: str, body: str = "", link: str = "") -> int:
    count = 0
    for user_id in sorted({u for u in user_ids if u}):
        db.add(Notification(user_id=user_id, title=title[:200], body=body, link=link[:200]))
        count += 1
    return count


def wants(event_types: str, event_type: str) -> bool:
    """Does a subscription to `event_types` (comma-separated: *, ticket.*, ticket.closed …) cover `event_type`?"""
    for wanted in (t.strip() for t in event_types.split(",")):
        if wanted == "*" or wanted == event_type:
            return True
        if wanted.endswith(".*") and event_type.startswith(wanted[:-1]):
            return True
    return False


def emit(db: Session, event_type: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record an event in the outbox and queue one delivery per subscribed system, in this transaction."""
    event = OutboxEvent(event_type=event_type, payload=payload)
    db.add(event)
    db.flush()
    for sub in db.execute(select(WebhookSubscription).where(WebhookSubscription.is_active.is_(True))).scalars():
        if wants(sub.event_types, event_type):
            db.add(WebhookDelivery(subscription_id=sub.id, event_id=event.id))
    db.flush()
    return event


# --- in-app list -----------------------------------------------------------------------------


def inbox(db: Session, user_id: int, limit: int = 50) -> Sequence[Notification]:
    return (
        db.execute(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)
        )
        .scalars()
        .all()
    )


def unread_count(db: Session, user_id: int) -> int:
    return int(
        db.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        ).scalar_one()
    )


def mark_read(db: Session, user_id: int, notification_id: int | None = None, link: str | None = None) -> None:
    """Mark one notification, those about one page (`link`), or all of the user's as read."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    if link is not None:
        stmt = stmt.where(Notification.link == link)
    db.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))


# --- subscriptions (coordinator) -------------------------------------------------------------


def add_subscription(
    db: Session, principal: Principal, name: str, url: str, secret: str, event_types: str = "*"
) -> WebhookSubscription:
    from app import policy

    policy.ensure_coordinator(principal)
    errors = {}
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        errors["url"] = "地址须以 http:// 或 https:// 开头"
    if len(secret) < 16:
        errors["secret"] = "签名密钥至少 16 个字符"
    if not 2 <= len(name) <= 100:
        errors["name"] = "名称 2–100 个字"
    if errors:
        raise Invalid(errors)
    sub = WebhookSubscription(name=name, url=url, secret=secret, event_types=event_types or "*")
    db.add(sub)
    db.flush()
    return sub


def subscriptions(db: Session) -> Sequence[WebhookSubscription]:
    return db.execute(select(WebhookSubscription).order_by(WebhookSubscription.id)).scalars().all()


def delivery_log(db: Session, limit: int = 100) -> list[Any]:
    return list(
        db.execute(
            select(WebhookDelivery, OutboxEvent.event_type, WebhookSubscription.name)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        ).all()
    )


def toggle_subscription(db: Session, principal: Principal, sub_id: int, active: bool) -> None:
    from app import policy

    policy.ensure_coordinator(principal)
    sub = db.get(WebhookSubscription, sub_id)
    if sub is None:
        raise NotFound("找不到该订阅")
    sub.is_active = active


# --- delivery (the worker) -------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def claim(db: Session, worker: str, batch: int = 20) -> list[int]:
    """Lease due deliveries to this worker. PostgreSQL: FOR UPDATE SKIP LOCKED, so workers never share one;
    the UPDATE checks again that each row is still due, so a row is never leased to two workers at once."""
    now = utcnow()
    due = ((WebhookDelivery.status == DeliveryStatus.pending) & (WebhookDelivery.next_attempt_at <= now)) | (
        (WebhookDelivery.status == DeliveryStatus.sending) & (WebhookDelivery.lease_until < now)
    )
    stmt = select(WebhookDelivery.id).where(due).order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    stmt = stmt.limit(batch)
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(db.execute(stmt).scalars())
    if not ids:
        return []
    claimed = db.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids), due)
        .values(status=DeliveryStatus.sending, lease_until=now + timedelta(seconds=LEASE_SECONDS), claimed_by=worker)
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    return sorted(set(claimed), key=ids.index)


def prepare(db: Session, delivery_id: int) -> tuple[str, str, bytes, dict[str, str]] | None:
    row = db.execute(
        select(WebhookDelivery, OutboxEvent, WebhookSubscription)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    if row is None:
        return None
    delivery, event, sub = row.tuple()
    body = json.dumps(
        {
            "delivery_id": delivery.id,
            "event_id": event.id,
            "type": event.event_type,
            "created_at": event.created_at.isoformat(),
            "data": event.payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Zhaoshang-Event": event.event_type,
        "X-Zhaoshang-Delivery": str(delivery.id),
        "X-Zhaoshang-Timestamp": timestamp,
        "X-Zhaoshang-Signature": sign(sub.secret, timestamp, body),
        "User-Agent": "zhaoshang-webhook/1",
    }
    return sub.url, timestamp, body, headers


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def record_result(
    db: Session, delivery_id: int, worker: str, status_code: int | None, error: str, duration_ms: int
) -> None:
    delivery = db.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return
    if delivery.status is not DeliveryStatus.sending or delivery.claimed_by != worker:
        # our lease ran out and another worker took it over: log what happened, leave its state alone
        db.add(
            DeliveryAttempt(
                delivery_id=delivery_id,
                worker=worker,
                status_code=status_code,
                error=(error + " (lease expired)").strip(),
                duration_ms=duration_ms,
            )
        )
        return
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    delivery.lease_until = None
    db.add(
        DeliveryAttempt(
            delivery_id=delivery_id, worker=worker, status_code=status_code, error=error, duration_ms=duration_ms
        )
    )
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DeliveryStatus.delivered
        delivery.delivered_at = utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.failed
    else:
        delay = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1))
        delivery.status = DeliveryStatus.pending
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
