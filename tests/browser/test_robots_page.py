"""A town clerk connects the town's WeCom work group on a phone: from the messages page to the robots page,
a refused address marked beside its field, the robot saved and listed without its key."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def test_a_clerk_adds_the_towns_wecom_robot_on_a_phone(page):
    sign_in(page, "chengguan")
    page.goto("/notifications")
    page.get_by_role("link", name="推送到工作群").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("群机器人（钉钉、企业微信）")
    assert horizontal_overflow(page) <= 0

    form = page.locator('form[action="/robots"]')
    form.get_by_label("类型").select_option("wecom")
    form.get_by_label("名称").fill("城关镇招商工作群")
    form.get_by_label("Webhook 地址").fill("https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
    form.get_by_text("项目", exact=True).click()  # open the group of project events
    form.get_by_label("项目到达新阶段").check()
    form.get_by_role("button", name="保存").click()

    address = page.locator('form[action="/robots"]').get_by_label("Webhook 地址")
    expect(page.locator("#e-webhook_url")).to_contain_text("企业微信群机器人的地址应含 key")
    expect(address).to_have_value("https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
    expect(page.locator('form[action="/robots"]').get_by_label("项目到达新阶段")).to_be_checked()
    assert horizontal_overflow(page) <= 0

    address.fill("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")
    page.locator('form[action="/robots"]').get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/robots$"))
    row = page.locator("tr", has_text="城关镇招商工作群")
    expect(row).to_contain_text("企业微信群机器人")
    expect(row).to_contain_text("项目到达新阶段")
    expect(row).to_contain_text("…5aaa")
    expect(page.locator("body")).not_to_contain_text("693a91f6")  # the key is never shown again
    assert horizontal_overflow(page) <= 0
