"""``cleaner clean --check``: is a committed clean corpus still what cleaning gives now?

The inputs are cleaned into a temporary folder (the output folder is never touched) and the
result is compared with the committed one file by file. Documents are matched by their
source (path and record position), so the diff names the input whose clean text changed
and shows a unified diff of its title and text; other changed fields, documents that
appeared or disappeared, and every other file that differs are listed by name. Package
versions in manifest.json are ignored: they differ per machine, not per corpus.
"""
from __future__ import annotations

import difflib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cleaner.config import Config


DOCUMENT_FILES = ("documents/documents.jsonl", "rejects.jsonl", "removed.jsonl")  # compared record by record
MACHINE_KEYS = ("versions",)  # manifest keys that describe the machine, not the corpus


@dataclass
class Drift:
    document_diffs: list[str] = field(default_factory=list)  # unified diff lines
    changed_documents: list[str] = field(default_factory=list)  # "<source> (<fields>)"
    other_files: list[str] = field(default_factory=list)  # "<name>: differs|missing|unexpected"

    @property
    def clean(self) -> bool:
        return not (self.changed_documents or self.other_files)


def check_drift(inputs: list[Path], committed: Path, config: Config) -> Drift:
    """Clean ``inputs`` into a temporary folder and compare it with ``committed``."""
    from cleaner.engines.run import run

    with tempfile.TemporaryDirectory(prefix="cleaner-check-") as tmp:
        fresh = Path(tmp) / "out"
        run(inputs, fresh, config)
        return compare_outputs(committed, fresh)


def compare_outputs(committed: Path, fresh: Path) -> Drift:
    drift = Drift()
    old_files = _files(committed)
    new_files = _files(fresh)
    for name in DOCUMENT_FILES:
        _compare_records(committed / name, fresh / name, name, drift)
    for name in sorted(old_files | new_files):
        if name in DOCUMENT_FILES and name in old_files and name in new_files:
            continue  # compared record by record above
        if name not in new_files:
            drift.other_files.append(f"{name}: not produced any more")
        elif name not in old_files:
            drift.other_files.append(f"{name}: missing from {committed}")
        elif _comparable(committed / name) != _comparable(fresh / name):
            drift.other_files.append(f"{name}: differs")
    return drift


def _files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def _comparable(path: Path) -> bytes:
    if path.name != "manifest.json":
        return path.read_bytes()
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return path.read_bytes()
    for key in MACHINE_KEYS:
        manifest.pop(key, None)
    return json.dumps(manifest, sort_keys=True).encode()


def _source_key(record: dict) -> str:
    source = record.get("source") or {}
    position = source.get("position")
    return f"{source.get('path', record.get('id'))}" + (f"#{position}" if position is not None else "")


def _records(path: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if not path.is_file():
        return out
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            record = json.loads(line)
        except ValueError:
            record = {"source": {"path": f"<{path.name} line {number}: not JSON>"}, "raw": line}
        out[_source_key(record)] = record
    return out


def _readable(record: dict | None) -> list[str]:
    if record is None:
        return []
    title = record.get("title")
    body = f"{title}\n\n{record.get('text', '')}" if title else record.get("text", "")
    return body.splitlines(keepends=True)


def _compare_records(old_path: Path, new_path: Path, name: str, drift: Drift) -> None:
    old, new = _records(old_path), _records(new_path)
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before is None:
            what = "new"
        elif after is None:
            what = "gone"
        else:
            what = "changed: " + ", ".join(k for k in sorted(before.keys() | after.keys())
                                            if before.get(k) != after.get(k))
        drift.changed_documents.append(f"{name} {key} ({what})")
        drift.document_diffs.extend(difflib.unified_diff(
            _readable(before), _readable(after), fromfile=f"committed/{name}:{key}",
            tofile=f"now/{name}:{key}"))
        if drift.document_diffs and not drift.document_diffs[-1].endswith("\n"):
            drift.document_diffs[-1] += "\n"


def format_drift(drift: Drift, committed: Path) -> str:
    """The drift for a person: the text diffs first, then the list of what changed."""
    if drift.clean:
        return f"{committed} is up to date\n"
    parts = [f"{committed} is out of date: cleaning the inputs now gives a different corpus\n"]
    if drift.document_diffs:
        parts.append("".join(drift.document_diffs))
    if drift.changed_documents:
        parts.append(f"{len(drift.changed_documents)} document record(s) differ:\n")
        parts.extend(f"  {line}\n" for line in drift.changed_documents)
    if drift.other_files:
        parts.append(f"{len(drift.other_files)} other file(s) differ:\n")
        parts.extend(f"  {line}\n" for line in drift.other_files)
    return "".join(parts)
