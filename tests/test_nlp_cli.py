"""``tieline score`` and the ``tieline nlp`` line filters (VADER backend: quick)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import DATA
from tieline.cli import app

runner = CliRunner()


@pytest.fixture
def base(db_url: str, tmp_path: Path) -> list[str]:
    config = tmp_path / "tieline.toml"
    config.write_text('internal_domains = ["northwind.io"]\n[nlp]\nsentiment_backend = "vader"\n')
    return ["--db", db_url, "--workspace", "cs", "--config", str(config)]


def run(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_score_then_rescore(base: list[str]) -> None:
    run(*base, "ingest", "email", str(DATA / "email" / "signals.mbox"))
    report = json.loads(run(*base, "score", "--format", "json"))
    assert (report["messages"], report["automated"], report["threads"]) == (6, 1, 3)
    assert report["model"] == "vader"
    assert report["sentiment"]["not scored"] == 1
    assert report["lifecycle_events"] == {"out_of_office": 1, "churn_risk": 1}
    assert sum(report["open_items"].values()) >= 3
    again = json.loads(run(*base, "score", "--format", "json"))
    assert (again["messages"], again["threads"]) == (0, 0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nlp_sentiment_reads_lines(base: list[str]) -> None:
    lines = (
        "I love this product, thank you!\n"
        "This is the worst, most horrible service ever. I am furious and disgusted!\n\n"
    )
    out = [json.loads(x) for x in run(*base, "nlp", "sentiment", stdin=lines).splitlines()]
    assert [r["label"] for r in out] == ["positive", "negative", "neutral"]
    assert set(out[0]) == {"label", "score", "confidence", "alert"}
    assert out[0]["score"] > 0 > out[1]["score"] and -1 <= out[1]["score"] <= 1
    assert out[1]["alert"] is True and out[0]["alert"] is False
    detailed = json.loads(run(*base, "nlp", "sentiment", "--sentences", stdin="Great. Awful.\n"))
    assert [s["text"] for s in detailed["sentences"]] == ["Great.", "Awful."]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nlp_open_items_reads_lines(base: list[str]) -> None:
    lines = "Could you send me the invoice by Friday?\nThanks, that is all.\n"
    out = [json.loads(x) for x in run(*base, "nlp", "open-items", "--side", "them",
                                      stdin=lines).splitlines()]  # fmt: skip
    assert out[1] == {"items": []}
    [item] = out[0]["items"]
    assert item["kind"] == "request" and item["owed_by"] == "us"
    assert "send me the invoice" in item["span"]
    plain = json.loads(run(*base, "nlp", "open-items", stdin="Please review the contract.\n"))
    assert "owed_by" not in plain["items"][0]
