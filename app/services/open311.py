"""Open311 GeoReport v2 over the tickets: services are the ticket categories, service requests the tickets.

Every rule is the tickets' own (app.services.tickets): a request is reported with `tickets.report`, read
with `tickets.get` and listed with `tickets.list_tickets`, so who may report, read or list what, and the
audit of every change, are the same as on the pages and the JSON API. A confidential project's names are
removed from every text for a token that may not see them (`projects.view` through `tickets.project_views`).

Ticket data in this product is not public, so unlike the spec's defaults every method needs an api_key
(app.routers.open311). The endpoint serves one jurisdiction (settings `open311_jurisdiction_id`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import Invalid, NotFound
from app.models.ticket import Priority, Ticket, TicketCategory, TicketStatus
from app.models.unit import Unit
from app.principal import Principal
from app.schemas.common import translate_errors
from app.schemas.open311 import (
    ATTRIBUTE_FIELDS,
    SPECIFICATION,
    GeoReportAttribute,
    GeoReportAttributeValue,
    GeoReportDiscovery,
    GeoReportEndpoint,
    GeoReportRequestCreated,
    GeoReportRequestForm,
    GeoReportService,
    GeoReportServiceDefinition,
    GeoReportServiceRequest,
)
from app.schemas.tickets import TicketCreate
from app.services import projects, tickets, workdays

TZ = workdays.LOCAL_TZ
GROUP = "跟踪服务"
WINDOW = timedelta(days=90)  # GET requests: the spec's default and longest span of requested_datetime
MAX_REQUESTS = 1000  # GET requests: the spec's default limit
MAX_IDS = 200
DEFINITIONS_CHANGED = datetime(2026, 12, 10, 9, 0, tzinfo=TZ)
"""When ATTRIBUTES last changed: the discovery document's changeset is never older (clients re-read
the service definitions when it moves)."""

ATTRIBUTES = [
    GeoReportAttribute(
        variable=True,
        code="project_id",
        datatype="number",
        required=False,
        datatype_description="项目编号（整数）",
        order=1,
        description="问题所属项目的编号：本单位负责或引进的项目。与 investor_id 二选一，必填其一",
    ),
    GeoReportAttribute(
        variable=True,
        code="investor_id",
        datatype="number",
        required=False,
        datatype_description="客商编号（整数）",
        order=2,
        description="尚未落地、还没有项目的客商的编号（没有项目时填写）",
    ),
    GeoReportAttribute(
        variable=True,
        code="title",
        datatype="string",
        required=False,
        datatype_description="2–200 字",
        order=3,
        description="问题标题；不填则取问题描述的前 40 字",
    ),
    GeoReportAttribute(
        variable=True,
        code="priority",
        datatype="singlevaluelist",
        required=False,
        datatype_description=None,
        order=4,
        description="紧急程度；不填为一般",
        values=[GeoReportAttributeValue(key=p.value, name=p.label) for p in Priority],
    ),
    GeoReportAttribute(
        variable=True,
        code="proposed_handling",
        datatype="text",
        required=False,
        datatype_description="不超过 2000 字",
        order=5,
        description="建议的办理方式",
    ),
]
assert [f"attribute[{a.code}]" for a in ATTRIBUTES] == list(ATTRIBUTE_FIELDS.values())

KEY_SERVICE = (
    "api_key 即本平台的系统令牌，由县招商局在平台“系统令牌”页面签发："
    "限定于一个单位（可报告并查看该单位报告或办理的问题），或只读。"
    "本平台的问题数据不公开：除本发现文档外，所有 GeoReport v2 方法"
    "（包括 GET services 和 GET requests）都需要 api_key，缺少或无效时答 403。"
    "api_key 可放在查询参数或表单字段 api_key 中，也可用请求头 Authorization: Bearer <api_key>，"
    "或 HTTP Basic 认证（api_key 作用户名或密码）。"
)

# a field of TicketCreate (or of tickets.report's refusals) by the Open311 parameter that carries it
_PARAMETER = {
    "category_id": "service_code",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "reporter_label": "first_name",
    "reporter_contact": "phone",
    **ATTRIBUTE_FIELDS,
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"[0-9+()\- ]{3,30}")
_CJK = re.compile(r"[\u3400-\u9fff]")


# --- jurisdiction and discovery -------------------------------------------------------------


def check_jurisdiction(settings: Settings, jurisdiction_id: str | None) -> None:
    """Any jurisdiction_id but the one served is a resource that does not exist (404); none is this one."""
    if jurisdiction_id and jurisdiction_id.strip() != settings.open311_jurisdiction_id:
        raise NotFound(f"jurisdiction_id 不存在：本接口只服务 jurisdiction_id={settings.open311_jurisdiction_id}")


def _w3(moment: datetime) -> datetime:
    """A stored moment in the county's time, to the second (the spec's ISO 8601 subset, with its offset)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(TZ).replace(microsecond=0)


