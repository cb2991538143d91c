"""What the pages and the API take and answer for industry teams (专业招商组): the team (leader, members,
industry, duties), its ledger, its ranking and its projects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field

from app.schemas.common import InputModel, ReadModel

INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}


class TeamUpdate(InputModel):
    """The coordinator's edit of a team: its leader (组长: one listed person, or a new official without an
    account, added to the team's people), the industry it works, its duties, its member units and the one
    that leads (牵头单位). The members sent replace the present ones."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "leader_cadre_id": 31,
                    "industry": "新材料（硅基材料、高性能纤维）",
                    "duties": "梳理新材料产业链，对接长三角目标企业，推动重点项目签约落地。",
                    "member_unit_ids": [5, 6, 7],
                    "lead_unit_id": 6,
                },
                {
                    "version": 0,
                    "leader_name": "刘国华",
                    "leader_title": "副县长、新材料产业招商组组长",
                    "industry": "新材料",
                    "member_unit_ids": [6],
                },
            ]
        }
    )

    version: int = Field(ge=0, le=2_147_483_647, description="编辑时读到的版本号（尚未登记过为 0）；不一致时返回 409")
    leader_cadre_id: int | None = Field(
        default=None, **INT_ID, description="组长：人员名单中的一人（与 leader_name 二选一）"
    )
    leader_name: str = Field(default="", max_length=50, description="新组长姓名：无账号的县领导，加入本组人员名单")
    leader_title: str = Field(default="", max_length=50, description="新组长职务，如“副县长、××产业招商组组长”")
    industry: str = Field(default="", max_length=100, description="主攻产业")
    duties: str = Field(default="", max_length=2000, description="工作职责")
    member_unit_ids: list[int] = Field(default_factory=list, max_length=60, description="成员单位（责任单位）")
    lead_unit_id: int | None = Field(default=None, **INT_ID, description="牵头单位：成员单位之一")


class TeamProjectSet(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 0}, {"version": 2}, {}]})

    version: int | None = Field(
        default=None,
        ge=0,
        le=2_147_483_647,
        description="项目当前归组记录的版本号（未归组为 0）；给出时不一致返回 409，不给则直接改归本组",
    )


class LeaderRead(ReadModel):
    cadre_id: int
    name: str
    title: str
    unit_id: int
    has_account: bool = Field(description="组长是否有本系统账号（无账号的县领导也可任组长）")


class MemberRead(ReadModel):
    unit_id: int
    name: str
    is_lead: bool = Field(description="牵头单位")


LEADER_EXAMPLE: dict[str, Any] = {
    "cadre_id": 31,
    "name": "刘国华",
    "title": "副县长、新材料产业招商组组长",
    "unit_id": 29,
    "has_account": False,
}
FIGURES_EXAMPLE: dict[str, Any] = {
    "leads": "6",
    "valid_leads": "4.5",
    "projects_introduced": "2",
    "contract_investment": "26000.00",
    "new_starts": "1",
    "funds_domestic": "8600.00",
    "foreign_capital": "0.00",
}


class TeamRead(ReadModel):
    """A team: its unit, leader, members and this year's targets."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 29,
                    "name": "新材料产业招商组",
                    "short_name": "新材料组",
                    "is_active": True,
                    "leader": LEADER_EXAMPLE,
                    "industry": "新材料（硅基材料、高性能纤维）",
                    "duties": "梳理新材料产业链，对接长三角目标企业。",
                    "members": [{"unit_id": 6, "name": "青山县工业和信息化局", "is_lead": True}],
                    "year": 2026,
                    "targets": {"funds_domestic": "20000.00", "projects_introduced": "4.00"},
                    "leader_targets": {"funds_domestic": "8000.00"},
                    "version": 3,
                }
            ]
        }
    )

    id: int = Field(description="专业招商组的编号（即其单位编号）")
    name: str
    short_name: str
    is_active: bool
    leader: LeaderRead | None
    industry: str
    duties: str
    members: list[MemberRead]
    year: int
    targets: dict[str, Decimal] = Field(description="本组年度目标（即其单位的目标），按指标")
    leader_targets: dict[str, Decimal] = Field(description="分解给组长个人的年度目标，按指标")
    version: int


class TeamRow(ReadModel):
    """A team in the teams' ranking: its year's figures (counted by the teams' rule), targets and score."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rank": 1,
                    "id": 29,
                    "name": "新材料产业招商组",
                    "leader": LEADER_EXAMPLE,
                    "member_count": 3,
                    "figures": FIGURES_EXAMPLE,
                    "targets": {"funds_domestic": "20000.00"},
                    "completion": {"funds_domestic": "43.0"},
                    "score": "72.40",
                }
            ]
        }
    )

    rank: int
    id: int
    name: str
    leader: LeaderRead | None
    member_count: int
    figures: dict[str, Decimal] = Field(
        description="本年度：leads 报送线索、valid_leads 有效线索、projects_introduced 签约项目、contract_investment "
        "合同投资（万元）、new_starts 新开工项目、funds_domestic 内资到位（万元）、foreign_capital 到位外资（万美元）"
    )
    targets: dict[str, Decimal]
    completion: dict[str, Decimal | None] = Field(description="完成年度目标的百分比（一位小数）")
    score: Decimal = Field(description="综合得分：按单位排名的权重，完成率封顶 150%")


