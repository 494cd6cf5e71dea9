"""Scoring throughput and memory: N stored messages through ``tieline score``.

    python bench/score.py                  # 5,000 messages, SQLite, the packaged model
    python bench/score.py -n 20000 --backend vader

Generates the synthetic CS mailbox of ``bench/ingest.py`` (threads, quoted history,
signatures: scoring sees only each message's new text, as in production), ingests it,
then scores everything in one process and prints messages/second for the whole use
case (sentence splitting, sentiment, open items, lifecycle, thread latency and item
resolution, database writes) and the peak resident memory; then ingests 1 % more
messages and scores again, to show the incremental cost.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import generate  # noqa: E402  (the sibling bench script's generator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5_000, help="messages (default 5,000)")
    parser.add_argument("--backend", choices=("transformer", "vader"), default="transformer")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    from tieline import service
    from tieline.config import load_settings
    from tieline.store.db import make_engine, make_session_factory, migrate

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db_url = f"sqlite:///{root / 'bench.db'}"
        settings = load_settings(
            database_url=db_url, workspace="bench", internal_domains=["northwind.io"],
            nlp={"sentiment_backend": args.backend, "threads": args.threads},
        )  # fmt: skip
        extra = max(1, args.n // 100)
        generate(root / "all.mbox", args.n + extra)
        text = (root / "all.mbox").read_bytes()
        # Split the mbox before the last `extra` messages: the "next day" of mail.
        cut = 0
        for _ in range(extra):
            cut = text.rindex(b"\nFrom ", 0, cut or len(text))
        (root / "first.mbox").write_bytes(text[: cut + 1])
        (root / "later.mbox").write_bytes(text[cut + 1 :])

        engine = make_engine(db_url)
        migrate(engine)
        with make_session_factory(engine)() as session:
            ingest = service.ingest_email(
                session=session, settings=settings, paths=[root / "first.mbox"],
                checkpoint=session.commit,
            )  # fmt: skip
            session.commit()
            print(f"stored {ingest.new_messages:,} messages in {ingest.threads:,} threads")
            t0 = time.perf_counter()
            models = service.build_models(settings.nlp)
            load = time.perf_counter() - t0
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            report = service.score(
                session=session, settings=settings, models=models, checkpoint=session.commit
            )
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{models.sentiment.name}: model load {load:.1f} s; scored {report.messages:,} "
                f"messages and {report.threads:,} threads in {report.seconds:.1f} s = "
                f"{report.messages / report.seconds:,.1f} messages/s; peak RSS {peak:.0f} MB "
                f"({rss0:.0f} MB after loading)"
            )
            print(f"  totals: {report.totals}")
            later = service.ingest_email(
                session=session, settings=settings, paths=[root / "later.mbox"],
                checkpoint=session.commit,
            )  # fmt: skip
            again = service.score(
                session=session, settings=settings, models=models, checkpoint=session.commit
            )
            print(
                f"incremental: {later.new_messages:,} new messages -> scored {again.messages:,} "
                f"messages and {again.threads:,} threads in {again.seconds:.2f} s"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
