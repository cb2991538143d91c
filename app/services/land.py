"""Land and buildings for investors (载体资源): the inventory of plots and buildings in the parks, their
photos, the status line of a plot, matching a project's land need to available plots, a plot or building
taken by a project and released back with a reason, the reports of idle and unsupplied land by park and
unit, and the land quota won (用地指标).

Who: everyone signed in reads the inventory (it is what the county offers investors); the coordinator and
the staff of the plot's park or managing unit change it. The project that took a plot is named only to
those who may read that project, through the projects' one masking rule (`projects.view`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.land import (
    Building,
    BuildingStatus,
    CarrierPhoto,
    LandPlot,
    LandQuota,
    LandUse,
    PlotStatus,
)
from app.models.project import Category, Project
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.schemas.agreements import ConditionIn
from app.schemas.land import (
    BuildingCreate,
    BuildingUpdate,
    MatchNeed,
    PlotCreate,
    PlotUpdate,
    QuotaCreate,
    QuotaUpdate,
    Release,
    StatusChange,
    Take,
)
from app.services import agreements, audit, projects, workdays
from app.services.common import apply_changes, check_version
from app.services.files import StoredFile

Carrier = LandPlot | Building
KINDS: dict[str, type[LandPlot] | type[Building]] = {"plots": LandPlot, "buildings": Building}
NOUN = {"plots": "地块", "buildings": "楼宇"}

# a plot's moves along its status line that need no project (taking and releasing are their own)
PLOT_MOVES: dict[PlotStatus, frozenset[PlotStatus]] = {
    PlotStatus.planned: frozenset({PlotStatus.approved, PlotStatus.available}),
    PlotStatus.approved: frozenset({PlotStatus.planned, PlotStatus.available}),
    PlotStatus.available: frozenset({PlotStatus.planned, PlotStatus.approved}),
    PlotStatus.supplied_unused: frozenset({PlotStatus.in_use, PlotStatus.idle}),
    PlotStatus.idle: frozenset({PlotStatus.in_use, PlotStatus.supplied_unused}),
    PlotStatus.in_use: frozenset({PlotStatus.idle}),
}
PLOT_TAKEABLE = frozenset({PlotStatus.available, PlotStatus.approved})
PLOT_TAKEN = frozenset({PlotStatus.supplied_unused, PlotStatus.idle, PlotStatus.in_use})
BUILDING_MOVES: dict[BuildingStatus, frozenset[BuildingStatus]] = {
    BuildingStatus.planned: frozenset({BuildingStatus.available}),
    BuildingStatus.available: frozenset({BuildingStatus.planned}),
    BuildingStatus.in_use: frozenset(),
}
OTHER_UNITS_PROJECT = "其他单位的项目"
PARK_KINDS = (UnitKind.zone,)


def model_of(kind: str) -> type[LandPlot] | type[Building]:
    if kind not in KINDS:
        raise NotFound("找不到该页面")
    return KINDS[kind]


def status_enum(kind: str) -> type[PlotStatus] | type[BuildingStatus]:
    return PlotStatus if kind == "plots" else BuildingStatus


def status_label(kind: str, value: str) -> str:
    return status_enum(kind)(value).label


# --- who may do what ---------------------------------------------------------------------------


def can_write(principal: Principal, row: Any) -> bool:
    """The coordinator, or the staff of the park or of the managing unit."""
    return policy.can_write_unit_owned(principal, row.park_unit_id) or policy.can_write_unit_owned(
        principal, row.unit_id
    )


def _ensure_write(principal: Principal, row: Any) -> None:
    if not can_write(principal, row):
        raise policy.DeniedForbidden("只有招商局、所在园区和管理单位可以修改")


def get(db: Session, kind: str, row_id: int) -> Any:
    model = model_of(kind)
    row = db.get(model, row_id)
    if row is None:
        raise NotFound(f"找不到该{NOUN[kind]}")
    return row


def get_for_write(db: Session, principal: Principal, kind: str, row_id: int) -> Any:
    row = get(db, kind, row_id)
    _ensure_write(principal, row)
    return row


def may_create(principal: Principal) -> bool:
    return principal.can_write and (principal.is_coordinator or principal.role.value == "unit_staff")


def taker_name(principal: Principal, project: Any) -> str | None:
    """How the project that took a plot or building is named to this principal: masked by the projects'
    one rule for a confidential project, and unnamed for one who may not read the project at all."""
    if project is None or project.id is None:
        return None
    if not projects.can_read(principal, project):
        return OTHER_UNITS_PROJECT
    return projects.display_name(principal, project)


# --- creating and editing -------------------------------------------------------------------------


def _check_refs(db: Session, principal: Principal, park_unit_id: int, unit_id: int | None) -> int:
    """The park must be a unit of kind zone; the managing unit (default: the park) must exist. Unit staff
    create only in their own park or as the managing unit. Answers the managing unit's id."""
    park = db.get(Unit, park_unit_id)
    if park is None or park.kind not in PARK_KINDS:
        raise Invalid({"park_unit_id": "请选择园区（开发区）"})
    managing = park_unit_id if unit_id is None else unit_id
    if unit_id is not None and db.get(Unit, unit_id) is None:
        raise Invalid({"unit_id": "找不到该单位"})
    if not principal.is_coordinator and principal.unit_id not in (park_unit_id, managing):
        raise policy.DeniedForbidden("只能登记本单位所在园区或本单位管理的载体")
    return managing


