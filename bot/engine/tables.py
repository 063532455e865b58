"""What the engine sees of a store: articles and passages built on demand, and BM25.

`ArticleTable` and `PassageTable` are sequences over a store's arrays that build an
`Article` or `Passage` only when it is asked for (keeping the ones used last), so
start-up makes no object per passage; a `StoredArticle` reads its text and metadata when
first used, and `PassageTable.windows` reads a question's hits without building them.
`StoredOkapi` is rank-bm25's Okapi BM25 over the store: the generation's statistics, and
each term's scores computed from its postings.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.engine.chunking import Passage, Sentence
from bot.engine.context import ArticleContext
from bot.engine.corpus import Article
from bot.engine.index import Window
from bot.engine.scoring import (
    Scratch,
    TermMatrix,
    TermScores,
    length_norms,
    term_scores,
    top_weighted,
)
from bot.engine.segments import META_FIELDS, MappedStore, Segment, concat_ranges, offsets_of

# Articles and passages built for questions that are kept for the next ones (each).
KEEP_RECENT = 1024
# Article contexts kept: memory views into the store and a few sets, some 2.5 KB each
# (16,384: about 40 MB at most). Reading one costs more than keeping it; with 10,000
# articles, keeping them made `ask` ~8% faster (`python -m bot bench`).
CONTEXTS_KEPT = 16_384
# Per-term scores kept for the next questions (a common term's are the costliest).
TERM_CACHE_BYTES = 64 * 2**20


class _Objects:
    """Objects built on demand by number; the `keep` used last are kept (the same object
    each time while kept), so memory stays bounded at any scale."""

    def __init__(self, make: Callable[[int], object], keep: int = KEEP_RECENT) -> None:
        self._make = make
        self._keep = keep
        self._recent: OrderedDict[int, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, number: int, make: Callable[[int], object] | None = None):
        """The object for `number`, made (by `make`, if given) when it is not kept."""
        with self._lock:
            found = self._recent.get(number)
            if found is not None:
                self._recent.move_to_end(number)
                return found
        found = (make or self._make)(number)
        with self._lock:
            kept = self._recent.setdefault(number, found)  # another thread's, if it was first
            self._recent.move_to_end(number)
            if len(self._recent) > self._keep:
                self._recent.popitem(last=False)
            return kept


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

    def __init__(self, opened: MappedStore, folder: Path) -> None:
        super().__init__(len(opened.art_seg), self._article)
        self._opened = opened
        self.folder = folder
        self._contexts = _Objects(self._context, keep=CONTEXTS_KEPT)

    @cached_property
    def ids(self) -> list[str]:
        """Every article's id (its file's stem), without building the articles."""
        return [os.path.splitext(name)[0] for name in self._opened.names]

    @cached_property
    def _numbers(self) -> dict[str, int]:
        return {article_id: number for number, article_id in enumerate(self.ids)}

    def context(self, article: Article) -> ArticleContext:
        """What the article's sentences refer to, as the pipeline read it when it was added."""
        return self._context(self._numbers[article.id], self._opened.vocab)

    def context_at(self, number: int) -> ArticleContext:
        """`context` of the article at `number`, without building the article, over the
        terms' numbers (`PassageTable.term_ids`)."""
        return self._contexts.get(number)

    def text_at(self, number: int) -> str:
        """The text of the article at `number`, without building the article."""
        segment, local = self._opened.where_article(number)
        start, end = segment.pointers["text_ptr"][local : local + 2]
        return segment.a["text"][start:end].tobytes().decode("utf-8")

    def _context(self, number: int, vocab: Sequence[str] | None = None) -> ArticleContext:
        """The stored context, over the terms' numbers or, given the `vocab`, words."""
        segment, local = self._opened.where_article(number)
        a, ptr = segment.a, segment.pointers
        # Memory views of the stored arrays: no Python number is made until one is read.
        start, end = ptr["ctx_ptr"][local : local + 2]
        structure = memoryview(a["context"][start:end])
        start, end = ptr["cterm_ptr"][local : local + 2]
        terms: Sequence = memoryview(a["ctx_terms"][start:end])
        if vocab is not None:
            terms = [vocab[i] for i in terms]
        start, end = ptr["sent_ptr"][local : local + 2]
        return ArticleContext(structure, terms, memoryview(a["sentences"][start:end, 1]))

    def article_at(self, number: int, text: str) -> Article:
        """The article at `number`, whose `text` the caller has read already."""
        return self._objects.get(number, lambda n: StoredArticle(self, n, text))

    def _article(self, number: int) -> Article:
        return StoredArticle(self, number)

    def fields_at(self, number: int) -> dict[str, object]:
        """The article's fields but its id and text, as `StoredArticle` reads them."""
        opened = self._opened
        segment, local = opened.where_article(number)
        a, ptr = segment.a, segment.pointers
        start, end = ptr["meta_ptr"][local : local + 2]
        found: dict[str, object] = dict(
            zip(META_FIELDS, json.loads(a["meta"][start:end].tobytes()), strict=True)
        )
        start, end = ptr["para_ptr"][local : local + 2]
        found["paragraphs"] = tuple(map(tuple, a["paragraphs"][start:end].tolist()))
        found["path"] = self.folder / opened.names[number]
        found["digest"] = segment.digest(local).hex()
        return found


