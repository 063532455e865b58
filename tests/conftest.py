"""Shared fixtures for the Discord tests: the bundled engine, and the bot for simcord."""

from __future__ import annotations

import contextlib
import gzip
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import discord
import pytest

from bot.discord.app import create_bot
from bot.discord.settings import Settings
from bot.engine.answer import Engine
from bot.engine.corpus import BUNDLED_CORPUS

OWNER_ID = 1  # nobody in a test world unless a test makes someone the owner


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "bot_settings(copy_corpus=False, articles={}, **fields): Settings fields for simcord_bot; "
        "copy_corpus copies the bundled corpus to tmp_path, adds `articles` (name: text) "
        "and has the bot index it at start-up",
    )


@pytest.fixture(scope="session")
def bundled_engine() -> Engine:
    """The bundled corpus, indexed once for every test that does not change it."""
    return Engine.load(BUNDLED_CORPUS)


@pytest.fixture
def simcord_bot(request: pytest.FixtureRequest, bundled_engine: Engine, tmp_path: Path):
    """The real bot from create_bot, configured by the test's bot_settings marker."""
    marker = request.node.get_closest_marker("bot_settings")
    fields = dict(marker.kwargs) if marker else {}
    engine: Engine | None = bundled_engine
    if fields.pop("copy_corpus", False):
        folder = tmp_path / "corpus"
        shutil.copytree(BUNDLED_CORPUS, folder, ignore=shutil.ignore_patterns(".*"))
        for name, text in fields.pop("articles", {}).items():
            (folder / name).write_text(text, encoding="utf-8")
        fields["corpus_dir"] = folder
        engine = None  # the bot indexes the copy in setup_hook, as in production
    fields.setdefault("owner_ids", frozenset({OWNER_ID}))
    fields.setdefault("data_dir", tmp_path / "data")  # never the project's own data/
    return create_bot(Settings(**fields), engine)


class World:
    """A guild with a #general channel, a member, a moderator and the owner's account."""

    def __init__(self, env) -> None:
        self.env = env
        self.guild = env.create_guild()
        self.channel = self.guild.create_text_channel("general")
        mods = self.guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
        self.alice = self.guild.add_member(env.create_user("alice"))
        self.bob = self.guild.add_member(env.create_user("bob"))
        self.mod = self.guild.add_member(env.create_user("mod"), roles=[mods])
        self.owner = self.guild.add_member(env.create_user("owner"))
        env.bot.owner_ids = {self.owner.id}

    async def sync(self) -> None:
        """The owner publishes the slash commands again (the bot already did at start)."""
        await self.owner.send(self.channel, "!sync")


@pytest.fixture
def world(simcord_env) -> World:
    return World(simcord_env)


class OtherServer:
    """A second server with its own admin (Manage Server), who is not in the first server."""

    def __init__(self, env) -> None:
        self.guild = env.create_guild("Server B")
        self.channel = self.guild.create_text_channel("lobby")
        admins = self.guild.create_role(
            "Admins", permissions=discord.Permissions(manage_guild=True)
        )
        self.admin = self.guild.add_member(env.create_user("planter"), roles=[admins])


def engine_of(folder: Path, articles: dict[str, str]) -> Engine:
    """An engine over `articles` (file name -> text), written into `folder`."""
    for name, text in articles.items():
        (folder / name).write_text(text)
    return Engine.load(folder)


def long_articles(count: int = 6) -> dict[str, str]:
    """Articles whose paragraphs are single sentences of thousands of characters.

    Titles, outlets and links are long too, and the text pings @everyone, so every
    Discord limit and the mention guard are exercised.
    """
    articles = {}
    for n in range(1, count + 1):
        run_on = ", ".join(
            f"the police department of district {n * 100 + i} refused to help the ICE raids"
            for i in range(60)
        )
        title = f"Report {n}: " + " ".join(["Police departments refused ICE raids"] * 8)
        url = f"https://example.com/news/{n}/" + "police-departments-refused-ice-raids-" * 6
        articles[f"long-{n}.md"] = (
            f"---\ntitle: {title}\noutlet: The Very Long Named Daily Gazette Number {n}\n"
            f"date: 2019-06-2{n % 10}\nurl: {url}\n---\n\n"
            f"@everyone in district {n}: {run_on}.\n\n"
            f"Officials in *district {n}* said {run_on}.\n\n"
            f"Police departments refused, said the report on district {n}; {run_on}.\n"
        )
    return articles


PAGES = Path(__file__).resolve().parent / "pages"
NEWS_PATH = "/news/2019/06/23/quahog-sheriff-ice-raids.html"


class NewsSite:
    """A news website of our own on 127.0.0.1, for adding articles by link.

    It serves the pages in tests/pages plus redirects, an oversized page, a PDF and a
    slow page, and records every request it receives (path and Host header).
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.oversized = 6_000_000  # bytes of the /huge pages, over fetch.MAX_BYTES
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, self.headers.get("Host", "")))
                # The client may stop reading, as it should for oversized pages.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    site.serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        redirects = {
            "/share/quahog": "/amp/quahog",
            "/amp/quahog": NEWS_PATH,
            "/go/1": "/go/2",
            "/go/2": "http://10.20.30.40/news/quahog.html",
            "/go/home-router": "http://192.168.1.1/",
            "/go/ipv6-loopback": f"http://[::1]:{self.port}{NEWS_PATH}",
            "/go/multicast": "http://224.0.0.1/news.html",
            "/go/ftp": "ftp://files.quahogjournal.example/story.txt",
            "/go/intranet": f"http://intranet.quahog.example:{self.port}{NEWS_PATH}",
        }
        if path in redirects:
            self._send(handler, 302, "text/html", b"", Location=redirects[path])
        elif path.startswith("/loop/"):
            step = int(path.rsplit("/", 1)[1])
            self._send(handler, 301, "text/html", b"", Location=f"/loop/{step + 1}")
        elif path == NEWS_PATH:
            self._send(handler, 200, "text/html; charset=utf-8", (PAGES / "news.html").read_bytes())
        elif path == "/news/local":
            body = (PAGES / "section.html").read_bytes()
            self._send(handler, 200, "text/html; charset=utf-8", body)
        elif path == "/notes.txt":
            body = (PAGES / "notes.txt").read_bytes()
            self._send(handler, 200, "text/plain; charset=utf-8", body)
        elif path == "/report.pdf":
            self._send(handler, 200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        elif path == "/huge-declared.html":
            self._send(handler, 200, "text/html", b"", length=self.oversized)
        elif path == "/huge-streamed.html":
            # No Content-Length: the body ends when the connection closes.
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.end_headers()
            handler.wfile.write(b"<html><body><article>")
            paragraph = b"<p>" + b"The sheriff said deputies would not take part. " * 20 + b"</p>"
            for _ in range(self.oversized // len(paragraph) + 1):
                handler.wfile.write(paragraph)
        elif path == "/huge-gzip.html":
            # A few kilobytes on the wire that inflate past the limit.
            body = gzip.compress(b"<html><body>" + b" " * self.oversized + b"</body></html>")
            self._send(handler, 200, "text/html", body, **{"Content-Encoding": "gzip"})
        elif path == "/slow.html":
            time.sleep(2)
            self._send(handler, 200, "text/html", (PAGES / "news.html").read_bytes())
        else:
            self._send(handler, 404, "text/html", b"<h1>Not found</h1>")

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        kind: str,
        body: bytes,
        length: int | None = None,
        **headers: str,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    """Our news website, started for the test and stopped after it."""
    site = NewsSite()
    site.thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()
