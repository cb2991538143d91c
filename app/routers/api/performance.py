"""Figures for provincial and statistics systems: metrics, targets, campaigns, rankings, rates, reports, bulletins."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.errors import Invalid, NotFound
from app.models.performance import Campaign, UnitReport
from app.models.project import Category
from app.routing import IndexedRouter, long_running
from app.schemas.common import answer_example, stated
from app.schemas.reports import CADENCE_TEXT, Cadence
from app.services import bulletin_docx, bulletins, export, metrics, performance, workdays
from app.services import reports as report_service

router = IndexedRouter(tags=["考核与通报"])
UnitQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647, description="单位；单位令牌只能查本单位")]
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
"""The dates a figure may be asked for (a query's start, end, as_of)."""
BOUNDS = {"formatMinimum": FIRST_DAY.isoformat(), "formatMaximum": LAST_DAY.isoformat()}
Start = Annotated[
    date,
    Query(
        description="区间起（2000-01-01 至 2100-12-31）", json_schema_extra=stated(**BOUNDS), examples=["2026-01-01"]
    ),
]
End = Annotated[
    date,
    Query(
        description="区间止（2000-01-01 至 2100-12-31）：不能早于 start，与 start 相隔不超过 3700 天",
        json_schema_extra=stated(**BOUNDS),
        examples=["2026-06-30"],
    ),
]
Year = Annotated[int, Query(ge=2000, le=2100, description="年度", examples=[2026])]


def _scope(principal: Any, unit_id: int | None) -> int | None:
    if principal.reads_everything:
        return unit_id
    if unit_id is not None and unit_id != principal.unit_id:
        raise NotFound()
    return principal.unit_id


def _range(start: date, end: date) -> None:
    pairs = (("start", start), ("end", end))
    outside = {name: "日期超出范围（2000–2100 年）" for name, day in pairs if not FIRST_DAY <= day <= LAST_DAY}
    if outside:
        raise Invalid(outside)
    if end < start:
        raise Invalid({"end": "截止日期不能早于开始日期"})
    if (end - start).days > 3700:
        raise Invalid({"start": "区间过长"})


@router.get("/metrics", summary="指标目录与取值（按单位；区间内）")
def get_metrics(
    principal: ApiPrincipal, db: DbSession, start: Start, end: End, unit_id: UnitQuery = None
) -> dict[str, Any]:
    _range(start, end)
    unit_id = _scope(principal, unit_id)
    values = {}
    for code, m in metrics.METRICS.items():
        per_unit = metrics.compute(db, code, start, end, [unit_id] if unit_id else None)
        values[code] = {
            "label": m.label,
            "unit": m.unit,
            "value": str(per_unit.get(unit_id, Decimal(0)) if unit_id else sum(per_unit.values(), Decimal(0))),
        }
    return {"start": start, "end": end, "unit_id": unit_id, "metrics": values}


@router.get("/metrics/{code}/records", summary="一个指标计入的记录（可追溯到每条）")
def metric_records(
    code: Annotated[
        str,
        Path(
            max_length=40,
            description="指标代码（GET /metrics 列出的；未知的答 404）",
            json_schema_extra=lambda schema: schema.update(enum=list(metrics.METRICS)),
            examples=["contract_investment"],
        ),
    ],
    principal: ApiPrincipal,
    db: DbSession,
    start: Start,
    end: End,
    unit_id: UnitQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="每页条数，最多 1000")] = 200,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
) -> dict[str, Any]:
    """The records one figure counts, a page at a time in date order, with how many there are in all
    (`total`) and what they add up to (`sum`: the figure itself)."""
    if code not in metrics.METRICS:
        raise NotFound("未知的指标")
    _range(start, end)
    rows, count, summed = metrics.drill(
        db, code, start, end, _scope(principal, unit_id), principal=principal, limit=limit, offset=offset
    )
    items = [{k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in r.items()} for r in rows]
    return {"items": items, "total": count, "limit": limit, "offset": offset, "sum": str(summed)}


