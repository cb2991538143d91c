"""The OpenAPI document (GET /openapi.json) says what the service enforces, and shows how to call it.

- Every operation has a Chinese summary, and every request body a realistic example (in Chinese) that
  its own schema accepts. The operations are read from the live application, so an operation added
  later without an example fails here, listed by method and path. Every JSON answer has an example too
  (NO_EXAMPLE: only files and 204s); each example satisfies its schema and names no key it lacks, and
  (ANSWERED) its keys are those the operation answers on factory data, so an example cannot drift.
- RULES: one row per rule the service enforces on input. For each, the document must state it (the
  value is refused by the field's schema in the document: a pattern, an enum, a bound, a date's
  formatMinimum …; or, for a rule no schema keyword can carry, the field's description tells it),
  AND sending the value must be refused with a 422 naming the field (SQLite and PostgreSQL). So the
  document and the behaviour cannot drift apart.
- UNSTATED: what is deliberately left out of the schema keywords, and why.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.main import create_app
from app.models.unit import UnitKind
from app.scopes import TokenRole
from app.services.workdays import today as county_today
from tests.conftest import test_settings as settings_for
from tests.factories import bearer, make_token, make_unit, make_user
from tests.projects.factories import make_anomaly, make_investor, make_project

DOC: dict[str, Any] = create_app(settings_for("sqlite:///:memory:")).openapi()
"""The document as GET /openapi.json serves it, from an app that never touches a database."""

METHODS = ("get", "put", "post", "patch", "delete")
HAN = re.compile(r"[\u4e00-\u9fff]")


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def ref(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema and len(schema) == 1:
        schema = DOC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "$ref" in schema:  # a reference with its own keywords beside it (description, enum …)
        target = DOC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def body_examples(op: dict[str, Any]) -> list[tuple[dict[str, Any], Any]]:
    """(schema, example) for each example of an operation's request body."""
    found = []
    for media in op.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        examples = [media["example"]] if "example" in media else []
        examples += [e["value"] for e in media.get("examples", {}).values()]
        resolved = ref(schema) if schema else {}
        examples += resolved.get("examples", [])
        found += [(schema, e) for e in examples]
    return found


# --- summaries and examples --------------------------------------------------------------------


def test_every_operation_has_a_chinese_summary() -> None:
    missing = [f"{m} {p}" for m, p, op in operations() if not HAN.search(op.get("summary", ""))]
    assert not missing, "operations without a Chinese summary:\n" + "\n".join(missing)


def test_every_request_body_has_an_example() -> None:
    missing = [f"{m} {p}" for m, p, op in operations() if "requestBody" in op and not body_examples(op)]
    assert not missing, (
        "operations whose request body has no example (add model_config json_schema_extra examples, or "
        "Body(openapi_examples=…)):\n" + "\n".join(missing)
    )


def _refusals(schema: dict[str, Any], value: Any) -> list[str]:
    """Why the document's schema refuses a value: JSON Schema 2020-12 (jsonschema_rs, as schemathesis uses),
    with the date bounds the document states (formatMinimum/formatMaximum, as OpenAPI tooling and
    ajv-formats read them)."""
    root = {**schema, "components": DOC["components"]}
    found = [e.message for e in jsonschema_rs.Draft202012Validator(root, validate_formats=True).iter_errors(value)]
    if isinstance(value, str):
        for branch in [schema, *schema.get("anyOf", [])]:
            if "formatMinimum" in branch and value < branch["formatMinimum"]:
                found.append(f"{value} is before {branch['formatMinimum']}")
            if "formatMaximum" in branch and value > branch["formatMaximum"]:
                found.append(f"{value} is after {branch['formatMaximum']}")
    return found


def _response_examples(op: dict[str, Any]) -> bool:
    for status, answer in op.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        for media in answer.get("content", {}).values():
            if "example" in media or "examples" in media:
                return True
            schema = ref(media.get("schema", {}))
            for candidate in (schema, ref(schema.get("items", {}))):
                if "examples" in candidate:
                    return True
                items = candidate.get("properties", {}).get("items", {})  # a page of records
                if "examples" in ref(items.get("items", {})):
                    return True
    return False


NO_EXAMPLE = {
    # files, not JSON: an example of a Word document or a photo is no help
    "GET /api/v1/projects/import/template",
    "GET /api/v1/target-lists/import/template",
    "GET /api/v1/projects/{project_id}/attachments/{attachment_id}",
    "GET /api/v1/tasks/{task_id}/files/{file_id}",
    "GET /api/v1/awards/notice/export.docx",
    "DELETE /api/v1/robots/{robot_id}",  # 204, nothing to show
    "DELETE /api/v1/calendar/{day}",  # 204, nothing to show
}


