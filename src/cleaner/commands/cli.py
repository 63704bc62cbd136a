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
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

from cleaner.config import (COMPRESSIONS, PROFILES, PROVENANCE_LEVELS, SCHEMAS, Config, ConfigError,
                            build_config, find_config_file, load_config_file)
from cleaner.engines.registry import ENGINES, engine_named
from cleaner.engines.run import run
from cleaner.engines.state import OutputBusy
from cleaner.heuristics.body import HEURISTICS
from cleaner.heuristics.dump_style import STYLES
from cleaner.langid.base import IDENTIFIERS
from cleaner.output.folder import ForeignFiles
from cleaner.output.sinks import OUTPUT_FORMATS, MissingDependency
from cleaner.readers.base import input_formats
from cleaner.readers.stdin import STDIN, stdin_spooled
from cleaner.readers.files import special_file_message, special_kind
from cleaner.rules.examples import example_failures
from cleaner.rules.model import RuleError, RuleSet, SAFETY_LEVELS, selected


EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
EXIT_INCOMPLETE = 3  # the run stopped on an output error (disk full); its finished work is kept for a rerun


def _add_rule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", metavar="DIR", help="extra rule folder (repeatable)")
    p.add_argument("--no-builtin-rules", action="store_true", default=None,
                   help="use only the rule folders given with --rules")
    p.add_argument("--safety", choices=SAFETY_LEVELS, help="apply rules up to this level (default: moderate)")
    p.add_argument("--select", action="append", metavar="ID|CATEGORY", help="only these rules (repeatable)")
    p.add_argument("--disable", action="append", metavar="ID|CATEGORY", help="switch these rules off (repeatable)")
    p.add_argument("--dump-style", choices=("auto", *STYLES),
                   help="how the text dumps are written (default auto: found per document, recorded as source.style)")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="cleaner.toml, or a pyproject.toml with [tool.cleaner]")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleaner", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"cleaner {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="clean files or folders into an output folder")
    clean.add_argument("inputs", nargs="+", type=_path_or_url,
                       help="files or folders (searched recursively); - for standard input (JSON Lines or one "
                       "document); with --engine ray also s3://... URLs")
    clean.add_argument("-o", "--output", type=_path_or_url, required=True,
                       help="output folder; - writes the documents to standard output as JSON Lines")
    clean.add_argument("--side-output", type=Path, metavar="DIR",
                       help="with -o -: where rejects, errors, removed spans, manifest and report go "
                       "(default: not kept; a summary goes to stderr)")
    _add_rule_options(clean)
    clean.add_argument("--input-format", choices=input_formats(),
                       help="read every input as this (default auto: by extension, then content)")
    clean.add_argument("--text-field", metavar="PATH",
                       help="JSON Lines field / Parquet column with plain text; dotted paths reach into "
                       "nested objects (default text)")
    clean.add_argument("--html-field", metavar="PATH", help="field with HTML (default html)")
    clean.add_argument("--url-field", metavar="PATH", help="field with the page URL, e.g. metadata.url (default url)")
    clean.add_argument("--id-field", metavar="PATH",
                       help="field with the record's id, kept as the document id (default id)")
    clean.add_argument("--max-document-bytes", type=int, metavar="N",
                       help="largest file, JSONL line or WARC payload read as one document; larger ones are "
                       "too-large errors, never read whole (default 67108864: 64 MiB)")
    clean.add_argument("--min-words", type=int, help="reject clean texts shorter than this (default 20)")
    clean.add_argument("--languages", action="append", metavar="CODE[,CODE...]",
                       help="keep only these languages: langdetect codes such as en or zh-cn (en,de or repeated)")
    clean.add_argument("--language-identifier", choices=sorted(IDENTIFIERS),
                       help="langdetect (default), or a faster one: cld2, fasttext-lite, py3langid (benchmarks/langid.py)")
    clean.add_argument("--profile", choices=PROFILES,
                       help="exact (default): every removal credited to its rule, langdetect; fast: the same clean "
                            "text, removals named by their heuristic, the cld2 language identifier")
    clean.add_argument("--txt", dest="write_txt", action="store_true", default=None,
                       help="also write one .txt per document into OUT/texts/")
    clean.add_argument("--no-txt", dest="write_txt", action="store_false", default=None,
                       help="no .txt files (the default)")
    clean.add_argument("--provenance", choices=PROVENANCE_LEVELS,
                       help="removed.jsonl: full (removed text too; duplicates logged whole), spans (default: "
                       "rule, category, offsets), none")
    clean.add_argument("--schema", choices=SCHEMAS,
                       help="document records as cleaner (default), dolma or datatrove read them (JSON Lines)")
    clean.add_argument("--no-dedup", dest="dedup", action="store_false", default=None,
                       help="keep exact and near-duplicate documents")
    clean.add_argument("--dedup-threshold", type=float, metavar="J",
                       help="estimated Jaccard of word n-grams at which texts are duplicates (default 0.4)")
    clean.add_argument("--dedup-ngram", type=int, metavar="N", help="words per shingle (default 3)")
    clean.add_argument("--dedup-num-perm", type=int, metavar="N", help="MinHash permutations (default 128)")
    clean.add_argument("--dedup-against", action="append", metavar="DIR",
                       help="earlier output folder: its documents count as published (repeatable)")
    clean.add_argument("--strict", action="store_true", default=None, help="exit 1 when any input errored")
    clean.add_argument("--doc-timeout", type=float, metavar="SECONDS",
                       help="time budget per document; one that overruns it is an error entry (default 60, 0: none)")
    clean.add_argument("--output-format", choices=tuple(OUTPUT_FORMATS),
                       help="documents as jsonl (default), parquet (needs cleaner[parquet]) or another registered format")
    clean.add_argument("--shard-size", type=int, metavar="N",
                       help="documents per file: documents-00000.jsonl, ... (default 0: one file)")
    clean.add_argument("--compression", choices=COMPRESSIONS,
                       help="compress documents and rejects (gz, zst); the Parquet column codec")
    clean.add_argument("-j", "--jobs", type=int, metavar="N",
                       help="worker processes (default 0: one per available core)")
    clean.add_argument("-q", "--quiet", action="store_true", default=None, help="no progress bar or summary")
    clean.add_argument("--progress-interval", type=float, metavar="SECONDS",
                       help="stderr not a terminal (CI, nohup, Slurm): a progress line this often (default 30, 0: none)")
    clean.add_argument("--engine", choices=tuple(ENGINES),
                       help="local (default): worker processes here; ray: a Ray cluster (needs cleaner[ray]); "
                            "or another registered engine")
    clean.add_argument("--address", dest="ray_address", metavar="auto|ray://HOST:PORT",
                       help="with --engine ray: the cluster to join (default: start Ray on this machine)")
    clean.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 with a diff when OUT differs from a fresh run")

    explain = sub.add_parser("explain", help="show what cleaning removes from one file, and why")
    explain.add_argument("file", type=Path)
    _add_rule_options(explain)
    explain.add_argument("--input-format", choices=("auto", "text", "html"))
    explain.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="auto: colour on a terminal unless NO_COLOR is set")
    explain.add_argument("--html", type=Path, metavar="OUT.html", help="also write the view as an HTML page")

    check = sub.add_parser("check", help="lint: report what cleaning would remove; exit 1 if anything")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    _add_rule_options(check)
    check.add_argument("--input-format", choices=("auto", "text", "html"))
    check.add_argument("--format", dest="check_format", choices=("text", "json", "github"), default="text",
                       help="text: file:line:col: RULE category message; github: Actions annotations")
    check.add_argument("--fail-on", action="append", metavar="CATEGORY[,...]",
                       help="fail only on these categories or rule ids (repeatable); others are still reported")

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


