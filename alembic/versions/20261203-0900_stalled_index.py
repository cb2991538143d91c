"""stalled index: building projects by the day of their last progress, for the "stalled" warning

Revision ID: 3d8f2a6c1e59
Revises: 9c4e7a1b2d30
Create Date: 2026-12-03 09:00:00

The "stalled" warning (an active project in a building stage whose last progress, or failing that
its arrival in the stage, is older than the threshold) was counted by reading every active
building-stage project from the table (18 ms at 100,000 projects). A partial index on that day,
over exactly those projects, answers the count from the index alone. The predicate repeats
app.services.projects.BUILDING_STAGES: a change there needs a new migration.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "3d8f2a6c1e59"
down_revision: str | None = "9c4e7a1b2d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUILDING = "status = 'active' AND stage IN ('signed', 'landed', 'started', 'completed')"


def upgrade() -> None:
    op.create_index(
        "ix_project_building_idle_since",
        "project",
        [sa.text("coalesce(last_progress_on, stage_since)")],
        unique=False,
        postgresql_where=sa.text(BUILDING),
        postgresql_include=["last_progress_on", "stage_since"],  # so that PostgreSQL counts from the index alone
        sqlite_where=sa.text(BUILDING),
    )


def downgrade() -> None:
    op.drop_index("ix_project_building_idle_since", table_name="project")
