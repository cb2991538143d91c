"""Every route x every role, on another unit's objects.

The routes come from the app's own route table (included routers walked recursively), so a new
route is in the matrix the day it is added. Each is requested by every principal: anonymous, unit
A's staff, unit B's staff, the coordinator, a leader, the supervisor (督查室), a token scoped to
unit B and an unscoped read-only token. Path parameters are filled with unit A's objects; one of
A's projects is confidential, with a planted name, investor and introducer no one else may see.

What must hold:
- no answer is a 500;
- anonymous is sent to sign in (pages) or answered 401 (API), except on the public routes;
- unit B's staff and B's token never change one of A's objects (no 2xx/3xx on a write whose path
  names it) and never read one (no 2xx body with A's private marker);
- leaders and the read-only token never write;
- the confidential project's planted strings never reach B's staff, B's token, the supervisor or
  the read-only token, in any response.

All violations are collected and reported together, with the counts (routes, principals, requests).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.award import Award, IntroducerKind, IntroducerRegistration, PolicyKind, RecipientType
from app.models.interview import InterviewPromise
from app.models.meeting import MeetingDecision
from app.models.performance import Trip
from app.models.project import ProgressUpdate, Stage
from app.models.robot import Robot, RobotKind
from app.models.team import TeamProject
from app.models.unit import UnitKind
from app.models.user import Role
from app.principal import SYSTEM
from app.services import workdays
from tests.agency.factories import agency_ids
from tests.agreements.factories import make_agreement_rows
from tests.approvals.factories import approval_ids
from tests.awards.factories import make_policy
from tests.chains.factories import chain_ids
from tests.compliance.factories import compliance_ids
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, bearer, make_token, make_unit, make_user
from tests.land.factories import land_ids
from tests.maps.factories import bbox as map_bbox
from tests.maps.factories import map_ids
from tests.meetings.factories import make_interview, make_meeting
from tests.people.factories import make_cadre, make_section
from tests.projects.factories import make_anomaly, make_funds, make_investor, make_lead, make_project
from tests.publish.factories import publish_ids
from tests.target_companies.factories import target_ids
from tests.tasks.factories import make_task
from tests.teams.factories import make_letter, make_team
from tests.tickets.factories import make_category, make_ticket

SECRET_NAME = "绝密甲方舟项目Q7X"
SECRET_INVESTOR = "绝密甲投资集团Z9K"
SECRET_INTRODUCER = "绝密甲引荐人W4M"
SECRETS = (SECRET_NAME, SECRET_INVESTOR, SECRET_INTRODUCER)
# unit A's own, non-confidential records: unit B must not read them either
A_PRIVATE = ("甲单位私有项目R2D", "甲单位私有线索C3P", "甲单位问题标题K8S")

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/2fa"),
    ("POST", "/login/2fa"),
    ("POST", "/logout"),
    ("GET", "/open311/discovery.{fmt}"),  # the Open311 discovery document: where the endpoint is, how to get a key
}
# writes on the principal's own account or inbox, not on anyone's records
OWN_ACCOUNT = {"/logout", "/account/password", "/account/2fa", "/notifications/read", "/login", "/login/2fa"}
WRITE = {"POST", "PATCH", "PUT", "DELETE"}
# the county-wide investor directory and registry show an investor as such (shared across units by
# design, for de-duplication); there the confidential project's investor is checked only for being
# tied to the project, i.e. by the project's name and introducer
INVESTOR_RECORDS = ("/investors", "/api/v1/investors", "/registry", "/api/v1/registry", "/leads/new/")


def walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path, route) of every route, walking included routers recursively."""
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, prefix + route.path, route
        elif hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            yield from walk(route.original_router.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif getattr(route, "path", None) in ("/openapi.json", "/docs"):
            pass  # FastAPI's own documentation routes: requested below as plain paths


@dataclass
class World:
    ids: dict[str, Any]
    users: dict[str, Any]
    tokens: dict[str, str]
    api_schemas: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict)


