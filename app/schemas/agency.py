"""Inputs and answers of the 代办 window: a project's 代办员, the 代办员's queue, the departments' queue (without
the investor's contact: "客商不与部门见面"), hand-overs of an approval's papers, and the service-quality report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field

from app.models.approval import ApprovalStatus, HandoverDirection
from app.schemas.common import InputModel, ReadModel

INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}

# --- a project's 代办员 ----------------------------------------------------------------------------


class AgentSet(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"user_id": 41, "version": 0}]})

    user_id: int = Field(**INT_ID, description="代办员的账号（通常是县外来投资企业服务代办窗口的工作人员）")
    version: int = Field(ge=0, le=2_147_483_647, description="上次读到的 version；尚未指定代办员为 0（过期返回 409）")


class AgentRemove(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2}]})

    version: int = Field(**INT_ID, description="上次读到的 version（过期返回 409）")


class AgentRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": 1207,
                    "user_id": 41,
                    "name": "李代办",
                    "phone": "0898-6123456",
                    "unit_id": 9,
                    "unit_name": "县政务服务中心代办窗口",
                    "assigned_on": "2026-12-01",
                    "version": 1,
                }
            ]
        }
    )

    project_id: int
    user_id: int | None = Field(description="代办员账号；未指定为空")
    name: str
    phone: str
    unit_id: int | None
    unit_name: str
    assigned_on: date | None
    version: int = Field(description="指定记录的 version；未指定为 0")


# --- hand-overs -------------------------------------------------------------------------------------


class HandoverCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "direction": "to_department",
                    "department_unit_id": 12,
                    "happened_on": "2026-12-04",
                    "documents": "环评报告表（一式三份）、委托书",
                }
            ]
        }
    )

    direction: HandoverDirection = Field(description="to_department 递交部门；from_department 部门返回")
    department_unit_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="部门；空为该审批事项的承办部门"
    )
    happened_on: date = Field(description="交接日期，不能晚于今天")
    documents: str = Field(min_length=1, max_length=2000, description="交接的材料")


_HANDOVER_EXAMPLE: dict[str, Any] = {
    "id": 88,
    "approval_id": 301,
    "direction": "to_department",
    "direction_label": "递交部门",
    "department_unit_id": 12,
    "department_name": "县生态环境局",
    "happened_on": "2026-12-04",
    "documents": "环评报告表（一式三份）、委托书",
    "recorded_by": "李代办",
}


class HandoverRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_HANDOVER_EXAMPLE]})

    id: int
    approval_id: int
    direction: HandoverDirection
    direction_label: str
    department_unit_id: int | None
    department_name: str
    happened_on: date
    documents: str
    recorded_by: str


# --- the queues -------------------------------------------------------------------------------------

_QUEUE_EXAMPLE: dict[str, Any] = {
    "approval_id": 301,
    "project_id": 1207,
    "project_name": "年产 5 万吨工业硅项目",
    "kind_id": 4,
    "kind_name": "环境影响评价审批",
    "department_unit_id": 12,
    "department_name": "县生态环境局",
    "status": "submitted",
    "status_label": "已受理",
    "submitted_on": "2026-11-20",
    "due_on": "2026-12-18",
    "granted_on": None,
    "days_left": 8,
    "overdue": False,
    "overdue_documents": 0,
    "investor_name": "某某硅业有限公司",
    "investor_contact_name": "张经理",
    "investor_contact_phone": "13800000000",
    "last_handover": _HANDOVER_EXAMPLE,
}


class QueueRow(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_QUEUE_EXAMPLE]})

    approval_id: int
    project_id: int
    project_name: str = Field(description="保密项目对看不到身份的人显示代号")
    kind_id: int
    kind_name: str
    department_unit_id: int | None
    department_name: str
    status: ApprovalStatus
    status_label: str
    submitted_on: date | None
    due_on: date | None
    granted_on: date | None
    days_left: int | None = Field(description="距办结时限的工作日数，逾期为负；未受理或已办结为空")
    overdue: bool = Field(description="已受理且过了时限，或有容缺材料过了补交期限")
    overdue_documents: int = Field(description="过了补交期限仍未收到的容缺材料数")
    investor_name: str
    investor_contact_name: str = Field(description="客商联系人（代办员为客商代办，可见）")
    investor_contact_phone: str
    last_handover: HandoverRead | None


_DEPARTMENT_EXAMPLE: dict[str, Any] = {
    "approval_id": 301,
    "project_id": 1207,
    "project_name": "【保密】A-07",
    "kind_id": 4,
    "kind_name": "环境影响评价审批",
    "status": "submitted",
    "status_label": "已受理",
    "submitted_on": "2026-11-20",
    "due_on": "2026-12-18",
    "granted_on": None,
    "days_left": 8,
    "overdue": False,
    "agent_name": "李代办",
    "agent_phone": "0898-6123456",
    "last_handover": _HANDOVER_EXAMPLE,
}


class DepartmentRow(ReadModel):
    """A department's view of an approval: the 代办员 is the contact, never the investor."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DEPARTMENT_EXAMPLE]})

    approval_id: int
    project_id: int
    project_name: str
    kind_id: int
    kind_name: str
    status: ApprovalStatus
    status_label: str
    submitted_on: date | None
    due_on: date | None
    granted_on: date | None
    days_left: int | None
    overdue: bool
    agent_name: str = Field(description="代办员（部门的联系人）；未指定为空")
    agent_phone: str
    last_handover: HandoverRead | None


# --- the service-quality report ---------------------------------------------------------------------

_LINE_EXAMPLE: dict[str, Any] = {
    "key_id": 4,
    "name": "环境影响评价审批",
    "granted": 6,
    "average_days": "12.5",
    "median_days": "11.0",
    "longest_days": 21,
    "on_time": 5,
    "on_time_rate": "83.3",
    "open_overdue": 1,
}


class ServiceLine(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_LINE_EXAMPLE]})

    key_id: int | None = Field(description="审批事项类别或部门的 id；未指定部门为空")
    name: str
    granted: int = Field(description="期内办结件数")
    average_days: Decimal | None = Field(description="受理到办结的平均工作日（一位小数）")
    median_days: Decimal | None
    longest_days: int | None
    on_time: int = Field(description="在时限内办结的件数")
    on_time_rate: Decimal | None = Field(description="按时办结率（%，一位小数）")
    open_overdue: int = Field(description="今天仍在办且已超时限的件数")


class ServiceReport(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "quarter": 4,
                    "start": "2026-10-01",
                    "end": "2026-12-31",
                    "by_kind": [_LINE_EXAMPLE],
                    "by_department": [_LINE_EXAMPLE | {"key_id": 12, "name": "县生态环境局"}],
                    "total": _LINE_EXAMPLE | {"key_id": None, "name": "合计"},
                }
            ]
        }
    )

    year: int
    quarter: int | None
    start: date
    end: date
    by_kind: list[ServiceLine]
    by_department: list[ServiceLine]
    total: ServiceLine
