"""Sign-in as a user meets it: passwords, the second factor, sessions, lockout, throttling, CSRF, audit.

Every test runs on SQLite and on PostgreSQL (see tests/conftest.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.main import create_app
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.user import LoginFailure, Role, User, UserSession
from app.services.auth import GENERIC_LOGIN_ERROR
from app.services.security import sha256_hex
from tests.conftest import csrf_from, login, page_csrf
from tests.conftest import test_settings as build_settings
from tests.factories import PASSWORD, make_user

COOKIE = "zs_session"
NEW_PASSWORD = "Fresh#Pass2026x"
PRIVILEGED = [Role.coordinator, Role.leader, Role.supervisor]

ClientMaker = Callable[..., TestClient]


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def make_client(database: tuple[str, Engine], session_factory: Any, db: Session) -> Iterator[ClientMaker]:
    """Clients of an app built with other settings, e.g. `make_client(mfa_required_for_privileged=True)`."""
    with ExitStack() as stack:

        def build(*, base_url: str = "http://testserver", address: str = "testclient", **overrides: Any) -> TestClient:
            db.commit()  # factory rows become visible to the app
            app = create_app(
                build_settings(database[0], **overrides), engine=database[1], session_factory=session_factory
            )
            client = TestClient(app, base_url=base_url, follow_redirects=False, client=(address, 50000))
            return stack.enter_context(client)

        yield build


@pytest.fixture
def other_browser(app: FastAPI, db: Session) -> Iterator[TestClient]:
    """A second browser (own cookie jar) on the same app as `client`."""
    db.commit()
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as browser:
        yield browser


def replay_cookie(client: TestClient, value: str, path: str = "/") -> Response:
    """GET `path` from a fresh browser that presents `value` as its session cookie."""
    with TestClient(client.app, base_url=str(client.base_url), follow_redirects=False, cookies={COOKIE: value}) as c:
        return c.get(path)


def session_cookie(client: TestClient) -> str:
    value = client.cookies.get(COOKIE)
    assert value, "no session cookie"
    return value


def session_row(db: Session, cookie: str) -> UserSession:
    """The server-side row of the session whose cookie value is `cookie`."""
    db.expire_all()
    return db.execute(select(UserSession).where(UserSession.token_hash == sha256_hex(cookie))).scalar_one()


def reload(db: Session, user: User) -> User:
    db.expire_all()
    fresh = db.get(User, user.id)
    assert fresh is not None
    return fresh


def set_cookie_header(response: Response, name: str = COOKIE) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


def cookie_flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


_FORM_ERROR = re.compile(r'<div class="form-error" role="alert"[^>]*>(.*?)</div>', re.S)


def form_error(html: str) -> str:
    match = _FORM_ERROR.search(html)
    assert match, "page shows no form error"
    return match.group(1).strip()


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<div class="field-error" id="e-{name}">(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else ""


def enrolled(db: Session, role: Role = Role.coordinator, **overrides: Any) -> User:
    return make_user(db, role=role, totp_secret=pyotp.random_base32(), totp_enabled=True, **overrides)


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def wrong_code(secret: str) -> str:
    """A well-formed code that no step in the accepted window (±1 step, and then some) produces."""
    totp = pyotp.TOTP(secret)
    window = {totp.at(time.time() + offset) for offset in range(-90, 91, 30)}
    return next(code for code in (f"{n:06d}" for n in range(123456, 10**6, 7919)) if code not in window)


def submit_code(client: TestClient, code: str) -> Response:
    token = csrf_from(client.get("/login/2fa").text)
    return client.post("/login/2fa", data={"csrf_token": token, "code": code})


def logout(client: TestClient) -> Response:
    return client.post("/logout", data={"csrf_token": page_csrf(client)})


def change_password(client: TestClient, current: str, new: str, confirm: str | None = None) -> Response:
    token = page_csrf(client, "/account/password")
    data = {
        "csrf_token": token,
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }
    return client.post("/account/password", data=data)


def audit_entries(db: Session, action: str, **where: Any) -> list[AuditEntry]:
    db.expire_all()
    stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, column) == value)
    return list(db.execute(stmt).scalars())


def assert_near(value: datetime | None, expected: datetime, tolerance: timedelta = timedelta(minutes=1)) -> None:
    assert value is not None
    assert abs(value - expected) < tolerance, (value, expected)


# --- passwords -------------------------------------------------------------------------------


def test_password_is_stored_as_argon2id_hash_never_as_given(client, db):
    user = make_user(db, must_change_password=True)
    db.commit()
    login(client, user.username, PASSWORD)

    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 303

    stored = reload(db, user).password_hash
    assert stored.startswith("$argon2id$")
    assert stored != NEW_PASSWORD and NEW_PASSWORD not in stored
    logout(client)
    assert login(client, user.username, PASSWORD).status_code == 422
    assert login(client, user.username, NEW_PASSWORD).status_code == 303


# --- second factor ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", PRIVILEGED)
def test_privileged_roles_must_enter_totp_code_when_required(make_client, db, role):
    user = enrolled(db, role)
    client = make_client(mfa_required_for_privileged=True)

    response = login(client, user.username, PASSWORD)

    assert response.headers["location"] == "/login/2fa"
    for path in ("/", "/account", "/account/password"):
        assert client.get(path).headers["location"] == "/login/2fa", path
    assert submit_code(client, current_code(user.totp_secret)).headers["location"] == "/"
    assert client.get("/").status_code == 200


def test_unit_staff_needs_no_code_when_only_privileged_roles_require_it(make_client, db):
    user = make_user(db, role=Role.unit_staff)
    client = make_client(mfa_required_for_privileged=True)

    assert login(client, user.username, PASSWORD).headers["location"] == "/"
    assert client.get("/").status_code == 200


def test_privileged_user_needs_no_code_when_requirement_is_off(make_client, db):
    user = make_user(db, role=Role.coordinator)
    client = make_client(mfa_required_for_privileged=False)

    assert login(client, user.username, PASSWORD).headers["location"] == "/"
    assert client.get("/").status_code == 200


def test_second_factor_can_be_required_for_everyone(make_client, db):
    staff_without = make_user(db, role=Role.unit_staff)
    staff_with = enrolled(db, Role.unit_staff)
    client = make_client(mfa_required_for_all=True)

    login(client, staff_without.username, PASSWORD)
    assert client.get("/").headers["location"] == "/account/2fa"

    client.cookies.clear()
    assert login(client, staff_with.username, PASSWORD).headers["location"] == "/login/2fa"


def test_user_who_turned_on_totp_is_asked_for_a_code_even_if_not_required(client, db):
    user = enrolled(db, Role.unit_staff)
    db.commit()

    assert login(client, user.username, PASSWORD).headers["location"] == "/login/2fa"
    assert client.get("/").headers["location"] == "/login/2fa"


def test_wrong_totp_code_is_refused(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    login(client, user.username, PASSWORD)

    response = submit_code(client, wrong_code(user.totp_secret))

    assert response.status_code == 422
    assert "验证码不正确" in field_error(response.text, "code")
    assert client.get("/").headers["location"] == "/login/2fa"
    assert [e.changes["reason"] for e in audit_entries(db, "login_failure", entity_id=str(user.id))] == ["bad_totp"]


def test_totp_code_cannot_be_used_twice(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    code = current_code(user.totp_secret)
    login(client, user.username, PASSWORD)
    assert submit_code(client, code).headers["location"] == "/"
    logout(client)

    login(client, user.username, PASSWORD)
    response = submit_code(client, code)

    assert response.status_code == 422
    assert client.get("/").headers["location"] == "/login/2fa"


def test_five_wrong_totp_codes_lock_the_account_and_end_the_attempt(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    login(client, user.username, PASSWORD)
    token = csrf_from(client.get("/login/2fa").text)
    attempt = {"csrf_token": token, "code": wrong_code(user.totp_secret)}

    for _ in range(4):
        assert client.post("/login/2fa", data=attempt).status_code == 422
    fifth = client.post("/login/2fa", data=attempt)

    assert fifth.headers["location"] == "/login"
    assert_near(reload(db, user).locked_until, utcnow() + timedelta(minutes=15))
    assert login(client, user.username, PASSWORD).status_code == 422


def test_entering_the_password_again_does_not_reset_the_count_of_wrong_codes(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    for _ in range(2):
        login(client, user.username, PASSWORD)
        for _ in range(2):
            assert submit_code(client, wrong_code(user.totp_secret)).status_code == 422
    login(client, user.username, PASSWORD)

    assert submit_code(client, wrong_code(user.totp_secret)).headers["location"] == "/login"
    assert reload(db, user).locked_until is not None


def test_locked_account_cannot_finish_another_pending_sign_in(make_client, db):
    user = enrolled(db)
    attacker = make_client(mfa_required_for_privileged=True)
    other = make_client(mfa_required_for_privileged=True, address="10.9.8.7")
    login(attacker, user.username, PASSWORD)
    login(other, user.username, PASSWORD)
    other_form = csrf_from(other.get("/login/2fa").text)
    for _ in range(5):
        submit_code(attacker, wrong_code(user.totp_secret))
    assert reload(db, user).locked_until is not None

    response = other.post("/login/2fa", data={"csrf_token": other_form, "code": current_code(user.totp_secret)})

    assert response.headers["location"] == "/login"
    assert other.get("/").headers["location"].startswith("/login")
    assert reload(db, user).totp_last_step is None  # the code was never even checked


def test_page_asked_for_before_sign_in_opens_after_the_second_factor(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    sent_to_login = client.get("/admin/users").headers["location"]
    form = client.get(sent_to_login)
    assert 'name="next" value="/admin/users"' in form.text

    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(form.text),
            "username": user.username,
            "password": PASSWORD,
            "next": "/admin/users",
        },
    )
    code_form = client.get(response.headers["location"])
    assert 'name="next" value="/admin/users"' in code_form.text
    response = client.post(
        "/login/2fa",
        data={"csrf_token": csrf_from(code_form.text), "next": "/admin/users", "code": current_code(user.totp_secret)},
    )

    assert response.headers["location"] == "/admin/users"


def test_privileged_user_without_totp_must_enroll_before_anything_else(make_client, db):
    user = make_user(db, role=Role.coordinator)
    client = make_client(mfa_required_for_privileged=True)
    login(client, user.username, PASSWORD)

    for path in ("/", "/account", "/admin/users", "/audit"):
        assert client.get(path).headers["location"] == "/account/2fa", path

    page = client.get("/account/2fa")
    secret = reload(db, user).totp_secret
    assert page.status_code == 200
    assert "<svg" in page.text  # the QR code
    assert secret and f'<code class="secret" id="totp-secret">{secret}</code>' in page.text
    token = csrf_from(page.text)

    refused = client.post("/account/2fa", data={"csrf_token": token, "code": wrong_code(secret)})
    assert refused.status_code == 422
    assert secret in refused.text
    assert reload(db, user).totp_enabled is False
    assert client.get("/").headers["location"] == "/account/2fa"

    code = current_code(secret)
    assert client.post("/account/2fa", data={"csrf_token": token, "code": code}).headers["location"] == "/"
    assert reload(db, user).totp_enabled is True
    assert client.get("/").status_code == 200

    logout(client)
    assert login(client, user.username, PASSWORD).headers["location"] == "/login/2fa"
    assert submit_code(client, code).status_code == 422  # the enrollment code is spent


def test_enrollment_page_shows_same_secret_until_confirmed(make_client, db):
    user = make_user(db, role=Role.leader)
    client = make_client(mfa_required_for_privileged=True)
    login(client, user.username, PASSWORD)

    first = client.get("/account/2fa")
    second = client.get("/account/2fa")

    secret = reload(db, user).totp_secret
    assert secret and secret in first.text and secret in second.text


# --- where sign-in leads --------------------------------------------------------------------


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/\t/evil.example"])
def test_sign_in_never_continues_to_another_site(client, db, target):
    user = make_user(db)
    db.commit()
    token = csrf_from(client.get("/login").text)

    response = client.post(
        "/login", data={"csrf_token": token, "username": user.username, "password": PASSWORD, "next": target}
    )

    assert response.headers["location"] == "/"


# --- the session cookie ----------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client, db):
    user = make_user(db)
    db.commit()

    flags = cookie_flags(set_cookie_header(login(client, user.username, PASSWORD)))

    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # plain http, cookie_secure off


def test_session_cookie_is_secure_over_https(make_client, db):
    user = make_user(db)
    client = make_client(base_url="https://testserver")

    response = login(client, user.username, PASSWORD)

    assert {"httponly", "samesite=lax", "secure"} <= cookie_flags(set_cookie_header(response))
    assert client.get("/").status_code == 200


def test_cookies_are_secure_when_configured_behind_a_tls_proxy(make_client, db):
    user = make_user(db)
    client = make_client(cookie_secure=True)  # the app sees http; the browser talks https to the proxy
    form = client.get("/login")
    csrf_cookie = set_cookie_header(form, "zs_csrf")
    assert "secure" in cookie_flags(csrf_cookie)

    # the browser (on https) sends the Secure cookie back; httpx on plain http would not, so send it by hand
    response = client.post(
        "/login",
        headers={"Cookie": csrf_cookie.split(";")[0]},
        data={"csrf_token": csrf_from(form.text), "username": user.username, "password": PASSWORD},
    )

    assert response.status_code == 303
    assert {"httponly", "samesite=lax", "secure"} <= cookie_flags(set_cookie_header(response))


def test_sign_in_issues_new_session_id_and_the_previous_one_stops_working(client, db):
    user = make_user(db)
    db.commit()
    login(client, user.username, PASSWORD)
    before = session_cookie(client)

    login(client, user.username, PASSWORD)
    after = session_cookie(client)

    assert after != before
    assert replay_cookie(client, before).headers["location"].startswith("/login")
    assert client.get("/").status_code == 200


def test_session_id_planted_before_sign_in_is_not_adopted(app, db):
    user = make_user(db)
    db.commit()
    planted = "attacker-chosen-session-id-0123456789abcdef"
    with TestClient(app, follow_redirects=False, cookies={COOKIE: planted}) as client:
        response = login(client, user.username, PASSWORD)
    issued = set_cookie_header(response).split(";")[0].removeprefix(f"{COOKIE}=")
    assert issued and issued != planted
    assert session_row(db, issued).user_id == user.id
    assert db.execute(select(UserSession).where(UserSession.token_hash == sha256_hex(planted))).first() is None


def test_passing_second_factor_replaces_the_session_id(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    login(client, user.username, PASSWORD)
    pending = session_cookie(client)

    submit_code(client, current_code(user.totp_secret))

    assert session_cookie(client) != pending
    assert replay_cookie(client, pending, "/login/2fa").headers["location"].startswith("/login?")
    assert client.get("/").status_code == 200


def test_sign_out_kills_the_session_on_the_server(client, db):
    user = make_user(db)
    db.commit()
    login(client, user.username, PASSWORD)
    old = session_cookie(client)

    response = logout(client)

    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert session_row(db, old).revoked_at is not None
    assert replay_cookie(client, old).headers["location"].startswith("/login")
    assert audit_entries(db, "logout", entity_id=str(user.id))


def test_sign_out_works_while_second_factor_is_pending(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    login(client, user.username, PASSWORD)
    pending = session_cookie(client)
    token = csrf_from(client.get("/login/2fa").text)

    response = client.post("/logout", data={"csrf_token": token})

    assert response.headers["location"] == "/login"
    assert replay_cookie(client, pending, "/login/2fa").headers["location"].startswith("/login?")


def test_disabling_an_account_signs_it_out_everywhere(client, other_browser, db):
    coordinator = make_user(db, role=Role.coordinator)
    staff = make_user(db, role=Role.unit_staff)
    db.commit()
    login(other_browser, staff.username, PASSWORD)
    assert other_browser.get("/").status_code == 200
    login(client, coordinator.username, PASSWORD)

    staff = reload(db, staff)
    form = {
        "csrf_token": page_csrf(client, f"/admin/users/{staff.id}"),
        "version": str(staff.version),
        "display_name": staff.display_name,
        "unit_id": str(staff.unit_id),
        "role": staff.role.value,
        "phone": "",
    }
    assert client.post(f"/admin/users/{staff.id}", data=form).status_code == 303

    assert reload(db, staff).is_active is False
    assert session_row(db, session_cookie(other_browser)).revoked_at is not None
    assert other_browser.get("/").headers["location"].startswith("/login")


# --- timeouts --------------------------------------------------------------------------------


def _age_session(db: Session, client: TestClient, **values: datetime) -> None:
    row = session_row(db, session_cookie(client))
    for name, value in values.items():
        setattr(row, name, value)
    db.commit()


def test_idle_session_ends_after_30_minutes(client, db):
    user = make_user(db)
    db.commit()
    login(client, user.username, PASSWORD)

    _age_session(db, client, last_seen_at=utcnow() - timedelta(minutes=31))

    assert client.get("/").headers["location"].startswith("/login")


def test_session_used_within_30_minutes_stays_open_and_is_refreshed(client, db):
    user = make_user(db)
    db.commit()
    login(client, user.username, PASSWORD)
    _age_session(db, client, last_seen_at=utcnow() - timedelta(minutes=29))

    assert client.get("/").status_code == 200
    assert_near(session_row(db, session_cookie(client)).last_seen_at, utcnow())


def test_session_ends_at_its_absolute_deadline_even_when_active(client, db):
    user = make_user(db)
    db.commit()
    login(client, user.username, PASSWORD)
    row = session_row(db, session_cookie(client))
    assert row.expires_at - row.created_at == timedelta(hours=12)

    _age_session(db, client, last_seen_at=utcnow(), expires_at=utcnow() - timedelta(seconds=1))

    assert client.get("/").headers["location"].startswith("/login")


# --- lockout ---------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_for_15_minutes(client, db):
    user = make_user(db)
    db.commit()

    for _ in range(5):
        assert login(client, user.username, "Wrong#Pass2026").status_code == 422

    assert_near(reload(db, user).locked_until, utcnow() + timedelta(minutes=15))
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 422
    assert form_error(response.text) == GENERIC_LOGIN_ERROR
    assert COOKIE not in client.cookies
    reasons = [e.changes["reason"] for e in audit_entries(db, "login_failure", entity_id=str(user.id))]
    assert reasons == ["bad_password"] * 4 + ["locked_now", "locked"]


def test_four_wrong_passwords_do_not_lock_and_success_resets_the_count(client, db):
    user = make_user(db)
    db.commit()
    for _ in range(4):
        login(client, user.username, "Wrong#Pass2026")

    assert login(client, user.username, PASSWORD).status_code == 303
    fresh = reload(db, user)
    assert fresh.locked_until is None and fresh.failed_login_count == 0


def test_locked_unknown_disabled_and_wrong_password_get_the_same_answer(client, db):
    locked = make_user(db, locked_until=utcnow() + timedelta(minutes=10))
    disabled = make_user(db, is_active=False)
    known = make_user(db)
    db.commit()

    answers = [
        login(client, locked.username, PASSWORD),
        login(client, disabled.username, PASSWORD),
        login(client, "nobody-by-this-name", PASSWORD),
        login(client, known.username, "Wrong#Pass2026"),
    ]

    assert {r.status_code for r in answers} == {422}
    assert {form_error(r.text) for r in answers} == {GENERIC_LOGIN_ERROR}


def test_account_opens_again_once_the_lock_has_passed(client, db):
    user = make_user(db)
    db.commit()
    for _ in range(5):
        login(client, user.username, "Wrong#Pass2026")
    assert login(client, user.username, PASSWORD).status_code == 422

    locked = reload(db, user)
    locked.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()

    assert login(client, user.username, PASSWORD).status_code == 303
    assert client.get("/").status_code == 200


# --- throttling per address ------------------------------------------------------------------


def test_failed_attempts_are_throttled_per_client_address(make_client, db):
    user = make_user(db)
    client = make_client(throttle_per_address=3)
    for n in range(3):
        assert login(client, f"guess{n}", "Wrong#Pass2026").status_code == 422

    response = login(client, user.username, PASSWORD)

    assert response.status_code == 429
    assert "登录尝试过于频繁" in form_error(response.text)
    assert COOKIE not in client.cookies
    elsewhere = make_client(throttle_per_address=3, address="10.1.2.3")
    assert login(elsewhere, user.username, PASSWORD).status_code == 303


# --- password policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("Wrong#Pass2026", NEW_PASSWORD, None, "current_password", "当前密码不正确"),
        (PASSWORD, "Ab1!xyz", None, "new_password", "密码至少 8 位"),
        (PASSWORD, "abcdefgh12", None, "new_password", "至少 3 类"),
        (PASSWORD, "x{USERNAME}#9", None, "new_password", "密码不能包含用户名"),
        (PASSWORD, PASSWORD, None, "new_password", "新密码不能与当前密码相同"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "confirm_password", "两次输入的新密码不一致"),
    ],
    ids=["wrong-current", "too-short", "two-classes", "contains-username", "unchanged", "confirm-differs"],
)
def test_password_change_explains_each_problem_at_its_field(client, db, current, new, confirm, field, message):
    user = make_user(db)
    db.commit()
    before = user.password_hash
    login(client, user.username, PASSWORD)

    response = change_password(client, current, new.replace("{USERNAME}", user.username.upper()), confirm)

    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert reload(db, user).password_hash == before


@pytest.mark.parametrize(
    "new", ["Abcdefg1", "abcdef1!", "ABCDEF1!", "Abcdefg!"], ids=["no-symbol", "no-upper", "no-lower", "no-digit"]
)
def test_eight_characters_of_three_classes_are_accepted(client, db, new):
    user = make_user(db)
    db.commit()
    login(client, user.username, PASSWORD)

    response = change_password(client, PASSWORD, new)

    assert response.status_code == 200
    assert "密码已修改" in response.text
    logout(client)
    assert login(client, user.username, new).status_code == 303


def test_password_older_than_90_days_must_be_changed_first(client, db):
    user = make_user(db, role=Role.coordinator, password_changed_at=utcnow() - timedelta(days=91))
    db.commit()
    login(client, user.username, PASSWORD)

    for path in ("/", "/account", "/admin/users"):
        assert client.get(path).headers["location"] == "/account/password", path
    assert "密码已超过 90 天未更换" in client.get("/account/password").text

    assert change_password(client, PASSWORD, NEW_PASSWORD).headers["location"] == "/"
    assert client.get("/").status_code == 200
    assert_near(reload(db, user).password_changed_at, utcnow())


def test_password_younger_than_90_days_is_not_forced(client, db):
    user = make_user(db, password_changed_at=utcnow() - timedelta(days=89))
    db.commit()
    login(client, user.username, PASSWORD)

    assert client.get("/").status_code == 200


def test_initial_password_must_be_changed_before_any_other_page(client, db):
    user = make_user(db, role=Role.coordinator, must_change_password=True)
    db.commit()
    login(client, user.username, PASSWORD)

    for path in ("/", "/account", "/admin/users", "/audit"):
        assert client.get(path).headers["location"] == "/account/password", path
    assert "首次登录须修改初始密码" in client.get("/account/password").text

    assert change_password(client, PASSWORD, NEW_PASSWORD).headers["location"] == "/"
    assert reload(db, user).must_change_password is False
    assert client.get("/admin/users").status_code == 200


def test_changing_password_signs_out_other_sessions(client, other_browser, db):
    user = make_user(db)
    db.commit()
    login(other_browser, user.username, PASSWORD)
    login(client, user.username, PASSWORD)

    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 200

    assert client.get("/").status_code == 200
    assert other_browser.get("/").headers["location"].startswith("/login")


# --- CSRF ------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, db) -> User:
    user = make_user(db)
    db.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return user


@pytest.mark.parametrize("token", [None, "forged-token-0123456789abcdef"], ids=["missing", "wrong"])
def test_sign_out_without_valid_csrf_token_is_refused(client, db, signed_in, token):
    data = {} if token is None else {"csrf_token": token}

    response = client.post("/logout", data=data)

    assert response.status_code == 403
    assert "页面已过期或来源不明" in response.text
    assert session_row(db, session_cookie(client)).revoked_at is None
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("token", [None, "forged-token-0123456789abcdef"], ids=["missing", "wrong"])
def test_password_change_without_valid_csrf_token_changes_nothing(client, db, signed_in, token):
    before = signed_in.password_hash
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    if token is not None:
        data["csrf_token"] = token

    response = client.post("/account/password", data=data)

    assert response.status_code == 403
    assert reload(db, signed_in).password_hash == before


def test_sign_in_without_csrf_token_is_refused(client, db):
    user = make_user(db)
    db.commit()
    client.get("/login")

    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "next": "/"})

    assert response.status_code == 403
    assert COOKIE not in client.cookies
    assert reload(db, user).last_login_at is None
    assert not audit_entries(db, "login_success", entity_id=str(user.id))


def test_sign_in_with_token_from_another_browser_is_refused(client, other_browser, db):
    user = make_user(db)
    db.commit()
    foreign_token = csrf_from(other_browser.get("/login").text)
    client.get("/login")

    response = client.post(
        "/login", data={"csrf_token": foreign_token, "username": user.username, "password": PASSWORD, "next": "/"}
    )

    assert response.status_code == 403
    assert COOKIE not in client.cookies


def test_failed_sign_in_page_can_be_submitted_again(client, db):
    user = make_user(db)
    db.commit()
    failed = login(client, user.username, "Wrong#Pass2026")

    token = csrf_from(failed.text)
    response = client.post("/login", data={"csrf_token": token, "username": user.username, "password": PASSWORD})

    assert response.status_code == 303


def test_htmx_requests_may_send_the_token_in_a_header(client, db, signed_in):
    token = page_csrf(client)
    headers = {"X-CSRF-Token": token, "HX-Request": "true"}

    changed = client.post(
        "/account/password",
        headers=headers,
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200 and "密码已修改" in changed.text
    assert reload(db, signed_in).password_hash != PASSWORD

    cookie = session_cookie(client)
    signed_out = client.post("/logout", headers=headers)
    assert signed_out.status_code == 200 and signed_out.headers["HX-Redirect"] == "/login"
    assert session_row(db, cookie).revoked_at is not None


def test_htmx_sign_in_with_header_token(client, db):
    user = make_user(db)
    db.commit()
    token = csrf_from(client.get("/login").text)

    response = client.post(
        "/login",
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
        data={"username": user.username, "password": PASSWORD, "next": "/account"},
    )

    assert response.headers["HX-Redirect"] == "/account"
    assert client.get("/account").status_code == 200


# --- audit -----------------------------------------------------------------------------------


def test_successful_sign_in_is_audited(client, db):
    user = make_user(db)
    db.commit()

    login(client, user.username, PASSWORD)

    [entry] = audit_entries(db, "login_success", entity_id=str(user.id))
    assert entry.actor_user_id == user.id
    assert entry.client_addr == "testclient"


def test_sign_in_with_second_factor_is_audited_once_complete(make_client, db):
    user = enrolled(db)
    client = make_client(mfa_required_for_privileged=True)
    login(client, user.username, PASSWORD)
    assert not audit_entries(db, "login_success", entity_id=str(user.id))

    submit_code(client, current_code(user.totp_secret))

    [entry] = audit_entries(db, "login_success", entity_id=str(user.id))
    assert entry.changes == {"mfa": "totp"} and entry.actor_user_id == user.id


def test_failed_sign_ins_are_audited_with_the_reason(client, db):
    user = make_user(db)
    db.commit()

    login(client, user.username, "Wrong#Pass2026")
    login(client, "nobody-by-this-name", PASSWORD)

    entries = audit_entries(db, "login_failure")
    assert [(e.entity_id, e.changes["username"], e.changes["reason"]) for e in entries] == [
        (str(user.id), user.username, "bad_password"),
        ("", "nobody-by-this-name", "unknown_user"),
    ]
    assert all(e.client_addr == "testclient" for e in entries)
    count = db.execute(select(func.count()).select_from(LoginFailure).where(LoginFailure.client_addr == "testclient"))
    assert count.scalar_one() == 2
