"""Group robots (群机器人) of DingTalk and WeCom: a unit's or the coordinator's chat group, told of events."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import SECRET, Audited, Base, TimestampMixin, VersionedMixin, str_enum


class RobotKind(enum.StrEnum):
    dingtalk = "dingtalk"
    wecom = "wecom"

    @property
    def label(self) -> str:
        return {"dingtalk": "钉钉群机器人", "wecom": "企业微信群机器人"}[self.value]


class Robot(Audited, VersionedMixin, TimestampMixin, Base):
    """A chat group's robot. `unit_id` None: the coordinator's (招商局's own group). Its webhook address
    carries the robot's access token, so it is kept like a secret (never shown again, never audited):
    `url_hint` is what pages show."""

    __tablename__ = "robot"
    __table_args__ = (Index("ix_robot_unit_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    kind: Mapped[RobotKind] = mapped_column(str_enum(RobotKind, "robot_kind"))
    name: Mapped[str] = mapped_column(String(100))
    webhook_url: Mapped[str] = mapped_column(String(500), info=SECRET)
    url_hint: Mapped[str] = mapped_column(String(120), default="")
    secret: Mapped[str] = mapped_column(String(200), default="", info=SECRET)  # DingTalk's signing secret (SEC…)
    event_types: Mapped[str] = mapped_column(String(2000), default="")  # comma-separated, or *
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
