"""Bytes to text, in one place: binary sniffing, one BOM table, and the two decoding orders.

:func:`decode_text` (text dumps: UTF-16/32 by zero bytes, UTF-8 mixed with cp1252, the
transport's label, a guess) and :func:`decode_html` (pages: their own ``<meta charset>`` and
browsers' label aliases count) differ where the two kinds of input differ; their outputs are
pinned by the golden tests, so the orders are kept as they are.
"""
from __future__ import annotations

import codecs
import re


BINARY_SNIFF_BYTES = 4096
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
# The one BOM table of both decoders. UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def sniff_kind(data: bytes) -> str:
    head = data[:BINARY_SNIFF_BYTES].lstrip().lower()
    return "html" if head.startswith(_HTML_MARKERS) or b"<html" in head[:1024] else "text"


# Formats that arrive with text-like names; a PDF's head can be plain ASCII, so NUL bytes alone
# would not give it away.
_MAGIC = ((b"%PDF-", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
          (b"\xff\xd8\xff", "a JPEG image"), (b"PK\x03\x04", "a ZIP archive (or docx/xlsx/epub)"),
          (b"\x7fELF", "an ELF executable"), (b"\xd0\xcf\x11\xe0", "an old Office document"),
          (b"\x1f\x8b", "a gzip file"), (b"\x28\xb5\x2f\xfd", "a zstd file"), (b"7z\xbc\xaf", "a 7-Zip archive"),
          (b"Rar!", "a RAR archive"), (b"wOF", "a web font"), (b"\x00asm", "a WebAssembly module"),
          (b"OggS", "an Ogg file"))
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1b")
BINARY_CONTROL_SHARE = 0.1  # text with a few stray NULs is decoded (normalisation drops them); more is data


def binary_kind(data: bytes) -> str | None:
    r"""What the bytes are when they are not text (an image, a PDF, an executable, ...), else None.

    >>> binary_kind(b"%PDF-1.7 ..."), binary_kind(b"MZ\x90\x00\x03\x00\x00\x00")
    ('a PDF document', 'binary data (NUL or control bytes)')
    >>> binary_kind("naïve".encode("utf-16-le")) is None, binary_kind(b"text\x00 with one NUL") is None
    (True, True)
    """
    head = data[:BINARY_SNIFF_BYTES]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) or wide_encoding(head):
        return None
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return "binary data (NUL or control bytes)" if controls > BINARY_CONTROL_SHARE * len(head) else None


def looks_binary(data: bytes) -> bool:
    return binary_kind(data) is not None


def wide_encoding(head: bytes) -> str | None:
    r"""UTF-16 or UTF-32 without a BOM, told by where the zero bytes fall: Latin-script text in
    UTF-16-LE has one after every character (``a\0b\0``), UTF-32-LE three.

    >>> wide_encoding("Hello, world".encode("utf-16-le")), wide_encoding("Hello".encode("utf-32-be"))
    ('utf-16-le', 'utf-32-be')
    >>> wide_encoding(b"plain ascii") is None
    True
    """
    head = head[:BINARY_SNIFF_BYTES - BINARY_SNIFF_BYTES % 4]
    n = len(head) // 4
    if n < 2:
        return None
    zeros = [head[i::4].count(0) / n for i in range(4)]  # share of zero bytes at each position mod 4

    def high(*positions):
        return all(zeros[p] > 0.9 for p in positions)

    def low(*positions):
        return all(zeros[p] < 0.1 for p in positions)

    for encoding, test in (("utf-32-le", high(1, 2, 3) and low(0)), ("utf-32-be", high(0, 1, 2) and low(3)),
                           ("utf-16-le", zeros[1] > 0.3 and zeros[3] > 0.3 and low(0, 2)),
                           ("utf-16-be", zeros[0] > 0.3 and zeros[2] > 0.3 and low(1, 3))):
        if test:
            try:
                head.decode(encoding)
                return encoding
            except UnicodeDecodeError:
                return None
    return None


def _legacy_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: the bytes that are not UTF-8 read one by one as cp1252 (latin-1 for
    the five bytes cp1252 leaves undefined) -- a file of UTF-8 with pasted-in Windows text."""
    bad = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", "strict") if b not in b"\x81\x8d\x8f\x90\x9d" else chr(b)
                   for b in bad), error.end


codecs.register_error("cleaner-cp1252", _legacy_bytes)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTES = bytes(range(0x80, 0x100))
GUESS_SAMPLE_BYTES = 1 << 20  # charset-normalizer reads this much: its guess costs time per byte


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): by BOM, else UTF-16/32 told by its zero bytes, else UTF-8, else UTF-8
    with stray cp1252 bytes, else the ``declared`` charset (HTTP Content-Type), else the best
    guess of charset-normalizer.

    Strict UTF-8 comes before a declared label: valid multi-byte UTF-8 is almost never
    anything else, and labels are often wrong. A file that has valid multi-byte UTF-8 *and*
    bytes that are not UTF-8 is a mix (Windows text pasted into a UTF-8 file): each invalid
    byte is read as cp1252 rather than the whole file as one or the other.

    >>> decode_text("naïve".encode("utf-16"))
    ('naïve', 'utf-16')
    >>> decode_text("naïve café".encode("cp1252"), declared="windows-1252")
    ('naïve café', 'cp1252')
    >>> decode_text("naïve ".encode("utf-8") + "café".encode("cp1252"))
    ('naïve café', 'utf-8+cp1252')
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace"), encoding.replace("-le", "").replace("-be", "")
    wide = wide_encoding(data[:BINARY_SNIFF_BYTES])
    if wide:
        return data.decode(wide, "replace"), wide
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf8_bytes = sum(len(m) for m in _UTF8_MULTIBYTE.findall(data))
    if utf8_bytes and utf8_bytes >= len(data) - len(data.translate(None, _HIGH_BYTES)) - utf8_bytes:
        # at least as many bytes in valid UTF-8 sequences as stray ones: a mix, not a legacy
        # file (in cp1252 text, byte pairs that happen to be valid UTF-8 are rare)
        return data.decode("utf-8", "cleaner-cp1252"), "utf-8+cp1252"
    if declared:
        try:
            encoding = codecs.lookup(declared).name
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:GUESS_SAMPLE_BYTES])
    best = matches.best()
    if best is None:
        return data.decode("utf-8", errors="replace"), "utf-8-replace"
    encoding = best.encoding
    # On Western text cp1250 and cp1252 often tie (the letters they share are the common ones);
    # cp1252 is what such files on the web almost always are, and what browsers assume.
    if any(m.encoding == "cp1252" and (m.chaos, m.coherence) == (best.chaos, best.coherence) for m in matches):
        encoding = "cp1252"
    return data.decode(encoding, "replace"), encoding


# -- HTML pages: the page's own labels count, and browsers' aliases apply --------------------

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


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
    for bom, encoding in BOMS:
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
