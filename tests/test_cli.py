"""The command line: clean, explain, eval, rules; configuration and exit codes."""
import json
from pathlib import Path

import pytest

from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpora" / "raw"
SCHEMA = ROOT / "schema" / "document.schema.json"

AD_PAGE = ("Advertisement\n\nCity Opens New Library\n\n"
           "The city opened a new public library on Monday, the first in the district for forty years. [ad_1] "
           "It has room for 80,000 books and a children's wing.\n\n"
           "Officials said the building cost 12 million dollars and was paid for by a bond approved by voters.\n")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_clean_writes_documents_with_provenance(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "library.txt").write_text(AD_PAGE, encoding="utf-8")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--provenance", "full",
                 "--txt"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    (removed,) = _jsonl(tmp_path / "out" / "removed.jsonl")
    assert removed["id"] == doc["id"] and "removed" not in doc
    doc["removed"] = removed["removed"]
    assert doc["title"] == "City Opens New Library"
    assert "Advertisement" not in doc["text"] and doc["text"].startswith("The city opened")
    assert doc["lang"] == "en" and 0.5 < doc["lang_prob"] <= 1.0
    assert doc["source"]["path"] == "library.txt" and doc["source"]["format"] == "text"
    assert len(doc["source"]["sha256"]) == 64
    head, ad = doc["removed"][0], [r for r in doc["removed"] if r["text"].startswith("[ad_1]")][0]
    # the heuristics removed it first ("before body start"); the rule that also removes it is credited
    assert (head["rule"], head["category"], head["text"]) == ("AD001", "ads", "Advertisement")
    assert head["reason"].startswith("H-HEAD: before body start")
    assert ad["rule"].startswith("AD") and ad["text"].startswith("[ad_1]") and "[ad_1]" not in doc["text"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"] == {"in": 1, "kept": 1, "rejected": 0, "errored": 0}
    assert manifest["files"]["library.txt"]["kept"] == 1
    assert len(manifest["rules"]["sha256"]) == 64 and manifest["rules"]["count"] > 20
    assert manifest["config"]["safety"] == "moderate"
    assert (tmp_path / "out" / "texts" / "library.txt").read_text().startswith("City Opens New Library\n\n")


def test_documents_match_the_published_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    assert main(["clean", str(RAW), "-o", str(tmp_path / "out"), "-q"]) == 0
    schema = json.loads(SCHEMA.read_text())
    for doc in _jsonl(tmp_path / "out" / "documents" / "documents.jsonl"):
        jsonschema.validate(doc, schema)


def test_short_and_binary_inputs_are_rejected_or_reported_never_lost(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "short.txt").write_text("Advertisement\n\nThe council met on Monday and approved the new budget for the schools.\n")
    (inp / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (inp / "empty.txt").write_bytes(b"")
    (inp / "ok.txt").write_text(AD_PAGE)
    assert main(["clean", str(inp), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert main(["clean", str(inp), "-o", str(tmp_path / "strict"), "-q", "--strict"]) == 1
    rejects = {r["source"]["path"]: r["reason"] for r in _jsonl(tmp_path / "out" / "rejects.jsonl")}
    assert rejects == {"empty.txt": "empty", "short.txt": "too-short"}
    (error,) = _jsonl(tmp_path / "out" / "errors.jsonl")
    assert error["path"] == "image.txt" and error["reason"] == "binary" and "a PNG image" in error["message"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"] == {"in": 4, "kept": 1, "rejected": 2, "errored": 1}


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["clean", str(tmp_path / "missing"), "-o", str(tmp_path / "out")]) == 2
    bad = tmp_path / "cleaner.toml"
    bad.write_text('safety = "moderate"\nmin_wrods = 3\n')
    assert main(["clean", str(RAW), "-o", str(tmp_path / "out"), "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown key(s) min_wrods" in err and "min_words" in err
    assert not (tmp_path / "out" / "documents" / "documents.jsonl").exists()
    with pytest.raises(SystemExit) as exc:
        main(["clean"])
    assert exc.value.code == 2


def test_config_file_and_flags_layer(tmp_path):
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text('[tool.cleaner]\nmin-words = 100000\n')
    assert main(["clean", str(RAW), "-o", str(tmp_path / "a"), "-q", "--config", str(cfg)]) == 0
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["counts"]["kept"] == 0
    assert main(["clean", str(RAW), "-o", str(tmp_path / "b"), "-q", "--config", str(cfg), "--min-words", "5"]) == 0
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["counts"]["kept"] == 5


def test_user_rules_folder_and_invalid_rules(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "site.yaml").write_text(
        "rules:\n"
        "  - id: XX001\n    name: library-promo\n    category: promo\n"
        "    description: Promo line of a test site.\n    scope: span\n"
        "    phrases: [\"It has room for 80,000 books and a children's wing.\"]\n    match: search\n")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "library.txt").write_text(AD_PAGE)
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--rules", str(rules)]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    (removed,) = _jsonl(tmp_path / "out" / "removed.jsonl")
    assert "XX001" in [r["rule"] for r in removed["removed"]] and "80,000 books" not in doc["text"]
    (rules / "site.yaml").write_text("rules:\n  - id: XX001\n    name: x\n    category: promo\n"
                                     "    description: d\n    scope: line\n    regex: '(unclosed'\n")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out2"), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "site.yaml" in err and "XX001" in err and "invalid regex" in err


def test_select_and_disable_rules(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "library.txt").write_text(AD_PAGE)
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--disable", "ads"]) == 0
    (removed,) = _jsonl(tmp_path / "out" / "removed.jsonl")
    assert "AD001" not in [r["rule"] for r in removed["removed"]]


def test_explain_marks_every_removal_with_its_rule(capsys):
    assert main(["explain", str(RAW / "004_057b8eb8a9c2fd9c.txt"), "--color", "never"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("T Putin says some") for line in out)
    assert any(line.startswith("- [ad_1]") and "# AD" in line and "(H-" in line for line in out)
    assert any(line.startswith("- [ad_2]") and "# AD" in line for line in out)
    assert any(line.startswith("- Leave a Reply") for line in out)
    assert any(line.startswith("- Leave a Reply") and "comments" in line for line in out)
    assert any(line.startswith("  Russian president Vladimir Putin said") for line in out)


def test_eval_scores_prediction_against_gold(tmp_path, capsys):
    gold, pred = tmp_path / "gold", tmp_path / "pred"
    gold.mkdir(), pred.mkdir()
    (gold / "a.txt").write_text("one two three four five six seven")
    (pred / "a.txt").write_text("one two three four five six seven")
    (gold / "b.txt").write_text("alpha beta gamma delta epsilon")
    (pred / "b.txt").write_text("menu home about alpha beta gamma delta epsilon")
    assert main(["eval", str(pred), str(gold)]) == 0
    out = capsys.readouterr().out
    assert "n=2" in out and "recall=1.000" in out and "precision=0.700" in out


def test_rules_list_show_and_test(tmp_path, capsys):
    assert main(["rules", "list"]) == 0
    listing = capsys.readouterr().out
    assert "AD001" in listing and "ads" in listing
    assert main(["rules", "show", "AD001"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "AD001"
    assert main(["rules", "test"]) == 0
    assert " 0 failed" in capsys.readouterr().out
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text(
        "rules:\n  - id: MY001\n    name: hello\n    category: promo\n    description: d\n"
        "    scope: line\n    phrases: [hello world]\n    strip: ['hello world']\n    keep: ['hello world']\n")
    assert main(["rules", "test", str(rules)]) == 1
    assert "FAIL MY001" in capsys.readouterr().out
