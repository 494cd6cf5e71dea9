"""Alembic environment: runs on the connection that ``tieline.store.db.migrate`` passes."""

from __future__ import annotations

from alembic import context

from tieline.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` CLI use: build one from sqlalchemy.url
    from tieline.store.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///tieline.db")
    with engine.begin() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    # Batch mode lets ALTERs run on SQLite by copying tables.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
