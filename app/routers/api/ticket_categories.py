"""Kinds of ticket and their default deadlines in working days (as on /admin/calendar)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.tickets import CategoryRead, CategoryUpdate
from app.services import ticket_categories

router = IndexedRouter(prefix="/ticket-categories", tags=["跟踪服务问题（Open311）"])


@router.get("", summary="问题类别及默认办结限期（工作日），含已停用的")
def list_categories(principal: ApiPrincipal, db: DbSession) -> list[CategoryRead]:
    return [CategoryRead.model_validate(c) for c in ticket_categories.list_all(db)]


@router.patch(
    "/{category_id}",
    response_model=CategoryRead,
    summary="修改类别的默认办结限期（招商局令牌，admin 范围；需带 version，过期 409；此后交办的问题按新限期）",
)
def update_category(
    category_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    body: CategoryUpdate,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    category = ticket_categories.update(db, principal, category_id, body)
    return guard.finish(json_response(CategoryRead.model_validate(category)))
