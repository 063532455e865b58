"""Moderators reloading the index and adding or removing articles through Discord."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.discord.app import Refusal
from bot.engine.answer import Engine
from bot.engine.corpus import article_files
from tests.conftest import NEWS_PATH

pytestmark = [pytest.mark.asyncio, pytest.mark.bot_settings(copy_corpus=True)]

QUAHOG = (
    "---\ntitle: Quahog sheriff refuses ICE\noutlet: Quahog Journal\ndate: 2019-06-23\n"
    "url: https://example.com/quahog\n---\n\n"
    "The Quahog County sheriff said on Sunday that his deputies would not take part in "
    "the ICE raids planned for the weekend.\n"
)
QUAHOG_QUESTION = "!ask what did the Quahog County sheriff say"
BROKEN = "---\ntitle: never closed\n\nSome text that never gets a closing front matter line.\n"


def corpus(env) -> Path:
    return env.bot.settings.corpus_dir


async def test_reload_picks_up_a_new_article(world, simcord_env) -> None:
    """After a new file lands in the corpus, !reload reports it and answers quote it."""
    await world.alice.send(world.channel, QUAHOG_QUESTION)
    assert world.channel.last_message.content.startswith("I found nothing relevant")
    (corpus(simcord_env) / "quahog.md").write_text(QUAHOG, encoding="utf-8")
    await world.mod.send(world.channel, "!reload")
    report = world.channel.last_message.content
    assert report.startswith("Reloaded in ") and "6 articles (was 5)" in report
    assert "Added: quahog.md (1 passages)" in report
    await world.alice.send(world.channel, QUAHOG_QUESTION)
    embed = world.channel.last_message.embeds[0]
    assert "deputies would not take part" in embed.description
    assert "[Quahog sheriff refuses ICE](https://example.com/quahog)" in embed.fields[0].value


async def test_reload_reports_changed_and_removed_articles(world, simcord_env) -> None:
    """!reload says which articles changed and which were removed."""
    folder = corpus(simcord_env)
    (folder / "wtop-dc-leaders-speak-out-against-ice-raids.md").unlink()
    changed = folder / "cities-vow-to-resist-ice-raids.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more sentence.\n")
    await world.mod.send(world.channel, "!reload")
    report = world.channel.last_message.content
    assert "Removed: wtop-dc-leaders-speak-out-against-ice-raids.md" in report
    assert "Changed: cities-vow-to-resist-ice-raids.md" in report


async def test_reload_with_a_broken_article_changes_nothing(world, simcord_env) -> None:
    """A broken file makes !reload name it and why, and the old index keeps answering."""
    (corpus(simcord_env) / "quahog.md").write_text(QUAHOG, encoding="utf-8")
    (corpus(simcord_env) / "broken.md").write_text(BROKEN, encoding="utf-8")
    await world.mod.send(world.channel, "!reload")
    report = world.channel.last_message.content
    assert report.startswith("The reload failed, so nothing changed")
    assert "- broken.md: front matter opens with '---' but never closes" in report
    await world.alice.send(world.channel, "!sources")
    assert world.channel.last_message.embeds[0].title.startswith("5 articles")
    await world.alice.send(world.channel, QUAHOG_QUESTION)
    assert world.channel.last_message.content.startswith("I found nothing relevant")


async def test_reload_racing_with_questions(world, simcord_env, monkeypatch) -> None:
    """Questions asked during a reload are answered from the old index; reloads queue up."""
    folder = corpus(simcord_env)
    (folder / "quahog.md").write_text(QUAHOG, encoding="utf-8")
    backend, bot = simcord_env.backend, simcord_env.bot
    real_load = Engine.load
    answered = threading.Event()
    running, most_at_once = [0], [0]
    guard = threading.Lock()

    def slow_load(path: Path) -> Engine:
        # Real indexing, held until the questions sent meanwhile have been answered.
        with guard:
            running[0] += 1
            most_at_once[0] = max(most_at_once[0], running[0])
        try:
            assert answered.wait(timeout=5), "questions were not answered during the reload"
            return real_load(path)
        finally:
            with guard:
                running[0] -= 1

    monkeypatch.setattr(Engine, "load", slow_load)
    question_ids: set[int] = set()
    answers: set[int] = set()

    async def on_message(message) -> None:
        # Watches the channel: releases the reload once both questions have replies.
        reference = message.reference
        if message.author == bot.user and reference and reference.message_id in question_ids:
            answers.add(reference.message_id)
            if answers == question_ids:
                answered.set()

    bot.add_listener(on_message)
    # Four members type at once: two reloads and two questions, before the bot handles any.
    channel = world.channel.id
    backend.create_message(channel, world.mod.id, "!reload")
    backend.create_message(channel, world.owner.id, "!reload")
    for member in (world.alice, world.bob):
        question_ids.add(backend.create_message(channel, member.id, QUAHOG_QUESTION).id)
    await simcord_env.settle()

    history = [m for m in world.channel.history() if m.author.bot]
    texts = [m.content for m in history]
    assert texts[0].startswith("I found nothing relevant")  # answered from the old index
    assert texts[1].startswith("I found nothing relevant")
    assert "Added: quahog.md" in texts[2]
    assert "No articles were added, removed or changed." in texts[3]
    assert most_at_once[0] == 1  # the second reload waited for the first
    await world.alice.send(world.channel, QUAHOG_QUESTION)
    assert "deputies would not take part" in world.channel.last_message.embeds[0].description


async def test_non_moderators_are_refused(world, simcord_env) -> None:
    """A member without Manage Server gets one sentence for every moderator command."""
    for command in ("!reload", "!addarticle", "!removearticle 1", "!sync"):
        await world.alice.send(world.channel, command)
        assert world.channel.last_message.content == "Sorry, only moderators can use that command."
    assert len(article_files(corpus(simcord_env))) == 5
    assert all(isinstance(e, Refusal) for e in simcord_env.errors)


@pytest.mark.bot_settings(copy_corpus=True, moderator_role="Fact checkers")
async def test_moderator_role_from_settings(world, simcord_env) -> None:
    """A member with the configured moderator role may reload."""
    checkers = world.guild.create_role("Fact checkers")
    checker = world.guild.add_member(simcord_env.create_user("carol"), roles=[checkers])
    await checker.send(world.channel, "!reload")
    assert world.channel.last_message.content.startswith("Reloaded in ")


@pytest.mark.bot_settings(copy_corpus=True, moderator_role="Fact checkers")
async def test_moderator_role_admits_only_the_members_who_have_it(world, simcord_env) -> None:
    """With MODERATOR_ROLE set, a member without that role (or with another role) is still
    refused and changes nothing."""
    world.guild.create_role("Fact checkers")
    readers = world.guild.create_role("Fact checkers fan club")
    fan = world.guild.add_member(simcord_env.create_user("dave"), roles=[readers])
    for member in (world.alice, fan):
        for command in ("!reload", "!removearticle 1", "!history"):
            await member.send(world.channel, command)
            assert world.channel.last_message.content == (
                "Sorry, only moderators can use that command."
            ), (member, command)
    assert len(article_files(corpus(simcord_env))) == 5
    assert all(isinstance(e, Refusal) for e in simcord_env.errors)


async def test_addarticle_saves_under_a_safe_name_and_reloads(world, simcord_env) -> None:
    """An attached article is checked, saved under a new safe name, and answered from."""
    folder = corpus(simcord_env)
    upload = ("../Quahog Sheriff: Report!.MD", QUAHOG.encode())
    await world.mod.send(world.channel, "!addarticle", attachments=[upload])
    report = world.channel.last_message.content
    saved = folder / "quahog-sheriff-report.md"
    assert saved.read_bytes() == QUAHOG.encode()
    assert report.startswith(
        'Added Quahog Journal, 2019-06-23, "Quahog sheriff refuses ICE" as quahog-sheriff-report.md'
    )
    assert "Added: quahog-sheriff-report.md" in report
    await world.alice.send(world.channel, QUAHOG_QUESTION)
    assert "deputies would not take part" in world.channel.last_message.embeds[0].description
    # The same name again is saved beside it, never over it; the same article is refused.
    other = QUAHOG.replace("Sunday", "Monday").replace("/quahog", "/quahog-monday").encode()
    await world.mod.send(world.channel, "!addarticle", attachments=[(upload[0], other)])
    assert (folder / "quahog-sheriff-report-2.md").read_bytes() == other
    await world.mod.send(world.channel, "!addarticle", attachments=[upload])
    assert "already in the corpus as quahog-sheriff-report.md" in world.channel.last_message.content
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusal


@pytest.mark.parametrize(
    ("upload", "why"),
    [
        (("notes.pdf", b"%PDF-1.4"), "notes.pdf is not a .txt or .md file."),
        (("latin.txt", "Caf\xe9 police refused.".encode("latin-1")), "is not UTF-8 text"),
        (("empty.md", b"---\ntitle: x\n---\n\n"), "has no article text"),
    ],
)
async def test_addarticle_refuses_bad_files(world, simcord_env, upload, why) -> None:
    """A file that is not a valid article is refused with the reason and nothing is saved."""
    await world.mod.send(world.channel, "!addarticle", attachments=[upload])
    assert why in world.channel.last_message.content
    assert len(article_files(corpus(simcord_env))) == 5
    assert [type(e) for e in simcord_env.errors] == [Refusal]


async def test_addarticle_is_undone_when_the_reload_fails(world, simcord_env) -> None:
    """If the corpus will not reload after an add, the added file is removed again."""
    folder = corpus(simcord_env)
    (folder / "broken.md").write_text(BROKEN, encoding="utf-8")
    await world.mod.send(world.channel, "!addarticle", attachments=[("quahog.md", QUAHOG.encode())])
    report = world.channel.last_message.content
    assert report.startswith("The reload failed") and "broken.md" in report
    assert "I removed quahog.md again." in report and not (folder / "quahog.md").exists()


async def test_removearticle_moves_the_file_to_trash(world, simcord_env) -> None:
    """!removearticle N moves article N's file to .trash and stops quoting it."""
    folder = corpus(simcord_env)
    await world.mod.send(world.channel, "!removearticle 5")
    report = world.channel.last_message.content
    name = "wtop-dc-leaders-speak-out-against-ice-raids.md"
    assert report.startswith("Moved WTOP") and f"to .trash/{name}" in report
    assert "Removed: " + name in report
    assert (folder / ".trash" / name).exists() and not (folder / name).exists()
    await world.alice.send(world.channel, "!sources")
    assert world.channel.last_message.embeds[0].title.startswith("4 articles")


