"""Email and Slack into one workspace: one person per human across channels."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import DATA
from tieline.cli import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_slack_and_email_share_people(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "tieline.toml"
    config.write_text('internal_domains = ["northwind.io"]\n')
    base = ["--db", db_url, "--workspace", "x", "--config", str(config)]
    run(*base, "ingest", "email", str(DATA / "email" / "thread.mbox"))
    export = DATA / "slack" / "export"
    report = json.loads(run(*base, "ingest", "slack", str(export), "--format", "json"))
    assert report["source"] == "export" and report["new_messages"] == 17
    assert report["skipped"] == 2
    again = json.loads(run(*base, "ingest", "slack", str(export), "--format", "json"))
    assert again["new_messages"] == 0 and again["duplicates"] == 17

    stats = json.loads(run(*base, "stats", "--format", "json"))
    assert {s["kind"]: s["messages"] for s in stats["sources"]} == {"email": 9, "slack": 17}

    listed = json.loads(run(*base, "people", "--format", "json"))
    people = {p["name"]: p for p in listed}
    # Sam Ortiz wrote email, and is the deleted Slack user with the same address.
    sam = people["Sam Ortiz"]
    assert {"kind": "email", "value": "sam.ortiz@northwind.io"} in sam["identities"]
    assert {"kind": "slack", "value": "T0NORTH01:U05SAM"} in sam["identities"]
    # A Slack Connect user from the customer lands in the customer's account.
    priya = people["Priya Raman"]
    assert priya["account"] == "Acme Logistics" and priya["title"] == "Head of Operations"
    assert priya["emails"] == ["priya.raman@acme-logistics.com"]
    # Two Dana Whitfields: the customer (email, acme) and our CSM (Slack, northwind),
    # equal names at different domains, never merged.
    danas = sorted((p["internal"], p["emails"][0]) for p in listed if p["name"] == "Dana Whitfield")
    assert danas == [(False, "dana@acme-logistics.com"), (True, "dana.whitfield@northwind.io")]
    kai = next(p for p in people.values() if p["identities"] == [
        {"kind": "slack", "value": "T0NORTH01:U06KAI"}])  # fmt: skip
    assert kai["account"] is None and kai["emails"] == []


def test_zendesk_and_generic_tickets(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "tieline.toml"
    config.write_text('internal_domains = ["northwind.io"]\n')
    base = ["--db", db_url, "--workspace", "t", "--config", str(config)]
    export = DATA / "tickets" / "zendesk_export.json"
    report = json.loads(run(*base, "ingest", "zendesk", str(export), "--format", "json"))
    assert report["source"] == "zendesk_export" and report["new_messages"] > 0
    again = json.loads(run(*base, "ingest", "zendesk", str(export), "--format", "json"))
    assert again["new_messages"] == 0

    people = {p["name"]: p for p in json.loads(run(*base, "people", "--format", "json"))}
    dana = people["Dana Whitfield"]
    assert dana["account"] == "Acme Logistics"
    assert {i["kind"] for i in dana["identities"]} == {"email", "zendesk"}

    # Ticket satisfaction ratings feed CSAT: one good, one bad.
    kpis = json.loads(run(*base, "kpis", "--period", "2026", "--by", "all", "--format", "json"))
    csat = next(r for r in kpis["groups"]["(all)"] if r["name"] == "csat")
    assert csat["sample_size"] == 2 and csat["value"] == 50.0 and csat["small_sample"]

    tickets = DATA / "tickets"
    generic = json.loads(
        run(*base, "ingest", "tickets", str(tickets / "freshdesk_tickets.csv"), "--mapping",
            str(tickets / "freshdesk_mapping.toml"), "--format", "json")
    )  # fmt: skip
    assert generic["source"] == "freshdesk_mapping" and generic["new_messages"] > 0
    stats = json.loads(run(*base, "stats", "--format", "json"))
    assert {s["kind"] for s in stats["sources"]} == {"zendesk", "tickets"}


def test_slack_channel_mapping_gives_email_less_people_an_account(
    db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "tieline.toml"
    config.write_text(
        'internal_domains = ["northwind.io"]\n'
        '[slack_channel_accounts]\n"acme-shared" = "Acme Logistics"\n'
    )
    base = ["--db", db_url, "--workspace", "m", "--config", str(config)]
    run(*base, "ingest", "slack", str(DATA / "slack" / "export"))
    listed = json.loads(run(*base, "people", "--format", "json"))
    in_acme = {p["name"]: p for p in listed if p["account"] == "Acme Logistics"}
    email_less = [p for p in in_acme.values() if not p["emails"]]
    assert email_less, in_acme  # someone without an address joined the account via the channel
    assert all(not p["internal"] for p in in_acme.values())
    ours = [p for p in listed if p["emails"] and p["emails"][0].endswith("@northwind.io")]
    assert ours and all(p["account"] is None for p in ours)  # our people never get one
