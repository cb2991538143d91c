"""Webhooks: signed with HMAC-SHA256 and checked by a real receiver on a local port, retried with
exponential backoff, logged, given up after MAX_ATTEMPTS; two worker processes on one PostgreSQL
never deliver the same delivery twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import make_engine
from app.models.base import utcnow
from app.models.ticket import (
    DeliveryAttempt,
    DeliveryStatus,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from app.schemas.tickets import TicketCreate
from app.services import notify, system, tickets, worker
from tests.conftest import create_pg_database, page_csrf
from tests.tickets.conftest import County, as_principal, category, text_of

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec-test-0123456789abcdef"


class Receiver:
    """Another government system's endpoint: checks the signature (401 if wrong) and records each call."""

    def __init__(self, secret: str = SECRET, status: int = 200, delay: float = 0.0) -> None:
        self.secret = secret
        self.status = status
        self.delay = delay
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                timestamp = self.headers.get("X-Zhaoshang-Timestamp", "")
                signature = self.headers.get("X-Zhaoshang-Signature", "")
                valid = notify.verify_signature(receiver.secret, timestamp, body, signature)
                with receiver.lock:
                    receiver.calls.append(
                        {
                            "delivery": self.headers.get("X-Zhaoshang-Delivery"),
                            "event": self.headers.get("X-Zhaoshang-Event"),
                            "timestamp": timestamp,
                            "signature": signature,
                            "valid": valid,
                            "body": body,
                        }
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status if valid else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/zhaoshang"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def subscribe(db: Session, county: County, url: str, events: str = "*") -> WebhookSubscription:
    return notify.add_subscription(db, as_principal(county.coordinator), "省招商引资平台", url, SECRET, events)


def report(db: Session, county: County) -> int:
    ticket = tickets.report(
        db,
        as_principal(county.clerk),
        TicketCreate(
            project_id=county.project.id,
            category_id=category(db, "hiring").id,
            title="投产前需招普工 120 人",
            description="计划两个月后投产，需要普工 120 人。",
        ),
    )
    db.commit()
    return ticket.id


def deliveries(db: Session) -> list[WebhookDelivery]:
    db.expire_all()
    return list(db.execute(select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


def attempts_of(db: Session, delivery_id: int) -> list[DeliveryAttempt]:
    return list(
        db.execute(
            select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id).order_by(DeliveryAttempt.id)
        ).scalars()
    )


def make_due(db: Session) -> None:
    """Time passes: every waiting delivery's next attempt is now due."""
    db.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.commit()


# --- signed and delivered --------------------------------------------------------------------


def test_a_signed_webhook_is_verified_by_the_receiver(
    db: Session, county: County, session_factory, receiver: Receiver
) -> None:
    subscribe(db, county, receiver.url)
    ticket_id = report(db, county)
    [delivery] = deliveries(db)
    assert delivery.status is DeliveryStatus.pending

    assert worker.deliver_batch(session_factory, "worker-a") == 1
    [call] = receiver.calls
    assert call["valid"], "the receiver could not verify the signature"
    assert call["event"] == "ticket.reported" and call["delivery"] == str(delivery.id)
    payload = json.loads(call["body"])
    assert payload["type"] == "ticket.reported" and payload["data"]["ticket_id"] == ticket_id
    assert payload["data"]["status"] == "reported"
    # what the signature protects: another secret, another body or another timestamp fail
    assert not notify.verify_signature("another-secret-0123456789", call["timestamp"], call["body"], call["signature"])
    assert not notify.verify_signature(SECRET, call["timestamp"], call["body"] + b" ", call["signature"])
    assert not notify.verify_signature(SECRET, str(int(call["timestamp"]) + 1), call["body"], call["signature"])

    [delivery] = deliveries(db)
    assert delivery.status is DeliveryStatus.delivered and delivery.attempts == 1
    assert delivery.claimed_by == "worker-a" and delivery.delivered_at is not None
    [attempt] = attempts_of(db, delivery.id)
    assert attempt.status_code == 200 and attempt.worker == "worker-a" and attempt.error == ""
    assert worker.deliver_batch(session_factory, "worker-a") == 0  # nothing is sent twice
    assert len(receiver.calls) == 1


def test_a_receiver_with_another_secret_refuses_and_the_delivery_is_retried(
    db: Session, county: County, session_factory
) -> None:
    with Receiver(secret="not-the-shared-secret-000") as wrong:
        subscribe(db, county, wrong.url)
        report(db, county)
        worker.deliver_batch(session_factory, "worker-a")
        assert [c["valid"] for c in wrong.calls] == [False]
    [delivery] = deliveries(db)
    assert delivery.status is DeliveryStatus.pending and delivery.last_status_code == 401


def test_a_subscription_gets_only_the_events_it_asked_for(db: Session, county: County, receiver: Receiver) -> None:
    subscribe(db, county, receiver.url, events="ticket.routed, ticket.closed")
    report(db, county)
    db.expire_all()
    assert db.execute(select(func.count()).select_from(OutboxEvent)).scalar_one() >= 1  # the event is recorded
    assert deliveries(db) == []  # but not queued for a system that did not ask for it


def test_a_subscription_to_all_ticket_events(db: Session, county: County, receiver: Receiver) -> None:
    subscribe(db, county, receiver.url, events="ticket.*")
    report(db, county)
    assert len(deliveries(db)) == 1


def test_a_subscription_switched_off_on_the_page_gets_nothing(
    db: Session, county: County, receiver: Receiver, signed_in
) -> None:
    sub = subscribe(db, county, receiver.url)
    db.commit()
    coordinator = signed_in(county.coordinator)
    token = page_csrf(coordinator, "/admin/webhooks")
    response = coordinator.post(f"/admin/webhooks/{sub.id}/toggle", data={"csrf_token": token, "active": "0"})
    assert response.status_code == 303
    assert "停用" in text_of(coordinator.get("/admin/webhooks").text)
    report(db, county)
    assert deliveries(db) == []
    # a unit's clerk cannot switch it back on
    clerk = signed_in(county.clerk)
    response = clerk.post(
        f"/admin/webhooks/{sub.id}/toggle", data={"csrf_token": page_csrf(clerk, "/tickets"), "active": "1"}
    )
    assert response.status_code == 403


# --- failures, backoff, giving up ------------------------------------------------------------


def test_a_failing_receiver_is_retried_with_growing_waits(db: Session, county: County, session_factory) -> None:
    with Receiver(status=503) as down:
        subscribe(db, county, down.url)
        report(db, county)
        waits = []
        for attempt in (1, 2, 3):
            assert worker.deliver_batch(session_factory, "worker-a") == 1
            [delivery] = deliveries(db)
            assert delivery.status is DeliveryStatus.pending and delivery.attempts == attempt
            assert delivery.last_status_code == 503 and delivery.last_error == "HTTP 503"
            last = attempts_of(db, delivery.id)[-1]
            waits.append(round((delivery.next_attempt_at - last.at).total_seconds()))
            # not due yet: the worker leaves it alone
            assert worker.deliver_batch(session_factory, "worker-a") == 0
            make_due(db)
        assert waits == [30, 60, 120]  # BASE_BACKOFF_SECONDS doubled after each failure
        assert len(down.calls) == 3
        log = attempts_of(db, deliveries(db)[0].id)
        assert [(a.status_code, a.error) for a in log] == [(503, "HTTP 503")] * 3


def test_after_max_attempts_the_delivery_fails_for_good(
    db: Session, county: County, session_factory, signed_in
) -> None:
    with Receiver(status=500) as down:
        subscribe(db, county, down.url)
        report(db, county)
        for _ in range(notify.MAX_ATTEMPTS):
            assert worker.deliver_batch(session_factory, "worker-a") == 1
            make_due(db)
        [delivery] = deliveries(db)
        assert delivery.status is DeliveryStatus.failed and delivery.attempts == notify.MAX_ATTEMPTS
        assert len(attempts_of(db, delivery.id)) == notify.MAX_ATTEMPTS
        assert worker.deliver_batch(session_factory, "worker-a") == 0  # given up, even though "due"
        assert len(down.calls) == notify.MAX_ATTEMPTS
    page = text_of(signed_in(county.coordinator).get("/admin/webhooks").text)
    assert f"ticket.reported 省招商引资平台 失败 {notify.MAX_ATTEMPTS} 500 HTTP 500" in page


def test_an_unreachable_receiver_is_logged_and_retried(db: Session, county: County, session_factory) -> None:
    with Receiver() as gone:
        url = gone.url
    subscribe(db, county, url)  # nothing listens on that port any more
    report(db, county)
    assert worker.deliver_batch(session_factory, "worker-a") == 1
    [delivery] = deliveries(db)
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 1
    assert delivery.last_status_code is None and delivery.last_error != ""
    [attempt] = attempts_of(db, delivery.id)
    assert attempt.status_code is None and attempt.error == delivery.last_error


def test_the_coordinator_adds_a_subscription_on_the_page(db: Session, county: County, signed_in) -> None:
    coordinator = signed_in(county.coordinator)
    token = page_csrf(coordinator, "/admin/webhooks")
    bad = coordinator.post(
        "/admin/webhooks",
        data={"csrf_token": token, "name": "省平台", "url": "ftp://x", "secret": "short", "event_types": "*"},
    )
    assert bad.status_code == 422
    assert "签名密钥至少 16 个字符" in bad.text and "地址须以 http:// 或 https:// 开头" in bad.text
    ok = coordinator.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "name": "省招商引资平台",
            "url": "https://example.gov.cn/hooks",
            "secret": SECRET,
            "event_types": "ticket.*",
        },
    )
    assert ok.status_code == 303
    assert "https://example.gov.cn/hooks" in coordinator.get("/admin/webhooks").text
    assert signed_in(county.clerk).get("/admin/webhooks").status_code == 403


