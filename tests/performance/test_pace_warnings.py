"""The unit board's pace warnings, asked for one unit, judge exactly as the standings of every unit do."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import app_settings, performance, workdays
from tests.factories import make_unit

_n = itertools.count(1)
YEAR = workdays.today().year
DAYS = [date(YEAR, 3, 31), date(YEAR, 6, 15), date(YEAR, 9, 30), date(YEAR, 11, 20), date(YEAR, 12, 31)]


def coordinator() -> Principal:
    return Principal(role=Role.coordinator, unit_id=None, label="测试招商局", user_id=None)


def signed(db: Session, unit: Unit, contract: int, on: date, funds: str | None = None) -> None:
    n = next(_n)
    investor = Investor(
        kind=InvestorKind.company, name=f"进度客商{n}", name_key=f"pace{n}", investor_type=InvestorType.private
    )
    db.add(investor)
    db.flush()
    project = Project(
        name=f"进度项目{n}",
        investor_id=investor.id,
        stage=Stage.signed,
        stage_since=on,
        signed_on=on,
        contract_investment=Decimal(contract),
        introducing_unit_id=unit.id,
        responsible_unit_id=unit.id,
    )
    db.add(project)
    db.flush()
    if funds:
        db.add(
            FundsArrival(
                project_id=project.id,
                arrived_on=on,
                amount=Decimal(funds),
                source=FundsSource.in_province,
                status=FundsStatus.confirmed,
            )
        )
        db.flush()


def warnings_from_standings(db: Session, unit: Unit, day: date) -> list[tuple[str, Decimal | None, str, bool]]:
    standing = performance.standings(db, day.year, day, unit_ids=[unit.id])
    return [
        (s.metric, s.share_of_expected, s.card, s.heading_below) for s in standing.values() if s.card or s.heading_below
    ]


@pytest.mark.parametrize("edited", [False, True], ids=["linear", "edited"])
def test_pace_warnings_match_the_standings_for_every_kind_of_target(db, edited):
    by_tier = make_unit(db, kind=UnitKind.department, tier=2)
    by_kind = make_unit(db, kind=UnitKind.town)
    overridden = make_unit(db, kind=UnitKind.department, tier=2)
    zero_override = make_unit(db, kind=UnitKind.department, tier=2)
    no_target = make_unit(db, kind=UnitKind.zone)
    inactive = make_unit(db, kind=UnitKind.department, tier=2, is_active=False)
    c = coordinator()
    if edited:  # the coordinator's own time sequence and yellow line instead of the defaults
        performance.set_expected_share(db, c, YEAR, 9, Decimal("60.50"))
        performance.set_expected_share(db, c, YEAR, 11, Decimal("95"))
        app_settings.put(db, c, "yellow_card_percent", "85")
    for metric, amount in (("funds_domestic", 1000), ("projects_introduced", 4), ("contract_investment", 8000)):
        performance.set_target(db, c, year=YEAR, metric=metric, amount=Decimal(amount), tier=2)
        performance.set_target(db, c, year=YEAR, metric=metric, amount=Decimal(amount * 2), unit_kind="town")
    performance.set_target(db, c, year=YEAR, metric="funds_domestic", amount=Decimal(50), unit_id=overridden.id)
    performance.set_target(db, c, year=YEAR, metric="funds_domestic", amount=Decimal(0), unit_id=zero_override.id)
    signed(db, by_tier, 3000, date(YEAR, 2, 10), funds="600")
    signed(db, by_kind, 500, date(YEAR, 5, 5), funds="100")
    signed(db, overridden, 100, date(YEAR, 3, 3), funds="40")
    signed(db, inactive, 100, date(YEAR, 3, 3), funds="40")
    signed(db, no_target, 100, date(YEAR, 3, 3), funds="40")
    seen = 0
    for unit in (by_tier, by_kind, overridden, zero_override, no_target, inactive):
        for day in DAYS:
            expected = warnings_from_standings(db, unit, day)
            got = [
                (s.metric, s.share_of_expected, s.card, s.heading_below)
                for s in performance.pace_warnings(db, unit, day)
            ]
            assert got == expected, (unit.id, day)
            seen += len(got)
    assert seen > 0  # the cases above do raise warnings
    assert performance.pace_warnings(db, inactive, DAYS[0]) == []
    assert performance.pace_warnings(db, no_target, DAYS[0]) == []


def test_targets_for_the_units_asked_are_those_of_the_whole_table(db):
    units = [make_unit(db, kind=UnitKind.department, tier=t) for t in (1, 2, 3)] + [make_unit(db, kind=UnitKind.town)]
    c = coordinator()
    performance.set_target(db, c, year=YEAR, metric="new_starts", amount=Decimal(3), tier=1)
    performance.set_target(db, c, year=YEAR, metric="new_starts", amount=Decimal(5), unit_kind="town")
    performance.set_target(db, c, year=YEAR, metric="new_starts", amount=Decimal(9), unit_id=units[2].id)
    everyone = performance.targets_for_year(db, YEAR)
    ids = [units[0].id, units[2].id, units[3].id]
    assert performance.targets_for_year(db, YEAR, ids) == {k: v for k, v in everyone.items() if k[1] in ids}
    assert everyone[("new_starts", units[2].id)] == Decimal(9)
    assert ("new_starts", units[1].id) not in everyone
    assert performance.targets_for_year(db, YEAR, []) == {}
