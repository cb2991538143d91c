"""HTML pages (Jinja + htmx)."""

from fastapi import APIRouter

from app.routers.pages import (
    activities,
    admin,
    agency,
    agreements,
    approvals,
    assessment,
    audit_pages,
    auth_pages,
    awards,
    chains,
    compliance,
    deposits,
    home,
    interviews,
    land,
    leads,
    letters,
    maps,
    meetings,
    people,
    per_mu,
    performance,
    project_import,
    projects,
    rankings,
    reports,
    robots,
    target_companies,
    tasks,
    teams,
    tickets,
    trips,
    unit_search,
)

page_router = APIRouter(include_in_schema=False)
page_router.include_router(auth_pages.router)
page_router.include_router(home.router)
page_router.include_router(admin.router)
page_router.include_router(audit_pages.router)
page_router.include_router(leads.router)
page_router.include_router(project_import.router)  # before projects: /projects/import is no project id
page_router.include_router(projects.router)
page_router.include_router(tickets.router)
page_router.include_router(tasks.router)
page_router.include_router(awards.router)
page_router.include_router(performance.router)
page_router.include_router(people.router)
page_router.include_router(unit_search.router)
page_router.include_router(robots.router)
page_router.include_router(activities.router)
page_router.include_router(rankings.router)
page_router.include_router(reports.router)
page_router.include_router(trips.router)
page_router.include_router(meetings.router)
page_router.include_router(interviews.router)
page_router.include_router(assessment.router)
page_router.include_router(teams.router)
page_router.include_router(letters.router)
page_router.include_router(agreements.router)  # investment agreements, commitments, results after production
page_router.include_router(land.router)
page_router.include_router(deposits.router)
page_router.include_router(per_mu.router)  # the per-mu evaluation (亩均评价)
page_router.include_router(compliance.router)  # compliance cases (履约核查、违约处置, issue 20)
page_router.include_router(chains.router)  # industry chains (产业链) and 以商招商 (issue 21)

page_router.include_router(maps.router)  # the map (招商地图, issue 21 item 3)

page_router.include_router(target_companies.router)  # target companies to approach (目标企业, issue 21)
page_router.include_router(approvals.router)  # approvals after signing (审批事项, issue 22)

page_router.include_router(agency.router)  # the 代办 window: 代办员, queues, hand-overs, service quality (issue 22)

from app.routers.pages import prereview  # noqa: E402

page_router.include_router(prereview.router)  # pre-review and the signing approval (项目预审、签约审批, issue 22)

from app.routers.pages import invest, publish  # noqa: E402

page_router.include_router(invest.router)  # the public pages for investors (/invest, issue 23)
page_router.include_router(publish.router)  # the coordinator's publish step (/publish, issue 23)
