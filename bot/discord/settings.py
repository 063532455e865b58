"""Bot settings from the environment and `.env`, read once at start-up, never at import.

Every value is checked here so a bad one stops the bot with one clear sentence
instead of surfacing later as a confusing failure inside Discord. The settings the
harness shares (CORPUS_DIR, ALLOW_PRIVATE_URLS) are read by `bot.settings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.corpus import BUNDLED_CORPUS
from bot.settings import SettingsError, bad_settings, environment, flag, read_corpus_settings

__all__ = ["Settings", "SettingsError", "load_settings"]


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
        raise SettingsError(bad_settings(problems))
    return settings