# --- two workers, one PostgreSQL -------------------------------------------------------------


def test_two_worker_processes_deliver_each_delivery_exactly_once(tmp_path: Path) -> None:
    """Committed data in a fresh database (not the rolled-back test transaction), two real processes."""
    url, drop = create_pg_database("zs_workers")
    engine = None
    procs: list[subprocess.Popen[bytes]] = []
    try:
        system.migrate(url)
        engine = make_engine(url)
        # each request takes 100 ms, so one worker alone would need 6 s for 60: the other surely joins in
        with Receiver(delay=0.1) as hooks:
            with Session(engine) as s:
                sub = WebhookSubscription(name="省平台", url=hooks.url, secret=SECRET, event_types="*")
                s.add(sub)
                s.flush()
                for n in range(60):
                    event = OutboxEvent(event_type="ticket.test", payload={"n": n})
                    s.add(event)
                    s.flush()
                    s.add(WebhookDelivery(subscription_id=sub.id, event_id=event.id))
                s.commit()
                ids = set(s.execute(select(WebhookDelivery.id)).scalars())
            assert len(ids) == 60

            env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
            command = [sys.executable, "-m", "app", "worker", "--max-seconds", "20", "--escalation-every", "100000"]
            logs = [tmp_path / f"worker-{i}.log" for i in (1, 2)]
            for log in logs:
                with log.open("wb") as out:
                    procs.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))

            deadline = time.monotonic() + 60  # a limit for a broken run, not a timing assertion
            delivered = 0
            while time.monotonic() < deadline and any(p.poll() is None for p in procs):
                with Session(engine) as s:
                    delivered = s.execute(
                        select(func.count())
                        .select_from(WebhookDelivery)
                        .where(WebhookDelivery.status == DeliveryStatus.delivered)
                    ).scalar_one()
                if delivered == len(ids):
                    break
                time.sleep(0.2)
            output = "\n".join(log.read_text(errors="replace") for log in logs)
            assert delivered == len(ids), f"only {delivered} of {len(ids)} delivered\n{output}"

            received = Counter(int(c["delivery"]) for c in hooks.calls)
            assert all(c["valid"] for c in hooks.calls)
            assert set(received) == ids
            twice = {k: v for k, v in received.items() if v > 1}
            assert not twice, f"delivered more than once: {twice}"

        with Session(engine) as s:
            claimers = set(s.execute(select(WebhookDelivery.claimed_by)).scalars())
            workers = Counter(s.execute(select(DeliveryAttempt.worker)).scalars())
            attempts = s.execute(select(func.count()).select_from(DeliveryAttempt)).scalar_one()
        assert len(claimers) == 2, f"one worker did everything: {claimers}"
        assert len(workers) == 2 and sum(workers.values()) == attempts == 60
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if engine is not None:
            engine.dispose()
        drop()
