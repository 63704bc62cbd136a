"""Selecting and disabling rules by id or category, from flags and from the config file."""
import json
import re
from pathlib import Path

from cleaner.commands.cli import main

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpora" / "raw"
LISTED = re.compile(r"^(?P<flag>[ -]) (?P<id>[A-Z]{2,4}\d{3})  (?P<category>\S+)\s+(?P<safety>\S+)\s+", re.MULTILINE)


def _listing(capsys, *args: str) -> dict[str, tuple[bool, str, str]]:
    assert main(["rules", "list", *args]) == 0
    out = capsys.readouterr().out
    rules = {m["id"]: (m["flag"] == " ", m["category"], m["safety"]) for m in LISTED.finditer(out)}
    enabled = sum(on for on, _, _ in rules.values())
    assert re.search(rf"^{enabled} of {len(rules)} rules enabled \(safety <= ", out, re.MULTILINE)
    return rules


def test_rules_list_marks_disabled_rules(capsys):
    default = _listing(capsys)
    assert len(default) > 20
    assert all(on == (safety != "aggressive") for on, _, safety in default.values())
    no_ads = _listing(capsys, "--disable", "ads", "--disable", "SH001")
    assert {rid for rid, (on, cat, safety) in default.items() if on and cat != "ads" and rid != "SH001"} == \
        {rid for rid, (on, _, _) in no_ads.items() if on}
    assert no_ads["SH001"][0] is False
    only = _listing(capsys, "--select", "share", "--select", "AD001")
    assert {rid for rid, (on, _, _) in only.items() if on} == \
        {rid for rid, (on, cat, _) in default.items() if on and (cat == "share" or rid == "AD001")}
    everything = _listing(capsys, "--safety", "aggressive")
    assert all(on for on, _, _ in everything.values())


def test_rules_list_reads_select_and_disable_from_the_config_file(tmp_path, capsys):
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text('select = ["newsletter", "share"]\ndisable = ["NL002"]\n')
    rules = _listing(capsys, "--config", str(cfg))
    on = {rid for rid, (enabled, _, _) in rules.items() if enabled}
    assert on and all(rules[rid][1] in ("newsletter", "share") for rid in on)
    assert "NL002" not in on and "NL003" in on
    flags_win = _listing(capsys, "--config", str(cfg), "--select", "ads")  # flags override the file
    assert {rules_id for rules_id, (enabled, _, _) in flags_win.items() if enabled} == \
        {rid for rid, (enabled, cat, _) in _listing(capsys).items() if enabled and cat == "ads"} - {"NL002"}


def test_unknown_rule_or_category_is_a_usage_error(tmp_path, capsys):
    assert main(["rules", "list", "--disable", "NOPE999"]) == 2
    assert "unknown rule id or category: NOPE999" in capsys.readouterr().err
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text('select = ["adz"]\n')
    assert main(["clean", str(RAW), "-o", str(tmp_path / "out"), "--config", str(cfg)]) == 2
    assert "adz" in capsys.readouterr().err and not (tmp_path / "out" / "documents" / "documents.jsonl").exists()
    assert main(["check", str(RAW), "--config", str(cfg)]) == 2


def test_selection_changes_what_clean_and_check_remove(tmp_path, capsys):
    page = RAW / "000_b3731beca62694aa.txt"
    assert main(["check", str(page), "--format", "json"]) == 1
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert {"NL002", "NL003"} <= rules
    cfg = tmp_path / "cleaner.toml"
    cfg.write_text('disable = ["NL002"]\n')
    assert main(["check", str(page), "--format", "json", "--config", str(cfg)]) == 1
    assert "NL002" not in {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert main(["clean", str(page), "-o", str(tmp_path / "out"), "-q", "--config", str(cfg)]) == 0
    (doc,) = [json.loads(line) for line in (tmp_path / "out" / "removed.jsonl").read_text().splitlines()]
    removed = {r["rule"] for r in doc["removed"]}
    assert "NL002" not in removed and "NL003" in removed
    assert main(["clean", str(page), "-o", str(tmp_path / "sel"), "-q", "--select", "NL002"]) == 0
    (doc,) = [json.loads(line) for line in (tmp_path / "sel" / "removed.jsonl").read_text().splitlines()]
    assert {r["rule"] for r in doc["removed"] if not r["rule"].startswith("H-")} == {"NL002"}
