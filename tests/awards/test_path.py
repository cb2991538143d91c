"""The path of an award through the pages: proposed → verified → public notice (objections answered)
→ approved within the year's fund → paid; rejection, clawback, the agreement's states, the audit trail.

Every test runs on SQLite and on PostgreSQL. Time passing (a notice period running out) is simulated by
moving the stored notice dates into the past, as the database would hold them a week later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from app.models.award import (
    AgreementState,
    Award,
    AwardObjection,
    AwardStatus,
    Clawback,
    IncentiveAgreement,
    IncentivePolicy,
    PolicyKind,
)
from app.models.project import Project, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import awards, workdays
from tests.awards.factories import confirmed_funds, make_budget, make_policy, principal_of
from tests.factories import make_unit, make_user
from tests.projects.factories import make_project
from tests.projects.helpers import audit_entries, fresh, post_form

D = Decimal
TODAY = workdays.today()
YEAR = TODAY.year


@dataclass
class World:
    unit: Unit
    staff: User
    coordinator: User
    supervisor: User
    bureau: Principal
    project: Project
    policy_id: int


@pytest.fixture
def world(db) -> World:
    bureau_unit = make_unit(db, name="县招商局", kind=UnitKind.department)
    coordinator = make_user(db, bureau_unit, Role.coordinator)
    supervisor = make_user(db, make_unit(db, name="县委督查室", kind=UnitKind.department), Role.supervisor)
    unit = make_unit(db, name="城关镇人民政府", short_name="城关镇")
    staff = make_user(db, unit)
    project = make_project(
        db, unit, stage=Stage.started, reached=TODAY - timedelta(days=60), contract_investment=D(5000)
    )
    bureau = principal_of(coordinator)
    confirmed_funds(db, project, bureau, "3000", TODAY - timedelta(days=40))
    confirmed_funds(db, project, bureau, "456.78", TODAY - timedelta(days=20))
    policy = make_policy(
        db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, name="到位资金奖励", recipients=["unit", "staff"]
    )
    make_budget(db, YEAR, 500000)
    db.commit()
    return World(unit, staff, coordinator, supervisor, bureau, project, policy.id)


def award_id_from(response: Any) -> int:
    assert response.status_code == 303, response.text[:800]
    match = re.fullmatch(r"/awards/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def step(client, db, award_id: int, name: str, **data: Any) -> Any:
    """A step's form on the award page, sent with the award's current version."""
    version = data.pop("version", None) or fresh(db, Award, award_id).version
    return post_form(client, f"/awards/{award_id}/step", {"step": name, "version": version, **data})


def notice_ended(db, award_id: int) -> None:
    """A week later: the stored notice period lies in the past."""
    db.execute(
        update(Award)
        .where(Award.id == award_id)
        .values(notice_from=TODAY - timedelta(days=8), notice_to=TODAY - timedelta(days=2))
    )
    db.commit()


def status(db, award_id: int) -> AwardStatus:
    return fresh(db, Award, award_id).status


def text_of(html: str) -> str:
    """The page's words, without the markup (messages may be split across tags)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def proposed(client, world: World) -> int:
    return award_id_from(post_form(client, "/awards", {"policy_id": world.policy_id, "project_id": world.project.id}))


def to_notice(db, world: World) -> int:
    """An award proposed, verified and on public notice since today (through the services)."""
    [award] = awards.propose(db, world.bureau, policy_id=world.policy_id, project_id=world.project.id)
    awards.verify(db, world.bureau, award.id, award.version, "已核对银行回单 2 张")
    awards.start_notice(db, world.bureau, award.id, award.version)
    db.commit()
    return award.id


def to_paid(db, world: World) -> int:
    award_id = to_notice(db, world)
    notice_ended(db, award_id)
    award = fresh(db, Award, award_id)
    awards.approve(db, world.bureau, award.id, award.version)
    awards.pay(db, world.bureau, award.id, award.version, TODAY, "QSCZ-2026-001")
    db.commit()
    return award_id


