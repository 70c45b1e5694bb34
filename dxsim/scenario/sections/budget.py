"""Scenario section `budget`: one national envelope of public money split across programmes.

Options that move money between the 5G subsidy, the remote-village programme and state data
centres are only comparable if they spend the same total. The envelope states that total per
calendar year and the split in percent; :func:`dxsim.scenario.envelope.apply_envelope` turns
it into the three programmes' own levers (see that module for the exact rule):

- `five_g_subsidy`  -> a 5G support programme on Resolution 193's terms for the envelope's years after the
                       enacted window (`supports` item `budget_envelope_5g`, its fund the envelope's 5G money);
- `villages`        -> `villages.programme.budget_vnd_bn[year]`;
- `compute_public`  -> `compute.datacentres.public_investment_vnd_bn[year]`.

`enabled = false` (the default) leaves the scenario exactly as written.

TOML::

    [budget]
    enabled = true
    total_vnd_bn = { 2026 = 6000, 2027 = 6000, 2028 = 6000, 2029 = 6000 }

    [budget.share_pct]
    five_g_subsidy = 40
    villages = 20
    compute_public = 40
"""

from __future__ import annotations

from pydantic import Field, model_validator

from dxsim.i18n import gettext as _
from dxsim.scenario.fields import StrictModel, VndBnPerYear, Year, param

_SPLIT_SOURCE = (
    "dxsim placeholder (no split of a national envelope is enacted; only used when budget.enabled)"
)
SHARE_TOLERANCE_PCT = 0.01


class EnvelopeShares(StrictModel):
    """Split of each year's envelope between the three public programmes (percent, summing to 100)."""

    five_g_subsidy: float = param(
        40.0,
        unit="% of the envelope",
        ge=0,
        le=100,
        description="Share for 5G support: a programme on Resolution 193's terms (share of equipment cost, "
        "station threshold) for stations accepted in the envelope's years after the enacted window, paid from this "
        "money only (`supports` item budget_envelope_5g, paid after its window closes); money of a year the enacted "
        "window covers tops up subsidy.fund_vnd_bn.",
        source=_SPLIT_SOURCE,
    )
    villages: float = param(
        20.0,
        unit="% of the envelope",
        ge=0,
        le=100,
        description="Share for the remote-village programme (becomes villages.programme.budget_vnd_bn of the year).",
        source=_SPLIT_SOURCE,
    )
    compute_public: float = param(
        40.0,
        unit="% of the envelope",
        ge=0,
        le=100,
        description="Share for state data-centre investment (becomes compute.datacentres.public_investment_vnd_bn "
        "of the year).",
        source=_SPLIT_SOURCE,
    )

    def fraction(self, programme: str) -> float:
        return float(getattr(self, programme)) / 100.0


class BudgetEnvelope(StrictModel):
    """A shared national budget envelope split across the 5G subsidy, villages and state compute."""

    enabled: bool = param(
        False,
        unit="-",
        description="Split total_vnd_bn across the programmes (false: the programmes' own budgets apply unchanged).",
        source="dxsim convention",
    )
    total_vnd_bn: dict[Year, VndBnPerYear] = param(
        {},
        unit="VND bn per calendar year",
        description="Public money of the envelope in each listed year; within these years the envelope replaces the "
        "village budget and the state data-centre investment, and tops up the 5G subsidy fund. Years not listed: "
        "the scenario's own values apply.",
        source="planner input (no national envelope is enacted)",
    )
    share_pct: EnvelopeShares = Field(
        default_factory=EnvelopeShares,
        description="Split of each year's envelope between the programmes (percent, summing to 100).",
        json_schema_extra={"x-unit": "% of the envelope", "x-source": _SPLIT_SOURCE},
    )

    @model_validator(mode="after")
    def _consistent(self) -> BudgetEnvelope:
        for year, v in self.total_vnd_bn.items():
            if not 2020 <= year <= 2100:
                raise ValueError(
                    _("{field}: year {year} out of range 2020..2100").format(field="total_vnd_bn", year=year)
                )
            if v < 0:
                raise ValueError(
                    _("{field}: value for {year} must be >= 0, got {value}").format(
                        field="total_vnd_bn", year=year, value=v
                    )
                )
        if self.enabled and not self.total_vnd_bn:
            raise ValueError(_("total_vnd_bn must list at least one year when enabled = true"))
        sh = self.share_pct
        total = sh.five_g_subsidy + sh.villages + sh.compute_public
        # checked only when the envelope is used: a disabled envelope is inert, whatever its shares
        if self.enabled and abs(total - 100.0) > SHARE_TOLERANCE_PCT:
            raise ValueError(
                _(
                    "share_pct: five_g_subsidy + villages + compute_public must sum to 100, got {total}"
                ).format(total=f"{total:g}")
            )
        self.__dict__["total_vnd_bn"] = dict(sorted(self.total_vnd_bn.items()))
        return self

    def amount(self, programme: str, year: int) -> float:
        """VND bn of a programme (five_g_subsidy, villages, compute_public) in a listed year (0 otherwise)."""
        return float(self.total_vnd_bn.get(year, 0.0)) * self.share_pct.fraction(programme)
