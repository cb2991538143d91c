"""The change feed (/api/v1/changes) covers the people tables: sections, cadres, target splits and who
worked a record, each seen by whoever may read it (a unit's token its unit's; a read-all token everyone's;
a staff member only their own cadre), a cadre moved to another unit shown to the first as out of scope.
SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models.people import Cadre, Section, TargetSplit
from app.models.unit import Unit
from app.models.user import User
from app.services import activities, cadre_credits, changes, people, performance, workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.people.factories import as_user, coordinator, make_cadre, make_section
from tests.projects.factories import make_lead

YEAR = workdays.today().year
PEOPLE = ["section", "cadre", "target_split", "cadre_credit"]


@dataclass
class Town:
    unit: Unit
    clerk: User
    section: Section
    cadre: Cadre
    split: TargetSplit
    credits: set[int]
    token: str


def _town(db: Session, name: str) -> Town:
    unit = make_unit(db, name=name)
    clerk = make_user(db, unit, display_name=f"{name}干事")
    section = make_section(db, unit, name="招商办")
    cadre = make_cadre(db, unit, user=clerk, section_id=section.id)
    leader = make_cadre(db, unit, name=f"{name}领导")
    performance.set_target(db, coordinator(), year=YEAR, metric="valid_leads", amount=Decimal(10), unit_id=unit.id)
    split = people.split_target(
        db, coordinator(), year=YEAR, metric="valid_leads", amount=Decimal(4), cadre_id=cadre.id
    )
    assert split is not None
    lead = make_lead(db, unit, brought_by_id=clerk.id)
    cadre_credits.set_lead_people(db, as_user(clerk), lead.id, [(cadre.id, Decimal(50)), (leader.id, Decimal(50))])
    activities.add_reception(db, as_user(clerk), received_on=workdays.today(), visitors="某考察团", persons=2, note="")
    db.flush()
    from sqlalchemy import select

    from app.models.people import CadreCredit

    credits = set(
        db.execute(select(CadreCredit.id).join(Cadre, Cadre.id == CadreCredit.cadre_id).where(Cadre.unit_id == unit.id))
        .scalars()
        .all()
    )
    return Town(unit, clerk, section, cadre, split, credits, make_token(db, unit))


@pytest.fixture
def towns(db: Session) -> tuple[Town, Town, str]:
    a, b = _town(db, "城关镇"), _town(db, "青石镇")
    read_all = make_token(db, None, read_only=True)
    db.commit()
    return a, b, read_all


def seen(client: TestClient, token: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        params: dict[str, Any] = {"entity": PEOPLE, "limit": 1000}
        if after:
            params["after"] = after
        body = client.get("/api/v1/changes", params=params, headers=bearer(token)).json()
        items += body["items"]
        after = body["next"]
        if not body["has_more"]:
            return items
    raise AssertionError("the feed never ended")


def keys(items: list[dict[str, Any]], entity: str) -> set[int]:
    return {i["id"] for i in items if i["entity"] == entity and i["action"] != "out_of_scope"}


def test_a_units_token_sees_its_people_and_not_another_units(client: TestClient, db: Session, towns) -> None:
    a, b, read_all = towns
    mine = seen(client, a.token)
    assert a.section.id in keys(mine, "section") and b.section.id not in keys(mine, "section")
    assert a.cadre.id in keys(mine, "cadre") and b.cadre.id not in keys(mine, "cadre")
    assert keys(mine, "target_split") & {a.split.id, b.split.id} == {a.split.id}
    assert a.credits <= keys(mine, "cadre_credit") and not b.credits & keys(mine, "cadre_credit")
    label = next(i for i in mine if i["entity"] == "cadre_credit")["entity_label"]
    assert label == "经办人员及份额"
    everyone = seen(client, read_all)
    assert {a.cadre.id, b.cadre.id} <= keys(everyone, "cadre") and (a.credits | b.credits) <= keys(
        everyone, "cadre_credit"
    )


def test_a_staff_member_sees_only_their_own_cadre(db: Session, towns) -> None:
    a, _b, _ = towns
    page = changes.feed(db, as_user(a.clerk), None, limit=1000, entities=PEOPLE)
    ids = {(c.entity, c.id) for c in page.items}
    assert ("cadre", a.cadre.id) in ids and ("target_split", a.split.id) in ids
    assert not any(c.entity == "section" for c in page.items)
    assert {c.id for c in page.items if c.entity == "cadre"} == {a.cadre.id}
    head = make_user(db, a.unit, display_name="镇长")
    a.unit.head_user_id = head.id
    db.commit()
    as_head = changes.feed(db, as_user(head), None, limit=1000, entities=PEOPLE)
    assert ("section", a.section.id) in {(c.entity, c.id) for c in as_head.items}


def test_a_cadre_moved_away_is_out_of_scope_for_the_first_unit(client: TestClient, db: Session, towns) -> None:
    a, b, _ = towns
    before = client.get("/api/v1/changes", params={"entity": PEOPLE, "limit": 1}, headers=bearer(a.token)).json()
    latest = before["latest"]
    a.cadre.unit_id, a.cadre.section_id = b.unit.id, None
    db.commit()
    moved = client.get("/api/v1/changes", params={"entity": "cadre", "after": latest}, headers=bearer(a.token)).json()[
        "items"
    ]
    assert [(i["id"], i["action"]) for i in moved] == [(a.cadre.id, "out_of_scope")]
    theirs = client.get("/api/v1/changes", params={"entity": "cadre", "after": latest}, headers=bearer(b.token)).json()[
        "items"
    ]
    assert [(i["id"], i["action"]) for i in theirs] == [(a.cadre.id, "updated")]
