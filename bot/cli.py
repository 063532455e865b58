"""The command line: the Discord bot when a token is set, else the local harness.

python -m bot                      run the Discord bot, or the harness without a token
python -m bot ask QUESTION         answer one question (--json, -k N, --corpus DIR)
python -m bot repl                 ask questions interactively, or one per input line
python -m bot sources              list the loaded articles
python -m bot verify               check the corpus store byte for byte (rebuilt if damaged)
python -m bot eval [FILE...]       score answers against question files (--sweep)
python -m bot add URL|FILE         add an article from its link or a file (--corpus DIR)
python -m bot remove ARTICLE       move an article (number in sources, or file) to .trash
python -m bot restore FILE         bring a removed article back from .trash
python -m bot history [-n N]       show the latest changes to the articles
python -m bot unanswered [--days N]  what members asked in Discord that no article answers
python -m bot check                check the set-up before starting the bot (never connects)
python -m bot bench-links PATH     how much of each linked article is kept (trafilatura's pages)

The corpus is --corpus DIR, else CORPUS_DIR (the environment over .env), else the
bundled one. Changes go through `bot.engine.changes`, as the moderators' commands in
Discord do, and are recorded with the local user as the one who made them; an article
added or restored is put to the question log's open questions (DATA_DIR) as there. The
command line never imports the Discord layer, except to start the bot and to check it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engine.answer import RANKED_QUOTES, Engine, QuestionError
from bot.engine.corpus import CorpusError
from bot.settings import MAX_LOG_DAYS, environment, load_corpus_settings

if TYPE_CHECKING:
    from bot.engine.changes import CorpusFolder, Outcome
    from bot.engine.questionlog import QuestionLog

BUNDLED_EVAL = Path(__file__).resolve().parent.parent / "eval" / "questions.json"
HISTORY_FILE = Path.home() / ".newsquote_history"
HISTORY_SHOWN = 10


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
    ask.add_argument(
        "--after", metavar="EARLIER", help="ask it as a follow-up to this earlier question"
    )

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

    remove = commands.add_parser("remove", help="move an article to .trash (restore undoes it)")
    remove.add_argument("article", help="its number in `sources`, or its file name")
    remove.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

    restore = commands.add_parser("restore", help="bring a removed article back from .trash")
    restore.add_argument("file", help="its file name in .trash (`history` shows them)")
    restore.add_argument(
        "--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles"
    )

    shown = commands.add_parser("history", help="show the latest changes to the articles")
    shown.add_argument(
        "-n", type=int, default=HISTORY_SHOWN, help=f"how many (default {HISTORY_SHOWN})"
    )
    shown.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

    verify = commands.add_parser(
        "verify", help="check every byte of the corpus store, and rebuild it if damaged"
    )
    verify.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

    unanswered = commands.add_parser(
        "unanswered", help="the questions asked in Discord that the articles don't answer"
    )
    unanswered.add_argument(
        "--days", type=int, default=None, help="how many days back (default: all that is kept)"
    )

    check = commands.add_parser(
        "check", help="check settings, token, corpus, store, data folder and packages"
    )
    check.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="folder of articles")

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
    except OSError as error:  # a file or folder that cannot be read or written
        print(f"{error.strerror or error}: {error.filename}.", file=sys.stderr)
        return 2


def _sentence(error: Exception) -> str:
    if isinstance(error, CorpusError):
        return f"Could not load the corpus: {error.summary}."
    return str(error)


def _run(args: argparse.Namespace) -> int:
    if args.command is None:
        return _start(args.corpus)
    if args.command == "check":
        from bot.check import check

        return check(args.corpus)  # reads CORPUS_DIR itself: a bad one is one of its lines
    if args.command == "unanswered":
        return _unanswered(args.days)
    corpus = args.corpus or load_corpus_settings().corpus_dir
    if getattr(args, "k", 5) not in range(1, RANKED_QUOTES + 1):
        raise ValueError(f"-k must be between 1 and {RANKED_QUOTES}.")
    if args.command == "ask":
        from bot.engine.answer import validate_question

        question = validate_question(" ".join(args.question))  # before loading anything
        after = validate_question(args.after) if args.after is not None else None
        engine = _load(corpus)
        print(_render(engine, question, args.k, args.json, after))
        return 0
    if args.command == "eval" and args.sweep:
        return _sweep(corpus, args.file)
    if args.command in ("add", "remove", "restore", "history"):
        return _change(corpus, args)
    if args.command == "verify":
        return _verify(corpus)
    engine = _load(corpus)
    if args.command == "repl":
        return _repl(engine, args.k, args.json)
    if args.command == "sources":
        return _sources(engine)
    return _eval(engine, args.file, args.baseline, args.without)


def _start(corpus: Path | None) -> int:
    """The Discord bot when DISCORD_TOKEN is set, else the harness's prompt."""
    environ = environment()  # the process environment over .env
    if (environ.get("DISCORD_TOKEN") or "").strip():
        from bot.discord.startup import run_bot  # into the Discord layer, only to start it

        return run_bot()
    print("DISCORD_TOKEN is not set, so this starts the local harness instead of the bot.")
    return _repl(_load(corpus or load_corpus_settings(environ).corpus_dir), k=5, as_json=False)


