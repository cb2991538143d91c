"""The coordinator on a phone publishes last month's bulletin and downloads its workbook: the picker
opens the last ended month by default, publishing asks once, and the XLSX read back with openpyxl has
a bold header row on each table, numbers stored as numbers with number formats, and the footer."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.services import bulletins, workdays
from tests.browser_fixtures import ARTIFACTS, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"bulletin-period-{name}.png"), full_page=True)


def test_on_a_phone_the_coordinator_publishes_last_month_and_downloads_its_workbook(page):
    year, month = bulletins.last_ended("monthly", workdays.today())
    sign_in(page, "zsj_admin")
    page.goto("/bulletins")
    expect(page.get_by_label("通报类型")).to_have_value("monthly")
    expect(page.get_by_label("年份")).to_have_value(str(year))
    expect(page.get_by_label("期数")).to_have_value(str(month))  # the last ended month, not the current one
    assert horizontal_overflow(page) <= 0
    shot(page, "picker-phone")

    page.get_by_role("button", name="打开").tap()
    expect(page).to_have_url(re.compile(rf"/bulletins/monthly/{year}/{month}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{year}年{month}月招商引资工作调度情况")
    expect(page.get_by_text("草稿（未发布）", exact=False)).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())  # 发布后数字冻结，确定发布？
    page.get_by_role("button", name="发布", exact=True).tap()
    expect(page.get_by_text(re.compile(r"已于 .* 发布 · 摘要 [0-9a-f]{16}"))).to_be_visible()
    expect(page.get_by_role("button", name="发布", exact=True)).to_have_count(0)
    digest = re.search(r"摘要 ([0-9a-f]{16})", page.locator("article").inner_text())
    assert digest
    shot(page, "published-phone")

    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").tap()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as body:  # a download's temporary file has no extension
        book = load_workbook(io.BytesIO(body.read()))
    for sheet in book.worksheets:
        header = [c for c in sheet[1] if c.value is not None]
        assert header and all(c.font.b for c in header), sheet.title
        assert sheet.freeze_panes == "A2"
        texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert any(t.startswith("摘要（SHA-256）：" + digest.group(1)) for t in texts), sheet.title
    overall = book["总体情况"]
    assert [c.value for c in overall[1]] == ["指标（单位）", "本期", "本年累计", "去年同期", "同比增长"]
    numbers = [c for row in overall.iter_rows(min_row=2, max_col=4) for c in row[1:] if c.value is not None]
    assert numbers and all(isinstance(c.value, int | float) for c in numbers)
    assert {c.number_format for c in numbers} == {"#,##0.00", "0"}
    funds = next(r for r in overall.iter_rows(min_row=2) if r[0].value == "内资到位资金（已确认）（万元）")
    assert funds[1].number_format == "#,##0.00" and funds[2].value > 0  # the demo county's money this year
    assert not page.console_errors, page.console_errors
