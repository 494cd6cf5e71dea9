"""``tieline.api.hot``: the account list and detail answered ahead of FastAPI give the
same responses as the routes, and leave everything unusual to them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tieline.api import hot
from tieline.api.ratelimit import RateLimiter


def _targets(api: Api) -> list[str]:
    acme, other = api.a.account_id, api.b.account_id
    page = api.get("/v1/accounts", limit=2).json()["next"]
    by_name = api.get("/v1/accounts", sort="name", limit=2).json()["next"]
    return [
        "/v1/accounts", "/v1/accounts?sort=name", "/v1/accounts?sort=-health&band=red",
        "/v1/accounts?flag=gone_dark&sort=relationship", "/v1/accounts?limit=2",
        f"/v1/accounts?limit=2&cursor={page}", f"/v1/accounts?sort=name&limit=2&cursor={by_name}",
        "/v1/accounts?limit=050", "/v1/accounts?unknown=1", "/v1/accounts?cursor=",
        # refused by FastAPI, and only by it
        "/v1/accounts?band=purple", "/v1/accounts?limit=0", "/v1/accounts?limit=201",
        "/v1/accounts?limit=abc", "/v1/accounts?limit=+5", "/v1/accounts?sort=bogus",
        "/v1/accounts?cursor=garbage", f"/v1/accounts?cursor={by_name}",
        "/v1/accounts?band=red&band=green", "/v1/accounts?cursor=" + "x" * 401,
        f"/v1/accounts/{acme}", f"/v1/accounts/{other}", "/v1/accounts/999999",
        "/v1/accounts/0", "/v1/accounts/2147483648", f"/v1/accounts/0{acme}",
        f"/v1/accounts/{acme}?as_of=2026-11-10", f"/v1/accounts/{acme}?as_of=nope",
        f"/v1/accounts/{acme}/", f"/v1/accounts/{acme}/history", "/v1/accounts/",
        "/v1/accountsx",
    ]  # fmt: skip


def _answers(api: Api, targets: list[str], key: str | None) -> list[tuple[Any, ...]]:
    headers = {"X-API-Key": key} if key is not None else {}
    out = []
    for target in targets:
        r = api.client.get(target, headers=headers, follow_redirects=False)
        out.append((target, r.status_code, r.headers.get("content-type"),
                    r.headers.get("retry-after"), r.content))  # fmt: skip
    return out


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The requests the fast path answered itself."""
    seen: list[str] = []
    for name in ("account_page_json", "account_detail_json"):
        real = getattr(hot, name)

        async def counted(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            seen.append(_name)
            return await _real(*args, **kw)

        monkeypatch.setattr(hot, name, counted)
    return seen


def test_both_paths_answer_every_request_alike(api: Api, answered: list[str]) -> None:
    targets = _targets(api)
    api.get("/v1/accounts", ws=api.b)  # both keys in the key cache now
    answered.clear()
    state = api.client.app.state  # type: ignore[attr-defined]
    ok: set[str] = set()
    for key in (api.a.key, api.b.key, api.revoked_key, "tl_nonsense", "", None):
        state.hot_reads = True
        fast = _answers(api, targets, key)
        state.hot_reads = False
        slow = _answers(api, targets, key)
        for one, other in zip(fast, slow, strict=True):
            assert one == other
        ok |= {t for t, status, *_ in fast if status == 200}
    assert ok >= set(targets[:10]) | {targets[20], targets[26]}  # + the detail, live too
    # 2 keys x the 13 ordinary requests: 10 pages, and 3 details (one 200, two 404: an
    # account of the other workspace and none); FastAPI answered all the others.
    assert len(answered) == 2 * 13


def test_the_fast_path_counts_each_request_once_against_the_rate_limit(api: Api) -> None:
    state = api.client.app.state  # type: ignore[attr-defined]
    targets = [f"/v1/accounts/{api.a.account_id}", "/v1/accounts?limit=2", "/v1/accounts?limit=0",
               "/v1/accounts", f"/v1/accounts/{api.a.account_id}?as_of=2026-11-10",
               "/v1/accounts", "/v1/accounts/999999"]  # fmt: skip
    runs = []
    for on in (True, False):
        api.get("/v1/accounts")  # the key in the key cache
        state.hot_reads = on
        state.rate_limiter = RateLimiter(per_minute=4)
        answers = _answers(api, targets, api.a.key)
        runs.append([(status, retry) for _, status, _, retry, _ in answers])
    assert runs[0] == runs[1]
    assert [status for status, _ in runs[0]] == [200, 200, 422, 200, 429, 429, 429]
    assert all(retry is not None for status, retry in runs[0] if status == 429)
