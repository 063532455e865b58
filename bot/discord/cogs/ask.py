"""Members' commands: ask a question or follow one up, page through the quotes, see their
context, list sources.

A follow-up is a Discord reply to one of the bot's answers (or "found nothing" replies)
with `!ask ...` or with a mention of the bot, or the Follow up button's modal
(`bot.discord.buttons`); the question it follows comes from the question log, else from
what the answer shows. Every question asked here is logged (`bot.questions`) after its
answer is sent, on the log's own thread.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from bot.discord.app import NewsBot, Refusal
from bot.discord.buttons import FollowUpButton, NothingView, VoteButton, paging_id
from bot.discord.render import (
    answer_embed,
    answer_text,
    context_embed,
    context_text,
    following,
    page_count,
    shorten,
    shown_question,
    sources_embed,
    sources_text,
)
from bot.engine.answer import RANKED_QUOTES, Answer, validate_question
from bot.engine.questionlog import Asked
from bot.render import NOTHING_FOUND

log = logging.getLogger(__name__)

EXPIRED = "Back, More and Context have expired; ask again to page through the quotes."
DELETED = "The message you replied to was deleted, so I answered your question on its own."
UNREADABLE = "I couldn't read the message you replied to, so I answered your question on its own."
FORGOTTEN = "I no longer have the question that message answered, so I answered yours on its own."
_FOLLOWS = re.compile(r"nq:follow:(\d+)")


@dataclass(frozen=True)
class Earlier:
    """The question a follow-up follows: its log id, the text the engine asks after (the
    whole chain of questions, oldest first), and the question itself, as shown."""

    id: int | None
    after: str
    shown: str


@dataclass(frozen=True)
class Asking:
    """One question to answer: what, by whom, where, and what it follows."""

    id: int  # the message or interaction that asked
    question: str
    asker_id: int
    guild_id: int | None
    channel_id: int
    embeds: bool
    private_context: bool
    prefix: str
    earlier: Earlier | None = None
    note: str | None = None  # a sentence about what it follows, said with the answer
    came: float = field(default_factory=time.perf_counter)  # when the question came in


def can_embed(ctx: commands.Context) -> bool:
    """Whether the bot may embed links where `ctx` happens (else answers go as plain text)."""
    if ctx.interaction is not None:
        return ctx.interaction.app_permissions.embed_links
    if ctx.guild is None:
        return True
    return ctx.channel.permissions_for(ctx.me).embed_links  # type: ignore[arg-type]


def _question_cooldown(ctx: commands.Context) -> app_commands.Cooldown:
    settings = ctx.bot.settings
    return app_commands.Cooldown(settings.cooldown_questions, settings.cooldown_seconds)


async def reply(ctx: commands.Context, **kwargs: Any) -> discord.Message:
    """Reply to the asker without pinging them (a slash command gets the interaction's reply)."""
    if ctx.interaction is not None:
        return await ctx.send(**kwargs)
    return await ctx.reply(mention_author=False, **kwargs)


class AnswerView(discord.ui.View):
    """Back, More and Context for one ranked answer, which expire after a timeout; then
    Follow up and (when questions are logged) Helpful and Not helpful, which never do."""

    def __init__(
        self,
        answer: Answer,
        *,
        asker_id: int,
        embeds: bool,
        private_context: bool,
        timeout: float,
        question_id: int,
        feedback: bool,
        follows: str | None = None,
        said: str | None = None,
    ) -> None:
        super().__init__(timeout=timeout)
        self.answer = answer
        self.asker_id = asker_id
        self.embeds = embeds
        self.private_context = private_context
        self.follows = follows  # the question it follows up, shown above it
        self.said = said  # a sentence shown with the answer
        self.page = 0
        self.pages = page_count(answer)
        self.message: discord.Message | None = None
        self._update_buttons()
        self.add_item(FollowUpButton(question_id).item)
        if feedback:
            self.add_item(VoteButton(question_id, helpful=True).item)
            self.add_item(VoteButton(question_id, helpful=False).item)

    def render(self, note: str | None = None) -> dict[str, Any]:
        """The message for the current page, as an embed or as plain text."""
        if self.embeds:
            embed = answer_embed(self.answer, self.page, note=note, follows=self.follows)
            return {"embed": embed, "content": self.said}
        text = answer_text(self.answer, self.page, note=note, follows=self.follows, said=self.said)
        return {"content": text}

    def _update_buttons(self) -> None:
        self.back.disabled = self.page == 0
        self.more.disabled = self.page >= self.pages - 1

    async def _page_by(self, interaction: discord.Interaction, step: int) -> None:
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(
                "Only the person who asked can page through this answer; ask your own question "
                "to get one.",
                ephemeral=True,
            )
            return
        self.page = min(max(self.page + step, 0), self.pages - 1)
        self._update_buttons()
        await interaction.response.edit_message(**self.render(), view=self)

    @discord.ui.button(
        label="Back", style=discord.ButtonStyle.secondary, custom_id=paging_id("back")
    )
    async def back(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the previous quotes."""
        await self._page_by(interaction, -1)

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary, custom_id=paging_id("more"))
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the next quotes of the same ranked answer."""
        await self._page_by(interaction, 1)

    @discord.ui.button(
        label="Context", style=discord.ButtonStyle.secondary, custom_id=paging_id("context")
    )
    async def context(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the paragraph around each quote on the current page."""
        if self.embeds:
            shown: dict[str, Any] = {"embed": context_embed(self.answer, self.page)}
        else:
            shown = {"content": context_text(self.answer, self.page)}
        await interaction.response.send_message(**shown, ephemeral=self.private_context)

    async def on_timeout(self) -> None:
        """Disable the paging buttons and say so on the message."""
        for item in (self.back, self.more, self.context):
            item.disabled = True
        if self.message is None:
            return
        try:
            await self.message.edit(**self.render(note=EXPIRED), view=self)
        except discord.HTTPException as error:
            log.info("could not mark answer buttons expired: %s", error)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        bot = interaction.client
        if isinstance(bot, NewsBot):
            await bot.report(interaction, error)
        else:
            await super().on_error(interaction, error, item)


class AskCog(commands.Cog, name="Questions"):
    """Ask about the June 2019 ICE raids; every answer is word-for-word quotes from the articles."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def cog_check(self, ctx: commands.Context) -> bool:  # type: ignore[override]
        """Answer only where the settings allow: the allowed channels, and DMs if enabled."""
        settings = self.bot.settings
        if ctx.guild is None:
            if not settings.allow_dms:
                raise Refusal("I don't answer in direct messages; please ask in a server channel.")
            return True
        allowed = settings.allowed_channels
        channel = ctx.channel
        parent = getattr(channel, "parent_id", None)
        if allowed and channel.id not in allowed and parent not in allowed:
            places = ", ".join(f"<#{channel_id}>" for channel_id in sorted(allowed))
            raise Refusal(f"I only answer in {places}.")
        return True

    @commands.hybrid_command(name="ask", extras={"example": "ask which police departments refused"})
    @commands.dynamic_cooldown(_question_cooldown, commands.BucketType.user)
    @app_commands.describe(question="What you want to know, in plain words")
    async def ask(self, ctx: commands.Context, *, question: str) -> None:
        """Ask a question; get cited quotes from the news articles.

        I reply with the most relevant sentences, quoted word for word, each marked
        with the number of its source. Press More for further quotes and Context for
        the paragraph around them. To follow up, reply to my answer with another ask
        (or press Follow up): "what about atlanta?" after "which mayors spoke out"
        asks about Atlanta's mayor. Example: ask which police departments refused
        """
        came = time.perf_counter()
        question = validate_question(question, self.bot.settings.max_question_chars)
        await ctx.defer()
        earlier, note = None, None
        if ctx.interaction is None:
            earlier, note = await self.replied_to(ctx.message)
        asking = Asking(
            id=ctx.interaction.id if ctx.interaction is not None else ctx.message.id,
            question=question,
            asker_id=ctx.author.id,
            guild_id=ctx.guild.id if ctx.guild is not None else None,
            channel_id=ctx.channel.id,
            embeds=can_embed(ctx),
            private_context=ctx.interaction is not None,
            prefix=ctx.clean_prefix,
            earlier=earlier,
            note=note,
            came=came,
        )
        await self.answer(asking, lambda **kwargs: reply(ctx, **kwargs))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A reply to one of my messages that mentions me is a follow-up, as `!ask` is."""
        me = self.bot.user
        if (
            message.author.bot
            or me is None
            or message.reference is None
            or not any(user.id == me.id for user in message.mentions)
        ):
            return
        prefix = self.bot.settings.command_prefix
        if message.content.startswith(prefix):
            return  # a command: the bot runs it as it is
        text = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if text.lower().startswith(f"{prefix}ask"):
            text = text[len(prefix) + 3 :].strip()
        asked = copy.copy(message)
        asked.content = f"{prefix}ask {text}"
        await self.bot.invoke(await self.bot.get_context(asked))

    async def follow_up(
        self,
        interaction: discord.Interaction,
        question_id: int,
        shown: str | None,
        text: str,
    ) -> None:
        """Answer the Follow up modal: the question after the logged question `question_id`
        (or, if the log lacks it, after `shown`, what its answer showed)."""
        came = time.perf_counter()
        settings = self.bot.settings
        question = validate_question(text, settings.max_question_chars)
        retry = self.ask._buckets.update_rate_limit(
            _Asker(interaction.user, self.bot), interaction.created_at.timestamp()
        )
        if retry:
            cooldown = self.ask._buckets.get_bucket(_Asker(interaction.user, self.bot))
            raise commands.CommandOnCooldown(cooldown, retry, commands.BucketType.user)
        await interaction.response.defer(thinking=True)
        earlier, note = await self.earlier(question_id, shown)
        channel = interaction.channel
        asking = Asking(
            id=interaction.id,
            question=question,
            asker_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=channel.id if channel is not None else 0,
            embeds=interaction.app_permissions.embed_links,
            private_context=True,
            prefix=settings.command_prefix,
            earlier=earlier,
            note=note,
            came=came,
        )
        await self.answer(asking, lambda **kwargs: interaction.followup.send(wait=True, **kwargs))

    # -- what a follow-up follows ------------------------------------------------------------

    async def replied_to(self, message: discord.Message) -> tuple[Earlier | None, str | None]:
        """What a message replying to one of mine follows, and a sentence if that is lost.

        A reply to anyone else's message is a plain question, with nothing to say."""
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None, None
        target = reference.resolved
        if target is None:
            try:
                target = await message.channel.fetch_message(reference.message_id)
            except discord.NotFound:
                return None, DELETED
            except discord.HTTPException as error:
                log.info("could not read the message replied to: %s", error)
                return None, UNREADABLE
        if isinstance(target, discord.DeletedReferencedMessage):
            return None, DELETED
        me = self.bot.user
        if me is None or target.author.id != me.id:
            return None, None
        question_id = _question_id(target)
        if question_id is None:  # my message, but no answer (a list of sources, say)
            return None, None
        return await self.earlier(question_id, shown_question(target))

    async def earlier(
        self, question_id: int, shown: str | None
    ) -> tuple[Earlier | None, str | None]:
        """The logged question `question_id` and those it follows; if the log lacks it, the
        question its answer shows; else nothing, and a sentence saying so."""
        logged = await asyncio.to_thread(self.bot.questions.find, question_id)
        if logged is not None:
            after = f"{logged.after} {logged.question}" if logged.after else logged.question
            return Earlier(question_id, after, logged.question), None
        if shown:
            return Earlier(question_id, shown, shown), None
        return None, FORGOTTEN

    # -- answering -------------------------------------------------------------------------

    async def answer(self, asking: Asking, send: Callable[..., Awaitable[discord.Message]]) -> None:
        """Answer a question (after the one it follows), send it with `send`, then log it."""
        engine = self.bot.engine
        assert engine is not None
        earlier = asking.earlier
        started = time.perf_counter()
        answer = await asyncio.to_thread(
            engine.ask, asking.question, RANKED_QUOTES, earlier.after if earlier else None
        )
        answered = time.perf_counter() - started
        logged = self.bot.questions.enabled
        if not answer.answered:
            suggestion = f"`{asking.prefix}sources` lists the articles I can quote."
            lines = [f"{NOTHING_FOUND.rstrip('.')}; {suggestion}"]
            if earlier is not None:
                lines.insert(0, "-# " + shorten(escape_markdown(following(earlier.shown)), 200))
            content = "\n".join([asking.note, *lines] if asking.note else lines)
            message = await send(content=content, view=NothingView(asking.id, watch=logged))
        else:
            view = AnswerView(
                answer,
                asker_id=asking.asker_id,
                embeds=asking.embeds,
                private_context=asking.private_context,
                timeout=self.bot.settings.button_timeout,
                question_id=asking.id,
                feedback=logged,
                follows=earlier.shown if earlier else None,
                said=asking.note,
            )
            message = await send(**view.render(), view=view)
            view.message = message
        log.info(
            "question of %d characters answered in %.3f s with %d quotes%s; replied in %.3f s",
            len(asking.question),
            answered,
            len(answer.quotes),
            " (a follow-up)" if earlier else "",
            time.perf_counter() - asking.came,
        )
        if logged:
            questions = self.bot.questions
            quoted = tuple(article.path.name for _, article in answer.cited(answer.quotes))
            record = Asked(
                id=asking.id,
                guild_id=asking.guild_id,
                channel_id=asking.channel_id,
                asker_id=asking.asker_id,
                question=asking.question,
                follows=earlier.id if earlier else None,
                answered=answer.answered,
                quoted=quoted,
                reply_id=message.id,
            )
            self.bot.remember(questions.record, record)  # never waited for

    @commands.hybrid_command(name="sources")
    async def sources(self, ctx: commands.Context) -> None:
        """List the articles I quote, numbered, with outlet, date, title and passages."""
        engine = self.bot.engine
        assert engine is not None
        counts = engine.passage_counts()
        # Files that failed to load are named to those who can fix them.
        skipped = (
            self.bot.skipped if await self.bot.may_change_corpus(ctx.author, ctx.guild) else ()
        )
        if can_embed(ctx):
            await reply(ctx, embed=sources_embed(engine.articles, counts, skipped))
        else:
            await reply(ctx, content=sources_text(engine.articles, counts, skipped))


@dataclass(frozen=True)
class _Asker:
    """A modal's member as the question cooldown reads a command's context."""

    author: discord.abc.User
    bot: NewsBot


def _question_id(message: discord.Message) -> int | None:
    """The logged question an answer of mine is for, read from its Follow up button."""
    for row in message.components:
        for child in getattr(row, "children", ()):
            found = _FOLLOWS.fullmatch(getattr(child, "custom_id", None) or "")
            if found:
                return int(found[1])
    return None


async def setup(bot: commands.Bot) -> None:
    """Add the questions cog (called by load_extension)."""
    await bot.add_cog(AskCog(bot))  # type: ignore[arg-type]
