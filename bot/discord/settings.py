"""Bot settings from the environment and `.env`, read once at start-up, never at import.

Every value is checked here so a bad one stops the bot with one clear sentence
instead of surfacing later as a confusing failure inside Discord.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values, find_dotenv

from bot.engine.corpus import BUNDLED_CORPUS

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message is one sentence saying which."""


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


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | str | None = None
) -> Settings:
    """Settings from `environ` (default: the process environment over `.env`).

    Raises SettingsError naming every bad value in one sentence.
    """
    if environ is None:
        path = dotenv_path if dotenv_path is not None else find_dotenv(usecwd=True)
        from_file = {k: v for k, v in dotenv_values(path).items() if v is not None} if path else {}
        environ = {**from_file, **os.environ}
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

    def seconds(name: str, default: float) -> float:
        raw = text(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value < 86_400:
            problems.append(f"{name} must be a number of seconds above 0, not {raw!r}")
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

    corpus = Path(text("CORPUS_DIR")) if text("CORPUS_DIR") else BUNDLED_CORPUS
    if not corpus.is_dir():
        problems.append(f"CORPUS_DIR {str(corpus)!r} is not a folder")

    dms = text("ALLOW_DMS").lower()
    if dms and dms not in _TRUE | _FALSE:
        problems.append(f"ALLOW_DMS must be true or false, not {text('ALLOW_DMS')!r}")

    private_urls = text("ALLOW_PRIVATE_URLS").lower()
    if private_urls and private_urls not in _TRUE | _FALSE:
        problems.append(
            f"ALLOW_PRIVATE_URLS must be true or false, not {text('ALLOW_PRIVATE_URLS')!r}"
        )

    settings = Settings(
        token=text("DISCORD_TOKEN") or None,
        command_prefix=prefix,
        corpus_dir=corpus,
        moderator_role=text("MODERATOR_ROLE") or None,
        cooldown_questions=whole("COOLDOWN_QUESTIONS", 3, 1),
        cooldown_seconds=seconds("COOLDOWN_SECONDS", 30.0),
        max_question_chars=whole("MAX_QUESTION_CHARS", 300, 10),
        allowed_channels=ids("ALLOWED_CHANNELS"),
        allow_dms=dms not in _FALSE,
        owner_ids=ids("OWNER_IDS"),
        button_timeout=seconds("BUTTON_TIMEOUT", 180.0),
        allow_private_urls=private_urls in _TRUE,
        home_guild_ids=ids("HOME_GUILD_IDS"),
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
        raise SettingsError("Bad setting: " + "; ".join(problems) + ".")
    return settings