def _has_example(op: dict[str, Any]) -> bool:
    parameters = op.get("parameters", [])
    return bool(
        body_examples(op)
        or any("example" in q or "examples" in q or "examples" in q.get("schema", {}) for q in parameters)
        or _response_examples(op)
    )


def test_the_list_without_examples_is_current() -> None:
    stale = sorted(
        k
        for k in NO_EXAMPLE
        if k.split(" ", 1)[1] not in DOC["paths"]
        or _has_example(DOC["paths"][k.split(" ", 1)[1]][k.split(" ", 1)[0].lower()])
    )
    assert not stale, "operations listed in NO_EXAMPLE that have an example now (or are gone):\n" + "\n".join(stale)


def test_every_operation_has_an_example_of_its_request_or_its_answer() -> None:
    """A body's example, example values of its parameters, or an example of what it answers."""
    missing = [f"{m} {p}" for m, p, op in operations() if f"{m} {p}" not in NO_EXAMPLE and not _has_example(op)]
    assert not missing, "operations without any example:\n" + "\n".join(missing)


def _unknown_keys(schema: dict[str, Any], value: Any, where: str = "") -> list[str]:
    """Keys of an example its schema does not name (a model's schema allows them, but no answer has them)."""
    schema = ref(schema)
    if isinstance(value, list):
        return [k for v in value for k in _unknown_keys(schema.get("items", {}), v, f"{where}[]")]
    if not isinstance(value, dict):
        return []
    if "properties" not in schema:  # one of several shapes, or an object keyed by data
        branches = [ref(b) for b in schema.get("anyOf", schema.get("oneOf", [])) if "properties" in ref(b)]
        if len(branches) != 1:
            return []
        schema = branches[0]
    properties = schema["properties"]
    return [f"{where}.{k}" for k in value if k not in properties] + [
        u for k, v in value.items() if k in properties for u in _unknown_keys(properties[k], v, f"{where}.{k}")
    ]


@pytest.mark.parametrize("name", sorted(n for n, s in DOC["components"]["schemas"].items() if "examples" in s))
def test_each_schema_example_satisfies_its_schema(name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{name}"}
    for example in DOC["components"]["schemas"][name]["examples"]:
        errors = _refusals(schema, example)
        assert not errors, (example, errors)
        assert not _unknown_keys(schema, example), f"keys the schema does not name: {_unknown_keys(schema, example)}"


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, op in operations() if body_examples(op)], ids=lambda v: str(v)
)
def test_each_request_example_satisfies_its_own_schema(method: str, path: str) -> None:
    op = DOC["paths"][path][method.lower()]
    for schema, example in body_examples(op):
        media = next(iter(op["requestBody"]["content"]))
        if media == "multipart/form-data":
            continue  # files named by example, not sent
        errors = _refusals(schema, example)
        assert not errors, (example, errors)


def test_every_event_type_is_described_under_webhooks_with_an_example() -> None:
    """The webhooks section: one entry per event type of the catalogue, its payload's schema, a Chinese
    summary, and an example of the envelope a subscriber receives that the schema accepts."""
    from app.services.events import EVENT_TYPES

    webhooks = DOC.get("webhooks", {})
    assert set(webhooks) == set(EVENT_TYPES)
    for code, item in webhooks.items():
        op = item["post"]
        assert HAN.search(op["summary"]), code
        examples = body_examples(op)
        assert examples, f"webhook {code} has no example"
        for schema, example in examples:
            assert example.get("type", code) == code
            errors = _refusals(schema, example)
            assert not errors, (code, errors)


# --- the rules: stated in the document and enforced alike --------------------------------------

TODAY = county_today()
LATER = (TODAY + timedelta(days=40)).isoformat()
TOLD_NOT_AFTER_TODAY = "不能晚于今天"


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    field: str
    """The field as the 422 names it (dotted for a nested one: investor.credit_code, shares.0.share)."""
    value: Any
    told: str = ""
    """For a rule no schema keyword can carry: words the field's description must contain. Otherwise
    the field's schema in the document must itself refuse the value."""
    refused_as: str = ""
    """The field the 422 names, when it is another than `field` (the one the user must fill)."""
    status: int = 422
    body: dict[str, Any] = field(default_factory=dict)
    """Changes to the operation's own example, to get past other checks to this one."""
    query: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} {self.field}={self.value!r}"[:100]


