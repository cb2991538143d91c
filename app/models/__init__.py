"""ORM models: one module per table family. Importing this package registers every table."""

from app.models.assessment import (
    AdjustmentKind,
    AssessmentAdjustment,
    AssessmentScheme,
    AssessmentStatus,
    QualitativeScore,
)
from app.models.audit import AuditAnchor, AuditEntry
from app.models.award import (
    AgreementState,
    Award,
    AwardBudget,
    AwardObjection,
    AwardStatus,
    Clawback,
    IncentiveAgreement,
    IncentivePolicy,
    IntroducerRegistration,
    PolicyKind,
    PolicyVersion,
    ProjectCredit,
)
from app.models.base import Base
from app.models.cadence import ReportApplicability, TripSection
from app.models.compliance import (
    CaseCommitment,
    CaseOutcome,
    CaseStatus,
    ComplianceCase,
    ComplianceMeasure,
    ComplianceReceipt,
    MeasureKind,
)
from app.models.deposit import DepositAction, DepositEntry, DepositKind, DepositStatus
from app.models.idempotency import IdempotencyRecord
from app.models.interview import Interview, InterviewPromise
from app.models.investor import Investor, InvestorKind, InvestorType, Native
from app.models.land import (
    Building,
    BuildingKind,
    BuildingStatus,
    CarrierPhoto,
    LandPlot,
    LandQuota,
    LandUse,
    PlotStatus,
    PriceUnit,
)
from app.models.lead import (
    Channel,
    DuplicatePair,
    Lead,
    LeadCredit,
    LeadStatus,
    RegistryClaim,
    RegistryEntry,
)
from app.models.letter import LetterRules, LetterStatus, ResponsibilityLetter
from app.models.meeting import (
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    MeetingKind,
    MeetingProject,
    MeetingStatus,
    MeetingUnit,
)
from app.models.people import Cadre, CadreCredit, Section, SectionKind, TargetSplit
from app.models.performance import (
    Bulletin,
    Campaign,
    EventProject,
    ExpectedShare,
    PromotionEvent,
    RankingScheme,
    Reception,
    ReportCadence,
    SpotCheck,
    SpotFinding,
    Target,
    TradeEntry,
    Trip,
    UnitReport,
)
from app.models.project import (
    Attachment,
    FundsArrival,
    LostReason,
    ProgressUpdate,
    Project,
    ProjectAnomaly,
    Stage,
    StageEvent,
)
from app.models.quality import EnergyClass, EnvClass, LeadingIndustry, ProjectQuality, TechLevel
from app.models.robot import Robot, RobotKind
from app.models.setting import AppSetting
from app.models.task import SupervisedTask, TaskFile, TaskNote, TaskSourceKind, TaskStatus
from app.models.team import IndustryTeam, TeamMember, TeamProject
from app.models.ticket import (
    CalendarDay,
    DeliveryAttempt,
    EventMark,
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
    "AdjustmentKind",
    "AgreementState",
    "ApiToken",
    "AppSetting",
    "AssessmentAdjustment",
    "AssessmentScheme",
    "AssessmentStatus",
    "Attachment",
    "AuditAnchor",
    "AuditEntry",
    "Award",
    "AwardBudget",
    "AwardObjection",
    "AwardStatus",
    "Base",
    "Building",
    "BuildingKind",
    "BuildingStatus",
    "Bulletin",
    "Cadre",
    "CadreCredit",
    "CalendarDay",
    "Campaign",
    "CarrierPhoto",
    "CaseCommitment",
    "CaseOutcome",
    "CaseStatus",
    "Channel",
    "Clawback",
    "ComplianceCase",
    "ComplianceMeasure",
    "ComplianceReceipt",
    "DeliveryAttempt",
    "DepositAction",
    "DepositEntry",
    "DepositKind",
    "DepositStatus",
    "DuplicatePair",
    "EnergyClass",
    "EnvClass",
    "EventMark",
    "EventProject",
    "ExpectedShare",
    "FundsArrival",
    "IdempotencyRecord",
    "IncentiveAgreement",
    "IncentivePolicy",
    "IndustryTeam",
    "Interview",
    "InterviewPromise",
    "IntroducerRegistration",
    "Investor",
    "InvestorKind",
    "InvestorType",
    "LandPlot",
    "LandQuota",
    "LandUse",
    "Lead",
    "LeadCredit",
    "LeadStatus",
    "LeadingIndustry",
    "LetterRules",
    "LetterStatus",
    "LoginFailure",
    "LostReason",
    "MeasureKind",
    "Meeting",
    "MeetingAttendee",
    "MeetingDecision",
    "MeetingKind",
    "MeetingProject",
    "MeetingStatus",
    "MeetingUnit",
    "Native",
    "Notification",
    "OutboxEvent",
    "PlotStatus",
    "PolicyKind",
    "PolicyVersion",
    "PriceUnit",
    "ProgressUpdate",
    "Project",
    "ProjectAnomaly",
    "ProjectCredit",
    "ProjectQuality",
    "PromotionEvent",
    "QualitativeScore",
    "RankingScheme",
    "Reception",
    "RegistryClaim",
    "RegistryEntry",
    "ReportApplicability",
    "ReportCadence",
    "ResponsibilityLetter",
    "Robot",
    "RobotKind",
    "Role",
    "Section",
    "SectionKind",
    "SpotCheck",
    "SpotFinding",
    "Stage",
    "StageEvent",
    "SupervisedTask",
    "Target",
    "TargetSplit",
    "TaskFile",
    "TaskNote",
    "TaskSourceKind",
    "TaskStatus",
    "TeamMember",
    "TeamProject",
    "TechLevel",
    "Ticket",
    "TicketCategory",
    "TicketEvent",
    "TicketUnit",
    "TradeEntry",
    "Trip",
    "TripSection",
    "Unit",
    "UnitKind",
    "UnitReport",
    "User",
    "UserSession",
    "WebhookDelivery",
    "WebhookSubscription",
]

