"""Fetching a linked page safely: what is fetched, and the one sentence for each refusal."""

from __future__ import annotations

import ipaddress
import socket
from typing import ClassVar

import pytest

from bot.engine import fetch
from bot.engine.fetch import FetchError, address_kind, check_link, fetch_page
from tests.conftest import NEWS_PATH, PAGES, NewsSite


def one_sentence(text: str) -> bool:
    return text.endswith(".") and "\n" not in text and not text.startswith("Traceback")


@pytest.fixture
def site_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our test site's 127.0.0.1 stands in for a public news site; all else is as in production."""
    real = fetch.address_kind

    def kind(address: fetch.IPAddress) -> str | None:
        return None if str(address) == "127.0.0.1" else real(address)

    monkeypatch.setattr(fetch, "address_kind", kind)


REAL_RESOLVER = fetch.DefaultResolver


class FakeDNS:
    """Name lookups for names of our own (there is no DNS here); the rest as usual."""

    names: ClassVar[dict[str, list[str]]] = {
        "news.quahog.example": ["127.0.0.1"],
        "intranet.quahog.example": ["127.0.0.1", "10.1.2.3"],
    }

    def __init__(self) -> None:
        self.real = REAL_RESOLVER()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list:
        if host.endswith(".example") and host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host not in self.names:
            return await self.real.resolve(host, port, family)
        return [
            {"hostname": host, "host": a, "port": port, "family": family, "proto": 0, "flags": 0}
            for a in self.names[host]
        ]

    async def close(self) -> None:
        await self.real.close()


@pytest.mark.asyncio
async def test_a_page_is_fetched_with_its_type_and_bytes(news_site: NewsSite) -> None:
    """A news page comes back whole, with its address, media type and charset."""
    page = await fetch_page(news_site.url(NEWS_PATH), allow_private=True)
    assert page.url == news_site.url(NEWS_PATH)
    assert (page.content_type, page.charset) == ("text/html", "utf-8")
    assert page.body == (PAGES / "news.html").read_bytes()


@pytest.mark.asyncio
async def test_redirects_are_followed_to_the_article(news_site: NewsSite) -> None:
    """A share link that redirects twice ends on the article, and every hop is requested."""
    page = await fetch_page(news_site.url("/share/quahog"), allow_private=True)
    assert page.url == news_site.url(NEWS_PATH)
    assert news_site.paths == ["/share/quahog", "/amp/quahog", NEWS_PATH]


@pytest.mark.asyncio
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
async def test_loopback_is_refused_by_default_before_connecting(
    news_site: NewsSite, host: str
) -> None:
    """With default settings a link to this machine is refused and never requested."""
    with pytest.raises(FetchError) as refused:
        await fetch_page(news_site.url(NEWS_PATH, host=host))
    message = str(refused.value)
    assert "loopback address, not a public website" in message and one_sentence(message)
    assert news_site.requests == []


@pytest.mark.asyncio
async def test_redirect_to_a_private_address_is_refused(
    news_site: NewsSite, site_is_public: None
) -> None:
    """A redirect chain that ends on a private address stops there, without connecting."""
    with pytest.raises(FetchError) as refused:
        await fetch_page(news_site.url("/go/1"))
    assert str(refused.value) == (
        "The link redirects to http://10.20.30.40/news/quahog.html, and I don't fetch from "
        "10.20.30.40: it is a private address, not a public website."
    )
    assert news_site.paths == ["/go/1", "/go/2"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "kind"),
    [("/go/home-router", "private"), ("/go/ipv6-loopback", "loopback")],
)
async def test_every_redirect_is_checked(
    news_site: NewsSite, site_is_public: None, path: str, kind: str
) -> None:
    """Redirects to a home router or to this machine over IPv6 are refused too."""
    with pytest.raises(FetchError, match=f"it is a {kind} address"):
        await fetch_page(news_site.url(path))
    assert news_site.paths == [path]


