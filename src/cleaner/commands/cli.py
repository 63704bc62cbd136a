"""The ``cleaner`` command.

Exit codes: 0 success; 1 the run finished but found what ``--strict`` (or a failing
``rules test``) makes fatal; 2 usage, configuration or rule-file errors (nothing was written);
3 ``clean`` stopped because the output could not be written (disk full): rerun to resume.

``cleaner check``: 0 nothing to remove (or nothing in the ``--fail-on`` categories), 1 spans
that cleaning would remove were found, 2 usage error or an input that could not be checked.
``cleaner clean --check``: 0 the output folder is what cleaning gives now, 1 it drifted
(a diff is printed, nothing is written), 2 usage error.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
import threading
from pathlib import Path

from cleaner.commands.clean import cmd_clean
from cleaner.commands.options import EXIT_FOUND, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, config_from, parser
from cleaner.config import ConfigError
from cleaner.engines.state import OutputBusy
from cleaner.heuristics.body import HEURISTICS
from cleaner.output.folder import ForeignFiles
from cleaner.output.sinks import MissingDependency
from cleaner.rules.examples import example_failures
from cleaner.rules.model import RuleError, RuleSet, selected


def _cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.commands.explain import explain_lines, render_html, summary_lines
    from cleaner.pipeline import Pipeline
    from cleaner.readers.record import Record
    from cleaner.readers.walk import kind_of

    config = config_from(args)
    if not args.file.is_file():
        print(f"cleaner: not a file: {args.file}", file=sys.stderr)
        return EXIT_USAGE
    kind = kind_of(args.file.name, config.input_format)
    pipeline = Pipeline(config, credit=True)
    (doc,) = pipeline.process([Record(args.file.name, args.file.read_bytes(), kind)])
    names = {rule.id: rule.name for rule in pipeline.rules.rules}
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    for line in explain_lines(doc, color=color, names=names) + [""] + summary_lines(doc, color=color):
        print(line)
    if doc.outcome:
        print(f"\n{doc.outcome.kind}: {doc.outcome.reason}: {doc.outcome.message}")
    if args.html:
        args.html.write_text(render_html(doc, names, label=str(args.file)), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from cleaner.commands.check import check_paths, FailOnError, format_github, format_json, format_text, parse_fail_on
    from cleaner.pipeline import load_rules

    config = config_from(args)
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(f"cleaner: input not found: {missing[0]}", file=sys.stderr)
        return EXIT_USAGE
    try:
        fail_on = parse_fail_on(args.fail_on, load_rules(config.replace(select=(), disable=())))
    except FailOnError as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = check_paths(args.paths, config, fail_on)
    if args.check_format == "json":
        print(format_json(result))
    else:
        for line in (format_github if args.check_format == "github" else format_text)(result):
            print(line)
    return result.exit_code()


def _cmd_eval(args: argparse.Namespace) -> int:
    from cleaner.commands.evaluate import pair_files, score

    if not args.gold.exists():
        print(f"cleaner: gold not found: {args.gold}", file=sys.stderr)
        return EXIT_USAGE
    if not args.pred.exists():
        print(f"cleaner: predictions not found: {args.pred}", file=sys.stderr)
        return EXIT_USAGE
    pairs = pair_files(args.pred, args.gold, args.pred_suffix, args.gold_suffix)
    if not pairs:
        print(f"cleaner: no gold files matching *{args.gold_suffix} in {args.gold}", file=sys.stderr)
        return EXIT_USAGE
    matched = sum(found for _, _, found in pairs)
    if not matched:
        looked = args.pred if args.pred.is_file() or args.gold.is_file() else f"{args.pred}/<name>{args.pred_suffix}"
        print(f"cleaner: no prediction matched any of the {len(pairs)} gold file(s): looked for {looked} beside each "
              f"<name>{args.gold_suffix} of {args.gold}; name the predictions' suffix with --pred-suffix",
              file=sys.stderr)
        return EXIT_USAGE
    if matched < len(pairs):
        print(f"cleaner: {len(pairs) - matched} of {len(pairs)} gold file(s) have no prediction; they score as "
              "empty predictions", file=sys.stderr)
    print(score([(gold, pred) for gold, pred, _ in pairs]))
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    if args.rules_command == "test":
        rules = RuleSet.load([args.dir], builtin=False) if args.dir else RuleSet.load()
        return _test_rules(rules)
    config = config_from(args)
    rules = RuleSet.load([Path(d) for d in config.rules], builtin=not config.no_builtin_rules)
    if args.rules_command == "show":
        if args.rule_id in HEURISTICS:
            category, description = HEURISTICS[args.rule_id]
            print(json.dumps({"id": args.rule_id, "category": category, "kind": "heuristic",
                              "description": description}, indent=2))
            return EXIT_OK
        try:
            rule = rules.get(args.rule_id)
        except KeyError:
            print(f"cleaner: no rule {args.rule_id}", file=sys.stderr)
            return EXIT_USAGE
        print(json.dumps({**json.loads(rule.spec), "file": rule.file,
                          "strip": [e.text for e in rule.strip], "keep": [e.text for e in rule.keep]},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    enabled = {r.id for r in rules.select(safety=config.safety, only=config.select, disable=config.disable,
                                          other_ids=HEURISTICS).rules}
    for rule in rules.rules:
        flag = " " if rule.id in enabled else "-"
        print(f"{flag} {rule.id}  {rule.category:<11} {rule.safety:<10} {rule.name}: {rule.description.splitlines()[0]}")
    print(f"{len(enabled)} of {len(rules.rules)} rules enabled (safety <= {config.safety}"
          + (f", select {','.join(config.select)}" if config.select else "")
          + (f", disable {','.join(config.disable)}" if config.disable else "") + "; '-' marks disabled rules)")
    heuristics_on = 0
    for heuristic_id, (category, description) in HEURISTICS.items():
        on = selected(heuristic_id, category, config.select, config.disable) and config.heuristics
        heuristics_on += on
        print(f"{' ' if on else '-'} {heuristic_id:<14} {category:<11} heuristic  {description}")
    print(f"{heuristics_on} of {len(HEURISTICS)} heuristics enabled (text dumps; --select/--disable take their ids "
          "and categories too)")
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



class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, Slurm, a container stop): stops the run the way Ctrl-C does."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handlers = {"clean": cmd_clean, "explain": _cmd_explain, "eval": _cmd_eval, "rules": _cmd_rules,
                "check": _cmd_check}
    previous = signal.signal(signal.SIGTERM, _terminate) \
        if args.command == "clean" and threading.current_thread() is threading.main_thread() else None
    try:
        return handlers[args.command](args)
    except (ConfigError, RuleError, FileNotFoundError, OutputBusy, MissingDependency, ForeignFiles) as exc:
        print(f"cleaner: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `cleaner check DIR | head -1`, `-o - | head`: stop quietly, as Unix filters do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt as exc:
        how, code = ("terminated (SIGTERM)", 128 + signal.SIGTERM) if isinstance(exc, Terminated) else \
            ("interrupted", 130)
        print(f"\ncleaner: {how}; run the same command again to resume where it stopped", file=sys.stderr)
        return code
    except OSError as exc:
        if args.command != "clean":
            raise
        # Inputs that cannot be read are error records, so an OSError that reaches here is the
        # output's. Output files are staged and renamed into place, so nothing half-written is
        # visible; the finished chunks stay in OUT/.cleaner-state for the rerun.
        where = f" ({exc.filename})" if exc.filename else ""
        fix = "free space (or fix the disk)" if exc.errno in _SPACE_ERRORS else \
            f"make -o name a folder you can write to ({args.output})"
        print(f"cleaner: cannot write the output: {exc.strerror or exc}{where}. No partial file was left under a "
              f"final name; {fix} and run the same command again: it resumes from the chunks already finished",
              file=sys.stderr)
        return EXIT_INCOMPLETE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


_SPACE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG}


if __name__ == "__main__":
    sys.exit(main())
