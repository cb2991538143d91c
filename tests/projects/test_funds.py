"""Funds arrived are a ledger: the unit enters, the bureau confirms or rejects, corrections reverse, no edits."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models.project import FundsArrival, FundsSource, FundsStatus, Stage
from app.models.setting import AppSetting
from app.models.user import Role
from app.services import workdays
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import make_project, pdf_bytes
from tests.projects.helpers import fresh, funds_rows, post_form, project

TODAY = workdays.today()


@pytest.fixture
def unit(db):
    return make_unit(db)


@pytest.fixture
def clerk(db, unit, client):
    user = make_user(db, unit)
    db.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return client


@pytest.fixture
def bureau(db, signed_in):
    return signed_in(make_user(db, role=Role.coordinator))


@pytest.fixture
def signed(db, unit):
    return make_project(
        db, unit, stage=Stage.signed, reached=TODAY - timedelta(days=60), contract_investment=Decimal(5000)
    )


def no_voucher_needed(db) -> None:
    db.add(AppSetting(key="funds_voucher_required", value="0"))
    db.commit()


def enter(client, project_id: int, amount: str, source: str = "out_of_province", **extra) -> FundsArrival | None:
    """The unit's funds form, sent with a voucher PDF."""
    response = post_form(
        client,
        f"/projects/{project_id}/funds",
        {"amount": amount, "source": source, "arrived_on": TODAY.isoformat(), **extra},
        files=[("vouchers", ("回单.pdf", pdf_bytes(), "application/pdf"))],
    )
    assert response.status_code == 303, response.text[:600]
    return None


def review(client, db, funds_id: int, decision: str, note: str = "") -> object:
    row = fresh(db, FundsArrival, funds_id)
    sent = {"version": row.version, "decision": decision, "note": note}
    if decision == "confirm":
        sent["vouchers_checked"] = "true"  # the page's 已核对凭证
    return post_form(client, f"/funds/{funds_id}/review", sent)


def totals(db, project_id: int) -> tuple[Decimal, Decimal, Decimal]:
    p = project(db, project_id)
    return p.funds_confirmed, p.funds_pending, p.funds_confirmed_usd


# --- entering --------------------------------------------------------------------------------


def test_the_unit_enters_funds_with_a_voucher_and_they_wait_for_the_bureau(clerk, db, signed):
    without = post_form(
        clerk,
        f"/projects/{signed.id}/funds",
        {"amount": "500", "source": "out_of_province", "arrived_on": TODAY.isoformat()},
    )
    assert without.status_code == 422
    assert "请上传到账凭证" in without.text
    assert funds_rows(db, signed.id) == []

    enter(clerk, signed.id, "500", voucher_no="HD0001")

    [row] = funds_rows(db, signed.id)
    assert (row.amount, row.status, row.voucher_no) == (Decimal(500), FundsStatus.pending, "HD0001")
    assert totals(db, signed.id) == (Decimal(0), Decimal(500), Decimal(0))
    page = clerk.get(f"/projects/{signed.id}")
    assert "到位资金 500.00 万元" in page.text and "待确认" in page.text and "凭证 PDF" in page.text
    listed = clerk.get("/projects")
    assert "待确认 500.00" in listed.text


def test_an_amount_must_be_positive_and_not_in_the_future(clerk, db, signed):
    for data in (
        {"amount": "0", "arrived_on": TODAY.isoformat()},
        {"amount": "-5", "arrived_on": TODAY.isoformat()},
        {"amount": "abc", "arrived_on": TODAY.isoformat()},
        {"amount": "100", "arrived_on": (TODAY + timedelta(days=2)).isoformat()},
    ):
        response = post_form(
            clerk,
            f"/projects/{signed.id}/funds",
            {"source": "in_province", **data},
            files=[("vouchers", ("回单.pdf", pdf_bytes(), "application/pdf"))],
        )
        assert response.status_code == 422, data
    assert funds_rows(db, signed.id) == []