# investment agreements, commitments and results after production (issue 20)
from app.models.agreement import Commitment, InvestmentAgreement, ProjectResult

__all__ += ["Commitment", "InvestmentAgreement", "ProjectResult"]

# the per-mu evaluation (亩均评价, issue 20 item 3)
from app.models.per_mu import PerMuResult, PerMuScheme  # noqa: E402

__all__ += ["PerMuResult", "PerMuScheme"]

# industry chains (产业链) and investors who bring investors (以商招商, issue 21)
from app.models.chain import (  # noqa: E402
    ChainLink,
    ChainLinkFirm,
    ChainLinkProject,
    ChainStage,
    ChainUnit,
    IndustryChain,
    InvestorIntroduction,
)

__all__ += [
    "ChainLink",
    "ChainLinkFirm",
    "ChainLinkProject",
    "ChainStage",
    "ChainUnit",
    "IndustryChain",
    "InvestorIntroduction",
]

# the map's layers (招商地图: the county's boundary and towns, issue 21 item 3)
from app.models.geo import MapLayer  # noqa: E402

__all__ += ["MapLayer"]

# target companies to approach (目标企业, 敲门招商, issue 21 item 2)
from app.models.target_company import (  # noqa: E402
    ApproachKind,
    TargetApproach,
    TargetCompany,
    TargetList,
    TargetListKind,
    TargetStatus,
)

__all__ += ["ApproachKind", "TargetApproach", "TargetCompany", "TargetList", "TargetListKind", "TargetStatus"]

# approvals after signing and the 代办 window (审批事项、代办, issue 22 items 3 and 4)
from app.models.approval import (  # noqa: E402
    ApprovalDeferredDocument,
    ApprovalHandover,
    ApprovalKind,
    ApprovalKindPrerequisite,
    ApprovalStatus,
    HandoverDirection,
    ProjectAgent,
    ProjectApproval,
)

__all__ += [
    "ApprovalDeferredDocument",
    "ApprovalHandover",
    "ApprovalKind",
    "ApprovalKindPrerequisite",
    "ApprovalStatus",
    "HandoverDirection",
    "ProjectAgent",
    "ProjectApproval",
]

# pre-review and the signing approval by level (项目预审、签约审批, issue 22 items 1 and 2)
from app.models.prereview import (  # noqa: E402
    OpinionVerdict,
    PrereviewDepartment,
    PrereviewOpinion,
    PrereviewOverride,
    ProjectConcession,
    SigningApproval,
)

__all__ += [
    "OpinionVerdict",
    "PrereviewDepartment",
    "PrereviewOpinion",
    "PrereviewOverride",
    "ProjectConcession",
    "SigningApproval",
]
# what the county publishes to investors (对外发布, issue 23)
from app.models.publish import PublicProfile, PublicProject, PublicSite, PublishState, SiteKind  # noqa: E402

__all__ += ["PublicProfile", "PublicProject", "PublicSite", "PublishState", "SiteKind"]
