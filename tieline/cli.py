"""The ``tieline`` command: the service's use cases from the shell.

Global options come before the command::

    tieline [--db URL] [--workspace NAME] [--config FILE] COMMAND ...

Each command builds the engine, opens one session and owns its transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from tieline import __version__, domain
from tieline.config import Settings, load_settings
from tieline.errors import TielineError

app = typer.Typer(
    name="tieline",
    help="Relationship intelligence for Customer Success: conversations in, account health out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help: Rich markup would eat every "[default: ...]" and "[now]" in the help
    # texts as tags. The root's mode applies to every group and command under it.
    rich_markup_mode=None,
)
ingest_app = typer.Typer(help="Read a source into the store.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
import_app = typer.Typer(
    help="Import the customer list, revenue, survey and usage data.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
nlp_app = typer.Typer(
    help="Text in, signals out: one text per line on stdin, one JSON object per line out.",
    no_args_is_help=True,
)
app.add_typer(nlp_app, name="nlp")

# Piped output (make demo in CI, `| less`) gets room for whole tables instead of 80 columns.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


def _as_of(value: str | None) -> datetime | None:
    """``--as-of 2026-11-01`` means the end of that day (UTC); a full ISO time is exact."""
    if value is None:
        return None
    from tieline import service

    try:
        if len(value) == 10:
            return service.end_of(datetime.fromisoformat(value).date())
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD) or ISO time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Score as of this date (YYYY-MM-DD, end of day UTC) [now]."),
]


# The demo's story ends in mid-November 2026; it is scored as of this day.
DEMO_DAY = date(2026, 11, 20)


class Format(StrEnum):
    table = "table"
    json = "json"


@dataclass
class Context:
    config_file: Path | None
    db: str | None
    workspace: str | None

    def settings(self, **overrides: Any) -> Settings:
        return load_settings(
            config_file=self.config_file,
            database_url=self.db,
            workspace=self.workspace,
            **overrides,
        )


@contextmanager
def _session(settings: Settings, *, create: bool = False) -> Iterator[Session]:
    """One session for a command; only commands that write pass ``create`` (a new database)."""
    from tieline.store.db import make_session_factory, open_engine

    engine = open_engine(settings.database_url, create=create)
    try:
        with make_session_factory(engine)() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        engine.dispose()


def _version(value: bool) -> None:
    if value:
        out.print(f"tieline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="SQLAlchemy URL (env TIELINE_DATABASE_URL; default sqlite:///tieline.db)."
        ),
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace", "-w", help="Workspace name (env TIELINE_WORKSPACE; default: default)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="TOML config file (env TIELINE_CONFIG; else ./tieline.toml)."
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    ctx.obj = Context(config_file=config, db=db, workspace=workspace)


def _dump(value: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        raise TypeError(type(o).__name__)

    sys.stdout.write(json.dumps(value, indent=2, default=default, ensure_ascii=False) + "\n")


def account_json(a: domain.Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "domains": list(a.domains),
        "people": a.people,
        "messages": a.messages,
        "threads": a.threads,
        "last_message_at": a.last_message_at.isoformat() if a.last_message_at else None,
        "kpi_period": a.kpi_period,
        "kpis": dict(a.kpis),
        "origin": a.origin,
        "customer": {
            "external_id": a.external_id,
            "owner": a.owner,
            "segment": a.segment,
            "arr": a.arr,
            "renewal_on": a.renewal_on.isoformat() if a.renewal_on else None,
        },  # fmt: skip
    }


def person_json(p: domain.Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "account": p.account,
        "internal": p.internal,
        "automated": p.automated,
        "title": p.title,
        "name_derived": p.name_derived,
        "emails": list(p.emails),
        "identities": [{"kind": kind, "value": value} for kind, value in p.identities],
    }


def _run_ingest(
    settings: Settings, paths: list[Path], label: str, use_case: Callable[..., Any]
) -> dict[str, Any]:
    """Run an ingest use case in one session with a progress bar; commit per batch."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise TielineError(f"no such file or folder: {', '.join(missing)}", 2)
    with (
        _session(settings, create=True) as session,
        Progress(
            SpinnerColumn(),
            TextColumn(f"[bold]ingesting {label}[/]"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed:,} records"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("ingest", total=None)
        report = use_case(
            session=session,
            settings=settings,
            checkpoint=session.commit,
            progress=lambda n: bar.advance(task, n),
        )
    result: dict[str, Any] = report.as_dict()
    return result


def _show(report: dict[str, Any], format: Format) -> None:
    if format is Format.json:
        _dump(report)
    else:
        _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    rate = report["read"] / report["seconds"] if report["seconds"] else 0.0
    err.print(
        f"[bold green]done[/] {report['read']:,} records in {report['seconds']:.1f}s "
        f"({rate:,.0f}/s): {report['new_messages']:,} new messages, "
        f"{report['duplicates']:,} already stored, {report['skipped']:,} skipped, "
        f"{report['threads']:,} threads in the workspace"
    )
    for reason, n in report["skipped_reasons"].items():
        err.print(f"  skipped {n:,} × {reason}")


@ingest_app.command("email")
def ingest_email(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="mbox files, maildirs, folders of .eml/.txt")],
    jobs: Annotated[int, typer.Option(help="Parser processes (0 = one per CPU).")] = 0,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Ingest email: mbox files, maildir folders, folders of RFC 5322 files."""
    from tieline import service

    obj: Context = ctx.obj
    base = obj.settings()
    settings = base.model_copy(update={"ingest": base.ingest.model_copy(update={"jobs": jobs})})
    use_case = functools.partial(service.ingest_email, paths=paths)
    _show(_run_ingest(settings, paths, "email", use_case), format)


@ingest_app.command("slack")
def ingest_slack(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Slack export ZIP files or folders.")
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Pull through the Web API (TIELINE_SLACK_TOKEN).")
    ] = False,
    name: Annotated[
        str | None, typer.Option(help="Source name [default: export file name, or 'slack'].")
    ] = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Ingest Slack: a workspace export, or --live through the Web API (incremental)."""
    from tieline import service

    settings = ctx.obj.settings()
    if live == bool(paths):
        raise TielineError("give export paths, or --live, not both", 2)
    if live:
        use_case = functools.partial(service.ingest_slack_live, name=name or "slack")
        _show(_run_ingest(settings, [], "Slack (live)", use_case), format)
        return
    exports = paths or []
    use_case = functools.partial(service.ingest_slack, paths=exports, name=name)
    _show(_run_ingest(settings, exports, "Slack", use_case), format)


@ingest_app.command("zendesk")
def ingest_zendesk(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Zendesk JSON exports (files or folders).")
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Incremental API pull (needs --subdomain).")
    ] = False,
    subdomain: Annotated[
        str | None, typer.Option(help="Zendesk subdomain [exports: from the ticket URLs].")
    ] = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Ingest Zendesk tickets: public comments (internal notes never count) and CSAT."""
    from tieline import service

    settings = ctx.obj.settings()
    if live == bool(paths):
        raise TielineError("give export paths, or --live, not both", 2)
    if live:
        if not subdomain:
            raise TielineError("--live needs --subdomain", 2)
        use_case = functools.partial(service.ingest_zendesk_live, subdomain=subdomain)
        _show(_run_ingest(settings, [], "Zendesk (live)", use_case), format)
        return
    exports = paths or []
    use_case = functools.partial(service.ingest_zendesk, paths=exports, subdomain=subdomain)
    _show(_run_ingest(settings, exports, "Zendesk", use_case), format)


@ingest_app.command("tickets")
def ingest_tickets(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="CSV, JSON or JSON-lines ticket exports.")],
    mapping: Annotated[Path, typer.Option(help="TOML column mapping (see the README).")],
    name: Annotated[str | None, typer.Option(help="Source name [default: mapping name].")] = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Ingest tickets from Jira, Freshdesk, Intercom ... exports through a column mapping."""
    from tieline import service

    if not mapping.is_file():
        raise TielineError(f"no such mapping file: {mapping}", 2)
    settings = ctx.obj.settings()
    use_case = functools.partial(service.ingest_tickets, paths=paths, mapping=mapping, name=name)
    _show(_run_ingest(settings, paths, "tickets", use_case), format)


@app.command()
def stats(
    ctx: typer.Context, format: Annotated[Format, typer.Option("--format")] = Format.table
) -> None:
    """Counts per source: messages, threads, people, accounts, skipped records by reason."""
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings) as session:
        result = service.stats(session=session, settings=settings)
    if format is Format.json:
        _dump(result)
        return
    table = Table(title=f"workspace {result['workspace']}")
    for col in ("source", "messages", "automated", "threads", "people", "accounts", "skipped"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for s in result["sources"]:
        table.add_row(
            s["source"], *(f"{s[k]:,}" for k in ("messages", "automated_messages", "threads",
                                                  "people", "accounts", "skipped"))
        )  # fmt: skip
    out.print(table)
    for s in result["sources"]:
        for reason, n in s["skipped_by_reason"].items():
            out.print(f"  {s['source']}: skipped {n:,} × {reason}")


def _accounts_table(
    accounts: list[domain.Account], title: str, scored: Mapping[str, Mapping[str, Any]]
) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    columns: tuple[str, ...] = (
        "id", "account", "domains", "people", "messages", "threads", "last message",
    )  # fmt: skip
    if scored:
        columns += ("health", "trend", "rel", "flags")
    for col in columns:
        numeric = col in {"id", "people", "messages", "threads", "health", "trend", "rel"}
        table.add_column(
            col,
            justify="right" if numeric else "left",
            no_wrap=col in {"account", "domains", "last message"},
        )
    colours = {"red": "red", "yellow": "yellow", "green": "green"}
    for a in accounts:
        row = [
            str(a.id),
            a.name,
            "\n".join(a.domains),
            str(a.people),
            str(a.messages),
            str(a.threads),
            a.last_message_at.strftime("%Y-%m-%d") if a.last_message_at else "—",
        ]
        if scored:
            obj = scored.get(a.name, {})
            health = obj.get("health") or {}
            score, band, trend = health.get("score"), health.get("band"), health.get("trend")
            colour = colours.get(str(band), "dim")
            row += [
                f"[{colour}]{score:.0f} {band}[/]"
                if score is not None
                else ("[dim]unknown[/]" if band == "unknown" else "—"),
                f"{trend:+.0f}" if trend is not None else "—",
                f"{obj['relationship']['score']}/5" if obj else "—",
                ", ".join(
                    k.replace("_", " ")
                    for k, v in obj.get("flags", {}).items()
                    if v["raised"] and k != "ghosts"
                ),  # fmt: skip
            ]
        table.add_row(*row)
    return table


accounts_app = typer.Typer(
    help="Customer accounts; candidates (two-way conversation, on no list) to promote or ignore.",
    invoke_without_command=True,
)
app.add_typer(accounts_app, name="accounts")


@accounts_app.callback()
def accounts(
    ctx: typer.Context,
    kpi_period: Annotated[
        str | None, typer.Option(help="Period of the KPIs shown [default: last month].")
    ] = None,
    as_of: AsOf = None,
    candidates: Annotated[
        bool,
        typer.Option("--candidates", help="Domains that talk with us both ways, on no list."),
    ] = False,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Customer accounts: domains, activity, KPIs, health, relationship and flags."""
    if ctx.invoked_subcommand is not None:
        return
    if candidates:
        _print_candidates(ctx, format)
        return
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings) as session:
        when = _when(session, settings, as_of)
        result, assessed = service.accounts_with_health(
            session=session, settings=settings, as_of=when, kpi_period=kpi_period
        )
    if format is Format.json:
        _dump([{**account_json(a), "as_of": assessed.as_of.isoformat(),
                **_scored_account(assessed.accounts.get(a.name))} for a in result])  # fmt: skip
    else:
        title = f"accounts in workspace {settings.workspace}, as of {assessed.as_of:%Y-%m-%d}"
        out.print(_accounts_table(result, title, assessed.accounts))


def _print_candidates(ctx: typer.Context, format: Format) -> None:
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings) as session:
        listed = service.list_candidates(session=session, settings=settings)
    mode, rows = listed.mode, listed.candidates
    if format is Format.json:
        _dump({"mode": mode, "candidates": [dataclasses.asdict(r) for r in rows]})
        return
    counted = "counted as accounts" if mode == "discovered" else "not accounts until promoted"
    table = Table(
        title=f"candidate accounts in workspace {settings.workspace} ({mode} mode: {counted})",
        box=box.SIMPLE_HEAD, pad_edge=False,
    )  # fmt: skip
    for col in ("id", "domain", "name", "people", "in", "out", "two-way", "last message"):
        table.add_column(col, justify="right" if col in {"id", "people", "in", "out",
                                                          "two-way"} else "left")  # fmt: skip
    for r in rows:
        last = r.last_at.strftime("%Y-%m-%d") if r.last_at else "—"
        table.add_row(str(r.id), r.domain, r.name, str(r.people), str(r.inbound), str(r.outbound),
                      str(r.two_way), last)  # fmt: skip
    out.print(table)
    err.print(
        "promote: tieline accounts promote ID|DOMAIN; ignore: tieline accounts ignore ID|DOMAIN"
    )


def _decide(ctx: typer.Context, ref: str, promote: bool) -> None:
    from tieline import service

    settings = ctx.obj.settings()
    use_case = service.promote_candidate if promote else service.ignore_candidate
    with _session(settings) as session:
        decision = use_case(session=session, settings=settings, ref=ref)
    _dump(dataclasses.asdict(decision))


@accounts_app.command("promote")
def accounts_promote(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Candidate id or domain (any domain may be named).")],
) -> None:
    """Make a candidate a customer account (stays after re-ingestion)."""
    _decide(ctx, ref, promote=True)


@accounts_app.command("ignore")
def accounts_ignore(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Candidate id or domain.")],
) -> None:
    """Never make this domain an account by itself (stays after re-ingestion)."""
    _decide(ctx, ref, promote=False)


def _when(session: Session, settings: Settings, as_of: str | None) -> datetime:
    """``--as-of``, else now, else (historical data) the newest message's day, said on stderr."""
    from tieline import service

    given = _as_of(as_of)
    if given is not None:
        return given
    when, note = service.default_as_of(session=session, settings=settings)
    if note:
        err.print(f"[dim]{note}[/]")
    return when


def _scored_account(obj: Mapping[str, Any] | None) -> dict[str, Any]:
    """The scored fields of an account; null/false when it has no conversation yet."""
    if obj is None:
        return {"health": None, "relationship": None, "flags": {}, "single_threaded": False,
                "gone_dark": False, "churn_risk": False, "departed_champion": False}  # fmt: skip
    return dict(obj)


people_app = typer.Typer(
    help="People with their account and every identity; merge and split them.",
    invoke_without_command=True,
)
app.add_typer(people_app, name="people")


def _people_table(
    result: list[domain.Person], title: str, scored: Mapping[int, Mapping[str, Any]]
) -> Table:
    table = Table(title=title)
    for col in ("id", "name", "account", "internal", "role", "strength", "departed", "emails"):
        table.add_column(col, justify="right" if col in {"id", "strength"} else "left")
    for p in result:
        flag = "yes" if p.internal else ""
        name = p.name + (" [dim](automated)[/]" if p.automated else "")
        others = [f"{k}:{v}" for k, v in p.identities if k != "email"]
        ids = ", ".join([*p.emails, *others])
        obj = scored.get(p.id, {})  # only external people are scored
        role = str(obj["role"]).replace("_", " ") if obj.get("role") else ""
        rel = f"{obj['relationship']['score']}/5" if obj.get("relationship") else ""
        departed = f"[red]{obj['departed']}[/]" if obj.get("departed") else ""
        table.add_row(str(p.id), name, p.account or "—", flag, role, rel, departed, ids)
    return table


@people_app.callback()
def people(
    ctx: typer.Context,
    account: Annotated[str | None, typer.Option(help="Only people of this account.")] = None,
    as_of: AsOf = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """People with their account, every address they use, role and relationship (1-5)."""
    if ctx.invoked_subcommand is not None:
        return
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings) as session:
        result = service.list_people(session=session, settings=settings, account=account)
        scored: dict[int, dict[str, Any]] = service.assess(
            session=session,
            settings=settings,
            as_of=_when(session, settings, as_of),
            pairs=format is Format.json,
        ).people
        if as_of is not None:  # nobody who first appears after that day
            result = [p for p in result if p.internal or _seen(scored.get(p.id))]
    if format is Format.json:
        none: dict[str, Any] = {"relationship": None, "role": None, "departed": None,
                "departure_evidence": None, "engaged": None, "relationships": []}  # fmt: skip
        for obj in scored.values():
            obj.setdefault("relationships", [])
        _dump([{**person_json(p), **scored.get(p.id, none)} for p in result])
        return
    when = f", as of {_as_of(as_of):%Y-%m-%d}" if as_of else ""
    out.print(_people_table(result, f"people in workspace {settings.workspace}{when}", scored))


def _seen(obj: Mapping[str, Any] | None) -> bool:
    """Whether a scored person had taken part in a message by the scoring date."""
    rel = (obj or {}).get("relationship")
    return bool(rel and rel["evidence"].get("first_contact") is not None)


@people_app.command("merge")
def people_merge(
    ctx: typer.Context,
    target: Annotated[int, typer.Argument(help="The person id to keep.")],
    others: Annotated[list[int], typer.Argument(help="Person ids merged into it.")],
) -> None:
    """Merge people into one (their identities and messages move; stays after re-ingest)."""
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings) as session:
        person = service.merge_people(
            session=session, settings=settings, target=target, others=others
        )
    _dump(person_json(person))


@people_app.command("split")
def people_split(
    ctx: typer.Context,
    identity: Annotated[str, typer.Argument(help="KIND:VALUE, e.g. email:shared@acme.com")],
) -> None:
    """Give one identity a person of its own, with the messages sent and received through it."""
    from tieline import service

    kind, sep, value = identity.partition(":")
    if not sep or not value:
        raise TielineError(f"identity must be KIND:VALUE, not {identity!r}", 2)
    settings = ctx.obj.settings()
    with _session(settings) as session:
        person = service.split_identity(session=session, settings=settings, kind=kind, value=value)
    _dump(person_json(person))


class GroupBy(StrEnum):
    account = "account"
    owner = "owner"
    workspace = "workspace"
    all = "all"


MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map", help="Column mapping FIELD=COLUMN (repeatable), e.g. --map account=Customer."
    ),
]


