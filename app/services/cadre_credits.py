"""Who worked a record (经手人及份额) and the figures that follows from it: a cadre's work by month.

Credit follows the units' rule (LeadCredit, ProjectCredit): explicit shares summing to 100, or, with none
set, a default holding 100%:
- a lead: the cadre of the account that brought it (`Lead.brought_by_id`);
- a project: its lead's people; a project without a lead: the cadre of the account that entered it (its
  `create` stage event).
Shared work counts by its share in every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, and_, cast, exists, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.lead import Lead, LeadStatus
from app.models.people import CREDITED_RECORDS, Cadre, CadreCredit
from app.models.performance import PromotionEvent, Reception, TradeEntry, Trip
from app.models.project import FundsArrival, FundsSource, FundsStatus, ProgressUpdate, Project, StageEvent
from app.models.unit import Unit
from app.principal import Principal
from app.services import metrics
from app.services import projects as project_service

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

PERSON_METRICS = ("valid_leads", "projects_introduced", "contract_investment", "funds_domestic", "foreign_capital")
"""The metrics a unit's target is split on and a cadre's ledger is judged by (app.services.metrics names them)."""

LEDGER_COLUMNS: dict[str, tuple[str, str]] = {
    "leads": ("报送线索", "条"),
    "valid_leads": (metrics.METRICS["valid_leads"].label, "条"),
    "visits": ("项目走访（进度更新）", "次"),
    "projects_introduced": ("签约引进项目", "个"),
    "contract_investment": (metrics.METRICS["contract_investment"].label, "万元"),
    "funds_domestic": ("内资到位资金", "万元"),
    "foreign_capital": ("到位外资", "万美元"),
    "trips": ("外出招商", "次"),
    "receptions": ("接待客商", "批"),
    "events": ("推介活动", "场"),
    "trade": ("外贸进出口", "万美元"),
}
"""The figures of a ledger, in their order: code -> (Chinese name, unit). Shared work counts by its share."""

SHORT_LABELS = {
    "leads": "报送线索",
    "valid_leads": "有效线索",
    "visits": "项目走访",
    "projects_introduced": "签约项目",
    "contract_investment": "合同投资",
    "funds_domestic": "内资到位",
    "foreign_capital": "到位外资",
    "trips": "外出招商",
    "receptions": "接待客商",
    "events": "推介活动",
    "trade": "外贸进出口",
}
"""The figures' names short enough for a phone's stacked table (four characters where it can)."""


# --- credit: who worked a lead or a project --------------------------------------------------


def lead_shares(who: ColumnElement[bool]) -> Any:
    """(lead_id, cadre_id, share %) of the cadres matching `who`: explicit rows, else the bringer's 100%."""
    explicit = (
        select(
            CadreCredit.lead_id.label("lead_id"),
            CadreCredit.cadre_id.label("cadre_id"),
            CadreCredit.share.label("share"),
        )
        .join(Cadre, Cadre.id == CadreCredit.cadre_id)
        .where(CadreCredit.lead_id.is_not(None), who)
    )
    default = (
        select(Lead.id, Cadre.id, literal(100))
        .join(Cadre, Cadre.user_id == Lead.brought_by_id)
        .where(who, ~exists().where(CadreCredit.lead_id == Lead.id))
    )
    return union_all(explicit, default).subquery("lead_share")


def project_shares(who: ColumnElement[bool]) -> Any:
    """(project_id, cadre_id, share %): explicit rows, else the lead's people, else whoever entered it."""
    unset = ~exists().where(CadreCredit.project_id == Project.id)
    explicit = (
        select(
            CadreCredit.project_id.label("project_id"),
            CadreCredit.cadre_id.label("cadre_id"),
            CadreCredit.share.label("share"),
        )
        .join(Cadre, Cadre.id == CadreCredit.cadre_id)
        .where(CadreCredit.project_id.is_not(None), who)
    )
    leads = lead_shares(who)
    via_lead = (
        select(Project.id, leads.c.cadre_id, leads.c.share).join(leads, leads.c.lead_id == Project.lead_id).where(unset)
    )
    entrant = (
        select(Project.id, Cadre.id, literal(100))
        .select_from(Cadre)
        .join(StageEvent, and_(StageEvent.recorded_by_id == Cadre.user_id, StageEvent.action == "create"))
        .join(Project, Project.id == StageEvent.project_id)
        .where(who, Project.lead_id.is_(None), unset)
    )
    return union_all(explicit, via_lead, entrant).subquery("project_share")


