"""The rankings page (排名): per unit, per section or per person, with the 十佳 of the dimension. The API
(GET /api/v1/rankings) answers the same from the same services (app.services.performance for units,
app.services.rankings below the unit)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal
from app.models.unit import UNIT_KIND_LABELS, UnitKind
from app.routing import IndexedRouter
from app.services import metrics, performance, rankings, workdays
from app.services.cadre_credits import LEDGER_COLUMNS, SHORT_LABELS
from app.templating import render

router = IndexedRouter()
PAGE = 50

DimensionQuery = Annotated[str, Query(pattern="^(unit|section|person)$")]


@router.get("/rankings")
def ranking_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int | None = Query(None, ge=2000, le=2100),
    kind: str = Query("", max_length=30),
    dimension: DimensionQuery = "unit",
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    year = year or workdays.today().year
    as_of = min(workdays.today(), date(year, 12, 31))
    kinds = [kind] if kind in UnitKind.__members__ else None
    context = {
        "year": year,
        "kind": kind,
        "dimension": dimension,
        "dimensions": list(rankings.DIMENSIONS.items()),
        "kinds": [(k.value, UNIT_KIND_LABELS[k]) for k in UnitKind if k is not UnitKind.jurisdiction],
        "metrics": metrics.METRICS,
        "columns": LEDGER_COLUMNS,
        "short_labels": SHORT_LABELS,
        "offset": offset,
        "page": PAGE,
    }
    if dimension == "unit":
        context |= {
            "rows": performance.rank_units(db, None, year, as_of, kinds),
            "tie_rule": performance.TIE_RULE,
            "top": rankings.top_ten(db, principal, year, "unit", kinds),
            "people": rankings.top_ten(db, principal, year, "person", kinds),
        }
    else:
        ranker = rankings.rank_sections if dimension == "section" else rankings.rank_people
        standings = ranker(db, principal, year, kinds)
        context |= {
            "standings": standings[offset : offset + PAGE],
            "total": len(standings),
            "tie_rule": rankings.TIE_RULE,
            "top": rankings.top_ten(db, principal, year, dimension, kinds, standings),
            "own": next((s for s in standings if principal.user_id and s.user_id == principal.user_id), None),
        }
    return render(request, "performance/rankings.html", context)
