"""Notes on operators' commitments to support programmes that cannot change anything (notes, never errors).

Why: a planner who commits VNPT to a programme the operators can never surge for (surges switched off, no
station threshold, a programme for new sites only, or Resolution 193 set to pay nothing) got "ok" and a run identical
to the one without the commitment (operator trial, 2026-12-06).
"""

from __future__ import annotations

from collections.abc import Collection

from dxsim.i18n import gettext as _
from dxsim.scenario.schema import Scenario
from dxsim.scenario.sections.operators import RESOLUTION_193_NAME


def idle_commitments(sc: Scenario, set_by_files: Collection[str]) -> list[str]:
    """One note per commitment of the operators in `set_by_files` (those whose committed_to the scenario's files set;
    a default commitment is not the planner's to explain) that changes nothing, or is named twice."""
    by_name = {p.name: p for p in sc.supports}
    lines: list[str] = []
    for op_name, op in sc.operators.items():
        if op_name not in set_by_files:
            continue
        seen: set[str] = set()
        for name in op.committed_to:
            why = None
            if name in seen:
                lines.append(
                    _("operators.{operator}.committed_to names {name} twice; once is enough").format(
                        operator=op_name, name=repr(name)
                    )
                )
                continue
            if not sc.surge.enabled:
                why = _("operators never surge in this scenario (surge.enabled = false)")
            elif name == RESOLUTION_193_NAME:
                sub = sc.subsidy
                if sub.equipment_share_pct <= 0 or sub.fund_vnd_bn <= 0:
                    why = _(
                        "Resolution 193 pays nothing here (subsidy.equipment_share_pct or subsidy.fund_vnd_bn is 0)"
                    )
                elif sub.min_stations_per_operator <= 0:
                    why = _(
                        "it has no station threshold to surge for (subsidy.min_stations_per_operator = 0)"
                    )
            elif name in by_name:
                p = by_name[name]
                if p.fund_vnd_bn <= 0:
                    why = _("the programme has no fund (fund_vnd_bn = 0): it pays nothing")
                elif p.min_stations_per_operator <= 0:
                    why = _(
                        "the programme has no station threshold to surge for (min_stations_per_operator = 0)"
                    )
                elif p.site_kind == "new":
                    why = _(
                        "the programme pays only new sites (site_kind = 'new'), and a surge upgrades 4G sites"
                    )
            seen.add(name)
            if why is not None:
                lines.append(
                    _(
                        "operators.{operator}.committed_to names {name}: {why}; the commitment changes nothing"
                    ).format(operator=op_name, name=repr(name), why=why)
                )
    return lines