BAD_CODE = "91620100MA71K3QX2A"  # the example's code with another check character

RULES = [
    # investors: the unified social credit code (GB 32100-2015)
    Rule("POST", "/api/v1/investors", "credit_code", "9162010MA71K3QX2F"),  # 17 characters
    Rule("POST", "/api/v1/investors", "credit_code", "91620100MA71K3QX2FF"),  # 19
    Rule("POST", "/api/v1/investors", "credit_code", "91620100MA71K3QXIF"),  # I is not used
    Rule("POST", "/api/v1/investors", "credit_code", "91ABCDEFMA71K3QX2F"),  # no division code
    Rule("POST", "/api/v1/investors", "credit_code", BAD_CODE, told="校验位"),
    Rule("PATCH", "/api/v1/investors/{investor_id}", "credit_code", "91620100MA71K3QX2O"),
    Rule("POST", "/api/v1/leads", "investor.credit_code", "9162010MA71K3QX2F"),
    Rule("POST", "/api/v1/leads/check-duplicates", "investor.credit_code", "91620100-MA71K3QX2"),
    # leads
    Rule("POST", "/api/v1/leads", "lead_date", "1999-12-31"),
    Rule("POST", "/api/v1/leads", "lead_date", LATER, told=TOLD_NOT_AFTER_TODAY),
    Rule("PATCH", "/api/v1/leads/{lead_id}", "lead_date", "1999-06-30"),
    Rule("POST", "/api/v1/leads", "intended_investment", ""),
    Rule("POST", "/api/v1/leads", "intended_investment", "12.345"),
    Rule("POST", "/api/v1/leads/{lead_id}/judge", "status", "pending"),
    Rule("POST", "/api/v1/leads/{lead_id}/judge", "reason", "", told="认定无效（invalid）时必填"),
    Rule("POST", "/api/v1/duplicates/{pair_id}/decision", "shares.0.share", ""),
    Rule("POST", "/api/v1/registry", "intended_investment", "一亿"),
    # projects
    Rule("POST", "/api/v1/projects", "planned_investment", ""),
    Rule("POST", "/api/v1/projects", "contract_investment", "1.005"),
    Rule("POST", "/api/v1/projects", "foreign_investment_usd", "五百"),
    Rule("POST", "/api/v1/projects", "land_area_mu", ""),
    Rule("POST", "/api/v1/projects", "floor_area_m2", "1.5e"),
    Rule("POST", "/api/v1/projects", "intensity_commitment", ""),
    Rule("POST", "/api/v1/projects", "plot_ratio", "1.234"),
    Rule("POST", "/api/v1/projects", "annual_output", ""),
    Rule("POST", "/api/v1/projects", "land_granted_on", "1989-12-31"),
    Rule("POST", "/api/v1/projects", "land_granted_on", LATER, told=TOLD_NOT_AFTER_TODAY),
    Rule("POST", "/api/v1/projects", "stage_date", "1900-01-01"),
    Rule("POST", "/api/v1/projects", "stage_date", LATER, told=TOLD_NOT_AFTER_TODAY),
    Rule("PATCH", "/api/v1/projects/{project_id}", "annual_tax", ""),
    Rule("PATCH", "/api/v1/projects/{project_id}", "land_granted_on", "1970-01-01"),
    Rule(
        "POST",
        "/api/v1/projects",
        "code_name",
        "",
        told="is_confidential 为 true 时必填",
        refused_as="__all__",
        body={"is_confidential": True},
    ),
    Rule(
        "POST",
        "/api/v1/projects",
        "production_by",
        "2027-01-01",
        told="不能早于约定开工日期",
        refused_as="__all__",
        body={"start_by": "2027-03-31"},
    ),
    Rule("POST", "/api/v1/projects/{project_id}/stage", "happened_on", "1989-06-01"),
    Rule("POST", "/api/v1/projects/{project_id}/stage", "happened_on", LATER, told=TOLD_NOT_AFTER_TODAY),
    Rule(
        "POST",
        "/api/v1/projects/{project_id}/stage",
        "reason",
        "",
        told="back、pause、terminate 时必填",
        refused_as="__all__",
        body={"action": "pause", "to_stage": None},
    ),
    Rule("POST", "/api/v1/projects/{project_id}/funds", "amount", ""),
    Rule("POST", "/api/v1/projects/{project_id}/funds", "amount", "5000.001"),
    Rule("POST", "/api/v1/projects/{project_id}/funds", "amount", 0),
    Rule("POST", "/api/v1/projects/{project_id}/funds", "arrived_on", "1980-05-01"),
    Rule("POST", "/api/v1/projects/{project_id}/funds", "arrived_on", LATER, told=TOLD_NOT_AFTER_TODAY),
    Rule(
        "POST",
        "/api/v1/projects/{project_id}/funds/{funds_id}/review",
        "note",
        "",
        told="退回（reject）时必填",
        body={"decision": "reject"},
    ),
    Rule("POST", "/api/v1/projects/{project_id}/progress", "investment_completed", ""),
    Rule("POST", "/api/v1/projects/{project_id}/progress", "latitude", "北纬36度"),
    Rule("POST", "/api/v1/projects/{project_id}/progress", "reported_on", "1900-01-01"),
    Rule("POST", "/api/v1/projects/{project_id}/progress", "reported_on", LATER, told=TOLD_NOT_AFTER_TODAY),
    Rule("POST", "/api/v1/projects/{project_id}/anomalies/{anomaly_id}/clear", "reason", "", body={"version": None}),
    Rule("POST", "/api/v1/projects/{project_id}/anomalies/{anomaly_id}/clear", "reason", "查", body={"version": None}),
    Rule("GET", "/api/v1/projects", "flag", "overdue"),
    Rule(
        "GET",
        "/api/v1/funds/pending",
        "date_to",
        "2026-01-01",
        told="不能早于 date_from",
        query={"date_from": "2026-02-01"},
    ),
    # tickets
    Rule("POST", "/api/v1/tickets/requests/{request_id}/actions", "note", "", told="resolve"),
    Rule(
        "POST",
        "/api/v1/tickets/requests/{request_id}/actions",
        "verdict",
        None,
        told="关闭时必填",
        body={"action": "close", "note": ""},
    ),
    # group robots
    Rule("POST", "/api/v1/robots", "webhook_url", "https://example.com/hook"),
    Rule("POST", "/api/v1/robots", "webhook_url", "https://oapi.dingtalk.com/robot/send?access_token=abc"),
    Rule("POST", "/api/v1/robots", "webhook_url", "ftp://oapi.dingtalk.com/robot/send?access_token=4f1c9a7e2b3d4c5f"),
    Rule("POST", "/api/v1/robots", "event_types", []),
    Rule("POST", "/api/v1/robots", "event_types", ["lead.signed"]),
    Rule("POST", "/api/v1/robots", "secret", "", told="kind 为 dingtalk 时必填"),
    # people and tokens
    Rule("POST", "/api/v1/users", "initial_password", "abc", told="password_min_length"),
    Rule("POST", "/api/v1/users/{user_id}/password", "new_password", "abc", told="password_min_length"),
    Rule("POST", "/api/v1/tokens", "unit_id", None, told="unit_staff 必填"),
    Rule(
        "POST",
        "/api/v1/units",
        "tier",
        None,
        told="县直部门（kind 为 department）必填",
        refused_as="__all__",
    ),
    # awards
    Rule("POST", "/api/v1/awards", "amount", ""),
    Rule("PUT", "/api/v1/award-budget/{year}", "total", ""),
    Rule("PUT", "/api/v1/projects/{project_id}/credit", "parts.0.share", "七十"),
    Rule("POST", "/api/v1/awards/{award_id}/steps", "amount", "一万"),
    Rule(
        "POST",
        "/api/v1/projects/{project_id}/introducers",
        "investor_confirmed",
        False,
        refused_as="investor_confirmation",
    ),
    Rule("POST", "/api/v1/projects/{project_id}/introducers", "registered_on", LATER, told=TOLD_NOT_AFTER_TODAY),
    # figures and bulletins
    Rule("GET", "/api/v1/metrics", "start", "1999-12-31", query={"end": "2000-06-30"}),
    Rule("GET", "/api/v1/metrics", "end", "2101-01-01", query={"start": "2100-06-01"}),
    Rule("GET", "/api/v1/metrics", "end", "2026-01-01", told="不能早于 start", query={"start": "2026-02-01"}),
    Rule("GET", "/api/v1/metrics/{code}/records", "start", "1999-01-01", query={"end": "2000-01-31"}),
    Rule(
        "GET",
        "/api/v1/metrics/{code}/records",
        "code",
        "signed_projects",
        status=404,
        query={"start": "2026-01-01", "end": "2026-06-30"},
    ),
    Rule("GET", "/api/v1/rates", "start", "1999-12-31", query={"end": "2000-06-30"}),
    Rule("GET", "/api/v1/rates", "end", "2101-01-01", query={"start": "2100-06-01"}),
    Rule("GET", "/api/v1/targets", "as_of", "1999-12-31", query={"year": 2000}),
    Rule("GET", "/api/v1/targets", "as_of", "2101-01-01", query={"year": 2100}),
    Rule("GET", "/api/v1/reports", "period_start", "1999-11-01", query={"cadence": "monthly"}),
    Rule("GET", "/api/v1/bulletins/{kind}/{year}/{number}", "year", 1999),
    Rule("GET", "/api/v1/bulletins/{kind}/{year}/{number}", "number", 13),
    Rule("GET", "/api/v1/bulletins/{kind}/{year}/{number}", "number", 0),
]