def _unique_code(db: Session, model: Any, code: str, own_id: int | None = None) -> None:
    found = db.execute(select(model.id).where(model.code == code)).scalar_one_or_none()
    if found is not None and found != own_id:
        raise Invalid({"code": "编号已被使用"})


def create(db: Session, principal: Principal, kind: str, data: PlotCreate | BuildingCreate) -> Any:
    if not may_create(principal):
        raise policy.DeniedForbidden()
    model = model_of(kind)
    if (kind == "plots") != isinstance(data, PlotCreate):
        raise Invalid({"__all__": "内容与类别不符"})
    managing = _check_refs(db, principal, data.park_unit_id, data.unit_id)
    _unique_code(db, model, data.code)
    row = model(**{**data.model_dump(), "unit_id": managing})
    db.add(row)
    db.flush()
    return row


def update(db: Session, principal: Principal, kind: str, row_id: int, data: PlotUpdate | BuildingUpdate) -> Any:
    row = get_for_write(db, principal, kind, row_id)
    check_version(db, row, data.version)
    managing = _check_refs(db, principal, data.park_unit_id, data.unit_id)
    _unique_code(db, type(row), data.code, row.id)
    apply_changes(row, {**data.model_dump(exclude={"version"}), "unit_id": managing})
    db.flush()
    return row


def change_status(db: Session, principal: Principal, kind: str, row_id: int, data: StatusChange) -> Any:
    """A move along the status line that needs no project (规划 → 批而未供 → 可供; 供而未用 ↔ 闲置 ↔ 在用)."""
    row = get_for_write(db, principal, kind, row_id)
    check_version(db, row, data.version)
    enum_class = status_enum(kind)
    try:
        target = enum_class(data.status)
    except ValueError:
        raise Invalid({"status": "请选择有效的状态"}) from None
    moves: Any = PLOT_MOVES if kind == "plots" else BUILDING_MOVES
    if target not in moves[row.status]:
        allowed = "、".join(s.label for s in enum_class if s in moves[row.status]) or "无（只能收回）"
        raise Invalid({"status": f"“{row.status.label}”只能改为：{allowed}"})
    with audit.reason(db, data.reason):
        row.status = target
        db.flush()
    return row


