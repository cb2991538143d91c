"""Group robots (群机器人) of DingTalk and WeCom: a unit's chat group, kept by the unit's staff, or the
coordinator's own; told of the events they chose as short Markdown messages in Chinese.

A robot is one more subscriber of the outbox (app/services/events.py decides who hears of what, and masks a
confidential project for a robot that may not see it); the worker sends its messages like any delivery,
retried with backoff, at most 20 a minute to one robot (notify.claim puts the rest off: delayed, never
dropped). DingTalk's messages are signed as DingTalk documents it: the timestamp in milliseconds, a newline
and the secret, HMAC-SHA256 keyed with the secret, base64, URL-encoded, appended as `&timestamp=…&sign=…`.
WeCom's body is `{"msgtype": "markdown", "markdown": {"content": …}}`.

A robot's webhook address holds its access token and DingTalk's secret signs for it: both are kept like
other credentials (info=SECRET: never shown again, never in the audit trail); pages show `url_hint`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.parse
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.project import Stage
from app.models.robot import Robot, RobotKind
from app.models.ticket import OutboxEvent, WebhookDelivery
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.events import RobotTest, dump
from app.schemas.robots import RobotCreate, RobotRead, RobotUpdate
from app.services import events
from app.services.common import check_version

NOT_FOUND = "找不到该群机器人"
URL_PARAMS = {RobotKind.dingtalk: "access_token", RobotKind.wecom: "key"}
URL_EXAMPLES = {
    RobotKind.dingtalk: "https://oapi.dingtalk.com/robot/send?access_token=…",
    RobotKind.wecom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
}
DINGTALK_SECRET = re.compile(r"^SEC[0-9A-Za-z]{16,196}$")
MAX_LINE = 200
MAX_CONTENT_BYTES = 3800  # WeCom takes 4096 bytes of Markdown; DingTalk more


# --- who may see and keep a robot ------------------------------------------------------------


def can_read(principal: Principal, robot: Robot) -> bool:
    return policy.can_read_unit_owned(principal, robot.unit_id)


def can_manage(principal: Principal, unit_id: int | None) -> bool:
    """A unit's robots: its staff and the coordinator; the coordinator's own: the coordinator."""
    return policy.can_write_unit_owned(principal, unit_id)


def get(db: Session, principal: Principal, robot_id: int) -> Robot:
    robot = db.get(Robot, robot_id)
    if robot is None:
        raise NotFound(NOT_FOUND)
    if not can_read(principal, robot):
        raise policy.DeniedNotFound(NOT_FOUND)
    return robot


def get_for_write(db: Session, principal: Principal, robot_id: int) -> Robot:
    robot = get(db, principal, robot_id)
    if not can_manage(principal, robot.unit_id):
        raise policy.DeniedForbidden("只有本单位工作人员和招商局可以管理该群机器人")
    return robot


def list_robots(db: Session, principal: Principal) -> Sequence[Robot]:
    """The robots the principal may see: every one for those who read everything, else its unit's."""
    stmt = select(Robot).order_by(Robot.unit_id.is_not(None), Robot.unit_id, Robot.id)
    if not principal.reads_everything:
        if principal.unit_id is None:
            return []
        stmt = stmt.where(Robot.unit_id == principal.unit_id)
    return db.execute(stmt).scalars().all()


def may_add(principal: Principal) -> bool:
    return can_manage(principal, None if principal.is_coordinator else principal.unit_id) and (
        principal.is_coordinator or principal.unit_id is not None
    )


# --- adding and changing ---------------------------------------------------------------------


def _hosts(allowed: str) -> set[str] | None:
    hosts = {h.strip().lower() for h in allowed.split(",") if h.strip()}
    return None if "*" in hosts else hosts


def check_url(kind: RobotKind, url: str, allowed_hosts: str) -> str:
    """The robot's webhook address checked; returns the hint pages show. Refused with a Chinese message
    under `webhook_url`."""
    url = url.strip()
    example = URL_EXAMPLES[kind]
    if not url or len(url) > 500 or re.search(r"\s", url):
        raise Invalid({"webhook_url": f"请填写机器人的 Webhook 地址，如 {example}"})
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (a port that is no number raises here)
    except ValueError:
        raise Invalid({"webhook_url": f"地址格式不正确，应如 {example}"}) from None
    if parts.scheme not in ("http", "https") or not host:
        raise Invalid({"webhook_url": f"地址须以 https:// 开头，如 {example}"})
    hosts = _hosts(allowed_hosts)
    if hosts is not None and host not in hosts:
        raise Invalid({"webhook_url": f"地址的主机须为{kind.label}的接口地址（{'、'.join(sorted(hosts))}）"})
    param = URL_PARAMS[kind]
    token = urllib.parse.parse_qs(parts.query).get(param, [""])[0]
    if not re.fullmatch(r"[0-9A-Za-z_-]{8,200}", token):
        raise Invalid({"webhook_url": f"{kind.label}的地址应含 {param}，如 {example}"})
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{param}=…{token[-4:]}"[:120]