def _columns(pairs: list[str] | None) -> dict[str, str]:
    columns: dict[str, str] = {}
    for pair in pairs or []:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise TielineError(f"--map takes FIELD=COLUMN, not {pair!r}", 2)
        columns[field.strip()] = column.strip()
    return columns


def _run_import(ctx: typer.Context, kind: str, path: Path, columns: list[str] | None,
                format: Format) -> None:  # fmt: skip
    from tieline import service

    if not path.is_file():
        raise TielineError(f"no such file: {path}", 2)
    settings = ctx.obj.settings()
    use_case: Callable[..., Any] = {
        "revenue": service.import_revenue,
        "surveys": service.import_surveys,
        "metrics": service.import_metrics,
        "customers": service.import_customers,
    }[kind]
    with _session(settings, create=True) as session:
        report = use_case(session=session, settings=settings, path=path, columns=_columns(columns))
    result = report.as_dict()
    if kind == "customers" and format is not Format.json:
        err.print(
            f"[bold green]done[/] {result['read']:,} rows: {result['new']:,} new customers, "
            f"{result['updated']:,} updated, {result['skipped']:,} skipped; "
            f"{result['people_attached']:,} people attached; accounts mode: {result['mode']}"
        )
        for example in result["skipped_examples"]:
            err.print(f"  skipped {example}")
        return
    if format is Format.json:
        _dump(result)
        return
    err.print(
        f"[bold green]done[/] {result['read']:,} rows: {result['new']:,} new, "
        f"{result['duplicates']:,} already imported, {result['skipped']:,} skipped"
    )
    for example in result["skipped_examples"]:
        err.print(f"  skipped {example}")
    if result["unmatched_accounts"]:
        names = ", ".join(result["unmatched_accounts"][:8])
        more = len(result["unmatched_accounts"]) - 8
        err.print(f"  not matched to a known account (kept by name): {names}"
                  + (f" and {more} more" if more > 0 else ""))  # fmt: skip


