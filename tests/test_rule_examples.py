"""The built-in rule set (rules/*.yaml): every rule's own examples, its metadata, and the
seed articles whose article lines no rule may remove.

One parametrised test replays every ``strip:``/``keep:`` example of every rule (sqlfluff's
model), with ids like ``AD001-strip-0`` so ``pytest -k AD001`` runs one rule's examples.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex

from cleaner.document import Document, Source, tidy
from cleaner.parse.normalize import normalize
from cleaner.rules.engine import apply_rules
from cleaner.rules.examples import run_example
from cleaner.rules.model import CATEGORIES, load_rule_file, RuleError, RuleSet

ROOT = Path(__file__).resolve().parents[1]  # the repo: tests/ sits at its top level
RULES_DIR = ROOT / "rules"
RAW_DIR = ROOT / "corpora" / "raw"
CLEAN_DOCUMENTS = ROOT / "corpora" / "clean" / "documents" / "documents.jsonl"
SEEDS_GOLD_DIR = ROOT.parent / "shared" / "corpora" / "seeds-gold"  # optional, not in the repo

RULES = RuleSet.load([RULES_DIR], builtin=False)

# Every id ever shipped. Ids are stable forever: a rule may change or be retired (then keep its
# id here and in a retired list), but an id is never reused for a different rule.
SHIPPED_IDS = frozenset("""
    AD001 AD002 AD003 AD004
    BY001 BY002 BY003 BY004
    CK001 CK002
    CM001 CM002 CM003 CM004
    CP001 CP002 CP003 CP004
    DN001 DN002 DN003 DN004 DN005 DN006
    DT001 DT002 DT003
    LG001 LG002 LG003 LG004 LG005 LG006
    NL001 NL002 NL003 NL004
    NV001 NV002 NV003 NV004 NV005 NV006 NV007 NV008 NV009
    PW001 PW002 PW003
    RL001 RL002 RL003
    SH001 SH002 SH003 SH004 SH005
    SR001 SR002
    TG001 TG002
