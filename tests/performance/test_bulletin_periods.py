"""Bulletins for any period: the coordinator opens and publishes any past month, quarter, half-year
and year; an unended period is published only on an explicit confirmation naming the days left;
an impossible period is refused beside its field (page) or on its field (API); the workbook is one
people can work with. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.errors import Invalid
from app.models.performance import Bulletin
from app.models.unit import UnitKind
from app.models.user import Role
from app.services import bulletin_export, bulletins, workdays
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.performance.test_performance import coordinator, funds, project

TODAY = workdays.today()


def sign_in(client, db, role: Role = Role.coordinator):
    unit = make_unit(db, kind=UnitKind.department, tier=1) if role is not Role.leader else None
    user = make_user(db, unit, role=role)
    db.commit()
    login(client, user.username, PASSWORD)
    return user


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'id="e-{field}"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def test_last_ended_periods_as_of_7_december():
    day = date(2026, 12, 7)
    assert bulletins.last_ended("monthly", day) == (2026, 11)  # November opens on 7 December
    assert bulletins.last_ended("quarterly", day) == (2026, 3)
    assert bulletins.last_ended("halfyearly", day) == (2026, 1)
    assert bulletins.last_ended("yearly", day) == (2025, 1)
    assert bulletins.last_ended("monthly", date(2027, 1, 3)) == (2026, 12)
    assert bulletins.period_of("halfyearly", 2026, 2) == (date(2026, 7, 1), date(2026, 12, 31))
    assert bulletins.period_of("yearly", 2025, 1) == (date(2025, 1, 1), date(2025, 12, 31))
    assert bulletins.days_left(date(2026, 12, 31), day) == 25  # 7 December itself counts
    assert bulletins.days_left(date(2026, 11, 30), day) == 0


def test_coordinator_opens_and_publishes_last_month_quarter_half_year_and_year(client, db):
    sign_in(client, db)
    index = client.get("/bulletins")
    assert index.status_code == 200
    year, month = bulletins.last_ended("monthly", TODAY)
    assert f'value="{year}"' in index.text and f'value="{month}"' in index.text  # the picker's default
    for kind in bulletins.KINDS:
        y, n = bulletins.last_ended(kind, TODAY)
        opened = client.get(f"/bulletins?kind={kind}&year={y}&number={n}")  # the picker
        assert opened.status_code == 303 and opened.headers["location"] == f"/bulletins/{kind}/{y}/{n}"
        page = client.get(f"/bulletins/{kind}/{y}/{n}")
        assert page.status_code == 200, page.text[:300]
        assert bulletins.period_label(kind, y, n) in page.text and "confirm_early" not in page.text
        done = client.post(f"/bulletins/{kind}/{y}/{n}/publish", data={"csrf_token": page_csrf(client)})
        assert done.status_code == 303, done.text[:300]
        assert "已于" in client.get(f"/bulletins/{kind}/{y}/{n}").text
    db.expire_all()
    kinds = sorted(b.kind for b in db.execute(select(Bulletin)).scalars())
    assert kinds == sorted(bulletins.KINDS)
    listed = client.get("/bulletins").text
    for kind in bulletins.KINDS:
        y, n = bulletins.last_ended(kind, TODAY)
        assert f'href="/bulletins/{kind}/{y}/{n}"' in listed


def test_an_unended_period_is_published_only_on_confirmation_naming_the_days_left(client, db):
    sign_in(client, db)
    url = f"/bulletins/monthly/{TODAY.year}/{TODAY.month}"
    _start, end = bulletins.period_of("monthly", TODAY.year, TODAY.month)
    left = (end - TODAY).days + 1
    page = client.get(url)
    assert f"尚余 {left} 天" in page.text and 'name="confirm_early"' in page.text
    refused = client.post(url + "/publish", data={"csrf_token": page_csrf(client)})
    assert refused.status_code == 422
    assert error_beside(refused.text, "confirm_early") == f"本期尚余 {left} 天，确认提前发布？"
    assert db.execute(select(Bulletin)).first() is None
    done = client.post(url + "/publish", data={"csrf_token": page_csrf(client), "confirm_early": "on"})
    assert done.status_code == 303
    db.expire_all()
    assert db.execute(select(Bulletin.kind)).scalar_one() == "monthly"


def test_the_service_asks_for_the_confirmation_too(db):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    with pytest.raises(Invalid) as refused:
        bulletins.publish(db, coordinator(bureau.id), "yearly", 2026, 1, today=date(2026, 12, 7))
    assert refused.value.errors == {"confirm_early": "本期尚余 25 天，确认提前发布？"}
    row = bulletins.publish(db, coordinator(bureau.id), "yearly", 2026, 1, confirm_early=True, today=date(2026, 12, 7))
    assert row.period_end == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=monthly&year={y}&number=13", "number"),
        ("kind=quarterly&year={y}&number=5", "number"),
        ("kind=halfyearly&year={y}&number=3", "number"),
        ("kind=yearly&year={y}&number=2", "number"),
        ("kind=monthly&year=1999&number=1", "year"),
        ("kind=monthly&year={after_next}&number=1", "year"),
        ("kind=weekly&year={y}&number=1", "kind"),
        ("kind=monthly&year=二〇二六&number=1", "year"),
    ],
)
def test_an_impossible_period_is_refused_beside_its_field(client, db, query, field):
    sign_in(client, db)
    query = query.format(y=TODAY.year, after_next=TODAY.year + 2)
    picked = client.get(f"/bulletins?{query}")
    assert picked.status_code == 422 and error_beside(picked.text, field)
    values = dict(part.split("=") for part in query.split("&"))
    assert f'value="{values["year"]}"' in picked.text  # what was typed is kept
    if field != "year" or values["year"].isdigit():
        path = f"/bulletins/{values['kind']}/{values['year']}/{values['number']}"
        assert client.get(path).status_code == 422 and error_beside(client.get(path).text, field)
        posted = client.post(path + "/publish", data={"csrf_token": page_csrf(client), "confirm_early": "on"})
        assert posted.status_code == 422 and error_beside(posted.text, field)
    assert db.execute(select(Bulletin)).first() is None


def test_the_api_opens_any_period_and_refuses_an_impossible_one_on_its_field(client, db):
    headers = bearer(make_token(db, None, read_only=True))
    db.commit()
    for kind in bulletins.KINDS:
        y, n = bulletins.last_ended(kind, TODAY)
        answer = client.get(f"/api/v1/bulletins/{kind}/{y}/{n}", headers=headers)
        assert answer.status_code == 200 and answer.json()["published"] is False
        assert answer.json()["content"]["start"] == bulletins.period_of(kind, y, n)[0].isoformat()
    for path, field in [
        (f"monthly/{TODAY.year}/13", "number"),
        (f"quarterly/{TODAY.year}/0", "number"),
        (f"halfyearly/{TODAY.year}/3", "number"),
        ("monthly/1999/12", "year"),
        (f"yearly/{TODAY.year + 2}/1", "year"),
        ("monthly/99999999999/1", "year"),
    ]:
        refused = client.get(f"/api/v1/bulletins/{path}", headers=headers)
        assert refused.status_code == 422, (path, refused.text)
        assert refused.json()["field"] == field, (path, refused.json())
    assert client.get("/api/v1/bulletins", headers=headers).json() == {"items": []}


def test_publish_buttons_only_for_the_coordinator(client, db):
    sign_in(client, db, Role.leader)
    y, n = bulletins.last_ended("monthly", TODAY)
    page = client.get(f"/bulletins/monthly/{y}/{n}")
    assert page.status_code == 200 and "/publish" not in page.text and "导出 Excel" in page.text
    client.cookies.clear()
    unit = make_unit(db)
    staff = make_user(db, unit, role=Role.unit_staff)
    db.commit()
    login(client, staff.username, PASSWORD)
    # unit staff read no bulletin, so the list itself is refused (and the menu offers it only to readers)
    assert client.get("/bulletins").status_code == 403
    assert 'href="/bulletins' not in client.get("/").text


def _cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet, cell


def test_the_workbook_has_headers_chinese_labels_numbers_and_the_footer(client, db):
    unit = make_unit(db, name='=HYPERLINK("http://x")镇', short_name='=HYPERLINK("http://x")')
    y, n = bulletins.last_ended("monthly", TODAY)
    first, _last = bulletins.period_of("monthly", y, n)
    p = project(db, unit.id, contract=2500, signed=first)
    funds(db, p.id, "1234.5", first)
    sign_in(client, db)
    url = f"/bulletins/monthly/{y}/{n}"
    assert client.post(url + "/publish", data={"csrf_token": page_csrf(client)}).status_code == 303
    answer = client.get(url + "/export.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    frozen = db.execute(select(Bulletin)).scalar_one()
    names = [sheet.title for sheet in book.worksheets]
    assert names[:5] == ["总体情况", "项目结构", "分季度比较", "三率", "各单位目标完成情况"]
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1] if c.value is not None]
        assert header and all(c.font.b for c in sheet[1] if c.value is not None), sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.column_dimensions["A"].width >= 8
        texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert f"摘要（SHA-256）：{frozen.digest}" in texts, sheet.title
        assert any(t.startswith("发布日期：") for t in texts)
        assert frozen.digest in sheet.oddFooter.left.text and "发布日期" in sheet.oddFooter.left.text
    internal = re.compile(r"^[a-z_]+$|fulfilment|\bred\b|\byellow\b|monthly|funds_|projects_")
    for sheet, cell in _cells(book):
        if isinstance(cell.value, str):
            assert not internal.search(cell.value), (sheet.title, cell.coordinate, cell.value)
            assert not cell.value.startswith("="), (sheet.title, cell.coordinate)
    overall = book["总体情况"]
    rows = {row[0].value: row for row in overall.iter_rows(min_row=2) if row[0].value}
    money = rows["内资到位资金（已确认）（万元）"]
    assert money[1].value == 1234.5 and money[1].number_format == "#,##0.00"
    count = rows["引进项目（个）"]
    assert count[1].value == 1 and count[1].number_format == "0"
    structure = book["项目结构"]
    assert [c.value for c in structure[1]][2:5] == ["项目数（个）", "项目数占比", "合同投资（万元）"]
    assert structure["D2"].value == 1 and structure["D2"].number_format == "0.0%"  # 100 % as a fraction
    assert structure["E2"].value == 2500 and structure["E2"].number_format == "#,##0.00"
    rates = book["三率"]
    assert {r[0].value for r in rates.iter_rows(min_row=2, max_row=4)} == {"合同履约率", "资金到位率", "项目开工率"}
    for sheet, cell in _cells(book):
        if cell.row > 1 and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
            assert cell.number_format != "General", (sheet.title, cell.coordinate)
        if isinstance(cell.value, datetime):
            assert cell.number_format == "yyyy-mm-dd"


def test_text_in_the_workbook_is_never_a_formula(db):
    content = bulletins.build(db, "monthly", *bulletins.last_ended("monthly", TODAY))
    content["stalled"] = [{"id": 1, "name": "=1+1", "unit": "+单位", "since": "2026-01-05"}]
    book = load_workbook(io.BytesIO(bulletin_export.workbook(content, None)))
    sheet = book["长期无进度项目"]
    assert [sheet["A2"].value, sheet["B2"].value] == ["'=1+1", "'+单位"] and sheet["A2"].data_type == "s"
    assert sheet["C2"].value == datetime(2026, 1, 5) and sheet["C2"].number_format == "yyyy-mm-dd"
    assert "草稿" in sheet.oddFooter.left.text