@router.get("/targets", summary="年度目标完成情况：实际、目标、占年计划、时序进度、同比、黄牌红牌")
def targets(
    principal: ApiPrincipal,
    db: DbSession,
    year: Year,
    as_of: Annotated[
        date | None,
        Query(
            description="截至日期，缺省为今天与年末中较早者（2000-01-01 至 2100-12-31）",
            json_schema_extra=stated(**BOUNDS),
        ),
    ] = None,
    unit_id: UnitQuery = None,
) -> list[dict[str, Any]]:
    unit_id = _scope(principal, unit_id)
    as_of = as_of or min(workdays.today(), date(year, 12, 31))
    if not FIRST_DAY <= as_of <= LAST_DAY:
        raise Invalid({"as_of": "日期超出范围"})
    result = performance.standings(db, year, as_of, unit_ids=[unit_id] if unit_id else None)
    return [
        {
            "unit_id": st.unit_id,
            "metric": st.metric,
            "actual": str(st.actual),
            "target": str(st.target) if st.target is not None else None,
            "share_of_target": performance.shown(st.share_of_target),
            "expected_share": performance.shown(st.expected),
            "share_of_expected": performance.shown(st.share_of_expected),
            "growth": performance.shown(st.growth),
            "card": st.card or None,
            "heading_below_yellow": st.heading_below,
        }
        for st in result.values()
    ]


_CAMPAIGNS_EXAMPLE = [
    {"id": 2, "name": "2026年招商引资百日攻坚竞赛", "starts_on": "2026-06-01", "ends_on": "2026-09-08", "days_left": 0},
    {
        "id": 3,
        "name": "2026年冬季招商引资攻坚竞赛",
        "starts_on": "2026-11-01",
        "ends_on": "2027-01-31",
        "days_left": 55,
    },
]


def _alternative(text: str, value: str, threshold: str) -> dict[str, Any]:
    return {"text": text, "value": value, "threshold": threshold, "met": Decimal(value) >= Decimal(threshold)}


_CAMPAIGN_EXAMPLE = {
    "id": 3,
    "name": "2026年冬季招商引资攻坚竞赛",
    "starts_on": "2026-11-01",
    "ends_on": "2027-01-31",
    "days_left": 55,
    "groups": [
        {
            "name": "一档",
            "rows": [
                {
                    "unit_id": 14,
                    "unit": "县发展和改革局",
                    "met_all": False,
                    "targets": [
                        {
                            "column": "签约",
                            "met": True,
                            "note": "",
                            "alternatives": [
                                _alternative("3 个 ≥ 1000 万元的项目签约", "2", "3"),
                                _alternative("≥ 1000 万元项目签约合计 6000 万元", "8500", "6000"),
                            ],
                        },
                        {
                            "column": "资金到位",
                            "met": False,
                            "note": "",
                            "alternatives": [_alternative("到位资金 1000 万元", "620", "1000")],
                        },
                    ],
                }
            ],
        },
        {
            "name": "两个园区招商局",
            "rows": [
                {
                    "unit_id": 21,
                    "unit": "县经济开发区招商局",
                    "met_all": True,
                    "targets": [
                        {
                            "column": "新开工",
                            "met": True,
                            "note": "",
                            "alternatives": [_alternative("2 个 ≥ 1000 万元的项目开工", "2", "2")],
                        }
                    ],
                }
            ],
        },
    ],
}


@router.get("/campaigns", summary="竞赛", responses=answer_example(_CAMPAIGNS_EXAMPLE))
def campaigns(principal: ApiPrincipal, db: DbSession) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "days_left": performance.days_left(c),
        }
        for c in db.execute(select(Campaign).order_by(Campaign.id)).scalars()
    ]


