"""How an operator decides what to order: pace, business case, budget, and the surge for support.

Pure functions over arrays, so every rule can be checked by hand (tests/test_operator_decision.py);
dxsim.sim.rollout calls them each month for each operator.

- **Pace (soft target).** The operator spreads what is left of its announced yearly plan over the
  months left in the year. In the start year only the part of the year after the start counts. The
  plans count stations on air (`target_counts`), so the year and its months are those of the day its
  orders are planned on air, one expected order-to-air time ahead (dxsim.sim.rollout._plan_months).
- **Business case.** A site pays when what it earns over the payback period covers its capex and
  opex: people it newly serves x the operator's subscriber share x take-up x ARPU x 12 x years,
  plus any support it would earn, against capex + opex x years. Toward its announced plan a
  (state-owned) operator accepts a loss up to `accepted_loss_vnd_bn_per_site`; sites losing more
  are skipped (they stay in the plan; support or a better case may bring them in later).
- **Budget.** Capex is phased evenly: a month's orders stop where their capex exceeds what the
  operator can still commit this year divided by the months left in it (unspent money rolls into
  the next months of the year). A surge may draw on the whole of what is left.
- **Surge.** A programme with a station threshold and a deadline: at its last chance to make the
  deadline by the fast path (upgrading its own 4G sites with kits from stock and contract crews),
  an operator short of the threshold surges if the threshold is within reach (enough sites to
  upgrade, stock, crews, and budget unless it committed to the programme: a committed operator
  finances the surge as an investment of its own, outside the year's budget that paces its ordinary
  build, and draws on the kits it procured for its commitment as well as the shared stock) and the support it would earn exceeds the cost of hurrying
  (a premium per surge site plus the loss on surge sites with a negative business case; an operator that
  committed does not weigh this: it keeps its promise whenever its plan, kits and crews can reach); the support
  counts at the share of its claims the fund would pay, the other qualifying operators' claims included
  (pro rata when the claims exceed the fund). It orders
  what it lacks plus enough for the surge sites that would still miss the deadline (surge_size).
  Before its last chance it waits; past the deadline, or out of reach, it does not surge. A last chance
  that fell before the run's start is taken at the run's first decision, on the share of sites still in
  time: from an observed start the operator's earlier choice is unknown, not a refusal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dxsim.delay import Z90
from dxsim.scenario.sections.operators import BusinessCase
from dxsim.sim.support import pro_rata_share

VND_K_TO_BN = 1e3 / 1e9


def revenue_vnd_bn(people_served: np.ndarray, subscriber_share_pct: float, bc: BusinessCase) -> np.ndarray:
    """What a site earns its operator over the payback period (VND bn)."""
    per_person = subscriber_share_pct / 100.0 * bc.take_up_pct / 100.0 * bc.arpu_vnd_k_per_month * VND_K_TO_BN
    return people_served * per_person * 12.0 * bc.payback_years


def site_npv_vnd_bn(
    people_served: np.ndarray,
    capex_vnd_bn: np.ndarray,
    subscriber_share_pct: float,
    bc: BusinessCase,
    support_vnd_bn: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Revenue + support - capex - opex over the payback period (undiscounted, VND bn)."""
    npv_vnd_bn: np.ndarray = (
        revenue_vnd_bn(people_served, subscriber_share_pct, bc)
        + support_vnd_bn
        - capex_vnd_bn
        - bc.opex_vnd_bn_per_site_year * bc.payback_years
    )
    return npv_vnd_bn


def monthly_pace(target: float, ordered_this_year: int, months_left: float, this_month: float = 1.0) -> int:
    """Sites to order in this round to keep pace with the year's plan: what is left of it, spread over the months
    left in the year, of which this round's month counts `this_month` (the share of it still ahead: 1 at a month
    start). Why the share: a run starting on 31 October ordered a third of the year's last two months on its first
    day and another third the next day, counting October as a month left (modelling audit)."""
    share = max(this_month, 1e-9)
    return max(0, math.ceil((target - ordered_this_year) * share / max(months_left, share) - 1e-9))


