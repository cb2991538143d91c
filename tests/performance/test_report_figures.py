"""Report figures computed in one pass per table are the figures `metrics.compute` gives one by one.

The bulletin asks for every metric over several periods, by unit, in one query per table
(`metrics.by_unit`) and hands them to the standings (`metrics.reusing`); these tests pin that the
shortcut changes no figure and no unit's presence, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.lead import Channel, Lead, LeadCredit, LeadStatus
from app.models.performance import Target
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, Stage
from app.models.unit import Unit
from app.services import bulletins, metrics, performance, workdays
from tests.factories import make_unit

_n = itertools.count(1)
YEAR = workdays.today().year - 1  # a whole year in the past: the periods are complete
LAST = YEAR - 1
PERIODS = [
    (date(YEAR, 10, 1), date(YEAR, 12, 31)),  # the quarter
    (date(YEAR, 1, 1), date(YEAR, 12, 31)),  # the year
    (date(LAST, 1, 1), date(LAST, 12, 31)),  # last year
    (date(YEAR, 1, 1), date(YEAR, 3, 31)),
    (date(YEAR, 4, 1), date(YEAR, 6, 30)),
    (date(LAST, 10, 1), date(LAST, 12, 31)),
    (date(YEAR, 3, 15), date(YEAR, 3, 15)),  # one day
]


def investor(db: Session) -> Investor:
    n = next(_n)
    inv = Investor(
        kind=InvestorKind.company, name=f"口径客商{n}", name_key=f"kj{n}", investor_type=InvestorType.private
    )
    db.add(inv)
    db.flush()
    return inv


def project(
    db: Session,
    introducing: Unit,
    responsible: Unit,
    contract: str,
    signed: date | None,
    started: date | None = None,
    production: date | None = None,
) -> Project:
    stage = Stage.production if production else Stage.started if started else Stage.signed
    p = Project(
        name=f"口径项目{next(_n)}",
        investor_id=investor(db).id,
        stage=stage if signed else Stage.negotiating,
        stage_since=production or started or signed or date(YEAR, 1, 1),
        signed_on=signed,
        started_on=started,
        production_on=production,
        contract_investment=Decimal(contract),
        introducing_unit_id=introducing.id,
        responsible_unit_id=responsible.id,
    )
    db.add(p)
    db.flush()
    return p


def funds(db: Session, p: Project, amount: str, on: date, source: FundsSource, status: FundsStatus) -> None:
    db.add(FundsArrival(project_id=p.id, arrived_on=on, amount=Decimal(amount), source=source, status=status))


def lead(db: Session, unit: Unit, on: date, status: LeadStatus = LeadStatus.valid, **extra: Any) -> Lead:
    row = Lead(unit_id=unit.id, channel=Channel.business, investor_id=investor(db).id, lead_date=on, status=status)
    for key, value in extra.items():
        setattr(row, key, value)
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def county(db: Session) -> dict[str, Unit]:
    """Three units with projects (introduced by one, served by another), funds of every source and
    status, inside and outside the periods, and leads of every kind, including shared credit."""
    a, b, c = make_unit(db), make_unit(db), make_unit(db)
    make_unit(db)  # a unit with nothing: listed by no metric
    p1 = project(db, a, a, "1500", date(YEAR, 11, 3), started=date(YEAR, 12, 1))
    p2 = project(db, a, b, "12000.50", date(YEAR, 2, 10), started=date(YEAR, 5, 5), production=date(YEAR, 10, 30))
    p3 = project(db, b, b, "800", date(LAST, 11, 20), started=date(YEAR, 3, 15))
    p4 = project(db, c, a, "0", date(YEAR, 3, 15))
    project(db, c, c, "5000", None)  # not signed
    project(db, b, c, "10000", date(LAST - 2, 6, 1), started=date(LAST - 2, 9, 1))  # before every period
    for p, day in (
        (p1, date(YEAR, 11, 20)),
        (p2, date(YEAR, 3, 15)),
        (p3, date(LAST, 12, 31)),
        (p4, date(YEAR, 6, 30)),
    ):
        for source, status, amount in (
            (FundsSource.in_province, FundsStatus.confirmed, "100.25"),
            (FundsSource.out_of_province, FundsStatus.confirmed, "40"),
            (FundsSource.foreign, FundsStatus.confirmed, "7.5"),
            (FundsSource.in_province, FundsStatus.pending, "999"),
            (FundsSource.out_of_province, FundsStatus.rejected, "555"),
        ):
            funds(db, p, amount, day, source, status)
    funds(db, p1, "-30", date(YEAR, 12, 2), FundsSource.in_province, FundsStatus.confirmed)  # a reversal
    funds(db, p2, "60", date(YEAR + 1, 1, 2), FundsSource.in_province, FundsStatus.confirmed)  # after every period
    p5 = project(db, c, c, "300", date(YEAR, 7, 1))
    funds(db, p5, "25", date(YEAR, 7, 2), FundsSource.in_province, FundsStatus.confirmed)
    funds(db, p5, "-25", date(YEAR, 7, 3), FundsSource.out_of_province, FundsStatus.confirmed)  # nets to zero
    lead(db, a, date(YEAR, 10, 5))
    lead(db, a, date(YEAR, 2, 1))
    lead(db, b, date(LAST, 12, 1))
    lead(db, c, date(YEAR, 10, 9), status=LeadStatus.invalid)
    lead(db, c, date(YEAR, 10, 9), status=LeadStatus.pending)
    first = lead(db, b, date(YEAR, 4, 1))
    lead(db, b, date(YEAR, 4, 2), duplicate_of_id=first.id)  # settled into the first: counts for nobody
    shared = lead(db, a, date(YEAR, 11, 11))
    db.add_all(
        [
            LeadCredit(lead_id=shared.id, unit_id=b.id, share=Decimal(60)),
            LeadCredit(lead_id=shared.id, unit_id=c.id, share=Decimal(40)),
        ]
    )
    db.flush()
    return {"a": a, "b": b, "c": c}


def test_figures_by_unit_are_computes_figures_for_every_metric_and_period(db, county):
    pairs = [(code, start, end) for code in metrics.METRICS for start, end in PERIODS]
    expected = {pair: metrics.compute(db, *pair) for pair in pairs}

    def shown(figures: metrics.Figures) -> dict[Any, dict[int, str]]:  # as a bulletin writes them: 0 ≠ 0.00
        return {pair: {unit: str(value) for unit, value in values.items()} for pair, values in figures.items()}

    assert shown(metrics.by_unit(db, pairs)) == shown(expected)
    assert str(expected[("funds_domestic", *PERIODS[1])][county["c"].id]) == "0"
    assert expected[("funds_domestic", *PERIODS[1])]  # the data reaches the figures compared
    assert expected[("valid_leads", *PERIODS[0])] == {
        county["a"].id: Decimal(1),
        county["b"].id: Decimal("0.6"),
        county["c"].id: Decimal("0.4"),
    }
    assert set(expected[("projects_introduced", *PERIODS[1])]) != set(expected[("new_starts", *PERIODS[1])])


def test_totals_are_the_sums_of_the_units_figures(db, county):
    codes = list(metrics.METRICS)
    totals = metrics.totals(db, codes, PERIODS)
    for code in codes:
        for start, end in PERIODS:
            assert str(totals[(code, start, end)]) == str(metrics.total(db, code, start, end)), (code, start, end)


@contextmanager
def counting(db: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_compute_reads_known_figures_only_inside_the_block(db, county):
    a, b = county["a"], county["b"]
    period = PERIODS[1]
    actual = metrics.compute(db, "projects_introduced", *period)
    known = {("projects_introduced", *period): {a.id: Decimal(99), b.id: Decimal(7)}}
    with metrics.reusing(db, known), counting(db) as statements:
        assert metrics.compute(db, "projects_introduced", *period) == {a.id: Decimal(99), b.id: Decimal(7)}
        assert metrics.compute(db, "projects_introduced", *period, [b.id]) == {b.id: Decimal(7)}
        assert not statements  # answered without asking the database
        assert metrics.compute(db, "projects_introduced", *PERIODS[0])  # another period: asked
        with metrics.reusing(db, {("new_starts", *period): {}}):
            assert metrics.compute(db, "projects_introduced", *period)[a.id] == 99  # the outer block's still
            assert metrics.compute(db, "new_starts", *period) == {}
        assert metrics.compute(db, "new_starts", *period) == metrics.compute(db, "new_starts", *period) != {}
    assert metrics.compute(db, "projects_introduced", *period) == actual  # after the block: the records


def test_bulletin_standings_reuse_the_figures_and_match_standings_alone(db, county):
    for code in ("projects_introduced", "contract_investment", "funds_domestic", "valid_leads"):
        db.add(Target(year=YEAR, metric=code, unit_id=county["a"].id, amount=Decimal(10)))
        db.add(Target(year=YEAR, metric=code, unit_id=county["c"].id, amount=Decimal(1000)))
    db.flush()
    today = date(YEAR + 1, 2, 1)
    content = bulletins.build(db, "quarterly", YEAR, 4, today=today)
    alone = performance.standings(db, YEAR, date(YEAR, 12, 31))
    shown = {(code, row["unit_id"]): cell for row in content["units"] for code, cell in row["metrics"].items()}
    assert set(shown) == set(alone)
    for key, st in alone.items():
        assert shown[key]["actual"] == str(st.actual) and shown[key]["card"] == st.card, key
    totals = {t["code"]: t for t in content["totals"]}
    assert totals["funds_domestic"]["ytd"] == str(
        metrics.total(db, "funds_domestic", date(YEAR, 1, 1), date(YEAR, 12, 31))
    )
    assert totals["valid_leads"]["period"] == str(metrics.total(db, "valid_leads", *PERIODS[0]))
    assert db.info.get("metrics.known_figures") is None  # nothing left behind for later queries
    with counting(db) as statements:
        bulletins.build(db, "quarterly", YEAR, 4, today=today)
    funds_passes = [s for s in statements if "FROM funds_arrival" in s and "GROUP BY project.responsible_unit_id" in s]
    assert len(funds_passes) == 1  # the totals, the quarters and the standings from one pass
