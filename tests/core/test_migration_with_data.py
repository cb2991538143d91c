"""Upgrading a SQLite database that already holds rows works, even where a migration rebuilds a table."""

from pathlib import Path

from sqlalchemy import create_engine, text

from app.services import system
from tests.conftest import create_sqlite_database

BEFORE_TICKETS = "78cff4322615"  # the projects revision; the next one rebuilds `unit` on SQLite


def test_upgrade_keeps_rows_when_a_referenced_table_is_rebuilt(tmp_path: Path) -> None:
    url = create_sqlite_database(tmp_path)
    system.migrate(url, BEFORE_TICKETS)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit (id, name, short_name, kind, head_name, phone, address, sort_order, "
                "is_active, version, created_at, updated_at) VALUES (1, '青石镇', '青石', 'town', '', '', '', "
                "0, 1, 1, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO user_account (username, display_name, unit_id, role, phone, password_hash, "
                "password_changed_at, must_change_password, totp_enabled, failed_login_count, is_active, "
                "is_demo, version, created_at, updated_at) VALUES ('qs', '张', 1, 'unit_staff', '', 'h', "
                "'2026-01-01', 0, 0, 0, 1, 0, 1, '2026-01-01', '2026-01-01')"
            )
        )
    system.migrate(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM unit")).scalar_one() == "青石镇"
        assert conn.execute(text("SELECT unit_id FROM user_account")).scalar_one() == 1
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()
