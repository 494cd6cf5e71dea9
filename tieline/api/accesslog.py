"""The access log never prints a secret: query values that are keys or tokens, and
anything shaped like a Tieline API key, are replaced before uvicorn writes the line.

Keys travel in headers (``tieline.api.security`` refuses them in URLs), but a client
that puts one in a URL anyway must not leave it in the log; nor a signed link's
``token`` or ``signature``.
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactSecrets", "install", "redact"]

_SECRET_PARAM = re.compile(
    r"(?i)([?&](?:key|api_key|apikey|x-api-key|x_api_key|token|access_token|secret|password|"
    r"signature|sig)=)[^&#\s]*"
)
_KEY = re.compile(r"tl_[A-Za-z0-9_-]{8,}")  # how ``tieline keys create`` spells a key


def redact(target: str) -> str:
    """The request target with secret query values and API-key-shaped text hidden."""
    return _KEY.sub("tl_[redacted]", _SECRET_PARAM.sub(r"\1[redacted]", target))


class RedactSecrets(logging.Filter):
    """For ``uvicorn.access``: its record's third argument is the path with the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on uvicorn's access logger (once)."""
    target = logger or logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in target.filters):
        target.addFilter(RedactSecrets())
