"""Industry chains (产业链): the county's chains with their chief (链长), leading firm (链主), team and units; their
links as a tree from upstream to downstream; the local firms and projects on each link; gaps (缺链) and weak
links (弱链); and investors who brought other investors (以商招商).

Rules:
- a local firm (本地企业) of a link is an investor attached to it, or the investor of a project on it that is in
  production (投产, 达产达效) and not terminated; counted once per link;
- a link is a gap when it has no local firm (so no project in production either), weak when it has fewer than
  its `weak_threshold`, else it stands;
- per link: its projects (not terminated) by stage, the leads they came from (`project.lead_id`: the leads of
  the link's projects; leads are not tied to a chain otherwise), funds arrived (confirmed, 万元) and last
  year's confirmed annual results (output, tax);
- the coordinator keeps chains and links; a project's writers (its responsible unit, the coordinator) attach it
  to a link, which sets its `industry_chain` text to the chain's name; the coordinator, or the staff of a unit
  responsible for one of the investor's projects, attach a local firm; the investor's keepers (the unit that
  entered it, the coordinator) record who introduced it, an investor already in the county (with a project
  landed or further, or a local firm of a link);
- everyone signed in reads the chains. A project is named through `projects.view` (its code name when
  confidential) and only to those who may read it (else "其他单位的项目", as land does); an investor known only
  through confidential projects one may not see is "（保密）".

Every figure is aggregated in SQL for all the links of a chain at once (a fixed number of statements)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, union
from sqlalchemy.orm import Session, aliased

from app import policy
from app.errors import Invalid, NotFound
from app.models.agreement import PeriodKind, ProjectResult, ResultStatus
from app.models.chain import (
    ChainLink,
    ChainLinkFirm,
    ChainLinkProject,
    ChainStage,
    ChainUnit,
    IndustryChain,
)
from app.models.investor import Investor
from app.models.project import STAGE_ORDER, Project, ProjectStatus, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.chains import ChainCreate, ChainUpdate, FirmAdd, LinkCreate, LinkUpdate
from app.services import projects, workdays
from app.services.common import apply_changes, check_version

IN_PRODUCTION = (Stage.production, Stage.full_capacity)
IN_COUNTY = tuple(s for s in STAGE_ORDER if s.order >= Stage.landed.order)  # 落户 and further
OTHER_UNITS_PROJECT = "其他单位的项目"
HIDDEN = projects.HIDDEN
STATUS_LABELS = {"gap": "缺链", "weak": "弱链", "ok": "—"}
STATUS_ORDER = {"gap": 0, "weak": 1, "ok": 2}
MAX_LINKS = 200  # links of one chain: a tree a leader reads, never a list to page


# --- who may do what -------------------------------------------------------------------------------


def can_keep(principal: Principal) -> bool:
    """Chains and their links are the coordinator's."""
    return principal.is_coordinator


def _ensure_keep(principal: Principal) -> None:
    policy.ensure_coordinator(principal)


def can_attach_firms(principal: Principal) -> bool:
    """Whether the principal may attach some firm (the coordinator, or a unit's staff for their projects' firms)."""
    return principal.can_write and (principal.is_coordinator or principal.role is Role.unit_staff)


def _ensure_firm_writer(db: Session, principal: Principal, investor_id: int) -> None:
    if principal.is_coordinator:
        return
    if not can_attach_firms(principal):
        raise policy.DeniedForbidden()
    owns = db.execute(
        select(Project.id)
        .where(Project.investor_id == investor_id, Project.responsible_unit_id == principal.unit_id)
        .limit(1)
    ).first()
    if owns is None:
        raise policy.DeniedForbidden("只有招商局和该企业项目的责任单位可以登记本地企业")


# --- reading one chain -----------------------------------------------------------------------------


def get(db: Session, chain_id: int) -> IndustryChain:
    chain = db.get(IndustryChain, chain_id)
    if chain is None:
        raise NotFound("找不到该产业链")
    return chain


