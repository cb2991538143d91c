"""An agreement, its commitments and a firm's results through the API and the pages: who may do what, the
version (409), Idempotency-Key on the results POST, the coordinator's confirmation, the import (nothing
saved when a row is refused), masking of a confidential project. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.models.agreement import Commitment, InvestmentAgreement, ProjectResult, ResultStatus
from app.models.audit import AuditEntry
from app.models.project import Stage
from app.models.user import Role
from app.scopes import TokenRole
from app.services import workdays
from tests.agreements.factories import make_agreement, make_result
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import post_form

TODAY = workdays.today()
LAST_YEAR = TODAY.year - 1


@pytest.fixture
def world(db):
    town = make_unit(db, name="城关镇人民政府")
    other = make_unit(db, name="青石镇人民政府")
    bureau = make_unit(db, name="县招商局")
    investor = make_investor(db, name="青山新能源科技有限公司", credit_code="91360100MA35ABCD1X")
    project = make_project(
        db, town, stage=Stage.production, reached=date(LAST_YEAR - 1, 3, 1), investor=investor,
        land_area_mu=Decimal(100), investment_completed=Decimal(30000),
    )  # fmt: skip
    secret = make_project(
        db, town, stage=Stage.production, reached=date(LAST_YEAR - 1, 3, 1), name="绝密储能项目X",
        code_name="代号甲", is_confidential=True,
    )  # fmt: skip
    tokens = {
        "town": make_token(db, town),
        "other": make_token(db, other),
        "bureau": make_token(db, bureau, role=TokenRole.coordinator),
        "reader": make_token(db, None, read_only=True),
    }
    db.commit()
    return {"town": town, "other": other, "bureau": bureau, "project": project, "secret": secret, "tokens": tokens}


def api(client, world, who: str, method: str, path: str, **kw):
    return client.request(
        method, f"/api/v1{path}", headers={**bearer(world["tokens"][who]), **kw.pop("headers", {})}, **kw
    )


def test_an_agreement_and_its_commitments_judged_by_confirmed_results(client, db, world):
    pid = world["project"].id
    sent = {
        "signed_on": f"{LAST_YEAR - 1}-01-10",
        "parties": "甲方：青山县人民政府；乙方：青山新能源科技有限公司",
        "version": 0,
    }
    assert api(client, world, "other", "PUT", f"/projects/{pid}/investment-agreement", json=sent).status_code == 404
    saved = api(client, world, "town", "PUT", f"/projects/{pid}/investment-agreement", json=sent)
    assert saved.status_code == 200, saved.text
    assert saved.json()["agreement"]["version"] == 1
    stale = api(client, world, "town", "PUT", f"/projects/{pid}/investment-agreement", json=sent)  # version 0 again
    assert stale.status_code == 409
    added = api(client, world, "town", "POST", f"/projects/{pid}/investment-agreement/commitments",
                json={"kind": "output", "figure": "50000"})  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "no_result"
    refused = api(client, world, "town", "POST", f"/projects/{pid}/investment-agreement/commitments",
                  json={"kind": "start", "figure": "1"})  # fmt: skip
    assert refused.status_code == 422
    assert {d["field"] for d in refused.json()["details"]} == {"due_on", "figure"}
    cid = added.json()["id"]
    changed = api(client, world, "town", "PATCH", f"/projects/{pid}/investment-agreement/commitments/{cid}",
                  json={"figure": "40000", "version": 1})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["figure"] == "40000.0000"
    again = api(client, world, "town", "PATCH", f"/projects/{pid}/investment-agreement/commitments/{cid}",
                json={"figure": "30000", "version": 1})  # fmt: skip
    assert again.status_code == 409

    # a result: evidence needed, then entered once however often it is sent with the same key
    body = {"year": LAST_YEAR, "output": "40000", "tax": "1200", "jobs": 300}
    assert api(client, world, "town", "POST", f"/projects/{pid}/results", json=body).status_code == 422
    body["evidence_no"] = "(2026)青税证 00123"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = api(client, world, "town", "POST", f"/projects/{pid}/results", json=body, headers=key)
    second = api(client, world, "town", "POST", f"/projects/{pid}/results", json=body, headers=key)
    assert first.status_code == 201, first.text
    assert second.json()["id"] == first.json()["id"]
    db.expire_all()
    assert (
        db.execute(select(func.count()).select_from(ProjectResult).where(ProjectResult.project_id == pid)).scalar() == 1
    )
    rid, version = first.json()["id"], first.json()["version"]
    # the same period waits already
    assert api(client, world, "town", "POST", f"/projects/{pid}/results", json=body).status_code == 422
    # not yet confirmed: the commitment still has no result
    assert (
        api(client, world, "town", "GET", f"/projects/{pid}/investment-agreement").json()["commitments"][0]["status"]
        == "no_result"
    )
    # the unit may not confirm; the coordinator must check the evidence
    review = {"version": version, "decision": "confirm"}
    assert api(client, world, "town", "POST", f"/results/{rid}/review", json=review).status_code == 403
    assert api(client, world, "bureau", "POST", f"/results/{rid}/review", json=review).status_code == 422
    review["evidence_checked"] = True
    done = api(client, world, "bureau", "POST", f"/results/{rid}/review", json=review)
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    shown = api(client, world, "town", "GET", f"/projects/{pid}/investment-agreement").json()
    assert shown["commitments"][0]["status"] == "met"  # 40,000 exactly at the figure
    assert shown["capacity_flag"] == "full_capacity"
    # a confirmed result is no longer edited
    assert api(client, world, "town", "PATCH", f"/results/{rid}", json={"tax": "1", "version": 2}).status_code == 422
    # every figure change is in the trail
    db.expire_all()
    entities = {
        e
        for (e,) in db.execute(
            select(AuditEntry.entity).where(
                AuditEntry.entity.in_(("commitment", "project_result", "investment_agreement"))
            )
        )
    }
    assert entities == {"commitment", "project_result", "investment_agreement"}


def test_a_correction_supersedes_the_confirmed_period(client, db, world):
    project = world["project"]
    old = make_result(db, project, LAST_YEAR, output=Decimal(100))
    db.commit()
    sent = api(client, world, "town", "POST", f"/projects/{project.id}/results",
               json={"year": LAST_YEAR, "output": "120", "evidence_no": "更正"})  # fmt: skip
    assert sent.status_code == 201
    review = {"version": 1, "decision": "confirm", "evidence_checked": True}
    assert api(client, world, "bureau", "POST", f"/results/{sent.json()['id']}/review", json=review).status_code == 200
    db.expire_all()
    assert db.get(ProjectResult, old.id).status is ResultStatus.superseded


def test_the_list_is_paged_and_masks_a_confidential_project(client, db, world):
    secret = world["secret"]
    make_agreement(db, secret, parties="甲方：县政府；乙方：绝密储能项目X投资方", note="绝密储能项目X备注")
    for year in range(LAST_YEAR - 1, LAST_YEAR + 1):
        make_result(db, secret, year, output=Decimal(10), note="绝密储能项目X的产值")
    db.commit()
    page = api(client, world, "reader", "GET", "/results", params={"limit": 1})
    assert page.status_code == 200
    assert page.json()["total"] == 2 and len(page.json()["items"]) == 1
    assert "绝密" not in page.text and "代号甲" in page.text
    agreement = api(client, world, "reader", "GET", f"/projects/{secret.id}/investment-agreement")
    assert agreement.status_code == 200 and "绝密" not in agreement.text
    assert api(client, world, "other", "GET", "/results").json()["total"] == 0  # another unit's projects
    own = api(client, world, "town", "GET", "/results", params={"status": "confirmed"}).json()
    assert own["total"] == 2 and "绝密储能项目X" in own["items"][0]["project_name"]


def sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(["项目编号", "统一社会信用代码", "企业名称", "年度", "季度", "产值（万元）", "税收（万元）", "就业人数"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_import_saves_every_row_or_none(client, db, world):
    pid = world["project"].id
    bad = sheet([
        [pid, None, "青山新能源", LAST_YEAR, None, 32000, 1280.5, 300],
        [None, "91360100MA35ABCD1X", "青山新能源", LAST_YEAR - 1, 5, "很多", None, None],
        [999999, None, "", LAST_YEAR, None, 1, None, None],
    ])  # fmt: skip
    refused = api(client, world, "town", "POST", "/results/import", data={"source": "tax_bureau"},
                  files={"sheet": ("税收.xlsx", bad, "application/octet-stream")})  # fmt: skip
    assert refused.status_code == 422, refused.text
    found = {(d["row"], d["column"]) for d in refused.json()["details"]}
    assert found == {(3, "季度"), (3, "产值（万元）"), (4, "项目编号")}
    db.expire_all()
    assert db.execute(select(func.count()).select_from(ProjectResult)).scalar() == 0
    good = sheet([
        [pid, None, "青山新能源", LAST_YEAR, None, 32000, 1280.5, 300],
        [None, "91360100ma35abcd1x", "青山新能源", LAST_YEAR, 1, 8000, 300, 280],
    ])  # fmt: skip
    done = api(client, world, "town", "POST", "/results/import", data={"source": "statistics"},
               files={"sheet": ("统计.xlsx", good, "application/octet-stream")})  # fmt: skip
    assert done.status_code == 201, done.text
    assert done.json()["imported"] == 2
    db.expire_all()
    rows = db.execute(select(ProjectResult).order_by(ProjectResult.id)).scalars().all()
    assert [(r.year, r.quarter, r.output, r.status.value, r.source.value) for r in rows] == [
        (LAST_YEAR, None, Decimal("32000.00"), "pending", "statistics"),
        (LAST_YEAR, 1, Decimal("8000.00"), "pending", "statistics"),
    ]
    template = api(client, world, "town", "GET", "/results/import/template")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).active["D1"].value == "年度"


def test_the_pages_enter_an_agreement_a_commitment_and_a_result_and_the_bureau_confirms(db, world, signed_in):
    pid = world["project"].id
    clerk = signed_in(make_user(db, world["town"]))
    bureau = signed_in(make_user(db, world["bureau"], Role.coordinator))
    page = clerk.get(f"/projects/{pid}")
    assert page.status_code == 200 and "尚未录入投资协议" in page.text
    sent = {"signed_on": f"{LAST_YEAR - 1}-01-10", "parties": "甲方：县政府；乙方：青山新能源", "version": "0"}
    saved = post_form(clerk, f"/projects/{pid}/investment-agreement", sent)
    assert saved.status_code == 303, saved.text[:500]
    added = post_form(clerk, f"/projects/{pid}/investment-agreement/commitments",
                      {"kind": "jobs", "figure": "300", "due_on": f"{LAST_YEAR}-12-31"})  # fmt: skip
    assert added.status_code == 303, added.text[:500]
    result = {"period_kind": "year", "year": str(LAST_YEAR), "jobs": "310", "evidence_no": "人社证明 12"}
    entered = post_form(clerk, f"/projects/{pid}/results", result)
    assert entered.status_code == 303, entered.text[:500]
    queue = bureau.get("/results/pending")
    assert queue.status_code == 200 and "310" in queue.text
    row = db.execute(select(ProjectResult)).scalar_one()
    confirmed = post_form(bureau, f"/results/{row.id}/review",
                          {"version": str(row.version), "decision": "confirm", "evidence_checked": "true"})  # fmt: skip
    assert confirmed.status_code == 303
    page = clerk.get(f"/projects/{pid}")
    assert "达标" in page.text and "就业人数不低于 300.00 人" in page.text
    assert clerk.get("/results/pending").status_code == 403
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Commitment)).scalar() == 1
    assert db.execute(select(InvestmentAgreement.version)).scalar() == 1
