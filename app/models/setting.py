"""Settings the coordinator keeps on a page."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin


class AppSetting(Audited, VersionedMixin, TimestampMixin, Base):
    """A named value (lead quota, large-project threshold …); per-unit overrides use "key.unit.<id>"."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
