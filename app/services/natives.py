"""Natives working elsewhere (在外乡贤): contacts a unit keeps for kinship channels."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid
from app.models.investor import Native
from app.principal import Principal
from app.schemas.leads import NativeCreate


def create(db: Session, principal: Principal, data: NativeCreate) -> Native:
    if not principal.can_write or principal.role.value != "unit_staff":
        raise policy.DeniedForbidden("仅单位工作人员可登记本单位的乡贤")
    if principal.unit_id is None:
        raise Invalid({"__all__": "请以单位身份登记"})
    policy.ensure_write(principal, principal.unit_id)
    native = Native(**data.model_dump(), unit_id=principal.unit_id)
    db.add(native)
    db.flush()
    return native