@dataclass
class Orders:
    """One operator's orders in one month, and what held them back (counts of sites)."""

    picked: np.ndarray  # plan indices, in the operator's own order
    held_business_case: int = 0  # the pace asked for sites whose business case is negative
    held_budget: int = 0
    held_plan: int = 0  # the pace asked for more sites than the plan has left
    spare: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )  # profitable, affordable, beyond pace


def choose_orders(
    remaining: np.ndarray,
    npv_vnd_bn: np.ndarray,
    capex_vnd_bn: np.ndarray,
    pace: int,
    available_vnd_bn: float,
    spare_cap: int = 0,
    accepted_loss_vnd_bn: float = 0.0,
) -> Orders:
    """Pick this month's sites from the operator's remaining plan (in its own order).

    `npv_vnd_bn` and `capex_vnd_bn` align with `remaining`. The first `pace` sites whose business
    case loses no more than `accepted_loss_vnd_bn` are wanted; the budget cuts the tail. `spare` are
    the next such sites the budget would still allow beyond the pace (at most `spare_cap`): a larger
    announced plan would have ordered them, so the rollout counts them as held back by the target.
    """
    held_plan = max(0, pace - remaining.size)
    ok = np.flatnonzero(npv_vnd_bn >= -accepted_loss_vnd_bn)
    want = ok[:pace]
    held_business_case = min(pace, remaining.size) - want.size
    cum = np.cumsum(capex_vnd_bn[want])
    n = int(np.searchsorted(cum, available_vnd_bn + 1e-9, side="right"))
    held_budget = want.size - n
    spent = float(cum[n - 1]) if n else 0.0
    spare = np.zeros(0, dtype=np.int64)
    if spare_cap > 0 and held_budget == 0:
        beyond = ok[pace : pace + spare_cap]
        cum2 = np.cumsum(capex_vnd_bn[beyond])
        spare = remaining[beyond[: int(np.searchsorted(cum2, available_vnd_bn - spent + 1e-9, side="right"))]]
    return Orders(remaining[want[:n]], held_business_case, held_budget, held_plan, spare)


@dataclass
class SurgeCase:
    """The facts an operator weighs for one threshold programme at one monthly decision."""

    day: float
    deadline_day: float  # first day after the window
    next_decision_day: float
    fast_path_days: float  # order to on air by the fast path, 90th percentile
    margin_days: float
    threshold: int
    counted: float  # stations already counting or projected to count by the deadline
    candidates: int  # its own 4G sites it could still upgrade (eligible kind)
    stock_kits: int
    # of its next upgrades in its own order, how many the crews of their regions (with contract crews) can finish
    # before the deadline (Rollout._crew_reach)
    crew_sites: float
    budget_vnd_bn: float
    cost_per_site_vnd_bn: float  # capex + surge premium of a surge site
    support_per_station_vnd_bn: float
    premium_vnd_bn: float
    loss_vnd_bn: float  # sum of the negative business cases of the surge sites (>= 0)
    on_time_share: float = (
        1.0  # share of surge sites on air before the deadline (dxsim.delay.share_within_days)
    )
    fund_vnd_bn: float = math.inf  # the programme's fund: claims beyond it are cut pro rata
    others_claims_vnd_bn: float = 0.0  # the other operators' claims projected to qualify by the deadline
    # committed to the programme (Operator.committed_to): the budget is not a limit, and the support's worth is not
    # weighed: it surges whenever its plan, kits and crews can reach the threshold. Why: the commitment is a task the
    # Government set and checks (MoST's letter of 22/12/2025 found Viettel "completed the task", vnexpress.net
    # 2025-12-25); weighed on the support alone, Viettel dropped its 2025 race in 3 of 10 baseline replications,
    # those whose surge premium drew above ~0.22 bn a station, an assumption with no public figure (2026-12-06)
    committed: bool = False
    # the run's first decision round: a last chance that fell before the run's start is not "too late" yet (the
    # operator's decision lies in history the run does not see), it decides now on the share still in time
    first_round: bool = False
    # crew_sites as the crews would see it at the next decision round: fewer days are left then. An operator waits
    # for a later round only while that round's crews still reach what it lacks (surge_decision)
    crew_sites_next: float = math.inf

    def fund_share(self, need: int) -> float:
        """Share of its claims the fund would pay if the operator reached the threshold with `need` more stations."""
        own = self.support_per_station_vnd_bn * (self.counted + need)
        return pro_rata_share(self.fund_vnd_bn, own + self.others_claims_vnd_bn)


