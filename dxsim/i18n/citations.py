"""Plain citations for people: "Báo cáo của Bộ KH&CN, 11/2025" instead of "000:56 MoST report ...".

The fact tables cite the seed reports by their internal file id and line ("000:56", "004:291-293",
"MoST report 000:56 (../shared/seeds/...)"), which lets a reviewer check every number. A planner's
report needs the document instead: :func:`citation` replaces each seed reference by the report's
title and date in the language in use (``citations.csv``, one row per seed file), and keeps every
other source (a GSO release, a web page) as written. The files keep the full reference.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from dxsim.i18n import language

CITATIONS = Path(__file__).resolve().parent / "citations.csv"
_SEED_REF = re.compile(
    r"(?:(?:MoST|MIC) report )?\b(00\d):\d+(?:-\d+)?(?: \([^)]*seeds/[^)]*\))?"
    r"(?: (?:MoST|MIC) report[^;]*)?"
)  # the id, its lines, and the description up to a ';'


@functools.cache
def _table() -> dict[str, dict[str, str]]:
    with CITATIONS.open(encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def seed_citation(seed_id: str) -> str:
    """The seed report `seed_id` ("000".."004") as a plain citation in the language in use."""
    row = _table()[seed_id]
    return row["vi"] if language() == "vi" else row["en"]


def citation(source: str) -> str:
    """`source` with every seed reference ("000:56 MoST report ..., ~Nov 2025") as a plain citation."""
    if not source:
        return source
    out = _SEED_REF.sub(lambda m: seed_citation(m.group(1)) if m.group(1) in _table() else m.group(0), source)
    return re.sub(r"\s{2,}", " ", out).strip()
