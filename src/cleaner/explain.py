"""Human view of what cleaning did to one document: the same data as ``removed``."""
from __future__ import annotations

from cleaner.document import Document, Removal, line_spans

_RESET, _DIM, _RED, _GREEN, _CYAN = "\x1b[0m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[36m"


def explain_lines(doc: Document, color: bool = False) -> list[str]:
    """One output line per input line: a marker, the line with removed parts shown, and why.

    Markers: ``  `` kept, ``- `` removed whole, ``~ `` partly removed, ``T `` the title.
    Removed inline text is wrapped as ``[-...-]``.
    """
    text = doc.normalised
    out = []
    removals = sorted(doc.removals)
    for start, end in line_spans(text):
        if start == end:
            out.append("")
            continue
        touching = [r for r in removals if r.start < end and r.end > start]
        covered = _covered(touching, start, end)
        line = text[start:end]
        if not touching:
            out.append(f"  {line}")
            continue
        why = ", ".join(dict.fromkeys(f"{r.rule} {r.category}" + (f" ({r.reason})" if r.reason else "")
                                      for r in touching))
        if covered >= len(line.strip()):
            is_title = all(r.category == "title" for r in touching)
            marker = "T " if is_title else "- "
            body = f"{marker}{line}"
            if color:
                body = f"{_CYAN if is_title else _RED}{body}{_RESET}"
        else:
            body = "~ " + _mark_inline(line, start, touching, color)
        out.append(f"{body}  {_DIM if color else ''}# {why}{_RESET if color else ''}")
    return out


def _covered(removals: list[Removal], start: int, end: int) -> int:
    chars = set()
    for r in removals:
        chars.update(range(max(start, r.start), min(end, r.end)))
    return len(chars)


def _mark_inline(line: str, offset: int, removals: list[Removal], color: bool) -> str:
    pieces, cursor = [], 0
    for r in removals:
        s, e = max(r.start - offset, cursor), min(r.end - offset, len(line))
        if s >= e:
            continue
        pieces.append(line[cursor:s])
        removed = line[s:e]
        pieces.append(f"{_RED}[-{removed}-]{_RESET}" if color else f"[-{removed}-]")
        cursor = e
    pieces.append(line[cursor:])
    return "".join(pieces)
