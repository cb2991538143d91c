"""Browsing and verifying the audit trail (coordinators and supervisors only).

What a reader is shown of an entry is not always what the entry holds (the chain is never
rewritten, so old entries keep what they recorded):
- a credential column (marked `info=SECRET`, see app.services.audit.secret_fields) shows ***;
- for a reader who may not see a confidential project's identity (app.services.projects
  .sees_identity: the supervisor), the entries about that project and its children (stages,
  funds, progress, files, credit, awards, tickets …) show its code name, not the fields that
  would identify it, and its name, investor, introducer and contacts are blanked wherever they
  appear on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import JSON, Enum, String, select
from sqlalchemy.orm import Session

from app import policy
from app.models.audit import AuditEntry
from app.models.award import IntroducerRegistration
from app.models.base import Base
from app.models.investor import Investor
from app.models.lead import Lead
from app.models.project import Project
from app.principal import Principal
from app.services import audit, history, projects
from app.templating import LOCAL_TZ

PAGE_SIZE = 50
ACTION_LABELS = history.ACTION_LABELS


@dataclass
class AuditFilter:
    actor: str = ""
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


@dataclass
class ShownEntry:
    """An audit entry as its reader may see it (a copy: the stored entry is never touched)."""

    seq: int
    at: datetime
    actor_label: str
    action: str
    entity: str
    entity_id: str
    changes: dict[str, Any]
    reason: str
    client_addr: str
    request_id: str
    project: str = ""  # the project the entry is about, by the name this reader may see
    lines: list[history.Change] = field(default_factory=list)  # the changes in words


def search(
    db: Session, principal: Principal, f: AuditFilter, *, before_seq: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[ShownEntry], bool]:
    """Newest first, paged by seq (keyset), so deep pages stay fast."""
    policy.ensure_audit_reader(principal)
    stmt = select(AuditEntry)
    if f.actor:
        stmt = stmt.where(AuditEntry.actor_label.contains(f.actor, autoescape=True))
    if f.entity:
        stmt = stmt.where(AuditEntry.entity == f.entity)
    if f.entity_id:
        stmt = stmt.where(AuditEntry.entity_id == f.entity_id)
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.date_from:
        stmt = stmt.where(AuditEntry.at >= _local_midnight(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEntry.at < _local_midnight(f.date_to + timedelta(days=1)))
    if before_seq:
        stmt = stmt.where(AuditEntry.seq < before_seq)
    rows = list(db.execute(stmt.order_by(AuditEntry.seq.desc()).limit(limit + 1)).scalars())
    entries = shown(db, principal, rows[:limit])
    for entry, described in zip(entries, history.described(db, principal, entries, secrets=True), strict=True):
        entry.lines = described.changes
    return entries, len(rows) > limit


# --- what a reader is shown ------------------------------------------------------------------

HIDDEN = "（保密）"
# text columns of a project's children that say what something is, not who it is about
_STRUCTURAL = frozenset({"action", "owner_type", "kind", "content_type", "sha256", "status"})
_IDENTIFYING_LINKS = ("investor", "lead", "introducer_registration")


@cache
def _project_children() -> dict[str, frozenset[str]]:
    """Audited tables that belong to a project (a project_id column) -> their identifying fields:
    text and JSON columns (notes, names, file names, permit and voucher numbers …) and links to
    an investor, a lead or an introducer."""
    found: dict[str, frozenset[str]] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        table = getattr(cls, "__tablename__", None)
        if not getattr(cls, "__audited__", False) or table in (None, "project") or "project_id" not in mapper.columns:
            continue
        keys = set()
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            kind = column.type
            is_text = isinstance(kind, String) and not isinstance(kind, Enum) and attr.key not in _STRUCTURAL
            links = any(fk.column.table.name in _IDENTIFYING_LINKS for fk in column.foreign_keys)
            if is_text or isinstance(kind, JSON) or links:
                keys.add(attr.key)
        found[str(table)] = frozenset(keys)
    return found


def _identifying(entity: str) -> frozenset[str]:
    if entity == "project":
        return projects.IDENTIFYING_FIELDS
    return _project_children().get(entity, frozenset())


def _project_of(entry: AuditEntry, looked_up: dict[tuple[str, str], int | None]) -> int | None:
    """The project an entry is about (None: none, or not known any more)."""
    if entry.entity == "project":
        return int(entry.entity_id) if entry.entity_id.isdigit() else None
    recorded = entry.changes.get("project_id") if isinstance(entry.changes, dict) else None
    if isinstance(recorded, list):
        recorded = next((v for v in recorded if v is not None), None)
    if isinstance(recorded, int):
        return recorded
    return looked_up.get((entry.entity, entry.entity_id))


def _look_up_projects(db: Session, rows: list[AuditEntry]) -> dict[tuple[str, str], int | None]:
    """The project of each child row an entry names but does not record the project of (an update)."""
    wanted: dict[str, set[int]] = {}
    for e in rows:
        if e.entity in _project_children() and e.entity_id.isdigit() and "project_id" not in (e.changes or {}):
            wanted.setdefault(e.entity, set()).add(int(e.entity_id))
    found: dict[tuple[str, str], int | None] = {}
    for entity, ids in wanted.items():
        table = Base.metadata.tables[entity]
        for row_id, project_id in db.execute(select(table.c.id, table.c.project_id).where(table.c.id.in_(ids))):
            found[(entity, str(row_id))] = project_id
    return found


def _secret_terms(db: Session, hidden: list[Project]) -> list[tuple[str, str]]:
    """(text, what to show instead) for every name that identifies a project hidden from the reader."""
    terms: dict[str, str] = {}
    by_id = {p.id: p for p in hidden}

    def add(text: str | None, instead: str = HIDDEN) -> None:
        text = (text or "").strip()
        if len(text) >= 2 and text not in terms:
            terms[text] = instead

    for p in hidden:
        add(p.name, f"【保密】{p.code_name}")
        add(p.introducer_name)
    investor_ids = {p.investor_id for p in hidden}
    investors = select(
        Investor.name,
        Investor.name_key,
        Investor.credit_code,
        Investor.contact_name,
        Investor.contact_phone,
        Investor.phone_key,
    ).where(Investor.id.in_(investor_ids))
    lead_ids = {p.lead_id for p in hidden if p.lead_id is not None}
    leads = select(
        Lead.project_name,
        Lead.contact_name,
        Lead.contact_phone,
        Lead.contact_phone_key,
        Lead.introducer_name,
        Lead.introducer_phone,
    ).where(Lead.id.in_(lead_ids))
    introducers = select(IntroducerRegistration.name, IntroducerRegistration.phone).where(
        IntroducerRegistration.project_id.in_(by_id)
    )
    for query in (investors, leads, introducers):
        for texts in db.execute(query):
            for text in texts:
                add(text)
    return sorted(terms.items(), key=lambda term: -len(term[0]))  # the longest first: a name inside another


def _scrubbed(value: Any, pattern: re.Pattern[str] | None, instead: dict[str, str]) -> Any:
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(lambda m: instead[m.group(0)], value)
    if isinstance(value, list):
        return [_scrubbed(v, pattern, instead) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, pattern, instead) for k, v in value.items()}
    return value


def _blanked(pair: Any) -> Any:
    if isinstance(pair, list):
        return [None if v is None or v == "" else HIDDEN for v in pair]
    return HIDDEN


def shown(db: Session, principal: Principal, rows: list[AuditEntry]) -> list[ShownEntry]:
    """The entries as this reader may see them: secrets masked, confidential projects by code name."""
    sees_all = projects.sees_every_identity(principal)
    looked_up = {} if sees_all else _look_up_projects(db, rows)
    about = {e.seq: _project_of(e, looked_up) for e in rows}
    project_ids = {pid for pid in about.values() if pid is not None}
    named: dict[int, Project] = {}
    if project_ids:
        named = {p.id: p for p in db.execute(select(Project).where(Project.id.in_(project_ids))).scalars()}
    pattern: re.Pattern[str] | None = None
    instead: dict[str, str] = {}
    if not sees_all:
        confidential = db.execute(select(Project).where(Project.is_confidential.is_(True))).scalars()
        hidden = [p for p in confidential if not projects.sees_identity(principal, p)]
        terms = _secret_terms(db, hidden)
        if terms:
            instead = dict(terms)
            pattern = re.compile("|".join(re.escape(text) for text, _ in terms))
    result = []
    for e in rows:
        changes = audit.masked_changes(e.entity, e.changes or {})
        project_id = about[e.seq]
        project = named.get(project_id) if project_id is not None else None
        label = projects.display_name(principal, project) if project is not None else ""
        about_child = e.entity == "project" or e.entity in _project_children()
        # a child whose project is gone or not known is treated as a confidential one's
        hide = not sees_all and about_child and (project is None or not projects.sees_identity(principal, project))
        if hide:
            identifying = _identifying(e.entity)
            changes = {k: (_blanked(v) if k in identifying else v) for k, v in changes.items()}
        result.append(
            ShownEntry(
                seq=e.seq,
                at=e.at,
                actor_label=e.actor_label,
                action=e.action,
                entity=e.entity,
                entity_id=e.entity_id,
                changes=_scrubbed(changes, pattern, instead),
                reason=_scrubbed(e.reason, pattern, instead),
                client_addr=e.client_addr,
                request_id=e.request_id,
                project=_scrubbed(label, pattern, instead),
            )
        )
    return result


def verify(db: Session, principal: Principal, digest: str | None) -> Any:
    policy.ensure_audit_reader(principal)
    return audit.verify_chain(db, digest)
