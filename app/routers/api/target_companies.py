"""Target companies (目标企业, 敲门招商) over the API: the lists and their XLSX import with its de-duplication
report, the targets, assigning them, logging approaches, converting an interested one to a lead, and the
funnel per chain and per list. The pages (app/routers/pages/target_companies.py) call the same services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import Response

from app import policy
from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.target_company import TargetListKind
from app.principal import Principal
from app.routing import IndexedRouter, long_running, reads_only
from app.schemas.common import Page, json_response, multipart_example
from app.schemas.target_companies import (
    ApproachCreate,
    ApproachRead,
    ConvertToLead,
    FunnelRow,
    ImportedRow,
    ImportReport,
    TargetAssign,
    TargetLinkSet,
    TargetListRead,
    TargetRead,
)
from app.services import export
from app.services import target_companies as targets

router = IndexedRouter(tags=["目标企业"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def _coordinator(principal: ApiPrincipal) -> Principal:
    """Refused before the body is read: a unit's staff get 403 whatever they send."""
    policy.ensure_coordinator(principal)
    return principal


CoordinatorPrincipal = Annotated[Principal, Depends(_coordinator)]


def _read(db: DbSession, row: targets.Row, *, approaches: bool = False) -> TargetRead:
    t = row.target
    data = {name: getattr(t, name) for name in TargetRead.model_fields if hasattr(t, name) and name != "approaches"}
    data.update(
        name=row.name,
        credit_code=row.credit_code,
        investor_id=row.investor_id,
        lead_id=row.lead_id,
        list_name=row.list_name,
        chain_name=row.chain_name,
        assigned_unit_name=row.unit_name,
        assigned_user_name=row.user_name,
    )
    if approaches and row.lead_shown:
        data["approaches"] = [
            ApproachRead(
                id=a.id, kind=a.kind, happened_on=a.happened_on, outcome=a.outcome, interested=a.interested, by_name=n
            )
            for a, n in targets.approaches_of(db, t.id)
        ]
    return TargetRead.model_validate(data)


def _one(db: DbSession, principal: ApiPrincipal, target_id: int, status_code: int = 200) -> Response:
    return json_response(_read(db, targets.one_row(db, principal, target_id), approaches=True), status_code)


@router.get("/target-lists", summary="目标企业名单（500强、专精特新小巨人、上市公司、外地链主等）及各名单企业数",
            response_model=list[TargetListRead])  # fmt: skip
@reads_only
def list_lists(principal: ApiPrincipal, db: DbSession) -> Any:
    return [TargetListRead.model_validate({**vars_of(t), "companies": n}) for t, n in targets.lists(db)]


def vars_of(t: Any) -> dict[str, Any]:
    return {name: getattr(t, name) for name in TargetListRead.model_fields if hasattr(t, name)}


@router.post(
    "/target-lists/import",
    status_code=201,
    summary="导入目标企业名单（multipart：workbook 文件及 name、kind、source_note；仅招商局；可带 Idempotency-Key）",
    description=(
        "按中文列名识别：企业名称（必填）、统一社会信用代码、行业、总部城市、规模、产业链环节（“链名/环节名”）。"
        "先逐行校验，有一行不合格（缺名称、信用代码校验位不对、找不到环节等）就一行也不导入，"
        "返回 422 和按行列出的错误。全部可读时：按信用代码、无代码时按规范化名称去重——"
        "与本文件前面的行或已导入的目标企业重复的行跳过（skipped 列出），"
        "与客商库中已有客商为同一企业的行照常导入并关联该客商（linked 列出）。"
    ),
    responses={201: {"model": ImportReport}},
    openapi_extra=multipart_example(
        "2026 年专精特新小巨人名单",
        {"workbook": "专精特新小巨人.xlsx", "name": "2026 年专精特新小巨人", "kind": "little_giant"},
    ),
)
@long_running
def import_list(
    principal: CoordinatorPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
    workbook: Annotated[UploadFile, File(description="名单文件（.xlsx）")],
    name: Annotated[str, Form(min_length=2, max_length=100, description="名单名称")],
    kind: Annotated[TargetListKind, Form(description="名单类别")],
    source_note: Annotated[str, Form(max_length=2000, description="来源说明")] = "",
) -> Response:
    report = targets.import_list(
        db, principal, name=name, kind=kind, source_note=source_note, content=workbook.file.read()
    )
    body = ImportReport(
        list_id=report.list_id,
        list_name=report.list_name,
        added=report.added,
        linked=[ImportedRow.model_validate(vars(r)) for r in report.linked],
        skipped=[ImportedRow.model_validate(vars(r)) for r in report.skipped],
    )
    return guard.finish(json_response(body, 201))


