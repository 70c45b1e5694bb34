"""Sizing, costing and choice of the connection options of remote villages (issue 3).

Every village gets a macro site; it needs power (22 kV grid extension, or off-grid solar +
battery, optionally with a diesel genset) and backhaul (fibre, a microwave relay chain, or LEO
satellite terminals). :func:`evaluate_options` sizes and costs all 2 x 3 combinations for every
village at once (numpy/polars over villages; the only Python loop is over the six combinations),
:func:`choose_options` applies the scenario's policy and says in plain words why.

Money is in VND bn. NPV = capex + opex x annuity factor + discounted battery replacements, over
`policy.horizon_years` at `policy.discount_rate_pct`; opex is paid at the end of each year and no
residual value is credited at the horizon (conservative for long-lived lines and fibre).
The column contract is docs/villages_contract.md.
"""

from __future__ import annotations

import datetime as dt

from collections.abc import Sequence
from typing import overload

import numpy as np
import polars as pl

from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.scenario.fields import KeyedTable
from dxsim.scenario.sections.villages_options import (
    BACKHAUL_OPTIONS,
    POWER_OPTIONS,
    REGIONS6,
    TERRAINS,
    MacroSite,
    VillageOptions,
)

# the options in a village's reason (translated where used: the reason is in the language of the run)
POWER_LABEL = {"grid_extension": N_("grid extension"), "offgrid_solar": N_("off-grid solar")}
BACKHAUL_LABEL = {"fibre": N_("fibre"), "microwave": N_("microwave"), "leo": N_("LEO satellite")}
REQUIRED_COLUMNS = (
    "village_id",
    "population",
    "terrain_class",
    "grid_distance_km",
    "site_distance_km",
    "region6",
)

# Cost, work and sizing columns of an evaluated option (0 where not applicable); the chooser copies them.
VALUE_COLUMNS = (
    "capex_vnd_bn",
    "opex_vnd_bn_per_year",
    "npv_vnd_bn",
    "power_capex_vnd_bn",
    "signal_capex_vnd_bn",
    "backhaul_capex_vnd_bn",
    "utility_team_days",
    "operator_team_days",
    "equipment_lead_days",
    "grid_line_km",
    "pv_kwp",
    "battery_kwh",
    "diesel_l_per_year",
    "microwave_hops",
    "backhaul_capacity_mbps",
    "busy_hour_mbps_per_user",
    "served",
    "fibre_km",
    "leo_terminals",
)
EVALUATION_COLUMNS = (
    "village_id",
    "power",
    "backhaul",
    "feasible",
    "infeasible_reason",
    *VALUE_COLUMNS,
    "power_infeasible_reason",
    "backhaul_infeasible_reason",
)
CHOICE_COLUMNS = ("village_id", "rule", "power", "backhaul", "feasible", "reason", *VALUE_COLUMNS)


# --------------------------------------------------------------------------- money over time


def annuity_factor(rate_pct: float, years: float) -> float:
    """Present value of 1 VND paid at the end of each of `years` years: (1 - (1+r)^-n) / r (n when r = 0)."""
    r = rate_pct / 100.0
    if r == 0:
        return float(years)
    return float((1.0 - (1.0 + r) ** -years) / r)  # float: a float to a float power may be complex to mypy


def replacement_factor(every_years: float, rate_pct: float, horizon_years: int) -> float:
    """Present value of buying an asset again at years k x every_years < horizon (k = 1, 2, ...)."""
    r = rate_pct / 100.0
    times = np.arange(1, int(np.ceil(horizon_years / every_years)) + 1) * every_years
    times = times[times < horizon_years - 1e-9]
    return float(np.sum((1.0 + r) ** -times))


# --------------------------------------------------------------------------- helpers


def _f(x: np.ndarray | Sequence[float] | float) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=np.float64))


def _lookup(
    table: KeyedTable, keys: np.ndarray | Sequence[str], what: str, allowed: Sequence[str]
) -> np.ndarray:
    """Per-village value of a terrain/region table; unknown keys are a data error, not an option."""
    keys = np.atleast_1d(np.asarray(keys).astype(str))
    bad = sorted(set(keys[~np.isin(keys, allowed)].tolist()))
    if bad:
        raise ValueError(f"unknown {what} {bad}; allowed: {', '.join(allowed)}")
    return table.lookup_many(keys)


@overload
def _bn(usd: np.ndarray, params: VillageOptions) -> np.ndarray: ...
@overload
def _bn(usd: float, params: VillageOptions) -> float: ...
def _bn(usd: np.ndarray | float, params: VillageOptions) -> np.ndarray | float:
    """USD -> VND bn at the scenario's exchange rate."""
    return usd * params.usd_vnd / 1e9


# --------------------------------------------------------------------------- power


