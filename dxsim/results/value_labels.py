"""Words for the identifiers a run's files hold (statuses, options, classes, units), in the language in use.

The files keep the identifiers, since scripts and joins read them; people see these words in the report,
the map, compare's tables and the workbook. One table per column, here, so every output says the same thing
(the workbook showed `modern_air` where the report said "modern air", and English in a Vietnamese workbook).
"""

from __future__ import annotations

from dxsim.i18n import N_
from dxsim.i18n import gettext as _

# villages.parquet
VILLAGE_STATUS = {
    "connected": N_("connected"),
    "capacity-short": N_("capacity-short"),
    "in works": N_("in works"),
    "not started": N_("not started"),
    "no feasible option": N_("no feasible option"),
}
# who pays a started village's option (villages.parquet `paid_by`)
PAID_BY = {"programme": N_("the village programme (public money)"), "outside": N_("utility and operators")}
VILLAGE_SUBSET = {"with_power": N_("grid power at the start"), "no_power": N_("no grid power at the start")}
SIGNAL = {"none": N_("none"), "patchy": N_("patchy")}
TERRAIN = {"flat": N_("flat"), "hilly": N_("hilly"), "mountainous": N_("mountainous")}
POWER = {
    "existing_grid": N_("grid power already (signal only)"),
    "grid_extension": N_("grid extension"),
    "offgrid_solar": N_("off-grid solar"),
}
BACKHAUL = {"fibre": N_("fibre"), "microwave": N_("microwave"), "leo": N_("LEO satellite")}
# datacentres.parquet
DC_STATUS = {
    "operational": N_("operational"),
    "under_construction": N_("under construction"),
    "announced": N_("announced"),
}
DC_KIND = {
    "commercial": N_("commercial"),
    "state": N_("state"),
    "project": N_("project"),
    "internal": N_("internal (an operator's or the state's own)"),  # NDC1 is the state's (provincial trial)
}
COOLING = {"legacy_air": N_("legacy air"), "liquid": N_("liquid"), "modern_air": N_("modern air")}
# support_decisions.csv `decision` (dxsim.sim.operators.surge_decision): why an operator did or did not surge
SUPPORT_DECISION = {
    "surge": N_("surged for it"),
    # a replication's deciding move was a surge, yet no paid row followed (support_outcome_lines)
    "surge_short": N_("surged for it but fell short of the threshold"),
    "short": N_("fell short of the threshold after a surge"),
    "wait": N_("waiting: a later month is still in time"),
    "qualifies": N_("qualifies without a surge"),
    "too_late": N_("too late: the fastest build cannot make the deadline"),
    "out_of_reach_plan": N_(
        "out of reach: too few of its 4G sites left to upgrade, the sites a surge builds"
    ),
    "out_of_reach_equipment": N_("out of reach: too few kits in stock"),
    "out_of_reach_crews": N_("out of reach: too few crews"),
    "out_of_reach_budget": N_("out of reach: not enough budget"),
    "not_worth": N_(
        "not worth it: the support is less than the surge premium and the loss on sites that do not pay"
    ),
}

# plans.csv `metric` (dxsim.calibration.PLAN_METRICS): the plans and targets the report sets beside the run
# the kinds of observations.csv figure reported as it stood (a count, a floor, a ceiling), not a plan: what a run that
# starts before its date is held to (`dxsim backtest`) and shown beside (plans.csv, the report)
LATER_KINDS: tuple[str, ...] = ("observed", "lower_bound", "upper_bound")
PLAN_LABELS = {
    "stations_5g": N_("5G stations"),
    "pop_covered_5g_pct": N_("5G population coverage (%)"),
    "stations_5g_added_viettel_in_year": N_("5G stations Viettel adds in the year"),
    "stations_5g_added_viettel_vnpt_in_year": N_("5G stations Viettel and VNPT add in the year"),
    "villages_unconnected": N_("Villages without power and signal"),
    "dc_it_capacity_mw": N_("Data-centre IT capacity (MW)"),
    "gpus_installed_high_performance": N_("High-performance GPUs"),
}

# calibration.csv
CALIBRATION_STATUS = {
    "pass": N_("pass"),
    "fail": N_("fail"),
    "info": N_("info"),
    "fitted": N_("fitted"),
    "input": N_("input"),
}
# under a calibration table with fitted / input rows (terminal, calibration.md, report)
BY_CONSTRUCTION_NOTE = N_(
    "Status fitted / input: the model meets these figures by construction (a parameter is fitted to the figure, "
    "or the start state is built from it), so meeting them is no evidence; a scenario that moves off them gets FAIL."
)
# the units of KPIs and metrics (dxsim.results.metrics, the KPI names' suffixes) and of the reported figures
UNITS = {
    u: u
    for u in (
        N_("%"),
        N_("% of population"),
        N_("1 = met, 0 = missed"),
        N_("GPUs"),
        N_("GPU-months"),
        N_("GWh"),
        N_("MW"),
        N_("Mbps"),
        N_("PFLOPS"),
        N_("USD per GPU"),
        N_("VND bn"),
        N_("VND m"),
        N_("VND m per person"),
        N_("VND bn per village"),
        N_("VND bn per PFLOPS"),
        N_("decimal year"),
        N_("persons"),
        N_("racks"),
        N_("sites"),
        N_("stations"),
        N_("villages"),
        N_("villages per year"),
        N_("village-months"),
        N_("person-months"),
        N_("VND k per person-month"),
        N_("jobs"),
    )
}


def label_of(labels: dict[str, str], value: object) -> str:
    """The label of an identifier from a file in the language in use; unknown: as written, '_' as spaces."""
    v = "" if value is None else str(value)
    return _(labels[v]) if v in labels else v.replace("_", " ")


def unit_label(unit: str) -> str:
    """A unit as shown to people; an unknown unit as written (the tables keep the English unit)."""
    return _(UNITS[unit]) if unit in UNITS else unit
