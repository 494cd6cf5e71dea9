"""Ingest the real Enron emails in ../shared/data (1,702 raw messages)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import SHARED_DATA
from tieline import service
from tieline.config import Settings
from tieline.store.models import (
    Account,
    Identity,
    Message,
    MessageLocation,
    MessageRecipient,
    Person,
    Thread,
)

ENRON = SHARED_DATA / "enron_with_categories"

pytestmark = pytest.mark.skipif(not ENRON.is_dir(), reason=f"{ENRON} is absent")


def test_enron_ingest(session: Session, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(internal_domains=["enron.com"])
    first = service.ingest_email(session=session, settings=settings, paths=[ENRON])
    session.commit()
    # 1,702 messages in .txt files; categories.txt is not an email and is listed as such.
    # Copies of one email filed in several folders (other Message-ID, dates shifted by
    # a time-zone offset) are stored once, each copy kept as a location.
    copies = session.scalar(select(func.count()).select_from(MessageLocation))
    assert first.new_messages + first.duplicates == 1702
    assert copies == first.duplicates and 50 < copies < 200
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

    # Same full name at enron.com (middle initial tolerated) is one person.
    for name in ("Steven J Kean", "Vince J Kaminski", "Susan J Mara"):
        assert sum(p.name == name for p in people) == 1, name
    kaminski = next(p for p in people if p.name == "Vince J Kaminski")
    assert {"vince.kaminski@enron.com", "j.kaminski@enron.com"} <= set(kaminski.emails)
    # No display name that is not a name holds several addresses.
    assert not [p for p in people if p.name.lower() in ("e-mail", "email") and len(p.emails) > 1]
    # Discovered mode: only domains with two-way conversation, none of ours or an ISP.
    assert first.accounts_mode == "discovered"
    domains = {d for a in service.list_accounts(session=session, settings=settings)
               for d in a.domains}  # fmt: skip
    assert domains and not domains & {"enron.net", "earthlink.net", "aol.com", "pacbell.net"}
    assert len(domains) == session.scalar(select(func.count()).select_from(Account))
