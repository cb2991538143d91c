"""What every audited column is called in Chinese, and which columns a reader never sees in a history.

One table per model, beside the models: the change history on every page and the audit page
(app.services.history) read them. A new column of an audited table needs a label here, or a place
in INTERNAL (tests/core/test_history_labels.py fails otherwise). A money column's label carries its
unit (万元, 万美元, 元): the history shows the value with the column's decimals and thousands separators.
"""

from __future__ import annotations

from typing import Any

from app.models.task import NOTE_ACTIONS
from app.models.unit import TIER_LABELS, UNIT_KIND_LABELS

# bookkeeping every table shares: never shown in a history
INTERNAL_COLUMNS = frozenset({"id", "version", "created_at", "updated_at"})
INTERNAL_SUFFIXES = ("_key",)  # normalised search keys (name_key, phone_key, contact_phone_key …)

# per table: columns that are only plumbing (hashes, stored file names, counters the system keeps)
INTERNAL: dict[str, frozenset[str]] = {
    "attachment": frozenset({"sha256", "storage_key", "owner_type", "owner_id", "content_type"}),
    "ticket_photo": frozenset({"sha256", "storage_key", "content_type", "event_id"}),
    "bulletin": frozenset({"digest", "content"}),
    "user_account": frozenset({"totp_last_step", "failed_login_count", "last_login_at", "is_demo"}),
    "api_token": frozenset({"prefix", "last_used_at", "last_used_addr"}),
    "spot_check": frozenset({"seed", "items"}),
    "project": frozenset({"completed_fell"}),
    "ticket": frozenset({"reporter_label"}),
    "task_file": frozenset({"sha256", "storage_key", "content_type", "note_id"}),
    "task_note": frozenset({"actor_user_id", "actor_unit_id"}),
    "meeting_unit": frozenset({"materials"}),  # the frozen snapshot: shown on the meeting's page, not as a change
    "interview": frozenset({"reasons"}),  # computed by rule when recorded: shown on the interview's page
    "responsibility_letter": frozenset({"text_hash", "acknowledged_hash"}),
    "assessment_scheme": frozenset({"results"}),  # the frozen results: shown on the assessment's pages
}

# labels of column names used the same way in many tables (a table's own entry wins)
COMMON: dict[str, str] = {
    "name": "名称",
    "unit_id": "单位",
    "project_id": "项目",
    "lead_id": "线索",
    "investor_id": "客商",
    "note": "备注",
    "notes": "备注",
    "is_active": "在用",
    "phone": "联系电话",
    "industry": "行业",
    "content": "内容",
    "reason": "原因",
    "status": "状态",
    "kind": "类别",
    "share": "份额（%）",
    "year": "年度",
    "month": "月份",
    "period_start": "期间开始",
    "period_end": "期间结束",
    "params": "参数",
    "latitude": "纬度",
    "longitude": "经度",
    "width": "宽（像素）",
    "height": "高（像素）",
    "size": "大小（字节）",
    "taken_at": "拍摄时间",
    "original_name": "文件名",
    "uploaded_by_id": "上传人",
    "uploaded_at": "上传时间",
    "entered_by_id": "录入人",
    "due_on": "期限",
    "voucher_no": "凭证号",
}

