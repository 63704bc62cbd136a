"""``cleaner check``: lint mode. Every span that cleaning would remove, as a finding.

A finding is reported as ``file:line:col: RULE-ID category message``. Positions are those of
the *normalised* text (the text every rule and heuristic sees, and ``removed[].start`` in
documents.jsonl counts in). For plain-text inputs whose normalisation only trimmed spaces,
collapsed blank lines or fixed characters inside lines, each line is matched back to the raw
file, and the finding carries the raw file's line (and column, when the line's content is
unchanged apart from its edges), so an editor or a CI annotation points at the right place.
HTML inputs report positions in the extracted text.

The spans are exactly those of ``cleaner clean`` with the same rules and configuration (the
same pipeline runs, including the first pass over recurring lines); headlines are not
findings (cleaning moves them to ``title``), and deduplication is not part of a check.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from cleaner.config import Config
from cleaner.document import Document, line_spans
from cleaner.parse.decode import decode_text
from cleaner.parse.normalize import normalize, unify_newlines
from cleaner.readers.record import Record
from cleaner.readers.walk import read_files
from cleaner.heuristics.body import HEURISTICS
from cleaner.rules.model import RuleSet


FORMATS = ("text", "json", "github")
NOT_FINDINGS = ("title",)
EXCERPT_CHARS = 60


@dataclass(frozen=True, slots=True)
class Finding:
    path: str  # the file as given on the command line (joined with the name inside a folder)
    position: str | None  # record inside a container file (JSONL line, WARC offset), if any
    line: int  # 1-based: the raw file's line when ``raw_line`` is true, else the normalised text's
    col: int  # 1-based, in characters: the raw line's when ``raw_col`` is true, else the normalised line's
    end_line: int  # last normalised line the span touches (1-based)
    normalised_line: int
    normalised_col: int
    raw_line: bool  # ``line`` is the raw file's line number
    raw_col: bool  # ``col`` is the raw file's column
    rule: str
    category: str
    message: str
    text: str  # the removed text
    failing: bool = True  # counts against the exit code (see ``--fail-on``)

    @property
    def where(self) -> str:
        container = f"#{self.position}" if self.position is not None else ""
        return f"{self.path}{container}"


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An input that could not be checked (unreadable, binary, a crashing step)."""

    path: str
    position: str | None
    reason: str
    message: str


@dataclass
class CheckResult:
    findings: list[Finding]
    problems: list[InputProblem]
    files: int

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.failing]

    def exit_code(self) -> int:
        """2 when an input could not be checked, 1 when a failing finding exists, else 0."""
        if self.problems:
            return 2
        return 1 if self.failing else 0


class FailOnError(ValueError):
    pass


def parse_fail_on(values: Iterable[str] | None, rules: RuleSet) -> frozenset[str] | None:
    """``--fail-on`` values (repeatable, comma-separated) as a set; None means every finding fails.

    Categories and rule ids are both accepted; a typo fails before any work.
    """
    if not values:
        return None
    wanted = {v.strip() for value in values for v in value.split(",") if v.strip()}
    known = set(rules.categories) | {r.id for r in rules.rules} | set(HEURISTICS)
    unknown = sorted(w for w in wanted if w not in known)
    if unknown:
        raise FailOnError(f"--fail-on: unknown category or rule id {', '.join(unknown)}; "
                          f"categories: {', '.join(rules.categories)}")
    return frozenset(wanted)


def check_paths(paths: list[Path], config: Config, fail_on: frozenset[str] | None = None) -> CheckResult:
    """Run the cleaning pipeline over every input under ``paths`` and collect its removals."""
    from cleaner.heuristics.recurring import count_recurring
    from cleaner.pipeline import load_rules, Pipeline

    rules = load_rules(config)
    recurring = count_recurring(paths, config) if config.heuristics and config.recurring else None
    pipeline = Pipeline(config, rules=rules, recurring=recurring, credit=True)  # findings name their rule
    names = {r.id: r.name for r in rules.rules}
    findings: list[Finding] = []
    problems: list[InputProblem] = []
    files = 0
    for root in paths:
        for record in read_files([root], config):
            files += 1
            shown = root.as_posix() if root.is_file() else (root / record.path).as_posix()
            (doc,) = pipeline.process([record])
            if doc.outcome is not None and doc.outcome.kind != "rejected":
                problems.append(InputProblem(shown, record.position, doc.outcome.reason, doc.outcome.message))
                continue
            findings.extend(_findings(doc, record, shown, names, fail_on))
    return CheckResult(findings, problems, files)


def _findings(doc: Document, record: Record, shown: str, names: dict[str, str],
              fail_on: frozenset[str] | None) -> list[Finding]:
    text = doc.normalised
    starts = [s for s, _ in line_spans(text)]
    mapping = raw_line_map(record.data or b"", text) if doc.source.format == "text" else None
    out = []
    for removal in sorted(doc.removals):
        if removal.category in NOT_FINDINGS:
            continue
        # A span may begin with the blank line before it; report where its text begins.
        begin = removal.start + (len(removal.text) - len(removal.text.lstrip()))
        index = _line_index(starts, begin)
        col = begin - starts[index] + 1
        end_index = _line_index(starts, max(begin, removal.end - 1))
        line, raw_line, raw_col = index + 1, False, False
        if mapping is not None:
            raw_number, shift = mapping[index]
            line, raw_line = raw_number, True
            if shift is not None:
                col, raw_col = col + shift, True
        failing = fail_on is None or removal.category in fail_on or removal.rule in fail_on
        out.append(Finding(shown, record.position, line, col, end_index + 1, index + 1,
                           begin - starts[index] + 1, raw_line, raw_col, removal.rule, removal.category,
                           _message(removal.rule, removal.reason, removal.text, names,
                                    end_index - index + 1), removal.text, failing))
    return out


