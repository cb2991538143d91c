"""What a client says about itself: its X-Request-ID is kept only when it is a short safe token
(beside the server's own id, which the audit always records), and its X-Forwarded-For counts only
when the connecting peer is a trusted proxy (settings.forwarded_allow_ips), for the audit and the
sign-in throttling alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.main import create_app
from app.models.audit import AuditEntry
from app.models.user import LoginFailure
from tests.conftest import csrf_from, login, page_csrf
from tests.conftest import test_settings as settings_for
from tests.factories import PASSWORD, make_unit, make_user

SERVER_ID = re.compile(r"[0-9a-f]{16}")
PROXY = "10.8.0.2"


def last_entry(db: Session, action: str | None = None) -> AuditEntry:
    db.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.execute(stmt).scalar_one()


def edit_contact(client: TestClient, db: Session, headers: dict[str, Any]) -> Any:
    unit = make_unit(db, phone="0731-0000")
    staff = make_user(db, unit=unit)
    db.commit()
    login(client, staff.username, PASSWORD)
    return client.post(
        f"/units/{unit.id}/contact",
        data={
            "csrf_token": page_csrf(client, f"/units/{unit.id}/contact"),
            "version": str(unit.version),
            "head_name": "王五",
            "phone": "0731-9999",
            "address": "",
        },
        headers=headers,
    )


def test_the_audit_records_the_servers_request_id_beside_a_sane_client_id(client, db) -> None:
    response = edit_contact(client, db, {"X-Request-ID": "3f0c9a52-1b7e-4c1d-9e55-0a1b2c3d4e5f"})
    assert response.status_code == 303
    assert response.headers["x-request-id"] == "3f0c9a52-1b7e-4c1d-9e55-0a1b2c3d4e5f"
    entry = last_entry(db, "update")
    server, client_id = entry.request_id.split("/")
    assert SERVER_ID.fullmatch(server) and client_id == "3f0c9a52-1b7e-4c1d-9e55-0a1b2c3d4e5f"

    with_none = client.get("/healthz")
    assert SERVER_ID.fullmatch(with_none.headers["x-request-id"])


@pytest.mark.parametrize(
    "given",
    [
        "a" * 41,  # too long for a short token
        "req-" + "9" * 60,
        "short",  # too short to tell requests apart
        "evil id with spaces",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "id;drop-table",
        "caf\u00e9-request-0001",
    ],
)
def test_an_unsafe_client_request_id_is_dropped(client, db, given: str) -> None:
    response = edit_contact(client, db, {"X-Request-ID": given.encode("latin-1")})
    assert response.status_code == 303
    echoed = response.headers["x-request-id"]
    assert SERVER_ID.fullmatch(echoed)
    assert last_entry(db, "update").request_id == echoed  # the server's id alone, nothing of the client's


@pytest.fixture
def proxied_app(database: tuple[str, Engine], session_factory: Any) -> Any:
    settings = settings_for(database[0], throttle_per_address=3, forwarded_allow_ips=f"127.0.0.1,{PROXY}")
    return create_app(settings, engine=database[1], session_factory=session_factory)


@pytest.fixture
def direct(proxied_app: Any, db: Session) -> Iterator[TestClient]:
    """A client connecting straight to the app (peer 'testclient': no proxy of ours)."""
    db.commit()
    with TestClient(proxied_app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
def via_proxy(proxied_app: Any, db: Session) -> Iterator[TestClient]:
    """A client whose connection comes from the trusted proxy."""
    db.commit()
    with TestClient(proxied_app, base_url="http://testserver", follow_redirects=False, client=(PROXY, 40000)) as c:
        yield c


def failed_sign_in(client: TestClient, forwarded_for: str | None) -> Any:
    token = csrf_from(client.get("/login").text)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/login",
        data={"csrf_token": token, "username": "nobody-here", "password": "wrong-password", "next": "/"},
        headers=headers,
    )


def failures_from(db: Session) -> list[str]:
    db.expire_all()
    return list(db.execute(select(LoginFailure.client_addr).order_by(LoginFailure.id)).scalars())


def test_a_forged_forwarded_for_from_an_untrusted_peer_changes_neither_the_audit_nor_the_throttle(
    direct: TestClient, via_proxy: TestClient, db: Session
) -> None:
    forged = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    for address in forged:
        assert failed_sign_in(direct, address).status_code == 422
        assert last_entry(db, "login_failure").client_addr == "testclient"
    assert failures_from(db) == ["testclient"] * 3
    # the bucket is the peer's: a fresh forged address does not open a new one
    assert failed_sign_in(direct, "203.0.113.99").status_code == 429
    assert failed_sign_in(direct, None).status_code == 429

    # a trusted proxy's header names the client: its own bucket, and the audit records it
    for _ in range(3):
        assert failed_sign_in(via_proxy, "198.51.100.7").status_code == 422
        assert last_entry(db, "login_failure").client_addr == "198.51.100.7"
    assert failed_sign_in(via_proxy, "198.51.100.7").status_code == 429
    assert failed_sign_in(via_proxy, "198.51.100.8").status_code == 422  # another client behind the proxy
    # a client's own forged entry before the proxy's is not believed: the proxy appends the real peer
    assert failed_sign_in(via_proxy, "198.51.100.7, 198.51.100.9").status_code == 422
    assert last_entry(db, "login_failure").client_addr == "198.51.100.9"
    assert failures_from(db)[3:] == ["198.51.100.7"] * 3 + ["198.51.100.8", "198.51.100.9"]


def test_a_signed_in_change_through_the_proxy_records_the_forwarded_client(via_proxy: TestClient, db: Session) -> None:
    response = edit_contact(via_proxy, db, {"X-Forwarded-For": "198.51.100.20"})
    assert response.status_code == 303
    assert last_entry(db, "update").client_addr == "198.51.100.20"


def test_a_signed_in_change_with_a_forged_header_records_the_peer(direct: TestClient, db: Session) -> None:
    response = edit_contact(direct, db, {"X-Forwarded-For": "198.51.100.20"})
    assert response.status_code == 303
    assert last_entry(db, "update").client_addr == "testclient"
