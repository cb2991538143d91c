"""DingTalk and WeCom group robots, against a real local endpoint that answers as the platforms do.

The endpoint (tests/events/conftest.py RobotEndpoint) checks DingTalk's signature exactly as DingTalk
documents it (recomputed from the timestamp in the query and the secret, refused more than an hour off),
WeCom's body shape, and refuses a 21st message within a minute as both platforms do. The worker delivers
through the same outbox as webhooks: at least once, retried with backoff, at most 20 a minute per robot.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.audit import AuditEntry
from app.models.project import Stage
from app.models.robot import Robot, RobotKind
from app.models.ticket import DeliveryAttempt, DeliveryStatus
from app.schemas.projects import StageChange
from app.services import notify, projects, robots, workdays, worker
from tests.conftest import page_csrf
from tests.events.conftest import (
    CODE_NAME,
    DINGTALK_SECRET,
    ROBOT_HOSTS,
    SECRET_INVESTOR,
    SECRET_NAME,
    RobotEndpoint,
    World,
    a_minute_passes,
    add_robot,
    deliveries,
    dingtalk_sign_ok,
    make_due,
    text_of,
    token_of,
)
from tests.factories import bearer, make_token

BASE = "https://zs.example.gov.cn"


def move(db: Session, world: World, project_id: int, to: Stage = Stage.signed) -> None:
    """The unit moves its project forward (through the service, as the page and the API do)."""
    project = db.get(projects.Project, project_id)
    assert project is not None
    projects.change_stage(
        db,
        world.as_(world.staff_a),
        project_id,
        StageChange(
            version=project.version,
            action="forward",
            to_stage=to,
            happened_on=workdays.today(),
            contract_no="HT-2026-0088",
        ),
    )
    db.commit()


def deliver(session_factory: Any, batch: int = 50) -> int:
    return worker.deliver_batch(session_factory, "worker-a", batch, base_url=BASE)


# --- signed and shaped as the platforms want -----------------------------------------------


def test_a_dingtalk_message_is_signed_as_dingtalk_documents(
    db: Session, world: World, endpoint: RobotEndpoint, session_factory: Any
) -> None:
    robot = add_robot(db, endpoint, world.as_(world.staff_a), events=["project.stage_reached"])
    move(db, world, world.project.id)
    assert deliver(session_factory) == 1
    [call] = endpoint.calls
    assert call.answer == {"errcode": 0, "errmsg": "ok"}, "the endpoint refused the signature"
    # what was signed: the timestamp in milliseconds of the sending, the sign URL-encoded in the query
    timestamp, sign = call.query["timestamp"], call.query["sign"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000
    assert dingtalk_sign_ok(DINGTALK_SECRET, timestamp, sign, int(time.time() * 1000))
    assert not dingtalk_sign_ok("SEC" + "0" * 64, timestamp, sign, int(time.time() * 1000))
    assert not dingtalk_sign_ok(DINGTALK_SECRET, str(int(timestamp) - 3_700_000), sign, int(time.time() * 1000))
    # the message: Markdown in Chinese, the project, its unit and its amount in 万元, a link to the record
    markdown = call.body["markdown"]
    assert call.body["msgtype"] == "markdown" and markdown["title"] == "招商平台：项目到达新阶段"
    text = markdown["text"]
    assert world.project.name in text and world.a.name in text and "12,000.00 万元" in text
    assert "意向/框架协议 → 正式签约" in text
    assert f"[查看详情]({BASE}/projects/{world.project.id})" in text
    [delivery] = deliveries(db, robot_id=robot.id)
    assert delivery.status is DeliveryStatus.delivered and delivery.attempts == 1


def test_a_wrong_secret_is_refused_by_dingtalk_and_retried(
    db: Session, world: World, endpoint: RobotEndpoint, session_factory: Any
) -> None:
    robot = add_robot(db, endpoint, world.as_(world.staff_a), events=["project.*"])
    endpoint.secrets[token_of(robot)] = "SEC" + "f" * 64  # the group's robot was given a new secret
    move(db, world, world.project.id)
    assert deliver(session_factory) == 1
    assert [c.answer["errcode"] for c in endpoint.calls] == [310000]
    [delivery] = deliveries(db, robot_id=robot.id)
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.last_error == "errcode 310000: sign not match"


def test_a_wecom_message_has_wecoms_shape(
    db: Session, world: World, endpoint: RobotEndpoint, session_factory: Any
) -> None:
    robot = add_robot(db, endpoint, world.as_(world.coordinator), kind=RobotKind.wecom, events=["funds.*"])
    assert robot.secret == "" and robot.unit_id is None
    from tests.awards.factories import entered_funds

    entered_funds(db, world.project, "456.78", workdays.today() - timedelta(days=2), world.as_(world.staff_a))
    db.commit()
    assert deliver(session_factory) == 1
    [call] = endpoint.calls
    assert call.answer["errcode"] == 0 and call.path == "/cgi-bin/webhook/send"
    assert set(call.body) == {"msgtype", "markdown"} and set(call.body["markdown"]) == {"content"}
    content = call.body["markdown"]["content"]
    assert content.startswith("#### 招商平台：到位资金已录入\n")
    assert "**金额**：456.78 万元（省外资金" in content and "**状态**：待确认" in content
    assert world.project.name in content and f"{BASE}/projects/{world.project.id}" in content


# --- at most 20 a minute: delayed, not dropped ---------------------------------------------


def test_the_21st_message_within_a_minute_waits_for_the_next_minute(
    db: Session, world: World, endpoint: RobotEndpoint, session_factory: Any
) -> None:
    robot = add_robot(db, endpoint, world.as_(world.staff_a), events=["*"])
    other = add_robot(db, endpoint, world.as_(world.staff_a), kind=RobotKind.wecom, name="另一个群")
    for _ in range(21):
        robots.send_test(db, world.as_(world.staff_a), robot.id)
    robots.send_test(db, world.as_(world.staff_a), other.id)
    db.commit()

    assert deliver(session_factory) == 21  # 20 to the first robot, 1 to the other: the other is not held up
    assert len(endpoint.accepted(token_of(robot))) == 20 and len(endpoint.accepted(token_of(other))) == 1
    assert not [c for c in endpoint.calls if c.answer.get("errcode") != 0], "a platform refused a message"
    [waiting] = [d for d in deliveries(db, robot_id=robot.id) if d.status is not DeliveryStatus.delivered]
    assert waiting.status is DeliveryStatus.pending and waiting.attempts == 0  # put off, not failed
    first = db.execute(select(func.min(DeliveryAttempt.at))).scalar_one()
    assert waiting.next_attempt_at >= first + timedelta(seconds=60)
    assert deliver(session_factory) == 0  # within the minute nothing more goes to that robot
    make_due(db)
    assert deliver(session_factory) == 0  # even when due by the clock: the minute is still full
    assert len(endpoint.calls) == 21

    a_minute_passes(db, endpoint)
    assert deliver(session_factory) == 1
    assert len(endpoint.accepted(token_of(robot))) == 21
    assert {d.status for d in deliveries(db, robot_id=robot.id)} == {DeliveryStatus.delivered}


# --- a 5xx is retried --------------------------------------------------------------------


def test_a_5xx_from_the_platform_is_retried_with_backoff(
    db: Session, world: World, endpoint: RobotEndpoint, session_factory: Any
) -> None:
    robot = add_robot(db, endpoint, world.as_(world.staff_a), events=["project.stage_reached"])
    endpoint.fail_next = 1
    move(db, world, world.project.id)
    assert deliver(session_factory) == 1
    [delivery] = deliveries(db, robot_id=robot.id)
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 1 and delivery.last_status_code == 502
    [attempt] = db.execute(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)).scalars()
    assert round((delivery.next_attempt_at - attempt.at).total_seconds()) == notify.BASE_BACKOFF_SECONDS
    assert deliver(session_factory) == 0  # not yet due
    make_due(db)
    assert deliver(session_factory) == 1
    [delivery] = deliveries(db, robot_id=robot.id)
    assert delivery.status is DeliveryStatus.delivered and delivery.attempts == 2
    assert [c.status for c in endpoint.calls] == [502, 200]
    assert endpoint.calls[0].body == endpoint.calls[1].body  # the same message, signed again


# --- who hears of what ---------------------------------------------------------------------


def test_a_units_robot_gets_only_the_events_of_records_it_may_read(
    db: Session, world: World, endpoint: RobotEndpoint, session_factory: Any
) -> None:
    mine = add_robot(db, endpoint, world.as_(world.staff_a), name="城关镇工作群")
    theirs = add_robot(db, endpoint, world.as_(world.staff_b), name="青石镇工作群")
    bureau = add_robot(db, endpoint, world.as_(world.coordinator), name="招商局工作群")
    move(db, world, world.project.id)
    assert deliver(session_factory) == 2
    assert len(endpoint.accepted(token_of(mine))) == 1 and len(endpoint.accepted(token_of(bureau))) == 1
    assert endpoint.accepted(token_of(theirs)) == [] and deliveries(db, robot_id=theirs.id) == []
    # the bureau may give a unit a robot: it is the unit's, and hears as the unit does
    given = add_robot(db, endpoint, world.as_(world.coordinator), name="青石镇专班群", unit_id=world.b.id)
    assert given.unit_id == world.b.id
    move(db, world, world.project.id, Stage.landed)
    assert deliveries(db, robot_id=given.id) == []


def test_a_confidential_project_is_masked_for_a_robot_that_may_not_see_it(
    db: Session, world: World, endpoint: RobotEndpoint, session_factory: Any
) -> None:
    mine = add_robot(db, endpoint, world.as_(world.staff_a), name="城关镇工作群")
    bureau = add_robot(db, endpoint, world.as_(world.coordinator), name="招商局工作群")
    theirs = add_robot(db, endpoint, world.as_(world.staff_b), name="青石镇工作群")
    move(db, world, world.secret.id)
    assert deliver(session_factory) == 2
    [own] = endpoint.accepted(token_of(mine))
    [shown] = endpoint.accepted(token_of(bureau))
    # the project's own unit sees it; a chat group of the bureau is no person cleared to: the code name only
    assert SECRET_NAME in own.body["markdown"]["text"] and SECRET_INVESTOR in own.body["markdown"]["text"]
    text = shown.body["markdown"]["text"]
    assert f"【保密】{CODE_NAME}" in text and "（保密）" in text
    assert SECRET_NAME not in json.dumps(shown.body, ensure_ascii=False)
    assert SECRET_INVESTOR not in json.dumps(shown.body, ensure_ascii=False)
    assert deliveries(db, robot_id=theirs.id) == []


# --- keeping robots: the page and the API ----------------------------------------------------


def test_unit_staff_keep_their_robots_on_the_page(
    db: Session, world: World, endpoint: RobotEndpoint, signed_in: Any, session_factory: Any
) -> None:
    clerk = signed_in(world.staff_a)
    token = page_csrf(clerk, "/robots")
    bad = clerk.post(
        "/robots",
        data={
            "csrf_token": token,
            "kind": "dingtalk",
            "name": "城关镇工作群",
            "webhook_url": "https://example.com/robot/send",
            "secret": "not-a-secret",
        },
    )
    assert bad.status_code == 422
    page = text_of(bad.text)
    assert "地址的主机须为钉钉群机器人的接口地址" in page
    assert "以 SEC 开头" in page and "请至少选择一种事件" in page
    assert "not-a-secret" not in bad.text  # a secret typed is never sent back
    missing_token = clerk.post(
        "/robots",
        data={
            "csrf_token": token,
            "kind": "wecom",
            "name": "城关镇工作群",
            "webhook_url": f"{endpoint.url}/cgi-bin/webhook/send",
            "event_types": "lead.*",
        },
    )
    assert missing_token.status_code == 422 and "企业微信群机器人的地址应含 key" in text_of(missing_token.text)

    url = endpoint.dingtalk_url("tokPLANTED0123456789")
    endpoint.secrets["tokPLANTED0123456789"] = DINGTALK_SECRET
    ok = clerk.post(
        "/robots",
        data={
            "csrf_token": token,
            "kind": "dingtalk",
            "name": "城关镇工作群",
            "webhook_url": url,
            "secret": DINGTALK_SECRET,
            "event_types": ["project.stage_reached", "funds.*"],
        },
    )
    assert ok.status_code == 303, ok.text[:500]
    listed = clerk.get("/robots").text
    assert "城关镇工作群" in listed and "项目到达新阶段、到位资金（全部）" in text_of(listed)
    assert "tokPLANTED0123456789" not in listed and DINGTALK_SECRET not in listed and "…6789" in listed
    [robot] = db.execute(select(Robot).where(Robot.unit_id == world.a.id)).scalars()
    # never in the audit trail either
    trail = " ".join(
        json.dumps(e.changes, ensure_ascii=False)
        for e in db.execute(select(AuditEntry).where(AuditEntry.entity == "robot")).scalars()
    )
    assert "城关镇工作群" in trail and "tokPLANTED" not in trail and DINGTALK_SECRET not in trail

    # the test message goes through the outbox to this robot only
    tested = clerk.post(f"/robots/{robot.id}/test", data={"csrf_token": token})
    assert tested.status_code == 303 and tested.headers["location"] == f"/robots?queued={robot.id}"
    assert "测试消息已排队" in clerk.get(tested.headers["location"]).text
    assert deliver(session_factory) == 1
    [call] = endpoint.accepted("tokPLANTED0123456789")
    assert "这是一条测试消息" in call.body["markdown"]["text"] and "李春燕" in call.body["markdown"]["text"]

    # another town's staff neither see it nor touch it
    other = signed_in(world.staff_b)
    other_token = page_csrf(other, "/robots")
    assert "城关镇工作群" not in other.get("/robots").text
    for action in ("toggle", "test", "delete"):
        refused = other.post(f"/robots/{robot.id}/{action}", data={"csrf_token": other_token, "version": "1"})
        assert refused.status_code == 404, action
    # the bureau sees every unit's robots
    assert "城关镇工作群" in signed_in(world.coordinator).get("/robots").text

    off = clerk.post(
        f"/robots/{robot.id}/toggle", data={"csrf_token": token, "version": str(robot.version), "active": "0"}
    )
    assert off.status_code == 303
    move(db, world, world.project.id)
    assert deliveries(db, robot_id=robot.id)[1:] == []  # switched off: only the test message
    robot_id = robot.id
    gone = clerk.post(f"/robots/{robot_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    db.expire_all()
    assert db.execute(select(Robot).where(Robot.id == robot_id)).first() is None
    assert deliveries(db, robot_id=robot_id) == []


def test_the_api_keeps_robots_with_the_same_rules(
    db: Session, world: World, endpoint: RobotEndpoint, client: Any
) -> None:
    mine = bearer(make_token(db, world.a))
    theirs = bearer(make_token(db, world.b))
    reader = bearer(make_token(db, None, read_only=True))
    db.commit()
    body = {
        "kind": "dingtalk",
        "name": "城关镇工作群",
        "webhook_url": endpoint.dingtalk_url("tokAPI0123456789"),
        "secret": DINGTALK_SECRET,
        "event_types": ["lead.*", "project.stage_reached"],
    }
    bad = client.post(
        "/api/v1/robots", json={**body, "secret": "SEC-short", "event_types": ["lead.nothing"]}, headers=mine
    )
    assert bad.status_code == 422
    problems = {d["field"]: d["message"] for d in bad.json()["details"]}
    assert problems["secret"].startswith("请填写钉钉机器人安全设置") and "未知的事件类型" in problems["event_types"]
    shapeless = client.post("/api/v1/robots", json={**body, "kind": "feishu"}, headers=mine)
    assert shapeless.status_code == 422 and shapeless.json()["code"] == "validation_error"
    refused = client.post("/api/v1/robots", json={**body, "unit_id": world.b.id}, headers=mine)
    assert refused.status_code == 403
    assert client.post("/api/v1/robots", json=body, headers=reader).status_code == 403

    created = client.post("/api/v1/robots", json=body, headers={**mine, "Idempotency-Key": "robot-1"})
    assert created.status_code == 201, created.text
    robot = created.json()
    assert robot["unit_id"] == world.a.id and robot["has_secret"] and robot["event_types"] == body["event_types"]
    assert "tokAPI0123456789" not in created.text and DINGTALK_SECRET not in created.text
    again = client.post("/api/v1/robots", json=body, headers={**mine, "Idempotency-Key": "robot-1"})
    assert again.json()["id"] == robot["id"]  # a retry creates nothing
    assert [r["id"] for r in client.get("/api/v1/robots", headers=mine).json()] == [robot["id"]]
    assert client.get("/api/v1/robots", headers=theirs).json() == []
    for method, path in (
        ("GET", f"/api/v1/robots/{robot['id']}"),
        ("PATCH", f"/api/v1/robots/{robot['id']}"),
        ("DELETE", f"/api/v1/robots/{robot['id']}"),
        ("POST", f"/api/v1/robots/{robot['id']}/test"),
    ):
        answer = client.request(method, path, json={"version": 1, "is_active": False}, headers=theirs)
        assert answer.status_code == 404, (method, path)

    stale = client.patch(f"/api/v1/robots/{robot['id']}", json={"version": 99, "is_active": False}, headers=mine)
    assert stale.status_code == 409
    off = client.patch(f"/api/v1/robots/{robot['id']}", json={"version": 1, "is_active": False}, headers=mine)
    assert off.status_code == 200 and off.json()["is_active"] is False and off.json()["version"] == 2
    queued = client.post(f"/api/v1/robots/{robot['id']}/test", headers=mine)
    assert queued.status_code == 202
    log = client.get(f"/api/v1/robots/{robot['id']}/deliveries", headers=mine).json()
    assert [(d["id"], d["event_type"], d["status"]) for d in log] == [
        (queued.json()["delivery_id"], "robot.test", "pending")
    ]
    assert client.delete(f"/api/v1/robots/{robot['id']}", headers=mine).status_code == 204
    assert client.get(f"/api/v1/robots/{robot['id']}", headers=mine).status_code == 404


@pytest.mark.parametrize(
    ("kind", "url", "secret", "field", "message"),
    [
        (
            RobotKind.dingtalk,
            "oapi.dingtalk.com/robot/send?access_token=abcdefgh12",
            DINGTALK_SECRET,
            "webhook_url",
            "https://",
        ),
        (RobotKind.dingtalk, "https://oapi.dingtalk.com/robot/send", DINGTALK_SECRET, "webhook_url", "access_token"),
        (
            RobotKind.dingtalk,
            "https://oapi.dingtalk.com:x/robot/send?access_token=abcdefgh12",
            DINGTALK_SECRET,
            "webhook_url",
            "格式不正确",
        ),
        (
            RobotKind.dingtalk,
            "https://evil.example/robot/send?access_token=abcdefgh12",
            DINGTALK_SECRET,
            "webhook_url",
            "主机",
        ),
        (RobotKind.dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=abcdefgh12", "", "secret", "SEC"),
        (
            RobotKind.dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=abcdefgh12",
            "SEC 123",
            "secret",
            "SEC",
        ),
        (
            RobotKind.wecom,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?access_token=abcdefgh12",
            "",
            "webhook_url",
            "key",
        ),
        (RobotKind.wecom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<script>", "", "webhook_url", "key"),
    ],
)
def test_an_address_or_secret_that_cannot_work_is_refused_in_chinese(
    db: Session, world: World, kind: RobotKind, url: str, secret: str, field: str, message: str
) -> None:
    from app.errors import Invalid
    from app.schemas.robots import RobotCreate

    data = RobotCreate(kind=kind, name="工作群", webhook_url=url, secret=secret, event_types=["*"])
    with pytest.raises(Invalid) as refused:
        robots.add(db, world.as_(world.staff_a), data, "oapi.dingtalk.com,qyapi.weixin.qq.com")
    assert message in refused.value.errors[field]
    # the official hosts pass as they are
    assert robots.check_url(
        RobotKind.dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=ab12cd34ef", ROBOT_HOSTS
    )


def test_a_signed_url_carries_the_timestamp_and_the_url_encoded_sign() -> None:
    url = robots.signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", DINGTALK_SECRET, "1700000000000")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["timestamp"] == "1700000000000"
    assert dingtalk_sign_ok(DINGTALK_SECRET, "1700000000000", query["sign"], 1700000000000)
    assert "+" not in url.split("sign=")[1] and "/" not in url.split("sign=")[1]  # URL-encoded


def test_a_long_message_stays_within_what_wecom_takes(db: Session, world: World) -> None:
    robot = Robot(kind=RobotKind.wecom, name="群", webhook_url="https://x/?key=abcdefgh", event_types="*")
    data = {
        "lead": {
            "investor_name": "很长的客商名称" * 80,
            "unit": {"name": "城关镇"},
            "lead_date": "2026-01-02",
            "channel_label": "以商招商",
            "project_name": "项目" * 500,
            "intended_investment": str(Decimal("123456.7")),
            "link": "/leads/1",
        },
        "matches": [
            {
                "unit_name": "青石镇" * 50,
                "lead_date": "2026-01-01",
                "investor_name": "客商" * 90,
                "reason_text": "名称相同",
            }
        ]
        * 5,
    }
    _url, body = robots.outgoing(robot, "lead.duplicate_found", data, BASE)
    content = json.loads(body)["markdown"]["content"]
    assert len(content.encode()) <= 4096 and "123,456.70 万元" in content and content.endswith(f"({BASE}/leads/1)")
