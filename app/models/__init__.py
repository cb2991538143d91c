"""ORM models: one module per table family. Importing this package registers every table."""

from app.models.audit import AuditAnchor, AuditEntry
from app.models.base import Base
from app.models.idempotency import IdempotencyRecord
from app.models.investor import Investor, InvestorKind, InvestorType, Native
from app.models.lead import (
    Channel,
    DuplicatePair,
    Lead,
    LeadCredit,
    LeadStatus,
    RegistryClaim,
    RegistryEntry,
)
from app.models.setting import AppSetting
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, LoginFailure, Role, User, UserSession

__all__ = [
    "ApiToken",
    "AppSetting",
    "AuditAnchor",
    "AuditEntry",
    "Base",
    "Channel",
    "DuplicatePair",
    "IdempotencyRecord",
    "Investor",
    "InvestorKind",
    "InvestorType",
    "Lead",
    "LeadCredit",
    "LeadStatus",
    "LoginFailure",
    "Native",
    "RegistryClaim",
    "RegistryEntry",
    "Role",
    "Unit",
    "UnitKind",
    "User",
    "UserSession",
]
