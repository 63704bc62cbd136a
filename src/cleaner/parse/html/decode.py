"""Decoding an HTML page's bytes: BOM, HTTP charset, <meta charset>, then a detector."""
from __future__ import annotations

import codecs
import re


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _lookup(label: bytes | str) -> str | None:
    try:
        name = codecs.lookup(label.decode("ascii") if isinstance(label, bytes) else label).name
    except (LookupError, UnicodeDecodeError):
        return None
    return "cp1252" if name in _WINDOWS_1252_ALIASES else name


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode raw page bytes; return ``(text, encoding used)``.

    Order: BOM; strict UTF-8 (valid multi-byte UTF-8 is almost never anything else, and
    pages and servers often lie in their labels); the HTTP Content-Type charset (as browsers,
    it beats the page's own label); the ``<meta charset>`` / http-equiv label;
    charset-normalizer's guess; cp1252 with replacement.

    >>> decode_html("café".encode("cp1252") + b'<meta charset="windows-1252">')[1]
    'cp1252'
    >>> decode_html("café".encode("utf-8"))
    ('café', 'utf-8')
    >>> decode_html("плохо".encode("koi8-r") + b'<meta charset="cp1251">', http_charset="KOI8-R")
    ('плохо<meta charset="cp1251">', 'koi8-r')
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(data[:16384])
    labels = [_lookup(http_charset) if http_charset else None, _lookup(match.group(1)) if match else None]
    for label in labels:
        if label and label not in ("utf-8", "utf-16-le", "utf-16-be", "utf-16"):
            try:
                return data.decode(label), label
            except (UnicodeDecodeError, LookupError):
                pass
    declared = next((label for label in labels if label), None)
    guessed = _detect(data)
    if guessed:
        try:
            return data.decode(guessed), guessed
        except (UnicodeDecodeError, LookupError):
            pass
    if declared and declared.startswith("utf-8"):  # declared UTF-8 with a few broken bytes
        return data.decode("utf-8", "replace"), "utf-8"
    return data.decode(declared or "cp1252", "replace"), declared or "cp1252"


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # optional: without it the cp1252 fallback applies
        return None
    best = from_bytes(data[:200_000]).best()
    return _lookup(best.encoding) if best is not None else None


# WHATWG: these labels mean windows-1252 in browsers, and pages labelled so often use its extras.
_WINDOWS_1252_ALIASES = {"latin-1", "iso8859-1", "ascii", "cp819"}
