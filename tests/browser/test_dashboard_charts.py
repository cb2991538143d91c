"""The leaders' dashboard in Chromium, on a phone and on a desktop: every chart shows its title, unit and
period; no two labels of the funnel (or of a month axis) overlap and none leaves the screen; the page never
scrolls sideways; and a leader walks from the dashboard to a unit behind its targets and on to its projects."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-charts-{name}.png"), full_page=True)


def boxes(page: Any, selector: str) -> list[dict[str, Any]]:
    return page.locator(selector).evaluate_all(
        """els => els.map(e => { const r = e.getBoundingClientRect();
             return {x: r.x, y: r.y, w: r.width, h: r.height, text: e.textContent}; })"""
    )


def overlaps(a: dict[str, Any], b: dict[str, Any], slack: float = 0.5) -> bool:
    return (
        a["x"] + a["w"] - slack > b["x"]
        and b["x"] + b["w"] - slack > a["x"]
        and a["y"] + a["h"] - slack > b["y"]
        and b["y"] + b["h"] - slack > a["y"]
    )


def assert_apart(found: list[dict[str, Any]], width: int) -> None:
    assert found, "no label found"
    for i, a in enumerate(found):
        assert a["w"] > 0 and a["x"] >= 0 and a["x"] + a["w"] <= width, a  # on the screen
        for b in found[i + 1 :]:
            assert not overlaps(a, b), (a, b)


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_the_charts_say_what_they_show_and_their_labels_never_overlap(new_page, kind):
    page = new_page(kind)
    sign_in(page, "leader_wang")
    page.goto("/dashboard")
    width = page.viewport_size["width"]
    for key, unit in (("funnel", "个"), ("funds", "万元"), ("signed", "个")):
        figure = page.locator(f"#chart-{key}")
        expect(figure.locator(".chart-title")).to_be_visible()
        expect(figure.locator(".chart-unit")).to_have_text(unit)
        expect(figure.locator(".chart-period")).to_have_text(re.compile(r"\d{4}年\d{1,2}"))
        expect(figure.locator(".chart-period")).to_be_visible()
        label = figure.locator("svg").get_attribute("aria-label") or ""
        assert figure.locator(".chart-title").inner_text() in label  # the text alternative names the chart
    funnel = boxes(page, "#chart-funnel svg text")
    assert len(funnel) == 18  # nine stages, each with its name and its count
    assert_apart(funnel, width)
    for key in ("funds", "signed"):
        axis = boxes(page, f"#chart-{key} svg text.axis-label")
        assert [a["text"] for a in axis][-2:] and "11月" in [a["text"] for a in axis]
        assert len(axis) == 12
        assert_apart(axis, width)
    assert horizontal_overflow(page) <= 0
    assert not page.console_errors
    shot(page, kind)


def test_a_leader_goes_from_the_dashboard_to_a_unit_behind_and_to_its_projects(page):
    sign_in(page, "leader_wang")
    page.goto("/dashboard")
    lights = page.locator("#lights")
    expect(lights.get_by_role("heading", name="各单位目标完成情况")).to_be_visible()
    first = lights.locator(".unit-light").first
    assert first.get_attribute("data-light") in ("red", "yellow")  # the units behind come first
    shown = [li.get_attribute("data-light") for li in lights.locator(".unit-light").all()]
    order = {"red": 0, "yellow": 1, "green": 2}
    assert shown == sorted(shown, key=order.__getitem__)
    link = first.locator("a.unit-link")
    unit_id = (link.get_attribute("href") or "").rsplit("=", 1)[-1]
    box = link.bounding_box()
    assert box is not None and box["height"] >= TAP
    assert horizontal_overflow(page) <= 0
    link.tap()
    page.wait_for_url(re.compile(r"/projects\?unit_id=\d+$"))
    expect(page.get_by_role("heading", name="项目", exact=True)).to_be_visible()
    expect(page.locator("input[name=unit_id]")).to_have_value(unit_id)  # the list is filtered by that unit
    expect(page.locator("input[name=unit_name]")).not_to_have_value("")  # and names it
    expect(page.get_by_text(re.compile(r"共 \d+ 个项目"))).to_be_visible()
    assert horizontal_overflow(page) <= 0
    shot(page, "walk-projects")
