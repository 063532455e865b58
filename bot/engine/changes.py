"""Changes to the corpus folder: add, remove, restore and reload, each one recorded.

The one place that changes the corpus. `CorpusFolder` holds the engine being served
from the folder and a lock, so changes happen one at a time. An added article is
checked first and saved under a new name, never over a file (`"xb"`); a removed one
is moved to `.trash/`, never deleted; and when the corpus would not load afterwards,
the change is undone and the engine being served stays. Every change that stands is
appended to the folder's history (`bot.engine.history`) with who made it. An article
added or restored is then put to the question log's open questions (`bot.engine.questionlog`):
those it answers are marked answered by it, and `Outcome.answers` names them. The Discord
cog and the harness only parse, check who may, and render the `Outcome`.

The methods block (they index the corpus): the bot runs them in a worker thread.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engine import history
from bot.engine.answer import DEFAULT_QUOTES, Engine
from bot.engine.corpus import (
    ARTICLE_SUFFIXES,
    MAX_ARTICLE_BYTES,
    Article,
    CorpusError,
    article_files,
)
from bot.engine.intake import (
    IntakeError,
    checked_article,
    duplicate_of,
    link_in_corpus,
    safe_file_name,
)

if TYPE_CHECKING:
    from bot.engine.extract import Draft
    from bot.engine.questionlog import Logged, QuestionLog

log = logging.getLogger(__name__)

TRASH = ".trash"


class ChangeRefused(ValueError):
    """The change was not made and nothing changed; the message is one sentence saying why."""


class NoSuchArticle(ChangeRefused):
    """No served article has that number or file name, and no article file that name."""

    def __init__(self, wanted: str, count: int) -> None:
        self.wanted, self.count = wanted, count
        super().__init__(
            f"There is no article {wanted}; sources lists them, numbered 1 to {count}."
        )


class NotInTrash(ChangeRefused):
    """`.trash/` holds no article file of that name; `kept` names what it does hold."""

    def __init__(self, name: str, kept: list[str]) -> None:
        self.name, self.kept = name, kept
        super().__init__(f"There is no {name} in {TRASH}; it holds {', '.join(kept) or 'nothing'}.")


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and where, as the history records them."""

    name: str | None
    id: int | None = None
    server_name: str | None = None
    server_id: int | None = None

    @classmethod
    def local(cls) -> Actor:
        """The person at this computer, working through the local harness."""
        try:
            name: str | None = getpass.getuser()
        except (KeyError, OSError):  # no user name in the environment or the password file
            name = None
        return cls(name=name, server_name="the local harness")


@dataclass(frozen=True)
class Difference:
    """One article file a reload found added, changed or removed, and its passages."""

    kind: str  # "added" | "changed" | "removed"
    article: Article
    passages_before: int | None
    passages_after: int | None

    @property
    def file(self) -> str:
        return self.article.path.name


@dataclass(frozen=True)
class Outcome:
    """What one change did, for a front door to report (and a caller to build on).

    `loaded` is False when the corpus would not load afterwards: `problems` names each
    bad file, the engine being served stays, and the change was undone (`undone`),
    except a removed file that was not being served, which stays in `.trash/`.
    """

    action: str  # "add", "remove", "restore" or "reload"
    loaded: bool
    articles_before: int
    passages_before: int
    articles_after: int
    passages_after: int
    seconds: float = 0.0  # how long indexing the folder took
    file: str | None = None  # the file added, removed or restored, as named in the folder
    trash: str | None = None  # its name in .trash/
    article: Article | None = None  # None for a removed file that was not being served
    undone: bool = False
    differences: tuple[Difference, ...] = ()  # what the reload found, file by file
    problems: tuple[tuple[str, str], ...] = ()  # (file, why) when the corpus would not load
    recorded: tuple[history.Change, ...] = ()  # the history entries written
    history_error: str | None = None  # why the history could not be written, if it could not
    answers: tuple[Logged, ...] = ()  # logged questions the added or restored article answers

    def done(self, name: str) -> str:
        """What was done, `name` standing for the article: "Moved NAME to .trash/a.md"."""
        return {
            "add": f"Added {name} as {self.file}",
            "remove": f"Moved {name} to {TRASH}/{self.trash}",
            "restore": f"Restored {name} as {self.file}",
        }.get(self.action, "Reloaded")

    def put_back(self) -> str:
        """How an undone change was put back: "removed a.md again", "put a.md back"."""
        return {
            "add": f"removed {self.file} again",
            "remove": f"put {self.file} back",
            "restore": f"put {self.trash} back in {TRASH}",
        }.get(self.action, "changed nothing")

    def passages(self, file: str) -> int | None:
        """How many passages `file` has after the change (None unless the reload found it
        added or changed)."""
        for difference in self.differences:
            if difference.file == file:
                return difference.passages_after
        return None


