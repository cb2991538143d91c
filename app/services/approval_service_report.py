"""Service quality of the approvals (代办服务质量): time from submission (受理) to grant (办结) per approval kind and
per department.

For the approvals granted in the period (a year, or a quarter of it; by `granted_on`) that have a submission
date: the count; the working days from `submitted_on` to `granted_on` (app.services.workdays: the submission day
not counted, the grant day counted; holidays off, make-up workdays on) as average and median (one decimal,
half up) and the longest; granted on time (`granted_on` on or before `due_on`) and its rate (% of the count,
one decimal, half up). Beside them, as of today: the open overdue count (submitted, `due_on` before today),
whatever the period. Nothing here names a project, so every signed-in principal may read it."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.errors import Invalid
from app.models.approval import ApprovalKind, ApprovalStatus, ProjectApproval
from app.models.unit import Unit
from app.services import workdays

NO_DEPARTMENT = "未指定部门"
TENTH = Decimal("0.1")


def period(year: int, quarter: int | None) -> tuple[date, date]:
    if not 2000 <= year <= 2100:
        raise Invalid({"year": "年份须在 2000–2100 之间"})
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31)
    if quarter not in (1, 2, 3, 4):
        raise Invalid({"quarter": "季度须为 1–4"})
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Line:
    key_id: int | None
    name: str
    days: list[int] = field(default_factory=list)
    on_time: int = 0
    open_overdue: int = 0

    @property
    def granted(self) -> int:
        return len(self.days)

    @property
    def average_days(self) -> Decimal | None:
        return _tenth(Decimal(sum(self.days)) / len(self.days)) if self.days else None

    @property
    def median_days(self) -> Decimal | None:
        return _tenth(Decimal(str(statistics.median(self.days)))) if self.days else None

    @property
    def longest_days(self) -> int | None:
        return max(self.days) if self.days else None

    @property
    def on_time_rate(self) -> Decimal | None:
        return _tenth(Decimal(self.on_time * 100) / len(self.days)) if self.days else None


@dataclass
class Report:
    year: int
    quarter: int | None
    start: date
    end: date
    by_kind: list[Line]
    by_department: list[Line]
    total: Line


def report(db: Session, year: int, quarter: int | None = None, today: date | None = None) -> Report:
    start, end = period(year, quarter)
    today = today or workdays.today()
    granted = and_(
        ProjectApproval.status == ApprovalStatus.granted,
        ProjectApproval.granted_on >= start,
        ProjectApproval.granted_on <= end,
        ProjectApproval.submitted_on.is_not(None),
    )
    overdue = and_(ProjectApproval.status == ApprovalStatus.submitted, ProjectApproval.due_on < today)
    rows = db.execute(
        select(
            ProjectApproval.kind_id,
            ApprovalKind.name.label("kind_name"),
            ApprovalKind.position,
            ProjectApproval.department_unit_id,
            Unit.name.label("department_name"),
            ProjectApproval.status,
            ProjectApproval.submitted_on,
            ProjectApproval.due_on,
            ProjectApproval.granted_on,
            granted.label("in_period"),
        )
        .join(ApprovalKind, ApprovalKind.id == ProjectApproval.kind_id)
        .outerjoin(Unit, Unit.id == ProjectApproval.department_unit_id)
        .where(granted | overdue)
        .order_by(ApprovalKind.position, ApprovalKind.id)
    ).all()
    calendar = workdays.load_calendar(db) if rows else {}
    kinds: dict[int, Line] = {}
    departments: dict[int | None, Line] = {}
    total = Line(None, "合计")
    for r in rows:
        lines = (
            kinds.setdefault(r.kind_id, Line(r.kind_id, r.kind_name)),
            departments.setdefault(
                r.department_unit_id, Line(r.department_unit_id, r.department_name or NO_DEPARTMENT)
            ),
            total,
        )
        if r.in_period:
            days = workdays.working_days_between(r.submitted_on, r.granted_on, calendar)
            on_time = r.due_on is not None and r.granted_on <= r.due_on
            for line in lines:
                line.days.append(days)
                line.on_time += on_time
        else:
            for line in lines:
                line.open_overdue += 1
    by_department = sorted(departments.values(), key=lambda line: (line.key_id is None, line.name))
    return Report(year, quarter, start, end, list(kinds.values()), by_department, total)


EXPORT_HEADERS = (
    "分组", "名称", "办结件数", "平均工作日", "中位工作日", "最长工作日", "按时办结", "按时率（%）", "在办超时",
)  # fmt: skip


def export_rows(r: Report) -> Iterable[list[Any]]:
    for group, lines in (("审批事项", r.by_kind), ("部门", r.by_department), ("合计", [r.total])):
        for line in lines:
            yield [
                group, line.name, line.granted, line.average_days, line.median_days, line.longest_days, line.on_time,
                line.on_time_rate, line.open_overdue,
            ]  # fmt: skip


# --- the dashboard's card ---------------------------------------------------------------------------


def card_columns(today: date) -> tuple[Any, ...]:
    """The dashboard card's counts as columns of the overview's one statement (app.services.home): the approvals
    granted this year (with a submission date), those granted on time, and today's open overdue ones."""
    granted = and_(
        ProjectApproval.status == ApprovalStatus.granted,
        ProjectApproval.granted_on >= date(today.year, 1, 1),
        ProjectApproval.granted_on <= today,
        ProjectApproval.submitted_on.is_not(None),
    )

    def counted(*conditions: Any) -> Any:
        return select(func.count()).select_from(ProjectApproval).where(*conditions).scalar_subquery()

    return (
        counted(granted).label("approvals_granted"),
        counted(granted, ProjectApproval.granted_on <= ProjectApproval.due_on).label("approvals_on_time"),
        counted(ProjectApproval.status == ApprovalStatus.submitted, ProjectApproval.due_on < today).label(
            "approvals_overdue"
        ),
    )


def card_from(figures: Any, today: date) -> dict[str, Any]:
    """The card (the year's on-time rate, today's overdue count) from a row holding `card_columns`."""
    count, on_time = int(figures["approvals_granted"] or 0), int(figures["approvals_on_time"] or 0)
    rate = _tenth(Decimal(on_time * 100) / count) if count else None
    overdue = int(figures["approvals_overdue"] or 0)
    return {"year": today.year, "granted": count, "on_time_rate": rate, "overdue": overdue}


def card(db: Session, today: date) -> dict[str, Any]:
    """The card on its own, in one statement."""
    return card_from(db.execute(select(*card_columns(today))).one()._mapping, today)
