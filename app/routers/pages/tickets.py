"""Ticket pages: the handling unit's queue, the ticket page, the phone form, the coordinator's overview."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from app import policy
from app.config import Settings
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Invalid
from app.models.investor import Investor
from app.models.lead import Lead
from app.models.project import Project, ProjectStatus
from app.models.ticket import Priority, TicketCategory, Verdict
from app.models.user import Role
from app.routing import IndexedRouter
from app.schemas.common import validate_form
from app.schemas.tickets import CategoryUpdate, TicketAction, TicketCreate, TicketRoute
from app.services import events, history, notify, projects, ticket_categories, tickets, units, workdays
from app.services import files as file_store
from app.services.units import UnitChoice, UnitPick
from app.templating import go, render

router = IndexedRouter()
BOXES = [
    ("new", "新交办"),
    ("in_progress", "办理中"),
    ("due_soon", "即将到期"),
    ("overdue", "已逾期"),
    ("reported_by_me", "本单位报告的"),
    ("open", "全部未关闭"),
    ("closed", "已关闭"),
]
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
LIGHT_LABELS = {"green": "正常", "yellow": "即将到期", "red": "逾期", "grey": "未计时"}


def _photos(form: FormData, settings: Settings) -> tuple[list[file_store.StoredFile], list[str]]:
    """The form's photos, judged and converted in memory: written (`file_store.store`) only once the
    ticket or its step has been accepted."""
    uploads = [u for u in form.getlist("photos") if isinstance(u, UploadFile) and u.filename]
    if len(uploads) > 10:
        raise Invalid({"photos": "一次最多上传 10 张"})
    stored, names = [], []
    for upload in uploads:
        data = upload.file.read(settings.max_file_bytes + 1)
        stored.append(
            file_store.prepare_upload(
                data,
                field="photos",
                max_bytes=settings.max_file_bytes,
                max_side=settings.photo_max_side,
                keep_position=False,
                allow_documents=False,
            )
        )
        names.append(upload.filename or "")
    return stored, names


@router.get("/tickets")
def ticket_queue(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    box: str = Query("", max_length=20),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    if box and box not in dict(BOXES):
        raise Invalid({"box": "未知的分类"})
    box = box or "new"
    page = tickets.queue_page(db, principal, box, limit=50, offset=offset)
    return render(
        request,
        "tickets/queue.html",
        {
            "rows": page.rows,
            "total": page.total,
            "box": box,
            "boxes": BOXES,
            "counts": page.counts,
            "offset": offset,
            "light_labels": LIGHT_LABELS,
            "soon": page.soon_days,
        },
        block="results",
    )


def _new_form(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    mine: list[Any] = []
    investors: list[tuple[int, str]] = []
    if principal.unit_id is not None:
        mine = list(
            db.execute(
                select(Project)
                .where(Project.responsible_unit_id == principal.unit_id, Project.status != ProjectStatus.terminated)
                .order_by(Project.name)
            ).scalars()
        )
        # investors this unit brought in as leads that have no project yet (not yet landed)
        investors = [
            (r[0], r[1])
            for r in db.execute(
                select(Investor.id, Investor.name)
                .where(
                    Investor.id.in_(select(Lead.investor_id).where(Lead.unit_id == principal.unit_id)),
                    ~Investor.id.in_(select(Project.investor_id).where(Project.investor_id.is_not(None))),
                )
                .order_by(Investor.name)
                .limit(200)
            ).all()
        ]
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    return render(
        request,
        "tickets/new.html",
        {
            "values": values,
            "errors": errors or {},
            "projects": [(p.id, p.name) for p in mine],
            "investors": investors,
            "categories": [(c.id, f"{c.name}（{c.default_days} 个工作日）") for c in tickets.categories(db)],
            "priorities": [(p.value, p.label) for p in Priority],
        },
        status_code=status_code,
        block="form",
    )


@router.get("/tickets/new")
def ticket_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    reporter_roles = (Role.unit_staff, Role.coordinator)
    if not principal.can_write or principal.unit_id is None or principal.role not in reporter_roles:
        raise policy.DeniedForbidden("请以单位身份报告问题")
    return _new_form(request, db, principal, {"project_id": project_id, "priority": "normal"})


@router.post("/tickets/new")
def ticket_create(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        stored, names = _photos(form, settings)
        ticket = tickets.report(db, principal, validate_form(TicketCreate, form, ignore=["photos"]), stored, names)
    except Invalid as exc:
        return _new_form(request, db, principal, values, exc.errors, 422)
    file_store.store(db, settings.files_dir, stored)
    return guard.finish(go(request, f"/tickets/{ticket.id}?created=1"))


@dataclass
class RouteUnits:
    """The route form's two unit fields as sent: the handling unit (its field), the helper units chosen
    and the names typed for more of them that named no unit or several (shown again, to correct)."""

    handling: UnitPick = field(default_factory=UnitPick)
    helper_ids: list[int] = field(default_factory=list)
    helper_text: str = ""
    helper_problems: tuple[UnitPick, ...] = ()
    helpers: list[UnitChoice] = field(default_factory=list)  # the helper_ids' units, to show

    @property
    def errors(self) -> dict[str, str]:
        errors = {}
        if self.handling.error:
            errors["handling_unit_id"] = self.handling.error
        elif self.handling.unit_id is None:
            errors["handling_unit_id"] = "请选择牵头办理单位"
        if self.helper_problems:
            errors["helper_unit_ids"] = "请检查协办单位"
        return errors


def _digits(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 9 else None


def _route_units(db: DbSession, principal: PagePrincipal, form: FormData) -> RouteUnits:
    """The units the route form names: a unit taken from a field's list comes as its id; a name typed
    without JavaScript is looked up (`units.pick`, `units.pick_many`); one of the units offered for a
    name that named several comes as `handling_unit_choice` (a helper: one more helper_unit_ids)."""
    chosen = _digits(form.get("handling_unit_choice"))
    text = form.get("handling_unit_name")
    if chosen is not None:
        handling = units.pick(db, principal, chosen, None)
    else:
        handling = units.pick(
            db, principal, _digits(form.get("handling_unit_id")), text if isinstance(text, str) else None
        )
    helper_ids = [i for v in form.getlist("helper_unit_ids") if (i := _digits(v)) is not None]
    typed = form.get("helper_unit_name")
    more = units.pick_many(db, principal, typed if isinstance(typed, str) else None)
    return RouteUnits(
        handling=handling,
        helper_ids=list(dict.fromkeys([*helper_ids, *more.unit_ids])),
        helper_text=more.text,
        helper_problems=more.problems,
    )


def _page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    ticket_id: int,
    *,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
    route: RouteUnits | None = None,
    refused: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    """The ticket's page; `refused` names the form sent back ("route" or "act": its messages and what was typed)."""
    ticket = tickets.get(db, principal, ticket_id)
    calendar = workdays.load_calendar(db)
    today = workdays.today()
    project = db.get(Project, ticket.project_id) if ticket.project_id else None
    investor = db.get(Investor, ticket.investor_id) if ticket.investor_id and project is None else None
    photos_by_event: dict[int | None, list[Any]] = {}
    for photo in tickets.photos(db, ticket):
        photos_by_event.setdefault(photo.event_id, []).append(photo)
    events = tickets.timeline(db, ticket)
    redact = tickets.redactor(db, principal, ticket)
    if principal.user_id is not None:  # opening the ticket reads its notifications
        notify.mark_read(db, principal.user_id, link=f"/tickets/{ticket.id}")
    report_event = next((e.id for e in events if e.action == "report"), None)
    handling = principal.unit_id is not None and principal.unit_id == ticket.handling_unit_id
    route = route or RouteUnits()
    if route.helper_ids:  # sent again: the helper units chosen, by name
        route.helpers = units.choices(db, principal, route.helper_ids)
    if errors and errors.get("handling_unit_id") and not route.handling.error:  # the service's word on it
        route.handling = dataclasses.replace(route.handling, error=errors["handling_unit_id"])
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "events": events,
            "category": db.get(TicketCategory, ticket.category_id),
            "project_name": projects.display_name(principal, project) if project else None,
            # every free text of the ticket as the principal may see it (a confidential project's names removed)
            "title": redact(ticket.title),
            "description": redact(ticket.description),
            "proposed_handling": redact(ticket.proposed_handling),
            "pause_reason": redact(ticket.pause_reason),
            "verdict_remark": redact(ticket.verdict_remark),
            "address": redact(ticket.address),
            "media_url": redact(ticket.media_url),
            "notes": {e.id: redact(e.note) for e in events},
            "project_link": project is not None and projects.can_read(principal, project),
            "investor_name": investor.name if investor else None,
            "reporter": units.get(db, ticket.reporter_unit_id),
            "units": tickets.helper_units(db, ticket),
            "light": tickets.light_of(db, ticket, today, calendar),
            "remaining": workdays.working_days_between(today, ticket.due_on, calendar) if ticket.due_on else None,
            "light_labels": LIGHT_LABELS,
            "action_labels": tickets.ACTION_LABELS,
            "report_photos": photos_by_event.pop(report_event, []) + photos_by_event.pop(None, []),
            "photos_by_event": photos_by_event,
            "is_handling": handling,
            "is_reporter": principal.unit_id == ticket.reporter_unit_id,
            "can_route": principal.is_coordinator
            or (
                principal.role.value == "leader"
                and project is not None
                and project.linked_leader_id == principal.user_id
            ),
            "route": route,
            "verdicts": [(v.value, v.label) for v in Verdict],
            "errors": errors or {},
            "conflict": conflict,
            "refused": refused,
            "values": values or {},
            "history": history.of(db, principal, "ticket", ticket.id, redact=redact),
        },
        status_code=status_code,
    )