def visit_shares(who: ColumnElement[bool]) -> Any:
    """(progress_update_id, cadre_id, share %): explicit rows, else the reporter's 100% (the one who entered
    the visit)."""
    explicit = (
        select(
            CadreCredit.progress_update_id.label("progress_update_id"),
            CadreCredit.cadre_id.label("cadre_id"),
            CadreCredit.share.label("share"),
        )
        .join(Cadre, Cadre.id == CadreCredit.cadre_id)
        .where(CadreCredit.progress_update_id.is_not(None), who)
    )
    default = (
        select(ProgressUpdate.id, Cadre.id, literal(100))
        .join(Cadre, Cadre.user_id == ProgressUpdate.entered_by_id)
        .where(who, ~exists().where(CadreCredit.progress_update_id == ProgressUpdate.id))
    )
    return union_all(explicit, default).subquery("visit_share")


def activity_shares(kind: str, who: ColumnElement[bool]) -> Any:
    """(<kind's column>, cadre_id, share %) of an activity: its rows (an activity has no default of its own:
    the one who recorded it is written as its row, app.services.activities)."""
    column = credit_column(kind)
    return (
        select(column.label(column.key), CadreCredit.cadre_id.label("cadre_id"), CadreCredit.share.label("share"))
        .join(Cadre, Cadre.id == CadreCredit.cadre_id)
        .where(column.is_not(None), who)
        .subquery(f"{kind}_share")
    )


@dataclass
class PersonShare:
    cadre_id: int
    name: str
    unit_id: int
    share: Decimal
    is_default: bool


def credit_column(kind: str) -> Any:
    """The column of `cadre_credit` naming a record of this kind."""
    return getattr(CadreCredit, CREDITED_RECORDS[kind])


def _shares_of(kind: str, who: ColumnElement[bool]) -> Any:
    if kind == "lead":
        return lead_shares(who)
    if kind == "project":
        return project_shares(who)
    if kind == "visit":
        return visit_shares(who)
    return activity_shares(kind, who)


def _people_of(db: Session, kind: str, record_id: int) -> list[PersonShare]:
    """The persons credited with one record and their shares, the largest first."""
    record_column = credit_column(kind)
    shares = _shares_of(kind, true())
    explicit = {row.cadre_id for row in db.execute(select(CadreCredit.cadre_id).where(record_column == record_id))}
    rows = db.execute(
        select(Cadre.id, Cadre.name, Cadre.unit_id, shares.c.share)
        .join(shares, shares.c.cadre_id == Cadre.id)
        .where(getattr(shares.c, record_column.key) == record_id)
        .order_by(shares.c.share.desc(), Cadre.id)
    ).all()
    return [PersonShare(r[0], r[1], r[2], Decimal(r[3]).quantize(CENT), not explicit) for r in rows]


def people_of_records(db: Session, kind: str, record_ids: Sequence[int]) -> dict[int, list[PersonShare]]:
    """{record_id: its persons} of several records of one kind (a list's rows): one statement."""
    result: dict[int, list[PersonShare]] = {record_id: [] for record_id in record_ids}
    if not record_ids:
        return result
    record_column = credit_column(kind)
    shares = _shares_of(kind, true())
    key = getattr(shares.c, record_column.key)
    rows = db.execute(
        select(key, Cadre.id, Cadre.name, Cadre.unit_id, shares.c.share, exists().where(record_column == key))
        .join(shares, shares.c.cadre_id == Cadre.id)
        .where(key.in_(list(record_ids)))
        .order_by(key, shares.c.share.desc(), Cadre.id)
    ).all()
    for record_id, cadre_id, name, unit_id, share, explicit in rows:
        result[record_id].append(PersonShare(cadre_id, name, unit_id, Decimal(share).quantize(CENT), not explicit))
    return result


# --- whose record it is: reading and naming its people ---------------------------------------