def _stored_field(name: str) -> property:
    return property(lambda article: article._fields[name], doc=f"The article's {name}.")


class StoredArticle(Article):
    """An `Article` of a store, read when first used: its id at once, its text and other
    fields from the store's arrays on first access. A question cites up to fifteen
    articles, and a reply shows a few of them.

    It equals, and hashes as, the `Article` read from the same file.
    """

    def __init__(self, table: ArticleTable, number: int, text: str | None = None) -> None:
        object.__setattr__(self, "id", table.ids[number])
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_number", number)
        if text is not None:
            self.__dict__["_text"] = text

    @cached_property
    def _text(self) -> str:
        return self._table.text_at(self._number)

    @cached_property
    def _fields(self) -> dict[str, object]:
        return self._table.fields_at(self._number)

    text = property(lambda article: article._text, doc="The file's text, as read.")
    path = _stored_field("path")
    title = _stored_field("title")
    outlet = _stored_field("outlet")
    date = _stored_field("date")
    url = _stored_field("url")
    body_start = _stored_field("body_start")
    paragraphs = _stored_field("paragraphs")
    digest = _stored_field("digest")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Article):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Article))

    __hash__ = Article.__hash__


class PassageTable(_Table):
    """The corpus's passages in corpus order, each built from the store when asked for.

    `model` is the BM25 model over exactly these passages (see `StoredOkapi`).
    """

    def __init__(self, opened: MappedStore, articles: ArticleTable) -> None:
        super().__init__(int(opened.scalars["corpus_size"]), self._passage)
        self._opened = opened
        self.articles = articles
        self.model = StoredOkapi(opened) if len(self) else None

    @property
    def term_ids(self) -> dict[str, int]:
        """Each term's number, as windows (`window`) and contexts give them."""
        return self._opened.term_ids

    @property
    def sentence_total(self) -> int:
        """Sentences summed over passages (a sentence counts in every window holding it)."""
        return int(self._opened.scalars["passage_sentences"])

    @property
    def term_total(self) -> int:
        """Terms summed over passages."""
        return int(self._opened.scalars["total_terms"])

    @property
    def article_starts(self) -> np.ndarray:
        """Where each article's passages begin, in corpus order (an article without any
        begins where the next one does)."""
        return self._opened.pass_off[:-1]

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
        shift = offsets_of([len(t) for t in tokens])
        starts = np.zeros(len(self), dtype=np.int64)
        lengths = np.zeros(len(self), dtype=np.int64)
        for number, segment in enumerate(opened.segments):
            mine = owner == number
            seg_starts, seg_lengths = segment.passage_tokens
            starts[mine] = seg_starts[local[mine]] + shift[number]
            lengths[mine] = seg_lengths[local[mine]]
        every = np.concatenate([np.zeros(0, np.int32), *tokens])
        return TermMatrix(
            tuple(opened.vocab), offsets_of(lengths), every[concat_ranges(starts, lengths)]
        )

    def _where(self, position: int) -> tuple[int, Segment, int, int]:
        """The passage's article (number), its segment, its place there, and its row."""
        opened = self._opened
        number = bisect.bisect_right(opened.passage_offsets, position) - 1
        segment, local = opened.where_article(number)
        row = segment.pointers["pass_ptr"][local] + position - opened.passage_offsets[number]
        return number, segment, local, row

    def preceding_terms(self, position: int) -> tuple[str, ...]:
        """The terms of the sentence just before the passage, in its article (none first)."""
        _, segment, local, row = self._where(position)
        a = segment.a
        first = int(a["passages"][row, 0])
        if first == 0:
            return ()
        sentence = segment.pointers["sent_ptr"][local] + first - 1
        start, end = a["tok_ptr"][sentence : sentence + 2].tolist()
        vocab = self._opened.vocab
        return tuple(vocab[i] for i in a["tokens"][start:end].tolist())

    def windows(self, positions: Sequence[int]) -> list[Window]:
        """The passages at `positions` as a question reads them (`bot.engine.index.Window`),
        from the arrays, without building them: a few array operations for them all. Their
        terms are numbers (`term_ids`)."""
        opened = self._opened
        places = np.asarray(positions, dtype=np.int64)
        numbers = np.searchsorted(opened.pass_off, places, side="right") - 1
        homes = [opened.where_article(n) for n in numbers.tolist()]
        found: list[Window | None] = [None] * len(homes)
        for segment in {id(home[0]): home[0] for home in homes}.values():
            mine = [k for k, home in enumerate(homes) if home[0] is segment]
            read = self._windows(segment, homes, places, numbers, mine)
            for k, window in zip(mine, read, strict=True):
                found[k] = window
        return found

    def _windows(
        self,
        segment: Segment,
        homes: list[tuple[Segment, int]],
        places: np.ndarray,
        numbers: np.ndarray,
        mine: list[int],
    ) -> list[Window]:
        a = segment.a
        local = np.array([homes[k][1] for k in mine], dtype=np.int64)
        rows = a["pass_ptr"][local] + places[mine] - self._opened.pass_off[numbers[mine]]
        first, count = a["passages"][rows].astype(np.int64).T
        sentence = a["sent_ptr"][local] + first
        lead = (first > 0).astype(np.int64)  # the sentence before, in the same article
        tok_ptr = a["tok_ptr"]
        starts = tok_ptr[sentence - lead]
        lengths = tok_ptr[sentence + count] - starts
        tokens = a["tokens"][concat_ranges(starts, lengths)].tolist()
        # Each window's sentences' bounds, as places in `tokens` (its runs one after another).
        bounds = count + lead + 1
        shift = np.repeat(offsets_of(lengths)[:-1] - starts, bounds)
        cuts = (tok_ptr[concat_ranges(sentence - lead, bounds)] + shift).tolist()
        # Every run between two bounds (those between two windows are never read).
        runs = list(map(tuple, map(tokens.__getitem__, map(slice, cuts, cuts[1:]))))
        offsets = a["sentences"][concat_ranges(sentence, count)]
        spans = list(zip(offsets[:, 1].tolist(), offsets[:, 2].tolist(), strict=True))
        windows = []
        at = span_at = 0
        for number, n, before in zip(
            numbers[mine].tolist(), count.tolist(), lead.tolist(), strict=True
        ):
            windows.append(
                Window(
                    number,
                    spans[span_at : span_at + n],
                    runs[at + before : at + before + n],
                    runs[at] if before else (),
                )
            )
            at += n + before + 1
            span_at += n
        return windows

    def _passage(self, position: int) -> Passage:
        number, segment, local, row = self._where(position)
        a, ptr = segment.a, segment.pointers
        first, count = a["passages"][row].tolist()
        first += ptr["sent_ptr"][local]
        bounds = a["tok_ptr"][first : first + count + 1].tolist()
        vocab = self._opened.vocab
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

    def __init__(self, opened: MappedStore) -> None:
        self._opened = opened
        self._idf = opened.generation.arrays["idf"]
        self._order = opened.generation.arrays["order"]

    def __getitem__(self, term: str) -> float:
        number = self._opened.term_ids[term]
        value = float(self._idf[number])
        if value != value:  # NaN: only removed passages held it
            raise KeyError(term)
        return value

    def get(self, term: str, default: float | None = None) -> float | None:
        number = self._opened.term_ids.get(term)  # (no KeyError raised and caught per miss)
        if number is None:
            return default
        value = float(self._idf[number])
        return default if value != value else value

    def __iter__(self):
        vocab = self._opened.vocab
        return (vocab[i] for i in self._order.tolist())

    def __len__(self) -> int:
        return len(self._order)


