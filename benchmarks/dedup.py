"""Benchmark near-duplicate detection: cleaner.dedup.deduplicator beside datasketch (and rensa) on planted data.

    python benchmarks/dedup.py                       # 10k and 100k documents (~6 minutes)
    python benchmarks/dedup.py --sizes 2000 --impls cleaner,datasketch

The synthetic corpus (deterministic for a --seed):

- documents of lognormal length (median ~300 words, 40..2000), sentences of 6-28 words drawn
  from a Zipfian (s=1.1) vocabulary of 40k pseudo-words, with capitals and punctuation;
- 25 % of the documents are planted copies of an original (1-3 copies per original), each
  with one edit rate from EDIT_RATES: that share of word positions gets a random edit
  (60 % substitution, 20 % deletion, 20 % insertion).  Rate 0 copies differ only in case,
  punctuation and line breaks, i.e. they are exact duplicates after normalisation;
- hard negatives: 5 % of the originals quote 2-4 whole sentences of another original (about
  10-20 % of their text), like two articles on one event sharing quotations.  They are not
  duplicates, so finding them costs precision.

Every implementation runs in its own subprocess (so peak memory is its own) on the same
corpus file and must put documents into clusters.  Reported per run:

- precision: of all document pairs sharing an output cluster, the share that are planted
  (same original); recall@e: the share of copies with edit rate e clustered with their original;
- docs/s: documents / wall time of signatures + LSH + clustering, one process;
- peak MiB: growth of the process's peak RSS (VmHWM, reset after loading) over its RSS
  with the corpus loaded (Linux /proc).

datasketch runs as its docs suggest (MinHash.update_batch over the same 5-gram shingles,
MinHashLSH with the same threshold and num_perm, query per document), plus the same
verification of candidates on estimated Jaccard and union-find, so both compute the same thing.
"""
from __future__ import annotations

import argparse
import gc
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

EDIT_RATES = (0.0, 0.01, 0.05, 0.10, 0.20, 0.30)
COPY_SHARE = 0.25
RELATED_SHARE = 0.05


# -- corpus --------------------------------------------------------------------------------------
def make_vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["th", "st", "qu", "ch"]
    words, seen = [], set()
    while len(words) < size:
        n = int(rng.integers(1, 5))
        word = "".join(syllables[i] for i in rng.integers(0, len(syllables), n))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Writer:
    """Sentences of Zipfian words."""

    def __init__(self, rng: np.random.Generator, vocab_size: int = 40_000) -> None:
        self.rng = rng
        self.vocab = make_vocabulary(rng, vocab_size)
        weights = 1.0 / np.arange(1, vocab_size + 1) ** 1.1
        self.cdf = np.cumsum(weights / weights.sum())

    def words(self, n: int) -> list[str]:
        idx = np.minimum(np.searchsorted(self.cdf, self.rng.random(n)), len(self.vocab) - 1)
        return [self.vocab[i] for i in idx]

    def sentences(self, n_words: int) -> list[list[str]]:
        out, left = [], n_words
        while left > 0:
            n = min(left, int(self.rng.integers(6, 29)))
            out.append(self.words(n))
            left -= n
        return out


def render(sentences: list[list[str]], rng: np.random.Generator, style: int = 0) -> str:
    paragraphs, current = [], []
    for words in sentences:
        if not words:
            continue
        sentence = " ".join(words)
        sentence = sentence[0].upper() + sentence[1:] + (".", "!", ";")[style % 3]
        current.append(sentence)
        if rng.random() < 0.25:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    text = ("\n\n" if style == 0 else "\n").join(paragraphs)
    return text.upper() if style == 2 else text


def edit(sentences: list[list[str]], rate: float, writer: Writer) -> list[list[str]]:
    rng, out = writer.rng, []
    for words in sentences:
        new = []
        for w in words:
            if rng.random() >= rate:
                new.append(w)
                continue
            op = rng.random()
            if op < 0.6:
                new.append(writer.words(1)[0])
            elif op < 0.8:
                new.extend([w, writer.words(1)[0]])
            # else: deleted
        out.append(new)
    return out


