"""The rules: each kind of policy computes its award from confirmed figures, with worked numbers.

Every test runs on SQLite and on PostgreSQL. Dates are fixed (the services take `today`), so the
numbers do not depend on the day the suite runs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import Forbidden, Invalid
from app.models.award import Award, PolicyKind, PolicyVersion, RecipientType
from app.models.project import Category, Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.services import awards
from tests.awards.factories import (
    confirmed_funds,
    entered_funds,
    make_credit,
    make_policy,
    make_registration,
    principal_of,
)
from tests.factories import make_unit, make_user
from tests.projects.factories import make_project

D = Decimal
DAY = date(2026, 3, 2)  # "today" for the proposals below
SIGNED = date(2025, 3, 1)


@pytest.fixture
def unit(db):
    return make_unit(db, name="城关镇人民政府", short_name="城关镇")


@pytest.fixture
def zone(db):
    return make_unit(db, name="青山经济开发区", short_name="经开区", kind=UnitKind.zone)


@pytest.fixture
def bureau(db):
    return principal_of(make_user(db, make_unit(db, name="县招商局", kind=UnitKind.department), Role.coordinator))


@pytest.fixture
def clerk(db, unit):
    return principal_of(make_user(db, unit))


def signed_project(db, unit, stage: Stage = Stage.signed, **overrides):
    return make_project(db, unit, stage=stage, reached=SIGNED, **overrides)


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(Invalid) as caught:
        call(*args, **kwargs)
    return " ".join(caught.value.errors.values())


# --- (a) per confirmed funds arrived ----------------------------------------------------------


def test_per_funds_counts_confirmed_funds_only(db, unit, bureau, clerk):
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"])
    project = signed_project(db, unit, contract_investment=D(5000))
    confirmed_funds(db, project, bureau, "3000", date(2025, 6, 1))
    confirmed_funds(db, project, bureau, "456.78", date(2025, 9, 1))
    entered_funds(db, project, "1000", date(2026, 2, 1))  # entered, not yet confirmed

    [award] = awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)

    # 3,456.78万 ÷ 10万 × 500 元 = 172,839.00 元; the 1,000万 waiting for confirmation is not counted
    assert award.amount == D("172839.00")
    assert award.recipient_name == "城关镇人民政府" and award.recipient_unit_id == unit.id
    assert "3,456.78 万元" in award.calculation and "172,839.00 元" in award.calculation
    assert "待确认的 1,000.00 万元未计" in award.calculation
    assert award.basis["funds_confirmed_wan"] == "3456.78"


def test_per_funds_without_confirmed_funds_is_refused(db, unit, clerk):
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"])
    project = signed_project(db, unit)
    entered_funds(db, project, "800", date(2026, 2, 1))  # entered, not yet confirmed
    message = refused(awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)
    assert "尚无已确认的到位资金" in message
    assert db.execute(select(Award)).first() is None


def test_the_same_policy_cannot_be_claimed_twice_for_a_project(db, unit, bureau, clerk):
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"])
    project = signed_project(db, unit)
    confirmed_funds(db, project, bureau, "1000", date(2025, 6, 1))
    awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)
    assert "已按本政策申报过" in refused(
        awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, today=DAY
    )


# --- (a) per-mille of the fixed-asset investment, in size bands -------------------------------

BANDS = {
    "bands": [
        {"from_wan": "5000", "permille": "1.5"},
        {"from_wan": "10000", "permille": "2"},
        {"from_wan": "50000", "permille": "3"},
    ],
    "cap_per_project": "500000",
}


@pytest.mark.parametrize(
    ("invested", "expected", "band"),
    [
        ("6000", "90000.00", "1.5‰"),  # 6,000万 × 10,000 × 1.5 / 1,000
        ("12000", "240000.00", "2‰"),  # 12,000万 × 10,000 × 2 / 1,000
        ("10000", "200000.00", "2‰"),  # exactly on the band's floor: the higher band
        ("9999.99", "149999.85", "1.5‰"),  # just below it
    ],
)
def test_per_mille_uses_the_band_the_investment_reaches(db, unit, clerk, invested, expected, band):
    policy = make_policy(db, PolicyKind.per_mille, BANDS, recipients=["unit"])
    project = signed_project(db, unit, Stage.completed, investment_completed=D(invested))
    [award] = awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)
    assert award.amount == D(expected)
    assert band in award.calculation


def test_per_mille_is_capped_per_project(db, unit, clerk):
    policy = make_policy(db, PolicyKind.per_mille, BANDS, recipients=["unit"])
    project = signed_project(db, unit, Stage.completed, investment_completed=D(60000))
    [award] = awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)
    # 60,000万 × 3‰ = 1,800,000 元, above the cap of 500,000 元 a project
    assert award.amount == D("500000.00")
    assert "1,800,000.00 元" in award.calculation and "超过单个项目上限 500,000.00 元" in award.calculation


def test_per_mille_below_the_lowest_band_or_before_completion_is_refused(db, unit, clerk):
    policy = make_policy(db, PolicyKind.per_mille, BANDS, recipients=["unit"])
    small = signed_project(db, unit, Stage.completed, investment_completed=D(4000))
    assert "未达到最低档 5000 万元" in refused(
        awards.propose, db, clerk, policy_id=policy.id, project_id=small.id, today=DAY
    )
    building = signed_project(db, unit, Stage.started, investment_completed=D(8000))
    assert "竣工" in refused(awards.propose, db, clerk, policy_id=policy.id, project_id=building.id, today=DAY)


# --- (b) a fixed sum when a size band and a stage are reached ---------------------------------

MILESTONE = {"min_wan": "10000", "stage": "started", "amount": "50000"}


def test_milestone_pays_once_a_hundred_million_project_has_started(db, unit, clerk):
    policy = make_policy(db, PolicyKind.milestone, MILESTONE, recipients=["unit"])
    project = signed_project(db, unit, Stage.started, contract_investment=D(12000))
    [award] = awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)
    assert award.amount == D("50000.00")
    assert "12,000.00 万元 ≥ 10,000.00 万元" in award.calculation and "开工" in award.calculation


def test_milestone_is_refused_before_the_start_or_below_the_band(db, unit, clerk):
    policy = make_policy(db, PolicyKind.milestone, MILESTONE, recipients=["unit"])
    not_started = signed_project(db, unit, Stage.landed, contract_investment=D(12000))
    assert "未开工" in refused(awards.propose, db, clerk, policy_id=policy.id, project_id=not_started.id, today=DAY)
    too_small = signed_project(db, unit, Stage.started, contract_investment=D("9999.99"))
    assert "当前合同投资 9,999.99 万元" in refused(
        awards.propose, db, clerk, policy_id=policy.id, project_id=too_small.id, today=DAY
    )


# --- (c) a yearly long-term reward while a qualifying project is in production ----------------

LONG_TERM = {"category": "industrial", "min_wan": "5000", "in_zone": True, "amount": "20000", "years": 3}


def producing(db, unit, zone, **overrides):
    values = {
        "contract_investment": D(6000),
        "category": Category.industrial,
        "zone_unit_id": zone.id,
        "production_on": date(2024, 6, 1),
    }
    values.update(overrides)
    return signed_project(db, unit, Stage.completed, **values)


def test_long_term_pays_each_production_year_for_three_years(db, unit, zone, clerk):
    policy = make_policy(db, PolicyKind.long_term, LONG_TERM, recipients=["unit"])
    project = producing(db, unit, zone)
    for year, today in ((2024, date(2025, 2, 1)), (2025, date(2026, 2, 1)), (2026, date(2027, 2, 1))):
        [award] = awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, year=year, today=today)
        assert (award.period_year, award.amount) == (year, D("20000.00"))
        assert f"{year} 年持续生产" in award.calculation
    fourth = refused(
        awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, year=2027, today=date(2028, 2, 1)
    )
    assert "只奖励投产后 3 年" in fourth
    again = refused(
        awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, year=2025, today=date(2028, 2, 1)
    )
    assert "2025 年度的奖励" in again


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"category": Category.commerce_services}, "不是工业项目"),
        ({"contract_investment": D("4999.99")}, "一次性投资不足 5,000.00 万元"),
        ({"zone_unit_id": None}, "不在园区内"),
        ({"production_on": date(2026, 1, 5)}, "2025 年底前未投产"),
    ],
)
def test_long_term_is_refused_to_projects_that_do_not_qualify(db, unit, zone, clerk, overrides, reason):
    policy = make_policy(db, PolicyKind.long_term, LONG_TERM, recipients=["unit"])
    project = producing(db, unit, zone, **overrides)
    message = refused(awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, year=2025, today=DAY)
    assert reason in message


def test_long_term_is_claimed_for_a_year_that_has_ended(db, unit, zone, clerk):
    policy = make_policy(db, PolicyKind.long_term, LONG_TERM, recipients=["unit"])
    project = producing(db, unit, zone)
    message = refused(awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, year=2026, today=DAY)
    assert "2026 年尚未结束" in message
    [award] = awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)  # default: last year
    assert award.period_year == 2025


def test_long_term_years_share_the_cap_per_project(db, unit, zone, clerk):
    policy = make_policy(db, PolicyKind.long_term, {**LONG_TERM, "cap_per_project": "50000"}, recipients=["unit"])
    project = producing(db, unit, zone)
    amounts = [
        awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, year=y, today=date(2027, 2, 1))[0]
        for y in (2024, 2025, 2026)
    ]
    # 20,000 + 20,000, then only the 10,000 left under the 50,000 cap
    assert [a.amount for a in amounts] == [D("20000.00"), D("20000.00"), D("10000.00")]
    assert "该项目已获 40,000.00 元，本次按余额 10,000.00 元计" in amounts[2].calculation


# --- (d) honour, (e) special case ---------------------------------------------------------------


def test_honour_is_named_by_the_bureau_with_its_fixed_sum(db, bureau, clerk):
    policy = make_policy(db, PolicyKind.honour, {"title": "十佳引资功臣", "amount": "10000"}, recipients=["staff"])
    winner = awards.CreditInput(party=RecipientType.staff, name="李春燕", share=D(100))
    [award] = awards.propose(db, bureau, policy_id=policy.id, honour_recipient=winner, today=DAY)
    assert (award.recipient_name, award.amount, award.project_id) == ("李春燕", D("10000.00"), None)
    assert "授予“十佳引资功臣”称号" in award.calculation
    with pytest.raises(Forbidden):
        awards.propose(db, clerk, policy_id=policy.id, honour_recipient=winner, today=DAY)
    company = awards.CreditInput(party=RecipientType.enterprise, name="某某公司", share=D(100))
    assert "不在本政策奖励范围" in refused(
        awards.propose, db, bureau, policy_id=policy.id, honour_recipient=company, today=DAY
    )


def test_special_case_needs_a_decision_reference_and_an_amount(db, unit, clerk):
    policy = make_policy(db, PolicyKind.special, {}, recipients=["unit"])
    project = signed_project(db, unit)
    no_ref = refused(
        awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, special_amount=D(80000), today=DAY
    )
    assert "会议纪要或批复文号" in no_ref
    no_amount = refused(
        awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, decision_ref="纪要〔2026〕9号", today=DAY
    )
    assert "金额" in no_amount
    [award] = awards.propose(
        db,
        clerk,
        policy_id=policy.id,
        project_id=project.id,
        special_amount=D("80000"),
        decision_ref="县政府常务会议纪要〔2026〕9号",
        today=DAY,
    )
    assert (award.amount, award.decision_ref) == (D("80000.00"), "县政府常务会议纪要〔2026〕9号")


# --- caps per recipient ---------------------------------------------------------------------------


def test_a_recipient_cap_limits_the_second_award_to_the_room_left(db, unit, bureau, clerk):
    policy = make_policy(
        db, PolicyKind.per_funds, {"yuan_per_10k": "500", "cap_per_recipient": "100000"}, recipients=["introducer"]
    )
    amounts = []
    for funds in ("1200", "1600", "300"):
        project = make_project(db, unit, stage=Stage.signed, reached=SIGNED)
        registration = make_registration(db, project, "王引荐", registered_on=date(2025, 1, 10))
        make_credit(db, project, RecipientType.introducer, "王引荐", 100, introducer_id=registration.id)
        confirmed_funds(db, project, bureau, funds, arrived_on=date(2025, 6, 1))
        try:
            amounts.append(awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)[0])
        except Invalid as exc:
            assert "已达每个获奖对象上限 100,000.00 元" in " ".join(exc.errors.values())
            amounts.append(None)
    first, second, third = amounts
    assert first is not None and first.amount == D("60000.00")  # 1,200万 ÷ 10万 × 500
    # 1,600万 would give 80,000; only 40,000 is left under the 100,000 cap
    assert second is not None and second.amount == D("40000.00")
    assert "已获 60,000.00 元，本次按余额 40,000.00 元计" in second.calculation
    assert third is None  # at the cap: nothing more


# --- the credit split ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "shares", "parts"),
    [
        ("100.00", ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
        ("0.10", ["33.33", "33.33", "33.34"], ["0.03", "0.03", "0.04"]),  # the fen left over: largest remainder
        ("1000.01", ["50", "30", "20"], ["500.01", "300.00", "200.00"]),  # 500.005 / 300.003 / 200.002
        ("0.01", ["50", "50"], ["0.01", "0.00"]),  # a tie: the first in credit order
        ("100.00", ["33.34", "33.33", "33.33"], ["33.34", "33.33", "33.33"]),
    ],
)
def test_split_floors_to_the_fen_and_gives_leftover_fens_to_the_largest_remainders(total, shares, parts):
    result = awards.split(D(total), [D(s) for s in shares])
    assert result == [D(p) for p in parts]
    assert sum(result) == D(total)


def test_awards_follow_the_credit_split_three_ways(db, unit, bureau):
    policy = make_policy(db, PolicyKind.special, {})
    project = signed_project(db, unit)
    registration = make_registration(db, project, "王引荐", registered_on=date(2025, 1, 10))
    staff = make_user(db, unit)
    awards.set_credits(
        db,
        bureau,
        project.id,
        [
            awards.CreditInput(RecipientType.unit, "城关镇", D(50), unit_id=unit.id),
            awards.CreditInput(RecipientType.staff, "张干部", D(30), user_id=staff.id),
            awards.CreditInput(RecipientType.introducer, "王引荐", D(20), introducer_id=registration.id),
        ],
    )
    created = awards.propose(
        db,
        bureau,
        policy_id=policy.id,
        project_id=project.id,
        special_amount=D("1000.01"),
        decision_ref="纪要〔2026〕1号",
        today=DAY,
    )
    assert [(a.recipient_name, a.share, a.amount) for a in created] == [
        ("城关镇", D(50), D("500.01")),
        ("张干部", D(30), D("300.00")),
        ("王引荐", D(20), D("200.00")),
    ]
    assert "按功劳份额 30.00% 计 300.00 元" in created[1].calculation


def test_without_a_credit_the_award_follows_the_leads_settled_credit(db, unit, bureau, clerk):
    from app.models.lead import LeadCredit
    from tests.projects.factories import make_lead

    other = make_unit(db, name="县商务局", kind=UnitKind.department)
    lead = make_lead(db, unit)
    db.add_all(
        [
            LeadCredit(lead_id=lead.id, unit_id=unit.id, share=D(70)),
            LeadCredit(lead_id=lead.id, unit_id=other.id, share=D(30)),
        ]
    )
    project = signed_project(db, unit, lead_id=lead.id)
    policy = make_policy(db, PolicyKind.special, {}, recipients=["unit"])
    created = awards.propose(
        db, clerk, policy_id=policy.id, project_id=project.id, special_amount=D(10000), decision_ref="纪要1", today=DAY
    )
    assert [(a.recipient_unit_id, a.amount) for a in created] == [(unit.id, D("7000.00")), (other.id, D("3000.00"))]


def test_credit_shares_must_sum_to_100_with_two_decimals(db, unit, bureau):
    project = signed_project(db, unit)
    other = make_unit(db)
    halves = [awards.CreditInput(RecipientType.unit, "甲", D(50), unit_id=unit.id)]
    assert "合计须为 100%" in refused(awards.set_credits, db, bureau, project.id, halves)
    thirds = [
        awards.CreditInput(RecipientType.unit, "甲", D("33.333"), unit_id=unit.id),
        awards.CreditInput(RecipientType.unit, "乙", D("33.333"), unit_id=other.id),
        awards.CreditInput(RecipientType.unit, "丙", D("33.334"), unit_id=unit.id),
    ]
    assert "两位小数" in refused(awards.set_credits, db, bureau, project.id, thirds)


# --- exclusions, introducers --------------------------------------------------------------------


def test_excluded_parties_are_not_paid_and_their_share_is_not_passed_on(db, unit, bureau):
    policy = make_policy(db, PolicyKind.special, {}, exclusions=["duty_official", "investor_controller"])
    project = signed_project(db, unit)
    registration = make_registration(db, project, "赵老板", registered_on=date(2025, 1, 10))
    awards.set_credits(
        db,
        bureau,
        project.id,
        [
            awards.CreditInput(RecipientType.unit, "城关镇", D(60), unit_id=unit.id),
            awards.CreditInput(RecipientType.staff, "钱镇长", D(30), is_duty_official=True),
            awards.CreditInput(
                RecipientType.introducer, "赵老板", D(10), introducer_id=registration.id, is_investor_controller=True
            ),
        ],
    )
    [award] = awards.propose(
        db, bureau, policy_id=policy.id, project_id=project.id, special_amount=D(10000), decision_ref="纪要2", today=DAY
    )
    assert (award.recipient_name, award.amount) == ("城关镇", D("6000.00"))  # 60% of 10,000; 40% paid to no one
    assert "钱镇长（负有该项目招商职责的公职人员，不予奖励）" in award.calculation
    assert "赵老板（投资方实际控制人，不予奖励）" in award.calculation


def test_only_the_first_registered_introducer_can_be_credited(db, unit, bureau, clerk):
    project = make_project(db, unit, stage=Stage.negotiating, reached=date(2025, 1, 1))
    first = awards.register_introducer(
        db,
        clerk,
        project.id,
        kind="person",
        name="王引荐",
        phone="",
        today=date(2025, 1, 10),
        investor_confirmed=True,
        confirmation="客商李总电话确认",
    )
    second = awards.register_introducer(
        db,
        clerk,
        project.id,
        kind="intermediary",
        name="某咨询公司",
        phone="",
        today=date(2025, 1, 12),
        investor_confirmed=True,
        confirmation="客商李总电话确认",
    )
    assert (first.is_first, second.is_first) == (True, False)
    credit_second = [awards.CreditInput(RecipientType.introducer, "某咨询公司", D(100), introducer_id=second.id)]
    assert "首个备案" in refused(awards.set_credits, db, bureau, project.id, credit_second)
    unregistered = [awards.CreditInput(RecipientType.introducer, "路人甲", D(100))]
    assert "首个备案" in refused(awards.set_credits, db, bureau, project.id, unregistered)
    [row] = awards.set_credits(
        db, bureau, project.id, [awards.CreditInput(RecipientType.introducer, "王", D(100), introducer_id=first.id)]
    )
    assert row.name == "王引荐"  # the registered name, as the investor confirmed it


def test_registration_needs_the_investors_confirmation_and_must_precede_signing(db, unit, clerk):
    project = signed_project(db, unit)  # signed on 2025-03-01
    unconfirmed = refused(
        awards.register_introducer,
        db,
        clerk,
        project.id,
        kind="person",
        name="王引荐",
        phone="",
        today=date(2025, 2, 1),
        investor_confirmed=False,
        confirmation="",
    )
    assert "客商的确认" in unconfirmed
    late = refused(
        awards.register_introducer,
        db,
        clerk,
        project.id,
        kind="person",
        name="王引荐",
        phone="",
        today=date(2025, 3, 1),
        investor_confirmed=True,
        confirmation="客商确认",
    )
    assert "签约后不能再备案" in late


# --- versions and claim windows -----------------------------------------------------------------


def test_a_new_version_changes_new_awards_and_earlier_awards_keep_theirs(db, unit, bureau, clerk):
    policy = make_policy(
        db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"], effective_from=date(2025, 1, 1)
    )
    early = signed_project(db, unit)
    confirmed_funds(db, early, bureau, "2000", date(2025, 6, 1))
    [before] = awards.propose(db, clerk, policy_id=policy.id, project_id=early.id, today=date(2025, 12, 31))
    assert before.amount == D("100000.00")

    v2 = awards.add_version(
        db, bureau, policy.id, effective_from=date(2026, 1, 1), params={"yuan_per_10k": "800"}, recipients=["unit"]
    )
    later = signed_project(db, unit)
    confirmed_funds(db, later, bureau, "2000", date(2025, 6, 1))
    [after] = awards.propose(db, clerk, policy_id=policy.id, project_id=later.id, today=DAY)

    assert after.amount == D("160000.00") and after.policy_version_id == v2.id  # 2,000万 ÷ 10万 × 800
    db.expire_all()
    kept = db.get(Award, before.id)
    v1 = db.get(PolicyVersion, kept.policy_version_id)
    assert (kept.amount, v1.number, v1.effective_to) == (D("100000.00"), 1, date(2025, 12, 31))
    assert "× 500.00 元" in kept.calculation


def test_a_version_cannot_start_before_the_one_it_replaces(db, bureau):
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, effective_from=date(2025, 1, 1))
    message = refused(
        awards.add_version,
        db,
        bureau,
        policy.id,
        effective_from=date(2025, 1, 1),
        params={"yuan_per_10k": "800"},
        recipients=["unit"],
    )
    assert "晚于上一版本" in message


def test_the_claim_window_closes(db, unit, bureau, clerk):
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"], claim_window_days=365)
    project = signed_project(db, unit)
    confirmed_funds(db, project, bureau, "1000", date(2025, 1, 10))
    late = refused(awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, today=date(2026, 1, 11))
    assert "已超过申报期限" in late and "2026-01-10 前" in late
    [award] = awards.propose(db, clerk, policy_id=policy.id, project_id=project.id, today=date(2026, 1, 10))
    assert award.amount == D("50000.00")


def test_a_project_in_default_cannot_claim(db, unit, bureau, clerk):
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"])
    project = signed_project(db, unit)
    confirmed_funds(db, project, bureau, "1000", date(2025, 6, 1))
    awards.move_agreement(db, bureau, project.id, awards.AgreementState.default, "未按合同约定时间开工")
    message = refused(awards.propose, db, clerk, policy_id=policy.id, project_id=project.id, today=DAY)
    assert "违约" in message


def test_policy_parameters_are_checked_when_a_version_is_added(db, bureau):
    policy = make_policy(db, PolicyKind.per_mille, BANDS)
    assert "from_wan" in refused(
        awards.add_version,
        db,
        bureau,
        policy.id,
        effective_from=date(2026, 1, 1),
        params={"bands": [{"from": "5000"}]},
        recipients=["unit"],
    )
