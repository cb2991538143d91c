"""API tokens carry a role and scopes: a unit's staff, the coordinating bureau, or a reader of everything,
each with read and write per area. A write outside the token's scopes is refused (403 scope_missing)
before any service runs and audited as a denial; a coordinator token is issued only by a coordinator
signed in with the second factor; every use is audited under the token's name. SQLite and PostgreSQL."""

from __future__ import annotations

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.project import ProjectAnomaly
from app.models.unit import UnitKind
from app.models.user import ApiToken, Role
from app.scopes import SCOPES, TokenRole, area_of
from tests.conftest import csrf_from, login
from tests.core.test_refusal_rollback import changed, snapshot, write_routes
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.leads.conftest import text_of
from tests.leads.factories import lead_json, make_investor
from tests.projects.factories import make_anomaly, make_project


def test_every_api_write_belongs_to_an_area(app: FastAPI):
    unmapped = [f"{m} {p}" for m, p in write_routes(app) if p.startswith("/api/") and area_of(m, p) is None]
    assert unmapped == [], "give these API writes an area in app/scopes.py _AREAS"
    assert area_of("GET", "/api/v1/projects") == "read"
    assert area_of("POST", "/api/v1/projects/3/funds/9/review") == "funds_review"
    assert area_of("POST", "/api/v1/projects/3/funds") == "projects"
    assert area_of("POST", "/api/v1/leads/check-duplicates") == "read"


def test_a_write_outside_the_tokens_scopes_is_refused_and_audited(db, client):
    town = make_unit(db)
    investor = make_investor(db)
    secret = make_token(db, town, scopes=("read", "projects"))  # no "leads"
    db.commit()
    before = snapshot(db)

    refused = client.post("/api/v1/leads", json=lead_json(investor_id=investor.id), headers=bearer(secret))

    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "scope_missing" and "线索与客商" in body["message"]
    assert changed(before, snapshot(db)) == []  # nothing written but the denial in the audit trail
    denial = db.execute(select(AuditEntry).where(AuditEntry.action == "permission_denied")).scalar_one()
    assert denial.changes == {"path": "/api/v1/leads", "code": "scope_missing"}
    assert client.get("/api/v1/leads", headers=bearer(secret)).status_code == 200  # reading stays allowed

    allowed = make_token(db, town, scopes=("read", "leads"))
    db.commit()
    created = client.post("/api/v1/leads", json=lead_json(investor_id=investor.id), headers=bearer(allowed))
    assert created.status_code == 201, created.text


def test_a_coordinator_token_does_the_bureaus_work_under_its_own_name(db, client):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    project = make_project(db, make_unit(db))
    anomaly = make_anomaly(db, project)
    coordinator = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "projects"))
    no_scope = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "leads"))
    staff = make_token(db, project_unit := db.get(type(bureau), project.responsible_unit_id))
    db.commit()
    path = f"/api/v1/projects/{project.id}/anomalies/{anomaly.id}/clear"
    body = {"reason": "已核对施工许可证原件，属实", "version": anomaly.version}

    assert client.post(path, json=body, headers=bearer(no_scope)).json()["code"] == "scope_missing"
    staff_answer = client.post(path, json=body, headers=bearer(staff))
    assert staff_answer.status_code == 403 and staff_answer.json()["code"] == "forbidden"  # its role may not
    assert project_unit is not None

    cleared = client.post(path, json=body, headers=bearer(coordinator))
    assert cleared.status_code == 200, cleared.text
    db.expire_all()
    assert db.get(ProjectAnomaly, anomaly.id).cleared_at is not None
    token = db.execute(
        select(ApiToken).where(ApiToken.role == TokenRole.coordinator, ApiToken.scopes == "read projects")
    ).scalar_one()
    entry = db.execute(
        select(AuditEntry).where(AuditEntry.entity == "project_anomaly", AuditEntry.action == "update")
    ).scalar_one()
    assert entry.actor_token_id == token.id
    assert entry.actor_label == f"令牌:{token.name}"


@pytest.fixture
def bureau_admin(db: Session):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    secret = pyotp.random_base32()
    user = make_user(db, bureau, Role.coordinator, totp_secret=secret, totp_enabled=True)
    plain = make_user(db, bureau, Role.coordinator)
    town = make_unit(db)
    db.commit()
    return user, secret, plain, town


