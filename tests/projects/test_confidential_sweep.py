"""A confidential project stays confidential on every path.

A confidential project of unit A is planted with a unique real name, a unique investor, a unique
introducer (on the project, its lead, its introducer registration and its credit) and a lead. Then
every page and API endpoint that can show a project is requested, with its path parameters filled
from the planted objects, as

- the supervisor (督查室: a person who reads everything, but is neither the coordinator nor a leader),
- a global read-only API token (it reads everything, but a system is not a person),
- another unit's staff,

together with the XLSX exports (unpacked to text) and searches for the secret strings. None of the
secret strings may appear anywhere, while the code name does where the project is listed; and a
search by the real name or the investor's name finds nothing. The coordinator and unit A's own staff
do see the real name (so the sweep can fail).

The audit pages (/audit*) are left out here: their masking is covered by the audit tests.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from docx import Document
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models.award import Award, AwardStatus, PolicyKind, RecipientType
from app.models.base import utcnow
from app.models.lead import DuplicatePair, DuplicateStatus, Lead, LeadStatus, RegistryEntry
from app.models.project import FundsSource, FundsStatus, Project, Stage
from app.models.ticket import Notification, OutboxEvent, TicketStatus
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.principal import Principal
from app.schemas.tickets import TicketAction, TicketRoute
from app.services import metrics, spot_checks, tickets, workdays
from tests.awards.factories import make_credit, make_policy, make_registration
from tests.conftest import login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.projects.factories import make_funds, make_investor, make_lead, make_project
from tests.tickets.factories import load_calendar_2026, make_category, make_ticket

TODAY = workdays.today()
YEAR_START = date(TODAY.year, 1, 1)
SECRET_NAME = "鲲鹏九号绝密晶圆厂项目"
SECRET_INVESTOR = "潜龙隐秘半导体控股有限公司"
SECRET_INTRODUCER = "甄隐名引荐人"
SECRET_CONTACT = "贾密联系人"
CODE_NAME = "青山07号"
SECRET_PHONE = "13907770777"
LONG_PREFIX = "县重点项目道路供水供电供气通信管线接入及施工便道协调问题之第十二项"  # 33 characters
SECRETS = (SECRET_NAME, SECRET_INVESTOR, SECRET_INTRODUCER, SECRET_CONTACT)

# GET routes that cannot show a project, or that another helper's tests cover
SKIPPED = re.compile(r"^/(audit|docs|openapi|healthz|readyz|login|static)")


@dataclass
class World:
    check_id: int
    a: Unit
    b: Unit
    project: Project
    lead: Lead
    ticket_id: int
    award_id: int
    coordinator: User
    staff_a: User
    staff_b: User
    supervisor: User
    leader: User
    read_token: str


@pytest.fixture
def world(db: Session, files_dir: Any) -> World:
    n = uuid.uuid4().hex[:6]
    bureau = make_unit(db, name=f"县招商局{n}", kind=UnitKind.department, tier=1)
    office = make_unit(db, name=f"县督查室{n}", kind=UnitKind.department, tier=2)
    a = make_unit(db, name=f"城关镇{n}", short_name=f"城关{n}")
    b = make_unit(db, name=f"河口镇{n}", short_name=f"河口{n}")
    coordinator = make_user(db, bureau, Role.coordinator)
    supervisor = make_user(db, office, Role.supervisor)
    leader = make_user(db, bureau, Role.leader)
    staff_a = make_user(db, a)
    staff_b = make_user(db, b)
    investor = make_investor(db, name=SECRET_INVESTOR, contact_name=SECRET_CONTACT)
    lead = make_lead(
        db,
        a,
        investor,
        project_name=SECRET_NAME,
        introducer_name=SECRET_INTRODUCER,
        contact_name=SECRET_CONTACT,
        contact_phone=SECRET_PHONE,
        contact_phone_key=SECRET_PHONE,
        lead_date=TODAY - timedelta(days=3) if TODAY.timetuple().tm_yday > 3 else TODAY,
        status=LeadStatus.valid,
    )
    # unit B's later leads of other investors, suspected duplicates of the confidential lead: one open (the
    # same contact phone), one the coordinator dismissed with a decision that names the project
    for reasons, status, decision in (
        ("phone", DuplicateStatus.open, ""),
        ("name", DuplicateStatus.dismissed, f"经核实，{SECRET_NAME}的客商{SECRET_INVESTOR}与此不是同一客商"),
    ):
        later = make_lead(db, b, make_investor(db), lead_date=TODAY, status=LeadStatus.pending)
        db.add(
            DuplicatePair(lead_id=later.id, earlier_lead_id=lead.id, reasons=reasons, status=status, decision=decision)
        )
    signed = max(YEAR_START, TODAY - timedelta(days=2))
    project = make_project(
        db,
        a,
        stage=Stage.started,
        reached=signed,
        investor=investor,
        name=SECRET_NAME,
        code_name=CODE_NAME,
        is_confidential=True,
        introducer_name=SECRET_INTRODUCER,
        lead_id=lead.id,
        contract_investment=Decimal(20000),
        start_by=signed,
    )
    make_funds(db, project, 3000, arrived_on=signed, status=FundsStatus.confirmed, source=FundsSource.out_of_province)
    make_funds(db, project, 500, arrived_on=signed)  # waiting for the bureau: on /funds/pending
    db.add(  # the lead's first-report registration (首报首谈), which every unit reads
        RegistryEntry(
            investor_id=investor.id,
            lead_id=lead.id,
            project_name=SECRET_NAME,
            intended_investment=Decimal(20000),
            holder_unit_id=a.id,
            registered_at=utcnow(),
        )
    )
    registration = make_registration(db, project, SECRET_INTRODUCER, registered_on=signed - timedelta(days=30))
    make_credit(db, project, RecipientType.unit, a.name, 60, unit_id=a.id)
    make_credit(db, project, RecipientType.introducer, SECRET_INTRODUCER, 40, introducer_id=registration.id)
    policy = make_policy(db, PolicyKind.honour, {"amount": "10000"})
    award = Award(
        policy_version_id=db.execute(
            text("SELECT id FROM policy_version WHERE policy_id = :p"), {"p": policy.id}
        ).scalar_one(),
        project_id=project.id,
        applicant_unit_id=a.id,
        recipient_type=RecipientType.introducer,
        recipient_name=SECRET_INTRODUCER,
        budget_year=TODAY.year,
        calculation="荣誉奖励 10000 元",
        amount=Decimal(10000),
        status=AwardStatus.notice,
        notice_from=TODAY,
        notice_to=TODAY + timedelta(days=7),
    )
    db.add(award)
    load_calendar_2026(db)
    category = make_category(db)
    ticket = make_ticket(
        db, a, category, project_id=project.id, investor_id=investor.id, title=f"{SECRET_NAME}施工用电接入问题"
    )
    read_token = make_token(db, None, read_only=True)
    db.flush()
    # routed to unit B through the service, which tells B's staff (notifications) and the webhooks (outbox)
    bureau_principal = Principal(role=Role.coordinator, unit_id=bureau.id, label="招商局", user_id=coordinator.id)
    tickets.route(
        db,
        bureau_principal,
        ticket.id,
        TicketRoute(version=ticket.version, handling_unit_id=b.id, note=f"请协调{SECRET_INVESTOR}的用电"),
    )
    # unit B handles it: its notes on the timeline name the project as people would (the reporting unit A,
    # the coordinator and the leaders may read them; the supervisor and tokens see them without the names)
    handling = Principal(role=Role.unit_staff, unit_id=b.id, label="河口", user_id=staff_b.id)
    for action, note in (
        ("accept", f"已受理，联系{SECRET_CONTACT}"),
        ("comment", f"{SECRET_NAME}的变压器已到货，{SECRET_INTRODUCER}在场"),
        ("pause", f"等待{SECRET_INVESTOR}提交用电申请"),
    ):
        tickets.act(db, handling, ticket.id, TicketAction(version=ticket.version, action=action, note=note))
    # an overdue ticket about the project (the dashboard lists overdue tickets)
    make_ticket(
        db,
        a,
        category,
        status=TicketStatus.routed,
        handler=b,
        routed_on=TODAY - timedelta(days=40),
        due_on=TODAY - timedelta(days=20),
        project_id=project.id,
        # the name straddles where a notification's title is cut (40 characters)
        title=f"{LONG_PREFIX}{SECRET_NAME}道路接入逾期未办",
        description=f"{SECRET_INVESTOR}反映道路未通",
    )
    tickets.escalate_overdue(db)  # unit B is told, by a title cut short
    # the supervisor's spot-check of the period's records, every one drawn
    supervising = Principal(role=Role.supervisor, unit_id=office.id, label="督查室", user_id=supervisor.id)
    check = spot_checks.draw(db, supervising, YEAR_START, TODAY, fraction=Decimal(100), seed=7)
    db.commit()
    return World(
        check.id,
        a,
        b,
        project,
        lead,
        ticket.id,
        award.id,
        coordinator,
        staff_a,
        staff_b,
        supervisor,
        leader,
        read_token,
    )


# --- the requests ------------------------------------------------------------------------------------


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def _filled(path: str, w: World) -> list[str]:
    """The path with its parameters filled from the planted objects (a metric's code: each one)."""
    values = {
        "project_id": w.project.id,
        "lead_id": w.lead.id,
        "investor_id": w.project.investor_id,
        "ticket_id": w.ticket_id,
        "award_id": w.award_id,
        "check_id": w.check_id,
        "unit_id": w.a.id,
        "kind": "monthly",
        "year": TODAY.year,
        "number": TODAY.month,
    }
    names = re.findall(r"\{([^}]+)\}", path)
    if "code" in names:
        return [p for code in metrics.METRICS for p in _filled(path.replace("{code}", code), w)]
    if any(name not in values for name in names):
        return []  # an object the world has none of (a user, a photo, a policy…): shows no project
    return [re.sub(r"\{([^}]+)\}", lambda m: str(values[m.group(1)]), path)]


def _urls(app: Any, w: World, *, api: bool) -> list[str]:
    period = f"start={YEAR_START}&end={TODAY}"
    urls: list[str] = []
    if api:  # every API operation is in the schema, under its full path
        paths = [path for path, operations in app.openapi()["paths"].items() if "get" in operations]
    else:
        paths = [r.path for r in _routes(app.router.routes) if "GET" in r.methods and not r.path.startswith("/api/")]
    for path in paths:
        if SKIPPED.match(path):
            continue
        for url in _filled(path, w):
            urls.append(url)
            urls.append(f"{url}?{period}&year={TODAY.year}")
    if api:
        urls += [f"/api/v1/metrics/{code}/records?{period}" for code in metrics.METRICS]
        urls += [f"/api/v1/rates?{period}", f"/api/v1/rankings?year={TODAY.year}"]
        urls += [f"/api/v1/projects?q={CODE_NAME}", "/api/v1/registry", "/api/v1/duplicates"]
        urls += ["/api/v1/duplicates?status=dismissed", "/api/v1/duplicates?status="]
    else:
        urls += [f"/metrics/records?code={code}&{period}" for code in metrics.METRICS]
        urls += [
            f"/rates/projects?rate={rate}&side={side}&{period}"
            for rate in ("fulfilment", "funds", "start")
            for side in ("above", "below")
        ]
        urls += [f"/projects?q={CODE_NAME}", f"/projects?unit_id={w.a.id}", "/tickets?box=open", "/notifications"]
        urls += ["/leads/duplicates/queue?status=dismissed", "/leads/duplicates/queue?status="]
        urls += [f"/?unit_id={w.a.id}", f"/dashboard?unit_id={w.a.id}"]
    return urls


def _searches(*, api: bool) -> list[str]:
    base = (
        ["/api/v1/projects", "/api/v1/leads", "/api/v1/investors", "/api/v1/tickets/requests"]
        if api
        else [
            "/projects",
            "/leads",
            "/investors",
            "/tickets?box=open",
            "/leads/new/lookup",
            "/units/search",
        ]
    )
    return [f"{path}?q={secret}" for path in base for secret in SECRETS]


def text_of(response: Any) -> str:
    """The response as text; an XLSX workbook unpacked to the text of its cells, a DOCX document to the text
    of its paragraphs and table cells."""
    if response.content[:2] == b"PK" and "wordprocessingml" in response.headers.get("content-type", ""):
        doc = Document(io.BytesIO(response.content))
        cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)
    if response.content[:2] == b"PK":
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value
        )
    return response.text


