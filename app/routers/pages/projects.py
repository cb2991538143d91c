"""Project pages: the unit's board, the project page and timeline, quick phone forms, the coordinator's list."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Path, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from app import policy
from app.config import Settings
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid, NotFound
from app.models.investor import INVESTOR_TYPE_LABELS, InvestorType
from app.models.lead import Lead
from app.models.project import (
    CATEGORY_LABELS,
    SIZE_BAND_LABELS,
    STAGE_LABELS,
    STAGE_ORDER,
    ApprovalLevel,
    Category,
    ChainRole,
    FundsSource,
    LostReason,
    NegativeReason,
    PrereviewResult,
    ProjectKind,
    ProjectStatus,
    Sector,
    SizeBand,
    Stage,
)
from app.models.user import Role
from app.principal import Principal
from app.routers.pages import investor_pick, unit_search
from app.routing import IndexedRouter, long_running, reads_only
from app.schemas.common import validate_form
from app.schemas.projects import (
    AnomalyClear,
    FundsCreate,
    FundsReversal,
    FundsReview,
    ProgressCreate,
    ProjectCreate,
    ProjectUpdate,
    StageChange,
)
from app.services import (
    agreements,
    approvals,
    audit,
    cadre_credits,
    export,
    investors,
    leads,
    per_mu,
    prereview,
    project_pages,
    projects,
    stage_gate,
    units,
    workdays,
)
from app.services import files as file_store
from app.services.files import StoredFile
from app.services.projects import ProjectFilter
from app.services.quality import filter_params as quality_filter_params
from app.templating import go, render

router = IndexedRouter()
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]

STAGE_OPTIONS = [(s.value, STAGE_LABELS[s]) for s in STAGE_ORDER]
CATEGORY_OPTIONS = [(c.value, CATEGORY_LABELS[c]) for c in Category]
SECTOR_OPTIONS = [(s.value, s.label) for s in Sector]
SIZE_OPTIONS = [(b.value, SIZE_BAND_LABELS[b]) for b in SizeBand]
TYPE_OPTIONS = [(t.value, INVESTOR_TYPE_LABELS[t]) for t in InvestorType]
STATUS_OPTIONS = [(s.value, s.label) for s in ProjectStatus]
FLAG_OPTIONS = list(projects.FLAG_LABELS.items())
SOURCE_OPTIONS = [(s.value, s.label) for s in FundsSource]
OPTIONS = {
    "stage_options": STAGE_OPTIONS,
    "category_options": CATEGORY_OPTIONS,
    "sector_options": SECTOR_OPTIONS,
    "size_options": SIZE_OPTIONS,
    "type_options": TYPE_OPTIONS,
    "status_options": STATUS_OPTIONS,
    "flag_options": FLAG_OPTIONS,
    "source_options": SOURCE_OPTIONS,
    "kind_options": [(k.value, k.label) for k in ProjectKind],
    "chain_role_options": [(c.value, c.label) for c in ChainRole],
    "approval_options": [(a.value, a.label) for a in ApprovalLevel],
    # creation only (afterwards the result is derived from the departments' opinions)
    "prereview_options": [(p.value, p.label) for p in (PrereviewResult.pending, PrereviewResult.passed)],
    "negative_options": [(n.value, n.label) for n in NegativeReason],
    "flag_labels": projects.FLAG_LABELS,
}


def _uploads(
    form: FormData, name: str, settings: Settings, *, keep_position: bool, allow_documents: bool = True
) -> tuple[list[StoredFile], list[str]]:
    """The form's files, judged and converted in memory: `_keep` writes them once the record is accepted."""
    prepared, names = [], []
    uploads = [u for u in form.getlist(name) if isinstance(u, UploadFile) and (u.filename or u.size)]
    if len(uploads) > 10:
        raise Invalid({name: "一次最多上传 10 个文件"})
    for upload in uploads:
        data = upload.file.read(settings.max_file_bytes + 1)
        if not data and not upload.filename:
            continue
        prepared.append(
            file_store.prepare_upload(
                data,
                field=name,
                max_bytes=settings.max_file_bytes,
                max_side=settings.photo_max_side,
                keep_position=keep_position,
                allow_documents=allow_documents,
            )
        )
        names.append(upload.filename or "")
    return prepared, names


