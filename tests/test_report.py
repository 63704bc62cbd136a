"""The run report (report.json, report.html, console summary) and the explain view."""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpora" / "raw"
CHARTS = ("outcomes", "categories", "rules", "lengths", "languages", "duplicates")


@pytest.fixture
def mixed_corpus(tmp_path) -> Path:
    """The sample corpus plus a duplicate, a too-short page and an unreadable file."""
    corpus = tmp_path / "in"
    shutil.copytree(RAW, corpus)
    shutil.copy(RAW / "004_057b8eb8a9c2fd9c.txt", corpus / "005_copy.txt")
    (corpus / "short.txt").write_text("Advertisement\n\nThe council met on Monday and approved the budget.\n")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return corpus


def test_report_json_counts_everything(mixed_corpus, tmp_path):
    out = tmp_path / "out"
    assert main(["clean", str(mixed_corpus), "-o", str(out), "-q", "--provenance", "full"]) == 0
    report = json.loads((out / "report.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert report["documents"] == {"in": 8, "kept": 5, "rejected": 2, "errored": 1, "titled": 6}
    assert {k: report["documents"][k] for k in manifest["counts"]} == manifest["counts"]
    assert report["reasons"] == manifest["reasons"] == {"binary": 1, "duplicate": 1, "too-short": 1}
    assert report["duplicates"] == {"dropped": 1, "clusters": 1, "cluster_sizes": {"2": 1}}
    assert report["languages"] == {"en": 5}
    assert report["errors"]["count"] == 1 and report["errors"]["listed"][0]["path"] == "image.txt"
    lengths = report["lengths"]
    assert len(lengths["bins"]) == len(lengths["before"]) == len(lengths["after"])
    assert sum(lengths["before"]) == 7 and sum(lengths["after"]) == 5  # readable inputs / kept documents
    by_rule = report["removals"]["by_rule"]
    documents = [json.loads(line) for line in (out / "removed.jsonl").read_text().splitlines()]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    spans = {}
    for record in documents + rejects:
        for removal in record["removed"]:
            if removal["category"] != "title":
                spans[removal["rule"]] = spans.get(removal["rule"], 0) + 1
    assert {rule: entry["spans"] for rule, entry in by_rule.items()} == spans
    by_category = report["removals"]["by_category"]
    assert sum(e["chars"] for e in by_category.values()) == sum(e["chars"] for e in by_rule.values())


def test_report_is_deterministic_for_any_jobs(mixed_corpus, tmp_path):
    assert main(["clean", str(mixed_corpus), "-o", str(tmp_path / "a"), "-q", "-j", "1"]) == 0
    assert main(["clean", str(mixed_corpus), "-o", str(tmp_path / "b"), "-q", "-j", "2"]) == 0
    for name in ("report.json", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_console_summary_table_unless_quiet(tmp_path, capsys):
    assert main(["clean", str(RAW), "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^documents\s+in\s+kept\s+rejected\s+errored$", err, re.MULTILINE)
    assert re.search(r"^\s+5\s+5\s+0\s+0$", err, re.MULTILINE)
    assert re.search(r"^  donation\s+15\s+1119$", err, re.MULTILINE)  # "Read more" in the appeal is related (RL001)
    assert "report.html" in err
    assert main(["clean", str(RAW), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_report_html_is_self_contained(mixed_corpus, tmp_path):
    out = tmp_path / "out"
    assert main(["clean", str(mixed_corpus), "-o", str(out), "-q"]) == 0
    page = (out / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched
    for chart in CHARTS:
        assert f'id="chart-{chart}"' in page
    assert "image.txt" in page and "binary" in page  # the error is listed


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _headless(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium-profile'}"]
    return subprocess.run([browser, *flags, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_report_html_charts_render_in_chromium(mixed_corpus, tmp_path):
    out = tmp_path / "out"
    assert main(["clean", str(mixed_corpus), "-o", str(out), "-q"]) == 0
    static = (out / "report.html").read_text()
    done = _headless(tmp_path, "--window-size=1200,1600", "--dump-dom", (out / "report.html").as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert f'data-charts-measured="{len(CHARTS)}"' in dom
    for chart in CHARTS:
        tag = re.search(rf'<figure[^>]*id="chart-{chart}"[^>]*>', dom)[0]
        width = int(re.search(r'data-rendered-width="(\d+)"', tag)[1])
        height = int(re.search(r'data-rendered-height="(\d+)"', tag)[1])
        drawn = int(re.search(r'data-bars-drawn="(\d+)"', tag)[1])
        section = static.split(f'id="chart-{chart}"', 1)[1].split("</figure>", 1)[0]
        assert width > 300 and height > 60, (chart, width, height)
        assert drawn == section.count('class="bar"') > 0, (chart, drawn)  # every bar laid out


# -- explain ---------------------------------------------------------------------------------

def test_explain_colour_view_and_plain_when_asked(capsys, monkeypatch):
    page = str(RAW / "004_057b8eb8a9c2fd9c.txt")
    assert main(["explain", page, "--color", "always"]) == 0
    coloured = capsys.readouterr().out
    assert "\x1b[38;5;" in coloured and "\x1b[9m" in coloured  # category colour, struck through
    assert main(["explain", page]) == 0  # auto, and stdout is not a terminal here
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["explain", page]) == 0
    assert "\x1b[" not in capsys.readouterr().out
    lines = plain.splitlines()
    assert any(ln.startswith("- Leave a Reply") and "# CM001 comments (H-TAIL: after body end;" in ln for ln in lines)
    assert any(ln.startswith("removed ") and "span(s)" in ln for ln in lines)
    assert any(re.match(r"^  comments\s+\d+ span\(s\)\s+\d+ chars$", ln) for ln in lines)


def test_explain_names_the_rule_when_there_is_no_heuristic_reason(capsys):
    assert main(["explain", str(RAW / "000_b3731beca62694aa.txt"), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "# NL002 newsletter (newsletter-box-label)" in out


def test_explain_html_page(tmp_path, capsys):
    src = tmp_path / "page.txt"
    src.write_text((RAW / "004_057b8eb8a9c2fd9c.txt").read_text() + "\n\nAdvertisement <script>x</script>\n")
    target = tmp_path / "view.html"
    assert main(["explain", str(src), "--html", str(target), "--color", "never"]) == 0
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script>x</script>" not in page  # escaped text
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    rows = re.findall(r'<div class="ln (\w+)" data-line="(\d+)">', page)
    kinds = {kind for kind, _ in rows}
    assert {"kept", "removed", "title"} <= kinds
    from cleaner import clean_text

    assert page.count("<tr><td>") == len(clean_text(src.read_text()).removed)  # one table row per removal
    for rule in ("CM001", "AD003", "H-TITLE"):
        assert f">{rule} " in page
    assert "after body end" in page and "https://" not in page


def test_report_parts_merged_in_order_equal_one_report(monkeypatch):
    """Workers observe their chunk; the main process merges the parts in input order."""
    import cleaner.output.report
    from cleaner.pipeline import Pipeline
    from cleaner.readers.record import Record
    from cleaner.output.report import RunReport

    monkeypatch.setattr(cleaner.output.report, "MAX_ERRORS_LISTED", 3)
    pipeline = Pipeline()
    records = [Record(p.name, p.read_bytes(), "text") for p in sorted(RAW.glob("*.txt"))]
    records += [Record(f"image{i}.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "text") for i in range(5)]
    records.insert(2, Record("short.txt", b"Advertisement\n\nThe council met on Monday and approved the budget.\n", "text"))
    docs = [pipeline.process_one(r) for r in records]
    whole = RunReport()
    for doc in docs:
        whole.observe(doc)
    merged = RunReport()
    for part_docs in (docs[:4], docs[4:7], docs[7:]):
        part = RunReport()
        for doc in part_docs:
            part.observe(doc)
        merged.merge(part)
    assert merged.finish() == whole.finish()
    assert [e["path"] for e in merged.finish()["errors"]["listed"]] == ["image0.txt", "image1.txt", "image2.txt"]
    assert merged.finish()["errors"]["count"] == 5 and merged.finish()["reasons"]["too-short"] == 1