def check_secret(kind: RobotKind, secret: str) -> str:
    secret = secret.strip()
    if kind is RobotKind.wecom:
        return ""  # WeCom's robots sign nothing: the key in the address is the credential
    if not DINGTALK_SECRET.fullmatch(secret):
        raise Invalid({"secret": "请填写钉钉机器人安全设置中“加签”的密钥：以 SEC 开头的一串字母和数字"})
    return secret


def _unit_of_new(db: Session, principal: Principal, requested: int | None) -> int | None:
    if principal.is_coordinator:
        if requested is not None and db.get(Unit, requested) is None:
            raise Invalid({"unit_id": "单位不存在"})
        return requested
    if requested is not None and requested != principal.unit_id:
        raise policy.DeniedForbidden("只能为本单位添加群机器人")
    if principal.unit_id is None or not can_manage(principal, principal.unit_id):
        raise policy.DeniedForbidden("只有单位工作人员和招商局可以添加群机器人")
    return principal.unit_id


def add(db: Session, principal: Principal, data: RobotCreate, allowed_hosts: str) -> Robot:
    unit_id = _unit_of_new(db, principal, data.unit_id)
    errors: dict[str, str] = {}
    hint = secret = chosen = ""
    try:
        hint = check_url(data.kind, data.webhook_url, allowed_hosts)
    except Invalid as exc:
        errors.update(exc.errors)
    try:
        secret = check_secret(data.kind, data.secret)
    except Invalid as exc:
        errors.update(exc.errors)
    try:
        chosen = events.parse_types(data.event_types)
    except Invalid as exc:
        errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    robot = Robot(
        unit_id=unit_id,
        kind=data.kind,
        name=data.name,
        webhook_url=data.webhook_url.strip(),
        url_hint=hint,
        secret=secret,
        event_types=chosen,
        created_by_id=principal.user_id,
    )
    db.add(robot)
    db.flush()
    return robot


def update(db: Session, principal: Principal, robot_id: int, data: RobotUpdate) -> Robot:
    robot = get_for_write(db, principal, robot_id)
    check_version(db, robot, data.version)
    if data.event_types is not None:
        robot.event_types = events.parse_types(data.event_types)
    if data.name is not None:
        robot.name = data.name
    if data.is_active is not None:
        robot.is_active = data.is_active
    db.flush()
    return robot


def delete(db: Session, principal: Principal, robot_id: int) -> None:
    """The robot and its messages' log go; messages not yet sent are not sent."""
    robot = get_for_write(db, principal, robot_id)
    db.delete(robot)
    db.flush()


def send_test(db: Session, principal: Principal, robot_id: int) -> WebhookDelivery:
    """Queue a test message to this robot only (sent by the worker within seconds, like any message)."""
    robot = get_for_write(db, principal, robot_id)
    payload = RobotTest(robot_id=robot.id, name=robot.name, requested_by=principal.label.split("(")[0][:50])
    event = OutboxEvent(event_type=events.ROBOT_TEST.code, payload=dump(payload))
    db.add(event)
    db.flush()
    delivery = WebhookDelivery(robot_id=robot.id, event_id=event.id)
    db.add(delivery)
    db.flush()
    return delivery


