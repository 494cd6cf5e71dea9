"""Browser-facing protections on every response, and API keys kept out of URLs.

* Security headers: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer`` and a Content-Security-Policy. The pages load only
  their own scripts and styles (``static/``; inline ``style`` attributes allowed for
  the bars and swatches they draw, no inline script); ``/docs`` runs Swagger UI's
  inline start-up script and styles, from the app's own assets; everything else (JSON,
  the HTML digest) may load nothing and run no script at all.
* An API key in a query string (``?key=``, ``?api_key=``) is refused on the API with
  400, whatever else the request carries: URLs end up in access logs, browser history
  and ``Referer`` headers, so keys travel in ``X-API-Key`` only. A page opened with
  one is redirected to itself without it (the page then asks for the key).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tieline.api.errors import problem

__all__ = ["KEY_PARAMS", "SecurityHeaders"]

KEY_PARAMS = frozenset({"key", "api_key", "apikey", "x-api-key", "x_api_key"})
_API = ("/v1/", "/web/")
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
_COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer")]  # fmt: skip
_HEADERS = {
    csp: [*_COMMON, (b"content-security-policy", csp.encode())]
    for csp in (PAGE_CSP, DOCS_CSP, API_CSP)
}


def _policy(path: str) -> str:
    if path.startswith(_API) or path in ("/openapi.json", "/healthz"):
        return API_CSP
    if path.startswith("/docs"):
        return DOCS_CSP
    return PAGE_CSP


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response; keys out of URLs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        query: bytes = scope["query_string"]
        if b"key" in query.lower():  # cheap test first: most queries have no such name
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if any(name.lower() in KEY_PARAMS for name, _ in pairs):
                await _refuse_key(scope, pairs)(scope, receive, send)
                return
        extra = _HEADERS[_policy(path)]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _refuse_key(scope: Scope, pairs: list[tuple[str, str]]) -> ASGIApp:
    path: str = scope["path"]
    if path.startswith(_API):
        response = problem(400, "API keys go in the X-API-Key header, never in the URL "
                           "(URLs are logged): revoke this key and create a new one")  # fmt: skip
        response.headers.update({k.decode(): v.decode() for k, v in _HEADERS[API_CSP]})
        return response
    rest = urlencode([(k, v) for k, v in pairs if k.lower() not in KEY_PARAMS])
    here = "/" + path.lstrip("/")  # never "//host": a redirect stays on this site
    return RedirectResponse(here + (f"?{rest}" if rest else ""), status_code=303)
