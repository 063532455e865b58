"""Members asking through Discord: prefix and slash, buttons, limits, mentions, cooldown."""

from __future__ import annotations

import dataclasses
import logging
import re

import discord
import pytest
from discord.ext import commands

from bot.discord.app import Refusal
from bot.engine.answer import QuestionError
from tests.conftest import long_articles

pytestmark = pytest.mark.asyncio

HEADLINE = "which police departments refused"
EVERYONE_ARTICLE = {
    "everyone.md": "---\ntitle: Sheriffs speak\noutlet: Test Wire\ndate: 2019-06-23\n---\n\n"
    "@everyone the Quahog County sheriff said his deputies would not help with the ICE raids.\n"
}


def plain_channel(world):
    """A channel where the bot may send messages but not embed links."""
    return world.guild.create_text_channel(
        "plain", overwrites={world.guild.me: discord.PermissionOverwrite(embed_links=False)}
    )


def assert_fits(message: discord.Message) -> None:
    """Inside Discord's limits, as Discord documents them (not as our renderer's constants)."""
    assert len(message.content) <= 2000
    for embed in message.embeds:
        assert len(embed) <= 6000 and len(embed.title or "") <= 256
        assert len(embed.description or "") <= 4096
        assert all(len(field.value) <= 1024 for field in embed.fields)


def buttons(message: discord.Message) -> dict[str, bool]:
    """Button label -> whether it is enabled."""
    return {child.label: not child.disabled for row in message.components for child in row.children}


async def test_headline_question_gets_a_cited_embed_reply(world, caplog) -> None:
    """Asking the headline question shows quotes with citation numbers and their sources."""
    caplog.set_level(logging.INFO, logger="bot.discord.cogs.ask")
    asked = await world.alice.send(world.channel, f"!ask {HEADLINE}")
    assert "question of 32 characters answered in" in caplog.text and "15 quotes" in caplog.text
    reply = world.channel.last_message
    assert reply.author.bot and reply.reference.message_id == asked.id
    assert reply.mentions == [] and not reply.mention_everyone  # a reply that pings nobody
    embed = reply.embeds[0]
    assert embed.title == HEADLINE
    blocks = embed.description.split("\n\n")
    assert len(blocks) == 5 and all(b.startswith("> ") for b in blocks)
    assert "Police Department" in embed.description
    assert all(b.rstrip().endswith("]") for b in blocks)
    assert embed.fields[0].name == "Sources" and embed.fields[0].value.startswith("`[1]`")
    assert "Quotes 1–5 of" in embed.footer.text
    assert buttons(reply) == {
        "Back": False,
        "More": True,
        "Context": True,
        "Follow up": True,
        "Helpful": True,
        "Not helpful": True,
    }


async def test_more_shows_the_next_quotes_of_the_same_answer(world) -> None:
    """More replaces the quotes with the next five of the same ranking; Back returns."""
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    reply = world.channel.last_message
    first = reply.embeds[0].description
    await world.alice.click(reply, label="More")
    paged = world.channel.last_message
    assert paged.id == reply.id  # the same message, edited
    assert "Quotes 6–10 of" in paged.embeds[0].footer.text
    assert paged.embeds[0].description != first
    assert buttons(paged)["Back"]
    await world.alice.click(paged, label="Back")
    assert world.channel.last_message.embeds[0].description == first


async def test_only_the_asker_can_page(world) -> None:
    """Someone else pressing More is told privately that only the asker can page."""
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    reply = world.channel.last_message
    result = await world.bob.click(reply, label="More")
    assert result.ephemeral and "Only the person who asked" in result.response.content
    assert "Quotes 1–5" in world.channel.last_message.embeds[0].footer.text


async def test_context_shows_the_paragraph_around_each_quote(world) -> None:
    """Context shows each quote in bold inside its paragraph, naming the source."""
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    result = await world.alice.click(world.channel.last_message, label="Context")
    embed = result.response.embeds[0]
    assert not result.ephemeral  # a prefix question's context is shown in the channel
    assert len(embed.fields) == 5 and embed.fields[0].name.startswith("Quote 1 · [1]")
    assert all("**" in field.value for field in embed.fields)


async def test_slash_ask_answers_and_context_is_private(world) -> None:
    """/ask gives the same embed; its Context is shown only to the asker."""
    await world.sync()
    result = await world.alice.slash(world.channel, "ask", question=HEADLINE)
    message = result.response
    assert message.embeds[0].title == HEADLINE and not message.ephemeral
    context = await world.alice.click(message.message, label="Context")
    assert context.ephemeral and context.response.embeds[0].fields


async def test_slash_sources_lists_the_articles(world) -> None:
    """/sources lists every article with its number and passage count."""
    await world.sync()
    result = await world.alice.slash(world.channel, "sources")
    embed = result.response.embeds[0]
    assert embed.title.startswith("5 articles")
    assert embed.description.count("passages") == 5 and "**5.**" in embed.description