def size_offgrid(
    load_kw: np.ndarray | float,
    ghi_kwh_m2_day: np.ndarray | float,
    params: VillageOptions,
    ghi_worst_month_kwh_m2_day: np.ndarray | float | None = None,
) -> dict[str, np.ndarray]:
    """Size and cost a site's off-grid solar + battery (+ diesel) system, per village.

    GHI in kWh/m2/day equals peak-sun-hours, so one kWp yields GHI x derate kWh a day.

        E       = load_kw x 24                                    (kWh/day)
        s       = solar_fraction_pct / 100 with a genset, else 1
        G       = annual mean GHI with a genset; without one the darkest month's GHI
                  (ghi_worst_month_kwh_m2_day, if given), so PV alone carries the site all year
        pv_kwp  = E x s / (G x pv_derate)
        battery = E x days_autonomy / (battery_dod x round_trip_efficiency)   (kWh nameplate)
        diesel  = E x 365 x (1 - s) kWh/year, x diesel_l_per_kwh litres   (PV covers the annual share s,
                  the genset the rest: an annual-energy rule, not an hourly dispatch)
        capex   = pv_kwp x pv_cost + battery x battery_cost (+ genset)
        opex    = om_pct x (PV + battery capex) + diesel litres x price (+ genset O&M)

    The battery is bought again every battery_replacement_years (`battery_replacement_vnd_bn`
    is the cost of one replacement; the NPV discounts them).
    """
    og = params.offgrid
    load = _f(load_kw)
    ghi = _f(ghi_kwh_m2_day)
    energy_kwh_day = load * 24.0
    if og.diesel_enabled:
        share = og.solar_fraction_pct / 100.0
        design_ghi = ghi
    else:
        share = 1.0
        design_ghi = ghi if ghi_worst_month_kwh_m2_day is None else _f(ghi_worst_month_kwh_m2_day)
    pv_kwp = energy_kwh_day * share / (design_ghi * og.pv_derate)
    battery_kwh = energy_kwh_day * og.days_autonomy / (og.battery_dod * og.battery_round_trip_efficiency)
    battery_kwh = np.broadcast_to(battery_kwh, pv_kwp.shape).astype(np.float64)
    diesel_kwh = energy_kwh_day * 365.0 * (1.0 - share) * np.ones_like(pv_kwp)
    diesel_l = diesel_kwh * og.diesel_l_per_kwh
    pv_capex = _bn(pv_kwp * og.pv_cost_usd_per_kwp, params)
    battery_capex = _bn(battery_kwh * og.battery_cost_usd_per_kwh, params)
    genset_capex = og.genset_capex_vnd_bn if og.diesel_enabled else 0.0
    genset_om = og.genset_om_vnd_bn_per_year if og.diesel_enabled else 0.0
    fuel = diesel_l * og.diesel_price_vnd_per_l / 1e9
    return {
        "energy_kwh_per_day": energy_kwh_day * np.ones_like(pv_kwp),
        "pv_kwp": pv_kwp,
        "battery_kwh": battery_kwh,
        "diesel_kwh_per_year": diesel_kwh,
        "diesel_l_per_year": diesel_l,
        "capex_vnd_bn": pv_capex + battery_capex + genset_capex,
        "opex_vnd_bn_per_year": og.om_pct_per_year / 100.0 * (pv_capex + battery_capex) + fuel + genset_om,
        "fuel_vnd_bn_per_year": fuel,
        "battery_replacement_vnd_bn": battery_capex,
    }


def grid_extension(
    grid_distance_km: np.ndarray | float,
    terrain_class: np.ndarray | Sequence[str] | str,
    params: VillageOptions,
) -> dict[str, np.ndarray]:
    """Line km, cost, utility team-days and feasibility of a 22 kV extension, per village.

    line_km  = grid_distance_km x route_factor[terrain]
    capex    = (line_km x cost_per_km[terrain] + connection) x site_share_of_line_cost_pct
    opex     = line_om_pct x capex + site load x 8,760 h x tariff
    days     = line_km x team_days_per_km[terrain] + connection_team_days
    feasible = line_km <= max_line_km
    """
    g = params.grid
    dist = _f(grid_distance_km)
    terrain = np.broadcast_to(np.atleast_1d(np.asarray(terrain_class).astype(str)), dist.shape)
    line_km = dist * _lookup(g.route_factor, terrain, "terrain_class", TERRAINS)
    capex = (
        line_km * _lookup(g.cost_vnd_bn_per_km, terrain, "terrain_class", TERRAINS)
        + g.connection_capex_vnd_bn
    )
    capex = capex * g.site_share_of_line_cost_pct / 100.0
    energy = params.site.load_kw * 8760.0 * g.tariff_vnd_per_kwh / 1e9
    return {
        "line_km": line_km,
        "capex_vnd_bn": capex,
        "opex_vnd_bn_per_year": g.line_om_pct_per_year / 100.0 * capex + energy,
        "utility_team_days": line_km * _lookup(g.team_days_per_km, terrain, "terrain_class", TERRAINS)
        + g.connection_team_days,
        "feasible": np.isfinite(line_km) & (line_km <= g.max_line_km + 1e-9),
    }


# --------------------------------------------------------------------------- backhaul


