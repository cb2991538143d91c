"""People over the API: listed by anyone with read (a unit token sees its own unit), managed by the
coordinator as on /admin/users. A password sent here is never answered back nor audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, ApiSecretIdempotency, DbSession, SettingsDep
from app.routing import IndexedRouter
from app.schemas.common import PLAIN_TEXT_PATTERN, Page, json_response
from app.schemas.users import PasswordReset, UserCreate, UserPatch, UserRead
from app.services import users

router = IndexedRouter(prefix="/users", tags=["人员"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("", summary="人员列表（单位令牌只见本单位）")
def list_users(
    principal: ApiPrincipal,
    db: DbSession,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    q: Annotated[str, Query(max_length=50, pattern=PLAIN_TEXT_PATTERN, description="按登录名或姓名查找")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[UserRead]:
    rows, total = users.list_users(db, principal, unit_id=unit_id, q=q, limit=limit, offset=offset)
    return Page[UserRead](items=[UserRead.model_validate(u) for u in rows], total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=201,
    response_model=UserRead,
    summary="新建人员账号（招商局令牌，admin 范围；初始密码首次登录须修改，不会返回；可带 Idempotency-Key）",
)
def create_user(
    body: UserCreate, principal: ApiPrincipal, db: DbSession, settings: SettingsDep, guard: ApiSecretIdempotency
) -> Response:
    return guard.finish(json_response(UserRead.model_validate(users.create(db, principal, body, settings)), 201))


@router.get("/{user_id}", summary="人员详情")
def get_user(user_id: IdPath, principal: ApiPrincipal, db: DbSession) -> UserRead:
    return UserRead.model_validate(users.get(db, principal, user_id))


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="修改人员：姓名、单位、角色、电话、停用（招商局令牌；只改所发字段；需带 version，过期 409）",
)
def update_user(
    user_id: IdPath, body: UserPatch, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    return guard.finish(json_response(UserRead.model_validate(users.update(db, principal, user_id, body))))


@router.post(
    "/{user_id}/password",
    response_model=UserRead,
    summary="重置密码（招商局令牌）：设为所给的新密码，该用户各处退出登录、解除锁定，下次登录须修改；密码不会返回",
)
def reset_password(
    user_id: IdPath,
    body: PasswordReset,
    principal: ApiPrincipal,
    db: DbSession,
    settings: SettingsDep,
    guard: ApiSecretIdempotency,
) -> Response:
    user = users.reset_password(db, principal, user_id, body.new_password, settings)
    return guard.finish(json_response(UserRead.model_validate(user)))


@router.post("/{user_id}/unlock", response_model=UserRead, summary="解除登录锁定（招商局令牌；可带 Idempotency-Key）")
def unlock_user(user_id: IdPath, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    return guard.finish(json_response(UserRead.model_validate(users.unlock(db, principal, user_id))))
