"""`python -m app backup` copies a live SQLite database: every committed record, nothing half-written."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
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


def cli(url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "PYTHONPATH": str(BASE_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
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


# --- a large database under steady writes ---------------------------------------------------------

BULK_MB = 200


def _large_database(tmp_path: Path) -> tuple[str, Path]:
    """A migrated database plus ~200 MB of random blobs, built in a few seconds."""
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    path = Path(make_url(url).database or "")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")  # building the fixture only
    conn.execute("CREATE TABLE bulk_blob (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO bulk_blob (payload) SELECT randomblob(65536) FROM n",
        (BULK_MB * 16,),
    )
    conn.commit()
    conn.close()
    return url, path


class _Writer(threading.Thread):
    """Commits one unit after another through the app's engine (each with its audit entry),
    named with a running number: any committed state holds exactly the numbers 0..n-1."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.factory = make_session_factory(self.engine)
        self.stop = threading.Event()
        self.committed = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.factory() as db:
                    db.info["principal"] = SYSTEM
                    db.add(Unit(name=f"写入中的单位{self.committed:07d}", kind=UnitKind.town))
                    db.commit()
                self.committed += 1
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_backup_of_a_large_database_finishes_under_steady_writes(tmp_path: Path):
    url, source = _large_database(tmp_path)
    assert source.stat().st_size > 150 * 1024 * 1024
    target = tmp_path / "backups" / "large.db"
    writer = _Writer(url)
    writer.start()
    try:
        while writer.committed < 20:  # the service is busy before the backup starts
            time.sleep(0.01)
        before = writer.committed
        started = time.monotonic()
        try:
            result = cli(url, "backup", "--output", str(target), timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the backup did not finish within 60 s under steady writes")
        elapsed = time.monotonic() - started
        during = writer.committed - before
    finally:
        writer.stop.set()
        writer.join(timeout=30)
        writer.engine.dispose()
    assert writer.error is None, writer.error
    assert result.returncode == 0, result.stderr
    # 1,024 pages a step never finished here: every commit between two steps started it again
    assert elapsed < 60, elapsed
    assert during > 0  # the writes went on while the copy was taken

    # it says what it wrote, and the figures are those of the file
    assert str(target) in result.stdout
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in result.stdout
    assert f"{target.stat().st_size} 字节" in result.stdout
    assert re.search(r"用时 \d+\.\d\d 秒", result.stdout)
    assert not list(target.parent.glob("*.partial*")) and not Path(f"{target}-wal").exists()

    with sqlite3.connect(target) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert raw.execute("SELECT count(*) FROM bulk_blob").fetchone()[0] == BULK_MB * 16
        numbers = sorted(
            int(name[-7:])
            for (name,) in raw.execute("SELECT name FROM unit WHERE name LIKE '写入中的单位%'").fetchall()
        )
    # one earlier committed state: a prefix of the writer's sequence, without a gap
    assert numbers == list(range(len(numbers)))
    assert before <= len(numbers) <= writer.committed
    copy_engine = make_engine(f"sqlite:///{target}")
    try:
        with make_session_factory(copy_engine)() as db:
            chain = audit.verify_chain(db)
            assert chain.ok, chain.problem
            created = db.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "unit", AuditEntry.action == "create")
            ).scalar_one()
            assert created == len(numbers)  # each unit with its audit entry: not a mix of two states
    finally:
        copy_engine.dispose()
    verify = cli(f"sqlite:///{target}", "verify-audit")
    assert verify.returncode == 0, verify.stderr


def test_a_failed_backup_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = create_sqlite_database(tmp_path)
    system.migrate(url)
    backups = tmp_path / "backups"
    backups.mkdir()
    # a run that was killed (its process is gone) left its partial copy behind
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = backups / f"zhaoshang-20261201-020000.db.{dead.stdout.strip()}.partial"
    stale.write_bytes(b"half a database")
    Path(f"{stale}-journal").write_bytes(b"x")
    unrelated = backups / "notes.txt"
    unrelated.write_text("kept")

    # interrupted halfway (Ctrl-C during the copy): no partial file stays
    real_connect = sqlite3.connect

    class Interrupted(sqlite3.Connection):
        def backup(self, target: sqlite3.Connection, **kwargs: Any) -> None:  # type: ignore[override]
            super().backup(target, **kwargs)
            raise KeyboardInterrupt

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return real_connect(*args, factory=Interrupted, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(KeyboardInterrupt):
        system.backup_sqlite(url, backups / "copy.db")
    monkeypatch.undo()
    assert not stale.exists() and not Path(f"{stale}-journal").exists()  # removed at the next run
    assert sorted(p.name for p in backups.iterdir()) == ["notes.txt"]

    # and a copy that is taken afterwards reports what it wrote
    done = system.backup_sqlite(url, backups / "copy.db")
    assert done.path == backups / "copy.db" and done.size == done.path.stat().st_size
    assert done.sha256 == hashlib.sha256(done.path.read_bytes()).hexdigest()
    assert done.seconds >= 0
    assert sorted(p.name for p in backups.iterdir()) == ["copy.db", "notes.txt"]
