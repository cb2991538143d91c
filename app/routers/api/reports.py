"""The coordinator's side of reporting over the API, as on /reports and /bulletins: the reports' cadence,
which units report which cadence (报送范围), the late and missing reports of a year, publishing a period's
bulletin (confirming an early one), and the bulletin as a workbook. Same services as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routers.api.performance import BulletinKind, BulletinNumber, BulletinYear
from app.routing import IndexedRouter, long_running
from app.schemas.common import json_response
from app.schemas.performance import PublishedBulletin, PublishIn
from app.schemas.reports import (
    CADENCE_TEXT,
    ApplicabilityRead,
    Cadence,
    CadenceRead,
    CadenceSet,
    KindRulesSet,
    LateItemRead,
    LateReportsRead,
    UnitRuleRead,
    UnitRuleSet,
)
from app.services import bulletin_export, bulletins, export, reports, workdays

router = IndexedRouter(tags=["考核与通报"])

CadencePath = Annotated[Cadence, Path(description=CADENCE_TEXT)]
UnitPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="单位编号")]


@router.get("/reports/cadences", summary="招商局安排的定期报告：类型、期满后几天内报送、是否要求报送")
def list_cadences(principal: ApiPrincipal, db: DbSession) -> list[CadenceRead]:
    return [CadenceRead.model_validate(r) for r in reports.cadences(db)]


@router.put(
    "/reports/cadences/{cadence}",
    response_model=CadenceRead,
    summary="安排定期报告：期满后几天（或几个工作日）内报送（1–60）、是否要求报送（招商局令牌，reports 范围）",
)
def set_cadence(
    cadence: CadencePath, body: CadenceSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = reports.set_cadence(db, principal, cadence, body.due_days, body.is_active, body.working_days)
    return guard.finish(json_response(CadenceRead.model_validate(row)))


def _applicability(db: DbSession, principal: ApiPrincipal) -> ApplicabilityRead:
    found = reports.applicability(db, principal)
    return ApplicabilityRead(
        kinds=found.kinds,
        units=[
            UnitRuleRead(cadence=r.cadence, unit_id=r.unit_id, unit=r.unit_name, applies=r.applies, version=r.version)
            for r in found.units
        ],
    )


@router.get(
    "/reports/applicability",
    summary="报送范围：各类报告由哪些类别的单位报送，及单独设定的单位（招商局、领导、督查室）",
)
def get_applicability(principal: ApiPrincipal, db: DbSession) -> ApplicabilityRead:
    return _applicability(db, principal)


@router.put(
    "/reports/applicability/kinds",
    response_model=ApplicabilityRead,
    summary="设定各类报告由哪些类别的单位报送（只改所发的报告类型与类别；招商局令牌，reports 范围）",
)
def set_kind_rules(body: KindRulesSet, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    changes = {str(c): {str(k): v for k, v in kinds.items()} for c, kinds in body.cadences.items()}
    reports.set_kind_rules(db, principal, changes)
    return guard.finish(json_response(_applicability(db, principal)))


@router.put(
    "/reports/applicability/{cadence}/units/{unit_id}",
    response_model=UnitRuleRead,
    summary="单独设定某单位是否报送某类报告，优先于其类别的设定；applies 为 null 则取消单独设定、恢复按类别"
    "（招商局令牌，reports 范围）",
)
def set_unit_rule(
    cadence: CadencePath,
    unit_id: UnitPath,
    body: UnitRuleSet,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    row = reports.set_unit_rule(db, principal, cadence, unit_id, body.applies)
    read = UnitRuleRead(
        cadence=cadence,
        unit_id=unit_id,
        unit=reports.unit_names(db, [unit_id]).get(unit_id, ""),
        applies=row.applies if row is not None else None,
        version=row.version if row is not None else 0,
    )
    return guard.finish(json_response(read))


@router.get(
    "/reports/late",
    summary="某年各单位迟报、未报的定期报告（考核扣分的依据；单位令牌只见本单位）",
)
def late_reports(
    principal: ApiPrincipal,
    db: DbSession,
    year: Annotated[int, Query(ge=2000, le=2100, description="年度（周报按所属的 ISO 年）", examples=[2026])],
) -> list[LateReportsRead]:
    scope = None if principal.reads_everything else [principal.unit_id or 0]
    counts = reports.late_report_counts(db, year, scope, workdays.today())
    names = reports.unit_names(db, counts)
    return [
        LateReportsRead(
            unit_id=unit_id,
            unit=names.get(unit_id, ""),
            late=c.late,
            missing=c.missing,
            items=[
                LateItemRead(
                    cadence=i.cadence,
                    period_start=i.period_start,
                    period_end=i.period_end,
                    due_on=i.due_on,
                    state=i.state,
                )
                for i in c.items
            ],
        )
        for unit_id, c in counts.items()
    ]


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
