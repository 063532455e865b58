"""The processed-corpus cache: reused when unchanged, partial on change, never trusted when bad."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot import cache, chunking
from bot.answer import Engine
from bot.cache import ARCHIVE, INDEX_ARCHIVE, MANIFEST, load_processed
from bot.chunking import make_passages, sentences_and_passages, split_sentences
from bot.corpus import CorpusError, load_corpus
from bot.index import Index

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ("which police departments refused", "who is the acting director of ICE")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    target.mkdir()
    for path in (ROOT / "corpus").glob("*.md"):
        shutil.copy(path, target / path.name)
    return target


def fresh(folder: Path):
    articles = load_corpus(folder)
    return articles, [p for a in articles for p in make_passages(a, split_sentences(a))]


def test_unchanged_corpus_comes_from_the_cache_unchanged(folder):
    expected_articles, expected_passages = fresh(folder)
    first = load_processed(folder)
    assert (first[2].cache, first[2].written, first[2].processed) == ("miss", True, 5)
    articles, passages, stats = load_processed(folder)
    assert (stats.cache, stats.reused, stats.processed, stats.written) == ("hit", 5, 0, False)
    assert articles == expected_articles
    assert list(passages) == expected_passages
    assert [p.terms for p in passages] == [p.terms for p in expected_passages]


def test_answers_are_the_same_from_the_cache(folder):
    cold = Engine.load(folder)
    warm = Engine.load(folder)  # processed corpus and index model both from the cache
    for question in QUESTIONS:
        assert warm.ask(question) == cold.ask(question)
    plain = Index(fresh(folder)[1])
    weights = {"polic": 1.0, "refus": 1.0, "ice": 0.5}
    assert np.array_equal(warm.index.scores(weights), plain.scores(weights))
    assert warm.index.bm25.idf == plain.bm25.idf


def test_one_added_article_is_the_only_one_processed(folder, monkeypatch):
    load_processed(folder)
    shutil.copy(folder / "cities-vow-to-resist-ice-raids.md", folder / "zz-added.md")
    split = []
    counted = lambda a: split.append(a.id) or sentences_and_passages(a)  # noqa: E731
    monkeypatch.setattr(cache, "sentences_and_passages", counted)
    _, passages, stats = load_processed(folder)
    assert split == ["zz-added"]
    assert (stats.cache, stats.reused, stats.processed, stats.written) == ("partial", 5, 1, True)
    assert list(passages) == fresh(folder)[1]
    assert load_processed(folder)[2].cache == "hit"


def test_edited_and_removed_articles(folder):
    load_processed(folder)
    path = folder / "cities-vow-to-resist-ice-raids.md"
    path.write_text(path.read_text("utf-8") + "\nOne more sentence was added here.\n", "utf-8")
    (folder / "wtop-dc-leaders-speak-out-against-ice-raids.md").unlink()
    articles, passages, stats = load_processed(folder)
    assert (stats.reused, stats.processed) == (3, 1)
    assert (articles, list(passages)) == fresh(folder)
    assert "One more sentence" in passages[-1].article.body or any(
        "One more sentence" in p.text for p in passages
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(b"\0" * 64 + p.read_bytes()[64:]),  # bytes overwritten
        lambda p: p.unlink(),  # archive gone, manifest left
    ],
)
def test_a_corrupt_archive_is_rebuilt(folder, damage):
    load_processed(folder)
    damage(folder / ".cache" / ARCHIVE)
    articles, passages, stats = load_processed(folder)
    assert (stats.cache, stats.processed, stats.written) == ("corrupt", 5, True)
    assert (articles, list(passages)) == fresh(folder)
    assert load_processed(folder)[2].cache == "hit"


def test_an_archive_that_matches_its_checksum_but_not_itself_is_rebuilt(folder):
    load_processed(folder)
    location = folder / ".cache"
    arrays = dict(np.load(location / ARCHIVE, allow_pickle=False))
    arrays["tokens"] = arrays["tokens"] + 10**6  # ids beyond the vocabulary
    manifest = {"format": 1, "version": cache.processing_version()}
    cache._save(location, ARCHIVE, MANIFEST, arrays, manifest)
    articles, passages, stats = load_processed(folder)
    assert stats.cache == "corrupt"
    assert (articles, list(passages)) == fresh(folder)


def test_a_garbled_manifest_is_rebuilt(folder):
    load_processed(folder)
    (folder / ".cache" / MANIFEST).write_text("{not json", "utf-8")
    assert load_processed(folder)[2].cache == "corrupt"
    assert load_processed(folder)[2].cache == "hit"


def test_a_stale_version_is_ignored(folder, monkeypatch):
    load_processed(folder)
    manifest = folder / ".cache" / MANIFEST
    data = json.loads(manifest.read_text("utf-8"))
    manifest.write_text(json.dumps({**data, "version": "older code"}), "utf-8")
    articles, passages, stats = load_processed(folder)
    assert (stats.cache, stats.processed) == ("stale", 5)
    assert (articles, list(passages)) == fresh(folder)
    monkeypatch.setattr(cache, "processing_version", lambda: "newer code")
    assert load_processed(folder)[2].cache == "stale"


def test_a_corrupt_saved_index_is_rebuilt(folder):
    Engine.load(folder)
    index_file = folder / ".cache" / INDEX_ARCHIVE
    index_file.write_bytes(b"garbage" + index_file.read_bytes()[7:])
    engine = Engine.load(folder)
    plain = Index(fresh(folder)[1])
    assert engine.index.bm25.idf == plain.bm25.idf
    assert np.array_equal(engine.index.scores({"ice": 1.0}), plain.scores({"ice": 1.0}))


def test_an_unwritable_location_just_goes_uncached(folder, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    articles, passages, stats = load_processed(folder, location=blocker / ".cache")
    assert (stats.cache, stats.written) == ("miss", False)
    assert (articles, list(passages)) == fresh(folder)
    assert Index(passages).bm25.idf == Index(fresh(folder)[1]).bm25.idf  # save fails quietly


def test_load_errors_are_those_of_load_corpus(folder, tmp_path):
    (folder / "broken.md").write_bytes(b"---\ntitle: x\n")
    with pytest.raises(CorpusError) as caught:
        load_processed(folder)
    why = "front matter opens with '---' but never closes"
    assert caught.value.problems == [("broken.md", why)]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="holds no"):
        load_processed(empty)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (b"? " * 495_000, "has no article text"),  # 990 KB of one paragraph
        (b"The. A. An. It was. They were there.\n", "has no words I can search"),
    ],
)
def test_an_article_with_nothing_to_search_is_named(folder, text, why):
    """Punctuation only, or stopwords only, is named as a bad file, not indexed empty."""
    (folder / "marks.md").write_bytes(text)
    with pytest.raises(CorpusError) as caught:
        Engine.load(folder)
    assert caught.value.problems == [("marks.md", why)]


def test_an_article_nltk_gives_up_on_is_named(folder, monkeypatch):
    """When nltk's time limit trips on one article, the error names that file and nothing else."""
    real = chunking.sentence_spans

    def spans(text: str) -> list[tuple[int, int]]:
        if "Quahog" in text:
            raise TimeoutError("regular-expression match exceeded its 5.0s time limit")
        return real(text)

    monkeypatch.setattr(chunking, "sentence_spans", spans)
    (folder / "quahog.md").write_text("The Quahog sheriff said no to the ICE raids.\n", "utf-8")
    with pytest.raises(CorpusError) as caught:
        load_processed(folder)
    why = "could not be split into sentences in reasonable time"
    assert caught.value.problems == [("quahog.md", why)]


