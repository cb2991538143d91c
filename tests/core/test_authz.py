"""Per-object authorisation, on the pages and the API alike.

One unit's staff (signed in) and a token scoped to a unit read and change only their own unit's
records: another unit's person is answered 404, exactly as a missing one; another unit's record
they could read (the unit directory) but not change is answered 403. Leaders and read-only tokens
change nothing. Coordinator pages are closed to everyone else. Every refusal is audited.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, Role, User
from app.services.security import sha256_hex
from tests.conftest import login, page_csrf
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user

# --- helpers -------------------------------------------------------------------------------------


def sign_in(client: TestClient, user: User) -> None:
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 303, response.text[:300]
    assert not response.headers["location"].startswith("/login"), response.headers["location"]


def denials(db: Session) -> list[AuditEntry]:
    db.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.action == "permission_denied").order_by(AuditEntry.seq)
    return list(db.execute(stmt).scalars())


def reloaded(db: Session, unit: Unit) -> Unit:
    db.expire_all()
    found = db.get(Unit, unit.id)
    assert found is not None
    return found


def token_id(db: Session, secret: str) -> int:
    return db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()


def contact_form(csrf: str, unit: Unit, **values: Any) -> dict[str, Any]:
    form = {
        "csrf_token": csrf,
        "version": str(unit.version),
        "head_name": unit.head_name,
        "phone": unit.phone,
        "address": unit.address,
    }
    form.update(values)
    return form


@pytest.fixture
def two_units(db: Session) -> tuple[Unit, Unit]:
    own = make_unit(db, name="城关镇", head_name="张镇长", phone="0931-1111111")
    other = make_unit(db, name="新区管委会", kind=UnitKind.zone, head_name="李主任", phone="0931-2222222")
    return own, other


# --- API: reading another unit's people ----------------------------------------------------------


def test_unit_token_reads_own_people_and_another_units_person_is_not_found(db, client, two_units):
    own, other = two_units
    colleague = make_user(db, own, display_name="王同事")
    stranger = make_user(db, other, display_name="赵外人")
    secret = make_token(db, own)
    db.commit()

    mine = client.get(f"/api/v1/users/{colleague.id}", headers=bearer(secret))
    assert mine.status_code == 200
    assert mine.json()["display_name"] == "王同事"

    theirs = client.get(f"/api/v1/users/{stranger.id}", headers=bearer(secret))
    missing = client.get("/api/v1/users/2147483000", headers=bearer(secret))
    assert theirs.status_code == missing.status_code == 404
    # the refusal does not disclose that the person exists: same body as for a missing id
    assert theirs.json() == missing.json()
    assert theirs.json()["code"] == "not_found"
    assert "赵外人" not in theirs.text


def test_unit_token_user_list_is_filtered_to_its_own_unit(db, client, two_units):
    own, other = two_units
    colleagues = {make_user(db, own).username for _ in range(3)}
    strangers = {make_user(db, other).username for _ in range(2)}
    secret = make_token(db, own)
    db.commit()

    listed = client.get("/api/v1/users", params={"limit": 200}, headers=bearer(secret)).json()
    names = {row["username"] for row in listed["items"]}
    assert names == colleagues
    assert listed["total"] == 3
    assert all(row["unit_id"] == own.id for row in listed["items"])

    # asking for the other unit explicitly yields nothing, not the other unit's people
    asked = client.get("/api/v1/users", params={"unit_id": other.id}, headers=bearer(secret)).json()
    assert asked["items"] == [] and asked["total"] == 0
    assert not strangers & {row["username"] for row in asked["items"]}


def test_unscoped_read_only_token_reads_everyone(db, client, two_units):
    own, other = two_units
    a = make_user(db, own)
    b = make_user(db, other)
    secret = make_token(db, None, read_only=True)
    db.commit()

    for person in (a, b):
        response = client.get(f"/api/v1/users/{person.id}", headers=bearer(secret))
        assert response.status_code == 200
        assert response.json()["username"] == person.username
    listed = client.get("/api/v1/users", params={"limit": 200}, headers=bearer(secret)).json()
    assert {a.username, b.username} <= {row["username"] for row in listed["items"]}


# --- API: changing units -------------------------------------------------------------------------


def test_unit_token_changes_own_unit_contact(db, client, two_units):
    own, _other = two_units
    secret = make_token(db, own)
    db.commit()

    response = client.patch(
        f"/api/v1/units/{own.id}/contact",
        json={"version": own.version, "phone": "0931-3333333"},
        headers=bearer(secret),
    )
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "0931-3333333"
    assert response.json()["version"] == own.version + 1
    assert reloaded(db, own).phone == "0931-3333333"


def test_unit_token_cannot_change_another_unit_and_it_is_audited(db, client, two_units):
    own, other = two_units
    secret = make_token(db, own)
    db.commit()

    # the unit directory is public to every caller, so the refusal is 403, not 404
    assert client.get(f"/api/v1/units/{other.id}", headers=bearer(secret)).status_code == 200
    response = client.patch(
        f"/api/v1/units/{other.id}/contact",
        json={"version": other.version, "phone": "0000-0000000"},
        headers=bearer(secret),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert re.search(r"[\u4e00-\u9fff]", response.json()["message"])
    assert reloaded(db, other).phone == "0931-2222222"

    entries = denials(db)
    assert len(entries) == 1
    assert entries[0].actor_token_id == token_id(db, secret)
    assert entries[0].changes["path"] == f"/api/v1/units/{other.id}/contact"
    assert entries[0].changes["code"] == "forbidden"


def test_reading_another_units_person_is_audited_as_a_denial(db, client, two_units):
    own, other = two_units
    stranger = make_user(db, other)
    secret = make_token(db, own)
    db.commit()

    assert client.get(f"/api/v1/users/{stranger.id}", headers=bearer(secret)).status_code == 404
    entries = denials(db)
    assert [e.changes["path"] for e in entries] == [f"/api/v1/users/{stranger.id}"]
    assert entries[0].actor_token_id == token_id(db, secret)
    assert entries[0].unit_id == own.id
    # a plainly missing record is not a denial
    assert client.get("/api/v1/users/2147483000", headers=bearer(secret)).status_code == 404
    assert len(denials(db)) == 1


@pytest.mark.parametrize("scoped", [True, False], ids=["unit-scoped", "unscoped"])
def test_read_only_token_reads_but_cannot_write(db, client, two_units, scoped):
    own, _other = two_units
    colleague = make_user(db, own)
    secret = make_token(db, own if scoped else None, read_only=True)
    db.commit()

    assert client.get(f"/api/v1/users/{colleague.id}", headers=bearer(secret)).status_code == 200
    assert client.get(f"/api/v1/units/{own.id}", headers=bearer(secret)).status_code == 200
    response = client.patch(
        f"/api/v1/units/{own.id}/contact", json={"version": own.version, "phone": "1"}, headers=bearer(secret)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"  # refused by its scopes, before any service runs
    assert "系统管理" in response.json()["message"]
    assert reloaded(db, own).phone == "0931-1111111"
    assert len(denials(db)) == 1


# --- pages: unit staff ---------------------------------------------------------------------------


def test_unit_staff_changes_own_unit_contact_on_the_page(db, client, two_units):
    own, _other = two_units
    staff = make_user(db, own)
    db.commit()
    sign_in(client, staff)

    page = client.get(f"/units/{own.id}/contact")
    assert page.status_code == 200
    assert "张镇长" in page.text
    csrf = page_csrf(client, f"/units/{own.id}/contact")
    response = client.post(f"/units/{own.id}/contact", data=contact_form(csrf, own, head_name="陈镇长"))
    assert response.status_code == 303
    assert reloaded(db, own).head_name == "陈镇长"
    # the change is in the record's history on the same page
    history = client.get(f"/units/{own.id}/contact").text
    assert "<del>张镇长</del>" in history and "<ins>陈镇长</ins>" in history


def test_unit_staff_cannot_open_or_change_another_units_contact(db, client, two_units):
    own, other = two_units
    staff = make_user(db, own)
    db.commit()
    sign_in(client, staff)
    csrf = page_csrf(client, "/account")

    assert client.get(f"/units/{other.id}/contact").status_code == 403
    response = client.post(f"/units/{other.id}/contact", data=contact_form(csrf, other, phone="0000-0000000"))
    assert response.status_code == 403
    assert "李主任" not in response.text
    assert reloaded(db, other).phone == "0931-2222222"

    # an invalid form for another unit is refused too, never echoed back with that unit's history
    response = client.post(f"/units/{other.id}/contact", data={"csrf_token": csrf, "phone": "x"})
    assert response.status_code == 403
    assert "修改记录" not in response.text

    entries = denials(db)
    assert len(entries) == 3
    assert {e.actor_user_id for e in entries} == {staff.id}
    assert {e.changes["path"] for e in entries} == {f"/units/{other.id}/contact"}


@pytest.mark.parametrize(
    "path", ["/admin/units", "/admin/units/new", "/admin/users", "/admin/users/new", "/admin/tokens", "/audit"]
)
def test_unit_staff_cannot_open_coordinator_pages(db, client, path):
    staff = make_user(db, role=Role.unit_staff)
    db.commit()
    sign_in(client, staff)

    response = client.get(path)
    assert response.status_code == 403
    assert "权" in response.text  # a Chinese explanation, not a bare status
    entries = denials(db)
    assert [(e.actor_user_id, e.changes["path"]) for e in entries] == [(staff.id, path)]


def test_unit_staff_cannot_use_coordinator_forms(db, client):
    unit = make_unit(db)
    staff = make_user(db, unit)
    db.commit()
    sign_in(client, staff)
    csrf = page_csrf(client)

    created = client.post(
        "/admin/units/new", data={"csrf_token": csrf, "name": "冒名单位", "kind": "town", "sort_order": "0"}
    )
    assert created.status_code == 403
    assert db.execute(select(Unit).where(Unit.name == "冒名单位")).first() is None

    promoted = client.post(
        f"/admin/users/{staff.id}",
        data={
            "csrf_token": csrf,
            "version": "1",
            "display_name": staff.display_name,
            "unit_id": str(unit.id),
            "role": "coordinator",
            "is_active": "on",
        },
    )
    assert promoted.status_code == 403
    db.expire_all()
    assert db.get(User, staff.id).role is Role.unit_staff  # type: ignore[union-attr]

    # an invalid edit form is refused before validation: no form, no change history is shown
    for path in (f"/admin/units/{unit.id}", f"/admin/users/{staff.id}", "/admin/users/new", "/admin/tokens"):
        response = client.post(path, data={"csrf_token": csrf})
        assert response.status_code == 403, path
        assert "修改记录" not in response.text and "签发新令牌" not in response.text

    assert (
        client.post(
            "/admin/tokens",
            data={"csrf_token": csrf, "name": "偷偷签发", "unit_id": str(unit.id), "expires_days": "30"},
        ).status_code
        == 403
    )
    assert db.execute(select(ApiToken).where(ApiToken.name == "偷偷签发")).first() is None
    assert len(denials(db)) == 7  # every refused request, one entry each


# --- pages: leaders ------------------------------------------------------------------------------


def test_leader_reads_the_overview_but_cannot_change_a_unit(db, client, two_units):
    own, other = two_units
    make_user(db, other)
    leader = make_user(db, own, role=Role.leader)
    db.commit()
    sign_in(client, leader)

    home = client.get("/")
    assert home.status_code == 200

    csrf = page_csrf(client)
    for unit in (own, other):
        response = client.post(f"/units/{unit.id}/contact", data=contact_form(csrf, unit, phone="9999"))
        assert response.status_code == 403
    assert reloaded(db, own).phone == "0931-1111111"
    assert reloaded(db, other).phone == "0931-2222222"
    assert client.get("/admin/units").status_code == 403
    assert {e.actor_user_id for e in denials(db)} == {leader.id}


# --- pages: coordinators manage units and people -------------------------------------------------


def unit_fields(**values: Any) -> dict[str, str]:
    fields = {
        "name": "",
        "short_name": "",
        "kind": "town",
        "tier": "",
        "parent_id": "",
        "head_name": "",
        "phone": "",
        "address": "",
        "sort_order": "0",
    }
    fields.update(values)
    return fields


def test_coordinator_creates_edits_a_unit_and_sees_its_history(db, client):
    coordinator = make_user(db, role=Role.coordinator, display_name="招商局刘")
    db.commit()
    sign_in(client, coordinator)

    new_page = client.get("/admin/units/new")
    assert new_page.status_code == 200
    csrf = page_csrf(client, "/admin/units/new")
    created = client.post(
        "/admin/units/new",
        data={
            "csrf_token": csrf,
            "idempotency_key": "unit-create-1",
            **unit_fields(
                name="县商务局",
                short_name="商务局",
                kind="department",
                tier="2",
                head_name="周局长",
                phone="0931-5555555",
            ),
        },
    )
    assert created.status_code == 303
    match = re.fullmatch(r"/admin/units/(\d+)", created.headers["location"])
    assert match
    unit = db.get(Unit, int(match.group(1)))
    assert unit is not None
    assert (unit.name, unit.kind, unit.tier, unit.head_name) == ("县商务局", UnitKind.department, 2, "周局长")
    assert unit.version == 1

    edit_page = client.get(f"/admin/units/{unit.id}")
    assert edit_page.status_code == 200
    assert 'name="version" value="1"' in edit_page.text
    edited = client.post(
        f"/admin/units/{unit.id}",
        data={
            "csrf_token": csrf,
            "version": "1",
            "is_active": "on",
            **unit_fields(
                name="县商务局",
                short_name="商务局",
                kind="department",
                tier="3",
                head_name="吴局长",
                phone="0931-5555555",
            ),
        },
    )
    assert edited.status_code == 303
    unit = reloaded(db, unit)
    assert (unit.head_name, unit.tier, unit.version) == ("吴局长", 3, 2)

    history = client.get(f"/admin/units/{unit.id}").text
    assert "修改记录" in history
    assert "<del>周局长</del>" in history and "<ins>吴局长</ins>" in history
    assert "招商局刘" in history  # who made the change

    # an edit based on the old version is refused and changes nothing
    stale = client.post(
        f"/admin/units/{unit.id}",
        data={
            "csrf_token": csrf,
            "version": "1",
            "is_active": "on",
            **unit_fields(name="县商务局", kind="department", tier="1", head_name="郑局长"),
        },
    )
    assert stale.status_code == 409
    assert reloaded(db, unit).head_name == "吴局长"


def test_coordinator_unit_form_rejects_bad_input_in_chinese(db, client):
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    sign_in(client, coordinator)
    csrf = page_csrf(client, "/admin/units/new")

    response = client.post("/admin/units/new", data={"csrf_token": csrf, **unit_fields(name="商务", kind="department")})
    assert response.status_code == 422
    assert "县直部门须选择考核档次" in response.text
    assert db.execute(select(Unit).where(Unit.name == "商务")).first() is None


def test_coordinator_creates_edits_a_user_and_sees_its_history(db, client):
    unit = make_unit(db, name="城南街道", kind=UnitKind.subdistrict)
    coordinator = make_user(db, role=Role.coordinator, display_name="招商局刘")
    db.commit()
    sign_in(client, coordinator)

    assert client.get("/admin/users/new").status_code == 200
    csrf = page_csrf(client, "/admin/users/new")
    created = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf,
            "idempotency_key": "user-create-1",
            "username": "chennan.li",
            "display_name": "李城南",
            "unit_id": str(unit.id),
            "role": "unit_staff",
            "phone": "13800000000",
            "initial_password": "Chu$hi2026mima",
        },
    )
    assert created.status_code == 303
    match = re.fullmatch(r"/admin/users/(\d+)", created.headers["location"])
    assert match
    user = db.get(User, int(match.group(1)))
    assert user is not None
    assert (user.username, user.unit_id, user.role, user.must_change_password) == (
        "chennan.li",
        unit.id,
        Role.unit_staff,
        True,
    )
    assert "Chu$hi2026mima" not in user.password_hash

    edited = client.post(
        f"/admin/users/{user.id}",
        data={
            "csrf_token": csrf,
            "version": str(user.version),
            "display_name": "李城南（副）",
            "unit_id": str(unit.id),
            "role": "unit_staff",
            "phone": "13900000000",
            "is_active": "on",
        },
    )
    assert edited.status_code == 303
    db.expire_all()
    user = db.get(User, user.id)
    assert user is not None
    assert (user.display_name, user.phone, user.version) == ("李城南（副）", "13900000000", 2)

    page = client.get(f"/admin/users/{user.id}").text
    assert "修改记录" in page
    assert "<del>13800000000</del>" in page and "<ins>13900000000</ins>" in page
    assert "招商局刘" in page
    assert "Chu$hi2026mima" not in page

    # the new person can sign in, and must change the initial password first
    client.cookies.clear()
    first = login(client, "chennan.li", "Chu$hi2026mima")
    assert first.status_code == 303
    assert client.get("/").headers.get("location") == "/account/password"


def test_coordinator_user_form_refuses_a_taken_username(db, client):
    unit = make_unit(db)
    existing = make_user(db, unit)
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    sign_in(client, coordinator)
    csrf = page_csrf(client, "/admin/users/new")

    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf,
            "username": existing.username,
            "display_name": "重名",
            "unit_id": str(unit.id),
            "role": "unit_staff",
            "initial_password": "Chu$hi2026mima",
        },
    )
    assert response.status_code == 422
    assert "该登录名已被使用" in response.text
    assert db.execute(select(User).where(User.display_name == "重名")).first() is None


def test_absurd_ids_on_admin_pages_are_refused_not_a_server_error(db, client):
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    sign_in(client, coordinator)
    huge = "99999999999999999999"  # beyond every integer column, on both databases
    for path in (
        f"/admin/units/{huge}",
        f"/admin/users/{huge}",
        f"/admin/users?unit_id={huge}",
        f"/units/{huge}/contact",
        "/admin/users?q=%00",
    ):
        response = client.get(path)
        assert response.status_code == 422, path
        assert "请" in response.text or "不" in response.text  # a Chinese explanation
    csrf = page_csrf(client)
    assert client.post(f"/admin/tokens/{huge}/revoke", data={"csrf_token": csrf}).status_code == 422
    # an id that merely does not exist is a plain 404
    assert client.get("/admin/units/2147483000").status_code == 404
