"""Responsibility letter pages: /letters (the coordinator's list of every unit's letter for a year, the year's
rules, issuing one or all; a unit's own letters for its staff) and /letters/{id} (the letter as an A4 page to
print, its versions, the unit head's acknowledgement, the coordinator's reissue). The API
(app/routers/api/letters.py) calls the same services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.routing import IndexedRouter
from app.schemas.common import validate_form
from app.schemas.letters import LetterAcknowledge, LetterIssue, LetterIssueAll, RulesSave
from app.services import letters, workdays
from app.templating import go, render

router = IndexedRouter()

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 50


def _year(year: int | None) -> int:
    return year or workdays.today().year


def _form_year(form: RequestForm) -> int:
    raw = str(form.get("year", "")).strip()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else workdays.today().year


def _index(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int,
    state: str = "",
    offset: int = 0,
    *,
    errors: dict[str, str] | None = None,
    failed: str = "",
    values: dict[str, Any] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "year": year,
        "state": state,
        "offset": offset,
        "page_size": PAGE,
        "states": letters.STATUS_FILTERS,
        "errors": errors or {},
        "failed": failed,
        "values": values or {},
        "notice": notice,
        "is_coordinator": principal.is_coordinator,
        "idempotency_key": uuid.uuid4().hex,  # a double tap issues once
    }
    if principal.reads_everything:
        rules = letters.current_rules(db, year)
        context |= {
            "page": letters.status_page(db, principal, year, state=state, limit=PAGE, offset=offset),
            "rules": rules,
            "rules_count": len(letters.rules_history(db, year)) if rules else 0,
            "units": letters.issuable_units(db) if principal.is_coordinator else [],
        }
    elif principal.unit_id is not None:
        own, total = letters.unit_letters(db, principal, principal.unit_id, limit=PAGE, offset=offset)
        context |= {"own": own, "own_total": total}
    else:
        context |= {"own": [], "own_total": 0}
    return render(request, "letters/index.html", context, status_code=status_code)


@router.get("/letters")
def index(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: YearQuery = None,
    state: str = Query("", pattern=r"^(none|issued|acknowledged)?$"),
    offset: OffsetQuery = 0,
) -> Response:
    return _index(request, db, principal, _year(year), state, offset)


def _refused(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, exc: Invalid | Conflict, failed: str
) -> Response:
    errors = exc.errors if isinstance(exc, Invalid) else {"__all__": exc.message}
    return _index(
        request,
        db,
        principal,
        _form_year(form),
        errors=errors,
        failed=failed,
        values=dict(form),
        status_code=422 if isinstance(exc, Invalid) else 409,
    )


@router.post("/letters/rules")
def save_rules(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)  # before reading the form: a refused one is never echoed back
    try:
        data = validate_form(RulesSave, form)
        letters.save_rules(db, principal, data.year, data.text, data.base_revision)
    except (Invalid, Conflict) as exc:
        return _refused(request, db, principal, form, exc, "rules")
    return go(request, f"/letters?year={_form_year(form)}")


@router.post("/letters/issue")
def issue(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    try:
        if not str(form.get("unit_id", "")).strip():
            raise Invalid({"unit_id": "请选择单位"})
        data = validate_form(LetterIssue, form)
        letter = letters.issue(db, principal, data.unit_id, data.year, data.reason)
    except Invalid as exc:
        return _refused(request, db, principal, form, exc, "issue")
    return guard.finish(go(request, f"/letters/{letter.id}"))


@router.post("/letters/issue-all")
def issue_all(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    try:
        data = validate_form(LetterIssueAll, form)
        summary = letters.issue_all(db, principal, data.year)
    except Invalid as exc:
        return _refused(request, db, principal, form, exc, "issue_all")
    notice = f"已下达 {len(summary.issued)} 份；{summary.already} 个单位本年度已有责任书"
    if summary.without_targets:
        notice += f"；{len(summary.without_targets)} 个单位尚无目标未下达：" + "、".join(summary.without_targets[:10])
        notice += " 等" if len(summary.without_targets) > 10 else ""
    return guard.finish(_index(request, db, principal, data.year, notice=notice))


# --- one letter ---------------------------------------------------------------------------------


def _letter_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    letter_id: int,
    *,
    errors: dict[str, str] | None = None,
    failed: str = "",
    values: dict[str, Any] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    letter = letters.get(db, principal, letter_id)
    history = letters.versions(db, letter)
    return render(
        request,
        "letters/letter.html",
        {
            "letter": letter,
            "history": history,
            "is_latest": history[0].id == letter.id,
            "binding": letters.letter_for(db, letter.unit_id, letter.year),
            "can_acknowledge": letters.can_acknowledge(db, principal, letter),
            "can_reissue": principal.is_coordinator,
            "errors": errors or {},
            "failed": failed,
            "values": values or {},
            "conflict": conflict,
            "idempotency_key": uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/letters/{letter_id}")
def letter(request: Request, db: DbSession, principal: PagePrincipal, letter_id: IdPath) -> Response:
    return _letter_page(request, db, principal, letter_id)


@router.post("/letters/{letter_id}/reissue")
def reissue(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    letter_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    found = letters.get(db, principal, letter_id)
    policy.ensure_coordinator(principal)
    try:
        data = validate_form(LetterIssue, {**dict(form), "unit_id": str(found.unit_id), "year": str(found.year)})
        new = letters.issue(db, principal, data.unit_id, data.year, data.reason)
    except Invalid as exc:
        return _letter_page(
            request, db, principal, found.id, errors=exc.errors, failed="reissue", values=dict(form), status_code=422
        )
    return guard.finish(go(request, f"/letters/{new.id}"))


@router.post("/letters/{letter_id}/acknowledge")
def acknowledge(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    letter_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    found = letters.get(db, principal, letter_id)
    try:
        data = validate_form(LetterAcknowledge, form)
        letters.acknowledge(db, principal, found.id, data.version, data.text_hash)
    except (Invalid, Conflict) as exc:
        db.refresh(found)
        return _letter_page(
            request,
            db,
            principal,
            found.id,
            errors=exc.errors if isinstance(exc, Invalid) else None,
            conflict=exc.details if isinstance(exc, Conflict) else None,
            failed="acknowledge",
            status_code=422 if isinstance(exc, Invalid) else 409,
        )
    return guard.finish(go(request, f"/letters/{found.id}"))
