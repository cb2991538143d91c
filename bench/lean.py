"""The lean reference: the API's project by id and its filtered list, with no framework.

    .venv/bin/python -m bench.lean --database-url postgresql://postgres@127.0.0.1/zs_bench --workers 2
    .venv/bin/uvicorn bench.lean:app --workers 2 --port 8124      # LEAN_DATABASE_URL=… in the environment

What `bench/run.py` measures the project against: the same two answers computed the shortest way
this stack allows (a raw ASGI callable under the same uvicorn, psycopg 3's async connections,
prepared statements, orjson), so that the ratio project / lean says how much the framework, the
ORM and the project's own layers cost, on the same machine in the same run. PostgreSQL only (the
benchmark runs on PostgreSQL): the SQL below is PostgreSQL's.

It answers exactly these, as the API does (tests/core/test_lean_reference.py compares the two,
status and body, byte for byte, for a set of ids, filters and tokens):

- GET /api/v1/projects/{id} and GET /api/v1/projects (every filter of the API's list: unit,
  stage, status, category, sector, industry, chain, size band, investor type, warning, anomaly,
  date range, name search, sort, updated_since; limit 1–200, offset; the total counted only when
  the page is full or not the first, as app.services.projects.list_projects does);
- authentication by the SHA-256 of the bearer secret (app.deps.token_principal): unknown, expired
  and revoked tokens 401; a token without the "read" scope 403 scope_missing; the token's role as
  the principal's (a reader reads everything as a leader, but sees no confidential identity);
- visibility (app.policy, app.services.projects.can_read): another unit's project 404 as if
  missing, lists restricted to the unit of a unit's token;
- confidentiality (app.services.projects.view): a confidential project's name shown as
  "【保密】" + its code name, its investor and lead withheld, for those who may not see it;
- the warnings (flags) with the thresholds read from the settings, and the open anomaly flags;
- the same field order and formatting (dates ISO, decimals as strings as stored), the same error
  bodies for the validation errors of these parameters;
- the same per-request writes: a refused read of another unit's project and a missing scope are
  appended to the audit chain (app.main._record_denial, same entry, same hash chain, one round
  trip as app.services.audit._write_in_one_go), and a token's last use is stamped after a
  successful answer at most once a minute (app.services.auth.authenticate_token);
- the request id (X-Request-ID) and the security headers on every answer.

Not mirrored: X-Forwarded-For (the address is the socket's), HEAD and other methods (405),
and rarely typed forms of parameters that pydantic also accepts (a Unix time as a date, "1.0" as
an integer), which this answers 422.

Where it saves work, the project could too: no joins the answer does not read (the list joins
investor and unit for pages that show their names), the warnings and the masking computed by
PostgreSQL in the statement, numbers as text (no Decimal), one statement per answer plus the
count, no transaction (autocommit: each statement reads one snapshot, as under READ COMMITTED).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import orjson
import psycopg
from psycopg import pq
from psycopg import sql as pg_sql
from psycopg.types.json import set_json_loads

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.middleware import CSP, request_ids

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

COUNTY_TZ = ZoneInfo("Asia/Shanghai")
TOUCH_INTERVAL = timedelta(seconds=60)
MAX_ID = 2_147_483_647
HIDDEN_PREFIX = "【保密】"
PREFIX = "/api/v1/projects"

SECURITY_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

# --- the answers' shape ------------------------------------------------------------------------

# ProjectRead's fields in order (app/schemas/projects.py), up to and with `flags`; then
# open_anomalies, anomalies and version
HEAD_KEYS = (
    "id", "name", "is_confidential", "kind", "lead_id", "investor_id", "stage", "status", "stage_since",
    "signed_on", "started_on", "completed_on", "production_on", "planned_investment", "contract_investment",
    "size_band", "sector", "category", "industry", "industry_chain", "zone_unit_id", "introducing_unit_id",
    "responsible_unit_id", "start_by", "production_by", "investment_completed", "funds_confirmed",
    "funds_confirmed_usd", "funds_pending", "last_progress_on", "flags",
)  # fmt: skip
INTRODUCING, RESPONSIBLE = HEAD_KEYS.index("introducing_unit_id"), HEAD_KEYS.index("responsible_unit_id")
NO_ANOMALIES: list[Any] = []

# The same rules as app.services.projects.flags / flag_condition, for a row `p` and the thresholds `t`.
FLAG_CONDITIONS = {
    "not_started": "p.status = 'active' AND p.signed_on IS NOT NULL AND p.started_on IS NULL"
    " AND p.start_by IS NOT NULL AND p.start_by < t.today",
    "stalled": "p.status = 'active' AND p.stage IN ('signed', 'landed', 'started', 'completed')"
    " AND coalesce(p.last_progress_on, p.stage_since) < t.stalled_before",
    "land_idle": "p.land_granted_on IS NOT NULL AND p.started_on IS NULL AND p.status <> 'terminated'"
    " AND (p.land_granted_on < t.land_idle_before OR (p.start_by IS NOT NULL AND p.start_by < t.today))",
    "below_intensity": "p.completed_on IS NOT NULL AND p.intensity_commitment IS NOT NULL AND p.land_area_mu > 0"
    " AND p.investment_completed < p.intensity_commitment * p.land_area_mu",
    "funds_before_signing": "p.first_funds_on IS NOT NULL AND (p.signed_on IS NULL OR p.first_funds_on < p.signed_on)",
    "funds_over_contract": "p.contract_investment > 0 AND p.funds_confirmed > p.contract_investment",
    "completed_fell": "p.completed_fell",
    "per_mu_d": "p.per_mu_grade = 'D'",  # the firm's grade in the latest published per-mu evaluation
}
FLAGS_COLUMN = (
    "array_remove(ARRAY["
    + ", ".join(f"CASE WHEN {condition} THEN '{flag}' END" for flag, condition in FLAG_CONDITIONS.items())
    + "], NULL)"
)
# the thresholds (app.services.projects.Thresholds) from the settings, their defaults when unset
THRESHOLDS = (
    "(SELECT %(today)s::date AS today,"
    " %(today)s::date - trunc(coalesce((SELECT value FROM app_setting WHERE key = 'stalled_days'), '60')::numeric)::int"
    " AS stalled_before,"
    " %(today)s::date - trunc(coalesce((SELECT value FROM app_setting WHERE key = 'land_idle_days'), '365')::numeric)"
    "::int AS land_idle_before) AS t"
)
# app.services.projects.sees_identity, for a principal who does not see every identity
IDENTITY_VISIBLE = (
    "(p.is_confidential IS false OR p.responsible_unit_id = %(unit)s OR p.introducing_unit_id = %(unit)s)"
)


def _columns(visible: str) -> str:
    """HEAD_KEYS as columns: the identity masked unless `visible`, numbers as stored (text)."""
    masked = {
        "name": f"CASE WHEN {visible} THEN p.name ELSE '{HIDDEN_PREFIX}' || p.code_name END",
        "lead_id": f"CASE WHEN {visible} THEN p.lead_id END",
        "investor_id": f"CASE WHEN {visible} THEN p.investor_id END",
        "flags": FLAGS_COLUMN,
    }
    money = {"planned_investment", "contract_investment", "investment_completed", "funds_confirmed"}
    money |= {"funds_confirmed_usd", "funds_pending"}
    return ", ".join(masked.get(k) or (f"p.{k}::text" if k in money else f"p.{k}") for k in HEAD_KEYS)


OPEN_ANOMALY_COUNT = "(SELECT count(*) FROM project_anomaly a WHERE a.project_id = p.id AND a.cleared_at IS NULL)"
# AnomalyRead's fields in order; only open ones (cleared_at NULL), newest first (stage_gate.list_for)
OPEN_ANOMALIES = (
    "(SELECT coalesce(json_agg(json_build_object('id', a.id, 'project_id', a.project_id, 'kind', a.kind,"
    " 'detail', a.detail, 'raised_on', a.raised_on, 'stage_event_id', a.stage_event_id, 'cleared_at', a.cleared_at,"
    " 'clear_reason', a.clear_reason, 'version', a.version) ORDER BY a.id DESC), '[]')"
    " FROM project_anomaly a WHERE a.project_id = p.id AND a.cleared_at IS NULL)"
)


def _by_id(visible: str) -> str:
    return f"SELECT {_columns(visible)}, {OPEN_ANOMALIES}, p.version FROM project p, {THRESHOLDS} WHERE p.id = %(id)s"


BY_ID = {True: _by_id("true"), False: _by_id(IDENTITY_VISIBLE)}  # by whether the principal sees every identity

TOKEN = (
    "SELECT id, name, unit_id, read_only, role, scopes, expires_at, last_used_at, revoked_at"
    " FROM api_token WHERE token_hash = %s"
)
TOUCH = (
    "UPDATE api_token SET last_used_at = %(now)s, last_used_addr = %(addr)s"
    " WHERE id = %(id)s AND (last_used_at IS NULL OR last_used_at < %(before)s)"
)

# --- the audit chain (app.services.audit: the same entry, hash and single round trip) -----------

GENESIS_HASH = "0" * 64
AUDIT_LOCK = "SELECT pg_advisory_xact_lock(7262001)"
AUDIT_HEAD = (
    "SELECT seq, hash FROM ("
    "(SELECT seq, hash, 1 AS p FROM audit_entry ORDER BY seq DESC LIMIT 1)"
    " UNION ALL (SELECT seq, hash, 2 FROM audit_anchor ORDER BY id DESC LIMIT 1)"
    f" UNION ALL SELECT 0, '{GENESIS_HASH}', 3"
    ") AS head ORDER BY p LIMIT 1"
)
AUDIT_APPEND = pg_sql.SQL(
    "INSERT INTO audit_entry (seq, at, actor_user_id, actor_token_id, actor_label, unit_id, request_id, client_addr,"
    " action, entity, entity_id, changes, reason, prev_hash, hash)"
    " SELECT h.seq + 1, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}::json, {}, h.hash,"
    " encode(sha256(convert_to({} || h.hash || {} || (h.seq + 1)::text || {}, 'UTF8')), 'hex')"
    f" FROM ({AUDIT_HEAD}) AS h"
)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def audit_statement(conn: psycopg.AsyncConnection[Any], entry: dict[str, Any]) -> str:
    """The lock and the INSERT of one entry as one simple query (app.services.audit.canonical_parts
    and _write_in_one_go): the server puts it at the chain's head and computes its hash."""
    fields = {k: entry[k] for k in ("action", "actor_label", "actor_token_id", "actor_user_id", "changes")}
    fields |= {k: entry[k] for k in ("client_addr", "entity", "entity_id")}
    fields["at"] = entry["at"].isoformat()
    before = _canonical(fields)[:-1] + ',"prev_hash":"'
    between = f'","reason":{_canonical(entry["reason"])},"request_id":{_canonical(entry["request_id"])},"seq":'
    after = f',"unit_id":{_canonical(entry["unit_id"])}}}'
    values = (
        *(entry[k] for k in ("at", "actor_user_id", "actor_token_id", "actor_label", "unit_id", "request_id")),
        *(entry[k] for k in ("client_addr", "action", "entity", "entity_id")),
        json.dumps(entry["changes"]),
        entry["reason"],
        before,
        between,
        after,
    )
    return AUDIT_LOCK + ";\n" + AUDIT_APPEND.format(*map(pg_sql.Literal, values)).as_string(conn)