async def test_prefix_sources_lists_the_articles(world) -> None:
    """!sources lists number, outlet, date, title and passages of each article."""
    await world.alice.send(world.channel, "!sources")
    description = world.channel.last_message.embeds[0].description
    assert "**1.** Bloomberg, 2019-06-22" in description and "WTOP" in description


async def test_without_embed_links_the_answer_is_plain_text(world) -> None:
    """Where the bot may not embed links, the same answer arrives as plain text."""
    channel = plain_channel(world)
    await world.alice.send(channel, f"!ask {HEADLINE}")
    reply = channel.last_message
    assert reply.embeds == [] and reply.content.startswith(f"**{HEADLINE}**")
    assert "\n> " in reply.content and "Sources:" in reply.content
    assert_fits(reply)
    result = await world.alice.click(reply, label="Context")
    assert result.response.embeds == [] and "**Quote 1" in result.response.content


TWEET_QUESTION = "what did Trump tweet about delaying the deportation for two weeks"


def marks_after(text: str, words: str) -> list[str]:
    """The citation numbers that end the quote holding `words` in a rendered answer."""
    found = re.search(re.escape(words) + r".*?((?:`?\[\d+\]`?)+)\s*(?:\n|$)", text, re.S)
    assert found, text
    return re.findall(r"\d+", found.group(1))


async def test_a_quote_two_articles_carry_shows_both_citation_marks(world) -> None:
    """The tweet two articles carry ends with a mark for each of them, in the embed and in
    plain text, and each mark is a listed source."""
    await world.alice.send(world.channel, f"!ask {TWEET_QUESTION}")
    embed = world.channel.last_message.embeds[0]
    marks = marks_after(embed.description, "At the request of Democrats")
    assert len(set(marks)) == 2
    listed = "\n".join(field.value for field in embed.fields)
    assert all(f"`[{n}]`" in listed for n in marks)
    channel = plain_channel(world)
    await world.alice.send(channel, f"!ask {TWEET_QUESTION}")
    text = channel.last_message.content
    quotes, _, sources = text.partition("Sources:")
    assert marks_after(quotes, "At the request of Democrats") == marks
    assert all(f"`[{n}]`" in sources for n in marks)


async def test_nothing_relevant_suggests_sources(world) -> None:
    """A question the articles do not touch gets one sentence pointing at !sources, and
    the buttons to follow it up or to be told when an article answers it."""
    await world.alice.send(world.channel, "!ask what is the airspeed of an unladen swallow")
    reply = world.channel.last_message
    assert reply.embeds == []
    assert buttons(reply) == {"Follow up": True, "Tell me if this gets answered": True}
    assert reply.content.startswith("I found nothing relevant") and "`!sources`" in reply.content
    assert reply.content.count(".") == 1


async def test_empty_question_gets_a_usage_line(world, simcord_env) -> None:
    """!ask with no question answers with how to use it."""
    await world.alice.send(world.channel, "!ask   ")
    assert world.channel.last_message.content == (
        "Usage: `!ask <question>`, for example `!ask which police departments refused`."
    )
    assert [type(e) for e in simcord_env.errors] == [commands.MissingRequiredArgument]


async def test_too_long_question_is_refused_politely(world, simcord_env) -> None:
    """A question over the length limit is refused with the limit, not answered."""
    await world.alice.send(world.channel, "!ask " + "why " * 100)
    content = world.channel.last_message.content
    assert content.startswith("That question is 399 characters long") and "300" in content
    assert isinstance(simcord_env.errors[0].original, QuestionError)


async def test_cooldown_says_when_to_try_again(world, simcord_env) -> None:
    """The fourth question within 30 seconds is told when to try again; others are not."""
    for _ in range(3):
        await world.alice.send(world.channel, f"!ask {HEADLINE}")
        assert world.channel.last_message.embeds
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    content = world.channel.last_message.content
    assert content.startswith("You can ask 3 questions every 30 seconds; please try again in")
    await world.bob.send(world.channel, f"!ask {HEADLINE}")
    assert world.channel.last_message.embeds  # the cooldown is per user
    await simcord_env.advance_time(30)
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    assert world.channel.last_message.embeds
    assert [type(e) for e in simcord_env.errors] == [commands.CommandOnCooldown]


async def test_buttons_expire_and_say_so(world, simcord_env) -> None:
    """After the timeout the paging buttons are disabled and the answer says they expired;
    Follow up and the votes go on working."""
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    await simcord_env.advance_time(181)
    reply = world.channel.last_message
    assert buttons(reply) == {
        "Back": False,
        "More": False,
        "Context": False,
        "Follow up": True,
        "Helpful": True,
        "Not helpful": True,
    }
    assert reply.embeds[0].footer.text == (
        "Back, More and Context have expired; ask again to page through the quotes."
    )


async def test_slash_answer_buttons_expire_too(world, simcord_env) -> None:
    """A /ask answer's buttons also stop working after the timeout and say so."""
    await world.sync()
    result = await world.alice.slash(world.channel, "ask", question=HEADLINE)
    await simcord_env.advance_time(181)
    message = world.channel.history()[-1]
    assert message.id == result.response.id
    assert not any(buttons(message)[label] for label in ("Back", "More", "Context"))
    assert "expired" in message.embeds[0].footer.text