def changeset(db: Session) -> str:
    """When the services or their definitions last changed."""
    latest = db.execute(select(func.max(TicketCategory.updated_at))).scalar_one_or_none()
    moment = max(DEFINITIONS_CHANGED, _w3(latest)) if latest else DEFINITIONS_CHANGED
    return moment.isoformat()


def discovery(db: Session, settings: Settings, base_url: str) -> GeoReportDiscovery:
    stamp = changeset(db)
    return GeoReportDiscovery(
        changeset=stamp,
        contact=settings.open311_contact,
        key_service=KEY_SERVICE,
        endpoints=[
            GeoReportEndpoint(
                specification=SPECIFICATION,
                url=base_url.rstrip("/") + "/open311/v2",
                changeset=stamp,
                type="production" if settings.is_production else "test",
                formats=["text/xml", "application/json"],
            )
        ],
    )


# --- services --------------------------------------------------------------------------------


def services(db: Session) -> list[GeoReportService]:
    return [
        GeoReportService(
            service_code=c.code,
            service_name=c.name,
            description=f"{c.name}：交办后默认 {c.default_days} 个工作日内办结（节假日顺延）",
            metadata=True,
            type="realtime",
            keywords=",".join(dict.fromkeys(k for k in re.split(r"[、，,]", c.name) if k)),
            group=GROUP,
        )
        for c in tickets.categories(db)
    ]


def _category(db: Session, service_code: str) -> TicketCategory:
    found = next((c for c in tickets.categories(db) if c.code == service_code), None)
    if found is None:
        raise NotFound(f"service_code 不存在：{service_code}（见 GET services）")
    return found


def definition(db: Session, service_code: str) -> GeoReportServiceDefinition:
    category = _category(db, service_code)
    return GeoReportServiceDefinition(service_code=category.code, attributes=ATTRIBUTES)


# --- reporting -------------------------------------------------------------------------------


def _coordinate(text: str, name: str, limit: int) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not -limit <= value <= limit:
        word = "纬度" if name == "lat" else "经度"
        raise Invalid({name: f"{word}应为 -{limit} 到 {limit} 之间的数（WGS84，十进制度）"})
    return value


def _number(text: str, field: str, what: str) -> int | None:
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 2_147_483_647:
        raise Invalid({field: f"请填写{what}（正整数）"})
    return int(text)


def _reporter(form: GeoReportRequestForm) -> tuple[str, str]:
    """The person who reported it (family name first, as names are written here) and how to reach them."""
    problems = {}
    if form.email and not _EMAIL.fullmatch(form.email):
        problems["email"] = "邮箱格式不正确"
    if form.phone and not _PHONE.fullmatch(form.phone):
        problems["phone"] = "电话只能包含数字、空格和 + - ( )"
    if problems:
        raise Invalid(problems)
    if _CJK.search(form.last_name + form.first_name):
        name = form.last_name + form.first_name
    else:
        name = " ".join(n for n in (form.first_name, form.last_name) if n)
    contact = "；".join(
        part for part in (form.phone and f"电话 {form.phone}", form.email and f"邮箱 {form.email}") if part
    )
    return name, contact


