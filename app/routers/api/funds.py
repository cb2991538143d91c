"""The coordinator's review of funds arrived over the API: the queue of entries to confirm, and the
decision on one (confirming needs the vouchers checked, as the page's 已核对凭证)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response
from pydantic import ConfigDict, Field

from app import policy
from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.errors import Invalid
from app.routing import IndexedRouter
from app.schemas.common import Page, json_response
from app.schemas.projects import FUNDS_EXAMPLE, FundsRead, FundsReview
from app.services import projects

router = IndexedRouter(tags=["项目"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


class FundsQueueItem(FundsRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                FUNDS_EXAMPLE
                | {
                    "project_name": "年产 2GWh 储能电池项目",
                    "unit_name": "城关镇人民政府",
                    "voucher_ids": [8813],
                }
            ]
        }
    )

    project_name: str = Field(description="保密项目对无权者显示代号")
    unit_name: str = Field(description="责任单位")
    voucher_ids: list[int] = Field(description="凭证文件（/projects/{project_id}/attachments/{id} 下载）")


class FundsQueue(Page[FundsQueueItem]):
    total_wan: Decimal = Field(description="筛选出的全部待确认资金合计（万元，内资）")
    total_usd_wan: Decimal = Field(description="其中外资合计（万美元）")


@router.get(
    "/funds/pending",
    summary="待确认的到位资金（招商局、领导）：按责任单位、到位日期筛选，到位日期早的在前",
    response_model=FundsQueue,
)
def pending_funds(
    principal: ApiPrincipal,
    db: DbSession,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="责任单位")] = None,
    date_from: Annotated[date | None, Query(description="到位日期起")] = None,
    date_to: Annotated[date | None, Query(description="到位日期止：不能早于 date_from")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    if not principal.reads_everything:
        raise policy.DeniedForbidden()  # before the filters are read, as on the page
    if date_from and date_to and date_to < date_from:
        raise Invalid({"date_to": "截止日期不能早于开始日期"})
    page = projects.pending_funds_page(
        db, principal, unit_id=unit_id, start=date_from, end=date_to, limit=limit, offset=offset
    )
    vouchers = projects.evidence_of(db, "funds_arrival", [f.id for f, _p, _u in page.rows])
    items = [
        FundsQueueItem.model_validate(
            {
                **FundsRead.model_validate(f).model_dump(),
                "project_name": projects.display_name(principal, p),
                "unit_name": unit_name,
                "voucher_ids": [a.id for a in vouchers.get(f.id, [])],
            }
        )
        for f, p, unit_name in page.rows
    ]
    queue = FundsQueue(
        items=items,
        total=page.count,
        limit=limit,
        offset=offset,
        total_wan=page.total_wan,
        total_usd_wan=page.total_usd_wan,
    )
    return json_response(queue)


@router.post(
    "/projects/{project_id}/funds/{funds_id}/review",
    summary="招商局确认或退回一笔到位资金：确认须带 vouchers_checked=true（已核对凭证），退回须说明理由；"
    "需带 version。可带 Idempotency-Key",
    response_model=FundsRead,
)
def review_funds(
    project_id: IdPath,
    funds_id: IdPath,
    body: FundsReview,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    row = projects.review_funds(db, principal, funds_id, body, project_id=project_id)
    return guard.finish(json_response(FundsRead.model_validate(row)))
