"""Inputs and answers of industry chains (产业链): a chain, its links, the local firms and projects on them,
and an investor's introducer (以商招商)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.models.chain import ChainStage
from app.schemas.common import InputModel, ReadModel
from app.schemas.projects import INT_ID

Id = Annotated[int, Field(**INT_ID)]

# --- a chain ---------------------------------------------------------------------------------------

_CHAIN_EXAMPLE: dict[str, Any] = {
    "name": "新材料",
    "chief_user_id": 3,
    "leading_investor_id": 5120,
    "leading_firm_name": "",
    "team_unit_id": 21,
    "unit_ids": [8, 17],
    "description": "以硅基材料、高性能复合材料为主攻方向",
    "sort_order": 1,
}


class ChainFields(InputModel):
    name: str = Field(min_length=1, max_length=60, description="产业链名称（全县唯一），如：新材料")
    chief_user_id: Id | None = Field(default=None, description="链长：县级领导的账号")
    leading_investor_id: Id | None = Field(default=None, description="链主企业（客商库中的客商）")
    leading_firm_name: str = Field(
        default="", max_length=200, description="链主企业名称（不在客商库时填写；选了客商则不用）"
    )
    team_unit_id: Id | None = Field(default=None, description="负责的专业招商组（单位类别为产业招商组）")
    unit_ids: list[Id] = Field(default_factory=list, max_length=30, description="责任单位")
    description: str = Field(default="", max_length=2000, description="主攻方向、说明")
    sort_order: int = Field(default=0, ge=0, le=9999, description="排列顺序，小的在前")


class ChainCreate(ChainFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_CHAIN_EXAMPLE]})


class ChainUpdate(ChainFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_CHAIN_EXAMPLE | {"version": 2}]})

    version: int = Field(**INT_ID)


# --- a link ----------------------------------------------------------------------------------------

_LINK_EXAMPLE: dict[str, Any] = {
    "name": "工业硅",
    "parent_id": 41,
    "stage": "upstream",
    "position": 1,
    "weak_threshold": 2,
    "note": "",
}


class LinkFields(InputModel):
    name: str = Field(min_length=1, max_length=60, description="环节名称（同一产业链内唯一）")
    parent_id: Id | None = Field(default=None, description="上级环节；空为一级环节")
    stage: ChainStage = Field(default=ChainStage.midstream, description="上游、中游、下游")
    position: int | None = Field(default=None, ge=0, le=9999, description="同级中的顺序，小的在前；空为排在最后")
    weak_threshold: int = Field(default=2, ge=1, le=1000, description="本地企业少于此数为弱链（默认 2）")
    note: str = Field(default="", max_length=2000)


class LinkCreate(LinkFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_LINK_EXAMPLE]})


class LinkUpdate(LinkFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_LINK_EXAMPLE | {"version": 1}]})

    version: int = Field(**INT_ID)


class FirmAdd(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"link_id": 42, "investor_id": 5120}]})

    link_id: Id = Field(description="环节")
    investor_id: Id = Field(description="本地企业（客商库中的客商）")


class ProjectLinkSet(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"chain_link_id": 42, "version": 7}]})

    chain_link_id: Id | None = Field(description="所属产业链环节；空为解除")
    version: int = Field(**INT_ID, description="项目的 version（过期返回 409）")


class IntroducerSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"introducer_id": 5120, "note": "由其董事长引荐", "version": 0}]}
    )

    introducer_id: Id | None = Field(description="引荐该客商的本县在地企业；空为清除")
    note: str = Field(default="", max_length=200, description="说明")
    version: int = Field(ge=0, le=2_147_483_647, description="上次读到的 version；尚未登记为 0")


# --- answers ---------------------------------------------------------------------------------------


class LinkRead(ReadModel):
    id: int
    chain_id: int
    parent_id: int | None
    name: str
    path: str = Field(description="从一级环节到本环节的名称，以 › 分隔")
    depth: int = Field(description="层级，一级环节为 1")
    stage: ChainStage
    stage_label: str
    position: int
    weak_threshold: int
    note: str
    version: int
    status: str = Field(description="gap 缺链（无本地企业、无投产项目）、weak 弱链（本地企业少于门槛）、ok")
    status_label: str
    firms: int = Field(description="本地企业数：挂在本环节的企业与本环节已投产项目的客商（去重）")
    leads: int = Field(description="本环节项目的来源线索数")
    projects: int = Field(description="本环节项目数（不含终止）")
    projects_by_stage: dict[str, int] = Field(description="按阶段的项目数")
    funds_confirmed: Decimal = Field(description="已确认到位资金（万元）")
    output_last_year: Decimal = Field(description="上年度已确认产值（万元）")
    tax_last_year: Decimal = Field(description="上年度已确认税收（万元）")


_LINK_READ: dict[str, Any] = _LINK_EXAMPLE | {
    "id": 42,
    "chain_id": 3,
    "path": "原材料 › 工业硅",
    "depth": 2,
    "stage_label": "上游",
    "version": 1,
    "status": "weak",
    "status_label": "弱链",
    "firms": 1,
    "leads": 2,
    "projects": 3,
    "projects_by_stage": {"signed": 1, "production": 2},
    "funds_confirmed": "18600.00",
    "output_last_year": "52000.00",
    "tax_last_year": "1460.00",
}


class UnitRef(ReadModel):
    id: int
    name: str


class ChainRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _CHAIN_EXAMPLE
                | {
                    "id": 3,
                    "chief_name": "王建国",
                    "leading_firm": "青山硅材料股份有限公司",
                    "team_name": "新材料产业招商组",
                    "units": [{"id": 8, "name": "青山县工业和信息化局"}],
                    "version": 2,
                    "results_year": 2025,
                    "gaps": 1,
                    "weak": 2,
                    "links": [_LINK_READ],
                }
            ]
        }
    )

    id: int
    name: str
    chief_user_id: int | None
    chief_name: str = Field(description="链长")
    leading_investor_id: int | None = Field(description="链主在客商库中的编号；无权查看时为空")
    leading_firm: str = Field(description="链主企业名称")
    leading_firm_name: str = Field(description="链主企业名称（不在客商库时所填）")
    team_unit_id: int | None
    team_name: str
    unit_ids: list[int]
    units: list[UnitRef]
    description: str
    sort_order: int
    version: int
    results_year: int = Field(description="产值、税收所属年度（上年度）")
    gaps: int = Field(description="缺链环节数")
    weak: int = Field(description="弱链环节数")
    links: list[LinkRead] = Field(description="环节：缺链在前，其次弱链，再按树的顺序")


class ChainSummary(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "新材料",
                    "chief_name": "王建国",
                    "leading_firm": "青山硅材料股份有限公司",
                    "links": 6,
                    "gaps": 1,
                    "weak": 2,
                    "firms": 7,
                    "projects": 9,
                    "version": 2,
                }
            ]
        }
    )

    id: int
    name: str
    chief_name: str
    leading_firm: str
    links: int
    gaps: int
    weak: int
    firms: int
    projects: int
    version: int


class ChainProjectRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": 1207,
                    "name": "年产 2 万吨高纯硅项目",
                    "investor_name": "青山硅材料股份有限公司",
                    "link_id": 42,
                    "link_name": "工业硅",
                    "stage": "production",
                    "stage_label": "投产",
                    "funds_confirmed": "8600.00",
                }
            ]
        }
    )

    project_id: int | None = Field(description="无权查看该项目者为空")
    name: str = Field(description="保密项目对无权者显示代号；其他单位的项目显示“其他单位的项目”")
    investor_name: str
    link_id: int
    link_name: str
    stage: str
    stage_label: str
    funds_confirmed: Decimal


class FirmRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "link_id": 42,
                    "link_name": "工业硅",
                    "investor_id": 5120,
                    "name": "青山硅材料股份有限公司",
                    "in_production": True,
                }
            ]
        }
    )

    id: int
    link_id: int
    link_name: str
    investor_id: int | None = Field(description="无权查看该客商者为空")
    name: str
    in_production: bool = Field(description="该企业在本县有已投产的项目")


class ReferralRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "introducer_id": 5120,
                    "introducer_name": "青山硅材料股份有限公司",
                    "investor_id": 6031,
                    "investor_name": "江苏晶硅新材料有限公司",
                    "project_id": 1311,
                    "project_name": "多晶硅切片项目",
                    "link_id": 43,
                    "link_name": "硅片",
                    "stage": "signed",
                    "stage_label": "正式签约",
                }
            ]
        }
    )

    introducer_id: int | None
    introducer_name: str = Field(description="引荐的本地企业")
    investor_id: int | None
    investor_name: str = Field(description="被引荐的客商")
    project_id: int | None
    project_name: str
    link_id: int
    link_name: str
    stage: str
    stage_label: str


class ProjectLinkRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": 1207,
                    "chain_link_id": 42,
                    "chain_id": 3,
                    "chain_name": "新材料",
                    "link_name": "工业硅",
                    "industry_chain": "新材料",
                    "version": 8,
                }
            ]
        }
    )

    project_id: int
    chain_link_id: int | None
    chain_id: int | None
    chain_name: str
    link_name: str
    industry_chain: str = Field(description="项目的产业链文字（挂到环节时设为产业链名称）")
    version: int = Field(description="项目的 version")


class InvestorRef(ReadModel):
    id: int | None
    name: str


class IntroducerRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "investor_id": 6031,
                    "introducer_id": 5120,
                    "introducer_name": "青山硅材料股份有限公司",
                    "note": "由其董事长引荐",
                    "version": 1,
                    "brought": [{"id": 6120, "name": "江苏晶硅新材料有限公司"}],
                    "brought_total": 1,
                }
            ]
        }
    )

    investor_id: int
    introducer_id: int | None
    introducer_name: str
    note: str
    version: int = Field(description="尚未登记为 0")
    brought: list[InvestorRef] = Field(description="该客商引荐的客商（前 20 家）；无权查看者 id 为空、名称为（保密）")
    brought_total: int
