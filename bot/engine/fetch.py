"""Fetch a web page for a moderator, safely: public addresses only, bounded in time and size.

Only http and https links are fetched. Every host is checked on the addresses it
resolves to, by a resolver that hands aiohttp only addresses it has checked, so the
connection goes to a checked address and a DNS answer cannot change in between.
Redirects are followed one by one and each new location is checked again. A fetch
gives up after MAX_REDIRECTS redirects, TOTAL_SECONDS seconds or MAX_BYTES bytes, and
accepts only HTML or plain text. Every refusal is a FetchError whose message is one
sentence for the moderator.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
TOTAL_SECONDS = 20.0
MAX_BYTES = 5_000_000
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
USER_AGENT = "newsquote-bot (adds a news article a moderator linked to)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(ValueError):
    """A link that will not be fetched, or a page that cannot be used; one sentence."""


class _HostRefused(FetchError):
    """CheckedResolver refused a host name, or could not find it."""


@dataclass(frozen=True)
class Page:
    """What a link led to: the final address, its media type and charset, and the bytes."""

    url: str
    content_type: str
    charset: str | None
    body: bytes


def address_kind(address: IPAddress) -> str | None:
    """Which non-public kind of address this is ("loopback", "private", ...), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "non-public"
    return None


# Addresses no web page lives at; refused even when private addresses are allowed.
_NEVER = frozenset({"unspecified", "multicast", "reserved"})


def refusal(host: str, address: IPAddress, allow_private: bool) -> str | None:
    """The sentence refusing `host` at `address`, or None when it may be fetched."""
    kind = address_kind(address)
    if kind is None or (allow_private and kind not in _NEVER):
        return None
    where = host if host == str(address) else f"{host} ({address})"
    article = "an" if kind[0] in "aeiou" else "a"
    return f"I don't fetch from {where}: it is {article} {kind} address, not a public website."


class CheckedResolver(AbstractResolver):
    """Resolves like aiohttp's default resolver and passes on only addresses allowed to fetch.

    aiohttp connects to the addresses a resolver returns, so what is checked here is
    exactly what gets connected to. Any refused address refuses the whole host.
    """

    def __init__(self, allow_private: bool, inner: AbstractResolver | None = None) -> None:
        self.allow_private = allow_private
        self.inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            results = await self.inner.resolve(host, port, family)
        except OSError:
            raise _HostRefused(f"I couldn't find the website {host}.") from None
        for result in results:
            address = ipaddress.ip_address(result["host"].split("%", 1)[0])
            sentence = refusal(host, address, self.allow_private)
            if sentence:
                raise _HostRefused(sentence)
        return results

    async def close(self) -> None:
        await self.inner.close()


def check_link(text: str, allow_private: bool = False) -> URL:
    """The link as a URL if its scheme and host may be fetched; FetchError says why not.

    A host written as an IP address is checked here (aiohttp does not resolve those);
    names are checked by CheckedResolver when they are resolved.
    """
    try:
        url = URL(text.strip().strip("<>"))  # Discord users wrap links in <> to stop embeds
    except ValueError:
        raise FetchError("That is not a web address I can read.") from None
    if not url.scheme:
        raise FetchError("Please paste the whole link, starting with http:// or https://.")
    if url.scheme not in ("http", "https"):
        raise FetchError(f"I only fetch http and https links, not {url.scheme}: links.")
    if not url.host:
        raise FetchError("That link has no website name in it.")
    try:
        address = ipaddress.ip_address(url.host.split("%", 1)[0])
    except ValueError:
        return url
    sentence = refusal(url.host, address, allow_private)
    if sentence:
        raise FetchError(sentence)
    return url


async def fetch_page(link: str, allow_private: bool = False) -> Page:
    """Fetch `link`, following up to MAX_REDIRECTS checked redirects; FetchError on refusal."""
    url = check_link(link, allow_private)
    try:
        async with asyncio.timeout(TOTAL_SECONDS):
            return await _fetch(url, allow_private)
    except TimeoutError:
        raise FetchError(
            f"The page did not arrive within {TOTAL_SECONDS:g} seconds, so I gave up."
        ) from None


async def _fetch(url: URL, allow_private: bool) -> Page:
    connector = aiohttp.TCPConnector(
        resolver=CheckedResolver(allow_private), use_dns_cache=False, limit=1
    )
    async with aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html, text/plain;q=0.9"},
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,  # never through a proxy from the environment: it would skip the check
    ) as session:
        for hop in range(MAX_REDIRECTS + 1):
            try:
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in _REDIRECTS:
                        url = _next_location(url, response, allow_private)
                        continue
                    return await _read(url, response)
            except _HostRefused as error:
                raise (_after_redirect(url, error) if hop else FetchError(str(error))) from None
            except FetchError:
                raise
            except aiohttp.ClientConnectorCertificateError:
                raise FetchError(f"{url.host}'s security certificate is not valid.") from None
            except aiohttp.ClientConnectorDNSError:
                raise FetchError(f"I couldn't find the website {url.host}.") from None
            except aiohttp.ClientConnectorError:
                raise FetchError(f"I couldn't connect to {url.host}.") from None
            except aiohttp.ClientError as error:
                log.info("fetching %s failed: %r", url, error)
                raise FetchError(f"The connection to {url.host} failed while reading.") from None
    raise FetchError(f"The link redirects more than {MAX_REDIRECTS} times, so I stopped.")


def _next_location(url: URL, response: aiohttp.ClientResponse, allow_private: bool) -> URL:
    location = response.headers.get("Location", "").strip()
    if not location:
        raise FetchError(f"{url.host} answered with a redirect that leads nowhere.")
    try:
        target = url.join(URL(location))
    except ValueError:
        raise FetchError(f"{url.host} redirects to an address I can't read.") from None
    try:
        return check_link(str(target), allow_private)
    except FetchError as error:
        raise _after_redirect(target, error) from None


def _after_redirect(target: URL, error: FetchError) -> FetchError:
    """The refusal of a redirect's target, saying that the link redirected there."""
    why = str(error)
    if not why.startswith("I "):
        why = why[0].lower() + why[1:]
    return FetchError(f"The link redirects to {target.with_query(None)}, and {why}")


async def _read(url: URL, response: aiohttp.ClientResponse) -> Page:
    if response.status != 200:
        reason = f" {response.reason}" if response.reason else ""
        raise FetchError(f"{url.host} answered {response.status}{reason} instead of the page.")
    kind = response.content_type
    if kind not in PAGE_TYPES:
        raise FetchError(f"That link leads to {kind}, not to a web page or plain text.")
    limit = f"{MAX_BYTES // 1_000_000} MB"
    if response.content_length is not None and response.content_length > MAX_BYTES:
        raise FetchError(f"That page is larger than {limit}, so I didn't read it.")
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > MAX_BYTES:
            raise FetchError(f"That page is larger than {limit}, so I stopped reading it.")
    log.info("fetched %s (%s, %d bytes)", url, kind, len(body))
    return Page(url=str(url), content_type=kind, charset=response.charset, body=bytes(body))
