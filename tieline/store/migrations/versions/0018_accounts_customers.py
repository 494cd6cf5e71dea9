"""customer accounts declared or earned; one message stored once; people joins recorded

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 02:00:00

Accounts say where they come from (config, the imported customer list, a promoted
candidate, discovered by two-way conversation) and carry the customer list's fields;
domains that talk with us but are not customers are kept apart as candidates with
the CSM's decision. Copies of one email filed in several folders are stored once
with their other locations. Identities record how they joined their person.
Existing accounts are marked "discovered": the next ingest keeps those that meet
the account rules of the workspace.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="discovered")
        )
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("owner", sa.String(length=320), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("segment", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("arr", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("renewal_on", sa.Date(), nullable=True))
    op.create_table(
        "account_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("inbound", sa.Integer(), nullable=False),
        sa.Column("outbound", sa.Integer(), nullable=False),
        sa.Column("two_way", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_account_candidates_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_candidates")),
        sa.UniqueConstraint(
            "workspace_id", "domain", name=op.f("uq_account_candidates_workspace_id_domain")
        ),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_derived", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined_by", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("join_evidence", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(
            sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("copy_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_messages_workspace_copy_key", ["workspace_id", "copy_key"], unique=False
        )
    op.create_table(
        "message_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=998), nullable=False),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_locations_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_message_locations_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_message_locations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_locations")),
        sa.UniqueConstraint(
            "message_id", "external_id", name=op.f("uq_message_locations_message_id_external_id")
        ),
    )
    with op.batch_alter_table("message_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_locations_message_id"), ["message_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("message_locations")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_workspace_copy_key")
        batch_op.drop_column("copy_key")
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_column("pinned")
        batch_op.drop_column("join_evidence")
        batch_op.drop_column("joined_by")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("name_derived")
    op.drop_table("account_candidates")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for column in ("renewal_on", "arr", "segment", "owner", "external_id", "origin"):
            batch_op.drop_column(column)
