"""Target companies (目标企业): the list import and its de-duplication report, assigning, approaches, the
conversion to a lead through the leads service, the funnel and who sees what. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.lead import Channel, Lead
from app.models.project import Stage
from app.models.target_company import TargetApproach, TargetCompany, TargetList, TargetStatus
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import workdays
from tests.chains.factories import make_chain, make_link
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_lead, make_project
from tests.projects.helpers import fresh
from tests.target_companies.factories import make_list, make_target, valid_code, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(db):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db, name="测试东关镇")
    other = make_unit(db, name="测试西岭镇")
    clerk = make_user(db, town, display_name="李文书")
    chain = make_chain(db, name="测试储能链")
    link = make_link(db, chain, name="测试电芯")
    db.commit()
    return {
        "bureau": bureau,
        "town": town,
        "other": other,
        "clerk": clerk,
        "chain": chain,
        "link": link,
        "coordinator": make_token(db, bureau, role=TokenRole.coordinator),
        "town_token": make_token(db, town),
        "other_token": make_token(db, other),
    }


def _import(client, token, content, name="测试小巨人名单", kind="little_giant"):
    return client.post(
        "/api/v1/target-lists/import",
        data={"name": name, "kind": kind, "source_note": "工信部公示"},
        files={"workbook": ("名单.xlsx", content, XLSX)},
        headers=bearer(token),
    )


def test_a_200_row_list_is_imported_with_its_duplicates_reported(client, db, world):
    known = make_investor(db, name="深圳已知储能股份有限公司", credit_code=valid_code(7))
    by_name = make_investor(db, name="东莞同名电子有限公司")
    make_target(db, make_list(db, name="去年的名单"), credit_code=valid_code(8), name="老名单科技有限公司")
    db.commit()
    rows = [
        [f"测试目标企业{i}股份有限公司", valid_code(1000 + i), "储能", "深圳", "营收 10 亿元以上", ""]
        for i in range(193)
    ]
    rows[0][5] = "测试电芯"
    rows[1][5] = "测试储能链/测试电芯"
    rows.append(["深圳已知储能有限公司", valid_code(7), "储能", "深圳", "", ""])  # the catalogue's, by code
    rows.append(["东莞同名电子股份有限公司", "", "电子", "东莞", "", ""])  # the catalogue's, by name
    rows.append(["老名单科技有限公司", valid_code(8), "", "", "", ""])  # an earlier list's
    rows.append(["重复一次的公司", valid_code(1000), "", "", "", ""])  # repeats row 2's code
    rows.append(["无代码企业有限公司", "", "", "", "", ""])
    rows.append(["无代码企业股份有限公司", "", "", "", "", ""])  # the same name, normalised
    rows.append(["另一个测试有限公司", valid_code(5000), "", "", "", ""])
    assert len(rows) == 200
    answer = _import(client, world["coordinator"], workbook(rows))
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["added"] == 197
    assert sorted(r["investor_name"] for r in report["linked"]) == sorted([known.name, by_name.name])
    skipped = {r["name"]: r["reason"] for r in report["skipped"]}
    assert skipped == {
        "老名单科技有限公司": "已在名单“去年的名单”中",
        "重复一次的公司": "与第 2 行信用代码相同",
        "无代码企业股份有限公司": "与第 199 行名称相同",
    }
    target_list = db.execute(select(TargetList).where(TargetList.name == "测试小巨人名单")).scalar_one()
    imported = db.execute(select(TargetCompany).where(TargetCompany.list_id == target_list.id)).scalars().all()
    assert len(imported) == 197
    linked = {t.name: t.investor_id for t in imported if t.investor_id}
    assert linked == {"深圳已知储能有限公司": known.id, "东莞同名电子股份有限公司": by_name.id}
    assert sum(1 for t in imported if t.chain_link_id == world["link"].id) == 2
    # importing the same file again as another list adds nothing: every row is an earlier target
    again = _import(client, world["coordinator"], workbook(rows), name="又一份名单")
    assert again.status_code == 201 and again.json()["added"] == 0


def test_a_list_with_a_wrong_row_imports_nothing_and_says_which_row(client, db, world):
    rows = [
        ["好公司有限公司", valid_code(1), "", "", "", ""],
        ["错代码有限公司", valid_code(2)[:17] + ("0" if valid_code(2)[17] != "0" else "1"), "", "", "", ""],
        ["", valid_code(3), "", "", "", ""],
        ["找不到环节有限公司", "", "", "", "", "没有这个环节"],
    ]
    answer = _import(client, world["coordinator"], workbook(rows))
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "import_invalid"
    assert [(d["row"], d["column"]) for d in body["details"]] == [
        (3, "统一社会信用代码"),
        (4, "企业名称"),
        (5, "产业链环节"),
    ]
    assert db.execute(select(TargetList)).first() is None
    assert _import(client, world["coordinator"], b"not a workbook").json()["field"] == "workbook"
    # only the coordinator imports
    assert _import(client, world["town_token"], workbook(rows[:1])).status_code == 403


def test_assigned_targets_are_seen_by_their_unit_only_and_approached_into_a_lead(client, db, world):
    target_list = make_list(db)
    target = make_target(db, target_list, chain_link_id=world["link"].id, name="甲储能科技股份有限公司")
    unassigned = make_target(db, target_list)
    db.commit()
    coord, town, other = bearer(world["coordinator"]), bearer(world["town_token"]), bearer(world["other_token"])
    # a person of another unit cannot be assigned
    to_town = {"target_ids": [target.id], "unit_id": world["town"].id, "user_id": world["clerk"].id}
    wrong = client.post("/api/v1/target-companies/assign", headers=coord, json=to_town | {"unit_id": world["other"].id})
    assert wrong.status_code == 422 and wrong.json()["field"] == "user_id"
    assert client.post("/api/v1/target-companies/assign", headers=town,
                       json={"target_ids": [target.id], "unit_id": world["town"].id}).status_code == 403  # fmt: skip
    done = client.post("/api/v1/target-companies/assign", headers=coord, json=to_town)
    assert done.status_code == 200 and done.json()[0]["assigned_user_name"] == "李文书"
    listed = client.get("/api/v1/target-companies", headers=town).json()
    assert [t["id"] for t in listed["items"]] == [target.id]
    assert client.get(f"/api/v1/target-companies/{unassigned.id}", headers=town).status_code == 404
    # another unit neither sees the target nor its approaches, nor may it log one
    assert client.get(f"/api/v1/target-companies/{target.id}", headers=other).status_code == 404
    assert client.get("/api/v1/target-companies", headers=other).json()["total"] == 0
    approach = {"version": 2, "kind": "visit", "happened_on": workdays.today().isoformat(),
                "outcome": "拜访总部投资部，对方有意布局西北", "interested": True}  # fmt: skip
    assert (
        client.post(f"/api/v1/target-companies/{target.id}/approaches", json=approach, headers=other).status_code == 404
    )
    future = approach | {"happened_on": (workdays.today() + timedelta(days=1)).isoformat()}
    refused = client.post(f"/api/v1/target-companies/{target.id}/approaches", json=future, headers=town)
    assert refused.status_code == 422 and refused.json()["field"] == "happened_on"
    logged = client.post(f"/api/v1/target-companies/{target.id}/approaches", json=approach, headers=town)
    assert logged.status_code == 201, logged.text
    assert logged.json()["status"] == "interested" and len(logged.json()["approaches"]) == 1
    stale = client.post(f"/api/v1/target-companies/{target.id}/approaches", json=approach, headers=town)
    assert stale.status_code == 409
    keen = {"version": 3, "project_name": "储能电池项目", "intended_investment": "30000"}
    converted = client.post(f"/api/v1/target-companies/{target.id}/lead", headers=town, json=keen)
    assert converted.status_code == 201, converted.text
    body = converted.json()
    assert body["status"] == "lead" and body["approaches"][0]["outcome"].startswith("拜访总部")
    lead = db.get(Lead, body["lead_id"])
    assert lead.unit_id == world["town"].id and lead.channel is Channel.industry_chain
    assert lead.industry == "测试储能链" and "拜访总部投资部" in lead.content
    investor = lead.investor_id
    assert fresh(db, TargetCompany, target.id).investor_id == investor
    # the lead is audited like any lead; converting twice is refused
    assert db.execute(
        select(AuditEntry).where(AuditEntry.entity == "lead", AuditEntry.entity_id == str(lead.id))
    ).first()
    again = client.post(f"/api/v1/target-companies/{target.id}/lead", headers=town, json={"version": 4})
    assert again.status_code == 422


def test_a_conversion_that_looks_like_an_earlier_lead_asks_first(client, db, world):
    investor = make_investor(db, name="乙电池有限公司", credit_code=valid_code(42))
    make_lead(db, world["other"], investor)
    target = make_target(db, make_list(db), world["town"], name="乙电池股份有限公司", credit_code=valid_code(42),
                         investor_id=investor.id, status=TargetStatus.interested)  # fmt: skip
    db.commit()
    town = bearer(world["town_token"])
    asked = client.post(f"/api/v1/target-companies/{target.id}/lead", headers=town, json={"version": 1})
    assert asked.status_code == 409 and asked.json()["code"] == "duplicate_suspected"
    assert fresh(db, TargetCompany, target.id).lead_id is None
    done = client.post(f"/api/v1/target-companies/{target.id}/lead", headers=town,
                       json={"version": 1, "acknowledge_duplicates": True})  # fmt: skip
    assert done.status_code == 201


def test_the_funnel_counts_each_step_per_chain_and_per_list(client, db, world):
    town = world["town"]
    target_list = make_list(db, name="漏斗名单")
    link = world["link"]
    make_target(db, target_list, town, chain_link_id=link.id)  # not yet approached
    contacted = make_target(db, target_list, town, chain_link_id=link.id, status=TargetStatus.contacted)
    interested = make_target(db, target_list, town, chain_link_id=link.id, status=TargetStatus.interested)
    lead = make_lead(db, town)
    make_project(db, town, stage=Stage.signed, lead_id=lead.id)
    make_target(db, target_list, town, chain_link_id=link.id, status=TargetStatus.lead, lead_id=lead.id)
    make_target(db, target_list, town)  # on no chain
    today = workdays.today()
    for t, keen in ((contacted, False), (interested, True)):
        db.add(TargetApproach(target_id=t.id, kind="call", happened_on=today, outcome="电话", interested=keen))
    db.commit()
    by_chain = client.get("/api/v1/target-companies/funnel?by=chain", headers=bearer(world["coordinator"])).json()
    row = next(r for r in by_chain if r["key"] == world["chain"].id)
    assert [row[k] for k in ("targets", "contacted", "interested", "leads", "projects", "signed")] == [4, 3, 2, 1, 1, 1]
    assert next(r for r in by_chain if r["key"] is None)["targets"] == 1
    by_list = client.get("/api/v1/target-companies/funnel?by=list", headers=bearer(world["coordinator"])).json()
    assert [r["targets"] for r in by_list if r["name"] == "漏斗名单"] == [5]
    # another unit's funnel counts none of them
    assert client.get("/api/v1/target-companies/funnel", headers=bearer(world["other_token"])).json() == []


def test_the_pages_import_assign_log_and_convert(signed_in, db, world):
    from tests.conftest import csrf_from

    coordinator = make_user(db, world["bureau"], Role.coordinator)
    db.commit()
    browser = signed_in(coordinator)
    page = browser.get("/target-lists/import")
    assert page.status_code == 200 and "下载名单模板" in page.text
    csrf = csrf_from(page.text)
    rows = [
        ["丙新材料有限公司", valid_code(77), "新材料", "苏州", "", ""],
        ["丙新材料股份有限公司", "", "", "", "", ""],
    ]
    bad = browser.post("/target-lists/import", data={"csrf_token": csrf, "name": "", "kind": "listed"},
                       files={"workbook": ("a.xlsx", workbook(rows), XLSX)})  # fmt: skip
    assert bad.status_code == 422 and 'id="e-name"' in bad.text
    done = browser.post("/target-lists/import", data={"csrf_token": csrf, "name": "页面名单", "kind": "listed"},
                        files={"workbook": ("a.xlsx", workbook(rows), XLSX)})  # fmt: skip
    assert done.status_code == 200 and 'id="import-report"' in done.text and "与第 2 行名称相同" in done.text
    target = db.execute(select(TargetCompany).where(TargetCompany.name == "丙新材料有限公司")).scalar_one()
    to_link = {"csrf_token": csrf, "version": "1", "chain_link_id": str(world["link"].id)}
    linked = browser.post(f"/target-companies/{target.id}/chain-link", data=to_link)
    assert linked.status_code == 303 and fresh(db, TargetCompany, target.id).chain_link_id == world["link"].id
    assert "测试储能链 / 测试电芯" in browser.get(f"/target-companies/{target.id}").text
    missing = browser.post(f"/target-companies/{target.id}/chain-link",
                           data={"csrf_token": csrf, "version": "2", "chain_link_id": "999999"})  # fmt: skip
    assert missing.status_code == 422 and 'id="e-chain_link_id"' in missing.text
    listing = browser.get("/target-companies?status=unassigned")
    assert f'value="{target.id}"' in listing.text
    empty = browser.post("/target-companies/assign", data={"csrf_token": csrf, "unit_id": str(world["town"].id)})
    assert empty.status_code == 422 and 'id="e-target_ids"' in empty.text
    assigned = browser.post("/target-companies/assign", data={"csrf_token": csrf, "target_ids": [str(target.id)],
                            "unit_id": str(world["town"].id), "user_id": str(world["clerk"].id)})  # fmt: skip
    assert assigned.status_code == 303
    clerk = signed_in(world["clerk"])
    detail = clerk.get(f"/target-companies/{target.id}")
    assert detail.status_code == 200 and "记录敲门" in detail.text
    csrf = csrf_from(detail.text)
    typed = {"csrf_token": csrf, "version": "3", "kind": "visit", "happened_on": "", "outcome": "见到董事长"}
    refused = clerk.post(f"/target-companies/{target.id}/approaches", data=typed)
    assert refused.status_code == 422 and "见到董事长" in refused.text and 'id="e-happened_on"' in refused.text
    typed |= {"happened_on": workdays.today().isoformat(), "interested": "on", "idempotency_key": "visit-1"}
    assert clerk.post(f"/target-companies/{target.id}/approaches", data=typed).status_code == 303
    # the same form sent twice (a double tap) logs one approach
    assert clerk.post(f"/target-companies/{target.id}/approaches", data=typed).status_code == 303
    assert len(db.execute(select(TargetApproach).where(TargetApproach.target_id == target.id)).all()) == 1
    page = clerk.get(f"/target-companies/{target.id}")
    assert "转为线索" in page.text and "见到董事长" in page.text
    bad_money = clerk.post(f"/target-companies/{target.id}/lead",
                           data={"csrf_token": csrf, "version": "4", "intended_investment": "很多"})  # fmt: skip
    assert bad_money.status_code == 422 and 'id="e-intended_investment"' in bad_money.text
    converted = clerk.post(f"/target-companies/{target.id}/lead", data={"csrf_token": csrf, "version": "4"})
    assert converted.status_code == 303
    lead_id = fresh(db, TargetCompany, target.id).lead_id
    lead_page = clerk.get(f"/leads/{lead_id}")
    assert lead_page.status_code == 200 and f'href="/target-companies/{target.id}"' in lead_page.text
    funnel = clerk.get("/target-companies/funnel")
    assert funnel.status_code == 200 and "页面名单" in funnel.text


def test_a_target_whose_lead_became_a_confidential_project_is_not_named_to_those_who_may_not_see_it(
    client, db, world, signed_in
):
    town = world["town"]
    lead = make_lead(db, town)
    make_project(db, town, lead_id=lead.id, is_confidential=True, code_name="保密-01", name="丁锂电池项目")
    target = make_target(db, make_list(db), town, name="丁锂电池股份有限公司", status=TargetStatus.lead,
                         lead_id=lead.id, investor_id=lead.investor_id)  # fmt: skip
    db.add(TargetApproach(target_id=target.id, kind="visit", happened_on=workdays.today(),
                          outcome="丁锂电池董事长同意来县考察", interested=True))  # fmt: skip
    supervisor = make_user(db, make_unit(db, kind=UnitKind.department, tier=2), Role.supervisor)
    reader = make_token(db, None, read_only=True)
    db.commit()
    for answer in (
        client.get(f"/api/v1/target-companies/{target.id}", headers=bearer(reader)).text,
        client.get("/api/v1/target-companies", headers=bearer(reader)).text,
        signed_in(supervisor).get(f"/target-companies/{target.id}").text,
        signed_in(supervisor).get("/target-companies").text,
    ):
        assert "丁锂电池" not in answer and "（保密）" in answer
    shown = client.get(f"/api/v1/target-companies/{target.id}", headers=bearer(reader)).json()
    assert shown["lead_id"] is None and shown["credit_code"] is None and shown["approaches"] == []
    # the coordinator sees the firm, its lead and its approaches
    coordinator = client.get(f"/api/v1/target-companies/{target.id}", headers=bearer(world["coordinator"])).json()
    assert coordinator["name"] == "丁锂电池股份有限公司" and coordinator["lead_id"] == lead.id
    assert len(coordinator["approaches"]) == 1