def get_link(db: Session, chain_id: int, link_id: int) -> ChainLink:
    link = db.get(ChainLink, link_id)
    if link is None or link.chain_id != chain_id:
        raise NotFound("找不到该环节")
    return link


@dataclass
class LinkView:
    link: ChainLink
    path: str
    depth: int
    firms: int = 0
    leads: int = 0
    projects: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    funds_confirmed: Decimal = Decimal(0)
    output_last_year: Decimal = Decimal(0)
    tax_last_year: Decimal = Decimal(0)

    @property
    def status(self) -> str:
        if self.firms == 0:
            return "gap"
        return "weak" if self.firms < self.link.weak_threshold else "ok"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def stage_line(self) -> str:
        """The projects by stage, in stage order: 正式签约 1 · 投产 2."""
        return " · ".join(f"{s.label} {self.by_stage[s.value]}" for s in STAGE_ORDER if self.by_stage.get(s.value))


@dataclass
class ChainView:
    chain: IndustryChain
    chief_name: str
    leading_firm: str
    leading_investor_id: int | None  # None also when the principal may not see that investor
    team_name: str
    units: list[tuple[int, str]]
    links: list[LinkView]  # in tree order
    results_year: int

    @property
    def gaps(self) -> int:
        return sum(1 for v in self.links if v.status == "gap")

    @property
    def weak(self) -> int:
        return sum(1 for v in self.links if v.status == "weak")

    @property
    def table(self) -> list[LinkView]:
        """Gaps first, then weak links, each in tree order."""
        order = {v.link.id: i for i, v in enumerate(self.links)}
        return sorted(self.links, key=lambda v: (STATUS_ORDER[v.status], order[v.link.id]))


def tree_order(links: Sequence[ChainLink]) -> list[tuple[ChainLink, str, int]]:
    """Links depth first, siblings by position then id: each with its path of names and its depth."""
    children: dict[int | None, list[ChainLink]] = defaultdict(list)
    ids = {link.id for link in links}
    for link in links:
        children[link.parent_id if link.parent_id in ids else None].append(link)
    for siblings in children.values():
        siblings.sort(key=lambda x: (x.position, x.id))
    out: list[tuple[ChainLink, str, int]] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for link in children.get(parent, []):
            path = f"{prefix} › {link.name}" if prefix else link.name
            out.append((link, path, depth))
            walk(link.id, path, depth + 1)

    walk(None, "", 1)
    return out


def descendants(ordered: Sequence[tuple[ChainLink, str, int]], link_id: int) -> set[int]:
    """The link and every link under it (a link cannot be moved under these)."""
    below = {link_id}
    for link, _path, _depth in ordered:  # tree order: a parent always comes before its children
        if link.parent_id in below:
            below.add(link.id)
    return below


def links_of(db: Session, chain_ids: Sequence[int]) -> list[ChainLink]:
    return list(
        db.execute(
            select(ChainLink)
            .where(ChainLink.chain_id.in_(chain_ids))
            .order_by(ChainLink.chain_id, ChainLink.position, ChainLink.id)
        ).scalars()
    )


def _in_chains(chain_ids: Sequence[int]) -> ColumnElement[bool]:
    return ChainLink.chain_id.in_(chain_ids)


def live() -> ColumnElement[bool]:
    return Project.status != ProjectStatus.terminated


