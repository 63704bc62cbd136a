"""The ``cleaner`` command.

Exit codes: 0 success; 1 the run finished but found what ``--strict`` (or a failing
``rules test``) makes fatal; 2 usage, configuration or rule-file errors (nothing was written).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from cleaner.config import Config, ConfigError, build_config, load_config_file
from cleaner.rules import SAFETY_LEVELS, RuleError, RuleSet, example_failures

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def _add_rule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", metavar="DIR", help="extra rule folder (repeatable)")
    p.add_argument("--no-builtin-rules", action="store_true", default=None,
                   help="use only the rule folders given with --rules")
    p.add_argument("--safety", choices=SAFETY_LEVELS, help="apply rules up to this level (default: moderate)")
    p.add_argument("--select", action="append", metavar="ID|CATEGORY", help="only these rules (repeatable)")
    p.add_argument("--disable", action="append", metavar="ID|CATEGORY", help="switch these rules off (repeatable)")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="cleaner.toml, or a pyproject.toml with [tool.cleaner]")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleaner", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"cleaner {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="clean files or folders into an output folder")
    clean.add_argument("inputs", nargs="+", type=Path, help="files or folders (searched recursively)")
    clean.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    _add_rule_options(clean)
    clean.add_argument("--input-format", choices=("auto", "text", "html"), help="force the input kind")
    clean.add_argument("--min-words", type=int, help="reject clean texts shorter than this (default 20)")
    clean.add_argument("--languages", action="append", metavar="CODE", help="keep only these languages")
    clean.add_argument("--no-txt", dest="write_txt", action="store_false", default=None,
                       help="do not write one .txt per document")
    clean.add_argument("--no-dedup", dest="dedup", action="store_false", default=None,
                       help="keep exact and near-duplicate documents")
    clean.add_argument("--dedup-threshold", type=float, metavar="J",
                       help="estimated Jaccard of word n-grams at which texts are duplicates (default 0.4)")
    clean.add_argument("--dedup-ngram", type=int, metavar="N", help="words per shingle (default 3)")
    clean.add_argument("--dedup-num-perm", type=int, metavar="N", help="MinHash permutations (default 128)")
    clean.add_argument("--dedup-against", action="append", metavar="DIR",
                       help="earlier output folder: its documents count as published (repeatable)")
    clean.add_argument("--strict", action="store_true", default=None, help="exit 1 when any input errored")
    clean.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    clean.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")

    explain = sub.add_parser("explain", help="show what cleaning removes from one file, and why")
    explain.add_argument("file", type=Path)
    _add_rule_options(explain)
    explain.add_argument("--input-format", choices=("auto", "text", "html"))
    explain.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    ev = sub.add_parser("eval", help="score predicted text against gold (shingle P/R/F1)")
    ev.add_argument("pred", type=Path, help="a file, or a folder of predictions")
    ev.add_argument("gold", type=Path, help="a file, or a folder of gold texts matched by name")
    ev.add_argument("--pred-suffix", default=".txt")
    ev.add_argument("--gold-suffix", default=".txt")

    rules = sub.add_parser("rules", help="list, show or test rules")
    rsub = rules.add_subparsers(dest="rules_command", required=True)
    rlist = rsub.add_parser("list", help="every rule: id, category, safety, description")
    _add_rule_options(rlist)
    rshow = rsub.add_parser("show", help="one rule in full")
    rshow.add_argument("rule_id")
    _add_rule_options(rshow)
    rtest = rsub.add_parser("test", help="run the strip/keep examples of a rules folder")
    rtest.add_argument("dir", nargs="?", type=Path, help="rules folder (default: the built-in rules)")
    return parser


def _version() -> str:
    from cleaner import __version__

    return __version__


def _config(args: argparse.Namespace) -> Config:
    base = Config()
    if args.config:
        base = build_config(load_config_file(args.config), origin=str(args.config))
    flags = {k: v for k, v in vars(args).items() if k in Config.keys() and v is not None}
    return build_config(flags, base=base, origin="command line")


def _cmd_clean(args: argparse.Namespace) -> int:
    from cleaner.pipeline import run

    config = _config(args)
    for path in args.inputs:
        if not path.exists():
            print(f"cleaner: input not found: {path}", file=sys.stderr)
            return EXIT_USAGE
    if args.jobs < 1:
        print("cleaner: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    progress = not args.quiet and sys.stderr.isatty()
    result = run(args.inputs, args.output, config, jobs=args.jobs, progress=progress)
    c = result.counts
    if not args.quiet:
        print(f"cleaner: {c['in']} in, {c['kept']} kept, {c['rejected']} rejected, {c['errored']} errored"
              f" -> {args.output}", file=sys.stderr)
    return EXIT_FOUND if config.strict and c["errored"] else EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.explain import explain_lines
    from cleaner.pipeline import Pipeline
    from cleaner.readers import Record, kind_of

    config = _config(args)
    if not args.file.is_file():
        print(f"cleaner: not a file: {args.file}", file=sys.stderr)
        return EXIT_USAGE
    kind = kind_of(args.file.name, config.input_format)
    (doc,) = Pipeline(config).process([Record(args.file.name, args.file.read_bytes(), kind)])
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    for line in explain_lines(doc, color=color):
        print(line)
    if doc.outcome:
        print(f"\n{doc.outcome.kind}: {doc.outcome.reason}: {doc.outcome.message}")
    return EXIT_OK


def _cmd_eval(args: argparse.Namespace) -> int:
    from cleaner.evaluate import pair_files, score

    if not args.gold.exists():
        print(f"cleaner: gold not found: {args.gold}", file=sys.stderr)
        return EXIT_USAGE
    pairs = pair_files(args.pred, args.gold, args.pred_suffix, args.gold_suffix)
    if not pairs:
        print(f"cleaner: no gold files matching *{args.gold_suffix} in {args.gold}", file=sys.stderr)
        return EXIT_USAGE
    print(score(pairs))
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    if args.rules_command == "test":
        rules = RuleSet.load([args.dir], builtin=False) if args.dir else RuleSet.load()
        return _test_rules(rules)
    config = _config(args)
    rules = RuleSet.load([Path(d) for d in config.rules], builtin=not config.no_builtin_rules)
    if args.rules_command == "show":
        try:
            rule = rules.get(args.rule_id)
        except KeyError:
            print(f"cleaner: no rule {args.rule_id}", file=sys.stderr)
            return EXIT_USAGE
        print(json.dumps({**json.loads(rule.spec), "file": rule.file,
                          "strip": [e.text for e in rule.strip], "keep": [e.text for e in rule.keep]},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    enabled = {r.id for r in rules.select(safety=config.safety, only=config.select, disable=config.disable).rules}
    for rule in rules.rules:
        flag = " " if rule.id in enabled else "-"
        print(f"{flag} {rule.id}  {rule.category:<11} {rule.safety:<10} {rule.name}: {rule.description.splitlines()[0]}")
    return EXIT_OK


def _test_rules(rules: RuleSet) -> int:
    failures = 0
    for rule in rules.rules:
        problems = example_failures(rule)
        for problem in problems:
            print(f"FAIL {rule.id} ({rule.file}): {problem}")
        failures += bool(problems)
    print(f"{len(rules.rules) - failures} passed, {failures} failed")
    return EXIT_FOUND if failures else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"clean": _cmd_clean, "explain": _cmd_explain, "eval": _cmd_eval, "rules": _cmd_rules}
    try:
        return handlers[args.command](args)
    except (ConfigError, RuleError, FileNotFoundError) as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
