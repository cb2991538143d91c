"""The people pages as their users meet them: the coordinator splits a town's target to two sections and
three people (one a leader without an account) on the town's people page; the town's head sees the whole
town, a staff member only their own ledger (page and workbook). SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.lead import LeadStatus
from app.models.people import Cadre, Section, TargetSplit
from app.models.user import Role, User
from app.services import people, performance, workdays
from tests.conftest import csrf_from
from tests.factories import make_unit, make_user
from tests.people.factories import coordinator
from tests.projects.factories import make_lead

YEAR = workdays.today().year
Browser = Callable[[User], TestClient]


def _post(client: TestClient, page: str, action: str, data: dict[str, str]) -> object:
    token = csrf_from(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data})


def test_the_coordinator_splits_a_towns_target(db: Session, signed_in: Browser) -> None:
    town = make_unit(db, name="城关镇")
    head = make_user(db, town, display_name="王镇长")
    town.head_user_id = head.id
    staff = make_user(db, town, display_name="李干事")
    boss = make_user(db, make_unit(db), Role.coordinator)
    for user in (head, staff):
        people.cadre_of_user(db, user)
    performance.set_target(
        db, coordinator(), year=YEAR, metric="funds_domestic", amount=Decimal(20000), unit_id=town.id
    )
    make_lead(db, town, brought_by_id=staff.id, lead_date=date(YEAR, 1, 5), status=LeadStatus.valid)
    browser = signed_in(boss)
    page = f"/units/{town.id}/people"

    for name in ("招商办", "经发办"):
        response = _post(
            browser, page, f"/units/{town.id}/sections", {"name": name, "kind": "office", "year": str(YEAR)}
        )
        assert response.status_code == 303
    again = _post(browser, page, f"/units/{town.id}/sections", {"name": "招商办", "kind": "office"})
    assert again.status_code == 422 and "本单位已有同名科室" in again.text
    response = _post(browser, page, f"/units/{town.id}/people", {"name": "刘县长", "title": "副县长", "section_id": ""})
    assert response.status_code == 303
    sections = {s.name: s for s in db.execute(select(Section).where(Section.unit_id == town.id)).scalars()}
    cadres = {c.name: c for c in db.execute(select(Cadre).where(Cadre.unit_id == town.id)).scalars()}
    assert set(cadres) == {"王镇长", "李干事", "刘县长"} and cadres["刘县长"].user_id is None

    for section, amount in (("招商办", "12000"), ("经发办", "8000")):
        response = _post(
            browser,
            page,
            f"{page}/split",
            {"year": str(YEAR), "metric": "funds_domestic", "section_id": str(sections[section].id), "amount": amount},
        )
        assert response.status_code == 303
    for name, amount in (("王镇长", "5000"), ("李干事", "5000"), ("刘县长", "10000")):
        response = _post(
            browser,
            page,
            f"{page}/split",
            {"year": str(YEAR), "metric": "funds_domestic", "cadre_id": str(cadres[name].id), "amount": amount},
        )
        assert response.status_code == 303
    over = _post(
        browser,
        page,
        f"{page}/split",
        {"year": str(YEAR), "metric": "funds_domestic", "cadre_id": str(cadres["李干事"].id), "amount": "5000.01"},
    )
    assert over.status_code == 422 and "各人员分解合计不能超过单位目标 20000" in over.text
    assert (
        db.execute(select(TargetSplit.amount).where(TargetSplit.cadre_id == cadres["李干事"].id)).scalar_one() == 5000
    )

    # the staff member is assigned to a section on their own form
    edit = f"/people/{cadres['李干事'].id}/edit"
    response = _post(
        browser,
        edit,
        edit,
        {
            "version": str(cadres["李干事"].version),
            "name": "李干事",
            "title": "招商专干",
            "section_id": str(sections["招商办"].id),
            "sort_order": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 303
    shown = browser.get(page).text
    assert "招商办" in shown and "刘县长" in shown and "无账号" in shown

    # the head sees the whole town; the staff member only their own ledger
    head_view = signed_in(head).get(page)
    assert head_view.status_code == 200 and "新增科室" in head_view.text
    mine = signed_in(staff)
    assert mine.get(page).status_code == 403
    assert mine.get(f"/people/{cadres['刘县长'].id}").status_code == 404
    me = mine.get("/people/me")
    assert me.headers["location"] == f"/people/{cadres['李干事'].id}"
    ledger = mine.get(me.headers["location"])
    assert ledger.status_code == 200 and "个人目标完成情况" in ledger.text and "5,000.00" in ledger.text
    workbook = mine.get(f"/people/{cadres['李干事'].id}/ledger.xlsx?year={YEAR}")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "月份" and rows[1][0] == "1月" and rows[1][2] == 1  # one valid lead in January
    assert rows[14][0] == "分解目标" and rows[14][6] == 5000
