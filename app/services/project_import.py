"""Importing a unit's project ledger (项目台账) from Excel.

Columns are found by their Chinese headers, however they are spaced or bracketed. Every row is
checked before anything is written: if any row is wrong, nothing is imported and the errors are
reported by row (as Excel numbers it) and column. A correct file is written in one go, through
the rules of `projects.create_many`, with investors found in the catalogue (客商库) by credit
code or normalised name, or created once per distinct investor in the file.

Speed (ten thousand rows): the file is read with openpyxl in read-only mode; investors, units
and possible duplicates are looked up with one query per set, not per row; projects are flushed
in batches, so that the audit listener appends one batch of entries per flush. Memory: the cells
are let go of once checked, and each batch's projects once written (ten thousand ORM objects
would stay in the worker's memory as freed but unreturned heap).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.db import assign_ids
from app.errors import DomainError, Invalid
from app.models.investor import INVESTOR_TYPE_LABELS, Investor, InvestorKind, InvestorType
from app.models.project import (
    CATEGORY_LABELS,
    STAGE_LABELS,
    STAGE_ORDER,
    ApprovalLevel,
    Category,
    PrereviewResult,
    Project,
    ProjectKind,
    Sector,
    Stage,
)
from app.models.unit import Unit
from app.models.user import Role
from app.principal import Principal
from app.schemas.common import translate_errors
from app.schemas.leads import InvestorCreate
from app.schemas.projects import ProjectCreate
from app.services import audit, credit_code, prereview, projects, stage_gate, workdays
from app.services.names import name_key, phone_key

MAX_ROWS = 20_000
MAX_REPORTED_ERRORS = 1_000
MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # a 10,000-row ledger unpacks to about 15 MB
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in units' ledgers
BATCH_SIZE = 1_000
DATA_SHEET = "项目台账"
HELP_SHEET = "填写说明"
VALUES_SHEET = "可选值"
WHOLE_ROW = "（整行）"
TOTAL_ROWS = frozenset({"合计", "总计", "小计"})
CENT = Decimal("0.01")


# --- the columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # as the template writes it
    key: str  # a ProjectCreate field, or one of the import's own keys (investor_name, signed_on …)
    kind: str  # text, money, decimal, date, enum, unit
    required: bool = False
    note: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict, compare=False)  # label → value (enums)


def _labels(pairs: Iterable[tuple[Any, str]]) -> dict[str, Any]:
    return {label: value for value, label in pairs}


STAGE_OPTIONS = _labels((s, STAGE_LABELS[s]) for s in STAGE_ORDER)
SECTOR_OPTIONS = _labels((s, s.label) for s in Sector)
CATEGORY_OPTIONS = _labels((c, CATEGORY_LABELS[c]) for c in Category)
INVESTOR_TYPE_OPTIONS = _labels((t, INVESTOR_TYPE_LABELS[t]) for t in InvestorType)
KIND_OPTIONS = _labels((k, k.label) for k in ProjectKind)
PREREVIEW_OPTIONS = {"预审通过": PrereviewResult.passed, "未预审": PrereviewResult.pending}
LEVEL_OPTIONS = _labels((level, prereview.LEVEL_SHORT[level]) for level in ApprovalLevel)
# other ways ledgers write the same choice (matched after the labels and the English values)
ENUM_ALIASES: dict[str, dict[str, Any]] = {
    "stage": {
        "策划": Stage.packaged,
        "包装": Stage.packaged,
        "在谈": Stage.negotiating,
        "洽谈": Stage.negotiating,
        "意向": Stage.intent,
        "框架协议": Stage.intent,
        "意向协议": Stage.intent,
        "签约": Stage.signed,
        "已签约": Stage.signed,
        "落户": Stage.landed,
        "注册": Stage.landed,
        "已开工": Stage.started,
        "在建": Stage.started,
        "已竣工": Stage.completed,
        "已投产": Stage.production,
        "达产": Stage.full_capacity,
        "达效": Stage.full_capacity,
    },
    "sector": {"第一产业": Sector.primary, "第二产业": Sector.secondary, "第三产业": Sector.tertiary},
    "category": {
        "农业": Category.agriculture,
        "文旅": Category.culture_tourism,
        "基础设施": Category.infrastructure_social,
        "社会事业": Category.infrastructure_social,
        "商贸服务": Category.commerce_services,
        "房地产": Category.commerce_services,
    },
    "investor_type": {
        "世界500强": InvestorType.top500,
        "中国500强": InvestorType.top500,
        "民营": InvestorType.private,
        "民企": InvestorType.private,
        "外资": InvestorType.foreign,
        "港澳台": InvestorType.hmt,
        "自然人": InvestorType.individual,
    },
    "kind": {"新建": ProjectKind.new, "增资": ProjectKind.capital_increase},
    "prereview": {"通过": PrereviewResult.passed, "已通过": PrereviewResult.passed, "待预审": PrereviewResult.pending},
    "approval_level": {
        "主要领导同意": ApprovalLevel.within_policy,
        "政策范围内": ApprovalLevel.within_policy,
        "领导小组": ApprovalLevel.leadership_group,
        "局部突破": ApprovalLevel.leadership_group,
        "个案研究": ApprovalLevel.case_by_case,
        "重大突破": ApprovalLevel.case_by_case,
    },
}

STAGE_DATE_KEYS = {
    "signed_on": Stage.signed,
    "started_on": Stage.started,
    "completed_on": Stage.completed,
    "production_on": Stage.production,
}

COLUMNS: tuple[Column, ...] = (
    Column("项目名称", "name", "text", True, "2–200 个字", "年产10万吨新型建材项目", ("项目",)),
    Column(
        "客商名称",
        "investor_name",
        "text",
        True,
        "企业全称或个人姓名；按统一社会信用代码或名称与客商库匹配，没有则新建",
        "湖南某某建材有限公司",
        ("客商", "投资方", "投资主体", "企业名称"),
    ),
    Column("统一社会信用代码", "credit_code", "text", False, "18 位；企业有则填，个人不填", "", ("信用代码",)),
    Column(
        "客商类型",
        "investor_type",
        "enum",
        False,
        "留空为“民营企业”",
        "民营企业",
        ("投资方类型",),
        INVESTOR_TYPE_OPTIONS,
    ),
    Column(
        "项目性质", "kind", "enum", False, "留空为“新引进”；增资项目的合同投资额只填增量", "新引进", (), KIND_OPTIONS
    ),
    Column(
        "当前阶段",
        "stage",
        "enum",
        False,
        "留空时按所填的最后一个阶段日期推断，都没有则为“洽谈在谈”",
        "正式签约",
        ("阶段", "项目阶段"),
        STAGE_OPTIONS,
    ),
    Column(
        "阶段日期",
        "stage_date",
        "date",
        False,
        "到达当前阶段的日期；签约及以后的阶段须填写（或填该阶段自己的日期列）",
        "2026-03-01",
        ("到达日期", "进入当前阶段日期"),
    ),
    Column("签约日期", "signed_on", "date", False, "", "2026-03-01"),
    Column("开工日期", "started_on", "date", False, "", ""),
    Column("竣工日期", "completed_on", "date", False, "", ""),
    Column("投产日期", "production_on", "date", False, "", ""),
    Column(
        "合同编号",
        "contract_no",
        "text",
        False,
        "正式签约及以后的项目须填（签约的证据）",
        "HT-2026-018",
        ("合同（协议）编号", "协议编号", "签约合同编号"),
    ),
    Column(
        "施工许可证号",
        "permit_no",
        "text",
        False,
        "开工及以后的项目须填：18 位全国统一编号或原许可证文号",
        "",
        ("施工许可证编号", "建筑工程施工许可证号", "许可证号"),
    ),
    Column(
        "投产证明编号",
        "production_no",
        "text",
        False,
        "投产及以后的项目须填：排污许可证号、首笔销售发票号等",
        "",
        ("投产证明",),
    ),
    Column(
        "项目预审",
        "prereview",
        "enum",
        False,
        "正式签约及以后的项目须为“预审通过”（登记为各预审部门同意）；之前留空",
        "预审通过",
        ("预审结果", "预审"),
        PREREVIEW_OPTIONS,
    ),
    Column(
        "签约审批层级",
        "approval_level",
        "enum",
        False,
        "正式签约及以后的项目须填，不得低于按投资强度、容积率算出的层级",
        "县委县政府主要领导同意",
        ("审批层级",),
        LEVEL_OPTIONS,
    ),
    Column("签约审批人", "approved_by", "text", False, "正式签约及以后的项目须填", "县委县政府主要领导", ("审批人",)),
    Column("签约审批日期", "approved_on", "date", False, "正式签约及以后的项目须填", "2026-02-20", ("审批日期",)),
    Column(
        "签约审批文号",
        "approval_document_no",
        "text",
        False,
        "会议纪要或文件编号；正式签约及以后的项目须填",
        "县政府常务会议纪要〔2026〕5 号",
        ("审批文号", "会议纪要编号"),
    ),
    Column(
        "计划总投资（万元）",
        "planned_investment",
        "money",
        False,
        "万元，最多两位小数",
        "12000",
        ("计划总投资", "总投资（万元）"),
    ),
    Column(
        "合同投资额（万元）",
        "contract_investment",
        "money",
        False,
        "万元，最多两位小数；签约后填写",
        "10000",
        ("合同投资（万元）", "合同投资额", "协议引资额（万元）"),
    ),
    Column("产业", "sector", "enum", False, "留空为“二产”", "二产", ("所属产业",), SECTOR_OPTIONS),
    Column("类别", "category", "enum", False, "留空为“工业”", "工业", ("项目类别",), CATEGORY_OPTIONS),
    Column("行业", "industry", "text", False, "", "非金属矿物制品业", ("所属行业",)),
    Column("产业链", "industry_chain", "text", False, "所属主导产业链", "新材料", ("主导产业链",)),
    Column("选址", "site", "text", False, "", "县工业园二期", ("项目选址",)),
    Column("用地面积（亩）", "land_area_mu", "decimal", False, "亩", "80", ("用地（亩）",)),
    Column("约定开工日期", "start_by", "date", False, "合同约定", "2026-06-30", ("约定开工",)),
    Column("约定投产日期", "production_by", "date", False, "合同约定，不早于约定开工日期", "2027-06-30", ("约定投产",)),
    Column(
        "投资强度（万元/亩）", "intensity_commitment", "decimal", False, "合同承诺", "350", ("承诺投资强度（万元/亩）",)
    ),
    Column("容积率", "plot_ratio", "decimal", False, "合同约定", "1.2", ()),
    Column("引荐人", "introducer_name", "text", False, "", ""),
    Column("服务专员", "service_officer", "text", False, "", ""),
    Column(
        "责任单位",
        "responsible_unit",
        "unit",
        False,
        "单位全称或简称；单位人员只能导入本单位（可留空），招商局留空则为本单位",
        "",
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# columns whose unit the system fixes: a header naming another unit is refused, never ignored
UNIT_BOUND = {"计划总投资": "万元", "合同投资额": "万元", "合同投资": "万元", "用地面积": "亩", "投资强度": "万元/亩"}
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")


def header_key(text: Any) -> str:
    """A header as compared: full-width forms folded (（万元） = (万元)), spaces and marks dropped."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = value.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    value = re.sub(r"[\s*:]+", "", value)
    value = value.replace("(必填)", "").replace("(选填)", "")
    return value.lower()


