"""The monthly outbound-trip list over the API (每月外出招商达标), and a unit's own minimum: the same service
as the page (app.services.trip_compliance). Those who read every unit see every unit; a unit's token its
own."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.trip_compliance import (
    SectionMonthRead,
    TripMonthRead,
    UnitMinimumRead,
    UnitMinimumSet,
    UnitMonthRead,
)
from app.services import reports, trip_compliance

router = IndexedRouter(prefix="/activities", tags=["招商活动"])


@router.get(
    "/trips/compliance",
    summary="每月外出招商达标情况：各单位及其条线当月外出次数、是否达标、本年未达标月份（单位令牌只见本单位）",
)
def trip_compliance_list(
    principal: ApiPrincipal,
    db: DbSession,
    year: Annotated[int, Query(ge=2000, le=2100, description="年份（2000 年至今年）", examples=[2026])],
    month: Annotated[int, Query(ge=1, le=12, description="月份 1–12（尚未开始的月份答 422）", examples=[11])],
    only: Annotated[Literal["", "missed"], Query(description="missed：只列未达标的单位（单位或任一条线）")] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = trip_compliance.PAGE,
) -> TripMonthRead:
    found = trip_compliance.monthly_list(db, principal, year, month, only=only, offset=offset, limit=limit)
    return TripMonthRead(
        year=found.year,
        month=found.month,
        first_day=found.first,
        last_day=found.last,
        ended=found.ended,
        unit_minimum=found.unit_minimum,
        section_minimum=found.section_minimum,
        total=found.total,
        limit=found.limit,
        offset=found.offset,
        items=[
            UnitMonthRead(
                unit_id=r.unit_id,
                unit=r.name,
                trips=r.trips,
                state=r.state,
                minimum=r.minimum,
                sections=[
                    SectionMonthRead(
                        section_id=s.section_id,
                        name=s.name,
                        kind=s.kind,
                        trips=s.trips,
                        state=s.state,
                    )
                    for s in r.sections
                ],
                missed_months=r.missed_months,
            )
            for r in found.rows
        ],
    )


@router.put(
    "/trips/minimums/{unit_id}",
    response_model=UnitMinimumRead,
    summary="单独设定某单位每月至少外出招商次数（0 为免于考核；null 恢复统一要求；招商局令牌，projects 范围）",
)
def set_unit_minimum(
    unit_id: Annotated[int, Path(ge=1, le=2_147_483_647, description="单位编号")],
    body: UnitMinimumSet,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    minimum = trip_compliance.set_unit_minimum(db, principal, unit_id, body.minimum)
    read = UnitMinimumRead(
        unit_id=unit_id,
        unit=reports.unit_names(db, [unit_id]).get(unit_id, ""),
        own_minimum=body.minimum,
        minimum=minimum,
    )
    return guard.finish(json_response(read))