@router.get("/tickets/overview")
def ticket_overview(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return render(request, "tickets/overview.html", {"o": tickets.overview(db, principal)})


@router.get("/tickets/{ticket_id}")
def ticket_page(request: Request, db: DbSession, principal: PagePrincipal, ticket_id: int) -> Response:
    return _page(request, db, principal, ticket_id)


@router.get("/tickets/{ticket_id}/photos/{photo_id}")
def ticket_photo(
    db: DbSession, principal: PagePrincipal, settings: SettingsDep, ticket_id: int, photo_id: int
) -> Response:
    row = tickets.get_photo(db, principal, ticket_id, photo_id)
    return Response(
        file_store.read(settings.files_dir, row.storage_key),
        media_type=row.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": f'inline; filename="ticket-{ticket_id}-{row.id}.jpg"',
        },
    )


ROUTE_UNIT_FIELDS = ["handling_unit_name", "handling_unit_choice", "helper_unit_ids", "helper_unit_name"]


@router.post("/tickets/{ticket_id}/route")
def ticket_route(
    request: Request, db: DbSession, principal: PagePrincipal, ticket_id: int, form: RequestForm
) -> Response:
    # who may see and route it first (404, 403): units are looked up by name for those who route only
    tickets.ensure_may_route(db, principal, tickets.get(db, principal, ticket_id))
    chosen = _route_units(db, principal, form)
    try:
        if chosen.errors:
            raise Invalid(chosen.errors)
        values = {k: v for k, v in form.multi_items() if k not in ROUTE_UNIT_FIELDS}
        values["handling_unit_id"] = str(chosen.handling.unit_id)
        data = validate_form(TicketRoute, values).model_copy(update={"helper_unit_ids": chosen.helper_ids})
        tickets.route(db, principal, ticket_id, data)
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, ticket_id, exc, form, "route", route=chosen)
    return go(request, f"/tickets/{ticket_id}")