def _option_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _header_index() -> dict[str, Column]:
    return {header_key(text): column for column in COLUMNS for text in (column.header, *column.aliases)}


def _option_index(column: Column) -> dict[str, Any]:
    """An enum column's choices by label, by stored value, and by the other ways ledgers write them."""
    found: dict[str, Any] = {}
    for label, value in column.options.items():
        found[_option_key(label)] = value
        found[_option_key(str(value.value))] = value
    for alias, value in ENUM_ALIASES.get(column.key, {}).items():
        found.setdefault(_option_key(alias), value)
    return found


HEADER_INDEX = _header_index()
OPTION_INDEX = {column.key: _option_index(column) for column in COLUMNS if column.kind == "enum"}


# --- errors and results ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it
    column: str  # the header as the file writes it
    message: str
    cell: str = ""  # e.g. "H7", when the column is in the file

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message, "cell": self.cell}


def _report(row_errors: Sequence[RowError]) -> tuple[list[RowError], str, list[dict[str, Any]]]:
    """The errors in the order of the sheet (row, then column), the message, the listed details."""
    ordered = sorted(row_errors, key=lambda e: (e.row, e.cell == "", len(e.cell), e.cell))
    listed = ordered[:MAX_REPORTED_ERRORS]
    message = f"台账有 {len(ordered)} 处错误，未导入任何项目。请按行号和列名修改后重新上传。"
    if len(ordered) > len(listed):
        message += f"（仅列出前 {len(listed)} 处）"
    return ordered, message, [e.as_dict() for e in listed]


