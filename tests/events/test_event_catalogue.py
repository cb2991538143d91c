"""The event catalogue: each area's changes emit their typed events in the change's own transaction, each
subscriber hears only of what it may read and sees a confidential project as it may, the worker's watch
announces a unit under the yellow line once per crossing and a report due or late once, and the OpenAPI
document describes every type under `webhooks`.

Subscriptions here are the coordinator's webhook subscriptions (of no unit, or given to a unit); the
robots' side is tests/events/test_robots.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models.award import Award, PolicyKind
from app.models.lead import LeadStatus
from app.models.performance import ReportCadence, Target
from app.models.project import FundsSource, FundsStatus, Stage
from app.models.ticket import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.schemas.leads import InvestorFields, LeadCreate, LeadJudge
from app.schemas.projects import FundsCreate, FundsReview, ProjectCreate, StageChange
from app.services import awards, bulletins, event_watch, events, leads, notify, projects, reports, stage_gate, workdays
from tests.awards.factories import confirmed_funds, make_budget, make_policy
from tests.conftest import page_csrf
from tests.events.conftest import (
    CODE_NAME,
    SECRET_INVESTOR,
    SECRET_NAME,
    YEAR,
    World,
    deliveries,
    outbox,
    text_of,
)
from tests.projects.factories import make_funds
from tests.projects.helpers import gate_fields
from tests.tickets.test_webhooks import Receiver

WEBHOOK_SECRET = "whsec-events-0123456789abcdef"
TODAY = workdays.today()


def subscribe(db: Session, world: World, types: str = "*", unit_id: int | None = None, url: str = "") -> int:
    sub = notify.add_subscription(
        db,
        world.as_(world.coordinator),
        "省招商引资平台" if unit_id is None else "单位系统",
        url or "https://example.gov.cn/hooks",
        WEBHOOK_SECRET,
        types,
        unit_id,
    )
    db.commit()
    return sub.id


def data_of(db: Session, sub_id: int, event_type: str) -> list[dict[str, Any]]:
    """What one subscription is sent of one event type: its own payload, else the event's."""
    db.expire_all()
    rows = db.execute(
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.subscription_id == sub_id, OutboxEvent.event_type == event_type)
        .order_by(WebhookDelivery.id)
    ).all()
    return [d.payload if d.payload is not None else e.payload for d, e in rows]


def types_of(db: Session, prefix: str = "") -> list[str]:
    return [e.event_type for e in outbox(db, prefix)]


def assert_every_payload_fits_its_model(db: Session) -> None:
    db.expire_all()
    for event in db.execute(select(OutboxEvent)).scalars():
        model = events.EVENT_TYPES[event.event_type].model if event.event_type in events.EVENT_TYPES else None
        if model is None:
            continue
        model.model_validate(event.payload)
    for delivery in db.execute(select(WebhookDelivery).where(WebhookDelivery.payload.is_not(None))).scalars():
        event_type = db.get(OutboxEvent, delivery.event_id).event_type  # type: ignore[union-attr]
        events.EVENT_TYPES[event_type].model.model_validate(delivery.payload)


# --- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_names_each_type_once_with_a_chinese_label_and_a_model() -> None:
    assert list(events.EVENT_TYPES) == [
        "lead.created",
        "lead.judged",
        "lead.duplicate_found",
        "project.stage_reached",
        "project.warning_raised",
        "project.warning_cleared",
        "funds.entered",
        "funds.confirmed",
        "funds.rejected",
        "funds.reversed",
        "award.proposed",
        "award.verified",
        "award.notice_started",
        "award.objection_raised",
        "award.approved",
        "award.paid",
        "award.rejected",
        "award.clawed_back",
        "target.below_yellow",
        "report.due",
        "report.late",
        "report.submitted",
        "bulletin.published",
        "ticket.reported",
        "ticket.routed",
        "ticket.accepted",
        "ticket.commented",
        "ticket.returned",
        "ticket.paused",
        "ticket.resumed",
        "ticket.resolved",
        "ticket.closed",
        "ticket.reopened",
        "ticket.escalated",
        "task.assigned",
        "task.progressed",
        "task.submitted",
        "task.closed",
        "task.returned",
        "task.overdue",
        "task.escalated",
        "task.reassigned",
        "task.rescheduled",
        "task.cancelled",
        "meeting.decided",
        "interview.recorded",
        "compliance.opened",
        "compliance.decided",
        "compliance.closed",
    ]
    for kind in events.EVENT_TYPES.values():
        assert kind.group in events.GROUPS and any("\u4e00" <= ch <= "\u9fff" for ch in kind.label)
        assert kind.model.model_json_schema()["type"] == "object"