def take(db: Session, principal: Principal, kind: str, row_id: int, data: Take) -> Any:
    """A project takes an available plot (it becomes 供而未用) or building (已入驻)."""
    row = get_for_write(db, principal, kind, row_id)
    check_version(db, row, data.version)
    try:
        project = projects.get(db, principal, data.project_id)
    except NotFound:
        raise Invalid({"project_id": "找不到该项目"}) from None
    takeable = PLOT_TAKEABLE if kind == "plots" else {BuildingStatus.available}
    if row.status not in takeable or row.project_id is not None:
        raise Invalid({"project_id": f"该{NOUN[kind]}当前为“{row.status.label}”，不能供给项目"})
    taken_on = data.taken_on or workdays.today()
    if taken_on > workdays.today():
        raise Invalid({"taken_on": "不能晚于今天"})
    row.project_id = project.id
    row.taken_on = taken_on
    row.status = PlotStatus.supplied_unused if kind == "plots" else BuildingStatus.in_use
    db.flush()
    return row


def set_condition(db: Session, principal: Principal, plot_id: int, data: ConditionIn) -> LandPlot:
    """The plot's (preferential) land price tied to a commitment of its taker's agreement, or untied; by
    whoever manages the plot."""
    row = get_for_write(db, principal, "plots", plot_id)
    project = db.get(Project, row.project_id) if row.project_id is not None else None
    if project is None:
        raise Invalid({"commitment_id": "地块尚未供给项目，无承诺事项可关联"})
    if one_row(db, principal, "plots", plot_id).project_id is None:  # the taker is not this reader's to see
        raise Invalid({"commitment_id": "无权查看取得该地块的项目，不能关联其承诺事项"})
    agreements.set_condition(db, row, project, data)
    return cast(LandPlot, row)


def condition_of(db: Session, principal: Principal, plot: LandPlot) -> Any:
    """The commitment the plot's land price is conditional on, as it stands today, or None."""
    if plot.commitment_id is None or plot.project_id is None:
        return None
    project = db.get(Project, plot.project_id)
    assert project is not None
    return agreements.commitments_of(db, principal, project).get(plot.commitment_id)


def release(db: Session, principal: Principal, kind: str, row_id: int, data: Release) -> Any:
    """Back to available (收回): the project is cleared and the reason kept in the audit trail."""
    row = get_for_write(db, principal, kind, row_id)
    check_version(db, row, data.version)
    taken = PLOT_TAKEN if kind == "plots" else {BuildingStatus.in_use}
    if row.status not in taken:
        raise Invalid({"reason": f"该{NOUN[kind]}当前为“{row.status.label}”，无须收回"})
    with audit.reason(db, data.reason):
        row.project_id = None
        row.taken_on = None
        if kind == "plots":
            row.commitment_id = None  # its land price's condition went with the project
        row.status = PlotStatus.available if kind == "plots" else BuildingStatus.available
        db.flush()
    return row


# --- photos --------------------------------------------------------------------------------------


def add_photos(
    db: Session, principal: Principal, kind: str, row_id: int, files: Sequence[StoredFile], names: Sequence[str] = ()
) -> list[CarrierPhoto]:
    row = get_for_write(db, principal, kind, row_id)
    if not files:
        raise Invalid({"photos": "请选择照片"})
    owner = {"plot_id": row.id} if kind == "plots" else {"building_id": row.id}
    padded = list(names) + [""] * (len(files) - len(names))
    photos = [
        CarrierPhoto(
            **owner,
            kind=f.kind,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            storage_key=f.storage_key,
            width=f.width,
            height=f.height,
            original_name=name[:200],
            uploaded_by_id=principal.user_id,
            uploaded_at=utcnow(),
        )
        for f, name in zip(files, padded, strict=False)
    ]
    db.add_all(photos)
    db.flush()
    return photos


def photos_of(db: Session, kind: str, row_id: int) -> list[CarrierPhoto]:
    column = CarrierPhoto.plot_id if kind == "plots" else CarrierPhoto.building_id
    return list(db.execute(select(CarrierPhoto).where(column == row_id).order_by(CarrierPhoto.id)).scalars())


