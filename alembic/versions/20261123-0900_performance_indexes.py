"""performance indexes: filter counts, the contract sort, search by any part of a name

Revision ID: 5b1f0c2d9e47
Revises: 8e2e7bcc3d2c
Create Date: 2026-11-23 09:00:00

On PostgreSQL, search by any part of a name (LIKE '%…%') uses pg_trgm GIN indexes on the project's
name and code name and on the investor's name; the extension is created here (pg_trgm is a trusted
extension: the database owner may create it). SQLite can use no index for such a search, so there the
same three index names are created as empty partial indexes (WHERE 0): they cost nothing and keep the
schema in step with the models, so that autogenerate (alembic check) sees no difference on either
database. Alembic compares an index by name, columns and uniqueness, not by its method or predicate.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5b1f0c2d9e47"
down_revision: str | None = "8e2e7bcc3d2c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM = [
    ("ix_project_name_trgm", "project", "name"),
    ("ix_project_code_name_trgm", "project", "code_name"),
    ("ix_investor_name_trgm", "investor", "name"),
]


def upgrade() -> None:
    op.create_index("ix_project_category", "project", ["category"], unique=False)
    op.create_index("ix_project_size_band", "project", ["size_band"], unique=False)
    op.create_index("ix_project_contract_investment", "project", ["contract_investment", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM:
            op.create_index(
                name, table, [column], unique=False, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
            )
    else:
        for name, table, column in TRIGRAM:
            op.create_index(name, table, [column], unique=False, sqlite_where=sa.text("0"))


def downgrade() -> None:
    for name, table, _column in reversed(TRIGRAM):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_project_contract_investment", table_name="project")
    op.drop_index("ix_project_size_band", table_name="project")
    op.drop_index("ix_project_category", table_name="project")
    # pg_trgm is left installed: other databases objects may use it, and it holds no data