def make_corpus(n_docs: int, seed: int) -> list[dict]:
    """Documents with their planted truth: ``origin`` (group id), ``rate`` (None = original)."""
    rng = np.random.default_rng(seed)
    writer = Writer(rng)
    n_copies = int(n_docs * COPY_SHARE)
    n_originals = n_docs - n_copies
    lengths = np.clip(rng.lognormal(np.log(300), 0.6, n_originals), 40, 2000).astype(int)
    originals = [writer.sentences(int(n)) for n in lengths]
    for i in rng.choice(n_originals, int(RELATED_SHARE * n_originals), replace=False):
        other = originals[int(rng.integers(n_originals))]
        quotes = [other[int(j)] for j in rng.integers(0, len(other), int(rng.integers(2, 5)))]
        body = originals[i]
        for q in quotes:  # quoted sentences go into random places of the own text
            body.insert(int(rng.integers(0, len(body) + 1)), list(q))
    docs = [{"origin": i, "rate": None, "text": render(s, rng)} for i, s in enumerate(originals)]
    copied = rng.choice(n_originals, n_copies, replace=True)  # repeats give 2-3 copies
    for k, i in enumerate(copied):
        rate = EDIT_RATES[k % len(EDIT_RATES)]
        docs.append({"origin": int(i), "rate": rate,
                     "text": render(edit(originals[i], rate, writer), rng, style=1 + k % 2)})
    order = rng.permutation(len(docs))
    return [dict(docs[j], id=f"doc{n:07d}") for n, j in enumerate(order)]


# -- implementations (each returns {doc id: cluster label}) -----------------------------------
def run_cleaner(docs: list[dict], args) -> dict[str, str]:
    from cleaner.dedup.deduplicator import Deduplicator
    from cleaner.dedup.fingerprint import DedupConfig

    dedup = Deduplicator(DedupConfig(threshold=args.threshold, ngram=args.ngram,
                                     num_perm=args.num_perm))
    for d in docs:
        dedup.add(d["id"], d["text"], path="")
    result = dedup.result()
    return {k: (dec.key if dec.kept else dec.duplicate_of) for k, dec in result.decisions.items()}


def _shingles(text: str, n: int) -> list[str]:
    from cleaner.dedup.minhash.minhash import normal_form

    w = normal_form(text).split(" ")
    return [" ".join(w[i:i + n]) for i in range(max(1, len(w) - n + 1))]


def _union_find(n: int, pairs) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def run_datasketch(docs: list[dict], args) -> dict[str, str]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
    hashes = []
    for i, d in enumerate(docs):
        m = MinHash(num_perm=args.num_perm, seed=1)
        m.update_batch([s.encode("utf-8") for s in _shingles(d["text"], args.ngram)])
        lsh.insert(i, m, check_duplication=False)
        hashes.append(m)
    pairs = [(i, j) for i, m in enumerate(hashes) for j in lsh.query(m)
             if j < i and m.jaccard(hashes[j]) >= args.threshold]
    labels = _union_find(len(docs), pairs)
    return {d["id"]: str(labels[i]) for i, d in enumerate(docs)}


def run_rensa(docs: list[dict], args) -> dict[str, str]:
    from rensa import RMinHash, RMinHashLSH

    from cleaner.dedup.minhash.minhash import lsh_params

    wanted, _ = lsh_params(args.threshold, args.num_perm)  # rensa needs bands | num_perm
    bands = min((b for b in range(1, args.num_perm + 1) if args.num_perm % b == 0),
                key=lambda b: (abs(b - wanted), b))
    lsh = RMinHashLSH(threshold=args.threshold, num_perm=args.num_perm, num_bands=bands)
    hashes = []
    for i, d in enumerate(docs):
        m = RMinHash(num_perm=args.num_perm, seed=1)
        m.update(_shingles(d["text"], args.ngram))
        lsh.insert(i, m)
        hashes.append(m)
    pairs = [(i, j) for i, m in enumerate(hashes) for j in lsh.query(m)
             if j < i and m.jaccard(hashes[j]) >= args.threshold]
    labels = _union_find(len(docs), pairs)
    return {d["id"]: str(labels[i]) for i, d in enumerate(docs)}


IMPLS = {"cleaner": run_cleaner, "datasketch": run_datasketch, "rensa": run_rensa}


