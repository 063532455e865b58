"""The Discord bot: `create_bot` (tests use it too) and the one error handler.

The engine does the answering; this layer only adapts it to Discord. The bot holds
the corpus folder (`bot.corpus`, which makes every change to it), the `Engine`
served from it (`bot.engine`; a reload replaces that in one assignment) and the
question log (`bot.questions`, `bot.engine.questionlog`). The bot also
decides who may change the corpus, which every server the bot is in shares.
Starting it, and each way a start can fail, is `bot.discord.startup`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import buttons, slash
from bot.discord.settings import Settings
from bot.engine.answer import Engine, QuestionError
from bot.engine.changes import CorpusFolder
from bot.engine.questionlog import LOG_FILE, QuestionLog

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

COGS = ("bot.discord.cogs.ask", "bot.discord.cogs.feedback", "bot.discord.cogs.admin")
DESCRIPTION = (
    "I answer questions about the June 2019 ICE raids only with word-for-word quotes "
    "from news articles, each cited."
)


class Refusal(commands.CheckFailure):
    """An expected refusal; its message is the one plain sentence the user sees."""


def is_moderator(settings: Settings, user: discord.abc.User) -> bool:
    """Manage Server here, or the configured moderator role (the owner is checked apart)."""
    permissions = getattr(user, "guild_permissions", None)
    if permissions is not None and permissions.manage_guild:
        return True
    role = settings.moderator_role
    return bool(role) and any(r.name == role for r in getattr(user, "roles", ()))


class NewsBot(commands.Bot):
    """A commands.Bot that carries the settings, the current engine and the files it left out."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        # This bot never joins a voice channel: no warnings about voice packages at start.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(
            command_prefix=settings.command_prefix,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            description=DESCRIPTION,
            help_command=commands.DefaultHelpCommand(no_category="Other", dm_help=False),
            owner_ids=set(settings.owner_ids),
            strip_after_prefix=True,
            case_insensitive=True,
        )
        self.settings = settings
        # Opened (made, migrated) in setup_hook, off the event loop.
        self.questions = QuestionLog(
            settings.data_dir / LOG_FILE, settings.question_log_days, start=False
        )
        self.corpus = CorpusFolder(settings.corpus_dir, engine, questions=self.questions)
        self._home_warning: str | None = None  # the last one logged, so it is logged once
        self._scope_checked: set[int] = set()  # servers checked for applications.commands
        self._background: set[asyncio.Task] = set()

    @property
    def engine(self) -> Engine | None:
        """The engine answering questions now (None until set-up has indexed the corpus)."""
        return self.corpus.engine

    @engine.setter
    def engine(self, engine: Engine | None) -> None:
        self.corpus.engine = engine

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """Article files the last load left out, as (name, why); a good reload empties it."""
        return self.corpus.skipped

    @skipped.setter
    def skipped(self, skipped: tuple[tuple[str, str], ...]) -> None:
        self.corpus.skipped = tuple(skipped)

    async def setup_hook(self) -> None:
        """Index the corpus if no engine was given, open the question log, load the cogs,
        route app-command errors, answer the buttons of messages sent before this start,
        and publish the slash commands in the background if they changed."""
        if self.engine is None:
            self.engine, self.skipped = await load_engine(self.settings)
        await asyncio.to_thread(self.questions.start)
        self.tree.on_error = self.on_app_command_error
        for extension in COGS:
            await self.load_extension(extension)
        buttons.register(self)
        self.in_background(slash.publish_if_changed(self, self.settings.data_dir))

    def remember(
        self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> asyncio.Future[T]:
        """Run a question-log write on the log's writer thread, after those handed over
        before it; await the result, or leave it (an answer never waits for its log entry)."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(
            self.questions.writer(), functools.partial(call, *args, **kwargs)
        )

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine beside the event loop's other work; closing the bot cancels it."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().close()
        await asyncio.to_thread(self.questions.close)  # the queued writes first

    async def on_ready(self) -> None:
        log.info("connected as %s to %d servers", self.user, len(self.guilds))
        self.warn_about_home()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("joined server %s (%d); now in %d servers", guild.name, guild.id, len(self.guilds))
        self.warn_about_home()
        self.check_command_scope(guild)

    def check_command_scope(self, guild: discord.Guild) -> None:
        """Once per home server (as it becomes available or joins), warn in the log if it
        cannot see the slash commands."""
        home = self.settings.home_guild_ids
        is_home = guild.id in home if home else len(self.guilds) == 1
        if is_home and guild.id not in self._scope_checked:
            self._scope_checked.add(guild.id)
            self.in_background(slash.warn_if_hidden(self, guild))

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.warn_about_home()
        self.check_command_scope(guild)

    # -- who may change the corpus ------------------------------------------------------

    def corpus_refusal(self, guild: discord.abc.Snowflake) -> str | None:
        """Why moderators of `guild` may not change the corpus, or None when they may.

        Read from the current settings each time: the corpus is shared by every server,
        so only the home server(s) change it; unset, that is the one server the bot is in.
        """
        home = self.settings.home_guild_ids
        if home:
            if guild.id in home:
                return None
            return (
                "Only moderators of this bot's home server can change its articles, "
                "because every server it is in shares them."
            )
        if len(self.guilds) <= 1:
            return None
        return (
            f"I'm in {len(self.guilds)} servers and no home server is set (HOME_GUILD_IDS), "
            "so only my owner can change the articles they all share."
        )

    async def may_change_corpus(
        self, user: discord.abc.User, guild: discord.abc.Snowflake | None
    ) -> bool:
        """The owner anywhere; a moderator in a server whose moderators may change the corpus."""
        if await self.is_owner(user):
            return True
        return (
            guild is not None
            and is_moderator(self.settings, user)
            and (self.corpus_refusal(guild) is None)
        )

    def warn_about_home(self) -> None:
        """Log, as servers become known, when nobody but the owner can change the corpus."""
        home = self.settings.home_guild_ids
        warning = None
        if not home and len(self.guilds) > 1:
            warning = (
                f"the bot is in {len(self.guilds)} servers and HOME_GUILD_IDS is not set: corpus "
                "changes are refused everywhere except to the owner; set HOME_GUILD_IDS to the "
                "ids of the servers whose moderators may change the articles"
            )
        elif home and self.guilds and not any(g.id in home for g in self.guilds):
            warning = "the bot is in none of the HOME_GUILD_IDS servers: only the owner can "
            warning += "change the corpus"
        if warning is not None and warning != self._home_warning:
            log.warning("%s", warning)
        self._home_warning = warning

    # -- the one error handler -----------------------------------------------------------

    async def on_command_error(self, ctx: commands.Context, error: Exception) -> None:  # type: ignore[override]
        """Turn a command's error into one plain sentence for the user."""
        if isinstance(error, commands.CommandNotFound):
            return
        await tell(ctx, self.explain(error, ctx))

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Same as on_command_error, for errors the app-command tree reports directly."""
        await self.report(interaction, error)

    async def report(self, interaction: discord.Interaction, error: BaseException) -> None:
        """Tell the user who pressed or typed something what went wrong, privately."""
        text = self.explain(error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as failure:
            log.warning("could not report an error to the user: %s", failure)

    def explain(self, error: BaseException, ctx: commands.Context | None = None) -> str:
        """The sentence a user sees for `error`; unexpected errors are logged with a short id."""
        error = _unwrap(error)
        prefix = ctx.clean_prefix if ctx is not None else self.settings.command_prefix
        if isinstance(error, QuestionError | Refusal):
            return str(error)
        if isinstance(error, commands.CommandOnCooldown):
            wait = max(1, round(error.retry_after + 0.49))
            rate = error.cooldown
            return (
                f"You can ask {rate.rate} questions every {rate.per:g} seconds; "
                f"please try again in {wait} second{'s' if wait != 1 else ''}."
            )
        if isinstance(error, commands.MissingRequiredAttachment) and ctx is not None:
            name = ctx.command.qualified_name if ctx.command else "that command"
            return f"Please attach the file to `{prefix}{name}`."
        if isinstance(error, commands.UserInputError) and ctx is not None and ctx.command:
            command = ctx.command
            usage = f"{prefix}{command.qualified_name} {command.signature}".strip()
            example = command.extras.get("example")
            for_example = f", for example `{prefix}{example}`" if example else ""
            return f"Usage: `{usage}`{for_example}."
        if isinstance(error, commands.NotOwner):
            return "Only the bot's owner can do that."
        if isinstance(error, commands.NoPrivateMessage):
            return "That command only works in a server channel."
        if isinstance(error, commands.CheckFailure | app_commands.CheckFailure):
            return "You can't use that command here."
        if isinstance(error, discord.Forbidden):
            reference = _log_unexpected(error)
            return f"I lack a permission I need for that (error {reference})."
        reference = _log_unexpected(error)
        return (
            f"Sorry, something went wrong on my side (error {reference}); "
            "a moderator can look that id up in the bot's log."
        )


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(
        error,
        commands.CommandInvokeError
        | commands.HybridCommandError
        | app_commands.CommandInvokeError
        | commands.ConversionError,
    ):
        inner = getattr(error, "original", None) or error.__cause__
        if inner is None:
            break
        error = inner
    return error


def _log_unexpected(error: BaseException) -> str:
    reference = secrets.token_hex(3)
    log.error(
        "unexpected error %s: %s",
        reference,
        error,
        exc_info=(type(error), error, error.__traceback__),
    )
    return reference


async def tell(ctx: commands.Context, text: str) -> None:
    """Reply with a plain sentence: privately to a slash command, else as a quiet reply."""
    try:
        if ctx.interaction is not None:
            await ctx.send(text, ephemeral=True)
        else:
            await ctx.reply(text, mention_author=False)
    except discord.HTTPException as failure:
        log.warning("could not report an error to the user: %s", failure)


async def load_engine(settings: Settings) -> tuple[Engine, tuple[tuple[str, str], ...]]:
    """Index the corpus's good articles off the event loop; log them, and name each bad file.

    Returns the engine and the bad files as (name, why). CorpusError when none is good.
    """
    started = time.perf_counter()
    skipped: list[tuple[str, str]] = []
    engine = await asyncio.to_thread(Engine.load, settings.corpus_dir, skipped)
    log.info(
        "index ready: %d articles, %d passages in %.2f s from %s",
        len(engine.articles),
        len(engine.passages),
        time.perf_counter() - started,
        settings.corpus_dir,
    )
    for name, why in skipped:
        log.warning("article file left out: %s %s", name, why)
    return engine, tuple(skipped)


def create_bot(settings: Settings, engine: Engine | None = None) -> NewsBot:
    """Build the bot without connecting; without `engine`, it indexes the corpus at setup."""
    return NewsBot(settings, engine)
