"""Moderation across servers: home servers only, slash moderator commands, history and restore."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from pathlib import Path

import pytest
from simcord import SetupError

from bot.discord.app import Refusal
from bot.engine.answer import Engine
from bot.engine.changes import Actor, CorpusFolder
from bot.engine.history import HISTORY_FILE
from tests.conftest import OtherServer

pytestmark = [pytest.mark.asyncio, pytest.mark.bot_settings(copy_corpus=True)]

QUAHOG = (
    "---\ntitle: Quahog sheriff refuses ICE\noutlet: Quahog Journal\ndate: 2019-06-23\n---\n\n"
    "The Quahog County sheriff said on Sunday that his deputies would not take part in "
    "the ICE raids planned for the weekend.\n"
)
QUAHOG_QUESTION = "what did the Quahog County sheriff say"
PLANTED = (
    "---\ntitle: Mayors welcome the raids\noutlet: Server B Gazette\n---\n\n"
    "Every mayor in the country said on Sunday that the Zanzibar raids were welcome.\n"
)
MARKS = b"? " * 495_000  # 990 KB of one paragraph, valid UTF-8, no word to search
WTOP = "wtop-dc-leaders-speak-out-against-ice-raids.md"
NOT_HOME = (
    "I'm in 2 servers and no home server is set (HOME_GUILD_IDS), so only my owner can "
    "change the articles they all share."
)
OTHER_SERVER = (
    "Only moderators of this bot's home server can change its articles, because every "
    "server it is in shares them."
)
MODERATOR_COMMANDS = {"reload", "addarticle", "removearticle", "restore", "history"}


def folder_of(env) -> Path:
    return env.bot.settings.corpus_dir


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under the corpus folder (the cache aside) and its sha256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".cache" not in path.parts
    }


def said(result) -> str:
    """What the bot told the user who ran a slash command."""
    return (result.followups[-1] if result.followups else result.response).content


def history_records(folder: Path) -> list[dict]:
    path = folder / HISTORY_FILE
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def set_home(env, *guilds) -> None:
    """Change the bot's settings while it runs, as a restart with HOME_GUILD_IDS would."""
    settings = env.bot.settings
    env.bot.settings = dataclasses.replace(
        settings, home_guild_ids=frozenset(guild.id for guild in guilds)
    )


async def test_no_member_of_another_server_changes_the_corpus(world, simcord_env) -> None:
    """With HOME_GUILD_IDS set, the other server's admin changes nothing and gets one sentence."""
    other = OtherServer(simcord_env)
    set_home(simcord_env, world.guild)
    await world.sync()
    folder, bot = folder_of(simcord_env), simcord_env.bot
    before, engine = snapshot(folder), bot.engine
    planter, lobby = other.admin, other.channel
    upload = [("planted.md", PLANTED.encode())]
    for content, attachments in [
        ("!addarticle", upload),
        ("!removearticle 1", []),
        (f"!removearticle {WTOP}", []),
        ("!reload", []),
        (f"!restore {WTOP}", []),
        ("!history", []),
    ]:
        await planter.send(lobby, content, attachments=attachments)
        assert lobby.last_message.content == OTHER_SERVER, content
    for name, options in [
        ("addarticle", {"file": upload[0]}),
        ("removearticle", {"article": "1"}),
        ("reload", {}),
        ("restore", {"file": WTOP}),
        ("history", {}),
    ]:
        result = await planter.slash(lobby, name, **options)
        assert result.ephemeral and said(result) == OTHER_SERVER, name
    assert await planter.autocomplete(lobby, "removearticle", "article", "") == []
    assert snapshot(folder) == before and bot.engine is engine
    await world.alice.send(world.channel, "!ask which mayors said the Zanzibar raids were welcome")
    answer = world.channel.last_message
    shown = answer.content + "".join(e.description or "" for e in answer.embeds)
    assert "Every mayor in the country" not in shown and "Zanzibar raids" not in shown
    await world.alice.send(world.channel, "!sources")
    assert world.channel.last_message.embeds[0].title.startswith("5 articles")
    assert all(isinstance(error, Refusal) for error in simcord_env.errors)


async def test_the_home_servers_moderators_and_the_owner_may_change_it(world, simcord_env) -> None:
    """A home-server moderator adds an article; the owner may remove one from another server."""
    other = OtherServer(simcord_env)
    set_home(simcord_env, world.guild)
    await world.mod.send(world.channel, "!addarticle", attachments=[("quahog.md", QUAHOG.encode())])
    assert world.channel.last_message.content.startswith(
        'Added Quahog Journal, 2019-06-23, "Quahog'
    )
    owner_there = other.guild.add_member(simcord_env.create_user("owner-b"))
    simcord_env.bot.owner_ids = {world.owner.id, owner_there.id}
    await owner_there.send(other.channel, "!removearticle quahog.md")
    assert other.channel.last_message.content.startswith("Moved Quahog Journal")
    assert not (folder_of(simcord_env) / "quahog.md").exists()


