"""The service-quality report (代办服务质量) checked against figures worked by hand over a calendar with a holiday
(1–3 October 2025 off) and a make-up workday (Saturday 11 October 2025 on); its page, API, XLSX and the
coordinator's dashboard card. On SQLite and PostgreSQL.

Working days from submission to grant (the submission day not counted, the grant day counted):
  A1 eia, 环保局,  29 Sep (Mon) → 9 Oct (Thu), due 10 Oct: 30 Sep, 6–9 Oct = 5, on time
  A2 eia, 环保局,  9 Oct (Thu) → 13 Oct (Mon), due 10 Oct: 10, 11 (make-up), 13 Oct = 3, late
  A3 planning, 资规局, 10 Oct (Fri) → 24 Oct (Fri), due 24 Oct: 11 Oct + 13–17 + 20–24 = 11, on time
  A4 planning, 环保局, 3 Nov (Mon) → 5 Nov (Wed), due 10 Nov: 4, 5 Nov = 2, on time
  A5 eia, 环保局, submitted 1 Dec, due 15 Dec, still in hand: open overdue
  A6 eia, 环保局, 1 Aug (Fri) → 5 Aug (Tue), due 12 Aug: 4, 5 Aug = 2, on time (the third quarter)
  A7 eia, granted 20 Oct with no submission date: not counted
Fourth quarter: eia 2 granted (5, 3): average 4.0, median 4.0, longest 5, on time 1 = 50.0 %, open overdue 1;
planning 2 (11, 2): 6.5, 6.5, 11, 2 = 100.0 %; 环保局 3 (5, 3, 2): 10/3 = 3.3, median 3.0, 5, 2 = 66.7 %, overdue 1;
资规局 1 (11); all 4 (5, 3, 11, 2): 21/4 = 5.25 → 5.3, median 4.0, longest 11, 3 on time = 75.0 %.
The year adds A6: eia 3 (5, 3, 2): 3.3, median 3.0, 2 on time = 66.7 %."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models.approval import ApprovalStatus
from app.models.ticket import CalendarDay
from app.models.unit import UnitKind
from app.models.user import Role
from app.services import approval_service_report as service_report
from tests.agency.factories import KINDS, make_approval
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import make_project

D = date


@pytest.fixture
def figures(db):
    for day in (D(2025, 10, 1), D(2025, 10, 2), D(2025, 10, 3)):
        db.merge(CalendarDay(day=day, is_workday=False, name="国庆节"))
    db.merge(CalendarDay(day=D(2025, 10, 11), is_workday=True, name="国庆节调休上班"))
    town = make_unit(db, name="测试城关镇")
    eia = make_unit(db, kind=UnitKind.department, name="测试县生态环境局")
    planning = make_unit(db, kind=UnitKind.department, name="测试县自然资源局")
    granted = ApprovalStatus.granted

    def approval(kind, department, submitted, granted_on, due, status=granted):
        make_approval(db, make_project(db, town), kind, department=department, status=status,
                      submitted_on=submitted, granted_on=granted_on, due_on=due)  # fmt: skip

    approval("eia", eia, D(2025, 9, 29), D(2025, 10, 9), D(2025, 10, 10))  # A1
    approval("eia", eia, D(2025, 10, 9), D(2025, 10, 13), D(2025, 10, 10))  # A2
    approval("planning", planning, D(2025, 10, 10), D(2025, 10, 24), D(2025, 10, 24))  # A3
    approval("planning", eia, D(2025, 11, 3), D(2025, 11, 5), D(2025, 11, 10))  # A4
    approval("eia", eia, D(2025, 12, 1), None, D(2025, 12, 15), ApprovalStatus.submitted)  # A5
    approval("eia", eia, D(2025, 8, 1), D(2025, 8, 5), D(2025, 8, 12))  # A6
    approval("eia", eia, None, D(2025, 10, 20), None)  # A7
    db.commit()
    return {"eia": eia, "planning": planning, "coordinator": make_user(db, make_unit(db), Role.coordinator)}


def _line(line):
    return (line.name, line.granted, line.average_days, line.median_days, line.longest_days, line.on_time,
            line.on_time_rate, line.open_overdue)  # fmt: skip


def test_the_fourth_quarter_matches_the_hand_worked_figures(db, figures):
    r = service_report.report(db, 2025, 4, today=D(2026, 1, 5))
    assert (r.start, r.end) == (D(2025, 10, 1), D(2025, 12, 31))
    kinds = {line.key_id: _line(line) for line in r.by_kind}  # by the catalogue's order: planning before eia
    eia_kind, planning_kind = kinds[KINDS["eia"]], kinds[KINDS["planning"]]
    assert eia_kind[1:] == (2, Decimal("4.0"), Decimal("4.0"), 5, 1, Decimal("50.0"), 1)
    assert planning_kind[1:] == (2, Decimal("6.5"), Decimal("6.5"), 11, 2, Decimal("100.0"), 0)
    departments = {line.name: _line(line)[1:] for line in r.by_department}
    assert departments["测试县生态环境局"] == (3, Decimal("3.3"), Decimal("3.0"), 5, 2, Decimal("66.7"), 1)
    assert departments["测试县自然资源局"] == (1, Decimal("11.0"), Decimal("11.0"), 11, 1, Decimal("100.0"), 0)
    assert _line(r.total)[1:] == (4, Decimal("5.3"), Decimal("4.0"), 11, 3, Decimal("75.0"), 1)


def test_the_year_adds_the_third_quarter_and_the_card_counts_the_year(db, figures):
    r = service_report.report(db, 2025, today=D(2026, 1, 5))
    eia_kind = next(_line(line) for line in r.by_kind if line.key_id == KINDS["eia"])
    assert eia_kind[1:] == (3, Decimal("3.3"), Decimal("3.0"), 5, 2, Decimal("66.7"), 1)
    assert _line(r.total)[1] == 5
    card = service_report.card(db, D(2025, 12, 31))
    assert card == {"year": 2025, "granted": 5, "on_time_rate": Decimal("80.0"), "overdue": 1}
    assert service_report.card(db, D(2025, 12, 10))["overdue"] == 0  # A5 not yet past its due day


def test_the_page_the_api_and_the_export_show_the_same_figures(client, db, figures):
    token = make_token(db, None, read_only=True)
    db.commit()
    api = client.get("/api/v1/reports/approval-service?year=2025&quarter=4", headers=bearer(token))
    assert api.status_code == 200, api.text
    total = api.json()["total"]
    assert (total["granted"], total["average_days"], total["median_days"], total["on_time_rate"]) == (
        4, "5.3", "4.0", "75.0"
    )  # fmt: skip
    assert client.get("/api/v1/reports/approval-service?quarter=5", headers=bearer(token)).status_code == 422
    assert login(client, figures["coordinator"].username, PASSWORD).status_code == 303
    page = client.get("/reports/approval-service?year=2025&quarter=4")
    assert page.status_code == 200
    tiles = page.text[page.text.index('id="approval-service-total"') :]
    assert "5.3" in tiles and "75.0%" in tiles and "测试县生态环境局" in page.text and "66.7%" in page.text
    wrong = client.get("/reports/approval-service?year=abc&quarter=9")
    assert wrong.status_code == 422 and 'id="e-year"' in wrong.text and 'id="e-quarter"' in wrong.text
    book = load_workbook(io.BytesIO(client.get("/reports/approval-service.xlsx?year=2025&quarter=4").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("分组", "名称", "办结件数")
    assert rows[-1][:4] == ("合计", "合计", 4, 5.3)
    home = client.get("/")
    assert 'id="approval-service-card"' in home.text and 'href="/reports/approval-service"' in home.text
