"""Industry chains (产业链): the coordinator builds a chain and its links; gaps and weak links from the local
firms and the projects in production; the figures per link; a project attached to a link (its chain text set);
local firms; investors who bring investors (以商招商); a confidential project and investor masked; the pages and
the XLSX. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models.agreement import PeriodKind, ProjectResult, ResultStatus
from app.models.chain import ChainLink, ChainLinkProject
from app.models.project import Project, ProjectStatus, Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from app.services import workdays
from tests.chains.factories import attach_firm, attach_project, introduce, make_chain, make_link
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import make_investor, make_lead, make_project
from tests.projects.helpers import fresh, post_form


@pytest.fixture
def world(db):
    town = make_unit(db, name="测试城关镇")
    other = make_unit(db, name="测试青石镇")
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    leader = make_user(db, bureau, Role.leader, display_name="王链长")
    db.commit()
    return {
        "town": town,
        "other": other,
        "leader": leader,
        "coordinator": make_token(db, bureau, role=TokenRole.coordinator),
        "town_token": make_token(db, town),
        "other_token": make_token(db, other),
        "reader": make_token(db, None, read_only=True),
    }


def test_the_coordinator_builds_a_chain_and_its_links_as_a_tree(client, db, world):
    h = bearer(world["coordinator"])
    body = {"name": "新材料", "chief_user_id": world["leader"].id, "leading_firm_name": "青山硅业",
            "unit_ids": [world["town"].id]}  # fmt: skip
    created = client.post("/api/v1/chains", json=body, headers=h)
    assert created.status_code == 201, created.text
    chain = created.json()
    assert chain["chief_name"] == "王链长" and chain["leading_firm"] == "青山硅业" and chain["links"] == []
    assert chain["units"] == [{"id": world["town"].id, "name": "测试城关镇"}]
    cid = chain["id"]
    assert client.post("/api/v1/chains", json=body, headers=h).json()["field"] == "name"
    not_a_leader = client.post("/api/v1/chains", json={"name": "其他链", "chief_user_id": 999999}, headers=h)
    assert not_a_leader.status_code == 422 and not_a_leader.json()["field"] == "chief_user_id"
    # units' staff read chains but do not keep them
    refused = client.post(f"/api/v1/chains/{cid}/links", json={"name": "原材料"}, headers=bearer(world["town_token"]))
    assert refused.status_code == 403

    def add(name: str, parent: int | None = None, stage: str = "midstream") -> int:
        answer = client.post(f"/api/v1/chains/{cid}/links", json={"name": name, "parent_id": parent, "stage": stage},
                             headers=h)  # fmt: skip
        assert answer.status_code == 201, answer.text
        return next(link["id"] for link in answer.json()["links"] if link["name"] == name)

    raw = add("原材料", stage="upstream")
    silicon = add("工业硅", raw, "upstream")
    parts = add("零部件")
    add("整机组装")
    add("配套服务", stage="downstream")
    links = client.get(f"/api/v1/chains/{cid}", headers=bearer(world["reader"])).json()["links"]
    assert {link["path"] for link in links} >= {"原材料 › 工业硅", "零部件"}
    assert next(link for link in links if link["id"] == silicon)["depth"] == 2
    assert all(link["status"] == "gap" for link in links)  # nothing on them yet
    # rename and reorder; a stale version is refused; a link cannot hang under its own sub-link
    link = next(x for x in links if x["id"] == raw)
    renamed = client.put(f"/api/v1/chains/{cid}/links/{raw}", headers=h, json={
        "name": "基础原材料", "stage": "upstream", "position": 9, "version": link["version"]})  # fmt: skip
    assert renamed.status_code == 200, renamed.text
    stale = client.put(f"/api/v1/chains/{cid}/links/{raw}", headers=h, json={
        "name": "原料", "stage": "upstream", "version": link["version"]})  # fmt: skip
    assert stale.status_code == 409
    circle = client.put(f"/api/v1/chains/{cid}/links/{raw}", headers=h, json={
        "name": "基础原材料", "parent_id": silicon, "stage": "upstream", "version": link["version"] + 1})  # fmt: skip
    assert circle.status_code == 422 and circle.json()["field"] == "parent_id"
    duplicate = client.post(f"/api/v1/chains/{cid}/links", json={"name": "零部件"}, headers=h)
    assert duplicate.status_code == 422 and duplicate.json()["field"] == "name"
    # a link with a sub-link or a project is kept; an empty one goes
    assert client.delete(f"/api/v1/chains/{cid}/links/{raw}", headers=h).status_code == 422
    project = make_project(db, world["town"])
    attach_project(db, db.get(ChainLink, parts), project)
    db.commit()
    kept = client.delete(f"/api/v1/chains/{cid}/links/{parts}", headers=h)
    assert kept.status_code == 422 and "项目" in kept.json()["message"]
    assert client.delete(f"/api/v1/chains/{cid}/links/{silicon}", headers=h).status_code == 200
    assert fresh(db, ChainLink, raw) is not None and db.get(ChainLink, silicon) is None


def test_gaps_weak_links_and_the_figures_per_link(client, db, world):
    chain = make_chain(db, name="绿色食品")
    firm_only = make_link(db, chain, name="种养基地")  # one attached firm: weak (threshold 2)
    producing = make_link(db, chain, name="精深加工", weak_threshold=1)  # a project in production: stands
    signed_only = make_link(db, chain, name="冷链物流")  # a signed project only: still a gap
    empty = make_link(db, chain, name="品牌营销")  # nothing: a gap
    attach_firm(db, firm_only)
    lead = make_lead(db, world["town"])
    mill = make_project(db, world["town"], stage=Stage.production, lead_id=lead.id, funds_confirmed=Decimal(1200))
    attach_project(db, producing, mill)
    last_year = workdays.today().year - 1
    for year, status, output in ((last_year, ResultStatus.confirmed, 5000), (last_year, ResultStatus.pending, 900),
                                 (last_year - 1, ResultStatus.confirmed, 700)):  # fmt: skip
        db.add(ProjectResult(project_id=mill.id, period_kind=PeriodKind.year, year=year, status=status,
                             output=Decimal(output), tax=Decimal(output) / 10))  # fmt: skip
    attach_project(db, signed_only, make_project(db, world["town"], stage=Stage.signed, funds_confirmed=Decimal(300)))
    gone = make_project(db, world["town"], stage=Stage.production, status=ProjectStatus.terminated)
    attach_project(db, empty, gone)  # terminated: counts for nothing
    db.commit()
    answer = client.get(f"/api/v1/chains/{chain.id}", headers=bearer(world["town_token"]))
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert [x["name"] for x in got["links"]] == ["冷链物流", "品牌营销", "种养基地", "精深加工"]  # gaps, weak, rest
    assert (got["gaps"], got["weak"], got["results_year"]) == (2, 1, last_year)
    by = {x["name"]: x for x in got["links"]}
    assert by["种养基地"]["status"] == "weak" and by["种养基地"]["firms"] == 1
    mill_link = by["精深加工"]
    assert mill_link["status"] == "ok" and mill_link["firms"] == 1 and mill_link["leads"] == 1
    assert mill_link["projects_by_stage"] == {"production": 1} and Decimal(mill_link["funds_confirmed"]) == 1200
    assert Decimal(mill_link["output_last_year"]) == 5000 and Decimal(mill_link["tax_last_year"]) == 500
    cold = by["冷链物流"]
    assert cold["status_label"] == "缺链" and cold["projects"] == 1 and Decimal(cold["funds_confirmed"]) == 300
    assert by["品牌营销"]["projects"] == 0
    listed = client.get("/api/v1/chains", headers=bearer(world["reader"])).json()["items"]
    mine = next(x for x in listed if x["id"] == chain.id)
    assert (mine["links"], mine["gaps"], mine["weak"], mine["firms"], mine["projects"]) == (4, 2, 1, 2, 2)


def test_a_project_is_attached_to_a_link_and_takes_the_chain_name(client, db, world):
    chain = make_chain(db, name="新材料")
    link = make_link(db, chain, name="工业硅")
    project = make_project(db, world["town"], stage=Stage.production, industry_chain="材料")
    db.commit()
    first = project.version
    path = f"/api/v1/projects/{project.id}/chain-link"
    other = client.put(path, json={"chain_link_id": link.id, "version": first},
                       headers=bearer(world["other_token"]))  # fmt: skip
    assert other.status_code == 404  # another unit's project is not disclosed
    h = bearer(world["town_token"])
    done = client.put(path, json={"chain_link_id": link.id, "version": first}, headers=h)
    assert done.status_code == 200, done.text
    assert done.json() | {"version": 0} == {"project_id": project.id, "chain_link_id": link.id, "chain_id": chain.id,
                                           "chain_name": "新材料", "link_name": "工业硅", "industry_chain": "新材料",
                                           "version": 0}  # fmt: skip
    assert fresh(db, Project, project.id).industry_chain == "新材料"
    shown = client.get(f"/api/v1/chains/{chain.id}", headers=h).json()["links"][0]
    assert shown["status"] == "weak" and shown["firms"] == 1  # its investor in production is a local firm
    stale = client.put(path, json={"chain_link_id": None, "version": first}, headers=h)
    assert stale.status_code == 409
    missing = client.put(path, json={"chain_link_id": 999999, "version": done.json()["version"]}, headers=h)
    assert missing.status_code == 422 and missing.json()["field"] == "chain_link_id"
    off = client.put(path, json={"chain_link_id": None, "version": done.json()["version"]}, headers=h)
    assert off.status_code == 200 and off.json()["chain_link_id"] is None and off.json()["industry_chain"] == "新材料"
    assert client.get(path, headers=bearer(world["reader"])).json()["chain_link_id"] is None


def test_local_firms_are_attached_by_the_coordinator_or_the_unit_of_their_project(client, db, world):
    chain = make_chain(db)
    link = make_link(db, chain)
    ours = make_project(db, world["town"], stage=Stage.production)
    stranger = make_investor(db)
    db.commit()
    path = f"/api/v1/chains/{chain.id}/firms"
    town = bearer(world["town_token"])
    assert client.post(path, json={"link_id": link.id, "investor_id": stranger.id}, headers=town).status_code == 403
    added = client.post(path, json={"link_id": link.id, "investor_id": ours.investor_id}, headers=town)
    assert added.status_code == 201, added.text
    again = client.post(path, json={"link_id": link.id, "investor_id": ours.investor_id}, headers=town)
    assert again.status_code == 422 and again.json()["field"] == "investor_id"
    coordinator = bearer(world["coordinator"])
    by_bureau = client.post(path, json={"link_id": link.id, "investor_id": stranger.id}, headers=coordinator)
    assert by_bureau.status_code == 201
    firms = client.get(path, headers=bearer(world["reader"])).json()
    assert firms["total"] == 2
    mine = next(f for f in firms["items"] if f["investor_id"] == ours.investor_id)
    assert mine["in_production"] is True
    other = bearer(world["other_token"])
    assert client.delete(f"{path}/{mine['id']}", headers=other).status_code == 403
    assert client.delete(f"{path}/{mine['id']}", headers=town).status_code == 200
    wrong_link = client.post(path, json={"link_id": 999999, "investor_id": stranger.id}, headers=coordinator)
    assert wrong_link.status_code == 422 and wrong_link.json()["field"] == "link_id"


def test_an_investor_in_the_county_is_recorded_as_the_introducer_and_the_chain_lists_it(client, db, world):
    chain = make_chain(db)
    link = make_link(db, chain, name="硅片")
    introducer = make_investor(db, name="青山硅材料股份有限公司")
    make_project(db, world["town"], investor=introducer, stage=Stage.production)
    brought = make_investor(db, name="江苏晶硅新材料有限公司", created_by_unit_id=world["town"].id)
    newcomer = make_project(db, world["town"], investor=brought, stage=Stage.signed, name="多晶硅切片项目")
    attach_project(db, link, newcomer)
    outsider = make_investor(db)
    db.commit()
    path = f"/api/v1/investors/{brought.id}/introducer"
    h = bearer(world["town_token"])
    assert client.get(path, headers=h).json() == {"investor_id": brought.id, "introducer_id": None,
                                                  "introducer_name": "", "note": "", "version": 0, "brought": [],
                                                  "brought_total": 0}  # fmt: skip
    not_here = client.put(path, json={"introducer_id": outsider.id, "version": 0}, headers=h)
    assert not_here.status_code == 422 and "已在本县" in not_here.json()["details"][0]["message"]
    itself = client.put(path, json={"introducer_id": brought.id, "version": 0}, headers=h)
    assert itself.status_code == 422
    assert client.put(path, json={"introducer_id": introducer.id, "version": 0},
                      headers=bearer(world["other_token"])).status_code == 403  # fmt: skip
    done = client.put(path, json={"introducer_id": introducer.id, "note": "董事长引荐", "version": 0}, headers=h)
    assert done.status_code == 200, done.text
    assert done.json()["introducer_name"] == "青山硅材料股份有限公司" and done.json()["version"] == 1
    assert client.put(path, json={"introducer_id": introducer.id, "version": 0}, headers=h).status_code == 409
    theirs = client.get(f"/api/v1/investors/{introducer.id}/introducer", headers=bearer(world["reader"])).json()
    assert theirs["brought"] == [{"id": brought.id, "name": "江苏晶硅新材料有限公司"}]
    # no circle: the introducer cannot be recorded as brought by the one it brought
    make_project(db, world["town"], investor=brought, stage=Stage.landed)
    introducer.created_by_unit_id = world["town"].id
    db.commit()
    circle = client.put(f"/api/v1/investors/{introducer.id}/introducer", json={"introducer_id": brought.id,
                        "version": 0}, headers=h)  # fmt: skip
    assert circle.status_code == 422 and "循环" in circle.json()["details"][0]["message"]
    rows = client.get(f"/api/v1/chains/{chain.id}/referrals", headers=bearer(world["reader"])).json()
    assert rows["total"] == 1
    row = rows["items"][0]
    assert (row["introducer_name"], row["investor_name"], row["project_name"], row["link_name"]) == (
        "青山硅材料股份有限公司", "江苏晶硅新材料有限公司", "多晶硅切片项目", "硅片")  # fmt: skip


def test_a_confidential_project_on_a_chain_is_not_named_to_those_who_may_not_see_it(client, db, world):
    chain = make_chain(db)
    link = make_link(db, chain, name="储能电池")
    secret_firm = make_investor(db, name="绝密电池集团")
    secret = make_project(db, world["town"], investor=secret_firm, stage=Stage.production, name="绝密电池项目",
                          code_name="代号七", is_confidential=True)  # fmt: skip
    attach_project(db, link, secret)
    attach_firm(db, link, secret_firm)
    local = make_investor(db, name="公开本地企业")
    make_project(db, world["other"], investor=local, stage=Stage.production)
    introduce(db, secret_firm, local)
    chain.leading_investor_id = secret_firm.id
    supervisor = make_user(db, make_unit(db, kind=UnitKind.department, tier=2), Role.supervisor)
    db.commit()
    for token, expected in ((world["town_token"], "绝密电池项目"), (world["reader"], "【保密】代号七"),
                            (world["other_token"], "其他单位的项目")):  # fmt: skip
        h = bearer(token)
        projects = client.get(f"/api/v1/chains/{chain.id}/projects", headers=h).json()["items"]
        assert projects[0]["name"] == expected, (token, projects)
        seen = "".join(client.get(p, headers=h).text for p in (
            f"/api/v1/chains/{chain.id}", f"/api/v1/chains/{chain.id}/firms", f"/api/v1/chains/{chain.id}/referrals",
            "/api/v1/chains"))  # fmt: skip
        assert ("绝密电池" in seen) == (expected == "绝密电池项目"), token
    assert login(client, supervisor.username, PASSWORD).status_code == 303
    for path in (
        f"/chains/{chain.id}",
        "/chains",
        f"/chains/{chain.id}/export.xlsx",
        f"/investors/{local.id}/introducer",
    ):
        page = client.get(path)
        assert page.status_code == 200 and "绝密电池" not in page.text
    assert "公开本地企业" in client.get(f"/chains/{chain.id}").text  # the introducer itself is public


def test_the_pages_build_a_chain_attach_a_project_and_export_the_table(db, world, signed_in):
    coordinator = signed_in(make_user(db, role=Role.coordinator))
    form = {"name": "装备制造", "chief_user_id": world["leader"].id, "leading_investor_id": "",
            "leading_firm_name": "青山重工", "team_unit_id": "", "description": "", "sort_order": "1"}  # fmt: skip
    created = post_form(coordinator, "/chains", form)
    assert created.status_code == 303, created.text[:800]
    cid = int(created.headers["location"].split("/")[2].split("?")[0])
    bad = post_form(coordinator, f"/chains/{cid}/links", {"name": "", "stage": "upstream", "weak_threshold": "0"})
    assert bad.status_code == 422 and "至少 1 个字符" in bad.text and "不能小于 1" in bad.text
    for name in ("铸锻件", "零部件", "整机", "售后服务", "检测"):
        made = post_form(coordinator, f"/chains/{cid}/links", {"name": name, "stage": "midstream",
                                                               "weak_threshold": "2", "parent_id": ""})  # fmt: skip
        assert made.status_code == 303, made.text[:800]
    project = make_project(db, world["town"], stage=Stage.full_capacity)
    db.commit()
    link_id = db.query(ChainLink.id).filter(ChainLink.chain_id == cid, ChainLink.name == "整机").scalar()
    section = coordinator.get(f"/projects/{project.id}/chain-link")
    assert section.status_code == 200 and "装备制造 › 整机" in section.text
    attached = post_form(coordinator, f"/projects/{project.id}/chain-link",
                         {"chain_link_id": link_id, "version": project.version})  # fmt: skip
    assert attached.status_code == 303, attached.text[:800]
    assert db.query(ChainLinkProject).filter(ChainLinkProject.project_id == project.id).one().link_id == link_id
    page = coordinator.get(f"/chains/{cid}")
    assert page.status_code == 200 and 'id="chain-graph"' in page.text and "/static/echarts-6.1.0.min.js" in page.text
    assert f'id="link-{link_id}" class="link-weak"' in page.text
    sheet = coordinator.get(f"/chains/{cid}/export.xlsx")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    body = [r for r in rows if r and r[0] in ("铸锻件", "零部件", "整机", "售后服务", "检测")]
    assert [r[2] for r in body] == ["缺链", "缺链", "缺链", "缺链", "弱链"] and body[-1][0] == "整机"
    reader = signed_in(make_user(db, world["other"]))
    assert reader.get(f"/chains/{cid}").status_code == 200
    assert post_form(reader, f"/chains/{cid}/links", {"name": "x", "stage": "upstream"}).status_code == 403


def test_the_chain_form_keeps_a_leading_firm_that_is_not_in_the_county(db, world, signed_in):
    firm = make_investor(db, name="外地龙头集团")
    chain = make_chain(db, leading_investor_id=firm.id)
    db.commit()
    coordinator = signed_in(make_user(db, role=Role.coordinator))
    form = coordinator.get(f"/chains/{chain.id}/edit")
    assert form.status_code == 200 and f'<option value="{firm.id}" selected>外地龙头集团</option>' in form.text
    staff = signed_in(make_user(db, world["town"]))
    assert staff.get(f"/chains/{chain.id}/edit").status_code == 403