async def test_removearticle_with_a_bad_number(world, simcord_env) -> None:
    """A number or name that is not an article's gets the valid range or the usage line."""
    await world.mod.send(world.channel, "!removearticle 9")
    assert world.channel.last_message.content == (
        "There is no article 9; `!sources` lists them, numbered 1 to 5."
    )
    await world.mod.send(world.channel, "!removearticle first")
    assert world.channel.last_message.content == (
        "There is no article first; `!sources` lists them, numbered 1 to 5."
    )
    await world.mod.send(world.channel, "!removearticle")
    assert world.channel.last_message.content.startswith("Usage: `!removearticle <article>`")
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusals


async def test_removing_the_last_article_is_undone(world, simcord_env) -> None:
    """Removing the only article left would empty the index, so the file is put back."""
    for _ in range(4):
        await world.mod.send(world.channel, "!removearticle 1")
    await world.mod.send(world.channel, "!removearticle 1")
    report = world.channel.last_message.content
    assert report.startswith("The reload failed") and "I put " in report
    await world.alice.send(world.channel, "!sources")
    assert world.channel.last_message.embeds[0].title.startswith("1 articles")


async def test_only_the_owner_syncs_slash_commands(world, simcord_env) -> None:
    """The slash commands are there from the start; !sync is the owner's alone."""
    assert set(world.alice.available_commands(world.channel)) == {"ask", "sources", "forgetme"}
    await world.mod.send(world.channel, "!sync")
    assert world.channel.last_message.content == "Only the bot's owner can do that."
    await world.owner.send(world.channel, "!sync")
    assert world.channel.last_message.content == (
        "Synced 9 slash commands: /ask, /sources, /forgetme, /unanswered, /reload, /addarticle, "
        "/removearticle, /restore, /history."
    )
    # The moderator commands are offered to members with Manage Server only.
    assert set(world.alice.available_commands(world.channel)) == {"ask", "sources", "forgetme"}
    assert set(world.mod.available_commands(world.channel)) == {
        "ask",
        "sources",
        "forgetme",
        "unanswered",
        "reload",
        "addarticle",
        "removearticle",
        "restore",
        "history",
    }
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusal


