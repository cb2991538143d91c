"""The map's pages (招商地图): /map with its filters, the points in view as JSON for the page's script
(app/static/map.js), a point's card (an htmx fragment, or a page of its own), the coordinator's layers
(/map/layers), and setting where a project, plot, building or park is by a tap (/…/{id}/location). The
API (app/routers/api/maps.py) calls the same services."""

from __future__ import annotations

import functools
import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from app.config import Settings
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid
from app.models.land import BuildingStatus, PlotStatus
from app.models.project import Stage
from app.routing import IndexedRouter, reads_only
from app.schemas.common import validate_form
from app.schemas.maps import LocationSet
from app.services import chains, geo, land, maps, projects
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Kind = Literal["project", "plot", "building", "park"]
CHINA = (73.4, 18.0, 135.1, 53.6)  # where the map opens with nothing to show (west, south, east, north)
RECORD_URL = {
    "project": "/projects/{}",
    "plot": "/plots/{}",
    "building": "/buildings/{}",
    "park": "/plots?park_unit_id={}",
}


def _tiles(settings: Settings) -> dict[str, str]:
    """The tile service for the page's script: its URL with the key filled in, or nothing at all."""
    url = settings.map_tile_url.replace("{key}", settings.map_tile_key)
    return {
        "url": url,
        "subdomains": settings.map_tile_subdomains,
        "attribution": settings.map_tile_attribution,
        "crs": settings.map_crs,
    }


def _bounds_text(box: tuple[float, float, float, float] | None, crs: str) -> str:
    w, s, e, n = box or CHINA
    s, w = geo.to_display(s, w, crs)
    n, e = geo.to_display(n, e, crs)
    return f"{w:.6f},{s:.6f},{e:.6f},{n:.6f}"


def _layer_urls(db: DbSession) -> str:
    return json.dumps([f"/map/layers/{layer.id}/geojson" for layer in maps.layers(db)])


def _map_context(db: DbSession, principal: PagePrincipal, settings: Settings) -> dict[str, Any]:
    crs = settings.map_crs
    box = maps.view_of_layers(db) or maps.view_of_points(db, principal)
    return {"tiles": _tiles(settings), "bounds": _bounds_text(box, crs), "layer_urls": _layer_urls(db)}


# --- the map -------------------------------------------------------------------------------------


