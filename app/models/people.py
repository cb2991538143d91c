"""Sections and people below the unit (人): 科室/所/站/社区/分队, cadres (干部), targets split to them
(目标分解), and the persons credited with a lead or a project (DOMAIN.md "People, meetings and the loop").

A cadre is any person who works leads and projects or carries a target: an account's holder (one cadre
per account, kept by app.services.people) or a named official without an account, such as a county
leader heading an industry team. A cadre belongs to one unit and to at most one of its sections.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class SectionKind(enum.StrEnum):
    """The kind of a unit's section: a bureau's 科室, a town's 所/站/社区, a resident office's 分队."""

    office = "office"
    institute = "institute"
    station = "station"
    community = "community"
    squad = "squad"

    @property
    def label(self) -> str:
        return {"office": "科室", "institute": "所", "station": "站", "community": "社区", "squad": "分队"}[self.value]


class Section(Audited, VersionedMixin, TimestampMixin, Base):
    """科室 / 所 / 站 / 社区 / 分队: a part of a unit that may carry a share of the unit's targets."""

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_section_unit_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[SectionKind] = mapped_column(str_enum(SectionKind, "section_kind"))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class Cadre(Audited, VersionedMixin, TimestampMixin, Base):
    """干部: a person of a unit, with or without an account, who is credited with work and may carry a
    personal target; their ledger is the 干部招商台账."""

    __tablename__ = "cadre"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_cadre_user_id"),
        Index("ix_cadre_unit_id", "unit_id", "sort_order", "id"),
        Index("ix_cadre_section_id", "section_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(50), default="")  # 职务, e.g. 副县长、招商股股长
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class TargetSplit(Audited, VersionedMixin, TimestampMixin, Base):
    """目标分解: the share of a unit's annual target (app.models.performance.Target) one of its sections or
    one of its cadres carries, by metric and year. The sections' splits together, and the cadres' splits
    together, never exceed the unit's target (app.services.people.split_target)."""

    __tablename__ = "target_split"
    __table_args__ = (
        CheckConstraint("(section_id IS NULL) <> (cadre_id IS NULL)", name="one_holder"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        UniqueConstraint("year", "metric", "section_id", name="uq_target_split_section"),
        UniqueConstraint("year", "metric", "cadre_id", name="uq_target_split_cadre"),
        Index("ix_target_split_unit_year", "unit_id", "year", "metric"),
        Index("ix_target_split_section_id", "section_id"),
        Index("ix_target_split_cadre_id", "cadre_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    metric: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"))
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))


CREDITED_RECORDS: dict[str, str] = {
    "lead": "lead_id",
    "project": "project_id",
    "visit": "progress_update_id",
    "trip": "trip_id",
    "reception": "reception_id",
    "event": "event_id",
    "trade": "trade_entry_id",
}
"""The records a cadre can be credited with (the kind as the services and the API name it) -> the column of
`cadre_credit` naming it: a lead, a project, a visit (a progress update), and the activities of
app.services.activities (a trip, a reception, a promotion event, a month's foreign trade)."""


def _one_record() -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in CREDITED_RECORDS.values()) + " = 1"


class CadreCredit(Audited, Base):
    """A cadre's share (percent) of the work on one record, as units share credit (LeadCredit,
    ProjectCredit): a lead, a project, a visit (progress update) or an activity (trip, reception, event,
    a month's trade). No rows for a lead, a project or a visit: its default holds 100%
    (app.services.cadre_credits: a lead's bringer, a project's lead's people or the account that entered
    it, a visit's reporter); an activity's people are its rows (the one who recorded it by default)."""

    __tablename__ = "cadre_credit"
    __table_args__ = (
        CheckConstraint("share > 0 AND share <= 100", name="share_range"),
        CheckConstraint(_one_record(), name="one_record"),
        UniqueConstraint("lead_id", "cadre_id", name="uq_cadre_credit_lead_cadre"),
        UniqueConstraint("project_id", "cadre_id", name="uq_cadre_credit_project_cadre"),
        UniqueConstraint("progress_update_id", "cadre_id", name="uq_cadre_credit_progress_update_cadre"),
        UniqueConstraint("trip_id", "cadre_id", name="uq_cadre_credit_trip_cadre"),
        UniqueConstraint("reception_id", "cadre_id", name="uq_cadre_credit_reception_cadre"),
        UniqueConstraint("event_id", "cadre_id", name="uq_cadre_credit_event_cadre"),
        UniqueConstraint("trade_entry_id", "cadre_id", name="uq_cadre_credit_trade_entry_cadre"),
        Index("ix_cadre_credit_cadre_id", "cadre_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="RESTRICT"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    progress_update_id: Mapped[int | None] = mapped_column(ForeignKey("progress_update.id", ondelete="CASCADE"))
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("trip.id", ondelete="CASCADE"))
    reception_id: Mapped[int | None] = mapped_column(ForeignKey("reception.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("promotion_event.id", ondelete="CASCADE"))
    trade_entry_id: Mapped[int | None] = mapped_column(ForeignKey("trade_entry.id", ondelete="CASCADE"))
    share: Mapped[Decimal] = mapped_column(Numeric(5, 2))
