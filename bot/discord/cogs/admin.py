"""Moderators' commands: reload, add, remove and restore articles, the history, sync.

The corpus is shared by every server the bot is in, so only moderators of the home
server(s) and the bot's owner may change it (`NewsBot.corpus_refusal`). The changes
themselves are made, undone when needed and recorded by `bot.engine.changes`; nothing
is ever deleted. This cog parses, checks who may, and renders what changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import ParamSpec

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import slash
from bot.discord.app import NewsBot, Refusal, is_moderator
from bot.discord.render import MESSAGE_CONTENT, fit_lines, shorten
from bot.engine import changes, history
from bot.engine.changes import (
    TRASH,
    Actor,
    ChangeRefused,
    CorpusFolder,
    NoSuchArticle,
    NotInTrash,
    Outcome,
    check_upload,
)
from bot.engine.corpus import article_files, describe_source
from bot.engine.extract import ExtractError, draft_from_link
from bot.engine.fetch import FetchError
from bot.render import answered_header, answered_line

log = logging.getLogger(__name__)

HISTORY_SHOWN = 10
P = ParamSpec("P")


def describe_changes(outcome: Outcome) -> str:
    """What a reload changed: articles added, removed and changed, passages, time taken."""
    lines = [
        f"Reloaded in {outcome.seconds:.2f} s: {outcome.articles_after} articles "
        f"(was {outcome.articles_before}), {outcome.passages_after} passages "
        f"(was {outcome.passages_before})."
    ]
    for found in outcome.differences:
        if found.kind == "added":
            lines.append(f"Added: {found.file} ({found.passages_after} passages)")
        elif found.kind == "changed":
            lines.append(
                f"Changed: {found.file} ({found.passages_before} → {found.passages_after} passages)"
            )
        else:
            lines.append(f"Removed: {found.file} ({found.passages_before} passages)")
    if len(lines) == 1:
        lines.append("No articles were added, removed or changed.")
    return fit_lines(lines, MESSAGE_CONTENT - 300)


def reload_report(outcome: Outcome) -> str:
    """The reload's part of a reply: what changed, or why nothing did, and any history trouble."""
    if outcome.loaded:
        text = describe_changes(outcome)
    else:
        problems = [f"- {name}: {why}" for name, why in outcome.problems]
        text = (
            "The reload failed, so nothing changed: I'm still answering from the "
            f"{outcome.articles_before} articles I had. Problems:\n"
            + fit_lines(problems, MESSAGE_CONTENT - 500)
        )
    if outcome.history_error:
        text += f"\nI could not write this change to the history ({outcome.history_error})."
    return text


def history_line(change: history.Change) -> str:
    """One history entry as a line, names and files escaped, ids and times as code."""
    return changes.history_line(change, discord.utils.escape_markdown, lambda text: f"`{text}`")


def actor(ctx: commands.Context) -> Actor:
    """Who runs the command and in which server, as the history records them."""
    guild = ctx.guild
    return Actor(
        name=str(ctx.author),
        id=ctx.author.id,
        server_name=guild.name if guild else None,
        server_id=guild.id if guild else None,
    )


def change_report(outcome: Outcome) -> str:
    """The reply to a change: what was done (or undone), then what the reload found."""
    text = reload_report(outcome)
    if outcome.action == "reload":
        return text
    if outcome.undone:
        return f"{text}\nI {outcome.put_back()}."
    name = shorten(describe_source(outcome.article), 300) if outcome.article else outcome.file
    return f"{outcome.done(name)}.\n{text}"


def answered_report(outcome: Outcome, guild_id: int | None, room: int) -> str:
    """Which open questions of the log the article now answers, in `room` characters: those
    asked in this server word for word, those asked elsewhere only counted."""
    if not outcome.answers:
        return ""
    here = [q for q in outcome.answers if q.guild_id is not None and q.guild_id == guild_id]
    head = answered_header(len(outcome.answers), len(outcome.answers) - len(here))
    if not here:
        return head + "."
    lines = [f"- {answered_line(question, discord.utils.escape_markdown)}" for question in here]
    return head + ":\n" + fit_lines(lines, max(room - len(head) - 2, 50))


def refusal(error: ChangeRefused, ctx: commands.Context) -> Refusal:
    """The sentence a moderator sees for a change that was refused (nothing changed)."""
    if isinstance(error, NoSuchArticle):
        return Refusal(
            f"There is no article {shorten(error.wanted, 100)}; `{ctx.clean_prefix}sources` "
            f"lists them, numbered 1 to {error.count}."
        )
    if isinstance(error, NotInTrash):
        kept = shorten(", ".join(error.kept) or "nothing", 1500)
        return Refusal(f"There is no {shorten(error.name, 100)} in {TRASH}; it holds {kept}.")
    return Refusal(str(error))


