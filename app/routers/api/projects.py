"""Projects, their funds ledger, progress updates and evidence files over the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.deps import ApiIdempotency, ApiPrincipal, DbSession, SettingsDep
from app.errors import Invalid, NotFound
from app.models.investor import InvestorType
from app.models.project import Category, ProjectStatus, Sector, SizeBand, Stage
from app.models.quality import EnergyClass, EnvClass, TechLevel
from app.routing import IndexedRouter, reads_only
from app.schemas.changes import UpdatedSince, aware
from app.schemas.common import Page, json_response, multipart_example, page_serializer, stated
from app.schemas.projects import (
    AnomalyClear,
    AnomalyRead,
    AttachmentRead,
    FundsCreate,
    FundsRead,
    FundsReversal,
    ProgressCreate,
    ProgressRead,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    StageChange,
)
from app.services import files as file_store
from app.services import projects, stage_gate
from app.services.projects import ProjectFilter

router = IndexedRouter(prefix="/projects", tags=["项目"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _read(principal: Any, project: Any, t: projects.Thresholds, db: DbSession | None = None) -> ProjectRead:
    # a plain row (the project by id) as a dict, its columns named once: validated in half the time
    # of its attributes
    data = ProjectRead.model_validate(
        dict(zip(projects.ROW_KEYS, project, strict=False)) if isinstance(project, Row) else project
    )
    data.flags = projects.flags(project, t)
    if db is not None and getattr(project, "open_anomalies", None) != 0:  # one project: its open anomalies in full
        found = stage_gate.list_for(db, data.id, include_cleared=False)  # (a row counted none: none to read)
        data.anomalies = [AnomalyRead.model_validate(a) for a in found]
        data.open_anomalies = len(data.anomalies)
    shown = projects.view(principal, project)
    if not shown.visible:
        data.name = shown.name
        for name in _WITHHELD:
            setattr(data, name, None)
    return data


_WITHHELD = ("investor_id", "lead_id")  # the lead names the investor and the project
"""What a confidential project's ProjectRead withholds from one who may not see its identity (its
name is shown as its code name)."""
_PAGE = page_serializer(ProjectRead)  # the same bytes as Page[ProjectRead] (tests/core/test_lean_reference.py)
_NO_ANOMALIES: list[Any] = []  # (a list's rows count them and leave them to the project's own answer)


def _list_item(principal: Any, row: Any, t: projects.Thresholds) -> dict[str, Any]:
    """A list row (projects.api_page) as ProjectRead's fields in order, with the same values a
    ProjectRead would hold (the row's are already of its fields' types): no validation needed."""
    item = dict(zip(projects.READ_HEAD, row, strict=False))
    item["flags"] = projects.flags(row, t)
    item["open_anomalies"] = row[projects.API_OPEN_ANOMALIES]
    item["anomalies"] = _NO_ANOMALIES
    item["version"] = row[projects.API_OPEN_ANOMALIES + 1]
    shown = projects.view(principal, row)
    if not shown.visible:
        item["name"] = shown.name
        for name in _WITHHELD:
            item[name] = None
    return item


def _json(status: int, model: Any) -> Response:
    return json_response(model, status)


@router.get("", summary="项目列表：筛选、排序、按名称任意部分查找（与页面相同）", response_model=Page[ProjectRead])
@reads_only
def list_projects(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 50,
    offset: Offset = 0,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="引进或责任单位")] = None,
    stage: Stage | None = None,
    status: ProjectStatus | None = None,
    category: Category | None = None,
    sector: Sector | None = None,
    industry: Annotated[str, Query(max_length=60)] = "",
    industry_chain: Annotated[str, Query(max_length=60)] = "",
    size_band: SizeBand | None = None,
    investor_type: InvestorType | None = None,
    flag: Annotated[
        str,
        Query(
            max_length=30,
            description="预警：" + "、".join(f"{k} {v}" for k, v in projects.FLAG_LABELS.items()) + "；空为不限",
            json_schema_extra=stated(enum=["", *projects.FLAG_LABELS]),
        ),
    ] = "",
    anomaly: Annotated[bool, Query(description="只列有待核查异常标记的项目")] = False,
    date_field: Annotated[str, Query(pattern="^(signed_on|started_on|production_on|stage_since)$")] = "signed_on",
    date_from: date | None = None,
    date_to: date | None = None,
    q: Annotated[str, Query(max_length=100, description="项目或客商名称的任意部分")] = "",
    sort: Annotated[str, Query(pattern="^(" + "|".join(projects.SORTS) + ")$")] = "updated",
    updated_since: UpdatedSince = None,
    tech: Annotated[TechLevel | None, Query(description="科技属性：高新技术企业、专精特新、科技型中小企业")] = None,
    leading: Annotated[str, Query(pattern="^(|0|1)$", description="1 符合主导产业，0 不属于；空为不限")] = "",
    env_class: Annotated[EnvClass | None, Query(description="环保绩效分级")] = None,
    energy_class: Annotated[EnergyClass | None, Query(description="能耗等级")] = None,
) -> Response:
    page = list_json(
        db,
        principal,
        limit=limit,
        offset=offset,
        unit_id=unit_id,
        stage=stage,
        status=status,
        category=category,
        sector=sector,
        industry=industry,
        industry_chain=industry_chain,
        size_band=size_band,
        investor_type=investor_type,
        flag=flag,
        anomaly=anomaly,
        date_field=date_field,
        date_from=date_from,
        date_to=date_to,
        q=q,
        sort=sort,
        updated_since=updated_since,
        tech=tech,
        leading=leading,
        env_class=env_class,
        energy_class=energy_class,
    )
    return Response(page, media_type="application/json")


QUALITY_FILTERS = ("tech", "leading", "env_class", "energy_class")


def list_json(db: Session, principal: Any, *, limit: int, offset: int, updated_since: Any, **filters: Any) -> bytes:
    """The list's answer (Page[ProjectRead] as JSON) for its query parameters' values: the routed
    endpoint's and the fast path's (app.fastpath), one rule for both."""
    quality = {name: filters.pop(name, None) for name in QUALITY_FILTERS}  # app.services.quality
    extra = {k: v.value if hasattr(v, "value") else v for k, v in quality.items() if v}
    f = ProjectFilter(**filters, updated_since=aware(updated_since), extra=extra)
    rows, total, t = projects.api_page(db, principal, f, limit=limit, offset=offset)
    items = [_list_item(principal, row, t) for row in rows]
    return _PAGE.dump_json({"items": items, "total": total, "limit": limit, "offset": offset})


@router.post(
    "",
    status_code=201,
    summary="新建项目，或把线索转为项目（带 lead_id；可带 Idempotency-Key）",
    responses={201: {"model": ProjectRead}},
)
def create_project(body: ProjectCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    project = projects.create(db, principal, body)
    return guard.finish(_json(201, _read(principal, project, projects.thresholds(db), db=db)))


@router.get("/{project_id}", summary="项目详情（含预警）", response_model=ProjectRead)
@reads_only
def get_project(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return Response(project_json(db, principal, project_id), media_type="application/json")


def project_json(db: Session, principal: Any, project_id: int) -> bytes:
    """The project by id's answer (ProjectRead as JSON): the routed endpoint's and the fast path's
    (app.fastpath), one rule for both."""
    project, t = projects.get_with_thresholds(db, principal, project_id)
    return _read(principal, project, t, db=db).model_dump_json().encode()


@router.patch("/{project_id}", summary="修改项目：只改所给字段（需带 version；过期返回 409）")
def update_project(project_id: IdPath, body: ProjectUpdate, principal: ApiPrincipal, db: DbSession) -> ProjectRead:
    return _read(principal, projects.update(db, principal, project_id, body), projects.thresholds(db), db=db)


@router.post("/{project_id}/stage", summary="阶段变化：前进（可跳过）、退回、暂停、恢复、终止（可带 Idempotency-Key）")
def change_stage(
    project_id: IdPath, body: StageChange, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    projects.change_stage(db, principal, project_id, body)
    project = projects.get(db, principal, project_id)
    return guard.finish(_json(200, _read(principal, project, projects.thresholds(db), db=db)))


@router.get(
    "/{project_id}/anomalies", summary="异常标记：一天内推进多个阶段、投产而合同投资为零、许可证号可疑（含已核销）"
)
def list_anomalies(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[AnomalyRead]:
    projects.get(db, principal, project_id)
    return [AnomalyRead.model_validate(a) for a in stage_gate.list_for(db, project_id)]


@router.post(
    "/{project_id}/anomalies/{anomaly_id}/clear",
    summary="招商局核销异常标记（须说明核查结果；记入审计）",
    response_model=AnomalyRead,
)
def clear_anomaly(
    project_id: IdPath, anomaly_id: IdPath, body: AnomalyClear, principal: ApiPrincipal, db: DbSession
) -> AnomalyRead:
    projects.get(db, principal, project_id)
    row = stage_gate.clear(db, principal, project_id, anomaly_id, body.reason, body.version)
    return AnomalyRead.model_validate(row)


@router.get("/{project_id}/funds", summary="到位资金台账")
def list_funds(
    project_id: IdPath, principal: ApiPrincipal, db: DbSession, updated_since: UpdatedSince = None
) -> list[FundsRead]:
    rows = projects.list_funds(db, principal, project_id, updated_since=aware(updated_since))
    return [FundsRead.model_validate(r) for r in rows]


@router.post(
    "/{project_id}/funds",
    status_code=201,
    summary="登记一笔到位资金（JSON；凭证先用 /attachments 上传，再以 attachment_ids 引用）。可带 Idempotency-Key",
    responses={201: {"model": FundsRead}},
)
def add_funds(
    project_id: IdPath, body: FundsCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = projects.add_funds(db, principal, project_id, body)
    return guard.finish(_json(201, FundsRead.model_validate(row)))


@router.post(
    "/{project_id}/funds/{funds_id}/reverse",
    status_code=201,
    summary="更正：新增一笔冲销记录（原记录不改）",
    responses={201: {"model": FundsRead}},
)
def reverse_funds(
    project_id: IdPath,
    funds_id: IdPath,
    body: FundsReversal,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    projects.get(db, principal, project_id)
    row = projects.reverse_funds(db, principal, funds_id, body.reason, project_id=project_id)
    return guard.finish(_json(201, FundsRead.model_validate(row)))


@router.get("/{project_id}/progress", summary="进度更新")
def list_progress(
    project_id: IdPath, principal: ApiPrincipal, db: DbSession, updated_since: UpdatedSince = None
) -> list[ProgressRead]:
    rows = projects.list_progress(db, principal, project_id, updated_since=aware(updated_since))
    return [ProgressRead.model_validate(r) for r in rows]


@router.post(
    "/{project_id}/progress",
    status_code=201,
    summary="登记进度（JSON）。可带 Idempotency-Key",
    responses={201: {"model": ProgressRead}},
)
def add_progress(
    project_id: IdPath, body: ProgressCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = projects.add_progress(db, principal, project_id, body)
    return guard.finish(_json(201, ProgressRead.model_validate(row)))


@router.get("/{project_id}/attachments", summary="证明文件列表")
def list_attachments(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[AttachmentRead]:
    return [AttachmentRead.model_validate(a) for a in projects.list_attachments(db, principal, project_id)]


@router.post(
    "/{project_id}/attachments",
    status_code=201,
    summary="上传证明文件（照片或 PDF，每个不超过 10 MB；类型按内容判断）",
    responses={201: {"model": list[AttachmentRead]}},
    openapi_extra=multipart_example(
        "两张开工现场照片（保留拍摄位置）",
        {"files": ["开工现场-东侧.jpg", "开工现场-西侧.jpg"], "keep_position": True},
    ),
)
async def upload_attachments(
    request: Request,
    project_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    settings: SettingsDep,
    guard: ApiIdempotency,
    files: Annotated[list[UploadFile], File(description="文件")],
    keep_position: Annotated[bool, Form()] = False,
) -> Response:
    from starlette.concurrency import run_in_threadpool

    # who may change the project is settled before any file is read; the file is written only once
    # its row is accepted (and removed again if the request's transaction does not commit)
    await run_in_threadpool(lambda: db.expire(projects.get_for_write(db, principal, project_id)))
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
                keep_position=keep_position,
            )
        )
        names.append(upload.filename or "")
    rows = await run_in_threadpool(projects.add_attachments, db, principal, project_id, prepared, names)
    await run_in_threadpool(file_store.store, db, settings.files_dir, prepared)
    payload = [AttachmentRead.model_validate(a).model_dump(mode="json") for a in rows]
    return guard.finish(JSONResponse(payload, status_code=201))


@router.get(
    "/{project_id}/attachments/{attachment_id}",
    summary="下载证明文件",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}}},
)
def download_attachment(
    project_id: IdPath, attachment_id: IdPath, principal: ApiPrincipal, db: DbSession, settings: SettingsDep
) -> Response:
    row = projects.get_attachment(db, principal, attachment_id)
    if row.project_id != project_id:
        raise NotFound("找不到该文件")
    return Response(
        file_store.read(settings.files_dir, row.storage_key),
        media_type=row.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
