"""Compliance cases (履约核查、违约处置): the list (/compliance-cases, by unit and status), opening a case from a
missed commitment (/compliance-cases/new?project_id=…), the case's page with its assessment, measures and their
tasks, and the project's section (/projects/{id}/compliance, loaded into the project's page). The API calls
the same services (app/routers/api/compliance.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid
from app.models.compliance import MeasureKind
from app.routers.pages.projects import _keep, _uploads
from app.routing import IndexedRouter, reads_only
from app.schemas.common import validate_form
from app.schemas.compliance import CaseOpen, CloseIn, CureIn, MeasureCreate, ReceiptCreate
from app.services import awards, compliance, workdays
from app.templating import go, render

router = IndexedRouter()
TIED = "（以本案所涉承诺为条件）"
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
OptionalId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
PAGE = 20
KIND_OPTIONS = [(k.value, k.label) for k in MeasureKind]
CONFLICT = "该案件已被他人修改，请核对后再提交"


def _text(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- the list ----------------------------------------------------------------------------------


@router.get("/compliance-cases")
@reads_only
def case_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: OptionalId = None,
    status: Annotated[str, Query(max_length=20)] = "",
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    errors: dict[str, str] = {}
    try:
        rows, total = compliance.list_cases(
            db, principal, unit_id=unit_id, status=status, year=year, limit=PAGE, offset=offset
        )
    except Invalid as exc:
        errors, rows, total = exc.errors, [], 0
    query = "&".join(
        f"{k}={v}" for k, v in (("unit_id", unit_id), ("status", status), ("year", year)) if v not in (None, "")
    )
    return render(
        request,
        "compliance/list.html",
        {
            "rows": rows,
            "total": total,
            "f": {"unit_id": unit_id, "status": status, "year": year or ""},
            "offset": offset,
            "page_size": PAGE,
            "query": query,
            "errors": errors,
            "unit_options": compliance.unit_options(db),
            "status_options": [("active", "未结案"), *compliance.STATUS_CHOICES],
        },
        block="results" if request.headers.get("HX-Request") and not errors else None,
        status_code=422 if errors else 200,
    )


# --- a project's cases (its section on the project's page) ---------------------------------------


@router.get("/projects/{project_id}/compliance")
@reads_only
def project_cases(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    project, rows, missed = compliance.project_section(db, principal, project_id)
    return render(
        request,
        "compliance/project.html",
        {"project": project, "rows": rows, "missed": missed, "can_manage": compliance.can_manage(principal)},
        block="section",
    )


# --- opening -----------------------------------------------------------------------------------


def _new_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: int,
    *,
    values: dict[str, Any],
    chosen: list[str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    project, name, missed, people = compliance.open_form(db, principal, project_id)
    return render(
        request,
        "compliance/new.html",
        {
            "project": project,
            "name": name,
            "missed": missed,
            "people": people,
            "values": values,
            "chosen": chosen,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/compliance-cases/new")
@reads_only
def case_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: Annotated[int, Query(ge=1, le=2_147_483_647)],
    commitment_id: OptionalId = None,
) -> Response:
    values = {"project_id": str(project_id), "assessed_on": workdays.today().isoformat()}
    return _new_page(
        request, db, principal, project_id, values=values, chosen=[str(commitment_id)] if commitment_id else []
    )


@router.post("/compliance-cases")
def case_open(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, form: RequestForm
) -> Response:
    values = _text(form)
    values["assessor_user_ids_list"] = [str(v) for v in form.getlist("assessor_user_ids")]
    chosen = [str(v) for v in form.getlist("commitment_ids")]
    try:
        project_id = int(values.get("project_id", ""))
    except ValueError:
        project_id = 0
    if not 1 <= project_id <= 2_147_483_647:
        raise Invalid({"project_id": "找不到该项目"})
    compliance.open_form(db, principal, project_id)  # refused (403, 404) before any upload is read
    try:
        prepared, names = _uploads(form, "evidence", settings, keep_position=False)
        data = validate_form(CaseOpen, form, ignore=["evidence"])
        case = compliance.open_case(db, principal, data, prepared, names)
    except Invalid as exc:
        return _new_page(
            request, db, principal, project_id, values=values, chosen=chosen, errors=exc.errors, status_code=422
        )
    _keep(db, settings, prepared)
    return go(request, f"/compliance-cases/{case.id}?saved=opened")


# --- the case's page ---------------------------------------------------------------------------


def _case_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    case_id: int,
    *,
    failed: str = "",
    failed_id: int | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = compliance.case_view(db, principal, case_id)
    cited = {c.link.commitment_id for c in view.commitments}  # awards and plots tied to them come first
    return render(
        request,
        "compliance/detail.html",
        {
            "v": view,
            "c": view.case,
            "failed": failed,
            "failed_id": failed_id,
            "values": values or {},
            "errors": errors or {},
            "kind_options": KIND_OPTIONS,
            "award_options": [
                (
                    a.id,
                    f"#{a.id} {awards.recipient_shown(db, principal, a, view.project)} {a.amount:,.2f} 元"
                    + (TIED if a.commitment_id in cited else ""),
                )
                for a in sorted(view.awards, key=lambda a: a.commitment_id not in cited)
            ],
            "plot_options": [
                (p.id, f"{p.code} {p.name}（{p.area_mu} 亩）" + (TIED if p.commitment_id in cited else ""))
                for p in sorted(view.plots, key=lambda p: p.commitment_id not in cited)
            ],
            "unit_options": compliance.unit_options(db),
            "today": workdays.today(),
            "idempotency_key": uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/compliance-cases/{case_id}")
@reads_only
def case_detail(request: Request, db: DbSession, principal: PagePrincipal, case_id: IdPath) -> Response:
    return _case_page(request, db, principal, case_id)


def _refused(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    case_id: int,
    exc: Invalid | Conflict,
    failed: str,
    values: dict[str, Any],
    failed_id: int | None = None,
) -> Response:
    if isinstance(exc, Conflict):
        return _case_page(
            request,
            db,
            principal,
            case_id,
            failed=failed,
            failed_id=failed_id,
            values=values,
            errors={"__all__": CONFLICT},
            status_code=409,
        )
    return _case_page(
        request,
        db,
        principal,
        case_id,
        failed=failed,
        failed_id=failed_id,
        values=values,
        errors=exc.errors,
        status_code=422,
    )


@router.post("/compliance-cases/{case_id}/measures")
def measure_add(
    request: Request, db: DbSession, principal: PagePrincipal, case_id: IdPath, form: RequestForm
) -> Response:
    compliance.get(db, principal, case_id)
    values = _text(form)
    try:
        compliance.add_measure(db, principal, case_id, validate_form(MeasureCreate, form))
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, case_id, exc, "measure", values)
    return go(request, f"/compliance-cases/{case_id}?saved=measure")


@router.post("/compliance-cases/{case_id}/measures/{measure_id}/receipts")
def receipt_add(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    case_id: IdPath,
    measure_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    compliance.get(db, principal, case_id)
    values = _text(form)
    try:
        compliance.add_receipt(db, principal, case_id, measure_id, validate_form(ReceiptCreate, form))
    except Invalid as exc:
        return _refused(request, db, principal, case_id, exc, "receipt", values, measure_id)
    return guard.finish(go(request, f"/compliance-cases/{case_id}?saved=receipt"))


@router.post("/compliance-cases/{case_id}/measures/{measure_id}/cure")
def measure_cure(
    request: Request, db: DbSession, principal: PagePrincipal, case_id: IdPath, measure_id: IdPath, form: RequestForm
) -> Response:
    compliance.get(db, principal, case_id)
    values = _text(form)
    try:
        compliance.cure(db, principal, case_id, measure_id, validate_form(CureIn, form))
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, case_id, exc, "cure", values, measure_id)
    return go(request, f"/compliance-cases/{case_id}?saved=cured")


@router.post("/compliance-cases/{case_id}/close")
def case_close(
    request: Request, db: DbSession, principal: PagePrincipal, case_id: IdPath, form: RequestForm
) -> Response:
    compliance.get(db, principal, case_id)
    values = _text(form)
    try:
        compliance.close(db, principal, case_id, validate_form(CloseIn, form))
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, case_id, exc, "close", values)
    return go(request, f"/compliance-cases/{case_id}?saved=closed")
