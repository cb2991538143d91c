"""list sort index: (updated_at, id) for the default "recently updated" order

Revision ID: 9c4e7a1b2d30
Revises: 5b1f0c2d9e47
Create Date: 2026-11-23 12:00:00

Lists are ordered by updated_at, then id (both descending). An index on updated_at alone leaves
rows with the same timestamp to be sorted after reading every one of them (an incremental sort);
with id in the index the list is a backward index scan that stops after its page.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9c4e7a1b2d30"
down_revision: str | None = "5b1f0c2d9e47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_project_updated_at", table_name="project")
    op.create_index("ix_project_updated_at", "project", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_project_updated_at", table_name="project")
    op.create_index("ix_project_updated_at", "project", ["updated_at"])
