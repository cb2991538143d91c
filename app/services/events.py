"""The event catalogue, and the emitting of platform events to webhooks and group robots.

(Platform events, not promotion events: 推介活动 are `app/services/activities.py`.)

A change worth telling another system or a chat group about emits an event of a stable dotted type
(`EVENT_TYPES`: `lead.created`, `project.stage_reached` …) in the same transaction as the change, so a
request that is rolled back emits nothing. `emit` writes the event to the outbox (OutboxEvent) and queues
a delivery (WebhookDelivery) for each active subscriber asking for its type — a webhook subscription or a
group robot — that may read the record, with the payload as that subscriber may see it. The worker
delivers them (`app/services/worker.py`): at least once, signed, retried with backoff.

Who a subscriber is (`subscriber`): a unit's (its group robots; a subscription the coordinator gave a
unit) reads as that unit's staff, read-only: it hears only of the records the unit may read, and sees a
confidential project's identity only when the project is the unit's own. The coordinator's (no unit)
reads everything but, being a system or a chat group and not a person, sees no confidential project's
identity, as a global token does not (`projects.sees_every_identity`). The event's own payload is what a
reader who sees no confidential identity sees; a delivery carries its own only when its subscriber sees
more.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app import policy
from app.db import assign_ids
from app.errors import Invalid
from app.models.award import Award, IncentivePolicy, PolicyVersion
from app.models.investor import Investor
from app.models.lead import Lead
from app.models.performance import Bulletin, UnitReport
from app.models.project import FundsArrival, FundsSource, Project, ProjectAnomaly, Stage
from app.models.robot import Robot
from app.models.task import SupervisedTask
from app.models.ticket import OutboxEvent, Ticket, WebhookDelivery, WebhookSubscription
from app.models.unit import Unit
from app.models.user import Role
from app.principal import Principal
from app.schemas import events as schemas
from app.schemas.events import (
    AwardRef,
    AwardStepEvent,
    BulletinPublished,
    DuplicateMatch,
    Envelope,
    FundsEvent,
    FundsRef,
    InterviewRecorded,
    LeadCreated,
    LeadDuplicateFound,
    LeadJudged,
    LeadRef,
    MeetingDecided,
    ProjectRef,
    ProjectStageReached,
    ProjectWarningCleared,
    ProjectWarningRaised,
    ReportEvent,
    RobotTest,
    TargetBelowYellow,
    TaskPayload,
    TicketPayload,
    UnitRef,
    WarningRef,
)

# --- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    model: type[BaseModel]

    @property
    def group(self) -> str:
        return self.code.split(".", 1)[0]


GROUPS = {
    "lead": "线索",
    "project": "项目",
    "funds": "到位资金",
    "award": "奖励",
    "target": "目标考核",
    "report": "定期报告",
    "bulletin": "通报",
    "ticket": "跟踪服务问题",
    "task": "督办事项",
    "meeting": "会议",
    "interview": "约谈",
}
"""The prefixes of the event types, in the order pages list them, with their Chinese names."""

AWARD_STEPS = {
    "proposed": "奖励已申报",
    "verified": "奖励已核查",
    "notice_started": "奖励进入公示",
    "objection_raised": "奖励公示收到异议",
    "approved": "奖励已审批",
    "paid": "奖励已兑现",
    "rejected": "奖励未通过",
    "clawed_back": "奖励决定追回",
}
TICKET_ACTIONS = {
    "reported": "新的跟踪服务问题",
    "routed": "问题已交办",
    "accepted": "问题已受理",
    "commented": "问题有新的办理说明",
    "returned": "问题退回重新交办",
    "paused": "问题暂停计时",
    "resumed": "问题恢复计时",
    "resolved": "问题已办结",
    "closed": "问题已评价关闭",
    "reopened": "问题重新办理",
    "escalated": "问题逾期升级",
}
TASK_ACTIONS = {
    "assigned": "督办事项已交办",
    "progressed": "督办事项有新进展",
    "submitted": "督办事项报请销号",
    "closed": "督办事项已销号",
    "returned": "督办事项退回重办",
    "overdue": "督办事项逾期",
    "escalated": "督办事项逾期升级到督查室",
    "reassigned": "督办事项已改派",
    "rescheduled": "督办事项期限已调整",
    "cancelled": "督办事项已撤销",
}

_TYPES = [
    EventType("lead.created", "新线索", LeadCreated),
    EventType("lead.judged", "线索已认定", LeadJudged),
    EventType("lead.duplicate_found", "发现疑似重复线索", LeadDuplicateFound),
    EventType("project.stage_reached", "项目到达新阶段", ProjectStageReached),
    EventType("project.warning_raised", "项目异常预警", ProjectWarningRaised),
    EventType("project.warning_cleared", "项目异常已核销", ProjectWarningCleared),
    EventType("funds.entered", "到位资金已录入", FundsEvent),
    EventType("funds.confirmed", "到位资金已确认", FundsEvent),
    EventType("funds.rejected", "到位资金被退回", FundsEvent),
    EventType("funds.reversed", "到位资金更正（冲销）", FundsEvent),
    *(EventType(f"award.{step}", label, AwardStepEvent) for step, label in AWARD_STEPS.items()),
    EventType("target.below_yellow", "目标完成低于黄牌线", TargetBelowYellow),
    EventType("report.due", "定期报告到期待报", ReportEvent),
    EventType("report.late", "定期报告逾期未报", ReportEvent),
    EventType("report.submitted", "定期报告已报送", ReportEvent),
    EventType("bulletin.published", "通报已发布", BulletinPublished),
    *(EventType(f"ticket.{action}", label, TicketPayload) for action, label in TICKET_ACTIONS.items()),
    *(EventType(f"task.{action}", label, TaskPayload) for action, label in TASK_ACTIONS.items()),
    EventType("meeting.decided", "会议形成决定事项（已交办督办）", MeetingDecided),
    EventType("interview.recorded", "约谈已记录", InterviewRecorded),
]
EVENT_TYPES: dict[str, EventType] = {t.code: t for t in _TYPES}
"""Every event type a subscriber may ask for: type → (Chinese label, payload model)."""

ROBOT_TEST = EventType("robot.test", "测试消息", RobotTest)  # sent to one robot only: not subscribable


def grouped() -> list[tuple[str, str, list[EventType]]]:
    """[(prefix, Chinese name, its types)] for the pages' checkboxes."""
    return [(prefix, name, [t for t in _TYPES if t.group == prefix]) for prefix, name in GROUPS.items()]


