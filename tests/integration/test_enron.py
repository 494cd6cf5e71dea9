"""Ingest the real Enron emails in ../shared/data (1,702 raw messages)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import SHARED_DATA
from tieline import service
from tieline.config import Settings
from tieline.store.models import Identity, Message, MessageRecipient, Person, Thread

ENRON = SHARED_DATA / "enron_with_categories"

pytestmark = pytest.mark.skipif(not ENRON.is_dir(), reason=f"{ENRON} is absent")


def test_enron_ingest(session: Session, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(internal_domains=["enron.com"])
    first = service.ingest_email(session=session, settings=settings, paths=[ENRON])
    session.commit()
    # 1,702 messages in .txt files; categories.txt is not an email and is listed as such.
    assert first.new_messages == 1702
    assert first.skipped_reasons == {"not an email message": 1}
    skipped = service.stats(session=session, settings=settings)["sources"][0]
    assert skipped["skipped_by_reason"] == {"not an email message": 1}

    def count() -> list[int]:
        return [
            session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Message, MessageRecipient, Person, Identity, Thread)
        ]

    before = count()
    again = service.ingest_email(session=session, settings=settings, paths=[ENRON])
    session.commit()
    assert again.new_messages == 0 and again.new_skipped == 0
    assert count() == before
    # Enron exports carry no In-Reply-To: replies thread by subject ("RE: ...").
    assert before[4] < 1702
    people = service.list_people(session=session, settings=settings)
    assert sum(p.internal for p in people) > 500
