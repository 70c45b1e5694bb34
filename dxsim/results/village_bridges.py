"""The utility's generator bridges of a run's village campaigns, in words (`dxsim run` and the report).

Its own module, reading only the village table: the report must not load the model (`dxsim.sim`), which
`dxsim.results.villages` does for its dates.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _


def bridged_villages_lines(villages: pl.DataFrame) -> list[str]:
    """Per campaign, the villages the utility bridged with a generator (replication 0's `power_bridge_date`), when,
    and what the bridges cost (`power_bridge_cost_vnd_bn`, part of the campaign's surge capex).

    Why: the baseline's no-power campaign showed 55 bn VND of surge capex, though it declares no surge measure, and
    nothing said it was 110 generator bridges; the report never named them (trial of power_bridge)."""
    if not {"campaign", "power_bridge_date", "power_bridge_cost_vnd_bn"} <= set(villages.columns):
        return []
    out = []
    camp = villages.filter(pl.col("campaign").is_not_null())
    for (name,), grp in camp.group_by("campaign", maintain_order=True):
        bridged = grp.filter(pl.col("power_bridge_date").is_not_null())
        if bridged.height == 0:
            continue
        dates = bridged["power_bridge_date"]
        first, last = F.month(_as_date(dates.min())), F.month(_as_date(dates.max()))
        # one month is said as one: "from 6/2026 to 6/2026" (provincial trial)
        when = (
            _("in {month}").format(month=first)
            if first == last
            else _("from {first} to {last}").format(first=first, last=last)
        )
        out.append(
            _(
                "campaign {name}: the utility powered {n} of its {total} villages with a generator bridge until their "
                "own power came (power_bridge), {when}: {cost} bn VND of its surge capex (replication 0)"
            ).format(
                name=name,
                n=F.number(bridged.height, 0),
                total=F.number(grp.height, 0),
                when=when,
                cost=F.number(float(bridged["power_bridge_cost_vnd_bn"].sum()), 1),
            )
        )
    return out


def _as_date(v: object) -> dt.date | None:
    """A polars Date scalar (min / max of a column) as a date, None when empty."""
    return v if isinstance(v, dt.date) else None
