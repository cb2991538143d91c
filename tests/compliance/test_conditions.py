"""Conditions on commitments (以承诺为条件): the bureau ties an award, and the plot's manager its land price, to a
commitment of the project's agreement; the award's and the plot's pages and API show that commitment as it
stands today; another project's commitment is refused beside the field (page, with and without htmx, and API)
and changes nothing; a stale version is 409; a unit is refused; the change is audited; the plot's condition
goes when the plot goes back to the inventory; a compliance case on that commitment offers the tied award and
plot first. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.award import Award
from app.models.land import LandPlot
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import workdays
from tests.compliance.factories import make_breach
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.helpers import fresh, post_form

TIED = "（以本案所涉承诺为条件）"


@pytest.fixture
def world(db):
    town = make_unit(db, name="测试城关镇")
    bureau = make_unit(db, kind=UnitKind.department, tier=1, name="测试招商局")
    breach = make_breach(db, town)
    elsewhere = make_breach(db, town)  # another project, with commitments of its own
    coordinator = make_user(db, bureau, Role.coordinator)
    db.commit()
    return {
        "breach": breach,
        "elsewhere": elsewhere,
        "coordinator_user": coordinator,
        "clerk_user": make_user(db, town),
        "coordinator": bearer(make_token(db, bureau, role=TokenRole.coordinator)),
        "town_token": bearer(make_token(db, town)),
    }


def test_the_api_ties_an_award_to_a_commitment_and_shows_how_it_stands(client, db, world):
    b = world["breach"]
    put = client.put(
        f"/api/v1/awards/{b.award.id}/condition",
        json={"commitment_id": b.missed.id, "version": b.award.version},
        headers=world["coordinator"],
    )
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["commitment_id"] == b.missed.id
    assert body["condition"]["status"] == "missed"
    assert body["condition"]["promise"] == "年税收不低于 500.00 万元"
    assert fresh(db, Award, b.award.id).commitment_id == b.missed.id
    changes = db.execute(
        select(AuditEntry.changes).where(AuditEntry.entity == "award", AuditEntry.entity_id == str(b.award.id))
    ).scalars()
    assert any("commitment_id" in c for c in changes)
    # untied again
    again = client.put(
        f"/api/v1/awards/{b.award.id}/condition",
        json={"commitment_id": None, "version": body["version"]},
        headers=world["coordinator"],
    )
    assert again.status_code == 200 and again.json()["condition"] is None


def test_the_api_refuses_another_projects_commitment_a_stale_version_and_a_unit(client, db, world):
    b, other = world["breach"], world["elsewhere"]
    url = f"/api/v1/awards/{b.award.id}/condition"
    wrong = client.put(url, json={"commitment_id": other.missed.id, "version": b.award.version},
                       headers=world["coordinator"])  # fmt: skip
    assert wrong.status_code == 422
    assert [d["field"] for d in wrong.json()["details"]] == ["commitment_id"]
    stale = client.put(url, json={"commitment_id": b.missed.id, "version": b.award.version + 5},
                       headers=world["coordinator"])  # fmt: skip
    assert stale.status_code == 409
    town = client.put(url, json={"commitment_id": b.missed.id, "version": b.award.version},
                      headers=world["town_token"])  # fmt: skip
    assert town.status_code == 403
    assert fresh(db, Award, b.award.id).commitment_id is None


def test_the_award_page_ties_it_and_an_invalid_choice_is_told_beside_the_field(signed_in, db, world):
    b, other = world["breach"], world["elsewhere"]
    browser = signed_in(world["coordinator_user"])
    page = browser.get(f"/awards/{b.award.id}")
    assert page.status_code == 200
    assert "未关联承诺事项" in page.text and f'<option value="{b.missed.id}">' in page.text
    for htmx in (False, True):
        if htmx:
            browser.headers["HX-Request"] = "true"
        bad = post_form(browser, f"/awards/{b.award.id}/condition",
                        {"commitment_id": other.missed.id, "version": b.award.version})  # fmt: skip
        assert bad.status_code == 422
        assert "请选择该项目投资协议中的承诺事项" in bad.text
        assert f'<option value="{other.missed.id}" selected' not in bad.text  # not one of this project's
        assert 'id="e-commitment_id"' in bad.text
    browser.headers.pop("HX-Request")
    assert fresh(db, Award, b.award.id).commitment_id is None
    done = post_form(browser, f"/awards/{b.award.id}/condition", {"commitment_id": b.missed.id, "version": 1})
    assert done.status_code == 303
    shown = browser.get(f"/awards/{b.award.id}").text
    assert "年税收不低于 500.00 万元" in shown and "未达标" in shown
    # the clerk of the project's town reads the condition, without the form
    clerk = signed_in(world["clerk_user"]).get(f"/awards/{b.award.id}")
    assert "年税收不低于 500.00 万元" in clerk.text
    assert f'action="/awards/{b.award.id}/condition"' not in clerk.text


def test_a_plots_price_condition_goes_with_the_plot_back_to_the_inventory(client, db, world):
    b = world["breach"]
    url = f"/api/v1/plots/{b.plot.id}/condition"
    town = client.put(url, json={"commitment_id": b.met.id, "version": b.plot.version}, headers=world["town_token"])
    assert town.status_code == 403
    put = client.put(url, json={"commitment_id": b.met.id, "version": b.plot.version}, headers=world["coordinator"])
    assert put.status_code == 200, put.text
    assert put.json()["condition"]["status"] == "met" and put.json()["commitment_id"] == b.met.id
    released = client.post(
        f"/api/v1/plots/{b.plot.id}/release",
        json={"version": put.json()["version"], "reason": "项目违约，依协议收回"},
        headers=world["coordinator"],
    )
    assert released.status_code == 200, released.text
    assert released.json()["commitment_id"] is None
    assert fresh(db, LandPlot, b.plot.id).commitment_id is None
    # a plot no project holds has no commitment to tie
    again = client.put(url, json={"commitment_id": b.met.id, "version": released.json()["version"]},
                       headers=world["coordinator"])  # fmt: skip
    assert again.status_code == 422 and again.json()["details"][0]["field"] == "commitment_id"


def test_the_plot_page_form_and_the_case_offers_what_is_tied_first(signed_in, client, db, world):
    b = world["breach"]
    browser = signed_in(world["coordinator_user"])
    bad = post_form(browser, f"/plots/{b.plot.id}/condition", {"commitment_id": "abc", "version": b.plot.version})
    assert bad.status_code == 422 and 'id="e-commitment_id"' in bad.text
    done = post_form(browser, f"/plots/{b.plot.id}/condition", {"commitment_id": b.missed.id, "version": 1})
    assert done.status_code == 303, done.text[:500]
    assert "地价优惠所附条件" in browser.get(f"/plots/{b.plot.id}").text
    client.put(f"/api/v1/awards/{b.award.id}/condition", json={"commitment_id": b.missed.id, "version": 1},
               headers=world["coordinator"])  # fmt: skip
    opened = client.post(
        "/api/v1/compliance-cases",
        json={
            "project_id": b.project.id,
            "commitment_ids": [b.missed.id],
            "assessed_on": workdays.today().isoformat(),
            "assessors": "县税务局",
            "findings": "税收未达到约定",
        },
        headers=world["coordinator"],
    )
    assert opened.status_code == 201, opened.text
    case = browser.get(f"/compliance-cases/{opened.json()['id']}").text
    assert f'<option value="{b.award.id}">#{b.award.id}' in case and TIED in case
    assert re.search(rf'<option value="{b.plot.id}">[^<]*{re.escape(TIED)}', case)


def test_a_park_that_may_not_read_the_taker_cannot_tie_its_commitments(client, db, world):
    """The park manages the plot, but the project that took it is a town's: its commitments are not the
    park's to see, so the park cannot tie the plot's price to one (nor learn which ids are the project's)."""
    b = world["breach"]
    park = db.get(Unit, b.plot.park_unit_id)
    token = bearer(make_token(db, park))
    db.commit()
    shown = client.get(f"/api/v1/plots/{b.plot.id}", headers=token).json()
    assert shown["project_id"] is None and shown["condition"] is None
    refused = client.put(f"/api/v1/plots/{b.plot.id}/condition",
                         json={"commitment_id": b.missed.id, "version": b.plot.version}, headers=token)  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["details"][0]["message"] == "无权查看取得该地块的项目，不能关联其承诺事项"
    assert fresh(db, LandPlot, b.plot.id).commitment_id is None
