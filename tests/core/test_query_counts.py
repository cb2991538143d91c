"""Bounded queries: a list or page issues the same number of SQL statements however many rows it shows.

Each page is requested with a few rows and again with many more; the statement count must not grow
with the rows (no N+1). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models.award import Award, AwardStatus, PolicyKind, PolicyVersion, RecipientType
from app.models.investor import Investor, InvestorKind, InvestorType
from app.models.lead import Channel, Lead, LeadStatus
from app.models.project import FundsArrival, FundsSource, FundsStatus, ProgressUpdate, Project, Stage
from app.models.task import SupervisedTask, TaskSourceKind
from app.models.ticket import Ticket, TicketCategory, TicketStatus, TicketUnit
from app.models.unit import UnitKind
from app.models.user import Role
from app.services import workdays
from app.services.names import name_key
from tests.awards.factories import make_policy
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user


@contextmanager
def counting(connection: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = statement.lstrip().upper()
        if text.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            return
        if text.startswith("UPDATE USER_SESSION") or text.startswith("UPDATE API_TOKEN"):
            return  # last-seen bookkeeping, written at most once a minute: depends on the clock, not the rows
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def add_rows(db: Session, unit_id: int, other_unit_id: int, count: int, start: int) -> None:
    version = db.query(PolicyVersion).first()
    if version is None:
        version = _first_version(db, make_policy(db, PolicyKind.special, {}))
    category = db.query(TicketCategory).first()
    if category is None:
        category = TicketCategory(code="utilities", name="供水供电", default_days=10)
        db.add(category)
        db.flush()
    today = workdays.today()
    for i in range(start, start + count):
        investor = Investor(
            kind=InvestorKind.company,
            name=f"计数客商{i}有限公司",
            name_key=name_key(f"计数客商{i}"),
            investor_type=InvestorType.private,
        )
        db.add(investor)
        db.flush()
        lead = Lead(
            unit_id=unit_id,
            channel=Channel.online,
            investor_id=investor.id,
            lead_date=today,
            status=LeadStatus.valid,
            project_name=f"项目{i}",
            intended_investment=Decimal(1000),
        )
        db.add(lead)
        db.flush()
        project = Project(
            name=f"计数项目{i}",
            investor_id=investor.id,
            lead_id=lead.id,
            stage=Stage.started,
            stage_since=today,
            signed_on=today - timedelta(days=30),
            started_on=today,
            contract_investment=Decimal(2000),
            introducing_unit_id=unit_id,
            responsible_unit_id=unit_id,
            start_by=today - timedelta(days=1),
            last_progress_on=today,
        )
        db.add(project)
        db.flush()
        db.add(  # an award to the project's introducer, in its notice period: the recipient is shown per project
            Award(
                policy_version_id=version.id,
                project_id=project.id,
                applicant_unit_id=unit_id,
                recipient_type=RecipientType.introducer,
                recipient_name=f"引荐人{i}",
                budget_year=today.year,
                calculation="一事一议",
                amount=Decimal(1000),
                status=AwardStatus.notice,
                notice_from=today,
                notice_to=today + timedelta(days=7),
            )
        )
        db.add(
            FundsArrival(
                project_id=project.id,
                arrived_on=today,
                amount=Decimal(100),
                source=FundsSource.in_province,
                status=FundsStatus.pending,
            )
        )
        ticket = Ticket(
            project_id=project.id,
            category_id=category.id,
            title=f"问题{i}",
            description="需协调",
            reporter_unit_id=unit_id,
            status=TicketStatus.in_progress,
            handling_unit_id=other_unit_id,
            routed_on=today,
            due_on=today + timedelta(days=5),
        )
        db.add(ticket)
        db.flush()
        db.add(TicketUnit(ticket_id=ticket.id, unit_id=other_unit_id, is_lead=True))
        db.add(
            SupervisedTask(
                title=f"督办事项{i}",
                content="限期办结",
                source_kind=TaskSourceKind.ticket,
                source_id=ticket.id,
                owner_unit_id=unit_id,
                assigned_on=today,
                due_days=5,
                due_on=today - timedelta(days=i % 3),  # some overdue
            )
        )
    db.flush()


PAGES = {
    "unit": ["/", "/projects", "/leads", "/tickets?box=reported_by_me", "/investors", "/tasks"],
    "coordinator": [
        "/projects",
        "/projects?flag=not_started",
        "/leads",
        "/funds/pending",
        "/tickets?box=open",
        "/tasks",
        "/tasks?overdue=1&source_kind=ticket",
        "/admin/users",
        "/awards",
        "/awards/notice",
        "/audit",
        "/targets",
        "/rates",
        "/rates/projects?rate=start&side=above",
        "/rates/projects?rate=fulfilment&side=below",
        f"/metrics/records?code=valid_leads&start={workdays.today().year}-01-01&end={workdays.today()}",
        f"/metrics/records?code=new_starts&start={workdays.today().year}-01-01&end={workdays.today()}",
    ],
    "handler": ["/tickets?box=in_progress"],
}
API = [
    "/api/v1/projects?limit=200",
    "/api/v1/leads?limit=200",
    "/api/v1/investors?limit=200",
    "/api/v1/awards?limit=200",
    "/api/v1/tickets/requests?limit=200",
    "/api/v1/tasks?limit=200",
    "/open311/v2/requests.json",  # Open311 GeoReport v2, up to 1000 requests
    "/open311/v2/requests.xml",
    f"/api/v1/metrics/valid_leads/records?start={workdays.today().year}-01-01&end={workdays.today()}",
]


def _first_version(db: Session, policy: Any) -> PolicyVersion:
    return db.query(PolicyVersion).filter(PolicyVersion.policy_id == policy.id).one()


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    unit = make_unit(db, kind=UnitKind.town)
    handler_unit = make_unit(db, kind=UnitKind.department, tier=2)
    return {
        "unit": unit,
        "handler_unit": handler_unit,
        "staff": make_user(db, unit),
        "handler": make_user(db, handler_unit),
        "coordinator": make_user(db, make_unit(db, kind=UnitKind.department, tier=1), Role.coordinator),
        "token": make_token(db, unit, read_only=True),
    }


def _counts(client: Any, connection: Any, paths: list[str], headers: dict[str, str] | None = None) -> dict[str, int]:
    result = {}
    for path in paths:
        with counting(connection) as statements:
            response = client.get(path, headers=headers or {})
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        result[path] = len(statements)
    return result


def test_statement_count_does_not_grow_with_rows(client, db, connection, world):
    add_rows(db, world["unit"].id, world["handler_unit"].id, 3, 0)
    db.commit()
    sessions = {}
    for role in ("unit", "coordinator", "handler"):
        user = {"unit": world["staff"], "coordinator": world["coordinator"], "handler": world["handler"]}[role]
        client.cookies.clear()
        assert login(client, user.username, PASSWORD).status_code == 303
        sessions[role] = dict(client.cookies)
    few: dict[str, int] = {}
    for role, paths in PAGES.items():
        client.cookies.clear()
        client.cookies.update(sessions[role])
        few.update({f"{role} {p}": n for p, n in _counts(client, connection, paths).items()})
    client.cookies.clear()
    few.update(_counts(client, connection, API, bearer(world["token"])))

    add_rows(db, world["unit"].id, world["handler_unit"].id, 30, 100)
    db.commit()
    many: dict[str, int] = {}
    for role, paths in PAGES.items():
        client.cookies.clear()
        client.cookies.update(sessions[role])
        many.update({f"{role} {p}": n for p, n in _counts(client, connection, paths).items()})
    client.cookies.clear()
    many.update(_counts(client, connection, API, bearer(world["token"])))

    # one statement of slack: a list skips its count query while the page is not full
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _people_rows(db: Session, unit: Any, staff: Any, count: int, start: int) -> None:
    """Sections, cadres without accounts, and leads brought by the staff member (some shared with a cadre),
    each lead's project signed with confirmed funds: every list of the people pages grows."""
    from app.models.people import Cadre, CadreCredit, Section, SectionKind, TargetSplit
    from app.models.performance import Trip

    today = workdays.today()
    for i in range(start, start + count):
        section = Section(unit_id=unit.id, name=f"计数股{i}", kind=SectionKind.office)
        db.add(section)
        db.flush()
        cadre = Cadre(unit_id=unit.id, section_id=section.id, name=f"计数干部{i}")
        db.add(cadre)
        db.flush()
        db.add(TargetSplit(year=today.year, metric="valid_leads", unit_id=unit.id, cadre_id=cadre.id, amount=1))
        investor = Investor(
            kind=InvestorKind.company, name=f"台账客商{i}", name_key=f"tz{i}", investor_type=InvestorType.private
        )
        db.add(investor)
        db.flush()
        lead = Lead(unit_id=unit.id, channel=Channel.online, investor_id=investor.id, lead_date=today,
                    status=LeadStatus.valid, brought_by_id=staff.id, project_name=f"台账项目{i}")  # fmt: skip
        db.add(lead)
        db.flush()
        if i % 2:
            db.add_all([CadreCredit(lead_id=lead.id, cadre_id=cadre.id, share=50)])
            db.flush()
            db.add(CadreCredit(lead_id=lead.id, cadre_id=_cadre_of(db, staff).id, share=50))
        project = Project(name=f"台账项目{i}", investor_id=investor.id, lead_id=lead.id, stage=Stage.signed,
                          stage_since=today, signed_on=today, contract_investment=Decimal(500),
                          introducing_unit_id=unit.id, responsible_unit_id=unit.id)  # fmt: skip
        db.add(project)
        db.flush()
        db.add(FundsArrival(project_id=project.id, arrived_on=today, amount=Decimal(100),
                            source=FundsSource.in_province, status=FundsStatus.confirmed))  # fmt: skip
        # a visit and a trip of the unit, each shared by the cadre and the staff member
        visit = ProgressUpdate(project_id=project.id, reported_on=today, investment_completed=Decimal(1))
        trip = Trip(unit_id=unit.id, started_on=today, ended_on=today, destination=f"计数{i}", people="计数")
        db.add_all([visit, trip])
        db.flush()
        for record in ({"progress_update_id": visit.id}, {"trip_id": trip.id}):
            db.add_all([CadreCredit(cadre_id=cadre.id, share=50, **record),
                        CadreCredit(cadre_id=_cadre_of(db, staff).id, share=50, **record)])  # fmt: skip
    db.flush()


