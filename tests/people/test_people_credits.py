"""Who worked a visit or an activity, and what that puts in each person's ledger (issue 19, item 1): the
activity forms and bodies name the people with their shares (the recorder by default, a token nobody); a
page and an API operation set the people of a lead, a project, a visit or an activity; the lead and project
pages show them, and hide them where the project's identity is hidden; the ledger counts visits, trips,
receptions, events and trade by share, month by month. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.models.audit import AuditEntry
from app.models.people import Cadre, CadreCredit
from app.models.performance import Trip
from app.models.project import ProgressUpdate
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.services import activities, cadre_credits, ledgers, workdays
from tests.conftest import csrf_from
from tests.factories import bearer, make_token, make_unit, make_user
from tests.people.factories import as_user, coordinator, make_cadre
from tests.projects.factories import make_lead, make_project

TODAY = workdays.today()
YEAR = TODAY.year
Browser = Callable[[User], TestClient]


def day(month: int, dom: int) -> date:
    """A day of this year, never after today (activities may not be dated ahead)."""
    return min(date(YEAR, month, dom), TODAY)


@dataclass
class Town:
    unit: Unit
    clerk: User
    mate: User
    clerk_cadre: Cadre
    mate_cadre: Cadre
    leader: Cadre  # a county leader without an account, listed with the town


@pytest.fixture
def town(db: Session) -> Town:
    unit = make_unit(db, name="城关镇人民政府", short_name="城关镇")
    clerk = make_user(db, unit, display_name="陈晓燕")
    mate = make_user(db, unit, display_name="刘建军")
    return Town(
        unit,
        clerk,
        mate,
        make_cadre(db, unit, user=clerk),
        make_cadre(db, unit, user=mate),
        make_cadre(db, unit, name="王副县长", title="副县长"),
    )


def visit(db: Session, project_id: int, user: User, on: date) -> ProgressUpdate:
    row = ProgressUpdate(
        project_id=project_id, reported_on=on, investment_completed=Decimal(10), built="场平", entered_by_id=user.id
    )
    db.add(row)
    db.flush()
    return row


# --- recorded with the activity --------------------------------------------------------------------


def test_an_activity_records_its_people_by_share_or_its_recorder(db: Session, town: Town) -> None:
    clerk = as_user(town.clerk)
    trip = activities.add_trip(
        db,
        clerk,
        started_on=day(3, 2),
        ended_on=day(3, 5),
        destination="广东省深圳市",
        people="",
        companies_visited="某新能源公司",
        leads_obtained=2,
        cadres=[(town.clerk_cadre.id, Decimal(60)), (town.leader.id, Decimal(40))],
    )
    assert trip.people == "陈晓燕、王副县长"  # the words filled from the people named
    assert [(p.name, p.share) for p in cadre_credits.record_people(db, clerk, "trip", trip.id)] == [
        ("陈晓燕", Decimal("60.00")),
        ("王副县长", Decimal("40.00")),
    ]
    reception = activities.add_reception(
        db, clerk, received_on=day(3, 8), visitors="浙江某装备公司考察团", persons=5, note=""
    )
    assert [p.cadre_id for p in cadre_credits.record_people(db, clerk, "reception", reception.id)] == [
        town.clerk_cadre.id
    ]  # nobody named: the one who recorded it
    token = Principal(role=Role.unit_staff, unit_id=town.unit.id, label="城关镇系统", token_id=1)
    event = activities.add_event(db, token, held_on=day(4, 18), name="推介会", place="深圳", project_ids=[])
    assert cadre_credits.record_people(db, clerk, "event", event.id) == []  # a system names nobody
    with pytest.raises(Invalid) as refused:
        activities.add_reception(
            db,
            clerk,
            received_on=day(3, 9),
            visitors="某考察团",
            persons=2,
            note="",
            cadres=[(town.clerk_cadre.id, Decimal(50)), (town.mate_cadre.id, Decimal(40))],
        )
    assert refused.value.errors == {"cadres": "各人份额合计须为 100%"}
    other = make_cadre(db, make_unit(db), name="外单位干部")
    with pytest.raises(Invalid) as refused:
        activities.add_reception(
            db, clerk, received_on=day(3, 9), visitors="某考察团", persons=2, note="", cadres=[(other.id, Decimal(100))]
        )
    assert "不是本单位人员" in refused.value.errors["cadres"]
    quiet = activities.add_trip(
        db,
        clerk,
        started_on=day(3, 2),
        ended_on=day(3, 2),
        destination="深圳",
        people="",
        companies_visited="",
        leads_obtained=0,
    )
    assert quiet.people == "陈晓燕"  # nobody named, no words: the one who recorded it
    with pytest.raises(Invalid) as refused:
        activities.add_trip(
            db,
            token,
            started_on=day(3, 2),
            ended_on=day(3, 2),
            destination="深圳",
            people="",
            companies_visited="",
            leads_obtained=0,
        )
    assert "外出人员" in refused.value.errors["people"]


def test_the_ledger_counts_visits_and_activities_by_share_month_by_month(db: Session, town: Town) -> None:
    clerk = as_user(town.clerk)
    project = make_project(db, town.unit)
    alone = visit(db, project.id, town.clerk, day(2, 10))  # the reporter's, by default
    shared = visit(db, project.id, town.mate, day(2, 20))
    cadre_credits.set_record_people(
        db, clerk, "visit", shared.id, [(town.clerk_cadre.id, Decimal(50)), (town.mate_cadre.id, Decimal(50))]
    )
    activities.add_trip(
        db,
        clerk,
        started_on=day(3, 2),
        ended_on=day(3, 4),
        destination="上海",
        people="",
        companies_visited="",
        leads_obtained=0,
        cadres=[(town.clerk_cadre.id, Decimal(60)), (town.leader.id, Decimal(40))],
    )
    activities.add_reception(db, clerk, received_on=day(3, 9), visitors="某考察团", persons=3, note="")
    activities.add_event(
        db,
        clerk,
        held_on=day(4, 18),
        name="推介会",
        place="深圳",
        project_ids=[],
        cadres=[(town.clerk_cadre.id, Decimal(25)), (town.mate_cadre.id, Decimal(75))],
    )
    activities.set_trade(
        db,
        clerk,
        day(4, 1),
        Decimal("480.00"),
        cadres=[(town.clerk_cadre.id, Decimal(50)), (town.mate_cadre.id, Decimal(50))],
    )
    book = ledgers.ledger(db, coordinator(), town.clerk_cadre.id, YEAR)
    months = dict(book.months)
    feb, mar, apr = months[day(2, 10).month], months[day(3, 2).month], months[day(4, 18).month]
    if day(4, 18).month == 4:  # the dates fall in their months (not clamped to an early-January today)
        assert feb["visits"] == Decimal("1.50")  # one alone, half of another
        assert (mar["trips"], mar["receptions"]) == (Decimal("0.60"), Decimal("1.00"))
        assert (apr["events"], apr["trade"]) == (Decimal("0.25"), Decimal("240.00"))
    assert book.total["visits"] == Decimal("1.50") and book.total["trips"] == Decimal("0.60")
    assert book.total["trade"] == Decimal("240.00") and book.total["events"] == Decimal("0.25")
    mate = ledgers.ledger(db, coordinator(), town.mate_cadre.id, YEAR)
    assert (mate.total["visits"], mate.total["events"], mate.total["trade"]) == (
        Decimal("0.50"),
        Decimal("0.75"),
        Decimal("240.00"),
    )
    assert ledgers.ledger(db, coordinator(), town.leader.id, YEAR).total["trips"] == Decimal("0.40")
    rows = ledgers.ledger_rows(book)
    assert rows[-3][0] == "全年合计" and "外出招商（次）" in ledgers.ledger_headers()
    del alone


# --- naming the people of a record -----------------------------------------------------------------


def test_the_people_of_a_visit_and_an_activity_are_named_and_audited(db: Session, town: Town) -> None:
    clerk = as_user(town.clerk)
    project = make_project(db, town.unit)
    made = visit(db, project.id, town.mate, day(5, 3))
    assert [p.is_default for p in cadre_credits.record_people(db, clerk, "visit", made.id)] == [True]
    cadre_credits.set_record_people(db, clerk, "visit", made.id, [(town.leader.id, Decimal(100))])
    assert [p.name for p in cadre_credits.record_people(db, clerk, "visit", made.id)] == ["王副县长"]
    cadre_credits.set_record_people(db, clerk, "visit", made.id, [])  # back to the reporter
    assert [(p.name, p.is_default) for p in cadre_credits.record_people(db, clerk, "visit", made.id)] == [
        ("刘建军", True)
    ]
    trip = activities.add_trip(
        db,
        clerk,
        started_on=day(5, 6),
        ended_on=day(5, 6),
        destination="苏州",
        people="陈晓燕",
        companies_visited="",
        leads_obtained=0,
    )
    with pytest.raises(Invalid) as refused:
        cadre_credits.set_record_people(db, clerk, "trip", trip.id, [])
    assert refused.value.errors == {"people": "请至少填写一名经办人员"}
    cadre_credits.set_record_people(db, clerk, "trip", trip.id, [(town.mate_cadre.id, Decimal(100))])
    db.flush()
    entries = db.execute(select(AuditEntry.action).where(AuditEntry.entity == "cadre_credit")).scalars().all()
    assert "create" in entries and "delete" in entries
    outsider = as_user(make_user(db, make_unit(db)))
    with pytest.raises(NotFound):
        cadre_credits.record_people(db, outsider, "trip", trip.id)
    with pytest.raises(NotFound):
        cadre_credits.set_record_people(db, outsider, "visit", made.id, [(town.clerk_cadre.id, Decimal(100))])


def test_who_worked_a_confidential_project_is_hidden_with_its_identity(
    db: Session, town: Town, signed_in: Browser
) -> None:
    project = make_project(db, town.unit, is_confidential=True, code_name="青山07号", name="鲲鹏绝密项目")
    cadre_credits.set_project_people(db, as_user(town.clerk), project.id, [(town.leader.id, Decimal(100))])
    supervisor = make_user(db, make_unit(db, kind=UnitKind.department, tier=2), Role.supervisor)
    with pytest.raises(NotFound):
        cadre_credits.project_people(db, as_user(supervisor), project.id)
    page = signed_in(supervisor).get(f"/projects/{project.id}")
    assert page.status_code == 200 and "王副县长" not in page.text and "（保密）" in page.text
    assert signed_in(supervisor).get(f"/projects/{project.id}/people").status_code == 404
    own = signed_in(town.clerk).get(f"/projects/{project.id}")
    assert "王副县长" in own.text and f'href="/projects/{project.id}/people"' in own.text


# --- the pages ------------------------------------------------------------------------------------


def test_the_people_form_of_a_lead_and_a_project(db: Session, town: Town, signed_in: Browser) -> None:
    lead = make_lead(db, town.unit, brought_by_id=town.clerk.id, project_name="储能电池项目")
    project = make_project(db, town.unit, lead_id=lead.id)
    browser = signed_in(town.mate)
    lead_page = browser.get(f"/leads/{lead.id}")
    assert "陈晓燕" in lead_page.text and "（提供人）" in lead_page.text
    form = browser.get(f"/projects/{project.id}/people")
    assert form.status_code == 200 and 'name="cadre_0"' in form.text and "王副县长" in form.text
    token = csrf_from(form.text)
    refused = browser.post(
        f"/projects/{project.id}/people",
        data={
            "csrf_token": token,
            "cadre_0": str(town.mate_cadre.id),
            "share_0": "70",
            "cadre_1": str(town.leader.id),
            "share_1": "20",
        },
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and "各人份额合计须为 100%" in refused.text and 'value="20"' in refused.text
    saved = browser.post(
        f"/projects/{project.id}/people",
        data={
            "csrf_token": token,
            "cadre_0": str(town.mate_cadre.id),
            "share_0": "70",
            "cadre_1": str(town.leader.id),
            "share_1": "30",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/projects/{project.id}"
    shown = browser.get(f"/projects/{project.id}").text
    assert "刘建军 70.0%、王副县长 30.0%" in shown
    alone = browser.post(f"/leads/{lead.id}/people", data={"csrf_token": token, "cadre_0": str(town.leader.id)})
    assert alone.status_code == 303  # one person alone holds 100%
    assert "王副县长" in browser.get(f"/leads/{lead.id}").text
    outsider = signed_in(make_user(db, make_unit(db)))
    assert outsider.get(f"/leads/{lead.id}/people").status_code == 404
    sent = outsider.post(f"/leads/{lead.id}/people", data={"csrf_token": token, "cadre_0": str(town.leader.id)})
    assert sent.status_code in (403, 404)


def test_the_activities_page_names_the_people(db: Session, town: Town, signed_in: Browser) -> None:
    browser = signed_in(town.clerk)
    page = browser.get("/activities")
    assert 'id="trip-cadre-0"' in page.text and "王副县长" in page.text
    token = csrf_from(page.text)
    values = {
        "csrf_token": token,
        "started_on": day(6, 1).isoformat(),
        "ended_on": day(6, 2).isoformat(),
        "destination": "江苏省苏州市",
        "people": "",
        "companies_visited": "",
        "leads_obtained": "1",
        "cadre_0": str(town.clerk_cadre.id),
        "share_0": "五十",
    }
    refused = browser.post("/activities/trip", data=values)
    assert refused.status_code == 422 and "份额须为数字" in refused.text and "江苏省苏州市" in refused.text
    saved = browser.post(
        "/activities/trip",
        data=values | {"share_0": "50", "cadre_1": str(town.mate_cadre.id), "share_1": "50"},
    )
    assert saved.status_code == 303
    trip = db.execute(select(Trip).where(Trip.destination == "江苏省苏州市")).scalar_one()
    assert trip.people == "陈晓燕、刘建军"
    listed = browser.get("/activities").text
    assert "陈晓燕 50.0%、刘建军 50.0%" in listed and f'href="/activities/trip/{trip.id}/people"' in listed
    changed = browser.post(
        f"/activities/trip/{trip.id}/people", data={"csrf_token": token, "cadre_0": str(town.leader.id)}
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/activities"
    credits = db.execute(select(CadreCredit.cadre_id).where(CadreCredit.trip_id == trip.id)).scalars().all()
    assert credits == [town.leader.id]


# --- the API -------------------------------------------------------------------------------------


def test_the_api_names_the_people_of_activities_and_visits(db: Session, town: Town, client: TestClient) -> None:
    own = bearer(make_token(db, town.unit))
    other = bearer(make_token(db, make_unit(db)))
    reader = bearer(make_token(db, None, read_only=True))
    project = make_project(db, town.unit)
    made = visit(db, project.id, town.clerk, day(7, 1))
    db.commit()
    body = {
        "received_on": day(7, 2).isoformat(),
        "visitors": "某智能装备公司",
        "persons": 4,
        "cadres": [{"cadre_id": town.clerk_cadre.id, "share": "60"}, {"cadre_id": town.leader.id, "share": "40"}],
    }
    created = client.post("/api/v1/activities/reception", json=body, headers=own)
    assert created.status_code == 201, created.text
    record = created.json()["record"]
    assert [(p["name"], p["share"]) for p in record["cadres"]] == [("陈晓燕", "60.00"), ("王副县长", "40.00")]
    listed = client.get("/api/v1/activities", headers=own).json()["receptions"]
    assert listed[0]["cadres"][0]["cadre_id"] == town.clerk_cadre.id
    bad = client.post(
        "/api/v1/activities/reception", json=body | {"cadres": [{"cadre_id": 1, "share": "0"}]}, headers=own
    )
    assert bad.status_code == 422
    path = f"/api/v1/activities/reception/{record['id']}/people"
    assert client.get(path, headers=other).status_code == 404
    assert client.put(path, json={"people": []}, headers=reader).status_code == 403
    empty = client.put(path, json={"people": []}, headers=own)
    assert empty.status_code == 422 and "请至少填写一名经办人员" in empty.text
    put = client.put(
        path,
        json={"people": [{"cadre_id": town.mate_cadre.id, "share": "100"}]},
        headers=own | {"Idempotency-Key": "p1"},
    )
    assert put.status_code == 200 and [p["name"] for p in put.json()] == ["刘建军"]
    visit_path = f"/api/v1/progress/{made.id}/people"
    assert client.get(visit_path, headers=own).json()[0]["is_default"] is True
    shared = client.put(
        visit_path,
        json={
            "people": [
                {"cadre_id": town.clerk_cadre.id, "share": "50"},
                {"cadre_id": town.mate_cadre.id, "share": "50"},
            ]
        },
        headers=own,
    )
    assert shared.status_code == 200 and len(shared.json()) == 2
    assert client.get(visit_path, headers=other).status_code == 404
    assert client.get("/api/v1/activities/parade/1/people", headers=own).status_code == 422
