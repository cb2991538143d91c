"""token roles and scopes: an API token acts as staff of one unit, as the coordinating bureau, or as a
reader of everything, and carries scopes (read, and write per area; app.scopes)

Revision ID: 7d2e9c41a0b3
Revises: 4f6fdd011993
Create Date: 2026-12-07 10:00:00

Existing tokens keep what they could do: a read-only token becomes a reader (no unit) or a unit's
reader (scope read only); any other token is its unit's staff with every scope staff may hold
(what it could write before).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7d2e9c41a0b3'
down_revision: str | None = '4f6fdd011993'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum('unit_staff', 'coordinator', 'reader', name='token_role', native_enum=False, create_constraint=True, length=32), nullable=False, server_default='unit_staff'))
        batch_op.add_column(sa.Column('scopes', sa.String(length=200), nullable=False, server_default='read'))
    op.execute("UPDATE api_token SET role = 'reader', scopes = 'read' WHERE read_only AND unit_id IS NULL")
    op.execute("UPDATE api_token SET role = 'unit_staff', scopes = 'read' WHERE read_only AND unit_id IS NOT NULL")
    op.execute(
        "UPDATE api_token SET role = 'unit_staff', scopes = 'read leads projects tickets awards reports admin'"
        " WHERE NOT read_only"
    )
    with op.batch_alter_table('api_token') as batch_op:  # SQLite: the table is rebuilt (it has no triggers)
        batch_op.alter_column('role', server_default=None)
        batch_op.alter_column('scopes', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('api_token') as batch_op:
        batch_op.drop_column('scopes')
        batch_op.drop_column('role')
