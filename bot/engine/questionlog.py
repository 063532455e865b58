"""What the bot remembers about questions: one SQLite file in the data folder, not the corpus.

The one module that writes SQL. Each question asked in Discord is kept for
QUESTION_LOG_DAYS days (then deleted): where and when it was asked, by whom (an id,
never a name), its words, the question it followed, whether it was answered, which
articles were quoted, members' votes on the answer, and who asked to be told when an
article answers it. `forget` deletes everything about one member.

SQLite from the standard library: WAL mode (readers never wait for the writer), a
`busy_timeout`, the schema version in `PRAGMA user_version` with the numbered
`MIGRATIONS` applied in order at start. Writes go to one writer thread (`writer`), so
they happen in order and never on the event loop; reads run on the caller's
(the Discord layer calls them in `asyncio.to_thread`). A locked, full or damaged file is
logged once, as one error line, and every call then returns its "nothing" value, so the
bot goes on answering; the first call that works again says so in the log.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

from bot.engine.text import tokenize

log = logging.getLogger(__name__)

LOG_FILE = "questions.sqlite3"  # in the data folder (DATA_DIR)
DAY = 86_400
BUSY_TIMEOUT_MS = 1000  # how long a call waits for another process's lock before giving up
CHAIN_KEPT = 8  # questions of a chain of follow-ups a follow-up is asked after
EXPIRE_EVERY = 3600.0  # seconds between deletions of expired questions while running
ALIKE = 2 / 3  # share of their words two questions share to count as worded alike

# Migration n brings the file from user_version n - 1 to n; never edit one once released.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,      -- the Discord id of the message or interaction that asked
        guild_id INTEGER,            -- NULL in a direct message
        channel_id INTEGER NOT NULL,
        asker_id INTEGER NOT NULL,
        asked_at INTEGER NOT NULL,   -- Unix time, seconds
        question TEXT NOT NULL,
        follows INTEGER REFERENCES questions(id) ON DELETE SET NULL,
        answered INTEGER NOT NULL,   -- 1 when the bot quoted something
        quoted TEXT NOT NULL,        -- the quoted articles' files, one per line
        reply_id INTEGER,            -- the bot's reply, to answer it in the channel later
        answered_by TEXT,            -- the article added later that answers it
        answered_at INTEGER
    );
    CREATE INDEX questions_by_time ON questions(asked_at);
    CREATE INDEX questions_by_server ON questions(guild_id, asked_at);
    CREATE INDEX questions_by_asker ON questions(asker_id);
    CREATE INDEX questions_by_earlier ON questions(follows);
    CREATE TABLE votes (
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        voter_id INTEGER NOT NULL,
        helpful INTEGER NOT NULL,    -- 1 helpful, 0 not helpful
        voted_at INTEGER NOT NULL,
        PRIMARY KEY (question_id, voter_id)
    ) WITHOUT ROWID;
    CREATE INDEX votes_by_voter ON votes(voter_id);
    CREATE TABLE watchers (
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        member_id INTEGER NOT NULL,
        since INTEGER NOT NULL,
        notified_at INTEGER,         -- set once, before the notice is sent: never twice
        PRIMARY KEY (question_id, member_id)
    ) WITHOUT ROWID;
    CREATE INDEX watchers_by_member ON watchers(member_id);
    """,
)

P = ParamSpec("P")
T = TypeVar("T")
Vote = Literal["new", "same", "changed", "missing"]
Watch = Literal["new", "same", "answered", "missing"]


@dataclass(frozen=True)
class Asked:
    """A question as it is logged, with the answer it got."""

    id: int  # the Discord id of the message or interaction that asked it
    guild_id: int | None
    channel_id: int
    asker_id: int
    question: str
    follows: int | None = None  # the logged question it follows up
    answered: bool = False
    quoted: tuple[str, ...] = ()  # the quoted articles' file names
    reply_id: int | None = None
    asked_at: float | None = None  # now, when None


@dataclass(frozen=True)
class Logged:
    """A logged question read back, with the questions it follows and its votes."""

    id: int
    guild_id: int | None
    channel_id: int
    asker_id: int
    asked_at: int
    question: str
    follows: int | None
    answered: bool
    quoted: tuple[str, ...]
    reply_id: int | None
    answered_by: str | None
    after: str | None = None  # the questions it follows, oldest first: the engine's `after`
    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True)
