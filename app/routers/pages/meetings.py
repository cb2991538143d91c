"""Meeting pages (会议): the list by kind and year, a new meeting, a meeting's record (who attended, the units and
projects discussed, each unit's materials, the decisions and their tasks), its edit form, recording it held,
recording a decision, and a unit's materials on a printable page."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.meeting import Meeting, MeetingKind, MeetingStatus
from app.policy import DeniedNotFound
from app.routing import IndexedRouter
from app.schemas.common import validate_form
from app.schemas.meetings import DecisionCreate, MeetingCreate, MeetingEdit, MeetingHold
from app.services import history, meetings, tasks, units, workdays
from app.templating import go, render

router = IndexedRouter()
PAGE = 30
KINDS = [(k.value, k.label) for k in MeetingKind]
LIST_FIELDS = ("attendee_user_ids", "unit_ids", "project_ids")
LIGHT_LABELS = {"green": "正常", "yellow": "即将到期", "red": "逾期", "grey": "不计时", "": ""}


def _typed(form: FormData) -> dict[str, Any]:
    """What was typed, to show again: the lists as lists of their values."""
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k not in LIST_FIELDS}
    for name in LIST_FIELDS:
        values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    return values


def _errors(errors: dict[str, str]) -> dict[str, str]:
    """A list's item refused ("unit_ids.3") is told beside the list."""
    result: dict[str, str] = {}
    for key, message in errors.items():
        result.setdefault(key.split(".", 1)[0] if key.split(".", 1)[0] in LIST_FIELDS else key, message)
    return result


def _unit_options(db: DbSession) -> list[tuple[int, str]]:
    unit_rows, _ = units.list_units(db)
    return [(u.id, u.name) for u, _depth in units.tree(unit_rows)]


@router.get("/meetings")
def meeting_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    kind: str = Query("", max_length=20),
    year: int | None = Query(None, ge=2000, le=2100),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    if kind and kind not in dict(KINDS):
        raise Invalid({"kind": "请选择有效的选项"})
    f = meetings.MeetingFilter(kind=MeetingKind(kind) if kind else None, year=year)
    rows, total = meetings.list_meetings(db, principal, f, limit=PAGE, offset=offset)
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("year", year or "")) if v)
    this_year = workdays.today().year
    return render(
        request,
        "meetings/list.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "page": PAGE,
            "query": query,
            "f": {"kind": kind, "year": year},
            "kinds": KINDS,
            "years": [(y, f"{y} 年") for y in range(this_year + 1, this_year - 5, -1)],
            "may_record": meetings.is_office(principal),
        },
        block="results",
    )


def _form(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    *,
    meeting: Meeting | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    for name in LIST_FIELDS:
        values[name] = [str(v) for v in values.get(name) or []]
    unit_ids = [int(v) for v in values["unit_ids"] if v.isdigit() and len(v) < 10]
    chosen = [int(v) for v in values["project_ids"] if v.isdigit() and len(v) < 10]
    return render(
        request,
        "meetings/form.html",
        {
            "meeting": meeting,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "kinds": KINDS,
            "unit_options": _unit_options(db),
            "attendee_options": meetings.attendee_choices(db),
            "project_options": [
                (pid, f"{name}（{unit}）")
                for pid, name, unit in meetings.project_choices(db, principal, unit_ids, chosen)
            ]
            if meeting is not None
            else [],
        },
        status_code=status_code,
        block="form",
    )


@router.get("/meetings/new")
def meeting_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    kind: str = Query("dispatch", max_length=20),
    unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    meetings.ensure_office(principal)
    today = workdays.today()
    kind = kind if kind in dict(KINDS) else "dispatch"
    label = dict(KINDS)[kind]
    values = {
        "kind": kind,
        "held_on": today.isoformat(),
        "title": f"{today.year} 年 {today.month} 月招商引资{label}",
        "unit_ids": [unit_id] if unit_id else [],
    }
    return _form(request, db, principal, values)


@router.post("/meetings/new")
def meeting_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    meetings.ensure_office(principal)  # before validating: a refused form is never echoed back
    try:
        meeting = meetings.create(db, principal, validate_form(MeetingCreate, form))
    except Invalid as exc:
        return _form(request, db, principal, _typed(form), _errors(exc.errors), status_code=422)
    return guard.finish(go(request, f"/meetings/{meeting.id}?created=1"))


def _page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    meeting_id: int,
    *,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    refused: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    meeting = meetings.get(db, principal, meeting_id)
    row = meetings.row_of(db, principal, meeting)
    office = meetings.is_office(principal)
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "row": row,
            "decisions": meetings.decisions(db, principal, meeting),
            "materials": meetings.materials(db, principal, meeting),
            "is_office": office,
            "may_hold": office and meeting.status is MeetingStatus.scheduled,
            "is_future": meeting.held_on > workdays.today(),
            "unit_options": _unit_options(db) if office else [],
            "people": tasks.people(db) if office else [],
            "light_labels": LIGHT_LABELS,
            "errors": errors or {},
            "conflict": conflict,
            "refused": refused,
            "values": values or {},
            "history": history.of(db, principal, "meeting", meeting.id, redact=row.redact) if office else [],
        },
        status_code=status_code,
    )


