"""Leads (招商线索), suspected duplicates and their credit, and the first-report registry."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum
from app.models.investor import Investor
from app.models.unit import Unit

Money = Numeric(16, 2)  # 万元, two decimals (= 100 yuan)


class Channel(enum.StrEnum):
    kinship = "kinship"
    business = "business"
    intermediary = "intermediary"
    resident_office = "resident_office"
    industry_chain = "industry_chain"
    event = "event"
    door_knocking = "door_knocking"
    online = "online"
    overseas = "overseas"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.kinship: "亲情乡情招商",
    Channel.business: "以商招商",
    Channel.intermediary: "中介招商",
    Channel.resident_office: "驻点招商",
    Channel.industry_chain: "产业链招商",
    Channel.event: "节会推介招商",
    Channel.door_knocking: "敲门招商",
    Channel.online: "网络招商",
    Channel.overseas: "海外招商",
}


class LeadStatus(enum.StrEnum):
    pending = "pending"
    valid = "valid"
    invalid = "invalid"

    @property
    def label(self) -> str:
        return {"pending": "待认定", "valid": "有效", "invalid": "无效"}[self.value]


class Lead(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "lead"
    __table_args__ = (
        CheckConstraint("intended_investment >= 0", name="investment_non_negative"),
        Index("ix_lead_unit_date", "unit_id", "lead_date"),
        Index("ix_lead_status_date", "status", "lead_date"),
        # the valid leads of a year by unit (the quota table): counted from the index alone
        Index("ix_lead_status_date_unit", "status", "lead_date", "unit_id", "duplicate_of_id"),
        Index("ix_lead_investor_id", "investor_id"),
        Index("ix_lead_contact_phone_key", "contact_phone_key"),
        Index("ix_lead_duplicate_of_id", "duplicate_of_id"),
        Index("ix_lead_brought_by_id", "brought_by_id"),  # a cadre's leads by default (app.services.people)
        Index("ix_lead_updated_at", "updated_at", "id"),  # the API's updated_since (sync)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    brought_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    brought_by_name: Mapped[str] = mapped_column(String(50), default="")  # the person, as entered
    introducer_name: Mapped[str] = mapped_column(String(100), default="")  # an outside introducer, if any
    introducer_phone: Mapped[str] = mapped_column(String(30), default="")
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    investor_id: Mapped[int] = mapped_column(ForeignKey("investor.id", ondelete="RESTRICT"))
    project_name: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(60), default="")
    intended_investment: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # 万元
    content: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    contact_phone_key: Mapped[str] = mapped_column(String(20), default="")
    lead_date: Mapped[date] = mapped_column(Date)
    status: Mapped[LeadStatus] = mapped_column(str_enum(LeadStatus, "lead_status"), default=LeadStatus.pending)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    judged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    judged_at: Mapped[datetime | None]
    # set when a duplicate is settled into an earlier lead: this one then counts for nobody
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship(lazy="raise", foreign_keys=[unit_id])
    investor: Mapped[Investor] = relationship(lazy="raise")


class DuplicateStatus(enum.StrEnum):
    open = "open"
    settled = "settled"
    dismissed = "dismissed"


class DuplicatePair(Audited, VersionedMixin, TimestampMixin, Base):
    """Two leads that look like the same investor: the coordinator settles who gets the credit."""

    __tablename__ = "duplicate_pair"
    __table_args__ = (
        UniqueConstraint("lead_id", "earlier_lead_id", name="uq_duplicate_pair_leads"),
        Index("ix_duplicate_pair_status", "status"),
        Index("ix_duplicate_pair_earlier_lead_id", "earlier_lead_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    earlier_lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    reasons: Mapped[str] = mapped_column(String(100))  # credit_code,name,phone
    status: Mapped[DuplicateStatus] = mapped_column(
        str_enum(DuplicateStatus, "duplicate_status"), default=DuplicateStatus.open
    )
    decision: Mapped[str] = mapped_column(Text, default="")
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    settled_at: Mapped[datetime | None]


class LeadCredit(Audited, Base):
    """A unit's share (percent) of a lead's credit. No rows: the lead's own unit holds 100%."""

    __tablename__ = "lead_credit"
    __table_args__ = (
        UniqueConstraint("lead_id", "unit_id", name="uq_lead_credit_lead_unit"),
        CheckConstraint("share > 0 AND share <= 100", name="share_range"),
        Index("ix_lead_credit_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    share: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class RegistryStatus(enum.StrEnum):
    held = "held"
    disputed = "disputed"
    withdrawn = "withdrawn"


class RegistryEntry(Audited, VersionedMixin, TimestampMixin, Base):
    """首报首谈: the first unit to register a large investor's project holds it."""

    __tablename__ = "registry_entry"
    __table_args__ = (Index("ix_registry_entry_investor_id", "investor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    investor_id: Mapped[int] = mapped_column(ForeignKey("investor.id", ondelete="RESTRICT"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    project_name: Mapped[str] = mapped_column(String(200))
    intended_investment: Mapped[Decimal] = mapped_column(Money)
    holder_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime]
    status: Mapped[RegistryStatus] = mapped_column(
        str_enum(RegistryStatus, "registry_status"), default=RegistryStatus.held
    )


class DisputeStatus(enum.StrEnum):
    open = "open"
    decided = "decided"


class RegistryClaim(Audited, VersionedMixin, TimestampMixin, Base):
    """A later unit's claim on a registered project: a dispute the coordinator decides."""

    __tablename__ = "registry_claim"
    __table_args__ = (Index("ix_registry_claim_entry_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("registry_entry.id", ondelete="CASCADE"))
    claimant_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime]
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DisputeStatus] = mapped_column(str_enum(DisputeStatus, "dispute_status"), default=DisputeStatus.open)
    winner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
