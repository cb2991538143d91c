"""Liveness and readiness."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from app.routing import IndexedRouter
from app.services import system

router = IndexedRouter(tags=["health"])


@router.get("/healthz", summary="服务存活")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="就绪：数据库可达且迁移已到最新", responses={503: {"description": "未就绪"}})
def readyz(request: Request) -> JSONResponse:
    state = system.readiness(request.app.state.engine)
    return JSONResponse(state, status_code=200 if state["status"] == "ready" else 503)
