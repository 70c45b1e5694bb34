"""Collects one replication's metric values as it runs (the simulator's only output channel).

The metric names and their documentation are the registry in :mod:`dxsim.results.metrics`;
this module only records, so the simulator never imports the results layer above it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl


class MetricsRecorder:
    """Collects metric values in blocks and builds one polars frame at the end.

    A replication records ~1,300 blocks (month x metric group); building row arrays per block
    (dates, strings) cost ~60 ms of a ~0.5 s replication, so blocks keep small integer codes and
    cached index arrays, and `frame` expands dates, areas and names once.
    """

    def __init__(self, replication: int, province_codes: list[str]) -> None:
        self.replication = replication
        self.areas = ["VN", *province_codes]  # area code 0 is the nation
        self._prov_area = np.arange(1, len(province_codes) + 1, dtype=np.int32)
        self._metric_id: dict[str, int] = {}
        self._metric_ids: dict[str, np.ndarray] = {}  # by_province: the id repeated per province
        self._dates: list[dt.date] = []
        self._areas: list[np.ndarray] = []
        self._metrics: list[np.ndarray] = []
        self._values: list[np.ndarray] = []

    def _id(self, metric: str) -> int:
        return self._metric_id.setdefault(metric, len(self._metric_id))

    def national(self, date: dt.date, values: dict[str, float]) -> None:
        self._dates.append(date)
        self._areas.append(np.zeros(len(values), dtype=np.int32))
        self._metrics.append(np.fromiter((self._id(m) for m in values), dtype=np.int32, count=len(values)))
        self._values.append(np.fromiter(values.values(), dtype=np.float64, count=len(values)))

    def by_province(self, date: dt.date, metric: str, values: np.ndarray) -> None:
        ids = self._metric_ids.get(metric)
        if ids is None:
            ids = self._metric_ids[metric] = np.full(self._prov_area.size, self._id(metric), dtype=np.int32)
        self._dates.append(date)
        self._areas.append(self._prov_area)
        self._metrics.append(ids)
        self._values.append(np.array(values, dtype=np.float64))  # a copy: callers may reuse theirs

    def frame(self) -> pl.DataFrame:
        if not self._values:
            return empty_metrics()
        sizes = np.fromiter((v.size for v in self._values), dtype=np.int64, count=len(self._values))
        dates = np.repeat(np.array(self._dates, dtype="datetime64[D]"), sizes)
        names = pl.Series("metric", list(self._metric_id), dtype=pl.Utf8)
        areas = pl.Series("area", self.areas, dtype=pl.Utf8)
        return pl.DataFrame(
            [
                pl.Series("date", dates).cast(pl.Date),
                pl.Series("replication", np.full(int(sizes.sum()), self.replication, dtype=np.int32)),
                areas.gather(pl.Series(np.concatenate(self._areas))),
                names.gather(pl.Series(np.concatenate(self._metrics))),
                pl.Series("value", np.concatenate(self._values)),
            ]
        )


def empty_metrics() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "date": pl.Date,
            "replication": pl.Int32,
            "area": pl.Utf8,
            "metric": pl.Utf8,
            "value": pl.Float64,
        }
    )
