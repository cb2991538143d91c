"""Target companies pages (目标企业, 敲门招商): the targets (/target-companies) with filters and, for the
coordinator, a checkbox list to assign them; a target's page with its approaches, the approach form and
"转为线索"; the funnel (/target-companies/funnel); the lists (/target-lists) and their XLSX import with the
de-duplication report. The API (app/routers/api/target_companies.py) calls the same services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.target_company import ApproachKind, TargetListKind, TargetStatus
from app.routing import IndexedRouter, long_running, reads_only
from app.schemas.common import validate_form
from app.schemas.target_companies import ApproachCreate, ConvertToLead, TargetAssign, TargetLinkSet
from app.services import chain_projects, export, leads, workdays
from app.services import target_companies as targets
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 20
OPTIONS: dict[str, Any] = {
    "status_options": [("unassigned", "未分配"), *((s.value, s.label) for s in TargetStatus)],
    "approach_kind_options": [(k.value, k.label) for k in ApproachKind],
    "list_kind_options": [(k.value, k.label) for k in TargetListKind],
}


def _text(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _id(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < len(text) < 10 else None


# --- the targets ---------------------------------------------------------------------------------


def _list_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    offset: int,
    *,
    values: dict[str, Any] | None = None,
    chosen: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    params = request.query_params
    filter_errors: dict[str, str] = {}
    f = targets.TargetFilter(
        list_id=_id(params.get("list_id", "")),
        chain_id=_id(params.get("chain_id", "")),
        unit_id=_id(params.get("unit_id", "")),
        status=params.get("status", "")[:20],
        q=params.get("q", "")[:50].strip(),
    )
    try:
        rows, total = targets.list_rows(db, principal, f, limit=PAGE, offset=offset)
    except Invalid as exc:
        filter_errors = exc.errors
        rows, total = [], 0
    query = "&".join(f"{k}={v}" for k, v in params.items() if k != "offset")
    can_assign = principal.is_coordinator and principal.can_write
    return render(
        request,
        "targets/list.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "page_size": PAGE,
            "f": f,
            "filter_errors": filter_errors,
            "errors": errors or {},
            "values": values or {},
            "chosen": set(chosen or []),
            "query": query,
            "lists": targets.list_options(db),
            "chains": targets.chain_options(db),
            "units": targets.unit_options(db),
            "users": targets.user_options(db) if can_assign else [],
            "can_assign": can_assign,
            **OPTIONS,
        },
        block=None if errors else "results",
        status_code=status_code if not filter_errors else 422,
    )


@router.get("/target-companies")
@reads_only
def target_list(request: Request, db: DbSession, principal: PagePrincipal, offset: OffsetQuery = 0) -> Response:
    return _list_page(request, db, principal, offset)


@router.post("/target-companies/assign")
def target_assign(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)
    values = _text(form)
    chosen = [v for v in form.getlist("target_ids") if isinstance(v, str)]
    try:
        data = validate_form(TargetAssign, form, ignore=["back"])
        done = targets.assign(db, principal, data)
    except Invalid as exc:
        return _list_page(request, db, principal, 0, values=values, chosen=chosen, errors=exc.errors, status_code=422)
    back = values.get("back", "")
    safe_back = back if back.startswith("/target-companies") and "//" not in back else "/target-companies"
    sep = "&" if "?" in safe_back else "?"
    return go(request, f"{safe_back}{sep}assigned={len(done)}")


@router.get("/target-companies/funnel")
@reads_only
def target_funnel(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return render(
        request,
        "targets/funnel.html",
        {"by_chain": targets.funnel(db, principal, "chain"), "by_list": targets.funnel(db, principal, "list")},
    )


def _detail(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    target_id: int,
    *,
    failed: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    matches: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    row = targets.one_row(db, principal, target_id)
    return render(
        request,
        "targets/detail.html",
        {
            "row": row,
            "t": row.target,
            "approaches": targets.approaches_of(db, target_id) if row.lead_shown else [],
            "can_log": targets.can_log(principal, row.target),
            "can_link": principal.is_coordinator and principal.can_write,
            "link_options": chain_projects.link_options(db) if principal.is_coordinator else [],
            "failed": failed,
            "values": values or {},
            "errors": errors or {},
            "conflict": conflict,
            "matches": matches or [],
            "today": workdays.today(),
            "idempotency_key": uuid.uuid4().hex,
            **OPTIONS,
        },
        status_code=status_code,
    )


@router.get("/target-companies/{target_id}")
@reads_only
def target_detail(request: Request, db: DbSession, principal: PagePrincipal, target_id: IdPath) -> Response:
    return _detail(request, db, principal, target_id)


@router.post("/target-companies/{target_id}/chain-link")
def target_link(
    request: Request, db: DbSession, principal: PagePrincipal, target_id: IdPath, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    target = targets.get(db, principal, target_id)
    values = _text(form)
    try:
        targets.set_link(db, principal, target_id, validate_form(TargetLinkSet, form))
    except Invalid as exc:
        return _detail(request, db, principal, target_id, failed="link", values=values, errors=exc.errors,
                       status_code=422)  # fmt: skip
    except Conflict as exc:
        values["version"] = target.version
        return _detail(request, db, principal, target_id, failed="link", values=values, conflict=exc.details,
                       status_code=409)  # fmt: skip
    return go(request, f"/target-companies/{target_id}?saved=link")


@router.post("/target-companies/{target_id}/approaches")
def target_approach(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    target_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    target = targets.get(db, principal, target_id)
    if not targets.can_log(principal, target):
        raise policy.DeniedForbidden("只有招商局和负责单位可以记录敲门情况")
    values = _text(form)
    try:
        targets.log_approach(db, principal, target_id, validate_form(ApproachCreate, form))
    except Invalid as exc:
        return _detail(request, db, principal, target_id, failed="approach", values=values, errors=exc.errors,
                       status_code=422)  # fmt: skip
    except Conflict as exc:
        values["version"] = target.version
        return _detail(request, db, principal, target_id, failed="approach", values=values, conflict=exc.details,
                       status_code=409)  # fmt: skip
    return guard.finish(go(request, f"/target-companies/{target_id}?saved=approach"))


@router.post("/target-companies/{target_id}/lead")
def target_to_lead(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    target_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    target = targets.get(db, principal, target_id)
    if not targets.can_log(principal, target):
        raise policy.DeniedForbidden("只有招商局和负责单位可以转为线索")
    values = _text(form)
    try:
        targets.convert_to_lead(db, principal, target_id, validate_form(ConvertToLead, form))
    except Invalid as exc:
        return _detail(request, db, principal, target_id, failed="lead", values=values, errors=exc.errors,
                       status_code=422)  # fmt: skip
    except leads.DuplicateSuspected as exc:
        return _detail(request, db, principal, target_id, failed="lead", values=values, matches=exc.details,
                       status_code=409)  # fmt: skip
    except Conflict as exc:
        values["version"] = target.version
        return _detail(request, db, principal, target_id, failed="lead", values=values, conflict=exc.details,
                       status_code=409)  # fmt: skip
    return guard.finish(go(request, f"/target-companies/{target_id}?saved=lead"))


# --- the lists and their import ------------------------------------------------------------------


@router.get("/target-lists")
@reads_only
def list_index(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return render(
        request,
        "targets/lists.html",
        {"lists": targets.lists(db), "can_import": principal.is_coordinator and principal.can_write},
    )


def _import_page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    row_errors: list[dict[str, Any]] | None = None,
    report: targets.ImportReport | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "targets/import.html",
        {
            "values": values or {"kind": "little_giant"},
            "errors": errors or {},
            "row_errors": row_errors or [],
            "report": report,
            "columns": [(c[0], c[1]) for c in targets.COLUMNS.values()],
            "idempotency_key": uuid.uuid4().hex,
            **OPTIONS,
        },
        status_code=status_code,
    )


@router.get("/target-lists/import")
def import_form(request: Request, principal: PagePrincipal) -> Response:
    policy.ensure_coordinator(principal)
    return _import_page(request)


@router.get("/target-lists/import/template.xlsx")
def import_template(principal: PagePrincipal) -> Response:
    return Response(
        targets.template_workbook(),
        media_type=export.XLSX_TYPE,
        headers={
            "Content-Disposition": export.content_disposition("目标企业名单模板.xlsx"),
            "Cache-Control": "no-store",
        },
    )


@router.post("/target-lists/import")
@long_running
def import_upload(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    values = _text(form)
    upload = form.get("workbook")
    try:
        try:
            kind = TargetListKind(values.get("kind", ""))
        except ValueError:
            raise Invalid({"kind": "请选择名单类别"}) from None
        if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
            raise Invalid({"workbook": "请选择要导入的名单文件（.xlsx）"})
        report = targets.import_list(
            db,
            principal,
            name=values.get("name", ""),
            kind=kind,
            source_note=values.get("source_note", "").strip(),
            content=upload.file.read(),
        )
    except targets.ImportInvalid as exc:
        return _import_page(request, values=values, errors=exc.errors, row_errors=exc.details, status_code=422)
    except Invalid as exc:
        return _import_page(request, values=values, errors=exc.errors, status_code=422)
    return guard.finish(_import_page(request, report=report))