@import_app.command("customers")
def import_customers(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV, JSON array or JSON lines of customers.")],
    columns: MapOption = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Import the customer list: name, domains, external_id (CRM id), owner, segment, arr,
    renewal_date. Upserts by external id, else domain; then only listed customers (and
    promoted candidates) are accounts in the default mode."""
    _run_import(ctx, "customers", path, columns, format)


@import_app.command("revenue")
def import_revenue(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV, JSON array or JSON lines of MRR movements.")],
    columns: MapOption = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Import MRR movements: account, date, kind (new, expansion, churn ...), amount, owner."""
    _run_import(ctx, "revenue", path, columns, format)


@import_app.command("surveys")
def import_surveys(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV, JSON array or JSON lines of responses.")],
    columns: MapOption = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Import survey responses: account, date, kind (nps, csat, ces), score, scale_max."""
    _run_import(ctx, "surveys", path, columns, format)


@import_app.command("metrics")
def import_metrics(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV, JSON array or JSON lines of figures.")],
    columns: MapOption = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Import usage figures: account, date, metric (setup_rate, active_users ...), value.

    Each metric is a health-score input under its name: weigh it in [health.weights] and
    give it a [health.ranges.<metric>] (or a point table) to map its values onto 0-1.
    """
    _run_import(ctx, "metrics", path, columns, format)


_TABLE_KPIS = ("mrr", "nrr", "grr", "customer_churn_simple", "gross_mrr_churn", "nps", "csat")


@app.command()
def kpis(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(help="2026, 2026-Q1, 2026-03, 2026-W09 or START..END [default: last month]."),
    ] = None,
    by: Annotated[GroupBy, typer.Option("--by")] = GroupBy.account,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Customer-success KPIs (NRR, GRR, churn, NPS, CSAT ...) with their formulas."""
    from tieline import service
    from tieline.kpi.formulas import money

    settings = ctx.obj.settings()
    with _session(settings) as session:
        report = service.compute_kpis(
            session=session,
            settings=settings,
            period=period or service.last_complete_month(),
            by=by.value,
        )
    if format is Format.json:
        _dump(report.to_dict())
        return
    table = Table(title=f"KPIs {report.period.label} by {by.value}", box=box.SIMPLE_HEAD)
    table.add_column(by.value, no_wrap=True)
    for name in _TABLE_KPIS:
        table.add_column(name.replace("customer_churn_simple", "churn").replace(
            "gross_mrr_churn", "mrr churn"), justify="right")  # fmt: skip
    for group in report:
        cells = []
        for name in _TABLE_KPIS:
            r = report.result(group, name)
            if r.value is None:
                cells.append("—")
                continue
            text = money(r.value) if r.unit == "currency" else f"{r.value:,.1f}"
            text += "%" if r.unit == "%" else ""
            cells.append(f"[dim]{text}*[/]" if r.small_sample else text)
        table.add_row(group, *cells)
    out.print(table)
    out.print("[dim]* small sample: read with care. Formulas and components: --format json[/]")


def _run_score(settings: Settings) -> dict[str, Any]:
    """Load the models once, score what is new with a progress bar, commit per batch."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from tieline import service

    with err.status("loading models", spinner="dots") if err.is_terminal else _no_status():
        models = service.build_models(settings.nlp)
    with (
        _session(settings, create=True) as session,
        Progress(
            SpinnerColumn(),
            TextColumn("[bold]scoring[/]"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed:,} messages"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("score", total=None)
        report = service.score(
            session=session,
            settings=settings,
            models=models,
            checkpoint=session.commit,
            progress=lambda n: bar.advance(task, n),
        )
    result: dict[str, Any] = report.as_dict()
    return result


@contextmanager
def _no_status() -> Iterator[None]:
    yield


def _print_score(report: dict[str, Any]) -> None:
    labels = ", ".join(f"{k} {v:,}" for k, v in sorted(report["sentiment"].items()))
    items = ", ".join(f"{k} {v:,}" for k, v in sorted(report["open_items"].items())) or "none"
    events = ", ".join(f"{k} {v:,}" for k, v in sorted(report["lifecycle_events"].items()))
    err.print(
        f"scored {report['messages']:,} messages ({report['automated']:,} automated) and "
        f"{report['threads']:,} threads in {report['seconds']:.1f} s with {report['model']}\n"
        f"  sentiment: {labels or 'none'}\n  open items: {items}\n"
        f"  lifecycle events: {events or 'none'}"
    )


@app.command()
def score(
    ctx: typer.Context,
    as_of: AsOf = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Score every message not yet scored, then snapshot health as of --as-of.

    Messages: sentiment, open items, lifecycle events, reply latency. Incremental and
    resumable: batches are committed as they go; a re-run scores only what is new (and
    re-checks threads that gained messages). Then every account's health, relationship
    and flags are stored as that day's snapshot (see ``tieline snapshot``).
    """
    settings = ctx.obj.settings()
    report = _run_score(settings)
    report["snapshot"] = _snapshot(settings, as_of)
    if format is Format.json:
        _dump(report)
    else:
        _print_score(report)
        _print_snapshot(report["snapshot"])


def _snapshot(settings: Settings, as_of: str | datetime | None) -> dict[str, Any]:
    from tieline import service

    note = None
    with _session(settings, create=True) as session:
        if isinstance(as_of, datetime):
            when = as_of
        elif as_of is not None:
            when = _as_of(as_of) or datetime.now(UTC)
        else:
            when, note = service.default_as_of(session=session, settings=settings)
        result = service.take_snapshot(session=session, settings=settings, as_of=when)
    bands: dict[str, int] = {}
    for health in result.health.values():
        key = health.band.value if health.band else "unscored"
        bands[key] = bands.get(key, 0) + 1
    flags = {
        name: sorted(a for a, obj in result.accounts.items() if obj["flags"][name]["raised"])
        for name in ("single_threaded", "gone_dark", "departed_champion", "churn_risk")
    }
    return {"as_of": result.as_of.isoformat(), "accounts": len(result.accounts),
            "bands": bands, "flags": flags, "note": note}  # fmt: skip


def _print_snapshot(snap: dict[str, Any]) -> None:
    bands = ", ".join(f"{k} {v}" for k, v in sorted(snap["bands"].items())) or "no accounts"
    flagged = "; ".join(
        f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in snap["flags"].items() if v
    )
    err.print(f"snapshot as of {snap['as_of'][:10]}: {snap['accounts']} accounts ({bands})"
              + (f"\n  flags: {flagged}" if flagged else "")
              + (f"\n  {snap['note']}" if snap.get("note") else ""))  # fmt: skip


@app.command("snapshot")
def snapshot_command(
    ctx: typer.Context,
    as_of: AsOf = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Store every account's health, relationship and flags as of --as-of (trends, digests)."""
    snap = _snapshot(ctx.obj.settings(), as_of)
    if format is Format.json:
        _dump(snap)
    else:
        _print_snapshot(snap)


def _stdin_lines() -> Iterator[list[str]]:
    """Lines of stdin in chunks (the model scores a chunk at a time)."""
    chunk: list[str] = []
    for line in sys.stdin:
        chunk.append(line.rstrip("\n"))
        if len(chunk) == 256:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@nlp_app.command("sentiment")
def nlp_sentiment(
    ctx: typer.Context,
    sentences: Annotated[
        bool, typer.Option("--sentences", help="Include each sentence's scores.")
    ] = False,
) -> None:
    """Sentiment per line: {"label", "score", "confidence", "alert"} (alert: extremely negative)."""
    from tieline import service
    from tieline.nlp.alerts import threshold_for

    settings = ctx.obj.settings()
    models = service.build_models(settings.nlp)
    threshold = threshold_for(settings.nlp, models.sentiment)
    from tieline.nlp.alerts import worst_sentence
    from tieline.nlp.sentiment import score_texts

    for chunk in _stdin_lines():
        for result in score_texts(
            chunk, model=models.sentiment, split=models.split, band=models.band
        ):
            record: dict[str, Any] = {
                "label": result.label.value,
                "score": result.score,
                "confidence": result.confidence,
                "alert": worst_sentence(result, threshold) is not None,
            }
            if sentences:
                record["sentences"] = [
                    {"text": x.text, "label": x.label.value, "score": x.score}
                    for x in result.sentences
                ]
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@nlp_app.command("open-items")
def nlp_open_items(
    side: Annotated[
        domain.Side | None,
        typer.Option("--side", help="Whose text it is (us|them): fills in owed_by."),
    ] = None,
) -> None:
    """Open items per line: {"items": [{"kind", "span", "owed_by"?}]}."""
    from tieline.nlp.open_items import detect_items, items_record
    from tieline.nlp.sentences import SentenceSplitter

    split = SentenceSplitter()
    now = datetime.now().astimezone()
    for chunk in _stdin_lines():
        for text, cuts in zip(chunk, split.split_many(chunk), strict=True):
            items = detect_items(text, author_side=side, sent_at=now, sentences=cuts)
            sys.stdout.write(json.dumps(items_record(items), ensure_ascii=False) + "\n")
        sys.stdout.flush()


@app.command()
def demo(ctx: typer.Context) -> None:
    """Ingest the bundled demo workspace (Northwind Analytics and its customers) and show it.

    Email, a Slack export and a Zendesk export of the same people and story.
    """
    from importlib.resources import files

    from tieline import service

    obj: Context = ctx.obj
    data = Path(str(files("tieline.demo") / "data"))  # installed as plain files
    settings = load_settings(
        config_file=data / "tieline.toml", database_url=obj.db, workspace=obj.workspace or "demo"
    )
    sources: list[tuple[str, Path, Callable[..., Any]]] = [
        ("email", data / "northwind.mbox", service.ingest_email),
        ("Slack", data / "slack", service.ingest_slack),
        ("Zendesk", data / "zendesk.json", service.ingest_zendesk),
    ]
    for label, path, ingest in sources:
        use_case = functools.partial(ingest, paths=[path])
        _print_report(_run_ingest(settings, [path], label, use_case))
    _print_score(_run_score(settings))
    as_of = service.end_of(DEMO_DAY)
    _print_snapshot(_snapshot(settings, as_of))
    with _session(settings) as session:
        result, assessed = service.accounts_with_health(
            session=session, settings=settings, as_of=as_of
        )
    title = f"accounts in workspace {settings.workspace}, as of {DEMO_DAY}"
    out.print(_accounts_table(result, title, assessed.accounts))
    out.print(
        f"[dim]Explore: tieline --workspace {settings.workspace} people | stats | "
        f"kpis --period 2026 | accounts --as-of {DEMO_DAY} --format json[/]"
    )


keys_app = typer.Typer(help="API keys: each bound to one workspace.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What the key is for (shown in keys list).")] = "",
) -> None:
    """Create an API key for the workspace and print it once (only its hash is stored)."""
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings, create=True) as session:
        key, info = service.create_api_key(session=session, settings=settings, name=name)
    err.print(
        f"key {info.id} for workspace {settings.workspace}; store it now, it is not shown again:"
    )
    sys.stdout.write(key + "\n")


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context, key_id: Annotated[int, typer.Argument(help="The key id.")]
) -> None:
    """Revoke an API key: requests with it get 401 from now on."""
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings) as session:
        info = service.revoke_api_key(session=session, settings=settings, key_id=key_id)
    err.print(f"revoked key {info.id} ({info.prefix}…)")


