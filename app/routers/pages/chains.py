"""Industry chain pages (产业链): the chains (/chains), a chain's page (/chains/{id}: the picture, the table of
links with gaps first, its local firms, projects and 以商招商 rows), its XLSX, the coordinator's forms for a
chain and its links, attaching a local firm; a project's link (/projects/{id}/chain-link) and an investor's
introducer (/investors/{id}/introducer). The API (app/routers/api/chains.py) calls the same services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.routing import IndexedRouter, reads_only
from app.schemas.chains import ChainCreate, ChainUpdate, FirmAdd, IntroducerSet, LinkCreate, LinkUpdate, ProjectLinkSet
from app.schemas.common import validate_form
from app.services import chain_projects, chains, export, investors, projects
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 20


def _text(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    if hasattr(form, "getlist"):
        values["unit_ids"] = [v for v in form.getlist("unit_ids") if isinstance(v, str)]
    return values


# --- the list --------------------------------------------------------------------------------------


@router.get("/chains")
@reads_only
def chain_list(request: Request, db: DbSession, principal: PagePrincipal, offset: OffsetQuery = 0) -> Response:
    rows, total = chains.list_chains(db, principal, limit=PAGE, offset=offset)
    return render(
        request,
        "chains/list.html",
        {"rows": rows, "total": total, "offset": offset, "page_size": PAGE, "can_keep": chains.can_keep(principal)},
    )


# --- a chain's form --------------------------------------------------------------------------------


def _chain_form(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    chain: Any = None,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    policy.ensure_coordinator(principal)
    return render(
        request,
        "chains/form.html",
        {
            "chain": chain,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "leader_options": chains.leader_options(db),
            "team_options": chains.team_options(db),
            "unit_options": chains.unit_options(db),
            "firm_options": chains.firm_options(db, principal, keep=chain.leading_investor_id if chain else None),
            "action": f"/chains/{chain.id}/edit" if chain is not None else "/chains",
        },
        status_code=status_code,
    )


@router.get("/chains/new")
def chain_new(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    values = {"sort_order": "0", "unit_ids": [], "idempotency_key": uuid.uuid4().hex}
    return _chain_form(request, db, principal, values=values)


@router.post("/chains")
def chain_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    values = _text(form)
    try:
        chain = chains.create_chain(db, principal, validate_form(ChainCreate, form))
    except Invalid as exc:
        return _chain_form(request, db, principal, values=values, errors=exc.errors, status_code=422)
    return guard.finish(go(request, f"/chains/{chain.id}?saved=1"))


@router.get("/chains/{chain_id}/edit")
def chain_edit(request: Request, db: DbSession, principal: PagePrincipal, chain_id: IdPath) -> Response:
    policy.ensure_coordinator(principal)
    chain = chains.get(db, chain_id)
    values: dict[str, Any] = {n: getattr(chain, n) for n in ChainUpdate.model_fields if hasattr(chain, n)}
    values["unit_ids"] = chains.unit_ids_of(db, chain_id)
    return _chain_form(request, db, principal, chain, values=values)


@router.post("/chains/{chain_id}/edit")
def chain_save(
    request: Request, db: DbSession, principal: PagePrincipal, chain_id: IdPath, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    chain = chains.get(db, chain_id)
    values = _text(form)
    try:
        chains.update_chain(db, principal, chain_id, validate_form(ChainUpdate, form))
    except Invalid as exc:
        return _chain_form(request, db, principal, chain, values=values, errors=exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = chain.version
        return _chain_form(request, db, principal, chain, values=values, conflict=exc.details, status_code=409)
    return go(request, f"/chains/{chain_id}?saved=1")


# --- a chain's page --------------------------------------------------------------------------------


def _offset(request: Request, name: str) -> int:
    raw = request.query_params.get(name, "")
    return min(int(raw), 1_000_000) if raw.isdigit() and len(raw) < 8 else 0


def _chain_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    chain_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    shown = chains.view(db, principal, chain_id)
    po, fo, ro = _offset(request, "po"), _offset(request, "fo"), _offset(request, "ro")
    project_rows, project_total = chain_projects.chain_projects(db, principal, chain_id, limit=PAGE, offset=po)
    firm_rows, firm_total = chains.firms(db, principal, chain_id, limit=PAGE, offset=fo)
    referral_rows, referral_total = chain_projects.referrals(db, principal, chain_id, limit=PAGE, offset=ro)
    can_attach = chains.can_attach_firms(principal)
    return render(
        request,
        "chains/detail.html",
        {
            "shown": shown,
            "chain": shown.chain,
            "graph": chains.graph(shown),
            "project_rows": project_rows,
            "project_total": project_total,
            "firm_rows": firm_rows,
            "firm_total": firm_total,
            "referral_rows": referral_rows,
            "referral_total": referral_total,
            "po": po,
            "fo": fo,
            "ro": ro,
            "page_size": PAGE,
            "can_keep": chains.can_keep(principal),
            "can_attach": can_attach,
            "firm_options": chains.firm_options(db, principal) if can_attach else [],
            "link_options": [(v.link.id, v.path) for v in shown.links],
            "values": values or {"idempotency_key": uuid.uuid4().hex},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/chains/{chain_id}")
@reads_only
def chain_detail(request: Request, db: DbSession, principal: PagePrincipal, chain_id: IdPath) -> Response:
    return _chain_page(request, db, principal, chain_id)


@router.get("/chains/{chain_id}/export.xlsx")
@reads_only
def chain_xlsx(db: DbSession, principal: PagePrincipal, chain_id: IdPath) -> Response:
    shown = chains.view(db, principal, chain_id)
    title = f"产业链：{shown.chain.name}"
    body = export.xlsx(
        title,
        chains.EXPORT_HEADERS,
        chains.export_rows(shown),
        number_formats={7: "#,##0.00", 8: "#,##0.00", 9: "#,##0.00"},
    )
    return Response(
        body,
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition(f"{title}.xlsx")},
    )


@router.post("/chains/{chain_id}/firms")
def firm_attach(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    chain_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = _text(form)
    try:
        chains.attach_firm(db, principal, chain_id, validate_form(FirmAdd, form))
    except Invalid as exc:
        return _chain_page(request, db, principal, chain_id, values=values, errors=exc.errors, status_code=422)
    return guard.finish(go(request, f"/chains/{chain_id}?saved=firm#firms"))


@router.post("/chains/{chain_id}/firms/{firm_id}/delete")
def firm_detach(
    request: Request, db: DbSession, principal: PagePrincipal, chain_id: IdPath, firm_id: IdPath
) -> Response:
    chains.detach_firm(db, principal, chain_id, firm_id)
    return go(request, f"/chains/{chain_id}?saved=firm#firms")


# --- a link's forms --------------------------------------------------------------------------------


def _link_form(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    chain_id: int,
    link: Any = None,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    policy.ensure_coordinator(principal)
    chain = chains.get(db, chain_id)
    ordered = chains.tree_order(chains.links_of(db, [chain_id]))
    below = chains.descendants(ordered, link.id) if link is not None else set()
    return render(
        request,
        "chains/link_form.html",
        {
            "chain": chain,
            "link": link,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "parent_options": [(x.id, path) for x, path, _ in ordered if x.id not in below],
            "stage_options": chains.STAGE_OPTIONS,
            "action": f"/chains/{chain_id}/links/{link.id}" if link is not None else f"/chains/{chain_id}/links",
        },
        status_code=status_code,
    )


@router.get("/chains/{chain_id}/links/new")
def link_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    chain_id: IdPath,
    parent_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    values = {"parent_id": parent_id, "stage": "midstream", "weak_threshold": "2", "idempotency_key": uuid.uuid4().hex}
    if parent_id is not None:
        parent = chains.get_link(db, chain_id, parent_id)
        values["stage"] = parent.stage.value
    return _link_form(request, db, principal, chain_id, values=values)


@router.post("/chains/{chain_id}/links")
def link_add(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    chain_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    policy.ensure_coordinator(principal)
    values = _text(form)
    try:
        chains.add_link(db, principal, chain_id, validate_form(LinkCreate, form))
    except Invalid as exc:
        return _link_form(request, db, principal, chain_id, values=values, errors=exc.errors, status_code=422)
    return guard.finish(go(request, f"/chains/{chain_id}?saved=link"))


@router.get("/chains/{chain_id}/links/{link_id}")
def link_edit(request: Request, db: DbSession, principal: PagePrincipal, chain_id: IdPath, link_id: IdPath) -> Response:
    policy.ensure_coordinator(principal)
    link = chains.get_link(db, chain_id, link_id)
    values = {n: getattr(link, n) for n in LinkUpdate.model_fields}
    values["stage"] = link.stage.value
    return _link_form(request, db, principal, chain_id, link, values=values)


@router.post("/chains/{chain_id}/links/{link_id}")
def link_save(
    request: Request, db: DbSession, principal: PagePrincipal, chain_id: IdPath, link_id: IdPath, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)
    link = chains.get_link(db, chain_id, link_id)
    values = _text(form)
    try:
        chains.update_link(db, principal, chain_id, link_id, validate_form(LinkUpdate, form))
    except Invalid as exc:
        return _link_form(request, db, principal, chain_id, link, values=values, errors=exc.errors, status_code=422)
    except Conflict as exc:
        values["version"] = link.version
        return _link_form(request, db, principal, chain_id, link, values=values, conflict=exc.details, status_code=409)
    return go(request, f"/chains/{chain_id}?saved=link")


@router.post("/chains/{chain_id}/links/{link_id}/delete")
def link_delete(
    request: Request, db: DbSession, principal: PagePrincipal, chain_id: IdPath, link_id: IdPath
) -> Response:
    policy.ensure_coordinator(principal)
    link = chains.get_link(db, chain_id, link_id)
    try:
        chains.delete_link(db, principal, chain_id, link_id)
    except Invalid as exc:
        values = {n: getattr(link, n) for n in LinkUpdate.model_fields}
        values["stage"] = link.stage.value
        return _link_form(request, db, principal, chain_id, link, values=values, errors=exc.errors, status_code=422)
    return go(request, f"/chains/{chain_id}?saved=deleted")


# --- a project's link ------------------------------------------------------------------------------


def _project_section(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    found = chain_projects.project_link(db, principal, project_id)
    can_write = projects.can_write(principal, found.project)
    return render(
        request,
        "chains/project.html",
        {
            "found": found,
            "project": found.project,
            "name": projects.display_name(principal, found.project),
            "can_write": can_write,
            "link_options": chain_projects.link_options(db) if can_write else [],
            "values": values or {"chain_link_id": found.link.id if found.link else ""},
            "errors": errors or {},
            "conflict": conflict,
        },
        block="section",
        status_code=status_code,
    )


@router.get("/projects/{project_id}/chain-link")
@reads_only
def project_link(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _project_section(request, db, principal, project_id)


@router.post("/projects/{project_id}/chain-link")
def project_link_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    projects.get_for_write(db, principal, project_id)  # refused before the form is read
    values = _text(form)
    try:
        chain_projects.set_project_link(db, principal, project_id, validate_form(ProjectLinkSet, form))
    except Invalid as exc:
        return _project_section(request, db, principal, project_id, values=values, errors=exc.errors, status_code=422)
    except Conflict as exc:
        return _project_section(
            request, db, principal, project_id, values=values, conflict=exc.details, status_code=409
        )
    return go(request, f"/projects/{project_id}?saved=chain#chain-link")


# --- an investor's introducer ----------------------------------------------------------------------


def _introducer_section(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    investor_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    found = chain_projects.introducer_of(db, principal, investor_id)
    investor = investors.get_shown(db, principal, investor_id)
    can_write = chain_projects.can_set_introducer(principal, investor)
    return render(
        request,
        "chains/introducer.html",
        {
            "found": found,
            "investor": investor,
            "can_write": can_write,
            "options": (
                chain_projects.introducer_options(db, principal, investor_id, found.introducer_id) if can_write else []
            ),
            "values": values or {"introducer_id": found.introducer_id or "", "note": found.note},
            "errors": errors or {},
            "conflict": conflict,
        },
        block="section",
        status_code=status_code,
    )


@router.get("/investors/{investor_id}/introducer")
@reads_only
def introducer(request: Request, db: DbSession, principal: PagePrincipal, investor_id: IdPath) -> Response:
    return _introducer_section(request, db, principal, investor_id)


@router.post("/investors/{investor_id}/introducer")
def introducer_save(
    request: Request, db: DbSession, principal: PagePrincipal, investor_id: IdPath, form: RequestForm
) -> Response:
    values = _text(form)
    try:
        chain_projects.set_introducer(db, principal, investor_id, validate_form(IntroducerSet, form))
    except Invalid as exc:
        return _introducer_section(
            request, db, principal, investor_id, values=values, errors=exc.errors, status_code=422
        )
    except Conflict as exc:
        return _introducer_section(
            request, db, principal, investor_id, values=values, conflict=exc.details, status_code=409
        )
    return go(request, f"/investors/{investor_id}?saved=introducer#introducer")