class ImportInvalid(Invalid):
    """The ledger has errors, found before anything was written. `row_errors` lists them all."""

    code = "import_invalid"

    def __init__(self, row_errors: Sequence[RowError]) -> None:
        self.row_errors, message, details = _report(row_errors)
        self.errors = {"ledger": message}
        DomainError.__init__(self, message, details=details)


class ImportAborted(DomainError):
    """A rule broken while writing (all were checked before; e.g. a unit removed meanwhile).

    Not an Invalid on purpose: it must reach the request's error handling, which rolls the
    transaction back, and must not be caught and answered like a checked file."""

    status_code = 422
    code = "import_invalid"

    def __init__(self, row_errors: Sequence[RowError]) -> None:
        self.row_errors, message, details = _report(row_errors)
        super().__init__(message, details=details)


@dataclass
class ImportResult:
    imported: int
    investors_created: int
    investors_reused: int
    project_ids: list[int]
    ignored_columns: list[str]
    sheet: str


# --- reading the workbook ----------------------------------------------------------------------


@dataclass
class Ledger:
    sheet: str
    header_row: int
    columns: dict[int, Column]  # position (0-based) → column
    headers: dict[str, tuple[str, str]]  # key → (header as written, column letter)
    ignored: list[str]
    rows: list[tuple[int, tuple[Any, ...]]]  # (Excel row number, values)


def _file_error(message: str) -> Invalid:
    """A problem with the file as a whole (not a row): shown at the upload field."""
    return Invalid({"ledger": message}, message)


def _check_container(content: bytes) -> None:
    if not content:
        raise _file_error("请选择要导入的台账文件（.xlsx）")
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise _file_error("这是旧版 Excel（.xls）或加了密码的文件：请在 Excel 中取消密码，“另存为” .xlsx 格式后再导入")
    if content[:4] != b"PK\x03\x04":
        raise _file_error("文件不是 Excel 工作簿（.xlsx），请下载模板填写后上传")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _file_error("文件已损坏或不是 Excel 工作簿（.xlsx）") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _file_error("文件解压后过大，请删除多余的工作表或分批导入")


def _find_header(rows: Iterator[tuple[Any, ...]]) -> tuple[int, tuple[Any, ...]] | None:
    for number, values in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            return None
        keys = {HEADER_INDEX[k].key for k in (header_key(v) for v in values if v is not None) if k in HEADER_INDEX}
        if keys & {"name", "investor_name"}:  # a required column is enough: the other is reported missing
            return number, values
    return None


