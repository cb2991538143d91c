"""Lead pages: the one-screen entry form, lists with filters and export, duplicates, registry, catalogue."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Duplicate, Invalid, NotFound
from app.models.investor import INVESTOR_TYPE_LABELS, InvestorType
from app.models.lead import CHANNEL_LABELS, Channel, DuplicateStatus, LeadStatus
from app.models.project import Project
from app.principal import Principal
from app.routers.pages import investor_pick, unit_search
from app.routing import IndexedRouter, long_running
from app.schemas.common import translate_errors, validate_form
from app.schemas.leads import (
    DecideClaim,
    InvestorCreate,
    InvestorUpdate,
    LeadCreate,
    LeadJudge,
    NativeCreate,
    RegisterProject,
)
from app.services import (
    app_settings,
    audit,
    cadre_credits,
    export,
    history,
    investors,
    leads,
    natives,
    projects,
    registry,
    target_companies,
    units,
    workdays,
)
from app.services.leads import DuplicateSuspected, LeadFilter
from app.templating import go, render

router = IndexedRouter()

CHANNEL_OPTIONS = [(c.value, CHANNEL_LABELS[c]) for c in Channel]
STATUS_OPTIONS = [(s.value, s.label) for s in LeadStatus]
TYPE_OPTIONS = [(t.value, INVESTOR_TYPE_LABELS[t]) for t in InvestorType]


def _unit_options(db: DbSession) -> list[tuple[int, str]]:
    rows, _ = units.list_units(db)
    return [(u.id, "　" * depth + u.name) for u, depth in units.tree(rows)]


# --- the entry form --------------------------------------------------------------------------

INVESTOR_PREFIX = "investor_"


def lead_input(form: FormData) -> LeadCreate:
    """The flat form as a LeadCreate: investor_* fields form the new investor when none was picked."""
    data: dict[str, Any] = {}
    investor: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key in ("csrf_token", "idempotency_key", "investor_new") or not isinstance(value, str):
            continue
        if key == "investor_id":
            data[key] = value or None
        elif key.startswith(INVESTOR_PREFIX):
            if value.strip():
                investor[key.removeprefix(INVESTOR_PREFIX)] = value
        elif key == "acknowledge_duplicates":
            data[key] = value in ("on", "true", "1")
        elif value.strip():  # a blank required field (channel, date) is reported as 此项必填
            data[key] = value
    if not data.get("investor_id"):
        data["investor"] = investor or None
    try:
        return LeadCreate.model_validate(data)
    except ValidationError as exc:
        errors = {}
        for field, message in translate_errors(exc.errors()).items():
            errors[field.replace("investor.", INVESTOR_PREFIX)] = message
        if "__all__" in errors and "investor_name" not in errors and not data.get("investor_id"):
            errors.setdefault("investor_name", errors["__all__"])
        raise Invalid(errors) from None


def _asked_about_investor(db: DbSession, principal: Principal, form: FormData) -> LeadCreate:
    """The form as a LeadCreate, once its new investor is known to be one (investors.ensure_chosen): a
    half-typed name is asked about together with the other fields' problems."""
    create_new = form.get("investor_new") in ("on", "true", "1")
    try:
        data = lead_input(form)
    except Invalid as exc:
        name = str(form.get("investor_name") or "").strip()
        if not form.get("investor_id") and "investor_name" not in exc.errors and len(name) >= 2:
            try:
                investors.ensure_chosen(db, principal, InvestorCreate(name=name), create_new=create_new)
            except investors.NotChosen as ask:
                ask.errors.update(exc.errors)
                raise ask from None
            except ValidationError:
                pass
        raise
    if data.investor is not None:
        investors.ensure_chosen(db, principal, data.investor, create_new=create_new)
    return data


def _form_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    matches: list[dict[str, Any]] | None = None,
    investor_choices: Any = (),
    status_code: int = 200,
) -> Response:
    values = values or {"lead_date": workdays.today().isoformat(), "channel": "", "investor_type": "private"}
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    picked = None
    if values.get("investor_id"):
        try:
            picked = investors.get_shown(db, principal, int(values["investor_id"]))
        except (ValueError, Exception):
            picked = None
    context = {
        "values": values,
        "errors": errors or {},
        "matches": matches or [],
        "picked": picked,
        "investor_choices": investor_choices,
        "channel_options": CHANNEL_OPTIONS,
        "type_options": TYPE_OPTIONS,
        "unit_options": _unit_options(db) if principal.is_coordinator else [],
    }
    return render(request, "leads/new.html", context, status_code=status_code, block="form")


