"""The radio defaults are data: geodata/radio_*.csv give every default link budget its hardware and environment."""

from __future__ import annotations

import csv
import math

import pytest

from dxsim.paths import fact_table
from dxsim.radio.link_budget import DEFAULT_BUDGETS
from dxsim.scenario.constants import ENVIRONMENTS, SUPPORTED_BANDS_MHZ


def test_default_budget_tables_are_data_with_a_source_per_row() -> None:
    """The hardware and environment defaults come from the fact tables (geodata/radio_*.csv), one source per row,
    and every supported band and environment has a budget built from them (tx power: watts -> dBm by hand)."""
    hw = list(csv.DictReader(open(fact_table("radio_hardware.csv"), encoding="utf-8")))
    env = list(csv.DictReader(open(fact_table("radio_environments.csv"), encoding="utf-8")))
    assert hw and env and all(r["source"].strip() for r in hw + env)
    assert {int(r["band_mhz"]) for r in hw} == set(SUPPORTED_BANDS_MHZ)
    assert {r["environment"] for r in env} >= set(ENVIRONMENTS)
    for r in hw:
        envs = ["small_cell"] if r["site"] == "small_cell" else list(ENVIRONMENTS)
        for e in envs:
            b = DEFAULT_BUDGETS[(r["tech"], int(r["band_mhz"]), e)]
            assert b.tx_power_dbm == pytest.approx(10 * math.log10(float(r["tx_power_w"]) * 1000), abs=1e-12)
            assert b.cable_loss_db == float(r["cable_loss_db"]) and r["source"] in b.source
