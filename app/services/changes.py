"""The change feed (变更订阅): what changed, in commit order, for another system to stay in sync.

Built on the audit trail, not on a table of its own: every create, update and delete of an audited row
is already an entry there (app.services.audit), with the table, the row's id, the action and the time,
written in the same transaction as the change.

The cursor is the entry's `seq`, and it is stable. `seq` is given under the chain's lock (PostgreSQL:
an advisory transaction lock; SQLite: the one writer), which the writer holds until its transaction
ends, and the head it continues from is read after the lock is granted. So a transaction that takes
seq N commits (or rolls back, and N is given again) before any other can take N + 1: the entries any
reader can see are always 1 … head with no gap, and an entry can never appear later below a seq a
reader has already passed. No safety window is needed, and none is used. (An id from a sequence would
not do: ids are taken at INSERT and committed in any order.)

Each page is two statements: the chain's head (and the pruning anchor), then the page's entries with
`seq <= head`. The head is read first, so an entry committed between the two is left for the next
page instead of being passed over by `next`. The visibility rules are conditions of the page's
statement, so a page holds `limit` entries the reader may see; the statement looks at no more than
SCAN_WINDOW entries after the cursor, so a unit's token walking a busy trail gets an empty page with
`has_more` and a later cursor, never a long statement.

Who sees an entry: whoever may read the record now (app.policy, app.services.projects' rules):
- a project, its funds and progress updates: its introducing and responsible units; read-all tokens
  and roles;
- a lead: its unit (read-all: every lead), except the lead of a confidential project whose identity
  the reader does not see (projects.lead_visible), which is refused as missing everywhere;
- an investor: everyone who can open it in the catalogue (projects.investor_visible);
- a ticket: its reporting, handling and sharing units; read-all tokens and roles;
- a unit's sections, cadres (干部) and target splits (目标分解): whoever reads the unit's people
  (app.services.people: read-all tokens and roles, the unit's token, its head); a staff member their own
  cadre and its splits;
- who worked a record (cadre_credit): whoever reads the record: a lead's unit, a project's units (a visit's
  project), an activity's unit; read-all tokens and roles.
A deleted row is judged by what its delete entry recorded of it (its units, its project). A unit that
could read a project, lead or ticket until a change gave it to another unit (a new responsible or
handling unit) is shown that change as `out_of_scope`: only the id it already knew, so that it can
drop its copy. An entry carries ids and metadata only, never a field's value: a confidential
project's name, investor or contacts cannot appear in it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from app.errors import DomainError, Invalid
from app.models.audit import AuditAnchor, AuditEntry
from app.models.lead import Lead
from app.models.people import Cadre, CadreCredit, Section, TargetSplit
from app.models.performance import PromotionEvent, Reception, TradeEntry, Trip
from app.models.project import FundsArrival, ProgressUpdate, Project
from app.models.ticket import Ticket, TicketUnit
from app.principal import Principal
from app.services import people, projects

ENTITIES: dict[str, str] = {
    "project": "项目",
    "lead": "线索",
    "investor": "客商",
    "ticket": "跟踪服务问题",
    "funds_arrival": "到位资金",
    "progress_update": "进度更新",
    "section": "科室",
    "cadre": "人员",
    "target_split": "目标分解",
    "cadre_credit": "经办人员及份额",
}
"""The tables the feed reports (the audit trail's entity names), with what each is called."""

ACTIONS = {"create": "created", "update": "updated", "delete": "deleted"}
OUT_OF_SCOPE = "out_of_scope"
ACTION_LABELS = {"created": "新建", "updated": "修改", "deleted": "删除", OUT_OF_SCOPE: "移出本令牌的可见范围"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SCAN_WINDOW = 5000
"""Entries one page's statement looks at, at most, after its cursor."""

_CHILDREN: dict[str, Any] = {"funds_arrival": FundsArrival, "progress_update": ProgressUpdate}


class CursorExpired(DomainError):
    status_code = 410
    code = "cursor_expired"
    message = "游标已失效，请重新全量同步后，从本接口返回的 latest 继续"


# --- the cursor ----------------------------------------------------------------------------------


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"c{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor of ours stands for; anything else is refused (422)."""
    why = "游标无效：请原样传回上一页返回的 next（或 latest）"
    problem = Invalid({"after": why}, why)
    text = cursor.strip()
    if not text or len(text) > 40:
        raise problem
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise problem from None
    digits = raw[1:]
    if not raw.startswith("c") or not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise problem
    if encode_cursor(int(digits)) != text:  # one spelling per position (no leading zeros, no padding)
        raise problem
    return int(digits)


# --- what an entry is about, as SQL over the audit entry ---------------------------------------------

_E = AuditEntry
_IN_FEED = and_(_E.entity.in_(ENTITIES), _E.action.in_(ACTIONS))
# the row's id: only cast where the entity is one of ours (other tables' ids are not all numbers, and
# PostgreSQL would refuse to cast them; a CASE is evaluated in order)
_ROW_ID = case((_IN_FEED, cast(_E.entity_id, Integer)))


def _recorded(column: str, index: int) -> ColumnElement[Any]:
    """A value the entry recorded of the row: index 0 before the change, 1 after (see audit._column_changes)."""
    return _E.changes[(column, index)].as_integer()


def _last_known(column: str) -> ColumnElement[Any]:
    """The value as the entry last knew it: after a create, before a delete."""
    return func.coalesce(_recorded(column, 1), _recorded(column, 0))


def _project_of(entity: str) -> ColumnElement[Any]:
    """The project an entry about a project, a funds entry or a progress update is about."""
    if entity == "project":
        return _ROW_ID
    model = _CHILDREN[entity]
    current = select(model.project_id).where(model.id == _ROW_ID).correlate(_E).scalar_subquery()
    return func.coalesce(current, _last_known("project_id"))  # a deleted row: the project it recorded


def _project_of_entry() -> ColumnElement[Any]:
    """The project of a funds entry's or a progress update's entry (None for other entities)."""
    return case(*((_E.entity == entity, _project_of(entity)) for entity in _CHILDREN))


def _deleted_owned_by(unit_id: int, *columns: str) -> ColumnElement[bool]:
    return and_(_E.action == "delete", or_(*(_recorded(c, 0) == unit_id for c in columns)))


def _was_owned_by(unit_id: int, *columns: str) -> ColumnElement[bool]:
    return and_(_E.action == "update", or_(*(_recorded(c, 0) == unit_id for c in columns)))


@dataclass(frozen=True)
class _Rules:
    """Per entity: may the principal read the record now, and (units only) did this change take it away."""

    readable: dict[str, ColumnElement[bool] | None]  # None: every record of the entity
    taken_away: dict[str, ColumnElement[bool]]


def _current_or_recorded(model: Any, column: str) -> ColumnElement[Any]:
    """A column of the entry's row as it is now, or, the row deleted, as its last entry recorded it."""
    current = select(getattr(model, column)).where(model.id == _ROW_ID).correlate(_E).scalar_subquery()
    return func.coalesce(current, _last_known(column))


_ACTIVITIES: dict[str, Any] = {
    "trip_id": Trip,
    "reception_id": Reception,
    "event_id": PromotionEvent,
    "trade_entry_id": TradeEntry,
}


def _people_rules(principal: Principal, unit: int, unit_people: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A unit's reader: its sections, cadres and splits when it reads the unit's people (its token, its head),
    else its own cadre and that cadre's splits; who worked the records the unit reads."""
    own = principal.user_id if principal.user_id is not None else -1
    own_cadre = select(Cadre.id).where(Cadre.user_id == own).scalar_subquery()
    cadre_unit = _current_or_recorded(Cadre, "unit_id")
    if unit_people:
        readable: dict[str, Any] = {
            "section": _current_or_recorded(Section, "unit_id") == unit,
            "cadre": cadre_unit == unit,
            "target_split": _current_or_recorded(TargetSplit, "unit_id") == unit,
        }
    else:
        readable = {
            "section": false(),
            "cadre": own_cadre == _ROW_ID,
            "target_split": _current_or_recorded(TargetSplit, "cadre_id") == own_cadre,
        }

    def record(column: str) -> ColumnElement[Any]:
        return _current_or_recorded(CadreCredit, column)

    project_owned = or_(Project.responsible_unit_id == unit, Project.introducing_unit_id == unit)
    credit = or_(
        exists().where(Lead.id == record("lead_id"), Lead.unit_id == unit, projects.lead_visible(principal, Lead.id)),
        exists().where(Project.id == record("project_id"), project_owned),
        exists().where(
            ProgressUpdate.id == record("progress_update_id"), Project.id == ProgressUpdate.project_id, project_owned
        ),
        *(exists().where(m.id == record(c), m.unit_id == unit) for c, m in _ACTIVITIES.items()),
    )
    readable["cadre_credit"] = credit
    taken_away = {"cadre": _was_owned_by(unit, "unit_id")} if unit_people else {}
    return readable, taken_away


def _rules(principal: Principal, unit_people: bool = False) -> _Rules:
    every_identity = projects.sees_every_identity(principal)
    lead_shown = None if every_identity else projects.lead_visible(principal, _ROW_ID)
    investor_shown = None if every_identity else projects.investor_visible(principal, _ROW_ID)
    if principal.reads_everything:
        readable: dict[str, ColumnElement[bool] | None] = dict.fromkeys(ENTITIES)
        readable["lead"] = lead_shown
        readable["investor"] = investor_shown
        return _Rules(readable, {})
    unit = principal.unit_id
    if unit is None:  # no unit and no read-all: nothing (a principal of this shape does not exist today)
        return _Rules(dict.fromkeys(ENTITIES, false()), {})

    def project_owned(entity: str) -> ColumnElement[bool]:
        return exists().where(
            Project.id == _project_of(entity),
            or_(Project.responsible_unit_id == unit, Project.introducing_unit_id == unit),
        )

    project_units = ("responsible_unit_id", "introducing_unit_id")
    ticket_units = ("reporter_unit_id", "handling_unit_id")
    ticket_owned = exists().where(
        Ticket.id == _ROW_ID,
        or_(
            Ticket.reporter_unit_id == unit,
            Ticket.handling_unit_id == unit,
            exists().where(TicketUnit.ticket_id == Ticket.id, TicketUnit.unit_id == unit),
        ),
    )
    people_readable, people_taken_away = _people_rules(principal, unit, unit_people)
    readable = {
        **people_readable,
        "project": or_(project_owned("project"), _deleted_owned_by(unit, *project_units)),
        "funds_arrival": project_owned("funds_arrival"),
        "progress_update": project_owned("progress_update"),
        "lead": and_(
            or_(exists().where(Lead.id == _ROW_ID, Lead.unit_id == unit), _deleted_owned_by(unit, "unit_id")),
            true() if lead_shown is None else lead_shown,
        ),
        "investor": investor_shown,
        "ticket": or_(ticket_owned, _deleted_owned_by(unit, *ticket_units)),
    }
    taken_away = {
        **people_taken_away,
        "project": _was_owned_by(unit, *project_units),
        "lead": _was_owned_by(unit, "unit_id"),
        "ticket": _was_owned_by(unit, *ticket_units),
    }
    return _Rules(readable, taken_away)


def _per_entity(conditions: Mapping[str, ColumnElement[bool] | None]) -> ColumnElement[bool] | None:
    """One condition for the entry: its entity's (false for an entity not named; None: always true)."""
    if set(conditions) == set(ENTITIES) and all(c is None for c in conditions.values()):
        return None
    if not conditions:
        return false()
    return or_(
        *(_E.entity == entity if c is None else and_(_E.entity == entity, c) for entity, c in conditions.items())
    )


# --- the feed ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    id: int
    action: str
    at: datetime
    version: int | None
    project_id: int | None


@dataclass(frozen=True)
class ChangePage:
    items: list[Change]
    next: str
    has_more: bool
    latest: str


_HEAD = select(
    select(func.max(AuditEntry.seq)).scalar_subquery(),
    select(func.max(AuditAnchor.seq)).scalar_subquery(),
)


def feed(
    db: Session,
    principal: Principal,
    after: str | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    entities: Sequence[str] = (),
) -> ChangePage:
    """The changes after the cursor `after` (None: from the oldest kept), oldest first, that the
    principal may see; `entities` narrows them to some tables."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid({"limit": f"每页条数应为 1 至 {MAX_LIMIT}"}, f"每页条数应为 1 至 {MAX_LIMIT}")
    unknown = [e for e in entities if e not in ENTITIES]
    if unknown:
        raise Invalid({"entity": f"未知的记录类型：{unknown[0]}"}, f"未知的记录类型：{unknown[0]}")
    start = decode_cursor(after) if after is not None else None
    head, anchor = db.execute(_HEAD).one()
    head = head if head is not None else (anchor or 0)
    if start is None:
        start = anchor or 0
    elif anchor is not None and start < anchor:
        raise CursorExpired("游标所指的变更已超过保留期被清理，请重新全量同步后，从本接口返回的 latest 继续")
    elif start > head:
        raise CursorExpired("游标超出当前的变更记录（数据可能已从备份恢复），请重新全量同步后，从 latest 继续")
    bound = min(head, start + SCAN_WINDOW)
    unit_people = principal.unit_id is not None and people.can_read_unit_people(db, principal, principal.unit_id)
    rules = _rules(principal, unit_people)
    readable = _per_entity(rules.readable)
    stmt = select(
        _E.seq,
        _E.entity,
        _ROW_ID.label("row_id"),
        _E.action,
        _E.at,
        _recorded("version", 1).label("version"),
        _project_of_entry().label("project_id"),
    ).where(_E.seq > start, _E.seq <= bound, _E.entity.in_(list(entities) or ENTITIES), _E.action.in_(ACTIONS))
    if rules.taken_away:  # a unit: also the changes that gave its records to another unit, marked as such
        taken_away = _per_entity(rules.taken_away)
        assert readable is not None and taken_away is not None
        stmt = stmt.add_columns(readable.label("readable")).where(or_(readable, taken_away))
    elif readable is not None:
        stmt = stmt.where(readable)
    rows = db.execute(stmt.order_by(_E.seq).limit(limit + 1)).all()
    full = len(rows) > limit
    rows = rows[:limit]
    items = []
    for r in rows:
        shown = not rules.taken_away or bool(r.readable)
        items.append(
            Change(
                seq=r.seq,
                entity=r.entity,
                id=int(r.row_id),
                action=ACTIONS[r.action] if shown else OUT_OF_SCOPE,
                at=r.at,
                version=r.version if shown else None,
                project_id=r.project_id if shown else None,
            )
        )
    end = rows[-1].seq if full else bound
    return ChangePage(items=items, next=encode_cursor(end), has_more=full or end < head, latest=encode_cursor(head))
