"""The command line: the Discord bot when a token is set, else the local harness.

python -m bot                      run the Discord bot, or the harness without a token
python -m bot ask QUESTION         answer one question (--json, -k N, --corpus DIR)
python -m bot repl                 ask questions interactively, or one per input line
python -m bot sources              list the loaded articles
python -m bot verify               check the corpus store byte for byte (rebuilt if damaged)
python -m bot eval [FILE...]       score answers against question files (--sweep)
python -m bot add URL|FILE         add an article from its link or a file (--corpus DIR)
python -m bot bench-links PATH     how much of each linked article is kept (trafilatura's pages)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path

from bot.engine.answer import RANKED_QUOTES, Engine, QuestionError
from bot.engine.corpus import BUNDLED_CORPUS, CorpusError

BUNDLED_EVAL = Path(__file__).resolve().parent.parent / "eval" / "questions.json"
HISTORY_FILE = Path.home() / ".newsquote_history"


def default_corpus() -> Path:
    """CORPUS_DIR from the environment, else the corpus bundled with the project."""
    return Path(os.environ.get("CORPUS_DIR") or BUNDLED_CORPUS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answer questions about the news with verbatim, cited quotes.",
    )
    parser.add_argument("--corpus", type=Path, default=None, help="folder of article files")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command")

    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="+", help="the question, in plain words")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("-k", type=int, default=5, help="how many quotes (1-15, default 5)")
    ask.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

    repl = commands.add_parser("repl", help="ask questions at a prompt, or one per input line")
    repl.add_argument("--json", action="store_true", help="print answers as JSON")
    repl.add_argument("-k", type=int, default=5, help="how many quotes (1-15, default 5)")
    repl.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

    sources = commands.add_parser("sources", help="list the loaded articles")
    sources.add_argument(
        "--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles"
    )

    evaluate = commands.add_parser("eval", help="score the answers on a question file")
    evaluate.add_argument("file", type=Path, nargs="*", default=[BUNDLED_EVAL])
    evaluate.add_argument(
        "--sweep", action="store_true", help="compare passage windows and BM25 k1/b instead"
    )
    evaluate.add_argument(
        "--baseline",
        action="store_true",
        help="also score bm25s's top paragraphs on the same files (needs the dev install)",
    )
    evaluate.add_argument(
        "--without",
        default="",
        metavar="FEATURES",
        help="switch features off to measure them: context, answer-types, word-knowledge",
    )
    evaluate.add_argument(
        "--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles"
    )

    add = commands.add_parser("add", help="add an article from its link or a .txt/.md file")
    add.add_argument("source", help="the article's http(s) link, or a .txt or .md file")
    add.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

    verify = commands.add_parser(
        "verify", help="check every byte of the corpus store, and rebuild it if damaged"
    )
    verify.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

    commands.add_parser("bench", help="measure start-up and latency at scale (bench --help)")
    commands.add_parser(
        "bench-links", help="measure adding links on trafilatura's pages (bench-links --help)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # its options are its own (argparse would take --sizes)
        from benchmarks.bench import main as bench_main

        return bench_main(argv[1:])
    if argv[:1] == ["bench-links"]:
        from benchmarks.links import main as links_main

        return links_main(argv[1:])
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return _run(args)
    except (CorpusError, QuestionError, ValueError) as error:
        print(_sentence(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def _sentence(error: Exception) -> str:
    if isinstance(error, CorpusError):
        return f"Could not load the corpus: {error.summary}."
    return str(error)


def _run(args: argparse.Namespace) -> int:
    corpus = args.corpus or default_corpus()
    if args.command is None:
        from bot.discord.settings import load_settings  # the environment over .env

        settings = load_settings()
        if settings.token:
            from bot.discord.app import run_bot

            return run_bot()
        print("DISCORD_TOKEN is not set, so this starts the local harness instead of the bot.")
        return _repl(_load(args.corpus or settings.corpus_dir), k=5, as_json=False)
    if getattr(args, "k", 5) not in range(1, RANKED_QUOTES + 1):
        raise ValueError(f"-k must be between 1 and {RANKED_QUOTES}.")
    if args.command == "ask":
        from bot.engine.answer import validate_question

        question = validate_question(" ".join(args.question))  # before loading anything
        engine = _load(corpus)
        print(_render(engine, question, args.k, args.json))
        return 0
    if args.command == "eval" and args.sweep:
        return _sweep(corpus, args.file)
    if args.command == "add":
        return _add(corpus, args.source)
    if args.command == "verify":
        return _verify(corpus)
    engine = _load(corpus)
    if args.command == "repl":
        return _repl(engine, args.k, args.json)
    if args.command == "sources":
        return _sources(engine)
    return _eval(engine, args.file, args.baseline, args.without)


def _add(corpus: Path, source: str) -> int:
    """Add one article to the corpus folder the way a moderator's addarticle does."""
    import asyncio
    import getpass

    from bot.engine import history
    from bot.engine.corpus import ARTICLE_SUFFIXES, MAX_ARTICLE_BYTES, describe_source
    from bot.engine.intake import checked_article, duplicate_of, link_in_corpus, safe_file_name

    engine = _load(corpus)  # the corpus must load before anything is added to it
    links: tuple[str, ...] = ()
    if "://" in source or source.lower().startswith(("http:", "https:")):
        from bot.discord.settings import load_settings
        from bot.engine.extract import draft_from_link  # trafilatura loads only here

        known = link_in_corpus([source], engine.articles)
        if known:
            raise ValueError(known)
        allow_private = load_settings().allow_private_urls
        draft = asyncio.run(draft_from_link(source, allow_private))
        raw, filename = draft.file_text().encode(), draft.file_name()
        links = (source, draft.fetched_url)
    else:
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"{source} is neither an http(s) link nor a file.")
        if path.suffix.lower() not in ARTICLE_SUFFIXES:
            raise ValueError(f"{path.name} is not a .txt or .md file.")
        if path.stat().st_size > MAX_ARTICLE_BYTES:
            raise ValueError(f"{path.name} is larger than {MAX_ARTICLE_BYTES:,} bytes.")
        raw, filename = path.read_bytes(), path.name
    try:
        article = checked_article(raw, filename)
    except CorpusError as error:
        raise ValueError(f"I can't add that file: {error.summary}.") from None
    twin = duplicate_of(article, engine.articles, links)
    if twin:
        raise ValueError(twin)
    target = safe_file_name(corpus, filename)
    with target.open("xb") as file:  # "x": never overwrite
        file.write(raw)
    skipped: list[tuple[str, str]] = []
    try:
        engine = Engine.load(corpus, skipped)
        problems = [(name, why) for name, why in skipped if name == target.name]
        if problems:
            raise CorpusError(problems)
    except CorpusError as error:
        target.unlink()
        raise ValueError(
            f"The corpus would not load ({error.summary}), so I removed {target.name} again."
        ) from None
    passages = engine.passage_counts()[target.stem]
    history.record(
        corpus,
        history.Change.now(
            who_id=None,
            who_name=getpass.getuser(),
            server_id=None,
            server_name="the local harness",
            action="add",
            file=target.name,
            sha256=article.digest,
            note=source,
        ),
    )
    print(f"Added {describe_source(article)} as {target.name} ({passages} passages).")
    return 0


