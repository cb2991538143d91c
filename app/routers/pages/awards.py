"""Award pages: applications, the coordinator's queue, the public notice (A4), the budget board, policies."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from app import policy
from app.deps import DbSession, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.award import (
    AWARD_STATUS_LABELS,
    POLICY_KIND_LABELS,
    AgreementState,
    AwardStatus,
    IncentivePolicy,
    IntroducerKind,
    PolicyKind,
    RecipientType,
)
from app.models.project import Project
from app.routing import IndexedRouter
from app.schemas.agreements import ConditionIn
from app.schemas.common import validate_form
from app.services import agreements, awards, bulletin_docx, export, history, projects, units, workdays
from app.templating import go, render

router = IndexedRouter()


def _int(form: Any, key: str) -> int:
    value = str(form.get(key) or "")
    if not value.isdigit():
        raise Invalid({key: "请选择"})
    return int(value)


def _money(form: Any, key: str, *, required: bool = True) -> Decimal | None:
    value = str(form.get(key) or "").strip().replace(",", "")
    if not value:
        if required:
            raise Invalid({key: "请填写金额"})
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise Invalid({key: "请填写数字"}) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e12"):
        raise Invalid({key: "金额超出范围"})
    return amount


def _day(form: Any, key: str, default: date | None = None) -> date:
    value = str(form.get(key) or "")
    if not value and default is not None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid({key: "日期格式应为 YYYY-MM-DD"}) from None


@router.get("/awards")
def award_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    status: str = Query("", max_length=20),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    return _list(request, db, principal, status, offset, {}, {})


def _list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    status: str,
    offset: int,
    errors: dict[str, str],
    values: dict[str, Any],
    status_code: int = 200,
) -> Response:
    try:
        status_value = AwardStatus(status) if status else None
    except ValueError:
        raise Invalid({"status": "未知的状态"}) from None
    rows, total = awards.list_awards(db, principal, status=status_value, limit=100, offset=offset)
    mine = []
    if principal.unit_id is not None and not principal.reads_everything:
        mine = [
            (p.id, p.name)
            for p in db.execute(
                select(Project).where(Project.responsible_unit_id == principal.unit_id).order_by(Project.name)
            ).scalars()
        ]
    elif principal.is_coordinator:
        mine = [
            (p.id, p.name)
            for p in db.execute(select(Project).where(Project.signed_on.is_not(None)).order_by(Project.name)).scalars()
        ]
    return render(
        request,
        "awards/list.html",
        {
            "rows": rows,
            "total": total,
            "status": status,
            "statuses": AWARD_STATUS_LABELS,
            "offset": offset,
            "limit": 100,
            "policies": [
                (p.id, f"{p.name}（{p.kind.label}）")
                for p, v in awards.list_policies(db)
                if p.is_active and v and (principal.is_coordinator or p.kind is not PolicyKind.honour)
            ],
            "projects": mine,
            "errors": errors,
            "values": values,
            "year": workdays.today().year,
            "budget": awards.budget(db, workdays.today().year),
        },
        status_code=status_code,
    )


@router.post("/awards")
def award_propose(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        policy_id = _int(form, "policy_id")
        pol = db.get(IncentivePolicy, policy_id)
        if pol is None:
            raise Invalid({"policy_id": "请选择政策"})
        honour = None
        if pol.kind is PolicyKind.honour:
            name = str(form.get("recipient_name") or "").strip()
            kind = str(form.get("recipient_type") or "staff")
            if not name or kind not in RecipientType.__members__:
                raise Invalid({"recipient_name": "请填写获奖对象"})
            honour = awards.CreditInput(party=RecipientType(kind), name=name[:100], share=Decimal(100))
        year_text = str(form.get("year") or "").strip()
        if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
            raise Invalid({"year": "请填写年度，如 2025"})
        project_id = _int(form, "project_id") if pol.kind is not PolicyKind.honour else None
        special_amount = _money(form, "amount", required=False)
        with db.begin_nested():  # a refusal part-way leaves nothing behind (the page is still answered)
            created = awards.propose(
                db,
                principal,
                policy_id=policy_id,
                project_id=project_id,
                year=int(year_text) if year_text else None,
                special_amount=special_amount,
                decision_ref=str(form.get("decision_ref") or ""),
                honour_recipient=honour,
            )
    except Invalid as exc:
        return _list(request, db, principal, "", 0, exc.errors, values, 422)
    return go(request, f"/awards/{created[0].id}" if len(created) == 1 else "/awards?status=proposed")


@router.get("/awards/notice")
def public_notice(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    """The public notice (公示) as posted: every award whose notice period includes today, printable on A4."""
    today = workdays.today()
    return render(request, "awards/notice.html", {"rows": awards.in_notice(db, principal, today), "today": today})


@router.get("/awards/notice/export.docx")
def public_notice_docx(db: DbSession, principal: PagePrincipal) -> Response:
    """The public notice as a Word document in the 公文 layout."""
    file = bulletin_docx.award_notice(db, principal)
    return Response(
        file.body,
        media_type=file.media_type,
        headers={"Content-Disposition": export.content_disposition(file.filename)},
    )


@router.get("/awards/budget")
def budget_board(
    request: Request, db: DbSession, principal: PagePrincipal, year: int | None = Query(None, ge=2000, le=2100)
) -> Response:
    year = year or workdays.today().year
    if not principal.reads_everything:
        raise policy.DeniedForbidden()
    return render(request, "awards/budget.html", {"b": awards.budget(db, year), "year": year, "errors": {}})


@router.post("/awards/budget")
def budget_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    year = _int(form, "year")
    read = str(form.get("version") or "")
    try:
        amount = _money(form, "total")
        assert amount is not None
        with db.begin_nested():
            awards.set_budget(
                db,
                principal,
                year,
                amount,
                str(form.get("note") or "")[:500],
                version=int(read) if read.isdigit() and len(read) < 10 else None,
            )
    except (Invalid, Conflict) as exc:
        typed = {k: v for k, v in form.items() if k in ("total", "note") and isinstance(v, str)}
        errors = exc.errors if isinstance(exc, Invalid) else {"__all__": exc.message}
        return render(
            request,
            "awards/budget.html",
            {"b": awards.budget(db, year), "year": year, "errors": errors, "values": typed},
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    return go(request, f"/awards/budget?year={year}")


@router.get("/awards/policies")
def policy_list(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return render(
        request,
        "awards/policies.html",
        {"rows": awards.list_policies(db), "kinds": POLICY_KIND_LABELS, "errors": {}, "values": {}},
    )


@router.post("/awards/policies")
def policy_add(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    values["recipients_list"] = [str(v) for v in form.getlist("recipients")]
    values["exclusions_list"] = [str(v) for v in form.getlist("exclusions")]
    try:
        policy.ensure_coordinator(principal)
        try:
            kind = PolicyKind(str(values.get("kind", "")))
        except ValueError:
            raise Invalid({"kind": "请选择规则类型"}) from None
        try:
            params = json.loads(str(values.get("params") or "{}"), parse_float=str)  # never a float
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            raise Invalid({"params": '参数须为 JSON 对象，如 {"yuan_per_10k": "500"}'}) from None
        window = str(values.get("claim_window_days", "")).strip()
        if window and not window.isdigit():
            raise Invalid({"claim_window_days": "申报期限须为天数"})
        with db.begin_nested():  # a version refused leaves no policy without a version behind
            awards.save_policy(
                db,
                principal,
                name=str(values.get("name", "")),
                kind=kind,
                document_no=str(values.get("document_no", ""))[:100],
                effective_from=_day(form, "effective_from", workdays.today()),
                params=params,
                recipients=values["recipients_list"],
                exclusions=values["exclusions_list"],
                claim_window_days=int(window) if window else None,
            )
    except Invalid as exc:
        return render(
            request,
            "awards/policies.html",
            {"rows": awards.list_policies(db), "kinds": POLICY_KIND_LABELS, "errors": exc.errors, "values": values},
            status_code=422,
        )
    return go(request, "/awards/policies")


@router.get("/awards/projects/{project_id}")
def project_credit(request: Request, db: DbSession, principal: PagePrincipal, project_id: int) -> Response:
    return _credit_page(request, db, principal, project_id, {})


def _credit_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    project_id: int,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    values: dict[str, str] | None = None,
    refused: str = "",
) -> Response:
    """The project's credit page; `refused` names the form sent back (its errors and typed values)."""
    project = projects.get(db, principal, project_id)
    return render(
        request,
        "awards/credit.html",
        {
            "project": project,
            "name": projects.display_name(principal, project),
            "shown": projects.view(principal, project),
            "credits": awards.credits(db, project),
            "introducers": awards.introducers(db, project.id),
            "agreement": awards.agreement_view(db, project),
            "states": [(s.value, s.label) for s in AgreementState],
            "kinds": [(k.value, k.label) for k in IntroducerKind],
            "errors": errors,
            "refused": refused,
            "can_write": projects.can_write(principal, project),
            "today": workdays.today(),
            "values": values or {},
            "units": [(u.id, u.name) for u in units.list_units(db)[0]],
        },
        status_code=status_code,
    )


