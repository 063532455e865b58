"""Processing on every core: the worker pool gives the very result of one process."""

from __future__ import annotations

import concurrent.futures
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.synth import Generator
from bot.engine import pipeline
from bot.engine.corpus import article_files, load_corpus
from bot.engine.pipeline import PARALLEL_MIN, process, process_all

ROOT = Path(__file__).resolve().parents[2]
ARRAYS = (
    "sentences",
    "sentence_counts",
    "token_counts",
    "layout",
    "passage_counts",
    "context",
    "context_counts",
    "context_term_counts",
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled articles plus generated ones: more than PARALLEL_MIN files."""
    target = tmp_path_factory.mktemp("many")
    for path in (ROOT / "corpus").glob("*.md"):
        shutil.copy(path, target / path.name)
    Generator(ROOT / "corpus", seed=11, vocabulary=4000).write(target, PARALLEL_MIN + 10)
    return target


def merged(batches: list[pipeline.Batch]) -> dict:
    """The batches as one: articles, and every array with terms spelled out."""
    return {
        "articles": [a for b in batches for a in b.articles],
        "problems": [p for b in batches for p in b.problems],
        "terms": [b.vocab[i] for b in batches for i in b.tokens.tolist()],
        "context_terms": [b.vocab[i] for b in batches for i in b.context_terms.tolist()],
        **{name: np.concatenate([getattr(b, name) for b in batches]) for name in ARRAYS},
    }


def test_workers_give_the_same_arrays_as_one_process(folder):
    """Building on two cores changes nothing: the same articles, sentences, terms, passages."""
    paths = article_files(folder)
    serial = merged(list(process_all(paths, workers=1)))
    parallel = list(process_all(paths, workers=2))
    assert len(parallel) > 2  # really cut into chunks for the workers
    together = merged(parallel)
    assert together["articles"] == serial["articles"] == load_corpus(folder)
    assert together["terms"] == serial["terms"]
    assert together["context_terms"] == serial["context_terms"]
    for name in ARRAYS:
        assert together[name].dtype == serial[name].dtype
        assert np.array_equal(together[name], serial[name]), name


def test_a_bad_file_is_reported_from_a_worker(folder, tmp_path):
    """A broken file among many is named, as when the files are read one by one."""
    for path in article_files(folder):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "broken.md").write_bytes(b"\xff\xfe not utf-8")
    batches = list(process_all(article_files(tmp_path), workers=2))
    assert [p for b in batches for p in b.problems] == [("broken.md", "is not UTF-8 text")]
    assert sum(len(b.articles) for b in batches) == len(article_files(folder))


def test_small_corpora_stay_in_this_process(monkeypatch):
    """The bundled corpus never waits for worker processes to start."""
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", None)  # would fail if used
    paths = article_files(ROOT / "corpus")
    assert len(paths) < PARALLEL_MIN
    (batch,) = process_all(paths, workers=2)
    assert batch.articles == process(paths).articles == load_corpus(ROOT / "corpus")
