"""``cleaner clean``: inputs and output checked, the run on the chosen engine, its summary on stderr."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from cleaner.commands.options import EXIT_FOUND, EXIT_OK, EXIT_USAGE, config_from
from cleaner.config import Config, find_config_file
from cleaner.engines.registry import engine_named
from cleaner.engines.run import run
from cleaner.readers.files import special_file_message, special_kind
from cleaner.readers.stdin import STDIN, stdin_spooled


def cmd_clean(args: argparse.Namespace) -> int:
    """``cleaner clean``: check the inputs and the output, then run the engine (or ``--check``)."""
    config = config_from(args)
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