class Forgotten:
    """How much `forget` deleted about one member."""

    questions: int = 0
    votes: int = 0
    watches: int = 0

    @property
    def total(self) -> int:
        return self.questions + self.votes + self.watches


@dataclass(frozen=True)
class Notice:
    """A member to tell that a question they watch is answered now."""

    member_id: int
    question: Logged


@dataclass
class Group:
    """Questions worded alike: how often, by how many members, and the commonest wording."""

    question: str
    after: str | None
    asked: int = 0
    members: int = 0
    unanswered: int = 0  # of them, how many the bot could not answer (the rest: voted down)
    helpful: int = 0
    unhelpful: int = 0
    latest: int = 0
    ids: list[int] = field(default_factory=list)


def _guarded(
    default: Callable[[], Any], writes: bool = False
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run a call against the file; when SQLite or the disk fails, log it once and return
    `default()` instead (and nothing at all when logging is off). Only a write that works
    ends a failure (a write lock held elsewhere leaves reads working)."""

    def decorate(method: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(method)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
            self: QuestionLog = args[0]  # type: ignore[assignment]
            if not self.enabled:
                return default()
            try:
                if not self._ready:  # at start, or after a start that failed (a lock, say)
                    self._start()
                result = method(*args, **kwargs)
            except (sqlite3.Error, OSError) as error:
                self._failed(error)
                return default()
            if writes:
                self._worked()
            return result

        return guarded

    return decorate


class QuestionLog:
    """The question log in `path`, keeping questions `days` days (0: nothing is kept)."""

    def __init__(
        self, path: Path, days: int, clock: Callable[[], float] = time.time, start: bool = True
    ) -> None:
        self.path = path
        self.days = max(days, 0)
        self.enabled = self.days > 0
        self._clock = clock
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._failing: str | None = None  # the error last logged, while calls fail
        self._writer: ThreadPoolExecutor | None = None
        self._expired_at = 0.0
        self._ready = False  # the file exists with the current schema
        if start:
            self.start()

    @classmethod
    def in_folder(cls, data_dir: Path, days: int) -> QuestionLog:
        """The log in the data folder (made if missing); its schema is brought up to date."""
        return cls(data_dir / LOG_FILE, days)

    # -- opening and closing --------------------------------------------------------------

    def start(self) -> None:
        """Make the file if needed, apply the migrations it lacks, delete what expired.

        Every other call starts the log first if this failed (another process held a lock).
        With logging off, a file logged before is emptied: all of it is past keeping."""
        if not self.enabled:
            self._forget_everything()
        else:
            self._begin()

    @_guarded(lambda: None, writes=True)
    def _begin(self) -> None:
        """Nothing more: the guard starts the log before any call, this one included."""

    def _start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = self._connection()
        connection.execute("PRAGMA journal_mode = WAL")
        version = self.version()
        if version > len(MIGRATIONS):
            self.enabled = False  # a newer bot's file: never written by this one
            raise sqlite3.DatabaseError(
                f"its schema is version {version}, newer than this bot's {len(MIGRATIONS)}"
            )
        for number in range(version + 1, len(MIGRATIONS) + 1):
            try:
                connection.executescript(
                    f"BEGIN IMMEDIATE; {MIGRATIONS[number - 1]}; PRAGMA user_version = {number};"
                    " COMMIT;"
                )
            except sqlite3.Error:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            log.info("question log %s: schema version %d", self.path, number)
        self._ready = True
        self._expire()

    def problem(self) -> str | None:
        """Why the file cannot be used, in a few words, or None; it only reads (for `check`)."""
        if not self.path.is_file():
            return None
        try:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1)) as connection:
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if version > len(MIGRATIONS):
                    return f"its schema is version {version}, newer than this bot's"
                verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.Error as error:
            return str(error)
        return None if verdict == "ok" else f"it is damaged ({verdict})"

    def version(self) -> int:
        """The file's schema version (0 before the first migration)."""
        return self._connection().execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        """Finish the queued writes and close every connection."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    connection.close()
            self._connections.clear()
        self._local = threading.local()

    def writer(self) -> ThreadPoolExecutor:
        """The one thread writes run on, one after another in the order they were handed
        to it: `loop.run_in_executor(log.writer(), log.record, asked)`."""
        with self._lock:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="question-log")
            return self._writer

    # -- writing ------------------------------------------------------------------------

    @_guarded(lambda: False, writes=True)
    def record(self, *asked: Asked) -> bool:
        """Keep questions and their answers, in one transaction (and now and then delete
        what expired); False when the log could not be written."""
        with self._transaction() as connection:
            for question in asked:
                follows = question.follows
                if follows is not None:  # the earlier question may have expired, or be forgotten
                    found = connection.execute("SELECT 1 FROM questions WHERE id = ?", (follows,))
                    follows = follows if found.fetchone() else None
                when = question.asked_at if question.asked_at is not None else self._clock()
                connection.execute(
                    "INSERT OR REPLACE INTO questions (id, guild_id, channel_id, asker_id,"
                    " asked_at, question, follows, answered, quoted, reply_id)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        question.id,
                        question.guild_id,
                        question.channel_id,
                        question.asker_id,
                        int(when),
                        question.question,
                        follows,
                        int(question.answered),
                        "\n".join(question.quoted),
                        question.reply_id,
                    ),
                )
        if self._clock() - self._expired_at >= EXPIRE_EVERY:
            self._expire()
        return True

    @_guarded(lambda: "missing", writes=True)
    def vote(self, question_id: int, voter_id: int, helpful: bool) -> Vote:
        """A member's vote on an answer, one per member, replacing their earlier one."""
        with self._transaction() as connection:
            if not connection.execute(
                "SELECT 1 FROM questions WHERE id = ?", (question_id,)
            ).fetchone():
                return "missing"
            row = connection.execute(
                "SELECT helpful FROM votes WHERE question_id = ? AND voter_id = ?",
                (question_id, voter_id),
            ).fetchone()
            if row is not None and bool(row[0]) == helpful:
                return "same"
            connection.execute(
                "INSERT INTO votes (question_id, voter_id, helpful, voted_at) VALUES (?,?,?,?)"
                " ON CONFLICT (question_id, voter_id) DO UPDATE SET helpful = excluded.helpful,"
                " voted_at = excluded.voted_at",
                (question_id, voter_id, int(helpful), int(self._clock())),
            )
            return "new" if row is None else "changed"

    @_guarded(lambda: "missing", writes=True)
    def watch(self, question_id: int, member_id: int) -> Watch:
        """Note that a member wants to be told when an article answers this question."""
        with self._transaction() as connection:
            row = connection.execute(
                "SELECT answered_by FROM questions WHERE id = ?", (question_id,)
            ).fetchone()
            if row is None:
                return "missing"
            if row[0] is not None:
                return "answered"
            done = connection.execute(
                "INSERT OR IGNORE INTO watchers (question_id, member_id, since) VALUES (?,?,?)",
                (question_id, member_id, int(self._clock())),
            )
            return "new" if done.rowcount else "same"

    @_guarded(lambda: None, writes=True)
    def forget(self, member_id: int) -> Forgotten | None:
        """Delete everything logged about one member, in every server: their questions
        (and the votes and watchers on them), their votes and what they watch. None when
        the log cannot be written."""
        with self._transaction() as connection:
            votes = connection.execute("DELETE FROM votes WHERE voter_id = ?", (member_id,))
            watches = connection.execute("DELETE FROM watchers WHERE member_id = ?", (member_id,))
            questions = connection.execute("DELETE FROM questions WHERE asker_id = ?", (member_id,))
            return Forgotten(questions.rowcount, votes.rowcount, watches.rowcount)

    @_guarded(list, writes=True)
    def resolve(self, ids: Sequence[int], by: str) -> list[int]:
        """Mark open questions as answered by the article `by`; the ids marked now."""
        marked = []
        with self._transaction() as connection:
            for question_id in ids:
                done = connection.execute(
                    "UPDATE questions SET answered_by = ?, answered_at = ?"
                    " WHERE id = ? AND answered_by IS NULL",
                    (by, int(self._clock()), question_id),
                )
                if done.rowcount:
                    marked.append(question_id)
        return marked

    @_guarded(lambda: False, writes=True)
    def claim_notice(self, question_id: int, member_id: int) -> bool:
        """True for exactly one caller, once: the notice is then theirs to send."""
        with self._transaction() as connection:
            done = connection.execute(
                "UPDATE watchers SET notified_at = ?"
                " WHERE question_id = ? AND member_id = ? AND notified_at IS NULL",
                (int(self._clock()), question_id, member_id),
            )
            return done.rowcount == 1

    @_guarded(lambda: 0, writes=True)
    def expire(self) -> int:
        """Delete the questions older than the log keeps them (their votes go with them)."""
        return self._expire()

    def _expire(self) -> int:
        self._expired_at = self._clock()
        with self._transaction() as connection:
            done = connection.execute(
                "DELETE FROM questions WHERE asked_at < ?", (int(self._since(self.days)),)
            )
        if done.rowcount:
            log.info(
                "question log: deleted %d questions older than %d days", done.rowcount, self.days
            )
        return done.rowcount

    # -- reading ------------------------------------------------------------------------

    @_guarded(lambda: None)
    def find(self, question_id: int) -> Logged | None:
        """A logged question with the questions it follows (as `after`) and its votes."""
        rows = self._logged("q.id = ?", (question_id,))
        return rows[0] if rows else None

    @_guarded(lambda: None)
    def unanswered(self, guild_id: int | None, days: int | None = None) -> list[Logged] | None:
        """The questions of the last `days` (at most the log's) in one server, that the bot
        could not answer or whose answer got more Not helpful votes than Helpful ones, and
        that no article added since answers. `guild_id` None: every server and DM.
        None when the log cannot be read."""
        where = (
            "q.asked_at >= ? AND q.answered_by IS NULL AND (q.answered = 0"
            " OR (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.helpful = 0)"
            " > (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.helpful = 1))"
        )
        values: tuple = (int(self._since(min(days or self.days, self.days))),)
        if guild_id is not None:
            where += " AND q.guild_id = ?"
            values += (guild_id,)
        return self._logged(where, values)

    def open_questions(self) -> list[Logged]:
        """Every server's unanswered questions (see `unanswered`), for asking them again."""
        return self.unanswered(None) or []

    @_guarded(list)
    def notices(self) -> list[Notice]:
        """The members to tell that a question they watch is answered, not yet told."""
        with self._read() as connection:
            pairs = connection.execute(
                "SELECT w.question_id, w.member_id FROM watchers w JOIN questions q"
                " ON q.id = w.question_id WHERE q.answered_by IS NOT NULL"
                " AND w.notified_at IS NULL ORDER BY q.answered_at, w.since"
            ).fetchall()
        found = {q.id: q for q in self._logged_ids([p[0] for p in pairs])}
        return [Notice(member, found[question]) for question, member in pairs if question in found]

    @_guarded(lambda: 0)
    def count(self) -> int:
        """How many questions the log holds."""
        with self._read() as connection:
            return connection.execute("SELECT count(*) FROM questions").fetchone()[0]

    def _logged_ids(self, ids: Sequence[int]) -> list[Logged]:
        found: list[Logged] = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found += self._logged(f"q.id IN ({','.join('?' * len(part))})", tuple(part))
        return found

    def _logged(self, where: str, values: tuple) -> list[Logged]:
        with self._read() as connection:
            rows = connection.execute(
                "SELECT q.id, q.guild_id, q.channel_id, q.asker_id, q.asked_at, q.question,"
                " q.follows, q.answered, q.quoted, q.reply_id, q.answered_by,"
                " (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.helpful = 1),"
                " (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.helpful = 0)"
                f" FROM questions q WHERE {where} ORDER BY q.asked_at, q.id",
                values,
            ).fetchall()
            return [
                Logged(
                    *row[:7],
                    answered=bool(row[7]),
                    quoted=tuple(row[8].split("\n")) if row[8] else (),
                    reply_id=row[9],
                    answered_by=row[10],
                    after=self._chain(connection, row[6]),
                    helpful=row[11],
                    unhelpful=row[12],
                )
                for row in rows
            ]

    @staticmethod
    def _chain(connection: sqlite3.Connection, question_id: int | None) -> str | None:
        """The question `question_id` and those it follows, oldest first, as one text."""
        if question_id is None:
            return None
        rows = connection.execute(
            "WITH RECURSIVE up(id, question, follows, depth) AS ("
            " SELECT id, question, follows, 0 FROM questions WHERE id = ?"
            " UNION ALL SELECT q.id, q.question, q.follows, up.depth + 1"
            " FROM questions q JOIN up ON q.id = up.follows WHERE up.depth < ?)"
            " SELECT question FROM up ORDER BY depth DESC",
            (question_id, CHAIN_KEPT - 1),
        ).fetchall()
        return " ".join(row[0] for row in rows) or None

    # -- the shared steps ----------------------------------------------------------------

    def _since(self, days: int) -> float:
        return self._clock() - days * DAY

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection to the file (each thread has its own)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # transactions are begun explicitly
                check_same_thread=False,  # used by one thread; closed by `close`
            )
            try:
                connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                connection.execute("PRAGMA foreign_keys = ON")
                connection.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error:
                connection.close()
                raise
            with self._lock:
                self._connections.append(connection)
            self._local.connection = connection
        return connection

    @contextlib.contextmanager
    def _transaction(self):
        """A write transaction on this thread's connection, rolled back if anything fails."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextlib.contextmanager
    def _read(self):
        """A read transaction, so a question and the questions it follows agree."""
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("COMMIT")

    def _forget_everything(self) -> None:
        """Logging is off: questions logged before are past keeping, so they are deleted."""
        if not self.path.is_file():
            return
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=1)) as connection:
                connection.execute("PRAGMA foreign_keys = ON")
                with connection:
                    connection.execute("DELETE FROM questions")
            log.info("question logging is off: deleted the questions logged in %s", self.path)
        except sqlite3.Error as error:
            log.error("question logging is off, but %s could not be emptied: %s", self.path, error)

    def _failed(self, error: BaseException) -> None:
        why = str(error) or type(error).__name__
        with self._lock:
            first, self._failing = self._failing is None, why
        if first:
            log.error(
                "the question log %s cannot be used (%s): questions are still answered, but "
                "not logged until it works again; if it is damaged, move it away and restart",
                self.path,
                why,
            )

    def _worked(self) -> None:
        if self._failing is None:
            return
        with self._lock:
            was, self._failing = self._failing, None
        if was is not None:
            log.warning("the question log %s works again", self.path)


def group(questions: Iterable[Logged]) -> list[Group]:
    """Questions worded alike together (the same words, or most of them, and the same
    earlier question), most asked first; each group shows its commonest wording."""
    wordings: dict[tuple[frozenset[str], str | None], list[Logged]] = {}
    for question in questions:
        key = (frozenset(tokenize(question.question)), question.after)
        wordings.setdefault(key, []).append(question)
    clusters: list[tuple[frozenset[str], str | None, list[Logged]]] = []
    for (terms, after), found in sorted(wordings.items(), key=lambda item: -len(item[1])):
        for seen, seen_after, members in clusters:
            if seen_after == after and _alike(seen, terms):
                members.extend(found)
                break
        else:
            clusters.append((terms, after, list(found)))
    groups = []
    for _, after, found in clusters:
        texts: dict[str, int] = {}
        for question in found:
            texts[question.question] = texts.get(question.question, 0) + 1
        groups.append(
            Group(
                question=max(texts, key=lambda text: texts[text]),
                after=after,
                asked=len(found),
                members=len({q.asker_id for q in found}),
                unanswered=sum(not q.answered for q in found),
                helpful=sum(q.helpful for q in found),
                unhelpful=sum(q.unhelpful for q in found),
                latest=max(q.asked_at for q in found),
                ids=[q.id for q in found],
            )
        )
    return sorted(groups, key=lambda g: (-g.asked, -g.members, -g.latest))


def _alike(one: frozenset[str], other: frozenset[str]) -> bool:
    if one == other:
        return True
    union = one | other
    return bool(union) and len(one & other) / len(union) >= ALIKE
