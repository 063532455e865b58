"""Shared fixtures for the Discord tests: the bundled engine, and the bot for simcord."""

from __future__ import annotations

import shutil
from pathlib import Path

import discord
import pytest

from bot.answer import Engine
from bot.cli import BUNDLED_CORPUS
from bot.discord_app import create_bot
from bot.settings import Settings

OWNER_ID = 1  # nobody in a test world unless a test makes someone the owner


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "bot_settings(copy_corpus=False, articles={}, **fields): Settings fields for simcord_bot; "
        "copy_corpus copies the bundled corpus to tmp_path, adds `articles` (name: text) "
        "and has the bot index it at start-up",
    )


@pytest.fixture(scope="session")
def bundled_engine() -> Engine:
    """The bundled corpus, indexed once for every test that does not change it."""
    return Engine.load(BUNDLED_CORPUS)


@pytest.fixture
def simcord_bot(request: pytest.FixtureRequest, bundled_engine: Engine, tmp_path: Path):
    """The real bot from create_bot, configured by the test's bot_settings marker."""
    marker = request.node.get_closest_marker("bot_settings")
    fields = dict(marker.kwargs) if marker else {}
    engine: Engine | None = bundled_engine
    if fields.pop("copy_corpus", False):
        folder = tmp_path / "corpus"
        shutil.copytree(BUNDLED_CORPUS, folder, ignore=shutil.ignore_patterns(".*"))
        for name, text in fields.pop("articles", {}).items():
            (folder / name).write_text(text, encoding="utf-8")
        fields["corpus_dir"] = folder
        engine = None  # the bot indexes the copy in setup_hook, as in production
    fields.setdefault("owner_ids", frozenset({OWNER_ID}))
    return create_bot(Settings(**fields), engine)


class World:
    """A guild with a #general channel, a member, a moderator and the owner's account."""

    def __init__(self, env) -> None:
        self.env = env
        self.guild = env.create_guild()
        self.channel = self.guild.create_text_channel("general")
        mods = self.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
        self.alice = self.guild.add_member(env.create_user("alice"))
        self.bob = self.guild.add_member(env.create_user("bob"))
        self.mod = self.guild.add_member(env.create_user("mod"), roles=[mods])
        self.owner = self.guild.add_member(env.create_user("owner"))
        env.bot.owner_ids = {self.owner.id}

    async def sync(self) -> None:
        """The owner publishes the slash commands, as a real deployment does once."""
        await self.owner.send(self.channel, "!sync")


@pytest.fixture
def world(simcord_env) -> World:
    return World(simcord_env)


def long_articles(count: int = 6) -> dict[str, str]:
    """Articles whose paragraphs are single sentences of thousands of characters.

    Titles, outlets and links are long too, and the text pings @everyone, so every
    Discord limit and the mention guard are exercised.
    """
    articles = {}
    for n in range(1, count + 1):
        run_on = ", ".join(
            f"the police department of district {n * 100 + i} refused to help the ICE raids"
            for i in range(60)
        )
        title = f"Report {n}: " + " ".join(["Police departments refused ICE raids"] * 8)
        url = f"https://example.com/news/{n}/" + "police-departments-refused-ice-raids-" * 6
        articles[f"long-{n}.md"] = (
            f"---\ntitle: {title}\noutlet: The Very Long Named Daily Gazette Number {n}\n"
            f"date: 2019-06-2{n % 10}\nurl: {url}\n---\n\n"
            f"@everyone in district {n}: {run_on}.\n\n"
            f"Officials in *district {n}* said {run_on}.\n\n"
            f"Police departments refused, said the report on district {n}; {run_on}.\n"
        )
    return articles