def _figures(db: Session, chain_ids: Sequence[int], views: dict[int, LinkView], results_year: int) -> None:
    """Fill in every link's figures: three statements for all the links of the chains."""
    if not views:
        return
    firms = union(
        select(ChainLinkFirm.link_id.label("link_id"), ChainLinkFirm.investor_id.label("investor_id"))
        .join(ChainLink, ChainLink.id == ChainLinkFirm.link_id)
        .where(_in_chains(chain_ids)),
        select(ChainLinkProject.link_id, Project.investor_id)
        .join(Project, Project.id == ChainLinkProject.project_id)
        .join(ChainLink, ChainLink.id == ChainLinkProject.link_id)
        .where(_in_chains(chain_ids), Project.stage.in_(IN_PRODUCTION), live()),
    ).subquery()
    for link_id, n in db.execute(select(firms.c.link_id, func.count()).group_by(firms.c.link_id)):
        if link_id in views:
            views[link_id].firms = int(n)
    stages = db.execute(
        select(
            ChainLinkProject.link_id,
            Project.stage,
            func.count(),
            func.count(Project.lead_id),
            func.coalesce(func.sum(Project.funds_confirmed), 0),
        )
        .join(Project, Project.id == ChainLinkProject.project_id)
        .join(ChainLink, ChainLink.id == ChainLinkProject.link_id)
        .where(_in_chains(chain_ids), live())
        .group_by(ChainLinkProject.link_id, Project.stage)
    )
    for link_id, stage, n, leads, funds in stages:
        view = views.get(link_id)
        if view is None:
            continue
        view.projects += int(n)
        view.leads += int(leads)
        view.by_stage[Stage(stage).value] = int(n)
        view.funds_confirmed += Decimal(funds)
    results = db.execute(
        select(
            ChainLinkProject.link_id,
            func.coalesce(func.sum(ProjectResult.output), 0),
            func.coalesce(func.sum(ProjectResult.tax), 0),
        )
        .join(ProjectResult, ProjectResult.project_id == ChainLinkProject.project_id)
        .join(ChainLink, ChainLink.id == ChainLinkProject.link_id)
        .where(
            _in_chains(chain_ids),
            ProjectResult.year == results_year,
            ProjectResult.period_kind == PeriodKind.year,
            ProjectResult.status == ResultStatus.confirmed,
        )
        .group_by(ChainLinkProject.link_id)
    )
    for link_id, output, tax in results:
        if link_id in views:
            views[link_id].output_last_year = Decimal(output or 0)
            views[link_id].tax_last_year = Decimal(tax or 0)


def investor_shown(principal: Principal, investor_id: Any) -> ColumnElement[bool]:
    return projects.investor_visible(principal, investor_id)


def view(db: Session, principal: Principal, chain_id: int) -> ChainView:
    """A chain's page: its people, its links in tree order with their figures."""
    chief, team = aliased(User), aliased(Unit)
    lead_firm = aliased(Investor)
    row = db.execute(
        select(
            IndustryChain,
            chief.display_name,
            team.name,
            lead_firm.name,
            investor_shown(principal, lead_firm.id),
        )
        .outerjoin(chief, chief.id == IndustryChain.chief_user_id)
        .outerjoin(team, team.id == IndustryChain.team_unit_id)
        .outerjoin(lead_firm, lead_firm.id == IndustryChain.leading_investor_id)
        .where(IndustryChain.id == chain_id)
    ).first()
    if row is None:
        raise NotFound("找不到该产业链")
    chain, chief_name, team_name, firm_name, firm_shown = row
    units = [
        (r.id, r.name)
        for r in db.execute(
            select(Unit.id, Unit.name)
            .join(ChainUnit, ChainUnit.unit_id == Unit.id)
            .where(ChainUnit.chain_id == chain_id)
            .order_by(Unit.sort_order, Unit.id)
        )
    ]
    results_year = workdays.today().year - 1
    views = {link.id: LinkView(link, path, depth) for link, path, depth in tree_order(links_of(db, [chain_id]))}
    _figures(db, [chain_id], views, results_year)
    if chain.leading_investor_id is not None:
        leading = firm_name if firm_shown else HIDDEN
        leading_id = chain.leading_investor_id if firm_shown else None
    else:
        leading, leading_id = chain.leading_firm_name, None
    return ChainView(
        chain=chain,
        chief_name=chief_name or "",
        leading_firm=leading or "",
        leading_investor_id=leading_id,
        team_name=team_name or "",
        units=units,
        links=list(views.values()),
        results_year=results_year,
    )


# --- the list of chains ----------------------------------------------------------------------------