UNSTATED = {
    # What the service checks that the schema keywords deliberately do not carry (the description tells
    # it, or the rule is about stored records and state, not the shape of the input):
    "credit code check character": "a checksum (GB 32100-2015) no JSON Schema keyword computes: told (校验位)",
    "credit code input forms": "lower case, full-width characters and spaces are read as the code (NFKC, upper "
    "case, spaces removed); the pattern states the code's own form",
    "dates not after today": "today moves (the server's clock, Asia/Shanghai): told (不能晚于今天) in the "
    "description; the fixed lower bound is formatMinimum",
    "decimal places of a JSON number": "multipleOf 0.01 misjudges binary floats (0.07); the string form's "
    "pattern states the places, and max_digits/decimal_places refuse the rest",
    "decimals written 1e3 or 1_000": "read by pydantic, not in the string pattern (plain digits): the "
    "document is stricter than the service there, never looser",
    "zero amounts as a string": "amount > 0 is exclusiveMinimum on the number; the string pattern does not exclude '0'",
    "password policy": "its figures are settings (password_min_length, password_min_classes): told",
    "robot hosts": "the allowed hosts are a setting (robot_hosts, may be *): told; the pattern states the "
    "address and its access_token/key",
    "dingtalk secret": "needed for kind dingtalk only (a pattern would refuse WeCom robots' blanks): told",
    "award step fields": "which fields a step needs, and notice days 7–60, hold for that step only: told "
    "beside each field (a bound on `days` would refuse values the other steps ignore)",
    "cross-field rules": "either-or fields (investor_id or lead_id, project_id or investor_id, lat with long) "
    "and fields a choice requires: told in the descriptions; most are refused as __all__",
    "bulletin year's upper bound and a period not yet begun": "next year by the server's clock: told; the "
    "lower bounds are stated (minimum)",
    "records and state": "a unit, lead, policy … that must exist or belong to the caller's unit, stage order, "
    "the steps an award or a ticket may take in its status: lookups, not input shape",
    "Open311 GeoReport v2": "refuses with 400 and its own error list, as the GeoReport spec says: not 422",
}