def label_of(event_type: str) -> str:
    known = EVENT_TYPES.get(event_type)
    return known.label if known else ROBOT_TEST.label if event_type == ROBOT_TEST.code else event_type


def wants(event_types: str, event_type: str) -> bool:
    """Does a subscription to `event_types` (comma-separated: *, ticket.*, ticket.closed …) cover `event_type`?"""
    for wanted in (t.strip() for t in event_types.split(",")):
        if wanted == "*" or wanted == event_type:
            return True
        if wanted.endswith(".*") and event_type.startswith(wanted[:-1]):
            return True
    return False


def parse_types(chosen: str | Sequence[str], field: str = "event_types", *, allow_empty: bool = False) -> str:
    """The event types a subscriber chose (comma-separated text, or the checked boxes), normalised; refused
    with a Chinese message under `field` when one is no type of the catalogue."""
    items = chosen.replace("，", ",").split(",") if isinstance(chosen, str) else list(chosen)
    wanted = list(dict.fromkeys(t.strip() for t in items if t and t.strip()))
    if not wanted:
        if allow_empty:
            return ""
        raise Invalid({field: "请至少选择一种事件"})
    unknown = [t for t in wanted if not (t == "*" or t in EVENT_TYPES or (t.endswith(".*") and t[:-2] in GROUPS))]
    if unknown:
        shown = "、".join(u[:40] for u in unknown[:3])
        raise Invalid({field: f"未知的事件类型：{shown}（可选：*、某类的 .*，或目录中的类型）"})
    text = ",".join(["*"] if "*" in wanted else wanted)
    if len(text) > 2000:
        raise Invalid({field: "选择的事件过多"})
    return text


