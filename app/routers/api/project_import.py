"""The ledger import over the API: the same checks and rules as the upload page."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter, long_running
from app.schemas.common import multipart_example
from app.schemas.errors import ErrorDetail
from app.services import export, project_import

router = IndexedRouter(prefix="/projects/import", tags=["项目"])


class ImportSummary(BaseModel):
    imported: int = Field(description="导入的项目数")
    investors_created: int = Field(description="新建的客商数（其余沿用客商库中已有的）")
    project_ids: list[int] = Field(description="新项目的编号，按台账行的顺序")
    investors_reused: int = Field(description="沿用客商库中已有客商的个数")
    ignored_columns: list[str] = Field(description="未识别、未导入的列")


class ImportRowError(BaseModel):
    row: int = Field(description="Excel 中的行号")
    column: str = Field(description="列名（按文件中的写法）")
    message: str = Field(description="中文说明")
    cell: str = Field(description="单元格，如 H7；缺列等无单元格时为空")


class ImportErrorBody(BaseModel):
    code: str = Field(
        description="import_invalid：台账有错误，未导入任何项目（details 按行、列列出，最多前 1000 处）；"
        "validation_error：文件本身有问题（不是 .xlsx、没有项目行等，field 为 ledger）"
    )
    message: str = Field(description="中文说明")
    field: str | None = None
    details: list[ImportRowError | ErrorDetail] | None = None


@router.post(
    "",
    status_code=201,
    summary="导入项目台账（multipart，文件字段 ledger；可带 Idempotency-Key）",
    description=(
        "按中文列名识别各列（模板见 GET /projects/import/template）。先逐行校验，"
        "只要有一处错误就一行也不导入，返回 422 和按行、列列出的全部错误；全部正确则在一个事务中导入。"
        "单位令牌只能导入本单位的项目。"
    ),
    responses={201: {"model": ImportSummary}, 422: {"model": ImportErrorBody, "description": "台账有错误，未导入"}},
    openapi_extra=multipart_example("按模板填写的城关镇项目台账", {"ledger": "城关镇项目台账-2026年11月.xlsx"}),
)
@long_running
def import_ledger(
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
    ledger: Annotated[UploadFile, File(description="台账文件（.xlsx）")],
) -> Response:
    result = project_import.import_ledger(db, principal, ledger.file.read(), filename=ledger.filename or "")
    summary = ImportSummary(
        imported=result.imported,
        investors_created=result.investors_created,
        project_ids=result.project_ids,
        investors_reused=result.investors_reused,
        ignored_columns=result.ignored_columns,
    )
    return guard.finish(JSONResponse(summary.model_dump(mode="json"), status_code=201))


@router.get(
    "/template",
    summary="下载台账模板（.xlsx：表头、填写说明、可选值）",
    response_class=Response,
    responses={200: {"content": {export.XLSX_TYPE: {}}}},
)
def import_template(principal: ApiPrincipal) -> Response:
    return Response(
        project_import.template_workbook(),
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition("项目台账导入模板.xlsx")},
    )
