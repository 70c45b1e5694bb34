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

5G support (Resolution 193/2025/QH15, Decree 88/2025 terms, the envelope's own money)
    Resolution 193 stays as enacted (`subsidy`: its window, its fund from the 2024 auction
    proceeds). The envelope's 5G money of the years after the enacted window becomes one further
    support programme, `supports` item ENVELOPE_SUPPORT_NAME, on the Decree's terms
    (`subsidy.equipment_share_pct` of each station's equipment cost, `subsidy.min_stations_per_operator`
    stations per operator in its window) for stations accepted from 1 January of the first such year
    (or the day after the enacted window, if later) to 31 December of the last, its fund the sum of
    that money. 5G money of a year the enacted window still covers tops up `subsidy.fund_vnd_bn`.
    Like every programme, it pays once, after its window closes (a window closing after the horizon
    pays nothing within it: "earned but paid after the horizon").

    Why not extend the enacted window, as dxsim did until December 2026: the extension opened the enacted
    12,697 bn fund to every station accepted up to the envelope's last year, so 1 bn of envelope money
    (or a line typed 2035 for 2025) bought ~10,750 bn of support, and options that "spend the same
    envelope" spent 0 to 25,000 bn of public money (a Ministry of Finance trial).

Idempotence: when the scenario has a `budget` section, the returned copy has
`budget.enabled = false` (the envelope is now folded into the programmes), so a second
`apply_envelope(result)` is a no-op. An envelope that is missing or disabled returns the scenario
object itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dxsim.scenario.sections.budget import BudgetEnvelope

__all__ = ["ENVELOPE_SUPPORT_NAME", "apply_envelope", "envelope_allocation", "envelope_support"]

ENVELOPE_SUPPORT_NAME = "budget_envelope_5g"  # the `supports` programme the envelope's 5G money becomes


def _budget_for(table: dict[int, float], year: int) -> float:
    """The village programme's rule: listed year, else the last listed earlier year, else 0."""
    if year in table:
        return float(table[year])
    earlier = [y for y in table if y <= year]
    return float(table[max(earlier)]) if earlier else 0.0


def envelope_support(subsidy: dict[str, Any], money_by_year: dict[int, float]) -> dict[str, Any]:
    """The support programme (a `supports` item, as a dict) that the envelope's 5G money of the given years (all after
    the enacted window's year) buys: Resolution 193's terms, the years' window, their money as its fund."""
    first = max(dt.date(min(money_by_year), 1, 1), subsidy["window_end"] + dt.timedelta(days=1))
    return {
        "name": ENVELOPE_SUPPORT_NAME,
        "equipment_share_pct": float(subsidy["equipment_share_pct"]),
        "min_stations_per_operator": int(subsidy["min_stations_per_operator"]),
        "window_start": first,
        "window_end": dt.date(max(money_by_year), 12, 31),
        "fund_vnd_bn": float(sum(money_by_year.values())),
    }


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

    # 5G: money of years the enacted window covers tops up its fund; later years' money is a programme of its own
    sub = data["subsidy"]
    five_g = {y: env.amount("five_g_subsidy", y) for y in years}
    enacted_end: dt.date = sub["window_end"]
    within = sum(v for y, v in five_g.items() if dt.date(y, 12, 31) <= enacted_end)
    later = {y: v for y, v in five_g.items() if dt.date(y, 12, 31) > enacted_end and v > 0}
    if within > 0:
        sub["fund_vnd_bn"] = float(sub["fund_vnd_bn"]) + within
    if later:
        data["supports"] = [*data.get("supports", []), envelope_support(sub, later)]

    if has_field:
        data["budget"] = env.model_dump()
        data["budget"]["enabled"] = False  # folded: applying again is a no-op
    return cls.model_validate(data)
