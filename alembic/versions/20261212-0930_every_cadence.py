"""every cadence: a report's deadline in working days, which units each cadence of report applies to
(报送范围), the sections (条线) that went on an outbound trip

Revision ID: 6d2a9e4c1b73
Revises: ec88f4de9375
Create Date: 2026-12-12 09:30:00

Existing schedules keep counting their deadline in calendar days (working_days false). No applicability
rule is made: every cadence applies to every unit as before. Existing trips name no section.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '6d2a9e4c1b73'
down_revision: str | None = "ec88f4de9375"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text('(CURRENT_TIMESTAMP)')


def upgrade() -> None:
    with op.batch_alter_table('report_cadence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('working_days', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'report_applicability',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cadence', sa.String(length=20), nullable=False),
        sa.Column('unit_kind', sa.String(length=32), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('applies', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint('(unit_kind IS NULL) <> (unit_id IS NULL)',
                           name=op.f('ck_report_applicability_one_scope')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_report_applicability_unit_id_unit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_applicability')),
        sa.UniqueConstraint('cadence', 'unit_id', name='uq_report_applicability_unit'),
        sa.UniqueConstraint('cadence', 'unit_kind', name='uq_report_applicability_kind'),
    )
    with op.batch_alter_table('report_applicability', schema=None) as batch_op:
        batch_op.create_index('ix_report_applicability_unit_id', ['unit_id'], unique=False)
    op.create_table(
        'trip_section',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trip_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_trip_section_section_id_section'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['trip_id'], ['trip.id'], name=op.f('fk_trip_section_trip_id_trip'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trip_section')),
        sa.UniqueConstraint('trip_id', 'section_id', name='uq_trip_section_trip_section'),
    )
    with op.batch_alter_table('trip_section', schema=None) as batch_op:
        batch_op.create_index('ix_trip_section_section_id', ['section_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('trip_section', schema=None) as batch_op:
        batch_op.drop_index('ix_trip_section_section_id')
    op.drop_table('trip_section')
    with op.batch_alter_table('report_applicability', schema=None) as batch_op:
        batch_op.drop_index('ix_report_applicability_unit_id')
    op.drop_table('report_applicability')
    with op.batch_alter_table('report_cadence', schema=None) as batch_op:
        batch_op.drop_column('working_days')
