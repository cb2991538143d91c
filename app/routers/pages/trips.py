"""The monthly outbound-trip list page (每月外出招商达标) and a unit's own minimum: the same service as the API
(app.services.trip_compliance)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from app import policy
from app.deps import DbSession, PagePrincipal, RequestForm
from app.errors import Invalid
from app.routing import IndexedRouter
from app.services import reports, trip_compliance, units, workdays
from app.templating import go, render

router = IndexedRouter()


@router.get("/activities/compliance")
def trip_compliance_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: str = Query("", max_length=4),
    month: str = Query("", max_length=2),
    only: str = Query("", max_length=10),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    """A month's list (this month unless asked): each unit's trips and its sections', as the API's."""
    if (year and not year.isdigit()) or (month and not month.isdigit()):
        raise Invalid({"month": "请选择年份和月份"})
    return _page(request, db, principal, year, month, only, offset)


def _page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: str,
    month: str,
    only: str,
    offset: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    today = workdays.today()
    chosen_year = int(year) if year.isdigit() else today.year
    chosen_month = int(month) if month.isdigit() else today.month
    found = trip_compliance.monthly_list(
        db, principal, chosen_year, chosen_month, only=only, offset=offset, limit=trip_compliance.PAGE, today=today
    )
    query = urlencode({k: v for k, v in (("year", chosen_year), ("month", chosen_month), ("only", only)) if v})
    own = trip_compliance.own_minimums(db) if principal.is_coordinator else {}
    return render(
        request,
        "performance/trip_compliance.html",
        {
            "found": found,
            "states": trip_compliance.STATES,
            "filters": list(trip_compliance.FILTERS.items()),
            "only": only,
            "years": list(range(today.year, max(trip_compliance.FIRST_YEAR, today.year - 5) - 1, -1)),
            "query": query,
            "page": trip_compliance.PAGE,
            "own_minimums": sorted(reports.unit_names(db, own).items(), key=lambda item: item[1]) if own else [],
            "own": own,
            "unit_options": _unit_options(db) if principal.is_coordinator else [],
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status_code,
    )


def _unit_options(db: DbSession) -> list[tuple[int, str]]:
    rows, _ = units.list_units(db)
    return [(u.id, "　" * depth + u.name) for u, depth in units.tree(rows) if u.kind.value != "jurisdiction"]


@router.post("/activities/compliance/minimum")
def unit_minimum_save(request: Request, db: DbSession, principal: PagePrincipal, form: RequestForm) -> Response:
    """One unit's own monthly minimum of trips (0: exempt), or blank: the setting's again."""
    policy.ensure_coordinator(principal)
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        unit_text = values.get("unit_id", "")
        if not unit_text.isdigit() or len(unit_text) > 9:
            raise Invalid({"unit_id": "请选择单位"})
        text = values.get("minimum", "").strip()
        if text and (not text.isdigit() or len(text) > 3):
            raise Invalid({"minimum": "请填写 0–100 的整数，或留空按统一要求"})
        trip_compliance.set_unit_minimum(db, principal, int(unit_text), int(text) if text else None)
    except Invalid as exc:
        return _page(request, db, principal, "", "", "", 0, errors=exc.errors, values=values, status_code=422)
    return go(request, "/activities/compliance")
