"""The demo county shows approvals after signing: the catalogue's departments named, the signed projects'
approvals generated, two running in parallel (one with a 容缺 document) and one overdue."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services import approvals, demo, demo_approvals
from tests.people.factories import coordinator


def test_the_demo_has_parallel_deferred_and_overdue_approvals(db: Session) -> None:
    demo.load(db)
    rows, total = approvals.list_page(db, coordinator(), approvals.ApprovalFilter(), limit=500)
    assert total >= 8
    overdue, _ = approvals.list_page(db, coordinator(), approvals.ApprovalFilter(overdue=True))
    # 能评 at 发改局 (this module's); the 代办 window's demo (demo_agency) shows overdue ones of its own
    assert ("能评", "青山县发展和改革局") in {(r.kind_name, r.department_name) for r in overdue}
    submitted = [r for r in rows if r.approval.status.value == "submitted" and r.kind_name in ("环评", "安评")]
    by_project: dict[int, list] = {}
    for r in submitted:  # the 代办 window's demo (demo_agency) has approvals in hand of its own
        by_project.setdefault(r.approval.project_id, []).append(r)
    assert any(
        len(pair) == 2 and {r.step for r in pair} == {2} and any(r.deferred for r in pair)
        for pair in by_project.values()
    )
    assert demo_approvals.load(db) is False  # loading again adds nothing
