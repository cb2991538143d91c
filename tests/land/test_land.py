"""Land and buildings for investors (载体资源): a plot's status line, matching a project's need, taking and
releasing (audited with the reason), the reports, the masking of a confidential project that took a plot,
and the version check. On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.land import LandPlot, PlotStatus
from app.models.project import Category, Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.land.factories import make_building, make_park, make_plot, make_quota
from tests.projects.factories import make_project
from tests.projects.helpers import fresh, post_form


@pytest.fixture
def world(db):
    park = make_park(db, name="测试经开区")
    other_park = make_park(db, name="测试高新园")
    town = make_unit(db, name="测试城关镇")
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    project = make_project(db, town, stage=Stage.signed, land_area_mu=Decimal(40), zone_unit_id=park.id,
                           category=Category.industrial)  # fmt: skip
    db.commit()
    return {
        "park": park,
        "other_park": other_park,
        "town": town,
        "project": project,
        "coordinator": make_token(db, bureau, role=TokenRole.coordinator),
        "park_token": make_token(db, park),
        "town_token": make_token(db, town),
        "reader": make_token(db, None, read_only=True),
    }


def test_a_plot_is_registered_and_moves_only_along_its_status_line(client, db, world):
    h = bearer(world["park_token"])
    body = {"code": "JK-T-1", "name": "纬三路地块", "park_unit_id": world["park"].id, "area_mu": "60.5",
            "land_use": "industrial", "status": "planned", "price_unit": "wan_per_mu"}  # fmt: skip
    created = client.post("/api/v1/plots", json=body, headers=h)
    assert created.status_code == 201, created.text
    plot = created.json()
    assert plot["status_label"] == "规划" and plot["unit_id"] == world["park"].id
    # not straight to in use: a plot is taken by a project first
    refused = client.post(f"/api/v1/plots/{plot['id']}/status", json={"version": 1, "status": "in_use"}, headers=h)
    assert refused.status_code == 422 and refused.json()["field"] == "status"
    moved = client.post(f"/api/v1/plots/{plot['id']}/status", json={"version": 1, "status": "approved"}, headers=h)
    assert moved.status_code == 200 and moved.json()["status"] == "approved"
    stale = client.post(f"/api/v1/plots/{plot['id']}/status", json={"version": 1, "status": "available"}, headers=h)
    assert stale.status_code == 409
    # another unit's staff cannot change the park's plot; a new plot cannot be supplied at once
    other = client.post(f"/api/v1/plots/{plot['id']}/status", json={"version": 2, "status": "available"},
                        headers=bearer(world["town_token"]))  # fmt: skip
    assert other.status_code == 403
    taken = client.post("/api/v1/plots", json=body | {"code": "JK-T-2", "status": "in_use"}, headers=h)
    assert taken.status_code == 422 and taken.json()["field"] == "status"
    duplicate = client.post("/api/v1/plots", json=body, headers=h)
    assert duplicate.status_code == 422 and duplicate.json()["field"] == "code"
    not_a_park = client.post(
        "/api/v1/plots", json=body | {"code": "JK-T-3", "park_unit_id": world["town"].id}, headers=h
    )
    assert not_a_park.status_code == 422 and not_a_park.json()["field"] == "park_unit_id"


def test_matching_ranks_available_plots_by_park_use_and_area(client, db, world):
    park, other = world["park"], world["other_park"]
    best = make_plot(db, park, area_mu=Decimal(45))  # same park, enough, closest
    bigger = make_plot(db, park, area_mu=Decimal(90))
    small = make_plot(db, park, area_mu=Decimal(20))  # same park, too small
    elsewhere = make_plot(db, other, area_mu=Decimal(41))
    make_plot(db, park, area_mu=Decimal(40), status=PlotStatus.idle)  # not available: never offered
    warehouse = make_plot(db, park, area_mu=Decimal(41), land_use="warehouse")
    db.commit()
    found = client.get(f"/api/v1/projects/{world['project'].id}/land-match", headers=bearer(world["town_token"]))
    assert found.status_code == 200, found.text
    order = [m["plot"]["id"] for m in found.json()]
    assert order == [best.id, bigger.id, elsewhere.id, warehouse.id, small.id]  # ties: the closer area, then the older
    scores = [m["score"] for m in found.json()]
    assert scores == [3, 3, 2, 2, 2]
    assert found.json()[0]["reasons"] == ["同一园区", "用途相符", "面积满足（多 5.00 亩）"]
    # a need sent overrides the project's own
    wider = client.get(f"/api/v1/projects/{world['project'].id}/land-match?area_mu=80&park_unit_id={other.id}",
                       headers=bearer(world["town_token"]))  # fmt: skip
    assert [m["plot"]["id"] for m in wider.json()][:2] == [bigger.id, elsewhere.id]  # 2 points each, 10 亩 off vs 39


def test_a_project_takes_a_plot_and_it_is_released_back_to_available_with_the_reason_audited(client, db, world):
    plot = make_plot(db, world["park"])
    db.commit()
    h = bearer(world["coordinator"])
    taken = client.post(
        f"/api/v1/plots/{plot.id}/take", json={"version": 1, "project_id": world["project"].id}, headers=h
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "supplied_unused" and taken.json()["project_id"] == world["project"].id
    again = client.post(
        f"/api/v1/plots/{plot.id}/take", json={"version": 2, "project_id": world["project"].id}, headers=h
    )
    assert again.status_code == 422
    idle = client.post(
        f"/api/v1/plots/{plot.id}/status", json={"version": 2, "status": "idle", "reason": "一年未开工"}, headers=h
    )
    assert idle.status_code == 200
    no_reason = client.post(f"/api/v1/plots/{plot.id}/release", json={"version": 3, "reason": ""}, headers=h)
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    released = client.post(
        f"/api/v1/plots/{plot.id}/release", json={"version": 3, "reason": "项目违约，依合同收回"}, headers=h
    )
    assert released.status_code == 200
    row = fresh(db, LandPlot, plot.id)
    assert row.status is PlotStatus.available and row.project_id is None and row.taken_on is None
    reasons = (
        db.execute(
            select(AuditEntry.reason).where(AuditEntry.entity == "land_plot", AuditEntry.entity_id == str(plot.id))
        )
        .scalars()
        .all()
    )
    assert "项目违约，依合同收回" in reasons and "一年未开工" in reasons
    # a released plot can be taken again
    retaken = client.post(
        f"/api/v1/plots/{plot.id}/take", json={"version": 4, "project_id": world["project"].id}, headers=h
    )
    assert retaken.status_code == 200


def test_a_confidential_project_that_took_a_plot_is_masked_and_another_units_unnamed(client, db, world):
    secret = make_project(db, world["town"], stage=Stage.signed, name="绝密电池项目", code_name="代号七",
                          is_confidential=True)  # fmt: skip
    plot = make_plot(db, world["park"], project_id=secret.id, status=PlotStatus.supplied_unused)
    supervisor = make_user(db, make_unit(db, kind=UnitKind.department, tier=2), Role.supervisor)
    db.commit()
    for token, expected in ((world["town_token"], "绝密电池项目"), (world["reader"], "【保密】代号七"),
                            (world["park_token"], "其他单位的项目")):  # fmt: skip
        answer = client.get(f"/api/v1/plots/{plot.id}", headers=bearer(token)).json()
        assert answer["project_name"] == expected, (token, answer)
        listed = client.get("/api/v1/plots?status=supplied_unused", headers=bearer(token)).text
        assert ("绝密电池项目" in listed) == (expected == "绝密电池项目")
    assert client.get(f"/api/v1/plots/{plot.id}", headers=bearer(world["park_token"])).json()["project_id"] is None
    from tests.conftest import login
    from tests.factories import PASSWORD

    assert login(client, supervisor.username, PASSWORD).status_code == 303
    for path in (f"/plots/{plot.id}", "/plots", "/land/report"):
        page = client.get(path)
        assert page.status_code == 200 and "绝密电池项目" not in page.text


def test_the_report_counts_unsupplied_idle_and_available_land_by_park_and_unit(client, db, world):
    park, other = world["park"], world["other_park"]
    make_plot(db, park, area_mu=Decimal("10.5"), status=PlotStatus.approved)
    make_plot(db, park, area_mu=Decimal(20), status=PlotStatus.idle)
    make_plot(db, park, area_mu=Decimal(30), status=PlotStatus.idle, unit_id=world["town"].id)
    make_plot(db, other, area_mu=Decimal(5), status=PlotStatus.available)
    make_plot(db, other, area_mu=Decimal(99), status=PlotStatus.in_use)  # not in the report
    db.commit()
    from app.services import land

    rows, _count, totals = land.land_report(db, "park")
    mine = {r.unit_id: r.figures for r in rows}
    assert mine[park.id]["approved"] == (1, Decimal("10.50")) and mine[park.id]["idle"] == (2, Decimal(50))
    assert mine[other.id]["available"] == (1, Decimal(5)) and other.id in mine
    by_unit = {r.unit_id: r.figures for r in land.land_report(db, "unit")[0]}
    assert by_unit[world["town"].id]["idle"] == (1, Decimal(30))
    assert totals["idle"][0] >= 2


def test_buildings_and_quotas(client, db, world):
    building = make_building(db, world["park"])
    quota = make_quota(db, world["park"])
    db.commit()
    h = bearer(world["coordinator"])
    taken = client.post(
        f"/api/v1/buildings/{building.id}/take", json={"version": 1, "project_id": world["project"].id}, headers=h
    )
    assert taken.status_code == 200 and taken.json()["status"] == "in_use"
    assert (
        client.post(
            f"/api/v1/buildings/{building.id}/release", json={"version": 2, "reason": "企业搬迁"}, headers=h
        ).json()["status"]
        == "available"
    )
    changed = client.put(f"/api/v1/land-quotas/{quota.id}", headers=h, json={
        "version": 1, "year": workdays.today().year, "unit_id": world["park"].id, "area_mu": "120",
        "source": "省级指标", "won_on": workdays.today().isoformat(), "evidence": "测试批复〔2026〕2号"})  # fmt: skip
    assert changed.status_code == 200 and Decimal(changed.json()["area_mu"]) == 120
    stale = client.put(f"/api/v1/land-quotas/{quota.id}", headers=h, json={
        "version": 1, "year": workdays.today().year, "unit_id": world["park"].id, "area_mu": "130",
        "source": "省级指标", "won_on": workdays.today().isoformat(), "evidence": "测试批复〔2026〕2号"})  # fmt: skip
    assert stale.status_code == 409
    listed = client.get(f"/api/v1/land-quotas?year={workdays.today().year}", headers=bearer(world["reader"]))
    assert listed.status_code == 200 and listed.json()["total"] >= 1


def test_the_inventory_page_adds_a_plot_and_takes_it_for_a_project(db, world, signed_in):
    coordinator = signed_in(make_user(db, role=Role.coordinator))
    form = {"code": "PG-1", "name": "页面地块", "park_unit_id": world["park"].id, "unit_id": "", "area_mu": "33",
            "land_use": "industrial", "status": "available", "price": "", "price_unit": "wan_per_mu"}  # fmt: skip
    created = post_form(coordinator, "/plots", form)
    assert created.status_code == 303, created.text[:500]
    plot_id = int(created.headers["location"].split("/")[2].split("?")[0])
    match = coordinator.get(f"/projects/{world['project'].id}/land-match")
    assert f'action="/plots/{plot_id}/take"' in match.text
    took = post_form(coordinator, f"/plots/{plot_id}/take", {"version": 1, "project_id": world["project"].id,
                     "back": f"/projects/{world['project'].id}/land-match"})  # fmt: skip
    assert took.status_code == 303 and took.headers["location"].startswith(f"/projects/{world['project'].id}/")
    page = coordinator.get(f"/plots/{plot_id}")
    assert "供而未用" in page.text and f'href="/projects/{world["project"].id}"' in page.text
    released = post_form(coordinator, f"/plots/{plot_id}/release", {"version": 2, "reason": "项目终止"})
    assert released.status_code == 303
    assert fresh(db, LandPlot, plot_id).status is PlotStatus.available