def _load(corpus: Path) -> Engine:
    """The engine over the folder's good articles; each bad file is named on stderr."""
    skipped: list[tuple[str, str]] = []
    engine = Engine.load(corpus, skipped)
    for name, why in skipped:
        print(f"Not loaded: {name} {why}.", file=sys.stderr)
    return engine


def _verify(corpus: Path) -> int:
    from bot.engine import store

    problems = store.verify(corpus)
    for problem in problems or ():
        print(f"store: {problem}")
    skipped: list[tuple[str, str]] = []
    _, _, stats = store.load(corpus, verify=True, skipped=skipped)  # rebuilds what is damaged
    for name, why in skipped:
        print(f"Not loaded: {name} {why}.", file=sys.stderr)
    if problems is None:
        print(f"There was no store yet; it is built: {stats.articles} articles.")
    elif problems:
        print(f"The store was rebuilt: {stats.articles} articles.")
        return 1
    else:
        print(f"The store checks out: {stats.articles} articles.")
    return 0


def _sweep(corpus: Path, files: list[Path]) -> int:
    from bot.evaluation import load_questions, sweep

    sets = {f"{path.parent.name}/{path.name}": load_questions(path) for path in files}
    settings = [{"window": w, "stride": s} for w in (1, 2, 3, 4, 5) for s in (1, 2) if s <= w] + [
        {"k1": k1, "b": b} for k1 in (0.9, 1.2, 1.5, 2.0) for b in (0.5, 0.75, 0.9)
    ]
    header = "  ".join(f"{name} (of {len(questions)})" for name, questions in sets.items())
    print(f"{'setting':<22}  {header}")
    for setting, passed in zip(settings, sweep(corpus, sets, settings), strict=True):
        label = " ".join(f"{key}={value}" for key, value in setting.items())
        print(f"{label:<22}  " + "  ".join(f"{passed[n]:>{len(n) + 7}}" for n in sets))
    return 0