def leaks(client: TestClient, urls: list[str], headers: dict[str, str] | None = None) -> list[str]:
    found = []
    for url in urls:
        response = client.get(url, headers=headers or {})
        assert response.status_code < 500, (url, response.text[:300])
        body = text_of(response)
        searched = re.search(r"[?&]q=([^&]+)", url)
        if searched:  # a search form shows what was typed in its box: that is no leak
            body = body.replace(f'value="{searched.group(1)}"', "")
        found += [f"{url}: {secret}" for secret in SECRETS if secret in body]
    return found


def signed_in(app: Any, db: Session, user: User) -> TestClient:
    db.commit()
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 303, response.text[:300]
    return client


# --- the sweep ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "staff_b"])
def test_no_page_shows_a_confidential_projects_identity_to_those_who_may_not_see_it(app, db, world, who):
    client = signed_in(app, db, getattr(world, who))
    urls = _urls(app, world, api=False) + _searches(api=False)
    assert len(urls) > 60
    assert leaks(client, urls) == []
    # a search by the real name or the investor's name does not find the project either
    for secret in (SECRET_NAME, SECRET_INVESTOR):
        assert CODE_NAME not in client.get(f"/projects?q={secret}").text
    if who == "supervisor":  # it reads everything: the project is listed, by its code name
        for url in (
            "/projects",
            f"/projects/{world.project.id}",
            f"/metrics/records?code=new_starts&start={YEAR_START}&end={TODAY}",
            f"/metrics/records?code=funds_domestic&start={YEAR_START}&end={TODAY}",
            f"/rates/projects?rate=start&side=above&start={YEAR_START}&end={TODAY}",
            "/funds/pending",
            f"/tickets/{world.ticket_id}",
            "/tickets?box=open",
            "/leads/duplicates/queue",
            "/leads/duplicates/queue?status=dismissed",
            "/dashboard",
        ):
            assert CODE_NAME in client.get(url).text, url