def chosen_labels(event_types: str) -> str:
    """A subscriber's types in words, for the pages: 全部事件, 线索（全部）, 新线索 …"""
    names = []
    for wanted in (t.strip() for t in event_types.split(",") if t.strip()):
        if wanted == "*":
            return "全部事件"
        if wanted.endswith(".*"):
            names.append(f"{GROUPS.get(wanted[:-2], wanted)}（全部）")
        else:
            names.append(label_of(wanted))
    return "、".join(names) or "—"


# --- who hears, and what they see ------------------------------------------------------------


NOBODY = Principal(role=Role.unit_staff, unit_id=None, label="", read_only=True)
"""Reads nothing and sees no confidential project's identity: the view the outbox keeps."""


def subscriber(unit_id: int | None) -> Principal:
    """The reader a subscriber is: a unit's reads as its staff (read-only); the coordinator's reads
    everything but sees no confidential project's identity (it is no person)."""
    if unit_id is None:
        return Principal(role=Role.supervisor, unit_id=None, label="订阅：招商局", read_only=True)
    return Principal(role=Role.unit_staff, unit_id=unit_id, label=f"订阅：单位{unit_id}", read_only=True)


@dataclass(frozen=True)
class Subject:
    """What an event is about: who may read it, and its payload as a reader may see it."""

    readable: Callable[[Principal], bool]
    payload: Callable[[Principal], BaseModel]


def emit(db: Session, event_type: str, subject: Subject) -> OutboxEvent:
    """Record the event in the outbox and queue a delivery for each subscriber that asked for its type and
    may read its record, in this transaction."""
    (event,) = emit_many(db, [(event_type, subject)])
    return event


def emit_many(db: Session, events: Sequence[tuple[str, Subject]]) -> list[OutboxEvent]:
    """`emit` for several events at once, in their order: the outbox rows written by one flush, the
    subscribers read once, the deliveries written by one more flush (the same rows as one `emit` each)."""
    payloads = []
    for event_type, subject in events:
        data = _payloads(event_type, subject)
        payloads.append((event_type, subject, data, data(NOBODY)))
    rows = [OutboxEvent(event_type=event_type, payload=base) for event_type, _, _, base in payloads]
    if not rows:
        return rows
    assign_ids(db, rows)
    db.add_all(rows)
    db.flush()
    subs = db.execute(_ACTIVE_SUBSCRIPTIONS).all()
    robots = db.execute(_ACTIVE_ROBOTS).all()
    targets = [("subscription_id", s) for s in subs] + [("robot_id", r) for r in robots]
    if not targets:
        return rows
    deliveries = []
    for event, (event_type, subject, data, base) in zip(rows, payloads, strict=True):
        for column, (target_id, unit_id, types) in targets:
            if not wants(types, event_type):
                continue
            reader = subscriber(unit_id)
            if not subject.readable(reader):
                continue
            own = data(reader)
            deliveries.append(
                WebhookDelivery(**{column: target_id}, event_id=event.id, payload=None if own == base else own)
            )
    assign_ids(db, deliveries)
    db.add_all(deliveries)
    db.flush()
    return rows


_ACTIVE_SUBSCRIPTIONS = select(
    WebhookSubscription.id, WebhookSubscription.unit_id, WebhookSubscription.event_types
).where(WebhookSubscription.is_active.is_(True))
_ACTIVE_ROBOTS = select(Robot.id, Robot.unit_id, Robot.event_types).where(Robot.is_active.is_(True))