def _path_or_url(value: str):
    """A Path, or an fsspec URL kept as typed (Path would fold its '//')."""
    return value if "://" in value else Path(value)


def _version() -> str:
    from cleaner import __version__

    return __version__


def _config(args: argparse.Namespace) -> Config:
    base = Config()
    config_file = find_config_file(args.config)
    if config_file:
        base = build_config(load_config_file(config_file), origin=str(config_file))
    flags = {k: v for k, v in vars(args).items() if k in Config.keys() and v is not None}
    return build_config(flags, base=base, origin="command line")


def _cmd_clean(args: argparse.Namespace) -> int:
    config = _config(args)
    urls = [str(p) for p in [*args.inputs, args.output] if isinstance(p, str)]
    if urls and (not engine_named(config.engine).reads_urls or args.check):
        print(f"cleaner: {urls[0]}: URLs are read and written by --engine ray only (docs/ray.md); "
              "copy the files to a local folder for a local run", file=sys.stderr)
        return EXIT_USAGE
    for path in args.inputs:
        if isinstance(path, Path) and str(path) != STDIN and not path.exists():
            print(f"cleaner: input not found: {path}", file=sys.stderr)
            return EXIT_USAGE
        special = special_kind(path) if isinstance(path, Path) and str(path) != STDIN else None
        if special is not None:
            print(f"cleaner: {special_file_message(str(path), special)}", file=sys.stderr)
            return EXIT_USAGE
    if sum(str(p) == STDIN for p in args.inputs) > 1:
        print("cleaner: '-' (standard input) can be given once", file=sys.stderr)
        return EXIT_USAGE
    to_stdout = str(args.output) == STDIN
    problem = _stdout_problem(config, args) if to_stdout else \
        ("--side-output goes with -o - (standard output)" if args.side_output else None)
    if problem:
        print(f"cleaner: {problem}", file=sys.stderr)
        return EXIT_USAGE
    with stdin_spooled(args.inputs) as inputs:
        if not to_stdout:
            return _clean(args, config, inputs, args.output)
        if args.side_output:
            return _clean(args, config, inputs, args.side_output, sys.stdout.buffer)
        with tempfile.TemporaryDirectory(prefix="cleaner-side-") as side:
            return _clean(args, config, inputs, Path(side), sys.stdout.buffer)


