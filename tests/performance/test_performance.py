"""Targets, campaigns, rankings, rates, spot-checks and bulletins, with worked numbers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.performance import Bulletin, Campaign, SpotFinding
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import bulletins, metrics, performance, reports, spot_checks, workdays
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user

_n = itertools.count(1)
YEAR = workdays.today().year


def coordinator(unit_id: int | None = None) -> Principal:
    return Principal(role=Role.coordinator, unit_id=unit_id, label="测试招商局", user_id=None)


def investor(db: Session) -> Investor:
    inv = Investor(
        kind=InvestorKind.company,
        name=f"考核客商{next(_n)}",
        name_key=f"k{next(_n)}",
        investor_type=InvestorType.private,
    )
    db.add(inv)
    db.flush()
    return inv


def project(
    db: Session,
    unit_id: int,
    *,
    contract: int,
    signed: date | None = None,
    started: date | None = None,
    start_by: date | None = None,
    production_by: date | None = None,
    production: date | None = None,
    category: str = "industrial",
) -> Project:
    stage = Stage.started if started else (Stage.signed if signed else Stage.negotiating)
    p = Project(
        name=f"考核项目{next(_n)}",
        investor_id=investor(db).id,
        stage=stage,
        stage_since=started or signed or date(YEAR, 1, 1),
        signed_on=signed,
        started_on=started,
        production_on=production,
        contract_investment=Decimal(contract),
        introducing_unit_id=unit_id,
        responsible_unit_id=unit_id,
        start_by=start_by,
        production_by=production_by,
        category=category,
    )
    db.add(p)
    db.flush()
    return p


def funds(
    db: Session,
    project_id: int,
    amount: str,
    on: date,
    status: FundsStatus = FundsStatus.confirmed,
    source: FundsSource = FundsSource.in_province,
) -> None:
    db.add(FundsArrival(project_id=project_id, arrived_on=on, amount=Decimal(amount), source=source, status=status))
    db.flush()


# --- the hundred-day campaign table, entered exactly as it stands ---------------------------


@pytest.fixture
def campaign(db: Session) -> Campaign:
    start = date(YEAR, 3, 1)
    return performance.create_campaign(
        db, coordinator(), "百日竞赛", start, start + timedelta(days=99), performance.HUNDRED_DAY_RULES
    )


def cell(groups: list[dict[str, Any]], unit_id: int, column: str) -> dict[str, Any]:
    for group in groups:
        for row in group["rows"]:
            if row["unit"].id == unit_id:
                return next(c for c in row["cells"] if c["column"] == column)
    raise AssertionError("unit not judged")


def test_tier1_signing_met_by_three_projects_or_6000_wan(db, campaign):
    day = date(YEAR, 4, 1)
    by_count = make_unit(db, kind=UnitKind.department, tier=1)
    for _ in range(3):
        project(db, by_count.id, contract=1000, signed=day)
    just_below = make_unit(db, kind=UnitKind.department, tier=1)
    for _ in range(2):
        project(db, just_below.id, contract=2999, signed=day)  # 2 projects, 5998万: neither alternative
    project(db, just_below.id, contract=999, signed=day)  # below 1000万: counts for neither
    by_sum = make_unit(db, kind=UnitKind.department, tier=1)
    project(db, by_sum.id, contract=3000, signed=day)
    project(db, by_sum.id, contract=3000, signed=day)  # 2 projects but 6000万 agreed in ≥1000万 projects
    outside = make_unit(db, kind=UnitKind.department, tier=1)
    for _ in range(3):
        project(db, outside.id, contract=5000, signed=date(YEAR, 2, 1))  # before the campaign
    groups = performance.judge(db, campaign, date(YEAR, 6, 30))
    assert cell(groups, by_count.id, "签约")["met"] is True
    assert cell(groups, by_sum.id, "签约")["met"] is True
    assert cell(groups, just_below.id, "签约")["met"] is False
    assert [a["value"] for a in cell(groups, just_below.id, "签约")["alternatives"]] == [2, Decimal("5998")]
    assert cell(groups, outside.id, "签约")["met"] is False
    assert cell(groups, by_count.id, "资金到位")["met"] is None  # tier 1: "set per year"


def test_tier2_to_4_and_zone_bureaus_thresholds(db, campaign):
    day = date(YEAR, 4, 15)
    tier2 = make_unit(db, kind=UnitKind.department, tier=2)
    project(db, tier2.id, contract=2500, signed=day)
    project(db, tier2.id, contract=1500, signed=day)  # "4000万 agreed": exactly met, and 2 ≥1000万 also met
    p = project(db, tier2.id, contract=1000, signed=day, started=day)
    funds(db, p.id, "999.99", day)  # funds 1000万 target: just below
    tier3 = make_unit(db, kind=UnitKind.department, tier=3)
    project(db, tier3.id, contract=499, signed=day, started=day)  # start ≥500万: just below
    tier4 = make_unit(db, kind=UnitKind.department, tier=4)
    q = project(db, tier4.id, contract=500, signed=day, started=day)  # ≥500万 signing and ≥300万 start: met
    funds(db, q.id, "250", day)
    zone = make_unit(db, kind=UnitKind.zone_bureau)
    for _ in range(3):
        project(db, zone.id, contract=2700, signed=day)  # 3 projects (need 4), 8100万 (≥8000): met by sum
    groups = performance.judge(db, campaign, date(YEAR, 6, 30))
    assert cell(groups, tier2.id, "签约")["met"] is True
    assert cell(groups, tier2.id, "新开工")["met"] is True
    assert cell(groups, tier2.id, "资金到位")["met"] is False
    assert cell(groups, tier3.id, "新开工")["met"] is False
    assert cell(groups, tier4.id, "签约")["met"] is True
    assert cell(groups, tier4.id, "新开工")["met"] is True
    assert cell(groups, tier4.id, "资金到位")["met"] is True
    zone_cell = cell(groups, zone.id, "签约")
    assert zone_cell["met"] is True and [a["met"] for a in zone_cell["alternatives"]] == [False, True]


def test_campaign_board_page_shows_days_left(client, db, campaign):
    user = make_user(db, role=Role.leader)
    db.commit()
    login(client, user.username, PASSWORD)
    page = client.get(f"/campaigns/{campaign.id}")
    assert page.status_code == 200
    assert "剩余" in page.text and "一档" in page.text and "两个园区招商局" in page.text


# --- targets: shares, growth, cards -------------------------------------------------------


def test_share_of_target_expectation_growth_and_cards(db):
    unit = make_unit(db, kind=UnitKind.department, tier=2)
    zero = make_unit(db, kind=UnitKind.department, tier=2)
    performance.set_target(db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(1000), tier=2)
    performance.set_expected_share(db, coordinator(), YEAR, 9, Decimal(75))
    p = project(db, unit.id, contract=5000, signed=date(YEAR - 1, 5, 1))
    funds(db, p.id, "500", date(YEAR, 3, 1))
    funds(db, p.id, "100", date(YEAR, 9, 10), status=FundsStatus.pending)  # not counted
    funds(db, p.id, "400", date(YEAR - 1, 6, 1))  # last year, same period
    st = performance.standings(db, YEAR, date(YEAR, 9, 30))
    mine = st[("funds_domestic", unit.id)]
    assert mine.actual == Decimal(500)
    assert mine.share_of_target == Decimal(50)  # 500 / 1000
    assert mine.expected == Decimal(75)
    assert performance.shown(mine.share_of_expected) == "66.7"  # 50 / 75, rounded half-up only when shown
    assert mine.card == "yellow"  # below 70% of the time-sequenced expectation at the end of September
    assert mine.growth == Decimal(25)  # (500 - 400) / 400
    assert st[("funds_domestic", zero.id)].card == "red"  # no result at all
    mid = performance.standings(db, YEAR, date(YEAR, 9, 15))[("funds_domestic", unit.id)]
    assert mid.card == ""  # not a period's end: no card yet


def test_unit_override_beats_tier_target(db):
    unit = make_unit(db, kind=UnitKind.department, tier=1)
    performance.set_target(db, coordinator(), year=YEAR, metric="new_starts", amount=Decimal(4), tier=1)
    performance.set_target(db, coordinator(), year=YEAR, metric="new_starts", amount=Decimal(9), unit_id=unit.id)
    assert performance.targets_for_year(db, YEAR)[("new_starts", unit.id)] == Decimal(9)


# --- rankings -----------------------------------------------------------------------------


def test_ranking_ties_broken_by_stated_rule(db):
    units = [make_unit(db, kind=UnitKind.town, sort_order=10 + i) for i in range(3)]
    day = date(YEAR, 5, 1)
    for u in units:
        p = project(db, u.id, contract=1000, signed=day)
        funds(db, p.id, "100", day)
    extra = project(db, units[2].id, contract=0, signed=None)
    funds(db, extra.id, "0.01", day)  # a fen more funds: wins the tie on funds
    scheme_weights = {"weights": {"projects_introduced": 100}, "stale_days": 100000}

    class Scheme:
        params = scheme_weights
        campaign_id = None

    rows = performance.rank_units(db, Scheme(), YEAR, date(YEAR, 6, 30), unit_kinds=["town"])  # type: ignore[arg-type]
    ours = [r for r in rows if r["unit"].id in {u.id for u in units}]
    assert [r["score"] for r in ours] == [ours[0]["score"]] * 3  # all tied on score
    assert [r["unit"].id for r in ours] == [units[2].id, units[0].id, units[1].id]  # funds, then sort order
    assert "得分相同时" in performance.TIE_RULE


def test_false_figure_deducts_points(db):
    unit = make_unit(db, kind=UnitKind.town)
    p = project(db, unit.id, contract=1000, signed=date(YEAR, 5, 1))
    funds(db, p.id, "100", date(YEAR, 5, 2))
    check = spot_checks.draw(
        db,
        Principal(role=Role.supervisor, unit_id=None, label="督查"),
        date(YEAR, 5, 1),
        date(YEAR, 5, 31),
        Decimal(100),
        seed=7,
    )
    item = next(i for i in check.items if i["unit_id"] == unit.id)
    spot_checks.record_finding(
        db,
        Principal(role=Role.supervisor, unit_id=None, label="督查"),
        check.id,
        item["kind"],
        item["id"],
        False,
        Decimal(50),
        "多报 50 万元",
    )
    rows = performance.rank_units(db, None, YEAR, date(YEAR, 6, 30), unit_kinds=["town"])
    row = next(r for r in rows if r["unit"].id == unit.id)
    assert row["false_figures"] == 1 and row["deductions"] >= Decimal("0.2")
    assert db.execute(select(SpotFinding).where(SpotFinding.unit_id == unit.id)).scalar_one().discrepancy == 50


# --- spot-checks: the same seed draws the same sample --------------------------------------


def test_same_seed_same_sample(db):
    unit = make_unit(db)
    for i in range(20):
        p = project(db, unit.id, contract=1000 + i, signed=date(YEAR, 7, 1 + i))
        funds(db, p.id, "10", date(YEAR, 7, 2 + i))
    checker = Principal(role=Role.supervisor, unit_id=None, label="督查")
    first = spot_checks.draw(db, checker, date(YEAR, 7, 1), date(YEAR, 7, 31), Decimal(30), seed=424242)
    second = spot_checks.draw(db, checker, date(YEAR, 7, 1), date(YEAR, 7, 31), Decimal(30), seed=424242)
    other = spot_checks.draw(db, checker, date(YEAR, 7, 1), date(YEAR, 7, 31), Decimal(30), seed=1)
    assert first.population >= 40
    assert len(first.items) == -(-first.population * 30 // 100)  # ceil(30%)
    assert first.items == second.items
    assert first.items != other.items


def test_unit_staff_cannot_draw_a_sample(db):
    unit = make_unit(db)
    with pytest.raises(Exception, match="抽查"):
        spot_checks.draw(
            db, Principal(role=Role.unit_staff, unit_id=unit.id, label="x"), date(YEAR, 1, 1), date(YEAR, 1, 31)
        )


# --- the three rates ----------------------------------------------------------------------


def test_three_rates_with_drill_down(db):
    unit = make_unit(db)
    start, end = date(YEAR, 1, 1), date(YEAR, 6, 30)
    on_time = project(
        db, unit.id, contract=1000, signed=date(YEAR, 1, 10), started=date(YEAR, 3, 1), start_by=date(YEAR, 3, 31)
    )
    late = project(
        db, unit.id, contract=3000, signed=date(YEAR, 1, 20), started=date(YEAR, 5, 1), start_by=date(YEAR, 4, 1)
    )
    project(db, unit.id, contract=4000, signed=date(YEAR, 2, 1), start_by=date(YEAR, 12, 1))  # not yet due
    funds(db, on_time.id, "500", date(YEAR, 2, 1))
    funds(db, late.id, "1500", date(YEAR, 7, 5))  # after the period: not counted
    r = performance.rates(db, start, end, unit.id)
    assert (r["fulfilment"].numerator, r["fulfilment"].denominator) == (1, 2)
    assert [i["id"] for i in r["fulfilment"].above] == [on_time.id]
    assert [i["id"] for i in r["fulfilment"].below] == [late.id]
    assert r["funds"].value == Decimal(500) * 100 / Decimal(8000)  # 6.25%
    assert performance.shown(r["funds"].value) == "6.3"
    assert (r["start"].numerator, r["start"].denominator) == (2, 3)


def test_the_figures_alone_equal_the_drill_down_figures(db):
    """The bulletin asks rates(details=False), counted by the database: the same figures."""
    unit, other = make_unit(db), make_unit(db)
    project(db, unit.id, contract=1000, signed=date(YEAR, 1, 10), started=date(YEAR, 3, 1), start_by=date(YEAR, 3, 31))
    project(db, unit.id, contract=3000, signed=date(YEAR, 1, 20), started=date(YEAR, 5, 1), start_by=date(YEAR, 4, 1))
    both = project(
        db, other.id, contract=2500, signed=date(YEAR, 2, 3), started=date(YEAR, 2, 20), start_by=date(YEAR, 3, 1)
    )
    both.production_by, both.production_on = date(YEAR, 5, 1), None  # production due, not met
    project(db, other.id, contract=4000, signed=date(YEAR, 2, 1), start_by=date(YEAR, 12, 1))
    project(db, other.id, contract=700, signed=date(YEAR, 3, 1))  # no milestone at all
    funds(db, both.id, "800", date(YEAR, 3, 1))
    funds(db, both.id, "99", date(YEAR, 3, 2), source=FundsSource.foreign)
    db.flush()
    start, end = date(YEAR, 1, 1), date(YEAR, 6, 30)
    for unit_id in (None, unit.id, other.id):
        detailed = performance.rates(db, start, end, unit_id)
        alone = performance.rates(db, start, end, unit_id, details=False)
        for key in ("fulfilment", "funds", "start"):
            assert (alone[key].numerator, alone[key].denominator) == (
                detailed[key].numerator,
                detailed[key].denominator,
            ), (unit_id, key)
            assert alone[key].above == alone[key].below == []
    assert performance.rates(db, date(YEAR + 5, 1, 1), date(YEAR + 5, 2, 1), details=False)["funds"].denominator == 0


# --- metrics and bulletins ----------------------------------------------------------------


def test_metric_counts_confirmed_only_and_opens_to_records(db):
    unit = make_unit(db)
    p = project(db, unit.id, contract=2000, signed=date(YEAR, 2, 1))
    funds(db, p.id, "300", date(YEAR, 2, 5))
    funds(db, p.id, "200", date(YEAR, 2, 6), source=FundsSource.out_of_province)
    funds(db, p.id, "999", date(YEAR, 2, 7), status=FundsStatus.pending)
    funds(db, p.id, "12.5", date(YEAR, 2, 8), source=FundsSource.foreign)
    start, end = date(YEAR, 2, 1), date(YEAR, 2, 28)
    assert metrics.compute(db, "funds_domestic", start, end, [unit.id]) == {unit.id: Decimal(500)}
    assert metrics.compute(db, "funds_out_of_province", start, end, [unit.id]) == {unit.id: Decimal(200)}
    assert metrics.compute(db, "foreign_capital", start, end, [unit.id]) == {unit.id: Decimal("12.5")}
    rows, count, total = metrics.drill(db, "funds_domestic", start, end, unit.id)
    assert sum(Decimal(r["value"]) for r in rows) == total == Decimal(500) and len(rows) == count == 2
    first, _, _ = metrics.drill(db, "funds_domestic", start, end, unit.id, limit=1)
    second, _, _ = metrics.drill(db, "funds_domestic", start, end, unit.id, limit=1, offset=1)
    assert [first[0]["value"], second[0]["value"]] == [Decimal(300), Decimal(200)]  # in date order, a page at a time


def test_published_bulletin_is_frozen_and_shows_corrections(db):
    unit = make_unit(db)
    p = project(db, unit.id, contract=2000, signed=date(YEAR, 1, 5))
    funds(db, p.id, "100", date(YEAR, 1, 6))
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    published = bulletins.publish(db, coordinator(bureau.id), "monthly", YEAR, 1)
    assert published.digest == bulletins.digest(published.content)
    first_total = next(t for t in published.content["totals"] if t["code"] == "funds_domestic")["period"]
    funds(db, p.id, "50", date(YEAR, 1, 20))  # a late correction in the records
    current = bulletins.build(db, "monthly", YEAR, 1)
    changed = bulletins.corrections(published.content, current)
    assert any(v[:2] == (first_total, str(Decimal(first_total) + 50)) for v in changed.values())
    stored = db.execute(select(Bulletin)).scalar_one()
    assert stored.content == published.content  # nothing changed silently
    with pytest.raises(Exception, match="发布"):
        bulletins.publish(db, coordinator(bureau.id), "monthly", YEAR, 1)


def test_bulletin_page_prints_and_exports(client, db):
    leader = make_user(db, role=Role.leader)
    db.commit()
    login(client, leader.username, PASSWORD)
    page = client.get(f"/bulletins/quarterly/{YEAR}/1")
    assert page.status_code == 200
    assert "招商引资工作情况通报" in page.text and "三率" in page.text
    xlsx = client.get(f"/bulletins/quarterly/{YEAR}/1/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_unit_cannot_read_another_units_figures_over_the_api(client, db):
    mine, other = make_unit(db), make_unit(db)
    token = make_token(db, mine)
    db.commit()
    response = client.get(
        f"/api/v1/metrics?start={YEAR}-01-01&end={YEAR}-12-31&unit_id={other.id}", headers=bearer(token)
    )
    assert response.status_code == 404
    own = client.get(f"/api/v1/metrics?start={YEAR}-01-01&end={YEAR}-12-31", headers=bearer(token))
    assert own.status_code == 200 and own.json()["unit_id"] == mine.id


def test_a_figures_records_over_the_api_come_a_page_at_a_time_and_only_the_units_own(client, db):
    mine, other = make_unit(db), make_unit(db)
    own_project = project(db, mine.id, contract=2000, signed=date(YEAR, 3, 1))
    for day in (2, 3, 4):
        funds(db, own_project.id, str(day * 100), date(YEAR, 3, day))
    funds(db, project(db, other.id, contract=2000, signed=date(YEAR, 3, 1)).id, "7000", date(YEAR, 3, 5))
    token = make_token(db, mine)
    db.commit()
    url = f"/api/v1/metrics/funds_domestic/records?start={YEAR}-03-01&end={YEAR}-03-31"
    first = client.get(f"{url}&limit=2", headers=bearer(token)).json()
    assert [Decimal(r["value"]) for r in first["items"]] == [200, 300]
    assert (first["total"], Decimal(first["sum"])) == (3, 900)  # the unit's own arrivals only, summed in full
    rest = client.get(f"{url}&limit=2&offset=2", headers=bearer(token)).json()
    assert [Decimal(r["value"]) for r in rest["items"]] == [400]
    assert client.get(f"{url}&unit_id={other.id}", headers=bearer(token)).status_code == 404
    assert client.get(f"{url}&limit=1001", headers=bearer(token)).status_code == 422


def test_report_submission_is_prefilled_and_late_listed(db):
    from app.models.performance import ReportCadence

    db.add(ReportCadence(cadence="monthly", due_days=5))
    unit = make_unit(db)
    staff = make_user(db, unit)
    p = project(db, unit.id, contract=1200, signed=date(YEAR, 1, 10))
    funds(db, p.id, "80", date(YEAR, 1, 11))
    principal = Principal(role=Role.unit_staff, unit_id=unit.id, label="x", user_id=staff.id)
    report = reports.submit_report(db, principal, "monthly", date(YEAR, 1, 1), "本月进展顺利", "")
    assert report.figures["funds_domestic"] == "80.00" or Decimal(report.figures["funds_domestic"]) == 80
    status = {
        r["unit"].id: r["state"] for r in reports.report_status(db, "monthly", date(YEAR, 1, 1), today=date(YEAR, 3, 1))
    }
    assert status[unit.id] in ("on_time", "late")
    silent = make_unit(db)
    status = {
        r["unit"].id: r["state"] for r in reports.report_status(db, "monthly", date(YEAR, 1, 1), today=date(YEAR, 3, 1))
    }
    assert status[silent.id] == "missing"


def test_unit_board_warns_before_the_period_ends(client, db):
    unit = make_unit(db, kind=UnitKind.town)
    staff = make_user(db, unit)
    performance.set_target(
        db, coordinator(), year=workdays.today().year, metric="funds_domestic", amount=Decimal(1000), unit_id=unit.id
    )
    db.commit()
    login(client, staff.username, PASSWORD)
    board = client.get("/")
    assert board.status_code == 200
    assert "目标预警" in board.text and "红牌" in board.text  # no result at all yet


def test_dashboard_names_its_warnings_in_chinese(client, db):
    leader = make_user(db, role=Role.leader)
    db.commit()
    login(client, leader.username, PASSWORD)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "领导驾驶舱" in page.text and "not_started</a>" not in page.text


def test_a_units_staff_open_only_their_own_units_rate_lists_and_records(client, db):
    mine, other = make_unit(db), make_unit(db)
    own = project(db, mine.id, contract=1000, signed=date(YEAR, 2, 1), started=date(YEAR, 3, 1))
    theirs = project(db, other.id, contract=1000, signed=date(YEAR, 2, 1), started=date(YEAR, 3, 1))
    staff = make_user(db, mine)
    db.commit()
    login(client, staff.username, PASSWORD)
    period = f"start={YEAR}-01-01&end={YEAR}-12-31"
    for asked in ("", f"&unit_id={other.id}"):  # another unit's id asked for: their own unit all the same
        listed = client.get(f"/rates/projects?rate=start&side=above&{period}{asked}")
        assert listed.status_code == 200
        assert own.name in listed.text and theirs.name not in listed.text
        records = client.get(f"/metrics/records?code=new_starts&{period}{asked}")
        assert records.status_code == 200
        assert own.name in records.text and theirs.name not in records.text


def test_the_rate_pages_list_exactly_what_the_rates_count(db):
    """/rates shows the figures from `rate_summary` and lists the projects a page at a time from
    `rate_projects`: both must agree with `rates`, which counts and lists in one pass, on the edge cases
    too (a milestone due but never reached, one met late, none due, funds that reverse to zero)."""
    unit = make_unit(db)
    start, end = date(YEAR, 1, 1), date(YEAR, 6, 30)
    project(db, unit.id, contract=100, signed=date(YEAR, 1, 5), start_by=date(YEAR, 3, 1))  # due, never started
    project(db, unit.id, contract=200, signed=date(YEAR, 1, 6), start_by=date(YEAR, 3, 1), started=date(YEAR, 3, 9))
    project(db, unit.id, contract=300, signed=date(YEAR, 1, 7), start_by=date(YEAR, 3, 1), started=date(YEAR, 2, 1))
    project(db, unit.id, contract=400, signed=date(YEAR, 1, 8), production_by=date(YEAR, 12, 1))  # not due yet
    reversed_ = project(db, unit.id, contract=500, signed=date(YEAR, 1, 9), started=date(YEAR, 7, 1))  # after `end`
    funds(db, reversed_.id, "80", date(YEAR, 2, 1))
    funds(db, reversed_.id, "-80", date(YEAR, 2, 2))
    funded = project(db, unit.id, contract=600, signed=date(YEAR, 1, 10))
    funds(db, funded.id, "60", date(YEAR, 2, 1))
    funds(db, funded.id, "999", date(YEAR, 7, 1))  # after `end`: not counted
    counted = performance.rates(db, start, end, unit.id)
    summary = performance.rate_summary(db, start, end, unit.id)
    for key, rate in counted.items():
        assert (summary[key].numerator, summary[key].denominator) == (rate.numerator, rate.denominator), key
        for side, listed in (("above", rate.above), ("below", rate.below)):
            pages = [
                performance.rate_projects(db, start, end, unit.id, None, key, side, limit=2, offset=o)
                for o in (0, 2, 4)
            ]
            assert [row for rows, _total in pages for row in rows] == listed, (key, side)
            assert pages[0][1] == summary[key].listed[side] == len(listed), (key, side)
    assert (counted["fulfilment"].numerator, counted["fulfilment"].denominator) == (1, 3)
    assert counted["funds"].numerator == Decimal(60) and counted["start"].numerator == 2
