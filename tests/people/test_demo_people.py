"""The demo county shows sections and people: every account a cadre, the town's sections, its mayor without an
account, its target split to sections and people within the town's target, and leads shared between two."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.people import Cadre, CadreCredit, Section
from app.models.unit import Unit
from app.models.user import User
from app.services import demo, people, workdays


def test_the_demo_has_sections_and_people(db: Session) -> None:
    demo.load(db)
    town = db.execute(select(Unit).where(Unit.short_name == "城关镇")).scalar_one()
    assert db.execute(select(func.count()).select_from(Cadre).where(Cadre.user_id.is_not(None))).scalar() == (
        db.execute(select(func.count()).select_from(User)).scalar()
    )
    assert [s.kind.label for s in people.sections(db, town.id)] == ["科室", "所", "站", "社区"]
    mayor = db.execute(select(Cadre).where(Cadre.name == "周建平")).scalar_one()
    assert mayor.user_id is None and mayor.unit_id == town.id
    lines = {line.metric: line for line in people.split_summary(db, town.id, workdays.today().year)}
    assert lines["funds_domestic"].to_people == lines["funds_domestic"].target
    assert not any(line.over_split for line in lines.values())
    assert db.execute(select(func.count()).select_from(CadreCredit)).scalar()
    assert db.execute(select(func.count()).select_from(Section)).scalar() == 11


def test_the_demo_shows_who_worked_activities_and_visits_and_the_task_operations(db: Session) -> None:
    from app.models.people import Cadre as CadreModel
    from app.models.performance import Trip
    from app.models.task import SupervisedTask, TaskStatus
    from app.services import ledgers, rankings
    from tests.people.factories import coordinator

    demo.load(db)
    town = db.execute(select(Unit).where(Unit.short_name == "城关镇")).scalar_one()
    trips = db.execute(select(Trip.id).where(Trip.unit_id == town.id)).scalars().all()
    credited = [
        db.execute(select(func.count()).select_from(CadreCredit).where(CadreCredit.trip_id == t)).scalar()
        for t in trips
    ]
    assert trips and all(n >= 1 for n in credited)  # every trip has who went
    assert credited.count(2) >= 2  # the people demo's trips shared with the mayor (the cadence demo adds more)
    mayor = db.execute(select(CadreModel).where(CadreModel.name == "周建平")).scalar_one()
    year = workdays.today().year
    assert ledgers.ledger(db, coordinator(), mayor.id, year).total["trips"] > 0
    assert db.execute(
        select(func.count()).select_from(CadreCredit).where(CadreCredit.progress_update_id.is_not(None))
    ).scalar()
    assert rankings.rank_people(db, coordinator(), year)[0].score > 0
    statuses = {t.title: t for t in db.execute(select(SupervisedTask)).scalars()}
    assert statuses["督促企业补齐环评手续"].missed_due_on is not None
    assert statuses["协调外资企业用电增容"].status is TaskStatus.cancelled
    moved = statuses["清理闲置标准化厂房租赁合同"]
    assert moved.owner_unit_id == db.execute(select(Unit.id).where(Unit.short_name == "青石镇")).scalar_one()
