"""conditions on commitments: a plot's (preferential) land price conditional on a commitment of its taker's
agreement, as an award already may be (award.commitment_id)

Revision ID: f2b5946c8689
Revises: b9fac31b781c
Create Date: 2026-12-13 09:40:00

One nullable column; existing rows are unchanged.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f2b5946c8689'
down_revision: str | None = 'b9fac31b781c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('land_plot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commitment_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_land_plot_commitment_id', ['commitment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_land_plot_commitment_id_commitment'), 'commitment', ['commitment_id'], ['id'], ondelete='RESTRICT')



def downgrade() -> None:
    with op.batch_alter_table('land_plot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_land_plot_commitment_id_commitment'), type_='foreignkey')
        batch_op.drop_index('ix_land_plot_commitment_id')
        batch_op.drop_column('commitment_id')

