"""Regenerate the README sections that come from code: scenario fields, metric names, raw-data files.

Usage: python tools/update_readme.py [--check]   (--check exits 1 if README.md is stale)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from dxsim.geo.info import raw_data_markdown
from dxsim.results.metric_docs import metrics_markdown
from dxsim.scenario import schema_markdown
from dxsim.scenario.docs import uncertainty_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def render(text: str) -> str:
    for tag, body in (
        ("schema", schema_markdown()),
        ("metrics", metrics_markdown()),
        ("rawdata", raw_data_markdown()),
        ("uncertainty", uncertainty_markdown()),
    ):
        pat = re.compile(rf"(<!-- BEGIN {tag} -->\n).*?(<!-- END {tag} -->)", re.DOTALL)
        text = pat.sub(lambda m, body=body: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)
    return text


def main() -> int:
    old = README.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in sys.argv:
        return 0 if new == old else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