# --- answers -------------------------------------------------------------------------------------


class Answer(Exception):
    """An answer other than 200, as the API gives it."""

    def __init__(self, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or []


def refused(message: str) -> Answer:
    return Answer(401, {"code": "unauthenticated", "message": message}, [(b"www-authenticate", b"Bearer")])


def invalid(errors: list[tuple[str, str]]) -> Answer:
    """FastAPI's request validation error as app.main renders it (first message per field)."""
    first: dict[str, str] = {}
    for name, message in errors:
        first.setdefault(name, message)
    name, message = next(iter(first.items()))
    details = [{"field": k, "message": v} for k, v in first.items()]
    return Answer(422, {"code": "validation_error", "message": f"{name}：{message}", "field": name, "details": details})


class Principal:
    """What app.deps.token_principal makes of a token, reduced to what these reads ask."""

    __slots__ = ("id", "label", "read_only", "reads_everything", "sees_every_identity", "unit_id")

    def __init__(self, token: tuple[Any, ...]) -> None:
        self.id, name, self.unit_id, self.read_only, role = token[:5]
        role = {"unit_staff": "unit_staff", "coordinator": "coordinator", "reader": "leader"}[role]
        self.label = f"令牌:{name}"
        self.reads_everything = role in ("coordinator", "leader") or (self.read_only and self.unit_id is None)
        # the coordinator (not read-only); a reader token reads as a leader but is no person
        self.sees_every_identity = role == "coordinator" and not self.read_only


# --- the list's parameters (app/routers/api/projects.py list_projects) ---------------------------

ENUMS = {
    "stage": frozenset(
        ["packaged", "negotiating", "intent", "signed", "landed", "started", "completed", "production", "full_capacity"]
    ),
    "status": frozenset({"active", "paused", "terminated"}),
    "category": frozenset(
        ["industrial", "agriculture", "culture_tourism", "infrastructure_social", "clean_energy", "commerce_services"]
    ),
    "sector": frozenset({"primary", "secondary", "tertiary"}),
    "size_band": frozenset(["below_300", "from_300", "from_500", "from_1000", "from_5000", "from_1yi", "from_10yi"]),
    "investor_type": frozenset(["central_soe", "top500", "listed", "private", "foreign", "hmt", "individual"]),
}
SORTS = {
    "updated": "p.updated_at DESC",
    "name": "p.name ASC",
    "stage": "p.stage DESC",
    "contract": "p.contract_investment DESC",
    "signed": "p.signed_on DESC",
    "stage_age": "p.stage_since ASC",
    "funds": "p.funds_confirmed DESC",
}
DATE_FIELDS = ("signed_on", "started_on", "production_on", "stage_since")
TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
INTEGER = re.compile(r"\s*[+-]?\d+\s*")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ENUM_MESSAGE = "请选择有效的选项"
DATE_MESSAGE = "日期格式应为 YYYY-MM-DD"
MOMENT_MESSAGE = "时间格式应为 ISO 8601，如 2026-12-01T08:00:00+08:00"


def _integer(name: str, raw: str, low: int, high: int, errors: list[tuple[str, str]]) -> int | None:
    if not INTEGER.fullmatch(raw):
        errors.append((name, "请输入整数"))
        return None
    value = int(raw)
    if value < low:
        errors.append((name, f"不能小于 {low}"))
    elif value > high:
        errors.append((name, f"不能大于 {high}"))
    return value


def _like(text: str) -> str:
    """`%text%` for LIKE … ESCAPE '/' (SQLAlchemy's contains(autoescape=True))."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


class ListQuery:
    """The list's parameters, validated in the API's order, and its SQL."""

    def __init__(self, query_string: bytes, principal: Principal) -> None:
        params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))  # the last value wins
        errors: list[tuple[str, str]] = []
        get = params.get
        self.limit = _integer("limit", get("limit", "50"), 1, 200, errors)
        self.offset = _integer("offset", get("offset", "0"), 0, 10_000_000, errors)
        unit_id = get("unit_id")
        self.unit_id = None if unit_id is None else _integer("unit_id", unit_id, 1, MAX_ID, errors)
        chosen: dict[str, str] = {}
        for name in ("stage", "status", "category", "sector", "industry", "industry_chain", "size_band"):
            value = get(name)
            if value is None:
                continue
            if name in ENUMS and value not in ENUMS[name]:
                errors.append((name, ENUM_MESSAGE))
            elif name not in ENUMS and len(value) > 60:
                errors.append((name, "不能超过 60 个字符"))
            chosen[name] = value
        investor_type = get("investor_type")
        if investor_type is not None and investor_type not in ENUMS["investor_type"]:
            errors.append(("investor_type", ENUM_MESSAGE))
        flag = get("flag", "")
        if len(flag) > 30:
            errors.append(("flag", "不能超过 30 个字符"))
        anomaly = get("anomaly", "false").strip().lower()
        if anomaly not in TRUE and anomaly not in FALSE:
            errors.append(("anomaly", "请选择是或否"))
        date_field = get("date_field", "signed_on")
        if date_field not in DATE_FIELDS:
            errors.append(("date_field", "格式不正确"))
        bounds = [_date(name, get(name), errors) for name in ("date_from", "date_to")]
        q = get("q", "")
        if len(q) > 100:
            errors.append(("q", "不能超过 100 个字符"))
        sort = get("sort", "updated")
        if sort not in SORTS:
            errors.append(("sort", "格式不正确"))
        since = _moment(get("updated_since"), errors)
        if errors:
            raise invalid(errors)
        if flag and flag not in FLAG_CONDITIONS:  # the service's own check, after the parameters'
            detail = [{"field": "flag", "message": "未知的预警类型"}]
            body = {"code": "validation_error", "message": "提交的内容有误，请检查标红的字段", "field": "flag"}
            raise Answer(422, {**body, "details": detail})

        where: list[str] = []
        values: dict[str, Any] = {"today": datetime.now(COUNTY_TZ).date(), "unit": principal.unit_id}
        scope = None if principal.reads_everything else principal.unit_id
        if scope is not None:
            where.append("(p.responsible_unit_id = %(scope)s OR p.introducing_unit_id = %(scope)s)")
            values["scope"] = scope
        if self.unit_id:
            where.append("(p.responsible_unit_id = %(unit_id)s OR p.introducing_unit_id = %(unit_id)s)")
            values["unit_id"] = self.unit_id
        plain = True  # no LIKE: a prepared statement's generic plan serves every value
        for name, value in chosen.items():
            if not value:
                continue
            if name in ENUMS:
                where.append(f"p.{name} = %({name})s")
                values[name] = value
            else:
                where.append(f"p.{name} LIKE %({name})s ESCAPE '/'")
                values[name] = _like(value)
                plain = False
        join = ""
        if investor_type:
            join = " JOIN investor i ON i.id = p.investor_id"
            where.append("i.investor_type = %(investor_type)s")
            values["investor_type"] = investor_type
        if flag:
            where.append(f"({FLAG_CONDITIONS[flag]})")
        if anomaly in TRUE:
            where.append("p.id IN (SELECT project_id FROM project_anomaly WHERE cleared_at IS NULL)")
        if bounds[0]:
            where.append(f"p.{date_field} >= %(date_from)s")
            values["date_from"] = bounds[0]
        if bounds[1]:
            where.append(f"p.{date_field} <= %(date_to)s")
            values["date_to"] = bounds[1]
        if q:
            where.append(f"p.id IN ({_name_matches(principal)})")
            values["q"] = _like(q)
            plain = False
        if since is not None:
            where.append("p.updated_at >= %(since)s")
            values["since"] = since
        condition = (" WHERE " + " AND ".join(where)) if where else ""
        visible = "true" if principal.sees_every_identity else IDENTITY_VISIBLE
        self.rows_sql = (
            f"SELECT {_columns(visible)}, {OPEN_ANOMALY_COUNT}, p.version FROM project p{join}, {THRESHOLDS}"
            f"{condition} ORDER BY {SORTS[sort]}, p.id DESC LIMIT %(limit)s OFFSET %(offset)s"
        )
        counted = f", {THRESHOLDS}" if flag else ""
        self.count_sql = f"SELECT count(*) FROM project p{join}{counted}{condition}"
        self.values = {**values, "limit": self.limit, "offset": self.offset}
        self.plain = plain


def _date(name: str, raw: str | None, errors: list[tuple[str, str]]) -> date | None:
    if raw is None:
        return None
    try:
        if ISO_DATE.fullmatch(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    errors.append((name, DATE_MESSAGE))
    return None


def _moment(raw: str | None, errors: list[tuple[str, str]]) -> datetime | None:
    """updated_since: ISO 8601; without a zone the county's time (app.schemas.changes.aware)."""
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=COUNTY_TZ)
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        errors.append(("updated_since", MOMENT_MESSAGE))
        return None
    return moment


