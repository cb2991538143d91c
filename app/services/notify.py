"""Notifications: in-app messages, the outbox, and its delivery to signed webhooks and group robots with
retries (by the worker). What goes into the outbox, and to whom, is app/services/events.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.robot import Robot
from app.models.ticket import (
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.unit import Unit
from app.principal import Principal
from app.services import events
from app.services.common import check_version

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 6 * 3600
LEASE_SECONDS = 120
ROBOT_PER_MINUTE = 20  # DingTalk and WeCom both take at most 20 messages a minute from one robot
ROBOT_WINDOW = timedelta(seconds=60)
MAX_EVENT_TYPES_TEXT = 500  # webhook_subscription.event_types: String(500)


def to_users(db: Session, user_ids: Iterable[int | None], title: str, body: str = "", link: str = "") -> int:
    count = 0
    for user_id in sorted({u for u in user_ids if u}):
        db.add(Notification(user_id=user_id, title=title[:200], body=body, link=link[:200]))
        count += 1
    return count


wants = events.wants


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

SUBSCRIPTION_NOT_FOUND = "找不到该订阅"


def _check_url(url: str) -> str | None:
    """Why the address cannot be posted to, or None."""
    if len(url) > 500:
        return "地址最多 500 个字符"
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (a port that is no number raises here)
    except ValueError:
        return "地址格式不正确，应如 https://example.gov.cn/hooks"
    if parts.scheme not in ("http", "https") or not url.startswith(("http://", "https://")):
        return "地址须以 http:// 或 https:// 开头"
    if not host or any(ch.isspace() for ch in url):
        return "地址格式不正确，应如 https://example.gov.cn/hooks"
    return None


def _event_types(chosen: str | Sequence[str], errors: dict[str, str]) -> str:
    try:
        text = events.parse_types(chosen or "*")
    except Invalid as exc:
        errors.update(exc.errors)
        return ""
    if len(text) > MAX_EVENT_TYPES_TEXT:
        errors["event_types"] = "选择的事件过多：请改选整类（如 ticket.*）或全部（*）"
        return ""
    return text


def add_subscription(
    db: Session,
    principal: Principal,
    name: str,
    url: str,
    secret: str | None,
    event_types: str | Sequence[str] = "*",
    unit_id: int | None = None,
) -> WebhookSubscription:
    """Another system's endpoint, added by the coordinator: of no unit (it hears of every record, and sees no
    confidential project's identity), or of one unit (it hears only of what that unit may read). `secret`
    None: the platform makes one (the caller shows it this once: it is never shown again, nor audited)."""
    from app import policy

    policy.ensure_coordinator(principal)
    errors = {}
    problem = _check_url(url)
    if problem:
        errors["url"] = problem
    if secret is None:
        secret = secrets.token_urlsafe(32)
    if len(secret) < 16:
        errors["secret"] = "签名密钥至少 16 个字符"
    elif len(secret) > 100:
        errors["secret"] = "签名密钥最多 100 个字符"
    if not 2 <= len(name) <= 100:
        errors["name"] = "名称 2–100 个字"
    if unit_id is not None and (unit_id < 1 or db.get(Unit, unit_id) is None):
        errors["unit_id"] = "单位不存在"
    chosen = _event_types(event_types, errors)
    if errors:
        raise Invalid(errors)
    sub = WebhookSubscription(name=name, url=url, secret=secret, event_types=chosen, unit_id=unit_id)
    db.add(sub)
    db.flush()
    return sub


def subscriptions(db: Session) -> Sequence[WebhookSubscription]:
    return db.execute(select(WebhookSubscription).order_by(WebhookSubscription.id)).scalars().all()


def list_subscriptions(db: Session, principal: Principal) -> Sequence[WebhookSubscription]:
    """Every subscription, for the coordinator (the page and the API alike)."""
    from app import policy

    policy.ensure_coordinator(principal)
    return subscriptions(db)


def delivery_log(db: Session, limit: int = 100) -> list[Any]:
    """The latest deliveries to webhook subscriptions (robots' are on their own page)."""
    return list(
        db.execute(
            select(WebhookDelivery, OutboxEvent.event_type, WebhookSubscription.name)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        ).all()
    )


def _subscription_for_write(db: Session, principal: Principal, sub_id: int) -> WebhookSubscription:
    from app import policy

    policy.ensure_coordinator(principal)
    sub = db.get(WebhookSubscription, sub_id)
    if sub is None:
        raise NotFound(SUBSCRIPTION_NOT_FOUND)
    return sub


def toggle_subscription(db: Session, principal: Principal, sub_id: int, active: bool) -> None:
    """The page's switch: enable or disable (no version: the switch sets the state it shows)."""
    sub = _subscription_for_write(db, principal, sub_id)
    sub.is_active = active
    db.flush()


def update_subscription(
    db: Session,
    principal: Principal,
    sub_id: int,
    version: int,
    *,
    is_active: bool | None = None,
    event_types: Sequence[str] | None = None,
) -> WebhookSubscription:
    """Enable or disable a subscription, or change the event types it hears of (a stale version: 409)."""
    sub = _subscription_for_write(db, principal, sub_id)
    check_version(db, sub, version)
    if event_types is not None:
        errors: dict[str, str] = {}
        chosen = _event_types(event_types, errors)
        if errors:
            raise Invalid(errors)
        sub.event_types = chosen
    if is_active is not None:
        sub.is_active = is_active
    db.flush()
    return sub


# --- delivery (the worker) -------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def claim(db: Session, worker: str, batch: int = 20) -> list[int]:
    """Lease due deliveries to this worker. PostgreSQL: FOR UPDATE SKIP LOCKED, so workers never share one;
    the UPDATE checks again that each row is still due, so a row is never leased to two workers at once.

    A group robot takes at most ROBOT_PER_MINUTE messages a minute: a delivery to a robot whose last minute
    is full is not leased but put off until the minute has room (delayed, never dropped; its attempts are
    not counted)."""
    now = utcnow()
    due = ((WebhookDelivery.status == DeliveryStatus.pending) & (WebhookDelivery.next_attempt_at <= now)) | (
        (WebhookDelivery.status == DeliveryStatus.sending) & (WebhookDelivery.lease_until < now)
    )
    stmt = select(WebhookDelivery.id, WebhookDelivery.robot_id).where(due)
    stmt = stmt.order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(batch)
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    rows = db.execute(stmt).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    robot_ids = sorted({row.robot_id for row in rows if row.robot_id is not None})
    if robot_ids:
        room = robot_room(db, robot_ids, now)
        held: dict[datetime, list[int]] = {}
        for delivery_id, robot_id in rows:
            if robot_id is None:
                continue
            free, next_free = room[robot_id]
            if free > 0:
                room[robot_id] = (free - 1, next_free)
            else:
                held.setdefault(next_free, []).append(delivery_id)
        for when, put_off in held.items():
            db.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(put_off), WebhookDelivery.status == DeliveryStatus.pending)
                .values(next_attempt_at=when)
                .execution_options(synchronize_session=False)
            )
        waiting = {i for put_off in held.values() for i in put_off}
        ids = [i for i in ids if i not in waiting]
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


