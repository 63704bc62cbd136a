"""`cleaner check` (lint mode) and `cleaner clean --check` (drift of a committed corpus)."""
import json
import re
import shutil
from pathlib import Path

import pytest

from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpora" / "raw"
NEGATIVE = Path(__file__).parent / "data" / "negative"
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>[A-Z][A-Z0-9-]+) (?P<category>[a-z]+) (?P<message>.+)$")


def _findings(out: str) -> list[re.Match]:
    return [m for m in map(FINDING.match, out.splitlines()) if m]


# -- check: exit codes -----------------------------------------------------------------------

def test_check_reports_every_removal_and_exits_1(capsys):
    assert main(["check", str(RAW)]) == 1
    out = capsys.readouterr().out
    findings = _findings(out)
    assert len(findings) == 48  # the sample corpus's 48 boilerplate lines (see test_corpus)
    assert out.splitlines()[-1] == "48 span(s) to remove in 5 of 5 file(s); 48 fail the check"
    assert {m["path"] for m in findings} == {str(RAW / p.name) for p in RAW.glob("*.txt")}
    assert "title" not in {m["category"] for m in findings}  # the headline moves, it is not removed


def test_check_positions_point_at_the_raw_file():
    """Normalisation trims indentation and collapses blank lines; line and column still point
    at the raw file, where the removed text really is."""
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        main(["check", str(RAW / "002_282b45ed3f5731a8.txt"), str(RAW / "004_057b8eb8a9c2fd9c.txt")])
    checked = 0
    for m in _findings(buffer.getvalue()):
        raw_lines = Path(m["path"]).read_text(encoding="utf-8").split("\n")
        excerpt = re.search(r'"(.+?)(…)?"', m["message"])[1]
        line = raw_lines[int(m["line"]) - 1]
        assert line[int(m["col"]) - 1:].startswith(excerpt), (m.group(0), line)
        checked += 1
    assert checked > 15
    # 002's menu is indented: the column is the raw one, not the normalised 1
    assert any(m["col"] != "1" for m in _findings(buffer.getvalue()))


def test_check_clean_text_exits_0(capsys):
    assert main(["check", str(NEGATIVE)]) == 0
    out = capsys.readouterr().out
    assert _findings(out) == []
    assert out.startswith("0 span(s) to remove in 0 of 4 file(s)")


def test_check_usage_and_input_errors_exit_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing")]) == 2
    assert "input not found" in capsys.readouterr().err
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(RAW / "004_057b8eb8a9c2fd9c.txt", folder)
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert main(["check", str(folder)]) == 2  # an input that cannot be checked wins over findings
    out = capsys.readouterr().out
    assert f"{folder / 'image.txt'}:0:0: ERROR binary" in out
    assert _findings(out)  # the readable file is still reported
    assert main(["check", str(folder), "--fail-on", "nosuchcategory"]) == 2
    assert "unknown category or rule id nosuchcategory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["check", str(folder), "--format", "xml"])
    assert exc.value.code == 2


def test_fail_on_gates_only_the_named_categories(capsys):
    page = RAW / "000_b3731beca62694aa.txt"
    assert main(["check", str(page), "--fail-on", "newsletter"]) == 1
    gated = _findings(capsys.readouterr().out)
    assert main(["check", str(page), "--fail-on", "paywall,cookie", "--fail-on", "dateline"]) == 0
    out = capsys.readouterr().out
    assert [m.group(0) for m in _findings(out)] == [m.group(0) for m in gated]  # still reported
    assert out.splitlines()[-1].endswith("; 0 fail the check")
    assert main(["check", str(page), "--fail-on", "NL002"]) == 1  # a rule id gates too
    capsys.readouterr()
    # "Advertisement" is removed by the body locator first and credited to the ads rule
    assert main(["check", str(page), "--fail-on", "ads"]) == 1
    capsys.readouterr()
    assert main(["check", str(page), "--disable", "newsletter", "--fail-on", "newsletter"]) == 0
    assert "NL00" not in capsys.readouterr().out


# -- check: output formats -------------------------------------------------------------------

def test_json_format(capsys):
    page = RAW / "000_b3731beca62694aa.txt"
    assert main(["check", str(page), "--format", "json", "--fail-on", "newsletter"]) == 1
    data = json.loads(capsys.readouterr().out)
    summary = data["summary"]
    assert summary["files"] == 1 and summary["exit_code"] == 1 and data["errors"] == []
    assert summary["findings"] == len(data["findings"]) == 7
    assert summary["failing"] == 2 == sum(f["failing"] for f in data["findings"])
    assert summary["by_category"]["newsletter"] == 2
    first = data["findings"][0]
    assert (first["rule"], first["category"], first["text"]) == ("AD001", "ads", "Advertisement")
    assert first["raw_line"] is True and first["normalised_line"] == 1 and first["path"] == str(page)
    nl = [f for f in data["findings"] if f["rule"] == "NL002"][0]
    raw_lines = page.read_text(encoding="utf-8").split("\n")
    assert raw_lines[nl["line"] - 1].strip() == nl["text"].strip()
    assert nl["line"] > nl["normalised_line"]  # blank lines collapsed by normalisation


