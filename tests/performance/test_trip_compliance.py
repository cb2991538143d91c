"""The monthly outbound-trip list (每月外出招商达标, issue 19 item 7): each unit's trips of a month against the
minimum the coordinator sets, each of its sections' (条线: "每个条线都要外出招商一次"), the year's missed
months; a trip names the sections that went (page and API), only the unit's own active ones. The list is
the same on the page and the API; a unit sees its own row. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.cadence import TripSection
from app.models.performance import Trip
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.scopes import TokenRole
from app.services import app_settings, trip_compliance, workdays
from tests.conftest import login, page_csrf
from tests.core.test_api_admin_operations import entries, refused_field
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.people.factories import make_section
from tests.performance.test_performance import coordinator

DECEMBER_7 = date(2026, 12, 7)


def trip(db: Session, unit: Unit, on: date, *sections: int) -> Trip:
    row = Trip(unit_id=unit.id, started_on=on, ended_on=on, destination="上海", people="招商办两人")
    db.add(row)
    db.flush()
    db.add_all([TripSection(trip_id=row.id, section_id=s) for s in sections])
    db.flush()
    return row


def old_unit(db: Session, **values: object) -> Unit:
    unit = make_unit(db, **values)
    unit.created_at = datetime(2025, 1, 1, tzinfo=UTC)
    db.flush()
    return unit


def rows_of(db: Session, principal: Principal, year: int, month: int, **options: object) -> dict[int, object]:
    found = trip_compliance.monthly_list(db, principal, year, month, today=DECEMBER_7, **options)  # type: ignore[arg-type]
    return {r.unit_id: r for r in found.rows}


def test_each_unit_and_each_of_its_sections_against_the_months_minimum(db: Session):
    town = old_unit(db)
    office = make_section(db, town, name="招商办")
    economy = make_section(db, town, name="经济发展办")
    make_section(db, town, name="撤并的老站", is_active=False)  # an inactive section is not judged
    department = old_unit(db, kind=UnitKind.department, tier=2)
    old_unit(db, kind=UnitKind.jurisdiction)
    newcomer = make_unit(db)
    newcomer.created_at = datetime(2026, 11, 20, tzinfo=UTC)
    trip(db, town, date(2026, 11, 12), office.id)
    trip(db, town, date(2026, 9, 30), office.id, economy.id)
    trip(db, department, date(2026, 10, 31))  # October's, however long it lasted

    rows = rows_of(db, coordinator(), 2026, 11)
    assert set(rows) == {town.id, department.id, newcomer.id}  # not the jurisdiction
    town_row = rows[town.id]
    assert (town_row.trips, town_row.state) == (1, "met")
    sections = [(s.name, s.trips, s.state) for s in town_row.sections]
    assert sections == [("招商办", 1, "met"), ("经济发展办", 0, "missed")]
    assert town_row.missed_months == [*range(1, 9), 10]  # September had its trip
    assert (rows[department.id].trips, rows[department.id].state, rows[department.id].sections) == (0, "missed", [])
    assert rows[department.id].missed_months == [*range(1, 10), 11]
    # created on 20 November: November is judged, the months before it are not
    assert (rows[newcomer.id].state, rows[newcomer.id].missed_months) == ("missed", [11])
    assert rows_of(db, coordinator(), 2026, 10)[newcomer.id].state == "not_judged"

    missed = trip_compliance.monthly_list(db, coordinator(), 2026, 11, only="missed", today=DECEMBER_7)
    assert [r.unit_id for r in missed.rows] == [town.id, department.id, newcomer.id] and missed.total == 3
    trip(db, town, date(2026, 11, 25), economy.id)  # the other section goes too
    missed = trip_compliance.monthly_list(db, coordinator(), 2026, 11, only="missed", today=DECEMBER_7)
    assert town.id not in [r.unit_id for r in missed.rows] and missed.total == 2

    december = rows_of(db, coordinator(), 2026, 12)
    assert december[department.id].state == "open"  # the month runs: not yet missed

    app_settings.put(db, coordinator(), trip_compliance.UNIT_MINIMUM, "2")
    app_settings.put(db, coordinator(), trip_compliance.SECTION_MINIMUM, "0")
    rows = rows_of(db, coordinator(), 2026, 11)
    assert rows[town.id].state == "met"  # two trips in November now
    assert [s.state for s in rows[town.id].sections] == ["not_judged", "not_judged"]
    assert rows_of(db, coordinator(), 2026, 9)[town.id].state == "missed"  # one trip, two needed


def test_a_unit_sees_its_own_row_and_impossible_months_are_refused(db: Session):
    town = old_unit(db)
    other = old_unit(db)
    staff = Principal(role=Role.unit_staff, unit_id=town.id, label="城关镇", user_id=None)
    assert list(rows_of(db, staff, 2026, 11)) == [town.id]
    assert other.id in rows_of(db, coordinator(), 2026, 11)
    for year, month, field in ((2026, 13, "month"), (1999, 5, "year"), (2027, 1, "year"), (2026, 0, "month")):
        with pytest.raises(Invalid) as refused:
            trip_compliance.monthly_list(db, coordinator(), year, month, today=DECEMBER_7)
        assert field in refused.value.errors
    with pytest.raises(Invalid) as future:
        trip_compliance.monthly_list(db, coordinator(), 2026, 12, today=date(2026, 11, 30))
    assert future.value.errors == {"month": "2026年12月尚未开始"}


def test_a_trip_names_the_sections_that_went_over_the_api(db: Session, client: TestClient):
    town = old_unit(db)
    office = make_section(db, town, name="招商办")
    closed = make_section(db, town, name="撤并站", is_active=False)
    other = old_unit(db)
    foreign = make_section(db, other, name="外单位招商股")
    token = make_token(db, town)
    reader = make_token(db, None, read_only=True)
    db.commit()
    today = workdays.today()
    body = {
        "started_on": today.isoformat(),
        "ended_on": today.isoformat(),
        "destination": "江苏省苏州市",
        "people": "招商办两人",
        "section_ids": [office.id],
    }
    made = client.post("/api/v1/activities/trip", json=body, headers=bearer(token))
    assert made.status_code == 201, made.text
    assert made.json()["record"]["section_ids"] == [office.id]
    listed = client.get("/api/v1/activities", headers=bearer(token)).json()
    assert listed["trips"][0]["section_ids"] == [office.id]
    for wrong in (foreign.id, closed.id):
        refused = client.post("/api/v1/activities/trip", json=body | {"section_ids": [wrong]}, headers=bearer(token))
        assert "条线" in refused_field(refused, "section_ids")

    month = client.get(
        f"/api/v1/activities/trips/compliance?year={today.year}&month={today.month}", headers=bearer(token)
    )
    assert month.status_code == 200, month.text
    [row] = month.json()["items"]
    assert (row["unit_id"], row["trips"], row["state"]) == (town.id, 1, "met")
    assert [(s["name"], s["trips"], s["state"]) for s in row["sections"]] == [("招商办", 1, "met")]
    everyone = client.get(
        f"/api/v1/activities/trips/compliance?year={today.year}&month={today.month}&only=missed",
        headers=bearer(reader),
    ).json()
    assert other.id in [r["unit_id"] for r in everyone["items"]] and town.id not in [
        r["unit_id"] for r in everyone["items"]
    ]
    future = client.get(f"/api/v1/activities/trips/compliance?year={today.year + 1}&month=1", headers=bearer(reader))
    refused_field(future, "year")


def test_the_trip_form_and_the_months_list_on_the_page(db: Session, client: TestClient):
    town = old_unit(db)
    office = make_section(db, town, name="招商办")
    make_section(db, town, name="经济发展办")
    clerk = make_user(db, town)
    bureau = old_unit(db, kind=UnitKind.department, tier=1)
    boss = make_user(db, bureau, role=Role.coordinator)
    db.commit()
    login(client, clerk.username, PASSWORD)
    form = client.get("/activities")
    assert "外出的条线" in form.text and "招商办（科室）" in form.text
    csrf = page_csrf(client, "/activities")
    today = workdays.today()
    sent = {
        "csrf_token": csrf,
        "started_on": today.isoformat(),
        "ended_on": today.isoformat(),
        "destination": "浙江省宁波市",
        "people": "张三、李四",
        "leads_obtained": "1",
    }
    bad = client.post("/activities/trip", data=sent | {"section_ids": "999999"})
    assert bad.status_code == 422 and 'id="e-section_ids"' in bad.text and "浙江省宁波市" in bad.text
    done = client.post("/activities/trip", data=sent | {"section_ids": str(office.id)})
    assert done.status_code == 303
    own = client.get("/activities/compliance")
    assert own.status_code == 200 and town.short_name in own.text and bureau.short_name not in own.text
    assert "已达标" in own.text and "经济发展办" in own.text

    client.post("/logout", data={"csrf_token": csrf})
    login(client, boss.username, PASSWORD)
    everyone = client.get(f"/activities/compliance?year={today.year}&month={today.month}&only=missed")
    assert everyone.status_code == 200 and bureau.short_name in everyone.text
    assert client.get("/activities/compliance?month=13").status_code == 422
    assert client.get("/activities/compliance?only=all").status_code == 422


def test_a_unit_given_its_own_minimum_or_exempted_over_the_api_and_the_page(db: Session, client: TestClient):
    town = old_unit(db)
    make_section(db, town, name="招商办")
    office = old_unit(db, kind=UnitKind.department, tier=1, name="青山县人民政府办公室", short_name="县政府办")
    bureau = old_unit(db, kind=UnitKind.department, tier=1)
    boss = make_user(db, bureau, role=Role.coordinator)
    token = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "projects"))
    town_token = make_token(db, town)
    trip(db, town, date(2026, 11, 3))
    db.commit()

    exempt = client.put(f"/api/v1/activities/trips/minimums/{office.id}", json={"minimum": 0}, headers=bearer(token))
    assert exempt.status_code == 200, exempt.text
    assert exempt.json() == {"unit_id": office.id, "unit": office.name, "own_minimum": 0, "minimum": 0}
    twice = client.put(f"/api/v1/activities/trips/minimums/{town.id}", json={"minimum": 2}, headers=bearer(token))
    assert twice.json()["minimum"] == 2
    rows = rows_of(db, coordinator(), 2026, 11)
    assert (rows[office.id].state, rows[office.id].minimum) == ("not_judged", 0)
    assert (rows[town.id].trips, rows[town.id].state, rows[town.id].minimum) == (1, "missed", 2)
    missed = trip_compliance.monthly_list(db, coordinator(), 2026, 11, only="missed", today=DECEMBER_7)
    assert {r.unit_id for r in missed.rows} == {town.id, bureau.id}  # the exempt office is not listed
    assert [e.changes for e in entries(db, "app_setting", f"{trip_compliance.UNIT_MINIMUM}.unit.{town.id}")]

    back = client.put(f"/api/v1/activities/trips/minimums/{town.id}", json={"minimum": None}, headers=bearer(token))
    assert back.json() == {"unit_id": town.id, "unit": town.name, "own_minimum": None, "minimum": 1}
    assert rows_of(db, coordinator(), 2026, 11)[town.id].state == "met"
    refused = client.put(
        f"/api/v1/activities/trips/minimums/{town.id}", json={"minimum": 0}, headers=bearer(town_token)
    )
    assert refused.status_code == 403
    refused_field(
        client.put(f"/api/v1/activities/trips/minimums/{town.id}", json={"minimum": 101}, headers=bearer(token)),
        "minimum",
    )

    login(client, boss.username, PASSWORD)
    csrf = page_csrf(client, "/activities/compliance")
    bad = client.post(
        "/activities/compliance/minimum", data={"csrf_token": csrf, "unit_id": str(town.id), "minimum": "两次"}
    )
    assert bad.status_code == 422 and 'id="e-minimum"' in bad.text and "两次" in bad.text
    done = client.post(
        "/activities/compliance/minimum", data={"csrf_token": csrf, "unit_id": str(town.id), "minimum": "0"}
    )
    assert done.status_code == 303
    page = client.get("/activities/compliance?year=2026&month=11")
    assert "青山县人民政府办公室：免于考核" in page.text and f"{town.name}：免于考核" in page.text
