"""Projects: conversion from leads, stages with evidence, funds ledger, progress updates, warnings."""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Bundle, Session, aliased

from app import policy
from app.db import assign_ids
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.investor import Investor, InvestorType
from app.models.lead import Lead, LeadStatus
from app.models.project import (
    STAGE_ORDER,
    Attachment,
    Category,
    FundsArrival,
    FundsSource,
    FundsStatus,
    LostReason,
    ProgressUpdate,
    Project,
    ProjectAnomaly,
    ProjectStatus,
    Sector,
    SizeBand,
    Stage,
    StageEvent,
    size_band_for,
)
from app.models.search import investor_name_fts, project_name_fts
from app.models.unit import Unit
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.common import translate_errors
from app.schemas.projects import (
    FundsCreate,
    FundsReview,
    ProgressCreate,
    ProjectCreate,
    ProjectFields,
    ProjectRead,
    ProjectUpdate,
    StageChange,
)
from app.services import app_settings, approvals, audit, events, geo, prereview, stage_gate, workdays
from app.services import quality as quality_filters
from app.services.common import apply_changes, check_version
from app.services.files import StoredFile

# settings this module reads (numbers, kept on the coordinator's settings page)
app_settings.DEFAULTS.update(
    {
        "stalled_days": "60",
        "land_idle_days": "365",
        "funds_voucher_required": "1",
    }
)
app_settings.LABELS.update(
    {
        "stalled_days": "多少天无进度更新视为停滞",
        "land_idle_days": "供地后多少天未开工视为闲置",
        "funds_voucher_required": "到位资金须上传凭证（1 是，0 否）",
    }
)

DATE_FIELDS = {s: f"{s.value}_on" for s in Stage}
STAGE_DATE_COLUMNS = {s: getattr(Project, f"{s.value}_on") for s in Stage}


# --- who may see and change a project --------------------------------------------------------


def owner_units(project: Project) -> set[int]:
    return {project.responsible_unit_id, project.introducing_unit_id}


def can_read(principal: Principal, project: Project) -> bool:
    return principal.reads_everything or principal.unit_id in owner_units(project)


def can_write(principal: Principal, project: Project) -> bool:
    if not principal.can_write:
        return False
    return principal.is_coordinator or (
        principal.role is Role.unit_staff and principal.unit_id == project.responsible_unit_id
    )


# --- what a principal may see of a project's identity -----------------------------------------
# A confidential project shows its real name, investor, introducers, lead and contact persons only to
# its own units (introducing, responsible), the coordinator and the (human) leaders. Everyone else (the
# supervisor, a read-only token, other units' staff) sees its code name and "（保密）" in their place,
# on every path: pages, the API, exports, searches, notifications. `view` (one project in hand) and
# `identity_visible` (the same rule as SQL, for searches and lists) are the only places deciding it.

HIDDEN = "（保密）"


def sees_every_identity(principal: Principal) -> bool:
    """The coordinator and the (human) leaders; a system's global token reads as a leader but is no person."""
    return principal.is_coordinator or (principal.role is Role.leader and principal.token_id is None)


def sees_identity(principal: Principal, project: Any) -> bool:
    """Whether the principal sees this project's identity. `project` is a Project or any row with its
    is_confidential, responsible_unit_id and introducing_unit_id."""
    if not project.is_confidential:
        return True
    return sees_every_identity(principal) or principal.unit_id in (
        project.responsible_unit_id,
        project.introducing_unit_id,
    )


def identity_visible(principal: Principal, project: Any = Project) -> ColumnElement[bool]:
    """`sees_identity` as a condition on the project table (or an alias of it): true for the projects whose
    identity the principal sees."""
    if sees_every_identity(principal):
        return true()
    return identity_visible_to(principal.unit_id, project)


def identity_visible_to(unit: Any, project: Any = Project) -> ColumnElement[bool]:
    """`identity_visible` for one who does not see every identity, of unit `unit` (a value or a
    parameter: a statement built once for every such principal)."""
    return or_(
        project.is_confidential.is_(False),
        project.responsible_unit_id == unit,
        project.introducing_unit_id == unit,
    )


def lead_visible(principal: Principal, lead_id: Any = Lead.id) -> ColumnElement[bool]:
    """A lead is shown unless it is the lead of a project whose identity the principal does not see."""
    if sees_every_identity(principal):
        return true()
    hidden = aliased(Project)
    return ~exists().where(hidden.lead_id == lead_id, ~identity_visible(principal, hidden))


def investor_visible(principal: Principal, investor_id: Any = Investor.id) -> ColumnElement[bool]:
    """An investor is shown unless it is known only as the investor of confidential projects whose identity
    the principal does not see (an investor of any project shown by its name is shown)."""
    if sees_every_identity(principal):
        return true()
    hidden, shown = aliased(Project), aliased(Project)
    return or_(
        ~exists().where(hidden.investor_id == investor_id, ~identity_visible(principal, hidden)),
        exists().where(shown.investor_id == investor_id, identity_visible(principal, shown)),
    )


def ensure_lead_visible(db: Session, principal: Principal, lead_id: int, not_found: str | None = None) -> None:
    """Refuse (as missing) the lead of a confidential project whose identity the principal does not see."""
    if not db.execute(select(lead_visible(principal, literal(lead_id)))).scalar_one():
        raise policy.DeniedNotFound(not_found)


def ensure_investor_visible(db: Session, principal: Principal, investor_id: int) -> None:
    if not db.execute(select(investor_visible(principal, literal(investor_id)))).scalar_one():
        raise policy.DeniedNotFound("找不到该客商")


def masked_name(project: Any) -> str:
    return f"【保密】{project.code_name}"


@dataclass(frozen=True)
class ProjectView:
    """What one principal may see of one project's identity: its name as shown, and `reveal`/`redact`
    for anything identifying (the investor's name, introducers, the lead, contact persons, free text)."""

    visible: bool
    name: str
    code_name: str
    secrets: tuple[str, ...] = ()

    def reveal(self, value: Any) -> Any:
        """The value itself if the principal sees the project's identity; else "（保密）" (empty stays empty)."""
        if self.visible or value is None or value == "":
            return value
        return HIDDEN

    def redact(self, text: str) -> str:
        """Free text (a ticket's title, a notification) with the project's identifying names replaced."""
        if self.visible or not text:
            return text
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret and len(secret) >= 2:
                text = text.replace(secret, self.name if secret == self.secrets[0] else HIDDEN)
        return text


def view(principal: Principal, project: Any, *identifying: str | None) -> ProjectView:
    """The one decision of what `principal` may see of `project` (a Project or a row with its name,
    code_name, is_confidential and owner units). `identifying`: other names of the project (its
    investor's, introducers') that `redact` removes from free text."""
    visible = sees_identity(principal, project)
    name = project.name if visible else masked_name(project)
    secrets = (project.name, *(s for s in identifying if s))
    return ProjectView(visible, name, project.code_name, secrets)


def display_name(principal: Principal, project: Any) -> str:
    return view(principal, project).name


def get(db: Session, principal: Principal, project_id: int, *, lock: bool = False) -> Project:
    """The project, if the principal may read it. `lock` takes its row lock first (PostgreSQL; SQLite's
    writers are serialised anyway), for writes that recompute its totals from other rows: two at once
    then follow one another instead of the second failing on the project's changed version."""
    project = db.get(Project, project_id, with_for_update=lock or None)
    if project is None:
        raise NotFound("找不到该项目")
    if not can_read(principal, project) and not _carried_by(db, principal, project):
        raise policy.DeniedNotFound()
    return project


def _carried_by(db: Session, principal: Principal, project: Project) -> bool:
    """The project's 代办员 reads it too, whatever their unit (app.services.agency.is_agent)."""
    from app.services import agency  # imported late: agency imports this module

    return agency.is_agent(db, principal, project.id)


def get_for_write(db: Session, principal: Principal, project_id: int, *, lock: bool = False) -> Project:
    project = get(db, principal, project_id, lock=lock)
    if not can_write(principal, project):
        raise policy.DeniedForbidden("只有责任单位和招商局可以修改该项目")
    return project


# --- creating and editing --------------------------------------------------------------------


def _size_amount(project: Project) -> Decimal:
    if project.contract_investment and project.contract_investment > 0:
        return project.contract_investment
    return project.planned_investment or Decimal(0)


def _check_refs(db: Session, data: ProjectFields) -> None:
    errors = {}
    if data.zone_unit_id is not None and db.get(Unit, data.zone_unit_id) is None:
        errors["zone_unit_id"] = "载体不存在"
    if data.linked_leader_id is not None:
        leader = db.get(User, data.linked_leader_id)
        if leader is None or leader.role is not Role.leader:
            errors["linked_leader_id"] = "请选择县级领导"
    if errors:
        raise Invalid(errors)


