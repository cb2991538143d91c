"""The year's assessment as the documents run it: 定量 from the targets, 定性 from the assessors' scores with
reasons, deductions the records show and the bonuses the bureau enters, each point with its source; the red
card only for a unit with no results at all once the year is over; publishing freezes it all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid
from app.models.audit import AuditEntry
from app.models.performance import Target
from app.models.project import Stage
from app.policy import DeniedForbidden
from app.schemas.assessment import AdjustmentIn, PublishIn, SchemeIn, ScoresIn, WithdrawIn
from app.services import assessment
from tests.assessment.conftest import County, as_principal
from tests.projects.factories import make_project
from tests.tasks.factories import make_task

YEAR = 2025
AFTER = date(2026, 1, 10)  # the year is over
DURING = date(2025, 9, 30)


def scheme(**values) -> SchemeIn:
    return SchemeIn(
        **{
            "quantitative_weight": "70",
            "qualitative_weight": "30",
            "metric_weights": {"projects_introduced": "100"},
            "qualitative_items": [
                {"code": "leadership", "label": "组织领导", "weight": "50"},
                {"code": "service", "label": "服务企业", "weight": "50"},
            ],
            "deductions": {"overdue_task": "1", "stale_data": "2", "late_report": "0"},
            "deduction_cap": "20",
            "bonus_cap": "10",
        }
        | values
    )


def score_all(db: Session, county: County, unit_ids, value: str = "80") -> None:
    for unit_id in unit_ids:
        assessment.set_scores(
            db,
            as_principal(county.coordinator),
            YEAR,
            unit_id,
            ScoresIn(
                scores=[
                    {"item": "leadership", "score": value, "reason": "按评分细则评定"},
                    {"item": "service", "score": value, "reason": "按评分细则评定"},
                ]
            ),
            today=AFTER,
        )


@pytest.fixture
def year_of_work(db: Session, county: County) -> County:
    """A town that did half its target, another with nothing all year."""
    for unit in (county.town, county.other):
        db.add(Target(year=YEAR, metric="projects_introduced", unit_id=unit.id, amount=Decimal(4)))
    for _ in range(2):
        make_project(db, county.town, stage=Stage.signed, reached=date(YEAR, 6, 1))
    make_task(db, county.town, assigned_on=date(YEAR, 3, 1), due_on=date(YEAR, 3, 10))  # never done: overdue
    assessment.set_scheme(db, as_principal(county.coordinator), YEAR, scheme(), today=AFTER)
    db.commit()
    return county


def line_of(result: dict, section: str, label: str) -> dict:
    return next(ln for ln in result["lines"] if ln["section"] == section and ln["label"] == label)


def test_every_point_has_its_source_and_the_score_is_their_sum(db: Session, year_of_work: County) -> None:
    county = year_of_work
    leader, supervisor = as_principal(county.leader), as_principal(county.supervisor)
    assessment.set_scores(
        db,
        leader,
        YEAR,
        county.town.id,
        ScoresIn(
            scores=[
                {"item": "leadership", "score": "80", "reason": "主要领导每月带队外出招商"},
                {"item": "service", "score": "90", "reason": "企业诉求按期办结"},
            ]
        ),
        today=AFTER,
    )
    assessment.set_scores(
        db,
        supervisor,
        YEAR,
        county.town.id,
        ScoresIn(scores=[{"item": "leadership", "score": "100", "reason": "专班运转正常"}]),
        today=AFTER,
    )
    assessment.add_adjustment(
        db,
        as_principal(county.coordinator),
        YEAR,
        county.town.id,
        AdjustmentIn(kind="bonus", points="2", reason="引进世界 500 强企业项目", basis="领导小组〔2025〕8 号"),
        today=AFTER,
    )
    db.commit()

    town = assessment.unit_view(db, as_principal(county.coordinator), YEAR, county.town.id, today=AFTER)
    quantitative = line_of(town, "quantitative", "引进项目")
    assert "2 个，目标 4 个，完成 50.0%" in quantitative["figure"]
    assert quantitative["points"] == Decimal("35.00")  # 50 % × weight 100/100 × 70
    assert quantitative["link"].startswith("/metrics/records?code=projects_introduced")
    leadership = line_of(town, "qualitative", "组织领导")
    assert leadership["figure"] == "2 位评分人平均 90.00 分" and leadership["points"] == Decimal("13.50")
    assert line_of(town, "qualitative", "服务企业")["points"] == Decimal("13.50")  # one assessor: 90
    assert line_of(town, "deduction", "督办事项逾期（每项）")["points"] == Decimal("1.00")
    assert line_of(town, "bonus", "引进世界 500 强企业项目")["figure"] == "领导小组〔2025〕8 号"
    assert town["score"] == Decimal("63.00")  # 35 + 27 + 2 − 1
    parts = {
        s: sum((ln["points"] for ln in town["lines"] if ln["section"] == s), Decimal(0))
        for s in ("quantitative", "qualitative", "bonus", "deduction")
    }
    assert parts["quantitative"] + parts["qualitative"] + parts["bonus"] - parts["deduction"] == town["score"]
    assert not town["red_card"]


def test_the_red_card_is_a_whole_year_without_results_and_comes_last(db: Session, year_of_work: County) -> None:
    county = year_of_work
    coordinator = as_principal(county.coordinator)
    during = assessment.view(db, coordinator, YEAR, today=DURING)
    other = next(r for r in during.rows if r["unit_id"] == county.other.id)
    assert other["no_results_yet"] and not other["red_card"]  # a warning while the year runs

    after = assessment.view(db, coordinator, YEAR, today=AFTER)
    other = next(r for r in after.rows if r["unit_id"] == county.other.id)
    assert other["red_card"] and other["rank"] == len(after.rows)
    assert line_of(other, "deduction", "数据长期未更新（一次）")["points"] == Decimal("2.00")
    town = next(r for r in after.rows if r["unit_id"] == county.town.id)
    assert not town["red_card"] and town["rank"] < other["rank"]


def test_caps_limit_bonuses_and_deductions(db: Session, year_of_work: County) -> None:
    county = year_of_work
    coordinator = as_principal(county.coordinator)
    for points in ("6", "7"):
        assessment.add_adjustment(
            db,
            coordinator,
            YEAR,
            county.town.id,
            AdjustmentIn(kind="bonus", points=points, reason="市级表彰一次"),
            today=AFTER,
        )
    town = assessment.unit_view(db, coordinator, YEAR, county.town.id, today=AFTER)
    assert town["bonus"] == Decimal("10.00")
    assert line_of(town, "bonus", "加分上限")["points"] == Decimal("-3.00")


def test_publishing_needs_every_score_then_freezes_everything(db: Session, year_of_work: County) -> None:
    county = year_of_work
    coordinator = as_principal(county.coordinator)
    row = assessment.scheme_of(db, YEAR)
    with pytest.raises(Invalid) as missing:
        assessment.publish(db, coordinator, YEAR, PublishIn(version=row.version), today=AFTER)
    assert "定性评分尚未完成" in missing.value.errors["__all__"]
    units = [r["unit_id"] for r in assessment.view(db, coordinator, YEAR, today=AFTER).rows]
    score_all(db, county, units)
    with pytest.raises(Invalid) as early:
        assessment.publish(db, coordinator, YEAR, PublishIn(version=row.version), today=date(YEAR, 12, 20))
    assert "confirm_early" in early.value.errors
    with pytest.raises(Conflict):
        assessment.publish(db, coordinator, YEAR, PublishIn(version=row.version + 5), today=AFTER)
    assessment.publish(db, coordinator, YEAR, PublishIn(version=row.version), today=AFTER)
    db.commit()
    before = assessment.unit_view(db, coordinator, YEAR, county.town.id, today=AFTER)

    make_project(db, county.town, stage=Stage.signed, reached=date(YEAR, 7, 1))  # a late entry
    db.commit()
    after = assessment.unit_view(db, coordinator, YEAR, county.town.id, today=date(2026, 3, 1))
    assert after == before  # the published results do not move
    with pytest.raises(Invalid):
        assessment.add_adjustment(
            db,
            coordinator,
            YEAR,
            county.town.id,
            AdjustmentIn(kind="deduction", points="1", reason="补录扣分"),
            today=AFTER,
        )
    with pytest.raises(Invalid):
        assessment.set_scheme(db, coordinator, YEAR, scheme(version=row.version + 1), today=AFTER)
    assert assessment.assessment_for_bulletin(db, YEAR)[0]["rank"] == 1


def test_who_may_do_what(db: Session, year_of_work: County) -> None:
    county = year_of_work
    clerk = as_principal(county.clerk)
    with pytest.raises(DeniedForbidden):
        assessment.set_scores(
            db,
            clerk,
            YEAR,
            county.town.id,
            ScoresIn(scores=[{"item": "service", "score": "100", "reason": "给自己打满分"}]),
            today=AFTER,
        )
    with pytest.raises(DeniedForbidden):
        assessment.add_adjustment(
            db, clerk, YEAR, county.town.id, AdjustmentIn(kind="bonus", points="5", reason="自己加分"), today=AFTER
        )
    with pytest.raises(Invalid) as other:  # a leader cannot record another assessor's scores
        assessment.set_scores(
            db,
            as_principal(county.leader),
            YEAR,
            county.town.id,
            ScoresIn(
                assessor_id=county.supervisor.id, scores=[{"item": "service", "score": "60", "reason": "代为评分录入"}]
            ),
            today=AFTER,
        )
    assert "assessor_id" in other.value.errors
    draft = assessment.view(db, clerk, YEAR, today=AFTER)
    assert [r["unit_id"] for r in draft.rows] == [county.town.id]  # before publication: only one's own unit


def test_scores_are_versioned_and_audited_with_their_reason(db: Session, year_of_work: County) -> None:
    county = year_of_work
    leader = as_principal(county.leader)
    first = assessment.set_scores(
        db,
        leader,
        YEAR,
        county.town.id,
        ScoresIn(scores=[{"item": "service", "score": "70", "reason": "两项诉求逾期"}]),
        today=AFTER,
    )[0]
    db.commit()
    with pytest.raises(Invalid):  # changing one's score needs the version read
        assessment.set_scores(
            db,
            leader,
            YEAR,
            county.town.id,
            ScoresIn(scores=[{"item": "service", "score": "75", "reason": "复核后调整"}]),
            today=AFTER,
        )
    db.rollback()
    assessment.set_scores(
        db,
        leader,
        YEAR,
        county.town.id,
        ScoresIn(scores=[{"item": "service", "score": "75", "reason": "复核后调整", "version": first.version}]),
        today=AFTER,
    )
    db.commit()
    with pytest.raises(Conflict):
        assessment.set_scores(
            db,
            leader,
            YEAR,
            county.town.id,
            ScoresIn(
                scores=[{"item": "service", "score": "60", "reason": "旧页面提交", "version": first.version - 1 or 1}]
            ),
            today=AFTER,
        )
    db.rollback()
    entries = (
        db.execute(
            select(AuditEntry)
            .where(AuditEntry.entity == "qualitative_score", AuditEntry.entity_id == str(first.id))
            .order_by(AuditEntry.seq)
        )
        .scalars()
        .all()
    )
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[-1].changes["score"] == ["70.00", "75.00"] or entries[-1].changes["score"][1] in ("75", "75.00")
    assert entries[-1].reason == f"{YEAR} 年度考核定性评分"


def test_a_withdrawn_bonus_no_longer_counts(db: Session, year_of_work: County) -> None:
    county = year_of_work
    coordinator = as_principal(county.coordinator)
    row = assessment.add_adjustment(
        db,
        coordinator,
        YEAR,
        county.town.id,
        AdjustmentIn(kind="bonus", points="3", reason="重复录入的表彰"),
        today=AFTER,
    )
    db.commit()
    assessment.withdraw_adjustment(
        db, coordinator, YEAR, row.id, WithdrawIn(version=row.version, reason="重复录入，撤销")
    )
    db.commit()
    town = assessment.unit_view(db, coordinator, YEAR, county.town.id, today=AFTER)
    assert town["bonus"] == Decimal(0)
    assert not [ln for ln in town["lines"] if ln["section"] == "bonus"]


def test_the_scheme_refuses_what_does_not_add_up(db: Session, year_of_work: County) -> None:
    coordinator = as_principal(year_of_work.coordinator)
    with pytest.raises(ValueError):
        scheme(quantitative_weight="60")
    with pytest.raises(Invalid) as unknown:
        assessment.set_scheme(db, coordinator, YEAR, scheme(version=1, metric_weights={"nonsense": "10"}), today=AFTER)
    assert "nonsense" in unknown.value.errors["metric_weights"]
    with pytest.raises(Invalid) as future:
        assessment.set_scheme(db, coordinator, 2031, scheme(), today=AFTER)
    assert "year" in future.value.errors


def test_a_signed_letter_sets_the_targets_the_assessment_cites(db: Session, year_of_work: County) -> None:
    """The town's head signed a letter with a target of 4 projects; a target raised to 8 afterwards does not
    move the town's assessment, which cites the letter."""
    from app.services import letters, performance
    from tests.teams.factories import make_letter

    county = year_of_work
    letter = make_letter(db, county.town, year=YEAR)
    letters.acknowledge(db, as_principal(county.head), letter.id, letter.version, letter.text_hash)
    performance.set_target(
        db,
        as_principal(county.coordinator),
        year=YEAR,
        metric="projects_introduced",
        amount=Decimal(8),
        unit_id=county.town.id,
    )
    db.commit()
    town = assessment.unit_view(db, as_principal(county.coordinator), YEAR, county.town.id, today=AFTER)
    assert "2 个，责任书目标 4 个，完成 50.0%" in line_of(town, "quantitative", "引进项目")["figure"]
    assert town["letter"]["link"] == f"/letters/{letter.id}" and town["letter"]["acknowledged_at"] is not None
    other = assessment.unit_view(db, as_principal(county.coordinator), YEAR, county.other.id, today=AFTER)
    assert other["letter"] is None  # no signed letter: the targets as set


def test_an_interview_costs_points_and_shows_its_promises(db: Session, year_of_work: County) -> None:
    from tests.meetings.factories import make_interview

    county = year_of_work
    coordinator = as_principal(county.coordinator)
    row = assessment.scheme_of(db, YEAR)
    params = assessment.params_of(row)
    params["deductions"]["interview"] = "2"
    assessment.set_scheme(
        db, coordinator, YEAR, SchemeIn.model_validate(params | {"version": row.version}), today=AFTER
    )
    make_interview(db, county.town, held_on=date(YEAR, 8, 5))
    db.commit()
    town = assessment.unit_view(db, coordinator, YEAR, county.town.id, today=AFTER)
    line = line_of(town, "deduction", "被约谈（每次）")
    assert line["points"] == Decimal("2.00") and line["figure"].startswith("1 次；承诺 1 项")
    assert line["link"] == f"/interviews?unit_id={county.town.id}"
