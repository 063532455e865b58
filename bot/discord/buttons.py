"""The buttons that outlive the bot's process: Follow up, Helpful, Not helpful, Tell me.

Each carries the logged question's id in its custom_id (`nq:follow:<id>`, `nq:vote:1:<id>`,
`nq:watch:<id>`) and is registered with `bot.add_dynamic_items` at start, so a button
pressed after a restart works as before. A vote or a watch goes to the question log
(`bot.questions`); a follow-up opens a modal whose question the Questions cog answers.
The paging buttons (Back, More, Context) belong to their answer in memory; pressed after
a restart they say so (`StalePaging`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.discord.render import shorten

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

log = logging.getLogger(__name__)

FOLLOW_UP = "Follow up"
HELPFUL, NOT_HELPFUL = "Helpful", "Not helpful"
WATCH = "Tell me if this gets answered"
PAGING = {"back": "Back", "more": "More", "context": "Context"}  # custom_id part: label
LOG_OFF = "I don't keep questions here (QUESTION_LOG_DAYS is 0), so I can't note that."
NOT_KEPT = (
    "I no longer have that question: it is older than I keep questions, or its asker "
    "had it deleted, or I can't reach my question log just now."
)


def paging_id(name: str) -> str:
    """The custom_id of a paging button; the same on every answer (Discord keys them by message)."""
    return f"nq:page:{name}"


async def _report(interaction: discord.Interaction, error: Exception) -> None:
    bot = interaction.client
    report = getattr(bot, "report", None)
    if report is not None:
        await report(interaction, error)
    else:  # pragma: no cover - only this bot registers these buttons
        log.exception("button failed", exc_info=error)


def _button(label: str, custom_id: str) -> discord.ui.Button:
    return discord.ui.Button(
        label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id, row=1
    )


async def _note(
    interaction: discord.Interaction, said: dict[str, str], call: Any, *args: Any
) -> None:
    """Run a write on the question log for the member who pressed, and tell them, privately,
    the sentence `said` has for its outcome."""
    try:
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot: NewsBot = interaction.client  # type: ignore[assignment]
        if not bot.questions.enabled:
            await interaction.followup.send(LOG_OFF, ephemeral=True)
            return
        outcome = await bot.remember(call, *args)
        await interaction.followup.send(said[outcome], ephemeral=True)
    except Exception as error:  # every failure is one sentence to the member
        await _report(interaction, error)


class FollowUpButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nq:follow:(?P<id>\d+)"):
    """Opens a modal for a follow-up to the question this answer (or "found nothing") is for."""

    def __init__(self, question_id: int) -> None:
        super().__init__(_button(FOLLOW_UP, f"nq:follow:{question_id}"))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> FollowUpButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.discord.render import shown_question

        try:
            shown = shown_question(interaction.message) if interaction.message else None
            bot: NewsBot = interaction.client  # type: ignore[assignment]
            await interaction.response.send_modal(
                FollowUpModal(self.question_id, shown, bot.settings.max_question_chars)
            )
        except Exception as error:  # every failure is one sentence to the member
            await _report(interaction, error)


class FollowUpModal(discord.ui.Modal, title="Follow up"):
    """One text field: the follow-up, answered in the context of the earlier question."""

    def __init__(self, question_id: int, shown: str | None, max_chars: int) -> None:
        super().__init__(timeout=600)
        self.question_id = question_id
        self.shown = shown  # the earlier question as the answer shows it, if the log lacks it
        self.text: discord.ui.TextInput = discord.ui.TextInput(
            label="Your follow-up question",
            custom_id="question",
            placeholder=shorten(f"After: {shown}", 100) if shown else "What about ...?",
            max_length=max_chars,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Questions")  # type: ignore[attr-defined]
        await cog.follow_up(interaction, self.question_id, self.shown, self.text.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await _report(interaction, error)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"nq:vote:(?P<helpful>[01]):(?P<id>\d+)"
):
    """Helpful or Not helpful: one vote per member per answer, which they can change."""

    def __init__(self, question_id: int, helpful: bool) -> None:
        label = HELPFUL if helpful else NOT_HELPFUL
        super().__init__(_button(label, f"nq:vote:{int(helpful)}:{question_id}"))
        self.question_id, self.helpful = question_id, helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> VoteButton:
        return cls(int(match["id"]), match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        label = "helpful" if self.helpful else "not helpful"
        said = {
            "new": f"Thanks: I noted that you found this answer {label}. Only moderators "
            "see the votes, and never who cast them.",
            "same": f"You had already marked this answer {label}; your vote stands.",
            "changed": f"Changed your vote: this answer was {label} to you.",
            "missing": f"{NOT_KEPT} So I can't note your vote; thanks all the same.",
        }
        questions = interaction.client.questions  # type: ignore[attr-defined]
        await _note(
            interaction, said, questions.vote, self.question_id, interaction.user.id, self.helpful
        )


class WatchButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nq:watch:(?P<id>\d+)"):
    """On a "found nothing" reply: tell the member, once, when an added article answers it."""

    def __init__(self, question_id: int) -> None:
        super().__init__(_button(WATCH, f"nq:watch:{question_id}"))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> WatchButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        said = {
            "new": "I'll tell you once, by direct message, if an article added later "
            "answers this (or here, mentioning only you, if your direct messages are closed).",
            "same": "I'll already tell you if an article added later answers this.",
            "answered": "An article added since answers this already: ask it again.",
            "missing": f"{NOT_KEPT} So I can't watch it for you; please ask it again.",
        }
        questions = interaction.client.questions  # type: ignore[attr-defined]
        await _note(interaction, said, questions.watch, self.question_id, interaction.user.id)


class NothingView(discord.ui.View):
    """The buttons of a "found nothing" reply: Follow up, and Tell me when the log keeps it.

    Made only of dynamic items, so the view itself is never kept in memory."""

    def __init__(self, question_id: int, watch: bool) -> None:
        super().__init__(timeout=None)
        self.add_item(FollowUpButton(question_id))
        if watch:
            self.add_item(WatchButton(question_id))


class StalePaging(discord.ui.View):
    """Back, More and Context of answers sent before this start: they say they expired.

    Registered without a message, it answers only when no live answer claims the press."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        for name, label in PAGING.items():
            button: discord.ui.Button = discord.ui.Button(label=label, custom_id=paging_id(name))
            button.callback = self._expired  # type: ignore[method-assign]
            self.add_item(button)

    async def _expired(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "These quotes' buttons stopped working when I restarted; ask again to page "
            "through them. Follow up and the votes still work.",
            ephemeral=True,
        )


def register(bot: discord.Client) -> None:
    """Answer these buttons on every message, including those sent before this start."""
    bot.add_dynamic_items(FollowUpButton, VoteButton, WatchButton)  # type: ignore[attr-defined]
    bot.add_view(StalePaging())  # type: ignore[attr-defined]
