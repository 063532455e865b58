"""What the bot keeps about members' questions: `forgetme`, the moderators' `unanswered`,
and the notice a member gets when an added article answers a question they watch.

The question log (`bot.questions`) does the work; this cog checks who may, and says it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from bot.discord.app import NewsBot, Refusal, is_moderator
from bot.discord.render import MESSAGE_CONTENT, answer_embed, answer_text, fit_lines
from bot.engine.answer import RANKED_QUOTES, Answer
from bot.engine.questionlog import Notice, group
from bot.render import clip, unanswered_header, unanswered_line
from bot.settings import MAX_LOG_DAYS

log = logging.getLogger(__name__)

LOG_OFF = "I don't keep the questions asked (QUESTION_LOG_DAYS is 0)"
UNREACHABLE = "I can't reach my question log just now; please try again later."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class FeedbackCog(commands.Cog, name="Your questions"):
    """What I keep about the questions you ask, and how to have it deleted."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._sending = asyncio.Lock()  # one round of notices at a time

    @commands.hybrid_command(name="forgetme")
    async def forgetme(self, ctx: commands.Context) -> None:
        """Delete everything I have logged about you, in every server.

        That is your questions (and the votes on their answers), your votes, and the
        questions you asked me to tell you about. Only you see my reply to /forgetme.
        """
        await ctx.defer(ephemeral=True)
        questions = self.bot.questions
        if not questions.enabled:
            await _privately(ctx, f"{LOG_OFF}, so there is nothing about you to delete.")
            return
        forgotten = await self.bot.remember(questions.forget, ctx.author.id)
        if forgotten is None:
            text = "I can't reach my question log just now, so nothing was deleted; please "
            text += "try again later."
        elif not forgotten.total:
            text = "I had nothing logged about you."
        else:
            text = (
                "Deleted everything I had logged about you, in every server: "
                f"{_plural(forgotten.questions, 'question')}, {_plural(forgotten.votes, 'vote')}"
                f" and {_plural(forgotten.watches, 'request')} to be told of an answer."
            )
        log.info("forgot member %d at their request", ctx.author.id)
        await _privately(ctx, text)

    @commands.hybrid_command(name="unanswered", extras={"example": "unanswered 7"})
    @commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(days="How many days back to look (default: as long as I keep questions)")
    async def unanswered(
        self, ctx: commands.Context, days: commands.Range[int, 1, MAX_LOG_DAYS] = MAX_LOG_DAYS
    ) -> None:
        """For moderators: what members asked here that the articles don't answer yet.

        The questions of the last days that I could not answer, or whose answer got
        more Not helpful votes than Helpful ones: worded-alike ones together, with how
        many times and by how many members they were asked, most asked first. Askers
        are never named; only you see the list (by direct message for the ! command).
        """
        assert ctx.guild is not None
        if not (is_moderator(self.bot.settings, ctx.author) or await self.bot.is_owner(ctx.author)):
            raise Refusal("Sorry, only moderators can use that command.")
        await ctx.defer(ephemeral=True)
        questions = self.bot.questions
        if not questions.enabled:
            await _privately(ctx, f"{LOG_OFF}, so I can't list them.")
            return
        days = min(days, questions.days)  # the log keeps no more
        found = await asyncio.to_thread(questions.unanswered, ctx.guild.id, days)
        if found is None:
            await _privately(ctx, UNREACHABLE)
            return
        groups = await asyncio.to_thread(group, found)
        header = unanswered_header(len(found), days, "here")
        lines = [f"- {unanswered_line(g, escape_markdown)}" for g in groups]
        text = header + (
            "\n" + fit_lines(lines, MESSAGE_CONTENT - len(header) - 1) if lines else ""
        )
        if ctx.interaction is not None:
            await ctx.send(text, ephemeral=True)
            return
        try:
            await ctx.author.send(text)
        except discord.HTTPException:
            await ctx.reply(
                "I couldn't send you a direct message; `/unanswered` shows the list to you alone.",
                mention_author=False,
            )
            return
        await ctx.reply("I sent you the list in a direct message.", mention_author=False)

    # -- telling members their question is answered ---------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Notices left from before this start (an article added at the terminal, say)."""
        await self.send_notices()

    @commands.Cog.listener()
    async def on_questions_answered(self) -> None:
        """Dispatched after every change to the articles."""
        await self.send_notices()

    async def send_notices(self) -> None:
        """Tell each member who watches a question an added article answers, once: by
        direct message, else by a reply in the question's channel that mentions only them.

        A notice waits while the index being served does not answer the question (an
        article added at the terminal, before a reload here)."""
        questions, engine = self.bot.questions, self.bot.engine
        if not questions.enabled or engine is None:
            return
        async with self._sending:
            for notice in await asyncio.to_thread(questions.notices):
                asked = notice.question
                answer = await asyncio.to_thread(
                    engine.ask, asked.question, RANKED_QUOTES, asked.after
                )
                if not answer.answered:
                    continue
                claim = self.bot.remember(questions.claim_notice, asked.id, notice.member_id)
                if await claim:  # from now on, never again
                    await self._tell(notice, answer)

    async def _tell(self, notice: Notice, answer: Answer) -> None:
        asked, member = notice.question, notice.member_id
        day = datetime.fromtimestamp(asked.asked_at, UTC).strftime("%Y-%m-%d")
        follows = clip(asked.after, 200) if asked.after else None
        embed = answer_embed(answer, follows=follows)
        try:
            user = self.bot.get_user(member) or await self.bot.fetch_user(member)
            where = f"in <#{asked.channel_id}>" if asked.guild_id else "here"
            await user.send(
                content=f"You asked me this on {day} {where}, and I found nothing then. "
                "An article added since answers it:",
                embed=embed,
            )
            log.info(
                "told member %d by direct message that question %d is answered", member, asked.id
            )
            return
        except discord.HTTPException as error:
            log.info(
                "could not message member %d directly (%s); replying in the channel", member, error
            )
        await self._tell_in_channel(notice, answer, day)

    async def _tell_in_channel(self, notice: Notice, answer: Answer, day: str) -> None:
        asked, member = notice.question, notice.member_id
        channel = self.bot.get_channel(asked.channel_id)
        if not isinstance(channel, discord.abc.Messageable) or isinstance(
            channel, discord.DMChannel
        ):
            log.warning("could not tell member %d that question %d is answered", member, asked.id)
            return
        intro = f"<@{member}>, an article added since answers the question you asked here on {day}:"
        embeds = (
            isinstance(channel, discord.abc.GuildChannel)
            and channel.permissions_for(channel.guild.me).embed_links
        )
        follows = clip(asked.after, 200) if asked.after else None
        shown = (
            {"embed": answer_embed(answer, follows=follows)}
            if embeds
            else {"content": answer_text(answer, follows=follows)}
        )
        if embeds:
            shown["content"] = intro
        else:
            shown["content"] = f"{intro}\n{shown['content']}"[:MESSAGE_CONTENT]
        try:
            await channel.send(
                **shown,
                reference=discord.MessageReference(
                    message_id=asked.reply_id or asked.id,
                    channel_id=asked.channel_id,
                    fail_if_not_exists=False,
                ),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(member)], replied_user=False
                ),
            )
            log.info("told member %d in the channel that question %d is answered", member, asked.id)
        except discord.HTTPException as error:
            log.warning(
                "could not tell member %d that question %d is answered: %s", member, asked.id, error
            )


async def _privately(ctx: commands.Context, text: str) -> None:
    """Only to the member for a slash command; a quiet reply for the ! command."""
    if ctx.interaction is not None:
        await ctx.send(text, ephemeral=True)
    else:
        await ctx.reply(text, mention_author=False)


async def setup(bot: commands.Bot) -> None:
    """Add the feedback cog (called by load_extension)."""
    await bot.add_cog(FeedbackCog(bot))  # type: ignore[arg-type]