""".split())

# The id prefix each category's rules use (a category may have several prefixes).
PREFIXES = {
    "ads": {"AD"}, "donation": {"DN"}, "newsletter": {"NL"}, "share": {"SH"}, "social": {"SH"},
    "comments": {"CM"}, "navigation": {"NV"}, "caption": {"CP"}, "related": {"RL"},
    "byline": {"BY"}, "dateline": {"DT"}, "legal": {"LG"}, "cookie": {"CK"},
    "paywall": {"PW"}, "tags": {"TG"}, "promo": {"PR"}, "boilerplate": {"SR", "BP"},
}


def _examples():
    for rule in RULES.rules:
        for kind, examples in (("strip", rule.strip), ("keep", rule.keep)):
            for i, example in enumerate(examples):
                yield pytest.param(rule, kind, example, id=f"{rule.id}-{kind}-{i}")


@pytest.mark.parametrize(("rule", "kind", "example"), list(_examples()))
def test_rule_example(rule, kind, example):
    got = run_example(rule, example.text)
    if kind == "strip":
        want = tidy(normalize(example.expect))
        assert got != tidy(normalize(example.text)), f"{rule.id} ({rule.file}) removed nothing"
    else:
        want = tidy(normalize(example.text))
    assert got == want, f"{rule.id} ({rule.file}) {kind} example"


# -- metadata ----------------------------------------------------------------------------------

def test_every_rule_has_strip_and_keep_examples():
    missing = [f"{r.id} ({r.file}): no {kind} example"
               for r in RULES.rules for kind in ("strip", "keep") if not getattr(r, kind)]
    assert not missing, "\n".join(missing)


def test_ids_unique_well_formed_and_stable():
    ids = [r.id for r in RULES.rules]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    assert all(regex.fullmatch(r"[A-Z]{2,4}[0-9]{3}", i) for i in ids)
    retired = SHIPPED_IDS - set(ids)
    assert not retired, f"shipped rule ids disappeared (ids are stable forever): {sorted(retired)}"
    unlisted = set(ids) - SHIPPED_IDS
    assert not unlisted, f"new rule ids: add them to SHIPPED_IDS: {sorted(unlisted)}"


def test_id_prefix_matches_category():
    wrong = [f"{r.id}: category {r.category} uses prefixes {sorted(PREFIXES[r.category])}"
             for r in RULES.rules if regex.match(r"[A-Z]+", r.id)[0] not in PREFIXES[r.category]]
    assert not wrong, "\n".join(wrong)
    assert set(PREFIXES) == set(CATEGORIES), "PREFIXES must cover exactly the engine's categories"


def test_names_unique_and_kebab_case():
    names = [r.name for r in RULES.rules]
    assert len(names) == len(set(names)), "duplicate rule names"
    bad = [n for n in names if not regex.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", n)]
    assert not bad, f"names must be kebab-case: {bad}"


def test_descriptions_follow_the_template():
    """What it removes and why it is boilerplate; "Known problems:" where there are some."""
    bad = []
    for r in RULES.rules:
        text = " ".join(r.description.split())
        if not text.startswith("Removes "):
            bad.append(f"{r.id}: description must start with 'Removes ...'")
        if len(text) < 80:
            bad.append(f"{r.id}: description too short to say what and why")
        if r.safety == "aggressive" and "Known problems:" not in text:
            bad.append(f"{r.id}: an aggressive rule must document its 'Known problems:'")
    assert not bad, "\n".join(bad)


def test_risky_scopes_are_guarded():
    """to-end rules only fire in the tail; line rules that search inside a line are bounded."""
    bad = []
    for r in RULES.rules:
        if r.scope == "to-end" and r.guards.position != "tail":
            bad.append(f"{r.id}: a to-end rule needs guards.position: tail")
        if r.scope == "line" and r.match == "search" and r.guards.max_words is None \
                and r.guards.max_chars is None:
            bad.append(f"{r.id}: a match: search line rule needs max_words or max_chars")
    assert not bad, "\n".join(bad)


# -- invalid rule files --------------------------------------------------------------------------

_VALID = {"id": "XX001", "name": "example", "category": "ads", "description": "Removes x.",
          "scope": "line", "regex": "Advertisement"}


def _rule_yaml(**changes) -> str:
    import yaml

    rule = {k: v for k, v in {**_VALID, **changes}.items() if v is not None}
    return yaml.safe_dump({"rules": [rule]}, allow_unicode=True)


@pytest.mark.parametrize(("changes", "reason"), [
    pytest.param({"colour": "red"}, "unknown key", id="unknown-key"),
    pytest.param({"regex": "(unclosed"}, "invalid regex", id="bad-regex"),
    pytest.param({"scope": None}, "'scope'", id="missing-scope"),
    pytest.param({"scope": "block"}, "needs 'end'", id="block-without-end"),
    pytest.param({"category": "weather"}, "category 'weather'", id="bad-category"),
    pytest.param({"scope": "paragraph"}, "scope 'paragraph'", id="bad-scope"),
    pytest.param({"guards": {"max_lines": 3}}, "guards", id="bad-guard-key"),
])
def test_invalid_rule_file_names_file_rule_and_reason(tmp_path, changes, reason):
    path = tmp_path / "broken.yaml"
    path.write_text(_rule_yaml(**changes), encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rule_file(path)
    message = str(err.value)
    assert "broken.yaml" in message and "XX001" in message and reason in message, message


def test_ruleset_load_reports_the_broken_file(tmp_path):
    (tmp_path / "broken.yaml").write_text(_rule_yaml(regex="[a-"), encoding="utf-8")
    with pytest.raises(RuleError, match=r"broken\.yaml: rule XX001: invalid regex"):
        RuleSet.load([tmp_path], builtin=False)


# -- the seed articles ---------------------------------------------------------------------------

def _kept_text(raw: str, rules: RuleSet) -> tuple[str, set[str]]:
    doc = Document(id="seed", normalised=normalize(raw),
                   source=Source(path="<seed>", sha256="", format="text"))
    apply_rules(doc, rules.ordered())
    return doc.normalised, {line.strip() for line in doc.text.split("\n") if line.strip()}


def _lost_lines(raw_path: Path, clean_text: str, rules: RuleSet) -> list[str]:
    """Lines of the clean text that are lines of the raw input but that the rules removed."""
    normalised, kept = _kept_text(raw_path.read_text(encoding="utf-8"), rules)
    raw_lines = {line.strip() for line in normalised.split("\n")}
    clean = [normalize(line).strip() for line in clean_text.split("\n")]
    return [line for line in clean if line and line in raw_lines and line not in kept]


def _seed_pairs(gold_dir: Path):
    raws = sorted(RAW_DIR.glob("*.txt"))
    return [pytest.param(raw, gold_dir / raw.name, id=raw.stem) for raw in raws]


def _committed_clean() -> dict[str, str]:
    """Title and text of each document of the committed corpora/clean, by input file name."""
    if not CLEAN_DOCUMENTS.is_file():
        return {}
    records = [json.loads(line) for line in CLEAN_DOCUMENTS.read_text(encoding="utf-8").splitlines()]
    return {r["source"]["path"]: f"{r['title']}\n\n{r['text']}" if r["title"] else r["text"] for r in records}


@pytest.mark.parametrize("safety", ["moderate", "aggressive"])
@pytest.mark.parametrize("raw", sorted(RAW_DIR.glob("*.txt")), ids=lambda p: p.stem)
def test_rules_keep_every_line_of_the_committed_clean_output(raw, safety):
    clean = _committed_clean().get(raw.name)
    if clean is None:
        pytest.skip(f"{raw.name} has no document in corpora/clean")
    lost = _lost_lines(raw, clean, RULES.select(safety=safety))
    assert not lost, f"rules removed article lines of {raw.name}: {lost}"


@pytest.mark.parametrize("safety", ["moderate", "aggressive"])
@pytest.mark.parametrize(("raw", "clean"), _seed_pairs(SEEDS_GOLD_DIR))
def test_rules_keep_every_seeds_gold_line(raw, clean, safety):
    """The same check against the shared gold, when that folder sits beside the repo."""
    if not clean.is_file():
        pytest.skip("shared seeds-gold not available")
    lost = _lost_lines(raw, clean.read_text(encoding="utf-8"), RULES.select(safety=safety))
    assert not lost, f"rules removed article lines of {raw.name}: {lost}"


def test_rules_remove_the_seed_boilerplate():
    """The rule-shaped boilerplate of the seeds goes with the default rule selection."""
    expected_gone = {
        "000_b3731beca62694aa.txt": ["Advertisement", "Stay informed, daily",
                                     "Copyright © 2024 The New Daily.", "All rights reserved."],
        "001_c628c22ee27f1dd4.txt": ["Author: Dave DeCamp"],
        "002_282b45ed3f5731a8.txt": ["• Live", "• facebook", "News > Russia",
                                     "Published 23 September 2022", "Post with no comments."],
        "003_1f3c99dd285c46df.txt": ["Support The Moscow Times!", "Remind me later.", "Read more"],
        "004_057b8eb8a9c2fd9c.txt": ["Spread the love", "[ad_1]", "Source link", "Leave a Reply"],
    }
    rules = RULES.select(safety="moderate")
    for name, lines in expected_gone.items():
        path = RAW_DIR / name
        if not path.is_file():
            pytest.skip(f"{path} missing")
        _, kept = _kept_text(path.read_text(encoding="utf-8"), rules)
        assert not set(lines) & kept, f"{name}: still there: {sorted(set(lines) & kept)}"
