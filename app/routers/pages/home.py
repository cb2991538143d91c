"""The home page: each role's own starting point."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal
from app.services import home as home_service
from app.templating import render

router = APIRouter()


@router.get("/")
def home(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    return render(request, "home/home.html", home_service.overview(db, principal))
