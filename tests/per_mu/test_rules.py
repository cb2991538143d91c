"""The per-mu evaluation (亩均评价) worked by hand: each figure per mu, each indicator's score and points, the
total and the grade, boundaries included (exactly at a band's line, a cent below it, a benchmark exceeded,
zero land, missing land, energy or output, R&D not given), the weights that must sum to 100, and, on SQLite
and PostgreSQL, a year computed from confirmed results: a firm with two projects summed, what is listed
apart and why, publishing (frozen rows, the firm's grade on its projects and the D warning), `grade_for`.

The scheme used throughout (the default): weights 亩均税收 40, 亩均产值 30, 单位能耗产出 20, 研发投入占比 10;
benchmarks 30 万元/亩, 500 万元/亩, 5 万元/吨标准煤, 3 %; bands A ≥ 85, B ≥ 70, C ≥ 50, else D."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import Invalid
from app.models.agreement import ResultStatus
from app.models.per_mu import Grade, PerMuLevel, PerMuResult
from app.models.project import Project, Stage
from app.models.user import Role
from app.principal import Principal
from app.schemas.per_mu import PublishIn, SchemeIn
from app.services import per_mu, projects, workdays
from app.services.per_mu import DEFAULT_PARAMS, Figures, evaluate
from tests.agreements.factories import make_result
from tests.factories import make_unit
from tests.projects.factories import make_investor, make_project

P = DEFAULT_PARAMS
YEAR = workdays.today().year - 1


def d(text: str) -> Decimal:
    return Decimal(text)


def fig(land, tax, output, energy, rd=None) -> Figures:
    def dec(v):
        return None if v is None else Decimal(str(v))

    return Figures(dec(land), dec(output), dec(tax), dec(energy), dec(rd))


# --- one project's figures --------------------------------------------------------------------


def test_a_worked_example_every_figure_score_and_point():
    # 100 亩, tax 2400, output 40000, energy 10000 tce, R&D 1200
    e = evaluate(fig(100, 2400, 40000, 10000, 1200), P)
    assert e.per_mu == {
        "tax_per_mu": d("24.00"),  # 2400 / 100
        "output_per_mu": d("400.00"),  # 40000 / 100
        "output_per_energy": d("4.00"),  # 40000 / 10000
        "rd_share": d("3.00"),  # 1200 / 40000 × 100
    }
    assert [(p.code, p.score, p.points) for p in e.parts] == [
        ("tax_per_mu", d("80.00"), d("32.00")),  # 24 / 30 × 100 = 80; × 40 / 100
        ("output_per_mu", d("80.00"), d("24.00")),  # 400 / 500 × 100 = 80; × 30 / 100
        ("output_per_energy", d("80.00"), d("16.00")),  # 4 / 5 × 100 = 80; × 20 / 100
        ("rd_share", d("100.00"), d("10.00")),  # 3 / 3 × 100 = 100; × 10 / 100
    ]
    assert e.score == d("82.00") and e.grade is Grade.B and e.reasons == []


def test_exactly_at_the_a_line_is_a_and_a_cent_below_is_b():
    # 20 亩, tax 600 (30/亩 → 100 → 40), output 10000 (500/亩 → 100 → 30), energy 4000 (2.50 → 50 → 10)
    at = evaluate(fig(20, 600, 10000, 4000, 150), P)  # R&D 150 / 10000 = 1.50 % → 50 → 5
    assert at.per_mu["rd_share"] == d("1.50")
    assert at.score == d("85.00") and at.grade is Grade.A
    below = evaluate(fig(20, 600, 10000, 4000, 149), P)  # 1.49 % → 49.67 → 4.967 → 4.97
    assert below.parts[-1].score == d("49.67") and below.parts[-1].points == d("4.97")
    assert below.score == d("84.97") and below.grade is Grade.B


def test_exactly_at_the_c_line_is_c_and_below_is_d():
    # tax 12.50/亩 → 41.67 → 16.67; output 250/亩 → 50 → 15; energy 4.00 → 80 → 16; R&D none → 0: 47.67 → D
    d_case = evaluate(fig(40, 500, 10000, 2500), P)
    assert [p.points for p in d_case.parts] == [d("16.67"), d("15.00"), d("16.00"), d("0.00")]
    assert d_case.score == d("47.67") and d_case.grade is Grade.D
    # tax 15/亩 → 50 → 20; output 250/亩 → 50 → 15; energy 3.75 → 75 → 15; R&D none: exactly 50 → C
    c_case = evaluate(fig(40, 600, 10000, d("2666.67")), P)
    assert c_case.per_mu["output_per_energy"] == d("3.75")  # 10000 / 2666.67 = 3.749995… → 3.75
    assert c_case.score == d("50.00") and c_case.grade is Grade.C


def test_above_the_benchmark_scores_100_not_more():
    e = evaluate(fig(10, 900, 10000, 1000, 1000), P)  # 90/亩, 1000/亩, 10, 10 %: every one above its benchmark
    assert [p.score for p in e.parts] == [d("100.00")] * 4
    assert e.score == d("100.00") and e.grade is Grade.A


def test_rd_not_given_scores_zero_and_still_classifies():
    e = evaluate(fig(100, 3000, 50000, 10000), P)  # 30, 500, 5: 40 + 30 + 20, R&D 0
    assert e.per_mu["rd_share"] is None and e.parts[-1].points == d("0.00")
    assert e.score == d("90.00") and e.grade is Grade.A


def test_zero_land_is_not_classified():
    e = evaluate(fig(0, 3000, 50000, 10000), P)
    assert e.grade is None and e.score is None and e.reasons == ["用地面积为 0"]
    assert e.per_mu["tax_per_mu"] is None and e.per_mu["output_per_mu"] is None  # no division by zero


def test_missing_land_output_and_energy_each_named():
    assert evaluate(fig(None, 3000, 50000, 10000), P).reasons == ["缺少用地面积"]
    assert evaluate(fig(100, 3000, 50000, None), P).reasons == ["缺少综合能耗"]
    assert evaluate(fig(100, 3000, 50000, 0), P).reasons == ["综合能耗为 0"]
    assert evaluate(fig(100, None, None, 10000), P).reasons == ["缺少税收", "缺少产值"]


def test_an_indicator_weighted_zero_needs_no_data():
    params = {**P, "weights": {"tax_per_mu": "60", "output_per_mu": "40", "output_per_energy": "0", "rd_share": "0"}}
    e = evaluate(fig(100, 2400, 40000, None), params)  # energy missing, but not weighed
    assert e.reasons == [] and [p.code for p in e.parts] == ["tax_per_mu", "output_per_mu"]
    assert [p.points for p in e.parts] == [d("48.00"), d("32.00")]  # 80 × 60 / 100, 80 × 40 / 100
    assert e.score == d("80.00") and e.grade is Grade.B


# --- the scheme's rules -----------------------------------------------------------------------


def scheme(**kw) -> SchemeIn:
    values = {
        "weight_tax_per_mu": "40", "weight_output_per_mu": "30", "weight_output_per_energy": "20",
        "weight_rd_share": "10", "benchmark_tax_per_mu": "30", "benchmark_output_per_mu": "500",
        "benchmark_output_per_energy": "5", "benchmark_rd_share": "3", "band_a": "85", "band_b": "70",
        "band_c": "50",
    }  # fmt: skip
    values.update(kw)
    return SchemeIn.model_validate(values)


def test_weights_must_sum_to_100():
    with pytest.raises(Invalid) as refused:
        per_mu.params_from(scheme(weight_rd_share="0"))
    assert refused.value.errors == {"weights": "四项指标的权重之和须为 100（现为 90）"}
    assert per_mu.params_from(scheme())["weights"]["tax_per_mu"] == "40"


def test_bands_must_fall():
    with pytest.raises(Invalid) as refused:
        per_mu.params_from(scheme(band_b="85"))
    assert refused.value.errors == {"band_b": "B 类的最低分须低于 A 类"}


# --- a year on the database -------------------------------------------------------------------

COORDINATOR = Principal(role=Role.coordinator, unit_id=None, label="招商局", user_id=None)


@pytest.fixture
def year_data(db):
    town = make_unit(db, name="城关镇人民政府")
    zone = make_unit(db, name="高新园区")
    firm = make_investor(db, name="青山新材料有限公司")
    lone = make_investor(db, name="石门能源有限公司")
    idle = make_investor(db, name="白沙食品有限公司")
    weak = make_investor(db, name="东岭铸造有限公司")
    on = date(YEAR - 1, 5, 1)

    def project(investor, **kw):
        return make_project(db, town, stage=Stage.production, reached=on, investor=investor, zone_unit_id=zone.id, **kw)

    p1 = project(firm, industry_chain="新材料")
    p2 = project(firm, industry_chain="新材料")
    p3 = project(lone)
    p4 = project(idle)
    p5 = project(weak)
    make_result(db, p1, YEAR, land_used_mu=d("60"), tax=d("1200"), output=d("24000"), energy_tce=d("6000"))
    make_result(
        db, p2, YEAR, land_used_mu=d("40"), tax=d("1800"), output=d("16000"), energy_tce=d("2000"), rd_spend=d("400")
    )
    make_result(db, p3, YEAR, land_used_mu=d("50"), tax=d("900"), output=d("20000"))  # no energy
    make_result(db, p4, YEAR, status=ResultStatus.pending, land_used_mu=d("30"), tax=d("90"))  # not confirmed
    make_result(db, p5, YEAR, land_used_mu=d("80"), tax=d("160"), output=d("8000"), energy_tce=d("4000"))
    make_result(db, p5, YEAR - 1, land_used_mu=d("80"), tax=d("9999"), output=d("99999"), energy_tce=d("1"))
    db.commit()
    return {"p": [p1, p2, p3, p4, p5], "firm": firm, "lone": lone, "idle": idle, "weak": weak, "town": town}


def by_project(entries):
    return {e.project_id: e for e in entries if e.level is PerMuLevel.project}


def by_firm(entries):
    return {e.investor_id: e for e in entries if e.level is PerMuLevel.firm}


def test_a_year_computed_from_confirmed_results(db, year_data):
    p1, p2, p3, p4, p5 = year_data["p"]
    entries = per_mu.compute(db, YEAR, P)
    projects_ = by_project(entries)
    # P1: 20.00/亩 → 66.67 → 26.67; 400/亩 → 80 → 24; 4.00 → 80 → 16; R&D none → 0: 66.67 → C
    assert projects_[p1.id].evaluation.score == d("66.67") and projects_[p1.id].evaluation.grade is Grade.C
    # P2: 45/亩 → 100 → 40; 400/亩 → 24; 8.00 → 100 → 20; 2.50 % → 83.33 → 8.33: 92.33 → A
    assert projects_[p2.id].evaluation.per_mu["rd_share"] == d("2.50")
    assert projects_[p2.id].evaluation.score == d("92.33") and projects_[p2.id].evaluation.grade is Grade.A
    assert projects_[p3.id].reason == "缺少综合能耗" and projects_[p3.id].evaluation.grade is None
    assert projects_[p4.id].reason == f"缺少 {YEAR} 年度已确认的年度实绩"  # its result waits for confirmation
    # P5 (the year before's result does not count): 2/亩 → 6.67 → 2.67; 100/亩 → 20 → 6; 2 → 40 → 8: 16.67 → D
    assert projects_[p5.id].evaluation.score == d("16.67") and projects_[p5.id].evaluation.grade is Grade.D
    firms = by_firm(entries)
    # the firm of P1 and P2: 100 亩, tax 3000, output 40000, energy 8000, R&D 400
    # 30/亩 → 100 → 40; 400/亩 → 80 → 24; 5.00 → 100 → 20; 1.00 % → 33.33 → 3.33: 87.33 → A
    firm = firms[year_data["firm"].id]
    assert (firm.figures.land, firm.figures.tax, firm.figures.output) == (d("100"), d("3000"), d("40000"))
    assert firm.projects_count == 2
    assert firm.evaluation.per_mu == {
        "tax_per_mu": d("30.00"), "output_per_mu": d("400.00"), "output_per_energy": d("5.00"), "rd_share": d("1.00"),
    }  # fmt: skip
    assert firm.evaluation.score == d("87.33") and firm.evaluation.grade is Grade.A
    assert projects_[p1.id].firm_grade is Grade.A  # a C project of an A firm
    assert firms[year_data["lone"].id].reason == "所属项目缺少综合能耗"
    assert firms[year_data["idle"].id].reason == f"所属项目缺少 {YEAR} 年度已确认的年度实绩"
    assert firms[year_data["weak"].id].evaluation.grade is Grade.D


def test_publishing_freezes_the_rows_flags_the_d_firm_and_answers_grade_for(db, year_data):
    p1, p2, p3, _p4, p5 = year_data["p"]
    row = per_mu.set_scheme(db, COORDINATOR, YEAR, scheme())
    per_mu.publish(db, COORDINATOR, YEAR, PublishIn(version=row.version))
    db.commit()
    assert row.results_count == 5 + 4 and len(row.results_digest) == 64
    frozen = db.execute(select(func.count()).select_from(PerMuResult).where(PerMuResult.year == YEAR)).scalar_one()
    assert frozen == 9
    assert per_mu.grade_for(db, YEAR, investor_id=year_data["firm"].id) is Grade.A
    assert per_mu.grade_for(db, YEAR, project_id=p1.id) is Grade.C
    assert per_mu.grade_for(db, YEAR, project_id=p1.id, firm=True) is Grade.A
    assert per_mu.grade_for(db, YEAR, project_id=p3.id) is None  # not classified
    assert per_mu.grade_for(db, YEAR - 1, investor_id=year_data["firm"].id) is None  # not published
    db.expire_all()
    weak = db.get(Project, p5.id)
    assert weak.per_mu_grade == "D"
    assert "per_mu_d" in projects.flags(weak, projects.thresholds(db))
    assert "per_mu_d" not in projects.flags(db.get(Project, p2.id), projects.thresholds(db))
    flagged = db.execute(select(Project.id).where(projects.flag_condition("per_mu_d", projects.thresholds(db)))).all()
    assert [r[0] for r in flagged] == [p5.id]
    # a later confirmed result does not move a published year
    make_result(db, p3, YEAR, land_used_mu=d("50"), tax=d("900"), output=d("20000"), energy_tce=d("100"))
    db.commit()
    page = per_mu.results_page(db, COORDINATOR, YEAR, per_mu.Filters(grade="none"))
    assert page.published and {r.project_id for r in page.rows} == {p3.id, _p4.id}
    with pytest.raises(Invalid):
        per_mu.set_scheme(db, COORDINATOR, YEAR, scheme(version=row.version))


def test_the_list_filters_and_counts(db, year_data):
    page = per_mu.results_page(db, COORDINATOR, YEAR)
    assert not page.published and page.count == 5
    assert page.grade_counts == {"A": 1, "B": 0, "C": 1, "D": 1, "none": 2}
    assert [r.grade for r in page.rows[:3]] == [Grade.A, Grade.C, Grade.D]  # by grade, then score
    chain = per_mu.results_page(db, COORDINATOR, YEAR, per_mu.Filters(chain="新材料"))
    assert chain.count == 2
    firms = per_mu.results_page(db, COORDINATOR, YEAR, per_mu.Filters(level=PerMuLevel.firm, chain="新材料"))
    assert [r.name for r in firms.rows] == ["青山新材料有限公司"] and firms.rows[0].projects_count == 2
