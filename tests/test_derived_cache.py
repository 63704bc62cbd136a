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

from cleaner import derived
from cleaner.langid import detect
from cleaner.rules import literal_cache, literals
from cleaner.rules.model import RuleSet

ROOT = Path(__file__).resolve().parents[1]
CODE = "import sys; from cleaner.commands.cli import main; sys.exit(main())"


def _clean(inp: Path, out: Path, cache: str) -> dict[str, bytes]:
    env = {**os.environ, derived.CACHE_VARIABLE: cache}
    done = subprocess.run([sys.executable, "-c", CODE, "clean", str(inp), "-o", str(out), "-q", "-j", "1",
                           "--provenance", "full", "--txt"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_clean_output_is_byte_identical_with_and_without_the_cache(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    sources = (sorted((ROOT / "corpora" / "raw").glob("*.txt")) + sorted((ROOT / "tests" / "data" / "dumps").glob("*"))
               + sorted((ROOT / "tests" / "data" / "multilingual").glob("*.html")))
    for i, source in enumerate(sources):
        (inp / f"{i:02d}_{source.name}").write_bytes(source.read_bytes())
    cache = tmp_path / "cache"
    without = _clean(inp, tmp_path / "without", "")
    cold = _clean(inp, tmp_path / "cold", str(cache))
    entries = sorted(p.name.split("-")[0] + "-" + p.name.split("-")[1] for p in cache.iterdir())
    assert entries == ["langdetect-profiles", "rule-literals"]
    warm = _clean(inp, tmp_path / "warm", str(cache))
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


def test_literal_needs_from_the_cache_equal_the_analysis(tmp_path, monkeypatch):
    monkeypatch.setenv(derived.CACHE_VARIABLE, str(tmp_path))
    monkeypatch.setattr(literal_cache, "_KNOWN", None)
    rules = RuleSet.load().rules  # computes every pattern's needs and saves them
    [entry] = tmp_path.iterdir()
    monkeypatch.setattr(literal_cache, "_KNOWN", None)
    held = literal_cache._known()
    assert len(held) >= len(rules)
    for rule in rules:
        whole = rule.match == "full"
        assert literal_cache.literal_needs(rule.pattern, whole) == literals.literal_needs(rule.pattern, whole)
    assert not literal_cache._ADDED  # every one came from the entry
    assert sum(rule.needs is not None for rule in rules) > len(rules) // 2


def test_a_user_rule_is_added_to_the_literal_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(derived.CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setattr(literal_cache, "_KNOWN", None)
    RuleSet.load()
    user = tmp_path / "rules"
    user.mkdir()
    (user / "mine.yaml").write_text(
        "rules:\n- id: US001\n  name: newsletter-plug\n  category: promo\n  description: a plug\n"
        "  scope: line\n  regex: 'join\\s+our\\s+club'\n  strip: ['Join our club']\n  keep: ['A club met.']\n",
        encoding="utf-8")
    monkeypatch.setattr(literal_cache, "_KNOWN", None)
    [rule] = [r for r in RuleSet.load([user]).rules if r.id == "US001"]
    monkeypatch.setattr(literal_cache, "_KNOWN", None)
    assert any("join" in key and "club" in key for key in literal_cache._known())
    assert rule.needs == literals.literal_needs(rule.pattern, rule.match == "full") is not None


@pytest.mark.parametrize("value, expected", [("", None), ("  ", None), ("/some/where", Path("/some/where"))])
def test_cache_folder_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(derived.CACHE_VARIABLE, value)
    assert derived.cache_dir() == expected
    monkeypatch.delenv(derived.CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert derived.cache_dir() == Path("/xdg/cleaner")
