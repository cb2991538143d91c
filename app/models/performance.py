"""Targets, campaigns, rankings, activities, periodic reports, spot-checks and bulletins (目标考核)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin

Amount = Numeric(16, 2)


class Trip(Audited, VersionedMixin, TimestampMixin, Base):
    """外出招商: an outbound promotion trip."""

    __tablename__ = "trip"
    __table_args__ = (Index("ix_trip_unit_date", "unit_id", "started_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date] = mapped_column(Date)
    destination: Mapped[str] = mapped_column(String(100))
    people: Mapped[str] = mapped_column(String(200))
    companies_visited: Mapped[str] = mapped_column(Text, default="")
    leads_obtained: Mapped[int] = mapped_column(default=0)


class Reception(Audited, VersionedMixin, TimestampMixin, Base):
    """接待客商: one batch of visiting investors."""

    __tablename__ = "reception"
    __table_args__ = (Index("ix_reception_unit_date", "unit_id", "received_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    received_on: Mapped[date] = mapped_column(Date)
    visitors: Mapped[str] = mapped_column(String(200))  # companies
    persons: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(Text, default="")


class PromotionEvent(Audited, VersionedMixin, TimestampMixin, Base):
    """推介活动: an event held, and the projects signed there."""

    __tablename__ = "promotion_event"
    __table_args__ = (Index("ix_promotion_event_unit_date", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    held_on: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(100))


class EventProject(Audited, Base):
    __tablename__ = "event_project"
    __table_args__ = (UniqueConstraint("event_id", "project_id", name="uq_event_project_event_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("promotion_event.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))


class TradeEntry(Audited, VersionedMixin, TimestampMixin, Base):
    """外贸进出口 (万美元), entered by units per month: no underlying records here."""

    __tablename__ = "trade_entry"
    __table_args__ = (UniqueConstraint("unit_id", "month", name="uq_trade_entry_unit_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    amount_usd: Mapped[Decimal] = mapped_column(Amount)


class Target(Audited, VersionedMixin, TimestampMixin, Base):
    """目标责任书: an annual target for a metric, per tier (unit_id empty) or for one unit (override)."""

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("year", "metric", "tier", "unit_id", "unit_kind", name="uq_target_scope"),
        Index("ix_target_year_metric", "year", "metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    metric: Mapped[str] = mapped_column(String(40))
    tier: Mapped[int | None]  # departments' tier 1–4
    unit_kind: Mapped[str | None] = mapped_column(String(32))  # or every unit of a kind (towns, zone bureaus …)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Amount)


class ExpectedShare(Audited, VersionedMixin, TimestampMixin, Base):
    """时序进度: the share (%) of the year expected done by the end of a month (linear unless edited)."""

    __tablename__ = "expected_share"
    __table_args__ = (UniqueConstraint("year", "month", name="uq_expected_share_year_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    share: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class Campaign(Audited, VersionedMixin, TimestampMixin, Base):
    """百日竞赛 and the like: a dated period with targets per group, each met by any one alternative."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # [{"name": "一档", "tiers": [1], "kinds": [], "unit_ids": [],
    #   "targets": [{"column": "签约", "alternatives": [{"measure": "count", "on": "signed", "min_wan": 1000,
    #                                                 "threshold": 3}, ...]}]}]
    rules: Mapped[list[Any]] = mapped_column(JSON)


class RankingScheme(Audited, VersionedMixin, TimestampMixin, Base):
    """How units are scored: weights of metrics, deductions, data freshness."""

    __tablename__ = "ranking_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))
    # {"weights": {"funds_domestic": 40, ...}, "deduct_per_overdue_start": "0.1", "deduct_per_false_figure": "0.2",
    #  "stale_days": 30, "stale_penalty": "2"}
    params: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReportCadence(Audited, VersionedMixin, TimestampMixin, Base):
    """The coordinator's schedule: weekly, ten-day, monthly, quarterly or half-year reports, due N days (or N
    working days) after the period (app.services.reports)."""

    __tablename__ = "report_cadence"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadence: Mapped[str] = mapped_column(String(20), unique=True)  # weekly, ten_day, monthly, quarterly, halfyearly
    due_days: Mapped[int] = mapped_column(default=5)
    is_active: Mapped[bool] = mapped_column(default=True)
    # due_days counts working days by the calendar (app.services.workdays), else calendar days
    working_days: Mapped[bool] = mapped_column(default=False)


class UnitReport(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "unit_report"
    __table_args__ = (
        UniqueConstraint("unit_id", "cadence", "period_start", name="uq_unit_report_period"),
        Index("ix_unit_report_period", "cadence", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    cadence: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # pre-filled from the records when submitted
    narrative: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]


class SpotCheck(Audited, VersionedMixin, TimestampMixin, Base):
    """抽查: a random sample of reported items, reproducible from the recorded seed."""

    __tablename__ = "spot_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    seed: Mapped[int]
    fraction: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    population: Mapped[int]
    items: Mapped[list[Any]] = mapped_column(JSON)  # [{"kind": "funds_arrival", "id": 12}, ...]
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class SpotFinding(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "spot_finding"
    __table_args__ = (UniqueConstraint("check_id", "kind", "item_id", name="uq_spot_finding_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("spot_check.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    confirmed: Mapped[bool]
    discrepancy: Mapped[Decimal | None] = mapped_column(Amount)
    note: Mapped[str] = mapped_column(Text, default="")


class Bulletin(Audited, TimestampMixin, Base):
    """A published bulletin: the figures as shown, frozen, with their digest."""

    __tablename__ = "bulletin"
    __table_args__ = (UniqueConstraint("kind", "period_start", name="uq_bulletin_kind_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # monthly, quarterly
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
