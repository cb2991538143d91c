"""The coordinator creates and changes campaigns over the API as on /campaigns (the page takes the rules as
JSON text, the API as typed groups). Same services as the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.performance import CampaignCreate, CampaignPatch, CampaignRead, rules_json
from app.services import performance

router = IndexedRouter(prefix="/campaigns", tags=["考核与通报"])


@router.post(
    "",
    status_code=201,
    response_model=CampaignRead,
    summary="新建竞赛：起止日期、分组及各组目标，任一备选条件达成即算（招商局令牌，targets 范围；可带幂等键）",
)
def create_campaign(body: CampaignCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    campaign = performance.create_campaign(
        db, principal, body.name, body.starts_on, body.ends_on, rules_json(body.rules)
    )
    return guard.finish(json_response(CampaignRead.model_validate(campaign), 201))


@router.patch(
    "/{campaign_id}",
    response_model=CampaignRead,
    summary="修改竞赛：名称、起止日期、分组与目标（只改所发字段；需带 version，过期 409；招商局令牌，targets 范围）",
)
def update_campaign(
    campaign_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    body: CampaignPatch,
    principal: ApiPrincipal,
    db: DbSession,
    guard: ApiIdempotency,
) -> Response:
    campaign = performance.update_campaign(
        db,
        principal,
        campaign_id,
        body.version,
        name=body.name,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        rules=None if body.rules is None else rules_json(body.rules),
    )
    return guard.finish(json_response(CampaignRead.model_validate(campaign)))