@dataclass
class World:
    headers: dict[str, str]
    ids: dict[str, Any]


@pytest.fixture
def world(db: Session) -> World:
    bureau = make_unit(db, kind=UnitKind.department, tier=1)
    town = make_unit(db)
    investor = make_investor(db)
    project = make_project(db, town, investor=investor)
    anomaly = make_anomaly(db, project)
    clerk = make_user(db, town)
    secret = make_token(db, bureau, role=TokenRole.coordinator)
    db.commit()
    ids = {
        "project_id": project.id,
        "anomaly_id": anomaly.id,
        "investor_id": investor.id,
        "unit_id": town.id,
        "user_id": clerk.id,
        "year": TODAY.year,
        "kind": "monthly",
        "number": 1,
        "code": "contract_investment",
    }
    return World(bearer(secret), ids)


def _operation(rule: Rule) -> dict[str, Any]:
    item = DOC["paths"].get(rule.path, {})
    assert rule.method.lower() in item, f"{rule.method} {rule.path} is no operation of the document"
    return item[rule.method.lower()]


def _parameter(op: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in op.get("parameters", []) if p["name"] == name), None)


def _field_schema(op: dict[str, Any], dotted: str) -> dict[str, Any]:
    parameter = _parameter(op, dotted)
    if parameter is not None:
        return {**parameter["schema"], "description": parameter.get("description", "")}
    schema = ref(op["requestBody"]["content"]["application/json"]["schema"])
    parts = dotted.split(".")
    for index, part in enumerate(parts):
        if part.isdigit():
            schema = ref(schema["items"])
            continue
        if "properties" not in schema:
            schema = next(ref(b) for b in schema.get("anyOf", []) if "properties" in ref(b))
        schema = schema["properties"][part]
        if index < len(parts) - 1:
            schema = ref(schema) if "anyOf" not in schema else schema
    return schema


