"""industry teams (专业招商组: leader, member units, projects assigned) and responsibility letters (目标责任书:
the year's rules by revision, each unit's letter by version with its acknowledgement)

Revision ID: 7c4e2a9b5d13
Revises: 3f1b7c9d2e40
Create Date: 2026-12-12 09:00:00

A team stays a unit of kind industry_team; these tables add what the unit does not say. No data moves.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "7c4e2a9b5d13"
down_revision: str | None = "3f1b7c9d2e40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["unit.id"], name=op.f("fk_team_member_team_id_unit"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_team_member_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
        sa.UniqueConstraint("team_id", "unit_id", name="uq_team_member_team_unit"),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index("ix_team_member_unit_id", ["unit_id"], unique=False)

    op.create_table(
        "letter_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["user_account.id"],
            name=op.f("fk_letter_rules_written_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_rules")),
        sa.UniqueConstraint("year", "revision", name="uq_letter_rules_year_revision"),
    )
    op.create_table(
        "industry_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("leader_cadre_id", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["leader_cadre_id"], ["cadre.id"], name=op.f("fk_industry_team_leader_cadre_id_cadre"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_industry_team_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_team")),
        sa.UniqueConstraint("unit_id", name="uq_industry_team_unit_id"),
    )
    op.create_table(
        "responsibility_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "issued",
                "acknowledged",
                "superseded",
                name="letter_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("rules_id", sa.Integer(), nullable=True),
        sa.Column("rules_revision", sa.Integer(), nullable=False),
        sa.Column("rules_text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_name", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_token_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by_name", sa.String(length=100), nullable=False),
        sa.Column("acknowledged_from", sa.String(length=64), nullable=False),
        sa.Column("acknowledged_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["user_account.id"],
            name=op.f("fk_responsibility_letter_acknowledged_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_token_id"],
            ["api_token.id"],
            name=op.f("fk_responsibility_letter_acknowledged_token_id_api_token"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_responsibility_letter_issued_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rules_id"],
            ["letter_rules.id"],
            name=op.f("fk_responsibility_letter_rules_id_letter_rules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["responsibility_letter.id"],
            name=op.f("fk_responsibility_letter_supersedes_id_responsibility_letter"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_responsibility_letter_unit_id_unit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responsibility_letter")),
        sa.UniqueConstraint("unit_id", "year", "revision", name="uq_responsibility_letter_unit_year_revision"),
    )
    with op.batch_alter_table("responsibility_letter", schema=None) as batch_op:
        batch_op.create_index("ix_responsibility_letter_year_unit", ["year", "unit_id", "revision"], unique=False)

    op.create_table(
        "team_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            app.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["user_account.id"],
            name=op.f("fk_team_project_assigned_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_team_project_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["unit.id"], name=op.f("fk_team_project_team_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_project")),
        sa.UniqueConstraint("project_id", name="uq_team_project_project_id"),
    )
    with op.batch_alter_table("team_project", schema=None) as batch_op:
        batch_op.create_index("ix_team_project_team_id", ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("team_project", schema=None) as batch_op:
        batch_op.drop_index("ix_team_project_team_id")

    op.drop_table("team_project")
    with op.batch_alter_table("responsibility_letter", schema=None) as batch_op:
        batch_op.drop_index("ix_responsibility_letter_year_unit")

    op.drop_table("responsibility_letter")
    op.drop_table("industry_team")
    op.drop_table("letter_rules")
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index("ix_team_member_unit_id")

    op.drop_table("team_member")