def _change(corpus: Path, args: argparse.Namespace) -> int:
    """add, remove, restore or history: the moderators' commands, made by the local user."""
    from bot.engine.changes import Actor, CorpusFolder, history_line

    if args.command == "history":
        if args.n < 1:
            raise ValueError("-n must be at least 1.")
        if not corpus.is_dir():
            raise CorpusError([(str(corpus), "is not a folder")])
        entries = CorpusFolder(corpus).history(args.n)
        if not entries:
            print("No changes to the articles have been recorded yet.")
            return 0
        print(f"The latest {len(entries)} changes to the articles, newest first:")
        for change in reversed(entries):
            print(history_line(change))
        return 0
    # The corpus must load before it is changed; a file it leaves out is named.
    folder = CorpusFolder(corpus, _load(corpus), questions=_question_log())
    if args.command == "remove":
        return _report(folder.remove(args.article, Actor.local()))
    if args.command == "restore":
        return _report(folder.restore(args.file, Actor.local()))
    return _report(_add(folder, args.source))


def _add(folder: CorpusFolder, source: str) -> Outcome:
    """Add an article from its link or a file, as a moderator's addarticle does."""
    from bot.engine.changes import Actor, check_upload

    if "://" in source or source.lower().startswith(("http:", "https:")):
        import asyncio

        from bot.engine.extract import draft_from_link  # trafilatura loads only here

        folder.refuse_known_link(source)  # before fetching anything
        allow_private = load_corpus_settings().allow_private_urls
        draft = asyncio.run(draft_from_link(source, allow_private))
        return folder.add_draft(draft, source, Actor.local())
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"{source} is neither an http(s) link nor a file.")
    check_upload(path.name, path.stat().st_size)
    return folder.add(path.read_bytes(), path.name, Actor.local(), source)


def _report(outcome: Outcome) -> int:
    """Print what a change did; exit code 2 when it was undone because the corpus would not load."""
    from bot.engine.corpus import describe_source

    problems = CorpusError(list(outcome.problems)).summary
    if outcome.undone:
        print(
            f"The corpus would not load ({problems}), so I {outcome.put_back()}.", file=sys.stderr
        )
        return 2
    name = describe_source(outcome.article) if outcome.article else outcome.file
    passages = outcome.passages(outcome.file or "")
    print(f"{outcome.done(name)}" + (f" ({passages} passages)." if passages is not None else "."))
    if not outcome.loaded:  # a file that was not loaded was removed; others still fail
        print(f"The corpus still does not load: {problems}.", file=sys.stderr)
    if outcome.history_error:
        print(f"I could not write this to the history ({outcome.history_error}).", file=sys.stderr)
    if outcome.answers:
        from bot.render import answered_header, answered_line

        print(answered_header(len(outcome.answers)) + ":")
        for question in outcome.answers:
            print(f"- {answered_line(question)}")
        print("Members who asked to be told get the answer once the bot starts or reloads.")
    return 0


