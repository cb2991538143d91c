"""System tokens over the API: the coordinator lists, issues and revokes them (scope admin). A token
issued here is never a coordinator token: those need a person signed in with the second factor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field

from app.deps import ApiPrincipal, DbSession
from app.routing import IndexedRouter
from app.schemas.users import TokenCreate, TokenRead
from app.services import users

router = IndexedRouter(prefix="/tokens", tags=["系统令牌"])


class IssuedTokenRead(BaseModel):
    token: TokenRead
    secret: str = Field(description="令牌明文：只在签发时返回这一次，平台只保存其 SHA-256")


@router.get("", summary="系统令牌列表：角色、权限范围、有效期与最后使用（招商局）")
def list_tokens(principal: ApiPrincipal, db: DbSession) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in users.list_tokens(db, principal)]


@router.post("", status_code=201, summary="签发系统令牌（招商局；统筹令牌须在页面以两步验证登录后签发）")
def create_token(body: TokenCreate, principal: ApiPrincipal, db: DbSession) -> IssuedTokenRead:
    issued = users.create_token(db, principal, body)
    return IssuedTokenRead(token=TokenRead.model_validate(issued.token), secret=issued.secret)


@router.post("/{token_id}/revoke", summary="吊销系统令牌（对方系统立即无法调用）")
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2_147_483_647)], principal: ApiPrincipal, db: DbSession
) -> TokenRead:
    return TokenRead.model_validate(users.revoke_token(db, principal, token_id))