def _filters(params: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The filters as typed (to show them again) and their errors."""
    values = {k: params.get(k, "")[:60].strip() for k in ("kind", "chain", "unit_id", "signed_from", "signed_to")}
    values["colour"] = "warning" if params.get("colour") == "warning" else "stage"
    errors: dict[str, str] = {}
    if values["unit_id"] and not (values["unit_id"].isdigit() and len(values["unit_id"]) < 10):
        errors["unit_id"] = "请选择单位"
    for name in ("signed_from", "signed_to"):
        try:
            date.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            errors[name] = "日期格式应为 YYYY-MM-DD"
    if values["kind"] and values["kind"] not in maps.KINDS:
        errors["kind"] = "请选择类别"
    return values, errors


@router.get("/map")
@reads_only
def map_page(request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep) -> Response:
    values, errors = _filters(request.query_params)
    return render(
        request,
        "map/map.html",
        {
            **_map_context(db, principal, settings),
            "values": values,
            "errors": errors,
            "kind_options": list(maps.KIND_LABELS.items()),
            "unit_options": land.unit_options(db),
            "chain_options": [(name, name) for name in chains.chain_names(db)],
            "stages": [(s.value, s.label) for s in Stage],
            "plot_statuses": [(s.value, s.label) for s in PlotStatus],
            "building_statuses": [(s.value, s.label) for s in BuildingStatus],
            "can_upload": principal.is_coordinator and principal.can_write,
        },
        status_code=422 if errors else 200,
    )


@router.get("/map/points")
@reads_only
def map_points(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    bbox: Annotated[str, Query(max_length=100)],
    zoom: Annotated[int, Query(ge=0, le=maps.MAX_ZOOM)],
    kind: Annotated[str, Query(max_length=40)] = "",
    chain: Annotated[str, Query(max_length=60)] = "",
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    signed_from: date | None = None,
    signed_to: date | None = None,
) -> Response:
    """The points in view for the page's script (JSON): `maps.points` in the map's own coordinates."""
    try:
        view = maps.View(
            *maps.parse_bbox(bbox),
            zoom=zoom,
            kinds=maps.parse_kinds(kind),
            chain=chain.strip(),
            unit_id=unit_id,
            signed_from=signed_from,
            signed_to=signed_to,
            crs=settings.map_crs,
        )
        answer = maps.points(db, principal, view)
    except Invalid as exc:
        return JSONResponse({"errors": exc.errors}, status_code=422)
    return JSONResponse({"points": answer.points, "clusters": answer.clusters, "crs": answer.crs})


@router.get("/map/card/{point_kind}/{point_id}")
@reads_only
def map_card(request: Request, db: DbSession, principal: PagePrincipal, point_kind: Kind, point_id: IdPath) -> Response:
    """A tapped point's card: the fragment the map shows beside itself, or a page of its own."""
    found = maps.card(db, principal, point_kind, point_id)
    return render(request, "map/card.html", {"card": found}, block="card")


@router.get("/map/layers/{layer_id}/geojson")
@reads_only
def layer_geojson(db: DbSession, principal: PagePrincipal, settings: SettingsDep, layer_id: IdPath) -> Response:
    return JSONResponse(
        maps.layer_geojson(db, layer_id, settings.map_crs),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, no-cache"},
    )


# --- the coordinator's layers ------------------------------------------------------------------------


def _layers_page(
    request: Request,
    db: DbSession,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    failed: int | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "map/layers.html",
        {
            "layers": maps.layers(db),
            "values": values or {},
            "errors": errors or {},
            "failed": failed,
            "conflict": conflict,
        },
        status_code=status_code,
    )


def _ensure_uploader(principal: PagePrincipal) -> None:
    if not (principal.is_coordinator and principal.can_write):
        from app import policy

        raise policy.DeniedForbidden("只有招商局可以管理地图边界")


def _file(form: Any) -> bytes:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return b""
    data: bytes = upload.file.read(maps.MAX_LAYER_BYTES + 1)
    return data


@router.get("/map/layers")
def layers_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    _ensure_uploader(principal)
    return _layers_page(request, db, values={"sort_order": "0"})


@router.post("/map/layers")
def layer_add(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    _ensure_uploader(principal)  # before reading the form: a refused form is never echoed back
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    order = values.get("sort_order", "0").strip() or "0"
    try:
        if not order.isdigit() or int(order) > 1000:
            raise Invalid({"sort_order": "绘制顺序应为 0 到 1000 的整数"})
        maps.add_layer(db, principal, values.get("name", ""), _file(form), int(order))
    except Invalid as exc:
        return _layers_page(request, db, values=values, errors=exc.errors, status_code=422)
    return guard.finish(go(request, "/map/layers?saved=1"))


@router.post("/map/layers/{layer_id}/replace")
def layer_replace(
    request: Request, db: DbSession, principal: PagePrincipal, layer_id: IdPath, form: RequestForm
) -> Response:
    _ensure_uploader(principal)
    maps.get_layer(db, layer_id)
    version = str(form.get("version", ""))
    try:
        if not version.isdigit():
            raise Invalid({"file": "缺少版本号，请刷新页面后重试"})
        maps.replace_layer(db, principal, layer_id, int(version), _file(form))
    except Invalid as exc:
        return _layers_page(request, db, errors=exc.errors, failed=layer_id, status_code=422)
    except Conflict as exc:
        return _layers_page(request, db, failed=layer_id, conflict=exc.details, status_code=409)
    return go(request, "/map/layers?saved=1")


@router.post("/map/layers/{layer_id}/delete")
def layer_delete(
    request: Request, db: DbSession, principal: PagePrincipal, layer_id: IdPath, form: RequestForm
) -> Response:
    _ensure_uploader(principal)
    maps.get_layer(db, layer_id)
    version = str(form.get("version", ""))
    try:
        maps.delete_layer(db, principal, layer_id, int(version) if version.isdigit() else 0)
    except Conflict as exc:
        return _layers_page(request, db, failed=layer_id, conflict=exc.details, status_code=409)
    return go(request, "/map/layers?deleted=1")


# --- setting where a record is ---------------------------------------------------------------------


def _location_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: Settings,
    kind: str,
    row: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    crs = settings.map_crs
    if values is None:
        values = {"version": row.version, "latitude": "", "longitude": ""}
        if row.latitude is not None:
            lat, lng = geo.to_display(float(row.latitude), float(row.longitude), crs)
            values.update(latitude=f"{lat:.6f}", longitude=f"{lng:.6f}")
    box = maps.view_of_layers(db) or maps.view_of_points(db, principal)
    name = projects.display_name(principal, row) if kind == "project" else getattr(row, "name", "")
    return render(
        request,
        "map/location.html",
        {
            "tiles": _tiles(settings),
            "bounds": _bounds_text(box, crs),
            "layer_urls": _layer_urls(db),
            "kind": kind,
            "kind_label": maps.KIND_LABELS[kind],
            "row": row,
            "name": name,
            "back": RECORD_URL[kind].format(row.id),
            "action": request.url.path,
            "note": maps.located_note(row) if kind == "project" else "",
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "crs": crs,
        },
        status_code=status_code,
    )


def _location_form(
    request: Request, db: DbSession, principal: PagePrincipal, settings: Settings, kind: str, row_id: int
) -> Response:
    return _location_page(request, db, principal, settings, kind, maps.located(db, principal, kind, row_id))


def _location_save(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: Settings,
    kind: str,
    row_id: int,
    form: RequestForm,
) -> Response:
    row = maps.located(db, principal, kind, row_id)  # refused before the form is read
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    again = functools.partial(_location_page, request, db, principal, settings, kind, row, values=values)
    try:
        data = validate_form(LocationSet, form)
        maps.set_location(db, principal, kind, row_id, data)
    except Invalid as exc:
        return again(errors=exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = str(row.version)
        return again(conflict=exc.details, status_code=409)
    back = RECORD_URL[kind].format(row_id)
    return go(request, back + ("&" if "?" in back else "?") + "located=1")


@router.get("/projects/{project_id}/location")
def project_location(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, project_id: IdPath
) -> Response:
    return _location_form(request, db, principal, settings, "project", project_id)


@router.post("/projects/{project_id}/location")
def project_location_save(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    project_id: IdPath,
    form: RequestForm,
) -> Response:
    return _location_save(request, db, principal, settings, "project", project_id, form)


@router.get("/plots/{plot_id}/location")
def plot_location(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, plot_id: IdPath
) -> Response:
    return _location_form(request, db, principal, settings, "plot", plot_id)


@router.post("/plots/{plot_id}/location")
def plot_location_save(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, plot_id: IdPath, form: RequestForm
) -> Response:
    return _location_save(request, db, principal, settings, "plot", plot_id, form)


@router.get("/buildings/{building_id}/location")
def building_location(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, building_id: IdPath
) -> Response:
    return _location_form(request, db, principal, settings, "building", building_id)


@router.post("/buildings/{building_id}/location")
def building_location_save(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    building_id: IdPath,
    form: RequestForm,
) -> Response:
    return _location_save(request, db, principal, settings, "building", building_id, form)


@router.get("/parks/{park_id}/location")
def park_location(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, park_id: IdPath
) -> Response:
    return _location_form(request, db, principal, settings, "park", park_id)


@router.post("/parks/{park_id}/location")
def park_location_save(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, park_id: IdPath, form: RequestForm
) -> Response:
    return _location_save(request, db, principal, settings, "park", park_id, form)
