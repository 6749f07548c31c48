"""Refuels and sudden drops (possible drains) in a vehicle's tank level, from its positions.

Pure: fixes in, events out. A tank sensor is noisy (fuel sloshes, the float bounces, readings
jump), so no single reading is trusted: the level before and after each fix is the median of
``WINDOW_FIXES`` readings on that side, and a step is a run of fixes where those two medians
differ by at least the threshold. The event sits where the level (lightly smoothed) crosses the
midpoint between the two medians: the first fix of a sudden step, the middle of a slow one.
A fall must also beat what the engine could have burnt between the two windows
(``BURN_ALLOWANCE_L_PER_H``), so hours of silence on the road never read as a drain.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

WINDOW_FIXES = 9  # readings each side whose median is the level before / after a fix
REFUEL_MIN_L = 15.0  # a rise at least this large is a refuel
DRAIN_MIN_L = 15.0  # a fall at least this large (beyond what driving burns) is a possible drain
BURN_ALLOWANCE_L_PER_H = 40.0  # the most a heavy vehicle burns in an hour, allowed for falls
MIN_SIDE_FIXES = 3  # at a series' ends, a side needs at least this many readings

REFUEL, DRAIN = "refuel", "drain"


@dataclass(frozen=True, slots=True)
class LevelFix:
    t: float  # epoch seconds
    lon: float
    lat: float
    fuel_l: float


@dataclass(frozen=True, slots=True)
class FuelEventFound:
    kind: str  # refuel | drain
    index: int  # the fix where it happened
    t: float
    lon: float
    lat: float
    litres: float  # always positive
    before_l: float
    after_l: float


def detect(fixes: Sequence[LevelFix]) -> list[FuelEventFound]:
    """The refuels and drains in one vehicle's fixes (in time order, each with a level)."""
    n = len(fixes)
    if n < 2 * MIN_SIDE_FIXES:
        return []
    level = np.fromiter((f.fuel_l for f in fixes), dtype=np.float64, count=n)
    times = np.fromiter((f.t for f in fixes), dtype=np.float64, count=n)
    before, after = _side_medians(level)
    delta = after - before  # at fix i: the level from i on, minus the level before i
    found: list[FuelEventFound] = []
    for kind, sign, minimum in ((REFUEL, 1.0, REFUEL_MIN_L), (DRAIN, -1.0, DRAIN_MIN_L)):
        step = sign * delta
        for first, last in _runs(step >= minimum):
            event = _locate(fixes, before, after, level, times, kind, sign, first, last)
            if event is not None:
                found.append(event)
    found.sort(key=lambda e: e.index)
    return found


def _side_medians(level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each fix i: the median of the readings before it and from it on (up to
    ``WINDOW_FIXES`` each; NaN where a side has fewer than ``MIN_SIDE_FIXES``)."""
    n, k = len(level), WINDOW_FIXES
    padded = np.concatenate([np.full(k, np.nan), level, np.full(k, np.nan)])
    with warnings.catch_warnings():  # the ends' all-NaN windows are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        windows = np.nanmedian(sliding_window_view(padded, k), axis=1)
    counts = np.convolve(np.concatenate([np.zeros(k), np.ones(n), np.zeros(k)]), np.ones(k))
    counts = counts[k - 1 : k - 1 + len(windows)]
    windows[counts < MIN_SIDE_FIXES] = np.nan
    # windows[j] covers padded[j : j + k], i.e. level[j - k : j]
    before = windows[0:n]  # level[i - k : i]
    after = windows[k : k + n]  # level[i : i + k]
    return before, after


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _locate(
    fixes: Sequence[LevelFix],
    before: np.ndarray,
    after: np.ndarray,
    level: np.ndarray,
    times: np.ndarray,
    kind: str,
    sign: float,
    first: int,
    last: int,
) -> FuelEventFound | None:
    """The step's size where the two sides differ most (windows right against it), its place
    where the smoothed level crosses the midpoint; a fall the engine could have burnt between
    the two windows is no drain."""
    k = WINDOW_FIXES
    widest = first + int(np.nanargmax(sign * (after[first : last + 1] - before[first : last + 1])))
    before_l, after_l = float(before[widest]), float(after[widest])
    litres = sign * (after_l - before_l)
    if kind == DRAIN:
        hours = (
            times[min(widest + k // 2, len(times) - 1)] - times[max(widest - k // 2, 0)]
        ) / 3600
        if litres < DRAIN_MIN_L + BURN_ALLOWANCE_L_PER_H * max(hours, 0.0):
            return None
    middle = (before_l + after_l) / 2
    index = last
    for i in range(max(first - 1, 0), min(last + 2, len(level))):
        smoothed = float(np.median(level[max(i - 1, 0) : i + 2]))
        if sign * (smoothed - middle) >= 0:
            index = i
            break
    if not np.isnan(before[index]) and not np.isnan(after[index]):
        before_l, after_l = float(before[index]), float(after[index])  # right against the step
        litres = sign * (after_l - before_l)
    fix = fixes[index]
    return FuelEventFound(
        kind,
        index,
        fix.t,
        fix.lon,
        fix.lat,
        round(litres, 1),
        round(before_l, 1),
        round(after_l, 1),
    )
