"""Members' commands: ask a question, page through the quotes, see their context, list sources."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import NewsBot, Refusal
from bot.discord.render import (
    answer_embed,
    answer_text,
    context_embed,
    context_text,
    page_count,
    sources_embed,
    sources_text,
)
from bot.engine.answer import Answer, validate_question
from bot.render import NOTHING_FOUND

log = logging.getLogger(__name__)

EXPIRED = "These buttons have expired; ask again to see more."


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
    """More, Back and Context buttons for one ranked answer; they expire after a timeout."""

    def __init__(
        self,
        answer: Answer,
        *,
        asker_id: int,
        embeds: bool,
        private_context: bool,
        timeout: float,
    ) -> None:
        super().__init__(timeout=timeout)
        self.answer = answer
        self.asker_id = asker_id
        self.embeds = embeds
        self.private_context = private_context
        self.page = 0
        self.pages = page_count(answer)
        self.message: discord.Message | None = None
        self._update_buttons()

    def render(self, note: str | None = None) -> dict[str, Any]:
        """The message for the current page, as an embed or as plain text."""
        if self.embeds:
            return {"embed": answer_embed(self.answer, self.page, note=note)}
        return {"content": answer_text(self.answer, self.page, note=note)}

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

    @discord.ui.button(label="Back", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the previous quotes."""
        await self._page_by(interaction, -1)

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the next quotes of the same ranked answer."""
        await self._page_by(interaction, 1)

    @discord.ui.button(label="Context", style=discord.ButtonStyle.secondary)
    async def context(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the paragraph around each quote on the current page."""
        if self.embeds:
            shown: dict[str, Any] = {"embed": context_embed(self.answer, self.page)}
        else:
            shown = {"content": context_text(self.answer, self.page)}
        await interaction.response.send_message(**shown, ephemeral=self.private_context)

    async def on_timeout(self) -> None:
        """Disable the buttons and say so on the message."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
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
        the paragraph around them. Example: ask which police departments refused
        """
        settings = self.bot.settings
        question = validate_question(question, settings.max_question_chars)
        await ctx.defer()
        engine = self.bot.engine
        assert engine is not None
        started = time.perf_counter()
        answer = await asyncio.to_thread(engine.ask, question)
        log.info(
            "question of %d characters answered in %.3f s with %d quotes",
            len(question),
            time.perf_counter() - started,
            len(answer.quotes),
        )
        if not answer.answered:
            suggestion = f"`{ctx.clean_prefix}sources` lists the articles I can quote."
            await reply(ctx, content=f"{NOTHING_FOUND.rstrip('.')}; {suggestion}")
            return
        view = AnswerView(
            answer,
            asker_id=ctx.author.id,
            embeds=can_embed(ctx),
            private_context=ctx.interaction is not None,
            timeout=settings.button_timeout,
        )
        view.message = await reply(ctx, **view.render(), view=view)

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


async def setup(bot: commands.Bot) -> None:
    """Add the questions cog (called by load_extension)."""
    await bot.add_cog(AskCog(bot))  # type: ignore[arg-type]
