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


def test_upgrade_keeps_existing_rows(db_url: str) -> None:
    from sqlalchemy import text

    engine = make_engine(db_url)
    migrate(engine, "0002")
    now = "2026-03-01 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO workspaces (id, name, created_at) VALUES (1, 'w', '{now}')")
        )
        conn.execute(
            text("INSERT INTO sources (id, workspace_id, kind, name, created_at) "
                 f"VALUES (1, 1, 'email', 'email', '{now}')")
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO people (id, workspace_id, name, internal, automated, created_at) "
                 f"VALUES (1, 1, 'Dana', false, false, '{now}')")
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO identities (id, workspace_id, person_id, kind, value, display_name, "
                 "domain) VALUES (1, 1, 1, 'email', 'd@acme.com', 'Dana', 'acme.com')")
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO messages (id, workspace_id, source_id, external_id, author_id, "
                 "author_identity_id, sent_at, subject, body, quoted_text, signature, "
                 "\"references\", content_hash, locator, size_bytes, ingested_at) VALUES "
                 f"(1, 1, 1, 'm1', 1, 1, '{now}', 's', 'b', '', '', '', 'h', '', 1, '{now}')")
        )  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM people")).scalar_one() == ""
        attributes = conn.execute(text("SELECT attributes FROM messages")).scalar_one()
        assert attributes in ({}, "{}")
        assert conn.execute(text("SELECT sync_state FROM sources")).scalar_one() in ({}, "{}")
        assert conn.execute(text("SELECT count(*) FROM identities")).scalar_one() == 1
    engine.dispose()


def test_0013_moves_the_snapshot_trend_out_of_the_payload(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from tieline.store import db

    engine = make_engine(db_url)
    migrate(engine, "0012")
    cfg = Config()  # PostgreSQL test databases start at head: step back to 0012
    cfg.set_main_option("script_location", str(db._MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    now = "2026-11-20 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO workspaces (id, name, created_at) VALUES (1, 'w', '{now}')")
        )
        conn.execute(
            text(f"INSERT INTO accounts (id, workspace_id, name, created_at) "
                 f"VALUES (1, 1, 'Acme', '{now}')")
        )  # fmt: skip
        payloads = ('{"health": {"score": 40, "trend": -7.5}}',
                    '{"health": {"score": 40, "trend": null}}', '{}')  # fmt: skip
        for i, payload in enumerate(payloads):
            conn.execute(
                text("INSERT INTO account_snapshots (id, workspace_id, account_id, \"on\", "
                     "score, band, relationship, flags, payload, computed_at) VALUES "
                     f"({i + 1}, 1, 1, '2026-11-{10 + i}', 40, 'red', 2, '[]', :p, '{now}')"),
                {"p": payload},
            )  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        trends = conn.execute(text("SELECT trend FROM account_snapshots ORDER BY id")).scalars()
        assert list(trends) == [-7.5, None, None]
    engine.dispose()
