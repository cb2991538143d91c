"""Deposits and earnest money (押金、土地款定金、履约保证金): a project's ledger of money received, refunded
or forfeited, each entry with its evidence and the coordinator's confirmation.

Reported apart from funds arrived: they are not investment. No funds total, rate, ranking or target reads
`deposit_entry` (tests/projects/test_deposits.py proves the funds figures unchanged by deposits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.deposit import DepositAction, DepositEntry, DepositKind, DepositStatus
from app.models.project import Attachment, Project
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.land import DepositCreate, DepositReview
from app.services import audit, projects
from app.services.common import check_version
from app.services.files import StoredFile

OWNER_TYPE = "deposit"  # attachments' owner_type of a deposit's evidence


@dataclass
class Totals:
    kind: DepositKind
    received: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    forfeited: Decimal = Decimal(0)
    pending: Decimal = Decimal(0)

    @property
    def held(self) -> Decimal:
        return self.received - self.refunded - self.forfeited


def totals_of(rows: Sequence[DepositEntry]) -> list[Totals]:
    """Per kind: confirmed received, refunded, forfeited (held = received − refunded − forfeited), and the
    pending entries' amounts."""
    found = {kind: Totals(kind) for kind in DepositKind}
    for row in rows:
        t = found[row.kind]
        if row.status is DepositStatus.pending:
            t.pending += row.amount
        elif row.status is DepositStatus.confirmed:
            name = row.action.value
            setattr(t, name, getattr(t, name) + row.amount)
    return list(found.values())


def _entries(db: Session, project_id: int) -> list[DepositEntry]:
    return list(
        db.execute(
            select(DepositEntry)
            .where(DepositEntry.project_id == project_id)
            .order_by(DepositEntry.happened_on.desc(), DepositEntry.id.desc())
        ).scalars()
    )


@dataclass
class Ledger:
    project: Project
    rows: list[DepositEntry]
    totals: list[Totals]
    evidence: dict[int, list[Attachment]]
    can_write: bool


def ledger(db: Session, principal: Principal, project_id: int) -> Ledger:
    project = projects.get(db, principal, project_id)
    rows = _entries(db, project_id)
    evidence = projects.evidence_of(db, OWNER_TYPE, [r.id for r in rows])
    return Ledger(project, rows, totals_of(rows), evidence, projects.can_write(principal, project))


def _still_held(db: Session, project_id: int, kind: DepositKind, *, excluding: int | None = None) -> Decimal:
    """What is held of a kind for refunds and forfeits to come: confirmed received, less every refund and
    forfeit not rejected (pending ones included, so that two at once cannot both take the same money)."""
    rows = db.execute(
        select(DepositEntry.action, DepositEntry.status, func.sum(DepositEntry.amount))
        .where(DepositEntry.project_id == project_id, DepositEntry.kind == kind)
        .where(DepositEntry.id != (excluding or 0))
        .group_by(DepositEntry.action, DepositEntry.status)
    ).all()
    held = Decimal(0)
    for action, status, amount in rows:
        if action is DepositAction.received and status is DepositStatus.confirmed:
            held += Decimal(amount)
        elif action is not DepositAction.received and status is not DepositStatus.rejected:
            held -= Decimal(amount)
    return held


def add(
    db: Session,
    principal: Principal,
    project_id: int,
    data: DepositCreate,
    files: Sequence[StoredFile] = (),
    original_names: Sequence[str] = (),
) -> DepositEntry:
    project = projects.get_for_write(db, principal, project_id, lock=True)
    uploaded = projects.claim_attachments(db, project, data.attachment_ids, "attachment_ids")
    if not files and not uploaded:
        raise Invalid({"files": "请上传凭证（收据、银行回单的照片或 PDF）"})
    if data.action is not DepositAction.received:
        held = _still_held(db, project.id, data.kind)
        if data.amount > held:
            raise Invalid({"amount": f"超过{data.kind.label}在手余额 {held:f} 万元"})
    row = DepositEntry(
        project_id=project.id, **data.model_dump(exclude={"attachment_ids"}), entered_by_id=principal.user_id
    )
    db.add(row)
    db.flush()
    projects.attach(db, principal, project, OWNER_TYPE, row.id, files, original_names)
    for a in uploaded:
        a.owner_type, a.owner_id = OWNER_TYPE, row.id
    db.flush()
    return row


