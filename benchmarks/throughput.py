"""Throughput and memory of cleaner, beside its cheapest peers, in one run.

    python benchmarks/throughput.py [--data ../shared/eval/dragnet-dev] [--sizes 200 1000]
                                    [--speed-mb 50] [--e2e-rounds 3] [--html-copies 2] [--html-rounds 3]
                                    [--keep DIR]
                                    [--parts text e2e html memory] [--profiles exact fast] [--jobs 1 2]

Builds corpora from dragnet-dev's text dumps and HTML pages (each copy a new document: new
body paragraphs made of sentences from all pages, numbers changed, chrome lines kept, so that
cross-document recurrence, language id and dedup all do real work and no body line repeats),
written to a temporary folder, and reports:

* text-dump mode, per core: cleaner's ``clean_text`` beside the C4 line filter (the cheapest
  single pass: our floor) and jusText over lines, in MB/s and documents/s, on the same texts;
* text-dump mode end to end: ``cleaner clean`` as a subprocess (CPU time of the whole process
  tree, so MB/s per core), at ``-j 1`` and ``-j 2`` in alternating rounds (scaling: best
  round against best round, and each round's ratio);
* HTML mode: ``clean_html`` beside trafilatura alone in process, and ``cleaner clean
  --input-format html -j 1`` beside trafilatura alone in a process of its own, both end to end
  (start-up and writing included), on the same pages, in alternating rounds;
* peak memory of ``cleaner clean`` (default settings) at each of ``--sizes`` MB: the largest
  single process (getrusage) and the whole process tree (sampled from /proc).

The machine is shared, so every comparison is a ratio measured within this run, timings are
the best of ``--repeat`` rounds, and the spread of the rounds is printed as the noise figure.
In-process timings are this process's CPU time (``time.process_time``), not wall time: on a
machine loaded by other work, wall time measures the queue for the cores.
Skips cleanly when the data folder is absent.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DEFAULT_DATA, c4_lines, justext_lines, trafilatura_html  # noqa: E402

_DIGITS = re.compile(r"\d")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
PARTS = ("text", "e2e", "html", "memory")  # in process / end to end / HTML / peak memory
PROSE_CHARS = 120  # a dump line this long is a body paragraph: replaced in every copy


def _paragraph(sentences: list[str], rng: random.Random) -> str:
    """A new body paragraph: two to five sentences drawn from all pages. Whole lines never
    repeat across copies, as in a real site, so no per-line cache can profit from the copying."""
    return " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))


def _vary(lines: list[str], sentences: list[str], rng: random.Random) -> list[str]:
    """A new page of the same site: new body paragraphs, other numbers, the same chrome."""
    out = [_paragraph(sentences, rng) if len(line) >= PROSE_CHARS else line for line in lines]
    return [_DIGITS.sub(lambda _: str(rng.randrange(10)), line) for line in out]


def build_text_corpus(data: Path, out: Path, megabytes: float, seed: int = 0) -> tuple[int, int]:
    """Write dump copies into ``out/<page>/<n>.txt`` (one folder per source page, as one site)
    until ``megabytes`` are written; returns (files, bytes)."""
    dumps = sorted(data.glob("*.dump.txt"))
    pages = [p.read_text(encoding="utf-8").split("\n") for p in dumps]
    sentences = [s for page in pages for line in page if len(line) >= PROSE_CHARS
                 for s in _SENTENCE_END.split(line) if len(s) >= 20]
    rng, written, files, round_ = random.Random(seed), 0, 0, 0
    target = int(megabytes * 1e6)
    while written < target:
        for path, lines in zip(dumps, pages):
            folder = out / path.name.split(".")[0]
            folder.mkdir(parents=True, exist_ok=True)
            data_ = "\n".join(lines if round_ == 0 else _vary(lines, sentences, rng)).encode("utf-8")
            (folder / f"{round_:05d}.txt").write_bytes(data_)
            written, files = written + len(data_), files + 1
            if written >= target:
                break
        round_ += 1
    return files, written


def build_html_corpus(data: Path, out: Path, copies: int, seed: int = 0) -> tuple[int, int]:
    """The dev pages, plus ``copies - 1`` copies of each with numbers in text nodes changed."""
    rng, files, written = random.Random(seed), 0, 0
    text_node = re.compile(rb">([^<]{1,400})<")
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(data.glob("*.html")):
        raw = path.read_bytes()
        for copy in range(copies):
            page = raw if copy == 0 else text_node.sub(
                lambda m: b">" + re.sub(rb"\d", lambda _: str(rng.randrange(10)).encode(), m.group(1)) + b"<", raw)
            (out / f"{path.stem}-{copy}.html").write_bytes(page)
            files, written = files + 1, written + len(page)
    return files, written


# -- measuring --------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    """The pids of a process's children (none when it is gone)."""
    try:
        return [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        return []


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc (0 when gone)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) if "VmRSS" in status else 0
        except (OSError, AttributeError, ValueError):
            continue
        stack += _children(p)
    return total


