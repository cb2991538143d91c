"""The JSON API under /api/v1, for other government systems."""

from fastapi import APIRouter, Security
from fastapi.security import HTTPBearer

from app.routers.api import awards, leads, me, performance, projects, tickets, units, users
from app.schemas.errors import ERROR_RESPONSES

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    description="招商局在“系统令牌”页面签发的令牌：`Authorization: Bearer <令牌>`",
)
"""Declares the bearer scheme in the OpenAPI document (the docs' Authorize button); the check
itself is app.deps.api_principal, which answers 401 in the API's own JSON error format."""

api_router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, dependencies=[Security(bearer_scheme)])
api_router.include_router(me.router)
api_router.include_router(units.router)
api_router.include_router(users.router)
api_router.include_router(leads.router)
api_router.include_router(projects.router)
api_router.include_router(tickets.router)
api_router.include_router(awards.router)
api_router.include_router(performance.router)
