"""The background worker: escalates overdue tickets and supervised tasks, watches targets and reports
(app/services/event_watch.py), and delivers the outbox to webhooks and group robots.

Several workers may run against one PostgreSQL: deliveries are claimed with FOR UPDATE SKIP
LOCKED and leased, so no two workers send the same delivery; the HTTP call happens outside any
transaction, and the result is recorded in a short one.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.db import session_scope
from app.models.user import Role
from app.principal import Principal
from app.services import approvals, event_watch, notify, tasks, tickets

log = logging.getLogger("app.worker")
WORKER_PRINCIPAL = Principal(role=Role.coordinator, unit_id=None, label="后台任务")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_batch(factory: sessionmaker[Session], name: str, batch: int = 20, *, base_url: str | None = None) -> int:
    """Claim due deliveries, send each, record each result. Returns how many were attempted.
    `base_url`: where the links in robots' messages point (default: the PUBLIC_BASE_URL setting)."""
    if base_url is None:
        base_url = get_settings().public_base_url
    ids: list[int] = []
    for db in session_scope(factory):
        ids = notify.claim(db, name, batch)
    sent = 0
    for delivery_id in ids:
        for db in session_scope(factory, write=False):
            prepared = notify.prepare(db, delivery_id, base_url)
        if prepared is None:
            continue
        started = time.monotonic()
        status, error, ok = notify.send(prepared)
        duration = int((time.monotonic() - started) * 1000)
        for db in session_scope(factory):
            db.info["principal"] = WORKER_PRINCIPAL
            notify.record_result(db, delivery_id, name, status, error, duration, ok)
        sent += 1
    return sent


def escalate(factory: sessionmaker[Session]) -> int:
    """Escalate overdue tickets and supervised tasks in one transaction (committed when the loop ends: never `return`
    from inside session_scope, which would leave the transaction to be rolled back)."""
    count = 0
    for db in session_scope(factory):
        db.info["principal"] = WORKER_PRINCIPAL
        count = tickets.escalate_overdue(db) + tasks.escalate_overdue(db)
        count += approvals.warn_overdue(db)  # approvals newly past their legal limit (审批事项, issue 22)
    return count


def watch(factory: sessionmaker[Session]) -> int:
    """Announce the units newly under the yellow line and the reports due or late, once each."""
    count = 0
    for db in session_scope(factory):
        db.info["principal"] = WORKER_PRINCIPAL
        count = event_watch.watch(db)
    return count


def run(
    factory: sessionmaker[Session],
    *,
    name: str | None = None,
    once: bool = False,
    interval: float = 2.0,
    max_seconds: float | None = None,
    escalation_every: float = 300.0,
    batch: int = 20,
) -> dict[str, Any]:
    """Loop until `max_seconds` (or one round with `once`). A failing round (the database restarting,
    say) is logged and retried after `interval`; it does not end the worker."""
    name = name or worker_name()
    started = time.monotonic()
    last_escalation = -escalation_every
    totals = {"delivered_attempts": 0, "escalated": 0, "watched": 0, "errors": 0}
    while True:
        attempted = 0
        try:
            now = time.monotonic()
            if now - last_escalation >= escalation_every:
                last_escalation = now
                totals["escalated"] += escalate(factory)
                totals["watched"] += watch(factory)
            attempted = deliver_batch(factory, name, batch)
            totals["delivered_attempts"] += attempted
        except Exception:
            if once:
                raise
            totals["errors"] += 1
            log.exception("worker round failed; retrying in %.1f s", interval)
        if once:
            break
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            break
        if not attempted:
            time.sleep(interval)
    return totals
