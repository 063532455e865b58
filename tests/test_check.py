"""`python -m bot check`: one line per item, ✓ or what to fix, without connecting."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine.corpus import BUNDLED_CORPUS

TOKEN = (
    base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("=")
    + ".GAbCdE."
    + ("sIgNaTuRe" * 5)
)


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with no .env and no settings in the environment, as after a clone."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "DISCORD_TOKEN",
        "CORPUS_DIR",
        "DATA_DIR",
        "CONNECT_RETRY_SECONDS",
        "QUESTION_LOG_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["check", *args])
    out = capsys.readouterr().out
    assert TOKEN not in out
    return code, out.splitlines()


def test_passes_on_the_bundled_corpus(fresh, capsys) -> None:
    """A fresh clone passes: every item ✓ except the token it has not been given yet."""
    code, lines = check(capsys)
    assert code == 0
    assert lines[-1] == "Nothing here would stop the bot from starting."
    items = lines[:-1]
    assert [line for line in items if not line.startswith("✓ ")] == [
        "! token: DISCORD_TOKEN is not set, so `python -m bot` starts the local harness instead "
        "of the bot; put the bot's token in .env (README: Creating the bot in Discord)"
    ]
    assert f"✓ corpus: 5 articles, 93 passages in {BUNDLED_CORPUS}" in items
    assert f"✓ data folder: {fresh / 'data'} can be written" in "\n".join(items)
    assert any(line.startswith("✓ store: ") for line in items)
    assert any(line.startswith("✓ packages: all ") for line in items)
    assert any(line.startswith("✓ settings: ") for line in items)


def test_names_every_problem(fresh, capsys, monkeypatch) -> None:
    """A token with a space, a bad article file and an unwritable data folder each get a
    line saying what to fix; the token stops the bot, so the exit code is 1."""
    corpus = fresh / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus, ignore=shutil.ignore_patterns(".*"))
    (corpus / "broken.md").write_bytes(b"\xff\xfe not UTF-8 \xff")
    (fresh / "data").write_text("a file where the data folder should be\n", encoding="utf-8")
    (fresh / ".env").write_text(
        f"DISCORD_TOKEN={TOKEN[:30]} {TOKEN[30:]}\nCORPUS_DIR={corpus}\n", encoding="utf-8"
    )
    code, lines = check(capsys)
    assert code == 1
    assert lines[-1] == "Something above would stop the bot: fix the ✗ lines and run this again."
    assert "✗ token: DISCORD_TOKEN has a space in it: copy it again from" in lines[1]
    assert f"✓ corpus: 5 articles, 93 passages in {corpus}" in lines
    assert (
        "! corpus: broken.md is not UTF-8 text: the bot leaves it out until it is fixed or removed"
    ) in lines
    data = [line for line in lines if line.startswith("✗ data folder: ")]
    assert len(data) == 1
    assert "cannot be written (a file stands where a folder is needed)" in data[0]
    assert lines[0] == f"✓ settings: read from {fresh / '.env'} and the environment"


def test_a_bad_setting_is_named_and_the_rest_still_checked(fresh, capsys, monkeypatch) -> None:
    """A bad setting is one ✗ line; the corpus and the rest are checked all the same."""
    monkeypatch.setenv("CONNECT_RETRY_SECONDS", "soon")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    code, lines = check(capsys)
    assert code == 1
    assert lines[0] == (
        "✗ settings: Bad setting: CONNECT_RETRY_SECONDS must be a number of seconds 0 or more, "
        "not 'soon'."
    )
    assert lines[1].startswith("✓ token: DISCORD_TOKEN is shaped like a bot token")
    assert f"✓ corpus: 5 articles, 93 passages in {BUNDLED_CORPUS}" in lines


def test_a_corpus_that_does_not_load_stops_the_bot(fresh, capsys) -> None:
    """A corpus with no article that loads is a ✗ line naming each file."""
    (fresh / "only").mkdir()
    (fresh / "only" / "empty.md").write_text("---\ntitle: nothing\n---\n\n", encoding="utf-8")
    code, lines = check(capsys, "--corpus", str(fresh / "only"))
    assert code == 1
    assert [line for line in lines if line.startswith("✗ ")] == [
        "✗ corpus: Could not load the corpus (empty.md has no article text): fix or remove "
        "the files it names, or point CORPUS_DIR at a folder of .txt and .md articles"
    ]


def test_a_damaged_question_log_is_named_and_does_not_stop_the_bot(fresh, capsys) -> None:
    """A question log that is not a database gets a ! line saying what to do; it would not
    stop the bot, which answers without logging."""
    (fresh / "data").mkdir()
    (fresh / "data" / "questions.sqlite3").write_bytes(b"not a database at all " * 100)
    code, lines = check(capsys)
    assert code == 0
    assert (
        f"! question log: {Path('data') / 'questions.sqlite3'} cannot be used (file is not a "
        "database): questions are answered but not logged; move the file away and the next "
        "start begins a new log"
    ) in lines
