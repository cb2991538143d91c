"""the public catalogue (对外发布): the county's profile, published projects and published sites

Revision ID: 3f6b2a9d1c70
Revises: a7c3e1d9f042
Create Date: 2026-12-13 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f6b2a9d1c70"
down_revision: str | None = "a7c3e1d9f042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE = ("draft", "published", "withdrawn")


def _state() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            "state",
            sa.Enum(*STATE, name="publish_state", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "public_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=100), nullable=False),
        sa.Column("title_en", sa.String(length=100), nullable=False),
        *[sa.Column(f"{n}_{lang}", sa.Text(), nullable=False) for n in ("intro", "industries", "figures", "policies") for lang in ("zh", "en")],
        *_state(),
        sa.CheckConstraint("id = 1", name=op.f("ck_public_profile_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_profile")),
    )
    op.create_table(
        "public_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column(
            "sector",
            sa.Enum("primary", "secondary", "tertiary", name="sector", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("chain_zh", sa.String(length=100), nullable=False),
        sa.Column("chain_en", sa.String(length=100), nullable=False),
        sa.Column("investment_wan", sa.Numeric(16, 2), nullable=False),
        sa.Column("land_mu", sa.Numeric(12, 2), nullable=True),
        *[sa.Column(f"{n}_{lang}", sa.Text(), nullable=False) for n in ("summary", "returns", "policies") for lang in ("zh", "en")],
        sa.Column("contact_zh", sa.String(length=100), nullable=False),
        sa.Column("contact_en", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        *_state(),
        sa.CheckConstraint("investment_wan >= 0", name=op.f("ck_public_project_investment_non_negative")),
        sa.CheckConstraint("land_mu IS NULL OR land_mu > 0", name=op.f("ck_public_project_land_positive")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_public_project_project_id_project"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_project")),
    )
    op.create_index("ix_public_project_state", "public_project", ["state", "sort_order", "id"], unique=False)
    op.create_index("ix_public_project_project_id", "public_project", ["project_id"], unique=True)
    op.create_table(
        "public_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("plot", "building", name="site_kind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("plot_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("park_zh", sa.String(length=100), nullable=False),
        sa.Column("park_en", sa.String(length=100), nullable=False),
        sa.Column("area", sa.Numeric(14, 2), nullable=True),
        sa.Column("use_zh", sa.String(length=100), nullable=False),
        sa.Column("use_en", sa.String(length=100), nullable=False),
        sa.Column("price_zh", sa.String(length=200), nullable=False),
        sa.Column("price_en", sa.String(length=200), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        *_state(),
        sa.CheckConstraint("(plot_id IS NULL) <> (building_id IS NULL)", name=op.f("ck_public_site_one_source")),
        sa.CheckConstraint("area IS NULL OR area > 0", name=op.f("ck_public_site_area_positive")),
        sa.ForeignKeyConstraint(
            ["plot_id"], ["land_plot.id"], name=op.f("fk_public_site_plot_id_land_plot"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["building.id"], name=op.f("fk_public_site_building_id_building"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_site")),
    )
    op.create_index("ix_public_site_state", "public_site", ["state", "sort_order", "id"], unique=False)
    op.create_index("ix_public_site_plot_id", "public_site", ["plot_id"], unique=True)
    op.create_index("ix_public_site_building_id", "public_site", ["building_id"], unique=True)


def downgrade() -> None:
    op.drop_table("public_site")
    op.drop_table("public_project")
    op.drop_table("public_profile")
