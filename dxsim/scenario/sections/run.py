"""The run's horizon and the network it starts from (the state reported on `start_state.observed_on`)."""

from __future__ import annotations

import datetime as dt

from pydantic import model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.constants import (
    END_DATE_LATEST,
    OBSERVED_ON_EARLIEST,
    SEED_000_56,
    START_AFTER_OBSERVED_MONTHS,
    START_BEFORE_OBSERVED_DAYS,
    START_DATE_EARLIEST,
    START_DATE_LATEST,
    START_STATE_OBSERVED_ON,
    START_STATE_REPORTED,
)
from dxsim.scenario.fields import StrictModel, param


class Horizon(StrictModel):
    """Simulated period. The start is the date of the latest reported facts."""

    start_date: dt.date = param(
        dt.date(2025, 10, 31),
        unit="ISO date",
        description=f"First simulated day; the start state holds on this date, so it must fall between "
        f"{START_BEFORE_OBSERVED_DAYS} days before start_state.observed_on and the end of the "
        f"{START_AFTER_OBSERVED_MONTHS}th month after it (by default {START_DATE_EARLIEST} to "
        f"{START_DATE_LATEST}: the start state reported for {START_STATE_REPORTED}; a later start keeps "
        "that network unchanged until then).",
        source=SEED_000_56 + ": 16,737 5G stations 'by October 2025'",
    )
    end_date: dt.date = param(
        dt.date(2030, 12, 31),
        unit="ISO date",
        description="Last simulated day (metrics are reported at each month end up to it); at most "
        f"{END_DATE_LATEST}.",
        source="National DT Programme horizon 2030 (Decision 749/QĐ-TTg, seed 002:1-9); latest end: "
        "Resolution 57-NQ/TW vision 2045 (seed 004:14-16)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end_date <= self.start_date:
            raise ValueError(
                _("end_date ({end}) must be after start_date ({start})").format(
                    end=self.end_date, start=self.start_date
                )
            )
        if self.end_date > END_DATE_LATEST:
            raise ValueError(
                _(
                    "end_date ({end}) is after {latest}, the latest supported end: plans run to 2030 with a vision "
                    "to 2045 (Resolution 57-NQ/TW), and the AI job queue grows ~1.4x a year beyond that (a run to "
                    "2055 needed 16 GB); choose an end_date up to {latest}"
                ).format(end=self.end_date, latest=END_DATE_LATEST)
            )
        return self


class StartState(StrictModel):
    """Network on the start date (used to size the synthetic site layer), as observed on `observed_on`."""

    observed_on: dt.date = param(
        START_STATE_OBSERVED_ON,
        unit="ISO date",
        description="Date the start-state figures were reported; horizon.start_date must lie from "
        f"{START_BEFORE_OBSERVED_DAYS} days before it to the end of the {START_AFTER_OBSERVED_MONTHS}th month after "
        f"it. `dxsim backtest --from DATE` sets it (with the figures observed then); earliest {OBSERVED_ON_EARLIEST}.",
        source=SEED_000_56 + ": 16,737 5G stations 'by October 2025'",
    )

    stations_5g: int = param(
        16_737,
        unit="stations",
        ge=0,
        le=500_000,
        description="5G stations on air at the start date.",
        source=SEED_000_56,
    )
    stations_4g: int = param(
        119_550,
        unit="stations",
        ge=1_000,
        le=500_000,
        description="4G stations on air at the start date (16,737 / 14%).",
        source=SEED_000_56 + ": 5G = 14% of 4G stations; a 2025-05 news figure implies ~150k "
        "(infra/vn_telecom_dc_stats.csv)",
    )
    pipeline_build_rate_5g_per_month: float = param(
        1029.2,
        unit="stations per month",
        ge=0,
        le=100_000,
        description="5G stations brought on air per month just before the start. It fills the pipeline at the "
        "start (warm start): by Little's law the sites in flight (ordered, in permitting, awaiting kit or a crew, "
        "under construction) are this rate times each site's own order-to-air time, each at a uniformly drawn "
        "point of its way through the pipeline. That time is history: the default permit, work and kit lead "
        "times (with the replication's draw of their uncertainty), not a scenario's own, which apply to what is "
        "ordered from the start.",
        source="(16,737 - 11,591) stations / 5 months, 2025-05-31 to 2025-10-31 (seed 000:56; "
        "infra/vn_telecom_dc_stats.csv; geodata/observations.csv)",
    )
    stations_5g_at_window_start: int = param(
        10_928,
        unit="stations",
        ge=0,
        le=500_000,
        description="5G stations on air when subsidy.window_start opened (19/2/2025 for Resolution 193): the "
        "start stations beyond this count were accepted inside the window and count toward its threshold, each "
        "operator's by its share of the start network (at most start_state.stations_5g counts as before the "
        "window). Change it with subsidy.window_start (`dxsim validate` notes a moved window with this default). A "
        "programme of `supports` opening at another date counts the start stations beyond the count on air then, "
        "taken as this count from the commercial launch to subsidy.window_start (the network was switched on "
        "around the launch) and as rising evenly from it to the start (the reported counts rose more slowly "
        "before 2025-05 and faster after, so a window opening in mid-2025 is credited with fewer start stations "
        "than came after it).",
        source="linear between the stations on air at 2024-12-31 and 2025-05-31 (11,591, infra/vn_telecom_dc_stats.csv), "
        "taken at 2025-02-19 (50 of 151 days): 10,600 + 991 x 50/151; the 10,600 are the first ranked sites of the "
        "baseline's site layer whose coverage reaches the 25.5% reported for 2024-12-31 (seed 003:34), as "
        "`dxsim backtest` derives the pace before 2025-05-31. Viettel alone reported 6,500 on air at the end of 2024 "
        "(cafef.vn 2025-12-09, published after the seeds; geodata/observations.csv), 59% of this count",
    )
