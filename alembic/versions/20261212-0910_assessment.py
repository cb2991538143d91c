"""the year's assessment: its scheme (weights, frozen with the results when published), assessors'
qualitative scores with reasons, and the bonuses and deductions entered by hand

Revision ID: 5a7d3e9c1b28
Revises: 7c4e2a9b5d13
Create Date: 2026-12-12 09:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '5a7d3e9c1b28'
down_revision: str | None = '7c4e2a9b5d13'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('assessment_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('bonus', 'deduction', name='adjustment_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('withdraw_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_assessment_adjustment_points_positive')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user_account.id'], name=op.f('fk_assessment_adjustment_entered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assessment_adjustment_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_adjustment'))
    )
    with op.batch_alter_table('assessment_adjustment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_adjustment_year_unit', ['year', 'unit_id'], unique=False)

    op.create_table('assessment_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='assessment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('published_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('as_of', sa.String(length=10), nullable=False),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_assessment_scheme_published_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_scheme')),
    sa.UniqueConstraint('year', name=op.f('uq_assessment_scheme_year'))
    )
    op.create_table('qualitative_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=30), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_qualitative_score_score_range')),
    sa.ForeignKeyConstraint(['assessor_id'], ['user_account.id'], name=op.f('fk_qualitative_score_assessor_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_qualitative_score_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualitative_score')),
    sa.UniqueConstraint('year', 'unit_id', 'assessor_id', 'item', name='uq_qualitative_score')
    )
    with op.batch_alter_table('qualitative_score', schema=None) as batch_op:
        batch_op.create_index('ix_qualitative_score_year_unit', ['year', 'unit_id'], unique=False)




def downgrade() -> None:
    
    with op.batch_alter_table('qualitative_score', schema=None) as batch_op:
        batch_op.drop_index('ix_qualitative_score_year_unit')

    op.drop_table('qualitative_score')
    op.drop_table('assessment_scheme')
    with op.batch_alter_table('assessment_adjustment', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_adjustment_year_unit')

    op.drop_table('assessment_adjustment')

