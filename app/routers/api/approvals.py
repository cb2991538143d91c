"""Approvals after signing (审批事项) over the API: the coordinator's catalogue of kinds, a project's approvals
(generated on signing, or by the coordinator for a project signed before), the list with its filters
(overdue, department, kind), and the actions on one approval. The pages (app/routers/pages/approvals.py)
call the same services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query
from fastapi.responses import Response

from app import policy
from app.deps import ApiPrincipal, DbSession
from app.models.approval import ApprovalStatus
from app.principal import Principal
from app.routing import IndexedRouter, reads_only
from app.schemas.approvals import (
    ApprovalGrant,
    ApprovalRead,
    ApprovalReason,
    ApprovalSubmit,
    DeferredCreate,
    DeferredRead,
    DeferredReceive,
    EscalateTask,
    EscalateTicket,
    GenerateResult,
    KindRead,
    KindSave,
    KindUpdate,
)
from app.schemas.common import Page, json_response
from app.services import approvals, projects

router = IndexedRouter(tags=["审批事项"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def _coordinator(principal: ApiPrincipal) -> Principal:
    """Refused before the body is read: a unit's staff get 403 whatever they send."""
    policy.ensure_coordinator(principal)
    return principal


CoordinatorPrincipal = Annotated[Principal, Depends(_coordinator)]


def kind_read(v: approvals.KindView) -> KindRead:
    k = v.kind
    return KindRead(
        id=k.id,
        code=k.code,
        name=k.name,
        department_unit_id=k.department_unit_id,
        department_name=v.department_name,
        time_limit_days=k.time_limit_days,
        categories=v.categories,
        prerequisite_ids=v.prerequisite_ids,
        position=k.position,
        is_active=k.is_active,
        is_construction_permit=k.is_construction_permit,
        note=k.note,
        version=k.version,
    )


def approval_read(r: approvals.Row) -> ApprovalRead:
    a = r.approval
    return ApprovalRead(
        id=a.id,
        project_id=a.project_id,
        project_name=r.project_name,
        kind_id=a.kind_id,
        kind_name=r.kind_name,
        department_unit_id=a.department_unit_id,
        department_name=r.department_name,
        status=a.status,
        status_label=a.status.label,
        time_limit_days=a.time_limit_days,
        submitted_on=a.submitted_on,
        due_on=a.due_on,
        granted_on=a.granted_on,
        document_no=a.document_no,
        refused_reason=a.refused_reason,
        is_online=a.is_online,
        note=a.note,
        overdue=r.overdue,
        step=r.step,
        prerequisite_ids=r.prerequisite_ids,
        ticket_id=a.ticket_id,
        task_id=a.task_id,
        version=a.version,
        deferred=[
            DeferredRead(
                id=d.id,
                name=d.name,
                deadline=d.deadline,
                received_on=d.received_on,
                overdue=approvals.deferred_overdue(d),
                version=d.version,
            )
            for d in r.deferred
        ],
    )


def _one(db: DbSession, principal: Principal, approval_id: int, status_code: int = 200) -> Response:
    return json_response(approval_read(approvals.one(db, principal, approval_id)), status_code)


# --- the catalogue ----------------------------------------------------------------------------------


@router.get("/approval-kinds", summary="审批事项目录：承办部门、法定时限（工作日）、适用类别、前置事项",
            response_model=list[KindRead])  # fmt: skip
@reads_only
def list_kinds(principal: ApiPrincipal, db: DbSession) -> Any:
    return [kind_read(v) for v in approvals.kinds(db)]


@router.post("/approval-kinds", status_code=201, summary="新增审批事项（仅招商局）", response_model=KindRead)
def create_kind(body: KindSave, principal: CoordinatorPrincipal, db: DbSession) -> Response:
    kind = approvals.create_kind(db, principal, body)
    return json_response(kind_read(approvals.get_kind(db, kind.id)), 201)


@router.put("/approval-kinds/{kind_id}", summary="修改审批事项（仅招商局；带 version，过期答 409）",
            response_model=KindRead)  # fmt: skip
def update_kind(kind_id: IdPath, body: KindUpdate, principal: CoordinatorPrincipal, db: DbSession) -> Response:
    approvals.update_kind(db, principal, kind_id, body)
    return json_response(kind_read(approvals.get_kind(db, kind_id)))


# --- approvals --------------------------------------------------------------------------------------


