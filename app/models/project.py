"""Projects (项目): stages, funds arrived, progress updates and their evidence files."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Audited, Base, TimestampMixin, VersionedMixin, str_enum
from app.models.geo import grid_column

Money = Numeric(16, 2)  # 万元 (or 万美元 where a field says so)


class Stage(enum.StrEnum):
    """The stages in order; a project's `stage` is the furthest it has reached."""

    packaged = "packaged"
    negotiating = "negotiating"
    intent = "intent"
    signed = "signed"
    landed = "landed"
    started = "started"
    completed = "completed"
    production = "production"
    full_capacity = "full_capacity"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def order(self) -> int:
        return STAGE_ORDER.index(self)


STAGE_ORDER = list(Stage)
STAGE_LABELS = {
    Stage.packaged: "策划包装",
    Stage.negotiating: "洽谈在谈",
    Stage.intent: "意向/框架协议",
    Stage.signed: "正式签约",
    Stage.landed: "落户注册",
    Stage.started: "开工",
    Stage.completed: "竣工",
    Stage.production: "投产",
    Stage.full_capacity: "达产达效",
}


class ProjectStatus(enum.StrEnum):
    active = "active"
    paused = "paused"
    terminated = "terminated"

    @property
    def label(self) -> str:
        return {"active": "推进中", "paused": "暂停", "terminated": "终止/退出"}[self.value]


class ProjectKind(enum.StrEnum):
    new = "new"
    capital_increase = "capital_increase"  # 增资: counts only the increase

    @property
    def label(self) -> str:
        return {"new": "新引进", "capital_increase": "增资扩产"}[self.value]


class Sector(enum.StrEnum):
    primary = "primary"
    secondary = "secondary"
    tertiary = "tertiary"

    @property
    def label(self) -> str:
        return {"primary": "一产", "secondary": "二产", "tertiary": "三产"}[self.value]


class Category(enum.StrEnum):
    industrial = "industrial"
    agriculture = "agriculture"
    culture_tourism = "culture_tourism"
    infrastructure_social = "infrastructure_social"
    clean_energy = "clean_energy"
    commerce_services = "commerce_services"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.industrial: "工业",
    Category.agriculture: "农业产业化",
    Category.culture_tourism: "文化旅游",
    Category.infrastructure_social: "基础设施和社会事业",
    Category.clean_energy: "清洁能源",
    Category.commerce_services: "商贸服务和房地产",
}


class ChainRole(enum.StrEnum):
    build = "build"
    fill = "fill"
    strengthen = "strengthen"

    @property
    def label(self) -> str:
        return {"build": "建链", "fill": "补链", "strengthen": "强链"}[self.value]


class SizeBand(enum.StrEnum):
    """Size bands by contract (or, before signing, planned) investment in 万元."""

    below_300 = "below_300"
    from_300 = "from_300"
    from_500 = "from_500"
    from_1000 = "from_1000"
    from_5000 = "from_5000"
    from_1yi = "from_1yi"
    from_10yi = "from_10yi"

    @property
    def label(self) -> str:
        return SIZE_BAND_LABELS[self]

    @property
    def floor(self) -> Decimal:
        return SIZE_BAND_FLOORS[self]


SIZE_BAND_FLOORS = {
    SizeBand.below_300: Decimal(0),
    SizeBand.from_300: Decimal(300),
    SizeBand.from_500: Decimal(500),
    SizeBand.from_1000: Decimal(1000),
    SizeBand.from_5000: Decimal(5000),
    SizeBand.from_1yi: Decimal(10000),
    SizeBand.from_10yi: Decimal(100000),
}
SIZE_BAND_LABELS = {
    SizeBand.below_300: "300万以下",
    SizeBand.from_300: "300万–500万",
    SizeBand.from_500: "500万–1000万",
    SizeBand.from_1000: "1000万–5000万",
    SizeBand.from_5000: "5000万–1亿",
    SizeBand.from_1yi: "1亿–10亿",
    SizeBand.from_10yi: "10亿及以上",
}


def size_band_for(amount: Decimal | None) -> SizeBand:
    amount = amount or Decimal(0)
    band = SizeBand.below_300
    for candidate, floor in SIZE_BAND_FLOORS.items():
        if amount >= floor:
            band = candidate
    return band


