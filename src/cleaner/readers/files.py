"""Opening input files: special files (FIFOs, sockets, devices) are named and never read, and
an open never blocks, so a FIFO or device cannot hang or flood a run."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


def special_kind(path: Path) -> str | None:
    """What a path is when it is not a regular file or folder (``fifo``, ``socket``,
    ``character-device``, ``block-device``), else None (also when it cannot be stat'ed: the
    reader reports that). Symlinks are followed.

    >>> special_kind(Path("/dev/null")), special_kind(Path("/")), special_kind(Path("/nonexistent"))
    ('character-device', None, None)
    """
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    return _special_kind(mode)


def _special_kind(mode: int) -> str | None:
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return {stat.S_IFIFO: "fifo", stat.S_IFSOCK: "socket", stat.S_IFCHR: "character-device",
            stat.S_IFBLK: "block-device"}.get(stat.S_IFMT(mode), "special-file")


def special_file_message(rel: str, kind: str) -> str:
    return (f"{rel} is a {kind.replace('-', ' ')}, not a regular file: cleaner never reads one (a FIFO or "
            "device can block or stream without end). Save the stream to a file and clean that")


class SpecialFile(OSError):
    """Raised by :func:`open_regular` for a path that is not a regular file."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def open_regular(path: Path) -> BinaryIO:
    """``open(path, "rb")`` that never blocks and never reads a special file: the open does
    not wait for a FIFO's writer, and anything but a regular file raises :class:`SpecialFile`."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = _special_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise SpecialFile(kind)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
