"""督查抽查 over the API: the same service as the pages (app.services.spot_checks)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.performance import SpotCheck, SpotFinding
from app.routing import IndexedRouter
from app.schemas.common import Page, json_response
from app.schemas.spot_checks import (
    SpotCheckDraw,
    SpotCheckRead,
    SpotCheckSummary,
    SpotFindingRead,
    SpotFindingWrite,
    SpotItem,
)
from app.services import spot_checks

router = IndexedRouter(prefix="/spot-checks", tags=["督查抽查"])

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _summary(check: SpotCheck) -> SpotCheckSummary:
    return SpotCheckSummary(
        id=check.id,
        period_start=check.period_start,
        period_end=check.period_end,
        seed=check.seed,
        fraction=check.fraction,
        population=check.population,
        sampled=len(check.items),
        drawn_by_id=check.drawn_by_id,
        created_at=check.created_at,
    )


def _read(check: SpotCheck, findings: list[SpotFinding]) -> SpotCheckRead:
    return SpotCheckRead(
        **_summary(check).model_dump(),
        items=[SpotItem.model_validate(i) for i in check.items],
        findings=[SpotFindingRead.model_validate(f) for f in findings],
    )


@router.get("", summary="督查抽查列表（最新在前；招商局、督查室与只读令牌）")
def list_spot_checks(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[SpotCheckSummary]:
    rows, total = spot_checks.list_checks(db, principal, limit=limit, offset=offset)
    return Page[SpotCheckSummary](items=[_summary(c) for c in rows], total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=201,
    response_model=SpotCheckRead,
    summary="随机抽取一次督查抽查（招商局令牌，reports 范围；同一种子可复现；可带 Idempotency-Key）",
)
def draw_spot_check(body: SpotCheckDraw, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    check = spot_checks.draw(db, principal, body.period_start, body.period_end, body.fraction, body.seed)
    return guard.finish(json_response(_read(check, []), 201))


@router.get("/{check_id}", summary="一次抽查：抽中的条目与已记录的核查结果")
def get_spot_check(check_id: IdPath, principal: ApiPrincipal, db: DbSession) -> SpotCheckRead:
    check, findings = spot_checks.get(db, principal, check_id)
    return _read(check, list(findings.values()))


@router.post(
    "/{check_id}/findings",
    response_model=SpotFindingRead,
    summary="记录抽中条目的核查结果：属实，或不符（差额与说明）；再次记录即更正（招商局令牌，reports 范围）",
)
def record_spot_finding(
    check_id: IdPath, body: SpotFindingWrite, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    finding = spot_checks.record_finding(
        db,
        principal,
        check_id,
        body.kind,
        body.item_id,
        body.confirmed,
        body.discrepancy,
        body.note,
        version=body.version,
    )
    return guard.finish(json_response(SpotFindingRead.model_validate(finding)))
