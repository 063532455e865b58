"""`python -m bot check`: the set-up checked item by item, one line each, without connecting.

Settings, the token's shape, the corpus, its store, the data folder, the question log and
the packages: a
line starts with ✓ when the item is fine, ! when the bot starts but something deserves
fixing, and ✗ when the bot would not start; the exit code is 1 when any line is ✗.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dotenv import find_dotenv

from bot.discord.settings import (
    Settings,
    SettingsError,
    data_folder_problem,
    load_settings,
    token_problem,
)

FINE, NOTE, STOPS = "✓", "!", "✗"
PROJECT = "newsquote-bot"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(?:==\s*([^;\s]+))?\s*(?:;(.*))?$"
)
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


@dataclass(frozen=True)
class Line:
    """One item's verdict: its mark, what was checked, and what was found or is to fix."""

    mark: str
    item: str
    text: str

    def __str__(self) -> str:
        return f"{self.mark} {self.item}: {self.text}"


def check(corpus: Path | None = None) -> int:
    """Print one line per item; 1 when anything would stop the bot from starting, else 0."""
    stops = False
    for line in lines(corpus):
        print(line, flush=True)
        stops = stops or line.mark == STOPS
    print(
        "Something above would stop the bot: fix the ✗ lines and run this again."
        if stops
        else "Nothing here would stop the bot from starting."
    )
    return 1 if stops else 0


def lines(corpus: Path | None = None) -> Iterator[Line]:
    """Each item's line, in the order a start meets them; `corpus` overrides CORPUS_DIR."""
    settings, line = _settings()
    yield line
    yield _token(settings.token)
    yield from _corpus_and_store(corpus or settings.corpus_dir)
    yield _data_folder(settings.data_dir)
    yield _question_log(settings)
    yield from _packages()


def _settings() -> tuple[Settings, Line]:
    env_file = find_dotenv(usecwd=True)
    source = f"{env_file} and the environment" if env_file else "the environment (no .env file)"
    try:
        settings = load_settings()
    except SettingsError as error:
        return error.settings or Settings(), Line(STOPS, "settings", str(error))
    return settings, Line(FINE, "settings", f"read from {source}")


def _token(token: str | None) -> Line:
    if not token:
        return Line(
            NOTE,
            "token",
            "DISCORD_TOKEN is not set, so `python -m bot` starts the local harness instead "
            "of the bot; put the bot's token in .env (README: Creating the bot in Discord)",
        )
    problem = token_problem(token)
    if problem:
        return Line(STOPS, "token", problem)
    return Line(
        FINE,
        "token",
        "DISCORD_TOKEN is shaped like a bot token (whether Discord accepts it shows at "
        "start: check never connects)",
    )


def _corpus_and_store(folder: Path) -> Iterator[Line]:
    from bot.discord.startup import corpus_failure
    from bot.engine import store
    from bot.engine.answer import Engine
    from bot.engine.corpus import CorpusError

    skipped: list[tuple[str, str]] = []
    try:
        engine = Engine.load(folder, skipped)
    except CorpusError as error:
        yield Line(STOPS, "corpus", corpus_failure(error))
        return
    except OSError as error:
        yield Line(STOPS, "corpus", f"{folder} cannot be read ({error.strerror or error})")
        return
    yield Line(
        FINE,
        "corpus",
        f"{len(engine.articles)} articles, {len(engine.passages)} passages in {folder}",
    )
    for name, why in skipped:
        yield Line(
            NOTE, "corpus", f"{name} {why}: the bot leaves it out until it is fixed or removed"
        )
    location = folder / store.STORE_FOLDER
    problems = store.verify(folder)
    if problems is None:
        yield Line(
            NOTE,
            "store",
            f"none could be written in {location}, so every start processes every article "
            "again: let this user write to the corpus folder",
        )
    elif problems:
        yield Line(
            NOTE,
            "store",
            f"{problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
            + ": `python -m bot verify` rebuilds it, as the next start would",
        )
    else:
        yield Line(FINE, "store", f"every file in {location} matches its checksum")


def _data_folder(folder: Path) -> Line:
    from bot.discord import slash

    problem = data_folder_problem(folder)
    if problem:
        return Line(STOPS, "data folder", problem)
    published = slash.last_published(folder)
    when = (
        f"slash commands last published {published}"
        if published
        else "the bot publishes the slash commands at its first start"
    )
    return Line(FINE, "data folder", f"{folder.resolve()} can be written ({when})")


def _question_log(settings: Settings) -> Line:
    from bot.engine.questionlog import LOG_FILE, QuestionLog

    days = settings.question_log_days
    if not days:
        return Line(FINE, "question log", "off (QUESTION_LOG_DAYS is 0): no question is kept")
    log = QuestionLog(settings.data_dir / LOG_FILE, days, start=False)
    if not log.path.is_file():
        return Line(
            FINE, "question log", f"kept {days} days in {log.path}, made at the first start"
        )
    problem = log.problem()
    if problem:
        return Line(
            NOTE,
            "question log",
            f"{log.path} cannot be used ({problem}): questions are answered but not logged; "
            "move the file away and the next start begins a new log",
        )
    return Line(FINE, "question log", f"{log.path} can be read; questions are kept {days} days")


def _packages() -> Iterator[Line]:
    pinned = _requirements()
    if pinned is None:
        yield Line(NOTE, "packages", "cannot tell which are needed: run ./scripts/run first")
        return
    required = [(name, pin) for name, pin, extra in pinned if extra is None]
    optional = [(name, pin, extra) for name, pin, extra in pinned if extra is not None]
    missing, other = [], []
    for name, pin in required:
        found = _installed(name)
        if found is None:
            missing.append(name)
        elif pin and found != pin:
            other.append(f"{name} {found} (pinned {pin})")
    if missing:
        yield Line(
            STOPS,
            "packages",
            f"{', '.join(missing)} not installed: ./scripts/run installs the pinned versions",
        )
    elif other:
        yield Line(
            NOTE,
            "packages",
            f"{', '.join(other)} installed: ./scripts/run installs the pinned versions",
        )
    else:
        yield Line(FINE, "packages", f"all {len(required)} the bot needs, at the pinned versions")
    extras = sorted({extra for _, _, extra in optional})
    for extra in extras:
        names = [name for name, _, e in optional if e == extra]
        absent = [name for name in names if _installed(name) is None]
        use = "python -m bot bench" if extra == "bench" else f"the {extra} extra"
        yield Line(
            FINE,
            f"optional packages ({extra})",
            (
                f"{', '.join(absent)} not installed; only `{use}` needs them "
                f"(python3 -m uv sync --extra {extra})"
                if absent
                else f"{', '.join(names)} installed, for `{use}`"
            ),
        )


def _requirements() -> list[tuple[str, str | None, str | None]] | None:
    """(name, pinned version, extra or None) for each dependency this project declares."""
    try:
        declared = importlib.metadata.requires(PROJECT) or []
    except importlib.metadata.PackageNotFoundError:
        try:
            project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
        except (OSError, ValueError, KeyError):
            return None
        declared = list(project.get("dependencies", []))
        for extra, names in project.get("optional-dependencies", {}).items():
            declared += [f'{name}; extra == "{extra}"' for name in names]
    found = []
    for requirement in declared:
        match = _REQUIREMENT.match(requirement)
        if match:
            extra = _EXTRA.search(match[3] or "")
            found.append((match[1], match[2], extra[1] if extra else None))
    return found


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
