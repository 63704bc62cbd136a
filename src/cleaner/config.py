"""One frozen, validated configuration: defaults, then a config file, then flags.

The same keys are accepted in ``cleaner.toml``, in ``[tool.cleaner]`` of a pyproject.toml,
and (with dashes) as command-line flags. Unknown keys fail before any work is done.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.heuristics.dump_style import STYLES
from cleaner.langid.base import IDENTIFIERS
from cleaner.langid.bundled import missing_package
from cleaner.output.sinks import OUTPUT_FORMATS
from cleaner.readers.base import input_formats
from cleaner.rules.model import SAFETY_LEVELS

COMPRESSIONS = ("none", "gz", "zst")
MARKDOWN_OUTPUTS = ("markdown", "plain")  # see docs/dumps.md (Output of a markdown dump)
PROVENANCE_LEVELS = ("full", "spans", "none")  # what is kept of each removal: text and spans, spans, nothing
SCHEMAS = ("cleaner", "dolma", "datatrove")  # the document record's shape (cleaner.output.presets)
# exact: every removal credited to the rule behind it, langdetect; fast: the same clean text,
# removals named by the heuristic that made them, and the fastest language identifier that
# agrees with langdetect on the check set (docs/performance.md)
PROFILES = ("exact", "fast")
PROFILE_IDENTIFIERS = {"exact": "langdetect", "fast": "cld2"}
# How a run executes, not what it produces: left out of the manifest and of the resume
# check, so the output is byte-identical for any -j and a run may resume with another -j.
EXECUTION_KEYS = ("jobs", "quiet", "progress_interval", "engine", "ray_address")
CONFIG_FILE = "cleaner.toml"  # picked up from the working directory when no --config is given


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z]{2,4})?")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Config:
    rules: tuple[str, ...] = ()  # extra rule folders, after the built-in rules
    no_builtin_rules: bool = False
    safety: str = "moderate"  # apply rules up to this level: safe < moderate < aggressive
    select: tuple[str, ...] = ()  # only these rule ids / categories (empty: all)
    disable: tuple[str, ...] = ()  # rule ids / categories to switch off
    heuristics: bool = True  # line heuristics (body locator, title), run before the rules
    dump_style: str = "auto"  # how text dumps are written: auto (found per document) or one of dump_style.STYLES
    markdown_output: str = "markdown"  # a markdown dump's clean text: markdown (structure kept) or plain
    recurring: bool = True  # count short lines recurring across a site's documents (first pass)
    input_format: str = "auto"  # auto: by extension, then content; text|html|jsonl|warc: that reader for every file
    # JSON Lines fields and Parquet columns; dotted paths (metadata.url) reach into nested objects
    text_field: str = "text"  # the field holding plain text (the text path)
    html_field: str = "html"  # the field holding a page's HTML (HTML extraction; wins over text)
    url_field: str = "url"  # the page URL, into source.url
    id_field: str = "id"  # JSON Lines/Parquet: the record's own id, the document's id (content-derived when absent)
    max_document_bytes: int = 64 << 20  # largest file, JSONL line or WARC payload read as one document; larger: too-large
    min_words: int = 20  # shorter clean texts are rejected as "too-short"
    languages: tuple[str, ...] = ()  # keep only these langdetect codes (empty: keep all)
    language_identifier: str = ""  # a registered identifier (cleaner.langid): langdetect, cld2, ...; "": the profile's
    profile: str = "exact"  # exact or fast (see PROFILES)
    min_lang_prob: float = 0.0
    dedup: bool = True  # drop exact and near-duplicate clean texts (MinHash LSH, see cleaner.dedup.deduplicator)
    dedup_threshold: float = 0.4  # estimated Jaccard of word 3-grams; 0.4 finds copies with ~10% words edited
    dedup_ngram: int = 3
    dedup_num_perm: int = 128
    dedup_against: tuple[str, ...] = ()  # earlier output folders whose documents count as already published
    write_txt: bool = False  # also one .txt per kept document (title, blank line, text): --txt
    provenance: str = "spans"  # removed.jsonl: full (spans and their text), spans (rule, category, offsets), none
    schema: str = "cleaner"  # document records as cleaner, dolma or datatrove read them (JSON Lines)
    strict: bool = False  # exit non-zero when any input errored
    doc_timeout: float = 60.0  # seconds one document may take (read, extract, clean); then an error entry. 0: no limit
    output_format: str = "jsonl"  # documents as jsonl or parquet (rejects and errors stay JSONL)
    shard_size: int = 0  # documents per file: documents-00000.jsonl, ...; 0: one documents file
    compression: str = "none"  # gz or zst for documents and rejects; the column codec for Parquet
    jobs: int = 0  # worker processes; 0: one per available core
    quiet: bool = False  # no progress bars and no summary line
    progress_interval: float = 30.0  # stderr not a terminal: a progress line every this many seconds (0: none)
    engine: str = "local"  # a registered engine (cleaner.engines.registry): local, ray (cleaner[ray], docs/ray.md), ...
    ray_address: str = ""  # engine ray: "" starts a Ray instance here, "auto" joins the local cluster, or ray://host:10001

    def __post_init__(self) -> None:
        if self.safety not in SAFETY_LEVELS:
            raise ConfigError(f"safety must be one of {', '.join(SAFETY_LEVELS)}, not {self.safety!r}")
        if self.dump_style not in ("auto", *STYLES):
            raise ConfigError(f"dump_style must be auto or one of {', '.join(STYLES)}, not {self.dump_style!r}")
        if self.markdown_output not in MARKDOWN_OUTPUTS:
            raise ConfigError(f"markdown_output must be one of {', '.join(MARKDOWN_OUTPUTS)}, "
                              f"not {self.markdown_output!r}")
        if self.input_format not in input_formats():  # registered readers (cleaner.readers.base)
            raise ConfigError(f"input_format must be one of {', '.join(input_formats())}, not {self.input_format!r}")
        fields = (self.text_field, self.html_field, self.url_field, self.id_field)
        if not all(fields) or len(set(fields)) < len(fields):
            raise ConfigError("text_field, html_field, url_field and id_field must be distinct, non-empty names")
        if self.max_document_bytes < 1:
            raise ConfigError("max_document_bytes must be >= 1")
        if self.min_words < 0:
            raise ConfigError("min_words must be >= 0")
        if not 0.0 < self.dedup_threshold <= 1.0:
            raise ConfigError("dedup_threshold must be in (0, 1]")
        if self.dedup_ngram < 1 or self.dedup_num_perm < 8:
            raise ConfigError("dedup_ngram must be >= 1 and dedup_num_perm >= 8")
        if self.doc_timeout < 0:
            raise ConfigError("doc_timeout must be >= 0 seconds (0: no limit)")
        if self.profile not in PROFILES:
            raise ConfigError(f"profile must be one of {', '.join(PROFILES)}, not {self.profile!r}")
        if self.language_identifier and self.language_identifier not in IDENTIFIERS:
            raise ConfigError(f"language_identifier must be one of {', '.join(IDENTIFIERS)}, "
                              f"not {self.language_identifier!r}")
        if missing_package(self.identifier()):
            raise ConfigError(missing_package(self.identifier()))
        if self.languages:
            from cleaner.langid.detect import language_codes

            # langdetect's profiles are its list; the other identifiers answer ISO 639 codes
            known = language_codes() if self.identifier() == "langdetect" else None
            unknown = [code for code in self.languages
                       if not _LANGUAGE_CODE.fullmatch(code) or (known is not None and code not in known)]
            if unknown:
                listing = f"knows {', '.join(known)}" if known else "answers ISO 639 codes such as en, de, zh"
                raise ConfigError(f"languages: unknown code(s) {', '.join(map(repr, unknown))}; the language "
                                  f"identifier ({self.identifier()}) {listing}. Give codes as --languages "
                                  "en,de or --languages en --languages de")
        if not 0.0 <= self.min_lang_prob <= 1.0:
            raise ConfigError("min_lang_prob must be between 0 and 1")
        if self.output_format not in OUTPUT_FORMATS:  # registered sinks (cleaner.output.sinks)
            raise ConfigError(f"output_format must be one of {', '.join(OUTPUT_FORMATS)}, not {self.output_format!r}")
        if self.provenance not in PROVENANCE_LEVELS:
            raise ConfigError(f"provenance must be one of {', '.join(PROVENANCE_LEVELS)}, not {self.provenance!r}")
        if self.schema not in SCHEMAS:
            raise ConfigError(f"schema must be one of {', '.join(SCHEMAS)}, not {self.schema!r}")
        if self.schema != "cleaner" and self.output_format != "jsonl":
            raise ConfigError(f"schema {self.schema} is written as JSON Lines (what {self.schema} reads); "
                              "leave output_format at jsonl, or use schema cleaner for Parquet")
        if self.compression not in COMPRESSIONS:
            raise ConfigError(f"compression must be one of {', '.join(COMPRESSIONS)}, not {self.compression!r}")
        if self.ray_address and self.engine != "ray":
            raise ConfigError("ray_address needs engine = \"ray\" (--engine ray)")
        if self.progress_interval < 0:
            raise ConfigError("progress_interval must be >= 0 seconds (0: no progress lines)")
        if self.shard_size < 0 or self.jobs < 0:
            raise ConfigError("shard_size and jobs must be >= 0 (0: one file / one worker per core)")

    def identifier(self) -> str:
        """The language identifier that runs: the one named, else the profile's."""
        return self.language_identifier or PROFILE_IDENTIFIERS[self.profile]

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    def replace(self, **changes: Any) -> "Config":
        return build_config(changes, base=self)

    def to_json(self) -> dict:
        """The keys that shape the output (execution keys left out), for the manifest."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
                if k not in EXECUTION_KEYS}


def build_config(values: dict[str, Any], base: Config | None = None, origin: str = "options") -> Config:
    """Validate keys and types of ``values`` and lay them over ``base``."""
    base = base or Config()
    valid = {f.name: f for f in dataclasses.fields(Config)}
    unknown = sorted(set(values) - set(valid))
    if unknown:
        raise ConfigError(f"{origin}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(valid)}")
    clean: dict[str, Any] = {}
    for key, value in values.items():
        default = getattr(Config(), key)
        if isinstance(default, tuple):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{origin}: {key} must be a list of strings")
            value = tuple(value)
            if key == "languages":  # "en,de" and repeated flags alike; codes are lower case
                value = tuple(code.strip().lower() for item in value for code in item.split(",") if code.strip())
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{origin}: {key} must be true or false")
        elif isinstance(default, float):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ConfigError(f"{origin}: {key} must be a number")
            value = float(value)
        elif not isinstance(value, type(default)) or isinstance(value, bool) != isinstance(default, bool):
            raise ConfigError(f"{origin}: {key} must be of type {type(default).__name__}")
        clean[key] = value
    return dataclasses.replace(base, **clean)


def find_config_file(explicit: Path | None) -> Path | None:
    """The config file of a command: ``--config FILE`` if given, else ``./cleaner.toml`` if
    the working directory has one (as ruff and black find theirs), else none."""
    if explicit is not None:
        return explicit
    return Path(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else None


def load_config_file(path: Path) -> dict[str, Any]:
    """Keys from ``cleaner.toml`` (top level) or a pyproject's ``[tool.cleaner]``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("cleaner", {})
    return {k.replace("-", "_"): v for k, v in data.items()}
