"""Property: any record the readers can produce is storable, on SQLite and on PostgreSQL.

Text fields are fuzzed with arbitrary code points (NUL and lone surrogates
included) and identifiers with lengths on both sides of their columns. Every
message must be stored (or found a duplicate), never refused or skipped.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.hardening.mail import MakeSettings
from tieline import domain, service
from tieline.store.models import Message
from tieline.store.storable import clean_text

ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
TEXT = st.text(ANY_CHAR, max_size=60)


def _sized(limit: int) -> st.SearchStrategy[str]:
    """Short values, and values just under, at and over ``limit`` characters."""
    return st.one_of(
        st.text(ANY_CHAR, min_size=1, max_size=40),
        st.builds(lambda head, n: (head * (limit + n))[: limit + n],
                  st.text(ANY_CHAR, min_size=1, max_size=3), st.integers(-2, 40)),
    )  # fmt: skip


def _address(local: str, name: str, title: str) -> domain.Address:
    return domain.Address(f"{local}@acme-logistics.com", name, title=title)


ADDRESSES = st.builds(_address, _sized(320), _sized(300), TEXT)
MESSAGES = st.builds(
    domain.Message,
    external_id=_sized(998),
    channel=st.sampled_from(list(domain.Channel)),
    sent_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    author=ADDRESSES,
    subject=TEXT,
    body=st.text(ANY_CHAR, min_size=1, max_size=300),
    recipients=st.lists(
        st.tuples(st.sampled_from(list(domain.RecipientKind)), ADDRESSES), max_size=3
    ).map(tuple),
    quoted_text=TEXT,
    signature=TEXT,
    in_reply_to=st.none() | _sized(998),
    references=st.lists(_sized(998), max_size=3).map(tuple),
    provider_thread_id=st.none() | _sized(200),
    automated_reason=st.none() | _sized(300),
    content_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
    locator=_sized(2000),
    attributes=st.dictionaries(TEXT, TEXT, max_size=3),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(message=MESSAGES)
def test_any_message_is_storable(
    message: domain.Message, session: Session, make_settings: MakeSettings
) -> None:
    report = service.ingest_records(
        [message], session=session, settings=make_settings(), source_kind="email",
        source_name="fuzz", checkpoint=session.commit,
    )  # fmt: skip
    assert report.skipped == 0 and report.new_skipped == 0
    assert report.new_messages + report.duplicates == 1
    if report.new_messages:
        stored = session.scalars(select(Message).order_by(Message.id.desc()).limit(1)).one()
        assert stored.body == clean_text(message.body)
        assert stored.subject == clean_text(message.subject)
