"""Factories for supervised tasks (real rows, no mocks)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.models.task import SupervisedTask, TaskSourceKind, TaskStatus
from app.models.unit import Unit
from app.services import workdays

_counter = itertools.count(1)


def make_task(
    db: Session,
    unit: Unit,
    *,
    status: TaskStatus = TaskStatus.open,
    assigned_on: date | None = None,
    due_on: date | None = None,
    due_days: int = 10,
    **overrides: Any,
) -> SupervisedTask:
    """A task already in `status` (for lists and figures; the path itself goes through the service)."""
    n = next(_counter)
    assigned_on = assigned_on or workdays.today()
    values: dict[str, Any] = {
        "title": f"测试督办事项{n}",
        "content": "按调度会要求限期办结。",
        "source_kind": TaskSourceKind.meeting,
        "source_ref": f"测试调度会第 {n} 项",
        "owner_unit_id": unit.id,
        "assigned_on": assigned_on,
        "due_days": due_days,
        "due_on": due_on or assigned_on + timedelta(days=14),
        "status": status,
    }
    values.update(overrides)
    task = SupervisedTask(**values)
    db.add(task)
    db.flush()
    return task
