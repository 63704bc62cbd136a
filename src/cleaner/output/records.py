"""The JSON records of the output files: a document, a reject, an error entry, and text file names."""
from __future__ import annotations

import json
import re

from cleaner.document import Document


_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def document_json(doc: Document) -> dict:
    """A kept document's record (cleaner's shape; its removals go to removed.jsonl, see
    :func:`removed_json`)."""
    out = {"id": doc.id, "title": doc.title, "text": doc.text, "lang": doc.lang,
           "lang_prob": doc.lang_prob, "source": doc.source.to_json()}
    if doc.metadata:
        out["metadata"] = doc.metadata
    return out


def removals_json(doc: Document, provenance: str) -> list[dict] | None:
    """The document's removals at a provenance level: ``full``, every removal with its text (and
    a heuristic's evidence); ``spans``, rule, category and offsets, one span for a run of
    removals by one rule with only whitespace between them; ``none``, None."""
    removals = sorted(doc.removals, key=lambda r: (r.start, r.end))
    if provenance == "full":
        return [r.to_json() for r in removals]
    if provenance == "none":
        return None
    runs: list[dict] = []
    for r in removals:
        last = runs[-1] if runs else None
        if last and (last["rule"], last["category"]) == (r.rule, r.category) and last["end"] <= r.start \
                and not doc.normalised[last["end"]:r.start].strip():
            last["end"] = r.end
        else:
            runs.append({"rule": r.rule, "category": r.category, "start": r.start, "end": r.end})
    return runs


def removed_json(doc: Document, provenance: str) -> dict | None:
    """A kept document's removed.jsonl line (None at provenance ``none``)."""
    removed = removals_json(doc, provenance)
    return None if removed is None else {"id": doc.id, "removed": removed}


def reject_json(doc: Document, provenance: str = "full") -> dict:
    """A rejects.jsonl entry: the reason, the record and its removals at the provenance level."""
    outcome = doc.outcome
    out = {"id": doc.id, "reason": outcome.reason, "message": outcome.message, **outcome.detail,
           **{k: v for k, v in document_json(doc).items() if k != "id"}}
    removed = removals_json(doc, provenance)
    if removed is not None:
        out["removed"] = removed
    return out


def error_json(doc: Document, outcome=None) -> dict:
    """An errors.jsonl entry: the document's error, or ``outcome``, one of its warnings."""
    outcome = outcome or doc.outcome
    return {"path": doc.source.path, "position": doc.source.position, "severity": outcome.kind,
            "reason": outcome.reason, "message": outcome.message, **outcome.detail}


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def with_duplicates(line: str, duplicates: list[dict]) -> str:
    """A kept document's line with ``duplicates`` as its last field, as if it had been encoded so.

    >>> with_duplicates('{"id":"a","text":"t"}', [])
    '{"id":"a","text":"t","duplicates":[]}'
    """
    return f'{line[:-1]},"duplicates":{dumps(duplicates)}}}'


def reject_line(doc_id: str, line: str, fields: dict) -> str:
    """The rejects.jsonl entry of a kept document dropped later: ``id``, then ``fields``, then the
    record's own fields, as ``dumps({"id": ..., **fields, **record-without-id})`` would give.

    >>> reject_line("a", '{"id":"a","text":"t"}', {"reason": "duplicate"})
    '{"id":"a","reason":"duplicate","text":"t"}'
    """
    head = f'{{"id":{dumps(doc_id)},'
    if not line.startswith(head):
        raise ValueError(f"document line does not start with its id {doc_id!r}")
    return f"{dumps({'id': doc_id, **fields})[:-1]},{line[len(head):]}"


def with_removed(line: str, removed_line: str) -> str:
    """A record's line with the ``removed`` field of its removed.jsonl line appended.

    >>> with_removed('{"id":"a","text":"t"}', '{"id":"a","removed":[]}')
    '{"id":"a","text":"t","removed":[]}'
    """
    field = removed_line[removed_line.index(',"removed":') + 1:]  # an id's own quotes are escaped
    return f"{line[:-1]},{field}"


def safe_name(text: str) -> str:
    """``text`` as a piece of a file name: runs of anything but word characters, dots and dashes
    become ``_``.

    >>> safe_name("../../etc/x y")
    '.._.._etc_x_y'
    """
    return _UNSAFE_NAME.sub("_", text)


def text_file_name(path: str, position: str | None = None) -> str:
    """A safe file name mirroring the input name: separators and dots can never escape the
    output folder.

    >>> text_file_name("../../etc/passwd"), text_file_name("dump.jsonl", "12")
    ('passwd.txt', 'dump_12.txt')
    """
    stem = path.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    stem = _UNSAFE_NAME.sub("_", stem).strip("._") or "document"
    if position is not None:
        stem = f"{stem}_{_UNSAFE_NAME.sub('_', position)}"
    return f"{stem[:120]}.txt"