_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "maxrss_mb": usage.ru_maxrss / 1024}))
"""


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far, from /proc (None when gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_cli(args: list[str]) -> dict:
    """Run ``cleaner ARGS`` in a fresh wrapper process (``run_process``)."""
    return run_process([sys.executable, "-m", "cleaner.commands.cli", *args], f"cleaner {' '.join(args)}")


def run_process(command: list[str], name: str | None = None) -> dict:
    """Run ``command`` in a fresh wrapper process, so getrusage covers this run only.
    Besides the totals, the CPU time of the command's main process alone (sampled from /proc,
    so short by at most one interval) tells the serial part from the workers' part."""
    cmd = [sys.executable, "-c", _WRAPPER, *command]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = [0]
    main_cpu = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            for child in _children(proc.pid):  # the wrapper's one child: cleaner's main process
                main_cpu[0] = max(main_cpu[0], _cpu_seconds(child) or 0.0)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    result = json.loads(out.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"{name or ' '.join(command)} exited {result['code']}")
    result["tree_rss_mb"] = peak[0] / 1024
    result["main_cpu"] = main_cpu[0]
    return result


def best_of(fn, items: list, repeat: int) -> tuple[float, float]:
    """(best seconds, spread as (worst - best) / best) of ``repeat`` rounds of fn over items."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            fn(item)
        times.append(time.process_time() - start)
    return min(times), (max(times) - min(times)) / min(times)


def stage_times(texts: list[str], profile: str = "exact") -> dict[str, float]:
    """Milliseconds per document of each pipeline stage over ``texts`` (parsing, then every
    step's own work, then encoding the output record as a worker does; the steps' loop
    overhead is left out), from one round."""
    from cleaner.output.finished import finish
    from cleaner.parse.record import parse_record
    from cleaner.pipeline import Pipeline
    from cleaner.readers.record import Record

    from cleaner.config import Config

    config = Config(profile=profile)
    pipeline = Pipeline(config)
    totals = {"parse": 0.0, **{step.name: 0.0 for step in pipeline.steps}, "encode": 0.0}
    for step in pipeline.steps:
        def timed(doc, process=step.process, name=step.name):
            start = time.process_time()
            process(doc)
            totals[name] += time.process_time() - start
        step.process = timed
    records = [Record(f"{i}.txt", text.encode("utf-8"), "text") for i, text in enumerate(texts)]
    pipeline.process_one(records[0])  # lazy set-up outside the timing
    for name in totals:
        totals[name] = 0.0
    for record in records:
        start = time.process_time()
        parse_record(record)
        totals["parse"] += time.process_time() - start
        doc = pipeline.process_one(record)
        start = time.process_time()
        finish(doc, config)
        totals["encode"] += time.process_time() - start
    return {name: seconds * 1000 / len(records) for name, seconds in totals.items()}


_TRAFILATURA_ALONE = """
import json, sys
from pathlib import Path
import trafilatura
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for path in sorted(Path(sys.argv[1]).glob("*.html")):
        text = trafilatura.extract(path.read_bytes(), deduplicate=False) or ""
        out.write(json.dumps({"id": path.name, "text": text}) + "\\n")