def _payloads(event_type: str, subject: Subject) -> Callable[[Principal], dict[str, Any]]:
    """The event's payload as a reader sees it, computed once per kind of reader."""
    kind = EVENT_TYPES[event_type]
    seen: dict[tuple[Role, int | None], dict[str, Any]] = {}

    def data(reader: Principal) -> dict[str, Any]:
        key = (reader.role, reader.unit_id)
        if key not in seen:
            model = subject.payload(reader)
            if not isinstance(model, kind.model):
                raise TypeError(f"{event_type}: payload is {type(model).__name__}, not {kind.model.__name__}")
            seen[key] = schemas.dump(model)
        return seen[key]

    return data


# --- the pieces of payloads ------------------------------------------------------------------


def _unit(db: Session, unit_id: int | None) -> UnitRef:
    unit = db.get(Unit, unit_id) if unit_id is not None else None
    return UnitRef(id=unit_id or 0, name=unit.name if unit else "")


def _investor_name(db: Session, investor_id: int | None) -> str:
    investor = db.get(Investor, investor_id) if investor_id is not None else None
    return investor.name if investor else ""


def _view(db: Session, reader: Principal, project: Project) -> Any:
    from app.services import projects

    return projects.view(reader, project, _investor_name(db, project.investor_id), project.introducer_name)


def project_ref(db: Session, reader: Principal, project: Project) -> ProjectRef:
    shown = _view(db, reader, project)
    return ProjectRef(
        id=project.id,
        name=shown.name,
        confidential=project.is_confidential,
        investor_name=str(shown.reveal(_investor_name(db, project.investor_id))),
        stage=project.stage.value,
        stage_label=project.stage.label,
        responsible_unit=_unit(db, project.responsible_unit_id),
        contract_investment=project.contract_investment,
        link=f"/projects/{project.id}",
    )


def _project_readable(project: Project) -> Callable[[Principal], bool]:
    from app.services import projects

    return lambda reader: projects.can_read(reader, project)


# --- leads -----------------------------------------------------------------------------------


def _project_of_lead(db: Session, lead_id: int) -> Project | None:
    return db.execute(select(Project).where(Project.lead_id == lead_id).limit(1)).scalar_one_or_none()


def _lead_ref(db: Session, reader: Principal, lead: Lead) -> LeadRef:
    from app.services import projects

    project = _project_of_lead(db, lead.id)
    hidden = project is not None and not projects.sees_identity(reader, project)
    return LeadRef(
        id=lead.id,
        unit=_unit(db, lead.unit_id),
        lead_date=lead.lead_date,
        investor_name=projects.HIDDEN if hidden else _investor_name(db, lead.investor_id),
        project_name=projects.HIDDEN if hidden and lead.project_name else lead.project_name,
        intended_investment=lead.intended_investment,
        channel=lead.channel.value,
        channel_label=lead.channel.label,
        status=lead.status.value,
        status_label=lead.status.label,
        link=f"/leads/{lead.id}",
    )


def _lead_readable(lead: Lead) -> Callable[[Principal], bool]:
    return lambda reader: policy.can_read_unit_owned(reader, lead.unit_id)


def lead_created(db: Session, lead: Lead, matches: Sequence[Any] = ()) -> None:
    """`lead.created`, and `lead.duplicate_found` when the form warned of earlier leads (`leads.Match`)."""
    readable = _lead_readable(lead)
    emit(db, "lead.created", Subject(readable, lambda reader: LeadCreated(lead=_lead_ref(db, reader, lead))))
    if not matches:
        return
    from app.services import leads, projects

    earlier = {m.lead_id: _project_of_lead(db, m.lead_id) for m in matches}

    def payload(reader: Principal) -> LeadDuplicateFound:
        shown = []
        for m in matches:
            project = earlier[m.lead_id]
            hidden = project is not None and not projects.sees_identity(reader, project)
            shown.append(
                DuplicateMatch(
                    lead_id=None if hidden else m.lead_id,
                    unit_name=leads.HELD_ELSEWHERE if hidden else m.unit_name,
                    lead_date=m.lead_date,
                    investor_name=projects.HIDDEN if hidden else m.investor_name,
                    reason_text="、".join(leads.REASON_LABELS[r] for r in m.reasons),
                    hidden=hidden,
                )
            )
        return LeadDuplicateFound(lead=_lead_ref(db, reader, lead), matches=shown)

    emit(db, "lead.duplicate_found", Subject(readable, payload))


