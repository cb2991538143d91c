"""The coordinator sets targets over the API as on /targets: a year's target for a metric by unit, tier or
unit kind, and the monthly curve of expected progress (时序进度). Same services as the page."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.performance import CurveRead, CurveSet, MonthShareRead, TargetRead, TargetSet
from app.services import performance

router = IndexedRouter(prefix="/targets", tags=["考核与通报"])

CENT = Decimal("0.01")
YearPath = Annotated[int, Path(ge=2000, le=2100, description="年度")]


@router.put(
    "",
    response_model=TargetRead,
    summary="设定年度目标：某指标按单个单位、考核档次或单位类别（三选一）；已有则改金额（招商局令牌，targets 范围）",
)
def set_target(body: TargetSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = performance.set_target(
        db,
        principal,
        year=body.year,
        metric=body.metric,
        amount=body.amount,
        tier=body.tier,
        unit_kind=body.unit_kind.value if body.unit_kind is not None else None,
        unit_id=body.unit_id,
    )
    return guard.finish(json_response(TargetRead.model_validate(row)))


def _curve(db: DbSession, year: int) -> CurveRead:
    return CurveRead(
        year=year,
        shares=[MonthShareRead(month=m, share=s.quantize(CENT)) for m, s in performance.expected_shares(db, year)],
    )


@router.get("/{year}/curve", summary="时序进度：各月末应完成全年目标的比例（未设定的按线性）")
def get_curve(year: YearPath, principal: ApiPrincipal, db: DbSession) -> CurveRead:
    return _curve(db, year)


@router.put(
    "/{year}/curve",
    response_model=CurveRead,
    summary="设定时序进度：各月末应完成全年的比例（只改所发的月份；招商局令牌，targets 范围）",
)
def set_curve(
    year: YearPath, body: CurveSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    performance.set_expected_shares(db, principal, year, {s.month: s.share for s in body.shares})
    return guard.finish(json_response(_curve(db, year)))
