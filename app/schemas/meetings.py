"""Meetings (会议) and their decisions (决定事项): scheduling and recording one, a decision; what the API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.models.meeting import MeetingKind, MeetingStatus
from app.models.task import TaskStatus
from app.schemas.common import Day, InputModel

MAX_ID = 2_147_483_647
MAX_LISTED = 200

IdList = list[Annotated[int, Field(ge=1, le=MAX_ID)]]


def _distinct_ids(values: list[int]) -> list[int]:
    return list(dict.fromkeys(values))


MEETING_EXAMPLE: dict[str, Any] = {
    "kind": "dispatch",
    "title": "2026 年 12 月招商引资调度会",
    "held_on": "2026-12-10",
    "place": "县政府三楼会议室",
    "chair": "县长 王建国",
    "attendee_user_ids": [4, 5],
    "attendee_names": "县发改局局长 孙海涛、县自然资源局副局长 钱立新",
    "unit_ids": [18, 19],
    "project_ids": [1207],
    "summary": "听取城关镇、青石镇招商引资进展汇报，研究储能电池项目二期用地问题。",
}


class MeetingFields(InputModel):
    """What the office keeps of a meeting (scheduling it, then recording who attended and what was said)."""

    kind: MeetingKind = Field(
        description="dispatch 调度会、onsite 现场办公会、review 过堂会、site_tour 观摩会、account 述职会"
    )
    title: str = Field(min_length=2, max_length=200, description="会议名称")
    held_on: Day = Field(description="会议日期（召开后记录时不能晚于今天）")
    place: str = Field(default="", max_length=200, description="地点")
    chair: str = Field(default="", max_length=100, description="主持人（职务 姓名）")
    attendee_user_ids: IdList = Field(
        default_factory=list, max_length=MAX_LISTED, description="参会的系统账号（领导、督查室、单位负责人等）"
    )
    attendee_names: str = Field(default="", max_length=2000, description="其他参会人员（无账号者，用顿号或换行分隔）")
    unit_ids: IdList = Field(
        default_factory=list, max_length=MAX_LISTED, description="研究的单位：每个单位须带汇报材料（按其数据生成）"
    )
    project_ids: IdList = Field(default_factory=list, max_length=MAX_LISTED, description="研究的项目")
    summary: str = Field(default="", max_length=8000, description="会议纪要：研究的事项和主要内容")

    @field_validator("attendee_user_ids", "unit_ids", "project_ids")
    @classmethod
    def _distinct(cls, values: list[int]) -> list[int]:
        return _distinct_ids(values)


class MeetingCreate(MeetingFields):
    model_config = ConfigDict(json_schema_extra={"examples": [MEETING_EXAMPLE]})


class MeetingUpdate(InputModel):
    """A change (PATCH): the fields sent replace the meeting's; lists replace the whole list."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "attendee_user_ids": [4, 5, 41],
                    "attendee_names": "县发改局局长 孙海涛、县自然资源局副局长 钱立新",
                    "summary": "会议听取两镇汇报，议定事项 3 项，由督查室跟踪督办。",
                }
            ]
        }
    )

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    kind: MeetingKind | None = None
    title: str | None = Field(default=None, min_length=2, max_length=200)
    held_on: Day | None = None
    place: str | None = Field(default=None, max_length=200)
    chair: str | None = Field(default=None, max_length=100)
    attendee_user_ids: IdList | None = Field(default=None, max_length=MAX_LISTED)
    attendee_names: str | None = Field(default=None, max_length=2000)
    unit_ids: IdList | None = Field(default=None, max_length=MAX_LISTED)
    project_ids: IdList | None = Field(default=None, max_length=MAX_LISTED)
    summary: str | None = Field(default=None, max_length=8000)

    @field_validator("attendee_user_ids", "unit_ids", "project_ids")
    @classmethod
    def _distinct(cls, values: list[int] | None) -> list[int] | None:
        return None if values is None else _distinct_ids(values)


class MeetingEdit(MeetingFields):
    """The page's edit form: every field, and the version read."""

    version: int = Field(ge=1, le=MAX_ID)


class MeetingHold(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 3}]})

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")


class DecisionCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "content": "由城关镇牵头，会同县自然资源局完成储能电池项目二期用地两户补偿协议签订，"
                    "确保场地平整如期开工。",
                    "owner_unit_id": 18,
                    "owner_user_id": 41,
                    "due_days": 10,
                }
            ]
        }
    )

    content: str = Field(min_length=2, max_length=2000, description="决定事项")
    owner_unit_id: int = Field(ge=1, le=MAX_ID, description="责任单位（在用的单位）")
    owner_user_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="责任人（责任单位在岗的工作人员）")
    due_days: int = Field(ge=1, le=365, description="办理时限（工作日，自记录次日起算，节假日顺延）")


# --- what the API answers ------------------------------------------------------------------------


class NamedRef(BaseModel):
    id: int
    name: str


class TargetLine(BaseModel):
    metric: str
    label: str
    measure: str = Field(description="计量单位：万元、万美元、个、条……")
    actual: str = Field(description="本年累计实际")
    target: str | None = Field(description="年度目标")
    share_of_target: str = Field(description="占年计划（%，一位小数；无目标为 —）")
    expected_share: str = Field(description="时序进度（%）")
    share_of_expected: str = Field(description="占时序进度（%）")
    card: Literal["", "yellow", "red"] = Field(description="黄牌、红牌（零实绩）或空")
    heading_below: bool = Field(description="按当前进度年底将低于黄牌线")