@dataclass
class ChainRow:
    chain: IndustryChain
    chief_name: str
    leading_firm: str
    links: int
    gaps: int
    weak: int
    firms: int
    projects: int


def chain_names(db: Session) -> list[str]:
    """The chains' names in their order: the choices of a filter by chain (the map's)."""
    return list(db.execute(select(IndustryChain.name).order_by(IndustryChain.sort_order, IndustryChain.id)).scalars())


def list_chains(db: Session, principal: Principal, *, limit: int = 20, offset: int = 0) -> tuple[list[ChainRow], int]:
    """A page of chains with their links' counts (gaps, weak links, local firms, projects)."""
    chief, lead_firm = aliased(User), aliased(Investor)
    shown = investor_shown(principal, lead_firm.id)
    rows = db.execute(
        select(IndustryChain, chief.display_name, lead_firm.name, shown)
        .outerjoin(chief, chief.id == IndustryChain.chief_user_id)
        .outerjoin(lead_firm, lead_firm.id == IndustryChain.leading_investor_id)
        .order_by(IndustryChain.sort_order, IndustryChain.id)
        .limit(limit)
        .offset(offset)
    ).all()
    total = db.execute(select(func.count()).select_from(IndustryChain)).scalar_one()
    ids = [r[0].id for r in rows]
    views = {link.id: LinkView(link, link.name, 1) for link in links_of(db, ids)}
    _figures(db, ids, views, workdays.today().year - 1)
    by_chain: dict[int, list[LinkView]] = defaultdict(list)
    for v in views.values():
        by_chain[v.link.chain_id].append(v)
    out = []
    for chain, chief_name, firm_name, firm_shown in rows:
        links = by_chain.get(chain.id, [])
        if chain.leading_investor_id is not None:
            leading = firm_name if firm_shown else HIDDEN
        else:
            leading = chain.leading_firm_name
        out.append(
            ChainRow(
                chain=chain,
                chief_name=chief_name or "",
                leading_firm=leading or "",
                links=len(links),
                gaps=sum(1 for v in links if v.status == "gap"),
                weak=sum(1 for v in links if v.status == "weak"),
                firms=sum(v.firms for v in links),
                projects=sum(v.projects for v in links),
            )
        )
    return out, int(total)


# --- creating and editing a chain ------------------------------------------------------------------


def leader_options(db: Session) -> list[tuple[int, str]]:
    return [
        (r.id, r.display_name)
        for r in db.execute(
            select(User.id, User.display_name)
            .where(User.role == Role.leader, User.is_active.is_(True))
            .order_by(User.display_name, User.id)
        )
    ]


