"""The 代办 window's pages: a project's 代办员 (/projects/{id}/agent, a section of the project's page), the
代办员's queue (/agency, 我的代办), a department's queue (/agency/department, without the investor's contact),
an approval with its hand-overs (/agency/approvals/{id}), and the service-quality report
(/reports/approval-service, its XLSX). The API (app/routers/api/agency.py) calls the same services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.approval import HandoverDirection
from app.routing import IndexedRouter, reads_only
from app.schemas.agency import AgentRemove, AgentSet, HandoverCreate
from app.schemas.common import validate_form
from app.services import agency, export, projects, workdays
from app.services import approval_service_report as service_report
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 20


def _text(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- a project's 代办员 -----------------------------------------------------------------------------


def _agent_section(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    found = agency.agent_of(db, principal, project_id)
    can_assign = agency.can_assign(principal)
    current = found.user.id if found.user else None
    return render(
        request,
        "agency/project.html",
        {
            "found": found,
            "project": found.project,
            "name": projects.display_name(principal, found.project),
            "can_assign": can_assign,
            "options": agency.agent_options(db, current) if can_assign else [],
            "values": values or {"user_id": current or "", "version": found.version},
            "errors": errors or {},
            "conflict": conflict,
        },
        block="section",
        status_code=status_code,
    )


@router.get("/projects/{project_id}/agent")
@reads_only
def project_agent(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _agent_section(request, db, principal, project_id)


@router.post("/projects/{project_id}/agent")
def project_agent_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    values = _text(form)
    try:
        if values.get("user_id", "").strip():
            agency.set_agent(db, principal, project_id, validate_form(AgentSet, form))
        else:
            data = validate_form(AgentRemove, form, ignore=("user_id",))
            agency.remove_agent(db, principal, project_id, data.version)
    except Invalid as exc:
        return _agent_section(request, db, principal, project_id, values=values, errors=exc.errors, status_code=422)
    except Conflict as exc:
        return _agent_section(request, db, principal, project_id, values=values, conflict=exc.details, status_code=409)
    return go(request, f"/projects/{project_id}?saved=agent#project-agent")


# --- the queues -------------------------------------------------------------------------------------


@router.get("/agency")
@reads_only
def agent_queue(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    offset: OffsetQuery = 0,
    user_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    """My queue; another 代办员's (`user_id`) for those who read everything and the 代办员's own unit."""
    rows, total = agency.agent_queue(db, principal, user_id=user_id, limit=PAGE, offset=offset)
    return render(
        request,
        "agency/queue.html",
        {"rows": rows, "total": total, "offset": offset, "page_size": PAGE, "user_id": user_id},
    )


@router.get("/agency/department")
@reads_only
def department_queue(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    offset: OffsetQuery = 0,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    rows, total = agency.department_queue(db, principal, unit_id=unit_id, limit=PAGE, offset=offset)
    chooses = principal.reads_everything
    return render(
        request,
        "agency/department.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "page_size": PAGE,
            "unit_id": unit_id,
            "department_options": agency.department_options(db) if chooses else [],
            "chooses": chooses,
        },
    )


# --- an approval and its hand-overs -----------------------------------------------------------------


def _approval_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    approval_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    page = agency.approval_page(db, principal, approval_id)
    return render(
        request,
        "agency/approval.html",
        {
            "page": page,
            "item": page.item,
            "directions": [(d.value, d.label) for d in HandoverDirection],
            "department_options": agency.department_options(db) if page.access.may_record else [],
            "values": values
            or {
                "direction": HandoverDirection.to_department.value,
                "department_unit_id": page.item.department_unit_id or "",
                "happened_on": workdays.today().isoformat(),
                "documents": "",
                "idempotency_key": uuid.uuid4().hex,
            },
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/agency/approvals/{approval_id}")
@reads_only
def approval(request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath) -> Response:
    return _approval_page(request, db, principal, approval_id)


@router.post("/agency/approvals/{approval_id}/handovers")
def handover_add(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    approval_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = _text(form)
    try:
        agency.add_handover(db, principal, approval_id, validate_form(HandoverCreate, form))
    except Invalid as exc:
        return _approval_page(request, db, principal, approval_id, values=values, errors=exc.errors, status_code=422)
    return guard.finish(go(request, f"/agency/approvals/{approval_id}?saved=1#handovers"))


# --- the service-quality report ---------------------------------------------------------------------


def _period(params: Any) -> tuple[int, int | None, dict[str, str], dict[str, str]]:
    """The year and quarter asked (the current year when none or a wrong one), with the messages."""
    this_year = workdays.today().year
    values = {"year": str(params.get("year", "") or this_year), "quarter": str(params.get("quarter", "") or "")}
    errors: dict[str, str] = {}
    year, quarter = this_year, None
    text = values["year"].strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        year = int(text)
    else:
        errors["year"] = "年份须在 2000–2100 之间"
    text = values["quarter"].strip()
    if text:
        if text in ("1", "2", "3", "4"):
            quarter = int(text)
        else:
            errors["quarter"] = "季度须为 1–4"
    return year, quarter, values, errors


@router.get("/reports/approval-service")
@reads_only
def approval_service(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    year, quarter, values, errors = _period(request.query_params)
    report = service_report.report(db, year, quarter)
    return render(
        request,
        "agency/report.html",
        {
            "report": report,
            "values": values,
            "errors": errors,
            "quarter_options": [("1", "一季度"), ("2", "二季度"), ("3", "三季度"), ("4", "四季度")],
        },
        status_code=422 if errors else 200,
    )


@router.get("/reports/approval-service.xlsx")
@reads_only
def approval_service_xlsx(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    year, quarter, _values, _errors = _period(request.query_params)
    report = service_report.report(db, year, quarter)
    title = f"代办服务质量 {year}" + (f" 第{quarter}季度" if quarter else "")
    body = export.xlsx(
        title, service_report.EXPORT_HEADERS, service_report.export_rows(report), number_formats={3: "0.0", 4: "0.0",
                                                                                                 7: "0.0"}
    )  # fmt: skip
    return Response(
        body,
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition(f"{title}.xlsx")},
    )
