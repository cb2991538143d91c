"""Factories for industry teams and responsibility letters: real rows, through the models and the services."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.letter import LetterRules, ResponsibilityLetter
from app.models.team import IndustryTeam, TeamMember
from app.models.unit import Unit, UnitKind
from app.services import letters, performance, workdays
from tests.people.factories import coordinator

_counter = itertools.count(1)
RULES = "一、考核内容：引进项目、合同投资额、内资到位资金。\n二、考核办法：按完成年度目标的比例计分。"


def make_team(db: Session, *, members: tuple[Unit, ...] = (), lead: Unit | None = None, **overrides: Any) -> Unit:
    """A team's unit (kind industry_team) with its profile and member units."""
    n = next(_counter)
    values: dict[str, Any] = {"name": f"测试产业招商组{n}", "short_name": f"测试组{n}", "kind": UnitKind.industry_team}
    values.update(overrides)
    unit = Unit(**values)
    db.add(unit)
    db.flush()
    db.add(IndustryTeam(unit_id=unit.id, industry="新材料"))
    for order, member in enumerate(members):
        db.add(TeamMember(team_id=unit.id, unit_id=member.id, is_lead=member is lead, sort_order=order))
    db.flush()
    return unit


def ensure_rules(db: Session, year: int | None = None) -> LetterRules:
    year = year or workdays.today().year
    found = letters.current_rules(db, year)
    if found is not None:
        return found
    return letters.save_rules(db, coordinator(), year, RULES, 0)


def make_letter(db: Session, unit: Unit, *, year: int | None = None, amount: int = 5000) -> ResponsibilityLetter:
    """The unit's letter for the year (its target on funds set when it has none), issued by the bureau."""
    year = year or workdays.today().year
    if not performance.targets_for_year(db, year, [unit.id]):
        performance.set_target(
            db, coordinator(), year=year, metric="funds_domestic", amount=Decimal(amount), unit_id=unit.id
        )
    ensure_rules(db, year)
    existing = db.execute(
        select(ResponsibilityLetter).where(ResponsibilityLetter.unit_id == unit.id, ResponsibilityLetter.year == year)
    ).first()
    if existing is not None:
        return letters.issue(db, coordinator(), unit.id, year, "测试重新下达")
    return letters.issue(db, coordinator(), unit.id, year)
