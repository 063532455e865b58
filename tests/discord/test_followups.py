"""Members following up answers in Discord: by reply, by mention, by the Follow up button."""

from __future__ import annotations

import discord
import pytest

from bot.discord.app import create_bot
from bot.engine.answer import QuestionError

pytestmark = pytest.mark.asyncio

MAYORS = "which mayors spoke out against the raids"
ATLANTA_MAYOR = "> Atlanta Mayor Keisha Lance Bottoms"
DENVER_MAYOR = "> Denver Mayor Michael B. Hancock"
PLAIN_ATLANTA = "> The Miami Herald reported"  # "what about atlanta?" asked on its own
BOSTON = "what did the mayor of boston say"  # the articles never mention Boston


def first_quote(message) -> str:
    """The first block quote of an answer, embedded or plain."""
    if message.embeds:
        return message.embeds[0].description.split("\n\n")[0]
    return next(line for line in message.content.splitlines() if line.startswith("> "))


def follows(message) -> str | None:
    """The line of an answer (or of "found nothing") that says what it follows up, if any."""
    if message.embeds:
        return message.embeds[0].author.name
    shown = [line[3:] for line in message.content.splitlines() if line.startswith("-# Follow")]
    return shown[0] if shown else None


def said(result) -> str:
    """What the bot told the member who pressed or typed something, privately or not."""
    return (result.followups[-1] if result.followups else result.response).content


async def ask(world, text: str, reply_to=None, who=None):
    """A member's `!ask`; the bot's reply."""
    await (who or world.alice).send(world.channel, f"!ask {text}", reply_to=reply_to)
    return world.channel.last_message


async def test_a_reply_with_ask_follows_up_the_answer(world) -> None:
    """`!ask what about atlanta?` in reply to the answer on mayors quotes Atlanta's mayor."""
    first = await ask(world, MAYORS)
    answer = await ask(world, "what about atlanta?", reply_to=first)
    assert first_quote(answer).startswith(ATLANTA_MAYOR)
    assert follows(answer) == f"Following up “{MAYORS}”"
    alone = await ask(world, "what about atlanta?", who=world.bob)
    assert first_quote(alone).startswith(PLAIN_ATLANTA) and follows(alone) is None


async def test_a_plain_reply_to_the_bot_follows_up(world) -> None:
    """A plain reply to the bot's answer (which pings the bot) is a follow-up too."""
    first = await ask(world, MAYORS)
    await world.bob.send(world.channel, "what about atlanta?", reply_to=first)
    answer = world.channel.last_message
    assert answer.author.bot and first_quote(answer).startswith(ATLANTA_MAYOR)
    await world.bob.send(world.channel, f"{world.guild.me.mention} and denver?", reply_to=answer)
    assert first_quote(world.channel.last_message).startswith(DENVER_MAYOR)


async def test_a_chain_of_three_follow_ups(world) -> None:
    """Mayors, then Atlanta, then "and denver?": each answer follows the one before it."""
    first = await ask(world, MAYORS)
    second = await ask(world, "what about atlanta?", reply_to=first)
    third = await ask(world, "and denver?", reply_to=second, who=world.bob)
    assert first_quote(third).startswith(DENVER_MAYOR)
    assert follows(third) == "Following up “what about atlanta?”"
    alone = await ask(world, "and denver?", who=world.mod)
    assert not first_quote(alone).startswith(DENVER_MAYOR)


async def test_a_follow_up_to_found_nothing(world) -> None:
    """After "found nothing" for Boston's mayor, "what about denver?" quotes Denver's mayor."""
    nothing = await ask(world, BOSTON)
    assert nothing.content.startswith("I found nothing relevant")
    answer = await ask(world, "what about denver?", reply_to=nothing)
    assert first_quote(answer).startswith(DENVER_MAYOR)
    assert follows(answer) == f"Following up “{BOSTON}”"


async def test_the_follow_up_button_opens_a_modal_and_answers_in_context(world) -> None:
    """/ask, then Follow up: a modal with one field, and the answer follows the question."""
    await world.sync()
    result = await world.alice.slash(world.channel, "ask", question=MAYORS)
    shown = await world.bob.click(result.response.message, label="Follow up")
    fields = [c for row in shown.modal["components"] for c in row["components"]]
    assert [f["label"] for f in fields] == ["Your follow-up question"]
    submitted = await world.bob.submit_modal(shown, {"question": "what about atlanta?"})
    answer = submitted.response.message
    assert not submitted.ephemeral and answer.id == world.channel.last_message.id
    assert first_quote(answer).startswith(ATLANTA_MAYOR)
    assert follows(answer) == f"Following up “{MAYORS}”"
    again = await world.alice.click(answer, label="Follow up")
    chained = await world.alice.submit_modal(again, {"question": "and denver?"})
    assert first_quote(chained.response.message).startswith(DENVER_MAYOR)


async def test_the_follow_up_button_on_found_nothing(world) -> None:
    """The Follow up button of a "found nothing" reply works like a reply does."""
    nothing = await ask(world, BOSTON)
    shown = await world.alice.click(nothing, label="Follow up")
    submitted = await world.alice.submit_modal(shown, {"question": "what about denver?"})
    assert first_quote(submitted.response.message).startswith(DENVER_MAYOR)


