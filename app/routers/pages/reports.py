"""The periodic reports' pages: a period's reports (who sent on time, late, or not at all), a unit sending
its own, the coordinator's schedule of each cadence, and which units report which cadence (报送范围).
The same services as the API (app.services.reports)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response

from app import policy
from app.deps import DbSession, PagePrincipal, RequestForm
from app.errors import Invalid
from app.models.unit import UNIT_KIND_LABELS
from app.principal import Principal
from app.routing import IndexedRouter
from app.services import metrics, reports, units, workdays
from app.templating import go, render

router = IndexedRouter()

WORKING_DAY_CHOICES = [("", "不变（新安排的周报、半年小结按工作日）"), ("calendar", "自然日"), ("working", "工作日")]
APPLIES_CHOICES = [("1", "报送"), ("0", "免报"), ("", "按单位类别（取消单独设定）")]


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        raise Invalid({field: "日期格式应为 YYYY-MM-DD"}) from None


def _int(value: Any, field: str, default: int) -> int:
    text = str(value or "").strip()
    if not text:
        return default
    if not text.lstrip("-").isdigit() or len(text) > 9:
        raise Invalid({field: "请填写整数"})
    return int(text)


def _tabs(db: DbSession, principal: Principal) -> list[str]:
    """The cadences a unit's staff see (those scheduled that apply to their unit); everyone else sees all."""
    if principal.unit_id is not None and not principal.reads_everything:
        return reports.cadences_of_unit(db, principal.unit_id)
    return list(reports.CADENCE_LABELS)


@router.get("/reports")
def reports_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    cadence: str = Query("", max_length=20),
    start: date | None = None,
) -> Response:
    if cadence and cadence not in reports.CADENCE_LABELS:
        raise Invalid({"cadence": "未知的报告类型"})
    return _reports(request, db, principal, cadence, start, {}, {})


def _reports(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    cadence: str,
    start: date | None,
    errors: dict[str, str],
    values: dict[str, Any],
    status_code: int = 200,
    *,
    cadence_errors: dict[str, str] | None = None,
    cadence_values: dict[str, Any] | None = None,
) -> Response:
    today = workdays.today()
    tabs = _tabs(db, principal)
    if not cadence:
        cadence = "monthly" if "monthly" in tabs or not tabs else tabs[0]
    periods = reports.recent_periods(cadence, today)
    if start is None:
        start = ([p for p in periods if p[1] <= today] or periods)[-1][0]  # the last period ended
    elif not any(p[0] == start for p in periods):
        reports.check_report_period(start, today)
        asked = reports.period_of(cadence, start)
        if asked is None:
            raise Invalid({"start": "不是该类报告的期初日期"})
        periods = sorted([*periods, asked])
    end = next(p[1] for p in periods if p[0] == start)
    status = reports.report_status(db, cadence, start, today)
    if not principal.reads_everything:
        status = [s for s in status if s["unit"].id == principal.unit_id]
    own = principal.unit_id is not None and cadence in tabs and not principal.reads_everything
    figures = reports.report_figures(db, principal.unit_id, start, end) if own and principal.unit_id else {}
    return render(
        request,
        "performance/reports.html",
        {
            "cadence": cadence,
            "start": start,
            "period_name": reports.period_name(cadence, start, end),
            "periods": [(a, b, reports.period_name(cadence, a, b)) for a, b in periods],
            "status": status,
            "labels": reports.CADENCE_LABELS,
            "tabs": tabs,
            "own": own,
            "cadences": reports.cadences(db),
            "figures": figures,
            "metrics": metrics.METRICS,
            "errors": errors,
            "values": values,
            "cadence_errors": cadence_errors or {},
            "cadence_values": cadence_values or {},
            "working_day_choices": WORKING_DAY_CHOICES,
        },
        status_code=status_code,
    )


