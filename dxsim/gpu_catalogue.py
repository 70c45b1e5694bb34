"""GPU catalogue and 2025 start fleet: the two fact tables `geodata/gpu_catalogue.csv` and
`geodata/gpu_fleet_2025.csv`, read into small typed records.

The catalogue gives, per GPU model, what the simulator needs: the board power (TDP), the dense
BF16 tensor throughput, a unit price, a procurement lead time (median and 90th percentile) and
the *server overhead*: IT power drawn per GPU by its server (CPUs, memory, NICs, fans) divided
by the GPU's TDP, taken from the maximum power of NVIDIA's 8-GPU DGX systems. Data-centre IT
capacity is allocated at that nameplate figure, not the (lower) typical draw.

Errors in either file are one-line :class:`DxsimInputError` naming the file, the row (1 = the
first data row) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from dxsim.errors import DxsimInputError
from dxsim.paths import fact_table

CATALOGUE_FILE = fact_table("gpu_catalogue.csv")
START_FLEET_FILE = fact_table("gpu_fleet_2025.csv")

CATALOGUE_COLUMNS = (
    "model",
    "tdp_w",
    "bf16_dense_tflops",
    "unit_price_usd",
    "lead_time_p50_days",
    "lead_time_p90_days",
    "server_overhead",
    "source",
)
FLEET_COLUMNS = ("organisation", "model", "gpus", "dc_hint", "as_of", "source")
A100_BF16_TFLOPS = 312.0  # the reference of "A100-equivalents" (NVIDIA A100 datasheet, dense BF16)


@dataclass(frozen=True)
class GpuSpec:
    """One GPU model of the catalogue."""

    model: str
    tdp_w: float
    bf16_dense_tflops: float
    unit_price_usd: float
    lead_time_p50_days: float
    lead_time_p90_days: float
    server_overhead: float  # server IT kW per GPU / GPU TDP kW
    high_performance: bool = True  # counts toward the seed's "<2,000 high-performance GPUs"
    source: str = ""
    lead_time_min_days: float = 0.0  # no order is in service sooner (freight, customs, racking, burn-in)

    @property
    def it_kw_per_gpu(self) -> float:
        """IT power one installed GPU takes from a data centre: TDP x server overhead (kW)."""
        return self.tdp_w / 1000.0 * self.server_overhead

    @property
    def a100_equivalent(self) -> float:
        """Dense BF16 throughput relative to an A100 (312 TFLOPS)."""
        return self.bf16_dense_tflops / A100_BF16_TFLOPS


class GpuCatalogue(Mapping[str, GpuSpec]):
    """Model name -> :class:`GpuSpec` (read-only mapping)."""

    def __init__(self, specs: Iterable[GpuSpec], file: str | Path | None = None) -> None:
        self._specs = {s.model: s for s in specs}
        self.file = str(file) if file is not None else None

    def __getitem__(self, model: str) -> GpuSpec:
        return self._specs[model]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def spec(self, model: str, *, field: str = "model", file: str | Path | None = None) -> GpuSpec:
        """The spec of `model`, or a DxsimInputError naming `field` and the known models."""
        if model not in self._specs:
            raise DxsimInputError(
                "unknown GPU model", file=file, field=field, value=model, allowed=", ".join(self.models)
            )
        return self._specs[model]

    # ------------------------------------------------------------------ arithmetic on counts
    def pflops_bf16(self, counts: Mapping[str, float]) -> float:
        """Dense BF16 PFLOPS of `counts` (model -> GPUs)."""
        return sum(n * self._specs[m].bf16_dense_tflops for m, n in counts.items()) / 1000.0

    def a100_equivalents(self, counts: Mapping[str, float]) -> float:
        return sum(n * self._specs[m].a100_equivalent for m, n in counts.items())

    def it_mw(self, counts: Mapping[str, float]) -> float:
        return sum(n * self._specs[m].it_kw_per_gpu for m, n in counts.items()) / 1000.0


@dataclass(frozen=True)
class FleetEntry:
    """GPUs in service on the scenario start date (one row of the start-fleet table)."""

    organisation: str
    model: str
    gpus: int
    dc_hint: str  # a data-centre id or a gso34 province code; "" = anywhere with free power
    as_of: dt.date  # date they are known to be in service; also their in-service date for retirement
    source: str


# ---------------------------------------------------------------------------- readers


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise DxsimInputError(
                    f"missing column {missing[0]!r}",
                    file=path,
                    field="header",
                    allowed="columns " + ", ".join(required),
                )
            return [(i, row) for i, row in enumerate(reader, start=1)]
    except FileNotFoundError:
        raise DxsimInputError("file not found", file=path) from None


def _number(
    path: Path, i: int, row: dict[str, str], col: str, *, gt: float | None = None, ge: float | None = None
) -> float:
    raw = (row.get(col) or "").strip()
    where = f"row {i}, column {col}"
    try:
        v = float(raw)
    except ValueError:
        raise DxsimInputError("not a number", file=path, field=where, value=raw) from None
    if v != v or v in (float("inf"), float("-inf")):
        raise DxsimInputError("not a finite number", file=path, field=where, value=raw)
    if gt is not None and not v > gt:
        raise DxsimInputError(f"must be > {gt:g}", file=path, field=where, value=raw)
    if ge is not None and not v >= ge:
        raise DxsimInputError(f"must be >= {ge:g}", file=path, field=where, value=raw)
    return v


def _bool(path: Path, i: int, row: dict[str, str], col: str, default: bool) -> bool:
    raw = (row.get(col) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("true", "yes", "1"):
        return True
    if raw in ("false", "no", "0"):
        return False
    raise DxsimInputError(
        "not a boolean", file=path, field=f"row {i}, column {col}", value=raw, allowed="true or false"
    )


def load_catalogue(path: str | Path = CATALOGUE_FILE) -> GpuCatalogue:
    """Read the GPU catalogue (columns CATALOGUE_COLUMNS, optional `high_performance` and
    `lead_time_min_days`, default 0: no floor under the log-normal lead time)."""
    path = Path(path)
    specs: list[GpuSpec] = []
    seen: set[str] = set()
    for i, row in _rows(path, CATALOGUE_COLUMNS):
        model = (row.get("model") or "").strip()
        if not model:
            raise DxsimInputError("empty model name", file=path, field=f"row {i}, column model")
        if model in seen:
            raise DxsimInputError("duplicate model", file=path, field=f"row {i}, column model", value=model)
        seen.add(model)
        p50 = _number(path, i, row, "lead_time_p50_days", ge=0)
        p90 = _number(path, i, row, "lead_time_p90_days", ge=0)
        if p90 < p50:
            raise DxsimInputError(
                f"must be >= lead_time_p50_days ({p50:g})",
                file=path,
                field=f"row {i}, column lead_time_p90_days",
                value=row["lead_time_p90_days"],
            )
        floor = (
            _number(path, i, row, "lead_time_min_days", ge=0)
            if (row.get("lead_time_min_days") or "").strip()
            else 0.0
        )
        if floor > 0 and not floor < p50:
            raise DxsimInputError(
                f"must be < lead_time_p50_days ({p50:g})",
                file=path,
                field=f"row {i}, column lead_time_min_days",
                value=row["lead_time_min_days"],
            )
        specs.append(
            GpuSpec(
                model=model,
                tdp_w=_number(path, i, row, "tdp_w", gt=0),
                bf16_dense_tflops=_number(path, i, row, "bf16_dense_tflops", gt=0),
                unit_price_usd=_number(path, i, row, "unit_price_usd", ge=0),
                lead_time_p50_days=p50,
                lead_time_p90_days=p90,
                server_overhead=_number(path, i, row, "server_overhead", ge=1.0),
                high_performance=_bool(path, i, row, "high_performance", True),
                source=(row.get("source") or "").strip(),
                lead_time_min_days=floor,
            )
        )
    if not specs:
        raise DxsimInputError("no GPU models", file=path)
    return GpuCatalogue(specs, file=path)


def load_start_fleet(
    path: str | Path = START_FLEET_FILE, catalogue: GpuCatalogue | None = None
) -> list[FleetEntry]:
    """Read the start fleet; models are checked against `catalogue` (default: the shipped one)."""
    path = Path(path)
    cat = catalogue if catalogue is not None else load_catalogue()
    out: list[FleetEntry] = []
    for i, row in _rows(path, FLEET_COLUMNS):
        model = (row.get("model") or "").strip()
        cat.spec(model, field=f"row {i}, column model", file=path)
        gpus = _number(path, i, row, "gpus", gt=0)
        if gpus != int(gpus):
            raise DxsimInputError(
                "must be a whole number of GPUs", file=path, field=f"row {i}, column gpus", value=row["gpus"]
            )
        raw_date = (row.get("as_of") or "").strip()
        try:
            as_of = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise DxsimInputError(
                "not an ISO date",
                file=path,
                field=f"row {i}, column as_of",
                value=raw_date,
                allowed="YYYY-MM-DD",
            ) from None
        out.append(
            FleetEntry(
                organisation=(row.get("organisation") or "").strip(),
                model=model,
                gpus=int(gpus),
                dc_hint=(row.get("dc_hint") or "").strip(),
                as_of=as_of,
                source=(row.get("source") or "").strip(),
            )
        )
    return out


def high_performance_gpus(fleet: Iterable[FleetEntry], catalogue: GpuCatalogue) -> int:
    """GPUs of the fleet that count as 'high-performance' (the seed's <2,000, 000:81)."""
    return sum(e.gpus for e in fleet if catalogue[e.model].high_performance)


@functools.lru_cache(maxsize=1)
def catalogue_models() -> tuple[str, ...]:
    """Models of the shipped catalogue (for scenario validation)."""
    return load_catalogue().models


@functools.lru_cache(maxsize=1)
def province_codes() -> tuple[str, ...]:
    """gso34 codes of the 34 provinces (geodata/province_regions.csv)."""
    with open(fact_table("province_regions.csv"), encoding="utf-8", newline="") as f:
        return tuple(r["gso34"].strip() for r in csv.DictReader(f))
