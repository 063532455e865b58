"""Settings the engine and both front doors share: the corpus, the data folder, private links,
and how long questions are kept.

Read from the environment over `.env` by a function at start-up, never at import.
The harness (`bot.cli`) reads only these; the Discord-only settings (the token, the
prefix, cooldowns, who moderates) are read by `bot.discord.settings`, which builds on
this module, so the command line never imports the Discord layer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values, find_dotenv

from bot.engine.corpus import BUNDLED_CORPUS

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message is one sentence saying which.

    `settings` holds the values that were good, and the defaults in place of the bad ones,
    so `python -m bot check` can go on to check the rest.
    """

    def __init__(self, message: str, settings: object | None = None) -> None:
        super().__init__(message)
        self.settings = settings


MAX_LOG_DAYS = 3650


@dataclass(frozen=True)
class CorpusSettings:
    """Where the articles are, whether a link may be fetched from a private address,
    where the bot keeps what it records between runs (DATA_DIR), and for how many days
    it keeps the questions asked (QUESTION_LOG_DAYS; 0: none are kept)."""

    corpus_dir: Path = BUNDLED_CORPUS
    allow_private_urls: bool = False
    data_dir: Path = Path("data")
    question_log_days: int = 30


def environment(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | str | None = None
) -> Mapping[str, str]:
    """`environ` if given, else the process environment over `.env` (found from the cwd up)."""
    if environ is not None:
        return environ
    path = dotenv_path if dotenv_path is not None else find_dotenv(usecwd=True)
    from_file = {k: v for k, v in dotenv_values(path).items() if v is not None} if path else {}
    return {**from_file, **os.environ}


def flag(environ: Mapping[str, str], name: str, default: bool, problems: list[str]) -> bool:
    """A true/false setting; a value that is neither adds a problem and keeps the default."""
    raw = (environ.get(name) or "").strip()
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    if raw:
        problems.append(f"{name} must be true or false, not {raw!r}")
    return default


def read_corpus_settings(environ: Mapping[str, str], problems: list[str]) -> CorpusSettings:
    """The shared settings from `environ`; each bad value adds a problem to `problems`."""
    raw = (environ.get("CORPUS_DIR") or "").strip()
    corpus = Path(raw) if raw else BUNDLED_CORPUS
    if not corpus.is_dir():
        problems.append(f"CORPUS_DIR {str(corpus)!r} is not a folder")
    return CorpusSettings(
        corpus_dir=corpus,
        allow_private_urls=flag(environ, "ALLOW_PRIVATE_URLS", False, problems),
        data_dir=Path((environ.get("DATA_DIR") or "").strip() or "data"),
        question_log_days=_log_days(environ, problems),
    )


def _log_days(environ: Mapping[str, str], problems: list[str]) -> int:
    raw = (environ.get("QUESTION_LOG_DAYS") or "").strip()
    if not raw:
        return 30
    if not raw.isdigit() or int(raw) > MAX_LOG_DAYS:
        problems.append(
            f"QUESTION_LOG_DAYS must be a whole number of days from 0 (keep no questions) "
            f"to {MAX_LOG_DAYS}, not {raw!r}"
        )
        return 30
    return int(raw)


def load_corpus_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | str | None = None
) -> CorpusSettings:
    """The shared settings (default: the environment over `.env`); SettingsError names bad ones."""
    problems: list[str] = []
    settings = read_corpus_settings(environment(environ, dotenv_path), problems)
    if problems:
        raise SettingsError(bad_settings(problems), settings)
    return settings


def bad_settings(problems: list[str]) -> str:
    """Every problem in one sentence."""
    return "Bad setting: " + "; ".join(problems) + "."
