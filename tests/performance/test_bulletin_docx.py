"""A bulletin as a Word document in the 公文 layout (GB/T 9704-2012), read back with python-docx: A4 and
its margins, the title in 方正小标宋简体, the body in 仿宋 三号 on a grid of 22 lines of 28 characters, the
headings in 黑体 and 楷体, page numbers "— 1 —" in 宋体 四号, the figures of the frozen bulletin formatted
as the page shows them, the digest, the issuer and the date in Chinese. A draft is marked 草稿 as the
workbook marks it; who may not read bulletins is refused as on the workbook; an impossible period is a
structured 422, never a 500. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from sqlalchemy import select

from app.models.performance import Bulletin
from app.models.unit import UnitKind
from app.models.user import Role
from app.services import bulletin_docx, bulletins, official_doc, performance, workdays
from app.templating import LOCAL_TZ, figure
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.performance.test_performance import coordinator, funds, project

TODAY = workdays.today()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BUREAU = "青山县投资促进局（招商局）"


def read(body: bytes):
    return Document(io.BytesIO(body))


def east_asian_font(style_or_run) -> str | None:
    """The font a style (or run) names for Chinese text, looking up the style it is based on."""
    while style_or_run is not None:
        r_pr = style_or_run.element.rPr if hasattr(style_or_run, "base_style") else style_or_run._element.rPr
        fonts = r_pr.find(qn("w:rFonts")) if r_pr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
        style_or_run = getattr(style_or_run, "base_style", None)
    return None


def size_of(style) -> Pt | None:
    while style is not None:
        if style.font.size is not None:
            return style.font.size
        style = style.base_style
    return None


def table_with(doc, header: str):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == header)


def row_of(table, first: str) -> list[str]:
    return next([c.text for c in row.cells] for row in table.rows if row.cells[0].text == first)


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def sign_in_bureau(client, db):
    county = make_unit(db, name="青山县人民政府", short_name="青山县", kind=UnitKind.jurisdiction)
    bureau = make_unit(db, name=BUREAU, short_name="县招商局", kind=UnitKind.department, tier=1, parent_id=county.id)
    user = make_user(db, bureau, role=Role.coordinator)
    db.commit()
    login(client, user.username, PASSWORD)
    return user


@pytest.fixture
def published(client, db):
    """Last month's bulletin with a signed project and funds arrived, published by the bureau."""
    unit = make_unit(db, name="城关镇人民政府", short_name="城关镇")
    y, n = bulletins.last_ended("monthly", TODAY)
    first, _last = bulletins.period_of("monthly", y, n)
    p = project(db, unit.id, contract=2500, signed=first)
    funds(db, p.id, "1234.5", first)
    performance.set_target(
        db, coordinator(), year=y, metric="contract_investment", amount=Decimal(10000), unit_id=unit.id
    )
    sign_in_bureau(client, db)
    url = f"/bulletins/monthly/{y}/{n}"
    assert client.post(url + "/publish", data={"csrf_token": page_csrf(client)}).status_code == 303
    db.expire_all()
    return url, db.execute(select(Bulletin)).scalar_one()


