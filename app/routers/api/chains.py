"""Industry chains (产业链) over the API: chains and their links as a tree, the figures per link (gaps first),
the local firms and projects on the links, 以商招商 rows, a project's link and an investor's introducer. The
pages (app/routers/pages/chains.py) call the same services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.routing import IndexedRouter, reads_only
from app.schemas.chains import (
    ChainCreate,
    ChainProjectRead,
    ChainRead,
    ChainSummary,
    ChainUpdate,
    FirmAdd,
    FirmRead,
    IntroducerRead,
    IntroducerSet,
    InvestorRef,
    LinkCreate,
    LinkRead,
    LinkUpdate,
    ProjectLinkRead,
    ProjectLinkSet,
    ReferralRead,
    UnitRef,
)
from app.schemas.common import Page, json_response
from app.services import chain_projects, chains

router = IndexedRouter(tags=["产业链"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def link_read(v: chains.LinkView) -> LinkRead:
    link = v.link
    return LinkRead(
        id=link.id,
        chain_id=link.chain_id,
        parent_id=link.parent_id,
        name=link.name,
        path=v.path,
        depth=v.depth,
        stage=link.stage,
        stage_label=link.stage.label,
        position=link.position,
        weak_threshold=link.weak_threshold,
        note=link.note,
        version=link.version,
        status=v.status,
        status_label=v.status_label,
        firms=v.firms,
        leads=v.leads,
        projects=v.projects,
        projects_by_stage=v.by_stage,
        funds_confirmed=v.funds_confirmed,
        output_last_year=v.output_last_year,
        tax_last_year=v.tax_last_year,
    )


def chain_read(shown: chains.ChainView) -> ChainRead:
    c = shown.chain
    return ChainRead(
        id=c.id,
        name=c.name,
        chief_user_id=c.chief_user_id,
        chief_name=shown.chief_name,
        leading_investor_id=shown.leading_investor_id,
        leading_firm=shown.leading_firm,
        leading_firm_name=c.leading_firm_name,
        team_unit_id=c.team_unit_id,
        team_name=shown.team_name,
        unit_ids=[i for i, _ in shown.units],
        units=[UnitRef(id=i, name=n) for i, n in shown.units],
        description=c.description,
        sort_order=c.sort_order,
        version=c.version,
        results_year=shown.results_year,
        gaps=shown.gaps,
        weak=shown.weak,
        links=[link_read(v) for v in shown.table],
    )


def _chain(db: DbSession, principal: ApiPrincipal, chain_id: int, status_code: int = 200) -> Response:
    return json_response(chain_read(chains.view(db, principal, chain_id)), status_code)


@router.get(
    "/chains", summary="产业链清单：各链的环节数、缺链、弱链、本地企业和项目数", response_model=Page[ChainSummary]
)
@reads_only
def list_chains(principal: ApiPrincipal, db: DbSession, limit: Limit = 20, offset: Offset = 0) -> Any:
    rows, total = chains.list_chains(db, principal, limit=limit, offset=offset)
    items = [
        ChainSummary(
            id=r.chain.id,
            name=r.chain.name,
            chief_name=r.chief_name,
            leading_firm=r.leading_firm,
            links=r.links,
            gaps=r.gaps,
            weak=r.weak,
            firms=r.firms,
            projects=r.projects,
            version=r.chain.version,
        )
        for r in rows
    ]
    return Page[ChainSummary](items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/chains",
    status_code=201,
    summary="新建产业链（仅招商局；可带 Idempotency-Key）",
    responses={201: {"model": ChainRead}},
)
def create_chain(body: ChainCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    chain = chains.create_chain(db, principal, body)
    return guard.finish(_chain(db, principal, chain.id, 201))


@router.get(
    "/chains/{chain_id}",
    summary="产业链详情：链长、链主、责任单位，各环节（缺链在前）的本地企业、线索、项目、到位资金和上年实绩",
    response_model=ChainRead,
)
@reads_only
def get_chain(chain_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return _chain(db, principal, chain_id)


@router.put("/chains/{chain_id}", summary="修改产业链（仅招商局；需带 version）", response_model=ChainRead)
def update_chain(chain_id: IdPath, body: ChainUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    chains.update_chain(db, principal, chain_id, body)
    return _chain(db, principal, chain_id)


@router.post(
    "/chains/{chain_id}/links",
    status_code=201,
    summary="在上级环节下新增环节（仅招商局；可带 Idempotency-Key）",
    responses={201: {"model": ChainRead}},
)
def add_link(
    chain_id: IdPath, body: LinkCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    chains.add_link(db, principal, chain_id, body)
    return guard.finish(_chain(db, principal, chain_id, 201))


@router.put(
    "/chains/{chain_id}/links/{link_id}",
    summary="修改环节：改名、调整上级或顺序、上中下游、弱链门槛（仅招商局；需带 version）",
    response_model=ChainRead,
)
def update_link(
    chain_id: IdPath, link_id: IdPath, body: LinkUpdate, principal: ApiPrincipal, db: DbSession
) -> Response:
    chains.update_link(db, principal, chain_id, link_id, body)
    return _chain(db, principal, chain_id)


@router.delete(
    "/chains/{chain_id}/links/{link_id}",
    summary="删除环节（仅招商局；环节下没有下级环节、本地企业和项目时才可删除）",
    response_model=ChainRead,
)
def delete_link(chain_id: IdPath, link_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    chains.delete_link(db, principal, chain_id, link_id)
    return _chain(db, principal, chain_id)


def _firm(r: chains.FirmRow) -> FirmRead:
    return FirmRead(
        id=r.id,
        link_id=r.link_id,
        link_name=r.link_name,
        investor_id=r.investor_id,
        name=r.name,
        in_production=r.in_production,
    )


@router.get("/chains/{chain_id}/firms", summary="产业链各环节的本地企业", response_model=Page[FirmRead])
@reads_only
def list_firms(chain_id: IdPath, principal: ApiPrincipal, db: DbSession, limit: Limit = 20, offset: Offset = 0) -> Any:
    rows, total = chains.firms(db, principal, chain_id, limit=limit, offset=offset)
    return Page[FirmRead](items=[_firm(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post(
    "/chains/{chain_id}/firms",
    status_code=201,
    summary="把本地企业挂到环节（招商局，或该企业项目的责任单位；可带 Idempotency-Key）",
    responses={201: {"model": ChainRead}},
)
def attach_firm(
    chain_id: IdPath, body: FirmAdd, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    chains.attach_firm(db, principal, chain_id, body)
    return guard.finish(_chain(db, principal, chain_id, 201))


@router.delete(
    "/chains/{chain_id}/firms/{firm_id}",
    summary="从环节移除本地企业（招商局，或该企业项目的责任单位）",
    response_model=ChainRead,
)
def detach_firm(chain_id: IdPath, firm_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    chains.detach_firm(db, principal, chain_id, firm_id)
    return _chain(db, principal, chain_id)


@router.get(
    "/chains/{chain_id}/projects",
    summary="产业链各环节的项目（不含终止）；保密项目对无权者显示代号",
    response_model=Page[ChainProjectRead],
)
@reads_only
def list_projects(
    chain_id: IdPath,
    principal: ApiPrincipal,
    db: DbSession,
    link_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="只看该环节")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Any:
    rows, total = chain_projects.chain_projects(db, principal, chain_id, link_id=link_id, limit=limit, offset=offset)
    items = [
        ChainProjectRead(
            project_id=r.project_id,
            name=r.name,
            investor_name=r.investor_name,
            link_id=r.link_id,
            link_name=r.link_name,
            stage=r.stage.value,
            stage_label=r.stage.label,
            funds_confirmed=r.funds_confirmed,
        )
        for r in rows
    ]
    return Page[ChainProjectRead](items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/chains/{chain_id}/referrals",
    summary="以商招商：哪家本地企业引荐了本链的哪个项目",
    response_model=Page[ReferralRead],
)
@reads_only
def list_referrals(
    chain_id: IdPath, principal: ApiPrincipal, db: DbSession, limit: Limit = 20, offset: Offset = 0
) -> Any:
    rows, total = chain_projects.referrals(db, principal, chain_id, limit=limit, offset=offset)
    items = [
        ReferralRead(
            introducer_id=r.introducer_id,
            introducer_name=r.introducer_name,
            investor_id=r.investor_id,
            investor_name=r.investor_name,
            project_id=r.project_id,
            project_name=r.project_name,
            link_id=r.link_id,
            link_name=r.link_name,
            stage=r.stage.value,
            stage_label=r.stage.label,
        )
        for r in rows
    ]
    return Page[ReferralRead](items=items, total=total, limit=limit, offset=offset)


def project_link_read(found: chain_projects.ProjectLink) -> ProjectLinkRead:
    return ProjectLinkRead(
        project_id=found.project.id,
        chain_link_id=found.link.id if found.link else None,
        chain_id=found.chain.id if found.chain else None,
        chain_name=found.chain.name if found.chain else "",
        link_name=found.link.name if found.link else "",
        industry_chain=found.project.industry_chain,
        version=found.project.version,
    )


@router.get("/projects/{project_id}/chain-link", summary="项目所属的产业链环节", response_model=ProjectLinkRead)
@reads_only
def get_project_link(project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(project_link_read(chain_projects.project_link(db, principal, project_id)))


@router.put(
    "/projects/{project_id}/chain-link",
    summary="把项目挂到产业链环节（项目的产业链文字随之设为产业链名称）或解除（需带项目的 version）",
    response_model=ProjectLinkRead,
)
def set_project_link(project_id: IdPath, body: ProjectLinkSet, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(project_link_read(chain_projects.set_project_link(db, principal, project_id, body)))


def introducer_read(found: chain_projects.Introduction) -> IntroducerRead:
    return IntroducerRead(
        investor_id=found.investor_id,
        introducer_id=found.introducer_id,
        introducer_name=found.introducer_name,
        note=found.note,
        version=found.version,
        brought=[InvestorRef(id=i, name=n) for i, n in found.brought],
        brought_total=found.brought_total,
    )


@router.get(
    "/investors/{investor_id}/introducer",
    tags=["客商"],
    summary="以商招商：引荐该客商的本县在地企业",
    response_model=IntroducerRead,
)
@reads_only
def get_introducer(investor_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(introducer_read(chain_projects.introducer_of(db, principal, investor_id)))


@router.put(
    "/investors/{investor_id}/introducer",
    tags=["客商"],
    summary="登记或清除引荐该客商的本县在地企业（以商招商；需带 version，尚未登记为 0）",
    response_model=IntroducerRead,
)
def set_introducer(investor_id: IdPath, body: IntroducerSet, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(introducer_read(chain_projects.set_introducer(db, principal, investor_id, body)))