def _cadre_of(db: Session, user: Any) -> Any:
    from app.services import people

    return people.cadre_of_user(db, user)


def test_people_lists_do_not_grow_with_rows(client, db, connection, world):
    """The people pages and their API: a unit's people, everyone, a cadre's ledger (its leads and projects)."""
    unit, staff = world["unit"], world["staff"]
    cadre = _cadre_of(db, staff)
    reader = make_token(db, None, read_only=True)  # reads every unit
    _people_rows(db, unit, staff, 3, 0)
    db.commit()
    pages = [
        "/people",
        f"/units/{unit.id}/people",
        f"/people/{cadre.id}",
        "/rankings?dimension=person",
        "/rankings?dimension=section",
        "/rankings",
        "/activities",
    ]
    api = [
        "/api/v1/people?limit=200",
        f"/api/v1/units/{unit.id}/people?limit=200",
        f"/api/v1/units/{unit.id}/sections",
        f"/api/v1/people/{cadre.id}/ledger",
        f"/api/v1/targets/splits?unit_id={unit.id}",
        f"/api/v1/rankings?year={workdays.today().year}&dimension=person",
        f"/api/v1/rankings?year={workdays.today().year}&dimension=section",
        "/api/v1/activities?limit=200",
    ]
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _people_rows(db, unit, staff, 30, 100)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _team_rows(db: Session, team: Any, member: Any, count: int, start: int) -> None:
    """Teams, projects assigned to the first team (signed, started, with confirmed funds), the team's leads,
    and units with a letter for the year: every list of the teams and letters pages grows."""
    from app.models.team import TeamMember, TeamProject
    from tests.teams.factories import make_letter, make_team

    today = workdays.today()
    for i in range(start, start + count):
        make_team(db, members=(member,))
        investor = Investor(
            kind=InvestorKind.company, name=f"组客商{i}", name_key=f"zkes{i}", investor_type=InvestorType.private
        )
        db.add(investor)
        db.flush()
        db.add(Lead(unit_id=team.id, channel=Channel.online, investor_id=investor.id, lead_date=today,
                    status=LeadStatus.valid, project_name=f"组线索{i}"))  # fmt: skip
        project = Project(name=f"组项目{i}", investor_id=investor.id, stage=Stage.started, stage_since=today,
                          signed_on=today, started_on=today, contract_investment=Decimal(800),
                          introducing_unit_id=member.id, responsible_unit_id=member.id)  # fmt: skip
        db.add(project)
        db.flush()
        db.add(TeamProject(project_id=project.id, team_id=team.id))
        db.add(FundsArrival(project_id=project.id, arrived_on=today, amount=Decimal(100),
                            source=FundsSource.in_province, status=FundsStatus.confirmed))  # fmt: skip
        unit = make_unit(db, kind=UnitKind.town)
        db.add(TeamMember(team_id=team.id, unit_id=unit.id))
        make_letter(db, unit)
    db.flush()


