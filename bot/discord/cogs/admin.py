"""Moderators' commands: reload, add, remove and restore articles, the history, sync.

The corpus is shared by every server the bot is in, so only moderators of the home
server(s) and the bot's owner may change it (`NewsBot.corpus_refusal`). Every change is
appended to the corpus folder's history (`bot.engine.history`); nothing is ever deleted.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from pathlib import Path

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import NewsBot, Refusal, is_moderator
from bot.discord.render import MESSAGE_CONTENT, fit_lines, shorten
from bot.engine import history
from bot.engine.answer import Engine
from bot.engine.corpus import (
    ARTICLE_SUFFIXES,
    MAX_ARTICLE_BYTES,
    Article,
    CorpusError,
    article_files,
    describe_source,
)
from bot.engine.extract import ExtractError, draft_from_link
from bot.engine.fetch import FetchError
from bot.engine.intake import (
    IntakeError,
    checked_article,
    duplicate_of,
    link_in_corpus,
    safe_file_name,
)

log = logging.getLogger(__name__)

TRASH = ".trash"
HISTORY_SHOWN = 10


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


def corpus_changes(old: Engine, new: Engine) -> list[tuple[str, Article]]:
    """("added" | "changed" | "removed", article) for each file a reload found different."""
    before = {a.path.name: a for a in old.articles}
    after = {a.path.name: a for a in new.articles}
    found = [
        ("added" if name not in before else "changed", article)
        for name, article in after.items()
        if name not in before or before[name].digest != article.digest
    ]
    return found + [("removed", a) for name, a in before.items() if name not in after]


def describe_problems(error: CorpusError) -> list[str]:
    """One line per bad file and why."""
    return [f"- {name}: {why}" for name, why in error.problems]


def history_line(change: history.Change) -> str:
    """One history entry as a line: when, who and where, what, the file and its sha256."""
    when = change.when.replace("T", " ").removesuffix("Z")[:16] + " UTC"
    who = discord.utils.escape_markdown(change.who_name or "someone")
    server = discord.utils.escape_markdown(change.server_name or "a direct message")
    file = discord.utils.escape_markdown(change.file)
    trash = discord.utils.escape_markdown(f"{TRASH}/{change.trash}") if change.trash else ""
    what = {
        "add": f"added {file}" + (f" from {change.note}" if change.note else ""),
        "remove": f"removed {file}" + (f" to {trash}" if trash else ""),
        "restore": f"restored {file}" + (f" from {trash}" if trash else ""),
        "reload": f"reloaded and found {file} {change.note or 'changed'}",
    }.get(change.action, f"{change.action} {file}")
    return (
        f"`{when}` {who} (`{change.who_id}`) in {server} (`{change.server_id}`) {what} "
        f"(sha256 `{change.sha256[:12]}`)"
    )


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
        self.lock = asyncio.Lock()

    @property
    def folder(self) -> Path:
        return self.bot.settings.corpus_dir

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

    # -- the shared steps: reload, record, add ---------------------------------------------

    async def _reload(
        self, ctx: commands.Context, expected: frozenset[str] = frozenset()
    ) -> tuple[bool, str]:
        """Rebuild the index off the event loop and swap it in; the caller holds the lock.

        Changes to files other than `expected` (the caller records those) go to the
        history as a reload's. On failure nothing changes and the text names each bad file.
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
        self.bot.skipped = ()
        seconds = time.perf_counter() - started
        log.info(
            "reloaded %d articles, %d passages in %.2f s",
            len(new.articles),
            len(new.passages),
            seconds,
        )
        text = describe_changes(old, new, seconds)
        found = [
            self._change(ctx, "reload", article.path.name, article.digest, note=change)
            for change, article in corpus_changes(old, new)
            if article.path.name not in expected
        ]
        return True, text + self._record(*found)

    def _change(
        self, ctx: commands.Context, action: str, file: str, sha256: str, **extra: str | None
    ) -> history.Change:
        guild = ctx.guild
        return history.Change.now(
            who_id=ctx.author.id,
            who_name=str(ctx.author),
            server_id=guild.id if guild else None,
            server_name=guild.name if guild else None,
            action=action,
            file=file,
            sha256=sha256,
            **extra,
        )

    def _record(self, *changes: history.Change) -> str:
        """Append the changes to the history; a note for the reply if that failed."""
        try:
            for change in changes:
                history.record(self.folder, change)
        except OSError as error:
            log.error("could not write the corpus history: %s", error)
            return f"\nI could not write this change to the history ({error.strerror or error})."
        for change in changes:
            log.info(
                "corpus %s: %s (%s) by %s", change.action, change.file, change.note, change.who_id
            )
        return ""

    @staticmethod
    async def _checked(raw: bytes, filename: str, verb: str) -> Article:
        """The article in a file, checked as a reload would, off the event loop; else Refusal."""
        try:
            return await asyncio.to_thread(checked_article, raw, filename)
        except CorpusError as error:
            raise Refusal(f"I can't {verb} that file: {error.summary}.") from None

    def _refuse_duplicate(self, article: Article, links: tuple[str, ...] = ()) -> None:
        """Refusal naming the article already in the corpus, if there is one (hold the lock)."""
        assert self.bot.engine is not None
        twin = duplicate_of(article, self.bot.engine.articles, links)
        if twin is not None:
            raise Refusal(twin)

    async def _add_article(
        self,
        ctx: commands.Context,
        raw: bytes,
        filename: str,
        source: str,
        links: tuple[str, ...] = (),
    ) -> str:
        """Check an article, save it under a new safe name, reload, and record it; the report.

        Every way an article arrives goes through here (`source` says which, for the
        history; `links`, the addresses it came from, for spotting duplicates). A file
        that is not a usable article, or one already in the corpus, raises Refusal with
        one sentence and nothing is saved; if the reload fails, the saved file is removed
        again.
        """
        if Path(filename).suffix.lower() not in ARTICLE_SUFFIXES:
            raise Refusal(f"{filename} is not a .txt or .md file.")
        if len(raw) > MAX_ARTICLE_BYTES:
            raise Refusal(f"{filename} is larger than {MAX_ARTICLE_BYTES:,} bytes.")
        article = await self._checked(raw, filename, "add")
        async with self.lock:
            self._refuse_duplicate(article, links)
            try:
                target = safe_file_name(self.folder, filename)
            except IntakeError as error:
                raise Refusal(str(error)) from None
            with target.open("xb") as file:  # "x": never overwrite
                file.write(raw)
            ok, text = await self._reload(ctx, frozenset({target.name}))
            if not ok:
                target.unlink()
                text += f"\nI removed {target.name} again."
            else:
                text += self._record(
                    self._change(ctx, "add", target.name, article.digest, note=source)
                )
        if ok:
            text = f"Added {shorten(describe_source(article), 300)} as {target.name}.\n{text}"
        return text

    # -- the commands ----------------------------------------------------------------------

    @_moderator_command(name="reload")
    async def reload(self, ctx: commands.Context) -> None:
        """Rebuild the index from the corpus folder, without a restart.

        Questions keep being answered from the old index until the new one is ready.
        If any article fails to load, nothing changes and I name each bad file.
        """
        await ctx.defer(ephemeral=True)
        async with self.lock:
            _, text = await self._reload(ctx)
        await respond(ctx, text)

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
            assert self.bot.engine is not None
            known = link_in_corpus([link], self.bot.engine.articles)
            if known:
                raise Refusal(known)
            await ctx.defer(ephemeral=True)
            try:
                draft = await draft_from_link(link, self.bot.settings.allow_private_urls)
            except (FetchError, ExtractError) as error:
                raise Refusal(str(error)) from None
            raw, filename = draft.file_text().encode(), draft.file_name()
            added = await self._add_article(
                ctx, raw, filename, link, links=(link, draft.fetched_url)
            )
            await respond(ctx, added)
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
        if Path(file.filename).suffix.lower() not in ARTICLE_SUFFIXES:
            raise Refusal(f"{file.filename} is not a .txt or .md file.")
        if file.size > MAX_ARTICLE_BYTES:
            raise Refusal(f"{file.filename} is larger than {MAX_ARTICLE_BYTES:,} bytes.")
        await ctx.defer(ephemeral=True)
        raw = await file.read()
        await respond(ctx, await self._add_article(ctx, raw, file.filename, "an attachment"))

    @_moderator_command(name="removearticle", extras={"example": "removearticle 3"})
    @app_commands.describe(article="The article to remove: its number in sources, or its file")
    async def removearticle(self, ctx: commands.Context, *, article: str) -> None:
        """Move an article (its number in sources, or its file name) to .trash, then reload.

        Nothing is deleted: restore brings it back. A file that could not be loaded
        can be removed by its file name.
        """
        await ctx.defer(ephemeral=True)
        async with self.lock:
            source, served = self._find_article(ctx, article)
            if source.resolve().parent != self.folder.resolve() or not source.is_file():
                raise Refusal(f"I can't find {source.name} in the corpus folder any more.")
            digest = hashlib.sha256(await asyncio.to_thread(source.read_bytes)).hexdigest()
            trashed = _trash_path(self.folder, source.name)
            source.rename(trashed)
            ok, text = await self._reload(ctx, frozenset({source.name}))
            if not ok and served is not None:
                trashed.rename(source)
                text += f"\nI put {source.name} back."
            else:
                change = self._change(ctx, "remove", source.name, digest, trash=trashed.name)
                text += self._record(change)
        if ok or served is None:
            name = shorten(describe_source(served), 300) if served else source.name
            text = f"Moved {name} to {TRASH}/{trashed.name}.\n{text}"
        await respond(ctx, text)

    def _find_article(self, ctx: commands.Context, wanted: str) -> tuple[Path, Article | None]:
        """The file of article `wanted` (a number as in sources, or a file name) and the
        article if it is being served; any article file in the folder may be named."""
        engine = self.bot.engine
        assert engine is not None
        wanted = wanted.strip()
        if wanted.isdigit() and 1 <= int(wanted) <= len(engine.articles):
            served = engine.articles[int(wanted) - 1]
            return served.path, served
        for served in engine.articles:
            if served.path.name == wanted:
                return served.path, served
        for path in article_files(self.folder):
            if path.name == wanted:
                return path, None
        raise Refusal(
            f"There is no article {shorten(wanted, 100)}; `{ctx.clean_prefix}sources` lists "
            f"them, numbered 1 to {len(engine.articles)}."
        )

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
            for p in article_files(self.folder)
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
        trash = self.folder / TRASH
        name = Path(file.strip().replace("\\", "/")).name
        source = trash / name
        if not name or not source.is_file() or source.resolve().parent != trash.resolve():
            kept = shorten(", ".join(sorted(p.name for p in self._trashed())) or "nothing", 1500)
            raise Refusal(f"There is no {shorten(name or file, 100)} in {TRASH}; it holds {kept}.")
        raw = await asyncio.to_thread(source.read_bytes)
        article = await self._checked(raw, name, "restore")
        async with self.lock:
            self._refuse_duplicate(article)
            original = history.removed_as(self.folder, name) or name
            target = self.folder / original
            if target.exists() or target.suffix.lower() not in ARTICLE_SUFFIXES:
                target = safe_file_name(self.folder, original)
            source.rename(target)
            ok, text = await self._reload(ctx, frozenset({target.name}))
            if not ok:
                target.rename(source)
                text += f"\nI put {name} back in {TRASH}."
            else:
                text += self._record(
                    self._change(ctx, "restore", target.name, article.digest, trash=name)
                )
        if ok:
            text = f"Restored {shorten(describe_source(article), 300)} as {target.name}.\n{text}"
        await respond(ctx, text)

    def _trashed(self) -> list[Path]:
        trash = self.folder / TRASH
        return article_files(trash) if trash.is_dir() else []

    @restore.autocomplete("file")
    async def _trash_choices(
        self, interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        if not await self._may_choose(interaction):
            return []
        trashed = sorted(self._trashed(), key=lambda p: p.stat().st_mtime, reverse=True)
        return _choices([(p.name, p.name) for p in trashed if len(p.name) <= 100], typed)

    @_moderator_command(name="history", extras={"example": "history 20"})
    @app_commands.describe(count="How many of the latest changes to show (1 to 25)")
    async def show_history(
        self, ctx: commands.Context, count: commands.Range[int, 1, 25] = HISTORY_SHOWN
    ) -> None:
        """Show the latest changes to the articles: when, who, where, what and which file."""
        await ctx.defer(ephemeral=True)
        changes = await asyncio.to_thread(history.read, self.folder, count)
        if not changes:
            await respond(ctx, "No changes to the articles have been recorded yet.")
            return
        if len(changes) == 1:
            header = "The latest change to the articles:"
        else:
            header = f"The latest {len(changes)} changes to the articles, newest first:"
        lines = [history_line(change) for change in reversed(changes)]
        await respond(ctx, header + "\n" + fit_lines(lines, MESSAGE_CONTENT - len(header) - 1))

    @commands.command(name="sync")
    @commands.is_owner()
    async def sync(self, ctx: commands.Context) -> None:
        """Publish the slash commands to Discord (bot owner only).

        Run it once after installing or updating the bot, not at every start.
        """
        await ctx.defer()
        synced = await self.bot.tree.sync()
        names = ", ".join(f"/{command.name}" for command in synced)
        await respond(ctx, f"Synced {len(synced)} slash commands: {names}.")


async def setup(bot: commands.Bot) -> None:
    """Add the moderation cog (called by load_extension)."""
    await bot.add_cog(AdminCog(bot))  # type: ignore[arg-type]
