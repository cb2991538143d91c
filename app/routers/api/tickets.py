"""Tickets over the API, shaped after Open311 GeoReport v2, for the 12345 hotline and service centres."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.models.ticket import Priority, Ticket, TicketCategory, TicketStatus
from app.models.unit import Unit
from app.principal import Principal
from app.routing import IndexedRouter, reads_only
from app.schemas.changes import UpdatedSince, aware
from app.schemas.common import InputModel, Moment
from app.schemas.tickets import TicketAction, TicketCreate, TicketRoute
from app.services import projects, tickets, workdays

router = IndexedRouter(prefix="/tickets", tags=["跟踪服务问题（Open311）"])
TZ = ZoneInfo("Asia/Shanghai")
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


class Service(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_code": "land",
                    "service_name": "征地拆迁",
                    "description": "征地拆迁",
                    "metadata": False,
                    "type": "realtime",
                    "keywords": "",
                    "group": "跟踪服务",
                    "default_working_days": 15,
                }
            ]
        }
    )

    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: str = "realtime"
    keywords: str = ""
    group: str = "跟踪服务"
    default_working_days: int


class ServiceRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_request_id": "386",
                    "status": "open",
                    "status_notes": "县自然资源局已受理，正在协调补偿标准",
                    "service_name": "征地拆迁",
                    "service_code": "land",
                    "description": "二期 18 亩用地中两户对补偿标准有异议，影响场地平整，请协调",
                    "agency_responsible": "县自然资源局",
                    "service_notice": "",
                    "requested_datetime": "2026-11-26T09:15:00+08:00",
                    "updated_datetime": "2026-11-27T14:40:00+08:00",
                    "expected_datetime": "2026-12-10T18:00:00+08:00",
                    "address": "县工业园区东区 3 号地块",
                    "lat": 36.061255,
                    "long": 103.834303,
                    "media_url": "",
                    "detailed_status": "in_progress",
                    "light": "green",
                    "escalation_level": 0,
                    "project_id": 1207,
                    "handling_unit_id": 12,
                    "version": 4,
                }
            ]
        }
    )

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str = Field(description="最近一次处理说明")
    service_name: str
    service_code: str
    description: str
    agency_responsible: str = Field(description="牵头办理单位")
    service_notice: str = ""
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None = Field(description="限期办结的时间（工作日计算，当日 18:00）")
    address: str = ""
    lat: float | None = None
    long: float | None = None
    media_url: str = ""
    detailed_status: TicketStatus
    light: Literal["green", "yellow", "red", "grey"]
    escalation_level: int
    project_id: int | None
    handling_unit_id: int | None = Field(default=None, description="牵头办理单位的 id")
    version: int = Field(description="版本号：交办和处理动作须带上，过期返回 409")


class RequestCreated(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None = None


class NewServiceRequest(InputModel):
    """Checked again as a ticket (TicketCreate): a refusal there is a 422 too (app.main model_error)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_code": "land",
                    "description": "二期 18 亩用地中两户对补偿标准有异议，影响场地平整，请协调",
                    "title": "二期用地征收有两户未签协议",
                    "project_id": 1207,
                    "priority": "urgent",
                    "reporter_label": "县 12345 政务服务便民热线",
                }
            ]
        }
    )

    service_code: str = Field(min_length=1, max_length=30, description="问题类别代码（见 /services）")
    description: str = Field(min_length=2, max_length=4000)
    title: str = Field(default="", max_length=200)
    project_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    investor_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    priority: Priority = Priority.normal
    reporter_label: str = Field(default="", max_length=100, description="代表客商报告问题的系统，如 12345 热线")


@dataclass
class _Context:
    """What every service request in an answer needs, read once (not once per ticket)."""

    today: date
    calendar: workdays.Calendar
    soon: int
    categories: dict[int, TicketCategory]
    handlers: dict[int, str]
    notes: dict[int, str]
    views: dict[int, projects.ProjectView]  # what the principal may see of each ticket's project

    def redact(self, ticket: Ticket, text: str) -> str:
        shown = self.views.get(ticket.id)
        return shown.redact(text) if shown is not None else text


def _context(db: Session, principal: Principal, rows: Sequence[Ticket]) -> _Context:
    unit_ids = sorted({t.handling_unit_id for t in rows if t.handling_unit_id})
    handlers: dict[int, str] = {}
    if unit_ids:
        handlers = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all())
    return _Context(
        today=workdays.today(),
        calendar=workdays.load_calendar(db),
        soon=tickets.due_soon_days(db),
        categories={c.id: c for c in db.execute(select(TicketCategory)).scalars()},
        handlers=handlers,
        notes=tickets.latest_notes(db, [t.id for t in rows]),
        views=tickets.project_views(db, principal, rows),
    )


