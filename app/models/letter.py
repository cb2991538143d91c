"""Responsibility letters (目标责任书): the letter the county issues each unit at the start of a year, with its
targets, its tier and the year's rules, frozen when issued, and the unit head's acknowledgement (签收) of
exactly that text. The year's assessment cites the acknowledged letter (app.services.letters.letter_for).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class LetterStatus(enum.StrEnum):
    """issued: waiting for the unit head's acknowledgement; acknowledged: signed; superseded: replaced by a
    later version (an acknowledged one only once its successor is acknowledged in turn)."""

    issued = "issued"
    acknowledged = "acknowledged"
    superseded = "superseded"

    @property
    def label(self) -> str:
        return {"issued": "待签收", "acknowledged": "已签收", "superseded": "已被新版本取代"}[self.value]


class LetterRules(Audited, VersionedMixin, TimestampMixin, Base):
    """The year's campaign and assessment rules (考核办法) the coordinator keeps: every save is a new revision,
    the earlier ones kept; a letter copies the text of the revision current when it is issued."""

    __tablename__ = "letter_rules"
    __table_args__ = (UniqueConstraint("year", "revision", name="uq_letter_rules_year_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    revision: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ResponsibilityLetter(Audited, VersionedMixin, TimestampMixin, Base):
    """目标责任书: one unit's letter for one year, one row per version (revision 1, 2, …). What it says is
    frozen when issued (the unit's name, tier and targets, the rules' text) and hashed (`text_hash`); the
    acknowledgement records who signed, when, from which account or token and address, and the hash of the
    text they were shown."""

    __tablename__ = "responsibility_letter"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "revision", name="uq_responsibility_letter_unit_year_revision"),
        Index("ix_responsibility_letter_year_unit", "year", "unit_id", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    year: Mapped[int]
    revision: Mapped[int]
    status: Mapped[LetterStatus] = mapped_column(str_enum(LetterStatus, "letter_status"))
    unit_name: Mapped[str] = mapped_column(String(100))
    tier: Mapped[int | None]
    # [{"metric": "funds_domestic", "label": "内资到位资金（已确认）", "unit": "万元", "amount": "20000.00"}]
    targets: Mapped[list[Any]] = mapped_column(JSON)
    rules_id: Mapped[int | None] = mapped_column(ForeignKey("letter_rules.id", ondelete="SET NULL"))
    rules_revision: Mapped[int]
    rules_text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    issued_by_name: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why this version replaced the one before
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("responsibility_letter.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    acknowledged_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="SET NULL"))
    acknowledged_by_name: Mapped[str] = mapped_column(String(100), default="")
    acknowledged_from: Mapped[str] = mapped_column(String(64), default="")  # the client's address
    acknowledged_hash: Mapped[str] = mapped_column(String(64), default="")