def backhaul(
    site_distance_km: np.ndarray | float,
    terrain_class: np.ndarray | Sequence[str] | str,
    population: np.ndarray | float,
    params: VillageOptions,
) -> dict[str, dict[str, np.ndarray]]:
    """Cost, work, capacity and feasibility of each backhaul, per village.

    - fibre: route km = site_distance_km x route_factor[terrain] (the grid's); capex ∝ km;
      feasible up to fibre_max_km.
    - microwave: hops = max(1, ceil(distance / hop_km[terrain])), hops - 1 ridge relays; capex =
      hops x link + relays x relay; feasible up to microwave_max_hops.
    - LEO: busy-hour users = population x busy-hour share (at least 1); terminals = enough for
      users x required Mbps, between 1 and leo_max_terminals; feasible if licensed.

    Served test (all three): capacity / busy-hour users >= required Mbps per user. A backhaul that
    fails it is infeasible unless demand.capacity_short_is_feasible (then feasible, served = false):
    an unserved village is covered but capacity-short, which a planner may accept or not.
    `limit_ok` is the distance/licence test alone.
    """
    bh, dem = params.backhaul, params.demand
    dist = _f(site_distance_km)
    terrain = np.broadcast_to(np.atleast_1d(np.asarray(terrain_class).astype(str)), dist.shape)
    users = np.maximum(_f(population) * dem.busy_hour_users_pct_of_population / 100.0, 1.0) * np.ones_like(
        dist
    )
    need = dem.required_mbps_per_user
    ones = np.ones_like(dist)

    fibre_km = dist * _lookup(params.grid.route_factor, terrain, "terrain_class", TERRAINS)
    fibre_capex = _bn(
        fibre_km * _lookup(bh.fibre_cost_usd_per_km, terrain, "terrain_class", TERRAINS), params
    )
    fibre = {
        "fibre_km": fibre_km,
        "capex_vnd_bn": fibre_capex,
        "opex_vnd_bn_per_year": fibre_km * bh.fibre_opex_vnd_bn_per_km_year,
        "operator_team_days": fibre_km * bh.fibre_team_days_per_km,
        "lead_days": bh.fibre_kit_lead_p50_days * ones,
        "capacity_mbps": bh.fibre_capacity_mbps * ones,
        "limit_ok": np.isfinite(fibre_km) & (fibre_km <= bh.fibre_max_km + 1e-9),
    }

    hop_km = _lookup(bh.microwave_hop_km, terrain, "terrain_class", TERRAINS)
    with np.errstate(invalid="ignore"):
        hops = np.maximum(np.ceil(dist / hop_km - 1e-9), 1.0)
    microwave = {
        "hops": hops,
        "capex_vnd_bn": _bn(hops * bh.microwave_link_usd_per_hop, params)
        + (hops - 1.0) * bh.microwave_relay_vnd_bn,
        "opex_vnd_bn_per_year": hops * bh.microwave_opex_vnd_bn_per_hop_year,
        "operator_team_days": hops * bh.microwave_team_days_per_hop,
        "lead_days": bh.microwave_kit_lead_p50_days * ones,
        "capacity_mbps": bh.microwave_capacity_mbps * ones,
        "limit_ok": np.isfinite(dist) & (hops <= bh.microwave_max_hops),
    }

    terminals = np.clip(
        np.ceil(users * need / bh.leo_capacity_mbps_per_terminal - 1e-9), 1, bh.leo_max_terminals
    )
    leo = {
        "terminals": terminals,
        "capex_vnd_bn": _bn(terminals * bh.leo_terminal_capex_usd, params),
        "opex_vnd_bn_per_year": _bn(terminals * 12.0 * bh.leo_opex_usd_per_terminal_month, params),
        "operator_team_days": bh.leo_team_days * ones,
        "lead_days": bh.leo_kit_lead_p50_days * ones,
        "capacity_mbps": terminals * bh.leo_capacity_mbps_per_terminal,
        "limit_ok": np.full(dist.shape, bool(bh.leo_licensed)),
    }

    out = {"fibre": fibre, "microwave": microwave, "leo": leo}
    for opt in out.values():
        opt["busy_hour_users"] = users
        opt["mbps_per_user"] = opt["capacity_mbps"] / users
        opt["served"] = opt["mbps_per_user"] >= need - 1e-9
        opt["feasible"] = opt["limit_ok"] & (opt["served"] | dem.capacity_short_is_feasible)
    return out


# --------------------------------------------------------------------------- evaluation


def _num(expr: pl.Expr, decimals: int) -> pl.Expr:
    """A number rounded to `decimals` as text with the decimal mark of the language in use (2.3 / 2,3)."""
    text = expr.round(decimals).cast(pl.Utf8)
    return text if F.number(0.5, 1) == "0.5" else text.str.replace(".", F.number(0.5, 1)[1], literal=True)


def _v(value: float) -> str:
    """A parameter value (`:g`) with the decimal mark of the language in use."""
    text = f"{value:g}"
    return text if F.number(0.5, 1) == "0.5" else text.replace(".", F.number(0.5, 1)[1])