class ApprovalLevel(enum.StrEnum):
    within_policy = "within_policy"
    leadership_group = "leadership_group"
    case_by_case = "case_by_case"

    @property
    def label(self) -> str:
        return {
            "within_policy": "政策范围内（主要领导同意）",
            "leadership_group": "局部突破（领导小组研究）",
            "case_by_case": "重大突破（一事一议）",
        }[self.value]


class PrereviewResult(enum.StrEnum):
    pending = "pending"
    passed = "passed"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "未预审", "passed": "预审通过", "rejected": "预审否决"}[self.value]


class NegativeReason(enum.StrEnum):
    """The pre-review's negative list."""

    environment_safety = "environment_safety"
    industrial_policy = "industrial_policy"
    low_level_capacity = "low_level_capacity"
    land_only = "land_only"

    @property
    def label(self) -> str:
        return {
            "environment_safety": "环评、安评不达标",
            "industrial_policy": "不符合国家产业政策",
            "low_level_capacity": "低水平重复建设",
            "land_only": "以投资为名圈占土地",
        }[self.value]


# active projects in a building stage (app.services.projects.BUILDING_STAGES), as an index predicate
BUILDING_PROJECTS = "status = 'active' AND stage IN ('signed', 'landed', 'started', 'completed')"


class Project(Audited, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint("planned_investment >= 0 AND contract_investment >= 0", name="amounts_non_negative"),
        Index("ix_project_responsible_stage", "responsible_unit_id", "stage"),
        Index("ix_project_introducing_unit_id", "introducing_unit_id"),
        Index("ix_project_stage_status", "stage", "status"),
        Index("ix_project_signed_on", "signed_on"),
        Index("ix_project_started_on", "started_on"),
        Index("ix_project_investor_id", "investor_id"),
        Index("ix_project_lead_id", "lead_id"),
        Index("ix_project_name", "name"),
        Index("ix_project_updated_at", "updated_at", "id"),  # the default list order, ties by id
        # filters whose counts would otherwise read the whole table, and the "contract" sort
        Index("ix_project_category", "category"),
        Index("ix_project_size_band", "size_band"),
        Index("ix_project_per_mu_grade", "per_mu_grade"),  # the per-mu D warning's count and filter
        Index("ix_project_contract_investment", "contract_investment", "id"),
        # the map's points in view (app.services.maps): covering what its count per grid cell reads for
        # those who read every project or their own units', so a province's view is read from the index alone
        Index(
            "ix_project_position",
            "grid_x",
            "grid_y",
            "status",
            "is_confidential",
            "responsible_unit_id",
            "introducing_unit_id",
            postgresql_include=["id"],  # SQLite's indexes hold the row id anyway
        ),
        # the "stalled" warning: building projects by the day of their last progress (its count and filter)
        Index(
            "ix_project_building_idle_since",
            text("coalesce(last_progress_on, stage_since)"),
            postgresql_where=text(BUILDING_PROJECTS),
            postgresql_include=["last_progress_on", "stage_since"],
            sqlite_where=text(BUILDING_PROJECTS),
        ),
        # search by any part of a name (LIKE '%…%'): pg_trgm GIN indexes on PostgreSQL; on SQLite the
        # migration creates an empty placeholder of the same name, and the search reads FTS5 trigram
        # tables instead (app.models.search)
        Index("ix_project_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        Index(
            "ix_project_code_name_trgm",
            "code_name",
            postgresql_using="gin",
            postgresql_ops={"code_name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code_name: Mapped[str] = mapped_column(String(60), default="")  # shown instead of the name when confidential
    is_confidential: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[ProjectKind] = mapped_column(str_enum(ProjectKind, "project_kind"), default=ProjectKind.new)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    investor_id: Mapped[int] = mapped_column(ForeignKey("investor.id", ondelete="RESTRICT"))
    content: Mapped[str] = mapped_column(Text, default="")

    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "stage"), default=Stage.negotiating)
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, "project_status"), default=ProjectStatus.active
    )
    stage_since: Mapped[date] = mapped_column(Date)
    packaged_on: Mapped[date | None] = mapped_column(Date)
    negotiating_on: Mapped[date | None] = mapped_column(Date)
    intent_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    landed_on: Mapped[date | None] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    production_on: Mapped[date | None] = mapped_column(Date)
    full_capacity_on: Mapped[date | None] = mapped_column(Date)
    lost_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lost_reason.id", ondelete="RESTRICT"))

    planned_investment: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    contract_investment: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    size_band: Mapped[SizeBand] = mapped_column(str_enum(SizeBand, "size_band"), default=SizeBand.below_300)
    foreign_investment_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # 合同外资, 万美元

    sector: Mapped[Sector] = mapped_column(str_enum(Sector, "sector"), default=Sector.secondary)
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"), default=Category.industrial)
    industry: Mapped[str] = mapped_column(String(60), default="")
    industry_chain: Mapped[str] = mapped_column(String(60), default="")
    chain_role: Mapped[ChainRole | None] = mapped_column(str_enum(ChainRole, "chain_role"))

    zone_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))  # 载体
    site: Mapped[str] = mapped_column(String(200), default="")
    land_area_mu: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    land_granted_on: Mapped[date | None] = mapped_column(Date)

    start_by: Mapped[date | None] = mapped_column(Date)
    production_by: Mapped[date | None] = mapped_column(Date)
    intensity_commitment: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # 万元/亩
    plot_ratio: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    annual_output: Mapped[Decimal | None] = mapped_column(Money)
    annual_tax: Mapped[Decimal | None] = mapped_column(Money)
    jobs: Mapped[int | None]

    introducing_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    introducer_name: Mapped[str] = mapped_column(String(100), default="")
    responsible_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    linked_leader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    service_officer: Mapped[str] = mapped_column(String(60), default="")

    approval_level: Mapped[ApprovalLevel | None] = mapped_column(str_enum(ApprovalLevel, "approval_level"))
    prereview: Mapped[PrereviewResult] = mapped_column(
        str_enum(PrereviewResult, "prereview_result"), default=PrereviewResult.pending
    )
    prereview_reason: Mapped[NegativeReason | None] = mapped_column(str_enum(NegativeReason, "negative_reason"))

    # kept current by the services, so that lists and warnings need no per-row queries
    investment_completed: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    completed_fell: Mapped[bool] = mapped_column(default=False)
    funds_confirmed: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # 万元
    funds_confirmed_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # 万美元
    funds_pending: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    first_funds_on: Mapped[date | None] = mapped_column(Date)
    last_progress_on: Mapped[date | None] = mapped_column(Date)
    # the firm's grade in the latest published per-mu evaluation (app.services.per_mu.publish): the D warning
    per_mu_grade: Mapped[str | None] = mapped_column(String(1))
    # where it is on the map (WGS-84, app.services.geo): set by a tap on the map, or taken from the first
    # progress update that kept the phone's position (`located_on`: that update's date; None for a tap)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    located_on: Mapped[date | None] = mapped_column(Date)
    grid_x: Mapped[int | None] = grid_column("longitude")  # the map's fine grid (app.models.geo)
    grid_y: Mapped[int | None] = grid_column("latitude")


