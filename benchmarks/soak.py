"""Soak test: clean a few GB of generated dumps with bad files mixed in, and report that memory
stays flat and every file is accounted for.

    python benchmarks/soak.py --size 2000        # ~2 GB of input (the default)
    python benchmarks/soak.py --size 50 -j 2     # a quick run

The dumps are gzipped JSON Lines shards and WARC files of synthetic news pages (prose plus site
chrome), with injected bad inputs: binary files named .txt, truncated .gz/.zst, malformed JSON
Lines, a broken symlink, empty files. The resident memory of cleaner's whole process tree is
sampled twice a second; the report compares the peak of the first and the last quarter of the
run (flat memory: the same) and checks the manifest's accounting against the input listing.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GLUE = ("the", "of", "and", "in", "that", "it", "was", "for", "on", "with", "as", "they", "at", "by", "from")
CHROME = ["Share this:", "• facebook", "• twitter", "Advertisement", "Sign up for our free weekly newsletter",
          "Leave a Reply", "Home | News | Sport | Weather", "Related stories", "Copyright 2024 All rights reserved"]


def page(rng: random.Random, vocab: list[str]) -> str:
    paragraphs = [" ".join((" ".join(w for _ in range(rng.randint(6, 12)) for w in (rng.choice(GLUE), rng.choice(vocab)))
                            ).capitalize() + ", officials said." for _ in range(rng.randint(2, 4)))
                  for _ in range(rng.randint(3, 8))]
    return "\n\n".join([rng.choice(CHROME[6:7]), "Story " + " ".join(rng.choices(vocab, k=4)).title(), *paragraphs,
                        *rng.sample(CHROME, 3)])


def warc(pages: list[str]) -> bytes:
    out = []
    for i, text in enumerate(pages):
        html = f"<html><body><article>{''.join(f'<p>{p}</p>' for p in text.split(chr(10) * 2))}</article></body></html>"
        body = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(html.encode())}\r\n\r\n".encode() \
            + html.encode()
        head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{i:08d}-0000-0000-0000-000000000000>\r\n"
                f"WARC-Target-URI: https://example.com/{i}\r\nContent-Type: application/http; msgtype=response\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        out.append(gzip.compress(head + body + b"\r\n\r\n", compresslevel=1))
    return b"".join(out)


def generate(folder: Path, size_mb: int, seed: int = 1) -> dict:
    """Write ~size_mb MB of (uncompressed) input; returns what was injected."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice("bdgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))
                    for _ in range(5000)})
    folder.mkdir(parents=True)
    written, shard = 0, 0
    pool = [page(rng, vocab) for _ in range(500)]  # reused with edits: generation must not dominate the run
    while written < size_mb * 1_000_000:
        lines = []
        for i in range(2000 if size_mb >= 100 else 400):
            text = rng.choice(pool) + f"\n\nReport {shard}-{i}: " + " ".join(rng.choices(vocab, k=30)) + "."
            lines.append(json.dumps({"text": text, "id": f"{shard}-{i}", "url": f"https://site{i % 7}.example/{i}"}))
        data = ("\n".join(lines) + "\n").encode()
        written += len(data)
        (folder / f"dump-{shard:04d}.jsonl.gz").write_bytes(gzip.compress(data, compresslevel=1))
        if shard % 5 == 4:
            pages = [rng.choice(pool) + f" Capture {shard}-{i}." for i in range(300)]
            raw = warc(pages)
            written += len(raw) * 3
            (folder / f"crawl-{shard:04d}.warc.gz").write_bytes(raw)
        shard += 1
    bad = folder / "bad"
    bad.mkdir()
    (bad / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(50_000))
    (bad / "manual.pdf.txt").write_bytes(b"%PDF-1.5\n" + os.urandom(20_000))
    (bad / "empty.txt").write_bytes(b"")
    (bad / "empty.jsonl").write_bytes(b"")
    cut = gzip.compress(("\n".join(json.dumps({"text": rng.choice(pool)}) for _ in range(500)) + "\n").encode())
    (bad / "cut.jsonl.gz").write_bytes(cut[: len(cut) // 2])
    (bad / "malformed.jsonl").write_text('{"text": "ok line with enough words to be kept maybe"}\n{"broken\n[1,2]\n'
                                         '{"text": 5}\n')
    os.symlink("missing-target.txt", bad / "broken-link.txt")
    return {"shards": shard, "bytes": written}


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="MB of input to generate (default 2000)")
    parser.add_argument("-j", "--jobs", type=int, default=0)
    parser.add_argument("--work", type=Path, help="folder for input and output (default: a temp folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="cleaner-soak-"))
    inputs, out = work / "in", work / "out"
    t0 = time.monotonic()
    made = generate(inputs, args.size)
    print(f"generated {made['bytes'] / 1e6:,.0f} MB (uncompressed) in {made['shards']} shards + bad files, "
          f"{time.monotonic() - t0:.0f} s")
    command = [sys.executable, "-m", "cleaner.commands.cli", "clean", str(inputs), "-o", str(out), "-q", "--no-txt",
               "-j", str(args.jobs)]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, int]] = []
    start = time.monotonic()
    while proc.poll() is None:
        samples.append((time.monotonic() - start, tree_rss(proc.pid)))
        time.sleep(0.5)
    stderr = proc.stderr.read()
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        print(stderr)
        return 1
    # The first quarter is start-up (workers importing their libraries): memory is compared
    # between the middle half and the last quarter of the run.
    quarter = max(1, len(samples) // 4)
    peaks = [max((r for _, r in samples[i * quarter:(i + 1) * quarter]), default=0) for i in range(4)]
    middle, last = max(peaks[1:3]), peaks[3]
    flat = last <= middle * 1.25
    print(f"cleaned in {elapsed:.0f} s ({made['bytes'] / 1e6 / elapsed:.1f} MB/s), {len(samples)} RSS samples")
    print(f"peak RSS of the process tree per quarter of the run: "
          f"{', '.join(f'{p / 2**20:,.0f}' for p in peaks)} MiB ({'flat' if flat else 'GROWING'}: last quarter vs "
          "middle half)")

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from cleaner.readers.walk import walk_inputs

    manifest = json.loads((out / "manifest.json").read_text())
    listed = {f.rel for f in walk_inputs([inputs])}
    files, counts = manifest["files"], manifest["counts"]
    balanced = all(c["in"] == c["kept"] + c["rejected"] + c["errored"] for c in files.values())
    print(f"files: {len(listed)} found, {len(files)} in the manifest, missing {sorted(listed - set(files)) or 'none'}; "
          f"in = kept + rejected + errored for every file: {balanced}")
    print(f"documents: {counts['in']:,} in, {counts['kept']:,} kept, {counts['rejected']:,} rejected, "
          f"{counts['errored']:,} errored; skipped {manifest['skipped']['total']:,}; errors by reason "
          f"{dict(sorted((r, n) for r, n in manifest['reasons'].items() if r in _ERROR_REASONS))}")
    # memory is reported, not judged, in the exit code: a short run is mostly start-up and phases
    return 0 if balanced and listed == set(files) else 1


_ERROR_REASONS = {"binary", "truncated", "corrupt", "malformed-json", "not-an-object", "no-text-field",
                  "broken-symlink", "unreadable", "timeout", "worker-crashed", "too-large"}

if __name__ == "__main__":
    sys.exit(main())
