"""Results after production (投产后实绩): a firm's output, tax, jobs, energy and land per year or quarter.

The project's writers (its responsible unit, the coordinator) enter a result with its evidence (a file, or
the number of a tax certificate or statistics return), or import many from the XLSX the tax or statistics
bureau supplies (every row checked first; one refused row and nothing is saved). The coordinator confirms
or rejects each, as funds arrived; only confirmed results count (app.services.agreements). A result is
edited while it waits; a confirmed period is corrected by a new entry, which supersedes it when confirmed.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import DomainError, Invalid, NotFound
from app.models.agreement import PeriodKind, ProjectResult, ResultSource, ResultStatus
from app.models.base import utcnow
from app.models.investor import Investor
from app.models.project import Project
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.agreements import ResultCreate, ResultFields, ResultReview, ResultUpdate
from app.schemas.common import translate_errors
from app.services import audit, projects, workdays
from app.services.agreements import merged_fields
from app.services.common import apply_changes, check_version
from app.services.files import StoredFile
from app.services.project_import import RowError, header_key

EVIDENCE_OWNER = "project_result"
FIGURES = ("output", "tax", "jobs", "energy_tce", "land_used_mu", "rd_spend")


# --- entering ----------------------------------------------------------------------------------


def _check(db: Session, project: Project, data: ResultFields, *, exclude_id: int | None = None) -> None:
    """The period and figures of a result, each rule told beside its field."""
    today = workdays.today()
    errors: dict[str, str] = {}
    if data.period_kind is PeriodKind.quarter and data.quarter is None:
        errors["quarter"] = "季度结果须选择季度"
    if data.period_kind is PeriodKind.year and data.quarter is not None:
        errors["quarter"] = "年度结果不填季度"
    if data.year > today.year:
        errors["year"] = "年度不能晚于今年"
    elif data.quarter is not None and date(data.year, 3 * data.quarter - 2, 1) > today:
        errors["quarter"] = "该季度尚未开始"
    if project.production_on is None:
        errors["year"] = "项目尚未投产：投产后再登记实绩"
    elif data.year < project.production_on.year:
        errors["year"] = f"不能早于投产年度（{project.production_on.year} 年）"
    if all(getattr(data, name) is None for name in FIGURES):
        errors["output"] = "请至少填写一项：产值、税收、就业、能耗或用地"
    if not errors:
        waiting = db.execute(
            select(ProjectResult.id).where(
                ProjectResult.project_id == project.id,
                ProjectResult.year == data.year,
                ProjectResult.quarter.is_(None) if data.quarter is None else ProjectResult.quarter == data.quarter,
                ProjectResult.status == ResultStatus.pending,
                ProjectResult.id != (exclude_id or 0),
            )
        ).first()
        if waiting is not None:
            errors["year"] = f"该期已有待确认的结果（第 {waiting[0]} 号），请修改那一条"
    if errors:
        raise Invalid(errors)


def add(
    db: Session,
    principal: Principal,
    project_id: int,
    data: ResultCreate,
    files: Sequence[StoredFile] = (),
    original_names: Sequence[str] = (),
) -> ProjectResult:
    project = projects.get_for_write(db, principal, project_id)
    uploaded = projects.claim_attachments(db, project, data.attachment_ids, "attachment_ids")
    _check(db, project, data)
    if not files and not uploaded and not data.evidence_no.strip():
        raise Invalid({"files": "请上传证明文件（完税证明、统计报表的照片或 PDF），或填写证明编号"})
    row = ProjectResult(
        project_id=project.id,
        **data.model_dump(exclude={"attachment_ids"}),
        source=ResultSource.entered,
        entered_by_id=principal.user_id,
    )
    db.add(row)
    db.flush()
    projects.attach(db, principal, project, EVIDENCE_OWNER, row.id, files, original_names)
    for a in uploaded:
        a.owner_type, a.owner_id = EVIDENCE_OWNER, row.id
    db.flush()
    return row


def get(db: Session, principal: Principal, result_id: int, project_id: int | None = None) -> ProjectResult:
    row = db.get(ProjectResult, result_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        raise NotFound("找不到该结果")
    projects.get(db, principal, row.project_id)
    return row


def update(
    db: Session, principal: Principal, result_id: int, data: ResultUpdate, project_id: int | None = None
) -> ProjectResult:
    """Change a result that waits for confirmation (the version read; stale answers 409)."""
    row = get(db, principal, result_id, project_id)
    project = projects.get_for_write(db, principal, row.project_id)
    policy_check_pending(row)
    check_version(db, row, data.version)
    merged = merged_fields(ResultFields, row, data)
    _check(db, project, merged, exclude_id=row.id)
    apply_changes(row, merged.model_dump())
    db.flush()
    return row


def policy_check_pending(row: ProjectResult) -> None:
    if row.status is not ResultStatus.pending:
        raise Invalid({"__all__": f"该结果{row.status.label}，不能再修改；如需更正请登记一条新的结果"})


def review(
    db: Session, principal: Principal, result_id: int, data: ResultReview, project_id: int | None = None
) -> ProjectResult:
    """The coordinator confirms (evidence checked) or rejects (with a reason) a waiting result. Confirming
    supersedes the period's earlier confirmed result."""
    policy.ensure_coordinator(principal)
    row = get(db, principal, result_id, project_id)
    projects.get(db, principal, row.project_id, lock=True)
    check_version(db, row, data.version)
    if row.status is not ResultStatus.pending:
        raise Invalid({"decision": "该结果已处理"})
    if data.decision == "confirm" and not data.evidence_checked:
        raise Invalid({"evidence_checked": "确认前须核对证明（已核对证明）"})
    with audit.reason(db, data.note):
        if data.decision == "confirm":
            earlier = db.execute(
                select(ProjectResult).where(
                    ProjectResult.project_id == row.project_id,
                    ProjectResult.year == row.year,
                    ProjectResult.quarter.is_(None) if row.quarter is None else ProjectResult.quarter == row.quarter,
                    ProjectResult.status == ResultStatus.confirmed,
                )
            ).scalars()
            for old in earlier:
                old.status = ResultStatus.superseded
        row.status = ResultStatus.confirmed if data.decision == "confirm" else ResultStatus.rejected
        row.review_note = data.note
        row.reviewed_by_id = principal.user_id
        row.reviewed_at = utcnow()
    db.flush()
    return row