# -- scoring -------------------------------------------------------------------------------------
def score(docs: list[dict], labels: dict[str, str]) -> dict:
    origin = {d["id"]: d["origin"] for d in docs}
    clusters: dict[str, list[str]] = {}
    for key, label in labels.items():
        clusters.setdefault(label, []).append(key)
    predicted = correct = 0
    for members in clusters.values():
        if len(members) < 2:
            continue
        predicted += len(members) * (len(members) - 1) // 2
        per_origin: dict[int, int] = {}
        for m in members:
            per_origin[origin[m]] = per_origin.get(origin[m], 0) + 1
        correct += sum(c * (c - 1) // 2 for c in per_origin.values())
    original_of = {d["origin"]: d["id"] for d in docs if d["rate"] is None}
    found: dict[float, list[int]] = {r: [0, 0] for r in EDIT_RATES}
    for d in docs:
        if d["rate"] is not None:
            found[d["rate"]][1] += 1
            found[d["rate"]][0] += labels[d["id"]] == labels[original_of[d["origin"]]]
    return {"precision": correct / predicted if predicted else 1.0, "pairs": predicted,
            "recall": {str(r): f / n if n else None for r, (f, n) in found.items()}}


def _rss_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MiB."""
    with open("/proc/self/status") as f:
        return int(re.search(field + r":\s+(\d+)", f.read()).group(1)) / 1024


def worker(args) -> None:
    docs = [json.loads(line) for line in open(args.corpus, encoding="utf-8")]
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:  # reset the peak to the current RSS
        f.write("5")
    before = _rss_mib("VmRSS")
    start = time.perf_counter()
    labels = IMPLS[args.worker](docs, args)
    seconds = time.perf_counter() - start
    peak = _rss_mib("VmHWM")
    out = {"docs": len(docs), "seconds": seconds, "peak_mib": max(0.0, peak - before),
           **score(docs, labels)}
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--impls", default="cleaner,datasketch,rensa",
                        help="comma-separated, of: " + ",".join(IMPLS) + " (missing ones skipped)")
    parser.add_argument("--threshold", type=float, default=None, help="default: DedupConfig's")
    parser.add_argument("--ngram", type=int, default=None, help="default: DedupConfig's")
    parser.add_argument("--num-perm", type=int, default=None, help="default: DedupConfig's")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from cleaner.dedup.fingerprint import DedupConfig

    defaults = DedupConfig()
    args.threshold = defaults.threshold if args.threshold is None else args.threshold
    args.ngram = defaults.ngram if args.ngram is None else args.ngram
    args.num_perm = defaults.num_perm if args.num_perm is None else args.num_perm
    if args.worker:
        worker(args)
        return
    config = DedupConfig(threshold=args.threshold, ngram=args.ngram, num_perm=args.num_perm)
    print(f"config: threshold={config.threshold} ngram={config.ngram} num_perm={config.num_perm}"
          f" bands={config.bands} rows={config.rows}; copies {COPY_SHARE:.0%} of documents, "
          f"hard negatives {RELATED_SHARE:.0%} of originals")
    header = (f"{'docs':>7} {'impl':<11} {'docs/s':>7} {'peak MiB':>8} {'pairs':>7} {'precision':>9} "
              + " ".join(f"{'r@' + format(r, '.0%'):>6}" for r in EDIT_RATES))
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            corpus = Path(tmp) / f"corpus-{size}.jsonl"
            with open(corpus, "w", encoding="utf-8") as f:
                for d in make_corpus(size, args.seed):
                    f.write(json.dumps(d) + "\n")
            for impl in args.impls.split(","):
                cmd = [sys.executable, __file__, "--worker", impl, "--corpus", str(corpus),
                       "--threshold", str(args.threshold), "--ngram", str(args.ngram),
                       "--num-perm", str(args.num_perm)]
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if proc.returncode != 0:
                    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                    print(f"{size:>7} {impl:<11} skipped: {last}")
                    continue
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                recalls = " ".join(f"{r['recall'][str(e)]:>6.3f}" for e in EDIT_RATES)
                print(f"{size:>7} {impl:<11} {r['docs'] / r['seconds']:>7.0f} "
                      f"{r['peak_mib']:>8.1f} {r['pairs']:>7} {r['precision']:>9.4f} {recalls}",
                      flush=True)


if __name__ == "__main__":
    main()
