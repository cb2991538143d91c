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
    assert [r.kind_name for r in overdue] == ["能评"] and overdue[0].department_name == "青山县发展和改革局"
    submitted = [r for r in rows if r.approval.status.value == "submitted" and r.kind_name in ("环评", "安评")]
    assert len(submitted) == 2 and {r.step for r in submitted} == {2}
    assert any(r.deferred for r in submitted)
    assert demo_approvals.load(db) is False  # loading again adds nothing