class CorpusFolder:
    """The corpus folder and the engine served from it; the one way to change either."""

    def __init__(
        self,
        folder: Path,
        engine: Engine | None = None,
        skipped: Iterable[tuple[str, str]] = (),
        questions: QuestionLog | None = None,
    ) -> None:
        self.folder = folder
        self.engine = engine  # replaced in one assignment: readers see the old or the new
        self.skipped = tuple(skipped)  # files the last load left out, as (name, why)
        self.questions = questions  # asked again when an article comes in
        self.lock = threading.Lock()

    # -- the changes ---------------------------------------------------------------------

    def add(
        self, raw: bytes, filename: str, actor: Actor, source: str, links: tuple[str, ...] = ()
    ) -> Outcome:
        """Check an article, save it under a new safe name, reload, and record it.

        Every way an article arrives comes here: `source` says which for the history
        (a link, "an attachment", a file's path), `links` are the addresses it was
        fetched through, for spotting duplicates. A file that is not a usable article,
        or one already in the corpus, raises ChangeRefused and nothing is saved.
        """
        check_upload(filename, len(raw))
        article = _checked(raw, filename, "add")
        with self.lock:
            self._refuse_duplicate(article, links)
            target = self._new_name(filename)
            with target.open("xb") as file:  # "x": never overwrite
                file.write(raw)
            outcome = self._reload(actor, target.name, undo=target.unlink)
            outcome = replace(outcome, action="add", file=target.name, article=article)
            if not outcome.loaded:
                return outcome
            outcome = self._record(
                outcome, self._change(actor, "add", target.name, article.digest, note=source)
            )
        return self._ask_again(outcome)

    def add_draft(self, draft: Draft, link: str, actor: Actor) -> Outcome:
        """Add the article a moderator's link led to (see `add`)."""
        raw = draft.file_text().encode()
        return self.add(raw, draft.file_name(), actor, link, links=(link, draft.fetched_url))

    def remove(self, wanted: str, actor: Actor) -> Outcome:
        """Move an article (its number in sources, or its file name) to `.trash/`, reload.

        Any article file in the folder may be named, so a file that could not be loaded
        can be removed too; such a file stays in `.trash/` even if the folder still
        does not load. A served article is put back when the folder would not load.
        """
        with self.lock:
            source, served = self.find(wanted)
            if source.resolve().parent != self.folder.resolve() or not source.is_file():
                raise ChangeRefused(f"I can't find {source.name} in the corpus folder any more.")
            digest = hashlib.sha256(source.read_bytes()).hexdigest()
            trashed = self._trash_path(source.name)
            source.rename(trashed)
            put_back = (lambda: trashed.rename(source)) if served is not None else None
            outcome = self._reload(actor, source.name, undo=put_back)
            outcome = replace(
                outcome, action="remove", file=source.name, trash=trashed.name, article=served
            )
            if outcome.undone:
                return outcome
            return self._record(
                outcome, self._change(actor, "remove", source.name, digest, trash=trashed.name)
            )

    def restore(self, name: str, actor: Actor) -> Outcome:
        """Bring a removed article back from `.trash/`, under its old name when that is free."""
        trash = self.folder / TRASH
        wanted = Path(name.strip().replace("\\", "/")).name
        source = trash / wanted
        if not wanted or not source.is_file() or source.resolve().parent != trash.resolve():
            raise NotInTrash(wanted or name, sorted(p.name for p in self.trashed()))
        article = _checked(source.read_bytes(), wanted, "restore")
        with self.lock:
            if not source.is_file():  # restored meanwhile
                raise NotInTrash(wanted, sorted(p.name for p in self.trashed()))
            self._refuse_duplicate(article)
            original = Path(history.removed_as(self.folder, wanted) or wanted).name
            target = self.folder / original
            if (
                target.exists()
                or target.suffix.lower() not in ARTICLE_SUFFIXES
                or original.startswith((".", "_"))  # the loader would not see it
            ):
                target = self._new_name(original)
            source.rename(target)
            outcome = self._reload(actor, target.name, undo=lambda: target.rename(source))
            outcome = replace(
                outcome, action="restore", file=target.name, trash=wanted, article=article
            )
            if not outcome.loaded:
                return outcome
            outcome = self._record(
                outcome, self._change(actor, "restore", target.name, article.digest, trash=wanted)
            )
        return self._ask_again(outcome)

    def reload(self, actor: Actor) -> Outcome:
        """Index the folder again and serve it; what changed in it is recorded as a reload's.

        If any article fails to load, nothing changes and `problems` names each bad file.
        """
        with self.lock:
            outcome = self._reload(actor)
            return self._record(outcome) if outcome.loaded else outcome

    # -- reading -------------------------------------------------------------------------

    def history(self, latest: int | None = None) -> list[history.Change]:
        """The recorded changes, oldest first (only the `latest` ones if given)."""
        return history.read(self.folder, latest)

    def trashed(self) -> list[Path]:
        """The article files in `.trash/`, by name."""
        trash = self.folder / TRASH
        return article_files(trash) if trash.is_dir() else []

    def refuse_known_link(self, link: str) -> None:
        """ChangeRefused when an article in the corpus has this address (check before fetching)."""
        known = link_in_corpus([link], self._served().articles)
        if known:
            raise ChangeRefused(known)

    def find(self, wanted: str) -> tuple[Path, Article | None]:
        """The file of article `wanted` (a number as in sources, or a file name), and the
        article if it is being served; NoSuchArticle if there is none."""
        articles = self._served().articles
        wanted = wanted.strip()
        if wanted.isdigit() and 1 <= int(wanted) <= len(articles):
            served = articles[int(wanted) - 1]
            return served.path, served
        for served in articles:
            if served.path.name == wanted:
                return served.path, served
        for path in article_files(self.folder):
            if path.name == wanted:
                return path, None
        raise NoSuchArticle(wanted, len(articles))

    # -- the shared steps ----------------------------------------------------------------

    def _served(self) -> Engine:
        if self.engine is None:
            raise ChangeRefused("The corpus is not loaded yet; please try again in a moment.")
        return self.engine

    def _reload(
        self,
        actor: Actor,
        expected: str | None = None,
        undo: Callable[[], object] | None = None,
    ) -> Outcome:
        """Index the folder and swap the new engine in; the caller holds the lock.

        Changes to files other than `expected` (the caller records that one) are
        returned to record as a reload's. If the folder will not load, `undo` (if
        given) puts the caller's change back, and the engine being served stays.
        """
        old = self._served()
        started = time.perf_counter()
        before = (len(old.articles), len(old.passages))
        try:
            new = Engine.load(self.folder)
        except CorpusError as error:
            log.info("reload failed: %s", error)  # the front door tells whoever asked
            if undo is not None:
                undo()
            return Outcome(
                action="reload",
                loaded=False,
                articles_before=before[0],
                passages_before=before[1],
                articles_after=before[0],
                passages_after=before[1],
                seconds=time.perf_counter() - started,
                undone=undo is not None,
                problems=tuple(error.problems),
            )
        except BaseException:
            if undo is not None:
                with contextlib.suppress(OSError):
                    undo()  # no half-made change, whatever stopped the load
            raise
        self.engine = new  # one assignment: questions see the old index or the new one
        self.skipped = ()
        seconds = time.perf_counter() - started
        log.info(
            "reloaded %d articles, %d passages in %.2f s",
            len(new.articles),
            len(new.passages),
            seconds,
        )
        differences = differences_between(old, new)
        found = tuple(
            self._change(actor, "reload", d.file, d.article.digest, note=d.kind)
            for d in differences
            if d.file != expected
        )
        return Outcome(
            action="reload",
            loaded=True,
            articles_before=before[0],
            passages_before=before[1],
            articles_after=len(new.articles),
            passages_after=len(new.passages),
            seconds=seconds,
            differences=differences,
            recorded=found,  # written by _record
        )

    def _ask_again(self, outcome: Outcome) -> Outcome:
        """Ask the log's open questions again against the new index; those whose answer now
        quotes the article just added or restored are marked answered by it."""
        if self.questions is None or not self.questions.enabled or outcome.file is None:
            return outcome
        engine, file = self._served(), outcome.file
        started = time.perf_counter()
        # One ask per wording as the engine searches for it (chat cleaned, typos respelt):
        # the quotes depend on nothing else.
        quotes_it: dict[tuple[str, str | None], bool] = {}
        found = []
        questions = self.questions.open_questions()
        for question in questions:
            after = engine.searched_for(question.after) if question.after else None
            key = (engine.searched_for(question.question), after)
            if key not in quotes_it:
                try:
                    answer = engine.ask(question.question, DEFAULT_QUOTES, question.after)
                except ValueError:  # logged by an older bot with other limits
                    answer = None
                quotes_it[key] = answer is not None and any(
                    place.article.path.name == file
                    for quote in answer.quotes
                    for place in quote.locations
                )
            if quotes_it[key]:
                found.append(question)
        marked = set(self.questions.resolve([question.id for question in found], file))
        log.info(
            "asked %d open questions again (%d wordings) in %.2f s: %s answers %d",
            len(questions),
            len(quotes_it),
            time.perf_counter() - started,
            file,
            len(marked),
        )
        return replace(outcome, answers=tuple(q for q in found if q.id in marked))

    def _record(self, outcome: Outcome, *changes: history.Change) -> Outcome:
        """Append the outcome's reload changes and `changes` to the history, in that order."""
        entries = (*outcome.recorded, *changes)
        try:
            for change in entries:
                history.record(self.folder, change)
        except OSError as error:
            log.error("could not write the corpus history: %s", error)
            return replace(outcome, recorded=entries, history_error=error.strerror or str(error))
        for change in entries:
            log.info(
                "corpus %s: %s (%s) by %s", change.action, change.file, change.note, change.who_name
            )
        return replace(outcome, recorded=entries)

    @staticmethod
    def _change(actor: Actor, action: str, file: str, sha256: str, **extra: str) -> history.Change:
        return history.Change.now(
            who_id=actor.id,
            who_name=actor.name,
            server_id=actor.server_id,
            server_name=actor.server_name,
            action=action,
            file=file,
            sha256=sha256,
            **extra,
        )

    def _refuse_duplicate(self, article: Article, links: tuple[str, ...] = ()) -> None:
        twin = duplicate_of(article, self._served().articles, links)
        if twin is not None:
            raise ChangeRefused(twin)

    def _new_name(self, filename: str) -> Path:
        try:
            return safe_file_name(self.folder, filename)
        except IntakeError as error:
            raise ChangeRefused(str(error)) from None

    def _trash_path(self, name: str) -> Path:
        """A path in `.trash/` no file has: `name`, else name-2, name-3, ..."""
        trash = self.folder / TRASH
        trash.mkdir(exist_ok=True)
        target, number = trash / name, 2
        while target.exists():
            target = trash / f"{Path(name).stem}-{number}{Path(name).suffix}"
            number += 1
        return target


