"""The JSON API under /api/v1, for other government systems."""

from fastapi import APIRouter

from app.routers.api import me, units, users
from app.schemas.errors import ERROR_RESPONSES

api_router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
api_router.include_router(me.router)
api_router.include_router(units.router)
api_router.include_router(users.router)
