"""Demo policies of every kind and awards in every state."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.award import Award, IncentivePolicy, PolicyKind, RecipientType
from app.models.project import Project, Stage
from app.models.unit import Unit
from app.models.user import Role
from app.principal import Principal
from app.services import awards, workdays

PolicySpec = tuple[str, PolicyKind, str, dict[str, Any], list[str], list[str], int | None]
POLICIES: list[PolicySpec] = [
    (
        "到位资金奖励",
        PolicyKind.per_funds,
        "青政发〔2025〕12号",
        {"yuan_per_10k": "500", "cap_per_project": "200000", "cap_per_recipient": "300000"},
        ["staff", "introducer", "unit"],
        ["duty_official", "investor_controller"],
        365,
    ),
    (
        "固定资产投资奖励",
        PolicyKind.per_mille,
        "青政发〔2025〕12号",
        {
            "bands": [
                {"from_wan": "5000", "permille": "1.5"},
                {"from_wan": "10000", "permille": "2"},
                {"from_wan": "50000", "permille": "3"},
            ],
            "cap_per_project": "500000",
        },
        ["introducer", "enterprise", "unit"],
        ["investor_controller"],
        365,
    ),
    (
        "亿元项目开工奖",
        PolicyKind.milestone,
        "青招发〔2026〕3号",
        {"min_wan": "10000", "stage": "started", "amount": "50000"},
        ["unit", "staff"],
        ["duty_official"],
        365,
    ),
    (
        "工业项目长效奖励",
        PolicyKind.long_term,
        "青政发〔2025〕12号",
        {"category": "industrial", "min_wan": "5000", "in_zone": True, "amount": "20000", "years": 3},
        ["enterprise", "unit"],
        [],
        None,
    ),
    (
        "十佳引资功臣",
        PolicyKind.honour,
        "青招发〔2026〕1号",
        {"title": "十佳引资功臣", "amount": "10000"},
        ["staff"],
        [],
        None,
    ),
    (
        "重大项目一事一议",
        PolicyKind.special,
        "县政府常务会议决定",
        {},
        ["unit", "enterprise", "introducer", "staff"],
        [],
        None,
    ),
]


def load(db: Session, today: date | None = None) -> bool:
    if db.execute(select(IncentivePolicy.id).limit(1)).first():
        return False
    today = today or workdays.today()
    bureau = db.execute(select(Unit.id).where(Unit.short_name == "县招商局")).scalar_one_or_none()
    coordinator = Principal(role=Role.coordinator, unit_id=bureau, label="演示数据")
    ids: dict[PolicyKind, int] = {}
    for name, kind, doc, params, recipients, exclusions, window in POLICIES:
        pol = IncentivePolicy(name=name, kind=kind, document_no=doc)
        db.add(pol)
        db.flush()
        awards.add_version(
            db,
            coordinator,
            pol.id,
            effective_from=date(today.year - 1, 1, 1),
            params=params,
            recipients=recipients,
            exclusions=exclusions,
            claim_window_days=window,
        )
        ids[kind] = pol.id
    awards.set_budget(db, coordinator, today.year, Decimal(3_000_000), "县财政年初安排招商奖励专项资金")
    funded = db.execute(select(Project).where(Project.funds_confirmed > 0).order_by(Project.id)).scalars().all()
    created: list[Award] = []
    for project in funded[:14]:
        try:
            created += awards.propose(
                db, coordinator, policy_id=ids[PolicyKind.per_funds], project_id=project.id, today=today
            )
        except Invalid:
            continue
    started = (
        db.execute(select(Project).where(Project.started_on.is_not(None), Project.contract_investment >= 10000))
        .scalars()
        .all()
    )
    for project in started[:2]:
        try:
            created += awards.propose(
                db, coordinator, policy_id=ids[PolicyKind.milestone], project_id=project.id, today=today
            )
        except Invalid:
            continue
    created += awards.propose(
        db,
        coordinator,
        policy_id=ids[PolicyKind.honour],
        today=today,
        honour_recipient=awards.CreditInput(party=RecipientType.staff, name="李春燕（城关镇）", share=Decimal(100)),
    )
    special_target = db.execute(select(Project).where(Project.stage == Stage.signed)).scalars().first()
    if special_target is not None:
        created += awards.propose(
            db,
            coordinator,
            policy_id=ids[PolicyKind.special],
            project_id=special_target.id,
            special_amount=Decimal(80000),
            decision_ref="县政府常务会议纪要〔2026〕9号",
            today=today,
        )
    # move them along the path: every state is represented
    for index, award in enumerate(created):
        stage = index % 6
        if stage >= 1:
            awards.verify(db, coordinator, award.id, award.version, "已核对银行回单和到位资金确认记录")
        if stage >= 2:
            start = today - timedelta(days=3 if stage == 2 else 20)
            awards.start_notice(db, coordinator, award.id, award.version, start, today=start)
        if stage == 2 and index % 4 == 2:
            awards.object_to(db, coordinator, award.id, "群众来电", "询问引荐人是否为该项目负责干部", today=today)
        if stage >= 3:
            awards.approve(db, coordinator, award.id, award.version, today=today)
        if stage >= 4:
            awards.pay(db, coordinator, award.id, award.version, today, f"QSCZ{today.year * 1000 + index}")
    proposed = [a for a in created if a.status.value == "proposed"]
    if len(proposed) > 1:
        awards.reject(db, coordinator, proposed[0].id, proposed[0].version, "核查发现到位资金为企业内部调拨，不予奖励")
    paid = [a for a in created if a.status.value == "paid"]
    if paid:
        awards.claw_back(
            db,
            coordinator,
            paid[0].id,
            (paid[0].amount / 2).quantize(Decimal("0.01")),
            "企业未按合同约定时间投产，依协议追回一半奖励",
        )
    db.flush()
    return True