def _join_reasons(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """'a; b' without dangling separators when either is empty."""
    return pl.when(a == "").then(b).when(b == "").then(a).otherwise(pl.concat_str([a, pl.lit("; "), b]))


def _check_columns(villages: pl.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in villages.columns]
    if missing:
        raise ValueError(f"village table lacks column(s) {missing}; see docs/villages_contract.md")
    dup = villages["village_id"].is_duplicated()
    if dup.any():
        raise ValueError(f"duplicate village_id {sorted(set(villages['village_id'].filter(dup).to_list()))}")


def _village_arrays(villages: pl.DataFrame) -> dict[str, np.ndarray]:
    """The village columns the options are sized from, as arrays (unknown distances NaN, unknown population 0)."""
    return {
        "terrain": villages["terrain_class"].cast(pl.Utf8).to_numpy().astype(str),
        "region": villages["region6"].cast(pl.Utf8).to_numpy().astype(str),
        "population": villages["population"].cast(pl.Float64).fill_null(0.0).to_numpy(),
        "grid_distance": villages["grid_distance_km"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        "site_distance": villages["site_distance_km"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
    }


def _option_work(
    utility_days: np.ndarray,
    power_operator_days: np.ndarray | float,
    power_lead: np.ndarray | float,
    bk: dict[str, np.ndarray],
    site: MacroSite,
) -> dict[str, np.ndarray]:
    """Team-days and kit lead time of one (power, backhaul) option (evaluate_options and option_work)."""
    return {
        "utility_team_days": utility_days,
        "operator_team_days": site.team_days + power_operator_days + bk["operator_team_days"],
        "equipment_lead_days": np.maximum(np.maximum(site.kit_lead_p50_days, power_lead), bk["lead_days"]),
    }


def option_work(
    villages: pl.DataFrame, params: VillageOptions
) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """Per (power, backhaul) option, every village's utility and operator team-days and kit lead time: the
    `utility_team_days`, `operator_team_days` and `equipment_lead_days` of :func:`evaluate_options`, same values.

    Why: each replication with drawn `villages.options` needs only these (dxsim.sim.uncertainty.village_inputs);
    evaluate_options also sizes, costs and explains every option in polars frames, ~10x the time.
    """
    _check_columns(villages)
    a = _village_arrays(villages)
    n = villages.height
    og, site = params.offgrid, params.site
    grid = grid_extension(a["grid_distance"], a["terrain"], params)
    bh = backhaul(a["site_distance"], a["terrain"], a["population"], params)
    zeros = np.zeros(n)
    power = {
        "grid_extension": (grid["utility_team_days"], zeros, zeros),
        "offgrid_solar": (zeros, np.full(n, og.team_days), np.full(n, og.kit_lead_p50_days)),
    }
    return {(p, k): _option_work(*power[p], bh[k], site) for p in POWER_OPTIONS for k in BACKHAUL_OPTIONS}


def leo_migration_vnd_bn(
    bh: dict[str, dict[str, np.ndarray]], params: VillageOptions, start: dt.date | None
) -> tuple[np.ndarray, bool]:
    """(per village: what the LEO licence's end adds to the LEO option's NPV, whether LEO is licensed at all).

    With T years from the start to `backhaul.leo_licensed_until` inside the NPV horizon H, the village moves to its
    cheapest feasible other backhaul at T: + (its capex + its opex x a(H - T)) / (1 + r)^T - LEO opex x (a(H) - a(T)),
    a() the annuity factor. A village with no feasible other backhaul adds 0 (it keeps LEO). No end date, no start
    or an end past the horizon: 0. An end on or before the start: LEO is not licensed."""
    until = params.backhaul.leo_licensed_until
    n = bh["leo"]["capex_vnd_bn"].size
    if until is None or start is None:
        return np.zeros(n), True
    years = (until - start).days / 365.25
    pol = params.policy
    if years <= 0:
        return np.zeros(n), False
    if years >= pol.horizon_years:
        return np.zeros(n), True
    r = pol.discount_rate_pct
    rest = annuity_factor(r, pol.horizon_years - years)
    alt = np.full(n, np.inf)
    for k in ("fibre", "microwave"):  # the cheapest feasible one, valued at T
        cost = bh[k]["capex_vnd_bn"] + bh[k]["opex_vnd_bn_per_year"] * rest
        alt = np.where(bh[k]["feasible"], np.minimum(alt, cost), alt)
    saved = bh["leo"]["opex_vnd_bn_per_year"] * (
        annuity_factor(r, pol.horizon_years) - annuity_factor(r, years)
    )
    move = alt * (1.0 + r / 100.0) ** -years - saved
    return np.where(np.isfinite(alt), move, 0.0), True


def evaluate_options(
    villages: pl.DataFrame, params: VillageOptions, start: dt.date | None = None
) -> pl.DataFrame:
    """All (power x backhaul) options of every village: feasibility and why not, costs, NPV, work, sizing.

    `start`: the day the options are valued (the run's start); with it, the LEO option counts the end of its
    licence (`leo_migration_vnd_bn`).

    One row per (village, power, backhaul), villages in input order, options in the order of
    POWER_OPTIONS x BACKHAUL_OPTIONS. Infeasible rows are kept with their costs so a planner sees
    what the option would have cost. A `ghi_kwh_m2_day` column (e.g. Global Solar Atlas point
    values), where present and positive, replaces the regional GHI.
    """
    _check_columns(villages)
    n = villages.height
    a = _village_arrays(villages)
    terrain, region, population = a["terrain"], a["region"], a["population"]
    og, pol, site = params.offgrid, params.policy, params.site

    ghi = _lookup(og.ghi_kwh_m2_day, region, "region6", REGIONS6)
    if "ghi_kwh_m2_day" in villages.columns:
        own = villages["ghi_kwh_m2_day"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        ghi = np.where(np.isfinite(own) & (own > 0), own, ghi)
    worst = ghi * _lookup(og.worst_month_ghi_ratio, region, "region6", REGIONS6)

    off = size_offgrid(np.full(n, site.load_kw), ghi, params, worst)
    grid = grid_extension(a["grid_distance"], terrain, params)
    bh = backhaul(a["site_distance"], terrain, population, params)
    leo_move, leo_open = leo_migration_vnd_bn(bh, params, start)
    if not leo_open:  # the licence ended before the start
        bh["leo"]["limit_ok"] = np.zeros(n, dtype=bool)
        bh["leo"]["feasible"] = bh["leo"]["limit_ok"]

    af = annuity_factor(pol.discount_rate_pct, pol.horizon_years)
    rf = replacement_factor(og.battery_replacement_years, pol.discount_rate_pct, pol.horizon_years)
    zeros = np.zeros(n)
    power = {
        "grid_extension": {
            "capex": grid["capex_vnd_bn"],
            "opex": grid["opex_vnd_bn_per_year"],
            "replacements": zeros,
            "utility_days": grid["utility_team_days"],
            "operator_days": zeros,
            "lead": zeros,
            "grid_line_km": grid["line_km"],
            "pv_kwp": zeros,
            "battery_kwh": zeros,
            "diesel_l": zeros,
        },
        "offgrid_solar": {
            "capex": off["capex_vnd_bn"],
            "opex": off["opex_vnd_bn_per_year"],
            "replacements": off["battery_replacement_vnd_bn"] * rf,
            "utility_days": zeros,
            "operator_days": np.full(n, og.team_days),
            "lead": np.full(n, og.kit_lead_p50_days),
            "grid_line_km": zeros,
            "pv_kwp": off["pv_kwp"],
            "battery_kwh": off["battery_kwh"],
            "diesel_l": off["diesel_l_per_year"],
        },
    }

    # Why each component is infeasible, as text (vectorised: polars string expressions).
    g, b, d = params.grid, params.backhaul, params.demand
    base = pl.DataFrame(
        {
            "village_id": villages["village_id"].cast(pl.Utf8),
            "_order": np.arange(n),
            "grid_line_km": grid["line_km"],
            "grid_ok": grid["feasible"],
            "grid_distance": np.isfinite(grid["line_km"]),
            "fibre_km": bh["fibre"]["fibre_km"],
            "fibre_limit": bh["fibre"]["limit_ok"],
            "hops": bh["microwave"]["hops"],
            "mw_limit": bh["microwave"]["limit_ok"],
            "site_distance": np.isfinite(bh["fibre"]["fibre_km"]),
            "users": bh["leo"]["busy_hour_users"],
            "terminals": bh["leo"]["terminals"],
            **{f"{k}_mbps_user": bh[k]["mbps_per_user"] for k in BACKHAUL_OPTIONS},
            **{f"{k}_served": bh[k]["served"] for k in BACKHAUL_OPTIONS},
        }
    )

    def capacity_reason(k: str, what: pl.Expr) -> pl.Expr:
        """A capacity shortfall is a reason only when it makes the backhaul infeasible."""
        if d.capacity_short_is_feasible:
            return pl.lit("")
        return (
            pl.when(~pl.col(f"{k}_served"))
            .then(
                pl.format(
                    _("{} for {} busy-hour users = {} Mbps per user < {} Mbps needed"),
                    what,
                    pl.col("users").round(0).cast(pl.Int64),
                    _num(pl.col(f"{k}_mbps_user"), 2),
                    pl.lit(_v(d.required_mbps_per_user)),
                )
            )
            .otherwise(pl.lit(""))
        )

    reasons = base.select(
        "_order",
        r_grid_extension=pl.when(~pl.col("grid_distance"))
        .then(pl.lit(_("grid: distance unknown")))
        .when(~pl.col("grid_ok"))
        .then(
            pl.format(
                _("grid line {} km > {} km limit"), _num(pl.col("grid_line_km"), 1), pl.lit(_v(g.max_line_km))
            )
        )
        .otherwise(pl.lit("")),
        r_offgrid_solar=pl.lit(""),
        r_fibre=pl.when(~pl.col("site_distance"))
        .then(pl.lit(_("fibre: distance unknown")))
        .when(~pl.col("fibre_limit"))
        .then(
            pl.format(
                _("fibre route {} km > {} km limit"), _num(pl.col("fibre_km"), 1), pl.lit(_v(b.fibre_max_km))
            )
        )
        .otherwise(capacity_reason("fibre", pl.lit(_("fibre {} Mbps").format(_v(b.fibre_capacity_mbps))))),
        r_microwave=pl.when(~pl.col("site_distance"))
        .then(pl.lit(_("microwave: distance unknown")))
        .when(~pl.col("mw_limit"))
        .then(
            pl.format(
                _("microwave needs {} hops > {} hops limit"),
                pl.col("hops").cast(pl.Int64),
                pl.lit(f"{b.microwave_max_hops}"),
            )
        )
        .otherwise(
            capacity_reason("microwave", pl.lit(_("microwave {} Mbps").format(_v(b.microwave_capacity_mbps))))
        ),
        r_leo=(
            pl.lit(_("LEO backhaul not licensed"))
            if not (b.leo_licensed and leo_open)
            else capacity_reason(
                "leo",
                pl.format(
                    _("LEO {} x {} Mbps"),
                    pl.col("terminals").cast(pl.Int64),
                    pl.lit(_v(b.leo_capacity_mbps_per_terminal)),
                ),
            )
        ),
    )

    frames = []
    signal_capex = np.full(n, site.capex_vnd_bn)
    for p in POWER_OPTIONS:
        pw = power[p]
        power_ok = grid["feasible"] if p == "grid_extension" else np.isfinite(off["pv_kwp"])
        for k in BACKHAUL_OPTIONS:
            bk = bh[k]
            capex = pw["capex"] + signal_capex + bk["capex_vnd_bn"]
            opex = pw["opex"] + site.opex_vnd_bn_per_year + bk["opex_vnd_bn_per_year"]
            work = _option_work(pw["utility_days"], pw["operator_days"], pw["lead"], bk, site)
            frame = pl.DataFrame(
                {
                    "_order": np.arange(n),
                    "power": [p] * n,
                    "backhaul": [k] * n,
                    "feasible": power_ok & bk["feasible"],
                    "capex_vnd_bn": capex,
                    "opex_vnd_bn_per_year": opex,
                    "npv_vnd_bn": capex
                    + opex * af
                    + pw["replacements"]
                    + (leo_move if k == "leo" else zeros),
                    "power_capex_vnd_bn": pw["capex"],
                    "signal_capex_vnd_bn": signal_capex,
                    "backhaul_capex_vnd_bn": bk["capex_vnd_bn"],
                    **work,
                    "grid_line_km": pw["grid_line_km"],
                    "pv_kwp": pw["pv_kwp"],
                    "battery_kwh": pw["battery_kwh"],
                    "diesel_l_per_year": pw["diesel_l"],
                    "microwave_hops": bh["microwave"]["hops"] if k == "microwave" else zeros,
                    "backhaul_capacity_mbps": bk["capacity_mbps"],
                    "busy_hour_mbps_per_user": bk["mbps_per_user"],
                    "served": bk["served"],
                    "fibre_km": bh["fibre"]["fibre_km"] if k == "fibre" else zeros,
                    "leo_terminals": bh["leo"]["terminals"] if k == "leo" else zeros,
                }
            ).with_columns(
                pl.col("microwave_hops").cast(pl.Int64),
                pl.col("leo_terminals").cast(pl.Int64),
            )
            frame = frame.join(
                reasons.select(
                    "_order",
                    power_infeasible_reason=pl.col(f"r_{p}"),
                    backhaul_infeasible_reason=pl.col(f"r_{k}"),
                ),
                on="_order",
                how="left",
            )
            frames.append(frame)

    out = (
        pl.concat(frames)
        .join(base.select("_order", "village_id"), on="_order", how="left")
        .with_columns(
            infeasible_reason=_join_reasons(
                pl.col("power_infeasible_reason"), pl.col("backhaul_infeasible_reason")
            )
        )
        .with_columns(
            _p=pl.col("power").replace_strict(
                {v: i for i, v in enumerate(POWER_OPTIONS)}, return_dtype=pl.Int64
            ),
            _b=pl.col("backhaul").replace_strict(
                {v: i for i, v in enumerate(BACKHAUL_OPTIONS)}, return_dtype=pl.Int64
            ),
        )
        .sort(["_order", "_p", "_b"])
        .select(EVALUATION_COLUMNS)
    )
    return out


# --------------------------------------------------------------------------- choice


def _words(labels: dict[str, str]) -> dict[str, str]:
    """POWER_LABEL / BACKHAUL_LABEL in the language in use."""
    return {k: _(v) for k, v in labels.items()}


def _label() -> pl.Expr:
    return pl.concat_str(
        [
            pl.col("power").replace_strict(_words(POWER_LABEL), return_dtype=pl.Utf8),
            pl.lit(" + "),
            pl.col("backhaul").replace_strict(_words(BACKHAUL_LABEL), return_dtype=pl.Utf8),
        ]
    )


def _bn_text(col: str) -> pl.Expr:
    return pl.format(_("{} bn VND"), _num(pl.col(col), 2))


def choose_options(evaluated: pl.DataFrame, params: VillageOptions) -> pl.DataFrame:
    """One row per village: the option the policy picks and why; villages with no option are kept.

    - least_cost: the feasible option with the least NPV (ties: POWER_OPTIONS x BACKHAUL_OPTIONS
      order); the reason names the runner-up and the best option with the other power source.
    - grid_first: the grid option with the least NPV whenever the line is feasible; otherwise the
      least-NPV feasible option, and the reason says why the grid was not used.
    - fixed: fixed_power + fixed_backhaul, or feasible = false with why that option fails.
    A village with no feasible option gets feasible = false, power/backhaul null and a reason
    listing why each power source and each backhaul failed.
    """
    pol = params.policy
    years = pol.horizon_years
    ids = evaluated.select("village_id").unique(maintain_order=True).with_row_index("_order")
    ev = evaluated.with_columns(
        _opt=pl.col("power").replace_strict(
            {v: i for i, v in enumerate(POWER_OPTIONS)}, return_dtype=pl.Int64
        )
        * 10
        + pl.col("backhaul").replace_strict(
            {v: i for i, v in enumerate(BACKHAUL_OPTIONS)}, return_dtype=pl.Int64
        ),
        _label=_label(),
    )
    ev = ev.join(ids, on="village_id", how="left")
    fe = ev.filter(pl.col("feasible")).sort(["_order", "npv_vnd_bn", "_opt"])
    ranked = fe.with_columns(_rank=pl.int_range(pl.len()).over("village_id"))

    # why nothing works, per village: each power source's and each backhaul's own reason (self-describing)
    def reasons_of(col: str, fixed_col: str, fixed_value: str) -> pl.DataFrame:
        return (
            ev.filter(pl.col(fixed_col) == fixed_value)
            .with_columns(
                _t=pl.when(pl.col(col) == "").then(pl.lit(None, dtype=pl.Utf8)).otherwise(pl.col(col))
            )
            .group_by("village_id")
            .agg(pl.col("_t").sort_by("_opt").drop_nulls().str.join("; "))
        )

    why_not = (
        ids.join(
            reasons_of("power_infeasible_reason", "backhaul", BACKHAUL_OPTIONS[0]).rename({"_t": "_wp"}),
            on="village_id",
            how="left",
        )
        .join(
            reasons_of("backhaul_infeasible_reason", "power", POWER_OPTIONS[0]).rename({"_t": "_wb"}),
            on="village_id",
            how="left",
        )
        .select("village_id", _why=_join_reasons(pl.col("_wp").fill_null(""), pl.col("_wb").fill_null("")))
    )

    served_note = (
        pl.when(~pl.col("served"))
        .then(
            pl.format(
                _("; not served: {} Mbps per busy-hour user < {} Mbps"),
                _num(pl.col("busy_hour_mbps_per_user"), 2),
                pl.lit(_v(params.demand.required_mbps_per_user)),
            )
        )
        .otherwise(pl.lit(""))
    )

    if pol.rule == "fixed":
        row = ev.filter((pl.col("power") == pol.fixed_power) & (pl.col("backhaul") == pol.fixed_backhaul))
        chosen = row.filter(pl.col("feasible")).with_columns(
            reason=pl.concat_str(
                [
                    pl.format(
                        _("fixed policy: {} (NPV over {} years {})"),
                        pl.col("_label"),
                        pl.lit(str(years)),
                        _bn_text("npv_vnd_bn"),
                    ),
                    served_note,
                ]
            )
        )
        failed = row.filter(~pl.col("feasible")).select(
            "village_id",
            _fail=pl.format(
                _("fixed policy: {} is not feasible: {}"), pl.col("_label"), pl.col("infeasible_reason")
            ),
        )
        fallback = failed
    else:
        best = ranked.filter(pl.col("_rank") == 0)
        if pol.rule == "least_cost":
            # runner-up overall, and the best option with the other power source when that is not the runner-up
            per_power = fe.group_by(["village_id", "power"], maintain_order=True).first()
            second = ranked.filter(pl.col("_rank") == 1).select(
                "village_id", _alt="_label", _alt_npv="npv_vnd_bn"
            )
            other = (
                best.select("village_id", "power")
                .join(
                    per_power.select("village_id", _p2="power", _oth="_label", _oth_npv="npv_vnd_bn"),
                    on="village_id",
                    how="inner",
                )
                .filter(pl.col("_p2") != pl.col("power"))
                .select("village_id", "_oth", "_oth_npv", _oth_power=pl.col("_p2"))
            )
            vs_other = pl.format(
                _(" and {} {} (best with {})"),
                pl.col("_oth"),
                _bn_text("_oth_npv"),
                pl.col("_oth_power").replace_strict(_words(POWER_LABEL), return_dtype=pl.Utf8),
            )
            chosen = (
                best.join(second, on="village_id", how="left")
                .join(other, on="village_id", how="left")
                .with_columns(
                    reason=pl.concat_str(
                        [
                            pl.format(
                                _("least NPV over {} years: {} {}"),
                                pl.lit(str(years)),
                                pl.col("_label"),
                                _bn_text("npv_vnd_bn"),
                            ),
                            pl.when(pl.col("_alt").is_null())
                            .then(pl.lit(_(", the only feasible option")))
                            .otherwise(
                                pl.format(_(" vs {} {} (next best)"), pl.col("_alt"), _bn_text("_alt_npv"))
                            ),
                            pl.when(pl.col("_oth").is_null() | (pl.col("_oth") == pl.col("_alt")))
                            .then(pl.lit(""))
                            .otherwise(vs_other),
                            served_note,
                        ]
                    )
                )
            )
        else:  # grid_first
            g = params.grid
            grid_best = (
                fe.filter(pl.col("power") == "grid_extension")
                .group_by("village_id", maintain_order=True)
                .first()
                .with_columns(
                    reason=pl.concat_str(
                        [
                            pl.format(
                                _(
                                    "grid first: grid line {} km within the {} km limit; {} backhaul (least NPV {})"
                                ),
                                _num(pl.col("grid_line_km"), 1),
                                pl.lit(_v(g.max_line_km)),
                                pl.col("backhaul").replace_strict(
                                    _words(BACKHAUL_LABEL), return_dtype=pl.Utf8
                                ),
                                _bn_text("npv_vnd_bn"),
                            ),
                            served_note,
                        ]
                    )
                )
            )
            grid_why = (
                ev.filter(pl.col("power") == "grid_extension")
                .group_by("village_id", maintain_order=True)
                .agg(_gw=pl.col("power_infeasible_reason").first())
            )
            no_grid = (
                best.join(grid_best.select("village_id"), on="village_id", how="anti")
                .join(grid_why, on="village_id", how="left")
                .with_columns(
                    reason=pl.concat_str(
                        [
                            pl.format(
                                _("grid first, but {}: least NPV {} {}"),
                                pl.when(pl.col("_gw") == "")
                                .then(pl.lit(_("no grid option has a feasible backhaul")))
                                .otherwise(pl.col("_gw")),
                                pl.col("_label"),
                                _bn_text("npv_vnd_bn"),
                            ),
                            served_note,
                        ]
                    )
                )
            )
            cols = ["village_id", "power", "backhaul", "reason", *VALUE_COLUMNS]
            chosen = pl.concat([grid_best.select(cols), no_grid.select(cols)])
        fallback = why_not.select("village_id", _fail=pl.format(_("no feasible option: {}"), pl.col("_why")))

    out = (
        ids.join(
            chosen.select("village_id", "power", "backhaul", "reason", *VALUE_COLUMNS),
            on="village_id",
            how="left",
        )
        .join(fallback, on="village_id", how="left")
        .with_columns(
            rule=pl.lit(pol.rule),
            feasible=pl.col("power").is_not_null(),
            reason=pl.coalesce("reason", "_fail", pl.lit(_("no option evaluated for this village"))),
        )
        .sort("_order")
        .select(CHOICE_COLUMNS)
    )
    return out


EXISTING_GRID = "existing_grid"
POWER_LABEL[EXISTING_GRID] = N_("existing grid")


def choose_signal_only(
    evaluated: pl.DataFrame, choice: pl.DataFrame, with_power_ids: Sequence[str]
) -> pl.DataFrame:
    """Replace the choice of villages that already have grid power: signal track only.

    Such a village needs no line and no off-grid plant: power = 'existing_grid' (no power capex,
    no utility team-days), and the backhaul with the least NPV among the grid rows of the
    evaluation (evaluated with grid distance 0, so only the backhaul can make them infeasible);
    capex and NPV drop the power capex (the site is connected to the village's low-voltage grid by
    the site team). Patchy-signal villages get the same macro site (a simplification: a small
    cell or repeater would be cheaper; dxsim assumption). Other villages keep their choice.
    """
    ids = list(with_power_ids)
    if not ids:
        return choice
    rows = (
        evaluated.filter(
            pl.col("village_id").is_in(ids) & (pl.col("power") == "grid_extension") & pl.col("feasible")
        )
        .with_columns(
            _b=pl.col("backhaul").replace_strict(
                {v: i for i, v in enumerate(BACKHAUL_OPTIONS)}, return_dtype=pl.Int64
            )
        )
        .sort(["village_id", "npv_vnd_bn", "_b"])
        .group_by("village_id", maintain_order=True)
        .first()
        .with_columns(
            capex_vnd_bn=pl.col("capex_vnd_bn") - pl.col("power_capex_vnd_bn"),
            npv_vnd_bn=pl.col("npv_vnd_bn") - pl.col("power_capex_vnd_bn"),
            power_capex_vnd_bn=pl.lit(0.0),
            utility_team_days=pl.lit(0.0),
            grid_line_km=pl.lit(0.0),
            power=pl.lit(EXISTING_GRID),
        )
        .with_columns(
            reason=pl.format(
                _("has grid power: signal only; {} backhaul (least NPV {})"),
                pl.col("backhaul").replace_strict(_words(BACKHAUL_LABEL), return_dtype=pl.Utf8),
                _bn_text("npv_vnd_bn"),
            )
        )
    )
    none = pl.DataFrame({"village_id": ids}, schema={"village_id": pl.Utf8}).join(
        rows.select("village_id"), on="village_id", how="anti"
    )
    keep = choice.filter(~pl.col("village_id").is_in(ids))
    fixed = rows.with_columns(rule=pl.lit("signal_only"), feasible=pl.lit(True)).select(CHOICE_COLUMNS)
    failed = choice.join(none, on="village_id", how="semi").with_columns(
        power=pl.lit(None, dtype=pl.Utf8),
        backhaul=pl.lit(None, dtype=pl.Utf8),
        feasible=pl.lit(False),
        rule=pl.lit("signal_only"),
        reason=pl.lit(_("has grid power, but no backhaul is feasible")),
    )
    order = choice.select("village_id").with_row_index("_o")
    return (
        pl.concat([keep, fixed.cast(keep.schema), failed.cast(keep.schema)])
        .join(order, on="village_id")
        .sort("_o")
        .drop("_o")
    )