LABELS: dict[str, dict[str, str]] = {
    "api_token": {
        "name": "令牌名称",
        "token_hash": "令牌",
        "unit_id": "所属单位",
        "read_only": "只读",
        "role": "令牌角色",
        "scopes": "权限范围",
        "created_by_id": "创建人",
        "expires_at": "有效期至",
        "revoked_at": "吊销时间",
    },
    "app_setting": {"key": "设置项", "value": "设置值"},
    "attachment": {"kind": "文件类型", "uploaded_at": "上传时间"},
    "award": {
        "policy_version_id": "政策版本",
        "applicant_unit_id": "申报单位",
        "recipient_type": "获奖对象类型",
        "recipient_name": "获奖对象",
        "recipient_unit_id": "获奖单位",
        "recipient_user_id": "获奖干部",
        "credit_id": "功劳记录",
        "share": "功劳份额（%）",
        "period_year": "奖励年度",
        "budget_year": "计入预算年度",
        "basis": "计算依据",
        "calculation": "计算",
        "amount": "奖励金额（元）",
        "decision_ref": "决定文号",
        "verified_note": "核查情况",
        "notice_from": "公示开始",
        "notice_to": "公示结束",
        "approved_on": "审批日期",
        "paid_on": "兑现日期",
        "voucher_no": "付款凭证号",
        "rejected_reason": "不予通过的理由",
    },
    "award_budget": {"year": "预算年度", "total": "预算总额（元）"},
    "award_objection": {
        "award_id": "奖励",
        "raised_on": "异议日期",
        "raised_by": "异议人",
        "content": "异议内容",
        "answer": "答复",
        "answered_on": "答复日期",
        "upheld": "异议成立",
    },
    "bulletin": {"kind": "通报类型", "title": "标题", "published_at": "发布时间", "published_by_id": "发布人"},
    "calendar_day": {"day": "日期", "is_workday": "工作日", "name": "说明"},
    "campaign": {"name": "活动名称", "starts_on": "开始日期", "ends_on": "结束日期", "rules": "规则"},
    "clawback": {
        "award_id": "奖励",
        "amount": "追回金额（元）",
        "decided_on": "决定追回日期",
        "recovered": "已追回",
        "recovered_on": "追回日期",
    },
    "duplicate_pair": {
        "lead_id": "线索",
        "earlier_lead_id": "较早的线索",
        "reasons": "疑似重复的依据",
        "decision": "处理意见",
        "settled_by_id": "处理人",
        "settled_at": "处理时间",
    },
    "event_project": {"event_id": "推介活动"},
    "expected_share": {"share": "序时进度（%）"},
    "funds_arrival": {
        "arrived_on": "到位日期",
        "amount": "到位金额（万元；外资为万美元）",
        "source": "资金来源",
        "note": "说明",
        "reverses_id": "冲销的到位记录",
        "reviewed_by_id": "确认人",
        "reviewed_at": "确认时间",
        "review_note": "确认意见",
    },
    "incentive_agreement": {"signed_on": "签订日期", "state": "履约状态", "maintenance_years": "维护期（年）"},
    "incentive_policy": {"name": "政策名称", "kind": "奖励方式", "document_no": "文件号"},
    "introducer_registration": {
        "kind": "引荐人类型",
        "name": "引荐人",
        "phone": "引荐人电话",
        "registered_on": "登记日期",
        "investor_confirmed": "客商已确认",
        "investor_confirmation": "客商确认情况",
        "is_first": "首位引荐人",
        "registered_by_id": "登记人",
    },
    "investor": {
        "kind": "客商类别",
        "name": "客商名称",
        "credit_code": "统一社会信用代码",
        "investor_type": "企业类型",
        "origin_province": "来源省份",
        "origin_city": "来源城市",
        "origin_country": "来源国家/地区",
        "contact_name": "联系人",
        "contact_phone": "联系电话",
        "created_by_unit_id": "录入单位",
    },
    "lead": {
        "unit_id": "报送单位",
        "brought_by_id": "引进人",
        "brought_by_name": "引进人姓名",
        "introducer_name": "引荐人",
        "introducer_phone": "引荐人电话",
        "channel": "招商方式",
        "project_name": "项目名称",
        "intended_investment": "意向投资额（万元）",
        "content": "项目内容",
        "contact_name": "联系人",
        "contact_phone": "联系电话",
        "lead_date": "获取日期",
        "status_reason": "认定理由",
        "judged_by_id": "认定人",
        "judged_at": "认定时间",
        "duplicate_of_id": "重复于线索",
    },
    "lead_credit": {"share": "功劳份额（%）"},
    "lost_reason": {"name": "流失原因"},
    "native": {
        "name": "姓名",
        "hometown": "籍贯",
        "employer": "工作单位",
        "position": "职务",
        "working_city": "所在城市",
    },
    "policy_version": {
        "policy_id": "奖励政策",
        "number": "版本号",
        "effective_from": "生效日期",
        "effective_to": "失效日期",
        "recipients": "奖励对象",
        "exclusions": "不予奖励的情形",
        "claim_window_days": "申报期限（天）",
    },
    "progress_update": {
        "reported_on": "填报日期",
        "stage": "所处阶段",
        "investment_completed": "累计完成投资（万元）",
        "built": "建设进展",
    },
    "project": {
        "name": "项目名称",
        "code_name": "代号",
        "is_confidential": "保密",
        "kind": "项目性质",
        "lead_id": "来源线索",
        "investor_id": "投资方",
        "content": "建设内容",
        "stage": "所处阶段",
        "stage_since": "进入本阶段日期",
        "packaged_on": "策划包装日期",
        "negotiating_on": "洽谈日期",
        "intent_on": "意向签约日期",
        "signed_on": "正式签约日期",
        "landed_on": "落地注册日期",
        "started_on": "开工日期",
        "completed_on": "竣工日期",
        "production_on": "投产日期",
        "full_capacity_on": "达产日期",
        "lost_reason_id": "流失原因",
        "planned_investment": "计划总投资（万元）",
        "contract_investment": "合同投资额（万元）",
        "size_band": "规模档次",
        "foreign_investment_usd": "合同外资（万美元）",
        "sector": "产业",
        "category": "类别",
        "industry_chain": "主导产业链",
        "chain_role": "链上作用",
        "zone_unit_id": "落地载体",
        "site": "选址",
        "land_area_mu": "用地（亩）",
        "floor_area_m2": "建筑面积（㎡）",
        "land_granted_on": "供地日期",
        "start_by": "约定开工日期",
        "production_by": "约定投产日期",
        "intensity_commitment": "投资强度（万元/亩）",
        "plot_ratio": "容积率",
        "annual_output": "年产值（万元）",
        "annual_tax": "年税收（万元）",
        "jobs": "带动就业（人）",
        "introducing_unit_id": "引进单位",
        "introducer_name": "引荐人",
        "responsible_unit_id": "责任单位",
        "linked_leader_id": "挂钩领导",
        "service_officer": "服务专员",
        "approval_level": "签约审批层级",
        "prereview": "项目预审",
        "prereview_reason": "否决理由",
        "investment_completed": "累计完成投资（万元）",
        "funds_confirmed": "已确认到位资金（万元）",
        "funds_confirmed_usd": "已确认到位外资（万美元）",
        "funds_pending": "待确认到位资金（万元）",
        "first_funds_on": "首笔资金到位日期",
        "last_progress_on": "最近填报进度日期",
    },
    "project_anomaly": {
        "kind": "异常类型",
        "detail": "详情",
        "stage_event_id": "阶段记录",
        "raised_on": "发现日期",
        "raised_by_id": "发现人",
        "cleared_at": "解除时间",
        "cleared_by_id": "解除人",
        "clear_reason": "解除理由",
    },
    "project_credit": {
        "party": "功劳方类型",
        "user_id": "干部",
        "introducer_id": "引荐人登记",
        "name": "功劳方",
        "share": "功劳份额（%）",
        "is_duty_official": "履职干部",
        "is_investor_controller": "投资方实际控制人",
    },
    "promotion_event": {"held_on": "举办日期", "name": "活动名称", "place": "地点"},
    "ranking_scheme": {"name": "方案名称", "campaign_id": "竞赛活动"},
    "reception": {"received_on": "接待日期", "visitors": "来访客商", "persons": "人数"},
    "registry_claim": {
        "entry_id": "项目登记",
        "claimant_unit_id": "主张单位",
        "claimed_by_id": "主张人",
        "claimed_at": "主张时间",
        "statement": "主张理由",
        "winner_unit_id": "认定归属单位",
        "decision_reason": "认定理由",
        "decided_by_id": "认定人",
        "decided_at": "认定时间",
    },
    "registry_entry": {
        "project_name": "项目名称",
        "intended_investment": "意向投资额（万元）",
        "holder_unit_id": "登记单位",
        "registered_by_id": "登记人",
        "registered_at": "登记时间",
    },
    "report_cadence": {"cadence": "报送周期", "due_days": "报送期限（天）", "working_days": "期限按工作日"},
    "spot_check": {
        "fraction": "抽查比例",
        "population": "总数",
        "drawn_by_id": "抽取人",
    },
    "spot_finding": {
        "check_id": "抽查批次",
        "kind": "抽查对象类型",
        "item_id": "抽查对象编号",
        "confirmed": "核实无误",
        "discrepancy": "差异（万元）",
    },
    "stage_event": {
        "action": "操作",
        "from_stage": "原阶段",
        "to_stage": "新阶段",
        "happened_on": "发生日期",
        "permit_no": "施工许可证号",
        "contract_no": "合同编号",
        "production_no": "投产证明编号",
        "recorded_by_id": "记录人",
        "recorded_at": "记录时间",
    },
    "target": {"metric": "指标", "tier": "考核档次", "unit_kind": "单位类别", "amount": "目标值"},
    "ticket": {
        "category_id": "问题类别",
        "title": "标题",
        "description": "问题描述",
        "proposed_handling": "建议处理方式",
        "priority": "紧急程度",
        "reporter_unit_id": "报告单位",
        "reported_by_id": "报告人",
        "handling_unit_id": "办理单位",
        "routed_on": "交办日期",
        "due_on": "办结期限",
        "paused_on": "暂停日期",
        "pause_reason": "暂停原因",
        "resolved_at": "办结时间",
        "resolution": "办理结果",
        "closed_at": "关闭时间",
        "verdict": "评价",
        "verdict_remark": "评价说明",
        "escalation_level": "升级级别",
        "escalated_on": "升级日期",
        "reopened_count": "重新办理次数",
        "address": "问题地点",
        "address_id": "地址编码",
        "media_url": "图片或视频链接",
        "reporter_contact": "反映人联系方式",
    },
    "supervised_task": {
        "title": "督办事项",
        "content": "督办内容",
        "source_kind": "来源",
        "source_id": "来源记录",
        "source_ref": "来源说明",
        "owner_unit_id": "责任单位",
        "owner_user_id": "责任人",
        "assigned_by_id": "交办人",
        "assigned_on": "交办日期",
        "due_days": "办理时限（工作日）",
        "due_on": "办结期限",
        "done_on": "报请销号日期",
        "closed_at": "销号时间",
        "review_note": "审核意见",
        "reviewed_by_id": "审核人",
        "returned_count": "退回次数",
        "escalation_level": "逾期升级",
        "escalated_on": "升级日期",
        "overdue_since": "逾期日期",
        "missed_due_on": "曾逾期的期限",
    },
    "task_note": {"task_id": "督办事项", "action": "动作", "at": "时间", "actor_label": "办理人", "note": "说明"},
    "task_file": {"task_id": "督办事项", "kind": "文件类型"},
    "ticket_category": {"code": "类别代码", "name": "类别名称", "default_days": "办理时限（工作日）"},
    "ticket_photo": {"ticket_id": "问题"},
    "ticket_unit": {"ticket_id": "问题", "unit_id": "办理单位", "is_lead": "牵头单位"},
    "trade_entry": {"month": "月份", "amount_usd": "进出口额（万美元）"},
    "trip": {
        "started_on": "出发日期",
        "ended_on": "返回日期",
        "destination": "目的地",
        "people": "外出人员",
        "companies_visited": "拜访企业",
        "leads_obtained": "获得线索（条）",
    },
    "unit": {
        "parent_id": "上级单位",
        "short_name": "简称",
        "kind": "单位类别",
        "tier": "考核档次",
        "head_name": "负责人",
        "head_user_id": "负责人账号",
        "address": "地址",
        "sort_order": "排序号",
    },
    "unit_report": {
        "cadence": "报送周期",
        "due_on": "报送期限",
        "figures": "数据",
        "narrative": "工作情况",
        "problems": "存在问题",
        "submitted_at": "报送时间",
    },
    "user_account": {
        "username": "登录名",
        "display_name": "姓名",
        "unit_id": "所属单位",
        "role": "角色",
        "password_hash": "密码",
        "password_changed_at": "密码修改时间",
        "must_change_password": "须修改密码",
        "totp_secret": "动态验证码密钥",
        "totp_enabled": "动态验证码",
        "locked_until": "锁定至",
    },
    "webhook_subscription": {
        "name": "名称",
        "url": "推送地址",
        "secret": "签名密钥",
        "event_types": "事件类型",
        "unit_id": "限定单位",
    },
    # sections and people (app.models.people)
    "section": {"name": "科室名称", "kind": "科室类别", "sort_order": "排序号"},
    "cadre": {
        "name": "姓名",
        "title": "职务",
        "section_id": "所在科室",
        "user_id": "对应账号",
        "sort_order": "排序号",
        "is_active": "在岗",
    },
    "target_split": {
        "metric": "指标",
        "section_id": "分解到科室",
        "cadre_id": "分解到人员",
        "amount": "分解目标值",
    },
    "cadre_credit": {
        "cadre_id": "经手人",
        "share": "经手份额（%）",
        "progress_update_id": "项目走访",
        "trip_id": "外出招商",
        "reception_id": "接待客商",
        "event_id": "推介活动",
        "trade_entry_id": "外贸进出口（月）",
    },
    "robot": {
        "unit_id": "所属单位",
        "kind": "机器人类型",
        "webhook_url": "Webhook 地址",
        "url_hint": "地址提示",
        "secret": "加签密钥",
        "event_types": "推送的事件",
        "is_active": "启用",
        "created_by_id": "添加人",
    },
    # every cadence (app.models.cadence)
    "report_applicability": {"cadence": "报告类型", "unit_kind": "单位类别", "applies": "须报送"},
    "trip_section": {"trip_id": "外出招商", "section_id": "外出的条线"},
    # meetings and interviews (app.models.meeting, app.models.interview)
    "meeting": {
        "kind": "会议类别",
        "title": "会议名称",
        "held_on": "会议日期",
        "place": "地点",
        "chair": "主持人",
        "attendee_names": "其他参会人员",
        "summary": "会议纪要",
        "recorded_at": "记录召开时间",
        "materials_as_of": "汇报材料数据截至",
        "created_by_id": "安排人",
    },
    "meeting_attendee": {"meeting_id": "会议", "user_id": "参会人员"},
    "meeting_unit": {"meeting_id": "会议", "unit_id": "研究的单位"},
    "meeting_project": {"meeting_id": "会议", "project_id": "研究的项目"},
    "meeting_decision": {
        "meeting_id": "会议",
        "number": "第几项",
        "content": "决定事项",
        "owner_unit_id": "责任单位",
        "owner_user_id": "责任人",
        "due_days": "办理时限（工作日）",
        "task_id": "督办事项",
        "created_by_id": "记录人",
    },
    "interview": {
        "unit_id": "被约谈单位",
        "held_on": "约谈日期",
        "place": "地点",
        "interviewer": "约谈人",
        "interviewer_user_id": "约谈领导账号",
        "interviewee": "被约谈人",
        "interviewee_user_id": "被约谈人账号",
        "reason_note": "约谈事由",
        "findings": "发现的问题",
        "recorded_by_id": "记录人",
    },
    "interview_promise": {
        "interview_id": "约谈",
        "number": "第几项",
        "content": "承诺事项",
        "owner_unit_id": "责任单位",
        "owner_user_id": "责任人",
        "due_days": "办理时限（工作日）",
        "task_id": "督办事项",
        "created_by_id": "记录人",
    },
    # industry teams (app.models.team)
    "industry_team": {"unit_id": "专业招商组", "leader_cadre_id": "组长", "industry": "主攻产业", "duties": "工作职责"},
    "team_member": {"team_id": "专业招商组", "unit_id": "成员单位", "is_lead": "牵头单位", "sort_order": "排序号"},
    "team_project": {"team_id": "归入专业招商组", "assigned_by_id": "归组人"},
    # responsibility letters (app.models.letter)
    "letter_rules": {"revision": "规则版本", "text": "考核规则", "written_by_id": "填写人"},
    "responsibility_letter": {
        "revision": "责任书版本",
        "unit_name": "责任单位名称",
        "tier": "考核档次",
        "targets": "年度目标",
        "rules_id": "考核规则",
        "rules_revision": "考核规则版本",
        "rules_text": "考核规则全文",
        "issued_on": "下达日期",
        "issued_by_id": "下达人账号",
        "issued_by_name": "下达人",
        "reason": "重新下达理由",
        "supersedes_id": "取代的版本",
        "acknowledged_at": "签收时间",
        "acknowledged_by_id": "签收账号",
        "acknowledged_token_id": "签收系统令牌",
        "acknowledged_by_name": "签收人",
        "acknowledged_from": "签收地址",
    },
    # the year's assessment (app.models.assessment)
    "assessment_scheme": {
        "year": "考核年度",
        "params": "考核方案",
        "status": "状态",
        "published_at": "发布时间",
        "published_by_id": "发布人",
        "as_of": "结果计算截至",
    },
    "qualitative_score": {
        "year": "考核年度",
        "assessor_id": "评分人",
        "item": "评分项",
        "score": "得分",
        "reason": "评分理由",
    },
    "assessment_adjustment": {
        "year": "考核年度",
        "kind": "加分或扣分",
        "points": "分值",
        "reason": "理由",
        "basis": "依据",
        "entered_by_id": "录入人",
        "withdrawn": "已撤销",
        "withdraw_reason": "撤销理由",
    },
}