@router.post("/reports")
def report_submit(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    cadence = values.get("cadence", "monthly")
    try:
        start = _day(values.get("start"), "start")
        reports.submit_report(db, principal, cadence, start, values.get("narrative", ""), values.get("problems", ""))
    except Invalid as exc:
        shown = cadence if cadence in reports.CADENCE_LABELS else ""
        return _reports(request, db, principal, shown, None, exc.errors, values, 422)
    return go(request, f"/reports?cadence={cadence}&start={start}")


@router.post("/reports/cadence")
def cadence_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)
    cadence = str(form.get("cadence") or "")
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        due_days = _int(form.get("due_days"), "due_days", 5)
        mode = str(form.get("working_days") or "")
        if mode not in ("", "calendar", "working"):
            raise Invalid({"working_days": "请选择期限的计算方式"})
        working_days = None if not mode else mode == "working"
        reports.set_cadence(db, principal, cadence, due_days, form.get("is_active") == "on", working_days)
    except Invalid as exc:  # the form shown again, its message beside the field
        shown = cadence if cadence in reports.CADENCE_LABELS else ""
        return _reports(
            request, db, principal, shown, None, {}, {}, 422, cadence_errors=exc.errors, cadence_values=values
        )
    return go(request, f"/reports?cadence={cadence}")


# --- which units report which cadence (报送范围) ---------------------------------------------------


def _unit_options(db: DbSession) -> list[tuple[int, str]]:
    rows, _ = units.list_units(db)
    return [(u.id, "　" * depth + u.name) for u, depth in units.tree(rows) if u.kind.value != "jurisdiction"]


def _applicability(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    *,
    kind_errors: dict[str, str] | None = None,
    kind_values: dict[str, list[str]] | None = None,
    unit_errors: dict[str, str] | None = None,
    unit_values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = reports.applicability(db, principal)
    checked = kind_values or {c: [k for k, on in kinds.items() if on] for c, kinds in found.kinds.items()}
    return render(
        request,
        "performance/report_applicability.html",
        {
            "labels": reports.CADENCE_LABELS,
            "kinds": [(k.value, UNIT_KIND_LABELS[k]) for k in reports.REPORTING_KINDS],
            "checked": checked,
            "unit_rules": found.units,
            "unit_options": _unit_options(db),
            "applies_choices": APPLIES_CHOICES,
            "kind_errors": kind_errors or {},
            "unit_errors": unit_errors or {},
            "unit_values": unit_values or {},
        },
        status_code=status_code,
    )


@router.get("/reports/applicability")
def applicability_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    """Which kinds of unit report each cadence, and the units with a rule of their own."""
    return _applicability(request, db, principal)


@router.post("/reports/applicability/kinds")
def kind_rules_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    """The whole table at once: for each cadence, the kinds ticked report it and the others do not."""
    policy.ensure_coordinator(principal)
    sent = {c: [str(v) for v in form.getlist(c)] for c in reports.CADENCE_LABELS}
    kinds = [k.value for k in reports.REPORTING_KINDS]
    changes: dict[str, dict[str, bool]] = {}
    for cadence, ticked in sent.items():
        changes[cadence] = {k: k in ticked for k in kinds}
        changes[cadence].update({v: True for v in ticked if v not in kinds})  # refused below, on its cadence
    try:
        reports.set_kind_rules(db, principal, changes)
    except Invalid as exc:
        return _applicability(request, db, principal, kind_errors=exc.errors, kind_values=sent, status_code=422)
    return go(request, "/reports/applicability")


@router.post("/reports/applicability/units")
def unit_rule_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    """One unit's own rule for one cadence: it reports, it does not, or it follows its kind again."""
    policy.ensure_coordinator(principal)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        unit_text = values.get("unit_id", "")
        if not unit_text.isdigit() or len(unit_text) > 9:
            raise Invalid({"unit_id": "请选择单位"})
        applies = values.get("applies", "")
        if applies not in ("1", "0", ""):
            raise Invalid({"applies": "请选择是否报送"})
        reports.set_unit_rule(
            db, principal, values.get("cadence", ""), int(unit_text), None if applies == "" else applies == "1"
        )
    except Invalid as exc:
        return _applicability(request, db, principal, unit_errors=exc.errors, unit_values=values, status_code=422)
    return go(request, "/reports/applicability")