def get_photo(db: Session, photo_id: int) -> CarrierPhoto:
    photo = db.get(CarrierPhoto, photo_id)
    if photo is None:
        raise NotFound("找不到该照片")
    return photo


# --- lists ---------------------------------------------------------------------------------------


@dataclass
class CarrierFilter:
    status: str = ""
    park_unit_id: int | None = None
    unit_id: int | None = None
    land_use: str = ""
    building_kind: str = ""
    q: str = ""


def _taker_columns() -> tuple[Any, ...]:
    return (
        Project.id.label("p_id"),
        Project.name.label("p_name"),
        Project.code_name.label("p_code_name"),
        Project.is_confidential.label("p_is_confidential"),
        Project.responsible_unit_id.label("p_responsible_unit_id"),
        Project.introducing_unit_id.label("p_introducing_unit_id"),
    )


@dataclass
class _Taker:
    id: int | None
    name: str
    code_name: str
    is_confidential: bool
    responsible_unit_id: int
    introducing_unit_id: int


def _rows_stmt(model: Any) -> Select[Any]:
    park, managing = aliased(Unit), aliased(Unit)
    return (
        select(model, park.name, managing.name, *_taker_columns())
        .join(park, park.id == model.park_unit_id)
        .join(managing, managing.id == model.unit_id)
        .outerjoin(Project, Project.id == model.project_id)
    )


def _conditions(kind: str, f: CarrierFilter) -> list[ColumnElement[bool]]:
    model = model_of(kind)
    where: list[ColumnElement[bool]] = []
    if f.status:
        try:
            where.append(model.status == status_enum(kind)(f.status))
        except ValueError:
            raise Invalid({"status": "请选择有效的状态"}) from None
    if f.park_unit_id:
        where.append(model.park_unit_id == f.park_unit_id)
    if f.unit_id:
        where.append(model.unit_id == f.unit_id)
    if kind == "plots" and f.land_use:
        try:
            where.append(LandPlot.land_use == LandUse(f.land_use))
        except ValueError:
            raise Invalid({"land_use": "请选择有效的用途"}) from None
    if kind == "buildings" and f.building_kind:
        if f.building_kind not in ("factory", "office"):
            raise Invalid({"building_kind": "请选择有效的类别"})
        where.append(Building.kind == f.building_kind)
    if f.q:
        where.append(or_(model.code.contains(f.q, autoescape=True), model.name.contains(f.q, autoescape=True)))
    return where


@dataclass
class Row:
    item: Any
    park_name: str
    unit_name: str
    project_name: str | None
    project_id: int | None  # None also when the principal may not read the project


def _row(principal: Principal, r: Any) -> Row:
    taker = _Taker(*r[3:9]) if r[3] is not None else None
    name = taker_name(principal, taker)
    readable = taker is not None and name != OTHER_UNITS_PROJECT
    return Row(r[0], r[1], r[2], name, taker.id if readable and taker else None)


def list_rows(
    db: Session, principal: Principal, kind: str, f: CarrierFilter, *, limit: int = 20, offset: int = 0
) -> tuple[list[Row], int, Decimal]:
    """A page of plots or buildings, the total count and the total area (亩 or ㎡) of the filter."""
    model = model_of(kind)
    where = _conditions(kind, f)
    rows = db.execute(
        _rows_stmt(model).where(*where).order_by(model.park_unit_id, model.code).limit(limit).offset(offset)
    )
    area = LandPlot.area_mu if kind == "plots" else Building.floor_area_m2
    total, area_sum = db.execute(select(func.count(), func.coalesce(func.sum(area), 0)).where(*where)).one()
    return [_row(principal, r) for r in rows], int(total), Decimal(area_sum)


def one_row(db: Session, principal: Principal, kind: str, row_id: int) -> Row:
    model = model_of(kind)
    found = db.execute(_rows_stmt(model).where(model.id == row_id)).first()
    if found is None:
        raise NotFound(f"找不到该{NOUN[kind]}")
    return _row(principal, found)


