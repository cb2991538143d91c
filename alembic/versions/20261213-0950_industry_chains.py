"""industry chains (产业链): chains with their chief, leading firm, team and units, their links as a tree
from upstream to downstream, the local firms and the projects on each link, and an investor's introducer
(以商招商)

Revision ID: c4a1e7d2b9f3
Revises: f2b5946c8689
Create Date: 2026-12-13 09:50:00

New tables only (`industry_chain`, `chain_unit`, `chain_link`, `chain_link_firm`, `chain_link_project`,
`investor_introduction`); `project` and `investor` are not altered (on SQLite a new foreign key there would
copy the table and lose its expression index and search triggers). Existing rows are unchanged.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = 'c4a1e7d2b9f3'
down_revision: str | None = 'f2b5946c8689'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('industry_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('chief_user_id', sa.Integer(), nullable=True),
    sa.Column('leading_investor_id', sa.Integer(), nullable=True),
    sa.Column('leading_firm_name', sa.String(length=200), nullable=False),
    sa.Column('team_unit_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['chief_user_id'], ['user_account.id'], name=op.f('fk_industry_chain_chief_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['leading_investor_id'], ['investor.id'], name=op.f('fk_industry_chain_leading_investor_id_investor'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_unit_id'], ['unit.id'], name=op.f('fk_industry_chain_team_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_industry_chain')),
    sa.UniqueConstraint('name', name=op.f('uq_industry_chain_name'))
    )
    with op.batch_alter_table('industry_chain', schema=None) as batch_op:
        batch_op.create_index('ix_industry_chain_chief_user_id', ['chief_user_id'], unique=False)
        batch_op.create_index('ix_industry_chain_leading_investor_id', ['leading_investor_id'], unique=False)
        batch_op.create_index('ix_industry_chain_sort', ['sort_order', 'id'], unique=False)
        batch_op.create_index('ix_industry_chain_team_unit_id', ['team_unit_id'], unique=False)

    op.create_table('investor_introduction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('introducer_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('introducer_id <> investor_id', name=op.f('ck_investor_introduction_not_self')),
    sa.ForeignKeyConstraint(['introducer_id'], ['investor.id'], name=op.f('fk_investor_introduction_introducer_id_investor'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['investor_id'], ['investor.id'], name=op.f('fk_investor_introduction_investor_id_investor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investor_introduction')),
    sa.UniqueConstraint('investor_id', name='uq_investor_introduction_investor_id')
    )
    with op.batch_alter_table('investor_introduction', schema=None) as batch_op:
        batch_op.create_index('ix_investor_introduction_introducer_id', ['introducer_id'], unique=False)

    op.create_table('chain_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('upstream', 'midstream', 'downstream', name='chain_stage', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('weak_threshold', sa.Integer(), server_default='2', nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_chain_link_not_own_parent')),
    sa.CheckConstraint('weak_threshold >= 1 AND weak_threshold <= 1000', name=op.f('ck_chain_link_threshold_range')),
    sa.ForeignKeyConstraint(['chain_id'], ['industry_chain.id'], name=op.f('fk_chain_link_chain_id_industry_chain'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['chain_link.id'], name=op.f('fk_chain_link_parent_id_chain_link'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_link')),
    sa.UniqueConstraint('chain_id', 'name', name='uq_chain_link_chain_name')
    )
    with op.batch_alter_table('chain_link', schema=None) as batch_op:
        batch_op.create_index('ix_chain_link_chain_order', ['chain_id', 'parent_id', 'position', 'id'], unique=False)
        batch_op.create_index('ix_chain_link_parent_id', ['parent_id'], unique=False)

    op.create_table('chain_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['industry_chain.id'], name=op.f('fk_chain_unit_chain_id_industry_chain'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_chain_unit_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_unit')),
    sa.UniqueConstraint('chain_id', 'unit_id', name='uq_chain_unit_chain_unit')
    )
    with op.batch_alter_table('chain_unit', schema=None) as batch_op:
        batch_op.create_index('ix_chain_unit_unit_id', ['unit_id'], unique=False)

    op.create_table('chain_link_firm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_chain_link_firm_added_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['investor_id'], ['investor.id'], name=op.f('fk_chain_link_firm_investor_id_investor'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['link_id'], ['chain_link.id'], name=op.f('fk_chain_link_firm_link_id_chain_link'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_link_firm')),
    sa.UniqueConstraint('link_id', 'investor_id', name='uq_chain_link_firm_link_investor')
    )
    with op.batch_alter_table('chain_link_firm', schema=None) as batch_op:
        batch_op.create_index('ix_chain_link_firm_investor_id', ['investor_id'], unique=False)

    op.create_table('chain_link_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_chain_link_project_added_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_id'], ['chain_link.id'], name=op.f('fk_chain_link_project_link_id_chain_link'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_chain_link_project_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_link_project')),
    sa.UniqueConstraint('project_id', name='uq_chain_link_project_project_id')
    )
    with op.batch_alter_table('chain_link_project', schema=None) as batch_op:
        batch_op.create_index('ix_chain_link_project_link_id', ['link_id', 'project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('chain_link_project', schema=None) as batch_op:
        batch_op.drop_index('ix_chain_link_project_link_id')

    op.drop_table('chain_link_project')
    with op.batch_alter_table('chain_link_firm', schema=None) as batch_op:
        batch_op.drop_index('ix_chain_link_firm_investor_id')

    op.drop_table('chain_link_firm')
    with op.batch_alter_table('chain_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_chain_unit_unit_id')

    op.drop_table('chain_unit')
    with op.batch_alter_table('chain_link', schema=None) as batch_op:
        batch_op.drop_index('ix_chain_link_parent_id')
        batch_op.drop_index('ix_chain_link_chain_order')

    op.drop_table('chain_link')
    with op.batch_alter_table('investor_introduction', schema=None) as batch_op:
        batch_op.drop_index('ix_investor_introduction_introducer_id')

    op.drop_table('investor_introduction')
    with op.batch_alter_table('industry_chain', schema=None) as batch_op:
        batch_op.drop_index('ix_industry_chain_team_unit_id')
        batch_op.drop_index('ix_industry_chain_sort')
        batch_op.drop_index('ix_industry_chain_leading_investor_id')
        batch_op.drop_index('ix_industry_chain_chief_user_id')

    op.drop_table('industry_chain')