@router.get("/leads/new")
def lead_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    investor_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    leads.ensure_can_report(principal)
    if investor_id:  # a suggestion followed without JavaScript
        values = {"lead_date": workdays.today().isoformat(), "channel": "", "investor_id": str(investor_id)}
        return _form_page(request, db, principal, values=values)
    return _form_page(request, db, principal)


@router.get("/leads/new/lookup")
def lead_lookup(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    investor_name: str = Query("", max_length=200),
    contact_phone: str = Query("", max_length=30),
    investor_credit_code: str = Query("", max_length=30),
    investor_new: str = Query("", max_length=10),
) -> Response:
    """As the user types: matching investors to pick, the box that confirms a new record when the name is
    not in the catalogue, and a warning if another unit already reported one."""
    name = " ".join(investor_name.split())
    suggestions = investors.search(db, principal, name, limit=6)[0] if len(name) >= 2 else []
    ask_new = ""
    if len(name) >= 2:
        try:
            ask_new = "" if investors.find_existing(db, InvestorCreate(name=name)) else name
        except ValidationError:
            ask_new = ""
    from app.services import credit_code as cc

    code = cc.normalise(investor_credit_code) if investor_credit_code and cc.is_valid(investor_credit_code) else None
    matches = (
        [
            m.to_dict()
            for m in leads.find_matches(
                db, principal, investor=None, name=investor_name.strip(), code=code, phones=[contact_phone]
            )
        ]
        if investor_name.strip() or code or contact_phone
        else []
    )
    return render(
        request,
        "leads/_lookup.html",
        {"suggestions": suggestions, "matches": matches, "ask_new": ask_new, "investor_new": investor_new == "on"},
    )


@router.get("/leads/new/investor")
def lead_pick_investor(
    request: Request, db: DbSession, principal: PagePrincipal, id: int | None = Query(None, ge=1, le=2_147_483_647)
) -> Response:
    picked = investors.get_shown(db, principal, id) if id else None
    matches = (
        [
            m.to_dict()
            for m in leads.find_matches(
                db, principal, investor=picked, name=picked.name, code=picked.credit_code, phones=[picked.contact_phone]
            )
        ]
        if picked
        else []
    )
    return render(
        request,
        "leads/_investor.html",
        {"picked": picked, "values": {}, "errors": {}, "type_options": TYPE_OPTIONS, "matches": matches},
    )


@router.post("/leads/new")
def lead_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    leads.ensure_can_report(principal)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        data = _asked_about_investor(db, principal, form)
        lead = leads.create(db, principal, data, brought_by_id=principal.user_id)
    except DuplicateSuspected as exc:
        return _form_page(request, db, principal, values=values, matches=exc.details, status_code=409)
    except (Invalid, Duplicate) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {exc.field or "__all__": exc.message}
        choices = exc.choices if isinstance(exc, investors.NotChosen) else ()
        return _form_page(
            request, db, principal, values=values, errors=errors, investor_choices=choices, status_code=422
        )
    return guard.finish(go(request, f"/leads/{lead.id}?created=1"))


# --- lists -----------------------------------------------------------------------------------


def _filter(
    unit_id: str, channel: str, status: str, industry: str, month: str, q: str, duplicates_only: bool
) -> LeadFilter:
    """The list's filters from the query string. A blank choice (全部) arrives as an empty value."""
    errors = {}
    unit_value: int | None = None
    if unit_id.strip():
        try:
            unit_value = int(unit_id)
        except ValueError:
            errors["unit_id"] = "请选择有效的单位"
        else:
            if not 1 <= unit_value <= 2_147_483_647:
                errors["unit_id"] = "请选择有效的单位"
    try:
        channel_value = Channel(channel) if channel else None
    except ValueError:
        errors["channel"] = "请选择有效的渠道"
        channel_value = None
    try:
        status_value = LeadStatus(status) if status else None
    except ValueError:
        errors["status"] = "请选择有效的状态"
        status_value = None
    if month:
        try:
            leads.month_range(month)
        except Invalid:
            errors["month"] = "月份格式应为 YYYY-MM"
    if errors:
        raise Invalid(errors)
    return LeadFilter(
        unit_id=unit_value,
        channel=channel_value,
        status=status_value,
        industry=industry.strip(),
        month=month,
        q=q.strip(),
        duplicates_only=duplicates_only,
    )