def read_ledger(content: bytes) -> Ledger:
    """The data sheet's header and rows; a problem with the file as a whole raises Invalid({"ledger": …})."""
    _check_container(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise _file_error("无法读取该 Excel 文件，请确认文件未损坏、未加密") from None
    try:
        sheets = workbook.worksheets  # (chart sheets left out)
        for sheet in sorted(sheets, key=lambda s: (s.title.strip() != DATA_SHEET, sheets.index(s))):
            if sheet.title.strip() in (HELP_SHEET, VALUES_SHEET):
                continue
            rows = sheet.iter_rows(values_only=True)
            found = _find_header(rows)
            if found is not None:
                return _ledger(sheet.title, found[0], found[1], rows)
    except DomainError:
        raise
    except Exception:  # a sheet openpyxl cannot parse
        raise _file_error("无法读取该 Excel 文件的内容，请在 Excel 中打开并重新保存后再导入") from None
    finally:
        workbook.close()
    raise ImportInvalid(
        [RowError(1, "项目名称", "找不到表头：表头行应包含“项目名称”“客商名称”等列名（可下载模板对照）")]
    )


def _ledger(sheet: str, header_row: int, header_values: tuple[Any, ...], rows: Iterator[tuple[Any, ...]]) -> Ledger:
    errors: list[RowError] = []
    columns: dict[int, Column] = {}
    headers: dict[str, tuple[str, str]] = {}
    ignored: list[str] = []
    for position, value in enumerate(header_values):
        text = str(value).strip() if value is not None else ""
        if not text:
            continue
        letter = get_column_letter(position + 1)
        key = header_key(text)
        column = HEADER_INDEX.get(key)
        if column is None:
            base = _UNIT_SUFFIX.sub("", key)
            if base in UNIT_BOUND and base != key:
                wanted = next(c.header for c in COLUMNS if header_key(c.header).startswith(base))
                errors.append(
                    RowError(
                        header_row,
                        text,
                        f"单位与系统不同：请换算为{UNIT_BOUND[base]}，并把列名改为“{wanted}”",
                        f"{letter}{header_row}",
                    )
                )
            else:
                ignored.append(text)
            continue
        if column.key in headers:
            errors.append(
                RowError(
                    header_row,
                    text,
                    f"与 {headers[column.key][1]} 列重复（都是“{column.header}”）",
                    f"{letter}{header_row}",
                )
            )
            continue
        columns[position] = column
        headers[column.key] = (text, letter)
    for column in COLUMNS:
        if column.required and column.key not in headers:
            errors.append(RowError(header_row, column.header, f"缺少必填列“{column.header}”"))
    if errors:
        raise ImportInvalid(errors)
    data: list[tuple[int, tuple[Any, ...]]] = []
    name_at = next(position for position, column in columns.items() if column.key == "name")
    for number, values in enumerate(rows, start=header_row + 1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if name_at < len(values) and re.sub(r"\s+", "", str(values[name_at] or "")) in TOTAL_ROWS:
            continue  # a ledger's own sum row: no project
        if len(data) >= MAX_ROWS:
            raise _file_error(f"一次最多导入 {MAX_ROWS} 行，请分批导入")
        data.append((number, values))
    if not data:
        raise _file_error("台账中没有项目行：请在表头下方逐行填写项目")
    return Ledger(sheet, header_row, columns, headers, ignored, data)


# --- reading cells -------------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value).strip()


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool | datetime | date):
        raise CellError("请填写数字")
    try:
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            # Excel keeps binary floats: 0.1 + 0.2 is stored as 0.30000000000000004
            return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
        if isinstance(value, Decimal):
            return value
        text = re.sub(r"[\s,，]", "", unicodedata.normalize("NFKC", str(value)))
        if not text:
            return None
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{_text(value)[:30]}”不是数字，请填写数字，如 1200 或 1200.50") from None
    if not number.is_finite():
        raise CellError("请填写数字")
    return number


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("请填写日期，如 2026-03-01")
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            match = _DATE_DIGITS.match(str(int(value)))
        elif 10_000 <= value < 100_000:  # a date cell whose format was lost: Excel's day number
            return _EXCEL_EPOCH + timedelta(days=int(value))
        else:
            raise CellError("请填写日期，如 2026-03-01")
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return None
        match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if match is None:
        raise CellError(f"“{_text(value)[:30]}”不是日期，请填写如 2026-03-01 或 2026/3/1")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError(f"“{_text(value)[:30]}”不是有效的日期") from None


def _enum(column: Column, value: Any) -> Any:
    text = _text(value)
    if not text:
        return None
    found = OPTION_INDEX[column.key].get(_option_key(text))
    if found is None:
        raise CellError(f"“{text[:30]}”不是有效的{column.header}，可选：{'、'.join(column.options)}")
    return found


def _norm_unit(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --- checking every row --------------------------------------------------------------------------


@dataclass
class InvestorGroup:
    """One investor in the file: the rows naming it share one catalogue record."""

    name: str
    key: str
    code: str | None
    investor_type: InvestorType
    first_row: int
    existing: Investor | None = None


@dataclass
class PlannedRow:
    row: int
    data: ProjectCreate
    stage_dates: dict[Stage, date]
    group: InvestorGroup | None = None


@dataclass
class Plan:
    rows: list[PlannedRow]
    groups: list[InvestorGroup]


class _Units:
    def __init__(self, db: Session) -> None:
        self.by_id: dict[int, Unit] = {}
        self.by_name: dict[str, list[Unit]] = {}
        for unit in db.execute(select(Unit)).scalars():
            self.by_id[unit.id] = unit
            for text in {unit.name, unit.short_name}:
                if text:
                    self.by_name.setdefault(_norm_unit(text), []).append(unit)

    def find(self, text: str) -> Unit:
        found = self.by_name.get(_norm_unit(text), [])
        exact = [u for u in found if _norm_unit(u.name) == _norm_unit(text)]
        if len(exact) == 1:
            return exact[0]
        if not found:
            raise CellError(f"找不到单位“{text[:40]}”，请填写单位全称")
        if len(found) > 1:
            raise CellError(f"简称“{text[:40]}”对应多个单位，请填写单位全称")
        return found[0]


def _row_values(ledger: Ledger, values: tuple[Any, ...]) -> dict[str, Any]:
    return {column.key: values[pos] if pos < len(values) else None for pos, column in ledger.columns.items()}


class _RowChecker:
    """Turns one row into a ProjectCreate and its stage dates, or collects what is wrong with it."""

    def __init__(
        self,
        principal: Principal,
        ledger: Ledger,
        units: _Units,
        rules: stage_gate.Rules,
        signing_rules: prereview.SigningRules,
        named: dict[Category, list[int]],
    ) -> None:
        self.principal = principal
        self.rules = rules
        self.signing_rules = signing_rules
        self.named = named
        self.ledger = ledger
        self.units = units
        self.today = workdays.today()
        self.errors: list[RowError] = []
        self.investor_problems: dict[tuple[str, InvestorType], tuple[str, ...]] = {}

    def error(self, row: int, key: str, message: str) -> None:
        written = self.ledger.headers.get(key)
        if written is not None:
            self.errors.append(RowError(row, written[0], message, f"{written[1]}{row}"))
        elif key in COLUMN_BY_KEY:
            self.errors.append(RowError(row, COLUMN_BY_KEY[key].header, message))
        else:
            self.errors.append(RowError(row, WHOLE_ROW, message))

    def check(self, row: int, raw: dict[str, Any]) -> tuple[ProjectCreate, dict[Stage, date], dict[str, Any]] | None:
        before = len(self.errors)
        values: dict[str, Any] = {}
        failed: set[str] = set()  # keys whose cell could not be read
        for key, value in raw.items():
            column = COLUMN_BY_KEY[key]
            try:
                if column.kind == "money" or column.kind == "decimal":
                    values[key] = _decimal(value)
                elif column.kind == "date":
                    values[key] = _date(value)
                elif column.kind == "enum":
                    values[key] = _enum(column, value)
                else:
                    values[key] = _text(value)
            except CellError as exc:
                self.error(row, key, str(exc))
                failed.add(key)
        for column in COLUMNS:
            if column.required and column.key in values and not values[column.key]:
                self.error(row, column.key, f"{column.header}必填")
        investor = self._investor(row, values)
        responsible = self._unit(row, values.get("responsible_unit") or "")
        stage, stage_date, stage_dates = self._stages(row, values, failed)
        fields: dict[str, Any] = {
            key: value
            for key, value in values.items()
            if key in ProjectCreate.model_fields and value is not None and key not in ("stage", "stage_date")
        }
        if stage is not None:
            fields["stage"] = stage
        fields["stage_date"] = stage_date
        fields["investor_id"] = 1  # a placeholder: the investor is found or created once all rows are correct
        if responsible is not None and self.principal.is_coordinator:
            fields["introducing_unit_id"] = fields["responsible_unit_id"] = responsible
        try:
            data = ProjectCreate.model_validate(fields)
        except ValidationError as exc:
            reported = {e.cell or e.column for e in self.errors[before:]}
            for key, message in translate_errors(exc.errors()).items():
                key = self._key_for(key, message)
                written = self.ledger.headers.get(key)
                if written is None or f"{written[1]}{row}" not in reported:  # one message per cell
                    self.error(row, key, message)
            return None
        # the stage gate, as for a project created on its page: the evidence of every stage it is created past
        passed = stage_gate.passed(None, data.stage)
        for key, message in stage_gate.missing_evidence(self.rules, passed, projects.creation_evidence(data)).items():
            self.error(row, key, message)
        # and the gate before signing: the pre-review passed and the signing approval at its level
        for key, message in prereview.creation_problems(self.signing_rules, self.named, data, passed).items():
            self.error(row, key, message)
        if len(self.errors) > before:
            return None
        return data, stage_dates, investor

    @staticmethod
    def _key_for(field_name: str, message: str) -> str:
        if field_name in COLUMN_BY_KEY:
            return field_name
        if field_name == "__all__" and "约定投产日期" in message:
            return "production_by"
        return field_name

    def _investor(self, row: int, values: dict[str, Any]) -> dict[str, Any]:
        investor_type = values.get("investor_type") or InvestorType.private
        code_text = values.get("credit_code") or ""
        code: str | None = None
        if code_text:
            problem = credit_code.problem(code_text)
            if problem:
                self.error(row, "credit_code", problem)
            elif investor_type is InvestorType.individual:
                self.error(row, "credit_code", "个人客商不填统一社会信用代码；如为企业，请修改客商类型")
            else:
                code = credit_code.normalise(code_text)
        name = values.get("investor_name") or ""
        if name:
            for message in self._investor_problems(name, investor_type):
                self.error(row, "investor_name", message)
        return {"name": name, "code": code, "investor_type": investor_type}

    def _investor_problems(self, name: str, investor_type: InvestorType) -> tuple[str, ...]:
        """What the catalogue's own rules (InvestorCreate) say about a name: checked once per name."""
        key = (name, investor_type)
        if key not in self.investor_problems:
            try:
                InvestorCreate(
                    kind=InvestorKind.person if investor_type is InvestorType.individual else InvestorKind.company,
                    name=name,
                    investor_type=investor_type,
                )
                self.investor_problems[key] = ()
            except ValidationError as exc:
                self.investor_problems[key] = tuple(translate_errors(exc.errors()).values())
        return self.investor_problems[key]

    def _unit(self, row: int, text: str) -> int | None:
        principal = self.principal
        if not text:
            if principal.unit_id is None:
                self.error(row, "responsible_unit", "请填写责任单位")
            return principal.unit_id
        try:
            unit = self.units.find(text)
        except CellError as exc:
            if principal.is_coordinator:
                self.error(row, "responsible_unit", str(exc))
                return None
            unit = None
        if not principal.is_coordinator:
            own = self.units.by_id.get(principal.unit_id or 0)
            if unit is None or unit.id != principal.unit_id:
                own_name = own.name if own else "本单位"
                self.error(row, "responsible_unit", f"只能导入本单位的项目：责任单位应为“{own_name}”或留空")
                return None
            return unit.id
        assert unit is not None
        if not unit.is_active:
            self.error(row, "responsible_unit", f"单位“{unit.name}”已停用")
            return None
        return unit.id

    def _stages(
        self, row: int, values: dict[str, Any], failed: set[str]
    ) -> tuple[Stage | None, date | None, dict[Stage, date]]:
        """The current stage, the date it was reached, and the dates of the stages before it.

        Reports use these dates, so a stage from signing on must come with its date: a ledger
        of old projects must not count them as signed or started today.
        """
        explicit: date | None = values.get("stage_date")
        if "stage" in failed or failed & set(STAGE_DATE_KEYS):
            return values.get("stage"), explicit, {}  # already reported: one message per problem
        given = {STAGE_DATE_KEYS[k]: v for k in STAGE_DATE_KEYS if (v := values.get(k)) is not None}
        key_of = {stage: key for key, stage in STAGE_DATE_KEYS.items()}
        header_of = {stage: COLUMN_BY_KEY[key].header for stage, key in key_of.items()}
        stage: Stage | None = values.get("stage")
        if stage is None and given:
            stage = max(given, key=lambda s: s.order)  # the furthest stage the row gives a date for
        current = stage or Stage.negotiating
        before = len(self.errors)
        for when_stage, when in given.items():
            if when_stage.order > current.order:
                self.error(
                    row,
                    key_of[when_stage],
                    f"当前阶段为“{current.label}”，不应填写{header_of[when_stage]}（如已{when_stage.label}，请修改当前阶段）",
                )
            elif when > self.today:
                self.error(row, key_of[when_stage], "日期不能晚于今天")
            elif when.year < 1990:
                self.error(row, key_of[when_stage], "日期过早")
        previous: Stage | None = None
        for when_stage in sorted(given, key=lambda s: s.order):
            if previous is not None and given[when_stage] < given[previous]:
                self.error(row, key_of[when_stage], f"{header_of[when_stage]}不能早于{header_of[previous]}")
            previous = when_stage
        if len(self.errors) > before or "stage_date" in failed:
            return stage, explicit, {}
        own = given.get(current)
        if explicit is not None and own is not None and explicit != own:
            self.error(row, "stage_date", f"与{header_of[current]}不一致")
        if explicit is None and own is None and current.order >= Stage.signed.order:
            own_column = f"或{header_of[current]}" if current in header_of else ""
            self.error(row, "stage_date", f"当前阶段为“{current.label}”，请填写阶段日期{own_column}")
        if explicit is not None:
            for when_stage, when in sorted(given.items(), key=lambda item: item[0].order):
                if when_stage.order < current.order and when > explicit:
                    self.error(row, "stage_date", f"阶段日期不能早于{header_of[when_stage]}")
                    break
        return stage, explicit or own, {s: d for s, d in given.items() if s.order <= current.order}


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _group_investors(
    checker: _RowChecker, checked: list[tuple[int, ProjectCreate, dict[Stage, date], dict[str, Any]]]
) -> tuple[list[PlannedRow], list[InvestorGroup]]:
    """One group per distinct investor: by credit code, else by normalised name."""
    by_code: dict[str, InvestorGroup] = {}
    codes_by_key: dict[str, set[str]] = {}
    for row, _, _, inv in checked:
        if inv["code"]:
            key = name_key(inv["name"])
            by_code.setdefault(inv["code"], InvestorGroup(inv["name"], key, inv["code"], inv["investor_type"], row))
            codes_by_key.setdefault(key, set()).add(inv["code"])
    by_key: dict[str, InvestorGroup] = {}
    planned: list[PlannedRow] = []
    for row, data, stage_dates, inv in checked:
        if inv["code"]:
            group = by_code[inv["code"]]
        else:
            key = name_key(inv["name"])
            codes = codes_by_key.get(key, set())
            if len(codes) > 1:
                message = f"本表中“{inv['name']}”对应多个统一社会信用代码，请为此行填写信用代码"
                checker.error(row, "credit_code", message)
                continue
            if codes:
                group = by_code[next(iter(codes))]
            else:
                group = by_key.setdefault(key, InvestorGroup(inv["name"], key, None, inv["investor_type"], row))
        planned.append(PlannedRow(row, data, stage_dates, group))
    return planned, [*by_code.values(), *by_key.values()]


def _match_catalogue(db: Session, groups: list[InvestorGroup]) -> None:
    """Find each group's investor in the catalogue, as investors.find_existing does, in a few queries."""
    codes = sorted({g.code for g in groups if g.code})
    keys = sorted({g.key for g in groups})
    found: dict[int, Investor] = {}
    for chunk in _chunks(codes):
        found.update((i.id, i) for i in db.execute(select(Investor).where(Investor.credit_code.in_(chunk))).scalars())
    for chunk in _chunks(keys):
        found.update((i.id, i) for i in db.execute(select(Investor).where(Investor.name_key.in_(chunk))).scalars())
    catalogue_by_code = {i.credit_code: i for i in found.values() if i.credit_code}
    catalogue_by_key: dict[str, list[Investor]] = {}
    for investor in sorted(found.values(), key=lambda i: i.id):
        catalogue_by_key.setdefault(investor.name_key, []).append(investor)
    for group in groups:
        if group.code and group.code in catalogue_by_code:
            group.existing = catalogue_by_code[group.code]
            continue
        for candidate in catalogue_by_key.get(group.key, []):
            if not (group.code and candidate.credit_code and candidate.credit_code != group.code):
                group.existing = candidate
                break


def _check_duplicates(db: Session, checker: _RowChecker, planned: list[PlannedRow]) -> None:
    """The same project twice in the file, or already in the system (a ledger imported twice)."""
    seen: dict[tuple[str, int], int] = {}
    for item in planned:
        key = (item.data.name, id(item.group))
        if key in seen:
            checker.error(item.row, "name", f"与第 {seen[key]} 行重复（项目名称和客商相同）")
        else:
            seen[key] = item.row
    existing_ids = {g.existing.id for p in planned if (g := p.group) and g.existing is not None}
    if not existing_ids:
        return
    names = sorted({p.data.name for p in planned if p.group and p.group.existing is not None})
    in_system: dict[tuple[str, int], int] = {}
    for chunk in _chunks(names):
        stmt = select(Project.id, Project.name, Project.investor_id).where(Project.name.in_(chunk))
        for project_id, name, investor_id in db.execute(stmt):
            in_system.setdefault((name, investor_id), project_id)
    for item in planned:
        if item.group and item.group.existing is not None:
            found = in_system.get((item.data.name, item.group.existing.id))
            if found is not None:
                checker.error(item.row, "name", f"系统中已有该客商的同名项目（编号 {found}），请勿重复导入")


def ensure_may_import(principal: Principal) -> None:
    if not principal.can_write or principal.role not in (Role.unit_staff, Role.coordinator):
        raise policy.DeniedForbidden("您的角色不能导入项目")


def check(db: Session, principal: Principal, ledger: Ledger) -> Plan:
    """Every row checked, nothing written; any error raises ImportInvalid listing them all."""
    checker = _RowChecker(
        principal,
        ledger,
        _Units(db),
        stage_gate.rules(db),
        prereview.signing_rules(db),
        prereview.departments_by_category(db),
    )
    checked = []
    for row, values in ledger.rows:
        result = checker.check(row, _row_values(ledger, values))
        if result is not None:
            checked.append((row, *result))
    planned, groups = _group_investors(checker, checked)
    _match_catalogue(db, groups)
    _check_duplicates(db, checker, planned)
    if checker.errors:
        raise ImportInvalid(checker.errors)
    return Plan(planned, groups)


def _create_investors(db: Session, principal: Principal, groups: list[InvestorGroup], batch_size: int) -> int:
    created = 0
    new = [g for g in groups if g.existing is None]
    for chunk in _chunks(new, batch_size):
        batch = []
        for group in chunk:
            person = group.investor_type is InvestorType.individual
            data = InvestorCreate(
                kind=InvestorKind.person if person else InvestorKind.company,
                name=group.name,
                credit_code=group.code,
                investor_type=group.investor_type,
            )
            values = data.model_dump()
            values.update(name_key=name_key(data.name), phone_key=phone_key(data.contact_phone))
            investor = Investor(**values, created_by_unit_id=principal.unit_id)
            group.existing = investor
            batch.append(investor)
        assign_ids(db, batch)  # (PostgreSQL: INSERTs by executemany, see there)
        db.add_all(batch)
        with _insert_pages(db):
            db.flush()
        created += len(batch)
    return created


@contextmanager
def _insert_pages(db: Session) -> Iterator[None]:
    """Multi-row INSERTs of projects.INSERT_PAGE_ROWS rows while the block flushes (see there why)."""
    connection = db.connection()
    page_size = connection.get_execution_options().get("insertmanyvalues_page_size")
    connection.execution_options(insertmanyvalues_page_size=projects.INSERT_PAGE_ROWS)
    try:
        yield
    finally:
        connection.execution_options(
            insertmanyvalues_page_size=page_size or connection.dialect.insertmanyvalues_page_size
        )


def import_ledger(
    db: Session, principal: Principal, content: bytes, *, filename: str = "", batch_size: int = BATCH_SIZE
) -> ImportResult:
    """Check the whole ledger, then import it in one go.

    Errors found by the checks raise ImportInvalid before anything is written. The writing
    itself only flushes: the caller's transaction commits it, or rolls it back when anything
    raised (ImportAborted, a refusal, a database error) — so a file imports whole or not at all.
    """
    ensure_may_import(principal)
    ledger = read_ledger(content)
    plan = check(db, principal, ledger)
    ledger.rows = []  # every cell is checked: what is written comes from the plan
    reused = sum(1 for g in plan.groups if g.existing is not None)
    investors_created = _create_investors(db, principal, plan.groups, batch_size)
    project_ids = _create_projects(db, principal, ledger, plan, batch_size)
    audit.append(
        db,
        "import",
        entity="project",
        changes={
            "file": filename[:200],
            "sha256": hashlib.sha256(content).hexdigest(),
            "sheet": ledger.sheet,
            "rows": len(project_ids),
            "investors_created": investors_created,
        },
    )
    return ImportResult(
        imported=len(project_ids),
        investors_created=investors_created,
        investors_reused=reused,
        project_ids=project_ids,
        ignored_columns=ledger.ignored,
        sheet=ledger.sheet,
    )


def _create_projects(db: Session, principal: Principal, ledger: Ledger, plan: Plan, batch_size: int) -> list[int]:
    """The planned rows written through projects.create_many, one batch per call, in the file's order.

    Each batch's projects (ORM objects) and planned rows are let go of once written, so that
    ten thousand of them are never in memory at once. A rule broken while writing is reported
    for every row, as one call would: the batches after it are still checked (and written, to
    be rolled back with the rest) before ImportAborted is raised. The new projects' ids.
    """
    row_numbers = [item.row for item in plan.rows]
    waiting = plan.rows[::-1]  # taken from the end, batch by batch
    plan.rows = []
    project_ids: list[int] = []
    errors: dict[str, str] = {}
    written = 0
    while waiting:
        items = []
        for _ in range(min(batch_size, len(waiting))):
            item = waiting.pop()
            assert item.group is not None and item.group.existing is not None
            items.append((item.data.model_copy(update={"investor_id": item.group.existing.id}), item.stage_dates))
        try:
            created = [project.id for project in projects.create_many(db, principal, items, batch_size=batch_size)]
        except Invalid as exc:  # keyed "<index in this batch>.<field>"
            for key, message in exc.errors.items():
                index, dot, field_name = key.partition(".")
                errors[f"{written + int(index)}{dot}{field_name}" if index.isdigit() else key] = message
        else:
            project_ids.extend(created)
        written += len(items)
    if errors:
        raise ImportAborted(_row_errors(ledger, row_numbers, errors))
    return project_ids


def _row_errors(ledger: Ledger, row_numbers: list[int], errors: dict[str, str]) -> list[RowError]:
    """Errors keyed "<index>.<field>" (as by projects.create_many), as rows and columns."""
    result = []
    for key, message in errors.items():
        index, _, field_name = key.partition(".")
        row = row_numbers[int(index)] if index.isdigit() and int(index) < len(row_numbers) else ledger.header_row
        written = ledger.headers.get("responsible_unit" if field_name.endswith("unit_id") else field_name)
        if written is None:
            result.append(RowError(row, WHOLE_ROW, message))
        else:
            result.append(RowError(row, written[0], message, f"{written[1]}{row}"))
    return result


# --- the template --------------------------------------------------------------------------------


def template_workbook() -> bytes:
    """A blank ledger: the header row, a sheet of instructions and one of allowed values."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    help_sheet = workbook.create_sheet(HELP_SHEET)
    values_sheet = workbook.create_sheet(VALUES_SHEET)
    bold = Font(bold=True)
    required_font = Font(bold=True, color="C00000")
    header_fill = PatternFill("solid", fgColor="E8EEF7")
    enum_columns = [c for c in COLUMNS if c.kind == "enum"]
    for index, column in enumerate(enum_columns, start=1):
        letter = get_column_letter(index)
        values_sheet.cell(row=1, column=index, value=column.header).font = bold
        for offset, label in enumerate(column.options, start=2):
            values_sheet.cell(row=offset, column=index, value=label)
        values_sheet.column_dimensions[letter].width = 22
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = required_font if column.required else bold
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[letter].width = max(12, min(30, len(column.header) * 2 + 4))
        if column.kind == "date":
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif column.kind in ("money", "decimal"):
            sheet.column_dimensions[letter].number_format = "0.00"
        else:
            sheet.column_dimensions[letter].number_format = "@"
        if column.kind == "enum":
            source = get_column_letter(enum_columns.index(column) + 1)
            validation = DataValidation(
                type="list",
                formula1=f"'{VALUES_SHEET}'!${source}$2:${source}${len(column.options) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="请从列表中选择",
                error=f"{column.header}可选：{'、'.join(column.options)}",
            )
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"
    help_rows: list[Sequence[Any]] = [
        ("项目台账导入说明",),
        ("1. 在“项目台账”工作表的表头下方，每行填写一个项目；不要改动列名，不需要的列可以删除，红色列名为必填。",),
        ("2. 上传后先逐行校验：只要有一处错误，就一行也不导入，并按行号和列名列出全部错误；改正后重新上传即可。",),
        ("3. 金额以万元为单位，最多两位小数；日期填 2026-03-01 或 2026/3/1，或设为 Excel 日期格式。",),
        ("4. 客商按统一社会信用代码或名称与客商库匹配：已有的直接沿用，没有的新建；同一客商在表中多次出现只建一个。",),
        ("5. 当前阶段为“正式签约”及以后的，须填写到达该阶段的日期（阶段日期，或签约、开工、竣工、投产日期）。",),
        ("6. 下拉选项见“可选值”工作表。",),
        (),
        ("列名", "是否必填", "填写要求", "示例"),
    ]
    for column in COLUMNS:
        note = column.note
        if column.kind == "enum":
            note = (note + "；" if note else "") + "可选：" + "、".join(column.options)
        help_rows.append((column.header, "必填" if column.required else "选填", note, column.example))
    for row in help_rows:
        help_sheet.append(list(row))
    help_sheet["A1"].font = Font(bold=True, size=14)
    for cell in help_sheet[len(help_rows) - len(COLUMNS)]:
        cell.font = bold
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 70
    help_sheet.column_dimensions["D"].width = 26
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_help() -> list[dict[str, Any]]:
    """The columns as the upload page explains them."""
    return [
        {
            "header": c.header,
            "required": c.required,
            "note": c.note,
            "options": list(c.options) if c.kind == "enum" else [],
        }
        for c in COLUMNS
    ]
