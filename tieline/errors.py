"""Tieline's exceptions: one base class carrying an HTTP-style status code.

Hierarchy::

    TielineError (500)
    ├── ConfigError (400)          a config file or setting is invalid
    ├── NotFound (404)             a workspace, account, person ... does not exist
    ├── Conflict (409)             the request contradicts stored state
    └── IngestError (422)          a source cannot be read at all (a single bad
                                   message is recorded as skipped, never raised)

Only ``tieline.api`` turns these into HTTP responses; the CLI prints them.
"""

from __future__ import annotations


class TielineError(Exception):
    """Base class of every error Tieline raises on purpose."""

    status_code: int = 500

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class ConfigError(TielineError):
    status_code = 400


class NotFound(TielineError):
    status_code = 404


class Conflict(TielineError):
    status_code = 409


class IngestError(TielineError):
    status_code = 422