def _keep(db: DbSession, settings: Settings, prepared: list[StoredFile]) -> None:
    """Write the accepted record's files (removed again if the request's transaction does not commit)."""
    file_store.store(db, settings.files_dir, prepared)


def _may_write(db: DbSession, principal: Principal, project_id: int) -> None:
    """Refuse (404, 403) before any upload is read: the service checks again, and reads the project
    afresh (locked where it must be), so the copy read here is expired rather than kept."""
    db.expire(projects.get_for_write(db, principal, project_id))


def _text_values(form: FormData) -> dict[str, Any]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


class _UnitRow(NamedTuple):
    id: int
    parent_id: int | None
    name: str


def _unit_options(db: DbSession) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from app.models.unit import Unit

    rows = db.execute(  # three columns of the active units (not whole units, and no count)
        select(Unit.id, Unit.parent_id, Unit.name).where(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id)
    ).all()
    # as plain tuples: the tree reads each row's id and parent_id, which costs four times as much on a Row
    plain: list[Any] = [_UnitRow(*r) for r in rows]
    tree = units.tree(plain)
    return [(u.id, "　" * depth + u.name) for u, depth in tree]


def _zone_options(db: DbSession) -> list[tuple[int, str]]:
    rows, _ = units.list_units(db)
    return [(u.id, u.name) for u in rows if u.kind.value in ("zone", "zone_bureau", "town", "subdistrict")]


def _leader_options(db: DbSession, principal: Principal) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from app.models.user import User

    rows = db.execute(select(User).where(User.role == Role.leader, User.is_active.is_(True))).scalars()
    return [(u.id, u.display_name) for u in rows]


# --- list ------------------------------------------------------------------------------------


def _filter_from(params: dict[str, str]) -> ProjectFilter:
    errors: dict[str, str] = {}

    def enum(key: str, cls: Any) -> Any:
        value = params.get(key, "")
        if not value:
            return None
        try:
            return cls(value)
        except ValueError:
            errors[key] = "请选择有效的选项"
            return None

    def day(key: str) -> date | None:
        value = params.get(key, "")
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors[key] = "日期格式应为 YYYY-MM-DD"
            return None

    unit_id = None
    if params.get("unit_id"):
        try:
            unit_id = int(params["unit_id"])
        except ValueError:
            errors["unit_id"] = "请选择单位"
    f = ProjectFilter(
        unit_id=unit_id,
        stage=enum("stage", Stage),
        status=enum("status", ProjectStatus),
        category=enum("category", Category),
        sector=enum("sector", Sector),
        industry=params.get("industry", "")[:60].strip(),
        industry_chain=params.get("industry_chain", "")[:60].strip(),
        size_band=enum("size_band", SizeBand),
        investor_type=enum("investor_type", InvestorType),
        flag=params.get("flag", "")[:30],
        anomaly=params.get("anomaly", "") in ("1", "true", "on"),
        date_field=params.get("date_field", "signed_on") or "signed_on",
        date_from=day("date_from"),
        date_to=day("date_to"),
        q=params.get("q", "")[:100].strip(),
        sort=params.get("sort", "updated") or "updated",
    )
    if f.flag and f.flag not in projects.FLAG_LABELS:
        errors["flag"] = "未知的预警类型"
    if f.sort not in projects.SORTS:
        errors["sort"] = "未知的排序方式"
    if f.date_field not in projects.DATE_FILTER_FIELDS:
        errors["date_field"] = "未知的日期字段"
    f.extra = quality_filter_params(params, errors)  # the project's quality (app.services.quality)
    if errors:
        raise Invalid(errors)
    return f