def test_a_subscriber_chooses_types_from_the_catalogue(db: Session, world: World, signed_in: Any) -> None:
    assert events.parse_types("lead.*，project.stage_reached, lead.*") == "lead.*,project.stage_reached"
    assert events.parse_types(["*", "lead.created"]) == "*"
    coordinator = signed_in(world.coordinator)
    token = page_csrf(coordinator, "/admin/webhooks")
    form = {"csrf_token": token, "name": "单位系统", "url": "https://example.gov.cn/h", "secret": WEBHOOK_SECRET}
    bad = coordinator.post("/admin/webhooks", data={**form, "event_types": "lead.created, lead.nothing, money.*"})
    assert bad.status_code == 422 and "未知的事件类型：lead.nothing、money.*" in text_of(bad.text)
    no_unit = coordinator.post("/admin/webhooks", data={**form, "event_types": "*", "unit_id": "x1"})
    assert no_unit.status_code == 422 and "单位不存在" in text_of(no_unit.text)
    ok = coordinator.post("/admin/webhooks", data={**form, "event_types": "project.*", "unit_id": str(world.b.id)})
    assert ok.status_code == 303
    page = text_of(coordinator.get("/admin/webhooks").text)
    assert f"单位系统 https://example.gov.cn/h {world.b.name} 项目（全部）" in page


# --- leads -----------------------------------------------------------------------------------


def new_lead(investor: str, **extra: Any) -> LeadCreate:
    return LeadCreate(
        channel="door_knocking",
        project_name="新材料生产基地",
        intended_investment=Decimal(5000),
        content="企业负责人来县考察园区。",
        contact_name="周总",
        contact_phone="13912345678",
        lead_date=TODAY - timedelta(days=1),
        investor=InvestorFields(name=investor, origin_province="江苏"),
        **extra,
    )


def test_a_lead_is_announced_when_reported_found_twice_and_judged(db: Session, world: World) -> None:
    everyone = subscribe(db, world, "lead.*")
    of_a = subscribe(db, world, "lead.*", world.a.id)
    of_b = subscribe(db, world, "lead.*", world.b.id)
    first = leads.create(db, world.as_(world.staff_a), new_lead("苏州恒泰精密机械有限公司"))
    db.commit()
    second = leads.create(
        db, world.as_(world.staff_b), new_lead("苏州恒泰精密机械有限公司", acknowledge_duplicates=True)
    )
    db.commit()
    leads.judge(db, world.as_(world.coordinator), first.id, LeadJudge(version=first.version, status=LeadStatus.valid))
    db.commit()
    assert types_of(db, "lead.") == ["lead.created", "lead.created", "lead.duplicate_found", "lead.judged"]

    [created_a, created_b] = data_of(db, everyone, "lead.created")
    assert created_b["lead"]["id"] == second.id and created_b["lead"]["unit"]["name"] == world.b.name
    assert created_a["lead"]["investor_name"] == "苏州恒泰精密机械有限公司"
    assert created_a["lead"]["unit"]["name"] == world.a.name and created_a["lead"]["intended_investment"] == "5000.00"
    assert created_a["lead"]["link"] == f"/leads/{first.id}"
    # each unit's subscription hears of its own leads only
    assert [d["lead"]["id"] for d in data_of(db, of_a, "lead.created")] == [first.id]
    assert [d["lead"]["id"] for d in data_of(db, of_b, "lead.created")] == [second.id]
    [found] = data_of(db, of_b, "lead.duplicate_found")
    assert found["lead"]["id"] == second.id
    assert found["matches"] == [
        {
            "lead_id": first.id,
            "unit_name": world.a.name,
            "lead_date": (TODAY - timedelta(days=1)).isoformat(),
            "investor_name": "苏州恒泰精密机械有限公司",
            "reason_text": "同一客商、联系电话相同",
            "hidden": False,
        }
    ]
    assert data_of(db, of_a, "lead.duplicate_found") == []  # about B's lead: A may not read it
    [judged] = data_of(db, of_a, "lead.judged")
    assert judged["lead"]["status"] == "valid" and judged["lead"]["status_label"] == "有效"
    assert data_of(db, of_b, "lead.judged") == []
    assert_every_payload_fits_its_model(db)