RECORD_LABELS = {
    "lead": "线索",
    "project": "项目",
    "visit": "项目走访",
    "trip": "外出招商",
    "reception": "接待客商",
    "event": "推介活动",
    "trade": "外贸进出口",
}
ACTIVITY_MODELS: dict[str, Any] = {"trip": Trip, "reception": Reception, "event": PromotionEvent, "trade": TradeEntry}
"""The activities (app.services.activities) whose people are recorded."""
NO_PEOPLE_SHOWN = "找不到该项目的经手人"


@dataclass
class Record:
    """A record whose people are read or named: its kind and id, the units whose staff may name its people,
    and what it is called on a page."""

    kind: str
    id: int
    owner_units: set[int]
    title: str
    back: str  # the page it belongs to
    defaults: bool  # with no people named, a default holds (a lead, a project, a visit)
    writable: bool  # the principal may name its people


def _lead(db: Session, principal: Principal, lead_id: int) -> Lead:
    lead = db.get(Lead, lead_id)
    if lead is None:
        raise NotFound("找不到该线索")
    policy.ensure_read(principal, lead.unit_id, "找不到该线索")
    project_service.ensure_lead_visible(db, principal, lead.id, "找不到该线索")
    return lead


def _project(db: Session, principal: Principal, project_id: int, write: bool) -> Project:
    """A project whose people are read or named: one who reads the project but not its identity (a
    confidential project's code name) does not see who worked it either (project_service.view decides)."""
    if write:
        return project_service.get_for_write(db, principal, project_id)
    project = project_service.get(db, principal, project_id)
    if not project_service.view(principal, project).visible:
        raise policy.DeniedNotFound(NO_PEOPLE_SHOWN)
    return project


def record_of(db: Session, principal: Principal, kind: str, record_id: int, *, write: bool = False) -> Record:
    """The record, if the principal may read its people (or, `write`, name them): a lead as its unit and the
    lead's rule, a project or a visit as the project, an activity as its unit."""
    if kind == "lead":
        lead = _lead(db, principal, record_id)
        if write:
            policy.ensure_write(principal, lead.unit_id, "找不到该线索")
        name = lead.project_name or "（未填项目名称）"
        writable = policy.can_write_unit_owned(principal, lead.unit_id)
        return Record(kind, lead.id, {lead.unit_id}, f"线索：{name}", f"/leads/{lead.id}", True, writable)
    if kind in ("project", "visit"):
        update = db.get(ProgressUpdate, record_id) if kind == "visit" else None
        if kind == "visit" and update is None:
            raise NotFound("找不到该项目走访记录")
        project = _project(db, principal, update.project_id if update is not None else record_id, write)
        name = project_service.display_name(principal, project)
        title = f"项目走访：{name}（{update.reported_on}）" if update is not None else f"项目：{name}"
        return Record(
            kind,
            update.id if update is not None else project.id,
            project_service.owner_units(project),
            title,
            f"/projects/{project.id}",
            True,
            project_service.can_write(principal, project),
        )
    model = ACTIVITY_MODELS.get(kind)
    if model is None:
        raise NotFound("未知的记录类型")
    row = db.get(model, record_id)
    if row is None:
        raise NotFound("找不到该活动")
    policy.ensure_read(principal, row.unit_id, "找不到该活动")
    if write:
        policy.ensure_write(principal, row.unit_id, "找不到该活动")
    title = f"{RECORD_LABELS[kind]}：{activity_title(kind, row)}"
    writable = policy.can_write_unit_owned(principal, row.unit_id)
    return Record(kind, row.id, {row.unit_id}, title, "/activities", False, writable)


def activity_title(kind: str, row: Any) -> str:
    if kind == "trip":
        return f"{row.started_on} {row.destination}"
    if kind == "reception":
        return f"{row.received_on} {row.visitors}"
    if kind == "event":
        return f"{row.held_on} {row.name}"
    return f"{row.month:%Y-%m} · {row.amount_usd} 万美元"


def record_people(db: Session, principal: Principal, kind: str, record_id: int) -> list[PersonShare]:
    """The persons credited with a record and their shares (a default where none are named)."""
    record = record_of(db, principal, kind, record_id)
    return people_of(db, record)