def robot_room(db: Session, robot_ids: Sequence[int], now: datetime) -> dict[int, tuple[int, datetime]]:
    """{robot: (messages it may still take in this minute, when the next place frees up)}. The robots' rows
    are locked first, so that two workers claiming for one robot count one after the other (PostgreSQL;
    SQLite's writers are serialised anyway). A minute's messages: the attempts of the last 60 seconds, and
    the deliveries leased and not yet answered."""
    db.execute(select(Robot.id).where(Robot.id.in_(robot_ids)).with_for_update()).all()
    since = now - ROBOT_WINDOW
    sent: dict[int, list[datetime]] = {r: [] for r in robot_ids}
    for robot_id, at in db.execute(
        select(WebhookDelivery.robot_id, DeliveryAttempt.at)
        .join(WebhookDelivery, WebhookDelivery.id == DeliveryAttempt.delivery_id)
        .where(WebhookDelivery.robot_id.in_(robot_ids), DeliveryAttempt.at > since)
    ).all():
        if robot_id is not None:
            sent[robot_id].append(at)
    in_flight = dict(
        db.execute(
            select(WebhookDelivery.robot_id, func.count())
            .where(
                WebhookDelivery.robot_id.in_(robot_ids),
                WebhookDelivery.status == DeliveryStatus.sending,
                WebhookDelivery.lease_until >= now,
            )
            .group_by(WebhookDelivery.robot_id)
        )
        .tuples()
        .all()
    )
    room = {}
    for robot_id in robot_ids:
        used = len(sent[robot_id]) + int(in_flight.get(robot_id, 0))
        # the minute frees up when its oldest message is a minute old; messages leased now (or in flight)
        # are logged when answered, so with none logged yet the window is full for a minute from now
        oldest = min(sent[robot_id], default=now)
        next_free = oldest + ROBOT_WINDOW + timedelta(seconds=1)
        room[robot_id] = (max(0, ROBOT_PER_MINUTE - used), next_free)
    return room


