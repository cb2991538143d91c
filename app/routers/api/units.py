from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.unit import UnitKind
from app.routing import IndexedRouter
from app.schemas.common import Page, json_response
from app.schemas.units import UnitContactUpdate, UnitCreate, UnitPatch, UnitRead
from app.services import units

router = IndexedRouter(prefix="/units", tags=["单位"])

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("", summary="单位名录（全部在用单位）")
def list_units(
    principal: ApiPrincipal,
    db: DbSession,
    kind: Annotated[UnitKind | None, Query(description="单位类别")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[UnitRead]:
    rows, total = units.list_units(db, kind=kind.value if kind else None, limit=limit, offset=offset)
    return Page[UnitRead](items=[UnitRead.model_validate(u) for u in rows], total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=201,
    response_model=UnitRead,
    summary="新建单位（招商局令牌，admin 范围；同名单位 409；可带 Idempotency-Key）",
)
def create_unit(body: UnitCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    return guard.finish(json_response(UnitRead.model_validate(units.create(db, principal, body)), 201))


@router.get("/{unit_id}", summary="单位详情")
def get_unit(unit_id: IdPath, principal: ApiPrincipal, db: DbSession) -> UnitRead:
    return UnitRead.model_validate(units.get(db, unit_id))


@router.patch(
    "/{unit_id}",
    response_model=UnitRead,
    summary="修改单位：名称、类别与档次、上级、负责人、排序、停用（招商局令牌；只改所发字段；需带 version，过期 409）",
)
def update_unit(
    unit_id: IdPath, body: UnitPatch, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    return guard.finish(json_response(UnitRead.model_validate(units.update(db, principal, unit_id, body))))


@router.patch("/{unit_id}/contact", summary="更新本单位负责人与联系方式（需带 version）")
def update_contact(unit_id: IdPath, body: UnitContactUpdate, principal: ApiPrincipal, db: DbSession) -> UnitRead:
    return UnitRead.model_validate(units.update_contact(db, principal, unit_id, body))