def _service_request(ticket: Ticket, ctx: _Context) -> ServiceRequest:
    """One ticket as an Open311 service request."""
    category = ctx.categories.get(ticket.category_id)
    expected = datetime.combine(ticket.due_on, time(18, 0), tzinfo=TZ) if ticket.due_on else None
    light = workdays.light(
        ctx.today, ticket.due_on, ctx.calendar, paused=ticket.status not in tickets.CLOCK_STATUSES, soon=ctx.soon
    )
    return ServiceRequest(
        service_request_id=str(ticket.id),
        status="closed" if ticket.status is TicketStatus.closed else "open",
        status_notes=ctx.redact(ticket, ctx.notes.get(ticket.id, ""))[:500],
        service_name=category.name if category else "",
        service_code=category.code if category else "",
        description=ctx.redact(ticket, ticket.description),
        agency_responsible=ctx.handlers.get(ticket.handling_unit_id, "") if ticket.handling_unit_id else "",
        requested_datetime=ticket.created_at,
        updated_datetime=ticket.updated_at,
        expected_datetime=expected,
        address=ctx.redact(ticket, ticket.address),
        lat=float(ticket.latitude) if ticket.latitude is not None else None,
        long=float(ticket.longitude) if ticket.longitude is not None else None,
        media_url=ctx.redact(ticket, ticket.media_url),
        detailed_status=ticket.status,
        escalation_level=ticket.escalation_level,
        project_id=ticket.project_id,
        light=light,
        handling_unit_id=ticket.handling_unit_id,
        version=ticket.version,
    )


@router.get("/services", summary="服务类别（问题类别及默认限期）")
def services(principal: ApiPrincipal, db: DbSession) -> list[Service]:
    return [
        Service(service_code=c.code, service_name=c.name, description=c.name, default_working_days=c.default_days)
        for c in tickets.categories(db)
    ]


@router.get("/requests", summary="问题列表（本单位报告或办理的；只读令牌见全部）")
@reads_only
def list_requests(
    principal: ApiPrincipal,
    db: DbSession,
    service_request_id: Annotated[str, Query(max_length=500, pattern=r"^[0-9,]*$")] = "",
    service_code: Annotated[str, Query(max_length=30)] = "",
    status: Literal["open", "closed", ""] = "",
    start_date: Moment | None = None,
    end_date: Moment | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    updated_since: UpdatedSince = None,
) -> list[ServiceRequest]:
    today = workdays.today()
    box = {"open": "open", "closed": "closed"}.get(status, "all")
    category_id = None
    if service_code:
        match = [c.id for c in tickets.categories(db) if c.code == service_code]
        if not match:
            return []
        category_id = match[0]
    wanted = frozenset(int(x) for x in service_request_id.split(",") if x.strip().isdigit() and len(x) < 11)
    if service_request_id.strip(",") and not wanted:
        return []
    # every filter goes into the query, so that limit and offset page through the matching tickets
    f = tickets.TicketFilter(
        box=box,
        category_id=category_id,
        ids=wanted,
        created_from=_aware(start_date) if start_date else None,
        created_to=_aware(end_date) if end_date else None,
        updated_since=aware(updated_since),
    )
    rows, _ = tickets.list_tickets(db, principal, f, limit=limit, offset=offset, today=today)
    found = [row["ticket"] for row in rows]
    ctx = _context(db, principal, found)
    return [_service_request(ticket, ctx) for ticket in found]


@router.get("/requests/{request_id}", summary="单个问题（Open311 以数组返回）")
@reads_only
def get_request(request_id: IdPath, principal: ApiPrincipal, db: DbSession) -> list[ServiceRequest]:
    ticket = tickets.get(db, principal, request_id)
    return [_service_request(ticket, _context(db, principal, [ticket]))]


@router.post(
    "/requests",
    status_code=201,
    summary="报告问题（单位令牌；可代表客商；可带 Idempotency-Key）",
    responses={201: {"model": list[RequestCreated]}},
)
def create_request(body: NewServiceRequest, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency) -> Response:
    category = next((c for c in tickets.categories(db) if c.code == body.service_code), None)
    if category is None:
        from app.errors import Invalid

        raise Invalid({"service_code": "未知的问题类别代码"})
    ticket = tickets.report(
        db,
        principal,
        TicketCreate(
            project_id=body.project_id,
            investor_id=body.investor_id,
            category_id=category.id,
            title=body.title or body.description[:40],
            description=body.description,
            priority=body.priority,
            reporter_label=body.reporter_label,
        ),
    )
    payload = [
        RequestCreated(
            service_request_id=str(ticket.id),
            service_notice=f"已受理登记，等待交办（默认限期 {category.default_days} 个工作日）",
        )
    ]
    return guard.finish(JSONResponse([p.model_dump() for p in payload], status_code=201))


@router.post(
    "/requests/{request_id}/route",
    response_model=ServiceRequest,
    summary="交办：牵头办理单位、协办单位、限期（工作日，默认按类别）（招商局或项目挂钩领导；可带 Idempotency-Key）",
)
def route(
    request_id: IdPath, body: TicketRoute, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    ticket = tickets.route(db, principal, request_id, body)
    data = _service_request(ticket, _context(db, principal, [ticket]))
    return guard.finish(JSONResponse(data.model_dump(mode="json"), status_code=200))


@router.post(
    "/requests/{request_id}/actions", summary="处理动作：受理、办理情况、退回、暂停/恢复计时、办结、评价关闭、重新办理"
)
def act(
    request_id: IdPath, body: TicketAction, principal: ApiPrincipal, db: DbSession, guard: ApiIdempotency
) -> Response:
    ticket = tickets.act(db, principal, request_id, body)
    db.flush()
    data = _service_request(ticket, _context(db, principal, [ticket]))
    return guard.finish(JSONResponse(data.model_dump(mode="json"), status_code=200))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)