def team_options(db: Session) -> list[tuple[int, str]]:
    return [
        (r.id, r.name)
        for r in db.execute(
            select(Unit.id, Unit.name)
            .where(Unit.kind == UnitKind.industry_team, Unit.is_active.is_(True))
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


def unit_ids_of(db: Session, chain_id: int) -> list[int]:
    return list(
        db.execute(select(ChainUnit.unit_id).where(ChainUnit.chain_id == chain_id).order_by(ChainUnit.id)).scalars()
    )


def _check_chain(db: Session, data: ChainCreate | ChainUpdate, own_id: int | None = None) -> None:
    errors: dict[str, str] = {}
    clash = db.execute(select(IndustryChain.id).where(IndustryChain.name == data.name)).scalar_one_or_none()
    if clash is not None and clash != own_id:
        errors["name"] = "已有同名的产业链"
    if data.chief_user_id is not None:
        chief = db.get(User, data.chief_user_id)
        if chief is None or chief.role is not Role.leader:
            errors["chief_user_id"] = "链长请选择县级领导"
    if data.leading_investor_id is not None and db.get(Investor, data.leading_investor_id) is None:
        errors["leading_investor_id"] = "找不到该客商"
    if data.team_unit_id is not None:
        team = db.get(Unit, data.team_unit_id)
        if team is None or team.kind is not UnitKind.industry_team:
            errors["team_unit_id"] = "请选择专业招商组"
    if data.unit_ids:
        found = set(db.execute(select(Unit.id).where(Unit.id.in_(data.unit_ids))).scalars())
        if found != set(data.unit_ids):
            errors["unit_ids"] = "找不到所选的单位"
    if errors:
        raise Invalid(errors)


def _values(data: ChainCreate | ChainUpdate) -> dict[str, Any]:
    values = data.model_dump(exclude={"version", "unit_ids"})
    if data.leading_investor_id is not None:
        values["leading_firm_name"] = ""
    return values


def _set_units(db: Session, chain_id: int, unit_ids: Iterable[int]) -> None:
    wanted = list(dict.fromkeys(unit_ids))
    current = {u.unit_id: u for u in db.execute(select(ChainUnit).where(ChainUnit.chain_id == chain_id)).scalars()}
    for unit_id, row in current.items():
        if unit_id not in wanted:
            db.delete(row)
    db.add_all(ChainUnit(chain_id=chain_id, unit_id=u) for u in wanted if u not in current)


def create_chain(db: Session, principal: Principal, data: ChainCreate) -> IndustryChain:
    _ensure_keep(principal)
    _check_chain(db, data)
    chain = IndustryChain(**_values(data))
    db.add(chain)
    db.flush()
    _set_units(db, chain.id, data.unit_ids)
    db.flush()
    return chain


def update_chain(db: Session, principal: Principal, chain_id: int, data: ChainUpdate) -> IndustryChain:
    _ensure_keep(principal)
    chain = get(db, chain_id)
    check_version(db, chain, data.version)
    _check_chain(db, data, chain.id)
    apply_changes(chain, _values(data))
    _set_units(db, chain.id, data.unit_ids)
    db.flush()
    return chain


# --- links -----------------------------------------------------------------------------------------


def _check_link(db: Session, chain_id: int, data: LinkCreate | LinkUpdate, own: ChainLink | None = None) -> None:
    errors: dict[str, str] = {}
    clash = db.execute(
        select(ChainLink.id).where(ChainLink.chain_id == chain_id, ChainLink.name == data.name)
    ).scalar_one_or_none()
    if clash is not None and (own is None or clash != own.id):
        errors["name"] = "本产业链已有同名环节"
    if data.parent_id is not None:
        links = {link.id: link for link in links_of(db, [chain_id])}
        if data.parent_id not in links:
            errors["parent_id"] = "上级环节须是本产业链的环节"
        elif own is not None:
            step: int | None = data.parent_id
            while step is not None:  # a link cannot hang under itself or under one of its own sub-links
                if step == own.id:
                    errors["parent_id"] = "不能挂在本环节或其下级环节之下"
                    break
                step = links[step].parent_id if step in links else None
    elif own is None:
        count = db.execute(select(func.count()).where(ChainLink.chain_id == chain_id)).scalar_one()
        if count >= MAX_LINKS:
            errors["name"] = f"一条产业链最多 {MAX_LINKS} 个环节"
    if errors:
        raise Invalid(errors)


def _next_position(db: Session, chain_id: int, parent_id: int | None) -> int:
    parent = ChainLink.parent_id.is_(None) if parent_id is None else ChainLink.parent_id == parent_id
    highest = db.execute(
        select(func.max(ChainLink.position)).where(ChainLink.chain_id == chain_id, parent)
    ).scalar_one()
    return 1 if highest is None else min(int(highest) + 1, 9999)


def add_link(db: Session, principal: Principal, chain_id: int, data: LinkCreate) -> ChainLink:
    _ensure_keep(principal)
    get(db, chain_id)
    _check_link(db, chain_id, data)
    values = data.model_dump()
    if values["position"] is None:
        values["position"] = _next_position(db, chain_id, data.parent_id)
    link = ChainLink(chain_id=chain_id, **values)
    db.add(link)
    db.flush()
    return link


def update_link(db: Session, principal: Principal, chain_id: int, link_id: int, data: LinkUpdate) -> ChainLink:
    """Rename, move under another parent, reorder (position), change its stage or threshold."""
    _ensure_keep(principal)
    link = get_link(db, chain_id, link_id)
    check_version(db, link, data.version)
    _check_link(db, chain_id, data, link)
    values = data.model_dump(exclude={"version"})
    if values["position"] is None:
        values["position"] = (
            link.position if data.parent_id == link.parent_id else _next_position(db, chain_id, data.parent_id)
        )
    apply_changes(link, values)
    db.flush()
    return link


def delete_link(db: Session, principal: Principal, chain_id: int, link_id: int) -> None:
    """Only a link with nothing attached: no sub-link, no local firm, no project."""
    _ensure_keep(principal)
    link = get_link(db, chain_id, link_id)
    attached = db.execute(
        select(
            select(func.count()).where(ChainLink.parent_id == link.id).scalar_subquery(),
            select(func.count()).where(ChainLinkFirm.link_id == link.id).scalar_subquery(),
            select(func.count()).where(ChainLinkProject.link_id == link.id).scalar_subquery(),
        )
    ).one()
    what = [w for w, n in zip(("下级环节", "本地企业", "项目"), attached, strict=True) if n]
    if what:
        raise Invalid({"__all__": f"该环节还有{'、'.join(what)}，不能删除"})
    db.delete(link)
    db.flush()


# --- local firms -----------------------------------------------------------------------------------


def attach_firm(db: Session, principal: Principal, chain_id: int, data: FirmAdd) -> ChainLinkFirm:
    get(db, chain_id)
    try:
        link = get_link(db, chain_id, data.link_id)
    except NotFound:
        raise Invalid({"link_id": "请选择本产业链的环节"}) from None
    if db.get(Investor, data.investor_id) is None:
        raise Invalid({"investor_id": "找不到该客商"})
    try:
        projects.ensure_investor_visible(db, principal, data.investor_id)
    except NotFound:  # one known only through confidential projects: as if it did not exist
        raise Invalid({"investor_id": "找不到该客商"}) from None
    _ensure_firm_writer(db, principal, data.investor_id)
    there = db.execute(
        select(ChainLinkFirm.id).where(ChainLinkFirm.link_id == link.id, ChainLinkFirm.investor_id == data.investor_id)
    ).first()
    if there is not None:
        raise Invalid({"investor_id": "该企业已在本环节"})
    firm = ChainLinkFirm(link_id=link.id, investor_id=data.investor_id, added_by_id=principal.user_id)
    db.add(firm)
    db.flush()
    return firm


def detach_firm(db: Session, principal: Principal, chain_id: int, firm_id: int) -> None:
    firm = db.get(ChainLinkFirm, firm_id)
    if firm is None:
        raise NotFound("找不到该本地企业")
    get_link(db, chain_id, firm.link_id)
    _ensure_firm_writer(db, principal, firm.investor_id)
    db.delete(firm)
    db.flush()


def firm_options(
    db: Session, principal: Principal, limit: int = 300, *, keep: int | None = None
) -> list[tuple[int, str]]:
    """Investors to offer as local firms: those with a project in production first, then those with a project
    landed or further; each once, by name. Investors the principal may not see are left out. `keep`: the
    investor a form holds now, offered too (first) so that saving the form does not drop it."""
    rank = func.min(case((Project.stage.in_(IN_PRODUCTION), 0), else_=1))
    stmt = (
        select(Investor.id, Investor.name, rank.label("rank"))
        .join(Project, Project.investor_id == Investor.id)
        .where(Project.stage.in_(IN_COUNTY), live(), investor_shown(principal, Investor.id))
        .group_by(Investor.id, Investor.name)
        .order_by(rank, Investor.name, Investor.id)
        .limit(limit)
    )
    options = [(r.id, f"{r.name}（已投产）" if r.rank == 0 else r.name) for r in db.execute(stmt)]
    if keep is not None and keep not in {i for i, _ in options}:
        kept = db.execute(
            select(Investor.id, Investor.name).where(Investor.id == keep, investor_shown(principal, Investor.id))
        ).first()
        options = [(kept.id, kept.name), *options] if kept else options
    return options


@dataclass
class FirmRow:
    id: int
    link_id: int
    link_name: str
    investor_id: int | None
    name: str
    in_production: bool


def firms(
    db: Session, principal: Principal, chain_id: int, *, limit: int = 20, offset: int = 0
) -> tuple[list[FirmRow], int]:
    """The firms attached to the chain's links, by link then name."""
    get(db, chain_id)
    producing = (
        select(Project.id)
        .where(Project.investor_id == ChainLinkFirm.investor_id, Project.stage.in_(IN_PRODUCTION), live())
        .exists()
    )
    where = [ChainLink.chain_id == chain_id]
    rows = db.execute(
        select(
            ChainLinkFirm.id,
            ChainLink.id,
            ChainLink.name,
            Investor.id,
            Investor.name,
            producing,
            investor_shown(principal, Investor.id),
        )
        .join(ChainLink, ChainLink.id == ChainLinkFirm.link_id)
        .join(Investor, Investor.id == ChainLinkFirm.investor_id)
        .where(*where)
        .order_by(ChainLink.position, ChainLink.id, Investor.name, ChainLinkFirm.id)
        .limit(limit)
        .offset(offset)
    ).all()
    total = db.execute(
        select(func.count())
        .select_from(ChainLinkFirm)
        .join(ChainLink, ChainLink.id == ChainLinkFirm.link_id)
        .where(*where)
    ).scalar_one()
    out = [FirmRow(r[0], r[1], r[2], r[3] if r[6] else None, r[4] if r[6] else HIDDEN, bool(r[5])) for r in rows]
    return out, int(total)


# --- the picture and the export --------------------------------------------------------------------

COLOURS = {"gap": "#c62828", "weak": "#e69500", "ok": "#2e7d32"}


def graph(chain_view: ChainView) -> dict[str, Any]:
    """The chain as an ECharts tree, from upstream (left) to downstream (right): each link with its counts,
    gaps red, weak links amber."""
    nodes: dict[int, dict[str, Any]] = {}
    root: dict[str, Any] = {"name": chain_view.chain.name, "children": [], "itemStyle": {"color": "#1f4e79"}}
    for v in chain_view.links:
        nodes[v.link.id] = {
            "name": v.link.name,
            "status": v.status,
            "tag": v.status_label if v.status != "ok" else v.link.stage.label,
            "firms": v.firms,
            "projects": v.projects,
            "itemStyle": {"color": COLOURS[v.status], "borderColor": COLOURS[v.status]},
            "label": {"color": COLOURS[v.status] if v.status != "ok" else "#222"},
            "children": [],
        }
    for v in chain_view.links:
        parent = nodes.get(v.link.parent_id) if v.link.parent_id is not None else None
        (parent["children"] if parent else root["children"]).append(nodes[v.link.id])
    leaves = sum(1 for n in nodes.values() if not n["children"]) or 1
    return {"tree": root, "leaves": leaves, "colours": COLOURS}


EXPORT_HEADERS = [
    "环节",
    "阶段",
    "状态",
    "本地企业",
    "线索",
    "项目",
    "按阶段",
    "到位资金（万元）",
    "上年产值（万元）",
    "上年税收（万元）",
    "弱链门槛",
]


def export_rows(chain_view: ChainView) -> list[list[Any]]:
    return [
        [
            v.path,
            v.link.stage.label,
            v.status_label if v.status != "ok" else "",
            v.firms,
            v.leads,
            v.projects,
            v.stage_line,
            v.funds_confirmed,
            v.output_last_year,
            v.tax_last_year,
            v.link.weak_threshold,
        ]
        for v in chain_view.table
    ]


STAGE_OPTIONS = [(s.value, s.label) for s in ChainStage]
