"""ORM models: one module per table family. Importing this package registers every table."""

from app.models.audit import AuditAnchor, AuditEntry
from app.models.base import Base
from app.models.idempotency import IdempotencyRecord
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, LoginFailure, Role, User, UserSession

__all__ = [
    "ApiToken",
    "AuditAnchor",
    "AuditEntry",
    "Base",
    "IdempotencyRecord",
    "LoginFailure",
    "Role",
    "Unit",
    "UnitKind",
    "User",
    "UserSession",
]