def lead_judged(db: Session, lead: Lead) -> None:
    emit(
        db,
        "lead.judged",
        Subject(
            _lead_readable(lead),
            lambda reader: LeadJudged(lead=_lead_ref(db, reader, lead), reason=lead.status_reason),
        ),
    )


# --- projects --------------------------------------------------------------------------------


def stage_reached(db: Session, project: Project, from_stage: Stage | None, passed: Sequence[Stage], when: date) -> None:
    if not passed:
        return
    emit(
        db,
        "project.stage_reached",
        Subject(
            _project_readable(project),
            lambda reader: ProjectStageReached(
                project=project_ref(db, reader, project),
                from_stage=from_stage.value if from_stage else None,
                stage=passed[-1].value,
                stage_label=passed[-1].label,
                reached_on=when,
                stages_passed=[s.value for s in passed],
            ),
        ),
    )


def _warning(db: Session, reader: Principal, project: Project, row: ProjectAnomaly) -> WarningRef:
    return WarningRef(
        id=row.id,
        kind=row.kind.value,
        label=row.kind.label,
        detail=_view(db, reader, project).redact(row.detail),
        raised_on=row.raised_on,
    )


def warnings_raised(db: Session, project: Project, rows: Sequence[ProjectAnomaly]) -> None:
    if not rows:
        return
    waiting: list[tuple[Project, Sequence[ProjectAnomaly]]] | None = db.info.get(_WARNINGS_WAITING)
    if waiting is not None:  # inside `warnings_together`: emitted at the end of its block
        waiting.append((project, rows))
        return
    _emit_warnings(db, [(project, rows)])


_WARNINGS_WAITING = "events_warnings_waiting"


@contextmanager
def warnings_together(db: Session) -> Iterator[None]:
    """The warnings raised inside the block (`warnings_raised`) are emitted together when it ends, in
    the order raised: their rows flushed once, the outbox written and the subscribers read once, for
    the thousands of projects an import creates (one flush and two queries each, otherwise). The
    events, their payloads and deliveries are the ones `warnings_raised` makes one project at a time.
    If the block raises, nothing is emitted (its transaction is rolled back anyway)."""
    outer = db.info.get(_WARNINGS_WAITING)
    waiting: list[tuple[Project, Sequence[ProjectAnomaly]]] = []
    db.info[_WARNINGS_WAITING] = waiting
    try:
        yield
    finally:
        if outer is None:
            db.info.pop(_WARNINGS_WAITING, None)
        else:
            db.info[_WARNINGS_WAITING] = outer
    if outer is not None:
        outer.extend(waiting)  # a block inside another: the outer one emits them
    else:
        _emit_warnings(db, waiting)


def _emit_warnings(db: Session, raised: Sequence[tuple[Project, Sequence[ProjectAnomaly]]]) -> None:
    if not raised:
        return
    assign_ids(db, [row for _, rows in raised for row in rows if row.id is None])
    db.flush()  # their ids
    held: list[Any] = []
    if sum(len(rows) for _, rows in raised) > 1:
        # the units and investors the payloads name, loaded at once and held while they are built (the
        # identity map keeps only what is referenced: each payload would otherwise load them again)
        held += _held(db, Unit, {p.responsible_unit_id for p, _ in raised})
        held += _held(db, Investor, {p.investor_id for p, _ in raised})
    emit_many(
        db,
        [
            (
                "project.warning_raised",
                Subject(
                    _project_readable(project),
                    lambda reader, project=project, row=row: ProjectWarningRaised(  # type: ignore[misc]
                        project=project_ref(db, reader, project), warning=_warning(db, reader, project, row)
                    ),
                ),
            )
            for project, rows in raised
            for row in rows
        ],
    )
    del held


