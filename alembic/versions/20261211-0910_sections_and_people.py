"""sections and people: a unit's sections (科室/所/站/社区/分队), cadres (干部, with or without an account),
targets split to sections and cadres (目标分解), the cadres credited with a lead or a project

Revision ID: 3f1b7c9d2e40
Revises: 3f9b2c1d7a64
Create Date: 2026-12-11 09:00:00

Every existing account becomes a cadre of its unit (one per account, named as the account, active as
the account is), so that the people of a unit are listed from the start; no section is assigned.
Three indexes serve a cadre's ledger: leads by their bringer, projects by whoever entered them, visits
(progress updates) by whoever entered them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '3f1b7c9d2e40'
down_revision: str | None = "3f9b2c1d7a64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text('(CURRENT_TIMESTAMP)')


def _stamps() -> list[sa.Column]:
    return [
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=NOW, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'section',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column(
            'kind',
            sa.Enum('office', 'institute', 'station', 'community', 'squad', name='section_kind', native_enum=False,
                    create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_section_unit_id_unit'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_section')),
        sa.UniqueConstraint('unit_id', 'name', name='uq_section_unit_name'),
    )
    op.create_table(
        'cadre',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('title', sa.String(length=50), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_cadre_section_id_section'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_cadre_unit_id_unit'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_cadre_user_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cadre')),
        sa.UniqueConstraint('user_id', name='uq_cadre_user_id'),
    )
    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.create_index('ix_cadre_section_id', ['section_id'], unique=False)
        batch_op.create_index('ix_cadre_unit_id', ['unit_id', 'sort_order', 'id'], unique=False)
    op.create_table(
        'target_split',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(length=40), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.Integer(), nullable=True),
        sa.Column('cadre_id', sa.Integer(), nullable=True),
        sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
        *_stamps(),
        sa.CheckConstraint('(section_id IS NULL) <> (cadre_id IS NULL)', name=op.f('ck_target_split_one_holder')),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_target_split_amount_non_negative')),
        sa.ForeignKeyConstraint(['cadre_id'], ['cadre.id'], name=op.f('fk_target_split_cadre_id_cadre'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_target_split_section_id_section'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_target_split_unit_id_unit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_target_split')),
        sa.UniqueConstraint('year', 'metric', 'cadre_id', name='uq_target_split_cadre'),
        sa.UniqueConstraint('year', 'metric', 'section_id', name='uq_target_split_section'),
    )
    with op.batch_alter_table('target_split', schema=None) as batch_op:
        batch_op.create_index('ix_target_split_cadre_id', ['cadre_id'], unique=False)
        batch_op.create_index('ix_target_split_section_id', ['section_id'], unique=False)
        batch_op.create_index('ix_target_split_unit_year', ['unit_id', 'year', 'metric'], unique=False)
    op.create_table(
        'cadre_credit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cadre_id', sa.Integer(), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('share', sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint('share > 0 AND share <= 100', name=op.f('ck_cadre_credit_share_range')),
        sa.CheckConstraint('(lead_id IS NULL) <> (project_id IS NULL)', name=op.f('ck_cadre_credit_one_record')),
        sa.ForeignKeyConstraint(['cadre_id'], ['cadre.id'], name=op.f('fk_cadre_credit_cadre_id_cadre'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_cadre_credit_lead_id_lead'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_cadre_credit_project_id_project'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cadre_credit')),
        sa.UniqueConstraint('lead_id', 'cadre_id', name='uq_cadre_credit_lead_cadre'),
        sa.UniqueConstraint('project_id', 'cadre_id', name='uq_cadre_credit_project_cadre'),
    )
    with op.batch_alter_table('cadre_credit', schema=None) as batch_op:
        batch_op.create_index('ix_cadre_credit_cadre_id', ['cadre_id'], unique=False)
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.create_index('ix_lead_brought_by_id', ['brought_by_id'], unique=False)
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.create_index('ix_stage_event_recorded_by_id', ['recorded_by_id'], unique=False)
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.create_index('ix_progress_update_entered_by_id', ['entered_by_id'], unique=False)
    # every account is a cadre of its unit
    op.execute(
        "INSERT INTO cadre (unit_id, user_id, name, title, sort_order, is_active) "
        "SELECT unit_id, id, display_name, '', 0, is_active FROM user_account ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_update_entered_by_id')
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_event_recorded_by_id')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_brought_by_id')
    op.drop_table('cadre_credit')
    op.drop_table('target_split')
    op.drop_table('cadre')
    op.drop_table('section')
