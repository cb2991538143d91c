"""Event payloads: what a webhook subscriber or a group robot is told, one model per event type.

The catalogue (type → Chinese label, payload model) is app/services/events.py `EVENT_TYPES`; the OpenAPI
document describes each type under `webhooks`. Money is in 万元 (foreign capital in 万美元: `currency_unit`
says which), awards in 元; amounts are decimal strings. A confidential project's name and investor are
shown as the subscriber may see them (app/services/projects.py `view`): "【保密】代号" and "（保密）"
for a subscriber who may not. `link` is the record's path on the platform ("/projects/12").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

T = TypeVar("T", bound=BaseModel)


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


Money = Annotated[Decimal, AfterValidator(_two_places)]
"""An amount to the fen (万元 to two places, 元 to the fen): the same text on every database."""


PROJECT_EXAMPLE: dict[str, Any] = {
    "id": 1207,
    "name": "年产 2GWh 储能电池项目",
    "confidential": False,
    "investor_name": "甘肃陇原新能源科技有限公司",
    "stage": "started",
    "stage_label": "开工",
    "responsible_unit": {"id": 3, "name": "城关镇人民政府"},
    "contract_investment": "120000.00",
    "link": "/projects/1207",
}
"""The project every example event is about."""

WARNING_EXAMPLE: dict[str, Any] = {
    "id": 19,
    "kind": "stages_one_day",
    "label": "一天内推进多个阶段",
    "detail": "同一天内连续推进 3 个阶段",
    "raised_on": "2026-11-25",
}
"""The warning the examples raise and clear."""


class UnitRef(BaseModel):
    id: int
    name: str


class ProjectRef(BaseModel):
    id: int
    name: str = Field(description="项目名称；保密项目对无权查看者为“【保密】代号”")
    confidential: bool
    investor_name: str = Field(description="客商名称；保密项目对无权查看者为“（保密）”")
    stage: str
    stage_label: str
    responsible_unit: UnitRef
    contract_investment: Money | None = Field(description="合同投资额（万元）")
    link: str


class LeadRef(BaseModel):
    id: int
    unit: UnitRef
    lead_date: date
    investor_name: str = Field(description="客商名称；保密项目的线索对无权查看者为“（保密）”")
    project_name: str
    intended_investment: Money = Field(description="意向投资（万元）")
    channel: str
    channel_label: str
    status: str
    status_label: str
    link: str


# --- leads -----------------------------------------------------------------------------------


class LeadCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lead": {
                        "id": 3388,
                        "unit": {"id": 3, "name": "城关镇人民政府"},
                        "lead_date": "2026-11-20",
                        "investor_name": "甘肃陇原新能源科技有限公司",
                        "project_name": "年产 2GWh 储能电池项目",
                        "intended_investment": "120000.00",
                        "channel": "kinship",
                        "channel_label": "以亲引商",
                        "status": "pending",
                        "status_label": "待认定",
                        "link": "/leads/3388",
                    }
                }
            ]
        }
    )

    lead: LeadRef


class LeadJudged(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lead": {
                        "id": 3388,
                        "unit": {"id": 3, "name": "城关镇人民政府"},
                        "lead_date": "2026-11-20",
                        "investor_name": "甘肃陇原新能源科技有限公司",
                        "project_name": "年产 2GWh 储能电池项目",
                        "intended_investment": "120000.00",
                        "channel": "kinship",
                        "channel_label": "以亲引商",
                        "status": "valid",
                        "status_label": "有效",
                        "link": "/leads/3388",
                    },
                    "reason": "客商真实，已实地考察",
                }
            ]
        }
    )

    lead: LeadRef
    reason: str = Field(description="认定理由")


class DuplicateMatch(BaseModel):
    lead_id: int | None = Field(description="先报的线索；保密项目的线索对无权查看者为 null")
    unit_name: str
    lead_date: date
    investor_name: str
    reason_text: str = Field(description="疑似重复的依据，如“统一社会信用代码相同”")
    hidden: bool


class LeadDuplicateFound(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lead": {
                        "id": 3402,
                        "unit": {"id": 3, "name": "城关镇人民政府"},
                        "lead_date": "2026-11-20",
                        "investor_name": "甘肃陇原新能源科技有限公司",
                        "project_name": "年产 2GWh 储能电池项目",
                        "intended_investment": "120000.00",
                        "channel": "kinship",
                        "channel_label": "以亲引商",
                        "status": "valid",
                        "status_label": "有效",
                        "link": "/leads/3402",
                    },
                    "matches": [
                        {
                            "lead_id": 3388,
                            "unit_name": "城关镇人民政府",
                            "lead_date": "2026-11-20",
                            "investor_name": "甘肃陇原新能源科技有限公司",
                            "reason_text": "统一社会信用代码相同",
                            "hidden": False,
                        }
                    ],
                }
            ]
        }
    )

    lead: LeadRef
    matches: list[DuplicateMatch]


# --- projects --------------------------------------------------------------------------------


class ProjectStageReached(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project": PROJECT_EXAMPLE,
                    "from_stage": "signed",
                    "stage": "started",
                    "stage_label": "开工",
                    "reached_on": "2026-11-25",
                    "stages_passed": ["landed", "started"],
                }
            ]
        }
    )

    project: ProjectRef
    from_stage: str | None = Field(description="原阶段；新建的项目为 null")
    stage: str
    stage_label: str
    reached_on: date
    stages_passed: list[str] = Field(description="本次到达的各阶段（跨阶段推进时含中间阶段）")


class WarningRef(BaseModel):
    id: int
    kind: str
    label: str
    detail: str
    raised_on: date


class ProjectWarningRaised(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project": PROJECT_EXAMPLE,
                    "warning": WARNING_EXAMPLE,
                }
            ]
        }
    )

    project: ProjectRef
    warning: WarningRef


class ProjectWarningCleared(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project": PROJECT_EXAMPLE,
                    "warning": WARNING_EXAMPLE,
                    "reason": "已到现场核实，有施工许可证为证",
                }
            ]
        }
    )

    project: ProjectRef
    warning: WarningRef
    reason: str = Field(description="核销说明")


# --- funds -----------------------------------------------------------------------------------


class FundsRef(BaseModel):
    id: int
    amount: Money = Field(description="金额（currency_unit）；冲销为负数")
    currency_unit: str = Field(description="万元，或境外资金的万美元")
    source: str
    source_label: str
    arrived_on: date
    status: str
    status_label: str
    reverses_id: int | None = Field(description="冲销（更正）的原记录")
    note: str


class FundsEvent(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project": PROJECT_EXAMPLE,
                    "funds": {
                        "id": 5314,
                        "amount": "5000.00",
                        "currency_unit": "万元",
                        "source": "out_of_province",
                        "source_label": "省外",
                        "arrived_on": "2026-11-28",
                        "status": "confirmed",
                        "status_label": "已确认",
                        "reverses_id": None,
                        "note": "首笔注册资本金",
                    },
                    "project_funds_confirmed": "5000.00",
                }
            ]
        }
    )

    project: ProjectRef
    funds: FundsRef
    project_funds_confirmed: Money = Field(description="项目已确认的内资到位资金合计（万元）")


# --- awards ----------------------------------------------------------------------------------


class AwardRef(BaseModel):
    id: int
    status: str
    status_label: str
    amount: Money = Field(description="奖励金额（元）")
    recipient_name: str = Field(description="获奖对象；保密项目的引荐人对无权查看者为“（保密）”")
    recipient_type: str
    applicant_unit: UnitRef
    link: str


class AwardStepEvent(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "award": {
                        "id": 88,
                        "status": "notice",
                        "status_label": "公示中",
                        "amount": "250000.00",
                        "recipient_name": "城关镇人民政府",
                        "recipient_type": "unit",
                        "applicant_unit": {"id": 3, "name": "城关镇人民政府"},
                        "link": "/awards/88",
                    },
                    "project": PROJECT_EXAMPLE,
                    "step": "notice",
                    "step_label": "公示",
                    "note": "公示 2026-12-15 至 2026-12-21",
                }
            ]
        }
    )

    award: AwardRef
    project: ProjectRef | None
    step: str
    step_label: str
    note: str = Field(description="本步骤的说明（核查情况、不予通过的理由、追回事由等）")
    amount: Money | None = Field(default=None, description="追回金额（元），仅 award.clawed_back")


# --- targets, reports, bulletins -------------------------------------------------------------


class TargetBelowYellow(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit": {"id": 3, "name": "城关镇人民政府"},
                    "year": 2026,
                    "as_of": "2026-11-30",
                    "metric": "contract_investment",
                    "metric_label": "合同投资额",
                    "measure": "万元",
                    "actual": "180000",
                    "target": "400000",
                    "share_of_target": "45.0",
                    "expected_share": "91.7",
                    "share_of_expected": "49.1",
                    "yellow_line": "80",
                    "card": "yellow",
                    "link": "/targets?year=2026",
                }
            ]
        }
    )

    unit: UnitRef
    year: int
    as_of: date = Field(description="按哪一天的时序进度判断（月末）")
    metric: str
    metric_label: str
    measure: str = Field(description="指标的计量单位，如 万元、个")
    actual: Decimal
    target: Decimal
    share_of_target: Decimal | None = Field(description="完成年度目标的百分比")
    expected_share: Decimal = Field(description="时序进度（%）")
    share_of_expected: Decimal | None = Field(description="完成时序进度的百分比")
    yellow_line: Decimal = Field(description="黄牌线（时序进度的百分比）")
    card: str = Field(description="yellow 黄牌，red 红牌（没有实绩）")
    link: str


class ReportEvent(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit": {"id": 3, "name": "城关镇人民政府"},
                    "cadence": "monthly",
                    "cadence_label": "月报",
                    "period_start": "2026-11-01",
                    "period_end": "2026-11-30",
                    "due_on": "2026-12-05",
                    "submitted_at": "2026-12-03T16:20:00+08:00",
                    "late": False,
                    "link": "/reports",
                }
            ]
        }
    )

    unit: UnitRef
    cadence: str
    cadence_label: str
    period_start: date
    period_end: date
    due_on: date
    submitted_at: datetime | None
    late: bool
    link: str


class BulletinPublished(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 31,
                    "kind": "monthly",
                    "kind_label": "月调度",
                    "title": "2026 年 11 月招商引资工作调度",
                    "period_start": "2026-11-01",
                    "period_end": "2026-11-30",
                    "published_at": "2026-12-04T10:00:00+08:00",
                    "link": "/bulletins/monthly/2026/11",
                }
            ]
        }
    )

    id: int
    kind: str
    kind_label: str
    title: str
    period_start: date
    period_end: date
    published_at: datetime
    link: str


# --- tickets ---------------------------------------------------------------------------------


class TaskPayload(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task_id": 57,
                    "action": "overdue",
                    "status": "in_progress",
                    "status_label": "办理中",
                    "title": "协调解决储能电池项目二期用地两户补偿问题",
                    "source_kind": "meeting",
                    "source_label": "会议决定",
                    "source_ref": "2026 年 12 月招商引资调度会第 3 项",
                    "owner_unit": {"id": 3, "name": "城关镇人民政府"},
                    "due_on": "2026-12-25",
                    "escalation_level": 1,
                    "link": "/tasks/57",
                }
            ]
        }
    )

    task_id: int
    action: str = Field(
        description="assigned、progressed、submitted、closed、returned、overdue、escalated、reassigned、rescheduled、cancelled"
    )
    status: str
    status_label: str
    title: str = Field(description="督办事项")
    source_kind: str
    source_label: str
    source_ref: str
    owner_unit: UnitRef = Field(description="责任单位")
    due_on: date
    escalation_level: int
    link: str


class TicketPayload(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticket_id": 386,
                    "action": "route",
                    "status": "routed",
                    "status_label": "已交办",
                    "handling_unit_id": 12,
                    "due_on": "2026-12-10",
                    "project_id": 1207,
                    "title": "二期用地征收有两户未签协议",
                    "project": PROJECT_EXAMPLE,
                    "link": "/tickets/386",
                }
            ]
        }
    )

    ticket_id: int
    action: str
    status: str
    status_label: str
    handling_unit_id: int | None
    due_on: date | None
    project_id: int | None
    title: str = Field(description="问题标题；保密项目的名称对无权查看者已隐去")
    project: ProjectRef | None
    link: str


class RobotTest(BaseModel):
    """Not subscribable: the test message a robot's page sends to that robot only."""

    robot_id: int
    name: str
    requested_by: str


