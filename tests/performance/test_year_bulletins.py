"""The half-year bulletin (半年通报) and the year-end bulletin (年度结账通报) carry the year's figures: the
quantitative ranking until the year's assessment exists (then the assessment, through the hook
`assessment_for_bulletin(db, year)` of app.services.assessment), the targets each unit met, and the
red-card list of units with no results at all, kept apart from the per-indicator cards. Published, they
are frozen with everything in them; the page, the workbook and the Word document show them. A monthly
bulletin has none of it. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.services import bulletin_docx, bulletin_export, bulletin_year, bulletins, performance
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, make_unit, make_user
from tests.performance.test_performance import coordinator, funds, project

LAST_YEAR = 2025
TODAY = date(2026, 12, 7)


@pytest.fixture
def county(db: Session) -> dict[str, Unit]:
    """A town that met its funds target, a department with a target and nothing done, a zone bureau with
    no target that signed a project."""
    achiever = make_unit(db, name="城关镇人民政府", short_name="城关镇")
    idle = make_unit(db, name="青山县文化旅游局", short_name="文旅局", kind=UnitKind.department, tier=3)
    untargeted = make_unit(db, name="经开区招商局", short_name="经开区", kind=UnitKind.zone_bureau)
    for unit in (achiever, idle, untargeted):
        unit.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    performance.set_target(
        db, coordinator(), year=LAST_YEAR, metric="funds_domestic", amount=Decimal(500), unit_id=achiever.id
    )
    performance.set_target(
        db, coordinator(), year=LAST_YEAR, metric="projects_introduced", amount=Decimal(2), unit_id=achiever.id
    )
    performance.set_target(
        db, coordinator(), year=LAST_YEAR, metric="funds_domestic", amount=Decimal(300), unit_id=idle.id
    )
    signed = project(db, achiever.id, contract=1200, signed=date(LAST_YEAR, 3, 10))
    funds(db, signed.id, "600", date(LAST_YEAR, 5, 20))
    project(db, untargeted.id, contract=800, signed=date(LAST_YEAR, 9, 1))
    return {"achiever": achiever, "idle": idle, "untargeted": untargeted}


def test_the_year_end_bulletin_ranks_the_units_and_lists_targets_met_and_red_cards(
    db: Session, county: dict[str, Unit]
):
    content = bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY)
    assert content["title"] == "2025年度招商引资工作结账通报"
    year = content["year_review"]
    assert (year["kind"], year["source"], year["assessment"], year["as_of"]) == (
        "yearly",
        "ranking",
        None,
        "2025-12-31",
    )
    assert "综合考核" in year["ranking_note"] and "尚未发布" in year["ranking_note"]
    names = [r["name"] for r in year["ranking"]]
    assert names[0] == "城关镇" and set(names) == {"城关镇", "文旅局", "经开区"}
    assert [r["rank"] for r in year["ranking"]] == [1, 2, 3]
    targets = {t["name"]: t for t in year["targets"]}
    assert (targets["城关镇"]["targets"], targets["城关镇"]["met"]) == (2, 1)
    assert targets["城关镇"]["missed"] == ["引进项目"]  # one project of the two
    assert (targets["文旅局"]["met"], targets["文旅局"]["missed"]) == (0, ["内资到位资金（已确认）"])
    assert "经开区" not in targets  # no target, nothing to meet
    assert [r["name"] for r in year["red_cards"]] == ["文旅局"]  # the zone bureau signed: it has results
    # the per-indicator red card stays where it was, on the units' table
    idle = next(u for u in content["units"] if u["name"] == "文旅局")
    assert idle["metrics"]["funds_domestic"]["card"] == "red"


def test_the_half_year_bulletin_has_the_years_figures_to_30_june_and_a_month_has_none(
    db: Session, county: dict[str, Unit]
):
    first_half = bulletins.build(db, "halfyearly", LAST_YEAR, 1, today=TODAY)
    assert first_half["title"] == "2025年上半年招商引资工作情况通报"
    year = first_half["year_review"]
    assert (year["kind"], year["as_of"], year["source"]) == ("halfyearly", "2025-06-30", "ranking")
    assert "年度结账通报" in year["ranking_note"]
    targets = {t["name"]: t for t in year["targets"]}
    assert targets["城关镇"]["met"] == 1  # 600 of 500 by June
    assert [r["name"] for r in year["red_cards"]] == ["文旅局", "经开区"]  # the zone signed in September
    assert "year_review" not in bulletins.build(db, "monthly", LAST_YEAR, 6, today=TODAY)
    assert "year_review" not in bulletins.build(db, "quarterly", LAST_YEAR, 2, today=TODAY)


def _publish_assessment(db: Session, units: list[Unit]) -> None:
    """The bureau publishes last year's assessment: default scheme, a leader's scores for every unit."""
    from app.principal import Principal
    from app.schemas.assessment import PublishIn, SchemeIn, ScoresIn
    from app.services import assessment

    leader = make_user(db, units[0], role=Role.leader, display_name="王县长")
    as_leader = Principal(role=Role.leader, unit_id=leader.unit_id, label="王县长", user_id=leader.id)
    after = date(LAST_YEAR + 1, 1, 10)
    row = assessment.set_scheme(
        db, coordinator(), LAST_YEAR, SchemeIn.model_validate(assessment.DEFAULT_PARAMS), today=after
    )
    for unit in units:
        lines = [
            {"item": i["code"], "score": "80", "reason": "按评分细则评定"}
            for i in assessment.DEFAULT_PARAMS["qualitative_items"]
        ]
        assessment.set_scores(db, as_leader, LAST_YEAR, unit.id, ScoresIn(scores=lines), today=after)
    assessment.publish(db, coordinator(), LAST_YEAR, PublishIn(version=row.version), today=after)
    db.flush()


def test_the_year_end_bulletin_shows_the_published_assessment(db: Session, county: dict[str, Unit]):
    """Until the year's assessment is published the bulletin ranks by the indicators and says so; published,
    its results (two decimals, its red cards) become the bulletin's table, on the page's content, in the
    workbook and in the Word document. The half-year bulletin keeps the ranking."""
    assert bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY)["year_review"]["source"] == "ranking"
    _publish_assessment(db, [county["achiever"], county["idle"], county["untargeted"]])
    content = bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY)
    year = content["year_review"]
    assert year["source"] == "assessment"
    assert year["assessment"]["columns"] == bulletin_year.ASSESSMENT_COLUMNS
    rows = year["assessment"]["rows"]
    assert rows[0][1] == "城关镇人民政府" and rows[0][0] == "1"
    assert all(len(cell.split(".")[-1]) == 2 for cell in rows[0][2:7])  # scores with two decimals
    assert rows[-1][1] == "青山县文化旅游局" and rows[-1][-1] == "红牌"  # a target and nothing done all year
    assert year["red_cards"] == [{"unit_id": None, "name": "青山县文化旅游局"}]
    assert bulletins.build(db, "halfyearly", LAST_YEAR, 2, today=TODAY)["year_review"]["source"] == "ranking"

    book = load_workbook(io.BytesIO(bulletin_export.workbook(content, None)))
    assert "年度综合考核" in book.sheetnames and "定量排名" not in book.sheetnames
    assert [c.value for c in book["年度综合考核"][2]][:2] == ["1", "城关镇人民政府"]
    issuer = bulletin_docx.Issuer("青山县投资促进局（招商局）", "青山县", "")
    doc = Document(io.BytesIO(bulletin_docx.document(content, None, issuer)))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    assert [c.text for c in table.rows[0].cells] == bulletin_year.ASSESSMENT_COLUMNS
    assert table.rows[1].cells[1].text == "城关镇人民政府"


def test_published_the_year_end_bulletin_is_frozen_and_shown_everywhere(
    db: Session, client: TestClient, county: dict[str, Unit]
):
    bureau = make_unit(db, kind=UnitKind.department, tier=1, name="青山县投资促进局（招商局）")  # made this year
    boss = make_user(db, bureau, role=Role.coordinator)
    db.commit()
    login(client, boss.username, PASSWORD)
    csrf = page_csrf(client, f"/bulletins/yearly/{LAST_YEAR}/1")
    published = client.post(f"/bulletins/yearly/{LAST_YEAR}/1/publish", data={"csrf_token": csrf})
    assert published.status_code == 303, published.text
    frozen = bulletins.published(db, "yearly", date(LAST_YEAR, 1, 1))
    assert frozen is not None and frozen.content["year_review"]["red_cards"] == [
        {"unit_id": county["idle"].id, "name": "文旅局"}
    ]
    assert frozen.digest == bulletins.digest(frozen.content)

    page = client.get(f"/bulletins/yearly/{LAST_YEAR}/1")
    assert (
        "七、全年考核情况" in page.text and "定量排名" in page.text and "红牌单位（无招商引资实绩，1 个）" in page.text
    )

    book = load_workbook(io.BytesIO(client.get(f"/bulletins/yearly/{LAST_YEAR}/1/export.xlsx").content))
    assert {"定量排名", "年度目标完成情况", "红牌单位"} <= set(book.sheetnames)
    assert [c.value for c in book["红牌单位"][2]][:1] == ["文旅局"]
    ranked = [[c.value for c in row] for row in book["定量排名"].iter_rows(min_row=2, max_row=4)]
    assert [row[:2] for row in ranked] == [[1, "城关镇"], [2, ranked[1][1]], [3, ranked[2][1]]]

    doc = Document(io.BytesIO(client.get(f"/bulletins/yearly/{LAST_YEAR}/1/export.docx").content))
    text = [p.text for p in doc.paragraphs]
    assert "七、全年考核情况" in text and "（一）定量排名" in text
    assert any(t.startswith("全年（截至统计日）引进项目") and "文旅局" in t for t in text)
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    assert ranking.rows[1].cells[1].text == "城关镇"
    assert bulletin_docx.RANKING[0].header == "名次"
