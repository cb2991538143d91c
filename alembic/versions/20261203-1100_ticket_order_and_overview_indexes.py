"""ticket order and overview indexes: a ticket page read in the queue's order; the home page's funds
and valid leads counted from indexes alone

Revision ID: 6e2b9d4f7a18
Revises: 3d8f2a6c1e59
Create Date: 2026-12-03 11:00:00

Tickets are listed nearest deadline first, those without one last, the newest first among equals
(`due_on NULLS LAST, id DESC`, app.services.tickets._ORDER). Without an index in that order every
ticket of a box (50,000 for the API's list) was joined and sorted to show 50 or 200 of them.
ix_ticket_due_order gives the whole order, and ix_ticket_status_due (so far status, due_on) gains the
id so that a box of one status (new, closed) is read in order too; PostgreSQL and SQLite then stop after
the page.

The coordinator's home page sums the funds confirmed this year (about half of funds_arrival) and counts
each unit's valid leads of the year. The indexes below hold every column those read, so both come from
the index without touching the table. They are plain composite indexes rather than PostgreSQL's INCLUDE
so that SQLite, which has no INCLUDE, covers the same queries; on PostgreSQL they measured the same. The
narrower (status, arrived_on) and (status, lead_date) indexes stay: PostgreSQL deduplicates them, and the
counts by status alone read those five to eight times smaller indexes faster.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "6e2b9d4f7a18"
down_revision: str | None = "3d8f2a6c1e59"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_ticket_status_due", table_name="ticket")
    op.create_index("ix_ticket_status_due", "ticket", ["status", "due_on", sa.column("id").desc()])
    op.create_index("ix_ticket_due_order", "ticket", ["due_on", sa.column("id").desc()])
    op.create_index(
        "ix_funds_arrival_status_date_amount", "funds_arrival", ["status", "arrived_on", "source", "amount"]
    )
    op.create_index("ix_lead_status_date_unit", "lead", ["status", "lead_date", "unit_id", "duplicate_of_id"])


def downgrade() -> None:
    op.drop_index("ix_lead_status_date_unit", table_name="lead")
    op.drop_index("ix_funds_arrival_status_date_amount", table_name="funds_arrival")
    op.drop_index("ix_ticket_due_order", table_name="ticket")
    op.drop_index("ix_ticket_status_due", table_name="ticket")
    op.create_index("ix_ticket_status_due", "ticket", ["status", "due_on"])
