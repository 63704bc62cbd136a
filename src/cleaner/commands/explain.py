"""Human view of what cleaning did to one document: the same data as ``removed``.

Two renderings of one walk over the normalised text: terminal lines (plain, or coloured by
category with ANSI codes) and a self-contained HTML page. Both show, for every removal, the
rule id, the category and the reason (the heuristic's evidence, or the rule's name).
"""
from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass

from cleaner.document import Document, Removal, line_spans


_RESET, _DIM, _BOLD, _STRIKE = "\x1b[0m", "\x1b[2m", "\x1b[1m", "\x1b[9m"
_TITLE_ANSI, _KEPT_ANSI = "\x1b[36m", ""
# One colour per category, so a reviewer sees at a glance which kind of boilerplate went;
# 256-colour codes (every terminal in use today), the hex twins for the HTML page.
CATEGORY_COLOURS = {
    "ads": (196, "#d7263d"), "donation": (208, "#e8730c"), "newsletter": (172, "#b86e00"),
    "share": (135, "#8a4fd1"), "comments": (99, "#6a5acd"), "navigation": (33, "#1f77d0"),
    "caption": (37, "#0f9d8c"), "related": (69, "#4a72c4"), "byline": (130, "#9c5a1e"),
    "dateline": (136, "#8f7a00"), "legal": (244, "#6b7280"), "cookie": (166, "#c2571a"),
    "paywall": (161, "#c2185b"), "social": (171, "#b04fc7"), "tags": (65, "#4f7a4f"),
    "promo": (203, "#e0525a"), "boilerplate": (160, "#b3261e"), "title": (44, "#138a9c"),
}
_DEFAULT_COLOUR = (160, "#b3261e")


def _ansi(category: str) -> str:
    return f"\x1b[38;5;{CATEGORY_COLOURS.get(category, _DEFAULT_COLOUR)[0]}m"


def why(removal: Removal, names: dict[str, str] | None = None) -> str:
    """``RULE category (reason)``: a heuristic's evidence, else the rule's name."""
    reason = removal.reason or (names or {}).get(removal.rule, "")
    return f"{removal.rule} {removal.category}" + (f" ({reason})" if reason else "")


@dataclass(frozen=True, slots=True)
class ExplainedLine:
    marker: str  # "  " kept, "- " removed whole, "~ " partly removed, "T " the headline, "" blank
    text: str
    start: int  # offset of the line in the normalised text
    removals: tuple[Removal, ...]  # the removals touching this line, in text order


def explained_lines(doc: Document) -> list[ExplainedLine]:
    """Every line of the normalised input with the removals that touch it."""
    text = doc.normalised
    removals = sorted(doc.removals)
    out = []
    for start, end in line_spans(text):
        line = text[start:end]
        touching = tuple(r for r in removals if r.start < end and r.end > start)
        if start == end:
            out.append(ExplainedLine("", "", start, ()))
        elif not touching:
            out.append(ExplainedLine("  ", line, start, ()))
        elif _covered(touching, start, end) >= len(line.strip()):
            title = all(r.category == "title" for r in touching)
            out.append(ExplainedLine("T " if title else "- ", line, start, touching))
        else:
            out.append(ExplainedLine("~ ", line, start, touching))
    return out


def explain_lines(doc: Document, color: bool = False, names: dict[str, str] | None = None) -> list[str]:
    """One output line per input line: a marker, the line with removed parts shown, and why.

    Markers: ``  `` kept, ``- `` removed whole, ``~ `` partly removed, ``T `` the title.
    Removed inline text is wrapped as ``[-...-]``. With ``color``, removed text is struck
    through in its category's colour and the reasons are dimmed. A block removed whole over
    several lines (a hard-wrapped paragraph) gives its reason on its first line; the lines
    after say ``┆ same block``.
    """
    out, previous = [], ()
    for item in explained_lines(doc):
        if not item.marker.strip() and not item.removals:
            out.append(f"{item.marker}{item.text}" if item.marker else "")
            previous = ()
            continue
        same_block = item.marker == "- " and item.removals == previous and len(item.removals) == 1
        previous = item.removals
        reasons = "┆ same block" if same_block else ", ".join(dict.fromkeys(why(r, names) for r in item.removals))
        if item.marker == "~ ":
            body = "~ " + _mark_inline(item.text, item.start, item.removals, color)
        else:
            body = f"{item.marker}{item.text}"
            if color:
                colour = _TITLE_ANSI if item.marker == "T " else _ansi(item.removals[0].category) + _STRIKE
                body = f"{colour}{body}{_RESET}"
        out.append(f"{body}  {_DIM if color else ''}# {reasons}{_RESET if color else ''}")
    return out


def summary_lines(doc: Document, color: bool = False) -> list[str]:
    """The dump's style and blocks, then removed characters per category, most first
    (headline not counted)."""
    head = []
    if doc.source.style:
        from cleaner.heuristics.blocks import dump_blocks

        _, blocks = dump_blocks(doc.normalised, doc.source.style, layout=doc.layout)
        lines = sum(1 for line in doc.normalised.split("\n") if line.strip())
        head = [f"text dump style: {doc.source.style}; {len(blocks)} blocks from {lines} lines"]
    return head + _removed_lines(doc, color)


