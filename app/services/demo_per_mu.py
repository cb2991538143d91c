"""Demo per-mu evaluation (亩均评价): last year's scheme, published over the demo results (app.services.
demo_agreements). Two of the firms report their R&D spend, so the R&D share shows; the rest score 0 on it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.agreement import ProjectResult, ResultStatus
from app.models.per_mu import PerMuScheme
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.per_mu import PublishIn, SchemeIn
from app.services import per_mu, workdays

SCHEME = {
    "weight_tax_per_mu": "40", "weight_output_per_mu": "30", "weight_output_per_energy": "20",
    "weight_rd_share": "10", "benchmark_tax_per_mu": "10", "benchmark_output_per_mu": "200",
    "benchmark_output_per_energy": "5", "benchmark_rd_share": "3", "band_a": "80", "band_b": "60", "band_c": "40",
}  # fmt: skip
"""A county's own benchmarks (its industrial land's averages rather than Zhejiang's), so the demo firms spread
over A to D."""


def load(db: Session) -> bool:
    year = workdays.today().year - 1
    if db.execute(select(PerMuScheme.id).limit(1)).first() is not None:
        return False
    confirmed = (
        db.execute(
            select(ProjectResult)
            .where(
                ProjectResult.year == year,
                ProjectResult.quarter.is_(None),
                ProjectResult.status == ResultStatus.confirmed,
            )
            .order_by(ProjectResult.id)
        )
        .scalars()
        .all()
    )
    if not confirmed:
        return False
    for result, share in zip(confirmed, (Decimal("0.035"), Decimal("0.012")), strict=False):
        if result.output is not None and result.rd_spend is None:
            result.rd_spend = (result.output * share).quantize(Decimal(1))
    coordinator = db.execute(select(User).where(User.role == Role.coordinator).order_by(User.id).limit(1)).scalar()
    principal = Principal(
        role=Role.coordinator,
        unit_id=coordinator.unit_id if coordinator else None,
        label=coordinator.display_name if coordinator else "招商局",
        user_id=coordinator.id if coordinator else None,
    )
    row = per_mu.set_scheme(db, principal, year, SchemeIn.model_validate(SCHEME))
    per_mu.publish(db, principal, year, PublishIn(version=row.version))
    return True
