"""identities keep their display name whole, however long

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 01:50:00

A display name over 300 characters (a pasted signature, a crafted header) stopped the
ingest on PostgreSQL. The identity now keeps it in a text column; the person's name
made from it is cut to its column by the store.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.alter_column(
            "display_name", existing_type=sa.String(length=300), type_=sa.Text(),
            existing_nullable=False,
        )  # fmt: skip


def downgrade() -> None:
    op.execute("UPDATE identities SET display_name = substr(display_name, 1, 300)")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.alter_column(
            "display_name", existing_type=sa.Text(), type_=sa.String(length=300),
            existing_nullable=False,
        )  # fmt: skip
