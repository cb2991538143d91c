from __future__ import annotations

from pydantic import BaseModel

from app.deps import ApiPrincipal
from app.routing import IndexedRouter

router = IndexedRouter(tags=["令牌"])


class WhoAmI(BaseModel):
    label: str
    token_id: int | None
    unit_id: int | None
    read_only: bool


@router.get("/me", summary="当前令牌的身份与范围")
def me(principal: ApiPrincipal) -> WhoAmI:
    return WhoAmI(
        label=principal.label, token_id=principal.token_id, unit_id=principal.unit_id, read_only=principal.read_only
    )