@dataclass
class Outgoing:
    """A delivery as it is sent: to a subscription (signed JSON) or to a group robot (its own message)."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    robot: bool = False


def _data(delivery: WebhookDelivery, event: OutboxEvent) -> dict[str, Any]:
    return delivery.payload if delivery.payload is not None else event.payload


def prepare(db: Session, delivery_id: int, base_url: str = "") -> Outgoing | None:
    row = db.execute(
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    if row is None:
        return None
    delivery, event = row.tuple()
    if delivery.robot_id is not None:
        from app.services import robots

        robot = db.get(Robot, delivery.robot_id)
        if robot is None:
            return None
        url, body = robots.outgoing(robot, event.event_type, _data(delivery, event), base_url)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "zhaoshang-robot/1"}
        return Outgoing(url, body, headers, robot=True)
    sub = db.get(WebhookSubscription, delivery.subscription_id)
    if sub is None:
        return None
    body = json.dumps(
        {
            "delivery_id": delivery.id,
            "event_id": event.id,
            "type": event.event_type,
            "created_at": event.created_at.isoformat(),
            "data": _data(delivery, event),
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
    return Outgoing(sub.url, body, headers)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> tuple[int | None, str]:
    status, error, _answer = _post(url, body, headers, timeout)
    return status, error


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, "", response.read(65536)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}", b""
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500], b""


def send(outgoing: Outgoing, timeout: float = 10) -> tuple[int | None, str, bool]:
    """Send one delivery: (HTTP status, error, delivered). A group robot answers 200 with an errcode:
    anything but 0 (a wrong signature, too many messages) is a failure, retried like a 5xx."""
    status, error, answer = _post(outgoing.url, outgoing.body, outgoing.headers, timeout)
    ok = status is not None and 200 <= status < 300
    if ok and outgoing.robot:
        try:
            reply = json.loads(answer or b"{}")
            code, message = int(reply.get("errcode", -1)), str(reply.get("errmsg", ""))
        except (ValueError, TypeError, AttributeError):
            code, message = -1, "应答不是 JSON"
        if code != 0:
            return status, f"errcode {code}: {message}"[:500], False
    return status, error, ok


def record_result(
    db: Session,
    delivery_id: int,
    worker: str,
    status_code: int | None,
    error: str,
    duration_ms: int,
    ok: bool | None = None,
) -> None:
    """Log the attempt; delivered on success (`ok`, by default a 2xx), else retried with backoff up to
    MAX_ATTEMPTS."""
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
    if ok is None:
        ok = status_code is not None and 200 <= status_code < 300
    if ok:
        delivery.status = DeliveryStatus.delivered
        delivery.delivered_at = utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.failed
    else:
        delay = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1))
        delivery.status = DeliveryStatus.pending
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
