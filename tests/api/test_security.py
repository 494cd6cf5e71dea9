"""Keys out of URLs and logs, failed authentication limited per address, security
headers on every response, the API docs served from the app itself."""

from __future__ import annotations

import logging

import pytest

from tests.api.conftest import Api
from tieline.api.accesslog import RedactSecrets, redact
from tieline.api.authlimit import AuthThrottle


def test_failed_keys_are_limited_per_address_without_more_lookups(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tieline.api import deps

    lookups: list[str] = []
    real = deps._lookup

    def counted(sessions: object, key: str) -> object:
        lookups.append(key)
        return real(sessions, key)  # type: ignore[arg-type]

    assert api.get("/v1/people").status_code == 200  # the real key, now in the key cache
    monkeypatch.setattr(deps, "_lookup", counted)
    now = [1000.0]
    api.client.app.state.auth_throttle = AuthThrottle(  # type: ignore[attr-defined]
        per_minute=5, clock=lambda: now[0]
    )
    for n in range(5):
        r = api.client.get("/v1/people", headers={"X-API-Key": f"tl_guess{n}"})
        assert r.status_code == 401
    for n in range(50):  # over the limit: refused before any lookup
        r = api.client.get("/v1/people", headers={"X-API-Key": f"tl_more{n}"})
        assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
        assert 1 <= int(r.headers["retry-after"]) <= 60
    assert len(lookups) == 5
    r = api.client.post("/v1/ingest/email", files={"file": ("a.mbox", b"From x")},
                        headers={"X-API-Key": "tl_upload"})  # fmt: skip
    assert r.status_code == 429 and len(lookups) == 5  # refused before the body is read
    assert api.get("/v1/people").status_code == 200  # a key in the key cache still works
    now[0] += 61  # the window has passed
    assert api.client.get("/v1/people", headers={"X-API-Key": "tl_x"}).status_code == 401
    assert len(lookups) == 6


def test_the_throttle_counts_each_address_apart() -> None:
    now = [0.0]
    throttle = AuthThrottle(per_minute=2, clock=lambda: now[0], max_addresses=2)
    throttle.failed("10.0.0.1")
    throttle.failed("10.0.0.1")
    with pytest.raises(Exception, match="too many failed") as err:
        throttle.check("10.0.0.1")
    assert err.value.headers == {"Retry-After": "60"}  # type: ignore[attr-defined]
    throttle.check("10.0.0.2")  # another address is not held back
    throttle.failed("10.0.0.2")
    throttle.failed("10.0.0.3")  # three addresses: the least recent is forgotten
    throttle.check("10.0.0.1")
    now[0] = 30.0
    throttle.failed("10.0.0.3")
    with pytest.raises(Exception, match="retry in 30 s"):
        throttle.check("10.0.0.3")


def test_a_key_in_the_query_string_is_refused_on_the_api(api: Api) -> None:
    for url in (f"/v1/people?key={api.a.key}", f"/v1/accounts?api_key={api.a.key}",
                f"/web/accounts.json?KEY={api.a.key}", "/v1/accounts/1?apikey=x"):  # fmt: skip
        r = api.client.get(url, headers={"X-API-Key": api.a.key})
        assert r.status_code == 400, url
        assert r.headers["content-type"] == "application/problem+json"
        assert "X-API-Key header" in r.json()["detail"] and api.a.key not in r.text
    assert api.get("/v1/accounts", sort="name").status_code == 200  # other names pass


def test_a_page_opened_with_a_key_is_redirected_without_it(api: Api) -> None:
    r = api.client.get(f"/accounts/3?key={api.a.key}&x=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/accounts/3?x=1"
    from tieline.api.security import _refuse_key

    away = _refuse_key({"path": "//evil.example"}, [("key", api.a.key)])
    assert away.headers["location"] == "/evil.example"  # type: ignore[attr-defined]  # here


def test_the_access_log_never_prints_a_secret(api: Api) -> None:
    assert redact("/v1/x?key=tl_abcdefghijk&sort=name") == "/v1/x?key=[redacted]&sort=name"
    assert redact("/?a=1&token=s3cret&API_KEY=k") == "/?a=1&token=[redacted]&API_KEY=[redacted]"
    assert redact("/p/tl_AbCdEf-12345_xyz/x") == "/p/tl_[redacted]/x"
    assert redact("/v1/accounts?sort=-health") == "/v1/accounts?sort=-health"
    # The filter the lifespan installed on uvicorn's access logger, on uvicorn's record.
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactSecrets) for f in access.filters)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", f"/?key={api.a.key}", "1.1", 303),
                               None)  # fmt: skip
    assert access.filter(record)
    assert api.a.key not in record.getMessage() and "key=[redacted]" in record.getMessage()


def test_security_headers_on_pages_api_and_docs(api: Api) -> None:
    page = api.client.get("/")
    json = api.get("/v1/accounts")  # answered by the hot path
    detail = api.get(f"/v1/accounts/{api.a.account_id}")
    docs = api.client.get("/docs")
    for r in (page, json, detail, docs, api.get("/v1/people")):
        assert r.status_code == 200
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert json.headers["content-security-policy"].startswith("default-src 'none'")


def test_docs_load_swagger_ui_from_the_app(api: Api) -> None:
    html = api.client.get("/docs").text
    assert "cdn" not in html.lower() and "/docs-static/swagger-ui-bundle.js" in html
    js = api.client.get("/docs-static/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert api.client.get("/docs-static/swagger-ui.css").status_code == 200
    assert api.client.get("/redoc").status_code == 404
