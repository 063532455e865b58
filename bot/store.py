"""The processed corpus on disk: columnar segments, memory-mapped, one article's work per change.

`load` gives a corpus folder as lazy `ArticleTable` and `PassageTable` views over arrays
kept in `<folder>/.cache/`, each its own `.npy` file opened with `mmap_mode="r"`:

- A *segment* holds some articles (in file-name order) and what the pipeline made of
  them: their texts as one UTF-8 run, paragraphs, sentences and passages as offsets,
  each sentence's term ids, and the passages' postings (CSR by term: passage, term
  frequency) and lengths. A segment never changes once written.
- A *generation* says which articles are live, in which segment, where each passage
  sits in corpus order (file-name order, as `load_corpus` reads them), and the index
  statistics of exactly those passages: rank-bm25's idf in rank-bm25's term order,
  avgdl and the corpus size.
- `store.json`, the manifest, names the segments and the generation, with every file's
  size and sha256, and carries a checksum of itself.

Start-up reads the manifest, checks its checksum and every file's size, and maps the
arrays: nothing large is read, no Python object is made per passage; `Article` and
`Passage` objects are built only for what a question touches. An added or edited article
is processed alone into a small new segment, a removed or edited one just leaves the
generation, and the generation's statistics are recomputed from per-segment counts; small
segments are merged later, as tantivy and Lucene do. Scores are computed at query time
from term frequencies and passage lengths with rank-bm25's own operations, so they are
bit for bit those of a full rebuild.

Files are matched by name and stat (size, mtime, ctime, inode), as git's index does; a
file whose stat changed, or that changed too shortly before it was looked at, is hashed
again. A store that is corrupt (checksum, sizes, shapes), stale (other processing code)
or inconsistent is rebuilt, never trusted; `verify` reads every byte against the
checksums, and so does every write. A folder we cannot write to is processed in memory.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import hashlib
import json
import logging
import math
import os
import shutil
import threading
import time
import uuid
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from bot import chunking, corpus, index, pipeline, scoring, text
from bot.chunking import Passage, Sentence
from bot.corpus import Article, CorpusError, article_entries
from bot.pipeline import NO_STAT, Batch, StatKey, process_all
from bot.scoring import TermMatrix, length_norms, okapi_idf, term_scores

log = logging.getLogger(__name__)

FORMAT = 3
STORE_FOLDER = ".cache"
MANIFEST = "store.json"
LOCK = "lock"
# A cold build starts a new segment after this many passages, which bounds its memory.
SEGMENT_PASSAGES = 400_000
# Passages counted at a time when postings are built (bounds the memory it takes).
POSTINGS_CHUNK = 32_768
# Small segments are merged once this many of about the same size (a tier) pile up.
MERGE_FACTOR = 4
# A segment with more than this share of its passages removed is rewritten without them.
MAX_DEAD_SHARE = 0.3
# A file changed less than this before we looked at it may change again unseen in the
# same timestamp tick: its stat is not trusted, it is hashed again next time.
RACY_NS = 2_000_000_000
# Articles and passages built for questions that stay alive for the next ones (each table).
KEEP_RECENT = 4096
# Per-term scores kept for the next questions (a common term's are the costliest).
TERM_CACHE_BYTES = 64 * 2**20
_LEGACY = ("processed.npz", "processed.json", "index.npz", "index.json")
_META_FIELDS = ("id", "title", "outlet", "date", "url", "body_start")

# Per-article runs in a segment: (data, pointers). Tokens run per sentence (tok_ptr).
_RUNS = (
    ("names", "names_ptr"),
    ("meta", "meta_ptr"),
    ("text", "text_ptr"),
    ("paragraphs", "para_ptr"),
    ("sentences", "sent_ptr"),
    ("passages", "pass_ptr"),
)
_POINTERS = ("text_ptr", "meta_ptr", "para_ptr", "sent_ptr", "pass_ptr")
_SEGMENT_SCHEMA = {
    "names": ("uint8", 1),
    "names_ptr": ("int64", 1),
    "meta": ("uint8", 1),
    "meta_ptr": ("int64", 1),
    "digests": ("uint8", 2),
    "text": ("uint8", 1),
    "text_ptr": ("int64", 1),
    "paragraphs": ("int32", 2),
    "para_ptr": ("int64", 1),
    "sentences": ("int32", 2),  # paragraph, start, end (offsets into the article's text)
    "sent_ptr": ("int64", 1),
    "tokens": ("int32", 1),
    "tok_ptr": ("int64", 1),
    "passages": ("int32", 2),  # first sentence (within its article), sentence count
    "pass_ptr": ("int64", 1),
    "doc_len": ("int32", 1),
    "post_ptr": ("int64", 1),
    "post_doc": ("int32", 1),
    "post_tf": ("int32", 1),
    "first_doc": ("int32", 1),  # per term: the segment's first passage holding it, or -1
    "first_off": ("int32", 1),  # ... and where in that passage it first is
}
_GENERATION_SCHEMA = {
    "names": ("uint8", 1),
    "names_ptr": ("int64", 1),
    "art_seg": ("int32", 1),
    "art_local": ("int32", 1),
    "stats": ("int64", 2),  # size, mtime_ns, ctime_ns, inode, when it was looked at (ns)
    "pass_off": ("int64", 1),
    "vocab": ("uint8", 1),
    "idf": ("float64", 1),
    "order": ("int32", 1),
}


class StoreError(Exception):
    """The store on disk is unreadable or inconsistent."""


@dataclass(frozen=True)
class LoadStats:
    """What one load took from the store and what it had to process."""

    articles: int
    reused: int
    processed: int
    removed: int
    store: str  # "hit", "updated", "miss", "corrupt", "stale" or "off"
    written: bool
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)


@cache
def processing_version() -> str:
    """A hash of everything that shapes processed articles: code, stopwords, window, nltk."""
    import nltk

    digest = hashlib.sha256(f"format {FORMAT}; nltk {nltk.__version__}".encode())
    for module in (text, chunking, corpus, pipeline):
        digest.update(Path(module.__file__).read_bytes())
    digest.update("\n".join(sorted(text.stopwords())).encode())
    digest.update(f"window {chunking.WINDOW} stride {chunking.STRIDE}".encode())
    return digest.hexdigest()


@cache
def scoring_version() -> str:
    """A hash of what shapes a generation's statistics: the scoring code and k1, b, epsilon."""
    digest = hashlib.sha256(Path(scoring.__file__).read_bytes())
    digest.update(f"{index.K1} {index.B} {index.EPSILON}".encode())
    return digest.hexdigest()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: building many small objects otherwise sets it
    off again and again, each time rescanning everything built so far."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


# -- loading -------------------------------------------------------------------------