def test_with_a_skipped_list_the_good_articles_load_and_the_bad_are_named(folder):
    """Bad files are listed with why, the good articles answer, and the cache holds only them."""
    (folder / "broken.md").write_bytes(b"---\ntitle: x\n")
    (folder / "marks.md").write_bytes(b"? " * 1000)
    (folder / "stopwords.md").write_bytes(b"The. A. An. It was. They were there.\n")
    skipped: list[tuple[str, str]] = []
    engine = Engine.load(folder, skipped)
    assert skipped == [
        ("broken.md", "front matter opens with '---' but never closes"),
        ("marks.md", "has no article text"),
        ("stopwords.md", "has no words I can search"),
    ]
    assert len(engine.articles) == 5 and engine.ask(QUESTIONS[1]).answered
    for name in ("broken.md", "marks.md", "stopwords.md"):
        (folder / name).unlink()
    assert load_processed(folder)[2].cache == "hit"


def test_with_a_skipped_list_a_corpus_of_only_bad_files_still_fails(tmp_path):
    """With nothing good to load, the error names every bad file rather than indexing nothing."""
    (tmp_path / "broken.md").write_bytes(b"---\ntitle: x\n")
    (tmp_path / "marks.md").write_bytes(b"? ? ?")
    with pytest.raises(CorpusError) as caught:
        Engine.load(tmp_path, [])
    assert [name for name, _ in caught.value.problems] == ["broken.md", "marks.md"]