# --- projects --------------------------------------------------------------------------------


def test_a_project_reaching_a_stage_and_its_warnings_are_announced(db: Session, world: World) -> None:
    everyone = subscribe(db, world, "project.*")
    of_a = subscribe(db, world, "project.*", world.a.id)
    of_b = subscribe(db, world, "project.*", world.b.id)
    clerk = world.as_(world.staff_a)
    created = projects.create(
        db,
        clerk,
        ProjectCreate(
            name="智能装备产业园项目",
            investor_id=world.project.investor_id,
            stage=Stage.signed,
            contract_no="HT-2026-0101",
            contract_investment=Decimal(30000),
            **gate_fields(db),  # type: ignore[arg-type]
        ),
    )
    db.commit()
    # to production in one day with a permit number of no plausible form: two flags
    projects.change_stage(
        db,
        clerk,
        world.secret.id,
        StageChange(
            version=world.secret.version,
            to_stage=Stage.production,
            contract_no="HT-2026-0102",
            permit_no="123",
            production_no="PW-2026-01",
        ),
    )
    db.commit()
    assert types_of(db, "project.")[:2] == ["project.stage_reached", "project.stage_reached"]
    [new, moved] = data_of(db, everyone, "project.stage_reached")
    assert new["project"]["name"] == "智能装备产业园项目" and new["from_stage"] is None
    assert new["stage"] == "signed" and new["stages_passed"] == ["packaged", "negotiating", "intent", "signed"]
    assert new["project"]["contract_investment"] == "30000.00" and new["project"]["link"] == f"/projects/{created.id}"
    # the confidential project: masked for the bureau's system, whole for its own unit
    assert moved["project"]["name"] == f"【保密】{CODE_NAME}" and moved["project"]["investor_name"] == "（保密）"
    assert moved["stages_passed"] == ["signed", "landed", "started", "completed", "production"]
    [own] = [d for d in data_of(db, of_a, "project.stage_reached") if d["project"]["id"] == world.secret.id]
    assert own["project"]["name"] == SECRET_NAME and own["project"]["investor_name"] == SECRET_INVESTOR
    assert data_of(db, of_b, "project.stage_reached") == []

    raised = data_of(db, everyone, "project.warning_raised")
    assert {d["warning"]["kind"] for d in raised} >= {"stages_one_day", "permit_format"}
    assert all(d["project"]["name"] == f"【保密】{CODE_NAME}" for d in raised)
    flag = raised[0]["warning"]
    stage_gate.clear(db, world.as_(world.coordinator), world.secret.id, flag["id"], "已电话核实，属实")
    db.commit()
    [cleared] = data_of(db, of_a, "project.warning_cleared")
    assert cleared["warning"]["id"] == flag["id"] and cleared["reason"] == "已电话核实，属实"
    assert cleared["project"]["name"] == SECRET_NAME
    serialized = json.dumps([e.payload for e in outbox(db)], ensure_ascii=False)
    assert SECRET_NAME not in serialized and SECRET_INVESTOR not in serialized  # the outbox keeps the masked view
    assert_every_payload_fits_its_model(db)


def test_changes_rolled_back_emit_nothing(db: Session, world: World, session_factory: Any, client: Any) -> None:
    subscribe(db, world)
    session = session_factory()
    try:
        projects.change_stage(
            session,
            world.as_(world.staff_a),
            world.project.id,
            StageChange(version=world.project.version, to_stage=Stage.signed, contract_no="HT-1"),
        )
        session.flush()
        assert session.execute(select(func.count()).select_from(OutboxEvent)).scalar_one() == 1
        session.rollback()  # the request failed after the change: the event goes with it
    finally:
        session.close()
    assert outbox(db) == [] and deliveries(db) == []
    # a refused request (a stale version) through the API: nothing either
    from tests.factories import bearer, make_token

    token = bearer(make_token(db, world.a))
    db.commit()
    refused = client.post(
        f"/api/v1/projects/{world.project.id}/stage",
        json={"version": 99, "action": "forward", "to_stage": "signed", "contract_no": "HT-2"},
        headers=token,
    )
    assert refused.status_code == 409
    assert outbox(db) == [] and deliveries(db) == []


