"""`python -m benchmarks.questionlog`: Discord answer latency against the size of the question log.

For each log size (default: empty, then 100,000 questions) it fills a fresh question log
with questions spread over the last 30 days in ten servers (the eval set's questions,
reworded; a third of them follow-ups, a fifth unanswered, some voted on or watched),
starts the real bot on the bundled corpus in simcord, and has members ask the eval set's
questions, every other one as a Discord reply following up the answer before (which reads
the log). It reports, per size, the bot's own "replied in" time (the question coming in to
the reply sent) and the member's `!ask` end to end in simcord, which also waits for the
question's log entry to be written; then the log's own calls, and how long an added
article takes to ask the log's open questions again. Needs the dev install (simcord).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval" / "questions.json"
NEW_ARTICLE = (
    "---\ntitle: Quahog sheriff refuses ICE\noutlet: Quahog Journal\ndate: 2019-06-23\n---\n\n"
    "The Quahog County sheriff said on Sunday that his deputies would not take part in "
    "the ICE raids planned for the weekend.\n"
)
_TIMES = re.compile(r"answered in (\d+\.\d+) s.*replied in (\d+\.\d+) s")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.questionlog")
    parser.add_argument("--sizes", default="0,100000", help="logged questions, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="times through the eval questions")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    return parser


def _questions() -> list[str]:
    return [q["question"] for q in json.loads(EVAL.read_text("utf-8"))]


def fill(log, count: int, questions: list[str], seed: int) -> None:
    """`count` questions over the last 30 days: ten servers, 2,000 members, a third of them
    follow-ups of an earlier one, a fifth unanswered, a tenth voted on, some watched."""
    from bot.engine.questionlog import DAY, Asked

    rng = random.Random(seed)
    now = time.time()
    tails = ["", "?", "??", " pls", " lol", " tho", " again", " exactly", " in june"]
    batch: list[Asked] = []
    for number in range(1, count + 1):
        follows = rng.randrange(1, number) if number > 1 and rng.random() < 1 / 3 else None
        asked = Asked(
            id=10**15 + number,
            guild_id=1000 + rng.randrange(10),
            channel_id=2000 + rng.randrange(30),
            asker_id=3000 + rng.randrange(2000),
            question=rng.choice(questions) + rng.choice(tails),
            follows=10**15 + follows if follows else None,
            answered=rng.random() >= 0.2,
            quoted=("cities-vow-to-resist-ice-raids.md",),
            reply_id=10**16 + number,
            asked_at=now - 30 * DAY * (count - number) / max(count, 1),
        )
        batch.append(asked)
        if len(batch) == 10_000:
            log.record(*batch)
            batch.clear()
    log.record(*batch)
    for _ in range(count // 10):
        log.vote(
            10**15 + rng.randrange(1, count + 1), 3000 + rng.randrange(2000), rng.random() < 0.5
        )
    for _ in range(count // 50):
        log.watch(10**15 + rng.randrange(1, count + 1), 3000 + rng.randrange(2000))


async def _discord(engine, data_dir: Path, questions: list[str]) -> dict[str, list[float]]:
    """A member asks `questions` through the real bot in simcord, every other one as a
    reply that follows up the answer before; the seconds each took, three ways."""
    import simcord

    from bot.discord.app import create_bot
    from bot.discord.settings import Settings

    replied: list[float] = []
    around: list[float] = []  # of that, what is not the engine's answering

    class Replies(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found = _TIMES.search(record.getMessage())
            if found:
                replied.append(float(found[2]))
                around.append(float(found[2]) - float(found[1]))

    handler = Replies(logging.INFO)
    ask_log = logging.getLogger("bot.discord.cogs.ask")
    ask_log.addHandler(handler)
    ask_log.setLevel(logging.INFO)
    settings = Settings(
        data_dir=data_dir, cooldown_questions=10**6, max_question_chars=1000, owner_ids=frozenset()
    )
    end_to_end: list[float] = []
    try:
        async with simcord.run(create_bot(settings, engine)) as env:
            guild = env.create_guild()
            channel = guild.create_text_channel("general")
            member = guild.add_member(env.create_user("member"))
            for text in questions[:10]:  # warm up
                await member.send(channel, f"!ask {text}")
            replied.clear()
            around.clear()
            for number, text in enumerate(questions):
                previous = channel.last_message if number % 2 else None
                started = time.perf_counter()
                await member.send(channel, f"!ask {text}", reply_to=previous)
                end_to_end.append(time.perf_counter() - started)
    finally:
        ask_log.removeHandler(handler)
    return {"replied": replied, "around_the_engine": around, "end_to_end": end_to_end}


def _log_calls(log, count: int, seed: int) -> dict:
    """The log's own calls on a log of this size: a write, a follow-up's read, a vote."""
    from bot.engine.questionlog import Asked

    rng = random.Random(seed)
    writes, reads, votes = [], [], []
    for number in range(300):
        started = time.perf_counter()
        log.record(Asked(10**17 + number, 1000, 2000, 3000, "which mayors spoke out?"))
        writes.append(time.perf_counter() - started)
        wanted = 10**15 + rng.randrange(1, count + 1) if count else 10**17 + number
        started = time.perf_counter()
        log.find(wanted)
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        log.vote(wanted, 9000 + number, True)
        votes.append(time.perf_counter() - started)
    return {"record": _summary(writes), "find": _summary(reads), "vote": _summary(votes)}


def _ask_again(engine_folder: Path, log) -> dict:
    """An added article asks the log's open questions again: how long, and how many."""
    from bot.engine.answer import Engine
    from bot.engine.changes import Actor, CorpusFolder

    folder = CorpusFolder(engine_folder, Engine.load(engine_folder), questions=log)
    open_questions = log.open_questions()
    started = time.perf_counter()
    outcome = folder.add(NEW_ARTICLE.encode(), "quahog.md", Actor.local(), "the benchmark")
    return {
        "open_questions": len(open_questions),
        "wordings": len({(q.question, q.after) for q in open_questions}),
        "seconds": time.perf_counter() - started,
        "answered": len(outcome.answers),
    }


