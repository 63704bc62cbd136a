"""The run report as files: ``report.json`` (the numbers of :mod:`cleaner.output.report`) and
``report.html``, the same numbers as one self-contained page (inline CSS and SVG, no network)."""
from __future__ import annotations

import html
import json
from pathlib import Path

from cleaner.output.report import REPORT_HTML, REPORT_JSON, TOP_RULES, removed_share


def write_report(report: dict, folder: Path) -> list[str]:
    """Write report.json and report.html into ``folder``; returns the file names."""
    folder = Path(folder)
    (folder / REPORT_JSON).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8", newline="\n")
    (folder / REPORT_HTML).write_text(render_html(report), encoding="utf-8", newline="\n")
    return [REPORT_JSON, REPORT_HTML]


# -- the HTML page -----------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1140px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 8px}
.sub{color:#5b6475;margin:0 0 18px}
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:18px}
.tile{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:10px 16px;min-width:120px}
.tile b{display:block;font-size:22px}.tile span{color:#5b6475}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:16px}
.chart{background:#fff;border:1px solid #dde2ea;border-radius:8px;padding:12px 14px;margin:0}
.chart svg{display:block;width:100%;height:auto}
.chart figcaption{color:#5b6475;font-size:12px;margin-top:6px}
.empty{color:#8a93a3;font-style:italic;margin:18px 0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
td,th{border-bottom:1px solid #e6e9ef;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
section{margin-top:18px}
svg text{font:12px system-ui,-apple-system,Segoe UI,Roboto,sans-serif;fill:#1d2330}
svg .axis{stroke:#c5ccd8}svg .value{fill:#5b6475}svg .tick{font-size:10px}
"""

# The page measures its own charts once laid out and records the sizes as data attributes:
# a reviewer's browser ignores them, and a headless browser's DOM dump (the report test)
# can tell a drawn chart from an empty or collapsed one.
_MEASURE_JS = """
(function(){
  var charts=document.querySelectorAll('.chart');
  charts.forEach(function(fig){
    var r=fig.getBoundingClientRect(),drawn=0;
    fig.querySelectorAll('.bar').forEach(function(b){var q=b.getBoundingClientRect();if(q.width>0&&q.height>0)drawn++;});
    fig.setAttribute('data-rendered-width',Math.round(r.width));
    fig.setAttribute('data-rendered-height',Math.round(r.height));
    fig.setAttribute('data-bars-drawn',drawn);
  });
  document.body.setAttribute('data-charts-measured',charts.length);
})();
"""

PALETTE = ("#3b6fd8", "#e07b39", "#3aa17e", "#c9457b", "#8a63d2", "#c9a227", "#4aa3c9", "#7d8a9c")
_BEFORE, _AFTER = "#9aa7bd", "#3b6fd8"


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _bar_chart(chart_id: str, title: str, items: list[tuple[str, int]], caption: str,
               unit: str = "", color: str = PALETTE[0]) -> str:
    """Horizontal bars, one per (label, value); zero values get a row but no bar."""
    head = f'<figure class="chart" id="chart-{chart_id}" data-chart="{chart_id}"><h2>{_esc(title)}</h2>'
    if not items:
        return head + f'<p class="empty">nothing to show</p><figcaption>{_esc(caption)}</figcaption></figure>'
    width, label_w, value_w, row = 540, 200, 70, 22
    plot = width - label_w - value_w
    top = max(v for _, v in items) or 1
    height = row * len(items) + 6
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{_esc(title)}">']
    for i, (label, value) in enumerate(items):
        y = 3 + i * row
        bar = round(plot * value / top, 1)
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_esc(label)}</text>')
        if value > 0:
            parts.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{max(bar, 1.5)}" height="{row - 6}" '
                         f'rx="2" fill="{color}"><title>{_esc(label)}: {value}{unit}</title></rect>')
        parts.append(f'<text class="value" x="{label_w + max(bar, 1.5) + 6}" y="{y + 15}">{value:,}{unit}</text>')
    parts.append(f'<line class="axis" x1="{label_w}" y1="0" x2="{label_w}" y2="{height}"/></svg>')
    return head + "".join(parts) + f"<figcaption>{_esc(caption)}</figcaption></figure>"


def _histogram(chart_id: str, title: str, bins: list[str], series: list[tuple[str, str, list[int]]],
               caption: str) -> str:
    """Vertical grouped bars: one group per bin, one bar per (name, color, counts) series."""
    head = f'<figure class="chart" id="chart-{chart_id}" data-chart="{chart_id}"><h2>{_esc(title)}</h2>'
    if not any(any(counts) for _, _, counts in series):
        return head + f'<p class="empty">nothing to show</p><figcaption>{_esc(caption)}</figcaption></figure>'
    width, height, left, bottom, top_pad = 540, 240, 36, 40, 26
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    top = max(max(counts) for _, _, counts in series) or 1
    group = plot_w / len(bins)
    bar_w = (group - 8) / len(series)
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{_esc(title)}">']
    for s, (name, color, _) in enumerate(series):  # legend
        x = left + s * 110
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16}" y="15">{_esc(name)}</text>')
    base = top_pad + plot_h
    parts.append(f'<line class="axis" x1="{left}" y1="{base}" x2="{width - 8}" y2="{base}"/>')
    parts.append(f'<text class="value" x="{left - 6}" y="{top_pad + 10}" text-anchor="end">{top}</text>')
    parts.append(f'<text class="value" x="{left - 6}" y="{base}" text-anchor="end">0</text>')
    for b, label in enumerate(bins):
        gx = left + b * group + 4
        for s, (name, color, counts) in enumerate(series):
            value = counts[b]
            if value <= 0:
                continue
            h = max(round(plot_h * value / top, 1), 1.5)
            parts.append(f'<rect class="bar" x="{round(gx + s * bar_w, 1)}" y="{round(base - h, 1)}" '
                         f'width="{round(bar_w - 1, 1)}" height="{h}" fill="{color}">'
                         f'<title>{_esc(name)}, {_esc(label)} words: {value}</title></rect>')
        parts.append(f'<text class="value tick" x="{round(gx + (group - 8) / 2, 1)}" y="{base + 16}" '
                     f'text-anchor="middle">{_esc(label)}</text>')
    parts.append(f'<text class="value" x="{left + plot_w / 2}" y="{height - 4}" text-anchor="middle">words</text>')
    parts.append("</svg>")
    return head + "".join(parts) + f"<figcaption>{_esc(caption)}</figcaption></figure>"


def _tile(value, label: str) -> str:
    return f'<div class="tile"><b>{_esc(value)}</b><span>{_esc(label)}</span></div>'


def render_html(report: dict) -> str:
    """The report as one self-contained HTML page (inline CSS, SVG and script)."""
    d = report["documents"]
    removals = report["removals"]
    share = removed_share(report)
    categories = removals["by_category"]
    rules = list(removals["by_rule"].items())
    outcome_items = [("kept", d["kept"])] + [(reason, n) for reason, n in report["reasons"].items()]
    sizes = report["duplicates"]["cluster_sizes"]
    charts = [
        _bar_chart("outcomes", "Documents by outcome", outcome_items,
                   "kept, and every reason a document was rejected or errored", color=PALETTE[2]),
        _bar_chart("categories", "Characters removed by category",
                   [(c, e["chars"]) for c, e in categories.items()],
                   "characters of the normalised input removed, per boilerplate category", color=PALETTE[0]),
        _bar_chart("rules", f"Removals by rule (top {TOP_RULES})",
                   [(f"{r} {e['category']}", e["spans"]) for r, e in rules[:TOP_RULES]],
                   "spans removed per rule or heuristic (H-*); report.json lists every rule", color=PALETTE[1]),
        _histogram("lengths", "Document length before and after",
                   report["lengths"]["bins"],
                   [("before (input)", _BEFORE, report["lengths"]["before"]),
                    ("after (kept)", _AFTER, report["lengths"]["after"])],
                   "words of the normalised input of every readable document, and of the clean text "
                   "of every kept document"),
        _bar_chart("languages", "Languages of kept documents", list(report["languages"].items()),
                   "langdetect codes", color=PALETTE[4]),
        _bar_chart("duplicates", "Duplicate clusters by size",
                   [(f"{size} copies", n) for size, n in sizes.items()],
                   f"{report['duplicates']['dropped']} documents dropped as duplicates, in "
                   f"{report['duplicates']['clusters']} clusters (kept copy included in the size)",
                   color=PALETTE[3]),
    ]
    rule_rows = "".join(
        f"<tr><td>{_esc(r)}</td><td>{_esc(e['category'])}</td><td class=n>{e['spans']:,}</td>"
        f"<td class=n>{e['chars']:,}</td><td class=n>{e['documents']:,}</td></tr>" for r, e in rules)
    errors = report["errors"]
    error_rows = "".join(
        f"<tr><td>{_esc(e['path'])}{'#' + _esc(e['position']) if e.get('position') is not None else ''}</td>"
        f"<td>{_esc(e['reason'])}</td><td>{_esc(e['message'])}</td></tr>" for e in errors["listed"])
    more = (f"<p class=sub>{errors['count'] - len(errors['listed'])} more in errors.jsonl</p>"
            if errors["count"] > len(errors["listed"]) else "")
    return "".join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>cleaner run report</title><style>{_CSS}</style></head><body>",
        "<h1>cleaner run report</h1>",
        '<p class="sub">What this run removed and dropped. Numbers: report.json beside this file; '
        "every removal: removed.jsonl (its text too with <code>--provenance full</code>; "
        "<code>cleaner explain FILE</code> shows it for one input).</p>",
        '<div class="tiles">',
        _tile(f"{d['in']:,}", "documents in"), _tile(f"{d['kept']:,}", "kept"),
        _tile(f"{d['rejected']:,}", "rejected"), _tile(f"{d['errored']:,}", "errored"),
        _tile(f"{share:.0%}", "of input characters removed"),
        _tile(f"{report['duplicates']['dropped']:,}", "duplicates dropped"),
        "</div>",
        '<div class="grid">', *charts, "</div>",
        "<section><h2>Rules and heuristics</h2><table><thead><tr><th>rule</th><th>category</th>"
        "<th>spans</th><th>characters</th><th>documents</th></tr></thead><tbody>",
        rule_rows or '<tr><td colspan=5 class="empty">no removals</td></tr>', "</tbody></table></section>",
        f"<section><h2>Errors ({errors['count']})</h2>",
        ("<table><thead><tr><th>input</th><th>reason</th><th>message</th></tr></thead><tbody>"
         + error_rows + "</tbody></table>" + more) if errors["count"] else '<p class="empty">none</p>',
        "</section>",
        f"<script>{_MEASURE_JS}</script></body></html>\n",
    ])
