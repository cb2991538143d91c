"""the map (招商地图): WGS-84 coordinates on projects, land plots, buildings and units (parks), and the
coordinator's GeoJSON layers (the county's boundary and towns)

Revision ID: 5c1e0a7d2b31
Revises: c4a1e7d2b9f3
Create Date: 2026-12-13 10:00:00

Nullable columns and a new table only; existing rows are unchanged (no coordinates until set).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '5c1e0a7d2b31'
down_revision: str | None = 'c4a1e7d2b9f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('project', 'land_plot', 'building', 'unit')
# what the map's count per grid cell reads of a project besides its place (the index covers it)
COVERED = {'project': ['status', 'is_confidential', 'responsible_unit_id', 'introducing_unit_id']}
INDEXED = {'project': 'ix_project_position', 'land_plot': 'ix_land_plot_position', 'building': 'ix_building_position'}


def upgrade() -> None:
    op.create_table('map_layer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('geojson', sa.Text(), nullable=False),
    sa.Column('features', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_map_layer_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_layer')),
    sa.UniqueConstraint('name', name=op.f('uq_map_layer_name'))
    )
    with op.batch_alter_table('map_layer', schema=None) as batch_op:
        batch_op.create_index('ix_map_layer_sort', ['sort_order', 'id'], unique=False)

    # plain ALTER TABLE (no batch: SQLite's table copy cannot carry project's expression index and triggers)
    for table in TABLES:
        op.add_column(table, sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
        op.add_column(table, sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
    op.add_column('project', sa.Column('located_on', sa.Date(), nullable=True))
    for table, index in INDEXED.items():
        covered = COVERED.get(table, [])
        # PostgreSQL's index holds the id too (SQLite's hold the row id anyway): an index-only count
        include = {'postgresql_include': ['id']} if covered else {}
        op.create_index(index, table, ['longitude', 'latitude', *covered], unique=False, **include)


def downgrade() -> None:
    for table, index in INDEXED.items():
        op.drop_index(index, table_name=table)
    op.drop_column('project', 'located_on')
    for table in TABLES:
        op.drop_column(table, 'longitude')
        op.drop_column(table, 'latitude')
    op.drop_index('ix_map_layer_sort', table_name='map_layer')
    op.drop_table('map_layer')
