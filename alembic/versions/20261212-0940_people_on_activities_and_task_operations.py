"""people on visits and activities, and three operations on supervised tasks: a cadre's credit may name a
visit (progress update), a trip, a reception, a promotion event or a month's trade besides a lead or a
project; a supervised task may be cancelled (撤销) and keeps the deadline it missed when the office moves
its deadline or cancels it

Revision ID: 56ec3ac268d9
Revises: 6d2a9e4c1b73
Create Date: 2026-12-12 09:40:00

`cadre_credit` gains one nullable column per new kind of record (each cascading with its record, each
unique with the cadre), and its check that exactly one record is named covers all seven. The task's
status may be `cancelled`; `missed_due_on` is new and empty. Existing rows are unchanged.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '56ec3ac268d9'
down_revision: str | None = '6d2a9e4c1b73'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_RECORDS = {
    'progress_update_id': 'progress_update',
    'trip_id': 'trip',
    'reception_id': 'reception',
    'event_id': 'promotion_event',
    'trade_entry_id': 'trade_entry',
}
ALL_RECORDS = ['lead_id', 'project_id', *NEW_RECORDS]
TWO_RECORDS = '(lead_id IS NULL) <> (project_id IS NULL)'
STATUSES = ['open', 'in_progress', 'submitted', 'closed', 'returned']


def _one_of(columns: list[str]) -> str:
    return ' + '.join(f'(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)' for c in columns) + ' = 1'


def _status_check(statuses: list[str]) -> str:
    return 'status IN (' + ', '.join(f"'{s}'" for s in statuses) + ')'


def upgrade() -> None:
    with op.batch_alter_table('cadre_credit', schema=None) as batch_op:
        for column, table in NEW_RECORDS.items():
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_cadre_credit_one_record'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cadre_credit_one_record'), _one_of(ALL_RECORDS))
        for column, table in NEW_RECORDS.items():
            name = column.removesuffix('_id')
            batch_op.create_unique_constraint(batch_op.f(f'uq_cadre_credit_{name}_cadre'), [column, 'cadre_id'])
            batch_op.create_foreign_key(
                batch_op.f(f'fk_cadre_credit_{column}_{table}'), table, [column], ['id'], ondelete='CASCADE'
            )
    with op.batch_alter_table('supervised_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missed_due_on', sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_supervised_task_task_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_supervised_task_task_status'), _status_check([*STATUSES, 'cancelled']))


def downgrade() -> None:
    op.execute("UPDATE supervised_task SET status = 'closed' WHERE status = 'cancelled'")
    with op.batch_alter_table('supervised_task', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_supervised_task_task_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_supervised_task_task_status'), _status_check(STATUSES))
        batch_op.drop_column('missed_due_on')
    op.execute('DELETE FROM cadre_credit WHERE lead_id IS NULL AND project_id IS NULL')
    with op.batch_alter_table('cadre_credit', schema=None) as batch_op:
        for column, table in NEW_RECORDS.items():
            name = column.removesuffix('_id')
            batch_op.drop_constraint(batch_op.f(f'fk_cadre_credit_{column}_{table}'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f(f'uq_cadre_credit_{name}_cadre'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_cadre_credit_one_record'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cadre_credit_one_record'), TWO_RECORDS)
        for column in NEW_RECORDS:
            batch_op.drop_column(column)
