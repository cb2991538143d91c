"""Who may read or change what. One place, used by the pages and the API alike.

Rules:
- coordinators read and change everything;
- leaders read everything and change nothing; supervisors read everything and record spot-checks;
- unit staff, and tokens scoped to a unit, read and change only their own unit's records;
- read-only tokens read (their unit's records, or everything when not scoped) and change nothing.
An object another unit owns is answered 404 (its existence is not disclosed); an object one may
read but not change is answered 403.
"""

from __future__ import annotations

from app.errors import Forbidden, NotFound
from app.principal import Principal


class DeniedNotFound(NotFound):
    """Another unit's object: answered as if it did not exist, and audited as a denial."""

    audit_denial = True


class DeniedForbidden(Forbidden):
    audit_denial = True


def can_read_unit_owned(principal: Principal, owner_unit_id: int | None) -> bool:
    if principal.reads_everything:
        return True
    return owner_unit_id is not None and owner_unit_id == principal.unit_id


def can_write_unit_owned(principal: Principal, owner_unit_id: int | None) -> bool:
    if not principal.can_write:
        return False
    if principal.is_coordinator:
        return True
    return principal.role.value == "unit_staff" and owner_unit_id == principal.unit_id


def ensure_read(principal: Principal, owner_unit_id: int | None, not_found: str | None = None) -> None:
    """Refuse another unit's object as 404. Pass the message the caller gives for a missing
    object, so that the answer is the same whether the object exists or not."""
    if not can_read_unit_owned(principal, owner_unit_id):
        raise DeniedNotFound(not_found)


def ensure_write(principal: Principal, owner_unit_id: int | None, not_found: str | None = None) -> None:
    ensure_read(principal, owner_unit_id, not_found)
    if not can_write_unit_owned(principal, owner_unit_id):
        raise DeniedForbidden()


def ensure_change_unit(principal: Principal, unit_id: int) -> None:
    """A unit's own record. The unit directory is readable by everyone, so a unit one may not
    change is answered 403 (never 404): only the unit's own staff and the coordinator may."""
    if not can_write_unit_owned(principal, unit_id):
        raise DeniedForbidden()


def ensure_coordinator(principal: Principal) -> None:
    if not principal.is_coordinator:
        raise DeniedForbidden("仅招商局（统筹）可执行此操作")


def ensure_audit_reader(principal: Principal) -> None:
    if principal.token_id is not None or principal.role.value not in ("coordinator", "supervisor"):
        raise DeniedForbidden("仅招商局和督查室可查阅审计记录")


def unit_filter(principal: Principal) -> int | None:
    """The unit a list must be restricted to, or None when the principal reads everything."""
    return None if principal.reads_everything else principal.unit_id
