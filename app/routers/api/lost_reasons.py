"""Why projects end without landing: the list the coordinator keeps (as on /admin/lost-reasons)."""

from __future__ import annotations

from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.common import json_response
from app.schemas.projects import LostReasonCreate, LostReasonRead
from app.services import projects

router = IndexedRouter(prefix="/lost-reasons", tags=["流失原因"])


@router.get("", summary="流失原因（在用的；终止未落地项目时选用其 id）")
def list_lost_reasons(principal: ApiPrincipal, db: DbSession) -> list[LostReasonRead]:
    return [LostReasonRead.model_validate(r) for r in projects.lost_reasons(db)]


@router.post(
    "",
    status_code=201,
    response_model=LostReasonRead,
    summary="增加流失原因（招商局令牌，admin 范围；重复的 422；可带 Idempotency-Key）",
)
def add_lost_reason(body: LostReasonCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    reason = projects.add_lost_reason(db, principal, body.name)
    return guard.finish(json_response(LostReasonRead.model_validate(reason), 201))