@keys_app.command("list")
def keys_list(ctx: typer.Context) -> None:
    """The workspace's API keys (prefix, name, created, revoked)."""
    from tieline import service

    settings = ctx.obj.settings()
    with _session(settings) as session:
        keys = service.list_api_keys(session=session, settings=settings)
    table = Table(title=f"API keys of workspace {settings.workspace}")
    for col in ("id", "prefix", "name", "created", "revoked"):
        table.add_column(col)
    for k in keys:
        table.add_row(str(k.id), k.prefix + "…", k.name, f"{k.created_at:%Y-%m-%d %H:%M}",
                      f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "")  # fmt: skip
    out.print(table)


class DigestFormat(StrEnum):
    md = "md"
    html = "html"
    text = "text"
    json = "json"


@app.command()
def digest(
    ctx: typer.Context,
    week: Annotated[
        str | None, typer.Option(help="ISO week YYYY-Www [default: the last complete week].")
    ] = None,
    format: Annotated[DigestFormat, typer.Option("--format", "-f")] = DigestFormat.md,
    owner: Annotated[
        str | None, typer.Option(help="Only the accounts of this owner (CSM e-mail).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Web address the links point to [default: the [api] base_url]."),
    ] = None,
    send_to: Annotated[
        list[str] | None, typer.Option("--send-to", help="E-mail it (text + HTML) to them.")
    ] = None,
    smtp_host: Annotated[str, typer.Option(help="SMTP server.")] = "localhost",
    smtp_port: Annotated[int, typer.Option(help="SMTP port.")] = 25,
    sender: Annotated[str, typer.Option("--from", help="From address.")] = "tieline@localhost",
    starttls: Annotated[bool, typer.Option(help="Use STARTTLS.")] = False,
) -> None:
    """The weekly digest: what got worse per account, worst first, with quotes and links."""
    from tieline.service import digest as use_case
    from tieline.service import digest_render, mailer

    settings = ctx.obj.settings()
    with _session(settings) as session:
        result = use_case.build_digest(
            session=session,
            settings=settings,
            week=use_case.parse_week(week) if week else None,
            owner=owner,
            base_url=base_url or settings.api.base_url,
        )
    if format is DigestFormat.json:
        _dump(result)
    else:
        sys.stdout.write(digest_render.render(result, format.value))
    if send_to:
        mailer.send(
            host=smtp_host, port=smtp_port, sender=sender, to=send_to, starttls=starttls,
            subject=digest_render.subject(result), text=digest_render.render_text(result),
            html=digest_render.render_html(result),
        )  # fmt: skip
        err.print(f"sent the {result['week']} digest to {', '.join(send_to)}")