def _set(body: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    target: Any = body
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
    if parts[-1].isdigit():
        target[int(parts[-1])] = value
    else:
        target[parts[-1]] = value


def _descriptions(schema: dict[str, Any]) -> str:
    return " ".join([schema.get("description", ""), *(ref(b).get("description", "") for b in schema.get("anyOf", []))])


def test_the_rules_are_each_one_row() -> None:
    assert len(RULES) >= 60
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_the_document_states_the_rule(rule: Rule) -> None:
    schema = _field_schema(_operation(rule), rule.field)
    if rule.told:
        assert rule.told in _descriptions(schema), (rule.field, schema)
        return
    refusals = _refusals(schema, rule.value)
    assert refusals, f"the document's schema of {rule.field} accepts {rule.value!r}: {schema}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_the_service_refuses_what_the_document_refuses(client: TestClient, world: World, rule: Rule) -> None:
    op = _operation(rule)
    path_values = {**world.ids, "lead_id": 1, "pair_id": 1, "funds_id": 1, "request_id": 1, "award_id": 1}
    params = dict(rule.query)
    body: dict[str, Any] | None = None
    if _parameter(op, rule.field) is not None and _parameter(op, rule.field)["in"] == "path":  # type: ignore[index]
        path_values[rule.field] = rule.value
    elif _parameter(op, rule.field) is not None:
        params[rule.field] = rule.value
    else:
        body = copy.deepcopy(body_examples(op)[0][1])
        body.update({k: v for k, v in rule.body.items() if "." not in k})
        if "unit_id" in body:
            body["unit_id"] = world.ids["unit_id"]
        _set(body, rule.field, rule.value)
    url = rule.path.format(**path_values)
    response = client.request(rule.method, url, params=params, json=body, headers=world.headers)
    assert response.status_code == rule.status, response.text
    if rule.status != 422:
        return
    answer = response.json()
    named = {answer.get("field")} | {d.get("field") for d in answer.get("details") or [] if isinstance(d, dict)}
    assert (rule.refused_as or rule.field) in named, answer
    assert HAN.search(answer["message"]), answer


# --- the answers' examples against real answers --------------------------------------------------

ANSWERED = [
    "GET /healthz",
    "GET /readyz",
    "GET /api/v1/me",
    "GET /api/v1/leads/{lead_id}/credits",
    "GET /api/v1/units/{unit_id}/lead-quota",
    "GET /api/v1/registry",
    "GET /api/v1/policies",
    "GET /api/v1/policies/{policy_id}",
    "GET /api/v1/awards",
    "GET /api/v1/awards/{award_id}",
    "GET /api/v1/campaigns",
    "GET /api/v1/campaigns/{campaign_id}",
    "GET /api/v1/bulletins",
    "GET /api/v1/event-types",
    "GET /api/v1/targets/{year}/curve",
    "GET /api/v1/reports/cadences",
    "GET /api/v1/webhooks",
    "GET /api/v1/spot-checks",
    "GET /api/v1/spot-checks/{check_id}",
    "GET /api/v1/activities",
    "GET /api/v1/settings",
    "GET /api/v1/calendar",
    "GET /open311/discovery.{fmt}",
    "GET /open311/v2/services.{fmt}",
    "GET /open311/v2/services/{service_code}.{fmt}",
    "GET /open311/v2/requests.{fmt}",
    "GET /open311/v2/requests/{service_request_id}.{fmt}",
    "GET /api/v1/assessment/{year}",
    "GET /api/v1/assessment/{year}/units/{unit_id}",
]
"""Operations whose example is compared with what the operation answers on factory data."""


@dataclass
class Answering:
    headers: dict[str, str]
    ids: dict[str, Any]


@pytest.fixture
def answering(client: TestClient, db: Session) -> Answering:
    """A county with one of everything the operations answer about (a nested list holds an item, so its
    items' keys are compared too), and the bureau's coordinator token."""
    from sqlalchemy import select

    from app.models.award import Award, AwardObjection, PolicyKind, PolicyVersion, RecipientType
    from app.models.base import utcnow
    from app.models.lead import LeadCredit, LeadStatus, RegistryClaim, RegistryEntry
    from app.models.performance import Campaign
    from app.models.ticket import TicketCategory, TicketStatus
    from app.schemas.performance import CampaignCreate, rules_json
    from tests.awards.factories import make_policy
    from tests.leads.factories import make_lead
    from tests.tickets.factories import make_ticket

    bureau = make_unit(db, name="县招商局", short_name="招商局", kind=UnitKind.department, tier=1)
    town = make_unit(db, name="城关镇人民政府", short_name="城关镇")
    other = make_unit(db, name="青石镇人民政府", short_name="青石镇")
    investor = make_investor(db)
    lead = make_lead(db, town, investor, status=LeadStatus.valid)
    project = make_project(db, town, investor=investor)
    entry = RegistryEntry(
        investor_id=investor.id,
        lead_id=lead.id,
        project_name="年产 2GWh 储能电池项目",
        intended_investment=120000,
        holder_unit_id=town.id,
        registered_at=utcnow(),
    )
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, recipients=["unit"])
    award = Award(
        policy_version_id=db.execute(select(PolicyVersion.id).where(PolicyVersion.policy_id == policy.id)).scalar_one(),
        project_id=project.id,
        applicant_unit_id=town.id,
        recipient_type=RecipientType.unit,
        recipient_name=town.name,
        recipient_unit_id=town.id,
        budget_year=TODAY.year,
        calculation="已确认到位资金 100.00 万元 ÷ 10 万元 × 500.00 元 = 5,000.00 元",
        amount=5000,
    )
    example = CampaignCreate.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    campaign = Campaign(
        name="百日攻坚竞赛",
        starts_on=TODAY.replace(month=6, day=1),
        ends_on=TODAY.replace(month=9, day=8),
        rules=rules_json(CampaignCreate.model_validate(example).rules),
    )
    land = db.execute(select(TicketCategory).where(TicketCategory.code == "land")).scalar_one()
    ticket = make_ticket(
        db, town, land, status=TicketStatus.in_progress, handler=other, due_on=TODAY, project_id=project.id
    )
    db.add_all([entry, award, campaign])
    db.add_all(
        [
            LeadCredit(lead_id=lead.id, unit_id=town.id, share=60),
            LeadCredit(lead_id=lead.id, unit_id=other.id, share=40),
        ]
    )
    db.flush()
    db.add(RegistryClaim(entry_id=entry.id, claimant_unit_id=other.id, claimed_at=utcnow(), statement="我镇先行接洽"))
    db.add(AwardObjection(award_id=award.id, raised_on=TODAY, raised_by="青石镇人民政府", content="功劳份额应予调整"))
    coordinator, clerk = make_token(db, bureau, role=TokenRole.coordinator), make_token(db, town)
    db.commit()
    headers = bearer(coordinator)
    day = TODAY.isoformat()
    writes = [
        ("POST", "/api/v1/webhooks", {"name": "省招商引资项目管理平台", "url": "https://zsyz.example.gov.cn/hooks"}),
        ("PUT", "/api/v1/reports/cadences/monthly", {"due_days": 5, "is_active": True}),
        ("POST", "/api/v1/spot-checks", {"period_start": f"{TODAY.year}-01-01", "period_end": day}),
        ("PUT", f"/api/v1/calendar/{TODAY.year}-10-01", {"is_workday": False, "name": "国庆节"}),
        ("PATCH", "/api/v1/settings", {"unit_quotas": [{"unit_id": town.id, "value": "3", "version": 0}]}),
        ("POST", f"/api/v1/bulletins/monthly/{TODAY.year - 1}/12/publish", {"confirm_early": False}),
    ]
    for method, path, body in writes:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code < 300, (path, response.text)
    activities = {
        "trip": {"started_on": day, "ended_on": day, "destination": "广东省深圳市", "people": "张局长"},
        "reception": {"received_on": day, "visitors": "浙江某智能装备有限公司考察团", "persons": 6},
        "event": {"held_on": day, "name": "新能源产业招商推介会", "place": "深圳会展中心", "project_ids": [project.id]},
        "trade": {"month": day[:7], "amount_usd": "486.50"},
    }
    for kind, body in activities.items():
        response = client.post(f"/api/v1/activities/{kind}", json=body, headers=bearer(clerk))
        assert response.status_code < 300, (kind, response.text)
    ids = {
        "lead_id": lead.id,
        "unit_id": town.id,
        "policy_id": policy.id,
        "award_id": award.id,
        "campaign_id": campaign.id,
        "year": TODAY.year,
        "check_id": client.get("/api/v1/spot-checks", headers=headers).json()["items"][0]["id"],
        "fmt": "json",
        "service_code": "land",
        "service_request_id": ticket.id,
    }
    return Answering(headers, ids)