# --- the whole path ---------------------------------------------------------------------------


def test_the_full_path_from_proposal_to_payment(db, world, signed_in):
    clerk = signed_in(world.staff)
    award_id = proposed(clerk, world)
    page = text_of(clerk.get(f"/awards/{award_id}").text)
    # 3,456.78万 confirmed ÷ 10万 × 500 元
    assert "172,839.00 元" in page and "已申报待核查" in page and "3,456.78 万元 ÷ 10 万元 × 500.00 元" in page

    supervisor = signed_in(world.supervisor)
    assert step(supervisor, db, award_id, "verify", verify_note="").status_code == 422
    assert step(supervisor, db, award_id, "verify", verify_note="已核对银行回单 2 张").status_code == 303
    assert status(db, award_id) is AwardStatus.verified
    assert step(supervisor, db, award_id, "notice").status_code == 403  # the bureau publishes

    bureau = signed_in(world.coordinator)
    short = step(bureau, db, award_id, "notice", notice_from=TODAY.isoformat(), days="3")
    assert short.status_code == 422 and "公示期不少于 7 天" in text_of(short.text)
    backdated = step(bureau, db, award_id, "notice", notice_from=(TODAY - timedelta(days=7)).isoformat(), days="7")
    assert backdated.status_code == 422 and "公示开始日期不能早于今天" in text_of(backdated.text)
    assert step(bureau, db, award_id, "notice", notice_from=TODAY.isoformat(), days="7").status_code == 303
    award = fresh(db, Award, award_id)
    assert (award.status, award.notice_from, award.notice_to) == (AwardStatus.notice, TODAY, TODAY + timedelta(days=6))
    assert "172,839.00" in bureau.get("/awards/notice").text

    objection = step(bureau, db, award_id, "object", raised_by="群众来电", objection="引荐人是否为该项目负责干部？")
    assert objection.status_code == 303
    early = step(bureau, db, award_id, "approve")
    assert early.status_code == 422
    assert f"公示期至 {TODAY + timedelta(days=6)} 止，期满后才能审批" in text_of(early.text)

    notice_ended(db, award_id)
    unanswered = step(bureau, db, award_id, "approve")
    assert unanswered.status_code == 422 and "还有 1 条公示异议未答复" in text_of(unanswered.text)
    [row] = db.execute(select(AwardObjection).where(AwardObjection.award_id == award_id)).scalars()
    answered = step(
        bureau, db, award_id, "answer", objection_id=row.id, version=row.version, answer="经核实，引荐人不是负责干部"
    )
    assert answered.status_code == 303
    assert step(bureau, db, award_id, "approve").status_code == 303
    assert (status(db, award_id), fresh(db, Award, award_id).approved_on) == (AwardStatus.approved, TODAY)
    assert awards.budget(db, YEAR).committed == D("172839.00")

    no_voucher = step(bureau, db, award_id, "pay", paid_on=TODAY.isoformat(), voucher_no="")
    assert no_voucher.status_code == 422 and "请填写付款凭证号" in text_of(no_voucher.text)
    assert step(bureau, db, award_id, "pay", paid_on=TODAY.isoformat(), voucher_no="QSCZ-2026-018").status_code == 303
    award = fresh(db, Award, award_id)
    assert (award.status, award.paid_on, award.voucher_no) == (AwardStatus.paid, TODAY, "QSCZ-2026-018")
    figures = awards.budget(db, YEAR)
    assert (figures.committed, figures.paid, figures.available) == (D("0.00"), D("172839.00"), D("327161.00"))

    # every step is on the award's audit trail, with who did it and why
    trail = audit_entries(db, "award", award_id)
    statuses = [e.changes["status"][1] for e in trail if e.action == "update" and "status" in e.changes]
    assert statuses == ["verified", "notice", "approved", "paid"]
    assert [e.action for e in trail if e.action != "update"] == [
        "create",
        "award_objection",
        "award_objection_answer",
    ]
    verified = next(e for e in trail if e.changes.get("status", [None, None])[1] == "verified")
    assert (verified.actor_user_id, verified.reason) == (world.supervisor.id, "已核对银行回单 2 张")
    assert trail[0].actor_user_id == world.staff.id
    answer = next(e for e in trail if e.action == "award_objection_answer")
    assert answer.reason == "经核实，引荐人不是负责干部" and answer.actor_user_id == world.coordinator.id
    history = text_of(bureau.get(f"/awards/{award_id}").text)
    assert "经核实，引荐人不是负责干部" in history and "付款凭证号" in history