@router.get(
    "/campaigns/{campaign_id}",
    summary="竞赛实时情况：各单位各目标是否达成（任一备选条件达成即算）",
    responses=answer_example(_CAMPAIGN_EXAMPLE),
)
def campaign(
    campaign_id: Annotated[int, Path(ge=1, le=2_147_483_647)], principal: ApiPrincipal, db: DbSession
) -> dict[str, Any]:
    row = db.get(Campaign, campaign_id)
    if row is None:
        raise NotFound("找不到该竞赛")
    groups = []
    for group in performance.judge(db, row):
        members = [r for r in group["rows"] if principal.reads_everything or r["unit"].id == principal.unit_id]
        groups.append(
            {
                "name": group["name"],
                "rows": [
                    {
                        "unit_id": r["unit"].id,
                        "unit": r["unit"].name,
                        "met_all": r["met_all"],
                        "targets": [
                            {
                                "column": c["column"],
                                "met": c["met"],
                                "note": c["note"],
                                "alternatives": [
                                    {
                                        "text": a["text"],
                                        "value": str(a["value"]),
                                        "threshold": str(a["threshold"]),
                                        "met": a["met"],
                                    }
                                    for a in c["alternatives"]
                                ],
                            }
                            for c in r["cells"]
                        ],
                    }
                    for r in members
                ],
            }
        )
    return {
        "id": row.id,
        "name": row.name,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "days_left": performance.days_left(row),
        "groups": groups,
    }


@router.get("/rates", summary="三率：合同履约率、资金到位率、项目开工率，及计入分子分母的项目")
def rates(
    principal: ApiPrincipal,
    db: DbSession,
    start: Start,
    end: End,
    unit_id: UnitQuery = None,
    category: Category | None = None,
) -> dict[str, Any]:
    _range(start, end)
    result = performance.rates(db, start, end, _scope(principal, unit_id), category, principal=principal)
    return {
        key: {
            "name": r.name,
            "value": performance.shown(r.value),
            "numerator": str(r.numerator),
            "denominator": str(r.denominator),
            "above": r.above,
            "below": r.below,
        }
        for key, r in result.items()
    }


PERIOD_START = (
    "报告期的第一天：周报为周一，旬报为每月 1、11、21 日，月报为每月 1 日，季报为每季首日，半年小结为 1 月 1 日或"
    " 7 月 1 日；2000 年至明年之间"
)


class ReportIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cadence": "monthly",
                    "period_start": "2026-11-01",
                    "narrative": "本月外出招商 3 次，接待客商 5 批，新签约储能电池项目 1 个（合同投资 12 亿元）",
                    "problems": "园区东区道路尚未贯通，影响项目进场",
                }
            ]
        },
    )
    cadence: Cadence = Field(description=f"{CADENCE_TEXT}（须为招商局已安排且本单位须报送的）")
    period_start: date = Field(description=PERIOD_START, json_schema_extra=stated(formatMinimum="2000-01-01"))
    narrative: str = Field(min_length=1, max_length=8000, description="工作进展（必填）")
    problems: str = Field(default="", max_length=8000, description="存在的问题")


@router.get("/reports", summary="定期报告报送情况（按期；须报送该类报告的单位；迟报、未报）")
def reports(
    principal: ApiPrincipal,
    db: DbSession,
    cadence: Annotated[Cadence, Query(description=CADENCE_TEXT, examples=["monthly"])],
    period_start: Annotated[
        date,
        Query(description=PERIOD_START, json_schema_extra=stated(formatMinimum="2000-01-01"), examples=["2026-11-01"]),
    ],
) -> list[dict[str, Any]]:
    rows = report_service.report_status(db, cadence, period_start)
    return [
        {
            "unit_id": r["unit"].id,
            "unit": r["unit"].name,
            "state": r["state"],
            "due_on": r["due"],
            "figures": r["report"].figures if r["report"] else None,
        }
        for r in rows
        if principal.reads_everything or r["unit"].id == principal.unit_id
    ]