"""


def html_end_to_end(html_dir: Path, root: Path, files: int, rounds: int) -> None:
    """``cleaner clean --input-format html -j 1`` against trafilatura alone, both end to end on
    the same pages: trafilatura in a fresh process of its own (its import, the pages read as
    bytes, ``extract`` with its defaults but deduplication, one JSON line written per page), so
    both sides pay their start-up. Rounds alternate which side runs first; the figures are CPU
    seconds of each process tree, the ratio both as best against best and as the median of the
    rounds' own ratios."""
    cleaner_cpu, trafilatura_cpu = [], []
    for round_ in range(1, rounds + 1):
        runs = [("trafilatura", lambda: run_process([sys.executable, "-c", _TRAFILATURA_ALONE, str(html_dir),
                                                     str(root / f"trafilatura-{round_}.jsonl")])),
                ("cleaner", lambda: run_cli(["clean", str(html_dir), "-o", str(root / f"out-html-{round_}"),
                                             "--input-format", "html", "-j", "1", "-q"]))]
        results = dict((name, run()) for name, run in (runs if round_ % 2 else runs[::-1]))
        trafilatura_cpu.append(results["trafilatura"]["cpu"])
        cleaner_cpu.append(results["cleaner"]["cpu"])
        c = results["cleaner"]
        print(f"round {round_}: trafilatura alone {trafilatura_cpu[-1]:.2f} s, cleaner clean -j 1 {c['cpu']:.2f} s "
              f"(main process {c['main_cpu']:.2f}): {c['cpu'] / trafilatura_cpu[-1]:.2f}x")
    ratios = sorted(c / t for c, t in zip(cleaner_cpu, trafilatura_cpu))
    print(f"cleaner clean --input-format html -j 1, end to end: {files / min(cleaner_cpu):.1f} pages/s per core; "
          f"{min(cleaner_cpu) / min(trafilatura_cpu):.2f}x trafilatura alone end to end (best rounds), "
          f"median of the rounds {ratios[len(ratios) // 2]:.2f}x (rounds {', '.join(f'{r:.2f}x' for r in ratios)})")