@pytest.mark.parametrize("who", ["read_token", "staff_b"])
def test_no_api_endpoint_shows_a_confidential_projects_identity_to_those_who_may_not_see_it(app, db, world, who):
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    if who == "read_token":
        headers = bearer(world.read_token)
    else:
        headers = bearer(make_token(db, world.b))
        db.commit()
    urls = _urls(app, world, api=True) + _searches(api=True)
    assert len(urls) > 40
    assert leaks(client, urls, headers) == []
    for secret in (SECRET_NAME, SECRET_INVESTOR):
        assert client.get(f"/api/v1/projects?q={secret}", headers=headers).json()["total"] == 0
    if who == "read_token":
        listed = client.get("/api/v1/projects", headers=headers).text
        records = client.get(f"/api/v1/metrics/new_starts/records?start={YEAR_START}&end={TODAY}", headers=headers)
        assert CODE_NAME in listed and CODE_NAME in records.text


def test_no_notification_names_a_confidential_project_to_another_unit(db, world):
    texts = [
        f"{n.title} {n.body}" for n in db.scalars(select(Notification).where(Notification.user_id == world.staff_b.id))
    ]
    texts += [json.dumps(e.payload, ensure_ascii=False) for e in db.scalars(select(OutboxEvent))]
    assert texts  # unit B handles the ticket: it was told
    assert not [t for t in texts for secret in SECRETS if secret in t]
    assert not [t for t in texts if SECRET_NAME[:5] in t]  # nor a name cut short
    assert [t for t in texts if "逾期督办" in t and CODE_NAME in t]


