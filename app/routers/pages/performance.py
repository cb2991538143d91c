"""Targets, campaigns, rankings, the three rates, spot-checks, activities, bulletins, the dashboard."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from app import policy
from app.deps import DbSession, PagePrincipal, RequestForm
from app.errors import Invalid, NotFound
from app.models.performance import Campaign
from app.models.project import CATEGORY_LABELS, Category
from app.models.unit import TIER_LABELS, UNIT_KIND_LABELS, UnitKind
from app.principal import Principal
from app.routers.pages import unit_search
from app.routing import IndexedRouter, long_running
from app.services import (
    bulletin_docx,
    bulletin_export,
    bulletins,
    charts,
    export,
    metrics,
    performance,
    spot_checks,
    units,
    workdays,
)
from app.services.units import UnitPick
from app.templating import go, render

router = IndexedRouter()

RATE_PAGE = 50
"""Projects listed a page at a time under a rate (and records under a metric's figure)."""

RateQuery = Annotated[str, Query(pattern=r"^(fulfilment|funds|start)$")]
SideQuery = Annotated[str, Query(pattern=r"^(above|below)$")]
UnitIdQuery = Annotated[str, Query(pattern=r"^([1-9][0-9]{0,8})?$")]  # blank: the form sent "every unit"


def _day(value: Any, field: str, default: date | None = None) -> date:
    text = str(value or "")
    if not text and default is not None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid({field: "日期格式应为 YYYY-MM-DD"}) from None


def _dec(value: Any, field: str) -> Decimal:
    try:
        result = Decimal(str(value or "").replace(",", "").strip())
    except InvalidOperation:
        raise Invalid({field: "请填写数字"}) from None
    if not result.is_finite():
        raise Invalid({field: "请填写数字"})
    return result


def _int(value: Any, field: str, default: int | None = None) -> int:
    text = str(value or "").strip()
    if not text and default is not None:
        return default
    if not text.lstrip("-").isdigit() or len(text) > 9:
        raise Invalid({field: "请填写整数"})
    return int(text)


# --- the leaders' dashboard ------------------------------------------------------------------


@router.get("/dashboard")
def dashboard(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    data = bulletins.dashboard(db, principal)
    data["charts"] = charts.dashboard_charts(data)
    from app.services.projects import FLAG_LABELS

    return render(
        request,
        "performance/dashboard.html",
        {
            **data,
            "tie_rule": performance.TIE_RULE,
            "flag_labels": FLAG_LABELS,
            "lights_names": performance.LIGHTS,
            "metric_info": metrics.METRICS,
        },
    )


# --- targets ---------------------------------------------------------------------------------


TARGET_PAGE = 50
"""Rows of the targets page at a time."""


@dataclasses.dataclass
class _TargetFilters:
    """What the targets page lists: units of one kind or tier, or one unit (the unit field), and the rows
    of one metric or warning; a page at a time."""

    kind: str = ""
    tier: int | None = None
    unit_id: int | None = None
    metric: str = ""
    warning: str = ""
    offset: int = 0

    def query(self, year: int, **changed: Any) -> str:
        """The address's query for these filters, with `changed` ones replaced (the page: `offset`)."""
        values = {**dataclasses.asdict(self), **changed}
        items = [("year", year)] + [(k, v) for k, v in values.items() if v not in ("", None, 0)]
        return urlencode(items)


@router.get("/targets")
def targets_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int | None = Query(None, ge=2000, le=2100),
    kind: str = Query("", max_length=30),
    tier: str = Query("", pattern=r"^[1-4]?$"),
    unit_id: UnitIdQuery = "",
    metric: str = Query("", max_length=40),
    warning: str = Query("", max_length=20),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:
    """Each unit's standing on each metric with a target: how many units are warned on each metric first,
    then the rows asked for (units of a kind, a tier or one unit; one metric; one warning), 50 at a time."""
    year = year or workdays.today().year
    filters = _TargetFilters(
        kind=kind if kind in UnitKind.__members__ else "",
        tier=int(tier) if tier else None,
        unit_id=int(unit_id) if unit_id else None,
        metric=metric if metric in metrics.METRICS else "",
        warning=warning if warning in performance.TARGET_WARNINGS else "",
        offset=offset,
    )
    return _targets(request, db, principal, year, {}, filters=filters)


def _targets(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    scope: str = "",
    scope_unit: UnitPick | None = None,
    filters: _TargetFilters | None = None,
) -> Response:
    filters = filters or _TargetFilters()
    as_of = min(workdays.today(), date(year, 12, 31))
    unit = unit_search.pick(request, db, principal, filters.unit_id)  # a typed name names the unit
    if unit is None:  # those who see their own unit only: theirs, whatever is asked
        filters = dataclasses.replace(filters, kind="", tier=None, unit_id=None)
        unit_ids: list[int] | None = [principal.unit_id or 0]
    else:
        filters = dataclasses.replace(filters, unit_id=unit.unit_id)
        unit_ids = None if unit.unit_id is None else [unit.unit_id]
    board = performance.target_board(
        db,
        year,
        as_of,
        unit_ids=unit_ids,
        kind=filters.kind,
        tier=filters.tier,
        metric=filters.metric,
        warning=filters.warning,
        limit=TARGET_PAGE,
        offset=filters.offset,
    )
    return render(
        request,
        "performance/targets.html",
        {
            "year": year,
            "as_of": as_of,
            "board": board,
            "filters": filters,
            "limit": TARGET_PAGE,
            "warnings": performance.TARGET_WARNINGS,
            "metrics": metrics.METRICS,
            "expected": performance.expected_shares(db, year),
            "kinds": [(k.value, UNIT_KIND_LABELS[k]) for k in UnitKind],
            "tiers": TIER_LABELS,
            "shown": performance.shown,
            "scope": scope,
            "scope_unit": scope_unit or UnitPick(),
            "errors": errors,
            **unit_search.context(request, unit),
        },
        status_code=status_code,
    )


def _digits(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 9 else None


def _scope_unit(db: DbSession, principal: PagePrincipal, form: Any) -> UnitPick:
    """The unit of a target for one unit: taken from the field's list (its id), one of the units offered
    for a name that named several (`scope_unit_choice`), or the name typed, looked up (no JavaScript)."""
    chosen = _digits(form.get("scope_unit_choice"))
    if chosen is not None:
        return units.pick(db, principal, chosen, None)
    text = form.get("scope_unit_name")
    return units.pick(db, principal, _digits(form.get("scope_unit_id")), text if isinstance(text, str) else None)


@router.post("/targets")
def targets_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    year = _int(form.get("year"), "year", workdays.today().year)
    scope = str(form.get("scope") or "")
    text = form.get("scope_unit_name")
    scope_unit = UnitPick(text=units.normalise_name(text) if isinstance(text, str) else "")  # shown again as typed
    try:
        if form.get("month"):
            performance.set_expected_share(
                db, principal, year, _int(form.get("month"), "month"), _dec(form.get("share"), "share")
            )
        else:
            kind, _, value = scope.partition(":")
            errors: dict[str, str] = {}
            try:
                amount = _dec(form.get("amount"), "amount")
            except Invalid as exc:
                errors.update(exc.errors)
            unit_id = int(value) if kind == "unit" and value.isdigit() else None
            typed = str(form.get("scope_unit_name") or "").strip()
            if scope == "unit" or typed:  # units are looked up by name for the coordinator only
                policy.ensure_coordinator(principal)
            if scope == "unit":
                scope_unit = _scope_unit(db, principal, form)
                unit_id = scope_unit.unit_id
                if scope_unit.error or unit_id is None:
                    errors["scope_unit_id"] = scope_unit.error or "请填写单位名称"
            elif typed:
                errors["scope_unit_id"] = "填写了单位名称：请在“适用”中选择“单个单位”，或清空单位名称"
            if errors:
                raise Invalid(errors)
            performance.set_target(
                db,
                principal,
                year=year,
                metric=str(form.get("metric") or ""),
                amount=amount,
                tier=int(value) if kind == "tier" and value.isdigit() else None,
                unit_kind=value if kind == "kind" else None,
                unit_id=unit_id,
            )
            if unit_id is not None:  # back on the unit's rows: the one just set among them
                return go(request, f"/targets?year={year}&unit_id={unit_id}")
    except Invalid as exc:
        if "scope_unit_id" in exc.errors and not scope_unit.error:
            scope_unit = dataclasses.replace(scope_unit, error=exc.errors["scope_unit_id"])
        return _targets(request, db, principal, year, exc.errors, 422, scope=scope, scope_unit=scope_unit)
    return go(request, f"/targets?year={year}")


# --- campaigns -------------------------------------------------------------------------------


@router.get("/campaigns")
def campaign_list(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    rows = db.execute(select(Campaign).order_by(Campaign.starts_on.desc())).scalars().all()
    return render(
        request,
        "performance/campaigns.html",
        {
            "rows": rows,
            "errors": {},
            "values": {"rules": json.dumps(performance.HUNDRED_DAY_RULES, ensure_ascii=False, indent=1)},
        },
    )


@router.post("/campaigns")
def campaign_create(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        try:
            rules = json.loads(values.get("rules") or "[]")
        except ValueError:
            raise Invalid({"rules": "规则须为 JSON"}) from None
        campaign = performance.create_campaign(
            db,
            principal,
            values.get("name", "").strip(),
            _day(values.get("starts_on"), "starts_on"),
            _day(values.get("ends_on"), "ends_on"),
            rules,
        )
    except Invalid as exc:
        rows = db.execute(select(Campaign).order_by(Campaign.starts_on.desc())).scalars().all()
        return render(
            request,
            "performance/campaigns.html",
            {"rows": rows, "errors": exc.errors, "values": values},
            status_code=422,
        )
    return go(request, f"/campaigns/{campaign.id}")


@router.get("/campaigns/{campaign_id}")
def campaign_board(request: Request, db: DbSession, principal: PagePrincipal, campaign_id: int) -> Response:
    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("找不到该竞赛")
    groups = performance.judge(db, campaign)
    if not principal.reads_everything:
        for group in groups:
            group["rows"] = [r for r in group["rows"] if r["unit"].id == principal.unit_id]
        groups = [g for g in groups if g["rows"]]
    return render(
        request,
        "performance/campaign.html",
        {"campaign": campaign, "groups": groups, "days_left": performance.days_left(campaign)},
    )


# --- rankings and rates ----------------------------------------------------------------------


@dataclasses.dataclass
class _RateScope:
    """What /rates and its lists are over: the period, the unit (None: every unit), the category."""

    start: date
    end: date
    unit: UnitPick | None  # the unit field (None for those who see their own unit only)
    unit_id: int | None
    category: str

    def query(self, **extra: Any) -> str:
        """The address's query for these filters (the unit by its id), with `extra` first."""
        items = [*extra.items(), ("start", self.start), ("end", self.end)]
        if self.unit is not None and self.unit_id is not None:
            items.append(("unit_id", self.unit_id))
        if self.category:
            items.append(("category", self.category))
        return urlencode(items)


def _rate_scope(
    request: Request, db: DbSession, principal: PagePrincipal, start: date, end: date, unit_id: str, category: str
) -> _RateScope:
    if end < start:
        raise Invalid({"end": "截止日期不能早于开始日期"})
    unit = unit_search.pick(request, db, principal, int(unit_id) if unit_id else None)  # a typed name names the unit
    chosen = principal.unit_id if unit is None else unit.unit_id  # (None: those who see their own unit only)
    return _RateScope(start, end, unit, chosen, category if category in Category.__members__ else "")


@router.get("/rates")
def rates_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    start: date | None = Query(None),
    end: date | None = Query(None),
    unit_id: UnitIdQuery = "",
    category: str = Query("", max_length=30),
) -> Response:
    """The three rates' figures, each with how many projects it counts; the projects themselves are
    listed a page at a time when a section is opened (/rates/projects)."""
    end = end or workdays.today()
    start = start or date(end.year, 1, 1)
    scope = _rate_scope(request, db, principal, start, end, unit_id, category)
    cat = Category(scope.category) if scope.category else None
    return render(
        request,
        "performance/rates.html",
        {
            "rates": performance.rate_summary(db, start, end, scope.unit_id, cat),
            "scope": scope,
            "start": start,
            "end": end,
            "category": category,
            "sides": performance.RATE_SIDES,
            "shown": performance.shown,
            "categories": [(c.value, CATEGORY_LABELS[c]) for c in Category],
            **unit_search.context(request, unit=scope.unit),
        },
    )


@router.get("/rates/projects")
def rate_projects_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    rate: RateQuery,
    side: SideQuery,
    start: date | None = Query(None),
    end: date | None = Query(None),
    unit_id: UnitIdQuery = "",
    category: str = Query("", max_length=30),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Response:
    """The projects one rate counts in its numerator ("above") or only in its denominator ("below"),
    50 at a time: a page of its own, or (htmx) the list alone, for the section opened on /rates."""
    end = end or workdays.today()
    start = start or date(end.year, 1, 1)
    scope = _rate_scope(request, db, principal, start, end, unit_id, category)
    cat = Category(scope.category) if scope.category else None
    rows, total = performance.rate_projects(
        db, start, end, scope.unit_id, cat, rate, side, limit=RATE_PAGE, offset=offset, principal=principal
    )
    return render(
        request,
        "performance/rate_projects.html",
        {
            "rate": rate,
            "side": side,
            "rate_name": performance.RATE_NAMES[rate],
            "side_label": performance.RATE_SIDES[side],
            "rows": rows,
            "total": total,
            "offset": offset,
            "limit": RATE_PAGE,
            "scope": scope,
            "category_label": CATEGORY_LABELS[cat] if cat else "",
        },
        block="drill",
    )


@router.get("/metrics/records")
def metric_records(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    code: str = Query(max_length=40),
    start: date = Query(),
    end: date = Query(),
    unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
    offset: int = Query(0, ge=0, le=100_000_000),
) -> Response:
    """The records a figure counts, 50 at a time, under the figure (all of them summed) and their number."""
    if code not in metrics.METRICS:
        raise Invalid({"code": "未知的指标"})
    if not principal.reads_everything:
        unit_id = principal.unit_id
    rows, count, total = metrics.drill(
        db, code, start, end, unit_id, principal=principal, limit=RATE_PAGE, offset=offset
    )
    query = urlencode(
        [("code", code), ("start", start), ("end", end), *([("unit_id", unit_id)] if unit_id is not None else [])]
    )
    return render(
        request,
        "performance/records.html",
        {
            "metric": metrics.METRICS[code],
            "rows": rows,
            "start": start,
            "end": end,
            "unit_id": unit_id,
            "total": total,
            "count": count,
            "offset": offset,
            "limit": RATE_PAGE,
            "base": f"/metrics/records?{query}",
        },
    )


# --- spot-checks (the periodic reports are app/routers/pages/reports.py) -----------------------


@router.get("/spot-checks")
def spot_checks_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    rows, _ = spot_checks.list_checks(db, principal)
    values = {"start": "", "end": workdays.today().isoformat(), "fraction": "30", "seed": ""}
    return render(request, "performance/spot_checks.html", {"rows": rows, "errors": {}, "values": values})


@router.post("/spot-checks")
def spot_check_draw(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    try:
        seed_text = str(form.get("seed") or "").strip()
        fraction_text = str(form.get("fraction") or "").strip()
        check = spot_checks.draw(
            db,
            principal,
            _day(form.get("start"), "start"),
            _day(form.get("end"), "end"),
            _dec(fraction_text, "fraction") if fraction_text else None,
            _int(seed_text, "seed") if seed_text else None,
        )
    except Invalid as exc:
        rows, _ = spot_checks.list_checks(db, principal)
        values = {name: str(form.get(name) or "") for name in ("start", "end", "fraction", "seed")}  # as typed
        return render(
            request,
            "performance/spot_checks.html",
            {"rows": rows, "errors": exc.errors, "values": values},
            status_code=422,
        )
    return go(request, f"/spot-checks/{check.id}")


@router.get("/spot-checks/{check_id}")
def spot_check_page(request: Request, db: DbSession, principal: PagePrincipal, check_id: int) -> Response:
    check, findings = spot_checks.get(db, principal, check_id)
    return render(request, "performance/spot_check.html", {"check": check, "findings": findings, "errors": {}})


@router.post("/spot-checks/{check_id}/findings")
def spot_finding(
    request: Request, db: DbSession, principal: PagePrincipal, check_id: int, form: RequestForm
) -> Response:
    discrepancy = str(form.get("discrepancy") or "").strip()
    spot_checks.record_finding(
        db,
        principal,
        check_id,
        str(form.get("kind") or ""),
        _int(form.get("item_id"), "item_id"),
        form.get("result") == "confirmed",
        _dec(discrepancy, "discrepancy") if discrepancy else None,
        str(form.get("note") or "")[:2000],
    )
    return go(request, f"/spot-checks/{check_id}")


# --- bulletins -------------------------------------------------------------------------------


PeriodText = Annotated[str, Query(max_length=20)]


def _picker(kind: str, today: date) -> dict[str, Any]:
    """The period picker's values: the last period of `kind` that has ended."""
    year, number = bulletins.last_ended(kind, today)
    return {"kind": kind, "year": str(year), "number": str(number)}


def _bulletin_index(
    request: Request, db: DbSession, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    from app.models.performance import Bulletin

    principal: Principal = request.state.principal
    if not principal.reads_everything:  # as every bulletin it lists (bulletin_page): not a list of refusals
        raise policy.DeniedForbidden("通报由招商局发布，领导和督查室查阅")

    rows = db.execute(select(Bulletin).order_by(Bulletin.period_start.desc(), Bulletin.kind)).scalars().all()
    today = workdays.today()
    return render(
        request,
        "performance/bulletins.html",
        {
            "rows": [(b, bulletins.number_of(b.kind, b.period_start)) for b in rows],
            "values": values,
            "errors": errors,
            "kinds": [(k, bulletins.KIND_LABELS[k]) for k in bulletins.KINDS],
            "recent": [
                (k, *bulletins.last_ended(k, today), bulletins.period_name(k, *bulletins.last_ended(k, today)))
                for k in bulletins.KINDS
            ],
            "max_year": today.year + 1,
        },
        status_code=status_code,
    )


@router.get("/bulletins")
def bulletin_index(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    kind: PeriodText = "",
    year: PeriodText = "",
    number: PeriodText = "",
) -> Response:
    """The published bulletins and a picker to open any period (by default the last ended month)."""
    today = workdays.today()
    if not (kind or year or number) or not principal.reads_everything:
        return _bulletin_index(request, db, _picker("monthly", today), {})
    values = {"kind": kind, "year": year, "number": number}
    try:
        chosen_year = _int(year, "year")
        chosen_number = _int(number, "number")
        bulletins.check_period(kind, chosen_year, chosen_number, today)
    except Invalid as exc:
        return _bulletin_index(request, db, values, exc.errors, status_code=422)
    return go(request, f"/bulletins/{kind}/{chosen_year}/{chosen_number}")


def _bulletin(db: DbSession, kind: str, year: int, number: int) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    start, _end = bulletins.check_period(kind, year, number)
    frozen = bulletins.published(db, kind, start)
    current = bulletins.build(db, kind, year, number)
    if frozen is None:
        return current, None, {}
    return frozen.content, frozen, bulletins.corrections(frozen.content, current)


def _bulletin_page(
    request: Request,
    db: DbSession,
    kind: str,
    year: int,
    number: int,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    content, frozen, changed = _bulletin(db, kind, year, number)
    _start, end = bulletins.period_of(kind, year, number)
    return render(
        request,
        "performance/bulletin.html",
        {
            "b": content,
            "frozen": frozen,
            "changed": changed,
            "kind": kind,
            "year": year,
            "number": number,
            "days_left": bulletins.days_left(end),
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/bulletins/{kind}/{year}/{number}")
@long_running
def bulletin_page(
    request: Request, db: DbSession, principal: PagePrincipal, kind: str, year: int, number: int
) -> Response:
    if not principal.reads_everything:
        raise policy.DeniedForbidden("通报由招商局发布，领导和督查室查阅")
    try:
        bulletins.check_period(kind, year, number)
    except Invalid as exc:  # an impossible period: the picker, with the message beside its field
        values = {"kind": kind, "year": str(year), "number": str(number)}
        return _bulletin_index(request, db, values, exc.errors, status_code=422)
    return _bulletin_page(request, db, kind, year, number)


@router.post("/bulletins/{kind}/{year}/{number}/publish")
@long_running
def bulletin_publish(
    request: Request, db: DbSession, principal: PagePrincipal, kind: str, year: int, number: int, form: RequestForm
) -> Response:
    try:
        bulletins.publish(db, principal, kind, year, number, confirm_early=form.get("confirm_early") == "on")
    except Invalid as exc:
        try:
            bulletins.check_period(kind, year, number)
        except Invalid:  # no such period: the picker, with the message beside its field
            values = {"kind": kind, "year": str(year), "number": str(number)}
            return _bulletin_index(request, db, values, exc.errors, status_code=422)
        return _bulletin_page(request, db, kind, year, number, errors=exc.errors, status_code=422)
    return go(request, f"/bulletins/{kind}/{year}/{number}")


@router.get("/bulletins/{kind}/{year}/{number}/export.xlsx")
@long_running
def bulletin_xlsx(
    request: Request, db: DbSession, principal: PagePrincipal, kind: str, year: int, number: int
) -> Response:
    filename, body = bulletin_export.bulletin(db, principal, kind, year, number)
    return Response(
        body, media_type=export.XLSX_TYPE, headers={"Content-Disposition": export.content_disposition(filename)}
    )


@router.get("/bulletins/{kind}/{year}/{number}/export.docx")
@long_running
def bulletin_docx_download(
    request: Request, db: DbSession, principal: PagePrincipal, kind: str, year: int, number: int
) -> Response:
    """The bulletin as a Word document in the 公文 layout (as frozen when published, else marked 草稿)."""
    file = bulletin_docx.bulletin(db, principal, kind, year, number)
    return Response(
        file.body,
        media_type=file.media_type,
        headers={"Content-Disposition": export.content_disposition(file.filename)},
    )