def _row(name: str, seconds: float, docs: int, nbytes: int, spread: float, floor: float | None = None) -> str:
    rate = nbytes / 1e6 / seconds
    ratio = f"  {seconds / floor:6.1f}x C4" if floor else ""
    return (f"{name:34s} {rate:7.2f} MB/s  {docs / seconds:8.1f} docs/s  "
            f"{seconds / docs * 1000:7.2f} ms/doc  (spread {spread:.0%}){ratio}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sizes", type=float, nargs="+", default=[200, 1000],
                    help="corpus sizes in MB for the memory runs (default: 200 1000)")
    # 50 MB: a -j 1 run of about a minute, so the one-off start-up (~2 s: imports, rules,
    # language profiles in each worker) does not stand for the scaling of a real batch
    ap.add_argument("--speed-mb", type=float, default=50, help="corpus size for the -j 1 / -j 2 runs")
    ap.add_argument("--html-copies", type=int, default=2, help="copies of each dev page for HTML mode")
    ap.add_argument("--html-rounds", type=int, default=3,
                    help="alternating rounds of cleaner -j 1 and trafilatura alone, end to end, on the HTML pages")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of each in-process timing")
    ap.add_argument("--e2e-rounds", type=int, default=3, help="rounds of the -j 1 / -j 2 end-to-end runs")
    ap.add_argument("--keep", type=Path, help="build the corpora here and keep them")
    ap.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS, help="what to measure (default: all)")
    ap.add_argument("--profiles", nargs="+", default=["exact"], choices=("exact", "fast"),
                    help="cleaner's --profile for the text parts, alternating in each round (default: exact)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="-j values of the end-to-end runs (default: 1 2)")
    args = ap.parse_args(argv)
    if not args.data.is_dir() or not any(args.data.glob("*.dump.txt")):
        print(f"skipped: no dragnet-dev data at {args.data}")
        return 0

    from cleaner import clean_html, clean_text
    from cleaner.config import Config

    root = Path(tempfile.mkdtemp(prefix="cleaner-throughput-", dir=args.keep))
    print(f"machine: {os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.2f}")
    try:
        # -- text dumps, in process, per core --------------------------------------------------
        if "text" in args.parts:
            texts = [p.read_text(encoding="utf-8") for p in sorted(args.data.glob("*.dump.txt"))]
            nbytes = sum(len(t.encode()) for t in texts)
            clean_text(texts[0])  # load rules, stoplists and language profiles outside the timing
            print(f"\n-- text dumps, in process, one core: {len(texts)} dev dumps, {nbytes / 1e6:.2f} MB --")
            c4, c4_spread = best_of(c4_lines, texts, args.repeat)
            print(_row("C4 line filter (floor)", c4, len(texts), nbytes, c4_spread))
            jt, jt_spread = best_of(justext_lines, texts, args.repeat)
            print(_row("jusText over lines", jt, len(texts), nbytes, jt_spread, c4))
            for profile in args.profiles:
                config = Config(profile=profile)
                clean_text(texts[0], config=config)
                cl, cl_spread = best_of(lambda text: clean_text(text, config=config), texts, args.repeat)
                print(_row(f"cleaner clean_text, profile {profile}", cl, len(texts), nbytes, cl_spread, c4))
                stages = stage_times(texts, profile)
                print("  where the time goes, ms/doc: " + ", ".join(f"{name} {ms:.2f}" for name, ms in stages.items()))

        # -- text dumps, end to end ------------------------------------------------------------
        if "e2e" in args.parts:
            corpus = root / "text"
            files, size = build_text_corpus(args.data, corpus, args.speed_mb)
            print(f"\n-- text dumps, end to end (cleaner clean DIR -o OUT): {files} files, {size / 1e6:.1f} MB --")
            # Rounds alternate -j 1 and -j 2 (and the profiles), so that a busy spell of the shared machine does not
            # fall on one side only; each side's best round is its figure, as in process.
            # Outputs are removed after the last round, not between rounds: on ext4 without a
            # journal (this machine's disk) the inodes of files deleted in the last minutes are
            # skipped one by one when new files are made, so the next run's .txt files would pay,
            # in the main process, for the previous run's deletion.
            walls: dict[tuple[str, int], list[float]] = {}
            for round_, profile, jobs in product(range(1, args.e2e_rounds + 1), args.profiles, args.jobs):
                out = root / f"out-j{jobs}-{profile}-{round_}"
                r = run_cli(["clean", str(corpus), "-o", str(out), "-j", str(jobs), "-q", "--profile", profile])
                walls.setdefault((profile, jobs), []).append(r["wall"])
                print(f"{profile:5s} -j {jobs}: wall {r['wall']:6.1f} s  {size / 1e6 / r['wall']:5.2f} MB/s wall  "
                      f"{size / 1e6 / r['cpu']:5.2f} MB/s per core (CPU {r['cpu']:.1f} s: main process "
                      f"{r['main_cpu']:.1f}, workers {r['cpu'] - r['main_cpu']:.1f})  "
                      f"{files / r['wall']:6.1f} docs/s  peak RSS {r['maxrss_mb']:.0f} MB (largest process), "
                      f"{r['tree_rss_mb']:.0f} MB (all processes)  [round {round_}]")
            for profile in args.profiles if set(args.jobs) >= {1, 2} else ():
                one, two = walls[profile, 1], walls[profile, 2]
                each = "  ".join(f"{a / b:.2f}x" for a, b in zip(one, two))
                print(f"{profile}: scaling -j 1 -> -j 2: {min(one) / min(two):.2f}x (best rounds); per round: {each}")
            for out in root.glob("out-j*"):
                shutil.rmtree(out)
            shutil.rmtree(corpus)

        # -- HTML ------------------------------------------------------------------------------
        if "html" in args.parts:
            html_dir = root / "html"
            files, size = build_html_corpus(args.data, html_dir, args.html_copies)
            pages = [p.read_bytes() for p in sorted(html_dir.glob("*.html"))]
            print(f"\n-- HTML pages: {files} pages, {size / 1e6:.1f} MB --")
            clean_html(pages[0])
            tr, tr_spread = best_of(trafilatura_html, pages, 1)
            print(_row("trafilatura alone (in process)", tr, files, size, tr_spread))
            # cleaner records the page's metadata (url, date, author, site name, ...) as trafilatura
            # finds it: the same call with metadata (and cleaner's date settings) is the
            # like-for-like reference; the target is against trafilatura alone
            tm, tm_spread = best_of(lambda page: trafilatura_html(page, with_metadata=True), pages, 1)
            print(_row("trafilatura with metadata", tm, files, size, tm_spread))
            ch, ch_spread = best_of(clean_html, pages, 1)
            print(_row("cleaner clean_html (in process)", ch, files, size, ch_spread)
                  + f"  {ch / tr:.2f}x trafilatura, {ch / tm:.2f}x with metadata")
            html_end_to_end(html_dir, root, files, args.html_rounds)
            shutil.rmtree(html_dir)

        # -- memory at growing corpus sizes ----------------------------------------------------
        if "memory" in args.parts:
            print("\n-- peak memory, default settings (cleaner clean DIR -o OUT) --")
            for megabytes in args.sizes:
                corpus = root / f"text-{megabytes:g}"
                files, size = build_text_corpus(args.data, corpus, megabytes)
                r = run_cli(["clean", str(corpus), "-o", str(root / "out-mem"), "-q"])
                print(f"{size / 1e6:7.0f} MB, {files:6d} files: peak RSS {r['maxrss_mb']:5.0f} MB largest process, "
                      f"{r['tree_rss_mb']:5.0f} MB all processes; wall {r['wall']:.0f} s")
                shutil.rmtree(corpus)
                shutil.rmtree(root / "out-mem")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
