"""Synthetic tank levels for the fuel-event tests and benchmark: a vehicle's day of fixes every
30 s, burning fuel while it drives, read through a noisy sensor (Gaussian jitter plus sloshing
spikes) at positions with GPS-like jitter; optionally a refuel and a drain at chosen fixes."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from maintenance.fuel_events import LevelFix

FIX_S = 30
FIXES_PER_DAY = 24 * 3600 // FIX_S
NOISE_SIGMA_L = 2.0  # the sensor's jitter
SPIKE_SHARE = 0.03  # readings thrown off by sloshing…
SPIKE_L = (5.0, 15.0)  # …by this much, either way
BURN_L_PER_H = 15.0  # while driving
GPS_JITTER_M = 8.0


@dataclass(frozen=True)
class Step:
    at: int  # the first fix of the change
    litres: float  # + refuel, - drain
    fixes: int = 3  # spread over this many fixes


def day_of_levels(
    seed: int,
    *,
    fixes: int = FIXES_PER_DAY,
    start_l: float = 150.0,
    steps: tuple[Step, ...] = (),
    origin: tuple[float, float] = (106.84, 10.95),
) -> list[LevelFix]:
    """One vehicle's fixes: driving and stopping in spells of 10–60 minutes."""
    rng = random.Random(seed)
    true_level, lon, lat = start_l, origin[0], origin[1]
    heading = rng.uniform(0, 2 * math.pi)
    moving, spell_left = False, 0
    out = []
    t0 = 1_764_547_200.0  # 2025-12-01 00:00 UTC
    for i in range(fixes):
        if spell_left <= 0:
            moving, spell_left = not moving, rng.randint(20, 120)
        spell_left -= 1
        if moving:
            true_level -= BURN_L_PER_H * FIX_S / 3600
            heading += rng.gauss(0, 0.2)
            metres = rng.uniform(200, 450)
            lon += metres * math.cos(heading) / (111_320 * math.cos(math.radians(lat)))
            lat += metres * math.sin(heading) / 111_320
        for step in steps:
            if step.at <= i < step.at + step.fixes:
                true_level += step.litres / step.fixes
        reading = true_level + rng.gauss(0, NOISE_SIGMA_L)
        if rng.random() < SPIKE_SHARE:
            reading += rng.choice((-1, 1)) * rng.uniform(*SPIKE_L)
        jitter = GPS_JITTER_M / 111_320
        out.append(
            LevelFix(
                t0 + i * FIX_S,
                lon + rng.gauss(0, jitter),
                lat + rng.gauss(0, jitter),
                max(reading, 0.0),
            )
        )
    return out
