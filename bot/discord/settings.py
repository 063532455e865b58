"""Bot settings from the environment and `.env`, read once at start-up, never at import.

Every value is checked here so a bad one stops the bot with one clear sentence
instead of surfacing later as a confusing failure inside Discord. The settings the
harness shares (CORPUS_DIR, ALLOW_PRIVATE_URLS, DATA_DIR, QUESTION_LOG_DAYS) are read by
`bot.settings`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.corpus import BUNDLED_CORPUS
from bot.settings import SettingsError, bad_settings, environment, flag, read_corpus_settings

__all__ = ["Settings", "SettingsError", "data_folder_problem", "load_settings", "token_problem"]


@dataclass(frozen=True)
class Settings:
    """Everything the Discord layer is configured with; the token never shows in repr."""

    token: str | None = field(default=None, repr=False)
    command_prefix: str = "!"
    corpus_dir: Path = BUNDLED_CORPUS
    moderator_role: str | None = None
    cooldown_questions: int = 3
    cooldown_seconds: float = 30.0
    max_question_chars: int = 300
    allowed_channels: frozenset[int] = frozenset()
    allow_dms: bool = True
    owner_ids: frozenset[int] = frozenset()
    button_timeout: float = 180.0
    allow_private_urls: bool = False
    home_guild_ids: frozenset[int] = frozenset()
    data_dir: Path = Path("data")
    connect_retry_seconds: float = 300.0
    question_log_days: int = 30


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | str | None = None
) -> Settings:
    """Settings from `environ` (default: the process environment over `.env`).

    Raises SettingsError naming every bad value in one sentence.
    """
    environ = environment(environ, dotenv_path)
    problems: list[str] = []

    def text(name: str) -> str:
        return (environ.get(name) or "").strip()

    def whole(name: str, default: int, minimum: int) -> int:
        raw = text(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            problems.append(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
            return default
        return value

    def seconds(name: str, default: float, zero: bool = False) -> float:
        raw = text(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        fits = (value >= 0 if zero else value > 0) and value < 86_400  # NaN fits nothing
        if not fits:
            at_least = "0 or more" if zero else "above 0"
            problems.append(f"{name} must be a number of seconds {at_least}, not {raw!r}")
            return default
        return value

    def ids(name: str) -> frozenset[int]:
        raw = text(name)
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        bad = [part for part in parts if not part.isdigit()]
        if bad:
            problems.append(f"{name} must be comma-separated numeric ids, not {bad[0]!r}")
            return frozenset()
        return frozenset(int(part) for part in parts)

    prefix = environ.get("COMMAND_PREFIX") or "!"
    if not prefix.strip() or prefix != prefix.strip():
        problems.append(
            f"COMMAND_PREFIX must be non-blank with no spaces around it, not {prefix!r}"
        )
        prefix = "!"

    shared = read_corpus_settings(environ, problems)
    settings = Settings(
        token=text("DISCORD_TOKEN") or None,
        command_prefix=prefix,
        corpus_dir=shared.corpus_dir,
        moderator_role=text("MODERATOR_ROLE") or None,
        cooldown_questions=whole("COOLDOWN_QUESTIONS", 3, 1),
        cooldown_seconds=seconds("COOLDOWN_SECONDS", 30.0),
        max_question_chars=whole("MAX_QUESTION_CHARS", 300, 10),
        allowed_channels=ids("ALLOWED_CHANNELS"),
        allow_dms=flag(environ, "ALLOW_DMS", True, problems),
        owner_ids=ids("OWNER_IDS"),
        button_timeout=seconds("BUTTON_TIMEOUT", 180.0),
        allow_private_urls=shared.allow_private_urls,
        home_guild_ids=ids("HOME_GUILD_IDS"),
        data_dir=shared.data_dir,
        connect_retry_seconds=seconds("CONNECT_RETRY_SECONDS", 300.0, zero=True),
        question_log_days=shared.question_log_days,
    )
    if settings.button_timeout > 840:  # interaction tokens expire after 15 minutes
        problems.append(
            f"BUTTON_TIMEOUT must be at most 840 seconds, not {settings.button_timeout:g}"
        )
    if settings.max_question_chars > 1000:
        problems.append(
            f"MAX_QUESTION_CHARS must be at most 1000, not {settings.max_question_chars}"
        )
    if problems:
        raise SettingsError(bad_settings(problems), settings)
    return settings


_PORTAL = "https://discord.com/developers/applications"
_TOKEN_PART = re.compile(r"[A-Za-z0-9_-]+")


def token_problem(token: str) -> str | None:
    """Why `token` cannot be a bot token, in one sentence, or None when its shape fits.

    Only the shape is checked, never with Discord: three base64 parts joined by dots,
    the first of them the bot's numeric id. The sentence never repeats the token.
    """
    again = f"copy it again from your application's Bot page at {_PORTAL} (Reset Token)"
    words = token.split()
    if len(words) > 1 and words[0].lower() == "bot":
        return f'DISCORD_TOKEN starts with "{words[0]} ": put only the token itself in it.'
    if len(words) > 1:
        return f"DISCORD_TOKEN has a space in it: {again}, and paste it whole on one line."
    if any(mark in token for mark in "\"'`"):
        return f"DISCORD_TOKEN has quotation marks in it: {again}, and paste it without them."
    page = f"the token is on your application's Bot page at {_PORTAL} (Reset Token)"
    if token.isdigit():
        return f"DISCORD_TOKEN is a number, the Application ID perhaps: {page}."
    parts = token.split(".")
    if len(parts) == 1 and len(token) == 32 and token.isalnum():
        return f"DISCORD_TOKEN looks like the OAuth2 page's Client Secret: {page}."
    if (
        len(parts) != 3
        or not all(_TOKEN_PART.fullmatch(part) for part in parts)
        or not _encodes_an_id(parts[0])
        or len(parts[1]) < 4
        or len(parts[2]) < 20
    ):
        return (
            f"DISCORD_TOKEN does not look like a bot token (three parts joined by dots): {again}."
        )
    return None


def _encodes_an_id(part: str) -> bool:
    """Whether a token's first part is base64 for a Discord id (a snowflake, 17-20 digits)."""
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return False
    return decoded.isdigit() and 17 <= len(decoded) <= 20


def data_folder_problem(folder: Path) -> str | None:
    """Why the bot cannot write in `folder` (made if missing), in one sentence, or None.

    A file is really written and removed, so permissions, read-only disks and a path
    that runs through a regular file are all found.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        if isinstance(error, FileExistsError | NotADirectoryError):
            why = "a file stands where a folder is needed"
        else:
            why = error.strerror or str(error)
        return (
            f"The data folder {str(folder)!r} (DATA_DIR) cannot be written ({why}): "
            "point DATA_DIR at a folder this user may write to, or fix its permissions."
        )
    return None
