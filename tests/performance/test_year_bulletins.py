"""The half-year bulletin (半年通报) and the year-end bulletin (年度结账通报) carry the year's figures: the
quantitative ranking until the year's assessment exists (then the assessment, through the hook
`assessment_for_bulletin(db, year)` of app.services.assessment), the targets each unit met, and the
red-card list of units with no results at all, kept apart from the per-indicator cards. Published, they
are frozen with everything in them; the page, the workbook and the Word document show them. A monthly
bulletin has none of it. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import sys
import types
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

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
def no_assessment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The year's assessment is not built yet: importing its module fails as a missing module does."""
    monkeypatch.setitem(sys.modules, bulletin_year.ASSESSMENT_MODULE, None)


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
    db: Session, county: dict[str, Unit], no_assessment: None
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
    db: Session, county: dict[str, Unit], no_assessment: None
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


def _assessment_module(answer: dict[str, Any] | list[dict[str, Any]] | None) -> types.ModuleType:
    module = types.ModuleType(bulletin_year.ASSESSMENT_MODULE)
    asked: list[int] = []

    def assessment_for_bulletin(db: Session, year: int) -> dict[str, Any] | list[dict[str, Any]] | None:
        asked.append(year)
        return answer

    module.assessment_for_bulletin = assessment_for_bulletin  # type: ignore[attr-defined]
    module.asked = asked  # type: ignore[attr-defined]
    return module


def test_the_year_end_bulletin_shows_the_assessment_once_it_exists(
    db: Session, county: dict[str, Unit], monkeypatch: pytest.MonkeyPatch
):
    answer = {
        "columns": ["名次", "单位", "定量", "定性", "扣分", "综合得分"],
        "rows": [
            ["1", "城关镇", "62.40", "28.00", "0.50", "89.90"],
            ["2", "经开区", "40.00", "25.00", "0.00", "65.00"],
        ],
        "note": "综合得分 = 定量 × 70% + 定性 × 30% − 扣分 + 加分",
        "red_cards": ["文旅局"],
    }
    module = _assessment_module(answer)
    monkeypatch.setitem(sys.modules, bulletin_year.ASSESSMENT_MODULE, module)
    year = bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY)["year_review"]
    assert module.asked == [LAST_YEAR]  # type: ignore[attr-defined]
    assert year["source"] == "assessment"
    assert year["assessment"]["rows"][0] == ["1", "城关镇", "62.40", "28.00", "0.50", "89.90"]
    assert [r["name"] for r in year["red_cards"]] == ["文旅局"]
    half = bulletins.build(db, "halfyearly", LAST_YEAR, 2, today=TODAY)["year_review"]
    assert half["source"] == "ranking" and module.asked == [LAST_YEAR]  # the half-year does not ask

    body = bulletin_export.workbook(bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY), None)
    book = load_workbook(io.BytesIO(body))
    assert "年度综合考核" in book.sheetnames and "定量排名" not in book.sheetnames
    assert [c.value for c in book["年度综合考核"][2]] == answer["rows"][0]

    not_yet = _assessment_module(None)  # the assessment is not published: the ranking, said so
    monkeypatch.setitem(sys.modules, bulletin_year.ASSESSMENT_MODULE, not_yet)
    assert bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY)["year_review"]["source"] == "ranking"


def test_published_the_year_end_bulletin_is_frozen_and_shown_everywhere(
    db: Session, client: TestClient, county: dict[str, Unit], no_assessment: None
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


def test_the_published_results_of_the_assessment_become_the_bulletins_table(
    db: Session, county: dict[str, Unit], monkeypatch: pytest.MonkeyPatch
):
    """The assessment answers its published results, one row per unit in rank order (as it freezes them):
    the bulletin shows them with two decimals, "—" for a score not given, and the red-carded units."""
    results = [
        {"rank": 1, "unit_name": "城关镇人民政府", "quantitative": Decimal("61.2"), "qualitative": Decimal("27.5"),
         "bonus": Decimal("1"), "deduction": Decimal("0.5"), "score": Decimal("89.2"), "red_card": False},
        {"rank": 2, "unit_name": "经开区招商局", "quantitative": Decimal("40"), "qualitative": None,
         "bonus": Decimal("0"), "deduction": Decimal("0"), "score": Decimal("40"), "red_card": False},
        {"rank": 3, "unit_name": "青山县文化旅游局", "quantitative": Decimal("0"), "qualitative": Decimal("12"),
         "bonus": Decimal("0"), "deduction": Decimal("1.5"), "score": Decimal("10.5"), "red_card": True},
    ]  # fmt: skip
    monkeypatch.setitem(sys.modules, bulletin_year.ASSESSMENT_MODULE, _assessment_module(results))
    year = bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY)["year_review"]
    assert year["source"] == "assessment"
    assert year["assessment"]["columns"] == bulletin_year.ASSESSMENT_COLUMNS
    assert year["assessment"]["rows"][0] == ["1", "城关镇人民政府", "61.20", "27.50", "1.00", "0.50", "89.20", ""]
    assert year["assessment"]["rows"][1][3] == "—"
    assert year["assessment"]["rows"][2][-1] == "红牌"
    assert year["red_cards"] == [{"unit_id": None, "name": "青山县文化旅游局"}]
    content = bulletins.build(db, "yearly", LAST_YEAR, 1, today=TODAY)
    issuer = bulletin_docx.Issuer("青山县投资促进局（招商局）", "青山县", "")
    doc = Document(io.BytesIO(bulletin_docx.document(content, None, issuer)))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    assert [c.text for c in table.rows[0].cells] == bulletin_year.ASSESSMENT_COLUMNS
    assert table.rows[1].cells[1].text == "城关镇人民政府"
