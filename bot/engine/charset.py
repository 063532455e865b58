"""A fetched page's bytes to text: decoded as the page declares, or as it really is.

A byte-order mark wins. Bytes that are valid UTF-8 are UTF-8, whatever a server or a meta
tag says (Latin-1 text is almost never valid UTF-8, and servers often label UTF-8 pages
"ISO-8859-1" by default), and so is a page that is UTF-8 but for a few stray bytes (read as
windows-1252, as a pasted Latin-1 snippet would be). Then the charset of the Content-Type
header, then the page's own <meta charset> or <?xml encoding>, each only if the bytes
decode under it; and last windows-1252. As browsers do (the WHATWG Encoding standard),
"ISO-8859-1", "Latin-1" and "ASCII" are read as windows-1252, whose curly quotes and
dashes sit where Latin-1 has invisible control codes. Nothing is ever refused: every byte
becomes a character.
"""

from __future__ import annotations

import codecs
import re

# Where a page may declare its charset: a <meta charset=...>, a <meta http-equiv ...
# content="text/html; charset=...">, or an XML declaration; looked for near the top.
_DECLARATION = (
    r"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)"""
)
_DECLARED_BYTES = re.compile(_DECLARATION.encode(), re.IGNORECASE)
_DECLARED_TEXT = re.compile(_DECLARATION, re.IGNORECASE)
_HEAD = 16_384  # how far into a page its declaration is looked for
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that mean windows-1252 on the web, as Python names their codecs.
_WINDOWS_1252 = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})
# windows-1252's characters for the bytes 0x80-0x9F (the five it leaves out stay as Latin-1).
_CP1252_HIGH = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def decode_page(body: bytes, charset: str | None = None, html: bool = True) -> str:
    """`body` as text: by its BOM, as UTF-8 if it is that, else as declared, else windows-1252.

    `charset` is what the server's Content-Type said; an HTML page's own declaration
    counts after it, each only if the bytes decode under it.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    if _mostly_utf8(body):
        return body.decode("utf-8", errors=_STRAY_BYTES)
    header = codec_name(charset)
    declared = [header, *(_declared(body) if html else ())]
    if header and header.startswith("utf-16"):
        declared.insert(0, header)  # (UTF-16 text without a BOM may be valid UTF-8 too)
    else:
        declared.insert(0, "utf-8")
    for codec in declared:
        if codec is None:
            continue
        if codec in _WINDOWS_1252:
            return windows_1252(body)
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return windows_1252(body)


def _mostly_utf8(body: bytes) -> bool:
    """Whether `body` is UTF-8 but for a few stray bytes: it has more characters of two bytes
    or more than bytes that fit no UTF-8 sequence (Latin-1 text makes almost no such sequence)."""
    text = body.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    stray = replaced - body.count("\ufffd".encode())  # less those the page itself has
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - replaced
    return 0 < stray < multibyte


def _stray_as_windows_1252(error: UnicodeDecodeError) -> tuple[str, int]:
    """A byte that fits no UTF-8 sequence, read as windows-1252 (a Latin-1 snippet pasted
    into a UTF-8 page)."""
    return windows_1252(error.object[error.start : error.end]), error.end


_STRAY_BYTES = "newsquote-stray-bytes"
codecs.register_error(_STRAY_BYTES, _stray_as_windows_1252)


def windows_1252(body: bytes) -> str:
    """`body` as browsers read windows-1252 (and Latin-1): every byte is a character."""
    return body.decode("latin-1").translate(_CP1252_HIGH)


def codec_name(label: str | None) -> str | None:
    """Python's name for a charset label ("ISO-8859-1" -> "iso8859-1"), or None if unknown."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


def without_declarations(html: str) -> str:
    """Decoded HTML whose charset declarations say UTF-8, so no parser decodes it again."""
    return _DECLARED_TEXT.sub(_utf8, html[:_HEAD]) + html[_HEAD:]


def _declared(body: bytes) -> list[str | None]:
    """The charsets a page declares in its markup: <meta> tags (where UTF-16 means UTF-8, as
    browsers read it), then an XML declaration, which browsers ignore in HTML."""
    matches = sorted(_DECLARED_BYTES.finditer(body, 0, _HEAD), key=lambda m: m.group(1) is None)
    names = [codec_name((m.group(1) or m.group(2)).decode("ascii")) for m in matches]
    return ["utf-8" if name and name.startswith("utf-16") else name for name in names]


def _utf8(match: re.Match[str]) -> str:
    group = 1 if match.group(1) else 2
    start, end = match.start(group) - match.start(), match.end(group) - match.start()
    return match.group(0)[:start] + "utf-8" + match.group(0)[end:]
