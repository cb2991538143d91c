"""The public catalogue (对外发布): the coordinator publishes the profile, projects and sites in Chinese and
English; the public pages (/invest) show only what is published, in both languages, cacheable; a crawl of
every public page, the feed and the sitemap finds nothing off the publish list. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import urljoin, urlsplit

import pytest

from app.models.project import Project, Stage
from app.models.publish import PublicProject
from app.models.unit import UnitKind
from app.models.user import Role
from app.scopes import TokenRole
from tests.factories import bearer, make_token, make_unit, make_user
from tests.land.factories import make_park, make_plot
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import fresh, post_form

REAL_NAME = "青山真实项目全称"
INVESTOR = "深圳隐秘投资有限公司"
INVESTOR_PHONE = "13900001111"
INVESTOR_CONTACT = "赵内部联系人"
INTRODUCER = "李引荐人"
PROJECT_NOTE = "内部备注底价可谈"
SECRET_NAME = "绝密新能源基地"
SECRET_CODE = "代号青鸟"
DRAFT_TITLE = "草稿未发布项目标题"
DRAFT_TITLE_EN = "Draft title not published"
PLOT_NOTE = "地块内部备注勿外传"
WITHDRAWN_TITLE = "已撤下的项目标题"
SECRETS = [REAL_NAME, INVESTOR, INVESTOR_PHONE, INVESTOR_CONTACT, INTRODUCER, PROJECT_NOTE, SECRET_NAME,
           SECRET_CODE, DRAFT_TITLE, DRAFT_TITLE_EN, PLOT_NOTE, WITHDRAWN_TITLE]  # fmt: skip


@pytest.fixture
def world(db):
    bureau = make_unit(db, kind=UnitKind.department, tier=1, name="县投资促进局", phone="0310-5550000")
    town = make_unit(db, name="测试城关镇", phone="0310-5551111")
    investor = make_investor(db, name=INVESTOR, contact_name=INVESTOR_CONTACT, contact_phone=INVESTOR_PHONE)
    packaged = dict(stage=Stage.packaged, responsible=bureau)
    project = make_project(
        db, town, investor=investor, name=REAL_NAME, introducer_name=INTRODUCER, content=PROJECT_NOTE,
        planned_investment=Decimal(12000), land_area_mu=Decimal(80), industry_chain="新材料", **packaged,
    )  # fmt: skip
    draft_source = make_project(db, town, name="另一个策划项目", **packaged)
    withdrawn_source = make_project(db, town, name="第三个策划项目", **packaged)
    secret = make_project(db, town, name=SECRET_NAME, code_name=SECRET_CODE, is_confidential=True, **packaged)
    park = make_park(db, name="经济开发区")
    plot = make_plot(db, park, name="东区A-12地块", area_mu=Decimal(56), note=PLOT_NOTE)
    coordinator = make_user(db, bureau, Role.coordinator)
    staff = make_user(db, town, Role.unit_staff)
    db.commit()
    return {
        "project": project, "draft_source": draft_source, "withdrawn_source": withdrawn_source, "secret": secret,
        "plot": plot, "coordinator": coordinator, "staff": staff,
        "token": make_token(db, bureau, role=TokenRole.coordinator, scopes=["read", "admin"]),
        "town_token": make_token(db, town),
    }  # fmt: skip


PROFILE = {
    "title_zh": "投资清河", "title_en": "Invest in Qinghe",
    "intro_zh": "清河县交通便利。", "intro_en": "Qinghe is well connected.",
    "industries_zh": "新材料、绿色食品", "industries_en": "New materials, green food",
    "figures_zh": "地区生产总值：312 亿元\n常住人口：56 万", "figures_en": "GDP: RMB 31.2 billion\nPopulation: 560,000",
    "policies_zh": "固定资产投资奖励。", "policies_en": "Awards on fixed-asset investment.",
}  # fmt: skip


def _publish_all(client, world):
    """Through the API: the profile, a project (title unlike the project's name), a draft, a withdrawn one, a site."""
    h = bearer(world["token"])
    saved = client.put("/api/v1/publish/profile", json={**PROFILE, "version": 0}, headers=h)
    assert saved.status_code == 200, saved.text
    assert (
        client.post("/api/v1/publish/profile/state", json={"action": "publish", "version": 1}, headers=h).json()[
            "state"
        ]
        == "published"
    )
    prefill = client.get(f"/api/v1/publish/projects/prefill?project_id={world['project'].id}", headers=h).json()
    assert prefill["title_zh"] == REAL_NAME and prefill["contact_zh"] == "县投资促进局"
    assert Decimal(prefill["investment_wan"]) == 12000 and Decimal(prefill["land_mu"]) == 80
    assert INVESTOR not in json.dumps(prefill, ensure_ascii=False)
    body = {
        **{k: v for k, v in prefill.items() if k not in ("title_zh",)},
        "title_zh": "高性能复合材料项目", "title_en": "High-performance composites",
        "chain_en": "New materials", "summary_zh": "建设生产线 3 条。", "summary_en": "Three production lines.",
        "returns_zh": "达产后年产值约 3 亿元。", "returns_en": "About RMB 300 million a year at capacity.",
        "contact_en": "County Investment Promotion Bureau",
    }  # fmt: skip
    created = client.post("/api/v1/publish/projects", json=body, headers=h)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert client.post(f"/api/v1/publish/projects/{pid}/state", json={"action": "publish", "version": 1},
                       headers=h).status_code == 200  # fmt: skip
    draft = client.post("/api/v1/publish/projects", headers=h, json={
        "project_id": world["draft_source"].id, "title_zh": DRAFT_TITLE, "title_en": DRAFT_TITLE_EN,
        "investment_wan": "500"})  # fmt: skip
    assert draft.status_code == 201, draft.text
    gone = client.post("/api/v1/publish/projects", headers=h, json={
        "project_id": world["withdrawn_source"].id, "title_zh": WITHDRAWN_TITLE, "investment_wan": "500"})  # fmt: skip
    gid = gone.json()["id"]
    client.post(f"/api/v1/publish/projects/{gid}/state", json={"action": "publish", "version": 1}, headers=h)
    client.post(f"/api/v1/publish/projects/{gid}/state", json={"action": "withdraw", "version": 2}, headers=h)
    site_prefill = client.get(f"/api/v1/publish/sites/prefill?plot_id={world['plot'].id}", headers=h).json()
    assert PLOT_NOTE not in json.dumps(site_prefill, ensure_ascii=False)
    site = client.post("/api/v1/publish/sites", headers=h, json={
        "plot_id": world["plot"].id, "name_zh": site_prefill["name_zh"], "name_en": "East Zone plot A-12",
        "park_zh": site_prefill["park_zh"], "park_en": "Economic Development Zone", "area": site_prefill["area"],
        "use_zh": site_prefill["use_zh"], "use_en": "Industrial land", "price_zh": site_prefill["price_zh"],
        "price_en": "RMB 180,000 per mu"})  # fmt: skip
    assert site.status_code == 201, site.text
    sid = site.json()["id"]
    client.post(f"/api/v1/publish/sites/{sid}/state", json={"action": "publish", "version": 1}, headers=h)
    return {"project": pid, "draft": draft.json()["id"], "withdrawn": gid, "site": sid}


_HREF = re.compile(r'(?:href|action)="([^"]+)"')
_LOC = re.compile(r"<loc>([^<]+)</loc>|href=\"([^\"]+)\"")


def _crawl(client, starts):
    seen: dict[str, str] = {}
    queue = list(starts)
    while queue:
        url = queue.pop()
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen or not (path.startswith("/invest") or path == "/robots.txt"):
            continue
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        seen[path] = response.text
        for found in _HREF.findall(response.text) + [a or b for a, b in _LOC.findall(response.text)]:
            target = urljoin(f"http://testserver{path}", found.replace("&amp;", "&"))
            if urlsplit(target).netloc == "testserver":
                queue.append(target)
        if path.endswith("feed.json"):
            queue += [item["url"] for item in response.json()["items"]]
    return seen


def test_the_crawl_of_every_public_page_finds_nothing_off_the_publish_list(client, world):
    ids = _publish_all(client, world)
    confidential = client.post("/api/v1/publish/projects", headers=bearer(world["token"]), json={
        "project_id": world["secret"].id, "title_zh": "随便", "investment_wan": "1"})  # fmt: skip
    assert confidential.status_code == 422 and confidential.json()["field"] == "project_id"
    pages = _crawl(client, ["/invest/zh/", "/invest/en/", "/invest/feed.json", "/invest/sitemap.xml", "/robots.txt"])
    for lang in ("zh", "en"):  # every page in both languages was reached by following links
        for tail in ("", "projects", "sites", "policies", f"projects/{ids['project']}", f"sites/{ids['site']}"):
            assert f"/invest/{lang}/{tail}" in pages, f"/invest/{lang}/{tail} not reached"
    assert f"/invest/zh/projects/{ids['draft']}" not in pages
    for path, text in pages.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} on {path}"
    # what is published is there, in each language's formats
    zh, en = pages[f"/invest/zh/projects/{ids['project']}"], pages[f"/invest/en/projects/{ids['project']}"]
    assert "高性能复合材料项目" in zh and "12,000.00 万元" in zh and "80 亩" in zh and "0310-5550000" in zh
    assert "High-performance composites" in en and "RMB 120 million" in en and "80 mu (5.33 ha)" in en
    assert '<html lang="en">' in en and '<html lang="zh-CN">' in zh
    assert (
        'hreflang="x-default"' in en
        and f'hreflang="zh-CN" href="http://testserver/invest/zh/projects/{ids["project"]}"' in en
    )
    assert 'property="og:title" content="High-performance composites"' in en
    assert "Investment" in en and "投资规模" in zh
    site_en = pages[f"/invest/en/sites/{ids['site']}"]
    assert "56 mu (3.73 ha)" in site_en and "East Zone plot A-12" in site_en
    feed = json.loads(pages["/invest/feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["title"] for i in feed["items"]] == ["High-performance composites"]
    assert "Disallow: /" in pages["/robots.txt"] and "Allow: /invest/" in pages["/robots.txt"]


def test_drafts_and_withdrawn_items_answer_404_and_the_filters_narrow(client, world):
    ids = _publish_all(client, world)
    for lang in ("zh", "en"):
        assert client.get(f"/invest/{lang}/projects/{ids['draft']}").status_code == 404
        assert client.get(f"/invest/{lang}/projects/{ids['withdrawn']}").status_code == 404
        assert client.get(f"/invest/{lang}/projects/999999").status_code == 404
    assert client.get("/invest/fr/projects").status_code == 404
    for odd in ("0", "abc", "99999999999", "-1"):  # any address a public page does not know: its 404 page
        assert client.get(f"/invest/en/projects/{odd}").status_code == 404
        assert client.get(f"/invest/en/sites/{odd}").status_code == 404
    for odd in ("%00", "x" * 300):  # a filter no published row could carry filters nothing, fails nothing
        assert client.get(f"/invest/en/projects?chain={odd}&sector={odd}").status_code == 200
    tertiary = client.get("/invest/en/projects?sector=tertiary").text
    assert "High-performance composites" not in tertiary and "No projects match." in tertiary
    chain = client.get("/invest/zh/projects?chain=新材料").text
    assert "高性能复合材料项目" in chain
    # withdrawing the profile takes the policies page away
    h = bearer(world["token"])
    client.post("/api/v1/publish/profile/state", json={"action": "withdraw", "version": 2}, headers=h)
    assert client.get("/invest/en/policies").status_code == 404
    assert "Qinghe is well connected" not in client.get("/invest/en/").text


def test_public_pages_are_cacheable_and_answer_304(client, world):
    _publish_all(client, world)
    first = client.get("/invest/en/projects")
    assert first.headers["cache-control"] == "public, max-age=300"
    assert "set-cookie" not in first.headers
    etag = first.headers["etag"]
    again = client.get("/invest/en/projects", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/invest/zh/projects", headers={"If-None-Match": etag}).status_code == 200
    assert (
        client.get(
            "/invest/feed.json", headers={"If-None-Match": client.get("/invest/feed.json").headers["etag"]}
        ).status_code
        == 304
    )


def test_only_the_coordinator_publishes_and_stale_versions_conflict(client, world, signed_in):
    ids = _publish_all(client, world)
    h = bearer(world["token"])
    stale = client.put(f"/api/v1/publish/projects/{ids['project']}", headers=h, json={
        "title_zh": "改名", "investment_wan": "1", "version": 1})  # fmt: skip
    assert stale.status_code == 409
    refused = client.get("/api/v1/publish/projects", headers=bearer(world["town_token"]))
    assert refused.status_code == 403
    staff = signed_in(world["staff"])
    assert staff.get("/publish").status_code == 403
    coordinator = signed_in(world["coordinator"])
    overview = coordinator.get("/publish")
    assert overview.status_code == 200 and "高性能复合材料项目" in overview.text
    # the preview shows the draft as the public page would, to the coordinator only
    preview = coordinator.get(f"/publish/projects/{ids['draft']}/preview/en")
    assert preview.status_code == 200 and DRAFT_TITLE_EN in preview.text and "预览" in preview.text
    assert preview.headers["cache-control"] == "no-store"
    # a page form: edit the draft's English title, then publish it
    saved = post_form(coordinator, f"/publish/projects/{ids['draft']}", {
        "title_zh": "新标题", "title_en": "New title", "sector": "tertiary", "investment_wan": "500",
        "version": "1"})  # fmt: skip
    assert saved.status_code == 303, saved.text
    published = post_form(coordinator, f"/publish/projects/{ids['draft']}/state", {"action": "publish", "version": "2"})
    assert published.status_code == 303
    assert "New title" in client.get(f"/invest/en/projects/{ids['draft']}").text
    bad = post_form(
        coordinator, f"/publish/projects/{ids['draft']}", {"title_zh": "", "investment_wan": "x", "version": "3"}
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text


def test_the_coordinator_creates_from_a_project_on_the_page(client, db, world, signed_in):
    coordinator = signed_in(world["coordinator"])
    form = coordinator.get(f"/publish/projects/new?project_id={world['project'].id}")
    assert form.status_code == 200 and REAL_NAME in form.text and INVESTOR not in form.text
    refused = coordinator.get(f"/publish/projects/new?project_id={world['secret'].id}")
    assert refused.status_code == 303
    body = {"project_id": world["project"].id, "title_zh": "对外名称", "sector": "secondary", "investment_wan": "12000"}
    created = post_form(coordinator, "/publish/projects", body)
    assert created.status_code == 303, created.text
    row_id = int(created.headers["location"].split("/")[3].split("?")[0])
    assert fresh(db, PublicProject, row_id).title_zh == "对外名称"
    site_form = coordinator.get(f"/publish/sites/new?plot_id={world['plot'].id}")
    assert site_form.status_code == 200 and PLOT_NOTE not in site_form.text


def test_a_project_made_confidential_leaves_the_public_pages(client, db, world):
    ids = _publish_all(client, world)
    assert client.get(f"/invest/zh/projects/{ids['project']}").status_code == 200
    project = fresh(db, Project, world["project"].id)
    project.is_confidential = True
    project.code_name = "代号白鹭"
    db.commit()
    assert fresh(db, PublicProject, ids["project"]).state.value == "withdrawn"
    assert client.get(f"/invest/zh/projects/{ids['project']}").status_code == 404
    assert "高性能复合材料项目" not in client.get("/invest/zh/projects").text
    refused = client.post(f"/api/v1/publish/projects/{ids['project']}/state", headers=bearer(world["token"]),
                          json={"action": "publish", "version": 3})  # fmt: skip
    assert refused.status_code == 422