webhooks_app = typer.Typer(help="Webhooks for alerts.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("deliver")
def webhooks_deliver(
    ctx: typer.Context,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each endpoint.")] = 10.0,
    limit: Annotated[int, typer.Option(help="At most this many deliveries.", min=1)] = 500,
) -> None:
    """POST every due webhook delivery (all workspaces), signed; retry failures later."""
    from tieline import service
    from tieline.service.outbound import guarded_client

    settings = ctx.obj.settings()
    allow = settings.webhooks.allow_private_networks
    with (
        _session(settings) as session,
        guarded_client(timeout=timeout, allow_private=allow) as client,
    ):
        report = service.deliver_webhooks(
            session, client=client, limit=limit, checkpoint=session.commit
        )
    for line in report.errors:
        err.print(line, style="yellow", markup=False)
    err.print(
        f"{report.attempted} attempted: {report.delivered} delivered, "
        f"{report.retrying} to retry, {report.failed} failed"
    )


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes; 0 = one per CPU [default: the [api] workers, 1]."),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Serve the HTTP API and the web pages."""
    from tieline.api.server import serve as run_server

    settings = ctx.obj.settings()
    run_server(
        settings, host=host, port=port,
        workers=settings.api.workers if workers is None else workers, access_log=access_log,
    )  # fmt: skip


def main() -> None:
    try:
        app()
    except TielineError as exc:
        # One line, never wrapped, and the message taken literally (paths may hold "[").
        err.print(Text.assemble(("error: ", "bold red"), exc.message), soft_wrap=True)
        raise SystemExit(2 if exc.status_code < 500 else 1) from None


if __name__ == "__main__":
    main()