# --- funds -----------------------------------------------------------------------------------


def test_funds_entered_confirmed_rejected_and_reversed_are_announced(db: Session, world: World) -> None:
    everyone = subscribe(db, world, "funds.*")
    of_a = subscribe(db, world, "funds.*", world.a.id)
    of_b = subscribe(db, world, "funds.*", world.b.id)
    from app.models.setting import AppSetting

    db.add(AppSetting(key="funds_voucher_required", value="0"))
    db.commit()
    clerk, bureau = world.as_(world.staff_a), world.as_(world.coordinator)
    entered = projects.add_funds(
        db,
        clerk,
        world.secret.id,
        FundsCreate(arrived_on=TODAY, amount=Decimal("1234.5"), source=FundsSource.out_of_province, voucher_no="HD9"),
    )
    foreign = projects.add_funds(
        db, clerk, world.secret.id, FundsCreate(arrived_on=TODAY, amount=Decimal(80), source=FundsSource.foreign)
    )
    db.commit()
    projects.review_funds(
        db, bureau, entered.id, FundsReview(version=entered.version, decision="confirm", vouchers_checked=True)
    )
    projects.review_funds(
        db, bureau, foreign.id, FundsReview(version=foreign.version, decision="reject", note="回单不清")
    )
    db.commit()
    projects.reverse_funds(db, clerk, entered.id, "回单金额录错")
    db.commit()
    assert types_of(db, "funds.") == [
        "funds.entered",
        "funds.entered",
        "funds.confirmed",
        "funds.rejected",
        "funds.reversed",
    ]
    [confirmed] = data_of(db, everyone, "funds.confirmed")
    assert confirmed["funds"]["amount"] == "1234.50" and confirmed["funds"]["currency_unit"] == "万元"
    assert confirmed["funds"]["status"] == "confirmed" and confirmed["project_funds_confirmed"] == "1234.50"
    assert confirmed["project"]["name"] == f"【保密】{CODE_NAME}"
    [rejected] = data_of(db, of_a, "funds.rejected")
    assert rejected["funds"]["currency_unit"] == "万美元" and rejected["funds"]["status_label"] == "已退回"
    assert rejected["project"]["name"] == SECRET_NAME
    [reversed_] = data_of(db, of_a, "funds.reversed")
    assert reversed_["funds"]["amount"] == "-1234.50" and reversed_["funds"]["reverses_id"] == entered.id
    assert reversed_["funds"]["status"] == "pending"
    assert data_of(db, of_b, "funds.entered") == []
    assert_every_payload_fits_its_model(db)


# --- awards ----------------------------------------------------------------------------------


