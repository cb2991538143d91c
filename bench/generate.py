"""Build a deterministic province-sized data set and load it into SQLite and/or PostgreSQL.

    .venv/bin/python bench/generate.py --seed 1 --target both          # full size
    .venv/bin/python bench/generate.py --seed 1 --target sqlite --scale 0.05

Full size: 2,000 units in a province → city → county → town/department/zone tree with tiers,
20,000 users, 200,000 leads, 100,000 projects across all stages, 1,000,000 funds-arrival and
progress rows together, 50,000 tickets, 20,000 awards, a year of targets and a campaign.
The same code path (SQLAlchemy Core bulk inserts over a migrated schema) loads both databases;
the script prints how long each part took. Audit entries are not generated for bench rows.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, insert, text

from app.db import make_engine
from app.models import (
    Award,
    Campaign,
    FundsArrival,
    IncentivePolicy,
    Investor,
    Lead,
    PolicyVersion,
    ProgressUpdate,
    Project,
    Target,
    Ticket,
    TicketCategory,
    TicketUnit,
    Unit,
    User,
)
from app.models.award import AwardBudget
from app.models.project import STAGE_ORDER, size_band_for
from app.services import performance, system, tickets
from app.services.names import name_key
from app.services.security import hash_password

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HERE = Path(__file__).resolve().parent
BENCH_PASSWORD = "Bench@2026"
BENCH_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # privileged bench users' second factor
TODAY = date(2026, 11, 20)  # fixed, so every run builds the same data
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CHUNK = 5000


def chunks(rows: list[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Loader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.timings: list[tuple[str, float, int]] = []

    def put(self, label: str, table: Any, rows: list[dict[str, Any]]) -> None:
        started = time.perf_counter()
        with self.engine.begin() as conn:
            conn.execute(table.delete())  # a migration may have seeded reference rows (ticket categories)
            for batch in chunks(rows):
                conn.execute(insert(table), batch)
        self.timings.append((label, time.perf_counter() - started, len(rows)))

    def fix_sequences(self) -> None:
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as conn:
            for table in (
                "unit",
                "user_account",
                "investor",
                "lead",
                "project",
                "funds_arrival",
                "progress_update",
                "ticket",
                "ticket_unit",
                "ticket_category",
                "incentive_policy",
                "policy_version",
                "award",
                "target",
                "campaign",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                    )
                )
        # VACUUM (outside a transaction) sets the visibility map, as autovacuum would on a live
        # database: without it every count reads the table's pages instead of an index alone
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def build(seed: int, scale: float) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    n = lambda full: max(1, int(full * scale))  # noqa: E731
    data: dict[str, list[dict[str, Any]]] = {}
    units: list[dict[str, Any]] = []
    uid = 0

    def unit(name: str, kind: str, parent: int | None, tier: int | None = None) -> int:
        nonlocal uid
        uid += 1
        units.append(
            {
                "id": uid,
                "parent_id": parent,
                "name": name,
                "short_name": name[-12:],
                "kind": kind,
                "tier": tier,
                "head_name": "",
                "phone": "",
                "address": "",
                "sort_order": uid,
                "is_active": True,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        return uid

    province = unit("某省投资促进局", "jurisdiction", None)
    bureau = unit("某省投资促进局招商处", "department", province, 1)
    target_units = n(2000)
    county = 0
    while uid < target_units:
        county += 1
        c = unit(f"第{county}县人民政府", "jurisdiction", province)
        for d in range(8):
            unit(f"第{county}县部门{d + 1}", "department", c, d % 4 + 1)
        for t in range(6):
            unit(f"第{county}县第{t + 1}镇", "town", c)
        z = unit(f"第{county}县经济开发区", "zone", c)
        unit(f"第{county}县开发区招商局", "zone_bureau", z)
        unit(f"第{county}县新材料招商组", "industry_team", c)
        unit(f"第{county}县驻沪分队", "resident_office", c)
    units = units[:target_units]
    data["unit"] = units
    working = [u for u in units if u["kind"] not in ("jurisdiction", "zone")]
    pw = hash_password(BENCH_PASSWORD)
    users = []
    for i in range(n(20000)):
        u = working[i % len(working)]
        role = (
            "coordinator" if i == 0 else ("leader" if i % 97 == 0 else ("supervisor" if i % 89 == 0 else "unit_staff"))
        )
        users.append(
            {
                "id": i + 1,
                "username": f"u{i + 1:05d}",
                "display_name": f"用户{i + 1}",
                "unit_id": bureau if i == 0 else u["id"],
                "role": role,
                "phone": "",
                "password_hash": pw,
                "password_changed_at": NOW,
                "must_change_password": False,
                "totp_enabled": role != "unit_staff",
                "totp_secret": BENCH_TOTP if role != "unit_staff" else None,
                "failed_login_count": 0,
                "is_active": True,
                "is_demo": False,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    data["user_account"] = users
    staff_by_unit: dict[int, int] = {}
    for user in users:
        if user["role"] == "unit_staff":
            staff_by_unit.setdefault(user["unit_id"], user["id"])
    leaders = [u["id"] for u in users if u["role"] == "leader"] or [1]
    prefixes = ["华", "恒", "瑞", "盛", "远", "鑫", "达", "正", "宏", "泰", "新", "嘉", "宇", "安", "博", "康"]
    words = ["新材料", "电子", "食品", "智能装备", "生物医药", "光伏", "物流", "文旅", "纺织", "化工", "汽配", "家居"]
    investors = []
    for i in range(n(50000)):
        name = f"{rng.choice(prefixes)}{rng.choice(prefixes)}{rng.choice(words)}科技有限公司{i}"
        investors.append(
            {
                "id": i + 1,
                "kind": "company",
                "name": name,
                "name_key": name_key(name),
                "credit_code": None,
                "investor_type": rng.choice(["private", "listed", "top500", "central_soe", "foreign", "hmt"]),
                "origin_province": "广东",
                "origin_city": "深圳",
                "origin_country": "中国",
                "industry": rng.choice(words),
                "contact_name": "",
                "contact_phone": "",
                "phone_key": "",
                "notes": "",
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    data["investor"] = investors
    channels = [
        "kinship",
        "business",
        "intermediary",
        "resident_office",
        "industry_chain",
        "event",
        "door_knocking",
        "online",
        "overseas",
    ]
    staff_units = list(staff_by_unit)
    leads = []
    for i in range(n(200000)):
        unit_id = staff_units[i % len(staff_units)]
        day = TODAY - timedelta(days=rng.randrange(0, 720))
        leads.append(
            {
                "id": i + 1,
                "unit_id": unit_id,
                "brought_by_id": staff_by_unit[unit_id],
                "brought_by_name": "",
                "introducer_name": "",
                "introducer_phone": "",
                "channel": channels[i % len(channels)],
                "investor_id": rng.randrange(1, len(investors) + 1),
                "project_name": f"{rng.choice(words)}项目{i}",
                "industry": rng.choice(words),
                "intended_investment": Decimal(rng.choice([500, 1000, 3000, 8000, 20000, 60000])),
                "content": "",
                "contact_name": "",
                "contact_phone": "",
                "contact_phone_key": "",
                "lead_date": day,
                "status": "valid" if rng.random() < 0.7 else ("invalid" if rng.random() < 0.5 else "pending"),
                "status_reason": "",
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    data["lead"] = leads
    projects: list[dict[str, Any]] = []
    funds: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    categories = [
        "industrial",
        "agriculture",
        "culture_tourism",
        "infrastructure_social",
        "clean_energy",
        "commerce_services",
    ]
    chains = ["新材料", "绿色食品", "电子信息", "装备制造", "文旅康养"]
    project_count = n(100000)
    ledger_target = n(1000000)
    # stages are drawn uniformly from the eight after "packaged": 6/8 of projects are signed (funds
    # entries) and 4/8 started (progress updates), so each gets ledger_target / (1.25 × projects)
    # entries of its kind to make ~1,000,000 ledger rows together (not 10 per project: ~620,000)
    per_kind = max(1, round(ledger_target / (project_count * 1.25)))
    fid = pid = 0
    zones = [u["id"] for u in units if u["kind"] == "zone"]
    for i in range(project_count):
        lead = leads[i * 2 % len(leads)]
        stage_index = rng.randrange(1, len(STAGE_ORDER))
        stage = STAGE_ORDER[stage_index]
        start = lead["lead_date"]
        dates: dict[str, date | None] = {s.value: None for s in STAGE_ORDER}
        cursor = start
        for s in STAGE_ORDER[1 : stage_index + 1]:
            cursor = min(TODAY, cursor + timedelta(days=rng.randint(10, 60)))
            dates[s.value] = cursor
        contract = (
            Decimal(rng.choice([800, 1500, 3000, 6000, 12000, 30000, 120000])) if stage_index >= 3 else Decimal(0)
        )
        planned = Decimal(rng.choice([1000, 3000, 8000, 20000]))
        project = {
            "id": i + 1,
            "name": f"{lead['project_name']}",
            "code_name": "",
            "is_confidential": i % 50 == 0,
            "kind": "new",
            "lead_id": lead["id"],
            "investor_id": lead["investor_id"],
            "content": "",
            "stage": stage.value,
            "status": "active" if i % 20 else "paused",
            "stage_since": dates[stage.value] or start,
            "lost_reason_id": None,
            **{f"{k}_on": v for k, v in dates.items()},
            "negotiating_on": start,
            "planned_investment": planned,
            "contract_investment": contract,
            "size_band": size_band_for(contract or planned).value,
            "foreign_investment_usd": Decimal(0),
            "sector": "secondary",
            "category": categories[i % len(categories)],
            "industry": lead["industry"],
            "industry_chain": chains[i % len(chains)],
            "chain_role": None,
            "zone_unit_id": rng.choice(zones),
            "site": "",
            "land_area_mu": Decimal(50) if stage_index >= 3 else None,
            "floor_area_m2": None,
            "land_granted_on": dates["landed"],
            "start_by": (dates["signed"] + timedelta(days=90)) if dates["signed"] else None,
            "production_by": None,
            "intensity_commitment": Decimal(200) if stage_index >= 3 else None,
            "plot_ratio": None,
            "annual_output": None,
            "annual_tax": None,
            "jobs": None,
            "introducing_unit_id": lead["unit_id"],
            "introducer_name": "",
            "responsible_unit_id": lead["unit_id"],
            "linked_leader_id": leaders[i % len(leaders)],
            "service_officer": "",
            "approval_level": None,
            "prereview": "passed",
            "prereview_reason": None,
            "investment_completed": Decimal(0),
            "completed_fell": False,
            "funds_confirmed": Decimal(0),
            "funds_confirmed_usd": Decimal(0),
            "funds_pending": Decimal(0),
            "first_funds_on": None,
            "last_progress_on": None,
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW - timedelta(days=rng.randrange(0, 90)),
        }
        if stage_index >= 3 and dates["signed"]:
            for k in range(per_kind):
                fid += 1
                on = min(TODAY, dates["signed"] + timedelta(days=15 * (k + 1)))
                amount = (contract / 10).quantize(Decimal(1)) or Decimal(1)
                status = "confirmed" if k % 3 else "pending"
                funds.append(
                    {
                        "id": fid,
                        "project_id": i + 1,
                        "arrived_on": on,
                        "amount": amount,
                        "source": "out_of_province" if k % 2 else "in_province",
                        "voucher_no": f"V{fid}",
                        "note": "",
                        "status": status,
                        "review_note": "",
                        "version": 1,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
                if status == "confirmed":
                    project["funds_confirmed"] += amount
                    project["first_funds_on"] = project["first_funds_on"] or on
                else:
                    project["funds_pending"] += amount
        if dates["started"]:
            completed = Decimal(0)
            for k in range(per_kind):
                pid += 1
                on = min(TODAY, dates["started"] + timedelta(days=30 * k))
                completed += (contract / 10).quantize(Decimal(1))
                progress.append(
                    {
                        "id": pid,
                        "project_id": i + 1,
                        "reported_on": on,
                        "stage": None,
                        "investment_completed": completed,
                        "built": "主体施工",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
                project["last_progress_on"] = on
            project["investment_completed"] = completed
        projects.append(project)
    data["project"] = projects
    data["funds_arrival"] = funds
    data["progress_update"] = progress
    data["ticket_category"] = [
        {
            "id": k + 1,
            "code": code,
            "name": name,
            "default_days": days,
            "is_active": True,
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for k, (code, name, days) in enumerate(tickets.CATEGORIES)
    ]
    ticket_rows, ticket_units = [], []
    statuses = ["reported", "routed", "in_progress", "paused", "resolved", "closed"]
    landed = [p for p in projects if p["landed_on"]]
    for i in range(n(50000)):
        project = landed[i % len(landed)]
        status = statuses[i % len(statuses)]
        routed = project["landed_on"] + timedelta(days=5)
        handler = staff_units[(i * 7) % len(staff_units)]
        ticket_rows.append(
            {
                "id": i + 1,
                "project_id": project["id"],
                "investor_id": project["investor_id"],
                "category_id": i % len(tickets.CATEGORIES) + 1,
                "title": f"问题{i + 1}",
                "description": "需协调解决",
                "proposed_handling": "",
                "priority": "normal",
                "reporter_unit_id": project["responsible_unit_id"],
                "reporter_label": "",
                "status": status,
                "handling_unit_id": None if status == "reported" else handler,
                "routed_on": None if status == "reported" else routed,
                "due_on": None if status == "reported" else routed + timedelta(days=14),
                "pause_reason": "",
                "resolution": "",
                "verdict": "satisfied" if status == "closed" else None,
                "verdict_remark": "",
                "escalation_level": 0,
                "reopened_count": 0,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
                "resolved_at": NOW if status in ("resolved", "closed") else None,
            }
        )
        if status != "reported":
            ticket_units.append({"id": len(ticket_units) + 1, "ticket_id": i + 1, "unit_id": handler, "is_lead": True})
    data["ticket"] = ticket_rows
    data["ticket_unit"] = ticket_units
    data["incentive_policy"] = [
        {
            "id": 1,
            "name": "到位资金奖励",
            "kind": "per_funds",
            "document_no": "",
            "is_active": True,
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW,
        }
    ]
    data["policy_version"] = [
        {
            "id": 1,
            "policy_id": 1,
            "number": 1,
            "effective_from": date(2025, 1, 1),
            "params": {"yuan_per_10k": "500"},
            "recipients": "unit,staff",
            "exclusions": "",
            "claim_window_days": None,
            "created_at": NOW,
        }
    ]
    award_status = ["proposed", "verified", "notice", "approved", "paid", "rejected"]
    funded = [p for p in projects if p["funds_confirmed"] > 0] or projects
    data["award"] = [
        {
            "id": i + 1,
            "policy_version_id": 1,
            "project_id": funded[i % len(funded)]["id"],
            "applicant_unit_id": funded[i % len(funded)]["responsible_unit_id"],
            "recipient_type": "unit",
            "recipient_name": "单位",
            "recipient_unit_id": funded[i % len(funded)]["responsible_unit_id"],
            "share": Decimal(100),
            "budget_year": 2026,
            "basis": {},
            "calculation": "按到位资金计算",
            "amount": Decimal(5000),
            "decision_ref": "",
            "status": award_status[i % 6],
            "verified_note": "",
            "voucher_no": "",
            "rejected_reason": "",
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(n(20000))
    ]
    data["award_budget"] = [
        {"year": 2026, "total": Decimal(500_000_000), "note": "", "version": 1, "created_at": NOW, "updated_at": NOW}
    ]
    targets = []
    for metric, values in {
        "projects_introduced": (6, 4, 2, 1),
        "contract_investment": (30000, 15000, 6000, 2000),
        "funds_domestic": (15000, 8000, 3000, 1000),
    }.items():
        for tier, amount in enumerate(values, start=1):
            targets.append(
                {
                    "id": len(targets) + 1,
                    "year": 2026,
                    "metric": metric,
                    "tier": tier,
                    "unit_kind": None,
                    "unit_id": None,
                    "amount": Decimal(amount),
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        for kind in ("town", "zone_bureau", "industry_team", "resident_office"):
            targets.append(
                {
                    "id": len(targets) + 1,
                    "year": 2026,
                    "metric": metric,
                    "tier": None,
                    "unit_kind": kind,
                    "unit_id": None,
                    "amount": Decimal(values[1]),
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
    data["target"] = targets
    data["campaign"] = [
        {
            "id": 1,
            "name": "2026年百日竞赛",
            "starts_on": date(2026, 9, 1),
            "ends_on": date(2026, 12, 10),
            "rules": performance.HUNDRED_DAY_RULES,
            "version": 1,
            "created_at": NOW,
            "updated_at": NOW,
        }
    ]
    return data


ORDER = [
    ("unit", Unit),
    ("user_account", User),
    ("investor", Investor),
    ("lead", Lead),
    ("project", Project),
    ("funds_arrival", FundsArrival),
    ("progress_update", ProgressUpdate),
    ("ticket_category", TicketCategory),
    ("ticket", Ticket),
    ("ticket_unit", TicketUnit),
    ("incentive_policy", IncentivePolicy),
    ("policy_version", PolicyVersion),
    ("award", Award),
    ("award_budget", AwardBudget),
    ("target", Target),
    ("campaign", Campaign),
]


SQLITE_PATH = HERE / "data" / "province.db"
PG_DATABASE = "zs_bench"


def prepare(target: str) -> str:
    if target == "sqlite":
        path = SQLITE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DATABASE


def load(target: str, data: dict[str, list[dict[str, Any]]]) -> str:
    url = prepare(target)
    started = time.perf_counter()
    system.migrate(url)
    engine = make_engine(url)
    loader = Loader(engine)
    loader.timings.append(("migrate", time.perf_counter() - started, 0))
    for label, model in ORDER:
        loader.put(label, model.__table__, data.get(label, []))
    started = time.perf_counter()
    loader.fix_sequences()
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    loader.timings.append(("sequences+analyze", time.perf_counter() - started, 0))
    total = sum(t for _l, t, _n in loader.timings)
    print(f"\n== {target}: {url}")
    for label, seconds, rows in loader.timings:
        rate = f"{rows / seconds:,.0f} rows/s" if rows and seconds else ""
        print(f"  {label:<20} {seconds:8.2f} s  {rows:>10,} rows  {rate}")
    print(f"  {'total':<20} {total:8.2f} s")
    engine.dispose()
    return url


def main() -> int:
    global SQLITE_PATH, PG_DATABASE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is province size")
    parser.add_argument("--target", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sqlite-path", type=Path, default=None, help=f"default {SQLITE_PATH} (bench/run.py reads it)")
    parser.add_argument("--pg-database", default=None, help=f"default {PG_DATABASE} (bench/run.py reads it)")
    args = parser.parse_args()
    SQLITE_PATH = args.sqlite_path or SQLITE_PATH
    PG_DATABASE = args.pg_database or PG_DATABASE
    started = time.perf_counter()
    data = build(args.seed, args.scale)
    print(
        f"generated in memory: {time.perf_counter() - started:.1f} s — "
        + ", ".join(f"{k} {len(v):,}" for k, v in data.items())
    )
    for target in ["sqlite", "postgresql"] if args.target == "both" else [args.target]:
        load(target, data)
    return 0


# --- results after production, for the per-mu evaluation (亩均评价, issue 20 item 3) ----------------
# Appended: the tables above keep their rows (this draws from a random generator of its own). Each
# project in production (or at capacity) gets a yearly result for every full year since it went into
# production: output per mu of its land between 80 and 900 万元, tax 2–8 % of output, energy from 1.5 to
# 12 万元 of output per tonne, R&D spend for two in five; a few years lack energy, a few wait for the
# bureau or were sent back. Land used is the project's land area.
from app.models import ProjectResult  # noqa: E402

_build_without_results = build
_fix_sequences_without_results = Loader.fix_sequences


def build_results(projects: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed * 7919 + 20)
    rows: list[dict[str, Any]] = []
    for project in projects:
        produced = project["production_on"]
        if project["stage"] not in ("production", "full_capacity") or produced is None:
            continue
        land = project["land_area_mu"] or Decimal(50)
        per_mu = Decimal(rng.randint(80, 900))
        for year in range(produced.year, TODAY.year):
            per_mu = (per_mu * Decimal(rng.uniform(0.9, 1.25))).quantize(Decimal(1))
            output = (land * per_mu).quantize(Decimal("0.01"))
            roll = rng.random()
            status = "pending" if year == TODAY.year - 1 and roll < 0.03 else "rejected" if roll > 0.99 else "confirmed"
            rows.append(
                {
                    "id": len(rows) + 1,
                    "project_id": project["id"],
                    "period_kind": "year",
                    "year": year,
                    "quarter": None,
                    "output": output,
                    "tax": (output * Decimal(rng.uniform(0.02, 0.08))).quantize(Decimal("0.01")),
                    "jobs": rng.randint(20, 800),
                    "energy_tce": None
                    if rng.random() < 0.02
                    else (output / Decimal(rng.uniform(1.5, 12))).quantize(Decimal("0.01")),
                    "land_used_mu": land,
                    "rd_spend": (output * Decimal(rng.uniform(0.005, 0.05))).quantize(Decimal("0.01"))
                    if rng.random() < 0.4
                    else None,
                    "source": "tax_bureau",
                    "evidence_no": f"({year + 1})税证 {project['id']:06d}",
                    "note": "",
                    "status": status,
                    "entered_by_id": None,
                    "reviewed_by_id": None,
                    "reviewed_at": NOW if status != "pending" else None,
                    "review_note": "" if status != "rejected" else "与完税证明不符",
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
    return rows


def build(seed: int, scale: float) -> dict[str, list[dict[str, Any]]]:
    data = _build_without_results(seed, scale)
    data["project_result"] = build_results(data["project"], seed)
    return data


def _fix_sequences(self: Loader) -> None:
    _fix_sequences_without_results(self)
    if self.engine.dialect.name == "postgresql":
        with self.engine.begin() as conn:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('project_result', 'id'), "
                     "COALESCE((SELECT MAX(id) FROM project_result), 1))")
            )  # fmt: skip


Loader.fix_sequences = _fix_sequences  # type: ignore[method-assign]
ORDER.append(("project_result", ProjectResult))


# --- land plots (载体资源, issue 20 item 6) ---------------------------------------------------------
# Appended like the results. Every project from 供地 on holds a plot in its park of its land area: in use
# once in production, else supplied but unused (one in eight of those idle, 闲置); every park also offers
# plots still available, approved but not supplied (批而未供) or planned, 20 to 80 of them, 10–300 亩 each.
from app.models import LandPlot  # noqa: E402

PLOT_STATUS_WEIGHTS = (("available", 5), ("approved", 3), ("planned", 2))


def build_plots(units: list[dict[str, Any]], projects: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed * 7919 + 6)
    rows: list[dict[str, Any]] = []

    def plot(park: int, area: Decimal, status: str, project: dict[str, Any] | None) -> None:
        n = len(rows) + 1
        rows.append(
            {
                "id": n,
                "code": f"P{park:05d}-{n:06d}",
                "name": f"{rng.choice('东西南北')}区{rng.randint(1, 40)}号地块",
                "park_unit_id": park,
                "unit_id": park,  # the park's committee manages its land
                "area_mu": area,
                "land_use": "industrial" if rng.random() < 0.85 else rng.choice(("warehouse", "mixed", "commercial")),
                "status": status,
                "price": Decimal(rng.choice((12, 15, 18, 22, 30))),
                "price_unit": "wan_per_mu",
                "location": "",
                "services": "水电路气讯已通",
                "note": "",
                "project_id": project["id"] if project else None,
                "taken_on": project["landed_on"] if project else None,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )

    for project in projects:
        if project["land_area_mu"] is None or project["landed_on"] is None:
            continue
        producing = project["stage"] in ("production", "full_capacity")
        status = "in_use" if producing else "idle" if rng.random() < 0.125 else "supplied_unused"
        plot(project["zone_unit_id"], project["land_area_mu"], status, project)
    statuses = [s for s, weight in PLOT_STATUS_WEIGHTS for _ in range(weight)]
    for park in (u["id"] for u in units if u["kind"] == "zone"):
        for _ in range(rng.randint(20, 80)):
            plot(park, Decimal(rng.randint(10, 300)), rng.choice(statuses), None)
    return rows


_build_without_plots = build
_fix_sequences_without_plots = Loader.fix_sequences


def build(seed: int, scale: float) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-redef]
    data = _build_without_plots(seed, scale)
    data["land_plot"] = build_plots(data["unit"], data["project"], seed)
    return data


def _fix_plot_sequence(self: Loader) -> None:
    _fix_sequences_without_plots(self)
    if self.engine.dialect.name == "postgresql":
        with self.engine.begin() as conn:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('land_plot', 'id'), "
                     "COALESCE((SELECT MAX(id) FROM land_plot), 1))")
            )  # fmt: skip


Loader.fix_sequences = _fix_plot_sequence  # type: ignore[method-assign]
ORDER.append(("land_plot", LandPlot))

# --- industry chains (产业链, issue 21) --------------------------------------------------------------------
# Appended: twelve chains of fifteen links each (three stages, each a top link with four sub-links); of the
# signed or further projects whose chain text names one of the chains, three in ten are attached to one of
# its links; the investor of each attached project in production is listed a local firm of that link (half
# of them), and one investor in fifty was brought by a firm already in production (以商招商).
from app.models import ChainLink, ChainLinkFirm, ChainLinkProject, IndustryChain, InvestorIntroduction  # noqa: E402

CHAIN_NAMES = ["新材料", "绿色食品", "电子信息", "装备制造", "文旅康养", "生物医药", "新能源", "现代物流",
               "精细化工", "纺织服装", "数字经济", "农产品加工"]  # fmt: skip
CHAIN_STAGES = [("upstream", "上游"), ("midstream", "中游"), ("downstream", "下游")]
_build_without_chains = build
_fix_sequences_without_chains = Loader.fix_sequences
SIGNED_OR_FURTHER = {"signed", "landed", "started", "completed", "production", "full_capacity"}


def build_chains(data: dict[str, list[dict[str, Any]]], seed: int) -> None:
    rng = random.Random(seed * 7919 + 21)
    chains, links, firms, attached, introductions = [], [], [], [], []
    links_of: dict[str, list[int]] = {}
    for c, name in enumerate(CHAIN_NAMES, start=1):
        chains.append({"id": c, "name": name, "chief_user_id": None, "leading_investor_id": None,
                       "leading_firm_name": f"{name}龙头企业", "team_unit_id": None, "description": "",
                       "sort_order": c, "version": 1, "created_at": NOW, "updated_at": NOW})  # fmt: skip
        links_of[name] = []
        for s, (stage, label) in enumerate(CHAIN_STAGES, start=1):
            top = len(links) + 1
            links.append({"id": top, "chain_id": c, "parent_id": None, "name": f"{label}环节", "position": s,
                          "stage": stage, "weak_threshold": 2, "note": "", "version": 1, "created_at": NOW,
                          "updated_at": NOW})  # fmt: skip
            for k in range(1, 5):
                links.append({"id": len(links) + 1, "chain_id": c, "parent_id": top, "name": f"{label}细分{k}",
                              "position": k, "stage": stage, "weak_threshold": 2, "note": "", "version": 1,
                              "created_at": NOW, "updated_at": NOW})  # fmt: skip
                links_of[name].append(len(links))
    producers: list[int] = []
    seen_firms: set[tuple[int, int]] = set()
    for project in data["project"]:
        name = project.get("industry_chain", "")
        if name not in links_of or project["stage"] not in SIGNED_OR_FURTHER or rng.random() >= 0.3:
            continue
        link = rng.choice(links_of[name])
        attached.append({"id": len(attached) + 1, "project_id": project["id"], "link_id": link, "added_by_id": None})
        if project["stage"] in ("production", "full_capacity"):
            producers.append(project["investor_id"])
            if rng.random() < 0.5 and (link, project["investor_id"]) not in seen_firms:
                seen_firms.add((link, project["investor_id"]))
                firms.append({"id": len(firms) + 1, "link_id": link, "investor_id": project["investor_id"],
                              "added_by_id": None})  # fmt: skip
    if producers:
        for investor in data["investor"]:
            introducer = rng.choice(producers)
            if rng.random() < 0.02 and introducer != investor["id"]:
                introductions.append({"id": len(introductions) + 1, "investor_id": investor["id"],
                                      "introducer_id": introducer, "note": "", "version": 1, "created_at": NOW,
                                      "updated_at": NOW})  # fmt: skip
    data["industry_chain"] = chains
    data["chain_link"] = links
    data["chain_link_firm"] = firms
    data["chain_link_project"] = attached
    data["investor_introduction"] = introductions


def build(seed: int, scale: float) -> dict[str, list[dict[str, Any]]]:
    data = _build_without_chains(seed, scale)
    build_chains(data, seed)
    return data


def _fix_chain_sequences(self: Loader) -> None:
    _fix_sequences_without_chains(self)
    if self.engine.dialect.name == "postgresql":
        with self.engine.begin() as conn:
            for table in ("industry_chain", "chain_link", "chain_link_firm", "chain_link_project",
                          "investor_introduction"):  # fmt: skip
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"COALESCE((SELECT MAX(id) FROM {table}), 1))")
                )  # fmt: skip


Loader.fix_sequences = _fix_chain_sequences  # type: ignore[method-assign]
ORDER.extend(
    [
        ("industry_chain", IndustryChain),
        ("chain_link", ChainLink),
        ("chain_link_firm", ChainLinkFirm),
        ("chain_link_project", ChainLinkProject),
        ("investor_introduction", InvestorIntroduction),
    ]
)


# --- coordinates for the map (招商地图, issue 21 item 3) -----------------------------------------------
# Appended: the rows above keep their values (this draws from a random generator of its own). The
# province spans central China's Hunan (108.8–114.2°E, 24.7–30.1°N); its counties sit on a jittered grid,
# each town and park a few kilometres from its county's seat, each project near its responsible unit's
# county (one in twenty has no place yet), land plots and buildings (where the data set has them) near
# their park. WGS-84.
_build_without_places = build
WEST, SOUTH, EAST, NORTH = 108.8, 24.7, 114.2, 30.1


def place_rows(data: dict[str, list[dict[str, Any]]], seed: int) -> None:
    rng = random.Random(seed * 104729 + 21)
    units = {u["id"]: u for u in data["unit"]}
    root = data["unit"][0]["id"]
    counties = [u for u in data["unit"] if u["kind"] == "jurisdiction" and u["parent_id"] == root]
    side = max(1, int(len(counties) ** 0.5 + 0.999))
    seats: dict[int, tuple[float, float]] = {}
    for i, county in enumerate(counties):
        row, col = divmod(i, side)
        lat = SOUTH + (row + 0.5 + rng.uniform(-0.3, 0.3)) * (NORTH - SOUTH) / side
        lng = WEST + (col + 0.5 + rng.uniform(-0.3, 0.3)) * (EAST - WEST) / side
        seats[county["id"]] = (lat, lng)

    def county_of(unit_id: int) -> int | None:
        seen = units.get(unit_id)
        while seen is not None and seen["id"] not in seats:
            seen = units.get(seen["parent_id"]) if seen["parent_id"] else None
        return seen["id"] if seen else None

    def near(base: tuple[float, float], spread: float) -> tuple[Decimal, Decimal]:
        lat, lng = base[0] + rng.gauss(0, spread), base[1] + rng.gauss(0, spread)
        return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")

    for unit in data["unit"]:
        home = county_of(unit["id"])
        located = unit["kind"] in ("town", "zone") and home is not None
        unit["latitude"], unit["longitude"] = near(seats[home], 0.05) if located and home else (None, None)
    for carrier in (*data.get("land_plot", []), *data.get("building", [])):  # near their park, when there are any
        park = units.get(carrier["park_unit_id"])
        placed = park is not None and park["latitude"] is not None
        base = (float(park["latitude"]), float(park["longitude"])) if placed and park else None
        carrier["latitude"], carrier["longitude"] = near(base, 0.02) if base else (None, None)
    for project in data["project"]:
        home = county_of(project["responsible_unit_id"])
        located = home is not None and rng.random() >= 0.05
        project["latitude"], project["longitude"] = near(seats[home], 0.08) if located and home else (None, None)
        project["located_on"] = None


def build(seed: int, scale: float) -> dict[str, list[dict[str, Any]]]:
    data = _build_without_places(seed, scale)
    place_rows(data, seed)
    return data


if __name__ == "__main__":
    sys.exit(main())
