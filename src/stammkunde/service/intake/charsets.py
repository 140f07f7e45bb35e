"""Decoding text whatever charset a mail claims: aliases for names mail clients use, a fallback
for unknown ones, and a decoder that survives bytes of a second charset inside a part."""

from __future__ import annotations

import codecs
import re
from email.header import decode_header

# Names seen in real mail that Python's codec registry does not know (or knows as something
# else). "iso-10646" and "iso-gb2312" parts hold UTF-8 in practice (fixtures in tests).
_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "utf7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "iso-10646": "utf-8",
    "iso-10646-1": "utf-8",
    "iso-gb2312": "utf-8",
    "x-user-defined": "cp1252",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "cp1252",  # 8-bit bytes in "ASCII" mail are Windows text more often than not
    "iso-8859-1": "cp1252",  # what Windows clients really send under this label (WHATWG)
    "latin1": "cp1252",
    "ks_c_5601-1987": "cp949",
}


def _fallback_to_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes a UTF-8 part cannot hold as Windows-1252 (a signature pasted in Latin-1)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("stammkunde-cp1252", _fallback_to_cp1252)

_SURROGATE = re.compile("[\udc80-\udcff]")
_FOLD = re.compile(r"\r?\n[ \t]+")


def codec_name(charset: str | None) -> str | None:
    """The Python codec for a declared charset, or None when it is unknown."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text of ``data`` in its declared ``charset``; UTF-8 (with Windows-1252 for stray bytes)
    when the charset is unknown, missing or wrong."""
    codec = codec_name(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("utf-8", errors="stammkunde-cp1252")


def raw_header_text(value: object) -> str:
    """A header's text with raw 8-bit bytes read (as ``decode_header_value``) and folding
    undone, but RFC 2047 words left encoded: an address header's structure (names, addresses,
    commas) is parsed from this, and only then each display name decoded. Decoded first, an
    encoded name such as ``=?utf-8?q?kunde=40gmail=2Ecom?= <a@evil.example>`` reads as the
    address kunde@gmail.com, which is not the address the sending server vouched for."""
    if value is None:
        return ""
    text = str(value)
    if not text.isascii() and _SURROGATE.search(text):
        text = decode_bytes(text.encode("ascii", "surrogateescape"), "utf-8")
    return " ".join(text.split())


def decode_header_value(value: object) -> str:
    """A header's text: RFC 2047 words decoded (adjacent words joined, unknown charsets
    guessed), raw 8-bit bytes read as UTF-8 or Windows-1252, folding undone."""
    if value is None:
        return ""
    text = str(value)
    # Raw 8-bit header bytes arrive as surrogate escapes (compat32 parsing); an ASCII header
    # (nearly all of them) needs no look.
    if not text.isascii() and _SURROGATE.search(text):
        text = decode_bytes(text.encode("ascii", "surrogateescape"), "utf-8")
    if "=?" not in text:
        # No encoded word: what decode_header would return unchanged, whitespace collapsed.
        return " ".join(text.split())
    # Unfold first: an encoded word may have been folded in the middle (Exchange does).
    text = _FOLD.sub(" ", text)
    try:
        parts = decode_header(text)
    except Exception:  # a broken encoded word: show the header as it came
        return " ".join(text.split())
    pieces: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            pieces.append(decode_bytes(chunk, charset or "utf-8"))
        else:
            pieces.append(chunk)
    return " ".join("".join(pieces).split())
