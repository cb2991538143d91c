"""The 代办 window over the API: a project's 代办员, the 代办员's queue, a department's queue (without the
investor's contact), an approval's hand-overs, and the service-quality report. The pages
(app/routers/pages/agency.py) call the same services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query
from fastapi.responses import Response

from app import policy
from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.principal import Principal
from app.routing import IndexedRouter, reads_only
from app.schemas.agency import (
    AgentRead,
    AgentSet,
    DepartmentRow,
    HandoverCreate,
    HandoverRead,
    QueueRow,
    ServiceLine,
    ServiceReport,
)
from app.schemas.common import Page, json_response
from app.services import agency, workdays
from app.services import approval_service_report as service_report

router = IndexedRouter(tags=["代办"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def coordinator_principal(principal: ApiPrincipal) -> Principal:
    """Only the coordinator assigns a 代办员: another token is refused (403) before its input is read."""
    policy.ensure_coordinator(principal)
    return principal


Coordinator = Annotated[Principal, Depends(coordinator_principal)]


def agent_read(found: agency.AgentView) -> AgentRead:
    return AgentRead(
        project_id=found.project.id,
        user_id=found.user.id if found.user else None,
        name=found.user.display_name if found.user else "",
        phone=found.user.phone if found.user else "",
        unit_id=found.unit.id if found.unit else None,
        unit_name=found.unit.name if found.unit else "",
        assigned_on=found.row.assigned_on if found.row else None,
        version=found.version,
    )


@router.get("/projects/{project_id}/agent", tags=["项目"], summary="项目的代办员", response_model=AgentRead)
@reads_only
def get_agent(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(agent_read(agency.agent_of(db, principal, project_id)))


@router.put(
    "/projects/{project_id}/agent",
    tags=["项目"],
    summary="指定或更换项目的代办员（仅招商局；需带 version，尚未指定为 0）",
    response_model=AgentRead,
)
def set_agent(project_id: IdPath, body: AgentSet, principal: Coordinator, db: DbSession) -> Response:
    return json_response(agent_read(agency.set_agent(db, principal, project_id, body)))


@router.delete(
    "/projects/{project_id}/agent",
    tags=["项目"],
    summary="取消项目的代办员（仅招商局；需带 version）",
    response_model=AgentRead,
)
def remove_agent(
    project_id: IdPath,
    principal: Coordinator,
    db: DbSession,
    version: Annotated[int, Query(ge=1, le=2_147_483_647, description="读取时的 version", examples=[1])],
) -> Response:
    return json_response(agent_read(agency.remove_agent(db, principal, project_id, version)))


def handover_read(h: agency.Handover) -> HandoverRead:
    return HandoverRead(
        id=h.id,
        approval_id=h.approval_id,
        direction=h.direction,
        direction_label=h.direction_label,
        department_unit_id=h.department_unit_id,
        department_name=h.department_name,
        happened_on=h.happened_on,
        documents=h.documents,
        recorded_by=h.recorded_by,
    )


def _last(item: agency.QueueItem) -> HandoverRead | None:
    return handover_read(item.last_handover) if item.last_handover else None


@router.get(
    "/agency/queue",
    summary="代办员的代办事项：其代办项目的全部审批事项（超时的在前，再按办结时限）",
    response_model=Page[QueueRow],
)
@reads_only
def agent_queue(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 20,
    offset: Offset = 0,
    user_id: Annotated[
        int | None,
        Query(
            ge=1,
            le=2_147_483_647,
            description="代办员的账号；空为本单位（代办窗口的令牌）全部代办员的项目，可查看全部的令牌为所有代办项目",
        ),
    ] = None,
) -> Any:
    rows, total = agency.agent_queue(db, principal, user_id=user_id, limit=limit, offset=offset)
    items = [
        QueueRow(
            approval_id=r.approval_id,
            project_id=r.project_id,
            project_name=r.project_name,
            kind_id=r.kind_id,
            kind_name=r.kind_name,
            department_unit_id=r.department_unit_id,
            department_name=r.department_name,
            status=r.status,
            status_label=r.status_label,
            submitted_on=r.submitted_on,
            due_on=r.due_on,
            granted_on=r.granted_on,
            days_left=r.days_left,
            overdue=r.overdue,
            overdue_documents=r.overdue_documents,
            investor_name=r.investor_name,
            investor_contact_name=r.investor_contact_name,
            investor_contact_phone=r.investor_contact_phone,
            last_handover=_last(r),
        )
        for r in rows
    ]
    return Page[QueueRow](items=items, total=total, limit=limit, offset=offset)


def department_row(r: agency.QueueItem) -> DepartmentRow:
    return DepartmentRow(
        approval_id=r.approval_id,
        project_id=r.project_id,
        project_name=r.project_name,
        kind_id=r.kind_id,
        kind_name=r.kind_name,
        status=r.status,
        status_label=r.status_label,
        submitted_on=r.submitted_on,
        due_on=r.due_on,
        granted_on=r.granted_on,
        days_left=r.days_left,
        overdue=r.overdue,
        agent_name=r.agent_name,
        agent_phone=r.agent_phone,
        last_handover=_last(r),
    )


@router.get(
    "/agency/department-queue",
    summary="部门的审批事项：本部门承办的审批，联系人为代办员（客商不与部门见面）",
    response_model=Page[DepartmentRow],
)
@reads_only
def department_queue(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 20,
    offset: Offset = 0,
    unit_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="部门（仅可查看全部的账号或令牌；否则为本单位）")
    ] = None,
) -> Any:
    rows, total = agency.department_queue(db, principal, unit_id=unit_id, limit=limit, offset=offset)
    return Page[DepartmentRow](items=[department_row(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/agency/approvals/{approval_id}/handovers",
    summary="审批事项的材料交接记录（新的在前）",
    response_model=list[HandoverRead],
)
@reads_only
def list_handovers(approval_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Any:
    return [handover_read(h) for h in agency.handovers_of(db, principal, approval_id)]


@router.post(
    "/agency/approvals/{approval_id}/handovers",
    status_code=201,
    summary="登记一次材料交接：递交部门或部门返回（该项目的代办员或招商局）",
    response_model=HandoverRead,
)
def add_handover(
    approval_id: IdPath, body: HandoverCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    h = agency.add_handover(db, principal, approval_id, body)
    return guard.finish(json_response(handover_read(h), 201))


def _line(line: service_report.Line) -> ServiceLine:
    return ServiceLine(
        key_id=line.key_id,
        name=line.name,
        granted=line.granted,
        average_days=line.average_days,
        median_days=line.median_days,
        longest_days=line.longest_days,
        on_time=line.on_time,
        on_time_rate=line.on_time_rate,
        open_overdue=line.open_overdue,
    )


def report_read(r: service_report.Report) -> ServiceReport:
    return ServiceReport(
        year=r.year,
        quarter=r.quarter,
        start=r.start,
        end=r.end,
        by_kind=[_line(x) for x in r.by_kind],
        by_department=[_line(x) for x in r.by_department],
        total=_line(r.total),
    )


@router.get(
    "/reports/approval-service",
    tags=["报表"],
    summary="代办服务质量：按审批事项和部门统计受理到办结的工作日、按时办结率、在办超时件数",
    response_model=ServiceReport,
)
@reads_only
def approval_service(
    principal: ApiPrincipal,
    db: DbSession,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="办结年份，默认今年")] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4, description="季度；空为全年")] = None,
) -> Response:
    r = service_report.report(db, year or workdays.today().year, quarter)
    return json_response(report_read(r))