# keys of JSON columns (an award's basis, a policy's parameters …) and of events appended to a
# record's trail (an objection raised on an award) that are not columns
KEYS: dict[str, str] = {
    "funds_confirmed_wan": "已确认到位资金（万元）",
    "yuan_per_10k": "每万元奖励（元）",
    "investment_completed_wan": "竣工核定固定资产投资（万元）",
    "permille": "千分比（‰）",
    "band_from_wan": "适用档次起点（万元）",
    "contract_investment_wan": "合同投资（万元）",
    "stage": "阶段",
    "reached_on": "达到阶段的日期",
    "year": "年度",
    "production_on": "投产日期",
    "title": "标题",
    "objection_id": "异议",
    "raised_by": "异议人",
    "raised_on": "异议日期",
    "upheld": "异议成立",
    "clawback_id": "追回",
    "amount": "金额（元）",
    "decided_on": "决定追回日期",
    "recovered_on": "追回日期",
    "username": "登录名",
    "reason": "原因",
    "mfa": "验证方式",
    "path": "地址",
    "code": "代码",
    "rows": "行数",
    "filters": "筛选条件",
    "kind": "类别",
    "number": "期号",
    "through_seq": "清理至序号",
    "removed": "清理条数",
    "retention_days": "保留天数",
}