class StageCount(BaseModel):
    stage: str
    label: str
    count: int


class MaterialProject(BaseModel):
    id: int
    name: str = Field(description="项目名称；保密项目对无权查看者为“【保密】代号”")
    stage: str
    stage_label: str
    status_label: str
    contract_investment: str = Field(description="合同投资额（万元）")
    funds_confirmed: str = Field(description="已确认到位资金（万元）")


class UnitMaterials(BaseModel):
    """The materials a unit discussed had to bring, generated from its figures: frozen when the meeting was
    recorded as held (`frozen`), else as they stand today."""

    unit_id: int
    unit_name: str
    frozen: bool = Field(description="true：会议召开时冻结的数据；false：尚未召开，按当前数据生成")
    as_of: date = Field(description="数据截至日期")
    year: int
    targets: list[TargetLine] = Field(description="本年度各项目标完成情况")
    funds_domestic: str = Field(description="本年已确认内资到位资金（万元）")
    funds_out_of_province: str = Field(description="其中省外资金（万元）")
    foreign_capital: str = Field(description="本年已确认到位外资（万美元）")
    stages: list[StageCount] = Field(description="推进中的项目按阶段计数")
    paused: int = Field(description="暂停的项目数")
    projects: list[MaterialProject] = Field(
        description="本单位负责的推进中、暂停项目（合同投资额大的在前，至多 30 个）"
    )
    open_tasks: int = Field(description="未办结的督办事项")
    overdue_tasks: int = Field(description="其中逾期的督办事项")
    overdue_tickets: int = Field(description="逾期未办结的跟踪服务问题（本单位承办）")


class DecisionRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 88,
                    "meeting_id": 12,
                    "number": 1,
                    "content": "由城关镇牵头，会同县自然资源局完成储能电池项目二期用地两户补偿协议签订。",
                    "owner_unit": {"id": 18, "name": "城关镇人民政府"},
                    "owner_user": {"id": 41, "name": "李春燕"},
                    "due_days": 10,
                    "task_id": 57,
                    "task_status": "in_progress",
                    "task_status_label": "办理中",
                    "task_due_on": "2026-12-24",
                    "task_light": "green",
                    "created_at": "2026-12-10T16:20:00+08:00",
                }
            ]
        }
    )

    id: int
    meeting_id: int
    number: int = Field(description="第几项")
    content: str
    owner_unit: NamedRef = Field(description="责任单位")
    owner_user: NamedRef | None = Field(description="责任人")
    due_days: int = Field(description="办理时限（工作日）")
    task_id: int | None = Field(description="据此交办的督办事项")
    task_status: TaskStatus | None
    task_status_label: str
    task_due_on: date | None = Field(description="督办事项的办结期限")
    task_light: Literal["green", "yellow", "red", "grey", ""] = Field(
        description="绿：正常；黄：即将到期；红：逾期；灰：不计时"
    )
    created_at: datetime


MEETING_READ_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "kind": "dispatch",
    "kind_label": "调度会",
    "title": "2026 年 12 月招商引资调度会",
    "held_on": "2026-12-10",
    "place": "县政府三楼会议室",
    "chair": "县长 王建国",
    "status": "held",
    "status_label": "已召开",
    "attendees": [{"id": 4, "name": "王建国"}],
    "attendee_names": "县发改局局长 孙海涛、县自然资源局副局长 钱立新",
    "units": [{"id": 18, "name": "城关镇人民政府"}],
    "projects": [{"id": 1207, "name": "年产 2GWh 储能电池项目"}],
    "summary": "听取城关镇、青石镇招商引资进展汇报，研究储能电池项目二期用地问题。",
    "decision_count": 1,
    "recorded_at": "2026-12-10T17:05:00+08:00",
    "materials_as_of": "2026-12-10",
    "version": 3,
    "created_at": "2026-12-01T09:30:00+08:00",
    "updated_at": "2026-12-10T17:05:00+08:00",
    "decisions": None,
    "materials": None,
}


class MeetingRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [MEETING_READ_EXAMPLE]})

    id: int
    kind: MeetingKind
    kind_label: str
    title: str
    held_on: date
    place: str
    chair: str
    status: MeetingStatus
    status_label: str
    attendees: list[NamedRef] = Field(description="参会的系统账号")
    attendee_names: str
    units: list[NamedRef] = Field(description="研究的单位（单位只见到本单位与会的会议）")
    projects: list[NamedRef] = Field(description="研究的项目：单位只列出本单位的；保密项目对无权查看者为“【保密】代号”")
    summary: str
    decision_count: int = Field(description="决定事项数（单位：本单位负责的）")
    recorded_at: datetime | None = Field(description="记录为已召开、冻结汇报材料的时间")
    materials_as_of: date | None
    version: int = Field(description="版本号：修改和记录召开须带上，过期返回 409")
    created_at: datetime
    updated_at: datetime
    decisions: list[DecisionRead] | None = Field(
        default=None, description="决定事项及其督办情况（单个会议时给出；单位只见本单位负责的）"
    )
    materials: list[UnitMaterials] | None = Field(
        default=None, description="各单位的汇报材料（单个会议时给出；单位只见本单位的）"
    )
