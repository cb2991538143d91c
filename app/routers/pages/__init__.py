"""HTML pages (Jinja + htmx)."""

from fastapi import APIRouter

from app.routers.pages import admin, awards, audit_pages, auth_pages, home, leads, performance, projects, tickets

page_router = APIRouter(include_in_schema=False)
page_router.include_router(auth_pages.router)
page_router.include_router(home.router)
page_router.include_router(admin.router)
page_router.include_router(audit_pages.router)
page_router.include_router(leads.router)
page_router.include_router(projects.router)
page_router.include_router(tickets.router)
page_router.include_router(awards.router)
page_router.include_router(performance.router)
