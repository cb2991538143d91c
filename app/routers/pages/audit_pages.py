"""The audit trail, for coordinators and supervisors."""

from __future__ import annotations

from datetime import date

from fastapi import Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal
from app.routing import IndexedRouter, long_running
from app.services import audit_query
from app.templating import render

router = IndexedRouter()


@router.get("/audit")
def audit_list(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    actor: str = Query("", max_length=50),
    entity: str = Query("", max_length=40),
    entity_id: str = Query("", max_length=40),
    action: str = Query("", max_length=40),
    date_from: date | None = None,
    date_to: date | None = None,
    before_seq: int | None = Query(None, ge=1),
) -> Response:
    filters = audit_query.AuditFilter(
        actor=actor, entity=entity, entity_id=entity_id, action=action, date_from=date_from, date_to=date_to
    )
    rows, more = audit_query.search(db, principal, filters, before_seq=before_seq)
    return render(
        request,
        "audit/list.html",
        {"rows": rows, "more": more, "f": filters, "actions": audit_query.ACTION_LABELS},
        block="results",
    )


@router.get("/audit/verify")
@long_running
def audit_verify(
    request: Request, db: DbSession, principal: PagePrincipal, digest: str = Query("", max_length=120)
) -> Response:
    result = audit_query.verify(db, principal, digest or None)
    return render(request, "audit/verify.html", {"result": result, "digest": digest})