def _name_matches(principal: Principal) -> str:
    """app.services.projects._name_matches: a UNION of one query per column (each its trigram index)."""
    by_name = "SELECT p2.id FROM project p2 WHERE p2.name LIKE %(q)s ESCAPE '/'"
    by_investor = (
        "SELECT p2.id FROM project p2 JOIN investor i2 ON i2.id = p2.investor_id WHERE i2.name LIKE %(q)s ESCAPE '/'"
    )
    if principal.sees_every_identity:
        return f"{by_name} UNION {by_investor}"
    visible = IDENTITY_VISIBLE.replace("p.", "p2.")
    by_code = "SELECT p2.id FROM project p2 WHERE p2.code_name LIKE %(q)s ESCAPE '/'"
    return f"{by_name} AND {visible} UNION {by_investor} AND {visible} UNION {by_code}"


# --- connections -----------------------------------------------------------------------------------


class Pool:
    """A few connections per process (psycopg_pool is not installed): autocommit, every statement
    prepared on its first use (prepare_threshold=0) unless told otherwise. A connection left in a
    transaction or broken is closed and replaced."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn, self.size = dsn, size
        self.loop: asyncio.AbstractEventLoop | None = None
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        self.opened = 0
        self._replacing: asyncio.Future[None] | None = None

    async def _open(self) -> psycopg.AsyncConnection[Any]:
        self.opened += 1
        try:
            conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, prepare_threshold=0)
        except BaseException:
            self.opened -= 1
            raise
        set_json_loads(orjson.loads, conn)
        return conn

    async def _replace(self) -> None:
        with contextlib.suppress(psycopg.Error, OSError):
            self.idle.put_nowait(await self._open())

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # a test drives each app in an event loop of its own
            self.loop, self.idle, self.opened = loop, asyncio.Queue(), 0
        if not self.idle.empty():
            conn = self.idle.get_nowait()
        elif self.opened < self.size:
            conn = await self._open()
        else:
            conn = await asyncio.wait_for(self.idle.get(), 30)
        healthy = False
        try:
            yield conn
            healthy = conn.info.transaction_status == pq.TransactionStatus.IDLE
        finally:
            if healthy:
                self.idle.put_nowait(conn)
            else:
                self.opened -= 1
                await conn.close()
                self._replacing = asyncio.ensure_future(self._replace())

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()
        self.opened = 0


# --- the application -----------------------------------------------------------------------------


class LeanApp:
    def __init__(self, dsn: str | None = None, pool_size: int | None = None) -> None:
        self._dsn = dsn
        self._pool_size = pool_size
        self._pool: Pool | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            dsn = self._dsn or os.environ.get("LEAN_DATABASE_URL") or os.environ["DATABASE_URL"]
            size = self._pool_size or int(os.environ.get("LEAN_POOL_SIZE", "4"))
            self._pool = Pool(dsn.replace("postgresql+psycopg://", "postgresql://"), size)
        return self._pool

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        recorded, echoed = request_ids(headers.get(b"x-request-id", b"").decode("latin-1"))
        extra: list[tuple[bytes, bytes]] = []
        try:
            status, body = 200, await self.route(scope, headers, recorded)
        except Answer as answer:
            status, body, extra = answer.status, orjson.dumps(answer.body), answer.headers
        except (psycopg.OperationalError, TimeoutError):
            status, body = 503, orjson.dumps({"code": "busy", "message": "系统繁忙，请稍后重试"})
        response_headers = [
            *SECURITY_HEADERS,
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", echoed.encode()),
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    async def route(self, scope: Scope, headers: dict[bytes, bytes], request_id: str) -> bytes:
        path: str = scope["path"]
        if path == "/healthz":
            return b'{"status":"ok"}'
        if path == PREFIX:
            project_id = None
        elif path.startswith(PREFIX + "/") and "/" not in path[len(PREFIX) + 1 :] and path != PREFIX + "/":
            project_id = path[len(PREFIX) + 1 :]
        else:
            raise Answer(404, {"code": "not_found", "message": "找不到该页面"})
        if scope["method"] != "GET":
            raise Answer(405, {"code": "method_not_allowed", "message": "不支持该请求方法"}, [(b"allow", b"GET")])
        client = scope.get("client")
        addr = client[0] if client else ""
        async with self.pool.connection() as conn:
            principal, token = await self.authenticate(conn, headers, path, request_id, addr)
            if project_id is None:
                body = await self.project_list(conn, scope["query_string"], principal)
            else:
                body = await self.by_id(conn, project_id, principal, path, request_id, addr)
            if token[7] is None or datetime.now(UTC) - token[7] > TOUCH_INTERVAL:
                now = datetime.now(UTC)
                touch = {"now": now, "addr": addr[:64], "id": token[0], "before": now - TOUCH_INTERVAL}
                await conn.execute(TOUCH, touch)
        return body

    async def authenticate(
        self, conn: psycopg.AsyncConnection[Any], headers: dict[bytes, bytes], path: str, request_id: str, addr: str
    ) -> tuple[Principal, tuple[Any, ...]]:
        scheme, _, raw = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        raw = raw.strip()
        if scheme.lower() != "bearer" or not raw:
            raise refused("缺少或无效的访问令牌（Authorization: Bearer …）")
        if len(raw) > 200:
            raise refused("访问令牌无效、已过期或已被吊销")
        digest = hashlib.sha256(raw.encode()).hexdigest()
        token = await (await conn.execute(TOKEN, (digest,))).fetchone()
        now = datetime.now(UTC)
        if token is None or token[8] is not None or (token[6] and token[6] <= now):
            raise refused("访问令牌无效、已过期或已被吊销")
        principal = Principal(token)
        if "read" not in token[5].split():
            await self.deny(conn, principal, request_id, addr, path, "scope_missing")
            raise Answer(403, {"code": "scope_missing", "message": "令牌没有“读取”的权限（scope: read）"})
        return principal, token

    async def deny(
        self, conn: psycopg.AsyncConnection[Any], principal: Principal, request_id: str, addr: str, path: str, code: str
    ) -> None:
        """A refused read, appended to the audit chain (app.main._record_denial)."""
        entry = {
            "at": datetime.now(UTC),
            "actor_user_id": None,
            "actor_token_id": principal.id,
            "actor_label": principal.label[:100],
            "unit_id": principal.unit_id,
            "request_id": request_id[:64],
            "client_addr": addr[:64],
            "action": "permission_denied",
            "entity": "request",
            "entity_id": "GET",
            "changes": {"path": path[:200], "code": code},
            "reason": "",
        }
        await conn.execute(audit_statement(conn, entry), prepare=False)

    async def by_id(
        self,
        conn: psycopg.AsyncConnection[Any],
        raw: str,
        principal: Principal,
        path: str,
        request_id: str,
        addr: str,
    ) -> bytes:
        errors: list[tuple[str, str]] = []
        project_id = _integer("project_id", raw, 1, MAX_ID, errors)
        if errors:
            raise invalid(errors)
        values = {"id": project_id, "today": datetime.now(COUNTY_TZ).date(), "unit": principal.unit_id}
        row = await (await conn.execute(BY_ID[principal.sees_every_identity], values)).fetchone()
        if row is None:
            raise Answer(404, {"code": "not_found", "message": "找不到该项目"})
        if not principal.reads_everything and principal.unit_id not in (row[INTRODUCING], row[RESPONSIBLE]):
            await self.deny(conn, principal, request_id, addr, path, "not_found")
            raise Answer(404, {"code": "not_found", "message": "找不到该记录，或您无权查看"})
        project = dict(zip(HEAD_KEYS, row, strict=False))
        anomalies = row[-2]
        project["open_anomalies"] = len(anomalies)
        project["anomalies"] = anomalies
        project["version"] = row[-1]
        return orjson.dumps(project)

    async def project_list(
        self, conn: psycopg.AsyncConnection[Any], query_string: bytes, principal: Principal
    ) -> bytes:
        query = ListQuery(query_string, principal)
        prepare = None if query.plain else False
        rows = await (await conn.execute(query.rows_sql, query.values, prepare=prepare)).fetchall()
        items = []
        for row in rows:
            item = dict(zip(HEAD_KEYS, row, strict=False))
            item["open_anomalies"] = row[-2]
            item["anomalies"] = NO_ANOMALIES
            item["version"] = row[-1]
            items.append(item)
        if query.offset == 0 and len(rows) < (query.limit or 0):
            total = len(rows)  # the whole result is on this page
        else:
            counted = await (await conn.execute(query.count_sql, query.values, prepare=prepare)).fetchone()
            total = counted[0] if counted else 0
        return orjson.dumps({"items": items, "total": total, "limit": query.limit, "offset": query.offset})


app = LeanApp()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("LEAN_DATABASE_URL") or os.environ.get("DATABASE_URL"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8124)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=4, help="connections per worker")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url or LEAN_DATABASE_URL is needed")
    os.environ["LEAN_DATABASE_URL"] = args.database_url
    os.environ["LEAN_POOL_SIZE"] = str(args.pool_size)
    import uvicorn

    uvicorn.run(
        "bench.lean:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
