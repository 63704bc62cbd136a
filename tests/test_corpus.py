"""Whole-corpus golden tests: the sample corpus, the committed clean output, idempotence."""
import json
import shutil
from pathlib import Path

import pytest

from cleaner import clean_text
from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW, CLEAN = ROOT / "corpora" / "raw", ROOT / "corpora" / "clean"
GOLD = Path(__file__).parent / "data" / "seeds-gold"
NEGATIVE = Path(__file__).parent / "data" / "negative"


def _comparable(path: Path) -> bytes:
    """File bytes; in the manifest the package versions are masked (they differ per machine)."""
    if path.name != "manifest.json":
        return path.read_bytes()
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["versions"] = "<masked>"
    return json.dumps(manifest, indent=2).encode()


def test_fresh_run_reproduces_committed_clean_corpus(tmp_path):
    assert main(["clean", str(RAW), "-o", str(tmp_path / "out"), "-q"]) == 0
    fresh = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CLEAN) for p in CLEAN.rglob("*") if p.is_file())
    assert fresh == committed
    for rel in committed:
        assert _comparable(tmp_path / "out" / rel) == _comparable(CLEAN / rel), f"{rel} drifted"


@pytest.mark.parametrize("name", sorted(p.name for p in GOLD.glob("*.txt")))
def test_sample_article_is_exactly_title_and_body(name):
    result = clean_text((RAW / name).read_text(encoding="utf-8"))
    gold = (GOLD / name).read_text(encoding="utf-8").strip()
    assert f"{result.title}\n\n{result.text}" == gold


def test_sample_corpus_counts():
    """48 boilerplate lines go, 70 content lines stay (the user's own count)."""
    kept = removed = 0
    for path in sorted(RAW.glob("*.txt")):
        raw_lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        raw_lines = [ln for ln in raw_lines if ln.replace("\u00a0", "").strip()]
        gold_lines = [ln for ln in (GOLD / path.name).read_text(encoding="utf-8").splitlines() if ln.strip()]
        result = clean_text(path.read_text(encoding="utf-8"))
        out_lines = [ln for ln in f"{result.title}\n{result.text}".splitlines() if ln.strip()]
        assert out_lines == gold_lines
        kept += len(out_lines)
        removed += len(raw_lines) - len(out_lines)
    assert (kept, removed) == (70, 48)


@pytest.mark.parametrize("name", sorted(p.name for p in GOLD.glob("*.txt")))
def test_cleaning_clean_output_changes_nothing(name):
    once = clean_text((RAW / name).read_text(encoding="utf-8"))
    twice = clean_text(f"{once.title}\n\n{once.text}")
    assert (twice.title, twice.text) == (once.title, once.text)


@pytest.mark.parametrize("name", sorted(p.name for p in NEGATIVE.glob("*.txt")))
def test_articles_without_boilerplate_come_out_unchanged(name):
    original = (NEGATIVE / name).read_text(encoding="utf-8").strip()
    result = clean_text(original)
    assert result.rejected is None
    assert f"{result.title}\n\n{result.text}" == original
    assert [r.category for r in result.removed] == ["title"]


def test_removals_and_kept_text_reconstruct_the_normalised_input():
    result = clean_text((RAW / "003_1f3c99dd285c46df.txt").read_text(encoding="utf-8"))
    doc = result.document
    pieces = sorted([(r.start, r.end, r.text) for r in result.removed] +
                    [(s, e, doc.normalised[s:e]) for s, e in doc.kept_segments()])
    assert "".join(p[2] for p in pieces) == result.normalised
    assert all(a[1] <= b[0] for a, b in zip(pieces, pieces[1:]))


def test_parallel_run_gives_identical_output(tmp_path):
    corpus = tmp_path / "in"
    shutil.copytree(RAW, corpus)
    shutil.copytree(NEGATIVE, corpus / "negative")
    assert main(["clean", str(corpus), "-o", str(tmp_path / "a"), "-q", "-j", "1"]) == 0
    assert main(["clean", str(corpus), "-o", str(tmp_path / "b"), "-q", "-j", "2"]) == 0
    for name in ("documents/documents.jsonl", "removed.jsonl", "rejects.jsonl", "errors.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    a = json.loads((tmp_path / "a" / "manifest.json").read_text())
    b = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert a["counts"] == b["counts"] == {"in": 9, "kept": 9, "rejected": 0, "errored": 0}
    assert a["steps"] == b["steps"]
