"""Every cadence the bureau runs (DOMAIN.md "Cadence of reporting and supervision"; issue 19, item 7): which
units a kind of periodic report applies to (报送范围), and the sections (条线) that went on an outbound trip,
which the monthly trip list counts ("每月一次外出招商", "每个条线都要外出招商一次").
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin


class ReportApplicability(Audited, VersionedMixin, TimestampMixin, Base):
    """Whether a cadence of report (`ReportCadence.cadence`) applies to the units of a kind, or to one unit
    (which beats its kind's rule). With no rule a cadence applies: every active unit but the jurisdiction
    reports it, as before any rule was kept (app.services.reports.applies)."""

    __tablename__ = "report_applicability"
    __table_args__ = (
        CheckConstraint("(unit_kind IS NULL) <> (unit_id IS NULL)", name="one_scope"),
        UniqueConstraint("cadence", "unit_kind", name="uq_report_applicability_kind"),
        UniqueConstraint("cadence", "unit_id", name="uq_report_applicability_unit"),
        Index("ix_report_applicability_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadence: Mapped[str] = mapped_column(String(20))
    unit_kind: Mapped[str | None] = mapped_column(String(32))  # a UnitKind's value
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    applies: Mapped[bool]


class TripSection(Audited, Base):
    """A section (条线: 科室、所、站、社区、分队) of the trip's unit that went on an outbound trip (外出招商)."""

    __tablename__ = "trip_section"
    __table_args__ = (
        UniqueConstraint("trip_id", "section_id", name="uq_trip_section_trip_section"),
        Index("ix_trip_section_section_id", "section_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trip.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id", ondelete="RESTRICT"))
