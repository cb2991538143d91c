"""The JSON API as another government system meets it: bearer tokens, errors, limits, docs."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.unit import Unit
from app.models.user import ApiToken, Role
from app.services.security import sha256_hex
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert CHINESE.search(body["message"]), body
    return body


def stored_token(db: Session, secret: str) -> ApiToken:
    db.expire_all()
    return db.execute(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()


def sign_in_coordinator(client: TestClient, db: Session) -> None:
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    assert login(client, coordinator.username, PASSWORD).status_code == 303


# --- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer zs_not_a_real_token_at_all_000000"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
    ids=["missing", "empty", "blank", "basic", "unknown", "huge"],
)
def test_requests_without_a_valid_token_are_401_json(client, headers):
    response = client.get("/api/v1/units", headers=headers)
    body = assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "items" not in body


def test_a_revoked_token_is_refused(db, client):
    secret = make_token(db, make_unit(db), revoked_at=utcnow() - timedelta(minutes=1))
    db.commit()
    response = client.get("/api/v1/me", headers=bearer(secret))
    body = assert_error(response, 401, "unauthenticated")
    assert "吊销" in body["message"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_is_refused_and_a_current_one_accepted(db, client):
    unit = make_unit(db)
    expired = make_token(db, unit, expires_at=utcnow() - timedelta(seconds=1))
    current = make_token(db, unit, expires_at=utcnow() + timedelta(days=1))
    db.commit()
    body = assert_error(client.get("/api/v1/me", headers=bearer(expired)), 401, "unauthenticated")
    assert "过期" in body["message"]
    me = client.get("/api/v1/me", headers=bearer(current))
    assert me.status_code == 200
    assert me.json()["unit_id"] == unit.id and me.json()["read_only"] is False


def test_last_use_is_recorded(db, client):
    secret = make_token(db, make_unit(db))
    db.commit()
    assert stored_token(db, secret).last_used_at is None
    before = utcnow()
    assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 200
    token = stored_token(db, secret)
    assert token.last_used_at is not None
    assert before - timedelta(seconds=5) <= token.last_used_at <= utcnow() + timedelta(seconds=5)
    assert token.last_used_addr == "testclient"


# --- issuing and revoking on the coordinator's page ----------------------------------------------

_SECRET = re.compile(r'<code class="secret" id="new-token">([^<]+)</code>')


def issue(client: TestClient, **fields: str) -> Any:
    csrf = page_csrf(client, "/admin/tokens")
    form = {
        "csrf_token": csrf,
        "idempotency_key": "issue-1",
        "name": "省招商引资平台",
        "unit_id": "",
        "read_only": "on",
        "expires_days": "30",
    }
    form.update(fields)
    return client.post("/admin/tokens", data=form)


def test_a_token_is_shown_once_and_only_its_hash_is_stored(db, client):
    sign_in_coordinator(client, db)
    unit = make_unit(db, name="县发改局")
    db.commit()

    issued = issue(client, unit_id=str(unit.id), read_only="")
    assert issued.status_code == 200
    match = _SECRET.search(issued.text)
    assert match, issued.text[:500]
    secret = html.unescape(match.group(1))
    assert len(secret) >= 30

    # it works at once, with the scope it was issued for
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["unit_id"] == unit.id and me.json()["read_only"] is False
    assert "省招商引资平台" in me.json()["label"]

    # the database holds its SHA-256 and a short prefix, never the secret itself
    token = stored_token(db, secret)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 2
    for column in inspect(ApiToken).columns:
        assert secret not in str(getattr(token, column.key)), column.key
    audit_text = " ".join(str(e.changes) for e in db.execute(select(AuditEntry)).scalars())
    assert secret not in audit_text and token.token_hash not in audit_text

    # the list shows the token by name and prefix, never the secret
    listing = client.get("/admin/tokens")
    assert listing.status_code == 200
    assert "省招商引资平台" in listing.text and token.prefix in listing.text
    assert secret not in listing.text

    # resubmitting the same form (reload, double click) creates nothing and does not show it again
    again = issue(client, unit_id=str(unit.id), read_only="")
    assert again.status_code == 303
    assert secret not in again.text
    count = db.execute(select(ApiToken).where(ApiToken.name == "省招商引资平台")).scalars().all()
    assert len(count) == 1


def test_a_token_without_a_unit_is_a_reader_unless_a_unit_is_chosen(db, client):
    sign_in_coordinator(client, db)
    response = issue(client, role="unit_staff", unit_id="", read_only="", idempotency_key="issue-2")
    assert response.status_code == 422
    assert "单位工作人员令牌须限定单位" in response.text
    response = issue(client, role="reader", read_only="", scopes="leads", idempotency_key="issue-3")
    assert response.status_code == 422
    assert "不能有这些权限：线索与客商" in response.text
    assert not _SECRET.search(response.text)
    assert db.execute(select(ApiToken)).first() is None


def test_a_token_is_revocable_and_its_use_is_shown(db, client):
    sign_in_coordinator(client, db)
    secret = make_token(db, make_unit(db))
    db.commit()
    token = stored_token(db, secret)

    row = re.search(rf'<tr id="token-{token.id}">.*?</tr>', client.get("/admin/tokens").text, re.S)
    assert row and "从未" in row.group(0) and "有效" in row.group(0)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    row = re.search(rf'<tr id="token-{token.id}">.*?</tr>', client.get("/admin/tokens").text, re.S)
    assert row and "从未" not in row.group(0) and "testclient" in row.group(0)

    csrf = page_csrf(client, "/admin/tokens")
    revoked = client.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert stored_token(db, secret).revoked_at is not None
    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "unauthenticated")
    row = re.search(rf'<tr id="token-{token.id}">.*?</tr>', client.get("/admin/tokens").text, re.S)
    assert row and "已吊销" in row.group(0)


def test_an_expired_token_is_marked_in_the_list(db, client):
    sign_in_coordinator(client, db)
    secret = make_token(db, make_unit(db), expires_at=utcnow() - timedelta(days=2))
    db.commit()
    token = stored_token(db, secret)
    row = re.search(rf'<tr id="token-{token.id}">.*?</tr>', client.get("/admin/tokens").text, re.S)
    assert row and "已过期" in row.group(0) and "有效" not in row.group(0)


# --- errors --------------------------------------------------------------------------------------


@pytest.fixture
def unit_and_token(db: Session) -> tuple[Unit, str]:
    unit = make_unit(db, phone="0931-1234567")
    secret = make_token(db, unit)
    db.commit()
    return unit, secret


def test_an_unknown_field_is_rejected_and_named(db, client, unit_and_token):
    unit, secret = unit_and_token
    response = client.patch(
        f"/api/v1/units/{unit.id}/contact",
        json={"version": unit.version, "phone": "0931-7654321", "name": "改名"},
        headers=bearer(secret),
    )
    body = assert_error(response, 422, "validation_error")
    assert body["field"] == "name"
    assert body["details"] == [{"field": "name", "message": "不允许提交此字段"}]
    db.expire_all()
    assert db.get(Unit, unit.id).phone == "0931-1234567"  # type: ignore[union-attr]


def test_a_missing_version_is_named(client, unit_and_token):
    unit, secret = unit_and_token
    body = assert_error(
        client.patch(f"/api/v1/units/{unit.id}/contact", json={"phone": "1"}, headers=bearer(secret)),
        422,
        "validation_error",
    )
    assert body["field"] == "version"
    assert "必填" in body["message"]


def test_a_non_integer_id_is_422_and_named(client, unit_and_token):
    _unit, secret = unit_and_token
    for path, field in (
        ("/api/v1/units/abc", "unit_id"),
        ("/api/v1/users/1.5", "user_id"),
        ("/api/v1/units/99999999999999999999", "unit_id"),
    ):
        body = assert_error(client.get(path, headers=bearer(secret)), 422, "validation_error")
        assert body["field"] == field, path


def test_invalid_json_is_422_in_chinese(client, unit_and_token):
    unit, secret = unit_and_token
    response = client.patch(
        f"/api/v1/units/{unit.id}/contact",
        content=b'{"version": 1,',
        headers={**bearer(secret), "Content-Type": "application/json"},
    )
    body = assert_error(response, 422, "validation_error")
    assert "JSON" in body["message"]


def test_control_characters_are_rejected_not_stored(db, client, unit_and_token):
    unit, secret = unit_and_token
    response = client.patch(
        f"/api/v1/units/{unit.id}/contact", json={"version": unit.version, "phone": "0931\x00"}, headers=bearer(secret)
    )
    body = assert_error(response, 422, "validation_error")
    assert body["field"] == "phone"
    body = assert_error(
        client.get("/api/v1/users", params={"q": "a\x00b"}, headers=bearer(secret)), 422, "validation_error"
    )
    assert body["field"] == "q"
    # any operation's query string, checked after authentication: no token is still a 401
    body = assert_error(
        client.get("/api/v1/units", params={"kind": "\x00"}, headers=bearer(secret)), 422, "validation_error"
    )
    assert body["field"] == "kind"
    assert_error(client.get("/api/v1/units", params={"kind": "\x00"}), 401, "unauthenticated")


def test_people_search_is_literal_and_ignores_case(db, client):
    unit = make_unit(db)
    make_user(db, unit, username="Zhang_Wei", display_name="张伟")
    make_user(db, unit, username="zhangxwei", display_name="张小伟")
    secret = make_token(db, unit)
    db.commit()

    def found(q: str) -> set[str]:
        response = client.get("/api/v1/users", params={"q": q}, headers=bearer(secret))
        assert response.status_code == 200
        return {row["username"] for row in response.json()["items"]}

    assert found("zhang_w") == {"Zhang_Wei"}  # "_" is an underscore, not "any character"
    assert found("%") == set()
    assert found("ZHANG") == {"Zhang_Wei", "zhangxwei"}
    assert found("小伟") == {"zhangxwei"}


def test_pagination_limit_is_enforced(client, unit_and_token):
    _unit, secret = unit_and_token
    for path in ("/api/v1/units", "/api/v1/users"):
        body = assert_error(client.get(path, params={"limit": 1000}, headers=bearer(secret)), 422, "validation_error")
        assert body["field"] == "limit"
        assert "200" in body["message"]
        assert client.get(path, params={"limit": 200}, headers=bearer(secret)).status_code == 200
    body = assert_error(
        client.get("/api/v1/units", params={"offset": -1}, headers=bearer(secret)), 422, "validation_error"
    )
    assert body["field"] == "offset"


def test_pages_of_units_add_up(db, client):
    for _ in range(5):
        make_unit(db)
    secret = make_token(db, None, read_only=True)
    db.commit()
    first = client.get("/api/v1/units", params={"limit": 2}, headers=bearer(secret)).json()
    total = first["total"]
    assert total >= 5 and len(first["items"]) == 2
    seen = [u["id"] for u in first["items"]]
    offset = 2
    while offset < total:
        page = client.get("/api/v1/units", params={"limit": 2, "offset": offset}, headers=bearer(secret)).json()
        assert page["total"] == total
        seen += [u["id"] for u in page["items"]]
        offset += 2
    assert len(seen) == len(set(seen)) == total


def test_a_stale_version_is_409_with_what_changed(db, client, unit_and_token):
    unit, secret = unit_and_token
    first = client.patch(
        f"/api/v1/units/{unit.id}/contact", json={"version": unit.version, "phone": "0931-1"}, headers=bearer(secret)
    )
    assert first.status_code == 200
    stale = client.patch(
        f"/api/v1/units/{unit.id}/contact", json={"version": unit.version, "phone": "0931-2"}, headers=bearer(secret)
    )
    body = assert_error(stale, 409, "version_conflict")
    assert body["details"]["current_version"] == unit.version + 1
    assert body["details"]["changes"][0]["changes"]["phone"] == ["0931-1234567", "0931-1"]
    db.expire_all()
    assert db.get(Unit, unit.id).phone == "0931-1"  # type: ignore[union-attr]


def test_unknown_api_paths_and_methods_answer_json(client, unit_and_token):
    unit, secret = unit_and_token
    assert_error(client.get("/api/v1/nothing-here", headers=bearer(secret)), 404, "not_found")
    assert_error(client.delete(f"/api/v1/units/{unit.id}", headers=bearer(secret)), 405, "method_not_allowed")
    assert_error(client.get("/api/v1/units/2147483000", headers=bearer(secret)), 404, "not_found")


# --- documentation -------------------------------------------------------------------------------


def test_openapi_describes_the_api_and_its_errors(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert {
        "/api/v1/me",
        "/api/v1/units",
        "/api/v1/units/{unit_id}",
        "/api/v1/units/{unit_id}/contact",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
    } <= set(paths)
    assert not any(p.startswith(("/admin", "/login", "/units/")) for p in paths)  # pages are not API
    patch = paths["/api/v1/units/{unit_id}/contact"]["patch"]
    assert patch["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert patch["responses"]["409"]
    schemes = spec["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
    assert spec["components"]["schemas"]["UnitContactUpdate"]["additionalProperties"] is False
    limit = next(p for p in paths["/api/v1/users"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200


_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


def test_docs_load_only_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200
    external = re.findall(r"(?:https?:)?//[a-z0-9.-]+", page.text, re.I)
    assert [u for u in external if urlsplit(u if ":" in u else "http:" + u).hostname != "testserver"] == []
    assets = [a or b for a, b in _URL.findall(page.text) if not (a or b).startswith("data:")]  # inline: local
    assert any(a.startswith("/static/swagger-ui-5.35.0/") and a.endswith(".js") for a in assets)
    assert any(a.startswith("/static/swagger-ui-5.35.0/") and a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 0
    # the page's script points Swagger UI at this server's own OpenAPI document
    init = "".join(client.get(a).text for a in assets if a.endswith(".js") and "swagger-ui-bundle" not in a)
    assert '"/openapi.json"' in init or "'/openapi.json'" in init


def test_docs_do_not_call_the_online_validator(client):
    page = client.get("/docs").text
    scripts = [s for s in re.findall(r'<script src="([^"]+)"', page) if "swagger-ui-bundle" not in s]
    init = "".join(client.get(s).text for s in scripts)
    assert re.search(r"""validatorUrl\s*:\s*(null|["']none["'])""", init), init
