"""The coordinator's side of reporting over the API, as on /reports and /bulletins: the reports' cadence,
publishing a period's bulletin (confirming an early one), and the bulletin as a workbook. Same services
as the pages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routers.api.performance import BulletinKind, BulletinNumber, BulletinYear
from app.routing import IndexedRouter, long_running
from app.schemas.common import json_response
from app.schemas.performance import CadenceRead, CadenceSet, PublishedBulletin, PublishIn
from app.services import bulletin_export, bulletins, export, reports

router = IndexedRouter(tags=["考核与通报"])

CadencePath = Annotated[
    Literal["ten_day", "monthly", "quarterly"], Path(description="ten_day 旬报、monthly 月报、quarterly 季报")
]


@router.get("/reports/cadences", summary="招商局安排的定期报告：类型、期满后几天内报送、是否要求报送")
def list_cadences(principal: ApiPrincipal, db: DbSession) -> list[CadenceRead]:
    return [CadenceRead.model_validate(r) for r in reports.cadences(db)]


@router.put(
    "/reports/cadences/{cadence}",
    response_model=CadenceRead,
    summary="安排定期报告：期满后几天内报送（1–60）、是否要求报送（招商局令牌，reports 范围）",
)
def set_cadence(
    cadence: CadencePath, body: CadenceSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = reports.set_cadence(db, principal, cadence, body.due_days, body.is_active)
    return guard.finish(json_response(CadenceRead.model_validate(row)))


@router.post(
    "/bulletins/{kind}/{year}/{number}/publish",
    status_code=201,
    response_model=PublishedBulletin,
    summary="发布一期调度或通报：冻结数字并生成摘要（本期未结束须 confirm_early；已发布的 422；招商局令牌）",
)
@long_running
def publish_bulletin(
    kind: BulletinKind,
    year: BulletinYear,
    number: BulletinNumber,
    body: PublishIn,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    row = bulletins.publish(db, principal, kind, year, number, confirm_early=body.confirm_early)
    published = PublishedBulletin(
        kind=row.kind,
        year=row.period_start.year,
        number=bulletins.number_of(row.kind, row.period_start),
        title=row.title,
        period_start=row.period_start,
        period_end=row.period_end,
        digest=row.digest,
        published_at=row.published_at,
    )
    return guard.finish(json_response(published, 201))


@router.get(
    "/bulletins/{kind}/{year}/{number}/export.xlsx",
    summary="任一期通报的 Excel 工作簿（每张表一页）；已发布的为发布时的数字并附摘要，未发布的标“草稿”",
    response_class=Response,
    responses={200: {"content": {export.XLSX_TYPE: {}}, "description": "Excel 工作簿（.xlsx）"}},
)
@long_running
def bulletin_xlsx(
    kind: BulletinKind, year: BulletinYear, number: BulletinNumber, principal: ApiPrincipal, db: DbSession
) -> Response:
    filename, body = bulletin_export.bulletin(db, principal, kind, year, number)
    return Response(
        body, media_type=export.XLSX_TYPE, headers={"Content-Disposition": export.content_disposition(filename)}
    )
