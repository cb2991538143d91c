"""Projects on an industry chain's links and investors who bring investors (以商招商): a project attached to a
link (its `industry_chain` text then holds the chain's name), the chain's projects and its 以商招商 rows (which
local firm brought which project), and an investor's introducer. The rules are in app.services.chains."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Conflict, Invalid, NotFound
from app.models.base import utcnow
from app.models.chain import ChainLink, ChainLinkFirm, ChainLinkProject, IndustryChain, InvestorIntroduction
from app.models.investor import Investor
from app.models.project import Project, Stage
from app.principal import Principal
from app.schemas.chains import IntroducerSet, ProjectLinkSet
from app.services import investors, projects
from app.services.chains import (
    HIDDEN,
    IN_COUNTY,
    OTHER_UNITS_PROJECT,
    firm_options,
    get,
    investor_shown,
    links_of,
    live,
    tree_order,
)
from app.services.common import apply_changes, check_version

# --- projects on the links -------------------------------------------------------------------------


def _project_name(principal: Principal, p: Any) -> tuple[int | None, str, str]:
    """(id, name, investor name) of a project row as the principal may see them."""
    if not projects.can_read(principal, p):
        return None, OTHER_UNITS_PROJECT, HIDDEN
    shown = projects.view(principal, p)
    return p.id, shown.name, shown.reveal(p.investor_name)


def _project_columns() -> tuple[Any, ...]:
    return (
        Project.id,
        Project.name,
        Project.code_name,
        Project.is_confidential,
        Project.responsible_unit_id,
        Project.introducing_unit_id,
        Project.stage,
        Project.funds_confirmed,
        Investor.name.label("investor_name"),
    )


@dataclass
class ProjectRow:
    project_id: int | None
    name: str
    investor_name: str
    link_id: int
    link_name: str
    stage: Stage
    funds_confirmed: Decimal


def _chain_projects_stmt(chain_id: int, link_id: int | None) -> tuple[Select[Any], list[ColumnElement[bool]]]:
    where = [ChainLink.chain_id == chain_id, live()]
    if link_id is not None:
        where.append(ChainLink.id == link_id)
    stmt = (
        select(*_project_columns(), ChainLink.id.label("link_id"), ChainLink.name.label("link_name"))
        .select_from(ChainLinkProject)
        .join(Project, Project.id == ChainLinkProject.project_id)
        .join(Investor, Investor.id == Project.investor_id)
        .join(ChainLink, ChainLink.id == ChainLinkProject.link_id)
        .where(*where)
    )
    return stmt, where


def chain_projects(
    db: Session, principal: Principal, chain_id: int, *, link_id: int | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[ProjectRow], int]:
    """The projects on the chain's links (not terminated), furthest stage first."""
    get(db, chain_id)
    stmt, where = _chain_projects_stmt(chain_id, link_id)
    order = case({s.value: -s.order for s in Stage}, value=Project.stage)
    rows = db.execute(stmt.order_by(order, Project.id).limit(limit).offset(offset)).all()
    total = db.execute(
        select(func.count())
        .select_from(ChainLinkProject)
        .join(Project, Project.id == ChainLinkProject.project_id)
        .join(ChainLink, ChainLink.id == ChainLinkProject.link_id)
        .where(*where)
    ).scalar_one()
    out = []
    for r in rows:
        pid, name, investor_name = _project_name(principal, r)
        out.append(ProjectRow(pid, name, investor_name, r.link_id, r.link_name, Stage(r.stage), r.funds_confirmed))
    return out, int(total)


@dataclass
class ReferralRow:
    introducer_id: int | None
    introducer_name: str
    investor_id: int | None
    investor_name: str
    project_id: int | None
    project_name: str
    link_id: int
    link_name: str
    stage: Stage


