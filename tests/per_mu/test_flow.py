"""The per-mu evaluation through the API and the pages: the scheme (weights summing to 100, the version and
its 409, frozen once published), the preview and the published results (paged and filtered), the grade's
hook, masking of a confidential project and its firm in the list and the XLSX, the project page's section.
SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models.project import Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import workdays
from tests.agreements.factories import make_result
from tests.conftest import csrf_from
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_project

YEAR = workdays.today().year - 1
SCHEME = {
    "weight_tax_per_mu": "40", "weight_output_per_mu": "30", "weight_output_per_energy": "20",
    "weight_rd_share": "10", "benchmark_tax_per_mu": "30", "benchmark_output_per_mu": "500",
    "benchmark_output_per_energy": "5", "benchmark_rd_share": "3", "band_a": "85", "band_b": "70", "band_c": "50",
}  # fmt: skip


@pytest.fixture
def world(db):
    town = make_unit(db, name="城关镇人民政府")
    other = make_unit(db, name="青石镇人民政府")
    bureau = make_unit(db, name="县招商局")
    zone = make_unit(db, name="青山高新区", kind=UnitKind.zone)
    on = date(YEAR - 1, 3, 1)
    firm = make_investor(db, name="青山新能源科技有限公司")
    open_ = make_project(db, town, stage=Stage.production, reached=on, investor=firm, zone_unit_id=zone.id,
                         industry_chain="新能源")  # fmt: skip
    secret_firm = make_investor(db, name="绝密电池股份有限公司")
    secret = make_project(db, town, stage=Stage.production, reached=on, investor=secret_firm, name="绝密储能项目X",
                          code_name="代号甲", is_confidential=True)  # fmt: skip
    make_result(
        db,
        open_,
        YEAR,
        land_used_mu=Decimal(100),
        tax=Decimal(2400),
        output=Decimal(40000),
        energy_tce=Decimal(10000),
        rd_spend=Decimal(1200),
    )  # fmt: skip  82.00 → B
    make_result(
        db, secret, YEAR, land_used_mu=Decimal(80), tax=Decimal(160), output=Decimal(8000), energy_tce=Decimal(4000)
    )  # fmt: skip  16.67 → D
    coordinator = make_user(db, bureau, Role.coordinator)
    tokens = {
        "town": make_token(db, town),
        "other": make_token(db, other),
        "bureau": make_token(db, bureau, role=TokenRole.coordinator, scopes=["read", "targets"]),
        "reader": make_token(db, None, read_only=True),
    }
    db.commit()
    return {"town": town, "other": other, "open": open_, "secret": secret, "firm": firm,
            "secret_firm": secret_firm, "tokens": tokens, "coordinator": coordinator, "zone": zone}  # fmt: skip


def api(client, world, who, method, path, **kw):
    return client.request(method, f"/api/v1{path}", headers=bearer(world["tokens"][who]), **kw)


def test_scheme_preview_publish_and_the_grade_hook(client, db, world):
    bad = api(client, world, "bureau", "PUT", f"/per-mu/{YEAR}/scheme", json={**SCHEME, "weight_rd_share": "20"})
    assert bad.status_code == 422 and bad.json()["field"] == "weights", bad.text
    assert "之和须为 100" in bad.text
    assert api(client, world, "town", "PUT", f"/per-mu/{YEAR}/scheme", json=SCHEME).status_code == 403
    saved = api(client, world, "bureau", "PUT", f"/per-mu/{YEAR}/scheme", json=SCHEME)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1 and saved.json()["status"] == "draft"
    stale = api(client, world, "bureau", "PUT", f"/per-mu/{YEAR}/scheme", json={**SCHEME, "version": 7})
    assert stale.status_code == 409
    preview = api(client, world, "bureau", "GET", f"/per-mu/{YEAR}/results").json()
    assert preview["published"] is False and preview["total"] == 2
    assert preview["grade_counts"] == {"A": 0, "B": 1, "C": 0, "D": 1, "none": 0}
    first = preview["results"][0]
    assert (first["tax_per_mu"], first["score"], first["grade"]) == ("24.00", "82.00", "B")
    # the other town's token sees none of the town's projects
    assert api(client, world, "other", "GET", f"/per-mu/{YEAR}/results").json()["total"] == 0
    published = api(client, world, "bureau", "POST", f"/per-mu/{YEAR}/publish", json={"version": 1})
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["results_count"] == 4
    again = api(client, world, "bureau", "PUT", f"/per-mu/{YEAR}/scheme", json={**SCHEME, "version": 2})
    assert again.status_code == 422 and "已发布" in again.json()["message"]
    frozen = api(client, world, "reader", "GET", f"/per-mu/{YEAR}/results?grade=D").json()
    assert frozen["published"] is True and frozen["total"] == 1
    row = frozen["results"][0]
    assert row["name"] == "【保密】代号甲" and row["firm_name"] == "（保密）"  # the reader sees no identity
    firms = api(client, world, "reader", "GET", f"/per-mu/{YEAR}/results?level=firm&grade=D").json()
    assert firms["results"][0]["name"] == "（保密）"
    by_zone = api(client, world, "bureau", "GET", f"/per-mu/{YEAR}/results?zone_unit_id={world['zone'].id}").json()
    assert by_zone["total"] == 1 and by_zone["results"][0]["name"] == world["open"].name
    grade = api(client, world, "bureau", "GET", f"/per-mu/{YEAR}/grade?investor_id={world['secret_firm'].id}")
    assert grade.json()["grade"] == "D"
    mine = api(client, world, "town", "GET", f"/per-mu/{YEAR}/grade?project_id={world['open'].id}&firm=true")
    assert mine.json()["grade"] == "B"
    assert api(client, world, "other", "GET", f"/per-mu/{YEAR}/grade?project_id={world['open'].id}").status_code == 404
    breakdown = api(client, world, "bureau", "GET", f"/per-mu/{YEAR}/breakdown?by=chain").json()
    assert {b["name"]: b["counts"]["B"] for b in breakdown}["新能源"] == 1
    project = api(client, world, "bureau", "GET", f"/projects/{world['secret'].id}").json()
    assert "per_mu_d" in project["flags"]


def test_the_pages_the_form_the_export_and_the_project_section(app, db, world, signed_in):
    browser = signed_in(world["coordinator"])
    form = browser.get(f"/per-mu/{YEAR}/scheme")
    assert form.status_code == 200 and 'name="weight_tax_per_mu" type="text" value="40"' in form.text
    csrf = csrf_from(form.text)
    refused = browser.post(f"/per-mu/{YEAR}/scheme", data={"csrf_token": csrf, **SCHEME, "weight_rd_share": "5"})
    assert refused.status_code == 422 and 'id="e-weights"' in refused.text and "现为 95" in refused.text
    assert 'name="weight_rd_share" type="text" value="5"' in refused.text
    assert browser.post(f"/per-mu/{YEAR}/scheme", data={"csrf_token": csrf, **SCHEME}).status_code == 303
    page = browser.get(f"/per-mu?year={YEAR}")
    assert page.status_code == 200 and "未发布（预览）" in page.text and "82.00" in page.text
    published = browser.post(f"/per-mu/{YEAR}/publish", data={"csrf_token": csrf, "version": "1"})
    assert published.status_code == 303, published.text[:500]
    page = browser.get(f"/per-mu?year={YEAR}&grade=D")
    assert "绝密储能项目X" in page.text  # the coordinator sees the identity
    sheet = browser.get(f"/per-mu/{YEAR}/export.xlsx")
    assert sheet.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True) for c in row]
    assert "绝密储能项目X" in cells
    detail = browser.get(f"/projects/{world['open'].id}")
    assert 'id="per-mu"' in detail.text and "B 类 · 82.00 分" in detail.text
    # a supervisor reads everything but not a confidential project's identity
    supervisor = make_user(db, world["other"], Role.supervisor)
    other_browser = signed_in(supervisor)
    page = other_browser.get(f"/per-mu?year={YEAR}&level=firm")
    assert "绝密" not in page.text and "（保密）" in page.text
    sheet = other_browser.get(f"/per-mu/{YEAR}/export.xlsx?level=firm")
    assert not any(
        "绝密" in str(c)
        for row in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
        for c in row
    )