@router.get("/leads")
def lead_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: str = Query("", max_length=12),
    channel: str = Query("", max_length=30),
    status: str = Query("", max_length=20),
    industry: str = Query("", max_length=60),
    month: str = Query("", max_length=7),
    q: str = Query("", max_length=100),
    duplicates_only: bool = False,
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:
    f = _filter(unit_id, channel, status, industry, month, q, duplicates_only)
    unit = unit_search.pick(request, db, principal, f.unit_id)  # a typed unit name names the unit to filter by
    if unit is not None:
        f.unit_id = unit.unit_id
    rows, total = leads.list_leads(db, principal, f, limit=50, offset=offset)
    context: dict[str, Any] = {
        "rows": rows,
        "total": total,
        "offset": offset,
        "f": f,
        "query": unit_search.canonical_query(request, unit),
        "channel_options": CHANNEL_OPTIONS,
        "status_options": STATUS_OPTIONS,
        **unit_search.context(request, unit),
    }
    if principal.reads_everything:
        context["open_pairs"] = leads.list_pairs(db, principal, DuplicateStatus.open, limit=1)[1]
        context["open_disputes"] = registry.open_disputes(db, principal)
    elif principal.unit_id is not None:
        context["quota"] = leads.quota_standing(db, principal, principal.unit_id)
    return unit_search.push_url(request, unit, render(request, "leads/list.html", context, block="results"))


@router.get("/leads.xlsx")
@long_running
def lead_export(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: str = Query("", max_length=12),
    channel: str = Query("", max_length=30),
    status: str = Query("", max_length=20),
    industry: str = Query("", max_length=60),
    month: str = Query("", max_length=7),
    q: str = Query("", max_length=100),
    duplicates_only: bool = False,
) -> Response:
    f = _filter(unit_id, channel, status, industry, month, q, duplicates_only)
    rows = leads.iter_for_export(db, principal, f)
    headers = [
        "编号",
        "日期",
        "单位",
        "客商",
        "渠道",
        "行业",
        "意向项目",
        "意向投资（万元）",
        "联系人",
        "联系电话",
        "提供人",
        "引荐人",
        "状态",
        "认定理由",
        "重复并入",
    ]
    body = export.xlsx(
        "招商线索",
        headers,
        (
            (
                lead.id,
                lead.lead_date,
                unit,
                inv,
                lead.channel.label,
                lead.industry,
                lead.project_name,
                lead.intended_investment,
                lead.contact_name,
                lead.contact_phone,
                lead.brought_by_name,
                lead.introducer_name,
                lead.status.label,
                lead.status_reason,
                lead.duplicate_of_id or "",
            )
            for lead, inv, unit in rows
        ),
        number_formats={7: "#,##0.00"},
    )
    audit.append(db, "export", entity="lead", changes={"rows": len(rows), "filters": request.url.query[:300]})
    return Response(
        body,
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition(f"招商线索-{workdays.today()}.xlsx")},
    )


# --- one lead --------------------------------------------------------------------------------


