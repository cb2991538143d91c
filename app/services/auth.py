"""Sign-in, sessions, lockout, throttling and the second factor."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import after_commit
from app.errors import Invalid, TooManyRequests
from app.models.base import utcnow
from app.models.user import ApiToken, LoginFailure, User, UserSession
from app.principal import Principal
from app.services import audit
from app.services.security import (
    hash_password,
    new_token,
    password_problems,
    sha256_hex,
    totp_match_step,
    verify_password,
)

TOUCH_INTERVAL = timedelta(seconds=60)  # a session's last use and a token's are written at most this often
GENERIC_LOGIN_ERROR = "用户名或密码不正确，或账户已被临时锁定。"


@dataclass
class SessionGrant:
    """A new session: the raw cookie token (never stored) and the session row."""

    token: str
    session: UserSession


def mfa_required(user: User, settings: Settings) -> bool:
    if user.totp_enabled or settings.mfa_required_for_all:
        return True
    return settings.mfa_required_for_privileged and user.role.is_privileged


def password_expired(user: User, settings: Settings) -> bool:
    if settings.password_max_age_days <= 0:
        return False
    return utcnow() - user.password_changed_at > timedelta(days=settings.password_max_age_days)


def is_locked(user: User, now: datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def _anonymous(username: str, client_addr: str, request_id: str) -> Principal:
    from app.models.user import Role

    return Principal(
        role=Role.unit_staff,
        unit_id=None,
        label=username[:50] or "-",
        read_only=True,
        client_addr=client_addr,
        request_id=request_id,
    )


def check_throttle(db: Session, client_addr: str, settings: Settings) -> None:
    since = utcnow() - timedelta(minutes=settings.throttle_window_minutes)
    failures = db.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client_addr == client_addr, LoginFailure.at >= since)
    ).scalar_one()
    if failures >= settings.throttle_per_address:
        raise TooManyRequests(f"此地址的登录尝试过于频繁，请 {settings.throttle_window_minutes} 分钟后再试。")


def authenticate(
    db: Session, username: str, password: str, *, client_addr: str, request_id: str, settings: Settings
) -> User | None:
    """Check username and password; count failures, lock after too many.

    Returns None for every kind of failure (unknown, wrong password, locked, disabled) so the
    caller shows one answer; the failure is recorded and must be committed, so nothing is raised.
    """
    client_addr = client_addr[:64]  # the column's width (a trusted proxy's address, see settings.forwarded_allow_ips)
    check_throttle(db, client_addr, settings)
    username = username.strip()[:50]
    user = db.execute(select(User).where(User.username == username)).scalar_one_or_none()
    now = utcnow()
    locked = user is not None and is_locked(user, now)
    valid = verify_password(password, user.password_hash if user else None)
    if user is not None and user.is_active and not locked and valid:
        if not (mfa_required(user, settings) and user.totp_enabled):
            # with a second factor still to come, the count runs on: wrong codes must add up to a lock
            # however often the password is entered again (the count is reset once the code is right)
            user.failed_login_count = 0
        user.locked_until = None
        user.last_login_at = now
        return user
    db.add(LoginFailure(client_addr=client_addr, username=username))
    reason = (
        "unknown_user"
        if user is None
        else ("locked" if locked else ("disabled" if not user.is_active else "bad_password"))
    )
    if user is not None and not locked and user.is_active:
        user.failed_login_count += 1
        if user.failed_login_count >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_login_count = 0
            reason = "locked_now"
    audit.append(
        db,
        "login_failure",
        entity="user_account",
        entity_id=user.id if user else "",
        changes={"username": username, "reason": reason},
        principal=_anonymous(username, client_addr, request_id),
    )
    return None


def start_session(
    db: Session, user: User, *, client_addr: str, user_agent: str, mfa_passed: bool, settings: Settings
) -> SessionGrant:
    token = new_token()
    now = utcnow()
    row = UserSession(
        token_hash=sha256_hex(token),
        user_id=user.id,
        csrf_token=new_token(24),
        mfa_passed=mfa_passed,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        client_addr=client_addr[:64],
        user_agent=user_agent[:200],
    )
    db.add(row)
    db.flush()
    return SessionGrant(token, row)


def rotate_session(db: Session, old: UserSession, *, mfa_passed: bool, settings: Settings) -> SessionGrant:
    """Replace a session by a new id (after the second factor), keeping its absolute deadline."""
    old.revoked_at = utcnow()
    token = new_token()
    row = UserSession(
        token_hash=sha256_hex(token),
        user_id=old.user_id,
        csrf_token=new_token(24),
        mfa_passed=mfa_passed,
        created_at=old.created_at,
        last_seen_at=utcnow(),
        expires_at=old.expires_at,
        client_addr=old.client_addr,
        user_agent=old.user_agent,
    )
    db.add(row)
    db.flush()
    return SessionGrant(token, row)


# Built once: every request asks one of these, and building a statement costs as much as running it.
_SESSION_BY_HASH = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)
_tokens = ApiToken.__table__.c
_TOKEN_BY_HASH = select(
    _tokens.id,
    _tokens.name,
    _tokens.unit_id,
    _tokens.read_only,
    _tokens.role,
    _tokens.scopes,
    _tokens.expires_at,
    _tokens.last_used_at,
    _tokens.revoked_at,
).where(_tokens.token_hash == bindparam("token_hash"))


def load_session(db: Session, token: str | None, settings: Settings) -> tuple[UserSession, User] | None:
    """The live session for a cookie token, or None if unknown, revoked, idle too long or expired."""
    if not token or len(token) > 100:
        return None
    row = db.execute(_SESSION_BY_HASH, {"token_hash": sha256_hex(token)}).first()
    if row is None:
        return None
    session, user = row.tuple()
    now = utcnow()
    if (
        session.revoked_at is not None
        or session.expires_at <= now
        or not user.is_active
        or now - session.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    ):
        return None
    if now - session.last_seen_at > TOUCH_INTERVAL:  # written at most once a minute, after the request
        after_commit(db, functools.partial(_touch_session, session_id=session.id, now=now))
    return session, user


def _touch_session(db: Session, session_id: int, now: datetime) -> None:
    """Record that a session was used (its idle timeout starts again). The condition makes
    concurrent requests of one session write it once; not audited: use is not a change."""
    db.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.last_seen_at < now - TOUCH_INTERVAL)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def _touch_token(db: Session, token_id: int, now: datetime, client_addr: str) -> None:
    db.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_INTERVAL),
        )
        .values(last_used_at=now, last_used_addr=client_addr[:64])
        .execution_options(synchronize_session=False)
    )


def end_session(db: Session, session: UserSession) -> None:
    session.revoked_at = utcnow()


def end_session_by_token(db: Session, token: str | None) -> None:
    """Revoke whatever session a cookie token names (at sign-in: the old id must not live on)."""
    if not token or len(token) > 100:
        return
    row = db.execute(select(UserSession).where(UserSession.token_hash == sha256_hex(token))).scalar_one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_all_sessions(db: Session, user_id: int, *, except_id: int | None = None) -> None:
    """Sign a user out everywhere (but in the session `except_id`, if given)."""
    stmt = select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if except_id is not None:
        stmt = stmt.where(UserSession.id != except_id)
    for row in db.execute(stmt).scalars():
        row.revoked_at = utcnow()


def verify_second_factor(db: Session, user: User, code: str) -> bool:
    if not user.totp_secret:
        return False
    step = totp_match_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def change_password(db: Session, user: User, current: str, new: str, confirm: str, settings: Settings) -> None:
    errors: dict[str, str] = {}
    if not verify_password(current, user.password_hash):
        errors["current_password"] = "当前密码不正确"
    problems = password_problems(new, user.username, settings)
    if problems:
        errors["new_password"] = "；".join(problems)
    elif verify_password(new, user.password_hash):
        errors["new_password"] = "新密码不能与当前密码相同"
    if new != confirm:
        errors["confirm_password"] = "两次输入的新密码不一致"
    if errors:
        raise Invalid(errors)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False


class TokenRow(Protocol):
    """What authenticating a bearer token reads of it."""

    id: int
    name: str
    unit_id: int | None
    read_only: bool
    role: str
    scopes: str


def authenticate_token(db: Session, raw: str, client_addr: str) -> TokenRow | None:
    """The live token for a bearer secret (its columns as a plain row: every API call asks), or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.connection().execute(_TOKEN_BY_HASH, {"token_hash": sha256_hex(raw)}).first()
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        # after the request, without the audit chain: usage is not a change of the token's data
        after_commit(db, functools.partial(_touch_token, token_id=token.id, now=now, client_addr=client_addr))
    return token


def purge_expired(db: Session, settings: Settings, now: datetime | None = None) -> None:
    """Housekeeping: old failures, dead sessions."""
    now = now or utcnow()
    db.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
    db.execute(delete(UserSession).where(UserSession.expires_at < now - timedelta(days=7)))