def build_world(db: Session) -> World:
    """Unit A's objects (one confidential project with planted names), unit B, and the principals;
    written as the system would (audited), so that the audit trail holds them too."""
    db.info["principal"] = SYSTEM
    today = workdays.today()
    unit_a = make_unit(db, name="甲镇人民政府", short_name="甲镇")
    unit_b = make_unit(db, name="乙镇人民政府", short_name="乙镇")
    bureau = make_unit(db, name="矩阵测试招商局", kind=UnitKind.department, tier=1)
    office = make_unit(db, name="矩阵测试政府办", kind=UnitKind.department, tier=1)
    inspect = make_unit(db, name="矩阵测试督查室", kind=UnitKind.department, tier=2)
    users = {
        "staff_a": make_user(db, unit_a),
        "staff_b": make_user(db, unit_b),
        "coordinator": make_user(db, bureau, Role.coordinator),
        "leader": make_user(db, office, Role.leader),
        "supervisor": make_user(db, inspect, Role.supervisor),
        "other_a": make_user(db, unit_a, display_name="甲镇另一位同事"),
    }
    tokens = {
        "token_b": make_token(db, unit_b),
        "token_ro": make_token(db, None, read_only=True),
    }
    spare_token_secret = make_token(db, unit_a)

    investor = make_investor(db, name="甲单位合作投资公司", created_by_unit_id=unit_a.id)
    secret_investor = make_investor(db, name=SECRET_INVESTOR, created_by_unit_id=unit_a.id)
    reached = today - timedelta(days=20)
    project = make_project(
        db, unit_a, stage=Stage.signed, reached=reached, investor=investor, name=A_PRIVATE[0],
        contract_investment=Decimal(12000),
    )  # fmt: skip
    secret = make_project(
        db, unit_a, stage=Stage.started, reached=reached, investor=secret_investor, name=SECRET_NAME,
        code_name="矩阵代号一号", is_confidential=True, contract_investment=Decimal(50000),
    )  # fmt: skip
    db.add(
        IntroducerRegistration(
            project_id=secret.id, kind=IntroducerKind.person, name=SECRET_INTRODUCER, phone="13800000000",
            registered_on=reached, investor_confirmed=True, investor_confirmation="已签字确认", is_first=True,
        )
    )  # fmt: skip
    lead = make_lead(db, unit_a, investor, project_name=A_PRIVATE[1], introducer_name="甲线索引荐人")
    # the lead the confidential project came from: its name, investor and introducer are the project's
    secret.lead_id = make_lead(
        db, unit_a, secret_investor, project_name=SECRET_NAME, introducer_name=SECRET_INTRODUCER
    ).id
    funds = make_funds(db, project, 300)
    anomaly = make_anomaly(db, secret)
    make_funds(db, secret, 900)
    category = make_category(db, name="矩阵测试类别")
    ticket = make_ticket(db, unit_a, category, title=A_PRIVATE[2], project_id=secret.id)
    task = make_task(db, unit_a, title="甲单位督办事项T5V", content=A_PRIVATE[0])
    policy = make_policy(db, PolicyKind.special, {})
    award = Award(
        policy_version_id=policy.versions[0].id if hasattr(policy, "versions") else _first_version(db, policy.id),
        project_id=secret.id, applicant_unit_id=unit_a.id, recipient_type=RecipientType.introducer,
        recipient_name=SECRET_INTRODUCER, budget_year=today.year, calculation="一事一议", amount=Decimal(1000),
    )  # fmt: skip
    db.add(award)
    robot = Robot(
        unit_id=unit_a.id, kind=RobotKind.dingtalk, name="甲镇工作群", url_hint="https://oapi.dingtalk.com/…abcd",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=matrixabcd", secret="SEC" + "0" * 64,
        event_types="*",
    )  # fmt: skip
    db.add(robot)
    db.flush()
    section = make_section(db, unit_a, name="甲镇招商办")
    cadre = make_cadre(db, unit_a, user=users["other_a"], section_id=section.id)
    visit = ProgressUpdate(project_id=secret.id, reported_on=today, investment_completed=Decimal(100), built="场平")
    trip = Trip(unit_id=unit_a.id, started_on=today, ended_on=today, destination="广东深圳", people="甲镇同事")
    db.add_all([visit, trip])
    db.flush()
    # a held meeting on A's projects (its minutes name the confidential one) and an interview of A
    meeting = make_meeting(db, unit_a, projects=[project, secret], summary=f"研究{SECRET_NAME}用地问题。")
    decision_id = db.execute(select(MeetingDecision.id).where(MeetingDecision.meeting_id == meeting.id)).scalar_one()
    interview = make_interview(db, unit_a, findings=f"{A_PRIVATE[0]}进展缓慢。")
    promise_id = db.execute(
        select(InterviewPromise.id).where(InterviewPromise.interview_id == interview.id)
    ).scalar_one()
    team = make_team(db, members=(unit_a,), lead=unit_a)
    for worked in (project, secret):  # A's own project and the confidential one are the team's
        db.add(TeamProject(project_id=worked.id, team_id=team.id))
    letter = make_letter(db, unit_a)
    # the confidential project's agreement (its investor in the parties), a commitment and a waiting result
    _agreement, commitment, result = make_agreement_rows(db, secret, secret=SECRET_INVESTOR)
    ids = {
        "unit_id": unit_a.id,
        "user_id": users["other_a"].id,
        "lead_id": lead.id,
        "investor_id": secret_investor.id,
        "project_id": secret.id,
        "funds_id": funds.id,
        "anomaly_id": anomaly.id,
        "request_id": ticket.id,
        "ticket_id": ticket.id,
        "task_id": task.id,
        "file_id": 1,
        "award_id": award.id,
        "policy_id": policy.id,
        "category_id": category.id,
        "token_id": _token_id(db, spare_token_secret),
        "code": "projects_introduced",
        "kind": "quarterly",
        "cadence": "monthly",
        "year": today.year,
        "day": f"{today.year}-10-01",  # a day of the holiday calendar
        "fmt": "json",  # Open311 GeoReport v2: services.{fmt}, requests/{service_request_id}.{fmt}
        "service_request_id": ticket.id,
        "service_code": category.code,
        "token": "1",
        "number": 1,
        "campaign_id": 1,
        "attachment_id": 1,
        "photo_id": 1,
        "pair_id": 1,
        "claim_id": 1,
        "check_id": 1,
        "sub_id": 1,
        "robot_id": robot.id,
        "section_id": section.id,
        "cadre_id": cadre.id,
        "update_id": visit.id,
        "record_id": trip.id,
        "meeting_id": meeting.id,
        "decision_id": decision_id,
        "interview_id": interview.id,
        "promise_id": promise_id,
        "adjustment_id": 1,
        "team_id": team.id,
        "letter_id": letter.id,
        "commitment_id": commitment.id,
        "result_id": result.id,
        "_project_a": project.id,
        "_investor_plain": investor.id,
    }
    ids.update(land_ids(db, unit_a, secret.id))  # the plot taken by the confidential project (issue 20)
    ids.update(compliance_ids(db, unit_a))  # a compliance case on a missed commitment (issue 20)
    ids.update(chain_ids(db, unit_a, secret.id))  # a chain whose link holds the confidential project (issue 21)

    ids.update(map_ids(db, unit_a, secret))  # the confidential project placed on the map (issue 21)

    ids.update(target_ids(db, unit_a))  # a target company assigned to unit A (issue 21)
    ids.update(approval_ids(db, unit_a, secret))  # the confidential project's approvals (issue 22)
    ids.update(agency_ids(db, unit_a, secret, users["other_a"]))  # the confidential project's approval (issue 22)
    ids.update(publish_ids(db, unit_a))  # a published project and site (对外发布, issue 23)
    return World(ids=ids, users=users, tokens=tokens)


