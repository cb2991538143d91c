"""The activities a unit records (外出招商, 接待客商, 推介活动, 外贸进出口): the page and its forms. The API
(app/routers/api/activities.py) calls the same service (app.services.activities)."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal, RequestForm
from app.errors import Invalid, NotFound
from app.routers.pages.performance import _day, _dec, _int
from app.routing import IndexedRouter
from app.schemas.people import people_from_form
from app.services import activities, cadre_credits, people, workdays
from app.templating import go, render

router = IndexedRouter()


# --- activities ------------------------------------------------------------------------------


def _context(db: DbSession, principal: PagePrincipal) -> dict[str, Any]:
    """The latest activities with each one's people (a statement per kind), and whom the forms offer."""
    recent = activities.recent(db, principal)
    credited = {
        kind: cadre_credits.people_of_records(db, kind, [r.id for r in recent[key]])
        for kind, key in (("trip", "trips"), ("reception", "receptions"), ("event", "events"), ("trade", "trade"))
    }
    options = people.cadre_options(db, principal.unit_id) if principal.unit_id is not None else []
    return {
        **recent,
        "credited": credited,
        "cadre_options": options,
        "today": workdays.today(),
        "sections": activities.section_choices(db, principal),
    }


@router.get("/activities")
def activities_page(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return render(request, "performance/activities.html", {**_context(db, principal), "errors": {}})


@router.get("/activities/projects")
def activity_project_lookup(
    request: Request, db: DbSession, principal: PagePrincipal, project_q: str = Query("", max_length=200)
) -> Response:
    """As the user types a project's name on the event form: the unit's projects to add."""
    choices = activities.project_choices(db, principal, project_q) if len(project_q.strip()) >= 1 else []
    return render(request, "performance/_project_suggestions.html", {"choices": choices})


@router.get("/activities/projects/chip")
def activity_project_chip(
    request: Request, db: DbSession, principal: PagePrincipal, id: int = Query(ge=1, le=2_147_483_647)
) -> Response:
    """A chosen project on the event form: a ticked box holding its id, shown by its name."""
    chosen = activities.chosen_projects(db, principal, [id])
    if not chosen:
        raise NotFound("找不到该项目")
    return render(request, "performance/_project_chip.html", {"chip": chosen[0]})


@router.post("/activities/{kind}")
def activity_add(request: Request, db: DbSession, principal: PagePrincipal, kind: str, form: RequestForm) -> Response:
    try:
        cadres = people_from_form(form, field="cadres")
        if kind == "trip":
            activities.add_trip(
                db,
                principal,
                started_on=_day(form.get("started_on"), "started_on"),
                ended_on=_day(form.get("ended_on"), "ended_on"),
                destination=str(form.get("destination") or ""),
                people=str(form.get("people") or ""),
                companies_visited=str(form.get("companies_visited") or ""),
                leads_obtained=_int(form.get("leads_obtained"), "leads_obtained", 0),
                cadres=cadres,
                section_ids=[_int(x, "section_ids") for x in form.getlist("section_ids") if isinstance(x, str)],
            )
        elif kind == "reception":
            activities.add_reception(
                db,
                principal,
                received_on=_day(form.get("received_on"), "received_on"),
                visitors=str(form.get("visitors") or ""),
                persons=_int(form.get("persons"), "persons", 1),
                note=str(form.get("note") or ""),
                cadres=cadres,
            )
        elif kind == "event":
            ids = [_int(x, "project_ids") for x in form.getlist("project_ids") if isinstance(x, str)]
            activities.add_event(
                db,
                principal,
                held_on=_day(form.get("held_on"), "held_on"),
                name=str(form.get("name") or ""),
                place=str(form.get("place") or ""),
                project_ids=ids,
                cadres=cadres,
            )
        elif kind == "trade":
            activities.set_trade(
                db,
                principal,
                _day(f"{form.get('month') or ''}-01", "month"),
                _dec(form.get("amount_usd"), "amount_usd"),
                cadres=cadres,
            )
        else:
            raise NotFound("未知的活动类型")
    except Invalid as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return render(
            request,
            "performance/activities.html",
            {
                **_context(db, principal),
                "errors": exc.errors,
                "sent": kind,
                "values": values,
                "event_projects": activities.chosen_projects(
                    db, principal, [int(x) for x in form.getlist("project_ids") if isinstance(x, str) and x.isdigit()]
                ),
                "chosen_sections": [str(x) for x in form.getlist("section_ids")],
            },
            status_code=422,
        )
    return go(request, "/activities")
