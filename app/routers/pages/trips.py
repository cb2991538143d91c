"""The monthly outbound-trip list page (每月外出招商达标): the same service as the API
(app.services.trip_compliance)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal
from app.errors import Invalid
from app.routing import IndexedRouter
from app.services import trip_compliance, workdays
from app.templating import render

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
    today = workdays.today()
    chosen_year = int(year) if year.isdigit() else today.year
    chosen_month = int(month) if month.isdigit() else today.month
    if (year and not year.isdigit()) or (month and not month.isdigit()):
        raise Invalid({"month": "请选择年份和月份"})
    found = trip_compliance.monthly_list(
        db, principal, chosen_year, chosen_month, only=only, offset=offset, limit=trip_compliance.PAGE, today=today
    )
    query = urlencode({k: v for k, v in (("year", chosen_year), ("month", chosen_month), ("only", only)) if v})
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
        },
    )
