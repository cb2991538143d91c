from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.deps import ApiPrincipal
from app.routing import IndexedRouter

router = IndexedRouter(tags=["令牌"])


class WhoAmI(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"label": "令牌:城关镇项目服务系统", "token_id": 12, "unit_id": 3, "read_only": False}]
        }
    )

    label: str = Field(description="调用者：令牌:令牌名称")
    token_id: int | None
    unit_id: int | None = Field(description="令牌所属的单位；null 为不属于任何单位")
    read_only: bool


@router.get("/me", summary="当前令牌的身份与范围")
def me(principal: ApiPrincipal) -> WhoAmI:
    return WhoAmI(
        label=principal.label, token_id=principal.token_id, unit_id=principal.unit_id, read_only=principal.read_only
    )
