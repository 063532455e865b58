"""The store: mapped from disk, one article's work per change, the scores of a full rebuild,
and never trusted when it is corrupt or stale."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.synth import Generator
from bot.engine import chunking, pipeline, store
from bot.engine import segments as segment_module
from bot.engine.answer import Engine
from bot.engine.chunking import make_passages, sentences_and_passages, split_sentences
from bot.engine.corpus import CorpusError, load_corpus
from bot.engine.index import Index
from bot.engine.text import tokenize

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = (
    "which police departments refused",
    "who is the acting director of ICE",
    "when were the raids delayed",
    "what did the mayor of Denver say",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    target.mkdir()
    for path in (ROOT / "corpus").glob("*.md"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated articles and the bundled ones: enough for worker processes and segments."""
    target = tmp_path_factory.mktemp("many")
    Generator(ROOT / "corpus", seed=5, vocabulary=3000).write(target, 70)
    for path in (ROOT / "corpus").glob("*.md"):
        shutil.copy(path, target / path.name)
    return target


def fresh(folder: Path):
    """The articles and passages made straight from the files, with no store."""
    articles = load_corpus(folder)
    return articles, [p for a in articles for p in make_passages(a, split_sentences(a))]


def weights_for(question: str) -> dict[str, float]:
    return dict.fromkeys(tokenize(question), 1.0)


def assert_same_index(got: Index, expected: Index) -> None:
    """Same statistics, idf in the same order, the same scores bit for bit, the same hits."""
    assert got.bm25.avgdl == expected.bm25.avgdl
    assert got.bm25.average_idf == expected.bm25.average_idf
    assert list(got.bm25.idf.items()) == list(expected.bm25.idf.items())
    assert got.max_idf == expected.max_idf
    assert np.array_equal(got.bm25.doc_len, expected.bm25.doc_len)
    vocab = list(expected.bm25.idf)
    asked = [weights_for(q) for q in QUESTIONS]
    asked += [dict.fromkeys(vocab[k : k + 5], 0.7) for k in range(0, len(vocab), 97)]
    for weights in asked:
        assert np.array_equal(got.scores(weights), expected.scores(weights))
        got_hits, expected_hits = got.search(weights, 40), expected.search(weights, 40)
        assert [(h.position, h.score) for h in got_hits] == [
            (h.position, h.score) for h in expected_hits
        ]
        assert [h.passage for h in got_hits] == [h.passage for h in expected_hits]


def assert_windows_read_the_passages(passages) -> None:
    """A store's windows (read in bulk, in any order) say what its passages say."""
    ids = passages.term_ids
    order = list(range(len(passages)))
    random.Random(5).shuffle(order)
    order += order[:7]  # a passage asked for twice
    for position, window in zip(order, passages.windows(order), strict=True):
        passage = passages[position]
        assert passages.articles.ids[window.article] == passage.article.id
        assert window.spans == [(s.start, s.end) for s in passage.sentences]
        assert window.terms == [tuple(ids[t] for t in s.terms) for s in passage.sentences]
        assert window.before == tuple(ids[t] for t in passages.preceding_terms(position))


def rebuilt(folder: Path, tmp_path: Path) -> Index:
    """A full rebuild of the folder's store, somewhere else."""
    shutil.rmtree(tmp_path / "rebuilt", ignore_errors=True)
    return Index(store.load(folder, tmp_path / "rebuilt")[1])


def test_unchanged_corpus_comes_from_the_store_unchanged(folder):
    """A restart answers from the store: the same articles, passages and terms as the files."""
    expected_articles, expected_passages = fresh(folder)
    first = store.load(folder)[2]
    assert (first.store, first.written, first.processed) == ("miss", True, 5)
    articles, passages, stats = store.load(folder)
    assert (stats.store, stats.reused, stats.processed, stats.written) == ("hit", 5, 0, False)
    assert list(articles) == expected_articles
    assert list(passages) == expected_passages
    assert [p.terms for p in passages] == [p.terms for p in expected_passages]
    assert passages[-1] == expected_passages[-1] and passages[1:3] == expected_passages[1:3]