def _held(db: Session, model: Any, ids: set[int | None]) -> list[Any]:
    """The rows of `model` with these ids: those in the session, and the others in one query."""
    held, wanted = [], []
    for i in sorted(i for i in ids if i is not None):
        found = db.identity_map.get(identity_key(model, i))
        if found is None:
            wanted.append(i)
        else:
            held.append(found)
    if wanted:
        held += db.execute(select(model).where(model.id.in_(wanted))).scalars()
    return held


def warning_cleared(db: Session, row: ProjectAnomaly) -> None:
    project = db.get(Project, row.project_id)
    assert project is not None
    emit(
        db,
        "project.warning_cleared",
        Subject(
            _project_readable(project),
            lambda reader: ProjectWarningCleared(
                project=project_ref(db, reader, project),
                warning=_warning(db, reader, project, row),
                reason=_view(db, reader, project).redact(row.clear_reason),
            ),
        ),
    )


# --- funds -----------------------------------------------------------------------------------


def funds(db: Session, event_type: str, row: FundsArrival) -> None:
    """`funds.entered`, `funds.confirmed`, `funds.rejected` or `funds.reversed` of one ledger row."""
    project = db.get(Project, row.project_id)
    assert project is not None

    def payload(reader: Principal) -> FundsEvent:
        return FundsEvent(
            project=project_ref(db, reader, project),
            funds=FundsRef(
                id=row.id,
                amount=row.amount,
                currency_unit="万美元" if row.source is FundsSource.foreign else "万元",
                source=row.source.value,
                source_label=row.source.label,
                arrived_on=row.arrived_on,
                status=row.status.value,
                status_label=row.status.label,
                reverses_id=row.reverses_id,
                note=_view(db, reader, project).redact(row.note or ""),
            ),
            project_funds_confirmed=project.funds_confirmed or Decimal(0),
        )

    emit(db, event_type, Subject(_project_readable(project), payload))


# --- awards ----------------------------------------------------------------------------------


def award_step(db: Session, award: Award, step: str, note: str = "", amount: Decimal | None = None) -> None:
    """`award.<step>` (AWARD_STEPS) of one award."""
    from app.services import awards

    project = db.get(Project, award.project_id) if award.project_id is not None else None
    version = db.get(PolicyVersion, award.policy_version_id)
    pol = db.get(IncentivePolicy, version.policy_id) if version else None

    def payload(reader: Principal) -> AwardStepEvent:
        redact = _view(db, reader, project).redact if project is not None else str
        return AwardStepEvent(
            award=AwardRef(
                id=award.id,
                status=award.status.value,
                status_label=award.status.label,
                amount=award.amount,
                recipient_name=awards.recipient_shown(db, reader, award, project),
                recipient_type=award.recipient_type.value,
                applicant_unit=_unit(db, award.applicant_unit_id),
                link=f"/awards/{award.id}",
            ),
            project=project_ref(db, reader, project) if project is not None else None,
            step=step,
            step_label=(pol.name + "：" if pol else "") + AWARD_STEPS[step],
            note=redact(note),
            amount=amount,
        )

    emit(db, f"award.{step}", Subject(lambda reader: awards.can_read(db, reader, award), payload))


# --- targets, reports, bulletins -------------------------------------------------------------


def below_yellow(db: Session, payload: TargetBelowYellow) -> None:
    emit(
        db,
        "target.below_yellow",
        Subject(lambda reader: policy.can_read_unit_owned(reader, payload.unit.id), lambda _reader: payload),
    )


def report(db: Session, event_type: str, payload: ReportEvent) -> None:
    emit(
        db,
        event_type,
        Subject(lambda reader: policy.can_read_unit_owned(reader, payload.unit.id), lambda _reader: payload),
    )


def report_payload(db: Session, row: UnitReport, late: bool | None = None) -> ReportEvent:
    from app.services.reports import CADENCE_LABELS

    submitted_late = row.submitted_at is not None and row.submitted_at.date() > row.due_on
    return ReportEvent(
        unit=_unit(db, row.unit_id),
        cadence=row.cadence,
        cadence_label=CADENCE_LABELS.get(row.cadence, row.cadence),
        period_start=row.period_start,
        period_end=row.period_end,
        due_on=row.due_on,
        submitted_at=row.submitted_at,
        late=submitted_late if late is None else late,
        link="/reports",
    )


