"""The README's metric tables, rendered from the metric registry (:mod:`dxsim.results.metrics`).

Why: the names, units and meanings a planner reads must be the ones runs emit and the workbook labels
(:func:`dxsim.results.metrics.metric_unit`), so the tables are rendered from ``METRICS`` and
``CAMPAIGN_METRICS`` instead of being kept by hand. ``tools/update_readme.py`` writes them between the
README's ``<!-- BEGIN metrics -->`` markers, as it writes the scenario table from
:func:`dxsim.scenario.sections.markdown`; ``tests/test_metric_docs.py`` fails when the README differs.

A registry description reads ``"meaning (unit; areas[; notes])"``: the last parenthesis, at the end, holds
the unit, the areas the metric is reported for and any notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dxsim.results.metrics import CAMPAIGN_METRICS, METRICS, SUPPORT_PROGRAMME_METRICS

AREAS = ("VN", "VN and province")  # the nation only, or the nation and each province
_TAIL = re.compile(r"^(?P<meaning>.*\S)\s*\((?P<tail>[^()]*)\)$", re.DOTALL)
COLUMNS = ("metric", "meaning", "unit", "areas", "notes")


@dataclass(frozen=True)
class MetricDoc:
    """One row of a metric table, split from a registry description."""

    name: str
    meaning: str
    unit: str
    areas: str
    notes: str


def parse_description(name: str, description: str) -> MetricDoc:
    """Split ``"meaning (unit; areas[; notes])"``; ValueError naming the metric when it is not in that form."""
    m = _TAIL.match(description)
    parts = [p.strip() for p in m.group("tail").split(";")] if m else []
    if m is None or len(parts) < 2 or not parts[0] or parts[1] not in AREAS:
        raise ValueError(
            f"metric {name!r}: description must end with '(unit; {' | '.join(AREAS)}[; notes])': "
            f"{description!r}"
        )
    return MetricDoc(name, m.group("meaning"), parts[0], parts[1], "; ".join(parts[2:]))


def metric_docs(registry: dict[str, str]) -> list[MetricDoc]:
    """The registry's rows in its own order (the documented order runs and workbooks use)."""
    return [parse_description(name, desc) for name, desc in registry.items()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(docs: list[MetricDoc]) -> list[str]:
    rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    rows += [
        f"| `{d.name}` | {_cell(d.meaning)} | {_cell(d.unit)} | {_cell(d.areas)} | {_cell(d.notes)} |"
        for d in docs
    ]
    return rows


def metrics_markdown() -> str:
    """The README's metric tables: every fixed metric, then the per-campaign ones (Markdown)."""
    lines = [
        'Rows are dated at month ends; areas: `VN` (the nation) and, for "VN and province", each 2-digit',
        "gso34 province code. Rendered from `dxsim.results.metrics.METRICS` by `python tools/update_readme.py`.",
        "",
        *_table(metric_docs(METRICS)),
        "",
        "Per campaign of `villages.campaigns` (`<name>` is the campaign's name;",
        "`dxsim.results.metrics.CAMPAIGN_METRICS`):",
        "",
        *_table(metric_docs(CAMPAIGN_METRICS)),
        "",
        "Per 5G support programme (`<name>`: `resolution_193`, or a `[[supports]]` programme's name;",
        "`dxsim.results.metrics.SUPPORT_PROGRAMME_METRICS`):",
        "",
        *_table(metric_docs(SUPPORT_PROGRAMME_METRICS)),
    ]
    return "\n".join(lines) + "\n"