class LostReason(Audited, VersionedMixin, TimestampMixin, Base):
    """Why a project ended without landing: a list the coordinator keeps."""

    __tablename__ = "lost_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class StageEvent(Audited, Base):
    """One move on the stage line (forward, back, pause, resume, terminate) with its date and evidence."""

    __tablename__ = "stage_event"
    __table_args__ = (
        Index("ix_stage_event_project_id", "project_id", "id"),
        # who entered a project (its "create" event): a cadre's projects by default (app.services.people)
        Index("ix_stage_event_recorded_by_id", "recorded_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))  # forward, back, pause, resume, terminate
    from_stage: Mapped[Stage | None] = mapped_column(str_enum(Stage, "from_stage"))
    to_stage: Mapped[Stage | None] = mapped_column(str_enum(Stage, "to_stage"))
    happened_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    permit_no: Mapped[str] = mapped_column(String(60), default="")
    contract_no: Mapped[str] = mapped_column(String(60), default="")  # 合同（协议）编号: signing's evidence
    production_no: Mapped[str] = mapped_column(String(100), default="")  # 投产证明编号: production's evidence
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]


class AnomalyKind(enum.StrEnum):
    """What makes a move on the stage line worth a second look (app.services.stage_gate decides)."""

    stages_one_day = "stages_one_day"
    production_zero_contract = "production_zero_contract"
    permit_format = "permit_format"

    @property
    def label(self) -> str:
        return {
            "stages_one_day": "一天内推进多个阶段",
            "production_zero_contract": "投产但合同投资额为零",
            "permit_format": "施工许可证号格式可疑",
        }[self.value]


class ProjectAnomaly(Audited, VersionedMixin, TimestampMixin, Base):
    """An anomaly flag (异常) raised by a move on the stage line: the move stands, the coordinator
    checks it and clears the flag with a reason (audited)."""

    __tablename__ = "project_anomaly"
    __table_args__ = (
        Index("ix_project_anomaly_project_id", "project_id", "cleared_at"),
        Index("ix_project_anomaly_open", "cleared_at", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    kind: Mapped[AnomalyKind] = mapped_column(str_enum(AnomalyKind, "anomaly_kind"))
    detail: Mapped[str] = mapped_column(Text, default="")
    stage_event_id: Mapped[int | None] = mapped_column(ForeignKey("stage_event.id", ondelete="SET NULL"))
    raised_on: Mapped[date] = mapped_column(Date)  # the date of the move that raised it
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cleared_at: Mapped[datetime | None]
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    clear_reason: Mapped[str] = mapped_column(Text, default="")


class FundsSource(enum.StrEnum):
    in_province = "in_province"
    out_of_province = "out_of_province"
    foreign = "foreign"

    @property
    def label(self) -> str:
        return {"in_province": "省内资金", "out_of_province": "省外资金", "foreign": "境外资金（外资）"}[self.value]


class FundsStatus(enum.StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "待确认", "confirmed": "已确认", "rejected": "已退回"}[self.value]


class FundsArrival(Audited, VersionedMixin, TimestampMixin, Base):
    """One arrival of money (到位资金). Never edited: a correction is a new entry reversing one."""

    __tablename__ = "funds_arrival"
    __table_args__ = (
        Index("ix_funds_arrival_project_id", "project_id", "arrived_on"),
        Index("ix_funds_arrival_status_date", "status", "arrived_on"),
        # the funds confirmed this year (home page): summed from the index alone, on SQLite too (no INCLUDE there)
        Index("ix_funds_arrival_status_date_amount", "status", "arrived_on", "source", "amount"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    arrived_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)  # 万元; 万美元 when source is foreign; negative reverses
    source: Mapped[FundsSource] = mapped_column(str_enum(FundsSource, "funds_source"))
    voucher_no: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("funds_arrival.id", ondelete="RESTRICT"))
    status: Mapped[FundsStatus] = mapped_column(str_enum(FundsStatus, "funds_status"), default=FundsStatus.pending)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def is_usd(self) -> bool:
        return self.source is FundsSource.foreign


class ProgressUpdate(Audited, TimestampMixin, Base):
    """A site visit: what was built, investment completed to date, photos."""

    __tablename__ = "progress_update"
    __table_args__ = (
        Index("ix_progress_update_project_id", "project_id", "reported_on"),
        Index("ix_progress_update_entered_by_id", "entered_by_id"),  # a cadre's visits (app.services.people)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    reported_on: Mapped[date] = mapped_column(Date)
    stage: Mapped[Stage | None] = mapped_column(str_enum(Stage, "stage"))
    investment_completed: Mapped[Decimal] = mapped_column(Money)  # cumulative, 万元
    built: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class Attachment(Audited, Base):
    """An evidence file (photo or document), stored outside the served folders."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_project_id", "project_id"),
        Index("ix_attachment_owner", "owner_type", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    owner_type: Mapped[str] = mapped_column(String(20))  # progress_update, funds_arrival, stage_event, project
    owner_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(10))  # photo, document
    original_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    width: Mapped[int | None]
    height: Mapped[int | None]
    taken_at: Mapped[datetime | None]
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime]