SURGE_CONFIDENCE_Z = Z90  # the 90th percentile, as the fast path is planned


def surge_size(need: int, on_time_share: float) -> int:
    """Surge sites to order so that at least `need` are on air by the deadline at the 90th percentile.

    Each surge site makes the deadline with probability q = `on_time_share`, independently, so of n sites
    n q are in time on average with variance n q (1 - q); the smallest n with n q - z90 sqrt(n q (1 - q)) >= need
    (normal approximation to the binomial) is the square of the positive root of q x^2 - b x - need = 0,
    b = z90 sqrt(q (1 - q)). Why: ordering exactly what it lacked, with one in ten sites late, Viettel surged
    7,457 sites for Resolution 193 moved to 2026-06-30, 438 came on air after it, and it ended 85 short of
    20,000 with the premium spent and no support."""
    if need <= 0:
        return 0
    if on_time_share >= 1.0:
        return need
    if on_time_share <= 0.0:
        raise ValueError("no surge site can make the deadline (on_time_share 0): too late, not a size")
    q = on_time_share
    b = SURGE_CONFIDENCE_Z * math.sqrt(q * (1.0 - q))
    x = (b + math.sqrt(b * b + 4.0 * q * need)) / (2.0 * q)
    return max(need, math.ceil(x * x - 1e-9))


def surge_decision(c: SurgeCase) -> tuple[str, int]:
    """('surge', n) or (reason, 0): wait, qualifies, too_late, out_of_reach_<what>, not_worth.

    It waits while a later round is still in time: the fast path makes the deadline from it, and its crews
    (`crew_sites_next`) can still build what it lacks, grossed up as today's surge would be.

    n is what it lacks grossed up for the surge sites that would miss the deadline (surge_size), and the reach
    (plan, stock, crews, budget unless committed) and the premium are weighed on those n; a committed operator whose
    plan, kits and crews cover what it lacks but not that margin orders what they allow."""
    latest = c.deadline_day - c.fast_path_days - c.margin_days
    need = math.ceil(c.threshold - c.counted)
    if need <= 0:  # before too_late: an operator past its last chance that reaches the threshold qualifies
        return "qualifies", 0
    if c.day > latest and not c.first_round:
        return "too_late", 0
    # the last chance is the last round from which both the fast path and the crews still make the deadline: the fast
    # path alone put it a round too late when the permits were quicker (halved upgrade permits moved Viettel's
    # Resolution 193 surge from 1 November to 1 December, whose crews could build only part of it, and it ended
    # 14,813 stations short in 2 of 10 replications: lever audit, 2026-12-07)
    if c.next_decision_day <= latest and c.crew_sites_next >= surge_size(need, c.on_time_share or 1.0):
        return "wait", 0
    if c.on_time_share <= 0.0:
        return "too_late", 0
    n = surge_size(need, c.on_time_share)
    reach = min(c.candidates, c.stock_kits, math.floor(c.crew_sites))
    if c.committed and need <= reach < n:
        # a committed operator orders what its plan, kits and crews allow when the margin for late sites is beyond
        # them: its promise, not the odds, decides. Why: with no new kit deliveries, Viettel held the 13,386 kits it
        # had imported for Resolution 193, exactly what it lacked, and installed none ("too few kits": lever trial)
        n = reach
    if c.candidates < n:
        return "out_of_reach_plan", 0
    if c.stock_kits < n:
        return "out_of_reach_equipment", 0
    if c.crew_sites < n:
        return "out_of_reach_crews", 0
    if not c.committed and c.budget_vnd_bn < n * c.cost_per_site_vnd_bn:
        return "out_of_reach_budget", 0
    if c.committed:  # its promise to the Government, not the support's worth, decides (SurgeCase.committed)
        return "surge", n
    gain = c.support_per_station_vnd_bn * (c.counted + need) * c.fund_share(need)
    if gain <= n * c.premium_vnd_bn + c.loss_vnd_bn:
        return "not_worth", 0
    return "surge", n