def test_verification_is_refused_when_the_figures_changed_after_the_proposal(db, world, signed_in):
    from app.models.project import FundsArrival
    from app.schemas.projects import FundsReview
    from app.services import projects

    clerk = signed_in(world.staff)
    award_id = proposed(clerk, world)  # on 3,456.78万 confirmed
    entry = db.execute(
        select(FundsArrival).where(FundsArrival.project_id == world.project.id, FundsArrival.amount == D("456.78"))
    ).scalar_one()
    reversal = projects.reverse_funds(db, world.bureau, entry.id, "回单重复录入")
    projects.review_funds(
        db, world.bureau, reversal.id, FundsReview(version=reversal.version, decision="confirm", vouchers_checked=True)
    )
    db.commit()

    supervisor = signed_in(world.supervisor)
    response = step(supervisor, db, award_id, "verify", verify_note="已核对")
    assert response.status_code == 422
    assert "已确认到位资金（万元）由 3456.78 变为 3000.00" in text_of(response.text)
    assert status(db, award_id) is AwardStatus.proposed


def test_a_rejection_needs_a_reason_and_ends_the_path(db, world, signed_in):
    clerk = signed_in(world.staff)
    award_id = proposed(clerk, world)
    supervisor = signed_in(world.supervisor)
    without = step(supervisor, db, award_id, "reject", reject_reason=" ")
    assert without.status_code == 422 and "请说明理由" in text_of(without.text)
    reason = "到位资金中 1,000 万元为企业内部调拨，不予奖励"
    assert step(supervisor, db, award_id, "reject", reject_reason=reason).status_code == 303
    award = fresh(db, Award, award_id)
    assert (award.status, award.rejected_reason) == (AwardStatus.rejected, reason)
    assert reason in text_of(clerk.get(f"/awards/{award_id}").text)
    bureau = signed_in(world.coordinator)
    assert step(bureau, db, award_id, "verify", verify_note="再核").status_code == 422
    assert [e.reason for e in audit_entries(db, "award", award_id) if e.action == "update"] == [reason]
    # the unit may apply again once the figures are right
    assert award_id_from(post_form(clerk, "/awards", {"policy_id": world.policy_id, "project_id": world.project.id}))


def test_an_upheld_objection_rejects_the_award(db, world, signed_in):
    award_id = to_notice(db, world)
    bureau = signed_in(world.coordinator)
    assert (
        step(bureau, db, award_id, "object", raised_by="李某（实名来信）", objection="引荐人系该镇招商专干").status_code
        == 303
    )
    [row] = db.execute(select(AwardObjection).where(AwardObjection.award_id == award_id)).scalars()
    upheld = step(
        bureau, db, award_id, "answer", objection_id=row.id, version=row.version, answer="经核实属实", upheld="on"
    )
    assert upheld.status_code == 303
    award = fresh(db, Award, award_id)
    assert (award.status, award.rejected_reason) == (AwardStatus.rejected, "公示异议成立：经核实属实")
    notice_ended(db, award_id)
    assert step(bureau, db, award_id, "approve").status_code == 422
    assert "172,839.00" not in bureau.get("/awards/notice").text