def load(
    folder: Path,
    location: Path | None = None,
    *,
    workers: int | None = None,
    use_store: bool = True,
    verify: bool = False,
) -> tuple[ArticleTable, PassageTable, LoadStats]:
    """The folder's articles and passages, from the store where files are unchanged.

    New and edited files are processed (on `workers` processes, see `bot.pipeline`) into
    a new segment and the store is updated; `verify` first checks every byte of the store.
    Raises CorpusError as `load_corpus` does, and then changes nothing.
    """
    started = time.perf_counter()
    phases: dict[str, float] = {}
    if not folder.is_dir():
        raise CorpusError([(str(folder), "is not a folder")])
    location = location or folder / STORE_FOLDER
    with paused_gc():
        looked = time.time_ns()
        files = _scan(folder, looked)
        phases["scan"] = time.perf_counter() - started
        seen = _Opened.manifest_now(location) if use_store else None
        opened, state = _Opened.read(location, verify) if use_store else (None, "off")
        plan = _Plan.make(folder, files, opened)
        phases["open"] = time.perf_counter() - started - phases["scan"]
        written = False
        if not plan.clean:
            with _writer_lock(location if use_store else None) as writable:
                if writable and _Opened.manifest_now(location) != seen:
                    opened, state = _Opened.read(location, verify)  # another process wrote
                    plan = _Plan.make(folder, files, opened)
                if not plan.clean:
                    opened, written = _update(
                        folder, location, opened, plan, workers, writable, phases
                    )
                    if state == "hit":
                        state = "updated"
        assert opened is not None
        articles = ArticleTable(opened, folder)
        passages = PassageTable(opened, articles)
    stats = LoadStats(
        articles=len(articles),
        reused=len(plan.keep),
        processed=len(plan.process),
        removed=plan.removed,
        store=state,
        written=written,
        seconds=time.perf_counter() - started,
        phases=phases,
    )
    log.info(
        "store %s: %d articles reused, %d processed, %d removed%s in %.2f s",
        stats.store,
        stats.reused,
        stats.processed,
        stats.removed,
        ", written" if written else "",
        stats.seconds,
    )
    return articles, passages, stats


def verify(folder: Path, location: Path | None = None) -> list[str]:
    """Every file of the folder's store checked byte for byte: what is wrong, if anything."""
    location = location or folder / STORE_FOLDER
    try:
        body = _read_manifest(location)
    except FileNotFoundError:
        return ["there is no store yet"]
    except StoreError as error:
        return [str(error)]
    return _check_files(location, body["files"])


def _scan(folder: Path, looked: int) -> dict[str, StatKey]:
    """Article file name -> (size, mtime_ns, ctime_ns, inode, when looked at), by name."""
    found = {}
    for entry in article_entries(folder):
        try:
            st = entry.stat()
            found[entry.name] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, looked)
        except OSError:
            found[entry.name] = NO_STAT
    if not found:
        raise CorpusError([(str(folder), "holds no .txt or .md articles")])
    return found


@dataclass
class _Plan:
    """What a load must do: articles kept (with their stat), files to process, removals."""

    keep: dict[str, tuple[int, int, tuple[int, ...]]]  # name -> (segment, local, stat)
    process: list[Path]
    removed: int
    restat: bool  # only stats changed (same bytes): a new generation, no new segment

    @property
    def clean(self) -> bool:
        return not (self.process or self.removed or self.restat)

    @classmethod
    def make(cls, folder: Path, files: dict[str, tuple[int, ...]], opened: _Opened | None) -> _Plan:
        if opened is None:
            return cls({}, [folder / name for name in files], 0, False)
        keep, process, restat = {}, [], opened.rescored
        where = opened.where
        for name, stat in files.items():
            found = where.get(name)
            if found is None:
                process.append(folder / name)
                continue
            number, old = found
            segment, local = int(opened.art_seg[number]), int(opened.art_local[number])
            if _trusted(old, stat):
                keep[name] = (segment, local, old)
                continue
            try:
                digest = hashlib.sha256((folder / name).read_bytes()).digest()
            except OSError:
                digest = b""  # the pipeline reports why it cannot be read
            if digest == opened.segments[segment].digest(local):
                keep[name] = (segment, local, stat)
                restat = restat or _settled(stat)  # worth writing once it will be trusted
            else:
                process.append(folder / name)
        removed = sum(name not in files for name in opened.names)
        return cls(keep, process, removed, restat)


def _trusted(old: StatKey, new: StatKey) -> bool:
    """Same size, mtime, ctime and inode as when last looked at, and settled by then."""
    return old[:4] == new[:4] and _settled(old)


def _settled(stat: StatKey) -> bool:
    """Whether the file had been still for a while when it was looked at, so that a change
    in the same timestamp tick cannot hide behind the same stat (git's racy-clean rule)."""
    return stat != NO_STAT and stat[2] < stat[4] - RACY_NS


@contextmanager
def _writer_lock(location: Path | None) -> Iterator[bool]:
    """An exclusive lock on the store for one writer at a time; yields whether the store
    can be written at all (False: a folder we cannot write to, or no store wanted)."""
    if location is None:
        yield False
        return
    try:
        location.mkdir(parents=True, exist_ok=True)
        handle = open(location / LOCK, "a+b")  # noqa: SIM115 - held across the yield
    except OSError as error:
        log.info("store not written to %s (%s)", location, error.strerror or error)
        yield False
        return
    with handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass  # no advisory locks here: writers still write whole files atomically
        yield True


def _update(
    folder: Path,
    location: Path,
    opened: _Opened | None,
    plan: _Plan,
    workers: int | None,
    writable: bool,
    phases: dict[str, float],
) -> tuple[_Opened, bool]:
    """Process the plan's files, add them as new segments, merge, and commit a generation."""
    started = time.perf_counter()
    vocab = list(opened.vocab) if opened is not None else []
    builder = _SegmentBuilder(vocab)
    stats: dict[str, tuple[int, ...]] = {}
    problems = []
    for batch in process_all(plan.process, workers):
        problems.extend(batch.problems)
        if not problems:
            for article, stat in zip(batch.articles, batch.stats, strict=True):
                stats[article.path.name] = stat
            builder.add(batch)
    if problems:
        raise CorpusError(problems)
    new_segments = builder.finish()
    phases["process"] = time.perf_counter() - started - builder.seconds
    phases["segments"] = builder.seconds
    started = time.perf_counter()

    if opened is not None and not (new_segments or plan.removed or opened.rescored):
        # Only stats changed (same bytes): the same generation with the new stats.
        stats.update({name: stat for name, (_, _, stat) in plan.keep.items()})
        generation = opened.generation.restated([stats[name] for name in opened.names])
        segments = opened.segments
    else:
        segments, generation = _regenerate(opened, plan, new_segments, stats, vocab)
    phases["generation"] = time.perf_counter() - started
    started = time.perf_counter()
    result = _Opened(location, None, segments, generation)
    if opened is not None and opened.manifest is not None:
        result.files = dict(opened.manifest["files"])  # the segments already on disk
    written = writable and result.write()
    if written:  # map what was written: the arrays built in memory can go
        result = _Opened._open(location, result.manifest)
    phases["write"] = time.perf_counter() - started
    return result, written


def _regenerate(
    opened: _Opened | None,
    plan: _Plan,
    new_segments: list[Segment],
    stats: dict[str, StatKey],
    vocab: list[str],
) -> tuple[list[Segment], _Generation]:
    """The kept articles and the new segments' as one generation, after merging segments."""
    segments = list(opened.segments) if opened is not None else []
    live = [(name, segment, local, stat) for name, (segment, local, stat) in plan.keep.items()]
    first_new = len(segments)
    for number, segment in enumerate(new_segments, first_new):
        segments.append(segment)
        live.extend((name, number, local, stats[name]) for local, name in enumerate(segment.names))
    live.sort()
    segments, live = _merge(segments, live, first_new)
    return segments, _Generation.compute(segments, live, vocab)