def project_of_lead(db: Session, lead_id: int) -> int | None:
    """The id of the project a lead was converted into, if any."""
    return db.execute(select(Project.id).where(Project.lead_id == lead_id)).scalar_one_or_none()


def conversion_problem(db: Session, lead: Lead) -> str | None:
    """Why this lead cannot become a project (whoever asks), or None."""
    if lead.duplicate_of_id is not None:
        return "该线索已并入其他线索，请转换先报的线索"
    if lead.status is LeadStatus.invalid:
        return "该线索已认定无效，不能转为项目"
    existing = project_of_lead(db, lead.id)
    if existing is not None:
        return f"该线索已转为项目 #{existing}"
    return None


def can_convert(db: Session, principal: Principal, lead: Lead) -> bool:
    """Whether the lead's page offers 转为项目 to this principal: its own unit's staff or the coordinator,
    for a lead that can still become a project (the rules `create` holds)."""
    return (
        principal.can_write
        and principal.role in (Role.unit_staff, Role.coordinator)
        and policy.can_write_unit_owned(principal, lead.unit_id)
        and conversion_problem(db, lead) is None
    )


def create(
    db: Session, principal: Principal, data: ProjectCreate, stage_dates: dict[Stage, date] | None = None
) -> Project:
    """A new project, or a lead converted into one (keeping the lead, its history and its credit)."""
    if not principal.can_write or principal.role not in (Role.unit_staff, Role.coordinator):
        raise policy.DeniedForbidden("您的角色不能新建项目")
    lead = None
    if data.lead_id is not None:
        lead = db.get(Lead, data.lead_id)
        if lead is None:
            raise Invalid({"lead_id": "线索不存在"})
        policy.ensure_write(principal, lead.unit_id)
        problem = conversion_problem(db, lead)
        if problem:
            raise Invalid({"lead_id": problem})
    investor_id = lead.investor_id if lead else data.investor_id
    if investor_id is None or db.get(Investor, investor_id) is None:
        raise Invalid({"investor_id": "客商不存在"})
    introducing = (
        (lead.unit_id if lead else None)
        or (data.introducing_unit_id if principal.is_coordinator else None)
        or principal.unit_id
    )
    if introducing is None:
        raise Invalid({"introducing_unit_id": "请选择引进单位"})
    responsible = (data.responsible_unit_id if principal.is_coordinator else None) or introducing
    policy.ensure_write(principal, responsible)
    for unit_id in {introducing, responsible}:
        if db.get(Unit, unit_id) is None:
            raise Invalid({"responsible_unit_id": "单位不存在"})
    _check_refs(db, data)
    evidence = creation_evidence(data)
    signing_rules, named = prereview.signing_rules(db), prereview.departments_by_category(db)
    gate_errors = prereview.creation_problems(signing_rules, named, data, stage_gate.passed(None, data.stage))
    try:
        rules = stage_gate.check(db, None, data.stage, evidence)
    except Invalid as exc:
        raise Invalid({**exc.errors, **gate_errors}) from None
    if gate_errors:
        raise Invalid(gate_errors)
    today = workdays.today()
    reached = data.stage_date or today
    values = data.model_dump(exclude=set(CREATE_ONLY_FIELDS))
    project = Project(
        **values,
        investor_id=investor_id,
        lead_id=lead.id if lead else None,
        stage=data.stage,
        stage_since=reached,
        introducing_unit_id=introducing,
        responsible_unit_id=responsible,
        status=ProjectStatus.active,
    )
    if lead is not None and not project.introducer_name:
        project.introducer_name = lead.introducer_name
    explicit = stage_dates or {}
    for stage in STAGE_ORDER[: data.stage.order + 1]:
        when = explicit.get(stage)
        if when is None and (stage is data.stage or stage.order >= Stage.signed.order):
            when = reached  # a skipped stage from signing on counts as reached on the same date
        setattr(project, DATE_FIELDS[stage], when)
    project.size_band = size_band_for(_size_amount(project))
    db.add(project)
    db.flush()
    event = _creation_event(project, principal, evidence, utcnow())
    db.add(event)
    db.flush()
    prereview.record_creation(db, principal, [(project, data)], signing_rules, named)
    found = stage_gate.anomalies(rules, project, stage_gate.passed(None, data.stage), reached, evidence)
    events.stage_reached(db, project, None, stage_gate.passed(None, data.stage), reached)
    approvals.on_stages_passed(db, project, stage_gate.passed(None, data.stage), reached)
    stage_gate.raise_flags(db, principal, project, found, reached, stage_event_id=event.id, already_open=set())
    db.flush()
    return project


# what a new project's form carries beside the project's own fields
CREATE_ONLY_FIELDS = frozenset(
    {
        "investor_id",
        "lead_id",
        "stage",
        "stage_date",
        "introducing_unit_id",
        "responsible_unit_id",
        "contract_no",
        "permit_no",
        "production_no",
        "approved_by",
        "approved_on",
        "approval_document_no",
        "asks_concessions",
    }
)


def creation_evidence(data: ProjectCreate) -> stage_gate.Evidence:
    """What a new project brings for the stages it is created past: numbers only (no file can come)."""
    return stage_gate.Evidence(
        contract_no=data.contract_no, permit_no=data.permit_no, production_no=data.production_no, files_possible=False
    )


def _creation_event(project: Project, principal: Principal, evidence: stage_gate.Evidence, now: Any) -> StageEvent:
    return StageEvent(
        project_id=project.id,
        action="create",
        from_stage=None,
        to_stage=project.stage,
        happened_on=project.stage_since,
        contract_no=evidence.contract_no.strip(),
        permit_no=evidence.permit_no.strip(),
        production_no=evidence.production_no.strip(),
        recorded_by_id=principal.user_id,
        recorded_at=now,
    )


def update(db: Session, principal: Principal, project_id: int, data: ProjectUpdate) -> Project:
    project = get_for_write(db, principal, project_id)
    check_version(db, project, data.version)
    # only the fields sent change (an API client may send a few); the result is checked as a whole
    sent = data.model_dump(exclude_unset=True, exclude={"version", "responsible_unit_id"})
    current = {name: getattr(project, name) for name in ProjectFields.model_fields}
    try:
        merged = ProjectFields.model_validate({**current, **sent})
    except ValidationError as exc:
        raise Invalid(translate_errors(exc.errors())) from None
    _check_refs(db, merged)
    values = merged.model_dump()
    if data.responsible_unit_id is not None and data.responsible_unit_id != project.responsible_unit_id:
        if not principal.is_coordinator:
            raise Invalid({"responsible_unit_id": "只有招商局可以调整责任单位"})
        if db.get(Unit, data.responsible_unit_id) is None:
            raise Invalid({"responsible_unit_id": "单位不存在"})
        values["responsible_unit_id"] = data.responsible_unit_id
    derived = {
        "prereview": "预审结果由各预审部门的意见得出，请在项目页“项目预审”中登记",
        "prereview_reason": "否决理由由预审部门的否决意见得出，请在项目页“项目预审”中登记",
        "approval_level": "签约审批层级由签约审批的登记得出，请在项目页“项目预审”中登记",
    }
    refused = {k: message for k, message in derived.items() if k in sent and sent[k] != getattr(project, k)}
    if refused:
        raise Invalid(refused)
    for name in derived:
        values.pop(name, None)
    category_before = project.category
    apply_changes(project, values)
    project.size_band = size_band_for(_size_amount(project))
    if project.category != category_before and project.signed_on is None:
        db.flush()
        prereview.recompute(db, project)  # another category: other departments pre-review it
    db.flush()
    return project


# --- stages ----------------------------------------------------------------------------------


def evidence_rule(db: Session, stage: Stage) -> int:
    return int(app_settings.get_decimal(db, f"stage_evidence.{stage.value}"))


