"""The home page: the unit's status board, or the coordinator's / leaders' overview."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal
from app.models.project import STAGE_LABELS
from app.routing import IndexedRouter, reads_only
from app.services import home as home_service
from app.services import projects
from app.templating import render

router = IndexedRouter()


@router.get("/")
@reads_only
def home(request: Request, db: DbSession, principal: PagePrincipal) -> Response:
    context = home_service.overview(db, principal)
    context.update(flag_labels=projects.FLAG_LABELS, stage_labels={s.value: v for s, v in STAGE_LABELS.items()})
    template = "projects/overview.html" if principal.reads_everything else "projects/board.html"
    return render(request, template, context)


@router.get("/admin")
def admin_hub(request: Request, principal: PagePrincipal) -> Response:
    """The coordinator's and supervisor's entry to settings and records."""
    from app import policy

    policy.ensure_audit_reader(principal)
    return render(request, "admin/hub.html", {})
