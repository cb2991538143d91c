"""A project's deposits and earnest money, its quality and the leading industries' list over the API. The
pages call the same services (app/routers/pages/deposits.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter, reads_only
from app.schemas.common import json_response
from app.schemas.land import (
    DepositCreate,
    DepositLedger,
    DepositRead,
    DepositReview,
    DepositTotals,
    IndustryCreate,
    IndustryRead,
    IndustryUpdate,
    QualityRead,
    QualityUpdate,
)
from app.services import deposits, quality

router = IndexedRouter(tags=["项目"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _read(row: Any, evidence: dict[int, list[Any]] | None = None) -> DepositRead:
    data = DepositRead.model_validate(row)
    data.voucher_ids = [a.id for a in (evidence or {}).get(row.id, [])]
    return data


@router.get(
    "/projects/{project_id}/deposits",
    summary="押金、土地款定金、履约保证金台账及各类合计（不计入到位资金）",
    response_model=DepositLedger,
)
@reads_only
def ledger(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    book = deposits.ledger(db, principal, project_id)
    totals = [
        DepositTotals(
            kind=t.kind, received=t.received, refunded=t.refunded, forfeited=t.forfeited, held=t.held, pending=t.pending
        )
        for t in book.totals
    ]
    return json_response(DepositLedger(items=[_read(r, book.evidence) for r in book.rows], totals=totals))


@router.post(
    "/projects/{project_id}/deposits",
    status_code=201,
    summary="登记一笔押金、定金或保证金的收取、退还或没收（凭证先用 /attachments 上传，再以 attachment_ids 引用）。"
    "可带 Idempotency-Key",
    responses={201: {"model": DepositRead}},
)
def add(
    project_id: IdPath, body: DepositCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = deposits.add(db, principal, project_id, body)
    evidence = {row.id: [a for a in deposits.ledger(db, principal, project_id).evidence.get(row.id, [])]}
    return guard.finish(json_response(_read(row, evidence), 201))


@router.post(
    "/projects/{project_id}/deposits/{deposit_id}/review",
    summary="招商局确认（须 vouchers_checked=true）或退回（须说明理由）一笔押金记录；需带 version",
    response_model=DepositRead,
)
def review(
    project_id: IdPath, deposit_id: IdPath, body: DepositReview, principal: ApiPrincipal, db: DbSession
) -> Response:
    return json_response(_read(deposits.review(db, principal, project_id, deposit_id, body)))


@router.get(
    "/projects/{project_id}/quality",
    summary="项目质量：科技属性、环保绩效、能耗等级、主导产业",
    response_model=QualityRead,
)
@reads_only
def get_quality(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    _project, row = quality.of(db, principal, project_id)
    return json_response(QualityRead.model_validate(row))


@router.put(
    "/projects/{project_id}/quality",
    summary="修改项目质量（需带 version，尚未填写为 0；过期返回 409）",
    response_model=QualityRead,
)
def put_quality(project_id: IdPath, body: QualityUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(QualityRead.model_validate(quality.update(db, principal, project_id, body)))


@router.get("/leading-industries", summary="主导产业目录", response_model=list[IndustryRead])
@reads_only
def list_industries(principal: ApiPrincipal, db: DbSession) -> Any:
    return [IndustryRead.model_validate(r) for r in quality.industries(db)]


@router.post(
    "/leading-industries", status_code=201, summary="新增主导产业（招商局）", responses={201: {"model": IndustryRead}}
)
def add_industry(body: IndustryCreate, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(IndustryRead.model_validate(quality.add_industry(db, principal, body)), 201)


@router.patch(
    "/leading-industries/{industry_id}",
    summary="启用或停用主导产业（招商局；需带 version）",
    response_model=IndustryRead,
)
def update_industry(industry_id: IdPath, body: IndustryUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(IndustryRead.model_validate(quality.update_industry(db, principal, industry_id, body)))
