"""Language identifiers side by side: agreement with langdetect (cleaner's default) and speed.

    python benchmarks/langid.py [--data ../shared/eval/dragnet-dev] [--repeat 3]

On the multilingual check set (``tests/data/langid-check.yaml``: 27 languages, two short and
one long text each, written for cleaner), every registered identifier is asked for each text;
the table gives how often it answers what langdetect answers (short and long texts apart),
how often it answers the text's own language, and its CPU time per text. With the dragnet-dev
dumps present, it also times each identifier on their first 2,000 characters (the window
cleaner gives every identifier) and counts agreement with langdetect there.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DEFAULT_DATA  # noqa: E402

CHECK_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "langid-check.yaml"


def check_set() -> list[tuple[str, str, str]]:
    """(language, 'short' or 'long', text) for every text of the check set."""
    data = yaml.safe_load(CHECK_SET.read_text(encoding="utf-8"))
    return [(lang, kind, text) for lang, texts in data.items()
            for kind in ("short", "long") for text in ([texts[kind]] if kind == "long" else texts[kind])]


def cpu_ms_per_text(identify, texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for text in texts:
            identify(text)
        best = min(best, time.process_time() - start)
    return best * 1000 / len(texts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from cleaner.langid.base import DEFAULT_IDENTIFIER, IDENTIFIERS

    items = check_set()
    reference = IDENTIFIERS[DEFAULT_IDENTIFIER]
    expected = [reference(text)[0] for _, _, text in items]
    dumps = [p.read_text(encoding="utf-8")[:2000] for p in sorted(args.data.glob("*.dump.txt"))]
    dev_expected = [reference(text)[0] for text in dumps]
    n_langs = len({lang for lang, _, _ in items})
    print(f"check set: {len(items)} texts in {n_langs} languages; dev dumps: {len(dumps)}")
    print(f"{'identifier':14s} {'= langdetect short':>19s} {'long':>6s} {'= label':>8s} "
          f"{'ms/text (check set)':>20s} {'ms/dump (dev)':>14s} {'= langdetect (dev)':>19s}")
    for name, identify in IDENTIFIERS.items():
        try:
            answers = [identify(text)[0] for _, _, text in items]
        except ImportError as exc:
            print(f"{name:14s} not installed: {exc}")
            continue
        agree = {kind: [a == e for a, e, (_, k, _) in zip(answers, expected, items) if k == kind]
                 for kind in ("short", "long")}
        label = sum(a == lang for a, (lang, _, _) in zip(answers, items)) / len(items)
        speed = cpu_ms_per_text(identify, [text for _, _, text in items], args.repeat)
        dev = ""
        if dumps:
            dev_ms = cpu_ms_per_text(identify, dumps, args.repeat)
            dev_agree = sum(identify(t)[0] == e for t, e in zip(dumps, dev_expected)) / len(dumps)
            dev = f"{dev_ms:14.3f} {dev_agree:19.1%}"
        print(f"{name:14s} {sum(agree['short']) / len(agree['short']):19.1%} {sum(agree['long']) / len(agree['long']):6.1%} "
              f"{label:8.1%} {speed:20.3f} {dev}")
        misses = sorted({f"{lang}/{kind}->{a}" for a, e, (lang, kind, _) in zip(answers, expected, items) if a != e})
        if misses:
            print(f"{'':14s} differs from langdetect: {', '.join(misses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