# -- segments ------------------------------------------------------------------------


class Segment:
    """The arrays of one segment (mapped from disk or in memory) and what derives from them."""

    def __init__(self, name: str, arrays: Mapping[str, np.ndarray]) -> None:
        self.name = name
        self.a = arrays
        self.articles = len(arrays["names_ptr"]) - 1
        self.passages = len(arrays["passages"])
        self.vocab_size = len(arrays["post_ptr"]) - 1

    @cached_property
    def names(self) -> list[str]:
        return _strings(self.a["names"], self.a["names_ptr"])

    @cached_property
    def pointers(self) -> dict[str, list[int]]:
        """The per-article pointer arrays as lists, for building objects one at a time."""
        return {name: self.a[name].tolist() for name in _POINTERS}

    def digest(self, local: int) -> bytes:
        return self.a["digests"][local].tobytes()

    @cached_property
    def passage_article(self) -> np.ndarray:
        """Each passage's article (local number)."""
        return np.repeat(np.arange(self.articles, dtype=np.int64), np.diff(self.a["pass_ptr"]))

    @cached_property
    def passage_tokens(self) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's (start, length) in `tokens`: the run of its sentences' terms."""
        a = self.a
        first = a["sent_ptr"][self.passage_article] + a["passages"][:, 0]
        starts = a["tok_ptr"][first]
        return starts, a["tok_ptr"][first + a["passages"][:, 1]] - starts

    def check(self) -> None:
        """Cheap consistency checks (ends of pointer arrays, shapes): no full read."""
        a, n = self.a, self.articles
        for data, ptr in _RUNS:
            if len(a[ptr]) != n + 1 or (n and (a[ptr][0] != 0 or a[ptr][-1] != len(a[data]))):
                raise StoreError(f"segment {self.name}: {data} pointers do not add up")
        if a["digests"].shape != (n, 32):
            raise StoreError(f"segment {self.name}: digests do not fit")
        widths = {"paragraphs": 2, "sentences": 3, "passages": 2}
        if any(a[name].shape[1] != width for name, width in widths.items()):
            raise StoreError(f"segment {self.name}: offset tables have the wrong width")
        tok = a["tok_ptr"]
        if len(tok) != len(a["sentences"]) + 1 or tok[-1] != len(a["tokens"]):
            raise StoreError(f"segment {self.name}: token pointers do not add up")
        post = a["post_ptr"]
        if (
            len(a["doc_len"]) != self.passages
            or post[-1] != len(a["post_doc"])
            or len(a["post_tf"]) != len(a["post_doc"])
            or len(a["first_doc"]) != self.vocab_size
            or len(a["first_off"]) != self.vocab_size
        ):
            raise StoreError(f"segment {self.name}: postings do not add up")


def _segment_arrays(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A segment's arrays from its articles' runs: passage lengths, postings, first places."""
    segment = Segment("new", {**parts, "doc_len": np.zeros(0), **_empty_postings()})
    starts, lengths = segment.passage_tokens
    tokens = parts["tokens"]
    vocab_size = int(tokens.max()) + 1 if len(tokens) else 0
    post_ptr, post_doc, post_tf = _postings(tokens, starts, lengths, vocab_size)
    held = np.flatnonzero(np.diff(post_ptr) > 0)
    first_doc = np.full(vocab_size, -1, dtype=np.int32)
    first_doc[held] = post_doc[post_ptr[held]]
    first_off = np.full(vocab_size, -1, dtype=np.int32)
    for part in np.array_split(held, max(1, len(held) // POSTINGS_CHUNK)):
        first_off[part] = _first_offsets(tokens, starts, lengths, part, first_doc[part])
    return {
        **parts,
        "doc_len": lengths.astype(np.int32),
        "post_ptr": post_ptr,
        "post_doc": post_doc,
        "post_tf": post_tf,
        "first_doc": first_doc,
        "first_off": first_off,
    }


def _postings(
    tokens: np.ndarray, starts: np.ndarray, lengths: np.ndarray, vocab_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per term (CSR): the passages holding it, ascending, and its frequency in each.

    Passages are counted a chunk at a time (their pairs sorted by term, then passage), and
    each chunk's pairs are then placed after the earlier chunks' pairs of the same term:
    memory stays a few bytes per pair, with no sort over the whole segment.
    """
    chunks = []
    counts = np.zeros(vocab_size, dtype=np.int64)
    for first in range(0, len(lengths), POSTINGS_CHUNK):
        last = min(first + POSTINGS_CHUNK, len(lengths))
        span = lengths[first:last]
        ids = tokens[_ranges(starts[first:last], span)].astype(np.int64)
        keys = ids * (last - first) + np.repeat(np.arange(last - first, dtype=np.int64), span)
        del ids
        keys.sort()
        runs = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        tf = np.diff(np.append(runs, len(keys))).astype(np.int32)
        pairs = keys[runs]
        terms = (pairs // (last - first)).astype(np.int32)
        docs = (pairs % (last - first) + first).astype(np.int32)
        counts += np.bincount(terms, minlength=vocab_size)
        chunks.append((terms, docs, tf))
    post_ptr = _offsets(counts)
    post_doc = np.zeros(int(post_ptr[-1]), dtype=np.int32)
    post_tf = np.zeros(int(post_ptr[-1]), dtype=np.int32)
    cursor = post_ptr[:-1].copy()
    while chunks:
        terms, docs, tf = chunks.pop(0)
        runs = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1])))
        run_terms, run_lengths = terms[runs], np.diff(np.append(runs, len(terms)))
        where = cursor[terms] + np.arange(len(terms)) - np.repeat(runs, run_lengths)
        post_doc[where], post_tf[where] = docs, tf
        cursor[run_terms] += run_lengths
    return post_ptr, post_doc, post_tf


def _empty_postings() -> dict[str, np.ndarray]:
    return {
        "post_ptr": np.zeros(1, np.int64),
        "post_doc": np.zeros(0, np.int32),
        "post_tf": np.zeros(0, np.int32),
        "first_doc": np.zeros(0, np.int32),
        "first_off": np.zeros(0, np.int32),
    }


def _first_offsets(
    tokens: np.ndarray, starts: np.ndarray, lengths: np.ndarray, terms: np.ndarray, docs
) -> np.ndarray:
    """For each (term, passage) pair, where in the passage the term first is."""
    spans = lengths[docs]
    where = _ranges(starts[docs], spans)
    owner = np.repeat(np.arange(len(terms), dtype=np.int64), spans)
    hits = np.flatnonzero(tokens[where] == terms[owner])
    owners = owner[hits]
    firsts = hits[np.concatenate(([True], owners[1:] != owners[:-1]))] if len(hits) else hits
    if len(firsts) != len(terms):
        raise StoreError("a term is missing from the passage its postings name")
    return (firsts - _offsets(spans)[:-1]).astype(np.int32)


class _SegmentBuilder:
    """Collects processed batches into segments of about SEGMENT_PASSAGES passages each."""

    def __init__(self, vocab: list[str]) -> None:
        self.vocab = vocab  # extended in place: the generation's vocabulary
        self.numbers = {term: number for number, term in enumerate(vocab)}
        self.pending: list[dict[str, np.ndarray]] = []
        self.pending_passages = 0
        self.segments: list[Segment] = []
        self.seconds = 0.0

    def add(self, batch: Batch) -> None:
        started = time.perf_counter()
        if batch.articles:
            self.pending.append(self._runs(batch))
            self.pending_passages += len(batch.layout)
        if self.pending_passages >= SEGMENT_PASSAGES:
            self._flush()
        self.seconds += time.perf_counter() - started

    def finish(self) -> list[Segment]:
        started = time.perf_counter()
        self._flush()
        self.seconds += time.perf_counter() - started
        return self.segments

    def _flush(self) -> None:
        pending, self.pending, self.pending_passages = self.pending, [], 0
        if pending:
            joined = _concat(pending)
            del pending  # the parts are in `joined` now
            self.segments.append(Segment(_new_name("seg"), _segment_arrays(joined)))

    def _runs(self, batch: Batch) -> dict[str, np.ndarray]:
        numbers, vocab = self.numbers, self.vocab
        fresh = [term for term in batch.vocab if term not in numbers]
        numbers.update(zip(fresh, range(len(vocab), len(vocab) + len(fresh)), strict=True))
        vocab.extend(fresh)
        ids = np.array([numbers[term] for term in batch.vocab], dtype=np.int32)
        articles = batch.articles
        names = [a.path.name.encode("utf-8") for a in articles]
        meta = [json.dumps([getattr(a, f) for f in _META_FIELDS]).encode("utf-8") for a in articles]
        texts = [a.text.encode("utf-8") for a in articles]
        paragraphs = [span for a in articles for span in a.paragraphs]
        return {
            "names": _bytes(b"".join(names)),
            "names_ptr": _offsets([len(n) for n in names]),
            "meta": _bytes(b"".join(meta)),
            "meta_ptr": _offsets([len(m) for m in meta]),
            "digests": np.frombuffer(
                b"".join(bytes.fromhex(a.digest) for a in articles), dtype=np.uint8
            ).reshape(-1, 32),
            "text": _bytes(b"".join(texts)),
            "text_ptr": _offsets([len(t) for t in texts]),
            "paragraphs": np.array(paragraphs, dtype=np.int32).reshape(-1, 2),
            "para_ptr": _offsets([len(a.paragraphs) for a in articles]),
            "sentences": batch.sentences,
            "sent_ptr": _offsets(batch.sentence_counts),
            "tokens": ids[batch.tokens] if len(batch.tokens) else np.zeros(0, np.int32),
            "tok_ptr": _offsets(batch.token_counts),
            "passages": batch.layout,
            "pass_ptr": _offsets(batch.passage_counts),
        }


def _concat(many: list[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Several segments' article runs as one, in order."""
    joined = {"digests": np.concatenate([m["digests"] for m in many])}
    for data, ptr in (*_RUNS, ("tokens", "tok_ptr")):
        joined[data] = np.concatenate([m[data] for m in many])
        joined[ptr] = _offsets(np.concatenate([np.diff(m[ptr]) for m in many]))
    return joined


def _select(arrays: Mapping[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The article runs of the articles numbered `rows`, in that order."""
    rows = np.asarray(rows, dtype=np.int64)
    chosen = {"digests": arrays["digests"][rows]}
    for data, ptr in _RUNS:
        starts = arrays[ptr][rows]
        lengths = arrays[ptr][rows + 1] - starts
        chosen[data] = arrays[data][_ranges(starts, lengths)]
        chosen[ptr] = _offsets(lengths)
    sent_ptr, tok_ptr = arrays["sent_ptr"], arrays["tok_ptr"]
    sentences = _ranges(sent_ptr[rows], sent_ptr[rows + 1] - sent_ptr[rows])
    chosen["tok_ptr"] = _offsets(np.diff(tok_ptr)[sentences])
    starts = tok_ptr[sent_ptr[rows]]
    chosen["tokens"] = arrays["tokens"][_ranges(starts, tok_ptr[sent_ptr[rows + 1]] - starts)]
    return chosen


def _merge(
    segments: list[Segment], live: list[tuple], first_new: int
) -> tuple[list[Segment], list[tuple]]:
    """Merge segments the way a log-structured index does (tantivy, Lucene): drop segments
    nothing lives in; merge small segments of about the same size once MERGE_FACTOR of
    them pile up (sizes in tiers growing by MERGE_FACTOR, so an article is rewritten about
    log(size) times in all); never merge big ones (from a cold build); rewrite a segment
    with more than MAX_DEAD_SHARE of its passages removed. Returns the segments and `live`
    with segment numbers for the new list."""
    alive = np.zeros(len(segments), dtype=np.int64)
    holders: dict[int, list[int]] = {}
    for position, (_, segment, local, _) in enumerate(live):
        holders.setdefault(segment, []).append(position)
        ptr = segments[segment].pointers["pass_ptr"]
        alive[segment] += ptr[local + 1] - ptr[local]
    used = [number for number in range(len(segments)) if number in holders]
    tiers: dict[int, list[int]] = {}
    for number in used:
        if alive[number] < SEGMENT_PASSAGES // 4:
            tier = int(math.log(max(int(alive[number]), 1), MERGE_FACTOR))
            tiers.setdefault(tier, []).append(number)
    groups = [members for members in tiers.values() if len(members) >= MERGE_FACTOR]
    grouped = {number for members in groups for number in members}
    for number in used:
        total = segments[number].passages
        dead_share = (total - alive[number]) / total if total else 0.0
        if number < first_new and number not in grouped and dead_share > MAX_DEAD_SHARE:
            groups.append([number])
    merging = {number for members in groups for number in members}
    kept = [number for number in used if number not in merging]
    renumber = {old: new for new, old in enumerate(kept)}
    result = [segments[number] for number in kept]
    live = [(n, renumber.get(s, -1), local, stat) for n, s, local, stat in live]
    for members in groups:
        log.info("merging %d segments", len(members))
        merged, order = _merged(segments, members, holders, live)
        number = len(result)
        result.append(merged)
        for local, position in enumerate(order):
            name, _, _, stat = live[position]
            live[position] = (name, number, local, stat)
    return result, live


def _merged(
    segments: list[Segment], members: list[int], holders: dict[int, list[int]], live: list
) -> tuple[Segment, list[int]]:
    """One segment of the live articles of `members`, by name; and their places in `live`."""
    parts, places = [], []
    for number in members:
        parts.append(_select(segments[number].a, np.array([live[p][2] for p in holders[number]])))
        places.extend(holders[number])
    by_name = sorted(range(len(places)), key=places.__getitem__)  # `live` is sorted by name
    joined = _select(_concat(parts), np.array(by_name, dtype=np.int64))
    return Segment(_new_name("seg"), _segment_arrays(joined)), sorted(places)


# -- generations ---------------------------------------------------------------------


@dataclass
class _Generation:
    """Which articles are live where, in corpus order, and the BM25 statistics of them."""

    name: str
    arrays: dict[str, np.ndarray]
    scalars: dict  # corpus_size, avgdl, average_idf, max_idf, total_terms, ...
    positions: list[np.ndarray | int]  # per segment: its passages' corpus positions, or a base

    @classmethod
    def compute(cls, segments: list[Segment], live: list[tuple], vocab: list[str]) -> _Generation:
        names = [name.encode("utf-8") for name, *_ in live]
        art_seg = np.array([s for _, s, _, _ in live], dtype=np.int32)
        art_local = np.array([local for _, _, local, _ in live], dtype=np.int32)
        stats = np.array([stat for *_, stat in live], dtype=np.int64).reshape(-1, 5)
        counts = np.zeros(len(live), dtype=np.int64)
        for number, segment in enumerate(segments):
            mine = art_seg == number
            ptr = segment.a["pass_ptr"]
            counts[mine] = ptr[art_local[mine] + 1] - ptr[art_local[mine]]
        pass_off = _offsets(counts)
        positions: list[np.ndarray | int] = []
        for number, segment in enumerate(segments):
            mine = np.flatnonzero(art_seg == number)
            ptr = segment.a["pass_ptr"]
            remap = np.full(segment.passages, -1, dtype=np.int32)
            remap[_ranges(ptr[art_local[mine]], counts[mine])] = _ranges(
                pass_off[mine], counts[mine]
            )
            base = int(remap[0]) if len(remap) else 0
            contiguous = len(remap) == 0 or (
                remap[0] >= 0 and np.array_equal(remap, base + np.arange(len(remap)))
            )
            positions.append(base if contiguous else remap)
        arrays = {
            "names": _bytes(b"".join(names)),
            "names_ptr": _offsets([len(n) for n in names]),
            "art_seg": art_seg,
            "art_local": art_local,
            "stats": stats,
            "pass_off": pass_off,
            "vocab": _bytes("\n".join(vocab).encode("utf-8")),
        }
        generation = cls(_new_name("gen"), arrays, {}, positions)
        generation._statistics(segments, len(vocab))
        return generation

    def restated(self, stats: list[StatKey]) -> _Generation:
        """This generation with new file stats (the same bytes, looked at again)."""
        arrays = {**self.arrays, "stats": np.array(stats, dtype=np.int64).reshape(-1, 5)}
        return _Generation(_new_name("gen"), arrays, self.scalars, self.positions)

    def _statistics(self, segments: list[Segment], vocab_size: int) -> None:
        """df, avgdl and rank-bm25's idf and term order over the live passages only."""
        df = np.zeros(vocab_size, dtype=np.int64)
        first_pos = np.full(vocab_size, np.iinfo(np.int64).max, dtype=np.int64)
        first_off = np.zeros(vocab_size, dtype=np.int64)
        total_terms = passage_sentences = 0
        for segment, positions in zip(segments, self.positions, strict=True):
            a, size = segment.a, segment.vocab_size
            doc_len = a["doc_len"]
            seg_df = np.diff(a["post_ptr"])
            first_doc = a["first_doc"].astype(np.int64)
            offsets = a["first_off"].astype(np.int64)
            if isinstance(positions, int):
                total_terms += int(doc_len.sum(dtype=np.int64))
                passage_sentences += int(a["passages"][:, 1].sum(dtype=np.int64))
                where = np.where(first_doc >= 0, positions + first_doc, -1)
            else:
                dead = np.flatnonzero(positions < 0)
                lively = np.flatnonzero(positions >= 0)
                total_terms += int(doc_len[lively].sum(dtype=np.int64))
                passage_sentences += int(a["passages"][lively, 1].sum(dtype=np.int64))
                seg_df = seg_df - _dead_df(segment, dead, size)
                first_doc, offsets = _first_live(segment, positions, len(dead), seg_df)
                where = np.where(first_doc >= 0, positions[np.maximum(first_doc, 0)], -1)
            df[:size] += seg_df
            better = (where >= 0) & (
                (where < first_pos[:size])
                | ((where == first_pos[:size]) & (offsets < first_off[:size]))
            )
            first_pos[:size][better] = where[better]
            first_off[:size][better] = offsets[better]
        corpus_size = int(self.arrays["pass_off"][-1])
        held = np.flatnonzero(df > 0)
        order = held[np.lexsort((first_off[held], first_pos[held]))].astype(np.int32)
        vocab = _strings_split(self.arrays["vocab"], "\n", vocab_size)
        if corpus_size and len(order):
            idf, average_idf = okapi_idf(vocab, df, order, corpus_size, index.EPSILON)
            max_idf = float(idf[order].max())
        else:
            idf, average_idf, max_idf = np.full(vocab_size, np.nan), 0.0, 0.0
        self.arrays["idf"] = idf
        self.arrays["order"] = order
        self.scalars = {
            "corpus_size": corpus_size,
            "avgdl": total_terms / corpus_size if corpus_size else 0.0,
            "average_idf": average_idf,
            "max_idf": max_idf,
            "total_terms": total_terms,
            "passage_sentences": passage_sentences,
            "params": [index.K1, index.B, index.EPSILON],
        }


def _dead_df(segment: Segment, dead: np.ndarray, size: int) -> np.ndarray:
    """How many removed passages hold each term."""
    if not len(dead) or not size:
        return np.zeros(size, dtype=np.int64)
    starts, lengths = segment.passage_tokens
    ids = segment.a["tokens"][_ranges(starts[dead], lengths[dead])].astype(np.int64)
    owner = np.repeat(np.arange(len(dead), dtype=np.int64), lengths[dead])
    pairs = np.unique(owner * size + ids)
    return np.bincount(pairs % size, minlength=size)


def _first_live(
    segment: Segment, positions: np.ndarray, dead: int, live_df: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per term, the segment's first live passage holding it (-1 if none) and where in it."""
    a = segment.a
    first_doc = a["first_doc"].astype(np.int64)
    offsets = a["first_off"].astype(np.int64)
    first_doc[live_df <= 0] = -1
    stale = np.flatnonzero((first_doc >= 0) & (positions[np.maximum(first_doc, 0)] < 0))
    if len(stale):
        # At most `dead` postings of a term are dead: its first live one is among dead + 1.
        ptr = a["post_ptr"]
        spans = np.minimum(ptr[stale + 1] - ptr[stale], dead + 1)
        where = _ranges(ptr[stale], spans)
        owner = np.repeat(np.arange(len(stale), dtype=np.int64), spans)
        docs = a["post_doc"][where].astype(np.int64)
        hits = np.flatnonzero(positions[docs] >= 0)
        owners = owner[hits]
        keep = np.concatenate(([True], owners[1:] != owners[:-1])) if len(hits) else hits
        found_docs = docs[hits[keep]]
        if len(found_docs) != len(stale):
            raise StoreError("a term's live postings are not where its counts say")
        first_doc[stale] = found_docs
        starts, lengths = segment.passage_tokens
        offsets[stale] = _first_offsets(a["tokens"], starts, lengths, stale, found_docs)
    return first_doc, offsets


# -- the store on disk ---------------------------------------------------------------


class _Opened:
    """A store's segments and generation, mapped from disk or just built in memory."""

    def __init__(
        self,
        location: Path,
        manifest: dict | None,
        segments: list[Segment],
        generation: _Generation,
        rescored: bool = False,
    ) -> None:
        self.location = location
        self.manifest = manifest
        self.segments = segments
        self.generation = generation
        self.rescored = rescored  # statistics from other scoring code: compute them again
        self.files: dict = dict(manifest["files"]) if manifest else {}  # on disk, checksummed
        g = generation.arrays
        self.art_seg, self.art_local = g["art_seg"], g["art_local"]
        self.pass_off = g["pass_off"]
        self.stats = g["stats"]
        self.scalars = generation.scalars

    @cached_property
    def names(self) -> list[str]:
        return _strings(self.generation.arrays["names"], self.generation.arrays["names_ptr"])

    @cached_property
    def passage_offsets(self) -> list[int]:
        """Where each article's passages begin in corpus order (and the total, last)."""
        return self.pass_off.tolist()

    @cached_property
    def _homes(self) -> list[tuple[Segment, int]]:
        segments = self.segments
        return [
            (segments[s], local)
            for s, local in zip(self.art_seg.tolist(), self.art_local.tolist(), strict=True)
        ]

    def where_article(self, number: int) -> tuple[Segment, int]:
        """The segment holding article `number` (in corpus order) and its number there."""
        return self._homes[number]

    @cached_property
    def where(self) -> dict[str, tuple[int, tuple[int, ...]]]:
        stats = self.stats.tolist()
        return {name: (n, tuple(stats[n])) for n, name in enumerate(self.names)}

    @cached_property
    def vocab(self) -> list[str]:
        arrays = self.generation.arrays
        return _strings_split(arrays["vocab"], "\n", len(arrays["idf"]))

    @cached_property
    def term_ids(self) -> dict[str, int]:
        return {term: number for number, term in enumerate(self.vocab)}

    @staticmethod
    def manifest_now(location: Path) -> dict | None:
        """The manifest as it is on disk now (None if there is none or it is unreadable)."""
        try:
            return _read_manifest(location)
        except (FileNotFoundError, StoreError):
            return None

    @classmethod
    def read(cls, location: Path, verify: bool) -> tuple[_Opened | None, str]:
        """The store at `location` if it is whole and of this version, and why not if not."""
        for attempt in range(2):
            try:
                body = _read_manifest(location)
            except (FileNotFoundError, NotADirectoryError):
                return None, "miss"
            except StoreError as error:
                log.warning("store manifest unusable (%s); rebuilding", error)
                return None, "corrupt"
            if body.get("format") != FORMAT or body.get("version") != processing_version():
                log.info("store is from other processing code; rebuilding")
                return None, "stale"
            try:
                if verify and (problems := _check_files(location, body["files"])):
                    raise StoreError("; ".join(problems))
                return cls._open(location, body), "hit"
            except FileNotFoundError:
                if attempt == 0:
                    continue  # a writer replaced the store as we read it: read it again
                log.warning("store files are missing; rebuilding")
            except (OSError, ValueError, KeyError, TypeError, IndexError, StoreError) as error:
                log.warning("store is corrupt (%s); rebuilding", error)
            return None, "corrupt"
        return None, "corrupt"

    @classmethod
    def _open(cls, location: Path, body: dict) -> _Opened:
        files = body["files"]
        segments = []
        for entry in body["segments"]:
            arrays = _map_folder(location, entry["name"], _SEGMENT_SCHEMA, files)
            segment = Segment(entry["name"], arrays)
            segment.check()
            segments.append(segment)
        gen = body["generation"]
        schema = dict(_GENERATION_SCHEMA)
        for number, entry in enumerate(body["segments"]):
            if entry["base"] is None:
                schema[f"remap-{number}"] = ("int32", 1)
        arrays = _map_folder(location, gen["name"], schema, files)
        positions = [
            entry["base"] if entry["base"] is not None else arrays[f"remap-{number}"]
            for number, entry in enumerate(body["segments"])
        ]
        generation = _Generation(gen["name"], arrays, gen["scalars"], positions)
        _check_generation(segments, generation)
        rescored = body.get("scoring") != scoring_version()
        return cls(location, body, segments, generation, rescored)

    def write(self) -> bool:
        """Write new segments and the generation, verify them, then the manifest; clean up."""
        location = self.location
        try:
            kept = {segment.name for segment in self.segments}
            files = {p: entry for p, entry in self.files.items() if p.split("/")[0] in kept}
            for segment in self.segments:
                if not any(path.startswith(segment.name + "/") for path in files):
                    files.update(_write_folder(location, segment.name, segment.a))
            g = self.generation
            arrays = dict(g.arrays)
            for number, positions in enumerate(g.positions):
                if not isinstance(positions, int):
                    arrays[f"remap-{number}"] = positions
            files.update(_write_folder(location, g.name, arrays))
            body = {
                "format": FORMAT,
                "version": processing_version(),
                "scoring": scoring_version(),
                "segments": [
                    {"name": s.name, "base": p if isinstance(p, int) else None}
                    for s, p in zip(self.segments, g.positions, strict=True)
                ],
                "generation": {"name": g.name, "scalars": g.scalars},
                "files": files,
            }
            _write_manifest(location, body)
        except OSError as error:
            log.info("store not written to %s (%s)", location, error.strerror or error)
            return False
        self.manifest, self.files = body, files
        _collect_garbage(location, {path.split("/")[0] for path in files})
        return True


def _check_generation(segments: list[Segment], generation: _Generation) -> None:
    """The generation's small tables against its segments (reads only per-article arrays)."""
    g, scalars = generation.arrays, generation.scalars
    n = len(g["art_seg"])
    if len(g["names_ptr"]) != n + 1 or g["names_ptr"][-1] != len(g["names"]):
        raise StoreError("generation names do not add up")
    if len(g["art_local"]) != n or g["stats"].shape != (n, 5) or len(g["pass_off"]) != n + 1:
        raise StoreError("generation tables differ in length")
    if n and (g["art_seg"].min() < 0 or g["art_seg"].max() >= len(segments)):
        raise StoreError("generation names a segment that is not there")
    counts = np.zeros(n, dtype=np.int64)
    for number, (segment, positions) in enumerate(zip(segments, generation.positions, strict=True)):
        mine = g["art_seg"] == number
        local = g["art_local"][mine]
        if len(local) and (local.min() < 0 or local.max() >= segment.articles):
            raise StoreError("generation names an article that is not there")
        ptr = segment.a["pass_ptr"]
        counts[mine] = ptr[local + 1] - ptr[local]
        if not isinstance(positions, int) and len(positions) != segment.passages:
            raise StoreError("generation positions do not fit their segment")
    if not np.array_equal(np.diff(g["pass_off"]), counts) or g["pass_off"][0] != 0:
        raise StoreError("generation passage counts do not match the segments")
    vocab_size = max((s.vocab_size for s in segments), default=0)
    if len(g["idf"]) < vocab_size or scalars["corpus_size"] != int(g["pass_off"][-1]):
        raise StoreError("generation statistics do not fit")


def _map_folder(
    location: Path, folder: str, schema: dict[str, tuple[str, int]], files: dict
) -> dict[str, np.ndarray]:
    """Each array of a folder, memory-mapped, after checking its size and header."""
    arrays = {}
    for name, (dtype, ndim) in schema.items():
        path = f"{folder}/{name}.npy"
        if path not in files:
            raise StoreError(f"{path} is not in the manifest")
        full = location / path
        if full.stat().st_size != files[path][0]:
            raise StoreError(f"{path} has the wrong size")
        array = np.load(full, mmap_mode="r", allow_pickle=False)
        if array.dtype != np.dtype(dtype) or array.ndim != ndim:
            raise StoreError(f"{path} is not {dtype} in {ndim} dimensions")
        # A plain array over the same mapping: np.memmap's slicing costs microseconds a call.
        arrays[name] = array.view(np.ndarray) if isinstance(array, np.memmap) else array
    return arrays


def _write_folder(location: Path, folder: str, arrays: Mapping[str, np.ndarray]) -> dict:
    """Write each array as `<folder>/<name>.npy` (in a temporary folder renamed at the end),
    then read each back: its data must hash as the array in memory did, and the file's
    sha256 goes in the manifest. No array is copied to do it."""
    location.mkdir(parents=True, exist_ok=True)
    temporary = location / f"{folder}.tmp-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    entries = {}
    try:
        for name, array in arrays.items():
            array = np.ascontiguousarray(array)
            intended = hashlib.sha256(array.data).hexdigest()
            path = temporary / f"{name}.npy"
            with open(path, "wb") as handle:
                np.save(handle, array, allow_pickle=False)
            size, digest, data_digest = _read_back(path)
            if data_digest != intended:
                raise OSError(f"{path} does not read back as written")
            entries[f"{folder}/{name}.npy"] = [size, digest]
        os.replace(temporary, location / folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return entries


def _read_back(path: Path) -> tuple[int, str, str]:
    """A .npy file's size, its sha256, and the sha256 of its data after the header."""
    whole, data = hashlib.sha256(), hashlib.sha256()
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            np.lib.format.read_array_header_1_0(handle)
        else:
            np.lib.format.read_array_header_2_0(handle)
        header = handle.tell()
        handle.seek(0)
        whole.update(handle.read(header))
        while chunk := handle.read(1 << 22):
            whole.update(chunk)
            data.update(chunk)
        size = handle.tell()
    return size, whole.hexdigest(), data.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _check_files(location: Path, files: dict) -> list[str]:
    problems = []
    for path, (size, digest) in files.items():
        full = location / path
        try:
            if full.stat().st_size != size or _sha256(full) != digest:
                problems.append(f"{path} does not match its checksum")
        except OSError as error:
            problems.append(f"{path} cannot be read ({error.strerror or error})")
    return problems


def _read_manifest(location: Path) -> dict:
    """The manifest's body, if its checksum holds; FileNotFoundError if there is none."""
    try:
        raw = json.loads((location / MANIFEST).read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(location / MANIFEST) from None
    except (OSError, ValueError) as error:
        raise StoreError(f"manifest unreadable ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), dict):
        raise StoreError("manifest has no body")
    if raw.get("sha256") != _manifest_digest(raw["body"]):
        raise StoreError("manifest does not match its checksum")
    return raw["body"]


def _manifest_digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def _write_manifest(location: Path, body: dict) -> None:
    data = json.dumps({"body": body, "sha256": _manifest_digest(body)}, indent=1)
    temporary = location / f"{MANIFEST}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        temporary.write_text(data, "utf-8")
        os.replace(temporary, location / MANIFEST)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _collect_garbage(location: Path, referenced: set[str]) -> None:
    """Remove segments and generations no manifest names (a running engine keeps its
    mapped files: unlinking does not take pages from under a mapping), and old cache files."""
    for entry in location.iterdir():
        name = entry.name
        ours = name.startswith(("seg-", "gen-")) or ".tmp-" in name or name in _LEGACY
        if ours and name not in referenced:
            with contextlib.suppress(OSError):
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()


def _new_name(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"


# -- what the engine sees ------------------------------------------------------------


class _Objects:
    """Objects built on demand by number: the same object while anyone holds it, and the
    most recent few kept."""

    def __init__(self, make: Callable[[int], object], keep: int = KEEP_RECENT) -> None:
        self._make = make
        self._weak: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._recent: deque = deque(maxlen=keep)
        self._lock = threading.Lock()

    def get(self, number: int):
        with self._lock:
            found = self._weak.get(number)
            if found is None:
                found = self._make(number)
                self._weak[number] = found
                self._recent.append(found)
            return found


class _Table(Sequence):
    """A read-only sequence of objects built on demand; `+` and `*` give tuples."""

    def __init__(self, size: int, make: Callable[[int], object]) -> None:
        self._size = size
        self._objects = _Objects(make)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self._objects.get(i) for i in range(*key.indices(self._size))]
        number = int(key)
        if number < 0:
            number += self._size
        if not 0 <= number < self._size:
            raise IndexError("index out of range")
        return self._objects.get(number)

    def __iter__(self):
        return (self._objects.get(i) for i in range(self._size))

    def __add__(self, other):
        return tuple(self) + tuple(other)

    def __radd__(self, other):
        return tuple(other) + tuple(self)

    def __mul__(self, times: int):
        return tuple(self) * times

    __rmul__ = __mul__

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class ArticleTable(_Table):
    """The corpus's articles in file-name order, each built from the store when asked for."""

    def __init__(self, opened: _Opened, folder: Path) -> None:
        super().__init__(len(opened.art_seg), self._article)
        self._opened = opened
        self.folder = folder

    @cached_property
    def ids(self) -> list[str]:
        """Every article's id (its file's stem), without building the articles."""
        return [os.path.splitext(name)[0] for name in self._opened.names]

    def _article(self, number: int) -> Article:
        opened = self._opened
        segment, local = opened.where_article(number)
        a, ptr = segment.a, segment.pointers
        start, end = ptr["text_ptr"][local : local + 2]
        text = a["text"][start:end].tobytes().decode("utf-8")
        start, end = ptr["meta_ptr"][local : local + 2]
        meta = json.loads(a["meta"][start:end].tobytes())
        start, end = ptr["para_ptr"][local : local + 2]
        return Article(
            path=self.folder / opened.names[number],
            text=text,
            paragraphs=tuple(map(tuple, a["paragraphs"][start:end].tolist())),
            digest=segment.digest(local).hex(),
            **dict(zip(_META_FIELDS, meta, strict=True)),
        )


class PassageTable(_Table):
    """The corpus's passages in corpus order, each built from the store when asked for.

    `model` is the BM25 model over exactly these passages (see `StoredOkapi`).
    """

    def __init__(self, opened: _Opened, articles: ArticleTable) -> None:
        super().__init__(int(opened.scalars["corpus_size"]), self._passage)
        self._opened = opened
        self.articles = articles
        self.model = StoredOkapi(opened) if len(self) else None

    @property
    def sentence_total(self) -> int:
        """Sentences summed over passages (a sentence counts in every window holding it)."""
        return int(self._opened.scalars["passage_sentences"])

    @property
    def term_total(self) -> int:
        """Terms summed over passages."""
        return int(self._opened.scalars["total_terms"])

    def passage_counts(self) -> dict[str, int]:
        """Passages per article id, without building any."""
        counts = np.diff(self._opened.pass_off).tolist()
        found = dict.fromkeys(self.articles.ids, 0)
        for article_id, count in zip(self.articles.ids, counts, strict=True):
            found[article_id] += count
        return found

    @cached_property
    def matrix(self) -> TermMatrix:
        """Every passage's term ids, in corpus order (for an index with other parameters)."""
        opened = self._opened
        owner = np.zeros(len(self), dtype=np.int64)
        local = np.zeros(len(self), dtype=np.int64)
        for number, (segment, positions) in enumerate(
            zip(opened.segments, opened.generation.positions, strict=True)
        ):
            if isinstance(positions, int):
                places = positions + np.arange(segment.passages)
                lively = np.arange(segment.passages)
            else:
                lively = np.flatnonzero(positions >= 0)
                places = positions[lively]
            owner[places], local[places] = number, lively
        tokens = [segment.a["tokens"] for segment in opened.segments]
        shift = _offsets([len(t) for t in tokens])
        starts = np.zeros(len(self), dtype=np.int64)
        lengths = np.zeros(len(self), dtype=np.int64)
        for number, segment in enumerate(opened.segments):
            mine = owner == number
            seg_starts, seg_lengths = segment.passage_tokens
            starts[mine] = seg_starts[local[mine]] + shift[number]
            lengths[mine] = seg_lengths[local[mine]]
        every = np.concatenate([np.zeros(0, np.int32), *tokens])
        return TermMatrix(tuple(opened.vocab), _offsets(lengths), every[_ranges(starts, lengths)])

    def _passage(self, position: int) -> Passage:
        opened = self._opened
        number = bisect.bisect_right(opened.passage_offsets, position) - 1
        segment, local = opened.where_article(number)
        a, ptr = segment.a, segment.pointers
        row = ptr["pass_ptr"][local] + position - opened.passage_offsets[number]
        first, count = a["passages"][row].tolist()
        first += ptr["sent_ptr"][local]
        bounds = a["tok_ptr"][first : first + count + 1].tolist()
        vocab = opened.vocab
        terms = [vocab[i] for i in a["tokens"][bounds[0] : bounds[-1]].tolist()]
        base = bounds[0]
        sentences = tuple(
            Sentence(paragraph, start, end, tuple(terms[bounds[k] - base : bounds[k + 1] - base]))
            for k, (paragraph, start, end) in enumerate(
                a["sentences"][first : first + count].tolist()
            )
        )
        return Passage(self.articles[number], sentences)


class _Idf(Mapping):
    """Term -> idf (floored) for the terms some passage holds, in rank-bm25's order."""

    def __init__(self, opened: _Opened) -> None:
        self._opened = opened
        self._idf = opened.generation.arrays["idf"]
        self._order = opened.generation.arrays["order"]

    def __getitem__(self, term: str) -> float:
        number = self._opened.term_ids[term]
        value = float(self._idf[number])
        if value != value:  # NaN: only removed passages held it
            raise KeyError(term)
        return value

    def __iter__(self):
        vocab = self._opened.vocab
        return (vocab[i] for i in self._order.tolist())

    def __len__(self) -> int:
        return len(self._order)


class StoredOkapi:
    """rank-bm25's Okapi BM25 over a store: the generation's statistics (rank-bm25's own
    idf, avgdl), and each term's scores computed at query time from its postings' term
    frequencies and passage lengths, as Lucene does, with rank-bm25's operations: the
    same numbers as `bot.scoring.Okapi`, bit for bit, with nothing rebuilt per change."""

    def __init__(self, opened: _Opened) -> None:
        scalars = opened.scalars
        self.k1, self.b, self.epsilon = scalars["params"]
        self.corpus_size = int(scalars["corpus_size"])
        self.avgdl = scalars["avgdl"]
        self.average_idf = scalars["average_idf"]
        self.max_idf = scalars["max_idf"]
        self.idf = _Idf(opened)
        self._opened = opened
        self._idf = opened.generation.arrays["idf"]
        self._cache: OrderedDict[int, list[tuple[np.ndarray, np.ndarray]]] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()

    @cached_property
    def _parts(self) -> list[tuple]:
        """Per segment: postings, length norms, and where its passages sit (or a base)."""
        parts = []
        for segment, positions in zip(
            self._opened.segments, self._opened.generation.positions, strict=True
        ):
            a = segment.a
            norms = length_norms(a["doc_len"], self.k1, self.b, self.avgdl)
            dead = not isinstance(positions, int) and bool((positions < 0).any())
            postings = (a["post_ptr"], a["post_doc"], a["post_tf"])
            parts.append((segment.vocab_size, *postings, norms, positions, dead))
        return parts

    @property
    def doc_len(self) -> np.ndarray:
        """Each passage's length in terms, in corpus order."""
        found = np.zeros(self.corpus_size, dtype=np.int64)
        for (_, _, _, _, _, positions, _), segment in zip(
            self._parts, self._opened.segments, strict=True
        ):
            lengths = segment.a["doc_len"]
            if isinstance(positions, int):
                found[positions : positions + len(lengths)] = lengths
            else:
                lively = positions >= 0
                found[positions[lively]] = lengths[lively]
        return found

    def _add(self, total: np.ndarray, term: str, weight: float | None) -> None:
        for places, scores in self._term_scores(term):
            if weight is None:
                total[places] += scores
            else:
                total[places] += weight * scores

    def _term_scores(self, term: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """The term's score in each passage holding it, as (corpus positions, scores) per
        segment; the most recent terms' are kept (up to TERM_CACHE_BYTES): a common term
        costs the most and comes back the most."""
        number = self._opened.term_ids.get(term)
        if number is None:
            return []
        with self._lock:
            found = self._cache.get(number)
            if found is not None:
                self._cache.move_to_end(number)
                return found
        idf = float(self._idf[number])
        found = [] if idf != idf else self._compute(number, idf)
        size = sum(places.nbytes + scores.nbytes for places, scores in found)
        with self._lock:
            self._cache[number] = found
            self._cached_bytes += size
            while self._cached_bytes > TERM_CACHE_BYTES and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= sum(p.nbytes + s.nbytes for p, s in dropped)
        return found

    def _compute(self, number: int, idf: float) -> list[tuple[np.ndarray, np.ndarray]]:
        found = []
        for size, post_ptr, post_doc, post_tf, norms, positions, dead in self._parts:
            if number >= size:
                continue
            start, end = post_ptr[number : number + 2].tolist()
            if start == end:
                continue
            docs = post_doc[start:end]
            scores = term_scores(idf, post_tf[start:end].astype(np.float64), norms[docs], self.k1)
            if isinstance(positions, int):
                places = docs + positions if positions else docs
            else:
                places = positions[docs]
                if dead:
                    lively = places >= 0
                    places, scores = places[lively], scores[lively]
            found.append((places, scores))
        return found

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """What `BM25Okapi.get_scores(query)` returns: a score per passage (repeats count)."""
        score = np.zeros(self.corpus_size)
        for term in query:
            self._add(score, term, None)
        return score

    def weighted_scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """Sum over terms of weight * get_scores([term]), added in the mapping's order."""
        total = np.zeros(self.corpus_size)
        for term, weight in weights.items():
            self._add(total, term, weight)
        return total


# -- array helpers -------------------------------------------------------------------


def _bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.uint8)


def _strings(blob: np.ndarray, ptr: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    bounds = ptr.tolist()
    return [raw[bounds[k] : bounds[k + 1]].decode("utf-8") for k in range(len(bounds) - 1)]


def _strings_split(blob: np.ndarray, separator: str, count: int | None) -> list[str]:
    found = blob.tobytes().decode("utf-8").split(separator) if len(blob) else []
    if count is not None and len(found) != count:
        raise StoreError("the vocabulary does not fit")
    return found


def _offsets(counts) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.int64)
    return np.concatenate((np.zeros(1, np.int64), np.cumsum(counts)))


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of range(start, start + length) for each pair, without a loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    shift = np.repeat(np.asarray(starts, dtype=np.int64) - _offsets(lengths)[:-1], lengths)
    return np.arange(total, dtype=np.int64) + shift
