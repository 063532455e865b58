"""What the bot keeps about questions, through Discord: votes, /unanswered, /forgetme,
notices when an added article answers a question, and a log that is locked or damaged."""

from __future__ import annotations

import logging
import sqlite3

import discord
import pytest

from bot.discord.app import create_bot
from bot.engine import questionlog
from tests.conftest import OtherServer

pytestmark = pytest.mark.asyncio

HEADLINE = "which police departments refused"
SWALLOW = "what is the airspeed of an unladen swallow"
BOSTON = "what did the mayor of boston say"
QUAHOG = (
    "---\ntitle: Quahog sheriff refuses ICE\noutlet: Quahog Journal\ndate: 2019-06-23\n---\n\n"
    "The Quahog County sheriff said on Sunday that his deputies would not take part in "
    "the ICE raids planned for the weekend.\n"
)
SHERIFF = "what did the Quahog County sheriff say"
DEPUTIES = "will quahog deputies take part in the raids"


def said(result) -> str:
    """What the bot told the member who pressed or typed something."""
    return (result.followups[-1] if result.followups else result.response).content


async def ask(member, channel, text: str):
    await member.send(channel, f"!ask {text}")
    return channel.last_message


async def unanswered(member, channel, **options) -> str:
    """A moderator's /unanswered, as only they see it."""
    result = await member.slash(channel, "unanswered", **options)
    assert result.ephemeral
    return said(result)


def log_file(env):
    return env.bot.settings.data_dir / questionlog.LOG_FILE


def dm_messages(member) -> list[discord.Message]:
    return member.user.dm_channel.history()