def test_the_store_scores_like_rank_bm25_over_the_plain_passages(folder):
    """Rankings and scores from the store are those of the index built from the files."""
    store.load(folder)
    assert_same_index(Index(store.load(folder)[1]), Index(fresh(folder)[1]))


def test_answers_are_the_same_from_the_store(folder):
    """A warm start gives the very answers of a cold one and of an engine with no store."""
    cold = Engine.load(folder)
    warm = Engine.load(folder)
    plain = Engine(*fresh(folder))
    for question in QUESTIONS:
        assert warm.ask(question) == cold.ask(question) == plain.ask(question)
    assert warm.passage_counts() == plain.passage_counts()
    assert list(warm.articles) == list(plain.articles) and len(warm.passages) == len(plain.passages)


def test_the_sentence_before_each_passage_is_read_from_the_store(folder):
    """Who a passage's previous sentence names counts for it: the store reads that sentence
    without building the passage before, and finds what the plain passages say."""
    stored, plain = Index(store.load(folder)[1]), Index(fresh(folder)[1])
    found = [stored.preceding_terms(position) for position in range(len(plain))]
    assert found == [plain.preceding_terms(position) for position in range(len(plain))]
    assert sum(1 for terms in found if terms) > len(found) // 2


def test_a_stored_article_is_read_when_used_and_equals_the_file(folder):
    """An article from the store reads its text and metadata only when they are used,
    and is equal to (and hashes as) the article read from its file."""
    store.load(folder)
    stored = list(store.load(folder)[0])
    plain = fresh(folder)[0]
    assert [a.id for a in stored] == [a.id for a in plain]
    assert not any("_fields" in a.__dict__ or "_text" in a.__dict__ for a in stored)
    assert stored == plain and plain == stored and set(stored) == set(plain)
    first = stored[0]
    assert (first.title, first.text, first.paragraphs, first.path, first.digest) == (
        plain[0].title,
        plain[0].text,
        plain[0].paragraphs,
        plain[0].path,
        plain[0].digest,
    )
    assert stored[1] != plain[0]


def test_nothing_is_built_per_passage_at_start(folder):
    """Start-up makes no Passage objects, and a question builds only the articles it cites."""
    Engine.load(folder)
    engine = Engine.load(folder)
    assert not engine.passages._objects._recent and not engine.articles._objects._recent
    answer = engine.ask(QUESTIONS[0])
    built = {article.id for article in engine.articles._objects._recent.values()}
    assert answer.quotes and built == {article.id for article in answer.sources}
    assert not engine.passages._objects._recent  # a question reads passages from the arrays


def test_one_added_article_is_the_only_one_processed(folder, tmp_path, monkeypatch):
    """Adding an article processes that article alone, and scores as a full rebuild does."""
    store.load(folder)
    shutil.copy(folder / "cities-vow-to-resist-ice-raids.md", folder / "c-added.md")
    split = []
    counted = lambda a: split.append(a.id) or sentences_and_passages(a)  # noqa: E731
    monkeypatch.setattr(pipeline, "sentences_and_passages", counted)
    articles, passages, stats = store.load(folder)
    assert split == ["c-added"]
    assert (stats.store, stats.reused, stats.processed, stats.written) == ("updated", 5, 1, True)
    assert list(passages) == fresh(folder)[1]
    assert list(articles) == fresh(folder)[0]
    assert_same_index(Index(passages), rebuilt(folder, tmp_path))
    assert_same_index(Index(passages), Index(fresh(folder)[1]))
    split.clear()
    assert store.load(folder)[2].processed == 0 and split == []


def test_edited_and_removed_articles_score_as_a_full_rebuild(folder, tmp_path):
    """Edits and removals leave the store exactly as a rebuild from the files would be."""
    store.load(folder)
    path = folder / "cities-vow-to-resist-ice-raids.md"
    path.write_text(path.read_text("utf-8") + "\nOne more sentence was added here.\n", "utf-8")
    (folder / "wtop-dc-leaders-speak-out-against-ice-raids.md").unlink()
    articles, passages, stats = store.load(folder)
    assert (stats.reused, stats.processed, stats.removed) == (3, 1, 1)
    assert (list(articles), list(passages)) == fresh(folder)
    assert any("One more sentence" in p.text for p in passages)
    assert_same_index(Index(passages), rebuilt(folder, tmp_path))
    again = store.load(folder)
    assert again[2].processed == 0
    assert_same_index(Index(again[1]), rebuilt(folder, tmp_path))


