"""Who is acting on a request: a signed-in person or a system client's token."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models.user import Role


@dataclass(frozen=True)
class Principal:
    """The acting party. A token acts as unit staff of its unit, or as a reader when read-only."""

    role: Role
    unit_id: int | None
    label: str
    user_id: int | None = None
    token_id: int | None = None
    read_only: bool = False
    request_id: str = ""
    client_addr: str = ""
    scopes: frozenset[str] | None = None  # a token's (app.scopes); None for a person, whose role decides
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """Stable identity for idempotency keys and rate limits."""
        return f"user:{self.user_id}" if self.user_id is not None else f"token:{self.token_id}"

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.coordinator and not self.read_only

    @property
    def reads_everything(self) -> bool:
        return self.role in (Role.coordinator, Role.leader, Role.supervisor) or (
            self.read_only and self.unit_id is None
        )

    @property
    def can_write(self) -> bool:
        return not self.read_only and self.role in (Role.coordinator, Role.unit_staff, Role.supervisor)


SYSTEM = Principal(role=Role.coordinator, unit_id=None, label="system")