def test_teams_and_letters_lists_do_not_grow_with_rows(client, db, connection, world):
    """The teams' ranking, a team's page (ledger, members, projects), the letters' list and one letter, and
    their API."""
    from tests.teams.factories import make_letter, make_team

    member = world["unit"]
    team = make_team(db, members=(member,), lead=member)
    letter = make_letter(db, member)
    reader = make_token(db, None, read_only=True)  # reads every unit
    _team_rows(db, team, member, 3, 0)
    db.commit()
    pages = ["/teams", f"/teams/{team.id}", "/letters", "/letters?state=issued", f"/letters/{letter.id}"]
    api = [
        "/api/v1/teams",
        f"/api/v1/teams/{team.id}",
        f"/api/v1/teams/{team.id}/ledger",
        f"/api/v1/teams/{team.id}/projects?limit=200",
        "/api/v1/letters?limit=200",
        f"/api/v1/letters/{letter.id}",
    ]
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _team_rows(db, team, member, 30, 100)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _assessed_units(db: Session, assessor: Any, count: int, start: int) -> None:
    """Towns with a target, a signed project, an overdue task, an assessor's scores and a bonus each."""
    from app.models.assessment import AdjustmentKind, AssessmentAdjustment, QualitativeScore
    from app.models.performance import Target

    today = workdays.today()
    for i in range(start, start + count):
        town = make_unit(db, kind=UnitKind.town, name=f"考核镇{i}")
        db.add(Target(year=today.year, metric="projects_introduced", unit_id=town.id, amount=Decimal(4)))
        investor = Investor(
            kind=InvestorKind.company, name=f"考核客商{i}", name_key=f"kh{i}", investor_type=InvestorType.private
        )
        db.add(investor)
        db.flush()
        db.add(Project(name=f"考核项目{i}", investor_id=investor.id, stage=Stage.signed, stage_since=today,
                       signed_on=today, contract_investment=Decimal(500), introducing_unit_id=town.id,
                       responsible_unit_id=town.id))  # fmt: skip
        db.add(SupervisedTask(title=f"考核督办{i}", content="限期办结", source_kind=TaskSourceKind.manual,
                              owner_unit_id=town.id, assigned_on=today - timedelta(days=30), due_days=5,
                              due_on=today - timedelta(days=20)))  # fmt: skip
        for item in ("leadership", "service", "innovation"):
            db.add(QualitativeScore(year=today.year, unit_id=town.id, assessor_id=assessor.id, item=item,
                                    score=Decimal(80), reason="按细则评定"))  # fmt: skip
        db.add(AssessmentAdjustment(year=today.year, unit_id=town.id, kind=AdjustmentKind.bonus, points=Decimal(1),
                                    reason="市级表彰"))  # fmt: skip
    db.flush()