class MeetingDecided(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "meeting_id": 12,
                    "meeting_kind": "dispatch",
                    "meeting_kind_label": "调度会",
                    "meeting_title": "2026 年 12 月招商引资调度会",
                    "held_on": "2026-12-10",
                    "decision_id": 88,
                    "number": 1,
                    "content": "由城关镇牵头，会同县自然资源局完成储能电池项目二期用地两户补偿协议签订。",
                    "owner_unit": {"id": 3, "name": "城关镇人民政府"},
                    "task_id": 57,
                    "due_on": "2026-12-24",
                    "link": "/meetings/12",
                }
            ]
        }
    )

    meeting_id: int
    meeting_kind: str = Field(
        description="dispatch 调度会、onsite 现场办公会、review 过堂会、site_tour 观摩会、account 述职会"
    )
    meeting_kind_label: str
    meeting_title: str
    held_on: date
    decision_id: int
    number: int = Field(description="第几项决定事项")
    content: str = Field(description="决定事项；保密项目的名称已隐去")
    owner_unit: UnitRef = Field(description="责任单位")
    task_id: int = Field(description="据此交办的督办事项")
    due_on: date = Field(description="办结期限")
    link: str


class InterviewRecorded(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "interview_id": 9,
                    "unit": {"id": 21, "name": "桃源镇人民政府"},
                    "held_on": "2026-12-09",
                    "interviewer": "县委常委、常务副县长 王建国",
                    "interviewee": "桃源镇镇长 吴德明",
                    "reasons": ["长时间无进展", "低于黄牌线"],
                    "promise_count": 2,
                    "link": "/interviews/9",
                }
            ]
        }
    )

    interview_id: int
    unit: UnitRef = Field(description="被约谈的单位")
    held_on: date
    interviewer: str
    interviewee: str
    reasons: list[str] = Field(description="建议约谈的理由（长时间无进展、低于黄牌线、红牌）")
    promise_count: int = Field(description="承诺事项数（每项生成一项督办事项）")
    link: str


