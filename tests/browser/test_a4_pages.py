"""The A4 documents (the award notice, a bulletin) read on a phone: they fit the 375 px screen without
sideways scrolling, have a 打印 button, and still print on A4 paper without the button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

A4_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*0 0 59[45]\.\d+ 84[12]\.\d+\s*\]")  # 210 x 297 mm in points


@pytest.mark.parametrize("path", ["/awards/notice", "/bulletins/monthly/2026/11"])
def test_an_a4_document_fits_the_phone_and_prints_on_a4(page, path):
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; }")
    sign_in(page, "zsj_admin")
    page.goto(path)

    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # not laid out wider and shrunk
    assert horizontal_overflow(page) <= 0
    table = page.locator("article.a4 table").first
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box

    button = page.get_by_role("button", name="打印")
    expect(button).to_be_visible()
    button.tap()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")
    expect(button).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True)  # the document's own @page size: A4 portrait
    assert A4_MEDIABOX.search(pdf), pdf[:2000]
    assert not page.console_errors, page.console_errors