def referrals(
    db: Session, principal: Principal, chain_id: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[ReferralRow], int]:
    """以商招商 on the chain: the chain's projects whose investor was introduced by a firm in the county."""
    get(db, chain_id)
    stmt, where = _chain_projects_stmt(chain_id, None)
    introducer = aliased(Investor)
    stmt = (
        stmt.add_columns(
            Project.investor_id.label("investor_id"),
            introducer.id.label("introducer_id"),
            introducer.name.label("introducer_name"),
            investor_shown(principal, introducer.id).label("introducer_shown"),
        )
        .join(InvestorIntroduction, InvestorIntroduction.investor_id == Project.investor_id)
        .join(introducer, introducer.id == InvestorIntroduction.introducer_id)
    )
    rows = db.execute(stmt.order_by(introducer.name, Project.id).limit(limit).offset(offset)).all()
    total = db.execute(
        select(func.count())
        .select_from(ChainLinkProject)
        .join(Project, Project.id == ChainLinkProject.project_id)
        .join(ChainLink, ChainLink.id == ChainLinkProject.link_id)
        .join(InvestorIntroduction, InvestorIntroduction.investor_id == Project.investor_id)
        .where(*where)
    ).scalar_one()
    out = []
    for r in rows:
        pid, name, investor_name = _project_name(principal, r)
        visible = pid is not None and investor_name != HIDDEN
        out.append(
            ReferralRow(
                introducer_id=r.introducer_id if r.introducer_shown else None,
                introducer_name=r.introducer_name if r.introducer_shown else HIDDEN,
                investor_id=r.investor_id if visible else None,
                investor_name=investor_name,
                project_id=pid,
                project_name=name,
                link_id=r.link_id,
                link_name=r.link_name,
                stage=Stage(r.stage),
            )
        )
    return out, int(total)


# --- a project's link ------------------------------------------------------------------------------


@dataclass
class ProjectLink:
    project: Project
    link: ChainLink | None
    chain: IndustryChain | None


def project_link(db: Session, principal: Principal, project_id: int) -> ProjectLink:
    project = projects.get(db, principal, project_id)
    found = db.execute(
        select(ChainLink, IndustryChain)
        .join(ChainLinkProject, ChainLinkProject.link_id == ChainLink.id)
        .join(IndustryChain, IndustryChain.id == ChainLink.chain_id)
        .where(ChainLinkProject.project_id == project.id)
    ).first()
    return ProjectLink(project, found[0] if found else None, found[1] if found else None)


def link_options(db: Session) -> list[tuple[int, str]]:
    """Every link of every chain, as "新材料 › 原材料 › 工业硅", chains in order, links in tree order."""
    chains = list(db.execute(select(IndustryChain).order_by(IndustryChain.sort_order, IndustryChain.id)).scalars())
    links = links_of(db, [c.id for c in chains])
    by_chain: dict[int, list[ChainLink]] = defaultdict(list)
    for link in links:
        by_chain[link.chain_id].append(link)
    return [(link.id, f"{chain.name} › {path}") for chain in chains for link, path, _ in tree_order(by_chain[chain.id])]


def set_project_link(db: Session, principal: Principal, project_id: int, data: ProjectLinkSet) -> ProjectLink:
    """Attach the project to a link (its industry_chain text becomes the chain's name) or detach it (the text
    stays as it was). Either is a change of the project: its version moves on, so an edit on a stale one is
    refused."""
    project = projects.get_for_write(db, principal, project_id)
    check_version(db, project, data.version)
    current = db.execute(select(ChainLinkProject).where(ChainLinkProject.project_id == project.id)).scalar_one_or_none()
    if data.chain_link_id is None:
        if current is not None:
            db.delete(current)
            project.updated_at = utcnow()
        db.flush()
        return project_link(db, principal, project_id)
    link = db.get(ChainLink, data.chain_link_id)
    if link is None:
        raise Invalid({"chain_link_id": "找不到该环节"})
    chain = get(db, link.chain_id)
    if current is None:
        db.add(ChainLinkProject(project_id=project.id, link_id=link.id, added_by_id=principal.user_id))
    elif current.link_id != link.id:
        current.link_id = link.id
        current.added_by_id = principal.user_id
    else:
        return project_link(db, principal, project_id)
    project.industry_chain = chain.name
    project.updated_at = utcnow()
    db.flush()
    return project_link(db, principal, project_id)


# --- investors who bring investors (以商招商) ------------------------------------------------------


@dataclass
class Introduction:
    investor_id: int
    introducer_id: int | None
    introducer_name: str
    note: str
    version: int
    brought: list[tuple[int | None, str]] = field(default_factory=list)  # the investors it brought (first 20)
    brought_total: int = 0


