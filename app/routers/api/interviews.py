"""Interviews (约谈) over the API: the proposals, the interviews recorded and their promises, through the same
service as the pages (app.services.interviews)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.interview import Interview
from app.principal import Principal
from app.routing import IndexedRouter
from app.schemas.common import Page, json_response
from app.schemas.interviews import (
    InterviewCreate,
    InterviewRead,
    PromiseCreate,
    PromiseRead,
    ProposalRead,
    ReasonRead,
)
from app.schemas.meetings import NamedRef
from app.services import interviews

router = IndexedRouter(prefix="/interviews", tags=["约谈"])
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def _promise(row: interviews.PromiseRow) -> PromiseRead:
    p, task = row.promise, row.task
    return PromiseRead(
        id=p.id,
        interview_id=p.interview_id,
        number=p.number,
        content=row.content,
        owner_unit=NamedRef(id=p.owner_unit_id, name=row.unit_name),
        owner_user=NamedRef(id=p.owner_user_id, name=row.person or "") if p.owner_user_id else None,
        due_days=p.due_days,
        task_id=p.task_id,
        task_status=task.status if task else None,
        task_status_label=task.status.label if task else "",
        task_due_on=task.due_on if task else None,
        task_light=row.light,
        outcome=row.outcome,
        created_at=p.created_at,
    )


def _read(row: interviews.InterviewRow) -> InterviewRead:
    i, redact = row.interview, row.redact
    return InterviewRead(
        id=i.id,
        unit=NamedRef(id=i.unit_id, name=row.unit_name),
        held_on=i.held_on,
        place=i.place,
        interviewer=i.interviewer,
        interviewer_user=NamedRef(id=i.interviewer_user_id, name=row.interviewer_name or "")
        if i.interviewer_user_id
        else None,
        interviewee=i.interviewee,
        reasons=[ReasonRead(**r) for r in i.reasons or []],
        reason_note=redact(i.reason_note),
        findings=redact(i.findings),
        promise_count=row.promise_count,
        recorded_by=row.recorded_by,
        created_at=i.created_at,
    )


def _one(db: DbSession, principal: Principal, interview: Interview) -> InterviewRead:
    db.flush()
    db.refresh(interview)
    read = _read(interviews.row_of(db, principal, interview))
    read.promises = [_promise(r) for r in interviews.promises(db, principal, interview)]
    return read


@router.get("", summary="约谈记录（日期新的在前；单位令牌只见本单位的）")
def list_interviews(
    principal: ApiPrincipal,
    db: DbSession,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度（约谈日期）")] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="被约谈的单位")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[InterviewRead]:
    f = interviews.InterviewFilter(year=year, unit_id=unit_id)
    rows, total = interviews.list_interviews(db, principal, f, limit=limit, offset=offset)
    return Page[InterviewRead](items=[_read(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/proposals",
    summary="约谈建议：按规则计算（连续 N 个月无进展、低于黄牌线、红牌）；单位令牌只见本单位的",
)
def list_proposals(principal: ApiPrincipal, db: DbSession) -> list[ProposalRead]:
    return [
        ProposalRead(
            unit=NamedRef(id=p.unit_id, name=p.unit_name),
            reasons=[ReasonRead(**r.as_json()) for r in p.reasons],
            last_interview_on=p.last_interview_on,
            interviews_this_year=p.interviews_this_year,
        )
        for p in interviews.proposals(db, principal)
    ]


@router.post(
    "",
    status_code=201,
    response_model=InterviewRead,
    summary="记录约谈及承诺事项：每项承诺生成督办事项（督查室或招商局；约谈日期不能晚于今天；可带 Idempotency-Key）",
)
def record_interview(body: InterviewCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    interview = interviews.record(db, principal, body)
    return guard.finish(json_response(_one(db, principal, interview), 201))


@router.get("/{interview_id}", summary="单个约谈：发现的问题、承诺事项及其督办情况")
def get_interview(interview_id: IdPath, principal: ApiPrincipal, db: DbSession) -> InterviewRead:
    return _one(db, principal, interviews.get(db, principal, interview_id))


@router.post(
    "/{interview_id}/promises",
    status_code=201,
    response_model=PromiseRead,
    summary="添加承诺事项：同时向被约谈单位交办督办事项（督查室或招商局；可带 Idempotency-Key）",
)
def add_promise(
    interview_id: IdPath, body: PromiseCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    promise = interviews.add_promise(db, principal, interview_id, body)
    interview = interviews.get(db, principal, interview_id)
    row = next(r for r in interviews.promises(db, principal, interview) if r.promise.id == promise.id)
    return guard.finish(json_response(_promise(row), 201))
