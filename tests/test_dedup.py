"""Tests of exact and near-duplicate detection (cleaner.dedup.deduplicator, cleaner.dedup.minhash)."""
from __future__ import annotations

import hashlib
from collections import Counter
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cleaner.dedup.deduplicator import Deduplicator
from cleaner.dedup.fingerprint import band_keys, DedupConfig, exact_key, fingerprint, signature
from cleaner.dedup.lsh import candidate_pairs, connected_components
from cleaner.dedup import lsh, minhash, store
from cleaner.dedup.minhash import normal_form

RAW = Path(__file__).resolve().parents[1] / "corpora" / "raw"
BOILERPLATE = re.compile(r"subscription|copyright|rights reserved|follow him|^author:|"
                         r"spread the love|advertisement|email address", re.IGNORECASE)


def raw_seed(prefix: str) -> str:
    (path,) = RAW.glob(prefix + "_*.txt")
    return path.read_text(encoding="utf-8")


def strip_obvious_boilerplate(text: str) -> str:
    """Test-local stand-in for the cleaner: paragraphs of >= 8 words that are not footers."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs
                       if len(p.split()) >= 8 and not BOILERPLATE.search(p))


def true_jaccard(a: str, b: str, n: int) -> float:
    def shingles(text: str) -> set[tuple[str, ...]]:
        w = normal_form(text).split()
        return {tuple(w[i:i + n]) for i in range(max(1, len(w) - n + 1))}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def estimated_jaccard(a: str, b: str, config: DedupConfig) -> float:
    return float((signature(a, config) == signature(b, config)).mean())


@pytest.fixture(scope="module")
def story() -> str:
    return strip_obvious_boilerplate(raw_seed("004"))


def edited_copy(text: str) -> str:
    """A syndicated copy: one sentence added, a few words changed."""
    changed = (text.replace("Friday", "Saturday", 1).replace("hours", "minutes", 1)
               .replace("devastating", "brutal", 1).replace("Moscow", "the Kremlin", 1))
    assert changed != text
    return changed + "\n\nThis story was updated with comment from the Ukrainian foreign ministry."


# -- the scenarios from the issue ----------------------------------------------------------------
def test_story_on_three_sites_is_one_cluster(story):
    dedup = Deduplicator()
    dedup.add("site-a/story", story, path="site-a/story.html")
    dedup.add("site-b/story", story, path="site-b/story.html")
    dedup.add("site-c/story", edited_copy(story), path="site-c/story.html")
    result = dedup.result()

    # the edited copy is the longest clean text, so it is the one kept
    assert result.kept == ["site-c/story"]
    (cluster,) = result.clusters
    assert cluster.kept == "site-c/story"
    assert [d.key for d in cluster.duplicates] == ["site-a/story", "site-b/story"]
    for dropped in ("site-a/story", "site-b/story"):
        decision = result.decisions[dropped]
        assert decision.duplicate_of == "site-c/story"
        assert decision.reason == "near"
        assert 0.8 < decision.similarity < 1.0
    assert result.counts == {"total": 3, "forwarded": 1, "dropped": 2, "dropped_exact": 0,
                             "dropped_near": 2}


def test_articles_on_the_same_event_sharing_quotes_are_not_duplicates():
    config = DedupConfig()
    a = strip_obvious_boilerplate(raw_seed("000"))
    b = strip_obvious_boilerplate(raw_seed("001"))
    # they do share long quotations, so this is a real hard negative ...
    assert "it continues in order for us to achieve our goals" in a
    assert "it continues in order for us to achieve our goals" in b
    # ... and both the true and the estimated Jaccard stay well below the threshold
    assert true_jaccard(a, b, config.ngram) < config.threshold / 2
    assert estimated_jaccard(a, b, config) < config.threshold / 2

    dedup = Deduplicator(config)
    dedup.add("000", a)
    dedup.add("001", b)
    result = dedup.result()
    assert result.kept == ["000", "001"]
    assert result.clusters == ()


def test_all_seed_articles_stay_apart():
    dedup = Deduplicator()
    for path in sorted(RAW.glob("*.txt")):
        dedup.add(path.stem, strip_obvious_boilerplate(path.read_text(encoding="utf-8")))
    result = dedup.result()
    assert result.counts["dropped"] == 0, result.dropped


def test_exact_duplicates_collapse(story):
    variants = {
        "plain": story,
        "shouting": story.upper(),
        "reflowed": re.sub(r"\s+", " ", story),
        "repunctuated": story.replace(",", " ;").replace(".", "!"),
    }
    assert len({exact_key(t) for t in variants.values()}) == 1
    dedup = Deduplicator()
    for key, text in variants.items():
        dedup.add(key, text, path=f"{key}.txt")
    result = dedup.result()
    assert len(result.kept) == 1
    for decision in result.dropped.values():
        assert (decision.reason, decision.similarity) == ("exact", 1.0)
    assert result.counts["dropped_exact"] == 3


def test_similarity_threshold_decides(story):
    """The edited copy (J ~0.95) is found at the default threshold, not at 0.99: the test can fail."""
    copy = edited_copy(story)
    for threshold, together in ((0.4, True), (0.99, False)):
        dedup = Deduplicator(DedupConfig(threshold=threshold))
        dedup.add("a", story)
        dedup.add("b", copy)
        assert (len(dedup.result().kept) == 1) is together


# -- keep policy and determinism -----------------------------------------------------------------
def corpus(story: str) -> list[tuple[str, str, str]]:
    """(key, path, text): the seeds, near and exact copies, and equal-length ties."""
    docs = [(p.stem, f"raw/{p.name}", strip_obvious_boilerplate(p.read_text(encoding="utf-8")))
            for p in sorted(RAW.glob("*.txt"))]
    docs += [("copy-edited", "z/edited.txt", edited_copy(story)),
             ("copy-exact-1", "b/story.txt", story),
             ("copy-exact-2", "a/story.txt", story),  # same length: the smaller path wins
             ("copy-exact-3", "a/story.txt", story.upper())]  # same path too: the smaller key
    return docs


def test_keep_policy_longest_then_path_then_key(story):
    dedup = Deduplicator()
    for key, path, text in corpus(story):
        if key != "copy-edited":
            dedup.add(key, text, path=path)
    result = dedup.result()
    # raw 004 and the three copies have the same clean text: path, then key, decide
    assert result.decisions["copy-exact-2"].kept
    for key in ("copy-exact-1", "copy-exact-3"):
        assert result.decisions[key].duplicate_of == "copy-exact-2"
    assert result.decisions["004_057b8eb8a9c2fd9c"].duplicate_of == "copy-exact-2"


def test_result_does_not_depend_on_input_order(story):
    docs = corpus(story)
    reference = None
    for seed in range(4):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        dedup = Deduplicator()
        for key, path, text in shuffled:
            dedup.add(key, text, path=path)
        result = dedup.result()
        if reference is None:
            reference = result
            continue
        assert result.decisions == reference.decisions
        assert list(result.decisions) == list(reference.decisions)
        assert result.clusters == reference.clusters
    assert reference.counts["dropped"] == 4


def test_fingerprints_from_workers_give_the_same_result(story):
    config = DedupConfig()
    docs = corpus(story)
    local = Deduplicator(config)
    remote = Deduplicator(config)
    for key, path, text in docs:
        local.add(key, text, path=path)
    for fp in reversed([fingerprint(key, text, config, path) for key, path, text in docs]):
        remote.add_fingerprint(fp)
    assert remote.result().decisions == local.result().decisions


def test_signatures_are_stable_across_processes(story):
    """No salted hash(): another interpreter with another PYTHONHASHSEED agrees bit for bit."""
    config = DedupConfig()
    here = hashlib.sha256(signature(story, config).tobytes()).hexdigest()
    code = ("import sys, hashlib; from cleaner.dedup.fingerprint import DedupConfig, signature; "
            "print(hashlib.sha256(signature(sys.stdin.read(), DedupConfig()).tobytes()).hexdigest())")
    env = dict(os.environ, PYTHONHASHSEED="12345",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                           os.environ.get("PYTHONPATH", "")]))
    there = subprocess.run([sys.executable, "-c", code], input=story, capture_output=True,
                           text=True, env=env, check=True).stdout.strip()
    assert here == there


def test_signature_bytes_are_pinned():
    """Changing the hashing silently would make every saved index useless: pin it."""
    sig = signature("The Kremlin said on Thursday that its goals had not changed.", DedupConfig())
    assert sig.dtype == np.uint32 and sig.shape == (128,)
    assert hashlib.sha256(sig.tobytes()).hexdigest()[:16] == "1b7456a3db20fc89"


# -- the pure pieces -----------------------------------------------------------------------------
def test_ascii_fast_path_of_the_normal_form_matches_the_unicode_path():
    every_ascii = "".join(map(chr, range(128)))
    text = f"Mixed CASE, under_score; tabs\tand\x0bvt {every_ascii} 3.14 -- end"
    slow = normal_form(text + " é")  # one non-ASCII character takes the general path
    assert normal_form(text) + " é" == slow
    assert normal_form(every_ascii) == "0123456789 abcdefghijklmnopqrstuvwxyz _ abcdefghijklmnopqrstuvwxyz"


def test_candidate_pairs_caps_bucket_fanout():
    keys = np.zeros((100, 1), dtype=np.uint64)  # one band, one bucket of 100
    lo, hi = candidate_pairs(keys, max_bucket_fanout=3)
    assert len(lo) == 1 + 2 + 3 * 97  # members 1 and 2 pair with all before them, the rest with 3
    assert (lo < hi).all() and lo.max() == 2
    lo, hi = candidate_pairs(keys[:5], max_bucket_fanout=32)
    assert sorted(zip(lo.tolist(), hi.tolist())) == sorted((i, j) for j in range(5) for i in range(j))


def test_connected_components_labels_by_smallest_member():
    # a long chain, given in reverse, plus an isolated node and a separate pair
    n = 1000
    lo = np.arange(n - 3, -1, -1)
    labels = connected_components(n + 2, np.concatenate((lo, [n])), np.concatenate((lo + 1, [n + 1])))
    assert (labels[: n - 1] == 0).all()
    assert labels[n - 1] == n - 1 and labels[n] == labels[n + 1] == n


def test_band_keys_shapes(story):
    config = DedupConfig()
    sig = signature(story, config)
    single = band_keys(sig, config)
    assert single.dtype == np.uint64 and single.shape == (config.bands,)
    matrix = band_keys(np.stack([sig, sig]), config)
    assert (matrix == single).all()
    # a band's key depends on its own columns only, so bands can be computed one at a time
    rows = config.rows
    for band in (0, config.bands - 1):
        one = minhash.band_keys(sig[band * rows:(band + 1) * rows], 1, rows)
        assert one.tolist() == [single[band]]


def test_config_rejects_unknown_keys_and_bad_banding():
    with pytest.raises(ValueError, match="valid keys: .*threshold"):
        DedupConfig.from_dict({"treshold": 0.5})
    with pytest.raises(ValueError, match="bands\\*rows"):
        DedupConfig(num_perm=64, bands=20, rows=4)
    with pytest.raises(ValueError, match="both bands and rows"):
        DedupConfig(bands=8)
    assert DedupConfig.from_dict({"threshold": 0.8}).rows > DedupConfig().rows


def test_duplicate_keys_are_refused(story):
    dedup = Deduplicator()
    dedup.add("k", story)
    dedup.add("k", "something else")  # found when clustering: a set of every key costs memory
    with pytest.raises(ValueError, match="duplicate document key 'k'.*this run"):
        dedup.result()


def test_spilled_signatures_give_the_same_result_and_index(story, tmp_path, monkeypatch):
    """Signatures on disk (what a run uses) in blocks of 4 rows, so that sealed blocks, the
    partly filled one, the band files and the reads of stored rows all take part."""
    monkeypatch.setattr(store.Fingerprints, "BLOCK", 4)
    docs = corpus(story)
    in_memory, spilled = Deduplicator(), Deduplicator(spill=tmp_path / "spill")
    for key, path, text in docs:
        in_memory.add(key, text, path=path)
        spilled.add(key, text, path=path)
    expected, got = in_memory.result(), spilled.result()
    assert len(docs) > 4 and len(docs) % 4  # full blocks on disk and a partly filled one
    assert (tmp_path / "spill" / "signatures.u32").stat().st_size == len(docs) // 4 * 4 * 128 * 4
    assert got.decisions == expected.decisions and list(got.decisions) == list(expected.decisions)
    assert got.clusters == expected.clusters and got.counts == expected.counts
    assert got.cluster_sizes() == Counter(1 + len(c.duplicates) for c in expected.clusters)
    in_memory.save_index(tmp_path / "memory.npz")
    spilled.save_index(tmp_path / "spilled.npz")
    assert (tmp_path / "memory.npz").read_bytes() == (tmp_path / "spilled.npz").read_bytes()
    spilled.close()


def test_spilled_keys_wait_on_disk_and_are_found_by_key_and_position(story, tmp_path):
    """With a spill folder the keys are UTF-8 in a file, not str objects: lookups by key (through
    their hashes), by position, the duplicate-key check and the index still see them exactly."""
    keys = ["café:raw/ä.txt", "ключ:raw/b.txt#3", "k\nwith newline:c", "😀:d"]
    texts = [story, story + " A last line that only this copy has.", "Something else entirely " * 20,
             "Yet another text about other things " * 20]
    spilled = Deduplicator(spill=tmp_path / "spill")
    for key, text in zip(keys, texts):
        spilled.add(key, text, path=key.split(":")[1])
    result = spilled.result()
    assert sorted(result.decisions) == sorted(keys)
    assert [result.decision(key, added).key for added, key in enumerate(keys)] == keys
    assert result.decisions[keys[0]].duplicate_of == keys[1]  # the longer copy is kept
    with pytest.raises(KeyError):
        result.decisions["café:raw/else.txt"]
    with pytest.raises(KeyError, match="added as 'ключ"):
        result.decision(keys[0], 1)
    spilled.save_index(tmp_path / "index.npz")
    assert sorted(Deduplicator.load_index(tmp_path / "index.npz")._indexed.keys) == sorted(keys[1:])
    spilled.add(keys[2], "a text under a key already added " * 10)
    with pytest.raises(ValueError, match="duplicate document key " + re.escape(repr(keys[2]))):
        spilled.result()
    spilled.close()
    assert (tmp_path / "spill" / "keys.utf8").read_bytes() == "".join([*keys, keys[2]]).encode("utf-8")


# -- the index (incremental runs) ----------------------------------------------------------------
def test_index_round_trip_gives_the_same_decisions(story, tmp_path):
    old = [(p.stem, f"raw/{p.name}", strip_obvious_boilerplate(p.read_text(encoding="utf-8")))
           for p in sorted(RAW.glob("*.txt"))]
    old.append(("old-copy", "raw/copy.txt", story.upper()))  # dropped: not in the index
    # the new copies are shorter than the old text, so one run over old + new keeps the old
    # one too, and its decisions for the new documents must equal the incremental ones
    new = [("new-exact", "new/a.txt", story.lower().replace(",", "")),
           ("new-near", "new/b.txt", story.rsplit("\n\n", 1)[0].replace("Friday", "Monday")),
           ("new-unique", "new/c.txt", "An unrelated report about a regional football final, "
            "the weather at the stadium and the crowd of twelve thousand supporters.")]

    first = Deduplicator()
    for key, path, text in old:
        first.add(key, text, path=path)
    index = tmp_path / "index.npz"
    first.save_index(index)

    # deterministic bytes: another input order, and a load-and-save, write the same file
    again = Deduplicator()
    for key, path, text in reversed(old):
        again.add(key, text, path=path)
    again.save_index(tmp_path / "again.npz")
    Deduplicator.load_index(index).save_index(tmp_path / "resaved.npz")
    assert (tmp_path / "again.npz").read_bytes() == index.read_bytes()
    assert (tmp_path / "resaved.npz").read_bytes() == index.read_bytes()

    incremental = Deduplicator.load_index(index)
    for key, path, text in new:
        incremental.add(key, text, path=path)
    inc = incremental.result()

    together = Deduplicator()  # the same data in one run: old copies outrank the new ones
    for key, path, text in old + new:
        together.add(key, text, path=path)
    full = together.result()

    assert inc.decisions == {k: full.decisions[k] for k, _, _ in new}
    assert inc.decisions["new-exact"].duplicate_of == "004_057b8eb8a9c2fd9c"
    assert inc.decisions["new-near"].reason == "near"
    assert inc.kept == ["new-unique"]
    assert inc.stats["indexed"] == len(old) - 1
    cluster = next(c for c in inc.clusters if c.kept == "004_057b8eb8a9c2fd9c")
    assert cluster.kept_in_index

    # the next index holds the old kept documents and the new kept one
    incremental.save_index(tmp_path / "next.npz")
    with np.load(tmp_path / "next.npz") as data:
        assert data["signatures"].shape == (len(old), 128)
        assert data["signatures"].dtype == np.uint32


def test_index_refuses_other_signature_settings(story, tmp_path):
    dedup = Deduplicator()
    dedup.add("a", story)
    dedup.save_index(tmp_path / "index.npz")
    with pytest.raises(ValueError, match="ngram=3.*ngram=5"):
        Deduplicator.load_index(tmp_path / "index.npz", DedupConfig(ngram=5))
    # the threshold may change between runs
    loaded = Deduplicator.load_index(tmp_path / "index.npz", DedupConfig(threshold=0.6))
    loaded.add("b", story + " One more line.")
    assert loaded.result().decisions["b"].duplicate_of == "a"
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable dedup index"):
        Deduplicator.load_index(tmp_path / "junk.npz")
    with pytest.raises(ValueError, match="duplicate document key 'a'.*loaded index"):
        loaded.add("a", "again")


def test_candidate_pairs_merged_band_by_band_equal_one_merge_at_the_end(monkeypatch):
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 40, size=(500, 12)).astype(np.uint64)  # dense buckets: many repeated pairs
    once = candidate_pairs(keys, 8)
    monkeypatch.setattr(lsh, "_MERGE_MIN", 1)  # merge after every band
    merged = candidate_pairs(keys, 8)
    assert len(once[0]) > 1000
    assert np.array_equal(once[0], merged[0]) and np.array_equal(once[1], merged[1])
    monkeypatch.setattr(lsh, "_PAIRS_IN_MEMORY", 300)  # past it, pairs go to disk by range of hi
    batches = list(lsh.candidate_pair_batches(
        (lsh.bucket_pair_code_blocks(keys[:, band], 8, block=50) for band in range(keys.shape[1])),
        len(keys), keys.shape[1]))
    assert len(batches) > 2
    for band in range(keys.shape[1]):  # blocks of a band are its codes, in order
        blocks = list(lsh.bucket_pair_code_blocks(keys[:, band], 8, block=50))
        assert len(blocks) > 5 and np.array_equal(np.concatenate(blocks), lsh.bucket_pair_codes(keys[:, band], 8))
    spilled = candidate_pairs(keys, 8)
    assert np.array_equal(once[0], spilled[0]) and np.array_equal(once[1], spilled[1])


def test_clusters_joined_across_pair_batches_equal_one_batch(story, monkeypatch):
    """A corpus dense with near copies whose candidate pairs do not fit in memory: the
    components are joined batch by batch, with the same decisions and counters."""
    rng = random.Random(5)
    words = story.split()
    docs = [(f"k{i}", f"p{i % 3}", " ".join(w for w in words if rng.random() > 0.08)) for i in range(60)]

    def run():
        dedup = Deduplicator()
        for key, path, text in docs:
            dedup.add(key, text, path=path)
        return dedup.result()

    expected = run()
    monkeypatch.setattr(lsh, "_PAIRS_IN_MEMORY", 40)
    monkeypatch.setattr(lsh, "_MERGE_MIN", 1)
    got = run()
    assert expected.counts["dropped"] > 50 and expected.stats["candidate_pairs"] > 200
    assert got.decisions == expected.decisions and got.clusters == expected.clusters
    assert got.stats == expected.stats and got.counts == expected.counts


def test_bucket_pairs_are_the_pairs_of_a_band_holding_one_bucket():
    """What the Ray engine runs per LSH bucket is the local banding rule on that bucket alone."""
    for members, fanout in ((1, 4), (2, 4), (7, 3), (12, 20)):
        lo, hi = lsh.bucket_pairs(members, fanout)
        expected = candidate_pairs(np.zeros((members, 1), dtype=np.uint64), fanout)
        assert sorted(zip(lo.tolist(), hi.tolist())) == sorted(zip(expected[0].tolist(), expected[1].tolist()))
        assert all(j < i and j < fanout for j, i in zip(lo.tolist(), hi.tolist()))


def test_a_result_rebuilt_from_its_clusters_decides_alike(story, tmp_path):
    """DedupResult.from_clusters (what the Ray engine hands in) gives the decisions and counts of
    the Deduplicator whose clusters it gets: exact and near copies, a kept document of a loaded
    index, and documents in no cluster."""
    old = Deduplicator()
    old.add("published", story, path="old.txt")
    old.save_index(tmp_path / "index.npz")
    dedup = Deduplicator.load_index(tmp_path / "index.npz")
    texts = {"shouting": story.upper(), "edited": edited_copy(story), "other": raw_seed("000"),
             "other-copy": raw_seed("000") + "\n\nOne more line at the end of it.", "alone": raw_seed("001")}
    for key, text in texts.items():
        dedup.add(key, text, path=f"{key}.txt")
    local = dedup.result()
    rebuilt = type(local).from_clusters(local.clusters, local.counts["total"], local.stats)
    assert {c.kept_in_index for c in local.clusters} == {True, False} and local.counts["dropped_exact"] >= 1
    assert rebuilt.counts == local.counts and rebuilt.clusters == local.clusters
    assert {key: rebuilt.decisions[key] for key in texts} == {key: local.decisions[key] for key in texts}
    assert rebuilt.decisions["alone"].kept and not rebuilt.decisions["edited"].kept
