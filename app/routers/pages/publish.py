"""The coordinator's publish step (/publish): the county's profile, published projects (made from 策划包装
projects) and published sites (from plots and buildings), each with its Chinese and English text, a preview
of the public page as it would appear, publishing and withdrawing. The API (app/routers/api/publish.py)
calls the same services (app/services/publish.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid, NotFound
from app.models.publish import PublicProfile, PublicProject, PublicSite
from app.routers.pages.invest import page_context, render_public
from app.routing import IndexedRouter, reads_only
from app.schemas.common import validate_form
from app.schemas.publish import (
    ProfileSave,
    ProjectFields,
    PublicProjectCreate,
    PublicProjectUpdate,
    PublicSiteCreate,
    PublicSiteUpdate,
    SiteFields,
    StateChange,
)
from app.services import invest, publish
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
LangPath = Annotated[str, Path(pattern="^(zh|en)$")]
PAGE = 50
PROFILE_FIELDS = [
    f"{n}_{lang}" for n in ("title", "intro", "industries", "figures", "policies") for lang in ("zh", "en")
]


def _text(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _values(row: Any, names: Any) -> dict[str, Any]:
    return {n: getattr(row, n) for n in names if hasattr(row, n)}


# --- the overview ----------------------------------------------------------------------------------


@router.get("/publish")
@reads_only
def publish_home(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    profile = publish.profile(db, principal)
    project_rows, project_total = publish.list_projects(db, principal, limit=PAGE, offset=0)
    site_rows, site_total = publish.list_sites(db, principal, limit=PAGE, offset=0)
    return render(
        request,
        "publish/index.html",
        {
            "profile": profile,
            "project_rows": project_rows,
            "project_total": project_total,
            "site_rows": site_rows,
            "site_total": site_total,
            "project_options": publish.publishable_projects(db, principal),
            "site_options": publish.site_options(db, principal),
        },
    )


# --- the profile -----------------------------------------------------------------------------------


def _profile_form(
    request: Request,
    row: PublicProfile | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "publish/profile.html",
        {"row": row, "values": values, "errors": errors or {}, "conflict": conflict},
        status_code=status_code,
    )


@router.get("/publish/profile")
def profile_edit(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    row = publish.profile(db, principal)
    values = _values(row, PROFILE_FIELDS) if row else {}
    values["version"] = row.version if row else 0
    return _profile_form(request, row, values)


@router.post("/publish/profile")
def profile_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    row = publish.profile(db, principal)
    values = _text(form)
    try:
        publish.save_profile(db, principal, validate_form(ProfileSave, form))
    except Invalid as exc:
        return _profile_form(request, row, values, exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = row.version if row else 0
        return _profile_form(request, row, values, conflict=exc.details, status_code=409)
    return go(request, "/publish/profile?saved=1")


@router.post("/publish/profile/state")
def profile_state(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    row = publish.profile(db, principal)
    try:
        publish.change_profile_state(db, principal, validate_form(StateChange, form))
    except Invalid as exc:
        values = _values(row, PROFILE_FIELDS) if row else {}
        values["version"] = row.version if row else 0
        return _profile_form(request, row, values, exc.errors, status_code=422)
    except Conflict as exc:
        values = _values(row, PROFILE_FIELDS) if row else {}
        values["version"] = row.version if row else 0
        return _profile_form(request, row, values, conflict=exc.details, status_code=409)
    return go(request, "/publish/profile?saved=1")


def _preview(request: Request, template: str, lang: str, tail: str, back: str, state: str, **context: Any) -> Response:
    ctx = page_context(request, lang, tail, **context)
    ctx.update(preview=True, preview_back=back, preview_state=state)
    response = HTMLResponse(render_public(template, ctx))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/publish/profile/preview/{lang}")
@reads_only
def profile_preview(request: Request, db: DbSession, principal: PagePrincipal, lang: LangPath) -> Response:
    row = publish.profile(db, principal)
    if row is None:
        raise NotFound("尚未填写投资环境介绍")
    context = {"profile": row, "projects_count": len(invest.projects(db)), "sites_count": len(invest.sites(db))}
    return _preview(request, "index.html", lang, "", "/publish/profile", row.state.label, **context)


# --- published projects ----------------------------------------------------------------------------


def _project_form(
    request: Request,
    row: PublicProject | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "publish/project_form.html",
        {
            "row": row,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "sectors": [(k, v) for k, v in invest.SECTOR_NAMES["zh"].items()],
            "action": f"/publish/projects/{row.id}" if row else "/publish/projects",
        },
        status_code=status_code,
    )


@router.get("/publish/projects/new")
def project_new(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdQuery = None) -> Response:
    policy.ensure_coordinator(principal)
    values: dict[str, Any] = {"idempotency_key": uuid.uuid4().hex, "sort_order": 0}
    errors: dict[str, str] = {}
    if project_id is None:
        errors["project_id"] = "请选择要发布的策划包装项目"
    else:
        try:
            values.update(publish.project_prefill(db, principal, project_id))
        except Invalid as exc:
            errors = exc.errors
    if errors:
        return go(request, "/publish?project_refused=" + str(project_id or ""))
    return _project_form(request, None, values)


@router.post("/publish/projects")
def project_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    values = _text(form)
    try:
        row = publish.create_project(db, principal, validate_form(PublicProjectCreate, form))
    except Invalid as exc:
        return _project_form(request, None, values, exc.errors, status_code=422)
    return guard.finish(go(request, f"/publish/projects/{row.id}?saved=1"))


@router.get("/publish/projects/{public_project_id}")
def project_edit(request: Request, db: DbSession, principal: PagePrincipal, public_project_id: IdPath) -> Response:
    row = publish.get_project(db, principal, public_project_id)
    values = _values(row, [*ProjectFields.model_fields, "version"])
    return _project_form(request, row, values)


@router.post("/publish/projects/{public_project_id}")
def project_save(
    request: Request, db: DbSession, principal: PagePrincipal, public_project_id: IdPath, form: RequestForm
) -> Response:
    row = publish.get_project(db, principal, public_project_id)
    values = _text(form)
    try:
        publish.update_project(db, principal, public_project_id, validate_form(PublicProjectUpdate, form))
    except Invalid as exc:
        return _project_form(request, row, values, exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = row.version
        return _project_form(request, row, values, conflict=exc.details, status_code=409)
    return go(request, f"/publish/projects/{public_project_id}?saved=1")


@router.post("/publish/projects/{public_project_id}/state")
def project_state(
    request: Request, db: DbSession, principal: PagePrincipal, public_project_id: IdPath, form: RequestForm
) -> Response:
    row = publish.get_project(db, principal, public_project_id)
    values = _values(row, [*ProjectFields.model_fields, "version"])
    try:
        publish.change_project_state(db, principal, public_project_id, validate_form(StateChange, form))
    except Invalid as exc:
        return _project_form(request, row, values, exc.errors, status_code=422)
    except Conflict as exc:
        return _project_form(request, row, values, conflict=exc.details, status_code=409)
    return go(request, f"/publish/projects/{public_project_id}?saved=1")


@router.get("/publish/projects/{public_project_id}/preview/{lang}")
@reads_only
def project_preview(
    request: Request, db: DbSession, principal: PagePrincipal, public_project_id: IdPath, lang: LangPath
) -> Response:
    row = publish.get_project(db, principal, public_project_id)
    back = f"/publish/projects/{public_project_id}"
    return _preview(
        request, "project.html", lang, f"projects/{public_project_id}", back, row.state.label, row=row,
        sectors=invest.SECTOR_NAMES[lang],
    )  # fmt: skip


# --- published sites -------------------------------------------------------------------------------


def _site_form(
    request: Request,
    row: PublicSite | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "publish/site_form.html",
        {
            "row": row,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "action": f"/publish/sites/{row.id}" if row else "/publish/sites",
        },
        status_code=status_code,
    )


@router.get("/publish/sites/new")
def site_new(
    request: Request, db: DbSession, principal: PagePrincipal, plot_id: IdQuery = None, building_id: IdQuery = None
) -> Response:
    policy.ensure_coordinator(principal)
    values: dict[str, Any] = {"idempotency_key": uuid.uuid4().hex, "sort_order": 0}
    try:
        values.update(publish.site_prefill(db, principal, plot_id=plot_id, building_id=building_id))
    except Invalid:
        return go(request, "/publish?site_refused=1")
    return _site_form(request, None, values)


@router.post("/publish/sites")
def site_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    values = _text(form)
    try:
        row = publish.create_site(db, principal, validate_form(PublicSiteCreate, form))
    except Invalid as exc:
        return _site_form(request, None, values, exc.errors, status_code=422)
    return guard.finish(go(request, f"/publish/sites/{row.id}?saved=1"))


@router.get("/publish/sites/{public_site_id}")
def site_edit(request: Request, db: DbSession, principal: PagePrincipal, public_site_id: IdPath) -> Response:
    row = publish.get_site(db, principal, public_site_id)
    return _site_form(request, row, _values(row, [*SiteFields.model_fields, "version"]))


@router.post("/publish/sites/{public_site_id}")
def site_save(
    request: Request, db: DbSession, principal: PagePrincipal, public_site_id: IdPath, form: RequestForm
) -> Response:
    row = publish.get_site(db, principal, public_site_id)
    values = _text(form)
    try:
        publish.update_site(db, principal, public_site_id, validate_form(PublicSiteUpdate, form))
    except Invalid as exc:
        return _site_form(request, row, values, exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = row.version
        return _site_form(request, row, values, conflict=exc.details, status_code=409)
    return go(request, f"/publish/sites/{public_site_id}?saved=1")


@router.post("/publish/sites/{public_site_id}/state")
def site_state(
    request: Request, db: DbSession, principal: PagePrincipal, public_site_id: IdPath, form: RequestForm
) -> Response:
    row = publish.get_site(db, principal, public_site_id)
    values = _values(row, [*SiteFields.model_fields, "version"])
    try:
        publish.change_site_state(db, principal, public_site_id, validate_form(StateChange, form))
    except Invalid as exc:
        return _site_form(request, row, values, exc.errors, status_code=422)
    except Conflict as exc:
        return _site_form(request, row, values, conflict=exc.details, status_code=409)
    return go(request, f"/publish/sites/{public_site_id}?saved=1")


@router.get("/publish/sites/{public_site_id}/preview/{lang}")
@reads_only
def site_preview(
    request: Request, db: DbSession, principal: PagePrincipal, public_site_id: IdPath, lang: LangPath
) -> Response:
    row = publish.get_site(db, principal, public_site_id)
    back = f"/publish/sites/{public_site_id}"
    return _preview(
        request,
        "site.html",
        lang,
        f"sites/{public_site_id}",
        back,
        row.state.label,
        row=row,
        area_unit=invest.site_area_unit,
    )