@router.get("/meetings/decisions/{decision_id}")
def decision_link(db: DbSession, principal: PagePrincipal, decision_id: int) -> Response:
    """A task's way back to the meeting that decided it (its decision on the meeting's page)."""
    meeting_id, number = meetings.decision_meeting(db, principal, decision_id)
    return RedirectResponse(f"/meetings/{meeting_id}#decision-{number}", status_code=303)


@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, db: DbSession, principal: PagePrincipal, meeting_id: int) -> Response:
    return _page(request, db, principal, meeting_id)


@router.get("/meetings/{meeting_id}/edit")
def meeting_edit_page(request: Request, db: DbSession, principal: PagePrincipal, meeting_id: int) -> Response:
    meetings.ensure_office(principal)
    meeting = meetings.get(db, principal, meeting_id)
    values: dict[str, Any] = {name: getattr(meeting, name) for name in meetings.SIMPLE_FIELDS}
    row = meetings.row_of(db, principal, meeting)
    values["title"], values["summary"] = row.title, row.summary  # as this reader may see them
    values["kind"] = meeting.kind.value
    values["held_on"] = meeting.held_on.isoformat()
    values["version"] = meeting.version
    values.update(meetings.linked_ids(db, meeting))
    return _form(request, db, principal, values, meeting=meeting)


@router.post("/meetings/{meeting_id}/edit")
def meeting_edit(
    request: Request, db: DbSession, principal: PagePrincipal, meeting_id: int, form: RequestForm
) -> Response:
    meetings.ensure_office(principal)
    meeting = meetings.get(db, principal, meeting_id)
    try:
        meetings.update(db, principal, meeting_id, validate_form(MeetingEdit, form))
    except Invalid as exc:
        return _form(request, db, principal, _typed(form), _errors(exc.errors), meeting=meeting, status_code=422)
    except Conflict as exc:
        values = _typed(form) | {"version": meeting.version}
        return _form(request, db, principal, values, meeting=meeting, conflict=exc.details, status_code=409)
    return go(request, f"/meetings/{meeting_id}")


def _refused(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    meeting_id: int,
    exc: Invalid | Conflict,
    form: FormData,
    refused: str,
) -> Response:
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "version")}
    if isinstance(exc, Conflict):
        return _page(
            request, db, principal, meeting_id, conflict=exc.details, refused=refused, values=typed, status_code=409
        )
    return _page(request, db, principal, meeting_id, errors=exc.errors, refused=refused, values=typed, status_code=422)


@router.post("/meetings/{meeting_id}/hold")
def meeting_hold(
    request: Request, db: DbSession, principal: PagePrincipal, meeting_id: int, form: RequestForm
) -> Response:
    meetings.ensure_office(principal)
    meetings.get(db, principal, meeting_id)
    try:
        meetings.hold(db, principal, meeting_id, validate_form(MeetingHold, form))
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, meeting_id, exc, form, "hold")
    return go(request, f"/meetings/{meeting_id}#decisions")


@router.post("/meetings/{meeting_id}/decisions")
def meeting_decision(
    request: Request, db: DbSession, principal: PagePrincipal, meeting_id: int, form: RequestForm
) -> Response:
    meetings.ensure_office(principal)
    meetings.get(db, principal, meeting_id)
    try:
        decision = meetings.add_decision(db, principal, meeting_id, validate_form(DecisionCreate, form))
    except Invalid as exc:
        return _refused(request, db, principal, meeting_id, exc, form, "decision")
    return go(request, f"/meetings/{meeting_id}?decided={decision.number}#decision-{decision.number}")


@router.get("/meetings/{meeting_id}/units/{unit_id}/materials")
def unit_materials(
    request: Request, db: DbSession, principal: PagePrincipal, meeting_id: int, unit_id: int
) -> Response:
    """One unit's materials for the meeting, on a page to print (A4)."""
    meeting = meetings.get(db, principal, meeting_id)
    found = meetings.materials(db, principal, meeting, unit_id=unit_id)
    if not found:
        raise DeniedNotFound("该会议没有研究这个单位，或无权查看其汇报材料")
    row = meetings.row_of(db, principal, meeting)
    return render(request, "meetings/materials.html", {"meeting": meeting, "row": row, "m": found[0]})
