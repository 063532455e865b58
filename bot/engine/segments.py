"""Segments: some articles and what the pipeline made of them, as flat arrays.

A segment holds its articles (in file-name order) as runs in shared arrays: their texts
as one UTF-8 run, paragraphs, sentences and passages as offsets, each sentence's term
ids, each article's context reading, and the passages' postings (CSR by term: passage,
term frequency) and lengths, with where each term first appears. Segments are built from
the pipeline's batches, merged the way log-structured indexes merge theirs, and counted
into a `Generation`: which articles are live, where each passage sits in corpus order,
and rank-bm25's statistics of exactly those passages. `bot.engine.store` keeps them on
disk, `bot.engine.tables` serves them.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bot.engine import index
from bot.engine.pipeline import Batch, StatKey
from bot.engine.scoring import okapi_idf

log = logging.getLogger(__name__)

# A cold build starts a new segment after this many passages, which bounds its memory;
# segments of a quarter of this or more are never merged for their number.
SEGMENT_PASSAGES = 400_000
# Passages counted at a time when postings are built (bounds the memory it takes).
POSTINGS_CHUNK = 32_768
# Small segments are merged once this many of about the same size (a tier) pile up.
MERGE_FACTOR = 4
# A segment with more than this share of its passages removed is rewritten without them.
MAX_DEAD_SHARE = 0.3
META_FIELDS = ("id", "title", "outlet", "date", "url", "body_start")

# Per-article runs in a segment: (data, pointers). Tokens run per sentence (tok_ptr).
_RUNS = (
    ("names", "names_ptr"),
    ("meta", "meta_ptr"),
    ("text", "text_ptr"),
    ("paragraphs", "para_ptr"),
    ("sentences", "sent_ptr"),
    ("passages", "pass_ptr"),
    ("context", "ctx_ptr"),
    ("ctx_terms", "cterm_ptr"),
)
_POINTERS = ("text_ptr", "meta_ptr", "para_ptr", "sent_ptr", "pass_ptr", "ctx_ptr", "cterm_ptr")
SEGMENT_SCHEMA = {
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
    "context": ("int32", 1),  # each article's context reading (`bot.engine.context.encode`)
    "ctx_ptr": ("int64", 1),
    "ctx_terms": ("int32", 1),  # ... and the term ids it names
    "cterm_ptr": ("int64", 1),
    "doc_len": ("int32", 1),
    "post_ptr": ("int64", 1),
    "post_doc": ("int32", 1),
    "post_tf": ("int32", 1),
    "first_doc": ("int32", 1),  # per term: the segment's first passage holding it, or -1
    "first_off": ("int32", 1),  # ... and where in that passage it first is
}


class StoreError(Exception):
    """The store on disk is unreadable or inconsistent."""


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
        return strings(self.a["names"], self.a["names_ptr"])

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


def segment_arrays(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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
        ids = tokens[concat_ranges(starts[first:last], span)].astype(np.int64)
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
    post_ptr = offsets_of(counts)
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
    where = concat_ranges(starts[docs], spans)
    owner = np.repeat(np.arange(len(terms), dtype=np.int64), spans)
    hits = np.flatnonzero(tokens[where] == terms[owner])
    owners = owner[hits]
    firsts = hits[np.concatenate(([True], owners[1:] != owners[:-1]))] if len(hits) else hits
    if len(firsts) != len(terms):
        raise StoreError("a term is missing from the passage its postings name")
    return (firsts - offsets_of(spans)[:-1]).astype(np.int32)


class SegmentBuilder:
    """Collects processed batches into segments of about SEGMENT_PASSAGES passages each."""

    def __init__(self, vocab: list[str], keep: Callable[[Segment], Segment] | None = None) -> None:
        """`keep` is given each segment as it is built and returns what to hold of it (the
        store writes it and maps it back, so a large build holds one segment in memory)."""
        self.keep = keep or (lambda segment: segment)
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
            built = Segment(new_name("seg"), segment_arrays(joined))
            del joined
            self.segments.append(self.keep(built))

    def _runs(self, batch: Batch) -> dict[str, np.ndarray]:
        numbers, vocab = self.numbers, self.vocab
        fresh = [term for term in batch.vocab if term not in numbers]
        numbers.update(zip(fresh, range(len(vocab), len(vocab) + len(fresh)), strict=True))
        vocab.extend(fresh)
        ids = np.array([numbers[term] for term in batch.vocab], dtype=np.int32)
        articles = batch.articles
        names = [a.path.name.encode("utf-8") for a in articles]
        meta = [json.dumps([getattr(a, f) for f in META_FIELDS]).encode("utf-8") for a in articles]
        texts = [a.text.encode("utf-8") for a in articles]
        paragraphs = [span for a in articles for span in a.paragraphs]
        return {
            "names": as_bytes(b"".join(names)),
            "names_ptr": offsets_of([len(n) for n in names]),
            "meta": as_bytes(b"".join(meta)),
            "meta_ptr": offsets_of([len(m) for m in meta]),
            "digests": np.frombuffer(
                b"".join(bytes.fromhex(a.digest) for a in articles), dtype=np.uint8
            ).reshape(-1, 32),
            "text": as_bytes(b"".join(texts)),
            "text_ptr": offsets_of([len(t) for t in texts]),
            "paragraphs": np.array(paragraphs, dtype=np.int32).reshape(-1, 2),
            "para_ptr": offsets_of([len(a.paragraphs) for a in articles]),
            "sentences": batch.sentences,
            "sent_ptr": offsets_of(batch.sentence_counts),
            "tokens": ids[batch.tokens] if len(batch.tokens) else np.zeros(0, np.int32),
            "tok_ptr": offsets_of(batch.token_counts),
            "passages": batch.layout,
            "pass_ptr": offsets_of(batch.passage_counts),
            "context": batch.context,
            "ctx_ptr": offsets_of(batch.context_counts),
            "ctx_terms": ids[batch.context_terms]
            if len(batch.context_terms)
            else np.zeros(0, np.int32),
            "cterm_ptr": offsets_of(batch.context_term_counts),
        }


def _concat(many: list[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Several segments' article runs as one, in order."""
    joined = {"digests": np.concatenate([m["digests"] for m in many])}
    for data, ptr in (*_RUNS, ("tokens", "tok_ptr")):
        joined[data] = np.concatenate([m[data] for m in many])
        joined[ptr] = offsets_of(np.concatenate([np.diff(m[ptr]) for m in many]))
    return joined


