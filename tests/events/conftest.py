"""Fixtures for the event and robot tests: two towns and the bureau, a plain and a confidential project of
town A, and real HTTP receivers on 127.0.0.1 (a DingTalk / WeCom robot endpoint, another system's webhook).

Every test using `db` runs on SQLite and on PostgreSQL inside a rolled-back transaction; the worker's
sessions join it (session_factory), as the app's request sessions do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.models.base import utcnow
from app.models.project import Project, Stage
from app.models.robot import Robot, RobotKind
from app.models.ticket import DeliveryAttempt, OutboxEvent, WebhookDelivery
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.robots import RobotCreate
from app.services import robots, workdays
from tests.conftest import login, test_settings
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects.factories import make_investor, make_project
from tests.projects.helpers import pass_gate

ROBOT_HOSTS = "oapi.dingtalk.com,qyapi.weixin.qq.com,127.0.0.1"
SECRET_NAME = "绝密甲方舟项目Q7X"
SECRET_INVESTOR = "绝密甲投资集团Z9K"
CODE_NAME = "青山07号"
DINGTALK_SECRET = "SEC" + "a1b2c3d4e5f60718" * 4  # the form of a DingTalk signing secret: SEC and 64 hex digits


@dataclass
class World:
    bureau: Unit
    a: Unit
    b: Unit
    coordinator: User
    staff_a: User
    staff_b: User
    project: Project  # town A's, plain
    secret: Project  # town A's, confidential

    def as_(self, user: User) -> Principal:
        return Principal(
            role=user.role, unit_id=user.unit_id, label=f"{user.display_name}({user.username})", user_id=user.id
        )


@pytest.fixture
def world(db: Session) -> World:
    n = uuid.uuid4().hex[:6]
    bureau = make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    a = make_unit(db, name=f"城关镇{n}", short_name="城关镇")
    b = make_unit(db, name=f"青石镇{n}", short_name="青石镇")
    investor = make_investor(db, name=f"华东新材料有限公司{n}")
    project = make_project(
        db, a, stage=Stage.intent, name=f"年产5万吨新材料项目{n}", investor=investor, contract_investment=Decimal(12000)
    )
    secret = make_project(
        db,
        a,
        stage=Stage.intent,
        name=SECRET_NAME,
        code_name=CODE_NAME,
        is_confidential=True,
        investor=make_investor(db, name=SECRET_INVESTOR),
        contract_investment=Decimal(50000),
    )
    for ready in (project, secret):  # pre-reviewed and approved: ready to sign (app.services.prereview)
        pass_gate(db, ready.id)
    world = World(
        bureau=bureau,
        a=a,
        b=b,
        coordinator=make_user(db, bureau, Role.coordinator, display_name="陈统筹"),
        staff_a=make_user(db, a, display_name="李春燕"),
        staff_b=make_user(db, b, display_name="张国栋"),
        project=project,
        secret=secret,
    )
    db.commit()
    return world


@pytest.fixture
def settings(database: tuple[str, Any]) -> Settings:
    """The app's settings, with the local receivers' address among the hosts a robot may point at."""
    return test_settings(database[0], robot_hosts=ROBOT_HOSTS, public_base_url="https://zs.example.gov.cn")


@pytest.fixture
def signed_in(app: FastAPI, db: Session) -> Iterator[Callable[[User], TestClient]]:
    """signed_in(user) → a TestClient of its own signed in as that user."""
    with ExitStack() as stack:

        def open_client(user: User) -> TestClient:
            db.commit()
            client = stack.enter_context(TestClient(app, base_url="http://testserver", follow_redirects=False))
            response = login(client, user.username, PASSWORD)
            assert response.status_code == 303, response.text[:300]
            return client

        yield open_client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- a robot endpoint, as DingTalk and WeCom answer ----------------------------------------


def dingtalk_sign_ok(secret: str, timestamp: str, sign: str, now_ms: int) -> bool:
    """DingTalk's check, written from its documentation (not from the platform's code): the timestamp within
    an hour of now; sign = base64(HmacSHA256(key=secret, message=timestamp + "\\n" + secret))."""
    if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > 3600 * 1000:
        return False
    string_to_sign = f"{timestamp}\n{secret}"
    hmac_code = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(hmac_code).decode(), sign)


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any]
    status: int
    at: float


@dataclass
class RobotEndpoint:
    """DingTalk's and WeCom's robot endpoints on one local port. A DingTalk robot's secret is looked up by its
    access_token; a message is refused as the platforms refuse it: errcode 310000 for a bad signature, 130101
    (DingTalk) / 45009 (WeCom) past 20 messages a minute, 40008 for a body of another shape. `fail_next`: that
    many requests answered 502 first. `clock_offset`: seconds added to the endpoint's clock (a minute passing)."""

    secrets: dict[str, str] = field(default_factory=dict)
    fail_next: int = 0
    clock_offset: float = 0.0
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def now(self) -> float:
        return time.time() + self.clock_offset

    def dingtalk_url(self, token: str) -> str:
        return f"{self.url}/robot/send?access_token={token}"

    def wecom_url(self, key: str) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={key}"

    def accepted(self, who: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.status == 200 and c.answer.get("errcode") == 0 and (who is None or who in c.query.values())
        ]

    def answer(self, path: str, query: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.fail_next > 0:
            self.fail_next -= 1
            return 502, {}
        now = self.now()
        if path == "/robot/send":
            who = query.get("access_token", "")
            secret = self.secrets.get(who, "")
            if not dingtalk_sign_ok(secret, query.get("timestamp", ""), query.get("sign", ""), int(now * 1000)):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            markdown = body.get("markdown") or {}
            if body.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
                return 200, {"errcode": 40008, "errmsg": "invalid message type"}
            too_fast = 130101
        elif path == "/cgi-bin/webhook/send":
            who = query.get("key", "")
            content = (body.get("markdown") or {}).get("content")
            if set(body) != {"msgtype", "markdown"} or body["msgtype"] != "markdown" or not isinstance(content, str):
                return 200, {"errcode": 40008, "errmsg": "invalid message type"}
            if set(body["markdown"]) != {"content"} or len(content.encode()) > 4096:
                return 200, {"errcode": 40058, "errmsg": "invalid markdown content"}
            too_fast = 45009
        else:
            return 404, {}
        recent = [c for c in self.accepted(who) if c.at > now - 60]
        if len(recent) >= 20:
            return 200, {"errcode": too_fast, "errmsg": "send too fast, exceed 20 times per minute"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def __enter__(self) -> RobotEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                with endpoint.lock:
                    status, answer = endpoint.answer(parts.path, query, body)
                    endpoint.calls.append(Call(parts.path, query, body, answer, status, endpoint.now()))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[RobotEndpoint]:
    with RobotEndpoint() as e:
        yield e


def add_robot(
    db: Session,
    endpoint: RobotEndpoint,
    who: Principal,
    *,
    kind: RobotKind = RobotKind.dingtalk,
    events: list[str] | None = None,
    name: str = "招商工作群",
    secret: str = DINGTALK_SECRET,
    unit_id: int | None = None,
) -> Robot:
    """A robot added through the service; its endpoint knows its secret (by a token of its own)."""
    token = f"tok{uuid.uuid4().hex[:12]}"
    if kind is RobotKind.dingtalk:
        endpoint.secrets[token] = secret
        url = endpoint.dingtalk_url(token)
    else:
        url = endpoint.wecom_url(token)
    robot = robots.add(
        db,
        who,
        RobotCreate(
            kind=kind,
            name=name,
            webhook_url=url,
            secret=secret if kind is RobotKind.dingtalk else "",
            event_types=events or ["*"],
            unit_id=unit_id,
        ),
        ROBOT_HOSTS,
    )
    db.commit()
    return robot


def token_of(robot: Robot) -> str:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(robot.webhook_url).query)
    return (query.get("access_token") or query.get("key") or [""])[0]


def deliveries(db: Session, **where: Any) -> list[WebhookDelivery]:
    db.expire_all()
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(WebhookDelivery, name) == value)
    return list(db.execute(stmt).scalars())


def outbox(db: Session, prefix: str = "") -> list[OutboxEvent]:
    db.expire_all()
    stmt = select(OutboxEvent).order_by(OutboxEvent.id)
    if prefix:
        stmt = stmt.where(OutboxEvent.event_type.startswith(prefix))
    return list(db.execute(stmt).scalars())


def make_due(db: Session) -> None:
    """Time passes: every waiting delivery's next attempt is now due."""
    db.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.commit()


def a_minute_passes(db: Session, endpoint: RobotEndpoint) -> None:
    """61 seconds later, for the platform (its log of attempts) and for the robots' endpoint alike."""
    for attempt in db.execute(select(DeliveryAttempt)).scalars():
        attempt.at = attempt.at - timedelta(seconds=61)
    db.commit()
    endpoint.clock_offset += 61
    make_due(db)


YEAR = workdays.today().year - 1  # a whole past year: the dates the watch judges by are all behind us