def test_objections_are_recorded_only_during_the_notice(db, world, signed_in):
    award_id = to_notice(db, world)
    notice_ended(db, award_id)
    bureau = signed_in(world.coordinator)
    late = step(bureau, db, award_id, "object", raised_by="群众来电", objection="异议")
    assert late.status_code == 422 and "只能在公示期内登记异议" in text_of(late.text)


# --- the budget -------------------------------------------------------------------------------


def test_an_approval_that_would_overrun_the_fund_is_refused(db, world, signed_in):
    db.execute(update(awards.AwardBudget).where(awards.AwardBudget.year == YEAR).values(total=D(100000)))
    award_id = to_notice(db, world)
    notice_ended(db, award_id)
    bureau = signed_in(world.coordinator)
    refused = step(bureau, db, award_id, "approve")
    assert refused.status_code == 422
    assert (
        f"{YEAR} 年奖励专项资金不足：可用 100,000.00 元（预算 100,000.00，已承诺 0.00，已兑现 0.00，追回 0.00），"
        "本笔 172,839.00 元，不能审批"
    ) in text_of(refused.text)
    assert status(db, award_id) is AwardStatus.notice

    saved = post_form(bureau, "/awards/budget", {"year": YEAR, "total": "200,000", "note": "追加预算"})
    assert saved.status_code == 303
    assert step(bureau, db, award_id, "approve").status_code == 303
    assert awards.budget(db, YEAR).available == D("27161.00")  # 200,000 − 172,839


def test_budget_figures_with_worked_numbers(db, world, signed_in):
    paid_id = to_paid(db, world)  # 172,839.00 paid
    other = make_project(db, world.unit, stage=Stage.started, reached=TODAY - timedelta(days=60))
    confirmed_funds(db, other, world.bureau, "1200", TODAY - timedelta(days=10))
    [approved] = awards.propose(db, world.bureau, policy_id=world.policy_id, project_id=other.id)
    awards.verify(db, world.bureau, approved.id, approved.version, "已核对")
    awards.start_notice(db, world.bureau, approved.id, approved.version)
    db.commit()
    notice_ended(db, approved.id)
    approved = fresh(db, Award, approved.id)
    awards.approve(db, world.bureau, approved.id, approved.version)  # 60,000.00 committed
    clawback = awards.claw_back(db, world.bureau, paid_id, D(50000), "未按期投产")
    awards.mark_recovered(db, world.bureau, clawback.id, clawback.version, TODAY)
    db.commit()

    figures = awards.budget(db, YEAR)
    # available = 500,000 − 60,000 committed − 172,839 paid + 50,000 recovered = 317,161
    assert (figures.total, figures.committed, figures.paid, figures.clawed_back, figures.available) == (
        D("500000.00"),
        D("60000.00"),
        D("172839.00"),
        D("50000.00"),
        D("317161.00"),
    )
    bureau = signed_in(world.coordinator)
    board = text_of(bureau.get(f"/awards/budget?year={YEAR}").text)
    for shown in ("500,000.00", "60,000.00", "172,839.00", "50,000.00", "317,161.00"):
        assert shown in board
    # the fund cannot be cut below what it already carries: 60,000 + 172,839 − 50,000 = 182,839
    cut = post_form(bureau, "/awards/budget", {"year": YEAR, "total": "182838.99"})
    assert cut.status_code == 422 and "不能少于已承诺和已兑现（扣除追回）的合计 182,839.00 元" in text_of(cut.text)
    assert post_form(bureau, "/awards/budget", {"year": YEAR, "total": "182839"}).status_code == 303
    assert awards.budget(db, YEAR).available == D("0.00")


def test_unit_staff_do_not_see_the_budget_board(db, world, signed_in):
    assert signed_in(world.staff).get("/awards/budget").status_code == 403


# --- clawback and the agreement ----------------------------------------------------------------


