"""sqlite name search: FTS5 trigram indexes over the project's name and code name and the investor's
name, for search by any part of a name on SQLite

Revision ID: 5a7c3e9b1d42
Revises: 6e2b9d4f7a18
Create Date: 2026-12-03 13:00:00

PostgreSQL answers LIKE '%…%' from the pg_trgm GIN indexes (20261123-0900_performance_indexes);
SQLite has no such index, so a search read all 100,000 projects and 50,000 investors (about 20 ms
a statement). Here SQLite gets FTS5 tables with the trigram tokenizer over the same three columns.
They are external-content tables: they hold only the index and read the text from project and
investor, and triggers keep them in step with every insert, rename and delete. The trigram
tokenizer answers `column LIKE '%abc%'` from the index when the pattern holds a run of three or
more characters; SQLite re-checks LIKE on every row it returns, so the results are those of LIKE
on the table itself (app.services.projects._name_matches chooses when to ask them).

The FTS tables and their shadow tables (…_data, …_idx, …_docsize, …_config) are not models:
app.models.search.is_search_table keeps them out of autogenerate. A later migration that rebuilds
project or investor through batch mode (copy and rename) drops their triggers with the old table,
and must create them again. Nothing is done on PostgreSQL.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5a7c3e9b1d42"
down_revision: str | None = "6e2b9d4f7a18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (FTS table, content table, indexed columns)
SEARCHES = [
    ("project_name_fts", "project", ["name", "code_name"]),
    ("investor_name_fts", "investor", ["name"]),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts, table, columns in SEARCHES:
        names = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        forget = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
        remember = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', tokenize='trigram')"
        )
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {remember} END")
        op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN {forget} {remember} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {forget} END")
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # index the rows already there


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for fts, _table, _columns in reversed(SEARCHES):
        for event in ("delete", "update", "insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")  # drops its shadow tables too
