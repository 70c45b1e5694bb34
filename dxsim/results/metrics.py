"""Tidy long metrics table: date, replication, area, metric, value.

`area` is "VN" or a 2-digit gso34 province code. Metric names are stable and documented in
the README (METRICS below is the single list; tests check that runs emit exactly these).
"""

from __future__ import annotations

import re

METRICS: dict[str, str] = {
    "stations_5g": "5G stations on air at month end (stations; VN and province)",
    "stations_5g_added": "5G stations brought on air during the month (stations; VN and province)",
    "stations_5g_upgrades_cum": "5G stations on existing 4G sites, cumulative (stations; VN)",
    "stations_5g_new_sites_cum": "5G stations on newly built sites, cumulative (stations; VN)",
    "stations_5g_viettel": "Viettel 5G stations on air (stations; VN)",
    "stations_5g_vnpt": "VNPT 5G stations on air (stations; VN)",
    "stations_5g_mobifone": "MobiFone 5G stations on air (stations; VN)",
    "stations_4g": "4G stations on air: the start network's, plus each remote village's new macro site once on air (stations; VN and province)",
    "pop_covered_5g": "people within 5G coverage (persons; VN and province)",
    "pop_covered_5g_pct": "share of population within 5G coverage (%; VN and province)",
    "pop_covered_4g": "people within 4G coverage (persons; VN and province)",
    "pop_covered_4g_pct": "share of population within 4G coverage: the start network's 4G sites, which stay as they are, plus the 4G sites the village programme builds, so it rises a little (%; VN and province)",
    "pop_5g_served": "people within 5G coverage whose 5G cells carry the busy-hour demand of its 5G-device users at the served rate, everyone there counted, with or without a 5G device (persons; VN; dxsim.sim.capacity)",
    "pop_5g_served_pct": "share of population served by 5G: covered, and an edge user still gets capacity.served_rate_mbps at the busy hour; a place measure, everyone there counted, with or without a 5G device (%; VN and province; served + capacity-short + uncovered = 100)",
    "pop_5g_capacity_short_pct": "share of population within 5G coverage whose 5G cells are capacity-short at the busy hour (%; VN and province)",
    "pop_5g_uncovered_pct": "share of population outside 5G coverage (%; VN and province; = 100 - pop_covered_5g_pct)",
    "pop_mbb_served": "people whose busy-hour traffic 4G or 5G carries at the served rate: 5G-device users on their own operator's 5G, everyone else on 4G (persons; VN)",
    "pop_mbb_served_pct": "share of population whose busy-hour traffic 4G or better carries at the served rate: 5G-device users carried by their own operator's 5G, everyone else (no 5G device, 5G overflow) by 4G with room; a person measure, unlike pop_5g_served_pct; 4G capacity stays the start network's plus the village programme's sites (no LTE carriers or other sites are added), so with traffic growing this is a lower bound (%; VN and province; the three pop_mbb_* add up to 100)",
    "pop_mbb_capacity_short_pct": "share of population within 4G or 5G coverage but capacity-short at the busy hour (%; VN and province)",
    "pop_mbb_uncovered_pct": "share of population outside both 4G and 5G coverage (%; VN and province)",
    "pop_5g_capacity_short_edge_pct": "share of population capacity-short on 5G in cells whose 5G edge rate (the 5th percentile of an unloaded cell's rates) is not above capacity.served_rate_mbps, or too close to it to carry one person's busy-hour demand, so that no load relieves them: another band or a lower served rate would (%; VN; the last month end only)",
    "pop_mbb_capacity_short_edge_pct": "share of population capacity-short on 4G or better in cells whose 4G edge rate is not above capacity.served_rate_mbps, or too close to it to carry one person's busy-hour demand, so that no load relieves them (%; VN; the last month end only)",
    "served_rate_mbps": "the replication's served rate, capacity.served_rate_mbps as drawn (Mbps; VN; the last month end only)",
    "edge_rate_5g_slowest_band_mhz": "the 5G band on air at the end whose sites' median unloaded cell-edge (5th percentile) rate is the lowest (MHz; VN; the last month end only)",
    "edge_rate_5g_slowest_band_mbps": "that band's median unloaded cell-edge (5th percentile) rate over its sites on air, which a cell's load lowers: a cell carries load only while its edge user keeps served_rate_mbps (Mbps; VN; the last month end only)",
    "pop_5g_capacity_short_urban": "people in 5G coverage but capacity-short at the busy hour in urban cells (the 1 km cell's density class: urban from 1,500 people per km², suburban from 300, DEGURBA's thresholds; dxsim.geo.build) (persons; VN)",
    "pop_5g_capacity_short_suburban": "people in 5G coverage but capacity-short at the busy hour in suburban (town) cells (the 1 km cell's density class: urban from 1,500 people per km², suburban from 300, DEGURBA's thresholds; dxsim.geo.build) (persons; VN)",
    "pop_5g_capacity_short_rural": "people in 5G coverage but capacity-short at the busy hour in rural cells (the 1 km cell's density class: urban from 1,500 people per km², suburban from 300, DEGURBA's thresholds; dxsim.geo.build) (persons; VN)",
    "pop_mbb_capacity_short_urban": "people in 4G or 5G coverage but capacity-short at the busy hour in urban cells (the 1 km cell's density class: urban from 1,500 people per km², suburban from 300, DEGURBA's thresholds; dxsim.geo.build) (persons; VN)",
    "pop_mbb_capacity_short_suburban": "people in 4G or 5G coverage but capacity-short at the busy hour in suburban (town) cells (the 1 km cell's density class: urban from 1,500 people per km², suburban from 300, DEGURBA's thresholds; dxsim.geo.build) (persons; VN)",
    "pop_mbb_capacity_short_rural": "people in 4G or 5G coverage but capacity-short at the busy hour in rural cells (the 1 km cell's density class: urban from 1,500 people per km², suburban from 300, DEGURBA's thresholds; dxsim.geo.build) (persons; VN)",
    "user_throughput_mbps_p50": "median busy-hour download throughput of a data user, on the layer it uses: median rate x (1 - load); the users are in two groups, 4G users at tens of Mbps (0 where 4G is loaded to capacity) and 5G users at hundreds, so the median jumps from one group to the other as the 5G users pass half (replications either side of that read ~36 and ~385 Mbps); each group's own median (user_throughput_mbps_p50_5g, _4g) and user_throughput_mbps_mean move smoothly (Mbps; VN)",
    "user_throughput_mbps_p50_5g": "median busy-hour download throughput of the data users on 5G (their own operator's 5G carries them): median rate x (1 - load) of their cells; moves with the 5G load, not with how many users have a 5G device (Mbps; VN; empty with no user on 5G)",
    "user_throughput_mbps_p50_4g": "median busy-hour download throughput of the data users on 4G (no 5G device, no 5G of their operator, or 5G overflow): median rate x (1 - load) of their 4G cells, 0 where 4G is loaded to capacity (Mbps; VN; empty with no user on 4G)",
    "user_throughput_mbps_mean": "mean busy-hour download throughput of a data user (Mbps; VN)",
    "traffic_pb_per_month": "mobile data traffic the covered data users ask for in a month (offered: their demand, carried or not; a month's off-peak hours carry what the busy hour cannot) (PB per month; VN)",
    "busy_hour_demand_mbps_per_person": "busy-hour demand per person of the population in the year (Mbps; VN)",
    "device_5g_share_pct": "share of data users with a 5G device in the year (%; VN)",
    "sites_brought_forward_for_capacity": "5G plan sites the operators moved to the head of their plans for the first time at the year's demand step because they stand in capacity-short cells; summed over the years each site counts once, built by the end or not (sites; VN; 0 in other months)",
    "sites_too_thin_for_capacity": "5G plan sites the operators passed by for the first time at the year's demand step although they stand in capacity-short cells, because each could carry less than one more person's busy-hour demand at the served rate (its edge rate too close to capacity.served_rate_mbps); summed over the years each site counts once (sites; VN; 0 in other months)",
    "stations_5g_built_for_capacity": "5G stations on air that the operators had brought forward for capacity before ordering them (sites_brought_forward_for_capacity): the densification where cells are short, cumulative (stations; VN)",
    "capex_vnd_bn": "5G capex recognised when sites come on air, in the month (VND bn; VN and province)",
    "capex_cum_vnd_bn": "cumulative 5G capex since the start (VND bn; VN)",
    "subsidy_paid_vnd_bn": "5G support paid in the month: Resolution 193/2025/QH15 and any further support programmes (VND bn; VN)",
    "sites_in_permitting": "ordered sites still waiting for permits / site acquisition (sites; VN)",
    "sites_awaiting_equipment": "permitted sites waiting for equipment (sites; VN)",
    "sites_awaiting_crew": "sites with permit and equipment waiting for a crew (sites; VN)",
    "sites_under_construction": "sites a crew is on, not yet on air, at month end (sites; VN)",
    "villages_connected": "villages of the coverage-hole layer whose site is on air and whose link carries their busy-hour demand (served) (villages; VN and province)",
    "villages_capacity_short": "villages whose site is on air but whose link cannot give each busy-hour user the required Mbps: signal, not service (villages; VN and province)",
    "villages_unconnected": "villages of the no-power subset still without signal: the reported 'villages without electricity and mobile signal', including those with no feasible option and those the utility's bridge (power_bridge) already powers, until their site is on air (villages; VN and province)",
    "village_pop_connected": "people in connected (served) villages of the layer (persons; VN and province)",
    "village_pop_capacity_short": "people in villages on air whose link cannot carry their busy-hour demand (persons; VN)",
    "village_capex_vnd_bn": "village capex recognised in the month: a village's chosen option when its site goes on air, plus campaign surge measures incurred in the month (VND bn; VN and province)",
    "villages_with_power": "villages of the layer with power of any kind: grid, the utility's bridge, off-grid or temporary; villages with grid power count from the start (villages; VN)",
    "villages_started": "villages whose works have started, including those in works at the start (villages; VN)",
    "villages_over_year_budget": "villages not started that only the programme budget can start and whose cost exceeds the whole budget of every year left in the run: they never start, since a village's cost is committed in the year its works start, and a campaign's surge teams are not kept for them (villages; VN)",
    "villages_without_power": "villages of the no-power subset with neither grid nor bridge, off-grid or temporary power yet (villages; VN and province)",
    "villages_on_bridge_power": "villages on the utility's bridge (a campaign's power_bridge: a generator set) at month end, until their own power comes: the grid line, or an off-grid village's system with its site (villages; VN and province)",
    "villages_without_signal": "villages of the coverage-hole layer (with and without grid power) still without signal (villages; VN and province)",
    "villages_started_by_programme": "villages whose works the village programme has started and paid from its budget (villages.programme.budget_vnd_bn) by month end; the others are in campaigns the utility and operators pay, which that budget does not move (villages; VN and province)",
    "village_programme_committed_vnd_bn_cum": "money committed against the village programme budget (villages.programme.budget_vnd_bn) since the start: villages the programme starts, and the works and surges of campaigns it funds; 0 when every village is in a campaign the utility and operators pay, so the budget cannot bind (VND bn; VN)",
    "village_surge_capex_vnd_bn": "capex of campaign surge measures incurred in the month: surge team premiums, temporary-power kits and genset fuel, portable BTS, the utility's bridges (power_bridge); included in village_capex_vnd_bn (VND bn; VN)",
    "villages_held_pct_budget": "share of the month's village-days without signal held back because the year's programme budget is used up (%; VN; the seven villages_held_pct_ add up to 100, or are all 0 when no village waits)",
    "villages_held_pct_permits": "share of the month's village-days without signal held back in permitting / land clearance (%; VN)",
    "villages_held_pct_line_crews": "share of the month's village-days without signal held back waiting for a free utility line crew to build the grid extension (%; VN)",
    "villages_held_pct_site_teams": "share of the month's village-days without signal held back waiting for a free operator site team to build the site and its backhaul (%; VN)",
    "villages_held_pct_power": "share of the month's village-days without signal held back by a grid line under construction (%; VN)",
    "villages_held_pct_season": "share of the month's village-days without signal held back by line works paused for the rainy season (%; VN)",
    "villages_held_pct_backhaul": "share of the month's village-days without signal held back by the site kit / backhaul lead time or the site and backhaul works (%; VN)",
    "dc_it_capacity_mw": "commissioned data-centre IT capacity (MW; VN and province)",
    "dc_facility_power_mw": "facility power of that capacity at full IT load = IT MW x PUE (MW; VN and province)",
    "racks": "commissioned data-centre racks (racks; VN and province)",
    "gpus_installed": "GPUs powered and running in a data centre, all models (GPUs; VN and province)",
    "gpus_installed_high_performance": "of which high-performance (A100 class and above, the seed's '<2,000' count) (GPUs; VN)",
    "gpus_stranded": "GPUs delivered but without free data-centre power (GPUs; VN)",
    "dc_ordinary_load_unmet_mw": "Ordinary (non-AI) data-centre IT demand that found no free IT capacity after its yearly growth (GPUs and the load already there hold the rest): it waits for new capacity (MW; VN)",
    "gpus_over_rack_density": "Running GPUs whose 8-GPU server draws more IT kW than a rack of their data centre is built for (commissioned IT MW / racks): the model places GPUs by power and assumes such halls retrofitted (rear-door or liquid cooling), not costed (GPUs; VN)",
    "gpus_held_by_import_cap": "GPUs past their lead time whose delivery waits for the next calendar year's import allowance (compute.gpus.supply_shock.import_cap_gpus_per_year) (GPUs; VN)",
    "gpu_pflops_bf16": "dense BF16 compute of the installed GPUs (PFLOPS; VN)",
    "gpu_a100_equivalents": "installed GPUs in A100 equivalents by dense BF16 throughput (GPUs; VN)",
    "gpu_largest_cluster_a100_equivalents": "the largest cluster: the most A100 equivalents one organisation runs at one data centre (GPUs; VN)",
    "gpu_utilization_pct": "busy GPU-days in the month over GPU-days available (installed GPUs averaged over the month's two ends) (%; VN)",
    "ai_jobs_waiting": "AI jobs queued for GPUs at month end (jobs; VN)",
    "ai_jobs_rejected_too_big_cum": "AI jobs turned away so far because they need more GPUs than the pool could ever hold (the start fleet plus every order): a job class larger than the fleet never runs (jobs; VN; cumulative)",
    "ai_job_wait_days_p50": "median wait of AI jobs that started in the month (days; VN; no row in a month when none started)",
    "compute_capex_vnd_bn": "data-centre capex (booked when a phase's construction starts, the part still to build for a phase under way at the start; commissioning comes a year or more later), GPUs as deployed (unit price x compute.gpus.system_capex_factor, for the server and the cluster fabric; at delivery) and halls retrofitted for GPU servers denser than their racks (dc_retrofit_capex_vnd_bn) in the month (VND bn; VN)",
    "dc_retrofit_capex_vnd_bn": "retrofit of data-centre halls for the GPU servers placed in them over their rack density (compute.gpus.retrofit_usd_m_per_mw per MW of those GPUs' IT load), booked when they are placed, in the month; part of compute_capex_vnd_bn, not of gpu_capex_vnd_bn (VND bn; VN)",
    "dc_ppp_state_capex_vnd_bn": "the state's PPP share (compute.datacentres.ppp_share_pct) of the capex of announced data-centre projects, booked as compute_capex_vnd_bn is, in the month: public money beside public_investment_vnd_bn (VND bn; VN)",
    "gpu_capex_vnd_bn": "of compute_capex_vnd_bn, the GPUs' (as deployed, at delivery) in the month (VND bn; VN)",
    "gpu_public_capex_vnd_bn": "of gpu_capex_vnd_bn, the state's part (each order's compute.gpus.orders/extra_orders public_share_pct): public money, at delivery, in the month (VND bn; VN)",
    "capex_5g_on_order_vnd_bn": "capex of the 5G sites ordered in the run and not on air by the month end: committed against the operators' budgets at the order, recognised in capex_vnd_bn when on air, so sites ordered but stuck (kits, crews) stay here (VND bn; VN; a stock)",
    "gpu_capex_on_order_vnd_bn": "capex of the GPUs ordered by the month end and not yet delivered: committed, paid on delivery, so a delivery that slips past the horizon leaves compute_capex_vnd_bn but stays here (VND bn; VN; a stock)",
    "gpu_it_mw": "IT power of the powered GPUs (GPUs x each model's IT kW per GPU) (MW; VN)",
    "dc_power_draw_mw": "facility power the data centres draw at the month end = (ordinary IT load + gpu_it_mw) x PUE; dc_facility_power_mw is what they could draw at full IT load (MW; VN)",
    "dc_energy_mwh": "facility energy the data centres drew in the month = IT load x PUE x hours, each month at the load of its first day (MWh; VN)",
    "dc_electricity_opex_vnd_bn": "the data centres' electricity bill in the month: dc_energy_mwh at compute.datacentres.power_price_vnd_per_kwh (VND bn; VN)",
    "dc_held_pct_grid_connection": "share of the month's data-centre MW-days held back (phases past their planned date, not in service) that the project's grid connection (substation and line lead time, compute.datacentres.grid.interconnect) made late. A held day is traced back along the phase's critical path to the stage it was in one planned build earlier (median construction + commissioning days), the stage that made it late (%; VN; the four dc_held_pct_ add up to 100, or are all 0 when nothing was held back)",
    "dc_held_pct_grid_headroom": "share of the month's data-centre MW-days held back that waiting for the region's grid headroom made late (compute.datacentres.grid.headroom_mw, reinforcements; traced back as for dc_held_pct_grid_connection) (%; VN)",
    "dc_held_pct_permits": "share of the month's data-centre MW-days held back that planning and permits made late (traced back as for dc_held_pct_grid_connection) (%; VN)",
    "dc_held_pct_construction": "share of the month's data-centre MW-days held back that construction or commissioning made late: the phase's own build past its median, or an earlier phase of the project still being built (traced back as for dc_held_pct_grid_connection) (%; VN)",
    "crew_utilization_pct_north": "share of northern crew capacity used in the month (%; VN; a site's work is booked in the week it starts, so a month can show slightly over 100; 100 for a region with no crews at all)",
    "crew_utilization_pct_central": "share of central crew capacity used in the month (%; VN)",
    "crew_utilization_pct_south": "share of southern crew capacity used in the month (%; VN)",
    "pop_covered_5g_pct_viettel": "share of population within Viettel's own 5G network (%; VN; the networks overlap in towns, so the three add up to more than pop_covered_5g_pct, the people covered by at least one)",
    "pop_covered_5g_pct_vnpt": "share of population within VNPT's own 5G network (%; VN; the networks overlap in towns, so the three add up to more than pop_covered_5g_pct, the people covered by at least one)",
    "pop_covered_5g_pct_mobifone": "share of population within MobiFone's own 5G network (%; VN; the networks overlap in towns, so the three add up to more than pop_covered_5g_pct, the people covered by at least one)",
    "surge_stations_viettel": "5G stations Viettel ordered in the month in a surge for a support deadline (kits from stock, contract crews, a premium per site) (stations; VN)",
    "surge_stations_vnpt": "5G stations VNPT ordered in the month in a surge for a support deadline (kits from stock, contract crews, a premium per site) (stations; VN)",
    "surge_stations_mobifone": "5G stations MobiFone ordered in the month in a surge for a support deadline (kits from stock, contract crews, a premium per site) (stations; VN)",
    "orders_pace_bound_pct": "share of the operators whose orders this month stopped at their announced pace while they had more sites they would build (business case within the loss they accept) and could pay for: the target binds (%; VN)",
    "orders_budget_bound_pct": "share of the operators whose orders this month were cut by their capex budget (phased over the months left in the year) (%; VN)",
    "orders_pace_bound_pct_viettel": "100 if Viettel's orders this month stopped at its announced pace while it had more sites it would build and could pay for, else 0 (%; VN; a month it did not order has no row)",
    "orders_budget_bound_pct_viettel": "100 if Viettel's orders this month were cut by its capex budget, else 0 (%; VN; a month it did not order has no row)",
    "orders_pace_bound_pct_vnpt": "100 if VNPT's orders this month stopped at its announced pace while it had more sites it would build and could pay for, else 0 (%; VN; a month it did not order has no row)",
    "orders_budget_bound_pct_vnpt": "100 if VNPT's orders this month were cut by its capex budget, else 0 (%; VN; a month it did not order has no row)",
    "orders_pace_bound_pct_mobifone": "100 if MobiFone's orders this month stopped at its announced pace while it had more sites it would build and could pay for, else 0 (%; VN; a month it did not order has no row)",
    "orders_budget_bound_pct_mobifone": "100 if MobiFone's orders this month were cut by its capex budget, else 0 (%; VN; a month it did not order has no row)",
    "stations_ordered_for_support_cum": "5G stations ordered so far only because of support: without it their business case loses more than the operator accepts (stations; VN; surges not included, see surge_stations_*)",
    "support_claims_over_fund_cum_vnd_bn": "5G support the operators claimed beyond the funds of the programmes that paid so far (and, at the last month end, of those paid after the horizon): above 0, a fund's cap binds and each claim was cut pro rata (VND bn; VN; cumulative)",
    "support_accrued_unpaid_vnd_bn": "5G support earned under programmes whose window closes on the horizon's last day or later, so paid after it: what they would pay if their window closed at the end (VND bn; VN; 0 before the last month end)",
    "surge_premium_cum_vnd_bn": "cumulative surge premium (contract crews, express kits, stock) included in 5G capex (VND bn; VN)",
    "sites_in_flight": "5G sites ordered and not yet on air at month end, the warm-start pipeline included: in permitting, awaiting a kit or a crew, or under construction (sites; VN)",
    "rollout_held_pct_targets_north": "share of the month's held-back 5G site-days in the northern region by the operators' announced pace: sites they would build, which their budgets allowed, left unordered (up to one more month of pace) (%; VN; the eight rollout_held_pct_*_north add up to 100, or are all 0 when nothing was held back)",
    "rollout_held_pct_business_case_north": "share of the month's held-back 5G site-days in the northern region by sites the announced pace asked for whose business case lost more than the operator accepts (not ordered) (%; VN)",
    "rollout_held_pct_budget_north": "share of the month's held-back 5G site-days in the northern region by sites the operators' capex budget could not pay for this year (%; VN)",
    "rollout_held_pct_permits_north": "share of the month's held-back 5G site-days in the northern region by sites waiting for permits / site acquisition when the permit came after the kit (the critical path) (%; VN)",
    "rollout_held_pct_equipment_north": "share of the month's held-back 5G site-days in the northern region by sites waiting for their equipment kit's lead time (until the kit is due) when the kit came after the permit (%; VN)",
    "rollout_held_pct_deliveries_north": "share of the month's held-back 5G site-days in the northern region by sites whose kit, already due, waited for the national delivery capacity (supply.deliveries_per_month) when the kit came after the permit (%; VN)",
    "rollout_held_pct_crews_north": "share of the month's held-back 5G site-days in the northern region by sites ready (permit and kit) waiting for an installation crew (%; VN)",
    "rollout_held_pct_plan_north": "share of the month's held-back 5G site-days in the northern region by the operators' plans having no sites left for the pace (%; VN)",
    "rollout_held_pct_targets_central": "share of the month's held-back 5G site-days in the central region by the operators' announced pace: sites they would build, which their budgets allowed, left unordered (up to one more month of pace) (%; VN; the eight rollout_held_pct_*_central add up to 100, or are all 0 when nothing was held back)",
    "rollout_held_pct_business_case_central": "share of the month's held-back 5G site-days in the central region by sites the announced pace asked for whose business case lost more than the operator accepts (not ordered) (%; VN)",
    "rollout_held_pct_budget_central": "share of the month's held-back 5G site-days in the central region by sites the operators' capex budget could not pay for this year (%; VN)",
    "rollout_held_pct_permits_central": "share of the month's held-back 5G site-days in the central region by sites waiting for permits / site acquisition when the permit came after the kit (the critical path) (%; VN)",
    "rollout_held_pct_equipment_central": "share of the month's held-back 5G site-days in the central region by sites waiting for their equipment kit's lead time (until the kit is due) when the kit came after the permit (%; VN)",
    "rollout_held_pct_deliveries_central": "share of the month's held-back 5G site-days in the central region by sites whose kit, already due, waited for the national delivery capacity (supply.deliveries_per_month) when the kit came after the permit (%; VN)",
    "rollout_held_pct_crews_central": "share of the month's held-back 5G site-days in the central region by sites ready (permit and kit) waiting for an installation crew (%; VN)",
    "rollout_held_pct_plan_central": "share of the month's held-back 5G site-days in the central region by the operators' plans having no sites left for the pace (%; VN)",
    "rollout_held_pct_targets_south": "share of the month's held-back 5G site-days in the southern region by the operators' announced pace: sites they would build, which their budgets allowed, left unordered (up to one more month of pace) (%; VN; the eight rollout_held_pct_*_south add up to 100, or are all 0 when nothing was held back)",
    "rollout_held_pct_business_case_south": "share of the month's held-back 5G site-days in the southern region by sites the announced pace asked for whose business case lost more than the operator accepts (not ordered) (%; VN)",
    "rollout_held_pct_budget_south": "share of the month's held-back 5G site-days in the southern region by sites the operators' capex budget could not pay for this year (%; VN)",
    "rollout_held_pct_permits_south": "share of the month's held-back 5G site-days in the southern region by sites waiting for permits / site acquisition when the permit came after the kit (the critical path) (%; VN)",
    "rollout_held_pct_equipment_south": "share of the month's held-back 5G site-days in the southern region by sites waiting for their equipment kit's lead time (until the kit is due) when the kit came after the permit (%; VN)",
    "rollout_held_pct_deliveries_south": "share of the month's held-back 5G site-days in the southern region by sites whose kit, already due, waited for the national delivery capacity (supply.deliveries_per_month) when the kit came after the permit (%; VN)",
    "rollout_held_pct_crews_south": "share of the month's held-back 5G site-days in the southern region by sites ready (permit and kit) waiting for an installation crew (%; VN)",
    "rollout_held_pct_plan_south": "share of the month's held-back 5G site-days in the southern region by the operators' plans having no sites left for the pace (%; VN)",
}
# the three states within each density class, each class's adding up to 100 (CellService.by_density_class): where
# towns stand under 700 MHz's big cells, which the national shares average away (operator capacity trial)
DENSITY_CLASSES = ("urban", "suburban", "rural")  # dxsim.sim.capacity.ENVS (a test holds them equal)
_CLASS_OF_CELL = (
    "the 1 km cell's density class: urban from 1,500 people per km², suburban (towns) from 300, rural below, "
    "DEGURBA's thresholds; dxsim.geo.build"
)
for _env in DENSITY_CLASSES:
    METRICS |= {
        f"pop_5g_served_pct_{_env}": f"share of the {_env} cells' people where 5G serves, as pop_5g_served_pct ({_CLASS_OF_CELL}) (% of the class's people; VN; served + capacity-short + uncovered = 100)",
        f"pop_5g_capacity_short_pct_{_env}": f"share of the {_env} cells' people in 5G coverage but capacity-short at the busy hour ({_CLASS_OF_CELL}) (% of the class's people; VN)",
        f"pop_5g_uncovered_pct_{_env}": f"share of the {_env} cells' people outside 5G coverage ({_CLASS_OF_CELL}) (% of the class's people; VN)",
        f"pop_mbb_served_pct_{_env}": f"share of the {_env} cells' people whose busy-hour traffic 4G or better carries, as pop_mbb_served_pct ({_CLASS_OF_CELL}) (% of the class's people; VN; the three pop_mbb_* of a class add up to 100)",
        f"pop_mbb_capacity_short_pct_{_env}": f"share of the {_env} cells' people in 4G or 5G coverage but capacity-short at the busy hour ({_CLASS_OF_CELL}) (% of the class's people; VN)",
        f"pop_mbb_uncovered_pct_{_env}": f"share of the {_env} cells' people outside both 4G and 5G coverage ({_CLASS_OF_CELL}) (% of the class's people; VN)",
    }

