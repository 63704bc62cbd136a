"""Deduplication through the command line: after stripping, copies with different chrome meet."""
import json
import shutil
from pathlib import Path

from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpora" / "raw"

BODY = [
    "The regional water authority approved a plan on Tuesday to build a desalination plant on the "
    "northern coast, ending two years of debate over how to supply the growing city.",
    "The plant will cost an estimated 1.2 billion dollars and produce enough drinking water for "
    "about 400,000 homes once it opens, officials said after the vote.",
    "Environmental groups had opposed the project, warning that the brine it discharges could harm "
    "fish and coral near the outflow, and they said they would consider a legal challenge.",
    "\"We listened to every concern and changed the design twice,\" the authority's chair said, adding "
    "that the outflow pipe had been moved further offshore to dilute the brine faster.",
    "Construction is due to begin next spring and take about three years. The authority will raise "
    "water bills by four percent a year to pay for it, starting in January.",
    "Farmers in the valley welcomed the decision, saying that years of drought had left their wells "
    "dry and that the new plant would free river water for irrigation.",
]
TITLE = "Water Authority Approves Coastal Desalination Plant"


def _site_a(body: list[str]) -> str:
    return "\n".join(["Home | News | Sport | Weather", "Advertisement", "", TITLE, "", *body, "",
                      "Share this:", "• facebook", "• twitter", "Leave a Reply",
                      "Your email address will not be published. Required fields are marked *"])


def _site_b(body: list[str]) -> str:
    return "\n\n".join(["Support The Daily Ledger!", TITLE, *body, "Sign up for our free weekly newsletter",
                        "Copyright © 2024 The Daily Ledger. All rights reserved."])


def _site_c(body: list[str]) -> str:
    edited = list(body)
    edited[1] = edited[1].replace("estimated", "expected").replace("officials said", "the officials said")
    edited[4] = edited[4].replace("next spring", "in the spring")
    edited.insert(3, "The vote was seven to two, with two members abstaining after a long night of debate.")
    return "\n\n".join(["News > Environment", TITLE, "Spread the love", *edited, "[ad_1]", "Source link",
                        "Tags:", "Leave a Reply"])


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write_sites(folder: Path) -> None:
    for name, page in (("site-a/story.txt", _site_a(BODY)), ("site-b/story.txt", _site_b(BODY)),
                       ("site-c/story.txt", _site_c(BODY))):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(page, encoding="utf-8")


def test_story_on_three_sites_becomes_one_document_listing_all_sources(tmp_path):
    _write_sites(tmp_path / "in")
    shutil.copytree(RAW, tmp_path / "in" / "samples")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    docs = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    stories = [d for d in docs if "desalination" in d["text"]]
    assert len(stories) == 1
    (story,) = stories
    assert story["source"]["path"] == "site-c/story.txt"  # the longest clean text is kept
    listed = sorted(d["source"]["path"] for d in story["duplicates"])
    assert listed == ["site-a/story.txt", "site-b/story.txt"]
    assert all(0.4 <= d["similarity"] <= 1.0 for d in story["duplicates"])
    rejects = {r["source"]["path"]: r for r in _jsonl(tmp_path / "out" / "rejects.jsonl")}
    assert set(rejects) == {"site-a/story.txt", "site-b/story.txt"}
    for r in rejects.values():
        assert r["reason"] == "duplicate" and r["duplicate_of"] == story["id"]
        assert r["duplicate_of_source"]["path"] == "site-c/story.txt"
    # 000 and 001 report the same event with shared quotations: not duplicates
    assert sum(d["source"]["path"].startswith("samples/") for d in docs) == 5
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"] == {"in": 8, "kept": 6, "rejected": 2, "errored": 0}
    assert manifest["dedup"]["dropped_near"] == 2  # near: each differs from the kept, edited copy


def test_exact_recrawls_collapse_and_no_dedup_keeps_them(tmp_path):
    (tmp_path / "in").mkdir()
    for name in ("crawl-1.txt", "crawl-2.txt", "crawl-3.txt"):
        (tmp_path / "in" / name).write_text(_site_a(BODY), encoding="utf-8")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert doc["source"]["path"] == "crawl-1.txt"  # equal length: the smallest path wins
    assert [(d["source"]["path"], d["kind"], d["similarity"]) for d in doc["duplicates"]] == [
        ("crawl-2.txt", "exact", 1.0), ("crawl-3.txt", "exact", 1.0)]
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "all"), "-q", "--no-dedup"]) == 0
    assert len(_jsonl(tmp_path / "all" / "documents" / "documents.jsonl")) == 3


def test_decisions_do_not_depend_on_input_order_or_workers(tmp_path):
    _write_sites(tmp_path / "in")
    roots = [tmp_path / "in" / s for s in ("site-a", "site-b", "site-c")]
    runs = {}
    for label, order, jobs in (("abc1", roots, "1"), ("cab2", [roots[2], roots[0], roots[1]], "2")):
        assert main(["clean", *map(str, order), "-o", str(tmp_path / label), "-q", "-j", jobs]) == 0
        (doc,) = _jsonl(tmp_path / label / "documents" / "documents.jsonl")
        rejects = sorted((r["id"], r["duplicate_of"], r["similarity"]) for r in _jsonl(tmp_path / label / "rejects.jsonl"))
        runs[label] = (doc["id"], sorted((d["id"], d["similarity"]) for d in doc["duplicates"]), rejects)
    assert runs["abc1"] == runs["cab2"]


def test_dedup_against_an_earlier_clean_corpus(tmp_path):
    _write_sites(tmp_path / "in")
    assert main(["clean", str(tmp_path / "in" / "site-c"), "-o", str(tmp_path / "old"), "-q"]) == 0
    assert (tmp_path / "old" / "dedup-index.npz").is_file()
    shutil.rmtree(tmp_path / "in" / "site-c")  # the old raw data is gone; only the index is needed
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "new"), "-q",
                 "--dedup-against", str(tmp_path / "old")]) == 0
    assert _jsonl(tmp_path / "new" / "documents" / "documents.jsonl") == []
    rejects = _jsonl(tmp_path / "new" / "rejects.jsonl")
    assert [r["reason"] for r in rejects] == ["duplicate", "duplicate"]
    assert all(r["duplicate_of"].startswith(r["duplicate_of"].split(":")[0]) for r in rejects)
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "x"), "-q",
                 "--dedup-against", str(tmp_path / "missing")]) == 2


def test_the_workers_are_gone_before_the_end_phase(tmp_path, monkeypatch):
    """The end phase holds state for every document: the idle workers must not hold their
    memory beside it (more than one chunk of input, so that worker processes run)."""
    import multiprocessing

    from cleaner.dedup.stage import DedupStage

    (tmp_path / "in").mkdir()
    for i in range(70):
        (tmp_path / "in" / f"page-{i:03d}.txt").write_text(_site_a([f"Report number {i} of the series."] + BODY),
                                                          encoding="utf-8")
    workers_at_the_end = []
    finish = DedupStage.finish

    def counting_finish(self, report):
        workers_at_the_end.append(len(multiprocessing.active_children()))
        return finish(self, report)

    monkeypatch.setattr(DedupStage, "finish", counting_finish)
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "-j", "2"]) == 0
    assert workers_at_the_end == [0]
    assert len(_jsonl(tmp_path / "out" / "documents" / "documents.jsonl")) + len(_jsonl(tmp_path / "out" / "rejects.jsonl")) == 70
