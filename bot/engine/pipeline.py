"""Article files to processed arrays on every core: parse, split sentences, tokenise, read.

`process` turns some article files into one `Batch`: the parsed `Article`s and, as flat
arrays, their sentences (offsets), each sentence's terms (numbered within the batch),
each passage as a run of sentences, and what each article's sentences refer to (its
`bot.engine.context` reading, encoded as integers). `process_all` cuts a long list of
files into chunks and runs `process` on them in worker processes (one per core),
yielding the batches in file order; a small list is processed in this process, since
starting workers costs more than it saves. Either way each file goes through the same
function, so the result is the same bit for bit.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.engine.chunking import Passage, Sentence, sentences_and_passages
from bot.engine.context import encode, read
from bot.engine.corpus import Article, CorpusError, load_article

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

log = logging.getLogger(__name__)

# Fewer files than this are processed in this process: a worker pool takes about half a
# second to start, and the bundled corpus must answer a cold `ask` in under a second.
PARALLEL_MIN = 50
# Files per task: enough to keep the inter-process traffic small, few enough to balance.
CHUNK_MAX = 128

# (size, mtime_ns, ctime_ns, inode) of a file, and when it was looked at (time_ns, taken just
# before the stat); all zero if the file could not be looked at.
StatKey = tuple[int, int, int, int, int]
NO_STAT: StatKey = (0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Batch:
    """Some article files, processed: articles and their sentences, terms and passages.

    Per article (in file order): `sentence_counts` sentences, `passage_counts` passages.
    Per sentence: a row (paragraph, start, end) of `sentences` and `token_counts` terms,
    whose ids into `vocab` follow one another in `tokens`. Per passage: a row (first
    sentence within its article, number of sentences) of `layout`. Per article: its
    context reading, `context_counts` integers of `context` and `context_term_counts`
    term ids (into `vocab`) of `context_terms`.
    """

    articles: list[Article]
    stats: list[StatKey]
    problems: list[tuple[str, str]]
    vocab: list[str]
    sentences: np.ndarray  # (S, 3) int32
    sentence_counts: np.ndarray  # (A,) int64
    tokens: np.ndarray  # int32 ids into vocab
    token_counts: np.ndarray  # (S,) int64
    layout: np.ndarray  # (P, 2) int32
    passage_counts: np.ndarray  # (A,) int64
    context: np.ndarray  # int32
    context_counts: np.ndarray  # (A,) int64
    context_terms: np.ndarray  # int32 ids into vocab
    context_term_counts: np.ndarray  # (A,) int64

    def sentence_objects(self, vocab: Sequence[str] | None = None) -> list[list[Sentence]]:
        """Each article's `Sentence`s (terms from `vocab`, the batch's own by default)."""
        vocab = self.vocab if vocab is None else vocab
        terms = [vocab[i] for i in self.tokens.tolist()]
        ends = np.cumsum(self.token_counts).tolist()
        rows = self.sentences.tolist()
        found, first, start = [], 0, 0
        for count in self.sentence_counts.tolist():
            group = []
            for (paragraph, begin, end), stop in zip(
                rows[first : first + count], ends[first : first + count], strict=True
            ):
                group.append(Sentence(paragraph, begin, end, tuple(terms[start:stop])))
                start = stop
            found.append(group)
            first += count
        return found

    def passage_objects(self, sentences: list[list[Sentence]]) -> list[Passage]:
        """The passages of every article, in order, from `sentence_objects`' result."""
        passages, row = [], 0
        layout = self.layout.tolist()
        for article, group, count in zip(
            self.articles, sentences, self.passage_counts.tolist(), strict=True
        ):
            for first, length in layout[row : row + count]:
                passages.append(Passage(article, tuple(group[first : first + length])))
            row += count
        return passages


def stat_key(path: Path) -> StatKey:
    """What tells a file's bytes changed without reading them (as git's index does)."""
    looked = time.time_ns()
    try:
        st = os.stat(path)
    except OSError:
        return NO_STAT
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, looked)


