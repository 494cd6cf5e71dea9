from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tieline.store.db import make_engine, migrate
from tieline.store.models import Base


def test_migrations_match_models_and_rerun(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        tables = set(inspect(conn).get_table_names())
    assert {"workspaces", "messages", "identities", "message_scores"} <= tables
    for table in Base.metadata.sorted_tables:
        if table.name != "workspaces":
            assert "workspace_id" in table.c, table.name
    engine.dispose()
