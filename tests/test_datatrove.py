"""cleaner inside a datatrove pipeline: ``cleaner.integrations.datatrove.CleanerFilter`` between
datatrove's own reader and writer, run by datatrove's local executor (the datatrove extra)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

pytest.importorskip("datatrove")

from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from cleaner.integrations.datatrove import CleanerFilter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "corpora" / "raw" / "004_057b8eb8a9c2fd9c.txt").read_text(encoding="utf-8")
HTML = ("<html><head><title>Breakwater plan approved</title></head><body><nav><a href='/'>Home</a> | "
        "<a href='/news'>News</a></nav><article><h1>Breakwater plan approved</h1>"
        + "".join(f"<p>The harbour authority said on Tuesday that the new breakwater would protect the fishing "
                  f"fleet from winter storms, and construction would begin in spring. Paragraph {i}.</p>"
                  for i in range(4)) + "</article><footer>Copyright 2024 Harbour News</footer></body></html>")


def _run(tmp_path: Path, records: list[dict], step: CleanerFilter) -> tuple[list[dict], dict]:
    raw, out = tmp_path / "raw", tmp_path / "clean"
    raw.mkdir()
    (raw / "part.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    executor = LocalPipelineExecutor([JsonlReader(str(raw)), step, JsonlWriter(str(out))], tasks=1, workers=1,
                                     logging_dir=str(tmp_path / "logs"))
    executor.run()
    docs = []
    for path in sorted(out.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            docs += [json.loads(line) for line in f]
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    return docs, {k: v for step_stats in stats for k, v in step_stats["stats"].items()
                  if step_stats["name"].endswith("cleaner")}


def test_a_three_step_datatrove_pipeline_cleans_keeps_ids_and_counts_drops(tmp_path):
    docs, stats = _run(tmp_path, [{"text": PAGE, "id": "page-4", "metadata": {"url": "https://example.com/4"}},
                                  {"text": "Too short to keep.", "id": "short"}], CleanerFilter())
    (doc,) = docs
    assert doc["id"] == "page-4" and doc["metadata"]["url"] == "https://example.com/4"
    # the page was stripped: the text shrank, and the spans say by which rules
    assert 0 < len(doc["text"]) < len(PAGE)
    removed = doc["metadata"]["cleaner"]["removed"]
    assert removed and all(set(r) == {"rule", "category", "start", "end"} for r in removed)
    assert doc["metadata"]["cleaner"]["lang"] == "en"
    assert stats["total"] == 2 and stats["forwarded"] == 1 and stats["dropped"] == 1
    assert sum(v for k, v in stats.items() if k.startswith("dropped_")) == 1  # with cleaner's reason


def test_html_documents_are_extracted_and_full_provenance_keeps_the_removed_text(tmp_path):
    docs, _ = _run(tmp_path, [{"text": HTML, "id": "h1"}], CleanerFilter(input_format="html", provenance="full"))
    (doc,) = docs
    assert doc["text"].startswith("The harbour authority") and "Copyright" not in doc["text"]
    assert doc["metadata"]["cleaner"]["title"] == "Breakwater plan approved"
    assert all("text" in r for r in doc["metadata"]["cleaner"]["removed"])


def test_bad_options_fail_when_the_step_is_built():
    with pytest.raises(ValueError, match="provenance"):
        CleanerFilter(provenance="some")
    with pytest.raises(ValueError, match="input_format"):
        CleanerFilter(input_format="pdf")