def introducer_of(db: Session, principal: Principal, investor_id: int) -> Introduction:
    investors.get_shown(db, principal, investor_id)
    found = db.execute(
        select(InvestorIntroduction, Investor.name, investor_shown(principal, Investor.id))
        .join(Investor, Investor.id == InvestorIntroduction.introducer_id)
        .where(InvestorIntroduction.investor_id == investor_id)
    ).first()
    brought, total = _brought(db, principal, investor_id)
    if found is None:
        return Introduction(investor_id, None, "", "", 0, brought, total)
    row, name, shown = found
    return Introduction(
        investor_id, row.introducer_id if shown else None, name if shown else HIDDEN, row.note, row.version,
        brought, total,
    )  # fmt: skip


def _brought(db: Session, principal: Principal, investor_id: int, limit: int = 20) -> tuple[list[Any], int]:
    """The investors this one brought (以商招商), by name; one the principal may not see is "（保密）"."""
    rows = db.execute(
        select(Investor.id, Investor.name, investor_shown(principal, Investor.id))
        .join(InvestorIntroduction, InvestorIntroduction.investor_id == Investor.id)
        .where(InvestorIntroduction.introducer_id == investor_id)
        .order_by(Investor.name, Investor.id)
        .limit(limit)
    ).all()
    total = db.execute(select(func.count()).where(InvestorIntroduction.introducer_id == investor_id)).scalar_one()
    return [(i if shown else None, n if shown else HIDDEN) for i, n, shown in rows], int(total)


def can_set_introducer(principal: Principal, investor: Investor) -> bool:
    return policy.can_write_unit_owned(principal, investor.created_by_unit_id)


def in_county(db: Session, investor_id: int) -> bool:
    """An investor already in the county: a project landed or further (not terminated), or a local firm."""
    found = db.execute(
        select(
            or_(
                select(Project.id)
                .where(Project.investor_id == investor_id, Project.stage.in_(IN_COUNTY), live())
                .exists(),
                select(ChainLinkFirm.id).where(ChainLinkFirm.investor_id == investor_id).exists(),
            )
        )
    ).scalar_one()
    return bool(found)


def set_introducer(db: Session, principal: Principal, investor_id: int, data: IntroducerSet) -> Introduction:
    investor = investors.get_shown(db, principal, investor_id)
    if not can_set_introducer(principal, investor):
        raise policy.DeniedForbidden("只有建立该客商的单位或招商局可以登记引荐企业")
    row = db.execute(
        select(InvestorIntroduction).where(InvestorIntroduction.investor_id == investor_id)
    ).scalar_one_or_none()
    if row is None and data.version != 0:
        raise Conflict(details={"current_version": 0, "your_version": data.version, "changes": []})
    if row is not None:
        check_version(db, row, data.version)
    if data.introducer_id is None:
        if row is not None:
            db.delete(row)
            db.flush()
        return introducer_of(db, principal, investor_id)
    if data.introducer_id == investor_id:
        raise Invalid({"introducer_id": "不能是该客商自己"})
    if db.get(Investor, data.introducer_id) is None:
        raise Invalid({"introducer_id": "找不到该客商"})
    try:
        projects.ensure_investor_visible(db, principal, data.introducer_id)
    except NotFound:  # one known only through confidential projects: as if it did not exist
        raise Invalid({"introducer_id": "找不到该客商"}) from None
    if not in_county(db, data.introducer_id):
        raise Invalid({"introducer_id": "引荐企业须已在本县：有落户及以后阶段的项目，或已列为产业链本地企业"})
    step: int | None = data.introducer_id
    seen = set()
    while step is not None and step not in seen:  # no circle: A brought B, B brought A
        if step == investor_id:
            raise Invalid({"introducer_id": "引荐关系不能循环（该企业本身由此客商引荐）"})
        seen.add(step)
        step = db.execute(
            select(InvestorIntroduction.introducer_id).where(InvestorIntroduction.investor_id == step)
        ).scalar_one_or_none()
    if row is None:
        db.add(InvestorIntroduction(investor_id=investor_id, introducer_id=data.introducer_id, note=data.note))
    else:
        apply_changes(row, {"introducer_id": data.introducer_id, "note": data.note})
    db.flush()
    return introducer_of(db, principal, investor_id)


def introducer_options(
    db: Session, principal: Principal, investor_id: int, current: int | None = None, limit: int = 300
) -> list[tuple[int, str]]:
    """Investors already in the county, to offer as introducers (not the investor itself; the one recorded now
    first, if it has left)."""
    offered = firm_options(db, principal, limit + 1, keep=current)
    return [(i, n) for i, n in offered if i != investor_id][:limit]
