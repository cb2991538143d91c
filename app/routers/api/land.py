"""Land and buildings for investors (载体资源) over the API: plots, buildings, their status, take and release,
photos, matching a project's land need, and the land quota won. The pages call the same services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.deps import ApiIdempotency, ApiPrincipal, DbSession, SettingsDep
from app.errors import Invalid
from app.models.land import BuildingKind, LandUse
from app.routing import IndexedRouter, reads_only
from app.schemas.agreements import ConditionIn
from app.schemas.common import Page, json_response, multipart_example
from app.schemas.land import (
    BuildingCreate,
    BuildingRead,
    BuildingUpdate,
    MatchNeed,
    MatchRead,
    PhotoRead,
    PlotCreate,
    PlotRead,
    PlotUpdate,
    QuotaCreate,
    QuotaRead,
    QuotaUpdate,
    Release,
    StatusChange,
    Take,
)
from app.services import agreements, land
from app.services import files as file_store

router = IndexedRouter(tags=["载体资源"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
READ: dict[str, Any] = {"plots": PlotRead, "buildings": BuildingRead}


def _read(db: DbSession, principal: ApiPrincipal, kind: str, row: land.Row, photos: bool = False) -> Any:
    c = row.item
    data = {name: getattr(c, name) for name in READ[kind].model_fields if hasattr(c, name)}
    data.update(
        park_name=row.park_name,
        unit_name=row.unit_name,
        status=c.status.value,
        status_label=c.status.label,
        project_id=row.project_id,
        project_name=row.project_name,
        photos=[PhotoRead.model_validate(p) for p in land.photos_of(db, kind, c.id)] if photos else [],
    )
    if kind == "plots":
        readable = row.project_id is not None
        data.update(
            commitment_id=c.commitment_id if readable else None,
            condition=agreements.condition_read(land.condition_of(db, principal, c)) if readable and photos else None,
        )
    return READ[kind].model_validate(data)


def _one(db: DbSession, principal: ApiPrincipal, kind: str, row_id: int) -> Response:
    return json_response(_read(db, principal, kind, land.one_row(db, principal, kind, row_id), photos=True))


def _list(db: DbSession, principal: ApiPrincipal, kind: str, f: land.CarrierFilter, limit: int, offset: int) -> Any:
    rows, total, _area = land.list_rows(db, principal, kind, f, limit=limit, offset=offset)
    return {"items": [_read(db, principal, kind, r) for r in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/plots", summary="地块清单：按状态、园区、用途、编号或名称筛选", response_model=Page[PlotRead])
@reads_only
def list_plots(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 20,
    offset: Offset = 0,
    status: Annotated[str, Query(max_length=20, description="状态")] = "",
    park_unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="管理单位")] = None,
    land_use: LandUse | None = None,
    q: Annotated[str, Query(max_length=50)] = "",
) -> Any:
    f = land.CarrierFilter(status, park_unit_id, unit_id, land_use.value if land_use else "", "", q)
    return Page[PlotRead].model_validate(_list(db, principal, "plots", f, limit, offset))


@router.get("/buildings", summary="厂房楼宇清单：按状态、园区、类别筛选", response_model=Page[BuildingRead])
@reads_only
def list_buildings(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 20,
    offset: Offset = 0,
    status: Annotated[str, Query(max_length=20, description="状态")] = "",
    park_unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="管理单位")] = None,
    kind: BuildingKind | None = None,
    q: Annotated[str, Query(max_length=50)] = "",
) -> Any:
    f = land.CarrierFilter(status, park_unit_id, unit_id, "", kind.value if kind else "", q)
    return Page[BuildingRead].model_validate(_list(db, principal, "buildings", f, limit, offset))


@router.post("/plots", status_code=201, summary="登记地块", responses={201: {"model": PlotRead}})
def create_plot(body: PlotCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = land.create(db, principal, "plots", body)
    return guard.finish(json_response(_read(db, principal, "plots", land.one_row(db, principal, "plots", row.id)), 201))


@router.post("/buildings", status_code=201, summary="登记厂房楼宇", responses={201: {"model": BuildingRead}})
def create_building(body: BuildingCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = land.create(db, principal, "buildings", body)
    shown = land.one_row(db, principal, "buildings", row.id)
    return guard.finish(json_response(_read(db, principal, "buildings", shown), 201))


@router.get("/plots/{plot_id}", summary="地块详情（含照片）", response_model=PlotRead)
@reads_only
def get_plot(plot_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return _one(db, principal, "plots", plot_id)


@router.get("/buildings/{building_id}", summary="厂房楼宇详情（含照片）", response_model=BuildingRead)
@reads_only
def get_building(building_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return _one(db, principal, "buildings", building_id)


@router.put("/plots/{plot_id}", summary="修改地块（需带 version；过期返回 409）", response_model=PlotRead)
def update_plot(plot_id: IdPath, body: PlotUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    land.update(db, principal, "plots", plot_id, body)
    return _one(db, principal, "plots", plot_id)


@router.put("/buildings/{building_id}", summary="修改厂房楼宇（需带 version）", response_model=BuildingRead)
def update_building(building_id: IdPath, body: BuildingUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    land.update(db, principal, "buildings", building_id, body)
    return _one(db, principal, "buildings", building_id)


@router.post(
    "/plots/{plot_id}/status",
    summary="地块状态变更：规划、批而未供、可供之间，或供而未用、闲置、在用之间（原因记入审计）",
    response_model=PlotRead,
)
def plot_status(plot_id: IdPath, body: StatusChange, principal: ApiPrincipal, db: DbSession) -> Response:
    land.change_status(db, principal, "plots", plot_id, body)
    return _one(db, principal, "plots", plot_id)


@router.post("/buildings/{building_id}/status", summary="楼宇状态变更：在建、可供之间", response_model=BuildingRead)
def building_status(building_id: IdPath, body: StatusChange, principal: ApiPrincipal, db: DbSession) -> Response:
    land.change_status(db, principal, "buildings", building_id, body)
    return _one(db, principal, "buildings", building_id)


@router.post("/plots/{plot_id}/take", summary="项目取得地块（可供或批而未供 → 供而未用）", response_model=PlotRead)
def plot_take(plot_id: IdPath, body: Take, principal: ApiPrincipal, db: DbSession) -> Response:
    land.take(db, principal, "plots", plot_id, body)
    return _one(db, principal, "plots", plot_id)


@router.post("/buildings/{building_id}/take", summary="项目入驻楼宇（可供 → 已入驻）", response_model=BuildingRead)
def building_take(building_id: IdPath, body: Take, principal: ApiPrincipal, db: DbSession) -> Response:
    land.take(db, principal, "buildings", building_id, body)
    return _one(db, principal, "buildings", building_id)


@router.post("/plots/{plot_id}/release", summary="收回地块为可供（须说明原因，记入审计）", response_model=PlotRead)
def plot_release(plot_id: IdPath, body: Release, principal: ApiPrincipal, db: DbSession) -> Response:
    land.release(db, principal, "plots", plot_id, body)
    return _one(db, principal, "plots", plot_id)


@router.put(
    "/plots/{plot_id}/condition",
    summary="地价优惠所附条件：关联取得项目投资协议中的一项承诺事项，或解除（commitment_id 为空）；需带 version",
    response_model=PlotRead,
)
def plot_condition(plot_id: IdPath, body: ConditionIn, principal: ApiPrincipal, db: DbSession) -> Response:
    land.set_condition(db, principal, plot_id, body)
    return _one(db, principal, "plots", plot_id)


@router.post("/buildings/{building_id}/release", summary="收回楼宇为可供（须说明原因）", response_model=BuildingRead)
def building_release(building_id: IdPath, body: Release, principal: ApiPrincipal, db: DbSession) -> Response:
    land.release(db, principal, "buildings", building_id, body)
    return _one(db, principal, "buildings", building_id)


async def _upload(
    principal: ApiPrincipal, db: DbSession, settings: SettingsDep, kind: str, row_id: int, files: list[UploadFile]
) -> Response:
    await run_in_threadpool(lambda: db.expire(land.get_for_write(db, principal, kind, row_id)))
    if len(files) > 10:
        raise Invalid({"files": "一次最多上传 10 个文件"})
    prepared, names = [], []
    for index, upload in enumerate(files):
        data = await upload.read(settings.max_file_bytes + 1)
        prepared.append(
            await run_in_threadpool(
                file_store.prepare_upload,
                data,
                field=f"files.{index}",
                max_bytes=settings.max_file_bytes,
                max_side=settings.photo_max_side,
                keep_position=False,
                allow_documents=False,
            )
        )
        names.append(upload.filename or "")
    rows = await run_in_threadpool(land.add_photos, db, principal, kind, row_id, prepared, names)
    await run_in_threadpool(file_store.store, db, settings.files_dir, prepared)
    return JSONResponse([PhotoRead.model_validate(p).model_dump(mode="json") for p in rows], status_code=201)


@router.post(
    "/plots/{plot_id}/photos",
    status_code=201,
    summary="上传地块照片（JPEG、PNG、WebP）",
    responses={201: {"model": list[PhotoRead]}},
    openapi_extra=multipart_example("地块现场照片", {"files": ["地块-东侧.jpg"]}),
)
async def plot_photos(
    plot_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File(description="照片")],
) -> Response:
    return await _upload(principal, db, settings, "plots", plot_id, files)


@router.post(
    "/buildings/{building_id}/photos",
    status_code=201,
    summary="上传楼宇照片（JPEG、PNG、WebP）",
    responses={201: {"model": list[PhotoRead]}},
    openapi_extra=multipart_example("厂房外立面照片", {"files": ["厂房-南立面.jpg"]}),
)
async def building_photos(
    building_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File(description="照片")],
) -> Response:
    return await _upload(principal, db, settings, "buildings", building_id, files)


@router.get(
    "/projects/{project_id}/land-match",
    summary="为项目匹配可供地块：按用地需求（亩、园区、用途；不填取项目自身）排序",
    response_model=list[MatchRead],
)
@reads_only
def land_match(
    project_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    area_mu: Annotated[str, Query(max_length=20, pattern=r"^([0-9]{1,10}(\.[0-9]{1,2})?)?$")] = "",
    park_unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    land_use: LandUse | None = None,
) -> Any:
    sent: dict[str, Any] = {}
    if area_mu:
        sent["area_mu"] = area_mu
    if park_unit_id:
        sent["park_unit_id"] = park_unit_id
    if land_use:
        sent["land_use"] = land_use
    need = land.need_of(db, principal, project_id, MatchNeed.model_validate(sent) if sent else None)
    found = land.match(db, principal, project_id, need)
    return [MatchRead(plot=_read(db, principal, "plots", m.row), score=m.score, reasons=m.reasons) for m in found]


# --- land quota ----------------------------------------------------------------------------------


def _quota(row: Any, unit_name: str) -> QuotaRead:
    return QuotaRead.model_validate(
        {**{n: getattr(row, n) for n in QuotaRead.model_fields if n != "unit_name"}, "unit_name": unit_name}
    )


@router.get("/land-quotas", summary="用地指标：按年度、单位筛选", response_model=Page[QuotaRead])
@reads_only
def list_quotas(
    principal: ApiPrincipal,
    db: DbSession,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Any:
    rows, total, _area = land.list_quotas(db, year=year, unit_id=unit_id, limit=limit, offset=offset)
    return Page[QuotaRead](items=[_quota(q, u) for q, u in rows], total=total, limit=limit, offset=offset)


@router.post(
    "/land-quotas",
    status_code=201,
    summary="登记争取到的用地指标（可带 Idempotency-Key）",
    responses={201: {"model": QuotaRead}},
)
def add_quota(body: QuotaCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = land.add_quota(db, principal, body)
    unit_name = dict(land.unit_options(db)).get(row.unit_id, "")
    return guard.finish(json_response(_quota(row, unit_name), 201))


@router.put("/land-quotas/{quota_id}", summary="修改用地指标（需带 version）", response_model=QuotaRead)
def update_quota(quota_id: IdPath, body: QuotaUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    row = land.update_quota(db, principal, quota_id, body)
    return json_response(_quota(row, dict(land.unit_options(db)).get(row.unit_id, "")))