async def changing(
    ctx: commands.Context, call: Callable[P, Outcome], *args: P.args, **kwargs: P.kwargs
) -> str:
    """Make a change off the event loop; the report, or the refusal as a sentence.

    Once the change stands, members waiting for an answer to a question are told."""
    try:
        outcome = await asyncio.to_thread(call, *args, **kwargs)
    except ChangeRefused as error:
        raise refusal(error, ctx) from None
    if outcome.loaded:
        ctx.bot.dispatch("questions_answered")
    text = change_report(outcome)
    guild_id = ctx.guild.id if ctx.guild is not None else None
    answered = answered_report(outcome, guild_id, MESSAGE_CONTENT - len(text) - 1)
    return f"{text}\n{answered}" if answered else text


async def respond(ctx: commands.Context, text: str) -> None:
    """Reply to the moderator: only to them for a slash command, else quietly in the channel."""
    if ctx.interaction is not None:
        await ctx.send(text, ephemeral=True)
    else:
        await ctx.reply(text, mention_author=False)


def _choices(pairs: list[tuple[str, str]], typed: str) -> list[app_commands.Choice[str]]:
    """Up to 25 autocomplete choices (label, value) whose label holds what was typed."""
    typed = typed.casefold().strip()
    return [
        app_commands.Choice(name=shorten(label, 100), value=value)
        for label, value in pairs
        if typed in label.casefold()
    ][:25]


def _moderator_command(**kwargs):
    """A hybrid command for servers only, that Discord shows to Manage Server by default.

    Servers only three ways: the prefix form's check, the old `dm_permission` field, and the
    interaction contexts Discord now documents (guild only) for the slash form.
    """

    def decorate(func):
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)  # contexts: [guild]
        func = commands.guild_only()(func)  # the prefix form's check, and dm_permission
        return commands.hybrid_command(**kwargs)(func)

    return decorate


