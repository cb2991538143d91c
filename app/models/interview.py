"""Interviews (约谈) of a lagging unit's head, and the promises (承诺事项) made at them.

A unit is proposed for an interview by rule (app.services.interviews `proposals`: no progress for N months,
under the yellow line of its target curve, or a red card); the supervisor's office (督查室) or the
coordinating bureau records the interview a leader or the office held: who interviewed, who was
interviewed, when, what was found, and what was promised by when. Each promise becomes a supervised task
(督办事项) whose `source_kind` is interview and `source_id` the promise's id.

Its words (约谈 → interview, 承诺事项 → promise, 约谈建议 → proposal) are in GLOSSARY.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin


class Interview(Audited, TimestampMixin, Base):
    __tablename__ = "interview"
    __table_args__ = (
        Index("ix_interview_held_on", "held_on", column("id").desc()),  # the list, newest first
        Index("ix_interview_unit_held_on", "unit_id", "held_on"),  # a unit's, and the counts per year
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))  # the unit interviewed
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    interviewer: Mapped[str] = mapped_column(String(200))  # who interviewed, in words ("常务副县长 王建国")
    interviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    interviewee: Mapped[str] = mapped_column(String(100))  # the unit's head, in words
    interviewee_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the proposal's reasons when recorded
    reason_note: Mapped[str] = mapped_column(Text, default="")  # 约谈事由, in words
    findings: Mapped[str] = mapped_column(Text)  # 约谈发现的问题
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class InterviewPromise(Audited, TimestampMixin, Base):
    """A promise (承诺事项) the interviewed unit made: what, by whom of it, within how many working days. Recording
    it assigns the supervised task that tracks it (`task_id`); never edited."""

    __tablename__ = "interview_promise"
    __table_args__ = (UniqueConstraint("interview_id", "number", name="uq_interview_promise_interview_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    number: Mapped[int]  # 第 n 项, within the interview
    content: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))  # the interview's unit
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_days: Mapped[int]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("supervised_task.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
