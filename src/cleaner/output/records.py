"""The JSON records of the output files: a document, a reject, an error entry, and text file names."""
from __future__ import annotations

import json
import re

from cleaner.document import Document


_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def document_json(doc: Document) -> dict:
    out = {"id": doc.id, "title": doc.title, "text": doc.text, "lang": doc.lang,
           "lang_prob": doc.lang_prob, "source": doc.source.to_json()}
    if doc.metadata:
        out["metadata"] = doc.metadata
    out["removed"] = [r.to_json() for r in sorted(doc.removals, key=lambda r: (r.start, r.end))]
    return out


def reject_json(doc: Document) -> dict:
    out = document_json(doc)
    outcome = doc.outcome
    out = {"id": doc.id, "reason": outcome.reason, "message": outcome.message, **outcome.detail,
           **{k: v for k, v in out.items() if k != "id"}}
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
