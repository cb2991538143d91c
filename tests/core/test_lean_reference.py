"""The lean reference server (bench/lean.py) answers the project by id and the filtered list exactly
as the API does: same status, same JSON (values and key order, byte for byte), same writes (the
audit entry of a refused read, the token's last use), for a set of ids, filters and tokens.

bench/run.py measures the project against it; if its answers drifted from the API's, the ratio
would compare different work. PostgreSQL only (the lean server is PostgreSQL's only)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.db import make_engine, make_session_factory
from app.main import create_app
from app.models.audit import AuditEntry
from app.models.investor import InvestorType
from app.models.project import Category, ProjectStatus, Stage
from app.models.setting import AppSetting
from app.models.user import ApiToken
from app.schemas.projects import ProjectRead
from app.scopes import TokenRole
from app.services import audit, system, workdays
from app.services.security import sha256_hex
from bench.lean import LeanApp
from tests import conftest
from tests.factories import make_token, make_unit
from tests.projects.factories import make_anomaly, make_investor, make_project

pytestmark = pytest.mark.postgres_only

TODAY = workdays.today()
AGO = TODAY - timedelta(days=400)


@pytest.fixture(scope="module")
def pg() -> Iterator[tuple[str, Engine]]:
    """A database of its own: the lean server reads with its own connections, so the data must be
    committed (the shared fixtures roll each test's data back)."""
    url, drop = conftest.create_pg_database("zs_lean")
    system.migrate(url)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    drop()


def _world(db: Session) -> dict[str, Any]:
    """Three units' projects raising every warning, a confidential one, an anomaly; tokens of every kind."""
    a, b, c = make_unit(db), make_unit(db), make_unit(db)
    listed = make_investor(db, name="博康汽配制造有限公司", investor_type=InvestorType.listed)
    projects = [
        make_project(
            db, a, stage=Stage.started, reached=AGO, contract_investment=Decimal("12345.67"), industry="新材料"
        ),
        make_project(  # confidential: its name, investor and lead shown only to its units and the coordinator
            db,
            a,
            stage=Stage.signed,
            is_confidential=True,
            code_name="蓝鲸",
            name="绝密芯片产业园",
            investor=listed,
            contract_investment=Decimal(5000),
            start_by=TODAY - timedelta(days=10),
        ),
        make_project(db, a, responsible=b, stage=Stage.intent, category=Category.agriculture),
        make_project(
            db,
            b,
            stage=Stage.completed,
            completed_fell=True,
            intensity_commitment=Decimal(300),
            land_area_mu=Decimal("10.5"),
            investment_completed=Decimal(100),
            contract_investment=Decimal(2000),
            funds_confirmed=Decimal(2500),
            first_funds_on=AGO - timedelta(days=400),
        ),
        make_project(
            db,
            b,
            stage=Stage.landed,
            land_granted_on=AGO,
            status=ProjectStatus.paused,
            investor=listed,
            name="博康新厂",
        ),
        make_project(db, c, stage=Stage.negotiating, planned_investment=Decimal("0.5"), industry="新_材%料"),
        make_project(
            db,
            c,
            stage=Stage.full_capacity,
            contract_investment=Decimal(150000),
            last_progress_on=TODAY,
            sector="tertiary",
        ),
    ]
    make_anomaly(db, projects[0])
    make_anomaly(db, projects[0])
    db.add(AppSetting(key="stalled_days", value="45"))
    coordinator = make_token(db, role=TokenRole.coordinator)
    tokens = {
        "unit a": make_token(db, a),
        "unit a read-only": make_token(db, a, read_only=True),
        "unit b": make_token(db, b),
        "coordinator": coordinator,
        "coordinator read-only": make_token(db, role=TokenRole.coordinator, scopes={"read"}),
        "reader": make_token(db),
        "no read scope": make_token(db, a, scopes={"projects"}),
        "expired": make_token(db, a, expires_at=datetime.now(UTC) - timedelta(minutes=1)),
        "revoked": make_token(db, role=TokenRole.coordinator, revoked_at=datetime.now(UTC) - timedelta(days=1)),
    }
    db.commit()
    return {
        "units": (a.id, b.id, c.id),
        "projects": [p.id for p in projects],
        "tokens": tokens,
        "coordinator": coordinator,
    }


@pytest.fixture(scope="module")
def world(pg: tuple[str, Engine]) -> dict[str, Any]:
    with make_session_factory(pg[1])() as db:
        return _world(db)


@pytest.fixture(scope="module")
def project_client(pg: tuple[str, Engine]) -> Iterator[TestClient]:
    app = create_app(conftest.test_settings(pg[0]), engine=pg[1])
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


def lean_answers(url: str, requests: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:
    """The lean ASGI app's answers, in-process, one request after another (as the project's)."""

    async def run() -> list[httpx.Response]:
        lean = LeanApp(url, pool_size=2)
        transport = httpx.ASGITransport(app=lean)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return [await client.get(path, headers=headers) for path, headers in requests]
        finally:
            await lean.aclose()

    # in a thread of its own: a browser test in the same worker may have left an event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def key_order(value: Any) -> Any:
    """The keys of every object in a JSON value, in order."""
    if isinstance(value, dict):
        return [(k, key_order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [key_order(v) for v in value]
    return None


def assert_same(project: httpx.Response, lean: httpx.Response, what: str) -> None:
    assert (lean.status_code, what) == (project.status_code, what), lean.text
    ours, theirs = project.json(), lean.json()
    assert theirs == ours, what
    assert key_order(theirs) == key_order(ours), what
    assert lean.content == project.content, what  # formatting too: no spaces, UTF-8, decimals as stored
    assert lean.headers["content-type"] == "application/json", what
    if project.status_code == 401:
        assert lean.headers["www-authenticate"] == "Bearer"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


LIST_QUERIES = [
    "",
    "?limit=50",
    "?stage=started&limit=50",
    "?category=industrial&limit=50&sort=contract",
    "?size_band=from_1000&limit=50",
    "?limit=2",
    "?limit=2&offset=2",
    "?limit=3&offset=1&sort=name",
    "?sort=stage",
    "?sort=signed",
    "?sort=stage_age",
    "?sort=funds&status=paused",
    "?sector=tertiary",
    "?industry=材料",
    "?industry=_材%25",
    "?industry_chain=x",
    "?investor_type=listed",
    "?flag=stalled",
    "?flag=not_started",
    "?flag=land_idle",
    "?flag=below_intensity",
    "?flag=funds_before_signing",
    "?flag=funds_over_contract",
    "?flag=completed_fell",
    "?flag=completed_fell&limit=1&offset=0",
    "?anomaly=true",
    "?anomaly=0",
    "?date_field=started_on&date_from=2000-01-01",
    f"?date_field=stage_since&date_to={AGO.isoformat()}",
    "?q=博康",
    "?q=绝密",
    "?q=蓝鲸",
    "?q=测试项目",
    "?updated_since=2000-01-01T00:00:00%2B08:00",
    "?updated_since=2000-01-01T00:00:00",
    "?updated_since=2100-01-01T00:00:00Z",
    "?stage=started&stage=signed",
    "?unknown=1",
    # refused as the API refuses them
    "?limit=0",
    "?limit=201",
    "?limit=abc",
    "?offset=-1",
    "?stage=nowhere",
    "?stage=",
    "?stage=nowhere&limit=0",
    "?flag=unknown",
    "?flag=" + "x" * 31,
    "?anomaly=maybe",
    "?date_field=created_at",
    "?date_from=2026-13-01",
    "?date_from=yesterday",
    "?sort=random",
    "?q=" + "x" * 101,
    "?industry=" + "x" * 61,
    "?updated_since=now",
    "?unit_id=0",
    "?investor_type=state",
]


def test_lean_reference_answers_as_the_api(
    pg: tuple[str, Engine], world: dict[str, Any], project_client: TestClient
) -> None:
    a, b, _c = world["units"]
    ids = [*world["projects"], 999_999]
    requests: list[tuple[str, dict[str, str]]] = []
    for name, secret in world["tokens"].items():
        headers = bearer(secret)
        requests += [(f"/api/v1/projects/{i}", headers) for i in ids]
        requests += [(f"/api/v1/projects{q}", headers) for q in LIST_QUERIES if name in ("unit a", "reader")]
        requests += [(f"/api/v1/projects?limit=50&unit_id={unit}", headers) for unit in (a, b)]
        requests += [("/api/v1/projects?q=博康&sort=name", headers), ("/api/v1/projects?stage=started", headers)]
    for bad in ("0", "abc", "2147483648", "-1"):
        requests.append((f"/api/v1/projects/{bad}", bearer(world["coordinator"])))
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer nope"},
        bearer("x" * 201),
    ):
        requests += [("/api/v1/projects", headers), (f"/api/v1/projects/{ids[0]}", headers)]

    theirs = lean_answers(pg[0], requests)
    for (path, headers), lean in zip(requests, theirs, strict=True):
        ours = project_client.get(path, headers=headers)
        assert_same(ours, lean, f"{path} as {headers.get('Authorization', 'nobody')[:30]}")
    seen = {r.status_code for r in theirs}
    assert seen == {200, 401, 403, 404, 422}  # every kind of answer was compared

    # the answers show what they must: warnings, anomalies, a masked identity (not merely the same)
    coordinator, reader = bearer(world["coordinator"]), bearer(world["tokens"]["reader"])
    first, secret, _shared, warned = world["projects"][:4]
    shown = project_client.get(f"/api/v1/projects/{first}", headers=coordinator).json()
    assert shown["open_anomalies"] == 2 and len(shown["anomalies"]) == 2 and "stalled" in shown["flags"]
    assert project_client.get(f"/api/v1/projects/{secret}", headers=reader).json()["name"] == "【保密】蓝鲸"
    flags = project_client.get(f"/api/v1/projects/{warned}", headers=reader).json()["flags"]
    assert set(flags) >= {"below_intensity", "funds_before_signing", "funds_over_contract", "completed_fell"}


def _latest_denials(engine: Engine, n: int) -> list[dict[str, Any]]:
    with Session(engine) as db:
        rows = db.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(n)).scalars().all()
        assert all(r.action == "permission_denied" for r in rows)
        keep = ("actor_user_id", "actor_token_id", "actor_label", "unit_id", "action", "entity", "entity_id")
        return [{**{k: getattr(r, k) for k in keep}, "changes": r.changes} for r in rows]


def test_lean_reference_writes_as_the_api(
    pg: tuple[str, Engine], world: dict[str, Any], project_client: TestClient
) -> None:
    """A refused read is audited (same entry, chain intact); a token's last use is stamped after a
    successful answer only."""
    url, engine = pg
    other_units = bearer(world["tokens"]["unit b"])
    no_scope = bearer(world["tokens"]["no read scope"])
    first = world["projects"][0]  # unit a's: hidden from unit b
    requests = [(f"/api/v1/projects/{first}", other_units), ("/api/v1/projects", no_scope)]

    for path, headers in requests:
        assert project_client.get(path, headers=headers).status_code in (403, 404)
    ours = _latest_denials(engine, 2)
    assert [r.status_code for r in lean_answers(url, requests)] == [404, 403]
    assert _latest_denials(engine, 2) == ours
    assert ours[0]["changes"] == {"path": "/api/v1/projects", "code": "scope_missing"}
    assert ours[1]["changes"] == {"path": f"/api/v1/projects/{first}", "code": "not_found"}
    with Session(engine) as db:
        assert audit.verify_chain(db).ok

    def stamp(secret: str) -> datetime | None:
        with Session(engine) as db:
            token = db.execute(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret))).scalar_one()
            return token.last_used_at

    fresh = make_fresh_token(engine)
    assert project_client.get("/api/v1/projects/999999", headers=bearer(fresh)).status_code == 404
    assert stamp(fresh) is None  # the API stamps a token's use only with a successful answer
    lean_answers(url, [("/api/v1/projects/999999", bearer(fresh))])
    assert stamp(fresh) is None
    lean_answers(url, [("/api/v1/projects?limit=1", bearer(fresh))])
    first_use = stamp(fresh)
    assert first_use is not None
    lean_answers(url, [("/api/v1/projects?limit=1", bearer(fresh))])  # within the minute: not again
    assert stamp(fresh) == first_use
    earlier = first_use - timedelta(minutes=2)
    with Session(engine) as db:
        db.execute(update(ApiToken).where(ApiToken.token_hash == sha256_hex(fresh)).values(last_used_at=earlier))
        db.commit()
    lean_answers(url, [(f"/api/v1/projects/{first}", bearer(fresh))])  # a minute later: stamped again
    again = stamp(fresh)
    assert again is not None and again > earlier + timedelta(minutes=1)