def people_of(db: Session, record: Record) -> list[PersonShare]:
    """The persons of a record already read (record_of)."""
    return _people_of(db, record.kind, record.id)


def lead_people(db: Session, principal: Principal, lead_id: int) -> list[PersonShare]:
    """The persons credited with a lead (explicit, or its bringer by default)."""
    return record_people(db, principal, "lead", lead_id)


def project_people(db: Session, principal: Principal, project_id: int) -> list[PersonShare]:
    return record_people(db, principal, "project", project_id)


def check_people(
    db: Session,
    principal: Principal,
    owner_units: set[int],
    parts: Sequence[tuple[int, Decimal]],
    field: str = "people",
) -> list[tuple[int, Decimal]]:
    """The persons and shares as named, if they hold: shares summing to 100, each person once, active, of
    the record's units (the coordinator names anyone). A refusal names `field`."""
    if not parts:
        return []
    for _c, share in parts:
        if share <= 0 or share > HUNDRED or share != share.quantize(CENT):
            raise Invalid({field: "份额须大于 0、不超过 100，最多两位小数"})
    if sum((share for _c, share in parts), ZERO) != HUNDRED:
        raise Invalid({field: "各人份额合计须为 100%"})
    ids = [cadre_id for cadre_id, _s in parts]
    if len(set(ids)) != len(ids):
        raise Invalid({field: "同一人只能出现一次"})
    found = {c.id: c for c in db.execute(select(Cadre).where(Cadre.id.in_(ids))).scalars()}
    for cadre_id in ids:
        cadre = found.get(cadre_id)
        if cadre is None or not cadre.is_active:
            raise Invalid({field: f"人员 {cadre_id} 不存在或已停用"})
        if not principal.is_coordinator and cadre.unit_id not in owner_units:
            raise Invalid({field: f"{cadre.name} 不是本单位人员"})
    return list(parts)


def _replace(db: Session, kind: str, record_id: int, parts: Sequence[tuple[int, Decimal]]) -> None:
    column = credit_column(kind)
    for row in db.execute(select(CadreCredit).where(column == record_id)).scalars():
        db.delete(row)
    db.flush()
    db.add_all(CadreCredit(**{column.key: record_id}, cadre_id=c, share=s) for c, s in parts)
    db.flush()


def set_record_people(
    db: Session, principal: Principal, kind: str, record_id: int, parts: Sequence[tuple[int, Decimal]]
) -> list[PersonShare]:
    """Who worked a record, and their shares (summing to 100). The record's units' staff name their units'
    people, the coordinator anyone. A lead, a project or a visit given none goes back to its default (the
    lead's bringer; the project's lead's people or whoever entered it; the visit's reporter); an activity
    needs at least one person. Every change is in the audit trail (cadre_credit rows)."""
    record = record_of(db, principal, kind, record_id, write=True)
    if not parts and not record.defaults:
        raise Invalid({"people": "请至少填写一名经办人员"})
    checked = check_people(db, principal, record.owner_units, parts)
    _replace(db, kind, record.id, checked)
    return _people_of(db, kind, record.id)


def set_lead_people(
    db: Session, principal: Principal, lead_id: int, parts: Sequence[tuple[int, Decimal]]
) -> list[PersonShare]:
    """Who worked a lead, and their shares (summing to 100); none: back to the default (its bringer)."""
    return set_record_people(db, principal, "lead", lead_id, parts)


def set_project_people(
    db: Session, principal: Principal, project_id: int, parts: Sequence[tuple[int, Decimal]]
) -> list[PersonShare]:
    """Who worked a project, and their shares; none: back to the default (its lead's people, or whoever
    entered it)."""
    return set_record_people(db, principal, "project", project_id, parts)


def record_activity_people(
    db: Session,
    principal: Principal,
    kind: str,
    record_id: int,
    unit_id: int,
    parts: Sequence[tuple[int, Decimal]],
) -> list[PersonShare]:
    """The people of an activity just recorded (app.services.activities): those named, or, with none named,
    the person who recorded it (a token names no one by default). A refusal names `cadres`, the field of
    the activity's form and body."""
    checked = check_people(db, principal, {unit_id}, parts, field="cadres")
    if not checked and principal.user_id is not None and principal.token_id is None:
        own = db.execute(select(Cadre.id).where(Cadre.user_id == principal.user_id)).scalar_one_or_none()
        checked = [(own, HUNDRED)] if own is not None else []
    _replace(db, kind, record_id, checked)
    return _people_of(db, kind, record_id)


