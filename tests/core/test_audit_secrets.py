"""Secrets never enter the audit trail, and the audit page masks those that entered it before.

A credential column is marked once (`info=SECRET`, app.models.base); the audit listener records
only that it changed, and the audit page shows *** for it in entries written before it was marked.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.idempotency import IdempotencyRecord
from app.models.ticket import WebhookSubscription
from app.models.unit import UnitKind
from app.models.user import Role, User
from app.schemas.users import TokenCreate
from app.scopes import TokenRole
from app.services import audit, auth, notify, users
from app.services.security import new_totp_secret, sha256_hex
from tests.conftest import login, page_csrf
from tests.core.test_audit import acting_as
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user

WEBHOOK_SECRET = "whsec-planted-7f3a9c2e5b1d4086"
ROTATED_SECRET = "whsec-rotated-0c8e6a4f2b9d1735"
NEW_PASSWORD = "Rotated#Pass2026x"


def trail_text(db: Session) -> str:
    db.expire_all()
    rows = db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    return "\n".join(json.dumps(e.changes, ensure_ascii=False) + e.reason for e in rows)


def test_every_credential_column_is_marked_secret():
    """The one declaration covers the credentials the models hold today."""
    marked = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.info.get("secret")
    }
    assert {
        ("webhook_subscription", "secret"),
        ("user_account", "password_hash"),
        ("user_account", "totp_secret"),
        ("api_token", "token_hash"),
        ("user_session", "token_hash"),
        ("user_session", "csrf_token"),
        ("robot", "webhook_url"),  # a group robot's address carries its access token
        ("robot", "secret"),
    } <= marked
    assert audit.secret_fields()["webhook_subscription"] == {"secret"}


def test_a_webhook_secret_never_enters_the_trail(db: Session, client) -> None:
    coordinator = make_user(db, role=Role.coordinator)
    db.commit()
    login(client, coordinator.username, PASSWORD)
    added = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": page_csrf(client, "/admin/webhooks"),
            "name": "省招商引资平台",
            "url": "https://example.gov.cn/hooks",
            "secret": WEBHOOK_SECRET,
            "event_types": "*",
        },
    )
    assert added.status_code == 303, added.text[:300]
    sub = db.execute(select(WebhookSubscription).where(WebhookSubscription.url.contains("example.gov.cn"))).scalar_one()
    assert sub.secret == WEBHOOK_SECRET

    acting_as(db, coordinator)
    sub.secret = ROTATED_SECRET  # a rotated key, and a toggle through the service
    db.commit()
    notify.toggle_subscription(db, acting_as(db, coordinator), sub.id, False)
    db.commit()

    text = trail_text(db)
    assert "https://example.gov.cn/hooks" in text  # the subscription itself is audited …
    assert WEBHOOK_SECRET not in text and ROTATED_SECRET not in text  # … its key is not
    rotated = [e for e in audit.history(db, "webhook_subscription", sub.id) if "secret" in e.changes]
    assert [e.changes["secret"] for e in rotated] == [["***", "***"]]
    assert audit.verify_chain(db).ok


def test_passwords_tokens_and_totp_secrets_never_enter_the_trail(db: Session, settings: Settings) -> None:
    coordinator = make_user(db, role=Role.coordinator)
    clerk = make_user(db)
    db.commit()
    principal = acting_as(db, coordinator)

    issued = users.create_token(db, principal, TokenCreate(name="省平台对接", read_only=True))
    users.reset_password(db, principal, clerk.id, NEW_PASSWORD, settings)
    db.commit()
    acting_as(db, clerk)
    auth.change_password(db, clerk, NEW_PASSWORD, NEW_PASSWORD + "y", NEW_PASSWORD + "y", settings)
    clerk.totp_secret = totp = new_totp_secret()
    db.commit()

    text = trail_text(db)
    for secret in (
        issued.secret,
        sha256_hex(issued.secret),
        clerk.password_hash,
        NEW_PASSWORD,
        totp,
    ):
        assert secret not in text
    assert audit.history(db, "api_token", issued.token.id)  # the token's creation is recorded
    assert audit.verify_chain(db).ok


def test_passwords_sent_over_the_api_never_come_back_nor_enter_the_trail(db: Session, client) -> None:
    """A coordinator token creates a person with an initial password and resets it: neither the answers,
    nor the trail, nor the replay of a retried request hold the password or its hash."""
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    headers = bearer(make_token(db, bureau, role=TokenRole.coordinator, scopes=("read", "admin")))
    db.commit()
    initial = "Initial#Pass2026q"
    created = client.post(
        "/api/v1/users",
        json={
            "username": "api.secret",
            "display_name": "接口新建",
            "unit_id": bureau.id,
            "role": "unit_staff",
            "initial_password": initial,
        },
        headers=headers | {"Idempotency-Key": "secret-user-1"},
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    answers = [created.text]
    for _ in range(2):  # the second is the replay of the first
        reset = client.post(
            f"/api/v1/users/{user_id}/password",
            json={"new_password": NEW_PASSWORD},
            headers=headers | {"Idempotency-Key": "secret-reset-1"},
        )
        assert reset.status_code == 200, reset.text
        answers.append(reset.text)

    db.expire_all()
    user = db.get(User, user_id)
    assert user is not None
    stored = db.execute(select(IdempotencyRecord.body)).scalars().all()
    text = trail_text(db) + "".join(answers) + "".join(bytes(b or b"").decode() for b in stored)
    for secret in (initial, NEW_PASSWORD, user.password_hash):
        assert secret not in text
    assert [e.changes["password_hash"] for e in audit.history(db, "user_account", user_id) if e.action == "update"] == [
        ["***", "***"]
    ]
    assert audit.verify_chain(db).ok


def test_an_old_entry_holding_a_secret_is_masked_on_the_audit_page_and_the_chain_verifies(db: Session, client) -> None:
    coordinator = make_user(db, role=Role.coordinator)
    supervisor = make_user(db, role=Role.supervisor)
    sub = WebhookSubscription(name="旧订阅", url="https://old.example.gov.cn/hooks", secret=WEBHOOK_SECRET)
    db.add(sub)
    db.flush()
    principal = acting_as(db, coordinator)
    # what the code before the fix wrote: the key's value in the entry, through the normal append path
    audit.append(
        db,
        "create",
        entity="webhook_subscription",
        entity_id=sub.id,
        changes={"url": [None, sub.url], "secret": [None, WEBHOOK_SECRET]},
        principal=principal,
    )
    audit.append(
        db,
        "update",
        entity="webhook_subscription",
        entity_id=sub.id,
        changes={"secret": [WEBHOOK_SECRET, ROTATED_SECRET]},
        principal=principal,
    )
    db.commit()
    assert WEBHOOK_SECRET in trail_text(db)  # not rewritten: the chain must still verify

    for reader in (coordinator, supervisor):
        client.cookies.clear()
        login(client, reader.username, PASSWORD)
        for params in ({}, {"entity": "webhook_subscription"}, {"entity_id": str(sub.id)}, {"action": "update"}):
            page = client.get("/audit", params=params)
            assert page.status_code == 200
            assert WEBHOOK_SECRET not in page.text and ROTATED_SECRET not in page.text
        page = client.get("/audit", params={"entity": "webhook_subscription", "entity_id": str(sub.id)})
        assert "https://old.example.gov.cn/hooks" in page.text and "***" in page.text

    assert audit.verify_chain(db).ok
    verified = client.get("/audit/verify")
    assert verified.status_code == 200 and "哈希链完整" in verified.text
