"""Issue 23's catalogue walk in Chromium at 375 px, against the demo county: the coordinator publishes three
策划包装 projects and a plot with their English text (each previewed before it is published); an anonymous
visitor browses them in Chinese, switches to English and reads the English formats, with no sign-in, no
request beyond the site and nothing of a project's internal name."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ARTIFACTS, LiveServer, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

TAP = 44
# (internal name, published Chinese title, English title, investment 万元, land 亩, English money)
PROJECTS = [
    ("走查内部名称甲", "走查光伏玻璃项目", "Walk solar glass plant", Decimal(12000), Decimal(80), "RMB 120 million"),
    ("走查内部名称乙", "走查电池回收项目", "Walk battery recycling", Decimal(1250), Decimal(30), "RMB 12.5 million"),
    ("走查内部名称丙", "走查文旅综合体项目", "Walk tourism complex", Decimal(35000), None, "RMB 350 million"),
]  # fmt: skip


def fits(page: Any, shot: str) -> None:
    assert horizontal_overflow(page) <= 0, page.url
    for button in page.locator("main button:visible, main .btn:visible").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= TAP, (page.url, button.inner_text(), box)
    assert not page.console_errors, page.console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"catalogue-walk-{shot}.png"), full_page=True)


def _packaged_projects(server: LiveServer) -> None:
    """Three 策划包装 projects of the bureau, as the bureau would have packaged them."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from app.models.investor import Investor
    from app.models.project import Project, Stage
    from app.models.unit import Unit
    from app.services import workdays

    engine = create_engine(server.database_url)
    try:
        with Session(engine) as db:
            bureau = db.execute(select(Unit).where(Unit.short_name == "县招商局")).scalar_one()
            investor = db.execute(select(Investor).order_by(Investor.id).limit(1)).scalar_one()
            today = workdays.today()
            for name, _zh, _en, wan, mu, _money in PROJECTS:
                db.add(Project(
                    name=name, investor_id=investor.id, stage=Stage.packaged, stage_since=today, packaged_on=today,
                    introducing_unit_id=bureau.id, responsible_unit_id=bureau.id, planned_investment=wan,
                    land_area_mu=mu, industry_chain="新能源",
                ))  # fmt: skip
            db.commit()
    finally:
        engine.dispose()


def test_the_coordinator_publishes_and_a_visitor_browses_in_both_languages(new_page, live_server, base_url):
    _packaged_projects(live_server)
    page = new_page("phone")
    sign_in(page, "zsj_admin")

    published: list[int] = []
    for name, title_zh, title_en, _wan, _mu, money in PROJECTS:
        page.goto("/publish")
        form = page.locator("form[action='/publish/projects/new']")
        form.get_by_label("由策划包装项目新建").select_option(label=name)
        form.get_by_role("button", name="新建草稿").click()
        expect(page.get_by_label("对外名称（中文）", exact=False).first).to_have_value(name)  # the prefill
        page.get_by_label("对外名称（中文）").fill(title_zh)
        page.get_by_label("对外名称（英文）").fill(title_en)
        page.get_by_label("产业链环节（英文）").fill("New energy")
        page.get_by_label("项目简介（英文）").fill(f"{title_en}: seeking an investor.")
        page.get_by_label("联系单位（英文）").fill("County Investment Promotion Bureau")
        page.get_by_role("button", name="保存草稿").click()
        expect(page).to_have_url(re.compile(r"/publish/projects/\d+\?saved=1"))
        row_id = int(re.search(r"/publish/projects/(\d+)", page.url).group(1))  # type: ignore[union-attr]
        fits(page, f"1-draft-{row_id}")
        page.get_by_role("link", name="English").click()  # the preview, before publishing
        expect(page.locator(".preview-banner")).to_be_visible()
        expect(page.locator("h1")).to_have_text(title_en)
        expect(page.locator("main")).to_contain_text(money)
        page.goto(f"/publish/projects/{row_id}")
        page.get_by_role("button", name="发布").click()
        expect(page.locator("main")).to_contain_text("状态：已发布")
        published.append(row_id)

    page.goto("/publish")
    form = page.locator("form[action='/publish/sites/new']").first
    select = form.get_by_label("由地块新建")
    select.select_option(index=1)
    form.get_by_role("button", name="新建草稿").click()
    page.get_by_label("对外名称（英文）").fill("Walk plot by the expressway")
    page.get_by_label("用途（英文）").fill("Industrial land")
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/publish/sites/\d+\?saved=1"))
    site_id = int(re.search(r"/publish/sites/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name="发布").click()
    expect(page.locator("main")).to_contain_text("状态：已发布")

    # an anonymous visitor, on a phone
    visitor = new_page("phone")
    requests: list[str] = []
    visitor.on("request", lambda r: requests.append(r.url))
    visitor.goto("/invest/zh/")
    expect(visitor.locator("html")).to_have_attribute("lang", "zh-CN")
    visitor.get_by_role("navigation").get_by_role("link", name="招商项目").click()
    for _name, title_zh, _en, _wan, _mu, _money in PROJECTS:
        expect(visitor.locator("main")).to_contain_text(title_zh)
    fits(visitor, "2-projects-zh")
    visitor.get_by_role("link", name=PROJECTS[0][1]).click()
    expect(visitor.locator("main")).to_contain_text("12,000.00 万元")
    expect(visitor.locator("main")).to_contain_text("80 亩")
    fits(visitor, "3-project-zh")
    visitor.get_by_role("link", name="English").click()
    expect(visitor).to_have_url(re.compile(rf"/invest/en/projects/{published[0]}$"))
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.locator("h1")).to_have_text(PROJECTS[0][2])
    expect(visitor.locator("main")).to_contain_text("RMB 120 million")
    expect(visitor.locator("main")).to_contain_text("80 mu (5.33 ha)")
    fits(visitor, "4-project-en")
    visitor.get_by_role("navigation").get_by_role("link", name="Projects").click()
    expect(visitor.locator("main")).to_contain_text("RMB 12.5 million")
    expect(visitor.locator("main")).to_contain_text("No land needed")
    visitor.get_by_role("navigation").get_by_role("link", name="Land and buildings").click()
    visitor.get_by_role("link", name="Walk plot by the expressway").click()
    expect(visitor).to_have_url(re.compile(rf"/invest/en/sites/{site_id}$"))
    expect(visitor.locator("main")).to_contain_text(" ha)")
    fits(visitor, "5-site-en")
    visitor.get_by_role("link", name="中文").click()
    expect(visitor).to_have_url(re.compile(rf"/invest/zh/sites/{site_id}$"))
    fits(visitor, "6-site-zh")
    for _name, _zh, _en, _wan, _mu, _money in PROJECTS:  # the internal names never reach the visitor
        assert _name not in visitor.content()
    origin = urlsplit(base_url).netloc
    outside = [u for u in requests if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != origin]
    assert outside == []
