"""Follow-up service tickets (跟踪服务问题), the working-day calendar, notifications and webhooks."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import SECRET, Audited, Base, TimestampMixin, VersionedMixin, str_enum, utcnow


class TicketCategory(Audited, VersionedMixin, TimestampMixin, Base):
    """A kind of problem, with the default deadline in working days that the coordinator sets."""

    __tablename__ = "ticket_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    default_days: Mapped[int] = mapped_column(default=10)
    is_active: Mapped[bool] = mapped_column(default=True)


class CalendarDay(Audited, Base):
    """A public holiday (off) or a make-up working day on a weekend (work), as the State Council sets."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(40), default="")


class TicketStatus(enum.StrEnum):
    reported = "reported"  # waiting for the coordinator to route it
    routed = "routed"  # sent to a handling unit, not yet accepted
    in_progress = "in_progress"
    paused = "paused"
    resolved = "resolved"  # waiting for the reporter and the investor's verdict
    closed = "closed"

    @property
    def label(self) -> str:
        return TICKET_STATUS_LABELS[self]


TICKET_STATUS_LABELS = {
    TicketStatus.reported: "待交办",
    TicketStatus.routed: "已交办待受理",
    TicketStatus.in_progress: "办理中",
    TicketStatus.paused: "暂停计时",
    TicketStatus.resolved: "已办结待评价",
    TicketStatus.closed: "已关闭",
}


class Priority(enum.StrEnum):
    normal = "normal"
    urgent = "urgent"
    critical = "critical"

    @property
    def label(self) -> str:
        return {"normal": "一般", "urgent": "紧急", "critical": "特急"}[self.value]


class Verdict(enum.StrEnum):
    satisfied = "satisfied"
    basically = "basically"
    unsatisfied = "unsatisfied"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}[self.value]


class Ticket(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_handling_status", "handling_unit_id", "status", "due_on"),
        Index("ix_ticket_reporter_unit", "reporter_unit_id", "status"),
        # the queue's order (the nearest deadline first, none last, then the newest: tickets._ORDER), so a
        # box's page is read from an index and not sorted out of every ticket: a box of one status from
        # the first, the others (and the API's list) from the second with their conditions as a filter
        Index("ix_ticket_status_due", "status", "due_on", column("id").desc()),
        Index("ix_ticket_due_order", "due_on", column("id").desc()),
        Index("ix_ticket_project_id", "project_id"),
        Index("ix_ticket_updated_at", "updated_at", "id"),  # the API's updated_since (sync)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    investor_id: Mapped[int | None] = mapped_column(ForeignKey("investor.id", ondelete="RESTRICT"))
    category_id: Mapped[int] = mapped_column(ForeignKey("ticket_category.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    proposed_handling: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "priority"), default=Priority.normal)
    reporter_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reporter_label: Mapped[str] = mapped_column(String(100), default="")  # a person, or a system for the investor
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "ticket_status"), default=TicketStatus.reported)
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    routed_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    paused_on: Mapped[date | None] = mapped_column(Date)
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    verdict: Mapped[Verdict | None] = mapped_column(str_enum(Verdict, "verdict"))
    verdict_remark: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(default=0)  # 0 none, 1 unit head, 2 linked leader
    escalated_on: Mapped[date | None] = mapped_column(Date)
    reopened_count: Mapped[int] = mapped_column(default=0)
    # where the problem is and what shows it, as an Open311 client reports them (GeoReport v2): the
    # address as typed, an address code of the reporting system's address register, WGS84 coordinates
    # and a link to a photo or video; and how to reach the person who reported it (phone, e-mail)
    address: Mapped[str] = mapped_column(String(200), default="")
    address_id: Mapped[str] = mapped_column(String(60), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    media_url: Mapped[str] = mapped_column(String(500), default="")
    reporter_contact: Mapped[str] = mapped_column(String(200), default="")


class TicketUnit(Audited, Base):
    """A unit sharing a ticket: the lead handling unit and its helpers."""

    __tablename__ = "ticket_unit"
    __table_args__ = (
        UniqueConstraint("ticket_id", "unit_id", name="uq_ticket_unit_ticket_unit"),
        Index("ix_ticket_unit_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    is_lead: Mapped[bool] = mapped_column(default=False)


class TicketEvent(Base):
    """The ticket's timeline (append-only; the audit trail records the same changes with their fields)."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    actor_unit_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TicketPhoto(Audited, Base):
    """A photo of the problem or of the work on it; whoever may read the ticket may see it."""

    __tablename__ = "ticket_photo"
    __table_args__ = (Index("ix_ticket_photo_ticket_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_event.id", ondelete="CASCADE"))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int | None]
    height: Mapped[int | None]
    taken_at: Mapped[datetime | None]
    original_name: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """A user's in-app notification."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class OutboxEvent(Base):
    """An event written in the same transaction as the change it reports (the transactional outbox)."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventMark(Base):
    """A condition the worker watches (a unit under the yellow line on a metric, a report due or late),
    so that its event is emitted once per crossing: `active` while the condition holds."""

    __tablename__ = "event_mark"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookSubscription(Audited, VersionedMixin, TimestampMixin, Base):
    """Another system's endpoint. `unit_id` None: it hears of every record (as a reader of everything, who
    sees no confidential project's identity); a unit's: only of the records that unit may read."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100), info=SECRET)  # signs each delivery (HMAC)
    event_types: Mapped[str] = mapped_column(String(500), default="*")  # comma-separated, or *
    is_active: Mapped[bool] = mapped_column(default=True)


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(Base):
    """One event to one subscriber (a subscription or a group robot): claimed by a worker with SKIP LOCKED,
    retried with backoff. `payload`: what this subscriber may see of the event, when it sees more than the
    event's own payload (which is what a reader who sees no confidential project's identity sees)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_robot_id", "robot_id", "status"),
        CheckConstraint("(subscription_id IS NULL) <> (robot_id IS NULL)", name="one_subscriber"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    robot_id: Mapped[int | None] = mapped_column(ForeignKey("robot.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str] = mapped_column(String(60), default="")
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    """The delivery log: every attempt, its answer and how long it took."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (Index("ix_delivery_attempt_delivery_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    worker: Mapped[str] = mapped_column(String(60), default="")
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
