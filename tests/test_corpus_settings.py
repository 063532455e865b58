"""The settings both front doors share: the corpus folder, and whether to fetch private links."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.corpus import BUNDLED_CORPUS
from bot.settings import CorpusSettings, SettingsError, load_corpus_settings


def test_defaults_are_the_bundled_corpus_and_public_links_only() -> None:
    """With nothing set, the bundled corpus is used and private addresses are refused."""
    assert load_corpus_settings({}) == CorpusSettings(BUNDLED_CORPUS, allow_private_urls=False)


def test_both_settings_are_read(tmp_path: Path) -> None:
    """CORPUS_DIR and ALLOW_PRIVATE_URLS change their settings."""
    settings = load_corpus_settings({"CORPUS_DIR": str(tmp_path), "ALLOW_PRIVATE_URLS": "yes"})
    assert settings == CorpusSettings(tmp_path, allow_private_urls=True)


def test_bad_values_are_named_in_one_sentence(tmp_path: Path) -> None:
    """A missing folder and a flag that is neither true nor false are both named at once."""
    with pytest.raises(SettingsError) as caught:
        load_corpus_settings(
            {"CORPUS_DIR": str(tmp_path / "nowhere"), "ALLOW_PRIVATE_URLS": "sometimes"}
        )
    assert str(caught.value) == (
        f"Bad setting: CORPUS_DIR '{tmp_path / 'nowhere'}' is not a folder; "
        "ALLOW_PRIVATE_URLS must be true or false, not 'sometimes'."
    )


def test_dotenv_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness reads CORPUS_DIR from .env as the bot does, unless the environment sets it."""
    (tmp_path / "articles").mkdir()
    env_file = tmp_path / ".env"
    env_file.write_text(f"CORPUS_DIR={tmp_path / 'articles'}\nALLOW_PRIVATE_URLS=true\n")
    monkeypatch.delenv("CORPUS_DIR", raising=False)
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "false")
    settings = load_corpus_settings(dotenv_path=env_file)
    assert settings == CorpusSettings(tmp_path / "articles", allow_private_urls=False)


@pytest.mark.parametrize(
    ("raw", "days", "problem"),
    [
        ("", 30, None),
        ("0", 0, None),
        ("7", 7, None),
        ("-1", 30, "'-1'"),
        ("a month", 30, "'a month'"),
        ("3651", 30, "'3651'"),
    ],
)
def test_question_log_days(raw: str, days: int, problem: str | None) -> None:
    """QUESTION_LOG_DAYS is 30 unset, 0 turns logging off, and a bad value is named."""
    if problem is None:
        assert load_corpus_settings({"QUESTION_LOG_DAYS": raw}).question_log_days == days
        return
    with pytest.raises(SettingsError) as caught:
        load_corpus_settings({"QUESTION_LOG_DAYS": raw})
    assert str(caught.value) == (
        "Bad setting: QUESTION_LOG_DAYS must be a whole number of days from 0 (keep no "
        f"questions) to 3650, not {problem}."
    )
