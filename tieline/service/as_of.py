"""Does ``--as-of D`` mean D? A check of every account as the CLI and the API show it.

:func:`check_as_of` assesses the workspace as ``tieline accounts --as-of D`` does and
compares, per account, the message count and the last message date with a direct count
of the messages up to D; then it looks through everything shown about the account
(health evidence, flags, relationship) for a date after D. ``eval/as_of_check.py`` runs
it on a real mailbox; a test runs it on the demo.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from tieline.config import Settings
from tieline.store import facts
from tieline.store import repository as repo

__all__ = ["AsOfReport", "check_as_of"]


@dataclass(frozen=True)
class AsOfReport:
    """What was checked and every disagreement found (``problems`` empty: all good)."""

    as_of: datetime
    accounts: int
    messages: int  # messages counted across accounts, up to as_of
    dates_checked: int  # dates found in what the accounts show
    problems: tuple[str, ...] = field(default_factory=tuple)


def _dates(value: Any) -> Iterator[datetime]:
    """Every date-time in a JSON-ready value (ISO strings and datetime objects)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _dates(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _dates(v)
    elif isinstance(value, datetime):
        yield value
    elif isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            yield datetime.fromisoformat(value)
        except ValueError:
            return


def check_as_of(*, session: Session, settings: Settings, as_of: datetime) -> AsOfReport:
    """Check the accounts listing and assessment as of ``as_of`` against direct counts."""
    from tieline.service import accounts_with_health

    ws = repo.get_workspace_id(session, settings.workspace)
    accounts, assessed = accounts_with_health(session=session, settings=settings, as_of=as_of)
    direct = facts.account_messages_until(session, workspace_id=ws, until=as_of)
    problems: list[str] = []
    total = dates = 0
    for a in accounts:
        n, last = direct.get(a.id, (0, None))
        total += n
        if a.messages != n:
            problems.append(f"{a.name}: lists {a.messages} messages, {n} were sent by then")
        if a.last_message_at != last:
            problems.append(f"{a.name}: last message shown {a.last_message_at}, direct {last}")
        shown = json.loads(json.dumps(assessed.accounts.get(a.name, {}), default=_iso))
        for when in _dates(shown):
            dates += 1
            if when > as_of:
                problems.append(f"{a.name}: shows {when.isoformat()}, after {as_of.isoformat()}")
    return AsOfReport(
        as_of=as_of,
        accounts=len(accounts),
        messages=total,
        dates_checked=dates,
        problems=tuple(problems),
    )


def _iso(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    return str(o)
