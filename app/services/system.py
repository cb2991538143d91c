"""Migrations, readiness and backup."""

from __future__ import annotations

import sqlite3
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


def backup_sqlite(url: str, target: Path) -> Path:
    """A consistent copy of a live SQLite database through SQLite's online backup API.

    The service may keep running and writing: the copy is one committed state. It is written
    next to the target and renamed into place only after its integrity check passed, and it is
    a single self-contained file (no -wal beside it), ready to be moved elsewhere.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise ValueError("backup 仅适用于 SQLite 数据库文件；PostgreSQL 请使用 pg_dump（见 README）")
    source_path = Path(parsed.database)
    if not source_path.exists():
        raise ValueError(f"找不到数据库文件：{source_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.resolve() == source_path.resolve():
        raise ValueError("备份文件不能覆盖数据库本身")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(str(source_path), timeout=30)
    destination = sqlite3.connect(str(partial))
    try:
        with destination:
            source.backup(destination, pages=1024)
        destination.execute("PRAGMA journal_mode=DELETE")
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        destination.close()
        source.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"backup failed its integrity check: {result}")
    partial.replace(target)
    return target
