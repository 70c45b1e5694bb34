"""Month-end village metrics of one replication (called by the model's Monitor).

Metric meanings (documented in the README, section on metrics):

- ``villages_connected``: villages of the layer whose site is on air and whose link carries their busy-hour
  demand (served: each busy-hour user gets the required Mbps, issue 12): a portable BTS's link, or from its day the
  permanent site's that follows a campaign;
- ``villages_capacity_short``: villages whose site is on air but whose link cannot carry that demand (they have
  signal, not service); connected + capacity-short + without signal = the layer;
- ``villages_without_signal``: villages of the layer still without signal (the rest);
- ``villages_unconnected``: villages of the no-power subset still without signal (the reported
  "villages without electricity and mobile signal", 117 at 2025-10-31);
- ``villages_without_power``: villages of the no-power subset with neither grid nor bridge, off-grid or
  temporary power yet;
- ``villages_on_bridge_power``: villages on the utility's bridge (a campaign's ``power_bridge``) whose own power
  (the grid line, or an off-grid village's system with its site) has not yet come;
- ``villages_with_power``: villages of the layer with power of any kind (with-power villages from day 0);
- ``villages_started``, ``village_pop_connected``;
- ``villages_over_year_budget``: villages not started that only the programme budget can start and whose cost
  exceeds the whole budget of every year left (they never start: a village's cost is committed in one year);
- ``village_capex_vnd_bn``: capex recognised in the month: a village's chosen option when its (permanent) site
  goes on air, plus the surge measures of campaigns incurred in the month (``village_surge_capex_vnd_bn``;
  committed to the ledger as they are incurred, see dxsim.sim.villages.process), whoever pays;
- ``village_programme_committed_vnd_bn_cum``: money committed against the programme budget since the start
  (villages the programme starts, and funded campaigns' works and surges); 0 when campaigns the utility and
  operators pay hold every village, so that the budget cannot bind;
- ``villages_held_pct_<cause>``: share of the month's village-days without signal held by each
  cause (dxsim.sim.villages.process); they add up to 100 when a village waits, else all 0;
- per campaign ``campaign_<name>_held_pct_<cause>``: the same shares over the month's village-days of the villages
  the campaign claims (a province's campaign is held by its own causes, not the country's);
- per campaign ``campaign_<name>_villages_left`` (in scope, no signal yet) and
  ``campaign_<name>_surge_capex_vnd_bn`` monthly; once, at the month end on or after the deadline
  (the first month end if the deadline precedes the start): ``campaign_<name>_villages_in_scope``, and,
  unless the deadline precedes the start, ``_villages_done_by_deadline``, ``_villages_left_at_deadline``,
  ``_villages_without_power_at_deadline`` (in scope, no power of any kind by the deadline) and
  ``_deadline_met`` (1 or 0). A deadline before the start is not judged: the start state is the network after
  it (the layer's villages without signal at the start), so "0 done by the deadline, missed" was the input
  restated as if the run had found it.
"""

from __future__ import annotations

import numpy as np

from dxsim.sim.villages.process import CAUSES, VillageProgramme


def _done(days: np.ndarray, day: float) -> np.ndarray:
    """Done by `day` (a NaN day, not yet, compares False: no separate NaN mask)."""
    return days <= day