def test_many_changes_merge_segments_and_keep_the_scores(many, tmp_path, monkeypatch):
    """Segments merged after many one-article changes still score as a full rebuild."""
    work = tmp_path / "work"
    shutil.copytree(many, work, ignore=shutil.ignore_patterns(".*"))
    monkeypatch.setattr(segment_module, "MERGE_FACTOR", 2)
    store.load(work, workers=1)
    names = sorted(p.name for p in work.glob("article-*.md"))
    segments = []
    for step, name in enumerate(names[:12]):
        path = work / name
        if step % 3 == 0:
            path.unlink()
        else:
            path.write_text(path.read_text("utf-8") + f"\nStep {step} added words here.\n", "utf-8")
        shutil.copy(ROOT / "corpus" / "cities-vow-to-resist-ice-raids.md", work / f"b-{step}.md")
        passages = store.load(work, workers=1)[1]
        manifest = json.loads((work / ".cache" / store.MANIFEST).read_text("utf-8"))["body"]
        segments.append(len(manifest["segments"]))
    assert max(segments) <= 6 and segments[-1] < len(segments)  # merged along the way
    assert_windows_read_the_passages(passages)
    assert (list(store.load(work)[1])) == fresh(work)[1]
    assert_same_index(Index(passages), rebuilt(work, tmp_path))
    assert_same_index(Index(passages), Index(fresh(work)[1]))


def test_workers_build_the_same_store_as_one_process(many, tmp_path):
    """A store built on two cores has the very arrays and scores of one built on one."""
    one = store.load(many, tmp_path / "one", workers=1)[1]
    two = store.load(many, tmp_path / "two", workers=2)[1]
    for (name_one, a), (name_two, b) in zip(
        _arrays(tmp_path / "one"), _arrays(tmp_path / "two"), strict=True
    ):
        same = np.array_equal(a, b, equal_nan=a.dtype.kind == "f")  # NaN: a term no passage has
        assert name_one == name_two and a.dtype == b.dtype and same, name_one
    assert_same_index(Index(two), Index(one))


def test_a_build_in_several_segments_scores_as_one(many, tmp_path, monkeypatch):
    """A large build is cut into segments written as they are made; it scores as one."""
    monkeypatch.setattr(segment_module, "SEGMENT_PASSAGES", 300)
    passages = store.load(many, tmp_path / "cut", workers=2)[1]
    body = json.loads((tmp_path / "cut" / store.MANIFEST).read_text("utf-8"))["body"]
    assert len(body["segments"]) > 2
    assert_windows_read_the_passages(passages)
    assert list(passages) == fresh(many)[1]
    assert_same_index(Index(passages), Index(fresh(many)[1]))
    assert_same_index(Index(store.load(many, tmp_path / "cut")[1]), Index(fresh(many)[1]))


def _arrays(location: Path) -> list[tuple[str, np.ndarray]]:
    body = json.loads((location / store.MANIFEST).read_text("utf-8"))["body"]
    found = []
    for path in sorted(body["files"], key=lambda p: p.split("/")[1]):
        if path.split("/")[1] != "stats.npy":  # when each file was looked at differs
            found.append((path.split("/")[1], np.load(location / path)))
    return found