def change_stage(
    db: Session,
    principal: Principal,
    project_id: int,
    data: StageChange,
    files: Sequence[StoredFile] = (),
    original_names: Sequence[str] = (),
    *,
    attach_files: bool = True,
) -> StageEvent:
    """Move a project on its stage line. `attach_files=False`: the files are evidence only (the
    caller keeps them on its own record, e.g. a progress update's photos)."""
    project = get_for_write(db, principal, project_id)
    check_version(db, project, data.version)
    uploaded = claim_attachments(db, project, data.attachment_ids, "attachment_ids")
    evidence_kinds = [f.kind for f in files] + [a.kind for a in uploaded]
    current = project.stage
    when = data.happened_on
    if data.action == "forward":
        assert data.to_stage is not None
        if project.status is not ProjectStatus.active:
            raise Invalid({"action": "项目已暂停或终止，请先恢复"})
        if data.to_stage.order <= current.order:
            raise Invalid({"to_stage": "前进只能选择当前阶段之后的阶段"})
        if when < project.stage_since:
            raise Invalid({"happened_on": f"日期不能早于进入当前阶段的日期 {project.stage_since}"})
        evidence = stage_gate.Evidence(
            contract_no=data.contract_no,
            permit_no=data.permit_no,
            production_no=data.production_no,
            file_kinds=tuple(evidence_kinds),
            cited_permit=approvals.construction_permit_no(db, project.id) if data.permit_no.strip() else "",
        )
        passed = stage_gate.passed(current, data.to_stage)
        gate_errors = prereview.problems(db, project, passed)  # 正式签约: pre-review and the signing approval
        try:
            rules = stage_gate.check(db, current, data.to_stage, evidence)
        except Invalid as exc:
            raise Invalid({**exc.errors, **gate_errors}) from None
        if gate_errors:
            raise Invalid(gate_errors)
        for stage in passed:  # a skipped stage is recorded as reached on the same date
            setattr(project, DATE_FIELDS[stage], when)
        project.stage = data.to_stage
        project.stage_since = when
    elif data.action == "back":
        assert data.to_stage is not None
        if project.status is ProjectStatus.terminated:
            raise Invalid({"action": "项目已终止，不能再变更阶段"})
        if data.to_stage.order >= current.order:
            raise Invalid({"to_stage": "退回只能选择当前阶段之前的阶段"})
        for stage in STAGE_ORDER[data.to_stage.order + 1 :]:
            setattr(project, DATE_FIELDS[stage], None)
        if getattr(project, DATE_FIELDS[data.to_stage]) is None:  # never recorded (e.g. entered at a later stage)
            setattr(project, DATE_FIELDS[data.to_stage], when)
        project.stage = data.to_stage
        project.stage_since = when
    elif data.action == "pause":
        if project.status is not ProjectStatus.active:
            raise Invalid({"action": "只有推进中的项目可以暂停"})
        project.status = ProjectStatus.paused
    elif data.action == "resume":
        if project.status is not ProjectStatus.paused:
            raise Invalid({"action": "只有暂停的项目可以恢复"})
        project.status = ProjectStatus.active
    elif data.action == "terminate":
        if project.status is ProjectStatus.terminated:
            raise Invalid({"action": "项目已终止"})
        if project.stage.order < Stage.landed.order:
            reason = db.get(LostReason, data.lost_reason_id) if data.lost_reason_id else None
            if reason is None or not reason.is_active:
                raise Invalid({"lost_reason_id": "未落地即终止的项目须选择流失原因"})
            project.lost_reason_id = reason.id
        project.status = ProjectStatus.terminated
    event = StageEvent(
        project_id=project.id,
        action=data.action,
        from_stage=current,
        to_stage=project.stage,
        happened_on=when,
        reason=data.reason,
        permit_no=data.permit_no.strip(),
        contract_no=data.contract_no.strip() if data.action == "forward" else "",
        production_no=data.production_no.strip() if data.action == "forward" else "",
        recorded_by_id=principal.user_id,
        recorded_at=utcnow(),
    )
    with audit.reason(db, data.reason):
        db.add(event)
        db.flush()
    if data.action == "forward":
        found = stage_gate.anomalies(rules, project, passed, when, evidence)
        events.stage_reached(db, project, current, passed, when)
        approvals.on_stages_passed(db, project, passed, when)
        stage_gate.raise_flags(db, principal, project, found, when, stage_event_id=event.id)
    if attach_files:
        attach(db, principal, project, "stage_event", event.id, files, original_names)
        _own(uploaded, "stage_event", event.id)
    db.flush()
    return event


def lost_reasons(db: Session) -> Sequence[LostReason]:
    return db.execute(select(LostReason).where(LostReason.is_active.is_(True)).order_by(LostReason.id)).scalars().all()


def add_lost_reason(db: Session, principal: Principal, name: str) -> LostReason:
    policy.ensure_coordinator(principal)
    name = name.strip()
    if not 2 <= len(name) <= 100:
        raise Invalid({"name": "原因应为 2–100 个字"})
    if db.execute(select(LostReason.id).where(LostReason.name == name)).first():
        raise Invalid({"name": "已有该原因"})
    reason = LostReason(name=name)
    db.add(reason)
    db.flush()
    return reason


# --- files -----------------------------------------------------------------------------------


def attach(
    db: Session,
    principal: Principal,
    project: Project,
    owner_type: str,
    owner_id: int | None,
    files: Sequence[StoredFile],
    original_names: Sequence[str] = (),
) -> list[Attachment]:
    rows = []
    names = list(original_names) + [""] * (len(files) - len(original_names))
    for stored, name in zip(files, names, strict=False):
        row = Attachment(
            project_id=project.id,
            owner_type=owner_type,
            owner_id=owner_id,
            kind=stored.kind,
            original_name=name[:200],
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            width=stored.width,
            height=stored.height,
            taken_at=stored.taken_at,
            latitude=stored.latitude,
            longitude=stored.longitude,
            uploaded_by_id=principal.user_id,
            uploaded_at=utcnow(),
        )
        db.add(row)
        rows.append(row)
    db.flush()
    return rows


def get_attachment(db: Session, principal: Principal, attachment_id: int) -> Attachment:
    row = db.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("找不到该文件")
    get(db, principal, row.project_id)  # same rule as the project
    return row


def list_attachments(db: Session, principal: Principal, project_id: int) -> Sequence[Attachment]:
    get(db, principal, project_id)
    return (
        db.execute(select(Attachment).where(Attachment.project_id == project_id).order_by(Attachment.id.desc()))
        .scalars()
        .all()
    )


def add_attachments(
    db: Session, principal: Principal, project_id: int, files: Sequence[StoredFile], original_names: Sequence[str] = ()
) -> list[Attachment]:
    project = get_for_write(db, principal, project_id)
    if not files:
        raise Invalid({"files": "请选择文件"})
    return attach(db, principal, project, "project", project.id, files, original_names)


def claim_attachments(db: Session, project: Project, ids: Sequence[int], field_name: str) -> list[Attachment]:
    """Files uploaded earlier to the project (POST …/attachments) that a new record takes as its evidence.

    Only files of this project not yet belonging to another record can be taken; API clients upload a
    voucher or photo first and then name it here, since the records themselves are sent as JSON.
    """
    if not ids:
        return []
    rows = (
        db.execute(
            select(Attachment).where(
                Attachment.id.in_(set(ids)), Attachment.project_id == project.id, Attachment.owner_type == "project"
            )
        )
        .scalars()
        .all()
    )
    if len(rows) != len(set(ids)):
        raise Invalid({field_name: "文件不存在、不属于该项目或已用于其他记录"})
    return list(rows)


def _own(rows: Sequence[Attachment], owner_type: str, owner_id: int) -> None:
    for row in rows:
        row.owner_type = owner_type
        row.owner_id = owner_id


# --- funds arrived ---------------------------------------------------------------------------


def _recompute_funds(db: Session, project: Project) -> None:
    rows = db.execute(
        select(
            FundsArrival.source, FundsArrival.status, func.sum(FundsArrival.amount), func.min(FundsArrival.arrived_on)
        )
        .where(FundsArrival.project_id == project.id)
        .group_by(FundsArrival.source, FundsArrival.status)
    ).all()
    cny = usd = pending = Decimal(0)
    first: date | None = None
    for source, status, total, earliest in rows:
        total = Decimal(total or 0)
        if status is FundsStatus.confirmed:
            if source is FundsSource.foreign:
                usd += total
            else:
                cny += total
            first = earliest if first is None or (earliest and earliest < first) else first
        elif status is FundsStatus.pending and source is not FundsSource.foreign:
            pending += total
    project.funds_confirmed = cny
    project.funds_confirmed_usd = usd
    project.funds_pending = pending
    project.first_funds_on = first


def list_funds(
    db: Session, principal: Principal, project_id: int, *, updated_since: datetime | None = None
) -> Sequence[FundsArrival]:
    get(db, principal, project_id)
    stmt = select(FundsArrival).where(FundsArrival.project_id == project_id)
    if updated_since is not None:
        stmt = stmt.where(FundsArrival.updated_at >= updated_since)
    return db.execute(stmt.order_by(FundsArrival.arrived_on.desc(), FundsArrival.id.desc())).scalars().all()


def add_funds(
    db: Session,
    principal: Principal,
    project_id: int,
    data: FundsCreate,
    files: Sequence[StoredFile] = (),
    original_names: Sequence[str] = (),
) -> FundsArrival:
    project = get_for_write(db, principal, project_id, lock=True)
    uploaded = claim_attachments(db, project, data.attachment_ids, "attachment_ids")
    if int(app_settings.get_decimal(db, "funds_voucher_required")) and not files and not uploaded:
        raise Invalid({"files": "请上传到账凭证（银行回单的照片或 PDF）"})
    row = FundsArrival(
        project_id=project.id, **data.model_dump(exclude={"attachment_ids"}), entered_by_id=principal.user_id
    )
    db.add(row)
    db.flush()
    attach(db, principal, project, "funds_arrival", row.id, files, original_names)
    _own(uploaded, "funds_arrival", row.id)
    _recompute_funds(db, project)
    db.flush()
    events.funds(db, "funds.entered", row)
    return row


