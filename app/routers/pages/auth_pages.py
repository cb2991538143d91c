"""Sign-in, the second factor, sign-out and the user's own account."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import Response

from app.db import commit_refusal_record
from app.deps import (
    CSRF_COOKIE,
    AnonymousCsrf,
    DbSession,
    PageUser,
    PendingSession,
    Redirect,
    RequestForm,
    SettingsDep,
    client_addr,
    page_user_any_state,
    principal_for_user,
    request_id,
)
from app.errors import Invalid, TooManyRequests
from app.models.base import utcnow
from app.models.user import User, UserSession
from app.routing import IndexedRouter
from app.services import audit, auth, units
from app.services.auth import GENERIC_LOGIN_ERROR, mfa_required, password_expired
from app.services.security import new_totp_secret, totp_qr_svg, totp_uri
from app.templating import go, render

router = IndexedRouter()


def _safe_next(value: str | None) -> str:
    """A local path to continue to after sign-in; anything that could leave the site becomes "/"."""
    if (
        value
        and value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and value.isprintable()
        and not any(c.isspace() for c in value)
    ):
        return value[:500]
    return "/"


def _set_session_cookie(request: Request, response: Response, token: str, settings: SettingsDep) -> None:
    secure = settings.cookie_secure or request.url.scheme == "https"
    response.set_cookie(
        settings.session_cookie_name,
        token,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, csrf: AnonymousCsrf, next: str = "/") -> Response:
    response = render(request, "auth/login.html", {"errors": {}, "username": "", "next_url": _safe_next(next)})
    if getattr(request.state, "set_csrf_cookie", False):
        secure = settings.cookie_secure or request.url.scheme == "https"
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=secure, path="/")
    return response


@router.post("/login")
def login(request: Request, db: DbSession, settings: SettingsDep, csrf: AnonymousCsrf, form: RequestForm) -> Response:
    username = str(form.get("username") or "")[:50]
    password = str(form.get("password") or "")[:256]
    next_url = _safe_next(str(form.get("next") or "/"))
    context = {"username": username, "next_url": next_url}
    if not username or not password:
        errors = {"username": "请输入用户名"} if not username else {}
        if not password:
            errors["password"] = "请输入密码"
        return render(request, "auth/login.html", {**context, "errors": errors}, status_code=422)
    try:
        user = auth.authenticate(
            db, username, password, client_addr=client_addr(request), request_id=request_id(request), settings=settings
        )
    except TooManyRequests as exc:
        return render(request, "auth/login.html", {**context, "errors": {"__all__": exc.message}}, status_code=429)
    if user is None:
        commit_refusal_record(db)  # the failure, the count towards a lock and the throttle outlive the refusal
        return render(
            request, "auth/login.html", {**context, "errors": {"__all__": GENERIC_LOGIN_ERROR}}, status_code=422
        )
    return _complete_password_step(request, db, settings, user, next_url)


def _complete_password_step(
    request: Request, db: DbSession, settings: SettingsDep, user: User, next_url: str
) -> Response:
    needs_code = mfa_required(user, settings) and user.totp_enabled
    principal = principal_for_user(request, user)
    db.info["principal"] = principal  # the user's own row changes (last sign-in) are theirs in the audit trail
    # a new session id at every sign-in: whatever session this browser held before ends here
    auth.end_session_by_token(db, request.cookies.get(settings.session_cookie_name))
    grant = auth.start_session(
        db,
        user,
        client_addr=client_addr(request),
        user_agent=request.headers.get("user-agent", ""),
        mfa_passed=not needs_code,
        settings=settings,
    )
    audit.append(
        db,
        "login_success" if not needs_code else "login_password_ok",
        entity="user_account",
        entity_id=user.id,
        principal=principal,
    )
    if needs_code:
        target = "/login/2fa" if next_url == "/" else f"/login/2fa?{urlencode({'next': next_url})}"
    else:
        target = next_url
    response = go(request, target)
    _set_session_cookie(request, response, grant.token, settings)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _abandon_sign_in(request: Request, db: DbSession, settings: SettingsDep, session: UserSession) -> Response:
    """End a sign-in that may not finish (the account is locked) and send the browser back to /login."""
    auth.end_session(db, session)
    response = go(request, "/login")
    response.delete_cookie(settings.session_cookie_name, path="/")
    return response


@router.get("/login/2fa")
def second_factor_form(
    request: Request, db: DbSession, settings: SettingsDep, pending: PendingSession, next: str = "/"
) -> Response:
    session, user = pending
    if session.mfa_passed:
        raise Redirect("/")
    if auth.is_locked(user):
        return _abandon_sign_in(request, db, settings, session)
    return render(request, "auth/second_factor.html", {"errors": {}, "next_url": _safe_next(next)})


@router.post("/login/2fa")
def second_factor(
    request: Request, db: DbSession, settings: SettingsDep, pending: PendingSession, form: RequestForm
) -> Response:
    session, user = pending
    next_url = _safe_next(str(form.get("next") or "/"))
    if session.mfa_passed:
        raise Redirect("/")
    if auth.is_locked(user):
        # locked meanwhile (e.g. by wrong codes in another pending sign-in): no more guesses from here either
        audit.append(db, "login_failure", entity="user_account", entity_id=user.id, changes={"reason": "locked"})
        return _abandon_sign_in(request, db, settings, session)
    if auth.verify_second_factor(db, user, str(form.get("code") or "")[:20]):
        user.failed_login_count = 0
        grant = auth.rotate_session(db, session, mfa_passed=True, settings=settings)
        audit.append(db, "login_success", entity="user_account", entity_id=user.id, changes={"mfa": "totp"})
        response = go(request, next_url)
        _set_session_cookie(request, response, grant.token, settings)
        return response
    audit.append(db, "login_failure", entity="user_account", entity_id=user.id, changes={"reason": "bad_totp"})
    user.failed_login_count += 1
    if user.failed_login_count >= settings.lockout_threshold:
        user.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
        user.failed_login_count = 0
        return _abandon_sign_in(request, db, settings, session)
    commit_refusal_record(db)  # the wrong code counts towards a lock although the answer refuses
    return render(
        request,
        "auth/second_factor.html",
        {"errors": {"code": "验证码不正确或已使用，请输入新的验证码"}, "next_url": next_url},
        status_code=422,
    )


@router.post("/logout")
def logout(request: Request, db: DbSession, settings: SettingsDep, pending: PendingSession) -> Response:
    """Sign out, also from a sign-in that still owes its second factor."""
    session, user = pending
    auth.end_session(db, session)
    audit.append(db, "logout", entity="user_account", entity_id=user.id)
    response = go(request, "/login")
    response.delete_cookie(settings.session_cookie_name, path="/")
    return response


@router.get("/account")
def account(request: Request, db: DbSession, user: PageUser) -> Response:
    return render(request, "auth/account.html", {"unit": units.get(db, user.unit_id)})


def _password_reason(user: User, settings: SettingsDep) -> str:
    if user.must_change_password:
        return "initial"
    return "expired" if password_expired(user, settings) else ""


@router.get("/account/password")
def password_form(
    request: Request, settings: SettingsDep, user: Annotated[User, Depends(page_user_any_state)]
) -> Response:
    return render(request, "auth/password.html", {"errors": {}, "reason": _password_reason(user, settings)})


@router.post("/account/password")
def change_password(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    user: Annotated[User, Depends(page_user_any_state)],
    form: RequestForm,
) -> Response:
    reason = _password_reason(user, settings)
    try:
        auth.change_password(
            db,
            user,
            str(form.get("current_password") or "")[:256],
            str(form.get("new_password") or "")[:256],
            str(form.get("confirm_password") or "")[:256],
            settings,
        )
    except Invalid as exc:
        return render(request, "auth/password.html", {"errors": exc.errors, "reason": reason}, status_code=422)
    # whoever else holds a session of this account (perhaps with the old password) is signed out
    auth.revoke_all_sessions(db, user.id, except_id=request.state.user_session.id)
    if reason:
        return go(request, "/")
    return render(request, "auth/password.html", {"errors": {}, "reason": "", "done": True})


@router.get("/account/2fa")
def enroll_form(
    request: Request, db: DbSession, settings: SettingsDep, user: Annotated[User, Depends(page_user_any_state)]
) -> Response:
    if user.totp_enabled:
        raise Redirect("/account")
    if not user.totp_secret:
        user.totp_secret = new_totp_secret()
    return render(request, "auth/enroll.html", _enroll_context(user, settings, {}))


def _enroll_context(user: User, settings: SettingsDep, errors: dict[str, str]) -> dict[str, object]:
    assert user.totp_secret
    return {
        "errors": errors,
        "secret": user.totp_secret,
        "qr_svg": totp_qr_svg(totp_uri(user.totp_secret, user.username)),
        "required": mfa_required(user, settings),
    }


@router.post("/account/2fa")
def enroll(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    user: Annotated[User, Depends(page_user_any_state)],
    form: RequestForm,
) -> Response:
    code = str(form.get("code") or "")[:20]
    if user.totp_enabled:
        raise Redirect("/account")
    if not user.totp_secret:
        raise Redirect("/account/2fa")
    if not auth.verify_second_factor(db, user, code):
        return render(
            request,
            "auth/enroll.html",
            _enroll_context(user, settings, {"code": "验证码不正确，请重试"}),
            status_code=422,
        )
    user.totp_enabled = True
    return go(request, "/")
