"""The import's warnings emitted together (events.warnings_together): the same result as one at a time.

An import of thousands of projects used to flush each project's warnings and write each warning's
outbox event with a flush and two queries of its own. They are now written together, per batch. This
imports the same ledger both ways (the old shape by switching `warnings_together` off) and compares
everything the import leaves: the projects, their stage events and warnings, the audit trail (count
and content of the entries of every record), the outbox events and their deliveries to a global
subscription, a unit's subscription and a unit's group robot, on both databases.
"""

from __future__ import annotations

import contextlib
import copy
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.investor import Investor
from app.models.project import Project, ProjectAnomaly, StageEvent
from app.models.robot import Robot, RobotKind
from app.models.ticket import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import events, project_import
from bench.import_projects import UNIT_NAMES, make_ledger, name_prereview_departments

MOMENTS = {"recorded_at", "raised_at", "entered_at"}  # utcnow() when written: differs from run to run
ROWS = 40
PREFIX = "比对导入"


def _world(db: Session) -> Principal:
    units = {u.name: u for u in db.execute(select(Unit).where(Unit.name.in_(UNIT_NAMES))).scalars()}
    for name in UNIT_NAMES:
        if name not in units:
            units[name] = Unit(name=name, kind=UnitKind.town)
            db.add(units[name])
    office = Unit(name=f"{PREFIX}招商局", kind=UnitKind.department)
    db.add(office)
    db.flush()
    name_prereview_departments(db, office.id)
    db.add_all(
        [
            WebhookSubscription(name="全部", url="https://example.test/all", secret="s" * 32, event_types="*"),
            WebhookSubscription(
                unit_id=units[UNIT_NAMES[0]].id,
                name="东镇",
                url="https://example.test/east",
                secret="t" * 32,
                event_types="project.*",
            ),
            WebhookSubscription(
                name="只听线索", url="https://example.test/leads", secret="u" * 32, event_types="lead.*"
            ),
            Robot(
                unit_id=units[UNIT_NAMES[1]].id,
                kind=RobotKind.wecom,
                name="西镇群",
                webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
                event_types="project.warning_raised",
            ),
        ]
    )
    db.commit()
    return Principal(role=Role.coordinator, unit_id=office.id, label="导入比对", request_id="compare")


def _columns(row: Any, drop: set[str], refs: dict[str, dict[int, Any]]) -> dict[str, Any]:
    values = {}
    for attr in inspect(row).mapper.column_attrs:
        if attr.key in drop:
            continue
        value = getattr(row, attr.key)
        if isinstance(value, datetime):
            value = "<the moment written>"
        values[attr.key] = refs[attr.key].get(value, value) if attr.key in refs else value
    return values


def _payload(payload: Any, project_ref: dict[int, Any], anomaly_ref: dict[int, Any]) -> Any:
    if payload is None:
        return None
    shown = copy.deepcopy(payload)
    project = shown["project"]
    project["id"], project["link"] = project_ref[project["id"]], "-"
    shown["warning"]["id"] = anomaly_ref[shown["warning"]["id"]]
    return shown


