"""Static village inputs of a scenario: the layer, the chosen options, the campaigns, the process arrays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError
from dxsim.geo.country import Country
from dxsim.geo.planner_files import check_campaign_villages, check_village_ids
from dxsim.i18n import formats as F
from dxsim.i18n import DEFAULT, LANGS, in_language
from dxsim.i18n import gettext as _
from dxsim.scenario.constants import item_field
from dxsim.scenario.schema import REGIONS, Scenario
from dxsim.scenario.sections.villages_campaigns import Campaign
from dxsim.scenario.sections.villages_options import REGIONS6, VillageOptions
from dxsim.sim.villages.options import (
    _lookup,
    choose_options,
    choose_signal_only,
    evaluate_options,
    size_offgrid,
)
from dxsim.sim.villages.process import DAYS_PER_MONTH, GRID, CampaignSpec, VillageInputs


# the chosen option's reason in each language but English (the prepared world holds them all: one world whatever
# the language of the run, where a reason in the language in use made `--lang vi` prepare and store a second one)
REASON_COLUMNS = tuple(f"reason_{lang}" for lang in LANGS if lang != DEFAULT)


@dataclass
class VillageWorld:
    """The villages of one scenario, with their chosen connection option and campaign."""

    table: pl.DataFrame  # layer columns + chosen option columns + campaign (one row per village)
    options: pl.DataFrame  # every evaluated option (for reports)
    inputs: VillageInputs
    province_idx: np.ndarray
    row: np.ndarray
    col: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    radius_4g_m: np.ndarray  # coverage of the village's new 4G site

    @property
    def campaigns(self) -> list[CampaignSpec]:
        return self.inputs.campaigns

    def table_in(self, lang: str) -> pl.DataFrame:
        """`table` with each village's reason in `lang` (the table's own `reason` is English; the other languages'
        are kept as `reason_<lang>`, see `REASON_COLUMNS`), without the other languages' columns."""
        other = [c for c in REASON_COLUMNS if c in self.table.columns]
        if lang != DEFAULT and f"reason_{lang}" in other:
            return self.table.with_columns(pl.col(f"reason_{lang}").alias("reason")).drop(other)
        return self.table.drop(other)


def counted_after(table: pl.DataFrame, day: dt.date) -> np.ndarray:
    """Villages a province survey dated after `day` counts (bool per row; the layer's `survey_as_of`)."""
    if "survey_as_of" not in table.columns:  # a layer table of an older run
        return np.zeros(table.height, dtype=bool)
    later: np.ndarray = (table["survey_as_of"] > day).fill_null(False).to_numpy()
    return later


def select_villages(c: Campaign, k: int, table: pl.DataFrame) -> np.ndarray:
    """Villages a campaign selects (bool per row): a subset name, or ids and gso34 codes (unknown ones refused).

    A subset leaves out the villages of a province survey dated after the campaign's deadline: such a survey counts
    what the campaign left (Tuyên Quang's 255 with grid power in 2026-01, after the with-power campaign due 2025-09
    that the national count, 238 in 2025-07, sized), so they are no part of it. In it, they closed at the
    campaign's pace: the model had 198 of Tuyên Quang's 273 left in 2026-01, where the province reported 273. A
    campaign that names villages or provinces takes them whatever their count's date."""
    has_power = table["has_grid_power"].to_numpy()
    later = counted_after(table, c.deadline)
    subsets: dict[str, np.ndarray] = {
        "all": ~later,
        "no_power": ~has_power & ~later,
        "with_power": has_power & ~later,
    }
    if isinstance(c.villages, str):
        return subsets[c.villages]
    check_campaign_villages(c.villages, k, table)
    ids = table["village_id"].to_numpy().astype(str)
    gso = table["gso34"].to_numpy().astype(str)
    known_ids = set(ids.tolist())
    out = np.zeros(table.height, dtype=bool)
    for item in c.villages:  # an id first, else a province
        out |= (ids == item) if item in known_ids else (gso == item)
    return out


def raise_claimed_before(campaigns: list[Campaign], k: int, n_selected: int) -> None:
    """Refuse campaign k whose villages all belong to campaigns listed before it (a village belongs to the first).

    Why: a province's operator-paid campaign listed after the two 2025 ones claimed none of its 273 villages; it ran
    as "villages in scope 0 ... last village has signal 2025-10" (before its launch) and moved nothing, unexplained."""
    c = campaigns[k]
    raise DxsimInputError(
        _(
            "selects {n} villages, all of them claimed by campaigns listed before it ({before}): a village belongs to "
            "the first campaign that lists it, so this one would have none"
        ).format(n=F.number(n_selected), before=", ".join(e.name for e in campaigns[:k])),
        field=item_field("villages.campaigns", k),
        value=c.name,
        allowed=_("{name} listed before the campaigns that take its villages, or left out").format(
            name=c.name
        ),
    )


