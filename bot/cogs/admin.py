"""Moderators' commands: reload the index, add and remove articles, sync slash commands."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from discord import app_commands
from discord.ext import commands

from bot.answer import Engine
from bot.cogs.ask import reply
from bot.corpus import ARTICLE_SUFFIXES, MAX_ARTICLE_BYTES, CorpusError, parse_article
from bot.discord_app import NewsBot, Refusal
from bot.discord_render import MESSAGE_CONTENT, fit_lines, shorten
from bot.extract import ExtractError, draft_from_link
from bot.fetch import FetchError
from bot.intake import IntakeError, duplicate_of, link_in_corpus, safe_file_name
from bot.render import describe_source

log = logging.getLogger(__name__)

TRASH = ".trash"


def _trash_path(folder: Path, name: str) -> Path:
    trash = folder / TRASH
    trash.mkdir(exist_ok=True)
    target, number = trash / name, 2
    while target.exists():
        target = trash / f"{Path(name).stem}-{number}{Path(name).suffix}"
        number += 1
    return target


def describe_changes(old: Engine, new: Engine, seconds: float) -> str:
    """What a reload changed: articles added, removed and changed, passages, time taken."""
    before = {a.id: a for a in old.articles}
    after = {a.id: a for a in new.articles}
    old_counts, new_counts = old.passage_counts(), new.passage_counts()
    lines = [
        f"Reloaded in {seconds:.2f} s: {len(new.articles)} articles (was {len(old.articles)}), "
        f"{len(new.passages)} passages (was {len(old.passages)})."
    ]
    for article_id, article in after.items():
        if article_id not in before:
            lines.append(f"Added: {article.path.name} ({new_counts[article_id]} passages)")
        elif before[article_id].digest != article.digest:
            lines.append(
                f"Changed: {article.path.name} ({old_counts[article_id]} → "
                f"{new_counts[article_id]} passages)"
            )
    for article_id, article in before.items():
        if article_id not in after:
            lines.append(f"Removed: {article.path.name} ({old_counts[article_id]} passages)")
    if len(lines) == 1:
        lines.append("No articles were added, removed or changed.")
    return fit_lines(lines, MESSAGE_CONTENT - 300)


def describe_problems(error: CorpusError) -> list[str]:
    """One line per bad file and why."""
    return [f"- {name}: {why}" for name, why in error.problems]


def is_moderator(ctx: commands.Context) -> bool:
    """Manage Server permission, or the configured moderator role (the owner is checked apart)."""
    settings = ctx.bot.settings
    permissions = getattr(ctx.author, "guild_permissions", None)
    if permissions is not None and permissions.manage_guild:
        return True
    role = settings.moderator_role
    return bool(role) and any(r.name == role for r in getattr(ctx.author, "roles", ()))


class AdminCog(commands.Cog, name="Moderation"):
    """For moderators (Manage Server, the moderator role, or the bot's owner) only."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.lock = asyncio.Lock()

    @property
    def folder(self) -> Path:
        return self.bot.settings.corpus_dir

    async def cog_check(self, ctx: commands.Context) -> bool:  # type: ignore[override]
        if is_moderator(ctx) or await self.bot.is_owner(ctx.author):
            return True
        raise Refusal("Sorry, only moderators can use that command.")

    async def _reload(self) -> tuple[bool, str]:
        """Rebuild the index off the event loop and swap it in; the caller holds the lock.

        On failure nothing changes and the text names each bad file.
        """
        old = self.bot.engine
        assert old is not None
        started = time.perf_counter()
        try:
            new = await asyncio.to_thread(Engine.load, self.folder)
        except CorpusError as error:
            log.warning("reload failed: %s", error)
            header = (
                "The reload failed, so nothing changed: I'm still answering from the "
                f"{len(old.articles)} articles I had. Problems:"
            )
            return False, header + "\n" + fit_lines(describe_problems(error), MESSAGE_CONTENT - 500)
        self.bot.engine = new  # one assignment: questions see the old index or the new one
        seconds = time.perf_counter() - started
        log.info(
            "reloaded %d articles, %d passages in %.2f s",
            len(new.articles),
            len(new.passages),
            seconds,
        )
        return True, describe_changes(old, new, seconds)

    @commands.command(name="reload")
    async def reload(self, ctx: commands.Context) -> None:
        """Rebuild the index from the corpus folder, without a restart.

        Questions keep being answered from the old index until the new one is ready.
        If any article fails to load, nothing changes and I name each bad file.
        """
        await ctx.defer()
        async with self.lock:
            _, text = await self._reload()
        await reply(ctx, content=text)

    @commands.hybrid_command(
        name="addarticle",
        extras={"example": "addarticle https://example.com/news/story (or attach a .txt file)"},
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(url="The article's web address (http or https)")
    async def addarticle(self, ctx: commands.Context, url: str | None = None) -> None:
        """Add an article from its link, or the attached .txt or .md file, then reload.

        From a link I fetch the page and keep the article's own text, with its headline,
        site name, publication date and address.
        A file must be UTF-8 text of at most 1 MB; front matter between --- lines
        (title, outlet, date, url) is optional.
        The article is checked first and saved under a new, safe name.
        """
        links: tuple[str, ...] = ()
        if url:
            assert self.bot.engine is not None
            known = link_in_corpus([url.strip().strip("<>")], self.bot.engine.articles)
            if known:
                raise Refusal(known)
            await ctx.defer()
            try:
                draft = await draft_from_link(url, self.bot.settings.allow_private_urls)
            except (FetchError, ExtractError) as error:
                raise Refusal(str(error)) from None
            raw, filename = draft.file_text().encode(), draft.file_name()
            links = (url.strip().strip("<>"), draft.fetched_url)
        else:
            attachments = ctx.message.attachments
            if ctx.interaction is not None:
                raise Refusal(
                    "Please give the article's link, as in `/addarticle url:https://...`."
                )
            if len(attachments) != 1:
                raise Refusal(
                    "Please give the article's link, or attach exactly one .txt or .md file, "
                    f"as in `{ctx.clean_prefix}addarticle https://example.com/news/story`."
                )
            upload = attachments[0]
            if Path(upload.filename).suffix.lower() not in ARTICLE_SUFFIXES:
                raise Refusal(f"{upload.filename} is not a .txt or .md file.")
            if upload.size > MAX_ARTICLE_BYTES:
                raise Refusal(f"{upload.filename} is larger than {MAX_ARTICLE_BYTES:,} bytes.")
            await ctx.defer()
            raw, filename = await upload.read(), upload.filename
        try:
            article = await asyncio.to_thread(parse_article, raw, Path(Path(filename).name))
        except CorpusError as error:
            raise Refusal(f"I can't add that file: {error.summary}.") from None
        async with self.lock:
            engine = self.bot.engine
            assert engine is not None
            twin = duplicate_of(article, engine.articles, links)
            if twin is not None:
                raise Refusal(twin)
            try:
                target = safe_file_name(self.folder, filename)
            except IntakeError as error:
                raise Refusal(str(error)) from None
            with target.open("xb") as file:  # "x": never overwrite
                file.write(raw)
            ok, text = await self._reload()
            if not ok:
                target.unlink()
                text += f"\nI removed {target.name} again."
        if ok:
            text = f"Added {shorten(describe_source(article), 300)} as {target.name}.\n{text}"
        await reply(ctx, content=text)

    @commands.command(name="removearticle", extras={"example": "removearticle 3"})
    async def removearticle(self, ctx: commands.Context, number: int) -> None:
        """Move article N (numbered as in sources) to .trash, then reload.

        Nothing is deleted: a moderator can move the file back and reload.
        """
        await ctx.defer()
        async with self.lock:
            engine = self.bot.engine
            assert engine is not None
            if not 1 <= number <= len(engine.articles):
                raise Refusal(
                    f"There is no article {number}; `{ctx.clean_prefix}sources` lists them, "
                    f"numbered 1 to {len(engine.articles)}."
                )
            article = engine.articles[number - 1]
            source = article.path
            if source.resolve().parent != self.folder.resolve() or not source.is_file():
                raise Refusal(f"I can't find {source.name} in the corpus folder any more.")
            trashed = _trash_path(self.folder, source.name)
            source.rename(trashed)
            ok, text = await self._reload()
            if not ok:
                trashed.rename(source)
                text += f"\nI put {source.name} back."
        if ok:
            name = shorten(describe_source(article), 300)
            text = f"Moved {name} to {TRASH}/{trashed.name}.\n{text}"
        await reply(ctx, content=text)

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context) -> None:
        """Publish the slash commands to Discord (bot owner only).

        Run it once after installing or updating the bot, not at every start.
        """
        await ctx.defer()
        synced = await self.bot.tree.sync()
        names = ", ".join(f"/{command.name}" for command in synced)
        await reply(ctx, content=f"Synced {len(synced)} slash commands: {names}.")


async def setup(bot: commands.Bot) -> None:
    """Add the moderation cog (called by load_extension)."""
    await bot.add_cog(AdminCog(bot))  # type: ignore[arg-type]
