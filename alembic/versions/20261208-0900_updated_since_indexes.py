"""updated_since indexes: the API's lists of leads, tickets and investors filtered by updated_at

Revision ID: 8d3a5c7e1f24
Revises: 7d2e9c41a0b3
Create Date: 2026-12-08 09:00:00

Another system keeping a copy asks each list for the rows changed since its last pull
(`updated_since`, app.schemas.changes). Projects have had (updated_at, id) since
20261123-1200_list_sort_index; leads, tickets and investors get the same, so such a pull reads the
few changed rows from an index instead of every row of the table. Funds and progress updates are
listed per project (their project_id indexes serve), and the change feed (/api/v1/changes) reads
audit_entry by its primary key: neither needs a new index. Only indexes are created (no table is
rebuilt on SQLite, so the FTS triggers of 20261203-1300_sqlite_name_search stay).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8d3a5c7e1f24"
down_revision: str | None = "7d2e9c41a0b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_lead_updated_at", "lead", ["updated_at", "id"])
    op.create_index("ix_ticket_updated_at", "ticket", ["updated_at", "id"])
    op.create_index("ix_investor_updated_at", "investor", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_investor_updated_at", table_name="investor")
    op.drop_index("ix_ticket_updated_at", table_name="ticket")
    op.drop_index("ix_lead_updated_at", table_name="lead")
