from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from app.models.user import Role
from app.schemas.common import InputModel, ReadModel
from app.scopes import SCOPES, ScopeCode, TokenRole

USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]{3,50}$"
PASSWORD_RULE = (
    "须符合密码规则：至少 password_min_length 位（系统设置，默认 8），包含大写字母、小写字母、数字、符号中的"
    "至少 password_min_classes 类（默认 3），不能包含登录名"
)
"""The password policy (app.services.security.password_problems): its figures are settings, so told here, not
stated as minLength (a deployment may raise them)."""


class UserCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "zhang.wei",
                    "display_name": "张伟",
                    "unit_id": 3,
                    "role": "unit_staff",
                    "phone": "13893112345",
                    "initial_password": "Zs#Start-2026",
                }
            ]
        }
    )

    username: str = Field(pattern=USERNAME_PATTERN, description="登录名：字母、数字、下划线、点、横线，3–50 位")
    display_name: str = Field(min_length=1, max_length=50)
    unit_id: int = Field(ge=1, le=2_147_483_647)
    role: Role
    phone: str = Field(default="", max_length=30)
    initial_password: str = Field(
        min_length=1,
        max_length=128,
        description="初始密码，首次登录须修改（不会在任何应答或审计记录中出现）；" + PASSWORD_RULE,
        json_schema_extra={"format": "password", "writeOnly": True},
    )


class UserUpdate(InputModel):
    version: int = Field(ge=1, le=2_147_483_647)
    display_name: str = Field(min_length=1, max_length=50)
    unit_id: int = Field(ge=1, le=2_147_483_647)
    role: Role
    phone: str = Field(default="", max_length=30)
    is_active: bool = True


class UserPatch(InputModel):
    """An API edit of a person (the coordinator's): only the fields sent change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 3, "unit_id": 5, "phone": "13993154321"}]})

    version: int = Field(ge=1, le=2_147_483_647, description="读到的版本号；不一致时返回 409")
    display_name: str | None = Field(default=None, min_length=1, max_length=50)
    unit_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    role: Role | None = None
    phone: str | None = Field(default=None, max_length=30)
    is_active: bool | None = Field(default=None, description="停用的账号在所有地方退出登录")


class PasswordReset(InputModel):
    model_config = ConfigDict(  # a password is taken as typed
        extra="forbid",
        str_strip_whitespace=False,
        json_schema_extra={"examples": [{"new_password": "Qz#Reset-2026-kw"}]},
    )

    new_password: str = Field(
        min_length=1,
        max_length=128,
        description="新密码；该用户下次登录须修改。不会在任何应答或审计记录中出现；" + PASSWORD_RULE,
        json_schema_extra={"format": "password", "writeOnly": True},
    )


class UserRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 58,
                    "username": "zhang.wei",
                    "display_name": "张伟",
                    "unit_id": 3,
                    "role": "unit_staff",
                    "phone": "13893112345",
                    "is_active": True,
                    "totp_enabled": False,
                    "last_login_at": "2026-12-01T08:47:03+08:00",
                    "version": 3,
                }
            ]
        }
    )

    id: int
    username: str
    display_name: str
    unit_id: int
    role: Role
    phone: str
    is_active: bool
    totp_enabled: bool
    last_login_at: datetime | None
    version: int


class TokenCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "县政务服务中心 12345 热线系统",
                    "role": "unit_staff",
                    "unit_id": 3,
                    "scopes": ["read", "tickets"],
                    "expires_days": 365,
                }
            ]
        }
    )

    name: str = Field(min_length=2, max_length=100, description="调用系统的名称")
    role: TokenRole | None = Field(
        default=None,
        description="unit_staff：单位工作人员（须限定单位）；coordinator：招商局统筹（须由通过两步验证登录的招商局"
        "管理员签发）；reader：只读全部单位。为空时：有单位为 unit_staff，否则为 reader",
    )
    unit_id: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="限定的单位：unit_staff 必填；reader 不能填（只读全部单位）；coordinator 可不填",
    )
    scopes: list[ScopeCode] | None = Field(
        default=None,
        max_length=len(SCOPES),
        description="权限范围：read（读取）及按领域写入："
        + "、".join(f"{k}（{v}）" for k, v in SCOPES.items() if k != "read")
        + "。须为角色允许的范围；为空时取角色的默认范围",
    )
    read_only: bool = Field(default=False, description="为真时只有 read 范围")
    expires_days: int | None = Field(default=365, ge=1, le=3650)


class TokenRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "name": "县政务服务中心 12345 热线系统",
                    "prefix": "zs_4fK9a2b",
                    "unit_id": 3,
                    "read_only": False,
                    "role": "unit_staff",
                    "scopes": ["read", "tickets"],
                    "created_at": "2026-01-05T10:00:00+08:00",
                    "expires_at": "2027-01-05T10:00:00+08:00",
                    "last_used_at": "2026-12-07T08:15:42+08:00",
                    "revoked_at": None,
                }
            ]
        }
    )

    id: int
    name: str
    prefix: str
    unit_id: int | None
    read_only: bool
    role: TokenRole
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return sorted(value.split(), key=list(SCOPES).index) if isinstance(value, str) else value
