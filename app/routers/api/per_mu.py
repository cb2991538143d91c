"""The per-mu evaluation (亩均评价) over the API: the same service as /per-mu (app.services.per_mu)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.per_mu import PerMuLevel, PerMuScheme, PerMuStatus
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.per_mu import (
    BreakdownBy,
    BreakdownRow,
    GradeRead,
    PublishIn,
    ResultRead,
    ResultsRead,
    SchemeIn,
    SchemeRead,
)
from app.services import per_mu

router = IndexedRouter(prefix="/per-mu", tags=["亩均评价"])
MAX_ID = 2_147_483_647
YearPath = Annotated[int, Path(ge=2000, le=2100, description="评价年度")]
GradeFilter = Annotated[str | None, Query(pattern=r"^(A|B|C|D|none)$", description="A、B、C、D，或 none（未分类）")]


def scheme_read(row: PerMuScheme | None, year: int) -> SchemeRead:
    status = row.status if row else PerMuStatus.draft
    return SchemeRead(
        year=year,
        status=status,
        status_label=status.label,
        version=row.version if row else None,
        published_at=row.published_at if row else None,
        results_count=row.results_count if row else 0,
        results_digest=row.results_digest if row else "",
        params=per_mu.params_of(row),
    )


@router.get(
    "/{year}/scheme",
    summary="年度亩均评价方案：各指标权重、标杆值（达到得 100 分）与 A/B/C 分档线（未设定时为默认方案）",
)
def get_scheme(year: YearPath, principal: ApiPrincipal, db: DbSession) -> SchemeRead:
    return scheme_read(per_mu.scheme_of(db, year), year)


@router.put(
    "/{year}/scheme",
    response_model=SchemeRead,
    summary="设定年度亩均评价方案（四项权重之和须为 100；发布后不能改；修改须带版本号，过期 409；"
    "招商局令牌，targets 范围）",
)
def set_scheme(
    year: YearPath, body: SchemeIn, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = per_mu.set_scheme(db, principal, year, body)
    db.refresh(row)
    return guard.finish(json_response(scheme_read(row, year)))


@router.post(
    "/{year}/publish",
    response_model=SchemeRead,
    summary="发布年度亩均评价：冻结方案和每个项目、企业的结果，D 类企业的项目出现预警"
    "（年度未结束须 confirm_early；招商局令牌）",
)
def publish(year: YearPath, body: PublishIn, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = per_mu.publish(db, principal, year, body)
    db.refresh(row)
    return guard.finish(json_response(scheme_read(row, year)))


@router.get(
    "/{year}/results",
    summary="亩均评价结果（已发布为冻结结果，未发布为按当前方案即时计算的预览）：按级别、单位、园区、产业链、等级筛选，分页",
)
def list_results(
    year: YearPath,
    principal: ApiPrincipal,
    db: DbSession,
    level: PerMuLevel = PerMuLevel.project,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="责任单位")] = None,
    zone_unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="园区（载体）")] = None,
    chain: Annotated[str | None, Query(max_length=60, description="产业链（项目的产业链字段）")] = None,
    grade: GradeFilter = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ResultsRead:
    filters = per_mu.Filters(level, unit_id, zone_unit_id, chain or None, grade)
    page = per_mu.results_page(db, principal, year, filters, limit=limit, offset=offset)
    return ResultsRead(
        year=year,
        published=page.published,
        level=level,
        results=[ResultRead.model_validate(r, from_attributes=True) for r in page.rows],
        total=page.count,
        limit=limit,
        offset=offset,
        grade_counts=page.grade_counts,
    )


@router.get("/{year}/breakdown", summary="按责任单位、园区或产业链汇总：各等级的项目数、参评用地与亩均税收、亩均产值")
def get_breakdown(
    year: YearPath, principal: ApiPrincipal, db: DbSession, by: BreakdownBy = "unit"
) -> list[BreakdownRow]:
    return [
        BreakdownRow(
            key=g.key,
            name=g.name,
            counts=g.counts,
            land_mu=g.land,
            tax_per_mu=g.tax_per_mu,
            output_per_mu=g.output_per_mu,
        )
        for g in per_mu.breakdown(db, principal, year, by)
    ]


@router.get(
    "/{year}/grade",
    summary="已发布的等级：项目的（firm=true 为其所属企业的）或企业（客商）的；"
    "供奖励政策等引用（如“仅限 A、B 类企业”）",
)
def get_grade(
    year: YearPath,
    principal: ApiPrincipal,
    db: DbSession,
    project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    investor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    firm: bool = False,
) -> GradeRead:
    grade = per_mu.grade_read(db, principal, year, project_id=project_id, investor_id=investor_id, firm=firm)
    return GradeRead(year=year, project_id=project_id, investor_id=investor_id, grade=grade, firm=firm)