def test_a_clawback_is_bounded_by_what_was_paid_and_moves_default_to_collection(db, world, signed_in):
    award_id = to_paid(db, world)
    bureau = signed_in(world.coordinator)
    project_id = world.project.id
    moved = post_form(
        bureau, f"/awards/projects/{project_id}/agreement", {"state": "default", "reason": "未按合同约定时间投产"}
    )
    assert moved.status_code == 303

    too_much = step(bureau, db, award_id, "clawback", amount="172839.01", clawback_reason="违约")
    assert too_much.status_code == 422
    assert "合计不超过已兑现的 172,839.00 元" in text_of(too_much.text)
    no_reason = step(bureau, db, award_id, "clawback", amount="50000", clawback_reason="")
    assert no_reason.status_code == 422 and "请说明违约事由" in text_of(no_reason.text)
    assert (
        step(bureau, db, award_id, "clawback", amount="50,000", clawback_reason="未按期投产，追回一半").status_code
        == 303
    )

    agreement = db.execute(select(IncentiveAgreement).where(IncentiveAgreement.project_id == project_id)).scalar_one()
    db.refresh(agreement)
    assert agreement.state is AgreementState.collection
    assert "追缴中" in text_of(bureau.get(f"/awards/projects/{project_id}").text)
    [row] = db.execute(select(Clawback).where(Clawback.award_id == award_id)).scalars()
    assert (row.amount, row.recovered) == (D("50000.00"), False)
    # what is left to claw back: 172,839.00 − 50,000.00
    over = step(bureau, db, award_id, "clawback", amount="122839.01", clawback_reason="再追")
    assert over.status_code == 422 and "已追 50,000.00 元" in text_of(over.text)

    assert step(bureau, db, award_id, "recovered", clawback_id=row.id, version=row.version).status_code == 303
    row = fresh(db, Clawback, row.id)
    assert (row.recovered, row.recovered_on) == (True, TODAY)
    again = step(bureau, db, award_id, "recovered", clawback_id=row.id, version=row.version)
    assert again.status_code == 422 and "已于" in text_of(again.text)
    assert awards.budget(db, YEAR).clawed_back == D("50000.00")
    actions = [e.action for e in audit_entries(db, "award", award_id)]
    assert actions.count("award_clawback") == 1 and actions.count("award_clawback_recovered") == 1


def test_only_a_paid_award_can_be_clawed_back(db, world, signed_in):
    award_id = to_notice(db, world)
    bureau = signed_in(world.coordinator)
    response = step(bureau, db, award_id, "clawback", amount="100", clawback_reason="违约")
    assert response.status_code == 422 and "只能追回已兑现的奖励" in text_of(response.text)


def test_the_agreement_moves_by_milestone_and_refuses_invalid_transitions(db, world, signed_in):
    project = make_project(db, world.unit, stage=Stage.started, reached=TODAY - timedelta(days=90))
    db.commit()
    bureau = signed_in(world.coordinator)
    path = f"/awards/projects/{project.id}"
    assert "履约中" in text_of(bureau.get(path).text)
    early = post_form(bureau, f"{path}/agreement", {"state": "maintenance", "reason": "提前"})
    assert early.status_code == 422 and "项目尚未投产" in text_of(early.text)

    # the projects module records production (the milestone)
    db.execute(update(Project).where(Project.id == project.id).values(stage=Stage.production, production_on=TODAY))
    db.commit()
    assert "维护期" in text_of(bureau.get(path).text)

    assert post_form(bureau, f"{path}/agreement", {"state": "default", "reason": "投资强度不足"}).status_code == 303
    invalid = post_form(bureau, f"{path}/agreement", {"state": "maintenance", "reason": "恢复"})
    assert invalid.status_code == 422 and "协议当前为“违约”，不能转为“维护期”" in text_of(invalid.text)
    no_reason = post_form(bureau, f"{path}/agreement", {"state": "collection", "reason": ""})
    assert no_reason.status_code == 422

    row = db.execute(select(IncentiveAgreement).where(IncentiveAgreement.project_id == project.id)).scalar_one()
    trail = audit_entries(db, "incentive_agreement", row.id)
    states = [e.changes["state"][1] for e in trail if "state" in e.changes]
    assert states == ["performance", "maintenance", "default"]
    assert trail[1].reason.startswith("合同履约节点") and trail[2].reason == "投资强度不足"
    assert signed_in(world.staff).post(f"{path}/agreement", data={"state": "closed"}).status_code in (403, 422)


