"""`python -m bot bench-links`: how much of an article a pasted link keeps, on trafilatura's pages.

trafilatura's repository holds an evaluation set: `tests/evaldata.json` lists, for each of
its saved web pages (`tests/eval/`, `tests/cache/`), strings a good extraction must hold
("with") and boilerplate it must not ("without"). This serves a fixed, seeded sample of
those pages from 127.0.0.1, adds each one through the moderators' path (fetched over HTTP
by `draft_from_link` and added by `CorpusFolder.add_draft` to a scratch copy of the bundled
corpus, which checks, saves and reloads it), and counts the strings in the saved file and
in the passages the bot can quote. In the
same run it counts them in `trafilatura.extract()`'s output with its default settings, on
the same bytes. Pages are served as `text/html` with no charset: each declares its own, or
not. The pages are trafilatura's test files, under its licence; nothing of them is saved
here but counts and file names.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLE = 150
SEED = 17
MIN_CHARS = 250  # trafilatura's own min_extracted_size, and the bot's MIN_ARTICLE_CHARS
USAGE_HINT = (
    "Give a folder holding trafilatura's tests/evaldata.json, tests/eval and tests/cache: "
    "a checkout of https://github.com/adbar/trafilatura, or those files extracted from it."
)


@dataclass(frozen=True)
class EvalPage:
    """One page of trafilatura's evaluation set: its file and the strings to look for."""

    key: str  # the page's address in evaldata.json (or a "hard::" label)
    path: Path
    with_: tuple[str, ...]
    without: tuple[str, ...]


@dataclass
class Tally:
    """Strings found in one extractor's output, summed over the pages."""

    pages: int = 0
    added: int = 0
    kept: int = 0
    wanted: int = 0
    leaked: int = 0
    unwanted: int = 0

    def count(self, page: EvalPage, texts: list[str]) -> tuple[int, int]:
        """Count `page`'s strings that one of `texts` holds whole (white space normalised,
        as trafilatura's own evaluation compares)."""
        texts = [norm(text) for text in texts]
        kept = sum(any(norm(s) in text for text in texts) for s in page.with_)
        leaked = sum(any(norm(s) in text for text in texts) for s in page.without)
        self.pages += 1
        self.kept += kept
        self.leaked += leaked
        self.wanted += len(page.with_)
        self.unwanted += len(page.without)
        return kept, leaked

    def kept_share(self) -> float:
        return self.kept / self.wanted if self.wanted else 0.0

    def leaked_share(self) -> float:
        return self.leaked / self.unwanted if self.unwanted else 0.0