def parks(db: Session) -> list[tuple[int, str]]:
    return [
        (r.id, r.name)
        for r in db.execute(
            select(Unit.id, Unit.name)
            .where(Unit.kind.in_(PARK_KINDS), Unit.is_active.is_(True))
            .order_by(Unit.sort_order, Unit.id)
        )
    ]


def unit_options(db: Session) -> list[tuple[int, str]]:
    return [
        (r.id, r.name)
        for r in db.execute(
            select(Unit.id, Unit.name).where(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id)
        )
    ]


# --- matching ------------------------------------------------------------------------------------

USE_OF_CATEGORY = {Category.industrial: LandUse.industrial, Category.commerce_services: LandUse.commercial}


@dataclass
class Match:
    row: Row
    score: int
    reasons: list[str] = field(default_factory=list)


def need_of(db: Session, principal: Principal, project_id: int, sent: MatchNeed | None = None) -> MatchNeed:
    """A project's land need: what was sent, else its land area, its park (载体) and the use of its category."""
    project = projects.get(db, principal, project_id)
    sent = sent or MatchNeed()
    given = sent.model_fields_set
    return MatchNeed(
        area_mu=sent.area_mu if "area_mu" in given else project.land_area_mu,
        park_unit_id=sent.park_unit_id if "park_unit_id" in given else project.zone_unit_id,
        land_use=sent.land_use if "land_use" in given else USE_OF_CATEGORY.get(project.category),
    )


def match(db: Session, principal: Principal, project_id: int, need: MatchNeed, limit: int = 20) -> list[Match]:
    """Available plots ranked for a need: the same park, the same use and enough area each count one;
    among equals the plot closest in area (the smallest that suffices) first."""
    projects.get(db, principal, project_id)
    same_park = LandPlot.park_unit_id == need.park_unit_id if need.park_unit_id else literal(False)
    same_use = LandPlot.land_use == need.land_use if need.land_use else literal(False)
    enough = LandPlot.area_mu >= need.area_mu if need.area_mu else literal(True)
    score = case((same_park, 1), else_=0) + case((same_use, 1), else_=0) + case((enough, 1), else_=0)
    gap = func.abs(LandPlot.area_mu - need.area_mu) if need.area_mu else literal(0)
    stmt = (
        _rows_stmt(LandPlot)
        .add_columns(score.label("score"))
        .where(LandPlot.status == PlotStatus.available)
        .order_by(score.desc(), gap, LandPlot.id)
        .limit(limit)
    )
    found = []
    for r in db.execute(stmt):
        plot = r[0]
        reasons = []
        if need.park_unit_id and plot.park_unit_id == need.park_unit_id:
            reasons.append("同一园区")
        if need.land_use and plot.land_use is need.land_use:
            reasons.append("用途相符")
        if need.area_mu:
            diff = plot.area_mu - need.area_mu
            reasons.append(
                "面积正好"
                if diff == 0
                else f"面积满足（多 {diff:f} 亩）"
                if diff > 0
                else f"面积不足（差 {-diff:f} 亩）"
            )
        found.append(Match(_row(principal, r), int(r[-1]), reasons))
    return found


# --- reports: idle and unsupplied land -----------------------------------------------------------

REPORT_STATUSES = (PlotStatus.approved, PlotStatus.supplied_unused, PlotStatus.idle, PlotStatus.available)


@dataclass
class ReportRow:
    unit_id: int
    name: str
    figures: dict[str, tuple[int, Decimal]]  # status -> (plots, 亩)


