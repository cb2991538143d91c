"""The ledger import (项目台账): every row checked first, all or nothing, errors by row and column in Chinese."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.audit import AuditEntry
from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.project import Project, Sector, Stage, StageEvent
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.projects import ProjectCreate
from app.services import credit_code, project_import, projects
from app.services.export import XLSX_TYPE
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import gate_departments

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def valid_code(body: str) -> str:
    """A credit code with its check character (GB 32100-2015), from 17 characters."""
    return body + credit_code.check_character(body)


CODE_A = valid_code("91430100MA4L0000A")
CODE_B = valid_code("91440300MA5F0000B")


def workbook(rows: list[dict[str, Any]], headers: list[str] | None = None, *, title: str | None = None) -> bytes:
    """An .xlsx ledger: optionally a title row, the header row, then one row per dict (by header)."""
    headers = headers or list(dict.fromkeys(key for row in rows for key in row))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "项目台账"
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload_page(client: TestClient, content: bytes, filename: str = "台账.xlsx", key: str | None = None) -> Any:
    data = {"csrf_token": page_csrf(client, "/projects/import"), "idempotency_key": key or uuid.uuid4().hex}
    return client.post("/projects/import", data=data, files={"ledger": (filename, content, XLSX_TYPE)})


def upload_api(client: TestClient, secret: str, content: bytes, **headers: str) -> Any:
    return client.post(
        "/api/v1/projects/import",
        headers={**bearer(secret), **headers},
        files={"ledger": ("台账.xlsx", content, XLSX_TYPE)},
    )


def sign_in(client: TestClient, db: Session, unit: Unit, role: Role = Role.unit_staff) -> User:
    user = make_user(db, unit, role)
    db.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return user


def projects_of(db: Session, unit: Unit) -> list[Project]:
    db.expire_all()
    stmt = select(Project).where(Project.responsible_unit_id == unit.id).order_by(Project.id)
    return list(db.execute(stmt).scalars())


def count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


# what a row at 正式签约 or later carries for the gate before signing (app.services.prereview)
GATE = {
    "项目预审": "预审通过",
    "签约审批层级": "一事一议",
    "签约审批人": "县委县政府主要领导",
    "签约审批日期": "2025-01-10",
    "签约审批文号": "县政府常务会议纪要〔2025〕2 号",
}


@pytest.fixture(autouse=True)
def _prereview_departments(request: pytest.FixtureRequest) -> None:
    """A department named for every category, so that signed rows can pass the pre-review."""
    if "db" in request.fixturenames:
        gate_departments(request.getfixturevalue("db"))


def good_rows() -> list[dict[str, Any]]:
    return [
        {
            "项目名称": "新型建材项目",
            "客商名称": "湖南某某建材股份有限公司",  # in the catalogue under another form of the name
            "统一社会信用代码": CODE_A,
            "当前阶段": "洽谈在谈",
            "计划总投资（万元）": "2,000",  # text with a thousands separator
        },
        {"项目名称": "新型建材二期", "客商名称": "湖南某某建材有限公司", "计划总投资（万元）": 800},
        {
            "项目名称": "智能装备项目",
            "客商名称": "深圳市某某智造科技有限公司",
            "客商类型": "上市公司",
            "当前阶段": "开工",
            "签约日期": datetime(2025, 3, 1),  # an Excel date cell
            "合同编号": "ZZ-HT-2025-007",
            "施工许可证号": "430102202504080101",  # the national form: division code, date of issue, serial
            "开工日期": "2025/4/8",  # a date typed as text
            "合同投资额（万元）": 1200.5,  # a float, as Excel keeps numbers
            "计划总投资（万元）": 0.1 + 0.2,  # 0.30000000000000004 in binary
            "产业": "二产",
            "类别": "工业",
            "用地面积（亩）": 80,
            "约定开工日期": "2025-05-01",
            "约定投产日期": "2026-05-01",
            "投资强度（万元/亩）": 150,
            "引荐人": "王引荐",
            "服务专员": "李专员",
            **GATE,
        },
        {"项目名称": "智能装备二期", "客商名称": "某某智造科技有限公司（深圳）", "当前阶段": "意向/框架协议"},
        {
            "项目名称": "乡村民宿项目",
            "客商名称": "张三",
            "客商类型": "个人",
            "产业": "三产",
            "类别": "文化旅游",
            "当前阶段": "正式签约",
            "阶段日期": "2025-06-30",
            "合同编号": "民宿协议-2025-12",
            "合同投资额（万元）": Decimal("350"),
            **GATE,
        },
    ]


# --- a correct file --------------------------------------------------------------------------


def test_a_correct_ledger_imports_every_row_in_one_go(client, db):
    unit = make_unit(db)
    known = make_investor(db, name="湖南某某建材有限公司", credit_code=CODE_A)
    investors_before = count(db, Investor)
    sign_in(client, db, unit)

    response = upload_page(client, workbook(good_rows()))

    assert response.status_code == 200, response.text[:2000]
    assert "导入完成" in response.text
    assert re.search(r'<div class="value">5</div><div class="label">个项目', response.text)
    rows = projects_of(db, unit)
    assert [p.name for p in rows] == ["新型建材项目", "新型建材二期", "智能装备项目", "智能装备二期", "乡村民宿项目"]
    building, second, equipment, equipment_two, homestay = rows
    # investors: the catalogue's record reused (by code, then by name), one new record per distinct name
    assert building.investor_id == second.investor_id == known.id
    assert equipment.investor_id == equipment_two.investor_id != known.id
    assert count(db, Investor) == investors_before + 2
    person = db.get(Investor, homestay.investor_id)
    assert person is not None and person.kind is InvestorKind.person and person.credit_code is None
    new_company = db.get(Investor, equipment.investor_id)
    assert new_company is not None and new_company.investor_type is InvestorType.listed
    assert new_company.created_by_unit_id == unit.id
    # values: amounts as exact decimals, dates from date cells and from text
    assert building.planned_investment == Decimal("2000.00")
    assert equipment.contract_investment == Decimal("1200.50")
    assert equipment.planned_investment == Decimal("0.30")
    assert equipment.land_area_mu == Decimal(80) and equipment.intensity_commitment == Decimal(150)
    assert (equipment.start_by, equipment.production_by) == (date(2025, 5, 1), date(2026, 5, 1))
    assert (equipment.introducer_name, equipment.service_officer) == ("王引荐", "李专员")
    assert equipment.size_band.value == "from_1000"
    # stages and their dates, as projects.create sets them
    assert equipment.stage is Stage.started
    assert (equipment.signed_on, equipment.started_on, equipment.stage_since) == (
        date(2025, 3, 1),
        date(2025, 4, 8),
        date(2025, 4, 8),
    )
    assert equipment_two.stage is Stage.intent and equipment_two.signed_on is None
    assert homestay.stage is Stage.signed and homestay.signed_on == homestay.stage_since == date(2025, 6, 30)
    assert homestay.sector is Sector.tertiary
    assert building.stage is Stage.negotiating and building.introducing_unit_id == unit.id
    # every project has its "create" stage event and its audit entry, and the import itself is audited
    ids = [p.id for p in rows]
    events = db.execute(select(StageEvent.project_id).where(StageEvent.project_id.in_(ids))).scalars().all()
    assert sorted(events) == sorted(ids)
    audited = db.execute(
        select(AuditEntry.entity_id).where(AuditEntry.entity == "project", AuditEntry.action == "create")
    ).scalars()
    assert {str(i) for i in ids} <= set(audited)
    imports = db.execute(select(AuditEntry).where(AuditEntry.action == "import")).scalars().all()
    assert [e.changes["rows"] for e in imports] == [5]


def test_the_api_imports_and_answers_with_counts_and_ids(client, db):
    unit = make_unit(db)
    secret = make_token(db, unit)
    db.commit()

    response = upload_api(client, secret, workbook(good_rows()))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["imported"] == 5
    assert body["investors_created"] == 3  # nothing in the catalogue yet: 建材, 智造科技, 张三
    assert [p.id for p in projects_of(db, unit)] == sorted(body["project_ids"])
    stored = {p.id: p.name for p in projects_of(db, unit)}
    assert [stored[i] for i in body["project_ids"]] == [r["项目名称"] for r in good_rows()]  # in the rows' order


def test_an_idempotency_key_makes_a_retried_api_import_create_nothing_more(client, db):
    unit = make_unit(db)
    secret = make_token(db, unit)
    db.commit()
    content = workbook(good_rows()[:2])

    first = upload_api(client, secret, content, **{"Idempotency-Key": "ledger-2026-03"})
    again = upload_api(client, secret, content, **{"Idempotency-Key": "ledger-2026-03"})

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(projects_of(db, unit)) == 2


# --- a file with errors imports nothing --------------------------------------------------------


def rows_with_two_errors() -> list[dict[str, Any]]:
    rows = [
        {"项目名称": f"台账项目{n}", "客商名称": f"某某实业有限公司{n}", "合同投资额（万元）": 100 + n}
        for n in range(8)
    ]
    rows[2]["当前阶段"] = "已完工啦"  # row 4 in Excel: header is row 1
    rows[5]["合同投资额（万元）"] = "abc"  # row 7
    return rows


HEADERS = ["项目名称", "客商名称", "当前阶段", "合同投资额（万元）"]


def test_one_bad_row_imports_nothing_and_the_page_names_rows_and_columns(client, db):
    unit = make_unit(db)
    sign_in(client, db, unit)
    projects_before, investors_before = count(db, Project), count(db, Investor)

    response = upload_page(client, workbook(rows_with_two_errors(), HEADERS))

    assert response.status_code == 422
    page = response.text
    assert "台账有 2 处错误，未导入任何项目" in page
    cells = re.findall(r'<td data-label="行号">第 (\d+) 行.*?</td>\s*<td data-label="列">(.*?)</td>', page)
    assert cells == [("4", "当前阶段"), ("7", "合同投资额（万元）")]
    assert "“abc”不是数字" in page
    assert "“已完工啦”不是有效的当前阶段" in page and "正式签约" in page  # the allowed values are listed
    assert (count(db, Project), count(db, Investor)) == (projects_before, investors_before)


def test_one_bad_row_imports_nothing_and_the_api_lists_the_errors(client, db):
    unit = make_unit(db)
    secret = make_token(db, unit)
    db.commit()
    projects_before, investors_before = count(db, Project), count(db, Investor)

    response = upload_api(client, secret, workbook(rows_with_two_errors(), HEADERS))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_invalid"
    assert CHINESE.search(body["message"]) and "未导入" in body["message"]
    assert [(d["row"], d["column"], d["cell"]) for d in body["details"]] == [
        (4, "当前阶段", "C4"),
        (7, "合同投资额（万元）", "D7"),
    ]
    assert all(CHINESE.search(d["message"]) for d in body["details"])
    assert (count(db, Project), count(db, Investor)) == (projects_before, investors_before)


def _a_day(text: Any) -> bool:
    try:
        date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"项目名称": "", "客商名称": "某某公司"}, "项目名称", "项目名称必填"),
        ({"项目名称": "甲", "客商名称": "某某公司"}, "项目名称", "至少 2 个字符"),
        ({"项目名称": "项目甲", "客商名称": "某某公司", "合同投资额（万元）": -5}, "合同投资额（万元）", "不能小于 0"),
        (
            {"项目名称": "项目甲", "客商名称": "某某公司", "合同投资额（万元）": "12.345"},
            "合同投资额（万元）",
            "最多 2 位小数",
        ),
        ({"项目名称": "项目甲", "客商名称": "某某公司", "签约日期": "2025-02-30"}, "签约日期", "不是有效的日期"),
        ({"项目名称": "项目甲", "客商名称": "某某公司", "签约日期": "明年三月"}, "签约日期", "不是日期"),
        (
            {"项目名称": "项目甲", "客商名称": "某某公司", "当前阶段": "正式签约", "合同编号": "HT-1"},
            "阶段日期",
            "请填写阶段日期",
        ),
        (
            {
                "项目名称": "项目甲",
                "客商名称": "某某公司",
                "当前阶段": "正式签约",
                "开工日期": "2025-01-01",
                "签约日期": "2024-12-01",
                "合同编号": "HT-1",
            },
            "开工日期",
            "不应填写开工日期",
        ),
        (
            {
                "项目名称": "项目甲",
                "客商名称": "某某公司",
                "签约日期": "2025-03-01",
                "开工日期": "2025-02-01",
                "合同编号": "HT-1",
                "施工许可证号": "430102202502010101",
            },
            "开工日期",
            "开工日期不能早于签约日期",
        ),
        (
            {"项目名称": "项目甲", "客商名称": "某某公司", "签约日期": "2099-01-01", "合同编号": "HT-1"},
            "签约日期",
            "不能晚于今天",
        ),
        (
            {"项目名称": "项目甲", "客商名称": "某某公司", "约定开工日期": "2026-05-01", "约定投产日期": "2026-01-01"},
            "约定投产日期",
            "约定投产日期不能早于约定开工日期",
        ),
        (
            {"项目名称": "项目甲", "客商名称": "某某公司", "统一社会信用代码": "91430100MA4L00000X"},
            "统一社会信用代码",
            "校验位不正确",
        ),
        (
            {"项目名称": "项目甲", "客商名称": "张三", "客商类型": "个人", "统一社会信用代码": CODE_B},
            "统一社会信用代码",
            "个人客商不填",
        ),
        ({"项目名称": "项目甲", "客商名称": "某某公司", "产业": "四产"}, "产业", "可选：一产、二产、三产"),
    ],
    ids=[
        "name-missing",
        "name-too-short",
        "negative-amount",
        "three-decimals",
        "no-such-day",
        "not-a-date",
        "signed-without-date",
        "date-beyond-stage",
        "dates-out-of-order",
        "future-date",
        "production-before-start",
        "bad-credit-code",
        "person-with-code",
        "unknown-sector",
    ],
)
def test_each_rule_is_reported_at_its_row_and_column(db, row, column, message):
    unit = make_unit(db)
    principal = Principal(role=Role.unit_staff, unit_id=unit.id, label="测试")
    db.info["principal"] = principal
    good = {"项目名称": "正确的项目", "客商名称": "正确的客商有限公司"}
    if row.get("当前阶段") == "正式签约" or _a_day(row.get("签约日期")) or "开工日期" in row:
        row = {**row, **GATE}  # the gate before signing passed: only the rule tested is reported

    with pytest.raises(project_import.ImportInvalid) as caught:
        project_import.import_ledger(db, principal, workbook([good, row]))

    [error] = caught.value.row_errors
    assert (error.row, error.column) == (3, column)
    assert message in error.message
    assert count(db, Project) == 0


def test_a_ledger_imported_twice_is_refused_the_second_time(client, db):
    unit = make_unit(db)
    secret = make_token(db, unit)
    db.commit()
    content = workbook(good_rows())
    assert upload_api(client, secret, content).status_code == 201

    again = upload_api(client, secret, content)

    assert again.status_code == 422
    messages = {(d["row"], d["column"]): d["message"] for d in again.json()["details"]}
    assert len(messages) == 5 and "请勿重复导入" in messages[(2, "项目名称")]
    assert len(projects_of(db, unit)) == 5


def test_the_same_project_twice_in_one_file_is_reported(db):
    unit = make_unit(db)
    principal = Principal(role=Role.unit_staff, unit_id=unit.id, label="测试")
    row = {"项目名称": "重复的项目", "客商名称": "某某实业有限公司"}

    with pytest.raises(project_import.ImportInvalid) as caught:
        project_import.import_ledger(db, principal, workbook([row, {**row, "客商名称": "某某实业有限责任公司"}]))

    assert [(e.row, e.column, e.message) for e in caught.value.row_errors] == [
        (3, "项目名称", "与第 2 行重复（项目名称和客商相同）")
    ]


def test_files_that_are_not_ledgers_are_refused_with_a_reason(client, db):
    unit = make_unit(db)
    secret = make_token(db, unit)
    sign_in(client, db, unit)

    not_excel = upload_page(client, b"name,investor\n", filename="台账.csv")
    old_excel = upload_api(client, secret, b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    no_header = upload_api(client, secret, workbook([{"序号": 1, "备注": "无"}]))
    header_only = upload_api(client, secret, workbook([], ["项目名称", "客商名称"]))

    assert not_excel.status_code == 422 and "不是 Excel 工作簿" in not_excel.text
    assert old_excel.status_code == 422 and ".xls" in old_excel.json()["message"]
    assert no_header.status_code == 422 and "找不到表头" in no_header.json()["details"][0]["message"]
    assert header_only.status_code == 422 and "没有项目行" in header_only.json()["message"]
    assert projects_of(db, unit) == []


# --- headers ---------------------------------------------------------------------------------


def test_headers_match_whatever_the_brackets_spaces_and_title_rows(client, db):
    unit = make_unit(db)
    secret = make_token(db, unit)
    db.commit()
    headers = [
        "序号",
        " 项目 名称 ",
        "客商名称*",
        "计划总投资(万元)",
        "合同投资额 （万元）",
        "用地面积【亩】",
        "投资强度(万元／亩)",
        "备注",
    ]
    row = {
        "序号": 1,
        " 项目 名称 ": "变体表头项目",
        "客商名称*": "某某新材料有限公司",
        "计划总投资(万元)": 5000,
        "合同投资额 （万元）": 4800,
        "用地面积【亩】": 60,
        "投资强度(万元／亩)": 80,
        "备注": "随便写",
    }

    total = {" 项目 名称 ": "合 计", "计划总投资(万元)": 5000}  # the ledger's own sum row is no project
    response = upload_api(client, secret, workbook([row, total], headers, title="某某镇2025年招商引资项目台账"))

    assert response.status_code == 201, response.text
    assert response.json()["ignored_columns"] == ["序号", "备注"]
    [project] = projects_of(db, unit)
    assert project.name == "变体表头项目"
    assert (project.planned_investment, project.contract_investment) == (Decimal(5000), Decimal(4800))
    assert (project.land_area_mu, project.intensity_commitment) == (Decimal(60), Decimal(80))


def test_a_column_in_another_unit_or_missing_is_refused_not_ignored(db):
    unit = make_unit(db)
    principal = Principal(role=Role.unit_staff, unit_id=unit.id, label="测试")
    content = workbook([{"项目名称": "项目甲", "合同投资额（亿元）": 1.2}])

    with pytest.raises(project_import.ImportInvalid) as caught:
        project_import.import_ledger(db, principal, content)

    problems = {(e.row, e.column): e.message for e in caught.value.row_errors}
    assert "请换算为万元" in problems[(1, "合同投资额（亿元）")]
    assert problems[(1, "客商名称")] == "缺少必填列“客商名称”"


# --- units -----------------------------------------------------------------------------------


def test_unit_staff_cannot_import_into_another_unit(client, db):
    mine, other = make_unit(db), make_unit(db)
    secret = make_token(db, mine)
    sign_in(client, db, mine)
    rows = [
        {"项目名称": "本单位项目", "客商名称": "某某实业有限公司", "责任单位": mine.name},
        {"项目名称": "别的单位项目", "客商名称": "某某实业有限公司", "责任单位": other.name},
    ]

    page = upload_page(client, workbook(rows))
    api = upload_api(client, secret, workbook(rows))

    assert page.status_code == 422 and "只能导入本单位的项目" in page.text
    assert [(d["row"], d["column"]) for d in api.json()["details"]] == [(3, "责任单位")]
    assert projects_of(db, mine) == projects_of(db, other) == []


def test_the_coordinator_imports_into_the_units_the_ledger_names(client, db):
    office, town = make_unit(db, name="县招商局"), make_unit(db, name="城关镇人民政府", short_name="城关镇")
    sign_in(client, db, office, Role.coordinator)
    rows = [
        {"项目名称": "城关项目", "客商名称": "某某实业有限公司", "责任单位": "城关镇"},
        {"项目名称": "招商局项目", "客商名称": "某某实业有限公司", "责任单位": ""},
    ]

    response = upload_page(client, workbook(rows))

    assert response.status_code == 200, response.text[:2000]
    [in_town] = projects_of(db, town)
    assert in_town.introducing_unit_id == town.id
    assert [p.name for p in projects_of(db, office)] == ["招商局项目"]


def test_readers_may_not_import(client, db):
    unit = make_unit(db)
    sign_in(client, db, unit, Role.leader)
    reader = make_token(db, unit, read_only=True)
    db.commit()

    assert client.get("/projects/import").status_code == 403
    assert upload_api(client, reader, workbook(good_rows())).status_code == 403
    assert count(db, Project) == 0


# --- the template ----------------------------------------------------------------------------


def test_the_template_downloads_and_imports_cleanly_once_filled(client, db):
    unit = make_unit(db)
    make_project(db, unit)  # an existing project does not get in the way
    secret = make_token(db, unit)
    sign_in(client, db, unit)

    page = client.get("/projects/import")
    assert page.status_code == 200 and 'href="/projects/import/template.xlsx"' in page.text
    response = client.get("/projects/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_TYPE
    assert client.get("/api/v1/projects/import/template", headers=bearer(secret)).content[:2] == b"PK"

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["项目台账", "填写说明", "可选值"]
    sheet = book["项目台账"]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["项目名称", "客商名称"] and "合同投资额（万元）" in headers
    help_text = " ".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "正式签约" in help_text and "万元" in help_text
    filled = {
        "项目名称": "模板项目",
        "客商名称": "某某模板有限公司",
        "当前阶段": "正式签约",
        "签约日期": datetime(2025, 7, 1),
        "合同编号": "HT-2025-0701",
        "合同投资额（万元）": 3000,
        "产业": "一产",
        "类别": "农业产业化",
        **GATE,
    }
    sheet.append([filled.get(h) for h in headers])
    sheet.append([{"项目名称": "模板项目二", "客商名称": "某某模板有限公司"}.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)

    imported = upload_api(client, secret, buffer.getvalue())

    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] == 2 and imported.json()["investors_created"] == 1
    names = {p.name: p for p in projects_of(db, unit)}
    assert names["模板项目"].stage is Stage.signed and names["模板项目"].signed_on == date(2025, 7, 1)
    assert names["模板项目"].sector is Sector.primary


def test_the_projects_list_links_to_the_import(client, db):
    unit = make_unit(db)
    sign_in(client, db, unit)

    assert 'href="/projects/import"' in client.get("/projects").text


def test_create_many_checks_every_item_before_writing_any(db):
    unit = make_unit(db)
    investor = make_investor(db)
    principal = Principal(role=Role.unit_staff, unit_id=unit.id, label="测试")
    good = ProjectCreate(name="批量项目一", investor_id=investor.id)
    missing = ProjectCreate(name="批量项目二", investor_id=2_000_000_000)
    before = count(db, Project)

    with pytest.raises(Invalid) as caught:
        projects.create_many(db, principal, [(good, None), (missing, None)])

    assert caught.value.errors == {"1.investor_id": "客商不存在"}
    assert count(db, Project) == before
    [created] = projects.create_many(db, principal, [(good, {Stage.negotiating: date(2025, 1, 2)})])
    assert (created.responsible_unit_id, created.negotiating_on) == (unit.id, date(2025, 1, 2))


# --- written batch by batch ----------------------------------------------------------------------


def test_a_ledger_written_in_several_batches_keeps_the_rows_order_and_audits_every_project(db):
    unit = make_unit(db)
    principal = Principal(role=Role.unit_staff, unit_id=unit.id, label="测试")
    db.info["principal"] = principal
    rows = [
        {"项目名称": f"分批项目{n:02d}", "客商名称": f"分批客商{n % 3}有限公司", "计划总投资（万元）": 100 + n}
        for n in range(7)
    ]

    result = project_import.import_ledger(db, principal, workbook(rows), filename="分批.xlsx", batch_size=3)
    db.commit()

    assert result.imported == 7 and result.investors_created == 3
    stored = {p.id: p for p in projects_of(db, unit)}
    assert [stored[i].name for i in result.project_ids] == [r["项目名称"] for r in rows]
    assert [stored[i].planned_investment for i in result.project_ids] == [Decimal(100 + n) for n in range(7)]
    created = db.execute(
        select(AuditEntry.entity_id).where(AuditEntry.entity == "project", AuditEntry.action == "create")
    ).scalars()
    assert {str(i) for i in result.project_ids} <= set(created)
    [entry] = db.execute(select(AuditEntry).where(AuditEntry.action == "import")).scalars().all()
    assert (entry.changes["rows"], entry.changes["file"]) == (7, "分批.xlsx")


def test_a_rule_broken_while_writing_is_reported_for_the_rows_of_every_batch(db, monkeypatch):
    """An investor matched by the checks and removed before the writing (another user, meanwhile):
    nothing is imported and every row naming it is listed, whichever batch it is in."""
    unit = make_unit(db)
    known = make_investor(db, name="中途消失的客商有限公司", credit_code=CODE_A)
    make_investor(db, name="另一个客商有限公司")  # (SQLite gives the highest id again once it is deleted)
    principal = Principal(role=Role.unit_staff, unit_id=unit.id, label="测试")
    db.info["principal"] = principal
    db.commit()
    rows = [{"项目名称": f"中途项目{n}", "客商名称": f"其他客商{n}有限公司"} for n in range(7)]
    for n in (1, 5):  # Excel rows 3 and 7: the first and the third batch of three
        rows[n] = {"项目名称": f"中途项目{n}", "客商名称": "中途消失的客商有限公司", "统一社会信用代码": CODE_A}
    checked = project_import.check

    def check_then_removed_meanwhile(*args: Any, **kwargs: Any) -> Any:
        plan = checked(*args, **kwargs)
        db.delete(known)
        db.flush()
        return plan

    monkeypatch.setattr(project_import, "check", check_then_removed_meanwhile)
    before = count(db, Project)

    with pytest.raises(project_import.ImportAborted) as caught:
        project_import.import_ledger(db, principal, workbook(rows), batch_size=3)
    db.rollback()  # as the request's error handling does

    assert [(e.row, e.column, e.message) for e in caught.value.row_errors] == [
        (3, project_import.WHOLE_ROW, "客商不存在"),
        (7, project_import.WHOLE_ROW, "客商不存在"),
    ]
    assert count(db, Project) == before
