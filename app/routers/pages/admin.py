"""Coordinator pages: units, people and system tokens; a unit's own contact details."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm, SettingsDep
from app.errors import Conflict, Duplicate, Invalid
from app.models.base import utcnow
from app.models.unit import UNIT_KIND_LABELS, UnitKind
from app.models.user import ROLE_LABELS
from app.policy import ensure_change_unit, ensure_coordinator
from app.routers.pages import unit_search
from app.routing import IndexedRouter
from app.schemas.common import PLAIN_TEXT_PATTERN, validate_form
from app.schemas.units import UnitContactUpdate, UnitCreate, UnitUpdate
from app.schemas.users import TokenCreate, UserCreate, UserUpdate
from app.scopes import DEFAULT_SCOPES, SCOPES, TokenRole, describe
from app.services import history, units, users
from app.templating import go, local_dt, render

router = IndexedRouter()

KIND_OPTIONS = [(k.value, UNIT_KIND_LABELS[k]) for k in UnitKind]
ROLE_OPTIONS = [(k.value, v) for k, v in ROLE_LABELS.items()]
TIER_OPTIONS = [(1, "一档"), (2, "二档"), (3, "三档"), (4, "四档")]

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
"""A record id in a page's path: bounded, so an absurd number is a 422, never a database error."""


def _unit_options(db: DbSession) -> list[tuple[int, str]]:
    rows, _ = units.list_units(db)
    return [(u.id, "　" * depth + u.name) for u, depth in units.tree(rows)]


def _form_errors(exc: Exception) -> tuple[dict[str, str], Any]:
    if isinstance(exc, Invalid):
        return exc.errors, None
    if isinstance(exc, Conflict):
        return {}, exc.details
    if isinstance(exc, Duplicate):
        return {exc.field or "__all__": exc.message}, None
    raise exc


# --- units -----------------------------------------------------------------------------------


