"""Issue 17: what a new user's first hour and an attacker's first hour found, each case run
through the command line (hangs, crashes and exhausted memory first, then wrong results that
look like success, then messages)."""
from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ("The council approved the new budget on Monday after a long debate about school funding. "
           "Members said the plan would add teachers and repair buildings across the district. ") * 3


def _cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """The installed command in a child process, so a hang fails the test instead of the suite."""
    return subprocess.run([sys.executable, "-m", "cleaner.commands.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=kwargs.pop("cwd", None), **kwargs)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _errors(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]


# -- 1, 2: special files and unbounded reads --------------------------------------------------

def test_special_files_in_a_folder_are_skipped_with_a_named_reason_never_read(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(inp / "fifo.txt")  # nobody ever writes: opening it for reading would block forever
    (inp / "zero.txt").symlink_to("/dev/zero")  # endless: reading it grew to 24 GB
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(inp / "sock.txt"))
    try:
        done = _cli("clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "--doc-timeout", "5", timeout=120)
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    manifest = _manifest(tmp_path / "out")
    assert manifest["counts"]["kept"] == 1
    assert manifest["skipped"]["reasons"] == {"character-device": 1, "fifo": 1, "socket": 1}
    for name in ("fifo.txt", "zero.txt", "sock.txt"):
        assert manifest["files"][name] == {"in": 0, "kept": 0, "rejected": 0, "errored": 0}
    assert "3 skipped" in done.stderr


@pytest.mark.parametrize("named", ["fifo", "device"])
def test_a_special_file_named_as_input_is_an_error_before_any_read(tmp_path, named):
    if named == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    else:
        target = Path("/dev/zero")
    done = _cli("clean", str(target), "-o", str(tmp_path / "out"), timeout=60)
    assert done.returncode == 2
    assert f"{target} is a {'fifo' if named == 'fifo' else 'character device'}, not a regular file" in done.stderr
    assert not (tmp_path / "out").exists()


def test_every_read_is_bounded_by_the_maximum_document_size(tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "big.txt").write_text(ARTICLE * 40, encoding="utf-8")  # ~20 KB
    (inp / "ok.txt").write_text(ARTICLE, encoding="utf-8")
    (inp / "dump.jsonl").write_text(json.dumps({"text": ARTICLE * 40}) + "\n" + json.dumps({"text": ARTICLE}) + "\n",
                                    encoding="utf-8")
    assert main(["clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "--max-document-bytes", "10000",
                 "--no-dedup"]) == 0
    errors = {(e["path"], e["position"]): e for e in _errors(tmp_path / "out")}
    assert errors[("big.txt", None)]["reason"] == "too-large"
    assert "--max-document-bytes" in errors[("big.txt", None)]["message"]
    assert errors[("dump.jsonl", "1")]["reason"] == "too-large"
    manifest = _manifest(tmp_path / "out")
    assert manifest["counts"] == {"in": 4, "kept": 2, "rejected": 0, "errored": 2}
    assert manifest["config"]["max_document_bytes"] == 10000
    assert main(["clean", str(inp), "-o", str(tmp_path / "out0"), "--max-document-bytes", "0"]) == 2
    assert "max_document_bytes must be >= 1" in capsys.readouterr().err


# -- 3: byte-identical files with one base name -----------------------------------------------

@pytest.mark.parametrize("names", [("site1/page.txt", "site2/page.txt", "site3/page.txt"),
                                   ("x.html", "x.xhtml", "x.htm")])
def test_three_identical_files_with_one_base_name_do_not_crash_and_rerun(tmp_path, names):
    inp = tmp_path / "in"
    page = ARTICLE if names[0].endswith(".txt") else f"<html><body><article><p>{ARTICLE}</p></article></body></html>"
    for name in names:
        (inp / name).parent.mkdir(parents=True, exist_ok=True)
        (inp / name).write_text(page, encoding="utf-8")
    for _ in range(2):  # the rerun too
        assert main(["clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "-q", "--txt"]) == 0
        manifest = _manifest(tmp_path / "out")
        assert manifest["counts"] == {"in": 3, "kept": 1, "rejected": 2, "errored": 0}
        assert len(list((tmp_path / "out" / "texts").iterdir())) == 1
    assert main(["clean", str(inp), "-o", str(tmp_path / "all"), "-j", "1", "-q", "--no-dedup", "--txt"]) == 0
    assert len(list((tmp_path / "all" / "texts").iterdir())) == 3


# -- 4: output errors -------------------------------------------------------------------------

def test_an_existing_file_as_output_is_a_clean_exit_3(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "taken"), "-q"]) == 3
    err = capsys.readouterr().err
    assert "cleaner: cannot write the output" in err and str(tmp_path / "taken") in err and "Traceback" not in err
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "taken" / "sub"), "-q"]) == 3
    assert "cannot write the output" in capsys.readouterr().err


