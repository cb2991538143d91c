from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.deps import ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import PLAIN_TEXT_PATTERN, Page
from app.schemas.users import UserRead
from app.services import users

router = IndexedRouter(prefix="/users", tags=["人员"])


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


@router.get("/{user_id}", summary="人员详情")
def get_user(user_id: Annotated[int, Path(ge=1, le=2_147_483_647)], principal: ApiPrincipal, db: DbSession) -> UserRead:
    return UserRead.model_validate(users.get(db, principal, user_id))