@router.get("/projects")
@reads_only
def project_list(
    request: Request, db: DbSession, principal: PagePrincipal, offset: int = Query(0, ge=0, le=10_000_000)
) -> Response:
    f = _filter_from(dict(request.query_params))
    unit = unit_search.pick(request, db, principal, f.unit_id)  # a typed unit name names the unit to filter by
    if unit is not None:
        f.unit_id = unit.unit_id
    rows, total = project_pages.list_page(db, principal, f, limit=50, offset=offset)
    query = "&".join(f"{k}={v}" for k, v in unit_search.query_items(request, unit) if k != "offset")
    response = render(
        request,
        "projects/list.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "f": f,
            "query": unit_search.canonical_query(request, unit),
            "base_query": query,
            **unit_search.context(request, unit),
            **OPTIONS,
        },
        block="results",
    )
    return unit_search.push_url(request, unit, response)


@router.get("/projects.xlsx")
@long_running
def project_export(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    f = _filter_from(dict(request.query_params))
    rows = projects.iter_for_export(db, principal, f)
    headers = [
        "编号",
        "项目名称",
        "客商",
        "客商类型",
        "责任单位",
        "阶段",
        "状态",
        "类别",
        "产业",
        "产业链",
        "规模",
        "计划总投资（万元）",
        "合同投资（万元）",
        "已确认到位（万元）",
        "待确认到位（万元）",
        "到位外资（万美元）",
        "累计完成投资（万元）",
        "签约日期",
        "开工日期",
        "投产日期",
        "约定开工",
        "预警",
    ]
    body = export.xlsx(
        "项目台账",
        headers,
        (
            (
                r["project"].id,
                r["name"],
                r["investor_name"],
                INVESTOR_TYPE_LABELS[r["investor_type"]],
                r["unit_name"],
                r["project"].stage.label,
                r["project"].status.label,
                r["project"].category.label,
                r["project"].industry,
                r["project"].industry_chain,
                r["project"].size_band.label,
                r["project"].planned_investment,
                r["project"].contract_investment,
                r["project"].funds_confirmed,
                r["project"].funds_pending,
                r["project"].funds_confirmed_usd,
                r["project"].investment_completed,
                r["project"].signed_on,
                r["project"].started_on,
                r["project"].production_on,
                r["project"].start_by,
                "、".join(projects.FLAG_LABELS[x] for x in r["flags"]),
            )
            for r in rows
        ),
        number_formats={11: "#,##0.00", 12: "#,##0.00", 13: "#,##0.00", 14: "#,##0.00", 15: "#,##0.00", 16: "#,##0.00"},
    )
    audit.append(db, "export", entity="project", changes={"rows": len(rows), "filters": request.url.query[:300]})
    return Response(
        body,
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition(f"项目台账-{workdays.today()}.xlsx")},
    )


# --- create / edit ---------------------------------------------------------------------------


def _edit_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    *,
    project: Any = None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    lead: Any = None,
    investor_choices: Any = (),
    status_code: int = 200,
) -> Response:
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    return render(
        request,
        "projects/edit.html",
        {
            "project": project,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "lead": lead,
            "lead_investor": investors.get(db, lead.investor_id) if lead is not None else None,
            "picked": None if project or lead else _picked(db, principal, values.get("investor_id")),
            "investor_choices": investor_choices,
            "unit_options": _unit_options(db),
            "zone_options": _zone_options(db),
            "leader_options": _leader_options(db, principal),
            **OPTIONS,
        },
        status_code=status_code,
        block="form",
    )


def _picked(db: DbSession, principal: Principal, investor_id: Any) -> Any:
    """The investor chosen from the suggestions (its id in the form), if it is one the user may see."""
    try:
        return investors.get_shown(db, principal, int(investor_id)) if investor_id else None
    except (ValueError, NotFound):
        return None


@router.get("/projects/new/lookup")
def project_investor_lookup(
    request: Request, db: DbSession, principal: PagePrincipal, investor_name: str = Query("", max_length=200)
) -> Response:
    """As the user types the investor's name: the catalogue's records to choose from (as on the lead form)."""
    return investor_pick.suggestions(
        request, db, principal, investor_name, pick_url="/projects/new/investor", page_url="/projects/new"
    )