# -- adding an article by its link -------------------------------------------------------

LINKED = "quahog-sheriff-says-deputies-will-sit-out-ice-raids.md"
LINKED_SOURCE = 'Quahog Journal, 2019-06-23, "Quahog sheriff says deputies will sit out ICE raids"'


@pytest.mark.bot_settings(copy_corpus=True, allow_private_urls=True)
async def test_addarticle_from_a_link(world, simcord_env, news_site) -> None:
    """A pasted link adds the article in one reply; !sources and answers cite its outlet."""
    folder = corpus(simcord_env)
    before = len(world.channel.history())
    await world.mod.send(world.channel, f"!addarticle {news_site.url('/share/quahog')}")
    assert len(world.channel.history()) == before + 2  # the command and one reply
    report = world.channel.last_message.content
    assert report.startswith(f"Added {LINKED_SOURCE} as {LINKED}.\nReloaded in ")
    assert f"Added: {LINKED} (8 passages)" in report
    saved = (folder / LINKED).read_text(encoding="utf-8")
    assert saved.startswith(
        "---\ntitle: Quahog sheriff says deputies will sit out ICE raids\noutlet: Quahog Journal\n"
        "date: 2019-06-23\nurl: https://www.quahogjournal.example/news/2019/06/23/"
        "quahog-sheriff-ice-raids\n---\n\nThe Quahog County sheriff said on Sunday"
    )
    assert "Vote her out" not in saved and "Advertisement" not in saved
    await world.alice.send(world.channel, "!sources")
    listing = world.channel.last_message.embeds[0]
    assert listing.title.startswith("6 articles")
    assert "Quahog Journal, 2019-06-23" in listing.description
    await world.alice.send(world.channel, "!ask what did Sheriff Ada Whitcomb say about ICE")
    answer = world.channel.last_message.embeds[0]
    assert '"My deputies will not be knocking on doors for ICE."' in answer.description
    sources = answer.fields[0].value
    assert "Quahog Journal" in sources and "2019-06-23" in sources
    assert "https://www.quahogjournal.example/news/2019/06/23/quahog-sheriff-ice-raids" in sources


