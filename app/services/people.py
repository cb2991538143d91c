"""Sections and people (人): a unit's sections, its cadres (干部), the unit's targets split to them (目标分解),
the persons credited with leads and projects, and each cadre's ledger (干部招商台账).

Who may do what:
- the coordinator reads and manages every unit's sections and people; leaders, the supervision office and
  readers read them all;
- a unit's head (the account named the unit's head, `Unit.head_user_id`) reads the whole unit's people and
  manages its sections, people and splits; a unit's token reads its unit's people (it acts for the unit)
  but manages nothing;
- any other staff member reads only their own ledger.

Credit (who worked a record) follows the units' rule (LeadCredit, ProjectCredit): explicit shares summing
to 100, or, with none set, a default holding 100%:
- a lead: the cadre of the account that brought it (`Lead.brought_by_id`);
- a project: its lead's people; a project without a lead: the cadre of the account that entered it (its
  `create` stage event).

Split rule: a unit's target for a metric and year (as `performance.targets_for_year` resolves it: the unit's
own, else its kind's, else its tier's) may be split to its sections and to its cadres; the sections' splits
together may not exceed it, nor the cadres' together (a cadre in a section counts in both views, so the two
are bounded apart). A unit without a target on a metric has nothing to split. When the coordinator later
lowers the unit's target below its splits, the people page marks the splits as over (`over_split`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.lead import Lead, LeadStatus
from app.models.people import Cadre, CadreCredit, Section, TargetSplit
from app.models.project import FundsArrival, FundsSource, FundsStatus, ProgressUpdate, Project, StageEvent
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.people import CadreCreate, CadreUpdate, SectionCreate, SectionUpdate
from app.services import metrics, performance
from app.services import projects as project_service
from app.services.common import apply_changes, check_version

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
}
"""The figures of a ledger, in their order: code -> (Chinese name, unit). Shared work counts by its share."""

SECTION_NOT_FOUND = "找不到该科室"
CADRE_NOT_FOUND = "找不到该人员"


# --- who may ----------------------------------------------------------------------------------


def is_unit_head(db: Session, principal: Principal, unit_id: int) -> bool:
    """The signed-in head of the unit (a person, never a token)."""
    if principal.user_id is None or principal.token_id is not None or principal.unit_id != unit_id:
        return False
    head = db.execute(select(Unit.head_user_id).where(Unit.id == unit_id)).scalar_one_or_none()
    return head is not None and head == principal.user_id


def can_read_unit_people(db: Session, principal: Principal, unit_id: int) -> bool:
    if principal.reads_everything:
        return True
    if principal.unit_id != unit_id:
        return False
    return principal.user_id is None or is_unit_head(db, principal, unit_id)  # the unit's token, or its head


def ensure_read_unit_people(db: Session, principal: Principal, unit_id: int) -> None:
    """Another unit's people are not disclosed (404); a staff member of the unit sees only their own (403)."""
    if can_read_unit_people(db, principal, unit_id):
        return
    if principal.unit_id != unit_id:
        raise policy.DeniedNotFound("找不到该单位的人员名单")
    raise policy.DeniedForbidden("仅本单位负责人可查看全单位人员")


def can_manage(db: Session, principal: Principal, unit_id: int) -> bool:
    if principal.is_coordinator:
        return True
    return principal.can_write and principal.role is Role.unit_staff and is_unit_head(db, principal, unit_id)


def ensure_manage(db: Session, principal: Principal, unit_id: int) -> None:
    ensure_read_unit_people(db, principal, unit_id)
    if not can_manage(db, principal, unit_id):
        raise policy.DeniedForbidden("仅本单位负责人或招商局可管理科室、人员与目标分解")


def can_read_cadre(db: Session, principal: Principal, cadre: Cadre) -> bool:
    if cadre.user_id is not None and cadre.user_id == principal.user_id:
        return True
    return can_read_unit_people(db, principal, cadre.unit_id)


def _unit(db: Session, unit_id: int) -> Unit:
    unit = db.get(Unit, unit_id)
    if unit is None:
        raise NotFound("找不到该单位")
    return unit


# --- sections --------------------------------------------------------------------------------


def sections(db: Session, unit_id: int, *, active_only: bool = False) -> list[Section]:
    stmt = select(Section).where(Section.unit_id == unit_id)
    if active_only:
        stmt = stmt.where(Section.is_active.is_(True))
    return list(db.execute(stmt.order_by(Section.sort_order, Section.id)).scalars())


