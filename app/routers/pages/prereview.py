"""Pre-review (项目预审) and the signing approval (签约审批) pages: the coordinator's departments per category
(/admin/prereview-departments), a project's pre-review page (/projects/{id}/prereview: each department's
opinion, the override of a veto, the concessions asked, the required level and the approval). The API
(app/routers/api/prereview.py) calls the same services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import Response

from app import policy
from app.deps import DbSession, PagePrincipal, RequestForm
from app.errors import Invalid
from app.models.prereview import OpinionVerdict
from app.models.project import ApprovalLevel, NegativeReason
from app.principal import Principal
from app.routing import IndexedRouter, reads_only
from app.schemas.common import validate_form
from app.schemas.prereview import ApprovalCreate, ConcessionSet, DepartmentsSet, OpinionCreate, OverrideCreate
from app.services import prereview, projects, workdays
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
FORMS = ("opinion", "override", "concession", "approval")


def _text(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    if hasattr(form, "getlist"):
        values["unit_ids"] = [v for v in form.getlist("unit_ids") if isinstance(v, str)]
    return values


# --- the departments per category (the coordinator's settings) ---------------------------------------


def _departments_page(
    request: Request,
    db: DbSession,
    *,
    category: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rows = prereview.overview(db)
    current = next((r for r in rows if r["category"].value == category), rows[0])
    return render(
        request,
        "prereview/departments.html",
        {
            "rows": rows,
            "current": current,
            "options": prereview.department_options(db),
            "errors": errors or {},
            "values": values or {},
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
    )


@router.get("/admin/prereview-departments")
@reads_only
def departments_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    policy.ensure_coordinator(principal)
    return _departments_page(request, db, category=request.query_params.get("category", ""))


@router.post("/admin/prereview-departments")
def departments_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)
    values = _text(form)
    try:
        data = validate_form(DepartmentsSet, form)
        prereview.set_departments(db, principal, data.category, data.unit_ids)
    except Invalid as exc:
        category = str(values.get("category", ""))
        return _departments_page(request, db, category=category, errors=exc.errors, values=values, status_code=422)
    return go(request, f"/admin/prereview-departments?category={data.category.value}&saved=1")


# --- a project's pre-review page ---------------------------------------------------------------------


def _page(
    request: Request,
    db: DbSession,
    principal: Principal,
    project_id: int,
    *,
    failed: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    project = prereview.get_for_review(db, principal, project_id)
    gate = prereview.gate_view(db, principal, project)
    named = prereview.department_ids(db, project.category)
    own = principal.unit_id if principal.unit_id in named else None
    names = {d["unit_id"]: d["name"] for d in gate["departments"]}
    signed = not gate["may_sign"] and not gate["problems"]
    return render(
        request,
        "prereview/project.html",
        {
            "project": project,
            "name": projects.display_name(principal, project),
            "gate": gate,
            "signed": signed,
            "failed": failed,
            "errors": errors or {},
            "values": {**(values or {}), "idempotency_key": uuid.uuid4().hex},
            "may_opine": principal.can_write and (principal.is_coordinator or own is not None),
            "own_unit": own,
            "department_options": [(uid, names.get(uid, "")) for uid in named],
            "may_override": principal.is_coordinator and project.prereview.value == "rejected",
            "may_write": projects.can_write(principal, project),
            "verdict_options": [(v.value, v.label) for v in OpinionVerdict],
            "reason_options": [(r.value, r.label) for r in NegativeReason],
            "level_options": [(lv.value, prereview.LEVEL_SHORT[lv]) for lv in ApprovalLevel],
            "today": workdays.today().isoformat(),
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
    )


@router.get("/projects/{project_id}/prereview")
@reads_only
def project_prereview(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _page(request, db, principal, project_id)


def _save(request: Request, db: DbSession, principal: Principal, project_id: int, form: Any, which: str) -> Response:
    values = _text(form)
    try:
        if which == "opinion":
            prereview.record_opinion(db, principal, project_id, validate_form(OpinionCreate, form))
        elif which == "override":
            prereview.record_override(db, principal, project_id, validate_form(OverrideCreate, form))
        elif which == "concession":
            prereview.set_concession(db, principal, project_id, validate_form(ConcessionSet, form))
        else:
            prereview.record_approval(db, principal, project_id, validate_form(ApprovalCreate, form))
    except Invalid as exc:
        return _page(
            request, db, principal, project_id, failed=which, errors=exc.errors, values=values, status_code=422
        )
    return go(request, f"/projects/{project_id}/prereview?saved={which}")


@router.post("/projects/{project_id}/prereview/opinions")
def opinion_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    return _save(request, db, principal, project_id, form, "opinion")


@router.post("/projects/{project_id}/prereview/override")
def override_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    return _save(request, db, principal, project_id, form, "override")


@router.post("/projects/{project_id}/concession")
def concession_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    return _save(request, db, principal, project_id, form, "concession")


@router.post("/projects/{project_id}/signing-approval")
def approval_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    return _save(request, db, principal, project_id, form, "approval")
