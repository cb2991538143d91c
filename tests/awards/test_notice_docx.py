"""The award notice (公示) as a Word document in the 公文 layout: every award on notice today with its
amount and project, a confidential project by its code name to those who may not see it (the same
decision as the page), from the page and the API. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from app.models.award import PolicyKind
from app.models.project import Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.services import awards, bulletin_docx, official_doc, workdays
from tests.awards.factories import confirmed_funds, make_budget, make_policy, principal_of
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_project

TODAY = workdays.today()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECRET = "绝密星河新能源基地"
CODE = "星河一号"


def cells(doc) -> list[list[str]]:
    return [[c.text for c in row.cells] for table in doc.tables for row in table.rows]


def everything(doc) -> str:
    return "\n".join([p.text for p in doc.paragraphs] + ["|".join(row) for row in cells(doc)])


@pytest.fixture
def notice(db):
    """Two awards on notice: one for a confidential project of 城关镇, one for an open project."""
    county = make_unit(db, name="青山县人民政府", short_name="青山县", kind=UnitKind.jurisdiction)
    bureau_unit = make_unit(
        db, name="青山县投资促进局（招商局）", kind=UnitKind.department, parent_id=county.id, phone="0731-88880000"
    )
    coordinator = make_user(db, bureau_unit, Role.coordinator)
    bureau = principal_of(coordinator)
    mine = make_unit(db, name="城关镇人民政府")
    theirs = make_unit(db, name="青山乡人民政府")
    reached = TODAY - timedelta(days=60)
    secret = make_project(
        db, mine, stage=Stage.started, reached=reached, name=SECRET, code_name=CODE, is_confidential=True
    )
    open_project = make_project(db, theirs, stage=Stage.started, reached=reached, name="青山乡农产品加工园")
    confirmed_funds(db, secret, bureau, "2000", TODAY - timedelta(days=10))
    confirmed_funds(db, open_project, bureau, "1000", TODAY - timedelta(days=10))
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, name="到位资金奖励", recipients=["unit"])
    make_budget(db, TODAY.year, 1000000)
    for project in (secret, open_project):
        [award] = awards.propose(db, bureau, policy_id=policy.id, project_id=project.id)
        award = awards.verify(db, bureau, award.id, award.version, "已核对")
        awards.start_notice(db, bureau, award.id, award.version)
    db.commit()
    return {"mine": mine, "theirs": theirs, "staff_mine": make_user(db, mine), "staff_theirs": make_user(db, theirs)}


def test_the_notice_is_a_gongwen_with_amounts_and_projects(db, notice, signed_in):
    viewer = signed_in(notice["staff_mine"])  # the confidential project's own unit sees its name
    page = viewer.get("/awards/notice")
    assert 'href="/awards/notice/export.docx"' in page.text and SECRET in page.text
    answer = viewer.get("/awards/notice/export.docx")
    assert answer.status_code == 200 and answer.headers["content-type"] == DOCX
    title = "青山县招商引资奖励公示"
    assert f"filename*=UTF-8''{quote(f'{title}（{TODAY:%Y-%m-%d}）.docx')}" in answer.headers["content-disposition"]
    doc = Document(io.BytesIO(answer.content))

    section = doc.sections[0]
    assert [round(section.page_width.mm), round(section.page_height.mm)] == [210, 297]
    assert [round(getattr(section, f"{s}_margin").mm) for s in ("top", "bottom", "left", "right")] == [37, 35, 28, 26]
    heading = doc.paragraphs[0]
    assert heading.text == title
    assert heading.style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    normal = doc.styles["Normal"]
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)

    rows = cells(doc)
    assert rows[0] == ["序号", "获奖对象", "项目", "奖励依据", "计算", "金额（元）", "公示期"]
    by_project = {row[2]: row for row in rows[1:]}
    assert set(by_project) == {SECRET, "青山乡农产品加工园"}
    secret_row = by_project[SECRET]
    assert secret_row[1] == "城关镇人民政府（单位）" and secret_row[3] == "到位资金奖励"
    assert secret_row[5] == "100,000.00"  # 2,000万 ÷ 10万 × 500 元, as the page shows it
    assert "100,000.00" in page.text and by_project["青山乡农产品加工园"][5] == "50,000.00"
    assert secret_row[6] == f"{TODAY} 至 {TODAY + timedelta(days=6)}"

    words = [p.text for p in doc.paragraphs]
    assert "青山县投资促进局（招商局）" in words and "联系电话：0731-88880000" in words
    assert words[words.index("青山县投资促进局（招商局）") + 1] == official_doc.chinese_date(TODAY)
    assert any("向青山县投资促进局（招商局）反映" in w for w in words)
    assert doc.sections[0].footer.paragraphs[0].text == "— 1 —"


def test_a_confidential_project_is_shown_by_its_code_name_to_those_who_may_not_see_it(db, notice, signed_in, client):
    other = signed_in(notice["staff_theirs"])
    page = other.get("/awards/notice").text
    body = everything(Document(io.BytesIO(other.get("/awards/notice/export.docx").content)))
    for shown in (page, body):
        assert SECRET not in shown
        assert f"【保密】{CODE}" in shown and "100,000.00" in shown and "青山乡农产品加工园" in shown

    token = make_token(db, notice["theirs"])
    reader = make_token(db, None, read_only=True)
    db.commit()
    answer = client.get("/api/v1/awards/notice/export.docx", headers=bearer(token))
    assert answer.status_code == 200 and answer.headers["content-type"] == DOCX
    body = everything(Document(io.BytesIO(answer.content)))
    assert SECRET not in body and f"【保密】{CODE}" in body and "100,000.00" in body
    unscoped = everything(
        Document(io.BytesIO(client.get("/api/v1/awards/notice/export.docx", headers=bearer(reader)).content))
    )
    assert SECRET not in unscoped and f"【保密】{CODE}" in unscoped  # a read-only token sees no identity either


def test_an_empty_notice_and_who_may_ask(db, signed_in, client):
    staff = make_user(db, make_unit(db))
    db.commit()
    answer = signed_in(staff).get("/awards/notice/export.docx")
    assert answer.status_code == 200
    doc = Document(io.BytesIO(answer.content))
    assert doc.paragraphs[0].text == "招商引资奖励公示" and not doc.tables
    assert "当前没有公示中的奖励。" in [p.text for p in doc.paragraphs]
    assert client.get("/api/v1/awards/notice/export.docx").status_code == 401
    anonymous = client.get("/awards/notice/export.docx")
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login")


def test_once_the_notice_period_is_over_the_document_lists_nothing(db, notice):
    file = bulletin_docx.award_notice(db, principal_of(notice["staff_mine"]), today=TODAY + timedelta(days=7))
    doc = Document(io.BytesIO(file.body))
    assert not doc.tables and "当前没有公示中的奖励。" in [p.text for p in doc.paragraphs]
    assert file.filename == f"青山县招商引资奖励公示（{TODAY + timedelta(days=7):%Y-%m-%d}）.docx"