def _stdout_problem(config: Config, args: argparse.Namespace) -> str | None:
    """Why ``-o -`` cannot be done with these options, or None."""
    if args.check:
        return "--check compares an output folder; -o - has none"
    if config.output_format != "jsonl" or config.shard_size:
        return "-o - writes one JSON Lines stream: leave --output-format jsonl and --shard-size 0"
    if config.write_txt:
        return "--txt needs an output folder, not -o -"
    return None


def _clean(args: argparse.Namespace, config: Config, inputs: list, out: Path | str,
           stream: BinaryIO | None = None) -> int:
    """Run ``clean`` into the folder ``out`` (with ``stream``: the side files only; the
    documents go to the stream) and report on stderr."""
    if args.check:
        from cleaner.commands.drift import check_drift, format_drift

        drift = check_drift(inputs, args.output, config)
        sys.stdout.write(format_drift(drift, args.output))
        return EXIT_OK if drift.clean else EXIT_FOUND
    # a terminal gets bars; a log gets a line every progress_interval seconds
    progress = False if config.quiet else True if sys.stderr.isatty() else "lines" if config.progress_interval else False
    config_file = find_config_file(args.config)
    result = run(inputs, out, config, progress=progress,
                 config_file=str(config_file) if config_file else None,
                 log=lambda message: print(f"cleaner: {message}", file=sys.stderr), stream=stream)
    c = result.counts
    if not config.quiet:
        from cleaner.output.report import REPORT_HTML, summary_lines

        for line in summary_lines(result.report) if result.report else ():
            print(line, file=sys.stderr)
        skipped = result.manifest.get("skipped", {})
        reasons = ", ".join(f"{reason} {n}" for reason, n in skipped.get("reasons", {}).items())
        skipped_note = f", {skipped['total']} skipped (not documents: {reasons})" if skipped.get("total") else ""
        if stream is None:
            where = f"{out} (review: {out}/{REPORT_HTML})"
        elif args.side_output:
            where = f"standard output (rejects, errors, report: {out})"
        else:
            where = "standard output (rejects, errors and report not kept: --side-output DIR keeps them)"
        print(f"cleaner: {c['in']} in, {c['kept']} kept, {c['rejected']} rejected, {c['errored']} errored"
              f"{skipped_note} -> {where}", file=sys.stderr)
    if not result.manifest["files"]:
        print(f"cleaner: warning: no input files found in {', '.join(map(str, args.inputs))} (hidden files and "
              "folders are skipped): the output is an empty corpus", file=sys.stderr)
        return EXIT_FOUND if config.strict else EXIT_OK
    return EXIT_FOUND if config.strict and c["errored"] else EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from cleaner.commands.explain import explain_lines, render_html, summary_lines
    from cleaner.pipeline import Pipeline
    from cleaner.readers.record import Record
    from cleaner.readers.walk import kind_of

    config = _config(args)
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

    config = _config(args)
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
    config = _config(args)
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
    args = _parser().parse_args(argv)
    handlers = {"clean": _cmd_clean, "explain": _cmd_explain, "eval": _cmd_eval, "rules": _cmd_rules,
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
