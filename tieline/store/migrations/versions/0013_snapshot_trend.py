"""account snapshots keep their health trend in a column

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:10:00

The account list reads it for every account; pulling it out of the JSON payload cost a
JSON parse per row. Existing snapshots get it from their payload.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account_snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trend", sa.Float(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE account_snapshots SET trend = (payload::jsonb #>> '{health,trend}')::float"
        )
    else:
        op.execute("UPDATE account_snapshots SET trend = json_extract(payload, '$.health.trend')")


def downgrade() -> None:
    with op.batch_alter_table("account_snapshots", schema=None) as batch_op:
        batch_op.drop_column("trend")