def test_an_output_folder_without_write_permission_is_a_clean_exit_3(tmp_path, capsys, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "locked" / "out"
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):  # what a folder without write permission does (root may write anyway)
        if str(self).startswith(str(out)):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(out), "-q"]) == 3
    err = capsys.readouterr().err
    assert "cannot write the output: Permission denied" in err and str(out) in err


# -- 5: texts without word structure ----------------------------------------------------------

def test_a_text_that_is_mostly_one_huge_word_is_rejected_with_a_reason(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    # a headline and a paragraph of prose kept the 1 MB "word" below them (language af)
    (inp / "blob.txt").write_text("Headline of the day\n\n" + ARTICLE + "\n" + "abcdefgh" * 125_000 + "\n",
                                  encoding="utf-8")
    (inp / "article.txt").write_text("A headline\n\n" + ARTICLE + "\nSee https://example.com/" + "a1b2" * 40
                                     + " for the full text.\n", encoding="utf-8")
    (inp / "chinese.txt").write_text("新华社北京电" + "国务院总理主持召开国务院常务会议，部署进一步做好稳就业工作。" * 30 + "\n",
                                     encoding="utf-8")
    done = _cli("clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "-q", "--no-dedup")
    assert done.returncode == 0, done.stderr
    rejects = {r["source"]["path"]: r for r in map(json.loads, (tmp_path / "out" / "rejects.jsonl").read_text(
        encoding="utf-8").splitlines())}
    assert rejects["blob.txt"]["reason"] == "no-words"
    assert "1,000,000" in rejects["blob.txt"]["message"]
    documents = (tmp_path / "out" / "documents" / "documents.jsonl").read_text(encoding="utf-8")
    kept = [json.loads(line)["source"]["path"] for line in documents.splitlines()]
    assert "article.txt" in kept and "blob.txt" not in kept
    assert "chinese.txt" in kept or rejects["chinese.txt"]["reason"] != "no-words"  # a script without spaces
    assert _manifest(tmp_path / "out")["steps"]["words"]["dropped_no-words"] == 1


# -- 7: language codes ------------------------------------------------------------------------

GERMAN = ("Der Stadtrat hat am Montag nach einer langen Debatte über die Finanzierung der Schulen den neuen "
          "Haushalt beschlossen. Die Mitglieder sagten, der Plan werde Lehrer einstellen und Gebäude im ganzen "
          "Bezirk reparieren. ") * 3
FRENCH = ("Le conseil municipal a approuvé lundi le nouveau budget après un long débat sur le financement des "
          "écoles. Les membres ont déclaré que le plan permettrait d'embaucher des enseignants. ") * 3


@pytest.mark.parametrize("flags", [["--languages", "en,de"], ["--languages", "en", "--languages", "de"],
                                   ["--languages", "EN, de"]])
def test_language_codes_are_accepted_comma_separated_or_repeated(tmp_path, flags):
    inp = tmp_path / "in"
    inp.mkdir()
    for name, text in (("en.txt", ARTICLE), ("de.txt", GERMAN), ("fr.txt", FRENCH)):
        (inp / name).write_text(text, encoding="utf-8")
    assert main(["clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "-q", *flags]) == 0
    manifest = _manifest(tmp_path / "out")
    assert manifest["counts"]["kept"] == 2 and manifest["reasons"] == {"language": 1}
    assert manifest["config"]["languages"] == ["en", "de"]


@pytest.mark.parametrize("code", ["english", "xx", "en,deutsch"])
def test_an_unknown_language_code_is_an_error_before_any_work(tmp_path, capsys, code):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "--languages", code]) == 2
    err = capsys.readouterr().err
    assert "unknown code(s)" in err and "zh-cn" in err and "--languages en,de" in err
    assert not (tmp_path / "out").exists()
    (tmp_path / "cleaner.toml").write_text('languages = ["en", "english"]\n', encoding="utf-8")
    assert main(["clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"),
                 "--config", str(tmp_path / "cleaner.toml")]) == 2
    assert "'english'" in capsys.readouterr().err


# -- 8: eval with nothing to compare ----------------------------------------------------------

def test_eval_without_a_single_matching_prediction_is_an_error_saying_what_it_looked_for(tmp_path, capsys):
    gold, pred = tmp_path / "gold", tmp_path / "pred"
    gold.mkdir()
    pred.mkdir()
    (gold / "a.gold.txt").write_text(ARTICLE, encoding="utf-8")
    (gold / "b.gold.txt").write_text(GERMAN, encoding="utf-8")
    (pred / "a.pred").write_text(ARTICLE, encoding="utf-8")
    assert main(["eval", str(tmp_path / "nope"), str(gold), "--gold-suffix", ".gold.txt"]) == 2
    assert f"predictions not found: {tmp_path / 'nope'}" in capsys.readouterr().err
    assert main(["eval", str(pred), str(gold), "--gold-suffix", ".gold.txt"]) == 2  # wrong suffix
    err = capsys.readouterr().err
    assert f"looked for {pred}/<name>.txt beside each <name>.gold.txt" in err and "--pred-suffix" in err
    assert main(["eval", str(pred), str(gold), "--gold-suffix", ".gold.txt", "--pred-suffix", ".pred"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("n=2 ") and "1 of 2 gold file(s) have no prediction" in err


# -- 6: the output folder inside the input folder ---------------------------------------------

def test_an_output_folder_inside_the_input_is_skipped_not_reingested(tmp_path):
    inp = tmp_path / "rc2"
    inp.mkdir()
    for n in range(3):
        (inp / f"{n}.txt").write_text(f"Story {n}\n\n{ARTICLE} Story number {n} differs. " * (n + 1), encoding="utf-8")
    first = _cli("clean", str(inp), "-o", str(inp / "clean"), "-j", "1")
    assert first.returncode == 0, first.stderr
    before = _manifest(inp / "clean")
    second = _cli("clean", str(inp), "-o", str(inp / "clean"), "-j", "1")
    assert second.returncode == 0, second.stderr
    after = _manifest(inp / "clean")
    assert after["counts"] == before["counts"] and after["counts"]["in"] == 3
    assert after["skipped"]["reasons"] == {"cleaner-output": 1} and "clean" in after["skipped"]["files"]
    assert "1 skipped (not documents: cleaner-output 1)" in second.stderr
    other = tmp_path / "rc2" / "older-run"  # another run's output folder inside the input, too
    assert _cli("clean", str(tmp_path / "rc2" / "0.txt"), "-o", str(other), "-q").returncode == 0
    third = _cli("clean", str(inp), "-o", str(inp / "clean"), "-j", "1", "-q")
    assert third.returncode == 0 and _manifest(inp / "clean")["counts"]["in"] == 3


# -- 9: an empty input folder, user files in OUT/texts -----------------------------------------

def test_an_empty_input_folder_says_so(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")
    assert main(["clean", str(tmp_path / "empty"), "-o", str(tmp_path / "out")]) == 0
    assert "warning: no input files found in" in capsys.readouterr().err
    assert main(["clean", str(tmp_path / "empty"), "-o", str(tmp_path / "out"), "--strict", "-q"]) == 1
    assert "no input files found" in capsys.readouterr().err


def test_a_rerun_never_deletes_user_files_in_the_texts_folder(tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["clean", str(inp), "-o", str(out), "-q", "--txt"]) == 0
    assert main(["clean", str(inp), "-o", str(out), "-q", "--txt"]) == 0  # a plain rerun replaces texts/ as before
    for foreign in ("notes.md", "mine.txt"):
        (out / "texts" / foreign).write_text("my own notes", encoding="utf-8")
        assert main(["clean", str(inp), "-o", str(out), "-q"]) == 2
        assert f"{out / 'texts'} holds files cleaner did not write" in capsys.readouterr().err
        assert (out / "texts" / foreign).read_text(encoding="utf-8") == "my own notes"
        (out / "texts" / foreign).unlink()
    assert main(["clean", str(inp), "-o", str(out), "-q"]) == 0


# -- 12: messages -----------------------------------------------------------------------------

def test_check_into_a_closed_pipe_ends_without_a_traceback(tmp_path):
    for n in range(40):
        (tmp_path / f"{n:02d}.txt").write_text("Sign up for our free weekly newsletter\n" * 200 + ARTICLE,
                                               encoding="utf-8")
    check = subprocess.Popen([sys.executable, "-m", "cleaner.commands.cli", "check", str(tmp_path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    check.stdout.readline()
    check.stdout.close()  # what `| head -1` does
    stderr = check.stderr.read().decode()
    assert check.wait(timeout=120) == 141
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def test_sigterm_stops_a_run_with_its_own_message_and_the_rerun_resumes(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for n in range(400):
        (inp / f"{n:03d}.txt").write_text(f"Story {n}\n\n{ARTICLE} This is story {n}.", encoding="utf-8")
    run = subprocess.Popen([sys.executable, "-m", "cleaner.commands.cli", "clean", str(inp), "-o", str(tmp_path / "out"),
                            "-j", "1"], stderr=subprocess.PIPE, text=True)
    state = tmp_path / "out" / ".cleaner-state" / "clean"
    for _ in range(1200):  # until the first chunk is clean
        if state.is_dir() and any(state.glob("*.pkl")):
            break
        if run.poll() is not None:
            pytest.fail(f"the run ended before it could be stopped: {run.stderr.read()}")
        time.sleep(0.1)
    run.send_signal(signal.SIGTERM)
    stderr = run.stderr.read()
    assert run.wait(timeout=120) == 143
    assert "cleaner: terminated (SIGTERM); run the same command again to resume" in stderr
    again = _cli("clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "-q", timeout=600)
    assert again.returncode == 0 and "resumed" in again.stderr, again.stderr
    assert _manifest(tmp_path / "out")["counts"]["in"] == 400


def test_a_resumed_end_phase_says_how_many_chunks_it_resumed(tmp_path, capsys, monkeypatch):
    inp = tmp_path / "in"
    inp.mkdir()
    for n in range(70):  # two chunks
        (inp / f"{n:02d}.txt").write_text(f"Story {n}\n\n{ARTICLE} This is story {n}.", encoding="utf-8")
    from cleaner.output.folder import OutputWriter

    def full_disk(self, manifest):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(OutputWriter, "close", full_disk)  # the end phase fails after every chunk is clean
        assert main(["clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "-q"]) == 3
    capsys.readouterr()
    assert main(["clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "-q"]) == 0
    assert "resumed 2 finished chunk(s)" in capsys.readouterr().err


def _warc_head(kind: str, length: str) -> bytes:
    return (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}>\r\n"
            f"WARC-Date: 2024-05-01T10:00:00Z\r\nContent-Length: {length}\r\n\r\n").encode()


def test_a_negative_warc_content_length_is_named_and_a_truncated_record_is_errored_only(tmp_path, capsys):
    body = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
    (tmp_path / "negative.warc").write_bytes(_warc_head("request", "-5") + body + b"\r\n\r\n")
    (tmp_path / "cut.warc").write_bytes(_warc_head("request", str(len(body) + 500)) + body)
    assert main(["clean", str(tmp_path / "negative.warc"), str(tmp_path / "cut.warc"), "-o", str(tmp_path / "out"),
                 "-q"]) == 0
    errors = {e["path"]: e for e in _errors(tmp_path / "out")}
    assert "Content-Length '-5' is not a length" in errors["negative.warc"]["message"]
    assert "no Content-Length" not in errors["negative.warc"]["message"]
    assert errors["cut.warc"]["reason"] == "truncated"
    manifest = _manifest(tmp_path / "out")
    assert manifest["counts"]["errored"] == 2 and manifest["skipped"]["total"] == 0


# -- 11: progress outside a terminal ----------------------------------------------------------

STARTUP_ALLOWANCE = 4.0  # seconds: importing cleaner and forking before the first pass
STORIES = 600  # enough that the cleaning pass outlasts several intervals on a fast machine
INTERVAL = 0.2  # seconds between progress lines


def test_without_a_terminal_progress_lines_come_at_a_steady_interval(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for n in range(STORIES):
        (inp / f"{n:03d}.txt").write_text(f"Story {n}\n\n{ARTICLE} This is story {n}.", encoding="utf-8")
    started = time.monotonic()
    done = _cli("clean", str(inp), "-o", str(tmp_path / "out"), "-j", "1", "--progress-interval", str(INTERVAL), timeout=600)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("cleaner: counting lines:")
             or line.startswith("cleaner: cleaning:")]
    counting = [line for line in lines if "counting lines" in line]
    cleaning = [line for line in lines if "cleaning:" in line]
    # a line per interval of each pass, and one at its end; the interpreter's start-up
    # (seconds on a loaded machine) prints nothing, so it is not counted
    assert len(lines) >= (took - STARTUP_ALLOWANCE) / INTERVAL * 0.5, (took, lines)
    assert counting and cleaning
    assert " of " in counting[0] and f"from {STORIES} file(s)" in counting[0]  # the first pass has a total too
    assert cleaning[-1].startswith(f"cleaner: cleaning: {STORIES} of {STORIES} documents (100%)")
    assert "MB/s" in cleaning[0] and "documents/s" in cleaning[0] and f"kept {STORIES}" in cleaning[-1]
    assert any("ETA" in line for line in cleaning[:-1]), lines  # a line before the end
    quiet = _cli("clean", str(inp), "-o", str(tmp_path / "out2"), "-j", "1", "--progress-interval", "0", timeout=600)
    assert "cleaning:" not in quiet.stderr


# -- 10: heuristic ids are first-class --------------------------------------------------------

CAPTIONED = ("Harbour plan approved\n\n" + ARTICLE + "\nPicture: Gazette archive, the harbour at dawn\n" + ARTICLE.replace(
    "council", "board") + "\n")


def _removed(out: Path) -> list[dict]:
    """The removals of the one kept document, as --provenance full writes them."""
    (record,) = [json.loads(line) for line in (out / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    return record["removed"]


def test_heuristic_ids_are_listed_selected_and_disabled_like_rules(tmp_path, capsys):
    assert main(["rules", "list"]) == 0
    listing = capsys.readouterr().out
    assert "  H-CAPTION      caption     heuristic" in listing and "13 of 13 heuristics enabled" in listing
    assert main(["rules", "list", "--disable", "H-CAPTION"]) == 0
    assert "- H-CAPTION" in capsys.readouterr().out
    assert main(["rules", "show", "H-TAIL"]) == 0 and '"kind": "heuristic"' in capsys.readouterr().out
    page = tmp_path / "page.txt"
    page.write_text("Home | News | Sport\n" + CAPTIONED, encoding="utf-8")
    assert main(["clean", str(page), "-o", str(tmp_path / "all"), "-q", "--provenance", "full"]) == 0
    (caption,) = [r for r in _removed(tmp_path / "all") if r["category"] == "caption"]
    assert caption["rule"] == "CP001" and caption["reason"].startswith("H-CAPTION")  # found by both
    assert main(["clean", str(page), "-o", str(tmp_path / "h-off"), "-q", "--provenance", "full", "--disable", "H-CAPTION"]) == 0
    (caption,) = [r for r in _removed(tmp_path / "h-off") if r["category"] == "caption"]
    assert caption["rule"] == "CP001" and not (caption.get("reason") or "").startswith("H-")  # the rule alone
    for off in (["H-CAPTION", "CP001"], ["caption"]):  # by ids, and by category: the heuristic is off too
        flags = [arg for rule in off for arg in ("--disable", rule)]
        assert main(["clean", str(page), "-o", str(tmp_path / off[-1]), "-q", "--provenance", "full", *flags]) == 0
        removed = _removed(tmp_path / off[-1])
        assert not any(r["category"] == "caption" for r in removed), removed
        assert any(r["category"] == "navigation" for r in removed)  # the other removers still work
    assert main(["clean", str(page), "-o", str(tmp_path / "only"), "-q", "--provenance", "full", "--select", "H-CAPTION"]) == 0
    assert {r["rule"] for r in _removed(tmp_path / "only") if r["category"] != "title"} == {"H-CAPTION"}
    assert main(["check", str(page), "--fail-on", "H-CAPTION,caption"]) == 1  # a heuristic id is a known name


def test_a_heuristic_removal_is_credited_only_to_a_rule_whose_category_fits(tmp_path):
    from test_rules_crediting import CRAFTED

    page = tmp_path / "page.txt"
    page.write_text("Sci/Environment\n" + CRAFTED, encoding="utf-8")
    assert main(["clean", str(page), "-o", str(tmp_path / "out"), "-q", "--provenance", "full"]) == 0
    by_text = {r["text"]: r for r in _removed(tmp_path / "out")}
    # a breadcrumb before the body was credited to a caption rule (CP002)
    assert (by_text["Sci/Environment"]["rule"], by_text["Sci/Environment"]["category"]) == ("H-HEAD", "navigation")
    # a copyright line inside a comment section was credited to the section's rule (CM004 comments)
    copyright_line = by_text["© 2024 Example Media. All rights reserved."]
    assert (copyright_line["rule"], copyright_line["category"]) == ("LG001", "legal")
    assert copyright_line["reason"].startswith("H-TAIL")
    assert by_text["Advertisement"]["rule"] == "AD001"  # a fitting rule is still named