def test_the_published_bulletin_is_a_gongwen_on_a4_with_its_fonts_grid_and_page_numbers(client, db, published):
    url, frozen = published
    answer = client.get(url + "/export.docx")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == DOCX
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="export.docx"')
    assert f"filename*=UTF-8''{quote(frozen.title + '.docx')}" in disposition
    doc = read(answer.content)

    section = doc.sections[0]
    mm = {k: round(getattr(section, k).mm, 1) for k in ("page_width", "page_height")}
    assert mm == {"page_width": 210.0, "page_height": 297.0}  # A4
    margins = [round(getattr(section, f"{side}_margin").mm, 1) for side in ("top", "bottom", "left", "right")]
    assert margins == [37.0, 35.0, 28.0, 26.0]
    width = Length(section.page_width - section.left_margin - section.right_margin)
    height = Length(section.page_height - section.top_margin - section.bottom_margin)
    assert (round(width.mm, 1), round(height.mm, 1)) == (156.0, 225.0)
    grid = section._sectPr.find(qn("w:docGrid"))
    pitch = Pt(int(grid.get(qn("w:linePitch"))) / 20)
    char = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert int(height.pt / pitch.pt) == 22 and int(width.pt / char) == 28  # 22 lines of 28 characters

    normal = doc.styles["Normal"]
    assert east_asian_font(normal) == "仿宋_GB2312" and normal.font.size == Pt(16)  # 仿宋 三号
    assert normal.paragraph_format.line_spacing == pitch and 28 <= pitch.pt <= 29  # fixed, ~28.95 pt
    lead = next(p for p in doc.paragraphs if p.text.startswith("现将"))
    assert east_asian_font(lead.style) == "仿宋_GB2312" and size_of(lead.style) == Pt(16)
    assert lead.style.paragraph_format.first_line_indent is not None  # 首行缩进两字

    title = next(p for p in doc.paragraphs if p.text.strip())
    assert title.text == frozen.title
    assert east_asian_font(title.style) == "方正小标宋简体" and size_of(title.style) == Pt(22)
    assert title.style.paragraph_format.alignment == 1  # centred
    with zipfile.ZipFile(io.BytesIO(answer.content)) as package:
        fonts = package.read("word/fontTable.xml").decode()
    for name, fallback in (("方正小标宋简体", "华文中宋"), ("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体")):
        assert f'<w:font w:name="{name}"><w:altName w:val="{fallback}"/><w:charset w:val="86"/>' in fonts

    headings = {p.text: p for p in doc.paragraphs if p.style.name.startswith("Heading")}
    assert list(headings)[:3] == ["一、总体情况", "二、项目结构（本期签约）", "（一）按类别"]
    assert east_asian_font(headings["一、总体情况"].style) == "黑体"
    assert east_asian_font(headings["（一）按类别"].style) == "楷体_GB2312"
    assert "六、需要关注的问题" in headings

    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        number = footer.paragraphs[0]
        assert number.text == "— 1 —" and "PAGE" in number._p.xml
        assert east_asian_font(number.style) == "宋体" and size_of(number.style) == Pt(14)  # 宋体 四号
    assert section.footer.paragraphs[0].alignment == 2 and section.even_page_footer.paragraphs[0].alignment == 0


def test_the_figures_digest_issuer_and_date_are_the_frozen_bulletins(client, db, published):
    url, frozen = published
    page = client.get(url).text
    doc = read(client.get(url + "/export.docx").content)

    totals = table_with(doc, "指标（单位）")
    assert [c.text for c in totals.rows[0].cells] == ["指标（单位）", "本期", "本年累计", "去年同期", "同比增长"]
    money = row_of(totals, "内资到位资金（已确认）（万元）")
    assert money[1] == "1,234.50" and f">{money[1]}<" in page  # as the page shows it
    count = row_of(totals, "引进项目（个）")
    assert count[1] == "1" and count[3] == "0" and count[4] == "—"  # nothing last year: no growth
    contract = row_of(totals, "合同投资额（万元）")
    assert contract[1] == "2,500.00"
    structure = table_with(doc, "分类")
    assert [c.text for c in structure.rows[1].cells][1:] == ["1", "100.0%", "2,500.00", "100.0%"]
    assert "100.0%" in page
    rates = table_with(doc, "指标")
    assert {r.cells[0].text for r in rates.rows[1:]} == {"合同履约率", "资金到位率", "项目开工率"}
    units = table_with(doc, "单位")
    town = row_of(units, "城关镇")
    assert town[1:4] == ["合同投资额（万元）", "2,500.00", "10,000.00"] and town[4] == "25.0%"
    assert ">10,000.00<" in page and ">25.0%<" in page
    for table in doc.tables:  # the header repeats on every page and is set in 黑体
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert east_asian_font(table.rows[0].cells[0].paragraphs[0].style) == "黑体"
    # every row is the frozen bulletin's, in its order, each figure by the page's rule for its unit
    shown = [[c.text for c in r.cells] for r in totals.rows[1:]]
    assert shown == [
        [f"{t['label']}（{t['unit']}）", *(figure(t[k], t["unit"]) for k in ("period", "ytd", "last_year_ytd")), "—"]
        for t in frozen.content["totals"]
    ]

    words = texts(doc)
    assert f"摘要（SHA-256）：{frozen.digest}" in words
    assert doc.core_properties.identifier == frozen.digest and doc.core_properties.title == frozen.title
    day = frozen.published_at.astimezone(LOCAL_TZ).date()
    signature = words.index(BUREAU)
    assert words[signature + 1] == official_doc.chinese_date(day)
    assert f"{BUREAU}\t{day.year}年{day.month}月{day.day}日印发" in words  # the 版记
    assert words[2].startswith("现将青山县")  # the bureau's jurisdiction, from the unit tree
    assert "草稿" not in "".join(words)