CADENCE_NAMES = {"weekly": "周报", "ten_day": "旬报", "monthly": "月报", "quarterly": "季报", "halfyearly": "半年小结"}
"""The periodic reports' cadences as the trail shows them (app.services.reports.CADENCE_LABELS)."""

# choices stored as plain strings, or enums without a `.label`: value -> 中文
VALUES: dict[str, dict[Any, str]] = {
    "stage_event.action": {
        "forward": "推进",
        "back": "退回",
        "pause": "暂停",
        "resume": "恢复",
        "terminate": "终止",
    },
    "unit.tier": dict(TIER_LABELS),
    "target.tier": dict(TIER_LABELS),
    "target.unit_kind": {k.value: v for k, v in UNIT_KIND_LABELS.items()},
    "investor.kind": {"company": "企业", "person": "个人"},
    "duplicate_pair.status": {"open": "待处理", "settled": "已认定重复", "dismissed": "不重复"},
    "registry_entry.status": {"held": "登记有效", "disputed": "有争议", "withdrawn": "已撤回"},
    "registry_claim.status": {"open": "待认定", "decided": "已认定"},
    "attachment.kind": {"photo": "照片", "pdf": "PDF 文件"},
    "task_note.action": dict(NOTE_ACTIONS),
    "task_file.kind": {"photo": "照片", "document": "PDF 文件"},
    "supervised_task.escalation_level": {0: "未升级", 1: "已升级到责任单位负责人", 2: "已升级到督查室"},
    "report_applicability.unit_kind": {k.value: v for k, v in UNIT_KIND_LABELS.items()},
    "report_applicability.cadence": dict(CADENCE_NAMES),
    "report_cadence.cadence": dict(CADENCE_NAMES),
    "responsibility_letter.tier": dict(TIER_LABELS),
    "assessment_scheme.status": {"draft": "未发布", "published": "已发布"},
    "assessment_adjustment.kind": {"bonus": "加分", "deduction": "扣分"},
}


