"""Sections and people pages: a unit's people (its sections, cadres and the split of its targets, managed by
its head and the coordinator), everyone's list for those who read every unit, and each cadre's ledger
(干部招商台账) as a page and a workbook. The API (app/routers/api/people.py) calls the same services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.people import SectionKind
from app.routing import IndexedRouter
from app.schemas.common import PLAIN_TEXT_PATTERN, validate_form
from app.schemas.people import (
    CadreCreate,
    CadreUpdate,
    SectionUpdate,
    TargetSplitSet,
    people_form_values,
    people_from_form,
)
from app.schemas.people import SectionCreate as SectionCreateForm
from app.services import cadre_credits, export, ledgers, metrics, people, units, users, workdays
from app.templating import go, render

router = IndexedRouter()

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 50
LEDGER_PAGE = 20

SECTION_KINDS = [(k.value, k.label) for k in SectionKind]
SPLIT_METRICS = [(code, metrics.METRICS[code].label) for code in cadre_credits.PERSON_METRICS]


def _year(year: int | None) -> int:
    return year or workdays.today().year


def _unit_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: int,
    year: int,
    offset: int,
    *,
    errors: dict[str, str] | None = None,
    failed: str = "",
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    unit = units.get(db, unit_id)
    page = people.list_cadres(db, principal, year, unit_id=unit.id, active_only=False, limit=PAGE, offset=offset)
    all_sections = people.sections(db, unit.id)
    return render(
        request,
        "people/unit.html",
        {
            "unit": unit,
            "year": year,
            "offset": offset,
            "page": page,
            "sections": all_sections,
            "section_names": {s.id: s.name for s in all_sections},
            "section_figures": ledgers.section_figures(db, unit.id, year),
            "section_targets": people.section_splits(db, unit.id, year),
            "splits": people.split_summary(db, unit.id, year),
            "options": people.cadre_options(db, unit.id),
            "can_manage": people.can_manage(db, principal, unit.id),
            "columns": cadre_credits.LEDGER_COLUMNS,
            "short_labels": cadre_credits.SHORT_LABELS,
            "section_kinds": SECTION_KINDS,
            "split_metrics": SPLIT_METRICS,
            "errors": errors or {},
            "failed": failed,
            "values": values or {},
            "keys": {"section": uuid.uuid4().hex, "cadre": uuid.uuid4().hex},
        },
        status_code=status_code,
    )


@router.get("/units/{unit_id}/people")
def unit_people(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: IdPath,
    year: YearQuery = None,
    offset: OffsetQuery = 0,
) -> Response:
    return _unit_page(request, db, principal, unit_id, _year(year), offset)


def _refused_form(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: int,
    year: int,
    exc: Invalid,
    failed: str,
    form: RequestForm,
) -> Response:
    return _unit_page(
        request, db, principal, unit_id, year, 0, errors=exc.errors, failed=failed, values=dict(form), status_code=422
    )


def _form_year(form: RequestForm) -> int:
    raw = str(form.get("year", "")).strip()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else workdays.today().year


@router.post("/units/{unit_id}/sections")
def section_create(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    unit = units.get(db, unit_id)
    people.ensure_manage(db, principal, unit.id)  # before validating: a refused form is never echoed back
    year = _form_year(form)
    try:
        people.create_section(db, principal, unit.id, validate_form(SectionCreateForm, form, ignore=("year",)))
    except Invalid as exc:
        return _refused_form(request, db, principal, unit.id, year, exc, "section", form)
    return guard.finish(go(request, f"/units/{unit.id}/people?year={year}"))


@router.post("/units/{unit_id}/people")
def cadre_create(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    unit = units.get(db, unit_id)
    people.ensure_manage(db, principal, unit.id)
    year = _form_year(form)
    try:
        people.create_cadre(db, principal, unit.id, validate_form(CadreCreate, form, ignore=("year",)))
    except Invalid as exc:
        return _refused_form(request, db, principal, unit.id, year, exc, "cadre", form)
    return guard.finish(go(request, f"/units/{unit.id}/people?year={year}"))


@router.post("/units/{unit_id}/people/split")
def split_target(
    request: Request, db: DbSession, principal: PagePrincipal, unit_id: IdPath, form: RequestForm
) -> Response:
    unit = units.get(db, unit_id)
    people.ensure_manage(db, principal, unit.id)
    year = _form_year(form)
    holder = "split_section" if form.get("section_id") is not None else "split_cadre"
    try:
        data = validate_form(TargetSplitSet, form)
        people.split_target(
            db,
            principal,
            year=data.year,
            metric=data.metric,
            amount=data.amount,
            section_id=data.section_id,
            cadre_id=data.cadre_id,
            unit_id=unit.id,
        )
    except Invalid as exc:
        return _refused_form(request, db, principal, unit.id, year, exc, holder, form)
    return go(request, f"/units/{unit.id}/people?year={year}")


# --- a section's and a cadre's own forms --------------------------------------------------------


def _section_options(db: DbSession, unit_id: int) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in people.sections(db, unit_id, active_only=True)]


def _edit_page(
    request: Request,
    db: DbSession,
    template: str,
    context: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        template,
        {**context, "errors": errors or {}, "conflict": conflict, "section_kinds": SECTION_KINDS},
        status_code=status_code,
    )


@router.get("/sections/{section_id}/edit")
def section_edit(request: Request, db: DbSession, principal: PagePrincipal, section_id: IdPath) -> Response:
    section = people.get_section(db, principal, section_id)
    people.ensure_manage(db, principal, section.unit_id)
    values = {k: getattr(section, k) for k in ("name", "sort_order", "is_active", "version")} | {
        "kind": section.kind.value
    }
    return _edit_page(request, db, "people/section_form.html", {"section": section, "values": values})


@router.post("/sections/{section_id}/edit")
def section_update(
    request: Request, db: DbSession, principal: PagePrincipal, section_id: IdPath, form: RequestForm
) -> Response:
    section = people.get_section(db, principal, section_id)
    people.ensure_manage(db, principal, section.unit_id)
    try:
        people.update_section(db, principal, section.id, validate_form(SectionUpdate, form))
    except (Invalid, Conflict) as exc:
        db.refresh(section)
        return _edit_page(
            request,
            db,
            "people/section_form.html",
            {"section": section, "values": dict(form)},
            errors=exc.errors if isinstance(exc, Invalid) else None,
            conflict=exc.details if isinstance(exc, Conflict) else None,
            status_code=422 if isinstance(exc, Invalid) else 409,
        )
    return go(request, f"/units/{section.unit_id}/people")


@router.get("/people/{cadre_id}/edit")
def cadre_edit(request: Request, db: DbSession, principal: PagePrincipal, cadre_id: IdPath) -> Response:
    cadre = people.get_cadre(db, principal, cadre_id)
    people.ensure_manage(db, principal, cadre.unit_id)
    values = {k: getattr(cadre, k) for k in ("name", "title", "section_id", "sort_order", "is_active", "version")}
    context = {"cadre": cadre, "values": values, "section_options": _section_options(db, cadre.unit_id)}
    return _edit_page(request, db, "people/cadre_form.html", context)


@router.post("/people/{cadre_id}/edit")
def cadre_update(
    request: Request, db: DbSession, principal: PagePrincipal, cadre_id: IdPath, form: RequestForm
) -> Response:
    cadre = people.get_cadre(db, principal, cadre_id)
    people.ensure_manage(db, principal, cadre.unit_id)
    try:
        people.update_cadre(db, principal, cadre.id, validate_form(CadreUpdate, form))
    except (Invalid, Conflict) as exc:
        db.refresh(cadre)
        context = {"cadre": cadre, "values": dict(form), "section_options": _section_options(db, cadre.unit_id)}
        return _edit_page(
            request,
            db,
            "people/cadre_form.html",
            context,
            errors=exc.errors if isinstance(exc, Invalid) else None,
            conflict=exc.details if isinstance(exc, Conflict) else None,
            status_code=422 if isinstance(exc, Invalid) else 409,
        )
    return go(request, f"/units/{cadre.unit_id}/people")


# --- everyone, and a cadre's ledger -----------------------------------------------------------


@router.get("/people")
def everyone(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: YearQuery = None,
    q: str = Query("", max_length=50, pattern=PLAIN_TEXT_PATTERN),
    offset: OffsetQuery = 0,
) -> Response:
    """Those who read every unit: everyone; a unit's head: their unit's people; anyone else: their ledger."""
    if not principal.reads_everything:
        if principal.unit_id is not None and people.can_read_unit_people(db, principal, principal.unit_id):
            return RedirectResponse(f"/units/{principal.unit_id}/people", status_code=303)
        return RedirectResponse("/people/me", status_code=303)
    chosen = _year(year)
    page = people.list_cadres(db, principal, chosen, q=q.strip(), limit=PAGE, offset=offset)
    return render(
        request,
        "people/index.html",
        {
            "page": page,
            "year": chosen,
            "q": q,
            "offset": offset,
            "unit_names": people.unit_names(db, {c.unit_id for c, _f, _t in page.rows}),
            "columns": cadre_credits.LEDGER_COLUMNS,
            "short_labels": cadre_credits.SHORT_LABELS,
        },
        block="results",
    )


@router.get("/people/me")
def my_ledger(db: DbSession, principal: PagePrincipal) -> Response:
    if principal.user_id is None:
        return RedirectResponse("/", status_code=303)
    cadre = people.cadre_of_user(db, users.get(db, principal, principal.user_id))
    return RedirectResponse(f"/people/{cadre.id}", status_code=303)


@router.get("/people/{cadre_id}")
def ledger(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    cadre_id: IdPath,
    year: YearQuery = None,
    leads_offset: OffsetQuery = 0,
    projects_offset: OffsetQuery = 0,
) -> Response:
    chosen = _year(year)
    book = ledgers.ledger(db, principal, cadre_id, chosen)
    lead_rows, lead_total = ledgers.ledger_leads(
        db, principal, book.cadre, chosen, limit=LEDGER_PAGE, offset=leads_offset
    )
    project_rows, project_total = ledgers.ledger_projects(
        db, principal, book.cadre, limit=LEDGER_PAGE, offset=projects_offset
    )
    return render(
        request,
        "people/ledger.html",
        {
            "book": book,
            "year": chosen,
            "columns": cadre_credits.LEDGER_COLUMNS,
            "short_labels": cadre_credits.SHORT_LABELS,
            "lead_rows": lead_rows,
            "lead_total": lead_total,
            "leads_offset": leads_offset,
            "project_rows": project_rows,
            "project_total": project_total,
            "projects_offset": projects_offset,
            "page_size": LEDGER_PAGE,
            "can_manage": people.can_manage(db, principal, book.cadre.unit_id),
            "sees_unit": people.can_read_unit_people(db, principal, book.cadre.unit_id),
        },
    )


@router.get("/people/{cadre_id}/ledger.xlsx")
def ledger_xlsx(db: DbSession, principal: PagePrincipal, cadre_id: IdPath, year: YearQuery = None) -> Response:
    chosen = _year(year)
    book = ledgers.ledger(db, principal, cadre_id, chosen)
    body = export.xlsx(
        f"{book.cadre.name}{chosen}年招商台账",
        ledgers.ledger_headers(),
        ledgers.ledger_rows(book),
        number_formats={i + 1: "#,##0.00" for i in range(len(cadre_credits.LEDGER_COLUMNS))},
    )
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": export.content_disposition(f"{book.cadre.name}-{chosen}年招商台账.xlsx")},
    )


# --- who worked a lead, a project, a visit or an activity ----------------------------------------

CREDIT_RULES = {
    "lead": "未指定时计入线索的提供人。多人经办时按份额计入各人的台账。",
    "project": "未指定时随来源线索的经手人；没有来源线索的，计入录入项目的人。多人经办时按份额计入各人的台账。",
    "visit": "未指定时计入登记这次走访（进度）的人。多人同去时按份额计入各人的台账。",
}
ACTIVITY_RULE = "登记活动时未指定的，计入登记人本人。多人经办时按份额计入各人的台账。"
ActivityKind = Annotated[str, Path(pattern="^(trip|reception|event|trade)$")]


def _credit_values(shares: list[cadre_credits.PersonShare]) -> dict[str, str]:
    values: dict[str, str] = {}
    for i, p in enumerate(s for s in shares if not s.is_default):
        values |= {f"cadre_{i}": str(p.cadre_id), f"share_{i}": people.plain(p.share)}
    return values


def _credits_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    kind: str,
    record_id: int,
    action: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record = cadre_credits.record_of(db, principal, kind, record_id)
    shares = cadre_credits.people_of(db, record)
    values = values if values is not None else _credit_values(shares)
    chosen = [int(v) for k, v in values.items() if k.startswith("cadre_") and v.isdigit()]
    return render(
        request,
        "people/credits.html",
        {
            "record": record,
            "shares": shares,
            "rule": CREDIT_RULES.get(kind, ACTIVITY_RULE),
            "can_write": record.writable,
            "options": cadre_credits.options_for(db, record, chosen),
            "values": values,
            "rows": max(3, len(chosen) + 2),
            "action": action,
            "errors": errors or {},
        },
        status_code=status_code,
    )


def _set_credits(
    request: Request, db: DbSession, principal: PagePrincipal, kind: str, record_id: int, action: str, form: RequestForm
) -> Response:
    record = cadre_credits.record_of(db, principal, kind, record_id, write=True)  # a refused form is never echoed
    try:
        cadre_credits.set_record_people(db, principal, kind, record.id, people_from_form(form))
    except Invalid as exc:
        return _credits_page(
            request,
            db,
            principal,
            kind,
            record.id,
            action,
            errors=exc.errors,
            values=people_form_values(form),
            status_code=422,
        )
    return go(request, record.back)


@router.get("/leads/{lead_id}/people")
def lead_credits(request: Request, db: DbSession, principal: PagePrincipal, lead_id: IdPath) -> Response:
    return _credits_page(request, db, principal, "lead", lead_id, f"/leads/{lead_id}/people")


@router.post("/leads/{lead_id}/people")
def lead_credits_set(
    request: Request, db: DbSession, principal: PagePrincipal, lead_id: IdPath, form: RequestForm
) -> Response:
    return _set_credits(request, db, principal, "lead", lead_id, f"/leads/{lead_id}/people", form)


@router.get("/projects/{project_id}/people")
def project_credits(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _credits_page(request, db, principal, "project", project_id, f"/projects/{project_id}/people")


@router.post("/projects/{project_id}/people")
def project_credits_set(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    return _set_credits(request, db, principal, "project", project_id, f"/projects/{project_id}/people", form)


@router.get("/progress/{update_id}/people")
def visit_credits(request: Request, db: DbSession, principal: PagePrincipal, update_id: IdPath) -> Response:
    return _credits_page(request, db, principal, "visit", update_id, f"/progress/{update_id}/people")


@router.post("/progress/{update_id}/people")
def visit_credits_set(
    request: Request, db: DbSession, principal: PagePrincipal, update_id: IdPath, form: RequestForm
) -> Response:
    return _set_credits(request, db, principal, "visit", update_id, f"/progress/{update_id}/people", form)


@router.get("/activities/{kind}/{record_id}/people")
def activity_credits(
    request: Request, db: DbSession, principal: PagePrincipal, kind: ActivityKind, record_id: IdPath
) -> Response:
    return _credits_page(request, db, principal, kind, record_id, f"/activities/{kind}/{record_id}/people")


@router.post("/activities/{kind}/{record_id}/people")
def activity_credits_set(
    request: Request, db: DbSession, principal: PagePrincipal, kind: ActivityKind, record_id: IdPath, form: RequestForm
) -> Response:
    return _set_credits(request, db, principal, kind, record_id, f"/activities/{kind}/{record_id}/people", form)