def sign_in(client, user, totp_secret: str | None = None):
    assert login(client, user.username, PASSWORD).status_code == 303
    if totp_secret:
        page = client.get("/login/2fa")
        answer = client.post(
            "/login/2fa", data={"csrf_token": csrf_from(page.text), "code": pyotp.TOTP(totp_secret).now()}
        )
        assert answer.status_code == 303, answer.text[:300]
    return client


def token_form(client, **values):
    page = client.get("/admin/tokens")
    assert page.status_code == 200, page.text[:300]
    data = {"csrf_token": csrf_from(page.text), "name": "省招商引资平台", "role": "coordinator", "expires_days": "90"}
    data.update(values)
    return data


def test_only_a_coordinator_with_the_second_factor_issues_coordinator_tokens(db, app, bureau_admin):
    user, totp_secret, plain, town = bureau_admin
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as without:
        sign_in(without, plain)
        refused = without.post("/admin/tokens", data=token_form(without, scopes=["read", "targets"]))
        assert refused.status_code == 403
        assert "两步验证" in text_of(refused.text)
        assert db.execute(select(ApiToken)).first() is None

    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        sign_in(client, user, totp_secret)
        issued = client.post("/admin/tokens", data=token_form(client, scopes=["read", "targets", "funds_review"]))
        assert issued.status_code == 200, text_of(issued.text)[:400]
        secret = issued.text.split('id="new-token">')[1].split("<")[0]
        token = db.execute(select(ApiToken)).scalar_one()
        assert (token.role, token.scopes, token.unit_id) == (
            TokenRole.coordinator,
            "read funds_review targets",
            user.unit_id,
        )

        # a unit's staff token may not confirm funds; a reader may not write; both said beside the field
        for values, message in (
            ({"role": "unit_staff", "unit_id": str(town.id), "scopes": ["read", "funds_review"]}, "到位资金确认"),
            ({"role": "reader", "scopes": ["read", "leads"]}, "线索与客商"),
            ({"role": "unit_staff", "scopes": ["read"]}, "须限定单位"),
        ):
            for headers in ({}, {"HX-Request": "true"}):
                answer = client.post("/admin/tokens", data=token_form(client, **values), headers=headers)
                assert answer.status_code == 422
                assert message in text_of(answer.text)
        assert db.execute(select(ApiToken)).scalars().all() == [token]

        # the token works, and the page shows its role, scopes and last use
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
        listing = text_of(client.get("/admin/tokens").text)
        assert "招商局（统筹）" in listing and "读取、到位资金确认、目标与竞赛" in listing


def test_the_api_issues_tokens_but_never_a_coordinator_token(db, client, app: FastAPI):
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db)
    admin = make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "admin"))
    staff = make_token(db, town)
    db.commit()

    body = {"name": "12345 热线", "role": "unit_staff", "unit_id": town.id, "scopes": ["read", "tickets"]}
    issued = client.post("/api/v1/tokens", json=body, headers=bearer(admin))
    assert issued.status_code == 201, issued.text
    assert issued.json()["token"]["scopes"] == ["read", "tickets"] and issued.json()["secret"].startswith("zs_")
    refused = client.post("/api/v1/tokens", json=body | {"role": "coordinator"}, headers=bearer(admin))
    assert refused.status_code == 403 and "两步验证" in refused.json()["message"]
    assert client.post("/api/v1/tokens", json=body, headers=bearer(staff)).status_code == 403
    listed = client.get("/api/v1/tokens", headers=bearer(admin)).json()
    assert {t["name"] for t in listed} >= {"12345 热线"}
    assert all(set(t) >= {"role", "scopes", "expires_at", "last_used_at"} for t in listed)

    schema = app.openapi()["components"]["schemas"]
    assert set(schema["TokenRead"]["properties"]) >= {"role", "scopes", "expires_at", "last_used_at"}
    assert set(SCOPES) == {
        "read",
        "leads",
        "projects",
        "funds_review",
        "tickets",
        "awards",
        "targets",
        "reports",
        "admin",
    }
