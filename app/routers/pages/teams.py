"""Industry team pages: the teams' ranking (/teams), a team with its leader, members, targets, ledger and
projects (/teams/{id}, and its ledger as a workbook), and the coordinator's forms (the team, a target, a
project's team). The API (app/routers/api/teams.py) calls the same services."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from app import policy
from app.deps import DbSession, PageIdempotency, PagePrincipal, RequestForm
from app.errors import Conflict, Invalid
from app.routing import IndexedRouter
from app.schemas.common import PLAIN_TEXT_PATTERN, validate_form
from app.schemas.performance import TargetSet
from app.schemas.teams import TeamProjectSet, TeamUpdate
from app.services import export, metrics, performance, teams, workdays
from app.templating import go, render

router = IndexedRouter()

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000)]
PAGE = 20
TARGET_METRICS = [(code, metrics.METRICS[code].label) for code in teams.TEAM_METRICS]


def _year(year: int | None) -> int:
    return year or workdays.today().year


def _form_year(form: RequestForm) -> int:
    raw = str(form.get("year", "")).strip()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else workdays.today().year


@router.get("/teams")
def ranking(request: Request, db: DbSession, principal: PagePrincipal, year: YearQuery = None) -> Response:
    chosen = _year(year)
    return render(
        request,
        "teams/index.html",
        {
            "rows": teams.rank_teams(db, principal, chosen),
            "year": chosen,
            "columns": teams.LEDGER_COLUMNS,
            "tie_rule": teams.TIE_RULE,
        },
    )


def _team_page(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    team_id: int,
    year: int,
    offset: int = 0,
    q: str = "",
    *,
    errors: dict[str, str] | None = None,
    failed: str = "",
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    book = teams.ledger(db, principal, team_id, year)
    rows, total, hidden = teams.team_projects(db, principal, team_id, limit=PAGE, offset=offset)
    is_coordinator = principal.is_coordinator
    return render(
        request,
        "teams/team.html",
        {
            "book": book,
            "team": book.team,
            "year": year,
            "columns": teams.LEDGER_COLUMNS,
            "split_codes": teams.SPLIT_CODES,
            "leader_targets": teams.leader_targets(db, book.team.leader, year),
            "project_rows": rows,
            "project_total": total,
            "project_hidden": hidden,
            "offset": offset,
            "page_size": PAGE,
            "q": q,
            "found": teams.find_projects(db, principal, q) if q and is_coordinator else [],
            "can_edit": is_coordinator,
            "target_metrics": TARGET_METRICS,
            "errors": errors or {},
            "failed": failed,
            "values": values or {},
            "idempotency_key": uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/teams/{team_id}")
def team(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    team_id: IdPath,
    year: YearQuery = None,
    offset: OffsetQuery = 0,
    q: str = Query("", max_length=50, pattern=PLAIN_TEXT_PATTERN),
) -> Response:
    return _team_page(request, db, principal, team_id, _year(year), offset, q.strip())


@router.get("/teams/{team_id}/ledger.xlsx")
def ledger_xlsx(db: DbSession, principal: PagePrincipal, team_id: IdPath, year: YearQuery = None) -> Response:
    chosen = _year(year)
    book = teams.ledger(db, principal, team_id, chosen)
    name = book.team.unit.name
    body = export.xlsx(
        f"{name}{chosen}年台账",
        teams.ledger_headers(),
        teams.ledger_rows(book),
        number_formats={i + 1: "#,##0.00" for i in range(len(teams.LEDGER_COLUMNS))},
    )
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": export.content_disposition(f"{name}-{chosen}年台账.xlsx")},
    )


@router.post("/teams/{team_id}/targets")
def set_target(
    request: Request, db: DbSession, principal: PagePrincipal, team_id: IdPath, form: RequestForm
) -> Response:
    """A team's annual target on a metric: the team unit's target (as on /targets, by unit)."""
    found = teams.get(db, principal, team_id)
    policy.ensure_coordinator(principal)  # before reading the form: a refused one is never echoed
    year = _form_year(form)
    try:
        data = validate_form(TargetSet, {**dict(form), "unit_id": str(found.id)})
        performance.set_target(db, principal, year=data.year, metric=data.metric, amount=data.amount, unit_id=found.id)
    except Invalid as exc:
        return _team_page(
            request,
            db,
            principal,
            found.id,
            year,
            errors=exc.errors,
            failed="target",
            values=dict(form),
            status_code=422,
        )
    return go(request, f"/teams/{found.id}?year={year}")


@router.post("/teams/{team_id}/projects")
def assign_project(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    team_id: IdPath,
    form: RequestForm,
    guard: PageIdempotency,
) -> Response:
    found = teams.get(db, principal, team_id)
    policy.ensure_coordinator(principal)  # before reading the form: a refused one is never echoed
    year = _form_year(form)
    raw = str(form.get("project_id", "")).strip()
    try:
        if not raw:
            raise Invalid({"project_id": "请填写项目编号，或在上方查找后点“归入本组”"})
        if not raw.isdigit() or not 1 <= int(raw) <= 2_147_483_647:
            raise Invalid({"project_id": "请输入整数"})
        data = validate_form(TeamProjectSet, form, ignore=("project_id", "year"))
        teams.assign_project(db, principal, found.id, int(raw), data.version)
    except (Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, Invalid) else {"project_id": exc.message}
        return _team_page(
            request,
            db,
            principal,
            found.id,
            year,
            errors=errors,
            failed="project",
            values=dict(form),
            status_code=422 if isinstance(exc, Invalid) else 409,
        )
    return guard.finish(go(request, f"/teams/{found.id}?year={year}"))


@router.post("/teams/{team_id}/projects/{project_id}/remove")
def remove_project(
    request: Request, db: DbSession, principal: PagePrincipal, team_id: IdPath, project_id: IdPath, form: RequestForm
) -> Response:
    teams.unassign_project(db, principal, team_id, project_id)
    return go(request, f"/teams/{team_id}?year={_form_year(form)}")


# --- the team's own form ------------------------------------------------------------------------


def _edit_page(
    request: Request,
    db: DbSession,
    found: teams.Team,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    conflict: Any = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "teams/edit.html",
        {
            "team": found,
            "values": values,
            "chosen_members": {str(v) for v in values.get("member_unit_ids", [])},
            "leader_options": teams.leader_options(
                db, found.id, found.profile.leader_cadre_id if found.profile else None
            ),
            "member_options": teams.member_options(db, found.id),
            "errors": errors or {},
            "conflict": conflict,
        },
        status_code=status_code,
    )


@router.get("/teams/{team_id}/edit")
def edit(request: Request, db: DbSession, principal: PagePrincipal, team_id: IdPath) -> Response:
    found = teams.get(db, principal, team_id)
    policy.ensure_coordinator(principal)  # before reading the form: a refused one is never echoed
    lead = next((m.unit_id for m in found.members if m.is_lead), None)
    values = {
        "version": found.version,
        "leader_cadre_id": found.leader.cadre_id if found.leader else None,
        "industry": found.profile.industry if found.profile else "",
        "duties": found.profile.duties if found.profile else "",
        "member_unit_ids": [m.unit_id for m in found.members],
        "lead_unit_id": lead,
    }
    return _edit_page(request, db, found, values)


@router.post("/teams/{team_id}/edit")
def update(request: Request, db: DbSession, principal: PagePrincipal, team_id: IdPath, form: RequestForm) -> Response:
    found = teams.get(db, principal, team_id)
    policy.ensure_coordinator(principal)  # before reading the form: a refused one is never echoed
    try:
        teams.update(db, principal, found.id, validate_form(TeamUpdate, form))
    except (Invalid, Conflict) as exc:
        values: dict[str, Any] = dict(form)
        values["member_unit_ids"] = form.getlist("member_unit_ids")
        return _edit_page(
            request,
            db,
            found,
            values,
            errors=exc.errors if isinstance(exc, Invalid) else None,
            conflict=exc.details if isinstance(exc, Conflict) else None,
            status_code=422 if isinstance(exc, Invalid) else 409,
        )
    return go(request, f"/teams/{found.id}")