def options_for(db: Session, record: Record, chosen: Sequence[int] = ()) -> list[tuple[int, str]]:
    """Whom a page offers to name: the active people of the record's units, and whoever is named already;
    "name（unit · title）" by unit."""
    rows = db.execute(
        select(Cadre.id, Cadre.name, Cadre.title, Unit.short_name, Unit.name)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(
            or_(
                and_(Cadre.unit_id.in_(list(record.owner_units)), Cadre.is_active.is_(True)),
                Cadre.id.in_(list(chosen)),
            )
        )
        .order_by(Unit.sort_order, Unit.id, Cadre.sort_order, Cadre.id)
    ).all()
    many = len(record.owner_units) > 1
    return [
        (
            r[0],
            f"{r[1]}（{' · '.join(x for x in ((r[3] or r[4]) if many else '', r[2]) if x)}）"
            if (many or r[2])
            else r[1],
        )
        for r in rows
    ]


# --- figures: a cadre's work by month --------------------------------------------------------


def empty_figures() -> dict[str, Decimal]:
    return dict.fromkeys(LEDGER_COLUMNS, ZERO)


def _month(column: Any) -> Any:
    return func.extract("month", column)


ACTIVITY_FIGURES = {"trip": "trips", "reception": "receptions", "event": "events", "trade": "trade"}
"""Each activity's figure in a ledger: its count by share (a month's trade: its amount by share)."""


def _activity_rows(who: ColumnElement[bool], start: date, end: date) -> Any:
    """(cadre_id, code, day, share %, amount) of every activity of the period credited to the cadres matching
    `who`: the ledger's trips, receptions and events (counted), and a month's trade (its amount)."""
    zero = cast(literal(0), Numeric(16, 2))
    branches = []
    for kind, model in ACTIVITY_MODELS.items():
        day = {"trip": Trip.started_on, "reception": Reception.received_on, "event": PromotionEvent.held_on}.get(
            kind, TradeEntry.month
        )
        column = credit_column(kind)
        branches.append(
            select(
                CadreCredit.cadre_id.label("cadre_id"),
                literal(ACTIVITY_FIGURES[kind]).label("code"),
                day.label("day"),
                CadreCredit.share.label("share"),
                (TradeEntry.amount_usd if kind == "trade" else zero).label("amount"),
            )
            .join(model, model.id == column)
            .join(Cadre, Cadre.id == CadreCredit.cadre_id)
            .where(who, day >= start, day <= end)
        )
    return union_all(*branches).subquery("activity_share")


