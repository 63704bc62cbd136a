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


RECIPE_RULES = """\
categories:
  recipe-feedback: Prompts of recipe pages asking the reader to rate or report on a dish.
rules:
  - id: RC001
    name: recipe-feedback-prompt
    category: recipe-feedback
    scope: line
    safety: safe
    description: >
      Removes a line that asks whether the reader made the dish ("Did you make this recipe?
      Leave a rating below!"); the prompt is the page template's, never part of the recipe.
    regex: 'did you (?:make|bake|cook|try) this (?:recipe|loaf|dish|cake)\\?.{0,100}'
    guards: {max_chars: 160}
    strip: ["Did you make this recipe? Leave a rating below!"]
    keep: [Did you bake this loaf before the guests came, she asked; he had not.]
"""
RECIPE_PAGE = ("A Loaf for Every Week\n\n"
               "This bread needs only flour, water, salt and a little yeast, and it keeps for days. "
               "Mix everything the evening before, let the dough rest overnight in a cool room, and "
               "shape it in the morning before it goes into a very hot oven for forty minutes.\n\n"
               "Did you bake this loaf? We would love to hear how it turned out for you.\n\n"
               "The crust is best when the loaf cools on a rack for an hour before it is cut, and "
               "the crumb stays soft if the bread is kept in a cloth bag rather than in the fridge.\n")
PROMPT = "Did you bake this loaf?"


def test_a_rule_file_declares_a_new_category_that_every_command_knows(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "recipe.yaml").write_text(RECIPE_RULES, encoding="utf-8")
    (tmp_path / "in").mkdir()
    page = tmp_path / "in" / "bread.txt"
    page.write_text(RECIPE_PAGE, encoding="utf-8")
    assert main(["rules", "test", str(rules)]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out
    only = _listing(capsys, "--rules", str(rules), "--select", "recipe-feedback")
    assert only["RC001"] == (True, "recipe-feedback", "safe") and sum(on for on, _, _ in only.values()) == 1
    assert _listing(capsys, "--rules", str(rules), "--disable", "recipe-feedback")["RC001"][0] is False

    assert main(["clean", str(page), "-o", str(tmp_path / "out"), "-q", "--rules", str(rules),
                 "--provenance", "full"]) == 0
    (doc,) = [json.loads(line) for line in (tmp_path / "out" / "documents" / "documents.jsonl").read_text().splitlines()]
    assert PROMPT not in doc["text"] and "flour" in doc["text"]
    (removed,) = [json.loads(line) for line in (tmp_path / "out" / "removed.jsonl").read_text().splitlines()]
    assert [(r["rule"], r["category"]) for r in removed["removed"] if PROMPT in r["text"]] == [("RC001", "recipe-feedback")]
    assert main(["clean", str(page), "-o", str(tmp_path / "off"), "-q", "--rules", str(rules),
                 "--disable", "recipe-feedback"]) == 0
    (doc,) = [json.loads(line) for line in (tmp_path / "off" / "documents" / "documents.jsonl").read_text().splitlines()]
    assert PROMPT in doc["text"]
    capsys.readouterr()
    assert main(["check", str(page), "--rules", str(rules), "--format", "json", "--fail-on", "recipe-feedback"]) == 1
    assert "RC001" in {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}

    # undeclared, the category is refused with the file and rule named
    (rules / "recipe.yaml").write_text(RECIPE_RULES.split("rules:\n", 1)[1].join(["rules:\n", ""]), encoding="utf-8")
    assert main(["rules", "list", "--rules", str(rules)]) == 2
    assert "recipe.yaml: rule RC001: category 'recipe-feedback' is not one of ads," in capsys.readouterr().err
