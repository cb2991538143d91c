"""How a commitment stands (达标 / 滞后 / 未达标 / 暂无结果) and the project's 达产 / 未达产 flag, worked by
hand: each case states the facts, the commitment and the answer, boundaries included (the due date itself,
exactly at the figure, no result yet, zero). Pure functions: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from app.models.agreement import CommitmentKind as K
from app.models.agreement import CommitmentStatus as S
from app.models.agreement import OtherDirection, ResultStatus
from app.services.agreements import Facts, YearFigures, actual_figure, capacity_flag, judge, year_figures

DUE = date(2026, 6, 30)


@dataclass
class C:
    kind: K
    figure: Decimal | None = None
    due_on: date | None = None
    direction: OtherDirection = OtherDirection.at_least
    actual: Decimal | None = None
    actual_on: date | None = None


def facts(**kw) -> Facts:
    stage_dates = kw.pop("stage_dates", {})
    return Facts(stage_dates=stage_dates, **kw)


def d(text: str) -> Decimal:
    return Decimal(text)


# --- milestones: reached by the date -----------------------------------------------------------


@pytest.mark.parametrize(
    ("started_on", "today", "expected"),
    [
        (date(2026, 6, 1), date(2026, 7, 1), S.met),  # reached before the date
        (DUE, date(2026, 7, 1), S.met),  # reached on the date itself: met
        (None, DUE, S.behind),  # the due date itself has not passed: behind
        (None, date(2026, 1, 1), S.behind),
        (None, date(2026, 7, 1), S.missed),  # the day after, unreached: missed
        (date(2026, 7, 1), date(2026, 8, 1), S.missed),  # reached one day late: missed, and says when
    ],
)
def test_a_milestone(started_on, today, expected):
    j = judge(C(K.start, due_on=DUE), facts(stage_dates={K.start: started_on}), today)
    assert j.status is expected
    if started_on is not None and expected is not S.behind:
        assert j.reached == str(started_on)


# --- a figure without a date: the latest confirmed year ---------------------------------------


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (d("50000"), S.met),  # exactly at the figure: met
        (d("50000.01"), S.met),
        (d("49999.99"), S.missed),  # below, no date: missed
        (d("0"), S.missed),  # a zero result is a result, below the figure
        (None, S.no_result),  # a confirmed year without output: nothing to judge by
    ],
)
def test_annual_output_against_the_latest_year(output, expected):
    f = facts(years={2024: YearFigures(2024, output=d("99999")), 2025: YearFigures(2025, output=output)})
    assert judge(C(K.output, d("50000")), f, date(2026, 3, 1)).status is expected  # 2025 is the latest, not 2024


def test_no_confirmed_year_is_no_result():
    j = judge(C(K.tax, d("1000")), facts(), date(2026, 3, 1))
    assert j.status is S.no_result and j.reached is None


def test_a_zero_figure_is_met_by_any_result_zero_included_but_not_by_none():
    zero = C(K.jobs, d("0"))
    assert judge(zero, facts(years={2025: YearFigures(2025, jobs=0)}), date(2026, 1, 1)).status is S.met
    assert judge(zero, facts(), date(2026, 1, 1)).status is S.no_result


# --- a figure with a date ----------------------------------------------------------------------


def test_a_dated_figure_before_its_date_is_behind_then_met_when_reached():
    c = C(K.tax, d("1000"), due_on=date(2026, 12, 31))
    f = facts(years={2025: YearFigures(2025, tax=d("800"))})
    assert judge(c, f, date(2026, 12, 31)).status is S.behind  # the due date itself: not passed
    f.years[2026] = YearFigures(2026, tax=d("1000"))  # (confirmed in January: judged after the date)
    assert judge(c, f, date(2027, 1, 20)).status is S.met  # 2026 ends on the due date: it counts


def test_a_dated_figure_counts_only_periods_ending_by_its_date_once_passed():
    c = C(K.output, d("500"), due_on=date(2026, 6, 30))
    f = facts(years={2025: YearFigures(2025, output=d("400")), 2026: YearFigures(2026, output=d("900"))})
    # today before the date: the latest figures (2026's 900) reach it
    assert judge(c, f, date(2026, 6, 1)).status is S.met
    # after the date: 2026 ends after 30 June, so only 2025's 400 counts: missed
    j = judge(c, f, date(2026, 7, 1))
    assert j.status is S.missed and j.reached == "400.00"


def test_a_dated_figure_with_no_result_is_behind_then_missed():
    c = C(K.jobs, d("300"), due_on=DUE)
    assert judge(c, facts(), DUE).status is S.behind
    assert judge(c, facts(), date(2026, 7, 1)).status is S.missed


# --- investment, intensity, plot ratio, energy -------------------------------------------------


def test_investment_by_its_date_reads_the_last_progress_on_or_before_it():
    c = C(K.investment, d("10000"), due_on=DUE)
    f = facts(
        investment_completed=d("12000"),
        progress=[(date(2026, 5, 1), d("9000")), (DUE, d("10000")), (date(2026, 9, 1), d("12000"))],
    )
    assert judge(c, f, date(2026, 10, 1)).status is S.met  # 10,000 reported on the due date
    f.progress[1] = (DUE, d("9999.99"))
    j = judge(c, f, date(2026, 10, 1))
    assert j.status is S.missed and j.reached == "9,999.99"  # 12,000 came after the date
    assert judge(c, f, date(2026, 6, 1)).status is S.met  # before the date: today's 12,000


def test_intensity_is_investment_over_land_and_none_without_land():
    c = C(K.intensity, d("300"))  # 万元/亩
    # 36,000 万元 over 120 亩 = 300: exactly at the figure
    assert judge(c, facts(investment_completed=d("36000"), land_area_mu=d("120")), DUE).status is S.met
    # the latest confirmed year's land used (125 亩) beats the project's: 288 < 300
    f = facts(
        investment_completed=d("36000"), land_area_mu=d("120"), years={2025: YearFigures(2025, land_used_mu=d("125"))}
    )
    assert judge(c, f, DUE).status is S.missed
    # zero land: no intensity to compute
    assert judge(c, facts(investment_completed=d("36000"), land_area_mu=d("0")), DUE).status is S.no_result
    assert judge(c, facts(investment_completed=d("36000")), DUE).status is S.no_result


def test_plot_ratio_is_floor_area_over_land_in_square_metres():
    # 30 亩 = 20,000 m²; 24,000 m² of floors: 1.2
    f = facts(land_area_mu=d("30"), floor_area_m2=d("24000"))
    value, _ = actual_figure(K.plot_ratio, f)
    assert value == d("1.2")
    assert judge(C(K.plot_ratio, d("1.2")), f, DUE).status is S.met
    assert judge(C(K.plot_ratio, d("1.21")), f, DUE).status is S.missed


def test_energy_per_unit_of_output_is_a_ceiling_and_none_at_zero_output():
    c = C(K.energy, d("0.2"))  # at most 0.2 吨标准煤 per 万元
    assert (
        judge(c, facts(years={2025: YearFigures(2025, output=d("10000"), energy_tce=d("2000"))}), DUE).status is S.met
    )
    assert (
        judge(c, facts(years={2025: YearFigures(2025, output=d("10000"), energy_tce=d("2001"))}), DUE).status
        is S.missed
    )
    assert (
        judge(c, facts(years={2025: YearFigures(2025, output=d("0"), energy_tce=d("10"))}), DUE).status is S.no_result
    )


# --- other conditions --------------------------------------------------------------------------


def test_an_other_condition_by_its_recorded_actual():
    ceiling = C(K.other, d("5"), direction=OtherDirection.at_most, actual=d("5"))
    assert judge(ceiling, facts(), DUE).status is S.met  # at most 5, exactly 5
    assert judge(C(K.other, d("3"), actual=None), facts(), DUE).status is S.no_result
    dated = C(K.other, None, due_on=DUE)
    assert judge(dated, facts(), DUE).status is S.behind
    dated.actual_on = DUE
    assert judge(dated, facts(), date(2027, 1, 1)).status is S.met
    late = C(K.other, d("3"), due_on=DUE, actual=d("4"), actual_on=date(2026, 7, 2))
    assert judge(late, facts(), date(2026, 8, 1)).status is S.missed  # reached after its date


# --- a year from its quarters ------------------------------------------------------------------


@dataclass
class R:
    year: int
    quarter: int | None
    output: Decimal | None = None
    tax: Decimal | None = None
    jobs: int | None = None
    energy_tce: Decimal | None = None
    land_used_mu: Decimal | None = None
    status: ResultStatus = ResultStatus.confirmed


def test_a_year_is_its_annual_result_or_its_four_confirmed_quarters():
    quarters = [R(2025, q, output=d("100"), tax=d("10"), jobs=200 + q, land_used_mu=d("50")) for q in (1, 2, 3, 4)]
    years = year_figures(quarters)
    assert years[2025] == YearFigures(2025, d("400"), d("40"), 204, None, d("50"))  # jobs and land: the 4th quarter
    three = year_figures(quarters[:3])
    assert 2025 not in three  # three quarters are no year
    pending = year_figures([*quarters[:3], R(2025, 4, output=d("1"), status=ResultStatus.pending)])
    assert 2025 not in pending  # the fourth quarter not yet confirmed
    annual = year_figures([*quarters, R(2025, None, output=d("390"))])
    assert annual[2025].output == d("390")  # an annual result stands for its year


# --- the project's flag ------------------------------------------------------------------------


def _flag(commitments, f, today=date(2027, 3, 1)):
    return capacity_flag(commitments, [judge(c, f, today) for c in commitments], f)


def test_full_capacity_when_the_stage_is_reached_or_the_output_commitment_is_met():
    assert _flag([], facts(at_full_capacity=True)) == "full_capacity"
    output = C(K.output, d("50000"))
    assert _flag([output], facts(years={2026: YearFigures(2026, output=d("50000"))})) == "full_capacity"


def test_below_capacity_when_the_full_capacity_date_is_missed_or_output_missed_in_production():
    dated = C(K.full_capacity, due_on=date(2026, 12, 31))
    assert _flag([dated], facts(stage_dates={K.full_capacity: None})) == "below_capacity"
    assert _flag([dated], facts(), today=date(2026, 12, 31)) is None  # not yet due: no flag
    output = C(K.output, d("50000"))
    below = facts(years={2026: YearFigures(2026, output=d("30000"))})
    assert _flag([output], below) is None  # not in production: no judgement
    below.in_production = True
    assert _flag([output], below) == "below_capacity"
    assert _flag([output], facts(in_production=True)) is None  # no result yet: no flag