async def notice_with_dms_closed(world, simcord_env) -> discord.Message:
    """Alice's DMs closed, the moderator adds the Quahog article; the bot's last message,
    which must be a notice that mentions her and nobody else."""
    dm = world.alice.user.dm_channel
    simcord_env.inject_error(
        "POST",
        f"/channels/{dm.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )
    await world.mod.send(world.channel, "!addarticle", attachments=[("quahog.md", QUAHOG.encode())])
    notice = world.channel.last_message
    assert notice.content.startswith(f"{world.alice.mention}, an article added since answers")
    assert [user.id for user in notice.mentions] == [world.alice.id]
    return notice


# -- votes ------------------------------------------------------------------------------


async def test_votes_are_private_one_per_member_and_can_change(world) -> None:
    """Helpful and Not helpful answer privately; a member's second press changes their one
    vote; moderators see an answer voted down more than up, and not once it evens out."""
    await world.sync()
    answer = await ask(world.alice, world.channel, HEADLINE)
    shown = len(world.channel.history())
    first = await world.bob.click(answer, label="Helpful")
    assert first.ephemeral and said(first).startswith("Thanks: I noted that you found this")
    again = await world.bob.click(answer, label="Helpful")
    assert said(again) == "You had already marked this answer helpful; your vote stands."
    changed = await world.bob.click(answer, label="Not helpful")
    assert said(changed) == "Changed your vote: this answer was not helpful to you."
    await world.mod.click(answer, label="Not helpful")
    assert len(world.channel.history()) == shown  # nothing was posted for anyone to see
    listed = await unanswered(world.mod, world.channel)
    assert f'once by 1 member: "{HEADLINE}"; voted 2 not helpful, 0 helpful' in listed
    await world.bob.click(answer, label="Helpful")
    assert HEADLINE not in await unanswered(world.mod, world.channel)


# -- /unanswered --------------------------------------------------------------------------


async def test_unanswered_groups_alike_questions_per_server(world, simcord_env) -> None:
    """Moderators see their own server's unanswered questions, worded-alike ones together
    and most asked first, with no asker named; another server's stay invisible."""
    await world.sync()
    other = OtherServer(simcord_env)
    await ask(world.alice, world.channel, SWALLOW)
    await ask(world.bob, world.channel, "What is the airspeed of an unladen swallow??")
    await ask(world.alice, world.channel, "whats the airspeed of an unladen swallow")
    await ask(world.mod, world.channel, BOSTON)
    await ask(world.alice, world.channel, HEADLINE)  # answered: not listed
    await ask(other.admin, other.channel, "who won the 1998 world cup")
    listed = await unanswered(world.mod, world.channel)
    lines = listed.splitlines()
    assert lines[0].startswith("4 questions asked here in the last 30 days that I could not")
    assert lines[1].startswith("- 3 times by 2 members:") and "unladen swallow" in lines[1]
    assert lines[2] == f'- once by 1 member: "{BOSTON}"'
    assert len(lines) == 3
    assert "world cup" not in listed and "alice" not in listed and "bob" not in listed
    theirs = await unanswered(other.admin, other.channel, days=7)
    assert theirs.splitlines()[1] == '- once by 1 member: "who won the 1998 world cup"'
    assert "swallow" not in theirs


async def test_unanswered_is_for_moderators_and_private(world, simcord_env) -> None:
    """A member is refused; a moderator's !unanswered arrives by direct message."""
    await ask(world.alice, world.channel, SWALLOW)
    await world.alice.send(world.channel, "!unanswered")
    assert world.channel.last_message.content == "Sorry, only moderators can use that command."
    await world.mod.send(world.channel, "!unanswered")
    assert world.channel.last_message.content == "I sent you the list in a direct message."
    assert "unladen swallow" in dm_messages(world.mod)[-1].content
    assert [type(e).__name__ for e in simcord_env.errors] == ["Refusal"]


# -- /forgetme ----------------------------------------------------------------------------


async def test_forgetme_deletes_everything_about_the_member_in_every_server(
    world, simcord_env
) -> None:
    """/forgetme deletes a member's questions, votes and watches everywhere, and nobody
    else's; asked again, there is nothing left."""
    await world.sync()
    other = OtherServer(simcord_env)
    alice_there = other.guild.add_member(world.alice.user)
    nothing = await ask(world.alice, world.channel, BOSTON)
    await world.alice.click(nothing, label="Tell me if this gets answered")
    await ask(world.alice, world.channel, SWALLOW)
    await ask(alice_there, other.channel, "who won the 1998 world cup")
    answer = await ask(world.bob, world.channel, HEADLINE)
    await world.alice.click(answer, label="Not helpful")
    await ask(world.bob, world.channel, SWALLOW)
    result = await world.alice.slash(world.channel, "forgetme")
    assert result.ephemeral
    assert said(result) == (
        "Deleted everything I had logged about you, in every server: 3 questions, 1 vote "
        "and 1 request to be told of an answer."
    )
    listed = await unanswered(world.mod, world.channel)
    assert listed.splitlines()[1:] == [f'- once by 1 member: "{SWALLOW}"']  # bob's
    assert "No question asked here" in await unanswered(other.admin, other.channel)
    await world.alice.send(world.channel, "!forgetme")
    assert world.channel.last_message.content == "I had nothing logged about you."


# -- closing the loop ---------------------------------------------------------------------


@pytest.mark.bot_settings(copy_corpus=True)
async def test_an_added_article_answers_logged_questions_and_tells_who_asked_to_know(
    world, simcord_env
) -> None:
    """An article that answers two logged questions: the moderator is told which, the one
    member who pressed Tell me gets the answer by direct message, once, and nobody else."""
    await world.sync()
    nothing = await ask(world.alice, world.channel, SHERIFF)
    watch = await world.alice.click(nothing, label="Tell me if this gets answered")
    assert watch.ephemeral and said(watch).startswith("I'll tell you once, by direct message")
    await ask(world.bob, world.channel, DEPUTIES)
    await ask(world.bob, world.channel, BOSTON)
    shown = len(world.channel.history())
    await world.mod.send(world.channel, "!addarticle", attachments=[("quahog.md", QUAHOG.encode())])
    report = world.channel.last_message.content
    assert "It answers 2 questions from the question log that had no good answer:" in report
    assert f'"{SHERIFF}", asked' in report and f'"{DEPUTIES}", asked' in report
    assert BOSTON not in report
    assert len(world.channel.history()) == shown + 2  # the command and its reply, no more
    notices = dm_messages(world.alice)
    assert len(notices) == 1
    assert notices[0].content.startswith("You asked me this on ")
    assert "An article added since answers it:" in notices[0].content
    assert "deputies would not take part" in notices[0].embeds[0].description
    assert notices[0].embeds[0].title == SHERIFF
    assert dm_messages(world.bob) == []
    await world.mod.send(world.channel, "!reload")
    await simcord_env.restart_bot(create_bot(simcord_env.bot.settings, simcord_env.bot.engine))
    assert len(dm_messages(world.alice)) == 1 and dm_messages(world.bob) == []
    listed = await unanswered(world.mod, world.channel)
    assert BOSTON in listed and SHERIFF not in listed and DEPUTIES not in listed


@pytest.mark.bot_settings(copy_corpus=True)
async def test_closed_direct_messages_get_a_reply_that_mentions_only_them(
    world, simcord_env
) -> None:
    """A member whose DMs are closed is told in the question's channel, in a reply that
    mentions them and nobody else."""
    nothing = await ask(world.alice, world.channel, SHERIFF)
    await world.alice.click(nothing, label="Tell me if this gets answered")
    notice = await notice_with_dms_closed(world, simcord_env)
    assert not notice.mention_everyone and notice.role_mentions == []
    assert notice.reference.message_id == nothing.id
    assert "deputies would not take part" in notice.embeds[0].description


# -- a log that cannot be used ------------------------------------------------------------


def log_errors(caplog) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "bot.engine.questionlog" and r.levelno >= logging.ERROR
    ]