def test_each_step_of_an_award_is_announced(db: Session, world: World) -> None:
    everyone = subscribe(db, world, "award.*")
    of_a = subscribe(db, world, "award.*", world.a.id)
    of_b = subscribe(db, world, "award.*", world.b.id)
    bureau = world.as_(world.coordinator)
    project = world.project
    project.stage = Stage.started
    confirmed_funds(db, project, bureau, "3000", TODAY - timedelta(days=40))
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, name="到位资金奖励", recipients=["unit"])
    make_budget(db, TODAY.year, 500000)
    db.commit()
    [award] = awards.propose(db, bureau, policy_id=policy.id, project_id=project.id)
    awards.verify(db, bureau, award.id, award.version, "已核对银行回单 1 张")
    awards.start_notice(db, bureau, award.id, award.version)
    awards.object_to(db, bureau, award.id, "群众来电", "引进单位有争议")
    db.commit()
    [objection] = awards.objections(db, award.id)
    awards.answer(db, bureau, objection.id, objection.version, "经核实无争议", upheld=False)
    db.execute(
        update(Award)
        .where(Award.id == award.id)
        .values(notice_from=TODAY - timedelta(days=9), notice_to=TODAY - timedelta(days=2))
    )
    db.commit()
    db.expire_all()
    award = db.get(Award, award.id)  # type: ignore[assignment]
    awards.approve(db, bureau, award.id, award.version)
    awards.pay(db, bureau, award.id, award.version, TODAY, "FK-001")
    awards.claw_back(db, bureau, award.id, Decimal(100), "未按期开工")
    db.commit()
    steps = [t.removeprefix("award.") for t in types_of(db, "award.")]
    assert steps == ["proposed", "verified", "notice_started", "objection_raised", "approved", "paid", "clawed_back"]
    paid = data_of(db, everyone, "award.paid")[0]
    assert paid["award"]["amount"] == f"{award.amount:.2f}" and paid["award"]["status"] == "paid"
    assert paid["step_label"] == "到位资金奖励：奖励已兑现" and paid["project"]["id"] == project.id
    clawed = data_of(db, of_a, "award.clawed_back")[0]
    assert clawed["amount"] == "100.00" and clawed["note"] == "未按期开工"
    assert data_of(db, of_b, "award.proposed") == []
    assert_every_payload_fits_its_model(db)


# --- targets: under the yellow line, once per crossing ---------------------------------------


def test_a_unit_under_the_yellow_line_is_announced_once_per_crossing(db: Session, world: World) -> None:
    everyone = subscribe(db, world, "target.*")
    of_a = subscribe(db, world, "target.*", world.a.id)
    of_b = subscribe(db, world, "target.*", world.b.id)
    make_funds(db, world.project, 1000, status=FundsStatus.confirmed, arrived_on=date(YEAR, 3, 1))
    target = Target(year=YEAR, metric="funds_domestic", unit_id=world.a.id, amount=Decimal(10000))
    db.add(target)
    db.commit()
    july = date(YEAR, 7, 15)  # judged as of 30 June: half the year expected, 10% done
    assert event_watch.judged_day(july) == date(YEAR, 6, 30) and event_watch.judged_day(date(YEAR, 6, 30)) == date(
        YEAR, 6, 30
    )
    assert event_watch.watch_targets(db, july) == 1
    db.commit()
    assert event_watch.watch_targets(db, july + timedelta(days=3)) == 0  # still under: not again
    [below] = data_of(db, of_a, "target.below_yellow")
    assert below["unit"]["id"] == world.a.id and below["metric"] == "funds_domestic" and below["card"] == "yellow"
    assert below["actual"] == "1000.00" and below["target"] == "10000.00" and below["as_of"] == f"{YEAR}-06-30"
    assert below["share_of_target"] == "10.00" and below["expected_share"] == "50.00" and below["yellow_line"] == "70"
    assert data_of(db, everyone, "target.below_yellow") == [below]
    assert data_of(db, of_b, "target.below_yellow") == []

    target.amount = Decimal(1500)  # back above the line
    db.commit()
    assert event_watch.watch_targets(db, july) == 0
    target.amount = Decimal(20000)  # and under it again: a new crossing
    db.commit()
    assert event_watch.watch_targets(db, july) == 1
    assert len(data_of(db, of_a, "target.below_yellow")) == 2
    assert_every_payload_fits_its_model(db)


# --- reports and bulletins ---------------------------------------------------------------------