def _detail(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    lead_id: int,
    *,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    lead = leads.get(db, principal, lead_id)
    investor = investors.get(db, lead.investor_id)
    unit = units.get(db, lead.unit_id)
    credit_rows = [(units.get(db, uid).name, share) for uid, share in leads.credits(db, lead)]
    canonical = (
        leads.get(db, principal, lead.duplicate_of_id)
        if (lead.duplicate_of_id and policy.can_read_unit_owned(principal, None))
        else None
    )
    return render(
        request,
        "leads/detail.html",
        {
            "lead": lead,
            "investor": investor,
            "unit": unit,
            "credits": credit_rows,
            "canonical": canonical,
            "errors": errors or {},
            "conflict": conflict,
            "judge_values": values or {},  # what the coordinator chose, shown again after an error
            "created": request.query_params.get("created") == "1",
            "can_edit": policy.can_write_unit_owned(principal, lead.unit_id),
            "can_convert": projects.can_convert(db, principal, lead),
            "project": _project_of(db, principal, lead.id),
            "can_register": registry.can_register_from(db, principal, lead),
            "history": history.of(db, principal, "lead", lead.id),
            "people": cadre_credits.people_of_records(db, "lead", [lead.id])[lead.id],
            "from_target": target_companies.target_of_lead(db, principal, lead.id),  # 敲门招商 (issue 21)
        },
        status_code=status_code,
    )


def _project_of(db: DbSession, principal: Principal, lead_id: int) -> dict[str, Any] | None:
    """The project the lead became, by the name the principal may see (linked when it may open it)."""
    project_id = projects.project_of_lead(db, lead_id)
    project = db.get(Project, project_id) if project_id else None
    if project is None:
        return None
    return {
        "id": project.id,
        "name": projects.display_name(principal, project),
        "link": projects.can_read(principal, project),
    }


@router.get("/leads/{lead_id}")
def lead_detail(request: Request, db: DbSession, principal: PagePrincipal, lead_id: int) -> Response:
    return _detail(request, db, principal, lead_id)


@router.post("/leads/{lead_id}/judge")
def lead_judge(request: Request, db: DbSession, principal: PagePrincipal, lead_id: int, form: RequestForm) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str) and k in ("status", "reason")}
    try:
        leads.judge(db, principal, lead_id, validate_form(LeadJudge, form))
    except Invalid as exc:
        return _detail(request, db, principal, lead_id, errors=exc.errors, values=values, status_code=422)
    except Conflict as exc:
        return _detail(request, db, principal, lead_id, conflict=exc.details, values=values, status_code=409)
    return go(request, f"/leads/{lead_id}")


# --- duplicates ------------------------------------------------------------------------------


@router.get("/leads/duplicates/queue")
def duplicate_queue(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    status: str = Query("open", max_length=20),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    try:
        status_value = DuplicateStatus(status) if status else None
    except ValueError:
        raise Invalid({"status": "请选择有效的状态"}) from None
    rows, total = leads.list_pairs(db, principal, status_value, limit=50, offset=offset)
    return render(
        request,
        "leads/duplicates.html",
        {"rows": rows, "total": total, "status": status, "offset": offset, "errors": {}, "error_pair": None},
    )


@router.post("/leads/duplicates/{pair_id}")
def duplicate_settle(
    request: Request, db: DbSession, principal: PagePrincipal, pair_id: int, form: RequestForm
) -> Response:
    try:
        leads.settle(db, principal, pair_id, leads.settle_input(form))
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"__all__": exc.message}
        rows, total = leads.list_pairs(db, principal, DuplicateStatus.open, limit=50)
        return render(
            request,
            "leads/duplicates.html",
            {
                "rows": rows,
                "total": total,
                "status": "open",
                "offset": 0,
                "errors": errors,
                "error_pair": pair_id,
                "values": {k: v for k, v in form.items() if isinstance(v, str)},
            },
            status_code=422,
        )
    return go(request, "/leads/duplicates/queue")


# --- registry --------------------------------------------------------------------------------


@router.get("/registry")
def registry_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    offset: int = Query(0, ge=0, le=1_000_000),
    lead_id: int | None = Query(None, ge=1, le=2_147_483_647),
    investor_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    """The registry; with a lead (登记大项目 on its page) the form starts from it, with an investor (a
    suggestion followed without JavaScript) the form has it chosen."""
    values: dict[str, str] = {}
    if lead_id is not None:
        lead = leads.get(db, principal, lead_id)
        values = {
            "investor_id": str(lead.investor_id),
            "lead_id": str(lead.id),
            "project_name": lead.project_name or "",
            "intended_investment": f"{lead.intended_investment:f}" if lead.intended_investment is not None else "",
        }
    elif investor_id is not None:
        values = {"investor_id": str(investor_id)}
    return _registry_page(request, db, principal, offset=offset, values=values, open_form=bool(values))