def process(paths: Sequence[Path]) -> Batch:
    """Parse, split and tokenise these files; a file that will not load is a problem, not
    an exception, so that one bad file still lets every other be reported."""
    articles, stats, problems = [], [], []
    numbers: dict[str, int] = {}
    rows: list[tuple[int, int, int]] = []
    sentence_counts, token_counts, passage_counts = [], [], []
    tokens: list[int] = []
    layout: list[tuple[int, int]] = []
    context: list[int] = []
    context_terms: list[int] = []
    context_counts, context_term_counts = [], []
    for path in paths:
        key = stat_key(path)  # before reading: a later change then shows as a new stat
        try:
            article = load_article(path)
            sentences, passages = sentences_and_passages(article)
            reading = read(article, [(sentence.start, sentence.end) for sentence in sentences])
        except CorpusError as error:
            problems.extend(error.problems)
            continue
        articles.append(article)
        stats.append(key)
        for sentence in sentences:
            rows.append((sentence.paragraph, sentence.start, sentence.end))
            token_counts.append(len(sentence.terms))
            tokens.extend([numbers.setdefault(term, len(numbers)) for term in sentence.terms])
        sentence_counts.append(len(sentences))
        layout.extend(passage_layout(sentences, passages))
        passage_counts.append(len(passages))
        structure, terms = encode(reading, lambda term: numbers.setdefault(term, len(numbers)))
        context.extend(structure)
        context_counts.append(len(structure))
        context_terms.extend(terms)
        context_term_counts.append(len(terms))
    return Batch(
        articles=articles,
        stats=stats,
        problems=problems,
        vocab=list(numbers),
        sentences=np.array(rows, dtype=np.int32).reshape(-1, 3),
        sentence_counts=np.array(sentence_counts, dtype=np.int64),
        tokens=np.array(tokens, dtype=np.int32),
        token_counts=np.array(token_counts, dtype=np.int64),
        layout=np.array(layout, dtype=np.int32).reshape(-1, 2),
        passage_counts=np.array(passage_counts, dtype=np.int64),
        context=np.array(context, dtype=np.int32),
        context_counts=np.array(context_counts, dtype=np.int64),
        context_terms=np.array(context_terms, dtype=np.int32),
        context_term_counts=np.array(context_term_counts, dtype=np.int64),
    )


def passage_layout(sentences: list[Sentence], passages: list[Passage]) -> list[tuple[int, int]]:
    """Each passage as (first sentence, count): passages are runs of consecutive sentences."""
    position = {id(sentence): number for number, sentence in enumerate(sentences)}
    layout = []
    for passage in passages:
        first = position[id(passage.sentences[0])]
        numbers = [position[id(s)] for s in passage.sentences]
        if numbers != list(range(first, first + len(numbers))):
            raise RuntimeError("make_passages returned a passage of non-consecutive sentences")
        layout.append((first, len(numbers)))
    return layout


def process_all(paths: Sequence[Path], workers: int | None = None) -> Iterator[Batch]:
    """`process` over all `paths`, in chunks, on `workers` processes (default: one per
    core; in this process below PARALLEL_MIN files); batches come in the order of `paths`."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 1 or len(paths) < PARALLEL_MIN:
        for chunk in _chunks(paths, CHUNK_MAX):
            yield process(chunk)
        return
    size = max(8, min(CHUNK_MAX, len(paths) // (workers * 8)))
    log.info("processing %d files on %d worker processes", len(paths), workers)
    from concurrent.futures import ProcessPoolExecutor  # only here: a warm start needs no pool

    with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
        yield from pool.map(process, _chunks(paths, size))


def _chunks(paths: Sequence[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(paths), size):
        yield list(paths[start : start + size])


def _context() -> BaseContext:
    """Forked workers when this process has one thread (they inherit everything imported);
    else workers from a fork server with this module imported, since forking a threaded
    process (the Discord bot reloads in a thread) can deadlock the child."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")
