"""Starting the Discord bot: every way a start can fail ends in one sentence and an exit code.

Before connecting: the settings, the token's shape, the data folder and the corpus. While
connecting: a token Discord refuses, the Message Content intent switched off, and Discord
out of reach, which is tried again with backoff for CONNECT_RETRY_SECONDS, one log line
per try. No traceback reaches the terminal for any of them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import time

import aiohttp
import discord

from bot.discord.app import create_bot, load_engine
from bot.discord.settings import (
    Settings,
    SettingsError,
    data_folder_problem,
    load_settings,
    token_problem,
)
from bot.engine.answer import Engine
from bot.engine.corpus import CorpusError

log = logging.getLogger(__name__)

EXIT_FIX = 2  # something in the set-up to fix: a setting, the token, the intent, the corpus, ...
EXIT_UNREACHABLE = 3  # Discord could not be reached, or turned the connection away

FIRST_DELAY = 1.0  # seconds before the second try; doubled after each failed try
LONGEST_DELAY = 60.0
TRY_SECONDS = 30.0  # at most per try: aiohttp alone would wait five minutes for an answer

PORTAL = "https://discord.com/developers/applications"
REFUSED = (
    "Discord refused the token in DISCORD_TOKEN (mistyped, or reset since): reset it on "
    f"your application's Bot page at {PORTAL} and put the new one in .env."
)


class StartupFailure(Exception):
    """The bot cannot start; the message is the one sentence shown, `code` the exit code."""

    def __init__(self, sentence: str, code: int = EXIT_FIX) -> None:
        super().__init__(sentence)
        self.code = code


def run_bot() -> int:
    """Check everything, index the corpus, connect and run until stopped; the exit code."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if logging.getLogger("bot").getEffectiveLevel() > logging.INFO:
        logging.getLogger("bot").setLevel(logging.INFO)  # what the bot does, even without -v
    logging.getLogger("discord.client").addFilter(one_line_reconnects)
    try:
        asyncio.run(start(checked_settings()))
    except StartupFailure as failure:
        print(failure, file=sys.stderr)
        return failure.code
    except KeyboardInterrupt:
        pass
    return 0


def checked_settings() -> Settings:
    """The settings, once the token's shape and the data folder pass (StartupFailure if not)."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise StartupFailure(str(error)) from None
    if not settings.token:
        raise StartupFailure("DISCORD_TOKEN is not set, so the bot cannot connect to Discord.")
    problem = token_problem(settings.token) or data_folder_problem(settings.data_dir)
    if problem:
        raise StartupFailure(problem)
    return settings


async def start(settings: Settings) -> None:
    """Index the corpus, then connect and serve until the bot is closed."""
    try:
        engine, skipped = await load_engine(settings)
    except CorpusError as error:
        raise StartupFailure(corpus_failure(error) + ".") from None
    except OSError as error:
        raise StartupFailure(
            f"Could not read the corpus folder {str(settings.corpus_dir)!r} "
            f"({error.strerror or error}): check that this user may read it."
        ) from None
    await serve(settings, engine, skipped)


def corpus_failure(error: CorpusError) -> str:
    """What to do about a corpus that does not load, naming every bad file."""
    return (
        f"Could not load the corpus ({error.summary}): fix or remove the files it names, "
        "or point CORPUS_DIR at a folder of .txt and .md articles"
    )


async def serve(
    settings: Settings, engine: Engine, skipped: tuple[tuple[str, str], ...] = ()
) -> None:
    """Log in, trying again while Discord is out of reach, then stay connected.

    Each try is a new bot, so a failed one leaves nothing open behind it.
    """
    assert settings.token is not None
    first = time.monotonic()
    delay = FIRST_DELAY
    for attempt in itertools.count(1):
        bot = create_bot(settings, engine)
        bot.skipped = skipped
        async with bot:
            why = await _log_in(bot, settings.token)
            if why is None:
                await _stay_connected(bot)
                return
        waited = time.monotonic() - first
        left = settings.connect_retry_seconds - waited
        if left <= 0:
            log.warning(
                "try %d to reach Discord failed: %s; giving up after %.0f s",
                attempt,
                why,
                waited,
            )
            tries = f"{attempt} tr{'ies' if attempt != 1 else 'y'}"
            raise StartupFailure(
                f"Could not reach Discord ({tries} in {waited:.0f} s; the last: {why}): check "
                "that this machine is online and can look up discord.com, or whether "
                "https://discordstatus.com reports an outage, then start the bot again "
                "(CONNECT_RETRY_SECONDS sets how long it keeps trying).",
                EXIT_UNREACHABLE,
            )
        pause = min(delay, left)
        log.warning(
            "try %d to reach Discord failed: %s; trying again in %.0f s (for %.0f s more)",
            attempt,
            why,
            pause,
            left,
        )
        await asyncio.sleep(pause)
        delay = min(delay * 2, LONGEST_DELAY)


async def _log_in(bot: discord.Client, token: str) -> str | None:
    """Log in: None when done, else why Discord could not be reached (other failures raise)."""
    try:
        async with asyncio.timeout(TRY_SECONDS):
            await bot.login(token)
    except discord.LoginFailure:
        raise StartupFailure(REFUSED) from None
    except discord.DiscordServerError as error:
        return f"Discord answered {error.status} {error.response.reason}"
    except discord.HTTPException as error:
        raise StartupFailure(
            f"Discord turned the log-in away (HTTP {error.status}: "
            f"{error.text or error.response.reason}); try again later.",
            EXIT_UNREACHABLE,
        ) from None
    except (aiohttp.ClientError, OSError) as error:  # TimeoutError is an OSError
        return str(error) or f"no answer in {TRY_SECONDS:.0f} s"
    return None


async def _stay_connected(bot: discord.Client) -> None:
    """Connect to the gateway until closed; discord.py reconnects after a lost connection."""
    try:
        await bot.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        page = f"{PORTAL}/{bot.application_id}/bot" if bot.application_id else PORTAL
        raise StartupFailure(
            "Discord will not pass messages to the bot, so it would never see !ask: turn on "
            f"Message Content Intent under Privileged Gateway Intents on the Bot page ({page}), "
            "save, and start the bot again."
        ) from None
    except discord.ConnectionClosed as error:
        if error.code == 4004:  # authentication failed
            raise StartupFailure(REFUSED) from None
        raise StartupFailure(
            f"Discord closed the connection (code {error.code}: "
            f"{error.reason or 'no reason given'}); start the bot again later.",
            EXIT_UNREACHABLE,
        ) from None


def one_line_reconnects(record: logging.LogRecord) -> bool:
    """discord.py logs each gateway reconnect with a traceback: keep it to one line."""
    if record.exc_info and str(record.msg).startswith("Attempting a reconnect"):
        error = record.exc_info[1]
        record.msg = f"{record.getMessage()} after {type(error).__name__}: {error}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
    return True
