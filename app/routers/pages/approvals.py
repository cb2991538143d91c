"""Pages of approvals after signing (审批事项): the coordinator's catalogue (/approval-kinds), the list with
its filters (/approvals: overdue, department, kind), one approval with its action forms (/approvals/{id}),
the forms of the project page's 审批事项 section, and the coordinator's "generate" button. The API
(app/routers/api/approvals.py) calls the same services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app import policy
from app.deps import DbSession, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.approval import ApprovalStatus
from app.models.project import Category
from app.principal import Principal
from app.routing import IndexedRouter, reads_only
from app.schemas.approvals import (
    ApprovalGrant,
    ApprovalReason,
    ApprovalSubmit,
    DeferredCreate,
    DeferredReceive,
    EscalateTask,
    EscalateTicket,
    KindSave,
    KindUpdate,
)
from app.schemas.common import validate_form
from app.services import approvals, projects, workdays
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 30
CATEGORY_OPTIONS = [(c.value, c.label) for c in Category]
STATUS_OPTIONS = [(s.value, s.label) for s in ApprovalStatus]


def _text(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < len(text) < 10 else None


# --- the catalogue ----------------------------------------------------------------------------------


def _kind_values(view: approvals.KindView | None) -> dict[str, Any]:
    if view is None:
        return {"time_limit_days": "20", "is_active": True, "position": "0", "categories": [], "prerequisite_ids": []}
    k = view.kind
    return {
        "name": k.name,
        "department_unit_id": k.department_unit_id or "",
        "time_limit_days": k.time_limit_days,
        "categories": view.categories,
        "prerequisite_ids": [str(p) for p in view.prerequisite_ids],
        "position": k.position,
        "is_active": k.is_active,
        "is_construction_permit": k.is_construction_permit,
        "note": k.note,
        "version": k.version,
    }


def _form_values(form: Any) -> dict[str, Any]:
    values = _text(form)
    values["categories"] = [v for v in form.getlist("categories") if isinstance(v, str)]
    values["prerequisite_ids"] = [v for v in form.getlist("prerequisite_ids") if isinstance(v, str)]
    values["is_active"] = "is_active" in form
    values["is_construction_permit"] = "is_construction_permit" in form
    return values


def _kinds_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    kind_id: int | None = None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    catalogue = approvals.kinds(db)
    editing = next((v for v in catalogue if v.kind.id == kind_id), None) if kind_id else None
    if kind_id and editing is None:
        approvals.get_kind(db, kind_id)  # 404
    names = {v.kind.id: v.kind.name for v in catalogue}
    return render(
        request,
        "approvals/kinds.html",
        {
            "catalogue": catalogue,
            "names": names,
            "editing": editing,
            "action": f"/approval-kinds/{kind_id}" if kind_id else "/approval-kinds",
            "values": values if values is not None else _kind_values(editing),
            "errors": errors or {},
            "conflict": conflict,
            "can_keep": principal.is_coordinator and principal.can_write,
            "department_options": approvals.departments(db),
            "category_options": CATEGORY_OPTIONS,
            "category_labels": dict(CATEGORY_OPTIONS),
            "prerequisite_options": [(v.kind.id, v.kind.name) for v in catalogue if v.kind.id != kind_id],
        },
        status_code=status_code,
        block="form",
    )


@router.get("/approval-kinds")
@reads_only
def kind_list(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return _kinds_page(request, db, principal)


@router.post("/approval-kinds")
def kind_create(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)
    try:
        approvals.create_kind(db, principal, validate_form(KindSave, form))
    except Invalid as exc:
        return _kinds_page(request, db, principal, values=_form_values(form), errors=exc.errors, status_code=422)
    return go(request, "/approval-kinds?saved=1")


@router.get("/approval-kinds/{kind_id}")
@reads_only
def kind_edit(request: Request, db: DbSession, principal: PagePrincipal, kind_id: IdPath) -> Response:
    return _kinds_page(request, db, principal, kind_id)


@router.post("/approval-kinds/{kind_id}")
def kind_update(
    request: Request, db: DbSession, principal: PagePrincipal, kind_id: IdPath, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    values = _form_values(form)
    try:
        approvals.update_kind(db, principal, kind_id, validate_form(KindUpdate, form))
    except Conflict as exc:
        values["version"] = approvals.get_kind(db, kind_id).kind.version
        return _kinds_page(request, db, principal, kind_id, values=values, conflict=exc.details, status_code=409)
    except Invalid as exc:
        return _kinds_page(request, db, principal, kind_id, values=values, errors=exc.errors, status_code=422)
    return go(request, "/approval-kinds?saved=1")


# --- the list ---------------------------------------------------------------------------------------


@router.get("/approvals")
@reads_only
def approval_list(request: Request, db: DbSession, principal: PagePrincipal, offset: OffsetQuery = 0) -> Response:
    params = request.query_params
    status = params.get("status", "")
    f = approvals.ApprovalFilter(
        overdue=params.get("overdue", "") in ("1", "on", "true"),
        department_unit_id=_id(params.get("department_unit_id", "")),
        kind_id=_id(params.get("kind_id", "")),
        status=ApprovalStatus(status) if status in ApprovalStatus.__members__ else None,
    )
    rows, total = approvals.list_page(db, principal, f, limit=PAGE, offset=offset)
    query = "&".join(f"{k}={v}" for k, v in params.items() if k != "offset")
    return render(
        request,
        "approvals/list.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "page_size": PAGE,
            "f": f,
            "query": query,
            "department_options": approvals.departments(db),
            "kind_options": approvals.kind_options(db),
            "status_options": STATUS_OPTIONS,
        },
        block="results",
    )


# --- one approval -----------------------------------------------------------------------------------


def _detail(
    request: Request,
    db: DbSession,
    principal: Principal,
    approval_id: int,
    *,
    failed: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    row = approvals.one(db, principal, approval_id)
    project = projects.get(db, principal, row.approval.project_id) if _reads_project(db, principal, row) else None
    return render(
        request,
        "approvals/detail.html",
        {
            "r": row,
            "project_link": project is not None,
            "failed": failed,
            "values": values or {},
            "errors": errors or {},
            "conflict": conflict,
            "today": workdays.today(),
        },
        status_code=status_code,
    )


def _reads_project(db: DbSession, principal: Principal, row: approvals.Row) -> bool:
    from app.models.project import Project

    project = db.get(Project, row.approval.project_id)
    return project is not None and projects.can_read(principal, project)


@router.get("/approvals/{approval_id}")
@reads_only
def approval_detail(request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath) -> Response:
    return _detail(request, db, principal, approval_id)


def _done(request: Request, db: DbSession, principal: Principal, approval_id: int, saved: str) -> Response:
    row = approvals.one(db, principal, approval_id)
    if _reads_project(db, principal, row):
        return go(request, f"/projects/{row.approval.project_id}?saved=approval#approval-{approval_id}")
    return go(request, f"/approvals/{approval_id}?saved={saved}")


def _act(
    request: Request,
    db: DbSession,
    principal: Principal,
    approval_id: int,
    form: Any,
    name: str,
    model: type[Any],
    action: Any,
    *extra: int,
) -> Response:
    """Validate the form as `model`, call the service; shown again with its errors (422) or the others'
    changes (409) on the approval's page."""
    values = _text(form)
    approvals.one(db, principal, approval_id)  # 404 before anything else
    try:
        action(db, principal, approval_id, *extra, validate_form(model, form))
    except Conflict as exc:
        row = approvals.one(db, principal, approval_id)
        values["version"] = row.approval.version
        return _detail(request, db, principal, approval_id, failed=name, values=values, conflict=exc.details,
                       status_code=409)  # fmt: skip
    except Invalid as exc:
        return _detail(request, db, principal, approval_id, failed=name, values=values, errors=exc.errors,
                       status_code=422)  # fmt: skip
    return _done(request, db, principal, approval_id, name)


