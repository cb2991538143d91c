"""The year's assessment (年度考核) over the API: the same service as /assessment (app.services.assessment)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import Response
from pydantic import TypeAdapter

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.assessment import AssessmentAdjustment, AssessmentScheme, QualitativeScore
from app.routing import IndexedRouter
from app.schemas.assessment import (
    AdjustmentIn,
    AdjustmentRead,
    AssessmentRead,
    Line,
    PublishIn,
    SchemeIn,
    SchemeRead,
    ScoreRead,
    ScoresIn,
    UnitResult,
    WithdrawIn,
)
from app.schemas.common import json_response
from app.services import assessment

router = IndexedRouter(prefix="/assessment", tags=["考核与通报"])
MAX_ID = 2_147_483_647
YearPath = Annotated[int, Path(ge=2000, le=2100, description="考核年度")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def unit_result(row: dict[str, Any], *, with_lines: bool) -> UnitResult:
    return UnitResult(
        **{k: v for k, v in row.items() if k != "lines"},
        lines=[Line(**ln) for ln in row["lines"]] if with_lines else None,
    )


def scheme_read(row: AssessmentScheme | None, year: int) -> SchemeRead:
    return SchemeRead(
        year=year,
        status=row.status if row else assessment.AssessmentStatus.draft,
        status_label=(row.status if row else assessment.AssessmentStatus.draft).label,
        version=row.version if row else None,
        published_at=row.published_at if row else None,
        params=assessment.params_of(row),
    )


def score_read(s: QualitativeScore, name: str) -> ScoreRead:
    return ScoreRead(
        id=s.id,
        unit_id=s.unit_id,
        assessor_id=s.assessor_id,
        assessor_name=name,
        item=s.item,
        score=s.score,
        reason=s.reason,
        version=s.version,
    )


def adjustment_read(a: AssessmentAdjustment) -> AdjustmentRead:
    return AdjustmentRead(
        id=a.id,
        unit_id=a.unit_id,
        kind=a.kind,
        kind_label=a.kind.label,
        points=a.points,
        reason=a.reason,
        basis=a.basis,
        withdrawn=a.withdrawn,
        withdraw_reason=a.withdraw_reason,
        version=a.version,
    )


@router.get(
    "/{year}",
    summary="年度考核结果：名次、定量、定性、加分、扣分、综合得分、红牌（未发布时随数据变化；单位令牌在发布前只见本单位）",
)
def get_assessment(
    year: YearPath,
    principal: ApiPrincipal,
    db: DbSession,
    lines: Annotated[bool, Query(description="同时给出每一分的来源")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AssessmentRead:
    v = assessment.view(db, principal, year)
    page = v.rows[offset : offset + limit]
    return AssessmentRead(
        **scheme_read(v.scheme, year).model_dump(),
        as_of=v.as_of.isoformat(),
        results=[unit_result(r, with_lines=lines) for r in page],
        total=len(v.rows),
        limit=limit,
        offset=offset,
    )


@router.get("/{year}/units/{unit_id}", summary="一个单位的年度考核结果及每一分的来源（单位令牌只见本单位）")
def get_unit_result(year: YearPath, unit_id: IdPath, principal: ApiPrincipal, db: DbSession) -> UnitResult:
    return unit_result(assessment.unit_view(db, principal, year, unit_id), with_lines=True)


@router.put(
    "/{year}/scheme",
    response_model=SchemeRead,
    summary="设定年度考核方案：定量与定性的权重、各指标权重、定性评分项、扣分标准与上限"
    "（发布后不能改；招商局令牌，targets 范围）",
)
def set_scheme(
    year: YearPath, body: SchemeIn, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = assessment.set_scheme(db, principal, year, body)
    db.refresh(row)
    return guard.finish(json_response(scheme_read(row, year)))


@router.get("/{year}/units/{unit_id}/scores", summary="一个单位的定性评分（评分人、分数、理由）")
def list_scores(year: YearPath, unit_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[ScoreRead]:
    return [score_read(s, name) for s, name in assessment.scores_of(db, principal, year, unit_id)]


SCORES = TypeAdapter(list[ScoreRead])


@router.post(
    "/{year}/units/{unit_id}/scores",
    response_model=list[ScoreRead],
    summary="录入或修改定性评分（每项 0–100 分并写明理由；招商局可代评分人录入；发布后不能改；可带 Idempotency-Key）",
)
def set_scores(
    year: YearPath, unit_id: IdPath, body: ScoresIn, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    assessment.set_scores(db, principal, year, unit_id, body)
    rows = [score_read(s, name) for s, name in assessment.scores_of(db, principal, year, unit_id)]
    return guard.finish(Response(SCORES.dump_json(rows), media_type="application/json"))


@router.get("/{year}/units/{unit_id}/adjustments", summary="一个单位的加分、扣分（招商局录入的，含已撤销的）")
def list_adjustments(year: YearPath, unit_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[AdjustmentRead]:
    return [adjustment_read(a) for a in assessment.adjustments_of(db, principal, year, unit_id)]


@router.post(
    "/{year}/units/{unit_id}/adjustments",
    status_code=201,
    response_model=AdjustmentRead,
    summary="录入加分或扣分（写明理由和依据；发布后不能改；招商局令牌，targets 范围；可带 Idempotency-Key）",
)
def add_adjustment(
    year: YearPath, unit_id: IdPath, body: AdjustmentIn, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = assessment.add_adjustment(db, principal, year, unit_id, body)
    db.refresh(row)
    return guard.finish(json_response(adjustment_read(row), 201))


@router.post(
    "/{year}/adjustments/{adjustment_id}/withdraw",
    response_model=AdjustmentRead,
    summary="撤销一项加分或扣分（写明理由；发布后不能改；招商局令牌，targets 范围）",
)
def withdraw_adjustment(
    year: YearPath,
    adjustment_id: IdPath,
    body: WithdrawIn,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    row = assessment.withdraw_adjustment(db, principal, year, adjustment_id, body)
    db.refresh(row)
    return guard.finish(json_response(adjustment_read(row)))


@router.post(
    "/{year}/publish",
    response_model=SchemeRead,
    summary="发布年度考核结果：冻结方案与每一分的来源"
    "（定性评分须齐全；年度未结束须 confirm_early；招商局令牌，targets 范围）",
)
def publish(year: YearPath, body: PublishIn, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = assessment.publish(db, principal, year, body)
    db.refresh(row)
    return guard.finish(json_response(scheme_read(row, year)))