def _ticket_input(
    db: Session, form: GeoReportRequestForm, fields: Sequence[str]
) -> tuple[TicketCreate, TicketCategory]:
    if not form.service_code:
        raise Invalid({"service_code": "未提供 service_code（问题类别代码，见 GET services）"})
    category = _category(db, form.service_code)
    _unknown_attributes(fields)
    latitude = longitude = None
    if form.lat or form.long:
        if not (form.lat and form.long):
            raise Invalid({"long" if form.lat else "lat": "lat 与 long 须同时提供"})
        latitude, longitude = _coordinate(form.lat, "lat", 90), _coordinate(form.long, "long", 180)
    elif not (form.address_string or form.address_id):
        raise Invalid({"lat": "请提供问题地点：lat 与 long，或 address_string，或 address_id"})
    if form.attribute_priority and form.attribute_priority not in Priority.__members__:
        keys = "、".join(Priority.__members__)
        raise Invalid({ATTRIBUTE_FIELDS["priority"]: f"紧急程度只能是 {keys} 之一"})
    if len(form.description) < 2:
        raise Invalid({"description": "请描述问题（至少 2 个字）"})
    name, contact = _reporter(form)
    values = {
        "project_id": _number(form.attribute_project_id, ATTRIBUTE_FIELDS["project_id"], "项目编号"),
        "investor_id": _number(form.attribute_investor_id, ATTRIBUTE_FIELDS["investor_id"], "客商编号"),
        "category_id": category.id,
        "title": form.attribute_title or form.description[:40],
        "description": form.description,
        "proposed_handling": form.attribute_proposed_handling,
        "priority": form.attribute_priority or Priority.normal.value,
        "reporter_label": name,
        "reporter_contact": contact,
        "address": form.address_string,
        "address_id": form.address_id,
        "latitude": latitude,
        "longitude": longitude,
        "media_url": form.media_url,
    }
    if values["project_id"] is None and values["investor_id"] is None:
        raise Invalid(
            {ATTRIBUTE_FIELDS["project_id"]: "请填写项目编号，或尚未落地的客商编号（attribute[investor_id]）"}
        )
    try:
        return TicketCreate.model_validate(values), category
    except ValidationError as exc:
        raise _in_open311_terms(translate_errors(exc.errors(include_url=False))) from None


def _in_open311_terms(errors: Mapping[str, str]) -> Invalid:
    """A refusal named by the Open311 parameters the client sent, not by the ticket's fields."""
    return Invalid({_PARAMETER.get(field, field): message for field, message in errors.items()})


def _unknown_attributes(fields: Sequence[str]) -> None:
    """Attributes no service defines are refused, so that a misspelt one is not lost without a word."""
    known = set(ATTRIBUTE_FIELDS.values())
    unknown = sorted({f for f in fields if f.startswith("attribute[") and f not in known})
    if unknown:
        codes = "、".join(a.code for a in ATTRIBUTES)
        raise Invalid({name: f"未定义的属性（可用：{codes}）" for name in unknown[:10]})


def report(
    db: Session, principal: Principal, form: GeoReportRequestForm, fields: Sequence[str]
) -> GeoReportRequestCreated:
    """POST requests: a ticket, reported by the token's unit through `tickets.report` (its rules, its audit).
    `fields`: the names of every field sent, so that an attribute no service defines is refused."""
    data, category = _ticket_input(db, form, fields)
    try:
        ticket = tickets.report(db, principal, data)
    except Invalid as exc:
        raise _in_open311_terms(exc.errors) from None
    return GeoReportRequestCreated(
        service_request_id=str(ticket.id), service_notice=_notice(ticket, category, ""), account_id=None
    )


# --- reading ---------------------------------------------------------------------------------


def _notice(ticket: Ticket, category: TicketCategory | None, agency: str) -> str:
    """What the reporter may expect next."""
    if ticket.status is TicketStatus.reported:
        days = category.default_days if category else 10
        return f"已受理登记，等待招商局交办；交办后默认 {days} 个工作日内办结（节假日顺延）"
    if ticket.status is TicketStatus.resolved:
        return "已办结，待报告单位记录客商评价后关闭"
    if ticket.status is TicketStatus.closed:
        return "已关闭" + (f"；客商评价：{ticket.verdict.label}" if ticket.verdict else "")
    due = f"限 {ticket.due_on.isoformat()} 前办结（工作日计算）" if ticket.due_on else "办理中"
    paused = "；暂停计时中" if ticket.status is TicketStatus.paused else ""
    return f"{agency or '办理单位'}{due}{paused}"


