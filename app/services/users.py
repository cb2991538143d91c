"""People and system clients' tokens, managed by the coordinator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.config import Settings
from app.errors import Duplicate, Invalid, NotFound
from app.models.base import utcnow
from app.models.unit import Unit
from app.models.user import ApiToken, Role, User
from app.principal import SYSTEM, Principal
from app.schemas.users import TokenCreate, UserCreate, UserPatch, UserUpdate
from app.scopes import DEFAULT_SCOPES, ROLE_SCOPES, SCOPES, TokenRole, describe
from app.services import auth, people
from app.services.common import apply_changes, check_version, merge_sent
from app.services.security import hash_password, new_token, password_problems, sha256_hex

USER_NOT_FOUND = "找不到该用户"


def get(db: Session, principal: Principal, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    policy.ensure_read(principal, user.unit_id, USER_NOT_FOUND)  # another unit's: the same answer
    return user


def list_users(
    db: Session, principal: Principal, *, unit_id: int | None = None, q: str = "", limit: int = 50, offset: int = 0
) -> tuple[Sequence[User], int]:
    stmt = select(User)
    scope = policy.unit_filter(principal)
    if scope is not None:
        stmt = stmt.where(User.unit_id == scope)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    if q:
        # literal search: "%" and "_" typed by a person match themselves, not everything
        stmt = stmt.where(
            or_(User.username.icontains(q, autoescape=True), User.display_name.icontains(q, autoescape=True))
        )
    total = db.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.execute(stmt.order_by(User.unit_id, User.id).limit(limit).offset(offset)).scalars().all()
    return rows, total


def _check_unit(db: Session, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None or not unit.is_active:
        raise Invalid({"unit_id": "所属单位不存在或已停用"})
    return unit


def create(db: Session, principal: Principal, data: UserCreate, settings: Settings) -> User:
    policy.ensure_coordinator(principal)
    _check_unit(db, data.unit_id)
    if db.execute(select(User.id).where(User.username == data.username)).first():
        raise Duplicate("该登录名已被使用", field="username")
    problems = password_problems(data.initial_password, data.username, settings)
    if problems:
        raise Invalid({"initial_password": "；".join(problems)})
    user = User(
        username=data.username,
        display_name=data.display_name,
        unit_id=data.unit_id,
        role=data.role,
        phone=data.phone,
        password_hash=hash_password(data.initial_password),
        must_change_password=True,
    )
    db.add(user)
    db.flush()
    people.sync_user(db, user)  # every account is a cadre of its unit
    return user


def update(db: Session, principal: Principal, user_id: int, data: UserUpdate | UserPatch) -> User:
    """The coordinator edits a person: the page sends every field, the API those it changes."""
    policy.ensure_coordinator(principal)
    user = get(db, principal, user_id)
    check_version(db, user, data.version)
    data = merge_sent(UserUpdate, user, data)
    _check_unit(db, data.unit_id)
    if user.id == principal.user_id and (not data.is_active or data.role is not Role.coordinator):
        raise Invalid({"role": "不能停用自己的账号或取消自己的统筹权限"})
    was_active = user.is_active
    apply_changes(user, data.model_dump())
    if was_active and not user.is_active:
        auth.revoke_all_sessions(db, user.id)  # a disabled account is signed out everywhere
    db.flush()
    people.sync_user(db, user)
    return user


def reset_password(db: Session, principal: Principal, user_id: int, new_password: str, settings: Settings) -> User:
    policy.ensure_coordinator(principal)
    user = get(db, principal, user_id)
    problems = password_problems(new_password, user.username, settings)
    if problems:
        raise Invalid({"new_password": "；".join(problems)})
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    user.locked_until = None
    user.failed_login_count = 0
    auth.revoke_all_sessions(db, user.id)
    db.flush()
    return user


def unlock(db: Session, principal: Principal, user_id: int) -> User:
    policy.ensure_coordinator(principal)
    user = get(db, principal, user_id)
    user.locked_until = None
    user.failed_login_count = 0
    db.flush()
    return user


# --- API tokens ------------------------------------------------------------------------------


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def list_tokens(db: Session, principal: Principal) -> Sequence[ApiToken]:
    policy.ensure_coordinator(principal)
    return db.execute(select(ApiToken).order_by(ApiToken.id.desc())).scalars().all()


def create_token(db: Session, principal: Principal, data: TokenCreate) -> IssuedToken:
    """Issue a token: its role decides the unit it is bound to and the scopes it may carry (app.scopes);
    a coordinator token only by a coordinator signed in with the second factor (or the server's CLI)."""
    policy.ensure_coordinator(principal)
    role = data.role or (TokenRole.unit_staff if data.unit_id is not None else TokenRole.reader)
    wanted = {"read"} if data.read_only else set(data.scopes or DEFAULT_SCOPES[role]) | {"read"}
    if not_allowed := wanted - ROLE_SCOPES[role]:
        raise Invalid({"scopes": f"{role.label}令牌不能有这些权限：{describe(not_allowed)}"})
    unit_id = data.unit_id
    if role is TokenRole.unit_staff and unit_id is None:
        raise Invalid({"unit_id": "单位工作人员令牌须限定单位"})
    if role is TokenRole.reader and unit_id is not None:
        raise Invalid({"unit_id": "只读（全部单位）令牌不限定单位"})
    if role is TokenRole.coordinator:
        if principal != SYSTEM and principal.extra.get("second_factor") != "totp":
            raise policy.DeniedForbidden(
                "统筹令牌须由以两步验证登录的招商局管理员签发：请先在“我的账户”启用两步验证并重新登录"
            )
        unit_id = unit_id or principal.unit_id
    if unit_id is not None:
        _check_unit(db, unit_id)
    secret = "zs_" + new_token(30)
    token = ApiToken(
        name=data.name,
        prefix=secret[:10],
        token_hash=sha256_hex(secret),
        unit_id=unit_id,
        read_only=not (wanted - {"read"}),
        role=role,
        scopes=" ".join(code for code in SCOPES if code in wanted),
        created_by_id=principal.user_id,
        expires_at=utcnow() + timedelta(days=data.expires_days) if data.expires_days else None,
    )
    db.add(token)
    db.flush()
    return IssuedToken(token, secret)


def revoke_token(db: Session, principal: Principal, token_id: int) -> ApiToken:
    policy.ensure_coordinator(principal)
    token = db.get(ApiToken, token_id)
    if token is None:
        raise NotFound("找不到该令牌")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.flush()
    return token
