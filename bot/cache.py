"""An on-disk cache of the processed corpus, so a restart does not re-split and re-tokenise.

For every article file it keeps what parsing, sentence splitting and tokenising made of
it, keyed by the file's name and the sha256 of its bytes (`Article.digest`), under a
version that hashes the processing code, the stopwords, WINDOW/STRIDE and nltk's
version. Every file is still read and hashed on each load; only a file whose name and
digest match is taken from the cache, so an added or edited article is the only one
processed again. The cache is one uncompressed numpy archive (no pickle) plus a JSON
manifest holding its sha256: a corrupt, truncated or stale cache is ignored and
rewritten, never trusted. A folder we cannot write to simply goes uncached.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from bot import chunking, corpus, text
from bot.chunking import Passage, Sentence, sentences_and_passages
from bot.corpus import Article, CorpusError, load_corpus
from bot.index import TokenizedPassages
from bot.scoring import Okapi, TermMatrix

log = logging.getLogger(__name__)

FORMAT = 2
CACHE_FOLDER = ".cache"
ARCHIVE = "processed.npz"
MANIFEST = "processed.json"
INDEX_ARCHIVE = "index.npz"
INDEX_MANIFEST = "index.json"
_META_FIELDS = ("id", "title", "outlet", "date", "url", "body_start")


@dataclass(frozen=True)
class LoadStats:
    """What one load took from the cache and what it had to process."""

    articles: int
    reused: int
    processed: int
    cache: str  # "hit", "partial", "miss", "corrupt", "stale" or "off"
    written: bool
    seconds: float


@cache
def processing_version() -> str:
    """A hash of everything that shapes processed articles: code, stopwords, window, nltk."""
    import nltk

    digest = hashlib.sha256(f"format {FORMAT}; nltk {nltk.__version__}".encode())
    for module in (text, chunking, corpus):
        digest.update(Path(module.__file__).read_bytes())
    digest.update("\n".join(sorted(text.stopwords())).encode())
    digest.update(f"window {chunking.WINDOW} stride {chunking.STRIDE}".encode())
    return digest.hexdigest()


def default_location(folder: Path) -> Path:
    return folder / CACHE_FOLDER


def load_processed(
    folder: Path,
    location: Path | None = None,
    use_cache: bool = True,
    skipped: list[tuple[str, str]] | None = None,
) -> tuple[list[Article], list[Passage], LoadStats]:
    """The folder's articles and passages, from the cache where the files are unchanged.

    The passages come as a `TokenizedPassages` that lets `Index` reuse the saved model
    when the corpus is exactly the cached one. Raises CorpusError as `load_corpus` does,
    also naming files that cannot be split or hold no word to search; with a `skipped`
    list, those go into it instead and the good articles load.
    """
    started = time.perf_counter()
    location = location or default_location(folder)
    version = processing_version()
    with paused_gc():
        store, state = _Store.read(location, version) if use_cache else (None, "off")
        store = store or _Store.empty()
        loaded, entries = _load_articles(folder, store, skipped)
        builder = _Builder(store)
        articles, reused, problems = [], [], []
        for article, entry in zip(loaded, entries, strict=True):
            try:
                builder.add(article, entry)
            except CorpusError as error:
                problems.extend(error.problems)
                continue
            articles.append(article)
            reused.append(entry)
    if problems and (skipped is None or not articles):
        raise CorpusError([*(skipped or ()), *problems])
    if skipped is not None:
        skipped.extend(problems)
    fresh = sum(entry is None for entry in reused)
    if state == "hit" and (fresh or len(articles) != len(store.names)):
        state = "partial"
    written = use_cache and state != "hit" and builder.write(location, version, articles)
    saved = _SavedIndex(location, _corpus_key(version, articles)) if use_cache else None
    passages = TokenizedPassages(builder.passages, builder.passage_matrix(), saved)
    stats = LoadStats(
        len(articles), len(articles) - fresh, fresh, state, written, time.perf_counter() - started
    )
    log.info(
        "corpus cache %s: %d articles reused, %d processed%s",
        stats.cache,
        stats.reused,
        stats.processed,
        ", cache written" if written else "",
    )
    return articles, passages, stats


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: building millions of small tuples otherwise
    sets it off again and again, each time rescanning everything built so far."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _corpus_key(version: str, articles: Sequence[Article]) -> str:
    """Names exactly these passages: the processing version and every file, in order."""
    digest = hashlib.sha256(version.encode())
    for article in articles:
        digest.update(f"\n{article.path.name}\0{article.digest}".encode())
    return digest.hexdigest()


def _load_articles(
    folder: Path, store: _Store, skipped: list[tuple[str, str]] | None = None
) -> tuple[list[Article], list[int | None]]:
    """`load_corpus`, taking each unchanged file (same name and sha256) from `store`;
    also, per article, the store entry it came from (None when it was parsed)."""
    entries: dict[Path, int] = {}

    def reuse(path: Path, digest: str) -> Article | None:
        entry = store.find(path.name, digest)
        article = store.article(entry, path) if entry is not None else None
        if article is not None:
            entries[path] = entry
        return article

    articles = load_corpus(folder, reuse, skipped)
    return articles, [entries.get(article.path) for article in articles]


class CacheError(Exception):
    """The cache on disk is unreadable or inconsistent."""


class _Store:
    """The arrays of one cache archive: per article its metadata, body, sentences and term ids."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.names = arrays["names"].tolist()
        self.digests = arrays["digests"].tolist()
        self.meta = json.loads(arrays["meta"].tobytes().decode("utf-8")) if len(self.names) else []
        self.bodies = arrays["bodies"].tobytes()
        self.body_ptr = arrays["body_ptr"]
        self.para_ptr, self.paras = arrays["para_ptr"], arrays["paras"]
        self.sent_ptr, self.sents = arrays["sent_ptr"], arrays["sents"]
        self.tok_ptr, self.tokens = arrays["tok_ptr"], arrays["tokens"]
        self.pass_ptr, self.passes = arrays["pass_ptr"], arrays["passes"]
        blob = arrays["vocab"].tobytes().decode("utf-8")
        self.vocab = blob.split("\n") if blob else []
        self._check()
        pairs = zip(self.names, self.digests, strict=True)
        self._where = {pair: number for number, pair in enumerate(pairs)}

    @classmethod
    def empty(cls) -> _Store:
        return cls(_pack([], [], [], [], [], [], [], [], []))

    @classmethod
    def read(cls, location: Path, version: str) -> tuple[_Store | None, str]:
        """The cache at `location` if it is whole and of this version, and why not if not."""
        try:
            manifest = json.loads((location / MANIFEST).read_text("utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return None, "miss"
        except (OSError, ValueError) as error:
            log.warning("corpus cache manifest unreadable (%s); rebuilding", error)
            return None, "corrupt"
        if not isinstance(manifest, dict) or manifest.get("version") != version:
            log.info("corpus cache is from other processing code; rebuilding")
            return None, "stale"
        try:
            raw = (location / ARCHIVE).read_bytes()
            if hashlib.sha256(raw).hexdigest() != manifest.get("sha256"):
                raise CacheError("checksum mismatch")
            with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
                return cls({name: archive[name] for name in archive.files}), "hit"
        except (OSError, ValueError, KeyError, TypeError, IndexError, CacheError) as error:
            log.warning("corpus cache is corrupt (%s); rebuilding", error)
            return None, "corrupt"

    def _check(self) -> None:
        """Cheap structural checks, so a wrong archive fails here rather than later."""
        n = len(self.names)
        for name, ptr, items in (
            ("body", self.body_ptr, len(self.bodies)),
            ("para", self.para_ptr, len(self.paras)),
            ("sent", self.sent_ptr, len(self.sents)),
            ("passage", self.pass_ptr, len(self.passes)),
        ):
            if len(ptr) != n + 1 or ptr[0] != 0 or ptr[-1] != items or np.any(np.diff(ptr) < 0):
                raise CacheError(f"{name} pointers do not add up")
        tok = self.tok_ptr
        if len(tok) != len(self.sents) + 1 or tok[0] != 0 or tok[-1] != len(self.tokens):
            raise CacheError("token pointers do not add up")
        if np.any(np.diff(tok) < 0) or (len(self.tokens) and self.tokens.max() >= len(self.vocab)):
            raise CacheError("token ids out of range")
        if len(self.digests) != n or len(self.meta) != n:
            raise CacheError("article tables differ in length")
        counts = np.diff(self.sent_ptr)
        owner = np.repeat(np.arange(n), np.diff(self.pass_ptr))
        if len(self.passes) and (
            self.passes.min() < 0 or np.any(self.passes.sum(axis=1) > counts[owner])
        ):
            raise CacheError("passages point outside their article")

    def find(self, name: str, digest: str) -> int | None:
        return self._where.get((name, digest))

    def article(self, entry: int, path: Path) -> Article | None:
        """The cached article, or None if its record does not make sense."""
        try:
            text = self.bodies[self.body_ptr[entry] : self.body_ptr[entry + 1]].decode("utf-8")
            spans = self.paras[self.para_ptr[entry] : self.para_ptr[entry + 1]].tolist()
            meta = dict(zip(_META_FIELDS, self.meta[entry], strict=True))
            return Article(
                path=path,
                text=text,
                paragraphs=tuple(map(tuple, spans)),
                digest=self.digests[entry],
                **meta,
            )
        except (ValueError, TypeError) as error:
            log.warning("corpus cache record for %s is unusable (%s)", path.name, error)
            return None

    def sentences(self, entry: int) -> list[Sentence]:
        first, last = int(self.sent_ptr[entry]), int(self.sent_ptr[entry + 1])
        bounds = (self.tok_ptr[first : last + 1] - self.tok_ptr[first]).tolist()
        ids = self.tokens[self.tok_ptr[first] : self.tok_ptr[last]].tolist()
        terms = list(map(self.vocab.__getitem__, ids))  # one shared str per term
        return [
            Sentence(paragraph, start, end, tuple(terms[bounds[k] : bounds[k + 1]]))
            for k, (paragraph, start, end) in enumerate(self.sents[first:last].tolist())
        ]


class _Builder:
    """Collects each article's sentences, passages and term ids, reused or new, in order."""

    def __init__(self, store: _Store) -> None:
        self.store = store
        self.vocab = list(store.vocab)
        self.numbers: dict[str, int] | None = None
        self.sentences: list[list[Sentence]] = []
        self.passages: list[Passage] = []
        self.layouts: list[np.ndarray] = []  # per article: (first sentence, count) per passage
        self.token_parts: list[np.ndarray] = []
        self.length_parts: list[np.ndarray] = []

    def add(self, article: Article, entry: int | None) -> None:
        store = self.store
        if entry is not None:
            sentences = store.sentences(entry)
            first, last = int(store.sent_ptr[entry]), int(store.sent_ptr[entry + 1])
            tok = store.tok_ptr
            self.token_parts.append(store.tokens[tok[first] : tok[last]])
            self.length_parts.append(np.diff(tok[first : last + 1]))
            layout = store.passes[store.pass_ptr[entry] : store.pass_ptr[entry + 1]]
            self.passages.extend(
                Passage(article, tuple(sentences[a : a + n])) for a, n in layout.tolist()
            )
        else:
            sentences, passages = sentences_and_passages(article)  # CorpusError: a bad file
            if self.numbers is None:
                self.numbers = {term: number for number, term in enumerate(self.vocab)}
            ids = [self._number(term) for s in sentences for term in s.terms]
            self.token_parts.append(np.asarray(ids, dtype=np.int32))
            self.length_parts.append(np.asarray([len(s.terms) for s in sentences], dtype=np.int64))
            layout = _layout(sentences, passages)
            self.passages.extend(passages)
        self.sentences.append(sentences)
        self.layouts.append(np.asarray(layout, dtype=np.int32).reshape(-1, 2))

    def _number(self, term: str) -> int:
        number = self.numbers.setdefault(term, len(self.vocab))
        if number == len(self.vocab):
            self.vocab.append(term)
        return number

    def _sentence_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        lengths = np.concatenate([np.zeros(1, np.int64), *self.length_parts])
        tokens = np.concatenate([np.zeros(0, np.int32), *self.token_parts]).astype(np.int32)
        return np.cumsum(lengths), tokens

    def passage_matrix(self) -> TermMatrix:
        """Each passage's term ids: the token run of its consecutive sentences."""
        tok_ptr, tokens = self._sentence_arrays()
        first_sentence = _offsets([len(group) for group in self.sentences])[:-1]
        layout = np.concatenate([np.zeros((0, 2), np.int32), *self.layouts]).astype(np.int64)
        owner = np.repeat(first_sentence, [len(part) for part in self.layouts])
        begin = owner + layout[:, 0]
        starts, ends = tok_ptr[begin], tok_ptr[begin + layout[:, 1]]
        lengths = ends - starts
        return TermMatrix(tuple(self.vocab), _offsets(lengths), tokens[_ranges(starts, lengths)])

    def write(self, location: Path, version: str, articles: Sequence[Article]) -> bool:
        """Save the current articles (only those) to the cache; False if the folder is not ours."""
        tok_ptr, tokens = self._sentence_arrays()
        used = np.unique(tokens)
        renumber = np.zeros(len(self.vocab), dtype=np.int32)
        renumber[used] = np.arange(len(used), dtype=np.int32)
        vocab = [self.vocab[i] for i in used.tolist()]
        sents = [(s.paragraph, s.start, s.end) for group in self.sentences for s in group]
        arrays = _pack(
            [a.path.name for a in articles],
            [a.digest for a in articles],
            [[getattr(a, f) for f in _META_FIELDS] for a in articles],
            [a.text for a in articles],
            [a.paragraphs for a in articles],
            [len(group) for group in self.sentences],
            sents,
            [len(layout) for layout in self.layouts],
            np.concatenate([np.zeros((0, 2), np.int32), *self.layouts]),
            tok_ptr,
            renumber[tokens],
            vocab,
        )
        manifest = {"format": FORMAT, "version": version}
        return _save(location, ARCHIVE, MANIFEST, arrays, manifest)


class _SavedIndex:
    """The index model saved beside the cache, for exactly one corpus (its key) and k1/b/eps."""

    def __init__(self, location: Path, key: str) -> None:
        self.location, self.key = location, key

    def load(self, k1: float, b: float, epsilon: float) -> Okapi | None:
        try:
            manifest = json.loads((self.location / INDEX_MANIFEST).read_text("utf-8"))
            if manifest.get("key") != self.key or manifest.get("params") != [k1, b, epsilon]:
                return None
            raw = (self.location / INDEX_ARCHIVE).read_bytes()
            if hashlib.sha256(raw).hexdigest() != manifest.get("sha256"):
                raise CacheError("checksum mismatch")
            with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
                model = Okapi.from_state({name: archive[name] for name in archive.files})
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, CacheError) as error:
            log.warning("saved index is unusable (%s); rebuilding", error)
            return None
        if [model.k1, model.b, model.epsilon] != [k1, b, epsilon]:
            return None
        return model

    def save(self, model: Okapi) -> None:
        manifest = {"format": FORMAT, "key": self.key, "params": [model.k1, model.b, model.epsilon]}
        _save(self.location, INDEX_ARCHIVE, INDEX_MANIFEST, model.state(), manifest)


def _layout(sentences: list[Sentence], passages: list[Passage]) -> list[tuple[int, int]]:
    """Each passage as (first sentence, count); passages are runs of consecutive sentences."""
    position = {id(sentence): number for number, sentence in enumerate(sentences)}
    layout = []
    for passage in passages:
        first = position[id(passage.sentences[0])]
        if [position[id(s)] for s in passage.sentences] != list(
            range(first, first + len(passage.sentences))
        ):
            raise RuntimeError("make_passages returned a passage of non-consecutive sentences")
        layout.append((first, len(passage.sentences)))
    return layout


def _save(
    location: Path, archive: str, manifest_name: str, arrays: dict[str, np.ndarray], manifest: dict
) -> bool:
    """Write an archive and then its manifest (with the archive's sha256), each atomically."""
    try:
        location.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        raw = buffer.getvalue()
        _atomic_write(location / archive, raw)
        manifest = {**manifest, "sha256": hashlib.sha256(raw).hexdigest()}
        _atomic_write(location / manifest_name, json.dumps(manifest).encode("utf-8"))
    except OSError as error:
        log.info("cache not written to %s (%s)", location, error.strerror or error)
        return False
    return True


def _pack(
    names,
    digests,
    meta,
    bodies,
    paragraphs,
    sentence_counts,
    sents,
    passage_counts,
    passes,
    tok_ptr=None,
    tokens=None,
    vocab=(),
) -> dict[str, np.ndarray]:
    """The archive's arrays (fixed-width strings and numbers only: no pickled objects)."""
    encoded = [body.encode("utf-8") for body in bodies]
    return {
        "names": np.array(names, dtype=str),
        "digests": np.array(digests, dtype=str),
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
        "bodies": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "body_ptr": _offsets([len(e) for e in encoded]),
        "para_ptr": _offsets([len(p) for p in paragraphs]),
        "paras": np.array([s for p in paragraphs for s in p], dtype=np.int32).reshape(-1, 2),
        "sent_ptr": _offsets(sentence_counts),
        "sents": np.array(sents, dtype=np.int32).reshape(-1, 3),
        "pass_ptr": _offsets(passage_counts),
        "passes": np.asarray(passes, dtype=np.int32).reshape(-1, 2),
        "tok_ptr": np.zeros(1, np.int64) if tok_ptr is None else tok_ptr.astype(np.int64),
        "tokens": np.zeros(0, np.int32) if tokens is None else tokens.astype(np.int32),
        "vocab": np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8),
    }


def _offsets(counts) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(np.asarray(counts, dtype=np.int64)))).astype(np.int64)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of range(start, start + length) for each pair, without a loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    shift = np.repeat(starts - _offsets(lengths)[:-1], lengths)
    return np.arange(total, dtype=np.int64) + shift


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the cache from other readers
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