def service_requests(
    db: Session,
    principal: Principal,
    rows: Sequence[Ticket],
    views: Mapping[int, projects.ProjectView] | None = None,
) -> list[GeoReportServiceRequest]:
    """Tickets as Open311 service requests, with every text as the principal may see it; a few queries
    whatever the number of tickets."""
    categories = {c.id: c for c in db.execute(select(TicketCategory)).scalars()}
    unit_ids = sorted({t.handling_unit_id for t in rows if t.handling_unit_id})
    agencies: dict[int, str] = {}
    if unit_ids:
        agencies = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all())
    notes = tickets.latest_notes(db, [t.id for t in rows])
    if views is None:
        views = tickets.project_views(db, principal, rows)
    result = []
    for ticket in rows:
        shown = views.get(ticket.id)

        def redact(text: str, shown: projects.ProjectView | None = shown) -> str | None:
            return (shown.redact(text) if shown is not None else text) or None

        category = categories.get(ticket.category_id)
        agency = agencies.get(ticket.handling_unit_id, "") if ticket.handling_unit_id else ""
        note = notes.get(ticket.id, "")
        text = ticket.description
        if ticket.title and not text.startswith(ticket.title):
            text = f"{ticket.title}\n{text}"
        result.append(
            GeoReportServiceRequest(
                service_request_id=str(ticket.id),
                status="closed" if ticket.status is TicketStatus.closed else "open",
                status_notes=redact((ticket.status.label + (f"：{note}" if note else ""))[:500]),
                service_name=category.name if category else "",
                service_code=category.code if category else "",
                description=redact(text),
                agency_responsible=agency or None,
                service_notice=_notice(ticket, category, agency),
                requested_datetime=_w3(ticket.created_at),
                updated_datetime=_w3(ticket.updated_at),
                expected_datetime=datetime.combine(ticket.due_on, time(18, 0), tzinfo=TZ) if ticket.due_on else None,
                address=redact(ticket.address),
                address_id=ticket.address_id or None,
                zipcode=None,
                lat=float(ticket.latitude) if ticket.latitude is not None else None,
                long=float(ticket.longitude) if ticket.longitude is not None else None,
                media_url=redact(ticket.media_url),
            )
        )
    return result


def one(db: Session, principal: Principal, service_request_id: int) -> list[GeoReportServiceRequest]:
    """GET requests/{id}: the ticket under the tickets' own rule (another unit's ticket is not found)."""
    return service_requests(db, principal, [tickets.get(db, principal, service_request_id)])


def _moment(text: str, field: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise Invalid({field: "时间格式应为 ISO 8601（W3C），如 2026-01-01T00:00:00+08:00"}) from None
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=TZ)).astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid({field: "时间超出可用范围"}) from None


def _listed(text: str, field: str, allowed: set[str] | None = None) -> list[str]:
    values = list(dict.fromkeys(v.strip() for v in text.split(",") if v.strip()))
    if allowed is not None and (wrong := [v for v in values if v not in allowed]):
        raise Invalid({field: f"不支持的取值：{'、'.join(wrong[:5])}（可用：{'、'.join(sorted(allowed))}）"})
    return values


def search(
    db: Session,
    principal: Principal,
    *,
    service_request_id: str = "",
    service_code: str = "",
    start_date: str = "",
    end_date: str = "",
    status: str = "",
    now: datetime | None = None,
) -> list[GeoReportServiceRequest]:
    """GET requests. The tickets the principal may list (its unit's, or all for a reader of everything),
    at most 1000. service_request_id (comma-delimited) overrides every other argument; otherwise the
    span of requested_datetime is at most 90 days, the last 90 days when neither end is given."""
    f = tickets.TicketFilter(box="all")
    ids = _listed(service_request_id, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise Invalid({"service_request_id": f"一次最多查询 {MAX_IDS} 个"})
        f.ids = frozenset(int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 11)
        if not f.ids:
            return []
    else:
        statuses = set(_listed(status, "status", {"open", "closed"}))
        f.box = statuses.pop() if len(statuses) == 1 else "all"
        codes = _listed(service_code, "service_code")
        if codes:
            f.category_ids = frozenset(c.id for c in tickets.categories(db) if c.code in codes)
            if not f.category_ids:
                return []
        start, end = _moment(start_date, "start_date"), _moment(end_date, "end_date")
        if start is None and end is None:
            end = now or datetime.now(UTC)
        if start is None:
            assert end is not None
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
        if end < start:
            raise Invalid({"end_date": "end_date 不能早于 start_date"})
        if end - start > WINDOW:
            raise Invalid({"end_date": "start_date 与 end_date 相隔不能超过 90 天"})
        f.created_from, f.created_to = start, end
    rows, _ = tickets.list_tickets(db, principal, f, limit=MAX_REQUESTS)
    found = [row["ticket"] for row in rows]
    views = {row["ticket"].id: row["project"] for row in rows if row["project"] is not None}
    return service_requests(db, principal, found, views)


def request_id(text: str) -> int:
    """The service_request_id of a path: a ticket number, or a ticket that does not exist."""
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 10 and int(text) <= 2_147_483_647):
        raise NotFound("找不到该问题")
    return int(text)


def token(text: str) -> NoReturn:
    """GET tokens/{token}: this endpoint answers every request with its service_request_id at once
    (type realtime) and issues no tokens, so no token exists."""
    raise NotFound("token 不存在：本接口实时受理（type=realtime），提交即返回 service_request_id，不签发 token")