def is_internal(table: str, column: str) -> bool:
    return column in INTERNAL_COLUMNS or column.endswith(INTERNAL_SUFFIXES) or column in INTERNAL.get(table, ())


def label(table: str, column: str) -> str | None:
    """The column's Chinese label (None: none declared)."""
    return LABELS.get(table, {}).get(column) or COMMON.get(column)


# --- investment agreements, commitments and results after production (issue 20) ---------------
LABELS.update(
    {
        "investment_agreement": {
            "project_id": "项目",
            "signed_on": "签订日期",
            "parties": "协议各方",
            "contract_no": "协议编号",
            "note": "备注",
            "entered_by_id": "录入人",
        },
        "commitment": {
            "agreement_id": "投资协议",
            "project_id": "项目",
            "kind": "承诺类别",
            "name": "约定名称",
            "unit": "约定单位",
            "direction": "要求（不低于/不高于）",
            "figure": "承诺数值",
            "due_on": "约定日期",
            "actual": "实际完成数",
            "actual_on": "完成日期",
            "note": "备注",
        },
        "project_result": {
            "project_id": "项目",
            "period_kind": "期间",
            "year": "年度",
            "quarter": "季度",
            "output": "产值（万元）",
            "tax": "上缴税金（万元）",
            "jobs": "吸纳就业（人）",
            "energy_tce": "综合能耗（吨标准煤）",
            "land_used_mu": "实际用地（亩）",
            "source": "数据来源",
            "evidence_no": "证明编号",
            "note": "备注",
            "status": "状态",
            "entered_by_id": "录入人",
            "reviewed_by_id": "审核人",
            "reviewed_at": "审核时间",
            "review_note": "审核意见",
        },
    }
)
LABELS.setdefault("award", {})["commitment_id"] = "所附承诺事项"
# --- land and buildings, deposits, a project's quality (issue 20) --------------------------------
INTERNAL.update(
    {
        "carrier_photo": frozenset({"sha256", "storage_key", "content_type"}),
    }
)
LABELS.update(
    {
        "land_plot": {
            "code": "地块编号",
            "name": "地块名称",
            "park_unit_id": "所在园区",
            "unit_id": "管理单位",
            "area_mu": "面积（亩）",
            "land_use": "用途",
            "status": "状态",
            "price": "价格",
            "price_unit": "价格单位",
            "location": "位置",
            "services": "配套服务",
            "project_id": "取得项目",
            "taken_on": "取得日期",
            "commitment_id": "地价优惠所附承诺事项",
        },
        "building": {
            "code": "编号",
            "name": "名称",
            "kind": "类别",
            "park_unit_id": "所在园区",
            "unit_id": "管理单位",
            "floor_area_m2": "面积（㎡）",
            "floors": "层数",
            "floor_load_t_m2": "楼面荷载（吨/㎡）",
            "status": "状态",
            "price": "价格",
            "price_unit": "价格单位",
            "location": "位置",
            "services": "配套服务",
            "project_id": "入驻项目",
            "taken_on": "入驻日期",
        },
        "carrier_photo": {
            "plot_id": "地块",
            "building_id": "楼宇",
            "kind": "文件类型",
            "size": "大小（字节）",
            "width": "宽（像素）",
            "height": "高（像素）",
            "original_name": "文件名",
            "uploaded_by_id": "上传人",
            "uploaded_at": "上传时间",
        },
        "land_quota": {
            "unit_id": "争取单位",
            "area_mu": "指标（亩）",
            "source": "来源",
            "won_on": "批复日期",
            "evidence": "佐证（批复文号）",
        },
        "deposit_entry": {
            "kind": "类别（押金、土地款定金、履约保证金）",
            "action": "收取、退还或没收",
            "amount": "金额（万元）",
            "happened_on": "日期",
            "voucher_no": "凭证号",
            "status": "确认状态",
            "reviewed_by_id": "审核人",
            "reviewed_at": "审核时间",
            "review_note": "审核意见",
            "entered_by_id": "登记人",
        },
        "project_quality": {
            "high_tech": "高新技术企业",
            "specialised": "专精特新",
            "tech_sme": "科技型中小企业",
            "env_class": "环保绩效分级",
            "energy_class": "能耗等级",
            "leading_industry": "符合的主导产业",
        },
        "leading_industry": {"name": "主导产业"},
    }
)
VALUES.update({"carrier_photo.kind": {"photo": "照片", "document": "PDF 文件"}})


