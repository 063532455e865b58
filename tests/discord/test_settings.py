"""Settings come from the environment and .env, with defaults and one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord.settings import Settings, SettingsError, load_settings
from bot.engine.corpus import BUNDLED_CORPUS


def test_defaults() -> None:
    """With nothing set, the bot uses the documented defaults and the bundled corpus."""
    settings = load_settings({})
    assert settings == Settings()
    assert settings.command_prefix == "!" and settings.corpus_dir == BUNDLED_CORPUS
    assert (settings.cooldown_questions, settings.cooldown_seconds) == (3, 30.0)
    assert settings.max_question_chars == 300 and settings.allowed_channels == frozenset()
    assert settings.allow_dms is True and settings.token is None


def test_every_setting_is_read(tmp_path: Path) -> None:
    """Each environment variable changes its setting."""
    settings = load_settings(
        {
            "DISCORD_TOKEN": "secret-token",
            "COMMAND_PREFIX": "?",
            "CORPUS_DIR": str(tmp_path),
            "MODERATOR_ROLE": "Fact checkers",
            "COOLDOWN_QUESTIONS": "5",
            "COOLDOWN_SECONDS": "12.5",
            "MAX_QUESTION_CHARS": "200",
            "ALLOWED_CHANNELS": "123, 456",
            "ALLOW_DMS": "false",
            "HOME_GUILD_IDS": "789",
        }
    )
    assert settings.token == "secret-token" and settings.command_prefix == "?"
    assert settings.corpus_dir == tmp_path and settings.moderator_role == "Fact checkers"
    assert (settings.cooldown_questions, settings.cooldown_seconds) == (5, 12.5)
    assert settings.max_question_chars == 200
    assert settings.allowed_channels == frozenset({123, 456}) and settings.allow_dms is False
    assert settings.home_guild_ids == frozenset({789})


def test_token_never_shows_in_repr() -> None:
    """Logging or printing the settings never reveals the token."""
    settings = load_settings({"DISCORD_TOKEN": "secret-token"})
    assert "secret-token" not in repr(settings) and "secret-token" not in str(settings)


def test_bad_values_give_one_clear_sentence() -> None:
    """Bad values stop start-up with one sentence naming each bad setting."""
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "COOLDOWN_QUESTIONS": "many",
                "ALLOWED_CHANNELS": "12,general",
                "ALLOW_DMS": "maybe",
                "HOME_GUILD_IDS": "my server",
            }
        )
    message = str(caught.value)
    assert message.count(".") == 1 and message.endswith(".")
    for name in ("COOLDOWN_QUESTIONS", "ALLOWED_CHANNELS", "ALLOW_DMS", "HOME_GUILD_IDS"):
        assert name in message


def test_missing_corpus_folder_is_named(tmp_path: Path) -> None:
    """A CORPUS_DIR that is not a folder is reported before the bot starts."""
    with pytest.raises(SettingsError, match="CORPUS_DIR"):
        load_settings({"CORPUS_DIR": str(tmp_path / "nowhere")})


def test_dotenv_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values in .env apply unless the environment sets the same name."""
    env_file = tmp_path / ".env"
    env_file.write_text("COMMAND_PREFIX=?\nMAX_QUESTION_CHARS=120\n", encoding="utf-8")
    monkeypatch.setenv("MAX_QUESTION_CHARS", "150")
    monkeypatch.delenv("COMMAND_PREFIX", raising=False)
    settings = load_settings(dotenv_path=env_file)
    assert settings.command_prefix == "?" and settings.max_question_chars == 150


def test_env_example_documents_every_setting() -> None:
    """.env.example names every setting the bot reads."""
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    for name in (
        "DISCORD_TOKEN",
        "COMMAND_PREFIX",
        "CORPUS_DIR",
        "MODERATOR_ROLE",
        "COOLDOWN_QUESTIONS",
        "COOLDOWN_SECONDS",
        "MAX_QUESTION_CHARS",
        "ALLOWED_CHANNELS",
        "ALLOW_DMS",
        "DATA_DIR",
        "CONNECT_RETRY_SECONDS",
    ):
        assert f"{name}=" in text


def test_run_bot_without_a_token_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Starting the bot without DISCORD_TOKEN stops with one sentence, before connecting."""
    from bot.discord.startup import run_bot

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert run_bot() == 2
    assert capsys.readouterr().err.strip() == (
        "DISCORD_TOKEN is not set, so the bot cannot connect to Discord."
    )


def test_run_bot_with_a_bad_setting_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad setting stops start-up with a sentence naming it, and never echoes the token."""
    from bot.discord.startup import run_bot

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token")
    monkeypatch.setenv("COOLDOWN_SECONDS", "soon")
    assert run_bot() == 2
    err = capsys.readouterr().err
    assert "COOLDOWN_SECONDS" in err and "secret-token" not in err