def _render(engine: Engine, question: str, k: int, as_json: bool) -> str:
    from bot.render import as_json as to_json
    from bot.render import as_text

    answer = engine.ask(question)
    quotes = answer.quotes[:k]
    return to_json(answer, quotes) if as_json else as_text(answer, quotes)


def _repl(engine: Engine, k: int, as_json: bool) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        _enable_history()
        print(
            f"{len(engine.articles)} articles loaded. "
            "Ask a question; an empty line or Ctrl-D quits."
        )
    while True:
        try:
            line = input("? ") if interactive else sys.stdin.readline()
        except EOFError:
            print()
            return 0
        if not interactive and not line:
            return 0
        if not line.strip():
            if interactive:
                return 0
            continue
        try:
            print(_render(engine, line, k, as_json))
        except QuestionError as error:
            print(error)
        print()


def _enable_history() -> None:
    try:
        import atexit
        import readline
    except ImportError:  # not on every platform
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY_FILE)
    atexit.register(_save_history, readline)


def _save_history(readline) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(HISTORY_FILE)


def _sources(engine: Engine) -> int:
    from bot.engine.corpus import describe_source

    counts = engine.passage_counts()
    for number, article in enumerate(engine.articles, 1):
        print(
            f"{number}. {describe_source(article)} ({counts[article.id]} passages)"
            f" - {article.path.name}"
        )
    return 0


def _eval(engine: Engine, paths: list[Path], baseline: bool = False, without: str = "") -> int:
    from bot.engine.answer import Features
    from bot.evaluation import Bm25sBaseline, evaluate, kind_totals, load_questions

    engine.features = Features.without(without)

    questions = [q for path in paths for q in load_questions(path)]
    verdicts = evaluate(engine, questions)
    for v in verdicts:
        print(f"{'PASS' if v.passed else 'FAIL'}  {v.kind:<4}  {v.id}: {v.detail}")
    rows = [("this bot", verdicts)]
    if baseline:
        rows.append(("bm25s", evaluate(Bm25sBaseline(engine.articles), questions)))
    for name, row in rows:
        kinds = ", ".join(f"{kind} {p}/{n}" for kind, (p, n) in kind_totals(row).items())
        print(f"{name}: {sum(v.passed for v in row)}/{len(row)} ({kinds})")
    passed = sum(v.passed for v in verdicts)
    print(f"{passed}/{len(verdicts)} passed")
    return 0 if passed == len(verdicts) else 1
