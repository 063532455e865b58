"""One measurement in a fresh process, printed as one JSON line: `python -m benchmarks.measure`.

    generate OUT SIZES SEED N EVAL  corpora (largest first, smaller ones linked), questions
    phases FOLDER                   the cold path on one core: parse, split, tokenise, index
    cold FOLDER                     the real cold build (every core, writes the store)
    warm FOLDER QUESTIONS           Engine.load from the store; our, bm25s's, tantivy's latency
    reload FOLDER                   Engine.load after one article is added, edited, removed

Each size runs in its own processes so ru_maxrss is that size's peak alone.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

WARMUP = 10
TOP_K = 40  # the passage pool Engine.ask asks the index for


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def resident_mb() -> dict:
    """Resident memory now: private (anonymous) and mapped from files (the store's pages,
    shared with the page cache and dropped under pressure). Linux only; empty elsewhere."""
    found = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile"):
                found[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


def generate(out: Path, sizes: list[int], seed: int, questions: int, eval_file: Path) -> dict:
    from benchmarks.synth import Generator

    started = time.perf_counter()
    generator = Generator(Path(__file__).resolve().parent.parent / "corpus", seed=seed)
    largest = out / f"articles-{max(sizes)}"
    paths = generator.write(largest, max(sizes))
    for size in sizes:
        folder = out / f"articles-{size}"
        if folder == largest:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for path in paths[:size]:
            os.link(path, folder / path.name)
    asked = generator.questions(largest, questions, eval_file)
    (out / "questions.json").write_text(json.dumps(asked, indent=0), "utf-8")
    return {"seconds": time.perf_counter() - started, "questions": len(asked)}


def phases(folder: Path) -> dict:
    """The cold path step by step, with the functions `split_sentences` is made of."""
    from bot.engine.chunking import Sentence, make_passages
    from bot.engine.corpus import load_corpus
    from bot.engine.index import Index
    from bot.engine.text import sentence_spans, tokenize

    timings = {}
    started = time.perf_counter()
    articles = load_corpus(folder)
    timings["load"] = time.perf_counter() - started

    started = time.perf_counter()
    spans = [
        [
            (number, p_start, sentence_spans(a.text[p_start:p_end]))
            for number, (p_start, p_end) in enumerate(a.paragraphs)
        ]
        for a in articles
    ]
    timings["split"] = time.perf_counter() - started

    started = time.perf_counter()
    terms = [
        [[tuple(tokenize(a.text[p + s : p + e])) for s, e in found] for _, p, found in paragraphs]
        for a, paragraphs in zip(articles, spans, strict=True)
    ]
    timings["tokenise"] = time.perf_counter() - started

    started = time.perf_counter()
    passages = []
    for article, paragraphs, article_terms in zip(articles, spans, terms, strict=True):
        sentences = [
            Sentence(number, p + s, p + e, t)
            for (number, p, found), paragraph_terms in zip(paragraphs, article_terms, strict=True)
            for (s, e), t in zip(found, paragraph_terms, strict=True)
        ]
        passages.extend(make_passages(article, sentences))
    index = Index(passages)
    timings["index"] = time.perf_counter() - started
    return {
        "phases": timings,
        "articles": len(articles),
        "passages": len(index),
        "terms": len(index.bm25.idf),
        "postings": len(index.bm25.postings.docs),
        "peak_mb": peak_mb(),
    }


def cold(folder: Path) -> dict:
    """Engine.load with no store: every core processes, the store is written."""
    from bot.engine.answer import Engine
    from bot.engine.store import STORE_FOLDER, load, paused_gc

    shutil.rmtree(folder / STORE_FOLDER, ignore_errors=True)
    started = time.perf_counter()
    with paused_gc():  # as Engine.load does
        articles, passages, stats = load(folder)
        engine = Engine(articles, passages)
    return {
        "seconds": time.perf_counter() - started,
        "phases": stats.phases,
        "passages": len(engine.passages),
        "peak_mb": peak_mb(),
        "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def reload(folder: Path) -> dict:
    """Engine.load after one article is added, then edited, then removed (a bot's reload)."""
    from bot.engine.answer import Engine
    from bot.engine.store import load

    load(folder)  # the store is current and its modules imported, as in a running bot
    names = sorted(p.name for p in folder.glob("*.md"))
    added = folder / f"{Path(names[len(names) // 2]).stem}-added.md"
    edited = folder / names[len(names) // 3]
    original = edited.read_bytes()
    source = Path(__file__).resolve().parent.parent / "corpus" / "cities-vow-to-resist-ice-raids.md"
    timings, processed = {}, {}

    def timed(step: str) -> None:
        started = time.perf_counter()
        engine = Engine.load(folder)
        timings[step] = time.perf_counter() - started
        processed[step] = len(engine.passages)

    try:
        shutil.copy(source, added)
        timed("add")
        _replace(edited, original + b"\nOne more sentence was added to this article.\n")
        timed("edit")
        added.unlink()
        timed("remove")
    finally:
        added.unlink(missing_ok=True)
        _replace(edited, original)  # a new file: the smaller corpora link the old one
    return {"seconds": timings, "passages": processed, "peak_mb": peak_mb()}


def _replace(path: Path, data: bytes) -> None:
    """Write a new file in `path`'s place (never into a file another corpus links to)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def percentiles(samples: list[float]) -> dict:
    import numpy as np

    ms = np.array(samples) * 1000
    return {
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()),
        "n": len(ms),
    }


def warm(folder: Path, question_file: Path) -> dict:
    import_started = time.perf_counter()
    from bot.engine.answer import Engine
    from bot.engine.text import tokenize

    imported = time.perf_counter() - import_started
    started = time.perf_counter()
    engine = Engine.load(folder)
    restart = time.perf_counter() - started

    questions = json.loads(question_file.read_text("utf-8"))
    queries = [list(dict.fromkeys(tokenize(q))) for q in questions]
    queries = [q for q in queries if q]
    for question in questions[:WARMUP]:
        engine.ask(question)
    asked = []
    for question in questions:
        started = time.perf_counter()
        engine.ask(question)
        asked.append(time.perf_counter() - started)
    ours_peak, ours_resident = peak_mb(), resident_mb()

    matrix = engine.passages.matrix  # the passages' terms, without building every passage
    bounds, ids = matrix.indptr.tolist(), matrix.ids.tolist()
    terms = [matrix.vocab[i] for i in ids]
    del ids
    peers = _peers([terms[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)])
    del terms
    engines = {"ours": lambda terms: engine.index.search(dict.fromkeys(terms, 1.0), TOP_K)}
    engines.update({name: peer.search for name, peer in peers.items()})
    latencies: dict[str, list[float]] = {name: [] for name in engines}
    names = list(engines)
    for terms in queries[:WARMUP]:
        for name in names:
            engines[name](terms)
    for number, terms in enumerate(queries):
        for name in names[number % len(names) :] + names[: number % len(names)]:
            search = engines[name]
            started = time.perf_counter()
            search(terms)
            latencies[name].append(time.perf_counter() - started)
    return {
        "import_seconds": imported,
        "restart_seconds": restart,
        "peak_mb": ours_peak,
        "resident_mb": ours_resident,
        "ask": percentiles(asked),
        "search": {name: percentiles(samples) for name, samples in latencies.items()},
        "peer_build_seconds": {name: peer.build_seconds for name, peer in peers.items()},
        "queries": len(queries),
    }


class _Bm25s:
    """bm25s over our passages' own terms (given as ids with our vocabulary)."""

    def __init__(self, documents: list[list[str]]) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        started = time.perf_counter()
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in documents]
        self.retriever = bm25s.BM25(k1=1.2, b=0.75, method="robertson")
        self.retriever.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
        self.vocab = vocab
        self.build_seconds = time.perf_counter() - started

    def search(self, terms: list[str]):
        known = [t for t in terms if t in self.vocab]
        if not known:
            return None
        return self.retriever.retrieve([known], k=TOP_K, show_progress=False, n_threads=0)


class _Tantivy:
    """tantivy over the same terms: a whitespace-tokenised field, term queries OR-ed."""

    def __init__(self, documents: list[list[str]]) -> None:
        import tantivy

        started = time.perf_counter()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        writer = self.index.writer(heap_size=256_000_000, num_threads=1)
        for doc in documents:
            writer.add_document(tantivy.Document(body=" ".join(doc)))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()
        self.tantivy = tantivy
        self.build_seconds = time.perf_counter() - started

    def search(self, terms: list[str]):
        t = self.tantivy
        query = t.Query.boolean_query(
            [
                (t.Occur.Should, t.Query.term_query(self.schema, "body", term, index_option="freq"))
                for term in terms
            ]
        )
        return self.searcher.search(query, TOP_K).hits


def _peers(documents: list[list[str]]) -> dict:
    return {"bm25s": _Bm25s(documents), "tantivy": _Tantivy(documents)}


def main(argv: list[str]) -> int:
    command, *rest = argv
    if command == "generate":
        out, sizes, seed, count, eval_file = rest
        result = generate(
            Path(out), [int(s) for s in sizes.split(",")], int(seed), int(count), Path(eval_file)
        )
    elif command == "phases":
        result = phases(Path(rest[0]))
    elif command == "cold":
        result = cold(Path(rest[0]))
    elif command == "warm":
        result = warm(Path(rest[0]), Path(rest[1]))
    elif command == "reload":
        result = reload(Path(rest[0]))
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
