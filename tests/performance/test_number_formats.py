"""Numbers read the way officials read them: counts without decimals, money in 万元 with thousands
separators, percentages with one decimal, on /targets, /rates and the bulletin page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from app.models.unit import UnitKind
from app.models.user import Role
from app.services import performance
from app.templating import count, figure, headline, pct, score, wan, yi
from tests.conftest import login
from tests.factories import PASSWORD, make_unit, make_user
from tests.performance.test_performance import YEAR, coordinator, funds, project


def test_the_filters_are_the_rule():
    assert wan(Decimal("523060")) == "523,060.00"
    assert wan("523060.00") == "523,060.00"  # bulletin snapshots hold strings
    assert wan(None) == "—"
    assert yi(Decimal("523060")) == "52.31"
    assert count(Decimal("4.00")) == "4"
    assert count("3.00") == "3"
    assert count(12345) == "12,345"
    assert count(Decimal("6.70")) == "6.7"  # leads credited by shares, never "6.70"
    assert count([1, 2, 3]) == 3  # still Jinja's `count` of a collection
    assert pct(Decimal("12.25")) == "12.3"  # half-up
    assert pct(Decimal("87.16666")) == "87.2"
    assert pct(None) == "—" and pct("—") == "—"
    assert figure("4.00", "个") == "4"
    assert figure("6.70", "条") == "6.7"
    assert figure(Decimal("523060"), "万元") == "523,060.00"
    assert figure(Decimal("1234.5"), "万美元") == "1,234.50"
    assert figure(Decimal("7.05"), "%") == "7.1"


def test_summary_cards_carry_their_unit_and_read_in_yi_from_one_yi_up():
    assert headline(Decimal("523060"), "万元") == '52.31<span class="unit">亿元</span>'
    assert headline(Decimal("10000"), "万元") == '1.00<span class="unit">亿元</span>'
    assert headline(Decimal("8500.4"), "万元") == '8,500<span class="unit">万元</span>'
    assert headline(Decimal("12345"), "万美元") == '1.23<span class="unit">亿美元</span>'
    assert headline(Decimal("172839"), "元") == '172,839.00<span class="unit">元</span>'  # awards: to the fen
    assert headline(Decimal("4.00"), "个") == '4<span class="unit">个</span>'
    assert headline(None, "万元") == '—<span class="unit">万元</span>'
    assert score(Decimal("87.166")) == "87.17" and score(None) == "—"


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


@pytest.fixture
def figures(db):
    unit = make_unit(db, kind=UnitKind.department, tier=2)
    performance.set_target(db, coordinator(), year=YEAR, metric="new_starts", amount=Decimal(3), unit_id=unit.id)
    big = project(db, unit.id, contract=600000, signed=date(YEAR, 1, 10), started=date(YEAR, 1, 20))
    for _ in range(3):
        project(db, unit.id, contract=10, signed=date(YEAR, 1, 10), started=date(YEAR, 1, 20))
    funds(db, big.id, "523060", date(YEAR, 2, 1))
    db.commit()
    return unit


def test_targets_show_a_count_as_whole_numbers(client, db, figures):
    boss = make_user(db, role=Role.leader)
    db.commit()
    login(client, boss.username, PASSWORD)
    page = client.get(f"/targets?year={YEAR}&metric=new_starts")
    assert page.status_code == 200
    cells = _cells(page.text)
    i = cells.index(figures.short_name)
    assert cells[i + 1].startswith("新开工项目")
    assert cells[i + 2 : i + 4] == ["4", "3"]  # actual / target, never "4.00 / 3.00"
    assert cells[i + 4] == "133.3%"  # one decimal
    assert "4.00" not in page.text and "3.00" not in page.text


def test_rates_show_money_with_separators_and_one_decimal(client, db, figures):
    boss = make_user(db, role=Role.leader)
    db.commit()
    login(client, boss.username, PASSWORD)
    page = client.get(f"/rates?start={YEAR}-01-01&end={YEAR}-03-31")
    assert page.status_code == 200
    assert "523,060.00 / 600,030.00 万元" in page.text
    assert "523060.00" not in page.text
    assert re.search(r"到位率：87\.2%", page.text)  # 523060 / 600030


def test_bulletin_page_shows_money_with_separators_and_counts_whole(client, db, figures):
    boss = make_user(db, role=Role.leader)
    db.commit()
    login(client, boss.username, PASSWORD)
    page = client.get(f"/bulletins/quarterly/{YEAR}/1")
    assert page.status_code == 200
    assert "523,060.00" in page.text and "600,030.00" in page.text
    assert "523060.00" not in page.text and "600030.00" not in page.text
    cells = _cells(page.text)
    starts = [i for i, c in enumerate(cells) if c.startswith("新开工项目（个）")]
    assert any(cells[i + 1 : i + 3] == ["4", "3"] for i in starts)  # the units' table: 4 / 3
    assert "4.00" not in cells
