"""The map's layers (招商地图底图): the county's boundary and its towns as GeoJSON, uploaded by the coordinator
and drawn as outlines when no tile service is configured (app.services.maps)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
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
