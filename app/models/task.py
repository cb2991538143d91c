"""Supervised tasks (督办事项): a piece of work the supervisor's office (督查室) or the coordinating bureau
hands a unit with a deadline in working days, follows through progress notes and evidence, and closes
only after reviewing what the unit reports as done.

Its words (督办事项 → supervised_task, 交办 → assign, 销号 → close, …) are in GLOSSARY.md.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, column
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum, utcnow


class TaskSourceKind(enum.StrEnum):
    """Where a task comes from. `source_id` names the record for the kinds the platform keeps (a ticket,
    a spot-check finding; later a meeting's decision and an interview's promise); `source_ref` says in words
    where it comes from (a meeting and its item, a leader's instruction and its document number)."""

    meeting = "meeting"
    interview = "interview"
    spot_check = "spot_check"
    ticket = "ticket"
    instruction = "instruction"
    manual = "manual"
    compliance = "compliance"  # a measure of a compliance case (违约处置): source_id is the case

    @property
    def label(self) -> str:
        return {
            "meeting": "会议决定",
            "interview": "约谈承诺",
            "spot_check": "抽查发现",
            "ticket": "跟踪服务问题",
            "instruction": "领导批示",
            "manual": "直接交办",
            "compliance": "违约处置",
        }[self.value]


class TaskStatus(enum.StrEnum):
    open = "open"  # assigned, nothing reported yet
    in_progress = "in_progress"  # the owner unit has reported progress
    submitted = "submitted"  # done by the owner's word, awaiting the supervisor's review (the clock stops)
    closed = "closed"  # reviewed and accepted (销号)
    returned = "returned"  # reviewed and sent back to be done again (退回重办): the clock runs again
    cancelled = "cancelled"  # withdrawn by the office (撤销), with its reason: no longer to be done

    @property
    def label(self) -> str:
        return {
            "open": "待办理",
            "in_progress": "办理中",
            "submitted": "办结待审核",
            "closed": "已销号",
            "returned": "退回重办",
            "cancelled": "已撤销",
        }[self.value]


CLOCK_STATUSES = (TaskStatus.open, TaskStatus.in_progress, TaskStatus.returned)
"""The statuses in which the deadline runs (the owner unit has the work in hand)."""


class SupervisedTask(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "supervised_task"
    __table_args__ = (
        # a unit's own tasks, nearest deadline first
        Index("ix_supervised_task_owner", "owner_unit_id", "status", "due_on"),
        # the list's order (nearest deadline first, the newest among equals) and the overdue sweep by status
        Index("ix_supervised_task_status_due", "status", "due_on", column("id").desc()),
        Index("ix_supervised_task_due_order", "due_on", column("id").desc()),
        Index("ix_supervised_task_source", "source_kind", "source_id"),
        Index("ix_supervised_task_updated_at", "updated_at", "id"),  # the API's updated_since (sync)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    source_kind: Mapped[TaskSourceKind] = mapped_column(
        str_enum(TaskSourceKind, "task_source_kind"), default=TaskSourceKind.manual
    )
    source_id: Mapped[int | None]  # the ticket, spot-check finding, meeting decision or interview promise
    source_ref: Mapped[str] = mapped_column(String(200), default="")  # in words: meeting and item, document no.
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    assigned_on: Mapped[date] = mapped_column(Date)
    due_days: Mapped[int]  # working days from assigned_on (or from the return that set a new deadline)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus, "task_status"), default=TaskStatus.open)
    done_on: Mapped[date | None] = mapped_column(Date)  # the day the owner reported it done (cleared on return)
    closed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    returned_count: Mapped[int] = mapped_column(default=0)
    escalation_level: Mapped[int] = mapped_column(default=0)  # 0 none, 1 the owner unit's head, 2 the 督查室
    escalated_on: Mapped[date | None] = mapped_column(Date)
    overdue_since: Mapped[date | None] = mapped_column(Date)  # first found overdue (kept: the record of it)
    # the first deadline that passed with the work still in the unit's hands, kept when the office later
    # moves the deadline or cancels the task: the overdue still counts in the assessment (overdue_counts)
    missed_due_on: Mapped[date | None] = mapped_column(Date)


class TaskNote(Audited, Base):
    """The task's timeline: who did what when (assigned, progress, submitted, returned, closed, escalated), with
    the words they wrote. Append-only."""

    __tablename__ = "task_note"
    __table_args__ = (Index("ix_task_note_task_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("supervised_task.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_unit_id: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")


class TaskFile(Audited, Base):
    """An evidence file of a progress note (a site photo from a phone, or a PDF), kept in the same store
    as tickets' photos and projects' evidence (app/services/files.py)."""

    __tablename__ = "task_file"
    __table_args__ = (Index("ix_task_file_task_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("supervised_task.id", ondelete="CASCADE"))
    note_id: Mapped[int] = mapped_column(ForeignKey("task_note.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # photo, document
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


NOTE_ACTIONS = {
    "assign": "交办",
    "progress": "报告进展",
    "submit": "办结，报请销号",
    "close": "审核通过，销号",
    "return": "审核退回，重新办理",
    "overdue": "逾期：提请责任单位负责人督办",
    "escalate": "逾期未办结：升级到督查室",
    "reassign": "改派",
    "reschedule": "调整期限",
    "cancel": "撤销",
}
"""A timeline entry's action (task_note.action) in words."""