def _everything(db: Session, result: project_import.ImportResult) -> dict[str, Any]:
    """What the import left, with its new rows' ids replaced by what they are."""
    ids = result.project_ids
    projects = list(db.execute(select(Project).where(Project.id.in_(ids)).order_by(Project.id)).scalars())
    project_ref = {p.id: p.name for p in projects}
    investors = list(db.execute(select(Investor).where(Investor.id.in_({p.investor_id for p in projects}))).scalars())
    investor_ref = {i.id: i.name for i in investors}
    stage_events = list(db.execute(select(StageEvent).where(StageEvent.project_id.in_(ids))).scalars())
    event_ref = {e.id: ("stage_event", project_ref[e.project_id]) for e in stage_events}
    anomalies = list(
        db.execute(select(ProjectAnomaly).where(ProjectAnomaly.project_id.in_(ids)).order_by(ProjectAnomaly.id))
        .scalars()
        .all()
    )
    anomaly_ref = {a.id: (project_ref[a.project_id], a.kind.value) for a in anomalies}
    refs: dict[str, dict[int, Any]] = {
        "project_id": project_ref,
        "investor_id": investor_ref,
        "stage_event_id": event_ref,
    }
    by_entity = {
        "project": project_ref,
        "investor": investor_ref,
        "stage_event": event_ref,
        "project_anomaly": anomaly_ref,
    }
    timestamps = {"id", "created_at", "updated_at"}
    entries = []
    for entry in db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        if entry.request_id != "compare":
            continue
        changes = {}
        for key, change in entry.changes.items():
            if key == "id":
                continue
            if key in refs and isinstance(change, list):
                change = [refs[key].get(v, v) for v in change]
            if key in MOMENTS:
                change = "<the moment written>"
            changes[key] = change
        if entry.action == "import":
            changes.pop("sha256", None)
        target = by_entity.get(entry.entity, {}).get(int(entry.entity_id)) if entry.entity_id.isdigit() else None
        entries.append(
            (entry.action, entry.entity, repr(target), repr(sorted(changes.items())), entry.reason, entry.actor_label)
        )
    outbox = list(db.execute(select(OutboxEvent).order_by(OutboxEvent.id)).scalars())
    outbox_ref = {o.id: n for n, o in enumerate(outbox)}
    deliveries = list(db.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())
    return {
        "projects": [_columns(p, timestamps, {**refs, "id": project_ref}) for p in projects],
        "stage_events": sorted(repr(_columns(e, timestamps, refs)) for e in stage_events),
        "anomalies": [_columns(a, timestamps, {**refs}) for a in anomalies],
        "entries": sorted(entries),
        "entries_per_record": sorted(Counter((e[1], e[2]) for e in entries).items()),
        "outbox": [(o.event_type, _payload(o.payload, project_ref, anomaly_ref)) for o in outbox],
        "deliveries": [
            (
                d.subscription_id,
                d.robot_id,
                outbox_ref[d.event_id],
                _payload(d.payload, project_ref, anomaly_ref),
                d.status,
            )
            for d in deliveries
        ],
    }


def _import(db: Session, principal: Principal, content: bytes) -> dict[str, Any]:
    db.info["principal"] = principal
    result = project_import.import_ledger(db, principal, content, filename="比对.xlsx", batch_size=15)
    db.flush()
    found = _everything(db, result)
    db.rollback()
    return found


def test_warnings_written_together_leave_what_one_at_a_time_left(db, monkeypatch):
    principal = _world(db)
    content, _pool = make_ledger(ROWS, prefix=PREFIX)

    together = _import(db, principal, content)
    monkeypatch.setattr(events, "warnings_together", lambda _db: contextlib.nullcontext())
    one_at_a_time = _import(db, principal, content)

    assert len(together["projects"]) == ROWS
    assert len(together["anomalies"]) >= 5  # the ledger raises warnings, so the comparison says something
    assert len(together["outbox"]) == len(together["anomalies"])
    kinds_of_target = {(d[0] is not None, d[1] is not None) for d in together["deliveries"]}
    assert kinds_of_target == {(True, False), (False, True)}  # to the subscriptions and to the robot
    for part in together:
        assert together[part] == one_at_a_time[part], part


def test_a_warning_raised_outside_a_batch_is_emitted_at_once(db):
    """Elsewhere (a stage change, a correction) `warnings_raised` writes its events as before."""
    principal = _world(db)
    content, _pool = make_ledger(3, prefix=PREFIX)
    db.info["principal"] = principal
    with events.warnings_together(db):
        pass  # an empty block emits nothing
    assert db.execute(select(OutboxEvent)).first() is None
    project_import.import_ledger(db, principal, content, filename="小.xlsx")
    assert events._WARNINGS_WAITING not in db.info
