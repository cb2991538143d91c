"""Supervised tasks (督办事项): assigning one, its progress notes, its review; what the API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.models.task import TaskSourceKind, TaskStatus
from app.schemas.common import InputModel

MAX_ID = 2_147_483_647

SOURCE_REF_NEEDED = {
    TaskSourceKind.meeting: "请注明会议及议定事项，如“12 月调度会第 3 项”",
    TaskSourceKind.interview: "请注明约谈及承诺事项",
    TaskSourceKind.instruction: "请注明批示领导及文号，如“县长批示〔2026〕12 号”",
}
SOURCE_ID_NEEDED = {
    TaskSourceKind.ticket: "请注明来源的跟踪服务问题编号",
    TaskSourceKind.spot_check: "请注明来源的抽查发现编号",
    TaskSourceKind.compliance: "请注明来源的违约处置案件编号",
}


class TaskCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "协调解决储能电池项目二期用地两户补偿问题",
                    "content": "12 月调度会议定：由城关镇牵头，会同县自然资源局于 10 个工作日内完成两户补偿协议签订，"
                    "确保场地平整如期开工。",
                    "source_kind": "meeting",
                    "source_ref": "2026 年 12 月招商引资调度会第 3 项",
                    "owner_unit_id": 3,
                    "owner_user_id": 41,
                    "due_days": 10,
                }
            ]
        }
    )

    title: str = Field(min_length=2, max_length=200, description="督办事项")
    content: str = Field(min_length=2, max_length=4000, description="督办内容与要求")
    source_kind: TaskSourceKind = Field(
        default=TaskSourceKind.manual,
        description="来源：meeting 会议决定、interview 约谈承诺、spot_check 抽查发现、ticket 跟踪服务问题、"
        "instruction 领导批示、manual 直接交办、compliance 违约处置（案件的处置措施）",
    )
    source_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="来源记录编号：ticket 为问题编号、spot_check 为抽查发现编号（这两种必填）",
    )
    source_ref: str = Field(
        default="",
        max_length=200,
        description="来源说明：meeting、interview、instruction 必填（会议及议定事项、约谈、批示领导及文号）",
    )
    owner_unit_id: int = Field(ge=1, le=MAX_ID, description="责任单位（在用的单位）")
    owner_user_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="责任人（责任单位在岗的工作人员）")
    due_days: int = Field(ge=1, le=365, description="办理时限（工作日，自交办次日起算，节假日顺延）")


NoteAction = Literal["progress", "submit"]
NOTE_ACTION_HELP = "progress 报告进展；submit 办结并报请销号（督查室审核）"


class TaskNoteIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": 2, "action": "progress", "note": "已与两户完成第二轮协商，补偿标准基本达成一致。"},
                {"version": 3, "action": "submit", "note": "两户补偿协议已于 12 月 18 日签订，场地已移交施工单位。"},
            ]
        }
    )

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    action: NoteAction = Field(description=NOTE_ACTION_HELP)
    note: str = Field(min_length=1, max_length=4000, description="进展情况或办结情况（必填）")

    @field_validator("action", mode="before")
    @classmethod
    def _known_action(cls, action: Any) -> Any:
        if action not in get_args(NoteAction):  # on a page the action is a button
            raise ValueError("未知的操作，请点击下方的按钮之一")
        return action


ReviewDecision = Literal["close", "return"]


class TaskReview(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": 4, "decision": "close", "note": "经现场核实，协议已签，场地已移交，同意销号。"},
                {
                    "version": 4,
                    "decision": "return",
                    "note": "佐证材料缺少补偿款支付凭证，请补充后重新报请销号。",
                    "due_days": 5,
                },
            ]
        }
    )

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    decision: ReviewDecision = Field(description="close 审核通过、销号；return 退回重办")
    note: str = Field(default="", max_length=4000, validate_default=True, description="审核意见；退回时必填")
    due_days: int | None = Field(
        default=None, ge=1, le=365, description="退回时可重新给定办理时限（工作日，自今日起算）；不填则期限不变"
    )

    @field_validator("decision", mode="before")
    @classmethod
    def _known_decision(cls, decision: Any) -> Any:
        if decision not in get_args(ReviewDecision):
            raise ValueError("请选择销号或退回重办")
        return decision

    @field_validator("note")
    @classmethod
    def _reason(cls, note: str, info: ValidationInfo) -> str:
        if info.data.get("decision") == "return" and not note.strip():
            raise ValueError("退回须说明理由")
        return note


REASON_HELP = "理由（必填，记入办理过程和审计记录）"


class TaskReassign(InputModel):
    """改派: another owner unit, or another person of the same unit, for a task still in hand."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 3,
                    "owner_unit_id": 5,
                    "owner_user_id": 52,
                    "reason": "用地补偿由县自然资源局牵头更为妥当，经调度会研究改派。",
                }
            ]
        }
    )

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    owner_unit_id: int = Field(ge=1, le=MAX_ID, description="新的责任单位（在用的单位）")
    owner_user_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="新的责任人（该单位在岗的工作人员）")
    reason: str = Field(min_length=2, max_length=2000, description=REASON_HELP)