def report_submitted(db: Session, row: UnitReport) -> None:
    report(db, "report.submitted", report_payload(db, row))


def bulletin_published(db: Session, row: Bulletin) -> None:
    from app.services import bulletins

    start_number = bulletins.number_of(row.kind, row.period_start)
    payload = BulletinPublished(
        id=row.id,
        kind=row.kind,
        kind_label=bulletins.KIND_LABELS.get(row.kind, row.kind),
        title=row.title,
        period_start=row.period_start,
        period_end=row.period_end,
        published_at=row.published_at,
        link=f"/bulletins/{row.kind}/{row.period_start.year}/{start_number}",
    )
    emit(db, "bulletin.published", Subject(lambda reader: reader.reads_everything, lambda _reader: payload))


# --- tickets ---------------------------------------------------------------------------------


def ticket(db: Session, row: Ticket, action: str) -> None:
    from app.services import tickets

    project = db.get(Project, row.project_id) if row.project_id else None
    units = tickets.units_of(db, row)

    def payload(reader: Principal) -> TicketPayload:
        return TicketPayload(
            ticket_id=row.id,
            action=action,
            status=row.status.value,
            status_label=row.status.label,
            handling_unit_id=row.handling_unit_id,
            due_on=row.due_on,
            project_id=row.project_id,
            title=tickets.shown_text(db, reader, row, row.title),
            project=project_ref(db, reader, project) if project is not None else None,
            link=f"/tickets/{row.id}",
        )

    emit(db, f"ticket.{action}", Subject(lambda reader: reader.reads_everything or reader.unit_id in units, payload))


# --- supervised tasks ------------------------------------------------------------------------


def task(db: Session, row: SupervisedTask, action: str) -> None:
    """`task.<action>` (TASK_ACTIONS): heard by whoever reads everything and by the owner unit's subscribers."""
    payload = TaskPayload(
        task_id=row.id,
        action=action,
        status=row.status.value,
        status_label=row.status.label,
        title=row.title,
        source_kind=row.source_kind.value,
        source_label=row.source_kind.label,
        source_ref=row.source_ref,
        owner_unit=_unit(db, row.owner_unit_id),
        due_on=row.due_on,
        escalation_level=row.escalation_level,
        link=f"/tasks/{row.id}",
    )
    emit(
        db,
        f"task.{action}",
        Subject(lambda reader: policy.can_read_unit_owned(reader, row.owner_unit_id), lambda _reader: payload),
    )


def meeting_decided(
    db: Session, meeting: Any, decision: Any, task: SupervisedTask, redact: Callable[[str], str]
) -> None:
    """`meeting.decided`: a meeting's decision recorded and assigned as a task; heard by whoever reads everything
    and by the owner unit's subscribers. `redact` takes the confidential projects discussed out of the text."""
    payload = MeetingDecided(
        meeting_id=meeting.id,
        meeting_kind=meeting.kind.value,
        meeting_kind_label=meeting.kind.label,
        meeting_title=redact(meeting.title),
        held_on=meeting.held_on,
        decision_id=decision.id,
        number=decision.number,
        content=redact(decision.content),
        owner_unit=_unit(db, decision.owner_unit_id),
        task_id=task.id,
        due_on=task.due_on,
        link=f"/meetings/{meeting.id}",
    )
    emit(
        db,
        "meeting.decided",
        Subject(lambda reader: policy.can_read_unit_owned(reader, decision.owner_unit_id), lambda _reader: payload),
    )