class StoredOkapi:
    """rank-bm25's Okapi BM25 over a store: the generation's statistics (rank-bm25's own
    idf, avgdl), and each term's scores computed at query time from its postings' term
    frequencies and passage lengths, as Lucene does, with rank-bm25's operations: the
    same numbers as `bot.engine.scoring.Okapi`, bit for bit, with nothing rebuilt per change."""

    def __init__(self, opened: MappedStore) -> None:
        scalars = opened.scalars
        self.k1, self.b, self.epsilon = scalars["params"]
        self.corpus_size = int(scalars["corpus_size"])
        self.avgdl = scalars["avgdl"]
        self.average_idf = scalars["average_idf"]
        self.max_idf = scalars["max_idf"]
        self.idf = _Idf(opened)
        self._opened = opened
        self._idf = opened.generation.arrays["idf"]
        self._cache: OrderedDict[int, TermScores] = OrderedDict()
        self._scratch = Scratch()
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
        found = self.scores_of(term)
        if found is None:
            return
        if weight is None:
            total[found.places] += found.scores
        else:
            total[found.places] += weight * found.scores

    def scores_of(self, term: str) -> TermScores | None:
        """The term's score in each passage holding it (None when none does); the most
        recent terms' are kept (up to TERM_CACHE_BYTES): a common term costs the most and
        comes back the most."""
        number = self._opened.term_ids.get(term)
        if number is None:
            return None
        with self._lock:
            found = self._cache.get(number)
            if found is not None:
                self._cache.move_to_end(number)
                return found
        idf = float(self._idf[number])
        if idf != idf:  # NaN: only removed passages held it
            return None
        found = self._compute(number, idf)
        with self._lock:
            self._cache[number] = found
            self._cached_bytes += found.nbytes
            while self._cached_bytes > TERM_CACHE_BYTES and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= dropped.nbytes
        return found

    def top(self, weights: Mapping[str, float], limit: int) -> tuple[np.ndarray, np.ndarray]:
        """(positions, scores) of the best `limit` passages for a weighted query."""
        return top_weighted(weights, self.scores_of, self.corpus_size, limit, self._scratch)

    def _compute(self, number: int, idf: float) -> TermScores:
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
        if len(found) == 1:
            return TermScores.of(*found[0])
        return TermScores.of(
            np.concatenate([np.zeros(0, np.int64), *(p for p, _ in found)]),
            np.concatenate([np.zeros(0), *(s for _, s in found)]),
        )

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
