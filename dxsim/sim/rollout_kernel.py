"""Compiled weekly works and held-back attribution of the 5G rollout (`dxsim.sim.rollout`).

Why compiled: every week the vendors deliver kits and each region's crews take the ready sites; as numpy
that was ~40 small-array calls a week (np.delete / np.insert / np.r_, argsorts, fancy indexing of a few
hundred sites), and each month's held-back attribution built a dozen temporaries over the live sites.
Over 270 weeks (790 to 2040) those calls, not the arithmetic, cost the time. The loops here do the same
arithmetic in the same order as the numpy they replace (a running sum, a running max, sums per region in
site order, stable sorts), so every on-air day and held site-day is bit for bit what numpy gave;
tests/test_rollout.py and tests/test_golden.py check the rollout. The one reduction numpy does pairwise
(the team-days a region's crews commit in a week) is left to numpy by the caller.

NaN rules follow numpy: ``np.maximum``/``np.minimum`` propagate a NaN (:func:`_nmax`, :func:`_nmin`),
``np.fmax`` ignores one (:func:`_fmax`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _nmax(x: float, y: float) -> float:
    """np.maximum of two floats (a NaN wins)."""
    if math.isnan(x) or math.isnan(y):
        return math.nan
    return x if x >= y else y


@njit(cache=True, inline="always")
def _nmin(x: float, y: float) -> float:
    """np.minimum of two floats (a NaN wins)."""
    if math.isnan(x) or math.isnan(y):
        return math.nan
    return x if x <= y else y


@njit(cache=True, inline="always")
def _fmax(x: float, y: float) -> float:
    """np.fmax of two floats (a NaN loses)."""
    if math.isnan(x):
        return y
    if math.isnan(y):
        return x
    return x if x >= y else y


@njit(cache=True)
def argsort_stable(keys):
    """np.argsort(keys, kind="stable") for keys without NaN: a bottom-up merge sort (a stable order is unique;
    numba's own sorts take seconds to compile, this a fraction)."""
    n = keys.size
    idx = np.arange(n)
    tmp = np.empty(n, np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j = lo, mid
            for m in range(lo, hi):
                if j < hi and (i >= mid or keys[idx[j]] < keys[idx[i]]):  # the left one first on ties: stable
                    tmp[m] = idx[j]
                    j += 1
                else:
                    tmp[m] = idx[i]
                    i += 1
        idx, tmp = tmp, idx
        width *= 2
    return idx


@njit(cache=True)
def deliver(day, week_end, cap_base, carry, kit_wait, equipment_due, surge, delivered):
    """Vendors deliver the kits due by `week_end` (Rollout._deliver): stock and pre-start kits all, factory kits
    first due first (ties in plan order) up to the week's capacity `cap_base` + `carry`.

    Sets `delivered` of the kits taken; returns (kit_wait left, kits taken in plan order, carry).
    """
    n = kit_wait.size
    free = np.empty(n, np.int64)  # positions in kit_wait
    paid = np.empty(n, np.int64)
    n_free = 0
    n_paid = 0
    for j in range(n):
        s = kit_wait[j]
        due = equipment_due[s]
        if due <= week_end:
            if surge[s] or due < 0:
                free[n_free] = j
                n_free += 1
            else:
                paid[n_paid] = j
                n_paid += 1
    if n_paid == 0:
        carry = 0.0
        k = 0
    else:
        cap = cap_base + carry
        k = min(n_paid, int(math.floor(cap)))
        carry = cap - k if n_paid > k else 0.0
    taken = np.zeros(n, np.bool_)
    for j in free[:n_free]:
        taken[j] = True
    if k > 0:
        due_paid = np.empty(n_paid)
        for m in range(n_paid):
            due_paid[m] = equipment_due[kit_wait[paid[m]]]
        first = argsort_stable(due_paid)[:k]
        for m in first:
            taken[paid[m]] = True
    n_take = n_free + k
    left = np.empty(n - n_take, np.int64)
    take = np.empty(n_take, np.int64)
    a = 0
    b = 0
    for j in range(n):
        s = kit_wait[j]
        if taken[j]:
            due = equipment_due[s]
            delivered[s] = due if due < 0 else _nmax(due, day)
            take[b] = s
            b += 1
        else:
            left[a] = s
            a += 1
    return left, take, carry


@njit(cache=True)
def merge_sorted(a, b):
    """The union of two ascending arrays with no common element, ascending."""
    out = np.empty(a.size + b.size, np.int64)
    i = 0
    j = 0
    for m in range(out.size):
        if j >= b.size or (i < a.size and a[i] < b[j]):
            out[m] = a[i]
            i += 1
        else:
            out[m] = b[j]
            j += 1
    return out


@njit(cache=True)
def install(day, week_end, crew_wait, permit_done, delivered, region_idx, team_days, rate, slow, busy_until,
            on_air, crew_start, served, served_count):
    """Each region's crews take the sites ready (permit and kit) before `week_end` (Rollout._install/_serve).

    Fluid server per region: sites in order of readiness (ties in plan order), t_i = max(t_{i-1}, ready_i)
    + work_i / rate as s_i + running max of (ready_i - s_{i-1}) with s the running sum of work / rate; a site
    whose crew starts before `week_end` is committed (on air, crew start day). Writes the committed sites of
    region r, in service order, to `served` after those of the regions before it and their count to
    `served_count[r]`. Returns the sites still waiting for a crew (all of `crew_wait` if none was ready).
    """
    n = crew_wait.size
    n_regions = rate.size
    ready_all = np.empty(n)
    any_ready = False
    for j in range(n):
        s = crew_wait[j]
        ready_all[j] = _fmax(permit_done[s], delivered[s])
        if ready_all[j] < week_end:
            any_ready = True
    mine = np.empty(n, np.int64)
    n_served = 0
    for r in range(n_regions):
        served_count[r] = 0
        if rate[r] <= 0:
            continue
        m = 0
        for j in range(n):
            if ready_all[j] < week_end and region_idx[crew_wait[j]] == r:
                mine[m] = j
                m += 1
        if m == 0:
            if day > busy_until[r]:  # max(busy_until, day)
                busy_until[r] = day
            continue
        own = np.empty(m)
        for q in range(m):
            own[q] = ready_all[mine[q]]
        order = argsort_stable(own)
        start = busy_until[r] if busy_until[r] > day else day  # max(day, busy_until)
        s_prev = 0.0
        s_run = 0.0
        run_max = 0.0
        last_finish = 0.0
        count = 0
        for q in range(m):
            site = crew_wait[mine[order[q]]]
            own_ready = own[order[q]]
            ready = _nmax(own_ready, start)
            work = team_days[site]
            step = work / rate[r]
            s_run = step if q == 0 else s_prev + step
            gap = ready - s_prev
            run_max = gap if q == 0 else _nmax(run_max, gap)
            t_finish = s_run + run_max
            s_prev = s_run
            if t_finish - step < week_end:  # the crew starts it this week: commit
                on = _nmax(t_finish, own_ready + work / slow[r])
                on_air[site] = on
                crew_start[site] = on - work / slow[r]
                served[n_served + count] = site
                count += 1
                last_finish = t_finish
        if count:
            busy_until[r] = last_finish
        served_count[r] = count
        n_served += count
    if not any_ready:
        return crew_wait
    left = np.empty(n, np.int64)
    a = 0
    for j in range(n):
        if math.isnan(on_air[crew_wait[j]]):
            left[a] = crew_wait[j]
            a += 1
    return left[:a]


@njit(cache=True)
def held_delays(a, b, live, order_day, permit_done, equipment_due, delivered, crew_start, region_idx,
                permits, equipment, crews):
    """Site-days in [a, b) held by permits, equipment and crews per region (Rollout.held_site_days), added to
    the three arrays in site order.

    A live site (ordered before b, not on air before a: `live`, ascending) waits from its order to ready on
    whichever of permit and kit comes last, then from ready to a crew starting it; a kit not yet delivered is
    due at max(b, due day), a crew not yet started starts at b. A site without an order day is skipped.
    """
    for i in live:
        order = order_day[i]
        if math.isnan(order):
            continue
        r = region_idx[i]
        permit = permit_done[i]
        kit = _nmax(b, equipment_due[i]) if math.isnan(delivered[i]) else delivered[i]
        ready = _nmax(permit, kit)
        crew = b if math.isnan(crew_start[i]) else crew_start[i]
        wait_front = _nmax(_nmin(ready, b) - _nmax(order, a), 0.0)
        if permit >= kit:
            permits[r] += wait_front
            equipment[r] += 0.0
        else:
            permits[r] += 0.0
            equipment[r] += wait_front
        crews[r] += _nmax(_nmin(crew, b) - _nmax(ready, a), 0.0)
