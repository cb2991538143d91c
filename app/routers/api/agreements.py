"""Investment agreements with their commitments, and results after production, over the API (the same
services as the pages)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Form, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.agreement import ProjectResult, ResultSource, ResultStatus
from app.routing import IndexedRouter, long_running
from app.schemas.agreements import (
    AgreementFields,
    AgreementRead,
    AgreementSave,
    CommitmentCreate,
    CommitmentRead,
    CommitmentUpdate,
    ResultCreate,
    ResultRead,
    ResultReview,
    ResultUpdate,
)
from app.schemas.common import Page, json_response, multipart_example
from app.schemas.errors import ErrorDetail
from app.services import agreements, export, results

router = IndexedRouter(tags=["投资协议与实绩"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


def commitment_read(v: agreements.CommitmentView) -> CommitmentRead:
    """A commitment as read (its note shown as the project's identity allows)."""
    c, j = v.commitment, v.judgement
    return CommitmentRead(
        id=c.id,
        project_id=c.project_id,
        kind=c.kind,
        name=v.name,
        unit=v.unit,
        direction=c.direction,
        figure=c.figure,
        due_on=c.due_on,
        actual=c.actual,
        actual_on=c.actual_on,
        note=v.note,
        version=c.version,
        status=j.status,
        status_label=j.status.label,
        reached=j.reached,
        basis=j.basis,
    )


def agreement_read(shown: agreements.AgreementView) -> AgreementRead:
    a = shown.agreement
    fields = None
    if a is not None:
        fields = AgreementFields(
            id=a.id,
            signed_on=a.signed_on,
            parties=shown.identity.reveal(a.parties),
            contract_no=a.contract_no,
            note=shown.identity.reveal(a.note),
            version=a.version,
            document_ids=[d.id for d in shown.documents],
        )
    return AgreementRead(
        project_id=shown.project.id,
        project_name=shown.name,
        agreement=fields,
        commitments=[commitment_read(v) for v in shown.commitments],
        capacity_flag=shown.flag,
        capacity_flag_label=shown.flag_label,
    )


def result_read(row: results.ResultRow, evidence: dict[int, list[Any]]) -> ResultRead:
    r = row.result
    return ResultRead(
        id=r.id,
        project_id=r.project_id,
        project_name=row.project_name,
        unit_name=row.unit_name,
        period_kind=r.period_kind,
        year=r.year,
        quarter=r.quarter,
        output=r.output,
        tax=r.tax,
        jobs=r.jobs,
        energy_tce=r.energy_tce,
        land_used_mu=r.land_used_mu,
        rd_spend=r.rd_spend,
        source=r.source,
        evidence_no=row.evidence_no,
        note=row.note,
        status=r.status,
        review_note=r.review_note,
        created_at=r.created_at,
        version=r.version,
        evidence_ids=[a.id for a in evidence.get(r.id, [])],
    )


def _one(db: DbSession, principal: Any, row: ProjectResult) -> ResultRead:
    return result_read(results.row_of(db, principal, row), results.evidence(db, [row.id]))


# --- the agreement -----------------------------------------------------------------------------


@router.get(
    "/projects/{project_id}/investment-agreement",
    summary="项目的投资协议：签订日期、协议各方、协议文本，各承诺事项及其按今天判断的达标、滞后、未达标，达产标记",
    response_model=AgreementRead,
)
def get_agreement(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(agreement_read(agreements.get_view(db, principal, project_id)))


@router.put(
    "/projects/{project_id}/investment-agreement",
    summary="录入或修改投资协议（首次 version 为 0；协议文本先用 /attachments 上传再以 attachment_ids 引用）",
    response_model=AgreementRead,
)
def save_agreement(project_id: IdPath, body: AgreementSave, principal: ApiPrincipal, db: DbSession) -> Response:
    agreements.save(db, principal, project_id, body)
    return json_response(agreement_read(agreements.get_view(db, principal, project_id)))


@router.post(
    "/projects/{project_id}/investment-agreement/commitments",
    status_code=201,
    summary="添加一项承诺（投资、强度、容积率、开工竣工投产达产日期、产值、税收、就业、能耗或其他约定）。"
    "可带 Idempotency-Key",
    responses={201: {"model": CommitmentRead}},
)
def add_commitment(
    project_id: IdPath, body: CommitmentCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = agreements.add_commitment(db, principal, project_id, body)
    shown = agreements.get_view(db, principal, project_id)
    found = next(v for v in shown.commitments if v.commitment.id == row.id)
    return guard.finish(json_response(commitment_read(found), 201))


@router.patch(
    "/projects/{project_id}/investment-agreement/commitments/{commitment_id}",
    summary="修改一项承诺：只改所给字段（需带 version；过期返回 409）",
    response_model=CommitmentRead,
)
def update_commitment(
    project_id: IdPath, commitment_id: IdPath, body: CommitmentUpdate, principal: ApiPrincipal, db: DbSession
) -> Response:
    agreements.update_commitment(db, principal, project_id, commitment_id, body)
    shown = agreements.get_view(db, principal, project_id)
    found = next(v for v in shown.commitments if v.commitment.id == commitment_id)
    return json_response(commitment_read(found))


# --- results -----------------------------------------------------------------------------------


@router.get(
    "/results",
    summary="投产后实绩列表（分页）：按状态、年度、项目、责任单位筛选；待确认（status=pending）即招商局的确认队列，"
    "此时早登记的在前",
    response_model=Page[ResultRead],
)
def list_results(
    principal: ApiPrincipal,
    db: DbSession,
    status: ResultStatus | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    project_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="责任单位")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    page = results.list_page(
        db,
        principal,
        status=status,
        year=year,
        project_id=project_id,
        unit_id=unit_id,
        oldest_first=status is ResultStatus.pending,
        limit=limit,
        offset=offset,
    )
    evidence = results.evidence(db, [r.result.id for r in page.rows])
    answer = Page[ResultRead](
        items=[result_read(r, evidence) for r in page.rows], total=page.count, limit=limit, offset=offset
    )
    return json_response(answer)


@router.post(
    "/projects/{project_id}/results",
    status_code=201,
    summary="登记一期实绩（年度或季度的产值、税收、就业、能耗、用地；证明先用 /attachments 上传再以 attachment_ids "
    "引用，或填写证明编号）。可带 Idempotency-Key",
    responses={201: {"model": ResultRead}},
)
def add_result(
    project_id: IdPath, body: ResultCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = results.add(db, principal, project_id, body)
    return guard.finish(json_response(_one(db, principal, row), 201))


@router.patch(
    "/results/{result_id}",
    summary="修改待确认的实绩：只改所给字段（需带 version；过期返回 409；已确认的须登记新的一条更正）",
    response_model=ResultRead,
)
def update_result(result_id: IdPath, body: ResultUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    row = results.update(db, principal, result_id, body)
    return json_response(_one(db, principal, row))


@router.post(
    "/results/{result_id}/review",
    summary="招商局确认或退回一期实绩：确认须带 evidence_checked=true（已核对证明），退回须说明理由；需带 version。"
    "可带 Idempotency-Key",
    response_model=ResultRead,
)
def review_result(
    result_id: IdPath, body: ResultReview, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = results.review(db, principal, result_id, body)
    return guard.finish(json_response(_one(db, principal, row)))


class ResultsImported(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"imported": 2, "result_ids": [7702, 7703]}]})

    imported: int = Field(description="导入的结果数（均为待确认）")
    result_ids: list[int]


class ResultsImportErrorBody(BaseModel):
    code: str = Field(description="import_invalid：表格有错误，未导入任何结果（details 按行、列列出）")
    message: str
    field: str | None = None
    details: list[dict[str, Any] | ErrorDetail] | None = None


@router.post(
    "/results/import",
    status_code=201,
    summary="导入税务或统计部门提供的实绩表（multipart：文件 sheet，来源 source）。可带 Idempotency-Key",
    description="先逐行校验，只要有一处错误就一行也不导入，返回 422 和按行、列列出的全部错误；全部正确则导入为待确认。",
    responses={
        201: {"model": ResultsImported},
        422: {"model": ResultsImportErrorBody, "description": "表格有错误，未导入"},
    },
    openapi_extra=multipart_example(
        "县税务局提供的 2026 年度税收", {"sheet": "2026年度重点企业税收.xlsx", "source": "tax_bureau"}
    ),
)
@long_running
def import_results(
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
    sheet: Annotated[UploadFile, File(description="实绩表（.xlsx）")],
    source: Annotated[ResultSource, Form(description="来源：tax_bureau 税务部门、statistics 统计部门")],
) -> Response:
    summary = results.import_sheet(db, principal, sheet.file.read(), source)
    answer = ResultsImported(imported=summary.imported, result_ids=summary.result_ids)
    return guard.finish(JSONResponse(answer.model_dump(mode="json"), status_code=201))


TEMPLATE_NAME = "投产后实绩导入模板.xlsx"


@router.get(
    "/results/import/template",
    summary="下载实绩导入模板（.xlsx：表头、填写说明）",
    response_class=Response,
    responses={200: {"content": {export.XLSX_TYPE: {}}}},
)
def import_template(
    principal: ApiPrincipal,
    source: Annotated[ResultSource | None, Query(description="来源（只用于文件名）", examples=["tax_bureau"])] = None,
) -> Response:
    return Response(
        results.template_workbook(),
        media_type=export.XLSX_TYPE,
        headers={
            "Content-Disposition": export.content_disposition(
                f"{source.label}-{TEMPLATE_NAME}" if source is not None else TEMPLATE_NAME
            )
        },
    )