def test_github_format_annotations(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(RAW / "004_057b8eb8a9c2fd9c.txt", folder / "a,b:c.txt")  # needs property escaping
    (folder / "image.txt").write_bytes(b"\x00\x01binary")
    assert main(["check", str(folder), "--format", "github"]) == 2
    lines = capsys.readouterr().out.splitlines()
    warnings = [ln for ln in lines if ln.startswith("::warning ")]
    assert len(warnings) == 7
    annotation = re.compile(r"^::warning file=(?P<file>[^,]+),line=(\d+),col=(\d+),title=(?P<title>[^:,]+)::(.+)$")
    for line in warnings:
        m = annotation.match(line)
        assert m, line
        assert m["file"] == str(folder / "a%2Cb%3Ac.txt")
    assert any("title=CM001 comments::" in w and "Leave a Reply" in w for w in warnings)
    errors = [ln for ln in lines if ln.startswith("::error ")]
    assert errors == [f"::error file={folder / 'image.txt'},title=binary::" + errors[0].split("::", 2)[2]]
    assert "NUL" in errors[0]


# -- clean --check: drift of a committed corpus ----------------------------------------------

def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_drift_check_passes_on_a_fresh_output_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["clean", str(RAW), "-o", str(out), "-q"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["versions"]["python"] = "0.0-another-machine"  # machine facts are not drift
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    before = _snapshot(out)
    assert main(["clean", str(RAW), "-o", str(out), "--check"]) == 0
    assert capsys.readouterr().out == f"{out} is up to date\n"
    assert _snapshot(out) == before


def test_drift_check_fails_with_a_readable_diff(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["clean", str(RAW), "-o", str(out), "-q"]) == 0
    documents = out / "documents" / "documents.jsonl"
    records = [json.loads(line) for line in documents.read_text(encoding="utf-8").splitlines()]
    records[4]["text"] = records[4]["text"].replace("Vladimir Putin said", "Putin said", 1)
    del records[1]  # a document that a fresh run produces but the committed corpus lacks
    documents.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    (out / "errors.jsonl").write_text("stale\n")
    (out / "report.html").unlink()
    before = _snapshot(out)
    assert main(["clean", str(RAW), "-o", str(out), "--check"]) == 1
    text = capsys.readouterr().out
    assert f"{out} is out of date" in text
    assert "--- committed/documents/documents.jsonl:004_057b8eb8a9c2fd9c.txt" in text
    assert "+++ now/documents/documents.jsonl:004_057b8eb8a9c2fd9c.txt" in text
    assert "\n-Russian president Putin said on Friday" in text
    assert "\n+Russian president Vladimir Putin said on Friday" in text
    assert "documents/documents.jsonl 004_057b8eb8a9c2fd9c.txt (changed: text)" in text
    assert "documents/documents.jsonl 001_c628c22ee27f1dd4.txt (new)" in text
    assert "errors.jsonl: differs" in text
    assert f"report.html: missing from {out}" in text
    assert _snapshot(out) == before  # --check never writes


def test_drift_check_on_a_missing_folder_fails(tmp_path, capsys):
    assert main(["clean", str(RAW), "-o", str(tmp_path / "never-written"), "--check"]) == 1
    assert "documents.jsonl: missing from" in capsys.readouterr().out
    assert not (tmp_path / "never-written").exists()


def test_records_inside_a_jsonl_file_are_named_by_position(tmp_path, capsys):
    dump = tmp_path / "dump.jsonl"
    text = ("Advertisement\n\nThe council met on Monday and approved the new budget for the schools in the "
            "district after a long debate that lasted until midnight, members said.\n\nShare this article")
    dump.write_text(json.dumps({"text": text}) + "\n" + json.dumps({"text": text}) + "\n")
    assert main(["check", str(dump)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"{dump}#2:5:1: SH001 share" in lines[-2]  # record 2, line 5 of its text
    assert main(["check", str(dump), "--format", "github"]) == 1
    warnings = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("::warning")]
    assert len(warnings) == 4 and all(",line=" not in w for w in warnings)  # not the file's lines
    assert "title=AD001 ads (record 1%2C line 1)::" in warnings[0]


def test_check_reports_exactly_what_clean_removes_on_dumps_and_pages_of_one_site(tmp_path, capsys):
    """Three text dumps and thirty HTML pages of one site, a short line recurring in the dumps:
    `check` counts recurring lines as `clean` does (the dumps' lines, and the pages' links
    apart), so its findings are the spans `clean` removes, the three recurring lines included
    (deduplication is not a check's)."""
    articles = sorted(NEGATIVE.glob("*.txt"))
    site = tmp_path / "site"
    site.mkdir()
    for i, article in enumerate(articles[:3]):
        paragraphs = article.read_text(encoding="utf-8").strip().split("\n\n")
        paragraphs.insert(2, "Listen to this story on the Riverton app")
        (site / f"story-{i}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    for i in range(30):
        body = "".join(f"<p>{p}</p>" for p in articles[i % len(articles)].read_text(encoding="utf-8").split("\n\n"))
        (site / f"page-{i:02d}.html").write_text(
            f"<html><head><title>Page {i}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Page {i}</h1>{body}</article><footer>Copyright</footer></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["clean", str(site), "-o", str(out), "--no-dedup", "--provenance", "full", "-j", "1"]) == 0
    docs = [json.loads(line) for line in (out / "documents" / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    spans = [json.loads(line) for line in (out / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["id"] for d in docs] == [s["id"] for s in spans]  # removed.jsonl is in document order
    removed = sorted((r["source"]["path"], removal["rule"], removal["text"])
                     for r, removals in [(d, s["removed"]) for d, s in zip(docs, spans)] +
                     [(r, r.get("removed", [])) for r in rejects]
                     for removal in removals if removal["category"] != "title")
    capsys.readouterr()
    main(["check", str(site), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    reported = sorted((Path(f["path"]).name, f["rule"], f["text"]) for f in findings)
    assert [r for r in removed if r[1] == "H-RECURRING"] == [
        (f"story-{i}.txt", "H-RECURRING", "Listen to this story on the Riverton app") for i in range(3)]
    assert reported == removed
