"""A retried POST with an Idempotency-Key answers like the first and creates nothing twice."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select, text

from app.db import make_engine, make_session_factory
from app.errors import Invalid
from app.main import create_app
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.models.unit import Unit
from app.models.user import Role
from app.services import idempotency, system
from tests.conftest import create_pg_database, login, page_csrf
from tests.conftest import test_settings as settings_for
from tests.factories import PASSWORD, make_user


def unit_form(csrf: str, name: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "name": name,
        "short_name": "",
        "kind": "town",
        "tier": "",
        "parent_id": "",
        "head_name": "",
        "phone": "",
        "address": "",
        "sort_order": "0",
        **extra,
    }


def units_named(db: Any, name: str) -> int:
    db.expire_all()
    return int(db.execute(select(func.count()).select_from(Unit).where(Unit.name == name)).scalar_one())


@pytest.fixture
def coordinator_client(client, db):
    user = make_user(db, role=Role.coordinator)
    db.commit()
    assert login(client, user.username, PASSWORD).status_code == 303
    return client


def test_repeated_submission_with_a_header_key_returns_the_first_response_and_creates_one_unit(coordinator_client, db):
    client = coordinator_client
    csrf = page_csrf(client, "/admin/units/new")
    headers = {"Idempotency-Key": "create-unit-0001"}

    first = client.post("/admin/units/new", data=unit_form(csrf, "幂等测试镇"), headers=headers)
    assert first.status_code == 303, first.text[:500]
    location = first.headers["location"]
    assert location.startswith("/admin/units/")

    again = client.post("/admin/units/new", data=unit_form(csrf, "幂等测试镇"), headers=headers)
    assert again.status_code == 303
    assert again.headers["location"] == location
    assert again.headers["idempotent-replayed"] == "true"
    assert units_named(db, "幂等测试镇") == 1


def test_the_forms_own_key_field_protects_a_double_click(coordinator_client, db):
    client = coordinator_client
    page = client.get("/admin/units/new")
    assert 'name="idempotency_key"' in page.text
    csrf = page_csrf(client, "/admin/units/new")
    data = unit_form(csrf, "双击测试镇", idempotency_key="form-key-" + uuid.uuid4().hex)

    responses = [client.post("/admin/units/new", data=data) for _ in range(3)]
    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["location"] for r in responses}) == 1
    assert units_named(db, "双击测试镇") == 1


def test_htmx_retry_gets_the_redirect_again(coordinator_client, db):
    client = coordinator_client
    csrf = page_csrf(client, "/admin/units/new")
    headers = {"Idempotency-Key": "htmx-key-1", "HX-Request": "true"}
    first = client.post("/admin/units/new", data=unit_form(csrf, "htmx重试镇"), headers=headers)
    assert first.status_code == 200 and first.headers["hx-redirect"].startswith("/admin/units/")
    again = client.post("/admin/units/new", data=unit_form(csrf, "htmx重试镇"), headers=headers)
    assert again.headers.get("hx-redirect") == first.headers["hx-redirect"]  # the browser still goes on
    assert units_named(db, "htmx重试镇") == 1


def test_same_key_with_a_different_body_is_refused_with_422(coordinator_client, db):
    client = coordinator_client
    csrf = page_csrf(client, "/admin/units/new")
    headers = {"Idempotency-Key": "reused-key"}
    assert client.post("/admin/units/new", data=unit_form(csrf, "第一个镇"), headers=headers).status_code == 303

    other = client.post("/admin/units/new", data=unit_form(csrf, "第二个镇"), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key 已用于内容不同的请求" in other.text
    assert units_named(db, "第二个镇") == 0
    assert units_named(db, "第一个镇") == 1


def test_keys_are_per_user(client, db):
    first_user = make_user(db, role=Role.coordinator)
    second_user = make_user(db, role=Role.coordinator)
    db.commit()
    headers = {"Idempotency-Key": "shared-key"}
    login(client, first_user.username, PASSWORD)
    csrf = page_csrf(client, "/admin/units/new")
    assert client.post("/admin/units/new", data=unit_form(csrf, "甲建的镇"), headers=headers).status_code == 303
    client.cookies.clear()
    login(client, second_user.username, PASSWORD)
    csrf = page_csrf(client, "/admin/units/new")
    response = client.post("/admin/units/new", data=unit_form(csrf, "乙建的镇"), headers=headers)
    assert response.status_code == 303 and "idempotent-replayed" not in response.headers
    assert units_named(db, "乙建的镇") == 1


def test_a_rejected_form_does_not_use_up_its_key(coordinator_client, db):
    client = coordinator_client
    csrf = page_csrf(client, "/admin/units/new")
    headers = {"Idempotency-Key": "fix-and-retry"}
    invalid = client.post("/admin/units/new", data=unit_form(csrf, "X"), headers=headers)  # name too short
    assert invalid.status_code == 422
    corrected = client.post("/admin/units/new", data=unit_form(csrf, "改正后的镇"), headers=headers)
    assert corrected.status_code == 303, corrected.text[:500]
    assert units_named(db, "改正后的镇") == 1


# --- how long keys are kept --------------------------------------------------------------------


def test_keys_are_kept_at_least_a_day(db, settings):
    assert settings.idempotency_ttl_hours >= 24
    with pytest.raises(ValidationError):
        settings_for("sqlite://", idempotency_ttl_hours=23)
    with pytest.raises(ValueError):
        idempotency.purge(db, 12)


def test_purge_removes_only_keys_older_than_the_ttl(db):
    now = utcnow()
    for key, age in (
        ("fresh", timedelta(hours=1)),
        ("a-day", timedelta(hours=23, minutes=50)),
        ("old", timedelta(hours=25)),
        ("ancient", timedelta(days=30)),
    ):
        db.add(
            IdempotencyRecord(
                principal="user:1", key=key, request_hash="h", status_code=303, headers={}, created_at=now - age
            )
        )
    db.commit()
    assert idempotency.purge(db, 24) == 2
    db.commit()
    kept = set(db.execute(select(IdempotencyRecord.key).where(IdempotencyRecord.principal == "user:1")).scalars())
    assert kept == {"fresh", "a-day"}


# --- two identical requests at the same moment, on committed data --------------------------------


def _waiting_on_locks(engine: Any) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )


def test_simultaneous_identical_requests_create_one_record_on_postgresql():
    url, drop = create_pg_database("zs_idem")
    engine = make_engine(url)
    try:
        system.migrate(url)
        with make_session_factory(engine)() as setup:
            user = make_user(setup, role=Role.coordinator)
            setup.commit()
            username = user.username
        app = create_app(settings_for(url), engine=engine)

        clients = [TestClient(app, base_url="http://testserver", follow_redirects=False) for _ in range(2)]
        for c in clients:
            c.__enter__()
        try:
            tokens = []
            for c in clients:
                assert login(c, username, PASSWORD).status_code == 303
                tokens.append(page_csrf(c, "/admin/units/new"))

            results: list[Any] = [None, None]
            # hold back inserts into `unit`, so both requests are provably in flight at the same time
            blocker = engine.connect()
            blocker_tx = blocker.begin()
            blocker.execute(text("LOCK TABLE unit IN EXCLUSIVE MODE"))

            def post(i: int) -> None:
                results[i] = clients[i].post(
                    "/admin/units/new",
                    data=unit_form(tokens[i], "并发创建镇"),
                    headers={"Idempotency-Key": "same-moment"},
                )

            threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 20
            while _waiting_on_locks(engine) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            both_waiting = _waiting_on_locks(engine)
            blocker_tx.rollback()
            blocker.close()
            for t in threads:
                t.join(60)
            assert both_waiting == 2, "both requests should have been in flight together"
        finally:
            for c in clients:
                c.__exit__(None, None, None)

        first, second = results
        assert first is not None and second is not None
        assert first.status_code == 303, first.text[:500]
        assert second.status_code == 303, second.text[:500]
        assert first.headers["location"] == second.headers["location"]
        assert sorted(r.headers.get("idempotent-replayed", "") for r in results) == ["", "true"]
        with make_session_factory(engine)() as check:
            assert units_named(check, "并发创建镇") == 1
            assert check.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one() == 1
    finally:
        engine.dispose()
        drop()


def test_a_savepoint_inside_the_request_keeps_the_key(db):
    """Only the request's own commit may forget an unfinished key, not a savepoint a service opens."""
    from app.models.idempotency import IdempotencyRecord
    from app.services import idempotency

    guard = idempotency.begin(db, "user:savepoint", "key-sp-1", "fingerprint")
    with db.begin_nested():
        pass  # a service's savepoint commits before the response is stored
    from starlette.responses import Response

    guard.finish(Response(b"ok", status_code=201))
    db.commit()
    stored = db.query(IdempotencyRecord).filter_by(principal="user:savepoint", key="key-sp-1").one()
    assert stored.status_code == 201