async def test_unset_home_in_two_servers_refuses_everyone_but_the_owner(
    world, simcord_env, caplog
) -> None:
    """Unset and in two servers: a warning, and even the first server's moderators are refused."""
    caplog.set_level(logging.WARNING, logger="bot.discord.app")
    OtherServer(simcord_env)
    before = snapshot(folder_of(simcord_env))
    await world.mod.send(world.channel, "!addarticle", attachments=[("quahog.md", QUAHOG.encode())])
    assert world.channel.last_message.content == NOT_HOME
    assert "in 2 servers and HOME_GUILD_IDS is not set" in caplog.text
    await world.mod.send(world.channel, "!reload")
    assert world.channel.last_message.content == NOT_HOME
    assert snapshot(folder_of(simcord_env)) == before
    await world.owner.send(world.channel, "!reload")
    assert world.channel.last_message.content.startswith("Reloaded in ")
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusals


async def test_moderator_slash_commands_are_hidden_from_members(world, simcord_env) -> None:
    """Members see only /ask, /sources and /forgetme; Manage Server sees the moderator
    commands too."""
    await world.sync()
    assert set(world.alice.available_commands(world.channel)) == {"ask", "sources", "forgetme"}
    assert set(world.mod.available_commands(world.channel)) == {"ask", "sources", "forgetme"} | (
        MODERATOR_COMMANDS | {"unanswered"}
    )
    with pytest.raises(SetupError, match="default-member-permissions"):
        await world.alice.slash(world.channel, "reload")


async def test_slash_reload_and_history_answer_only_the_moderator(world, simcord_env) -> None:
    """/reload's report and /history are shown only to the moderator who ran them."""
    await world.sync()
    before = len(world.channel.history())
    result = await world.mod.slash(world.channel, "reload")
    assert result.ephemeral and said(result).startswith("Reloaded in ")
    shown = await world.mod.slash(world.channel, "history")
    assert shown.ephemeral and said(shown) == "No changes to the articles have been recorded yet."
    assert len(world.channel.history()) == before


async def test_slash_addarticle_with_an_attachment_answers_privately(world, simcord_env) -> None:
    """/addarticle file:quahog.md saves and reloads; only the moderator sees the report."""
    await world.sync()
    result = await world.mod.slash(world.channel, "addarticle", file=("quahog.md", QUAHOG.encode()))
    assert result.ephemeral
    assert said(result).startswith('Added Quahog Journal, 2019-06-23, "Quahog sheriff refuses ICE"')
    assert "Added: quahog.md (1 passages)" in said(result)
    assert (folder_of(simcord_env) / "quahog.md").read_bytes() == QUAHOG.encode()
    answer = await world.alice.slash(world.channel, "ask", question=QUAHOG_QUESTION)
    assert "deputies would not take part" in answer.response.embeds[0].description


async def test_slash_removearticle_autocompletes_titles_then_restore_brings_it_back(
    world, simcord_env
) -> None:
    """/removearticle offers titles, moves the file to .trash; /restore puts it back as it was."""
    await world.sync()
    folder = folder_of(simcord_env)
    original = (folder / WTOP).read_bytes()
    choices = await world.mod.autocomplete(world.channel, "removearticle", "article", "wtop")
    assert [c["value"] for c in choices] == [WTOP] and "5. " in choices[0]["name"]
    result = await world.mod.slash(world.channel, "removearticle", article=WTOP)
    assert result.ephemeral and said(result).startswith("Moved WTOP")
    assert f"Removed: {WTOP}" in said(result)
    assert not (folder / WTOP).exists() and (folder / ".trash" / WTOP).read_bytes() == original
    offered = await world.mod.autocomplete(world.channel, "restore", "file", "")
    assert [c["value"] for c in offered] == [WTOP]
    result = await world.mod.slash(world.channel, "restore", file=WTOP)
    assert result.ephemeral and said(result).startswith("Restored WTOP")
    assert f"as {WTOP}" in said(result) and f"Added: {WTOP}" in said(result)
    assert (folder / WTOP).read_bytes() == original and not (folder / ".trash" / WTOP).exists()
    shown = await world.mod.slash(world.channel, "history", count=2)
    lines = said(shown).splitlines()
    assert shown.ephemeral and lines[0] == "The latest 2 changes to the articles, newest first:"
    assert f"restored {WTOP}" in lines[1] and f"removed {WTOP}" in lines[2]
    await world.alice.send(world.channel, "!sources")
    assert world.channel.last_message.embeds[0].title.startswith("5 articles")


