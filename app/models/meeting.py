"""Meetings (会议) and their decisions (决定事项): the dispatch meeting (调度会), the on-site office meeting
(现场办公会) and the leaders' reviews (过堂 every two months, 观摩 half-yearly, 述职 at the year's end), scheduled
and then recorded by the supervisor's office (督查室) or the coordinating bureau.

A meeting names the units and projects it discusses, who attended (accounts, and people in words), and the
materials each unit discussed had to bring: generated from the unit's figures, and frozen into the meeting
(`MeetingUnit.materials`) when it is recorded as held, so that later changes to the figures do not rewrite
what the meeting saw. Each decision becomes a supervised task (督办事项, app/models/task.py) whose
`source_kind` is meeting and `source_id` the decision's id.

Its words (调度会 → dispatch, 决定事项 → decision, 汇报材料 → materials, …) are in GLOSSARY.md.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class MeetingKind(enum.StrEnum):
    dispatch = "dispatch"  # 调度会: the regular (often monthly) dispatch meeting
    onsite = "onsite"  # 现场办公会: solves a project's problems on the spot
    review = "review"  # 过堂: every two months each unit reports in turn
    site_tour = "site_tour"  # 观摩: half-yearly visits to the sites
    account = "account"  # 述职: the year-end account

    @property
    def label(self) -> str:
        return {
            "dispatch": "调度会",
            "onsite": "现场办公会",
            "review": "过堂会",
            "site_tour": "观摩会",
            "account": "述职会",
        }[self.value]


class MeetingStatus(enum.StrEnum):
    scheduled = "scheduled"  # on the calendar; its materials are read live
    held = "held"  # recorded as held: its materials are frozen, its decisions recorded

    @property
    def label(self) -> str:
        return {"scheduled": "待召开", "held": "已召开"}[self.value]


class Meeting(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "meeting"
    __table_args__ = (
        # the list: newest first, by kind and year
        Index("ix_meeting_held_on", "held_on", column("id").desc()),
        Index("ix_meeting_kind_held_on", "kind", "held_on", column("id").desc()),
        Index("ix_meeting_updated_at", "updated_at", "id"),  # the API's updated_since (sync)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, "meeting_kind"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)  # the meeting's day: scheduled, then held
    place: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(100), default="")  # 主持人, in words ("县长 王建国")
    attendee_names: Mapped[str] = mapped_column(Text, default="")  # attending without an account, in words
    summary: Mapped[str] = mapped_column(Text, default="")  # 会议纪要: what was discussed
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus, "meeting_status"), default=MeetingStatus.scheduled
    )
    recorded_at: Mapped[datetime | None]  # when it was recorded as held (its materials frozen)
    materials_as_of: Mapped[date | None] = mapped_column(Date)  # the day the frozen figures are as of
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class MeetingAttendee(Audited, Base):
    """An account that attended (a leader, the office, a unit's head); people without one are in
    `Meeting.attendee_names`."""

    __tablename__ = "meeting_attendee"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_attendee_meeting_user"),
        Index("ix_meeting_attendee_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))


class MeetingUnit(Audited, Base):
    """A unit the meeting discusses, and the materials it had to bring (汇报材料): None while the meeting is
    scheduled (read live from the figures), the frozen snapshot once it is held (app.services.meetings
    `unit_materials` says what it holds)."""

    __tablename__ = "meeting_unit"
    __table_args__ = (
        UniqueConstraint("meeting_id", "unit_id", name="uq_meeting_unit_meeting_unit"),
        Index("ix_meeting_unit_unit_id", "unit_id", "meeting_id"),  # the meetings a unit was discussed at
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    materials: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class MeetingProject(Audited, Base):
    """A project the meeting discusses (its name shown as each reader may see it: projects.view)."""

    __tablename__ = "meeting_project"
    __table_args__ = (
        UniqueConstraint("meeting_id", "project_id", name="uq_meeting_project_meeting_project"),
        Index("ix_meeting_project_project_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))


class MeetingDecision(Audited, TimestampMixin, Base):
    """A decision (决定事项) of a held meeting: what is to be done, by which unit (and person), within how many
    working days. Recording it assigns the supervised task that follows it (`task_id`); the task carries
    the progress, the deadline and the review from then on, so a decision is never edited."""

    __tablename__ = "meeting_decision"
    __table_args__ = (
        UniqueConstraint("meeting_id", "number", name="uq_meeting_decision_meeting_number"),
        Index("ix_meeting_decision_owner_unit_id", "owner_unit_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    number: Mapped[int]  # 第 n 项, within the meeting
    content: Mapped[str] = mapped_column(Text)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_days: Mapped[int]  # working days, as the task's
    task_id: Mapped[int | None] = mapped_column(ForeignKey("supervised_task.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
