"""Publishing the slash commands: at start, only when the command tree changed since the last time.

Discord shows a slash command only after the bot has sent it the whole command tree (a
"sync"), and counts those uploads against a daily limit. So the bot keeps a hash of the
tree it last published, with the application it was published for, in the data folder
(DATA_DIR) and publishes again only when the two differ: a new or changed command, or a
token for another application. A failed publish is one log line; the next start tries
again, and the owner's `!sync` publishes at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

log = logging.getLogger(__name__)

PUBLISHED = "slash-commands.json"  # in the data folder


def tree_digest(tree: app_commands.CommandTree) -> str:
    """A sha256 of exactly what a sync of `tree`'s global commands would upload."""
    payload = sorted(
        (command.to_dict(tree) for command in tree.get_commands()),
        key=lambda command: (command.get("type", 1), command["name"]),
    )
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def published_digest(data_dir: Path, application_id: int) -> str | None:
    """The digest last published for this application, or None (never, or another one)."""
    record = _published(data_dir)
    digest = record.get("sha256")
    if record.get("application_id") != application_id or not isinstance(digest, str):
        return None
    return digest


def last_published(data_dir: Path) -> str | None:
    """When the slash commands were last published from this data folder (UTC), or None."""
    when = _published(data_dir).get("published")
    return when if isinstance(when, str) else None


def _published(data_dir: Path) -> dict:
    try:
        record = json.loads((data_dir / PUBLISHED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _record(data_dir: Path, application_id: int, digest: str, names: list[str]) -> None:
    """Write what was published, whole or not at all (a temporary file, then a rename)."""
    body = {
        "application_id": application_id,
        "sha256": digest,
        "commands": names,
        "published": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".slash-", dir=data_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(body, file, indent=1)
        os.replace(temporary, data_dir / PUBLISHED)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def publish(bot: commands.Bot, data_dir: Path) -> list[app_commands.AppCommand]:
    """Sync the global command tree now and record its digest; raises what the sync raises."""
    digest = tree_digest(bot.tree)
    synced = await bot.tree.sync()
    assert bot.application_id is not None  # sync raises MissingApplicationID first
    try:
        _record(data_dir, bot.application_id, digest, [command.name for command in synced])
    except OSError as error:
        log.warning(
            "published the slash commands, but could not note that in %s (%s): "
            "they will be published again at the next start",
            data_dir,
            error.strerror or error,
        )
    return synced


async def publish_if_changed(bot: commands.Bot, data_dir: Path) -> bool:
    """Publish the slash commands if they changed since the last time; True if published.

    Never raises for Discord or the network: a failure is logged in one line, and the
    next start (or `!sync`) tries again.
    """
    application_id = bot.application_id
    if application_id is None:
        return False
    digest = tree_digest(bot.tree)
    if published_digest(data_dir, application_id) == digest:
        log.info("slash commands unchanged since they were last published")
        return False
    try:
        synced = await publish(bot, data_dir)
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
        log.warning(
            "could not publish the slash commands (%s); the next start tries again, "
            "or the owner can type !sync",
            _describe(error),
        )
        return False
    log.info(
        "published %d slash commands: %s",
        len(synced),
        ", ".join(f"/{command.name}" for command in synced),
    )
    return True


async def warn_if_hidden(bot: commands.Bot, guild: discord.Guild) -> bool:
    """Log, in one line, when `guild` cannot see the slash commands; True if it can.

    Discord answers 403 Missing Access to the bot's own command list in a server where
    it was invited without the applications.commands scope.
    """
    try:
        await bot.tree.fetch_commands(guild=guild)
    except discord.Forbidden:
        log.warning(
            "the slash commands cannot be used in server %s (%d): the bot was invited "
            "without the applications.commands scope; on OAuth2 → URL Generator tick bot "
            "and applications.commands and open the new link to invite it again (nothing "
            "else changes)",
            guild.name,
            guild.id,
        )
        return False
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
        log.info("could not check the slash commands in server %d (%s)", guild.id, error)
    return True


def _describe(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"HTTP {error.status}: {error.text or error.response.reason}"
    return str(error) or type(error).__name__