def test_an_agreement_closes_when_its_maintenance_years_have_run(db, world):
    project = make_project(
        db, world.unit, stage=Stage.production, reached=date(2020, 2, 29), production_on=date(2020, 2, 29)
    )
    # five years after 29 February 2020: 28 February 2025 (there is no 29th)
    assert awards.agreement(db, project, today=date(2025, 2, 27)).state is AgreementState.maintenance
    assert awards.agreement(db, project, today=date(2025, 2, 28)).state is AgreementState.closed


# --- policies and the demo ------------------------------------------------------------------------


def test_a_refused_policy_version_leaves_no_policy_behind(db, world, signed_in):
    bureau = signed_in(world.coordinator)
    bad = post_form(
        bureau,
        "/awards/policies",
        {
            "name": "固定资产投资奖励（试行）",
            "kind": "per_mille",
            "params": '{"bands": [{"from": "5000"}]}',
            "recipients": "unit",
            "effective_from": TODAY.isoformat(),
        },
    )
    assert bad.status_code == 422 and "from_wan" in text_of(bad.text)
    assert db.execute(select(IncentivePolicy).where(IncentivePolicy.name == "固定资产投资奖励（试行）")).first() is None

    good = post_form(
        bureau,
        "/awards/policies",
        {
            "name": "固定资产投资奖励（试行）",
            "kind": "per_mille",
            "params": '{"bands": [{"from_wan": "5000", "permille": "1.5"}, {"from_wan": "10000", "permille": "2"}]}',
            "recipients": "unit",
            "effective_from": TODAY.isoformat(),
            "claim_window_days": "365",
        },
    )
    assert good.status_code == 303
    listed = text_of(bureau.get("/awards/policies").text)
    assert f"固定资产投资奖励（试行） 按固定资产投资千分比奖励 第 1 版，{TODAY} 起" in listed
    other_kind = post_form(
        bureau,
        "/awards/policies",
        {
            "name": "固定资产投资奖励（试行）",
            "kind": "per_funds",
            "params": '{"yuan_per_10k": "500"}',
            "recipients": "unit",
            "effective_from": (TODAY + timedelta(days=1)).isoformat(),
        },
    )
    assert other_kind.status_code == 422 and "新版本不能改变类型" in text_of(other_kind.text)


def test_the_demo_holds_awards_in_every_state(db):
    from app.services import demo_awards

    make_unit(db, name="县投资促进局", short_name="县招商局", kind=UnitKind.department)
    unit = make_unit(db, name="城关镇人民政府")
    for amount in range(100, 900, 100):  # eight funded projects: 100 … 800万 confirmed
        make_project(
            db,
            unit,
            stage=Stage.started,
            reached=TODAY - timedelta(days=60),
            funds_confirmed=D(amount),
            first_funds_on=TODAY - timedelta(days=30),
        )
    make_project(db, unit, stage=Stage.signed, reached=TODAY - timedelta(days=20))
    assert demo_awards.load(db) is True
    states = {a.status for a in db.execute(select(Award)).scalars()}
    assert states == set(AwardStatus)
    figures = awards.budget(db, YEAR)
    assert figures.total == D("3000000.00") and figures.available >= 0
    assert demo_awards.load(db) is False  # loaded once