@router.post("/awards/projects/{project_id}/introducers")
def introducer_register(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: int, form: RequestForm
) -> Response:
    try:
        # the date is the server's; a date in the form is only the coordinator's 补登 (the service decides)
        typed = str(form.get("registered_on") or "").strip()
        registered_on = _day(form, "registered_on") if typed else None
        with db.begin_nested():
            awards.register_introducer(
                db,
                principal,
                project_id,
                kind=str(form.get("kind") or ""),
                name=str(form.get("name") or ""),
                phone=str(form.get("phone") or ""),
                registered_on=registered_on,
                backdate_reason=str(form.get("backdate_reason") or ""),
                investor_confirmed=form.get("investor_confirmed") == "on",
                confirmation=str(form.get("investor_confirmation") or ""),
            )
    except Invalid as exc:
        return _credit_page(
            request, db, principal, project_id, exc.errors, 422, values=_typed(form), refused="introducers"
        )
    return go(request, f"/awards/projects/{project_id}")


def _typed(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@router.post("/awards/projects/{project_id}/credit")
def credit_save(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: int, form: RequestForm
) -> Response:
    parts = []
    try:
        for index in range(6):
            name = str(form.get(f"name_{index}") or "").strip()
            share = str(form.get(f"share_{index}") or "").strip()
            if not name and not share:
                continue
            party = str(form.get(f"party_{index}") or "unit")
            if party not in RecipientType.__members__:
                raise Invalid({"shares": "请选择类型"})
            try:
                value = Decimal(share)
            except InvalidOperation:
                raise Invalid({"shares": "份额须为数字"}) from None
            unit_value = str(form.get(f"unit_{index}") or "")
            intro_value = str(form.get(f"introducer_{index}") or "")
            parts.append(
                awards.CreditInput(
                    party=RecipientType(party),
                    name=name[:100],
                    share=value,
                    unit_id=int(unit_value) if unit_value.isdigit() else None,
                    introducer_id=int(intro_value) if intro_value.isdigit() else None,
                    is_duty_official=form.get(f"duty_{index}") == "on",
                    is_investor_controller=form.get(f"controller_{index}") == "on",
                )
            )
        version = str(form.get("version") or "")
        if not version.isdigit():
            raise Invalid({"shares": "页面已过期，请刷新后重新设定"})
        with db.begin_nested():
            awards.set_credits(db, principal, project_id, parts, version=int(version))
    except Invalid as exc:
        return _credit_page(request, db, principal, project_id, exc.errors, 422, values=_typed(form), refused="credit")
    except Conflict:
        errors = {"shares": "该项目在您打开本页后已被他人修改：请核对现在的功劳归属后重新设定"}
        return _credit_page(request, db, principal, project_id, errors, 409, values=_typed(form), refused="credit")
    return go(request, f"/awards/projects/{project_id}")


@router.post("/awards/projects/{project_id}/agreement")
def agreement_move(
    request: Request, db: DbSession, principal: PagePrincipal, project_id: int, form: RequestForm
) -> Response:
    try:
        try:
            state = AgreementState(str(form.get("state") or ""))
        except ValueError:
            raise Invalid({"state": "请选择状态"}) from None
        with db.begin_nested():
            awards.move_agreement(db, principal, project_id, state, str(form.get("reason") or ""))
    except Invalid as exc:
        return _credit_page(
            request, db, principal, project_id, exc.errors, 422, values=_typed(form), refused="agreement"
        )
    return go(request, f"/awards/projects/{project_id}")


def _detail(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    award_id: int,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    typed_condition: str | None = None,
) -> Response:
    award = awards.get(db, principal, award_id)
    from app.models.award import IncentivePolicy as Pol
    from app.models.award import PolicyVersion

    version = db.get(PolicyVersion, award.policy_version_id)
    assert version is not None
    project = db.get(Project, award.project_id) if award.project_id else None
    return render(
        request,
        "awards/detail.html",
        {
            "award": award,
            "version": version,
            "policy": db.get(Pol, version.policy_id),
            "project_name": projects.display_name(principal, project) if project else None,
            "condition_now": awards.condition_of(db, principal, award),
            "condition_options": agreements.condition_options(db, principal, project)
            if project is not None and principal.is_coordinator
            else [],
            "typed_condition": typed_condition,
            "recipient": (recipient := awards.recipient_shown(db, principal, award)),
            "objections": awards.objections(db, award.id),
            "clawbacks": awards.clawbacks(db, award.id),
            "errors": errors or {},
            "today": workdays.today(),
            # a recipient this reader may not see by name: nor in the figures it was computed from
            "history": history.of(
                db,
                principal,
                "award",
                award.id,
                hidden=("recipient_name", "basis") if recipient != award.recipient_name else (),
            ),
        },
        status_code=status_code,
    )


@router.get("/awards/{award_id}")
def award_detail(request: Request, db: DbSession, principal: PagePrincipal, award_id: int) -> Response:
    return _detail(request, db, principal, award_id)


@router.post("/awards/{award_id}/condition")
def award_condition(
    request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, award_id: int
) -> Response:
    try:
        awards.set_condition(db, principal, award_id, validate_form(ConditionIn, form))
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"__all__": exc.message}
        typed = str(form.get("commitment_id") or "")
        return _detail(request, db, principal, award_id, errors, 409 if isinstance(exc, Conflict) else 422, typed)
    return go(request, f"/awards/{award_id}#condition")


