"""Who may see and change leads, on every lead route, pages and API alike.

A unit sees and changes only its own leads: another unit's lead is answered 404, exactly like a
missing one. Judging, settling duplicates, deciding registry disputes and the settings belong to
the bureau (403 for everyone else). Leaders and read-only tokens read and never write (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models.audit import AuditEntry
from app.models.investor import Investor, Native
from app.models.lead import (
    DuplicatePair,
    DuplicateStatus,
    Lead,
    LeadStatus,
    RegistryClaim,
    RegistryEntry,
    RegistryStatus,
)
from app.models.user import Role
from app.services import workdays
from tests.conftest import csrf_from
from tests.factories import bearer, make_token, make_user
from tests.leads.conftest import count_leads, lead_form, text_of
from tests.leads.factories import lead_json, make_investor, make_lead

MISSING = 2_147_483_000
YESTERDAY = workdays.today() - timedelta(days=1)


@dataclass
class Scene:
    lead_a: Lead
    lead_b: Lead
    investor_b: Investor
    pair: DuplicatePair
    claim: RegistryClaim
    entry: RegistryEntry
    token_a: str
    token_b: str
    reader: str  # read-only, not bound to a unit: reads everything
    reader_a: str  # read-only, bound to town A


@pytest.fixture
def scene(db, county) -> Scene:
    shared = make_investor(db, "浙江绿源食品集团有限公司")
    lead_a = make_lead(db, county.town_a, shared, lead_date=workdays.today().replace(day=1), status=LeadStatus.valid)
    investor_b = make_investor(db, "青石镇独家客商有限公司", created_by_unit_id=county.town_b.id)
    lead_b = make_lead(db, county.town_b, investor_b, intended_investment=Decimal(150000), contact_phone="13905550000")
    later_b = make_lead(db, county.town_b, shared)
    pair = DuplicatePair(lead_id=later_b.id, earlier_lead_id=lead_a.id, reasons="investor")
    entry = RegistryEntry(
        investor_id=investor_b.id,
        lead_id=lead_b.id,
        project_name="青石镇大项目",
        intended_investment=Decimal(150000),
        holder_unit_id=county.town_b.id,
        registered_at=lead_b.created_at,
        status=RegistryStatus.disputed,
    )
    db.add_all([pair, entry])
    db.flush()
    claim = RegistryClaim(entry_id=entry.id, claimant_unit_id=county.town_a.id, claimed_at=lead_b.created_at)
    db.add(claim)
    db.add(Native(unit_id=county.town_b.id, name="罗海燕", hometown="青石镇", employer="上海博康生物医药"))
    scene = Scene(
        lead_a=lead_a,
        lead_b=lead_b,
        investor_b=investor_b,
        pair=pair,
        claim=claim,
        entry=entry,
        token_a=make_token(db, county.town_a),
        token_b=make_token(db, county.town_b),
        reader=make_token(db, None, read_only=True),
        reader_a=make_token(db, county.town_a, read_only=True),
    )
    db.commit()
    return scene


def patch_body(lead: Lead) -> dict:
    body = lead_json(version=lead.version, intended_investment="1", content="改过的内容")
    body.pop("investor")
    return body


def unchanged(db, lead: Lead) -> bool:
    db.expire_all()
    now = db.get(Lead, lead.id)
    return now is not None and now.version == lead.version and now.content == lead.content


# --- API: another unit's lead is answered as if it did not exist -------------------------------


@pytest.mark.parametrize(
    "route",
    ["/api/v1/leads/{id}", "/api/v1/leads/{id}/credits"],
)
def test_a_unit_token_cannot_read_another_units_lead(db, client, scene, route):
    theirs = client.get(route.format(id=scene.lead_b.id), headers=bearer(scene.token_a))
    missing = client.get(route.format(id=MISSING), headers=bearer(scene.token_a))
    mine = client.get(route.format(id=scene.lead_a.id), headers=bearer(scene.token_a))

    assert mine.status_code == 200
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert "青石镇独家客商" not in theirs.text


def test_a_unit_token_cannot_change_another_units_lead(db, client, scene):
    theirs = client.patch(
        f"/api/v1/leads/{scene.lead_b.id}", json=patch_body(scene.lead_b), headers=bearer(scene.token_a)
    )

    assert theirs.status_code == 404
    assert theirs.json()["code"] == "not_found"
    assert unchanged(db, scene.lead_b)


def test_a_unit_token_cannot_read_another_units_quota(db, client, county, scene):
    theirs = client.get(f"/api/v1/units/{county.town_b.id}/lead-quota", headers=bearer(scene.token_a))
    mine = client.get(f"/api/v1/units/{county.town_a.id}/lead-quota", headers=bearer(scene.token_a))
    everyone = client.get(f"/api/v1/units/{county.town_b.id}/lead-quota", headers=bearer(scene.reader))

    assert theirs.status_code == 404
    assert mine.status_code == 200 and mine.json()["this_month"]["count"] == 1
    assert everyone.status_code == 200


def test_a_unit_token_lists_only_its_own_leads(db, client, county, scene):
    own = client.get("/api/v1/leads", headers=bearer(scene.token_a)).json()
    asked = client.get("/api/v1/leads", params={"unit_id": county.town_b.id}, headers=bearer(scene.token_a)).json()
    searched = client.get("/api/v1/leads", params={"q": "青石镇独家"}, headers=bearer(scene.token_a)).json()
    everything = client.get("/api/v1/leads", headers=bearer(scene.reader)).json()

    assert [i["id"] for i in own["items"]] == [scene.lead_a.id] and own["total"] == 1
    assert asked["items"] == [] and asked["total"] == 0
    assert searched["items"] == [] and searched["total"] == 0
    assert everything["total"] == 3


def test_a_unit_token_does_not_see_the_duplicates_queue(db, client, scene):
    refused = client.get("/api/v1/duplicates", headers=bearer(scene.token_a))
    allowed = client.get("/api/v1/duplicates", headers=bearer(scene.reader))

    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert allowed.status_code == 200 and allowed.json()["total"] == 1


def test_a_unit_token_cannot_report_a_lead_for_another_unit(db, client, county, scene):
    response = client.post("/api/v1/leads", json=lead_json(unit_id=county.town_b.id), headers=bearer(scene.token_a))

    assert response.status_code == 403
    assert count_leads(db, unit_id=county.town_b.id) == 2
    assert count_leads(db, unit_id=county.town_a.id) == 1


def test_a_unit_cannot_register_a_project_for_another_unit(db, client, county, scene):
    response = client.post(
        "/api/v1/registry",
        json={
            "investor_id": scene.investor_b.id,
            "project_name": "冒名登记",
            "intended_investment": "200000",
            "unit_id": county.town_b.id,
        },
        headers=bearer(scene.token_a),
    )

    assert response.status_code == 403
    db.expire_all()
    assert db.execute(select(RegistryEntry)).scalars().all() == [db.get(RegistryEntry, scene.entry.id)]


def test_the_catalogue_is_shared_but_only_its_creator_changes_an_investor(db, client, scene):
    read = client.get(f"/api/v1/investors/{scene.investor_b.id}", headers=bearer(scene.token_a))
    assert read.status_code == 200
    body = {**{k: v for k, v in read.json().items() if k not in ("id", "created_by_unit_id")}, "notes": "改了"}

    refused = client.patch(f"/api/v1/investors/{scene.investor_b.id}", json=body, headers=bearer(scene.token_a))
    allowed = client.patch(f"/api/v1/investors/{scene.investor_b.id}", json=body, headers=bearer(scene.token_b))

    assert refused.status_code == 403  # readable, so not hidden behind a 404
    assert allowed.status_code == 200 and allowed.json()["notes"] == "改了"


# --- API: read-only tokens never write ---------------------------------------------------------


@pytest.mark.parametrize("which", ["reader", "reader_a"])
def test_read_only_tokens_cannot_write_anything(db, client, county, scene, which):
    secret = getattr(scene, which)
    lead_of_a = scene.lead_a

    attempts = {
        "new lead": client.post("/api/v1/leads", json=lead_json(), headers=bearer(secret)),
        "change lead": client.patch(
            f"/api/v1/leads/{lead_of_a.id}", json=patch_body(lead_of_a), headers=bearer(secret)
        ),
        "new investor": client.post("/api/v1/investors", json={"name": "只读令牌新建客商"}, headers=bearer(secret)),
        "change investor": client.patch(
            f"/api/v1/investors/{scene.investor_b.id}",
            json={"name": "改名", "version": scene.investor_b.version},
            headers=bearer(secret),
        ),
        "register": client.post(
            "/api/v1/registry",
            json={"investor_id": scene.investor_b.id, "project_name": "只读登记", "intended_investment": "200000"},
            headers=bearer(secret),
        ),
    }

    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 403)
    assert count_leads(db) == 3
    assert unchanged(db, lead_of_a)
    db.expire_all()
    assert db.execute(select(Investor).where(Investor.name == "只读令牌新建客商")).first() is None
    assert db.get(Investor, scene.investor_b.id).name == "青石镇独家客商有限公司"


def test_a_bound_read_only_token_still_cannot_read_another_units_lead(db, client, scene):
    response = client.get(f"/api/v1/leads/{scene.lead_b.id}", headers=bearer(scene.reader_a))
    assert response.status_code == 404


# --- pages: unit staff -------------------------------------------------------------------------


def test_unit_staff_get_404_for_another_units_lead_page(db, signed_in, county, scene):
    client = signed_in(county.staff_a)

    theirs = client.get(f"/leads/{scene.lead_b.id}")
    missing = client.get(f"/leads/{MISSING}")

    assert theirs.status_code == missing.status_code == 404
    assert "青石镇独家客商" not in theirs.text
    assert client.get(f"/leads/{scene.lead_a.id}").status_code == 200


def test_unit_staff_do_not_see_another_units_leads_in_the_list_or_the_export(db, signed_in, county, scene):
    client = signed_in(county.staff_a)

    for params in ({}, {"unit_id": county.town_b.id}, {"q": "青石镇独家"}, {"duplicates_only": "true"}):
        listed = client.get("/leads", params=params)
        assert listed.status_code == 200
        assert "青石镇独家客商" not in listed.text, params
        assert county.town_b.name not in text_of(listed.text), params
        exported = client.get("/leads.xlsx", params=params)
        assert exported.status_code == 200
        assert "青石镇独家客商".encode() not in exported.content  # shared strings are stored in the zip
    assert "共 1 条" in text_of(client.get("/leads").text)


@pytest.mark.parametrize("which", ["own", "theirs"])
def test_unit_staff_cannot_judge_a_lead(db, signed_in, county, scene, which):
    lead = scene.lead_a if which == "own" else scene.lead_b
    client = signed_in(county.staff_a)
    csrf = csrf_from(client.get("/leads").text)

    response = client.post(
        f"/leads/{lead.id}/judge",
        data={"csrf_token": csrf, "version": str(lead.version), "status": "invalid", "reason": "自己认定"},
    )

    assert response.status_code == 403
    assert unchanged(db, lead)
    assert "认定结果" not in client.get(f"/leads/{scene.lead_a.id}").text  # no judging form on their page


def test_unit_staff_cannot_see_or_settle_the_duplicates_queue(db, signed_in, county, scene):
    client = signed_in(county.staff_a)
    csrf = csrf_from(client.get("/leads").text)

    queue = client.get("/leads/duplicates/queue")
    settle = client.post(
        f"/leads/duplicates/{scene.pair.id}",
        data={
            "csrf_token": csrf,
            "version": str(scene.pair.version),
            "mode": f"unit:{county.town_a.id}",
            "decision": "归我们",
        },
    )

    assert queue.status_code == 403
    assert "仅招商局、领导和督查室可查看疑似重复" in text_of(queue.text)
    assert settle.status_code == 403
    db.expire_all()
    assert db.get(DuplicatePair, scene.pair.id).status is DuplicateStatus.open
    assert "疑似重复" not in text_of(client.get("/leads").text).replace("只看疑似重复", "")


def test_unit_staff_cannot_decide_a_registry_dispute(db, signed_in, county, scene):
    client = signed_in(county.staff_a)
    page = client.get("/registry")  # everybody may read who registered what

    response = client.post(
        f"/registry/claims/{scene.claim.id}",
        data={
            "csrf_token": csrf_from(page.text),
            "version": "1",
            "winner_unit_id": str(county.town_a.id),
            "reason": "我们先谈的",
        },
    )

    assert page.status_code == 200
    assert 'action="/registry/claims/' not in page.text
    assert response.status_code == 403
    db.expire_all()
    assert db.get(RegistryEntry, scene.entry.id).holder_unit_id == county.town_b.id
    assert db.get(RegistryClaim, scene.claim.id).winner_unit_id is None


def test_unit_staff_cannot_enter_a_lead_for_another_unit_on_the_page(db, signed_in, county, scene):
    client = signed_in(county.staff_a)
    form = lead_form(
        client, investor_name="代报客商有限公司", unit_id=str(county.town_b.id), lead_date=YESTERDAY.isoformat()
    )

    response = client.post("/leads/new", data=form)

    assert response.status_code == 403
    assert count_leads(db, unit_id=county.town_b.id) == 2


def test_unit_staff_cannot_change_the_settings(db, signed_in, county, scene):
    client = signed_in(county.staff_a)
    csrf = csrf_from(client.get("/leads").text)

    assert client.get("/admin/settings").status_code == 403
    response = client.post(
        "/admin/settings",
        data={"csrf_token": csrf, "override_unit_id": str(county.town_a.id), "override_quota": "0"},
    )

    assert response.status_code == 403
    quota = client.get(f"/api/v1/units/{county.town_a.id}/lead-quota", headers=bearer(scene.token_a)).json()
    assert quota["quota"] == 1


def test_unit_staff_see_only_their_own_natives(db, signed_in, county, scene):
    client = signed_in(county.staff_a)
    assert "罗海燕" not in client.get("/natives").text
    assert "罗海燕" in signed_in(county.staff_b).get("/natives").text


def test_unit_staff_cannot_change_another_units_investor_on_the_page(db, signed_in, county, scene):
    client = signed_in(county.staff_a)
    page = client.get(f"/investors/{scene.investor_b.id}")
    assert page.status_code == 200
    assert f'action="/investors/{scene.investor_b.id}"' not in page.text  # shown read-only

    response = client.post(
        f"/investors/{scene.investor_b.id}",
        data={
            "csrf_token": csrf_from(page.text),
            "version": str(scene.investor_b.version),
            "name": "改名有限公司",
            "kind": "company",
            "investor_type": "private",
        },
    )

    assert response.status_code == 403
    db.expire_all()
    assert db.get(Investor, scene.investor_b.id).name == "青石镇独家客商有限公司"


def test_refusals_are_audited(db, signed_in, county, scene):
    client = signed_in(county.staff_a)
    client.get(f"/leads/{scene.lead_b.id}")
    client.get("/leads/duplicates/queue")

    db.expire_all()
    denied = (
        db.execute(select(AuditEntry).where(AuditEntry.action == "permission_denied").order_by(AuditEntry.seq))
        .scalars()
        .all()
    )
    paths = [e.changes.get("path") for e in denied]
    assert f"/leads/{scene.lead_b.id}" in paths
    assert "/leads/duplicates/queue" in paths


# --- pages: leaders read everything and change nothing ----------------------------------------


def test_a_leader_reads_every_units_leads_and_the_queue(db, signed_in, county, scene):
    client = signed_in(county.leader)

    assert client.get(f"/leads/{scene.lead_b.id}").status_code == 200
    assert "共 3 条" in text_of(client.get("/leads").text)
    queue = client.get("/leads/duplicates/queue")
    assert queue.status_code == 200
    assert "提交裁定" not in queue.text  # sees the pairs, has no form to settle them


def test_a_leader_cannot_write(db, signed_in, county, scene):
    client = signed_in(county.leader)
    csrf = csrf_from(client.get("/leads").text)
    lead = scene.lead_b

    attempts = {
        "entry form": client.get("/leads/new"),
        "new lead": client.post(
            "/leads/new",
            data={
                "csrf_token": csrf,
                "idempotency_key": "leader-1",
                "investor_name": "领导代报有限公司",
                "channel": "online",
                "lead_date": YESTERDAY.isoformat(),
            },
        ),
        "judge": client.post(
            f"/leads/{lead.id}/judge",
            data={"csrf_token": csrf, "version": str(lead.version), "status": "valid", "reason": ""},
        ),
        "settle": client.post(
            f"/leads/duplicates/{scene.pair.id}",
            data={"csrf_token": csrf, "version": "1", "mode": "dismiss", "decision": "不是同一家"},
        ),
        "decide": client.post(
            f"/registry/claims/{scene.claim.id}",
            data={"csrf_token": csrf, "version": "1", "winner_unit_id": str(county.town_a.id), "reason": "改判"},
        ),
        "settings": client.post("/admin/settings", data={"csrf_token": csrf, "lead_monthly_quota": "5"}),
        "investor": client.post(
            f"/investors/{scene.investor_b.id}",
            data={"csrf_token": csrf, "version": "1", "name": "改名", "kind": "company", "investor_type": "private"},
        ),
        "native": client.post(
            "/natives", data={"csrf_token": csrf, "idempotency_key": "leader-2", "name": "某", "hometown": "城关镇"}
        ),
    }

    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 403)
    assert count_leads(db) == 3
    assert unchanged(db, lead)
    db.expire_all()
    assert db.get(DuplicatePair, scene.pair.id).status is DuplicateStatus.open
    assert db.get(RegistryEntry, scene.entry.id).holder_unit_id == county.town_b.id
    assert db.execute(select(Native).where(Native.name == "某")).first() is None


def test_the_supervision_office_reads_but_does_not_report_or_judge(db, signed_in, county, scene):
    supervisor = make_user(db, county.bureau, Role.supervisor)
    client = signed_in(supervisor)
    csrf = csrf_from(client.get("/leads").text)

    assert client.get(f"/leads/{scene.lead_b.id}").status_code == 200
    assert client.get("/leads/new").status_code == 403
    judged = client.post(
        f"/leads/{scene.lead_b.id}/judge",
        data={"csrf_token": csrf, "version": str(scene.lead_b.version), "status": "valid", "reason": ""},
    )
    assert judged.status_code == 403
    assert unchanged(db, scene.lead_b)