def monthly_figures(db: Session, who: ColumnElement[bool], year: int) -> dict[tuple[int, int], dict[str, Decimal]]:
    """{(cadre_id, month): {figure: value}} of the cadres matching `who` in a year, by their shares: five
    statements (leads, signed projects, funds confirmed, visits, activities)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    result: dict[tuple[int, int], dict[str, Decimal]] = {}

    def put(cadre_id: int, month: Any, code: str, value: Any) -> None:
        line = result.setdefault((cadre_id, int(month)), empty_figures())
        line[code] += Decimal(value or 0)

    ls = lead_shares(who)
    valid = Lead.status == LeadStatus.valid
    for cadre_id, month, all_shares, valid_shares in db.execute(
        select(ls.c.cadre_id, _month(Lead.lead_date), func.sum(ls.c.share), func.sum(ls.c.share).filter(valid))
        .join(Lead, Lead.id == ls.c.lead_id)
        .where(Lead.lead_date >= start, Lead.lead_date <= end, Lead.duplicate_of_id.is_(None))
        .group_by(ls.c.cadre_id, _month(Lead.lead_date))
    ).all():
        put(cadre_id, month, "leads", Decimal(all_shares or 0) / HUNDRED)
        put(cadre_id, month, "valid_leads", Decimal(valid_shares or 0) / HUNDRED)
    ps = project_shares(who)
    for cadre_id, month, shares, invested in db.execute(
        select(
            ps.c.cadre_id,
            _month(Project.signed_on),
            func.sum(ps.c.share),
            func.sum(ps.c.share * Project.contract_investment),
        )
        .join(Project, Project.id == ps.c.project_id)
        .where(Project.signed_on >= start, Project.signed_on <= end)
        .group_by(ps.c.cadre_id, _month(Project.signed_on))
    ).all():
        put(cadre_id, month, "projects_introduced", Decimal(shares or 0) / HUNDRED)
        put(cadre_id, month, "contract_investment", Decimal(invested or 0) / HUNDRED)
    ps = project_shares(who)
    foreign = FundsArrival.source == FundsSource.foreign
    for cadre_id, month, domestic, usd in db.execute(
        select(
            ps.c.cadre_id,
            _month(FundsArrival.arrived_on),
            func.sum(ps.c.share * FundsArrival.amount).filter(~foreign),
            func.sum(ps.c.share * FundsArrival.amount).filter(foreign),
        )
        .join(FundsArrival, FundsArrival.project_id == ps.c.project_id)
        .where(
            FundsArrival.status == FundsStatus.confirmed,
            FundsArrival.arrived_on >= start,
            FundsArrival.arrived_on <= end,
        )
        .group_by(ps.c.cadre_id, _month(FundsArrival.arrived_on))
    ).all():
        put(cadre_id, month, "funds_domestic", Decimal(domestic or 0) / HUNDRED)
        put(cadre_id, month, "foreign_capital", Decimal(usd or 0) / HUNDRED)
    vs = visit_shares(who)
    for cadre_id, month, shares in db.execute(
        select(vs.c.cadre_id, _month(ProgressUpdate.reported_on), func.sum(vs.c.share))
        .join(ProgressUpdate, ProgressUpdate.id == vs.c.progress_update_id)
        .where(ProgressUpdate.reported_on >= start, ProgressUpdate.reported_on <= end)
        .group_by(vs.c.cadre_id, _month(ProgressUpdate.reported_on))
    ).all():
        put(cadre_id, month, "visits", Decimal(shares or 0) / HUNDRED)
    acts = _activity_rows(who, start, end)
    for cadre_id, code, month, shares, amount in db.execute(
        select(
            acts.c.cadre_id,
            acts.c.code,
            _month(acts.c.day),
            func.sum(acts.c.share),
            func.sum(acts.c.share * acts.c.amount),
        ).group_by(acts.c.cadre_id, acts.c.code, _month(acts.c.day))
    ).all():
        if code == "trade":
            put(cadre_id, month, "trade", Decimal(amount or 0) / HUNDRED)
        else:
            put(cadre_id, month, code, Decimal(shares or 0) / HUNDRED)
    for line in result.values():
        for code, value in line.items():
            line[code] = value.quantize(CENT, rounding=ROUND_HALF_UP)  # SQLite sums in floating point
    return result


def year_figures(db: Session, who: ColumnElement[bool], year: int) -> dict[int, dict[str, Decimal]]:
    """{cadre_id: {figure: the year's value}}."""
    totals: dict[int, dict[str, Decimal]] = {}
    for (cadre_id, _month_no), line in monthly_figures(db, who, year).items():
        total = totals.setdefault(cadre_id, empty_figures())
        for code, value in line.items():
            total[code] += value
    return totals


@dataclass
class ProjectPeople:
    """Who worked a project and each of its visits, as its page shows them."""

    project: list[PersonShare]
    visits: dict[int, list[PersonShare]]


def project_page_people(db: Session, principal: Principal, project: Project) -> ProjectPeople | None:
    """The people of a project the principal reads, and of its visits; None for one who does not see the
    project's identity (project_service.view decides): who worked a confidential project is part of it.
    Three statements, however many visits."""
    if not project_service.view(principal, project).visible:
        return None
    visit_ids = list(db.execute(select(ProgressUpdate.id).where(ProgressUpdate.project_id == project.id)).scalars())
    return ProjectPeople(
        people_of_records(db, "project", [project.id])[project.id], people_of_records(db, "visit", visit_ids)
    )