def test_the_voucher_rule_is_the_coordinators_setting(client, db, unit, signed, bureau):
    headers = bearer(make_token(db, unit))
    db.commit()
    body = {"arrived_on": TODAY.isoformat(), "amount": "120", "source": "in_province"}
    refused = client.post(f"/api/v1/projects/{signed.id}/funds", json=body, headers=headers)
    assert refused.status_code == 422 and "凭证" in refused.json()["message"] + str(refused.json()["details"])

    assert post_form(bureau, "/admin/settings", {"funds_voucher_required": "0"}).status_code == 303

    accepted = client.post(f"/api/v1/projects/{signed.id}/funds", json=body, headers=headers)
    assert accepted.status_code == 201 and accepted.json()["status"] == "pending"


# --- confirming and rejecting ---------------------------------------------------------------------


def test_only_the_bureau_confirms_and_a_rejection_needs_a_note(clerk, db, signed, bureau):
    enter(clerk, signed.id, "800")
    enter(clerk, signed.id, "300")
    first, second = funds_rows(db, signed.id)

    assert review(clerk, db, first.id, "confirm").status_code == 403  # the unit cannot confirm its own figure
    bare = review(bureau, db, second.id, "reject")
    assert bare.status_code == 422 and "退回须说明理由" in bare.text
    assert fresh(db, FundsArrival, second.id).status is FundsStatus.pending

    assert review(bureau, db, first.id, "confirm").status_code == 303
    assert review(bureau, db, second.id, "reject", "回单金额与登记不符").status_code == 303

    first, second = funds_rows(db, signed.id)
    assert first.status is FundsStatus.confirmed and second.status is FundsStatus.rejected
    assert second.review_note == "回单金额与登记不符"
    assert totals(db, signed.id) == (Decimal(800), Decimal(0), Decimal(0))
    again = review(bureau, db, first.id, "reject", "改主意")
    assert again.status_code == 422 and "该笔资金已处理" in again.text
    assert fresh(db, FundsArrival, first.id).status is FundsStatus.confirmed
    page = clerk.get(f"/projects/{signed.id}")
    assert "已退回" in page.text and "审核意见：回单金额与登记不符" in page.text


def test_a_review_on_a_stale_version_is_refused(clerk, db, signed, bureau):
    enter(clerk, signed.id, "800")
    [row] = funds_rows(db, signed.id)

    stale = post_form(bureau, f"/funds/{row.id}/review", {"version": row.version + 5, "decision": "confirm"})

    assert stale.status_code == 422 and "已被他人修改" in stale.text
    assert fresh(db, FundsArrival, row.id).status is FundsStatus.pending


# --- corrections ------------------------------------------------------------------------------------


def test_a_correction_is_a_new_entry_reversing_a_confirmed_one(client, clerk, db, signed, bureau, unit):
    enter(clerk, signed.id, "500")
    [original] = funds_rows(db, signed.id)
    pending_fix = post_form(clerk, f"/funds/{original.id}/reverse", {"reason": "重复登记"})
    assert pending_fix.status_code == 422 and "只能更正已确认的" in pending_fix.text
    assert review(bureau, db, original.id, "confirm").status_code == 303
    confirmed_version = fresh(db, FundsArrival, original.id).version

    assert post_form(clerk, f"/funds/{original.id}/reverse", {"reason": ""}).status_code == 422
    reversed_ = post_form(clerk, f"/funds/{original.id}/reverse", {"reason": "与第一笔重复登记"})

    assert reversed_.status_code == 303
    original_now, reversal = funds_rows(db, signed.id)
    assert (original_now.amount, original_now.status, original_now.version) == (
        Decimal(500),
        FundsStatus.confirmed,
        confirmed_version,
    )  # the original is never touched
    assert reversal.amount == Decimal(-500) and reversal.reverses_id == original.id
    assert reversal.status is FundsStatus.pending and "与第一笔重复登记" in reversal.note
    assert totals(db, signed.id) == (Decimal(500), Decimal(-500), Decimal(0))  # counts once confirmed

    second = post_form(clerk, f"/funds/{original.id}/reverse", {"reason": "再冲一次"})
    assert second.status_code == 422 and "已有更正记录" in second.text
    of_reversal = post_form(clerk, f"/funds/{reversal.id}/reverse", {"reason": "冲销的冲销"})
    assert of_reversal.status_code == 422

    assert review(bureau, db, reversal.id, "confirm").status_code == 303
    assert totals(db, signed.id) == (Decimal(0), Decimal(0), Decimal(0))
    assert len(funds_rows(db, signed.id)) == 2


