"""The map (招商地图) in Chromium at 375 px and 1280 px with the demo county and no tile service: the
boundaries and the demo projects are drawn, a tap on a point opens its card, and no request leaves the
site. Setting a project's place by a tap on its location page. Screenshots in test-artifacts/map-*.png."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-{name}.png"), full_page=True)
    assert horizontal_overflow(page) <= 0, name


def _loaded(page: Any, before: str | None) -> str:
    """Wait for the map's next answer of points; returns its mark."""
    page.wait_for_function(
        "before => { const m = document.getElementById('map').getAttribute('data-loaded'); return m && m !== before; }",
        arg=before,
    )
    return str(page.locator("#map").get_attribute("data-loaded"))


TOPMOST = """kind => {
  for (const el of document.querySelectorAll('#map .' + kind)) {
    const r = el.getBoundingClientRect();
    if (document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el) {
      el.setAttribute('data-test-top', '1');
      return true;
    }
  }
  return false;
}"""


def _topmost(page: Any, kind: str) -> Any:
    """A marker of this class that nothing covers (points may overlap where they are close)."""
    page.locator("[data-test-top]").evaluate_all("els => els.forEach(e => e.removeAttribute('data-test-top'))")
    assert page.evaluate(TOPMOST, kind)
    return page.locator(f"#map .{kind}[data-test-top]")


def _tap(page: Any, locator: Any, phone: bool) -> None:
    if phone:
        locator.tap()
    else:
        locator.click()


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_the_map_shows_the_demo_county_and_opens_a_card_with_no_outside_request(new_page, base_url, kind):
    page = new_page(kind)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, "zsj_admin")
    page.goto("/map")
    mark = _loaded(page, None)
    expect(page.locator("#map path")).not_to_have_count(0)  # the county's boundary and towns, drawn as outlines
    markers = page.locator("#map .map-pt, #map .map-cluster")
    expect(markers.first).to_be_visible()
    assert page.locator("#map .leaflet-tile").count() == 0  # no tile service configured: no tiles at all
    for _ in range(6):  # zoom into clusters until a single project is shown
        if page.locator("#map .map-pt.kind-project").count():
            break
        _tap(page, _topmost(page, "map-cluster.kind-project"), kind == "phone")
        mark = _loaded(page, mark)
    point = _topmost(page, "map-pt.kind-project")
    name = point.get_attribute("aria-label")
    box = point.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    _tap(page, point, kind == "phone")
    card = page.locator("#map-card .map-card")
    expect(card.get_by_role("heading", level=2)).to_have_text(name)
    expect(card.get_by_role("link", name="查看项目")).to_have_attribute("href", re.compile(r"^/projects/\d+$"))
    shot(page, f"county-{kind}")
    origin = urlsplit(base_url).netloc
    outside = [u for u in requests if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != origin]
    assert outside == []
    assert not page.console_errors, page.console_errors


def test_a_project_is_placed_by_a_tap_on_its_location_page(page):
    sign_in(page, "zsj_admin")
    page.goto("/projects")
    link = page.locator("table.stack tbody a[href^='/projects/']").first
    project_id = int(re.search(r"/projects/(\d+)", link.get_attribute("href")).group(1))
    page.goto(f"/projects/{project_id}")
    page.locator("#project-location").get_by_role("link").tap()
    expect(page).to_have_url(re.compile(rf"/projects/{project_id}/location$"))
    expect(page.locator("#map path")).not_to_have_count(0)  # the boundaries drawn (some maybe out of view)
    before = page.get_by_label("纬度").input_value()
    page.locator("#map").tap(position={"x": 120, "y": 90})
    expect(page.locator("#map")).to_have_attribute("data-picked", re.compile(r"^\d+\.\d{6},\d+\.\d{6}$"))
    picked = page.get_by_label("纬度").input_value()
    assert picked != before and re.fullmatch(r"\d+\.\d{6}", picked)
    shot(page, "location")
    page.get_by_role("button", name="保存位置").tap()
    expect(page).to_have_url(re.compile(rf"/projects/{project_id}\?located=1$"))
    expect(page.locator("#project-location")).to_contain_text("在地图上点选")
    page.goto(f"/projects/{project_id}/location")
    assert page.get_by_label("纬度").input_value() == picked
    assert not page.console_errors, page.console_errors
