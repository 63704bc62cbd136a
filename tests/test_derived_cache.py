"""The cache of derived data (cleaner.derived): a run that loads langdetect's matrix and the
rules' literal analysis from it writes the same bytes as one that computes them, and a missing,
damaged, unwritable or concurrently written cache never changes what a run gives."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import regex

from cleaner import derived
from cleaner.langid import detect
from cleaner.rules import literal_cache, literals, pattern_cache
from cleaner.rules.model import RuleSet

ROOT = Path(__file__).resolve().parents[1]


def test_clean_output_is_byte_identical_with_and_without_the_cache(tmp_path, mixed_inputs, clean_outputs):
    cache = tmp_path / "cache"
    without = clean_outputs(mixed_inputs, tmp_path / "without", CLEANER_CACHE_DIR="")
    cold = clean_outputs(mixed_inputs, tmp_path / "cold", CLEANER_CACHE_DIR=str(cache))
    entries = sorted(p.name.split("-")[0] + "-" + p.name.split("-")[1] for p in cache.iterdir())
    assert entries == ["langdetect-profiles", "lsh-params", "rule-literals", "rule-patterns", "stopword-votes"]
    warm = clean_outputs(mixed_inputs, tmp_path / "warm", CLEANER_CACHE_DIR=str(cache))
    assert len(without["documents/documents.jsonl"].splitlines()) >= 15
    assert sorted(without) == sorted(cold) == sorted(warm)
    assert [name for name in without if not without[name] == cold[name] == warm[name]] == []


def _fresh_detector(monkeypatch, cache: str) -> "detect._FastDetector":
    monkeypatch.setenv(derived.CACHE_VARIABLE, cache)
    from langdetect.detector_factory import PROFILES_DIRECTORY

    return detect._FastDetector(PROFILES_DIRECTORY, 0)


def test_cached_profiles_equal_the_computed_ones(tmp_path, monkeypatch):
    computed = _fresh_detector(monkeypatch, "")
    cold = _fresh_detector(monkeypatch, str(tmp_path))
    warm = _fresh_detector(monkeypatch, str(tmp_path))
    assert isinstance(warm.profiles, np.memmap) and not isinstance(computed.profiles, np.memmap)
    for detector in (cold, warm):
        assert detector.langlist == computed.langlist
        assert list(detector.ngram_index.items()) == list(computed.ngram_index.items())
        assert detector.profiles.dtype == computed.profiles.dtype and np.array_equal(detector.profiles,
                                                                                     computed.profiles)
    text = "Der Kanzler sagte am Montag, dass die Regierung nicht zurücktreten werde."
    assert warm.probabilities(text)[0].prob == computed.probabilities(text)[0].prob


def _fresh_vote_table(monkeypatch, cache: str):
    monkeypatch.setenv(derived.CACHE_VARIABLE, cache)
    detect._vote_table.cache_clear()
    try:
        row, codes, masks, shifts, logs = detect._vote_table()
    finally:
        detect._vote_table.cache_clear()
    return {word: int(masks[i]) for word, i in row.items()}, codes, shifts.tolist(), logs.tolist()


def test_cached_stopword_votes_equal_the_computed_ones(tmp_path, monkeypatch):
    computed = _fresh_vote_table(monkeypatch, "")
    cold = _fresh_vote_table(monkeypatch, str(tmp_path))
    [entry] = tmp_path.iterdir()
    assert entry.name.startswith("stopword-votes-")
    warm = _fresh_vote_table(monkeypatch, str(tmp_path))
    assert len(computed[0]) > 50_000 and len(computed[1]) == 55
    assert cold == computed and warm == computed
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short: computed again
    assert _fresh_vote_table(monkeypatch, str(tmp_path)) == computed


def test_lsh_params_from_the_cache_equal_the_fitted_ones(tmp_path, monkeypatch):
    from cleaner.dedup import minhash

    asked = [(0.4, 128), (0.8, 128), (0.5, 64, 0.5)]
    for cache in ("", str(tmp_path), str(tmp_path)):  # off, cold, warm
        monkeypatch.setenv(derived.CACHE_VARIABLE, cache)
        minhash.lsh_params.cache_clear()
        assert [minhash.lsh_params(*args) for args in asked] == [minhash.fitted_lsh_params(*args) for args in asked]
    [entry] = tmp_path.iterdir()
    assert entry.name.startswith("lsh-params-")
    # an answer that cannot be (bands * rows > num_perm) is fitted again, not used
    memo = derived.Memo("lsh-params", derived.source_of(minhash.__file__), np.__version__)
    memo.put("0.4 128 0.8", [100, 100])
    memo.save()
    minhash.lsh_params.cache_clear()
    assert minhash.lsh_params(0.4, 128) == minhash.fitted_lsh_params(0.4, 128)
    minhash.lsh_params.cache_clear()


def test_the_merged_jusText_stoplist_from_the_cache_equals_trafilaturas(tmp_path, monkeypatch):
    from trafilatura import external as traf_external

    from cleaner.parse.html import external

    built = frozenset(traf_external.jt_stoplist_init())
    for cache in ("", str(tmp_path), str(tmp_path)):  # off, cold, warm
        monkeypatch.setenv(derived.CACHE_VARIABLE, cache)
        assert external._stoplist_words(traf_external.jt_stoplist_init) == built
    [entry] = tmp_path.iterdir()
    assert entry.name.startswith("justext-stoplist-")
    entry.write_bytes(entry.read_bytes()[:-1000])  # cut short: its checksum differs, built again
    assert external._stoplist_words(traf_external.jt_stoplist_init) == built
    assert external._read_words(entry) == built  # and written again whole


def test_a_damaged_entry_is_computed_again(tmp_path, monkeypatch):
    computed = _fresh_detector(monkeypatch, "")
    _fresh_detector(monkeypatch, str(tmp_path))
    [entry] = tmp_path.iterdir()
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short, as by a full disk
    again = _fresh_detector(monkeypatch, str(tmp_path))
    assert np.array_equal(again.profiles, computed.profiles)
    assert entry.stat().st_size > 1_000_000  # written whole again
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_an_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    computed = _fresh_detector(monkeypatch, "")
    assert np.array_equal(_fresh_detector(monkeypatch, str(blocker / "cache")).profiles, computed.profiles)


def test_workers_starting_at_once_share_one_whole_entry(tmp_path):
    """Two processes fill an empty cache at the same moment: each writes its own temporary file
    and renames it, so both answer as without the cache and the entry left is whole."""
    code = ("from cleaner.langid.detect import detect_language; "
            "print(detect_language('Le gouvernement a annoncé mardi une nouvelle réforme des retraites.'))")
    env = {**os.environ, derived.CACHE_VARIABLE: str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    answers = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    expected = subprocess.run([sys.executable, "-c", code], env={**env, derived.CACHE_VARIABLE: ""},
                              capture_output=True, text=True, timeout=300).stdout
    assert answers == [expected, expected] and expected.startswith("('fr'")
    [entry] = tmp_path.iterdir()
    assert detect._read_matrix(entry)[2].shape[1] == 55


def _forget(monkeypatch, cache: Path) -> None:
    monkeypatch.setenv(derived.CACHE_VARIABLE, str(cache))
    literal_cache.MEMO.forget()
    pattern_cache.MEMO.forget()
    regex.purge()  # regex.compile's own cache would hand back patterns without compiling them


def _texts() -> list[str]:
    files = sorted((ROOT / "corpora" / "raw").glob("*.txt")) + sorted((ROOT / "tests" / "data" / "dumps").glob("*"))
    return [f.read_text(encoding="utf-8") for f in files]


def test_rules_from_the_cache_equal_the_computed_ones(tmp_path, monkeypatch):
    _forget(monkeypatch, tmp_path)
    computed = RuleSet.load().rules  # compiles and analyses every pattern, and saves both
    assert sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.iterdir()) == ["rule-literals", "rule-patterns"]
    _forget(monkeypatch, tmp_path)
    cached = RuleSet.load().rules
    assert not literal_cache.MEMO._added and not pattern_cache.MEMO._added  # every answer came from the entries
    assert sum(rule.needs is not None for rule in cached) > len(cached) // 2
    assert sum(rule.condition is not None for rule in cached) >= 10  # the scanning patterns'
    texts = _texts()
    for fresh, kept in zip(computed, cached):
        assert (kept.id, kept.needs, kept.condition) == (fresh.id, fresh.needs, fresh.condition)
        for a, b in ((fresh.pattern, kept.pattern), (fresh.end, kept.end)):
            if a is None:
                assert b is None
                continue
            assert (b.pattern, b.flags, b.groups, b.groupindex) == (a.pattern, a.flags, a.groups, a.groupindex)
            assert [[m.span() for m in b.finditer(t)] for t in texts] == [[m.span() for m in a.finditer(t)]
                                                                          for t in texts]
            assert [b.fullmatch(line) is None for t in texts for line in t.splitlines()] == \
                [a.fullmatch(line) is None for t in texts for line in t.splitlines()]


_MATCHES = """
import hashlib, json, sys
from pathlib import Path
from cleaner.rules.model import RuleSet
root = Path(sys.argv[1])
files = (sorted((root / "corpora" / "raw").glob("*.txt")) + sorted((root / "tests" / "data" / "dumps").glob("*"))
         + sorted((root / "tests" / "data" / "multilingual").glob("*.html"))
         + sorted((root.parent / "shared" / "eval" / "dragnet-dev").glob("*.dump.txt"))[:40])
