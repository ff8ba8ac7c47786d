"""Energy arithmetic: which meter readings count as a transaction's energy, in Wh."""

from __future__ import annotations

import math

__all__ = ["ENERGY_REGISTER", "delivered_wh", "register_wh"]

#: The measurand whose readings give a transaction's energy.
ENERGY_REGISTER = "Energy.Active.Import.Register"
#: Wh per unit of the units an energy register reading may come in.
_WH_PER_UNIT = {"Wh": 1.0, "kWh": 1000.0}


def register_wh(measurand: str, phase: str, unit: str, value: str) -> float | None:
    """The reading in Wh if it is a total energy register reading, else None.

    Counts: measurand Energy.Active.Import.Register, no phase, unit Wh or kWh, a finite
    numeric value. Which contexts count is the caller's (1.6 leaves out Transaction.Begin,
    whose value is the meterStart; 2.0.1 has no meterStart and counts it).
    """
    scale = _WH_PER_UNIT.get(unit)
    if measurand != ENERGY_REGISTER or phase or scale is None:
        return None
    try:
        reading = float(value)
    except ValueError:
        return None
    if not math.isfinite(reading):
        return None
    return reading * scale


def delivered_wh(meter_start: int, meter_stop: int | None, last_energy_wh: float | None) -> float:
    """Energy delivered by a transaction (Wh): final once stopped (``meter_stop``), else
    from its latest register reading; 0 before any reading."""
    if meter_stop is not None:
        return float(meter_stop - meter_start)
    if last_energy_wh:
        return last_energy_wh - meter_start
    return 0.0