def interview_recorded(db: Session, interview: Any, reasons: Sequence[str], promise_count: int) -> None:
    """`interview.recorded`: heard by whoever reads everything and by the interviewed unit's subscribers."""
    payload = InterviewRecorded(
        interview_id=interview.id,
        unit=_unit(db, interview.unit_id),
        held_on=interview.held_on,
        interviewer=interview.interviewer,
        interviewee=interview.interviewee,
        reasons=list(reasons),
        promise_count=promise_count,
        link=f"/interviews/{interview.id}",
    )
    emit(
        db,
        "interview.recorded",
        Subject(lambda reader: policy.can_read_unit_owned(reader, interview.unit_id), lambda _reader: payload),
    )


# --- the OpenAPI document --------------------------------------------------------------------

WEBHOOK_HELP = (
    "平台以 JSON POST 推送事件。请求头：`X-Zhaoshang-Event`（事件类型）、`X-Zhaoshang-Delivery`（投递编号，"
    "重试时不变，可据此去重：至少送达一次）、`X-Zhaoshang-Timestamp`（秒）、`X-Zhaoshang-Signature`"
    "（`sha256=` 加 HMAC-SHA256(密钥, 时间戳 + “.” + 请求体) 的十六进制值）。返回 2xx 即为送达，"
    "否则按指数退避重试。单位的订阅只收到本单位可查看的记录的事件；保密项目的名称与客商对无权查看者已隐去。"
)


def _webhook_example(kind: EventType) -> dict[str, Any]:
    """The envelope a subscriber receives for this type, around its payload model's own example."""
    extra: Any = kind.model.model_config.get("json_schema_extra") or {}
    examples: list[Any] = extra.get("examples") or [{}]
    envelope = {
        "delivery_id": 20417,
        "event_id": 9083,
        "type": kind.code,
        "created_at": "2026-11-25T10:02:00+08:00",
        "data": examples[0],
    }
    return {"requestBody": {"content": {"application/json": {"example": envelope}}}}


def register_webhooks(app: Any) -> None:
    """Describe every event type under the OpenAPI document's `webhooks`, with its payload's schema."""
    for kind in _TYPES:

        def endpoint(body: Any) -> None:  # documentation only: the platform sends, it does not receive
            return None

        body_type = Envelope[kind.model]  # type: ignore[name-defined]
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=body_type)],
            return_annotation=None,
        )
        app.webhooks.add_api_route(
            kind.code,
            endpoint,
            methods=["POST"],
            summary=f"{kind.code}：{kind.label}",
            description=WEBHOOK_HELP,
            tags=[f"事件推送：{GROUPS[kind.group]}"],
            operation_id=f"webhook_{kind.code.replace('.', '_')}",
            response_description="2xx 表示已收到",
            openapi_extra=_webhook_example(kind),
        )


# --- compliance cases (履约核查、违约处置, issue 20) ---------------------------------------------------

GROUPS["compliance"] = "违约处置"
COMPLIANCE_ACTIONS = {
    "opened": "违约处置案件已立案",
    "decided": "违约处置措施已决定",
    "closed": "违约处置案件已结案",
}
for _action, _label in COMPLIANCE_ACTIONS.items():
    _kind = EventType(f"compliance.{_action}", _label, schemas.ComplianceEvent)
    _TYPES.append(_kind)
    EVENT_TYPES[_kind.code] = _kind


def compliance(db: Session, case: Any, action: str, measure: Any = None) -> None:
    """`compliance.<action>` of one case: heard by whoever may read its project; the project's identity as
    each reader may see it (`project_ref`)."""
    project = db.get(Project, case.project_id)
    assert project is not None

    def payload(reader: Principal) -> schemas.ComplianceEvent:
        return schemas.ComplianceEvent(
            case_id=case.id,
            action=action,
            status=case.status.value,
            status_label=case.status.label,
            project=project_ref(db, reader, project),
            unit=_unit(db, case.unit_id),
            measure_kind=measure.kind.value if measure is not None else None,
            measure_label=measure.kind.label if measure is not None else "",
            outcome=case.outcome.value if case.outcome is not None else None,
            outcome_label=case.outcome.label if case.outcome is not None else "",
            link=f"/compliance-cases/{case.id}",
        )

    emit(db, f"compliance.{action}", Subject(_project_readable(project), payload))
