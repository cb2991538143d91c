"""The project list page's rows (the coordinator's list, a unit's, and the search by part of a name):
what `projects.list_projects` gives the pages, by statements built once per filter shape.

The filter's conditions, the unit scope and the confidentiality rule are the project service's own
(`projects._filter_values`, `projects._shaped_conditions`, `projects.view`), as for the API's list
(`projects.api_page`): the same SQL as `list_projects` with the names the page shows, its values
bound as parameters instead of written into a statement built per request, and the rows read as
plain rows (no ORM row processing), named tuples (`plain`)."""

from __future__ import annotations

from collections import namedtuple
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Result, Select, bindparam, select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.investor import Investor
from app.models.project import Project
from app.models.unit import Unit
from app.principal import Principal
from app.services import projects, workdays

_T = Project.__table__.c
# a list row: the project's list columns and open anomalies (projects.LIST_ROW's), then the names the
# page shows (the investor's, its type, the responsible unit's), as `projects._filtered` reads them
_ROW = (
    *(_T[name] for name in projects.LIST_COLUMNS),
    projects.LIST_ROW.exprs[-1],  # the open anomalies' count
    Investor.__table__.c.name.label("investor_name"),
    Investor.__table__.c.investor_type,
    Unit.__table__.c.name.label("unit_name"),
)
_INVESTOR_NAME = len(projects.ROW_KEYS)
"""Where a row holds the investor's name; its type and the unit's name are next."""


@lru_cache(maxsize=64)
def _row_type(keys: tuple[str, ...]) -> Any:
    return namedtuple("PlainRow", keys)


def plain(result: Result[Any]) -> list[Any]:
    """A result's rows as named tuples. A page reads each of its rows' columns by name many times
    (the warnings, the confidentiality rule, the template): on a named tuple that costs a
    twentieth of what it costs on SQLAlchemy's Row (about 0.1 against 1.8 µs), for about 1.5 µs
    per row to build it (45 columns)."""
    make = _row_type(tuple(result.keys()))._make
    return [make(row) for row in result]


@lru_cache(maxsize=512)
def _page(shape: projects.Shape, sort: str) -> Select[Any]:
    """The page of a filter shape, with parameters for its values, `limit` and `offset`: built once
    per shape. Without a warning to filter on, it also reads the thresholds (its last two columns)."""
    where, _ = projects._shaped_conditions(shape, bindparam)
    thresholds = () if shape[1] else projects._THRESHOLD_COLUMNS
    return (
        select(*_ROW, *thresholds)
        .select_from(Project.__table__)
        .join(Investor.__table__, Investor.id == _T.investor_id)
        .join(Unit.__table__, Unit.id == _T.responsible_unit_id)
        .where(*where)
        .order_by(projects.SORTS[sort], _T.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def list_page(
    db: Session, principal: Principal, f: projects.ProjectFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """`projects.list_projects(db, principal, f, limit=limit, offset=offset)`: a page of the projects
    the filter finds, each as `projects._row` gives it (the project's columns as one plain row), and
    their total."""
    if f.sort not in projects.SORTS:
        raise Invalid({"sort": "未知的排序方式"})
    today = workdays.today()
    t = projects.thresholds(db, today) if f.flag else None  # a warning's condition needs them first
    shape, values = projects._filter_values(principal, f, t, projects._is_sqlite(db))
    connection = db.connection()
    rows = plain(connection.execute(_page(shape, f.sort), {**values, "limit": limit, "offset": offset}))
    if t is None:  # read with the rows
        t = projects.Thresholds(today, *(int(Decimal(v)) for v in rows[0][-2:])) if rows else projects.Thresholds(today)
    if offset == 0 and len(rows) < limit:
        total = len(rows)  # the whole result is on this page: no count needed
    else:
        _, count = projects._api_statements(shape, f.sort)  # the count of the same conditions
        total = connection.execute(count, values).scalar_one()
    result = []
    flags, view, days_in_stage, today = projects.flags, projects.view, projects.days_in_stage, t.today
    for row in rows:
        shown = view(principal, row)
        result.append(
            {
                "project": row,
                "name": shown.name,
                "investor_name": shown.reveal(row[_INVESTOR_NAME]),
                "investor_type": row[_INVESTOR_NAME + 1],
                "unit_name": row[_INVESTOR_NAME + 2],
                "flags": flags(row, t),
                "days_in_stage": days_in_stage(row, today),
            }
        )
    return result, total
