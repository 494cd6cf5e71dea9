from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import DATA
from tieline.cli import app

EMAIL = DATA / "email"
runner = CliRunner()


@pytest.fixture
def base(db_url: str, tmp_path: Path) -> list[str]:
    config = tmp_path / "tieline.toml"
    config.write_text(
        'internal_domains = ["northwind.io"]\n'
        '[[accounts]]\nname = "Acme Logistics"\ndomains = ["acme-logistics.com"]\n'
    )
    return ["--db", db_url, "--workspace", "cs", "--config", str(config)]


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_ingest_stats_accounts_people(base: list[str]) -> None:
    report = json.loads(run(*base, "ingest", "email", str(EMAIL / "thread.mbox"),
                            str(EMAIL / "malformed"), "--format", "json"))  # fmt: skip
    assert report["new_messages"] == 10 and report["skipped"] == 4

    stats = json.loads(run(*base, "stats", "--format", "json"))
    assert stats["workspace"] == "cs"
    assert stats["sources"][0]["skipped_by_reason"]["missing Date"] == 1

    accounts = json.loads(run(*base, "accounts", "--format", "json"))
    acme = next(a for a in accounts if a["name"] == "Acme Logistics")
    assert set(acme) == {"id", "name", "domains", "people", "messages", "threads",
                         "last_message_at", "kpi_period", "kpis",
                         # issue 4: health, relationship and flags, as of a date
                         "as_of", "health", "relationship", "flags", "single_threaded",
                         "gone_dark", "churn_risk", "departed_champion",
                         # issue 13: where the account comes from, the customer list's fields
                         "origin", "customer"}  # fmt: skip
    assert acme["origin"] == "config" and acme["customer"]["external_id"] is None
    assert acme["kpis"] == {}  # no revenue or survey data imported
    assert acme["domains"] == ["acme-logistics.com"] and acme["messages"] == 5

    people = json.loads(run(*base, "people", "--account", "acme logistics", "--format", "json"))
    assert [p["name"] for p in people] == ["Dana Whitfield", "Lee Park"]
    assert set(people[0]) == {"id", "name", "account", "internal", "automated", "title", "emails",
                              "identities", "relationship", "role", "departed",
                              "departure_evidence", "engaged", "relationships",
                              "name_derived"}  # fmt: skip
    assert people[0]["identities"] == [
        {"kind": "email", "value": "dana@acme-logistics.com"},
        {"kind": "email", "value": "dana.whitfield@acme-logistics.com"},
    ]
    assert people[0]["emails"] == ["dana@acme-logistics.com", "dana.whitfield@acme-logistics.com"]

    table = run(*base, "accounts")
    assert "Acme Logistics" in table
    again = json.loads(
        run(*base, "ingest", "email", str(EMAIL / "thread.mbox"), "--format", "json")
    )
    assert again["new_messages"] == 0 and again["duplicates"] == 9


def test_errors_are_reported_not_raised(base: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, [*base, "ingest", "email", str(tmp_path / "missing.mbox")])
    assert result.exit_code != 0
    assert "no such file" in str(result.exception) + result.output


def test_demo_ingests_the_bundled_workspace(db_url: str) -> None:
    out = run("--db", db_url, "demo")
    for name in ("Acme Logistics", "Globex", "Initech", "Umbrella Health"):
        assert name in out
    people = json.loads(run("--db", db_url, "--workspace", "demo", "people", "--format", "json"))
    marcus = next(p for p in people if p["name"] == "Marcus Lee")
    assert marcus["emails"] == ["marcus.lee@umbrellahealth.org", "marcus.lee.home@gmail.com"]
    stats = json.loads(run("--db", db_url, "--workspace", "demo", "stats", "--format", "json"))
    by_kind = {s["kind"]: s for s in stats["sources"]}
    assert by_kind["email"]["messages"] >= 110
    assert by_kind["email"]["skipped_by_reason"] == {"missing Date": 1}
    assert by_kind["slack"]["messages"] > 0 and by_kind["slack"]["skipped"] == 0
    assert by_kind["zendesk"]["messages"] > 0 and by_kind["zendesk"]["skipped"] == 0
    # The same people across the three channels: nobody is duplicated.
    assert stats["totals"]["people"] == len({p["id"] for p in people})
    assert {"email", "slack", "zendesk"} <= {i["kind"] for i in marcus["identities"]}
    # The table shows what the JSON says: role, strength 1-5, departure date (issue 15).
    table = run("--db", db_url, "-w", "demo", "people", "--account", "Initech",
                "--as-of", "2026-11-20")  # fmt: skip
    assert {"role", "strength", "departed"} <= set(table.split())
    laura = next(line for line in table.splitlines() if "Laura Benson" in line)
    assert "2026-09-14" in laura
    run("--db", db_url, "demo")  # idempotent
    again = json.loads(run("--db", db_url, "--workspace", "demo", "stats", "--format", "json"))
    assert again["totals"] == stats["totals"]