def temporary_power_costs(
    c: Campaign, table: pl.DataFrame, opts: VillageOptions
) -> tuple[np.ndarray, float, float, float]:
    """Per-village kit capex (VND bn), genset fuel (VND bn per day), install team-days and kit lead (days).

    genset: offgrid.genset_capex_vnd_bn, fuel = site load x 24 h x diesel_l_per_kwh x diesel price.
    solar_battery: the PV + battery of :func:`size_offgrid` without a genset (darkest month's GHI).
    """
    og, n = opts.offgrid, table.height
    if c.temporary_power == "genset":
        fuel = opts.site.load_kw * 24.0 * og.diesel_l_per_kwh * og.diesel_price_vnd_per_l / 1e9
        return np.full(n, og.genset_capex_vnd_bn), fuel, og.team_days, og.kit_lead_p50_days
    if c.temporary_power == "solar_battery":
        region = table["region6"].to_numpy().astype(str)
        ghi = _lookup(og.ghi_kwh_m2_day, region, "region6", REGIONS6)
        worst = ghi * _lookup(og.worst_month_ghi_ratio, region, "region6", REGIONS6)
        solar = opts.model_copy(update={"offgrid": og.model_copy(update={"diesel_enabled": False})})
        kit = size_offgrid(np.full(n, opts.site.load_kw), ghi, solar, worst)
        return np.asarray(kit["capex_vnd_bn"], dtype=np.float64), 0.0, og.team_days, og.kit_lead_p50_days
    return np.zeros(n), 0.0, 0.0, 0.0


