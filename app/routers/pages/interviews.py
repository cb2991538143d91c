"""Interview pages (约谈): the units proposed by rule and the interviews held, recording one (from a proposal,
prefilled), an interview with its promises and their tasks, and a promise added."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Invalid
from app.models.unit import Unit
from app.routing import IndexedRouter
from app.schemas.common import validate_form
from app.schemas.interviews import InterviewCreate, PromiseCreate
from app.services import history, interviews, units, workdays
from app.templating import go, render

router = IndexedRouter()
PAGE = 30
LIGHT_LABELS = {"green": "正常", "yellow": "即将到期", "red": "逾期", "grey": "不计时", "": ""}


@router.get("/interviews")
def interview_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int | None = Query(None, ge=2000, le=2100),
    unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    rows, total = interviews.list_interviews(
        db, principal, interviews.InterviewFilter(year=year, unit_id=unit_id), limit=PAGE, offset=offset
    )
    query = "&".join(f"{k}={v}" for k, v in (("year", year or ""), ("unit_id", unit_id or "")) if v)
    this_year = workdays.today().year
    unit_rows, _ = units.list_units(db) if principal.reads_everything else ([], 0)
    return render(
        request,
        "interviews/list.html",
        {
            "proposals": interviews.proposals(db, principal) if offset == 0 else [],
            "idle_months": interviews.app_settings.get(db, "interview_idle_months"),
            "rows": rows,
            "total": total,
            "offset": offset,
            "page": PAGE,
            "query": query,
            "f": {"year": year, "unit_id": unit_id},
            "years": [(y, f"{y} 年") for y in range(this_year, this_year - 5, -1)],
            "unit_options": [(u.id, u.name) for u, _depth in units.tree(unit_rows)],
            "may_record": interviews.tasks.is_office(principal),
            "outcomes": interviews.OUTCOMES,
        },
        block="results",
    )


def _form(
    request: Request,
    db: DbSession,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values.setdefault("idempotency_key", uuid.uuid4().hex)
    unit_rows, _ = units.list_units(db)
    unit_id = str(values.get("unit_id") or "")
    staff = interviews.unit_staff_choices(db, int(unit_id)) if unit_id.isdigit() and len(unit_id) < 10 else []
    return render(
        request,
        "interviews/new.html",
        {
            "values": values,
            "errors": errors or {},
            "unit_options": [(u.id, u.name) for u, _depth in units.tree(unit_rows)],
            "interviewer_options": interviews.interviewer_choices(db),
            "staff_options": staff,
        },
        status_code=status_code,
        block="form",
    )


@router.get("/interviews/new")
def interview_new(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    interviews.ensure_office(principal)
    values: dict[str, Any] = {"held_on": workdays.today().isoformat(), "promise_due_days": "20"}
    unit = db.get(Unit, unit_id) if unit_id else None
    if unit is not None:
        values["unit_id"] = str(unit.id)
        values["interviewee"] = unit.head_name
        reasons = interviews.reasons_by_unit(db, workdays.today(), [unit.id]).get(unit.id, [])
        values["reason_note"] = "；".join(r.detail for r in reasons)
    return _form(request, db, values)


def _create_data(form: FormData) -> InterviewCreate:
    """The page's form: the interview, and one promise to start with (more on the interview's page)."""
    data = validate_form(InterviewCreate, form, ignore=["promise_content", "promise_owner_user_id", "promise_due_days"])
    content = str(form.get("promise_content") or "").strip()
    if not content:
        return data
    raw = {
        "content": content,
        "owner_user_id": form.get("promise_owner_user_id") or None,
        "due_days": form.get("promise_due_days") or None,
    }
    try:
        promise = validate_form(PromiseCreate, {k: v for k, v in raw.items() if v is not None})
    except Invalid as exc:
        raise Invalid({f"promise_{k}": v for k, v in exc.errors.items()}) from None
    return data.model_copy(update={"promises": [promise]})


@router.post("/interviews/new")
def interview_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    interviews.ensure_office(principal)  # before validating: a refused form is never echoed back
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        interview = interviews.record(db, principal, _create_data(form))
    except Invalid as exc:
        errors = {k.replace("promises.0.", "promise_"): v for k, v in exc.errors.items()}
        return _form(request, db, values, errors, 422)
    return guard.finish(go(request, f"/interviews/{interview.id}?created=1"))


def _page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    interview_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    interview = interviews.get(db, principal, interview_id)
    row = interviews.row_of(db, principal, interview)
    office = interviews.tasks.is_office(principal)
    return render(
        request,
        "interviews/detail.html",
        {
            "interview": interview,
            "row": row,
            "promises": interviews.promises(db, principal, interview),
            "is_office": office,
            "staff_options": interviews.unit_staff_choices(db, interview.unit_id) if office else [],
            "light_labels": LIGHT_LABELS,
            "outcomes": interviews.OUTCOMES,
            "errors": errors or {},
            "values": values or {},
            "history": history.of(db, principal, "interview", interview.id, redact=row.redact) if office else [],
        },
        status_code=status_code,
    )


@router.get("/interviews/promises/{promise_id}")
def promise_link(db: DbSession, principal: PagePrincipal, promise_id: int) -> Response:
    """A task's way back to the interview where it was promised."""
    interview_id, number = interviews.promise_interview(db, principal, promise_id)
    return RedirectResponse(f"/interviews/{interview_id}#promise-{number}", status_code=303)


@router.get("/interviews/{interview_id}")
def interview_page(request: Request, db: DbSession, principal: PagePrincipal, interview_id: int) -> Response:
    return _page(request, db, principal, interview_id)


@router.post("/interviews/{interview_id}/promises")
def interview_promise(
    request: Request, db: DbSession, principal: PagePrincipal, interview_id: int, form: RequestForm
) -> Response:
    interviews.ensure_office(principal)
    interviews.get(db, principal, interview_id)
    try:
        promise = interviews.add_promise(db, principal, interview_id, validate_form(PromiseCreate, form))
    except Invalid as exc:
        typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return _page(request, db, principal, interview_id, errors=exc.errors, values=typed, status_code=422)
    return go(request, f"/interviews/{interview_id}?promised={promise.number}#promise-{promise.number}")
