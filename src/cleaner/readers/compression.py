"""Decompressing gzip and zstd streams, every member or frame, for the JSON Lines and WARC readers."""
from __future__ import annotations

import io
import zlib
from typing import BinaryIO


GZIP_MAGIC, ZSTD_MAGIC = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"


class _Decompressing(io.RawIOBase):
    """Decompress every gzip member or zstd frame of a stream, handing out what was
    decompressed before a cut: a stream that ends inside a member/frame raises ``EOFError``
    only once the data before the cut has been read. (``gzip.GzipFile`` raises with up to a
    buffer of good data undelivered; zstandard's stream reader ends silently, losing the tail
    unseen.) Output per step is bounded: 1 MiB for gzip, one 16 KiB input chunk for zstd."""

    def __init__(self, raw: BinaryIO, codec: str):
        self._raw, self._codec = raw, codec
        if codec == "zstd":
            try:
                import zstandard
            except ImportError:
                raise ImportError("reading .zst files needs zstandard: pip install zstandard") from None
            self._new, self._errors = (lambda: zstandard.ZstdDecompressor().decompressobj()), (zstandard.ZstdError,)
        else:
            self._new, self._errors = (lambda: zlib.decompressobj(31)), (zlib.error,)
        self._dobj = None  # None between two members/frames
        self._input = b""
        self._pending, self._at = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._at >= len(self._pending):
            if not self._input:
                self._input = self._raw.read(1 << 14)
                if not self._input:
                    if self._dobj is not None:
                        raise EOFError(f"the {self._codec} stream ends inside a compressed block")
                    return 0
            if self._dobj is None:
                self._dobj = self._new()
            dobj = self._dobj
            try:
                if self._codec == "gzip":
                    out = dobj.decompress(self._input, 1 << 20)
                    rest = dobj.unused_data if dobj.eof else dobj.unconsumed_tail
                else:
                    out = dobj.decompress(self._input)
                    rest = dobj.unused_data if dobj.eof else b""
            except self._errors as exc:
                raise OSError(f"corrupt {self._codec} data: {exc}") from None
            self._input, self._pending, self._at = rest, out, 0
            if dobj.eof:
                self._dobj = None
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = self._pending[self._at:self._at + n]
        self._at += n
        return n


def open_decompressed(f: BinaryIO) -> BinaryIO:
    """A buffered binary stream of ``f``'s content, decompressed by its magic bytes (not its
    name: files get renamed). Truncation raises ``EOFError``, corruption ``OSError``."""
    buffered = f if isinstance(f, io.BufferedReader) else io.BufferedReader(f)
    magic = buffered.peek(4)[:4]
    if magic.startswith(GZIP_MAGIC):
        return io.BufferedReader(_Decompressing(buffered, "gzip"), 1 << 16)
    if magic.startswith(ZSTD_MAGIC):
        return io.BufferedReader(_Decompressing(buffered, "zstd"), 1 << 16)
    return buffered