def _answer_example(op: dict[str, Any]) -> Any:
    """The example the document shows of an operation's JSON answer, in the answer's own shape: the
    answer's example, its model's, a list of its item model's, or a page of them."""
    for status, answer in op.get("responses", {}).items():
        media = answer.get("content", {}).get("application/json")
        if not status.startswith("2") or media is None:
            continue
        if "example" in media:
            return media["example"]
        schema = media["schema"]
        resolved = ref(schema)
        if "examples" in resolved:
            return resolved["examples"][0]
        items = resolved.get("items", {})
        if "examples" in ref(items):
            return [ref(items)["examples"][0]]
        page_items = resolved.get("properties", {}).get("items", {}).get("items", {})
        if "examples" in ref(page_items):
            example = [ref(page_items)["examples"][0]]
            return {name: example if name == "items" else 0 for name in resolved["properties"]}
    raise AssertionError("no example of the answer")


OPAQUE = {"payload_schema", "basis", "params"}
"""JSON whose keys are data, not the answer's shape: a JSON Schema, the figures of an award's calculation,
a policy's parameters."""
KEYED_BY_DATA = {"settings"}
"""Objects keyed by data (a setting's code): the example shows some of them, each with the answer's shape."""


def _differences(example: Any, answer: Any, where: str = "") -> list[str]:
    """Where the example's keys are not the answer's, at every level both show (a list by its first item)."""
    name = where.rsplit(".", 1)[-1]
    if isinstance(example, dict) and isinstance(answer, dict) and name not in OPAQUE:
        found = []
        if name not in KEYED_BY_DATA:
            unknown = sorted(set(example) - set(answer))
            missing = sorted(set(answer) - set(example))
            if unknown or missing:
                found.append(f"{where or '(answer)'}: the example has {unknown} the answer lacks, lacks {missing}")
        for key in sorted(set(example) & set(answer)):
            found += _differences(example[key], answer[key], f"{where}.{key}")
        return found
    if isinstance(example, list) and isinstance(answer, list) and example and answer:
        return _differences(example[0], answer[0], f"{where}[0]")
    return []