def _refused(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    ticket_id: int,
    exc: Invalid | Conflict,
    form: FormData,
    refused: str,
    route: RouteUnits | None = None,
) -> Response:
    """The ticket page again after its `refused` form was refused: 409 for a stale version, else 422,
    with the messages and what was typed in that form."""
    if isinstance(exc, Conflict):
        outcome: dict[str, Any] = {"conflict": exc.details, "status_code": 409}
    else:
        outcome = {"errors": exc.errors, "status_code": 422}
    return _page(request, db, principal, ticket_id, route=route, refused=refused, values=_typed(form), **outcome)


def _typed(form: FormData) -> dict[str, str]:
    """What was typed in a form, to show again (files are never sent back)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "version")}


@router.post("/tickets/{ticket_id}/act")
def ticket_act(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, ticket_id: int, form: RequestForm
) -> Response:
    tickets.get(db, principal, ticket_id)  # one who may not see it is refused before its photos are read
    try:
        stored, names = _photos(form, settings)
        ticket = tickets.act(
            db, principal, ticket_id, validate_form(TicketAction, form, ignore=["photos"]), stored, names
        )
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, ticket_id, exc, form, "act")
    file_store.store(db, settings.files_dir, stored)
    if not (principal.reads_everything or principal.unit_id in tickets.units_of(db, ticket)):
        # sent back for re-routing: the unit no longer handles it, and no longer sees it
        return go(request, "/tickets?box=in_progress&returned=1")
    return go(request, f"/tickets/{ticket_id}")


# --- notifications ---------------------------------------------------------------------------


@router.get("/notifications")
def notifications(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    assert principal.user_id is not None
    return render(request, "tickets/notifications.html", {"rows": notify.inbox(db, principal.user_id)})


@router.post("/notifications/read")
def notifications_read(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    assert principal.user_id is not None
    value = form.get("id")
    notify.mark_read(db, principal.user_id, int(value) if isinstance(value, str) and value.isdigit() else None)
    return go(request, "/notifications")


# --- coordinator settings: calendar, categories, webhooks ------------------------------------


@router.get("/admin/calendar")
def calendar_page(
    request: Request, db: DbSession, principal: PagePrincipal, year: int | None = Query(None, ge=2000, le=2100)
) -> Response:
    year = year or workdays.today().year
    policy.ensure_coordinator(principal)
    return _calendar(request, db, year, {})


def _calendar(
    request: Request,
    db: DbSession,
    year: int,
    errors: dict[str, str],
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    rows = workdays.calendar_days(db, year)
    return render(
        request,
        "tickets/calendar.html",
        {
            "rows": rows,
            "weekdays": WEEKDAYS,
            "year": year,
            "errors": errors,
            "values": values or {"day": "", "is_workday": "0", "name": ""},
            "categories": db.execute(select(TicketCategory).order_by(TicketCategory.id)).scalars().all(),
        },
        status_code=status_code,
    )


@router.post("/admin/calendar")
def calendar_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)
    typed = {name: str(form.get(name) or "") for name in ("day", "is_workday", "name")}  # shown again if refused
    try:
        day = date.fromisoformat(typed["day"])
    except ValueError:
        return _calendar(request, db, workdays.today().year, {"day": "请选择日期"}, 422, typed)
    try:
        if form.get("remove"):
            workdays.remove_calendar_day(db, principal, day)
        else:
            name = str(form.get("name") or "")[:40]
            workdays.set_calendar_day(db, principal, day, is_workday=form.get("is_workday") == "1", name=name)
    except Invalid as exc:
        shown = day.year if 2000 <= day.year <= 2100 else workdays.today().year
        return _calendar(request, db, shown, exc.errors, 422, typed)
    return go(request, f"/admin/calendar?year={day.year}")


@router.post("/admin/ticket-categories/{category_id}")
def category_save(
    request: Request, db: DbSession, principal: PagePrincipal, category_id: int, form: RequestForm
) -> Response:
    policy.ensure_coordinator(principal)  # before validating: a refused form is never echoed back
    ticket_categories.update(db, principal, category_id, validate_form(CategoryUpdate, form))
    return go(request, "/admin/calendar")


@router.get("/admin/webhooks")
def webhooks_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    policy.ensure_coordinator(principal)
    return _webhooks(request, db, {}, {})


def _webhooks(
    request: Request, db: DbSession, errors: dict[str, str], values: dict[str, str], status_code: int = 200
) -> Response:
    unit_rows, _ = units.list_units(db, include_inactive=True)
    return render(
        request,
        "tickets/webhooks.html",
        {
            "subs": notify.subscriptions(db),
            "log": notify.delivery_log(db),
            "errors": errors,
            "values": values,
            "groups": events.grouped(),
            "chosen_labels": events.chosen_labels,
            "unit_names": {u.id: u.name for u in unit_rows},
            "unit_options": [(u.id, u.name) for u, _depth in units.tree(unit_rows) if u.is_active],
        },
        status_code=status_code,
    )


@router.post("/admin/webhooks/{sub_id}/toggle")
def webhooks_toggle(
    request: Request, db: DbSession, principal: PagePrincipal, sub_id: int, form: RequestForm
) -> Response:
    notify.toggle_subscription(db, principal, sub_id, form.get("active") == "1")
    return go(request, "/admin/webhooks")


def _unit_choice(text: str) -> int | None:
    """A unit picked in a select: none (blank), its id, or 0 for anything else (refused as no such unit)."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else 0


@router.post("/admin/webhooks")
def webhooks_add(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        notify.add_subscription(
            db,
            principal,
            values.get("name", "").strip(),
            values.get("url", "").strip(),
            values.get("secret", "").strip(),
            values.get("event_types", "*").strip() or "*",
            _unit_choice(values.get("unit_id", "")),
        )
    except Invalid as exc:
        return _webhooks(request, db, exc.errors, values, 422)
    return go(request, "/admin/webhooks")
