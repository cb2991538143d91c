"""The map's layers (招商地图底图): the county's boundary and its towns as GeoJSON, uploaded by the coordinator
and drawn as outlines when no tile service is configured (app.services.maps)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Computed, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import SECRET, Audited, Base, TimestampMixin, VersionedMixin


class MapLayer(Audited, VersionedMixin, TimestampMixin, Base):
    """One uploaded GeoJSON FeatureCollection of Polygons and MultiPolygons (县界, 乡镇界), in WGS-84 or
    CGCS2000 (the same to a map's eye: app.services.geo). `sort_order` draws the lower ones first."""

    __tablename__ = "map_layer"
    __table_args__ = (Index("ix_map_layer_sort", "sort_order", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # no secret, but up to 5 MB of outlines: the audit trail records that it changed (with `size` and
    # `features`), not the text itself
    geojson: Mapped[str] = mapped_column(Text, info=SECRET)
    features: Mapped[int]  # how many polygons it holds (shown in the list without parsing the text)
    size: Mapped[int]  # bytes of the GeoJSON text
    sort_order: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


# The map's fine grid (app.services.maps): a place's column and row in a grid of GRID_DEGREES, kept by the
# database from its longitude and latitude (a generated column), so that counting a province's points per
# cell adds and divides integers instead of converting each row's decimal coordinates. The map's cell at
# zoom z is 2^(GRID_ZOOM - z) of these wide (48 screen pixels), so its column is grid_x // 2^(GRID_ZOOM - z).
GRID_ZOOM = 20
GRID_DEGREES = 360 / 2**GRID_ZOOM * 48 / 256  # 0.000064373016357421875 (exact in binary): about 7 m


def grid_sql(column: str, offset: int, dialect: str = "postgresql") -> str:
    """The generated column's expression: floor((degrees + offset) / GRID_DEGREES) as an integer. SQLite's
    cast truncates, which is the floor of these non-negative numbers; PostgreSQL's rounds."""
    if dialect == "sqlite":
        return f"CAST(({column} + {offset}) / 0.000064373016357421875 AS INTEGER)"
    return f"CAST(floor((CAST({column} AS DOUBLE PRECISION) + {offset}) / 0.000064373016357421875) AS INTEGER)"


def grid_column(axis: str) -> Any:
    """grid_x ("longitude") or grid_y ("latitude") of a table with those columns (the migrations write the
    expression per dialect; this text is PostgreSQL's)."""
    offset = 180 if axis == "longitude" else 90
    return mapped_column(Integer, Computed(grid_sql(axis, offset)), nullable=True)
