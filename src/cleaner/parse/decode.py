"""Bytes to text, in one place: binary sniffing, one BOM table, and one decoder, :func:`decode`.

The decoder tries named steps in the order of a policy: :data:`TEXT_POLICY` for text dumps
(UTF-16/32 by zero bytes, UTF-8 mixed with cp1252, the transport's label, a guess) and
:data:`HTML_POLICY` for pages (their own ``<meta charset>`` and browsers' label aliases count).
Why two orders, and what one order would change: docs/design.md (Decoding).
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


# -- decoding: one function, the order of its steps a policy -----------------------------------

def decode(data: bytes, policy: tuple[str, ...], http_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding): the first step of ``policy`` (names of :data:`STEPS`, in order) that
    decodes ``data``. ``http_charset``: the transport's label (HTTP Content-Type). Each policy
    ends with a step that always decodes. Why text dumps and pages have two policies:
    docs/design.md (Decoding).

    >>> decode("naïve".encode("utf-16"), TEXT_POLICY), decode("naïve".encode("utf-16"), HTML_POLICY)
    (('naïve', 'utf-16'), ('naïve', 'utf-16-le'))
    """
    for name in policy:
        found = STEPS[name](data, http_charset)
        if found is not None:
            return found
    raise ValueError(f"decoding policy {policy} ends without a step that always decodes")


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """A text dump's bytes decoded by :data:`TEXT_POLICY` (``declared``: the transport's label).

    >>> decode_text("naïve café".encode("cp1252"), declared="windows-1252")
    ('naïve café', 'cp1252')
    >>> decode_text("naïve ".encode("utf-8") + "café".encode("cp1252"))
    ('naïve café', 'utf-8+cp1252')
    """
    return decode(data, TEXT_POLICY, declared)


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """A page's bytes decoded by :data:`HTML_POLICY`.

    >>> decode_html("café".encode("cp1252") + b'<meta charset="windows-1252">')[1]
    'cp1252'
    >>> decode_html("café".encode("utf-8"))
    ('café', 'utf-8')
    >>> decode_html("плохо".encode("koi8-r") + b'<meta charset="cp1251">', http_charset="KOI8-R")
    ('плохо<meta charset="cp1251">', 'koi8-r')
    """
    return decode(data, HTML_POLICY, http_charset)


Decoded = tuple[str, str] | None