# --- lists -------------------------------------------------------------------------------------


@dataclass
class ResultRow:
    result: ProjectResult
    project: Any  # the project's id, name, code name, confidentiality and units
    unit_name: str
    shown: projects.ProjectView  # what the principal may see of the project: its name, and `reveal` for notes

    @property
    def project_name(self) -> str:
        return self.shown.name

    @property
    def note(self) -> str:
        return str(self.shown.reveal(self.result.note))

    @property
    def evidence_no(self) -> str:
        return str(self.shown.reveal(self.result.evidence_no))


@dataclass
class ResultsPage:
    rows: list[ResultRow]
    count: int


def list_page(
    db: Session,
    principal: Principal,
    *,
    status: ResultStatus | None = None,
    year: int | None = None,
    project_id: int | None = None,
    unit_id: int | None = None,
    oldest_first: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> ResultsPage:
    """Results the principal may read (its own units' projects; everything for those who read everything),
    newest period first (or oldest entry first: the confirmation queue), with the count: two statements."""
    if project_id is not None:
        projects.get(db, principal, project_id)
    conditions: list[ColumnElement[bool]] = []
    if not principal.reads_everything:
        conditions.append(
            (Project.responsible_unit_id == principal.unit_id) | (Project.introducing_unit_id == principal.unit_id)
        )
    if status is not None:
        conditions.append(ProjectResult.status == status)
    if year is not None:
        conditions.append(ProjectResult.year == year)
    if project_id is not None:
        conditions.append(ProjectResult.project_id == project_id)
    if unit_id is not None:
        conditions.append(Project.responsible_unit_id == unit_id)
    order = (
        (ProjectResult.id,)
        if oldest_first
        else (ProjectResult.year.desc(), ProjectResult.quarter.desc(), ProjectResult.id.desc())
    )
    shown = (
        Project.id,
        Project.name,
        Project.code_name,
        Project.is_confidential,
        Project.responsible_unit_id,
        Project.introducing_unit_id,
    )
    rows = db.execute(
        select(ProjectResult, *shown, Unit.name)
        .join(Project, Project.id == ProjectResult.project_id)
        .join(Unit, Unit.id == Project.responsible_unit_id)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    ).all()
    count = db.execute(
        select(func.count())
        .select_from(ProjectResult)
        .join(Project, Project.id == ProjectResult.project_id)
        .where(*conditions)
    ).scalar_one()
    found = []
    for r in rows:
        project = _ProjectRow(*r[1:7])
        found.append(ResultRow(r[0], project, r[7], projects.view(principal, project)))
    return ResultsPage(found, int(count))


@dataclass(frozen=True)
class _ProjectRow:
    id: int
    name: str
    code_name: str
    is_confidential: bool
    responsible_unit_id: int
    introducing_unit_id: int


def evidence(db: Session, ids: Sequence[int]) -> dict[int, list[Any]]:
    return projects.evidence_of(db, EVIDENCE_OWNER, ids)


# --- the XLSX import ---------------------------------------------------------------------------

SHEET = "实绩"
MAX_ROWS = 5_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str  # int, money, decimal, text
    note: str
    example: Any = None


COLUMNS: tuple[Column, ...] = (
    Column("项目编号", "project_id", "int", "平台中的项目编号；不填则按统一社会信用代码查找", 1207),
    Column(
        "统一社会信用代码",
        "credit_code",
        "text",
        "企业的 18 位代码；该企业在本县只有一个已投产项目时可代替项目编号",
        "91360100MA35XXXX0X",
    ),
    Column("企业名称", "firm", "text", "便于核对，不参与匹配", "青山新能源科技有限公司"),
    Column("年度", "year", "int", "必填，如 2026", 2026),
    Column("季度", "quarter", "int", "季度数据填 1–4；年度数据不填", None),
    Column("产值（万元）", "output", "money", "万元，最多两位小数", 32000),
    Column("税收（万元）", "tax", "money", "上缴税金，万元，最多两位小数", 1280.5),
    Column("就业人数", "jobs", "int", "人", 300),
    Column("综合能耗（吨标准煤）", "energy_tce", "money", "吨标准煤", 5200),
    Column("用地面积（亩）", "land_used_mu", "money", "实际用地，亩", 120),
    Column("研发经费支出（万元）", "rd_spend", "money", "万元，可不填（亩均评价的研发投入占比）", 960),
    Column("证明编号", "evidence_no", "text", "完税证明、统计报表的编号", "(2027)青税证 00123"),
    Column("备注", "note", "text", "", ""),
)
HEADERS = {header_key(c.header): c for c in COLUMNS} | {
    header_key("项目ID"): COLUMNS[0],
    header_key("信用代码"): COLUMNS[1],
    header_key("产值"): COLUMNS[5],
    header_key("税收"): COLUMNS[6],
    header_key("上缴税金"): COLUMNS[6],
    header_key("上缴税金（万元）"): COLUMNS[6],
    header_key("就业"): COLUMNS[7],
    header_key("综合能耗"): COLUMNS[8],
    header_key("用地"): COLUMNS[9],
    header_key("研发经费"): COLUMNS[10],
    header_key("研发经费支出"): COLUMNS[10],
}


class ResultsImportInvalid(Invalid):
    """The sheet has errors, found before anything was written: every one, by row and column."""

    code = "import_invalid"

    def __init__(self, row_errors: Sequence[RowError]) -> None:
        ordered = sorted(row_errors, key=lambda e: (e.row, len(e.cell), e.cell))
        self.row_errors = ordered
        listed = ordered[:1000]
        message = f"表格有 {len(ordered)} 处错误，未导入任何结果。请按行号和列名修改后重新上传。"
        self.errors = {"sheet": message}
        DomainError.__init__(self, message, details=[e.as_dict() for e in listed])


@dataclass
class ImportSummary:
    imported: int
    result_ids: list[int]


def _file_error(message: str) -> Invalid:
    return Invalid({"sheet": message}, message)


class _CellError(ValueError):
    pass


def _cell(column: Column, value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column.kind == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()
    if isinstance(value, bool):
        raise _CellError("请填写数字")
    text = re.sub(r"[\s,，]", "", unicodedata.normalize("NFKC", str(value)))
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(text)
    except InvalidOperation:
        raise _CellError(f"“{str(value)[:30]}”不是数字") from None
    if not number.is_finite():
        raise _CellError("请填写数字")
    if column.kind == "int":
        if number != number.to_integral_value():
            raise _CellError("请填写整数")
        return int(number)
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if isinstance(value, float) else number


def _read(content: bytes) -> tuple[int, dict[int, tuple[Column, str, str]], list[tuple[int, tuple[Any, ...]]]]:
    """(header row, position → (column, header as written, letter), data rows)."""
    from openpyxl.utils import get_column_letter

    if not content:
        raise _file_error("请选择要导入的表格（.xlsx）")
    if content[:4] != b"PK\x03\x04":
        raise _file_error("文件不是 Excel 工作簿（.xlsx），请下载模板填写后上传")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _file_error("文件解压后过大，请分批导入")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except DomainError:
        raise
    except Exception:  # openpyxl and zipfile raise many kinds for a broken file
        raise _file_error("无法读取该 Excel 文件，请确认文件未损坏、未加密") from None
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            for number, values in enumerate(rows, start=1):
                if number > 10:
                    break
                found = {
                    i: (HEADERS[header_key(v)], str(v).strip(), get_column_letter(i + 1))
                    for i, v in enumerate(values)
                    if v is not None and header_key(v) in HEADERS
                }
                if "year" in {c.key for c, _h, _l in found.values()}:
                    data: list[tuple[int, tuple[Any, ...]]] = []
                    for n, row in enumerate(rows, start=number + 1):
                        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                            continue
                        if len(data) >= MAX_ROWS:
                            raise _file_error(f"一次最多导入 {MAX_ROWS} 行，请分批导入")
                        data.append((n, row))
                    return number, found, data
    except DomainError:
        raise
    except Exception:
        raise _file_error("无法读取该 Excel 文件的内容，请在 Excel 中打开并重新保存后再导入") from None
    finally:
        workbook.close()
    raise ResultsImportInvalid(
        [RowError(1, "年度", "找不到表头：表头行应包含“年度”“产值（万元）”等列名（可下载模板对照）")]
    )


def import_sheet(db: Session, principal: Principal, content: bytes, source: ResultSource) -> ImportSummary:
    """Check every row, then save them all as results waiting for confirmation (or none)."""
    if not principal.can_write:
        raise policy.DeniedForbidden()
    if source is ResultSource.entered:
        raise Invalid({"source": "请选择数据来源：税务部门或统计部门"})
    header_row, columns, data = _read(content)
    if not data:
        raise _file_error("表格中没有数据行：请在表头下方逐行填写")
    where = {c.key: (h, letter) for c, h, letter in columns.values()}
    errors: list[RowError] = []

    def error(row: int, key: str, message: str) -> None:
        header, letter = where.get(key, (next(c.header for c in COLUMNS if c.key == key), ""))
        errors.append(RowError(row, header, message, f"{letter}{row}" if letter else ""))

    if "project_id" not in where and "credit_code" not in where:
        raise ResultsImportInvalid([RowError(header_row, "项目编号", "缺少“项目编号”或“统一社会信用代码”列")])
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, values in data:
        raw: dict[str, Any] = {}
        for position, (column, _h, _l) in columns.items():
            if position < len(values):
                try:
                    raw[column.key] = _cell(column, values[position])
                except _CellError as exc:
                    error(number, column.key, str(exc))
        parsed.append((number, raw))
    # the projects named, in two statements
    ids = {r["project_id"] for _n, r in parsed if isinstance(r.get("project_id"), int)}
    codes = {str(r["credit_code"]).upper() for _n, r in parsed if r.get("credit_code") and not r.get("project_id")}
    by_id = {p.id: p for p in db.execute(select(Project).where(Project.id.in_(ids))).scalars()} if ids else {}
    by_code: dict[str, list[Project]] = {}
    if codes:
        for candidate, code in db.execute(
            select(Project, Investor.credit_code)
            .join(Investor, Investor.id == Project.investor_id)
            .where(Investor.credit_code.in_(codes), Project.production_on.is_not(None))
        ).all():
            if projects.can_write(principal, candidate):
                by_code.setdefault(str(code), []).append(candidate)
    seen: dict[tuple[int, int, int | None], int] = {}
    planned: list[tuple[Project, ResultFields]] = []
    for number, raw in parsed:
        project: Project | None = None
        if raw.get("project_id") is not None:
            project = by_id.get(raw["project_id"])
            if project is None or not projects.can_write(principal, project):
                error(number, "project_id", f"项目编号 {raw['project_id']} 不存在，或不是本单位可登记的项目")
                project = None
        elif raw.get("credit_code"):
            found = by_code.get(str(raw["credit_code"]).upper(), [])
            if len(found) != 1:
                error(
                    number,
                    "credit_code",
                    "找不到该代码的已投产项目，请填写项目编号"
                    if not found
                    else "该企业有多个已投产项目，请填写项目编号",
                )
            else:
                project = found[0]
        else:
            error(number, "project_id", "请填写项目编号或统一社会信用代码")
        fields = {k: v for k, v in raw.items() if k in ResultFields.model_fields and v is not None}
        fields["period_kind"] = PeriodKind.quarter if fields.get("quarter") is not None else PeriodKind.year
        try:
            result = ResultFields.model_validate(fields)
        except ValidationError as exc:
            for name, message in translate_errors(exc.errors()).items():
                error(number, name if name in where else "year", message)
            continue
        if project is None:
            continue
        period = (project.id, result.year, result.quarter)
        if period in seen:
            error(number, "year", f"与第 {seen[period]} 行是同一项目的同一期")
            continue
        seen[period] = number
        try:
            _check(db, project, result)
        except Invalid as exc:
            for field_name, message in exc.errors.items():
                error(number, field_name if field_name in where else "year", message)
            continue
        planned.append((project, result))
    if errors:
        raise ResultsImportInvalid(errors)
    rows = []
    for project, result in planned:
        row = ProjectResult(
            project_id=project.id, **result.model_dump(), source=source, entered_by_id=principal.user_id
        )
        db.add(row)
        rows.append(row)
    db.flush()
    return ImportSummary(len(rows), [r.id for r in rows])


def template_workbook() -> bytes:
    """A blank sheet with the header row, one example row to overwrite, and the instructions."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="C00000") if column.key == "year" else bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 2 + 4)
    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.append(["投产后实绩导入说明（税务、统计部门提供的数据）"])
    help_sheet.append(
        ["每行一个项目的一期数据（年度，或季度）。只要有一处错误，就一行也不导入，并按行号和列名列出全部错误。"]
    )
    help_sheet.append(["导入后为“待确认”，由招商局逐条核对确认后计入承诺事项的判断。"])
    help_sheet.append([])
    help_sheet.append(["列名", "填写要求", "示例"])
    for column in COLUMNS:
        help_sheet.append([column.header, column.note, column.example])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_help() -> list[dict[str, Any]]:
    return [{"header": c.header, "note": c.note} for c in COLUMNS]


def row_of(db: Session, principal: Principal, result: ProjectResult) -> ResultRow:
    """One result as the lists show it (its project's name as the principal may see it, its unit)."""
    project = db.get(Project, result.project_id)
    assert project is not None
    unit = db.get(Unit, project.responsible_unit_id)
    return ResultRow(result, project, unit.name if unit else "", projects.view(principal, project))