def _line_index(starts: list[int], offset: int) -> int:
    from bisect import bisect_right

    return max(0, bisect_right(starts, offset) - 1)


def _message(rule: str, reason: str, text: str, names: dict[str, str], lines: int) -> str:
    first = text.strip().split("\n", 1)[0]
    excerpt = first if len(first) <= EXCERPT_CHARS else first[:EXCERPT_CHARS - 1] + "…"
    why = reason or names.get(rule, "")
    extent = f" ({lines} lines)" if lines > 1 else ""
    return f"{why}: \"{excerpt}\"{extent}" if why else f"\"{excerpt}\"{extent}"


def raw_line_map(data: bytes, normalised: str) -> list[tuple[int, int | None]] | None:
    """For each normalised line, (raw line number, column shift or None), or None when the
    lines cannot be matched one to one (normalisation changed the line structure).

    Normalisation only ever drops blank lines and changes text inside lines, so the match is
    one forward sweep: a raw line matches when it normalises to the same text. The column
    shift is the raw line's leading whitespace, given only when the rest is identical.

    >>> raw_line_map(b"\\n\\n  Menu\\n\\n\\n\\nBody  text", "Menu\\n\\nBody text")
    [(3, 2), (4, 0), (7, None)]
    >>> raw_line_map(b"Hello\\nWorld", "Hello World") is None  # lines were joined
    True
    """
    raw_text, _ = decode_text(data)
    raw = unify_newlines(raw_text).split("\n")
    out: list[tuple[int, int | None]] = []
    j = 0
    for line in normalised.split("\n"):
        if not line:  # one blank normalised line stands for a run of blank raw lines
            if j >= len(raw) or normalize(raw[j]) != "":
                return None
            out.append((j + 1, 0))
            while j < len(raw) and normalize(raw[j]) == "":
                j += 1
            continue
        while j < len(raw) and normalize(raw[j]) == "":
            j += 1
        if j >= len(raw) or normalize(raw[j]) != line:
            return None
        stripped = raw[j].lstrip(" \t")
        shift = len(raw[j]) - len(stripped) if stripped.rstrip(" \t") == line else None
        out.append((j + 1, shift))
        j += 1
    return out


# -- output formats ----------------------------------------------------------------------------

def format_text(result: CheckResult) -> list[str]:
    lines = [f"{f.where}:{f.line}:{f.col}: {f.rule} {f.category} {f.message}" for f in result.findings]
    lines += [f"{p.path}{'#' + p.position if p.position is not None else ''}:0:0: ERROR {p.reason} {p.message}"
              for p in result.problems]
    lines.append(summary(result))
    return lines


def summary(result: CheckResult) -> str:
    failing = len(result.failing)
    files = len({f.where for f in result.findings})
    text = (f"{len(result.findings)} span(s) to remove in {files} of {result.files} file(s)"
            f"; {failing} fail the check")
    if result.problems:
        text += f"; {len(result.problems)} input(s) could not be checked"
    return text


def format_json(result: CheckResult) -> str:
    by_category: dict[str, int] = {}
    for f in result.findings:
        by_category[f.category] = by_category.get(f.category, 0) + 1
    return json.dumps({
        "findings": [asdict(f) for f in result.findings],
        "errors": [asdict(p) for p in result.problems],
        "summary": {"files": result.files, "findings": len(result.findings), "failing": len(result.failing),
                    "errors": len(result.problems), "by_category": dict(sorted(by_category.items())),
                    "exit_code": result.exit_code()},
    }, ensure_ascii=False, indent=2)


def _escape_data(value: str) -> str:
    """GitHub workflow-command escaping of a message."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    """Escaping of a workflow-command property (file=, title=): also ':' and ','."""
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(result: CheckResult) -> list[str]:
    """GitHub Actions annotations: a warning per finding, an error per unreadable input."""
    lines = []
    for f in result.findings:
        if f.position is not None:  # a record inside a JSONL/WARC file: its lines are not the file's
            where = f"file={_escape_property(f.path)},title={_escape_property(f'{f.rule} {f.category} (record {f.position}, line {f.line})')}"
        else:
            where = (f"file={_escape_property(f.path)},line={f.line},col={f.col},"
                     f"title={_escape_property(f'{f.rule} {f.category}')}")
        lines.append(f"::warning {where}::{_escape_data(f.message)}")
    for p in result.problems:
        lines.append(f"::error file={_escape_property(p.path)},title={_escape_property(p.reason)}::"
                     f"{_escape_data(p.message)}")
    lines.append(summary(result))
    return lines