def get_funds(db: Session, principal: Principal, funds_id: int) -> FundsArrival:
    """A funds entry of a project the principal may read."""
    row = db.get(FundsArrival, funds_id)
    if row is None:
        raise NotFound("找不到该笔到位资金")
    get(db, principal, row.project_id)
    return row


def _funds_for_review(db: Session, principal: Principal, funds_id: int) -> tuple[FundsArrival, Project]:
    row = db.get(FundsArrival, funds_id)
    if row is None:
        raise NotFound("找不到该笔到位资金")
    project = get(db, principal, row.project_id, lock=True)
    return row, project


def review_funds(
    db: Session, principal: Principal, funds_id: int, data: FundsReview, project_id: int | None = None
) -> FundsArrival:
    """The coordinator confirms or rejects an entry; reports count confirmed amounts only. Confirming
    needs the vouchers checked (the page's 已核对凭证, the API's `vouchers_checked: true`)."""
    policy.ensure_coordinator(principal)
    row, project = _funds_for_review(db, principal, funds_id)
    if project_id is not None and row.project_id != project_id:
        raise NotFound("找不到该笔到位资金")
    check_version(db, row, data.version)
    if row.status is not FundsStatus.pending:
        raise Invalid({"decision": "该笔资金已处理"})
    if data.decision == "confirm" and not data.vouchers_checked:
        raise Invalid({"vouchers_checked": "确认前须核对凭证（已核对凭证）"})
    with audit.reason(db, data.note):
        row.status = FundsStatus.confirmed if data.decision == "confirm" else FundsStatus.rejected
        row.review_note = data.note
        row.reviewed_by_id = principal.user_id
        row.reviewed_at = utcnow()
        db.flush()
        _recompute_funds(db, project)
    db.flush()
    events.funds(db, f"funds.{row.status.value}", row)
    return row


def reverse_funds(
    db: Session, principal: Principal, funds_id: int, reason: str, project_id: int | None = None
) -> FundsArrival:
    """A correction: a new entry with the opposite amount, to be confirmed like any other."""
    row, project = _funds_for_review(db, principal, funds_id)
    if project_id is not None and row.project_id != project_id:
        raise NotFound("找不到该笔到位资金")
    if not can_write(principal, project):
        raise policy.DeniedForbidden()
    if row.status is not FundsStatus.confirmed or row.reverses_id is not None:
        raise Invalid("只能更正已确认的、不是冲销的到位资金")
    if db.execute(
        select(FundsArrival.id).where(FundsArrival.reverses_id == row.id, FundsArrival.status != FundsStatus.rejected)
    ).first():
        raise Invalid("该笔资金已有更正记录")
    reversal = FundsArrival(
        project_id=project.id,
        arrived_on=workdays.today(),
        amount=-row.amount,
        source=row.source,
        voucher_no=row.voucher_no,
        note=f"更正第 {row.id} 笔：{reason}",
        reverses_id=row.id,
        entered_by_id=principal.user_id,
    )
    with audit.reason(db, reason):
        db.add(reversal)
        db.flush()
    _recompute_funds(db, project)
    db.flush()
    events.funds(db, "funds.reversed", reversal)
    return reversal


@dataclass
class PendingFundsPage:
    """A page of the coordinator's queue of funds entries to confirm, with the whole filtered queue's
    count and totals (万元 for domestic funds, 万美元 for foreign capital)."""

    rows: list[tuple[FundsArrival, Project, str]]
    count: int
    total_wan: Decimal
    total_usd_wan: Decimal


