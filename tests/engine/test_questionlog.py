"""The question log on its own: what it keeps, for how long, and what it forgets."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.engine import questionlog
from bot.engine.questionlog import DAY, MIGRATIONS, Asked, QuestionLog, group


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def log(tmp_path: Path, clock: Clock) -> QuestionLog:
    made = QuestionLog(tmp_path / "data" / questionlog.LOG_FILE, 30, clock=clock)
    yield made
    made.close()


def asked(number: int, question: str = "who leaked the plans", **fields) -> Asked:
    fields.setdefault("asker_id", 100 + number)
    return Asked(number, guild_id=1, channel_id=2, question=question, **fields)


def test_a_new_log_is_one_wal_file_at_the_latest_schema(log: QuestionLog) -> None:
    """The file is made in the data folder, in WAL mode, with every migration applied."""
    assert log.path.is_file() and log.version() == len(MIGRATIONS)
    with sqlite3.connect(log.path) as reader:
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_question_keeps_what_it_followed_its_answer_and_its_votes(log: QuestionLog) -> None:
    """A follow-up's `after` is every question of its chain, oldest first."""
    log.record(asked(1, "which mayors spoke out against the raids"))
    log.record(asked(2, "what about atlanta?", follows=1))
    log.record(asked(3, "and denver?", follows=2, answered=True, quoted=("a.md", "b.md")))
    log.vote(3, 7, helpful=False)
    found = log.find(3)
    assert found.after == "which mayors spoke out against the raids what about atlanta?"
    assert found.quoted == ("a.md", "b.md") and found.answered and found.unhelpful == 1


def test_a_long_chain_keeps_its_latest_questions(log: QuestionLog) -> None:
    """A chain of twenty follow-ups is asked after its last eight questions only."""
    for number in range(1, 21):
        log.record(asked(number, f"q{number}", follows=number - 1 if number > 1 else None))
    assert log.find(20).after == " ".join(f"q{n}" for n in range(12, 20))


def test_one_vote_per_member_which_they_can_change(log: QuestionLog) -> None:
    """A second vote replaces the first; a vote on an unknown answer is refused."""
    log.record(asked(1, answered=True))
    assert [log.vote(1, 7, True), log.vote(1, 7, True), log.vote(1, 7, False)] == [
        "new",
        "same",
        "changed",
    ]
    assert log.vote(1, 8, False) == "new" and log.vote(99, 7, True) == "missing"
    found = log.find(1)
    assert (found.helpful, found.unhelpful) == (0, 2)
    assert [q.id for q in log.unanswered(1)] == [1]  # voted down: listed


def test_questions_expire_after_the_days_kept(tmp_path: Path, clock: Clock) -> None:
    """Questions older than QUESTION_LOG_DAYS are deleted, with their votes."""
    log = QuestionLog(tmp_path / "q.sqlite3", 30, clock=clock)
    log.record(asked(1, answered=True))
    log.vote(1, 7, False)
    clock.now += 29 * DAY
    log.record(asked(2))
    clock.now += 2 * DAY
    assert log.expire() == 1
    assert log.find(1) is None and log.find(2) is not None
    with sqlite3.connect(log.path) as reader:
        assert reader.execute("SELECT count(*) FROM votes").fetchone()[0] == 0
    log.close()


def test_forget_deletes_one_member_everywhere_and_keeps_the_others(log: QuestionLog) -> None:
    """A member's questions, votes and watches go; follow-ups of others stay, on their own."""
    log.record(Asked(1, 1, 2, 7, "first"))
    log.record(Asked(2, 5, 6, 7, "elsewhere"))
    log.record(Asked(3, 1, 2, 8, "and then?", follows=1, answered=True))
    log.vote(3, 7, True)
    log.watch(3, 7)
    gone = log.forget(7)
    assert (gone.questions, gone.votes, gone.watches) == (2, 1, 1)
    kept = log.find(3)
    assert kept.follows is None and kept.after is None and kept.helpful == 0
    assert log.forget(7).total == 0


def test_a_notice_is_claimed_once(log: QuestionLog) -> None:
    """A watched question answered later is one notice, claimed exactly once."""
    log.record(asked(1))
    assert log.watch(1, 7) == "new" and log.watch(1, 7) == "same"
    assert log.resolve([1], "new.md") == [1] and log.resolve([1], "other.md") == []
    assert [(n.member_id, n.question.answered_by) for n in log.notices()] == [(7, "new.md")]
    assert log.claim_notice(1, 7) and not log.claim_notice(1, 7)
    assert log.notices() == [] and log.watch(1, 8) == "answered"


def test_alike_questions_are_grouped_most_asked_first(log: QuestionLog) -> None:
    """Wordings with the same or most of their words group; followed ones stay apart."""
    for number, asker, text in [
        (1, 7, "who leaked the raid plans"),
        (2, 8, "Who leaked the raid plans??"),
        (3, 8, "who leaked the plans"),
        (4, 9, "what did the mayor of boston say"),
        (5, 9, "who leaked the raid plans"),
    ]:
        log.record(Asked(number, 1, 2, asker, text))
    log.record(Asked(6, 1, 2, 9, "what about the plans?", follows=4))
    groups = group(log.unanswered(1))
    assert [(g.question, g.asked, g.members) for g in groups] == [
        ("who leaked the raid plans", 4, 3),
        ("what did the mayor of boston say", 1, 1),
        ("what about the plans?", 1, 1),
    ]
    assert groups[2].after == "what did the mayor of boston say"


def test_a_newer_schema_is_never_written(tmp_path: Path, caplog) -> None:
    """A file from a newer bot is left alone: one error line, and nothing is logged."""
    path = tmp_path / "q.sqlite3"
    with sqlite3.connect(path) as newer:
        newer.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    log = QuestionLog(path, 30)
    assert not log.record(asked(1)) and not log.enabled
    assert "newer than this bot's" in caplog.text
    with sqlite3.connect(path) as reader:
        assert reader.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 1
    log.close()


def test_logging_off_keeps_nothing_and_empties_an_old_log(tmp_path: Path) -> None:
    """QUESTION_LOG_DAYS=0 logs nothing, and a log kept before is emptied at start."""
    path = tmp_path / "q.sqlite3"
    log = QuestionLog(path, 30)
    log.record(asked(1))
    log.close()
    off = QuestionLog(path, 0)
    assert not off.record(asked(2)) and off.find(1) is None
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT count(*) FROM questions").fetchone()[0] == 0
    assert not QuestionLog(tmp_path / "never.sqlite3", 0).path.exists()


def test_a_failure_is_one_error_line_until_a_write_works(tmp_path: Path, caplog, monkeypatch):
    """A write lock held elsewhere: one error, reads still work, and the first write after
    it is released says the log works again."""
    monkeypatch.setattr(questionlog, "BUSY_TIMEOUT_MS", 20)
    caplog.set_level(logging.INFO, logger="bot.engine.questionlog")
    log = QuestionLog(tmp_path / "q.sqlite3", 30)
    log.record(asked(1))
    blocker = sqlite3.connect(log.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    assert not log.record(asked(2)) and log.find(1) is not None and not log.record(asked(3))
    blocker.execute("ROLLBACK")
    blocker.close()
    assert log.record(asked(4))
    levels = [r.levelname for r in caplog.records if "question log" in r.getMessage()]
    assert levels.count("ERROR") == 1 and "works again" in caplog.text
    log.close()
