"""Connectors: each turns files, folders or an API into ``Iterator[Record]``.

Registered by source name in :data:`CONNECTORS`; the service looks them up
there, so adding a source is adding one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tieline.domain import Record, Skipped
from tieline.ingest.email import ParseOptions, iter_raw, parse_message
from tieline.ingest.pipeline import default_jobs, parallel_map

if TYPE_CHECKING:
    from tieline.ingest.slack import ExportLimits

__all__ = ["CONNECTORS", "Connector", "read_email", "read_slack", "read_tickets", "read_zendesk"]

Connector = Callable[..., Iterator[Record]]


def _parse_unit(options: ParseOptions, unit: tuple[str, bytes] | Skipped) -> Record:
    if isinstance(unit, Skipped):  # a reader's own refusal: a link out, a message too large
        return unit
    return parse_message(unit[0], unit[1], options)


def read_email(
    paths: Sequence[Path], *, options: ParseOptions | None = None, jobs: int = 0
) -> Iterator[Record]:
    """Messages from mbox files, maildirs and folders of message files, in input order."""
    opts = options or ParseOptions()
    units = (unit for path in paths for unit in iter_raw(path, max_bytes=opts.max_message_bytes))
    fn = partial(_parse_unit, opts)
    return parallel_map(fn, units, jobs=jobs or default_jobs())


def read_slack(paths: Sequence[Path], *, limits: ExportLimits | None = None) -> Iterator[Record]:
    """Messages from Slack workspace exports (ZIP files or unpacked folders)."""
    from tieline.ingest.slack import read_slack_export

    for path in paths:
        yield from read_slack_export(path, limits=limits)


def read_zendesk(paths: Sequence[Path], *, subdomain: str | None = None) -> Iterator[Record]:
    """Public ticket comments from Zendesk JSON exports (files or folders)."""
    from tieline.ingest.tickets import read_zendesk_export

    for path in paths:
        yield from read_zendesk_export(path, subdomain=subdomain)


def read_tickets(paths: Sequence[Path], *, mapping: Path) -> Iterator[Record]:
    """Tickets and comments from CSV/JSON exports of any system, via a TOML column mapping."""
    from tieline.ingest.tickets import TicketMapping, read_ticket_csv

    return read_ticket_csv(list(paths), mapping=TicketMapping.from_toml(mapping))


CONNECTORS: dict[str, Connector] = {
    "email": read_email,
    "slack": read_slack,
    "zendesk": read_zendesk,
    "tickets": read_tickets,
}