@router.get("/projects/new/investor")
def project_pick_investor(
    request: Request, db: DbSession, principal: PagePrincipal, id: int | None = Query(None, ge=1, le=2_147_483_647)
) -> Response:
    """The investor part of the form with a suggestion chosen (or emptied again: 更换客商)."""
    picked = investors.get_shown(db, principal, id) if id else None
    return render(request, "projects/_investor.html", {"picked": picked, "values": {}, "errors": {}})


@router.get("/projects/new")
def project_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    lead_id: int | None = Query(None, ge=1, le=2_147_483_647),
    investor_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    if not principal.can_write or principal.role not in (Role.unit_staff, Role.coordinator):
        raise policy.DeniedForbidden("您的角色不能新建项目")
    values: dict[str, Any] = {
        "stage": "negotiating",
        "stage_date": workdays.today().isoformat(),
        "kind": "new",
        "sector": "secondary",
        "category": "industrial",
        "prereview": "pending",
    }
    lead = None
    if lead_id:
        lead = leads.get(db, principal, lead_id)
        values.update(
            lead_id=lead.id,
            name=lead.project_name,
            industry=lead.industry,
            planned_investment=lead.intended_investment,
            content=lead.content,
            introducer_name=lead.introducer_name,
        )
    elif investor_id:  # a suggestion followed without JavaScript
        values["investor_id"] = str(investor_id)
    return _edit_page(request, db, principal, values=values, lead=lead)


@router.post("/projects/new")
def project_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    values = _text_values(form)
    choices: Any = ()
    try:
        project = projects.create(db, principal, _project_input(db, principal, form))
    except Invalid as exc:
        lead = None
        if values.get("lead_id", "").isdigit():
            lead = leads.get(db, principal, int(values["lead_id"]))
        if isinstance(exc, investors.NotChosen):
            choices = exc.choices
        return _edit_page(
            request,
            db,
            principal,
            values=values,
            errors=exc.errors,
            lead=lead,
            investor_choices=choices,
            status_code=422,
        )
    return guard.finish(go(request, f"/projects/{project.id}"))


def _project_input(db: DbSession, principal: Principal, form: FormData) -> ProjectCreate:
    """The form as a ProjectCreate: a project from a lead takes the lead's investor; otherwise the investor
    is a chosen suggestion or named by typing."""
    return investor_pick.read_form(db, principal, form, ProjectCreate, chosen=bool(form.get("lead_id")))