class AdminCog(commands.Cog, name="Moderation"):
    """For moderators of the bot's home server and the bot's owner only."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @property
    def corpus(self) -> CorpusFolder:
        return self.bot.corpus

    async def cog_check(self, ctx: commands.Context) -> bool:  # type: ignore[override]
        """Moderators, in a server whose moderators may change the corpus; the owner anywhere."""
        if await self.bot.is_owner(ctx.author):
            return True
        if not is_moderator(self.bot.settings, ctx.author):
            raise Refusal("Sorry, only moderators can use that command.")
        why = self.bot.corpus_refusal(ctx.guild) if ctx.guild is not None else None
        if why is not None:
            log.warning(
                "refused %s to %s (%d) in %s (%d): not a home server",
                ctx.command,
                ctx.author,
                ctx.author.id,
                ctx.guild.name,
                ctx.guild.id,
            )
            raise Refusal(why)
        return True

    async def _may_choose(self, interaction: discord.Interaction) -> bool:
        """Autocomplete offers choices only to those who may run the command."""
        return await self.bot.may_change_corpus(interaction.user, interaction.guild)

    # -- the commands ----------------------------------------------------------------------

    @_moderator_command(name="reload")
    async def reload(self, ctx: commands.Context) -> None:
        """Rebuild the index from the corpus folder, without a restart.

        Questions keep being answered from the old index until the new one is ready.
        If any article fails to load, nothing changes and I name each bad file.
        """
        await ctx.defer(ephemeral=True)
        await respond(ctx, await changing(ctx, self.corpus.reload, actor(ctx)))

    @_moderator_command(
        name="addarticle",
        extras={"example": "addarticle https://example.com/news/story (or attach a .txt file)"},
    )
    @app_commands.describe(
        url="The article's web address (http or https)",
        file="Or a .txt or .md article: UTF-8 text of at most 1 MB",
    )
    async def addarticle(
        self,
        ctx: commands.Context,
        url: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        """Add an article from its link, or the attached .txt or .md file, then reload.

        From a link I fetch the page and keep the article's own text, with its headline,
        site name, publication date and address.
        A file must be UTF-8 text of at most 1 MB; front matter between --- lines
        (title, outlet, date, url) is optional.
        The article is checked first and saved under a new, safe name.
        """
        if url:
            link = url.strip().strip("<>")
            try:
                self.corpus.refuse_known_link(link)  # before fetching anything
            except ChangeRefused as error:
                raise refusal(error, ctx) from None
            await ctx.defer(ephemeral=True)
            try:
                draft = await draft_from_link(link, self.bot.settings.allow_private_urls)
            except (FetchError, ExtractError) as error:
                raise Refusal(str(error)) from None
            await respond(ctx, await changing(ctx, self.corpus.add_draft, draft, link, actor(ctx)))
            return
        if ctx.interaction is not None and file is None:
            raise Refusal(
                "Please give the article's link or a file, as in `/addarticle url:https://...`."
            )
        if file is None or (ctx.interaction is None and len(ctx.message.attachments) != 1):
            raise Refusal(
                "Please give the article's link, or attach exactly one .txt or .md file, "
                f"as in `{ctx.clean_prefix}addarticle https://example.com/news/story`."
            )
        try:
            check_upload(file.filename, file.size)  # before downloading it
        except ChangeRefused as error:
            raise refusal(error, ctx) from None
        await ctx.defer(ephemeral=True)
        raw = await file.read()
        added = await changing(
            ctx, self.corpus.add, raw, file.filename, actor(ctx), "an attachment"
        )
        await respond(ctx, added)

    @_moderator_command(name="removearticle", extras={"example": "removearticle 3"})
    @app_commands.describe(article="The article to remove: its number in sources, or its file")
    async def removearticle(self, ctx: commands.Context, *, article: str) -> None:
        """Move an article (its number in sources, or its file name) to .trash, then reload.

        Nothing is deleted: restore brings it back. A file that could not be loaded
        can be removed by its file name.
        """
        await ctx.defer(ephemeral=True)
        await respond(ctx, await changing(ctx, self.corpus.remove, article, actor(ctx)))

    @removearticle.autocomplete("article")
    async def _article_choices(
        self, interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        if not await self._may_choose(interaction) or self.bot.engine is None:
            return []
        articles = self.bot.engine.articles
        pairs = [
            (f"{n}. {a.title} ({a.path.name})", a.path.name if len(a.path.name) <= 100 else str(n))
            for n, a in enumerate(articles, 1)
        ]
        served = {a.path.name for a in articles}
        pairs += [
            (f"not loaded: {p.name}", p.name)
            for p in article_files(self.corpus.folder)
            if p.name not in served and len(p.name) <= 100
        ]
        return _choices(pairs, typed)

    @_moderator_command(
        name="restore",
        extras={"example": "restore wtop-dc-leaders-speak-out-against-ice-raids.md"},
    )
    @app_commands.describe(file="A removed article's file name in .trash (history shows them)")
    async def restore(self, ctx: commands.Context, *, file: str) -> None:
        """Bring a removed article back from .trash, then reload.

        It returns under its old file name when that is free. If the reload fails,
        it goes back to .trash.
        """
        await ctx.defer(ephemeral=True)
        await respond(ctx, await changing(ctx, self.corpus.restore, file, actor(ctx)))

    @restore.autocomplete("file")
    async def _trash_choices(
        self, interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        if not await self._may_choose(interaction):
            return []
        trashed = sorted(self.corpus.trashed(), key=lambda p: p.stat().st_mtime, reverse=True)
        return _choices([(p.name, p.name) for p in trashed if len(p.name) <= 100], typed)

    @_moderator_command(name="history", extras={"example": "history 20"})
    @app_commands.describe(count="How many of the latest changes to show (1 to 25)")
    async def show_history(
        self, ctx: commands.Context, count: commands.Range[int, 1, 25] = HISTORY_SHOWN
    ) -> None:
        """Show the latest changes to the articles: when, who, where, what and which file."""
        await ctx.defer(ephemeral=True)
        entries = await asyncio.to_thread(self.corpus.history, count)
        if not entries:
            await respond(ctx, "No changes to the articles have been recorded yet.")
            return
        if len(entries) == 1:
            header = "The latest change to the articles:"
        else:
            header = f"The latest {len(entries)} changes to the articles, newest first:"
        lines = [history_line(change) for change in reversed(entries)]
        await respond(ctx, header + "\n" + fit_lines(lines, MESSAGE_CONTENT - len(header) - 1))

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context) -> None:
        """Publish the slash commands to Discord now (bot owner only).

        The bot publishes them by itself at start whenever they changed; this is for
        when that failed, or to publish again at once.
        """
        await ctx.defer()
        synced = await slash.publish(self.bot, self.bot.settings.data_dir)
        names = ", ".join(f"/{command.name}" for command in synced)
        await respond(ctx, f"Synced {len(synced)} slash commands: {names}.")


async def setup(bot: commands.Bot) -> None:
    """Add the moderation cog (called by load_extension)."""
    await bot.add_cog(AdminCog(bot))  # type: ignore[arg-type]