def pending_funds_page(
    db: Session,
    principal: Principal,
    *,
    unit_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> PendingFundsPage:
    """The coordinator's queue of entries to confirm, oldest arrival first, filtered by the responsible
    unit and the arrival dates: a page of rows, then the count and totals in one statement."""
    if not principal.reads_everything:
        raise policy.DeniedForbidden()
    conditions: list[ColumnElement[bool]] = [FundsArrival.status == FundsStatus.pending]
    if unit_id is not None:
        conditions.append(Project.responsible_unit_id == unit_id)
    if start is not None:
        conditions.append(FundsArrival.arrived_on >= start)
    if end is not None:
        conditions.append(FundsArrival.arrived_on <= end)
    rows = db.execute(
        select(FundsArrival, Project, Unit.name)
        .join(Project, Project.id == FundsArrival.project_id)
        .join(Unit, Unit.id == Project.responsible_unit_id)
        .where(*conditions)
        .order_by(FundsArrival.arrived_on, FundsArrival.id)
        .limit(limit)
        .offset(offset)
    ).all()
    foreign = FundsArrival.source == FundsSource.foreign
    figures = db.execute(
        select(
            func.count(),
            func.coalesce(func.sum(FundsArrival.amount).filter(~foreign), 0),
            func.coalesce(func.sum(FundsArrival.amount).filter(foreign), 0),
        )
        .select_from(FundsArrival)
        .join(Project, Project.id == FundsArrival.project_id)
        .where(*conditions)
    ).one()
    return PendingFundsPage(
        rows=[(r[0], r[1], r[2]) for r in rows],
        count=int(figures[0]),
        total_wan=Decimal(figures[1]),
        total_usd_wan=Decimal(figures[2]),
    )


def pending_funds(db: Session, principal: Principal, limit: int = 100) -> list[tuple[FundsArrival, Project, str]]:
    """The coordinator's queue of entries to confirm (the first `limit`, oldest arrival first)."""
    return pending_funds_page(db, principal, limit=limit).rows


def evidence_of(db: Session, owner_type: str, owner_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """The files of several records at once (e.g. the vouchers of the entries in the review queue)."""
    if not owner_ids:
        return {}
    found: dict[int, list[Attachment]] = {}
    rows = db.execute(
        select(Attachment)
        .where(Attachment.owner_type == owner_type, Attachment.owner_id.in_(set(owner_ids)))
        .order_by(Attachment.id)
    ).scalars()
    for row in rows:
        assert row.owner_id is not None
        found.setdefault(row.owner_id, []).append(row)
    return found


# --- progress updates ------------------------------------------------------------------------


def add_progress(
    db: Session,
    principal: Principal,
    project_id: int,
    data: ProgressCreate,
    files: Sequence[StoredFile] = (),
    original_names: Sequence[str] = (),
) -> ProgressUpdate:
    project = get_for_write(db, principal, project_id, lock=True)
    if project.status is ProjectStatus.terminated:
        raise Invalid({"__all__": "项目已终止，不再登记进度"})
    uploaded = claim_attachments(db, project, data.attachment_ids, "attachment_ids")
    if data.stage is not None and data.stage.order > project.stage.order:
        try:
            _progress_stage(db, principal, project, data, files, uploaded)
        except Invalid as exc:  # the gate's refusals are shown beside the progress form's stage
            gate = [exc.errors[key] for key in ("prereview", "approval_level") if key in exc.errors]
            if not gate:
                raise
            rest = {k: v for k, v in exc.errors.items() if k not in ("prereview", "approval_level")}
            raise Invalid({**rest, "stage": "；".join(gate)}) from None
    update = ProgressUpdate(
        project_id=project.id,
        reported_on=data.reported_on,
        stage=data.stage,
        investment_completed=data.investment_completed,
        built=data.built,
        latitude=data.latitude,
        longitude=data.longitude,
        entered_by_id=principal.user_id,
    )
    db.add(update)
    kept = data.latitude is not None and data.longitude is not None
    if kept and project.latitude is None and geo.in_china(data.latitude, data.longitude):  # type: ignore[arg-type]
        # the first position kept with a progress update places the project on the map
        project.latitude, project.longitude, project.located_on = data.latitude, data.longitude, data.reported_on
    if data.investment_completed < project.investment_completed:
        project.completed_fell = True
    project.investment_completed = data.investment_completed
    if project.last_progress_on is None or data.reported_on >= project.last_progress_on:
        project.last_progress_on = data.reported_on
    db.flush()  # the update and the project's figures at once (the update's id for its files)
    if files or uploaded:
        attach(db, principal, project, "progress_update", update.id, files, original_names)
        _own(uploaded, "progress_update", update.id)
        db.flush()
    return update


def _progress_stage(
    db: Session,
    principal: Principal,
    project: Project,
    data: ProgressCreate,
    files: Sequence[StoredFile],
    uploaded: Sequence[Attachment],
) -> None:
    """A progress update that reports a later stage moves the project through the stage gate."""
    assert data.stage is not None
    change_stage(
        db,
        principal,
        project.id,
        StageChange(
            version=project.version,
            action="forward",
            to_stage=data.stage,
            happened_on=data.reported_on,
            permit_no=data.permit_no,
        ),
        [*files, *(StoredFile(a.kind, a.content_type, a.size, a.sha256, a.storage_key) for a in uploaded)],
        attach_files=False,  # the photos belong to the progress update; the stage event is dated with it
    )


def list_progress(
    db: Session, principal: Principal, project_id: int, *, updated_since: datetime | None = None
) -> Sequence[ProgressUpdate]:
    get(db, principal, project_id)
    stmt = select(ProgressUpdate).where(ProgressUpdate.project_id == project_id)
    if updated_since is not None:
        stmt = stmt.where(ProgressUpdate.updated_at >= updated_since)
    return db.execute(stmt.order_by(ProgressUpdate.reported_on.desc(), ProgressUpdate.id.desc())).scalars().all()


# --- warnings --------------------------------------------------------------------------------

FLAG_LABELS = {
    "not_started": "签约未开工（已过约定开工日期）",
    "stalled": "长期无进度",
    "land_idle": "供地未开工（闲置）",
    "below_intensity": "投资强度不达标",
    "funds_before_signing": "签约前即有到位资金",
    "funds_over_contract": "到位资金超过合同投资额",
    "completed_fell": "累计完成投资出现下降",
    "per_mu_d": "亩均评价 D 类企业",  # the firm's grade in the latest published evaluation (app.services.per_mu)
}
# also written out in models.project.BUILDING_PROJECTS (the predicate of an index)
BUILDING_STAGES = (Stage.signed, Stage.landed, Stage.started, Stage.completed)


@dataclass
class Thresholds:
    today: date
    stalled_days: int = 60
    land_idle_days: int = 365

    @functools.cached_property
    def stalled_before(self) -> date:
        """A building project whose last progress is older than this day is stalled."""
        return self.today - timedelta(days=self.stalled_days)

    @functools.cached_property
    def land_idle_before(self) -> date:
        """Land granted before this day and not built on is idle."""
        return self.today - timedelta(days=self.land_idle_days)


def get_with_thresholds(db: Session, principal: Principal, project_id: int) -> tuple[Any, Thresholds]:
    """A project to show with its warnings, in one statement: its list columns (all that ProjectRead
    and the warnings read) as a plain row, and the thresholds."""
    row = db.connection().execute(_BY_ID_WITH_THRESHOLDS, {"project_id": project_id}).first()
    if row is None:
        raise NotFound("找不到该项目")
    if not can_read(principal, row):  # type: ignore[arg-type]
        raise policy.DeniedNotFound()
    t = Thresholds(
        today=workdays.today(),
        stalled_days=int(Decimal(row.stalled_days)),
        land_idle_days=int(Decimal(row.land_idle_days)),
    )
    return row, t


def thresholds(db: Session, today: date | None = None) -> Thresholds:
    values = app_settings.get_many(db, ["stalled_days", "land_idle_days"])  # one query, not one per setting
    return Thresholds(
        today=today or workdays.today(),
        stalled_days=int(Decimal(values["stalled_days"])),
        land_idle_days=int(Decimal(values["land_idle_days"])),
    )


def flag_condition(flag: str, t: Thresholds) -> ColumnElement[bool]:
    """The SQL form of a warning, so that lists can filter on it (same rule as `flags`)."""
    return _flag_condition(flag, t.today, t.stalled_before, t.land_idle_before)


FLAG_VALUES = ("today", "stalled_before", "land_idle_before")
"""What a warning's condition compares with (Thresholds' attributes), as its parameters are named."""


def _flag_condition(flag: str, today: Any, stalled_before: Any, land_idle_before: Any) -> ColumnElement[bool]:
    """`flag_condition` with the day and the cutoffs given (values, or parameters: FLAG_VALUES)."""
    active = Project.status == ProjectStatus.active
    if flag == "not_started":
        return and_(
            active,
            Project.signed_on.is_not(None),
            Project.started_on.is_(None),
            Project.start_by.is_not(None),
            Project.start_by < today,
        )
    if flag == "stalled":
        return and_(  # the partial index ix_project_building_idle_since: its predicate written as constants
            Project.status == bindparam("active_status", ProjectStatus.active, literal_execute=True),
            Project.stage.in_(bindparam("building_stages", BUILDING_STAGES, expanding=True, literal_execute=True)),
            func.coalesce(Project.last_progress_on, Project.stage_since) < stalled_before,
        )
    if flag == "land_idle":
        return and_(
            Project.land_granted_on.is_not(None),
            Project.started_on.is_(None),
            Project.status != ProjectStatus.terminated,
            or_(
                Project.land_granted_on < land_idle_before,
                and_(Project.start_by.is_not(None), Project.start_by < today),
            ),
        )
    if flag == "below_intensity":
        return and_(
            Project.completed_on.is_not(None),
            Project.intensity_commitment.is_not(None),
            Project.land_area_mu > 0,
            Project.investment_completed < Project.intensity_commitment * Project.land_area_mu,
        )
    if flag == "funds_before_signing":
        return and_(
            Project.first_funds_on.is_not(None),
            or_(Project.signed_on.is_(None), Project.first_funds_on < Project.signed_on),
        )
    if flag == "funds_over_contract":
        return and_(Project.contract_investment > 0, Project.funds_confirmed > Project.contract_investment)
    if flag == "completed_fell":
        return Project.completed_fell.is_(True)
    if flag == "per_mu_d":
        return Project.per_mu_grade == "D"
    return false()


def flags(project: Project, t: Thresholds) -> list[str]:
    """The warnings a project raises today (mirrors flag_condition, in Python, for one loaded row).

    Each column is read once: a list asks this of fifty plain rows, where reading a column costs."""
    result = []
    today = t.today
    status, started_on, start_by = project.status, project.started_on, project.start_by
    active = status is ProjectStatus.active
    start_overdue = start_by is not None and start_by < today
    if active and project.signed_on and not started_on and start_overdue:
        result.append("not_started")
    if (
        active
        and project.stage in BUILDING_STAGES
        and (project.last_progress_on or project.stage_since) < t.stalled_before
    ):
        result.append("stalled")
    land_granted_on = project.land_granted_on
    if (
        land_granted_on
        and not started_on
        and status is not ProjectStatus.terminated
        and (land_granted_on < t.land_idle_before or start_overdue)
    ):
        result.append("land_idle")
    if project.completed_on:
        intensity, land_area = project.intensity_commitment, project.land_area_mu
        if intensity is not None and land_area and project.investment_completed < intensity * land_area:
            result.append("below_intensity")
    first_funds_on = project.first_funds_on
    if first_funds_on:
        signed_on = project.signed_on
        if not signed_on or first_funds_on < signed_on:
            result.append("funds_before_signing")
    contract = project.contract_investment
    if contract > 0 and project.funds_confirmed > contract:
        result.append("funds_over_contract")
    if project.completed_fell:
        result.append("completed_fell")
    if project.per_mu_grade == "D":
        result.append("per_mu_d")
    return result


def days_in_stage(project: Project, today: date) -> int:
    return (today - project.stage_since).days


# --- lists -----------------------------------------------------------------------------------

SORTS: dict[str, Any] = {
    "updated": Project.updated_at.desc(),
    "name": Project.name.asc(),
    "stage": Project.stage.desc(),
    "contract": Project.contract_investment.desc(),
    "signed": Project.signed_on.desc(),
    "stage_age": Project.stage_since.asc(),
    "funds": Project.funds_confirmed.desc(),
}
DATE_FILTER_FIELDS = {
    "signed_on": Project.signed_on,
    "started_on": Project.started_on,
    "production_on": Project.production_on,
    "stage_since": Project.stage_since,
}


@dataclass
class ProjectFilter:
    unit_id: int | None = None
    stage: Stage | None = None
    status: ProjectStatus | None = None
    category: Category | None = None
    sector: Sector | None = None
    industry: str = ""
    industry_chain: str = ""
    size_band: SizeBand | None = None
    investor_type: InvestorType | None = None
    flag: str = ""
    anomaly: bool = False  # only projects with an open anomaly flag (异常)
    date_field: str = "signed_on"
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "updated"
    updated_since: datetime | None = None  # changed at or after this moment (API sync)
    extra: dict[str, Any] = field(default_factory=dict)


_VALUE_FILTERS = ("stage", "status", "category", "sector", "industry", "industry_chain", "size_band", "investor_type")
_CONTAINS_FILTERS = frozenset({"industry", "industry_chain"})  # the others: equal
Shape = tuple[Any, ...]
"""What a filter's statement looks like (`_filter_values`); the values fill it in."""


def _filter_values(
    principal: Principal, f: ProjectFilter, t: Thresholds | None, sqlite: bool
) -> tuple[Shape, dict[str, Any]]:
    """A filter's shape and its values: the values its conditions compare with, by the names of
    their parameters (a condition not set has none), and the shape, all that decides the statement
    besides (which values are set, the warning, the anomaly filter, the date column, the kind of
    name search). `_shaped_conditions` makes the conditions of a shape; `t` is read only for a warning.
    `sqlite`: the database is SQLite, whose name search reads its FTS tables."""
    values: dict[str, Any] = {}
    scope = policy.unit_filter(principal)
    if scope is not None:
        values["scope"] = scope
    if f.unit_id:
        values["unit_id"] = f.unit_id
    for name in _VALUE_FILTERS:
        value = getattr(f, name)
        if value:
            values[name] = _like_escaped(value) if name in _CONTAINS_FILTERS else value
    if f.flag:
        if f.flag not in FLAG_LABELS:
            raise Invalid({"flag": "未知的预警类型"})
        assert t is not None
        values.update(zip(FLAG_VALUES, (t.today, t.stalled_before, t.land_idle_before), strict=True))
    if f.date_field not in DATE_FILTER_FIELDS:
        raise Invalid({"date_field": "未知的日期字段"})
    if f.date_from:
        values["date_from"] = f.date_from
    if f.date_to:
        values["date_to"] = f.date_to
    search = None
    if f.q:
        fts, every, values["q"] = _search(principal, f.q, sqlite)
        if not every:
            values["viewer_unit"] = principal.unit_id
        search = (fts, every)
    if f.updated_since is not None:
        values["updated_since"] = f.updated_since
    values.update(quality_filters.filter_values(f.extra))  # the project's quality (app.services.quality)
    dated = f.date_field if f.date_from or f.date_to else ""
    return (tuple(values), f.flag, f.anomaly, dated, search), values


def _like_escaped(text: str) -> str:
    """`text` for `contains(…, escape="/")`: what SQLAlchemy's `autoescape=True` sends."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _shaped_conditions(shape: Shape, bind: Callable[[str], Any]) -> tuple[list[Any], bool]:
    """The WHERE conditions of a filter's shape, and whether they need the investor joined. `bind(name)`
    gives what a condition compares with: the value itself, or a parameter of that name (a statement
    built once per shape, its values given when it runs)."""
    names, flag, anomaly, dated, search = shape
    where: list[Any] = []
    if "scope" in names:
        where.append(or_(Project.responsible_unit_id == bind("scope"), Project.introducing_unit_id == bind("scope")))
    if "unit_id" in names:
        unit = bind("unit_id")
        where.append(or_(Project.responsible_unit_id == unit, Project.introducing_unit_id == unit))
    needs_investor = "investor_type" in names
    for name in _VALUE_FILTERS:
        if name not in names:
            continue
        if name in _CONTAINS_FILTERS:
            where.append(getattr(Project, name).contains(bind(name), escape="/"))
        else:
            column = Investor.investor_type if name == "investor_type" else getattr(Project, name)
            where.append(column == bind(name))
    if flag:
        where.append(_flag_condition(flag, *(bind(name) for name in FLAG_VALUES)))
    if anomaly:
        where.append(Project.id.in_(select(ProjectAnomaly.project_id).where(ProjectAnomaly.cleared_at.is_(None))))
    if dated:
        column = DATE_FILTER_FIELDS[dated]
        if "date_from" in names:
            where.append(column >= bind("date_from"))
        if "date_to" in names:
            where.append(column <= bind("date_to"))
    if search is not None:
        fts, every = search
        where.append(Project.id.in_(_shaped_name_matches(bind("q"), fts, None if every else (bind("viewer_unit"),))))
    if "updated_since" in names:
        where.append(Project.updated_at >= bind("updated_since"))
    where.extend(quality_filters.conditions(names, bind))
    return where, needs_investor


def _conditions(principal: Principal, f: ProjectFilter, t: Thresholds, sqlite: bool) -> tuple[list[Any], bool]:
    """The WHERE conditions of a filter, its values in them, and whether they need the investor joined."""
    shape, values = _filter_values(principal, f, t, sqlite)
    return _shaped_conditions(shape, values.__getitem__)


def list_conditions(db: Session, principal: Principal, f: ProjectFilter) -> list[Any]:
    """The project list's WHERE conditions of a filter without a warning or a name search (what the
    principal may read, and the filter): for other areas that select projects the list would show (the map)."""
    assert not f.flag and not f.q and not f.investor_type
    return _conditions(principal, f, Thresholds(workdays.today()), _is_sqlite(db))[0]


def _search(principal: Principal, q: str, sqlite: bool) -> tuple[bool, bool, str]:
    """How a name search runs: on SQLite's FTS tables or not, for one who sees every identity or not,
    and what its LIKE compares with."""
    fts = sqlite and _trigram_searchable(q)
    return fts, sees_every_identity(principal), f"%{q}%" if fts else _like_escaped(q)


def _name_matches(principal: Principal, q: str, sqlite: bool) -> Any:
    """`_shaped_name_matches` for a principal and the text searched."""
    fts, every, pattern = _search(principal, q, sqlite)
    return _shaped_name_matches(pattern, fts, None if every else (principal.unit_id,))


def _shaped_name_matches(q: Any, fts: bool, viewer: tuple[Any] | None) -> Any:
    """Ids of the projects whose name, investor's name or code name holds the text, as a UNION of one
    query per column, so that each can use its own index (pg_trgm GIN on PostgreSQL, FTS5 trigram
    tables on SQLite); an OR across the joined tables can use none. `q`: `%text%` for the FTS tables
    (`fts`), else the text escaped for `contains` (`_like_escaped`). Names of confidential projects
    match only for those who see them: `viewer` holds the unit of one who does not see every
    identity (a value, None for none, or a parameter), and is None for one who does."""
    if fts:
        name_holds: Any = Project.id.in_(select(project_name_fts.c.rowid).where(project_name_fts.c.name.like(q)))
        investor_holds: Any = Investor.id.in_(select(investor_name_fts.c.rowid).where(investor_name_fts.c.name.like(q)))
        code_holds: Any = Project.id.in_(select(project_name_fts.c.rowid).where(project_name_fts.c.code_name.like(q)))
    else:
        name_holds = Project.name.contains(q, escape="/")
        investor_holds = Investor.name.contains(q, escape="/")
        code_holds = Project.code_name.contains(q, escape="/")
    by_name = select(Project.id).where(name_holds)
    by_investor = select(Project.id).join(Investor, Investor.id == Project.investor_id).where(investor_holds)
    if viewer is None:
        return union(by_name, by_investor)
    visible_name = identity_visible_to(viewer[0])
    by_code = select(Project.id).where(code_holds)
    return union(by_name.where(visible_name), by_investor.where(visible_name), by_code)


def _is_sqlite(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


def _trigram_searchable(q: str) -> bool:
    """Whether SQLite's FTS5 trigram tables can answer LIKE '%q%': it needs three characters or more
    (SQLite 3.40 wrongly finds nothing for two CJK characters, which are six bytes), and a `q` without
    % or _, which would need LIKE … ESCAPE, a form SQLite does not hand to a virtual table's index.
    Other searches read the tables, as before."""
    return len(q) >= 3 and "%" not in q and "_" not in q


# What a list row reads (the API's ProjectRead, the warnings, the list and board pages and the
# ledger export): half of the table's columns, loaded as a plain row rather than an entity,
# which costs a third of the time per row.
LIST_COLUMNS = (
    "id", "name", "code_name", "is_confidential", "kind", "lead_id", "investor_id", "stage", "status",
    "stage_since", "signed_on", "started_on", "completed_on", "production_on", "planned_investment",
    "contract_investment", "size_band", "sector", "category", "industry", "industry_chain", "zone_unit_id",
    "introducing_unit_id", "responsible_unit_id", "start_by", "production_by", "investment_completed",
    "completed_fell", "intensity_commitment", "land_area_mu", "land_granted_on", "funds_confirmed",
    "funds_confirmed_usd", "funds_pending", "first_funds_on", "last_progress_on", "version",
    "per_mu_grade",
)  # fmt: skip
# the project's open anomaly flags (stage_gate), counted beside each row: no statement of its own
_OPEN_ANOMALIES = (
    select(func.count())
    .select_from(ProjectAnomaly)
    .where(ProjectAnomaly.project_id == Project.id, ProjectAnomaly.cleared_at.is_(None))
    .correlate(Project)
    .scalar_subquery()
    .label("open_anomalies")
)
_LIST_BUNDLE: Bundle[Any] = Bundle("project", *(getattr(Project, name) for name in LIST_COLUMNS), _OPEN_ANOMALIES)
LIST_ROW = _LIST_BUNDLE
"""A list row's project columns, as one Bundle (`_row`'s "project"), for lists built elsewhere (the board)."""
ROW_KEYS = (*LIST_COLUMNS, "open_anomalies")
"""The names of a list row's columns (`_row`'s "project"), and of the first of the project by id's
(`get_with_thresholds`), in order: such a row as a dict is `dict(zip(ROW_KEYS, row))`."""
_THRESHOLD_COLUMNS = (  # Thresholds' stalled_days and land_idle_days, in this order, as columns of another query
    app_settings.value_of("stalled_days").label("stalled_days"),
    app_settings.value_of("land_idle_days").label("land_idle_days"),
)
_BY_ID_WITH_THRESHOLDS = select(  # built once: building a statement costs as much as running this one
    *(Project.__table__.c[name] for name in LIST_COLUMNS), _OPEN_ANOMALIES, *_THRESHOLD_COLUMNS
).where(Project.__table__.c.id == bindparam("project_id"))


def _filtered(
    principal: Principal, f: ProjectFilter, t: Thresholds, sqlite: bool, *, names: bool = True
) -> Select[Any]:
    """The rows of a filter; with the investor's and the responsible unit's names (what the pages
    show) unless `names` is false (the API's answer reads neither: no joins for them)."""
    where, needs_investor = _conditions(principal, f, t, sqlite)
    if not names:
        stmt = select(_LIST_BUNDLE)
        if needs_investor:
            stmt = stmt.join(Investor, Investor.id == Project.investor_id)
        return stmt.where(*where)
    return (
        select(_LIST_BUNDLE, Investor.name, Investor.investor_type, Unit.name)
        .join(Investor, Investor.id == Project.investor_id)
        .join(Unit, Unit.id == Project.responsible_unit_id)
        .where(*where)
    )


def count_projects(principal: Principal, f: ProjectFilter, t: Thresholds, sqlite: bool) -> Select[Any]:
    """The count of a filter over the project table alone (joins only when a condition needs them:
    every project has its investor and unit, so they do not change the count)."""
    where, needs_investor = _conditions(principal, f, t, sqlite)
    stmt = select(func.count()).select_from(Project)
    if needs_investor:
        stmt = stmt.join(Investor, Investor.id == Project.investor_id)
    return stmt.where(*where)


def list_projects(
    db: Session,
    principal: Principal,
    f: ProjectFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
    t: Thresholds | None = None,
    with_total: bool = True,
    names: bool = True,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the projects a filter finds, each as `_row` describes it, and their total.
    `names`: with the investor's and the unit's names (pages); the API's answer needs neither."""
    if f.sort not in SORTS:
        raise Invalid({"sort": "未知的排序方式"})
    order = (SORTS[f.sort], Project.id.desc())
    sqlite = _is_sqlite(db)
    if t is None and not f.flag:
        # the thresholds only judge the rows' warnings here: read with the rows, not by a statement of their own
        today = today or workdays.today()
        stmt = _filtered(principal, f, Thresholds(today=today), sqlite, names=names)
        stmt = stmt.add_columns(*_THRESHOLD_COLUMNS)
        with_thresholds = db.execute(stmt.order_by(*order).limit(limit).offset(offset)).all()
        t = Thresholds(today=today)
        if with_thresholds:
            t = Thresholds(today, *(int(Decimal(v)) for v in with_thresholds[0][-2:]))
        rows: Sequence[Any] = [r[:-2] for r in with_thresholds]
    else:
        t = t or thresholds(db, today)
        stmt = _filtered(principal, f, t, sqlite, names=names)
        rows = db.execute(stmt.order_by(*order).limit(limit).offset(offset)).all()
    if not with_total:
        total = -1
    elif offset == 0 and len(rows) < limit:
        total = len(rows)  # the whole result is on this page: no count needed
    else:
        total = db.execute(count_projects(principal, f, t, sqlite)).scalar_one()
    return [_row(principal, r, t) for r in rows], total


# --- the API's list: a statement per filter shape, built once -----------------------------------

READ_HEAD = tuple(ProjectRead.model_fields)[: tuple(ProjectRead.model_fields).index("flags")]
"""ProjectRead's fields up to its warnings, in order: the first columns of an API list row."""
_T = Project.__table__.c
_READ_EXTRA = tuple(name for name in LIST_COLUMNS if name not in READ_HEAD and name != "version")
# an API list row: ProjectRead's head, its open anomalies and version, then what the warnings and
# the confidentiality rule read besides (`flags`, `view`)
_API_COLUMNS = (*(_T[name] for name in READ_HEAD), _OPEN_ANOMALIES, _T.version, *(_T[name] for name in _READ_EXTRA))
API_OPEN_ANOMALIES = len(READ_HEAD)
"""Where an API list row holds its open anomalies' count; its version is next."""


@functools.lru_cache(maxsize=512)
def _api_statements(shape: Shape, sort: str) -> tuple[Select[Any], Select[Any]]:
    """The page and the count of a filter shape for the API, with parameters for its values, `limit`
    and `offset`: built once per shape (a statement costs more to build than to run). Without a
    warning to filter on, the page also reads the thresholds (its last two columns)."""
    where, needs_investor = _shaped_conditions(shape, bindparam)
    page = select(*_API_COLUMNS, *(() if shape[1] else _THRESHOLD_COLUMNS)).select_from(Project.__table__)
    count = select(func.count()).select_from(Project.__table__)
    if needs_investor:
        page = page.join(Investor.__table__, Investor.id == _T.investor_id)
        count = count.join(Investor.__table__, Investor.id == _T.investor_id)
    page = page.where(*where).order_by(SORTS[sort], _T.id.desc()).limit(bindparam("limit")).offset(bindparam("offset"))
    return page, count.where(*where)


@functools.lru_cache(maxsize=8)
def _api_row(keys: tuple[str, ...]) -> Any:
    """A named tuple of an API list row's columns: what `flags` and `view` read of fifty rows by
    name costs a fifth of a Row's attribute look-ups."""
    return namedtuple("ApiRow", keys)  # (its names known only at run time)


def api_page(
    db: Session, principal: Principal, f: ProjectFilter, *, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Any], int, Thresholds]:
    """A page of the projects a filter finds, as `list_projects` finds them (same conditions, order
    and total), for the API: plain rows (`_API_COLUMNS`: ProjectRead's fields first), the total and
    the thresholds that judge the rows' warnings. The statements are built once per filter shape."""
    if f.sort not in SORTS:
        raise Invalid({"sort": "未知的排序方式"})
    today = workdays.today()
    t = thresholds(db, today) if f.flag else None  # a warning's condition needs them first
    shape, values = _filter_values(principal, f, t, _is_sqlite(db))
    page, count = _api_statements(shape, f.sort)
    connection = db.connection()
    result = connection.execute(page, {**values, "limit": limit, "offset": offset})
    make = _api_row(tuple(result.keys()))._make
    rows = [make(row) for row in result.all()]  # (one fetch, not one per row)
    if t is None:  # read with the rows
        t = Thresholds(today, *(int(Decimal(v)) for v in rows[0][-2:])) if rows else Thresholds(today)
    whole = offset == 0 and len(rows) < limit  # the whole result is on this page: no count needed
    total = len(rows) if whole else connection.execute(count, values).scalar_one()
    return rows, total, t


def flagged(db: Session, principal: Principal, unit_id: int, t: Thresholds, limit: int = 10) -> list[dict[str, Any]]:
    """A unit's projects raising any warning, longest in their stage first: the warnings are asked
    of the database, not found by loading the unit's projects and testing each."""
    f = ProjectFilter(unit_id=unit_id, sort="stage_age")
    stmt = _filtered(principal, f, t, _is_sqlite(db)).where(or_(*(flag_condition(flag, t) for flag in FLAG_LABELS)))
    rows = db.execute(stmt.order_by(SORTS[f.sort], Project.id.desc()).limit(limit)).all()
    return [_row(principal, r, t) for r in rows]


def _row(principal: Principal, r: Any, t: Thresholds) -> dict[str, Any]:
    project, investor_name, investor_type, unit_name = r if len(r) == 4 else (r[0], None, None, None)
    shown = view(principal, project)
    return {
        "project": project,
        "name": shown.name,
        "investor_name": shown.reveal(investor_name),
        "investor_type": investor_type,
        "unit_name": unit_name,
        "flags": flags(project, t),
        "days_in_stage": days_in_stage(project, t.today),
    }


def iter_for_export(db: Session, principal: Principal, f: ProjectFilter, cap: int = 100_000) -> list[dict[str, Any]]:
    t = thresholds(db)
    stmt = (
        _filtered(principal, f, t, _is_sqlite(db))
        .order_by(SORTS.get(f.sort, SORTS["updated"]), Project.id.desc())
        .limit(cap)
    )
    return [_row(principal, r, t) for r in db.execute(stmt).all()]


# fields the services keep current from other records; their changes are not "edits" on the timeline
DERIVED_FIELDS = frozenset(
    {
        "version",
        "size_band",
        "investment_completed",
        "completed_fell",
        "funds_confirmed",
        "funds_confirmed_usd",
        "funds_pending",
        "first_funds_on",
        "last_progress_on",
        "stage",
        "stage_since",
        "status",
        *(f"{s.value}_on" for s in Stage),
    }
)


# what would tell a confidential project's investor to someone shown only its code name
IDENTIFYING_FIELDS = frozenset({"name", "content", "investor_id", "lead_id", "introducer_name", "site"})


# --- the project page ------------------------------------------------------------------------


def timeline(db: Session, principal: Principal, project: Project) -> list[dict[str, Any]]:
    """Stages, funds, progress, photos and changes of one project, newest first."""
    entries: list[dict[str, Any]] = []
    attachments = db.execute(select(Attachment).where(Attachment.project_id == project.id)).scalars().all()
    by_owner: dict[tuple[str, int | None], list[Attachment]] = {}
    for a in attachments:
        by_owner.setdefault((a.owner_type, a.owner_id), []).append(a)
    for e in db.execute(select(StageEvent).where(StageEvent.project_id == project.id)).scalars():
        entries.append(
            {
                "type": "stage",
                "on": e.happened_on,
                "at": e.recorded_at,
                "item": e,
                "files": by_owner.get(("stage_event", e.id), []),
            }
        )
    for fr in db.execute(select(FundsArrival).where(FundsArrival.project_id == project.id)).scalars():
        entries.append(
            {
                "type": "funds",
                "on": fr.arrived_on,
                "at": fr.created_at,
                "item": fr,
                "files": by_owner.get(("funds_arrival", fr.id), []),
            }
        )
    for p in db.execute(select(ProgressUpdate).where(ProgressUpdate.project_id == project.id)).scalars():
        entries.append(
            {
                "type": "progress",
                "on": p.reported_on,
                "at": p.created_at,
                "item": p,
                "files": by_owner.get(("progress_update", p.id), []),
            }
        )
    for a in by_owner.get(("project", project.id), []):
        entries.append({"type": "file", "on": a.uploaded_at.date(), "at": a.uploaded_at, "item": a, "files": [a]})
    from app.services import history  # it names references through this module's view()

    hidden = DERIVED_FIELDS if sees_identity(principal, project) else DERIVED_FIELDS | IDENTIFYING_FIELDS
    changes = [e for e in audit.history(db, "project", project.id, limit=100) if e.action == "update"]
    for change in history.described(db, principal, changes, hidden=hidden, keep_empty=False):
        entries.append(
            {
                "type": "change",
                "on": change.at.date(),
                "at": change.at,
                "item": change,
                "changes": change.changes,
                "files": [],
            }
        )
    entries.sort(key=lambda e: (e["on"], e["at"]), reverse=True)
    return entries


# --- boards ----------------------------------------------------------------------------------


def flag_counts(db: Session, unit_id: int | None, t: Thresholds) -> dict[str, int]:
    counts = {}
    for flag in FLAG_LABELS:
        stmt = select(func.count()).select_from(Project).where(flag_condition(flag, t))
        if unit_id is not None:
            stmt = stmt.where(Project.responsible_unit_id == unit_id)
        counts[flag] = int(db.execute(stmt).scalar_one())
    return counts


# --- many at once (the ledger import) --------------------------------------------------------
# `create_many` applies the rules of `create` to a whole set of new projects (never from leads)
# with a query per set instead of per project, and flushes a batch at a time: the audit listener
# then appends one batch of entries per flush. `_new_project` builds one project as `create` does.


def _new_project(
    data: ProjectCreate,
    stage_dates: dict[Stage, date] | None,
    *,
    investor_id: int,
    introducing: int,
    responsible: int,
) -> Project:
    reached = data.stage_date or workdays.today()
    values = data.model_dump(exclude=set(CREATE_ONLY_FIELDS))
    project = Project(
        **values,
        investor_id=investor_id,
        lead_id=None,
        stage=data.stage,
        stage_since=reached,
        introducing_unit_id=introducing,
        responsible_unit_id=responsible,
        status=ProjectStatus.active,
    )
    explicit = stage_dates or {}
    for stage in STAGE_ORDER[: data.stage.order + 1]:
        when = explicit.get(stage)
        if when is None and (stage is data.stage or stage.order >= Stage.signed.order):
            when = reached  # a skipped stage from signing on counts as reached on the same date
        setattr(project, DATE_FIELDS[stage], when)
    project.size_band = size_band_for(_size_amount(project))
    return project


def _existing_ids(db: Session, column: Any, ids: set[int], chunk: int = 900) -> set[int]:
    found: set[int] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk):
        found.update(db.execute(select(column).where(column.in_(ordered[start : start + chunk]))).scalars())
    return found