def _first_version(db: Session, policy_id: int) -> int:
    from sqlalchemy import select

    from app.models.award import PolicyVersion

    return db.execute(select(PolicyVersion.id).where(PolicyVersion.policy_id == policy_id)).scalar_one()


def _token_id(db: Session, secret: str) -> int:
    from sqlalchemy import select

    from app.models.user import ApiToken
    from app.services.security import sha256_hex

    return db.execute(select(ApiToken.id).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()


# --- plausible bodies ----------------------------------------------------------------------------


def example(schema: dict[str, Any], components: dict[str, Any], ids: dict[str, Any], name: str = "") -> Any:
    """A minimal instance of an OpenAPI schema: required fields, plausible values, A's ids for *_id."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[1]], components, ids, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return example(options[0], components, ids, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example(v, components, ids, k) for k, v in props.items() if k in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), components, ids, name)]
    if kind == "integer":
        if name in ids:
            return ids[name]
        if name.endswith("_id"):
            return ids["_project_a"] if name == "project_id" else ids.get(name, 1)
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return (workdays.today() - timedelta(days=1)).isoformat()
    if schema.get("format") == "date-time":
        return (workdays.today() - timedelta(days=1)).isoformat() + "T10:00:00+08:00"
    length = max(int(schema.get("minLength", 0)), 4)
    return ("矩阵测试内容" * 10)[: max(length, 6)]


def page_form(csrf: str, ids: dict[str, Any]) -> dict[str, str]:
    """One form body that is plausible for most page forms (handlers ignore fields they do not read)."""
    yesterday = (workdays.today() - timedelta(days=1)).isoformat()
    return {
        "csrf_token": csrf,
        "version": "1",
        "name": "矩阵测试名称",
        "short_name": "矩阵",
        "display_name": "矩阵测试",
        "head_name": "矩阵负责人",
        "phone": "0931-1234567",
        "address": "矩阵测试地址",
        "note": "矩阵测试说明",
        "content": "矩阵测试进展",
        "reason": "矩阵测试理由",
        "title": "矩阵测试问题标题",
        "description": "矩阵测试问题描述，足够长。",
        "amount": "100",
        "arrived_on": yesterday,
        "happened_on": yesterday,
        "source": "out_of_province",
        "voucher_no": "HD00000001",
        "stage": "landed",
        "action": "forward",
        "decision": "confirm",
        "project_id": str(ids["_project_a"]),
        "unit_id": str(ids["unit_id"]),
        "investor_id": str(ids["_investor_plain"]),
        "category_id": str(ids["category_id"]),
        "lead_id": str(ids["lead_id"]),
        "enabled": "1",
    }


# --- the sweep -----------------------------------------------------------------------------------

PRINCIPALS = ("anonymous", "staff_b", "token_b", "token_ro", "supervisor", "leader", "staff_a", "coordinator")
OUTSIDERS = ("staff_b", "token_b")  # another unit: must neither read nor change A's objects
NO_SECRETS = ("staff_b", "token_b", "supervisor", "token_ro")
NEVER_WRITE = ("token_ro", "leader")


def query_values(ids: dict[str, Any]) -> dict[str, str]:
    """Plausible values for the query parameters list and search routes declare."""
    today = workdays.today()
    return {
        "q": "绝密甲",  # the start of every planted name: a search that would find them
        "investor_name": "绝密甲",
        "start": date(today.year, 1, 1).isoformat(),
        "end": today.isoformat(),
        "unit_id": str(ids["unit_id"]),
        "year": str(today.year),
        "code": "projects_introduced",
        "metric": "projects_introduced",
        "project_id": str(ids["project_id"]),
        "lead_id": str(ids["lead_id"]),
        "id": str(ids["investor_id"]),
        "entity": "project",
        "entity_id": str(ids["project_id"]),
        "bbox": map_bbox(),  # the map's view around the confidential project (issue 21)
        "zoom": "9",
    }


def query_variants(route: APIRoute, template: str, ids: dict[str, Any]) -> list[dict[str, str]]:
    """The bare request, plus one with every declared query parameter we have a value for
    (and, for the rate lists, every rate and side)."""
    names = {q.name for q in route.dependant.query_params}
    for dependency in route.dependant.dependencies:
        names |= {q.name for q in dependency.query_params}
    values = query_values(ids)
    filled = {name: values[name] for name in sorted(names) if name in values}
    if template == "/rates/projects":
        return [
            {**filled, "rate": rate, "side": side}
            for rate in ("fulfilment", "funds", "start")
            for side in ("above", "below")
        ]
    return [{}, filled] if filled else [{}]


def _shown(key: str, value: str) -> str:
    return f"{key}={value}" if key in ("rate", "side") else key


def body_text(response: Any) -> str:
    """The response as text; a workbook is unpacked, so that its cells are searched too."""
    if response.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return response.text


def fill(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: str(ids[m.group(1)]), path)


def run_matrix(app: FastAPI, db: Session, world: World) -> tuple[dict[str, int], list[str]]:
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    operations = {(m.upper(), p): op for p, ops in spec["paths"].items() for m, op in ops.items()}
    table = {(method, path): route for method, path, route in walk(app.router.routes)}
    routes = sorted(set(table) | {("GET", "/openapi.json")})
    ids = world.ids
    failures: list[str] = []
    requests = 0
    counts = {"outsider_writes": 0}
    seen: dict[str, set[str]] = {}
    db.commit()
    for who in PRINCIPALS:
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            headers: dict[str, str] = {}
            csrf = ""
            if who in world.tokens:
                headers = bearer(world.tokens[who])
            elif who != "anonymous":
                signed = login(client, world.users[who].username, PASSWORD)
                assert signed.status_code == 303 and "/login" not in signed.headers["location"], (who, signed.text)
                csrf = csrf_from(client.get("/account").text)
            else:
                csrf = csrf_from(client.get("/login").text)
            # reads first, then writes, and signing out last
            ordered = sorted(routes, key=lambda r: (r[0] in WRITE, r[1] == "/logout", r[1]))
            for method, template in ordered:
                path = fill(template, ids)
                is_api = template.startswith("/api/")
                kwargs: dict[str, Any] = {"headers": dict(headers)}
                if method in WRITE:
                    if is_api:
                        op = operations.get((method, template), {})
                        body_schema = (
                            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                        )
                        if body_schema is not None:
                            kwargs["json"] = example(body_schema, components, ids)
                        elif "multipart/form-data" in op.get("requestBody", {}).get("content", {}):
                            kwargs["files"] = {"file": ("矩阵.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
                    else:
                        kwargs["data"] = page_form(csrf, ids)
                route = table.get((method, template))
                variants = query_variants(route, template, ids) if method == "GET" and route else [{}]
                for params in variants:
                    response = client.request(method, path, params=params, **kwargs)
                    requests += 1
                    shown = template + (
                        "?" + "&".join(_shown(k, v) for k, v in sorted(params.items())) if params else ""
                    )
                    failures.extend(judge(who, method, shown, response, is_api))
                    text = body_text(response) if response.status_code < 500 else ""
                    seen.setdefault(who, set()).update(m for m in (*SECRETS, *A_PRIVATE) if m in text)
                    if who in OUTSIDERS and method in WRITE and _names_a_object(template):
                        counts["outsider_writes"] += 1
    counts.update(routes=len(routes), principals=len(PRINCIPALS), requests=requests)
    # the sweep has teeth: unit A's staff and the coordinator do see every planted string
    for who in ("staff_a", "coordinator"):
        missing = (set(SECRETS) | set(A_PRIVATE)) - seen.get(who, set())
        assert not missing, f"{who} never saw {missing}: the planted data is not reached"
    return counts, failures


def _names_a_object(template: str) -> bool:
    """A path naming one of unit A's records (not a county-wide one: a policy, metric, bulletin...)."""
    return "{" in template and not any(
        p in template for p in ("{policy_id}", "{code}", "{kind}", "{campaign_id}", "{category_id}", "{day}")
    )


def judge(who: str, method: str, shown: str, response: Any, is_api: bool) -> list[str]:
    status = response.status_code
    template = shown.split("?", 1)[0]
    where = f"{who:11} {method:5} {shown} -> {status}"
    found: list[str] = []
    if status >= 500:
        found.append(f"{where}: server error")
    body = body_text(response) if status < 500 else ""
    location = response.headers.get("location", "")
    accepted = 200 <= status < 300 or (300 <= status < 400 and "/login" not in location)
    if who == "anonymous" and (method, template) not in PUBLIC and not template.startswith("/static"):
        to_login = status in (302, 303, 307) and location.startswith("/login")
        if (is_api and status != 401) or (not is_api and not (to_login or status in (401, 403))):
            found.append(f"{where}: anonymous not sent to sign in (location {location!r})")
    names_a_object = _names_a_object(template)
    if who in OUTSIDERS:
        if method in WRITE and names_a_object and accepted:
            found.append(f"{where}: another unit changed one of A's objects")
        if method == "GET" and status < 400:
            leaked = [marker for marker in A_PRIVATE if marker in body]
            if leaked:
                found.append(f"{where}: another unit read A's private data {leaked}")
    if who in NEVER_WRITE and method in WRITE and template not in OWN_ACCOUNT and accepted:
        found.append(f"{where}: a read-only principal wrote (location {location!r})")
    if who in NO_SECRETS:
        leaked = [s for s in SECRETS if s in body]
        if template.startswith(INVESTOR_RECORDS) and SECRET_INVESTOR in leaked:
            leaked.remove(SECRET_INVESTOR)  # the investor's own record, not tied to the project there
        if leaked:
            found.append(f"{where}: confidential project leaked {leaked}")
    return found


def test_every_route_for_every_role_on_another_units_objects(app, db, capsys):
    world = build_world(db)
    counts, failures = run_matrix(app, db, world)
    with capsys.disabled():
        print(f"\nroute matrix: {counts['routes']} routes x {counts['principals']} principals = "
              f"{counts['requests']} requests ({counts['outsider_writes']} writes by unit B on A's records), "
              f"{len(failures)} violations")  # fmt: skip
        for line in failures:
            print("  " + line)
    assert counts["routes"] > 150 and counts["outsider_writes"] > 60
    assert not failures, "\n".join(failures)


# the public pages for investors (/invest, issue 23): open to anyone, reading only what is published
PUBLIC |= {
    ("GET", "/invest"),
    ("GET", "/invest/"),
    ("GET", "/invest/{lang}"),
    ("GET", "/invest/{lang}/"),
    ("GET", "/invest/{lang}/projects"),
    ("GET", "/invest/{lang}/projects/{public_project_id}"),
    ("GET", "/invest/{lang}/sites"),
    ("GET", "/invest/{lang}/sites/{public_site_id}"),
    ("GET", "/invest/{lang}/policies"),
    ("GET", "/invest/sitemap.xml"),
    ("GET", "/invest/feed.json"),
    ("GET", "/robots.txt"),
}