class TeamRanking(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "rule": "项目计入其所归的专业招商组（未归组的，计入引进它的专业招商组），全额计入；"
                    "成员单位的考核按原规则计算，不重复计算。",
                    "tie_rule": "得分相同时，依次比较：内资到位资金多者在前、签约项目多者在前、排序号小者在前。",
                    "items": [TeamRow.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
                }
            ]
        }
    )

    year: int
    rule: str
    tie_rule: str
    items: list[TeamRow]


class MonthFigures(ReadModel):
    month: int
    figures: dict[str, Decimal]


class MemberPartRead(ReadModel):
    unit_id: int | None = Field(description="单位；为空表示非成员单位合计")
    name: str
    is_member: bool
    figures: dict[str, Decimal] = Field(
        description="本组项目按单位原计分规则计入该单位的部分：签约计引进单位，开工和到位资金计责任单位"
    )


class TeamLedgerRead(ReadModel):
    """The team's ledger: its year month by month, the total, the targets and their completion, and the
    figures by member unit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "team_id": 29,
                    "year": 2026,
                    "months": [{"month": 1, "figures": FIGURES_EXAMPLE}],
                    "total": FIGURES_EXAMPLE,
                    "targets": {"funds_domestic": "20000.00"},
                    "completion": {"funds_domestic": "43.0"},
                    "members": [
                        {
                            "unit_id": 6,
                            "name": "青山县工业和信息化局",
                            "is_member": True,
                            "figures": {
                                "projects_introduced": "1.00",
                                "contract_investment": "16000.00",
                                "new_starts": "1.00",
                                "funds_domestic": "6000.00",
                            },
                        }
                    ],
                }
            ]
        }
    )

    team_id: int
    year: int
    months: list[MonthFigures]
    total: dict[str, Decimal]
    targets: dict[str, Decimal]
    completion: dict[str, Decimal | None]
    members: list[MemberPartRead]


class TeamProjectRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": 118,
                    "name": "年产 5 万吨高性能碳纤维项目",
                    "stage": "signed",
                    "signed_on": "2026-04-18",
                    "contract_investment": "16000.00",
                    "funds_confirmed": "6000.00",
                    "introducing_unit_id": 6,
                    "responsible_unit_id": 6,
                    "assigned": True,
                    "assignment_version": 1,
                }
            ]
        }
    )

    project_id: int
    name: str = Field(description="项目名称（保密项目对无权查看者显示代号）")
    stage: str
    signed_on: date | None
    contract_investment: Decimal
    funds_confirmed: Decimal
    introducing_unit_id: int
    responsible_unit_id: int
    assigned: bool = Field(description="true：归入本组；false：由本组引进，自然计入本组")
    assignment_version: int = Field(description="归组记录的版本号（未归组为 0），改归时可带上")


class TeamProjects(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [TeamProjectRead.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
                    "total": 1,
                    "hidden": 2,
                    "limit": 50,
                    "offset": 0,
                }
            ]
        }
    )

    items: list[TeamProjectRead]
    total: int = Field(description="可查看的本组项目数")
    hidden: int = Field(description="本组另有的、您无权查看的项目数（只计入本组合计）")
    limit: int
    offset: int


class ProjectTeamRead(ReadModel):
    """The team a project counts for after the change (none: no team), and its assignment's version."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"project_id": 118, "team_id": 29, "assigned": True, "version": 1}]},
    )

    project_id: int
    team_id: int | None = Field(description="项目现在计入的专业招商组（为空：不计入任何组）")
    assigned: bool = Field(description="true：归入该组；false：由该组引进而自然计入，或不计入任何组")
    version: int = Field(description="归组记录的版本号（未归组为 0）")
