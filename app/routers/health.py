"""Liveness and readiness."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from app.routing import IndexedRouter
from app.schemas.common import answer_example
from app.services import system

router = IndexedRouter(tags=["health"])


@router.get("/healthz", summary="服务存活", responses=answer_example({"status": "ok"}))
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="就绪：数据库可达且迁移已到最新",
    responses={
        **answer_example({"status": "ready", "database": "ok", "revision": "8c2e6a41f0d7"}),
        503: {
            "description": "未就绪：数据库不可达（unavailable），或迁移未到最新（migrations_pending）",
            "content": {
                "application/json": {
                    "example": {
                        "status": "migrations_pending",
                        "database": "ok",
                        "revision": "5b7d21c9e3a4",
                        "head": "8c2e6a41f0d7",
                    }
                }
            },
        },
    },
)
def readyz(request: Request) -> JSONResponse:
    state = system.readiness(request.app.state.engine)
    return JSONResponse(state, status_code=200 if state["status"] == "ready" else 503)