def _removed_lines(doc: Document, color: bool) -> list[str]:
    chars: Counter[str] = Counter()
    spans: Counter[str] = Counter()
    for r in doc.removals:
        if r.category != "title":
            chars[r.category] += len(r.text)
            spans[r.category] += 1
    if not chars:
        return ["nothing removed"]
    total = len(doc.normalised) or 1
    lines = [f"removed {sum(chars.values())} of {len(doc.normalised)} characters "
             f"({sum(chars.values()) / total:.0%}) in {sum(spans.values())} span(s):"]
    for category, n in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0])):
        label = f"{_ansi(category)}{category:<12}{_RESET}" if color else f"{category:<12}"
        lines.append(f"  {label}{spans[category]:>4} span(s) {n:>7} chars")
    return lines


def _covered(removals: tuple[Removal, ...], start: int, end: int) -> int:
    chars = set()
    for r in removals:
        chars.update(range(max(start, r.start), min(end, r.end)))
    return len(chars)


def _mark_inline(line: str, offset: int, removals: tuple[Removal, ...], color: bool) -> str:
    pieces, cursor = [], 0
    for r in removals:
        s, e = max(r.start - offset, cursor), min(r.end - offset, len(line))
        if s >= e:
            continue
        pieces.append(line[cursor:s])
        removed = line[s:e]
        pieces.append(f"{_ansi(r.category)}{_STRIKE}[-{removed}-]{_RESET}" if color else f"[-{removed}-]")
        cursor = e
    pieces.append(line[cursor:])
    return "".join(pieces)


# -- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:0}.sub{color:#5b6475;margin:2px 0 16px}
.doc{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:8px 0}
.ln{display:grid;grid-template-columns:44px 1fr minmax(180px,34%);gap:10px;padding:1px 12px}
.ln .no{color:#9aa3b2;text-align:right;font:12px/1.9 ui-monospace,monospace}
.ln .why{font-size:12px;color:#5b6475}
.ln.removed .txt{text-decoration:line-through;opacity:.75}
.ln.title .txt{font-weight:600;color:#138a9c}
.ln.blank{height:10px}
del{text-decoration:line-through;border-radius:3px;padding:0 2px}
.tag{display:inline-block;border-radius:3px;padding:0 5px;margin:0 4px 2px 0;color:#fff;font-size:11px}
.legend{margin:12px 0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin-top:16px}
td,th{border-bottom:1px solid #e6e9ef;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f1f3f7}
"""


def _hex(category: str) -> str:
    return CATEGORY_COLOURS.get(category, _DEFAULT_COLOUR)[1]


def _tag(removal: Removal) -> str:
    return (f'<span class="tag" style="background:{_hex(removal.category)}">'
            f'{html.escape(removal.rule)} {html.escape(removal.category)}</span>')


def render_html(doc: Document, names: dict[str, str] | None = None, label: str | None = None) -> str:
    """The explain view as one self-contained HTML page."""
    esc = html.escape
    rows = []
    for number, item in enumerate(explained_lines(doc), 1):
        if not item.marker:
            rows.append('<div class="ln blank"></div>')
            continue
        kind = {"  ": "kept", "- ": "removed", "~ ": "partial", "T ": "title"}[item.marker]
        if kind == "partial":
            pieces, cursor = [], 0
            for r in item.removals:
                s, e = max(r.start - item.start, cursor), min(r.end - item.start, len(item.text))
                if s >= e:
                    continue
                pieces.append(esc(item.text[cursor:s]))
                pieces.append(f'<del style="background:{_hex(r.category)}22;color:{_hex(r.category)}" '
                              f'title="{esc(why(r, names))}">{esc(item.text[s:e])}</del>')
                cursor = e
            pieces.append(esc(item.text[cursor:]))
            body = "".join(pieces)
        else:
            body = esc(item.text)
        style = f' style="color:{_hex(item.removals[0].category)}"' if kind == "removed" else ""
        notes = "".join(f"{_tag(r)}{esc(r.reason or (names or {}).get(r.rule, ''))}<br>"
                        for r in dict.fromkeys(item.removals))
        rows.append(f'<div class="ln {kind}" data-line="{number}"><span class="no">{number}</span>'
                    f'<span class="txt"{style}>{body}</span><span class="why">{notes}</span></div>')
    table = "".join(
        f"<tr><td>{r.start}-{r.end}</td><td>{_tag(r)}</td><td>{esc(r.reason or (names or {}).get(r.rule, ''))}</td>"
        f"<td>{esc(r.text[:200])}{'…' if len(r.text) > 200 else ''}</td></tr>" for r in sorted(doc.removals))
    outcome = (f"<p class=sub><b>{esc(doc.outcome.kind)}: {esc(doc.outcome.reason)}</b>: "
               f"{esc(doc.outcome.message)}</p>" if doc.outcome else "")
    name = label or doc.source.path
    return "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        f"<title>cleaner explain: {esc(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(name)}</h1>",
        f'<p class="sub">{esc(_removed_lines(doc, False)[0].rstrip(":"))}. Line numbers are those of the '
        "normalised input; struck-through text is removed, hover a removal for its rule and reason.</p>",
        outcome,
        '<div class="legend">', *(f'<span class="tag" style="background:{_hex(c)}">{esc(c)}</span>'
                                  for c in sorted({r.category for r in doc.removals})), "</div>",
        '<div class="doc">', *rows, "</div>",
        "<table><thead><tr><th>span</th><th>rule</th><th>reason</th><th>removed text</th></tr></thead>"
        f"<tbody>{table}</tbody></table></body></html>\n",
    ])