@router.get(
    "/approvals",
    summary="审批事项清单：本单位项目的和本部门承办的（招商局看全部），可筛超期、承办部门、事项、状态、项目",
    response_model=Page[ApprovalRead],
)
@reads_only
def list_approvals(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    overdue: Annotated[bool, Query(description="只看超期：已受理超过应办结日期，或容缺材料超过补正期限")] = False,
    department_unit_id: IdQuery = None,
    kind_id: IdQuery = None,
    status: Annotated[ApprovalStatus | None, Query(description="办理状态")] = None,
    project_id: IdQuery = None,
) -> Response:
    f = approvals.ApprovalFilter(overdue, department_unit_id, kind_id, status, project_id)
    rows, total = approvals.list_page(db, principal, f, limit=limit, offset=offset)
    page = Page[ApprovalRead](items=[approval_read(r) for r in rows], total=total, limit=limit, offset=offset)
    return json_response(page)


@router.get("/approvals/{approval_id}", summary="一项审批事项（含容缺材料、是否超期）", response_model=ApprovalRead)
@reads_only
def get_approval(approval_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return _one(db, principal, approval_id)


@router.get("/projects/{project_id}/approvals", summary="项目的审批事项（按并联批次和目录顺序）",
            response_model=list[ApprovalRead])  # fmt: skip
@reads_only
def project_approvals(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Any:
    project = projects.get(db, principal, project_id)
    return [approval_read(r) for r in approvals.project_section(db, principal, project).rows]


@router.post(
    "/projects/{project_id}/approvals/generate",
    summary="为签约前已存在的项目（或目录新增事项后）生成审批事项（仅招商局；已有的不重复生成）",
    response_model=GenerateResult,
)
def generate(project_id: IdPath, principal: CoordinatorPrincipal, db: DbSession) -> Response:
    created = approvals.generate_for(db, principal, project_id)
    return json_response(GenerateResult(project_id=project_id, created=len(created)))


@router.post("/approvals/{approval_id}/submit", summary="受理（日期为服务器当天；应办结日期按法定时限的工作日计算）",
             response_model=ApprovalRead)  # fmt: skip
def submit(approval_id: IdPath, body: ApprovalSubmit, principal: ApiPrincipal, db: DbSession) -> Response:
    approvals.submit(db, principal, approval_id, body)
    return _one(db, principal, approval_id)


@router.post("/approvals/{approval_id}/deferred", status_code=201,
             summary="登记容缺受理的材料及其补正期限（受理时或受理后）", response_model=ApprovalRead)  # fmt: skip
def add_deferred(approval_id: IdPath, body: DeferredCreate, principal: ApiPrincipal, db: DbSession) -> Response:
    approvals.add_deferred(db, principal, approval_id, body)
    return _one(db, principal, approval_id, 201)


@router.post("/approvals/{approval_id}/deferred/{document_id}/receive", summary="容缺材料已补齐（日期为当天）",
             response_model=ApprovalRead)  # fmt: skip
def receive_deferred(
    approval_id: IdPath, document_id: IdPath, body: DeferredReceive, principal: ApiPrincipal, db: DbSession
) -> Response:
    approvals.receive_deferred(db, principal, approval_id, document_id, body)
    return _one(db, principal, approval_id)


@router.post(
    "/approvals/{approval_id}/grant",
    summary="办结（批准文号必填；日期为当天；其后置事项前置均已办结的转为可申报）",
    response_model=ApprovalRead,
)
def grant(approval_id: IdPath, body: ApprovalGrant, principal: ApiPrincipal, db: DbSession) -> Response:
    approvals.grant(db, principal, approval_id, body)
    return _one(db, principal, approval_id)


@router.post("/approvals/{approval_id}/refuse", summary="登记未通过（须说明原因）", response_model=ApprovalRead)
def refuse(approval_id: IdPath, body: ApprovalReason, principal: ApiPrincipal, db: DbSession) -> Response:
    approvals.refuse(db, principal, approval_id, body)
    return _one(db, principal, approval_id)


@router.post("/approvals/{approval_id}/not-needed", summary="标为无需办理（须说明原因）", response_model=ApprovalRead)
def not_needed(approval_id: IdPath, body: ApprovalReason, principal: ApiPrincipal, db: DbSession) -> Response:
    approvals.not_needed(db, principal, approval_id, body)
    return _one(db, principal, approval_id)


@router.post(
    "/approvals/{approval_id}/ticket",
    summary="超期事项转为跟踪服务问题（证照审批类，交办承办部门；仅招商局）",
    response_model=ApprovalRead,
)
def escalate_ticket(
    approval_id: IdPath, body: EscalateTicket, principal: CoordinatorPrincipal, db: DbSession
) -> Response:
    approvals.escalate_ticket(db, principal, approval_id, body)
    return _one(db, principal, approval_id)


@router.post("/approvals/{approval_id}/task", summary="超期事项转为督办任务（承办部门办理；仅招商局）",
             response_model=ApprovalRead)  # fmt: skip
def escalate_task(approval_id: IdPath, body: EscalateTask, principal: CoordinatorPrincipal, db: DbSession) -> Response:
    approvals.escalate_task(db, principal, approval_id, body)
    return _one(db, principal, approval_id)
