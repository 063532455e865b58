"""The slash commands publish themselves at start, only when they changed."""

from __future__ import annotations

import logging

import discord
import pytest
from discord import app_commands

from bot.discord.app import NewsBot, create_bot

pytestmark = pytest.mark.asyncio


def publishes(env) -> int:
    """How many times the bot has uploaded its global command tree to Discord."""
    return sum(
        1
        for request in env.http_requests
        if request.method == "PUT" and request.path.endswith("/commands")
    )


async def about(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("I quote the news.")


class NewerBot(NewsBot):
    """The bot as a later version with one more slash command would be."""

    async def setup_hook(self) -> None:
        self.tree.add_command(
            app_commands.Command(name="about", description="What this bot does.", callback=about)
        )
        await super().setup_hook()


def same_bot(env) -> NewsBot:
    return create_bot(env.bot.settings, env.bot.engine)


def newer_bot(env) -> NewsBot:
    return NewerBot(env.bot.settings, env.bot.engine)


async def test_changed_commands_publish_once_and_unchanged_ones_never(simcord_env) -> None:
    """A restart with the same commands uploads nothing; a new command is uploaded once,
    and members can use it without anyone typing !sync."""
    assert publishes(simcord_env) == 1  # the first start: nothing was published before
    await simcord_env.restart_bot(same_bot(simcord_env))
    assert publishes(simcord_env) == 1
    await simcord_env.restart_bot(newer_bot(simcord_env))
    assert publishes(simcord_env) == 2
    await simcord_env.restart_bot(newer_bot(simcord_env))
    assert publishes(simcord_env) == 2
    channel = simcord_env.create_guild().create_text_channel("general")
    member = channel.guild.add_member(simcord_env.create_user("alice"))
    assert {"ask", "sources", "about"} <= set(member.available_commands(channel))


async def test_another_application_gets_the_commands_too(simcord_env, monkeypatch) -> None:
    """A token for another application publishes there, though the commands did not change."""
    assert publishes(simcord_env) == 1
    published = simcord_env.bot.settings.data_dir / "slash-commands.json"
    published.write_text(
        published.read_text(encoding="utf-8").replace(
            f'"application_id": {simcord_env.bot.application_id}', '"application_id": 42'
        ),
        encoding="utf-8",
    )
    await simcord_env.restart_bot(same_bot(simcord_env))
    assert publishes(simcord_env) == 2


async def test_a_failed_publish_is_one_log_line_and_is_tried_next_start(
    simcord_env, caplog
) -> None:
    """Discord failing the upload logs one line, the bot keeps answering, and the next
    start publishes."""
    simcord_env.inject_error("PUT", "/applications/*/commands", status=503, times=1)
    with caplog.at_level(logging.INFO, logger="bot"):
        await simcord_env.restart_bot(newer_bot(simcord_env))
    failures = [r for r in caplog.records if "could not publish the slash commands" in r.message]
    assert len(failures) == 1 and failures[0].exc_info is None
    assert "HTTP 503" in failures[0].message and "!sync" in failures[0].message
    assert simcord_env.errors == []
    channel = simcord_env.create_guild().create_text_channel("general")
    alice = channel.guild.add_member(simcord_env.create_user("alice"))
    await alice.send(channel, "!ask which police departments refused")
    assert channel.last_message.embeds  # still answering
    await simcord_env.restart_bot(newer_bot(simcord_env))
    assert "about" in set(alice.available_commands(channel))


async def test_the_owners_sync_is_remembered(simcord_env) -> None:
    """After the owner's !sync, the next start with the same commands uploads nothing."""
    await simcord_env.restart_bot(newer_bot(simcord_env))
    (simcord_env.bot.settings.data_dir / "slash-commands.json").unlink()
    channel = simcord_env.create_guild().create_text_channel("general")
    owner = channel.guild.add_member(simcord_env.create_user("owner"))
    simcord_env.bot.owner_ids = {owner.id}
    await owner.send(channel, "!sync")
    assert channel.last_message.content.startswith("Synced 10 slash commands: /about, /ask")
    uploads = publishes(simcord_env)
    await simcord_env.restart_bot(newer_bot(simcord_env))
    assert publishes(simcord_env) == uploads


async def test_a_home_server_without_the_commands_scope_is_named(simcord_env, caplog) -> None:
    """A server that invited the bot without applications.commands is named in the log,
    with how to invite it again."""
    simcord_env.inject_error(
        "GET",
        "/applications/*/guilds/*/commands",
        status=403,
        code=50001,
        message="Missing Access",
    )
    with caplog.at_level(logging.WARNING, logger="bot"):
        guild = simcord_env.create_guild(name="Newsroom")
        await simcord_env.settle()
    warnings = [r.message for r in caplog.records if "applications.commands" in r.message]
    assert warnings == [
        f"the slash commands cannot be used in server Newsroom ({guild.id}): the bot was "
        "invited without the applications.commands scope; on OAuth2 → URL Generator tick bot "
        "and applications.commands and open the new link to invite it again (nothing else "
        "changes)"
    ]