@router.get("/projects/{project_id}/edit")
def project_edit(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    project = projects.get_for_write(db, principal, project_id)
    values = {c.key: getattr(project, c.key) for c in project.__table__.columns}
    for key, value in list(values.items()):
        if hasattr(value, "value"):
            values[key] = value.value
    return _edit_page(request, db, principal, project=project, values=values)


@router.post("/projects/{project_id}/edit")
def project_update(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, form: RequestForm
) -> Response:
    values = _text_values(form)
    ignore = [] if principal.is_coordinator else ["responsible_unit_id"]
    try:
        projects.update(db, principal, project_id, validate_form(ProjectUpdate, form, ignore=ignore))
    except (Invalid, Conflict) as exc:
        project = projects.get(db, principal, project_id)
        if isinstance(exc, Conflict):
            values["version"] = project.version  # the notice shows what changed; saving again then applies
            return _edit_page(
                request, db, principal, project=project, values=values, conflict=exc.details, status_code=409
            )
        return _edit_page(request, db, principal, project=project, values=values, errors=exc.errors, status_code=422)
    return go(request, f"/projects/{project_id}")


# --- the project page ------------------------------------------------------------------------


@router.get("/projects/{project_id}")
def project_page(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _project_page(request, db, principal, project_id)


@router.post("/projects/{project_id}/anomalies/{anomaly_id}/clear")
def anomaly_clear(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath, anomaly_id: IdPath, form: RequestForm
) -> Response:
    values = _text_values(form)
    projects.get(db, principal, project_id)
    try:
        data = validate_form(AnomalyClear, form)
        stage_gate.clear(db, principal, project_id, anomaly_id, data.reason, data.version)
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"reason": "该标记已被他人处理，请刷新后再试"}
        return _project_page(
            request,
            db,
            principal,
            project_id,
            anomaly={"error_id": anomaly_id, "errors": errors, "values": values},
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    return go(request, f"/projects/{project_id}?saved=anomaly")


def _project_page(
    request: Request,
    db: DbSession,
    principal: Principal,
    project_id: int,
    *,
    anomaly: dict[str, Any] | None = None,
    funds: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The project's page; `anomaly` / `funds` carry a row's form sent back (error_id, errors, values)."""
    project = projects.get(db, principal, project_id)
    t = projects.thresholds(db)
    from app.services import investors

    investor = investors.get(db, project.investor_id)
    shown = projects.view(principal, project)
    source = db.get(Lead, project.lead_id) if (project.lead_id and shown.visible) else None
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "shown": shown,
            "name": shown.name,
            "investor": investor if shown.visible else None,
            "source_lead": source,
            "source_lead_link": source is not None and policy.can_read_unit_owned(principal, source.unit_id),
            "responsible": units.get(db, project.responsible_unit_id),
            "introducing": units.get(db, project.introducing_unit_id),
            "flags": projects.flags(project, t),
            "days_in_stage": projects.days_in_stage(project, t.today),
            "can_write": projects.can_write(principal, project),
            "timeline": projects.timeline(db, principal, project),
            "lost_reason": db.get(LostReason, project.lost_reason_id) if project.lost_reason_id else None,
            "anomalies": stage_gate.list_for(db, project.id),
            "anomaly_error_id": (anomaly or {}).get("error_id"),
            "anomaly_errors": (anomaly or {}).get("errors", {}),
            "anomaly_values": (anomaly or {}).get("values", {}),
            "refused_funds": funds or {},
            "people": cadre_credits.project_page_people(db, principal, project),
            "agreement": agreements.view(db, principal, project),  # the investment agreement's section
            "per_mu": per_mu.project_figures(db, principal, project),  # the per-mu evaluation's section
            "approvals": approvals.project_section(db, principal, project),  # the approvals' timeline (审批事项)
            "prereview_gate": prereview.gate_view(db, principal, project),  # 项目预审 and the signing approval
            **OPTIONS,
        },
        status_code=status_code,
    )


def _quick(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: int,
    template: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    project = projects.get_for_write(db, principal, project_id)
    values = values or {}
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    return render(
        request,
        template,
        {
            "project": project,
            "name": projects.display_name(principal, project),
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "lost_reasons": (reasons := projects.lost_reasons(db)),
            "lost_reason_options": [(r.id, r.name) for r in reasons],
            "evidence": {s.value: projects.evidence_rule(db, s) for s in Stage},
            "before_landing": project.stage.order < Stage.landed.order,
            "cited_permit": approvals.construction_permit_no(db, project.id) if not project.started_on else "",
            **OPTIONS,
        },
        status_code=status_code,
        block="form",
    )


@router.get("/projects/{project_id}/progress")
def progress_form(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    project = projects.get_for_write(db, principal, project_id)
    return _quick(
        request,
        db,
        principal,
        project_id,
        "projects/progress.html",
        values={"reported_on": workdays.today().isoformat(), "investment_completed": project.investment_completed},
    )


@router.post("/projects/{project_id}/progress")
def progress_create(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    project_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = _text_values(form)
    _may_write(db, principal, project_id)
    try:
        keep = values.get("keep_photo_position") in ("on", "true", "1")
        prepared, names = _uploads(form, "photos", settings, keep_position=keep, allow_documents=False)
        data = validate_form(ProgressCreate, form, ignore=["photos", "keep_photo_position"])
        projects.add_progress(db, principal, project_id, data, prepared, names)
    except Invalid as exc:
        return _quick(
            request,
            db,
            principal,
            project_id,
            "projects/progress.html",
            values=values,
            errors=exc.errors,
            status_code=422,
        )
    _keep(db, settings, prepared)
    return guard.finish(go(request, f"/projects/{project_id}?saved=progress"))


@router.get("/projects/{project_id}/funds")
def funds_form(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    return _quick(
        request,
        db,
        principal,
        project_id,
        "projects/funds.html",
        values={"arrived_on": workdays.today().isoformat(), "source": "in_province"},
    )


@router.post("/projects/{project_id}/funds")
def funds_create(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    project_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = _text_values(form)
    _may_write(db, principal, project_id)
    try:
        prepared, names = _uploads(form, "vouchers", settings, keep_position=False)
        data = validate_form(FundsCreate, form, ignore=["vouchers"])
        projects.add_funds(db, principal, project_id, data, prepared, names)
    except Invalid as exc:
        return _quick(
            request, db, principal, project_id, "projects/funds.html", values=values, errors=exc.errors, status_code=422
        )
    _keep(db, settings, prepared)
    return guard.finish(go(request, f"/projects/{project_id}?saved=funds"))


@router.get("/projects/{project_id}/stage")
def stage_form(request: Request, db: DbSession, principal: PagePrincipal, project_id: IdPath) -> Response:
    project = projects.get_for_write(db, principal, project_id)
    following = STAGE_ORDER[project.stage.order + 1 : project.stage.order + 2]
    return _quick(
        request,
        db,
        principal,
        project_id,
        "projects/stage.html",
        values={
            "happened_on": workdays.today().isoformat(),
            "action": "forward",
            "to_stage": following[0].value if following else "",
            "version": project.version,
            "permit_no": approvals.construction_permit_no(db, project.id) if following[:1] == [Stage.started] else "",
        },
    )


@router.post("/projects/{project_id}/stage")
def stage_change(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    project_id: IdPath,
    form: RequestForm,
) -> Response:
    values = _text_values(form)
    _may_write(db, principal, project_id)
    try:
        prepared, names = _uploads(form, "evidence", settings, keep_position=False)
        data = validate_form(StageChange, form, ignore=["evidence"])
        projects.change_stage(db, principal, project_id, data, prepared, names)
    except (Invalid, Conflict) as exc:
        if isinstance(exc, Conflict):
            values["version"] = projects.get(db, principal, project_id).version
            return _quick(
                request,
                db,
                principal,
                project_id,
                "projects/stage.html",
                values=values,
                conflict=exc.details,
                status_code=409,
            )
        return _quick(
            request, db, principal, project_id, "projects/stage.html", values=values, errors=exc.errors, status_code=422
        )
    _keep(db, settings, prepared)
    return go(request, f"/projects/{project_id}?saved=stage")


# --- funds review (coordinator) --------------------------------------------------------------


def parse_qs_last(query: str) -> dict[str, str]:
    """A query string as a dict (the last value of each name)."""
    return dict(parse_qsl(query))


FUNDS_PAGE = 50
"""Funds entries to confirm, listed a page at a time."""

DayQuery = Annotated[str, Query(pattern=r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]  # blank: no bound
FundsUnitQuery = Annotated[str, Query(pattern=r"^([1-9][0-9]{0,8})?$")]  # blank: every unit


def _queue_day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid({field: "日期格式应为 YYYY-MM-DD"}) from None


@router.get("/funds/pending")
def funds_queue(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: FundsUnitQuery = "",
    start: DayQuery = "",
    end: DayQuery = "",
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    return _funds_queue(request, db, principal, request.query_params)


def _funds_queue(
    request: Request,
    db: DbSession,
    principal: Principal,
    query: Any,
    refused: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The queue with the filters of `query` (the page's own, or the page a refused review came from)."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden()  # as projects.pending_funds_page: before the filters are read
    raw_unit = str(query.get("unit_id") or "")
    unit = unit_search.pick(request, db, principal, int(raw_unit) if raw_unit.isdigit() else None)
    start = _queue_day(str(query.get("start") or ""), "start")
    end = _queue_day(str(query.get("end") or ""), "end")
    if start and end and end < start:
        raise Invalid({"end": "截止日期不能早于开始日期"})
    raw_offset = str(query.get("offset") or "0")
    offset = int(raw_offset) if raw_offset.isdigit() and len(raw_offset) < 8 else 0
    page = projects.pending_funds_page(
        db,
        principal,
        unit_id=unit.unit_id if unit is not None else None,
        start=start,
        end=end,
        limit=FUNDS_PAGE,
        offset=offset,
    )
    kept = [(k, v) for k, v in unit_search.query_items(request, unit) if k != "offset" and v]
    return render(
        request,
        "projects/funds_queue.html",
        {
            "rows": [(f, p, unit_name, projects.display_name(principal, p)) for f, p, unit_name in page.rows],
            "page": page,
            "start": start or "",
            "end": end or "",
            "offset": offset,
            "limit": FUNDS_PAGE,
            "filter_query": urlencode(kept),
            "refused_funds": refused or {},
            "vouchers": projects.evidence_of(db, "funds_arrival", [f.id for f, _p, _u in page.rows]),
            **unit_search.context(request, unit),
        },
        status_code=status_code,
    )


@router.post("/funds/{funds_id}/review")
def funds_review(
    request: Request, db: DbSession, principal: PagePrincipal, funds_id: IdPath, form: RequestForm
) -> Response:
    referer = urlsplit(request.headers.get("referer", ""))
    back = referer.path  # only a page of this site, never another host
    back_query = referer.query if back == "/funds/pending" else ""  # the queue's filters, kept
    try:
        projects.review_funds(db, principal, funds_id, validate_form(FundsReview, form))
    except (Invalid, Conflict) as exc:
        # shown again on the page the row's form was on: the project's timeline or the queue
        errors = exc.errors if isinstance(exc, Invalid) else {"decision": exc.message}
        refused = {"error_id": funds_id, "form": "review", "errors": errors, "values": _text_values(form)}
        if back.startswith("/projects/"):
            project_id = projects.get_funds(db, principal, funds_id).project_id
            return _project_page(request, db, principal, project_id, funds=refused, status_code=422)
        return _funds_queue(request, db, principal, parse_qs_last(back_query), refused, status_code=422)
    if back.startswith("/projects/"):
        return go(request, back)
    return go(request, "/funds/pending" + (f"?{back_query}" if back == "/funds/pending" and back_query else ""))


@router.post("/funds/{funds_id}/reverse")
def funds_reverse(
    request: Request, db: DbSession, principal: PagePrincipal, funds_id: IdPath, form: RequestForm
) -> Response:
    try:
        row = projects.reverse_funds(db, principal, funds_id, validate_form(FundsReversal, form).reason)
    except Invalid as exc:
        refused = {"error_id": funds_id, "form": "reverse", "errors": exc.errors, "values": _text_values(form)}
        project_id = projects.get_funds(db, principal, funds_id).project_id
        return _project_page(request, db, principal, project_id, funds=refused, status_code=422)
    return go(request, f"/projects/{row.project_id}")


# --- files -----------------------------------------------------------------------------------


@router.get("/files/{attachment_id}")
def file_download(db: DbSession, principal: PagePrincipal, settings: SettingsDep, attachment_id: IdPath) -> Response:
    row = projects.get_attachment(db, principal, attachment_id)
    disposition = "inline" if row.kind == "photo" else "attachment"
    suffix = ".jpg" if row.kind == "photo" else ".pdf"
    return Response(
        file_store.read(settings.files_dir, row.storage_key),
        media_type=row.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": f'{disposition}; filename="file-{row.id}{suffix}"',
        },
    )


# --- lost reasons ----------------------------------------------------------------------------


@router.get("/admin/lost-reasons")
def lost_reason_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    policy.ensure_coordinator(principal)
    return render(request, "projects/lost_reasons.html", {"rows": projects.lost_reasons(db), "errors": {}})


@router.post("/admin/lost-reasons")
def lost_reason_add(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    try:
        projects.add_lost_reason(db, principal, str(form.get("name") or ""))
    except Invalid as exc:
        return render(
            request,
            "projects/lost_reasons.html",
            {"rows": projects.lost_reasons(db), "errors": exc.errors},
            status_code=422,
        )
    return go(request, "/admin/lost-reasons")
