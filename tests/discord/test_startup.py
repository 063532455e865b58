"""Starting the Discord bot: each way a first start fails is one sentence and an exit code."""

from __future__ import annotations

import base64
import errno
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import discord
import pytest

from bot.discord.startup import one_line_reconnects, run_bot

ROOT = Path(__file__).resolve().parents[2]
# Shaped like a bot token (base64 of an id, a timestamp, a signature); no real one.
TOKEN = (
    base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("=")
    + ".GAbCdE."
    + ("sIgNaTuRe" * 5)
)
NOT_UTF8 = b"\xff\xfe not UTF-8 at all \xff"


@pytest.fixture
def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start as from a fresh folder with a token in the environment."""
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CONNECT_RETRY_SECONDS", "0")
    monkeypatch.delenv("CORPUS_DIR", raising=False)


@pytest.fixture
def logins(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The log-ins attempted; a test that uses this never reaches Discord."""
    attempted: list[str] = []

    async def login(self: discord.Client, token: str) -> None:
        attempted.append(token)
        raise AssertionError("this test never connects")

    monkeypatch.setattr(discord.Client, "login", login)
    return attempted


def stopped_with(capsys: pytest.CaptureFixture[str], code: int) -> tuple[str, str]:
    """Run the bot; check the exit code and that no traceback or token reached the terminal.

    Returns the last line of standard error (the sentence) and all of it.
    """
    # The log goes to standard error, as in production: what a person would see.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        assert run_bot() == code
    finally:
        logging.getLogger().removeHandler(handler)
    err = capsys.readouterr().err
    assert "Traceback" not in err and TOKEN not in err
    return err.strip().splitlines()[-1], err


def test_malformed_token_stops_before_connecting(start, logins, capsys, monkeypatch) -> None:
    """A token pasted with a space in it is named before any attempt to connect."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN[:20] + " " + TOKEN[20:])
    sentence, _ = stopped_with(capsys, 2)
    assert sentence.startswith("DISCORD_TOKEN has a space in it: copy it again from")
    assert "Bot page" in sentence and logins == []


@pytest.mark.parametrize(
    ("pasted", "sentence"),
    [
        (f"Bot {TOKEN}", 'DISCORD_TOKEN starts with "Bot ": put only the token itself in it.'),
        (f"'{TOKEN}'", "DISCORD_TOKEN has quotation marks in it: copy it again from"),
        ("123456789012345678", "DISCORD_TOKEN is a number, the Application ID perhaps: the"),
        ("aB3" * 10 + "xY", "DISCORD_TOKEN looks like the OAuth2 page's Client Secret: the"),
        (TOKEN.rsplit(".", 1)[0], "DISCORD_TOKEN does not look like a bot token (three parts"),
        (TOKEN.replace("MTIz", "QUJD", 1), "DISCORD_TOKEN does not look like a bot token"),
    ],
)
def test_other_pasting_mistakes_are_named(
    start, logins, capsys, monkeypatch, pasted: str, sentence: str
) -> None:
    """The usual wrong things in DISCORD_TOKEN each get their own sentence, before connecting."""
    monkeypatch.setenv("DISCORD_TOKEN", pasted)
    said, _ = stopped_with(capsys, 2)
    assert said.startswith(sentence) and pasted not in said and logins == []


def test_refused_token_says_reset_it(start, capsys, monkeypatch) -> None:
    """A token Discord refuses (reset since, say) gets: reset it on the Bot page."""

    async def refused(self: discord.Client, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.Client, "login", refused)
    sentence, _ = stopped_with(capsys, 2)
    assert sentence.startswith("Discord refused the token in DISCORD_TOKEN")
    assert "reset it on your application's Bot page" in sentence


def test_message_content_intent_off_names_the_switch(start, capsys, monkeypatch) -> None:
    """Message Content Intent left off: the sentence names the switch and the page."""

    async def logged_in(self: discord.Client, token: str) -> None:
        pass

    async def intent_refused(self: discord.Client, *, reconnect: bool = True) -> None:
        raise discord.PrivilegedIntentsRequired(shard_id=None)

    monkeypatch.setattr(discord.Client, "login", logged_in)
    monkeypatch.setattr(discord.Client, "connect", intent_refused)
    sentence, _ = stopped_with(capsys, 2)
    assert "Message Content Intent under Privileged Gateway Intents on the Bot page" in sentence
    assert "https://discord.com/developers/applications" in sentence
    assert sentence.endswith("save, and start the bot again.")


def test_unreachable_discord_is_tried_again_then_named(start, capsys, monkeypatch) -> None:
    """When discord.com cannot be looked up, each try is one log line, then one sentence."""
    monkeypatch.setenv("CONNECT_RETRY_SECONDS", "1")
    looked_up: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        if host == "discord.com":
            looked_up.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    sentence, err = stopped_with(capsys, 3)
    tries = [line for line in err.splitlines() if "to reach Discord failed" in line]
    assert len(looked_up) >= len(tries) >= 2  # the real log-in, through discord.py and aiohttp
    assert "Cannot connect to host discord.com:443" in tries[0] and "trying again in" in tries[0]
    assert "giving up after" in tries[-1]
    assert sentence.startswith(f"Could not reach Discord ({len(tries)} tries in ")
    assert "can look up discord.com" in sentence


def test_corpus_that_does_not_load_is_named(start, logins, capsys, monkeypatch, tmp_path):
    """A corpus whose only file is broken stops the start, naming the file, before connecting."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "broken.md").write_bytes(NOT_UTF8)
    monkeypatch.setenv("CORPUS_DIR", str(corpus))
    sentence, _ = stopped_with(capsys, 2)
    assert sentence.startswith("Could not load the corpus (broken.md is not UTF-8 text)")
    assert "point CORPUS_DIR at a folder of .txt and .md articles." in sentence
    assert logins == []