@router.get("/admin/units")
def unit_list(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    ensure_coordinator(principal)
    rows, _ = units.list_units(db, include_inactive=True)
    return render(request, "admin/units.html", {"rows": units.tree(rows)})


def _unit_form(
    request: Request,
    db: DbSession,
    *,
    unit: Any = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    context = {
        "unit": unit,
        "values": values or {},
        "errors": errors or {},
        "conflict": conflict,
        "kind_options": KIND_OPTIONS,
        "tier_options": TIER_OPTIONS,
        "unit_options": _unit_options(db),
        "idempotency_key": uuid.uuid4().hex,
        "history": history.of(db, request.state.principal, "unit", unit.id) if unit else [],
    }
    return render(request, "admin/unit_form.html", context, status_code=status_code, block="form")


@router.get("/admin/units/new")
def unit_new(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    ensure_coordinator(principal)
    return _unit_form(request, db, values={"kind": "department"})


@router.post("/admin/units/new")
def unit_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    ensure_coordinator(principal)  # before validating: a refused form is never echoed back
    values = dict(form)
    try:
        unit = units.create(db, principal, validate_form(UnitCreate, form))
    except (Invalid, Duplicate) as exc:
        errors, _ = _form_errors(exc)
        return _unit_form(request, db, values=values, errors=errors, status_code=422)
    return guard.finish(go(request, f"/admin/units/{unit.id}"))


@router.get("/admin/units/{unit_id}")
def unit_edit(request: Request, db: DbSession, principal: PagePrincipal, unit_id: IdPath) -> Response:
    ensure_coordinator(principal)
    unit = units.get(db, unit_id)
    values = {
        c: getattr(unit, c)
        for c in (
            "name",
            "short_name",
            "kind",
            "tier",
            "parent_id",
            "head_name",
            "phone",
            "address",
            "sort_order",
            "is_active",
            "version",
        )
    }
    values["kind"] = unit.kind.value
    return _unit_form(request, db, unit=unit, values=values)


@router.post("/admin/units/{unit_id}")
def unit_update(
    request: Request, db: DbSession, principal: PagePrincipal, unit_id: IdPath, form: RequestForm
) -> Response:
    ensure_coordinator(principal)  # before validating: the form and history are shown only to coordinators
    values = dict(form)
    values.setdefault("is_active", "")
    try:
        units.update(db, principal, unit_id, validate_form(UnitUpdate, form))
    except (Invalid, Duplicate, Conflict) as exc:
        errors, conflict = _form_errors(exc)
        unit = units.get(db, unit_id)
        return _unit_form(
            request,
            db,
            unit=unit,
            values=values,
            errors=errors,
            conflict=conflict,
            status_code=409 if conflict else 422,
        )
    return go(request, "/admin/units")


@router.get("/units/{unit_id}/contact")
def contact_form(request: Request, db: DbSession, principal: PagePrincipal, unit_id: IdPath) -> Response:
    unit = units.get(db, unit_id)
    ensure_change_unit(principal, unit.id)
    values = {"head_name": unit.head_name, "phone": unit.phone, "address": unit.address, "version": unit.version}
    return render(
        request,
        "admin/unit_contact.html",
        {
            "unit": unit,
            "values": values,
            "errors": {},
            "conflict": None,
            "history": history.of(db, principal, "unit", unit.id),
        },
    )


@router.post("/units/{unit_id}/contact")
def contact_update(
    request: Request, db: DbSession, principal: PagePrincipal, unit_id: IdPath, form: RequestForm
) -> Response:
    # refuse before validating: another unit's form and change history are never shown
    ensure_change_unit(principal, units.get(db, unit_id).id)
    try:
        units.update_contact(db, principal, unit_id, validate_form(UnitContactUpdate, form))
    except (Invalid, Conflict) as exc:
        errors, conflict = _form_errors(exc)
        unit = units.get(db, unit_id)
        return render(
            request,
            "admin/unit_contact.html",
            {
                "unit": unit,
                "values": dict(form),
                "errors": errors,
                "conflict": conflict,
                "history": history.of(db, principal, "unit", unit.id),
            },
            status_code=409 if conflict else 422,
        )
    return go(request, "/")


# --- users -----------------------------------------------------------------------------------


@router.get("/admin/users")
def user_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    q: str = Query("", max_length=50, pattern=PLAIN_TEXT_PATTERN),
    unit_id: str = Query("", max_length=12),  # blank: every unit (the form without JavaScript sends it so)
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    ensure_coordinator(principal)
    chosen = None
    if unit_id.strip():
        if not unit_id.strip().isdigit() or not 1 <= int(unit_id) <= 2_147_483_647:
            raise Invalid({"unit_id": "请选择有效的单位"})
        chosen = int(unit_id)
    unit = unit_search.pick(request, db, principal, chosen)  # a typed unit name names the unit to filter by
    if unit is not None:
        chosen = unit.unit_id
    rows, total = users.list_users(db, principal, unit_id=chosen, q=q, limit=50, offset=offset)
    unit_names = {u.id: u.name for u in units.list_units(db, include_inactive=True)[0]}
    response = render(
        request,
        "admin/users.html",
        {
            "rows": rows,
            "total": total,
            "q": q,
            "unit_id": chosen,
            "offset": offset,
            "unit_names": unit_names,
            **unit_search.context(request, unit),
        },
        block="results",
    )
    return unit_search.push_url(request, unit, response)


def _user_form(
    request: Request,
    db: DbSession,
    *,
    user: Any = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
    message: str = "",
    password_errors: dict[str, str] | None = None,
    password_message: str = "",
) -> Response:
    """The user's page; htmx gets the block of the form sent: the user form, or the password form."""
    context = {
        "user": user,
        "values": values or {},
        "errors": errors or {},
        "conflict": conflict,
        "message": message,
        "password_errors": password_errors or {},
        "password_message": password_message,
        "role_options": ROLE_OPTIONS,
        "unit_options": _unit_options(db),
        "idempotency_key": uuid.uuid4().hex,
        "history": history.of(db, request.state.principal, "user_account", user.id) if user else [],
    }
    block = "password" if password_errors is not None or password_message else "form"
    return render(request, "admin/user_form.html", context, status_code=status_code, block=block)


@router.get("/admin/users/new")
def user_new(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    ensure_coordinator(principal)
    return _user_form(request, db, values={"role": "unit_staff"})


@router.post("/admin/users/new")
def user_create(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    settings: SettingsDep,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    ensure_coordinator(principal)
    values = {k: v for k, v in form.items() if k != "initial_password"}
    try:
        user = users.create(db, principal, validate_form(UserCreate, form), settings)
    except (Invalid, Duplicate) as exc:
        errors, _ = _form_errors(exc)
        return _user_form(request, db, values=values, errors=errors, status_code=422)
    return guard.finish(go(request, f"/admin/users/{user.id}"))


@router.get("/admin/users/{user_id}")
def user_edit(request: Request, db: DbSession, principal: PagePrincipal, user_id: IdPath) -> Response:
    ensure_coordinator(principal)
    user = users.get(db, principal, user_id)
    values = {c: getattr(user, c) for c in ("display_name", "unit_id", "phone", "is_active", "version")}
    values["role"] = user.role.value
    return _user_form(request, db, user=user, values=values)


@router.post("/admin/users/{user_id}")
def user_update(
    request: Request, db: DbSession, principal: PagePrincipal, user_id: IdPath, form: RequestForm
) -> Response:
    ensure_coordinator(principal)
    values = dict(form)
    values.setdefault("is_active", "")
    try:
        users.update(db, principal, user_id, validate_form(UserUpdate, form))
    except (Invalid, Conflict) as exc:
        errors, conflict = _form_errors(exc)
        return _user_form(
            request,
            db,
            user=users.get(db, principal, user_id),
            values=values,
            errors=errors,
            conflict=conflict,
            status_code=409 if conflict else 422,
        )
    return go(request, "/admin/users")


@router.post("/admin/users/{user_id}/password")
def user_reset_password(
    request: Request, db: DbSession, principal: PagePrincipal, settings: SettingsDep, user_id: IdPath, form: RequestForm
) -> Response:
    ensure_coordinator(principal)
    user = users.get(db, principal, user_id)
    values = {c: getattr(user, c) for c in ("display_name", "unit_id", "phone", "is_active", "version")}
    values["role"] = user.role.value
    try:
        users.reset_password(db, principal, user_id, str(form.get("new_password") or "")[:256], settings)
    except Invalid as exc:
        return _user_form(request, db, user=user, values=values, password_errors=exc.errors, status_code=422)
    return _user_form(request, db, user=user, values=values, password_message="密码已重置，该用户下次登录须修改密码。")


@router.post("/admin/users/{user_id}/unlock")
def user_unlock(
    request: Request, db: DbSession, principal: PagePrincipal, user_id: IdPath, form: RequestForm
) -> Response:
    users.unlock(db, principal, user_id)
    return go(request, f"/admin/users/{user_id}")


# --- tokens ----------------------------------------------------------------------------------


@router.get("/admin/tokens")
def token_list(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return _tokens_page(request, db, principal)


def _tokens_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    issued: Any = None,
    status_code: int = 200,
) -> Response:
    rows = users.list_tokens(db, principal)
    unit_names = {u.id: u.name for u in units.list_units(db, include_inactive=True)[0]}
    return render(
        request,
        "admin/tokens.html",
        {
            "rows": rows,
            "unit_names": unit_names,
            "unit_options": _unit_options(db),
            "values": values or {"role": "unit_staff", "expires_days": 365},
            "role_options": [(r.value, r.label) for r in TokenRole],
            "scope_options": list(SCOPES.items()),
            "default_scopes": DEFAULT_SCOPES[TokenRole.unit_staff],
            "describe_scopes": describe,
            "errors": errors or {},
            "issued": issued,
            "idempotency_key": uuid.uuid4().hex,
            # the template compares local "%Y-%m-%d %H:%M" strings, which sort as the times do
            "now_local": local_dt(utcnow()),
        },
        status_code=status_code,
    )


@router.post("/admin/tokens")
def token_create(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, guard: PageIdempotency
) -> Response:
    ensure_coordinator(principal)
    try:
        issued = users.create_token(db, principal, validate_form(TokenCreate, form))
    except Invalid as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str)} | {"scopes": form.getlist("scopes")}
        return _tokens_page(request, db, principal, values=values, errors=exc.errors, status_code=422)
    # the secret is shown once: a repeated submission is answered with the list, never the secret
    guard.finish(RedirectResponse("/admin/tokens", status_code=303))
    return _tokens_page(request, db, principal, issued=issued)


@router.post("/admin/tokens/{token_id}/revoke")
def token_revoke(
    request: Request, db: DbSession, principal: PagePrincipal, token_id: IdPath, form: RequestForm
) -> Response:
    users.revoke_token(db, principal, token_id)
    return go(request, "/admin/tokens")
