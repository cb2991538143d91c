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
