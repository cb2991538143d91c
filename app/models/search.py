"""SQLite's FTS5 trigram indexes for search by any part of a name (made by the migration
20261203-1300_sqlite_name_search). They are not models: PostgreSQL has no such tables, and
autogenerate must not compare them, nor the shadow tables FTS5 keeps beside each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import column, table

project_name_fts = table("project_name_fts", column("rowid"), column("name"), column("code_name"))
investor_name_fts = table("investor_name_fts", column("rowid"), column("name"))

_SEARCH_TABLES = (project_name_fts.name, investor_name_fts.name)


def is_search_table(name: str | None) -> bool:
    """True for an FTS table and its shadow tables (project_name_fts_data, _idx, _docsize, _config)."""
    if not name:
        return False
    return any(name == fts or name.startswith(f"{fts}_") for fts in _SEARCH_TABLES)


def include_in_autogenerate(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic's include_name hook: autogenerate compares the models, not the search tables."""
    return not (type_ == "table" and is_search_table(name))
