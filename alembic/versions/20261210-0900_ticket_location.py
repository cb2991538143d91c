"""ticket location: where the problem is (address, address code, WGS84 coordinates), a media link and the
reporter's contact, as an Open311 GeoReport v2 client reports them

Revision ID: 8c2e6a41f0d7
Revises: 534aedc52d3d
Create Date: 2026-12-10 09:00:00

Only columns are added (ALTER TABLE ADD COLUMN on SQLite too, the table is not rebuilt); existing
tickets get '' and no coordinates.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8c2e6a41f0d7'
down_revision: str | None = "534aedc52d3d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('address_id', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('media_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reporter_contact', sa.String(length=200), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('reporter_contact')
        batch_op.drop_column('media_url')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
        batch_op.drop_column('address_id')
        batch_op.drop_column('address')
