"""The run report: what a ``clean`` run removed and dropped, for a reviewer.

:class:`RunReport` watches every document as the run routes it (in input order, so the
report is the same for any ``-j``) and, once deduplication has decided, writes
``report.json`` (the numbers) and ``report.html`` (the same numbers as charts, written by
:mod:`cleaner.output.report_page`) into the output folder. Nothing in the report depends on
the machine, the time or the input paths as typed, so a run's report is byte-identical
whenever its output is.
"""
from __future__ import annotations

from collections import Counter

from cleaner.document import Document


REPORT_JSON, REPORT_HTML = "report.json", "report.html"
FORMAT_VERSION = 1
MAX_ERRORS_LISTED = 200  # the report is for reading; errors.jsonl holds every one
TOP_RULES = 25  # rules shown in the chart; report.json has them all
# Word-count bins: roughly logarithmic, so a page of 30 words and one of 3,000 both land in
# a bin that tells them apart; 20 is the default min_words, so the first bins show rejects.
LENGTH_EDGES = (1, 20, 50, 100, 200, 500, 1000, 2000, 5000)
NOT_BOILERPLATE = ("title",)  # the headline moves to ``title``: recorded, but not a removal


def length_bins() -> list[str]:
    """Labels of the word-count bins.

    >>> length_bins()[:3], length_bins()[-1]
    (['0', '1-19', '20-49'], '5k+')
    """
    labels = ["0"]
    for low, high in zip(LENGTH_EDGES, LENGTH_EDGES[1:]):
        labels.append(f"{low}-{high - 1}" if high <= 1000 else f"{_k(low)}-{_k(high)}")
    return labels + [f"{_k(LENGTH_EDGES[-1])}+"]


def _k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def length_bin(words: int) -> int:
    """Index of the bin that ``words`` falls in.

    >>> [length_bin(n) for n in (0, 1, 19, 20, 4999, 5000, 10**6)]
    [0, 1, 1, 2, 8, 9, 9]
    """
    index = 0
    for edge in LENGTH_EDGES:
        if words >= edge:
            index += 1
    return index


