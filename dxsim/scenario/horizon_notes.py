"""Dated inputs that a run's horizon cannot judge or reach: said by `dxsim validate` and `dxsim run`.

Why: a budget envelope line typed 2035 for 2025, a GPU order dated after the horizon's end, or a campaign deadline
after it validated "ok"; the run then spent nothing of that money, never saw those GPUs, or could not say whether the
deadline was met, and only the campaign got a word (finance and provincial trials).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dxsim.i18n import N_
from dxsim.i18n import gettext as _
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.villages_campaigns import default_campaigns


ORDER_BEFORE_START = N_(
    "compute.gpus.{field}.order_date = {date}: before the start {start}: those of these {n} GPUs delivered by the "
    "start are part of the start fleet, and of the base of the KPIs measured against it (the month the fleet reaches "
    "15x)"
)
ORDER_AFTER_END = N_(
    "compute.gpus.{field}.order_date = {date}: after the horizon's end {end}: the run never receives these {n} GPUs"
)


def campaigns_past_horizon(
    campaigns: list[Any], end_date: dt.date, start_date: dt.date | None = None
) -> list[str]:
    """A warning per campaign whose deadline falls after the horizon's end: the run has no month end on or after it,
    so it cannot say whether the deadline is met or how many villages are left at it. A Lai Châu campaign due
    2028-06-30 in a run to 2027-06-30 got no deadline row at all, and the KPI table, report and summary said so
    nowhere: a planner could read its silence as "on track". A campaign launched after the horizon's end works none
    of its villages in the run (its deadline is later still): one line says that instead (it validated and ran
    silently, and compare still gave it a "permits bind" line; provincial planner trial).

    With `start_date`, a planner's campaign (not one of the 2025 campaigns of the data) due on or before the start gets
    a line too: the run cannot judge that deadline, and a campaign whose whole launch window has passed starts with
    every village in works (in_progress_at_start); one launched 2025-01-01 and due 2025-06-30 ran silently, its
    deadline rows simply absent (provincial planner trial)."""
    lines = []
    history = default_campaigns()
    for c in campaigns:
        if start_date is not None and c.deadline <= start_date and c not in history:
            window_passed = c.in_progress_at_start and (c.deadline_at_launch or c.deadline) <= start_date
            lines.append(
                (
                    _(
                        "warning: campaign {name}: deadline {deadline} is on or before the start {start}: the run "
                        "cannot say whether it was met, and with its whole window before the start it takes every one "
                        "of its villages as in works at the start (in_progress_at_start)"
                    )
                    if window_passed
                    else _(
                        "warning: campaign {name}: deadline {deadline} is on or before the start {start}: the run "
                        "cannot say whether it was met"
                    )
                ).format(name=c.name, deadline=c.deadline.isoformat(), start=start_date.isoformat())
            )
            continue
        if c.launched > end_date:
            lines.append(
                _(
                    "warning: campaign {name}: launched {launched}, after the horizon's end {end}: the run works none "
                    "of its villages (set horizon.end_date after its deadline {deadline}, or launch it earlier)"
                ).format(
                    name=c.name,
                    launched=c.launched.isoformat(),
                    end=end_date.isoformat(),
                    deadline=c.deadline.isoformat(),
                )
            )
        elif c.deadline > end_date:
            lines.append(
                _(
                    "warning: campaign {name}: deadline {deadline} is after the horizon's end {end}: the run cannot "
                    "say whether it is met or how many villages are left at it (set horizon.end_date on or after it)"
                ).format(name=c.name, deadline=c.deadline.isoformat(), end=end_date.isoformat())
            )
    return lines


def unreached_inputs(sc: Scenario) -> list[str]:
    """A note per budget-envelope year outside the horizon and per GPU order placed after its end (what the run
    spends or receives nothing of) or before its start (part of the start fleet), as `field = value: why`."""
    start, end = sc.horizon.start_date, sc.horizon.end_date
    lines: list[str] = []
    if sc.budget.enabled:
        for year, total in sorted(sc.budget.total_vnd_bn.items()):
            if year < start.year or year > end.year:
                lines.append(
                    _(
                        "budget.total_vnd_bn.{year} = {total}: the year lies outside the horizon ({start} to {end}): "
                        "the run spends none of it (a 5G support window after the horizon pays after it)"
                    ).format(year=year, total=f"{total:g}", start=start.isoformat(), end=end.isoformat())
                )
    gpus = sc.compute.gpus
    if sc.compute.enabled:
        # state data-centre money buys a phase on 1 January of its year: a year outside the horizon buys nothing in
        # the run, and public_investment_vnd_bn.2040 in a run to 2030 validated "ok" (data-centre trial)
        for year, vnd_bn in sorted(sc.compute.datacentres.public_investment_vnd_bn.items()):
            if vnd_bn > 0 and (year < start.year or year > end.year):
                lines.append(
                    _(
                        "compute.datacentres.public_investment_vnd_bn.{year} = {total}: the year lies outside the "
                        "horizon ({start} to {end}): the run commits none of it"
                    ).format(year=year, total=f"{vnd_bn:g}", start=start.isoformat(), end=end.isoformat())
                )
        for i, order in enumerate(gpus.all_orders):
            if start <= order.order_date <= end:
                continue
            # before the start they joined the start fleet without a word, and the "15x the start fleet" month moved
            # with them (data-centre trial)
            said = ORDER_BEFORE_START if order.order_date < start else ORDER_AFTER_END
            lines.append(
                _(said).format(
                    field=gpus.order_field(i),
                    date=order.order_date.isoformat(),
                    start=start.isoformat(),
                    end=end.isoformat(),
                    n=order.gpus,
                )
            )
    return lines