@router.get("/registry/lookup")
def registry_investor_lookup(
    request: Request, db: DbSession, principal: PagePrincipal, investor_name: str = Query("", max_length=200)
) -> Response:
    """As the user types the investor's name: the catalogue's records to choose from."""
    return investor_pick.suggestions(
        request, db, principal, investor_name, pick_url="/registry/investor", page_url="/registry"
    )


@router.get("/registry/investor")
def registry_pick_investor(
    request: Request, db: DbSession, principal: PagePrincipal, id: int | None = Query(None, ge=1, le=2_147_483_647)
) -> Response:
    """The investor part of the form with a suggestion chosen, and its leads (or emptied again: 更换客商)."""
    picked = investors.get_shown(db, principal, id) if id else None
    options = registry.lead_options(db, principal, picked.id) if picked else []
    return render(
        request,
        "leads/_registry_investor.html",
        {"picked": picked, "lead_options": options, "values": {}, "errors": {}},
    )


def _registry_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    *,
    offset: int = 0,
    errors: dict[str, str] | None = None,
    error_claim: int | None = None,
    values: dict[str, str] | None = None,
    investor_choices: Any = (),
    open_form: bool = False,
    status_code: int = 200,
) -> Response:
    rows, total = registry.listing(db, principal, limit=100, offset=offset)
    values = values or {}
    picked = None
    if error_claim is None and values.get("investor_id", "").isdigit():
        try:
            picked = investors.get_shown(db, principal, int(values["investor_id"]))
        except NotFound:
            picked = None
    return render(
        request,
        "leads/registry.html",
        {
            "rows": rows,
            "total": total,
            "threshold": app_settings.get_decimal(db, "large_project_threshold"),
            "errors": errors or {},
            "error_claim": error_claim,
            "values": values,
            "picked": picked,
            "lead_options": registry.lead_options(db, principal, picked.id) if picked else [],
            "investor_choices": investor_choices,
            "open_form": open_form,
            "unit_options": _unit_options(db) if principal.is_coordinator else [],
        },
        status_code=status_code,
    )


def _typed(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@router.post("/registry/claims/{claim_id}")
def registry_decide(
    request: Request, db: DbSession, principal: PagePrincipal, claim_id: int, form: RequestForm
) -> Response:
    try:
        registry.decide(db, principal, claim_id, validate_form(DecideClaim, form))
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"__all__": exc.message}
        return _registry_page(
            request, db, principal, errors=errors, error_claim=claim_id, values=_typed(form), status_code=422
        )
    return go(request, "/registry")