def get(db: Session, principal: Principal, project_id: int, deposit_id: int) -> DepositEntry:
    row = db.get(DepositEntry, deposit_id)
    if row is None or row.project_id != project_id:
        raise NotFound("找不到该笔记录")
    projects.get(db, principal, project_id)
    return row


def review(db: Session, principal: Principal, project_id: int, deposit_id: int, data: DepositReview) -> DepositEntry:
    """The coordinator confirms (vouchers checked) or rejects (with a reason) a pending entry."""
    policy.ensure_coordinator(principal)
    projects.get(db, principal, project_id, lock=True)
    row = get(db, principal, project_id, deposit_id)
    check_version(db, row, data.version)
    if row.status is not DepositStatus.pending:
        raise Invalid({"decision": "该笔记录已处理"})
    if data.decision == "confirm" and not data.vouchers_checked:
        raise Invalid({"vouchers_checked": "确认前须核对凭证（已核对凭证）"})
    confirming_out = data.decision == "confirm" and row.action is not DepositAction.received
    if confirming_out and row.amount > _still_held(db, project_id, row.kind, excluding=row.id):
        raise Invalid({"decision": f"超过{row.kind.label}在手余额，不能确认"})
    with audit.reason(db, data.note):
        row.status = DepositStatus.confirmed if data.decision == "confirm" else DepositStatus.rejected
        row.review_note = data.note
        row.reviewed_by_id = principal.user_id
        row.reviewed_at = utcnow()
        db.flush()
    return row


# --- the county's report, apart from funds arrived -----------------------------------------------


@dataclass
class ReportRow:
    entry: DepositEntry
    project_name: str
    unit_name: str


def report(
    db: Session,
    principal: Principal,
    *,
    status: str = "",
    kind: str = "",
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[ReportRow], int, list[Totals]]:
    """Every project's deposit entries the principal may read (a page), their count, and the held totals
    by kind of the entries filtered (confirmed only)."""
    where: list[ColumnElement[bool]] = []
    scope = policy.unit_filter(principal)
    if scope is not None:
        where.append((Project.responsible_unit_id == scope) | (Project.introducing_unit_id == scope))
    if status:
        try:
            where.append(DepositEntry.status == DepositStatus(status))
        except ValueError:
            raise Invalid({"status": "请选择有效的状态"}) from None
    if kind:
        try:
            where.append(DepositEntry.kind == DepositKind(kind))
        except ValueError:
            raise Invalid({"kind": "请选择有效的类别"}) from None
    rows = db.execute(
        select(DepositEntry, Project, Unit.name)
        .join(Project, Project.id == DepositEntry.project_id)
        .join(Unit, Unit.id == Project.responsible_unit_id)
        .where(*where)
        .order_by(DepositEntry.happened_on.desc(), DepositEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    count = db.execute(
        select(func.count())
        .select_from(DepositEntry)
        .join(Project, Project.id == DepositEntry.project_id)
        .where(*where)
    ).scalar_one()
    sums = db.execute(
        select(DepositEntry.kind, DepositEntry.action, DepositEntry.status, func.sum(DepositEntry.amount))
        .join(Project, Project.id == DepositEntry.project_id)
        .where(*where)
        .group_by(DepositEntry.kind, DepositEntry.action, DepositEntry.status)
    ).all()
    totals = {k: Totals(k) for k in DepositKind}
    for k, action, st, amount in sums:
        t = totals[k]
        if st is DepositStatus.pending:
            t.pending += Decimal(amount)
        elif st is DepositStatus.confirmed:
            setattr(t, action.value, getattr(t, action.value) + Decimal(amount))
    shown = [ReportRow(e, projects.display_name(principal, p), u) for e, p, u in rows]
    return shown, int(count), list(totals.values())
