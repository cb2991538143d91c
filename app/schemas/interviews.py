"""Interviews (约谈): recording one and its promises (承诺事项); the proposals and what the API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models.task import TaskStatus
from app.schemas.common import Day, InputModel
from app.schemas.meetings import NamedRef

MAX_ID = 2_147_483_647

PROMISE_EXAMPLE: dict[str, Any] = {
    "content": "一个月内完成一次外出招商，报送有效线索不少于 2 条。",
    "owner_user_id": 44,
    "due_days": 20,
}


class PromiseCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PROMISE_EXAMPLE]})

    content: str = Field(min_length=2, max_length=2000, description="承诺事项")
    owner_user_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="责任人（被约谈单位在岗的工作人员；不填则通知单位全部工作人员）"
    )
    due_days: int = Field(ge=1, le=365, description="承诺办结时限（工作日，自记录次日起算，节假日顺延）")


class InterviewCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": 21,
                    "held_on": "2026-12-09",
                    "place": "县委督查室会议室",
                    "interviewer": "县委常委、常务副县长 王建国；县委督查室主任 赵文静",
                    "interviewer_user_id": 4,
                    "interviewee": "桃源镇镇长 吴德明",
                    "reason_note": "连续三个月无新增线索、无项目推进、无资金到位，内资到位资金低于黄牌线。",
                    "findings": "主要负责人对招商工作重视不够，专职招商人员长期外出学习，线索跟进断档。",
                    "promises": [PROMISE_EXAMPLE],
                }
            ]
        }
    )

    unit_id: int = Field(ge=1, le=MAX_ID, description="被约谈的单位")
    held_on: Day = Field(description="约谈日期（不能晚于今天，按服务器的北京时间）")
    place: str = Field(default="", max_length=200, description="地点")
    interviewer: str = Field(min_length=2, max_length=200, description="约谈人（职务 姓名，可多人）")
    interviewer_user_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="约谈领导的系统账号（县级领导、督查室或招商局）"
    )
    interviewee: str = Field(
        default="", max_length=100, description="被约谈人（单位负责人，职务 姓名）；不填则为单位登记的负责人"
    )
    reason_note: str = Field(default="", max_length=2000, description="约谈事由；不填则按约谈建议的理由")
    findings: str = Field(min_length=2, max_length=4000, description="约谈发现的问题")
    promises: list[PromiseCreate] = Field(
        default_factory=list, max_length=20, description="承诺事项：每项生成一项督办事项（也可稍后逐项添加）"
    )


# --- what the API answers ------------------------------------------------------------------------


ReasonCode = Literal["idle", "below_yellow", "red_card"]


class ReasonRead(BaseModel):
    code: ReasonCode = Field(description="idle 长时间无进展；below_yellow 低于黄牌线；red_card 红牌（全年无实绩）")
    label: str
    detail: str


REASON_EXAMPLE: dict[str, Any] = {
    "code": "idle",
    "label": "长时间无进展",
    "detail": "2026-09-09 以来无新增线索、无项目推进阶段、无资金到位（3 个月）",
}


class ProposalRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit": {"id": 21, "name": "桃源镇人民政府"},
                    "reasons": [REASON_EXAMPLE],
                    "last_interview_on": None,
                    "interviews_this_year": 0,
                }
            ]
        }
    )

    unit: NamedRef
    reasons: list[ReasonRead]
    last_interview_on: date | None = Field(description="上次约谈日期")
    interviews_this_year: int


Outcome = Literal["kept", "late", "in_hand"]
OUTCOME_HELP = "kept 按期办结销号；late 逾期（逾期办结或已逾期未办结）；in_hand 正在办理、未逾期"


class PromiseRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 31,
                    "interview_id": 9,
                    "number": 1,
                    "content": "一个月内完成一次外出招商，报送有效线索不少于 2 条。",
                    "owner_unit": {"id": 21, "name": "桃源镇人民政府"},
                    "owner_user": {"id": 44, "name": "吴德明"},
                    "due_days": 20,
                    "task_id": 63,
                    "task_status": "open",
                    "task_status_label": "待办理",
                    "task_due_on": "2027-01-07",
                    "task_light": "green",
                    "outcome": "in_hand",
                    "created_at": "2026-12-09T15:00:00+08:00",
                }
            ]
        }
    )

    id: int
    interview_id: int
    number: int
    content: str
    owner_unit: NamedRef
    owner_user: NamedRef | None
    due_days: int
    task_id: int | None
    task_status: TaskStatus | None
    task_status_label: str
    task_due_on: date | None
    task_light: Literal["green", "yellow", "red", "grey", ""]
    outcome: Outcome = Field(description=OUTCOME_HELP)
    created_at: datetime


class InterviewRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 9,
                    "unit": {"id": 21, "name": "桃源镇人民政府"},
                    "held_on": "2026-12-09",
                    "place": "县委督查室会议室",
                    "interviewer": "县委常委、常务副县长 王建国；县委督查室主任 赵文静",
                    "interviewer_user": {"id": 4, "name": "王建国"},
                    "interviewee": "桃源镇镇长 吴德明",
                    "reasons": [REASON_EXAMPLE],
                    "reason_note": "连续三个月无新增线索、无项目推进、无资金到位。",
                    "findings": "主要负责人对招商工作重视不够，线索跟进断档。",
                    "promise_count": 1,
                    "recorded_by": "赵文静",
                    "created_at": "2026-12-09T15:00:00+08:00",
                    "promises": None,
                }
            ]
        }
    )

    id: int
    unit: NamedRef = Field(description="被约谈的单位")
    held_on: date
    place: str
    interviewer: str
    interviewer_user: NamedRef | None
    interviewee: str
    reasons: list[ReasonRead] = Field(description="记录时该单位被建议约谈的理由（按规则计算）")
    reason_note: str
    findings: str
    promise_count: int
    recorded_by: str
    created_at: datetime
    promises: list[PromiseRead] | None = Field(default=None, description="承诺事项及其督办情况（单个约谈时给出）")
