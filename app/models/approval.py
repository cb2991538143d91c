"""Approvals after signing (审批事项) and the 代办 window that carries them for the investor.

`ApprovalKind` is the coordinator's catalogue: what a project of a category needs after 正式签约 (立项/备案,
用地预审, 规划许可, 环评, 安评, 能评, 施工许可, 消防 …), the department responsible, the legal time limit in
working days (app.services.workdays' calendar), and the kinds that must be granted first
(`ApprovalKindPrerequisite`); kinds with no prerequisite between them run in parallel (并联审批).

`ProjectApproval` is one approval of one project, generated from the catalogue when the project is signed:
submitted (受理) on a date, due `time_limit_days` working days later, granted with its document number, or
refused. Documents accepted for later (容缺受理) are `ApprovalDeferredDocument` rows, each with its own
deadline.

`ProjectAgent` is the 代办员 the coordinator assigns to a project (a table of its own rather than a column of
`project`, for the reason given in app.models.chain); `ApprovalHandover` records each hand-over between the
代办员 and a department ("客商不与部门见面": the department deals with the 代办员, never the investor)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum


class ApprovalStatus(enum.StrEnum):
    """Where one approval stands. `waiting`: a prerequisite is not yet granted; `ready`: may be submitted."""

    waiting = "waiting"
    ready = "ready"
    submitted = "submitted"
    granted = "granted"
    refused = "refused"
    not_needed = "not_needed"

    @property
    def label(self) -> str:
        return {
            "waiting": "待前置审批",
            "ready": "可申报",
            "submitted": "已受理",
            "granted": "已办结",
            "refused": "未通过",
            "not_needed": "无需办理",
        }[self.value]


class ApprovalKind(Audited, VersionedMixin, TimestampMixin, Base):
    """A kind of approval in the coordinator's catalogue. `categories`: the project categories
    (app.models.project.Category values, comma-separated) that need it, empty for every category.
    `is_construction_permit`: the kind whose document number 开工's evidence may cite (施工许可)."""

    __tablename__ = "approval_kind"
    __table_args__ = (
        CheckConstraint("time_limit_days >= 1 AND time_limit_days <= 365", name="time_limit_range"),
        Index("ix_approval_kind_sort", "position", "id"),
        Index("ix_approval_kind_department_unit_id", "department_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    department_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    time_limit_days: Mapped[int] = mapped_column(default=20)
    categories: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_construction_permit: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class ApprovalKindPrerequisite(Audited, Base):
    """`kind_id` may be submitted only after `prerequisite_id` is granted (e.g. 施工许可 after 规划许可)."""

    __tablename__ = "approval_kind_prerequisite"
    __table_args__ = (
        UniqueConstraint("kind_id", "prerequisite_id", name="uq_approval_kind_prerequisite_pair"),
        CheckConstraint("kind_id <> prerequisite_id", name="not_self"),
        Index("ix_approval_kind_prerequisite_prerequisite_id", "prerequisite_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("approval_kind.id", ondelete="CASCADE"))
    prerequisite_id: Mapped[int] = mapped_column(ForeignKey("approval_kind.id", ondelete="CASCADE"))


class ProjectApproval(Audited, VersionedMixin, TimestampMixin, Base):
    """One approval of one project. `time_limit_days` and `department_unit_id` are copied from the kind when
    generated (a later change to the catalogue does not move a running clock). `due_on`: the working day the
    legal limit ends, from `submitted_on`. `ticket_id` / `task_id`: where an overdue approval was escalated."""

    __tablename__ = "project_approval"
    __table_args__ = (
        UniqueConstraint("project_id", "kind_id", name="uq_project_approval_project_kind"),
        Index("ix_project_approval_kind_id", "kind_id"),
        Index("ix_project_approval_department", "department_unit_id", "status", "due_on"),
        Index("ix_project_approval_status_due", "status", "due_on"),
        Index("ix_project_approval_ticket_id", "ticket_id"),
        Index("ix_project_approval_task_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    kind_id: Mapped[int] = mapped_column(ForeignKey("approval_kind.id", ondelete="RESTRICT"))
    department_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    status: Mapped[ApprovalStatus] = mapped_column(
        str_enum(ApprovalStatus, "approval_status"), default=ApprovalStatus.ready
    )
    time_limit_days: Mapped[int] = mapped_column(default=20)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    granted_on: Mapped[date | None] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(100), default="")
    refused_reason: Mapped[str] = mapped_column(Text, default="")
    is_online: Mapped[bool] = mapped_column(default=False)  # 网上审批
    note: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("supervised_task.id", ondelete="SET NULL"))


class ApprovalDeferredDocument(Audited, VersionedMixin, TimestampMixin, Base):
    """A document accepted for later (容缺受理): the approval runs, the document is due by `deadline`."""

    __tablename__ = "approval_deferred_document"
    __table_args__ = (
        Index("ix_approval_deferred_document_approval_id", "approval_id"),
        Index("ix_approval_deferred_document_open", "received_on", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("project_approval.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ProjectAgent(Audited, VersionedMixin, TimestampMixin, Base):
    """The 代办员 carrying a project's approvals (one per project)."""

    __tablename__ = "project_agent"
    __table_args__ = (
        UniqueConstraint("project_id", name="uq_project_agent_project_id"),
        Index("ix_project_agent_user_id", "user_id", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    assigned_on: Mapped[date] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class HandoverDirection(enum.StrEnum):
    to_department = "to_department"
    from_department = "from_department"

    @property
    def label(self) -> str:
        return {"to_department": "递交部门", "from_department": "部门返回"}[self.value]


class ApprovalHandover(Audited, Base):
    """One hand-over of an approval's papers between the 代办员 and the department."""

    __tablename__ = "approval_handover"
    __table_args__ = (
        Index("ix_approval_handover_approval_id", "approval_id", "id"),
        Index("ix_approval_handover_department_unit_id", "department_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("project_approval.id", ondelete="CASCADE"))
    direction: Mapped[HandoverDirection] = mapped_column(str_enum(HandoverDirection, "handover_direction"))
    department_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    happened_on: Mapped[date] = mapped_column(Date)
    documents: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]