def get_section(db: Session, principal: Principal, section_id: int) -> Section:
    section = db.get(Section, section_id)
    if section is None:
        raise NotFound(SECTION_NOT_FOUND)
    if not can_read_unit_people(db, principal, section.unit_id):
        raise policy.DeniedNotFound(SECTION_NOT_FOUND)
    return section


def _check_section_name(db: Session, unit_id: int, name: str, own_id: int | None = None) -> None:
    stmt = select(Section.id).where(Section.unit_id == unit_id, Section.name == name)
    if own_id is not None:
        stmt = stmt.where(Section.id != own_id)
    if db.execute(stmt).first():
        raise Invalid({"name": "本单位已有同名科室"})


def create_section(db: Session, principal: Principal, unit_id: int, data: SectionCreate) -> Section:
    """A new section (科室, 所, 站, 社区 or 分队) of a unit: its head or the coordinator."""
    _unit(db, unit_id)
    ensure_manage(db, principal, unit_id)
    _check_section_name(db, unit_id, data.name)
    section = Section(unit_id=unit_id, name=data.name, kind=data.kind, sort_order=data.sort_order)
    db.add(section)
    db.flush()
    return section


def update_section(db: Session, principal: Principal, section_id: int, data: SectionUpdate) -> Section:
    """Rename, reorder or stop a section; a stopped section keeps its people until they are reassigned."""
    section = get_section(db, principal, section_id)
    ensure_manage(db, principal, section.unit_id)
    check_version(db, section, data.version)
    _check_section_name(db, section.unit_id, data.name, section.id)
    apply_changes(section, data.model_dump(exclude={"version"}))
    db.flush()
    return section


# --- cadres ----------------------------------------------------------------------------------


def get_cadre(db: Session, principal: Principal, cadre_id: int) -> Cadre:
    cadre = db.get(Cadre, cadre_id)
    if cadre is None or not can_read_cadre(db, principal, cadre):
        raise policy.DeniedNotFound(CADRE_NOT_FOUND) if cadre is not None else NotFound(CADRE_NOT_FOUND)
    return cadre


def _check_section_of(db: Session, unit_id: int, section_id: int | None) -> None:
    if section_id is None:
        return
    section = db.get(Section, section_id)
    if section is None or section.unit_id != unit_id or not section.is_active:
        raise Invalid({"section_id": "请选择本单位在用的科室"})


def create_cadre(db: Session, principal: Principal, unit_id: int, data: CadreCreate) -> Cadre:
    """A person of the unit: a named official without an account, or an account of the unit not yet listed."""
    _unit(db, unit_id)
    ensure_manage(db, principal, unit_id)
    _check_section_of(db, unit_id, data.section_id)
    if data.user_id is not None:
        user = db.get(User, data.user_id)
        if user is None or user.unit_id != unit_id:
            raise Invalid({"user_id": "请选择本单位的账号"})
        if db.execute(select(Cadre.id).where(Cadre.user_id == data.user_id)).first():
            raise Invalid({"user_id": "该账号已在人员名单中"})
    cadre = Cadre(unit_id=unit_id, **data.model_dump())
    db.add(cadre)
    db.flush()
    return cadre


def update_cadre(db: Session, principal: Principal, cadre_id: int, data: CadreUpdate) -> Cadre:
    """Edit a person, assign them to a section (staff assignment) or stop them."""
    cadre = get_cadre(db, principal, cadre_id)
    ensure_manage(db, principal, cadre.unit_id)
    check_version(db, cadre, data.version)
    _check_section_of(db, cadre.unit_id, data.section_id)
    apply_changes(cadre, data.model_dump(exclude={"version"}))
    db.flush()
    return cadre


def cadre_of_user(db: Session, user: User) -> Cadre:
    """The cadre an account is; made when missing (every account is one: the migration made them, and
    `sync_user` keeps them as accounts are created and edited)."""
    cadre = db.execute(select(Cadre).where(Cadre.user_id == user.id)).scalar_one_or_none()
    if cadre is None:
        cadre = Cadre(unit_id=user.unit_id, user_id=user.id, name=user.display_name, is_active=user.is_active)
        db.add(cadre)
        db.flush()
    return cadre


