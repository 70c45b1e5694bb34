"""Data-centre IT capacity that GPUs can be placed in: the link between the DC and GPU models.

The DC model commissions capacity (IT MW and racks) phase by phase; the GPU model places GPU
servers into it. A data centre's IT capacity is shared with the ordinary (non-AI) IT load it
already carries; GPUs may only use what is left. GPUs that arrive when no data centre has
enough free IT power are *stranded*: bought, delivered, not running.

Power accounting: a GPU draws `it_kw_per_gpu` of IT power (its TDP times the server overhead:
CPUs, memory, network, fans), and the facility draws that times the site's PUE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# GPUs per server: the catalogue's server overheads are those of 8-GPU HGX/DGX systems (geodata/gpu_catalogue.csv: DGX
# A100 6.5 kW, DGX H100/H200 10.2 kW, DGX B200 14.3 kW per 8 GPUs), the unit a rack must take whole
GPUS_PER_SERVER = 8


@dataclass(init=False)
class DCFleet:
    """Per-data-centre capacity state (arrays aligned with the data-centre table)."""

    dc_id: np.ndarray  # str
    province_idx: np.ndarray  # int
    pue: np.ndarray  # facility power / IT power
    it_mw: np.ndarray  # commissioned IT capacity (MW)
    racks: np.ndarray  # commissioned racks
    base_it_mw: np.ndarray  # non-GPU IT load (MW)
    gpu_it_mw: np.ndarray  # IT power used by GPUs (MW)
    gpus: np.ndarray  # GPUs placed per DC
    ai_hall: (
        np.ndarray
    )  # bool: a liquid-cooled AI hall, built for GPU servers' rack density (placed there first)

    def __init__(
        self,
        dc_id: np.ndarray,
        province_idx: np.ndarray,
        pue: np.ndarray,
        it_mw: np.ndarray,
        racks: np.ndarray,
        base_it_mw: np.ndarray,
        gpu_it_mw: np.ndarray | None = None,
        gpus: np.ndarray | None = None,
        ai_hall: np.ndarray | None = None,
    ) -> None:
        """The DC-side arrays are copied as float64; no GPU arrays: none placed yet (zeros); no `ai_hall`: none."""
        n = dc_id.size
        self.ai_hall = np.zeros(n, dtype=bool) if ai_hall is None else np.asarray(ai_hall, dtype=bool)
        self.dc_id, self.province_idx = dc_id, province_idx
        self.pue = np.asarray(pue, dtype=np.float64).copy()
        self.it_mw = np.asarray(it_mw, dtype=np.float64).copy()
        self.racks = np.asarray(racks, dtype=np.float64).copy()
        self.base_it_mw = np.asarray(base_it_mw, dtype=np.float64).copy()
        self.gpu_it_mw = np.zeros(n) if gpu_it_mw is None else gpu_it_mw
        self.gpus = np.zeros(n) if gpus is None else gpus

    @property
    def n(self) -> int:
        return int(self.dc_id.size)

    def copy(self) -> DCFleet:
        return DCFleet(
            self.dc_id,
            self.province_idx,
            self.pue.copy(),
            self.it_mw.copy(),
            self.racks.copy(),
            self.base_it_mw.copy(),
            self.gpu_it_mw.copy(),
            self.gpus.copy(),
            self.ai_hall,
        )

    # ------------------------------------------------------------------ DC side
    def commission(self, i: int, it_mw: float, racks: float) -> None:
        """A phase of data centre i comes into service."""
        if it_mw < 0 or racks < 0:
            raise ValueError("commissioned capacity must be non-negative")
        self.it_mw[i] += it_mw
        self.racks[i] += racks

    def grow_base_load(self, factor: float) -> None:
        """Ordinary IT load grows (e.g. yearly), but never beyond what is not used by GPUs."""
        self.base_it_mw = np.minimum(self.base_it_mw * factor, np.maximum(self.it_mw - self.gpu_it_mw, 0.0))

    def design_kw_per_rack(self) -> np.ndarray:
        """Commissioned IT kW per rack of each data centre (its design power density); inf where it has no racks."""
        with np.errstate(divide="ignore", invalid="ignore"):
            kw: np.ndarray = np.where(
                self.racks > 0, self.it_mw * 1000.0 / np.maximum(self.racks, 1e-12), np.inf
            )
        return kw

    # ------------------------------------------------------------------ GPU side
    def free_it_mw(self) -> np.ndarray:
        free_mw: np.ndarray = np.maximum(self.it_mw - self.base_it_mw - self.gpu_it_mw, 0.0)
        return free_mw

    def place_gpus(self, n_gpus: int, it_kw_per_gpu: float, mask: np.ndarray | None = None) -> np.ndarray:
        """Place up to n GPUs where IT power is free, largest free capacity first.

        `mask` restricts placement to some data centres (e.g. an order's province hint).
        Returns GPUs placed per data centre (integers); the caller strands the rest.
        """
        placed = np.zeros(self.n)
        if n_gpus <= 0 or it_kw_per_gpu <= 0 or (mask is not None and not mask.any()):
            return placed
        free_gpus = np.floor(self.free_it_mw() * 1000.0 / it_kw_per_gpu + 1e-9)
        if mask is not None:
            free_gpus = np.where(mask, free_gpus, 0.0)
        order = np.argsort(-free_gpus, kind="stable")
        cum = np.cumsum(free_gpus[order])
        take = np.minimum(free_gpus[order], np.maximum(n_gpus - (cum - free_gpus[order]), 0.0))
        placed[order] = take
        self.gpus += placed
        self.gpu_it_mw += placed * it_kw_per_gpu / 1000.0
        return placed

    def remove_gpus(self, per_dc: np.ndarray, it_kw_per_gpu: float) -> None:
        """Retire GPUs (end of life) and free their power."""
        self.gpus -= per_dc
        self.gpu_it_mw = np.maximum(self.gpu_it_mw - per_dc * it_kw_per_gpu / 1000.0, 0.0)

    # ------------------------------------------------------------------ totals
    def facility_power_mw(self) -> np.ndarray:
        """Facility power at full IT load: commissioned IT MW x PUE (per DC)."""
        facility_mw: np.ndarray = self.it_mw * self.pue
        return facility_mw

    def it_load_mw(self) -> np.ndarray:
        load_mw: np.ndarray = self.base_it_mw + self.gpu_it_mw
        return load_mw
