"""One unit's figures in one statement (`metrics.of_unit`, read by the unit board's pace warnings) are
exactly `metrics.compute`'s, metric by metric, with worked numbers."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.lead import Channel, Lead, LeadCredit, LeadStatus
from app.models.performance import Trip
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, Stage
from app.models.unit import Unit, UnitKind
from app.services import metrics, workdays
from tests.factories import make_unit

_n = itertools.count(1)
YEAR = workdays.today().year
START, END = date(YEAR, 1, 1), date(YEAR, 6, 30)


def investor(db: Session) -> Investor:
    n = next(_n)
    row = Investor(
        kind=InvestorKind.company, name=f"单位数客商{n}", name_key=f"uf{n}", investor_type=InvestorType.private
    )
    db.add(row)
    db.flush()
    return row


def project(
    db: Session,
    introducing: Unit,
    responsible: Unit,
    contract: int,
    *,
    signed: date | None = None,
    started: date | None = None,
    production: date | None = None,
) -> Project:
    row = Project(
        name=f"单位数项目{next(_n)}",
        investor_id=investor(db).id,
        stage=Stage.production if production else Stage.started if started else Stage.signed,
        stage_since=production or started or signed or START,
        signed_on=signed,
        started_on=started,
        production_on=production,
        contract_investment=Decimal(contract),
        introducing_unit_id=introducing.id,
        responsible_unit_id=responsible.id,
    )
    db.add(row)
    db.flush()
    return row


def funds(db: Session, project: Project, amount: str, on: date, source: FundsSource, status: FundsStatus) -> None:
    db.add(FundsArrival(project_id=project.id, arrived_on=on, amount=Decimal(amount), source=source, status=status))
    db.flush()


def lead(
    db: Session,
    unit: Unit,
    on: date,
    *,
    status: LeadStatus = LeadStatus.valid,
    shares: dict[int, str] | None = None,
    duplicate_of: Lead | None = None,
) -> Lead:
    row = Lead(
        unit_id=unit.id,
        channel=Channel.online,
        investor_id=investor(db).id,
        lead_date=on,
        status=status,
        project_name=f"单位数线索{next(_n)}",
        duplicate_of_id=duplicate_of.id if duplicate_of else None,
    )
    db.add(row)
    db.flush()
    for unit_id, share in (shares or {}).items():
        db.add(LeadCredit(lead_id=row.id, unit_id=unit_id, share=Decimal(share)))
    db.flush()
    return row


def test_one_units_figures_are_computes_figures_for_every_metric(db, connection):
    a, b = make_unit(db, kind=UnitKind.town), make_unit(db, kind=UnitKind.department, tier=2)
    quiet = make_unit(db, kind=UnitKind.zone)
    # a introduces two projects in the period (one ≥ 1000 万, one ≥ 1亿), b is responsible for one
    p1 = project(db, a, a, 12000, signed=date(YEAR, 2, 1), started=date(YEAR, 3, 1))
    p2 = project(db, a, b, 1500, signed=date(YEAR, 4, 1), started=date(YEAR, 5, 1), production=date(YEAR, 6, 30))
    project(db, b, a, 800, signed=date(YEAR, 1, 1), production=date(YEAR, 6, 1))
    project(db, a, a, 5000, signed=date(YEAR, 7, 1), started=date(YEAR, 7, 2))  # after the period
    project(db, a, a, 700, signed=date(YEAR - 1, 12, 31))  # before it
    for source in FundsSource:
        funds(db, p1, "100.50", date(YEAR, 3, 3), source, FundsStatus.confirmed)
        funds(db, p1, "999", date(YEAR, 3, 3), source, FundsStatus.pending)  # not confirmed: not counted
        funds(db, p2, "40", date(YEAR, 6, 30), source, FundsStatus.confirmed)  # b's
    funds(db, p1, "-20.25", date(YEAR, 4, 4), FundsSource.in_province, FundsStatus.confirmed)  # a reversal
    funds(db, p1, "7", date(YEAR, 7, 1), FundsSource.in_province, FundsStatus.confirmed)  # after the period
    # leads: a's own, shared between a and b, merged, not valid, outside the period
    lead(db, a, date(YEAR, 1, 5))
    lead(db, a, date(YEAR, 6, 30))
    lead(db, a, date(YEAR, 3, 1), shares={a.id: "60", b.id: "40"})
    lead(db, b, date(YEAR, 3, 2), shares={a.id: "25", b.id: "75"})
    original = lead(db, b, date(YEAR, 2, 2))
    lead(db, a, date(YEAR, 2, 3), duplicate_of=original)
    lead(db, a, date(YEAR, 2, 4), status=LeadStatus.invalid)
    lead(db, a, date(YEAR, 7, 1))
    db.add(Trip(unit_id=a.id, started_on=date(YEAR, 5, 5), ended_on=date(YEAR, 5, 6), destination="上海", people="甲"))
    db.flush()

    for unit in (a, b, quiet):
        expected = {
            code: metrics.compute(db, code, START, END, [unit.id]).get(unit.id, metrics.ZERO)
            for code in metrics.METRICS
        }
        assert metrics.of_unit(db, unit.id, metrics.METRICS, START, END) == expected, unit.id

    a_figures = metrics.of_unit(db, a.id, metrics.METRICS, START, END)
    assert a_figures["projects_introduced"] == 2 and a_figures["projects_1000"] == 2 and a_figures["projects_1yi"] == 1
    assert a_figures["contract_investment"] == Decimal(13500)
    assert a_figures["new_starts"] == 1 and a_figures["new_start_investment"] == Decimal(12000)
    assert a_figures["in_production"] == 1  # b's project, a responsible
    assert a_figures["funds_domestic"] == Decimal("180.75")  # 100.50 × 2 sources − 20.25
    assert a_figures["funds_out_of_province"] == Decimal("100.50")
    assert a_figures["foreign_capital"] == Decimal("100.50")
    assert a_figures["valid_leads"] == Decimal("2.85")  # 2 own + 60% + 25%
    assert a_figures["trips"] == 1
    assert metrics.of_unit(db, b.id, ["valid_leads", "in_production"], START, END) == {
        "valid_leads": Decimal("2.15"),  # 1 own (the merged duplicate's original) + 40% + 75%
        "in_production": Decimal(1),
    }

    # the metrics of the one-statement set cost one statement, whatever their number
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    try:
        metrics.of_unit(db, a.id, metrics.UNIT_CODES, START, END)
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert len(statements) == 1
