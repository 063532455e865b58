"""Moderators' commands: reload the index, add and remove articles, sync slash commands."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
from pathlib import Path

from discord.ext import commands

from bot.answer import Engine
from bot.cogs.ask import reply
from bot.corpus import ARTICLE_SUFFIXES, MAX_ARTICLE_BYTES, CorpusError, parse_article
from bot.discord_app import NewsBot, Refusal
from bot.discord_render import MESSAGE_CONTENT, fit_lines, shorten
from bot.render import describe_source

log = logging.getLogger(__name__)

TRASH = ".trash"


def safe_file_name(folder: Path, filename: str) -> Path:
    """A new path in `folder` for an upload: slugified, unused by any article, never outside."""
    original = Path(filename.replace("\\", "/")).name
    suffix = Path(original).suffix.lower()
    stem = unicodedata.normalize("NFKD", Path(original).stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:80].strip("-") or "article"
    taken = {p.stem.lower() for p in folder.iterdir()}
    name, number = slug, 2
    while name in taken:
        name = f"{slug}-{number}"
        number += 1
    target = folder / f"{name}{suffix}"
    if target.resolve().parent != folder.resolve():
        raise Refusal("That file name cannot be saved safely; please rename the file.")
    return target


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

    @commands.command(
        name="addarticle", extras={"example": "addarticle (with a .txt file attached)"}
    )
    async def addarticle(self, ctx: commands.Context) -> None:
        """Add the attached .txt or .md article, then reload.

        The file must be UTF-8 text of at most 1 MB.
        Front matter between --- lines (title, outlet, date, url) is optional.
        The file is checked first and saved under a new, safe name.
        """
        attachments = ctx.message.attachments
        if len(attachments) != 1:
            raise Refusal(
                f"Please attach exactly one .txt or .md file to `{ctx.clean_prefix}addarticle`."
            )
        upload = attachments[0]
        if Path(upload.filename).suffix.lower() not in ARTICLE_SUFFIXES:
            raise Refusal(f"{upload.filename} is not a .txt or .md file.")
        if upload.size > MAX_ARTICLE_BYTES:
            raise Refusal(f"{upload.filename} is larger than {MAX_ARTICLE_BYTES:,} bytes.")
        await ctx.defer()
        raw = await upload.read()
        try:
            article = await asyncio.to_thread(parse_article, raw, Path(Path(upload.filename).name))
        except CorpusError as error:
            raise Refusal(f"I can't add that file: {error.summary}.") from None
        async with self.lock:
            engine = self.bot.engine
            assert engine is not None
            twin = next((a for a in engine.articles if a.digest == article.digest), None)
            if twin is not None:
                raise Refusal(f"That article is already in the corpus as {twin.path.name}.")
            target = safe_file_name(self.folder, upload.filename)
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
