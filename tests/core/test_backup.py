"""`python -m app backup` copies a live SQLite database: every committed record, nothing half-written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import app.models  # noqa: F401  (every table)
from app.config import BASE_DIR
from app.db import begin_write, make_engine, make_session_factory
from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.unit import Unit, UnitKind
from app.principal import SYSTEM
from app.services import audit, system
from tests.conftest import create_sqlite_database


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "PYTHONPATH": str(BASE_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def row_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        conn.close()


def test_backup_of_a_live_database_holds_every_record(tmp_path: Path):
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    loaded = cli(url, "demo-data")
    assert loaded.returncode == 0, loaded.stderr
    source_path = Path(make_url(url).database or "")

    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        # the service is up: one request is reading, another is halfway through a write
        reader = engine.connect()
        reader.execute(select(func.count()).select_from(Unit)).scalar_one()
        writer = factory()
        writer.info["principal"] = SYSTEM
        begin_write(writer)
        committed = row_counts(source_path)
        assert committed["unit"] > 10 and committed["user_account"] > 10 and committed["audit_entry"] > 20
        writer.add(Unit(name="尚未提交的单位", kind=UnitKind.town))
        writer.flush()

        target = tmp_path / "backups" / "copy.db"
        result = cli(url, "backup", "--output", str(target))
        assert result.returncode == 0, result.stderr
        assert str(target) in result.stdout

        writer.rollback()
        writer.close()
        reader.close()
    finally:
        engine.dispose()

    assert target.exists() and not Path(f"{target}-wal").exists()
    assert not list(target.parent.glob("*.partial"))
    copied = row_counts(target)
    assert copied == committed
    assert set(Base.metadata.tables) <= set(copied)

    # the copy is a working database: at head, every record there, the audit chain intact
    copy_url = f"sqlite:///{target}"
    copy_engine = make_engine(copy_url)
    try:
        assert system.readiness(copy_engine)["status"] == "ready"
        with make_session_factory(copy_engine)() as db:
            assert db.execute(select(Unit).where(Unit.name == "尚未提交的单位")).first() is None
            assert db.execute(select(func.count()).select_from(Unit)).scalar_one() == committed["unit"]
            result_chain = audit.verify_chain(db)
            assert result_chain.ok, result_chain.problem
            assert result_chain.checked == committed["audit_entry"]
        with sqlite3.connect(target) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        copy_engine.dispose()

    # the original is untouched and still verifies the same way
    verify = cli(url, "verify-audit")
    assert verify.returncode == 0, verify.stderr
    assert result_chain.digest in verify.stdout


def test_backup_while_writes_continue(tmp_path: Path):
    """Writes committed during the copy neither break it nor leave it inconsistent."""
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    engine = make_engine(url)
    target = tmp_path / "copy.db"
    try:
        factory = make_session_factory(engine)
        with factory() as db:
            db.info["principal"] = SYSTEM
            for i in range(300):
                db.add(Unit(name=f"批量单位{i:04d}", kind=UnitKind.town, address="地址" * 50))
            db.commit()
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "backup", "--output", str(target)],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "PYTHONPATH": str(BASE_DIR)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        written = 0
        while process.poll() is None and written < 200:
            with factory() as db:
                db.info["principal"] = SYSTEM
                db.add(Unit(name=f"备份期间的单位{written:04d}", kind=UnitKind.town))
                db.commit()
            written += 1
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    finally:
        engine.dispose()

    copy_engine = make_engine(f"sqlite:///{target}")
    try:
        with make_session_factory(copy_engine)() as db:
            units = db.execute(select(func.count()).select_from(Unit)).scalar_one()
            assert units >= 300
            # every unit in the copy has its audit entry: one committed state, not a mix
            created = db.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "unit", AuditEntry.action == "create")
            ).scalar_one()
            assert created == units
            assert audit.verify_chain(db).ok
    finally:
        copy_engine.dispose()


def test_backup_refuses_postgresql_and_a_missing_file(tmp_path: Path):
    pg = cli("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", "backup", "--output", str(tmp_path / "x.db"))
    assert pg.returncode == 2 and "pg_dump" in pg.stderr
    missing = cli(f"sqlite:///{tmp_path / 'nope.db'}", "backup", "--output", str(tmp_path / "x.db"))
    assert missing.returncode == 2
    assert not (tmp_path / "x.db").exists()