def test_the_answers_examples_have_the_answers_keys(client: TestClient, answering: Answering) -> None:
    """Each example of an answer (a dict's, a model's) has the keys the operation answers on real data, at
    every level where both show something: an example cannot drift from the answer."""
    drifted = []
    for key in ANSWERED:
        method, path = key.split(" ", 1)
        params = {"year": TODAY.year} if path == "/api/v1/calendar" else {}
        url = path.format(**answering.ids)
        response = client.request(method, url, params=params, headers=answering.headers)
        assert response.status_code == 200, (key, response.text)
        example = _answer_example(DOC["paths"][path][method.lower()])
        drifted += [f"{key} {difference}" for difference in _differences(example, response.json())]
    assert not drifted, "examples whose keys are not the answer's:\n" + "\n".join(drifted)


def test_every_answered_operation_with_an_example_is_compared() -> None:
    """The operations whose answer is a dict the route builds (an example in the route's responses) are all
    compared with a real answer above."""
    with_route_example = {
        f"{m} {p}"
        for m, p, op in operations()
        if any(
            "example" in media
            for answer in op.get("responses", {}).values()
            for media in answer.get("content", {}).values()
        )
        and m == "GET"
    }
    assert with_route_example <= set(ANSWERED), sorted(with_route_example - set(ANSWERED))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (m, p)
        for m, p, op in operations()
        if any(
            "example" in media
            for answer in op.get("responses", {}).values()
            for media in answer.get("content", {}).values()
        )
    ],
    ids=lambda v: str(v),
)
def test_each_answer_example_satisfies_its_schema(method: str, path: str) -> None:
    for status, answer in DOC["paths"][path][method.lower()]["responses"].items():
        for media in answer.get("content", {}).values():
            if "example" in media:
                errors = _refusals(media.get("schema", {}), media["example"])
                assert not errors, (status, errors)


def _nulls_in_examples(node: Any, inside: bool = False) -> int:
    if isinstance(node, dict):
        return sum(_nulls_in_examples(v, inside or k in ("example", "examples")) for k, v in node.items())
    if isinstance(node, list):
        return sum(_nulls_in_examples(v, inside) for v in node)
    return int(inside and node is None)


def test_the_served_document_keeps_the_nulls_of_examples(client: TestClient) -> None:
    """An example answer shows a claim not yet decided as `"winner_unit_id": null`, as the API answers it:
    the served document keeps the key (FastAPI's own encoding drops every null, examples' included)."""
    served = client.get("/openapi.json").json()
    assert _nulls_in_examples(served) > 20
    claim = served["paths"]["/api/v1/registry"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "null" in json.dumps(claim["example"])
