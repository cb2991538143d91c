"""The map (招商地图): the points in view and their clusters, the filters, a confidential project neither shown
nor counted to those who may not see it, a point's card, setting a place (API and page, 409, outside China,
GCJ-02 taps stored as WGS-84), a progress photo's position taken, and the coordinator's GeoJSON layers.
On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from app.models.geo import GRID_DEGREES, MapLayer
from app.models.land import Building, LandPlot
from app.models.project import Project, ProjectStatus, Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import geo, workdays
from tests.factories import bearer, make_token, make_unit, make_user
from tests.land.factories import make_building, make_park, make_plot
from tests.maps.factories import CENTRE, bbox, geojson, near, polygon, square
from tests.projects.factories import make_project
from tests.projects.helpers import fresh, post_form


@pytest.fixture
def world(db):
    town = make_unit(db, name="测试甲镇")
    other = make_unit(db, name="测试乙镇")
    park = make_park(db, name="测试园区", **near(0.02, 0.02))
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    db.commit()
    return {
        "town": town,
        "other": other,
        "park": park,
        "coordinator": make_token(db, bureau, role=TokenRole.coordinator, scopes=["read", "projects", "admin"]),
        "town_token": make_token(db, town),
        "other_token": make_token(db, other),
        "reader": make_token(db, None, read_only=True),
    }


def points(client, token, zoom=16, **params):
    query = {"bbox": bbox(), "zoom": zoom, **params}
    answer = client.get("/api/v1/map/points", params=query, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids(answer, kind="project"):
    return sorted(p["id"] for p in answer["points"] if p["kind"] == kind)


def test_the_points_in_view_are_sent_and_only_those(client, db, world):
    town = world["town"]
    inside = make_project(db, town, stage=Stage.started, name="视野内项目", **near(0.01, 0.01))
    outside = make_project(db, town, stage=Stage.signed, **near(3, 3))
    make_project(db, town, stage=Stage.signed)  # no place yet
    make_project(db, town, stage=Stage.signed, status=ProjectStatus.terminated, **near(0.02))
    plot = make_plot(db, world["park"], **near(0.03, 0.03))
    building = make_building(db, world["park"], **near(-0.03, 0.03))
    db.commit()
    answer = points(client, world["coordinator"])
    assert ids(answer) == [inside.id] and outside.id not in ids(answer)
    assert ids(answer, "plot") == [plot.id] and ids(answer, "building") == [building.id]
    assert ids(answer, "park") == [world["park"].id]
    shown = next(p for p in answer["points"] if p["id"] == inside.id and p["kind"] == "project")
    assert shown["name"] == "视野内项目" and shown["state_label"] == "开工"
    assert (shown["lat"], shown["lng"]) == (pytest.approx(CENTRE[0] + 0.01), pytest.approx(CENTRE[1] + 0.01))
    only = points(client, world["coordinator"], kind="plot,park")
    assert {p["kind"] for p in only["points"]} == {"plot", "park"}


def test_close_points_are_clustered_when_zoomed_out_and_apart_when_zoomed_in(client, db, world):
    town = world["town"]
    close = [make_project(db, town, stage=Stage.signed, **near(0.001 * i, 0.001 * i)) for i in range(3)]
    alone = make_project(db, town, stage=Stage.signed, **near(-0.3, -0.3))
    db.commit()
    wide = points(client, world["coordinator"], zoom=9, kind="project")
    assert [(c["kind"], c["count"]) for c in wide["clusters"]] == [("project", 3)]
    assert ids(wide) == [alone.id]  # a cell of one is the point itself
    cluster = wide["clusters"][0]
    # the mean of the points' fine grid cells (app.models.geo): within one such cell (about 7 m) of their mean
    assert cluster["lat"] == pytest.approx(CENTRE[0] + 0.001, abs=GRID_DEGREES)
    near_view = points(client, world["coordinator"], zoom=17, kind="project")
    assert near_view["clusters"] == [] and ids(near_view) == sorted(p.id for p in [*close, alone])


def test_a_confidential_project_is_neither_a_point_nor_counted_for_those_who_may_not_see_it(
    client, db, world, signed_in
):
    town = world["town"]
    secret = make_project(db, town, stage=Stage.signed, name="绝密电池项目", code_name="代号七", is_confidential=True,
                          **near(0.001))  # fmt: skip
    shown = make_project(db, town, stage=Stage.signed, name="公开项目", **near(0.0015))
    supervisor = make_user(db, make_unit(db, kind=UnitKind.department, tier=2), Role.supervisor)
    db.commit()
    # its own unit and the coordinator: both in one cluster when zoomed out, both points when zoomed in
    for token in (world["town_token"], world["coordinator"]):
        assert [c["count"] for c in points(client, token, zoom=9)["clusters"]] == [2]
        assert ids(points(client, token)) == sorted([secret.id, shown.id])
    # a reader of everything who does not see confidential identities: one point, no cluster of two
    for zoom in (9, 16):
        answer = points(client, world["reader"], zoom=zoom)
        assert answer["clusters"] == [] and ids(answer) == [shown.id]
        assert "绝密电池项目" not in json.dumps(answer, ensure_ascii=False) and "代号七" not in json.dumps(answer)
    refused = client.get(f"/api/v1/map/cards/project/{secret.id}", headers=bearer(world["reader"]))
    assert refused.status_code == 404 and "绝密" not in refused.text
    # another unit reads neither project (the project list's rule)
    assert ids(points(client, world["other_token"])) == []
    browser = signed_in(supervisor)
    page_points = browser.get("/map/points", params={"bbox": bbox(), "zoom": 9})
    assert page_points.status_code == 200 and "绝密电池项目" not in page_points.text
    assert page_points.json()["clusters"] == []
    assert browser.get(f"/map/card/project/{secret.id}").status_code == 404


def test_the_filters_select_projects_by_chain_unit_and_signing_and_the_inventory_by_unit(client, db, world):
    town, other = world["town"], world["other"]
    today = workdays.today()
    battery = make_project(db, town, stage=Stage.signed, industry_chain="新能源电池", signed_on=today, **near(0.01))
    food = make_project(db, other, stage=Stage.signed, industry_chain="绿色食品",
                        signed_on=today - timedelta(days=400), **near(0.02))  # fmt: skip
    plot = make_plot(db, world["park"], **near(0.03))
    other_park = make_park(db, name="测试乙园", **near(0.04))
    db.commit()
    c = world["coordinator"]
    assert ids(points(client, c, chain="电池")) == [battery.id]
    assert ids(points(client, c, unit_id=other.id)) == [food.id]
    assert ids(points(client, c, signed_from=(today - timedelta(days=30)).isoformat())) == [battery.id]
    assert ids(points(client, c, signed_to=(today - timedelta(days=30)).isoformat())) == [food.id]
    by_park = points(client, c, unit_id=world["park"].id)
    assert ids(by_park, "plot") == [plot.id] and ids(by_park, "park") == [world["park"].id]
    assert other_park.id not in ids(by_park, "park")
    assert ids(points(client, c, chain="电池"), "plot") == [plot.id]  # the chain and period select projects only


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "north,south,east,west"}, "bbox"),
        ({"bbox": "120,40,110,30"}, "bbox"),
        ({"kind": "project,road"}, "kind"),
    ],
)
def test_a_bad_view_is_refused_with_its_field(client, world, params, field):
    query = {"bbox": bbox(), "zoom": 10, **params}
    answer = client.get("/api/v1/map/points", params=query, headers=bearer(world["coordinator"]))
    assert answer.status_code == 422 and answer.json()["field"] == field


def test_a_point_s_card_names_its_stage_unit_warnings_and_link(client, db, world, signed_in):
    town = world["town"]
    project = make_project(db, town, stage=Stage.signed, name="卡片项目", start_by=workdays.today() - timedelta(days=5),
                           **near(0.01))  # fmt: skip
    plot = make_plot(db, world["park"], name="卡片地块", **near(0.02))
    user = make_user(db, town)
    db.commit()
    card = client.get(f"/api/v1/map/cards/project/{project.id}", headers=bearer(world["town_token"])).json()
    assert card["name"] == "卡片项目" and card["state_label"] == "正式签约" and card["unit_name"] == "测试甲镇"
    assert card["url"] == f"/projects/{project.id}" and "签约未开工（已过约定开工日期）" in card["warnings"]
    assert card["location_note"] == "位置在地图上点选"
    fragment = signed_in(user).get(f"/map/card/plot/{plot.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "卡片地块" in fragment.text and f'href="/plots/{plot.id}"' in fragment.text


def test_a_place_is_set_with_its_version_inside_china_and_from_gcj02(client, db, world):
    project = make_project(db, world["town"], stage=Stage.signed)
    building = make_building(db, world["park"])
    db.commit()
    h = bearer(world["town_token"])
    body = {"version": project.version, "latitude": "30.512345", "longitude": "110.498765"}
    saved = client.put(f"/api/v1/projects/{project.id}/location", json=body, headers=h)
    assert saved.status_code == 200, saved.text
    assert saved.json()["latitude"] == "30.512345" and saved.json()["version"] == project.version + 1
    stale = client.put(f"/api/v1/projects/{project.id}/location", json=body, headers=h)
    assert stale.status_code == 409
    paris = {"version": project.version + 1, "latitude": "48.856600", "longitude": "2.352200"}
    refused = client.put(f"/api/v1/projects/{project.id}/location", json=paris, headers=h)
    assert refused.status_code == 422 and refused.json()["field"] == "latitude"
    assert "中国境内" in refused.json()["message"]
    assert fresh(db, Project, project.id).latitude == Decimal("30.512345")
    # another unit may not place this unit's project; the park's staff place its building
    other = client.put(f"/api/v1/projects/{project.id}/location", json=body, headers=bearer(world["other_token"]))
    assert other.status_code == 404
    tapped = geo.wgs84_to_gcj02(30.6, 110.6)  # a tap on GCJ-02 tiles
    gcj = {"version": building.version, "latitude": f"{tapped[0]:.6f}", "longitude": f"{tapped[1]:.6f}", "crs": "gcj02"}
    park_token = make_token(db, world["park"])
    db.commit()
    placed = client.put(f"/api/v1/buildings/{building.id}/location", json=gcj, headers=bearer(park_token))
    assert placed.status_code == 200, placed.text
    stored = fresh(db, Building, building.id)
    assert geo.metres_between((float(stored.latitude), float(stored.longitude)), (30.6, 110.6)) < 0.5


def test_the_location_page_keeps_what_was_typed_and_saves_a_tap(db, world, signed_in):
    plot = make_plot(db, world["park"])
    staff = make_user(db, world["park"])
    db.commit()
    browser = signed_in(staff)
    page = browser.get(f"/plots/{plot.id}/location")
    assert page.status_code == 200 and 'data-mode="pick"' in page.text and "/static/map.js" in page.text
    wrong = post_form(
        browser, f"/plots/{plot.id}/location", {"version": plot.version, "latitude": "95", "longitude": "x"}
    )
    assert wrong.status_code == 422 and 'value="95"' in wrong.text and 'aria-invalid="true"' in wrong.text
    outside = post_form(browser, f"/plots/{plot.id}/location",
                        {"version": plot.version, "latitude": "48.8566", "longitude": "2.3522"})  # fmt: skip
    assert outside.status_code == 422 and "位置不在中国境内" in outside.text
    assert fresh(db, LandPlot, plot.id).latitude is None
    saved = post_form(browser, f"/plots/{plot.id}/location",
                      {"version": plot.version, "latitude": "30.5", "longitude": "110.5"})  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == f"/plots/{plot.id}?located=1"
    assert fresh(db, LandPlot, plot.id).latitude == Decimal("30.500000")


def test_a_progress_photo_s_position_places_a_project_once(client, db, world, signed_in):
    project = make_project(db, world["town"], stage=Stage.started)
    user = make_user(db, world["town"])
    db.commit()
    h = bearer(world["town_token"])
    day = workdays.today() - timedelta(days=2)
    first = {"reported_on": day.isoformat(), "investment_completed": "100", "latitude": "30.511111",
             "longitude": "110.522222"}  # fmt: skip
    assert client.post(f"/api/v1/projects/{project.id}/progress", json=first, headers=h).status_code == 201
    placed = fresh(db, Project, project.id)
    assert (placed.latitude, placed.longitude, placed.located_on) == (Decimal("30.511111"), Decimal("110.522222"), day)
    later = {**first, "reported_on": workdays.today().isoformat(), "investment_completed": "120", "latitude": "30.6"}
    assert client.post(f"/api/v1/projects/{project.id}/progress", json=later, headers=h).status_code == 201
    assert fresh(db, Project, project.id).latitude == Decimal("30.511111")  # the first kept position stays
    page = signed_in(user).get(f"/projects/{project.id}")
    assert f"位置来自 {day.isoformat()} 进展照片" in page.text


def test_the_coordinator_uploads_replaces_and_deletes_a_boundary_layer(client, db, world):
    c = bearer(world["coordinator"])
    towns = geojson(polygon(), {"type": "MultiPolygon", "coordinates": [[square(110.7, 30.4)]]}, names=["甲镇", "乙镇"])
    added = client.post("/api/v1/map/layers", data={"name": "乡镇界"}, files={"file": ("towns.geojson", towns)},
                        headers=c)  # fmt: skip
    assert added.status_code == 201, added.text
    layer = added.json()
    assert layer["features"] == 2 and layer["version"] == 1
    served = client.get(f"/api/v1/map/layers/{layer['id']}", headers=bearer(world["reader"])).json()
    assert [f["properties"] for f in served["features"]] == [{"name": "甲镇"}, {"name": "乙镇"}]  # only the names kept
    shifted = client.get(f"/api/v1/map/layers/{layer['id']}?crs=gcj02", headers=c).json()
    first = shifted["features"][0]["geometry"]["coordinates"][0][0]
    assert first != served["features"][0]["geometry"]["coordinates"][0][0]
    assert geo.metres_between((first[1], first[0]), geo.wgs84_to_gcj02(CENTRE[0], CENTRE[1])) < 0.05
    refused = client.post("/api/v1/map/layers", data={"name": "县界"}, files={"file": ("x.geojson", towns)},
                          headers=bearer(world["town_token"]))  # fmt: skip
    assert refused.status_code == 403
    county = geojson(polygon(110.4, 30.4))
    replaced = client.put(f"/api/v1/map/layers/{layer['id']}", data={"version": "1"},
                          files={"file": ("c.geojson", county)}, headers=c)  # fmt: skip
    assert replaced.status_code == 200 and replaced.json()["features"] == 1 and replaced.json()["version"] == 2
    stale = client.put(f"/api/v1/map/layers/{layer['id']}", data={"version": "1"},
                       files={"file": ("c.geojson", county)}, headers=c)  # fmt: skip
    assert stale.status_code == 409
    assert client.delete(f"/api/v1/map/layers/{layer['id']}?version=2", headers=c).status_code == 204
    assert db.get(MapLayer, layer["id"]) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "请选择 GeoJSON 文件"),
        (b"{not json", "JSON 解析失败"),
        ("县界".encode("gbk"), "UTF-8"),
        (json.dumps({"type": "Feature", "geometry": None}).encode(), "FeatureCollection"),
        (
            geojson({"type": "LineString", "coordinates": [[110.5, 30.5], [110.6, 30.6]]}),
            "只接受 Polygon 和 MultiPolygon",
        ),
        (geojson({"type": "Polygon", "coordinates": [square(500000, 3300000, 1000)]}), "不是投影坐标"),
        (geojson({"type": "Polygon", "coordinates": [[[110.5, 30.5], [110.6, 30.6]]]}), "至少要有 4 个点"),
        (b" " * (5 * 1024 * 1024 + 1), "超过 5 MB"),
    ],
)
def test_a_bad_geojson_is_refused_with_a_chinese_message(client, world, content, message):
    answer = client.post("/api/v1/map/layers", data={"name": "县界"}, files={"file": ("x.geojson", content)},
                         headers=bearer(world["coordinator"]))  # fmt: skip
    assert answer.status_code == 422 and answer.json()["field"] == "file"
    assert message in answer.json()["message"]


def test_the_layers_page_shows_the_error_beside_the_file_and_uploads(db, world, signed_in):
    coordinator = make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator)
    staff = make_user(db, world["town"])
    db.commit()
    browser = signed_in(coordinator)
    bad = post_form(browser, "/map/layers", {"name": "县界", "sort_order": "0"},
                    files=[("file", ("x.geojson", b"{", "application/json"))])  # fmt: skip
    assert bad.status_code == 422 and "JSON 解析失败" in bad.text and 'value="县界"' in bad.text
    good = post_form(browser, "/map/layers", {"name": "县界", "sort_order": "0"},
                     files=[("file", ("x.geojson", geojson(polygon()), "application/geo+json"))])  # fmt: skip
    assert good.status_code == 303
    page = browser.get("/map")
    assert page.status_code == 200 and "/map/layers/" in page.text and 'data-tile-url=""' in page.text
    assert signed_in(staff).get("/map/layers").status_code == 403
    assert signed_in(staff).get("/map").status_code == 200


def test_a_configured_tile_service_is_the_one_other_origin_images_may_come_from(
    client, settings, database, session_factory
):
    from fastapi.testclient import TestClient

    from app.main import create_app

    tiles = settings.model_copy(
        update={
            "map_tile_url": "http://t{s}.tianditu.internal/vec_w/{z}/{x}/{y}?tk={key}",
            "map_tile_key": "K123",
            "map_tile_subdomains": "01234567",
            "map_tile_crs": "wgs84",
        }
    )
    with TestClient(create_app(tiles, engine=database[1], session_factory=session_factory)) as configured:
        policy = configured.get("/login").headers["content-security-policy"]
    assert "img-src 'self' http://*.tianditu.internal data:" in policy
    assert "tianditu" not in client.get("/login").headers["content-security-policy"]
    assert tiles.map_crs == "wgs84"
    assert settings.model_copy(update={"map_tile_crs": "gcj02"}).map_crs == "wgs84"  # no tiles: nothing to convert for


def test_a_gcj02_map_gets_its_points_converted_and_its_view_read_back(client, db, world):
    project = make_project(db, world["town"], stage=Stage.signed, **near(0.01, 0.01))
    db.commit()
    answer = points(client, world["coordinator"], kind="project", crs="gcj02")
    (shown,) = answer["points"]
    assert shown["id"] == project.id and answer["crs"] == "gcj02"
    expected = geo.wgs84_to_gcj02(CENTRE[0] + 0.01, CENTRE[1] + 0.01)
    assert (shown["lat"], shown["lng"]) == (pytest.approx(expected[0], abs=1e-9), pytest.approx(expected[1], abs=1e-9))
    # a view drawn in GCJ-02 just around the shifted point finds it (the bounds are converted back)
    lat, lng = expected
    tight = f"{lng - 0.0005},{lat - 0.0005},{lng + 0.0005},{lat + 0.0005}"
    assert ids(points(client, world["coordinator"], bbox=tight, crs="gcj02")) == [project.id]
    assert ids(points(client, world["coordinator"], bbox=tight)) == []  # read as WGS-84, ~500 m off


def test_the_map_s_chain_filter_offers_the_chains_defined(db, world, signed_in):
    """Once the bureau has defined chains, the map filters by choosing one (the projects on it: their chain
    text holds its name); without any, the filter is typed."""
    from tests.chains.factories import make_chain

    user = make_user(db, world["town"])
    browser = signed_in(user)
    assert '<input id="f-chain"' in browser.get("/map").text
    make_chain(db, name="新能源电池")
    db.commit()
    page = browser.get("/map", params={"chain": "新能源电池"}).text
    assert re.search(r'<select id="f-chain"[^>]*>.*?<option value="新能源电池" selected', page, re.S)
