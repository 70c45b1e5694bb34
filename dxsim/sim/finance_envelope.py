"""Fold a national budget envelope (scenario section `budget`) into the programmes' own levers.

:func:`apply_envelope` is pure: it returns a validated copy of the scenario and never touches
the input. The rule, for each year y listed in `budget.total_vnd_bn` (T[y]) with shares
s5 (five_g_subsidy), sv (villages), sc (compute_public) in percent:

Villages
    `villages.programme.budget_vnd_bn[y] = T[y] * sv / 100` (replaces the scenario's value of y).
    The programme's own rule "years after the last listed repeat its value" must not carry the
    envelope's money beyond it, so every year between the first envelope year and the year after
    the last one that is neither in the envelope nor listed by the scenario is written out with
    the value the scenario's own rule gave it (gaps and the year after the envelope keep the
    scenario's budget).

State data centres
    `compute.datacentres.public_investment_vnd_bn[y] = T[y] * sc / 100` (replaces y; unlisted
    years are 0 there anyway, so nothing leaks).

5G subsidy (Resolution 193/2025/QH15, Decree 88/2025)
    The model pays the support once, the day after `subsidy.window_end`, for stations accepted in
    the window, capped by `subsidy.fund_vnd_bn`. The envelope therefore
    - adds sum_y T[y] * s5 / 100 to `subsidy.fund_vnd_bn` (the enacted fund, the 2024 auction
      proceeds, stays: it is not new money), and
    - extends `subsidy.window_end` to 31 December of the last envelope year with 5G money > 0
      (never shortens it); `window_start`, the equipment share and the station threshold are kept.
    Consequences a planner must know: the support (enacted part included) is paid only after the
    extended window closes, i.e. on 1 January after the envelope's last 5G year, and reaches the
    operators' capex budgets from that year on (a window closing on the horizon's last day pays
    at the very end; beyond the horizon it pays nothing within it). Support never exceeds
    `equipment_share_pct` of the eligible stations' equipment cost, so money above that stays
    unspent (raise `subsidy.equipment_share_pct` to let it buy more).

Idempotence: when the scenario has a `budget` section, the returned copy has
`budget.enabled = false` (the envelope is now folded into the programmes), so a second
`apply_envelope(result)` is a no-op. An envelope that is missing or disabled returns the scenario
object itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dxsim.scenario.sections.budget import BudgetEnvelope

__all__ = ["apply_envelope", "envelope_allocation"]


def _budget_for(table: dict[int, float], year: int) -> float:
    """The village programme's rule: listed year, else the last listed earlier year, else 0."""
    if year in table:
        return float(table[year])
    earlier = [y for y in table if y <= year]
    return float(table[max(earlier)]) if earlier else 0.0


def envelope_allocation(envelope: BudgetEnvelope) -> dict[int, dict[str, float]]:
    """Year -> {five_g_subsidy, villages, compute_public} in VND bn (for reports and tests)."""
    return {
        y: {p: envelope.amount(p, y) for p in ("five_g_subsidy", "villages", "compute_public")}
        for y in envelope.total_vnd_bn
    }


def apply_envelope(scenario: Any, envelope: BudgetEnvelope | None = None) -> Any:
    """A copy of `scenario` with the envelope split into subsidy, village and state-DC money.

    `envelope` defaults to `scenario.budget` (when the root Scenario has that field). Disabled or
    absent: `scenario` is returned unchanged (the same object).
    """
    env = envelope if envelope is not None else getattr(scenario, "budget", None)
    if env is None or not env.enabled or not env.total_vnd_bn:
        return scenario
    if not isinstance(env, BudgetEnvelope):
        env = BudgetEnvelope.model_validate(env.model_dump() if hasattr(env, "model_dump") else env)
    cls = type(scenario)
    has_field = "budget" in cls.model_fields
    data: dict[str, Any] = scenario.model_dump()
    if not has_field:
        data.pop("budget", None)
    years = sorted(env.total_vnd_bn)

    # villages: replace the envelope years; pin gaps and the year after so the money does not repeat
    prog = data["villages"]["programme"]
    own = {int(y): float(v) for y, v in prog["budget_vnd_bn"].items()}
    new = dict(own)
    for y in years:
        new[y] = env.amount("villages", y)
    for y in range(years[0], years[-1] + 2):
        if y not in new:
            new[y] = _budget_for(own, y)
    prog["budget_vnd_bn"] = dict(sorted(new.items()))

    # state data centres: listed years only
    dc = data["compute"]["datacentres"]
    pub = {int(y): float(v) for y, v in dc["public_investment_vnd_bn"].items()}
    for y in years:
        pub[y] = env.amount("compute_public", y)
    dc["public_investment_vnd_bn"] = dict(sorted(pub.items()))

    # 5G subsidy: top up the fund, extend the window over the envelope's 5G years
    sub = data["subsidy"]
    five_g = {y: env.amount("five_g_subsidy", y) for y in years}
    paid_years = [y for y, v in five_g.items() if v > 0]
    if paid_years:
        sub["fund_vnd_bn"] = float(sub["fund_vnd_bn"]) + sum(five_g.values())
        sub["window_end"] = max(sub["window_end"], dt.date(max(paid_years), 12, 31))

    if has_field:
        data["budget"] = env.model_dump()
        data["budget"]["enabled"] = False  # folded: applying again is a no-op
    return cls.model_validate(data)
