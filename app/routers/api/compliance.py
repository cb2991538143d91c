"""Compliance cases (履约核查、违约处置) over the API: opening one on a missed commitment, its measures (each a
supervised task), liquidated damages received, cure and closing. The pages call the same services
(app/routers/pages/compliance.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter, reads_only
from app.schemas.common import Page, json_response
from app.schemas.compliance import (
    CaseListItem,
    CaseOpen,
    CaseRead,
    CloseIn,
    CommitmentCited,
    CureIn,
    MeasureCreate,
    MeasureRead,
    ReceiptCreate,
    ReceiptRead,
)
from app.services import compliance

router = IndexedRouter(tags=["违约处置"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
STATUS_HELP = "active 未结案，open 核查中，executing 处置中，closed 已结案"
OptionalId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


def case_read(v: compliance.CaseView) -> CaseRead:
    c = v.case
    measures = [
        MeasureRead(
            id=m.measure.id,
            kind=m.measure.kind,
            kind_label=m.measure.kind.label,
            content=v.text(m.measure.content),
            due_on=m.measure.due_on,
            owner_unit_id=m.measure.owner_unit_id,
            owner_unit_name=m.unit_name,
            task_id=m.measure.task_id,
            task_status=m.task.status.value if m.task is not None else None,
            done=m.done,
            award_id=m.measure.award_id,
            clawback_id=m.measure.clawback_id,
            clawback_amount=m.clawback.amount if m.clawback is not None else None,
            clawback_recovered=m.clawback.recovered if m.clawback is not None else None,
            plot_id=m.measure.plot_id,
            damages=m.measure.damages,
            damages_received=m.received,
            cured_on=m.measure.cured_on,
            receipts=[ReceiptRead.model_validate(r) for r in m.receipts],
            version=m.measure.version,
        )
        for m in v.measures
    ]
    return CaseRead(
        id=c.id,
        project_id=c.project_id,
        project_name=v.name,
        unit_id=c.unit_id,
        unit_name=v.unit_name,
        status=c.status,
        status_label=c.status.label,
        opened_on=c.opened_on,
        assessed_on=c.assessed_on,
        assessors=c.assessors,
        assessor_user_ids=list(c.assessor_user_ids),
        findings=v.findings,
        evidence_ids=[a.id for a in v.evidence],
        decided_on=c.decided_on,
        closed_on=c.closed_on,
        outcome=c.outcome,
        outcome_label=c.outcome.label if c.outcome is not None else "",
        close_reason=v.close_reason,
        commitments=[
            CommitmentCited(
                commitment_id=x.link.commitment_id,
                promise=x.promise,
                status_when_opened=x.link.status_when_opened,
                status_now=x.status_now,
            )
            for x in v.commitments
        ],
        measures=measures,
        version=c.version,
    )


def _case(db: DbSession, principal: ApiPrincipal, case_id: int, status_code: int = 200) -> Response:
    return json_response(case_read(compliance.case_view(db, principal, case_id)), status_code)


@router.get(
    "/compliance-cases",
    summary="违约处置案件：按责任单位、状态（active 为未结案）、项目、立案年度筛选，分页",
    response_model=Page[CaseListItem],
)
@reads_only
def list_cases(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 20,
    offset: Offset = 0,
    unit_id: OptionalId = None,
    status: Annotated[
        str,
        Query(pattern="^(|active|open|executing|closed)$", description="open 核查中，executing 处置中，closed 已结案"),
    ] = "",
    project_id: OptionalId = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="立案年度")] = None,
) -> Any:
    rows, total = compliance.list_cases(
        db, principal, unit_id=unit_id, status=status, project_id=project_id, year=year, limit=limit, offset=offset
    )
    items = [
        CaseListItem(
            id=r.case.id,
            project_id=r.project_id,
            project_name=r.project_name,
            unit_id=r.case.unit_id,
            unit_name=r.unit_name,
            status=r.case.status,
            status_label=r.case.status.label,
            opened_on=r.case.opened_on,
            closed_on=r.case.closed_on,
            outcome=r.case.outcome,
            measures=r.measures,
            version=r.case.version,
        )
        for r in rows
    ]
    return json_response(Page[CaseListItem](items=items, total=total, limit=limit, offset=offset))


@router.post(
    "/compliance-cases",
    status_code=201,
    summary="立案：就项目未达标的承诺事项开立违约处置案件，附核查情况（证据先用 /projects/{id}/attachments 上传）",
    responses={201: {"model": CaseRead}},
)
def open_case(body: CaseOpen, principal: ApiPrincipal, db: DbSession) -> Response:
    case = compliance.open_case(db, principal, body)
    return _case(db, principal, case.id, 201)


@router.get(
    "/compliance-cases/{case_id}", summary="违约处置案件：核查、所涉承诺、处置措施及其督办事项", response_model=CaseRead
)
@reads_only
def get_case(case_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return _case(db, principal, case_id)


@router.post(
    "/compliance-cases/{case_id}/measures",
    status_code=201,
    summary="决定一项处置措施（督促、限期整改、追回奖励、违约金、收回土地、解除协议），交办为督办事项；"
    "需带案件 version",
    responses={201: {"model": CaseRead}},
)
def add_measure(case_id: IdPath, body: MeasureCreate, principal: ApiPrincipal, db: DbSession) -> Response:
    compliance.add_measure(db, principal, case_id, body)
    return _case(db, principal, case_id, 201)


@router.post(
    "/compliance-cases/{case_id}/measures/{measure_id}/receipts",
    status_code=201,
    summary="登记违约金到账（万元，累计不超过违约金）。可带 Idempotency-Key",
    responses={201: {"model": ReceiptRead}},
)
def add_receipt(
    case_id: IdPath,
    measure_id: IdPath,
    body: ReceiptCreate,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    row = compliance.add_receipt(db, principal, case_id, measure_id, body)
    return guard.finish(json_response(ReceiptRead.model_validate(row), 201))


@router.post(
    "/compliance-cases/{case_id}/measures/{measure_id}/cure",
    summary="整改到位：在整改期限内登记，案件按期整改结案；需带案件 version",
    response_model=CaseRead,
)
def cure(case_id: IdPath, measure_id: IdPath, body: CureIn, principal: ApiPrincipal, db: DbSession) -> Response:
    compliance.cure(db, principal, case_id, measure_id, body)
    return _case(db, principal, case_id)


@router.post(
    "/compliance-cases/{case_id}/close",
    summary="结案：处置完毕（各项措施的督办事项均已销号），或说明理由决定结案；需带案件 version",
    response_model=CaseRead,
)
def close(case_id: IdPath, body: CloseIn, principal: ApiPrincipal, db: DbSession) -> Response:
    compliance.close(db, principal, case_id, body)
    return _case(db, principal, case_id)