def _question_log() -> QuestionLog | None:
    """The question log in DATA_DIR if questions are logged and one was ever written."""
    from bot.engine.questionlog import LOG_FILE, QuestionLog

    settings = load_corpus_settings()
    path = settings.data_dir / LOG_FILE
    if not settings.question_log_days or not path.is_file():
        return None
    return QuestionLog(path, settings.question_log_days)


def _unanswered(days: int | None) -> int:
    """What members asked in Discord that the articles don't answer, as moderators see it."""
    from bot.engine.questionlog import LOG_FILE, group
    from bot.render import unanswered_header, unanswered_line

    settings = load_corpus_settings()
    kept = settings.question_log_days
    if days is not None and not 1 <= days <= MAX_LOG_DAYS:
        raise ValueError(f"--days must be between 1 and {MAX_LOG_DAYS}.")
    if not kept:
        print("Questions are not logged (QUESTION_LOG_DAYS is 0).")
        return 0
    questions = _question_log()
    if questions is None:
        print(f"No question has been logged yet ({settings.data_dir / LOG_FILE} does not exist).")
        return 0
    days = min(days or kept, kept)
    found = questions.unanswered(None, days)
    questions.close()
    if found is None:
        print(f"The question log {questions.path} cannot be read (see above).", file=sys.stderr)
        return 2
    print(unanswered_header(len(found), days, "in any server or direct message"))
    for found_group in group(found):
        print(f"- {unanswered_line(found_group)}")
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


def _render(engine: Engine, question: str, k: int, as_json: bool, after: str | None = None) -> str:
    from bot.render import as_json as to_json
    from bot.render import as_text

    answer = engine.ask(question, after=after)
    quotes = answer.quotes[:k]
    return to_json(answer, quotes) if as_json else as_text(answer, quotes)


def _repl(engine: Engine, k: int, as_json: bool) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        _enable_history()
        print(
            f"{len(engine.articles)} articles loaded. Ask a question; start a line with + to "
            "follow up the one before; an empty line or Ctrl-D quits."
        )
    previous: str | None = None
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
        # "+ what about atlanta?" follows up the question before (and a chain goes on).
        follows = line.lstrip().startswith("+")
        question = line.lstrip()[1:] if follows else line
        try:
            print(_render(engine, question, k, as_json, previous if follows else None))
            previous = f"{previous} {question}" if follows and previous else question
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

    sets = [(path, load_questions(path)) for path in paths]
    questions = [q for _, found in sets for q in found]
    verdicts = evaluate(engine, questions)
    for v in verdicts:
        print(f"{'PASS' if v.passed else 'FAIL'}  {v.kind:<4}  {v.id}: {v.detail}")
    rows = [("this bot", verdicts)]
    if baseline:
        rows.append(("bm25s", evaluate(Bm25sBaseline(engine.articles), questions)))
    for name, row in rows:
        start = 0
        for path, found in sets if len(sets) > 1 else []:  # each file, then all of them
            part = row[start : start + len(found)]
            start += len(found)
            kinds = ", ".join(f"{kind} {p}/{n}" for kind, (p, n) in kind_totals(part).items())
            print(f"{name}, {path.name}: {sum(v.passed for v in part)}/{len(part)} ({kinds})")
        kinds = ", ".join(f"{kind} {p}/{n}" for kind, (p, n) in kind_totals(row).items())
        print(f"{name}: {sum(v.passed for v in row)}/{len(row)} ({kinds})")
    passed = sum(v.passed for v in verdicts)
    print(f"{passed}/{len(verdicts)} passed")
    return 0 if passed == len(verdicts) else 1
