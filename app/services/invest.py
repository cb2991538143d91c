"""The public pages' reads (/invest): only the publish tables (app/models/publish.py), only rows in state
published, only the columns listed here. Nothing of a project, a plot, a building, an investor or a unit is
read, so nothing off the publish list can reach an investor."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models.project import Sector
from app.models.publish import PublicProfile, PublicProject, PublicSite, PublishState, SiteKind

PUBLISHED = PublishState.published
SECTOR_NAMES = {
    "zh": {"primary": "第一产业", "secondary": "第二产业", "tertiary": "第三产业"},
    "en": {"primary": "Agriculture", "secondary": "Industry", "tertiary": "Services"},
}
MAX_ROWS = 500  # a county's catalogue: a page of cards, never a list to page through


def text(row: Any, name: str, lang: str) -> str:
    """A published text in the language, the Chinese one when the English is not written."""
    value = getattr(row, f"{name}_{lang}", "") or ""
    return value or getattr(row, f"{name}_zh", "") or ""


def figure_lines(raw: str) -> list[tuple[str, str]]:
    """The profile's key figures: one "label: value" (or "label：value") a line."""
    out: list[tuple[str, str]] = []
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        for sep in ("：", ":"):
            if sep in line:
                label, value = line.split(sep, 1)
                out.append((label.strip(), value.strip()))
                break
        else:
            out.append((line, ""))
    return out


def profile(db: Session) -> PublicProfile | None:
    row = db.get(PublicProfile, 1)
    return row if row is not None and row.state is PUBLISHED else None


def profile_or_404(db: Session) -> PublicProfile:
    row = profile(db)
    if row is None:
        raise NotFound("Not found")
    return row


@dataclass
class Filters:
    sector: str | None = None
    chain: str | None = None


def projects(db: Session, filters: Filters | None = None) -> list[PublicProject]:
    query = select(PublicProject).where(PublicProject.state == PUBLISHED)
    if filters and filters.sector and filters.sector in Sector.__members__:
        query = query.where(PublicProject.sector == Sector(filters.sector))
    if filters and filters.chain:
        query = query.where(PublicProject.chain_zh == filters.chain)
    query = query.order_by(PublicProject.sort_order, PublicProject.id).limit(MAX_ROWS)
    return list(db.execute(query).scalars())


def chains(db: Session) -> list[tuple[str, str]]:
    """The published projects' chains (the filter's choices): the Chinese name (the key) and the English."""
    rows = db.execute(
        select(PublicProject.chain_zh, PublicProject.chain_en)
        .where(PublicProject.state == PUBLISHED, PublicProject.chain_zh != "")
        .distinct()
        .order_by(PublicProject.chain_zh)
    ).all()
    seen: dict[str, str] = {}
    for zh, en in rows:
        seen.setdefault(zh, en or zh)
    return list(seen.items())


def project(db: Session, row_id: int) -> PublicProject:
    row = db.get(PublicProject, row_id)
    if row is None or row.state is not PUBLISHED:
        raise NotFound("Not found")
    return row


def sites(db: Session) -> list[PublicSite]:
    query = (
        select(PublicSite)
        .where(PublicSite.state == PUBLISHED)
        .order_by(PublicSite.sort_order, PublicSite.id)
        .limit(MAX_ROWS)
    )
    return list(db.execute(query).scalars())


def site(db: Session, row_id: int) -> PublicSite:
    row = db.get(PublicSite, row_id)
    if row is None or row.state is not PUBLISHED:
        raise NotFound("Not found")
    return row


def site_area_unit(row: PublicSite) -> str:
    return "亩" if row.kind is SiteKind.plot else "㎡"


def total_investment(rows: list[PublicProject]) -> Decimal:
    return sum((r.investment_wan for r in rows), Decimal(0))