async def test_everyone_in_a_question_pings_nobody(world) -> None:
    """@everyone typed into a question is shown but pings nobody, with or without embeds."""
    channel = plain_channel(world)
    await world.alice.send(channel, f"!ask @everyone {HEADLINE}")
    reply = channel.last_message
    assert "@everyone" in reply.content
    assert not reply.mention_everyone and reply.mentions == []


@pytest.mark.bot_settings(copy_corpus=True, articles=EVERYONE_ARTICLE)
async def test_everyone_in_an_article_pings_nobody(world) -> None:
    """An article quoting @everyone is quoted verbatim without pinging anyone."""
    channel = plain_channel(world)
    await world.alice.send(channel, "!ask what did the Quahog County sheriff say")
    reply = channel.last_message
    assert "@everyone the Quahog County sheriff" in reply.content
    assert not reply.mention_everyone and reply.mentions == []


@pytest.mark.bot_settings(copy_corpus=True, articles=long_articles())
async def test_answers_from_very_long_paragraphs_fit_discord(world) -> None:
    """Answers quoting huge paragraphs fit Discord's limits, embedded or plain, on every page."""
    question = "which police departments refused the ICE raids " * 5
    for channel in (world.channel, plain_channel(world)):
        await world.alice.send(channel, "!ask " + question.strip())
        reply = channel.last_message
        assert_fits(reply)
        for _ in range(2):
            await world.alice.click(reply, label="More")
            reply = channel.last_message
            assert_fits(reply)
        context = await world.alice.click(reply, label="Context")
        assert_fits(context.response.message)
        await world.alice.send(channel, "!sources")
        assert_fits(channel.last_message)


async def test_allowed_channels_only(world, simcord_env) -> None:
    """With an allow-list, questions elsewhere get a sentence naming where to ask."""
    bot = simcord_env.bot
    bot.settings = dataclasses.replace(bot.settings, allowed_channels=frozenset({world.channel.id}))
    other = world.guild.create_text_channel("random")
    await world.alice.send(other, f"!ask {HEADLINE}")
    assert other.last_message.content == f"I only answer in <#{world.channel.id}>."
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    assert world.channel.last_message.embeds
    assert [type(e) for e in simcord_env.errors] == [Refusal]


async def test_allowed_channels_take_in_their_threads_and_no_others(world, simcord_env) -> None:
    """With an allow-list, a thread of an allowed channel is answered; a thread of another
    channel gets the sentence naming where to ask."""
    bot = simcord_env.bot
    bot.settings = dataclasses.replace(bot.settings, allowed_channels=frozenset({world.channel.id}))
    other = world.guild.create_text_channel("random")
    for handle in (world.channel, other):
        parent = bot.get_channel(handle.id)
        await parent.create_thread(name="raids", type=discord.ChannelType.public_thread)
    (allowed_thread,), (other_thread,) = world.channel.threads, other.threads
    await world.alice.send(allowed_thread, f"!ask {HEADLINE}")
    assert allowed_thread.last_message.embeds
    await world.alice.send(other_thread, f"!ask {HEADLINE}")
    assert other_thread.last_message.content == f"I only answer in <#{world.channel.id}>."
    assert [type(e) for e in simcord_env.errors] == [Refusal]


@pytest.mark.bot_settings(allow_dms=False)
async def test_direct_messages_can_be_turned_off(world, simcord_env) -> None:
    """With DMs off, a question in a DM gets a sentence asking to use a server channel."""
    user = world.alice.user
    await user.send_dm(f"!ask {HEADLINE}")
    assert "direct messages" in user.dm_channel.last_message.content
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusal


async def test_direct_messages_answered_when_allowed(world) -> None:
    """With DMs on (the default), a question in a DM is answered."""
    user = world.alice.user
    await user.send_dm(f"!ask {HEADLINE}")
    assert user.dm_channel.last_message.embeds


async def test_help_lists_commands_with_user_docstrings(world) -> None:
    """!help lists the commands with plain descriptions; moderators also see theirs."""
    await world.alice.send(world.channel, "!help")
    text = world.channel.last_message.content
    assert "ask" in text and "Ask a question; get cited quotes from the news articles." in text
    assert "reload" not in text
    await world.mod.send(world.channel, "!help")
    assert "reload" in world.channel.last_message.content
    await world.alice.send(world.channel, "!help ask")
    assert "Press More for further quotes" in world.channel.last_message.content


async def test_unexpected_error_shows_an_id_not_a_traceback(world, simcord_env, caplog) -> None:
    """If Discord fails mid-answer, the user sees a short error id; the log has the traceback."""
    simcord_env.inject_error("POST", "/channels/*/messages", status=500)
    await world.alice.send(world.channel, f"!ask {HEADLINE}")
    content = world.channel.last_message.content
    assert content.startswith("Sorry, something went wrong on my side (error ")
    assert "Traceback" not in content
    reference = content.split("(error ")[1].split(")")[0]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert len(simcord_env.errors) == 1