# --- the service itself ------------------------------------------------------------------------


def _records(db: Any, key: str) -> list[IdempotencyRecord]:
    db.expire_all()
    return list(db.execute(select(IdempotencyRecord).where(IdempotencyRecord.key == key)).scalars())


def test_a_claimed_key_stores_the_response_and_a_retry_gets_it_back_exactly(db):
    from starlette.responses import Response

    guard = idempotency.begin(db, "user:svc", "svc-key-1", "fingerprint-1")
    first = Response(
        b'{"id": 7}',
        status_code=201,
        media_type="application/json",
        headers={"Location": "/api/v1/things/7", "X-Other": "not replayed"},
    )
    guard.finish(first)
    db.commit()

    with pytest.raises(idempotency.IdempotentReplay) as caught:
        idempotency.begin(db, "user:svc", "svc-key-1", "fingerprint-1")
    replay = caught.value.response()
    assert (replay.status_code, replay.body) == (201, b'{"id": 7}')
    assert replay.headers["content-type"] == "application/json"
    assert replay.headers["location"] == "/api/v1/things/7" and "x-other" not in replay.headers
    assert replay.headers["idempotent-replayed"] == "true"
    db.rollback()
    with pytest.raises(Invalid):
        idempotency.begin(db, "user:svc", "svc-key-1", "another-fingerprint")
    db.rollback()
    assert len(_records(db, "svc-key-1")) == 1


def test_a_request_that_stores_no_response_leaves_its_key_free(db):
    from starlette.responses import Response

    idempotency.begin(db, "user:svc", "svc-key-2", "fingerprint")  # finished without a stored response
    db.commit()
    assert _records(db, "svc-key-2") == []

    idempotency.begin(db, "user:svc", "svc-key-3", "fingerprint").finish(Response(b"busy", status_code=503))
    db.commit()
    assert _records(db, "svc-key-3") == []  # a server error is never replayed

    idempotency.begin(db, "user:svc", "svc-key-4", "fingerprint")
    db.rollback()  # the request failed: its claim went with it
    idempotency.begin(db, "user:svc", "svc-key-4", "fingerprint").finish(Response(b"ok", status_code=201))
    db.commit()
    [stored] = _records(db, "svc-key-4")
    assert (stored.status_code, stored.body, stored.request_hash) == (201, b"ok", "fingerprint")