def _select(arrays: Mapping[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The article runs of the articles numbered `rows`, in that order."""
    rows = np.asarray(rows, dtype=np.int64)
    chosen = {"digests": arrays["digests"][rows]}
    for data, ptr in _RUNS:
        starts = arrays[ptr][rows]
        lengths = arrays[ptr][rows + 1] - starts
        chosen[data] = arrays[data][concat_ranges(starts, lengths)]
        chosen[ptr] = offsets_of(lengths)
    sent_ptr, tok_ptr = arrays["sent_ptr"], arrays["tok_ptr"]
    sentences = concat_ranges(sent_ptr[rows], sent_ptr[rows + 1] - sent_ptr[rows])
    chosen["tok_ptr"] = offsets_of(np.diff(tok_ptr)[sentences])
    starts = tok_ptr[sent_ptr[rows]]
    chosen["tokens"] = arrays["tokens"][concat_ranges(starts, tok_ptr[sent_ptr[rows + 1]] - starts)]
    return chosen


def merge(
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
    return Segment(new_name("seg"), segment_arrays(joined)), sorted(places)


# -- generations ---------------------------------------------------------------------


@dataclass
class Generation:
    """Which articles are live where, in corpus order, and the BM25 statistics of them."""

    name: str
    arrays: dict[str, np.ndarray]
    scalars: dict  # corpus_size, avgdl, average_idf, max_idf, total_terms, ...
    positions: list[np.ndarray | int]  # per segment: its passages' corpus positions, or a base

    @classmethod
    def compute(cls, segments: list[Segment], live: list[tuple], vocab: list[str]) -> Generation:
        names = [name.encode("utf-8") for name, *_ in live]
        art_seg = np.array([s for _, s, _, _ in live], dtype=np.int32)
        art_local = np.array([local for _, _, local, _ in live], dtype=np.int32)
        stats = np.array([stat for *_, stat in live], dtype=np.int64).reshape(-1, 5)
        counts = np.zeros(len(live), dtype=np.int64)
        for number, segment in enumerate(segments):
            mine = art_seg == number
            ptr = segment.a["pass_ptr"]
            counts[mine] = ptr[art_local[mine] + 1] - ptr[art_local[mine]]
        pass_off = offsets_of(counts)
        positions: list[np.ndarray | int] = []
        for number, segment in enumerate(segments):
            mine = np.flatnonzero(art_seg == number)
            ptr = segment.a["pass_ptr"]
            remap = np.full(segment.passages, -1, dtype=np.int32)
            remap[concat_ranges(ptr[art_local[mine]], counts[mine])] = concat_ranges(
                pass_off[mine], counts[mine]
            )
            base = int(remap[0]) if len(remap) else 0
            contiguous = len(remap) == 0 or (
                remap[0] >= 0 and np.array_equal(remap, base + np.arange(len(remap)))
            )
            positions.append(base if contiguous else remap)
        arrays = {
            "names": as_bytes(b"".join(names)),
            "names_ptr": offsets_of([len(n) for n in names]),
            "art_seg": art_seg,
            "art_local": art_local,
            "stats": stats,
            "pass_off": pass_off,
            "vocab": as_bytes("\n".join(vocab).encode("utf-8")),
        }
        generation = cls(new_name("gen"), arrays, {}, positions)
        generation._statistics(segments, len(vocab))
        return generation

    def restated(self, stats: list[StatKey]) -> Generation:
        """This generation with new file stats (the same bytes, looked at again)."""
        arrays = {**self.arrays, "stats": np.array(stats, dtype=np.int64).reshape(-1, 5)}
        return Generation(new_name("gen"), arrays, self.scalars, self.positions)

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
        vocab = split_strings(self.arrays["vocab"], "\n", vocab_size)
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


class MappedStore:
    """A store's segments and generation, and the lookups its tables read from them
    (`bot.engine.tables`); `bot.engine.store.Opened` adds reading and writing them."""

    def __init__(self, segments: list[Segment], generation: Generation) -> None:
        self.segments = segments
        self.generation = generation
        g = generation.arrays
        self.art_seg, self.art_local = g["art_seg"], g["art_local"]
        self.pass_off = g["pass_off"]
        self.stats = g["stats"]
        self.scalars = generation.scalars

    @cached_property
    def names(self) -> list[str]:
        return strings(self.generation.arrays["names"], self.generation.arrays["names_ptr"])

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
        return split_strings(arrays["vocab"], "\n", len(arrays["idf"]))

    @cached_property
    def term_ids(self) -> dict[str, int]:
        return {term: number for number, term in enumerate(self.vocab)}


def _dead_df(segment: Segment, dead: np.ndarray, size: int) -> np.ndarray:
    """How many removed passages hold each term."""
    if not len(dead) or not size:
        return np.zeros(size, dtype=np.int64)
    starts, lengths = segment.passage_tokens
    ids = segment.a["tokens"][concat_ranges(starts[dead], lengths[dead])].astype(np.int64)
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
        where = concat_ranges(ptr[stale], spans)
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


# -- array helpers -------------------------------------------------------------------


def as_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.uint8)


def strings(blob: np.ndarray, ptr: np.ndarray) -> list[str]:
    raw = blob.tobytes()
    bounds = ptr.tolist()
    return [raw[bounds[k] : bounds[k + 1]].decode("utf-8") for k in range(len(bounds) - 1)]


def split_strings(blob: np.ndarray, separator: str, count: int | None) -> list[str]:
    found = blob.tobytes().decode("utf-8").split(separator) if len(blob) else []
    if count is not None and len(found) != count:
        raise StoreError("the vocabulary does not fit")
    return found


def offsets_of(counts) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.int64)
    return np.concatenate((np.zeros(1, np.int64), np.cumsum(counts)))


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of range(start, start + length) for each pair, without a loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    shift = np.repeat(np.asarray(starts, dtype=np.int64) - offsets_of(lengths)[:-1], lengths)
    return np.arange(total, dtype=np.int64) + shift


def new_name(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"