# --- the per-mu evaluation (亩均评价, issue 20 item 3) -----------------------------------------
LABELS.update(
    {
        "per_mu_scheme": {
            "year": "评价年度",
            "params": "评价方案（权重、标杆值、分档线）",
            "status": "状态",
            "published_at": "发布时间",
            "published_by_id": "发布人",
            "results_count": "冻结的结果条数",
        },
    }
)
LABELS["project_result"]["rd_spend"] = "研发经费支出（万元）"
LABELS["project"]["per_mu_grade"] = "亩均评价等级（最近一次发布）"
INTERNAL["per_mu_scheme"] = frozenset({"results_digest"})  # the frozen rows' SHA-256: shown on the results page
VALUES["per_mu_scheme.status"] = {"draft": "未发布", "published": "已发布"}
# --- compliance cases: broken contracts and their consequences (履约核查、违约处置, issue 20) ---------
LABELS.update(
    {
        "compliance_case": {
            "project_id": "项目",
            "unit_id": "责任单位",
            "status": "案件状态",
            "opened_on": "立案日期",
            "opened_by_id": "立案人",
            "assessed_on": "核查日期",
            "assessors": "核查人员",
            "assessor_user_ids": "核查人员（平台用户）",
            "findings": "核查结论",
            "decided_on": "处置决定日期",
            "decision_note": "处置决定说明",
            "closed_on": "结案日期",
            "outcome": "结案方式",
            "close_reason": "结案理由",
            "closed_by_id": "结案人",
        },
        "compliance_case_commitment": {
            "case_id": "违约处置案件",
            "commitment_id": "所涉承诺事项",
            "status_when_opened": "立案时的履约情况",
        },
        "compliance_measure": {
            "case_id": "违约处置案件",
            "kind": "处置措施",
            "content": "措施内容",
            "due_on": "期限",
            "owner_unit_id": "承办单位",
            "task_id": "督办事项",
            "award_id": "追回的奖励",
            "clawback_id": "追回记录",
            "plot_id": "收回的地块",
            "damages": "违约金（万元）",
            "cured_on": "整改到位日期",
            "decided_by_id": "决定人",
        },
        "compliance_receipt": {
            "measure_id": "违约金措施",
            "amount": "到账金额（万元）",
            "received_on": "到账日期",
            "voucher_no": "凭证号",
            "note": "备注",
            "entered_by_id": "登记人",
        },
    }
)