PROGRAMME_COMMITTED_METRIC = "village_programme_committed_vnd_bn_cum"  # 0: the village budget funds nothing


# Per campaign of villages.campaigns (name = the campaign's name; not in METRICS, whose names are fixed)
# the village programme's held-back causes, as dxsim.sim.villages.process.CAUSES (a test holds them equal): importing
# the model here would load SimPy into every command that only reads tables (0.4 s for `dxsim map`)
VILLAGE_HELD_CAUSES = ("budget", "permits", "line_crews", "site_teams", "power", "season", "backhaul")
CAMPAIGN_METRICS: dict[str, str] = {
    "campaign_<name>_villages_left": "villages in the campaign's scope still without signal at month end (villages; VN)",
    "campaign_<name>_surge_capex_vnd_bn": "capex of the campaign's surge measures incurred in the month (VND bn; VN)",
    "campaign_<name>_villages_in_scope": "villages in scope (villages; VN; one row, at the month end on or after the deadline, or the first month end if the deadline precedes the start)",
    "campaign_<name>_villages_done_by_deadline": "villages in scope with signal by the deadline (villages; VN; one row, as above; none when the deadline precedes the start: the run starts after it)",
    "campaign_<name>_villages_left_at_deadline": "villages in scope without signal at the deadline (villages; VN; one row, as above; none when the deadline precedes the start)",
    "campaign_<name>_villages_without_power_at_deadline": "villages in scope without power of any kind (grid, the utility's bridge, off-grid or temporary) at the deadline; 0 for villages with grid power (villages; VN; one row, as above; none when the deadline precedes the start)",
    "campaign_<name>_deadline_met": "1 if every village in scope had signal by the deadline, else 0 (1 = met, 0 = missed; VN; one row, as above; none when the deadline precedes the start)",
    **{
        f"campaign_<name>_held_pct_{cause}": f"share of the month's village-days without signal of the villages the "
        f"campaign claims held back by {cause} (as villages_held_pct_{cause}) (%; VN; the seven add up to 100, or are "
        "all 0 when none of them waits)"
        for cause in VILLAGE_HELD_CAUSES
    },
}
CAMPAIGN_PLACEHOLDER = "campaign_<name>"
# each 5G support programme's own money (Resolution 193 as `resolution_193`, and every `[[supports]]` by its name)
SUPPORT_PROGRAMME_METRICS: dict[str, str] = {
    "support_<name>_paid_cum_vnd_bn": "5G support the programme paid so far, after its window closed (VND bn; VN; "
    "cumulative)",
    "support_<name>_accrued_vnd_bn": "5G support the programme's window earned by the end but pays after the "
    "horizon (as support_accrued_unpaid_vnd_bn, for this programme) (VND bn; VN; 0 before the last month end)",
}
_SUPPORT_PROGRAMME = re.compile(
    r"^support_(?P<name>[a-z0-9_]{1,40})_(?P<what>paid_cum_vnd_bn|accrued_vnd_bn)$"
)
_CAMPAIGN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # as villages.campaigns[].name (dxsim.scenario)


