"""Inputs and answers of what the county publishes to investors (对外发布): the profile, published projects
and published sites. Every text in Chinese (`_zh`) and English (`_en`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from app.models.project import Sector
from app.models.publish import PublishState, SiteKind
from app.schemas.common import InputModel, ReadModel, decimal_text, stated
from app.schemas.projects import INT_ID

Id = Annotated[int, Field(**INT_ID)]
Version = Annotated[int, Field(ge=1, le=2_147_483_647, description="上次读到的 version（过期返回 409）")]
LONG = 4000


def _text(max_length: int, description: str, *, required: bool = False) -> Any:
    if required:
        return Field(min_length=1, max_length=max_length, description=description)
    return Field(default="", max_length=max_length, description=description)


# --- the profile -----------------------------------------------------------------------------------

_PROFILE_EXAMPLE: dict[str, Any] = {
    "title_zh": "投资清河",
    "title_en": "Invest in Qinghe",
    "intro_zh": "清河县位于……",
    "intro_en": "Qinghe County lies …",
    "industries_zh": "新材料、绿色食品",
    "industries_en": "New materials, green food",
    "figures_zh": "地区生产总值：312 亿元\n常住人口：56 万",
    "figures_en": "GDP: RMB 31.2 billion\nPopulation: 560,000",
    "policies_zh": "固定资产投资奖励……",
    "policies_en": "Awards on fixed-asset investment …",
    "version": 0,
}


class ProfileSave(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PROFILE_EXAMPLE]})

    title_zh: str = _text(100, "标题（中文），如：投资清河")
    title_en: str = _text(100, "标题（英文）")
    intro_zh: str = _text(LONG, "县情简介（中文）")
    intro_en: str = _text(LONG, "县情简介（英文）")
    industries_zh: str = _text(LONG, "主导产业和产业链（中文）")
    industries_en: str = _text(LONG, "主导产业和产业链（英文）")
    figures_zh: str = _text(LONG, "对外公布的主要数据，每行一项“名称：数值”（中文）")
    figures_en: str = _text(LONG, "对外公布的主要数据，每行一项 “label: value”（英文）")
    policies_zh: str = _text(LONG, "优惠政策，通俗表述（中文）")
    policies_en: str = _text(LONG, "优惠政策，通俗表述（英文）")
    version: int = Field(ge=0, le=2_147_483_647, description="上次读到的 version；尚未填写为 0（过期返回 409）")


class StateChange(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"action": "publish", "version": 3}]})

    action: Literal["publish", "withdraw"] = Field(description="publish 发布；withdraw 撤下（公开页面随即 404）")
    version: Version


class ProfileRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {k: v for k, v in _PROFILE_EXAMPLE.items() if k != "version"}
                | {"state": "published", "state_label": "已发布", "published_at": "2026-12-13T02:00:00Z", "version": 2}
            ]
        }
    )

    title_zh: str
    title_en: str
    intro_zh: str
    intro_en: str
    industries_zh: str
    industries_en: str
    figures_zh: str
    figures_en: str
    policies_zh: str
    policies_en: str
    state: PublishState
    state_label: str
    published_at: datetime | None
    version: int = Field(description="0：尚未填写")


# --- a published project ---------------------------------------------------------------------------

_PROJECT_EXAMPLE: dict[str, Any] = {
    "title_zh": "年产 5 万吨高性能复合材料项目",
    "title_en": "High-performance composites, 50,000 t a year",
    "sector": "secondary",
    "chain_zh": "新材料 › 复合材料",
    "chain_en": "New materials › Composites",
    "investment_wan": "12000.00",
    "land_mu": "80.00",
    "summary_zh": "建设生产线 3 条……",
    "summary_en": "Three production lines …",
    "returns_zh": "达产后年产值约 3 亿元",
    "returns_en": "Annual output of about RMB 300 million at capacity",
    "policies_zh": "固定资产投资奖励",
    "policies_en": "Award on fixed-asset investment",
    "contact_zh": "县投资促进局",
    "contact_en": "County Investment Promotion Bureau",
    "contact_phone": "0310-1234567",
    "sort_order": 0,
}


class ProjectFields(InputModel):
    title_zh: str = _text(200, "对外名称（中文）", required=True)
    title_en: str = _text(200, "对外名称（英文）")
    sector: Sector = Field(default=Sector.secondary, description="一产、二产、三产")
    chain_zh: str = _text(100, "产业链环节（中文）")
    chain_en: str = _text(100, "产业链环节（英文）")
    investment_wan: Decimal = Field(
        ge=0,
        le=Decimal("99999999999999.99"),
        max_digits=16,
        decimal_places=2,
        description="投资规模（万元）",
        json_schema_extra=stated(text_pattern=decimal_text(16, 2)),
    )
    land_mu: Decimal | None = Field(
        default=None,
        gt=0,
        le=Decimal("9999999999.99"),
        max_digits=12,
        decimal_places=2,
        description="用地（亩）；空为不需用地",
        json_schema_extra=stated(text_pattern=decimal_text(12, 2)),
    )
    summary_zh: str = _text(LONG, "项目简介（中文）")
    summary_en: str = _text(LONG, "项目简介（英文）")
    returns_zh: str = _text(LONG, "预期效益（中文）")
    returns_en: str = _text(LONG, "预期效益（英文）")
    policies_zh: str = _text(LONG, "适用政策（中文）")
    policies_en: str = _text(LONG, "适用政策（英文）")
    contact_zh: str = _text(100, "联系单位（中文）")
    contact_en: str = _text(100, "联系单位（英文）")
    contact_phone: str = Field(default="", max_length=30, pattern=r"^[0-9+()\- ]*$", description="联系单位的对外电话")
    sort_order: int = Field(default=0, ge=0, le=9999, description="排列顺序，小的在前")


class PublicProjectCreate(ProjectFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_PROJECT_EXAMPLE | {"project_id": 812}]})

    project_id: Id = Field(description="所据的策划包装项目（不得为保密项目）")


class PublicProjectUpdate(ProjectFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_PROJECT_EXAMPLE | {"version": 2}]})

    version: Version


class PublicProjectRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _PROJECT_EXAMPLE
                | {
                    "id": 7,
                    "project_id": 812,
                    "state": "draft",
                    "state_label": "草稿",
                    "published_at": None,
                    "version": 1,
                }
            ]
        }
    )

    id: int
    project_id: int
    title_zh: str
    title_en: str
    sector: Sector
    chain_zh: str
    chain_en: str
    investment_wan: Decimal
    land_mu: Decimal | None
    summary_zh: str
    summary_en: str
    returns_zh: str
    returns_en: str
    policies_zh: str
    policies_en: str
    contact_zh: str
    contact_en: str
    contact_phone: str
    sort_order: int
    state: PublishState
    state_label: str
    published_at: datetime | None
    version: int


class ProjectPrefill(ReadModel):
    """A published project's starting values, copied from the project's non-confidential fields."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": 812,
                    "title_zh": "年产 5 万吨高性能复合材料项目",
                    "sector": "secondary",
                    "chain_zh": "新材料",
                    "investment_wan": "12000.00",
                    "land_mu": "80.00",
                    "contact_zh": "县投资促进局",
                    "contact_phone": "0310-1234567",
                }
            ]
        }
    )

    project_id: int
    title_zh: str
    sector: Sector
    chain_zh: str
    investment_wan: Decimal
    land_mu: Decimal | None
    contact_zh: str
    contact_phone: str


