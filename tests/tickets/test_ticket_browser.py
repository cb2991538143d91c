"""On a phone (375x812): a town's clerk reports a problem from the site with a photo; the coordinator
routes it; the handling unit finds it in its queue with the photo. Drives Debian's /usr/bin/chromium
against the live demo county (the live server of tests/browser/conftest.py); never `playwright install`.

The browser runs in a thread of its own: Playwright's sync API refuses to start a second instance
in a thread where one is already running (the session-wide browser of tests/browser/ may be), and
the fixtures of tests/browser/conftest.py are not visible from this directory.
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_fixtures import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    _unavailable,
    horizontal_overflow,
    sign_in,
)
from tests.tickets.factories import jpeg_bytes

pytestmark = pytest.mark.browser


def _in_browser(base: str, scenario: Callable[[Callable[[str], Any]], None], name: str) -> None:
    """Run `scenario(open_page)` with a Chromium of its own in a separate thread; re-raise what failed.
    Every page's final state is saved to test-artifacts/ for people to look at."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
                pages: list[tuple[Any, str]] = []

                def open_page(kind: str = "phone") -> Any:
                    phone = kind == "phone"
                    context = browser.new_context(
                        base_url=base,
                        viewport=PHONE if phone else DESKTOP,
                        device_scale_factor=2 if phone else 1,
                        is_mobile=phone,
                        has_touch=phone,
                        locale="zh-CN",
                        timezone_id="Asia/Shanghai",
                    )
                    context.set_default_timeout(10_000)
                    page = context.new_page()
                    page.console_errors = []
                    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
                    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
                    pages.append((page, kind))
                    return page

                try:
                    scenario(open_page)
                finally:
                    ARTIFACTS.mkdir(exist_ok=True)
                    for index, (page, kind) in enumerate(pages):
                        with contextlib.suppress(Exception):  # a crashed page leaves no screenshot
                            page.screenshot(path=str(Path(ARTIFACTS) / f"{name}-{kind}-{index}.png"), full_page=True)
                    browser.close()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, name="ticket-browser", daemon=True)
    thread.start()
    thread.join(timeout=300)
    if thread.is_alive():
        pytest.fail("the browser scenario did not finish within 300 s")
    if failures:
        raise failures[0]


def expect_loaded(img: Any, what: str) -> None:
    """Wait, as a person would, until the image has arrived and decoded: scroll it into view (a lazy
    image loads only near the viewport), then poll `complete && naturalWidth > 0` (a broken image is
    complete with a width of 0) until Playwright's timeout, never a fixed sleep."""
    from playwright.sync_api import expect

    img.scroll_into_view_if_needed()
    expect(img, f"{what} did not load").to_have_js_property("complete", True)
    expect(img, f"{what} did not load (broken image)").not_to_have_js_property("naturalWidth", 0)


def on_a_slow_mobile_network(page: Any) -> None:
    """Every response to this page takes 400 ms more and arrives at 400 kB/s (a phone on site), so a
    photo is still on its way when the page around it is already shown."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 400, "downloadThroughput": 400_000, "uploadThroughput": 400_000},
    )


def test_a_clerk_reports_a_problem_with_a_photo_and_the_handling_unit_finds_it(base_url: str) -> None:
    from playwright.sync_api import expect

    title = f"厂区门口电杆需迁移 {uuid.uuid4().hex[:6]}"

    def scenario(new_page: Callable[[str], Any]) -> None:
        # the town's clerk, on site with a phone
        phone = new_page("phone")
        sign_in(phone, "chengguan")
        phone.goto("/tickets/new")
        projects = phone.get_by_label("项目")
        assert projects.locator("option").count() > 1, "the demo town has no project to report for"
        projects.select_option(index=1)
        phone.get_by_label("问题类别").select_option(label="供水供电、杆线搬迁（10 个工作日）")
        phone.get_by_label("一句话说明").fill(title)
        phone.get_by_label("详细情况").fill("厂区门口一根 10kV 电杆挡住进场道路，设备车辆无法进入。")
        phone.get_by_label("现场照片").set_input_files(
            files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((1200, 900))}]
        )
        assert horizontal_overflow(phone) <= 0
        phone.get_by_role("button", name="提交问题").click()

        phone.wait_for_url(re.compile(r"/tickets/\d+\?created=1"))
        expect(phone.get_by_text("问题已提交，等待招商局交办。")).to_be_visible()
        expect(phone.get_by_role("heading", name=title)).to_be_visible()
        photo = phone.get_by_role("img", name="现场照片 1")
        expect(photo).to_be_visible()
        expect_loaded(photo, "the clerk's photo")
        box = photo.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 375
        assert horizontal_overflow(phone) <= 0
        assert phone.console_errors == []
        ticket_path = urlsplit(phone.url).path

        # the coordinator routes it to the industry and IT bureau with the category's default deadline
        desk = new_page("desktop")
        sign_in(desk, "zsj_admin")
        desk.goto(ticket_path)
        desk.get_by_role("combobox", name="牵头办理单位").press_sequentially("工业和信息化", delay=30)
        desk.get_by_role("option", name=re.compile("青山县工业和信息化局")).click()
        desk.get_by_role("button", name="交办", exact=True).click()
        expect(desk.get_by_text(re.compile(r"剩 10 个工作日"))).to_be_visible()

        # the bureau's clerk finds it among the new tickets, with the photo it could not see on the project
        handler = new_page("phone")
        sign_in(handler, "gxj_qian")
        on_a_slow_mobile_network(handler)
        handler.goto("/tickets")
        link = handler.get_by_role("link", name=title)
        expect(link).to_be_visible()
        link.click()
        shown = handler.get_by_role("img", name="现场照片 1")
        expect(shown).to_be_visible()
        expect_loaded(shown, "the photo in the handling unit's queue")
        expect(handler.get_by_role("button", name="受理")).to_be_visible()
        assert horizontal_overflow(handler) <= 0
        assert handler.console_errors == []

    _in_browser(base_url, scenario, "ticket_report_route_queue")
