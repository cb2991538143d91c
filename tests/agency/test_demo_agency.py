"""The demo county shows the 代办 window: a 代办员 of the 代办窗口 carrying a few signed projects, their approvals in
one queue with an overdue one first and hand-overs recorded, the departments' view of them without the investor's
contact, and granted approvals in the service report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.investor import Investor
from app.models.project import Project
from app.models.user import User
from app.services import agency, approval_service_report, demo, demo_agency, workdays
from tests.people.factories import as_user


def test_the_demo_agent_has_a_queue_with_an_overdue_approval_first(db: Session) -> None:
    demo.load(db)
    agent = db.execute(select(User).where(User.username == demo_agency.AGENT[0])).scalar_one()
    rows, total = agency.agent_queue(db, as_user(agent), limit=50)
    assert total >= 8 and rows[0].overdue
    assert any(r.last_handover for r in rows) and any(r.overdue_documents for r in rows)
    department = db.execute(select(User).where(User.username == "fgj_sun")).scalar_one()
    seen, count = agency.department_queue(db, as_user(department), limit=50)
    assert count >= 1 and all(r.agent_name == demo_agency.AGENT[1] for r in seen if r.project_id in
                              {x.project_id for x in rows})  # fmt: skip
    phones = {
        p for p, in db.execute(
            select(Investor.contact_phone).join(Project, Project.investor_id == Investor.id)
            .where(Project.id.in_({r.project_id for r in seen}))
        ) if p
    }  # fmt: skip
    assert phones and not any(p in repr(r) for r in seen for p in phones)
    report = approval_service_report.report(db, workdays.today().year)
    assert report.total.granted >= 1 or workdays.today().month <= 3  # early in a year the grants are last year's
    assert report.total.open_overdue >= 1
    assert demo_agency.load(db) is False  # loading again adds nothing