def test_the_assessment_does_not_grow_with_units(client, db, connection, world):
    """The year's results and one unit's lines cost the same number of statements for 3 units as for 33."""
    year = workdays.today().year
    coordinator = world["coordinator"]
    _assessed_units(db, coordinator, 3, 0)
    db.commit()
    unit_id = world["unit"].id
    pages = [f"/assessment?year={year}", f"/assessment/{year}/units/{unit_id}"]
    api = [f"/api/v1/assessment/{year}?lines=true&limit=200", f"/api/v1/assessment/{year}/units/{unit_id}"]
    reader = make_token(db, None, read_only=True)
    db.commit()
    assert login(client, coordinator.username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _assessed_units(db, coordinator, 30, 100)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the units assessed (few → many): {grown}"


def _meeting_rows(db: Session, unit: Any, count: int) -> None:
    """Held meetings on the unit (each with its frozen materials, a project, an attendee, a decision and its task)
    and interviews of it with a promise and its task: every list of the meeting and interview pages grows."""
    from tests.meetings.factories import make_interview, make_meeting
    from tests.projects.factories import make_project

    for _ in range(count):
        project = make_project(db, unit, stage=Stage.signed, contract_investment=Decimal(3000))
        make_meeting(db, unit, projects=[project])
        make_interview(db, unit)
    db.flush()


def test_meeting_and_interview_lists_do_not_grow_with_rows(client, db, connection, world):
    """The meetings' and interviews' pages and their API lists, for the bureau and for the unit."""
    unit = world["unit"]
    reader = make_token(db, None, read_only=True)  # reads every unit
    from app.models.performance import Target

    db.add(Target(year=workdays.today().year, metric="funds_domestic", unit_id=unit.id, amount=Decimal(1000)))
    _meeting_rows(db, unit, 2)
    db.commit()
    pages = ["/meetings", f"/meetings?year={workdays.today().year}", "/interviews"]
    api = ["/api/v1/meetings?limit=200", "/api/v1/interviews?limit=200", "/api/v1/interviews/proposals"]
    sessions = {}
    for role, user in (("coordinator", world["coordinator"]), ("unit", world["staff"])):
        client.cookies.clear()
        assert login(client, user.username, PASSWORD).status_code == 303
        sessions[role] = dict(client.cookies)

    def measure() -> dict[str, int]:
        counts: dict[str, int] = {}
        for role, cookies in sessions.items():
            client.cookies.clear()
            client.cookies.update(cookies)
            counts.update({f"{role} {p}": n for p, n in _counts(client, connection, pages).items()})
        client.cookies.clear()
        counts.update(_counts(client, connection, api, bearer(reader)))
        counts.update({f"unit {p}": n for p, n in _counts(client, connection, api[:2], bearer(world["token"])).items()})
        return counts

    few = measure()
    _meeting_rows(db, unit, 25)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _cadence_rows(db: Session, count: int, start: int) -> None:
    """Units with sections, trips naming them, weekly and monthly reports sent, and their own rules of which
    cadence they report: every list of the cadence pages grows."""
    from app.models.cadence import ReportApplicability, TripSection
    from app.models.people import Section, SectionKind
    from app.models.performance import Trip, UnitReport

    today = workdays.today()
    monday = today - timedelta(days=today.weekday() + 7)
    for i in range(start, start + count):
        unit = make_unit(db, kind=UnitKind.town if i % 2 else UnitKind.department, tier=None if i % 2 else 3)
        unit.created_at = unit.created_at - timedelta(days=400)
        sections = [Section(unit_id=unit.id, name=f"条线{i}-{n}", kind=SectionKind.station) for n in range(2)]
        db.add_all(sections)
        db.flush()
        trip = Trip(unit_id=unit.id, started_on=today.replace(day=1), ended_on=today.replace(day=1),
                    destination="上海", people="二人")  # fmt: skip
        db.add(trip)
        db.flush()
        db.add(TripSection(trip_id=trip.id, section_id=sections[0].id))
        db.add(UnitReport(unit_id=unit.id, cadence="weekly", period_start=monday,
                          period_end=monday + timedelta(days=6), due_on=monday + timedelta(days=7), figures={},
                          submitted_at=utc_now()))  # fmt: skip
        if i % 3 == 0:
            db.add(ReportApplicability(cadence="monthly", unit_id=unit.id, applies=False))
    db.flush()


def utc_now() -> Any:
    from app.models.base import utcnow

    return utcnow()


def test_cadence_lists_do_not_grow_with_rows(client, db, connection, world):
    """The reports of a week, which units report which cadence, the late reports of a year, and the month's
    outbound-trip list (its units, their sections and trips), as pages and over the API."""
    from app.models.performance import ReportCadence

    for cadence in ("weekly", "monthly"):
        db.add(ReportCadence(cadence=cadence, due_days=1, working_days=cadence == "weekly", is_active=True))
    reader = make_token(db, None, read_only=True)
    _cadence_rows(db, 3, 0)
    db.commit()
    today = workdays.today()
    monday = today - timedelta(days=today.weekday() + 7)
    pages = [
        f"/reports?cadence=weekly&start={monday}",
        "/reports/applicability",
        "/activities/compliance",
        "/activities/compliance?only=missed",
    ]
    api = [
        f"/api/v1/reports?cadence=weekly&period_start={monday}",
        "/api/v1/reports/applicability",
        f"/api/v1/reports/late?year={today.year}",
        f"/api/v1/activities/trips/compliance?year={today.year}&month={today.month}&limit=200",
    ]
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _cadence_rows(db, 30, 100)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _agreement_rows(db: Session, unit: Any, count: int, start: int) -> Any:
    """Projects in production, each with an agreement of three commitments, two confirmed years and a result
    waiting for confirmation: the results lists, the queue, a project's page and its results page grow."""
    from datetime import date

    from app.models.agreement import CommitmentKind, ResultStatus
    from tests.agreements.factories import make_agreement, make_commitment, make_result

    today = workdays.today()
    first = None
    for i in range(start, start + count):
        investor = Investor(
            kind=InvestorKind.company, name=f"实绩客商{i}", name_key=f"sj{i}", investor_type=InvestorType.private
        )
        db.add(investor)
        db.flush()
        long_ago = date(today.year - 3, 3, 1)
        project = Project(name=f"实绩项目{i}", investor_id=investor.id, stage=Stage.production, stage_since=today,
                          signed_on=long_ago, production_on=long_ago,
                          contract_investment=Decimal(5000), introducing_unit_id=unit.id, responsible_unit_id=unit.id,
                          is_confidential=bool(i % 2), code_name=f"代号{i}")  # fmt: skip
        db.add(project)
        db.flush()
        agreement = make_agreement(db, project)
        make_commitment(db, agreement, CommitmentKind.output, 5000)
        make_commitment(db, agreement, CommitmentKind.production, due_on=today)
        make_commitment(db, agreement, CommitmentKind.intensity, 300)
        for year in (today.year - 2, today.year - 1):
            make_result(db, project, year, output=Decimal(4000 + i), tax=Decimal(100), jobs=50)
        make_result(db, project, today.year, status=ResultStatus.pending, output=Decimal(1000))
        first = first or project
    db.flush()
    return first


def test_agreements_and_results_lists_do_not_grow_with_rows(client, db, connection, world):
    """The coordinator's queue, a project's results page and its page with the agreement's section, and the
    results list over the API, for 3 projects and for 33 (and a project's own results: 3 rows, then 33)."""
    unit = world["unit"]
    first = _agreement_rows(db, unit, 3, 0)
    reader = make_token(db, None, read_only=True)
    db.commit()
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303
    pages = ["/results/pending", f"/projects/{first.id}", f"/projects/{first.id}/results"]
    api = [
        "/api/v1/results?limit=200",
        "/api/v1/results?status=pending&limit=200",
        f"/api/v1/projects/{first.id}/investment-agreement",
    ]
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _agreement_rows(db, unit, 30, 100)
    from sqlalchemy import select

    from app.models.agreement import CommitmentKind, InvestmentAgreement
    from tests.agreements.factories import make_commitment, make_result

    agreement = db.execute(select(InvestmentAgreement).where(InvestmentAgreement.project_id == first.id)).scalar_one()
    for n in range(30):  # the first project's own rows grow too
        make_commitment(db, agreement, CommitmentKind.tax, 100 + n)
        make_result(db, first, 2000 + n, output=Decimal(1))
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _land_rows(db: Session, unit: Any, project: Any, count: int) -> None:
    """Plots (some taken by the project) and buildings in a new park, quotas, and deposits of the project."""
    from app.models.land import PlotStatus
    from tests.land.factories import make_building, make_deposit, make_park, make_plot, make_quota

    park = make_park(db)
    for i in range(count):
        taken = i % 2 == 0
        make_plot(db, park, unit_id=unit.id, status=PlotStatus.idle if taken else PlotStatus.available,
                  project_id=project.id if taken else None)  # fmt: skip
        make_building(db, park, unit_id=unit.id)
        make_quota(db, unit)
        make_deposit(db, project.id, 10 + i)
    db.flush()


def test_land_and_deposit_lists_do_not_grow_with_rows(client, db, connection, world):
    """The inventory of plots and buildings, the report of idle and unsupplied land, the quotas, a project's
    deposits and land match, the deposits report, and their API."""
    from tests.projects.factories import make_project

    project = make_project(db, world["unit"], stage=Stage.signed)
    reader = make_token(db, None, read_only=True)
    _land_rows(db, world["unit"], project, 3)
    db.commit()
    pages = ["/plots", "/plots?status=idle", "/buildings", "/land/report", "/land/report?by=unit", "/land-quotas",
             f"/projects/{project.id}/deposits", f"/projects/{project.id}/land-match", "/deposits",
             "/projects?tech=high_tech&leading=0"]  # fmt: skip
    api = ["/api/v1/plots?limit=200", "/api/v1/buildings?limit=200", "/api/v1/land-quotas?limit=200",
           f"/api/v1/projects/{project.id}/deposits", f"/api/v1/projects/{project.id}/land-match"]  # fmt: skip
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _land_rows(db, world["unit"], project, 30)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


# the per-mu evaluation (亩均评价, issue 20 item 3)
def test_the_per_mu_lists_do_not_grow_with_rows(client, db, connection, world):
    """The results page (a preview year, and a published year: projects and firms, filtered) and the API's
    results and breakdown, for 3 projects in production and for 33; the project page's section too."""
    from sqlalchemy import update

    from app.models.agreement import ProjectResult
    from app.models.user import Role
    from app.principal import Principal
    from app.schemas.per_mu import PublishIn, SchemeIn
    from app.services import per_mu

    unit = world["unit"]
    today = workdays.today()
    preview, frozen = today.year - 1, today.year - 2
    first = _agreement_rows(db, unit, 3, 0)
    db.execute(update(ProjectResult).values(land_used_mu=Decimal(50), energy_tce=Decimal(100)))
    coordinator = Principal(role=Role.coordinator, unit_id=None, label="招商局")
    scheme = SchemeIn.model_validate({**{f"weight_{k}": v for k, v in per_mu.DEFAULT_PARAMS["weights"].items()},
        **{f"benchmark_{k}": v for k, v in per_mu.DEFAULT_PARAMS["benchmarks"].items()},
        "band_a": "85", "band_b": "70", "band_c": "50"})  # fmt: skip
    reader = make_token(db, None, read_only=True)
    db.commit()
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303
    pages = [
        f"/per-mu?year={preview}", f"/per-mu?year={preview}&level=firm&by=chain",
        f"/per-mu?year={frozen}", f"/per-mu?year={frozen}&level=firm&unit_id={unit.id}&by=zone",
        f"/per-mu?year={frozen}&grade=none", f"/projects/{first.id}",
    ]  # fmt: skip
    api = [
        f"/api/v1/per-mu/{preview}/results?limit=200", f"/api/v1/per-mu/{frozen}/results?limit=200",
        f"/api/v1/per-mu/{frozen}/results?level=firm&limit=200", f"/api/v1/per-mu/{frozen}/breakdown?by=unit",
    ]  # fmt: skip

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    def publish_again() -> None:
        from sqlalchemy import delete

        from app.models.per_mu import PerMuResult, PerMuScheme

        db.execute(delete(PerMuResult))
        db.execute(delete(PerMuScheme))
        row = per_mu.set_scheme(db, coordinator, frozen, scheme)
        per_mu.publish(db, coordinator, frozen, PublishIn(version=row.version))
        db.commit()

    publish_again()
    few = measure()
    _agreement_rows(db, unit, 30, 100)
    db.execute(update(ProjectResult).values(land_used_mu=Decimal(50), energy_tce=Decimal(100)))
    publish_again()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _compliance_rows(db: Session, unit: Any, count: int) -> Any:
    """Cases (with measures) on projects of `unit` with a missed commitment, one a confidential project's."""
    from app.models.compliance import CaseStatus, ComplianceCase, ComplianceMeasure, MeasureKind
    from app.services import workdays
    from tests.compliance.factories import make_breach

    today = workdays.today()
    last = None
    for i in range(count):
        breach = make_breach(db, unit, is_confidential=i % 2 == 0, code_name=f"QC-{i}")
        case = ComplianceCase(project_id=breach.project.id, unit_id=unit.id, status=CaseStatus.executing,
                              opened_on=today, assessed_on=today, assessors="核查组", findings="未达标")  # fmt: skip
        db.add(case)
        db.flush()
        db.add(ComplianceMeasure(case_id=case.id, kind=MeasureKind.reminder, due_on=today, owner_unit_id=unit.id))
        last = breach.project
    db.flush()
    return last


def test_compliance_case_lists_do_not_grow_with_rows(client, db, connection, world):
    """The list of compliance cases (by unit and status), a project's section, and the API's list."""
    reader = make_token(db, None, read_only=True)
    project = _compliance_rows(db, world["unit"], 3)
    db.commit()
    unit_id = world["unit"].id
    pages = ["/compliance-cases", f"/compliance-cases?unit_id={unit_id}&status=active",
             f"/projects/{project.id}/compliance"]  # fmt: skip
    api = ["/api/v1/compliance-cases?limit=200", f"/api/v1/compliance-cases?unit_id={unit_id}&status=executing"]
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _compliance_rows(db, world["unit"], 25)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _chain_rows(db: Session, unit: Any, chain: Any, count: int) -> Any:
    """Links (each under the first), local firms, projects (one confidential in two) and 以商招商 rows."""
    from app.models.chain import ChainLink
    from tests.chains.factories import attach_firm, attach_project, introduce, make_link
    from tests.projects.factories import make_investor, make_project

    top = db.query(ChainLink).filter(ChainLink.chain_id == chain.id, ChainLink.parent_id.is_(None)).first()
    top = top or make_link(db, chain)
    introducer = make_investor(db)
    make_project(db, unit, investor=introducer, stage=Stage.production)
    project = None
    for i in range(count):
        link = make_link(db, chain, top)
        attach_firm(db, link)
        investor = make_investor(db)
        project = make_project(db, unit, investor=investor, stage=Stage.production, is_confidential=i % 2 == 0,
                               code_name=f"CH-{i}", funds_confirmed=Decimal(100))  # fmt: skip
        attach_project(db, link, project)
        introduce(db, investor, introducer)
    db.flush()
    return project


def test_chain_pages_do_not_grow_with_links_firms_and_projects(client, db, connection, world):
    """The chains' list, a chain's page (its tree, table, firms, projects and 以商招商 rows), the XLSX, a
    project's link section and the API's chain, firms, projects and referrals."""
    from tests.chains.factories import make_chain

    reader = make_token(db, None, read_only=True)
    chain = make_chain(db)
    project = _chain_rows(db, world["unit"], chain, 2)
    db.commit()
    cid = chain.id
    pages = ["/chains", f"/chains/{cid}", f"/projects/{project.id}/chain-link"]
    api = ["/api/v1/chains", f"/api/v1/chains/{cid}", f"/api/v1/chains/{cid}/firms?limit=200",
           f"/api/v1/chains/{cid}/projects?limit=200", f"/api/v1/chains/{cid}/referrals?limit=200"]  # fmt: skip
    assert login(client, world["staff"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        with counting(connection) as statements:
            assert client.get(f"/chains/{cid}/export.xlsx").status_code == 200
        counts["xlsx"] = len(statements)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _chain_rows(db, world["unit"], chain, 25)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _map_rows(db: Session, unit: Any, count: int) -> None:
    """Projects, plots and buildings placed apart (each its own point at any zoom) and a few in one cluster."""
    from tests.land.factories import make_building, make_park, make_plot
    from tests.maps.factories import near
    from tests.projects.factories import make_project

    park = make_park(db, **near(0.2, 0.2))
    for i in range(count):
        make_project(db, unit, stage=Stage.signed, **near(0.03 * i - 0.4, 0.3))
        make_plot(db, park, **near(0.03 * i - 0.4, -0.3))
        make_building(db, park, **near(0.03 * i - 0.4, -0.2))
        make_project(db, unit, stage=Stage.started, **near(0.3, 0.0001 * i))


def test_the_map_s_points_do_not_grow_with_rows(client, db, connection, world):
    """The map's points and clusters in view (page JSON and API), zoomed out and in, and the map page."""
    from tests.maps.factories import bbox

    reader = make_token(db, None, read_only=True)
    _map_rows(db, world["unit"], 3)
    db.commit()
    pages = ["/map", f"/map/points?bbox={bbox()}&zoom=9", f"/map/points?bbox={bbox()}&zoom=17&kind=project,plot"]
    api = [f"/api/v1/map/points?bbox={bbox()}&zoom=10", f"/api/v1/map/points?bbox={bbox()}&zoom=16&chain=x"]
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _map_rows(db, world["unit"], 25)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _target_rows(db: Session, unit: Any, target_list: Any, link: Any, count: int) -> Any:
    """Targets assigned to the unit, on a chain link, each with two approaches, one in two converted."""
    from app.models.target_company import TargetApproach, TargetStatus
    from app.services import workdays
    from tests.projects.factories import make_lead
    from tests.target_companies.factories import make_target

    target = None
    for i in range(count):
        lead = make_lead(db, unit) if i % 2 == 0 else None
        target = make_target(db, target_list, unit, chain_link_id=link.id, status=TargetStatus.lead if lead else
                             TargetStatus.contacted, lead_id=lead.id if lead else None)  # fmt: skip
        for keen in (False, True):
            db.add(TargetApproach(target_id=target.id, kind="call", happened_on=workdays.today(), outcome="电话联系",
                                  interested=keen))  # fmt: skip
    db.flush()
    return target


def test_target_company_pages_do_not_grow_with_targets_and_approaches(client, db, connection, world):
    """The targets' list, a target's page with its approaches, the funnel, the lists, and the API's."""
    from tests.chains.factories import make_chain, make_link
    from tests.target_companies.factories import make_list

    reader = make_token(db, None, read_only=True)
    target_list = make_list(db)
    link = make_link(db, make_chain(db))
    target = _target_rows(db, world["unit"], target_list, link, 2)
    db.commit()
    pages = ["/target-companies", f"/target-companies/{target.id}", "/target-companies/funnel", "/target-lists"]
    api = ["/api/v1/target-companies?limit=200", f"/api/v1/target-companies/{target.id}",
           "/api/v1/target-companies/funnel?by=list", "/api/v1/target-lists"]  # fmt: skip
    assert login(client, world["staff"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _target_rows(db, world["unit"], target_list, link, 25)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _approval_rows(db: Session, unit: Any, department: Any, count: int) -> Any:
    """Signed projects of the unit with their approvals generated, the first two overdue, one with a 容缺
    document past its deadline."""
    from app.models.approval import ApprovalDeferredDocument, ProjectApproval
    from app.services import approvals
    from tests.approvals.factories import make_overdue
    from tests.projects.factories import make_project

    project = None
    for _ in range(count):
        project = make_project(db, unit, stage=Stage.signed)
        rows: list[ProjectApproval] = approvals.generate(db, project)
        for row in rows:
            row.department_unit_id = department.id
        first = make_overdue(db, rows[0])
        make_overdue(db, rows[1], submitted_on=workdays.today())
        db.add(
            ApprovalDeferredDocument(approval_id=first.id, name="容缺材料", deadline=workdays.today() - timedelta(1))
        )
    db.flush()
    return project


def test_approval_pages_do_not_grow_with_projects_and_approvals(client, db, connection, world):
    """The approvals' list (all, overdue, by department), a project's page with its 审批事项 timeline, an
    approval's page, the catalogue, and the API's."""
    reader = make_token(db, None, read_only=True)
    project = _approval_rows(db, world["unit"], world["handler_unit"], 1)
    db.commit()
    from sqlalchemy import select

    from app.models.approval import ProjectApproval

    first = db.execute(select(ProjectApproval.id).where(ProjectApproval.project_id == project.id)).scalars().first()
    dept = world["handler_unit"].id
    pages = ["/approvals", "/approvals?overdue=1", f"/approvals?department_unit_id={dept}", f"/projects/{project.id}",
             f"/approvals/{first}", "/approval-kinds"]  # fmt: skip
    api = ["/api/v1/approvals?limit=200", "/api/v1/approvals?overdue=true", f"/api/v1/projects/{project.id}/approvals",
           "/api/v1/approval-kinds"]  # fmt: skip
    assert login(client, world["coordinator"].username, PASSWORD).status_code == 303

    def measure() -> dict[str, int]:
        counts = _counts(client, connection, pages)
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _approval_rows(db, world["unit"], world["handler_unit"], 12)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _agency_rows(db: Session, unit: Any, department: Any, agent: Any, count: int) -> Any:
    """Projects of the unit carried by `agent` (the 代办员), each with two approvals at the department (one
    overdue with a 容缺 document past its deadline), each approval with two hand-overs."""
    from tests.agency.factories import assign_agent, defer_document, make_approval, make_handover
    from tests.projects.factories import make_project

    today = workdays.today()
    approval = None
    for _ in range(count):
        project = make_project(db, unit)
        assign_agent(db, project, agent)
        for kind, due in (("eia", today - timedelta(days=3)), ("planning", today + timedelta(days=10))):
            approval = make_approval(db, project, kind, department=department, submitted_on=today - timedelta(days=30),
                                     due_on=due)  # fmt: skip
            defer_document(db, approval, today - timedelta(days=1))
            make_handover(db, approval, by=agent)
            make_handover(db, approval, by=agent)
    db.flush()
    return approval


def test_the_agency_queues_do_not_grow_with_approvals_and_hand_overs(client, db, connection, world):
    """The 代办员's queue, a department's queue, an approval's page, the service report, and the API's."""
    window_token, department_token = make_token(db, world["unit"]), make_token(db, world["handler_unit"])
    approval = _agency_rows(db, world["unit"], world["handler_unit"], world["staff"], 2)
    db.commit()
    agent_pages = ["/agency", f"/agency/approvals/{approval.id}", "/reports/approval-service"]
    api = [("/api/v1/agency/queue?limit=200", window_token), (f"/api/v1/agency/approvals/{approval.id}/handovers",
           window_token), ("/api/v1/agency/department-queue?limit=200", department_token),
           ("/api/v1/reports/approval-service", department_token)]  # fmt: skip

    def measure() -> dict[str, int]:
        assert login(client, world["staff"].username, PASSWORD).status_code == 303
        counts = _counts(client, connection, agent_pages)
        assert login(client, world["handler"].username, PASSWORD).status_code == 303
        counts.update({f"dept {k}": v for k, v in _counts(client, connection, ["/agency/department"]).items()})
        for path, token in api:
            counts.update(_counts(client, connection, [path], bearer(token)))
        return counts

    few = measure()
    _agency_rows(db, world["unit"], world["handler_unit"], world["staff"], 25)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _prereview_rows(db: Session, project_id: int, count: int) -> None:
    """Departments named for industrial projects, each with its opinion on the project."""
    from app.models.prereview import OpinionVerdict, PrereviewDepartment, PrereviewOpinion
    from app.models.project import Category
    from app.services import workdays

    for _ in range(count):
        department = make_unit(db, kind=UnitKind.department)
        db.add(PrereviewDepartment(category=Category.industrial, unit_id=department.id))
        db.add(PrereviewOpinion(project_id=project_id, unit_id=department.id, verdict=OpinionVerdict.passed,
                                given_on=workdays.today()))  # fmt: skip
    db.flush()


def test_prereview_pages_do_not_grow_with_departments_and_opinions(client, db, connection, world):
    """A project's pre-review page and section, the departments' page, and the API's (issue 22)."""
    from app.models.project import Stage
    from tests.projects.factories import make_project

    project = make_project(db, world["unit"], stage=Stage.intent)
    _prereview_rows(db, project.id, 2)
    db.commit()
    pages = [f"/projects/{project.id}/prereview", f"/projects/{project.id}"]
    admin_pages = ["/admin/prereview-departments?category=industrial"]
    api = [f"/api/v1/projects/{project.id}/prereview", "/api/v1/prereview-departments"]
    reader = make_token(db, None, read_only=True)
    db.commit()

    def measure() -> dict[str, int]:
        client.cookies.clear()
        assert login(client, world["staff"].username, PASSWORD).status_code == 303
        counts = _counts(client, connection, pages)
        client.cookies.clear()
        assert login(client, world["coordinator"].username, PASSWORD).status_code == 303
        counts.update(_counts(client, connection, admin_pages))
        counts.update(_counts(client, connection, api, bearer(reader)))
        return counts

    few = measure()
    _prereview_rows(db, project.id, 12)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"


def _published_rows(db: Session, unit: Any, count: int) -> None:
    """Published projects (each from a 策划包装 project) and published plots."""
    from decimal import Decimal

    from app.models.base import utcnow
    from app.models.project import Stage
    from app.models.publish import PublicProject, PublicSite, PublishState, SiteKind
    from tests.land.factories import make_park, make_plot
    from tests.projects.factories import make_project

    park = make_park(db)
    for i in range(count):
        project = make_project(db, unit, stage=Stage.packaged)
        db.add(PublicProject(project_id=project.id, title_zh=f"计数项目{i}", title_en=f"Counted {i}",
                             chain_zh=f"链{i % 3}", investment_wan=Decimal(100 + i), land_mu=Decimal(10),
                             state=PublishState.published, published_at=utcnow()))  # fmt: skip
        plot = make_plot(db, park)
        db.add(PublicSite(kind=SiteKind.plot, plot_id=plot.id, name_zh=f"计数地块{i}", area=Decimal(5),
                          state=PublishState.published, published_at=utcnow()))  # fmt: skip
    db.flush()


def test_the_public_catalogue_and_the_publish_pages_do_not_grow_with_rows(client, db, connection, world):
    """The public lists in both languages, the sitemap and the feed, the coordinator's /publish and the API's."""
    from app.scopes import TokenRole

    _published_rows(db, world["unit"], 2)
    token = make_token(db, None, role=TokenRole.coordinator, scopes=["read", "admin"])
    db.commit()
    public = [f"/invest/{lang}/{tail}" for lang in ("zh", "en") for tail in ("", "projects", "sites")]
    public += ["/invest/sitemap.xml", "/invest/feed.json"]
    api = ["/api/v1/publish/projects?limit=200", "/api/v1/publish/sites?limit=200"]

    def measure() -> dict[str, int]:
        client.cookies.clear()
        counts = _counts(client, connection, public)
        counts.update(_counts(client, connection, api, bearer(token)))
        assert login(client, world["coordinator"].username, PASSWORD).status_code == 303
        counts.update(_counts(client, connection, ["/publish"]))
        return counts

    few = measure()
    _published_rows(db, world["unit"], 25)
    db.commit()
    many = measure()
    grown = {k: (few[k], many[k]) for k in few if many[k] > few[k] + 1}
    assert not grown, f"statement count grows with the rows shown (few → many): {grown}"