def test_people_table_shows_role_strength_and_departure(base: list[str]) -> None:
    run(*base, "ingest", "email", str(EMAIL / "thread.mbox"))
    listed = json.loads(run(*base, "people", "--account", "acme logistics", "--format", "json"))
    table = run(*base, "people", "--account", "acme logistics")
    header = next(line for line in table.splitlines() if " name " in line)
    assert header.split()[1::2][:8] == ["id", "name", "account", "internal", "role", "strength",
                                        "departed", "emails"]  # fmt: skip
    for person in listed:
        line = next(line for line in table.splitlines() if person["name"] in line)
        assert person["role"] and person["role"].replace("_", " ") in line
        assert f"{person['relationship']['score']}/5" in line
        assert person["departed"] is None  # nobody left Acme in this thread: see the demo test


def test_people_merge_and_split_survive_reingest(base: list[str]) -> None:
    mbox = str(EMAIL / "thread.mbox")
    run(*base, "ingest", "email", mbox)
    # Globex only ever wrote to us: not an account until a CSM says it is.
    promoted = json.loads(run(*base, "accounts", "promote", "globex.com"))
    assert promoted == {"domain": "globex.com", "status": "promoted",
                        "account_id": promoted["account_id"], "account": "Globex"}  # fmt: skip

    def people() -> dict[str, dict[str, object]]:
        listed = json.loads(run(*base, "people", "--format", "json"))
        return {e: p for p in listed for e in p["emails"]}

    before = people()
    work, home = before["ravi@globex.com"], before["ravi.kumar.home@gmail.com"]
    assert work["id"] != home["id"] and home["account"] is None
    merged = json.loads(run(*base, "people", "merge", str(work["id"]), str(home["id"])))
    assert merged["emails"] == ["ravi@globex.com", "ravi.kumar.home@gmail.com"]
    assert merged["account"] == "Globex"
    run(*base, "ingest", "email", mbox)  # re-ingest keeps the correction
    assert people()["ravi.kumar.home@gmail.com"]["id"] == work["id"]

    split = json.loads(run(*base, "people", "split", "email:ravi.kumar.home@gmail.com"))
    assert split["id"] != work["id"] and split["emails"] == ["ravi.kumar.home@gmail.com"]
    run(*base, "ingest", "email", mbox)
    after = people()
    assert after["ravi.kumar.home@gmail.com"]["id"] == split["id"]
    assert after["ravi@globex.com"]["emails"] == ["ravi@globex.com"]

    bad = runner.invoke(app, [*base, "people", "split", "email:ravi@globex.com"])
    assert bad.exit_code != 0  # the only identity: nothing to split


def test_customer_list_and_candidates_from_the_shell(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "plain.toml"  # no [[accounts]]: discovered until a list exists
    config.write_text('internal_domains = ["northwind.io"]\n')
    base = ["--db", db_url, "--config", str(config)]
    run(*base, "ingest", "email", str(EMAIL / "thread.mbox"))
    listed = json.loads(run(*base, "accounts", "--candidates", "--format", "json"))
    assert listed["mode"] == "discovered"
    discovered = {c["domain"] for c in listed["candidates"]}
    assert "acme-logistics.com" in discovered
    assert "acme-logistics.com" in run(*base, "accounts", "--candidates")
    customers = tmp_path / "customers.json"
    customers.write_text(json.dumps([
        {"name": "Globex Corporation", "domains": ["globex.com"], "crm_id": "0015g00000XyZ",
         "owner": "sam@northwind.io", "arr": 24000, "renewal_date": "2027-03-31"},
    ]))  # fmt: skip
    report = json.loads(run(*base, "import", "customers", str(customers), "--format", "json"))
    assert (report["new"], report["mode"]) == (1, "declared")
    accounts = json.loads(run(*base, "accounts", "--format", "json"))
    assert [(a["name"], a["origin"]) for a in accounts] == [("Globex Corporation", "import")]
    assert accounts[0]["customer"] == {"external_id": "0015g00000XyZ", "owner": "sam@northwind.io",
                                       "segment": None, "arr": 24000.0,
                                       "renewal_on": "2027-03-31"}  # fmt: skip
    # Acme talked with us both ways but is on no list: a candidate to promote.
    after = json.loads(run(*base, "accounts", "--candidates", "--format", "json"))
    assert after["mode"] == "declared" and "acme-logistics.com" in {
        c["domain"] for c in after["candidates"]
    }
    run(*base, "accounts", "promote", "acme-logistics.com")
    names = {a["name"] for a in json.loads(run(*base, "accounts", "--format", "json"))}
    assert names == {"Globex Corporation", "Acme Logistics"}
    run(*base, "ingest", "email", str(EMAIL / "thread.mbox"))  # decisions survive
    again = {a["name"] for a in json.loads(run(*base, "accounts", "--format", "json"))}
    assert again == names
