"""The command line's options: the parser of every subcommand, the Config the flags make, the exit codes."""
from __future__ import annotations

import argparse
from pathlib import Path

from cleaner.config import (COMPRESSIONS, MARKDOWN_OUTPUTS, PROFILES, PROVENANCE_LEVELS, SCHEMAS, Config,
                            build_config, find_config_file, load_config_file)
from cleaner.engines.registry import ENGINES
from cleaner.heuristics.dump_style import STYLES
from cleaner.langid.base import IDENTIFIERS
from cleaner.output.sinks import OUTPUT_FORMATS
from cleaner.readers.base import input_formats
from cleaner.rules.model import SAFETY_LEVELS


EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
EXIT_INCOMPLETE = 3  # the run stopped on an output error (disk full); its finished work is kept for a rerun


def add_rule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", metavar="DIR", help="extra rule folder (repeatable)")
    p.add_argument("--no-builtin-rules", action="store_true", default=None,
                   help="use only the rule folders given with --rules")
    p.add_argument("--safety", choices=SAFETY_LEVELS, help="apply rules up to this level (default: moderate)")
    p.add_argument("--select", action="append", metavar="ID|CATEGORY", help="only these rules (repeatable)")
    p.add_argument("--disable", action="append", metavar="ID|CATEGORY", help="switch these rules off (repeatable)")
    p.add_argument("--dump-style", choices=("auto", *STYLES),
                   help="how the text dumps are written (default auto: found per document, recorded as source.style)")
    p.add_argument("--markdown-output", choices=MARKDOWN_OUTPUTS,
                   help="a markdown dump's clean text: markdown (default: headings, lists, code fences and "
                        "tables kept) or plain (their syntax removed; numbered items keep their numbers)")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="cleaner.toml, or a pyproject.toml with [tool.cleaner]")


def parser() -> argparse.ArgumentParser:
    """The ``cleaner`` command's parser: every subcommand and its flags."""
    parser = argparse.ArgumentParser(prog="cleaner", description="The ``cleaner`` command.")
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
    add_rule_options(clean)
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
    add_rule_options(explain)
    explain.add_argument("--input-format", choices=("auto", "text", "html"))
    explain.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                         help="auto: colour on a terminal unless NO_COLOR is set")
    explain.add_argument("--html", type=Path, metavar="OUT.html", help="also write the view as an HTML page")

    check = sub.add_parser("check", help="lint: report what cleaning would remove; exit 1 if anything")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    add_rule_options(check)
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
    add_rule_options(rlist)
    rshow = rsub.add_parser("show", help="one rule in full")
    rshow.add_argument("rule_id")
    add_rule_options(rshow)
    rtest = rsub.add_parser("test", help="run the strip/keep examples of a rules folder")
    rtest.add_argument("dir", nargs="?", type=Path, help="rules folder (default: the built-in rules)")
    return parser


def _path_or_url(value: str):
    """A Path, or an fsspec URL kept as typed (Path would fold its '//')."""
    return value if "://" in value else Path(value)


def _version() -> str:
    from cleaner import __version__

    return __version__



def config_from(args: argparse.Namespace) -> Config:
    """Defaults, then the config file (``--config`` or ./cleaner.toml), then the flags."""
    base = Config()
    config_file = find_config_file(args.config)
    if config_file:
        base = build_config(load_config_file(config_file), origin=str(config_file))
    flags = {k: v for k, v in vars(args).items() if k in Config.keys() and v is not None}
    return build_config(flags, base=base, origin="command line")