def sync_user(db: Session, user: User) -> None:
    """After an account is created or edited: its cadre has its name and activity, and moves with it to
    another unit (leaving its section there)."""
    cadre = cadre_of_user(db, user)
    values: dict[str, Any] = {"name": user.display_name, "is_active": user.is_active}
    if cadre.unit_id != user.unit_id:
        values |= {"unit_id": user.unit_id, "section_id": None}
    apply_changes(cadre, values)
    db.flush()


@dataclass
class PeoplePage:
    rows: list[tuple[Cadre, dict[str, Decimal], dict[str, Decimal]]]  # cadre, year's figures, split targets
    total: int


def list_cadres(
    db: Session,
    principal: Principal,
    year: int,
    *,
    unit_id: int | None = None,
    section_id: int | None = None,
    q: str = "",
    active_only: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> PeoplePage:
    """A page of cadres (a unit's, or everyone's for those who read every unit), each with the year's
    figures and the targets split to them: five statements, whatever the page's size."""
    if unit_id is not None:
        ensure_read_unit_people(db, principal, unit_id)
    elif not principal.reads_everything:
        raise policy.DeniedForbidden("仅招商局、县级领导和督查室可查看全部人员")
    conditions: list[Any] = []
    if unit_id is not None:
        conditions.append(Cadre.unit_id == unit_id)
    if section_id is not None:
        conditions.append(Cadre.section_id == section_id)
    if q:
        conditions.append(or_(Cadre.name.icontains(q, autoescape=True), Cadre.title.icontains(q, autoescape=True)))
    if active_only:
        conditions.append(Cadre.is_active.is_(True))
    total = db.execute(select(func.count()).select_from(Cadre).where(*conditions)).scalar_one()
    cadres = list(
        db.execute(
            select(Cadre)
            .where(*conditions)
            .order_by(Cadre.unit_id, Cadre.sort_order, Cadre.id)
            .limit(limit)
            .offset(offset)
        ).scalars()
    )
    ids = [c.id for c in cadres]
    figures = year_figures(db, Cadre.id.in_(ids), year) if ids else {}
    targets = _split_amounts(db, year, TargetSplit.cadre_id.in_(ids), TargetSplit.cadre_id) if ids else {}
    return PeoplePage(
        rows=[(c, figures.get(c.id, _empty()), targets.get(c.id, {})) for c in cadres],
        total=total,
    )


# --- targets split to sections and people ----------------------------------------------------


def unit_target(db: Session, unit_id: int, year: int, metric: str) -> Decimal | None:
    return performance.targets_for_year(db, year, [unit_id]).get((metric, unit_id))


def _split_amounts(db: Session, year: int, condition: Any, key: Any) -> dict[int, dict[str, Decimal]]:
    result: dict[int, dict[str, Decimal]] = {}
    for holder, metric, amount in db.execute(
        select(key, TargetSplit.metric, TargetSplit.amount).where(TargetSplit.year == year, condition)
    ).all():
        result.setdefault(holder, {})[metric] = amount
    return result


def split_target(
    db: Session,
    principal: Principal,
    *,
    year: int,
    metric: str,
    amount: Decimal,
    section_id: int | None = None,
    cadre_id: int | None = None,
    unit_id: int | None = None,
) -> TargetSplit | None:
    """Give a section or a cadre its share of the unit's annual target on a metric (0 removes it). The
    sections' shares together, and the cadres' together, may not exceed the unit's target. `unit_id`,
    when given (a unit's page), is the unit the section or cadre must belong to."""
    if (section_id is None) == (cadre_id is None):
        raise Invalid({"section_id": "目标须分解到一个科室或一名干部（二选一）"})
    if metric not in PERSON_METRICS:
        raise Invalid({"metric": "该指标不能分解到科室和个人"})
    if not performance.FIRST_TARGET_YEAR <= year <= performance.LAST_TARGET_YEAR:
        raise Invalid({"year": "年度应在 2000–2100 之间"})
    if amount < 0 or amount >= performance.MAX_TARGET or amount != amount.quantize(CENT):
        raise Invalid({"amount": "目标不能为负，最多两位小数"})
    holder = split_holder(db, principal, section_id, cadre_id)
    column: Any = TargetSplit.section_id if section_id is not None else TargetSplit.cadre_id
    kind_label = "各科室" if section_id is not None else "各人员"
    if unit_id is not None and holder.unit_id != unit_id:  # a unit's page names its own sections and people
        raise Invalid({"section_id" if section_id is not None else "cadre_id": "请选择本单位的科室或人员"})
    unit_id = holder.unit_id
    ensure_manage(db, principal, unit_id)
    if not holder.is_active and amount:
        raise Invalid({"section_id" if section_id is not None else "cadre_id": "已停用，不能分配目标"})
    row = db.execute(
        select(TargetSplit).where(TargetSplit.year == year, TargetSplit.metric == metric, column == holder.id)
    ).scalar_one_or_none()
    if not amount:
        if row is not None:
            db.delete(row)
            db.flush()
        return None
    target = unit_target(db, unit_id, year, metric)
    if target is None:
        raise Invalid({"metric": f"本单位 {year} 年尚无“{metrics.METRICS[metric].label}”目标，不能分解"})
    others = db.execute(
        select(func.coalesce(func.sum(TargetSplit.amount), 0)).where(
            TargetSplit.unit_id == unit_id,
            TargetSplit.year == year,
            TargetSplit.metric == metric,
            column.is_not(None),
            column != holder.id,
        )
    ).scalar_one()
    if Decimal(others) + amount > target:
        room = max(target - Decimal(others), ZERO)
        raise Invalid(
            {"amount": f"{kind_label}分解合计不能超过单位目标 {_plain(target)}，本项最多还可分 {_plain(room)}"}
        )
    if row is None:
        row = TargetSplit(year=year, metric=metric, unit_id=unit_id, amount=amount)
        setattr(row, "section_id" if section_id is not None else "cadre_id", holder.id)
        db.add(row)
    else:
        row.amount = amount
    db.flush()
    return row


def split_holder(db: Session, principal: Principal, section_id: int | None, cadre_id: int | None) -> Section | Cadre:
    """The section or the cadre a split is for, if the principal may see it."""
    if section_id is not None:
        return get_section(db, principal, section_id)
    if cadre_id is None:
        raise Invalid({"section_id": "目标须分解到一个科室或一名干部（二选一）"})
    return get_cadre(db, principal, cadre_id)


def list_splits(db: Session, principal: Principal, unit_id: int, year: int) -> list[TargetSplit]:
    """A unit's splits of a year: its sections' first, then its cadres', each by metric."""
    ensure_read_unit_people(db, principal, unit_id)
    return list(
        db.execute(
            select(TargetSplit)
            .where(TargetSplit.unit_id == unit_id, TargetSplit.year == year)
            .order_by(TargetSplit.section_id.is_(None), TargetSplit.metric, TargetSplit.id)
        ).scalars()
    )


def _plain(value: Decimal) -> str:
    text = format(value.quantize(CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class SplitLine:
    """One metric of the unit's target and how it is split."""

    metric: str
    label: str
    unit: str
    target: Decimal | None
    to_sections: Decimal
    to_people: Decimal

    @property
    def over_split(self) -> bool:
        return self.target is not None and (self.to_sections > self.target or self.to_people > self.target)


def split_summary(db: Session, unit_id: int, year: int) -> list[SplitLine]:
    targets = performance.targets_for_year(db, year, [unit_id])
    sums = {
        (metric, is_section): Decimal(total)
        for metric, is_section, total in db.execute(
            select(TargetSplit.metric, TargetSplit.section_id.is_not(None), func.sum(TargetSplit.amount))
            .where(TargetSplit.unit_id == unit_id, TargetSplit.year == year)
            .group_by(TargetSplit.metric, TargetSplit.section_id.is_not(None))
        ).all()
    }
    return [
        SplitLine(
            metric=code,
            label=metrics.METRICS[code].label,
            unit=metrics.METRICS[code].unit,
            target=targets.get((code, unit_id)),
            to_sections=sums.get((code, True), ZERO),
            to_people=sums.get((code, False), ZERO),
        )
        for code in PERSON_METRICS
    ]


def section_splits(db: Session, unit_id: int, year: int) -> dict[int, dict[str, Decimal]]:
    return _split_amounts(
        db, year, and_(TargetSplit.unit_id == unit_id, TargetSplit.section_id.is_not(None)), TargetSplit.section_id
    )


# --- credit: who worked a lead or a project --------------------------------------------------


def _lead_shares(who: ColumnElement[bool]) -> Any:
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


def _project_shares(who: ColumnElement[bool]) -> Any:
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
    leads = _lead_shares(who)
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


@dataclass
class PersonShare:
    cadre_id: int
    name: str
    unit_id: int
    share: Decimal
    is_default: bool


def _people_of(db: Session, shares: Any, record_column: Any, record_id: int) -> list[PersonShare]:
    explicit = {row.cadre_id for row in db.execute(select(CadreCredit.cadre_id).where(record_column == record_id))}
    rows = db.execute(
        select(Cadre.id, Cadre.name, Cadre.unit_id, shares.c.share)
        .join(shares, shares.c.cadre_id == Cadre.id)
        .where(getattr(shares.c, record_column.key) == record_id)
        .order_by(shares.c.share.desc(), Cadre.id)
    ).all()
    return [PersonShare(r[0], r[1], r[2], Decimal(r[3]).quantize(CENT), not explicit) for r in rows]


def lead_people(db: Session, principal: Principal, lead_id: int) -> list[PersonShare]:
    """The persons credited with a lead (explicit, or its bringer by default)."""
    lead = _lead(db, principal, lead_id)
    return _people_of(db, _lead_shares(true()), CadreCredit.lead_id, lead.id)


def project_people(db: Session, principal: Principal, project_id: int) -> list[PersonShare]:
    project = project_service.get(db, principal, project_id)
    return _people_of(db, _project_shares(true()), CadreCredit.project_id, project.id)


def _lead(db: Session, principal: Principal, lead_id: int) -> Lead:
    lead = db.get(Lead, lead_id)
    if lead is None:
        raise NotFound("找不到该线索")
    policy.ensure_read(principal, lead.unit_id, "找不到该线索")
    project_service.ensure_lead_visible(db, principal, lead.id, "找不到该线索")
    return lead


def _set_people(
    db: Session, principal: Principal, owner_units: set[int], parts: Sequence[tuple[int, Decimal]]
) -> list[tuple[int, Decimal]]:
    if not parts:
        return []
    if sum((share for _c, share in parts), ZERO) != HUNDRED:
        raise Invalid({"people": "各人份额合计须为 100%"})
    ids = [cadre_id for cadre_id, _s in parts]
    if len(set(ids)) != len(ids):
        raise Invalid({"people": "同一人只能出现一次"})
    for _c, share in parts:
        if share <= 0 or share > HUNDRED or share != share.quantize(CENT):
            raise Invalid({"people": "份额须大于 0、不超过 100，最多两位小数"})
    found = {c.id: c for c in db.execute(select(Cadre).where(Cadre.id.in_(ids))).scalars()}
    for cadre_id in ids:
        cadre = found.get(cadre_id)
        if cadre is None or not cadre.is_active:
            raise Invalid({"people": f"人员 {cadre_id} 不存在或已停用"})
        if not principal.is_coordinator and cadre.unit_id not in owner_units:
            raise Invalid({"people": f"{cadre.name} 不是本单位人员"})
    return list(parts)


def set_lead_people(
    db: Session, principal: Principal, lead_id: int, parts: Sequence[tuple[int, Decimal]]
) -> list[PersonShare]:
    """Who worked a lead, and their shares (summing to 100); none: back to the default (its bringer).
    The lead's unit's staff name their unit's people; the coordinator anyone."""
    lead = _lead(db, principal, lead_id)
    policy.ensure_write(principal, lead.unit_id, "找不到该线索")
    checked = _set_people(db, principal, {lead.unit_id}, parts)
    for row in db.execute(select(CadreCredit).where(CadreCredit.lead_id == lead.id)).scalars():
        db.delete(row)
    db.flush()
    db.add_all(CadreCredit(lead_id=lead.id, cadre_id=c, share=s) for c, s in checked)
    db.flush()
    return _people_of(db, _lead_shares(true()), CadreCredit.lead_id, lead.id)


def set_project_people(
    db: Session, principal: Principal, project_id: int, parts: Sequence[tuple[int, Decimal]]
) -> list[PersonShare]:
    """Who worked a project, and their shares; none: back to the default (its lead's people, or whoever
    entered it). The project's units' staff name their units' people; the coordinator anyone."""
    project = project_service.get_for_write(db, principal, project_id)
    checked = _set_people(db, principal, project_service.owner_units(project), parts)
    for row in db.execute(select(CadreCredit).where(CadreCredit.project_id == project.id)).scalars():
        db.delete(row)
    db.flush()
    db.add_all(CadreCredit(project_id=project.id, cadre_id=c, share=s) for c, s in checked)
    db.flush()
    return _people_of(db, _project_shares(true()), CadreCredit.project_id, project.id)


# --- figures: a cadre's work by month --------------------------------------------------------


def _empty() -> dict[str, Decimal]:
    return dict.fromkeys(LEDGER_COLUMNS, ZERO)


def _month(column: Any) -> Any:
    return func.extract("month", column)


def monthly_figures(db: Session, who: ColumnElement[bool], year: int) -> dict[tuple[int, int], dict[str, Decimal]]:
    """{(cadre_id, month): {figure: value}} of the cadres matching `who` in a year, by their shares: four
    statements (leads, signed projects, funds confirmed, visits)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    result: dict[tuple[int, int], dict[str, Decimal]] = {}

    def put(cadre_id: int, month: Any, code: str, value: Any) -> None:
        line = result.setdefault((cadre_id, int(month)), _empty())
        line[code] += Decimal(value or 0)

    ls = _lead_shares(who)
    valid = Lead.status == LeadStatus.valid
    for cadre_id, month, all_shares, valid_shares in db.execute(
        select(ls.c.cadre_id, _month(Lead.lead_date), func.sum(ls.c.share), func.sum(ls.c.share).filter(valid))
        .join(Lead, Lead.id == ls.c.lead_id)
        .where(Lead.lead_date >= start, Lead.lead_date <= end, Lead.duplicate_of_id.is_(None))
        .group_by(ls.c.cadre_id, _month(Lead.lead_date))
    ).all():
        put(cadre_id, month, "leads", Decimal(all_shares or 0) / HUNDRED)
        put(cadre_id, month, "valid_leads", Decimal(valid_shares or 0) / HUNDRED)
    ps = _project_shares(who)
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
    ps = _project_shares(who)
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
    for cadre_id, month, count in db.execute(
        select(Cadre.id, _month(ProgressUpdate.reported_on), func.count())
        .join(ProgressUpdate, ProgressUpdate.entered_by_id == Cadre.user_id)
        .where(who, ProgressUpdate.reported_on >= start, ProgressUpdate.reported_on <= end)
        .group_by(Cadre.id, _month(ProgressUpdate.reported_on))
    ).all():
        put(cadre_id, month, "visits", count)
    for line in result.values():
        for code, value in line.items():
            line[code] = value.quantize(CENT, rounding=ROUND_HALF_UP)  # SQLite sums in floating point
    return result


def year_figures(db: Session, who: ColumnElement[bool], year: int) -> dict[int, dict[str, Decimal]]:
    """{cadre_id: {figure: the year's value}}."""
    totals: dict[int, dict[str, Decimal]] = {}
    for (cadre_id, _month_no), line in monthly_figures(db, who, year).items():
        total = totals.setdefault(cadre_id, _empty())
        for code, value in line.items():
            total[code] += value
    return totals


# --- the ledger (干部招商台账) ----------------------------------------------------------------


@dataclass
class Ledger:
    cadre: Cadre
    unit: Unit
    section: Section | None
    year: int
    months: list[tuple[int, dict[str, Decimal]]]  # 1..12
    total: dict[str, Decimal]
    targets: dict[str, Decimal]  # metric -> the cadre's split target
    completion: dict[str, Decimal | None] = field(default_factory=dict)  # metric -> % of target


def ledger(db: Session, principal: Principal, cadre_id: int, year: int) -> Ledger:
    """A cadre's year month by month against the targets split to them."""
    cadre = get_cadre(db, principal, cadre_id)
    unit = _unit(db, cadre.unit_id)
    section = db.get(Section, cadre.section_id) if cadre.section_id is not None else None
    by_month = monthly_figures(db, Cadre.id == cadre.id, year)
    months = [(m, by_month.get((cadre.id, m), _empty())) for m in range(1, 13)]
    total = _empty()
    for _m, line in months:
        for code, value in line.items():
            total[code] += value
    targets = _split_amounts(db, year, TargetSplit.cadre_id == cadre.id, TargetSplit.cadre_id).get(cadre.id, {})
    completion = {code: performance.pct(total[code], amount) for code, amount in targets.items()}
    return Ledger(cadre, unit, section, year, months, total, targets, completion)


@dataclass
class LedgerLead:
    id: int
    lead_date: date
    name: str
    status: LeadStatus
    share: Decimal


def ledger_leads(
    db: Session, principal: Principal, cadre: Cadre, year: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[LedgerLead], int]:
    """The leads of a year credited to a cadre, newest first, a page at a time (one lead of a project whose
    identity the reader may not see is named as such)."""
    ls = _lead_shares(Cadre.id == cadre.id)
    conditions = [Lead.lead_date >= date(year, 1, 1), Lead.lead_date <= date(year, 12, 31)]
    total = db.execute(
        select(func.count()).select_from(ls).join(Lead, Lead.id == ls.c.lead_id).where(*conditions)
    ).scalar_one()
    rows = db.execute(
        select(
            Lead.id, Lead.lead_date, Lead.project_name, Lead.status, ls.c.share, project_service.lead_visible(principal)
        )
        .join(ls, ls.c.lead_id == Lead.id)
        .where(*conditions)
        .order_by(Lead.lead_date.desc(), Lead.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        LedgerLead(r[0], r[1], (r[2] or "（未填项目名称）") if r[5] else "（保密项目的线索）", r[3], Decimal(r[4]))
        for r in rows
    ], total


def ledger_projects(
    db: Session, principal: Principal, cadre: Cadre, *, limit: int = 20, offset: int = 0
) -> tuple[list[tuple[Any, str, Decimal]], int]:
    """Every project credited to a cadre (project, name as the reader may see it, share), the latest signed
    first, a page at a time."""
    ps = _project_shares(Cadre.id == cadre.id)
    total = db.execute(select(func.count()).select_from(ps)).scalar_one()
    rows = db.execute(
        select(Project, ps.c.share)
        .join(ps, ps.c.project_id == Project.id)
        .order_by(Project.signed_on.desc().nulls_last(), Project.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(p, project_service.display_name(principal, p), Decimal(share)) for p, share in rows], total


def ledger_rows(book: Ledger) -> list[list[Any]]:
    """The ledger as a table (the XLSX's rows): a line per month, the year, the target, the completion."""
    codes = list(LEDGER_COLUMNS)
    rows: list[list[Any]] = [[f"{m}月", *(line[c] for c in codes)] for m, line in book.months]
    rows.append(["全年合计", *(book.total[c] for c in codes)])
    rows.append(["分解目标", *(book.targets.get(c, "") for c in codes)])
    rows.append(
        [
            "完成目标（%）",
            *(performance.shown(book.completion[c]) if book.completion.get(c) is not None else "" for c in codes),
        ]
    )
    return rows


def ledger_headers() -> list[str]:
    return ["月份", *(f"{label}（{unit}）" for label, unit in LEDGER_COLUMNS.values())]


def section_figures(db: Session, unit_id: int, year: int) -> dict[int, dict[str, Decimal]]:
    """{section_id: the year's figures of its present members} of a unit's sections."""
    members = dict(
        db.execute(select(Cadre.id, Cadre.section_id).where(Cadre.unit_id == unit_id, Cadre.section_id.is_not(None)))
        .tuples()
        .all()
    )
    result: dict[int, dict[str, Decimal]] = {}
    if not members:
        return result
    for cadre_id, figures in year_figures(db, Cadre.id.in_(list(members)), year).items():
        total = result.setdefault(members[cadre_id] or 0, _empty())
        for code, value in figures.items():
            total[code] += value
    return result


def cadre_options(db: Session, unit_id: int) -> list[tuple[int, str]]:
    """The unit's active cadres for a picker: (id, "name（title）")."""
    return [
        (cadre_id, f"{name}（{title}）" if title else name)
        for cadre_id, name, title in db.execute(
            select(Cadre.id, Cadre.name, Cadre.title)
            .where(Cadre.unit_id == unit_id, Cadre.is_active.is_(True))
            .order_by(Cadre.sort_order, Cadre.id)
        )
        .tuples()
        .all()
    ]


def unit_names(db: Session, unit_ids: set[int]) -> dict[int, str]:
    if not unit_ids:
        return {}
    return dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all())
