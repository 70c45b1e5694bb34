"""metrics.csv: the metrics table as a CSV that pandas, polars and spreadsheets read right at default settings.

Columns: `date` (ISO YYYY-MM-DD month end), `replication`, `area` (`VN` or a two-digit gso34 code such
as `01`), `area_name` (the province's name, `Việt Nam` for VN), `metric`, `value`. UTF-8, no BOM.

Why the row order matters: `area` codes like `01` look like integers, and a default reader guesses a
column's type from the rows it sees first (polars: the first 100 rows; pandas: each ~256 KB chunk).
Every (replication, date, metric) block is written with its `VN` row first, and a block holds at most
1 + 34 rows, so every window a reader guesses from contains the text `VN` and the whole column stays
text: `01` is read back as "01", never as the integer 1.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.i18n import gettext as _
from dxsim.results.run_files import NATIONAL_CODE, province_names, replication_batches, scan_metrics
from dxsim.results.writer import atomic_file

CSV_NAME = "metrics.csv"


def metrics_csv_frame(
    metrics: pl.DataFrame, names: dict[str, str], metric_order: list[str] | None = None
) -> pl.DataFrame:
    """The CSV's rows: area names added, each (replication, date, metric) block led by its VN row.

    `metric_order`: the metrics in their order of first appearance in the whole table (default: in `metrics`).
    """
    unknown = sorted(set(metrics["area"].unique().to_list()) - set(names))
    if unknown:
        raise DxsimInputError(
            _("area code without a province in provinces.geojson"),
            file="metrics.parquet",
            field="area",
            value=unknown[0],
            allowed=_("VN or a gso34 code of provinces.geojson"),
        )
    metric_order = (
        metric_order if metric_order is not None else list(dict.fromkeys(metrics["metric"].to_list()))
    )
    order = pl.DataFrame({"metric": metric_order}).with_row_index("_m")
    name_df = pl.DataFrame({"area": list(names), "area_name": list(names.values())})
    return (
        metrics.join(order, on="metric", how="left")
        .join(name_df, on="area", how="left")
        .with_columns((pl.col("area") != NATIONAL_CODE).alias("_prov"))
        .sort("replication", "date", "_m", "_prov", "area", maintain_order=True)
        .select("date", "replication", "area", "area_name", "metric", "value")
    )


def write_metrics_csv(result_dir: Path) -> Path:
    """Write `metrics.csv` from the folder's metrics.parquet and provinces.geojson (replaces any older CSV).

    Rows are sorted by replication first, so the file is written a batch of replications at a time
    (:func:`dxsim.results.run_files.replication_batches`): memory does not grow with replications.
    """
    result_dir = Path(result_dir)
    lf = scan_metrics(result_dir)
    names = province_names(result_dir)
    order = lf.select(pl.col("metric").unique(maintain_order=True)).collect()["metric"].to_list()

    def fill(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            for k, batch in enumerate(replication_batches(lf)):
                metrics_csv_frame(batch, names, order).write_csv(
                    f, date_format="%Y-%m-%d", include_bom=False, include_header=k == 0
                )

    return atomic_file(result_dir / CSV_NAME, fill)
