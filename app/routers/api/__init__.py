"""The JSON API under /api/v1, for other government systems."""

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer

from app.deps import api_principal
from app.routers.api import (
    activities,
    agency,
    agreements,
    approvals,
    assessment,
    awards,
    campaigns,
    chains,
    changes,
    compliance,
    deposits,
    funds,
    interviews,
    land,
    leads,
    letters,
    lost_reasons,
    maps,
    me,
    meetings,
    people,
    per_mu,
    performance,
    project_import,
    projects,
    rankings,
    reports,
    robots,
    settings,
    spot_checks,
    target_companies,
    targets,
    tasks,
    teams,
    ticket_categories,
    tickets,
    tokens,
    trips,
    units,
    users,
    webhooks,
)
from app.routing import IndexedRouter
from app.schemas.common import CONTROL_CHARACTERS, CONTROL_MESSAGE
from app.schemas.errors import ERROR_RESPONSES

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="招商局在“系统令牌”页面签发的令牌：`Authorization: Bearer <令牌>`",
)
"""The bearer scheme for the Open311 routes, which take the token in other forms too; the API
under /api/v1 declares the same scheme with app.deps.api_principal, its authentication."""


async def plain_query(request: Request) -> None:
    """No query parameter of any operation may carry control characters (NUL above all: PostgreSQL
    cannot even compare text with it). A 401 or 403 still comes first: authentication precedes this
    in the router's dependencies, and a token left to the endpoint's thread is checked by the
    validation error's handler (app.main)."""
    errors = [
        {
            "type": "value_error",
            "loc": ("query", name),
            "msg": CONTROL_MESSAGE,
            "input": value,
            "ctx": {"error": CONTROL_MESSAGE},
        }
        for name, value in request.query_params.multi_items()
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value)
    ]
    if errors:
        raise RequestValidationError(errors)


api_router = IndexedRouter(
    prefix="/api/v1", responses=ERROR_RESPONSES, dependencies=[Depends(api_principal), Depends(plain_query)]
)
api_router.include_router(me.router)
api_router.include_router(units.router)
api_router.include_router(users.router)
api_router.include_router(tokens.router)
api_router.include_router(leads.router)
api_router.include_router(project_import.router)  # before projects: /projects/import is no project id
api_router.include_router(projects.router)
api_router.include_router(funds.router)
api_router.include_router(tickets.router)
api_router.include_router(ticket_categories.router)
api_router.include_router(lost_reasons.router)
api_router.include_router(awards.router)
api_router.include_router(performance.router)
api_router.include_router(targets.router)
api_router.include_router(campaigns.router)
api_router.include_router(reports.router)
api_router.include_router(changes.router)
api_router.include_router(robots.router)
api_router.include_router(webhooks.router)
api_router.include_router(spot_checks.router)
api_router.include_router(tasks.router)
api_router.include_router(activities.router)
api_router.include_router(settings.router)
api_router.include_router(people.router)
api_router.include_router(rankings.router)
api_router.include_router(trips.router)
api_router.include_router(meetings.router)
api_router.include_router(interviews.router)
api_router.include_router(assessment.router)
api_router.include_router(teams.router)
api_router.include_router(letters.router)
api_router.include_router(agreements.router)  # investment agreements, commitments, results after production
api_router.include_router(land.router)
api_router.include_router(deposits.router)
api_router.include_router(per_mu.router)  # the per-mu evaluation (亩均评价)
api_router.include_router(compliance.router)  # compliance cases (履约核查、违约处置, issue 20)
api_router.include_router(chains.router)  # industry chains (产业链) and 以商招商 (issue 21)

api_router.include_router(maps.router)  # the map (招商地图, issue 21 item 3)

api_router.include_router(target_companies.router)  # target companies to approach (目标企业, issue 21)
api_router.include_router(approvals.router)  # approvals after signing (审批事项, issue 22)

api_router.include_router(agency.router)  # the 代办 window: 代办员, queues, hand-overs, service quality (issue 22)

from app.routers.api import prereview  # noqa: E402

api_router.include_router(prereview.router)  # pre-review and the signing approval (项目预审、签约审批, issue 22)

from app.routers.api import publish  # noqa: E402

api_router.include_router(publish.router)  # the publish step (对外发布, issue 23)