@pytest.mark.parametrize("who", ["coordinator", "staff_a", "leader"])
def test_the_projects_own_unit_the_coordinator_and_leaders_see_its_identity(app, db, world, who):
    client = signed_in(app, db, getattr(world, who))
    page = client.get(f"/projects/{world.project.id}").text
    assert SECRET_NAME in page and SECRET_INVESTOR in page
    records = client.get(f"/metrics/records?code=new_starts&start={YEAR_START}&end={TODAY}&unit_id={world.a.id}")
    assert SECRET_NAME in records.text
    assert SECRET_NAME in client.get(f"/projects?q={SECRET_INVESTOR}").text
    assert SECRET_INTRODUCER in client.get(f"/awards/projects/{world.project.id}").text
    ticket = client.get(f"/tickets/{world.ticket_id}").text  # its notes, as written
    assert SECRET_CONTACT in ticket and SECRET_INTRODUCER in ticket and SECRET_INVESTOR in ticket


def test_the_coordinator_sees_both_sides_of_a_suspected_pair(app, db, world):
    client = signed_in(app, db, world.coordinator)
    queue = client.get("/leads/duplicates/queue").text
    assert SECRET_INVESTOR in queue and f'href="/leads/{world.lead.id}"' in queue
    assert SECRET_NAME in client.get("/leads/duplicates/queue?status=dismissed").text