async def test_addarticle_needs_exactly_one_file(world, simcord_env) -> None:
    """!addarticle with no link and no file, or with two files, says how to use it."""
    usage = (
        "Please give the article's link, or attach exactly one .txt or .md file, "
        "as in `!addarticle https://example.com/news/story`."
    )
    await world.mod.send(world.channel, "!addarticle")
    assert world.channel.last_message.content == usage
    two = [("a.md", QUAHOG.encode()), ("b.md", PLANTED.encode())]
    await world.mod.send(world.channel, "!addarticle", attachments=two)
    assert world.channel.last_message.content == usage
    assert len(simcord_env.errors) == 2


async def test_restore_of_something_not_in_the_trash(world, simcord_env) -> None:
    """Restoring a name .trash does not hold says what it does hold, in one sentence."""
    await world.mod.send(world.channel, "!removearticle 5")
    await world.mod.send(world.channel, "!restore ../secret.md")
    assert world.channel.last_message.content == (
        f"There is no secret.md in .trash; it holds {WTOP}."
    )
    assert [type(e) for e in simcord_env.errors] == [Refusal]


async def test_every_change_is_in_the_history(world, simcord_env) -> None:
    """Add, remove, restore and a reload that found an edit are recorded and shown newest first."""
    folder = folder_of(simcord_env)
    await world.mod.send(world.channel, "!history")
    assert world.channel.last_message.content == (
        "No changes to the articles have been recorded yet."
    )
    await world.mod.send(world.channel, "!addarticle", attachments=[("quahog.md", QUAHOG.encode())])
    await world.mod.send(world.channel, "!removearticle quahog.md")
    await world.mod.send(world.channel, "!restore quahog.md")
    edited = folder / "cities-vow-to-resist-ice-raids.md"
    edited.write_text(edited.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    await world.owner.send(world.channel, "!reload")
    digest = hashlib.sha256(QUAHOG.encode()).hexdigest()
    records = history_records(folder)
    assert [(r["action"], r["file"]) for r in records] == [
        ("add", "quahog.md"),
        ("remove", "quahog.md"),
        ("restore", "quahog.md"),
        ("reload", "cities-vow-to-resist-ice-raids.md"),
    ]
    assert [r["sha256"] for r in records[:3]] == [digest] * 3
    assert records[3]["sha256"] == hashlib.sha256(edited.read_bytes()).hexdigest()
    assert records[0]["who"] == {"id": world.mod.id, "name": "mod"}
    assert records[3]["who"] == {"id": world.owner.id, "name": "owner"}
    assert records[0]["server"] == {"id": world.guild.id, "name": "Test Guild"}
    assert records[1]["trash"] == records[2]["trash"] == "quahog.md"
    assert records[3]["note"] == "changed"
    assert all(r["when"].endswith("Z") for r in records)
    await world.mod.send(world.channel, "!history 3")
    lines = world.channel.last_message.content.splitlines()
    assert lines[0] == "The latest 3 changes to the articles, newest first:"
    assert (
        "owner" in lines[1]
        and "reloaded and found cities-vow-to-resist-ice-raids.md changed" in lines[1]
    )
    assert "restored quahog.md from .trash/quahog.md" in lines[2]
    assert f"removed quahog.md to .trash/quahog.md (sha256 `{digest[:12]}`)" in lines[3]
    assert f"mod (`{world.mod.id}`) in Test Guild (`{world.guild.id}`)" in lines[3]


async def test_history_of_one_change_reads_as_a_person_would_write_it(world, simcord_env) -> None:
    """One change is "The latest change", never "The latest 1 changes"."""
    await world.mod.send(world.channel, "!addarticle", attachments=[("quahog.md", QUAHOG.encode())])
    await world.mod.send(world.channel, "!history")
    lines = world.channel.last_message.content.splitlines()
    assert lines[0] == "The latest change to the articles:"
    assert len(lines) == 2 and "added quahog.md" in lines[1]
    await world.mod.send(world.channel, "!removearticle quahog.md")
    await world.mod.send(world.channel, "!history 1")
    lines = world.channel.last_message.content.splitlines()
    assert lines[0] == "The latest change to the articles:"
    assert len(lines) == 2 and "removed quahog.md" in lines[1]
    await world.mod.send(world.channel, "!history")
    assert world.channel.last_message.content.startswith(
        "The latest 2 changes to the articles, newest first:\n"
    )


async def test_the_990_kb_pathological_article_is_refused_and_leaves_nothing(
    world, simcord_env
) -> None:
    """!addarticle and /addarticle refuse 990 KB of "? " in a sentence naming it; answers go on."""
    await world.sync()
    folder = folder_of(simcord_env)
    before = snapshot(folder)
    refusal = "I can't add that file: marks.md has no article text."
    await world.mod.send(world.channel, "!addarticle", attachments=[("marks.md", MARKS)])
    assert world.channel.last_message.content == refusal
    result = await world.mod.slash(world.channel, "addarticle", file=("marks.md", MARKS))
    assert result.ephemeral and said(result) == refusal
    assert snapshot(folder) == before
    await world.alice.send(world.channel, "!ask who is the acting director of ICE")
    assert "Mark Morgan" in world.channel.last_message.embeds[0].description
    assert [type(e) for e in simcord_env.errors] == [Refusal, Refusal]


@pytest.mark.bot_settings(copy_corpus=True, articles={"marks.md": MARKS.decode()})
async def test_a_bad_article_at_start_up_is_named_to_moderators_and_removable(
    world, simcord_env, caplog
) -> None:
    """At start-up the good articles are served; moderators see the bad file named and remove it."""
    started = "\n".join(r.getMessage() for r in caplog.get_records("setup"))
    assert "article file left out: marks.md has no article text" in started
    await world.alice.send(world.channel, "!ask who is the acting director of ICE")
    assert "Mark Morgan" in world.channel.last_message.embeds[0].description
    await world.alice.send(world.channel, "!sources")
    embed = world.channel.last_message.embeds[0]
    assert embed.title.startswith("5 articles") and not embed.fields
    await world.mod.send(world.channel, "!sources")
    field = world.channel.last_message.embeds[0].fields[0]
    assert field.name == "Not loaded (listed for moderators)"
    assert field.value == "- marks.md has no article text"
    await world.mod.send(world.channel, "!reload")
    assert "- marks.md: has no article text" in world.channel.last_message.content
    await world.mod.send(world.channel, "!removearticle marks.md")
    report = world.channel.last_message.content
    assert report.startswith("Moved marks.md to .trash/marks.md.\nReloaded in ")
    await world.mod.send(world.channel, "!sources")
    assert not world.channel.last_message.embeds[0].fields


async def test_moderator_commands_work_only_in_servers(world, simcord_env) -> None:
    """In a direct message even the owner is told to use a server; the slash forms are not there."""
    await world.sync()
    owner = world.owner.user
    await owner.send_dm("!reload")
    assert owner.dm_channel.last_message.content == "That command only works in a server channel."
    assert set(owner.available_commands()) == {"ask", "sources", "forgetme"}
    assert [type(e).__name__ for e in simcord_env.errors] == ["NoPrivateMessage"]


async def test_discord_is_told_the_moderator_commands_are_for_servers_only(
    world, simcord_env
) -> None:
    """What Discord receives says "servers only" both ways it reads it: the old DM switch
    and the interaction contexts (guild only); the member commands work everywhere."""
    await world.sync()
    backend = simcord_env.backend
    for name in MODERATOR_COMMANDS:
        registered = backend.find_command(name, None)
        assert registered["dm_permission"] is False, name
        assert registered["contexts"] == [0], name  # 0: GUILD, 1: BOT_DM, 2: PRIVATE_CHANNEL
    for name in ("ask", "sources"):
        assert backend.find_command(name, None).get("contexts") in (None, [0, 1, 2]), name


@pytest.mark.bot_settings(
    copy_corpus=True,
    articles={"marks.md": "? ? ? ? ?\n", "broken.md": "---\ntitle: never closed\n\nText.\n"},
)
async def test_bad_files_can_be_removed_one_at_a_time(world, simcord_env) -> None:
    """Removing one of two bad files keeps it in .trash even though the other still fails."""
    folder = folder_of(simcord_env)
    await world.mod.send(world.channel, "!removearticle marks.md")
    report = world.channel.last_message.content
    assert report.startswith("Moved marks.md to .trash/marks.md.\nThe reload failed")
    assert "- broken.md: front matter opens with '---' but never closes" in report
    assert (folder / ".trash" / "marks.md").exists() and not (folder / "marks.md").exists()
    await world.mod.send(world.channel, "!removearticle broken.md")
    assert "\nReloaded in " in world.channel.last_message.content
    assert [r["file"] for r in history_records(folder)] == ["marks.md", "broken.md"]


async def test_changes_made_at_the_terminal_show_in_the_history(world, simcord_env) -> None:
    """An article removed through the harness is listed with the local user and no ids."""
    folder = folder_of(simcord_env)
    harness = CorpusFolder(folder, Engine.load(folder))
    harness.remove(WTOP, Actor(name="ann", server_name="the local harness"))
    await world.mod.send(world.channel, "!history")
    lines = world.channel.last_message.content.splitlines()
    assert lines[0] == "The latest change to the articles:"
    assert f" UTC` ann in the local harness removed {WTOP} to .trash/{WTOP} (sha256 `" in lines[1]
