"""The XLSX export writes its XML directly: read back with openpyxl, it is what openpyxl would write."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from app.services import export
from app.templating import LOCAL_TZ

HEADERS = ["编号", "名称", "金额", "比例", "有效", "签约日期", "更新时间", "备注"]
ROWS = [
    (
        1,
        "智能装备 & <新材料>",
        Decimal("1234.50"),
        0.25,
        True,
        date(2026, 1, 5),
        datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        "",
    ),
    (2, "  留空格  ", None, -3, False, None, None, "多行\n文本"),
    (3, '=HYPERLINK("http://x")', Decimal("-0.01"), 10**12, None, date(1999, 12, 31), None, "a\x01b\x1fc"),
]
FORMATS = {2: "#,##0.00", 3: "0.0%"}


def read(body: bytes, read_only: bool = False) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(body), read_only=read_only).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_values_types_and_formats_read_back_as_written():
    body = export.xlsx("项目台账", HEADERS, ROWS, number_formats=FORMATS)
    book = load_workbook(io.BytesIO(body))
    sheet = book.active
    assert sheet is not None and sheet.title == "项目台账"
    assert [c.value for c in sheet[1]] == HEADERS and all(c.font.b for c in sheet[1])
    first = [c.value for c in sheet[2]]
    assert first[:5] == [1, "智能装备 & <新材料>", 1234.5, 0.25, True]
    assert first[5] == datetime(2026, 1, 5)  # a date cell, as openpyxl reads dates back
    assert first[6] == datetime(2026, 3, 1, 8, 30).replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)
    assert first[7] is None  # "" is an empty cell, as openpyxl writes it
    assert sheet["C2"].number_format == "#,##0.00" and sheet["D2"].number_format == "0.0%"
    assert sheet["F2"].number_format == "yyyy-mm-dd" and sheet["G2"].number_format == "yyyy-mm-dd h:mm:ss"
    assert not sheet["B2"].font.b
    second = [c.value for c in sheet[3]]
    assert second == [2, "  留空格  ", None, -3, False, None, None, "多行\n文本"]
    third = [c.value for c in sheet[4]]
    assert third[1] == '=HYPERLINK("http://x")' and sheet["B4"].data_type == "s"  # text, never a formula
    assert third[2] == -0.01 and third[3] == 10**12 and third[5] == datetime(1999, 12, 31)
    assert third[7] == "abc"  # characters XML cannot hold are dropped, not a failed export


def test_rows_keep_their_length_and_match_openpyxl_for_plain_values():
    body = export.xlsx("x", HEADERS, ROWS, number_formats=FORMATS)
    rows = read(body, read_only=True)
    assert [len(r) for r in rows] == [len(HEADERS)] * 4
    reference = Workbook(write_only=True)
    sheet = reference.create_sheet("x")
    sheet.append(HEADERS)
    for row in ROWS[:2]:
        sheet.append([v.astimezone(LOCAL_TZ).replace(tzinfo=None) if isinstance(v, datetime) else v for v in row])
    buffer = io.BytesIO()
    reference.save(buffer)
    assert read(body, read_only=True)[:3] == read(buffer.getvalue(), read_only=True)


def test_header_only_and_awkward_titles():
    body = export.xlsx("通报: 2026/四季度 [草稿]*?", ["甲"], [])
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet.max_row == 1 and sheet.title == "通报_ 2026_四季度 _草稿___"
    with zipfile.ZipFile(io.BytesIO(body)) as parts:
        assert parts.testzip() is None and "xl/worksheets/sheet1.xml" in parts.namelist()
    long = export.xlsx("长文本", ["甲"], [["字" * 40_000]])
    assert len(read(long)[1][0]) == 32767  # Excel's limit for a cell
