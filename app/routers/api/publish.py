"""The publish step over the API (/api/v1/publish): the county's profile, published projects and published
sites, their drafts, publishing and withdrawing. The coordinator's only; the pages (app/routers/pages/
publish.py) call the same services (app/services/publish.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.publish import PublicProfile, PublicProject, PublicSite, PublishState
from app.routing import IndexedRouter, reads_only
from app.schemas.common import Page, json_response
from app.schemas.publish import (
    ProfileRead,
    ProfileSave,
    ProjectPrefill,
    PublicProjectCreate,
    PublicProjectRead,
    PublicProjectUpdate,
    PublicSiteCreate,
    PublicSiteRead,
    PublicSiteUpdate,
    SitePrefill,
    StateChange,
)
from app.services import invest, publish

router = IndexedRouter(tags=["对外发布"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数，最多 200")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def profile_read(row: PublicProfile | None) -> ProfileRead:
    if row is None:
        empty = {
            f"{n}_{lang}": "" for n in ("title", "intro", "industries", "figures", "policies") for lang in ("zh", "en")
        }
        return ProfileRead(**empty, state=PublishState.draft, state_label="未填写", published_at=None, version=0)
    values = {name: getattr(row, name) for name in ProfileRead.model_fields if name != "state_label"}
    return ProfileRead(**values, state_label=row.state.label)


def project_read(row: PublicProject) -> PublicProjectRead:
    values = {name: getattr(row, name) for name in PublicProjectRead.model_fields if name != "state_label"}
    return PublicProjectRead(**values, state_label=row.state.label)


def site_read(row: PublicSite) -> PublicSiteRead:
    skip = {"state_label", "area_unit"}
    values = {name: getattr(row, name) for name in PublicSiteRead.model_fields if name not in skip}
    return PublicSiteRead(**values, state_label=row.state.label, area_unit=invest.site_area_unit(row))


# --- the profile -----------------------------------------------------------------------------------


@router.get("/publish/profile", summary="投资环境介绍（对外发布）：草稿或已发布的内容", response_model=ProfileRead)
@reads_only
def get_profile(principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(profile_read(publish.profile(db, principal)))


@router.put("/publish/profile", summary="保存投资环境介绍（仅招商局；首次 version 为 0）", response_model=ProfileRead)
def save_profile(body: ProfileSave, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(profile_read(publish.save_profile(db, principal, body)))


@router.post("/publish/profile/state", summary="发布或撤下投资环境介绍", response_model=ProfileRead)
def profile_state(body: StateChange, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(profile_read(publish.change_profile_state(db, principal, body)))


# --- published projects ----------------------------------------------------------------------------


@router.get("/publish/projects", summary="对外发布的招商项目（含草稿、已撤下）", response_model=Page[PublicProjectRead])
@reads_only
def list_projects(principal: ApiPrincipal, db: DbSession, limit: Limit = 20, offset: Offset = 0) -> Any:
    rows, total = publish.list_projects(db, principal, limit=limit, offset=offset)
    return Page[PublicProjectRead](items=[project_read(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/publish/projects/prefill",
    summary="由策划包装项目预填的对外字段（只取可公开的字段；保密项目不可）",
    response_model=ProjectPrefill,
)
@reads_only
def project_prefill(
    principal: ApiPrincipal, db: DbSession, project_id: Annotated[int, Query(ge=1, le=2_147_483_647)]
) -> Response:
    return json_response(ProjectPrefill(**publish.project_prefill(db, principal, project_id)))


@router.post(
    "/publish/projects",
    status_code=201,
    summary="由策划包装项目新建对外发布的草稿（可带 Idempotency-Key）",
    responses={201: {"model": PublicProjectRead}},
)
def create_project(
    body: PublicProjectCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    row = publish.create_project(db, principal, body)
    return guard.finish(json_response(project_read(row), 201))


@router.get("/publish/projects/{public_project_id}", summary="对外发布的招商项目", response_model=PublicProjectRead)
@reads_only
def get_project(public_project_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(project_read(publish.get_project(db, principal, public_project_id)))


@router.put("/publish/projects/{public_project_id}", summary="修改对外发布的招商项目", response_model=PublicProjectRead)
def update_project(
    public_project_id: IdPath, body: PublicProjectUpdate, principal: ApiPrincipal, db: DbSession
) -> Response:
    return json_response(project_read(publish.update_project(db, principal, public_project_id, body)))


@router.post(
    "/publish/projects/{public_project_id}/state", summary="发布或撤下招商项目", response_model=PublicProjectRead
)
def project_state(public_project_id: IdPath, body: StateChange, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(project_read(publish.change_project_state(db, principal, public_project_id, body)))


# --- published sites -------------------------------------------------------------------------------


@router.get("/publish/sites", summary="对外发布的载体（含草稿、已撤下）", response_model=Page[PublicSiteRead])
@reads_only
def list_sites(principal: ApiPrincipal, db: DbSession, limit: Limit = 20, offset: Offset = 0) -> Any:
    rows, total = publish.list_sites(db, principal, limit=limit, offset=offset)
    return Page[PublicSiteRead](items=[site_read(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/publish/sites/prefill", summary="由地块或厂房楼宇预填的对外字段（二选一）", response_model=SitePrefill)
@reads_only
def site_prefill(
    principal: ApiPrincipal, db: DbSession, plot_id: IdQuery = None, building_id: IdQuery = None
) -> Response:
    return json_response(SitePrefill(**publish.site_prefill(db, principal, plot_id=plot_id, building_id=building_id)))


@router.post(
    "/publish/sites",
    status_code=201,
    summary="由地块或厂房楼宇新建对外发布的草稿（可带 Idempotency-Key）",
    responses={201: {"model": PublicSiteRead}},
)
def create_site(body: PublicSiteCreate, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    row = publish.create_site(db, principal, body)
    return guard.finish(json_response(site_read(row), 201))


@router.get("/publish/sites/{public_site_id}", summary="对外发布的载体", response_model=PublicSiteRead)
@reads_only
def get_site(public_site_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(site_read(publish.get_site(db, principal, public_site_id)))


@router.put("/publish/sites/{public_site_id}", summary="修改对外发布的载体", response_model=PublicSiteRead)
def update_site(public_site_id: IdPath, body: PublicSiteUpdate, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(site_read(publish.update_site(db, principal, public_site_id, body)))


@router.post("/publish/sites/{public_site_id}/state", summary="发布或撤下载体", response_model=PublicSiteRead)
def site_state(public_site_id: IdPath, body: StateChange, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(site_read(publish.change_site_state(db, principal, public_site_id, body)))
