"""The scenario schema's root: every lever a planner can pull, with unit, range and cited default.

The sections live in :mod:`dxsim.scenario.sections` (one module per section); this module assembles
them into :class:`Scenario` and re-exports the shared names (OPERATORS, REGIONS, ...) of
:mod:`dxsim.scenario.constants`.

A scenario file (TOML) is validated into :class:`Scenario`. Defaults describe current
policy ("baseline"); option files are small diffs that `extends` it. Where no public
Vietnamese figure exists the default is a documented assumption and its source says so.

Citations use the seed short-ids of ../shared/seed_facts.md (e.g. "000:56" = MoST report
000, line 56).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.constants import (
    END_DATE_LATEST,
    ENVIRONMENTS,
    OBSERVED_ON_EARLIEST,
    OPERATORS,
    REGIONS,
    START_DATE_EARLIEST,
    START_DATE_LATEST,
    START_STATE_OBSERVED_ON,
    START_STATE_REPORTED,
    SUPPORTED_BANDS_MHZ,
    start_window,
)
from dxsim.scenario.fields import StrictModel, param
from dxsim.scenario.sections.budget import BudgetEnvelope
from dxsim.scenario.sections.capacity import Capacity
from dxsim.scenario.sections.compute import Compute
from dxsim.scenario.sections.network_5g import (
    Costs,
    Crews,
    Operator,
    Radio,
    Season,
    Sites,
    Subsidy,
    Supply,
    Works,
    _default_crews,
    _default_operators,
    _default_seasons,
)
from dxsim.scenario.sections.operators import RESOLUTION_193_NAME, BusinessCase, Support, Surge
from dxsim.scenario.sections.run import Horizon, StartState
from dxsim.scenario.sections.uncertainty import Uncertainty, check_ranges
from dxsim.scenario.sections.villages import Villages

__all__ = [  # the root model, and the shared names callers import from here
    "END_DATE_LATEST",
    "ENVIRONMENTS",
    "OBSERVED_ON_EARLIEST",
    "OPERATORS",
    "REGIONS",
    "START_DATE_EARLIEST",
    "START_DATE_LATEST",
    "START_STATE_OBSERVED_ON",
    "START_STATE_REPORTED",
    "SUPPORTED_BANDS_MHZ",
    "Horizon",
    "Scenario",
    "StartState",
]


class Scenario(StrictModel):
    """A planning scenario: current policy (baseline) or an investment option."""

    # the folder its relative file names (sites.file, villages.layer.file) start from: the file's own folder when
    # loaded from a file, `base_dir` for a dict (dxsim.scenario.loader.scenario_folder); no field of the scenario
    _folder: Path | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Equal when every field is: where a scenario was loaded from (`_folder`) is no part of it (pydantic's own
        equality compares private attributes too, and a scenario.resolved.toml read back was "different")."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    name: str = Field(
        description="Short name; outputs go to outputs/<name>/.",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
    )
    description: str = Field("", description="What this option changes and why.", max_length=4000)
    language: Literal["vi", "en"] | None = Field(
        None,
        description="Language of this scenario's outputs (terminal, report, map, compare, workbook labels): 'vi' "
        "(Tiếng Việt) or 'en'. Used when neither --lang nor DXSIM_LANG says; identifiers stay English in files.",
    )
    seed: int = param(
        20251031,
        unit="-",
        ge=0,
        le=2**32 - 1,
        description="Root of the run's random-number tree (same seed, same results): every replication's draws. The "
        "synthetic layers have seeds of their own (sites.synthetic_seed, villages.layer.synthetic_seed, "
        "compute.datacentres.synthetic_seed), so a changed seed keeps the same site, village and data-centre layers.",
        source="dxsim convention",
    )
    replications: int = param(
        1,
        unit="runs",
        ge=1,
        le=100_000,
        description="Independent replications (CLI --reps overrides).",
        source="dxsim convention",
    )
    horizon: Horizon = Field(default_factory=Horizon, description="Simulated period.")
    start_state: StartState = Field(default_factory=StartState, description="Network at the start date.")
    radio: Radio = Field(default_factory=Radio, description="Coverage bands and settings.")
    sites: Sites = Field(default_factory=Sites, description="Site layer source.")
    operators: dict[Literal["viettel", "vnpt", "mobifone"], Operator] = Field(
        default_factory=_default_operators, description="Operators' targets and budgets."
    )
    crews: dict[Literal["north", "central", "south"], Crews] = Field(
        default_factory=_default_crews, description="Installation teams per region."
    )
    seasons: dict[Literal["north", "central", "south"], Season] = Field(
        default_factory=_default_seasons, description="Rainy seasons per region."
    )
    works: Works = Field(default_factory=Works, description="Permit and on-site work times.")
    supply: Supply = Field(default_factory=Supply, description="Equipment supply.")
    costs: Costs = Field(default_factory=Costs, description="Capex per site.")
    subsidy: Subsidy = Field(default_factory=Subsidy, description="Resolution 193/2025/QH15 support.")
    supports: list[Support] = Field(
        default_factory=list,
        max_length=20,
        description="Further 5G support programmes (per site, per equipment cost or per "
        "person covered; thresholds and windows), on top of `subsidy`.",
    )
    business_case: BusinessCase = Field(
        default_factory=BusinessCase, description="How an operator values a 5G site."
    )
    surge: Surge = Field(default_factory=Surge, description="How operators hurry toward a support deadline.")
    villages: Villages = Field(
        default_factory=Villages, description="Remote villages without power and signal."
    )
    compute: Compute = Field(default_factory=Compute, description="Data centres, GPUs and AI demand.")
    budget: BudgetEnvelope = Field(
        default_factory=BudgetEnvelope,
        description="Optional shared national envelope split across 5G support, villages and state DCs.",
    )
    capacity: Capacity = Field(
        default_factory=Capacity,
        description="Busy-hour demand against site capacity: served, capacity-short, uncovered.",
    )
    uncertainty: Uncertainty = Field(
        default_factory=Uncertainty, description="Ranges of the uncertain assumptions, drawn per replication."
    )

    @model_validator(mode="after")
    def _uncertain_paths(self) -> Scenario:
        check_ranges(self)  # every range names a value the model reads per replication
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        shares = sum(op.start_share_5g_pct for op in self.operators.values())
        if self.operators and abs(shares - 100.0) > 0.5:
            # each operator's share, and a fraction read as a percent named: "must sum to 100, got 45.55" gave no
            # clue that viettel's 0.55 meant 55% (new-user trial, 2026-12-07)
            each = ", ".join(f"{name} {op.start_share_5g_pct:g}" for name, op in self.operators.items())
            slips = [
                _("{name}'s {value:g} is {value:g}%: write {pct:g} for {pct:g}%").format(
                    name=name, value=op.start_share_5g_pct, pct=op.start_share_5g_pct * 100
                )
                for name, op in self.operators.items()
                if 0 < op.start_share_5g_pct <= 1
            ]
            raise ValueError(
                _("operators.*.start_share_5g_pct must sum to 100, got {total}").format(total=f"{shares:g}")
                + f" ({each})"
                + ("; " + "; ".join(slips) if slips else "")
            )
        subscribers = sum(op.subscriber_share_pct for op in self.operators.values())
        if subscribers > 100.5:  # below 100 is fine: other operators (Vietnamobile, Gmobile) hold the rest
            raise ValueError(
                _(
                    "operators.*.subscriber_share_pct add up to {total}; at most 100 (other operators hold the rest)"
                ).format(total=f"{subscribers:g}")
            )
        names = [p.name for p in self.supports]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(
                _(
                    "supports: the name {name} is used twice; give each support programme its own name (metrics "
                    "and support_decisions.csv tell them apart by name)"
                ).format(name=repr(dup[0]))
            )
        if RESOLUTION_193_NAME in names:
            # Why: the `subsidy` section runs as a programme of this name, and claims are kept by name, so a
            # [[supports]] of the same name replaced Resolution 193's claims (it paid its whole 12,697 bn fund at
            # 1 bn per station instead of 1,947 bn at 15% of equipment)
            raise ValueError(
                _(
                    "supports: the name {name} is Resolution 193's (the `subsidy` section); give this support "
                    "programme another name, or change Resolution 193 in [subsidy]"
                ).format(name=repr(RESOLUTION_193_NAME))
            )
        programme_names = {RESOLUTION_193_NAME, *names}
        for op_name, op in self.operators.items():
            unknown = [n for n in op.committed_to if n not in programme_names]
            if unknown:
                raise ValueError(
                    _(
                        "operators.{operator}.committed_to names {name}, which is not a support programme; use {allowed}"
                    ).format(
                        operator=op_name,
                        name=repr(unknown[0]),
                        allowed=", ".join(repr(n) for n in sorted(programme_names)),
                    )
                )
        obs = self.start_state.observed_on
        lo, hi = start_window(obs)
        start = self.horizon.start_date
        if obs < OBSERVED_ON_EARLIEST or obs > START_DATE_LATEST:
            raise ValueError(
                _(
                    "start_state.observed_on ({obs}) must be between {earliest} (commercial 5G launch) and {latest}"
                ).format(obs=obs, earliest=OBSERVED_ON_EARLIEST, latest=START_DATE_LATEST)
            )
        if not lo <= start <= hi:
            when = (
                _("before the date of the start state")
                if start < lo
                else _("long after the date of the start state")
            )
            reported = START_STATE_REPORTED if obs == START_STATE_OBSERVED_ON else str(obs)
            raise ValueError(
                _(
                    "horizon.start_date ({start}) is {when}: the network at the start (5G and 4G stations, "
                    "coverage, villages without power and signal) is the one reported for {reported} "
                    "(start_state.observed_on = {obs}), so start_date must be between {lo} and {hi}; to start from "
                    "an earlier observed state use `dxsim backtest SCENARIO --from DATE`"
                ).format(start=start, when=when, reported=reported, obs=obs, lo=lo, hi=hi)
            )
        if self.start_state.stations_5g > 3 * self.start_state.stations_4g:
            raise ValueError(_("start_state.stations_5g cannot exceed 3x stations_4g"))
        problems = self.compute.gpus.validate_horizon(self.horizon.start_date, self.horizon.end_date)
        if problems:
            path, _value, msg = problems[0]
            raise ValueError(f"compute.gpus.{path} {msg}")  # "field rest": messages.py points at the field
        late = self.compute.datacentres.validate_horizon(self.horizon.start_date)
        if late:
            path, _value, msg = late[0]
            raise ValueError(f"compute.datacentres.{path} {msg}")
        return self
