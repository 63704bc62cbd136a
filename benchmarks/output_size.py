"""Output size against input size and clean text size, at each ``--provenance`` level.

    python benchmarks/output_size.py [--eval DIR] [--limit N]   # default ../shared/eval/dragnet-dev

Cleans the text dumps (``*.dump.txt``) and the HTML pages (``*.html``) of an eval folder with
``cleaner clean --provenance full|spans|none`` (default flags otherwise) and prints, per corpus
and level, the bytes of the input, of the clean text (the UTF-8 ``text`` of the kept
documents), of the documents folder, of removed.jsonl, of rejects.jsonl and of the other side
files (errors, manifest, report, dedup index), and their ratios. docs/output-size.md quotes a run. Eval data
is read where it is (symlinked into a scratch folder), never copied into the repository.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared/eval beside the checkout (searched upwards, so a worktree one level deeper finds it too)
EVAL = next((p / "shared" / "eval" for p in ROOT.parents if (p / "shared" / "eval").is_dir()), ROOT.parent / "shared" / "eval")
LEVELS = ("full", "spans", "none")
CORPORA = (("text dumps", "*.dump.txt"), ("HTML", "*.html"))


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def clean_text_bytes(documents: Path) -> int:
    total = 0
    for path in sorted(documents.glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            total += sum(len(json.loads(line)["text"].encode("utf-8")) for line in f)
    return total


def measure(inputs: Path, out: Path, level: str) -> dict:
    subprocess.run([sys.executable, "-m", "cleaner.commands.cli", "clean", str(inputs), "-o", str(out), "-q",
                    "--provenance", level], check=True)
    documents, removed, rejects = size(out / "documents"), size(out / "removed.jsonl"), size(out / "rejects.jsonl")
    total = size(out)
    return {"input": size(inputs), "clean": clean_text_bytes(out / "documents"), "documents": documents,
            "removed": removed, "rejects": rejects, "other": total - documents - removed - rejects, "total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=EVAL / "dragnet-dev")
    parser.add_argument("--limit", type=int, default=0, help="first N files of each kind (0: all)")
    args = parser.parse_args()
    if not args.eval.is_dir():
        sys.exit(f"{args.eval} not found: the eval data is not on this machine")
    print("| corpus | provenance | input | clean text | documents/ | documents / clean text | removed.jsonl "
          "| rejects.jsonl | other files | all output / input |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="cleaner-output-size-") as scratch:
        for name, pattern in CORPORA:
            inputs = Path(scratch) / pattern.strip("*.").replace(".", "-")
            inputs.mkdir()
            files = sorted(args.eval.glob(pattern))
            for path in files[:args.limit or None]:
                (inputs / path.name).symlink_to(path.resolve())
            for level in LEVELS:
                m = measure(inputs, Path(scratch) / f"out-{inputs.name}-{level}", level)
                mb = {k: f"{v / 1e6:.2f} MB" for k, v in m.items()}
                print(f"| {name} | {level}{' (default)' if level == 'spans' else ''} | {mb['input']} | {mb['clean']} "
                      f"| {mb['documents']} | {m['documents'] / m['clean']:.2f}x | {mb['removed']} | {mb['rejects']} "
                      f"| {mb['other']} | {m['total'] / m['input']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