@router.post("/approvals/{approval_id}/submit")
def approval_submit(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, form: RequestForm
) -> Response:
    return _act(request, db, principal, approval_id, form, "submit", ApprovalSubmit, approvals.submit)


@router.post("/approvals/{approval_id}/deferred")
def approval_deferred(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, form: RequestForm
) -> Response:
    return _act(request, db, principal, approval_id, form, "deferred", DeferredCreate, approvals.add_deferred)


@router.post("/approvals/{approval_id}/deferred/{document_id}/receive")
def approval_receive(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, document_id: IdPath,
    form: RequestForm,
) -> Response:  # fmt: skip
    def receive(db: Any, principal: Any, approval_id: int, data: DeferredReceive) -> Any:
        return approvals.receive_deferred(db, principal, approval_id, document_id, data)

    return _act(request, db, principal, approval_id, form, f"receive-{document_id}", DeferredReceive, receive)


@router.post("/approvals/{approval_id}/grant")
def approval_grant(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, form: RequestForm
) -> Response:
    return _act(request, db, principal, approval_id, form, "grant", ApprovalGrant, approvals.grant)


@router.post("/approvals/{approval_id}/refuse")
def approval_refuse(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, form: RequestForm
) -> Response:
    return _act(request, db, principal, approval_id, form, "refuse", ApprovalReason, approvals.refuse)


@router.post("/approvals/{approval_id}/not-needed")
def approval_not_needed(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, form: RequestForm
) -> Response:
    return _act(request, db, principal, approval_id, form, "not_needed", ApprovalReason, approvals.not_needed)


@router.post("/approvals/{approval_id}/ticket")
def approval_ticket(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    return _act(request, db, principal, approval_id, form, "ticket", EscalateTicket, approvals.escalate_ticket)


@router.post("/approvals/{approval_id}/task")
def approval_task(
    request: Request, db: DbSession, principal: PagePrincipal, approval_id: IdPath, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    return _act(request, db, principal, approval_id, form, "task", EscalateTask, approvals.escalate_task)


@router.post("/projects/{project_id}/approvals/generate")
def approval_generate(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    policy.ensure_coordinator(principal)
    try:
        created = approvals.generate_for(db, principal, project_id)
    except Invalid as exc:
        message = exc.errors.get("__all__", "无法生成") if isinstance(exc.errors, dict) else "无法生成"
        return render(request, "approvals/refused.html", {"project_id": project_id, "message": message},
                      status_code=422)  # fmt: skip
    return go(request, f"/projects/{project_id}?generated={len(created)}#approvals")