# --- the duplicate check while typing a new lead ------------------------------------------------------


def _new_lead(**investor: str) -> dict[str, Any]:
    return {
        "channel": "business",
        "lead_date": TODAY.isoformat(),
        "intended_investment": "500",
        "investor": {"kind": "company", "investor_type": "private", **investor},
    }


def test_another_unit_typing_a_confidential_investor_is_told_only_that_another_unit_holds_a_lead(app, db, world):
    """Product decision (leads.find_matches): the match is reported, without the project, its investor,
    its unit, its contact or the lead's id; the coordinator sees it all."""
    client = signed_in(app, db, world.staff_b)
    for url in (
        f"/leads/new/lookup?investor_name={SECRET_INVESTOR}",
        f"/leads/new/lookup?investor_name=某新客商&contact_phone={SECRET_PHONE}",
        f"/investors/{world.project.investor_id}",
    ):
        page = client.get(url)
        if url.startswith("/investors"):  # the investor itself is not shown to unit B
            assert page.status_code == 404
            continue
        assert "其他单位" in page.text, url
        assert world.a.name not in page.text and world.a.short_name not in page.text, url
        assert not [secret for secret in SECRETS if secret in page.text], url
    token = bearer(make_token(db, world.b))
    db.commit()
    api = TestClient(app, base_url="http://testserver", follow_redirects=False)
    for body in (_new_lead(name=SECRET_INVESTOR), _new_lead(name="某新客商有限公司", contact_phone=SECRET_PHONE)):
        checked = api.post("/api/v1/leads/check-duplicates", json=body, headers=token)
        assert checked.status_code == 200, checked.text
        hidden = [m for m in checked.json() if m["hidden"]]
        assert hidden and all(m["lead_id"] is None and m["unit_id"] is None for m in hidden)
        assert hidden[0]["unit_name"] == "其他单位" and hidden[0]["lead_date"] == world.lead.lead_date.isoformat()
        refused = api.post("/api/v1/leads", json=body, headers=token)
        assert refused.status_code == 409
        for answer in (checked.text, refused.text):
            assert str(world.lead.id) not in [str(m.get("lead_id")) for m in checked.json()]
            assert world.a.name not in answer and not [secret for secret in SECRETS if secret in answer]
    # saved anyway: the pair links the real leads, for the coordinator to settle
    saved = api.post("/api/v1/leads", json={**body, "acknowledge_duplicates": True}, headers=token)
    assert saved.status_code == 201, saved.text
    coordinator = signed_in(app, db, world.coordinator)
    checked = coordinator.get(f"/leads/new/lookup?investor_name=某新客商&contact_phone={SECRET_PHONE}").text
    assert world.a.name in checked
    pairs = coordinator.get("/leads/duplicates/queue").text
    assert pairs.count(f'href="/leads/{world.lead.id}"') >= 2


def test_event_payloads_show_a_confidential_project_by_its_code_name(db, world):
    """Events name their records (app/services/events.py), as each subscriber may see them; the outbox keeps
    the view of a reader who sees no confidential project's identity (a delivery to one who sees more carries
    its own). So the stored events name the project by its code name, its investor "（保密）", and nothing
    planted."""
    events = list(db.scalars(select(OutboxEvent)))
    assert {e.event_type for e in events} >= {"ticket.routed", "ticket.accepted", "ticket.escalated"}
    texts = [json.dumps(e.payload, ensure_ascii=False) for e in events]
    assert not [t for t in texts for secret in SECRETS if secret in t]
    assert not [t for t in texts if SECRET_NAME[:5] in t]
    shown = [e.payload["project"] for e in events if e.event_type.startswith("ticket.") and e.payload.get("project")]
    assert shown and all(p["name"] == f"【保密】{CODE_NAME}" and p["investor_name"] == "（保密）" for p in shown)