from cleaner.rules.engine import RuleEngine
texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
rules = RuleSet.load().rules
engine = RuleEngine(rules)  # its combined prefilter patterns are kept too
patterns = [p for rule in rules for p in (rule.pattern, rule.end) if p is not None] + [
    p for p in (*engine.prefilters.values(), *engine.ascii_prefilters.values()) if p is not None]
assert len(patterns) > len(rules) + 2
spans = [[[m.span() for m in p.finditer(t)] + [p.fullmatch(line) is None for line in t.splitlines()]
          for t in texts] for p in patterns]
print(hashlib.sha256(json.dumps(spans).encode()).hexdigest())
"""


def _python(code: str, cache: str, seed: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, derived.CACHE_VARIABLE: cache, "PYTHONHASHSEED": seed})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_kept_programs_match_as_compiled_ones_under_another_hash_seed(tmp_path):
    """regex's compiler orders some parts of a program (the characters a match may start with)
    by hashes and addresses, so two processes build different lists of ints for one pattern:
    what counts is that every program matches the same spans."""
    first = _python(_MATCHES, str(tmp_path), "1", str(ROOT))  # fills the cache
    assert _python(_MATCHES, str(tmp_path), "2", str(ROOT)) == first  # programs from the cache
    assert _python(_MATCHES, "", "2", str(ROOT)) == first  # compiled under another seed


def test_an_entry_regex_cannot_take_falls_back_to_compiling(tmp_path, monkeypatch):
    _forget(monkeypatch, tmp_path)
    source, flags = r"sign\s+up\s+(?P<when>now|today)", regex.UNICODE | regex.V0 | regex.IGNORECASE
    fresh = pattern_cache.compile_pattern(source, flags)
    key = f"{int(flags)}:{source}"
    pattern_cache.MEMO.put(key, {**pattern_cache.MEMO.lookup(key), "code": [1.5]})  # "invalid RE code"
    regex.purge()
    again = pattern_cache.compile_pattern(source, flags)
    assert again.search("Sign up today!").group("when") == fresh.search("Sign up today!").group("when") == "today"


def test_a_changed_memo_entry_is_not_used(tmp_path, monkeypatch):
    """An entry whose text no longer has its checksum (a program edited by hand, a bit flipped)
    is not handed to regex's core, which would take a wrong program without a word."""
    _forget(monkeypatch, tmp_path)
    source, flags = r"sign\s+up\s+(?P<when>now|today)", regex.UNICODE | regex.V0 | regex.IGNORECASE
    pattern_cache.compile_pattern(source, flags)
    pattern_cache.MEMO.save()
    [entry] = tmp_path.iterdir()
    data = entry.read_bytes()
    entry.write_bytes(data.replace(b'"group_count": 1', b'"group_count": 0'))
    assert entry.read_bytes() != data
    _forget(monkeypatch, tmp_path)
    assert pattern_cache.MEMO.lookup(f"{int(flags)}:{source}") is derived.MISSING
    assert pattern_cache.compile_pattern(source, flags).search("Sign up now").group("when") == "now"