# --- the envelope ----------------------------------------------------------------------------


class Envelope(BaseModel, Generic[T]):
    """What a webhook subscriber receives: signed with HMAC-SHA256 (X-Zhaoshang-Signature)."""

    delivery_id: int
    event_id: int
    type: str
    created_at: datetime
    data: T


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


# --- compliance cases (履约核查、违约处置, issue 20) ---------------------------------------------------


class ComplianceEvent(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": 7,
                    "action": "decided",
                    "status": "executing",
                    "status_label": "处置中",
                    "project": {
                        "id": 12,
                        "name": "【保密】A-07",
                        "confidential": True,
                        "investor_name": "（保密）",
                        "stage": "production",
                        "stage_label": "投产",
                        "responsible_unit": {"id": 3, "name": "城关镇人民政府"},
                        "contract_investment": "50000.00",
                        "link": "/projects/12",
                    },
                    "unit": {"id": 3, "name": "城关镇人民政府"},
                    "measure_kind": "take_land",
                    "measure_label": "收回土地",
                    "outcome": None,
                    "outcome_label": "",
                    "link": "/compliance-cases/7",
                }
            ]
        }
    )

    case_id: int
    action: str = Field(description="opened 立案，decided 决定处置措施，closed 结案")
    status: str
    status_label: str
    project: ProjectRef
    unit: UnitRef = Field(description="案件所涉的责任单位")
    measure_kind: str | None = Field(description="decided：决定的措施")
    measure_label: str
    outcome: str | None = Field(description="closed：cured 按期整改到位，executed 处置完毕，other 决定结案")
    outcome_label: str
    link: str
