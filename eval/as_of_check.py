"""Does ``--as-of D`` mean D on real mail? The Enron set, checked at several dates.

Ingests the 1,702 Enron emails of ``enron_with_categories`` (``internal_domains =
["enron.com"]``, as tests/integration/test_enron.py does) into a fresh SQLite file, or
reads an existing database (``--db``, e.g. one that ``tieline score`` has scored, so the
health evidence is full), then for each date runs :func:`tieline.service.as_of.check_as_of`:
every account's message count and last message as ``tieline accounts --as-of D`` shows
them against a direct count of the messages up to D, and every date in what the
account shows (health evidence, flags, relationship) against D. Prints one line per
date and each disagreement; exits 1 when there is any.

Run: ``.venv/bin/python eval/as_of_check.py [--data DIR] [--db URL] [--dates D ...]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from tieline import service
from tieline.config import load_settings
from tieline.service.as_of import check_as_of
from tieline.store.db import make_engine, make_session_factory, migrate

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DATES = ("2000-06-30", "2001-01-31", "2001-07-31", "2001-10-31", "2002-03-31")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--db", help="an existing database with the Enron set ingested")
    ap.add_argument("--dates", nargs="+", default=list(DATES))
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{Path(tmp.name) / 'enron.db'}"
    settings = load_settings(database_url=url, workspace="default", internal_domains=["enron.com"])
    engine = make_engine(settings.database_url)
    migrate(engine)
    Session = make_session_factory(engine)
    if args.db is None:
        with Session() as session:
            paths = [args.data / "enron_with_categories"]
            report = service.ingest_email(session=session, settings=settings, paths=paths)
            session.commit()
        print(f"ingested {report.new_messages} messages into {url} (not scored)")
    failed = 0
    with Session() as session:
        for d in args.dates:
            r = check_as_of(
                session=session, settings=settings, as_of=service.end_of(date.fromisoformat(d))
            )
            print(
                f"as of {d}: {r.accounts} accounts, {r.messages} account messages, "
                f"{r.dates_checked} dates shown, {len(r.problems)} disagreements"
            )
            for p in r.problems[:20]:
                print(f"  {p}")
            failed += len(r.problems)
    engine.dispose()
    tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