def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `folder` read-only; as root, refuse writes in it as the kernel would for others."""
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root may write anyway: refuse at the os.open every write uses
        real_open = os.open

        def refusing_open(path, flags, *args, **kwargs):
            writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT
            if Path(path).parent == folder and flags & writes:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(PermissionError):  # the folder really cannot be written
        os.close(os.open(folder / "probe", os.O_WRONLY | os.O_CREAT, 0o600))


def test_read_only_data_folder_is_named(start, logins, capsys, monkeypatch, tmp_path) -> None:
    """A data folder the bot cannot write to stops the start with a sentence naming it."""
    read_only(tmp_path / "data", monkeypatch)
    sentence, _ = stopped_with(capsys, 2)
    assert sentence.startswith(f"The data folder {str(tmp_path / 'data')!r} (DATA_DIR) cannot")
    assert "(Permission denied): point DATA_DIR at a folder this user may write to" in sentence
    assert logins == []


def test_data_folder_inside_a_file_is_named(start, capsys, monkeypatch, tmp_path) -> None:
    """A DATA_DIR that runs through a regular file is named, and nothing is created."""
    (tmp_path / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "notes.txt" / "data"))
    sentence, _ = stopped_with(capsys, 2)
    assert "(DATA_DIR) cannot be written (a file stands where a folder is needed)" in sentence
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "a file, not a folder\n"


def test_bad_retry_setting_is_named(start, capsys, monkeypatch) -> None:
    """CONNECT_RETRY_SECONDS must be a number of seconds; anything else is named."""
    monkeypatch.setenv("CONNECT_RETRY_SECONDS", "forever")
    sentence, _ = stopped_with(capsys, 2)
    assert sentence == (
        "Bad setting: CONNECT_RETRY_SECONDS must be a number of seconds 0 or more, not 'forever'."
    )


def test_gateway_reconnects_are_logged_in_one_line(capsys) -> None:
    """discord.py's reconnect after a lost connection is one log line, not a traceback."""
    logger = logging.getLogger("discord.client")
    handler = logging.StreamHandler(sys.stderr)
    logger.addHandler(handler)
    logger.addFilter(one_line_reconnects)
    try:
        try:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        except OSError:
            logger.exception("Attempting a reconnect in %.2fs", 4.25)
    finally:
        logger.removeFilter(one_line_reconnects)
        logger.removeHandler(handler)
    assert capsys.readouterr().err == (
        "Attempting a reconnect in 4.25s after OSError: [Errno 101] Network is unreachable\n"
    )


def test_first_start_without_network_from_the_command_line(tmp_path: Path) -> None:
    """`python -m bot` with a token and no way to reach Discord: no voice warnings, no
    traceback, a log line per try and one sentence, exit code 3."""
    script = (
        "import socket, sys\n"
        "def resolver(*args, **kwargs):\n"
        "    raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')\n"
        "socket.getaddrinfo = resolver\n"
        "from bot.cli import main\n"
        "sys.exit(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": TOKEN,
            "CONNECT_RETRY_SECONDS": "0",
            "CORPUS_DIR": str(ROOT / "corpus"),
        },
    )
    assert result.returncode == 3
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    assert "voice" not in result.stderr and "PyNaCl" not in result.stderr
    logged = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) bot\.")
    assert all(logged.match(line) for line in lines[:-1])
    assert len([line for line in lines if "to reach Discord failed" in line]) == 1
    assert lines[-1].startswith("Could not reach Discord (1 try in 0 s; the last: Cannot")
    assert (tmp_path / "data").is_dir()  # the data folder was made and checked first