def land_report(
    db: Session, by: str, *, limit: int = 20, offset: int = 0
) -> tuple[list[ReportRow], int, dict[str, tuple[int, Decimal]]]:
    """Plots and 亩 of unsupplied (批而未供), supplied but unused (供而未用), idle (闲置) and available land,
    by park or by managing unit: a page of groups, their count, and the county's totals."""
    if by not in ("park", "unit"):
        raise Invalid({"by": "请选择按园区或按单位"})
    group = LandPlot.park_unit_id if by == "park" else LandPlot.unit_id
    columns: list[Any] = []
    for status in REPORT_STATUSES:
        hit = LandPlot.status == status
        columns += [func.count().filter(hit), func.coalesce(func.sum(LandPlot.area_mu).filter(hit), 0)]
    concerned = LandPlot.status.in_(REPORT_STATUSES)
    grouped = select(group.label("g"), *columns).where(concerned).group_by(group).subquery()
    rows = db.execute(
        select(Unit.id, Unit.name, *list(grouped.c)[1:])
        .join(grouped, grouped.c.g == Unit.id)
        .order_by(Unit.sort_order, Unit.id)
        .limit(limit)
        .offset(offset)
    ).all()
    count = db.execute(select(func.count(func.distinct(group))).where(concerned)).scalar_one()
    totals_row = db.execute(select(*columns).where(concerned)).one()

    def figures(values: Sequence[Any]) -> dict[str, tuple[int, Decimal]]:
        return {
            s.value: (int(values[2 * i] or 0), Decimal(values[2 * i + 1] or 0)) for i, s in enumerate(REPORT_STATUSES)
        }

    return [ReportRow(r[0], r[1], figures(r[2:])) for r in rows], int(count), figures(totals_row)


def report_headers(by: str) -> list[str]:
    first = "园区" if by == "park" else "管理单位"
    return [
        first,
        *(f"{s.label}（宗）" for s in REPORT_STATUSES for _ in (0,)),
        *(f"{s.label}（亩）" for s in REPORT_STATUSES),
    ]


def report_cells(row: ReportRow) -> list[Any]:
    return [
        row.name,
        *(row.figures[s.value][0] for s in REPORT_STATUSES),
        *(row.figures[s.value][1] for s in REPORT_STATUSES),
    ]


# --- land quota ----------------------------------------------------------------------------------


def _quota_unit(db: Session, principal: Principal, unit_id: int) -> None:
    if db.get(Unit, unit_id) is None:
        raise Invalid({"unit_id": "找不到该单位"})
    if not policy.can_write_unit_owned(principal, unit_id):
        raise policy.DeniedForbidden("只能登记本单位争取的用地指标")


def add_quota(db: Session, principal: Principal, data: QuotaCreate) -> LandQuota:
    if not principal.can_write:
        raise policy.DeniedForbidden()
    _quota_unit(db, principal, data.unit_id)
    row = LandQuota(**data.model_dump())
    db.add(row)
    db.flush()
    return row


def get_quota(db: Session, quota_id: int) -> LandQuota:
    row = db.get(LandQuota, quota_id)
    if row is None:
        raise NotFound("找不到该用地指标")
    return row


def update_quota(db: Session, principal: Principal, quota_id: int, data: QuotaUpdate) -> LandQuota:
    row = get_quota(db, quota_id)
    if not policy.can_write_unit_owned(principal, row.unit_id):
        raise policy.DeniedForbidden()
    check_version(db, row, data.version)
    _quota_unit(db, principal, data.unit_id)
    apply_changes(row, data.model_dump(exclude={"version"}))
    db.flush()
    return row


def list_quotas(
    db: Session, *, year: int | None = None, unit_id: int | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[tuple[LandQuota, str]], int, Decimal]:
    where = []
    if year:
        where.append(LandQuota.year == year)
    if unit_id:
        where.append(LandQuota.unit_id == unit_id)
    rows = db.execute(
        select(LandQuota, Unit.name)
        .join(Unit, Unit.id == LandQuota.unit_id)
        .where(*where)
        .order_by(LandQuota.year.desc(), LandQuota.won_on.desc(), LandQuota.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total, area = db.execute(select(func.count(), func.coalesce(func.sum(LandQuota.area_mu), 0)).where(*where)).one()
    return [(r[0], r[1]) for r in rows], int(total), Decimal(area)


def today() -> date:
    return workdays.today()