def test_reports_due_late_and_submitted_and_a_bulletin_published(db: Session, world: World) -> None:
    everyone = subscribe(db, world, "report.*,bulletin.*")
    of_a = subscribe(db, world, "report.*,bulletin.*", world.a.id)
    db.add(ReportCadence(cadence="monthly", due_days=5))
    db.commit()
    june = date(YEAR, 6, 1)
    reports.submit_report(
        db, world.as_(world.staff_b), "monthly", june, "六月走访客商 3 批", "", today=date(YEAR, 7, 2)
    )
    db.commit()
    assert event_watch.watch_reports(db, date(YEAR, 7, 3)) >= 2  # June is due for A and the bureau, not for B
    db.commit()
    assert event_watch.watch_reports(db, date(YEAR, 7, 4)) == 0  # once
    assert event_watch.watch_reports(db, date(YEAR, 7, 6)) >= 2  # past the 5th: late
    db.commit()
    [submitted] = data_of(db, everyone, "report.submitted")
    assert submitted["unit"]["id"] == world.b.id and submitted["cadence_label"] == "月报"
    assert submitted["late"]  # sent today, for a June long past
    due = {d["unit"]["id"] for d in data_of(db, everyone, "report.due")}
    assert world.a.id in due and world.b.id not in due
    [own_due] = data_of(db, of_a, "report.due")
    assert own_due["period_start"] == f"{YEAR}-06-01" and own_due["due_on"] == f"{YEAR}-07-05"
    # on the 3rd, May (due 5 June) was the last period past its deadline; on the 6th, June
    lates = data_of(db, of_a, "report.late")
    assert [d["period_start"] for d in lates] == [f"{YEAR}-05-01", f"{YEAR}-06-01"]
    assert all(d["late"] and d["submitted_at"] is None for d in lates)
    assert data_of(db, of_a, "report.submitted") == []  # B's report: not A's to hear of

    bulletins.publish(db, world.as_(world.coordinator), "monthly", YEAR, 6, today=date(YEAR, 7, 10))
    db.commit()
    [published] = data_of(db, everyone, "bulletin.published")
    assert published["kind_label"] == "月调度" and published["link"] == f"/bulletins/monthly/{YEAR}/6"
    assert data_of(db, of_a, "bulletin.published") == []  # bulletins are read by the bureau, leaders, supervisors
    assert_every_payload_fits_its_model(db)


# --- delivered, signed, masked -----------------------------------------------------------------


def test_a_webhook_receives_a_new_event_signed_and_masked(db: Session, world: World, session_factory: Any) -> None:
    from app.services import worker

    with Receiver(secret=WEBHOOK_SECRET) as hooks:
        subscribe(db, world, "funds.confirmed", url=hooks.url)
        subscribe(db, world, "funds.confirmed", world.a.id, url=hooks.url)
        confirmed_funds(db, world.secret, world.as_(world.coordinator), "88", TODAY)
        db.commit()
        assert worker.deliver_batch(session_factory, "worker-a") == 2
        assert all(c["valid"] for c in hooks.calls) and {c["event"] for c in hooks.calls} == {"funds.confirmed"}
        names = sorted(json.loads(c["body"])["data"]["project"]["name"] for c in hooks.calls)
        assert names == sorted([SECRET_NAME, f"【保密】{CODE_NAME}"])
    assert {d.status.value for d in deliveries(db)} == {"delivered"}


# --- the OpenAPI document ----------------------------------------------------------------------


def test_the_openapi_document_describes_every_event_under_webhooks(client: Any, db: Session, world: World) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["webhooks"]) == set(events.EVENT_TYPES)
    schemas = doc["components"]["schemas"]
    for code, kind in events.EVENT_TYPES.items():
        operation = doc["webhooks"][code]["post"]
        assert operation["summary"].startswith(f"{code}：{kind.label}")
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        envelope = schemas[ref]
        assert set(envelope["required"]) >= {"delivery_id", "event_id", "type", "created_at", "data"}
        assert envelope["properties"]["data"]["$ref"].endswith(f"/{kind.model.__name__}")
    from tests.factories import bearer, make_token

    token = bearer(make_token(db, world.a, read_only=True))
    db.commit()
    listed = client.get("/api/v1/event-types", headers=token).json()
    assert [t["type"] for t in listed] == list(events.EVENT_TYPES)
    assert listed[0]["label"] == "新线索" and "lead" in listed[0]["payload_schema"]["properties"]


def test_subscriptions_existing_before_keep_hearing_of_everything(db: Session, world: World) -> None:
    """A subscription added before units could be given one is the coordinator's (no unit): it hears of
    every record, as before, through the new types too."""
    db.add(WebhookSubscription(name="旧订阅", url="https://example.gov.cn/old", secret=WEBHOOK_SECRET, event_types="*"))
    db.commit()
    projects.change_stage(
        db,
        world.as_(world.staff_a),
        world.project.id,
        StageChange(version=world.project.version, to_stage=Stage.signed, contract_no="HT-3"),
    )
    db.commit()
    assert len(deliveries(db)) == 1
