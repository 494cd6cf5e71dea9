"""account activity: messages, threads and the latest message per account, stored

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 01:45:00

The account detail counted every message of the account's people on each request; the
counts are now kept by the use cases that change messages and people, and filled here
for the accounts that exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_activity",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("threads", sa.Integer(), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_activity_account_id_accounts"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_account_activity_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_activity")),
    )
    # What tieline.store.facts.refresh_activity computes, for every workspace at once.
    op.execute(
        """
        INSERT INTO account_activity
            (workspace_id, account_id, messages, threads, last_message_at)
        SELECT pairs.workspace_id, pairs.account_id, count(*), count(DISTINCT m.thread_id),
               max(m.sent_at)
        FROM (
            SELECT p.workspace_id, p.account_id, a.id AS message_id
            FROM people p JOIN messages a ON a.author_id = p.id
            WHERE p.account_id IS NOT NULL
            UNION
            SELECT p.workspace_id, p.account_id, r.message_id
            FROM people p JOIN message_recipients r ON r.person_id = p.id
            WHERE p.account_id IS NOT NULL
        ) AS pairs JOIN messages m ON m.id = pairs.message_id
        GROUP BY pairs.workspace_id, pairs.account_id
        """
    )


def downgrade() -> None:
    op.drop_table("account_activity")
