"""What each role sees first: the unit's status board, or the coordinator's overview."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.lead import DuplicatePair, DuplicateStatus
from app.models.project import FundsArrival, FundsSource, FundsStatus, Project, ProjectStatus, Stage
from app.models.unit import Unit
from app.models.user import User
from app.principal import Principal
from app.services import leads, metrics, performance, projects, registry, units


def overview(db: Session, principal: Principal, today: date | None = None) -> dict[str, Any]:
    t = projects.thresholds(db, today)
    context: dict[str, Any] = {
        "role": principal.role.value,
        "today": t.today,
        "stages": [(s.value, s.label) for s in Stage],
    }
    if principal.reads_everything:
        context["stage_counts"] = projects.stage_counts(db, None)
        context["flag_counts"] = projects.flag_counts(db, None, t)
        year_start = t.today.replace(month=1, day=1)
        context["funds_year"] = db.execute(
            select(func.coalesce(func.sum(FundsArrival.amount), 0)).where(
                FundsArrival.status == FundsStatus.confirmed,
                FundsArrival.source != FundsSource.foreign,
                FundsArrival.arrived_on >= year_start,
            )
        ).scalar_one()
        context["pending_funds"] = db.execute(
            select(func.count()).select_from(FundsArrival).where(FundsArrival.status == FundsStatus.pending)
        ).scalar_one()
        context["open_pairs"] = db.execute(
            select(func.count()).select_from(DuplicatePair).where(DuplicatePair.status == DuplicateStatus.open)
        ).scalar_one()
        context["open_disputes"] = registry.open_disputes(db, principal)
        context["signed_year"] = db.execute(
            select(func.count()).select_from(Project).where(Project.signed_on >= year_start)
        ).scalar_one()
        context["started_year"] = db.execute(
            select(func.count()).select_from(Project).where(Project.started_on >= year_start)
        ).scalar_one()
        context["unit_count"] = db.execute(
            select(func.count()).select_from(Unit).where(Unit.is_active.is_(True))
        ).scalar_one()
        context["user_count"] = db.execute(
            select(func.count()).select_from(User).where(User.is_active.is_(True))
        ).scalar_one()
        context["quota_table"] = [r for r in leads.quota_table(db, principal, t.today) if r["missed"]][:12]
        return context
    assert principal.unit_id is not None
    unit_id = principal.unit_id
    context["unit"] = units.get(db, unit_id)
    context["quota"] = leads.quota_standing(db, principal, unit_id, t.today)
    context["stage_counts"] = projects.stage_counts(db, unit_id)
    context["due"] = projects.due_this_month(db, unit_id, t)
    context["flagged"] = projects.flagged(db, principal, unit_id, t, limit=10)
    active, context["active_total"] = projects.list_projects(
        db,
        principal,
        projects.ProjectFilter(unit_id=unit_id, status=ProjectStatus.active, sort="updated"),
        limit=8,
        t=t,
    )
    context["active"] = active
    context["pending_funds"] = db.execute(
        select(func.count())
        .select_from(FundsArrival)
        .join(Project, Project.id == FundsArrival.project_id)
        .where(FundsArrival.status == FundsStatus.pending, Project.responsible_unit_id == unit_id)
    ).scalar_one()
    context["pace_warnings"] = [
        {
            "label": metrics.METRICS[st.metric].label,
            "share": performance.shown(st.share_of_expected),
            "card": st.card,
            "heading_below": st.heading_below,
        }
        for st in performance.pace_warnings(db, context["unit"], t.today)
    ]
    return context
