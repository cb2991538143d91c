from __future__ import annotations

from pydantic import Field, model_validator

from app.models.unit import UnitKind
from app.schemas.common import InputModel, ReadModel


class UnitBase(InputModel):
    name: str = Field(min_length=2, max_length=100, description="全称")
    short_name: str = Field(default="", max_length=30, description="简称")
    kind: UnitKind = Field(description="单位类别")
    tier: int | None = Field(default=None, ge=1, le=4, description="考核档次（部门适用，1–4）")
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
    pass


class UnitUpdate(UnitBase):
    version: int = Field(ge=1, le=2_147_483_647, description="编辑时读到的版本号；不一致时返回 409")
    is_active: bool = True


class UnitPatch(InputModel):
    """An API edit of a unit (the coordinator's): only the fields sent change; the unit as it then stands is
    checked as a whole (a department needs its tier)."""

    version: int = Field(ge=1, le=2_147_483_647, description="读到的版本号；不一致时返回 409")
    name: str | None = Field(default=None, min_length=2, max_length=100, description="全称")
    short_name: str | None = Field(default=None, max_length=30, description="简称")
    kind: UnitKind | None = Field(default=None, description="单位类别")
    tier: int | None = Field(default=None, ge=1, le=4, description="考核档次（部门适用，1–4；非部门为空）")
    parent_id: int | None = Field(default=None, ge=1, le=2_147_483_647, description="上级单位（null：顶层）")
    head_name: str | None = Field(default=None, max_length=50, description="负责人")
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=200)
    sort_order: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = Field(default=None, description="停用前须先调整该单位的在用账号")


class UnitContactUpdate(InputModel):
    """What a unit's own staff may change about their unit."""

    version: int = Field(ge=1, le=2_147_483_647)
    head_name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=200)


class UnitRead(ReadModel):
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