class TaskReschedule(InputModel):
    """调整期限: a new deadline, `due_days` working days from today."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 3, "due_days": 10, "reason": "两户补偿须经县政府常务会研究，延期 10 个工作日。"}]
        }
    )

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    due_days: int = Field(ge=1, le=365, description="新的办理时限（工作日，自今日起算，节假日顺延）")
    reason: str = Field(min_length=2, max_length=2000, description=REASON_HELP)


class TaskCancel(InputModel):
    """撤销: the task is no longer to be done."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 2, "reason": "企业已撤回投资意向，该事项不再办理。"}]}
    )

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    reason: str = Field(min_length=2, max_length=2000, description=REASON_HELP)


# --- what the API answers ------------------------------------------------------------------------


class TaskFileRead(BaseModel):
    id: int
    kind: str = Field(description="photo 照片、document PDF 文件")
    content_type: str
    size: int
    original_name: str
    link: str = Field(description="下载地址（同一登录身份或令牌）")


class TaskNoteRead(BaseModel):
    id: int
    action: str
    action_label: str
    at: datetime
    actor_label: str
    note: str
    files: list[TaskFileRead]


class TaskRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 57,
                    "title": "协调解决储能电池项目二期用地两户补偿问题",
                    "content": "12 月调度会议定：由城关镇牵头，会同县自然资源局于 10 个工作日内完成两户补偿协议签订。",
                    "source_kind": "meeting",
                    "source_label": "会议决定",
                    "source_id": None,
                    "source_ref": "2026 年 12 月招商引资调度会第 3 项",
                    "owner_unit_id": 3,
                    "owner_unit_name": "城关镇人民政府",
                    "owner_user_id": 41,
                    "owner_user_name": "李明",
                    "assigned_on": "2026-12-11",
                    "due_days": 10,
                    "due_on": "2026-12-25",
                    "status": "in_progress",
                    "status_label": "办理中",
                    "light": "green",
                    "remaining_days": 6,
                    "overdue": False,
                    "done_on": None,
                    "closed_at": None,
                    "review_note": "",
                    "returned_count": 0,
                    "escalation_level": 0,
                    "version": 2,
                    "created_at": "2026-12-11T09:30:00+08:00",
                    "updated_at": "2026-12-15T16:20:00+08:00",
                    "notes": None,
                }
            ]
        }
    )

    id: int
    title: str
    content: str
    source_kind: TaskSourceKind
    source_label: str
    source_id: int | None
    source_ref: str
    owner_unit_id: int
    owner_unit_name: str
    owner_user_id: int | None
    owner_user_name: str | None
    assigned_on: date
    due_days: int
    due_on: date
    status: TaskStatus
    status_label: str
    light: Literal["green", "yellow", "red", "grey"] = Field(description="绿：正常；黄：即将到期；红：逾期；灰：不计时")
    remaining_days: int | None = Field(description="剩余工作日（负数为逾期的工作日数）；不计时为 null")
    overdue: bool
    done_on: date | None = Field(description="报请销号的日期")
    closed_at: datetime | None
    review_note: str
    returned_count: int
    escalation_level: int = Field(description="0 未升级；1 已升级到责任单位负责人；2 已升级到督查室")
    version: int = Field(description="版本号：报告进展和审核须带上，过期返回 409")
    created_at: datetime
    updated_at: datetime
    notes: list[TaskNoteRead] | None = Field(default=None, description="办理过程（单个督办事项时给出）")