def test_a_rejected_correction_can_be_entered_again(clerk, db, signed, bureau):
    enter(clerk, signed.id, "200")
    [original] = funds_rows(db, signed.id)
    review(bureau, db, original.id, "confirm")
    post_form(clerk, f"/funds/{original.id}/reverse", {"reason": "金额有误"})
    reversal = funds_rows(db, signed.id)[1]
    assert review(bureau, db, reversal.id, "reject", "原记录无误").status_code == 303

    again = post_form(clerk, f"/funds/{original.id}/reverse", {"reason": "核实后确有误"})

    assert again.status_code == 303
    assert [r.amount for r in funds_rows(db, signed.id)] == [Decimal(200), Decimal(-200), Decimal(-200)]


def row_form(page: str, action: str) -> str:
    """The <form> posting to `action` on a page."""
    found = re.search(rf'<form\b[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert found is not None, f"no form posting to {action}"
    return found.group(0)


def test_a_refused_review_on_the_project_page_is_shown_there_with_the_note_typed(clerk, db, signed, bureau):
    enter(clerk, signed.id, "800")
    [row] = funds_rows(db, signed.id)
    sent = {"csrf_token": page_csrf(bureau), "version": str(row.version), "decision": "reject", "note": "  "}

    refused = bureau.post(
        f"/funds/{row.id}/review", data=sent, headers={"referer": f"http://testserver/projects/{signed.id}"}
    )

    assert refused.status_code == 422
    assert "时间线" in refused.text  # the project's page, not the queue
    form = row_form(refused.text, f"/funds/{row.id}/review")
    assert re.search(r'id="e-note"[^>]*>退回须说明理由<', form)
    sent["decision"] = "maybe"
    sent["note"] = "凭证与登记金额不符"
    refused = bureau.post(f"/funds/{row.id}/review", data=sent, headers={"referer": f"/projects/{signed.id}"})
    form = row_form(refused.text, f"/funds/{row.id}/review")
    assert 'value="凭证与登记金额不符"' in form and 'id="e-decision"' in form
    assert fresh(db, FundsArrival, row.id).status is FundsStatus.pending


def test_a_refused_correction_shows_its_form_open_with_the_reason_typed(clerk, db, signed, bureau):
    enter(clerk, signed.id, "500")
    [original] = funds_rows(db, signed.id)
    review(bureau, db, original.id, "confirm")

    refused = post_form(clerk, f"/funds/{original.id}/reverse", {"reason": "错"})

    assert refused.status_code == 422
    assert '<details class="no-print" open>' in refused.text
    form = row_form(refused.text, f"/funds/{original.id}/reverse")
    assert 'value="错"' in form and re.search(r'id="e-reason"[^>]*>请说明更正原因', form)
    assert len(funds_rows(db, signed.id)) == 1


def test_a_correction_over_the_api_must_name_the_entrys_own_project(client, db, unit, signed):
    no_voucher_needed(db)
    other = make_project(db, unit, stage=Stage.signed)
    headers = bearer(make_token(db, unit))
    row = FundsArrival(
        project_id=signed.id,
        arrived_on=TODAY,
        amount=Decimal(90),
        source=FundsSource.in_province,
        status=FundsStatus.confirmed,
    )
    db.add(row)
    db.commit()

    wrong = client.post(f"/api/v1/projects/{other.id}/funds/{row.id}/reverse", json={"reason": "冲销"}, headers=headers)
    assert wrong.status_code == 404
    right = client.post(
        f"/api/v1/projects/{signed.id}/funds/{row.id}/reverse", json={"reason": "冲销"}, headers=headers
    )
    assert right.status_code == 201 and Decimal(right.json()["amount"]) == Decimal(-90)


# --- totals ---------------------------------------------------------------------------------------


def test_reports_count_confirmed_amounts_and_show_pending_and_foreign_capital_apart(clerk, db, signed, bureau):
    enter(clerk, signed.id, "300", "in_province")
    enter(clerk, signed.id, "200", "out_of_province")
    enter(clerk, signed.id, "80", "foreign")  # 万美元
    enter(clerk, signed.id, "40", "in_province")
    enter(clerk, signed.id, "150", "out_of_province")
    a, b, usd, rejected, _pending = funds_rows(db, signed.id)
    for row in (a, b, usd):
        assert review(bureau, db, row.id, "confirm").status_code == 303
    assert review(bureau, db, rejected.id, "reject", "无凭证原件").status_code == 303

    assert totals(db, signed.id) == (Decimal(500), Decimal(150), Decimal(80))
    page = clerk.get(f"/projects/{signed.id}")
    assert "到位资金 80.00 万美元" in page.text
    assert '<div class="value">80<span class="unit">万美元</span></div><div class="label">到位外资</div>' in page.text
    assert '<div class="value">150<span class="unit">万元</span></div><div class="label">待确认</div>' in page.text
    listed = clerk.get("/projects").text
    assert "待确认 150.00" in listed
    workbook = load_workbook(io.BytesIO(clerk.get("/projects.xlsx").content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert Decimal(str(values["已确认到位（万元）"])) == 500
    assert Decimal(str(values["待确认到位（万元）"])) == 150
    assert Decimal(str(values["到位外资（万美元）"])) == 80
    overview = bureau.get("/")
    # 500 万元 confirmed this year (below 1亿, so in 万元); pending and foreign capital are not in it
    assert (
        '<div class="value">500<span class="unit">万元</span></div><div class="label">今年已确认到位</div>'
        in overview.text
    )


# --- nothing edited in place ------------------------------------------------------------------------


def test_there_is_no_way_to_change_an_entered_amount(clerk, db, signed, bureau):
    enter(clerk, signed.id, "500")
    [row] = funds_rows(db, signed.id)

    paths = clerk.get("/openapi.json").json()["paths"]
    api_writes = {(method, path) for path, ops in paths.items() if "funds" in path for method in ops if method != "get"}
    assert api_writes == {
        ("post", "/api/v1/projects/{project_id}/funds"),
        ("post", "/api/v1/projects/{project_id}/funds/{funds_id}/reverse"),
        ("post", "/api/v1/projects/{project_id}/funds/{funds_id}/review"),  # a decision; the amount is not sent
    }
    assert "amount" not in clerk.get("/openapi.json").json()["components"]["schemas"]["FundsReview"]["properties"]
    headers = bearer(make_token(db, make_unit(db)))
    db.commit()
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        response = clerk.request(method, f"/api/v1/projects/{signed.id}/funds/{row.id}", headers=headers)
        assert response.status_code in (404, 405), method
    for path in (f"/funds/{row.id}", f"/funds/{row.id}/edit", f"/projects/{signed.id}/funds/{row.id}"):
        assert post_form(clerk, path, {"amount": "5000"}).status_code in (404, 405), path
    smuggled = post_form(
        bureau, f"/funds/{row.id}/review", {"version": row.version, "decision": "confirm", "amount": "5000"}
    )
    assert smuggled.status_code == 422
    assert fresh(db, FundsArrival, row.id).amount == Decimal(500)
