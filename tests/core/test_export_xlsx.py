"""The XLSX export writes its XML directly: read back with openpyxl, it is what openpyxl would write."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from app.models.project import Stage
from app.models.user import Role
from app.principal import Principal
from app.services import export, performance, workdays
from app.templating import LOCAL_TZ
from tests.conftest import login
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects.factories import make_investor, make_lead, make_project

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
    assert third[1] == '\'=HYPERLINK("http://x")' and sheet["B4"].data_type == "s"  # text, never a formula
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


# --- formulas: text a spreadsheet would evaluate is neutralised (OWASP "CSV injection") -----------

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\tfoo", "\rfoo"]


def assert_neutralised(body: bytes, planted: Sequence[str], numbers: dict[str, float] | None = None) -> None:
    """No cell is a formula; every planted text is there, read back as text starting with the apostrophe;
    the given (column header → value) numbers are still numbers."""
    book = load_workbook(io.BytesIO(body))
    sheet = book.active
    assert sheet is not None
    # every sheet of the workbook (a bulletin has one per table); numbers are looked up in the first
    cells = [cell for each in book.worksheets for row in each.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for value in planted:
        assert "'" + value in texts, (value, " | ".join(texts))
    # nothing reaches the reader starting with a character that starts a formula
    assert not [t for t in texts if t[0] in "=+-@\t\r"]
    header = [c.value for c in sheet[1]]
    for column, expected in (numbers or {}).items():
        values = [row[header.index(column)].value for row in sheet.iter_rows(min_row=2)]
        assert expected in values and all(not isinstance(v, str) for v in values if v is not None), (column, values)


def test_text_that_starts_a_formula_is_written_as_text_a_spreadsheet_keeps():
    rows = [[value, -5, Decimal("-1.5"), "普通文本", "a-b"] for value in DANGEROUS]
    rows.append(["\x01=1+1", 3, Decimal(0), "＝1+1", "－1"])  # after dropping what XML cannot hold; full-width
    body = export.xlsx("公式", ["文本", "整数", "金额", "其他", "中间的减号"], rows)
    assert_neutralised(body, [*DANGEROUS, "=1+1", "＝1+1", "－1"], {"整数": -5, "金额": -1.5})
    values = read(body)
    assert values[1][3:] == ["普通文本", "a-b"]  # only text that starts a formula gets the prefix
    with zipfile.ZipFile(io.BytesIO(body)) as parts:
        sheet_xml = parts.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<v>-5</v>" in sheet_xml and "<v>-1.5</v>" in sheet_xml


def test_every_xlsx_export_neutralises_planted_formulas(client: TestClient, db: Session):
    """Projects, leads and a bulletin, exported through the app: names a user typed never become formulas."""
    unit = make_unit(db, name='=HYPERLINK("http://x","单位")', short_name="-城关镇")
    for index, value in enumerate(DANGEROUS):
        investor = make_investor(db, name=f"{value}{index}")
        make_project(db, unit, stage=Stage.signed, investor=investor, name=value, contract_investment=Decimal(1000))
        make_lead(db, unit, investor, project_name=value, contact_name=value, introducer_name="@引荐")
    coordinator = make_user(db, make_unit(db), role=Role.coordinator)
    year = workdays.today().year
    bureau = Principal(role=Role.coordinator, unit_id=None, label="招商局", user_id=None)
    performance.set_target(db, bureau, year=year, metric="funds_domestic", amount=Decimal(100), unit_id=unit.id)
    db.commit()
    assert login(client, coordinator.username, PASSWORD).status_code == 303

    projects_xlsx = client.get("/projects.xlsx")
    assert projects_xlsx.status_code == 200
    investors = [f"{value}{index}" for index, value in enumerate(DANGEROUS)]
    assert_neutralised(projects_xlsx.content, [*DANGEROUS, *investors, unit.name], {"合同投资（万元）": 1000})

    leads_xlsx = client.get("/leads.xlsx")
    assert leads_xlsx.status_code == 200
    assert_neutralised(leads_xlsx.content, [*DANGEROUS, *investors, unit.name, "@引荐"], {"意向投资（万元）": 800})

    bulletin = client.get(f"/bulletins/quarterly/{year}/1/export.xlsx")
    assert bulletin.status_code == 200
    assert_neutralised(bulletin.content, [unit.short_name])
