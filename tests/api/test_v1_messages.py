"""/v1/accounts/{id}/messages: newest first, with sentiment, reply latency, open items."""

from __future__ import annotations

from tests.api.conftest import Api


def test_messages_with_scores(api: Api) -> None:
    url = f"/v1/accounts/{api.a.account_id}/messages"
    r = api.get(url)
    assert r.status_code == 200, r.text
    messages = r.json()["results"]
    assert len(messages) >= 5 and r.json()["next"] is None
    times = [m["sent_at"] for m in messages]
    assert times == sorted(times, reverse=True)
    scored = [m for m in messages if m["sentiment"]]
    assert scored and all(m["sentiment"]["label"] in {"negative", "neutral", "positive"}
                          for m in scored)  # fmt: skip
    assert all(-1 <= m["sentiment"]["score"] <= 1 for m in scored)
    assert any(m["reply"] and m["reply"]["answered"] for m in messages)
    items = [i for m in messages for i in m["open_items"]]
    assert items and {i["owed_by"] for i in items} <= {"us", "them", None}
    auto = [m for m in messages if m["automated"]]
    assert all(m["sentiment"] is None for m in auto)  # automated mail is not scored

    paged, cursor = [], None
    while True:
        body = api.get(url, limit=2, **({"cursor": cursor} if cursor else {})).json()
        paged += body["results"]
        cursor = body["next"]
        if not cursor:
            break
    assert [m["id"] for m in paged] == [m["id"] for m in messages]
