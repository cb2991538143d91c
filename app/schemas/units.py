from __future__ import annotations

from pydantic import ConfigDict, Field, model_validator

from app.models.unit import UnitKind
from app.schemas.common import InputModel, ReadModel


class UnitBase(InputModel):
    name: str = Field(min_length=2, max_length=100, description="全称")
    short_name: str = Field(default="", max_length=30, description="简称")
    kind: UnitKind = Field(description="单位类别")
    tier: int | None = Field(
        default=None, ge=1, le=4, description="考核档次（1–4）：县直部门（kind 为 department）必填，其他类别不记"
    )
    parent_id: int | None = Field(default=None, ge=1, le=2_147_483_647, description="上级单位")
    head_name: str = Field(default="", max_length=50, description="负责人")
    phone: str = Field(default="", max_length=30)
    address: str = Field(default="", max_length=200)
    sort_order: int = Field(default=0, ge=0, le=100_000)

    @model_validator(mode="after")
    def _tier_for_departments(self) -> UnitBase:
        if self.kind is UnitKind.department and self.tier is None:
            raise ValueError("县直部门须选择考核档次")
        if self.kind is not UnitKind.department and self.tier is not None:
            self.tier = None
        return self


class UnitCreate(UnitBase):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "县商务局",
                    "short_name": "商务局",
                    "kind": "department",
                    "tier": 2,
                    "head_name": "李建国",
                    "phone": "0931-6612345",
                    "address": "城关镇人民路 18 号",
                    "sort_order": 30,
                }
            ]
        }
    )

    pass


class UnitUpdate(UnitBase):
    version: int = Field(ge=1, le=2_147_483_647, description="编辑时读到的版本号；不一致时返回 409")
    is_active: bool = True


class UnitPatch(InputModel):
    """An API edit of a unit (the coordinator's): only the fields sent change; the unit as it then stands is
    checked as a whole (a department needs its tier)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 4, "head_name": "王海涛", "phone": "0931-6612388", "tier": 1}]}
    )

    version: int = Field(ge=1, le=2_147_483_647, description="读到的版本号；不一致时返回 409")
    name: str | None = Field(default=None, min_length=2, max_length=100, description="全称")
    short_name: str | None = Field(default=None, max_length=30, description="简称")
    kind: UnitKind | None = Field(default=None, description="单位类别")
    tier: int | None = Field(
        default=None, ge=1, le=4, description="考核档次（1–4）：改后为县直部门（department）时须有档次；非部门为空"
    )
    parent_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="上级单位（null：顶层）；不能是它自己或其下级"
    )
    head_name: str | None = Field(default=None, max_length=50, description="负责人")
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=200)
    sort_order: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = Field(default=None, description="停用前须先调整该单位的在用账号")


class UnitContactUpdate(InputModel):
    """What a unit's own staff may change about their unit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 7, "head_name": "张明", "phone": "0931-6623456", "address": "城关镇解放路 56 号"}]
        }
    )

    version: int = Field(ge=1, le=2_147_483_647)
    head_name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=200)


class UnitRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "城关镇人民政府",
                    "short_name": "城关镇",
                    "kind": "town",
                    "tier": None,
                    "parent_id": None,
                    "head_name": "张明",
                    "phone": "0931-6623456",
                    "address": "城关镇解放路 56 号",
                    "sort_order": 10,
                    "is_active": True,
                    "version": 7,
                }
            ]
        }
    )

    id: int
    name: str
    short_name: str
    kind: UnitKind
    tier: int | None
    parent_id: int | None
    head_name: str
    phone: str
    address: str
    sort_order: int
    is_active: bool
    version: int
