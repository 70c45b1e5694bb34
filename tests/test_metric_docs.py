"""The README's metric tables are the metric registry's: generated, complete, and split as the workbook reads them.

The tables come from dxsim.results.metrics (METRICS, CAMPAIGN_METRICS) through
dxsim.results.metric_docs; a metric added, renamed or re-described in the registry must show up in the
README, and every description must carry a unit and the areas it is reported for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dxsim.results.metric_docs import AREAS, COLUMNS, metric_docs, metrics_markdown, parse_description
from dxsim.results.metrics import CAMPAIGN_METRICS, METRICS, SUPPORT_PROGRAMME_METRICS, metric_unit

REPO = Path(__file__).resolve().parent.parent
REGION = re.compile(r"<!-- BEGIN metrics -->\n(.*?)<!-- END metrics -->", re.DOTALL)
REGENERATE = "`.venv/bin/python tools/update_readme.py`"


def _readme_region() -> str:
    found = REGION.findall((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(found) == 1, (
        "README.md needs exactly one <!-- BEGIN metrics --> ... <!-- END metrics --> region"
    )
    return found[0]


def _table_names(markdown: str) -> list[str]:
    """Metric names of every table row (first cell, in backticks), in order."""
    return re.findall(r"^\| `([^`]+)` \|", markdown, re.MULTILINE)


def test_readme_metric_table_is_generated_from_the_registry() -> None:
    assert _readme_region() == metrics_markdown(), (
        f"README.md's metric table differs from dxsim.results.metrics: run {REGENERATE}"
    )


def test_tables_list_every_registered_metric_once_and_nothing_else() -> None:
    names = _table_names(metrics_markdown())
    assert names == [*METRICS, *CAMPAIGN_METRICS, *SUPPORT_PROGRAMME_METRICS]
    assert len(names) == len(set(names))


def test_table_rows_have_every_column() -> None:
    rows = [line for line in metrics_markdown().splitlines() if line.startswith("| `")]
    for line in rows:
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        assert len(cells) == len(COLUMNS), line


@pytest.mark.parametrize("name", [*METRICS, *CAMPAIGN_METRICS, *SUPPORT_PROGRAMME_METRICS])
def test_description_gives_meaning_unit_and_areas(name: str) -> None:
    doc = parse_description(name, {**METRICS, **CAMPAIGN_METRICS, **SUPPORT_PROGRAMME_METRICS}[name])
    assert doc.meaning and doc.unit and doc.areas in AREAS
    # the unit the README shows is the one the workbook labels (dxsim.results.excel via metric_unit)
    assert doc.unit == metric_unit(name.replace("<name>", "north_2025"))


def test_campaign_metrics_are_national() -> None:
    assert {d.areas for d in metric_docs(CAMPAIGN_METRICS)} == {"VN"}


def test_a_description_without_unit_and_areas_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'x_pct'"):
        parse_description("x_pct", "share of something")
    with pytest.raises(ValueError, match="'x_pct'"):
        parse_description("x_pct", "share of something (%; nationally)")


def test_rendering_is_deterministic() -> None:
    assert metrics_markdown() == metrics_markdown()


def test_workbook_village_headers_name_the_subset_the_metric_counts() -> None:
    """`villages_unconnected` counts only the no-power subset, yet the workbook's Provinces sheet headed it "Villages
    not connected" beside "Villages connected": Tuyên Quang's 2025 row read 52 + 15 of its 275 villages (223 still
    without signal). A header of a metric the registry scopes to the no-power subset must say so, in both languages."""
    from dxsim.i18n import gettext, set_language
    from dxsim.results.excel import PROVINCE_LABELS

    scoped = [m for m in PROVINCE_LABELS if METRICS[m].startswith("villages of the no-power subset")]
    assert "villages_unconnected" in scoped and "villages_without_power" in scoped
    try:
        for lang, words in (("en", "no-power subset"), ("vi", "nhóm chưa có điện")):
            set_language(lang)
            for m in scoped:
                assert words in gettext(PROVINCE_LABELS[m]), (lang, m, gettext(PROVINCE_LABELS[m]))
    finally:
        set_language(None)


def test_the_documented_village_causes_are_the_model_s() -> None:
    """results.metrics lists the village programme's causes itself (importing the model would load SimPy into every
    command that only reads tables): they must be the model's, in its order."""
    from dxsim.results.metrics import VILLAGE_HELD_CAUSES
    from dxsim.sim.villages.process import CAUSES

    assert VILLAGE_HELD_CAUSES == CAUSES