def campaign_scopes(campaigns: list[Campaign], table: pl.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each campaign's (selected, in scope) villages (bool per row of `table`, the village layer): a village belongs to
    the first campaign that selects it; a campaign whose villages earlier ones all take is refused
    (:func:`raise_claimed_before`). `dxsim validate` runs it too, so "ok" means the run accepts the list."""
    taken = np.zeros(table.height, dtype=bool)
    out = []
    for k, c in enumerate(campaigns):
        selects = select_villages(c, k, table)
        scope = selects & ~taken
        if selects.any() and not scope.any():
            raise_claimed_before(campaigns, k, int(selects.sum()))
        taken |= scope
        out.append((selects, scope))
    return out


def resolve_campaigns(scenario: Scenario, table: pl.DataFrame) -> list[CampaignSpec]:
    """Campaigns as process specs; a village belongs to the first campaign that selects it."""
    start = scenario.horizon.start_date
    out = []
    campaigns = scenario.villages.campaigns
    for c, (selects, scope) in zip(campaigns, campaign_scopes(campaigns, table), strict=True):
        capex, fuel, team_days, lead = temporary_power_costs(c, table, scenario.villages.options)
        out.append(
            CampaignSpec(
                name=c.name,
                launched_day=float((c.launched - start).days),
                deadline_day=float((c.deadline - start).days),
                in_scope=scope,
                selects=selects,
                funded_by_programme_budget=c.funded_by_programme_budget,
                in_progress_at_start=c.in_progress_at_start,
                launch_deadline_day=(
                    None if c.deadline_at_launch is None else float((c.deadline_at_launch - start).days)
                ),
                extra_utility_teams=dict(c.extra_utility_teams),
                extra_operator_teams=dict(c.extra_operator_teams),
                mobilisation_p50_days=c.mobilisation.p50_days,
                mobilisation_p90_days=c.mobilisation.p90_days,
                team_cost_vnd_bn_per_month=c.surge_team_cost_vnd_bn_per_month,
                temporary_power=c.temporary_power,
                temp_capex_vnd_bn=capex,
                temp_fuel_vnd_bn_per_day=fuel,
                temp_team_days=team_days,
                temp_lead_days=lead,
                power_bridge=c.power_bridge,
                power_bridge_lead_p50_days=c.power_bridge_lead.p50_days,
                power_bridge_lead_p90_days=c.power_bridge_lead.p90_days,
                power_bridge_capex_vnd_bn=c.power_bridge_capex_vnd_bn,
                power_bridge_running_vnd_bn_per_day=c.power_bridge_running_vnd_bn_per_year
                / (12.0 * DAYS_PER_MONTH),
                portable_bts=c.portable_bts,
                portable_capex_vnd_bn=c.portable_bts_capex_vnd_bn,
                portable_lead_days=c.portable_bts_lead_days,
                portable_team_days=c.portable_bts_team_days,
            )
        )
    return out


def with_portable_links(table: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """The village table with each portable-BTS campaign's villages on the portable unit's link: column
    `portable_bts`, and `backhaul_capacity_mbps`, `busy_hour_mbps_per_user` and `served` of that link
    (`portable_bts_capacity_mbps` shared by the village's busy-hour users, held against the same required rate).

    `served_permanent`: the permanent site's link carries the busy hour (built after the portable unit).

    Why: a campaign's portable BTS stays on air through the campaign (its permanent site is not built within it), yet
    the table and the KPIs held the village against the permanent link it never got: a village of 1,500 people on a
    50 Mbps portable unit read "connected" on a 500 Mbps microwave link (provincial trial)."""
    portable = np.zeros(table.height, dtype=bool)
    mbps = np.zeros(table.height)
    by_name = {c.name: c for c in scenario.villages.campaigns}
    names = table["campaign"].to_list()
    for i, name in enumerate(names):
        c = by_name.get(name) if name is not None else None
        if c is not None and c.portable_bts:
            portable[i], mbps[i] = True, c.portable_bts_capacity_mbps
    if not portable.any():
        return table.with_columns(
            pl.lit(False).alias("portable_bts"), pl.col("served").fill_null(True).alias("served_permanent")
        )
    dem = scenario.villages.options.demand
    users = np.maximum(table["population"].to_numpy() * dem.busy_hour_users_pct_of_population / 100.0, 1.0)
    per_user = mbps / users
    served = per_user >= dem.required_mbps_per_user - 1e-9  # as options.backhaul_options holds a link
    keep = ~portable
    return table.with_columns(
        pl.Series("portable_bts", portable),
        # the permanent site's link, on air after the campaign (VillageProgramme.permanent_site)
        pl.Series("served_permanent", table["served"].fill_null(True).to_numpy().astype(bool)),
        pl.Series("backhaul_capacity_mbps", np.where(keep, table["backhaul_capacity_mbps"].to_numpy(), mbps)),
        pl.Series(
            "busy_hour_mbps_per_user", np.where(keep, table["busy_hour_mbps_per_user"].to_numpy(), per_user)
        ),
        pl.Series("served", np.where(keep, table["served"].fill_null(True).to_numpy(), served)),
    )


def prepare_villages(
    scenario: Scenario, country: Country, villages: pl.DataFrame, radius_4g_m: dict[str, float]
) -> VillageWorld:
    """Choose each village's option and resolve the campaigns, on the village layer geo built."""
    vs = scenario.villages
    check_village_ids(scenario, villages, country)
    with_power = villages.filter(pl.col("has_grid_power"))["village_id"].to_list()

    def choose() -> tuple[pl.DataFrame, pl.DataFrame]:
        evaluated = evaluate_options(villages, vs.options, scenario.horizon.start_date)
        return evaluated, choose_signal_only(evaluated, choose_options(evaluated, vs.options), with_power)

    with in_language(DEFAULT):
        evaluated, chosen = choose()
    for column in REASON_COLUMNS:
        with in_language(column.removeprefix("reason_")):
            reasons = choose()[1].select("village_id", pl.col("reason").alias(column))
        chosen = chosen.join(reasons, on="village_id", how="left")
    table = villages.join(chosen, on="village_id", how="left")
    campaigns = resolve_campaigns(scenario, table)
    camp_name = np.full(table.height, None, dtype=object)
    for c in reversed(campaigns):
        camp_name[c.in_scope] = c.name
    table = table.with_columns(pl.Series("campaign", camp_name.tolist(), dtype=pl.Utf8))
    table = with_portable_links(table, scenario)
    codes = np.asarray(country.province_codes)
    prov = np.searchsorted(codes, table["gso34"].to_numpy().astype(codes.dtype))
    feasible = table["feasible"].fill_null(False).to_numpy()

    def col(name: str) -> np.ndarray:
        return table[name].fill_null(0.0).to_numpy().astype(np.float64)

    inputs = VillageInputs(
        village_id=table["village_id"].to_numpy().astype(str),
        region_idx=np.array([REGIONS.index(r) for r in table["region3"].to_list()], dtype=np.int64),
        population=col("population"),
        feasible=feasible,
        grid_power=(table["power"].fill_null("") == GRID).to_numpy(),
        utility_team_days=col("utility_team_days"),
        operator_team_days=col("operator_team_days"),
        equipment_lead_days=col("equipment_lead_days"),
        capex_vnd_bn=col("capex_vnd_bn"),
        has_power_at_start=table["has_grid_power"].to_numpy().astype(bool),
        province_idx=prov.astype(np.int64),
        campaigns=campaigns,
        served=table["served"].fill_null(True).to_numpy().astype(bool),
        served_permanent=table["served_permanent"].to_numpy().astype(bool),
    )
    world = VillageWorld(
        table=table,
        options=evaluated,
        inputs=inputs,
        province_idx=prov.astype(np.int64),
        row=table["row"].to_numpy().astype(np.int64),
        col=table["col"].to_numpy().astype(np.int64),
        x_m=table["x_m"].to_numpy(),
        y_m=table["y_m"].to_numpy(),
        radius_4g_m=np.full(table.height, float(radius_4g_m["rural"])),
    )
    return world
