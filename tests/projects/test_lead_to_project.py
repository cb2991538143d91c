"""From a lead to a project in the interface: the lead's page offers 转为项目 to those who may convert it,
the new-project form starts from the lead, and an investor is chosen by typing part of its name (a
half-typed name is never turned into a new investor without asking). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from app.models.investor import Investor
from app.models.lead import LeadStatus
from app.models.project import Project
from app.models.user import Role
from app.services import workdays
from tests.conftest import page_csrf
from tests.factories import make_unit, make_user
from tests.projects.factories import make_investor, make_lead, make_project
from tests.projects.helpers import post_form

CONVERT = ">转为项目</a>"  # the action (a link styled as a button)


def _counts(db):
    db.expire_all()
    return (
        db.execute(select(func.count()).select_from(Investor)).scalar_one(),
        db.execute(select(func.count()).select_from(Project)).scalar_one(),
    )


def _project_form(**extra):
    return {
        "name": "锂电池隔膜生产线",
        "kind": "new",
        "stage": "negotiating",
        "stage_date": (workdays.today() - timedelta(days=2)).isoformat(),
        "planned_investment": "30000",
        "sector": "secondary",
        "category": "industrial",
        "prereview": "pending",
        **extra,
    }


def test_the_lead_page_offers_conversion_to_its_unit_and_the_coordinator_only(db, signed_in):
    unit, other = make_unit(db), make_unit(db)
    lead = make_lead(db, unit, project_name="绿色食品加工基地")
    invalid = make_lead(db, unit, status=LeadStatus.invalid, status_reason="客商无投资意向")
    converted = make_lead(db, unit)
    done = make_project(db, unit, lead_id=converted.id, investor=db.get(Investor, converted.investor_id))
    clerk = signed_in(make_user(db, unit))
    coordinator = signed_in(make_user(db, other, Role.coordinator))
    leader = signed_in(make_user(db, other, Role.leader))
    stranger = signed_in(make_user(db, other))

    page = clerk.get(f"/leads/{lead.id}")
    assert page.status_code == 200 and f'href="/projects/new?lead_id={lead.id}"' in page.text and CONVERT in page.text
    assert CONVERT in coordinator.get(f"/leads/{lead.id}").text
    shown_to_leader = leader.get(f"/leads/{lead.id}")
    assert shown_to_leader.status_code == 200 and CONVERT not in shown_to_leader.text
    assert CONVERT not in stranger.get(f"/leads/{lead.id}").text  # another unit does not even see the lead
    assert CONVERT not in clerk.get(f"/leads/{invalid.id}").text
    page = clerk.get(f"/leads/{converted.id}")
    assert CONVERT not in page.text and f'href="/projects/{done.id}"' in page.text

    # the rule the button follows is the one saving holds: an invalid lead is refused, nothing stored
    before = _counts(db)
    refused = post_form(clerk, "/projects/new", _project_form(lead_id=invalid.id))
    assert refused.status_code == 422 and "认定无效" in refused.text
    assert _counts(db) == before


def test_following_the_action_opens_the_form_prefilled_from_the_lead_and_saves_on_its_investor(db, signed_in):
    unit = make_unit(db)
    investor = make_investor(db, name="江西绿源食品有限公司")
    lead = make_lead(db, unit, investor, project_name="绿色食品加工基地", industry="绿色食品", content="建设加工厂")
    clerk = signed_in(make_user(db, unit))

    form = clerk.get(f"/projects/new?lead_id={lead.id}")
    assert form.status_code == 200
    assert 'value="绿色食品加工基地"' in form.text and 'value="绿色食品"' in form.text and "建设加工厂" in form.text
    assert "江西绿源食品有限公司" in form.text and "客商编号" not in form.text and 'name="investor_id"' not in form.text
    saved = post_form(clerk, "/projects/new", _project_form(lead_id=lead.id, name="绿色食品加工基地"))
    assert saved.status_code == 303, saved.text[:600]
    db.expire_all()
    stored = db.get(Project, int(saved.headers["location"].rsplit("/", 1)[1]))
    assert (stored.lead_id, stored.investor_id) == (lead.id, investor.id)


def test_the_form_picks_the_investor_by_typing_part_of_its_name(db, signed_in):
    unit = make_unit(db)
    wanted = make_investor(db, name="江西赣锋锂电新材料有限公司")
    make_investor(db, name="赣锋锂业国际有限公司")
    clerk = signed_in(make_user(db, unit))

    form = clerk.get("/projects/new")
    assert 'name="investor_name"' in form.text and "客商编号" not in form.text
    assert 'hx-get="/projects/new/lookup"' in form.text
    offered = clerk.get("/projects/new/lookup", params={"investor_name": "赣锋"})
    assert "江西赣锋锂电新材料有限公司" in offered.text and "赣锋锂业国际有限公司" in offered.text
    assert f'hx-get="/projects/new/investor?id={wanted.id}"' in offered.text
    picked = clerk.get("/projects/new/investor", params={"id": wanted.id})
    assert f'name="investor_id" value="{wanted.id}"' in picked.text and "更换客商" in picked.text

    before = _counts(db)
    saved = post_form(clerk, "/projects/new", _project_form(investor_id=wanted.id, investor_name=""))
    assert saved.status_code == 303, saved.text[:600]
    assert _counts(db) == (before[0], before[1] + 1)
    db.expire_all()
    assert db.get(Project, int(saved.headers["location"].rsplit("/", 1)[1])).investor_id == wanted.id


def test_a_half_typed_name_asks_which_investor_and_creates_nothing(db, signed_in):
    unit = make_unit(db)
    wanted = make_investor(db, name="江西赣锋锂电新材料有限公司")
    other = make_investor(db, name="赣锋锂业国际有限公司")
    clerk = signed_in(make_user(db, unit))
    before = _counts(db)

    for headers in ({}, {"HX-Request": "true"}):  # as a browser sends it and as htmx does
        body = {
            "csrf_token": page_csrf(clerk),
            "idempotency_key": uuid.uuid4().hex,
            **_project_form(investor_name="赣锋"),
        }
        asked = clerk.post("/projects/new", data=body, headers=headers)
        assert asked.status_code == 422
        text = html.unescape(asked.text)
        error = text.split('id="e-investor_name"', 1)[1].split("</div>", 1)[0]
        assert "赣锋" in error and "选择" in error and "新建客商" in error
        for inv in (wanted, other):  # the matches, as choices to send the form again with
            assert f'name="investor_id" value="{inv.id}"' in text and inv.name in text
        assert 'name="investor_new"' in text and "新建客商：赣锋" in text
        assert 'value="锂电池隔膜生产线"' in text  # what was typed is kept
        assert _counts(db) == before

    # choosing one of the suggestions shown creates the project on that investor
    chosen = post_form(clerk, "/projects/new", _project_form(investor_name="赣锋", investor_id=wanted.id))
    assert chosen.status_code == 303, chosen.text[:600]
    db.expire_all()
    assert db.get(Project, int(chosen.headers["location"].rsplit("/", 1)[1])).investor_id == wanted.id
    assert _counts(db) == (before[0], before[1] + 1)


def test_confirming_a_new_investor_creates_it_and_an_exact_name_is_the_record(db, signed_in):
    unit = make_unit(db)
    known = make_investor(db, name="湖南远大建工集团有限公司")
    clerk = signed_in(make_user(db, unit))
    before = _counts(db)

    unknown = post_form(clerk, "/projects/new", _project_form(investor_name="深圳市新宙邦科技股份有限公司"))
    assert unknown.status_code == 422 and "新建客商：深圳市新宙邦科技股份有限公司" in html.unescape(unknown.text)
    assert _counts(db) == before

    # confirmed, but another field is wrong: nothing is created and the confirmation is kept
    wrong = post_form(
        clerk,
        "/projects/new",
        _project_form(investor_name="深圳市新宙邦科技股份有限公司", investor_new="on", planned_investment="三千万"),
    )
    assert wrong.status_code == 422 and 'id="e-planned_investment"' in wrong.text
    assert 'name="investor_new" checked' in wrong.text
    assert _counts(db) == before

    created = post_form(
        clerk, "/projects/new", _project_form(investor_name="深圳市新宙邦科技股份有限公司", investor_new="on")
    )
    assert created.status_code == 303, created.text[:600]
    db.expire_all()
    project = db.get(Project, int(created.headers["location"].rsplit("/", 1)[1]))
    new = db.get(Investor, project.investor_id)
    assert new.name == "深圳市新宙邦科技股份有限公司" and new.created_by_unit_id == unit.id
    assert _counts(db) == (before[0] + 1, before[1] + 1)

    # the whole name of a record already in the catalogue is that record (no copy)
    exact = post_form(clerk, "/projects/new", _project_form(investor_name=" 湖南远大建工集团有限公司 "))
    assert exact.status_code == 303, exact.text[:600]
    db.expire_all()
    assert db.get(Project, int(exact.headers["location"].rsplit("/", 1)[1])).investor_id == known.id
    assert _counts(db) == (before[0] + 1, before[1] + 2)