INSERT_PAGE_ROWS = 20
"""Rows per multi-row INSERT while `create_many` writes. The ORM sends each flushed batch as
multi-row INSERTs with RETURNING, and psycopg converts a statement's placeholders in more than
linear time: on PostgreSQL, pages of 20 rows take about a third less CPU than the default 1000."""


def create_many(
    db: Session,
    principal: Principal,
    items: Sequence[tuple[ProjectCreate, dict[Stage, date] | None]],
    *,
    batch_size: int = 1000,
) -> list[Project]:
    """New projects under the rules of `create`, checked first and then written in batches.

    A problem raises Invalid keyed "<index>.<field>" (index into `items`) before anything is
    written; a unit the principal may not write to is refused as in `create`.
    """
    if not principal.can_write or principal.role not in (Role.unit_staff, Role.coordinator):
        raise policy.DeniedForbidden("您的角色不能新建项目")
    errors: dict[str, str] = {}
    rules = stage_gate.rules(db)
    signing_rules, named = prereview.signing_rules(db), prereview.departments_by_category(db)
    planned: list[tuple[int, ProjectCreate, dict[Stage, date] | None, int, int]] = []
    unit_ids: set[int] = set()
    for index, (data, stage_dates) in enumerate(items):
        if data.lead_id is not None:
            errors[f"{index}.lead_id"] = "批量新建不能由线索转入，请逐条转换"
            continue
        introducing = (data.introducing_unit_id if principal.is_coordinator else None) or principal.unit_id
        if introducing is None:
            errors[f"{index}.introducing_unit_id"] = "请选择引进单位"
            continue
        responsible = (data.responsible_unit_id if principal.is_coordinator else None) or introducing
        policy.ensure_write(principal, responsible)
        gate = prereview.creation_problems(signing_rules, named, data, stage_gate.passed(None, data.stage))
        errors.update({f"{index}.{key}": message for key, message in gate.items()})
        missing = stage_gate.missing_evidence(rules, stage_gate.passed(None, data.stage), creation_evidence(data))
        errors.update({f"{index}.{key}": message for key, message in missing.items()})
        try:
            _check_refs(db, data)
        except Invalid as exc:
            errors.update({f"{index}.{key}": message for key, message in exc.errors.items()})
        unit_ids.update((introducing, responsible))
        planned.append((index, data, stage_dates, introducing, responsible))
    investors_found = _existing_ids(db, Investor.id, {d.investor_id for _, d, _, _, _ in planned if d.investor_id})
    units_found = _existing_ids(db, Unit.id, unit_ids)
    for index, data, _, introducing, responsible in planned:
        if data.investor_id is None or data.investor_id not in investors_found:
            errors[f"{index}.investor_id"] = "客商不存在"
        if introducing not in units_found or responsible not in units_found:
            errors[f"{index}.responsible_unit_id"] = "单位不存在"
    if errors:
        raise Invalid(errors)
    created: list[Project] = []
    connection = db.connection()
    page_size = connection.get_execution_options().get("insertmanyvalues_page_size")
    connection.execution_options(insertmanyvalues_page_size=INSERT_PAGE_ROWS)
    try:
        for start in range(0, len(planned), batch_size):
            batch = [
                _new_project(data, stage_dates, investor_id=data.investor_id or 0, introducing=i, responsible=r)
                for _, data, stage_dates, i, r in planned[start : start + batch_size]
            ]
            assign_ids(db, batch)  # (PostgreSQL: INSERTs by executemany, see there)
            db.add_all(batch)
            db.flush()
            now = utcnow()
            evidence = [creation_evidence(data) for _, data, _, _, _ in planned[start : start + batch_size]]
            stage_events = [_creation_event(p, principal, e, now) for p, e in zip(batch, evidence, strict=True)]
            assign_ids(db, stage_events)
            db.add_all(stage_events)
            db.flush()
            carried = [data for _, data, _, _, _ in planned[start : start + batch_size]]
            prereview.record_creation(db, principal, list(zip(batch, carried, strict=True)), signing_rules, named)
            with events.warnings_together(db):  # the batch's warnings: one flush, not one per project
                for project, event, proof in zip(batch, stage_events, evidence, strict=True):
                    found = stage_gate.anomalies(
                        rules, project, stage_gate.passed(None, project.stage), project.stage_since, proof
                    )
                    stage_gate.raise_flags(
                        db, principal, project, found, project.stage_since, stage_event_id=event.id, already_open=set()
                    )
            db.flush()
            approvals.generate_many(db, [p for p in batch if p.stage in approvals.IMPORT_STAGES])
            created.extend(batch)
    finally:
        page_size = page_size or connection.dialect.insertmanyvalues_page_size
        connection.execution_options(insertmanyvalues_page_size=page_size)
    return created
