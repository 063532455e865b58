"""The benchmark: its message without the extra, its generator, its table; a tiny run if it can."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks import bench
from benchmarks.synth import Generator
from bot.engine.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent


def test_missing_extra_is_one_sentence(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "bm25s", None)  # makes `import bm25s` fail
    assert bench.main(["--", "--sizes", "5"]) == 2
    message = capsys.readouterr().err.strip()
    assert message == bench.EXTRA_MISSING and message.count(". ") == 0


def test_generated_corpus_is_realistic_and_repeatable(tmp_path):
    first = Generator(ROOT / "corpus", seed=7, vocabulary=3000)
    again = Generator(ROOT / "corpus", seed=7, vocabulary=3000)
    assert first.article(0) == again.article(0)
    first.write(tmp_path, 12)
    articles = load_corpus(tmp_path)  # parses like a real corpus
    assert len(articles) == 12 and all(len(a.paragraphs) >= 3 for a in articles)
    questions = first.questions(tmp_path, 20, ROOT / "eval" / "questions.json")
    generated = questions[:20]
    assert all(3 <= len(q.split()) <= 8 for q in generated)
    assert len(questions) > 20  # the eval set's questions follow


def _figures(p50: float) -> dict:
    return {"p50": p50, "p95": 2 * p50, "p99": 3 * p50, "mean": p50, "n": 10}


def test_table_reports_ratios():
    """The tables carry each size's build, start-up, reloads, memory and latency ratios."""
    row = {
        "articles": 100,
        "phases": {"phases": {"load": 0.1, "split": 0.2, "tokenise": 0.3, "index": 0.05}},
        "cold": {
            "seconds": 0.7,
            "passages": 1800,
            "phases": {"process": 0.5, "segments": 0.1, "generation": 0.02, "write": 0.03},
            "peak_mb": 90,
            "workers_peak_mb": 60,
        },
        "warm": {
            "restart_seconds": 0.05,
            "peak_mb": 70,
            "ask": _figures(2.0),
            "search": {"ours": _figures(0.1), "bm25s": _figures(0.3), "tantivy": _figures(0.05)},
        },
        "reload": {"seconds": {"add": 0.2, "edit": 0.25, "remove": 0.15}},
        "cli_ask_seconds": 0.5,
    }
    results = {
        "sizes": [row],
        "questions": 242,
        "date": "2026-11-22",
        "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24, "python": "3.11"},
        "bundled": {"cold_seconds": 0.6, "warm_seconds": 0.4},
    }
    text = bench.table(results)
    assert "| 100 | 1,800 | 0.70 |" in text and "| 3.0x | 0.5x |" in text
    assert "| 6.67x, 6.67x | 1 |" in text  # `ask` against bm25s's retrieval
    assert "| 0.20 / 0.25 / 0.15 |" in text and "| 90 (60) / 70 |" in text
    assert "0.60 s cold, 0.40 s warm" in text
    row["cold_runs"] = [0.65, 0.7, 0.9]  # several cold builds: the median and their range
    assert "| 100 | 1,800 | 0.70 (0.65–0.90) |" in bench.table(results)


def test_tiny_run_writes_json_and_chart(tmp_path):
    for extra in ("bm25s", "tantivy", "matplotlib"):
        pytest.importorskip(extra)
    assert bench.main(["--sizes", "3,6", "--queries", "5", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "bench.json").read_text("utf-8"))
    assert [row["articles"] for row in results["sizes"]] == [3, 6]
    assert all(len(row["cold_runs"]) == 3 for row in results["sizes"])
    # three warm processes; the reported one is the median by `ask`'s mean
    for row in results["sizes"]:
        means = [run["ask"][0] for run in row["warm_runs"]]
        assert len(means) == 3 and means == sorted(means)
        assert round(row["warm"]["ask"]["mean"], 3) == means[1]
    assert set(results["sizes"][0]["warm"]["search"]) == {"ours", "bm25s", "tantivy"}
    assert (tmp_path / "bench.png").stat().st_size > 0