def _summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return {
        "n": len(ordered),
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else 0.0,
        "p50_ms": at(0.5),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
    }


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    try:
        import simcord  # noqa: F401
    except ImportError:
        print("The benchmark needs simcord: run it in the dev install (./scripts/test makes it).")
        return 2
    from bot.engine.answer import Engine
    from bot.engine.corpus import BUNDLED_CORPUS
    from bot.engine.questionlog import QuestionLog

    logging.getLogger("discord").setLevel(logging.WARNING)
    questions = _questions()
    sizes = [int(s) for s in options.sizes.split(",") if s.strip()]
    results: dict = {
        "machine": f"{platform.machine()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        "questions": len(questions),
        "rounds": options.rounds,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="questionlog-bench-") as work:
        work_dir = Path(work)
        corpus = work_dir / "corpus"
        shutil.copytree(BUNDLED_CORPUS, corpus, ignore=shutil.ignore_patterns(".*"))
        engine = Engine.load(corpus)
        figures: dict[int, dict] = {}
        for size in sizes:
            log = QuestionLog.in_folder(work_dir / f"data-{size}", 30)
            started = time.perf_counter()
            fill(log, size, questions, options.seed)
            figures[size] = {"fill_seconds": time.perf_counter() - started}
            log.close()
        # The sizes take turns, a round each, so the shared machine's load falls on all alike.
        timed: dict[int, dict[str, list[float]]] = {size: {} for size in sizes}
        for _ in range(options.rounds):
            for size in sizes:
                found = asyncio.run(_discord(engine, work_dir / f"data-{size}", questions))
                for name, seconds in found.items():
                    timed[size].setdefault(name, []).extend(seconds)
        for size in sizes:
            data = work_dir / f"data-{size}"
            log = QuestionLog.in_folder(data, 30)
            figures[size].update(
                file_mb=(data / "questions.sqlite3").stat().st_size / 1e6,
                logged=log.count(),
                **{name: _summary(seconds) for name, seconds in timed[size].items()},
                log=_log_calls(log, size, options.seed),
            )
            log.close()
        for size in sizes:  # each adds the same article to the corpus, so last
            copy = work_dir / f"corpus-{size}"
            shutil.copytree(corpus, copy, ignore=shutil.ignore_patterns(".*"))
            log = QuestionLog.in_folder(work_dir / f"data-{size}", 30)
            figures[size]["ask_again"] = _ask_again(copy, log)
            log.close()
    for size in sizes:
        results["sizes"][str(size)] = found = figures[size]
        d, r, a = found["end_to_end"], found["replied"], found["around_the_engine"]
        again, calls = found["ask_again"], found["log"]
        print(
            f"{size:>7} logged: replied p50/p95/p99 {r['p50_ms']:.1f}/{r['p95_ms']:.1f}/"
            f"{r['p99_ms']:.1f} ms (mean {r['mean_ms']:.1f}), of it not the engine "
            f"{a['p50_ms']:.1f}/{a['p95_ms']:.1f}/{a['p99_ms']:.1f} ms; "
            f"!ask in simcord p50/p95/p99 {d['p50_ms']:.1f}/{d['p95_ms']:.1f}/{d['p99_ms']:.1f}"
            f" ms; log record/find/vote p50 {calls['record']['p50_ms']:.2f}/"
            f"{calls['find']['p50_ms']:.2f}/{calls['vote']['p50_ms']:.2f} ms; an added article "
            f"asked {again['open_questions']} open questions ({again['wordings']} wordings) "
            f"again in {again['seconds']:.2f} s",
            flush=True,
        )
    if options.out:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