def campaign_metric_key(metric: str) -> str | None:
    """The CAMPAIGN_METRICS key a concrete name matches ('campaign_x_villages_left' -> 'campaign_<name>_villages_left'),
    or None. Campaign names may contain '_', so the longest matching tail wins."""
    best: str | None = None
    for key in CAMPAIGN_METRICS:
        tail = key.removeprefix(CAMPAIGN_PLACEHOLDER)
        head = "campaign_"
        name = metric[len(head) : len(metric) - len(tail)] if len(metric) > len(head) + len(tail) else ""
        if (
            metric.startswith(head)
            and metric.endswith(tail)
            and _CAMPAIGN_NAME.match(name)
            and (best is None or len(tail) > len(best.removeprefix(CAMPAIGN_PLACEHOLDER)))
        ):
            best = key
    return best


def support_programme_metric(metric: str) -> tuple[str, str] | None:
    """(programme name, "paid_cum_vnd_bn" | "accrued_vnd_bn") of a SUPPORT_PROGRAMME_METRICS name, else None."""
    m = _SUPPORT_PROGRAMME.match(metric) if metric not in METRICS else None
    return None if m is None else (m["name"], m["what"])


def metric_description(metric: str) -> str | None:
    """The documented meaning of a metric name: METRICS, or the CAMPAIGN_METRICS or SUPPORT_PROGRAMME_METRICS pattern
    it matches; None if none."""
    if metric in METRICS:
        return METRICS[metric]
    key = campaign_metric_key(metric)
    if key is not None:
        return CAMPAIGN_METRICS[key]
    m = _SUPPORT_PROGRAMME.match(metric)
    return None if m is None else SUPPORT_PROGRAMME_METRICS[f"support_<name>_{m['what']}"]


def metric_unit(metric: str) -> str | None:
    """The unit of a documented metric: the first item of the last parenthesis of its description."""
    desc = metric_description(metric)
    groups = re.findall(r"\(([^()]*)\)", desc or "")
    return groups[-1].split(";")[0].strip() if groups else None