async def test_a_reply_to_someone_elses_message_is_a_plain_question(world) -> None:
    """`!ask` in reply to a member's message is answered as a question of its own."""
    said = await world.bob.send(world.channel, MAYORS)
    answer = await ask(world, "what about atlanta?", reply_to=said)
    assert first_quote(answer).startswith(PLAIN_ATLANTA) and follows(answer) is None


async def test_a_follow_up_to_a_deleted_question_still_follows_the_answer(world, simcord_env):
    """The member's own question deleted, a reply to the bot's answer still follows it."""
    cleaners = world.guild.create_role(
        "Cleaners", permissions=discord.Permissions(manage_messages=True)
    )
    carol = world.guild.add_member(simcord_env.create_user("carol"), roles=[cleaners])
    asked = await world.alice.send(world.channel, f"!ask {MAYORS}")
    first = world.channel.last_message
    await carol.delete(asked)
    answer = await ask(world, "what about atlanta?", reply_to=first)
    assert first_quote(answer).startswith(ATLANTA_MAYOR)


async def test_a_1000_character_follow_up_gets_a_sentence(world, simcord_env) -> None:
    """A follow-up over the length limit is refused with the limit; nothing else is said."""
    first = await ask(world, MAYORS)
    long = ("what about atlanta and its mayor " * 40)[:999].rstrip().ljust(999, "x") + "?"
    reply = await ask(world, long, reply_to=first)
    assert reply.content == ("That question is 1,000 characters long; please keep it under 300.")
    assert [type(e.original) for e in simcord_env.errors] == [QuestionError]


@pytest.mark.bot_settings(max_question_chars=1000)
async def test_a_1000_character_follow_up_by_modal_is_answered(world) -> None:
    """With MAX_QUESTION_CHARS at 1000, a 1,000-character follow-up in the modal is answered."""
    first = await ask(world, MAYORS)
    shown = await world.alice.click(first, label="Follow up")
    long = ("what about atlanta? " + "tell me about its mayor please " * 40)[:1000]
    submitted = await world.alice.submit_modal(shown, {"question": long})
    assert follows(submitted.response.message) == f"Following up “{MAYORS}”"


async def test_buttons_pressed_after_a_restart(world, simcord_env) -> None:
    """After the bot restarts, Follow up and the votes on an old answer work as before;
    More says it stopped working and why."""
    first = await ask(world, MAYORS)
    old = simcord_env.bot
    await simcord_env.restart_bot(create_bot(old.settings, old.engine))
    voted = await world.bob.click(first, label="Helpful")
    assert voted.ephemeral and said(voted).startswith("Thanks")
    shown = await world.bob.click(first, label="Follow up")
    submitted = await world.bob.submit_modal(shown, {"question": "what about atlanta?"})
    assert first_quote(submitted.response.message).startswith(ATLANTA_MAYOR)
    more = await world.alice.click(first, label="More")
    assert more.ephemeral and "stopped working when I restarted" in more.response.content


@pytest.mark.bot_settings(question_log_days=0)
async def test_with_logging_off_follow_ups_still_work(world) -> None:
    """With QUESTION_LOG_DAYS=0 nothing is kept and there are no vote buttons, yet a reply
    follows up the question its answer shows."""
    first = await ask(world, MAYORS)
    labels = {child.label for row in first.components for child in row.children}
    assert labels == {"Back", "More", "Context", "Follow up"}
    answer = await ask(world, "what about atlanta?", reply_to=first)
    assert first_quote(answer).startswith(ATLANTA_MAYOR)
    assert not (world.env.bot.settings.data_dir / "questions.sqlite3").exists()


async def test_the_follow_up_modal_counts_against_the_cooldown(world, simcord_env) -> None:
    """A member over the question cooldown who follows up by the button is told when to
    try again, privately, as for !ask."""
    first = await ask(world, MAYORS)
    for _ in range(2):
        await ask(world, "who leaked the plans")
    shown = await world.alice.click(first, label="Follow up")
    submitted = await world.alice.submit_modal(shown, {"question": "what about atlanta?"})
    assert submitted.ephemeral
    assert said(submitted).startswith("You can ask 3 questions every 30 seconds; please try")
    assert [type(e).__name__ for e in simcord_env.errors] == ["CommandOnCooldown"]


@pytest.mark.bot_settings(question_log_days=0)
async def test_plain_text_answers_follow_up_too(world) -> None:
    """Where the bot may not embed links, a follow-up's plain answer names what it follows
    and fits in 2,000 characters; with nothing logged, a reply follows the shown question."""
    plain = world.guild.create_text_channel(
        "plain", overwrites={world.guild.me: discord.PermissionOverwrite(embed_links=False)}
    )
    await world.alice.send(plain, f"!ask {MAYORS}")
    first = plain.last_message
    await world.alice.send(plain, "!ask what about atlanta?", reply_to=first)
    answer = plain.last_message
    assert answer.embeds == [] and len(answer.content) <= 2000
    assert answer.content.startswith(f"-# Following up “{MAYORS}”\n**what about atlanta?**")
    assert first_quote(answer).startswith(ATLANTA_MAYOR)