@router.post("/reports", status_code=201, summary="报送定期报告（数据由系统按记录预填；可带 Idempotency-Key）")
def submit(body: ReportIn, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row: UnitReport = report_service.submit_report(
        db, principal, body.cadence, body.period_start, body.narrative, body.problems
    )
    return guard.finish(
        JSONResponse({"id": row.id, "figures": row.figures, "due_on": row.due_on.isoformat()}, status_code=201)
    )


BulletinKind = Annotated[
    Literal["monthly", "quarterly", "halfyearly", "yearly"],
    Path(description="monthly 月调度、quarterly 季度、halfyearly 半年、yearly 年度"),
]
# the bounds are the service's (app.services.bulletins.check_period, with its own Chinese messages), stated
BulletinYear = Annotated[
    int,
    Path(
        ge=-2_147_483_648,
        le=2_147_483_647,
        description="2000 年至明年",
        json_schema_extra=stated(minimum=2000),
        examples=[2026],
    ),
]
BulletinNumber = Annotated[
    int,
    Path(
        ge=-2_147_483_648,
        le=2_147_483_647,
        description="月份 1–12；季度 1–4；上半年 1、下半年 2；年度 1（尚未开始的期答 422）",
        json_schema_extra=stated(minimum=1, maximum=12),
        examples=[11],
    ),
]


def _published(row: Any) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "year": row.period_start.year,
        "number": bulletins.number_of(row.kind, row.period_start),
        "title": row.title,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "digest": row.digest,
        "published_at": row.published_at,
    }


_BULLETINS_EXAMPLE = {
    "items": [
        {
            "kind": "monthly",
            "year": 2026,
            "number": 11,
            "title": "2026年11月招商引资工作调度情况",
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "digest": "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
            "published_at": "2026-12-03T01:30:00Z",
        },
        {
            "kind": "quarterly",
            "year": 2026,
            "number": 3,
            "title": "2026年三季度招商引资工作情况通报",
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
            "digest": "3b8d0e6f2a4c1957e8d0b2a4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3",
            "published_at": "2026-10-09T02:00:00Z",
        },
    ]
}


@router.get(
    "/bulletins", summary="已发布的调度与通报（不含内容；内容见各期）", responses=answer_example(_BULLETINS_EXAMPLE)
)
def bulletin_list(principal: ApiPrincipal, db: DbSession) -> dict[str, Any]:
    from app.models.performance import Bulletin

    if not principal.reads_everything:
        raise NotFound()
    rows = db.execute(select(Bulletin).order_by(Bulletin.period_start.desc(), Bulletin.kind)).scalars().all()
    return {"items": [_published(row) for row in rows]}


@router.get(
    "/bulletins/{kind}/{year}/{number}", summary="任一期的月调度、季度、半年或年度通报；已发布的返回发布时的数字及摘要"
)
@long_running
def bulletin(
    kind: BulletinKind,
    year: BulletinYear,
    number: BulletinNumber,
    principal: ApiPrincipal,
    db: DbSession,
) -> dict[str, Any]:
    if not principal.reads_everything:
        raise NotFound()
    start, _end = bulletins.check_period(kind, year, number)
    frozen = bulletins.published(db, kind, start)
    current = bulletins.build(db, kind, year, number)
    if frozen is None:
        return {"published": False, "content": current}
    return {
        "published": True,
        "digest": frozen.digest,
        "published_at": frozen.published_at,
        "content": frozen.content,
        "corrections": {
            k: {"as_published": a, "as_corrected": b, "unit": unit}
            for k, (a, b, unit) in bulletins.corrections(frozen.content, current).items()
        },
    }


@router.get(
    "/bulletins/{kind}/{year}/{number}/export.docx",
    summary="任一期通报的 Word 文档（公文格式）；已发布的为发布时的数字并附摘要，未发布的标“草稿”",
    response_class=Response,
    responses={200: {"content": {bulletin_docx.DOCX_TYPE: {}}, "description": "Word 文档（.docx）"}},
)
@long_running
def bulletin_docx_download(
    kind: BulletinKind,
    year: BulletinYear,
    number: BulletinNumber,
    principal: ApiPrincipal,
    db: DbSession,
) -> Response:
    file = bulletin_docx.bulletin(db, principal, kind, year, number)
    return Response(
        file.body,
        media_type=file.media_type,
        headers={"Content-Disposition": export.content_disposition(file.filename)},
    )
