"""A project's deposits and earnest money (its section on the project's page, /projects/{id}/deposits),
the county's deposits report (/deposits, apart from funds arrived), a project's quality
(/projects/{id}/quality) and the leading industries' list (/quality/industries). The API calls the same
services (app/routers/api/deposits.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid
from app.models.deposit import DepositAction, DepositKind, DepositStatus
from app.models.quality import EnergyClass, EnvClass
from app.routers.pages.projects import _keep, _uploads
from app.routing import IndexedRouter, reads_only
from app.schemas.common import validate_form
from app.schemas.land import DepositCreate, DepositReview, IndustryCreate, IndustryUpdate, QualityUpdate
from app.services import deposits, projects, quality, workdays
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
PAGE = 20
OPTIONS: dict[str, Any] = {
    "kind_options": [(k.value, k.label) for k in DepositKind],
    "action_options": [(a.value, a.label) for a in DepositAction],
    "status_options": [(s.value, s.label) for s in DepositStatus],
}


def _text(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- a project's deposits ------------------------------------------------------------------------


def _deposits_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: int,
    *,
    failed: str = "",
    failed_id: int | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    book = deposits.ledger(db, principal, project_id)
    defaults = {"happened_on": workdays.today().isoformat(), "kind": "deposit", "action": "received"}
    return render(
        request,
        "deposits/project.html",
        {
            "book": book,
            "project": book.project,
            "name": projects.display_name(principal, book.project),
            "failed": failed,
            "failed_id": failed_id,
            "values": values if values is not None else defaults,
            "errors": errors or {},
            "idempotency_key": uuid.uuid4().hex,
            **OPTIONS,
        },
        block="section",
        status_code=status_code,
    )


@router.get("/projects/{project_id}/deposits")
@reads_only
def project_deposits(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _deposits_page(request, db, principal, project_id)


@router.post("/projects/{project_id}/deposits")
def deposit_add(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    project_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = _text(form)
    db.expire(projects.get_for_write(db, principal, project_id))  # refused before any upload is read
    try:
        prepared, names = _uploads(form, "vouchers", settings, keep_position=False)
        data = validate_form(DepositCreate, form, ignore=["vouchers"])
        deposits.add(db, principal, project_id, data, prepared, names)
    except Invalid as exc:
        return _deposits_page(
            request, db, principal, project_id, failed="add", values=values, errors=exc.errors, status_code=422
        )
    _keep(db, settings, prepared)
    return guard.finish(go(request, f"/projects/{project_id}/deposits?saved=1"))


@router.post("/projects/{project_id}/deposits/{deposit_id}/review")
def deposit_review(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: IdPath,
    deposit_id: IdPath,
    form: RequestForm,
) -> Response:
    deposits.get(db, principal, project_id, deposit_id)
    values = _text(form)
    try:
        deposits.review(db, principal, project_id, deposit_id, validate_form(DepositReview, form))
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"decision": "该记录已被他人处理，请刷新后再试"}
        code = 422 if isinstance(exc, Invalid) else 409
        return _deposits_page(
            request,
            db,
            principal,
            project_id,
            failed="review",
            failed_id=deposit_id,
            values=values,
            errors=errors,
            status_code=code,
        )
    return go(request, f"/projects/{project_id}/deposits?saved=1")


@router.get("/deposits")
@reads_only
def deposits_report(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    status: Annotated[str, Query(max_length=20)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    errors: dict[str, str] = {}
    try:
        rows, total, totals = deposits.report(db, principal, status=status, kind=kind, limit=PAGE, offset=offset)
    except Invalid as exc:
        errors, rows, total, totals = exc.errors, [], 0, []
    return render(
        request,
        "deposits/report.html",
        {
            "rows": rows,
            "total": total,
            "totals": totals,
            "status": status,
            "kind": kind,
            "offset": offset,
            "page_size": PAGE,
            "errors": errors,
            **OPTIONS,
        },
        status_code=422 if errors else 200,
    )


# --- a project's quality -------------------------------------------------------------------------


def _quality_page(
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
    project, row = quality.of(db, principal, project_id)
    if values is None:
        values = {name: getattr(row, name) for name in quality.FIELDS} | {"version": row.version}
        values = {k: (v.value if hasattr(v, "value") else ("" if v is None else v)) for k, v in values.items()}
    return render(
        request,
        "quality/project.html",
        {
            "project": project,
            "name": projects.display_name(principal, project),
            "row": row,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "can_write": projects.can_write(principal, project),
            "industry_options": [(n, n) for n in quality.active_industries(db)],
            "env_options": [(e.value, e.label) for e in EnvClass],
            "energy_options": [(e.value, e.label) for e in EnergyClass],
        },
        block="section",
        status_code=status_code,
    )


@router.get("/projects/{project_id}/quality")
@reads_only
def project_quality(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _quality_page(request, db, principal, project_id)


@router.post("/projects/{project_id}/quality")
def quality_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    projects.get_for_write(db, principal, project_id)
    values = _text(form)
    for flag in ("high_tech", "specialised", "tech_sme"):
        values[flag] = flag in form
    try:
        quality.update(db, principal, project_id, validate_form(QualityUpdate, form))
    except Invalid as exc:
        return _quality_page(request, db, principal, project_id, values=values, errors=exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = quality.of(db, principal, project_id)[1].version
        return _quality_page(request, db, principal, project_id, values=values, conflict=exc.details, status_code=409)
    return go(request, f"/projects/{project_id}?saved=quality")


def _industries_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "quality/industries.html",
        {"rows": quality.industries(db), "values": values or {}, "errors": errors or {}},
        status_code=status_code,
    )


@router.get("/quality/industries")
@reads_only
def industries(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return _industries_page(request, db, principal)


@router.post("/quality/industries")
def industry_add(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    from app import policy

    policy.ensure_coordinator(principal)
    values = _text(form)
    try:
        quality.add_industry(db, principal, validate_form(IndustryCreate, form))
    except Invalid as exc:
        return _industries_page(request, db, principal, values=values, errors=exc.errors, status_code=422)
    return go(request, "/quality/industries?saved=1")


@router.post("/quality/industries/{industry_id}")
def industry_toggle(
    request: Request, db: DbSession, principal: PagePrincipal, industry_id: IdPath, form: RequestForm
) -> Response:
    try:
        quality.update_industry(db, principal, industry_id, validate_form(IndustryUpdate, form))
    except (Invalid, Conflict):
        return _industries_page(
            request, db, principal, errors={"__all__": "该项已被他人修改，请刷新后再试"}, status_code=409
        )
    return go(request, "/quality/industries?saved=1")