# industry chains and 以商招商 (issue 21)
LABELS.update(
    {
        "industry_chain": {
            "name": "产业链",
            "chief_user_id": "链长",
            "leading_investor_id": "链主企业",
            "leading_firm_name": "链主企业（名称）",
            "team_unit_id": "招商专班",
            "description": "简介",
            "sort_order": "排序",
        },
        "chain_unit": {"chain_id": "产业链", "unit_id": "责任单位"},
        "chain_link": {
            "chain_id": "产业链",
            "parent_id": "上级环节",
            "name": "环节",
            "position": "顺序",
            "stage": "上中下游",
            "weak_threshold": "弱链线（本地企业少于此数）",
        },
        "chain_link_firm": {"link_id": "环节", "investor_id": "本地企业", "added_by_id": "添加人"},
        "chain_link_project": {"link_id": "环节", "project_id": "项目", "added_by_id": "添加人"},
        "investor_introduction": {"investor_id": "客商", "introducer_id": "引荐企业（以商招商）", "note": "备注"},
    }
)
VALUES["chain_link.stage"] = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}

# the map (招商地图, issue 21)
LABELS["project"]["located_on"] = "位置来自进展照片的日期"
LABELS["map_layer"] = {
    "name": "图层名称",
    "geojson": "边界数据（GeoJSON）",
    "features": "图形数",
    "size": "大小（字节）",
    "sort_order": "绘制顺序",
    "uploaded_by_id": "上传人",
}

# target companies (目标企业, issue 21)
LABELS.update(
    {
        "target_list": {
            "name": "名单名称",
            "kind": "名单类别",
            "source_note": "来源说明",
            "imported_by_id": "导入人",
        },
        "target_company": {
            "list_id": "所属名单",
            "name": "企业名称",
            "credit_code": "统一社会信用代码",
            "industry": "行业",
            "hq_city": "总部所在城市",
            "size": "规模",
            "chain_link_id": "产业链环节",
            "investor_id": "对应客商",
            "assigned_unit_id": "责任单位",
            "assigned_user_id": "责任人",
            "status": "状态",
            "lead_id": "转成的线索",
        },
        "target_approach": {
            "target_id": "目标企业",
            "kind": "方式",
            "happened_on": "日期",
            "outcome": "结果",
            "interested": "有投资意向",
            "by_user_id": "登记人",
        },
    }
)

