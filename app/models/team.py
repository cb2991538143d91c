"""Industry teams (专业招商组 / 产业招商组): a unit of kind `industry_team` (app.models.unit) led by a county
leader (组长), with member departments as its responsible units (责任单位) and the projects it works.

A team is its unit: its id is the unit's id, its annual targets are the unit's targets (app.models.performance
Target), its staff are the unit's accounts. What the unit does not say is kept here: the leader (a cadre,
with or without an account), the industry it works, its duties, its member units, and the projects assigned
to it. How a team's projects count is app.services.teams' rule.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin


class IndustryTeam(Audited, VersionedMixin, TimestampMixin, Base):
    """What a team's unit does not say: its leader (组长), the industry it works (主攻产业) and its duties.
    One per team unit; a team without one has no leader yet (version 0 to the forms and the API)."""

    __tablename__ = "industry_team"
    __table_args__ = (UniqueConstraint("unit_id", name="uq_industry_team_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    leader_cadre_id: Mapped[int | None] = mapped_column(ForeignKey("cadre.id", ondelete="SET NULL"))
    industry: Mapped[str] = mapped_column(String(100), default="")
    duties: Mapped[str] = mapped_column(Text, default="")


class TeamMember(Audited, Base):
    """A member department of a team (成员单位, a 责任单位 of the team); one of them may lead (牵头单位)."""

    __tablename__ = "team_member"
    __table_args__ = (
        UniqueConstraint("team_id", "unit_id", name="uq_team_member_team_unit"),
        Index("ix_team_member_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))  # the team's unit
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    is_lead: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)


class TeamProject(Audited, VersionedMixin, TimestampMixin, Base):
    """A project assigned to a team (at most one team per project). A project without one belongs to the
    team that introduced it, if its introducing unit is a team (app.services.teams.project_team)."""

    __tablename__ = "team_project"
    __table_args__ = (
        UniqueConstraint("project_id", name="uq_team_project_project_id"),
        Index("ix_team_project_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))  # the team's unit
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
