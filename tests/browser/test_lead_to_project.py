"""From a lead to a project on a phone (375x812, touch), as a town clerk does: the lead's page has
转为项目, the form starts from the lead, and the project's first progress report carries a site photo;
a project for an investor already in the catalogue is made by typing part of its name and picking the
suggestion. The live demo county is shared by the session, so the investor's name is this test's own."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from app.services import workdays
from tests.browser_fixtures import ARTIFACTS, horizontal_overflow, sign_in
from tests.projects.factories import jpeg_with_exif

pytestmark = pytest.mark.browser


def test_a_clerk_turns_a_lead_into_a_project_and_picks_an_investor_by_typing(page, base_url):
    tag = uuid.uuid4().hex[:5].upper()
    name = f"湘南{tag}智能装备有限公司"
    sign_in(page, "chengguan")

    # a lead for a new investor, as the clerk enters it
    page.goto("/leads/new")
    page.get_by_label("客商名称").press_sequentially(name, delay=10)
    page.get_by_label(f"新建客商：{name}").check()
    page.get_by_label("招商渠道").select_option(label="敲门招商")
    page.get_by_label("意向项目").fill("智能装备产业园")
    page.get_by_label("意向投资（万元）").fill("6000")
    page.get_by_label("联系电话").fill("1370" + str(uuid.uuid4().int)[:7])
    page.get_by_role("button", name="提交线索").tap()
    expect(page).to_have_url(re.compile(r"/leads/\d+\?created=1$"))
    lead_id = re.search(r"/leads/(\d+)", page.url).group(1)

    # the lead's page: 转为项目 opens the form started from the lead
    convert = page.get_by_role("link", name="转为项目")
    expect(convert).to_be_visible()
    convert.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("线索转为项目")
    expect(page.get_by_label("项目名称")).to_have_value("智能装备产业园")
    expect(page.get_by_label("计划总投资（万元）")).to_have_value(re.compile(r"^6000"))
    expect(page.locator("#project-form")).to_contain_text(name)
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="保存").tap()
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("智能装备产业园")
    expect(page.locator(f'a[href="/leads/{lead_id}"]').first).to_be_visible()
    project_url = page.url

    # and on to the first progress report, with a site photo taken on the phone
    page.get_by_role("link", name="登记进度").tap()
    expect(page).to_have_url(project_url + "/progress")
    assert horizontal_overflow(page) == 0
    page.get_by_label("现场照片").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_exif((2000, 1500))}]
    )
    page.get_by_label("形象进度").fill("客商第二次来县踏勘选址")
    page.get_by_role("button", name="保存进度").tap()
    expect(page).to_have_url(project_url + "?saved=progress")
    latest = page.get_by_role("region", name="时间线").locator("ol > li").first  # the project's own list
    expect(latest).to_contain_text("客商第二次来县踏勘选址")
    photo = latest.get_by_role("img", name=f"现场照片 {workdays.today().isoformat()}")
    photo.scroll_into_view_if_needed()
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1600
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lead-to-project-progress.png"), full_page=True)
    assert horizontal_overflow(page) == 0

    # the lead now says where it went, and offers the action no more
    page.goto(f"/leads/{lead_id}")
    expect(page.get_by_text("已转为项目")).to_be_visible()
    expect(page.get_by_role("link", name="转为项目")).to_have_count(0)

    # a second project for the same investor: typed in part, picked from the suggestions
    page.goto("/projects/new")
    page.get_by_label("项目名称").fill("智能装备二期")
    page.get_by_label("客商").press_sequentially(f"湘南{tag}", delay=30)
    suggestion = page.locator(".suggestion", has_text=name)
    expect(suggestion).to_be_visible()
    suggestion.tap()
    expect(page.locator("#picked-investor")).to_contain_text(name)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lead-to-project-picked.png"), full_page=True)
    page.get_by_role("button", name="保存").tap()
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("智能装备二期")
    expect(page.locator("main")).to_contain_text(name)


def test_a_half_typed_investor_name_is_asked_about_on_a_phone(page, base_url):
    tag = uuid.uuid4().hex[:5].upper()
    sign_in(page, "chengguan")
    page.goto("/projects/new")
    page.get_by_label("项目名称").fill(f"湘南{tag}测试项目")
    page.get_by_label("客商").fill(f"湘南{tag}")
    page.get_by_role("button", name="保存").tap()
    error = page.locator("#e-investor_name")
    expect(error).to_contain_text("确认新建客商")
    confirm = page.get_by_label(f"新建客商：湘南{tag}")
    expect(confirm).to_be_visible()
    assert horizontal_overflow(page) == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lead-to-project-asked.png"), full_page=True)
    confirm.check()
    page.get_by_role("button", name="保存").tap()
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    expect(page.locator("main")).to_contain_text(f"湘南{tag}")
