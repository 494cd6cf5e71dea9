"""Import revenue and surveys from files and read the KPIs back through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tieline.cli import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_import_and_kpis(db_url: str, tmp_path: Path) -> None:
    revenue = tmp_path / "billing.csv"
    revenue.write_text(
        "Customer,Booked,Type,MRR,CSM\n"
        'Acme Logistics,2026-01-05,new,"$1,000",sam@northwind.io\n'
        "Globex,2026-01-09,New Business,500,sam@northwind.io\n"
        "Acme Logistics,2026-02-03,upgrade,200,sam@northwind.io\n"
        "Acme Logistics,2026-02-03,add-on,50,sam@northwind.io\n"
        "Acme Logistics,2026-02-03,add-on,50,sam@northwind.io\n"
        "Globex,2026-02-20,cancellation,500,sam@northwind.io\n"
        "Initech,not-a-date,new,100,\n"
        "Initech,2026-02-01,teleport,100,\n"
    )
    surveys = tmp_path / "nps.jsonl"
    surveys.write_text(
        "\n".join(
            json.dumps({"account": a, "date": "2026-02-10", "kind": "nps", "score": s})
            for a, s in [("Acme Logistics", 10), ("Acme Logistics", 9), ("Acme Logistics", 3)]
        )
        + '\n{"account": "Acme Logistics", "date": "2026-02-11", "kind": "nps", "score": 11}\n'
    )
    db = ["--db", db_url, "--workspace", "kpi"]
    mapping = ["--map", "account=Customer", "--map", "date=Booked", "--map", "kind=Type",
               "--map", "amount=MRR", "--map", "owner=CSM"]  # fmt: skip
    first = json.loads(run(*db, "import", "revenue", str(revenue), *mapping, "--format", "json"))
    assert (first["read"], first["new"], first["skipped"]) == (8, 6, 2)
    assert first["skipped_reasons"] == {"invalid revenue row": 2}
    assert any("teleport" in e for e in first["skipped_examples"])
    again = json.loads(run(*db, "import", "revenue", str(revenue), *mapping, "--format", "json"))
    assert again["new"] == 0 and again["duplicates"] == 6

    imported = json.loads(run(*db, "import", "surveys", str(surveys), "--format", "json"))
    assert imported["new"] == 3 and imported["skipped"] == 1

    report = json.loads(
        run(*db, "kpis", "--period", "2026-02", "--by", "account", "--format", "json")
    )
    assert report["period"] == "2026-02"
    acme = {r["name"]: r for r in report["groups"]["Acme Logistics"]}
    assert acme["mrr"]["value"] == 1300
    # NRR: (1,000 start + 300 expansion) / 1,000; both add-ons count, once each.
    assert acme["nrr"]["value"] == 130.0 and "1,000" in acme["nrr"]["formula"]
    assert acme["nrr"]["small_sample"]
    # NPS: 2 promoters, 0 passives, 1 detractor of 3 answers; the score of 11 was skipped.
    assert abs(acme["nps"]["value"] - 100 / 3) < 1e-9
    globex = {r["name"]: r for r in report["groups"]["Globex"]}
    assert globex["customer_churn_simple"]["value"] == 100.0

    by_owner = json.loads(
        run(*db, "kpis", "--period", "2026-02", "--by", "owner", "--format", "json")
    )
    sam = {r["name"]: r for r in by_owner["groups"]["sam@northwind.io"]}
    # GRR by owner: (1,500 start − 500 churned) / 1,500.
    assert abs(sam["grr"]["value"] - 1000 / 1500 * 100) < 1e-9
    table = run(*db, "kpis", "--period", "2026-02")
    assert "Acme Logistics" in table and "KPIs 2026-02 by account" in table


def test_bad_mapping_is_an_error(db_url: str, tmp_path: Path) -> None:
    f = tmp_path / "r.csv"
    f.write_text("account,date,kind,amount\n")
    result = runner.invoke(app, ["--db", db_url, "import", "revenue", str(f), "--map", "oops"])
    assert result.exit_code != 0


def test_kpis_appear_on_account_objects(db_url: str, tmp_path: Path) -> None:
    from tests.conftest import DATA

    db = ["--db", db_url, "--workspace", "k2"]
    config = tmp_path / "tieline.toml"
    config.write_text('internal_domains = ["northwind.io"]\n')
    run(*db, "--config", str(config), "ingest", "email", str(DATA / "email" / "thread.mbox"))
    customers = tmp_path / "customers.csv"  # the CS team's list: these three are customers
    customers.write_text("name,domains\nAcme Logistics,acme-logistics.com\nGlobex,globex.com\n"
                         "Initech,initech.io\n")  # fmt: skip
    run(*db, "--config", str(config), "import", "customers", str(customers))
    revenue = tmp_path / "r.csv"
    revenue.write_text(  # matched by domain and by (case-insensitive) name
        "account,date,kind,amount\nacme-logistics.com,2026-01-10,new,2000\n"
        "GLOBEX,2026-01-12,new,800\nacme-logistics.com,2026-02-02,expansion,500\n"
    )
    report = json.loads(run(*db, "import", "revenue", str(revenue), "--format", "json"))
    assert report["unmatched_accounts"] == []
    accounts = {
        a["name"]: a
        for a in json.loads(run(*db, "accounts", "--kpi-period", "2026-02", "--format", "json"))
    }
    acme = accounts["Acme Logistics"]
    assert acme["kpi_period"] == "2026-02"
    assert acme["kpis"]["mrr"] == 2500 and acme["kpis"]["nrr"] == 125.0
    assert accounts["Globex"]["kpis"]["mrr"] == 800
    assert accounts["Initech"]["kpis"] == {} and accounts["Initech"]["kpi_period"] is None