def make_fresh_token(engine: Engine) -> str:
    with make_session_factory(engine)() as db:
        secret = make_token(db, role=TokenRole.coordinator)
        db.commit()
    return secret


def test_lean_reference_json_is_what_pydantic_writes() -> None:
    """The lean server's JSON library writes what pydantic writes for these values (sanity of the
    byte comparison above: strings, dates, nulls, lists)."""
    import orjson

    value = {"name": "【保密】蓝鲸", "on": TODAY, "none": None, "flags": ["stalled"], "n": 3, "ok": True}
    assert (
        orjson.dumps(value)
        == json.dumps({**value, "on": TODAY.isoformat()}, ensure_ascii=False, separators=(",", ":")).encode()
    )


def test_lean_reference_knows_the_api_values() -> None:
    """Its copies of the API's choices (enums, sorts, warnings, date fields) are the API's."""
    from app.models.project import Sector, SizeBand
    from app.services import projects
    from bench import lean

    for name, enum in (
        ("stage", Stage),
        ("status", ProjectStatus),
        ("category", Category),
        ("sector", Sector),
        ("size_band", SizeBand),
        ("investor_type", InvestorType),
    ):
        assert lean.ENUMS[name] == {m.value for m in enum}, name
    assert list(lean.SORTS) == list(projects.SORTS)
    assert list(lean.FLAG_CONDITIONS) == list(projects.FLAG_LABELS)
    assert set(lean.DATE_FIELDS) == set(projects.DATE_FILTER_FIELDS)
    assert tuple(ProjectRead.model_fields) == (*lean.HEAD_KEYS, "open_anomalies", "anomalies", "version")
