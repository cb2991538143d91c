"""Migrations, readiness and backup."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from alembic import command
from app.config import BASE_DIR


def alembic_config(url: str) -> Config:
    config = Config(str(BASE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(BASE_DIR / "alembic"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head()


def readiness(engine: Engine) -> dict[str, Any]:
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:  # any failure to reach the database means "not ready"
        return {"status": "unavailable", "database": "unreachable", "detail": type(exc).__name__}
    head = head_revision()
    if current != head:
        return {"status": "migrations_pending", "database": "ok", "revision": current, "head": head}
    return {"status": "ready", "database": "ok", "revision": current}


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int  # bytes
    seconds: float
    sha256: str
    method: str


BACKUP_METHODS = ("backup", "vacuum")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _remove_stale_partials(directory: Path) -> list[Path]:
    """Partial copies left by a backup that was killed: `<name>.<pid>.partial` whose process is gone."""
    removed: list[Path] = []
    for path in directory.glob("*.partial*"):
        match = re.fullmatch(r".+\.(\d+)\.partial(-journal|-wal|-shm)?", path.name)
        if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_sqlite(url: str, target: Path, *, method: str = "backup") -> BackupResult:
    """A consistent copy of a live SQLite database, taken from one snapshot in one step.

    The service may keep running and writing: the copy is the state of one read transaction.
    SQLite's online backup API copied 1,024 pages per step and started again whenever another
    connection committed between two steps, so under steady writes a large database never
    finished; here all pages are copied in a single step (`method="backup"`, the default), or
    `VACUUM INTO` writes a compacted copy (`method="vacuum"`; slower, see bench/FINDINGS.md).
    Writers are not blocked in WAL mode, they only append to the WAL while the copy runs.

    The copy is written next to the target as `<name>.<pid>.partial`, switched to a rollback
    journal (a single self-contained file, no -wal beside it), integrity-checked, and renamed into
    place. On any failure (an exception, Ctrl-C) the partial file is removed; one left by a killed
    run is removed by the next run. Returns the copy's path, size, duration and SHA-256.
    """
    if method not in BACKUP_METHODS:
        raise ValueError(f"未知的备份方式：{method}")
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise ValueError("backup 仅适用于 SQLite 数据库文件；PostgreSQL 请使用 pg_dump（见 README）")
    source_path = Path(parsed.database)
    if not source_path.exists():
        raise ValueError(f"找不到数据库文件：{source_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.resolve() == source_path.resolve():
        raise ValueError("备份文件不能覆盖数据库本身")
    _remove_stale_partials(target.parent)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    leftovers = [partial, *(partial.with_name(partial.name + suffix) for suffix in ("-journal", "-wal", "-shm"))]
    started = time.monotonic()
    try:
        for path in leftovers:
            path.unlink(missing_ok=True)
        source = sqlite3.connect(str(source_path), timeout=30, isolation_level=None)
        try:
            source.execute("PRAGMA busy_timeout=30000")
            if method == "vacuum":
                source.execute("VACUUM INTO ?", (str(partial),))
            else:
                destination = sqlite3.connect(str(partial), isolation_level=None)
                try:
                    source.execute("BEGIN")  # one read snapshot for the whole copy
                    source.execute("SELECT count(*) FROM sqlite_master").fetchone()
                    source.backup(destination, pages=-1)  # every page in one step: nothing to restart
                    source.execute("COMMIT")
                finally:
                    destination.close()
        finally:
            source.close()
        destination = sqlite3.connect(str(partial), isolation_level=None)
        try:
            destination.execute("PRAGMA journal_mode=DELETE")
            result = destination.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            destination.close()
        if result != "ok":
            raise RuntimeError(f"backup failed its integrity check: {result}")
        partial.replace(target)
    except BaseException:
        for path in leftovers:
            path.unlink(missing_ok=True)
        raise
    seconds = time.monotonic() - started
    return BackupResult(target, target.stat().st_size, seconds, _sha256_of(target), method)
