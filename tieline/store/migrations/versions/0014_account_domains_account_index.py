"""index account domains by account

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:55:00

An account's detail lists its domains; without this index that was a scan of every
domain of every account.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account_domains", schema=None) as batch_op:
        batch_op.create_index("ix_account_domains_account_id", ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_domains", schema=None) as batch_op:
        batch_op.drop_index("ix_account_domains_account_id")