# --- a published site ------------------------------------------------------------------------------

_SITE_EXAMPLE: dict[str, Any] = {
    "name_zh": "东区 A-12 地块",
    "name_en": "East Zone plot A-12",
    "park_zh": "经济开发区",
    "park_en": "Economic Development Zone",
    "area": "56.00",
    "use_zh": "工业用地",
    "use_en": "Industrial land",
    "price_zh": "18 万元/亩",
    "price_en": "RMB 180,000 per mu",
    "description_zh": "七通一平",
    "description_en": "Fully serviced",
    "sort_order": 0,
}


class SiteFields(InputModel):
    name_zh: str = _text(100, "对外名称（中文）", required=True)
    name_en: str = _text(100, "对外名称（英文）")
    park_zh: str = _text(100, "所在园区（中文）")
    park_en: str = _text(100, "所在园区（英文）")
    area: Decimal | None = Field(
        default=None,
        gt=0,
        le=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
        description="面积：土地为亩，厂房楼宇为平方米",
        json_schema_extra=stated(text_pattern=decimal_text(14, 2)),
    )
    use_zh: str = _text(100, "用途（中文）")
    use_en: str = _text(100, "用途（英文）")
    price_zh: str = _text(200, "价格说明（中文）")
    price_en: str = _text(200, "价格说明（英文）")
    description_zh: str = _text(LONG, "说明、配套（中文）")
    description_en: str = _text(LONG, "说明、配套（英文）")
    sort_order: int = Field(default=0, ge=0, le=9999, description="排列顺序，小的在前")


class PublicSiteCreate(SiteFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_SITE_EXAMPLE | {"plot_id": 31, "building_id": None}]})

    plot_id: Id | None = Field(default=None, description="所据的地块（与 building_id 二选一）")
    building_id: Id | None = Field(default=None, description="所据的厂房楼宇（与 plot_id 二选一）")

    @model_validator(mode="after")
    def _one_source(self) -> PublicSiteCreate:
        if (self.plot_id is None) == (self.building_id is None):
            raise ValueError("请选择一块地或一处厂房楼宇")
        return self


class PublicSiteUpdate(SiteFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_SITE_EXAMPLE | {"version": 2}]})

    version: Version


class PublicSiteRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _SITE_EXAMPLE
                | {
                    "id": 4,
                    "kind": "plot",
                    "plot_id": 31,
                    "building_id": None,
                    "area_unit": "亩",
                    "state": "published",
                    "state_label": "已发布",
                    "published_at": "2026-12-13T02:00:00Z",
                    "version": 2,
                }
            ]
        }
    )

    id: int
    kind: SiteKind
    plot_id: int | None
    building_id: int | None
    name_zh: str
    name_en: str
    park_zh: str
    park_en: str
    area: Decimal | None
    area_unit: str = Field(description="亩 或 ㎡")
    use_zh: str
    use_en: str
    price_zh: str
    price_en: str
    description_zh: str
    description_en: str
    sort_order: int
    state: PublishState
    state_label: str
    published_at: datetime | None
    version: int


class SitePrefill(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "plot",
                    "plot_id": 31,
                    "building_id": None,
                    "name_zh": "东区 A-12 地块",
                    "park_zh": "经济开发区",
                    "area": "56.00",
                    "use_zh": "工业用地",
                    "price_zh": "18 万元/亩",
                }
            ]
        }
    )

    kind: SiteKind
    plot_id: int | None
    building_id: int | None
    name_zh: str
    park_zh: str
    area: Decimal | None
    use_zh: str
    price_zh: str
