"""Factories for the publish tables: real rows built through the models."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.models.project import Stage
from app.models.publish import PublicProject, PublicSite, PublishState, SiteKind
from app.models.unit import Unit
from tests.land.factories import make_park, make_plot
from tests.projects.factories import make_project


def publish_ids(db: Session, unit: Unit) -> dict[str, Any]:
    """A published project (from a 策划包装 project of `unit`) and a published site, for the sweeps."""
    project = make_project(db, unit, stage=Stage.packaged)
    plot = make_plot(db, make_park(db))
    now = utcnow()
    row = PublicProject(
        project_id=project.id, title_zh="公开测试项目", title_en="Public test project",
        investment_wan=Decimal(1000), state=PublishState.published, published_at=now,
    )  # fmt: skip
    site = PublicSite(
        kind=SiteKind.plot, plot_id=plot.id, name_zh="公开测试地块", area=Decimal(20),
        state=PublishState.published, published_at=now,
    )  # fmt: skip
    db.add_all([row, site])
    db.flush()
    source = make_project(db, unit, stage=Stage.packaged)  # not yet published
    free_plot = make_plot(db, make_park(db))
    return {
        "public_project_id": row.id,
        "public_site_id": site.id,
        "lang": "zh",
        "publish_source_id": source.id,
        "publish_plot_id": free_plot.id,
    }