@router.get(
    "/target-lists/import/template",
    summary="下载目标企业名单模板（.xlsx）",
    response_class=Response,
    responses={200: {"content": {export.XLSX_TYPE: {}}}},
)
def import_template(principal: ApiPrincipal) -> Response:
    return Response(
        targets.template_workbook(),
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition("目标企业名单模板.xlsx")},
    )


@router.get("/target-companies", summary="目标企业：按名单、产业链、负责单位、状态筛选（单位只看分给本单位的）",
            response_model=Page[TargetRead])  # fmt: skip
@reads_only
def list_targets(
    principal: ApiPrincipal,
    db: DbSession,
    limit: Limit = 20,
    offset: Offset = 0,
    list_id: IdQuery = None,
    chain_id: IdQuery = None,
    unit_id: IdQuery = None,
    status: Annotated[
        str,
        Query(max_length=20, description="状态：new、contacted、interested、lead、declined，或 unassigned（未分配）"),
    ] = "",
    q: Annotated[str, Query(max_length=50, description="名称的一部分或信用代码")] = "",
) -> Any:
    f = targets.TargetFilter(list_id, chain_id, unit_id, status, q.strip())
    rows, total = targets.list_rows(db, principal, f, limit=limit, offset=offset)
    return Page[TargetRead](items=[_read(db, r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/target-companies/funnel", summary="敲门漏斗：目标 → 已接触 → 有意向 → 线索 → 项目 → 签约，按产业链或名单",
            response_model=list[FunnelRow])  # fmt: skip
@reads_only
def funnel(
    principal: ApiPrincipal,
    db: DbSession,
    by: Annotated[Literal["chain", "list"], Query(description="chain 按产业链，list 按名单")] = "chain",
) -> Any:
    return [FunnelRow.model_validate(vars(r)) for r in targets.funnel(db, principal, by)]


@router.post("/target-companies/assign", summary="把目标企业分配给单位和该单位的负责人（可多选；仅招商局）",
             response_model=list[TargetRead])  # fmt: skip
def assign(body: TargetAssign, principal: CoordinatorPrincipal, db: DbSession) -> Any:
    done = targets.assign(db, principal, body)
    return [_read(db, targets.one_row(db, principal, t.id)) for t in done]


@router.get("/target-companies/{target_id}", summary="目标企业详情（含敲门记录）", response_model=TargetRead)
@reads_only
def get_target(target_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return _one(db, principal, target_id)


@router.put(
    "/target-companies/{target_id}/chain-link",
    summary="把目标企业挂到产业链环节上，或取消挂接（仅招商局；需带 version）",
    response_model=TargetRead,
)
def set_link(target_id: IdPath, body: TargetLinkSet, principal: CoordinatorPrincipal, db: DbSession) -> Response:
    targets.set_link(db, principal, target_id, body)
    return _one(db, principal, target_id)


@router.post(
    "/target-companies/{target_id}/approaches",
    status_code=201,
    summary="记录一次敲门：电话、拜访、会谈、组团考察（招商局或负责单位；带 version；可带 Idempotency-Key）",
    responses={201: {"model": TargetRead}},
)
def log_approach(
    target_id: IdPath, body: ApproachCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    targets.log_approach(db, principal, target_id, body)
    return guard.finish(_one(db, principal, target_id, 201))


@router.post(
    "/target-companies/{target_id}/lead",
    status_code=201,
    summary="有意向的目标企业转为线索（按线索的规则：疑似重复 409、认定与计分；需带 version；可带 Idempotency-Key）",
    responses={201: {"model": TargetRead}},
)
def convert_to_lead(
    target_id: IdPath, body: ConvertToLead, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    targets.convert_to_lead(db, principal, target_id, body)
    return guard.finish(_one(db, principal, target_id, 201))
