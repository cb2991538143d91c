from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.deps import ApiPrincipal, DbSession
from app.models.unit import UnitKind
from app.routing import IndexedRouter
from app.schemas.common import Page
from app.schemas.units import UnitContactUpdate, UnitRead
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


@router.get("/{unit_id}", summary="单位详情")
def get_unit(unit_id: IdPath, principal: ApiPrincipal, db: DbSession) -> UnitRead:
    return UnitRead.model_validate(units.get(db, unit_id))


@router.patch("/{unit_id}/contact", summary="更新本单位负责人与联系方式（需带 version）")
def update_contact(unit_id: IdPath, body: UnitContactUpdate, principal: ApiPrincipal, db: DbSession) -> UnitRead:
    return UnitRead.model_validate(units.update_contact(db, principal, unit_id, body))
