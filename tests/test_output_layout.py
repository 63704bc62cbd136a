"""The output as other tools read it: the documents alone in ``documents/`` (pyarrow, pandas,
datasets and duckdb load that folder by its path), provenance levels (``removed.jsonl`` and the
rejects), ``-o -`` (documents on standard output), and the dolma and datatrove record shapes
(read back by datatrove's own ``JsonlReader``)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpora" / "raw"
BODY = " ".join(["The council approved the budget for the new school after a long debate on Monday."] * 8)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _corpus(folder: Path) -> Path:
    """The sample corpus plus an exact copy of one page (a duplicate to reject)."""
    folder.mkdir()
    for page in sorted(RAW.glob("*.txt")):
        (folder / page.name).write_bytes(page.read_bytes())
    (folder / "zz-copy.txt").write_bytes((RAW / "003_1f3c99dd285c46df.txt").read_bytes())
    return folder


@pytest.fixture(scope="module")
def levels(tmp_path_factory) -> dict[str, Path]:
    """The same corpus cleaned at each provenance level."""
    base = tmp_path_factory.mktemp("levels")
    corpus = _corpus(base / "in")
    outs = {}
    for level in ("full", "spans", "none"):
        outs[level] = base / level
        assert main(["clean", str(corpus), "-o", str(outs[level]), "-q", "--provenance", level]) == 0
    return outs


def test_the_documents_are_the_same_at_every_level_and_carry_no_removals(levels):
    documents = {level: (out / "documents" / "documents.jsonl").read_bytes() for level, out in levels.items()}
    assert documents["full"] == documents["spans"] == documents["none"]
    assert all("removed" not in doc for doc in _jsonl(levels["spans"] / "documents" / "documents.jsonl"))
    assert sorted(p.name for p in (levels["spans"] / "documents").iterdir()) == ["documents.jsonl"]
    assert not (levels["spans"] / "texts").exists()  # texts/ is opt-in (--txt)


def test_full_keeps_every_removal_with_its_text_and_spans_the_merged_offsets(levels):
    docs = _jsonl(levels["spans"] / "documents" / "documents.jsonl")
    full, spans = _jsonl(levels["full"] / "removed.jsonl"), _jsonl(levels["spans"] / "removed.jsonl")
    assert [r["id"] for r in full] == [r["id"] for r in spans] == [d["id"] for d in docs]  # line i is document i
    assert not (levels["none"] / "removed.jsonl").exists()
    for whole, compact in zip(full, spans):
        assert all({"text", "rule", "category", "start", "end"} <= set(r) for r in whole["removed"])
        assert all(set(r) == {"rule", "category", "start", "end"} for r in compact["removed"])
        assert len(compact["removed"]) <= len(whole["removed"])
        # every removed span of full lies in a span of the same rule at spans, and nothing else does
        for r in whole["removed"]:
            assert any(s["start"] <= r["start"] and r["end"] <= s["end"] and s["rule"] == r["rule"]
                       for s in compact["removed"])
        covered = sum(r["end"] - r["start"] for r in whole["removed"])
        assert covered <= sum(s["end"] - s["start"] for s in compact["removed"])
    assert sum(len(r["removed"]) for r in spans) < sum(len(r["removed"]) for r in full)  # runs were merged
    assert (levels["spans"] / "removed.jsonl").stat().st_size < (levels["full"] / "removed.jsonl").stat().st_size / 2


def test_a_duplicate_is_logged_by_id_and_similarity_unless_provenance_is_full(levels):
    (compact,) = [r for r in _jsonl(levels["spans"] / "rejects.jsonl") if r["reason"] == "duplicate"]
    (whole,) = [r for r in _jsonl(levels["full"] / "rejects.jsonl") if r["reason"] == "duplicate"]
    assert compact["source"]["path"] == "zz-copy.txt" and compact["similarity"] == 1.0
    assert compact["duplicate_of"] and compact["duplicate_of_source"]["path"] == "003_1f3c99dd285c46df.txt"
    assert "text" not in compact and "removed" not in compact
    assert whole["text"] and whole["removed"] and whole["duplicate_of"] == compact["duplicate_of"]
    assert (levels["spans"] / "rejects.jsonl").stat().st_size < 1000


def test_loaders_read_the_documents_folder_by_its_path(levels, tmp_path, monkeypatch):
    expected = _jsonl(levels["spans"] / "documents" / "documents.jsonl")
    out = tmp_path / "pq"
    assert main(["clean", str(RAW), "-o", str(out), "-q", "--output-format", "parquet", "--shard-size", "2"]) == 0
    folder = out / "documents"
    import pyarrow.dataset as ds

    assert ds.dataset(folder).to_table().column("id").to_pylist() == [d["id"] for d in expected[:5]]
    pd = pytest.importorskip("pandas")
    assert list(pd.read_parquet(folder)["id"]) == [d["id"] for d in expected[:5]]
    assert list(pd.read_json(levels["spans"] / "documents" / "documents.jsonl", lines=True)["id"]) == \
        [d["id"] for d in expected]
    duckdb = pytest.importorskip("duckdb")
    rows = duckdb.sql(f"SELECT id, source.path AS path FROM '{folder}/*.parquet'").fetchall()
    assert [r[0] for r in rows] == [d["id"] for d in expected[:5]]
    count = duckdb.sql(f"SELECT count(*) FROM read_json('{levels['spans']}/documents/*.jsonl')").fetchall()[0][0]
    assert count == len(expected)
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for path in (folder, levels["spans"] / "documents"):
        loaded = datasets.load_dataset(str(path), split="train", cache_dir=str(tmp_path / "hf-cache"))
        assert loaded["id"][:5] == [d["id"] for d in expected[:5]] and "text" in loaded.column_names


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "import sys; from cleaner.commands.cli import main; sys.exit(main())", *args]
    return subprocess.run(command, input=stdin, capture_output=True, timeout=300)


def test_dash_o_dash_streams_the_documents_to_stdout_as_a_unix_filter(levels, tmp_path):
    records = b"".join(json.dumps({"id": f"r{i}", "text": (RAW / name).read_text(encoding="utf-8")}).encode() + b"\n"
                       for i, name in enumerate(sorted(p.name for p in RAW.glob("*.txt"))))
    piped = _cli("clean", "-", "-o", "-", "-q", stdin=records)
    assert piped.returncode == 0, piped.stderr.decode()
    docs = [json.loads(line) for line in piped.stdout.decode("utf-8").splitlines()]
    assert [d["id"] for d in docs] == [f"r{i}" for i in range(5)] and docs[0]["source"]["path"] == "stdin"
    assert [d["text"] for d in docs] == [d["text"] for d in _jsonl(levels["spans"] / "documents" / "documents.jsonl")]
    # the side files go to --side-output; without it only a summary on stderr
    side = tmp_path / "side"
    kept = _cli("clean", "-", "-o", "-", "--side-output", str(side), stdin=records)
    assert kept.returncode == 0 and kept.stdout == piped.stdout
    assert (side / "manifest.json").is_file() and (side / "removed.jsonl").is_file() and not (side / "documents").exists()
    assert json.loads((side / "manifest.json").read_text())["outputs"]["documents"] == [{"file": "-", "documents": 5}]
    assert "5 kept" in kept.stderr.decode() and "standard output" in kept.stderr.decode()
    summary = _cli("clean", str(RAW), "-o", "-", "--compression", "gz")
    import gzip

    assert gzip.decompress(summary.stdout).decode("utf-8").count("\n") == 5 and b"not kept" in summary.stderr


def test_dash_o_dash_refuses_what_a_stream_cannot_hold(capsys):
    assert main(["clean", str(RAW), "-o", "-", "--output-format", "parquet"]) == 2
    assert "one JSON Lines stream" in capsys.readouterr().err
    assert main(["clean", str(RAW), "-o", "-", "--txt"]) == 2
    assert main(["clean", str(RAW), "-o", "out", "--side-output", "side"]) == 2


def test_dolma_records_have_dolma_fields(tmp_path):
    path = tmp_path / "in.jsonl"
    page = (RAW / "004_057b8eb8a9c2fd9c.txt").read_text(encoding="utf-8")
    path.write_text(json.dumps({"id": "d1", "text": page, "url": "https://example.com/x", "crawl": 7}) + "\n")
    assert main(["clean", str(path), "-o", str(tmp_path / "out"), "-q", "--schema", "dolma"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert list(doc)[:3] == ["id", "text", "source"] and doc["id"] == "d1" and doc["source"] == "in.jsonl"
    assert isinstance(doc["source"], str) and set(doc) <= {"id", "text", "source", "created", "added", "metadata",
                                                           "duplicates"}
    assert doc["metadata"]["url"] == "https://example.com/x" and doc["metadata"]["crawl"] == 7
    assert doc["metadata"]["language"] == "en" and doc["metadata"]["source"]["position"] == "1"
    assert main(["clean", str(path), "-o", str(tmp_path / "pq"), "--schema", "dolma", "--output-format",
                 "parquet"]) == 2


def test_datatrove_reads_the_datatrove_schema_with_its_own_reader(tmp_path):
    pytest.importorskip("datatrove")
    pytest.importorskip("orjson")
    from datatrove.pipeline.readers import JsonlReader

    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"text": (RAW / name).read_text(encoding="utf-8"), "id": f"dt-{i}",
                                        "metadata": {"url": f"https://example.com/{i}", "dump": "CC-2024"}}) + "\n"
                            for i, name in enumerate(sorted(p.name for p in RAW.glob("*.txt")))))
    out = tmp_path / "out"
    assert main(["clean", str(path), "-o", str(out), "-q", "--schema", "datatrove", "--url-field", "metadata.url"]) == 0
    (record,) = _jsonl(out / "documents" / "documents.jsonl")[:1]
    assert set(record) == {"id", "text", "metadata", "duplicates"}
    docs = list(JsonlReader(str(out / "documents"))())
    assert [d.id for d in docs] == [f"dt-{i}" for i in range(5)]
    first = docs[0]
    assert first.text == record["text"] and first.metadata["url"] == "https://example.com/0"
    assert first.metadata["dump"] == "CC-2024" and first.metadata["language"] == "en"
