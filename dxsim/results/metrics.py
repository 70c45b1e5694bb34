"""Tidy long metrics table: date, replication, area, metric, value.

`area` is "VN" or a 2-digit gso34 province code. Metric names are stable and documented in
the README (METRICS below is the single list; tests check that runs emit exactly these).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

METRICS: dict[str, str] = {
    "stations_5g": "5G stations on air at month end (stations; VN and province)",
    "stations_5g_added": "5G stations brought on air during the month (stations; VN and province)",
    "stations_5g_upgrades_cum": "5G stations on existing 4G sites, cumulative (stations; VN)",
    "stations_5g_new_sites_cum": "5G stations on newly built sites, cumulative (stations; VN)",
    "stations_5g_viettel": "Viettel 5G stations on air (stations; VN)",
    "stations_5g_vnpt": "VNPT 5G stations on air (stations; VN)",
    "stations_5g_mobifone": "MobiFone 5G stations on air (stations; VN)",
    "stations_4g": "4G stations on air (stations; VN and province)",
    "pop_covered_5g": "people within 5G coverage (persons; VN and province)",
    "pop_covered_5g_pct": "share of population within 5G coverage (%; VN and province)",
    "pop_covered_4g": "people within 4G coverage (persons; VN and province)",
    "pop_covered_4g_pct": "share of population within 4G coverage (%; VN and province)",
    "capex_vnd_bn": "5G capex recognised when sites come on air, in the month (VND bn; VN and province)",
    "capex_cum_vnd_bn": "cumulative 5G capex since the start (VND bn; VN)",
    "subsidy_paid_vnd_bn": "Resolution 193/2025/QH15 support paid in the month (VND bn; VN)",
    "sites_in_permitting": "ordered sites still waiting for permits / site acquisition (sites; VN)",
    "sites_awaiting_equipment": "permitted sites waiting for equipment (sites; VN)",
    "sites_awaiting_crew": "sites with permit and equipment waiting for a crew (sites; VN)",
    "sites_under_construction": "sites a crew has started that are not yet on air (sites; VN)",
    "villages_connected": "villages without power and signal at the start that now have both (villages; VN and province)",
    "villages_unconnected": "villages still without power or signal, including those with no feasible option (villages; VN and province)",
    "village_pop_connected": "people in connected villages (persons; VN and province)",
    "village_capex_vnd_bn": "village programme capex recognised when a village is connected, in the month (VND bn; VN and province)",
    "villages_with_power": "villages whose power (grid or off-grid) is delivered (villages; VN)",
    "villages_started": "villages whose works have started (budget committed) (villages; VN)",
    "dc_it_capacity_mw": "commissioned data-centre IT capacity (MW; VN and province)",
    "dc_facility_power_mw": "facility power of that capacity at full IT load = IT MW x PUE (MW; VN and province)",
    "racks": "commissioned data-centre racks (racks; VN and province)",
    "gpus_installed": "GPUs powered and running in a data centre, all models (GPUs; VN and province)",
    "gpus_installed_high_performance": "of which high-performance (A100 class and above, the seed's '<2,000' count) (GPUs; VN)",
    "gpus_stranded": "GPUs delivered but without free data-centre power (GPUs; VN)",
    "gpu_pflops_bf16": "dense BF16 compute of the installed GPUs (PFLOPS; VN)",
    "gpu_a100_equivalents": "installed GPUs in A100 equivalents by dense BF16 throughput (GPUs; VN)",
    "gpu_utilization_pct": "busy GPU-days in the month over GPU-days available (installed GPUs averaged over the month's two ends) (%; VN)",
    "ai_jobs_waiting": "AI jobs queued for GPUs at month end (jobs; VN)",
    "ai_job_wait_days_p50": "median wait of AI jobs that started in the month (days; VN; no row in a month when none started)",
    "compute_capex_vnd_bn": "data-centre capex (phases commissioned) and GPU purchases (at delivery) in the month (VND bn; VN)",
    "crew_utilization_pct_north": "share of northern crew capacity used in the month (%; VN; a site's work is booked in the week it starts, so a month can show slightly over 100)",
    "crew_utilization_pct_central": "share of central crew capacity used in the month (%; VN)",
    "crew_utilization_pct_south": "share of southern crew capacity used in the month (%; VN)",
}


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
        return pl.DataFrame([
            pl.Series("date", dates).cast(pl.Date),
            pl.Series("replication", np.full(int(sizes.sum()), self.replication, dtype=np.int32)),
            areas.gather(pl.Series(np.concatenate(self._areas))),
            names.gather(pl.Series(np.concatenate(self._metrics))),
            pl.Series("value", np.concatenate(self._values)),
        ])


def empty_metrics() -> pl.DataFrame:
    return pl.DataFrame(schema={"date": pl.Date, "replication": pl.Int32, "area": pl.Utf8,
                                "metric": pl.Utf8, "value": pl.Float64})