NOTE_FIELDS = {
    "verify": "verify_note",
    "reject": "reject_reason",
    "object": "objection",
    "answer": "answer",
    "clawback": "clawback_reason",
}


@router.post("/awards/{award_id}/step")
def award_step(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm, award_id: int) -> Response:
    step = str(form.get("step") or "")
    # each form on the page names its text field after its step (verify_note, reject_reason …); "note" also works
    note = str(form.get(NOTE_FIELDS.get(step, "note")) or form.get("note") or "")[:2000]
    try:
        version = _int(form, "version")
        with db.begin_nested():  # a refused step leaves nothing behind (the page is still answered)
            awards.take_step(db, principal, award_id, _step_input(step, version, note, form))
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"__all__": exc.message}
        return _detail(request, db, principal, award_id, errors, 409 if isinstance(exc, Conflict) else 422)
    return go(request, f"/awards/{award_id}")


def _step_input(step: str, version: int, note: str, form: Any) -> awards.StepInput:
    """The step's form as the service's input (the API's steps give the same fields as JSON)."""
    days = str(form.get("days") or "").strip() if step == "notice" else ""
    if days and not days.isdigit():
        raise Invalid({"days": "公示天数须为整数"})
    return awards.StepInput(
        step=step,
        version=version,
        note=note,
        notice_from=_day(form, "notice_from", workdays.today()) if step == "notice" else None,
        days=(int(days) if len(days) <= 4 else 9999) if days else awards.NOTICE_DAYS,
        paid_on=_day(form, "paid_on", workdays.today()) if step == "pay" else None,
        voucher_no=str(form.get("voucher_no") or ""),
        raised_by=str(form.get("raised_by") or ""),
        objection_id=_int(form, "objection_id") if step == "answer" else None,
        upheld=form.get("upheld") == "on",
        amount=_money(form, "amount") if step == "clawback" else None,
        clawback_id=_int(form, "clawback_id") if step == "recovered" else None,
        recovered_on=_day(form, "recovered_on", workdays.today()) if step == "recovered" else None,
    )