def deliveries(db: Session, principal: Principal, limit: int = 50, *, robot_id: int | None = None) -> list[Any]:
    """The latest messages to the robots the principal may see (or to one of them): (delivery, event type,
    robot name)."""
    stmt = (
        select(WebhookDelivery, OutboxEvent.event_type, Robot.name)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .join(Robot, Robot.id == WebhookDelivery.robot_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if not principal.reads_everything:
        stmt = stmt.where(Robot.unit_id == principal.unit_id)
    if robot_id is not None:
        stmt = stmt.where(Robot.id == robot_id)
    return list(db.execute(stmt).all())


def read(robot: Robot) -> RobotRead:
    return RobotRead(
        id=robot.id,
        unit_id=robot.unit_id,
        kind=robot.kind,
        name=robot.name,
        url_hint=robot.url_hint,
        has_secret=bool(robot.secret),
        event_types=[t for t in robot.event_types.split(",") if t],
        is_active=robot.is_active,
        version=robot.version,
        created_at=robot.created_at,
    )


# --- the message -----------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's signature: base64 of HMAC-SHA256(secret, timestamp + "\\n" + secret) (not yet URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp: str | None = None) -> str:
    timestamp = timestamp or str(round(time.time() * 1000))
    sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def outgoing(robot: Robot, event_type: str, data: dict[str, Any], base_url: str = "") -> tuple[str, bytes]:
    """The address (signed for DingTalk) and the body of one message to `robot`."""
    title, lines = describe(event_type, data)
    link = data.get("link") or _nested_link(data)
    text = markdown(robot.kind, title, lines, f"{base_url.rstrip('/')}{link}" if base_url and link else "")
    if robot.kind is RobotKind.dingtalk:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        url = signed_url(robot.webhook_url, robot.secret) if robot.secret else robot.webhook_url
    else:
        body = {"msgtype": "markdown", "markdown": {"content": text}}
        url = robot.webhook_url
    return url, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _nested_link(data: dict[str, Any]) -> str:
    for key in ("lead", "award", "project"):
        value = data.get(key)
        if isinstance(value, dict) and value.get("link"):
            return str(value["link"])
    return ""


def markdown(kind: RobotKind, title: str, lines: Sequence[str], link: str = "") -> str:
    """Title and lines as the platform's Markdown: DingTalk needs a blank line between lines, WeCom not."""
    sep = "\n\n" if kind is RobotKind.dingtalk else "\n"
    parts = [f"#### {title}", *lines]
    if link:
        parts.append(f"[查看详情]({link})")
    text = sep.join(parts)
    while len(text.encode()) > MAX_CONTENT_BYTES and len(parts) > 2:
        parts.pop(-2 if link else -1)
        text = sep.join(parts)
    return text


def _s(value: Any) -> str:
    """A value as one short line of text: no line breaks that would end the Markdown's line, and no square
    brackets that would make someone's typed text a link in the group."""
    text = re.sub(r"\s+", " ", str(value if value is not None else "")).strip()
    text = text.replace("[", "［").replace("]", "］")
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _wan(value: Any) -> str:
    from app.templating import wan

    return wan(value)


def _pct(value: Any) -> str:
    from app.templating import pct

    return pct(value)


def _figure(value: Any, measure: str) -> str:
    from app.templating import figure

    return figure(value, measure)


def _yuan(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return _s(value)


def _stage_label(code: str | None) -> str:
    try:
        return Stage(code).label if code else ""
    except ValueError:
        return _s(code)


def _project_lines(project: dict[str, Any] | None) -> list[str]:
    if not project:
        return []
    lines = [f"**项目**：{_s(project['name'])}（{_s(project['responsible_unit']['name'])}）"]
    if project.get("investor_name"):
        lines.append(f"**客商**：{_s(project['investor_name'])}")
    if project.get("contract_investment") not in (None, "0", "0.00"):
        lines.append(f"**合同投资**：{_wan(project['contract_investment'])} 万元")
    return lines


def _lead_lines(lead: dict[str, Any]) -> list[str]:
    lines = [
        f"**客商**：{_s(lead['investor_name'])}",
        f"**报送单位**：{_s(lead['unit']['name'])}（{lead['lead_date']}，{_s(lead['channel_label'])}）",
    ]
    if lead.get("project_name"):
        lines.append(f"**项目**：{_s(lead['project_name'])}")
    lines.append(f"**意向投资**：{_wan(lead['intended_investment'])} 万元")
    return lines


def describe(event_type: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    """An event as a message: its title and a few lines, in Chinese, amounts with their units."""
    title = f"招商平台：{events.label_of(event_type)}"
    group = event_type.split(".", 1)[0]
    lines: list[str] = []
    if event_type == events.ROBOT_TEST.code:
        lines = [f"群机器人“{_s(data.get('name'))}”已接入招商引资工作平台，这是一条测试消息。"]
        if data.get("requested_by"):
            lines.append(f"由 {_s(data['requested_by'])} 发送")
    elif group == "lead":
        lines = _lead_lines(data["lead"])
        if event_type == "lead.judged":
            reason = f"（{_s(data['reason'])}）" if data.get("reason") else ""
            lines.append(f"**认定结果**：{_s(data['lead']['status_label'])}{reason}")
        for match in data.get("matches", [])[:5]:
            lines.append(
                f"**疑似重复**：{_s(match['unit_name'])} {match['lead_date']} 报送的“{_s(match['investor_name'])}”"
                f"（{_s(match['reason_text'])}）"
            )
    elif event_type == "project.stage_reached":
        lines = _project_lines(data["project"])
        before = _stage_label(data.get("from_stage"))
        moved = f"{before} → {_s(data['stage_label'])}" if before else f"新建，处于“{_s(data['stage_label'])}”"
        lines.append(f"**阶段**：{moved}（{data['reached_on']}）")
    elif group == "project":
        lines = _project_lines(data["project"])
        warning = data["warning"]
        lines.append(f"**异常**：{_s(warning['label'])}：{_s(warning['detail'])}（{warning['raised_on']}）")
        if data.get("reason"):
            lines.append(f"**核销说明**：{_s(data['reason'])}")
    elif group == "funds":
        funds = data["funds"]
        lines = _project_lines(data["project"])
        amount = _wan(funds["amount"])
        lines.append(
            f"**金额**：{amount} {funds['currency_unit']}（{_s(funds['source_label'])}，{funds['arrived_on']} 到账）"
        )
        lines.append(f"**状态**：{_s(funds['status_label'])}")
        if funds.get("reverses_id"):
            lines.append(f"**更正**：冲销第 {funds['reverses_id']} 笔")
        lines.append(f"**项目已确认内资到位**：{_wan(data['project_funds_confirmed'])} 万元")
    elif group == "award":
        award = data["award"]
        lines = [
            f"**获奖对象**：{_s(award['recipient_name'])}",
            f"**奖励金额**：{_yuan(award['amount'])} 元（{_s(award['status_label'])}）",
            f"**申报单位**：{_s(award['applicant_unit']['name'])}",
            *_project_lines(data.get("project"))[:1],
        ]
        if data.get("amount") is not None:
            lines.append(f"**追回金额**：{_yuan(data['amount'])} 元")
        if data.get("note"):
            lines.append(f"**说明**：{_s(data['note'])}")
        title = f"招商平台：{_s(data['step_label'])}"
    elif group == "target":
        measure = data.get("measure", "")
        card = "红牌（没有实绩）" if data.get("card") == "red" else "黄牌"
        lines = [
            f"**单位**：{_s(data['unit']['name'])}",
            f"**指标**：{_s(data['metric_label'])}（截至 {data['as_of']}）",
            f"**完成**：{_figure(data['actual'], measure)} {measure}，"
            f"年度目标 {_figure(data['target'], measure)} {measure}（{_pct(data.get('share_of_target'))}%）",
            f"**时序进度**：{_pct(data['expected_share'])}%，完成其 {_pct(data.get('share_of_expected'))}%，"
            f"低于黄牌线 {_pct(data['yellow_line'])}%：{card}",
        ]
    elif group == "report":
        lines = [
            f"**单位**：{_s(data['unit']['name'])}",
            f"**报告**：{_s(data['cadence_label'])}（{data['period_start']} 至 {data['period_end']}）",
            f"**报送截止**：{data['due_on']}",
        ]
        if data.get("submitted_at"):
            when = _local(data["submitted_at"])
            lines.append(f"**报送时间**：{when}{'（逾期）' if data.get('late') else ''}")
    elif group == "bulletin":
        lines = [f"**通报**：{_s(data['title'])}", f"**期间**：{data['period_start']} 至 {data['period_end']}"]
    elif group == "ticket":
        lines = [f"**问题**：{_s(data['title'])}", *_project_lines(data.get("project"))[:1]]
        lines.append(f"**状态**：{_s(data['status_label'])}")
        if data.get("due_on"):
            lines.append(f"**限期办结**：{data['due_on']}")
    elif group == "task":
        lines = [
            f"**督办事项**：{_s(data['title'])}",
            f"**责任单位**：{_s(data['owner_unit']['name'])}",
            f"**来源**：{_s(data['source_label'])}"
            + (f"（{_s(data['source_ref'])}）" if data.get("source_ref") else ""),
            f"**状态**：{_s(data['status_label'])}",
            f"**办结期限**：{data['due_on']}",
        ]
    elif group == "meeting":
        lines = [
            f"**会议**：{_s(data['meeting_title'])}（{_s(data['meeting_kind_label'])}，{data['held_on']}）",
            f"**决定事项**：第 {data['number']} 项，{_s(data['content'])}",
            f"**责任单位**：{_s(data['owner_unit']['name'])}",
            f"**办结期限**：{data['due_on']}",
        ]
    elif group == "interview":
        lines = [
            f"**被约谈单位**：{_s(data['unit']['name'])}（{_s(data['interviewee'])}）",
            f"**约谈人**：{_s(data['interviewer'])}，{data['held_on']}",
            f"**理由**：{_s('、'.join(data['reasons']) or '—')}",
            f"**承诺事项**：{data['promise_count']} 项",
        ]
    return title, lines


def _local(value: str) -> str:
    from app.templating import local_dt

    try:
        return local_dt(datetime.fromisoformat(value))
    except ValueError:
        return _s(value)