def test_dates_are_written_out_in_chinese():
    assert official_doc.chinese_date(date(2026, 12, 7)) == "二〇二六年十二月七日"
    assert official_doc.chinese_date(date(2020, 10, 10)) == "二〇二〇年十月十日"
    assert official_doc.chinese_date(date(2031, 1, 31)) == "二〇三一年一月三十一日"
    assert official_doc.chinese_date(date(2009, 11, 20)) == "二〇〇九年十一月二十日"
    assert official_doc.chinese_date(date(2028, 2, 29)) == "二〇二八年二月二十九日"


def test_a_draft_is_marked_as_the_workbook_marks_it(client, db):
    sign_in_bureau(client, db)
    url = f"/bulletins/monthly/{TODAY.year}/{TODAY.month}"  # this month: not published
    page = client.get(url)
    assert 'href="' + url + '/export.docx"' in page.text and "导出 Word" in page.text
    answer = client.get(url + "/export.docx")
    assert answer.status_code == 200 and answer.headers["content-type"] == DOCX
    doc = read(answer.content)
    words = texts(doc)
    assert words[0] == "草稿" and east_asian_font(doc.paragraphs[0].runs[0]) == "黑体"
    assert bulletin_docx.DRAFT in words and f"导出日期：{TODAY:%Y-%m-%d}" in words
    assert not any("SHA-256" in w for w in words)
    assert words[words.index(BUREAU) + 1] == official_doc.chinese_date(TODAY)
    assert db.execute(select(Bulletin)).first() is None  # exporting publishes nothing


def test_who_may_not_read_bulletins_is_refused_as_on_the_workbook(client, db):
    y, n = bulletins.last_ended("quarterly", TODAY)
    path = f"/bulletins/quarterly/{y}/{n}"
    staff = make_user(db, make_unit(db), role=Role.unit_staff)
    leader = make_user(db, None, role=Role.leader)
    unit_token = make_token(db, make_unit(db))
    reader_token = make_token(db, None, read_only=True)
    db.commit()
    login(client, staff.username, PASSWORD)
    assert client.get(path + "/export.xlsx").status_code == 403
    refused = client.get(path + "/export.docx")
    assert refused.status_code == 403 and refused.headers["content-type"] != DOCX
    client.cookies.clear()
    login(client, leader.username, PASSWORD)
    assert client.get(path + "/export.docx").status_code == 200
    client.cookies.clear()

    api = f"/api/v1{path}/export.docx"
    denied = client.get(api, headers=bearer(unit_token))
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    read_only = client.get(api, headers=bearer(reader_token))
    assert read_only.status_code == 200 and read_only.headers["content-type"] == DOCX
    assert read(read_only.content).paragraphs[0].text == "草稿"
    assert "filename*=UTF-8''" in read_only.headers["content-disposition"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("monthly/{y}/13", "number"),
        ("quarterly/{y}/0", "number"),
        ("halfyearly/{y}/3", "number"),
        ("monthly/1999/12", "year"),
        ("yearly/{after_next}/1", "year"),
        ("monthly/99999999999/1", "year"),
        ("weekly/{y}/1", "kind"),
    ],
)
def test_an_impossible_period_is_a_structured_422(client, db, path, field):
    sign_in_bureau(client, db)
    token = make_token(db, None, read_only=True)
    db.commit()
    path = path.format(y=TODAY.year, after_next=TODAY.year + 2)
    page = client.get(f"/bulletins/{path}/export.docx")
    assert page.status_code == 422, page.text[:300]
    api = client.get(f"/api/v1/bulletins/{path}/export.docx", headers=bearer(token))
    assert api.status_code == 422, api.text[:300]
    body = api.json()
    assert body["code"] == "validation_error"
    if field != "kind":  # an unknown kind is refused by the path's own schema
        assert body["field"] == field
    for odd in ("monthly/二〇二六/1", "monthly/2026/1.5", f"monthly/{TODAY.year}/-1"):
        assert client.get(f"/bulletins/{odd}/export.docx").status_code == 422
        assert client.get(f"/api/v1/bulletins/{odd}/export.docx", headers=bearer(token)).status_code == 422


def test_text_a_document_cannot_hold_is_dropped_not_a_failed_export(db):
    content = bulletins.build(db, "monthly", *bulletins.last_ended("monthly", TODAY))
    content["stalled"] = [{"id": 1, "name": "项目\x01甲\ufffe", "unit": "乙\x1f镇", "since": "2026-01-05"}]
    doc = read(bulletin_docx.document(content, None, bulletin_docx.Issuer("测试招商局", "", "")))
    stalled = table_with(doc, "项目")
    assert [c.text for c in stalled.rows[1].cells] == ["项目甲", "乙镇", "2026-01-05"]