class RunReport:
    """Collects the report of one run; feed it every document with :meth:`observe`."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()  # kept / rejected / errored (before dedup)
        self.reasons: Counter[str] = Counter()
        self.rule_spans: Counter[str] = Counter()
        self.rule_chars: Counter[str] = Counter()
        self.rule_docs: Counter[str] = Counter()
        self.rule_category: dict[str, str] = {}
        self.titled = 0
        self.before = [0] * (len(LENGTH_EDGES) + 1)
        self.chars_before = 0
        self.error_count = 0
        self.errors: list[dict] = []  # the first MAX_ERRORS_LISTED
        # Documents that passed every step are counted when deduplication has routed them
        # (:meth:`kept`, :meth:`duplicate`): whoever routes them keeps their live_stats().
        self.after = [0] * (len(LENGTH_EDGES) + 1)
        self.languages: Counter[str] = Counter()
        self.chars_after = 0
        self.kept_count = 0
        self.duplicates = 0
        self.late_rejects: Counter[str] = Counter()  # passed every step, dropped when written (duplicate-id)

    def observe(self, doc: Document) -> None:
        """Count one document as the steps left it (before deduplication)."""
        outcome = doc.outcome
        if outcome is not None and outcome.kind != "rejected":
            self.outcomes["errored"] += 1
            self.reasons[outcome.reason] += 1
            self.error_count += 1
            if len(self.errors) < MAX_ERRORS_LISTED:
                self.errors.append({"path": doc.source.path, "position": doc.source.position,
                                    "reason": outcome.reason, "message": outcome.message})
            return
        self.before[length_bin(len(doc.normalised.split()))] += 1
        self.chars_before += len(doc.normalised)
        # ~200 removals a dump: the spans are counted by Counter.update (a C loop), the
        # characters through local names (Counter's += is two Python-level calls a removal)
        rules, chars, categories = [], self.rule_chars, self.rule_category
        for removal in doc.removals:
            if removal.category in NOT_BOILERPLATE:
                self.titled += 1
                continue
            rule = removal.rule
            rules.append(rule)
            chars[rule] += len(removal.text)
            if rule not in categories:
                categories[rule] = removal.category
        self.rule_spans.update(rules)
        self.rule_docs.update(set(rules))
        if outcome is not None:
            self.outcomes["rejected"] += 1
            self.reasons[outcome.reason] += 1

    def merge(self, part: "RunReport") -> None:
        """Add the report of the documents that come next in input order (a chunk's, observed
        where it was cleaned): the same numbers as observing them here, one by one."""
        for mine, theirs in ((self.outcomes, part.outcomes), (self.reasons, part.reasons),
                             (self.rule_spans, part.rule_spans), (self.rule_chars, part.rule_chars),
                             (self.rule_docs, part.rule_docs), (self.languages, part.languages),
                             (self.late_rejects, part.late_rejects)):
            mine.update(theirs)
        for rule, category in part.rule_category.items():
            self.rule_category.setdefault(rule, category)
        self.before = [a + b for a, b in zip(self.before, part.before)]
        self.after = [a + b for a, b in zip(self.after, part.after)]
        self.errors += part.errors[:MAX_ERRORS_LISTED - len(self.errors)]
        self.titled += part.titled
        self.chars_before += part.chars_before
        self.chars_after += part.chars_after
        self.error_count += part.error_count
        self.kept_count += part.kept_count
        self.duplicates += part.duplicates

    @staticmethod
    def live_stats(doc: Document) -> tuple[int, int, str]:
        """What the report needs of a document that passed every step: words, characters, language."""
        text = doc.text
        return len(text.split()), len(text), doc.lang or "unknown"

    def kept(self, words: int, chars: int, lang: str) -> None:
        """Count a document written to the corpus (its :meth:`live_stats`)."""
        self.kept_count += 1
        self.after[length_bin(words)] += 1
        self.languages[lang] += 1
        self.chars_after += chars

    def duplicate(self) -> None:
        """Count a document that passed every step and was dropped as a duplicate."""
        self.duplicates += 1

    def rejected_late(self, reason: str) -> None:
        """Count a document that passed every step and was rejected when written (``duplicate-id``)."""
        self.late_rejects[reason] += 1

    def finish(self, cluster_sizes: Counter[int] | None = None) -> dict:
        """The report as a JSON-ready dict; ``cluster_sizes`` (documents per duplicate cluster ->
        clusters) from :meth:`~cleaner.dedup.result.DedupResult.cluster_sizes`, None without dedup."""
        cluster_sizes = cluster_sizes or Counter()
        duplicates, kept = self.duplicates, self.kept_count
        reasons = Counter(self.reasons) + self.late_rejects
        late = sum(self.late_rejects.values())
        if duplicates:
            reasons["duplicate"] += duplicates
        categories: dict[str, dict[str, int]] = {}
        for rule, spans in self.rule_spans.items():
            entry = categories.setdefault(self.rule_category[rule], {"spans": 0, "chars": 0, "rules": 0})
            entry["spans"] += spans
            entry["chars"] += self.rule_chars[rule]
            entry["rules"] += 1
        return {
            "format": FORMAT_VERSION,
            "documents": {"in": kept + self.outcomes["rejected"] + duplicates + late + self.outcomes["errored"],
                          "kept": kept, "rejected": self.outcomes["rejected"] + duplicates + late,
                          "errored": self.outcomes["errored"], "titled": self.titled},
            "reasons": dict(sorted(reasons.items())),
            "characters": {"before": self.chars_before, "after": self.chars_after},
            "removals": {
                "by_category": {c: categories[c] for c in sorted(categories, key=lambda c: (-categories[c]["chars"], c))},
                "by_rule": {r: {"category": self.rule_category[r], "spans": self.rule_spans[r],
                                "chars": self.rule_chars[r], "documents": self.rule_docs[r]}
                            for r in sorted(self.rule_spans, key=lambda r: (-self.rule_spans[r], r))},
            },
            "languages": dict(sorted(self.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "lengths": {"unit": "words", "bins": length_bins(), "before": self.before, "after": self.after},
            "duplicates": {"dropped": duplicates, "clusters": sum(cluster_sizes.values()),
                           "cluster_sizes": {str(size): cluster_sizes[size] for size in sorted(cluster_sizes)}},
            "errors": {"count": self.error_count, "listed": self.errors},
        }


def removed_share(report: dict) -> float:
    """Share of the input's characters that boilerplate removals took (headlines not counted)."""
    before = report["characters"]["before"]
    removed = sum(e["chars"] for e in report["removals"]["by_category"].values())
    return removed / before if before else 0.0


# -- console summary ---------------------------------------------------------------------------

def summary_lines(report: dict, top: int = 8) -> list[str]:
    """A short table for the end of a run: outcomes, then what was removed, by category."""
    d = report["documents"]
    lines = [f"{'documents':<14}{'in':>8}{'kept':>8}{'rejected':>10}{'errored':>9}",
             f"{'':<14}{d['in']:>8}{d['kept']:>8}{d['rejected']:>10}{d['errored']:>9}"]
    if report["reasons"]:
        lines.append("dropped: " + ", ".join(f"{reason} {n}" for reason, n in report["reasons"].items()))
    categories = report["removals"]["by_category"]
    if categories:
        share = removed_share(report)
        lines.append(f"{'removed':<14}{'spans':>8}{'chars':>10}   ({share:.0%} of input characters gone)")
        for name, entry in list(categories.items())[:top]:
            lines.append(f"  {name:<12}{entry['spans']:>8}{entry['chars']:>10}")
        if len(categories) > top:
            rest = list(categories.values())[top:]
            lines.append(f"  {'(other)':<12}{sum(e['spans'] for e in rest):>8}{sum(e['chars'] for e in rest):>10}")
    return lines