@dataclass
class Outcome:
    """What the bot did with one page, and trafilatura's length on it."""

    file: str
    added: bool
    why: str = ""
    duplicate: bool = False  # the same article as a page added before it (the set has some)
    seconds: float = 0.0
    trafilatura_chars: int = 0
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def norm(text: str) -> str:
    """White space as single spaces, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot bench-links", description=__doc__.split("\n")[0]
    )
    parser.add_argument("checkout", type=Path, help="trafilatura's checkout (or its tests/ files)")
    parser.add_argument("--sample", type=int, default=SAMPLE, help=f"pages (default {SAMPLE})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"sample seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=None, help="write the counts as JSON here")
    parser.add_argument(
        "--details", action="store_true", help="also print each refused page and missed string"
    )
    return parser


def main(args: list[str]) -> int:
    """Run the benchmark; 2 with one sentence when the checkout is not where it was said."""
    options = _parser().parse_args(args)
    try:
        pages = load_pages(options.checkout)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if options.sample < 1:
        print("--sample needs a positive number of pages.", file=sys.stderr)
        return 2
    chosen = sample(pages, options.sample, options.seed)
    results = run(chosen, details=options.details)
    results["sample"] = {"pages": len(chosen), "seed": options.seed, "of": len(pages)}
    print(table(results))
    if options.out:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(as_json(results), encoding="utf-8")
        print(f"\nwrote {options.out}")
    return 0


def as_json(results: dict) -> str:
    """The results as JSON, one line a page."""
    head = json.dumps({k: v for k, v in results.items() if k != "pages"}, indent=1)
    pages = ",\n  ".join(json.dumps(page, ensure_ascii=False) for page in results["pages"])
    return f'{head[:-2]},\n "pages": [\n  {pages}\n ]\n}}\n'


def load_pages(checkout: Path) -> list[EvalPage]:
    """The evaluation pages of a trafilatura checkout whose HTML file is there, by key."""
    tests = checkout / "tests" if (checkout / "tests" / "evaldata.json").is_file() else checkout
    index = tests / "evaldata.json"
    if not index.is_file():
        raise ValueError(f"There is no tests/evaldata.json in {checkout}. {USAGE_HINT}")
    try:
        entries = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{index} could not be read as JSON ({error}).") from None
    pages = []
    for key, entry in sorted(entries.items()):
        found = [tests / d / entry["file"] for d in ("cache", "eval")]
        path = next((p for p in found if p.is_file()), None)
        if path is not None:
            pages.append(EvalPage(key, path, tuple(entry["with"]), tuple(entry["without"])))
    if not pages:
        raise ValueError(f"None of the pages listed in {index} is in tests/eval or tests/cache.")
    return pages


def sample(pages: list[EvalPage], size: int, seed: int) -> list[EvalPage]:
    """The first `size` pages after shuffling the key-sorted list with `seed`: every larger
    sample holds the smaller ones."""
    order = sorted(pages, key=lambda page: page.key)
    random.Random(seed).shuffle(order)
    return order[:size]


def run(pages: list[EvalPage], details: bool = False) -> dict:
    """Add every page as a moderator would and count the strings; trafilatura alongside."""
    import trafilatura

    from bot.engine.answer import Engine
    from bot.engine.changes import Actor, ChangeRefused, CorpusFolder
    from bot.engine.chunking import sentences_and_passages
    from bot.engine.corpus import BUNDLED_CORPUS
    from bot.engine.extract import ExtractError, draft_from_link
    from bot.engine.fetch import FetchError

    saved, quotable, theirs = Tally(), Tally(), Tally()
    outcomes: list[Outcome] = []
    actor = Actor(name="bench-links", server_name="the link benchmark")
    with _served(pages) as base, tempfile.TemporaryDirectory() as scratch:
        # A corpus folder must load before anything is added to it: the bundled articles.
        corpus = Path(scratch) / "corpus"
        shutil.copytree(BUNDLED_CORPUS, corpus, ignore=shutil.ignore_patterns(".*"))
        folder = CorpusFolder(corpus, Engine.load(corpus))
        for number, page in enumerate(pages):
            body = page.path.read_bytes()
            extracted = trafilatura.extract(body) or ""  # its defaults, on the same bytes
            outcome = Outcome(page.path.name, False, trafilatura_chars=len(extracted))
            outcome.counts["trafilatura"] = theirs.count(page, [extracted])
            theirs.added += len(extracted) >= MIN_CHARS
            link = f"{base}/page/{number}.html"
            article, passages = None, []
            start = time.perf_counter()
            try:  # what `add URL` and `!addarticle` do, through the same engine calls
                folder.refuse_known_link(link)
                draft = asyncio.run(draft_from_link(link, allow_private=True))
                added = folder.add_draft(draft, link, actor)
            except (FetchError, ExtractError, ChangeRefused) as error:
                why = str(error)
                outcome.duplicate = "is already in the corpus" in why
                # (a duplicate's sentence names the earlier page's title: not kept)
                outcome.why = "the same article as a page before" if outcome.duplicate else why
            else:
                outcome.added = added.loaded and added.article is not None
                if outcome.added:
                    article = added.article
                    _, passages = sentences_and_passages(article)
                else:
                    outcome.why = f"the corpus would not load: {added.problems}"
            outcome.seconds = time.perf_counter() - start
            shown = [p.article.text[p.start : p.end] for p in passages]
            outcome.counts["saved"] = saved.count(page, [article.body] if article else [])
            outcome.counts["quotable"] = quotable.count(page, shown)
            saved.added += outcome.added
            outcomes.append(outcome)
            if details:
                _print_details(page, outcome, shown)
    return _summary(saved, quotable, theirs, outcomes)


def _summary(saved: Tally, quotable: Tally, theirs: Tally, outcomes: list[Outcome]) -> dict:
    seconds = sorted(o.seconds for o in outcomes)
    wrongly_refused = [
        o.file
        for o in outcomes
        if not o.added and not o.duplicate and o.trafilatura_chars >= MIN_CHARS
    ]
    return {
        "bot": {
            "pages_added": saved.added,
            "wrongly_refused": wrongly_refused,
            "duplicates": [o.file for o in outcomes if o.duplicate],
            "saved": {"kept": saved.kept_share(), "leaked": saved.leaked_share()},
            "quotable": {"kept": quotable.kept_share(), "leaked": quotable.leaked_share()},
            "strings": {"with": saved.wanted, "without": saved.unwanted},
            "seconds_per_page": {
                "median": statistics.median(seconds),
                "p95": seconds[int(0.95 * (len(seconds) - 1))],
                "max": seconds[-1],
            },
        },
        "trafilatura": {
            "version": _version(),
            "pages_250_chars": theirs.added,
            "kept": theirs.kept_share(),
            "leaked": theirs.leaked_share(),
        },
        "pages": [
            {
                "file": o.file,
                "added": o.added,
                "refusal": o.why or None,
                "duplicate": o.duplicate,
                "seconds": round(o.seconds, 3),
                "trafilatura_chars": o.trafilatura_chars,
                "with_without": o.counts,
            }
            for o in outcomes
        ],
    }


def _version() -> str:
    from importlib.metadata import version

    return version("trafilatura")


def table(results: dict) -> str:
    """docs/links.md's table: pages added, "with" strings kept, "without" strings leaked."""
    bot, theirs, size = results["bot"], results["trafilatura"], results["sample"]["pages"]
    refused = f"{len(bot['wrongly_refused'])} wrongly refused"
    if bot["duplicates"]:
        refused += f", {len(bot['duplicates'])} the same article as a page before"
    seconds = bot["seconds_per_page"]
    lines = [
        f'| {size} pages | pages added | "with" strings kept | "without" strings leaked |',
        "|---|---|---|---|",
        f"| this bot (saved file / quotable passages) | {bot['pages_added']} "
        f"({refused}) | {_pct(bot['saved']['kept'])} / "
        f"{_pct(bot['quotable']['kept'])} | {_pct(bot['saved']['leaked'])} / "
        f"{_pct(bot['quotable']['leaked'])} |",
        f"| `trafilatura.extract(html)` {theirs['version']}, default settings | "
        f"{theirs['pages_250_chars']} have ≥ {MIN_CHARS} characters | {_pct(theirs['kept'])} | "
        f"{_pct(theirs['leaked'])} |",
        "",
        f'{bot["strings"]["with"]} "with" and {bot["strings"]["without"]} "without" strings; '
        f"seed {results['sample']['seed']}. Adding a page (fetch, extract, save, reload): median "
        f"{seconds['median']:.2f} s, p95 {seconds['p95']:.2f} s, max {seconds['max']:.2f} s.",
    ]
    if bot["wrongly_refused"]:
        lines.append("Wrongly refused: " + ", ".join(bot["wrongly_refused"]) + ".")
    return "\n".join(lines)


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _print_details(page: EvalPage, outcome: Outcome, shown: list[str]) -> None:
    """The page's refusal, and each string missed or leaked by the quotable passages."""
    if not outcome.added:
        print(f"refused {outcome.file}: {outcome.why}")
    texts = [norm(text) for text in shown]
    for s in page.with_:
        if not any(norm(s) in text for text in texts):
            print(f"missed  {outcome.file}: {norm(s)[:100]!r}")
    for s in page.without:
        if any(norm(s) in text for text in texts):
            print(f"leaked  {outcome.file}: {norm(s)[:100]!r}")


@contextlib.contextmanager
def _served(pages: list[EvalPage]) -> Iterator[str]:
    """Serve page N's bytes at /page/N.html on 127.0.0.1, as text/html without a charset."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            match = re.fullmatch(r"/page/(\d+)\.html", self.path)
            if not match or int(match.group(1)) >= len(pages):
                self.send_error(404)
                return
            body = pages[int(match.group(1))].path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
