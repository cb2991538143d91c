"""Sections and people (人): a unit's sections, its cadres (干部) and the unit's targets split to them
(目标分解). Who worked a record is in app.services.cadre_credits; a cadre's ledger (干部招商台账) in
app.services.ledgers.

Who may do what:
- the coordinator reads and manages every unit's sections and people; leaders, the supervision office and
  readers read them all;
- a unit's head (the account named the unit's head, `Unit.head_user_id`) reads the whole unit's people and
  manages its sections, people and splits; a unit's token reads its unit's people (it acts for the unit)
  but manages nothing;
- any other staff member reads only their own ledger.

Split rule: a unit's target for a metric and year (as `performance.targets_for_year` resolves it: the unit's
own, else its kind's, else its tier's) may be split to its sections and to its cadres; the sections' splits
together may not exceed it, nor the cadres' together (a cadre in a section counts in both views, so the two
are bounded apart). A unit without a target on a metric has nothing to split. When the coordinator later
lowers the unit's target below its splits, the people page marks the splits as over (`over_split`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.people import Cadre, Section, TargetSplit
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.people import CadreCreate, CadreUpdate, SectionCreate, SectionUpdate
from app.services import metrics, performance
from app.services.cadre_credits import CENT, PERSON_METRICS, ZERO, empty_figures, year_figures
from app.services.common import apply_changes, check_version

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


def unit_of(db: Session, unit_id: int) -> Unit:
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
    unit_of(db, unit_id)
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
    unit_of(db, unit_id)
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
    targets = split_amounts(db, year, TargetSplit.cadre_id.in_(ids), TargetSplit.cadre_id) if ids else {}
    return PeoplePage(
        rows=[(c, figures.get(c.id, empty_figures()), targets.get(c.id, {})) for c in cadres],
        total=total,
    )


# --- targets split to sections and people ----------------------------------------------------


def unit_target(db: Session, unit_id: int, year: int, metric: str) -> Decimal | None:
    return performance.targets_for_year(db, year, [unit_id]).get((metric, unit_id))


def split_amounts(db: Session, year: int, condition: Any, key: Any) -> dict[int, dict[str, Decimal]]:
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
        raise Invalid({"amount": f"{kind_label}分解合计不能超过单位目标 {plain(target)}，本项最多还可分 {plain(room)}"})
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


def plain(value: Decimal) -> str:
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
    return split_amounts(
        db, year, and_(TargetSplit.unit_id == unit_id, TargetSplit.section_id.is_not(None)), TargetSplit.section_id
    )


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