def village_month_metrics(
    vp: VillageProgramme, n_prov: int, day: float
) -> tuple[dict[str, float], dict[str, np.ndarray], np.ndarray]:
    """National values, by-province arrays and the villages whose site came on air this month."""
    v = vp.v
    prev = vp._last_month_day
    held_prev = vp._last_held
    prov, power_at_start = v.province_idx, v.has_power_at_start
    assert prov is not None and power_at_start is not None  # VillageInputs.__post_init__
    signal = _done(vp.signal_day, day)
    new = signal & ~_done(vp.signal_day, prev) if np.isfinite(prev) else signal  # their sites switch on
    # the option's capex when its permanent site is on air (a portable unit's is the campaign's surge capex)
    built = _done(vp.permanent_day, day)
    built_now = built & ~_done(vp.permanent_day, prev) if np.isfinite(prev) else built
    powered = _done(vp.power_day, day)
    on_bridge = _done(vp.bridge_day, day) & ~_done(vp.bridge_off_day, day)
    served = _done(
        vp.served_day, day
    )  # on a link that carries the busy hour: a portable's, or the permanent's
    short = signal & ~served
    no_power_subset = ~power_at_start
    base_capex = np.where(built_now, v.capex_vnd_bn, 0.0)
    totals, surge = vp.book_surge(
        prev if np.isfinite(prev) else -np.inf, day
    )  # also commits it to the ledger
    national: dict[str, float] = {}
    for c, total in zip(v.campaigns, totals, strict=True):
        national[f"campaign_{c.name}_villages_left"] = float((c.in_scope & ~signal).sum())
        national[f"campaign_{c.name}_surge_capex_vnd_bn"] = total
        if c.deadline_day <= day and (not np.isfinite(prev) or c.deadline_day > prev):
            scope = int(c.in_scope.sum())
            national[f"campaign_{c.name}_villages_in_scope"] = float(scope)
            if c.deadline_day < 0:  # before the start: the start state is after it, the run cannot judge it
                continue
            done = int((c.in_scope & _done(vp.signal_day, c.deadline_day)).sum())
            national[f"campaign_{c.name}_villages_done_by_deadline"] = float(done)
            national[f"campaign_{c.name}_villages_left_at_deadline"] = float(scope - done)
            national[f"campaign_{c.name}_villages_without_power_at_deadline"] = float(
                (c.in_scope & ~_done(vp.power_day, c.deadline_day)).sum()
            )
            national[f"campaign_{c.name}_deadline_met"] = float(done == scope)
    held = vp.held_days(day)
    month = held - held_prev
    tot = float(month.sum())
    for j, cause in enumerate(CAUSES):
        national[f"villages_held_pct_{cause}"] = 100.0 * float(month[j]) / tot if tot > 1e-9 else 0.0
    by_camp = vp.held_days_by_campaign
    camp_month = by_camp - (vp._last_held_camp if vp._last_held_camp is not None else 0.0)
    for k, c in enumerate(v.campaigns):
        tot_k = float(camp_month[k].sum())
        for j, cause in enumerate(CAUSES):
            national[f"campaign_{c.name}_held_pct_{cause}"] = (
                100.0 * float(camp_month[k, j]) / tot_k if tot_k > 1e-9 else 0.0
            )
    vp._last_month_day, vp._last_held, vp._last_held_camp = day, held, by_camp

    def by(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(prov[mask], weights=w, minlength=n_prov).astype(float)

    capex = base_capex + surge
    provinces = {
        "villages_connected": by(served),
        "villages_capacity_short": by(short),
        "villages_unconnected": by(no_power_subset & ~signal),
        "village_pop_connected": by(served, v.population),
        "village_capex_vnd_bn": np.bincount(prov, weights=capex, minlength=n_prov).astype(float),
        "villages_without_power": by(no_power_subset & ~powered),
        "villages_on_bridge_power": by(on_bridge),
        "villages_without_signal": by(~signal),
    }
    national.update(
        {
            "villages_connected": float(served.sum()),
            "villages_capacity_short": float(short.sum()),
            "villages_unconnected": float((no_power_subset & ~signal).sum()),
            "village_pop_connected": float(v.population[served].sum()),
            "village_pop_capacity_short": float(v.population[short].sum()),
            "village_capex_vnd_bn": float(capex.sum()),
            "village_surge_capex_vnd_bn": float(surge.sum()),
            "village_programme_committed_vnd_bn_cum": vp.programme_committed_vnd_bn(),
            "villages_with_power": float(powered.sum()),
            "villages_started": float(_done(vp.started_day, day).sum()),
            "villages_over_year_budget": float(vp.over_year_budget(day)),
            "villages_without_power": float((no_power_subset & ~powered).sum()),
            "villages_on_bridge_power": float(on_bridge.sum()),
            "villages_without_signal": float((~signal).sum()),
        }
    )
    return national, provinces, np.flatnonzero(new)
