"""A page's bytes to text: as the page declares, or as it really is, and never refused."""

from __future__ import annotations

import codecs

import pytest

from bot.engine.charset import decode_page, without_declarations

TEXT = "Rosa Peña said “we will not help” – and the café stayed shut."


def test_utf8_is_utf8_whatever_the_label_says():
    """A UTF-8 page that its server calls ISO-8859-1 is not read as "PeÃ±a"."""
    assert decode_page(TEXT.encode("utf-8"), "ISO-8859-1") == TEXT


@pytest.mark.parametrize("label", ["iso-8859-1", "latin-1", "us-ascii", "windows-1252", None])
def test_latin_1_labels_are_read_as_windows_1252(label):
    """Curly quotes and dashes from a "Latin-1" page come out as quotes, not control codes."""
    assert decode_page(TEXT.encode("cp1252"), label) == TEXT


def test_a_page_that_wrongly_says_utf8_is_read_as_it_is():
    """A windows-1252 page behind a "charset=utf-8" header and meta tag keeps its accents."""
    raw = b'<meta charset="utf-8"><p>' + TEXT.encode("cp1252") + b"</p>"
    assert TEXT in decode_page(raw, "utf-8")


def test_the_page_declares_its_own_charset():
    """With no charset from the server, a <meta> tag's is used (here Polish windows-1250)."""
    polish = "Zażółć gęślą jaźń, powiedział burmistrz."
    raw = b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">'
    assert polish in decode_page(raw + polish.encode("cp1250"))


def test_utf8_with_a_few_stray_bytes_stays_utf8():
    """A UTF-8 page with one pasted Latin-1 word keeps both its Polish and its "Peña"."""
    raw = ("Zażółć gęślą jaźń. " * 3).encode() + "Peña".encode("latin-1")
    assert decode_page(raw, "utf-8") == "Zażółć gęślą jaźń. " * 3 + "Peña"


def test_a_byte_order_mark_wins():
    """UTF-16 with its BOM is read as UTF-16, whatever the meta tag says."""
    raw = codecs.BOM_UTF16_LE + f'<meta charset="iso-8859-1">{TEXT}'.encode("utf-16-le")
    assert decode_page(raw).endswith(TEXT)


def test_every_byte_becomes_a_character():
    """Bytes that no charset fits (the five windows-1252 leaves out) are still read."""
    raw = bytes(range(256))
    assert len(decode_page(raw, "windows-1252")) == 256


def test_decoded_html_says_utf8_so_no_parser_decodes_it_again():
    """After decoding, the page's own declarations name UTF-8, and nothing else changes."""
    html = '<?xml version="1.0" encoding="ISO-8859-1"?><meta charset=windows-1252><p>Peña</p>'
    assert without_declarations(html) == (
        '<?xml version="1.0" encoding="utf-8"?><meta charset=utf-8><p>Peña</p>'
    )
