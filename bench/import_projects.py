"""Benchmark: import a 10,000-row project ledger, and export 10,000 rows for comparison.

    .venv/bin/python bench/import_projects.py [--rows 10000] [--backend all|sqlite|postgresql]

Generates a ledger (fixed seed, so every run imports the same file; text in a shared-strings
table, as Excel and WPS save it), then for each backend creates a fresh database, migrates it
with Alembic, seeds units and a few hundred catalogue investors (untimed), and times
`project_import.import_ledger` plus the commit: the same function the upload page and the API
call. PostgreSQL is 127.0.0.1:5432, user postgres; the script creates its own database and
drops it afterwards. Prints wall and CPU seconds and rows/s, and the load average: figures
taken while other work shares the CPUs are not the machine's. The target is under 20 s per
backend on an otherwise idle 2-core machine.

`ledger_bytes(n)` gives bench/run.py the file it uploads to the province-sized database over the
API (names tagged with LEDGER_TAG, the responsible unit left blank: the token's unit).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import re
import secrets
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app import db
from app.db import make_engine, make_session_factory
from app.models.audit import AuditEntry
from app.models.investor import INVESTOR_TYPE_LABELS, Investor, InvestorKind, InvestorType
from app.models.project import CATEGORY_LABELS, STAGE_LABELS, STAGE_ORDER, Category, Project, Sector, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role
from app.principal import Principal
from app.services import audit, credit_code, export, project_import, projects, system, workdays
from app.services.names import name_key
from app.services.projects import ProjectFilter

SEED = 20260301
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGET_SECONDS = 20.0
UNIT_NAMES = [f"{n}镇" for n in "东西南北中上下前后左右"] + [f"县{n}局" for n in ("工信", "商务", "农业农村", "文旅")]
CITIES = ["长沙", "深圳", "苏州", "杭州", "上海", "广州", "武汉", "东莞", "宁波", "佛山"]
WORDS = ["新材料", "智能装备", "电子信息", "食品加工", "生物医药", "新能源", "建材", "纺织", "物流", "文旅"]
FORMS = ["有限公司", "股份有限公司", "集团有限公司", "科技有限公司"]


def credit(rng: random.Random) -> str:
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(credit_code.CHARSET) for _ in range(9))
    return body + credit_code.check_character(body)


def investor_pool(rng: random.Random, count: int, prefix: str = "") -> list[tuple[str, str, str]]:
    """(name, credit code or "", type label) — distinct names, each starting with `prefix`."""
    pool: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    labels = [INVESTOR_TYPE_LABELS[t] for t in InvestorType if t is not InvestorType.individual]
    while len(pool) < count:
        name = f"{prefix}{rng.choice(CITIES)}{rng.choice(WORDS)}{len(pool):05d}{rng.choice(FORMS)}"
        if name_key(name) in seen:
            continue
        seen.add(name_key(name))
        code = credit(rng) if rng.random() < 0.6 else ""
        pool.append((name, code, rng.choice(labels)))
    return pool


def ledger_rows(
    rng: random.Random,
    rows: int,
    pool: list[tuple[str, str, str]],
    *,
    prefix: str = "",
    units: Sequence[str | None] = UNIT_NAMES,
) -> list[list[Any]]:
    """The ledger's rows: project names start with `prefix`; the responsible unit is one of `units`
    (None: left blank, i.e. the importing unit's own)."""
    today = workdays.today()
    sectors = [s.label for s in Sector]
    categories = [CATEGORY_LABELS[c] for c in Category]
    out = []
    for n in range(rows):
        name, code, type_label = pool[rng.randrange(len(pool))]
        stage = rng.choice(STAGE_ORDER)
        signed = today - timedelta(days=rng.randint(200, 900))
        dates: dict[str, Any] = {}
        if stage.order >= Stage.signed.order:
            dates["签约日期"] = signed
        if stage.order >= Stage.started.order:
            dates["开工日期"] = (signed + timedelta(days=rng.randint(10, 60))).isoformat()  # as text
        if stage.order >= Stage.completed.order:
            dates["竣工日期"] = signed + timedelta(days=rng.randint(90, 150))
        if stage.order >= Stage.production.order:
            when = signed + timedelta(days=rng.randint(160, 190))
            dates["投产日期"] = f"{when.year}/{when.month}/{when.day}"  # as text, the other way
        stage_date = None
        if stage in (Stage.landed, Stage.full_capacity) or (stage.order < Stage.signed.order and rng.random() < 0.5):
            stage_date = signed + timedelta(days=195) if stage is Stage.full_capacity else signed + timedelta(days=5)
        contract = round(rng.uniform(100, 50_000), 2) if stage.order >= Stage.signed.order else None
        planned = round((contract or rng.uniform(100, 50_000)) * rng.uniform(1.0, 1.5), 2)
        out.append(
            [
                f"{prefix}{rng.choice(WORDS)}项目{n:05d}",
                name,
                code,
                type_label,
                "新引进" if rng.random() < 0.9 else "增资扩产",
                STAGE_LABELS[stage],
                stage_date,
                dates.get("签约日期"),
                dates.get("开工日期"),
                dates.get("竣工日期"),
                dates.get("投产日期"),
                planned,  # a float, as Excel keeps it
                contract,
                rng.choice(sectors),
                rng.choice(categories),
                rng.choice(WORDS),
                rng.choice(WORDS),
                f"工业园{rng.randint(1, 9)}区",
                Decimal(rng.randint(10, 300)),
                signed + timedelta(days=90) if contract else None,
                signed + timedelta(days=400) if contract else None,
                rng.randint(80, 400),
                f"引荐人{rng.randint(1, 500)}",
                f"专员{rng.randint(1, 50)}",
                rng.choice(units),
                f"ZS-{signed.year}-{n:05d}" if stage.order >= Stage.signed.order else None,  # the signing gate's
                f"{rng.randint(100000, 999999)}{n:05d}" if stage.order >= Stage.started.order else None,  # the start's
                f"PW-{n:05d}" if stage.order >= Stage.production.order else None,  # production's
                *_gate(stage, signed, n),  # the gate before signing: pre-review and the signing approval
            ]
        )
    return out


def _gate(stage: Stage, signed: Any, n: int) -> list[Any]:
    """A signed row's pre-review (passed) and signing approval (一事一议: enough whatever its figures)."""
    if stage.order < Stage.signed.order:
        return [None] * 5
    return ["预审通过", "一事一议", "县委县政府主要领导", signed - timedelta(days=5), f"纪要〔{signed.year}〕{n:05d}号"]


HEADERS = [
    "项目名称",
    "客商名称",
    "统一社会信用代码",
    "客商类型",
    "项目性质",
    "当前阶段",
    "阶段日期",
    "签约日期",
    "开工日期",
    "竣工日期",
    "投产日期",
    "计划总投资(万元)",  # half-width brackets: matched all the same
    "合同投资额（万元）",
    "产业",
    "类别",
    "行业",
    "产业链",
    "选址",
    "用地面积（亩）",
    "约定开工日期",
    "约定投产日期",
    "投资强度（万元/亩）",
    "引荐人",
    "服务专员",
    "责任单位",
    "合同编号",
    "施工许可证号",
    "投产证明编号",
    "项目预审",
    "签约审批层级",
    "签约审批人",
    "签约审批日期",
    "签约审批文号",
]


def make_ledger(
    rows: int, *, prefix: str = "", units: Sequence[str | None] = UNIT_NAMES
) -> tuple[bytes, list[tuple[str, str, str]]]:
    rng = random.Random(SEED)
    pool = investor_pool(rng, max(10, rows // 5), prefix)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("项目台账")
    sheet.append(["某县招商引资项目台账（基准测试）"])  # a title row above the header, as units' ledgers have
    sheet.append(HEADERS)
    for row in ledger_rows(rng, rows, pool, prefix=prefix, units=units):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), pool


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', re.S)


def as_excel_saves_it(content: bytes) -> bytes:
    """The same workbook with its text in a shared-strings table, as Excel and WPS save files.

    openpyxl writes every text cell inline; a unit's ledger comes from Excel or WPS, whose
    shared strings are quicker to read. The bench imports this form and also times reading
    the inline form (what an API client writing with openpyxl would send).
    """
    strings: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = strings.setdefault(match.group(3), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), index)

    source, buffer = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = _INLINE.sub(shared, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(info, data)
        table = b"".join(b"<si><t>%s</t></si>" % text for text in strings)  # the text is escaped already
        target.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>' % (len(strings), len(strings), table),
        )
    return buffer.getvalue()


# What bench/run.py imports over the API into the province-sized database, as the bench unit's
# token: every project and investor name starts with this tag, so that run.py can remove them
# afterwards (and any left by an interrupted run before it imports).
LEDGER_TAG = "基准导入"


def ledger_bytes(rows: int) -> bytes:
    """A ledger of `rows` projects as a unit's staff would upload it (shared strings, as Excel saves
    it), for bench/run.py: the same file every run (fixed seed); the responsible unit left blank,
    so the projects are the importing unit's own; names tagged with LEDGER_TAG."""
    inline, _pool = make_ledger(rows, prefix=LEDGER_TAG, units=[None])
    return as_excel_saves_it(inline)


def name_prereview_departments(session: Session, unit_id: int) -> None:
    """The unit named to pre-review every category (its signed rows then pass the gate before signing)."""
    from app.models.prereview import PrereviewDepartment

    named = set(session.execute(select(PrereviewDepartment.category)).scalars())
    session.add_all(PrereviewDepartment(category=c, unit_id=unit_id) for c in Category if c not in named)
    session.flush()


def seed(session: Session, pool: list[tuple[str, str, str]]) -> Principal:
    """Units, a coordinator, and a tenth of the file's investors already in the catalogue."""
    session.info["principal"] = Principal(role=Role.coordinator, unit_id=None, label="bench")
    office = Unit(name="县招商局", short_name="招商局", kind=UnitKind.department, tier=1)
    session.add(office)
    session.add_all(Unit(name=name, kind=UnitKind.town) for name in UNIT_NAMES)
    session.flush()
    name_prereview_departments(session, office.id)
    for name, code, _ in pool[::10]:
        session.add(
            Investor(
                kind=InvestorKind.company,
                name=name,
                name_key=name_key(name),
                credit_code=code or None,
                investor_type=InvestorType.private,
            )
        )
    session.commit()
    principal = Principal(role=Role.coordinator, unit_id=office.id, label="基准测试(bench)", request_id="bench")
    session.info["principal"] = principal
    return principal


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, this process's CPU seconds, result)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - start, time.process_time() - cpu, result


def server_pid(session: Session) -> int | None:
    """The PostgreSQL backend serving the session (on this machine), or None on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc; 0 if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} CPUs"


def run(backend: str, url: str, ledger: bytes, pool: list[tuple[str, str, str]], rows: int, batch: int) -> bool:
    print(f"\n[{backend}]")
    system.migrate(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            principal = seed(session, pool)

        print(f"  ({load()})")
        with factory() as session:
            session.info["principal"] = principal
            db.begin_write(session)  # as a request does
            server = server_pid(session)
            server_before = process_cpu(server)

            def import_and_commit() -> project_import.ImportResult:
                result = project_import.import_ledger(
                    session, principal, ledger, filename="bench.xlsx", batch_size=batch
                )
                session.commit()
                return result

            seconds, cpu, result = timed(import_and_commit)
            server_cpu = process_cpu(server) - server_before
        target = f"target < {TARGET_SECONDS:.0f} s"
        print(f"  import   {rows:>6} rows  {seconds:7.2f} s  {rows / seconds:8.0f} rows/s  ({target})")
        busy = f" + PostgreSQL server {server_cpu:.2f} s" if server else ""
        idle = cpu + server_cpu
        print(f"           CPU: this process {cpu:.2f} s{busy} = {idle:.2f} s (about the wall time on an idle machine)")
        print(f"           {result.investors_created} investors created, {result.investors_reused} reused")
        with factory() as session:
            session.info["principal"] = principal
            count = session.execute(select(func.count()).select_from(Project)).scalar_one()
            entries = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
            check_seconds, _, verified = timed(lambda: audit.verify_chain(session))
            print(
                f"  check    {count} projects stored; audit chain of {entries} entries verified: {verified.ok}"
                f" ({check_seconds:.1f} s)"
            )
            export_seconds, export_cpu, body = timed(lambda: export_all(session, principal))
            print(
                f"  export   {count:>6} rows  {export_seconds:7.2f} s  {count / export_seconds:8.0f} rows/s"
                f"  (CPU {export_cpu:.2f} s; {len(body) / 1e6:.1f} MB, app/services/export.py)"
            )
        print(f"  ({load()})")
        if seconds >= TARGET_SECONDS and idle < TARGET_SECONDS:
            print(f"  over the target by the clock, under it by the CPU used: other work shares the CPUs ({load()})")
        return seconds < TARGET_SECONDS and count == rows and verified.ok
    finally:
        engine.dispose()


def export_all(session: Session, principal: Principal) -> bytes:
    """The list page's export (app/services/export.py), 10,000 rows."""
    rows = projects.iter_for_export(session, principal, ProjectFilter())
    headers = [
        "编号",
        "项目名称",
        "客商",
        "责任单位",
        "阶段",
        "状态",
        "类别",
        "规模",
        "计划总投资（万元）",
        "合同投资（万元）",
        "签约日期",
        "开工日期",
        "投产日期",
        "预警",
    ]
    return export.xlsx(
        "项目台账",
        headers,
        (
            (
                r["project"].id,
                r["name"],
                r["investor_name"],
                r["unit_name"],
                r["project"].stage.label,
                r["project"].status.label,
                r["project"].category.label,
                r["project"].size_band.label,
                r["project"].planned_investment,
                r["project"].contract_investment,
                r["project"].signed_on,
                r["project"].started_on,
                r["project"].production_on,
                "、".join(projects.FLAG_LABELS[x] for x in r["flags"]),
            )
            for r in rows
        ),
        number_formats={8: "#,##0.00", 9: "#,##0.00"},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--batch-size", type=int, default=project_import.BATCH_SIZE)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, seed {SEED}")
    seconds, _, (inline, pool) = timed(lambda: make_ledger(args.rows))
    ledger = as_excel_saves_it(inline)
    print(f"ledger: {args.rows} rows, {len(ledger) / 1e6:.1f} MB, generated in {seconds:.1f} s (not counted)")
    for label, content in (
        ("as Excel/WPS save it (shared strings)", ledger),
        ("as openpyxl writes it (inline)", inline),
    ):
        read_seconds, read_cpu, _ = timed(partial(project_import.read_ledger, content))
        print(f"  reading the file {label}: {read_seconds:.2f} s (CPU {read_cpu:.2f} s)")
    ok = True
    if args.backend in ("all", "sqlite"):
        with tempfile.TemporaryDirectory(prefix="zs-bench-") as tmp:
            ok &= run("sqlite", f"sqlite:///{tmp}/bench.db", ledger, pool, args.rows, args.batch_size)
    if args.backend in ("all", "postgresql"):
        name = f"zs_bench_import_{secrets.token_hex(4)}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            ok &= run(
                "postgresql", PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", ledger, pool, args.rows, args.batch_size
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("\nOK: every import under the target" if ok else "\nNOT OK: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
