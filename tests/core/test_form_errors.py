"""Every form shown again with its errors: 422, the Chinese message beside the field, the typed values kept.

Sent once as a browser sends it and once as htmx does (`HX-Request: true`), which re-renders only
the form's block for forms that are sent by htmx (a block rendered alone used to miss the macros
its template imports: "'conflict_notice' is undefined", a 500 shown as a toast). The forms are
enumerated from the application's page routes that write: each has an invalid submission below,
or is listed in NOT_A_FORM with the reason. Each refusal must also leave every table as it was.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.assessment import AssessmentAdjustment
from app.models.chain import ChainLink, IndustryChain
from app.models.compliance import ComplianceCase
from app.models.deposit import DepositEntry
from app.models.land import Building, LandPlot, LandQuota
from app.models.lead import DuplicatePair, Lead
from app.models.meeting import Meeting
from app.models.people import Cadre, Section
from app.models.performance import ReportCadence
from app.models.project import FundsArrival, Project
from app.models.target_company import TargetCompany
from app.models.task import SupervisedTask
from app.models.ticket import Ticket
from app.models.unit import Unit
from app.models.user import User
from app.services import workdays
from tests.conftest import csrf_from
from tests.core.conftest import World, signed_in
from tests.core.test_refusal_rollback import changed, snapshot, write_routes

TOMORROW = (workdays.today() + timedelta(days=1)).isoformat()
YESTERDAY = (workdays.today() - timedelta(days=1)).isoformat()


@dataclass
class Form:
    """An invalid submission of one form: `bad` is the refused field, `kept` one whose typed value
    must come back, `message` what is said next to the field."""

    user: str  # "owner" (staff of the unit owning the rows), "coordinator" or "anonymous"
    values: dict[str, str]
    bad: str
    kept: str
    message: str
    versions: dict[str, Any] = field(default_factory=dict)  # form field → (model, id key) read before sending
    url: str = ""  # when the path has a parameter that is not a row id (e.g. {kind})


# land and buildings, deposits, quality (issue 20)
LAND_FORMS: dict[str, Form] = {
    "/plots": Form(
        "owner",
        {
            "code": "F-1",
            "name": "表单地块",
            "park_unit_id": "{unit_id}",
            "area_mu": "很多",
            "land_use": "industrial",
            "status": "available",
            "price_unit": "wan_per_mu",
        },
        "area_mu",
        "name",
        "请输入数字",
    ),
    "/buildings": Form(
        "owner",
        {
            "code": "F-2",
            "name": "表单厂房",
            "kind": "factory",
            "park_unit_id": "{unit_id}",
            "floor_area_m2": "100",
            "floors": "两层",
            "status": "available",
            "price_unit": "yuan_per_m2_month",
        },
        "floors",
        "name",
        "请输入整数",
    ),
    "/plots/{plot_id}/edit": Form(
        "owner",
        {
            "code": "F-3",
            "name": "改名地块",
            "park_unit_id": "{unit_id}",
            "area_mu": "-1",
            "land_use": "industrial",
            "price_unit": "wan_per_mu",
        },
        "area_mu",
        "name",
        "必须大于 0",
        versions={"version": (LandPlot, "plot_id")},
    ),
    "/buildings/{building_id}/edit": Form(
        "owner",
        {
            "code": "F-4",
            "name": "改名厂房",
            "kind": "factory",
            "park_unit_id": "{unit_id}",
            "floor_area_m2": "0",
            "floors": "2",
            "price_unit": "yuan_per_m2_month",
        },
        "floor_area_m2",
        "name",
        "必须大于 0",
        versions={"version": (Building, "building_id")},
    ),
    "/plots/{plot_id}/status": Form(
        "owner",
        {"status": "planned", "reason": "规划调整"},
        "status",
        "reason",
        "只能改为",
        versions={"version": (LandPlot, "plot_id")},
    ),
    "/buildings/{building_id}/status": Form(
        "owner",
        {"status": "in_use", "reason": "直接入驻"},
        "status",
        "reason",
        "只能改为",
        versions={"version": (Building, "building_id")},
    ),
    "/plots/{plot_id}/take": Form(
        "owner",
        {"project_id": "第一个", "taken_on": YESTERDAY},
        "project_id",
        "project_id",
        "请输入整数",
        versions={"version": (LandPlot, "plot_id")},
    ),
    "/buildings/{building_id}/take": Form(
        "owner",
        {"project_id": "第二个", "taken_on": YESTERDAY},
        "project_id",
        "project_id",
        "请输入整数",
        versions={"version": (Building, "building_id")},
    ),
    "/plots/{plot_id}/release": Form(
        "owner", {"reason": "收"}, "reason", "reason", "至少 2 个字符", versions={"version": (LandPlot, "plot_id")}
    ),
    "/buildings/{building_id}/release": Form(
        "owner", {"reason": "退"}, "reason", "reason", "至少 2 个字符", versions={"version": (Building, "building_id")}
    ),
    "/land-quotas": Form(
        "owner",
        {
            "year": "2026",
            "unit_id": "{unit_id}",
            "area_mu": "很多",
            "source": "省级指标",
            "won_on": YESTERDAY,
            "evidence": "批复〔2026〕1号",
        },
        "area_mu",
        "source",
        "请输入数字",
    ),
    "/land-quotas/{quota_id}/edit": Form(
        "owner",
        {
            "year": "2026",
            "unit_id": "{unit_id}",
            "area_mu": "10",
            "source": "省级指标",
            "won_on": TOMORROW,
            "evidence": "批复〔2026〕1号",
        },
        "won_on",
        "source",
        "不能晚于今天",
        versions={"version": (LandQuota, "quota_id")},
    ),
    "/projects/{project_id}/deposits": Form(
        "owner",
        {"kind": "deposit", "action": "received", "amount": "很多", "happened_on": YESTERDAY, "voucher_no": "SJ-9"},
        "amount",
        "voucher_no",
        "请输入数字",
    ),
    "/projects/{project_id}/deposits/{deposit_id}/review": Form(
        "coordinator",
        {"decision": "reject", "note": ""},
        "note",
        "",
        "退回须说明理由",
        versions={"version": (DepositEntry, "deposit_id")},
    ),
    "/projects/{project_id}/quality": Form(
        "owner", {"version": "0", "env_class": "z", "leading_industry": ""}, "env_class", "", "请选择有效的选项"
    ),
    "/quality/industries": Form("coordinator", {"name": "新"}, "name", "name", "至少 2 个字符"),
}

FORMS: dict[str, Form] = {
    "/projects/{project_id}/anomalies/{anomaly_id}/clear": Form(
        "coordinator", {"reason": "查"}, "reason", "reason", "请说明核查结果（至少 2 个字）"
    ),
    "/login": Form("anonymous", {"username": "zhang.san", "password": ""}, "password", "username", "请输入密码"),
    "/account/password": Form(
        "owner",
        {"current_password": "wrong-one", "new_password": "Abc@12345678", "confirm_password": "Abc@1234567X"},
        "confirm_password",
        "",  # a password is never shown again
        "两次输入的新密码不一致",
    ),
    "/admin/units/new": Form(
        "coordinator",
        {"name": "新设园区管委会", "short_name": "新园区", "kind": "town", "sort_order": "第一"},
        "sort_order",
        "name",
        "整数",
    ),
    "/admin/units/{unit_id}": Form(
        "coordinator",
        {"name": "青石镇人民政府", "short_name": "青石", "kind": "town", "sort_order": "第二"},
        "sort_order",
        "name",
        "整数",
        versions={"version": (Unit, "unit_id")},
    ),
    "/units/{unit_id}/contact": Form(
        "owner",
        {"head_name": "刘镇长", "phone": "1" * 31, "address": "青石镇府前路1号"},
        "phone",
        "head_name",
        "30",
        versions={"version": (Unit, "unit_id")},
    ),
    "/admin/users/new": Form(
        "coordinator",
        {
            "username": "x",
            "display_name": "赵新人",
            "role": "unit_staff",
            "unit_id": "{unit_id}",
            "initial_password": "",
        },
        "username",
        "display_name",
        "格式不正确",
    ),
    "/admin/users/{user_id}": Form(
        "coordinator",
        {"display_name": "", "phone": "13800000000", "role": "unit_staff", "unit_id": "{unit_id}", "is_active": "on"},
        "display_name",
        "phone",
        "至少 1 个字符",
        versions={"version": (User, "user_id")},
    ),
    "/admin/users/{user_id}/password": Form("coordinator", {"new_password": "short"}, "new_password", "", "密码"),
    "/admin/tokens": Form(
        "coordinator",
        {"name": "统计系统接口", "unit_id": "", "expires_days": "很多天"},
        "expires_days",
        "name",
        "请输入整数",
    ),
    "/projects/new": Form(
        "owner",
        {
            "name": "锂电池隔膜生产线",
            "investor_id": "{investor_id}",
            "kind": "new",
            "stage": "negotiating",
            "planned_investment": "三千万",
            "industry": "新能源",
        },
        "planned_investment",
        "name",
        "数字",
    ),
    "/projects/{project_id}/edit": Form(
        "owner",
        {"name": "锂电池隔膜生产线二期", "kind": "new", "planned_investment": "三千万", "industry": "新能源"},
        "planned_investment",
        "name",
        "数字",
        versions={"version": (Project, "project_id")},
    ),
    "/projects/{project_id}/funds": Form(
        "owner",
        {"amount": "五百", "arrived_on": YESTERDAY, "source": "self", "voucher_no": "PZ-2026-118", "note": "首笔到资"},
        "amount",
        "voucher_no",
        "数字",
    ),
    "/projects/{project_id}/progress": Form(
        "owner",
        {
            "reported_on": YESTERDAY,
            "stage": "negotiating",
            "investment_completed": "很多",
            "permit_no": "",
            "built": "厂房主体封顶",
        },
        "investment_completed",
        "built",
        "数字",
    ),
    "/projects/{project_id}/stage": Form(
        "owner",
        {"action": "advance", "to_stage": "signed", "happened_on": "2026-02-30", "reason": "正式签约", "evidence": ""},
        "happened_on",
        "reason",
        "日期",
        versions={"version": (Project, "project_id")},
    ),
    "/funds/{funds_id}/review": Form(
        "coordinator",
        {"decision": "maybe", "note": "凭证不清晰"},
        "decision",
        "note",
        "请选择有效的选项",
        versions={"version": (FundsArrival, "funds_id")},
    ),
    "/funds/{funds_id}/reverse": Form("coordinator", {"reason": ""}, "reason", "", "原因"),
    "/admin/lost-reasons": Form("coordinator", {"name": "x"}, "name", "", "原因应为 2–100 个字"),
    "/tickets/new": Form(
        "owner",
        {
            "title": "路",
            "description": "进厂道路积水，货车无法通行。",
            "category_id": "{category_id}",
            "priority": "normal",
            "project_id": "",
            "proposed_handling": "",
        },
        "title",
        "description",
        "至少 2 个字符",
    ),
    "/tickets/{ticket_id}/route": Form(
        "coordinator",
        {"handling_unit_id": "{unit_id}", "due_days": "三天", "note": "请尽快处理"},
        "due_days",
        "note",
        "请输入整数",
        versions={"version": (Ticket, "ticket_id")},
    ),
    "/tickets/{ticket_id}/act": Form(
        "owner",
        {"action": "no-such-action", "note": "补充说明"},
        "action",
        "",
        "操作",
        versions={"version": (Ticket, "ticket_id")},
    ),
    "/tasks/new": Form(
        "coordinator",
        {
            "title": "补",
            "content": "限期补报签约项目合同。",
            "source_kind": "manual",
            "owner_unit_id": "{unit_id}",
            "owner_user_id": "",
            "due_days": "5",
        },
        "title",
        "content",
        "至少 2 个字符",
    ),
    "/tasks/{task_id}/notes": Form(
        "owner",
        {"action": "no-such-action", "note": "补充说明"},
        "action",
        "note",
        "操作",
        versions={"version": (SupervisedTask, "task_id")},
    ),
    "/tasks/{task_id}/review": Form(
        "coordinator",
        {"decision": "close", "note": "同意销号", "due_days": "三天"},
        "due_days",
        "note",
        "请输入整数",
        versions={"version": (SupervisedTask, "task_id")},
    ),
    "/admin/calendar": Form(
        "coordinator", {"day": "2026-02-30", "name": "调休", "is_workday": "on"}, "day", "name", "日期"
    ),
    "/admin/webhooks": Form(
        "coordinator",
        {"name": "省平台推送", "url": "不是网址", "secret": "s3cret-s3cret-s3cret", "event_types": "ticket.created"},
        "url",
        "name",
        "地址须以 http:// 或 https:// 开头",
    ),
    "/robots": Form(
        "owner",
        {"kind": "dingtalk", "name": "乙镇招商工作群", "webhook_url": "不是网址", "secret": "", "event_types": "*"},
        "webhook_url",
        "name",
        "地址须以 https:// 开头",
    ),
    "/leads/new": Form(
        "owner",
        {
            "investor_name": "江西赣锋锂电新材料有限公司",
            "investor_kind": "company",
            "investor_investor_type": "private",
            "channel": "door_knocking",
            "intended_investment": "很多",
            "project_name": "锂电池项目",
            "content": "上门拜访",
            "lead_date": YESTERDAY,
            "brought_by_name": "测试干部",
        },
        "intended_investment",
        "project_name",
        "数字",
    ),
    "/registry": Form(
        "owner",
        {"investor_name": "江西赣锋锂电新材料有限公司", "investor_new": "on", "project_name": "锂电池基地"}
        | {"intended_investment": "很多"},
        "intended_investment",
        "project_name",
        "数字",
    ),
    "/leads/{lead_id}/judge": Form(
        "coordinator",
        {"status": "invalid", "reason": ""},
        "reason",
        "",
        "认定无效须说明理由",
        versions={"version": (Lead, "lead_id")},
    ),
    "/leads/duplicates/{pair_id}": Form(
        "coordinator",
        {"mode": "split", "decision": "经核实为同一客商", "share_{unit_id}": "90"},
        "shares",
        "decision",
        "各单位份额合计须为 100%",
        versions={"version": (DuplicatePair, "pair_id")},
    ),
    "/investors/{investor_id}": Form(
        "coordinator",
        {
            "name": "",
            "kind": "company",
            "investor_type": "private",
            "contact_name": "王总经理",
            "origin_country": "中国",
        },
        "name",
        "contact_name",
        "至少 2 个字符",
        versions={"version": (None, "investor_id")},
    ),
    "/natives": Form(
        "owner",
        {"name": "", "hometown": "青石镇", "working_city": "深圳", "employer": "某科技公司", "phone": "13800000000"},
        "name",
        "employer",
        "至少 1 个字符",
    ),
    "/admin/settings": Form("coordinator", {"due_soon_days": "三天"}, "due_soon_days", "", "数字"),
    "/targets": Form(
        "coordinator",
        {"year": str(workdays.today().year), "metric": "signed_count", "scope": "county", "amount": "很多"},
        "amount",
        "",
        "数字",
    ),
    "/campaigns": Form(
        "coordinator",
        {"name": "春季攻坚行动", "starts_on": "2026-13-01", "ends_on": "2026-06-30", "rules": ""},
        "starts_on",
        "name",
        "日期",
    ),
    "/reports": Form(
        "owner",
        {"cadence": "monthly", "start": "{period}", "narrative": "", "problems": "用地指标紧张"},
        "narrative",
        "problems",
        "请填写工作进展",
    ),
    "/reports/cadence": Form(
        "coordinator",
        {"cadence": "quarterly", "due_days": "五天", "is_active": "on"},
        "due_days",
        "due_days",
        "请填写整数",
    ),
    "/spot-checks": Form(
        "coordinator",
        {"start": YESTERDAY, "end": YESTERDAY, "fraction": "一成", "seed": "7"},
        "fraction",
        "seed",
        "数字",
    ),
    "/activities/{kind}": Form(
        "owner",
        {
            "started_on": TOMORROW,
            "ended_on": TOMORROW,
            "destination": "深圳",
            "people": "张三、李四",
            "companies_visited": "比亚迪",
            "leads_obtained": "2",
        },
        "started_on",
        "destination",
        "日期",
        url="/activities/trip",
    ),
    "/awards/budget": Form(
        "coordinator",
        {"year": str(workdays.today().year), "total": "很多", "note": "年度预算"},
        "total",
        "note",
        "请填写数字",
    ),
    "/awards/policies": Form(
        "coordinator",
        {
            "name": "落户奖励政策",
            "kind": "per_funds",
            "params": "不是JSON",
            "effective_from": YESTERDAY,
            "document_no": "X〔2026〕1号",
        },
        "params",
        "name",
        "JSON",
    ),
    "/awards/projects/{project_id}/introducers": Form(
        "owner",
        {
            "kind": "person",
            "name": "",
            "phone": "13800000000",
            "registered_on": YESTERDAY,
            "investor_confirmation": "确认函",
        },
        "name",
        "phone",
        "请填写引荐人",
    ),
    "/awards/projects/{project_id}/credit": Form(
        "coordinator",
        {"name_0": "青石镇", "party_0": "unit", "unit_0": "{unit_id}", "share_0": "九十"},
        "shares",
        "name_0",
        "份额须为数字",
    ),
    "/awards/projects/{project_id}/agreement": Form(
        "coordinator", {"state": "no-such-state", "reason": "违约"}, "state", "", "请选择状态"
    ),
    "/units/{unit_id}/sections": Form(
        "coordinator", {"name": "", "kind": "office", "sort_order": "37"}, "name", "sort_order", "至少 1 个字符"
    ),
    "/units/{unit_id}/people": Form(
        "coordinator", {"name": "", "title": "新能源产业招商组组长", "section_id": ""}, "name", "title", "至少 1 个字符"
    ),
    "/units/{unit_id}/people/split": Form(
        "coordinator",
        {"year": "2026", "metric": "funds_domestic", "section_id": "{section_id}", "amount": "很多"},
        "amount",
        "amount",
        "请输入数字",
    ),
    "/sections/{section_id}/edit": Form(
        "coordinator",
        {"name": "", "kind": "office", "sort_order": "37", "is_active": "on"},
        "name",
        "sort_order",
        "至少 1 个字符",
        versions={"version": (Section, "section_id")},
    ),
    "/people/{cadre_id}/edit": Form(
        "coordinator",
        {"name": "", "title": "招商专干", "section_id": "", "sort_order": "0", "is_active": "on"},
        "name",
        "title",
        "至少 1 个字符",
        versions={"version": (Cadre, "cadre_id")},
    ),
    # who worked a record, by shares (cadre_0/share_0 … rows)
    "/leads/{lead_id}/people": Form(
        "owner", {"cadre_0": "{cadre_id}", "share_0": "六十"}, "people", "share_0", "份额须为数字"
    ),
    "/projects/{project_id}/people": Form(
        "owner", {"cadre_0": "{cadre_id}", "share_0": "60"}, "people", "share_0", "各人份额合计须为 100%"
    ),
    "/progress/{update_id}/people": Form("owner", {"share_0": "50"}, "people", "share_0", "请选择人员"),
    "/activities/{kind}/{record_id}/people": Form(
        "owner",
        {"cadre_0": "", "share_1": ""},
        "people",
        "",
        "请至少填写一名经办人员",
        url="/activities/trip/{record_id}/people",
    ),
    # a supervised task: the office's 改派, 调整期限, 撤销
    "/tasks/{task_id}/reassign": Form(
        "coordinator",
        {"owner_unit_id": "{unit_id}", "owner_user_id": "", "reason": "改"},
        "reason",
        "owner_unit_id",
        "至少 2 个字符",
        versions={"version": (SupervisedTask, "task_id")},
    ),
    "/tasks/{task_id}/reschedule": Form(
        "coordinator",
        {"due_days": "很多", "reason": "按调度会意见延期"},
        "due_days",
        "reason",
        "整数",
        versions={"version": (SupervisedTask, "task_id")},
    ),
    "/tasks/{task_id}/cancel": Form(
        "coordinator",
        {"reason": "撤"},
        "reason",
        "reason",
        "至少 2 个字符",
        versions={"version": (SupervisedTask, "task_id")},
    ),
    "/meetings/new": Form(
        "coordinator",
        {"kind": "dispatch", "title": "调", "held_on": YESTERDAY, "place": "县政府三楼会议室"},
        "title",
        "place",
        "至少 2 个字符",
    ),
    "/meetings/{meeting_id}/edit": Form(
        "coordinator",
        {"kind": "dispatch", "title": "调", "held_on": YESTERDAY, "place": "县政府三楼会议室", "unit_ids": "{unit_id}"},
        "title",
        "place",
        "至少 2 个字符",
        versions={"version": (Meeting, "meeting_id")},
    ),
    "/meetings/{meeting_id}/decisions": Form(
        "coordinator",
        {"content": "限期完成补偿协议签订", "owner_unit_id": "{unit_id}", "due_days": "0"},
        "due_days",
        "content",
        "不能小于 1",
    ),
    "/interviews/new": Form(
        "coordinator",
        {"unit_id": "{unit_id}", "held_on": YESTERDAY, "interviewer": "常务副县长 王建国", "findings": "问"},
        "findings",
        "interviewer",
        "至少 2 个字符",
    ),
    "/interviews/{interview_id}/promises": Form(
        "coordinator", {"content": "补齐干部招商台账", "due_days": "0"}, "due_days", "content", "不能小于 1"
    ),
    "/assessment/{year}/scheme": Form(
        "coordinator",
        {
            "quantitative_weight": "70",
            "qualitative_weight": "40",
            "mw_funds_domestic": "100",
            "item_code_0": "service",
            "item_label_0": "服务企业",
            "item_weight_0": "100",
            "deduction_cap": "20",
            "bonus_cap": "10",
        },
        "__all__",
        "qualitative_weight",
        "权重之和须为 100",
    ),
    "/assessment/{year}/units/{unit_id}/scores": Form(
        "coordinator",
        {"score_service": "120", "reason_service": "服务企业得力"},
        "score_service",
        "reason_service",
        "100",
    ),
    "/assessment/{year}/units/{unit_id}/adjustments": Form(
        "coordinator", {"kind": "bonus", "points": "两分", "reason": "市级表彰一次"}, "points", "reason", "请输入数字"
    ),
    "/assessment/{year}/adjustments/{adjustment_id}/withdraw": Form(
        "coordinator",
        {"reason": "错"},
        "reason",
        "",
        "至少",
        versions={"version": (AssessmentAdjustment, "adjustment_id")},
    ),
    "/assessment/{year}/publish": Form(
        "coordinator", {"confirm_early": ""}, "__all__", "", "请先设定并保存本年度考核方案"
    ),
    "/bulletins/{kind}/{year}/{number}/publish": Form(
        "coordinator",
        {},  # the current month has not ended: publishing it early needs the ticked confirmation
        "confirm_early",
        "",
        "本期尚余",
        url=f"/bulletins/monthly/{workdays.today().year}/{workdays.today().month}/publish",
    ),
    "/reports/applicability/kinds": Form(
        "coordinator",
        {"weekly": "planet", "monthly": "town"},  # a kind of unit that does not exist, beside its cadence
        "weekly",
        "",  # ticked boxes: none is typed
        "未知的单位类别",
    ),
    "/reports/applicability/units": Form(
        "coordinator", {"cadence": "weekly", "unit_id": "", "applies": "0"}, "unit_id", "cadence", "请选择单位"
    ),
    "/activities/compliance/minimum": Form(
        "coordinator", {"unit_id": "{unit_id}", "minimum": "两次"}, "minimum", "minimum", "0–100 的整数"
    ),
    # industry teams and responsibility letters
    "/teams/{team_id}/edit": Form(
        "coordinator",
        {
            "version": "1",
            "industry": "新" * 101,
            "duties": "对接长三角目标企业",
            "leader_cadre_id": "",
            "leader_name": "",
        },
        "industry",
        "duties",
        "不能超过 100 个字符",
    ),
    "/teams/{team_id}/targets": Form(
        "coordinator",
        {"year": str(workdays.today().year), "metric": "funds_domestic", "amount": "很多"},
        "amount",
        "amount",
        "请输入数字",
    ),
    "/teams/{team_id}/projects": Form(
        "coordinator", {"project_id": "第一个"}, "project_id", "project_id", "请输入整数"
    ),
    "/letters/rules": Form(
        "coordinator",
        {"year": str(workdays.today().year), "text": "", "base_revision": "1"},
        "text",
        "",
        "至少 1 个字符",
    ),
    "/letters/issue": Form(
        "coordinator",
        {"year": str(workdays.today().year), "unit_id": "", "reason": "目标调整"},
        "unit_id",
        "reason",
        "请选择单位",
    ),
    "/letters/issue-all": Form("coordinator", {"year": "明年"}, "year", "year", "请输入整数"),
    "/letters/{letter_id}/reissue": Form("coordinator", {"reason": ""}, "reason", "", "重新下达须说明理由"),
    # land and buildings, deposits, quality (issue 20)
    **LAND_FORMS,
}
FORMS.update(
    {  # compliance cases (履约核查、违约处置, issue 20)
        "/compliance-cases": Form(
            "coordinator",
            {
                "project_id": "{compliance_project_id}",
                "commitment_ids": "{missed_commitment_id}",
                "assessed_on": TOMORROW,
                "assessors": "表单核查组",
                "findings": "税收未达到约定",
            },
            "assessed_on",
            "assessors",
            "不能晚于今天",
        ),
        "/compliance-cases/{case_id}/measures": Form(
            "coordinator",
            {"kind": "take_land", "due_on": (workdays.today() + timedelta(days=30)).isoformat(), "content": "收回"},
            "plot_id",
            "content",
            "请选择要收回的地块",
            versions={"version": (ComplianceCase, "case_id")},
        ),
        "/compliance-cases/{case_id}/measures/{measure_id}/receipts": Form(
            "coordinator",
            {"amount": "很多", "received_on": YESTERDAY, "voucher_no": "HD-9"},
            "amount",
            "voucher_no",
            "请输入数字",
        ),
        "/compliance-cases/{case_id}/measures/{measure_id}/cure": Form(
            "coordinator",
            {"cured_on": TOMORROW, "note": "已补缴税款"},
            "cured_on",
            "note",
            "不能晚于今天",
            versions={"version": (ComplianceCase, "case_id")},
            url="/compliance-cases/{case_id}/measures/{cure_measure_id}/cure",
        ),
        "/compliance-cases/{case_id}/close": Form(
            "coordinator",
            {"outcome": "other", "reason": ""},
            "reason",
            "",
            "决定结案须说明理由",
            versions={"version": (ComplianceCase, "case_id")},
        ),
    }
)

FORMS.update(
    {  # industry chains and 以商招商 (issue 21)
        "/chains": Form(
            "coordinator",
            {"name": "", "leading_firm_name": "保留的链主", "sort_order": "0"},
            "name",
            "leading_firm_name",
            "至少 1 个字符",
        ),
        "/chains/{chain_id}/edit": Form(
            "coordinator",
            {"name": "改名的链", "leading_firm_name": "", "sort_order": "很多"},
            "sort_order",
            "name",
            "请输入整数",
            versions={"version": (IndustryChain, "chain_id")},
        ),
        "/chains/{chain_id}/links": Form(
            "coordinator",
            {"name": "新环节", "stage": "midstream", "weak_threshold": "0"},
            "weak_threshold",
            "name",
            "不能小于 1",
        ),
        "/chains/{chain_id}/links/{link_id}": Form(
            "coordinator",
            {"name": "改名的环节", "stage": "upstream", "weak_threshold": "很多"},
            "weak_threshold",
            "name",
            "请输入整数",
            versions={"version": (ChainLink, "link_id")},
        ),
        "/chains/{chain_id}/firms": Form(
            "owner", {"link_id": "{link_id}", "investor_id": "第一家"}, "investor_id", "link_id", "请输入整数"
        ),
        "/projects/{project_id}/chain-link": Form(
            "owner",
            {"chain_link_id": "第一个"},
            "chain_link_id",
            "",
            "请输入整数",
            versions={"version": (Project, "project_id")},
        ),
        "/investors/{investor_id}/introducer": Form(
            "coordinator",
            {"introducer_id": "第一家", "note": "保留的说明", "version": "0"},
            "introducer_id",
            "note",
            "请输入整数",
        ),
    }
)

# Page routes that write but are no form with a value to refuse, or whose refusal cannot keep what was typed.
NOT_A_FORM = {
    "/logout": "a button; signing out is never refused",
    "/notifications/read": "a button; marks the user's own notifications read",
    "/login/2fa": "one code field whose value is never shown again (a one-time code)",
    "/account/2fa": "one code field whose value is never shown again (a one-time code)",
    "/admin/tokens/{token_id}/revoke": "a button",
    "/admin/users/{user_id}/unlock": "a button",
    "/admin/webhooks/{sub_id}/toggle": "a button",
    "/robots/{robot_id}/toggle": "a button (enable / disable a group robot)",
    "/robots/{robot_id}/test": "a button (queue a test message)",
    "/robots/{robot_id}/delete": "a button (with a confirmation)",
    "/projects/import": "a file upload: a browser never sends a file back, and the errors are per row of the sheet",
    "/admin/ticket-categories/{category_id}": "its one input sits outside the form element, in the table row",
    "/awards": "proposing an award is a button on a project's figures; no typed value",
    "/awards/{award_id}/step": "a step's buttons on an award (needs an award in the pipeline)",
    "/awards/{award_id}/condition": "one choice among the project's commitments, nothing typed to keep (its refusals "
    "beside the field, with and without htmx: tests/compliance/test_conditions.py)",
    "/plots/{plot_id}/condition": "one choice among the taker's commitments (tests/compliance/test_conditions.py)",
    "/registry/claims/{claim_id}": "approve/refuse buttons on a claim",
    "/spot-checks/{check_id}/findings": "a finding per drawn record, chosen from buttons",
    "/leads/check-duplicates": "a query (the entry form's live check), not a form",
    "/open311/v2/requests.{fmt}": "Open311 GeoReport v2 for other systems: form-encoded by the spec, no page",
    "/meetings/{meeting_id}/hold": "a button (with the version read): records the meeting held",
    "/teams/{team_id}/projects/{project_id}/remove": "a button (take a project off the team)",
    "/letters/{letter_id}/acknowledge": "a button: the unit head signs the text shown (its hash and version hidden)",
    "/plots/{plot_id}/photos": "a file upload: a browser never sends a file back",
    "/buildings/{building_id}/photos": "a file upload: a browser never sends a file back",
    "/quality/industries/{industry_id}": "a button (enable / disable a leading industry)",
    "/chains/{chain_id}/links/{link_id}/delete": "a button (refused on the link's form while anything is attached)",
    "/chains/{chain_id}/firms/{firm_id}/delete": "a button (remove a local firm from its link)",
}


def _kept(segment: str, name: str, typed: str) -> bool:
    """The typed value is back in its own field: an input's value, a textarea's text or a selected option
    (not merely somewhere on the page, where a date or a list could hold the same characters)."""
    shown = html_lib.escape(typed, quote=True)
    tag = re.search(rf'<(input|textarea|select)\b[^>]*\bname="{re.escape(name)}"[^>]*>', segment)
    if tag is None:
        return False
    if tag.group(1) == "input":
        return f'value="{shown}"' in tag.group(0)
    rest = segment[tag.end() :]
    if tag.group(1) == "textarea":
        return rest.startswith(shown) or rest.startswith(html_lib.escape(typed, quote=False))
    options = rest[: rest.find("</select>")]
    return re.search(rf'<option\b[^>]*value="{re.escape(shown)}"[^>]*\bselected', options) is not None


# Forms that answer 422 with the message on the page (checked below), but do not yet show it beside
# the field inside the form or do not keep what was typed: defects left for their own change (none now).
KNOWN_GAPS: dict[str, str] = {}


def page_form_routes(app: FastAPI) -> list[str]:
    return sorted({path for _method, path in write_routes(app) if not path.startswith("/api/")})


def test_every_page_form_is_listed(app):
    unlisted = [path for path in page_form_routes(app) if path not in FORMS and path not in NOT_A_FORM]
    assert unlisted == [], "give these forms an invalid submission in FORMS, or say in NOT_A_FORM why not"


def form_segment(page: str, action: str, field_name: str) -> str:
    """The <form> element posting to `action` (the one with `field_name`, if several do)."""
    found = [
        match.group(0)
        for match in re.finditer(r"<form\b[^>]*>.*?</form>", page, re.S)
        if re.search(rf'\baction="{re.escape(action)}"', match.group(0)[:600])
    ]
    if not found:
        raise AssertionError(f"no form posting to {action} in the answer")
    return next((segment for segment in found if f'name="{field_name}"' in segment), found[0])


def text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


@pytest.fixture
def clients(app: FastAPI, db: Session, world: World) -> Iterator[dict[str, TestClient]]:
    owner = signed_in(app, db, world.staff_b)
    coordinator = signed_in(app, db, world.coordinator)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as anonymous:
        yield {"owner": next(owner), "coordinator": next(coordinator), "anonymous": anonymous}
    owner.close()
    coordinator.close()


@pytest.mark.parametrize("htmx", [False, True], ids=["browser", "htmx"])
def test_every_form_answers_422_with_the_message_beside_the_field_and_keeps_what_was_typed(db, world, clients, htmx):
    if db.execute(select(ReportCadence).where(ReportCadence.cadence == "monthly")).first() is None:
        db.add(ReportCadence(cadence="monthly", due_days=5, is_active=True))  # the bureau asks for monthly reports
        db.commit()
    failures: list[str] = []
    for path, form in FORMS.items():
        client = clients[form.user]
        csrf = csrf_from(client.get("/login" if form.user == "anonymous" else "/account").text)
        url = form.url or path
        for name, value in world.ids.items():
            url = url.replace("{" + name + "}", str(value))
        values = {
            k.replace("{unit_id}", str(world.ids["unit_id"])): v.replace("{unit_id}", str(world.ids["unit_id"]))
            for k, v in form.values.items()
        }
        for k, v in list(values.items()):
            for name, value in world.ids.items():
                v = v.replace("{" + name + "}", str(value))
            if v == "{period}":  # the period the report page offers
                found = re.search(r'name="start" value="([^"]+)"', client.get("/reports").text)
                v = found.group(1) if found else ""
            values[k] = v
        db.expire_all()
        for field_name, (model, key) in form.versions.items():
            if model is None:
                from app.models.investor import Investor

                model = Investor
            row = db.get(model, world.ids[key])
            values[field_name] = str(row.version)
        headers = {"HX-Request": "true"} if htmx else {}
        before = snapshot(db)
        response = client.post(url, data={"csrf_token": csrf, **values}, headers=headers)
        where = f"{path} ({'htmx' if htmx else 'browser'})"
        if changed(before, snapshot(db)):  # a refusal changes nothing (the rule of test_refusal_rollback)
            failures.append(f"{where}: {response.status_code} changed {changed(before, snapshot(db))}")
        if path in KNOWN_GAPS:
            if response.status_code != 422:
                failures.append(f"{where}: {response.status_code}, not 422")
            continue
        if response.status_code != 422:
            errs = re.findall(r'class="(?:field|form)-error"[^>]*>(.*?)</div>', response.text, re.S)
            failures.append(f"{where}: {response.status_code} {errs} {text(response.text)[:160]}")
            continue
        try:
            segment = form_segment(response.text, url, form.bad)
        except AssertionError as exc:
            failures.append(f"{where}: {exc}")
            continue
        shown = text(segment)
        if form.message not in shown:
            errs = re.findall(r'class="(?:field|form)-error"[^>]*>(.*?)</div>', segment, re.S)
            failures.append(f"{where}: message {form.message!r} not in the form: {errs} {shown[:100]}")
            continue
        error_id = re.search(rf'id="e-{re.escape(form.bad)}"[^>]*>([^<]*)<', segment)
        near = error_id is not None and form.message in html_lib.unescape(error_id.group(1))
        if not near and form.bad in values:
            errs = re.findall(r'class="(?:field|form)-error"[^>]*>(.*?)</div>', segment, re.S)
            failures.append(f"{where}: the message is not next to {form.bad}: {errs}")
        if form.kept and not _kept(segment, form.kept, values[form.kept]):
            failures.append(f"{where}: the typed {form.kept} ({values[form.kept]!r}) is not kept")
    assert failures == [], "\n".join(failures)


# investment agreements, commitments and results after production (issue 20)
def _agreement_forms() -> dict[str, Form]:
    from app.models.agreement import Commitment, InvestmentAgreement, ProjectResult

    last_year = str(workdays.today().year - 1)
    return {
        "/projects/{project_id}/investment-agreement": Form(
            "owner",
            {"signed_on": YESTERDAY, "parties": "甲", "contract_no": "QS-2026-009"},
            "parties",
            "contract_no",
            "至少 2 个字符",
            versions={"version": (InvestmentAgreement, "agreement_id")},
        ),
        "/projects/{project_id}/investment-agreement/commitments": Form(
            "owner", {"kind": "output", "figure": "", "note": "达产后年产值"}, "figure", "note", "请填写承诺的年产值"
        ),
        "/projects/{project_id}/investment-agreement/commitments/{commitment_id}": Form(
            "owner",
            {"kind": "production", "figure": "", "due_on": "", "note": "投产日期"},
            "due_on",
            "note",
            "请填写约定投产的日期",
            versions={"version": (Commitment, "commitment_id")},
        ),
        "/projects/{project_id}/results": Form(
            "owner",
            {"period_kind": "quarter", "year": last_year, "output": "3200", "evidence_no": "统计报表"},
            "quarter",
            "output",
            "季度结果须选择季度",
        ),
        "/results/{result_id}/edit": Form(
            "owner",
            {"period_kind": "year", "year": last_year, "tax": "很多", "note": "更正税收"},
            "tax",
            "note",
            "数字",
            versions={"version": (ProjectResult, "result_id")},
        ),
        "/results/{result_id}/review": Form(
            "coordinator",
            {"decision": "reject", "note": ""},
            "note",
            "",
            "退回须说明理由",
            versions={"version": (ProjectResult, "result_id")},
        ),
    }


FORMS.update(_agreement_forms())
NOT_A_FORM["/results/import"] = (
    "a file upload: a browser never sends a file back, and the errors are per row of the sheet"
)


# the per-mu evaluation (亩均评价, issue 20 item 3)
FORMS.update(
    {
        "/per-mu/{year}/scheme": Form(
            "coordinator",
            {
                "weight_tax_per_mu": "40",
                "weight_output_per_mu": "30",
                "weight_output_per_energy": "20",
                "weight_rd_share": "0",
                "benchmark_tax_per_mu": "30",
                "benchmark_output_per_mu": "500",
                "benchmark_output_per_energy": "5",
                "benchmark_rd_share": "3",
                "band_a": "85",
                "band_b": "70",
                "band_c": "50",
            },
            "weights",
            "weight_output_per_energy",
            "四项指标的权重之和须为 100（现为 90）",
        ),
        "/per-mu/{year}/publish": Form(
            "coordinator", {"confirm_early": ""}, "__all__", "", "请先设定并保存本年度亩均评价方案"
        ),
    }
)


# the map (招商地图, issue 21 item 3): a place outside China, a layer without a name
_OUTSIDE_CHINA = {"latitude": "48.856600", "longitude": "2.352200"}
FORMS.update(
    {
        "/projects/{project_id}/location": Form(
            "owner", _OUTSIDE_CHINA, "latitude", "longitude", "位置不在中国境内",
            versions={"version": (Project, "project_id")},
        ),
        "/plots/{plot_id}/location": Form(
            "owner", _OUTSIDE_CHINA, "latitude", "longitude", "位置不在中国境内",
            versions={"version": (LandPlot, "plot_id")},
        ),
        "/buildings/{building_id}/location": Form(
            "owner", {"latitude": "30.5", "longitude": "东经"}, "longitude", "latitude", "请输入数字",
            versions={"version": (Building, "building_id")},
        ),
        "/parks/{park_id}/location": Form(
            "coordinator", _OUTSIDE_CHINA, "latitude", "longitude", "位置不在中国境内",
            versions={"version": (Unit, "park_id")},
        ),
        "/map/layers": Form("coordinator", {"name": "", "sort_order": "3"}, "name", "sort_order", "请填写图层名称"),
    }
)  # fmt: skip
NOT_A_FORM["/map/layers/{layer_id}/replace"] = "a file upload: a browser never sends a file back"
NOT_A_FORM["/map/layers/{layer_id}/delete"] = "a button (with the version read)"

# target companies (目标企业, issue 21 item 2): the target is town B's (the owner's), assigned by the bureau
FORMS.update(
    {
        "/target-lists/import": Form(
            "coordinator", {"name": "保留的名单", "kind": "listed"}, "workbook", "name", "请选择要导入的名单文件"
        ),
        "/target-companies/assign": Form(
            "coordinator", {"target_ids": "{target_id}", "unit_id": "第一个"}, "unit_id", "", "请输入整数"
        ),
        "/target-companies/{target_id}/chain-link": Form(
            "coordinator",
            {"chain_link_id": "第一个"},
            "chain_link_id",
            "",
            "请输入整数",
            versions={"version": (TargetCompany, "target_id")},
        ),
        "/target-companies/{target_id}/approaches": Form(
            "owner",
            {"kind": "visit", "happened_on": "上周", "outcome": "保留的敲门结果"},
            "happened_on",
            "outcome",
            "日期格式应为 YYYY-MM-DD",
            versions={"version": (TargetCompany, "target_id")},
        ),
        "/target-companies/{target_id}/lead": Form(
            "owner",
            {"project_name": "保留的项目名称", "intended_investment": "很多"},
            "intended_investment",
            "project_name",
            "请输入数字",
            versions={"version": (TargetCompany, "target_id")},
        ),
    }
)

# approvals after signing (审批事项, issue 22): project B's approval (submitted), the owner's unit acts on it;
# the catalogue and escalation are the bureau's
NOT_A_FORM["/approvals/{approval_id}/deferred/{document_id}/receive"] = "a button (with the document's version read)"
NOT_A_FORM["/projects/{project_id}/approvals/generate"] = "a button; nothing typed"


def _approval_forms() -> dict[str, Form]:
    from app.models.approval import ApprovalKind, ProjectApproval

    version = {"version": (ProjectApproval, "approval_id")}
    return {
        "/approval-kinds": Form(
            "coordinator", {"name": "保留的事项名", "time_limit_days": "很多"}, "time_limit_days", "name", "请输入整数"
        ),
        "/approval-kinds/{kind_id}": Form(
            "coordinator",
            {"name": "保留的事项名", "time_limit_days": "很多"},
            "time_limit_days",
            "name",
            "请输入整数",
            versions={"version": (ApprovalKind, "kind_id")},
        ),
        "/approvals/{approval_id}/submit": Form(
            "owner", {"note": "长" * 1001}, "note", "note", "不能超过 1000 个字符", versions=version
        ),
        "/approvals/{approval_id}/deferred": Form(
            "owner",
            {"name": "保留的容缺材料", "deadline": "明天"},
            "deadline",
            "name",
            "日期格式应为 YYYY-MM-DD",
            versions=version,
        ),
        "/approvals/{approval_id}/grant": Form(
            "owner", {"document_no": "文"}, "document_no", "document_no", "至少 2 个字符", versions=version
        ),
        "/approvals/{approval_id}/refuse": Form(
            "owner", {"reason": "否"}, "reason", "reason", "至少 2 个字符", versions=version
        ),
        "/approvals/{approval_id}/not-needed": Form(
            "owner", {"reason": "否"}, "reason", "reason", "至少 2 个字符", versions=version
        ),
        "/approvals/{approval_id}/ticket": Form(
            "coordinator", {"note": "长" * 2001}, "note", "", "不能超过 2000 个字符", versions=version
        ),
        "/approvals/{approval_id}/task": Form(
            "coordinator",
            {"due_days": "很多", "note": "保留的督办要求"},
            "due_days",
            "note",
            "请输入整数",
            versions=version,
        ),
    }


FORMS.update(_approval_forms())

# the 代办 window (issue 22): staff B is project B's 代办员
FORMS.update(
    {
        "/projects/{project_id}/agent": Form(
            "coordinator", {"user_id": "第一个", "version": "1"}, "user_id", "", "请输入整数"
        ),
        "/agency/approvals/{approval_id}/handovers": Form(
            "owner",
            {"direction": "to_department", "happened_on": TOMORROW, "documents": "保留的交接材料"},
            "happened_on",
            "documents",
            "交接日期不能晚于今天",
        ),
    }
)

# pre-review and the signing approval (项目预审、签约审批, issue 22): project B is industrial, the bureau reviews it
FORMS.update(
    {
        "/admin/prereview-departments": Form(
            "coordinator", {"category": "industrial", "unit_ids": "{unit_id}"}, "unit_ids", "", "不是部门或园区"
        ),
        "/projects/{project_id}/prereview/opinions": Form(
            "coordinator",
            {"unit_id": "", "verdict": "vetoed", "reason": "", "note": "保留的意见说明"},
            "reason",
            "note",
            "否决须选择负面清单中的理由",
        ),
        "/projects/{project_id}/prereview/override": Form(
            "coordinator",
            {"decided_by": "张某某", "decided_title": "县委书记", "decided_on": TOMORROW, "document": "纪要",
             "reason": "保留的放行理由"},
            "decided_on",
            "reason",
            "不能晚于今天",
        ),
        "/projects/{project_id}/concession": Form(
            "owner", {"land_price": "on", "note": "长" * 2001}, "note", "", "2000"
        ),
        "/projects/{project_id}/signing-approval": Form(
            "owner",
            {"level": "within_policy", "approved_by": "县长", "approved_on": TOMORROW, "document_no": "保留的文号"},
            "approved_on",
            "document_no",
            "不能晚于今天",
        ),
    }
)  # fmt: skip

# the publish step (对外发布, issue 23): the coordinator's
from app.models.publish import PublicProject, PublicSite  # noqa: E402

FORMS.update(
    {
        "/publish/profile": Form(
            "coordinator", {"version": "0", "title_zh": "标" * 101, "intro_zh": "保留的县情简介"}, "title_zh",
            "intro_zh", "不能超过 100 个字符",
        ),
        "/publish/projects": Form(
            "coordinator",
            {"project_id": "{publish_source_id}", "title_zh": "保留的对外名称", "investment_wan": "很多"},
            "investment_wan", "title_zh", "请输入数字",
        ),
        "/publish/projects/{public_project_id}": Form(
            "coordinator", {"title_zh": "保留的对外名称", "investment_wan": "很多"}, "investment_wan", "title_zh",
            "请输入数字", versions={"version": (PublicProject, "public_project_id")},
        ),
        "/publish/sites": Form(
            "coordinator", {"plot_id": "{publish_plot_id}", "name_zh": "保留的载体名称", "area": "很大"}, "area",
            "name_zh", "请输入数字",
        ),
        "/publish/sites/{public_site_id}": Form(
            "coordinator", {"name_zh": "保留的载体名称", "area": "很大"}, "area", "name_zh", "请输入数字",
            versions={"version": (PublicSite, "public_site_id")},
        ),
    }
)  # fmt: skip
NOT_A_FORM["/publish/profile/state"] = "a button (publish or withdraw, with the version read)"
NOT_A_FORM["/publish/projects/{public_project_id}/state"] = "a button (publish or withdraw, with the version read)"
NOT_A_FORM["/publish/sites/{public_site_id}/state"] = "a button (publish or withdraw, with the version read)"