def _segment_file(folder: Path, name: str) -> Path:
    return next((folder / ".cache").glob(f"seg-*/{name}.npy"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
        lambda p: p.write_bytes(p.read_bytes() + b"\0" * 16),  # grown
        lambda p: p.unlink(),  # file gone, manifest left
        lambda p: p.write_bytes(b"garbage" + p.read_bytes()[7:]),  # header overwritten
    ],
)
def test_a_damaged_store_file_is_rebuilt(folder, damage):
    """A store file of the wrong size or shape is noticed at start-up and rebuilt."""
    store.load(folder)
    damage(_segment_file(folder, "post_doc"))
    articles, passages, stats = store.load(folder)
    assert (stats.store, stats.processed, stats.written) == ("corrupt", 5, True)
    assert (list(articles), list(passages)) == fresh(folder)
    assert store.load(folder)[2].store == "hit"


def test_bytes_changed_in_place_are_found_by_verify(folder):
    """Same-size damage is not read at start-up; verify reads every byte and rebuilds."""
    store.load(folder)
    path = _segment_file(folder, "text")
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x20
    path.write_bytes(bytes(raw))
    assert any("text.npy does not match" in problem for problem in store.verify(folder))
    articles, _, stats = store.load(folder, verify=True)
    assert (stats.store, stats.processed) == ("corrupt", 5)
    assert list(articles) == fresh(folder)[0]
    assert store.verify(folder) == []


def test_a_manifest_edited_or_garbled_is_not_trusted(folder):
    """A manifest that fails its own checksum, or is not JSON, means a rebuild."""
    store.load(folder)
    manifest = folder / ".cache" / store.MANIFEST
    data = json.loads(manifest.read_text("utf-8"))
    data["body"]["generation"]["scalars"]["avgdl"] *= 2
    manifest.write_text(json.dumps(data), "utf-8")
    assert store.load(folder)[2].store == "corrupt"
    manifest.write_text("{not json", "utf-8")
    assert store.load(folder)[2].store == "corrupt"
    assert store.load(folder)[2].store == "hit"


def test_inconsistent_arrays_with_good_checksums_are_rebuilt(folder):
    """Arrays that do not fit together are caught even when the manifest vouches for them."""
    store.load(folder)
    location = folder / ".cache"
    body = store._read_manifest(location)
    path = next(p for p in body["files"] if p.endswith("/pass_off.npy"))
    np.save(location / path, np.load(location / path) + 1)
    body["files"][path] = [(location / path).stat().st_size, store._sha256(location / path)]
    store._write_manifest(location, body)
    _, passages, stats = store.load(folder)
    assert stats.store == "corrupt"
    assert list(passages) == fresh(folder)[1]


def test_a_stale_store_is_rebuilt_and_new_scoring_only_recounted(folder, monkeypatch):
    """Other processing code means reprocessing; other scoring code only new statistics."""
    store.load(folder)
    monkeypatch.setattr(store, "processing_version", lambda: "older code")
    stats = store.load(folder)[2]
    assert (stats.store, stats.processed) == ("stale", 5)
    monkeypatch.setattr(store, "scoring_version", lambda: "newer scoring")
    stats = store.load(folder)[2]
    assert (stats.store, stats.processed, stats.written) == ("updated", 0, True)
    assert store.load(folder)[2].store == "hit"


def test_a_file_rewritten_with_the_same_size_and_mtime_is_noticed(folder):
    """Touching a file back to its old time does not hide an edit (its ctime moved)."""
    store.load(folder)
    path = folder / "cities-vow-to-resist-ice-raids.md"
    before = path.stat()
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"raids", b"RAIDS", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    articles, _, stats = store.load(folder)
    assert stats.processed == 1
    assert list(articles) == fresh(folder)[0]


# The fields of a stat that are read by position (the rest are passed by name).
SEQUENCE_FIELDS = ("st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid", "st_size")