# approvals after signing and the 代办 window (审批事项、代办, issue 22)
LABELS.update(
    {
        "approval_kind": {
            "code": "代码",
            "name": "审批事项",
            "department_unit_id": "承办部门",
            "time_limit_days": "法定时限（工作日）",
            "categories": "适用项目类别",
            "position": "顺序",
            "is_active": "启用",
            "is_construction_permit": "作为施工许可（开工证据）",
            "note": "说明",
        },
        "approval_kind_prerequisite": {"kind_id": "审批事项", "prerequisite_id": "前置事项"},
        "project_approval": {
            "project_id": "项目",
            "kind_id": "审批事项",
            "department_unit_id": "承办部门",
            "status": "办理状态",
            "time_limit_days": "法定时限（工作日）",
            "submitted_on": "受理日期",
            "due_on": "应办结日期",
            "granted_on": "办结日期",
            "document_no": "批准文号",
            "refused_reason": "未通过原因",
            "is_online": "网上审批",
            "note": "备注",
            "ticket_id": "转为问题工单",
            "task_id": "转为督办任务",
        },
        "approval_deferred_document": {
            "approval_id": "审批事项",
            "name": "容缺材料",
            "deadline": "补正期限",
            "received_on": "补齐日期",
            "recorded_by_id": "登记人",
        },
        "project_agent": {
            "project_id": "项目",
            "user_id": "代办员",
            "assigned_on": "指派日期",
            "assigned_by_id": "指派人",
        },
        "approval_handover": {
            "approval_id": "审批事项",
            "direction": "交接方向",
            "department_unit_id": "部门",
            "happened_on": "交接日期",
            "documents": "交接材料",
            "recorded_by_id": "登记人",
            "recorded_at": "登记时间",
        },
    }
)
VALUES["project_approval.status"] = {
    "waiting": "待前置审批",
    "ready": "可申报",
    "submitted": "已受理",
    "granted": "已办结",
    "refused": "未通过",
    "not_needed": "无需办理",
}
VALUES["approval_handover.direction"] = {"to_department": "递交部门", "from_department": "部门返回"}

# the map's fine grid, generated by the database from a place (app.models.geo)
for _table in ("project", "land_plot", "building"):
    LABELS[_table]["grid_x"] = "地图网格列"
    LABELS[_table]["grid_y"] = "地图网格行"

# --- pre-review and the signing approval by level (项目预审、签约审批, issue 22 items 1 and 2) ----------
LABELS.update(
    {
        "prereview_department": {"category": "项目类别", "unit_id": "预审部门"},
        "prereview_opinion": {
            "project_id": "项目",
            "unit_id": "预审部门",
            "verdict": "预审意见",
            "reason": "否决理由（负面清单）",
            "note": "意见说明",
            "given_on": "意见日期",
            "recorded_by_id": "登记人",
        },
        "prereview_override": {
            "project_id": "项目",
            "decided_by": "决定人",
            "decided_title": "决定人职务",
            "decided_on": "决定日期",
            "document": "会议纪要或文件",
            "reason": "放行理由",
            "recorded_by_id": "登记人",
        },
        "project_concession": {
            "project_id": "项目",
            "land_price": "申请地价优惠",
            "tax": "申请税收优惠",
            "note": "说明",
        },
        "signing_approval": {
            "project_id": "项目",
            "level": "审批层级",
            "required_level": "应报层级",
            "approved_by": "审批人",
            "approved_on": "审批日期",
            "document_no": "会议纪要或文件编号",
            "recorded_by_id": "登记人",
        },
    }
)
VALUES["prereview_opinion.verdict"] = {"passed": "同意", "vetoed": "否决"}

# --- what the county publishes to investors (对外发布, issue 23) ---------------------------------
_ZH_EN = {"zh": "（中文）", "en": "（英文）"}
LABELS.update(
    {
        "public_profile": {
            **{
                f"{n}_{lang}": f"{label}{_ZH_EN[lang]}"
                for n, label in (
                    ("title", "标题"),
                    ("intro", "县情简介"),
                    ("industries", "主导产业和产业链"),
                    ("figures", "主要数据"),
                    ("policies", "优惠政策"),
                )
                for lang in ("zh", "en")
            },
            "state": "发布状态",
            "published_at": "发布时间",
        },
        "public_project": {
            "project_id": "所据项目",
            **{
                f"{n}_{lang}": f"{label}{_ZH_EN[lang]}"
                for n, label in (
                    ("title", "对外名称"),
                    ("chain", "产业链环节"),
                    ("summary", "项目简介"),
                    ("returns", "预期效益"),
                    ("policies", "适用政策"),
                    ("contact", "联系单位"),
                )
                for lang in ("zh", "en")
            },
            "sector": "行业",
            "investment_wan": "投资规模（万元）",
            "land_mu": "用地（亩）",
            "contact_phone": "联系单位对外电话",
            "sort_order": "排列顺序",
            "state": "发布状态",
            "published_at": "发布时间",
        },
        "public_site": {
            "kind": "载体类别",
            "plot_id": "所据地块",
            "building_id": "所据厂房楼宇",
            **{
                f"{n}_{lang}": f"{label}{_ZH_EN[lang]}"
                for n, label in (
                    ("name", "对外名称"),
                    ("park", "所在园区"),
                    ("use", "用途"),
                    ("price", "价格说明"),
                    ("description", "说明、配套"),
                )
                for lang in ("zh", "en")
            },
            "area": "面积（亩或平方米）",
            "sort_order": "排列顺序",
            "state": "发布状态",
            "published_at": "发布时间",
        },
    }
)
