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
from app.models.project import (
    Attachment,
    FundsArrival,
    LostReason,
    ProgressUpdate,
    Project,
    Stage,
    StageEvent,
)
from app.models.setting import AppSetting
from app.models.ticket import (
    CalendarDay,
    DeliveryAttempt,
    Notification,
    OutboxEvent,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketUnit,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.unit import Unit, UnitKind
from app.models.user import ApiToken, LoginFailure, Role, User, UserSession

__all__ = [
    "ApiToken",
    "AppSetting",
    "Attachment",
    "AuditAnchor",
    "AuditEntry",
    "Base",
    "CalendarDay",
    "Channel",
    "DeliveryAttempt",
    "DuplicatePair",
    "FundsArrival",
    "IdempotencyRecord",
    "Investor",
    "InvestorKind",
    "InvestorType",
    "Lead",
    "LeadCredit",
    "LeadStatus",
    "LoginFailure",
    "LostReason",
    "Native",
    "Notification",
    "OutboxEvent",
    "ProgressUpdate",
    "Project",
    "RegistryClaim",
    "RegistryEntry",
    "Role",
    "Stage",
    "StageEvent",
    "Ticket",
    "TicketCategory",
    "TicketEvent",
    "TicketUnit",
    "Unit",
    "UnitKind",
    "User",
    "UserSession",
    "WebhookDelivery",
    "WebhookSubscription",
]