@router.post("/registry")
def registry_register(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    try:
        registry.register(db, principal, _registration_input(db, principal, form))
    except Invalid as exc:
        choices = exc.choices if isinstance(exc, investors.NotChosen) else ()
        return _registry_page(
            request, db, principal, errors=exc.errors, values=_typed(form), investor_choices=choices, status_code=422
        )
    return go(request, "/registry")


def _registration_input(db: DbSession, principal: Principal, form: FormData) -> RegisterProject:
    """The form as a RegisterProject, its investor chosen from the suggestions or named by typing (as on the
    new-project form)."""
    return investor_pick.read_form(db, principal, form, RegisterProject, chosen=False)


# --- the investor catalogue and natives ------------------------------------------------------


@router.get("/investors")
def investor_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    q: str = Query("", max_length=100),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    rows, total = investors.search(db, principal, q, limit=50, offset=offset)
    return render(
        request, "leads/investors.html", {"rows": rows, "total": total, "q": q, "offset": offset}, block="results"
    )


@router.get("/investors/{investor_id}")
def investor_detail(request: Request, db: DbSession, principal: PagePrincipal, investor_id: int) -> Response:
    return _investor_page(request, db, principal, investor_id)


def _investor_page(
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
    investor = investors.get_shown(db, principal, investor_id)
    if values is None:
        values = {
            c: getattr(investor, c)
            for c in (
                "name",
                "credit_code",
                "origin_province",
                "origin_city",
                "origin_country",
                "industry",
                "contact_name",
                "contact_phone",
                "notes",
                "version",
            )
        }
        values["kind"] = investor.kind.value
        values["investor_type"] = investor.investor_type.value
    related = [
        m.to_dict()
        for m in leads.find_matches(
            db, principal, investor=investor, name=investor.name, code=investor.credit_code, phones=[]
        )
    ]
    can_edit = principal.is_coordinator or policy.can_write_unit_owned(principal, investor.created_by_unit_id)
    return render(
        request,
        "leads/investor.html",
        {
            "investor": investor,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "can_edit": can_edit,
            "related": related,
            "type_options": TYPE_OPTIONS,
            "history": history.of(db, principal, "investor", investor.id),
        },
        status_code=status_code,
    )


@router.post("/investors/{investor_id}")
def investor_update(
    request: Request, db: DbSession, principal: PagePrincipal, investor_id: int, form: RequestForm
) -> Response:
    try:
        investors.update(db, principal, investor_id, validate_form(InvestorUpdate, form))
    except (Invalid, Duplicate, Conflict) as exc:
        conflict = exc.details if isinstance(exc, Conflict) else None
        errors = (
            exc.errors
            if isinstance(exc, Invalid)
            else ({exc.field or "__all__": exc.message} if isinstance(exc, Duplicate) else {})
        )
        return _investor_page(
            request,
            db,
            principal,
            investor_id,
            values=dict(form),
            errors=errors,
            conflict=conflict,
            status_code=409 if conflict else 422,
        )
    return go(request, f"/investors/{investor_id}")


@router.get("/natives")
def native_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    q: str = Query("", max_length=60),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    rows, total = investors.list_natives(db, principal, q, limit=50, offset=offset)
    return render(
        request,
        "leads/natives.html",
        {
            "rows": rows,
            "total": total,
            "q": q,
            "offset": offset,
            "values": {},
            "errors": {},
            "idempotency_key": uuid.uuid4().hex,
        },
    )


@router.post("/natives")
def native_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    try:
        natives.create(db, principal, validate_form(NativeCreate, form))
    except Invalid as exc:
        rows, total = investors.list_natives(db, principal, "", limit=50)
        return render(
            request,
            "leads/natives.html",
            {
                "rows": rows,
                "total": total,
                "q": "",
                "offset": 0,
                "values": dict(form),
                "errors": exc.errors,
                "idempotency_key": form.get("idempotency_key"),
            },
            status_code=422,
        )
    return guard.finish(go(request, "/natives"))


# --- settings --------------------------------------------------------------------------------


@router.get("/admin/settings")
def settings_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    policy.ensure_coordinator(principal)
    return _settings(request, db, {})


def _settings(request: Request, db: DbSession, errors: dict[str, str], status_code: int = 200) -> Response:
    values = {key: app_settings.get(db, key) for key in app_settings.DEFAULTS}
    overrides = app_settings.unit_overrides(db, "lead_monthly_quota")
    return render(
        request,
        "leads/settings.html",
        {
            "values": values,
            "labels": app_settings.LABELS,
            "overrides": overrides,
            "unit_options": _unit_options(db),
            "errors": errors,
        },
        status_code=status_code,
    )


@router.post("/admin/settings")
def settings_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)  # also when the form names no setting
    changes = [
        app_settings.Change(key, value.strip())
        for key in app_settings.DEFAULTS
        if isinstance(value := form.get(key), str) and value.strip()
    ]
    unit_value = form.get("override_unit_id")
    quota_value = form.get("override_quota")
    if isinstance(unit_value, str) and unit_value and isinstance(quota_value, str) and quota_value.strip():
        if not unit_value.isdigit() or len(unit_value) > 9:
            return _settings(request, db, {"override_unit_id": "请选择单位"}, status_code=422)
        changes.append(app_settings.Change("lead_monthly_quota", quota_value.strip(), unit_id=int(unit_value)))
    try:
        app_settings.save(db, principal, changes)
    except Invalid as exc:
        errors = {("override_unit_id" if k == "unit_id" else k): v for k, v in exc.errors.items()}
        return _settings(request, db, errors, status_code=422)
    return go(request, "/admin/settings")