async def test_a_locked_log_is_one_error_line_and_answers_go_on(
    world, simcord_env, caplog, monkeypatch
) -> None:
    """While another program holds the log's write lock, questions and follow-ups are
    answered, one error line is logged, and logging resumes when the lock goes."""
    monkeypatch.setattr(questionlog, "BUSY_TIMEOUT_MS", 50)
    await world.sync()
    first = await ask(world.alice, world.channel, "which mayors spoke out against the raids")
    blocker = sqlite3.connect(log_file(simcord_env), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert (await ask(world.bob, world.channel, HEADLINE)).embeds
        assert (await ask(world.bob, world.channel, SWALLOW)).content.startswith("I found nothing")
        await world.alice.send(world.channel, "!ask what about atlanta?", reply_to=first)
        assert "Atlanta Mayor" in world.channel.last_message.embeds[0].description
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert len(log_errors(caplog)) == 1 and "database is locked" in caplog.text
    await ask(world.mod, world.channel, BOSTON)
    assert "works again" in caplog.text
    listed = await unanswered(world.mod, world.channel)
    assert BOSTON in listed and SWALLOW not in listed  # asked while locked: not kept


async def test_a_damaged_log_is_one_error_line_and_answers_go_on(
    world, simcord_env, caplog
) -> None:
    """The log file damaged while the bot runs, and still damaged after a restart: every
    question is answered, each start logs one error line, and the file is left as it is."""
    await world.sync()
    await ask(world.alice, world.channel, SWALLOW)
    path = log_file(simcord_env)
    with sqlite3.connect(path) as checkpoint:  # everything into the main file, then damage it
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = b"this is not a database any more " * 500
    path.write_bytes(damaged)
    first = await ask(world.alice, world.channel, "which mayors spoke out against the raids")
    assert first.embeds
    await world.bob.send(world.channel, "!ask what about atlanta?", reply_to=first)
    assert "Atlanta Mayor" in world.channel.last_message.embeds[0].description
    voted = await world.bob.click(first, label="Helpful")
    assert "can't note your vote" in said(voted)
    assert said(await world.mod.slash(world.channel, "unanswered")).startswith(
        "I can't reach my question log just now"
    )
    assert said(await world.alice.slash(world.channel, "forgetme")).startswith(
        "I can't reach my question log just now, so nothing was deleted"
    )
    assert len(log_errors(caplog)) == 1 and "file is not a database" in caplog.text
    await simcord_env.restart_bot(create_bot(simcord_env.bot.settings, simcord_env.bot.engine))
    assert (await ask(world.bob, world.channel, HEADLINE)).embeds
    assert len(log_errors(caplog)) == 2  # one for each start
    assert path.read_bytes() == damaged


@pytest.mark.bot_settings(copy_corpus=True)
async def test_a_notice_whose_question_was_deleted_still_arrives(world, simcord_env) -> None:
    """DMs closed and the "found nothing" reply deleted since: the notice still comes, in
    the channel, mentioning only the member."""
    cleaners = world.guild.create_role(
        "Cleaners", permissions=discord.Permissions(manage_messages=True)
    )
    carol = world.guild.add_member(simcord_env.create_user("carol"), roles=[cleaners])
    nothing = await ask(world.alice, world.channel, SHERIFF)
    await world.alice.click(nothing, label="Tell me if this gets answered")
    await carol.delete(nothing)
    notice = await notice_with_dms_closed(world, simcord_env)
    assert "deputies would not take part" in notice.embeds[0].description
