"""Rankings and the 十佳 drawn per person and per section as well as per unit (issue 19, item 1): the figures
come from the credits with their shares, the targets from the splits; the page's dimension selector and the
API's `dimension` answer the same. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models.project import FundsSource, FundsStatus
from app.models.unit import UnitKind
from app.models.user import User
from app.services import cadre_credits, people, performance, rankings, workdays
from tests.core.test_openapi_rules import DOC, _answer_example, _differences
from tests.factories import bearer, make_token, make_unit, make_user
from tests.people.factories import as_user, coordinator, make_cadre, make_section
from tests.projects.factories import make_funds, make_lead, make_project

TODAY = workdays.today()
YEAR = TODAY.year
Browser = Callable[[User], TestClient]


def day(month: int, dom: int) -> date:
    return min(date(YEAR, month, dom), TODAY)


class County:
    def __init__(self, db: Session) -> None:
        # a unit kind of its own, so that the county's other test rows stay out of these rankings
        self.town = make_unit(db, name="排名测试镇", short_name="排名镇", kind=UnitKind.zone)
        self.head = make_user(db, self.town, display_name="赵镇长")
        self.town.head_user_id = self.head.id
        self.clerk = make_user(db, self.town, display_name="陈晓燕")
        self.mate = make_user(db, self.town, display_name="刘建军")
        self.office = make_section(db, self.town, name="招商办")
        self.economy = make_section(db, self.town, name="经发办")
        self.head_cadre = make_cadre(db, self.town, user=self.head)
        self.clerk_cadre = make_cadre(db, self.town, user=self.clerk, section_id=self.office.id)
        self.mate_cadre = make_cadre(db, self.town, user=self.mate, section_id=self.economy.id)
        self.leader = make_cadre(db, self.town, name="王副县长", title="副县长", section_id=self.office.id)
        db.flush()


@pytest.fixture
def county(db: Session) -> County:
    county = County(db)
    town, clerk = county.town, county.clerk
    # the clerk's signed project of 12 000, shared 60 / 40 with the leader; 3 000 funds confirmed
    lead = make_lead(db, town, brought_by_id=clerk.id, lead_date=day(2, 1))
    shared = make_project(db, town, lead_id=lead.id, signed_on=day(3, 1), contract_investment=Decimal(12000))
    cadre_credits.set_project_people(
        db, as_user(clerk), shared.id, [(county.clerk_cadre.id, Decimal(60)), (county.leader.id, Decimal(40))]
    )
    make_funds(
        db,
        shared,
        3000,
        status=FundsStatus.confirmed,
        source=FundsSource.in_province,
        arrived_on=day(4, 1),
    )
    # the mate's own project of 5 000, with 4 000 funds confirmed
    lead = make_lead(db, town, brought_by_id=county.mate.id, lead_date=day(2, 2))
    own = make_project(db, town, lead_id=lead.id, signed_on=day(3, 2), contract_investment=Decimal(5000))
    make_funds(db, own, 4000, status=FundsStatus.confirmed, source=FundsSource.in_province, arrived_on=day(4, 2))
    # targets split: the leader carries 1 000 of funds (so 1 200 counts 120%), the office section 10 000
    performance.set_target(
        db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(20000), unit_id=town.id
    )
    people.split_target(
        db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(1000), cadre_id=county.leader.id
    )
    people.split_target(
        db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(10000), section_id=county.office.id
    )
    db.commit()
    return county


def test_people_are_ranked_by_their_shares_against_their_targets(db: Session, county: County) -> None:
    rows = rankings.rank_people(db, coordinator(), YEAR, ["zone"])
    by_name = {r.name: r for r in rows}
    assert set(by_name) == {"赵镇长", "陈晓燕", "刘建军", "王副县长"}
    clerk, leader, mate = by_name["陈晓燕"], by_name["王副县长"], by_name["刘建军"]
    assert clerk.figures["contract_investment"] == Decimal("7200.00")  # 60% of 12 000
    assert leader.figures["funds_domestic"] == Decimal("1200.00") and leader.targets == {"funds_domestic": 1000}
    # the leader's funds: 120% of the target x 30; the others by the best figure (the mate's 4 000)
    leader_funds = next(p for p in leader.parts if p["metric"] == "funds_domestic")
    assert leader_funds["points"] == Decimal("1.2") * 30
    mate_funds = next(p for p in mate.parts if p["metric"] == "funds_domestic")
    assert mate_funds["points"] == Decimal(30)
    assert [r.rank for r in rows] == [1, 2, 3, 4]
    assert rows == sorted(rows, key=lambda r: -r.score)
    assert rows[-1].name == "赵镇长" and rows[-1].score == 0
    assert rows[1].gap_to_above == rows[0].score - rows[1].score
    # who may open whose ledger: the coordinator everyone, the head the town, a clerk only themselves
    assert all(r.readable for r in rows)
    as_head = {r.name: r.readable for r in rankings.rank_people(db, as_user(county.head), YEAR, ["zone"])}
    assert all(as_head.values())
    as_clerk = {r.name: r.readable for r in rankings.rank_people(db, as_user(county.clerk), YEAR, ["zone"])}
    assert as_clerk == {"赵镇长": False, "陈晓燕": True, "刘建军": False, "王副县长": False}


def test_sections_are_ranked_by_their_members_against_their_splits(db: Session, county: County) -> None:
    rows = rankings.rank_sections(db, coordinator(), YEAR, ["zone"])
    office, economy = (next(r for r in rows if r.name == n) for n in ("招商办", "经发办"))
    assert office.figures["contract_investment"] == Decimal("12000.00")  # the clerk's 60% and the leader's 40%
    assert office.figures["funds_domestic"] == Decimal("3000.00") and office.targets == {"funds_domestic": 10000}
    assert economy.figures["funds_domestic"] == Decimal("4000.00")
    # the office: contract 20 + projects 20 + funds 30% of its target x 30 = 9 + leads 10 = 59; the economy
    # section, without a target: contract 5/12 x 20 + projects 20 + funds (the best) 30 + leads 10 = 68.33
    assert office.score == 59 and economy.score.quantize(Decimal("0.01")) == Decimal("68.33")
    assert [(r.name, r.rank) for r in rows] == [("经发办", 1), ("招商办", 2)]


def test_the_top_ten_per_dimension(db: Session, county: County) -> None:
    persons = rankings.top_ten(db, coordinator(), YEAR, "person", ["zone"])
    assert [(p.name, p.contract_investment) for p in persons] == [
        ("陈晓燕", Decimal("7200.00")),
        ("刘建军", Decimal("5000.00")),
        ("王副县长", Decimal("4800.00")),
    ]  # the head, with nothing, is not among them
    sections = rankings.top_ten(db, coordinator(), YEAR, "section", ["zone"])
    assert [s.name for s in sections] == ["招商办", "经发办"]
    units = rankings.top_ten(db, coordinator(), YEAR, "unit", ["zone"])
    assert [(u.id, u.contract_investment) for u in units] == [(county.town.id, Decimal(17000))]


def test_the_ranking_page_has_a_dimension_selector(db: Session, county: County, signed_in: Browser) -> None:
    browser = signed_in(county.clerk)
    unit_page = browser.get("/rankings?kind=zone")
    assert unit_page.status_code == 200 and 'name="dimension"' in unit_page.text
    assert "十佳引资单位" in unit_page.text and "十佳引资个人" in unit_page.text
    page = browser.get("/rankings?dimension=person&kind=zone")
    assert page.status_code == 200 and "十佳引资个人" in page.text
    assert f'href="/people/{county.clerk_cadre.id}?year={YEAR}"' in page.text  # one's own ledger
    assert f'href="/people/{county.mate_cadre.id}?' not in page.text  # another's: named, not opened
    assert 'id="own-standing"' in page.text and "陈晓燕" in page.text
    sections = browser.get("/rankings?dimension=section&kind=zone")
    assert "十佳引资科室" in sections.text and "招商办" in sections.text
    assert browser.get("/rankings?dimension=team").status_code == 422
    head = signed_in(county.head).get("/rankings?dimension=section&kind=zone")
    assert f'href="/units/{county.town.id}/people?year={YEAR}#section-{county.office.id}"' in head.text


def test_the_ranking_api_answers_each_dimension(db: Session, county: County, client: TestClient) -> None:
    reader = bearer(make_token(db, None, read_only=True))
    db.commit()
    person = client.get(f"/api/v1/rankings?year={YEAR}&dimension=person&kind=zone", headers=reader)
    assert person.status_code == 200, person.text
    answer = person.json()
    assert answer["dimension"] == "person" and answer["total"] == 4 and answer["units"] == []
    assert [s["rank"] for s in answer["standings"]] == [1, 2, 3, 4]
    assert answer["top_ten"][0] == {
        "rank": 1,
        "kind": "person",
        "id": county.clerk_cadre.id,
        "name": "陈晓燕",
        "unit_id": county.town.id,
        "unit": "排名镇",
        "contract_investment": "7200.00",
        "valid_leads": "1.00",
    }
    assert answer["individuals"][0]["cadre_id"] == county.clerk_cadre.id
    example = copy.deepcopy(_answer_example(DOC["paths"]["/api/v1/rankings"]["get"]))
    for row in (*example["standings"], *answer["standings"]):
        row.pop("targets")  # keyed by data (the metrics split), not the answer's shape
    assert _differences(example, answer) == []  # the documented example has the answer's keys
    page = client.get(f"/api/v1/rankings?year={YEAR}&dimension=person&kind=zone&limit=1&offset=1", headers=reader)
    assert len(page.json()["standings"]) == 1 and page.json()["standings"][0]["rank"] == 2
    section = client.get(f"/api/v1/rankings?year={YEAR}&dimension=section&kind=zone", headers=reader).json()
    assert [s["name"] for s in section["standings"]] == ["经发办", "招商办"]
    assert section["standings"][1]["targets"] == {"funds_domestic": "10000.00"}
    unit = client.get(f"/api/v1/rankings?year={YEAR}&kind=zone", headers=reader).json()
    assert unit["dimension"] == "unit" and unit["units"][0]["unit_id"] == county.town.id
    assert client.get(f"/api/v1/rankings?year={YEAR}&dimension=team", headers=reader).status_code == 422
