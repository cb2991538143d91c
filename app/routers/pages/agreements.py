"""Pages of investment agreements and results after production: the agreement's and a commitment's forms,
a project's results with the entry form, a pending result's edit, the coordinator's confirmation queue, and
the import of the tax or statistics bureau's sheet."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid
from app.models.agreement import CommitmentKind, OtherDirection, PeriodKind, ResultSource, ResultStatus
from app.principal import Principal
from app.routers.pages.projects import _keep, _may_write, _text_values, _uploads
from app.routing import IndexedRouter, long_running
from app.schemas.agreements import (
    AgreementSave,
    CommitmentCreate,
    CommitmentUpdate,
    ResultCreate,
    ResultReview,
    ResultUpdate,
)
from app.schemas.common import validate_form
from app.services import agreements, export, projects, results, workdays
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
PAGE = 50

KIND_OPTIONS = [(k.value, k.label + (f"（{k.unit}）" if k.unit else "")) for k in CommitmentKind]
DIRECTION_OPTIONS = [(d.value, d.label) for d in OtherDirection]
PERIOD_OPTIONS = [(p.value, p.label) for p in PeriodKind]
QUARTER_OPTIONS = [(str(q), f"第{q}季度") for q in (1, 2, 3, 4)]
SOURCE_OPTIONS = [(s.value, s.label) for s in ResultSource if s is not ResultSource.entered]
STATUS_OPTIONS = [(s.value, s.label) for s in ResultStatus]


# --- the agreement -----------------------------------------------------------------------------


def _agreement_form(
    request: Request,
    db: DbSession,
    principal: Principal,
    project_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    project = projects.get_for_write(db, principal, project_id)
    shown = agreements.view(db, principal, project)
    if values is None:
        a = shown.agreement
        values = {
            "signed_on": (a.signed_on if a else project.signed_on or "") or "",
            "parties": a.parties if a else "",
            "contract_no": a.contract_no if a else "",
            "note": a.note if a else "",
            "version": a.version if a else 0,
        }
    return render(
        request,
        "agreements/agreement_form.html",
        {"project": project, "name": shown.name, "shown": shown, "values": values, "errors": errors or {},
         "conflict": conflict},
        status_code=status_code,
        block="form",
    )  # fmt: skip


@router.get("/projects/{project_id}/investment-agreement")
def agreement_form(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _agreement_form(request, db, principal, project_id)


@router.post("/projects/{project_id}/investment-agreement")
def agreement_save(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    project_id: IdPath,
    form: RequestForm,
) -> Response:
    values = _text_values(form)
    _may_write(db, principal, project_id)
    try:
        prepared, names = _uploads(form, "documents", settings, keep_position=False)
        data = validate_form(AgreementSave, form, ignore=["documents"])
        agreements.save(db, principal, project_id, data, prepared, names)
    except Conflict as exc:
        current = agreements.view(db, principal, projects.get(db, principal, project_id)).agreement
        values["version"] = current.version if current else 0
        return _agreement_form(request, db, principal, project_id, values=values, conflict=exc.details, status_code=409)
    except Invalid as exc:
        return _agreement_form(request, db, principal, project_id, values=values, errors=exc.errors, status_code=422)
    _keep(db, settings, prepared)
    return go(request, f"/projects/{project_id}?saved=agreement#agreement")


def _commitment_form(
    request: Request,
    db: DbSession,
    principal: Principal,
    project_id: int,
    commitment_id: int | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    project = projects.get_for_write(db, principal, project_id)
    row = agreements.get_commitment(db, principal, project_id, commitment_id) if commitment_id else None
    if values is None:
        values = {"kind": "output", "direction": "at_least", "idempotency_key": uuid.uuid4().hex}
        if row is not None:
            values = {
                "kind": row.kind.value,
                "figure": row.figure.normalize() if row.figure is not None else "",
                "due_on": row.due_on or "",
                "name": row.name,
                "unit": row.unit,
                "direction": row.direction.value,
                "actual": row.actual.normalize() if row.actual is not None else "",
                "actual_on": row.actual_on or "",
                "note": row.note,
                "version": row.version,
            }
    action = f"/projects/{project_id}/investment-agreement/commitments" + (f"/{commitment_id}" if commitment_id else "")
    return render(
        request,
        "agreements/commitment_form.html",
        {
            "project": project,
            "name": projects.display_name(principal, project),
            "row": row,
            "action": action,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "kind_options": KIND_OPTIONS,
            "direction_options": DIRECTION_OPTIONS,
        },
        status_code=status_code,
        block="form",
    )


@router.get("/projects/{project_id}/investment-agreement/commitments/new")
def commitment_new(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _commitment_form(request, db, principal, project_id, None)


@router.post("/projects/{project_id}/investment-agreement/commitments")
def commitment_add(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = _text_values(form)
    try:
        agreements.add_commitment(db, principal, project_id, validate_form(CommitmentCreate, form))
    except Invalid as exc:
        return _commitment_form(
            request, db, principal, project_id, None, values=values, errors=exc.errors, status_code=422
        )
    return guard.finish(go(request, f"/projects/{project_id}?saved=commitment#agreement"))


@router.get("/projects/{project_id}/investment-agreement/commitments/{commitment_id}")
def commitment_edit(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, commitment_id: IdPath
) -> Response:
    return _commitment_form(request, db, principal, project_id, commitment_id)


@router.post("/projects/{project_id}/investment-agreement/commitments/{commitment_id}")
def commitment_update(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, commitment_id: IdPath,
    form: RequestForm,
) -> Response:  # fmt: skip
    values = _text_values(form)
    try:
        data = validate_form(CommitmentUpdate, form)
        agreements.update_commitment(db, principal, project_id, commitment_id, data)
    except Conflict as exc:
        values["version"] = agreements.get_commitment(db, principal, project_id, commitment_id).version
        return _commitment_form(
            request, db, principal, project_id, commitment_id, values=values, conflict=exc.details, status_code=409
        )
    except Invalid as exc:
        return _commitment_form(
            request, db, principal, project_id, commitment_id, values=values, errors=exc.errors, status_code=422
        )
    return go(request, f"/projects/{project_id}?saved=commitment#agreement")


# --- a project's results -----------------------------------------------------------------------


def _results_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    project_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    project = projects.get(db, principal, project_id)
    page = results.list_page(db, principal, project_id=project_id, limit=100)
    shown = agreements.view(db, principal, project)
    if values is None:
        values = {"period_kind": "year", "year": str(workdays.today().year - 1)}
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    return render(
        request,
        "agreements/results.html",
        {
            "project": project,
            "name": shown.name,
            "shown": shown,
            "page": page,
            "evidence": results.evidence(db, [r.result.id for r in page.rows]),
            "can_write": projects.can_write(principal, project),
            "values": values,
            "errors": errors or {},
            "refused": refused or {},
            "period_options": PERIOD_OPTIONS,
            "quarter_options": QUARTER_OPTIONS,
        },
        status_code=status_code,
        block="form" if errors else None,
    )


@router.get("/projects/{project_id}/results")
def results_page(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _results_page(request, db, principal, project_id)


@router.post("/projects/{project_id}/results")
def result_add(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    project_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = _text_values(form)
    _may_write(db, principal, project_id)
    try:
        prepared, names = _uploads(form, "evidence", settings, keep_position=False)
        results.add(db, principal, project_id, validate_form(ResultCreate, form, ignore=["evidence"]), prepared, names)
    except Invalid as exc:
        return _results_page(request, db, principal, project_id, values=values, errors=exc.errors, status_code=422)
    _keep(db, settings, prepared)
    return guard.finish(go(request, f"/projects/{project_id}/results?saved=1"))


def _edit_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    result_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    row = results.get(db, principal, result_id)
    project = projects.get_for_write(db, principal, row.project_id)
    if values is None:
        values = {
            name: ("" if getattr(row, name) is None else getattr(row, name))
            for name in (
                "year",
                "quarter",
                "output",
                "tax",
                "jobs",
                "energy_tce",
                "land_used_mu",
                "rd_spend",
                "evidence_no",
                "note",
            )
        }
        values.update(period_kind=row.period_kind.value, version=row.version)
    return render(
        request,
        "agreements/result_edit.html",
        {
            "project": project,
            "name": projects.display_name(principal, project),
            "row": row,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "period_options": PERIOD_OPTIONS,
            "quarter_options": QUARTER_OPTIONS,
        },
        status_code=status_code,
        block="form",
    )


@router.get("/results/{result_id}/edit")
def result_edit(request: Request, db: DbSession, principal: PagePrincipal, result_id: IdPath) -> Response:
    return _edit_page(request, db, principal, result_id)


@router.post("/results/{result_id}/edit")
def result_update(
    request: Request, db: DbSession, principal: PagePrincipal, result_id: IdPath, form: RequestForm
) -> Response:
    values = _text_values(form)
    try:
        row = results.update(db, principal, result_id, validate_form(ResultUpdate, form))
    except Conflict as exc:
        values["version"] = results.get(db, principal, result_id).version
        return _edit_page(request, db, principal, result_id, values=values, conflict=exc.details, status_code=409)
    except Invalid as exc:
        return _edit_page(request, db, principal, result_id, values=values, errors=exc.errors, status_code=422)
    return go(request, f"/projects/{row.project_id}/results?saved=1")


# --- the coordinator's queue -------------------------------------------------------------------


def _queue(
    request: Request,
    db: DbSession,
    principal: Principal,
    offset: int = 0,
    refused: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    if not principal.reads_everything:
        raise policy.DeniedForbidden()
    page = results.list_page(db, principal, status=ResultStatus.pending, oldest_first=True, limit=PAGE, offset=offset)
    return render(
        request,
        "agreements/queue.html",
        {
            "page": page,
            "evidence": results.evidence(db, [r.result.id for r in page.rows]),
            "offset": offset,
            "limit": PAGE,
            "refused": refused or {},
        },
        status_code=status_code,
    )


@router.get("/results/pending")
def results_queue(
    request: Request, db: DbSession, principal: PagePrincipal, offset: int = Query(0, ge=0, le=1_000_000)
) -> Response:
    return _queue(request, db, principal, offset)


@router.post("/results/{result_id}/review")
def result_review(
    request: Request, db: DbSession, principal: PagePrincipal, result_id: IdPath, form: RequestForm
) -> Response:
    back = str(form.get("back") or "")
    try:
        row = results.review(db, principal, result_id, validate_form(ResultReview, form, ignore=["back"]))
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"decision": exc.message}
        refused = {"error_id": result_id, "errors": errors, "values": _text_values(form)}
        if back == "project":
            project_id = results.get(db, principal, result_id).project_id
            return _results_page(request, db, principal, project_id, refused=refused, status_code=422)
        return _queue(request, db, principal, 0, refused, status_code=422)
    if back == "project":
        return go(request, f"/projects/{row.project_id}/results")
    return go(request, "/results/pending")


# --- the import --------------------------------------------------------------------------------


def _import_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    row_errors: list[dict[str, Any]] | None = None,
    summary: results.ImportSummary | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "agreements/import.html",
        {
            "errors": errors or {},
            "row_errors": row_errors or [],
            "summary": summary,
            "values": values or {"source": "tax_bureau"},
            "columns": results.column_help(),
            "source_options": SOURCE_OPTIONS,
            "max_rows": results.MAX_ROWS,
            "idempotency_key": uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/results/import")
def import_form(request: Request, principal: PagePrincipal) -> Response:
    if not principal.can_write:
        raise policy.DeniedForbidden()
    return _import_page(request)


@router.get("/results/import/template.xlsx")
def import_template(principal: PagePrincipal) -> Response:
    return Response(
        results.template_workbook(),
        media_type=export.XLSX_TYPE,
        headers={
            "Content-Disposition": export.content_disposition("投产后实绩导入模板.xlsx"),
            "Cache-Control": "no-store",
        },
    )


@router.post("/results/import")
@long_running
def import_upload(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    values = _text_values(form)
    upload = form.get("sheet")
    try:
        if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
            raise Invalid({"sheet": "请选择要导入的表格（.xlsx）"})
        raw_source = str(form.get("source") or "")
        if raw_source not in {s.value for s in ResultSource}:
            raise Invalid({"source": "请选择数据来源：税务部门或统计部门"})
        summary = results.import_sheet(db, principal, upload.file.read(), ResultSource(raw_source))
    except results.ResultsImportInvalid as exc:
        return _import_page(request, errors=exc.errors, row_errors=exc.details, values=values, status_code=422)
    except Invalid as exc:
        return _import_page(request, errors=exc.errors, values=values, status_code=422)
    return guard.finish(_import_page(request, summary=summary, values=values))
