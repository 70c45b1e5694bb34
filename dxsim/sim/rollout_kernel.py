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

The sites a pass visits are scattered over plan-wide arrays (200k sites) that the monthly coverage and service
passes push out of the cache, so each visit is a few cache misses; the passes ask for the arrays of the site
`AHEAD` visits later first (dxsim.radio.coverage.prefetch), so the misses overlap (a hint only: no result changes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dxsim.jit import njit
from dxsim.radio.coverage import prefetch

# array types of the kernels' signatures (for type checkers; numba types the arguments it is called with)
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Flags = NDArray[np.bool_]
Ints = NDArray[np.integer[Any]]  # the plan's small integer columns (region, operator), any integer width
AHEAD = 8  # prefetch distance (sites) of the passes that visit scattered sites of the plan-wide arrays


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
def argsort_stable(keys: F64 | I64) -> I64:
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
def deliver(
    day: float,
    week_end: float,
    cap_base: float,
    carry: float,
    kit_wait: I64,
    kit_due: F64,
    kit_free: Flags,
    delivered: F64,
    permit_done: F64,
    region_idx: Ints,
    team_days: F64,
) -> tuple[I64, F64, Flags, I64, F64, I64, F64, float]:
    """Vendors deliver the kits due by `week_end` (Rollout._deliver): stock and pre-start kits all, factory kits
    first due first (ties in plan order) up to the week's capacity `cap_base` + `carry`.

    `kit_due` / `kit_free`: each waiting kit's due day and whether it uses no factory capacity (from stock, or due
    before the start), aligned with `kit_wait`. Sets `delivered` of the kits taken; returns (kit_wait left, its
    kit_due, its kit_free, the sites taken in plan order, their ready day (permit and kit), region and team-days,
    carry): the waiting lists carry what the weekly passes read, so they do not gather it from the plan-wide
    arrays (scattered reads of a few thousand sites, out of cache by the next week) each week.
    """
    n = kit_wait.size
    free = np.empty(n, np.int64)  # positions in kit_wait
    paid = np.empty(n, np.int64)
    n_free = 0
    n_paid = 0
    for j in range(n):
        due = kit_due[j]
        if due <= week_end:
            if kit_free[j]:
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
            due_paid[m] = kit_due[paid[m]]
        first = argsort_stable(due_paid)[:k]
        for m in first:
            taken[paid[m]] = True
    n_take = n_free + k
    left = np.empty(n - n_take, np.int64)
    left_due = np.empty(n - n_take)
    left_free = np.empty(n - n_take, np.bool_)
    take = np.empty(n_take, np.int64)
    take_ready = np.empty(n_take)
    take_region = np.empty(n_take, np.int64)
    take_work = np.empty(n_take)
    a = 0
    b = 0
    for j in range(n):
        if taken[j]:
            take[b] = j  # positions first, sites below
            b += 1
        else:
            left[a] = kit_wait[j]
            left_due[a] = kit_due[j]
            left_free[a] = kit_free[j]
            a += 1
    for b in range(n_take):
        if b + AHEAD < n_take:
            q = kit_wait[take[b + AHEAD]]
            prefetch(delivered, q)
            prefetch(permit_done, q)
            prefetch(region_idx, q)
            prefetch(team_days, q)
        j = take[b]
        s = kit_wait[j]
        due = kit_due[j]
        got = due if due < 0 else _nmax(due, day)
        delivered[s] = got
        take[b] = s
        take_ready[b] = _fmax(permit_done[s], got)
        take_region[b] = region_idx[s]
        take_work[b] = team_days[s]
    return left, left_due, left_free, take, take_ready, take_region, take_work, carry


@njit(cache=True)
def place(
    picked: I64,
    k: int,
    day: float,
    lead: F64,
    permit_days: F64,
    ordered: Flags,
    operator: Ints,
    order_day: F64,
    permit_done: F64,
    equipment_due: F64,
    surge: Flags,
    kit_wait: I64,
    kit_due: F64,
    kit_free: Flags,
) -> tuple[I64, F64, Flags]:
    """Order the sites `picked` for operator k on `day` (Rollout._place): set their state (permit done after their
    own permit days, kit due after `lead`, aligned with `picked`) and add them to the kits waiting (ascending, with
    each kit's due day and whether it needs no factory capacity: from stock or due before the start).

    Returns the new (kit_wait, kit_due, kit_free).
    """
    n = picked.size
    for i in range(n):
        if i + AHEAD < n:
            q = picked[i + AHEAD]
            prefetch(ordered, q)
            prefetch(operator, q)
            prefetch(order_day, q)
            prefetch(permit_days, q)
            prefetch(permit_done, q)
            prefetch(equipment_due, q)
            prefetch(surge, q)
        s = picked[i]
        ordered[s] = True
        operator[s] = k
        order_day[s] = day
        permit_done[s] = day + permit_days[s]
        equipment_due[s] = day + lead[i]
    new = picked[argsort_stable(picked)]
    m = kit_wait.size + n
    out = np.empty(m, np.int64)
    out_due = np.empty(m)
    out_free = np.empty(m, np.bool_)
    i = 0
    j = 0
    for t in range(m):
        if j >= n or (i < kit_wait.size and kit_wait[i] < new[j]):
            out[t] = kit_wait[i]
            out_due[t] = kit_due[i]
            out_free[t] = kit_free[i]
            i += 1
        else:
            s = new[j]
            due = equipment_due[s]
            out[t] = s
            out_due[t] = due
            out_free[t] = surge[s] or due < 0
            j += 1
    return out, out_due, out_free


@njit(cache=True)
def merge_sorted(
    a: I64, a_ready: F64, a_region: I64, a_work: F64, b: I64, b_ready: F64, b_region: I64, b_work: F64
) -> tuple[I64, F64, I64, F64]:
    """The union of two ascending arrays of sites with no common element, ascending, with each site's ready day,
    region and team-days."""
    n = a.size + b.size
    out = np.empty(n, np.int64)
    ready = np.empty(n)
    region = np.empty(n, np.int64)
    work = np.empty(n)
    i = 0
    j = 0
    for m in range(n):
        if j >= b.size or (i < a.size and a[i] < b[j]):
            out[m] = a[i]
            ready[m] = a_ready[i]
            region[m] = a_region[i]
            work[m] = a_work[i]
            i += 1
        else:
            out[m] = b[j]
            ready[m] = b_ready[j]
            region[m] = b_region[j]
            work[m] = b_work[j]
            j += 1
    return out, ready, region, work


@njit(cache=True)
def install(
    day: float,
    week_end: float,
    crew_wait: I64,
    crew_ready: F64,
    crew_region: I64,
    crew_work: F64,
    rate: F64,
    slow: F64,
    busy_until: F64,
    on_air: F64,
    crew_start: F64,
    served: I64,
    served_work: F64,
    served_count: I64,
) -> tuple[I64, F64, I64, F64]:
    """Each region's crews take the sites ready (permit and kit) before `week_end` (Rollout._install/_serve).

    `crew_ready` / `crew_region` / `crew_work`: each waiting site's ready day (np.fmax of its permit and delivery
    days), region and team-days, aligned with `crew_wait`. Fluid server per region: sites in order of readiness
    (ties in plan order), t_i = max(t_{i-1}, ready_i) + work_i / rate as s_i + running max of (ready_i - s_{i-1})
    with s the running sum of work / rate; a site whose crew starts before `week_end` is committed (on air, crew
    start day). Writes the committed sites of region r, in service order, to `served` (their team-days to
    `served_work`) after those of the regions before it and their count to `served_count[r]`. Returns the sites
    still waiting for a crew and their ready day, region and team-days (the inputs themselves if none was ready).
    """
    n = crew_wait.size
    n_regions = rate.size
    ready_all = crew_ready
    any_ready = False
    for j in range(n):
        if ready_all[j] < week_end:
            any_ready = True
            break
    mine = np.empty(n, np.int64)
    done = np.zeros(n, np.bool_)
    n_served = 0
    for r in range(n_regions):
        served_count[r] = 0
        if rate[r] <= 0:
            continue
        m = 0
        for j in range(n):
            if ready_all[j] < week_end and crew_region[j] == r:
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
            if q + AHEAD < m:
                ahead = crew_wait[mine[order[q + AHEAD]]]
                prefetch(on_air, ahead)
                prefetch(crew_start, ahead)
            pos = mine[order[q]]
            site = crew_wait[pos]
            own_ready = own[order[q]]
            ready = _nmax(own_ready, start)
            work = crew_work[pos]
            step = work / rate[r]
            s_run = step if q == 0 else s_prev + step
            gap = ready - s_prev
            run_max = gap if q == 0 else _nmax(run_max, gap)
            t_finish = s_run + run_max
            s_prev = s_run
            if t_finish - step < week_end:  # the crew starts it this week: commit
                on = _nmax(t_finish, own_ready + work / slow[r])
                on_air[site] = on
                # its team starts one duration before on air, but not before this pass took it: a site held over
                # a week by a saturated pool (on air just after this pass) waited for a crew until now. On air
                # alone put 64 sites of the central pool in the 2025 surge 5-7 days before the pass that took
                # them, so a month end counted them awaiting a crew while their timeline said under construction
                crew_start[site] = _nmax(on - work / slow[r], day)
                served[n_served + count] = site
                served_work[n_served + count] = work
                done[pos] = True
                count += 1
                last_finish = t_finish
        if count:
            busy_until[r] = last_finish
        served_count[r] = count
        n_served += count
    if not any_ready:
        return crew_wait, crew_ready, crew_region, crew_work
    a = n - n_served
    left = np.empty(a, np.int64)
    left_ready = np.empty(a)
    left_region = np.empty(a, np.int64)
    left_work = np.empty(a)
    a = 0
    for j in range(n):
        if not done[j]:  # the sites committed now are the only ones of crew_wait on air
            left[a] = crew_wait[j]
            left_ready[a] = crew_ready[j]
            left_region[a] = crew_region[j]
            left_work[a] = crew_work[j]
            a += 1
    return left, left_ready, left_region, left_work


@njit(cache=True)
def held_delays(
    a: float,
    b: float,
    live: I64,
    order_day: F64,
    permit_done: F64,
    equipment_due: F64,
    delivered: F64,
    crew_start: F64,
    region_idx: Ints,
    permits: F64,
    equipment: F64,
    deliveries: F64,
    crews: F64,
) -> None:
    """Site-days in [a, b) held by permits, kit lead time (`equipment`), kit delivery capacity (`deliveries`) and
    crews per region (Rollout.held_site_days), added to the four arrays in site order.

    A live site (ordered before b, not on air before a: `live`, ascending) waits from its order to ready on
    whichever of permit and kit comes last, then from ready to a crew starting it; a kit not yet delivered is
    due at max(b, due day), a crew not yet started starts at b. A site without an order day is skipped.
    When the kit comes last, the wait is split where the kit would have come had the vendors had capacity for it
    (its due day, or the permit if later): before it, the lead time (or the permit, if later) held the site;
    after it, the national delivery capacity did. So a lead-time problem and a capacity problem are told apart.
    """
    n = live.size
    for t in range(n):
        if t + AHEAD < n:
            q = live[t + AHEAD]
            prefetch(order_day, q)
            prefetch(permit_done, q)
            prefetch(equipment_due, q)
            prefetch(delivered, q)
            prefetch(crew_start, q)
            prefetch(region_idx, q)
        i = live[t]
        order = order_day[i]
        if math.isnan(order):
            continue
        r = region_idx[i]
        permit = permit_done[i]
        kit = _nmax(b, equipment_due[i]) if math.isnan(delivered[i]) else delivered[i]
        ready = _nmax(permit, kit)
        crew = b if math.isnan(crew_start[i]) else crew_start[i]
        lo = _nmax(order, a)
        hi = _nmin(ready, b)
        if permit >= kit:
            permits[r] += _nmax(hi - lo, 0.0)
        else:
            due = equipment_due[i]
            on_time = _nmax(due, permit)  # ready, had the kit come when due
            early = _nmax(_nmin(on_time, hi) - lo, 0.0)
            if due >= permit:
                equipment[r] += early
            else:
                permits[r] += early
            deliveries[r] += _nmax(hi - _nmax(on_time, lo), 0.0)
        crews[r] += _nmax(_nmin(crew, b) - _nmax(ready, a), 0.0)


@njit(cache=True)
def order_window(
    rest: I64,
    rest_ptr: int,
    passing: I64,
    passing_ptr: int,
    ordered: Flags,
    npv: F64,
    floor: float,
    pace: int,
    want: int,
) -> tuple[I64, int, int]:
    """The sites of an operator's remaining plan its month's orders read (Rollout._order_window): the first `pace`
    unordered sites of `rest`, then the unordered sites of `passing` (those of `rest` with npv >= floor, in the same
    order) after them, up to the `want`-th passing site overall.

    `rest_ptr` / `passing_ptr`: positions before which every site is ordered (sites once ordered stay ordered);
    returns (sites, rest_ptr, passing_ptr) with both moved past the ordered sites at the front.
    """
    while rest_ptr < rest.size and ordered[rest[rest_ptr]]:
        rest_ptr += 1
    while passing_ptr < passing.size and ordered[passing[passing_ptr]]:
        passing_ptr += 1
    out = np.empty(max(pace, 0) + max(want, 0), np.int64)
    m = 0
    n_pass_head = 0  # passing sites among the first `pace`
    j = rest_ptr
    while m < pace and j < rest.size:
        s = rest[j]
        j += 1
        if not ordered[s]:
            out[m] = s
            m += 1
            if npv[s] >= floor:
                n_pass_head += 1
    skip = n_pass_head  # the passing list meets those first, in the same order
    extra = want - n_pass_head
    q = passing_ptr
    while extra > 0 and q < passing.size:
        s = passing[q]
        q += 1
        if ordered[s]:
            continue
        if skip > 0:
            skip -= 1
            continue
        out[m] = s
        m += 1
        extra -= 1
    return out[:m], rest_ptr, passing_ptr


@njit(cache=True)
def counted(
    sites: I64,
    eligible: Flags,
    ordered: Flags,
    on_air: F64,
    permit_done: F64,
    equipment_due: F64,
    delivered: F64,
    team_days: F64,
    claim: F64,
    region: I64,
    first: float,
    end: float,
    projected: I64,
    projected_claims: F64,
) -> tuple[int, float]:
    """(built, their claims) among the ordered `sites` the programme supports (`eligible`: of its kind and in its
    provinces) for a support programme (Rollout._projection): on air in [first, end); and, added per region into
    `projected` and `projected_claims` (one slot per region, `region` per plan site), those not on air yet whose
    ready day (np.fmax of permit, kit due and delivery) + team-days falls in [first, end); `claim` is what each site
    would claim (VND bn, per plan site). One pass instead of a dozen array temporaries over the operator's sites."""
    built = 0
    claims = 0.0
    for s in sites:
        if not ordered[s] or not eligible[s]:
            continue
        on = on_air[s]
        if math.isnan(on):
            due = _fmax(permit_done[s], _fmax(equipment_due[s], delivered[s])) + team_days[s]
            if due >= first and due < end:
                projected[region[s]] += 1
                projected_claims[region[s]] += claim[s]
        elif on >= 0 and on >= first and on < end:
            built += 1
            claims += claim[s]
    return built, claims


@njit(cache=True)
def splice(head: I64, front: I64, rest: I64, marked: Flags) -> I64:
    """np.concatenate([head, front, rest[~marked[rest]]]) in one pass, without the mask and filtered temporaries.

    Why: an operator's queue is re-spliced when sites are brought forward (Rollout.bring_forward, yearly, on queues
    of ~60,000 sites, four times a call) and filtered of the sites ordered since (Rollout.remaining)."""
    out = np.empty(head.size + front.size + rest.size, dtype=np.int64)
    m = 0
    for s in head:
        out[m] = s
        m += 1
    for s in front:
        out[m] = s
        m += 1
    for s in rest:
        if not marked[s]:
            out[m] = s
            m += 1
    return out[:m]