def _bom(data: bytes, _label=None) -> Decoded:
    """A byte-order mark, named by its codec (``utf-16-le``)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace"), encoding
    return None


def _bom_family(data: bytes, _label=None) -> Decoded:
    """A byte-order mark, named by its family (``utf-16``, as Python's codec for a marked stream)."""
    found = _bom(data)
    return found and (found[0], found[1].replace("-le", "").replace("-be", ""))


def _wide(data: bytes, _label=None) -> Decoded:
    """UTF-16/32 without a BOM, told by its zero bytes (:func:`wide_encoding`)."""
    wide = wide_encoding(data[:BINARY_SNIFF_BYTES])
    return (data.decode(wide, "replace"), wide) if wide else None


def _strict(data: bytes, encoding: str) -> Decoded:
    """``data`` decoded as ``encoding`` when every byte fits it (and Python knows the codec)."""
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return None


def _utf8(data: bytes, _label=None) -> Decoded:
    """Strict UTF-8: valid multi-byte UTF-8 is almost never anything else, and labels are often wrong."""
    return _strict(data, "utf-8")


def _utf8_mixed(data: bytes, _label=None) -> Decoded:
    """UTF-8 with stray cp1252 bytes (Windows text pasted into a UTF-8 file): at least as many
    bytes in valid UTF-8 sequences as stray ones (in cp1252 text, byte pairs that happen to be
    valid UTF-8 are rare); each invalid byte is read as cp1252."""
    utf8_bytes = sum(len(m) for m in _UTF8_MULTIBYTE.findall(data))
    if utf8_bytes and utf8_bytes >= len(data) - len(data.translate(None, _HIGH_BYTES)) - utf8_bytes:
        return data.decode("utf-8", "cleaner-cp1252"), "utf-8+cp1252"
    return None


def _transport_label(data: bytes, label: str | None) -> Decoded:
    """The transport's label, as Python names the codec, if the bytes decode under it."""
    try:
        return _strict(data, codecs.lookup(label).name) if label else None
    except LookupError:
        return None


def _labels(data: bytes, label: str | None) -> Decoded:
    """The transport's label, then the page's ``<meta charset>`` / http-equiv one (as browsers:
    the transport wins), read with browsers' aliases; UTF-8 and UTF-16 labels are skipped
    (strict UTF-8 came first; a UTF-16 label on 8-bit bytes is wrong)."""
    for name in _page_labels(data, label):
        found = _strict(data, name) if name and name not in ("utf-8", "utf-16-le", "utf-16-be", "utf-16") else None
        if found:
            return found
    return None


def _guess(data: bytes, _label=None) -> Decoded:
    """charset-normalizer's best guess on the first MiB, read with replacement; cp1252 where
    cp1250 ties with it (the letters they share are the common ones; cp1252 is what such files
    on the web almost always are, and what browsers assume)."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:GUESS_SAMPLE_BYTES])
    best = matches.best()
    if best is None:
        return None
    encoding = best.encoding
    if any(m.encoding == "cp1252" and (m.chaos, m.coherence) == (best.chaos, best.coherence) for m in matches):
        encoding = "cp1252"
    return data.decode(encoding, "replace"), encoding


def _guess_strict(data: bytes, _label=None) -> Decoded:
    """charset-normalizer's best guess on the first 200 kB, with browsers' aliases, if the whole
    page decodes under it."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    guessed = _lookup(best.encoding) if best is not None else None
    return _strict(data, guessed) if guessed else None


def _utf8_replace(data: bytes, _label=None) -> Decoded:
    """UTF-8 with replacement characters: the last resort of text dumps."""
    return data.decode("utf-8", errors="replace"), "utf-8-replace"


def _label_or_cp1252(data: bytes, label: str | None) -> Decoded:
    """The first label with replacement characters (UTF-8 declared with a few broken bytes),
    else cp1252 (what browsers assume): the last resort of pages."""
    declared = next((name for name in _page_labels(data, label) if name), None)
    if declared and declared.startswith("utf-8"):
        return data.decode("utf-8", "replace"), "utf-8"
    return data.decode(declared or "cp1252", "replace"), declared or "cp1252"


STEPS = {"bom": _bom, "bom-family": _bom_family, "wide": _wide, "utf-8": _utf8, "utf-8+cp1252": _utf8_mixed,
         "transport-label": _transport_label, "labels": _labels, "guess": _guess, "guess-strict": _guess_strict,
         "utf-8-replace": _utf8_replace, "label-or-cp1252": _label_or_cp1252}
# Text dumps: no markup to carry a label, often UTF-16 from Windows tools, or UTF-8 with pasted cp1252.
TEXT_POLICY = ("bom-family", "wide", "utf-8", "utf-8+cp1252", "transport-label", "guess", "utf-8-replace")
# Pages: their own <meta> label counts, read as browsers read labels (BOM-less UTF-16 is found by
# the caller, cleaner.parse.record, before it hands the page over as text).
HTML_POLICY = ("bom", "utf-8", "labels", "guess-strict", "label-or-cp1252")


# -- labels as browsers read them ------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


def _page_labels(data: bytes, label: str | None) -> list[str | None]:
    """[the transport's label, the page's own], each as browsers read it (None: absent or unknown)."""
    match = _META_CHARSET.search(data[:16384])
    return [_lookup(label) if label else None, _lookup(match.group(1)) if match else None]


def _lookup(label: bytes | str) -> str | None:
    try:
        name = codecs.lookup(label.decode("ascii") if isinstance(label, bytes) else label).name
    except (LookupError, UnicodeDecodeError):
        return None
    return "cp1252" if name in _WINDOWS_1252_ALIASES else name


# WHATWG: these labels mean windows-1252 in browsers, and pages labelled so often use its extras.
_WINDOWS_1252_ALIASES = {"latin-1", "iso8859-1", "ascii", "cp819"}
