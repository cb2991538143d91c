"""Webhook subscriptions over the API: the coordinator lists, adds, enables, disables them and chooses their
event types, through the same service as the /admin/webhooks page (a unit's token is refused, as a unit's
staff are on the page). The signing secret is answered once, by the creation; never again, never audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from app.deps import ApiPrincipal, ApiSecretIdempotency, DbSession
from app.models.ticket import WebhookSubscription
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.webhooks import WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate
from app.services import events, notify

router = IndexedRouter(prefix="/webhooks", tags=["Webhook 订阅"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _read(sub: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=sub.id,
        name=sub.name,
        url=sub.url,
        unit_id=sub.unit_id,
        event_types=[t for t in sub.event_types.split(",") if t],
        event_labels=events.chosen_labels(sub.event_types),
        is_active=sub.is_active,
        version=sub.version,
        created_at=sub.created_at,
        updated_at=sub.updated_at,
    )


@router.get("", summary="Webhook 订阅列表（招商局令牌；不含签名密钥）")
def list_webhooks(principal: ApiPrincipal, db: DbSession) -> list[WebhookRead]:
    return [_read(s) for s in notify.list_subscriptions(db, principal)]


@router.post(
    "",
    status_code=201,
    response_model=WebhookCreated,
    summary="添加 Webhook 订阅（招商局令牌，admin 范围）：签名密钥只在本应答中返回这一次；可带 Idempotency-Key",
)
def add_webhook(body: WebhookCreate, principal: ApiPrincipal, db: DbSession, guard: ApiSecretIdempotency) -> Response:
    sub = notify.add_subscription(db, principal, body.name, body.url, body.secret, body.event_types, body.unit_id)
    created = WebhookCreated(**_read(sub).model_dump(), secret=sub.secret)
    return guard.finish(json_response(created, 201))


@router.patch(
    "/{sub_id}",
    response_model=WebhookRead,
    summary="启用、停用 Webhook 订阅，或改推送的事件类型（招商局令牌；需带 version，过期 409）",
)
def update_webhook(sub_id: IdPath, body: WebhookUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    sub = notify.update_subscription(
        db, principal, sub_id, body.version, is_active=body.is_active, event_types=body.event_types
    )
    return json_response(_read(sub))
