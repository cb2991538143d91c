"""The ledger import page: upload a unit's Excel ledger (项目台账), see every error or the summary."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Invalid
from app.principal import Principal
from app.routing import IndexedRouter, long_running
from app.services import export, project_import, units
from app.templating import render

router = IndexedRouter()

TEMPLATE_FILENAME = "项目台账导入模板.xlsx"


def _page(
    request: Request,
    db: DbSession,
    principal: Principal,
    *,
    errors: dict[str, str] | None = None,
    row_errors: list[dict[str, Any]] | None = None,
    error_total: int = 0,
    result: project_import.ImportResult | None = None,
    filename: str = "",
    status_code: int = 200,
) -> Response:
    own_unit = units.get(db, principal.unit_id).name if principal.unit_id else ""
    return render(
        request,
        "projects/import.html",
        {
            "errors": errors or {},
            "row_errors": row_errors or [],
            "error_total": error_total,
            "result": result,
            "filename": filename,
            "own_unit": own_unit,
            "columns": project_import.column_help(),
            "max_rows": project_import.MAX_ROWS,
            "idempotency_key": uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/projects/import")
def import_form(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    project_import.ensure_may_import(principal)
    return _page(request, db, principal)


@router.get("/projects/import/template.xlsx")
def import_template(principal: PagePrincipal) -> Response:
    return Response(
        project_import.template_workbook(),
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition(TEMPLATE_FILENAME), "Cache-Control": "no-store"},
    )


@router.post("/projects/import")
@long_running
def import_upload(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    upload = form.get("ledger")
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    try:
        if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
            raise Invalid({"ledger": "请选择要导入的台账文件（.xlsx）"})
        result = project_import.import_ledger(db, principal, upload.file.read(), filename=filename)
    except project_import.ImportInvalid as exc:
        return _page(
            request,
            db,
            principal,
            errors=exc.errors,
            row_errors=exc.details,
            error_total=len(exc.row_errors),
            filename=filename,
            status_code=422,
        )
    except Invalid as exc:
        return _page(request, db, principal, errors=exc.errors, filename=filename, status_code=422)
    return guard.finish(_page(request, db, principal, result=result, filename=filename))