@pytest.mark.asyncio
async def test_a_name_resolving_to_a_private_address_is_refused(
    news_site: NewsSite, site_is_public: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host name is judged by the addresses it resolves to, and one private address refuses it."""
    monkeypatch.setattr(fetch, "DefaultResolver", FakeDNS)
    page = await fetch_page(news_site.url(NEWS_PATH, host="news.quahog.example"))
    assert page.body == (PAGES / "news.html").read_bytes()
    assert news_site.requests == [(NEWS_PATH, f"news.quahog.example:{news_site.port}")]
    with pytest.raises(FetchError) as refused:
        await fetch_page(news_site.url("/go/intranet", host="news.quahog.example"))
    assert str(refused.value) == (
        f"The link redirects to http://intranet.quahog.example:{news_site.port}{NEWS_PATH}, "
        "and I don't fetch from intranet.quahog.example (10.1.2.3): it is a private address, "
        "not a public website."
    )
    assert news_site.paths == [NEWS_PATH, "/go/intranet"]
    with pytest.raises(FetchError) as unknown:
        await fetch_page(news_site.url(NEWS_PATH, host="gone.quahog.example"))
    assert str(unknown.value) == "I couldn't find the website gone.quahog.example."


@pytest.mark.asyncio
async def test_multicast_is_refused_even_when_private_addresses_are_allowed(
    news_site: NewsSite,
) -> None:
    """ALLOW_PRIVATE_URLS never opens multicast, reserved or unspecified addresses."""
    with pytest.raises(FetchError, match="it is a multicast address"):
        await fetch_page(news_site.url("/go/multicast"), allow_private=True)
    for link in ("http://0.0.0.0/", "http://240.0.0.1/"):
        with pytest.raises(FetchError, match=r"unspecified|reserved"):
            await fetch_page(link, allow_private=True)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/loop/0", "The link redirects more than 5 times, so I stopped."),
        ("/report.pdf", "That link leads to application/pdf, not to a web page or plain text."),
        ("/huge-declared.html", "That page is larger than 5 MB, so I didn't read it."),
        ("/huge-streamed.html", "That page is larger than 5 MB, so I stopped reading it."),
        ("/huge-gzip.html", "That page is larger than 5 MB, so I stopped reading it."),
        ("/no/such/story.html", "127.0.0.1 answered 404 Not Found instead of the page."),
        (
            "/go/ftp",
            "The link redirects to ftp://files.quahogjournal.example/story.txt, and I "
            "only fetch http and https links, not ftp: links.",
        ),
    ],
)
async def test_unusable_pages_get_one_sentence(
    news_site: NewsSite, path: str, message: str
) -> None:
    """Too many redirects, a PDF, an oversized or inflating page, a missing page: one sentence."""
    with pytest.raises(FetchError) as refused:
        await fetch_page(news_site.url(path), allow_private=True)
    assert str(refused.value) == message
    if path == "/loop/0":
        assert news_site.paths == [f"/loop/{n}" for n in range(6)]


@pytest.mark.asyncio
async def test_a_slow_page_is_given_up(news_site: NewsSite, monkeypatch) -> None:
    """A page slower than the time limit is abandoned with one sentence."""
    monkeypatch.setattr(fetch, "TOTAL_SECONDS", 0.5)
    with pytest.raises(FetchError) as refused:
        await fetch_page(news_site.url("/slow.html"), allow_private=True)
    assert str(refused.value) == "The page did not arrive within 0.5 seconds, so I gave up."


@pytest.mark.asyncio
async def test_nothing_listening_is_one_sentence() -> None:
    """A site that does not answer at all gets one sentence."""
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as refused:
        await fetch_page(f"http://127.0.0.1:{port}/news.html", allow_private=True)
    assert str(refused.value) == "I couldn't connect to 127.0.0.1."


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("ftp://example.com/a.txt", "I only fetch http and https links, not ftp: links."),
        ("javascript:alert(1)", "I only fetch http and https links, not javascript: links."),
        ("example.com/news", "Please paste the whole link, starting with http:// or https://."),
        ("http://", "That link has no website name in it."),
        ("http://[::1", "That is not a web address I can read."),
        (
            "http://10.0.0.8/admin",
            "I don't fetch from 10.0.0.8: it is a private address, not a public website.",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            "I don't fetch from 169.254.169.254: it is a link-local address, not a public website.",
        ),
    ],
)
def test_bad_links_are_refused_before_any_connection(link: str, message: str) -> None:
    """Links that are not http(s) or point inside a network are refused as typed."""
    with pytest.raises(FetchError) as refused:
        check_link(link)
    assert str(refused.value) == message


def test_links_in_angle_brackets_are_read() -> None:
    """A link pasted as <https://...> (Discord's no-preview form) is the plain link."""
    assert str(check_link("<https://news.example.com/story>")) == "https://news.example.com/story"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    """Each address is named for what it is; only public ones are fetched from."""
    assert address_kind(ipaddress.ip_address(address)) == kind
