"""People, their sign-in sessions, API tokens and failed sign-ins."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import SECRET, Audited, Base, TimestampMixin, VersionedMixin, str_enum, utcnow
from app.models.unit import Unit
from app.scopes import TokenRole


class Role(enum.StrEnum):
    coordinator = "coordinator"
    unit_staff = "unit_staff"
    leader = "leader"
    supervisor = "supervisor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_privileged(self) -> bool:
        return self is not Role.unit_staff


ROLE_LABELS = {
    Role.coordinator: "招商局（统筹）",
    Role.unit_staff: "单位工作人员",
    Role.leader: "县级领导",
    Role.supervisor: "督查室",
}


class User(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (Index("ix_user_account_unit_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str] = mapped_column(String(255), info=SECRET)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), info=SECRET)
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None]  # the last accepted TOTP step: a code is never accepted twice
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)

    unit: Mapped[Unit] = relationship(lazy="raise", foreign_keys=[unit_id])


class UserSession(Base):
    """A server-side sign-in session; the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=SECRET)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64), info=SECRET)
    mfa_passed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class ApiToken(Audited, TimestampMixin, Base):
    """A system client's bearer token: its role (staff of one unit, the coordinating bureau with the
    coordinator's rights, or a reader of everything) and its scopes (read, write per area: app.scopes).

    Not versioned: a token is never edited, only created and revoked; its last use is
    bookkeeping written without the audit chain.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=SECRET)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    read_only: Mapped[bool] = mapped_column(default=False)  # no write scope (kept for the services' checks)
    role: Mapped[TokenRole] = mapped_column(str_enum(TokenRole, "token_role"), default=TokenRole.unit_staff)
    scopes: Mapped[str] = mapped_column(String(200), default="read")  # space-separated, app.scopes.SCOPES
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_addr: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship(lazy="raise")


class LoginFailure(Base):
    """Failed sign-ins, counted per client address for throttling."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_addr_at", "client_addr", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_addr: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(default=utcnow)