def check_upload(filename: str, size: int) -> None:
    """ChangeRefused unless a file of this name and size could be an article (before reading)."""
    if Path(filename).suffix.lower() not in ARTICLE_SUFFIXES:
        raise ChangeRefused(f"{filename} is not a .txt or .md file.")
    if size > MAX_ARTICLE_BYTES:
        raise ChangeRefused(f"{filename} is larger than {MAX_ARTICLE_BYTES:,} bytes.")


def _checked(raw: bytes, filename: str, verb: str) -> Article:
    """The article in a file, checked as a reload would check it; else ChangeRefused."""
    try:
        return checked_article(raw, filename)
    except CorpusError as error:
        raise ChangeRefused(f"I can't {verb} that file: {error.summary}.") from None


def differences_between(old: Engine, new: Engine) -> tuple[Difference, ...]:
    """Each article file added, changed (other bytes) or removed between two loads."""
    before = {a.path.name: a for a in old.articles}
    after = {a.path.name: a for a in new.articles}
    old_counts, new_counts = old.passage_counts(), new.passage_counts()
    found = [
        Difference("added", article, None, new_counts[article.id])
        if name not in before
        else Difference("changed", article, old_counts[before[name].id], new_counts[article.id])
        for name, article in after.items()
        if name not in before or before[name].digest != article.digest
    ]
    found += [
        Difference("removed", article, old_counts[article.id], None)
        for name, article in before.items()
        if name not in after
    ]
    return tuple(found)


def history_line(
    change: history.Change,
    escape: Callable[[str], str] = str,
    code: Callable[[str], str] = str,
) -> str:
    """One history entry as a line: when, who and where, what, and the file's sha256.

    `escape` is applied to the words taken from outside (names, files), `code` to ids,
    times and checksums; a front door passes its own (Discord's markdown).
    """
    when = change.when.replace("T", " ").removesuffix("Z")[:16] + " UTC"
    who = escape(change.who_name or "someone")
    if change.who_id is not None:
        who += f" ({code(str(change.who_id))})"
    where = escape(change.server_name or "a direct message")
    if change.server_id is not None:
        where += f" ({code(str(change.server_id))})"
    file = change.file
    trash = f"{TRASH}/{change.trash}" if change.trash else ""
    what = {
        "add": f"added {file}" + (f" from {change.note}" if change.note else ""),
        "remove": f"removed {file}" + (f" to {trash}" if trash else ""),
        "restore": f"restored {file}" + (f" from {trash}" if trash else ""),
        "reload": f"reloaded and found {file} {change.note or 'changed'}",
    }.get(change.action, f"{change.action} {file}")
    return f"{code(when)} {who} in {where} {escape(what)} (sha256 {code(change.sha256[:12])})"