@pytest.mark.bot_settings(copy_corpus=True, allow_private_urls=True)
async def test_slash_addarticle_with_a_url(world, simcord_env, news_site) -> None:
    """/addarticle url:<link> adds the article and the same link again is refused."""
    await world.sync()
    bare = await world.mod.slash(world.channel, "addarticle")
    assert bare.response.content == (
        "Please give the article's link or a file, as in `/addarticle url:https://...`."
    )
    result = await world.mod.slash(world.channel, "addarticle", url=news_site.url(NEWS_PATH))
    assert result.response.content.startswith(f"Added {LINKED_SOURCE} as {LINKED}.")
    again = await world.mod.slash(world.channel, "addarticle", url=news_site.url("/amp/quahog"))
    assert again.response.content == (
        f"That link is already in the corpus as {LINKED} ({LINKED_SOURCE})."
    )
    assert len(article_files(corpus(simcord_env))) == 6
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusal


@pytest.mark.bot_settings(copy_corpus=True, allow_private_urls=True)
async def test_the_same_article_under_another_link_is_refused(world, simcord_env, news_site):
    """The same text already added from a file is refused when its link is pasted."""
    folder = corpus(simcord_env)
    await world.mod.send(world.channel, f"!addarticle {news_site.url(NEWS_PATH)}")
    (folder / LINKED).rename(folder / "copy.md")  # as if a moderator had uploaded it
    text = (folder / "copy.md").read_text(encoding="utf-8")
    (folder / "copy.md").write_text(text.replace("url: https://www.", "url: https://mirror."))
    await world.mod.send(world.channel, "!reload")
    await world.mod.send(world.channel, f"!addarticle {news_site.url(NEWS_PATH)}")
    assert world.channel.last_message.content == (
        f"That article is already in the corpus as copy.md ({LINKED_SOURCE})."
    )
    assert not (folder / LINKED).exists()
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusal


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/news/local", "I found no article text on that page."),
        ("/report.pdf", "That link leads to application/pdf, not to a web page or plain text."),
        ("/huge-streamed.html", "That page is larger than 5 MB, so I stopped reading it."),
        ("/loop/0", "The link redirects more than 5 times, so I stopped."),
        (
            "/go/multicast",
            "The link redirects to http://224.0.0.1/news.html, and I don't fetch from "
            "224.0.0.1: it is a multicast address, not a public website.",
        ),
    ],
)
@pytest.mark.bot_settings(copy_corpus=True, allow_private_urls=True)
async def test_addarticle_link_refusals_save_nothing(
    world, simcord_env, news_site, path, message
) -> None:
    """Each unusable link gets one sentence; no file is saved and the index is unchanged."""
    folder = corpus(simcord_env)
    files = sorted(p.name for p in folder.iterdir())
    await world.mod.send(world.channel, f"!addarticle {news_site.url(path)}")
    assert world.channel.last_message.content == message
    assert sorted(p.name for p in folder.iterdir()) == files
    await world.alice.send(world.channel, "!sources")
    assert world.channel.last_message.embeds[0].title.startswith("5 articles")
    assert [type(e) for e in simcord_env.errors] == [Refusal]


async def test_addarticle_refuses_this_machine_by_default(world, simcord_env, news_site) -> None:
    """With default settings a link to 127.0.0.1 is refused and never requested."""
    await world.mod.send(world.channel, f"!addarticle {news_site.url(NEWS_PATH)}")
    assert world.channel.last_message.content == (
        "I don't fetch from 127.0.0.1: it is a loopback address, not a public website."
    )
    assert news_site.requests == [] and len(article_files(corpus(simcord_env))) == 5
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusal


async def test_addarticle_link_is_for_moderators_only(world, simcord_env, news_site) -> None:
    """A member pasting a link is refused before anything is fetched."""
    await world.alice.send(world.channel, f"!addarticle {news_site.url(NEWS_PATH)}")
    assert world.channel.last_message.content == "Sorry, only moderators can use that command."
    assert news_site.requests == []
    simcord_env.errors  # noqa: B018 - acknowledge the expected refusal
