from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tieline.domain import ThreadHeader
from tieline.ingest.threads import build_threads, is_reply_subject, normalize_subject

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def h(key: str, day: float, subject: str = "Plan", **kw: object) -> ThreadHeader:
    kw.setdefault("participants", frozenset({1, 2}))
    return ThreadHeader(key=key, sent_at=T0 + timedelta(days=day), subject=subject, **kw)  # type: ignore[arg-type]


def test_normalize_subject() -> None:
    assert normalize_subject("Re: RE: Fwd: [acme] Renewal  quote") == "renewal quote"
    assert normalize_subject("AW: WG: Angebot") == "angebot"
    assert normalize_subject("Re[2]: hello") == "hello"
    assert is_reply_subject("RE: x") and not is_reply_subject("Renewal")


def test_reply_before_parent_and_missing_middle() -> None:
    # c replies to b, which never arrived; a is b's parent per c's References.
    msgs = [
        h("c", 2, "Re: Plan", in_reply_to="b", references=("a", "b")),
        h("a", 0),
        h("d", 3, "Re: Plan", references=("b",)),
    ]
    assert build_threads(msgs) == {"a": "a", "c": "a", "d": "a"}


def test_subject_fallback_needs_reply_prefix_shared_people_and_recency() -> None:
    msgs = [
        h("a", 0, "Renewal"),
        h("b", 1, "RE: Renewal"),  # joins a
        h("c", 2, "Renewal"),  # not a reply: new thread
        h("d", 3, "Re: Renewal", participants=frozenset({9})),  # strangers: new thread
        h("e", 200, "Re: Renewal"),  # months later: new thread
    ]
    got = build_threads(msgs)
    assert got["b"] == "a"
    assert got["c"] == "c" and got["d"] == "d" and got["e"] == "e"


def test_provider_thread_ids_link_messages() -> None:
    msgs = [h("x", 0, "A", provider_thread_id="gm:1"), h("y", 1, "B", provider_thread_id="gm:1")]
    assert build_threads(msgs) == {"x": "x", "y": "x"}


@given(st.permutations(list(range(8))))
def test_result_does_not_depend_on_input_order(order: list[int]) -> None:
    chain = [h("m0", 0)] + [
        h(
            f"m{i}",
            i,
            "Re: Plan",
            in_reply_to=f"m{i - 1}",
            references=tuple(f"m{j}" for j in range(i)),
        )
        for i in range(1, 8)
    ]
    assert build_threads([chain[i] for i in order]) == {f"m{i}": "m0" for i in range(8)}
