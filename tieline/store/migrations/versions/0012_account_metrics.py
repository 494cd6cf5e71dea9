"""account metrics

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:09:07.886947
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_metrics_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_account_metrics_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_metrics")),
        sa.UniqueConstraint(
            "workspace_id", "row_key", name=op.f("uq_account_metrics_workspace_id_row_key")
        ),
    )
    with op.batch_alter_table("account_metrics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_account_metrics_account_metric_on", ["account_id", "metric", "on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("account_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_account_metrics_account_metric_on")

    op.drop_table("account_metrics")
