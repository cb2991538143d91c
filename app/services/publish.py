"""What the county publishes to investors (对外发布): the coordinator keeps the profile, the published
projects and the published sites; the public pages (app/services/invest.py) read only these tables.

Rules:
- only the coordinator keeps them (every other principal is refused);
- a published project is made from a project at stage 策划包装 that is not confidential, one per project;
  its starting values are the project's non-confidential fields (`project_prefill`): the name, the sector,
  the chain, the planned investment, the land, the responsible unit's name and phone. Never the investor,
  the introducer, notes or anything else of the project;
- a project that is (or has become) confidential cannot be published; a published one whose project is made
  confidential is withdrawn in the same flush (`_withdraw_confidential`), so the public pages need not read
  the project;
- a published site is made from a land plot or a building of the inventory, one per plot or building;
- each is a draft until published; withdrawn, it leaves the public pages again (404); any edit of a
  published item shows at once (the preview is the way to see it before);
- every edit and state change checks the version (409 when stale) and is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.land import Building, LandPlot
from app.models.project import Project, Stage
from app.models.publish import PublicProfile, PublicProject, PublicSite, PublishState, SiteKind
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.publish import (
    ProfileSave,
    PublicProjectCreate,
    PublicProjectUpdate,
    PublicSiteCreate,
    PublicSiteUpdate,
    StateChange,
)
from app.services.common import apply_changes, check_version

PROFILE_ID = 1


def can_keep(principal: Principal) -> bool:
    return principal.is_coordinator


def _ensure(principal: Principal) -> None:
    policy.ensure_coordinator(principal)


def _set_state(row: Any, change: StateChange) -> None:
    if change.action == "publish":
        row.state = PublishState.published
        row.published_at = utcnow()
    else:
        if row.state is not PublishState.published:
            raise Invalid({"action": "尚未发布，无需撤下"})
        row.state = PublishState.withdrawn


@event.listens_for(Session, "before_flush")
def _withdraw_confidential(session: Session, _context: Any, _instances: Any) -> None:
    """A project made confidential takes its published entry off the public pages (withdrawn, audited)."""
    ids = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Project)
        and obj.id is not None
        and obj.is_confidential
        and inspect(obj).attrs.is_confidential.history.has_changes()
    ]
    if not ids:
        return
    with session.no_autoflush:
        rows = session.execute(
            select(PublicProject).where(
                PublicProject.project_id.in_(ids), PublicProject.state == PublishState.published
            )
        ).scalars()
        for row in rows:
            row.state = PublishState.withdrawn


# --- the profile -----------------------------------------------------------------------------------


def profile(db: Session, principal: Principal) -> PublicProfile | None:
    _ensure(principal)
    return db.get(PublicProfile, PROFILE_ID)


def save_profile(db: Session, principal: Principal, data: ProfileSave) -> PublicProfile:
    _ensure(principal)
    row = db.get(PublicProfile, PROFILE_ID)
    values = data.model_dump(exclude={"version"})
    if row is None:
        if data.version != 0:
            raise NotFound("尚未填写投资环境介绍")
        row = PublicProfile(id=PROFILE_ID, **values)
        db.add(row)
    else:
        check_version(db, row, data.version)
        apply_changes(row, values)
    db.flush()
    return row


def change_profile_state(db: Session, principal: Principal, change: StateChange) -> PublicProfile:
    _ensure(principal)
    row = db.get(PublicProfile, PROFILE_ID)
    if row is None:
        raise NotFound("尚未填写投资环境介绍")
    check_version(db, row, change.version)
    if change.action == "publish" and not row.intro_zh:
        raise Invalid({"intro_zh": "发布前请填写县情简介（中文）"})
    _set_state(row, change)
    db.flush()
    return row


# --- published projects ----------------------------------------------------------------------------


def get_project(db: Session, principal: Principal, row_id: int) -> PublicProject:
    _ensure(principal)
    row = db.get(PublicProject, row_id)
    if row is None:
        raise NotFound("找不到该发布项目")
    return row


def list_projects(db: Session, principal: Principal, *, limit: int, offset: int) -> tuple[list[PublicProject], int]:
    _ensure(principal)
    total = db.execute(select(func.count()).select_from(PublicProject)).scalar_one()
    rows = db.execute(
        select(PublicProject).order_by(PublicProject.sort_order, PublicProject.id).limit(limit).offset(offset)
    ).scalars()
    return list(rows), total


def _source_project(db: Session, project_id: int) -> Project:
    project = db.get(Project, project_id)
    if project is None:
        raise Invalid({"project_id": "找不到该项目"})
    if project.is_confidential:
        raise Invalid({"project_id": "保密项目不能对外发布"})
    if project.stage is not Stage.packaged:
        raise Invalid({"project_id": "只有策划包装阶段的项目可以对外发布"})
    return project


def publishable_projects(db: Session, principal: Principal) -> list[tuple[int, str]]:
    """The 策划包装 projects not confidential and not yet made into a published project (the picker)."""
    _ensure(principal)
    taken = select(PublicProject.project_id)
    rows = db.execute(
        select(Project.id, Project.name)
        .where(Project.stage == Stage.packaged, Project.is_confidential.is_(False), Project.id.not_in(taken))
        .order_by(Project.id.desc())
        .limit(500)
    ).all()
    return [(r.id, r.name) for r in rows]


def project_prefill(db: Session, principal: Principal, project_id: int) -> dict[str, Any]:
    """The published project's starting values: only the project's non-confidential fields."""
    _ensure(principal)
    project = _source_project(db, project_id)
    unit = db.get(Unit, project.responsible_unit_id)
    return {
        "project_id": project.id,
        "title_zh": project.name,
        "sector": project.sector,
        "chain_zh": project.industry_chain or project.industry,
        "investment_wan": project.planned_investment,
        "land_mu": project.land_area_mu,
        "contact_zh": unit.name if unit else "",
        "contact_phone": unit.phone if unit else "",
    }


def create_project(db: Session, principal: Principal, data: PublicProjectCreate) -> PublicProject:
    _ensure(principal)
    _source_project(db, data.project_id)
    if db.execute(select(PublicProject.id).where(PublicProject.project_id == data.project_id)).first():
        raise Invalid({"project_id": "该项目已有对外发布的条目"})
    row = PublicProject(**data.model_dump())
    db.add(row)
    db.flush()
    return row


def update_project(db: Session, principal: Principal, row_id: int, data: PublicProjectUpdate) -> PublicProject:
    row = get_project(db, principal, row_id)
    check_version(db, row, data.version)
    apply_changes(row, data.model_dump(exclude={"version"}))
    db.flush()
    return row


def change_project_state(db: Session, principal: Principal, row_id: int, change: StateChange) -> PublicProject:
    row = get_project(db, principal, row_id)
    check_version(db, row, change.version)
    if change.action == "publish":
        project = db.get(Project, row.project_id)
        if project is None or project.is_confidential:
            raise Invalid({"action": "保密项目不能对外发布"})
    _set_state(row, change)
    db.flush()
    return row


# --- published sites -------------------------------------------------------------------------------


def get_site(db: Session, principal: Principal, row_id: int) -> PublicSite:
    _ensure(principal)
    row = db.get(PublicSite, row_id)
    if row is None:
        raise NotFound("找不到该发布载体")
    return row


def list_sites(db: Session, principal: Principal, *, limit: int, offset: int) -> tuple[list[PublicSite], int]:
    _ensure(principal)
    total = db.execute(select(func.count()).select_from(PublicSite)).scalar_one()
    rows = db.execute(
        select(PublicSite).order_by(PublicSite.sort_order, PublicSite.id).limit(limit).offset(offset)
    ).scalars()
    return list(rows), total


def site_options(db: Session, principal: Principal) -> dict[str, list[tuple[int, str]]]:
    """Plots and buildings not yet published (the picker)."""
    _ensure(principal)
    plots = db.execute(
        select(LandPlot.id, LandPlot.code, LandPlot.name)
        .where(LandPlot.id.not_in(select(PublicSite.plot_id).where(PublicSite.plot_id.is_not(None))))
        .order_by(LandPlot.code)
        .limit(500)
    ).all()
    buildings = db.execute(
        select(Building.id, Building.code, Building.name)
        .where(Building.id.not_in(select(PublicSite.building_id).where(PublicSite.building_id.is_not(None))))
        .order_by(Building.code)
        .limit(500)
    ).all()
    return {
        "plots": [(r.id, f"{r.code} {r.name}") for r in plots],
        "buildings": [(r.id, f"{r.code} {r.name}") for r in buildings],
    }


def site_prefill(db: Session, principal: Principal, *, plot_id: int | None, building_id: int | None) -> dict[str, Any]:
    """A published site's starting values from its plot or building (its public facts only: no note, no
    taker, no managing unit)."""
    _ensure(principal)
    source: LandPlot | Building | None
    if plot_id is not None:
        source = db.get(LandPlot, plot_id)
        field = "plot_id"
    else:
        source = db.get(Building, building_id) if building_id is not None else None
        field = "building_id"
    if source is None:
        raise Invalid({field: "找不到该载体"})
    park = db.get(Unit, source.park_unit_id)
    price = ""
    if source.price is not None:
        price = f"{source.price.normalize():f} {source.price_unit.label}"
    if isinstance(source, LandPlot):
        return {
            "kind": SiteKind.plot,
            "plot_id": source.id,
            "building_id": None,
            "name_zh": source.name,
            "park_zh": park.name if park else "",
            "area": source.area_mu,
            "use_zh": source.land_use.label,
            "price_zh": price,
        }
    return {
        "kind": SiteKind.building,
        "plot_id": None,
        "building_id": source.id,
        "name_zh": source.name,
        "park_zh": park.name if park else "",
        "area": source.floor_area_m2,
        "use_zh": source.kind.label,
        "price_zh": price,
    }


def create_site(db: Session, principal: Principal, data: PublicSiteCreate) -> PublicSite:
    _ensure(principal)
    if data.plot_id is not None:
        if db.get(LandPlot, data.plot_id) is None:
            raise Invalid({"plot_id": "找不到该地块"})
        if db.execute(select(PublicSite.id).where(PublicSite.plot_id == data.plot_id)).first():
            raise Invalid({"plot_id": "该地块已有对外发布的条目"})
        kind = SiteKind.plot
    else:
        if data.building_id is None or db.get(Building, data.building_id) is None:
            raise Invalid({"building_id": "找不到该厂房楼宇"})
        if db.execute(select(PublicSite.id).where(PublicSite.building_id == data.building_id)).first():
            raise Invalid({"building_id": "该厂房楼宇已有对外发布的条目"})
        kind = SiteKind.building
    row = PublicSite(kind=kind, **data.model_dump())
    db.add(row)
    db.flush()
    return row


def update_site(db: Session, principal: Principal, row_id: int, data: PublicSiteUpdate) -> PublicSite:
    row = get_site(db, principal, row_id)
    check_version(db, row, data.version)
    apply_changes(row, data.model_dump(exclude={"version"}))
    db.flush()
    return row


def change_site_state(db: Session, principal: Principal, row_id: int, change: StateChange) -> PublicSite:
    row = get_site(db, principal, row_id)
    check_version(db, row, change.version)
    _set_state(row, change)
    db.flush()
    return row