class FileClock:
    """The timestamps of a file system as the store sees them (every stat it takes): cut to
    whole `tick`s, as ext3 and HFS+ keep whole seconds and FAT two, and `ago` in the past.

    Linux's own timestamps are finer than any edit a test can make, so this is the only
    way to show the store a file whose edit left its size, times and inode as they were."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tick: int = 1, ago: int = 0) -> None:
        self.tick, self.ago = tick, ago
        real_stat, real_entries = os.stat, store.article_entries
        monkeypatch.setattr(os, "stat", lambda *a, **k: self.seen(real_stat(*a, **k)))
        monkeypatch.setattr(
            store, "article_entries", lambda f: [self.Entry(e, self) for e in real_entries(f)]
        )

    def seen(self, st: os.stat_result) -> os.stat_result:
        """`st` with its modification and change times as this file system keeps them."""
        extra = {
            name: getattr(st, name)
            for name in dir(st)
            if name.startswith("st_") and name not in SEQUENCE_FIELDS
        }
        for name in ("st_mtime_ns", "st_ctime_ns"):
            extra[name] = getattr(st, name) // self.tick * self.tick - self.ago
        return os.stat_result(tuple(st)[: os.stat_result.n_sequence_fields], extra)

    def same(self, a: os.stat_result, b: os.stat_result) -> bool:
        """Whether the store would see two stats of a file as the same."""
        a, b = self.seen(a), self.seen(b)
        keys = ("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino")
        return all(getattr(a, k) == getattr(b, k) for k in keys)

    class Entry:
        def __init__(self, entry: os.DirEntry, clock: FileClock) -> None:
            self.name, self.path, self._entry, self._clock = entry.name, entry.path, entry, clock

        def stat(self) -> os.stat_result:
            return self._clock.seen(self._entry.stat())


SHERIFF = "The Quahog sheriff said on Sunday that his deputies would {} the ICE raids.\n"
OTHERS = {
    "a.md": "The school board met on Tuesday to discuss the budget for next year.\n",
    "b.md": "A storm closed the coastal highway and crews cleared fallen trees.\n",
    "c.md": "The county fair returns in August with rides, livestock and music.\n",
    "d.md": "Volunteers planted two hundred trees along the river trail.\n",
}
SHERIFF_QUESTION = "what did the Quahog sheriff say about the raids"


def sheriff_said(folder: Path) -> str:
    """What a member asking about the sheriff is shown, from a fresh load of `folder`."""
    return Engine.load(folder).ask(SHERIFF_QUESTION).quotes[0].text


def test_an_edit_in_the_second_the_corpus_was_loaded_is_quoted(tmp_path, monkeypatch):
    """On a file system of whole-second timestamps, an article edited in the same second
    as a load keeps its size, times and inode; the next load still quotes the edit, not the
    old text (git's racy-clean rule)."""
    clock = FileClock(monkeypatch, tick=1_000_000_000)
    for attempt in range(5):  # until the edit falls in the same second as the load
        folder = tmp_path / f"corpus-{attempt}"
        folder.mkdir()
        for name, text in OTHERS.items():
            (folder / name).write_text(text)
        path = folder / "sheriff.md"
        time.sleep(1 - time.time() % 1 + 0.01)  # just after a second begins
        path.write_text(SHERIFF.format("join"))
        assert "would join" in sheriff_said(folder)
        before = path.stat()
        path.write_text(SHERIFF.format("shun"))  # same size, same inode
        if clock.same(before, path.stat()):
            break
    else:
        pytest.fail("five edits in a row crossed a second boundary")
    assert "would shun" in sheriff_said(folder)
    assert "would shun" in sheriff_said(folder)  # and stays so once the stat is trusted


def test_an_edit_that_keeps_the_size_is_quoted_in_a_settled_corpus(tmp_path, monkeypatch):
    """Files last changed long before a load are trusted by their stat, so an unchanged
    corpus is not read again; an edit that keeps the size still moves the times and the
    next load quotes it."""
    clock = FileClock(monkeypatch, ago=60_000_000_000)  # every file changed a minute ago
    for name, text in OTHERS.items():
        (tmp_path / name).write_text(text)
    path = tmp_path / "sheriff.md"
    path.write_text(SHERIFF.format("join"))
    assert "would join" in sheriff_said(tmp_path)
    assert store.load(tmp_path)[2].store == "hit"  # trusted: nothing read again
    before = path.stat()
    while True:
        path.write_text(SHERIFF.format("shun"))  # same size, same inode, later times
        if not clock.same(before, path.stat()):
            break
        time.sleep(0.01)
    assert "would shun" in sheriff_said(tmp_path)


def test_a_running_engine_survives_the_store_being_rewritten(folder):
    """The bot keeps answering from its mapped store while a reload replaces the files."""
    Engine.load(folder)
    running = Engine.load(folder)
    before = running.ask(QUESTIONS[0])
    (folder / "wtop-dc-leaders-speak-out-against-ice-raids.md").unlink()
    Engine.load(folder)  # a new generation; the old one's files are removed
    assert running.ask(QUESTIONS[0]) == before
    assert len(list(running.passages)) == len(running.passages)


def test_an_unwritable_location_just_goes_unstored(folder, tmp_path):
    """A corpus folder we cannot write to is processed in memory each time."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    articles, passages, stats = store.load(folder, location=blocker / ".cache")
    assert (stats.store, stats.written) == ("miss", False)
    assert (list(articles), list(passages)) == fresh(folder)
    assert_same_index(Index(passages), Index(fresh(folder)[1]))


def test_load_errors_are_those_of_load_corpus_and_change_nothing(folder, tmp_path):
    """A bad file is named as the loader names it, and the store stays as it was."""
    store.load(folder)
    manifest = (folder / ".cache" / store.MANIFEST).read_bytes()
    (folder / "broken.md").write_bytes(b"---\ntitle: x\n")
    with pytest.raises(CorpusError) as caught:
        store.load(folder)
    why = "front matter opens with '---' but never closes"
    assert caught.value.problems == [("broken.md", why)]
    assert (folder / ".cache" / store.MANIFEST).read_bytes() == manifest
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="holds no"):
        store.load(empty)
    with pytest.raises(CorpusError, match="is not a folder"):
        store.load(tmp_path / "nowhere")


def test_an_index_with_other_parameters_is_built_from_the_store(folder):
    """Measuring other k1 and b still works on a stored corpus (the sweep's path)."""
    store.load(folder)
    passages = store.load(folder)[1]
    plain = fresh(folder)[1]
    assert_same_index(Index(passages, k1=1.5, b=0.5), Index(plain, k1=1.5, b=0.5))


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
        store.load(folder)
    why = "could not be split into sentences in reasonable time"
    assert caught.value.problems == [("quahog.md", why)]


def test_with_a_skipped_list_the_good_articles_load_and_the_bad_are_named(folder, tmp_path):
    """Bad files are listed with why, the good articles answer, and the store holds only them."""
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
    manifest = (folder / ".cache" / store.MANIFEST).read_bytes()
    assert Engine.load(folder, []).ask(QUESTIONS[1]) == engine.ask(QUESTIONS[1])
    assert (folder / ".cache" / store.MANIFEST).read_bytes() == manifest  # nothing rewritten
    for name in ("broken.md", "marks.md", "stopwords.md"):
        (folder / name).unlink()
    assert store.load(folder)[2].store == "hit"


def test_an_article_that_goes_bad_leaves_the_store(folder, tmp_path):
    """A good article edited into a bad one is named and no longer quoted from the store."""
    store.load(folder)
    (folder / "cities-vow-to-resist-ice-raids.md").write_bytes(b"---\ntitle: x\n")
    skipped: list[tuple[str, str]] = []
    articles, passages, _ = store.load(folder, skipped=skipped)
    assert [name for name, _ in skipped] == ["cities-vow-to-resist-ice-raids.md"]
    assert "cities-vow-to-resist-ice-raids" not in [a.id for a in articles]
    good = [a for a in load_corpus(folder, skipped=[])]
    assert list(articles) == good
    assert_same_index(Index(passages), Index([p for a in good for p in make_passages(a)]))


def test_with_a_skipped_list_a_corpus_of_only_bad_files_still_fails(tmp_path):
    """With nothing good to load, the error names every bad file rather than indexing nothing."""
    (tmp_path / "broken.md").write_bytes(b"---\ntitle: x\n")
    (tmp_path / "marks.md").write_bytes(b"? ? ?")
    with pytest.raises(CorpusError) as caught:
        Engine.load(tmp_path, [])
    assert [name for name, _ in caught.value.problems] == ["broken.md", "marks.md"]
