"""The promotion event's 现场签约 projects are picked by typing part of a name, never by number: the unit's
own projects are offered, another unit's are not, and a refused form shows the chosen ones again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.performance import EventProject, PromotionEvent
from app.models.unit import Unit
from app.services import workdays
from tests.conftest import csrf_from
from tests.core.conftest import World, signed_in
from tests.leads.conftest import text_of
from tests.projects.factories import make_project

HX = {"HX-Request": "true"}


@pytest.fixture
def clerk(app: FastAPI, db: Session, world: World) -> Iterator[TestClient]:
    yield from signed_in(app, db, world.staff_a)


def test_a_clerk_adds_the_units_projects_to_an_event_by_name(db, world, clerk):
    town_a = db.get(Unit, world.staff_a.unit_id)
    ours = make_project(db, town_a, name="锂电池隔膜生产线")
    db.commit()
    page = clerk.get("/activities")
    assert "项目编号" not in text_of(page.text) and 'name="project_q"' in page.text

    offered = clerk.get("/activities/projects", params={"project_q": "隔膜"}, headers=HX)
    assert "锂电池隔膜生产线" in offered.text and f"/activities/projects/chip?id={ours.id}" in offered.text
    theirs = db.get(type(ours), world.ids["project_id"])
    assert theirs.name not in clerk.get("/activities/projects", params={"project_q": theirs.name}, headers=HX).text
    assert clerk.get(f"/activities/projects/chip?id={world.ids['project_id']}", headers=HX).status_code == 404

    chip = clerk.get(f"/activities/projects/chip?id={ours.id}", headers=HX)
    assert f'name="project_ids" value="{ours.id}" checked' in chip.text and "锂电池隔膜生产线" in chip.text

    form = {
        "csrf_token": csrf_from(page.text),
        "held_on": (workdays.today() - timedelta(days=1)).isoformat(),
        "name": "",  # refused: the chosen project comes back, still ticked, by name
        "place": "县会展中心",
        "project_ids": str(ours.id),
    }
    for headers in ({}, HX):
        refused = clerk.post("/activities/event", data=form, headers=headers)
        assert refused.status_code == 422
        assert f'name="project_ids" value="{ours.id}" checked' in refused.text
        assert "锂电池隔膜生产线" in text_of(refused.text)

    saved = clerk.post("/activities/event", data=form | {"name": "新能源产业推介会"})
    assert saved.status_code == 303, text_of(saved.text)[:300]
    db.expire_all()
    event = db.execute(select(PromotionEvent).where(PromotionEvent.name == "新能源产业推介会")).scalar_one()
    linked = db.execute(select(EventProject.project_id).where(EventProject.event_id == event.id)).scalars().all()
    assert linked == [ours.id]
