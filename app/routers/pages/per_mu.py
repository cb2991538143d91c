"""The per-mu evaluation's pages (亩均评价): the year's results (paged, filtered by level, unit, park, chain and
grade), the breakdown by unit, park or chain, the scheme's form, publishing and the XLSX. The same service as
/api/v1/per-mu."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.models.per_mu import PerMuLevel
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.routing import IndexedRouter
from app.schemas.common import validate_form
from app.schemas.per_mu import PublishIn, SchemeIn
from app.services import export, per_mu, workdays
from app.templating import go, render

router = IndexedRouter()
PAGE = 50
GRADE_OPTIONS = [("A", "A 类"), ("B", "B 类"), ("C", "C 类"), ("D", "D 类"), (per_mu.NOT_CLASSIFIED, "未分类")]
LEVEL_OPTIONS = [(lv.value, lv.label) for lv in PerMuLevel]


def _default_year() -> int:
    return workdays.today().year - 1


def _unit_options(db: Session) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(every active unit, the parks): one statement."""
    rows = db.execute(
        select(Unit.id, Unit.name, Unit.kind).where(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id)
    ).all()
    return [(r.id, r.name) for r in rows], [
        (r.id, r.name) for r in rows if r.kind in (UnitKind.zone, UnitKind.zone_bureau)
    ]


def _filters(level: str, unit_id: int | None, zone_unit_id: int | None, chain: str, grade: str) -> per_mu.Filters:
    return per_mu.Filters(
        PerMuLevel(level) if level in PerMuLevel.__members__ else PerMuLevel.project,
        unit_id,
        zone_unit_id,
        chain.strip() or None,
        grade if grade in dict(GRADE_OPTIONS) else None,
    )


def _results(
    request: Request,
    db: Session,
    principal: Principal,
    year: int,
    f: per_mu.Filters,
    offset: int,
    by: str,
    *,
    errors: dict[str, str] | None = None,
    publish_values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    page = per_mu.results_page(db, principal, year, f, limit=PAGE, offset=offset)
    units, zones = _unit_options(db)
    query = {
        "year": year,
        "level": f.level.value,
        "unit_id": f.unit_id or "",
        "zone_unit_id": f.zone_unit_id or "",
        "chain": f.chain or "",
        "grade": f.grade or "",
        "by": by,
    }
    return render(
        request,
        "per_mu/results.html",
        {
            "year": year,
            "years": list(range(workdays.today().year, 2019, -1)),
            "page": page,
            "f": f,
            "query": query,
            "offset": offset,
            "limit": PAGE,
            "by": by,
            "breakdown": per_mu.breakdown(db, principal, year, by),
            "breakdowns": list(per_mu.BREAKDOWNS.items()),
            "indicators": per_mu.INDICATORS,
            "units": units,
            "zones": zones,
            "grade_options": GRADE_OPTIONS,
            "level_options": LEVEL_OPTIONS,
            "is_coordinator": principal.is_coordinator,
            "errors": errors or {},
            "publish_values": publish_values or {"idempotency_key": uuid.uuid4().hex},
        },
        status_code=status_code,
    )


@router.get("/per-mu")
def results_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    year: int | None = Query(None, ge=2000, le=2100),
    level: str = Query("project", max_length=10),
    unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
    zone_unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
    chain: str = Query("", max_length=60),
    grade: str = Query("", max_length=4),
    by: str = Query("unit", pattern=r"^(unit|zone|chain)$"),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Response:
    y = year or _default_year()
    return _results(request, db, principal, y, _filters(level, unit_id, zone_unit_id, chain, grade), offset, by)


@router.get("/per-mu/{year}/export.xlsx")
def results_xlsx(
    db: DbSession,
    principal: PagePrincipal,
    year: int,
    level: str = Query("project", max_length=10),
    unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
    zone_unit_id: int | None = Query(None, ge=1, le=2_147_483_647),
    chain: str = Query("", max_length=60),
    grade: str = Query("", max_length=4),
) -> Response:
    f = _filters(level, unit_id, zone_unit_id, chain, grade)
    rows = per_mu.export_rows(db, principal, year, f)
    body = export.xlsx(
        f"{year}年度亩均评价", per_mu.EXPORT_HEADERS, rows, number_formats={i: "0.00" for i in range(6, 16)}
    )
    return Response(
        body,
        media_type=export.XLSX_TYPE,
        headers={"Content-Disposition": export.content_disposition(f"{year}年度亩均评价结果.xlsx")},
    )


# --- the scheme and publishing ---------------------------------------------------------------------


def _scheme_values(params: dict[str, Any], version: int | None) -> dict[str, str]:
    values = {"version": str(version or "")}
    values.update({f"weight_{k}": v for k, v in params["weights"].items()})
    values.update({f"benchmark_{k}": v for k, v in params["benchmarks"].items()})
    values.update({f"band_{k.lower()}": v for k, v in params["bands"].items()})
    return values


def _scheme_form(
    request: Request,
    db: Session,
    year: int,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "per_mu/scheme.html",
        {
            "year": year,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "published": per_mu.is_published(per_mu.scheme_of(db, year)),
            "indicators": per_mu.INDICATORS,
        },
        status_code=status_code,
        block="form",
    )


@router.get("/per-mu/{year}/scheme")
def scheme_page(request: Request, db: DbSession, principal: PagePrincipal, year: int) -> Response:
    policy.ensure_coordinator(principal)
    row = per_mu.scheme_of(db, year)
    return _scheme_form(request, db, year, _scheme_values(per_mu.params_of(row), row.version if row else None))


@router.post("/per-mu/{year}/scheme")
def scheme_save(request: Request, db: DbSession, principal: PagePrincipal, year: int, form: RequestForm) -> Response:
    policy.ensure_coordinator(principal)
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        per_mu.set_scheme(db, principal, year, validate_form(SchemeIn, form))
    except Conflict as exc:
        row = per_mu.scheme_of(db, year)
        values["version"] = str(row.version) if row else ""
        return _scheme_form(request, db, year, values, conflict=exc.details, status_code=409)
    except Invalid as exc:
        return _scheme_form(request, db, year, values, exc.errors, status_code=422)
    return go(request, f"/per-mu?year={year}&saved=1")


@router.post("/per-mu/{year}/publish")
def publish(
    request: Request, db: DbSession, principal: PagePrincipal, year: int, form: RequestForm, guard: PageIdempotency
) -> Response:
    policy.ensure_coordinator(principal)
    try:
        per_mu.publish(db, principal, year, validate_form(PublishIn, form))
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"__all__": "方案已被他人修改，请刷新后再发布"}
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _results(
            request,
            db,
            principal,
            year,
            per_mu.Filters(),
            0,
            "unit",
            errors=errors,
            publish_values=values,
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    return guard.finish(go(request, f"/per-mu?year={year}&published=1"))