def test_a_user_rule_is_added_to_the_caches(tmp_path, monkeypatch):
    _forget(monkeypatch, tmp_path / "cache")
    RuleSet.load()
    user = tmp_path / "rules"
    user.mkdir()
    (user / "mine.yaml").write_text(
        "rules:\n- id: US001\n  name: newsletter-plug\n  category: promo\n  description: a plug\n"
        "  scope: line\n  regex: 'join\\s+our\\s+club'\n  strip: ['Join our club']\n  keep: ['A club met.']\n",
        encoding="utf-8")
    _forget(monkeypatch, tmp_path / "cache")
    [rule] = [r for r in RuleSet.load([user]).rules if r.id == "US001"]
    _forget(monkeypatch, tmp_path / "cache")
    for memo in (literal_cache.MEMO, pattern_cache.MEMO):
        assert any("join" in key and "club" in key for key in memo._entries())
    assert rule.needs == literals.literal_needs(rule.pattern, rule.match == "full") is not None
    [kept] = [r for r in RuleSet.load([user]).rules if r.id == "US001"]
    assert kept.pattern.search("Please join our club.") and not kept.pattern.search("A club met.")


@pytest.mark.parametrize("value, expected", [("", None), ("  ", None), ("/some/where", Path("/some/where"))])
def test_cache_folder_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(derived.CACHE_VARIABLE, value)
    assert derived.cache_dir() == expected
    monkeypatch.delenv(derived.CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert derived.cache_dir() == Path("/xdg/cleaner")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/someone")
    assert derived.cache_dir() == Path("/home/someone/.cache/cleaner")


def test_a_value_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    monkeypatch.setenv(derived.CACHE_VARIABLE, str(tmp_path))
    memo = derived.Memo("test-memo", b"key")
    assert memo.get("a", lambda: {1, 2}) == {1, 2}  # a set: not JSON
    memo.save()
    assert list(tmp_path.iterdir()) == []


def test_no_entry_without_a_key(tmp_path, monkeypatch):
    """A source that cannot be read (a module in a zip file) leaves the data uncached, never
    cached under a key that would not change with the code."""
    monkeypatch.setenv(derived.CACHE_VARIABLE, str(tmp_path))
    assert derived.source_of(str(tmp_path / "missing.py")) is None
    assert derived.entry("x", derived.digest(b"a", None)) is None
    assert derived.load_or_build(derived.entry("x", derived.digest(None)), lambda: 7, None, None) == 7
    assert list(tmp_path.iterdir()) == []
