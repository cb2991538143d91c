"""Land and buildings pages (载体资源): the inventory of plots (/plots) and buildings (/buildings) with filters,
a plot's or building's page with its photos and its status, take and release forms, matching a project's
land need (/projects/{id}/land-match), the report of idle and unsupplied land (/land/report) and the land
quota won (/land-quotas). The API (app/routers/api/land.py) calls the same services."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid
from app.models.land import BuildingKind, BuildingStatus, LandUse, PlotStatus, PriceUnit
from app.models.project import Project
from app.routers.pages.projects import _keep, _uploads
from app.routing import IndexedRouter, reads_only
from app.schemas.agreements import ConditionIn
from app.schemas.common import PLAIN_TEXT_PATTERN, validate_form
from app.schemas.land import (
    BuildingCreate,
    BuildingUpdate,
    MatchNeed,
    PlotCreate,
    PlotUpdate,
    QuotaCreate,
    QuotaUpdate,
    Release,
    StatusChange,
    Take,
)
from app.services import agreements, export, land, projects, workdays
from app.services import files as file_store
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 20
CREATE: dict[str, Any] = {"plots": PlotCreate, "buildings": BuildingCreate}
UPDATE: dict[str, Any] = {"plots": PlotUpdate, "buildings": BuildingUpdate}
OPTIONS: dict[str, Any] = {
    "plot_status_options": [(s.value, s.label) for s in PlotStatus],
    "building_status_options": [(s.value, s.label) for s in BuildingStatus],
    "land_use_options": [(u.value, u.label) for u in LandUse],
    "building_kind_options": [(k.value, k.label) for k in BuildingKind],
    "price_unit_options": [(u.value, u.label) for u in PriceUnit],
    "noun": land.NOUN,
}


def _text(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- the inventory -------------------------------------------------------------------------------


def _inventory(request: Request, db: DbSession, principal: PagePrincipal, kind: str, offset: int) -> Response:
    params = request.query_params
    errors: dict[str, str] = {}
    park = params.get("park_unit_id", "")
    f = land.CarrierFilter(
        status=params.get("status", "")[:20],
        park_unit_id=int(park) if park.isdigit() and len(park) < 10 else None,
        land_use=params.get("land_use", "")[:20],
        building_kind=params.get("building_kind", "")[:20],
        q=params.get("q", "")[:50].strip(),
    )
    try:
        rows, total, area = land.list_rows(db, principal, kind, f, limit=PAGE, offset=offset)
    except Invalid as exc:
        errors = exc.errors
        rows, total, area = [], 0, Decimal(0)
    query = "&".join(f"{k}={v}" for k, v in params.items() if k != "offset")
    return render(
        request,
        "land/list.html",
        {
            "kind": kind,
            "rows": rows,
            "total": total,
            "area": area,
            "offset": offset,
            "page_size": PAGE,
            "f": f,
            "errors": errors,
            "query": query,
            "parks": land.parks(db),
            "can_create": land.may_create(principal),
            **OPTIONS,
        },
        block="results",
        status_code=422 if errors else 200,
    )


@router.get("/plots")
@reads_only
def plot_list(request: Request, db: DbSession, principal: PagePrincipal, offset: OffsetQuery = 0) -> Response:
    return _inventory(request, db, principal, "plots", offset)


@router.get("/buildings")
@reads_only
def building_list(request: Request, db: DbSession, principal: PagePrincipal, offset: OffsetQuery = 0) -> Response:
    return _inventory(request, db, principal, "buildings", offset)


# --- creating and editing ------------------------------------------------------------------------


def _form_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    kind: str,
    row: Any = None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    if row is None and not land.may_create(principal):
        from app import policy

        raise policy.DeniedForbidden()
    return render(
        request,
        "land/form.html",
        {
            "kind": kind,
            "row": row,
            "values": values or {},
            "errors": errors or {},
            "conflict": conflict,
            "parks": land.parks(db),
            "unit_options": land.unit_options(db),
            "action": f"/{kind}/{row.id}/edit" if row is not None else f"/{kind}",
            **OPTIONS,
        },
        status_code=status_code,
    )


def _new(request: Request, db: DbSession, principal: PagePrincipal, kind: str) -> Response:
    defaults: dict[str, Any] = {"status": "available", "floors": "1"}
    defaults["price_unit"] = "wan_per_mu" if kind == "plots" else "yuan_per_m2_month"
    if principal.unit_id:
        defaults["park_unit_id"] = principal.unit_id
    return _form_page(request, db, principal, kind, values=defaults)


def _create(request: Request, db: DbSession, principal: PagePrincipal, kind: str, form: RequestForm) -> Response:
    values = _text(form)
    try:
        data = validate_form(CREATE[kind], form)
        row = land.create(db, principal, kind, data)
    except Invalid as exc:
        return _form_page(request, db, principal, kind, values=values, errors=exc.errors, status_code=422)
    return go(request, f"/{kind}/{row.id}?saved=1")


def _edit(request: Request, db: DbSession, principal: PagePrincipal, kind: str, row_id: int) -> Response:
    row = land.get_for_write(db, principal, kind, row_id)
    values = {name: getattr(row, name) for name in UPDATE[kind].model_fields if hasattr(row, name)}
    values = {k: (v.value if hasattr(v, "value") else ("" if v is None else v)) for k, v in values.items()}
    return _form_page(request, db, principal, kind, row, values=values)


def _save(
    request: Request, db: DbSession, principal: PagePrincipal, kind: str, row_id: int, form: RequestForm
) -> Response:
    row = land.get_for_write(db, principal, kind, row_id)
    values = _text(form)
    try:
        data = validate_form(UPDATE[kind], form)
        land.update(db, principal, kind, row_id, data)
    except Invalid as exc:
        return _form_page(request, db, principal, kind, row, values=values, errors=exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = row.version
        return _form_page(request, db, principal, kind, row, values=values, conflict=exc.details, status_code=409)
    return go(request, f"/{kind}/{row_id}?saved=1")


@router.get("/plots/new")
def plot_new(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return _new(request, db, principal, "plots")


@router.get("/buildings/new")
def building_new(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return _new(request, db, principal, "buildings")


@router.post("/plots")
def plot_create(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    return _create(request, db, principal, "plots", form)


@router.post("/buildings")
def building_create(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    return _create(request, db, principal, "buildings", form)


@router.get("/plots/{plot_id}/edit")
def plot_edit(request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdPath) -> Response:
    return _edit(request, db, principal, "plots", plot_id)


@router.get("/buildings/{building_id}/edit")
def building_edit(request: Request, db: DbSession, principal: PagePrincipal, building_id: IdPath) -> Response:
    return _edit(request, db, principal, "buildings", building_id)


@router.post("/plots/{plot_id}/edit")
def plot_save(
    request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdPath, form: RequestForm
) -> Response:
    return _save(request, db, principal, "plots", plot_id, form)


@router.post("/buildings/{building_id}/edit")
def building_save(
    request: Request, db: DbSession, principal: PagePrincipal, building_id: IdPath, form: RequestForm
) -> Response:
    return _save(request, db, principal, "buildings", building_id, form)


# --- one plot or building: status, take, release, photos -----------------------------------------


def _detail(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    kind: str,
    row_id: int,
    *,
    failed: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    shown = land.one_row(db, principal, kind, row_id)
    row = shown.item
    moves: Any = land.PLOT_MOVES if kind == "plots" else land.BUILDING_MOVES
    takeable = land.PLOT_TAKEABLE if kind == "plots" else {BuildingStatus.available}
    taken = land.PLOT_TAKEN if kind == "plots" else {BuildingStatus.in_use}
    return render(
        request,
        "land/detail.html",
        {
            "kind": kind,
            "row": row,
            "shown": shown,
            "photos": land.photos_of(db, kind, row.id),
            "can_write": land.can_write(principal, row),
            "condition_now": land.condition_of(db, principal, row) if kind == "plots" and shown.project_id else None,
            "condition_options": _condition_options(db, principal, row) if kind == "plots" and shown.project_id else [],
            "moves": [(s.value, s.label) for s in land.status_enum(kind) if s in moves[row.status]],
            "takeable": row.status in takeable and row.project_id is None,
            "taken": row.status in taken,
            "failed": failed,
            "values": values or {},
            "errors": errors or {},
            "conflict": conflict,
            "today": workdays.today(),
            **OPTIONS,
        },
        status_code=status_code,
    )


@router.get("/plots/{plot_id}")
@reads_only
def plot_detail(request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdPath) -> Response:
    return _detail(request, db, principal, "plots", plot_id)


@router.get("/buildings/{building_id}")
@reads_only
def building_detail(request: Request, db: DbSession, principal: PagePrincipal, building_id: IdPath) -> Response:
    return _detail(request, db, principal, "buildings", building_id)


def _action(
    request: Request, db: DbSession, principal: PagePrincipal, kind: str, row_id: int, form: RequestForm, action: str
) -> Response:
    row = land.get_for_write(db, principal, kind, row_id)  # refused before the form is read
    values = _text(form)
    back = values.get("back", "")
    try:
        if action == "status":
            land.change_status(db, principal, kind, row_id, validate_form(StatusChange, form, ignore=["back"]))
        elif action == "take":
            land.take(db, principal, kind, row_id, validate_form(Take, form, ignore=["back"]))
        elif action == "condition":
            land.set_condition(db, principal, row_id, validate_form(ConditionIn, form, ignore=["back"]))
        else:
            land.release(db, principal, kind, row_id, validate_form(Release, form, ignore=["back"]))
    except Invalid as exc:
        return _detail(
            request, db, principal, kind, row_id, failed=action, values=values, errors=exc.errors, status_code=422
        )
    except Conflict as exc:
        values["version"] = row.version
        return _detail(
            request, db, principal, kind, row_id, failed=action, values=values, conflict=exc.details, status_code=409
        )
    safe_back = back if back.startswith("/projects/") and "//" not in back else ""
    return go(request, safe_back or f"/{kind}/{row_id}?saved={action}")


def _condition_options(db: DbSession, principal: PagePrincipal, plot: Any) -> list[tuple[int, str]]:
    if not land.can_write(principal, plot):
        return []
    project = db.get(Project, plot.project_id)
    return agreements.condition_options(db, principal, project) if project is not None else []


@router.post("/plots/{plot_id}/condition")
def plot_condition(
    request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdPath, form: RequestForm
) -> Response:
    return _action(request, db, principal, "plots", plot_id, form, "condition")


@router.post("/plots/{plot_id}/status")
def plot_status(
    request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdPath, form: RequestForm
) -> Response:
    return _action(request, db, principal, "plots", plot_id, form, "status")


@router.post("/buildings/{building_id}/status")
def building_status(
    request: Request, db: DbSession, principal: PagePrincipal, building_id: IdPath, form: RequestForm
) -> Response:
    return _action(request, db, principal, "buildings", building_id, form, "status")


@router.post("/plots/{plot_id}/take")
def plot_take(
    request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdPath, form: RequestForm
) -> Response:
    return _action(request, db, principal, "plots", plot_id, form, "take")


@router.post("/buildings/{building_id}/take")
def building_take(
    request: Request, db: DbSession, principal: PagePrincipal, building_id: IdPath, form: RequestForm
) -> Response:
    return _action(request, db, principal, "buildings", building_id, form, "take")


@router.post("/plots/{plot_id}/release")
def plot_release(
    request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdPath, form: RequestForm
) -> Response:
    return _action(request, db, principal, "plots", plot_id, form, "release")


@router.post("/buildings/{building_id}/release")
def building_release(
    request: Request, db: DbSession, principal: PagePrincipal, building_id: IdPath, form: RequestForm
) -> Response:
    return _action(request, db, principal, "buildings", building_id, form, "release")


def _photos(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    kind: str,
    row_id: int,
    form: RequestForm,
) -> Response:
    land.get_for_write(db, principal, kind, row_id)
    try:
        prepared, names = _uploads(form, "photos", settings, keep_position=False, allow_documents=False)
        land.add_photos(db, principal, kind, row_id, prepared, names)
    except Invalid as exc:
        return _detail(request, db, principal, kind, row_id, failed="photos", errors=exc.errors, status_code=422)
    _keep(db, settings, prepared)
    return go(request, f"/{kind}/{row_id}?saved=photos")


@router.post("/plots/{plot_id}/photos")
def plot_photos(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, plot_id: IdPath, form: RequestForm
) -> Response:
    return _photos(request, db, principal, settings, "plots", plot_id, form)


@router.post("/buildings/{building_id}/photos")
def building_photos(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    building_id: IdPath,
    form: RequestForm,
) -> Response:
    return _photos(request, db, principal, settings, "buildings", building_id, form)


@router.get("/carrier-photos/{photo_id}")
@reads_only
def photo_file(db: DbSession, principal: PagePrincipal, settings: SettingsDep, photo_id: IdPath) -> Response:
    photo = land.get_photo(db, photo_id)
    suffix = ".jpg" if photo.kind == "photo" else ".pdf"
    return Response(
        file_store.read(settings.files_dir, photo.storage_key),
        media_type=photo.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": f'inline; filename="carrier-{photo.id}{suffix}"',
        },
    )


# --- matching a project's land need --------------------------------------------------------------


@router.get("/projects/{project_id}/land-match")
@reads_only
def land_match(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    project = projects.get(db, principal, project_id)
    sent = {k: v for k, v in request.query_params.items() if k in MatchNeed.model_fields and v != ""}
    errors: dict[str, str] = {}
    try:
        need = land.need_of(db, principal, project_id, validate_form(MatchNeed, sent) if sent else None)
        found = land.match(db, principal, project_id, need)
    except Invalid as exc:
        errors, need, found = exc.errors, MatchNeed(), []
    return render(
        request,
        "land/match.html",
        {
            "project": project,
            "name": projects.display_name(principal, project),
            "need": need,
            "sent": sent,
            "found": found,
            "errors": errors,
            "parks": land.parks(db),
            **OPTIONS,
        },
        block="results",
        status_code=422 if errors else 200,
    )


# --- reports -------------------------------------------------------------------------------------


def _by(by: str) -> str:
    return by if by in ("park", "unit") else "park"


@router.get("/land/report")
@reads_only
def land_report(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    by: Annotated[str, Query(max_length=10, pattern=PLAIN_TEXT_PATTERN)] = "park",
    offset: OffsetQuery = 0,
) -> Response:
    rows, count, totals = land.land_report(db, _by(by), limit=PAGE, offset=offset)
    return render(
        request,
        "land/report.html",
        {
            "rows": rows,
            "count": count,
            "totals": totals,
            "by": _by(by),
            "offset": offset,
            "page_size": PAGE,
            "statuses": land.REPORT_STATUSES,
        },
    )


@router.get("/land/report.xlsx")
def land_report_xlsx(
    db: DbSession,
    principal: PagePrincipal,
    by: Annotated[str, Query(max_length=10, pattern=PLAIN_TEXT_PATTERN)] = "park",
) -> Response:
    rows, _count, _totals = land.land_report(db, _by(by), limit=10_000)
    title = "闲置和批而未供土地（按园区）" if _by(by) == "park" else "闲置和批而未供土地（按单位）"
    body = export.xlsx(
        title,
        land.report_headers(_by(by)),
        (land.report_cells(r) for r in rows),
        number_formats={i: "#,##0.00" for i in range(5, 9)},
    )
    return Response(
        body,
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition(f"{title}.xlsx")},
    )


# --- land quota ----------------------------------------------------------------------------------


def _quotas_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    *,
    year: int | None,
    offset: int = 0,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows, total, area = land.list_quotas(db, year=year, limit=PAGE, offset=offset)
    defaults = {"year": workdays.today().year, "won_on": workdays.today().isoformat()}
    if principal.unit_id:
        defaults["unit_id"] = principal.unit_id
    return render(
        request,
        "land/quotas.html",
        {
            "rows": rows,
            "total": total,
            "area": area,
            "year": year,
            "offset": offset,
            "page_size": PAGE,
            "values": values or defaults,
            "errors": errors or {},
            "can_add": principal.can_write and principal.role.value in ("coordinator", "unit_staff"),
            "unit_options": land.unit_options(db),
            "idempotency_key": uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/land-quotas")
@reads_only
def quotas(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    offset: OffsetQuery = 0,
) -> Response:
    return _quotas_page(request, db, principal, year=year, offset=offset)


@router.post("/land-quotas")
def quota_add(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    values = _text(form)
    try:
        land.add_quota(db, principal, validate_form(QuotaCreate, form))
    except Invalid as exc:
        return _quotas_page(request, db, principal, year=None, values=values, errors=exc.errors, status_code=422)
    return go(request, "/land-quotas?saved=1")


def _quota_form(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    quota_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    row = land.get_quota(db, quota_id)
    if values is None:
        values = {n: getattr(row, n) for n in QuotaUpdate.model_fields}
    return render(
        request,
        "land/quota_edit.html",
        {
            "row": row,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "unit_options": land.unit_options(db),
        },
        status_code=status_code,
    )


@router.get("/land-quotas/{quota_id}/edit")
def quota_edit(request: Request, db: DbSession, principal: PagePrincipal, quota_id: IdPath) -> Response:
    return _quota_form(request, db, principal, quota_id)


@router.post("/land-quotas/{quota_id}/edit")
def quota_save(
    request: Request, db: DbSession, principal: PagePrincipal, quota_id: IdPath, form: RequestForm
) -> Response:
    row = land.get_quota(db, quota_id)
    values = _text(form)
    try:
        land.update_quota(db, principal, quota_id, validate_form(QuotaUpdate, form))
    except Invalid as exc:
        return _quota_form(request, db, principal, quota_id, values=values, errors=exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = row.version
        return _quota_form(request, db, principal, quota_id, values=values, conflict=exc.details, status_code=409)
    return go(request, "/land-quotas?saved=1")


@router.get("/land-quotas.xlsx")
def quotas_xlsx(
    db: DbSession, principal: PagePrincipal, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> Response:
    rows, _total, _area = land.list_quotas(db, year=year, limit=100_000)
    body = export.xlsx(
        "用地指标",
        ["年度", "单位", "指标（亩）", "来源", "批复日期", "佐证", "备注"],
        ((q.year, unit, q.area_mu, q.source, q.won_on, q.evidence, q.note) for q, unit in rows),
        number_formats={3: "#,##0.00"},
    )
    return Response(
        body, media_type=export.XLSX_TYPE, headers={"Content-Disposition": export.content_disposition("用地指标.xlsx")}
    )
